#ifndef ECC_CANCEL_H
#define ECC_CANCEL_H
/*
 * Floor 0: Ctrl-C as a cancel level that every command shares. The first SIGINT (or SIGTERM) asks for an
 * orderly stop: nothing new starts, requests in flight are cancelled, cleanup runs and reports are
 * written. The second abandons the cleanup too. After the second the default action is back, so a third
 * Ctrl-C ends the process at once.
 *
 * Use: ecc_cancel_install() before the work, pass ecc_cancel_level_flag() wherever a
 * `volatile sig_atomic_t *` interrupt flag is taken (runner options) or test ecc_cancel_level() in a
 * transport's cancel callback (ecc_transport_set_cancel), ecc_cancel_uninstall() after. The level is
 * process-wide (signals are); nothing here allocates.
 */
#include "ecc/common.h"

#include <signal.h>

#define ECC_CANCEL_STOP    1 /* first Ctrl-C: stop starting work, cancel what is in flight, clean up */
#define ECC_CANCEL_ABANDON 2 /* second Ctrl-C: abandon the cleanup as well */

/* Installs the SIGINT and SIGTERM handlers (level back to 0). Returns false when sigaction failed. */
bool ecc_cancel_install(void);
/* Restores the handlers that were there before ecc_cancel_install. The level is kept for the caller. */
void ecc_cancel_uninstall(void);
/* 0 (not interrupted), ECC_CANCEL_STOP or ECC_CANCEL_ABANDON. Async-signal-safe. */
int ecc_cancel_level(void);
/* The level's storage, for options that take a flag (runner `interrupted`). Lives as long as the program. */
volatile sig_atomic_t *ecc_cancel_level_flag(void);

#endif

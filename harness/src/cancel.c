/*
 * The process-wide cancel level behind Ctrl-C (cancel.h): a sig_atomic_t the signal handler raises,
 * read by the runner between steps and by the transport's cancel callbacks while a request is in flight.
 */
#include "ecc/cancel.h"

#include <string.h>

static volatile sig_atomic_t s_level;
static struct sigaction s_previous_int;
static struct sigaction s_previous_term;
static bool s_installed;

static void s_on_signal(int signo) {
    if (s_level < ECC_CANCEL_ABANDON) {
        s_level++;
    }
    if (s_level >= ECC_CANCEL_ABANDON) {
        /* A third signal must end the process even if the cleanup hangs. */
        signal(signo, SIG_DFL);
    }
}

bool ecc_cancel_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = s_on_signal;
    sigemptyset(&action.sa_mask);
    s_level = 0;
    if (sigaction(SIGINT, &action, &s_previous_int) != 0) {
        return false;
    }
    if (sigaction(SIGTERM, &action, &s_previous_term) != 0) {
        sigaction(SIGINT, &s_previous_int, NULL);
        return false;
    }
    s_installed = true;
    return true;
}

void ecc_cancel_uninstall(void) {
    if (s_installed) {
        sigaction(SIGINT, &s_previous_int, NULL);
        sigaction(SIGTERM, &s_previous_term, NULL);
        s_installed = false;
    }
}

int ecc_cancel_level(void) {
    return (int)s_level;
}

volatile sig_atomic_t *ecc_cancel_level_flag(void) {
    return &s_level;
}

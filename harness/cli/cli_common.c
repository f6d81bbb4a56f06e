/* Small helpers every long-running subcommand shares: number options, folders, and the Ctrl-C counter
 * (`run` and `fuzz` stop at the first Ctrl-C and abandon their cleanup at the second). */
#include "commands.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

volatile sig_atomic_t ecc_cli_interrupted;

static void s_on_sigint(int signo) {
    (void)signo;
    if (ecc_cli_interrupted < 2) {
        ecc_cli_interrupted++;
    }
    if (ecc_cli_interrupted >= 2) {
        signal(SIGINT, SIG_DFL);
    }
}

void ecc_cli_catch_sigint(struct sigaction *previous) {
    struct sigaction action = {0};
    action.sa_handler = s_on_sigint;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, previous);
}

bool ecc_cli_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

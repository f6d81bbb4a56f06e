/* What the subcommands that talk to an endpoint (`run`, `fuzz`) share: the endpoint, profile,
 * credentials and seed they start from, number options, folders, and the Ctrl-C counter (they stop at
 * the first Ctrl-C and abandon their cleanup at the second). */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/profile.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

const char *ecc_cli_endpoint_from_env(void) {
    const char *endpoint = getenv("AWS_ENDPOINT_URL_ECS");
    endpoint = endpoint && *endpoint ? endpoint : getenv("AWS_ENDPOINT_URL");
    return endpoint && *endpoint ? endpoint : NULL;
}

const struct ecc_profile *ecc_cli_profile(const char *cmd, const char *name, bool embedded) {
    if (!name) {
        name = embedded ? "emulator" : "aws";
    }
    const struct ecc_profile *profile = ecc_profile_find(name);
    if (!profile) {
        ecc_cli_error(cmd, "unknown profile '%s' (emulator, moto, aws)", name);
        return NULL;
    }
    if (embedded && strcmp(profile->name, "emulator") != 0) {
        ecc_cli_error(cmd, "--profile %s needs --endpoint (the embedded endpoint is the emulator)", profile->name);
        return NULL;
    }
    return profile;
}

int ecc_cli_credentials(
    const char *cmd, const struct ecc_profile *profile, struct ecc_credentials *out, char *source, size_t source_size) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status found = ecc_credentials_resolve(out, NULL, source, source_size, &diag);
    if (found == ECC_OK) {
        return ECC_EXIT_OK;
    }
    if (found != ECC_ERR_NOT_FOUND) {
        ecc_cli_error(cmd, "credentials: %s", diag.text);
        return found == ECC_ERR_NOMEM ? ECC_EXIT_INTERNAL : ECC_EXIT_SETUP;
    }
    if (!profile->access_key_id) {
        ecc_cli_error(cmd, "no credentials: %s", diag.text);
        return ECC_EXIT_SETUP;
    }
    snprintf(source, source_size, "the %s profile's test keys", profile->name);
    if (ecc_credentials_set(out, profile->access_key_id, profile->secret_access_key, NULL, &diag) != ECC_OK) {
        return ECC_EXIT_INTERNAL;
    }
    return ECC_EXIT_OK;
}

uint64_t ecc_cli_clock_seed(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000003u ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
}

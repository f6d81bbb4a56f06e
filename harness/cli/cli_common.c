/* What the subcommands that talk to an endpoint (`run`, `fuzz`) share: the endpoint, profile,
 * credentials and seed they start from, number options, folders, and the Ctrl-C counter (they stop at
 * the first Ctrl-C and abandon their cleanup at the second); and the --keys file of `emulate` and `verify`. */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/profile.h"

#include <dirent.h>
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

/* The NAME.profile files of `dir`, without the extension, into names[] (at most `cap`; strdup'ed). */
static size_t s_profile_names(const char *dir, char **names, size_t count, size_t cap) {
    DIR *d = opendir(dir);
    if (!d) {
        return count;
    }
    size_t ext = strlen(ECC_PROFILE_FILE_EXTENSION);
    for (struct dirent *e = readdir(d); e && count < cap; e = readdir(d)) {
        size_t len = strlen(e->d_name);
        if (len <= ext || strcmp(e->d_name + len - ext, ECC_PROFILE_FILE_EXTENSION) != 0) {
            continue;
        }
        bool known = false;
        for (size_t i = 0; i < count && !known; i++) {
            known = strlen(names[i]) == len - ext && strncmp(names[i], e->d_name, len - ext) == 0;
        }
        if (!known && (names[count] = strndup(e->d_name, len - ext))) {
            count++;
        }
    }
    closedir(d);
    return count;
}

/* A NAME no folder has: the error names the folders looked in, the profiles there and the nearest. */
static void s_unknown_profile(const char *cmd, const char *name, const char *suite_folder, const char *shipped_folder) {
    if (suite_folder && strcmp(suite_folder, shipped_folder) == 0) {
        suite_folder = NULL;
    }
    char *names[64];
    size_t count = suite_folder ? s_profile_names(suite_folder, names, 0, ECC_ARRAY_LEN(names)) : 0;
    count = s_profile_names(shipped_folder, names, count, ECC_ARRAY_LEN(names));
    char known[512] = "";
    for (size_t i = 0; i < count; i++) {
        size_t used = strlen(known);
        snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "", names[i]);
    }
    char hint[160];
    ecc_did_you_mean(name, (const char *const *)names, count, hint, sizeof(hint));
    ecc_cli_error(
        cmd,
        "unknown profile '%s'%s. No %s.profile in %s%s%s (known: %s); a profile FILE is given by its path "
        "(./my.profile)",
        name,
        hint,
        name,
        suite_folder ? suite_folder : "",
        suite_folder ? " nor in " : "",
        shipped_folder,
        count ? known : "none");
    for (size_t i = 0; i < count; i++) {
        free(names[i]);
    }
}

int ecc_cli_profile_load(
    const char *cmd,
    const char *spec,
    bool embedded,
    const char *suite_dir,
    struct ecc_profile *profile,
    bool *lists_apply) {
    if (!spec) {
        spec = embedded ? "emulator" : "aws";
    }
    char suite_folder[4096 + 16], shipped_folder[4096 + 16], file[4096 + 96];
    bool own = true;
    if (ecc_profile_is_name(spec)) {
        char data_conformance[4096];
        ecc_cli_data_path("conformance", data_conformance, sizeof(data_conformance));
        snprintf(shipped_folder, sizeof(shipped_folder), "%s/profiles", data_conformance);
        if (suite_dir) {
            snprintf(suite_folder, sizeof(suite_folder), "%s/profiles", suite_dir);
        }
        snprintf(
            file, sizeof(file), "%s/%s%s", suite_dir ? suite_folder : shipped_folder, spec, ECC_PROFILE_FILE_EXTENSION);
        struct stat st;
        if (suite_dir && stat(file, &st) != 0) {
            /* Not the suite's own: the shipped one, whose lists name the shipped suite's cases. */
            own = false;
            snprintf(file, sizeof(file), "%s/%s%s", shipped_folder, spec, ECC_PROFILE_FILE_EXTENSION);
        }
        if (stat(file, &st) != 0) {
            s_unknown_profile(cmd, spec, suite_dir ? suite_folder : NULL, shipped_folder);
            return ECC_EXIT_USAGE;
        }
    } else {
        snprintf(file, sizeof(file), "%s", spec);
    }
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_profile_load_file(profile, file, &diag);
    if (status != ECC_OK) {
        char text[1200];
        ecc_diag_format(&diag, text, sizeof(text));
        ecc_cli_error(cmd, "--profile: %s", text);
        return status == ECC_ERR_NOMEM ? ECC_EXIT_INTERNAL : ECC_EXIT_USAGE;
    }
    if (embedded && strcmp(profile->name, "emulator") != 0) {
        ecc_cli_error(cmd, "--profile %s needs --endpoint (the embedded endpoint is the emulator)", profile->name);
        ecc_profile_clean_up(profile);
        return ECC_EXIT_USAGE;
    }
    if (lists_apply) {
        *lists_apply = own;
    }
    return ECC_EXIT_OK;
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

int ecc_cli_load_key_file(const char *cmd, const char *path, struct ecc_key_file *file) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_key_file_load(file, path, &diag);
    if (status != ECC_OK) {
        char where[1024];
        ecc_diag_format(&diag, where, sizeof(where));
        ecc_cli_error(cmd, "--keys: %s", where);
        return status == ECC_ERR_NOMEM ? ECC_EXIT_INTERNAL : ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

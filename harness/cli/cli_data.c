/*
 * Where the command finds the suite's data (conformance/, fixtures/, client-cases/ and the shipped
 * adapters) when the command line does not say: one rule for every subcommand, so an installed
 * `ecsconf` works from any folder and a binary in the build tree keeps using its own source tree.
 *
 * The order, first match wins:
 *   1. $ECSCONF_DATA_DIR, as given (a user's copy of the suite, or an unpacked release);
 *   2. the installed layout beside the running binary, <bin>/ECSCONF_DATA_DIR_FROM_BIN
 *      (../share/ecsconf), found through /proc/self/exe so a prefix chosen at install time
 *      (`cmake --install --prefix P`, a relocated package) is honoured, not the configure-time one;
 *   3. the source tree the binary was built from (a build-tree binary, or `scripts/main`);
 *   4. the configure-time install folder (ECSCONF_INSTALL_DATA_DIR), even if it is absent, so the
 *      error names the folder that was expected.
 * Options (--suite, --fixtures, case paths) always win over all of these; the subcommands apply them.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "commands.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ECSCONF_DATA_DIR_FROM_BIN
#error "ECSCONF_DATA_DIR_FROM_BIN must be defined by the build (the data folder relative to bin/)"
#endif
#ifndef ECSCONF_INSTALL_DATA_DIR
#error "ECSCONF_INSTALL_DATA_DIR must be defined by the build (the configure-time data folder)"
#endif
#ifndef ECSCONF_SOURCE_DATA_DIR
#error "ECSCONF_SOURCE_DATA_DIR must be defined by the build (the source tree, or empty)"
#endif

static bool s_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* True when `dir` holds the suite (its conformance/ folder marks it). */
static bool s_holds_suite(const char *dir) {
    char probe[PATH_MAX];
    int n = snprintf(probe, sizeof(probe), "%s/conformance", dir);
    return n > 0 && (size_t)n < sizeof(probe) && s_is_dir(probe);
}

static bool s_copy(char *out, size_t cap, const char *text) {
    int n = snprintf(out, cap, "%s", text);
    return n >= 0 && (size_t)n < cap;
}

/* <folder of the running binary>/ECSCONF_DATA_DIR_FROM_BIN, resolved; false when it cannot be. */
static bool s_beside_binary(char *out, size_t cap) {
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len <= 0) {
        return false;
    }
    exe[len] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) {
        return false;
    }
    *slash = '\0';
    char joined[PATH_MAX];
    int n = snprintf(joined, sizeof(joined), "%s/%s", exe, ECSCONF_DATA_DIR_FROM_BIN);
    if (n < 0 || (size_t)n >= sizeof(joined)) {
        return false;
    }
    char resolved[PATH_MAX];
    if (!realpath(joined, resolved)) {
        return false;
    }
    return s_copy(out, cap, resolved);
}

const char *ecc_cli_data_dir(const char **origin) {
    static char s_dir[PATH_MAX];
    static const char *s_origin;
    if (s_origin) {
        if (origin) {
            *origin = s_origin;
        }
        return s_dir;
    }
    const char *env = getenv("ECSCONF_DATA_DIR");
    if (env && *env && s_copy(s_dir, sizeof(s_dir), env)) {
        s_origin = "from ECSCONF_DATA_DIR";
    } else if (s_beside_binary(s_dir, sizeof(s_dir)) && s_holds_suite(s_dir)) {
        s_origin = "installed beside the binary";
    } else if (
        ECSCONF_SOURCE_DATA_DIR[0] != '\0' && s_holds_suite(ECSCONF_SOURCE_DATA_DIR) &&
        s_copy(s_dir, sizeof(s_dir), ECSCONF_SOURCE_DATA_DIR)) {
        s_origin = "the source tree this binary was built from";
    } else {
        s_copy(s_dir, sizeof(s_dir), ECSCONF_INSTALL_DATA_DIR);
        s_origin = s_holds_suite(s_dir) ? "the configured install folder"
                                        : "the configured install folder, which holds no suite";
    }
    if (origin) {
        *origin = s_origin;
    }
    return s_dir;
}

const char *ecc_cli_data_path(const char *name, char *out, size_t cap) {
    int n = snprintf(out, cap, "%s/%s", ecc_cli_data_dir(NULL), name);
    if (n < 0 || (size_t)n >= cap) {
        /* Truncated: an empty path fails every later check with a clear "not found". */
        out[0] = '\0';
    }
    return out;
}

const char *ecc_cli_adapters_dir(char *out, size_t cap) {
    /* Installed: <data>/adapters; a source tree keeps them beside the library, in harness/adapters. */
    ecc_cli_data_path("adapters", out, cap);
    if (!s_is_dir(out)) {
        ecc_cli_data_path("harness/adapters", out, cap);
    }
    return out;
}

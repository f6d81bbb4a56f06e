/* What the commands that reach an endpoint (`run`, `fuzz`, `replay`, `record`) share before sending
 * anything: the reports (never two into one file, each writable), the recording and the secrets it must
 * keep out, --ca-bundle (AWS_CA_BUNDLE and the profile's ca_bundle
 * are read by credentials.c), the embedded emulator and the preflight. A usage error found after a whole run would
 * waste it; an endpoint that cannot answer is said once. */
#include "commands.h"

#include "ecc/cancel.h"
#include "ecc/credentials.h"
#include "ecc/emulator.h"
#include "ecc/recording.h"
#include "ecc/report.h"
#include "ecc/runner.h"
#include "ecc/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A report is written as a temporary file in its folder, then renamed: the folder must be writable. */
static bool s_check_report_path(const char *cmd, const struct ecc_cli_report_option *report) {
    if (strcmp(report->file, "-") == 0) {
        return true;
    }
    struct stat st;
    if (report->file[0] == '\0' || (stat(report->file, &st) == 0 && !S_ISREG(st.st_mode))) {
        ecc_cli_error(cmd, "%s '%s': not a file that can be written", report->option, report->file);
        return false;
    }
    char folder[1024];
    const char *slash = strrchr(report->file, '/');
    if (!slash) {
        snprintf(folder, sizeof(folder), ".");
    } else {
        snprintf(folder, sizeof(folder), "%.*s", slash == report->file ? 1 : (int)(slash - report->file), report->file);
    }
    if (!ecc_cli_is_dir(folder)) {
        ecc_cli_error(cmd, "%s '%s': the folder '%s' does not exist", report->option, report->file, folder);
        return false;
    }
    if (access(folder, W_OK | X_OK) != 0) {
        ecc_cli_error(
            cmd, "%s '%s': the folder '%s' is not writable: %s", report->option, report->file, folder, strerror(errno));
        return false;
    }
    return true;
}

bool ecc_cli_check_reports(const char *cmd, const struct ecc_cli_report_option *reports, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (!reports[i].file) {
            continue;
        }
        if (!s_check_report_path(cmd, &reports[i])) {
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            if (reports[j].file && strcmp(reports[j].file, reports[i].file) == 0) {
                ecc_cli_error(
                    cmd,
                    "%s and %s both write '%s': give each report its own file",
                    reports[j].option,
                    reports[i].option,
                    reports[i].file);
                return false;
            }
        }
    }
    return true;
}

bool ecc_cli_write_reports(
    const char *cmd, const struct ecc_cli_report_option *reports, size_t count, const struct ecc_run_report *report) {
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        if (reports[i].file && ecc_report_write_file(reports[i].file, reports[i].format, report, &diag) != ECC_OK) {
            ecc_cli_error(cmd, "%s: %s", reports[i].option, diag.text);
            ok = false;
        }
    }
    return ok;
}

bool ecc_cli_check_ca_bundle(const char *cmd, const char *ca_bundle) {
    if (!ca_bundle) {
        return true;
    }
    struct stat st;
    if (stat(ca_bundle, &st) != 0) {
        ecc_cli_error(cmd, "--ca-bundle '%s': %s", ca_bundle, strerror(errno));
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        ecc_cli_error(cmd, "--ca-bundle '%s': not a file (a PEM file of trusted CAs)", ca_bundle);
        return false;
    }
    FILE *f = fopen(ca_bundle, "rb");
    if (!f) {
        ecc_cli_error(cmd, "--ca-bundle '%s': %s", ca_bundle, strerror(errno));
        return false;
    }
    fclose(f);
    return true;
}

struct ecc_emulator_server *
ecc_cli_start_emulator(const char *cmd, const char *region, uint64_t seed, unsigned threads, bool control) {
    struct ecc_emulator_options emulator_options;
    ecc_emulator_options_init(&emulator_options);
    emulator_options.control_enabled = control;
    emulator_options.region = region;
    emulator_options.seed = seed;
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.thread_count = threads;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_emulator_server *emulator = ecc_emulator_server_start(&emulator_options, &server_options, &diag);
    if (!emulator) {
        ecc_cli_error(cmd, "cannot start the embedded emulator: %s", diag.text);
    }
    return emulator;
}

int ecc_cli_preflight(
    const char *cmd,
    const struct ecc_runner_options *options,
    const char *shown,
    struct ecc_run_report *report,
    bool *usable) {
    *usable = false;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_runner_preflight(options, &diag);
    if (status == ECC_ERR_NOMEM || status == ECC_ERR_INVALID) {
        ecc_cli_error(cmd, "%s", diag.text);
        return ECC_EXIT_INTERNAL;
    }
    if (status == ECC_OK) {
        *usable = true;
        return ECC_EXIT_OK;
    }
    if (ecc_cancel_level()) {
        status = ecc_run_report_set_stop(report, ECC_RUN_STOP_INTERRUPTED, "interrupted (Ctrl-C) during the preflight");
    } else {
        char reason[700];
        snprintf(reason, sizeof(reason), "preflight: %s", diag.text);
        ecc_cli_error(cmd, "%s is not usable, nothing was %s: %s", shown, strcmp(cmd, "run") ? "sent" : "run", reason);
        status = ecc_run_report_set_stop(report, ECC_RUN_STOP_ENDPOINT, reason);
    }
    return status == ECC_OK ? ECC_EXIT_OK : ECC_EXIT_INTERNAL;
}

int ecc_cli_resolve_ca_bundle(const char *cmd, const char **ca_bundle, char *found, size_t size) {
    if (*ca_bundle) {
        return ECC_EXIT_OK;
    }
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_credentials_resolve_ca_bundle(NULL, found, size, &diag);
    if (status != ECC_OK && status != ECC_ERR_NOT_FOUND) {
        ecc_cli_error(cmd, "CA bundle: %s", diag.text);
        return ECC_EXIT_SETUP;
    }
    *ca_bundle = status == ECC_OK ? found : NULL;
    return ECC_EXIT_OK;
}

int ecc_cli_recording_new(
    const char *cmd,
    const char *option,
    struct ecc_recording_options *options,
    const struct ecc_credentials *credentials,
    bool embedded,
    struct ecc_recording **out) {
    if (!options->from) {
        options->from = embedded ? "emulator" : "other";
    }
    const char *secrets[] = {credentials->secret_access_key, credentials->session_token};
    options->secrets = secrets;
    options->secret_count = ECC_ARRAY_LEN(secrets);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    *out = ecc_recording_new(options, &diag);
    options->secrets = NULL; /* `secrets` ends here; the recording keeps its own copies */
    options->secret_count = 0;
    if (!*out) {
        char why[1024];
        ecc_diag_format(&diag, why, sizeof(why));
        ecc_cli_error(cmd, "%s%s%s", option ? option : "", option ? ": " : "", why);
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

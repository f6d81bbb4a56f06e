/* What the commands that write reports and reach endpoints (`run`, `replay`) check before sending
 * anything: the --junit/--tap/--json options (each once, never two into one file, each writable) and
 * --ca-bundle (AWS_CA_BUNDLE and the profile's ca_bundle are read by credentials.c). A usage error found
 * after a whole run would waste it. */
#include "commands.h"

#include "ecc/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool ecc_cli_is_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

bool ecc_cli_report_option(
    const char *cmd,
    int argc,
    char **argv,
    int *i,
    struct ecc_cli_report_option *reports,
    size_t count,
    const char **value) {
    for (size_t r = 0; r < count; r++) {
        const char *file = ecc_cli_option_value(argc, argv, i, reports[r].option);
        if (!file) {
            continue;
        }
        if (reports[r].file) {
            ecc_cli_error(
                cmd,
                "%s given twice ('%s', then '%s'): one report per option",
                reports[r].option,
                reports[r].file,
                file);
            *value = NULL;
            return true;
        }
        reports[r].file = file;
        *value = file;
        return true;
    }
    return false;
}

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

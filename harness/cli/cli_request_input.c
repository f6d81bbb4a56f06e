/* What `sign` and `verify` share: reading a request in the suite's text form from a file or stdin (capped
 * at 16 MiB, parsed by the signer's own request-text reader, every problem said with the file's name), a
 * fixed clock for --date / --now, and the region from the command line or the environment. */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/sigv4.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A request file bigger than this is not something to sign by hand. */
#define ECC_CLI_MAX_REQUEST_BYTES (16 * 1024 * 1024)

int ecc_cli_read_request(const char *cmd, const char *path, struct ecc_http_request *request) {
    bool from_stdin = !path || strcmp(path, "-") == 0;
    const char *label = from_stdin ? "<stdin>" : path;
    FILE *file = from_stdin ? stdin : fopen(path, "rb");
    if (!file) {
        ecc_cli_error(cmd, "cannot open the request file '%s': %s", path, strerror(errno));
        return ECC_EXIT_USAGE;
    }
    struct ecc_buf text;
    ecc_buf_init(&text, ECC_CLI_MAX_REQUEST_BYTES);
    char chunk[8192];
    enum ecc_status status = ECC_OK;
    for (;;) {
        size_t n = fread(chunk, 1, sizeof(chunk), file);
        if (n == 0) {
            break;
        }
        status = ecc_buf_append(&text, chunk, n);
        if (status != ECC_OK) {
            break;
        }
    }
    bool read_error = ferror(file) != 0;
    if (!from_stdin) {
        fclose(file);
    }
    int exit_code = ECC_EXIT_OK;
    if (read_error || status != ECC_OK) {
        ecc_cli_error(
            cmd,
            "%s: %s",
            label,
            status == ECC_ERR_LIMIT ? "larger than 16 MiB"
            : read_error            ? "read error"
                                    : ecc_status_name(status));
        exit_code = ECC_EXIT_USAGE;
    } else {
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        snprintf(diag.source, sizeof(diag.source), "%s", label);
        if (ecc_sigv4_parse_request_text(text.data ? text.data : "", text.len, request, &diag) != ECC_OK) {
            char message[1024];
            ecc_diag_format(&diag, message, sizeof(message));
            ecc_cli_error(
                cmd,
                "%s (expected the request.txt form: 'METHOD target HTTP/1.1', 'Name:value' lines, "
                "an empty line, the body)",
                message);
            exit_code = ECC_EXIT_USAGE;
        }
    }
    ecc_buf_clean_up(&text);
    return exit_code;
}

bool ecc_cli_take_sigv4_date(const char *cmd, const char *name, const char *value, void *user) {
    if (ecc_sigv4_parse_date(value, user) != ECC_OK) {
        ecc_cli_error(cmd, "%s '%s' is not in the form YYYYMMDDTHHMMSSZ (e.g. 20150830T123600Z)", name, value);
        return false;
    }
    return true;
}

int64_t ecc_cli_fixed_clock(void *user_data) {
    return *(const int64_t *)user_data;
}

int ecc_cli_region(const char *cmd, const char **region) {
    if (!*region) {
        *region = ecc_credentials_region_from_env();
    }
    if (!*region) {
        ecc_cli_error(cmd, "no region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION)");
        return ECC_EXIT_SETUP;
    }
    return ECC_EXIT_OK;
}

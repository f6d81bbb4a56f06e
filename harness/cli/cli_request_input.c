/* Reading a request in the suite's text form from a file or stdin, shared by `sign` and `verify`; and the
 * readers of the command line every command parses with: an option's value, tables of value options and
 * flags, whole numbers in a range. */
#include "commands.h"

#include "ecc/sigv4.h"

#include <errno.h>
#include <inttypes.h>
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
    size_t n;
    enum ecc_status status = ECC_OK;
    while (status == ECC_OK && (n = fread(chunk, 1, sizeof(chunk), file)) > 0) {
        status = ecc_buf_append(&text, chunk, n);
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

const char *ecc_cli_option_value(int argc, char **argv, int *i, const char *name) {
    size_t len = strlen(name);
    if (strncmp(argv[*i], name, len) != 0) {
        return NULL;
    }
    if (argv[*i][len] == '=') {
        return argv[*i] + len + 1;
    }
    if (argv[*i][len] == '\0' && *i + 1 < argc) {
        return argv[++*i];
    }
    return NULL;
}

bool ecc_cli_value_options(int argc, char **argv, int *i, const struct ecc_cli_value_option *options, size_t count) {
    for (size_t o = 0; o < count; o++) {
        const char *value = ecc_cli_option_value(argc, argv, i, options[o].name);
        if (value) {
            *options[o].value = value;
            return true;
        }
    }
    return false;
}

bool ecc_cli_flag_options(const char *arg, const struct ecc_cli_flag_option *flags, size_t count) {
    for (size_t f = 0; f < count; f++) {
        if (strcmp(arg, flags[f].name) == 0) {
            *flags[f].flag = true;
            return true;
        }
    }
    return false;
}

bool ecc_cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    if (!text || !*text || text[0] == '-' || text[0] == '+') {
        return false;
    }
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end || value < min || value > max) {
        return false;
    }
    *out = (uint64_t)value;
    return true;
}

bool ecc_cli_number_option(
    const char *cmd,
    int argc,
    char **argv,
    int *i,
    const char *name,
    uint64_t min,
    uint64_t max,
    uint64_t *out,
    bool *bad) {
    const char *value = ecc_cli_option_value(argc, argv, i, name);
    if (!value) {
        return false;
    }
    if (!ecc_cli_parse_u64(value, min, max, out)) {
        ecc_cli_error(cmd, "%s takes a whole number from %" PRIu64 " to %" PRIu64 ", not '%s'", name, min, max, value);
        *bad = true;
    }
    return true;
}

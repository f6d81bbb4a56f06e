/* The one reader of every command's command line: a command describes its options in a table of
 * `struct ecc_cli_option` rows (a value, a whole number in a range, a repeated value, a flag, or a value the
 * command checks itself) and `ecc_cli_parse` walks argv against it, with --help, "--name value" and
 * "--name=value", and the same words for every mistake. The readers several commands share (--listen,
 * --shard, --only/--skip, --run-id) are here too, so that an option means and says the same everywhere. */
#include "commands.h"

#include "ecc/plan.h"
#include "ecc/server.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "--name value" or "--name=value" at argv[*i] (advancing *i past a separate value); NULL otherwise. */
static const char *s_option_value(int argc, char **argv, int *i, const char *name) {
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

/* A decimal number in [min, max] (no sign, no blanks, nothing after it). */
static bool s_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
    char *end = NULL;
    errno = 0;
    if (!*text || text[0] == '-' || text[0] == '+') {
        return false;
    }
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end || value < min || value > max) {
        return false;
    }
    *out = (uint64_t)value;
    return true;
}

/* A value for a repeated option or an operand: at most row->max_count of them. */
static bool s_append(const char *cmd, const struct ecc_cli_option *row, const char *value, bool operand) {
    if (*row->count == row->max_count) {
        if (operand && row->max_count == 1) {
            ecc_cli_error(cmd, "one %s at a time ('%s' and '%s' given)", row->name, row->list[0], value);
        } else if (operand) {
            ecc_cli_error(cmd, "at most %zu %s", row->max_count, row->name);
        } else {
            ecc_cli_error(cmd, "%s given more than %zu times", row->name, row->max_count);
        }
        return false;
    }
    row->list[(*row->count)++] = value;
    return true;
}

/* The value of one row, read into where the row says; false after printing why. */
static bool s_take(const char *cmd, const struct ecc_cli_option *row, const char *value) {
    if (row->number) {
        if (!s_parse_u64(value, row->min, row->max, row->number)) {
            ecc_cli_error(
                cmd,
                "%s takes a whole number from %" PRIu64 " to %" PRIu64 ", not '%s'",
                row->name,
                row->min,
                row->max,
                value);
            return false;
        }
        return true;
    }
    if (row->list) {
        return s_append(cmd, row, value, false);
    }
    if (row->take) {
        return row->take(cmd, row->name, value, row->user);
    }
    if (row->once && *row->value) {
        ecc_cli_error(cmd, "%s given twice ('%s', then '%s'): give it once", row->name, *row->value, value);
        return false;
    }
    *row->value = value;
    return true;
}

/* A row reads a value unless it is a flag (only `given` set). */
static bool s_is_flag(const struct ecc_cli_option *row) {
    return !row->value && !row->number && !row->list && !row->take;
}

/* argv[*i] against the rows: 1 taken, 0 not an option of the table, -1 taken but wrong (printed). */
static int s_match(const struct ecc_cli_parser *parser, int argc, char **argv, int *i) {
    for (size_t r = 0; r < parser->option_count; r++) {
        const struct ecc_cli_option *row = &parser->options[r];
        if (s_is_flag(row)) {
            if (strcmp(argv[*i], row->name) != 0) {
                continue;
            }
            *row->given = true;
            return 1;
        }
        const char *value = s_option_value(argc, argv, i, row->name);
        if (!value) {
            continue;
        }
        if (row->given) {
            *row->given = true;
        }
        return s_take(parser->cmd, row, value) ? 1 : -1;
    }
    return 0;
}

int ecc_cli_parse(const struct ecc_cli_parser *parser, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            parser->help(stdout);
            return ECC_CLI_HELP_SHOWN;
        }
        int matched = s_match(parser, argc, argv, &i);
        if (matched < 0) {
            return ECC_EXIT_USAGE;
        }
        if (matched > 0) {
            continue;
        }
        if ((arg[0] == '-' && arg[1] != '\0') || !parser->operands.list) {
            ecc_cli_error(
                parser->cmd, "unknown option or missing value: '%s' (see ecsconf %s --help)", arg, parser->cmd);
            return ECC_EXIT_USAGE;
        }
        if (!s_append(parser->cmd, &parser->operands, arg, true)) {
            return ECC_EXIT_USAGE;
        }
    }
    return ECC_EXIT_OK;
}

bool ecc_cli_take_listen(const char *cmd, const char *name, const char *value, void *user) {
    struct ecc_cli_listen *listen = user;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_server_parse_listen(value, listen->address, sizeof(listen->address), &listen->port, &diag) != ECC_OK) {
        ecc_cli_error(cmd, "%s: %s (e.g. 127.0.0.1:8080 or [::1]:0)", name, diag.text);
        return false;
    }
    return true;
}

bool ecc_cli_take_shard(const char *cmd, const char *name, const char *value, void *user) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_shard_parse(value, user, &diag) != ECC_OK) {
        ecc_cli_error(cmd, "%s: %s", name, diag.text);
        return false;
    }
    return true;
}

bool ecc_cli_take_filter(const char *cmd, const char *name, const char *value, void *user) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_filter_add(user, value, &diag) != ECC_OK) {
        ecc_cli_error(cmd, "%s '%s': %s", name, value, diag.text);
        return false;
    }
    return true;
}

bool ecc_cli_take_run_id(const char *cmd, const char *name, const char *value, void *user) {
    uint32_t *run_id = user;
    if (strlen(value) != 8 || strspn(value, "0123456789abcdef") != 8) {
        ecc_cli_error(
            cmd, "%s takes the 8 hex digits after 'ecc' of a resource prefix, in lower case, not '%s'", name, value);
        return false;
    }
    *run_id = (uint32_t)strtoul(value, NULL, 16);
    return true;
}

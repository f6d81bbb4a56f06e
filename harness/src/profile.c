/*
 * Endpoint profiles (emulator, moto, aws) and the expected-failure lists of profile.h: their parser
 * (with the optional "[status=..., error=..., reason~..., transport=...]" expectations), the look-up of
 * a case's line, the check that a failure is the one a line expects, and the stale-line check.
 */
#include "ecc/profile.h"

#include "ecc/emulator.h"
#include "ecc/transport.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_LIST_BYTES   (64 * 1024)
#define S_MAX_LIST_ENTRIES 4096

/* The emulator accepts any well-formed id: the placeholders keep the main run self-contained. moto looks
 * subnets up in its own EC2 backend, so conformance/run-moto.sh creates them and passes --var. */
static const struct ecc_profile_var s_emulator_vars[] = {
    {"subnet", ECC_RUN_VAR_PLACEHOLDER_SUBNET},
    {"security_group", ECC_RUN_VAR_PLACEHOLDER_SECURITY_GROUP},
};

static const struct ecc_profile s_profiles[] = {
    {
        .name = "emulator",
        .summary = "the embedded reference emulator (or `ecsconf emulate`): every capability",
        .capabilities = ECC_CAP_FAULT_INJECTION | ECC_CAP_CLOCK_CONTROL,
        .access_key_id = ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID,
        .secret_access_key = ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY,
        .second_access_key_id = ECC_EMULATOR_BLOCKED_ACCESS_KEY_ID,
        .account = ECC_EMULATOR_DEFAULT_ACCOUNT,
        .vars = s_emulator_vars,
        .var_count = ECC_ARRAY_LEN(s_emulator_vars),
    },
    {
        .name = "moto",
        .summary = "moto_server 5.x: no control endpoint; signatures not checked, so any key works; each case's "
                   "cluster gets an EC2 container instance",
        .capabilities = 0,
        .ec2_instances = 1,
        .access_key_id = "testing",
        .secret_access_key = "testing",
        .account = "123456789012",
    },
    {
        .name = "aws",
        .summary = "Amazon ECS itself (or an endpoint that should behave exactly like it): credentials required",
        .capabilities = 0,
    },
};

const struct ecc_profile *ecc_profile_find(const char *name) {
    for (size_t i = 0; i < ECC_ARRAY_LEN(s_profiles); i++) {
        if (strcmp(s_profiles[i].name, name) == 0) {
            return &s_profiles[i];
        }
    }
    return NULL;
}

const struct ecc_profile *ecc_profile_get(size_t index) {
    return index < ECC_ARRAY_LEN(s_profiles) ? &s_profiles[index] : NULL;
}

size_t ecc_profile_count(void) {
    return ECC_ARRAY_LEN(s_profiles);
}

enum ecc_status ecc_profile_default_vars(const struct ecc_profile *profile, json_t *values) {
    for (size_t i = 0; i < profile->var_count; i++) {
        if (json_object_set_new(values, profile->vars[i].name, json_string(profile->vars[i].value)) != 0) {
            return ECC_ERR_NOMEM;
        }
    }
    return ECC_OK;
}

void ecc_expect_fail_list_init(struct ecc_expect_fail_list *list) {
    memset(list, 0, sizeof(*list));
}

static void s_entry_clean_up(struct ecc_expect_fail_entry *entry) {
    free(entry->pattern);
    free(entry->expects);
    free(entry->want.error);
    free(entry->want.reason_contains);
    free(entry->want.transport);
    free(entry->reason);
    free(entry->source);
    memset(entry, 0, sizeof(*entry));
}

void ecc_expect_fail_list_clean_up(struct ecc_expect_fail_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        s_entry_clean_up(&list->entries[i]);
    }
    free(list->entries);
    ecc_expect_fail_list_init(list);
}

static enum ecc_status s_fail_line(struct ecc_diag *diag, const char *source, int line, const char *fmt, ...)
    ECC_PRINTF(4, 5);
static enum ecc_status s_fail_line(struct ecc_diag *diag, const char *source, int line, const char *fmt, ...) {
    ecc_diag_clear(diag);
    if (diag) {
        snprintf(diag->source, sizeof(diag->source), "%s", source);
        diag->line = line;
        va_list args;
        va_start(args, fmt);
        vsnprintf(diag->text, sizeof(diag->text), fmt, args);
        va_end(args);
    }
    return ECC_ERR_INVALID;
}

static bool s_pattern_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '/' || c == '*' || c == '?' ||
           c == '[' || c == ']' || c == '!';
}

static bool s_error_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
}

static bool s_known_transport_error(const char *name) {
    /* Every failure a transport can report, except a cancel (an interrupt is never expected). */
    for (int e = ECC_TRANSPORT_ERR_URL; e <= ECC_TRANSPORT_ERR_OTHER; e++) {
        if (strcmp(ecc_transport_error_name((enum ecc_transport_error)e), name) == 0) {
            return true;
        }
    }
    return false;
}

/* One term of "[...]": `key=value` or `reason~text`, already trimmed. */
static enum ecc_status s_parse_want_term(
    struct ecc_expect_fail_want *want,
    const char *term,
    size_t len,
    const char *source,
    int line,
    struct ecc_diag *diag) {
    const char *op = term;
    while (op < term + len && *op != '=' && *op != '~') {
        op++;
    }
    size_t key_len = (size_t)(op - term);
    const char *value = op + 1;
    size_t value_len = op < term + len ? len - key_len - 1 : 0;
    if (op == term + len || value_len == 0) {
        return s_fail_line(
            diag,
            source,
            line,
            "'%.*s': a term is status=N, error=NAME, reason~TEXT or transport=KIND",
            (int)len,
            term);
    }
    char *text = strndup(value, value_len);
    if (!text) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ECC_OK;
    if (*op == '~' && key_len == 6 && memcmp(term, "reason", 6) == 0 && !want->reason_contains) {
        want->reason_contains = text;
        return ECC_OK;
    }
    if (*op == '=' && key_len == 6 && memcmp(term, "status", 6) == 0 && !want->status && !want->status_class) {
        if (value_len == 3 && text[0] >= '1' && text[0] <= '5' && strcmp(text + 1, "xx") == 0) {
            want->status_class = text[0] - '0';
        } else if (
            value_len == 3 && text[0] >= '1' && text[0] <= '5' && text[1] >= '0' && text[1] <= '9' && text[2] >= '0' &&
            text[2] <= '9') {
            want->status = atoi(text);
        } else {
            status = s_fail_line(diag, source, line, "status=%s: a status is 100-599 or a class such as 5xx", text);
        }
    } else if (*op == '=' && key_len == 5 && memcmp(term, "error", 5) == 0 && !want->error) {
        for (size_t i = 0; i < value_len && status == ECC_OK; i++) {
            if (!s_error_name_char(text[i])) {
                status = s_fail_line(diag, source, line, "error=%s: an error type holds A-Z a-z 0-9 _ . -", text);
            }
        }
        if (status == ECC_OK) {
            want->error = text;
            return ECC_OK;
        }
    } else if (*op == '=' && key_len == 9 && memcmp(term, "transport", 9) == 0 && !want->transport) {
        if (s_known_transport_error(text)) {
            want->transport = text;
            return ECC_OK;
        }
        status = s_fail_line(
            diag,
            source,
            line,
            "transport=%s: not a transport failure (connect, resolve, tls, timeout, too-slow, reset, truncated, ...)",
            text);
    } else {
        status = s_fail_line(
            diag,
            source,
            line,
            "'%.*s': unknown or repeated term (status=N, error=NAME, reason~TEXT, transport=KIND, each at most once)",
            (int)len,
            term);
    }
    free(text);
    return status;
}

/* "[term, term, ...]" at s (which is '['); *end is set past the ']'. */
static enum ecc_status s_parse_want(
    struct ecc_expect_fail_entry *entry,
    const char *s,
    const char *e,
    const char **end,
    const char *source,
    int line,
    struct ecc_diag *diag) {
    const char *close = memchr(s, ']', (size_t)(e - s));
    if (!close) {
        return s_fail_line(diag, source, line, "%s", "'[' opens the expectations of the line, but no ']' closes them");
    }
    const char *p = s + 1;
    while (p < close) {
        const char *comma = memchr(p, ',', (size_t)(close - p));
        const char *term_end = comma ? comma : close;
        const char *a = p;
        const char *b = term_end;
        while (a < b && (*a == ' ' || *a == '\t')) {
            a++;
        }
        while (b > a && (b[-1] == ' ' || b[-1] == '\t')) {
            b--;
        }
        if (a == b) {
            return s_fail_line(diag, source, line, "%s", "an empty term between '[' ']' or commas");
        }
        enum ecc_status status = s_parse_want_term(&entry->want, a, (size_t)(b - a), source, line, diag);
        if (status != ECC_OK) {
            return status;
        }
        p = comma ? comma + 1 : close;
    }
    if (entry->want.transport && (entry->want.status || entry->want.status_class || entry->want.error)) {
        return s_fail_line(
            diag, source, line, "%s", "transport=KIND means no answer came: it cannot go with status= or error=");
    }
    if (p == s + 1) {
        return s_fail_line(diag, source, line, "%s", "'[]' expects nothing: leave the brackets out");
    }
    entry->expects = strndup(s + 1, (size_t)(close - s - 1));
    if (!entry->expects) {
        return ECC_ERR_NOMEM;
    }
    *end = close + 1;
    return ECC_OK;
}

enum ecc_status ecc_expect_fail_load_bytes(
    struct ecc_expect_fail_list *list, const char *text, size_t len, const char *source, struct ecc_diag *diag) {
    if (len > S_MAX_LIST_BYTES) {
        return s_fail_line(diag, source, 0, "expected-failure list is larger than %d bytes", S_MAX_LIST_BYTES);
    }
    const char *p = text;
    const char *end = text + len;
    int line_no = 0;
    while (p < end) {
        line_no++;
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        const char *s = p;
        p = eol ? eol + 1 : end;
        while (s < line_end && (*s == ' ' || *s == '\t')) {
            s++;
        }
        const char *e = line_end;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) {
            e--;
        }
        if (s == e || *s == '#') {
            continue;
        }
        if (memchr(s, '\0', (size_t)(e - s))) {
            return s_fail_line(diag, source, line_no, "%s", "NUL byte in the line");
        }
        const char *pattern_end = s;
        while (pattern_end < e && *pattern_end != ' ' && *pattern_end != '\t') {
            if (!s_pattern_char(*pattern_end)) {
                return s_fail_line(diag, source, line_no, "%s", "a case id or glob holds only a-z 0-9 - / * ? [ ] !");
            }
            pattern_end++;
        }
        if (list->count == S_MAX_LIST_ENTRIES) {
            return s_fail_line(diag, source, line_no, "%s", "more than 4096 expected failures");
        }
        struct ecc_expect_fail_entry *entries =
            ecc_array_grow(list->entries, &list->capacity, list->count, sizeof(*entries), 16, SIZE_MAX);
        if (!entries) {
            return ECC_ERR_NOMEM;
        }
        list->entries = entries;
        struct ecc_expect_fail_entry *entry = &list->entries[list->count];
        memset(entry, 0, sizeof(*entry));
        const char *reason = pattern_end;
        while (reason < e && (*reason == ' ' || *reason == '\t')) {
            reason++;
        }
        enum ecc_status status = ECC_OK;
        if (reason < e && *reason == '[') {
            const char *after = reason;
            status = s_parse_want(entry, reason, e, &after, source, line_no, diag);
            if (status == ECC_OK && after < e && *after != ' ' && *after != '\t') {
                status = s_fail_line(diag, source, line_no, "%s", "a space must follow the ']' of the expectations");
            }
            reason = after;
            while (reason < e && (*reason == ' ' || *reason == '\t')) {
                reason++;
            }
        }
        if (status == ECC_OK && reason == e) {
            status =
                s_fail_line(diag, source, line_no, "%s", "every expected failure needs a reason after the case id");
        }
        if (status == ECC_OK) {
            entry->pattern = strndup(s, (size_t)(pattern_end - s));
            entry->reason = strndup(reason, (size_t)(e - reason));
            entry->source = ecc_strdup(source);
            entry->line = line_no;
            status = entry->pattern && entry->reason && entry->source ? ECC_OK : ECC_ERR_NOMEM;
        }
        if (status != ECC_OK) {
            s_entry_clean_up(entry);
            return status;
        }
        list->count++;
    }
    return ECC_OK;
}

enum ecc_status ecc_expect_fail_load_file(struct ecc_expect_fail_list *list, const char *file, struct ecc_diag *diag) {
    FILE *f = fopen(file, "rb");
    if (!f) {
        ecc_diag_clear(diag);
        if (diag) {
            snprintf(diag->source, sizeof(diag->source), "%s", file);
        }
        ecc_diag_set(diag, "cannot open: %s", strerror(errno));
        return ECC_ERR_IO;
    }
    char *text = malloc(S_MAX_LIST_BYTES + 1);
    if (!text) {
        fclose(f);
        return ECC_ERR_NOMEM;
    }
    size_t len = fread(text, 1, S_MAX_LIST_BYTES + 1, f);
    fclose(f);
    enum ecc_status status = ecc_expect_fail_load_bytes(list, text, len, file, diag);
    free(text);
    return status;
}

static bool s_entry_matches(const struct ecc_expect_fail_entry *entry, const struct ecc_case *c) {
    if (fnmatch(entry->pattern, c->id, 0) == 0) {
        return true;
    }
    char qualified[256];
    snprintf(qualified, sizeof(qualified), "%s/%s", c->group, c->id);
    return fnmatch(entry->pattern, qualified, 0) == 0;
}

const struct ecc_expect_fail_entry *
ecc_expect_fail_find(const struct ecc_expect_fail_list *list, const struct ecc_case *c) {
    for (size_t i = 0; i < list->count; i++) {
        if (s_entry_matches(&list->entries[i], c)) {
            return &list->entries[i];
        }
    }
    return NULL;
}

bool ecc_expect_fail_accepts(
    const struct ecc_expect_fail_entry *entry,
    const struct ecc_expect_fail_observed *observed,
    char *why,
    size_t why_size) {
    const struct ecc_expect_fail_want *want = &entry->want;
    char got[64];
    if (observed->status) {
        snprintf(got, sizeof(got), "HTTP %d", observed->status);
    } else {
        snprintf(got, sizeof(got), "no answer");
    }
    if (observed->transport_error) {
        if (want->transport && strcmp(want->transport, observed->transport_error) == 0) {
            return true;
        }
        if (want->transport) {
            snprintf(why, why_size, "expected transport=%s, got %s", want->transport, observed->transport_error);
        } else {
            snprintf(
                why,
                why_size,
                "a %s failure is never an expected one (a line may expect it with [transport=%s])",
                observed->transport_error,
                observed->transport_error);
        }
        return false;
    }
    if (want->transport) {
        snprintf(why, why_size, "expected transport=%s, got %s", want->transport, got);
        return false;
    }
    if (want->status && observed->status != want->status) {
        snprintf(why, why_size, "expected status=%d, got %s", want->status, got);
        return false;
    }
    if (want->status_class && observed->status / 100 != want->status_class) {
        snprintf(why, why_size, "expected status=%dxx, got %s", want->status_class, got);
        return false;
    }
    if (want->error) {
        bool want_none = strcmp(want->error, "none") == 0;
        bool same = want_none ? observed->error_type == NULL
                              : observed->error_type && strcmp(observed->error_type, want->error) == 0;
        if (!same) {
            snprintf(
                why,
                why_size,
                "expected error=%s, got %s",
                want->error,
                observed->error_type ? observed->error_type : "no error type");
            return false;
        }
    }
    if (want->reason_contains && !strstr(observed->reason ? observed->reason : "", want->reason_contains)) {
        snprintf(why, why_size, "expected a reason containing '%s'", want->reason_contains);
        return false;
    }
    return true;
}

enum ecc_status
ecc_expect_fail_check(struct ecc_expect_fail_list *list, const struct ecc_suite *suite, struct ecc_diag *diag) {
    for (size_t i = 0; i < list->count; i++) {
        struct ecc_expect_fail_entry *entry = &list->entries[i];
        entry->matches = 0;
        for (size_t j = 0; j < suite->count; j++) {
            entry->matches += s_entry_matches(entry, suite->cases[j]);
        }
        if (entry->matches == 0) {
            return s_fail_line(
                diag,
                entry->source,
                entry->line,
                "'%s' matches no case of the suite (remove the stale line)",
                entry->pattern);
        }
    }
    return ECC_OK;
}

/*
 * Endpoint profile files and the expected-failure lists of profile.h: the profile parser (KEY = VALUE
 * lines, every value checked where it is read, so a bad line is reported at file:line before anything is
 * sent), the list parser (with the optional "[status=..., error=..., reason~..., transport=...]"
 * expectations), the look-up of a case's line, the check that a failure is the one a line expects, and the
 * stale-line check.
 */
#include "ecc/profile.h"

#include "ecc/capacity.h"
#include "ecc/credentials.h"
#include "ecc/transport.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_MAX_LIST_BYTES   (64 * 1024)
#define S_MAX_LIST_ENTRIES 4096

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
    }
    va_list args;
    va_start(args, fmt);
    ecc_diag_vset(diag, fmt, args);
    va_end(args);
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

/* `status=` of a term (`text`, NUL-terminated): a status 100-599 or a class such as 5xx; false when it is
 * neither. */
static bool s_parse_want_status(struct ecc_expect_fail_want *want, const char *text, size_t value_len) {
    if (value_len == 3 && text[0] >= '1' && text[0] <= '5' && strcmp(text + 1, "xx") == 0) {
        want->status_class = text[0] - '0';
        return true;
    }
    if (value_len == 3 && text[0] >= '1' && text[0] <= '5' && text[1] >= '0' && text[1] <= '9' && text[2] >= '0' &&
        text[2] <= '9') {
        want->status = atoi(text);
        return true;
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
        if (!s_parse_want_status(want, text, value_len)) {
            status = s_fail_line(diag, source, line, "status=%s: a status is 100-599 or a class such as 5xx", text);
            goto on_error;
        }
        free(text); /* the status is kept as a number */
        return ECC_OK;
    }
    if (*op == '=' && key_len == 5 && memcmp(term, "error", 5) == 0 && !want->error) {
        for (size_t i = 0; i < value_len; i++) {
            if (!s_error_name_char(text[i])) {
                status = s_fail_line(diag, source, line, "error=%s: an error type holds A-Z a-z 0-9 _ . -", text);
                goto on_error;
            }
        }
        want->error = text;
        return ECC_OK;
    }
    if (*op == '=' && key_len == 9 && memcmp(term, "transport", 9) == 0 && !want->transport) {
        if (!s_known_transport_error(text)) {
            status = s_fail_line(
                diag,
                source,
                line,
                "transport=%s: not a transport failure (connect, resolve, tls, timeout, too-slow, reset, truncated, "
                "...)",
                text);
            goto on_error;
        }
        want->transport = text;
        return ECC_OK;
    }
    status = s_fail_line(
        diag,
        source,
        line,
        "'%.*s': unknown or repeated term (status=N, error=NAME, reason~TEXT, transport=KIND, each at most once)",
        (int)len,
        term);
on_error:
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

/* The rest of a line of the list once its case id (`s` to `pattern_end`) is read: the "[...]" expectations
 * if any, then the reason, up to `e`. Fills `entry`; the caller cleans it up on a failure. */
static enum ecc_status s_parse_entry(
    struct ecc_expect_fail_entry *entry,
    const char *s,
    const char *pattern_end,
    const char *e,
    const char *source,
    int line_no,
    struct ecc_diag *diag) {
    const char *reason = pattern_end;
    while (reason < e && (*reason == ' ' || *reason == '\t')) {
        reason++;
    }
    if (reason < e && *reason == '[') {
        const char *after = reason;
        enum ecc_status status = s_parse_want(entry, reason, e, &after, source, line_no, diag);
        if (status != ECC_OK) {
            return status;
        }
        if (after < e && *after != ' ' && *after != '\t') {
            return s_fail_line(diag, source, line_no, "%s", "a space must follow the ']' of the expectations");
        }
        reason = after;
        while (reason < e && (*reason == ' ' || *reason == '\t')) {
            reason++;
        }
    }
    if (reason == e) {
        return s_fail_line(diag, source, line_no, "%s", "every expected failure needs a reason after the case id");
    }
    entry->pattern = strndup(s, (size_t)(pattern_end - s));
    entry->reason = strndup(reason, (size_t)(e - reason));
    entry->source = ecc_strdup(source);
    entry->line = line_no;
    return entry->pattern && entry->reason && entry->source ? ECC_OK : ECC_ERR_NOMEM;
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
        enum ecc_status status = s_parse_entry(entry, s, pattern_end, e, source, line_no, diag);
        if (status != ECC_OK) {
            s_entry_clean_up(entry);
            return status;
        }
        list->count++;
    }
    return ECC_OK;
}

/* Loads `file` into `list` or into `profile` (the other is NULL): reads at most the loader's cap + 1 bytes
 * (one more than the parser accepts, so it can say "too large") and hands them to the loader's
 * `*_load_bytes`; ECC_ERR_IO naming the file when it cannot be opened. */
static enum ecc_status s_load_capped_file(
    const char *file, struct ecc_expect_fail_list *list, struct ecc_profile *profile, struct ecc_diag *diag) {
    size_t max_bytes = list ? S_MAX_LIST_BYTES : ECC_PROFILE_MAX_BYTES;
    FILE *f = fopen(file, "rb");
    if (!f) {
        ecc_diag_clear(diag);
        if (diag) {
            snprintf(diag->source, sizeof(diag->source), "%s", file);
        }
        ecc_diag_set(diag, "cannot open %s: %s", list ? "the list" : "the profile", strerror(errno));
        return ECC_ERR_IO;
    }
    char *text = malloc(max_bytes + 1);
    if (!text) {
        fclose(f);
        return ECC_ERR_NOMEM;
    }
    size_t len = fread(text, 1, max_bytes + 1, f);
    fclose(f);
    enum ecc_status status = list ? ecc_expect_fail_load_bytes(list, text, len, file, diag)
                                  : ecc_profile_load_bytes(profile, text, len, file, diag);
    free(text);
    return status;
}

enum ecc_status ecc_expect_fail_load_file(struct ecc_expect_fail_list *list, const char *file, struct ecc_diag *diag) {
    return s_load_capped_file(file, list, NULL, diag);
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

/* ------------------------------------------------------------------------------------------------ */
/* Profile files                                                                                    */

void ecc_profile_init(struct ecc_profile *profile) {
    memset(profile, 0, sizeof(*profile));
}

void ecc_profile_clean_up(struct ecc_profile *profile) {
    free(profile->name);
    free(profile->file);
    free(profile->summary);
    free(profile->region);
    free(profile->access_key_id);
    free(profile->secret_access_key);
    free(profile->second_access_key_id);
    free(profile->account);
    json_decref(profile->vars);
    for (size_t i = 0; i < profile->expect_fail_count; i++) {
        free(profile->expect_fail[i]);
    }
    ecc_profile_init(profile);
}

bool ecc_profile_is_name(const char *spec) {
    size_t len = strlen(spec);
    if (len == 0 || len > 64 || spec[0] == '-') {
        return false;
    }
    return strspn(spec, "abcdefghijklmnopqrstuvwxyz0123456789-") == len;
}

enum ecc_status ecc_profile_default_vars(const struct ecc_profile *profile, json_t *values) {
    return profile->vars && json_object_update(values, profile->vars) != 0 ? ECC_ERR_NOMEM : ECC_OK;
}

/* The keys of a profile file, in the order the documentation gives them. `var.NAME` is matched apart. */
static const char *const s_profile_keys[] = {
    "summary",
    "capabilities",
    "region",
    "account",
    "test-access-key-id",
    "test-secret-access-key",
    "second-access-key-id",
    "ec2-instances",
    "var.NAME",
    "expect-fail",
};

/* Where a profile file's line is: for the errors of the value checks. */
struct s_profile_line {
    const char *source;
    int line;
    const char *key;
    struct ecc_diag *diag;
};

/* An access key id or secret: 1..128 printable ASCII characters without spaces. */
static enum ecc_status s_profile_key_text(const struct s_profile_line *at, const char *value) {
    size_t len = strlen(value);
    bool printable = len > 0 && len <= 128;
    for (size_t i = 0; i < len && printable; i++) {
        printable = value[i] > 32 && value[i] < 127;
    }
    return printable
               ? ECC_OK
               : s_fail_line(
                     at->diag, at->source, at->line, "%s: 1 to 128 printable ASCII characters without spaces", at->key);
}

static enum ecc_status s_profile_capabilities(const struct s_profile_line *at, const char *value, unsigned *out) {
    const char *names[] = {ecc_capability_name(ECC_CAP_FAULT_INJECTION), ecc_capability_name(ECC_CAP_CLOCK_CONTROL)};
    const char *p = value;
    while (*p) {
        size_t len = strcspn(p, ",");
        char name[64];
        const char *a = p;
        const char *b = p + len;
        while (a < b && isspace((unsigned char)*a)) {
            a++;
        }
        while (b > a && isspace((unsigned char)b[-1])) {
            b--;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(b - a), a);
        unsigned bit = 0;
        if (a == b || (size_t)(b - a) >= sizeof(name) || !ecc_capability_parse(name, &bit)) {
            char hint[160];
            ecc_did_you_mean(name, names, ECC_ARRAY_LEN(names), hint, sizeof(hint));
            return s_fail_line(
                at->diag,
                at->source,
                at->line,
                "capabilities: '%s' is not a capability (fault-injection, clock-control, comma-separated; leave "
                "the value empty for none)%s",
                name,
                hint);
        }
        if (*out & bit) {
            return s_fail_line(at->diag, at->source, at->line, "capabilities: '%s' given twice", name);
        }
        *out |= bit;
        p += len;
        p += *p == ',';
        if (*p == '\0' && p[-1] == ',') {
            return s_fail_line(at->diag, at->source, at->line, "%s", "capabilities: a ',' with nothing after it");
        }
    }
    return ECC_OK;
}

/* `expect-fail = FILE`: relative to the profile's folder (absolute as given); it must be a file. */
static enum ecc_status s_profile_list(struct ecc_profile *profile, const struct s_profile_line *at, const char *value) {
    if (profile->expect_fail_count == ECC_PROFILE_MAX_LISTS) {
        return s_fail_line(
            at->diag, at->source, at->line, "at most %d expect-fail lists in a profile", ECC_PROFILE_MAX_LISTS);
    }
    const char *slash = strrchr(at->source, '/');
    int folder_len = value[0] == '/' || !slash ? 0 : (int)(slash - at->source + 1);
    char path[4096];
    int n = snprintf(path, sizeof(path), "%.*s%s", folder_len, at->source, value);
    struct stat st;
    if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        return s_fail_line(
            at->diag,
            at->source,
            at->line,
            "expect-fail: '%s' is not a file (a path relative to the profile's folder)",
            path);
    }
    profile->expect_fail[profile->expect_fail_count] = ecc_strdup(path);
    return profile->expect_fail[profile->expect_fail_count++] ? ECC_OK : ECC_ERR_NOMEM;
}

/* A single-valued key: its slot, set once. */
static enum ecc_status s_profile_once(const struct s_profile_line *at, char **slot, const char *value) {
    if (*slot) {
        return s_fail_line(at->diag, at->source, at->line, "%s given twice", at->key);
    }
    *slot = ecc_strdup(value);
    return *slot ? ECC_OK : ECC_ERR_NOMEM;
}

/* One `KEY = VALUE` line; `seen` holds the bits of the single-valued keys without a string slot. */
static enum ecc_status
s_profile_entry(struct ecc_profile *profile, const struct s_profile_line *at, const char *value, unsigned *seen) {
    const char *key = at->key;
    if (strncmp(key, "var.", 4) == 0) {
        if (json_object_get(profile->vars, key + 4)) {
            return s_fail_line(at->diag, at->source, at->line, "%s given twice", key);
        }
        char spec[ECC_RUN_VAR_MAX_VALUE_LEN + 80];
        snprintf(spec, sizeof(spec), "%s=%s", key + 4, value);
        struct ecc_diag inner;
        ecc_diag_clear(&inner);
        enum ecc_status status = ecc_case_run_var_parse(spec, profile->vars, &inner);
        return status == ECC_ERR_INVALID ? s_fail_line(at->diag, at->source, at->line, "%s: %s", key, inner.text)
                                         : status;
    }
    if (strcmp(key, "summary") == 0) {
        return s_profile_once(at, &profile->summary, value);
    }
    if (strcmp(key, "capabilities") == 0 || strcmp(key, "ec2-instances") == 0) {
        unsigned bit = key[0] == 'c' ? 1u : 2u;
        if (*seen & bit) {
            return s_fail_line(at->diag, at->source, at->line, "%s given twice", key);
        }
        *seen |= bit;
        if (bit == 1u) {
            return s_profile_capabilities(at, value, &profile->capabilities);
        }
        char *end = NULL;
        errno = 0;
        unsigned long n = strtoul(value, &end, 10);
        if (!isdigit((unsigned char)value[0]) || *end || errno || n > ECC_CAPACITY_MAX_INSTANCES) {
            return s_fail_line(
                at->diag,
                at->source,
                at->line,
                "ec2-instances: a number from 0 to %d, not '%s'",
                ECC_CAPACITY_MAX_INSTANCES,
                value);
        }
        profile->ec2_instances = (unsigned)n;
        return ECC_OK;
    }
    if (strcmp(key, "region") == 0) {
        struct ecc_diag inner;
        ecc_diag_clear(&inner);
        if (ecc_credentials_check_region(value, &inner) != ECC_OK) {
            return s_fail_line(at->diag, at->source, at->line, "region: %s", inner.text);
        }
        return s_profile_once(at, &profile->region, value);
    }
    if (strcmp(key, "account") == 0) {
        if (strlen(value) != 12 || strspn(value, "0123456789") != 12) {
            return s_fail_line(at->diag, at->source, at->line, "account: 12 digits, not '%s'", value);
        }
        return s_profile_once(at, &profile->account, value);
    }
    char **slot = strcmp(key, "test-access-key-id") == 0       ? &profile->access_key_id
                  : strcmp(key, "test-secret-access-key") == 0 ? &profile->secret_access_key
                  : strcmp(key, "second-access-key-id") == 0   ? &profile->second_access_key_id
                                                               : NULL;
    if (slot) {
        enum ecc_status status = s_profile_key_text(at, value);
        if (status != ECC_OK) {
            return status;
        }
        return s_profile_once(at, slot, value);
    }
    if (strcmp(key, "expect-fail") == 0) {
        return s_profile_list(profile, at, value);
    }
    char hint[160];
    ecc_did_you_mean(key, s_profile_keys, ECC_ARRAY_LEN(s_profile_keys), hint, sizeof(hint));
    return s_fail_line(
        at->diag,
        at->source,
        at->line,
        "unknown key '%s' (summary, capabilities, region, account, test-access-key-id, test-secret-access-key, "
        "second-access-key-id, ec2-instances, var.NAME, expect-fail)%s",
        key,
        hint);
}

/* The profile's name: the file name without its folder and ".profile". */
static char *s_profile_name(const char *source) {
    const char *base = strrchr(source, '/');
    base = base ? base + 1 : source;
    size_t len = strlen(base);
    size_t ext = strlen(ECC_PROFILE_FILE_EXTENSION);
    if (len > ext && strcmp(base + len - ext, ECC_PROFILE_FILE_EXTENSION) == 0) {
        len -= ext;
    }
    return strndup(base, len);
}

static enum ecc_status
s_profile_parse(struct ecc_profile *profile, const char *text, size_t len, const char *source, struct ecc_diag *diag) {
    if (len > ECC_PROFILE_MAX_BYTES) {
        return s_fail_line(diag, source, 0, "a profile is at most %d bytes", ECC_PROFILE_MAX_BYTES);
    }
    profile->name = s_profile_name(source);
    profile->file = ecc_strdup(source);
    profile->vars = json_object();
    if (!profile->name || !profile->file || !profile->vars) {
        return ECC_ERR_NOMEM;
    }
    unsigned seen = 0;
    const char *p = text;
    const char *end = text + len;
    for (int line_no = 1; p < end; line_no++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *s = p;
        const char *e = eol ? eol : end;
        p = eol ? eol + 1 : end;
        while (s < e && (*s == ' ' || *s == '\t')) {
            s++;
        }
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) {
            e--;
        }
        if (s == e || *s == '#') {
            continue;
        }
        for (const char *c = s; c < e; c++) {
            if ((unsigned char)*c < 32 && *c != '\t') {
                return s_fail_line(diag, source, line_no, "%s", "a control character (or NUL) in the line");
            }
        }
        const char *equals = memchr(s, '=', (size_t)(e - s));
        if (!equals) {
            return s_fail_line(diag, source, line_no, "%s", "expected KEY = VALUE (or a # comment)");
        }
        const char *key_end = equals;
        while (key_end > s && (key_end[-1] == ' ' || key_end[-1] == '\t')) {
            key_end--;
        }
        const char *value = equals + 1;
        while (value < e && (*value == ' ' || *value == '\t')) {
            value++;
        }
        char key[64];
        char *value_text = strndup(value, (size_t)(e - value));
        if (!value_text) {
            return ECC_ERR_NOMEM;
        }
        snprintf(key, sizeof(key), "%.*s", (int)(key_end - s), s);
        enum ecc_status status = ECC_OK;
        if (key_end == s || (size_t)(key_end - s) >= sizeof(key)) {
            status = s_fail_line(diag, source, line_no, "%s", "a key of 1 to 63 characters before '='");
        } else if (!value_text[0] && strcmp(key, "capabilities") != 0) {
            status = s_fail_line(diag, source, line_no, "%s: an empty value (leave the line out instead)", key);
        } else {
            struct s_profile_line at = {.source = source, .line = line_no, .key = key, .diag = diag};
            status = s_profile_entry(profile, &at, value_text, &seen);
        }
        free(value_text);
        if (status != ECC_OK) {
            return status;
        }
    }
    if (!profile->access_key_id != !profile->secret_access_key) {
        return s_fail_line(
            diag, source, 0, "%s", "test-access-key-id and test-secret-access-key go together: give both or neither");
    }
    if (profile->second_access_key_id && !profile->access_key_id) {
        return s_fail_line(
            diag, source, 0, "%s", "second-access-key-id is signed with the test secret: give test keys too");
    }
    return ECC_OK;
}

enum ecc_status ecc_profile_load_bytes(
    struct ecc_profile *profile, const char *text, size_t len, const char *source, struct ecc_diag *diag) {
    ecc_profile_init(profile);
    enum ecc_status status = s_profile_parse(profile, text, len, source, diag);
    if (status != ECC_OK) {
        ecc_profile_clean_up(profile);
    }
    return status;
}

enum ecc_status ecc_profile_load_file(struct ecc_profile *profile, const char *file, struct ecc_diag *diag) {
    ecc_profile_init(profile); /* a file that cannot be read leaves an empty profile */
    return s_load_capped_file(file, NULL, profile, diag);
}

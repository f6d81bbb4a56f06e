#include "ecc/profile.h"

#include "ecc/emulator.h"

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

void ecc_expect_fail_list_clean_up(struct ecc_expect_fail_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        free(list->entries[i].pattern);
        free(list->entries[i].reason);
        free(list->entries[i].source);
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
        const char *reason = pattern_end;
        while (reason < e && (*reason == ' ' || *reason == '\t')) {
            reason++;
        }
        if (reason == e) {
            return s_fail_line(diag, source, line_no, "%s", "every expected failure needs a reason after the case id");
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
        entry->pattern = strndup(s, (size_t)(pattern_end - s));
        entry->reason = strndup(reason, (size_t)(e - reason));
        entry->source = ecc_strdup(source);
        entry->line = line_no;
        if (!entry->pattern || !entry->reason || !entry->source) {
            free(entry->pattern);
            free(entry->reason);
            free(entry->source);
            return ECC_ERR_NOMEM;
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

/*
 * Matchers over JSON documents (match.h): RFC 6901 pointers with a `*` wildcard resolved to the values
 * they reach, each value tested against a matcher spec (a bare value means equals), captures and derived
 * captures, and the load-time check of every spec. The matchers are one table (s_matchers): each row
 * holds the name, whether it needs a value, its run-time test and its load-time operand check, so a
 * new matcher is one row and two functions. Bounded: regexes are measured before regcomp.
 */
#include "ecc/match.h"

#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_SEGMENTS 64

static const char *const s_types[] = {"string", "number", "integer", "boolean", "array", "object", "null"};
static const char *const s_arn_kinds[] = {
    "task", "cluster", "task-definition", "container", "container-instance", "capacity-provider", "any"};

void ecc_match_failure_init(struct ecc_match_failure *failure) {
    memset(failure, 0, sizeof(*failure));
}

void ecc_match_failure_clean_up(struct ecc_match_failure *failure) {
    json_decref(failure->expected);
    json_decref(failure->actual);
    ecc_match_failure_init(failure);
}

ECC_PRINTF(5, 6)
static void s_fail(
    struct ecc_match_failure *failure,
    const char *pointer,
    const json_t *spec,
    const json_t *actual,
    const char *fmt,
    ...) {
    if (!failure) {
        return;
    }
    ecc_match_failure_clean_up(failure);
    snprintf(failure->pointer, sizeof(failure->pointer), "%s", pointer);
    va_list args;
    va_start(args, fmt);
    vsnprintf(failure->message, sizeof(failure->message), fmt, args);
    va_end(args);
    failure->expected = spec ? json_incref((json_t *)spec) : NULL;
    failure->actual = actual ? json_incref((json_t *)actual) : NULL;
}

/* "values differ", with both values when they are short enough to read on one line (a report's headline
 * and an expected failure's line show them; longer ones are in the failure's expected/actual block). */
static void s_values_differ(const json_t *expected, const json_t *actual, char *why, size_t why_size) {
    char *e = expected ? json_dumps(expected, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    char *a = actual ? json_dumps(actual, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (e && a && strlen(e) <= 60 && strlen(a) <= 60) {
        snprintf(why, why_size, "values differ: expected %s, got %s", e, a);
    } else {
        snprintf(why, why_size, "values differ");
    }
    free(e);
    free(a);
}

/* ---- equality ---------------------------------------------------------------------------------- */

bool ecc_match_json_equal(const json_t *a, const json_t *b) {
    if (!a || !b) {
        return a == b;
    }
    if (json_is_number(a) && json_is_number(b)) {
        if (json_is_integer(a) && json_is_integer(b)) {
            return json_integer_value(a) == json_integer_value(b);
        }
        return json_number_value(a) == json_number_value(b);
    }
    if (json_typeof(a) != json_typeof(b)) {
        return false;
    }
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY: {
        if (json_array_size(a) != json_array_size(b)) {
            return false;
        }
        for (size_t i = 0; i < json_array_size(a); i++) {
            if (!ecc_match_json_equal(json_array_get(a, i), json_array_get(b, i))) {
                return false;
            }
        }
        return true;
    }
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b)) {
            return false;
        }
        const char *key;
        const json_t *value;
        json_object_foreach((json_t *)a, key, value) {
            if (!ecc_match_json_equal(value, json_object_get(b, key))) {
                return false;
            }
        }
        return true;
    }
    default:
        return true; /* true, false, null: the type is the value */
    }
}

/* ---- pointers ---------------------------------------------------------------------------------- */

struct s_pointer {
    char *copy; /* owns the unescaped segment strings */
    char *segments[S_MAX_SEGMENTS];
    size_t count;
    bool wildcard;
};

static enum ecc_status s_pointer_parse(const char *pointer, struct s_pointer *out, struct ecc_diag *diag) {
    memset(out, 0, sizeof(*out));
    if (pointer[0] != '\0' && pointer[0] != '/') {
        ecc_diag_set(diag, "JSON pointer \"%.100s\" must be empty or start with '/'", pointer);
        return ECC_ERR_INVALID;
    }
    /* Unescaping only shrinks, and each '/' becomes the previous segment's NUL: len + 1 bytes suffice. */
    out->copy = malloc(strlen(pointer) + 1);
    if (!out->copy) {
        return ECC_ERR_NOMEM;
    }
    char *w = out->copy;
    const char *p = pointer;
    while (*p == '/') {
        if (out->count == S_MAX_SEGMENTS) {
            ecc_diag_set(diag, "JSON pointer \"%.100s\" has more than %d segments", pointer, S_MAX_SEGMENTS);
            goto on_error;
        }
        p++;
        char *segment = w;
        while (*p && *p != '/') {
            if (*p == '~') {
                if (p[1] != '0' && p[1] != '1') {
                    ecc_diag_set(diag, "JSON pointer \"%.100s\": '~' must be followed by 0 or 1", pointer);
                    goto on_error;
                }
                *w++ = p[1] == '0' ? '~' : '/';
                p += 2;
            } else {
                *w++ = *p++;
            }
        }
        *w++ = '\0';
        out->segments[out->count++] = segment;
        out->wildcard = out->wildcard || strcmp(segment, "*") == 0;
    }
    return ECC_OK;
on_error:
    free(out->copy);
    out->copy = NULL;
    return ECC_ERR_INVALID;
}

static void s_pointer_clean_up(struct s_pointer *pointer) {
    free(pointer->copy);
}

enum ecc_status ecc_match_check_pointer(const char *pointer, bool *has_wildcard, struct ecc_diag *diag) {
    struct s_pointer parsed;
    enum ecc_status status = s_pointer_parse(pointer, &parsed, diag);
    if (status != ECC_OK) {
        return status;
    }
    *has_wildcard = parsed.wildcard;
    s_pointer_clean_up(&parsed);
    return ECC_OK;
}

struct s_slot {
    char pointer[256];
    const json_t *value; /* NULL: absent */
};

struct s_slots {
    struct s_slot *items;
    size_t count;
    size_t capacity;
    bool too_many;
    bool nomem;
};

static void s_slots_add(struct s_slots *slots, const char *pointer, const json_t *value) {
    if (slots->count == ECC_MATCH_MAX_VALUES) {
        slots->too_many = true;
        return;
    }
    struct s_slot *items = ecc_array_grow(slots->items, &slots->capacity, slots->count, sizeof(*items), 8, SIZE_MAX);
    if (!items) {
        slots->nomem = true;
        return;
    }
    slots->items = items;
    snprintf(slots->items[slots->count].pointer, sizeof(slots->items[0].pointer), "%s", pointer);
    slots->items[slots->count].value = (value && !json_is_null(value)) ? value : NULL;
    slots->count++;
}

/* Appends "/segment" (escaped) to the concrete pointer being built; truncation only shortens messages. */
static size_t s_pointer_append(char *buf, size_t size, size_t len, const char *segment) {
    if (len + 1 < size) {
        buf[len++] = '/';
    }
    for (const char *c = segment; *c && len + 2 < size; c++) {
        if (*c == '~' || *c == '/') {
            buf[len++] = '~';
            buf[len++] = *c == '~' ? '0' : '1';
        } else {
            buf[len++] = *c;
        }
    }
    buf[len < size ? len : size - 1] = '\0';
    return len;
}

/* Array index per RFC 6901: "0" or digits without a leading zero. */
static bool s_parse_index(const char *segment, size_t *index) {
    if (!segment[0] || (segment[0] == '0' && segment[1]) || strlen(segment) > 9) {
        return false;
    }
    size_t v = 0;
    for (const char *c = segment; *c; c++) {
        if (*c < '0' || *c > '9') {
            return false;
        }
        v = v * 10 + (size_t)(*c - '0');
    }
    *index = v;
    return true;
}

static void s_walk(
    const json_t *node,
    const struct s_pointer *pointer,
    size_t depth,
    char *concrete,
    size_t concrete_len,
    struct s_slots *slots) {
    if (slots->too_many || slots->nomem) {
        return;
    }
    if (depth == pointer->count) {
        s_slots_add(slots, concrete, node);
        return;
    }
    const char *segment = pointer->segments[depth];
    if (strcmp(segment, "*") == 0) {
        if (!json_is_array(node)) {
            return; /* nothing to iterate: the wildcard reaches no value */
        }
        for (size_t i = 0; i < json_array_size(node); i++) {
            char index[24];
            snprintf(index, sizeof(index), "%zu", i);
            char next[256];
            memcpy(next, concrete, concrete_len + 1);
            size_t len = s_pointer_append(next, sizeof(next), concrete_len, index);
            s_walk(json_array_get(node, i), pointer, depth + 1, next, len, slots);
        }
        return;
    }
    const json_t *child = NULL;
    size_t index = 0;
    if (json_is_object(node)) {
        child = json_object_get(node, segment);
    } else if (json_is_array(node) && s_parse_index(segment, &index)) {
        child = json_array_get(node, index);
    }
    if (!child || json_is_null(child)) {
        /* Absent. Past a wildcard the slot is still reported with its concrete pointer. */
        bool wildcard_below = false;
        for (size_t i = depth; i < pointer->count; i++) {
            wildcard_below = wildcard_below || strcmp(pointer->segments[i], "*") == 0;
        }
        if (wildcard_below) {
            return;
        }
        char full[256];
        memcpy(full, concrete, concrete_len + 1);
        size_t len = concrete_len;
        for (size_t i = depth; i < pointer->count; i++) {
            len = s_pointer_append(full, sizeof(full), len, pointer->segments[i]);
        }
        s_slots_add(slots, full, NULL);
        return;
    }
    char next[256];
    memcpy(next, concrete, concrete_len + 1);
    size_t len = s_pointer_append(next, sizeof(next), concrete_len, segment);
    s_walk(child, pointer, depth + 1, next, len, slots);
}

static enum ecc_status
s_resolve(const json_t *document, const char *pointer, struct s_pointer *parsed, struct s_slots *slots) {
    memset(slots, 0, sizeof(*slots));
    enum ecc_status status = s_pointer_parse(pointer, parsed, NULL);
    if (status != ECC_OK) {
        return status;
    }
    char concrete[256] = "";
    s_walk(document, parsed, 0, concrete, 0, slots);
    if (slots->nomem) {
        return ECC_ERR_NOMEM;
    }
    return slots->too_many ? ECC_ERR_LIMIT : ECC_OK;
}

/* ---- matchers ---------------------------------------------------------------------------------- */

static bool s_in_list(const char *value, const char *const *list, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (strcmp(value, list[i]) == 0) {
            return true;
        }
    }
    return false;
}

static bool s_has_type(const json_t *value, const char *type) {
    if (strcmp(type, "null") == 0) {
        return value == NULL;
    }
    if (!value) {
        return false;
    }
    if (strcmp(type, "number") == 0) {
        return json_is_number(value);
    }
    if (strcmp(type, "integer") == 0) {
        return json_is_integer(value);
    }
    if (strcmp(type, "boolean") == 0) {
        return json_is_boolean(value);
    }
    return strcmp(type, ecc_json_type_name(value)) == 0;
}

/* arn:<aws|aws-*>:ecs:<region>:<12 digits>:<kind>/<something> */
static bool s_is_ecs_arn(const char *s, const char *kind) {
    if (strncmp(s, "arn:aws", 7) != 0) {
        return false;
    }
    const char *p = s + 7;
    if (*p == '-') {
        p++;
        if (!(*p >= 'a' && *p <= 'z')) {
            return false;
        }
        while ((*p >= 'a' && *p <= 'z') || *p == '-') {
            p++;
        }
    }
    if (strncmp(p, ":ecs:", 5) != 0) {
        return false;
    }
    p += 5;
    const char *region = p;
    while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-') {
        p++;
    }
    if (p == region || *p != ':') {
        return false;
    }
    p++;
    for (int i = 0; i < 12; i++, p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
    }
    if (*p++ != ':') {
        return false;
    }
    const char *slash = strchr(p, '/');
    if (!slash || slash == p || slash[1] == '\0') {
        return false;
    }
    if (strcmp(kind, "any") == 0) {
        for (const char *c = p; c < slash; c++) {
            if (!((*c >= 'a' && *c <= 'z') || *c == '-')) {
                return false;
            }
        }
        return true;
    }
    return (size_t)(slash - p) == strlen(kind) && strncmp(p, kind, strlen(kind)) == 0;
}

/* Characters of a UTF-8 string (bytes that do not continue a sequence). */
static size_t s_utf8_length(const char *s, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    }
    return n;
}

static bool s_length_of(const json_t *value, size_t *length) {
    if (json_is_array(value)) {
        *length = json_array_size(value);
    } else if (json_is_object(value)) {
        *length = json_object_size(value);
    } else if (json_is_string(value)) {
        *length = s_utf8_length(json_string_value(value), json_string_length(value));
    } else {
        return false;
    }
    return true;
}

/* Multiset equality, bounded. */
static bool s_same_set(const json_t *actual, const json_t *expected) {
    size_t n = json_array_size(actual);
    if (n != json_array_size(expected) || n > ECC_MATCH_MAX_VALUES) {
        return false;
    }
    bool *used = calloc(n ? n : 1, sizeof(bool));
    if (!used) {
        return false;
    }
    bool same = true;
    for (size_t i = 0; i < n && same; i++) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++) {
            if (!used[j] && ecc_match_json_equal(json_array_get(actual, i), json_array_get(expected, j))) {
                used[j] = true;
                found = true;
            }
        }
        same = found;
    }
    free(used);
    return same;
}

/*
 * Case-file regexes are POSIX extended, compiled by regcomp, which expands every repetition into copies
 * of what it repeats (x{2,255} is 255 copies of x, x+ is xx*): nested or stacked repetitions grow
 * exponentially, and "a+++...+" with 40 pluses took 2 GB (a fuzz_case_loader finding). So a pattern is
 * measured before regcomp sees it, and refused when it is longer than S_REGEX_MAX_BYTES, nests groups
 * deeper than S_REGEX_MAX_DEPTH, repeats a repetition (POSIX leaves adjacent repetitions undefined), or
 * expands past S_REGEX_MAX_NODES: each atom counts one, a repetition multiplies what it repeats by its
 * upper bound (2 for + and *, the lower bound + 1 for {m,}).
 */
#define S_REGEX_MAX_BYTES 1024
#define S_REGEX_MAX_DEPTH 16
#define S_REGEX_MAX_NODES 4096

/* A repetition at `p` ('*', '+', '?' or an interval: {m}, {m,}, {m,n}, and glibc's {,n} and {,}, any
 * number of digits): its length in bytes, 0 when `p` is not one (what is left, regcomp refuses or
 * reads as a literal), and the copies regcomp makes. Bounds saturate past S_REGEX_MAX_NODES. */
static size_t s_regex_repetition(const char *p, size_t *copies) {
    if (*p == '*' || *p == '+' || *p == '?') {
        *copies = *p == '?' ? 1 : 2;
        return 1;
    }
    if (*p != '{') {
        return 0;
    }
    size_t bounds[2] = {0, 0};
    bool has_digits[2] = {false, false};
    size_t part = 0;
    size_t at = 1;
    for (; p[at] != '}'; at++) {
        if (p[at] >= '0' && p[at] <= '9') {
            size_t bound = bounds[part] * 10 + (size_t)(p[at] - '0');
            bounds[part] = bound > S_REGEX_MAX_NODES ? S_REGEX_MAX_NODES + 1 : bound;
            has_digits[part] = true;
        } else if (p[at] == ',' && part == 0) {
            part = 1;
        } else {
            return 0;
        }
    }
    if (part == 0 && !has_digits[0]) {
        return 0; /* "{}" */
    }
    /* {m}: m copies; {m,n} and {,n}: n; {m,} and {,}: m copies and a starred one */
    *copies = part == 0 ? bounds[0] : has_digits[1] ? bounds[1] : bounds[0] + 1;
    return at + 1;
}

/* Bytes of the bracket expression at `p` ('['): up to its closing ']', classes like [:alpha:] inside. */
static size_t s_regex_bracket_len(const char *p) {
    size_t at = 1;
    if (p[at] == '^') {
        at++;
    }
    if (p[at] == ']') {
        at++; /* a ']' first is a member */
    }
    while (p[at] && p[at] != ']') {
        if (p[at] == '[' && (p[at + 1] == ':' || p[at + 1] == '.' || p[at + 1] == '=')) {
            const char *end = strstr(p + at + 2, (const char[]){p[at + 1], ']', '\0'});
            if (!end) {
                return strlen(p); /* unterminated: regcomp reports it */
            }
            at = (size_t)(end - p) + 2;
            continue;
        }
        at++;
    }
    return p[at] ? at + 1 : at;
}

static bool s_regex_measure(const char *pattern, char *why, size_t why_size) {
    size_t len = strlen(pattern);
    if (len > S_REGEX_MAX_BYTES) {
        snprintf(why, why_size, "regex of %zu bytes is refused: at most %d", len, S_REGEX_MAX_BYTES);
        return false;
    }
    size_t group[S_REGEX_MAX_DEPTH + 1] = {0}; /* expansion of each open group so far */
    size_t depth = 0;
    size_t last = 0; /* expansion of the atom a repetition would repeat; 0: none */
    bool repeated = false;
    size_t at = 0;
    while (at < len) {
        size_t copies = 0;
        size_t rep_len = last ? s_regex_repetition(pattern + at, &copies) : 0;
        if (rep_len) {
            if (repeated) {
                snprintf(
                    why,
                    why_size,
                    "regex \"%.100s\" is refused: a repetition of a repetition at byte %zu (undefined in POSIX, "
                    "and its expansion grows exponentially)",
                    pattern,
                    at);
                return false;
            }
            group[depth] += last * (copies ? copies - 1 : 0);
            last *= copies ? copies : 1;
            repeated = true;
            at += rep_len;
        } else if (pattern[at] == '(') {
            if (depth == S_REGEX_MAX_DEPTH) {
                snprintf(
                    why,
                    why_size,
                    "regex \"%.100s\" is refused: groups nested deeper than %d",
                    pattern,
                    S_REGEX_MAX_DEPTH);
                return false;
            }
            group[++depth] = 0;
            last = 0;
            at++;
            continue;
        } else if (pattern[at] == '|') {
            last = 0;
            at++;
            continue;
        } else {
            size_t size = 1;
            if (pattern[at] == ')' && depth > 0) {
                size = group[depth--] + 1;
                at++;
            } else if (pattern[at] == '[') {
                at += s_regex_bracket_len(pattern + at);
            } else {
                at += pattern[at] == '\\' && pattern[at + 1] ? 2 : 1;
            }
            group[depth] += size;
            last = size;
            repeated = false;
        }
        if (group[depth] > S_REGEX_MAX_NODES || last > S_REGEX_MAX_NODES) {
            snprintf(
                why,
                why_size,
                "regex \"%.100s\" is refused: it expands past %d nodes (at byte %zu)",
                pattern,
                S_REGEX_MAX_NODES,
                at);
            return false;
        }
    }
    return true;
}

/* Every case-file regex is compiled here: measured (above), then regcomp; `why` gets the reason when not. */
static bool s_regex_compile(regex_t *re, const char *pattern, int flags, char *why, size_t why_size) {
    if (!s_regex_measure(pattern, why, why_size)) {
        return false;
    }
    int rc = regcomp(re, pattern, flags);
    if (rc != 0) {
        char err[128];
        regerror(rc, re, err, sizeof(err));
        snprintf(why, why_size, "regex \"%.100s\" does not compile: %s", pattern, err);
        return false;
    }
    return true;
}

bool ecc_match_regex_compile(regex_t *re, const char *pattern, int flags, char *why, size_t why_size) {
    return s_regex_compile(re, pattern, flags, why, why_size);
}

static bool s_regex_matches(const char *pattern, const char *text, char *why, size_t why_size) {
    regex_t re;
    if (!s_regex_compile(&re, pattern, REG_EXTENDED | REG_NOSUB, why, why_size)) {
        return false;
    }
    bool matched = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    if (!matched) {
        snprintf(why, why_size, "expected a string matching /%.200s/", pattern);
    }
    return matched;
}

/* Is the matcher exactly {"present": ...}? */
static bool s_is_presence_only(const json_t *spec) {
    return json_is_object(spec) && json_object_size(spec) == 1 && json_object_get(spec, "present");
}

static bool s_match_one(const json_t *value, const json_t *spec, const char *pointer, struct ecc_match_failure *f);

/* A range's or length's {"min", "max"} operand. */
static enum ecc_status s_check_bounds(
    const json_t *operand, bool integers, struct ecc_json_path *path, const char *key, struct ecc_diag *diag) {
    if (!json_is_object(operand) || json_object_size(operand) == 0) {
        return ecc_json_path_fail(path, key, diag, "'%s' needs an object with \"min\" and/or \"max\"", key);
    }
    const char *bound;
    const json_t *limit;
    json_object_foreach((json_t *)operand, bound, limit) {
        if (strcmp(bound, "min") != 0 && strcmp(bound, "max") != 0) {
            return ecc_json_path_fail(path, key, diag, "unknown member '%s' in '%s' (only min and max)", bound, key);
        }
        if (integers ? !(json_is_integer(limit) && json_integer_value(limit) >= 0) : !json_is_number(limit)) {
            return ecc_json_path_fail(
                path, key, diag, "'%s.%s' must be %s", key, bound, integers ? "a non-negative integer" : "a number");
        }
    }
    const json_t *min = json_object_get(operand, "min");
    const json_t *max = json_object_get(operand, "max");
    if (min && max && json_number_value(min) > json_number_value(max)) {
        return ecc_json_path_fail(path, key, diag, "'%s' has min greater than max", key);
    }
    return ECC_OK;
}

/* ---- the matchers ------------------------------------------------------------------------------ */

/* One matcher key asked of a value: `value` is NULL when the pointer reaches nothing (s_match_key answers
 * for the matchers that need a value); `why` receives the reason when the test does not hold. */
struct s_match_call {
    const json_t *value;
    const json_t *operand;
    const char *pointer;
    char *why;
    size_t why_size;
};

/* Each matcher's run-time test and load-time check of its operand. */
typedef bool(s_match_fn)(const struct s_match_call *m);

struct s_spec_check {
    const json_t *spec; /* the whole matcher object the key belongs to */
    const char *key;
    const json_t *operand;
    bool top;      /* the matcher is a step's expectation itself, not nested in another */
    bool wildcard; /* its pointer has a '*' */
    struct ecc_json_path *path;
    struct ecc_diag *diag;
};

typedef enum ecc_status(s_check_fn)(const struct s_spec_check *check);

static enum ecc_status
s_check(const json_t *spec, bool top, bool wildcard, struct ecc_json_path *path, struct ecc_diag *diag);

/* Says why a matcher does not hold; returns false for the matcher to return. */
ECC_PRINTF(2, 3)
static bool s_not_held(const struct s_match_call *m, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    vsnprintf(m->why, m->why_size, fmt, args);
    va_end(args);
    return false;
}

static bool s_match_present(const struct s_match_call *m) {
    bool want = json_is_true(m->operand);
    if ((m->value != NULL) != want) {
        return s_not_held(m, "%s", want ? "expected a value, found none" : "expected no value");
    }
    return true;
}

static bool s_match_not(const struct s_match_call *m) {
    if (!m->value && !s_is_presence_only(m->operand)) {
        return s_not_held(m, "expected a value (for 'not'), found none");
    }
    if (s_match_one(m->value, m->operand, m->pointer, NULL)) {
        return s_not_held(m, "expected the value NOT to satisfy the matcher");
    }
    return true;
}

static bool s_match_type(const struct s_match_call *m) {
    if (!s_has_type(m->value, json_string_value(m->operand))) {
        return s_not_held(
            m,
            "expected type %s, got %s",
            json_string_value(m->operand),
            m->value ? ecc_json_type_name(m->value) : "nothing");
    }
    return true;
}

static bool s_match_equals(const struct s_match_call *m) {
    bool equal = json_is_null(m->operand) ? m->value == NULL : ecc_match_json_equal(m->value, m->operand);
    if (!equal && m->value) {
        s_values_differ(m->operand, m->value, m->why, m->why_size);
    } else if (!equal) {
        s_not_held(m, "expected a value, found none");
    }
    return equal;
}

/* Optional members: absence passes; a value present must satisfy the inner expectation. */
static bool s_match_absent_or(const struct s_match_call *m) {
    if (!m->value) {
        return true;
    }
    struct ecc_match_failure inner;
    ecc_match_failure_init(&inner);
    bool ok = s_match_one(m->value, m->operand, m->pointer, &inner);
    if (!ok) {
        s_not_held(m, "present, but %.250s", inner.message);
    }
    ecc_match_failure_clean_up(&inner);
    return ok;
}

static bool s_match_one_of(const struct s_match_call *m) {
    for (size_t i = 0; i < json_array_size(m->operand); i++) {
        if (ecc_match_json_equal(m->value, json_array_get(m->operand, i))) {
            return true;
        }
    }
    return s_not_held(m, "expected one of %zu listed values", json_array_size(m->operand));
}

static bool s_match_regex(const struct s_match_call *m) {
    if (!json_is_string(m->value)) {
        return s_not_held(m, "expected a string for 'regex', got %s", ecc_json_type_name(m->value));
    }
    return s_regex_matches(json_string_value(m->operand), json_string_value(m->value), m->why, m->why_size);
}

static bool s_match_arn(const struct s_match_call *m) {
    if (!json_is_string(m->value) || !s_is_ecs_arn(json_string_value(m->value), json_string_value(m->operand))) {
        return s_not_held(m, "expected an ECS ARN of kind %s", json_string_value(m->operand));
    }
    return true;
}

static bool s_match_uuid(const struct s_match_call *m) {
    if (!json_is_string(m->value) || !ecc_is_uuid_text(json_string_value(m->value), json_string_length(m->value))) {
        return s_not_held(m, "expected a UUID (8-4-4-4-12 hex digits)");
    }
    return true;
}

static bool s_match_range(const struct s_match_call *m) {
    if (!json_is_number(m->value)) {
        return s_not_held(m, "expected a number for 'range', got %s", ecc_json_type_name(m->value));
    }
    double v = json_number_value(m->value);
    const json_t *min = json_object_get(m->operand, "min");
    const json_t *max = json_object_get(m->operand, "max");
    if ((min && v < json_number_value(min)) || (max && v > json_number_value(max))) {
        return s_not_held(m, "expected a number in the range");
    }
    return true;
}

static bool s_match_length(const struct s_match_call *m) {
    size_t length = 0;
    if (!s_length_of(m->value, &length)) {
        return s_not_held(m, "expected an array, string or object for 'length', got %s", ecc_json_type_name(m->value));
    }
    json_int_t min = 0, max = -1;
    if (json_is_integer(m->operand)) {
        min = max = json_integer_value(m->operand);
    } else {
        const json_t *lo = json_object_get(m->operand, "min");
        const json_t *hi = json_object_get(m->operand, "max");
        min = lo ? json_integer_value(lo) : 0;
        max = hi ? json_integer_value(hi) : -1;
    }
    if ((json_int_t)length < min || (max >= 0 && (json_int_t)length > max)) {
        return s_not_held(m, "length is %zu", length);
    }
    return true;
}

static bool s_match_set(const struct s_match_call *m) {
    if (!json_is_array(m->operand)) {
        return s_not_held(m, "'set' needs an array to compare with, got %s", ecc_json_type_name(m->operand));
    }
    if (!json_is_array(m->value)) {
        return s_not_held(m, "expected an array for 'set', got %s", ecc_json_type_name(m->value));
    }
    if (!s_same_set(m->value, m->operand)) {
        return s_not_held(m, "expected the same elements in any order");
    }
    return true;
}

/* ecc_match_eval applies 'collect' before matching; met here, it was not at a wildcard's top. */
static bool s_match_collect(const struct s_match_call *m) {
    return s_not_held(m, "'collect' applies only to a wildcard pointer");
}

static enum ecc_status s_check_present(const struct s_spec_check *c) {
    if (!json_is_boolean(c->operand)) {
        return ecc_json_path_fail(c->path, c->key, c->diag, "'present' must be true or false");
    }
    return ECC_OK;
}

static enum ecc_status s_check_type(const struct s_spec_check *c) {
    if (!json_is_string(c->operand) || !s_in_list(json_string_value(c->operand), s_types, ECC_ARRAY_LEN(s_types))) {
        return ecc_json_path_fail(
            c->path, c->key, c->diag, "'type' must be one of string, number, integer, boolean, array, object, null");
    }
    return ECC_OK;
}

static enum ecc_status s_check_regex(const struct s_spec_check *c) {
    if (!json_is_string(c->operand)) {
        return ecc_json_path_fail(c->path, c->key, c->diag, "'regex' must be a string");
    }
    if (!strstr(json_string_value(c->operand), "${")) {
        regex_t re;
        char why[256];
        if (!s_regex_compile(&re, json_string_value(c->operand), REG_EXTENDED | REG_NOSUB, why, sizeof(why))) {
            return ecc_json_path_fail(c->path, c->key, c->diag, "%s", why);
        }
        regfree(&re);
    }
    return ECC_OK;
}

static enum ecc_status s_check_arn(const struct s_spec_check *c) {
    if (!json_is_string(c->operand) ||
        !s_in_list(json_string_value(c->operand), s_arn_kinds, ECC_ARRAY_LEN(s_arn_kinds))) {
        return ecc_json_path_fail(
            c->path,
            c->key,
            c->diag,
            "'arn' must be one of task, cluster, task-definition, container, container-instance, "
            "capacity-provider, any");
    }
    return ECC_OK;
}

static enum ecc_status s_check_uuid(const struct s_spec_check *c) {
    if (!json_is_true(c->operand)) {
        return ecc_json_path_fail(c->path, c->key, c->diag, "'uuid' must be true");
    }
    return ECC_OK;
}

static enum ecc_status s_check_range(const struct s_spec_check *c) {
    return s_check_bounds(c->operand, false, c->path, c->key, c->diag);
}

static enum ecc_status s_check_length(const struct s_spec_check *c) {
    if (!json_is_integer(c->operand)) {
        return s_check_bounds(c->operand, true, c->path, c->key, c->diag);
    }
    if (json_integer_value(c->operand) < 0) {
        return ecc_json_path_fail(c->path, c->key, c->diag, "'length' must not be negative");
    }
    return ECC_OK;
}

static enum ecc_status s_check_set(const struct s_spec_check *c) {
    if (!json_is_array(c->operand) && !(json_is_string(c->operand) && strstr(json_string_value(c->operand), "${"))) {
        return ecc_json_path_fail(c->path, c->key, c->diag, "'set' must be an array or a ${...} reference to one");
    }
    return ECC_OK;
}

static enum ecc_status s_check_one_of(const struct s_spec_check *c) {
    if (!json_is_array(c->operand) || json_array_size(c->operand) == 0) {
        return ecc_json_path_fail(c->path, c->key, c->diag, "'one_of' must be a non-empty array");
    }
    return ECC_OK;
}

/* The matcher nested under this key, checked with its own member path. */
static enum ecc_status s_check_nested(const struct s_spec_check *c) {
    ecc_json_path_push_member(c->path, c->key);
    enum ecc_status status = s_check(c->operand, false, false, c->path, c->diag);
    ecc_json_path_pop(c->path);
    return status;
}

static enum ecc_status s_check_absent_or(const struct s_spec_check *c) {
    if (json_is_null(c->operand)) {
        return ecc_json_path_fail(
            c->path, c->key, c->diag, "'absent_or' needs a value or a matcher (null would accept everything)");
    }
    return json_is_object(c->operand) ? s_check_nested(c) : ECC_OK;
}

static enum ecc_status s_check_not(const struct s_spec_check *c) {
    if (!json_is_object(c->operand)) {
        return ecc_json_path_fail(c->path, c->key, c->diag, "'not' must be a matcher object");
    }
    return s_check_nested(c);
}

static enum ecc_status s_check_collect(const struct s_spec_check *c) {
    if (!c->top || !c->wildcard) {
        return ecc_json_path_fail(
            c->path, c->key, c->diag, "'collect' applies only at the top of a wildcard (*) pointer's expectation");
    }
    if (json_object_size(c->spec) != 1) {
        return ecc_json_path_fail(c->path, c->key, c->diag, "'collect' must be the only key of its matcher");
    }
    return s_check_nested(c);
}

/* The matchers: the one list of their names (match.h documents each). */
static const struct s_matcher {
    const char *name;
    bool needs_value; /* a missing value fails before `match` is asked */
    s_match_fn *match;
    s_check_fn *check; /* NULL: any operand */
} s_matchers[] = {
    {"equals", false, s_match_equals, NULL},
    {"present", false, s_match_present, s_check_present},
    {"type", false, s_match_type, s_check_type},
    {"regex", true, s_match_regex, s_check_regex},
    {"arn", true, s_match_arn, s_check_arn},
    {"uuid", true, s_match_uuid, s_check_uuid},
    {"range", true, s_match_range, s_check_range},
    {"length", true, s_match_length, s_check_length},
    {"set", true, s_match_set, s_check_set},
    {"one_of", true, s_match_one_of, s_check_one_of},
    {"not", false, s_match_not, s_check_not},
    {"absent_or", false, s_match_absent_or, s_check_absent_or},
    {"collect", false, s_match_collect, s_check_collect},
};

static const struct s_matcher *s_find_matcher(const char *name) {
    for (size_t i = 0; i < ECC_ARRAY_LEN(s_matchers); i++) {
        if (strcmp(s_matchers[i].name, name) == 0) {
            return &s_matchers[i];
        }
    }
    return NULL;
}

/* One key of a matcher object. Fills `why` when it does not hold. */
static bool s_match_key(
    const json_t *value, const char *key, const json_t *operand, const char *pointer, char *why, size_t why_size) {
    const struct s_match_call m = {value, operand, pointer, why, why_size};
    const struct s_matcher *matcher = s_find_matcher(key);
    if (!matcher) {
        return s_not_held(&m, "unknown matcher '%s'", key);
    }
    if (matcher->needs_value && !value) {
        return s_not_held(&m, "expected a value (for '%s'), found none", key);
    }
    return matcher->match(&m);
}

static bool s_match_one(const json_t *value, const json_t *spec, const char *pointer, struct ecc_match_failure *f) {
    char why[300];
    if (!json_is_object(spec)) {
        bool equal = json_is_null(spec) ? value == NULL : ecc_match_json_equal(value, spec);
        if (!equal) {
            char differ[200] = "expected a value, found none";
            if (value) {
                s_values_differ(spec, value, differ, sizeof(differ));
            }
            s_fail(f, pointer, spec, value, "%s", differ);
        }
        return equal;
    }
    const char *key;
    const json_t *operand;
    json_object_foreach((json_t *)spec, key, operand) {
        if (strcmp(key, "collect") == 0) {
            s_fail(f, pointer, spec, value, "'collect' applies only to a wildcard pointer");
            return false;
        }
        if (!s_match_key(value, key, operand, pointer, why, sizeof(why))) {
            s_fail(f, pointer, spec, value, "%s", why);
            return false;
        }
    }
    return true;
}

bool ecc_match_value(const json_t *value, const json_t *spec, struct ecc_match_failure *failure) {
    return s_match_one(value && !json_is_null(value) ? value : NULL, spec, "", failure);
}

bool ecc_match_eval(
    const json_t *document, const char *pointer, const json_t *spec, struct ecc_match_failure *failure) {
    struct s_pointer parsed;
    struct s_slots slots;
    bool ok = false;
    enum ecc_status status = s_resolve(document, pointer, &parsed, &slots);
    if (status != ECC_OK) {
        s_fail(failure, pointer, spec, NULL, "cannot resolve the pointer: %s", ecc_status_name(status));
        goto done;
    }
    const json_t *collect = json_is_object(spec) ? json_object_get(spec, "collect") : NULL;
    if (collect) {
        json_t *all = json_array();
        for (size_t i = 0; all && i < slots.count; i++) {
            if (slots.items[i].value && json_array_append((json_t *)all, (json_t *)slots.items[i].value) != 0) {
                json_decref(all);
                all = NULL;
            }
        }
        if (!all) {
            s_fail(failure, pointer, spec, NULL, "out of memory");
            goto done;
        }
        ok = s_match_one(all, collect, pointer, failure);
        json_decref(all);
        goto done;
    }
    if (parsed.wildcard && slots.count == 0) {
        ok = s_is_presence_only(spec) && json_is_false(json_object_get(spec, "present"));
        if (!ok) {
            s_fail(failure, pointer, spec, NULL, "the pointer reaches no value");
        }
        goto done;
    }
    ok = true;
    for (size_t i = 0; i < slots.count && ok; i++) {
        ok = s_match_one(slots.items[i].value, spec, slots.items[i].pointer, failure);
    }
done:
    free(slots.items);
    s_pointer_clean_up(&parsed);
    return ok;
}

enum ecc_status ecc_match_capture(const json_t *document, const char *pointer, json_t **out, struct ecc_diag *diag) {
    *out = NULL;
    struct s_pointer parsed;
    struct s_slots slots;
    enum ecc_status status = s_resolve(document, pointer, &parsed, &slots);
    if (status != ECC_OK) {
        ecc_diag_set(diag, "cannot resolve %s: %s", pointer, ecc_status_name(status));
        goto done;
    }
    if (!parsed.wildcard) {
        if (!slots.count || !slots.items[0].value) {
            ecc_diag_set(diag, "nothing to capture at %s", pointer[0] ? pointer : "(the whole body)");
            status = ECC_ERR_NOT_FOUND;
            goto done;
        }
        *out = json_deep_copy(slots.items[0].value);
        status = *out ? ECC_OK : ECC_ERR_NOMEM;
        goto done;
    }
    json_t *all = json_array();
    for (size_t i = 0; all && i < slots.count; i++) {
        if (slots.items[i].value && json_array_append_new(all, json_deep_copy(slots.items[i].value)) != 0) {
            json_decref(all);
            all = NULL;
        }
    }
    if (!all) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    if (json_array_size(all) == 0) {
        json_decref(all);
        ecc_diag_set(diag, "nothing to capture: %s reaches no value", pointer);
        status = ECC_ERR_NOT_FOUND;
        goto done;
    }
    *out = all;
done:
    free(slots.items);
    s_pointer_clean_up(&parsed);
    return status;
}

/* ---- derived captures -------------------------------------------------------------------------- */

static enum ecc_status s_derive_compile(const char *regex, regex_t *re, struct ecc_diag *diag) {
    char why[sizeof(diag->text)];
    if (!s_regex_compile(re, regex, REG_EXTENDED, why, sizeof(why))) {
        ecc_diag_set(diag, "%s", why);
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

enum ecc_status ecc_match_check_derive(const char *regex, struct ecc_diag *diag) {
    regex_t re;
    enum ecc_status status = s_derive_compile(regex, &re, diag);
    if (status != ECC_OK) {
        return status;
    }
    regfree(&re);
    return ECC_OK;
}

/* The part of one string the compiled regex selects (group 1, else the whole match). */
static enum ecc_status s_derive_one(const regex_t *re, const json_t *value, json_t **out, struct ecc_diag *diag) {
    if (!json_is_string(value)) {
        ecc_diag_set(diag, "derived capture: expected a string, got %s", value ? ecc_json_type_name(value) : "nothing");
        return ECC_ERR_NOT_FOUND;
    }
    regmatch_t match[2];
    const char *text = json_string_value(value);
    if (regexec(re, text, 2, match, 0) != 0) {
        ecc_diag_set(diag, "derived capture: \"%.120s\" does not match the regex", text);
        return ECC_ERR_NOT_FOUND;
    }
    const regmatch_t *part = re->re_nsub >= 1 && match[1].rm_so >= 0 ? &match[1] : &match[0];
    *out = json_stringn(text + part->rm_so, (size_t)(part->rm_eo - part->rm_so));
    return *out ? ECC_OK : ECC_ERR_NOMEM;
}

enum ecc_status ecc_match_derive(const json_t *value, const char *regex, json_t **out, struct ecc_diag *diag) {
    *out = NULL;
    regex_t re;
    enum ecc_status status = s_derive_compile(regex, &re, diag);
    if (status != ECC_OK) {
        return status;
    }
    json_t *all = NULL; /* an array's parts; handed to *out on success */
    if (!json_is_array(value)) {
        status = s_derive_one(&re, value, out, diag);
        goto done;
    }
    all = json_array();
    if (!all) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < json_array_size(value); i++) {
        json_t *part = NULL;
        status = s_derive_one(&re, json_array_get(value, i), &part, diag);
        if (status != ECC_OK) {
            goto done;
        }
        if (json_array_append_new(all, part) != 0) {
            status = ECC_ERR_NOMEM;
            goto done;
        }
    }
    *out = all;
    all = NULL;
done:
    regfree(&re);
    json_decref(all);
    return status;
}

/* ---- load-time checks -------------------------------------------------------------------------- */

static enum ecc_status
s_check(const json_t *spec, bool top, bool wildcard, struct ecc_json_path *path, struct ecc_diag *diag) {
    if (!json_is_object(spec)) {
        return ECC_OK; /* a bare value: equals */
    }
    if (json_object_size(spec) == 0) {
        return ecc_json_path_fail(path, NULL, diag, "empty matcher (write {\"equals\": {}} for an empty object)");
    }
    const char *key;
    const json_t *operand;
    json_object_foreach((json_t *)spec, key, operand) {
        const struct s_matcher *matcher = s_find_matcher(key);
        if (!matcher) {
            char names[256] = "";
            size_t used = 0;
            for (size_t i = 0; i < ECC_ARRAY_LEN(s_matchers) && used < sizeof(names); i++) {
                int n = snprintf(names + used, sizeof(names) - used, "%s%s", i ? ", " : "", s_matchers[i].name);
                used += n > 0 ? (size_t)n : 0;
            }
            return ecc_json_path_fail(path, key, diag, "unknown matcher '%s' (%s)", key, names);
        }
        if (!matcher->check) {
            continue;
        }
        const struct s_spec_check check = {spec, key, operand, top, wildcard, path, diag};
        enum ecc_status status = matcher->check(&check);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

enum ecc_status
ecc_match_check_spec(const json_t *spec, bool wildcard, struct ecc_json_path *path, struct ecc_diag *diag) {
    return s_check(spec, true, wildcard, path, diag);
}

/*
 * Floor-0 JSON helpers over jansson (json.h): typed reads that name the member path of every failure,
 * member paths and JSON pointers, ISO-8601 and strict UTF-8, the JSON string escaper, RFC 7386 merge
 * patch, and ecc_json_writer, the one JSON text writer both codecs use (the first failure latched with
 * its path; a check-only mode that writes nothing and counts characters).
 */
#include "ecc/json.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ecc_json_path_init(struct ecc_json_path *path) {
    path->depth = 0;
    path->overflow = 0;
    path->as_pointer = false;
}

void ecc_json_path_init_pointer(struct ecc_json_path *path) {
    ecc_json_path_init(path);
    path->as_pointer = true;
}

void ecc_json_path_push_member(struct ecc_json_path *path, const char *member) {
    if (path->depth == ECC_JSON_PATH_MAX_DEPTH) {
        path->overflow++;
        return;
    }
    path->segments[path->depth].member = member;
    path->segments[path->depth].index = 0;
    path->depth++;
}

void ecc_json_path_push_index(struct ecc_json_path *path, size_t index) {
    if (path->depth == ECC_JSON_PATH_MAX_DEPTH) {
        path->overflow++;
        return;
    }
    path->segments[path->depth].member = NULL;
    path->segments[path->depth].index = index;
    path->depth++;
}

void ecc_json_path_pop(struct ecc_json_path *path) {
    if (path->overflow) {
        path->overflow--;
    } else if (path->depth) {
        path->depth--;
    }
}

/*
 * Path rendering without printf (validation formats a path for every failure it records, so this is
 * hot): `*used` counts the bytes of the whole rendering, `out` keeps its NUL-terminated prefix of at
 * most size - 1 bytes, the way snprintf truncates. `size` is at least 1.
 */
static void s_put(char *out, size_t size, size_t *used, const char *bytes, size_t len) {
    if (*used < size - 1) {
        size_t room = size - 1 - *used;
        size_t n = len < room ? len : room;
        memcpy(out + *used, bytes, n);
        out[*used + n] = '\0';
    }
    *used += len;
}

/* `before`, the decimal index, `after` (each affix at most one byte). */
static void s_put_index(char *out, size_t size, size_t *used, char before, size_t index, char after) {
    char text[24];
    size_t at = sizeof(text);
    if (after) {
        text[--at] = after;
    }
    do {
        text[--at] = (char)('0' + index % 10);
        index /= 10;
    } while (index);
    text[--at] = before;
    s_put(out, size, used, text + at, sizeof(text) - at);
}

void ecc_json_path_format_member(const struct ecc_json_path *path, char *out, size_t size) {
    if (!size) {
        return;
    }
    out[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < path->depth; i++) {
        const char *member = path->segments[i].member;
        if (member) {
            if (i) {
                s_put(out, size, &used, ".", 1);
            }
            s_put(out, size, &used, member, strlen(member));
        } else {
            s_put_index(out, size, &used, '[', path->segments[i].index, ']');
        }
    }
    if (path->overflow) {
        s_put(out, size, &used, "...", 3);
    }
}

void ecc_json_path_format_pointer(const struct ecc_json_path *path, char *out, size_t size) {
    if (!size) {
        return;
    }
    out[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < path->depth; i++) {
        const char *member = path->segments[i].member;
        if (!member) {
            s_put_index(out, size, &used, '/', path->segments[i].index, 0);
            continue;
        }
        s_put(out, size, &used, "/", 1);
        /* Runs without `~` or `/` are copied whole; those two become ~0 and ~1 (RFC 6901). */
        for (;;) {
            size_t run = strcspn(member, "~/");
            s_put(out, size, &used, member, run);
            member += run;
            if (!*member) {
                break;
            }
            s_put(out, size, &used, *member == '~' ? "~0" : "~1", 2);
            member++;
        }
    }
}

void ecc_json_path_format(const struct ecc_json_path *path, char *out, size_t size) {
    if (path->as_pointer) {
        ecc_json_path_format_pointer(path, out, size);
    } else {
        ecc_json_path_format_member(path, out, size);
    }
}

void ecc_json_path_to_diag(const struct ecc_json_path *path, struct ecc_diag *diag) {
    if (!diag) {
        return;
    }
    char where[sizeof(diag->path)];
    ecc_json_path_format(path, where, sizeof(where));
    ecc_diag_set_path(diag, where);
}

enum ecc_status
ecc_json_path_fail(struct ecc_json_path *path, const char *key, struct ecc_diag *diag, const char *fmt, ...) {
    if (key) {
        ecc_json_path_push_member(path, key);
    }
    ecc_json_path_to_diag(path, diag);
    if (key) {
        ecc_json_path_pop(path);
    }
    if (diag) {
        diag->line = 0;
        diag->column = 0;
    }
    va_list args;
    va_start(args, fmt);
    ecc_diag_vset(diag, fmt, args);
    va_end(args);
    return ECC_ERR_INVALID;
}

enum ecc_status ecc_json_check_members(
    const json_t *object,
    const char *const *allowed,
    size_t allowed_count,
    struct ecc_json_path *path,
    struct ecc_diag *diag) {
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)object, key, value) {
        bool known = false;
        for (size_t i = 0; i < allowed_count && !known; i++) {
            known = strcmp(key, allowed[i]) == 0;
        }
        if (!known) {
            char hint[160];
            ecc_did_you_mean(key, allowed, allowed_count, hint, sizeof(hint));
            return ecc_json_path_fail(path, key, diag, "unknown member '%s'%s", key, hint);
        }
    }
    return ECC_OK;
}

json_t *ecc_json_merge_patch(const json_t *target, const json_t *patch) {
    if (!json_is_object(patch)) {
        return json_deep_copy(patch);
    }
    json_t *result = json_is_object(target) ? json_deep_copy(target) : json_object();
    if (!result) {
        return NULL;
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)patch, key, value) {
        if (json_is_null(value)) {
            json_object_del(result, key);
            continue;
        }
        json_t *merged = ecc_json_merge_patch(json_object_get(result, key), value);
        if (!merged || json_object_set_new(result, key, merged) != 0) {
            json_decref(result);
            return NULL;
        }
    }
    return result;
}

const char *ecc_json_type_name(const json_t *value) {
    switch (value ? json_typeof(value) : JSON_NULL) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
        return "integer";
    case JSON_REAL:
        return "real";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}

const char *ecc_json_type_article(json_type type) {
    switch (type) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "unknown";
}

void ecc_json_type_error(
    const struct ecc_json_path *path, const char *expected, const json_t *value, struct ecc_diag *diag) {
    if (!diag) {
        return;
    }
    ecc_json_path_to_diag(path, diag);
    ecc_diag_set(diag, "expected %s, got %s", expected, ecc_json_type_name(value));
}

/* Looks the member up; null counts as absent. Returns NULL when absent. */
static const json_t *s_lookup(const json_t *object, const char *key, enum ecc_json_presence *presence) {
    const json_t *value = json_is_object(object) ? json_object_get(object, key) : NULL;
    if (value && json_is_null(value)) {
        value = NULL;
    }
    if (presence) {
        *presence = value ? ECC_JSON_PRESENT : ECC_JSON_ABSENT;
    }
    return value;
}

static enum ecc_status s_fail_type(
    struct ecc_json_path *path, const char *key, const char *expected, const json_t *value, struct ecc_diag *diag) {
    ecc_json_path_push_member(path, key);
    ecc_json_type_error(path, expected, value, diag);
    ecc_json_path_pop(path);
    return ECC_ERR_INVALID;
}

enum ecc_status ecc_json_read_string(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    char **out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) {
    const json_t *value = s_lookup(object, key, presence);
    if (!value) {
        return ECC_OK;
    }
    if (!json_is_string(value)) {
        return s_fail_type(path, key, "a string", value, diag);
    }
    size_t len = json_string_length(value);
    char *copy = malloc(len + 1);
    if (!copy) {
        return ECC_ERR_NOMEM;
    }
    memcpy(copy, json_string_value(value), len + 1);
    *out = copy;
    return ECC_OK;
}

static enum ecc_status s_read_integer(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    int64_t min,
    int64_t max,
    const char *expected,
    int64_t *out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) {
    const json_t *value = s_lookup(object, key, presence);
    if (!value) {
        return ECC_OK;
    }
    if (!json_is_integer(value)) {
        return s_fail_type(path, key, expected, value, diag);
    }
    json_int_t v = json_integer_value(value);
    if (v < min || v > max) {
        return ecc_json_path_fail(path, key, diag, "%s out of range: %lld", expected, (long long)v);
    }
    *out = (int64_t)v;
    return ECC_OK;
}

enum ecc_status ecc_json_read_int(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    int32_t *out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) {
    int64_t v = 0;
    enum ecc_json_presence found = ECC_JSON_ABSENT;
    enum ecc_status status =
        s_read_integer(object, key, path, INT32_MIN, INT32_MAX, "a 32-bit integer", &v, &found, diag);
    if (presence) {
        *presence = found; /* also on a failure, like every typed reader */
    }
    if (status != ECC_OK) {
        return status;
    }
    if (found == ECC_JSON_PRESENT) {
        *out = (int32_t)v;
    }
    return ECC_OK;
}

enum ecc_status ecc_json_read_long(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    int64_t *out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) {
    return s_read_integer(object, key, path, INT64_MIN, INT64_MAX, "a 64-bit integer", out, presence, diag);
}

enum ecc_status ecc_json_read_bool(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    bool *out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) {
    const json_t *value = s_lookup(object, key, presence);
    if (!value) {
        return ECC_OK;
    }
    if (!json_is_boolean(value)) {
        return s_fail_type(path, key, "a boolean", value, diag);
    }
    *out = json_is_true(value);
    return ECC_OK;
}

static int s_digits(const char **cursor, int count) {
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)**cursor)) {
            return -1;
        }
        v = v * 10 + (**cursor - '0');
        (*cursor)++;
    }
    return v;
}

enum ecc_status ecc_json_parse_iso8601(const char *text, double *out_epoch_seconds) {
    const char *c = text;
    int year = s_digits(&c, 4);
    if (year < 0 || *c++ != '-') {
        return ECC_ERR_INVALID;
    }
    int month = s_digits(&c, 2);
    if (month < 1 || month > 12 || *c++ != '-') {
        return ECC_ERR_INVALID;
    }
    int day = s_digits(&c, 2);
    if (day < 1 || day > 31 || (*c != 'T' && *c != 't')) {
        return ECC_ERR_INVALID;
    }
    c++;
    int hour = s_digits(&c, 2);
    if (hour < 0 || hour > 23 || *c++ != ':') {
        return ECC_ERR_INVALID;
    }
    int minute = s_digits(&c, 2);
    if (minute < 0 || minute > 59 || *c++ != ':') {
        return ECC_ERR_INVALID;
    }
    int second = s_digits(&c, 2);
    if (second < 0 || second > 60) {
        return ECC_ERR_INVALID;
    }
    double fraction = 0;
    if (*c == '.') {
        c++;
        double scale = 0.1;
        if (!isdigit((unsigned char)*c)) {
            return ECC_ERR_INVALID;
        }
        while (isdigit((unsigned char)*c)) {
            fraction += (*c - '0') * scale;
            scale /= 10;
            c++;
        }
    }
    int offset_seconds = 0;
    if (*c == 'Z' || *c == 'z') {
        c++;
    } else if (*c == '+' || *c == '-') {
        int sign = *c == '-' ? -1 : 1;
        c++;
        int oh = s_digits(&c, 2);
        if (oh < 0 || oh > 23 || *c++ != ':') {
            return ECC_ERR_INVALID;
        }
        int om = s_digits(&c, 2);
        if (om < 0 || om > 59) {
            return ECC_ERR_INVALID;
        }
        offset_seconds = sign * (oh * 3600 + om * 60);
    } else {
        return ECC_ERR_INVALID;
    }
    if (*c != '\0') {
        return ECC_ERR_INVALID;
    }
    int64_t days = ecc_days_from_civil(year, month, day);
    int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
    /* A fraction with more digits than a double holds at this magnitude (".9999999999999") must not round
     * up into the next second: the whole seconds are exact, the fraction only ever adds to them. */
    double epoch = (double)seconds + fraction;
    if (epoch >= (double)(seconds + 1)) {
        epoch = nextafter((double)(seconds + 1), -INFINITY);
    }
    *out_epoch_seconds = epoch;
    return ECC_OK;
}

enum ecc_status ecc_json_read_timestamp(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    double *out_epoch_seconds,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) {
    const json_t *value = s_lookup(object, key, presence);
    if (!value) {
        return ECC_OK;
    }
    if (json_is_number(value)) {
        double v = json_number_value(value);
        if (!isfinite(v)) {
            return s_fail_type(path, key, "a finite timestamp", value, diag);
        }
        *out_epoch_seconds = v;
        return ECC_OK;
    }
    if (json_is_string(value) && ecc_json_parse_iso8601(json_string_value(value), out_epoch_seconds) == ECC_OK) {
        return ECC_OK;
    }
    return s_fail_type(path, key, "a timestamp (epoch seconds or ISO-8601)", value, diag);
}

/* Borrowed container member of one JSON type; the array and object readers differ only in that type. */
static enum ecc_status s_read_container(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    json_type type,
    const char *expected,
    const json_t **out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) {
    const json_t *value = s_lookup(object, key, presence);
    if (!value) {
        *out = NULL;
        return ECC_OK;
    }
    if (json_typeof(value) != type) {
        return s_fail_type(path, key, expected, value, diag);
    }
    *out = value;
    return ECC_OK;
}

enum ecc_status ecc_json_read_array(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    const json_t **out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) {
    return s_read_container(object, key, path, JSON_ARRAY, "an array", out, presence, diag);
}

enum ecc_status ecc_json_read_object(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    const json_t **out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) {
    return s_read_container(object, key, path, JSON_OBJECT, "an object", out, presence, diag);
}

/*
 * Eight bytes at a time (SWAR): the JSON writer and the UTF-8 counter look at every byte of every string.
 * Each step finds the first byte of the next eight that needs attention (its lowest flagged byte, which
 * the has-zero / has-less-than tests give exactly) and skips the plain bytes before it in one go, so a
 * string is walked in one step per special byte or per eight plain bytes. Fuzzed and hostile strings are
 * mostly special bytes; under the fuzzers' instrumentation every loop comparison is a callback, and
 * re-testing eight bytes at every position after a special one was most of the writers' cost.
 */
#define S_ONES  UINT64_C(0x0101010101010101)
#define S_HIGHS UINT64_C(0x8080808080808080)

/* Up to eight bytes as a little-endian word (byte 0 lowest); missing bytes past `avail` are 'A', which
 * no test flags. */
static uint64_t s_load_upto8(const char *bytes, size_t avail) {
    uint64_t word = S_ONES * 'A';
    if (avail >= sizeof(word)) {
        memcpy(&word, bytes, sizeof(word)); /* a constant size: one load, not a call */
    } else {
        memcpy(&word, bytes, avail);
    }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    return word;
}

/* The high bit of each byte of `word` at or above 0x80. */
static uint64_t s_non_ascii_mask(uint64_t word) {
    return word & S_HIGHS;
}

/* The high bit of bytes of `word` that need a JSON escape or are not ASCII: below 0x20, '"', '\', 0x80 and
 * up. Exact up to and including the lowest flagged byte (a borrow only runs upwards from a flagged byte),
 * which is all s_plain_len reads. */
static uint64_t s_json_special_mask(uint64_t word) {
    uint64_t quote = word ^ (S_ONES * '"');
    uint64_t backslash = word ^ (S_ONES * '\\');
    uint64_t control = (word - S_ONES * 0x20) & ~word;
    uint64_t zero_quote = (quote - S_ONES) & ~quote;
    uint64_t zero_backslash = (backslash - S_ONES) & ~backslash;
    return (control | zero_quote | zero_backslash | word) & S_HIGHS;
}

/* Bytes before the first flagged one of `mask`, at most `avail` (8 when none is flagged). */
static size_t s_plain_len(uint64_t mask, size_t avail) {
    size_t plain = mask ? (size_t)__builtin_ctzll(mask) / 8 : 8;
    return plain < avail ? plain : avail;
}

size_t ecc_utf8_decode(const char *text, size_t len, uint32_t *code_point) {
    if (!len) {
        return 0;
    }
    const unsigned char *b = (const unsigned char *)text;
    if (b[0] < 0x80) {
        *code_point = b[0];
        return 1;
    }
    size_t need;
    uint32_t cp;
    uint32_t min;
    if ((b[0] & 0xe0) == 0xc0) {
        need = 2;
        cp = b[0] & 0x1fu;
        min = 0x80;
    } else if ((b[0] & 0xf0) == 0xe0) {
        need = 3;
        cp = b[0] & 0x0fu;
        min = 0x800;
    } else if ((b[0] & 0xf8) == 0xf0) {
        need = 4;
        cp = b[0] & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < need) {
        return 0;
    }
    for (size_t i = 1; i < need; i++) {
        if ((b[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    *code_point = cp;
    return need;
}

bool ecc_utf8_count(const char *text, size_t len, size_t *out_count) {
    size_t count = 0;
    size_t i = 0;
    while (i < len) {
        size_t plain = s_plain_len(s_non_ascii_mask(s_load_upto8(text + i, len - i)), len - i);
        i += plain;
        count += plain;
        if (plain == 8 || i == len) {
            continue;
        }
        uint32_t cp;
        size_t n = ecc_utf8_decode(text + i, len - i, &cp);
        if (!n) {
            return false;
        }
        i += n;
        count++;
    }
    *out_count = count;
    return true;
}

/* What JSON writes for each ASCII byte, and how many bytes that is: the byte itself, a two-byte escape
 * (\" \\ \b \f \n \r \t) or \u00XX for the other controls, as jansson's json_dumps writes them. */
static const char s_json_text[0x80][8] = {
    "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007", "\\b",     "\\t",
    "\\n",     "\\u000B", "\\f",     "\\r",     "\\u000E", "\\u000F", "\\u0010", "\\u0011", "\\u0012", "\\u0013",
    "\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019", "\\u001A", "\\u001B", "\\u001C", "\\u001D",
    "\\u001E", "\\u001F", " ",       "!",       "\\\"",    "#",       "$",       "%",       "&",       "'",
    "(",       ")",       "*",       "+",       ",",       "-",       ".",       "/",       "0",       "1",
    "2",       "3",       "4",       "5",       "6",       "7",       "8",       "9",       ":",       ";",
    "<",       "=",       ">",       "?",       "@",       "A",       "B",       "C",       "D",       "E",
    "F",       "G",       "H",       "I",       "J",       "K",       "L",       "M",       "N",       "O",
    "P",       "Q",       "R",       "S",       "T",       "U",       "V",       "W",       "X",       "Y",
    "Z",       "[",       "\\\\",    "]",       "^",       "_",       "`",       "a",       "b",       "c",
    "d",       "e",       "f",       "g",       "h",       "i",       "j",       "k",       "l",       "m",
    "n",       "o",       "p",       "q",       "r",       "s",       "t",       "u",       "v",       "w",
    "x",       "y",       "z",       "{",       "|",       "}",       "~",       "\x7f",
};
static const unsigned char s_json_text_len[0x80] = {
    6, 6, 6, 6, 6, 6, 6, 6, 2, 2, 2, 6, 2, 2, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
    1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Bytes at the start of `str` that JSON writes as they are (the usual string: an ARN, a name, a status). */
static size_t s_json_plain_prefix(const char *str, size_t len) {
    size_t i = 0;
    for (;;) {
        size_t plain = s_plain_len(s_json_special_mask(s_load_upto8(str + i, len - i)), len - i);
        i += plain;
        if (plain != 8) {
            return i;
        }
    }
}

/*
 * Eight ASCII bytes holding escapes, at once: their JSON text into `out` (at most 48 bytes; each entry is
 * stored whole, so `out` has 56), its length, and where the text and the input end after the last escape
 * (the bytes after it are plain and stay pending). No branch per byte: under comparison tracing a
 * fuzzed string of control characters was one callback-laden step per byte.
 */
struct s_json_word {
    size_t text_len;
    size_t through_last_escape;  /* bytes of `out` up to the end of the last escape */
    size_t bytes_to_last_escape; /* input bytes up to and including the last escape */
};

static void s_json_escape_word(const char *str, char out[56], struct s_json_word *word) {
    size_t n = 0;
    size_t through = 0;
    size_t bytes = 0;
    for (size_t k = 0; k < 8; k++) {
        unsigned char c = (unsigned char)str[k];
        size_t escape = (size_t)(s_json_text_len[c] >> 1) & 1; /* lengths 2 and 6: an escape */
        memcpy(out + n, s_json_text[c], 8);
        n += s_json_text_len[c];
        through += (n - through) * escape;
        bytes += (k + 1 - bytes) * escape;
    }
    word->text_len = n;
    word->through_last_escape = through;
    word->bytes_to_last_escape = bytes;
}

/*
 * The one walk behind ecc_json_append_string and ecc_json_string_chars, from `start` (the bytes before it
 * are plain). With `buf`, it writes the literal: the bytes before an escape and the escape with one
 * reservation (no copy of the escape), which is what fuzzed and hostile strings, full of control
 * characters, spend their time on. A string fails with ECC_ERR_LIMIT exactly when the text up to an
 * escape (or the whole literal) passes the cap, with ECC_ERR_INVALID at a bad byte reached before that,
 * and a failed write leaves the buffer as it was. Without `buf` it only counts the literal's characters.
 */
static enum ecc_status
s_json_string_walk(struct ecc_buf *buf, const char *str, size_t len, size_t start, size_t *out_chars) {
    const size_t start_len = buf ? buf->len : 0;
    enum ecc_status status = ECC_OK;
    size_t chars = 2 + start; /* the quotes and the plain start */
    size_t run = 0;           /* start of the bytes not yet copied: they need no escaping */
    size_t i = start;
    if (buf) {
        status = ecc_buf_append_byte(buf, '"');
        if (status != ECC_OK) {
            goto done;
        }
    }
    while (i < len) {
        uint64_t word = s_load_upto8(str + i, len - i);
        uint64_t special = s_json_special_mask(word);
        if (special && len - i >= 8 && !s_non_ascii_mask(word)) {
            char text[56];
            struct s_json_word w;
            s_json_escape_word(str + i, text, &w);
            chars += w.text_len;
            if (buf) { /* the same reservation as for its last escape alone: the same LIMIT outcome */
                status = ecc_buf_reserve(buf, i - run + w.through_last_escape);
                if (status != ECC_OK) {
                    goto done;
                }
                memcpy(buf->data + buf->len, str + run, i - run);
                memcpy(buf->data + buf->len + (i - run), text, w.through_last_escape);
                buf->len += i - run + w.through_last_escape;
                run = i + w.bytes_to_last_escape;
            }
            i += 8;
            continue;
        }
        size_t plain = s_plain_len(special, len - i);
        i += plain;
        chars += plain;
        if (plain == 8 || i == len) {
            continue;
        }
        unsigned char c = (unsigned char)str[i];
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = ecc_utf8_decode(str + i, len - i, &cp);
            i += n;
            chars++; /* counted also for a bad byte: *out_chars is the count up to it */
            if (n == 0) {
                status = ECC_ERR_INVALID;
                goto done;
            }
            continue;
        }
        size_t escape_len = s_json_text_len[c];
        chars += escape_len;
        if (buf) {
            status = ecc_buf_reserve(buf, i - run + escape_len);
            if (status != ECC_OK) {
                goto done;
            }
            char *at = buf->data + buf->len;
            memcpy(at, str + run, i - run);
            at += i - run;
            memcpy(at, s_json_text[c], 2);
            if (escape_len == 6) {
                memcpy(at + 2, s_json_text[c] + 2, 4);
            }
            buf->len += i - run + escape_len;
            run = i + 1;
        }
        i++;
    }
    if (buf) {
        status = ecc_buf_append(buf, str + run, len - run);
        if (status != ECC_OK) {
            goto done;
        }
        status = ecc_buf_append_byte(buf, '"');
    }
done:
    /* Success and failure both give the count; a failure also takes back what was written. */
    if (buf && status != ECC_OK) {
        buf->len = start_len;
        if (buf->data) {
            buf->data[start_len] = '\0';
        }
    }
    *out_chars = chars;
    return status;
}

bool ecc_json_string_chars(const char *str, size_t len, size_t *out_chars) {
    return s_json_string_walk(NULL, str, len, s_json_plain_prefix(str, len), out_chars) == ECC_OK;
}

enum ecc_status ecc_json_append_string(struct ecc_buf *buf, const char *str, size_t len) {
    size_t plain = s_json_plain_prefix(str, len);
    if (plain == len) { /* nothing to escape: one reservation, one copy */
        enum ecc_status reserved = ecc_buf_reserve(buf, len + 2);
        if (reserved != ECC_OK) {
            return reserved;
        }
        char *at = buf->data + buf->len;
        at[0] = '"';
        if (len) {
            memcpy(at + 1, str, len);
        }
        at[len + 1] = '"';
        at[len + 2] = '\0';
        buf->len += len + 2;
        return ECC_OK;
    }
    size_t chars;
    return s_json_string_walk(buf, str, len, plain, &chars);
}

void ecc_json_writer_init(struct ecc_json_writer *w, struct ecc_buf *out, struct ecc_diag *diag) {
    w->out = out;
    w->diag = diag;
    ecc_json_path_init(&w->path);
    w->status = ECC_OK;
    w->start_len = out->len;
    w->chars = 0;
}

void ecc_json_writer_init_check(struct ecc_json_writer *w, struct ecc_diag *diag) {
    w->out = NULL;
    w->diag = diag;
    ecc_json_path_init(&w->path);
    w->status = ECC_OK;
    w->start_len = 0;
    w->chars = 0;
}

void ecc_json_writer_raw(struct ecc_json_writer *w, const char *text, size_t len) {
    if (w->status != ECC_OK) {
        return;
    }
    if (w->out) {
        w->status = ecc_buf_append(w->out, text, len);
    } else {
        w->chars += len; /* punctuation, literals, digits: ASCII */
    }
}

void ecc_json_writer_key(struct ecc_json_writer *w, bool *first, const char *key) {
    if (w->status != ECC_OK) {
        return;
    }
    size_t key_len = strlen(key);
    if (!w->out) {
        w->chars += key_len + 3 + !*first; /* [,]"key": (model member names: ASCII) */
        *first = false;
        return;
    }
    /* One reservation and one copy: the writers' most frequent append. */
    w->status = ecc_buf_reserve(w->out, key_len + 4);
    if (w->status != ECC_OK) {
        return;
    }
    char *at = w->out->data + w->out->len;
    size_t n = 0;
    if (!*first) {
        at[n++] = ',';
    }
    at[n++] = '"';
    memcpy(at + n, key, key_len);
    n += key_len;
    at[n++] = '"';
    at[n++] = ':';
    at[n] = '\0';
    w->out->len += n;
    *first = false;
}

void ecc_json_writer_string(struct ecc_json_writer *w, const char *value, size_t len) {
    if (w->status != ECC_OK) {
        return;
    }
    size_t chars = 0;
    enum ecc_status status = !w->out ? (ecc_json_string_chars(value, len, &chars) ? ECC_OK : ECC_ERR_INVALID)
                                     : ecc_json_append_string(w->out, value, len);
    w->chars += chars;
    if (status == ECC_ERR_INVALID) {
        ecc_json_writer_fail(w, status, "string is not valid UTF-8");
    }
    w->status = status;
}

void ecc_json_writer_fail(struct ecc_json_writer *w, enum ecc_status status, const char *fmt, ...) {
    if (w->status != ECC_OK) {
        return;
    }
    w->status = status;
    if (w->diag) {
        char where[sizeof(w->diag->path)];
        ecc_json_path_format_member(&w->path, where, sizeof(where));
        va_list args;
        va_start(args, fmt);
        ecc_diag_vset(w->diag, fmt, args);
        va_end(args);
        ecc_diag_set_path(w->diag, where);
    }
}

void ecc_json_writer_string_member(struct ecc_json_writer *w, bool *first, const char *key, const char *value) {
    if (value) {
        ecc_json_writer_enter(w, first, key);
        ecc_json_writer_string(w, value, strlen(value));
        ecc_json_writer_leave(w);
    }
}

void ecc_json_writer_int_member(struct ecc_json_writer *w, bool *first, const char *key, bool has, int64_t value) {
    if (has) {
        ecc_json_writer_key(w, first, key);
        ecc_json_writer_int(w, value);
    }
}

void ecc_json_writer_bool_member(struct ecc_json_writer *w, bool *first, const char *key, bool has, bool value) {
    if (has) {
        ecc_json_writer_key(w, first, key);
        if (value) {
            ECC_JSON_WRITER_LITERAL(w, "true");
        } else {
            ECC_JSON_WRITER_LITERAL(w, "false");
        }
    }
}

void ecc_json_writer_enter(struct ecc_json_writer *w, bool *first, const char *key) {
    ecc_json_writer_key(w, first, key);
    ecc_json_path_push_member(&w->path, key);
}

void ecc_json_writer_leave(struct ecc_json_writer *w) {
    ecc_json_path_pop(&w->path);
}

void ecc_json_writer_list(
    struct ecc_json_writer *w, const void *items, size_t count, size_t item_size, ecc_json_item_writer_fn *write_item) {
    ECC_JSON_WRITER_LITERAL(w, "[");
    for (size_t i = 0; i < count && w->status == ECC_OK; i++) {
        if (i) {
            ECC_JSON_WRITER_LITERAL(w, ",");
        }
        ecc_json_path_push_index(&w->path, i);
        write_item(w, (const char *)items + i * item_size);
        ecc_json_path_pop(&w->path);
    }
    ECC_JSON_WRITER_LITERAL(w, "]");
}

void ecc_json_writer_list_member(
    struct ecc_json_writer *w,
    bool *first,
    const char *key,
    bool has,
    const void *items,
    size_t count,
    size_t item_size,
    ecc_json_item_writer_fn *write_item) {
    if (has) {
        ecc_json_writer_enter(w, first, key);
        ecc_json_writer_list(w, items, count, item_size, write_item);
        ecc_json_writer_leave(w);
    }
}

void ecc_json_writer_string_item(struct ecc_json_writer *w, const void *item) {
    const char *value = *(const char *const *)item;
    if (value) {
        ecc_json_writer_string(w, value, strlen(value));
    } else {
        ECC_JSON_WRITER_LITERAL(w, "null");
    }
}

void ecc_json_writer_int(struct ecc_json_writer *w, int64_t value) {
    char digits[24];
    size_t len = 0;
    /* Unsigned so INT64_MIN negates safely. */
    uint64_t magnitude = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        digits[sizeof(digits) - 1 - len++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (value < 0) {
        digits[sizeof(digits) - 1 - len++] = '-';
    }
    ecc_json_writer_raw(w, digits + sizeof(digits) - len, len);
}

enum ecc_status ecc_json_writer_finish(struct ecc_json_writer *w) {
    if (w->status != ECC_OK && w->out && w->out->data) {
        w->out->len = w->start_len;
        w->out->data[w->start_len] = '\0';
    }
    return w->status;
}

/*
 * Fuzz target: the floor-0 typed JSON reads (json.h), which every codec and loader reads through.
 *
 * Input: a JSON text (any bytes; what jansson rejects ends the run).
 * Oracle, for every member of every object in the document (walked with its member path):
 *  1. each reader (string, int, long, bool, timestamp, array, object) returns ECC_OK or ECC_ERR_INVALID,
 *     nothing else;
 *  2. ECC_OK with presence "present" only for a value of the reader's type (and range); presence
 *     "absent" exactly for JSON null;
 *  3. ECC_ERR_INVALID fills the diagnostic with the member path of that very member and a text;
 *  4. the path renderers always NUL-terminate within the given size, whatever the size;
 *  5. differential: an ISO-8601 string ecc_json_parse_iso8601 accepts gives the same epoch second as an
 *     independent reading of the same fields through sscanf and libc timegm().
 */
#define _DEFAULT_SOURCE /* timegm, the independent implementation of rule 5 */
#include "fuzz_data.h"

#include "ecc/json.h"

#include <math.h>
#include <string.h>
#include <time.h>

/* Deeper than ECC_JSON_PATH_MAX_DEPTH on purpose, to reach the overflow marker. */
#define S_MAX_WALK_DEPTH 40

static void s_check_diag(const struct ecc_json_path *path, const char *key, const struct ecc_diag *diag) {
    struct ecc_json_path expected_path = *path;
    ecc_json_path_push_member(&expected_path, key);
    char expected[sizeof(diag->path)];
    ecc_json_path_format_member(&expected_path, expected, sizeof(expected));
    ECC_FUZZ_CHECK(strcmp(diag->path, expected) == 0, "a type error names the member path");
    ECC_FUZZ_CHECK(diag->text[0] != '\0', "a type error has a text");
}

/* Rule 5: the ISO-8601 fields read again with sscanf and converted by libc. */
static void s_check_iso8601(const char *text) {
    double epoch = 0;
    if (ecc_json_parse_iso8601(text, &epoch) != ECC_OK) {
        return;
    }
    ECC_FUZZ_CHECK(isfinite(epoch), "an accepted timestamp is finite");
    int year, month, day, hour, minute, second, consumed = 0;
    if (sscanf(text, "%4d-%2d-%2d%*1[Tt]%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &consumed) != 6) {
        ECC_FUZZ_CHECK(false, "an accepted timestamp has the six date-time fields");
    }
    const char *rest = text + consumed;
    while (*rest == '.' || (*rest >= '0' && *rest <= '9')) {
        rest++;
    }
    long offset = 0;
    if (*rest == '+' || *rest == '-') {
        int oh = 0, om = 0;
        ECC_FUZZ_CHECK(sscanf(rest + 1, "%2d:%2d", &oh, &om) == 2, "an accepted offset is hh:mm");
        offset = (*rest == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    }
    struct tm tm = {0};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    time_t t = timegm(&tm);
    ECC_FUZZ_CHECK(floor(epoch) == (double)((long long)t - offset), "ISO-8601 agrees with timegm");
}

static void s_check_member(const json_t *object, const char *key, const json_t *value, struct ecc_json_path *path) {
    struct ecc_diag diag;
    enum ecc_json_presence presence;
    bool is_null = json_is_null(value);
    enum ecc_status status;

    char *s = NULL;
    ecc_diag_clear(&diag);
    status = ecc_json_read_string(object, key, path, &s, &presence, &diag);
    ECC_FUZZ_CHECK(status == ECC_OK || status == ECC_ERR_INVALID, "read_string status");
    if (status == ECC_OK) {
        ECC_FUZZ_CHECK((presence == ECC_JSON_ABSENT) == is_null, "absent exactly for null");
        ECC_FUZZ_CHECK(
            is_null || (json_is_string(value) && s && strcmp(s, json_string_value(value)) == 0),
            "read_string returns the string");
    } else {
        ECC_FUZZ_CHECK(!json_is_string(value), "a string is never a type error");
        s_check_diag(path, key, &diag);
    }
    free(s);

    int32_t i32 = 0;
    ecc_diag_clear(&diag);
    status = ecc_json_read_int(object, key, path, &i32, &presence, &diag);
    ECC_FUZZ_CHECK(status == ECC_OK || status == ECC_ERR_INVALID, "read_int status");
    if (status == ECC_OK && !is_null) {
        ECC_FUZZ_CHECK(json_is_integer(value) && json_integer_value(value) == i32, "read_int returns the integer");
    } else if (status != ECC_OK) {
        ECC_FUZZ_CHECK(
            !json_is_integer(value) || json_integer_value(value) != (int32_t)json_integer_value(value),
            "an int32 is never an error");
        s_check_diag(path, key, &diag);
    }

    int64_t i64 = 0;
    ecc_diag_clear(&diag);
    status = ecc_json_read_long(object, key, path, &i64, &presence, &diag);
    ECC_FUZZ_CHECK(status == ECC_OK || status == ECC_ERR_INVALID, "read_long status");
    ECC_FUZZ_CHECK((status == ECC_OK) == (is_null || json_is_integer(value)), "read_long accepts every integer");
    if (status != ECC_OK) {
        s_check_diag(path, key, &diag);
    }

    bool b = false;
    ecc_diag_clear(&diag);
    status = ecc_json_read_bool(object, key, path, &b, &presence, &diag);
    ECC_FUZZ_CHECK((status == ECC_OK) == (is_null || json_is_boolean(value)), "read_bool accepts booleans only");
    if (status != ECC_OK) {
        s_check_diag(path, key, &diag);
    }

    double epoch = 0;
    ecc_diag_clear(&diag);
    status = ecc_json_read_timestamp(object, key, path, &epoch, &presence, &diag);
    ECC_FUZZ_CHECK(status == ECC_OK || status == ECC_ERR_INVALID, "read_timestamp status");
    if (status == ECC_OK && !is_null) {
        ECC_FUZZ_CHECK(isfinite(epoch), "a timestamp is finite");
    } else if (status != ECC_OK) {
        s_check_diag(path, key, &diag);
    }
    if (json_is_string(value)) {
        s_check_iso8601(json_string_value(value));
    }

    const json_t *borrowed = NULL;
    ecc_diag_clear(&diag);
    status = ecc_json_read_array(object, key, path, &borrowed, &presence, &diag);
    ECC_FUZZ_CHECK((status == ECC_OK) == (is_null || json_is_array(value)), "read_array accepts arrays only");
    ECC_FUZZ_CHECK(status != ECC_OK || borrowed == (is_null ? NULL : value), "read_array borrows the member");
    ecc_diag_clear(&diag);
    status = ecc_json_read_object(object, key, path, &borrowed, &presence, &diag);
    ECC_FUZZ_CHECK((status == ECC_OK) == (is_null || json_is_object(value)), "read_object accepts objects only");
}

/* Rule 4: every size from 0 to past the full rendering stays in bounds and terminated. */
static void s_check_render(const struct ecc_json_path *path) {
    char out[64];
    for (size_t size = 1; size <= sizeof(out); size += 7) {
        memset(out, 'x', sizeof(out));
        ecc_json_path_format_member(path, out, size);
        ECC_FUZZ_CHECK(memchr(out, '\0', size) != NULL, "member path terminated within size");
        memset(out, 'x', sizeof(out));
        ecc_json_path_format_pointer(path, out, size);
        ECC_FUZZ_CHECK(memchr(out, '\0', size) != NULL, "pointer terminated within size");
    }
}

static void s_walk(const json_t *value, struct ecc_json_path *path, int depth) {
    if (depth > S_MAX_WALK_DEPTH) {
        return;
    }
    s_check_render(path);
    if (json_is_object(value)) {
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)value, key, member) {
            s_check_member(value, key, member, path);
            ecc_json_path_push_member(path, key);
            s_walk(member, path, depth + 1);
            ecc_json_path_pop(path);
        }
    } else if (json_is_array(value)) {
        size_t index;
        json_t *item;
        json_array_foreach(value, index, item) {
            ecc_json_path_push_index(path, index);
            s_walk(item, path, depth + 1);
            ecc_json_path_pop(path);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    json_error_t error;
    json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY, &error);
    if (!root) {
        return 0;
    }
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    s_walk(root, &path, 0);
    ECC_FUZZ_CHECK(path.depth == 0 && path.overflow == 0, "pushes and pops balance");
    json_decref(root);
    return 0;
}

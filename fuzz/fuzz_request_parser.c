/*
 * Fuzz target: the server-side RunTask body parser (codec_request.h), what the emulator and the mock
 * run on every request a client sends.
 *
 * Input: the request body, any bytes.
 * Oracle:
 *  1. the parser returns a request (ECC_OK) or ECC_ERR_INVALID, nothing else (bodies stay under the cap);
 *  2. an error on a body that is not JSON carries a line and column; an error on a JSON object names a
 *     member path, and that path leads to a member that really is in the body (walked independently;
 *     not null, which is an absent member, unless it is a list item);
 *  3. a parsed request serializes (its strings came from JSON, so they are UTF-8) to a body that
 *     parses to an equal request, and serializing that request again gives the same bytes;
 *  4. strict mode reads the same request as lenient mode whenever it reads one (success, or an
 *     unknown-member verdict with the request filled in).
 */
#include "fuzz_data.h"

#include "ecc/codec_request.h"

#include <ctype.h>
#include <string.h>

/* True when no key anywhere in `value` holds a character a member path cannot carry unambiguously. */
static bool s_keys_are_plain(const json_t *value, int depth) {
    if (depth > 64) {
        return false;
    }
    if (json_is_object(value)) {
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)value, key, member) {
            if (strpbrk(key, ".[]") != NULL || !s_keys_are_plain(member, depth + 1)) {
                return false;
            }
        }
    } else if (json_is_array(value)) {
        size_t index;
        json_t *item;
        json_array_foreach(value, index, item) {
            if (!s_keys_are_plain(item, depth + 1)) {
                return false;
            }
        }
    }
    return true;
}

/* Follows `a.b[2].c` from `root`; NULL when a segment is missing. */
static const json_t *s_walk_member_path(const json_t *root, const char *path) {
    const json_t *at = root;
    const char *c = path;
    while (*c && at) {
        if (*c == '[') {
            char *end;
            unsigned long index = strtoul(c + 1, &end, 10);
            if (end == c + 1 || *end != ']') {
                return NULL;
            }
            at = json_array_get(at, index);
            c = end + 1;
        } else {
            if (*c == '.') {
                c++;
            }
            size_t len = strcspn(c, ".[");
            char key[256];
            if (len == 0 || len >= sizeof(key)) {
                return NULL;
            }
            memcpy(key, c, len);
            key[len] = '\0';
            at = json_object_get(at, key);
            c += len;
        }
    }
    return at;
}

static void s_check_error(const uint8_t *data, size_t size, const struct ecc_diag *diag) {
    ECC_FUZZ_CHECK(diag->text[0] != '\0', "an error has a text");
    json_error_t error;
    json_t *root = json_loadb((const char *)data, size, JSON_DECODE_ANY, &error);
    if (!root) {
        ECC_FUZZ_CHECK(diag->line > 0 || diag->column > 0, "a JSON syntax error has a position");
        return;
    }
    if (json_is_object(root)) {
        ECC_FUZZ_CHECK(diag->path[0] != '\0', "an error in an object names a member path");
        if (s_keys_are_plain(root, 0)) {
            /* A null member is an absent one (AWS JSON), so no error names it; a null list item is
             * really there (ECS lists are dense: the parser refuses it). */
            const json_t *at = s_walk_member_path(root, diag->path);
            size_t path_len = strlen(diag->path);
            bool item = path_len > 0 && diag->path[path_len - 1] == ']';
            ECC_FUZZ_CHECK(at != NULL && (item || !json_is_null(at)), "the error's member path is in the body");
        }
    }
    json_decref(root);
}

static void s_check_round_trip(const struct ecc_run_task_request *request) {
    struct ecc_buf body;
    struct ecc_buf again;
    ecc_buf_init(&body, SIZE_MAX);
    ecc_buf_init(&again, SIZE_MAX);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    ECC_FUZZ_CHECK(ecc_codec_write_run_task_request(&body, request, &diag) == ECC_OK, "a parsed request serializes");

    struct ecc_run_task_request reparsed;
    ecc_run_task_request_init(&reparsed);
    enum ecc_status status = ecc_codec_parse_run_task_request(body.data, body.len, NULL, &reparsed, NULL, &diag);
    ECC_FUZZ_CHECK(status == ECC_OK, "the re-serialized body parses");
    ECC_FUZZ_CHECK(ecc_run_task_request_equal(request, &reparsed), "the re-serialized body parses to an equal request");
    ECC_FUZZ_CHECK(ecc_codec_write_run_task_request(&again, &reparsed, &diag) == ECC_OK, "serializes again");
    ECC_FUZZ_CHECK(
        again.len == body.len && memcmp(again.data, body.data, body.len) == 0, "serialization is a fixed point");
    ecc_run_task_request_clean_up(&reparsed);
    ecc_buf_clean_up(&again);
    ecc_buf_clean_up(&body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > ECC_CODEC_DEFAULT_MAX_BODY_BYTES) {
        return 0;
    }
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_run_task_request request;
    ecc_run_task_request_init(&request);
    enum ecc_status status = ecc_codec_parse_run_task_request(data, size, NULL, &request, NULL, &diag);
    ECC_FUZZ_CHECK(status == ECC_OK || status == ECC_ERR_INVALID, "a request or an invalid-body error");
    if (status == ECC_OK) {
        s_check_round_trip(&request);
    } else {
        s_check_error(data, size, &diag);
    }

    struct ecc_codec_parse_options strict = {.strict = true};
    struct ecc_run_task_request strict_request;
    ecc_run_task_request_init(&strict_request);
    struct ecc_string_list unknown;
    ecc_string_list_init(&unknown);
    struct ecc_diag strict_diag;
    ecc_diag_clear(&strict_diag);
    enum ecc_status strict_status =
        ecc_codec_parse_run_task_request(data, size, &strict, &strict_request, &unknown, &strict_diag);
    ECC_FUZZ_CHECK(strict_status == ECC_OK || strict_status == ECC_ERR_INVALID, "strict: request or invalid");
    ECC_FUZZ_CHECK(strict_status != ECC_OK || status == ECC_OK, "strict never accepts what lenient rejects");
    if (status == ECC_OK && (strict_status == ECC_OK || unknown.count > 0)) {
        ECC_FUZZ_CHECK(ecc_run_task_request_equal(&request, &strict_request), "strict reads the same request");
    }
    ecc_string_list_clean_up(&unknown);
    ecc_run_task_request_clean_up(&strict_request);
    ecc_run_task_request_clean_up(&request);
    return 0;
}

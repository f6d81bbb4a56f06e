/*
 * Fuzz target: the RunTask request serializer (codec_request.h), structure-aware.
 *
 * Input: bytes the reader of fuzz_request_builder.h turns into a RunTaskRequest reaching every member
 * and nested shape (absent, empty, boundary and oversized values, odd UTF-8, control characters).
 * Oracle:
 *  1. a deep copy is equal to the request (model.h copy and equality agree);
 *  2. serialization fails exactly when a string of the request is not UTF-8 (checked independently by
 *     jansson while building), with ECC_ERR_INVALID and a member path, and the output buffer untouched;
 *  3. otherwise the body is valid JSON (jansson, strict: an object, no trailing bytes, no duplicate
 *     keys) and the codec's strict reader reads it back into an equal request with no unknown member;
 *  4. the complete HTTP request (envelope) built from the deep copy carries exactly the same body, with
 *     a Content-Length that matches (so equal requests serialize to the same bytes);
 *  5. validation (validate.h) never crashes and its verdict is deterministic: the request and its deep
 *     copy (a second run, on an equal value in other memory) give the same status and the same failures
 *     (path, rule, message);
 *  6. a request validation accepts is serializable and its serialized body, measured independently
 *     (jansson, code points), stays within every documented limit, read from validate.h's constants.
 * Each property is checked once per input: the body is written twice (the request, the copy's
 * envelope), parsed once (the tree serves rules 3 and 6) and the request validated twice. Validating
 * the parsed-back request too would add nothing: it is equal to the request (rule 3), and equal values
 * getting equal verdicts is rule 5. The body parser's own entry point (caps, empty body) is
 * fuzz_request_parser's. jansson allocates from fuzz_jansson_arena.h's arena, which also checks that the
 * execution freed every jansson value.
 */
#include "ecc/fuzz_request_builder.h"
#include "fuzz_data.h"
#include "fuzz_jansson_arena.h"

#include "ecc/codec_request.h"
#include "ecc/validate.h"

#include <stdio.h>
#include <string.h>

static void s_check_envelope(const struct ecc_run_task_request *request, const char *json, size_t json_len) {
    struct ecc_http_request http;
    ecc_http_request_init(&http);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    ECC_FUZZ_CHECK(
        ecc_codec_serialize_run_task_request(request, NULL, &http, &diag) == ECC_OK ||
            json_len > ECC_CODEC_DEFAULT_MAX_BODY_BYTES,
        "a serializable request makes an HTTP request");
    if (http.body) {
        ECC_FUZZ_CHECK(
            http.body_len == json_len && memcmp(http.body, json, json_len) == 0,
            "the copy's envelope carries the same body: equal requests serialize to the same bytes");
        const char *length = ecc_http_headers_get(&http.headers, "Content-Length");
        char expected[32];
        snprintf(expected, sizeof(expected), "%zu", json_len);
        ECC_FUZZ_CHECK(length && strcmp(length, expected) == 0, "Content-Length matches the body");
        ECC_FUZZ_CHECK(
            http.method && strcmp(http.method, "POST") == 0 && http.path && strcmp(http.path, "/") == 0, "POST /");
    }
    ecc_http_request_clean_up(&http);
}

/* Failures kept per validation. Past it the validator goes on finding and only counts (`truncated`), the
 * same code as past the default 256; a fuzzed request with 51 bad tags otherwise grew a 130 KB failure
 * list twice per input, which under ASan cost more than the rest of the validation. */
#define S_MAX_FAILURES 16

/* Rule 5: same status, same failures. */
static enum ecc_status s_validate(const struct ecc_run_task_request *request, struct ecc_validation_result *result) {
    static const struct ecc_validate_options options = {.max_failures = S_MAX_FAILURES};
    ecc_validation_result_init(result);
    enum ecc_status status = ecc_validate_run_task_request(request, &options, result);
    ECC_FUZZ_CHECK(status == ECC_OK || status == ECC_ERR_INVALID, "validation returns a verdict");
    ECC_FUZZ_CHECK((status == ECC_OK) == (result->count == 0), "invalid exactly when there are failures");
    return status;
}

static void s_check_same_verdict(const struct ecc_validation_result *a, const struct ecc_validation_result *b) {
    ECC_FUZZ_CHECK(a->count == b->count && a->truncated == b->truncated, "validation is deterministic");
    for (size_t i = 0; i < a->count; i++) {
        ECC_FUZZ_CHECK(
            strcmp(a->failures[i].path, b->failures[i].path) == 0 && a->failures[i].rule == b->failures[i].rule &&
                strcmp(a->failures[i].message, b->failures[i].message) == 0,
            "validation failures are deterministic");
    }
}

/* Code points of UTF-8 text (jansson only holds valid UTF-8). */
static size_t s_chars(const char *text) {
    size_t n = 0;
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        n += (*c & 0xC0) != 0x80;
    }
    return n;
}

static size_t s_array_size(const json_t *object, const char *key) {
    const json_t *array = json_object_get(object, key);
    return json_is_array(array) ? json_array_size(array) : 0;
}

static void s_check_string_max(const json_t *object, const char *key, size_t max_chars, const char *what) {
    const json_t *value = json_object_get(object, key);
    if (json_is_string(value)) {
        ECC_FUZZ_CHECK(s_chars(json_string_value(value)) <= max_chars, what);
    }
}

static void s_check_int_range(const json_t *object, const char *key, json_int_t min, json_int_t max, const char *what) {
    const json_t *value = json_object_get(object, key);
    if (value) {
        ECC_FUZZ_CHECK(
            json_is_integer(value) && json_integer_value(value) >= min && json_integer_value(value) <= max, what);
    }
}

/* Rule 6, on the body as sent. */
static void s_check_documented_limits(const json_t *body) {
    s_check_int_range(body, "count", ECC_RUN_TASK_COUNT_MIN, ECC_RUN_TASK_COUNT_MAX, "count in range");
    const json_t *token = json_object_get(body, "clientToken");
    if (json_is_string(token)) {
        size_t chars = s_chars(json_string_value(token));
        ECC_FUZZ_CHECK(
            chars >= ECC_CLIENT_TOKEN_MIN_CHARS && chars <= ECC_CLIENT_TOKEN_MAX_CHARS, "clientToken length");
        for (const char *c = json_string_value(token); *c; c++) {
            ECC_FUZZ_CHECK(*c >= ECC_CLIENT_TOKEN_CHAR_MIN && *c <= ECC_CLIENT_TOKEN_CHAR_MAX, "clientToken chars");
        }
    }
    s_check_string_max(body, "startedBy", ECC_STARTED_BY_MAX_CHARS, "startedBy length");
    ECC_FUZZ_CHECK(s_array_size(body, "capacityProviderStrategy") <= ECC_CAPACITY_PROVIDERS_MAX, "providers");
    size_t i;
    const json_t *item;
    json_array_foreach(json_object_get(body, "capacityProviderStrategy"), i, item) {
        s_check_int_range(item, "weight", ECC_CAPACITY_PROVIDER_WEIGHT_MIN, ECC_CAPACITY_PROVIDER_WEIGHT_MAX, "weight");
        s_check_int_range(item, "base", ECC_CAPACITY_PROVIDER_BASE_MIN, ECC_CAPACITY_PROVIDER_BASE_MAX, "base");
    }
    ECC_FUZZ_CHECK(s_array_size(body, "placementConstraints") <= ECC_PLACEMENT_CONSTRAINTS_MAX, "constraints");
    json_array_foreach(json_object_get(body, "placementConstraints"), i, item) {
        s_check_string_max(item, "expression", ECC_PLACEMENT_EXPRESSION_MAX_CHARS, "expression length");
    }
    ECC_FUZZ_CHECK(s_array_size(body, "placementStrategy") <= ECC_PLACEMENT_STRATEGIES_MAX, "strategies");
    ECC_FUZZ_CHECK(s_array_size(body, "tags") <= ECC_TAGS_MAX, "tag count");
    json_array_foreach(json_object_get(body, "tags"), i, item) {
        const json_t *key = json_object_get(item, "key");
        ECC_FUZZ_CHECK(
            json_is_string(key) && s_chars(json_string_value(key)) >= ECC_TAG_KEY_MIN_CHARS &&
                s_chars(json_string_value(key)) <= ECC_TAG_KEY_MAX_CHARS,
            "tag key length");
        s_check_string_max(item, "value", ECC_TAG_VALUE_MAX_CHARS, "tag value length");
    }
    const json_t *vpc = json_object_get(json_object_get(body, "networkConfiguration"), "awsvpcConfiguration");
    if (vpc) {
        ECC_FUZZ_CHECK(s_array_size(vpc, "subnets") <= ECC_AWSVPC_SUBNETS_MAX, "subnets");
        ECC_FUZZ_CHECK(s_array_size(vpc, "securityGroups") <= ECC_AWSVPC_SECURITY_GROUPS_MAX, "security groups");
    }
    const json_t *overrides = json_object_get(body, "overrides");
    if (overrides) {
        /* "at most 8192 characters in total, JSON formatting included": jansson's compact form, in code points. */
        char *text = json_dumps(overrides, JSON_COMPACT | JSON_PRESERVE_ORDER);
        ECC_FUZZ_CHECK(text != NULL, "overrides dump");
        ECC_FUZZ_CHECK(s_chars(text) <= ECC_OVERRIDES_MAX_CHARS, "overrides length");
        ecc_fuzz_arena_free(text); /* jansson allocated it */
        s_check_int_range(
            json_object_get(overrides, "ephemeralStorage"),
            "sizeInGiB",
            ECC_EPHEMERAL_STORAGE_MIN_GIB,
            ECC_EPHEMERAL_STORAGE_MAX_GIB,
            "ephemeral storage");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const struct ecc_fuzz_request_limits *limits = ecc_fuzz_request_limits_documented();
    ecc_fuzz_arena_begin();
    struct ecc_fuzz_data fd;
    ecc_fuzz_data_init(&fd, data, size);
    struct ecc_fuzz_request_builder builder = {.fd = &fd, .limits = limits, .invalid_utf8_strings = 0};
    struct ecc_run_task_request request;
    ecc_run_task_request_init(&request);
    ecc_fuzz_build_request(&builder, &request);

    struct ecc_run_task_request copy;
    ecc_run_task_request_init(&copy);
    if (ecc_run_task_request_copy(&copy, &request) != ECC_OK) {
        goto done; /* out of memory: not a finding */
    }
    ECC_FUZZ_CHECK(ecc_run_task_request_equal(&request, &copy), "a deep copy is equal");

    struct ecc_validation_result verdict, of_copy;
    enum ecc_status valid = s_validate(&request, &verdict);
    ECC_FUZZ_CHECK(s_validate(&copy, &of_copy) == valid, "a copy validates the same");
    s_check_same_verdict(&verdict, &of_copy);
    ecc_validation_result_clean_up(&of_copy);
    if (valid == ECC_OK) {
        ECC_FUZZ_CHECK(builder.invalid_utf8_strings == 0, "a valid request holds only UTF-8 strings");
    }

    struct ecc_buf body;
    ecc_buf_init(&body, SIZE_MAX);
    ECC_FUZZ_CHECK(ecc_buf_append_str(&body, "keep") == ECC_OK, "buffer");
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_codec_write_run_task_request(&body, &request, &diag);
    if (builder.invalid_utf8_strings > 0) {
        ECC_FUZZ_CHECK(status == ECC_ERR_INVALID, "a string that is not UTF-8 cannot be serialized");
        ECC_FUZZ_CHECK(diag.path[0] != '\0', "the error names the member path");
        ECC_FUZZ_CHECK(body.len == 4 && memcmp(body.data, "keep", 4) == 0, "a failed write leaves the buffer");
        ecc_buf_clean_up(&body);
        ecc_validation_result_clean_up(&verdict);
        goto done;
    }
    ECC_FUZZ_CHECK(status == ECC_OK, "a request of UTF-8 strings serializes");
    const char *json = body.data + 4;
    size_t json_len = body.len - 4;

    json_error_t error;
    json_t *root = json_loadb(json, json_len, JSON_REJECT_DUPLICATES, &error);
    ECC_FUZZ_CHECK(root != NULL && json_is_object(root), "the body is one JSON object");
    if (valid == ECC_OK) {
        s_check_documented_limits(root);
    }
    struct ecc_run_task_request parsed;
    ecc_run_task_request_init(&parsed);
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    struct ecc_string_list unknown;
    ecc_string_list_init(&unknown);
    status = ecc_codec_read_run_task_request(root, &path, &parsed, &unknown, &diag);
    ECC_FUZZ_CHECK(status == ECC_OK && unknown.count == 0, "the body reads back (strict: model members only)");
    ECC_FUZZ_CHECK(ecc_run_task_request_equal(&request, &parsed), "the body reads back into an equal request");
    ecc_string_list_clean_up(&unknown);
    ecc_run_task_request_clean_up(&parsed);
    json_decref(root);

    s_check_envelope(&copy, json, json_len);
    ecc_buf_clean_up(&body);
    ecc_validation_result_clean_up(&verdict);
done:
    ecc_run_task_request_clean_up(&copy);
    ecc_run_task_request_clean_up(&request);
    ecc_fuzz_arena_end();
    return 0;
}

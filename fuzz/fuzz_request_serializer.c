/*
 * Fuzz target: the RunTask request serializer (codec_request.h), structure-aware.
 *
 * Input: bytes the reader of fuzz_request_builder.h turns into a RunTaskRequest reaching every member
 * and nested shape (absent, empty, boundary and oversized values, odd UTF-8, control characters).
 * Oracle:
 *  1. a deep copy is equal to the request (model.h copy and equality agree);
 *  2. serialization fails exactly when a string of the request is not UTF-8 (checked independently by
 *     jansson while building), with ECC_ERR_INVALID and a member path, and the output buffer untouched;
 *  3. otherwise the body is valid JSON (jansson, strict: an object, no trailing bytes), byte-identical
 *     to the serialization of the copy, and it parses back into an equal request;
 *  4. the complete HTTP request (envelope) carries the same body, with a Content-Length that matches.
 */
#include "fuzz_data.h"
#include "fuzz_request_builder.h"

#include "ecc/codec_request.h"

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
            http.body_len == json_len && memcmp(http.body, json, json_len) == 0, "the envelope carries the same body");
        const char *length = ecc_http_headers_get(&http.headers, "Content-Length");
        char expected[32];
        snprintf(expected, sizeof(expected), "%zu", json_len);
        ECC_FUZZ_CHECK(length && strcmp(length, expected) == 0, "Content-Length matches the body");
        ECC_FUZZ_CHECK(
            http.method && strcmp(http.method, "POST") == 0 && http.path && strcmp(http.path, "/") == 0, "POST /");
    }
    ecc_http_request_clean_up(&http);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const struct ecc_fuzz_request_limits limits = {0};
    struct ecc_fuzz_data fd;
    ecc_fuzz_data_init(&fd, data, size);
    struct ecc_fuzz_request_builder builder = {.fd = &fd, .limits = &limits, .invalid_utf8_strings = 0};
    struct ecc_run_task_request request;
    ecc_run_task_request_init(&request);
    ecc_fuzz_build_request(&builder, &request);

    struct ecc_run_task_request copy;
    ecc_run_task_request_init(&copy);
    if (ecc_run_task_request_copy(&copy, &request) != ECC_OK) {
        goto done; /* out of memory: not a finding */
    }
    ECC_FUZZ_CHECK(ecc_run_task_request_equal(&request, &copy), "a deep copy is equal");

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
        goto done;
    }
    ECC_FUZZ_CHECK(status == ECC_OK, "a request of UTF-8 strings serializes");
    const char *json = body.data + 4;
    size_t json_len = body.len - 4;

    json_error_t error;
    json_t *root = json_loadb(json, json_len, JSON_REJECT_DUPLICATES, &error);
    ECC_FUZZ_CHECK(root != NULL && json_is_object(root), "the body is one JSON object");
    json_decref(root);

    struct ecc_buf copy_body;
    ecc_buf_init(&copy_body, SIZE_MAX);
    ECC_FUZZ_CHECK(ecc_codec_write_run_task_request(&copy_body, &copy, &diag) == ECC_OK, "the copy serializes");
    ECC_FUZZ_CHECK(
        copy_body.len == json_len && memcmp(copy_body.data, json, json_len) == 0,
        "equal requests serialize to the same bytes");
    ecc_buf_clean_up(&copy_body);

    struct ecc_run_task_request parsed;
    ecc_run_task_request_init(&parsed);
    struct ecc_codec_parse_options strict = {.max_body_bytes = SIZE_MAX, .strict = true};
    struct ecc_string_list unknown;
    ecc_string_list_init(&unknown);
    status = ecc_codec_parse_run_task_request(json, json_len, &strict, &parsed, &unknown, &diag);
    ECC_FUZZ_CHECK(status == ECC_OK && unknown.count == 0, "the body parses back (strict: model members only)");
    ECC_FUZZ_CHECK(ecc_run_task_request_equal(&request, &parsed), "the body parses back into an equal request");
    ecc_string_list_clean_up(&unknown);
    ecc_run_task_request_clean_up(&parsed);

    s_check_envelope(&request, json, json_len);
    ecc_buf_clean_up(&body);
done:
    ecc_run_task_request_clean_up(&copy);
    ecc_run_task_request_clean_up(&request);
    return 0;
}

#ifndef ECC_FUZZ_AWS_ANSWER_H
#define ECC_FUZZ_AWS_ANSWER_H
/*
 * The oracle of every target whose code answers requests as a service (emulator, mock): the answer is
 * well-formed AWS JSON (Content-Type application/x-amz-json-1.1, a JSON object body); a 200 carries no
 * `__type`; any other status carries a non-empty `__type` that the client's own classifier
 * (codec_response.h) reads as a known or unknown error, never as a protocol error, and a type the error
 * table (errors.h) knows is answered with the status of its row.
 */
#include "fuzz_data.h"

#include "ecc/codec_response.h"

#include <string.h>

/* `allow_5xx`: false where nothing can legitimately fail on the server side. */
static inline void ecc_fuzz_check_aws_answer(const struct ecc_http_response *response, bool allow_5xx) {
    ECC_FUZZ_CHECK(
        response->status == 200 || (response->status >= 400 && response->status <= (allow_5xx ? 599 : 499)),
        "200 or an error status (no 5xx unless allowed)");
    const char *content_type = ecc_http_headers_get(&response->headers, "Content-Type");
    ECC_FUZZ_CHECK(content_type && strcmp(content_type, ECC_AWS_JSON_CONTENT_TYPE) == 0, "AWS JSON Content-Type");
    json_error_t error;
    json_t *body = json_loadb((const char *)response->body, response->body_len, 0, &error);
    ECC_FUZZ_CHECK(body && json_is_object(body), "the body is a JSON object");
    const json_t *type = json_object_get(body, "__type");
    if (response->status == 200) {
        ECC_FUZZ_CHECK(type == NULL, "a success carries no __type");
    } else {
        ECC_FUZZ_CHECK(json_is_string(type) && json_string_length(type) > 0, "an error carries a __type");
        struct ecc_response_outcome outcome;
        ecc_response_outcome_init(&outcome);
        ECC_FUZZ_CHECK(ecc_codec_classify_response(response, NULL, &outcome) == ECC_OK, "classified");
        ECC_FUZZ_CHECK(
            outcome.kind == ECC_RESPONSE_ERROR || outcome.kind == ECC_RESPONSE_UNKNOWN_ERROR,
            "the client reads the answer as an error, not as a protocol error");
        if (outcome.error.info) {
            ECC_FUZZ_CHECK(outcome.error.info->http_status == response->status, "status agrees with __type");
        }
        ecc_response_outcome_clean_up(&outcome);
    }
    json_decref(body);
}

#endif

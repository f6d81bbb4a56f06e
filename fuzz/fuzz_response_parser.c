/*
 * Fuzz target: the client-side response parser (codec_response.h, errors.h), what every SDK-facing
 * check of ecsconf trusts.
 *
 * Input, readable so seeds can be written by hand (corpus/fuzz_response_parser/, one .http file each):
 *     <status digits>\n  then header lines `Name: value\n`  then an empty line  then the body bytes.
 * A header line without ':' is skipped; a missing status line gives status 0.
 * Oracle:
 *  1. the parser always classifies (ECC_OK) into exactly one kind, with consistent fields: SUCCESS has
 *     a 2xx status, a JSON object body and no error; ERROR has a table row whose name is the error's
 *     name; UNKNOWN_ERROR has a name the table does not know; PROTOCOL_ERROR has a reason and a text,
 *     and carries no error, no body and an empty typed value; only a 4xx/5xx is an error;
 *  2. an error name is non-empty and contains no ':' or '#'; it is what an independent reading of the
 *     awsJson1_1 rules gives (X-Amzn-Errortype, then body `code`, then body `__type`; text before the
 *     first ':', then after the last '#'), and the raw type is the one of that source;
 *  3. a body over the cap is a protocol error, whatever else it holds (memory bounded by the cap: the
 *     target runs with a small cap and libFuzzer's malloc limit, see fuzz_response_parser.options);
 *  4. the typed parse and the plain classification agree on the kind (except a typed shape error);
 *  5. the reverse direction answers the same: a parsed success re-serialized by the emulator's builder
 *     parses to an equal RunTaskResponse, and a known error rebuilt with its row and message parses to
 *     the same row and message;
 *  6. no leaks (LeakSanitizer, on by default in libFuzzer).
 */
#include "fuzz_data.h"

#include "ecc/codec_response.h"

#include <string.h>
#include <strings.h>

/* Small on purpose: bodies over it must come back as protocol errors, never be buffered whole. */
#define S_MAX_BODY_BYTES 4096

static void s_split_input(const uint8_t *data, size_t size, struct ecc_http_response *response) {
    const uint8_t *end = data + size;
    const uint8_t *line = data;
    const uint8_t *nl = memchr(line, '\n', size);
    if (!nl) {
        return; /* no status line: status 0, no headers, no body */
    }
    long status = 0;
    for (const uint8_t *c = line; c < nl && *c >= '0' && *c <= '9' && status < 100000; c++) {
        status = status * 10 + (*c - '0');
    }
    response->status = (int)status;
    line = nl + 1;
    while (line < end) {
        nl = memchr(line, '\n', (size_t)(end - line));
        const uint8_t *line_end = nl ? nl : end;
        if (line_end == line) {
            line = nl + 1;
            break; /* the empty line: the body follows */
        }
        const uint8_t *colon = memchr(line, ':', (size_t)(line_end - line));
        if (colon && memchr(line, '\0', (size_t)(line_end - line)) == NULL) {
            const uint8_t *value = colon + 1;
            while (value < line_end && *value == ' ') {
                value++;
            }
            if (ecc_http_headers_add_n(
                    &response->headers,
                    (const char *)line,
                    (size_t)(colon - line),
                    (const char *)value,
                    (size_t)(line_end - value)) != ECC_OK) {
                /* past ECC_HTTP_MAX_HEADERS: the rest of the headers are dropped */
            }
        }
        if (!nl) {
            line = end;
            break;
        }
        line = nl + 1;
    }
    if (line < end && ecc_http_response_set_body(response, line, (size_t)(end - line)) != ECC_OK) {
        ECC_FUZZ_CHECK(false, "setting a body of a few KB");
    }
}

/* Rule 2, written from the README of the awsJson1_1 vectors, not from errors.c. */
static bool s_expected_type(const struct ecc_http_response *response, const json_t *body, const char **raw) {
    for (size_t i = 0; i < response->headers.count; i++) {
        if (strcasecmp(response->headers.items[i].name, "x-amzn-errortype") == 0) {
            if (response->headers.items[i].value[0] != '\0') {
                *raw = response->headers.items[i].value;
                return true;
            }
            break; /* the first header of that name is the one read */
        }
    }
    static const char *const keys[] = {"code", "__type"};
    for (size_t i = 0; i < 2; i++) {
        const json_t *v = json_is_object(body) ? json_object_get(body, keys[i]) : NULL;
        if (!v || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0)) {
            continue;
        }
        *raw = json_is_string(v) ? json_string_value(v) : NULL;
        return true;
    }
    return false;
}

static void s_check_error_name(const struct ecc_error_result *error, const struct ecc_http_response *response) {
    ECC_FUZZ_CHECK(error->type_name && error->type_name[0] != '\0', "an error has a name");
    ECC_FUZZ_CHECK(strpbrk(error->type_name, ":#") == NULL, "an error name has no ':' or '#'");
    ECC_FUZZ_CHECK(error->http_status >= 400 && error->http_status <= 599, "only a 4xx/5xx is an error");

    /* The independent reading needs the body as the parser saw it: reparse it. */
    json_t *body =
        response->body_len ? json_loadb((const char *)response->body, response->body_len, JSON_DECODE_ANY, NULL) : NULL;
    const char *raw = NULL;
    ECC_FUZZ_CHECK(s_expected_type(response, body, &raw) && raw, "an error type was sent");
    ECC_FUZZ_CHECK(strcmp(error->type_raw, raw) == 0, "the raw type comes from the first source that has one");
    size_t kept = strcspn(raw, ":");
    const char *start = raw;
    for (size_t i = 0; i < kept; i++) {
        if (raw[i] == '#') {
            start = raw + i + 1;
        }
    }
    size_t len = kept - (size_t)(start - raw);
    ECC_FUZZ_CHECK(
        strlen(error->type_name) == len && memcmp(error->type_name, start, len) == 0,
        "the name is the raw type sanitized by the awsJson1_1 rules");
    json_decref(body);
}

/* Rule 5 for successes: value -> the emulator's answer -> parse -> equal value. */
static void s_check_success_round_trip(const struct ecc_run_task_response *value) {
    struct ecc_http_response again;
    ecc_http_response_init(&again);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_codec_build_run_task_response(value, "rid", &again, &diag) == ECC_OK) {
        struct ecc_response_outcome outcome;
        ecc_response_outcome_init(&outcome);
        struct ecc_run_task_response reparsed;
        ecc_run_task_response_init(&reparsed);
        ECC_FUZZ_CHECK(ecc_codec_parse_run_task_response(&again, NULL, &outcome, &reparsed) == ECC_OK, "reparse");
        ECC_FUZZ_CHECK(outcome.kind == ECC_RESPONSE_SUCCESS, "the emulator's success answer parses as a success");
        ECC_FUZZ_CHECK(ecc_run_task_response_equal(value, &reparsed), "the emulator's answer parses to an equal value");
        ecc_run_task_response_clean_up(&reparsed);
        ecc_response_outcome_clean_up(&outcome);
    } else {
        /* Strings parsed from JSON are UTF-8, so the only refusal left is a body over the cap. */
        ECC_FUZZ_CHECK(false, "a parsed success can be answered again");
    }
    ecc_http_response_clean_up(&again);
}

/* Rule 5 for known errors: row + message -> the emulator's error answer -> parse -> same row and message. */
static void s_check_error_round_trip(const struct ecc_error_result *error) {
    struct ecc_error_response_options options = {
        .info = error->info,
        .http_status = error->http_status,
        .message = error->message,
        .resource_ids = error->resource_ids.has ? &error->resource_ids : NULL,
    };
    struct ecc_http_response again;
    ecc_http_response_init(&again);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    ECC_FUZZ_CHECK(ecc_codec_build_error_response(&options, &again, &diag) == ECC_OK, "a parsed error is answered");
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    ECC_FUZZ_CHECK(ecc_codec_classify_response(&again, NULL, &outcome) == ECC_OK, "reclassify");
    ECC_FUZZ_CHECK(outcome.kind == ECC_RESPONSE_ERROR && outcome.error.info == error->info, "same error row");
    ECC_FUZZ_CHECK(
        ecc_optional_string_equal(outcome.error.message, error->message) ||
            (!error->message && outcome.error.message), /* the builder fills in the row's summary */
        "same message");
    ECC_FUZZ_CHECK(ecc_string_list_equal(&outcome.error.resource_ids, &error->resource_ids), "same resourceIds");
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    s_split_input(data, size, &response);
    struct ecc_codec_response_options options = {.max_body_bytes = S_MAX_BODY_BYTES};

    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    struct ecc_run_task_response value;
    ecc_run_task_response_init(&value);
    ECC_FUZZ_CHECK(
        ecc_codec_parse_run_task_response(&response, &options, &outcome, &value) == ECC_OK,
        "every answer is classified");
    const struct ecc_error_result *error = &outcome.error;
    switch (outcome.kind) {
    case ECC_RESPONSE_SUCCESS:
        ECC_FUZZ_CHECK(response.status >= 200 && response.status <= 299, "a success has a 2xx status");
        ECC_FUZZ_CHECK(outcome.body && json_is_object(outcome.body), "a success has an object body");
        ECC_FUZZ_CHECK(
            outcome.protocol_error == ECC_PROTOCOL_NONE && !error->type_name && !error->info,
            "a success carries no error");
        s_check_success_round_trip(&value);
        break;
    case ECC_RESPONSE_ERROR:
        ECC_FUZZ_CHECK(error->info && outcome.protocol_error == ECC_PROTOCOL_NONE, "a known error has its row");
        ECC_FUZZ_CHECK(strcmp(error->info->name, error->type_name) == 0, "the row is the one of the name");
        s_check_error_name(error, &response);
        s_check_error_round_trip(error);
        break;
    case ECC_RESPONSE_UNKNOWN_ERROR:
        ECC_FUZZ_CHECK(!error->info && outcome.protocol_error == ECC_PROTOCOL_NONE, "an unknown error has no row");
        s_check_error_name(error, &response);
        ECC_FUZZ_CHECK(ecc_errors_find(error->type_name, strlen(error->type_name)) == NULL, "the table lacks it");
        break;
    case ECC_RESPONSE_PROTOCOL_ERROR:
        ECC_FUZZ_CHECK(outcome.protocol_error != ECC_PROTOCOL_NONE && outcome.diag.text[0], "a reason and a text");
        ECC_FUZZ_CHECK(
            !error->type_name && !error->type_raw && !error->info && !error->message,
            "a protocol error carries no error");
        ECC_FUZZ_CHECK(!outcome.body, "a protocol error carries no body");
        ECC_FUZZ_CHECK(!value.tasks.has && !value.failures.has, "a protocol error leaves the value empty");
        break;
    default:
        ECC_FUZZ_CHECK(false, "exactly one of the four kinds");
    }
    if (response.body_len > S_MAX_BODY_BYTES) {
        ECC_FUZZ_CHECK(outcome.kind == ECC_RESPONSE_PROTOCOL_ERROR, "a body over the cap is a protocol error");
    }
    ECC_FUZZ_CHECK(outcome.http_status == response.status, "the status is reported");

    struct ecc_response_outcome plain;
    ecc_response_outcome_init(&plain);
    ECC_FUZZ_CHECK(ecc_codec_classify_response(&response, &options, &plain) == ECC_OK, "classified");
    ECC_FUZZ_CHECK(
        plain.kind == outcome.kind || (outcome.protocol_error == ECC_PROTOCOL_SHAPE),
        "classification and typed parse agree");
    ecc_response_outcome_clean_up(&plain);

    ecc_run_task_response_clean_up(&value);
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&response);
    return 0;
}

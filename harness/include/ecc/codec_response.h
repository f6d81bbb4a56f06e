#ifndef ECC_CODEC_RESPONSE_H
#define ECC_CODEC_RESPONSE_H
/*
 * Floor 1: AWS JSON 1.1 responses, both ways.
 *
 * Parse: an HTTP response (status, headers, body) becomes exactly one outcome: success, a known error
 * (a row of the errors.h table), an unknown error type (raw name kept), or a protocol error (the answer
 * is not a well-formed awsJson1_1 answer; the diagnostic says what was wrong). The classifier works for
 * any operation; ecc_codec_parse_run_task_response adds the typed RunTask parse on top.
 *
 * Build: the emulator and the mock answer with the same codec the client parses with, so every
 * answer they send (success or error) is built here.
 */
#include "ecc/codec_request.h" /* ECC_AWS_JSON_CONTENT_TYPE, ECC_CODEC_DEFAULT_MAX_BODY_BYTES, shared shapes */
#include "ecc/common.h"
#include "ecc/errors.h"
#include "ecc/http.h"
#include "ecc/model_response.h"

#include <jansson.h>

enum ecc_response_kind {
    ECC_RESPONSE_SUCCESS = 0,
    ECC_RESPONSE_ERROR,         /* error type found in the table (declared by RunTask or common) */
    ECC_RESPONSE_UNKNOWN_ERROR, /* usable error type, not in the table: type_raw and type_name kept */
    ECC_RESPONSE_PROTOCOL_ERROR,
};

/* What was wrong with an answer that is not well-formed awsJson1_1. */
enum ecc_protocol_error {
    ECC_PROTOCOL_NONE = 0,
    ECC_PROTOCOL_BAD_STATUS,       /* not 2xx, 4xx or 5xx (a redirect, 1xx, nonsense) */
    ECC_PROTOCOL_TOO_LARGE,        /* body over max_body_bytes */
    ECC_PROTOCOL_TRUNCATED,        /* body length differs from Content-Length */
    ECC_PROTOCOL_HTML_BODY,        /* an HTML or XML page (proxy, load balancer, wrong endpoint) */
    ECC_PROTOCOL_CONTENT_TYPE,     /* a body without Content-Type application/x-amz-json-1.1 (parameters ignored) */
    ECC_PROTOCOL_NOT_JSON,         /* body is not valid JSON */
    ECC_PROTOCOL_NOT_OBJECT,       /* JSON, but not an object */
    ECC_PROTOCOL_ERROR_ON_SUCCESS, /* 2xx carrying an error type */
    ECC_PROTOCOL_NO_ERROR_TYPE,    /* 4xx/5xx with no type in header, `code` or `__type` */
    ECC_PROTOCOL_BAD_ERROR_TYPE,   /* a type that is not a string or sanitizes to nothing */
    ECC_PROTOCOL_SHAPE,            /* a member of the wrong type (typed parse); diag.path names it */
};

/* "too-large", "truncated", ... : short stable names for reports. Never NULL. */
const char *ecc_protocol_error_name(enum ecc_protocol_error error);
const char *ecc_response_kind_name(enum ecc_response_kind kind);

struct ecc_codec_response_options {
    size_t max_body_bytes; /* 0: ECC_CODEC_DEFAULT_MAX_BODY_BYTES */
    /* Accept `application/json` as well (some emulators send it); the real service does not. */
    bool allow_plain_json_content_type;
};

/*
 * The outcome of one answer. Owner: whoever called ecc_response_outcome_init, who calls clean_up.
 *  - SUCCESS: `body` is the parsed JSON object (an empty object for an empty body); owned here, so
 *    json_incref it to keep it past clean_up.
 *  - ERROR / UNKNOWN_ERROR: `error` is filled (`error.info` NULL for UNKNOWN_ERROR).
 *  - PROTOCOL_ERROR: `protocol_error` and `diag` say what was wrong.
 * `http_status` and `request_id` are set for every kind.
 */
struct ecc_response_outcome {
    enum ecc_response_kind kind;
    int http_status;
    char *request_id;
    json_t *body;
    struct ecc_error_result error;
    enum ecc_protocol_error protocol_error;
    struct ecc_diag diag;
};

void ecc_response_outcome_init(struct ecc_response_outcome *outcome);
void ecc_response_outcome_clean_up(struct ecc_response_outcome *outcome);

/*
 * Classifies an answer of any awsJson1_1 operation. `options` may be NULL. `outcome` must be
 * initialized and empty. Returns ECC_OK whenever the answer was classified (a protocol error is an
 * outcome, not a failure); ECC_ERR_NOMEM only when memory ran out.
 */
enum ecc_status ecc_codec_classify_response(
    const struct ecc_http_response *response,
    const struct ecc_codec_response_options *options,
    struct ecc_response_outcome *outcome) ECC_WARN_UNUSED_RESULT;

/*
 * Classifies, and on success parses the body into `value` (initialized and empty). Unknown members
 * are ignored, null members are absent, timestamps may be epoch numbers or ISO-8601 strings. A member
 * of the wrong type turns the outcome into ECC_PROTOCOL_SHAPE with the member path in diag.path, and
 * `value` is left empty. Return value as for ecc_codec_classify_response.
 */
enum ecc_status ecc_codec_parse_run_task_response(
    const struct ecc_http_response *response,
    const struct ecc_codec_response_options *options,
    struct ecc_response_outcome *outcome,
    struct ecc_run_task_response *value) ECC_WARN_UNUSED_RESULT;

/*
 * The typed read alone, from an already parsed body (a RunTaskResponse JSON object). `value` must be
 * initialized and empty; on ECC_ERR_INVALID it is left empty and diag names the member path.
 */
enum ecc_status ecc_codec_read_run_task_response(
    const json_t *body, struct ecc_run_task_response *value, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * Model -> JSON text, appended to `out` (its cap applies: ECC_ERR_LIMIT). Absent members are not
 * written; timestamps are epoch seconds as JSON numbers with the shortest exact fraction. Written as
 * text like the request codec (codec_request.h), whose TaskOverride / Tag / KeyValuePair writers these
 * reuse. ECC_ERR_INVALID (member path in diag) when a string is not UTF-8. On failure `out` is left
 * as it was.
 */
enum ecc_status ecc_codec_write_run_task_response(
    struct ecc_buf *out, const struct ecc_run_task_response *value, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
enum ecc_status
ecc_codec_write_task(struct ecc_buf *out, const struct ecc_task *task, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* The JSON array of a failure list (`[]` when absent). */
enum ecc_status ecc_codec_write_failures(
    struct ecc_buf *out, const struct ecc_failure_list *failures, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * Fills an initialized, empty `response` with a JSON answer: `status`, Content-Type
 * application/x-amz-json-1.1, X-Amzn-Requestid when `request_id` is not NULL, and the `body_len` bytes
 * of `body` (copied; NULL/0 sends `{}`). Content-Length is left to the server glue, which frames the
 * body. The emulator uses it for every successful answer of every operation.
 */
enum ecc_status ecc_codec_build_json_response(
    int status, const void *body, size_t body_len, const char *request_id, struct ecc_http_response *response)
    ECC_WARN_UNUSED_RESULT;

/* A RunTask success answer (HTTP 200). */
enum ecc_status ecc_codec_build_run_task_response(
    const struct ecc_run_task_response *value,
    const char *request_id,
    struct ecc_http_response *response,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* One error answer. Everything borrowed. */
struct ecc_error_response_options {
    const struct ecc_error_info *info; /* the table row; may be NULL when type_name is set */
    const char *type_name;             /* sent in __type instead of info->name (an unknown or namespaced type) */
    int http_status;                   /* 0: info->http_status, or 400 without info */
    const char *message;               /* NULL: info->summary, or no message when info is NULL too */
    const struct ecc_string_list *resource_ids; /* written when `has` is set (ConflictException) */
    const char *request_id;                     /* X-Amzn-Requestid; NULL: not sent */
};

/* Fills an initialized, empty `response` with `{"__type": ..., "message": ..., "resourceIds": [...]}`
 * and the headers of ecc_codec_build_json_response. ECC_ERR_INVALID when neither info nor type_name
 * is given, or a string is not UTF-8. */
enum ecc_status ecc_codec_build_error_response(
    const struct ecc_error_response_options *options,
    struct ecc_http_response *response,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

#endif

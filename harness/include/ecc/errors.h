#ifndef ECC_ERRORS_H
#define ECC_ERRORS_H
/*
 * Floor 1: the errors an ECS RunTask endpoint answers with, and the awsJson1_1 rules that find an
 * error's type in a response. This is the one place error-type resolution lives: the response codec,
 * the mock's checks and the tests all call ecc_errors_resolve_type.
 *
 * The table holds the 10 exceptions RunTask declares in the ECS model and the common AWS JSON errors
 * a real endpoint returns before the operation runs (authentication, signing, throttling,
 * serialization). Entries are static: nothing here allocates and every pointer returned lives for the
 * life of the program.
 */
#include "ecc/common.h"
#include "ecc/http.h"

#include <jansson.h>

enum ecc_error_fault {
    ECC_FAULT_CLIENT = 0, /* the caller must change the request (Smithy @error("client")) */
    ECC_FAULT_SERVER = 1, /* the service failed (Smithy @error("server"), botocore "fault": true) */
};

/* Stable identifiers for the table rows, so the emulator and the mock name an error without a typo. */
enum ecc_error_id {
    /* Declared by RunTask in the ECS model (model order). */
    ECC_ERROR_CONFLICT,
    ECC_ERROR_ACCESS_DENIED,
    ECC_ERROR_PLATFORM_UNKNOWN,
    ECC_ERROR_SERVER,
    ECC_ERROR_INVALID_PARAMETER,
    ECC_ERROR_BLOCKED,
    ECC_ERROR_CLIENT,
    ECC_ERROR_CLUSTER_NOT_FOUND,
    ECC_ERROR_PLATFORM_TASK_DEFINITION_INCOMPATIBILITY,
    ECC_ERROR_UNSUPPORTED_FEATURE,
    /* Common AWS JSON errors. */
    ECC_ERROR_UNRECOGNIZED_CLIENT,
    ECC_ERROR_INVALID_SIGNATURE,
    ECC_ERROR_INCOMPLETE_SIGNATURE,
    ECC_ERROR_MISSING_AUTHENTICATION_TOKEN,
    ECC_ERROR_EXPIRED_TOKEN,
    ECC_ERROR_INVALID_CLIENT_TOKEN_ID,
    ECC_ERROR_SIGNATURE_DOES_NOT_MATCH,
    ECC_ERROR_REQUEST_EXPIRED,
    ECC_ERROR_THROTTLING,
    ECC_ERROR_SERIALIZATION,
    ECC_ERROR_UNKNOWN_OPERATION,
    ECC_ERROR_VALIDATION,
    ECC_ERROR_INTERNAL_FAILURE,
    ECC_ERROR_SERVICE_UNAVAILABLE,
    ECC_ERROR_REQUEST_ENTITY_TOO_LARGE,
    ECC_ERROR_COUNT
};

struct ecc_error_info {
    enum ecc_error_id id;
    const char *name; /* the sanitized type name on the wire: "ClusterNotFoundException" */
    int http_status;
    enum ecc_error_fault fault;
    bool declared;         /* in RunTask's `errors` list in the ECS model; false for common errors */
    bool retryable;        /* a retry of the same request may succeed (transient or throttling) */
    bool throttling;       /* botocore's throttled-error list: back off before retrying */
    bool has_resource_ids; /* the body carries `resourceIds` (ConflictException) */
    /* a refusal of the credentials, the signature or the caller's rights (the preflight's "the endpoint
     * does not accept these credentials") */
    bool authorization;
    const char *summary; /* one line, for reports and for the emulator's default message */
};

/* Row of an id. Never NULL for an id below ECC_ERROR_COUNT; NULL otherwise. */
const struct ecc_error_info *ecc_errors_get(enum ecc_error_id id);
/* Row of a sanitized type name (exact, case-sensitive, `len` bytes, no NUL needed); NULL when unknown. */
const struct ecc_error_info *ecc_errors_find(const char *name, size_t len);
/* The whole table, ECC_ERROR_COUNT rows in id order. */
const struct ecc_error_info *ecc_errors_table(size_t *count);

/*
 * awsJson1_1 sanitizing of a raw error type. (a) If a `:` is present, keep what precedes the first
 * `:` (drops a URI suffix such as ":http://internal.amazon.com/coral/..."). (b) Then, if a `#` is
 * present, keep what follows the LAST `#` (drops a namespace such as "aws.protocoltests.json#").
 *
 * Why the last `#`: Smithy's test text says "take the last part of the string after '#'" and botocore
 * does `rsplit('#', 1)`; a namespace never contains `#`, so for well-formed names the first and last
 * `#` agree, and for "a#b#C" only the last-`#` reading yields a shape name.
 *
 * Returns a pointer into `raw` and sets *len; no copy, no allocation. The result can be empty ("",
 * "#", "ns#", ":x"), which callers treat as "no usable type".
 */
const char *ecc_errors_sanitize(const char *raw, size_t raw_len, size_t *len);

/* Where an error type was found. */
enum ecc_error_type_source {
    ECC_ERROR_TYPE_NONE = 0,
    ECC_ERROR_TYPE_HEADER,    /* X-Amzn-Errortype */
    ECC_ERROR_TYPE_BODY_CODE, /* top-level body member `code` */
    ECC_ERROR_TYPE_BODY_TYPE, /* top-level body member `__type` */
};

/* "X-Amzn-Errortype header", "body member code", "body member __type", "none". */
const char *ecc_errors_source_name(enum ecc_error_type_source source);

/* A resolved type. Borrowed: `raw` and `name` point into the headers or the JSON body given. */
struct ecc_error_type {
    enum ecc_error_type_source source;
    const char *raw; /* as sent (NUL-terminated) */
    size_t raw_len;
    const char *name; /* sanitized: `name_len` bytes inside `raw`, not NUL-terminated */
    size_t name_len;
};

/*
 * Finds the error type of a response: the `X-Amzn-Errortype` header first, then the top-level body
 * member `code`, then the top-level body member `__type` (Smithy: "must first check for the
 * X-Amzn-Errortype and then check for a top-level 'code' property"). A `__type` nested in other
 * members is never looked at. A source counts when it is present and not empty; the first one found
 * wins, even if a later one disagrees. `body` may be NULL (no body, or not a JSON object).
 *
 * Returns ECC_OK with out->source == ECC_ERROR_TYPE_NONE when no source is present.
 * ECC_ERR_INVALID (with `diag`) when the winning source is not a string (`"code": 5`) or sanitizes to
 * an empty name ("#", ":x"): the peer sent an error type, but no usable one.
 */
enum ecc_status ecc_errors_resolve_type(
    const struct ecc_http_headers *headers, const json_t *body, struct ecc_error_type *out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/* The error message of an awsJson1_1 error body: `message`, else `Message` (both are seen; ECS models
 * `message`). Borrowed from `body`; NULL when neither is a string. */
const char *ecc_errors_find_message(const json_t *body);

#endif

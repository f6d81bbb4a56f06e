/*
 * The error table and error-type resolution (errors.h): RunTask's declared exceptions and the common
 * AWS JSON errors with status, fault and retry class; look-up by id or name; the one implementation of
 * the awsJson1_1 type rules (X-Amzn-Errortype, then code, then __type; sanitized) and of the
 * message/Message member.
 */
#include "ecc/errors.h"

#include "ecc/json.h"

#include <string.h>

/*
 * Sources for the statuses. Declared errors: the ECS API reference gives HTTP 400 for every RunTask
 * exception except ServerException (500); the model itself has no status codes. Common errors: the
 * AWS "Common Errors" pages (IncompleteSignature 400, InternalFailure 500, InvalidClientTokenId 403,
 * MissingAuthenticationToken 403, RequestExpired 400, ServiceUnavailable 503, ThrottlingException 400),
 * and the JSON-protocol names services answer with (UnrecognizedClientException 400 as seen from ECS
 * by ecs-cli users, InvalidSignatureException / SerializationException / UnknownOperationException /
 * ValidationException 400). Throttling and retryable flags follow botocore 1.43's retry handlers
 * (`retries/standard.py`: throttled codes; transient statuses 500, 502, 503, 504).
 */
static const struct ecc_error_info s_table[ECC_ERROR_COUNT] = {
    {ECC_ERROR_CONFLICT,
     "ConflictException",
     400,
     ECC_FAULT_CLIENT,
     true,
     false,
     false,
     true,
     "The clientToken is already in use with a different RunTask request."},
    {ECC_ERROR_ACCESS_DENIED,
     "AccessDeniedException",
     400,
     ECC_FAULT_CLIENT,
     true,
     false,
     false,
     false,
     "You don't have authorization to perform the requested action."},
    {ECC_ERROR_PLATFORM_UNKNOWN,
     "PlatformUnknownException",
     400,
     ECC_FAULT_CLIENT,
     true,
     false,
     false,
     false,
     "The specified platform version doesn't exist."},
    {ECC_ERROR_SERVER,
     "ServerException",
     500,
     ECC_FAULT_SERVER,
     true,
     true,
     false,
     false,
     "These errors are usually caused by a server issue."},
    {ECC_ERROR_INVALID_PARAMETER,
     "InvalidParameterException",
     400,
     ECC_FAULT_CLIENT,
     true,
     false,
     false,
     false,
     "The specified parameter isn't valid."},
    {ECC_ERROR_BLOCKED,
     "BlockedException",
     400,
     ECC_FAULT_CLIENT,
     true,
     false,
     false,
     false,
     "Your Amazon Web Services account was blocked."},
    {ECC_ERROR_CLIENT,
     "ClientException",
     400,
     ECC_FAULT_CLIENT,
     true,
     false,
     false,
     false,
     "These errors are usually caused by a client action."},
    {ECC_ERROR_CLUSTER_NOT_FOUND,
     "ClusterNotFoundException",
     400,
     ECC_FAULT_CLIENT,
     true,
     false,
     false,
     false,
     "The specified cluster wasn't found."},
    {ECC_ERROR_PLATFORM_TASK_DEFINITION_INCOMPATIBILITY,
     "PlatformTaskDefinitionIncompatibilityException",
     400,
     ECC_FAULT_CLIENT,
     true,
     false,
     false,
     false,
     "The specified platform version doesn't satisfy the required capabilities of the task definition."},
    {ECC_ERROR_UNSUPPORTED_FEATURE,
     "UnsupportedFeatureException",
     400,
     ECC_FAULT_CLIENT,
     true,
     false,
     false,
     false,
     "The specified task isn't supported in this Region."},
    {ECC_ERROR_UNRECOGNIZED_CLIENT,
     "UnrecognizedClientException",
     400,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The security token included in the request is invalid."},
    {ECC_ERROR_INVALID_SIGNATURE,
     "InvalidSignatureException",
     400,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The request signature we calculated does not match the signature you provided."},
    {ECC_ERROR_INCOMPLETE_SIGNATURE,
     "IncompleteSignature",
     400,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The request signature does not conform to AWS standards."},
    {ECC_ERROR_MISSING_AUTHENTICATION_TOKEN,
     "MissingAuthenticationTokenException",
     403,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "Missing Authentication Token."},
    {ECC_ERROR_EXPIRED_TOKEN,
     "ExpiredTokenException",
     403,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The security token included in the request is expired."},
    {ECC_ERROR_INVALID_CLIENT_TOKEN_ID,
     "InvalidClientTokenId",
     403,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The AWS access key ID provided does not exist in our records."},
    {ECC_ERROR_SIGNATURE_DOES_NOT_MATCH,
     "SignatureDoesNotMatch",
     403,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The request signature we calculated does not match the signature you provided."},
    {ECC_ERROR_REQUEST_EXPIRED,
     "RequestExpired",
     400,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The request reached the service more than 15 minutes after the date stamp on the request."},
    {ECC_ERROR_THROTTLING, "ThrottlingException", 400, ECC_FAULT_CLIENT, false, true, true, false, "Rate exceeded."},
    {ECC_ERROR_SERIALIZATION,
     "SerializationException",
     400,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The request body could not be deserialized."},
    {ECC_ERROR_UNKNOWN_OPERATION,
     "UnknownOperationException",
     400,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The X-Amz-Target header names an operation the service does not have."},
    {ECC_ERROR_VALIDATION,
     "ValidationException",
     400,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The input fails to satisfy the constraints specified by the service."},
    {ECC_ERROR_INTERNAL_FAILURE,
     "InternalFailure",
     500,
     ECC_FAULT_SERVER,
     false,
     true,
     false,
     false,
     "The request processing has failed because of an unknown error, exception or failure."},
    {ECC_ERROR_SERVICE_UNAVAILABLE,
     "ServiceUnavailable",
     503,
     ECC_FAULT_SERVER,
     false,
     true,
     false,
     false,
     "The request has failed due to a temporary failure of the server."},
    /* ECS declares no error for an oversized body; AWS front ends answer HTTP 413 and this is the name
     * AWS JSON services give it (Lambda declares it with status 413). The server glue and the emulator
     * answer it (server.h). */
    {ECC_ERROR_REQUEST_ENTITY_TOO_LARGE,
     "RequestEntityTooLargeException",
     413,
     ECC_FAULT_CLIENT,
     false,
     false,
     false,
     false,
     "The request body is larger than the endpoint accepts."},
};

const struct ecc_error_info *ecc_errors_get(enum ecc_error_id id) {
    if ((unsigned)id >= ECC_ERROR_COUNT) {
        return NULL;
    }
    return &s_table[id];
}

const struct ecc_error_info *ecc_errors_find(const char *name, size_t len) {
    if (!name) {
        return NULL;
    }
    for (size_t i = 0; i < ECC_ERROR_COUNT; i++) {
        if (strlen(s_table[i].name) == len && memcmp(s_table[i].name, name, len) == 0) {
            return &s_table[i];
        }
    }
    return NULL;
}

const struct ecc_error_info *ecc_errors_table(size_t *count) {
    if (count) {
        *count = ECC_ERROR_COUNT;
    }
    return s_table;
}

const char *ecc_errors_sanitize(const char *raw, size_t raw_len, size_t *len) {
    const char *colon = memchr(raw, ':', raw_len);
    size_t kept = colon ? (size_t)(colon - raw) : raw_len;
    const char *start = raw;
    for (size_t i = kept; i > 0; i--) {
        if (raw[i - 1] == '#') {
            start = raw + i;
            break;
        }
    }
    *len = kept - (size_t)(start - raw);
    return start;
}

const char *ecc_errors_source_name(enum ecc_error_type_source source) {
    switch (source) {
    case ECC_ERROR_TYPE_HEADER:
        return "X-Amzn-Errortype header";
    case ECC_ERROR_TYPE_BODY_CODE:
        return "body member code";
    case ECC_ERROR_TYPE_BODY_TYPE:
        return "body member __type";
    case ECC_ERROR_TYPE_NONE:
        break;
    }
    return "none";
}

/* A body member that is present and not the empty string; non-strings count as present. */
static const json_t *s_body_member(const json_t *body, const char *key) {
    const json_t *value = json_is_object(body) ? json_object_get(body, key) : NULL;
    if (!value || json_is_null(value) || (json_is_string(value) && json_string_length(value) == 0)) {
        return NULL;
    }
    return value;
}

enum ecc_status ecc_errors_resolve_type(
    const struct ecc_http_headers *headers, const json_t *body, struct ecc_error_type *out, struct ecc_diag *diag) {
    memset(out, 0, sizeof(*out));
    const char *header = headers ? ecc_http_headers_get(headers, "X-Amzn-Errortype") : NULL;
    if (header && header[0]) {
        out->source = ECC_ERROR_TYPE_HEADER;
        out->raw = header;
        out->raw_len = strlen(header);
    } else {
        static const struct {
            const char *key;
            enum ecc_error_type_source source;
        } members[] = {{"code", ECC_ERROR_TYPE_BODY_CODE}, {"__type", ECC_ERROR_TYPE_BODY_TYPE}};
        for (size_t i = 0; i < ECC_ARRAY_LEN(members) && out->source == ECC_ERROR_TYPE_NONE; i++) {
            const json_t *value = s_body_member(body, members[i].key);
            if (!value) {
                continue;
            }
            out->source = members[i].source;
            if (!json_is_string(value)) {
                ecc_diag_set_path(diag, members[i].key);
                ecc_diag_set(
                    diag,
                    "error type in %s is %s, not a string",
                    ecc_errors_source_name(out->source),
                    ecc_json_type_name(value));
                return ECC_ERR_INVALID;
            }
            out->raw = json_string_value(value);
            out->raw_len = json_string_length(value);
        }
    }
    if (out->source == ECC_ERROR_TYPE_NONE) {
        return ECC_OK;
    }
    out->name = ecc_errors_sanitize(out->raw, out->raw_len, &out->name_len);
    if (out->name_len == 0) {
        ecc_diag_set(
            diag,
            "error type \"%.200s\" in %s has no name after sanitizing (':' suffix and '#' namespace removed)",
            out->raw,
            ecc_errors_source_name(out->source));
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

const char *ecc_errors_find_message(const json_t *body) {
    const json_t *message = json_is_object(body) ? json_object_get(body, "message") : NULL;
    if (!json_is_string(message)) {
        message = json_is_object(body) ? json_object_get(body, "Message") : NULL;
    }
    return json_is_string(message) ? json_string_value(message) : NULL;
}

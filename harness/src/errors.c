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
 * (`retries/standard.py`: throttled codes; transient statuses 500, 502, 503, 504). Authorization: the
 * refusals of the credentials, the signature, the token's age or the caller's rights (AccessDenied),
 * which no change of the request's content would turn into an answer.
 */
/* The flags of a row, so each row reads as one line of the table. */
#define S_DECLARED      (1u << 0)
#define S_RETRYABLE     (1u << 1)
#define S_THROTTLING    (1u << 2)
#define S_RESOURCE_IDS  (1u << 3)
#define S_AUTHORIZATION (1u << 4)
#define S_ROW(id_, name_, status_, fault_, flags_, summary_)                                                           \
    {                                                                                                                  \
        .id = (id_), .name = (name_), .http_status = (status_), .fault = ECC_FAULT_##fault_,                           \
        .declared = ((flags_)&S_DECLARED) != 0, .retryable = ((flags_)&S_RETRYABLE) != 0,                              \
        .throttling = ((flags_)&S_THROTTLING) != 0, .has_resource_ids = ((flags_)&S_RESOURCE_IDS) != 0,                \
        .authorization = ((flags_)&S_AUTHORIZATION) != 0, .summary = (summary_)                                        \
    }

/* A row a line, its summary below (clang-format would spread each row over nine lines). */
// clang-format off
static const struct ecc_error_info s_table[ECC_ERROR_COUNT] = {
    S_ROW(ECC_ERROR_CONFLICT, "ConflictException", 400, CLIENT, S_DECLARED | S_RESOURCE_IDS,
          "The clientToken is already in use with a different RunTask request."),
    S_ROW(ECC_ERROR_ACCESS_DENIED, "AccessDeniedException", 400, CLIENT, S_DECLARED | S_AUTHORIZATION,
          "You don't have authorization to perform the requested action."),
    S_ROW(ECC_ERROR_PLATFORM_UNKNOWN, "PlatformUnknownException", 400, CLIENT, S_DECLARED,
          "The specified platform version doesn't exist."),
    S_ROW(ECC_ERROR_SERVER, "ServerException", 500, SERVER, S_DECLARED | S_RETRYABLE,
          "These errors are usually caused by a server issue."),
    S_ROW(ECC_ERROR_INVALID_PARAMETER, "InvalidParameterException", 400, CLIENT, S_DECLARED,
          "The specified parameter isn't valid."),
    S_ROW(ECC_ERROR_BLOCKED, "BlockedException", 400, CLIENT, S_DECLARED,
          "Your Amazon Web Services account was blocked."),
    S_ROW(ECC_ERROR_CLIENT, "ClientException", 400, CLIENT, S_DECLARED,
          "These errors are usually caused by a client action."),
    S_ROW(ECC_ERROR_CLUSTER_NOT_FOUND, "ClusterNotFoundException", 400, CLIENT, S_DECLARED,
          "The specified cluster wasn't found."),
    S_ROW(ECC_ERROR_PLATFORM_TASK_DEFINITION_INCOMPATIBILITY,
          "PlatformTaskDefinitionIncompatibilityException", 400, CLIENT, S_DECLARED,
          "The specified platform version doesn't satisfy the required capabilities of the task definition."),
    S_ROW(ECC_ERROR_UNSUPPORTED_FEATURE, "UnsupportedFeatureException", 400, CLIENT, S_DECLARED,
          "The specified task isn't supported in this Region."),
    S_ROW(ECC_ERROR_UNRECOGNIZED_CLIENT, "UnrecognizedClientException", 400, CLIENT, S_AUTHORIZATION,
          "The security token included in the request is invalid."),
    S_ROW(ECC_ERROR_INVALID_SIGNATURE, "InvalidSignatureException", 400, CLIENT, S_AUTHORIZATION,
          "The request signature we calculated does not match the signature you provided."),
    S_ROW(ECC_ERROR_INCOMPLETE_SIGNATURE, "IncompleteSignature", 400, CLIENT, S_AUTHORIZATION,
          "The request signature does not conform to AWS standards."),
    S_ROW(ECC_ERROR_MISSING_AUTHENTICATION_TOKEN, "MissingAuthenticationTokenException", 403, CLIENT,
          S_AUTHORIZATION,
          "Missing Authentication Token."),
    S_ROW(ECC_ERROR_EXPIRED_TOKEN, "ExpiredTokenException", 403, CLIENT, S_AUTHORIZATION,
          "The security token included in the request is expired."),
    S_ROW(ECC_ERROR_INVALID_CLIENT_TOKEN_ID, "InvalidClientTokenId", 403, CLIENT, S_AUTHORIZATION,
          "The AWS access key ID provided does not exist in our records."),
    S_ROW(ECC_ERROR_SIGNATURE_DOES_NOT_MATCH, "SignatureDoesNotMatch", 403, CLIENT, S_AUTHORIZATION,
          "The request signature we calculated does not match the signature you provided."),
    S_ROW(ECC_ERROR_REQUEST_EXPIRED, "RequestExpired", 400, CLIENT, S_AUTHORIZATION,
          "The request reached the service more than 15 minutes after the date stamp on the request."),
    S_ROW(ECC_ERROR_THROTTLING, "ThrottlingException", 400, CLIENT, S_RETRYABLE | S_THROTTLING,
          "Rate exceeded."),
    S_ROW(ECC_ERROR_SERIALIZATION, "SerializationException", 400, CLIENT, 0,
          "The request body could not be deserialized."),
    S_ROW(ECC_ERROR_UNKNOWN_OPERATION, "UnknownOperationException", 400, CLIENT, 0,
          "The X-Amz-Target header names an operation the service does not have."),
    S_ROW(ECC_ERROR_VALIDATION, "ValidationException", 400, CLIENT, 0,
          "The input fails to satisfy the constraints specified by the service."),
    S_ROW(ECC_ERROR_INTERNAL_FAILURE, "InternalFailure", 500, SERVER, S_RETRYABLE,
          "The request processing has failed because of an unknown error, exception or failure."),
    S_ROW(ECC_ERROR_SERVICE_UNAVAILABLE, "ServiceUnavailable", 503, SERVER, S_RETRYABLE,
          "The request has failed due to a temporary failure of the server."),
    /* ECS declares no error for an oversized body; AWS front ends answer HTTP 413 and this is the name
     * AWS JSON services give it (Lambda declares it with status 413). The server glue and the emulator
     * answer it (server.h). */
    S_ROW(ECC_ERROR_REQUEST_ENTITY_TOO_LARGE, "RequestEntityTooLargeException", 413, CLIENT, 0,
          "The request body is larger than the endpoint accepts."),
};
// clang-format on

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

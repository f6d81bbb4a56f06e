#ifndef ECC_CODEC_REQUEST_H
#define ECC_CODEC_REQUEST_H
/*
 * Floor 1: the RunTask request on the wire (AWS JSON 1.1).
 *
 *  - model -> JSON body: model member names, absent members not written, `{}` when nothing is set.
 *    Values are written as they are, valid or not (validate.h is a separate call), so the suite can
 *    send invalid requests on purpose. The only thing that cannot be written is a string that is not
 *    UTF-8, because JSON cannot carry it.
 *  - JSON body -> model: type errors name the member path (`overrides.containerOverrides[2].cpu`);
 *    unknown members are ignored, or listed in strict mode; `null` members count as absent.
 *  - The AWS JSON 1.1 envelope for any operation: `POST /`, Content-Type, X-Amz-Target, Content-Length.
 *
 * The shapes the response side shares (TaskOverride, Tag, KeyValuePair) have their own read and write
 * functions here so model_response / codec_response reuse them.
 */
#include "ecc/common.h"
#include "ecc/http.h"
#include "ecc/json.h"
#include "ecc/model.h"

/* `X-Amz-Target: <prefix>.<Operation>` for ECS. */
#define ECC_AWS_JSON_TARGET_PREFIX "AmazonEC2ContainerServiceV20141113"

/* An X-Amz-Target value read: `<prefix>.<Operation>`. */
struct ecc_aws_json_target {
    const char *operation; /* after the last '.', a pointer into the value ("" when nothing follows it) */
    bool ecs_prefix;       /* what comes before that dot is exactly ECC_AWS_JSON_TARGET_PREFIX */
};

/*
 * The one reader of X-Amz-Target. False (and `out` zeroed) for a NULL value or one without a '.'.
 * An endpoint that follows the protocol serves `operation` only under `ecs_prefix` (AWS answers any
 * other prefix, another service's or another version's, with UnknownOperationException): the emulator
 * and the fixture check ask for both. An endpoint may ignore the prefix (moto starts a task for
 * "DynamoDB_20120810.RunTask"), so the case loader counts a step as reaching `operation` whatever its
 * prefix: that step's tasks are cleaned up and --allow-tasks guards it.
 */
bool ecc_codec_read_target(const char *target, struct ecc_aws_json_target *out);
#define ECC_AWS_JSON_CONTENT_TYPE "application/x-amz-json-1.1"
/* Default cap on a request body, both directions. RunTask bodies are a few KB (overrides alone are
 * capped at 8192 characters); 1 MiB leaves room for invalid requests sent on purpose. */
#define ECC_CODEC_DEFAULT_MAX_BODY_BYTES ((size_t)1024 * 1024)

/*
 * Appends the JSON body of `request` to `out` (out's own cap applies: ECC_ERR_LIMIT). ECC_ERR_INVALID,
 * with the member path in `diag`, when a string is not valid UTF-8. On failure `out` is left as it was.
 */
enum ecc_status ecc_codec_write_run_task_request(
    struct ecc_buf *out, const struct ecc_run_task_request *request, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * What ecc_codec_write_run_task_request would refuse in the request itself, found without writing:
 * ECC_ERR_INVALID with the member path of the first string (in body order) that is not UTF-8, the
 * same path and text the writer gives; else ECC_OK. No cap applies. Validation uses it (string.utf8).
 */
enum ecc_status ecc_codec_check_run_task_request(const struct ecc_run_task_request *request, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

struct ecc_codec_request_options {
    size_t max_body_bytes; /* 0: ECC_CODEC_DEFAULT_MAX_BODY_BYTES */
};

/*
 * Builds the complete RunTask HTTP request into `out` (initialized by the caller, who cleans it up;
 * whatever it held is replaced): `POST /`, Content-Type, X-Amz-Target, Content-Length and the body.
 * Host (and the signature) are the caller's to add. `options` may be NULL.
 */
enum ecc_status ecc_codec_serialize_run_task_request(
    const struct ecc_run_task_request *request,
    const struct ecc_codec_request_options *options,
    struct ecc_http_request *out,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * The AWS JSON 1.1 envelope for any ECS operation ("RunTask", "CreateCluster", ...) around a body the
 * caller already has, sent as is (not checked: invalid bodies are sent on purpose too). A NULL body sends
 * `{}`, as the protocol wants for no input; a non-NULL body of 0 bytes is sent empty. Same ownership as
 * above. `operation` must be 1-128 letters and digits (it goes into a header).
 */
enum ecc_status ecc_codec_build_aws_json_request(
    const char *operation, const void *body, size_t body_len, struct ecc_http_request *out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/* Strict mode lists at most this many unknown member paths (it still counts them all). */
#define ECC_CODEC_MAX_UNKNOWN_MEMBERS 256

struct ecc_codec_parse_options {
    size_t max_body_bytes; /* 0: ECC_CODEC_DEFAULT_MAX_BODY_BYTES; larger bodies: ECC_ERR_LIMIT */
    /*
     * Strict mode (the mock's check that a client sent only model member names): every member that is
     * not in the model, at any depth, is added to `unknown_members` (when given) as a member path,
     * duplicate keys in one object are rejected, and if any unknown member was found the call returns
     * ECC_ERR_INVALID (diag names the first and gives the count) with the request still filled in.
     */
    bool strict;
};

/*
 * Parses a RunTask body into `out` (initialized by the caller; on failure it holds what was read so
 * far and the caller still cleans it up). An empty body counts as `{}` (servers must accept it).
 * Invalid JSON: ECC_ERR_INVALID with line and column. Not an object, or a member of the wrong type:
 * ECC_ERR_INVALID with the member path. `unknown_members` may be NULL; the caller owns and cleans up
 * what is added to it. `options` may be NULL.
 */
enum ecc_status ecc_codec_parse_run_task_request(
    const void *body,
    size_t body_len,
    const struct ecc_codec_parse_options *options,
    struct ecc_run_task_request *out,
    struct ecc_string_list *unknown_members,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* Same, from a JSON value already parsed (case files hold requests as JSON). `path` is where `value`
 * sits, for messages; `unknown_members` non-NULL turns on strict mode's listing (no duplicate check,
 * jansson already merged the keys). Returns ECC_ERR_INVALID on unknown members only in that case. */
enum ecc_status ecc_codec_read_run_task_request(
    const json_t *value,
    struct ecc_json_path *path,
    struct ecc_run_task_request *out,
    struct ecc_string_list *unknown_members,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * Shapes shared with the response side. `read` takes the value itself (an object, or an array for the
 * lists) found at `path`, fills an initialized `out` (the caller cleans it up, also on failure) and
 * ignores unknown members. `json_write` writes the value into the caller's writer, whose path names the
 * member it is at (a failure is latched there); a list is written as an array even when absent: whether
 * to write the member is the caller's choice. ecc_codec_write_task_override is the same into a buffer
 * (left as it was on failure).
 */
enum ecc_status ecc_codec_read_task_override(
    const json_t *value, struct ecc_json_path *path, struct ecc_task_override *out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_codec_write_task_override(
    struct ecc_buf *out, const struct ecc_task_override *value, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
void ecc_codec_json_write_task_override(struct ecc_json_writer *w, const struct ecc_task_override *value);
/* The `ephemeralStorage` member (when `has`), for the task override and the task definition alike. */
void ecc_codec_json_write_ephemeral_storage(
    struct ecc_json_writer *w, bool *first, bool has, const struct ecc_ephemeral_storage *value);
enum ecc_status
ecc_codec_read_tags(const json_t *value, struct ecc_json_path *path, struct ecc_tag_list *out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
void ecc_codec_json_write_tags(struct ecc_json_writer *w, const struct ecc_tag_list *value);
enum ecc_status ecc_codec_read_key_value_pairs(
    const json_t *value, struct ecc_json_path *path, struct ecc_key_value_pair_list *out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
void ecc_codec_json_write_key_value_pairs(struct ecc_json_writer *w, const struct ecc_key_value_pair_list *value);

#endif

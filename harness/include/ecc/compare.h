#ifndef ECC_COMPARE_H
#define ECC_COMPARE_H
/*
 * Floor 4: comparing a recorded answer with a fresh one BY MEANING (the comparison of `ecsconf replay`,
 * replay.h). Two answers of
 * one AWS JSON 1.1 operation mean the same when:
 *  - the HTTP status is the same;
 *  - the error type is the same, as errors.h resolves it (X-Amzn-Errortype, then `code`, then
 *    `__type`, sanitized): an error's message is free text, and its `__type` and `code` members were
 *    read by that rule, so those four top-level members are compared by JSON type only;
 *  - the body has the same set of members, recursively (JSON null counts as absent, as awsJson1_1 has
 *    it), each of the same JSON type (integers and reals are both numbers), and arrays have the same
 *    length;
 *  - every value is equal (numbers by value), except volatile ones:
 *      ARNs: same partition, service and resource type; the account is any 12 digits, the region any;
 *        each resource segment is either equal (after the name map) or an id, related as below;
 *      ids (a UUID, or 16+ hexadecimal digits, or an ARN's id segment): same shape (a UUID for a UUID,
 *        a hex id of the same length for a hex id), and RELATED: the first time a recorded id is met
 *        it is bound to the answered one, and wherever it appears again (later answers included) the
 *        same answered id must be there;
 *      timestamps (members whose name ends in `At`, and `Date` headers): by JSON type only;
 *      request ids (`requestId` members) are ignored.
 * Headers other than the error type are not compared; a body that is not JSON is compared as text.
 *
 * The same context maps names the replay gave its own resources (a run prefix, say) and the related
 * ids onto later requests: ecc_compare_context_apply rewrites a recorded request body so it names the
 * answered resources.
 *
 * Every difference is named (kind, JSON pointer, message, recorded and answered value); the list is
 * capped at ECC_COMPARE_MAX_DIFFS, with the number not listed counted.
 */
#include "ecc/common.h"
#include "ecc/http.h"
#include "ecc/match.h"

#include <jansson.h>

#define ECC_COMPARE_MAX_DIFFS 50

enum ecc_compare_kind {
    ECC_DIFF_STATUS,     /* the HTTP status differs */
    ECC_DIFF_ERROR_TYPE, /* the error type differs, or only one side has one */
    ECC_DIFF_BODY_KIND,  /* JSON on one side, other text (or nothing) on the other */
    ECC_DIFF_MISSING,    /* a recorded member is absent from the answer */
    ECC_DIFF_EXTRA,      /* the answer has a member the recording has not */
    ECC_DIFF_TYPE,       /* the member's JSON type changed */
    ECC_DIFF_LENGTH,     /* an array's length changed */
    ECC_DIFF_VALUE,      /* a value that is not volatile changed */
    ECC_DIFF_SHAPE,      /* a volatile value (ARN, id) does not have the recorded shape */
    ECC_DIFF_RELATION,   /* an id is not the one answered earlier for the same recorded id */
};

/* "status", "error-type", "body-kind", "missing", "extra", "type", "length", "value", "shape",
 * "relation". Never NULL. */
const char *ecc_compare_kind_name(enum ecc_compare_kind kind);

/* One difference. `recorded` and `answered` are references (NULL when absent). */
struct ecc_compare_diff {
    enum ecc_compare_kind kind;
    char pointer[256]; /* JSON pointer into the body ("" for status and error type) */
    char message[512];
    json_t *recorded;
    json_t *answered;
};

/* Differences of one answer. Owner: the caller (init / clean_up). */
struct ecc_compare_result {
    struct ecc_compare_diff *diffs;
    size_t count;
    size_t capacity;
    size_t not_listed; /* found past ECC_COMPARE_MAX_DIFFS */
};

void ecc_compare_result_init(struct ecc_compare_result *result);
void ecc_compare_result_clean_up(struct ecc_compare_result *result);

/* The names and ids bound during one replay. Owner: the caller (init / clean_up). */
struct ecc_compare_context {
    json_t *names; /* recorded name -> the name used in this replay (substring rule, below) */
    json_t *ids;   /* recorded id -> answered id (whole strings) */
};

enum ecc_status ecc_compare_context_init(struct ecc_compare_context *context) ECC_WARN_UNUSED_RESULT;
void ecc_compare_context_clean_up(struct ecc_compare_context *context);
/* Binds a recorded resource name to the replay's own. Names are replaced wherever they stand between
 * characters that are neither letters nor digits. */
enum ecc_status ecc_compare_context_add_name(
    struct ecc_compare_context *context, const char *recorded, const char *used) ECC_WARN_UNUSED_RESULT;
/* Binds a recorded id (a whole string: a clientToken, say) to the one this replay uses instead. */
enum ecc_status ecc_compare_context_add_id(struct ecc_compare_context *context, const char *recorded, const char *used)
    ECC_WARN_UNUSED_RESULT;
/*
 * Returns a deep copy of `body` (a recorded request body, any JSON) in which every string equal to a
 * bound id becomes the answered id, and every bound name the replay's name. New reference; NULL when
 * out of memory.
 */
json_t *ecc_compare_context_apply(const struct ecc_compare_context *context, const json_t *body);

/* One side of an exchange. `body` is the parsed JSON body or NULL; `text` the raw body when it is not
 * JSON (NULL or "" for none). Borrowed. */
struct ecc_compare_answer {
    int status;
    const struct ecc_http_headers *headers;
    const json_t *body;
    const char *text;
};

/*
 * Compares by meaning (above), binding new ids in `context` as they are met. Appends to `result`.
 * ECC_ERR_NOMEM only when memory ran out.
 */
enum ecc_status ecc_compare_answers(
    struct ecc_compare_context *context,
    const struct ecc_compare_answer *recorded,
    const struct ecc_compare_answer *answered,
    struct ecc_compare_result *result) ECC_WARN_UNUSED_RESULT;

/* The expected-vs-actual block of each difference, as `ecsconf run` prints its failures (report.h),
 * appended to `out`; then "... and N more differences". */
enum ecc_status ecc_compare_format(const struct ecc_compare_result *result, const char *label, struct ecc_buf *out)
    ECC_WARN_UNUSED_RESULT;

#endif

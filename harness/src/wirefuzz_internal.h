#ifndef ECC_WIREFUZZ_INTERNAL_H
#define ECC_WIREFUZZ_INTERNAL_H
/*
 * Private to harness/src/wirefuzz*.c: the types and functions the parts of the wire fuzzer
 * (wirefuzz.h) share. The module is split along its own seams:
 *
 *  - wirefuzz.c:          the rule table, the lanes (stateful sequences through one curl multi) and
 *                         ecc_wirefuzz_run;
 *  - wirefuzz_request.c:  the mutation table and the making of one request: body, envelope and
 *                         signature mutations, and what its answer may be;
 *  - wirefuzz_oracle.c:   an answer judged against the rules;
 *  - wirefuzz_findings.c: finding classes, minimization, reproducers, the run report;
 *  - wirefuzz_attack.c:   the connection-level attacks on raw sockets.
 */
#include "ecc/wirefuzz.h"

#include "ecc/codec_request.h"
#include "ecc/codec_response.h"
#include "ecc/sigv4.h"
#include "ecc/transport.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum wirefuzz_rule {
    WIREFUZZ_RULE_TRANSPORT,
    WIREFUZZ_RULE_5XX,
    WIREFUZZ_RULE_EMPTY_BODY,
    WIREFUZZ_RULE_AWS_JSON,
    WIREFUZZ_RULE_ERROR_TYPE,
    WIREFUZZ_RULE_ERROR_STATUS,
    WIREFUZZ_RULE_REJECT_SIGNATURE,
    WIREFUZZ_RULE_REJECT_PROTOCOL,
    WIREFUZZ_RULE_REJECT_SERIALIZATION,
    WIREFUZZ_RULE_REJECT_VALIDATION,
    WIREFUZZ_RULE_RESPONSE_PARSE,
    WIREFUZZ_RULE_RESPONSE_MATCH,
    WIREFUZZ_RULE_HEALTH,
    WIREFUZZ_RULE_ATTACK_AVAILABILITY,
    WIREFUZZ_RULE_ATTACK_RECOVERY,
    WIREFUZZ_RULE_ATTACK_ANSWER,
    WIREFUZZ_RULE_COUNT,
};

enum wirefuzz_kind {
    WIREFUZZ_KIND_STEP,      /* a sequence step (setup, cleanup, health): no mutation */
    WIREFUZZ_KIND_BODY,      /* the body is made or changed; envelope and signature are valid */
    WIREFUZZ_KIND_PROTOCOL,  /* the envelope is changed, then signed validly */
    WIREFUZZ_KIND_SIGNATURE, /* signed, then one part broken (or signed over something else) */
};

enum wirefuzz_mut {
    WIREFUZZ_MUT_NONE,
    WIREFUZZ_MUT_VALID,
    WIREFUZZ_MUT_MODEL,
    WIREFUZZ_MUT_FIXTURE,
    WIREFUZZ_MUT_LIMIT_PAST,
    WIREFUZZ_MUT_JSON_WRONG_TYPE,
    WIREFUZZ_MUT_JSON_UNKNOWN_MEMBER,
    WIREFUZZ_MUT_JSON_DEEP_NESTING,
    WIREFUZZ_MUT_JSON_ODD_UNICODE,
    WIREFUZZ_MUT_BODY_BYTES,
    WIREFUZZ_MUT_BODY_NOT_OBJECT,
    WIREFUZZ_MUT_TARGET_UNKNOWN,
    WIREFUZZ_MUT_TARGET_WRONG_CASE,
    WIREFUZZ_MUT_TARGET_MISSING,
    WIREFUZZ_MUT_TARGET_OTHER_SERVICE,
    WIREFUZZ_MUT_TARGET_NO_OPERATION,
    WIREFUZZ_MUT_TARGET_DUPLICATE,
    WIREFUZZ_MUT_CONTENT_TYPE_MISSING,
    WIREFUZZ_MUT_CONTENT_TYPE_TEXT,
    WIREFUZZ_MUT_CONTENT_TYPE_JSON,
    WIREFUZZ_MUT_CONTENT_TYPE_DUPLICATE,
    WIREFUZZ_MUT_CONTENT_ENCODING,
    WIREFUZZ_MUT_METHOD,
    WIREFUZZ_MUT_PATH,
    WIREFUZZ_MUT_SIG_UNSIGNED,
    WIREFUZZ_MUT_SIG_NO_AUTHORIZATION,
    WIREFUZZ_MUT_SIG_ALGORITHM,
    WIREFUZZ_MUT_SIG_UNKNOWN_KEY,
    WIREFUZZ_MUT_SIG_SCOPE_DATE,
    WIREFUZZ_MUT_SIG_SCOPE_REGION,
    WIREFUZZ_MUT_SIG_SCOPE_SERVICE,
    WIREFUZZ_MUT_SIG_SCOPE_TERMINATOR,
    WIREFUZZ_MUT_SIG_SIGNED_HEADERS,
    WIREFUZZ_MUT_SIG_SIGNATURE,
    WIREFUZZ_MUT_SIG_OTHER_BYTES,
    WIREFUZZ_MUT_SIG_HEADER_AFTER,
    WIREFUZZ_MUT_SIG_DATE_SKEW,
    WIREFUZZ_MUT_SIG_DATE_FORMAT,
    WIREFUZZ_MUT_SIG_DATE_MISSING,
    WIREFUZZ_MUT_COUNT,
};

struct wirefuzz_mutation {
    const char *name;
    enum wirefuzz_kind kind;
    bool expect_reject; /* protocol and signature mutations the endpoint must refuse */
    unsigned weight;    /* relative frequency among fuzzed steps */
};

/* What the answer to a request may be, decided before it is sent. */
enum wirefuzz_expect {
    WIREFUZZ_EXPECT_ANY,
    WIREFUZZ_EXPECT_REJECT_SIGNATURE,
    WIREFUZZ_EXPECT_REJECT_PROTOCOL,
    WIREFUZZ_EXPECT_REJECT_SERIALIZATION,
    WIREFUZZ_EXPECT_REJECT_VALIDATION,
};

#define WIREFUZZ_MAX_LANE_TASKS     1024
#define WIREFUZZ_BUILDER_BYTES      768
#define WIREFUZZ_MAX_BODY_BYTES     (256 * 1024)
#define WIREFUZZ_DEEP_NESTING_MAX   20000
#define WIREFUZZ_SKEW_S             3600
#define WIREFUZZ_DEFAULT_STEPS      32
#define WIREFUZZ_DEFAULT_MINIMIZE   48
#define WIREFUZZ_MAX_VALIDATION_IDS 4

/* One request, its recipe (so minimization can remake it with another body) and what it may get. */
struct wirefuzz_probe {
    enum wirefuzz_mut mut;
    uint64_t param;        /* the mutation's own random choices */
    const char *operation; /* static */
    struct ecc_buf body;
    bool body_is_json; /* a JSON object the minimizer may cut members from */
    enum wirefuzz_expect expect;
    char validation_ids[128]; /* rules validate.c reported, comma-separated */
    bool has_parsed;          /* `parsed` holds the RunTask request the body reads as */
    struct ecc_run_task_request parsed;
    struct ecc_http_request request; /* as sent */
};

enum wirefuzz_phase {
    WIREFUZZ_PHASE_CREATE_CLUSTER,
    WIREFUZZ_PHASE_REGISTER,
    WIREFUZZ_PHASE_FUZZ,
    WIREFUZZ_PHASE_DESCRIBE,
    WIREFUZZ_PHASE_STOP,
    WIREFUZZ_PHASE_DEREGISTER,
    WIREFUZZ_PHASE_DELETE,
    WIREFUZZ_PHASE_HEALTH,
    WIREFUZZ_PHASE_IDLE,
};

struct wirefuzz_lane {
    uint64_t sequence;
    unsigned step;
    enum wirefuzz_phase phase;
    char cluster[48];
    char family[48];
    char *task_definition_arn;
    char **tasks; /* WIREFUZZ_MAX_LANE_TASKS slots */
    size_t task_count;
    size_t stop_index;
    bool busy;
    struct wirefuzz_probe probe;
};

struct wirefuzz_fuzzer {
    const struct ecc_wirefuzz_options *options;
    struct ecc_wirefuzz_result *result;
    struct ecc_transport *transport;
    struct ecc_sigv4_signer *signer;
    struct ecc_sigv4_key_cache *key_cache;
    struct ecc_credentials unknown_key;
    char host[300];
    const json_t **fixture_bodies; /* RunTask fixture bodies (templates with ${cluster}, ...) */
    size_t fixture_count;
    uint64_t next_sequence;
    uint64_t fuzz_started;
    uint64_t deadline_us;
    uint64_t started_us;
    unsigned mutation_weight_total;
    char health_cluster[48]; /* <prefix>-health: the health request lists its tasks */
    unsigned attack_ms;
    unsigned attack_connections;
    unsigned attack_recovery_ms;
    uint64_t skipped_rules; /* bit r: rule r is not judged (options->skip_rules) */
    bool stopping;
};

struct wirefuzz_verdict {
    bool finding;
    enum wirefuzz_rule rule;
    int status;
    char error_type[96];
    char message[400];
};

/* Where a new class was first seen and what replays it; strings borrowed. */
struct wirefuzz_origin {
    const char *mutation;
    const char *operation;
    uint64_t sequence;
    unsigned step;
    const char *detail;
    const char *reproducer;
    size_t body_bytes;
    size_t minimized_body_bytes;
};

#define WIREFUZZ_ATTACK_DEFAULT_MS          2000
#define WIREFUZZ_ATTACK_DEFAULT_CONNECTIONS 300
#define WIREFUZZ_ATTACK_MAX_CONNECTIONS     1000
#define WIREFUZZ_ATTACK_DEFAULT_RECOVERY_MS 10000

extern const struct ecc_wirefuzz_rule wirefuzz_rule_table[WIREFUZZ_RULE_COUNT];
extern const struct wirefuzz_mutation wirefuzz_mutation_table[WIREFUZZ_MUT_COUNT];

/* ------------------------------------------------------------------------------------------------ */
/* The lanes (wirefuzz.c)                                                                           */

enum ecc_status wirefuzz_step_request(
    struct wirefuzz_fuzzer *f,
    const char *operation,
    json_t *body,
    bool *ok,
    int *http_status,
    char *reason,
    size_t reason_size);

/* ------------------------------------------------------------------------------------------------ */
/* Requests (wirefuzz_request.c)                                                                    */

enum ecc_status wirefuzz_append_json(struct ecc_buf *out, const json_t *value);
enum ecc_status wirefuzz_build_request(struct wirefuzz_fuzzer *f, struct wirefuzz_probe *p, struct ecc_diag *diag);
enum ecc_status wirefuzz_make_body(
    struct wirefuzz_fuzzer *f, const struct wirefuzz_lane *lane, uint64_t *rng, struct wirefuzz_probe *p);
uint64_t wirefuzz_below(uint64_t *rng, uint64_t n);
uint64_t wirefuzz_step_rng(const struct wirefuzz_fuzzer *f, uint64_t sequence, unsigned step, uint64_t stream);
void wirefuzz_classify_body(struct wirefuzz_probe *p);
void wirefuzz_probe_clean_up(struct wirefuzz_probe *p);
void wirefuzz_probe_init(struct wirefuzz_probe *p);
void wirefuzz_probe_reset(struct wirefuzz_probe *p);

/* ------------------------------------------------------------------------------------------------ */
/* Oracle (wirefuzz_oracle.c)                                                                       */

bool wirefuzz_judged(const struct wirefuzz_fuzzer *f, enum wirefuzz_rule rule);
enum ecc_status wirefuzz_judge(
    const struct wirefuzz_fuzzer *f,
    const struct wirefuzz_probe *p,
    const struct ecc_transport_result *tr,
    const struct ecc_http_response *response,
    struct ecc_run_task_response *value,
    struct wirefuzz_verdict *v);
void wirefuzz_verdict_set(
    struct wirefuzz_verdict *v, enum wirefuzz_rule rule, int status, const char *type, const char *fmt, ...)
    ECC_PRINTF(5, 6);

/* ------------------------------------------------------------------------------------------------ */
/* Findings (wirefuzz_findings.c)                                                                   */

enum ecc_status wirefuzz_add_class(
    struct ecc_wirefuzz_result *result, const struct wirefuzz_verdict *v, const struct wirefuzz_origin *origin);
enum ecc_status
wirefuzz_count_class(struct wirefuzz_fuzzer *f, const struct wirefuzz_verdict *v, const char *mutation, bool *is_new);
enum ecc_status wirefuzz_record(
    struct wirefuzz_fuzzer *f,
    const struct wirefuzz_lane *lane,
    struct wirefuzz_probe *p,
    const struct wirefuzz_verdict *v);
enum ecc_status
wirefuzz_try(struct wirefuzz_fuzzer *f, struct wirefuzz_probe *p, struct wirefuzz_verdict *v, int *http_status);

/* ------------------------------------------------------------------------------------------------ */
/* Connection-level attacks (wirefuzz_attack.c)                                                     */

enum ecc_status wirefuzz_attacks(struct wirefuzz_fuzzer *f, struct ecc_diag *diag);

#endif

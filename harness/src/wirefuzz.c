/*
 * `ecsconf fuzz`: the wire fuzzer of wirefuzz.h. Lanes run stateful sequences (setup, fuzzed requests,
 * cleanup, health) through one transport's curl multi; each request is generated from (seed, sequence,
 * step) alone, so a run's requests do not depend on timing. Every answer goes through the rule table
 * below; what a request may be answered with is decided before it is sent, by the same code the
 * emulator uses to reject (the request codec and validate.c), so the oracle has no second copy of a
 * protocol limit.
 */
#include "ecc/wirefuzz.h"

#include "ecc/codec_request.h"
#include "ecc/codec_response.h"
#include "ecc/errors.h"
#include "ecc/fuzz_request_builder.h"
#include "ecc/runner.h"
#include "ecc/sigv4.h"
#include "ecc/validate.h"
#include "ecc/vars.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <jansson.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------------ */
/* Rules                                                                                            */

enum s_rule {
    S_RULE_TRANSPORT,
    S_RULE_5XX,
    S_RULE_EMPTY_BODY,
    S_RULE_AWS_JSON,
    S_RULE_ERROR_TYPE,
    S_RULE_ERROR_STATUS,
    S_RULE_REJECT_SIGNATURE,
    S_RULE_REJECT_PROTOCOL,
    S_RULE_REJECT_SERIALIZATION,
    S_RULE_REJECT_VALIDATION,
    S_RULE_RESPONSE_PARSE,
    S_RULE_RESPONSE_MATCH,
    S_RULE_HEALTH,
    S_RULE_ATTACK_AVAILABILITY,
    S_RULE_ATTACK_RECOVERY,
    S_RULE_ATTACK_ANSWER,
    S_RULE_COUNT,
};

static const struct ecc_wirefuzz_rule s_rules[S_RULE_COUNT] = {
    {"answer.transport", "an answer arrives within the deadline, on a connection that is not reset or cut"},
    {"answer.no-5xx", "no 5xx answer (nothing is injected by the fuzzer)"},
    {"answer.body", "an error answer has a body (the AWS JSON error object)"},
    {"answer.aws-json", "every answer is AWS JSON 1.1 (Content-Type, a JSON object, an error type on errors)"},
    {"answer.error-type", "an error's type is declared by RunTask or a common AWS JSON error (errors.h)"},
    {"answer.error-status", "an error's HTTP status is the one of its error-table row"},
    {"reject.signature", "a request with a broken signature part is never answered 2xx"},
    {"reject.protocol", "a request with a wrong X-Amz-Target, method, path or Content-Type is never answered 2xx"},
    {"reject.serialization", "a RunTask body the request codec cannot read is never answered 2xx"},
    {"reject.validation", "a RunTask request validate.c rejects is never answered 2xx"},
    {"response.parse", "a 2xx RunTask answer parses with the response parser"},
    {"response.match", "a 2xx RunTask answer matches the request (task count, launch type, cluster)"},
    {"health",
     "the endpoint answers a health request (ListTasks of the run's health cluster) with 200 after every sequence "
     "(a stateless endpoint: with any AWS JSON answer below 500 that breaks no rule)"},
    {"attack.availability", "during a connection-level attack the health request is answered within the deadline"},
    {"attack.recovery", "after a connection-level attack the health request is answered within the deadline"},
    {"attack.answer", "pipelined and HTTP/1.0 requests get their AWS JSON answers"},
};

const struct ecc_wirefuzz_rule *ecc_wirefuzz_rules(size_t *count) {
    *count = S_RULE_COUNT;
    return s_rules;
}

int ecc_wirefuzz_rule_index(const char *name) {
    for (int r = 0; r < S_RULE_COUNT; r++) {
        if (strcmp(s_rules[r].name, name) == 0) {
            return r;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------------ */
/* Mutations                                                                                        */

enum s_kind {
    S_KIND_STEP,      /* a sequence step (setup, cleanup, health): no mutation */
    S_KIND_BODY,      /* the body is made or changed; envelope and signature are valid */
    S_KIND_PROTOCOL,  /* the envelope is changed, then signed validly */
    S_KIND_SIGNATURE, /* signed, then one part broken (or signed over something else) */
};

enum s_mut {
    S_MUT_NONE,
    S_MUT_VALID,
    S_MUT_MODEL,
    S_MUT_FIXTURE,
    S_MUT_LIMIT_PAST,
    S_MUT_JSON_WRONG_TYPE,
    S_MUT_JSON_UNKNOWN_MEMBER,
    S_MUT_JSON_DEEP_NESTING,
    S_MUT_JSON_ODD_UNICODE,
    S_MUT_BODY_BYTES,
    S_MUT_BODY_NOT_OBJECT,
    S_MUT_TARGET_UNKNOWN,
    S_MUT_TARGET_WRONG_CASE,
    S_MUT_TARGET_MISSING,
    S_MUT_TARGET_OTHER_SERVICE,
    S_MUT_TARGET_NO_OPERATION,
    S_MUT_TARGET_DUPLICATE,
    S_MUT_CONTENT_TYPE_MISSING,
    S_MUT_CONTENT_TYPE_TEXT,
    S_MUT_CONTENT_TYPE_JSON,
    S_MUT_CONTENT_TYPE_DUPLICATE,
    S_MUT_CONTENT_ENCODING,
    S_MUT_METHOD,
    S_MUT_PATH,
    S_MUT_SIG_UNSIGNED,
    S_MUT_SIG_NO_AUTHORIZATION,
    S_MUT_SIG_ALGORITHM,
    S_MUT_SIG_UNKNOWN_KEY,
    S_MUT_SIG_SCOPE_DATE,
    S_MUT_SIG_SCOPE_REGION,
    S_MUT_SIG_SCOPE_SERVICE,
    S_MUT_SIG_SCOPE_TERMINATOR,
    S_MUT_SIG_SIGNED_HEADERS,
    S_MUT_SIG_SIGNATURE,
    S_MUT_SIG_OTHER_BYTES,
    S_MUT_SIG_HEADER_AFTER,
    S_MUT_SIG_DATE_SKEW,
    S_MUT_SIG_DATE_FORMAT,
    S_MUT_SIG_DATE_MISSING,
    S_MUT_COUNT,
};

struct s_mutation {
    const char *name;
    enum s_kind kind;
    bool expect_reject; /* protocol and signature mutations the endpoint must refuse */
    unsigned weight;    /* relative frequency among fuzzed steps */
};

static const struct s_mutation s_mutations[S_MUT_COUNT] = {
    [S_MUT_NONE] = {"step", S_KIND_STEP, false, 0},
    [S_MUT_VALID] = {"valid", S_KIND_BODY, false, 12},
    [S_MUT_MODEL] = {"model", S_KIND_BODY, false, 30},
    [S_MUT_FIXTURE] = {"fixture", S_KIND_BODY, false, 6},
    [S_MUT_LIMIT_PAST] = {"limit.past", S_KIND_BODY, false, 6},
    [S_MUT_JSON_WRONG_TYPE] = {"json.wrong-type", S_KIND_BODY, false, 6},
    [S_MUT_JSON_UNKNOWN_MEMBER] = {"json.unknown-member", S_KIND_BODY, false, 3},
    [S_MUT_JSON_DEEP_NESTING] = {"json.deep-nesting", S_KIND_BODY, false, 2},
    [S_MUT_JSON_ODD_UNICODE] = {"json.odd-unicode", S_KIND_BODY, false, 3},
    [S_MUT_BODY_BYTES] = {"body.bytes", S_KIND_BODY, false, 4},
    [S_MUT_BODY_NOT_OBJECT] = {"body.not-object", S_KIND_BODY, false, 2},
    [S_MUT_TARGET_UNKNOWN] = {"target.unknown", S_KIND_PROTOCOL, true, 1},
    [S_MUT_TARGET_WRONG_CASE] = {"target.wrong-case", S_KIND_PROTOCOL, true, 1},
    [S_MUT_TARGET_MISSING] = {"target.missing", S_KIND_PROTOCOL, true, 1},
    [S_MUT_TARGET_OTHER_SERVICE] = {"target.other-service", S_KIND_PROTOCOL, true, 1},
    [S_MUT_TARGET_NO_OPERATION] = {"target.no-operation", S_KIND_PROTOCOL, true, 2},
    [S_MUT_TARGET_DUPLICATE] = {"target.duplicate", S_KIND_PROTOCOL, false, 1},
    [S_MUT_CONTENT_TYPE_MISSING] = {"content-type.missing", S_KIND_PROTOCOL, true, 1},
    [S_MUT_CONTENT_TYPE_TEXT] = {"content-type.text", S_KIND_PROTOCOL, true, 1},
    [S_MUT_CONTENT_TYPE_JSON] = {"content-type.json", S_KIND_PROTOCOL, false, 1},
    [S_MUT_CONTENT_TYPE_DUPLICATE] = {"content-type.duplicate", S_KIND_PROTOCOL, false, 1},
    [S_MUT_CONTENT_ENCODING] = {"content-encoding.gzip", S_KIND_PROTOCOL, false, 1},
    [S_MUT_METHOD] = {"method.put", S_KIND_PROTOCOL, true, 1},
    [S_MUT_PATH] = {"path.other", S_KIND_PROTOCOL, true, 1},
    [S_MUT_SIG_UNSIGNED] = {"sig.unsigned", S_KIND_SIGNATURE, true, 2},
    [S_MUT_SIG_NO_AUTHORIZATION] = {"sig.no-authorization", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_ALGORITHM] = {"sig.algorithm", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_UNKNOWN_KEY] = {"sig.unknown-key", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_SCOPE_DATE] = {"sig.scope-date", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_SCOPE_REGION] = {"sig.scope-region", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_SCOPE_SERVICE] = {"sig.scope-service", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_SCOPE_TERMINATOR] = {"sig.scope-terminator", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_SIGNED_HEADERS] = {"sig.signed-headers", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_SIGNATURE] = {"sig.signature", S_KIND_SIGNATURE, true, 2},
    [S_MUT_SIG_OTHER_BYTES] = {"sig.other-bytes", S_KIND_SIGNATURE, true, 2},
    [S_MUT_SIG_HEADER_AFTER] = {"sig.header-after-signing", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_DATE_SKEW] = {"sig.date-skew", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_DATE_FORMAT] = {"sig.date-format", S_KIND_SIGNATURE, true, 1},
    [S_MUT_SIG_DATE_MISSING] = {"sig.date-missing", S_KIND_SIGNATURE, true, 1},
};

/* What the answer to a request may be, decided before it is sent. */
enum s_expect {
    S_EXPECT_ANY,
    S_EXPECT_REJECT_SIGNATURE,
    S_EXPECT_REJECT_PROTOCOL,
    S_EXPECT_REJECT_SERIALIZATION,
    S_EXPECT_REJECT_VALIDATION,
};

/* ------------------------------------------------------------------------------------------------ */
/* Requests                                                                                         */

#define S_MAX_LANE_TASKS     1024
#define S_BUILDER_BYTES      768
#define S_MAX_BODY_BYTES     (256 * 1024)
#define S_DEEP_NESTING_MAX   20000
#define S_SKEW_S             3600
#define S_DEFAULT_STEPS      32
#define S_DEFAULT_MINIMIZE   48
#define S_MAX_VALIDATION_IDS 4

/* One request, its recipe (so minimization can remake it with another body) and what it may get. */
struct s_probe {
    enum s_mut mut;
    uint64_t param;        /* the mutation's own random choices */
    const char *operation; /* static */
    struct ecc_buf body;
    bool body_is_json; /* a JSON object the minimizer may cut members from */
    enum s_expect expect;
    char validation_ids[128]; /* rules validate.c reported, comma-separated */
    bool has_parsed;          /* `parsed` holds the RunTask request the body reads as */
    struct ecc_run_task_request parsed;
    struct ecc_http_request request; /* as sent */
};

enum s_phase {
    S_PHASE_CREATE_CLUSTER,
    S_PHASE_REGISTER,
    S_PHASE_FUZZ,
    S_PHASE_DESCRIBE,
    S_PHASE_STOP,
    S_PHASE_DEREGISTER,
    S_PHASE_DELETE,
    S_PHASE_HEALTH,
    S_PHASE_IDLE,
};

struct s_lane {
    uint64_t sequence;
    unsigned step;
    enum s_phase phase;
    char cluster[48];
    char family[48];
    char *task_definition_arn;
    char **tasks; /* S_MAX_LANE_TASKS slots */
    size_t task_count;
    size_t stop_index;
    bool busy;
    struct s_probe probe;
};

struct s_fuzzer {
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
    uint64_t skipped_rules; /* bit r: rule r is not judged (options->skip_rules) */
    bool stopping;
};

static int64_t s_clock_skewed(void *user_data) {
    (void)user_data;
    return (int64_t)time(NULL) - S_SKEW_S;
}

static void s_probe_init(struct s_probe *p) {
    memset(p, 0, sizeof(*p));
    ecc_buf_init(&p->body, S_MAX_BODY_BYTES);
    ecc_run_task_request_init(&p->parsed);
    ecc_http_request_init(&p->request);
}

static void s_probe_clean_up(struct s_probe *p) {
    ecc_buf_clean_up(&p->body);
    ecc_run_task_request_clean_up(&p->parsed);
    ecc_http_request_clean_up(&p->request);
}

static void s_probe_reset(struct s_probe *p) {
    s_probe_clean_up(p);
    s_probe_init(p);
}

/* The generator of one step: a function of (seed, sequence, step, stream) only. */
static uint64_t s_step_rng(const struct s_fuzzer *f, uint64_t sequence, unsigned step, uint64_t stream) {
    uint64_t state = f->options->seed ^ (sequence * 0x9e3779b97f4a7c15u) ^ ((uint64_t)step << 40) ^ (stream << 56);
    (void)ecc_vars_rng_next(&state);
    return state;
}

static uint64_t s_below(uint64_t *rng, uint64_t n) {
    return n ? ecc_vars_rng_next(rng) % n : 0;
}

static enum ecc_status s_append_json(struct ecc_buf *out, const json_t *value) {
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ecc_buf_append_str(out, text);
    free(text);
    return status;
}

/* A request that validate.c accepts, against the lane's cluster and task definition (whose EC2-only
 * registration makes a FARGATE request a documented client error: both answers are exercised). */
static json_t *s_valid_body(const struct s_lane *lane, uint64_t *rng) {
    char token[40];
    snprintf(token, sizeof(token), "wf-%016" PRIx64, ecc_vars_rng_next(rng));
    json_t *body = json_pack(
        "{s:s, s:s, s:I, s:s}",
        "cluster",
        lane->cluster,
        "taskDefinition",
        lane->family,
        "count",
        (json_int_t)(ECC_RUN_TASK_COUNT_MIN + s_below(rng, ECC_RUN_TASK_COUNT_MAX)),
        "launchType",
        s_below(rng, 2) ? "EC2" : "FARGATE");
    if (body && s_below(rng, 2)) {
        json_object_set_new(body, "clientToken", json_string(token));
    }
    if (body && s_below(rng, 2)) {
        json_object_set_new(body, "startedBy", json_string("ecsconf-fuzz"));
    }
    if (body && s_below(rng, 3) == 0) {
        json_object_set_new(body, "tags", json_pack("[{s:s, s:s}]", "key", "run", "value", lane->cluster));
    }
    return body;
}

/* The builder's request from generator bytes; most of the time aimed at the lane's resources so
 * that requests get past the not-found checks into the deep ones. */
static enum ecc_status s_model_body(const struct s_lane *lane, uint64_t *rng, struct s_probe *p) {
    uint8_t bytes[S_BUILDER_BYTES];
    size_t len = 64 + (size_t)s_below(rng, sizeof(bytes) - 64);
    for (size_t i = 0; i < len; i += 8) {
        uint64_t v = ecc_vars_rng_next(rng);
        memcpy(bytes + i, &v, len - i < 8 ? len - i : 8);
    }
    struct ecc_fuzz_data fd;
    ecc_fuzz_data_init(&fd, bytes, len);
    struct ecc_fuzz_request_builder builder = {
        .fd = &fd, .limits = ecc_fuzz_request_limits_documented(), .invalid_utf8_strings = 0};
    struct ecc_run_task_request request;
    ecc_run_task_request_init(&request);
    ecc_fuzz_build_request(&builder, &request);
    if (s_below(rng, 4) != 0) {
        free(request.cluster);
        request.cluster = ecc_strdup(lane->cluster);
        free(request.task_definition);
        request.task_definition = ecc_strdup(lane->family);
    }
    struct ecc_diag diag;
    enum ecc_status status = ecc_codec_write_run_task_request(&p->body, &request, &diag);
    if (status == ECC_ERR_INVALID) {
        /* A string JSON cannot carry (not UTF-8): the model mutation then sends nothing invalid-UTF-8
         * itself; json.odd-unicode puts such bytes on the wire instead. */
        ecc_buf_reset(&p->body);
        status = ecc_buf_append_str(&p->body, "{}");
    }
    ecc_run_task_request_clean_up(&request);
    return status;
}

static json_t *s_fixture_body(const struct s_fuzzer *f, const struct s_lane *lane, uint64_t *rng) {
    if (f->fixture_count == 0) {
        return NULL;
    }
    const json_t *template = f->fixture_bodies[s_below(rng, f->fixture_count)];
    struct ecc_vars vars;
    if (ecc_vars_init(&vars, ecc_vars_rng_next(rng)) != ECC_OK) {
        return NULL;
    }
    json_t *out = NULL;
    struct ecc_diag diag;
    if (ecc_vars_set_string(&vars, "cluster", lane->cluster) == ECC_OK &&
        ecc_vars_set_string(&vars, "family", lane->family) == ECC_OK &&
        ecc_vars_set_string(&vars, "prefix", lane->cluster) == ECC_OK &&
        ecc_vars_set_string(&vars, "region", f->options->region) == ECC_OK &&
        ecc_vars_set_string(&vars, "account", "000000000000") == ECC_OK &&
        ecc_vars_set_string(&vars, "subnet", "subnet-00000000") == ECC_OK &&
        ecc_vars_set_string(&vars, "security_group", "sg-00000000") == ECC_OK) {
        if (ecc_vars_expand(&vars, template, &out, &diag) != ECC_OK) {
            out = NULL;
        }
    }
    ecc_vars_clean_up(&vars);
    return out;
}

/* A string of `len` copies of `c`. */
static json_t *s_repeat(char c, size_t len) {
    char text[ECC_PLACEMENT_EXPRESSION_MAX_CHARS + 2];
    len = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
    memset(text, c, len);
    text[len] = '\0';
    return json_string(text);
}

/* A list of `n` copies of `item` (stolen). */
static json_t *s_list_of(json_t *item, size_t n) {
    json_t *list = json_array();
    for (size_t i = 0; list && item && i < n; i++) {
        json_array_append(list, item);
    }
    json_decref(item);
    return list;
}

/* One documented limit of a valid body broken by the smallest step past it (validate.h's constants). */
static void s_break_one_limit(json_t *body, uint64_t *rng) {
    switch (s_below(rng, 9)) {
    case 0:
        json_object_set_new(body, "count", json_integer(ECC_RUN_TASK_COUNT_MIN - 1));
        break;
    case 1:
        json_object_set_new(body, "count", json_integer(ECC_RUN_TASK_COUNT_MAX + 1));
        break;
    case 2:
        json_object_set_new(body, "clientToken", s_repeat('t', ECC_CLIENT_TOKEN_MAX_CHARS + 1));
        break;
    case 3:
        json_object_set_new(body, "startedBy", s_repeat('s', ECC_STARTED_BY_MAX_CHARS + 1));
        break;
    case 4:
        json_object_set_new(
            body,
            "placementConstraints",
            s_list_of(json_pack("{s:s}", "type", "distinctInstance"), ECC_PLACEMENT_CONSTRAINTS_MAX + 1));
        break;
    case 5:
        json_object_set_new(
            body,
            "placementStrategy",
            s_list_of(json_pack("{s:s}", "type", "random"), ECC_PLACEMENT_STRATEGIES_MAX + 1));
        break;
    case 6:
        json_object_set_new(
            body, "tags", s_list_of(json_pack("{s:s, s:s}", "key", "k", "value", "v"), ECC_TAGS_MAX + 1));
        break;
    case 7:
        json_object_set_new(body, "tags", json_pack("[{s:s, s:s}]", "key", "aws:reserved", "value", "v"));
        break;
    default:
        json_object_set_new(body, "launchType", json_string("EC3"));
        break;
    }
}

/* A value of another JSON type than `value`. */
static json_t *s_wrong_type(const json_t *value, uint64_t *rng) {
    switch (json_typeof(value)) {
    case JSON_STRING:
        return s_below(rng, 2) ? json_integer(7) : json_pack("{s:s}", "value", "x");
    case JSON_INTEGER:
    case JSON_REAL:
        return s_below(rng, 2) ? json_string("1") : json_pack("[i]", 1);
    case JSON_ARRAY:
        return s_below(rng, 2) ? json_string("[]") : json_object();
    case JSON_OBJECT:
        return s_below(rng, 2) ? json_array() : json_string("{}");
    default:
        return json_string("true");
    }
}

/* Body of a fuzzed RunTask step: its source (valid, model, fixture) and its body mutation. */
static enum ecc_status s_make_body(struct s_fuzzer *f, const struct s_lane *lane, uint64_t *rng, struct s_probe *p) {
    enum ecc_status status = ECC_OK;
    json_t *body = NULL;
    enum s_mut mut = p->mut;
    if (mut == S_MUT_MODEL) {
        status = s_model_body(lane, rng, p);
        p->body_is_json = true;
        return status;
    }
    if (mut == S_MUT_FIXTURE) {
        body = s_fixture_body(f, lane, rng);
    }
    if (!body) {
        body = s_valid_body(lane, rng);
    }
    if (!body) {
        return ECC_ERR_NOMEM;
    }
    switch (mut) {
    case S_MUT_JSON_WRONG_TYPE: {
        size_t n = json_object_size(body), pick = (size_t)s_below(rng, n), i = 0;
        const char *key;
        json_t *value;
        json_object_foreach(body, key, value) {
            if (i++ == pick) {
                json_object_set_new(body, key, s_wrong_type(value, rng));
                break;
            }
        }
        break;
    }
    case S_MUT_LIMIT_PAST:
        s_break_one_limit(body, rng);
        break;
    case S_MUT_JSON_UNKNOWN_MEMBER: {
        char name[40];
        snprintf(name, sizeof(name), "ecsconfUnknown%u", (unsigned)s_below(rng, 1000));
        json_object_set_new(body, name, s_below(rng, 2) ? json_string("x") : json_pack("{s:[i]}", "a", 1));
        break;
    }
    default:
        break;
    }
    status = s_append_json(&p->body, body);
    json_decref(body);
    p->body_is_json = true;
    if (status != ECC_OK) {
        return status;
    }
    /* The raw mutations work on the text: what they make is not a JSON object any more. */
    switch (mut) {
    case S_MUT_JSON_DEEP_NESTING: {
        size_t depth = 64 + (size_t)s_below(rng, S_DEEP_NESTING_MAX);
        struct ecc_buf text;
        ecc_buf_init(&text, S_MAX_BODY_BYTES);
        status = ecc_buf_append_str(&text, "{\"overrides\":");
        for (size_t i = 0; status == ECC_OK && i < depth; i++) {
            status = ecc_buf_append_byte(&text, s_below(rng, 4) ? '[' : '[');
        }
        for (size_t i = 0; status == ECC_OK && i < depth; i++) {
            status = ecc_buf_append_byte(&text, ']');
        }
        if (status == ECC_OK) {
            status = ecc_buf_append(&text, ",", 1);
        }
        if (status == ECC_OK) {
            status = ecc_buf_append(&text, p->body.data + 1, p->body.len - 1);
        }
        if (status == ECC_OK) {
            ecc_buf_reset(&p->body);
            status = ecc_buf_append(&p->body, text.data, text.len);
        }
        ecc_buf_clean_up(&text);
        p->body_is_json = false;
        break;
    }
    case S_MUT_JSON_ODD_UNICODE: {
        static const char *const odd[] = {
            "\\ud800",
            "\\udfff\\ud800",
            "\xc0\xaf",
            "\xed\xa0\x80",
            "\xf4\x90\x80\x80",
            "\x80",
            "\xef\xbb\xbf",
            "\xe2\x80\xa8",
            "\\u0000",
            "\xf0\x9f\x98\x80",
            "e\xcc\x81",
            "\xe2\x82"};
        const char *snippet = odd[s_below(rng, ECC_ARRAY_LEN(odd))];
        /* Into the first string value: after `":"`. */
        char *at = strstr(p->body.data, "\":\"");
        if (at) {
            size_t offset = (size_t)(at - p->body.data) + 3;
            struct ecc_buf text;
            ecc_buf_init(&text, S_MAX_BODY_BYTES);
            status = ecc_buf_append(&text, p->body.data, offset);
            if (status == ECC_OK) {
                status = ecc_buf_append_str(&text, snippet);
            }
            if (status == ECC_OK) {
                status = ecc_buf_append(&text, p->body.data + offset, p->body.len - offset);
            }
            if (status == ECC_OK) {
                ecc_buf_reset(&p->body);
                status = ecc_buf_append(&p->body, text.data, text.len);
            }
            ecc_buf_clean_up(&text);
        }
        p->body_is_json = false;
        break;
    }
    case S_MUT_BODY_BYTES: {
        unsigned edits = 1 + (unsigned)s_below(rng, 4);
        for (unsigned e = 0; status == ECC_OK && e < edits && p->body.len > 0; e++) {
            size_t at = (size_t)s_below(rng, p->body.len);
            switch (s_below(rng, 4)) {
            case 0:
                p->body.data[at] = (char)((unsigned char)p->body.data[at] ^ (1u << (unsigned)s_below(rng, 8)));
                break;
            case 1:
                p->body.len = at; /* truncated */
                break;
            case 2:
                status = ecc_buf_append_str(&p->body, s_below(rng, 2) ? "}garbage" : "\x00\xff{");
                break;
            default:
                p->body.data[at] = '\0';
                break;
            }
        }
        p->body_is_json = false;
        break;
    }
    case S_MUT_BODY_NOT_OBJECT: {
        static const char *const shapes[] = {"[]", "\"RunTask\"", "1", "null", "true", "[{}]"};
        ecc_buf_reset(&p->body);
        status = ecc_buf_append_str(&p->body, shapes[s_below(rng, ECC_ARRAY_LEN(shapes))]);
        p->body_is_json = false;
        break;
    }
    default:
        break;
    }
    return status;
}

/* What a RunTask body may be answered with: the request codec and validate.c decide, as in the emulator. */
static void s_classify_body(struct s_probe *p) {
    if (strcmp(p->operation, "RunTask") != 0) {
        return;
    }
    struct ecc_diag diag;
    struct ecc_codec_parse_options options = {0};
    enum ecc_status status = ecc_codec_parse_run_task_request(
        p->body.len ? p->body.data : "{}", p->body.len ? p->body.len : 2, &options, &p->parsed, NULL, &diag);
    /* A body the emulator's JSON reader refuses (duplicate keys) is refused by the codec the same way. */
    json_error_t error;
    json_t *probe = p->body.len ? json_loadb(p->body.data, p->body.len, JSON_REJECT_DUPLICATES, &error) : NULL;
    bool duplicate_free = !p->body.len || probe != NULL;
    json_decref(probe);
    if (status != ECC_OK || !duplicate_free) {
        ecc_run_task_request_clean_up(&p->parsed);
        ecc_run_task_request_init(&p->parsed);
        p->expect = S_EXPECT_REJECT_SERIALIZATION;
        return;
    }
    p->has_parsed = true;
    struct ecc_validation_result validation;
    ecc_validation_result_init(&validation);
    if (ecc_validate_run_task_request(&p->parsed, NULL, &validation) == ECC_ERR_INVALID) {
        p->expect = S_EXPECT_REJECT_VALIDATION;
        size_t used = 0;
        for (size_t i = 0; i < validation.count && i < S_MAX_VALIDATION_IDS; i++) {
            int n = snprintf(
                p->validation_ids + used,
                sizeof(p->validation_ids) - used,
                "%s%s",
                i ? "," : "",
                validation.failures[i].rule->id);
            if (n < 0 || (size_t)n >= sizeof(p->validation_ids) - used) {
                break;
            }
            used += (size_t)n;
        }
    }
    ecc_validation_result_clean_up(&validation);
}

/* Replaces `from` (first occurrence) in header `name` by `to`. */
static enum ecc_status
s_header_replace(struct ecc_http_request *r, const char *name, const char *from, const char *to) {
    const char *value = ecc_http_headers_get(&r->headers, name);
    const char *at = value ? strstr(value, from) : NULL;
    if (!at) {
        return ECC_OK;
    }
    struct ecc_buf text;
    ecc_buf_init(&text, 8192);
    enum ecc_status status = ecc_buf_append(&text, value, (size_t)(at - value));
    if (status == ECC_OK) {
        status = ecc_buf_append_str(&text, to);
    }
    if (status == ECC_OK) {
        status = ecc_buf_append_str(&text, at + strlen(from));
    }
    if (status == ECC_OK) {
        status = ecc_http_headers_set(&r->headers, name, text.data);
    }
    ecc_buf_clean_up(&text);
    return status;
}

/* Breaks one part of the Credential scope: the `index`th `/`-separated field after `Credential=`. */
static enum ecc_status s_break_scope(struct ecc_http_request *r, unsigned index, const char *replacement) {
    const char *value = ecc_http_headers_get(&r->headers, "Authorization");
    const char *start = value ? strstr(value, "Credential=") : NULL;
    if (!start) {
        return ECC_OK;
    }
    start += strlen("Credential=");
    for (unsigned i = 0; i < index && start; i++) {
        start = strchr(start, '/');
        start = start ? start + 1 : NULL;
    }
    if (!start) {
        return ECC_OK;
    }
    size_t len = strcspn(start, "/,");
    char field[128];
    if (len == 0 || len >= sizeof(field)) {
        return ECC_OK;
    }
    memcpy(field, start, len);
    field[len] = '\0';
    char needle[132], with[160];
    snprintf(needle, sizeof(needle), "%s%s", index == 0 ? "" : "/", field);
    snprintf(with, sizeof(with), "%s%s", index == 0 ? "" : "/", replacement);
    return s_header_replace(r, "Authorization", needle, with);
}

/* Builds the request of `p` from its operation, body and mutation: envelope, Host, signature. */
static enum ecc_status s_build_request(struct s_fuzzer *f, struct s_probe *p, struct ecc_diag *diag) {
    ecc_http_request_clean_up(&p->request);
    ecc_http_request_init(&p->request);
    struct ecc_http_request *r = &p->request;
    enum ecc_status status =
        ecc_codec_build_aws_json_request(p->operation, p->body.data ? p->body.data : "", p->body.len, r, diag);
    if (status == ECC_OK && !p->body.len) {
        status = ecc_http_request_set_body(r, "", 0);
        if (status == ECC_OK) {
            status = ecc_http_headers_set(&r->headers, "Content-Length", "0");
        }
    }
    if (status == ECC_OK) {
        status = ecc_http_headers_add(&r->headers, "Host", f->host);
    }
    if (status != ECC_OK) {
        return status;
    }
    uint64_t rng = p->param;
    char target[200];
    switch (p->mut) {
    case S_MUT_TARGET_UNKNOWN:
        snprintf(target, sizeof(target), "%s.%sX", ECC_AWS_JSON_TARGET_PREFIX, p->operation);
        status = ecc_http_headers_set(&r->headers, "X-Amz-Target", target);
        break;
    case S_MUT_TARGET_WRONG_CASE:
        snprintf(target, sizeof(target), "%s.runtask", ECC_AWS_JSON_TARGET_PREFIX);
        status = ecc_http_headers_set(&r->headers, "X-Amz-Target", target);
        break;
    case S_MUT_TARGET_MISSING:
        ecc_http_headers_remove(&r->headers, "X-Amz-Target");
        break;
    case S_MUT_TARGET_OTHER_SERVICE:
        status = ecc_http_headers_set(&r->headers, "X-Amz-Target", "DynamoDB_20120810.RunTask");
        break;
    case S_MUT_TARGET_NO_OPERATION:
        status = ecc_http_headers_set(
            &r->headers,
            "X-Amz-Target",
            s_below(&rng, 2) ? ECC_AWS_JSON_TARGET_PREFIX "." : ECC_AWS_JSON_TARGET_PREFIX);
        break;
    case S_MUT_TARGET_DUPLICATE:
        snprintf(target, sizeof(target), "%s.DeleteCluster", ECC_AWS_JSON_TARGET_PREFIX);
        status = ecc_http_headers_add(&r->headers, "X-Amz-Target", target);
        break;
    case S_MUT_CONTENT_TYPE_MISSING:
        ecc_http_headers_remove(&r->headers, "Content-Type");
        break;
    case S_MUT_CONTENT_TYPE_TEXT:
        status = ecc_http_headers_set(
            &r->headers, "Content-Type", s_below(&rng, 2) ? "text/plain" : "application/x-www-form-urlencoded");
        break;
    case S_MUT_CONTENT_TYPE_JSON:
        status = ecc_http_headers_set(&r->headers, "Content-Type", "application/json");
        break;
    case S_MUT_CONTENT_TYPE_DUPLICATE:
        status = ecc_http_headers_add(&r->headers, "Content-Type", "text/html");
        break;
    case S_MUT_CONTENT_ENCODING:
        status = ecc_http_headers_add(&r->headers, "Content-Encoding", s_below(&rng, 2) ? "gzip" : "br");
        break;
    case S_MUT_METHOD:
        status = ecc_http_request_set_line(r, s_below(&rng, 2) ? "PUT" : "PATCH", NULL, NULL);
        break;
    case S_MUT_PATH:
        status = ecc_http_request_set_line(r, NULL, s_below(&rng, 2) ? "/ecs" : "/2014-11-13/runtask", NULL);
        break;
    default:
        break;
    }
    if (status != ECC_OK) {
        return status;
    }

    struct ecc_sigv4_sign_options sign = {
        .credentials = f->options->credentials,
        .region = f->options->region,
        .service = "ecs",
        .key_cache = f->key_cache,
    };
    if (p->mut == S_MUT_SIG_UNKNOWN_KEY) {
        sign.credentials = &f->unknown_key;
    }
    if (p->mut == S_MUT_SIG_DATE_SKEW) {
        sign.clock = s_clock_skewed;
    }
    if (p->mut == S_MUT_SIG_OTHER_BYTES) {
        /* Signed over another body, then the real body put back. */
        struct ecc_http_request other;
        ecc_http_request_init(&other);
        status = ecc_http_request_copy(&other, r);
        if (status == ECC_OK) {
            status = ecc_http_request_set_body(&other, "{\"count\":2}", 11);
        }
        if (status == ECC_OK) {
            status = ecc_sigv4_signer_sign(f->signer, &other, &sign, diag);
        }
        const char *authorization = ecc_http_headers_get(&other.headers, "Authorization");
        const char *date = ecc_http_headers_get(&other.headers, "X-Amz-Date");
        if (status == ECC_OK && authorization && date) {
            status = ecc_http_headers_set(&r->headers, "X-Amz-Date", date);
            if (status == ECC_OK) {
                status = ecc_http_headers_set(&r->headers, "Authorization", authorization);
            }
        }
        ecc_http_request_clean_up(&other);
        return status;
    }
    if (p->mut == S_MUT_SIG_UNSIGNED) {
        return ECC_OK;
    }
    status = ecc_sigv4_signer_sign(f->signer, r, &sign, diag);
    if (status != ECC_OK) {
        return status;
    }
    switch (p->mut) {
    case S_MUT_SIG_NO_AUTHORIZATION:
        ecc_http_headers_remove(&r->headers, "Authorization");
        break;
    case S_MUT_SIG_ALGORITHM:
        status = s_header_replace(r, "Authorization", "AWS4-HMAC-SHA256", s_below(&rng, 2) ? "AWS4-HMAC-SHA1" : "AWS3");
        break;
    case S_MUT_SIG_SCOPE_DATE:
        status = s_break_scope(r, 1, "19991231");
        break;
    case S_MUT_SIG_SCOPE_REGION:
        status = s_break_scope(r, 2, "xx-nowhere-9");
        break;
    case S_MUT_SIG_SCOPE_SERVICE:
        status = s_break_scope(r, 3, s_below(&rng, 2) ? "s3" : "ec2");
        break;
    case S_MUT_SIG_SCOPE_TERMINATOR:
        status = s_break_scope(r, 4, "aws5_request");
        break;
    case S_MUT_SIG_SIGNED_HEADERS:
        status = s_below(&rng, 2) ? s_header_replace(r, "Authorization", "host;", "")
                                  : s_header_replace(r, "Authorization", ";x-amz-target", "");
        break;
    case S_MUT_SIG_SIGNATURE: {
        const char *value = ecc_http_headers_get(&r->headers, "Authorization");
        const char *sig = value ? strstr(value, "Signature=") : NULL;
        if (sig) {
            char *copy = ecc_strdup(value);
            if (!copy) {
                return ECC_ERR_NOMEM;
            }
            char *hex = copy + (sig - value) + strlen("Signature=");
            size_t hex_len = strlen(hex);
            if (s_below(&rng, 3) == 0 && hex_len > 1) {
                hex[hex_len - 1] = '\0'; /* one digit short */
            } else if (hex_len > 0) {
                size_t at = (size_t)s_below(&rng, hex_len);
                hex[at] = hex[at] == '0' ? '1' : '0';
            }
            status = ecc_http_headers_set(&r->headers, "Authorization", copy);
            ecc_secure_zero(copy, strlen(copy));
            free(copy);
        }
        break;
    }
    case S_MUT_SIG_HEADER_AFTER:
        status = ecc_http_headers_set(&r->headers, "Content-Type", ECC_AWS_JSON_CONTENT_TYPE "; charset=utf-8");
        break;
    case S_MUT_SIG_DATE_FORMAT:
        status = ecc_http_headers_set(&r->headers, "X-Amz-Date", s_below(&rng, 2) ? "2026-12-07T00:00:00Z" : "garbage");
        break;
    case S_MUT_SIG_DATE_MISSING:
        ecc_http_headers_remove(&r->headers, "X-Amz-Date");
        break;
    default:
        break;
    }
    return status;
}

/* ------------------------------------------------------------------------------------------------ */
/* Oracle                                                                                           */

struct s_verdict {
    bool finding;
    enum s_rule rule;
    int status;
    char error_type[96];
    char message[400];
};

static void s_verdict_set(struct s_verdict *v, enum s_rule rule, int status, const char *type, const char *fmt, ...)
    ECC_PRINTF(5, 6);

static void s_verdict_set(struct s_verdict *v, enum s_rule rule, int status, const char *type, const char *fmt, ...) {
    v->finding = true;
    v->rule = rule;
    v->status = status;
    snprintf(v->error_type, sizeof(v->error_type), "%s", type ? type : "");
    va_list args;
    va_start(args, fmt);
    vsnprintf(v->message, sizeof(v->message), fmt, args);
    va_end(args);
}

/*
 * Errors the sequence operations declare beyond errors.h's table (RunTask's declared errors and the
 * common ones), from the ECS model (../shared/model/ecs-2014-11-13-runtask-subset.service-2.json).
 */
static const struct {
    const char *operation;
    const char *type;
} s_step_errors[] = {
    {"CreateCluster", "NamespaceNotFoundException"},
    {"DeleteCluster", "ClusterContainsContainerInstancesException"},
    {"DeleteCluster", "ClusterContainsServicesException"},
    {"DeleteCluster", "ClusterContainsCapacityProviderException"},
    {"DeleteCluster", "ClusterContainsTasksException"},
    {"DeleteCluster", "UpdateInProgressException"},
    {"RegisterTaskDefinition", "LimitExceededException"},
    {"ListTasks", "ServiceNotFoundException"},
};

static bool s_step_error_declared(const char *operation, const char *type) {
    for (size_t i = 0; i < ECC_ARRAY_LEN(s_step_errors); i++) {
        if (strcmp(s_step_errors[i].operation, operation) == 0 && strcmp(s_step_errors[i].type, type) == 0) {
            return true;
        }
    }
    return false;
}

/* The short name of a cluster reference (a name or an ARN ending in cluster/NAME). */
static const char *s_cluster_name(const char *ref) {
    const char *slash = ref ? strrchr(ref, '/') : NULL;
    return slash ? slash + 1 : ref;
}

static void s_check_run_task_success(
    const struct s_probe *p, const struct ecc_run_task_response *value, int status, struct s_verdict *v) {
    const struct ecc_run_task_request *rq = &p->parsed;
    size_t requested = rq->has_count ? (size_t)rq->count : 1;
    size_t tasks = value->tasks.count, failures = value->failures.count;
    if (tasks > requested || (failures == 0 && tasks != requested)) {
        s_verdict_set(
            v,
            S_RULE_RESPONSE_MATCH,
            status,
            "count",
            "%zu task(s) and %zu failure(s) for count %zu",
            tasks,
            failures,
            requested);
        return;
    }
    bool by_launch_type = rq->launch_type && !rq->capacity_provider_strategy.has;
    for (size_t i = 0; i < tasks; i++) {
        const struct ecc_task *t = &value->tasks.items[i];
        if (by_launch_type && (!t->launch_type || strcmp(t->launch_type, rq->launch_type) != 0)) {
            s_verdict_set(
                v,
                S_RULE_RESPONSE_MATCH,
                status,
                "launch-type",
                "task %zu has launchType %s, the request asked for %s",
                i,
                t->launch_type ? t->launch_type : "(none)",
                rq->launch_type);
            return;
        }
        const char *want = rq->cluster ? s_cluster_name(rq->cluster) : "default";
        const char *got = s_cluster_name(t->cluster_arn);
        if (!got || strcmp(got, want) != 0) {
            s_verdict_set(
                v,
                S_RULE_RESPONSE_MATCH,
                status,
                "cluster",
                "task %zu is in cluster %s, the request named %s",
                i,
                t->cluster_arn ? t->cluster_arn : "(none)",
                want);
            return;
        }
    }
}

/* False for a rule the caller asked not to judge (options->skip_rules). */
static bool s_judged(const struct s_fuzzer *f, enum s_rule rule) {
    return (f->skipped_rules & (UINT64_C(1) << rule)) == 0;
}

/* An error type the options add to the error table (a mock's own diagnostic). */
static bool s_extra_error_type(const struct ecc_wirefuzz_options *o, const char *type) {
    for (size_t i = 0; i < o->extra_error_type_count; i++) {
        if (strcmp(o->extra_error_types[i], type) == 0) {
            return true;
        }
    }
    return false;
}

/* Checks one answer against every rule judged; the first violated rule is the verdict. On a 2xx
 * RunTask answer `value` (initialized) receives the parsed response. */
static enum ecc_status s_judge(
    const struct s_fuzzer *f,
    const struct s_probe *p,
    const struct ecc_transport_result *tr,
    const struct ecc_http_response *response,
    struct ecc_run_task_response *value,
    struct s_verdict *v) {
    memset(v, 0, sizeof(*v));
    if (tr->error != ECC_TRANSPORT_OK) {
        if (s_judged(f, S_RULE_TRANSPORT)) {
            s_verdict_set(v, S_RULE_TRANSPORT, 0, ecc_transport_error_name(tr->error), "%s", tr->message);
        }
        return ECC_OK;
    }
    int status = response->status;
    bool is_run_task = strcmp(p->operation, "RunTask") == 0 && p->has_parsed && status >= 200 && status < 300;
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    enum ecc_status rc = is_run_task ? ecc_codec_parse_run_task_response(response, NULL, &outcome, value)
                                     : ecc_codec_classify_response(response, NULL, &outcome);
    if (rc != ECC_OK) {
        ecc_response_outcome_clean_up(&outcome);
        return rc;
    }
    char type[96] = "";
    if (outcome.kind == ECC_RESPONSE_ERROR || outcome.kind == ECC_RESPONSE_UNKNOWN_ERROR) {
        snprintf(type, sizeof(type), "%s", outcome.error.type_name ? outcome.error.type_name : "");
    } else if (outcome.kind == ECC_RESPONSE_PROTOCOL_ERROR) {
        snprintf(type, sizeof(type), "%s", ecc_protocol_error_name(outcome.protocol_error));
    }
    if (status >= 500 && s_judged(f, S_RULE_5XX)) {
        s_verdict_set(v, S_RULE_5XX, status, type, "HTTP %d (%s)", status, type[0] ? type : "no type");
    } else if (status >= 300 && response->body_len == 0 && s_judged(f, S_RULE_EMPTY_BODY)) {
        s_verdict_set(v, S_RULE_EMPTY_BODY, status, "", "HTTP %d with an empty body", status);
    } else if (
        outcome.kind == ECC_RESPONSE_PROTOCOL_ERROR && outcome.protocol_error != ECC_PROTOCOL_SHAPE &&
        s_judged(f, S_RULE_AWS_JSON)) {
        s_verdict_set(v, S_RULE_AWS_JSON, status, type, "HTTP %d: %s", status, outcome.diag.text);
    } else if (
        outcome.kind == ECC_RESPONSE_UNKNOWN_ERROR && !s_step_error_declared(p->operation, type) &&
        !s_extra_error_type(f->options, type) && s_judged(f, S_RULE_ERROR_TYPE)) {
        s_verdict_set(
            v, S_RULE_ERROR_TYPE, status, type, "HTTP %d: error type %s is not in the error table", status, type);
    } else if (
        outcome.kind == ECC_RESPONSE_ERROR && outcome.error.info && outcome.error.info->http_status != status &&
        s_judged(f, S_RULE_ERROR_STATUS)) {
        s_verdict_set(
            v,
            S_RULE_ERROR_STATUS,
            status,
            type,
            "HTTP %d for %s, whose status is %d",
            status,
            type,
            outcome.error.info->http_status);
    } else if (status >= 200 && status < 300) {
        const struct s_mutation *m = &s_mutations[p->mut];
        if (m->expect_reject && m->kind == S_KIND_SIGNATURE && s_judged(f, S_RULE_REJECT_SIGNATURE)) {
            s_verdict_set(
                v, S_RULE_REJECT_SIGNATURE, status, "", "HTTP %d to a request with a broken signature", status);
        } else if (m->expect_reject && m->kind == S_KIND_PROTOCOL && s_judged(f, S_RULE_REJECT_PROTOCOL)) {
            s_verdict_set(v, S_RULE_REJECT_PROTOCOL, status, "", "HTTP %d to a request with a broken envelope", status);
        } else if (p->expect == S_EXPECT_REJECT_SERIALIZATION && s_judged(f, S_RULE_REJECT_SERIALIZATION)) {
            s_verdict_set(
                v, S_RULE_REJECT_SERIALIZATION, status, "", "HTTP %d to a body the request codec cannot read", status);
        } else if (p->expect == S_EXPECT_REJECT_VALIDATION && s_judged(f, S_RULE_REJECT_VALIDATION)) {
            s_verdict_set(
                v,
                S_RULE_REJECT_VALIDATION,
                status,
                "",
                "HTTP %d to a request validate.c rejects (%s)",
                status,
                p->validation_ids);
        } else if (is_run_task && outcome.kind == ECC_RESPONSE_PROTOCOL_ERROR) {
            if (s_judged(f, S_RULE_RESPONSE_PARSE)) {
                s_verdict_set(
                    v, S_RULE_RESPONSE_PARSE, status, "shape", "%s: %s", outcome.diag.path, outcome.diag.text);
            }
        } else if (is_run_task && s_judged(f, S_RULE_RESPONSE_MATCH)) {
            s_check_run_task_success(p, value, status, v);
        }
    }
    ecc_response_outcome_clean_up(&outcome);
    return ECC_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* Findings                                                                                         */

static struct ecc_wirefuzz_finding *
s_find_class(struct ecc_wirefuzz_result *result, const struct s_verdict *v, const char *mutation) {
    for (size_t i = 0; i < result->count; i++) {
        struct ecc_wirefuzz_finding *c = &result->findings[i];
        if (c->status == v->status && strcmp(c->rule, s_rules[v->rule].name) == 0 &&
            strcmp(c->error_type, v->error_type) == 0 && strcmp(c->mutation, mutation) == 0) {
            return c;
        }
    }
    return NULL;
}

static bool s_same_class(const struct s_verdict *a, const struct s_verdict *b) {
    return a->finding == b->finding && a->rule == b->rule && a->status == b->status &&
           strcmp(a->error_type, b->error_type) == 0;
}

/* Sends `p` synchronously (minimization, preflight) and judges the answer; *http_status (may be NULL)
 * receives the status, 0 without an answer. */
static enum ecc_status s_try(struct s_fuzzer *f, struct s_probe *p, struct s_verdict *v, int *http_status) {
    struct ecc_diag diag;
    enum ecc_status status = s_build_request(f, p, &diag);
    if (status != ECC_OK) {
        return status;
    }
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_transport_result tr;
    (void)ecc_transport_send(f->transport, f->options->endpoint_url, &p->request, &response, &tr);
    f->result->other_requests++;
    struct ecc_run_task_response value;
    ecc_run_task_response_init(&value);
    status = s_judge(f, p, &tr, &response, &value, v);
    if (http_status) {
        *http_status = tr.error == ECC_TRANSPORT_OK ? response.status : 0;
    }
    ecc_run_task_response_clean_up(&value);
    ecc_http_response_clean_up(&response);
    return status;
}

/* Removes members of the JSON body (top level, then one level down) while the class still answers. */
static enum ecc_status s_minimize(struct s_fuzzer *f, struct s_probe *p, const struct s_verdict *want) {
    unsigned budget = f->options->minimize_budget ? f->options->minimize_budget : S_DEFAULT_MINIMIZE;
    json_error_t error;
    json_t *body = json_loadb(p->body.data, p->body.len, 0, &error);
    if (!json_is_object(body)) {
        json_decref(body);
        return ECC_OK;
    }
    enum ecc_status status = ECC_OK;
    struct s_probe trial;
    s_probe_init(&trial);
    for (int depth = 0; depth < 2 && budget > 0 && status == ECC_OK; depth++) {
        json_t *keys = json_array();
        const char *key;
        json_t *value;
        json_object_foreach(body, key, value) {
            json_array_append_new(keys, json_string(key));
        }
        for (size_t i = 0; i < json_array_size(keys) && budget > 0 && status == ECC_OK; i++) {
            const char *name = json_string_value(json_array_get(keys, i));
            json_t *parent = body;
            json_t *saved = json_incref(json_object_get(parent, name));
            if (depth == 1 && !json_is_object(saved)) {
                json_decref(saved);
                continue;
            }
            json_t *candidate = json_deep_copy(body);
            if (depth == 0) {
                json_object_del(candidate, name);
            } else {
                json_object_clear(json_object_get(candidate, name));
            }
            s_probe_reset(&trial);
            trial.mut = p->mut;
            trial.param = p->param;
            trial.operation = p->operation;
            status = s_append_json(&trial.body, candidate);
            if (status == ECC_OK) {
                s_classify_body(&trial);
                struct s_verdict v;
                budget--;
                status = s_try(f, &trial, &v, NULL);
                if (status == ECC_OK && s_same_class(&v, want)) {
                    json_decref(body);
                    body = json_incref(candidate);
                }
            }
            json_decref(candidate);
            json_decref(saved);
        }
        json_decref(keys);
    }
    if (status == ECC_OK) {
        ecc_buf_reset(&p->body);
        status = s_append_json(&p->body, body);
        if (status == ECC_OK) {
            ecc_run_task_request_clean_up(&p->parsed);
            ecc_run_task_request_init(&p->parsed);
            p->has_parsed = false;
            p->expect = S_EXPECT_ANY;
            s_classify_body(p);
            struct ecc_diag diag;
            status = s_build_request(f, p, &diag);
        }
    }
    s_probe_clean_up(&trial);
    json_decref(body);
    return status;
}

static char *s_sanitized(const char *text) {
    char *out = ecc_report_sanitize_text(text ? text : "", true);
    return out;
}

/* The request with what a curl reproducer cannot show said plainly: a signature mutation needs the
 * broken part, which curl's own signer would not reproduce. */
static enum ecc_status s_reproducer(struct s_fuzzer *f, const struct s_probe *p, struct ecc_buf *out) {
    struct ecc_http_request copy;
    ecc_http_request_init(&copy);
    enum ecc_status status = ecc_http_request_copy(&copy, &p->request);
    bool signature = s_mutations[p->mut].kind == S_KIND_SIGNATURE;
    if (status == ECC_OK && signature) {
        /* The broken value stays out of the report (it is a signature); curl then sends it unsigned. */
        ecc_http_headers_remove(&copy.headers, "Authorization");
        ecc_http_headers_remove(&copy.headers, "X-Amz-Date");
    }
    if (status == ECC_OK && signature && p->mut != S_MUT_SIG_UNSIGNED) {
        status = ecc_buf_printf(
            out,
            "# %s: the signature part broken on purpose is left out (secret); this command sends the request "
            "unsigned\n",
            s_mutations[p->mut].name);
    }
    if (status == ECC_OK) {
        status = ecc_transport_format_curl(f->options->endpoint_url, &copy, out);
    }
    ecc_http_request_clean_up(&copy);
    return status;
}

/* Where a new class was first seen and what replays it; strings borrowed. */
struct s_origin {
    const char *mutation;
    const char *operation;
    uint64_t sequence;
    unsigned step;
    const char *detail;
    const char *reproducer;
    size_t body_bytes;
    size_t minimized_body_bytes;
};

/* Counts one more request of a known class; *is_new when the verdict opens a class (room made for it). */
static enum ecc_status
s_count_class(struct s_fuzzer *f, const struct s_verdict *v, const char *mutation, bool *is_new) {
    *is_new = false;
    if (!s_judged(f, v->rule)) {
        return ECC_OK;
    }
    struct ecc_wirefuzz_result *result = f->result;
    result->findings_total++;
    struct ecc_wirefuzz_finding *c = s_find_class(result, v, mutation);
    if (c) {
        c->hits++;
        return ECC_OK;
    }
    if (result->count >= ECC_WIREFUZZ_MAX_CLASSES) {
        result->classes_dropped++;
        return ECC_OK;
    }
    void *grown = ecc_array_grow(
        result->findings, &result->capacity, result->count, sizeof(*result->findings), 16, ECC_WIREFUZZ_MAX_CLASSES);
    if (!grown) {
        return ECC_ERR_NOMEM;
    }
    result->findings = grown;
    *is_new = true;
    return ECC_OK;
}

/* Fills the class s_count_class made room for. */
static enum ecc_status
s_add_class(struct ecc_wirefuzz_result *result, const struct s_verdict *v, const struct s_origin *origin) {
    struct ecc_wirefuzz_finding *c = &result->findings[result->count];
    memset(c, 0, sizeof(*c));
    c->rule = ecc_strdup(s_rules[v->rule].name);
    c->status = v->status;
    c->error_type = s_sanitized(v->error_type);
    c->mutation = ecc_strdup(origin->mutation);
    c->operation = ecc_strdup(origin->operation);
    c->hits = 1;
    c->sequence = origin->sequence;
    c->step = origin->step;
    c->message = s_sanitized(v->message);
    c->detail = s_sanitized(origin->detail);
    c->reproducer = s_sanitized(origin->reproducer);
    c->body_bytes = origin->body_bytes;
    c->minimized_body_bytes = origin->minimized_body_bytes;
    result->count++;
    bool complete = c->rule && c->error_type && c->mutation && c->operation && c->message && c->detail && c->reproducer;
    return complete ? ECC_OK : ECC_ERR_NOMEM;
}

static enum ecc_status
s_record(struct s_fuzzer *f, const struct s_lane *lane, struct s_probe *p, const struct s_verdict *v) {
    const char *mutation = s_mutations[p->mut].name;
    bool is_new = false;
    enum ecc_status status = s_count_class(f, v, mutation, &is_new);
    if (status != ECC_OK || !is_new) {
        return status;
    }
    size_t body_bytes = p->body.len;
    /* Minimizing a transport failure or a lost health answer would only hammer a failing endpoint. */
    if (p->body_is_json && v->rule != S_RULE_TRANSPORT && v->rule != S_RULE_HEALTH && !f->stopping) {
        status = s_minimize(f, p, v);
    }
    if (status != ECC_OK) {
        return status;
    }
    struct ecc_buf detail, reproducer;
    ecc_buf_init(&detail, 4096);
    ecc_buf_init(&reproducer, 1024 * 1024);
    status = ecc_buf_printf(
        &detail,
        "first seen: seed %" PRIu64 ", sequence %" PRIu64 ", step %u (%s)",
        f->options->seed,
        lane->sequence,
        lane->step,
        p->operation);
    if (status == ECC_OK && p->validation_ids[0]) {
        status = ecc_buf_printf(&detail, "; validate.c rules broken: %s", p->validation_ids);
    }
    if (status == ECC_OK && p->body.len != body_bytes) {
        status = ecc_buf_printf(&detail, "; body minimized from %zu to %zu bytes", body_bytes, p->body.len);
    }
    if (status == ECC_OK) {
        status = s_reproducer(f, p, &reproducer);
    }
    if (status == ECC_OK) {
        struct s_origin origin = {
            .mutation = mutation,
            .operation = p->operation,
            .sequence = lane->sequence,
            .step = lane->step,
            .detail = detail.data,
            .reproducer = reproducer.data,
            .body_bytes = body_bytes,
            .minimized_body_bytes = p->body.len,
        };
        status = s_add_class(f->result, v, &origin);
    }
    ecc_buf_clean_up(&detail);
    ecc_buf_clean_up(&reproducer);
    return status;
}

/* ------------------------------------------------------------------------------------------------ */
/* Lanes                                                                                            */

static enum s_mut s_pick_mutation(struct s_fuzzer *f, uint64_t *rng) {
    uint64_t roll = s_below(rng, f->mutation_weight_total);
    for (int m = 0; m < S_MUT_COUNT; m++) {
        if (roll < s_mutations[m].weight) {
            return (enum s_mut)m;
        }
        roll -= s_mutations[m].weight;
    }
    return S_MUT_VALID;
}

static void s_lane_forget_tasks(struct s_lane *lane) {
    for (size_t i = 0; i < lane->task_count; i++) {
        free(lane->tasks[i]);
    }
    lane->task_count = 0;
    lane->stop_index = 0;
    free(lane->task_definition_arn);
    lane->task_definition_arn = NULL;
}

static bool s_budget_left(const struct s_fuzzer *f) {
    const struct ecc_wirefuzz_options *o = f->options;
    if (f->stopping || (o->interrupted && *o->interrupted)) {
        return false;
    }
    if (o->max_requests && f->fuzz_started >= o->max_requests) {
        return false;
    }
    if (o->duration_ms && ecc_monotonic_us() >= f->deadline_us) {
        return false;
    }
    return true;
}

/* Fills the lane's probe with its next request; false when the lane has nothing more to send. */
static enum ecc_status s_lane_next(struct s_fuzzer *f, struct s_lane *lane, bool *has_request) {
    *has_request = false;
    struct s_probe *p = &lane->probe;
    s_probe_reset(p);
    p->mut = S_MUT_NONE;
    json_t *body = NULL;
    for (;;) {
        switch (lane->phase) {
        case S_PHASE_IDLE:
            if (!s_budget_left(f)) {
                return ECC_OK;
            }
            lane->sequence = f->next_sequence++;
            lane->step = 0;
            snprintf(lane->cluster, sizeof(lane->cluster), "%s-s%" PRIu64, f->options->prefix, lane->sequence);
            snprintf(lane->family, sizeof(lane->family), "%s-s%" PRIu64, f->options->prefix, lane->sequence);
            lane->phase = f->options->stateless ? S_PHASE_FUZZ : S_PHASE_CREATE_CLUSTER;
            continue;
        case S_PHASE_CREATE_CLUSTER:
            p->operation = "CreateCluster";
            body = json_pack("{s:s}", "clusterName", lane->cluster);
            break;
        case S_PHASE_REGISTER:
            p->operation = "RegisterTaskDefinition";
            body = json_pack(
                "{s:s, s:[{s:s, s:s, s:b, s:i}]}",
                "family",
                lane->family,
                "containerDefinitions",
                "name",
                "app",
                "image",
                "public.ecr.aws/docker/library/busybox:1.36",
                "essential",
                1,
                "memory",
                128);
            break;
        case S_PHASE_FUZZ: {
            unsigned steps = f->options->sequence_steps ? f->options->sequence_steps : S_DEFAULT_STEPS;
            if (lane->step >= steps || !s_budget_left(f)) {
                lane->phase = f->options->stateless ? S_PHASE_HEALTH : S_PHASE_DESCRIBE;
                continue;
            }
            f->fuzz_started++;
            uint64_t rng = s_step_rng(f, lane->sequence, lane->step, 0);
            p->mut = s_pick_mutation(f, &rng);
            p->param = ecc_vars_rng_next(&rng);
            p->operation = "RunTask";
            if (s_mutations[p->mut].kind == S_KIND_SIGNATURE && s_below(&rng, 2)) {
                /* Half the signature mutations go to a read-only call the endpoint answers 200 when the
                 * request is valid, so that "accepted" is not hidden behind a RunTask failure. */
                p->operation = "ListTasks";
                json_t *list = json_pack("{s:s}", "cluster", lane->cluster);
                enum ecc_status status = list ? s_append_json(&p->body, list) : ECC_ERR_NOMEM;
                json_decref(list);
                p->body_is_json = true;
                *has_request = status == ECC_OK;
                return status;
            }
            enum ecc_status status = s_make_body(f, lane, &rng, p);
            if (status != ECC_OK) {
                return status;
            }
            s_classify_body(p);
            *has_request = true;
            return ECC_OK;
        }
        case S_PHASE_DESCRIBE:
            if (lane->task_count == 0) {
                lane->phase = S_PHASE_DEREGISTER;
                continue;
            }
            p->operation = "DescribeTasks";
            body = json_pack("{s:s, s:[]}", "cluster", lane->cluster, "tasks");
            for (size_t i = 0; body && i < lane->task_count && i < 100; i++) { /* DescribeTasks takes 100 */
                json_array_append_new(json_object_get(body, "tasks"), json_string(lane->tasks[i]));
            }
            break;
        case S_PHASE_STOP:
            if (lane->stop_index >= lane->task_count) {
                lane->phase = S_PHASE_DEREGISTER;
                continue;
            }
            p->operation = "StopTask";
            body = json_pack(
                "{s:s, s:s, s:s}",
                "cluster",
                lane->cluster,
                "task",
                lane->tasks[lane->stop_index],
                "reason",
                "ecsconf fuzz cleanup");
            break;
        case S_PHASE_DEREGISTER:
            p->operation = "DeregisterTaskDefinition";
            if (lane->task_definition_arn) {
                body = json_pack("{s:s}", "taskDefinition", lane->task_definition_arn);
            } else {
                char revision[64];
                snprintf(revision, sizeof(revision), "%s:1", lane->family);
                body = json_pack("{s:s}", "taskDefinition", revision);
            }
            break;
        case S_PHASE_DELETE:
            p->operation = "DeleteCluster";
            body = json_pack("{s:s}", "cluster", lane->cluster);
            break;
        case S_PHASE_HEALTH:
            p->operation = "ListTasks";
            body = json_pack("{s:s}", "cluster", f->health_cluster);
            break;
        }
        break;
    }
    if (!body) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = s_append_json(&p->body, body);
    json_decref(body);
    p->body_is_json = true;
    *has_request = status == ECC_OK;
    return status;
}

/* The sequence steps take what later steps need from 2xx answers: the task definition ARN, task ARNs. */
static void s_lane_learn(
    struct s_fuzzer *f,
    struct s_lane *lane,
    const struct ecc_http_response *response,
    const struct ecc_run_task_response *value) {
    if (response->status < 200 || response->status >= 300) {
        return;
    }
    if (lane->phase == S_PHASE_REGISTER && response->body_len) {
        json_error_t error;
        json_t *body = json_loadb((const char *)response->body, response->body_len, 0, &error);
        const char *arn =
            json_string_value(json_object_get(json_object_get(body, "taskDefinition"), "taskDefinitionArn"));
        if (arn) {
            free(lane->task_definition_arn);
            lane->task_definition_arn = ecc_strdup(arn);
        }
        json_decref(body);
    }
    if (lane->phase == S_PHASE_FUZZ) {
        for (size_t i = 0; i < value->tasks.count; i++) {
            if (lane->task_count == S_MAX_LANE_TASKS) {
                f->result->cleanup_failures++; /* a task this lane cannot stop */
                continue;
            }
            if (value->tasks.items[i].task_arn) {
                char *arn = ecc_strdup(value->tasks.items[i].task_arn);
                if (arn) {
                    lane->tasks[lane->task_count++] = arn;
                }
            }
        }
    }
}

static void s_lane_advance(struct s_fuzzer *f, struct s_lane *lane, bool answered_2xx) {
    switch (lane->phase) {
    case S_PHASE_CREATE_CLUSTER:
        lane->phase = S_PHASE_REGISTER;
        break;
    case S_PHASE_REGISTER:
        lane->phase = S_PHASE_FUZZ;
        break;
    case S_PHASE_FUZZ:
        lane->step++;
        break;
    case S_PHASE_DESCRIBE:
        lane->phase = S_PHASE_STOP;
        break;
    case S_PHASE_STOP:
        f->result->cleanup_failures += !answered_2xx;
        lane->stop_index++;
        break;
    case S_PHASE_DEREGISTER:
        f->result->cleanup_failures += !answered_2xx;
        lane->phase = S_PHASE_DELETE;
        break;
    case S_PHASE_DELETE:
        f->result->cleanup_failures += !answered_2xx;
        lane->phase = S_PHASE_HEALTH;
        break;
    case S_PHASE_HEALTH:
        f->result->sequences++;
        s_lane_forget_tasks(lane);
        lane->phase = S_PHASE_IDLE;
        break;
    case S_PHASE_IDLE:
        break;
    }
}

static enum ecc_status s_lane_submit(struct s_fuzzer *f, struct s_lane *lane, struct ecc_diag *diag) {
    bool has_request = false;
    enum ecc_status status = s_lane_next(f, lane, &has_request);
    if (status != ECC_OK || !has_request) {
        return status;
    }
    status = s_build_request(f, &lane->probe, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_transport_submit(f->transport, f->options->endpoint_url, &lane->probe.request, lane, diag);
    lane->busy = status == ECC_OK;
    return status;
}

/* A health answer's status is what the health rule wants: 200, or from a stateless endpoint (which has
 * no health cluster to list) any answer below 500; the rules judged the rest of it. */
static bool s_health_answered(const struct s_fuzzer *f, int http_status) {
    return f->options->stateless ? http_status >= 200 && http_status < 500 : http_status == 200;
}

static void s_count_answer(struct ecc_wirefuzz_result *result, const struct ecc_transport_exchange *ex) {
    int status = ex->response.status;
    if (ex->result.error != ECC_TRANSPORT_OK) {
        result->transport_failures++;
    } else if (status >= 200 && status < 300) {
        result->answers_2xx++;
    } else if (status >= 400 && status < 500) {
        result->answers_4xx++;
    } else if (status >= 500 && status < 600) {
        result->answers_5xx++;
    } else {
        result->answers_other++;
    }
}

static enum ecc_status s_on_answer(struct s_fuzzer *f, struct ecc_transport_exchange *ex) {
    struct s_lane *lane = ex->user_data;
    lane->busy = false;
    struct s_probe *p = &lane->probe;
    bool fuzzed = lane->phase == S_PHASE_FUZZ;
    if (fuzzed) {
        f->result->fuzz_requests++;
    } else {
        f->result->other_requests++;
    }
    s_count_answer(f->result, ex);
    struct ecc_run_task_response value;
    ecc_run_task_response_init(&value);
    struct s_verdict v;
    enum ecc_status status = s_judge(f, p, &ex->result, &ex->response, &value, &v);
    bool ok_2xx = ex->result.error == ECC_TRANSPORT_OK && ex->response.status >= 200 && ex->response.status < 300;
    if (status == ECC_OK && lane->phase == S_PHASE_HEALTH && !v.finding &&
        !s_health_answered(f, ex->result.error == ECC_TRANSPORT_OK ? ex->response.status : 0)) {
        s_verdict_set(&v, S_RULE_HEALTH, ex->response.status, "", "ListTasks answered HTTP %d", ex->response.status);
    }
    if (status == ECC_OK && lane->phase == S_PHASE_HEALTH && v.finding && v.rule == S_RULE_TRANSPORT) {
        v.rule = S_RULE_HEALTH;
    }
    if (status == ECC_OK && ex->result.error == ECC_TRANSPORT_OK) {
        s_lane_learn(f, lane, &ex->response, &value);
    }
    ecc_run_task_response_clean_up(&value);
    if (status == ECC_OK && v.finding) {
        status = s_record(f, lane, p, &v);
    }
    if (status == ECC_OK) {
        s_lane_advance(f, lane, ok_2xx);
    }
    return status;
}

/* One signed request of a sequence step (no mutation); *ok when it is answered as s_health_answered
 * wants, breaking no rule, else the reason is in `reason`. */
static enum ecc_status
s_step_request(struct s_fuzzer *f, const char *operation, json_t *body, bool *ok, char *reason, size_t reason_size) {
    struct s_probe p;
    s_probe_init(&p);
    p.operation = operation;
    p.mut = S_MUT_NONE;
    enum ecc_status status = body ? s_append_json(&p.body, body) : ECC_ERR_NOMEM;
    json_decref(body);
    struct s_verdict v;
    int http_status = 0;
    if (status == ECC_OK) {
        status = s_try(f, &p, &v, &http_status);
    }
    *ok = status == ECC_OK && s_health_answered(f, http_status) && !v.finding;
    if (status == ECC_OK && !*ok) {
        snprintf(
            reason,
            reason_size,
            "%s answered %d: %s",
            operation,
            http_status,
            v.finding               ? v.message
            : f->options->stateless ? "5xx"
                                    : "not 200");
    }
    s_probe_clean_up(&p);
    return status;
}

/* Preflight: the health cluster is created (CreateCluster; not on a stateless endpoint) and listed
 * (ListTasks), answered as s_health_answered wants. */
static enum ecc_status s_preflight(struct s_fuzzer *f, bool *ok) {
    char *reason = f->result->unusable_reason;
    size_t size = sizeof(f->result->unusable_reason);
    enum ecc_status status = ECC_OK;
    *ok = true;
    if (!f->options->stateless) {
        status =
            s_step_request(f, "CreateCluster", json_pack("{s:s}", "clusterName", f->health_cluster), ok, reason, size);
    }
    if (status == ECC_OK && *ok) {
        status = s_step_request(f, "ListTasks", json_pack("{s:s}", "cluster", f->health_cluster), ok, reason, size);
    }
    return status;
}

/* ------------------------------------------------------------------------------------------------ */
/* Connection-level attacks                                                                         */

enum s_attack {
    S_ATTACK_SLOWLORIS,
    S_ATTACK_SLOW_BODY,
    S_ATTACK_FLOOD,
    S_ATTACK_IDLE_KEEP_ALIVE,
    S_ATTACK_PIPELINE,
    S_ATTACK_CL_TE,
    S_ATTACK_OVERSIZED_HEADER,
    S_ATTACK_HTTP10,
    S_ATTACK_COUNT,
};

static const char *const s_attack_names[S_ATTACK_COUNT] = {
    "attack.slowloris",
    "attack.slow-body",
    "attack.flood",
    "attack.idle-keep-alive",
    "attack.pipelining",
    "attack.cl-te",
    "attack.oversized-header",
    "attack.http10",
};

#define S_ATTACK_DEFAULT_MS          2000
#define S_ATTACK_DEFAULT_CONNECTIONS 300
#define S_ATTACK_MAX_CONNECTIONS     1000
#define S_ATTACK_TICK_MS             100
#define S_ATTACK_PROBE_EVERY_MS      250
#define S_ATTACK_READ_MAX_BYTES      (64 * 1024)
#define S_OVERSIZED_HEADER_BYTES     (64 * 1024)

struct s_target {
    struct sockaddr_storage address;
    socklen_t address_len;
};

/* The endpoint's address, through the curl URL API and getaddrinfo. Plain HTTP only: the attacks
 * write raw bytes. */
static enum ecc_status s_attack_target(const char *endpoint_url, struct s_target *out, struct ecc_diag *diag) {
    CURLU *url = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    enum ecc_status status = ECC_ERR_INVALID;
    if (url && curl_url_set(url, CURLUPART_URL, endpoint_url, 0) == CURLUE_OK &&
        curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        if (strcmp(scheme, "http") != 0) {
            ecc_diag_set(diag, "--attacks needs a plain http:// endpoint (they write raw bytes)");
            status = ECC_ERR_UNSUPPORTED;
        } else {
            char bare[256];
            size_t len = strlen(host);
            bool bracketed = len >= 2 && host[0] == '[' && host[len - 1] == ']';
            snprintf(bare, sizeof(bare), "%.*s", (int)(bracketed ? len - 2 : len), bracketed ? host + 1 : host);
            struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *found = NULL;
            if (getaddrinfo(bare, port, &hints, &found) == 0 && found && found->ai_addrlen <= sizeof(out->address)) {
                memcpy(&out->address, found->ai_addr, found->ai_addrlen);
                out->address_len = found->ai_addrlen;
                status = ECC_OK;
            } else {
                ecc_diag_set(diag, "cannot resolve %s for the attacks", bare);
            }
            if (found) {
                freeaddrinfo(found);
            }
        }
    } else {
        ecc_diag_set(diag, "cannot read the endpoint URL '%s'", endpoint_url);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(url);
    return status;
}

/* A connected socket (blocking connect, bounded by a send/receive timeout), or -1. */
static int s_attack_connect(const struct s_target *target) {
    int fd = socket(target->address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct timeval timeout = {.tv_sec = 2, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    if (connect(fd, (const struct sockaddr *)&target->address, target->address_len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool s_attack_send(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0) {
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads what arrives until `deadline_us` or until `enough` (may be NULL) says the answer is complete. */
static void s_attack_read(int fd, struct ecc_buf *out, uint64_t deadline_us, bool (*enough)(const struct ecc_buf *)) {
    char chunk[4096];
    while (ecc_monotonic_us() < deadline_us && (!enough || !enough(out))) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, S_ATTACK_TICK_MS);
        if (ready < 0) {
            return;
        }
        if (ready == 0) {
            continue;
        }
        ssize_t n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
        if (n <= 0 || ecc_buf_append(out, chunk, (size_t)n) != ECC_OK) {
            return;
        }
    }
}

/* Occurrences of `needle` in the bytes read. */
static size_t s_count_in(const struct ecc_buf *buf, const char *needle) {
    size_t count = 0, len = strlen(needle);
    for (size_t i = 0; buf->data && i + len <= buf->len; i++) {
        if (memcmp(buf->data + i, needle, len) == 0) {
            count++;
            i += len - 1;
        }
    }
    return count;
}

static bool s_three_answers(const struct ecc_buf *buf) {
    return s_count_in(buf, "\r\n\r\n{") >= 3;
}

static bool s_one_answer(const struct ecc_buf *buf) {
    return s_count_in(buf, "\r\n\r\n{") >= 1;
}

/* The signed health request as wire bytes: request line, headers, body (`version` "1.1" or "1.0"). */
static enum ecc_status s_attack_request(struct s_fuzzer *f, const char *version, struct ecc_buf *out) {
    struct s_probe p;
    s_probe_init(&p);
    p.operation = "ListTasks";
    p.mut = S_MUT_NONE;
    json_t *body = json_pack("{s:s}", "cluster", f->health_cluster);
    enum ecc_status status = body ? s_append_json(&p.body, body) : ECC_ERR_NOMEM;
    json_decref(body);
    struct ecc_diag diag;
    if (status == ECC_OK) {
        status = s_build_request(f, &p, &diag);
    }
    if (status == ECC_OK) {
        status = ecc_buf_printf(out, "POST / HTTP/%s\r\n", version);
    }
    for (size_t i = 0; status == ECC_OK && i < p.request.headers.count; i++) {
        status = ecc_buf_printf(out, "%s: %s\r\n", p.request.headers.items[i].name, p.request.headers.items[i].value);
    }
    if (status == ECC_OK) {
        status = ecc_buf_append_str(out, "\r\n");
    }
    if (status == ECC_OK) {
        status = ecc_buf_append(out, p.request.body, p.request.body_len);
    }
    s_probe_clean_up(&p);
    return status;
}

static enum ecc_status s_attack_finding(struct s_fuzzer *f, enum s_attack attack, const struct s_verdict *v);

/* One health probe; a failure is recorded under `rule` and the attack's name. */
static enum ecc_status s_attack_probe(struct s_fuzzer *f, enum s_attack attack, enum s_rule rule) {
    /* A new connection each time: a kept-alive one would slip past a flood or an exhausted pool. */
    struct ecc_diag diag;
    struct ecc_transport *fresh = ecc_transport_new(&f->options->transport, &diag);
    if (!fresh) {
        return ECC_ERR_NOMEM;
    }
    struct ecc_transport *kept = f->transport;
    f->transport = fresh;
    bool ok = false;
    char reason[400];
    enum ecc_status status =
        s_step_request(f, "ListTasks", json_pack("{s:s}", "cluster", f->health_cluster), &ok, reason, sizeof(reason));
    f->transport = kept;
    ecc_transport_destroy(fresh);
    if (status != ECC_OK || ok) {
        return status;
    }
    struct s_verdict v;
    memset(&v, 0, sizeof(v));
    s_verdict_set(&v, rule, 0, "", "%s", reason);
    /* The type: the transport's error name when there was no answer ("answered 0: <name>: ..."). */
    const char *colon = strstr(reason, "answered 0: ");
    if (colon) {
        snprintf(v.error_type, sizeof(v.error_type), "%.*s", (int)strcspn(colon + 12, ":"), colon + 12);
    }
    return s_attack_finding(f, attack, &v);
}

static enum ecc_status s_attack_finding(struct s_fuzzer *f, enum s_attack attack, const struct s_verdict *v) {
    bool is_new = false;
    enum ecc_status status = s_count_class(f, v, s_attack_names[attack], &is_new);
    if (status != ECC_OK || !is_new) {
        return status;
    }
    char reproducer[300];
    snprintf(
        reproducer,
        sizeof(reproducer),
        "ecsconf fuzz --endpoint %s --attacks --attack-ms %u --attack-connections %u --requests 1",
        f->options->endpoint_url,
        f->attack_ms,
        f->attack_connections);
    struct s_origin origin = {
        .mutation = s_attack_names[attack],
        .operation = "ListTasks",
        .detail = "connection-level attack (raw sockets); the health request is a signed ListTasks",
        .reproducer = reproducer,
    };
    return s_add_class(f->result, v, &origin);
}

static void s_close_all(int *fds, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
}

/* One attack: open its sockets, keep them busy for attack_ms while probing, close, probe again. */
static enum ecc_status s_attack_one(struct s_fuzzer *f, const struct s_target *target, enum s_attack attack) {
    size_t count = f->attack_connections;
    if (attack >= S_ATTACK_PIPELINE) {
        count = 1;
    }
    int *fds = malloc(count * sizeof(*fds));
    struct ecc_buf request, answer;
    ecc_buf_init(&request, S_OVERSIZED_HEADER_BYTES + 64 * 1024);
    ecc_buf_init(&answer, S_ATTACK_READ_MAX_BYTES);
    enum ecc_status status = fds ? ECC_OK : ECC_ERR_NOMEM;
    for (size_t i = 0; fds && i < count; i++) {
        fds[i] = -1;
    }
    if (status == ECC_OK) {
        status = s_attack_request(f, attack == S_ATTACK_HTTP10 ? "1.0" : "1.1", &request);
    }
    if (status != ECC_OK) {
        goto on_error;
    }
    for (size_t i = 0; i < count; i++) {
        fds[i] = s_attack_connect(target);
    }
    /* What each attack sends at once. */
    const char *head_end = strstr(request.data, "\r\n\r\n");
    size_t head_len = head_end ? (size_t)(head_end - request.data) + 4 : request.len;
    for (size_t i = 0; i < count; i++) {
        if (fds[i] < 0) {
            continue;
        }
        switch (attack) {
        case S_ATTACK_SLOWLORIS:
            (void)s_attack_send(fds[i], request.data, 20); /* the request line, then a byte per tick */
            break;
        case S_ATTACK_SLOW_BODY:
            (void)s_attack_send(fds[i], request.data, head_len); /* headers; the body a byte per tick */
            break;
        case S_ATTACK_IDLE_KEEP_ALIVE:
            (void)s_attack_send(fds[i], request.data, request.len); /* one request, then silence */
            break;
        case S_ATTACK_PIPELINE:
            for (int k = 0; k < 3; k++) {
                (void)s_attack_send(fds[i], request.data, request.len);
            }
            break;
        case S_ATTACK_CL_TE: {
            char smuggled[512];
            int n = snprintf(
                smuggled,
                sizeof(smuggled),
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 6\r\nTransfer-Encoding: "
                "chunked\r\n\r\n"
                "0\r\n\r\nGET /__smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                ECC_AWS_JSON_CONTENT_TYPE);
            (void)s_attack_send(fds[i], smuggled, (size_t)n);
            break;
        }
        case S_ATTACK_OVERSIZED_HEADER: {
            (void)s_attack_send(fds[i], request.data, 20);
            char *line = malloc(S_OVERSIZED_HEADER_BYTES + 16);
            if (line) {
                memcpy(line, "X-Pad: ", 7);
                memset(line + 7, 'a', S_OVERSIZED_HEADER_BYTES);
                memcpy(line + 7 + S_OVERSIZED_HEADER_BYTES, "\r\n\r\n", 4);
                (void)s_attack_send(fds[i], line, S_OVERSIZED_HEADER_BYTES + 11);
                free(line);
            }
            break;
        }
        default:
            (void)s_attack_send(fds[i], request.data, request.len);
            break;
        }
    }
    uint64_t start = ecc_monotonic_us(), end = start + (uint64_t)f->attack_ms * 1000u, next_probe = start;
    size_t trickled = 20;
    while (status == ECC_OK && ecc_monotonic_us() < end && !(f->options->interrupted && *f->options->interrupted)) {
        if (attack == S_ATTACK_SLOWLORIS || attack == S_ATTACK_SLOW_BODY) {
            size_t at = attack == S_ATTACK_SLOWLORIS ? trickled : head_len + (trickled - 20);
            /* Slow headers never finish them; a slow body stops one byte short of its length. */
            size_t limit = attack == S_ATTACK_SLOWLORIS ? head_len - 4 : request.len - 1;
            for (size_t i = 0; at < limit && i < count; i++) {
                if (fds[i] >= 0 && !s_attack_send(fds[i], request.data + at, 1)) {
                    close(fds[i]);
                    fds[i] = -1;
                }
            }
            trickled++;
        }
        if (attack == S_ATTACK_IDLE_KEEP_ALIVE) {
            for (size_t i = 0; i < count; i++) {
                char drain[4096];
                if (fds[i] >= 0 && recv(fds[i], drain, sizeof(drain), MSG_DONTWAIT) == 0) {
                    close(fds[i]);
                    fds[i] = -1;
                }
            }
        }
        if (attack == S_ATTACK_PIPELINE || attack == S_ATTACK_HTTP10) {
            uint64_t answer_deadline = ecc_monotonic_us() + (uint64_t)f->options->transport.timeout_ms * 1000u;
            s_attack_read(
                fds[0], &answer, answer_deadline, attack == S_ATTACK_PIPELINE ? s_three_answers : s_one_answer);
            size_t want = attack == S_ATTACK_PIPELINE ? 3 : 1;
            size_t got = s_count_in(&answer, "\r\n\r\n{");
            size_t json = s_count_in(&answer, ECC_AWS_JSON_CONTENT_TYPE);
            if (got < want || json < want) {
                struct s_verdict v;
                memset(&v, 0, sizeof(v));
                s_verdict_set(
                    &v,
                    S_RULE_ATTACK_ANSWER,
                    0,
                    got < want ? "missing" : "content-type",
                    "%zu of %zu AWS JSON answers arrived (%zu bytes read)",
                    got < want ? got : json,
                    want,
                    answer.len);
                status = s_attack_finding(f, attack, &v);
            }
            break;
        }
        if (status == ECC_OK && ecc_monotonic_us() >= next_probe) {
            status = s_attack_probe(f, attack, S_RULE_ATTACK_AVAILABILITY);
            next_probe = ecc_monotonic_us() + S_ATTACK_PROBE_EVERY_MS * 1000u;
        }
        struct timespec tick = {.tv_sec = 0, .tv_nsec = S_ATTACK_TICK_MS * 1000000L};
        nanosleep(&tick, NULL);
    }
    if (status == ECC_OK && (attack == S_ATTACK_PIPELINE || attack == S_ATTACK_HTTP10)) {
        status = s_attack_probe(f, attack, S_RULE_ATTACK_AVAILABILITY);
    }
    s_close_all(fds, count);
    if (status == ECC_OK) {
        status = s_attack_probe(f, attack, S_RULE_ATTACK_RECOVERY);
    }

on_error:
    free(fds);
    ecc_buf_clean_up(&request);
    ecc_buf_clean_up(&answer);
    return status;
}

static enum ecc_status s_attacks(struct s_fuzzer *f, struct ecc_diag *diag) {
    struct s_target target;
    enum ecc_status status = s_attack_target(f->options->endpoint_url, &target, diag);
    for (int a = 0; status == ECC_OK && a < S_ATTACK_COUNT; a++) {
        if (f->options->interrupted && *f->options->interrupted) {
            break;
        }
        status = s_attack_one(f, &target, (enum s_attack)a);
        f->result->attacks_run++;
    }
    return status;
}

void ecc_wirefuzz_options_init(struct ecc_wirefuzz_options *options) {
    memset(options, 0, sizeof(*options));
    ecc_transport_options_init(&options->transport);
    options->transport.timeout_ms = 10000;
    options->transport.connect_timeout_ms = 5000;
    options->jobs = 1;
    options->sequence_steps = S_DEFAULT_STEPS;
    options->minimize_budget = S_DEFAULT_MINIMIZE;
}

void ecc_wirefuzz_result_init(struct ecc_wirefuzz_result *result) {
    memset(result, 0, sizeof(*result));
}

void ecc_wirefuzz_result_clean_up(struct ecc_wirefuzz_result *result) {
    for (size_t i = 0; i < result->count; i++) {
        struct ecc_wirefuzz_finding *c = &result->findings[i];
        free(c->rule);
        free(c->error_type);
        free(c->mutation);
        free(c->operation);
        free(c->message);
        free(c->detail);
        free(c->reproducer);
    }
    free(result->findings);
    ecc_wirefuzz_result_init(result);
}

static enum ecc_status s_collect_fixtures(struct s_fuzzer *f) {
    const struct ecc_fixture_set *set = f->options->fixtures;
    if (!set || set->count == 0) {
        return ECC_OK;
    }
    f->fixture_bodies = calloc(set->count, sizeof(*f->fixture_bodies));
    if (!f->fixture_bodies) {
        return ECC_ERR_NOMEM;
    }
    for (size_t i = 0; i < set->count; i++) {
        const struct ecc_fixture *fx = set->items[i];
        if (fx->body && json_is_object(fx->body) && strcmp(fx->operation, "RunTask") == 0) {
            f->fixture_bodies[f->fixture_count++] = fx->body;
        }
    }
    return ECC_OK;
}

enum ecc_status ecc_wirefuzz_run(
    const struct ecc_wirefuzz_options *options, struct ecc_wirefuzz_result *result, struct ecc_diag *diag) {
    if (!options || !options->endpoint_url || !options->region || !options->credentials || !options->prefix) {
        ecc_diag_set(diag, "wirefuzz: endpoint, region, credentials and prefix are required");
        return ECC_ERR_INVALID;
    }
    if (!options->max_requests && !options->duration_ms) {
        ecc_diag_set(diag, "wirefuzz: a request count or a duration is required (every run is bounded)");
        return ECC_ERR_INVALID;
    }
    struct s_fuzzer f = {.options = options, .result = result};
    for (size_t i = 0; i < options->skip_rule_count; i++) {
        int r = ecc_wirefuzz_rule_index(options->skip_rules[i]);
        if (r < 0) {
            ecc_diag_set(
                diag, "wirefuzz: no rule is named '%.100s' (ecsconf fuzz --help lists them)", options->skip_rules[i]);
            return ECC_ERR_INVALID;
        }
        f.skipped_rules |= UINT64_C(1) << r;
    }
    result->skipped_rules = f.skipped_rules;
    unsigned jobs = options->jobs ? options->jobs : 1;
    struct s_lane *lanes = calloc(jobs, sizeof(*lanes));
    enum ecc_status status = lanes ? ECC_OK : ECC_ERR_NOMEM;
    ecc_credentials_init(&f.unknown_key);
    for (unsigned i = 0; lanes && i < jobs; i++) {
        lanes[i].phase = S_PHASE_IDLE;
        s_probe_init(&lanes[i].probe);
        lanes[i].tasks = calloc(S_MAX_LANE_TASKS, sizeof(*lanes[i].tasks));
        if (!lanes[i].tasks) {
            status = ECC_ERR_NOMEM;
        }
    }
    for (int m = 0; m < S_MUT_COUNT; m++) {
        f.mutation_weight_total += s_mutations[m].weight;
    }
    if (status == ECC_OK) {
        status = ecc_transport_endpoint_host(options->endpoint_url, f.host, sizeof(f.host), diag);
    }
    if (status == ECC_OK) {
        struct ecc_transport_options transport = options->transport;
        transport.max_idle_connections = jobs + 4;
        f.transport = ecc_transport_new(&transport, diag);
        f.signer = ecc_sigv4_signer_new();
        f.key_cache = ecc_sigv4_key_cache_new(0);
        status = f.transport && f.signer && f.key_cache ? ECC_OK : ECC_ERR_NOMEM;
        if (!f.transport) {
            status = ECC_ERR_INVALID;
        }
    }
    if (status == ECC_OK) {
        status = ecc_credentials_set(
            &f.unknown_key, ECC_RUNNER_UNKNOWN_ACCESS_KEY_ID, ECC_RUNNER_UNKNOWN_SECRET_ACCESS_KEY, NULL, diag);
    }
    if (status == ECC_OK) {
        status = s_collect_fixtures(&f);
    }
    if (status != ECC_OK) {
        goto on_error;
    }
    snprintf(f.health_cluster, sizeof(f.health_cluster), "%s-health", options->prefix);
    f.started_us = ecc_monotonic_us();
    f.deadline_us = f.started_us + options->duration_ms * 1000u;
    bool usable = false;
    status = s_preflight(&f, &usable);
    if (status != ECC_OK) {
        goto on_error;
    }
    if (!usable) {
        result->unusable = true;
        goto on_error; /* status ECC_OK: the run happened, the endpoint could not be used */
    }
    if (options->attacks) {
        f.attack_ms = options->attack_ms ? options->attack_ms : S_ATTACK_DEFAULT_MS;
        f.attack_connections = options->attack_connections ? options->attack_connections : S_ATTACK_DEFAULT_CONNECTIONS;
        if (f.attack_connections > S_ATTACK_MAX_CONNECTIONS) {
            f.attack_connections = S_ATTACK_MAX_CONNECTIONS;
        }
        status = s_attacks(&f, diag);
    }
    for (unsigned i = 0; i < jobs && status == ECC_OK; i++) {
        status = s_lane_submit(&f, &lanes[i], diag);
    }
    while (status == ECC_OK && ecc_transport_pending(f.transport) > 0) {
        if (options->interrupted && *options->interrupted >= 2) {
            break; /* a second interrupt abandons the cleanup too */
        }
        struct ecc_transport_exchange *ex = NULL;
        enum ecc_status next = ecc_transport_next(f.transport, 200, &ex);
        if (next == ECC_ERR_TIMEOUT) {
            continue;
        }
        if (next != ECC_OK) {
            break;
        }
        struct s_lane *lane = ex->user_data;
        status = s_on_answer(&f, ex);
        ecc_transport_exchange_destroy(ex);
        if (status == ECC_OK) {
            status = s_lane_submit(&f, lane, diag);
        }
    }
    if (status == ECC_OK && !options->stateless && !(options->interrupted && *options->interrupted >= 2)) {
        bool deleted = false;
        char reason[256];
        status = s_step_request(
            &f, "DeleteCluster", json_pack("{s:s}", "cluster", f.health_cluster), &deleted, reason, sizeof(reason));
        result->cleanup_failures += !deleted;
    }
    if (status != ECC_OK && !diag->text[0]) {
        ecc_diag_set(diag, "wirefuzz: %s", ecc_status_name(status));
    }

on_error:
    result->interrupted = options->interrupted && *options->interrupted;
    result->elapsed_us = f.started_us ? ecc_monotonic_us() - f.started_us : 0;
    for (unsigned i = 0; lanes && i < jobs; i++) {
        if (lanes[i].tasks) {
            s_lane_forget_tasks(&lanes[i]);
        }
        free(lanes[i].tasks);
        s_probe_clean_up(&lanes[i].probe);
    }
    free(lanes);
    free(f.fixture_bodies);
    ecc_transport_destroy(f.transport);
    ecc_sigv4_signer_destroy(f.signer);
    ecc_sigv4_key_cache_destroy(f.key_cache);
    ecc_credentials_clean_up(&f.unknown_key);
    return status;
}

enum ecc_status ecc_wirefuzz_to_report(const struct ecc_wirefuzz_result *result, struct ecc_run_report *report) {
    enum ecc_status status = ECC_OK;
    for (size_t r = 0; r < S_RULE_COUNT && status == ECC_OK; r++) {
        bool any = false;
        for (size_t i = 0; i < result->count && status == ECC_OK; i++) {
            const struct ecc_wirefuzz_finding *c = &result->findings[i];
            if (strcmp(c->rule, s_rules[r].name) != 0) {
                continue;
            }
            any = true;
            char id[400], reason[700];
            snprintf(
                id, sizeof(id), "%s %d %s %s", c->rule, c->status, c->error_type[0] ? c->error_type : "-", c->mutation);
            snprintf(
                reason, sizeof(reason), "%s (%" PRIu64 " request%s)", c->message, c->hits, c->hits == 1 ? "" : "s");
            struct ecc_case_report item = {
                .id = id,
                .group = "wirefuzz",
                .title = (char *)s_rules[r].summary,
                .result = ECC_RESULT_FAIL,
                .reason = reason,
                .detail = c->detail,
                .reproducer = c->reproducer,
            };
            status = ecc_run_report_add(report, &item);
        }
        if (!any && status == ECC_OK) {
            bool skipped = (result->skipped_rules & (UINT64_C(1) << r)) != 0;
            bool not_run = r >= S_RULE_ATTACK_AVAILABILITY && result->attacks_run == 0;
            struct ecc_case_report item = {
                .id = (char *)s_rules[r].name,
                .group = "wirefuzz",
                .title = (char *)s_rules[r].summary,
                .result = skipped || not_run ? ECC_RESULT_SKIP : ECC_RESULT_PASS,
                .reason = skipped   ? "not judged: the run skipped this rule (--skip-rule)"
                          : not_run ? "no connection-level attack ran (--attacks not given)"
                                    : NULL,
            };
            status = ecc_run_report_add(report, &item);
        }
    }
    if (report) {
        report->duration_ms = result->elapsed_us / 1000u;
    }
    return status;
}

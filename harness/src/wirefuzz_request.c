/*
 * The wire fuzzer's requests (wirefuzz_internal.h): the mutation table, and how one request is made from
 * (seed, sequence, step): its body (the structure-aware builder, the fixtures, limit, JSON and byte
 * mutations), its envelope and signature mutations, and what its answer may be, decided before it is
 * sent with the request codec and validate.c.
 */
#include "wirefuzz_internal.h"

#include "ecc/codec_request.h"
#include "ecc/fuzz_request_builder.h"
#include "ecc/sigv4.h"
#include "ecc/validate.h"
#include "ecc/vars.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------------------------------ */
/* Mutations                                                                                        */

const struct wirefuzz_mutation wirefuzz_mutation_table[WIREFUZZ_MUT_COUNT] = {
    [WIREFUZZ_MUT_NONE] = {"step", WIREFUZZ_KIND_STEP, false, 0},
    [WIREFUZZ_MUT_VALID] = {"valid", WIREFUZZ_KIND_BODY, false, 12},
    [WIREFUZZ_MUT_MODEL] = {"model", WIREFUZZ_KIND_BODY, false, 30},
    [WIREFUZZ_MUT_FIXTURE] = {"fixture", WIREFUZZ_KIND_BODY, false, 6},
    [WIREFUZZ_MUT_LIMIT_PAST] = {"limit.past", WIREFUZZ_KIND_BODY, false, 6},
    [WIREFUZZ_MUT_JSON_WRONG_TYPE] = {"json.wrong-type", WIREFUZZ_KIND_BODY, false, 6},
    [WIREFUZZ_MUT_JSON_UNKNOWN_MEMBER] = {"json.unknown-member", WIREFUZZ_KIND_BODY, false, 3},
    [WIREFUZZ_MUT_JSON_DEEP_NESTING] = {"json.deep-nesting", WIREFUZZ_KIND_BODY, false, 2},
    [WIREFUZZ_MUT_JSON_ODD_UNICODE] = {"json.odd-unicode", WIREFUZZ_KIND_BODY, false, 3},
    [WIREFUZZ_MUT_BODY_BYTES] = {"body.bytes", WIREFUZZ_KIND_BODY, false, 4},
    [WIREFUZZ_MUT_BODY_NOT_OBJECT] = {"body.not-object", WIREFUZZ_KIND_BODY, false, 2},
    [WIREFUZZ_MUT_TARGET_UNKNOWN] = {"target.unknown", WIREFUZZ_KIND_PROTOCOL, true, 1},
    [WIREFUZZ_MUT_TARGET_WRONG_CASE] = {"target.wrong-case", WIREFUZZ_KIND_PROTOCOL, true, 1},
    [WIREFUZZ_MUT_TARGET_MISSING] = {"target.missing", WIREFUZZ_KIND_PROTOCOL, true, 1},
    [WIREFUZZ_MUT_TARGET_OTHER_SERVICE] = {"target.other-service", WIREFUZZ_KIND_PROTOCOL, true, 1},
    [WIREFUZZ_MUT_TARGET_NO_OPERATION] = {"target.no-operation", WIREFUZZ_KIND_PROTOCOL, true, 2},
    [WIREFUZZ_MUT_TARGET_DUPLICATE] = {"target.duplicate", WIREFUZZ_KIND_PROTOCOL, false, 1},
    [WIREFUZZ_MUT_CONTENT_TYPE_MISSING] = {"content-type.missing", WIREFUZZ_KIND_PROTOCOL, true, 1},
    [WIREFUZZ_MUT_CONTENT_TYPE_TEXT] = {"content-type.text", WIREFUZZ_KIND_PROTOCOL, true, 1},
    [WIREFUZZ_MUT_CONTENT_TYPE_JSON] = {"content-type.json", WIREFUZZ_KIND_PROTOCOL, false, 1},
    [WIREFUZZ_MUT_CONTENT_TYPE_DUPLICATE] = {"content-type.duplicate", WIREFUZZ_KIND_PROTOCOL, false, 1},
    [WIREFUZZ_MUT_CONTENT_ENCODING] = {"content-encoding.gzip", WIREFUZZ_KIND_PROTOCOL, false, 1},
    [WIREFUZZ_MUT_METHOD] = {"method.put", WIREFUZZ_KIND_PROTOCOL, true, 1},
    [WIREFUZZ_MUT_PATH] = {"path.other", WIREFUZZ_KIND_PROTOCOL, true, 1},
    [WIREFUZZ_MUT_SIG_UNSIGNED] = {"sig.unsigned", WIREFUZZ_KIND_SIGNATURE, true, 2},
    [WIREFUZZ_MUT_SIG_NO_AUTHORIZATION] = {"sig.no-authorization", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_ALGORITHM] = {"sig.algorithm", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_UNKNOWN_KEY] = {"sig.unknown-key", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_SCOPE_DATE] = {"sig.scope-date", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_SCOPE_REGION] = {"sig.scope-region", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_SCOPE_SERVICE] = {"sig.scope-service", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_SCOPE_TERMINATOR] = {"sig.scope-terminator", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_SIGNED_HEADERS] = {"sig.signed-headers", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_SIGNATURE] = {"sig.signature", WIREFUZZ_KIND_SIGNATURE, true, 2},
    [WIREFUZZ_MUT_SIG_OTHER_BYTES] = {"sig.other-bytes", WIREFUZZ_KIND_SIGNATURE, true, 2},
    [WIREFUZZ_MUT_SIG_HEADER_AFTER] = {"sig.header-after-signing", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_DATE_SKEW] = {"sig.date-skew", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_DATE_FORMAT] = {"sig.date-format", WIREFUZZ_KIND_SIGNATURE, true, 1},
    [WIREFUZZ_MUT_SIG_DATE_MISSING] = {"sig.date-missing", WIREFUZZ_KIND_SIGNATURE, true, 1},
};

/* ------------------------------------------------------------------------------------------------ */
/* Requests                                                                                         */

static int64_t s_clock_skewed(void *user_data) {
    (void)user_data;
    return (int64_t)time(NULL) - WIREFUZZ_SKEW_S;
}

void wirefuzz_probe_init(struct wirefuzz_probe *p) {
    memset(p, 0, sizeof(*p));
    ecc_buf_init(&p->body, WIREFUZZ_MAX_BODY_BYTES);
    ecc_run_task_request_init(&p->parsed);
    ecc_http_request_init(&p->request);
}

void wirefuzz_probe_clean_up(struct wirefuzz_probe *p) {
    ecc_buf_clean_up(&p->body);
    ecc_run_task_request_clean_up(&p->parsed);
    ecc_http_request_clean_up(&p->request);
}

void wirefuzz_probe_reset(struct wirefuzz_probe *p) {
    wirefuzz_probe_clean_up(p);
    wirefuzz_probe_init(p);
}

/* The generator of one step: a function of (seed, sequence, step, stream) only. */
uint64_t wirefuzz_step_rng(const struct wirefuzz_fuzzer *f, uint64_t sequence, unsigned step, uint64_t stream) {
    uint64_t state = f->options->seed ^ (sequence * 0x9e3779b97f4a7c15u) ^ ((uint64_t)step << 40) ^ (stream << 56);
    (void)ecc_vars_rng_next(&state);
    return state;
}

uint64_t wirefuzz_below(uint64_t *rng, uint64_t n) {
    return n ? ecc_vars_rng_next(rng) % n : 0;
}

enum ecc_status wirefuzz_append_json(struct ecc_buf *out, const json_t *value) {
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
static json_t *s_valid_body(const struct wirefuzz_lane *lane, uint64_t *rng) {
    char token[40];
    snprintf(token, sizeof(token), "wf-%016" PRIx64, ecc_vars_rng_next(rng));
    json_t *body = json_pack(
        "{s:s, s:s, s:I, s:s}",
        "cluster",
        lane->cluster,
        "taskDefinition",
        lane->family,
        "count",
        (json_int_t)(ECC_RUN_TASK_COUNT_MIN + wirefuzz_below(rng, ECC_RUN_TASK_COUNT_MAX)),
        "launchType",
        wirefuzz_below(rng, 2) ? "EC2" : "FARGATE");
    if (body && wirefuzz_below(rng, 2)) {
        json_object_set_new(body, "clientToken", json_string(token));
    }
    if (body && wirefuzz_below(rng, 2)) {
        json_object_set_new(body, "startedBy", json_string("ecsconf-fuzz"));
    }
    if (body && wirefuzz_below(rng, 3) == 0) {
        json_object_set_new(body, "tags", json_pack("[{s:s, s:s}]", "key", "run", "value", lane->cluster));
    }
    return body;
}

/* The builder's request from generator bytes; most of the time aimed at the lane's resources so
 * that requests get past the not-found checks into the deep ones. */
static enum ecc_status s_model_body(const struct wirefuzz_lane *lane, uint64_t *rng, struct wirefuzz_probe *p) {
    uint8_t bytes[WIREFUZZ_BUILDER_BYTES];
    size_t len = 64 + (size_t)wirefuzz_below(rng, sizeof(bytes) - 64);
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
    if (wirefuzz_below(rng, 4) != 0) {
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

/* The variables a fixture body may use, with the lane's names. */
static enum ecc_status
s_fixture_vars(struct ecc_vars *vars, const struct wirefuzz_fuzzer *f, const struct wirefuzz_lane *lane) {
    const char *const values[][2] = {
        {"cluster", lane->cluster},
        {"family", lane->family},
        {"prefix", lane->cluster},
        {"region", f->options->region},
        {"account", "000000000000"},
        {"subnet", "subnet-00000000"},
        {"security_group", "sg-00000000"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(values); i++) {
        enum ecc_status status = ecc_vars_set_string(vars, values[i][0], values[i][1]);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static json_t *s_fixture_body(const struct wirefuzz_fuzzer *f, const struct wirefuzz_lane *lane, uint64_t *rng) {
    if (f->fixture_count == 0) {
        return NULL;
    }
    const json_t *template = f->fixture_bodies[wirefuzz_below(rng, f->fixture_count)];
    struct ecc_vars vars;
    if (ecc_vars_init(&vars, ecc_vars_rng_next(rng)) != ECC_OK) {
        return NULL;
    }
    json_t *out = NULL;
    if (s_fixture_vars(&vars, f, lane) != ECC_OK) {
        goto done;
    }
    struct ecc_diag diag;
    if (ecc_vars_expand(&vars, template, &out, &diag) != ECC_OK) {
        out = NULL;
    }
done:
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
    switch (wirefuzz_below(rng, 9)) {
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
        return wirefuzz_below(rng, 2) ? json_integer(7) : json_pack("{s:s}", "value", "x");
    case JSON_INTEGER:
    case JSON_REAL:
        return wirefuzz_below(rng, 2) ? json_string("1") : json_pack("[i]", 1);
    case JSON_ARRAY:
        return wirefuzz_below(rng, 2) ? json_string("[]") : json_object();
    case JSON_OBJECT:
        return wirefuzz_below(rng, 2) ? json_array() : json_string("{}");
    default:
        return json_string("true");
    }
}

/* The mutations of the body as a JSON object. */
static void s_mutate_json(json_t *body, enum wirefuzz_mut mut, uint64_t *rng) {
    switch (mut) {
    case WIREFUZZ_MUT_JSON_WRONG_TYPE: {
        size_t n = json_object_size(body), pick = (size_t)wirefuzz_below(rng, n), i = 0;
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
    case WIREFUZZ_MUT_LIMIT_PAST:
        s_break_one_limit(body, rng);
        break;
    case WIREFUZZ_MUT_JSON_UNKNOWN_MEMBER: {
        char name[40];
        snprintf(name, sizeof(name), "ecsconfUnknown%u", (unsigned)wirefuzz_below(rng, 1000));
        json_object_set_new(body, name, wirefuzz_below(rng, 2) ? json_string("x") : json_pack("{s:[i]}", "a", 1));
        break;
    }
    default:
        break;
    }
}

/* Replaces bytes [from, to) of `body` by the `insert_len` bytes of `insert`. */
static enum ecc_status
s_splice_body(struct ecc_buf *body, size_t from, size_t to, const char *insert, size_t insert_len) {
    struct ecc_buf text;
    ecc_buf_init(&text, WIREFUZZ_MAX_BODY_BYTES);
    enum ecc_status status = ecc_buf_append(&text, body->data, from);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_buf_append(&text, insert, insert_len);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_buf_append(&text, body->data + to, body->len - to);
    if (status != ECC_OK) {
        goto done;
    }
    ecc_buf_reset(body);
    status = ecc_buf_append(body, text.data, text.len);
done:
    ecc_buf_clean_up(&text);
    return status;
}

/* `{"overrides":` and `depth` nested arrays, then `,`: what JSON_DEEP_NESTING puts before the object's
 * first member. */
static enum ecc_status s_nesting_text(struct ecc_buf *text, size_t depth, uint64_t *rng) {
    enum ecc_status status = ecc_buf_append_str(text, "{\"overrides\":");
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; i < depth; i++) {
        status = ecc_buf_append_byte(text, wirefuzz_below(rng, 4) ? '[' : '[');
        if (status != ECC_OK) {
            return status;
        }
    }
    for (size_t i = 0; i < depth; i++) {
        status = ecc_buf_append_byte(text, ']');
        if (status != ECC_OK) {
            return status;
        }
    }
    return ecc_buf_append(text, ",", 1);
}

/* JSON_DEEP_NESTING: a member nested thousands of arrays deep, first in the object. */
static enum ecc_status s_deep_nesting(struct ecc_buf *body, uint64_t *rng) {
    size_t depth = 64 + (size_t)wirefuzz_below(rng, WIREFUZZ_DEEP_NESTING_MAX);
    struct ecc_buf nesting;
    ecc_buf_init(&nesting, WIREFUZZ_MAX_BODY_BYTES);
    enum ecc_status status = s_nesting_text(&nesting, depth, rng);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_splice_body(body, 0, 1, nesting.data, nesting.len);
done:
    ecc_buf_clean_up(&nesting);
    return status;
}

/* JSON_ODD_UNICODE: an odd sequence (lone surrogates, overlong or cut UTF-8, ...) into the first string
 * value. */
static enum ecc_status s_odd_unicode(struct ecc_buf *body, uint64_t *rng) {
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
    const char *snippet = odd[wirefuzz_below(rng, ECC_ARRAY_LEN(odd))];
    /* Into the first string value: after `":"`. */
    char *at = strstr(body->data, "\":\"");
    if (!at) {
        return ECC_OK;
    }
    size_t offset = (size_t)(at - body->data) + 3;
    return s_splice_body(body, offset, offset, snippet, strlen(snippet));
}

/* BODY_BYTES: one to four edits of the text: a bit flipped, a cut, garbage appended, a NUL. */
static enum ecc_status s_edit_bytes(struct ecc_buf *body, uint64_t *rng) {
    unsigned edits = 1 + (unsigned)wirefuzz_below(rng, 4);
    for (unsigned e = 0; e < edits && body->len > 0; e++) {
        size_t at = (size_t)wirefuzz_below(rng, body->len);
        enum ecc_status status = ECC_OK;
        switch (wirefuzz_below(rng, 4)) {
        case 0:
            body->data[at] = (char)((unsigned char)body->data[at] ^ (1u << (unsigned)wirefuzz_below(rng, 8)));
            break;
        case 1:
            body->len = at; /* truncated */
            break;
        case 2:
            status = ecc_buf_append_str(body, wirefuzz_below(rng, 2) ? "}garbage" : "\x00\xff{");
            break;
        default:
            body->data[at] = '\0';
            break;
        }
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* The raw mutations work on the text: what they make is not a JSON object any more. */
static enum ecc_status s_mutate_text(struct wirefuzz_probe *p, enum wirefuzz_mut mut, uint64_t *rng) {
    switch (mut) {
    case WIREFUZZ_MUT_JSON_DEEP_NESTING:
        p->body_is_json = false;
        return s_deep_nesting(&p->body, rng);
    case WIREFUZZ_MUT_JSON_ODD_UNICODE:
        p->body_is_json = false;
        return s_odd_unicode(&p->body, rng);
    case WIREFUZZ_MUT_BODY_BYTES:
        p->body_is_json = false;
        return s_edit_bytes(&p->body, rng);
    case WIREFUZZ_MUT_BODY_NOT_OBJECT: {
        static const char *const shapes[] = {"[]", "\"RunTask\"", "1", "null", "true", "[{}]"};
        ecc_buf_reset(&p->body);
        p->body_is_json = false;
        return ecc_buf_append_str(&p->body, shapes[wirefuzz_below(rng, ECC_ARRAY_LEN(shapes))]);
    }
    default:
        return ECC_OK;
    }
}

/* Body of a fuzzed RunTask step: its source (valid, model, fixture) and its body mutation. */
enum ecc_status wirefuzz_make_body(
    struct wirefuzz_fuzzer *f, const struct wirefuzz_lane *lane, uint64_t *rng, struct wirefuzz_probe *p) {
    json_t *body = NULL;
    enum wirefuzz_mut mut = p->mut;
    if (mut == WIREFUZZ_MUT_MODEL) {
        enum ecc_status status = s_model_body(lane, rng, p);
        p->body_is_json = true;
        return status;
    }
    if (mut == WIREFUZZ_MUT_FIXTURE) {
        body = s_fixture_body(f, lane, rng);
    }
    if (!body) {
        body = s_valid_body(lane, rng);
    }
    if (!body) {
        return ECC_ERR_NOMEM;
    }
    s_mutate_json(body, mut, rng);
    enum ecc_status status = wirefuzz_append_json(&p->body, body);
    json_decref(body);
    p->body_is_json = true;
    if (status != ECC_OK) {
        return status;
    }
    return s_mutate_text(p, mut, rng);
}

/* What a RunTask body may be answered with: the request codec and validate.c decide, as in the emulator
 * (one parse refusing duplicate keys as its JSON reader does, an empty body read as {}, then the codec's
 * reader of a parsed body). */
void wirefuzz_classify_body(struct wirefuzz_probe *p) {
    if (strcmp(p->operation, "RunTask") != 0) {
        return;
    }
    struct ecc_diag diag;
    json_error_t error;
    json_t *root = p->body.len ? json_loadb(p->body.data, p->body.len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &error)
                               : json_object();
    enum ecc_status status = ECC_ERR_INVALID;
    if (root) {
        struct ecc_json_path path;
        ecc_json_path_init(&path);
        status = ecc_codec_read_run_task_request(root, &path, &p->parsed, NULL, &diag);
        json_decref(root);
    }
    if (status != ECC_OK) {
        ecc_run_task_request_clean_up(&p->parsed);
        ecc_run_task_request_init(&p->parsed);
        p->expect = WIREFUZZ_EXPECT_REJECT_SERIALIZATION;
        return;
    }
    p->has_parsed = true;
    struct ecc_validation_result validation;
    ecc_validation_result_init(&validation);
    if (ecc_validate_run_task_request(&p->parsed, NULL, &validation) == ECC_ERR_INVALID) {
        p->expect = WIREFUZZ_EXPECT_REJECT_VALIDATION;
        size_t used = 0;
        for (size_t i = 0; i < validation.count && i < WIREFUZZ_MAX_VALIDATION_IDS; i++) {
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
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_buf_append_str(&text, to);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_buf_append_str(&text, at + strlen(from));
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_http_headers_set(&r->headers, name, text.data);
done:
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

/* The envelope mutations (X-Amz-Target, Content-Type, Content-Encoding, method, path), before signing. */
static enum ecc_status s_break_envelope(struct ecc_http_request *r, const struct wirefuzz_probe *p, uint64_t *rng) {
    enum ecc_status status = ECC_OK;
    char target[200];
    switch (p->mut) {
    case WIREFUZZ_MUT_TARGET_UNKNOWN:
        snprintf(target, sizeof(target), "%s.%sX", ECC_AWS_JSON_TARGET_PREFIX, p->operation);
        status = ecc_http_headers_set(&r->headers, "X-Amz-Target", target);
        break;
    case WIREFUZZ_MUT_TARGET_WRONG_CASE:
        snprintf(target, sizeof(target), "%s.runtask", ECC_AWS_JSON_TARGET_PREFIX);
        status = ecc_http_headers_set(&r->headers, "X-Amz-Target", target);
        break;
    case WIREFUZZ_MUT_TARGET_MISSING:
        ecc_http_headers_remove(&r->headers, "X-Amz-Target");
        break;
    case WIREFUZZ_MUT_TARGET_OTHER_SERVICE:
        status = ecc_http_headers_set(&r->headers, "X-Amz-Target", "DynamoDB_20120810.RunTask");
        break;
    case WIREFUZZ_MUT_TARGET_NO_OPERATION:
        status = ecc_http_headers_set(
            &r->headers,
            "X-Amz-Target",
            wirefuzz_below(rng, 2) ? ECC_AWS_JSON_TARGET_PREFIX "." : ECC_AWS_JSON_TARGET_PREFIX);
        break;
    case WIREFUZZ_MUT_TARGET_DUPLICATE:
        snprintf(target, sizeof(target), "%s.DeleteCluster", ECC_AWS_JSON_TARGET_PREFIX);
        status = ecc_http_headers_add(&r->headers, "X-Amz-Target", target);
        break;
    case WIREFUZZ_MUT_CONTENT_TYPE_MISSING:
        ecc_http_headers_remove(&r->headers, "Content-Type");
        break;
    case WIREFUZZ_MUT_CONTENT_TYPE_TEXT:
        status = ecc_http_headers_set(
            &r->headers, "Content-Type", wirefuzz_below(rng, 2) ? "text/plain" : "application/x-www-form-urlencoded");
        break;
    case WIREFUZZ_MUT_CONTENT_TYPE_JSON:
        status = ecc_http_headers_set(&r->headers, "Content-Type", "application/json");
        break;
    case WIREFUZZ_MUT_CONTENT_TYPE_DUPLICATE:
        status = ecc_http_headers_add(&r->headers, "Content-Type", "text/html");
        break;
    case WIREFUZZ_MUT_CONTENT_ENCODING:
        status = ecc_http_headers_add(&r->headers, "Content-Encoding", wirefuzz_below(rng, 2) ? "gzip" : "br");
        break;
    case WIREFUZZ_MUT_METHOD:
        status = ecc_http_request_set_line(r, wirefuzz_below(rng, 2) ? "PUT" : "PATCH", NULL, NULL);
        break;
    case WIREFUZZ_MUT_PATH:
        status = ecc_http_request_set_line(r, NULL, wirefuzz_below(rng, 2) ? "/ecs" : "/2014-11-13/runtask", NULL);
        break;
    default:
        break;
    }
    return status;
}

/* SIG_OTHER_BYTES: signed over another body, then the real body put back. */
static enum ecc_status s_sign_other_bytes(
    struct wirefuzz_fuzzer *f,
    struct ecc_http_request *r,
    const struct ecc_sigv4_sign_options *sign,
    struct ecc_diag *diag) {
    struct ecc_http_request other;
    ecc_http_request_init(&other);
    enum ecc_status status = ecc_http_request_copy(&other, r);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_http_request_set_body(&other, "{\"count\":2}", 11);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_sigv4_signer_sign(f->signer, &other, sign, diag);
    if (status != ECC_OK) {
        goto done;
    }
    const char *authorization = ecc_http_headers_get(&other.headers, "Authorization");
    const char *date = ecc_http_headers_get(&other.headers, "X-Amz-Date");
    if (authorization && date) {
        status = ecc_http_headers_set(&r->headers, "X-Amz-Date", date);
        if (status != ECC_OK) {
            goto done;
        }
        status = ecc_http_headers_set(&r->headers, "Authorization", authorization);
    }
done:
    ecc_http_request_clean_up(&other);
    return status;
}

/* SIG_SIGNATURE: one hex digit of the signature changed, or one dropped. */
static enum ecc_status s_break_signature_value(struct ecc_http_request *r, uint64_t *rng) {
    enum ecc_status status = ECC_OK;
    const char *value = ecc_http_headers_get(&r->headers, "Authorization");
    const char *sig = value ? strstr(value, "Signature=") : NULL;
    if (sig) {
        char *copy = ecc_strdup(value);
        if (!copy) {
            return ECC_ERR_NOMEM;
        }
        char *hex = copy + (sig - value) + strlen("Signature=");
        size_t hex_len = strlen(hex);
        if (wirefuzz_below(rng, 3) == 0 && hex_len > 1) {
            hex[hex_len - 1] = '\0'; /* one digit short */
        } else if (hex_len > 0) {
            size_t at = (size_t)wirefuzz_below(rng, hex_len);
            hex[at] = hex[at] == '0' ? '1' : '0';
        }
        status = ecc_http_headers_set(&r->headers, "Authorization", copy);
        ecc_secure_zero(copy, strlen(copy));
        free(copy);
    }
    return status;
}

/* The signature mutations that break one part of a signed request. */
static enum ecc_status s_break_signature(struct ecc_http_request *r, enum wirefuzz_mut mut, uint64_t *rng) {
    enum ecc_status status = ECC_OK;
    switch (mut) {
    case WIREFUZZ_MUT_SIG_NO_AUTHORIZATION:
        ecc_http_headers_remove(&r->headers, "Authorization");
        break;
    case WIREFUZZ_MUT_SIG_ALGORITHM:
        status = s_header_replace(
            r, "Authorization", "AWS4-HMAC-SHA256", wirefuzz_below(rng, 2) ? "AWS4-HMAC-SHA1" : "AWS3");
        break;
    case WIREFUZZ_MUT_SIG_SCOPE_DATE:
        status = s_break_scope(r, 1, "19991231");
        break;
    case WIREFUZZ_MUT_SIG_SCOPE_REGION:
        status = s_break_scope(r, 2, "xx-nowhere-9");
        break;
    case WIREFUZZ_MUT_SIG_SCOPE_SERVICE:
        status = s_break_scope(r, 3, wirefuzz_below(rng, 2) ? "s3" : "ec2");
        break;
    case WIREFUZZ_MUT_SIG_SCOPE_TERMINATOR:
        status = s_break_scope(r, 4, "aws5_request");
        break;
    case WIREFUZZ_MUT_SIG_SIGNED_HEADERS:
        status = wirefuzz_below(rng, 2) ? s_header_replace(r, "Authorization", "host;", "")
                                        : s_header_replace(r, "Authorization", ";x-amz-target", "");
        break;
    case WIREFUZZ_MUT_SIG_SIGNATURE:
        status = s_break_signature_value(r, rng);
        break;
    case WIREFUZZ_MUT_SIG_HEADER_AFTER:
        status = ecc_http_headers_set(&r->headers, "Content-Type", ECC_AWS_JSON_CONTENT_TYPE "; charset=utf-8");
        break;
    case WIREFUZZ_MUT_SIG_DATE_FORMAT:
        status = ecc_http_headers_set(
            &r->headers, "X-Amz-Date", wirefuzz_below(rng, 2) ? "2026-12-07T00:00:00Z" : "garbage");
        break;
    case WIREFUZZ_MUT_SIG_DATE_MISSING:
        ecc_http_headers_remove(&r->headers, "X-Amz-Date");
        break;
    default:
        break;
    }
    return status;
}

/* Builds the request of `p` from its operation, body and mutation: envelope, Host, signature. */
enum ecc_status wirefuzz_build_request(struct wirefuzz_fuzzer *f, struct wirefuzz_probe *p, struct ecc_diag *diag) {
    ecc_http_request_clean_up(&p->request);
    ecc_http_request_init(&p->request);
    struct ecc_http_request *r = &p->request;
    enum ecc_status status =
        ecc_codec_build_aws_json_request(p->operation, p->body.data ? p->body.data : "", p->body.len, r, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (!p->body.len) {
        status = ecc_http_request_set_body(r, "", 0);
        if (status != ECC_OK) {
            return status;
        }
        status = ecc_http_headers_set(&r->headers, "Content-Length", "0");
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_http_headers_add(&r->headers, "Host", f->host);
    if (status != ECC_OK) {
        return status;
    }
    uint64_t rng = p->param;
    status = s_break_envelope(r, p, &rng);
    if (status != ECC_OK) {
        return status;
    }

    struct ecc_sigv4_sign_options sign = {
        .credentials = f->options->credentials,
        .region = f->options->region,
        .service = "ecs",
        .key_cache = f->key_cache,
    };
    if (p->mut == WIREFUZZ_MUT_SIG_UNKNOWN_KEY) {
        sign.credentials = &f->unknown_key;
    }
    if (p->mut == WIREFUZZ_MUT_SIG_DATE_SKEW) {
        sign.clock = s_clock_skewed;
    }
    if (p->mut == WIREFUZZ_MUT_SIG_OTHER_BYTES) {
        return s_sign_other_bytes(f, r, &sign, diag);
    }
    if (p->mut == WIREFUZZ_MUT_SIG_UNSIGNED) {
        return ECC_OK;
    }
    status = ecc_sigv4_signer_sign(f->signer, r, &sign, diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_break_signature(r, p->mut, &rng);
}

/*
 * `ecsconf fuzz`: the wire fuzzer of wirefuzz.h. Lanes run stateful sequences (setup, fuzzed requests,
 * cleanup, health) through one transport's curl multi; each request is generated from (seed, sequence,
 * step) alone, so a run's requests do not depend on timing. Every answer goes through the rule table
 * below (judged in wirefuzz_oracle.c); what a request may be answered with is decided before it is
 * sent, by the same code the emulator uses to reject (the request codec and validate.c), so the oracle
 * has no second copy of a protocol limit. This file holds the rules, the lanes and the run; the other
 * parts are listed in wirefuzz_internal.h.
 */
#include "wirefuzz_internal.h"

#include "ecc/runner.h"
#include "ecc/vars.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* Rules                                                                                            */

const struct ecc_wirefuzz_rule wirefuzz_rule_table[WIREFUZZ_RULE_COUNT] = {
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
    {"attack.recovery",
     "after a connection-level attack the health request is answered again within the recovery time (probes "
     "without an answer are repeated until then)"},
    {"attack.answer", "pipelined and HTTP/1.0 requests get their AWS JSON answers"},
};

const struct ecc_wirefuzz_rule *ecc_wirefuzz_rules(size_t *count) {
    *count = WIREFUZZ_RULE_COUNT;
    return wirefuzz_rule_table;
}

int ecc_wirefuzz_rule_index(const char *name) {
    for (int r = 0; r < WIREFUZZ_RULE_COUNT; r++) {
        if (strcmp(wirefuzz_rule_table[r].name, name) == 0) {
            return r;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------------------------------------ */
/* Lanes                                                                                            */

static enum wirefuzz_mut s_pick_mutation(struct wirefuzz_fuzzer *f, uint64_t *rng) {
    uint64_t roll = wirefuzz_below(rng, f->mutation_weight_total);
    for (int m = 0; m < WIREFUZZ_MUT_COUNT; m++) {
        if (roll < wirefuzz_mutation_table[m].weight) {
            return (enum wirefuzz_mut)m;
        }
        roll -= wirefuzz_mutation_table[m].weight;
    }
    return WIREFUZZ_MUT_VALID;
}

static void s_lane_forget_tasks(struct wirefuzz_lane *lane) {
    for (size_t i = 0; i < lane->task_count; i++) {
        free(lane->tasks[i]);
    }
    lane->task_count = 0;
    lane->stop_index = 0;
    free(lane->task_definition_arn);
    lane->task_definition_arn = NULL;
}

static bool s_budget_left(const struct wirefuzz_fuzzer *f) {
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

/* `body` (a new reference, taken; NULL when out of memory) as the probe's JSON body; *has_request when
 * it is set. */
static enum ecc_status s_set_body(struct wirefuzz_probe *p, json_t *body, bool *has_request) {
    enum ecc_status status = body ? wirefuzz_append_json(&p->body, body) : ECC_ERR_NOMEM;
    json_decref(body);
    p->body_is_json = true;
    if (status != ECC_OK) {
        return status;
    }
    *has_request = true;
    return ECC_OK;
}

/* Fills the lane's probe with its next request; false when the lane has nothing more to send. */
static enum ecc_status s_lane_next(struct wirefuzz_fuzzer *f, struct wirefuzz_lane *lane, bool *has_request) {
    *has_request = false;
    struct wirefuzz_probe *p = &lane->probe;
    wirefuzz_probe_reset(p);
    p->mut = WIREFUZZ_MUT_NONE;
    json_t *body = NULL;
    for (;;) {
        switch (lane->phase) {
        case WIREFUZZ_PHASE_IDLE:
            if (!s_budget_left(f)) {
                return ECC_OK;
            }
            lane->sequence = f->next_sequence++;
            lane->step = 0;
            snprintf(lane->cluster, sizeof(lane->cluster), "%s-s%" PRIu64, f->options->prefix, lane->sequence);
            snprintf(lane->family, sizeof(lane->family), "%s-s%" PRIu64, f->options->prefix, lane->sequence);
            lane->phase = f->options->stateless ? WIREFUZZ_PHASE_FUZZ : WIREFUZZ_PHASE_CREATE_CLUSTER;
            continue;
        case WIREFUZZ_PHASE_CREATE_CLUSTER:
            p->operation = "CreateCluster";
            body = json_pack("{s:s}", "clusterName", lane->cluster);
            break;
        case WIREFUZZ_PHASE_REGISTER:
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
        case WIREFUZZ_PHASE_FUZZ: {
            unsigned steps = f->options->sequence_steps ? f->options->sequence_steps : WIREFUZZ_DEFAULT_STEPS;
            if (lane->step >= steps || !s_budget_left(f)) {
                lane->phase = f->options->stateless ? WIREFUZZ_PHASE_HEALTH : WIREFUZZ_PHASE_DESCRIBE;
                continue;
            }
            f->fuzz_started++;
            uint64_t rng = wirefuzz_step_rng(f, lane->sequence, lane->step, 0);
            p->mut = s_pick_mutation(f, &rng);
            p->param = ecc_vars_rng_next(&rng);
            p->operation = "RunTask";
            if (wirefuzz_mutation_table[p->mut].kind == WIREFUZZ_KIND_SIGNATURE && wirefuzz_below(&rng, 2)) {
                /* Half the signature mutations go to a read-only call the endpoint answers 200 when the
                 * request is valid, so that "accepted" is not hidden behind a RunTask failure. */
                p->operation = "ListTasks";
                return s_set_body(p, json_pack("{s:s}", "cluster", lane->cluster), has_request);
            }
            enum ecc_status status = wirefuzz_make_body(f, lane, &rng, p);
            if (status != ECC_OK) {
                return status;
            }
            wirefuzz_classify_body(p);
            *has_request = true;
            return ECC_OK;
        }
        case WIREFUZZ_PHASE_DESCRIBE:
            if (lane->task_count == 0) {
                lane->phase = WIREFUZZ_PHASE_DEREGISTER;
                continue;
            }
            p->operation = "DescribeTasks";
            body = json_pack("{s:s, s:[]}", "cluster", lane->cluster, "tasks");
            for (size_t i = 0; body && i < lane->task_count && i < 100; i++) { /* DescribeTasks takes 100 */
                json_array_append_new(json_object_get(body, "tasks"), json_string(lane->tasks[i]));
            }
            break;
        case WIREFUZZ_PHASE_STOP:
            if (lane->stop_index >= lane->task_count) {
                lane->phase = WIREFUZZ_PHASE_DEREGISTER;
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
        case WIREFUZZ_PHASE_DEREGISTER:
            p->operation = "DeregisterTaskDefinition";
            if (lane->task_definition_arn) {
                body = json_pack("{s:s}", "taskDefinition", lane->task_definition_arn);
            } else {
                char revision[64];
                snprintf(revision, sizeof(revision), "%s:1", lane->family);
                body = json_pack("{s:s}", "taskDefinition", revision);
            }
            break;
        case WIREFUZZ_PHASE_DELETE:
            p->operation = "DeleteCluster";
            body = json_pack("{s:s}", "cluster", lane->cluster);
            break;
        case WIREFUZZ_PHASE_HEALTH:
            p->operation = "ListTasks";
            body = json_pack("{s:s}", "cluster", f->health_cluster);
            break;
        }
        break;
    }
    if (!body) {
        return ECC_ERR_NOMEM;
    }
    return s_set_body(p, body, has_request);
}

/* The sequence steps take what later steps need from 2xx answers: the task definition ARN, task ARNs. */
static void s_lane_learn(
    struct wirefuzz_fuzzer *f,
    struct wirefuzz_lane *lane,
    const struct ecc_http_response *response,
    const struct ecc_run_task_response *value) {
    if (response->status < 200 || response->status >= 300) {
        return;
    }
    if (lane->phase == WIREFUZZ_PHASE_REGISTER && response->body_len) {
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
    if (lane->phase == WIREFUZZ_PHASE_FUZZ) {
        for (size_t i = 0; i < value->tasks.count; i++) {
            if (lane->task_count == WIREFUZZ_MAX_LANE_TASKS) {
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

static void s_lane_advance(struct wirefuzz_fuzzer *f, struct wirefuzz_lane *lane, bool answered_2xx) {
    switch (lane->phase) {
    case WIREFUZZ_PHASE_CREATE_CLUSTER:
        lane->phase = WIREFUZZ_PHASE_REGISTER;
        break;
    case WIREFUZZ_PHASE_REGISTER:
        lane->phase = WIREFUZZ_PHASE_FUZZ;
        break;
    case WIREFUZZ_PHASE_FUZZ:
        lane->step++;
        break;
    case WIREFUZZ_PHASE_DESCRIBE:
        lane->phase = WIREFUZZ_PHASE_STOP;
        break;
    case WIREFUZZ_PHASE_STOP:
        f->result->cleanup_failures += !answered_2xx;
        lane->stop_index++;
        break;
    case WIREFUZZ_PHASE_DEREGISTER:
        f->result->cleanup_failures += !answered_2xx;
        lane->phase = WIREFUZZ_PHASE_DELETE;
        break;
    case WIREFUZZ_PHASE_DELETE:
        f->result->cleanup_failures += !answered_2xx;
        lane->phase = WIREFUZZ_PHASE_HEALTH;
        break;
    case WIREFUZZ_PHASE_HEALTH:
        f->result->sequences++;
        s_lane_forget_tasks(lane);
        lane->phase = WIREFUZZ_PHASE_IDLE;
        break;
    case WIREFUZZ_PHASE_IDLE:
        break;
    }
}

static enum ecc_status s_lane_submit(struct wirefuzz_fuzzer *f, struct wirefuzz_lane *lane, struct ecc_diag *diag) {
    bool has_request = false;
    enum ecc_status status = s_lane_next(f, lane, &has_request);
    if (status != ECC_OK || !has_request) {
        return status;
    }
    status = wirefuzz_build_request(f, &lane->probe, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_transport_submit(f->transport, f->options->endpoint_url, &lane->probe.request, lane, diag);
    if (status != ECC_OK) {
        return status; /* the lane stays idle (s_on_answer left it so) */
    }
    lane->busy = true;
    return ECC_OK;
}

/* A health answer's status is what the health rule wants: 200, or from a stateless endpoint (which has
 * no health cluster to list) any answer below 500; the rules judged the rest of it. */
static bool s_health_answered(const struct wirefuzz_fuzzer *f, int http_status) {
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

/* The verdict of an answer, the health rule applied to a health answer; the lane learns what a 2xx
 * answer gave. */
static enum ecc_status s_judge_answer(
    struct wirefuzz_fuzzer *f,
    struct wirefuzz_lane *lane,
    const struct ecc_transport_exchange *ex,
    struct wirefuzz_verdict *v) {
    struct ecc_run_task_response value;
    ecc_run_task_response_init(&value);
    enum ecc_status status = wirefuzz_judge(f, &lane->probe, &ex->result, &ex->response, &value, v);
    if (status != ECC_OK) {
        goto done;
    }
    if (lane->phase == WIREFUZZ_PHASE_HEALTH && !v->finding &&
        !s_health_answered(f, ex->result.error == ECC_TRANSPORT_OK ? ex->response.status : 0)) {
        wirefuzz_verdict_set(
            v, WIREFUZZ_RULE_HEALTH, ex->response.status, "", "ListTasks answered HTTP %d", ex->response.status);
    }
    if (lane->phase == WIREFUZZ_PHASE_HEALTH && v->finding && v->rule == WIREFUZZ_RULE_TRANSPORT) {
        v->rule = WIREFUZZ_RULE_HEALTH;
    }
    if (ex->result.error == ECC_TRANSPORT_OK) {
        s_lane_learn(f, lane, &ex->response, &value);
    }
done:
    ecc_run_task_response_clean_up(&value);
    return status;
}

static enum ecc_status s_on_answer(struct wirefuzz_fuzzer *f, struct ecc_transport_exchange *ex) {
    struct wirefuzz_lane *lane = ex->user_data;
    lane->busy = false;
    bool fuzzed = lane->phase == WIREFUZZ_PHASE_FUZZ;
    if (fuzzed) {
        f->result->fuzz_requests++;
    } else {
        f->result->other_requests++;
    }
    s_count_answer(f->result, ex);
    struct wirefuzz_verdict v;
    bool ok_2xx = ex->result.error == ECC_TRANSPORT_OK && ex->response.status >= 200 && ex->response.status < 300;
    enum ecc_status status = s_judge_answer(f, lane, ex, &v);
    if (status != ECC_OK) {
        return status;
    }
    if (v.finding) {
        status = wirefuzz_record(f, lane, &lane->probe, &v);
        if (status != ECC_OK) {
            return status;
        }
    }
    s_lane_advance(f, lane, ok_2xx);
    return ECC_OK;
}

/* One signed request of a sequence step (no mutation); *ok when it is answered as s_health_answered
 * wants, breaking no rule, else the reason is in `reason`; *http_status (may be NULL) is 0 when no
 * answer arrived. */
enum ecc_status wirefuzz_step_request(
    struct wirefuzz_fuzzer *f,
    const char *operation,
    json_t *body,
    bool *ok,
    int *http_status_out,
    char *reason,
    size_t reason_size) {
    struct wirefuzz_probe p;
    wirefuzz_probe_init(&p);
    p.operation = operation;
    p.mut = WIREFUZZ_MUT_NONE;
    *ok = false;
    if (http_status_out) {
        *http_status_out = 0;
    }
    enum ecc_status status = body ? wirefuzz_append_json(&p.body, body) : ECC_ERR_NOMEM;
    json_decref(body);
    if (status != ECC_OK) {
        goto done;
    }
    struct wirefuzz_verdict v;
    int http_status = 0;
    status = wirefuzz_try(f, &p, &v, &http_status);
    if (http_status_out) {
        *http_status_out = http_status;
    }
    if (status != ECC_OK) {
        goto done;
    }
    *ok = s_health_answered(f, http_status) && !v.finding;
    if (!*ok) {
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
done:
    wirefuzz_probe_clean_up(&p);
    return status;
}

/* Preflight: the health cluster is created (CreateCluster; not on a stateless endpoint) and listed
 * (ListTasks), answered as s_health_answered wants. */
static enum ecc_status s_preflight(struct wirefuzz_fuzzer *f, bool *ok) {
    char *reason = f->result->unusable_reason;
    size_t size = sizeof(f->result->unusable_reason);
    *ok = true;
    if (!f->options->stateless) {
        enum ecc_status status = wirefuzz_step_request(
            f, "CreateCluster", json_pack("{s:s}", "clusterName", f->health_cluster), ok, NULL, reason, size);
        if (status != ECC_OK || !*ok) {
            return status;
        }
    }
    return wirefuzz_step_request(
        f, "ListTasks", json_pack("{s:s}", "cluster", f->health_cluster), ok, NULL, reason, size);
}

void ecc_wirefuzz_options_init(struct ecc_wirefuzz_options *options) {
    memset(options, 0, sizeof(*options));
    ecc_transport_options_init(&options->transport);
    options->transport.timeout_ms = 10000;
    options->transport.connect_timeout_ms = 5000;
    options->jobs = 1;
    options->sequence_steps = WIREFUZZ_DEFAULT_STEPS;
    options->minimize_budget = WIREFUZZ_DEFAULT_MINIMIZE;
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

static enum ecc_status s_collect_fixtures(struct wirefuzz_fuzzer *f) {
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

/* Every lane idle, with its probe and its task list. Every probe is initialized even after a failure:
 * the clean-up goes through every lane. */
static enum ecc_status s_lanes_init(struct wirefuzz_lane *lanes, unsigned jobs) {
    enum ecc_status status = ECC_OK;
    for (unsigned i = 0; i < jobs; i++) {
        lanes[i].phase = WIREFUZZ_PHASE_IDLE;
        wirefuzz_probe_init(&lanes[i].probe);
        lanes[i].tasks = calloc(WIREFUZZ_MAX_LANE_TASKS, sizeof(*lanes[i].tasks));
        if (!lanes[i].tasks) {
            status = ECC_ERR_NOMEM;
        }
    }
    return status;
}

/* The fuzzer's Host, transport (jobs + 4 idle connections), signer, key cache, unknown key and fixture
 * seeds. */
static enum ecc_status s_fuzzer_init(struct wirefuzz_fuzzer *f, unsigned jobs, struct ecc_diag *diag) {
    const struct ecc_wirefuzz_options *options = f->options;
    enum ecc_status status = ecc_transport_endpoint_host(options->endpoint_url, f->host, sizeof(f->host), diag);
    if (status != ECC_OK) {
        return status;
    }
    struct ecc_transport_options transport = options->transport;
    transport.max_idle_connections = jobs + 4;
    f->transport = ecc_transport_new(&transport, diag);
    f->signer = ecc_sigv4_signer_new();
    f->key_cache = ecc_sigv4_key_cache_new(0);
    if (!f->transport) {
        return ECC_ERR_INVALID;
    }
    if (!f->signer || !f->key_cache) {
        return ECC_ERR_NOMEM;
    }
    status = ecc_credentials_set(
        &f->unknown_key, ECC_RUNNER_UNKNOWN_ACCESS_KEY_ID, ECC_RUNNER_UNKNOWN_SECRET_ACCESS_KEY, NULL, diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_collect_fixtures(f);
}

static void s_attack_options(struct wirefuzz_fuzzer *f) {
    const struct ecc_wirefuzz_options *options = f->options;
    f->attack_ms = options->attack_ms ? options->attack_ms : WIREFUZZ_ATTACK_DEFAULT_MS;
    f->attack_connections =
        options->attack_connections ? options->attack_connections : WIREFUZZ_ATTACK_DEFAULT_CONNECTIONS;
    if (f->attack_connections > WIREFUZZ_ATTACK_MAX_CONNECTIONS) {
        f->attack_connections = WIREFUZZ_ATTACK_MAX_CONNECTIONS;
    }
    f->attack_recovery_ms = options->attack_recovery_ms;
    if (f->attack_recovery_ms == 0) {
        long request_ms = options->transport.timeout_ms;
        f->attack_recovery_ms = request_ms > WIREFUZZ_ATTACK_DEFAULT_RECOVERY_MS ? (unsigned)request_ms
                                                                                 : WIREFUZZ_ATTACK_DEFAULT_RECOVERY_MS;
    }
}

/* Every answer judged and its lane's next request sent, until no request is in flight (or a second
 * interrupt abandons the cleanup). A transport that cannot give the next answer ends the loop. */
static enum ecc_status s_drain(struct wirefuzz_fuzzer *f, struct ecc_diag *diag) {
    const struct ecc_wirefuzz_options *options = f->options;
    while (ecc_transport_pending(f->transport) > 0) {
        if (options->interrupted && *options->interrupted >= 2) {
            break; /* a second interrupt abandons the cleanup too */
        }
        struct ecc_transport_exchange *ex = NULL;
        enum ecc_status next = ecc_transport_next(f->transport, 200, &ex);
        if (next == ECC_ERR_TIMEOUT) {
            continue;
        }
        if (next != ECC_OK) {
            break;
        }
        struct wirefuzz_lane *lane = ex->user_data;
        enum ecc_status status = s_on_answer(f, ex);
        ecc_transport_exchange_destroy(ex);
        if (status != ECC_OK) {
            return status;
        }
        status = s_lane_submit(f, lane, diag);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* The run on a usable endpoint: the attacks (when asked), the lanes, then the health cluster deleted
 * (not on a stateless endpoint, nor after a second interrupt). */
static enum ecc_status
s_fuzz(struct wirefuzz_fuzzer *f, struct wirefuzz_lane *lanes, unsigned jobs, struct ecc_diag *diag) {
    const struct ecc_wirefuzz_options *options = f->options;
    if (options->attacks) {
        s_attack_options(f);
        enum ecc_status status = wirefuzz_attacks(f, diag);
        if (status != ECC_OK) {
            return status;
        }
    }
    for (unsigned i = 0; i < jobs; i++) {
        enum ecc_status status = s_lane_submit(f, &lanes[i], diag);
        if (status != ECC_OK) {
            return status;
        }
    }
    enum ecc_status status = s_drain(f, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (options->stateless || (options->interrupted && *options->interrupted >= 2)) {
        return ECC_OK;
    }
    bool deleted = false;
    char reason[256];
    status = wirefuzz_step_request(
        f, "DeleteCluster", json_pack("{s:s}", "cluster", f->health_cluster), &deleted, NULL, reason, sizeof(reason));
    f->result->cleanup_failures += !deleted;
    return status;
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
    struct wirefuzz_fuzzer f = {.options = options, .result = result};
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
    for (int m = 0; m < WIREFUZZ_MUT_COUNT; m++) {
        f.mutation_weight_total += wirefuzz_mutation_table[m].weight;
    }
    unsigned jobs = options->jobs ? options->jobs : 1;
    struct wirefuzz_lane *lanes = calloc(jobs, sizeof(*lanes));
    ecc_credentials_init(&f.unknown_key);
    enum ecc_status status = ECC_OK;
    if (!lanes) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    status = s_lanes_init(lanes, jobs);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_fuzzer_init(&f, jobs, diag);
    if (status != ECC_OK) {
        goto done;
    }
    snprintf(f.health_cluster, sizeof(f.health_cluster), "%s-health", options->prefix);
    f.started_us = ecc_monotonic_us();
    f.deadline_us = f.started_us + options->duration_ms * 1000u;
    bool usable = false;
    status = s_preflight(&f, &usable);
    if (status != ECC_OK) {
        goto done;
    }
    if (!usable) {
        result->unusable = true;
        goto done; /* status ECC_OK: the run happened, the endpoint could not be used */
    }
    status = s_fuzz(&f, lanes, jobs, diag);
    if (status != ECC_OK && !diag->text[0]) {
        ecc_diag_set(diag, "wirefuzz: %s", ecc_status_name(status));
    }
done:
    result->interrupted = options->interrupted && *options->interrupted;
    result->elapsed_us = f.started_us ? ecc_monotonic_us() - f.started_us : 0;
    for (unsigned i = 0; lanes && i < jobs; i++) {
        if (lanes[i].tasks) {
            s_lane_forget_tasks(&lanes[i]);
        }
        free(lanes[i].tasks);
        wirefuzz_probe_clean_up(&lanes[i].probe);
    }
    free(lanes);
    free(f.fixture_bodies);
    ecc_transport_destroy(f.transport);
    ecc_sigv4_signer_destroy(f.signer);
    ecc_sigv4_key_cache_destroy(f.key_cache);
    ecc_credentials_clean_up(&f.unknown_key);
    return status;
}

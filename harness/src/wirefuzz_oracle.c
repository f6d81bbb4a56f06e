/*
 * The wire fuzzer's oracle (wirefuzz_internal.h): an answer judged against the rules of the rule table,
 * the first one it breaks being the verdict. A rule the run skips is never judged.
 */
#include "wirefuzz_internal.h"

#include "ecc/codec_response.h"
#include "ecc/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* Oracle                                                                                           */

void wirefuzz_verdict_set(
    struct wirefuzz_verdict *v, enum wirefuzz_rule rule, int status, const char *type, const char *fmt, ...) {
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
    const struct wirefuzz_probe *p, const struct ecc_run_task_response *value, int status, struct wirefuzz_verdict *v) {
    const struct ecc_run_task_request *rq = &p->parsed;
    size_t requested = rq->has_count ? (size_t)rq->count : 1;
    size_t tasks = value->tasks.count, failures = value->failures.count;
    if (tasks > requested || (failures == 0 && tasks != requested)) {
        wirefuzz_verdict_set(
            v,
            WIREFUZZ_RULE_RESPONSE_MATCH,
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
            wirefuzz_verdict_set(
                v,
                WIREFUZZ_RULE_RESPONSE_MATCH,
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
            wirefuzz_verdict_set(
                v,
                WIREFUZZ_RULE_RESPONSE_MATCH,
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
bool wirefuzz_judged(const struct wirefuzz_fuzzer *f, enum wirefuzz_rule rule) {
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
enum ecc_status wirefuzz_judge(
    const struct wirefuzz_fuzzer *f,
    const struct wirefuzz_probe *p,
    const struct ecc_transport_result *tr,
    const struct ecc_http_response *response,
    struct ecc_run_task_response *value,
    struct wirefuzz_verdict *v) {
    memset(v, 0, sizeof(*v));
    if (tr->error != ECC_TRANSPORT_OK) {
        if (wirefuzz_judged(f, WIREFUZZ_RULE_TRANSPORT)) {
            wirefuzz_verdict_set(v, WIREFUZZ_RULE_TRANSPORT, 0, ecc_transport_error_name(tr->error), "%s", tr->message);
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
    if (status >= 500 && wirefuzz_judged(f, WIREFUZZ_RULE_5XX)) {
        wirefuzz_verdict_set(v, WIREFUZZ_RULE_5XX, status, type, "HTTP %d (%s)", status, type[0] ? type : "no type");
    } else if (status >= 300 && response->body_len == 0 && wirefuzz_judged(f, WIREFUZZ_RULE_EMPTY_BODY)) {
        wirefuzz_verdict_set(v, WIREFUZZ_RULE_EMPTY_BODY, status, "", "HTTP %d with an empty body", status);
    } else if (
        outcome.kind == ECC_RESPONSE_PROTOCOL_ERROR && outcome.protocol_error != ECC_PROTOCOL_SHAPE &&
        wirefuzz_judged(f, WIREFUZZ_RULE_AWS_JSON)) {
        wirefuzz_verdict_set(v, WIREFUZZ_RULE_AWS_JSON, status, type, "HTTP %d: %s", status, outcome.diag.text);
    } else if (
        outcome.kind == ECC_RESPONSE_UNKNOWN_ERROR && !s_step_error_declared(p->operation, type) &&
        !s_extra_error_type(f->options, type) && wirefuzz_judged(f, WIREFUZZ_RULE_ERROR_TYPE)) {
        wirefuzz_verdict_set(
            v,
            WIREFUZZ_RULE_ERROR_TYPE,
            status,
            type,
            "HTTP %d: error type %s is not in the error table",
            status,
            type);
    } else if (
        outcome.kind == ECC_RESPONSE_ERROR && outcome.error.info && outcome.error.info->http_status != status &&
        wirefuzz_judged(f, WIREFUZZ_RULE_ERROR_STATUS)) {
        wirefuzz_verdict_set(
            v,
            WIREFUZZ_RULE_ERROR_STATUS,
            status,
            type,
            "HTTP %d for %s, whose status is %d",
            status,
            type,
            outcome.error.info->http_status);
    } else if (status >= 200 && status < 300) {
        const struct wirefuzz_mutation *m = &wirefuzz_mutation_table[p->mut];
        if (m->expect_reject && m->kind == WIREFUZZ_KIND_SIGNATURE &&
            wirefuzz_judged(f, WIREFUZZ_RULE_REJECT_SIGNATURE)) {
            wirefuzz_verdict_set(
                v, WIREFUZZ_RULE_REJECT_SIGNATURE, status, "", "HTTP %d to a request with a broken signature", status);
        } else if (
            m->expect_reject && m->kind == WIREFUZZ_KIND_PROTOCOL &&
            wirefuzz_judged(f, WIREFUZZ_RULE_REJECT_PROTOCOL)) {
            wirefuzz_verdict_set(
                v, WIREFUZZ_RULE_REJECT_PROTOCOL, status, "", "HTTP %d to a request with a broken envelope", status);
        } else if (
            p->expect == WIREFUZZ_EXPECT_REJECT_SERIALIZATION &&
            wirefuzz_judged(f, WIREFUZZ_RULE_REJECT_SERIALIZATION)) {
            wirefuzz_verdict_set(
                v,
                WIREFUZZ_RULE_REJECT_SERIALIZATION,
                status,
                "",
                "HTTP %d to a body the request codec cannot read",
                status);
        } else if (
            p->expect == WIREFUZZ_EXPECT_REJECT_VALIDATION && wirefuzz_judged(f, WIREFUZZ_RULE_REJECT_VALIDATION)) {
            wirefuzz_verdict_set(
                v,
                WIREFUZZ_RULE_REJECT_VALIDATION,
                status,
                "",
                "HTTP %d to a request validate.c rejects (%s)",
                status,
                p->validation_ids);
        } else if (is_run_task && outcome.kind == ECC_RESPONSE_PROTOCOL_ERROR) {
            if (wirefuzz_judged(f, WIREFUZZ_RULE_RESPONSE_PARSE)) {
                wirefuzz_verdict_set(
                    v, WIREFUZZ_RULE_RESPONSE_PARSE, status, "shape", "%s: %s", outcome.diag.path, outcome.diag.text);
            }
        } else if (is_run_task && wirefuzz_judged(f, WIREFUZZ_RULE_RESPONSE_MATCH)) {
            s_check_run_task_success(p, value, status, v);
        }
    }
    ecc_response_outcome_clean_up(&outcome);
    return ECC_OK;
}

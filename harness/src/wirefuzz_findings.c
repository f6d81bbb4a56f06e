/*
 * The wire fuzzer's findings (wirefuzz_internal.h): classes deduplicated by (rule, status, error type,
 * mutation), the first request of each minimized and kept as a curl reproducer without secrets, and the
 * result as a run report.
 */
#include "wirefuzz_internal.h"

#include "ecc/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------------ */
/* Findings                                                                                         */

static struct ecc_wirefuzz_finding *
s_find_class(struct ecc_wirefuzz_result *result, const struct wirefuzz_verdict *v, const char *mutation) {
    for (size_t i = 0; i < result->count; i++) {
        struct ecc_wirefuzz_finding *c = &result->findings[i];
        if (c->status == v->status && strcmp(c->rule, wirefuzz_rule_table[v->rule].name) == 0 &&
            strcmp(c->error_type, v->error_type) == 0 && strcmp(c->mutation, mutation) == 0) {
            return c;
        }
    }
    return NULL;
}

static bool s_same_class(const struct wirefuzz_verdict *a, const struct wirefuzz_verdict *b) {
    return a->finding == b->finding && a->rule == b->rule && a->status == b->status &&
           strcmp(a->error_type, b->error_type) == 0;
}

/* Sends `p` synchronously (minimization, preflight) and judges the answer; *http_status (may be NULL)
 * receives the status, 0 without an answer. */
enum ecc_status
wirefuzz_try(struct wirefuzz_fuzzer *f, struct wirefuzz_probe *p, struct wirefuzz_verdict *v, int *http_status) {
    struct ecc_diag diag;
    enum ecc_status status = wirefuzz_build_request(f, p, &diag);
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
    status = wirefuzz_judge(f, p, &tr, &response, &value, v);
    if (http_status) {
        *http_status = tr.error == ECC_TRANSPORT_OK ? response.status : 0;
    }
    ecc_run_task_response_clean_up(&value);
    ecc_http_response_clean_up(&response);
    return status;
}

/* One trial of the minimizer: `p`'s request with `candidate` as its body. *same: it still answers in the
 * class `want`. Takes one request of the budget. */
static enum ecc_status s_try_body(
    struct wirefuzz_fuzzer *f,
    const struct wirefuzz_probe *p,
    struct wirefuzz_probe *trial,
    const json_t *candidate,
    const struct wirefuzz_verdict *want,
    unsigned *budget,
    bool *same) {
    *same = false;
    wirefuzz_probe_reset(trial);
    trial->mut = p->mut;
    trial->param = p->param;
    trial->operation = p->operation;
    enum ecc_status status = wirefuzz_append_json(&trial->body, candidate);
    if (status != ECC_OK) {
        return status;
    }
    wirefuzz_classify_body(trial);
    struct wirefuzz_verdict v;
    (*budget)--;
    status = wirefuzz_try(f, trial, &v, NULL);
    if (status != ECC_OK) {
        return status;
    }
    *same = s_same_class(&v, want);
    return ECC_OK;
}

/* One level of the minimizer: each member of *body removed (depth 0) or emptied (depth 1, objects
 * only) in turn; *body becomes each candidate that still answers in the class. */
static enum ecc_status s_minimize_level(
    struct wirefuzz_fuzzer *f,
    const struct wirefuzz_probe *p,
    struct wirefuzz_probe *trial,
    json_t **body,
    int depth,
    const struct wirefuzz_verdict *want,
    unsigned *budget) {
    json_t *keys = json_array();
    const char *key;
    json_t *value;
    json_object_foreach(*body, key, value) {
        json_array_append_new(keys, json_string(key));
    }
    enum ecc_status status = ECC_OK;
    for (size_t i = 0; i < json_array_size(keys) && *budget > 0; i++) {
        const char *name = json_string_value(json_array_get(keys, i));
        json_t *saved = json_incref(json_object_get(*body, name));
        if (depth == 1 && !json_is_object(saved)) {
            json_decref(saved);
            continue;
        }
        json_t *candidate = json_deep_copy(*body);
        if (depth == 0) {
            json_object_del(candidate, name);
        } else {
            json_object_clear(json_object_get(candidate, name));
        }
        bool same = false;
        status = s_try_body(f, p, trial, candidate, want, budget, &same);
        if (same) {
            json_decref(*body);
            *body = json_incref(candidate);
        }
        json_decref(candidate);
        json_decref(saved);
        if (status != ECC_OK) {
            goto done;
        }
    }
done:
    json_decref(keys);
    return status;
}

/* Removes members of the JSON body (top level, then one level down) while the class still answers. */
static enum ecc_status
s_minimize(struct wirefuzz_fuzzer *f, struct wirefuzz_probe *p, const struct wirefuzz_verdict *want) {
    unsigned budget = f->options->minimize_budget ? f->options->minimize_budget : WIREFUZZ_DEFAULT_MINIMIZE;
    json_error_t error;
    json_t *body = json_loadb(p->body.data, p->body.len, 0, &error);
    if (!json_is_object(body)) {
        json_decref(body);
        return ECC_OK;
    }
    enum ecc_status status = ECC_OK;
    struct wirefuzz_probe trial;
    wirefuzz_probe_init(&trial);
    for (int depth = 0; depth < 2 && budget > 0; depth++) {
        status = s_minimize_level(f, p, &trial, &body, depth, want, &budget);
        if (status != ECC_OK) {
            goto done;
        }
    }
    ecc_buf_reset(&p->body);
    status = wirefuzz_append_json(&p->body, body);
    if (status != ECC_OK) {
        goto done;
    }
    ecc_run_task_request_clean_up(&p->parsed);
    ecc_run_task_request_init(&p->parsed);
    p->has_parsed = false;
    p->expect = WIREFUZZ_EXPECT_ANY;
    wirefuzz_classify_body(p);
    struct ecc_diag diag;
    status = wirefuzz_build_request(f, p, &diag);
done:
    wirefuzz_probe_clean_up(&trial);
    json_decref(body);
    return status;
}

static char *s_sanitized(const char *text) {
    char *out = ecc_report_sanitize_text(text ? text : "", true);
    return out;
}

/* The request with what a curl reproducer cannot show said plainly: a signature mutation needs the
 * broken part, which curl's own signer would not reproduce. */
static enum ecc_status s_reproducer(struct wirefuzz_fuzzer *f, const struct wirefuzz_probe *p, struct ecc_buf *out) {
    struct ecc_http_request copy;
    ecc_http_request_init(&copy);
    enum ecc_status status = ecc_http_request_copy(&copy, &p->request);
    if (status != ECC_OK) {
        goto done;
    }
    bool signature = wirefuzz_mutation_table[p->mut].kind == WIREFUZZ_KIND_SIGNATURE;
    if (signature) {
        /* The broken value stays out of the report (it is a signature); curl then sends it unsigned. */
        ecc_http_headers_remove(&copy.headers, "Authorization");
        ecc_http_headers_remove(&copy.headers, "X-Amz-Date");
    }
    if (signature && p->mut != WIREFUZZ_MUT_SIG_UNSIGNED) {
        status = ecc_buf_printf(
            out,
            "# %s: the signature part broken on purpose is left out (secret); this command sends the request "
            "unsigned\n",
            wirefuzz_mutation_table[p->mut].name);
        if (status != ECC_OK) {
            goto done;
        }
    }
    status = ecc_transport_format_curl(f->options->endpoint_url, &copy, out);
done:
    ecc_http_request_clean_up(&copy);
    return status;
}

/* Counts one more request of a known class; *is_new when the verdict opens a class (room made for it). */
enum ecc_status
wirefuzz_count_class(struct wirefuzz_fuzzer *f, const struct wirefuzz_verdict *v, const char *mutation, bool *is_new) {
    *is_new = false;
    if (!wirefuzz_judged(f, v->rule)) {
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

/* Fills the class wirefuzz_count_class made room for. */
enum ecc_status wirefuzz_add_class(
    struct ecc_wirefuzz_result *result, const struct wirefuzz_verdict *v, const struct wirefuzz_origin *origin) {
    struct ecc_wirefuzz_finding *c = &result->findings[result->count];
    memset(c, 0, sizeof(*c));
    c->rule = ecc_strdup(wirefuzz_rule_table[v->rule].name);
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

/* The detail line of a new class: where it was first seen, the validate.c rules its body breaks and how
 * far it was minimized from `body_bytes`. */
static enum ecc_status s_finding_detail(
    const struct wirefuzz_fuzzer *f,
    const struct wirefuzz_lane *lane,
    const struct wirefuzz_probe *p,
    size_t body_bytes,
    struct ecc_buf *detail) {
    enum ecc_status status = ecc_buf_printf(
        detail,
        "first seen: seed %" PRIu64 ", sequence %" PRIu64 ", step %u (%s)",
        f->options->seed,
        lane->sequence,
        lane->step,
        p->operation);
    if (status != ECC_OK) {
        return status;
    }
    if (p->validation_ids[0]) {
        status = ecc_buf_printf(detail, "; validate.c rules broken: %s", p->validation_ids);
        if (status != ECC_OK) {
            return status;
        }
    }
    if (p->body.len != body_bytes) {
        return ecc_buf_printf(detail, "; body minimized from %zu to %zu bytes", body_bytes, p->body.len);
    }
    return ECC_OK;
}

enum ecc_status wirefuzz_record(
    struct wirefuzz_fuzzer *f,
    const struct wirefuzz_lane *lane,
    struct wirefuzz_probe *p,
    const struct wirefuzz_verdict *v) {
    const char *mutation = wirefuzz_mutation_table[p->mut].name;
    bool is_new = false;
    enum ecc_status status = wirefuzz_count_class(f, v, mutation, &is_new);
    if (status != ECC_OK || !is_new) {
        return status;
    }
    size_t body_bytes = p->body.len;
    /* Minimizing a transport failure or a lost health answer would only hammer a failing endpoint. */
    if (p->body_is_json && v->rule != WIREFUZZ_RULE_TRANSPORT && v->rule != WIREFUZZ_RULE_HEALTH && !f->stopping) {
        status = s_minimize(f, p, v);
        if (status != ECC_OK) {
            return status;
        }
    }
    struct ecc_buf detail, reproducer;
    ecc_buf_init(&detail, 4096);
    ecc_buf_init(&reproducer, 1024 * 1024);
    status = s_finding_detail(f, lane, p, body_bytes, &detail);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_reproducer(f, p, &reproducer);
    if (status != ECC_OK) {
        goto done;
    }
    struct wirefuzz_origin origin = {
        .mutation = mutation,
        .operation = p->operation,
        .sequence = lane->sequence,
        .step = lane->step,
        .detail = detail.data,
        .reproducer = reproducer.data,
        .body_bytes = body_bytes,
        .minimized_body_bytes = p->body.len,
    };
    status = wirefuzz_add_class(f->result, v, &origin);
done:
    ecc_buf_clean_up(&detail);
    ecc_buf_clean_up(&reproducer);
    return status;
}

/* The report's cases of rule `r`: a FAIL per finding class, else one PASS (or SKIP when the rule was
 * not judged). */
static enum ecc_status
s_report_rule(const struct ecc_wirefuzz_result *result, size_t r, struct ecc_run_report *report) {
    bool any = false;
    for (size_t i = 0; i < result->count; i++) {
        const struct ecc_wirefuzz_finding *c = &result->findings[i];
        if (strcmp(c->rule, wirefuzz_rule_table[r].name) != 0) {
            continue;
        }
        any = true;
        char id[400], reason[700];
        snprintf(
            id, sizeof(id), "%s %d %s %s", c->rule, c->status, c->error_type[0] ? c->error_type : "-", c->mutation);
        snprintf(reason, sizeof(reason), "%s (%" PRIu64 " request%s)", c->message, c->hits, c->hits == 1 ? "" : "s");
        struct ecc_case_report item = {
            .id = id,
            .group = "wirefuzz",
            .title = (char *)wirefuzz_rule_table[r].summary,
            .result = ECC_RESULT_FAIL,
            .reason = reason,
            .detail = c->detail,
            .reproducer = c->reproducer,
        };
        enum ecc_status status = ecc_run_report_add(report, &item);
        if (status != ECC_OK) {
            return status;
        }
    }
    if (any) {
        return ECC_OK;
    }
    bool skipped = (result->skipped_rules & (UINT64_C(1) << r)) != 0;
    bool not_run = r >= WIREFUZZ_RULE_ATTACK_AVAILABILITY && result->attacks_run == 0;
    struct ecc_case_report item = {
        .id = (char *)wirefuzz_rule_table[r].name,
        .group = "wirefuzz",
        .title = (char *)wirefuzz_rule_table[r].summary,
        .result = skipped || not_run ? ECC_RESULT_SKIP : ECC_RESULT_PASS,
        .reason = skipped   ? "not judged: the run skipped this rule (--skip-rule)"
                  : not_run ? "no connection-level attack ran (--attacks not given)"
                            : NULL,
    };
    return ecc_run_report_add(report, &item);
}

enum ecc_status ecc_wirefuzz_to_report(const struct ecc_wirefuzz_result *result, struct ecc_run_report *report) {
    enum ecc_status status = ECC_OK;
    for (size_t r = 0; r < WIREFUZZ_RULE_COUNT; r++) {
        status = s_report_rule(result, r, report);
        if (status != ECC_OK) {
            goto done;
        }
    }
done:
    /* The duration is set even when a case could not be added. */
    if (report) {
        report->duration_ms = result->elapsed_us / 1000u;
    }
    return status;
}

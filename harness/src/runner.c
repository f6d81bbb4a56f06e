/*
 * `ecsconf run`'s engine (runner.h): worker threads that run each planned case's steps and cleanups
 * against the endpoint, the verdict of each case (expected failures held against their lines), the
 * circuit breaker that stops a run whose endpoint stopped answering (its probe, the options' defaults and the prefix
 * are runner_start.c's), and Ctrl-C.
 */
#include "ecc/runner.h"

#include "runner_internal.h"

#include "ecc/capacity.h"
#include "ecc/codec_request.h"
#include "ecc/codec_response.h"
#include "ecc/emulator.h"
#include "ecc/errors.h"
#include "ecc/match.h"
#include "ecc/sigv4.h"
#include "ecc/vars.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_DETAIL_BYTES   (64 * 1024)
#define S_MAX_ANSWER_PREVIEW 600
#define S_MAX_CHECK_FAILURES 8
#define S_SLEEP_SLICE_MS     50
/* Cases in a row with no usable answer before the endpoint is probed (and the run stopped if the probe
 * fails too). */
#define S_BREAKER_CASES 3

/* ---- shared run state ----------------------------------------------------------------------------- */

struct s_shared {
    const struct ecc_plan *plan;
    const struct ecc_runner_options *options;
    struct ecc_run_report *report;
    struct ecc_sigv4_key_cache *key_cache;
    struct ecc_credentials unknown; /* `"credentials": "unknown"` */
    char host[300];
    pthread_mutex_t mutex;
    size_t next; /* next plan item to hand out (parallel phase) */
    size_t done; /* items finished */
    enum ecc_status status;
    size_t unreachable_in_a_row; /* cases whose verdict was a transport failure, in a row */
    bool probing;                /* a worker is probing the endpoint for the circuit breaker */
    atomic_bool tripped;         /* the endpoint stopped answering: run nothing more */
    atomic_bool failed_fast;     /* --fail-fast and a case failed: start nothing more */
};

struct s_worker {
    struct s_shared *shared;
    struct ecc_transport *transport;
    struct ecc_sigv4_signer *signer;
    /* The interrupt level that cancels this worker's requests in flight: 1 while steps run, 2 during the
     * cleanup (the first Ctrl-C lets the cleanup finish, the second abandons it). */
    atomic_int cancel_level;
};

/* The transports' cancel callback: an interrupt at the worker's level, or the circuit breaker. */
static bool s_should_cancel(void *user_data) {
    struct s_worker *worker = user_data;
    const struct ecc_runner_options *options = worker->shared->options;
    return atomic_load(&worker->shared->tripped) ||
           (options->interrupted && *options->interrupted >= atomic_load(&worker->cancel_level));
}

/* What the verdict of a failed case depends on, from its first failure. */
struct s_first_failure {
    const char *transport_error; /* a transport failure's name; NULL when an answer came */
    bool interrupted;            /* Ctrl-C (or the circuit breaker) cut the case short */
    int status;                  /* HTTP status of the failing step's answer; 0: none */
    char error_type[128];        /* its error type; "" when none */
};

/* One running case. */
struct s_case_run {
    struct s_worker *worker;
    const struct ecc_runner_options *options;
    const struct ecc_case *c;
    size_t ordinal; /* the case's position in the plan: its own ${prefix} in shared-cluster mode */
    struct ecc_vars vars;
    /* What the case created, for the runner's own cleanup (s_track: {"body", "second"} items) */
    json_t *clusters;
    json_t *task_definitions;
    json_t *tasks;
    json_t *container_instances; /* registered by s_capacity_provide: DeregisterContainerInstance bodies */
    json_t *ec2_instances;       /* started by s_capacity_provide: {"ids": [...], "second": bool} */
    uint64_t deadline_ms;        /* 0: none */
    bool failed;
    struct s_first_failure first;
    char reason[512];
    struct ecc_buf detail;
    struct ecc_buf warnings;
    char *reproducer;
};

static bool s_interrupted(const struct s_case_run *run, int level) {
    return run->options->interrupted && *run->options->interrupted >= level;
}

/* Records a failure: the first one gives the one-line reason. */
static void s_fail(struct s_case_run *run, const char *fmt, ...) ECC_PRINTF(2, 3);
static void s_fail(struct s_case_run *run, const char *fmt, ...) {
    char line[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(line, sizeof(line), fmt, args);
    va_end(args);
    if (!run->failed) {
        snprintf(run->reason, sizeof(run->reason), "%s", line);
    }
    run->failed = true;
    if (ecc_buf_printf(&run->detail, "%s\n", line) != ECC_OK) {
        /* The detail is capped; the reason line is kept. */
    }
}

static void s_warn(struct s_case_run *run, const char *fmt, ...) ECC_PRINTF(2, 3);
static void s_warn(struct s_case_run *run, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    if (ecc_buf_vprintf(&run->warnings, fmt, args) == ECC_OK && ecc_buf_append_byte(&run->warnings, '\n') == ECC_OK) {
        /* appended */
    }
    va_end(args);
}

/* ---- one exchange --------------------------------------------------------------------------------- */

struct s_exchange {
    struct ecc_http_request request;
    struct ecc_http_response response;
    struct ecc_transport_result result;
    json_t *sent_body; /* the JSON body sent, when it was JSON (for tracking created resources) */
    json_t *body;      /* the answer parsed as JSON, or NULL */
};

static void s_exchange_init(struct s_exchange *x) {
    memset(x, 0, sizeof(*x));
    ecc_http_request_init(&x->request);
    ecc_http_response_init(&x->response);
}

static void s_exchange_clean_up(struct s_exchange *x) {
    ecc_http_request_clean_up(&x->request);
    ecc_http_response_clean_up(&x->response);
    json_decref(x->sent_body);
    json_decref(x->body);
}

static enum ecc_status s_set_json_body(struct s_exchange *x, const json_t *body, struct ecc_diag *diag) {
    char *text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text) {
        ecc_diag_set(diag, "cannot serialize the body");
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ecc_http_request_set_body(&x->request, text, strlen(text));
    free(text);
    json_decref(x->sent_body);
    x->sent_body = json_deep_copy(body);
    return status;
}

/* Headers of a fixture (expanded), then the patch of a raw step (null removes). */
static enum ecc_status
s_apply_headers(struct s_case_run *run, struct ecc_http_headers *headers, const json_t *source, struct ecc_diag *diag) {
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)source, name, value) {
        ecc_http_headers_remove(headers, name);
        if (json_is_null(value)) {
            continue;
        }
        struct ecc_buf text;
        ecc_buf_init(&text, ECC_VARS_MAX_TEXT_BYTES);
        enum ecc_status status = ecc_vars_expand_text(&run->vars, json_string_value(value), &text, diag);
        if (status == ECC_OK) {
            status = ecc_http_headers_add(headers, name, text.data ? text.data : "");
        }
        ecc_buf_clean_up(&text);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status s_expand_body(
    struct s_case_run *run, const json_t *template, const json_t *patch, json_t **out, struct ecc_diag *diag) {
    json_t *expanded = NULL;
    enum ecc_status status = ecc_vars_expand(&run->vars, template, &expanded, diag);
    if (status != ECC_OK || !patch) {
        *out = expanded;
        return status;
    }
    json_t *expanded_patch = NULL;
    status = ecc_vars_expand(&run->vars, patch, &expanded_patch, diag);
    if (status == ECC_OK) {
        *out = ecc_json_merge_patch(expanded, expanded_patch);
        status = *out ? ECC_OK : ECC_ERR_NOMEM;
    }
    json_decref(expanded_patch);
    json_decref(expanded);
    return status;
}

static enum ecc_status
s_set_text_body(struct s_case_run *run, struct s_exchange *x, const char *text, struct ecc_diag *diag) {
    struct ecc_buf buf;
    ecc_buf_init(&buf, ECC_VARS_MAX_TEXT_BYTES);
    enum ecc_status status = ecc_vars_expand_text(&run->vars, text, &buf, diag);
    if (status == ECC_OK) {
        status = ecc_http_request_set_body(&x->request, buf.data ? buf.data : "", buf.len);
    }
    ecc_buf_clean_up(&buf);
    return status;
}

/* A fixture's request: line, headers and body (expanded), the body merged with `merge`. */
static enum ecc_status s_from_fixture(
    struct s_case_run *run,
    const struct ecc_fixture *fixture,
    const json_t *merge,
    struct s_exchange *x,
    struct ecc_diag *diag) {
    enum ecc_status status = ecc_http_request_set_line(&x->request, fixture->method, fixture->path, fixture->query);
    if (status == ECC_OK) {
        status = s_apply_headers(run, &x->request.headers, fixture->headers, diag);
    }
    if (status != ECC_OK) {
        return status;
    }
    if (fixture->body) {
        json_t *body = NULL;
        status = s_expand_body(run, fixture->body, merge, &body, diag);
        if (status == ECC_OK) {
            status = s_set_json_body(x, body, diag);
        }
        json_decref(body);
    } else if (fixture->body_text) {
        status = s_set_text_body(run, x, fixture->body_text, diag);
    } else if (merge) {
        json_t *body = NULL;
        status = s_expand_body(run, merge, NULL, &body, diag);
        if (status == ECC_OK) {
            status = s_set_json_body(x, body, diag);
        }
        json_decref(body);
    }
    return status;
}

/* An AWS JSON 1.1 call with an inline body (JSON already expanded). */
static enum ecc_status
s_build_call(const char *operation, const json_t *body, struct s_exchange *x, struct ecc_diag *diag) {
    char *text = json_dumps(body, JSON_COMPACT);
    if (!text) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ecc_codec_build_aws_json_request(operation, text, strlen(text), &x->request, diag);
    free(text);
    json_decref(x->sent_body);
    x->sent_body = json_deep_copy(body);
    return status;
}

static enum ecc_status
s_build_request(struct s_case_run *run, const struct ecc_step *step, struct s_exchange *x, struct ecc_diag *diag) {
    enum ecc_status status = ECC_OK;
    switch (step->kind) {
    case ECC_STEP_SEND:
        return s_from_fixture(run, step->fixture, step->merge, x, diag);
    case ECC_STEP_CALL: {
        json_t *body = NULL;
        status = s_expand_body(run, step->body, NULL, &body, diag);
        if (status == ECC_OK) {
            status = s_build_call(step->operation, body, x, diag);
        }
        json_decref(body);
        return status;
    }
    case ECC_STEP_CONTROL: {
        json_t *body = NULL;
        status = s_expand_body(run, step->control, NULL, &body, diag);
        if (status == ECC_OK) {
            status = ecc_http_request_set_line(&x->request, "POST", ECC_EMULATOR_CONTROL_PATH, "");
        }
        if (status == ECC_OK) {
            status = ecc_http_headers_set(&x->request.headers, "Content-Type", "application/json");
        }
        if (status == ECC_OK) {
            status = s_set_json_body(x, body, diag);
        }
        json_decref(body);
        return status;
    }
    case ECC_STEP_RAW:
        break;
    }
    const json_t *raw = step->raw;
    if (step->fixture) {
        status = s_from_fixture(run, step->fixture, NULL, x, diag);
    } else {
        status = ecc_http_request_set_line(&x->request, "POST", "/", "");
    }
    const char *method = json_string_value(json_object_get(raw, "method"));
    const char *path = json_string_value(json_object_get(raw, "path"));
    const char *query = json_string_value(json_object_get(raw, "query"));
    if (status == ECC_OK && (method || path || query)) {
        status = ecc_http_request_set_line(&x->request, method, path, query);
    }
    const json_t *headers = json_object_get(raw, "headers");
    if (status == ECC_OK && headers) {
        status = s_apply_headers(run, &x->request.headers, headers, diag);
    }
    const json_t *body = json_object_get(raw, "body");
    const char *body_text = json_string_value(json_object_get(raw, "body_text"));
    if (status == ECC_OK && body) {
        json_t *expanded = NULL;
        status = s_expand_body(run, body, NULL, &expanded, diag);
        if (status == ECC_OK) {
            status = s_set_json_body(x, expanded, diag);
        }
        json_decref(expanded);
    } else if (status == ECC_OK && body_text) {
        json_decref(x->sent_body);
        x->sent_body = NULL;
        status = s_set_text_body(run, x, body_text, diag);
    }
    return status;
}

struct s_clock {
    int64_t offset_s;
};

static int64_t s_offset_clock(void *user_data) {
    const struct s_clock *clock = user_data;
    return (int64_t)time(NULL) + clock->offset_s;
}

/* Changes one hex digit of the signature in Authorization (a request signed with the right key, but a
 * signature that cannot verify). */
static enum ecc_status s_break_signature(struct ecc_http_request *request) {
    const char *value = ecc_http_headers_get(&request->headers, "Authorization");
    const char *signature = value ? strstr(value, "Signature=") : NULL;
    if (!signature || !signature[10]) {
        return ECC_ERR_INTERNAL;
    }
    char *copy = ecc_strdup(value);
    if (!copy) {
        return ECC_ERR_NOMEM;
    }
    char *digit = copy + (signature - value) + 10;
    *digit = *digit == '0' ? '1' : '0';
    enum ecc_status status = ecc_http_headers_set(&request->headers, "Authorization", copy);
    free(copy);
    return status;
}

/* Signs for `service` (`ecs`, or `ec2` for the capacity calls). */
static enum ecc_status s_sign_for(
    struct s_case_run *run,
    const struct ecc_step_sign *sign,
    bool control,
    const char *service,
    struct ecc_http_request *request,
    struct ecc_diag *diag) {
    struct s_shared *shared = run->worker->shared;
    if (!ecc_http_headers_get(&request->headers, "Host")) {
        enum ecc_status status = ecc_http_headers_add(&request->headers, "Host", shared->host);
        if (status != ECC_OK) {
            return status;
        }
    }
    if (control || sign->mode == ECC_SIGN_NONE) {
        return ECC_OK;
    }
    const struct ecc_credentials *credentials = sign->second_credentials    ? run->options->second_credentials
                                                : sign->unknown_credentials ? &shared->unknown
                                                                            : run->options->credentials;
    if (!credentials) {
        ecc_diag_set(diag, "the profile has no second credentials");
        return ECC_ERR_NOT_FOUND;
    }
    struct s_clock clock = {.offset_s = sign->date_offset_s};
    struct ecc_sigv4_sign_options options = {
        .credentials = credentials,
        .region = run->options->region,
        .service = service,
        .clock = s_offset_clock,
        .clock_user_data = &clock,
        .key_cache = shared->key_cache,
    };
    enum ecc_status status = ecc_sigv4_signer_sign(run->worker->signer, request, &options, diag);
    if (status == ECC_OK && sign->mode == ECC_SIGN_BAD_SIGNATURE) {
        status = s_break_signature(request);
    }
    return status;
}

static enum ecc_status s_sign(
    struct s_case_run *run,
    const struct ecc_step_sign *sign,
    bool control,
    struct ecc_http_request *request,
    struct ecc_diag *diag) {
    return s_sign_for(run, sign, control, "ecs", request, diag);
}

/* Sends; parses the answer as JSON when it is. Returns false (and records the failure) on a transport error. */
static bool s_send(struct s_case_run *run, const char *label, int64_t timeout_ms, struct s_exchange *x) {
    struct s_shared *shared = run->worker->shared;
    struct ecc_transport *transport = run->worker->transport;
    struct ecc_transport *own = NULL;
    if (timeout_ms > 0) {
        struct ecc_transport_options options = run->options->transport;
        ecc_transport_options_set_timeout(&options, (long)timeout_ms);
        struct ecc_diag diag;
        own = ecc_transport_new(&options, &diag);
        if (!own) {
            s_fail(run, "%s: cannot create a transport: %s", label, diag.text);
            return false;
        }
        ecc_transport_set_cancel(own, s_should_cancel, run->worker);
        transport = own;
    }
    enum ecc_transport_error error =
        ecc_transport_send(transport, shared->options->endpoint_url, &x->request, &x->response, &x->result);
    ecc_transport_destroy(own);
    if (shared->options->on_exchange) {
        pthread_mutex_lock(&shared->mutex);
        shared->options->on_exchange(
            shared->options->user_data,
            run->c,
            label,
            &x->request,
            error == ECC_TRANSPORT_OK ? &x->response : NULL,
            &x->result);
        pthread_mutex_unlock(&shared->mutex);
    }
    if (error != ECC_TRANSPORT_OK) {
        if (!run->failed) {
            run->first.transport_error = ecc_transport_error_name(error);
            run->first.interrupted = error == ECC_TRANSPORT_ERR_CANCELLED;
        }
        if (error == ECC_TRANSPORT_ERR_CANCELLED) {
            s_fail(
                run,
                "%s: %s: the request was cancelled",
                label,
                s_interrupted(run, 1) ? "interrupted" : "run stopped (the endpoint stopped answering)");
        } else {
            s_fail(run, "%s: no usable answer (%s): %s", label, ecc_transport_error_name(error), x->result.message);
        }
        return false;
    }
    if (run->options->recording) {
        struct ecc_diag diag;
        enum ecc_status status = ecc_recording_add(run->options->recording, &x->request, &x->response, NULL, 0, &diag);
        if (status != ECC_OK && status != ECC_ERR_NOT_FOUND) {
            s_warn(run, "%s: not recorded: %s", label, diag.text);
        }
    }
    if (x->response.body_len) {
        json_error_t json_error;
        x->body = json_loadb((const char *)x->response.body, x->response.body_len, 0, &json_error);
    }
    return true;
}

/* ---- checks ------------------------------------------------------------------------------------- */

/* The first failing request as a curl command line (secrets as placeholders), after the run's hint on
 * where to replay it (the embedded emulator ends with the run). */
static void s_set_reproducer(struct s_case_run *run, const struct s_exchange *x) {
    if (run->reproducer) {
        return;
    }
    struct ecc_buf curl;
    ecc_buf_init(&curl, S_MAX_DETAIL_BYTES);
    const char *hint = run->options->reproducer_hint;
    if ((!hint || ecc_buf_printf(&curl, "# %s\n", hint) == ECC_OK) &&
        ecc_transport_format_curl(run->options->endpoint_url, &x->request, &curl) == ECC_OK) {
        run->reproducer = ecc_buf_steal(&curl);
    }
    ecc_buf_clean_up(&curl);
}

static void s_append_answer(struct s_case_run *run, const struct s_exchange *x) {
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    const char *verdict = "";
    char verdict_buf[300] = "";
    if (ecc_codec_classify_response(&x->response, NULL, &outcome) == ECC_OK) {
        if (outcome.kind == ECC_RESPONSE_PROTOCOL_ERROR) {
            snprintf(
                verdict_buf,
                sizeof(verdict_buf),
                ", not a well-formed AWS JSON answer (%s: %.200s)",
                ecc_protocol_error_name(outcome.protocol_error),
                outcome.diag.text);
            verdict = verdict_buf;
        }
    }
    ecc_response_outcome_clean_up(&outcome);
    size_t shown = x->response.body_len < S_MAX_ANSWER_PREVIEW ? x->response.body_len : S_MAX_ANSWER_PREVIEW;
    if (ecc_buf_printf(
            &run->detail,
            "  answer: HTTP %d%s, body (%zu bytes): %.*s%s\n",
            x->response.status,
            verdict,
            x->response.body_len,
            (int)shown,
            x->response.body ? (const char *)x->response.body : "",
            shown < x->response.body_len ? "..." : "") != ECC_OK) {
        /* capped */
    }
}

static bool s_record_check(
    struct s_case_run *run,
    const struct ecc_step *step,
    const char *what,
    struct ecc_match_failure *failure,
    size_t *failures) {
    char line[512];
    snprintf(
        line,
        sizeof(line),
        "%.160s: %.60s%s%.120s: %.150s",
        step->label,
        what,
        failure->pointer[0] ? " " : "",
        failure->pointer,
        failure->message);
    if (!run->failed) {
        snprintf(run->reason, sizeof(run->reason), "%s", line);
    }
    run->failed = true;
    if ((*failures)++ < S_MAX_CHECK_FAILURES) {
        if (ecc_report_format_failure(&run->detail, step->label, what, failure) != ECC_OK) {
            /* capped */
        }
    }
    ecc_match_failure_clean_up(failure);
    return false;
}

/* Expands an expectation (captures may appear in it). */
static json_t *s_expand_spec(struct s_case_run *run, const json_t *spec, const struct ecc_step *step) {
    json_t *out = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_vars_expand(&run->vars, spec, &out, &diag) != ECC_OK) {
        s_fail(run, "%s: %s", step->label, diag.text);
        return NULL;
    }
    return out;
}

static bool s_check(struct s_case_run *run, const struct ecc_step *step, struct s_exchange *x) {
    size_t failures = 0;
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    const struct ecc_step_expect *expect = &step->expect;
    bool check_status = !step->is_cleanup || step->has_expect;
    /* --strict: the emulator's exact choice replaces the plausible set where the case gives one. */
    bool strict_status = run->options->strict && expect->strict_status;
    bool strict_error = run->options->strict && expect->strict_error;
    const json_t *expect_status = strict_status ? expect->strict_status : expect->status;
    const json_t *expect_error = strict_error ? expect->strict_error : expect->error;
    /* Status: as given; 200 by default; any error status when only the error type is given. */
    json_t *status_spec = NULL;
    if (expect_status) {
        status_spec = s_expand_spec(run, expect_status, step);
        if (!status_spec) {
            return false;
        }
    } else if (check_status) {
        status_spec = expect_error ? json_pack("{s:{s:i,s:i}}", "range", "min", 400, "max", 599) : json_integer(200);
    }
    if (status_spec) {
        json_t *actual = json_integer(x->response.status);
        if (!ecc_match_value(actual, status_spec, &failure)) {
            s_record_check(run, step, strict_status ? "status (--strict)" : "status", &failure, &failures);
        }
        json_decref(actual);
        json_decref(status_spec);
    }
    if (expect_error) {
        json_t *spec = s_expand_spec(run, expect_error, step);
        struct ecc_error_type type;
        struct ecc_diag diag;
        json_t *actual = NULL;
        if (ecc_errors_resolve_type(&x->response.headers, json_is_object(x->body) ? x->body : NULL, &type, &diag) ==
                ECC_OK &&
            type.source != ECC_ERROR_TYPE_NONE) {
            actual = json_stringn(type.name, type.name_len);
        }
        if (spec && !ecc_match_value(actual, spec, &failure)) {
            s_record_check(run, step, strict_error ? "error type (--strict)" : "error type", &failure, &failures);
        }
        json_decref(actual);
        json_decref(spec);
    }
    const char *name;
    const json_t *spec;
    if (expect->headers) {
        json_object_foreach((json_t *)expect->headers, name, spec) {
            json_t *expanded = s_expand_spec(run, spec, step);
            const char *value = ecc_http_headers_get(&x->response.headers, name);
            json_t *actual = value ? json_string(value) : NULL;
            char what[160];
            snprintf(what, sizeof(what), "header %s", name);
            if (expanded && !ecc_match_value(actual, expanded, &failure)) {
                s_record_check(run, step, what, &failure, &failures);
            }
            json_decref(actual);
            json_decref(expanded);
        }
    }
    if (expect->body) {
        if (!x->body) {
            s_fail(run, "%s: the answer body is not JSON, so no body check can pass", step->label);
            failures++;
        } else {
            json_object_foreach((json_t *)expect->body, name, spec) {
                json_t *expanded = s_expand_spec(run, spec, step);
                if (expanded && !ecc_match_eval(x->body, name, expanded, &failure)) {
                    s_record_check(run, step, "body", &failure, &failures);
                }
                json_decref(expanded);
            }
        }
    }
    ecc_match_failure_clean_up(&failure);
    if (failures) {
        s_append_answer(run, x);
        s_set_reproducer(run, x);
        return false;
    }
    return true;
}

static bool s_capture(struct s_case_run *run, const struct ecc_step *step, const struct s_exchange *x) {
    const char *name;
    const json_t *pointer;
    json_object_foreach((json_t *)step->capture, name, pointer) {
        json_t *value = NULL;
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        /* A string is a pointer; an object a derived capture {"pointer", "regex"} (checked at load). */
        const char *regex = json_string_value(json_object_get(pointer, "regex"));
        const char *where = regex ? json_string_value(json_object_get(pointer, "pointer")) : json_string_value(pointer);
        enum ecc_status status = ecc_match_capture(x->body, where, &value, &diag);
        if (status == ECC_OK && regex) {
            json_t *derived = NULL;
            status = ecc_match_derive(value, regex, &derived, &diag);
            json_decref(value);
            value = derived;
        }
        if (status != ECC_OK) {
            s_fail(run, "%s: capture '%s': %s", step->label, name, diag.text);
            s_append_answer(run, x);
            return false;
        }
        char key[160];
        snprintf(key, sizeof(key), "capture.%s", name);
        status = ecc_vars_set(&run->vars, key, value);
        json_decref(value);
        if (status != ECC_OK) {
            s_fail(run, "%s: out of memory", step->label);
            return false;
        }
    }
    return true;
}

/* Remembers what a successful call created, for the runner's own cleanup: each item is
 * {"body": the cleanup call's body, "second": whether the step signed with the second credentials},
 * so a resource is removed with the credentials (the account) that created it. */
static void s_track_item(json_t *list, json_t *body, const struct ecc_step *step) {
    json_array_append_new(list, json_pack("{s:o,s:b}", "body", body, "second", step->sign.second_credentials ? 1 : 0));
}

/* Does `cluster` (a request's member: a name, an ARN, or absent for `default`) name the shared cluster of
 * shared-cluster mode? Always false without one. */
static bool s_is_shared_cluster(const struct s_case_run *run, const json_t *cluster) {
    const char *shared = ecc_case_shared_cluster(run->options->run_vars);
    const char *name = cluster ? json_string_value(cluster) : "default";
    if (!shared || !name) {
        return false;
    }
    const char *kind = strstr(name, ":cluster/");
    if (strncmp(name, "arn:", 4) == 0 && kind) {
        name = kind + strlen(":cluster/");
    }
    return strcmp(name, shared) == 0;
}

static void s_track(struct s_case_run *run, const struct ecc_step *step, const struct s_exchange *x) {
    if (x->response.status < 200 || x->response.status > 299 || !json_is_object(x->body)) {
        return;
    }
    const char *operation = step->operation ? step->operation : "";
    if (step->kind == ECC_STEP_CONTROL) {
        /* A reset removed everything created before it: nothing of that is left to clean up. */
        const char *action = json_string_value(json_object_get(x->sent_body, "action"));
        if (action && strcmp(action, "reset") == 0) {
            json_array_clear(run->tasks);
            json_array_clear(run->task_definitions);
            json_array_clear(run->clusters);
            json_array_clear(run->container_instances);
        }
    } else if (strcmp(operation, "CreateCluster") == 0) {
        const json_t *name = json_object_get(x->sent_body, "clusterName");
        /* The shared cluster was there before the run and stays after it. */
        if (json_is_string(name) && !s_is_shared_cluster(run, name)) {
            s_track_item(run->clusters, json_pack("{s:O}", "cluster", name), step);
        }
    } else if (strcmp(operation, "RegisterTaskDefinition") == 0) {
        const json_t *arn = json_object_get(json_object_get(x->body, "taskDefinition"), "taskDefinitionArn");
        if (json_is_string(arn)) {
            s_track_item(run->task_definitions, json_pack("{s:O}", "taskDefinition", arn), step);
        }
    } else if (strcmp(operation, "RunTask") == 0) {
        size_t i;
        const json_t *task;
        json_array_foreach(json_object_get(x->body, "tasks"), i, task) {
            const json_t *arn = json_object_get(task, "taskArn");
            const json_t *cluster = json_object_get(task, "clusterArn");
            if (json_is_string(arn)) {
                s_track_item(
                    run->tasks,
                    json_pack("{s:O?,s:O,s:s}", "cluster", cluster, "task", arn, "reason", "ecsconf cleanup"),
                    step);
            }
        }
    }
}

/* An internal call (DescribeTasks, cleanup): signed with the default credentials, or the second ones. */
static bool s_internal_call(
    struct s_case_run *run,
    const char *label,
    const char *operation,
    json_t *body,
    bool second_credentials,
    struct s_exchange *x) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_step_sign sign = {.mode = ECC_SIGN_SIGV4, .second_credentials = second_credentials};
    if (s_build_call(operation, body, x, &diag) != ECC_OK || s_sign(run, &sign, false, &x->request, &diag) != ECC_OK) {
        s_fail(run, "%s: cannot build %s: %s", label, operation, diag.text);
        return false;
    }
    return s_send(run, label, 0, x);
}

/* ---- EC2 capacity (capacity.h) ------------------------------------------------------------------- */

/* An EC2 Query call, signed for `ec2` with the credentials (the account) the cluster was created with. */
static bool s_ec2_call(struct s_case_run *run, const char *label, bool second_credentials, struct s_exchange *x) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_step_sign sign = {.mode = ECC_SIGN_SIGV4, .second_credentials = second_credentials};
    if (s_sign_for(run, &sign, false, "ec2", &x->request, &diag) != ECC_OK) {
        s_fail(run, "%s: cannot sign: %s", label, diag.text);
        return false;
    }
    return s_send(run, label, 0, x);
}

/*
 * After a CreateCluster step that succeeded, on a profile with EC2 capacity: starts the profile's number
 * of EC2 instances and registers each in the cluster, so EC2 placement has somewhere to put the case's
 * tasks. What is started is tracked first, so the cleanup removes it even when a later call fails. A
 * failure fails the case with the reason (its rule was not reached), never silently.
 */
static void s_capacity_provide(struct s_case_run *run, const struct ecc_step *step, const struct s_exchange *x) {
    unsigned count = run->options->ec2_instances_per_cluster;
    const char *cluster = json_string_value(json_object_get(x->sent_body, "clusterName"));
    if (!count || step->kind == ECC_STEP_CONTROL || !step->operation || strcmp(step->operation, "CreateCluster") != 0 ||
        x->response.status != 200 || !cluster ||
        s_is_shared_cluster(run, json_object_get(x->sent_body, "clusterName"))) {
        return; /* the shared cluster has container instances of its own */
    }
    bool second = step->sign.second_credentials;
    char label[300];
    snprintf(label, sizeof(label), "%s: capacity for cluster %s", step->label, cluster);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct s_exchange ec2;
    s_exchange_init(&ec2);
    json_t *ids = NULL;
    if (ecc_capacity_build_run_instances(&ec2.request, count, cluster, &diag) != ECC_OK) {
        s_fail(run, "%s: %s", label, diag.text);
    } else if (s_ec2_call(run, label, second, &ec2)) {
        if (ecc_capacity_read_instance_ids(&ec2.response, count, &ids, &diag) != ECC_OK) {
            s_fail(run, "%s: EC2 %s", label, diag.text);
        } else {
            json_array_append_new(run->ec2_instances, json_pack("{s:O,s:b}", "ids", ids, "second", second ? 1 : 0));
        }
    }
    s_exchange_clean_up(&ec2);
    size_t i;
    const json_t *id;
    json_array_foreach(ids, i, id) {
        struct s_exchange reg;
        s_exchange_init(&reg);
        json_t *body = ecc_capacity_register_body(cluster, json_string_value(id));
        bool sent = body && s_internal_call(run, label, "RegisterContainerInstance", body, second, &reg);
        json_decref(body);
        const json_t *arn = json_object_get(json_object_get(reg.body, "containerInstance"), "containerInstanceArn");
        if (sent && reg.response.status == 200 && json_is_string(arn)) {
            s_track_item(
                run->container_instances,
                json_pack("{s:s,s:O,s:b}", "cluster", cluster, "containerInstance", arn, "force", 1),
                step);
        } else if (sent) {
            s_fail(
                run,
                "%s: RegisterContainerInstance of %s answered HTTP %d without a containerInstanceArn",
                label,
                json_string_value(id),
                reg.response.status);
        }
        s_exchange_clean_up(&reg);
        if (run->failed) {
            break;
        }
    }
    json_decref(ids);
}

/* The cleanup's last part: terminates the EC2 instances s_capacity_provide started (the container
 * instances were deregistered before). Problems are warnings. */
static void s_capacity_release(struct s_case_run *run) {
    size_t i;
    const json_t *item;
    json_array_foreach(run->ec2_instances, i, item) {
        struct s_exchange x;
        s_exchange_init(&x);
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        if (ecc_capacity_build_terminate_instances(&x.request, json_object_get(item, "ids"), &diag) != ECC_OK) {
            s_warn(run, "TerminateInstances: %s", diag.text);
        } else if (!s_ec2_call(run, "cleanup", json_is_true(json_object_get(item, "second")), &x)) {
            s_warn(run, "TerminateInstances: %s", x.result.message);
        } else if (x.response.status != 200) {
            s_warn(run, "TerminateInstances: HTTP %d", x.response.status);
        }
        s_exchange_clean_up(&x);
    }
}

static bool s_sleep_stop(void *user_data) {
    return s_interrupted(user_data, 1);
}

/* Sleeps up to `ms`, in slices so an interrupt or the case deadline cuts it short. */
static void s_sleep_ms(struct s_case_run *run, uint64_t ms) {
    uint64_t end = ecc_monotonic_ms() + ms;
    if (run->deadline_ms && run->deadline_ms < end) {
        end = run->deadline_ms;
    }
    (void)ecc_sleep_until_ms(end, S_SLEEP_SLICE_MS, s_sleep_stop, run);
}

static bool s_all_visible(const json_t *arns, const json_t *described) {
    size_t i;
    const json_t *arn;
    json_array_foreach(arns, i, arn) {
        bool found = false;
        size_t j;
        const json_t *task;
        json_array_foreach(json_object_get(described, "tasks"), j, task) {
            found = found || json_equal(json_object_get(task, "taskArn"), (json_t *)arn);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

static bool s_confirm(struct s_case_run *run, const struct ecc_step *step, const struct s_exchange *sent) {
    json_t *arns = NULL;
    json_t *cluster = NULL;
    struct ecc_diag diag;
    if (step->confirm_spec) {
        json_t *spec = NULL;
        if (ecc_vars_expand(&run->vars, step->confirm_spec, &spec, &diag) != ECC_OK) {
            s_fail(run, "%s: confirm: %s", step->label, diag.text);
            return false;
        }
        arns = json_incref(json_object_get(spec, "tasks"));
        cluster = json_incref(json_object_get(spec, "cluster"));
        json_decref(spec);
    }
    if (!arns && ecc_match_capture(sent->body, "/tasks/*/taskArn", &arns, &diag) != ECC_OK) {
        s_fail(run, "%s: confirm: the answer names no task to confirm", step->label);
        json_decref(cluster);
        return false;
    }
    if (!cluster) {
        cluster = json_incref(json_object_get(sent->sent_body, "cluster"));
    }
    if (json_is_string(arns)) {
        json_t *one = json_array();
        json_array_append_new(one, arns);
        arns = one;
    }
    bool visible = false;
    uint64_t start = ecc_monotonic_ms();
    unsigned retries = 0;
    char last[300] = "no answer";
    for (;;) {
        struct s_exchange x;
        s_exchange_init(&x);
        json_t *body = json_pack("{s:O}", "tasks", arns);
        if (cluster) {
            json_object_set(body, "cluster", cluster);
        }
        char label[200];
        snprintf(label, sizeof(label), "%s: confirm with DescribeTasks", step->label);
        bool sent_ok = s_internal_call(run, label, "DescribeTasks", body, false, &x);
        json_decref(body);
        if (!sent_ok) {
            s_exchange_clean_up(&x);
            break;
        }
        visible = x.response.status == 200 && s_all_visible(arns, x.body);
        snprintf(last, sizeof(last), "HTTP %d", x.response.status);
        s_exchange_clean_up(&x);
        if (visible) {
            break;
        }
        uint64_t delay = 0;
        uint64_t elapsed = ecc_monotonic_ms() - start;
        if (s_interrupted(run, 1) || !ecc_backoff_next(&run->options->backoff, retries++, elapsed, &delay) ||
            (run->deadline_ms && ecc_monotonic_ms() + delay > run->deadline_ms)) {
            s_fail(
                run,
                "%s: %sDescribeTasks did not show the %zu started task(s) after %" PRIu64 " ms and %u tries (last: %s)",
                step->label,
                s_interrupted(run, 1) ? "interrupted: " : "",
                json_array_size(arns),
                ecc_monotonic_ms() - start,
                retries,
                last);
            break;
        }
        s_sleep_ms(run, delay);
    }
    json_decref(arns);
    json_decref(cluster);
    return visible;
}

/* The answer of the step that failed first, for the expected-failure check. */
static void s_note_failed_answer(struct s_case_run *run, const struct s_exchange *x) {
    run->first.status = x->response.status;
    run->first.error_type[0] = '\0';
    struct ecc_error_type type;
    struct ecc_diag diag;
    if (ecc_errors_resolve_type(&x->response.headers, json_is_object(x->body) ? x->body : NULL, &type, &diag) ==
            ECC_OK &&
        type.source != ECC_ERROR_TYPE_NONE) {
        size_t len =
            type.name_len < sizeof(run->first.error_type) - 1 ? type.name_len : sizeof(run->first.error_type) - 1;
        memcpy(run->first.error_type, type.name, len);
        run->first.error_type[len] = '\0';
    }
}

/* ---- shared-cluster mode: ListTasks answers -------------------------------------------------------- */

/* Pages of a shared cluster's ListTasks the runner reads (100 tasks each), and tasks per DescribeTasks. */
#define S_SHARED_LIST_MAX_PAGES     10
#define S_SHARED_DESCRIBE_MAX_TASKS 100

/* The family of a task-definition ARN (`...:task-definition/FAMILY:REVISION`) into `out`; "" when not one. */
static void s_arn_family(const char *arn, char *out, size_t size) {
    const char *start = arn ? strstr(arn, ":task-definition/") : NULL;
    const char *end = start ? strrchr(start, ':') : NULL;
    out[0] = '\0';
    if (start && end > start + strlen(":task-definition/")) {
        start += strlen(":task-definition/");
        snprintf(out, size, "%.*s", (int)(end - start), start);
    }
}

/* Is `arn` a task the case started (an answer of its own named it)? */
static bool s_own_task(const struct s_case_run *run, const json_t *arn) {
    size_t i;
    const json_t *item;
    json_array_foreach(run->tasks, i, item) {
        if (json_equal(json_object_get(json_object_get(item, "body"), "task"), (json_t *)arn)) {
            return true;
        }
    }
    return false;
}

/* Is `task` (a DescribeTasks task) of a task-definition family the case registered? Families carry the run
 * prefix and the case id, so a task of one is the case's even when no answer named it (a task an endpoint
 * started on a replay and did not report). */
static bool s_own_family(const struct s_case_run *run, const json_t *task) {
    char family[300];
    s_arn_family(json_string_value(json_object_get(task, "taskDefinitionArn")), family, sizeof(family));
    size_t i;
    const json_t *item;
    json_array_foreach(run->task_definitions, i, item) {
        char registered[300];
        s_arn_family(
            json_string_value(json_object_get(json_object_get(item, "body"), "taskDefinition")),
            registered,
            sizeof(registered));
        if (family[0] && strcmp(family, registered) == 0) {
            return true;
        }
    }
    return false;
}

/* Reads the pages after the first of a shared cluster's ListTasks into `listed` (the same request with each
 * nextToken). false when a page fails or more remain after S_SHARED_LIST_MAX_PAGES. */
static bool
s_shared_list_pages(struct s_case_run *run, const struct ecc_step *step, const struct s_exchange *x, json_t *listed) {
    json_t *token = json_incref(json_object_get(x->body, "nextToken"));
    unsigned pages = 1;
    bool ok = true;
    for (; ok && json_is_string(token) && pages < S_SHARED_LIST_MAX_PAGES; pages++) {
        char label[220];
        snprintf(label, sizeof(label), "%s: shared cluster: ListTasks page %u", step->label, pages + 1);
        json_t *body = json_deep_copy(x->sent_body);
        json_object_set(body, "nextToken", token);
        struct s_exchange page;
        s_exchange_init(&page);
        ok = s_internal_call(run, label, "ListTasks", body, step->sign.second_credentials, &page);
        const json_t *arns = json_object_get(page.body, "taskArns");
        if (ok && (page.response.status != 200 || !json_is_array(arns))) {
            s_fail(run, "%s answered HTTP %d without taskArns", label, page.response.status);
            ok = false;
        }
        if (ok) {
            json_array_extend(listed, (json_t *)arns);
            json_decref(token);
            token = json_incref(json_object_get(page.body, "nextToken"));
        }
        json_decref(body);
        s_exchange_clean_up(&page);
    }
    if (ok && json_is_string(token)) {
        s_fail(
            run,
            "%s: the shared cluster lists more than %d pages of tasks: the case's own cannot all be seen",
            step->label,
            S_SHARED_LIST_MAX_PAGES);
        ok = false;
    }
    json_decref(token);
    return ok;
}

/* Keeps, of `unknown` (ARNs no answer of the case named), those DescribeTasks shows of one of the case's
 * families, appending them to `kept`. A listed task DescribeTasks does not show cannot be told apart: false. */
static bool s_shared_keep_own_family(
    struct s_case_run *run, const struct ecc_step *step, const json_t *cluster, json_t *unknown, json_t *kept) {
    for (size_t start = 0; start < json_array_size(unknown); start += S_SHARED_DESCRIBE_MAX_TASKS) {
        json_t *batch = json_array();
        for (size_t i = start; i < json_array_size(unknown) && i < start + S_SHARED_DESCRIBE_MAX_TASKS; i++) {
            json_array_append(batch, json_array_get(unknown, i));
        }
        char label[220];
        snprintf(label, sizeof(label), "%s: shared cluster: DescribeTasks of other tasks listed", step->label);
        json_t *body = json_pack("{s:O,s:O}", "cluster", cluster, "tasks", batch);
        struct s_exchange x;
        s_exchange_init(&x);
        bool ok = body && s_internal_call(run, label, "DescribeTasks", body, step->sign.second_credentials, &x);
        json_decref(body);
        size_t i;
        const json_t *arn;
        json_array_foreach(batch, i, arn) {
            const json_t *found = NULL;
            size_t j;
            const json_t *task;
            json_array_foreach(json_object_get(x.body, "tasks"), j, task) {
                found = json_equal(json_object_get(task, "taskArn"), (json_t *)arn) ? task : found;
            }
            if (ok && !found) {
                s_fail(
                    run,
                    "%s: HTTP %d does not show %s, which ListTasks named: cannot tell whether it is the case's own",
                    label,
                    x.response.status,
                    json_string_value(arn));
                ok = false;
            }
            if (ok && s_own_family(run, found)) {
                json_array_append(kept, (json_t *)arn);
            }
        }
        s_exchange_clean_up(&x);
        json_decref(batch);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/*
 * Shared-cluster mode: a ListTasks of the shared cluster lists every case's tasks (and whatever else runs
 * there), while a case's expectation is about its own. The answer is read to its last page, then its
 * `taskArns` replaced by the case's own tasks: those an answer of the case named, and those DescribeTasks
 * shows of a task-definition family the case registered; `nextToken` goes. So a missing task or an extra
 * task of the case still fails the check; another case's task never counts. The request is not changed, and
 * the report shows the answer as it came. false (the step failed) when the tasks cannot be told apart.
 */
static bool s_shared_list_filter(struct s_case_run *run, const struct ecc_step *step, struct s_exchange *x) {
    const json_t *arns = json_object_get(x->body, "taskArns");
    const json_t *cluster = json_object_get(x->sent_body, "cluster");
    if (!step->operation || strcmp(step->operation, "ListTasks") != 0 || !json_is_object(x->sent_body) ||
        !s_is_shared_cluster(run, cluster) || x->response.status != 200 || !json_is_array(arns)) {
        return true;
    }
    json_t *listed = json_deep_copy(arns);
    json_t *kept = json_array();
    json_t *unknown = json_array();
    json_t *named = cluster ? json_incref((json_t *)cluster) : json_string("default");
    bool ok = listed && kept && unknown && named && s_shared_list_pages(run, step, x, listed);
    size_t i;
    const json_t *arn;
    json_array_foreach(ok ? listed : NULL, i, arn) {
        json_array_append(s_own_task(run, arn) ? kept : unknown, (json_t *)arn);
    }
    ok = ok && s_shared_keep_own_family(run, step, named, unknown, kept);
    if (ok) {
        if (ecc_buf_printf(
                &run->detail,
                "%s: shared cluster: ListTasks listed %zu task(s), %zu of them the case's own (the checks see "
                "only those)\n",
                step->label,
                json_array_size(listed),
                json_array_size(kept)) != ECC_OK) {
            /* capped */
        }
        json_object_set(x->body, "taskArns", kept);
        json_object_del(x->body, "nextToken");
    }
    json_decref(listed);
    json_decref(kept);
    json_decref(unknown);
    json_decref(named);
    return ok;
}

static bool s_run_step(struct s_case_run *run, const struct ecc_step *step) {
    struct s_exchange x;
    s_exchange_init(&x);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    bool ok = false;
    bool was_failed = run->failed;
    if (step->is_cleanup && s_build_request(run, step, &x, &diag) != ECC_OK) {
        /* A cleanup step whose inputs never came to be (a capture of a step that did not run) has nothing
         * to clean up; the runner's own cleanup still runs. */
        s_warn(run, "%s skipped: %s", step->label, diag.text);
        goto done;
    }
    if ((!step->is_cleanup && s_build_request(run, step, &x, &diag) != ECC_OK) ||
        s_sign(run, &step->sign, step->kind == ECC_STEP_CONTROL, &x.request, &diag) != ECC_OK) {
        s_fail(run, "%s: cannot build the request: %s", step->label, diag.text);
        goto done;
    }
    if (!s_send(run, step->label, step->timeout_ms, &x)) {
        s_set_reproducer(run, &x);
        goto done;
    }
    s_track(run, step, &x);
    s_capacity_provide(run, step, &x);
    if (!s_shared_list_filter(run, step, &x)) {
        s_append_answer(run, &x);
        goto done;
    }
    if (!s_check(run, step, &x)) {
        goto done;
    }
    if (step->capture && !s_capture(run, step, &x)) {
        goto done;
    }
    ok = !step->confirm || s_confirm(run, step, &x);
done:
    if (!was_failed && run->failed && !run->first.transport_error && x.response.status != 0) {
        s_note_failed_answer(run, &x);
    }
    s_exchange_clean_up(&x);
    return ok;
}

/* The runner's own cleanup: stop tasks, deregister task definitions, delete clusters; problems are
 * warnings (the resource names carry the run prefix, so leftovers are easy to find). */
static void s_auto_cleanup(struct s_case_run *run) {
    struct {
        const char *operation;
        json_t *list;
        const char *id_member;
    } passes[] = {
        {"StopTask", run->tasks, "task"},
        {"DeregisterTaskDefinition", run->task_definitions, "taskDefinition"},
        {"DeregisterContainerInstance", run->container_instances, "containerInstance"},
        {"DeleteCluster", run->clusters, "cluster"},
    };
    bool was_failed = run->failed;
    struct s_first_failure saved_first = run->first;
    char saved_reason[sizeof(run->reason)];
    memcpy(saved_reason, run->reason, sizeof(saved_reason));
    size_t detail_len = run->detail.len;
    for (size_t p = 0; p < ECC_ARRAY_LEN(passes); p++) {
        size_t i;
        json_t *item;
        json_array_foreach(passes[p].list, i, item) {
            if (s_interrupted(run, 2) || atomic_load(&run->worker->shared->tripped)) {
                s_warn(
                    run,
                    "cleanup abandoned (%s): resources named %s-* may remain",
                    s_interrupted(run, 2) ? "second interrupt" : "the endpoint stopped answering",
                    run->options->prefix);
                goto restore;
            }
            json_t *body = json_object_get(item, "body");
            bool second = json_is_true(json_object_get(item, "second"));
            struct s_exchange x;
            s_exchange_init(&x);
            const json_t *id = json_object_get(body, passes[p].id_member);
            const char *what = json_string_value(id);
            if (!s_internal_call(run, "cleanup", passes[p].operation, body, second, &x)) {
                s_warn(run, "%s %s: %s", passes[p].operation, what ? what : "?", x.result.message);
            } else if (x.response.status < 200 || x.response.status > 299) {
                struct ecc_error_type type;
                struct ecc_diag diag;
                bool gone = ecc_errors_resolve_type(
                                &x.response.headers, json_is_object(x.body) ? x.body : NULL, &type, &diag) == ECC_OK &&
                            type.source != ECC_ERROR_TYPE_NONE && type.name_len == strlen("ClusterNotFoundException") &&
                            memcmp(type.name, "ClusterNotFoundException", type.name_len) == 0;
                if (!gone) {
                    s_warn(run, "%s %s: HTTP %d", passes[p].operation, what ? what : "?", x.response.status);
                }
            }
            s_exchange_clean_up(&x);
        }
        if (p == 2) {
            s_capacity_release(run);
        }
    }
restore:
    /* Cleanup trouble is a warning, not the case's result. */
    run->failed = was_failed;
    run->first = saved_first;
    memcpy(run->reason, saved_reason, sizeof(saved_reason));
    run->detail.len = detail_len;
    if (run->detail.data) {
        run->detail.data[detail_len] = '\0';
    }
}

static uint64_t s_fnv1a(const char *text) {
    uint64_t hash = 1469598103934665603ULL;
    for (const char *c = text; *c; c++) {
        hash = (hash ^ (uint8_t)*c) * 1099511628211ULL;
    }
    return hash;
}

static enum ecc_status s_set_builtins(struct s_case_run *run) {
    const struct ecc_runner_options *o = run->options;
    char name[160];
    snprintf(name, sizeof(name), "%s-%s", o->prefix, run->c->id);
    /* Shared-cluster mode: names a case gives the cluster itself (its clientTokens, `${prefix}-tok-1`) must not
     * meet another case's there, so ${prefix} is the case's own: the same shape as the run's (`ecc` + 8 hex
     * digits, so the 64-character token cases keep their length), an offset of the run prefix's hash by the
     * case's position, distinct for every case of the run. Resource names (${family}) keep the run prefix. */
    char case_prefix[12];
    snprintf(
        case_prefix,
        sizeof(case_prefix),
        "ecc%08" PRIx32,
        (uint32_t)(s_fnv1a(o->prefix) + (uint64_t)run->ordinal + 1u));
    const char *prefix = ecc_case_shared_cluster(o->run_vars) ? case_prefix : o->prefix;
    enum ecc_status status = ecc_vars_set_string(&run->vars, "prefix", prefix);
    if (status == ECC_OK) {
        status = ecc_vars_set_string(&run->vars, "cluster", name);
    }
    if (status == ECC_OK) {
        status = ecc_vars_set_string(&run->vars, "family", name);
    }
    if (status == ECC_OK) {
        status = ecc_vars_set_string(&run->vars, "region", o->region);
    }
    if (status == ECC_OK && o->account) {
        status = ecc_vars_set_string(&run->vars, "account", o->account);
    }
    if (status == ECC_OK) {
        status = ecc_vars_set_string(&run->vars, "access_key_id", o->credentials->access_key_id);
    }
    if (status == ECC_OK && o->second_credentials) {
        status = ecc_vars_set_string(&run->vars, "second_access_key_id", o->second_credentials->access_key_id);
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)o->run_vars, key, value) {
        if (status == ECC_OK) {
            status = ecc_vars_set(&run->vars, key, value);
        }
    }
    /* Case vars, in order: each may use the built-ins and the vars before it. */
    json_object_foreach((json_t *)run->c->vars, key, value) {
        json_t *expanded = NULL;
        struct ecc_diag diag;
        if (status == ECC_OK) {
            status = ecc_vars_expand(&run->vars, value, &expanded, &diag);
            if (status != ECC_OK) {
                s_fail(run, "vars/%s: %s", key, diag.text);
            }
        }
        if (status == ECC_OK) {
            status = ecc_vars_set(&run->vars, key, expanded);
        }
        json_decref(expanded);
    }
    return status;
}

static void s_run_steps(struct s_case_run *run, const struct ecc_step *steps, size_t count, bool cleanup) {
    for (size_t i = 0; i < count; i++) {
        if (!cleanup && run->failed) {
            return;
        }
        if (!cleanup && (s_interrupted(run, 1) || atomic_load(&run->worker->shared->tripped))) {
            if (!run->failed) {
                run->first.interrupted = true;
            }
            s_fail(run, "%s before %s", s_interrupted(run, 1) ? "interrupted" : "run stopped", steps[i].label);
            return;
        }
        if (cleanup && s_interrupted(run, 2)) {
            s_warn(run, "cleanup abandoned (second interrupt)");
            return;
        }
        if (!cleanup && run->deadline_ms && ecc_monotonic_ms() > run->deadline_ms) {
            if (!run->failed) {
                run->first.transport_error = "timeout"; /* the case's deadline, never an expected failure */
            }
            s_fail(run, "case timed out before %s", steps[i].label);
            return;
        }
        if (!s_run_step(run, &steps[i]) && !cleanup) {
            return;
        }
    }
}

/* The verdict of a case that ran and failed: FAIL, or XFAIL when its expected-failure line accepts the way
 * it failed. Writes the one-line reason. Returns the result. */
static enum ecc_result
s_failed_verdict(const struct s_case_run *run, const struct ecc_expect_fail_entry *listed, char *reason, size_t size) {
    if (run->first.interrupted || s_interrupted(run, 1)) {
        /* Cut short: says nothing about the endpoint, so it can be no expected failure. */
        snprintf(reason, size, "%s", run->reason);
        return ECC_RESULT_FAIL;
    }
    if (!listed) {
        snprintf(reason, size, "%s", run->reason);
        return ECC_RESULT_FAIL;
    }
    struct ecc_expect_fail_observed observed = {
        .transport_error = run->first.transport_error,
        .status = run->first.status,
        .error_type = run->first.error_type[0] ? run->first.error_type : NULL,
        .reason = run->reason,
    };
    char why[300];
    if (!ecc_expect_fail_accepts(listed, &observed, why, sizeof(why))) {
        snprintf(
            reason, size, "failed, but not as %s:%d expects (%s): %s", listed->source, listed->line, why, run->reason);
        return ECC_RESULT_FAIL;
    }
    if (run->first.transport_error) {
        snprintf(reason, size, "expected failure (%s): %s", listed->reason, run->reason);
    } else {
        /* What the endpoint answered, so a reader sees the values behind the expected failure. */
        snprintf(
            reason,
            size,
            "expected failure (%s): HTTP %d, error %s: %s",
            listed->reason,
            run->first.status,
            run->first.error_type[0] ? run->first.error_type : "none",
            run->reason);
    }
    return ECC_RESULT_XFAIL;
}

/* Runs one plan item into `out`. *unreachable: the case failed for want of any usable answer (the
 * circuit breaker counts those). */
static void
s_run_case(struct s_worker *worker, const struct ecc_plan_item *item, struct ecc_case_report *out, bool *unreachable) {
    const struct ecc_runner_options *options = worker->shared->options;
    *unreachable = false;
    const struct ecc_case *c = item->c;
    memset(out, 0, sizeof(*out));
    out->id = (char *)c->id;
    out->group = c->group;
    out->title = (char *)c->title;
    out->description = (char *)c->description;
    out->tags = ecc_case_tags_join(c, ",", NULL);
    if (item->action == ECC_PLAN_SKIP) {
        out->result = ECC_RESULT_SKIP;
        out->reason = ecc_strdup(item->skip_reason);
        return;
    }
    if (options->interrupted && *options->interrupted) {
        out->result = ECC_RESULT_SKIP;
        out->reason = ecc_strdup("not run: interrupted");
        return;
    }
    if (atomic_load(&worker->shared->tripped)) {
        out->result = ECC_RESULT_SKIP;
        out->reason = ecc_strdup("not run: the endpoint stopped answering (circuit breaker)");
        return;
    }
    if (atomic_load(&worker->shared->failed_fast)) {
        out->result = ECC_RESULT_SKIP;
        out->reason = ecc_strdup("not run: --fail-fast, and a case failed");
        return;
    }
    struct s_case_run run = {
        .worker = worker, .options = options, .c = c, .ordinal = (size_t)(item - worker->shared->plan->items)};
    ecc_buf_init(&run.detail, S_MAX_DETAIL_BYTES);
    ecc_buf_init(&run.warnings, S_MAX_DETAIL_BYTES);
    run.clusters = json_array();
    run.task_definitions = json_array();
    run.tasks = json_array();
    run.container_instances = json_array();
    run.ec2_instances = json_array();
    uint64_t start = ecc_monotonic_ms();
    uint64_t timeout = c->timeout_ms ? (uint64_t)c->timeout_ms : options->case_timeout_ms;
    run.deadline_ms = timeout ? start + timeout : 0;
    if (ecc_vars_init(&run.vars, options->seed ^ s_fnv1a(c->id)) != ECC_OK || !run.clusters || !run.task_definitions ||
        !run.tasks || !run.container_instances || !run.ec2_instances) {
        s_fail(&run, "out of memory");
    } else if (s_set_builtins(&run) != ECC_OK) {
        s_fail(&run, "cannot set the case variables");
    } else {
        s_run_steps(&run, c->steps, c->step_count, false);
        /* The first Ctrl-C must not cancel the cleanup's requests: only the second does. */
        atomic_store(&worker->cancel_level, 2);
        s_run_steps(&run, c->cleanup, c->cleanup_count, true);
        s_auto_cleanup(&run);
        atomic_store(&worker->cancel_level, 1);
    }
    out->duration_ms = ecc_monotonic_ms() - start;
    bool listed = item->expect_fail != NULL;
    out->result = ecc_result_of(!run.failed, listed);
    char reason[1024];
    if (run.failed) {
        out->result = s_failed_verdict(&run, item->expect_fail, reason, sizeof(reason));
        *unreachable = out->result == ECC_RESULT_FAIL && run.first.transport_error && !run.first.interrupted &&
                       !s_interrupted(&run, 1);
    } else if (out->result == ECC_RESULT_XPASS) {
        snprintf(
            reason,
            sizeof(reason),
            "passed, but listed as an expected failure at %s:%d (%s)",
            item->expect_fail->source,
            item->expect_fail->line,
            item->expect_fail->reason);
    } else {
        snprintf(reason, sizeof(reason), "%s", run.failed ? run.reason : "");
    }
    out->reason = reason[0] ? ecc_strdup(reason) : NULL;
    out->detail = run.failed && run.detail.len ? ecc_buf_steal(&run.detail) : NULL;
    out->reproducer = run.failed ? run.reproducer : NULL;
    if (!run.failed) {
        free(run.reproducer);
    }
    out->warnings = run.warnings.len ? ecc_buf_steal(&run.warnings) : NULL;
    ecc_vars_clean_up(&run.vars);
    json_decref(run.clusters);
    json_decref(run.task_definitions);
    json_decref(run.tasks);
    json_decref(run.container_instances);
    json_decref(run.ec2_instances);
    ecc_buf_clean_up(&run.detail);
    ecc_buf_clean_up(&run.warnings);
}

/* ---- the probe: preflight and circuit breaker ------------------------------------------------------ */

/* Errors that say the credentials, the signature or the region were refused. */
/* ---- workers ------------------------------------------------------------------------------------ */

/* After S_BREAKER_CASES cases in a row got no usable answer, one probe decides: an endpoint that still
 * answers it (the cases broke it, or hit a path it cannot serve) lets the run go on; one that does not
 * stops the run (ECC_RUN_STOP_ENDPOINT), and every case not started yet is SKIP. */
static void s_breaker_probe(struct s_worker *worker) {
    struct s_shared *shared = worker->shared;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status =
        ecc_runner_probe(shared->options, worker->transport, worker->signer, shared->key_cache, &diag);
    pthread_mutex_lock(&shared->mutex);
    shared->probing = false;
    bool interrupted = shared->options->interrupted && *shared->options->interrupted;
    if (status != ECC_OK && !interrupted) {
        char reason[700];
        snprintf(
            reason,
            sizeof(reason),
            "%d cases in a row got no usable answer, and the endpoint fails a signed ListTasks too: %s",
            S_BREAKER_CASES,
            diag.text);
        if (ecc_run_report_set_stop(shared->report, ECC_RUN_STOP_ENDPOINT, reason) != ECC_OK) {
            shared->status = ECC_ERR_NOMEM;
        }
        atomic_store(&shared->tripped, true);
    }
    pthread_mutex_unlock(&shared->mutex);
}

static void s_finish_item(struct s_worker *worker, struct ecc_case_report *item, bool ran, bool unreachable) {
    struct s_shared *shared = worker->shared;
    bool probe = false;
    pthread_mutex_lock(&shared->mutex);
    if (ecc_run_report_add(shared->report, item) != ECC_OK) {
        shared->status = ECC_ERR_NOMEM;
    }
    if (ran) {
        shared->unreachable_in_a_row = unreachable ? shared->unreachable_in_a_row + 1 : 0;
    }
    if (shared->options->fail_fast && (item->result == ECC_RESULT_FAIL || item->result == ECC_RESULT_XPASS)) {
        atomic_store(&shared->failed_fast, true);
    }
    if (shared->unreachable_in_a_row >= S_BREAKER_CASES && !shared->probing && !atomic_load(&shared->tripped)) {
        shared->unreachable_in_a_row = 0;
        shared->probing = true;
        probe = true;
    }
    shared->done++;
    if (shared->options->on_case_done) {
        shared->options->on_case_done(shared->options->user_data, item, shared->done, shared->plan->count);
    }
    pthread_mutex_unlock(&shared->mutex);
    free(item->tags);
    free(item->reason);
    free(item->detail);
    free(item->reproducer);
    free(item->warnings);
    if (probe) {
        s_breaker_probe(worker);
    }
}

static void s_do_item(struct s_worker *worker, const struct ecc_plan_item *item) {
    struct s_shared *shared = worker->shared;
    if (shared->options->on_case_start && item->action == ECC_PLAN_RUN) {
        pthread_mutex_lock(&shared->mutex);
        shared->options->on_case_start(shared->options->user_data, item->c, shared->done, shared->plan->count);
        pthread_mutex_unlock(&shared->mutex);
    }
    struct ecc_case_report result;
    bool unreachable = false;
    s_run_case(worker, item, &result, &unreachable);
    s_finish_item(worker, &result, result.result != ECC_RESULT_SKIP, unreachable);
}

static enum ecc_status s_worker_init(struct s_worker *worker, struct s_shared *shared, struct ecc_diag *diag) {
    worker->shared = shared;
    atomic_init(&worker->cancel_level, 1);
    /* The request timeout is the one limit: the slow-drip guard follows it. */
    struct ecc_transport_options transport_options = shared->options->transport;
    ecc_transport_options_set_timeout(&transport_options, shared->options->transport.timeout_ms);
    worker->transport = ecc_transport_new(&transport_options, diag);
    worker->signer = ecc_sigv4_signer_new();
    if (!worker->transport || !worker->signer) {
        ecc_transport_destroy(worker->transport);
        ecc_sigv4_signer_destroy(worker->signer);
        return worker->transport ? ECC_ERR_NOMEM : ECC_ERR_INVALID;
    }
    ecc_transport_set_cancel(worker->transport, s_should_cancel, worker);
    return ECC_OK;
}

static void s_worker_clean_up(struct s_worker *worker) {
    ecc_transport_destroy(worker->transport);
    ecc_sigv4_signer_destroy(worker->signer);
}

static void *s_worker_main(void *arg) {
    struct s_worker *worker = arg;
    struct s_shared *shared = worker->shared;
    for (;;) {
        pthread_mutex_lock(&shared->mutex);
        size_t index = shared->next < shared->plan->count ? shared->next++ : SIZE_MAX;
        pthread_mutex_unlock(&shared->mutex);
        if (index == SIZE_MAX) {
            return NULL;
        }
        s_do_item(worker, &shared->plan->items[index]);
    }
}

static int s_compare_reports(const void *a, const void *b) {
    const struct ecc_case_report *x = a;
    const struct ecc_case_report *y = b;
    int by_group = strcmp(x->group ? x->group : "", y->group ? y->group : "");
    return by_group ? by_group : strcmp(x->id, y->id);
}

enum ecc_status ecc_runner_run(
    const struct ecc_plan *plan,
    const struct ecc_runner_options *options,
    struct ecc_run_report *report,
    struct ecc_diag *diag) {
    if (!options->endpoint_url || !options->region || !options->credentials || !options->prefix) {
        ecc_diag_set(diag, "the runner needs an endpoint, a region, credentials and a prefix");
        return ECC_ERR_INVALID;
    }
    if (options->ec2_instances_per_cluster > ECC_CAPACITY_MAX_INSTANCES) {
        ecc_diag_set(diag, "at most %d EC2 instances per cluster", ECC_CAPACITY_MAX_INSTANCES);
        return ECC_ERR_INVALID;
    }
    struct s_shared shared = {.plan = plan, .options = options, .report = report, .status = ECC_OK};
    atomic_init(&shared.tripped, false);
    atomic_init(&shared.failed_fast, false);
    enum ecc_status status = ecc_transport_endpoint_host(options->endpoint_url, shared.host, sizeof(shared.host), diag);
    if (status != ECC_OK) {
        return status;
    }
    ecc_credentials_init(&shared.unknown);
    shared.key_cache = ecc_sigv4_key_cache_new(0);
    if (!shared.key_cache ||
        ecc_credentials_set(
            &shared.unknown, ECC_RUNNER_UNKNOWN_ACCESS_KEY_ID, ECC_RUNNER_UNKNOWN_SECRET_ACCESS_KEY, NULL, diag) !=
            ECC_OK ||
        pthread_mutex_init(&shared.mutex, NULL) != 0) {
        ecc_sigv4_key_cache_destroy(shared.key_cache);
        ecc_credentials_clean_up(&shared.unknown);
        return ECC_ERR_NOMEM;
    }
    uint64_t start = ecc_monotonic_ms();
    unsigned jobs = options->jobs ? options->jobs : 1;
    struct s_worker *workers = calloc(jobs, sizeof(*workers));
    pthread_t *threads = calloc(jobs, sizeof(*threads));
    unsigned ready = 0;
    if (!workers || !threads) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    for (; ready < jobs; ready++) {
        status = s_worker_init(&workers[ready], &shared, diag);
        if (status != ECC_OK) {
            goto done;
        }
    }
    /* Exclusive cases first, alone, on this thread. */
    while (shared.next < plan->count && plan->items[shared.next].c->exclusive) {
        s_do_item(&workers[0], &plan->items[shared.next++]);
    }
    unsigned started = 0;
    for (; started < jobs; started++) {
        if (pthread_create(&threads[started], NULL, s_worker_main, &workers[started]) != 0) {
            break;
        }
    }
    if (started == 0) {
        s_worker_main(&workers[0]);
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
    status = shared.status;
    report->duration_ms = ecc_monotonic_ms() - start;
    if (status == ECC_OK && options->interrupted && *options->interrupted) {
        status = ecc_run_report_set_stop(
            report,
            ECC_RUN_STOP_INTERRUPTED,
            *options->interrupted >= 2 ? "interrupted twice (Ctrl-C): the cleanup was abandoned"
                                       : "interrupted (Ctrl-C)");
    }
    if (report->count > 1) {
        qsort(report->cases, report->count, sizeof(*report->cases), s_compare_reports);
    }
done:
    for (unsigned i = 0; i < ready; i++) {
        s_worker_clean_up(&workers[i]);
    }
    free(workers);
    free(threads);
    pthread_mutex_destroy(&shared.mutex);
    ecc_sigv4_key_cache_destroy(shared.key_cache);
    ecc_credentials_clean_up(&shared.unknown);
    return status;
}

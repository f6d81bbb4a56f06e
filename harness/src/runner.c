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
/* Cases in a row with no usable answer before the endpoint is probed (and the run stopped if the probe
 * fails too). */
#define S_BREAKER_CASES 3

/* ---- shared run state ----------------------------------------------------------------------------- */

/* The transports' cancel callback: an interrupt at the worker's level, or the circuit breaker. */
static bool s_should_cancel(void *user_data) {
    struct runner_worker *worker = user_data;
    const struct ecc_runner_options *options = worker->shared->options;
    return atomic_load(&worker->shared->tripped) ||
           (options->interrupted && *options->interrupted >= atomic_load(&worker->cancel_level));
}

bool runner_interrupted(const struct runner_case_run *run, int level) {
    return run->options->interrupted && *run->options->interrupted >= level;
}

void runner_fail(struct runner_case_run *run, const char *fmt, ...) {
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

void runner_warn(struct runner_case_run *run, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    enum ecc_status status = ecc_buf_vprintf(&run->warnings, fmt, args);
    va_end(args);
    if (status != ECC_OK) {
        return; /* The warnings are capped: a line that does not fit is left out. */
    }
    if (ecc_buf_append_byte(&run->warnings, '\n') != ECC_OK) {
        /* capped */
    }
}

/* ---- one exchange --------------------------------------------------------------------------------- */

void runner_exchange_init(struct runner_exchange *x) {
    memset(x, 0, sizeof(*x));
    ecc_http_request_init(&x->request);
    ecc_http_response_init(&x->response);
}

void runner_exchange_clean_up(struct runner_exchange *x) {
    ecc_http_request_clean_up(&x->request);
    ecc_http_response_clean_up(&x->response);
    json_decref(x->sent_body);
    json_decref(x->body);
}

static enum ecc_status s_set_json_body(struct runner_exchange *x, const json_t *body, struct ecc_diag *diag) {
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
static enum ecc_status s_apply_headers(
    struct runner_case_run *run, struct ecc_http_headers *headers, const json_t *source, struct ecc_diag *diag) {
    struct ecc_buf text;
    ecc_buf_init(&text, ECC_VARS_MAX_TEXT_BYTES);
    enum ecc_status status = ECC_OK;
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)source, name, value) {
        ecc_http_headers_remove(headers, name);
        if (json_is_null(value)) {
            continue;
        }
        ecc_buf_reset(&text);
        status = ecc_vars_expand_text(&run->vars, json_string_value(value), &text, diag);
        if (status != ECC_OK) {
            goto done;
        }
        status = ecc_http_headers_add(headers, name, text.data ? text.data : "");
        if (status != ECC_OK) {
            goto done;
        }
    }
done:
    ecc_buf_clean_up(&text);
    return status;
}

static enum ecc_status s_expand_body(
    struct runner_case_run *run, const json_t *template, const json_t *patch, json_t **out, struct ecc_diag *diag) {
    json_t *expanded = NULL;
    enum ecc_status status = ecc_vars_expand(&run->vars, template, &expanded, diag);
    if (status != ECC_OK) {
        *out = expanded; /* as the expansion left it */
        return status;
    }
    if (!patch) {
        *out = expanded;
        return ECC_OK;
    }
    json_t *expanded_patch = NULL;
    status = ecc_vars_expand(&run->vars, patch, &expanded_patch, diag);
    if (status != ECC_OK) {
        goto done;
    }
    *out = ecc_json_merge_patch(expanded, expanded_patch);
    status = *out ? ECC_OK : ECC_ERR_NOMEM;
done:
    json_decref(expanded_patch);
    json_decref(expanded);
    return status;
}

static enum ecc_status
s_set_text_body(struct runner_case_run *run, struct runner_exchange *x, const char *text, struct ecc_diag *diag) {
    struct ecc_buf buf;
    ecc_buf_init(&buf, ECC_VARS_MAX_TEXT_BYTES);
    enum ecc_status status = ecc_vars_expand_text(&run->vars, text, &buf, diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_http_request_set_body(&x->request, buf.data ? buf.data : "", buf.len);
done:
    ecc_buf_clean_up(&buf);
    return status;
}

/* The JSON body: `template` expanded, merged with `patch` (expanded) when there is one. For a call of
 * `operation` (not NULL), the whole AWS JSON request around it (runner_build_call). */
static enum ecc_status s_set_expanded_body(
    struct runner_case_run *run,
    struct runner_exchange *x,
    const json_t *template,
    const json_t *patch,
    const char *operation,
    struct ecc_diag *diag) {
    json_t *body = NULL;
    enum ecc_status status = s_expand_body(run, template, patch, &body, diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = operation ? runner_build_call(operation, body, x, diag) : s_set_json_body(x, body, diag);
done:
    json_decref(body);
    return status;
}

/* A fixture's request: line, headers and body (expanded), the body merged with `merge`. */
static enum ecc_status s_from_fixture(
    struct runner_case_run *run,
    const struct ecc_fixture *fixture,
    const json_t *merge,
    struct runner_exchange *x,
    struct ecc_diag *diag) {
    enum ecc_status status = ecc_http_request_set_line(&x->request, fixture->method, fixture->path, fixture->query);
    if (status != ECC_OK) {
        return status;
    }
    status = s_apply_headers(run, &x->request.headers, fixture->headers, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (fixture->body) {
        return s_set_expanded_body(run, x, fixture->body, merge, NULL, diag);
    }
    if (fixture->body_text) {
        return s_set_text_body(run, x, fixture->body_text, diag);
    }
    if (merge) {
        return s_set_expanded_body(run, x, merge, NULL, NULL, diag);
    }
    return ECC_OK;
}

enum ecc_status
runner_build_call(const char *operation, const json_t *body, struct runner_exchange *x, struct ecc_diag *diag) {
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

/* A control request of the embedded emulator: its body, expanded, to ECC_EMULATOR_CONTROL_PATH. */
static enum ecc_status s_build_control(
    struct runner_case_run *run, const struct ecc_step *step, struct runner_exchange *x, struct ecc_diag *diag) {
    enum ecc_status status = ecc_http_request_set_line(&x->request, "POST", ECC_EMULATOR_CONTROL_PATH, "");
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_http_headers_set(&x->request.headers, "Content-Type", "application/json");
    if (status != ECC_OK) {
        return status;
    }
    return s_set_expanded_body(run, x, step->control, NULL, NULL, diag);
}

/* A raw step: its fixture's request (or an empty POST /), then the raw line, headers and body over it. */
static enum ecc_status s_build_raw(
    struct runner_case_run *run, const struct ecc_step *step, struct runner_exchange *x, struct ecc_diag *diag) {
    const json_t *raw = step->raw;
    enum ecc_status status = step->fixture ? s_from_fixture(run, step->fixture, NULL, x, diag)
                                           : ecc_http_request_set_line(&x->request, "POST", "/", "");
    if (status != ECC_OK) {
        return status;
    }
    const char *method = json_string_value(json_object_get(raw, "method"));
    const char *path = json_string_value(json_object_get(raw, "path"));
    const char *query = json_string_value(json_object_get(raw, "query"));
    if (method || path || query) {
        status = ecc_http_request_set_line(&x->request, method, path, query);
        if (status != ECC_OK) {
            return status;
        }
    }
    const json_t *headers = json_object_get(raw, "headers");
    if (headers) {
        status = s_apply_headers(run, &x->request.headers, headers, diag);
        if (status != ECC_OK) {
            return status;
        }
    }
    const json_t *body = json_object_get(raw, "body");
    const char *body_text = json_string_value(json_object_get(raw, "body_text"));
    if (body) {
        return s_set_expanded_body(run, x, body, NULL, NULL, diag);
    }
    if (body_text) {
        json_decref(x->sent_body);
        x->sent_body = NULL;
        return s_set_text_body(run, x, body_text, diag);
    }
    return ECC_OK;
}

static enum ecc_status s_build_request(
    struct runner_case_run *run, const struct ecc_step *step, struct runner_exchange *x, struct ecc_diag *diag) {
    switch (step->kind) {
    case ECC_STEP_SEND:
        return s_from_fixture(run, step->fixture, step->merge, x, diag);
    case ECC_STEP_CALL:
        return s_set_expanded_body(run, x, step->body, NULL, step->operation, diag);
    case ECC_STEP_CONTROL:
        return s_build_control(run, step, x, diag);
    case ECC_STEP_RAW:
        break;
    }
    return s_build_raw(run, step, x, diag);
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

enum ecc_status runner_sign_for(
    struct runner_case_run *run,
    const struct ecc_step_sign *sign,
    bool control,
    const char *service,
    struct ecc_http_request *request,
    struct ecc_diag *diag) {
    struct runner_shared *shared = run->worker->shared;
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
    if (status != ECC_OK) {
        return status;
    }
    if (sign->mode == ECC_SIGN_BAD_SIGNATURE) {
        return s_break_signature(request);
    }
    return ECC_OK;
}

enum ecc_status runner_sign(
    struct runner_case_run *run,
    const struct ecc_step_sign *sign,
    bool control,
    struct ecc_http_request *request,
    struct ecc_diag *diag) {
    return runner_sign_for(run, sign, control, "ecs", request, diag);
}

bool runner_send(struct runner_case_run *run, const char *label, int64_t timeout_ms, struct runner_exchange *x) {
    struct runner_shared *shared = run->worker->shared;
    struct ecc_transport *transport = run->worker->transport;
    struct ecc_transport *own = NULL;
    if (timeout_ms > 0) {
        struct ecc_transport_options options = run->options->transport;
        ecc_transport_options_set_timeout(&options, (long)timeout_ms);
        struct ecc_diag diag;
        own = ecc_transport_new(&options, &diag);
        if (!own) {
            runner_fail(run, "%s: cannot create a transport: %s", label, diag.text);
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
            runner_fail(
                run,
                "%s: %s: the request was cancelled",
                label,
                runner_interrupted(run, 1) ? "interrupted" : "run stopped (the endpoint stopped answering)");
        } else {
            runner_fail(
                run, "%s: no usable answer (%s): %s", label, ecc_transport_error_name(error), x->result.message);
        }
        return false;
    }
    if (run->options->recording) {
        struct ecc_diag diag;
        enum ecc_status status = ecc_recording_add(run->options->recording, &x->request, &x->response, NULL, 0, &diag);
        if (status != ECC_OK && status != ECC_ERR_NOT_FOUND) {
            runner_warn(run, "%s: not recorded: %s", label, diag.text);
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
static void s_set_reproducer(struct runner_case_run *run, const struct runner_exchange *x) {
    if (run->reproducer) {
        return;
    }
    struct ecc_buf curl;
    ecc_buf_init(&curl, S_MAX_DETAIL_BYTES);
    const char *hint = run->options->reproducer_hint;
    if (hint && ecc_buf_printf(&curl, "# %s\n", hint) != ECC_OK) {
        goto done; /* capped: no reproducer */
    }
    if (ecc_transport_format_curl(run->options->endpoint_url, &x->request, &curl) != ECC_OK) {
        goto done;
    }
    run->reproducer = ecc_buf_steal(&curl);
done:
    ecc_buf_clean_up(&curl);
}

static void s_append_answer(struct runner_case_run *run, const struct runner_exchange *x) {
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
    struct runner_case_run *run,
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
    (*failures)++;
    if (*failures <= S_MAX_CHECK_FAILURES) {
        if (ecc_report_format_failure(&run->detail, step->label, what, failure) != ECC_OK) {
            /* capped */
        }
    }
    ecc_match_failure_clean_up(failure);
    return false;
}

/* Expands an expectation (captures may appear in it). */
static json_t *s_expand_spec(struct runner_case_run *run, const json_t *spec, const struct ecc_step *step) {
    json_t *out = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_vars_expand(&run->vars, spec, &out, &diag) != ECC_OK) {
        runner_fail(run, "%s: %s", step->label, diag.text);
        return NULL;
    }
    return out;
}

static bool s_check(struct runner_case_run *run, const struct ecc_step *step, struct runner_exchange *x) {
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
            runner_fail(run, "%s: the answer body is not JSON, so no body check can pass", step->label);
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

/* One capture's value. A string is a pointer; an object a derived capture {"pointer", "regex"} (checked at
 * load). */
static enum ecc_status s_capture_value(const json_t *body, const json_t *pointer, json_t **out, struct ecc_diag *diag) {
    const char *regex = json_string_value(json_object_get(pointer, "regex"));
    const char *where = regex ? json_string_value(json_object_get(pointer, "pointer")) : json_string_value(pointer);
    json_t *value = NULL;
    enum ecc_status status = ecc_match_capture(body, where, &value, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (regex) {
        json_t *derived = NULL;
        status = ecc_match_derive(value, regex, &derived, diag);
        json_decref(value);
        value = derived;
        if (status != ECC_OK) {
            return status;
        }
    }
    *out = value;
    return ECC_OK;
}

static bool s_capture(struct runner_case_run *run, const struct ecc_step *step, const struct runner_exchange *x) {
    const char *name;
    const json_t *pointer;
    json_object_foreach((json_t *)step->capture, name, pointer) {
        json_t *value = NULL;
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        enum ecc_status status = s_capture_value(x->body, pointer, &value, &diag);
        if (status != ECC_OK) {
            runner_fail(run, "%s: capture '%s': %s", step->label, name, diag.text);
            s_append_answer(run, x);
            return false;
        }
        char key[160];
        snprintf(key, sizeof(key), "capture.%s", name);
        status = ecc_vars_set(&run->vars, key, value);
        json_decref(value);
        if (status != ECC_OK) {
            runner_fail(run, "%s: out of memory", step->label);
            return false;
        }
    }
    return true;
}

static bool s_run_step(struct runner_case_run *run, const struct ecc_step *step) {
    struct runner_exchange x;
    runner_exchange_init(&x);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    bool ok = false;
    bool was_failed = run->failed;
    enum ecc_status status = s_build_request(run, step, &x, &diag);
    if (status != ECC_OK && step->is_cleanup) {
        /* A cleanup step whose inputs never came to be (a capture of a step that did not run) has nothing
         * to clean up; the runner's own cleanup still runs. */
        runner_warn(run, "%s skipped: %s", step->label, diag.text);
        goto done;
    }
    if (status != ECC_OK) {
        runner_fail(run, "%s: cannot build the request: %s", step->label, diag.text);
        goto done;
    }
    status = runner_sign(run, &step->sign, step->kind == ECC_STEP_CONTROL, &x.request, &diag);
    if (status != ECC_OK) {
        runner_fail(run, "%s: cannot build the request: %s", step->label, diag.text);
        goto done;
    }
    if (!runner_send(run, step->label, step->timeout_ms, &x)) {
        s_set_reproducer(run, &x);
        goto done;
    }
    runner_track(run, step, &x);
    runner_capacity_provide(run, step, &x);
    if (!runner_shared_list_filter(run, step, &x)) {
        s_append_answer(run, &x);
        goto done;
    }
    if (!s_check(run, step, &x)) {
        goto done;
    }
    if (step->capture && !s_capture(run, step, &x)) {
        goto done;
    }
    ok = !step->confirm || runner_confirm(run, step, &x);
done:
    if (!was_failed && run->failed && !run->first.transport_error && x.response.status != 0) {
        runner_note_failed_answer(run, &x);
    }
    runner_exchange_clean_up(&x);
    return ok;
}

/* The runner's own cleanup: stop tasks, deregister task definitions, delete clusters; problems are
 * warnings (the resource names carry the run prefix, so leftovers are easy to find). */
static void s_auto_cleanup(struct runner_case_run *run) {
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
    struct runner_first_failure saved_first = run->first;
    char saved_reason[sizeof(run->reason)];
    memcpy(saved_reason, run->reason, sizeof(saved_reason));
    size_t detail_len = run->detail.len;
    for (size_t p = 0; p < ECC_ARRAY_LEN(passes); p++) {
        size_t i;
        json_t *item;
        json_array_foreach(passes[p].list, i, item) {
            if (runner_interrupted(run, 2) || atomic_load(&run->worker->shared->tripped)) {
                runner_warn(
                    run,
                    "cleanup abandoned (%s): resources named %s-* may remain",
                    runner_interrupted(run, 2) ? "second interrupt" : "the endpoint stopped answering",
                    run->options->prefix);
                goto done;
            }
            json_t *body = json_object_get(item, "body");
            bool second = json_is_true(json_object_get(item, "second"));
            struct runner_exchange x;
            runner_exchange_init(&x);
            const json_t *id = json_object_get(body, passes[p].id_member);
            const char *what = json_string_value(id);
            if (!runner_internal_call(run, "cleanup", passes[p].operation, body, second, &x)) {
                runner_warn(run, "%s %s: %s", passes[p].operation, what ? what : "?", x.result.message);
            } else if (x.response.status < 200 || x.response.status > 299) {
                struct ecc_error_type type;
                struct ecc_diag diag;
                bool gone = ecc_errors_resolve_type(
                                &x.response.headers, json_is_object(x.body) ? x.body : NULL, &type, &diag) == ECC_OK &&
                            type.source != ECC_ERROR_TYPE_NONE && type.name_len == strlen("ClusterNotFoundException") &&
                            memcmp(type.name, "ClusterNotFoundException", type.name_len) == 0;
                if (!gone) {
                    runner_warn(run, "%s %s: HTTP %d", passes[p].operation, what ? what : "?", x.response.status);
                }
            }
            runner_exchange_clean_up(&x);
        }
        if (p == 2) {
            runner_capacity_release(run);
        }
    }
done:
    /* Whether the cleanup finished or was abandoned: its trouble is a warning, not the case's result. */
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

static enum ecc_status s_set_builtins(struct runner_case_run *run) {
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
    /* The region and the credentials are never NULL (ecc_runner_run checks); a NULL here is an option
     * the run does not have. */
    const struct {
        const char *name;
        const char *value;
    } builtins[] = {
        {"prefix", prefix},
        {"cluster", name},
        {"family", name},
        {"region", o->region},
        {"account", o->account},
        {"access_key_id", o->credentials->access_key_id},
        {"second_access_key_id", o->second_credentials ? o->second_credentials->access_key_id : NULL},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(builtins); i++) {
        if (!builtins[i].value) {
            continue;
        }
        enum ecc_status status = ecc_vars_set_string(&run->vars, builtins[i].name, builtins[i].value);
        if (status != ECC_OK) {
            return status;
        }
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)o->run_vars, key, value) {
        enum ecc_status status = ecc_vars_set(&run->vars, key, value);
        if (status != ECC_OK) {
            return status;
        }
    }
    /* Case vars, in order: each may use the built-ins and the vars before it. */
    json_object_foreach((json_t *)run->c->vars, key, value) {
        json_t *expanded = NULL;
        struct ecc_diag diag;
        enum ecc_status status = ecc_vars_expand(&run->vars, value, &expanded, &diag);
        if (status != ECC_OK) {
            runner_fail(run, "vars/%s: %s", key, diag.text);
            json_decref(expanded);
            return status;
        }
        status = ecc_vars_set(&run->vars, key, expanded);
        json_decref(expanded);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static void s_run_steps(struct runner_case_run *run, const struct ecc_step *steps, size_t count, bool cleanup) {
    for (size_t i = 0; i < count; i++) {
        if (!cleanup && run->failed) {
            return;
        }
        if (!cleanup && (runner_interrupted(run, 1) || atomic_load(&run->worker->shared->tripped))) {
            if (!run->failed) {
                run->first.interrupted = true;
            }
            runner_fail(
                run, "%s before %s", runner_interrupted(run, 1) ? "interrupted" : "run stopped", steps[i].label);
            return;
        }
        if (cleanup && runner_interrupted(run, 2)) {
            runner_warn(run, "cleanup abandoned (second interrupt)");
            return;
        }
        if (!cleanup && run->deadline_ms && ecc_monotonic_ms() > run->deadline_ms) {
            if (!run->failed) {
                run->first.transport_error = "timeout"; /* the case's deadline, never an expected failure */
            }
            runner_fail(run, "case timed out before %s", steps[i].label);
            return;
        }
        if (!s_run_step(run, &steps[i]) && !cleanup) {
            return;
        }
    }
}

/* The verdict of a case that ran and failed: FAIL, or XFAIL when its expected-failure line accepts the way
 * it failed. Writes the one-line reason. Returns the result. */
static enum ecc_result s_failed_verdict(
    const struct runner_case_run *run, const struct ecc_expect_fail_entry *listed, char *reason, size_t size) {
    if (run->first.interrupted || runner_interrupted(run, 1)) {
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

/* Plays a case: its steps, its cleanup steps and the runner's own cleanup. A case whose variables
 * cannot be set fails before any request. */
static void s_play(struct runner_case_run *run) {
    const struct ecc_case *c = run->c;
    /* The variables are initialized whatever else failed: the caller cleans them up. */
    enum ecc_status status = ecc_vars_init(&run->vars, run->options->seed ^ s_fnv1a(c->id));
    bool arrays =
        run->clusters && run->task_definitions && run->tasks && run->container_instances && run->ec2_instances;
    if (status != ECC_OK || !arrays) {
        runner_fail(run, "out of memory");
        return;
    }
    status = s_set_builtins(run);
    if (status != ECC_OK) {
        runner_fail(run, "cannot set the case variables");
        return;
    }
    s_run_steps(run, c->steps, c->step_count, false);
    /* The first Ctrl-C must not cancel the cleanup's requests: only the second does. */
    atomic_store(&run->worker->cancel_level, 2);
    s_run_steps(run, c->cleanup, c->cleanup_count, true);
    s_auto_cleanup(run);
    atomic_store(&run->worker->cancel_level, 1);
}

/* Runs one plan item into `out`. *unreachable: the case failed for want of any usable answer (the
 * circuit breaker counts those). */
static void s_run_case(
    struct runner_worker *worker, const struct ecc_plan_item *item, struct ecc_case_report *out, bool *unreachable) {
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
    struct runner_case_run run = {
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
    s_play(&run);
    out->duration_ms = ecc_monotonic_ms() - start;
    bool listed = item->expect_fail != NULL;
    out->result = ecc_result_of(!run.failed, listed);
    char reason[1024];
    if (run.failed) {
        out->result = s_failed_verdict(&run, item->expect_fail, reason, sizeof(reason));
        *unreachable = out->result == ECC_RESULT_FAIL && run.first.transport_error && !run.first.interrupted &&
                       !runner_interrupted(&run, 1);
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
static void s_breaker_probe(struct runner_worker *worker) {
    struct runner_shared *shared = worker->shared;
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

static void s_finish_item(struct runner_worker *worker, struct ecc_case_report *item, bool ran, bool unreachable) {
    struct runner_shared *shared = worker->shared;
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

static void s_do_item(struct runner_worker *worker, const struct ecc_plan_item *item) {
    struct runner_shared *shared = worker->shared;
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

static enum ecc_status
s_worker_init(struct runner_worker *worker, struct runner_shared *shared, struct ecc_diag *diag) {
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

static void s_worker_clean_up(struct runner_worker *worker) {
    ecc_transport_destroy(worker->transport);
    ecc_sigv4_signer_destroy(worker->signer);
}

static void *s_worker_main(void *arg) {
    struct runner_worker *worker = arg;
    struct runner_shared *shared = worker->shared;
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
    struct runner_shared shared = {.plan = plan, .options = options, .report = report, .status = ECC_OK};
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
    struct runner_worker *workers = calloc(jobs, sizeof(*workers));
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
    report->duration_ms = ecc_monotonic_ms() - start;
    if (report->count > 1) {
        qsort(report->cases, report->count, sizeof(*report->cases), s_compare_reports);
    }
    status = shared.status;
    if (status != ECC_OK) {
        goto done;
    }
    if (options->interrupted && *options->interrupted) {
        status = ecc_run_report_set_stop(
            report,
            ECC_RUN_STOP_INTERRUPTED,
            *options->interrupted >= 2 ? "interrupted twice (Ctrl-C): the cleanup was abandoned"
                                       : "interrupted (Ctrl-C)");
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

/* Client-direction cases: loading (strict, JSON pointers) and turning a case into mock exchanges. */
#include "ecc/case.h"
#include "ecc/codec_request.h"
#include "ecc/match.h"
#include "ecc/mock.h"
#include "ecc/vars.h"
#include "suite_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most answers one case may serve (a retry chain is a handful). */
#define S_MAX_RESPONSES 16
#define S_MAX_CALLS     8
/* The fixed value of ${cluster} and ${family} in client mode. */
#define S_CLIENT_RESOURCE_NAME "ecsconf-client"
/* Bounds of a fault's `ms` and an oversize answer's `bytes` (a fault must not outlive a CI run). */
#define S_MAX_FAULT_MS    60000
#define S_MIN_FAULT_BYTES ((json_int_t)1 << 20)
#define S_MAX_FAULT_BYTES ((json_int_t)1 << 30)

static const char *const s_case_members[] = {
    "$schema", "id", "title", "description", "tags", "request", "calls", "responses", "expect"};
static const char *const s_request_members[] = {"from", "merge", "params"};
static const char *const s_response_members[] = {
    "from", "status", "headers", "body", "body_text", "fault", "ms", "bytes", "comment"};
static const char *const s_range_members[] = {"min", "max"};
static const char *const s_expect_members[] = {"requests", "result"};

void ecc_client_case_destroy(struct ecc_client_case *c) {
    if (c == NULL) {
        return;
    }
    json_decref(c->root);
    free(c->file);
    free(c->responses);
    free(c);
}

static enum ecc_status s_load_request(
    struct ecc_client_case *c,
    const json_t *request,
    const struct ecc_fixture_set *fixtures,
    struct ecc_json_path *path,
    struct ecc_diag *diag) {
    ecc_json_path_push_member(path, "request");
    enum ecc_status status =
        ecc_json_check_members(request, s_request_members, ECC_ARRAY_LEN(s_request_members), path, diag);
    const char *from = NULL;
    const json_t *params = NULL;
    if (status == ECC_OK) {
        status = ecc_suite_get_string(request, "from", false, path, &from, diag);
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(request, "merge", false, JSON_OBJECT, path, &c->merge, diag);
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(request, "params", false, JSON_OBJECT, path, &params, diag);
    }
    if (status == ECC_OK && (from == NULL) == (params == NULL)) {
        status = ecc_json_path_fail(path, NULL, diag, "exactly one of 'from' and 'params' is required");
    }
    if (status == ECC_OK && params != NULL && c->merge != NULL) {
        status = ecc_json_path_fail(path, "merge", diag, "'merge' applies to a fixture ('from'), not to 'params'");
    }
    if (status == ECC_OK && from != NULL) {
        c->from = fixtures != NULL ? ecc_fixture_set_find(fixtures, from) : NULL;
        if (c->from == NULL) {
            char hint[160];
            ecc_fixture_set_did_you_mean(fixtures, from, hint, sizeof(hint));
            status = ecc_json_path_fail(path, "from", diag, "unknown fixture '%s'%s", from, hint);
        } else if (strcmp(c->from->operation, "RunTask") != 0 || !json_is_object(c->from->body)) {
            status =
                ecc_json_path_fail(path, "from", diag, "fixture '%s' is not a RunTask request with a JSON body", from);
        }
    }
    c->params = params;
    ecc_json_path_pop(path);
    return status;
}

/* `fault`, `ms` and `bytes` of an answer object. */
static enum ecc_status s_load_fault(
    struct ecc_client_case_response *out, const json_t *value, struct ecc_json_path *path, struct ecc_diag *diag) {
    const char *name = NULL;
    const json_t *ms = NULL;
    const json_t *bytes = NULL;
    enum ecc_status status = ecc_suite_get_string(value, "fault", false, path, &name, diag);
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(value, "ms", false, JSON_INTEGER, path, &ms, diag);
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(value, "bytes", false, JSON_INTEGER, path, &bytes, diag);
    }
    if (status != ECC_OK) {
        return status;
    }
    out->fault = ECC_HTTP_FAULT_NONE;
    if (name != NULL && (!ecc_http_fault_parse(name, &out->fault) || out->fault == ECC_HTTP_FAULT_NONE)) {
        return ecc_json_path_fail(
            path,
            "fault",
            diag,
            "unknown fault '%s' (hang, reset, close-after-headers, close-mid-body, drip, oversize)",
            name);
    }
    bool timed = out->fault == ECC_HTTP_FAULT_HANG || out->fault == ECC_HTTP_FAULT_DRIP;
    if (ms != NULL && !timed) {
        return ecc_json_path_fail(path, "ms", diag, "'ms' belongs to a hang or drip fault");
    }
    if (bytes != NULL && out->fault != ECC_HTTP_FAULT_OVERSIZE) {
        return ecc_json_path_fail(path, "bytes", diag, "'bytes' belongs to an oversize fault");
    }
    if (ms != NULL && (json_integer_value(ms) < 1 || json_integer_value(ms) > S_MAX_FAULT_MS)) {
        return ecc_json_path_fail(path, "ms", diag, "ms must be within 1..%d", S_MAX_FAULT_MS);
    }
    if (bytes != NULL &&
        (json_integer_value(bytes) < S_MIN_FAULT_BYTES || json_integer_value(bytes) > S_MAX_FAULT_BYTES)) {
        return ecc_json_path_fail(
            path,
            "bytes",
            diag,
            "bytes must be within %lld..%lld",
            (long long)S_MIN_FAULT_BYTES,
            (long long)S_MAX_FAULT_BYTES);
    }
    if (out->fault == ECC_HTTP_FAULT_DRIP) {
        out->fault_ms = ms != NULL ? (unsigned)json_integer_value(ms) : 4000u;
    } else if (ms != NULL) {
        out->fault_ms = (unsigned)json_integer_value(ms);
    }
    if (out->fault == ECC_HTTP_FAULT_OVERSIZE) {
        out->fault_bytes = bytes != NULL ? (uint64_t)json_integer_value(bytes) : (uint64_t)64 << 20;
    }
    return ECC_OK;
}

static enum ecc_status s_load_response(
    struct ecc_client_case_response *out,
    const json_t *value,
    const struct ecc_fixture_set *fixtures,
    struct ecc_json_path *path,
    struct ecc_diag *diag) {
    if (json_is_string(value)) {
        const char *id = json_string_value(value);
        out->fixture = fixtures != NULL ? ecc_fixture_set_find(fixtures, id) : NULL;
        if (out->fixture == NULL) {
            char hint[160];
            ecc_fixture_set_did_you_mean(fixtures, id, hint, sizeof(hint));
            return ecc_json_path_fail(path, NULL, diag, "unknown fixture '%s'%s", id, hint);
        }
    } else if (json_is_object(value)) {
        enum ecc_status status =
            ecc_json_check_members(value, s_response_members, ECC_ARRAY_LEN(s_response_members), path, diag);
        const char *from = NULL;
        const json_t *status_value = NULL;
        if (status == ECC_OK) {
            status = ecc_suite_get_string(value, "from", false, path, &from, diag);
        }
        if (status == ECC_OK) {
            status = ecc_suite_get_typed(value, "status", false, JSON_INTEGER, path, &status_value, diag);
        }
        if (status == ECC_OK) {
            status = ecc_suite_get_typed(value, "headers", false, JSON_OBJECT, path, &out->headers, diag);
        }
        if (status == ECC_OK && out->headers != NULL) {
            status = ecc_suite_check_headers(out->headers, false, path, diag);
        }
        if (status == ECC_OK) {
            status = ecc_suite_get_string(value, "body_text", false, path, &out->body_text, diag);
        }
        if (status == ECC_OK) {
            status = s_load_fault(out, value, path, diag);
        }
        if (status != ECC_OK) {
            return status;
        }
        out->body = json_object_get(value, "body");
        bool silent = out->fault == ECC_HTTP_FAULT_HANG || out->fault == ECC_HTTP_FAULT_RESET;
        if (silent) {
            if (from != NULL || status_value != NULL || out->headers != NULL || out->body != NULL ||
                out->body_text != NULL) {
                return ecc_json_path_fail(
                    path,
                    "fault",
                    diag,
                    "a '%s' fault sends no answer: give no 'from', 'status', headers or body",
                    ecc_http_fault_name(out->fault));
            }
            snprintf(out->label, sizeof(out->label), "fault %s", ecc_http_fault_name(out->fault));
            return ECC_OK;
        }
        if (from != NULL) {
            if (status_value != NULL || out->headers != NULL || out->body != NULL || out->body_text != NULL) {
                return ecc_json_path_fail(
                    path,
                    "from",
                    diag,
                    "'from' takes the whole answer of the fixture; write the answer inline instead");
            }
            out->fixture = fixtures != NULL ? ecc_fixture_set_find(fixtures, from) : NULL;
            if (out->fixture == NULL) {
                char hint[160];
                ecc_fixture_set_did_you_mean(fixtures, from, hint, sizeof(hint));
                return ecc_json_path_fail(path, "from", diag, "unknown fixture '%s'%s", from, hint);
            }
        } else {
            if (status_value == NULL) {
                return ecc_json_path_fail(path, NULL, diag, "an inline answer needs 'status' (or 'from' a fixture)");
            }
            json_int_t code = json_integer_value(status_value);
            if (code < 100 || code > 599) {
                return ecc_json_path_fail(path, "status", diag, "status %lld is not within 100..599", (long long)code);
            }
            if (out->body != NULL && out->body_text != NULL) {
                return ecc_json_path_fail(path, "body_text", diag, "'body' and 'body_text' are mutually exclusive");
            }
            out->status = (int)code;
        }
    } else {
        return ecc_json_path_fail(
            path, NULL, diag, "expected a fixture id or an answer object, got %s", ecc_json_type_name(value));
    }
    if (out->fixture != NULL) {
        const json_t *response = json_object_get(out->fixture->root, "response");
        out->status = out->fixture->response_status;
        out->headers = json_object_get(response, "headers");
        out->body = json_object_get(response, "body");
        const json_t *text = json_object_get(response, "body_text");
        out->body_text = json_is_string(text) ? json_string_value(text) : NULL;
        snprintf(out->label, sizeof(out->label), "%s", out->fixture->id);
    } else {
        snprintf(out->label, sizeof(out->label), "inline answer %d", out->status);
    }
    if (out->fault != ECC_HTTP_FAULT_NONE) {
        size_t used = strlen(out->label);
        snprintf(out->label + used, sizeof(out->label) - used, " (%s)", ecc_http_fault_name(out->fault));
    }
    return ECC_OK;
}

/* `expect.requests`: a count, or {"min": A, "max": B} when more than one count is right. */
static enum ecc_status
s_load_requests(struct ecc_client_case *c, const json_t *requests, struct ecc_json_path *path, struct ecc_diag *diag) {
    ecc_json_path_push_member(path, "requests");
    json_int_t min = json_integer_value(requests);
    json_int_t max = min;
    enum ecc_status status = ECC_OK;
    if (json_is_object(requests)) {
        const json_t *low = NULL;
        const json_t *high = NULL;
        status = ecc_json_check_members(requests, s_range_members, ECC_ARRAY_LEN(s_range_members), path, diag);
        if (status == ECC_OK) {
            status = ecc_suite_get_typed(requests, "min", true, JSON_INTEGER, path, &low, diag);
        }
        if (status == ECC_OK) {
            status = ecc_suite_get_typed(requests, "max", true, JSON_INTEGER, path, &high, diag);
        }
        min = json_integer_value(low);
        max = json_integer_value(high);
    } else if (!json_is_integer(requests)) {
        status = ecc_json_path_fail(
            path, NULL, diag, "expected an integer or {\"min\": A, \"max\": B}, got %s", ecc_json_type_name(requests));
    }
    if (status == ECC_OK && (min < 0 || max > 100 || min > max)) {
        status = ecc_json_path_fail(path, NULL, diag, "requests must be within 0..100 (and min <= max)");
    }
    if (status == ECC_OK) {
        c->expect_requests = (unsigned)min;
        c->expect_requests_max = (unsigned)max;
    }
    ecc_json_path_pop(path);
    return status;
}

static enum ecc_status
s_load_expect(struct ecc_client_case *c, const json_t *expect, struct ecc_json_path *path, struct ecc_diag *diag) {
    ecc_json_path_push_member(path, "expect");
    enum ecc_status status =
        ecc_json_check_members(expect, s_expect_members, ECC_ARRAY_LEN(s_expect_members), path, diag);
    const json_t *requests = json_object_get(expect, "requests");
    if (status == ECC_OK && requests != NULL) {
        status = s_load_requests(c, requests, path, diag);
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(expect, "result", false, JSON_OBJECT, path, &c->expect_result, diag);
    }
    if (status == ECC_OK && c->expect_result != NULL) {
        ecc_json_path_push_member(path, "result");
        const char *pointer;
        json_t *spec;
        json_object_foreach((json_t *)c->expect_result, pointer, spec) {
            bool wildcard = false;
            ecc_json_path_push_member(path, pointer);
            status = ecc_match_check_pointer(pointer, &wildcard, diag);
            if (status != ECC_OK) {
                ecc_json_path_to_diag(path, diag);
            } else {
                status = ecc_match_check_spec(spec, wildcard, path, diag);
            }
            ecc_json_path_pop(path);
            if (status != ECC_OK) {
                break;
            }
        }
        ecc_json_path_pop(path);
    }
    ecc_json_path_pop(path);
    return status;
}

static enum ecc_status
s_load(struct ecc_client_case *c, const struct ecc_fixture_set *fixtures, struct ecc_diag *diag) {
    struct ecc_json_path path;
    ecc_json_path_init_pointer(&path);
    const json_t *root = c->root;
    if (!json_is_object(root)) {
        return ecc_json_path_fail(&path, NULL, diag, "a client case is a JSON object");
    }
    enum ecc_status status = ecc_json_check_members(root, s_case_members, ECC_ARRAY_LEN(s_case_members), &path, diag);
    const json_t *request = NULL;
    const json_t *calls = NULL;
    const json_t *responses = NULL;
    const json_t *expect = NULL;
    const char *description = NULL;
    if (status == ECC_OK) {
        status = ecc_suite_get_string(root, "id", true, &path, &c->id, diag);
    }
    if (status == ECC_OK && !ecc_suite_id_valid(c->id)) {
        status = ecc_json_path_fail(&path, "id", diag, "'%s' is not a valid id ([a-z0-9][a-z0-9-]*)", c->id);
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_string(root, "title", true, &path, &c->title, diag);
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_string(root, "description", false, &path, &description, diag);
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(root, "tags", false, JSON_ARRAY, &path, &c->tags, diag);
    }
    for (size_t i = 0; status == ECC_OK && c->tags != NULL && i < json_array_size(c->tags); i++) {
        const json_t *tag = json_array_get(c->tags, i);
        if (!json_is_string(tag) || !ecc_suite_id_valid(json_string_value(tag))) {
            ecc_json_path_push_member(&path, "tags");
            ecc_json_path_push_index(&path, i);
            status = ecc_json_path_fail(&path, NULL, diag, "a tag is a string of [a-z0-9-]");
        }
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(root, "request", true, JSON_OBJECT, &path, &request, diag);
    }
    if (status == ECC_OK) {
        status = s_load_request(c, request, fixtures, &path, diag);
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(root, "calls", false, JSON_INTEGER, &path, &calls, diag);
    }
    c->calls = 1;
    if (status == ECC_OK && calls != NULL) {
        json_int_t n = json_integer_value(calls);
        if (n < 1 || n > S_MAX_CALLS) {
            status = ecc_json_path_fail(&path, "calls", diag, "calls must be within 1..%d", S_MAX_CALLS);
        } else {
            c->calls = (unsigned)n;
        }
    }
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(root, "responses", true, JSON_ARRAY, &path, &responses, diag);
    }
    if (status == ECC_OK && (json_array_size(responses) == 0 || json_array_size(responses) > S_MAX_RESPONSES)) {
        status = ecc_json_path_fail(&path, "responses", diag, "responses must hold 1..%d answers", S_MAX_RESPONSES);
    }
    if (status == ECC_OK) {
        c->response_count = json_array_size(responses);
        c->responses = calloc(c->response_count, sizeof(*c->responses));
        if (c->responses == NULL) {
            return ECC_ERR_NOMEM;
        }
        ecc_json_path_push_member(&path, "responses");
        for (size_t i = 0; status == ECC_OK && i < c->response_count; i++) {
            ecc_json_path_push_index(&path, i);
            status = s_load_response(&c->responses[i], json_array_get(responses, i), fixtures, &path, diag);
            ecc_json_path_pop(&path);
        }
        ecc_json_path_pop(&path);
    }
    c->expect_requests = (unsigned)c->response_count;
    c->expect_requests_max = c->expect_requests;
    if (status == ECC_OK) {
        status = ecc_suite_get_typed(root, "expect", true, JSON_OBJECT, &path, &expect, diag);
    }
    if (status == ECC_OK) {
        status = s_load_expect(c, expect, &path, diag);
    }
    return status;
}

/* Takes the parsed document (one reference) and builds the case. */
static enum ecc_status s_from_root(
    json_t *root,
    const char *source,
    const struct ecc_fixture_set *fixtures,
    struct ecc_client_case **out,
    struct ecc_diag *diag) {
    struct ecc_client_case *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        json_decref(root);
        return ECC_ERR_NOMEM;
    }
    c->root = root;
    c->file = ecc_strdup(source != NULL ? source : "");
    enum ecc_status status = c->file != NULL ? s_load(c, fixtures, diag) : ECC_ERR_NOMEM;
    if (status != ECC_OK) {
        if (diag != NULL && diag->source[0] == '\0') {
            snprintf(diag->source, sizeof(diag->source), "%s", source != NULL ? source : "");
        }
        ecc_client_case_destroy(c);
        return status;
    }
    *out = c;
    return ECC_OK;
}

enum ecc_status ecc_client_case_load_bytes(
    const uint8_t *bytes,
    size_t len,
    const char *source,
    const struct ecc_fixture_set *fixtures,
    struct ecc_client_case **out,
    struct ecc_diag *diag) {
    *out = NULL;
    json_t *root = NULL;
    enum ecc_status status = ecc_suite_parse_bytes(bytes, len, source != NULL ? source : "", &root, diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_from_root(root, source, fixtures, out, diag);
}

enum ecc_status ecc_client_case_load_file(
    const char *file, const struct ecc_fixture_set *fixtures, struct ecc_client_case **out, struct ecc_diag *diag) {
    *out = NULL;
    json_t *root = NULL;
    enum ecc_status status = ecc_suite_parse_file(file, &root, diag);
    if (status == ECC_OK) {
        status = s_from_root(root, file, fixtures, out, diag);
    }
    if (status == ECC_OK && (status = ecc_suite_check_file_id(file, (*out)->id, diag)) != ECC_OK) {
        ecc_client_case_destroy(*out);
        *out = NULL;
    }
    return status;
}

static enum ecc_status s_vars(struct ecc_vars *vars, const char *region) {
    enum ecc_status status = ecc_vars_init(vars, 1);
    if (status == ECC_OK) {
        status = ecc_vars_set_string(vars, "cluster", S_CLIENT_RESOURCE_NAME);
    }
    if (status == ECC_OK) {
        status = ecc_vars_set_string(vars, "family", S_CLIENT_RESOURCE_NAME);
    }
    if (status == ECC_OK) {
        status = ecc_vars_set_string(vars, "prefix", S_CLIENT_RESOURCE_NAME);
    }
    if (status == ECC_OK) {
        status = ecc_vars_set_string(vars, "region", region);
    }
    /* No account exists in client mode: run variables are their placeholders (`cluster` keeps the value above). */
    for (size_t i = 0; status == ECC_OK && i < ecc_case_run_var_count; i++) {
        if (ecc_case_run_vars[i].placeholder) {
            status = ecc_vars_set_string(vars, ecc_case_run_vars[i].name, ecc_case_run_vars[i].placeholder);
        }
    }
    return status;
}

enum ecc_status
ecc_client_case_params(const struct ecc_client_case *c, const char *region, json_t **out, struct ecc_diag *diag) {
    *out = NULL;
    struct ecc_vars vars;
    enum ecc_status status = s_vars(&vars, region);
    json_t *merged = NULL;
    if (status == ECC_OK) {
        if (c->params != NULL || c->merge == NULL) {
            merged = json_deep_copy(c->params != NULL ? c->params : c->from->body);
        } else {
            merged = ecc_json_merge_patch(c->from->body, c->merge);
        }
        status = merged != NULL ? ECC_OK : ECC_ERR_NOMEM;
    }
    if (status == ECC_OK) {
        status = ecc_vars_expand(&vars, merged, out, diag);
    }
    json_decref(merged);
    ecc_vars_clean_up(&vars);
    return status;
}

enum ecc_status
ecc_client_case_check_requests(const struct ecc_client_case *c, size_t received, struct ecc_string_list *problems) {
    if (received >= c->expect_requests && received <= c->expect_requests_max) {
        return ECC_OK;
    }
    char expected[64];
    if (c->expect_requests == c->expect_requests_max) {
        snprintf(expected, sizeof(expected), "%u", c->expect_requests);
    } else {
        snprintf(expected, sizeof(expected), "%u to %u", c->expect_requests, c->expect_requests_max);
    }
    char text[256];
    snprintf(
        text,
        sizeof(text),
        "requests: the client sent %zu request%s, the case expects %s (%s)",
        received,
        received == 1 ? "" : "s",
        expected,
        received < c->expect_requests ? "a retry is missing" : "more attempts than answers recorded");
    return ecc_string_list_append(problems, text);
}

enum ecc_status ecc_client_case_setup_mock(
    const struct ecc_client_case *c,
    const char *region,
    unsigned hang_ms,
    struct ecc_mock *mock,
    struct ecc_diag *diag) {
    json_t *params = NULL;
    enum ecc_status status = ecc_client_case_params(c, region, &params, diag);
    if (status != ECC_OK) {
        return status;
    }
    struct ecc_vars vars;
    status = s_vars(&vars, region);
    const json_t *token = json_object_get(params, "clientToken");
    if (status == ECC_OK) {
        status = ecc_mock_set_expected_token(mock, json_is_string(token) ? json_string_value(token) : NULL);
    }
    for (size_t i = 0; status == ECC_OK && i < c->response_count; i++) {
        const struct ecc_client_case_response *answer = &c->responses[i];
        json_t *body = NULL;
        if (answer->body != NULL) {
            status = ecc_vars_expand(&vars, answer->body, &body, diag);
        }
        struct ecc_mock_exchange exchange = {
            .label = answer->label,
            .request_body = params,
            .status = answer->status,
            .response_headers = answer->headers,
            .response_body = body,
            .response_body_text = answer->body_text,
            .fault = answer->fault,
            .fault_ms = answer->fault == ECC_HTTP_FAULT_HANG && answer->fault_ms == 0 ? hang_ms : answer->fault_ms,
            .fault_bytes = answer->fault_bytes,
        };
        if (status == ECC_OK) {
            status = ecc_mock_add_exchange(mock, &exchange, diag);
        }
        json_decref(body);
    }
    ecc_vars_clean_up(&vars);
    json_decref(params);
    return status;
}

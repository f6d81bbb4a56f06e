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

/* What every step of the loader reads with. */
struct s_loader {
    const struct ecc_fixture_set *fixtures; /* resolves fixture ids; may be NULL */
    struct ecc_json_path path;              /* the member being read, for diagnostics */
    struct ecc_diag *diag;
};

/* One member a step reads: a string into `text` when `type` is JSON_STRING, else a value of `type` into
 * `value`. An absent optional member leaves its destination as it was. */
struct s_member {
    const char *key;
    bool required;
    json_type type;
    const char **text;
    const json_t **value;
};

/* A step run with the path at one member (s_in_member). */
typedef enum ecc_status (*s_member_step)(struct s_loader *l, struct ecc_client_case *c, const json_t *value);

/* Checks that `object` holds no member outside `allowed` (when not NULL), then reads `members` in order;
 * the first failure ends the reading. */
static enum ecc_status s_read_members(
    struct s_loader *l,
    const json_t *object,
    const char *const *allowed,
    size_t allowed_count,
    const struct s_member *members,
    size_t count) {
    if (allowed != NULL) {
        enum ecc_status status = ecc_json_check_members(object, allowed, allowed_count, &l->path, l->diag);
        if (status != ECC_OK) {
            return status;
        }
    }
    for (size_t i = 0; i < count; i++) {
        const struct s_member *m = &members[i];
        enum ecc_status status = ECC_OK;
        if (m->type == JSON_STRING) {
            status = ecc_suite_get_string(object, m->key, m->required, &l->path, m->text, l->diag);
        } else {
            status = ecc_suite_get_typed(object, m->key, m->required, m->type, &l->path, m->value, l->diag);
        }
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* Runs `step` on `value`, the member `key` of the object being read, with the path at that member. */
static enum ecc_status
s_in_member(struct s_loader *l, const char *key, s_member_step step, struct ecc_client_case *c, const json_t *value) {
    ecc_json_path_push_member(&l->path, key);
    enum ecc_status status = step(l, c, value);
    ecc_json_path_pop(&l->path);
    return status;
}

/* A fixture by id, named by the member `key` (NULL: the value being read is the id). */
static enum ecc_status
s_find_fixture(struct s_loader *l, const char *id, const char *key, const struct ecc_fixture **out) {
    *out = l->fixtures != NULL ? ecc_fixture_set_find(l->fixtures, id) : NULL;
    if (*out == NULL) {
        char hint[160];
        ecc_fixture_set_did_you_mean(l->fixtures, id, hint, sizeof(hint));
        return ecc_json_path_fail(&l->path, key, l->diag, "unknown fixture '%s'%s", id, hint);
    }
    return ECC_OK;
}

static enum ecc_status s_read_request(struct s_loader *l, struct ecc_client_case *c, const json_t *request) {
    const char *from = NULL;
    const struct s_member members[] = {
        {"from", false, JSON_STRING, &from, NULL},
        {"merge", false, JSON_OBJECT, NULL, &c->merge},
        {"params", false, JSON_OBJECT, NULL, &c->params},
    };
    enum ecc_status status = s_read_members(
        l, request, s_request_members, ECC_ARRAY_LEN(s_request_members), members, ECC_ARRAY_LEN(members));
    if (status != ECC_OK) {
        return status;
    }
    bool has_from = from != NULL;
    bool has_params = c->params != NULL;
    if (has_from == has_params) {
        return ecc_json_path_fail(&l->path, NULL, l->diag, "exactly one of 'from' and 'params' is required");
    }
    if (has_params && c->merge != NULL) {
        return ecc_json_path_fail(&l->path, "merge", l->diag, "'merge' applies to a fixture ('from'), not to 'params'");
    }
    if (!has_from) {
        return ECC_OK;
    }
    status = s_find_fixture(l, from, "from", &c->from);
    if (status != ECC_OK) {
        return status;
    }
    if (strcmp(c->from->operation, "RunTask") != 0 || !json_is_object(c->from->body)) {
        return ecc_json_path_fail(
            &l->path, "from", l->diag, "fixture '%s' is not a RunTask request with a JSON body", from);
    }
    return ECC_OK;
}

/* `fault`, `ms` and `bytes` of an answer object. */
static enum ecc_status s_load_fault(struct s_loader *l, struct ecc_client_case_response *out, const json_t *value) {
    const char *name = NULL;
    const json_t *ms = NULL;
    const json_t *bytes = NULL;
    const struct s_member members[] = {
        {"fault", false, JSON_STRING, &name, NULL},
        {"ms", false, JSON_INTEGER, NULL, &ms},
        {"bytes", false, JSON_INTEGER, NULL, &bytes},
    };
    enum ecc_status status = s_read_members(l, value, NULL, 0, members, ECC_ARRAY_LEN(members));
    if (status != ECC_OK) {
        return status;
    }
    out->fault = ECC_HTTP_FAULT_NONE;
    if (name != NULL && (!ecc_http_fault_parse(name, &out->fault) || out->fault == ECC_HTTP_FAULT_NONE)) {
        return ecc_json_path_fail(
            &l->path,
            "fault",
            l->diag,
            "unknown fault '%s' (hang, reset, close-after-headers, close-mid-body, drip, oversize)",
            name);
    }
    bool timed = out->fault == ECC_HTTP_FAULT_HANG || out->fault == ECC_HTTP_FAULT_DRIP;
    if (ms != NULL && !timed) {
        return ecc_json_path_fail(&l->path, "ms", l->diag, "'ms' belongs to a hang or drip fault");
    }
    if (bytes != NULL && out->fault != ECC_HTTP_FAULT_OVERSIZE) {
        return ecc_json_path_fail(&l->path, "bytes", l->diag, "'bytes' belongs to an oversize fault");
    }
    if (ms != NULL && (json_integer_value(ms) < 1 || json_integer_value(ms) > S_MAX_FAULT_MS)) {
        return ecc_json_path_fail(&l->path, "ms", l->diag, "ms must be within 1..%d", S_MAX_FAULT_MS);
    }
    if (bytes != NULL &&
        (json_integer_value(bytes) < S_MIN_FAULT_BYTES || json_integer_value(bytes) > S_MAX_FAULT_BYTES)) {
        return ecc_json_path_fail(
            &l->path,
            "bytes",
            l->diag,
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

/* The fields an answer takes from its fixture (when it has one), and its label. */
static void s_finish_response(struct ecc_client_case_response *out) {
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
}

/* An answer written inline: its status and at most one of `body` and `body_text`. */
static enum ecc_status
s_check_inline_response(struct s_loader *l, struct ecc_client_case_response *out, const json_t *status_value) {
    if (status_value == NULL) {
        return ecc_json_path_fail(&l->path, NULL, l->diag, "an inline answer needs 'status' (or 'from' a fixture)");
    }
    json_int_t code = json_integer_value(status_value);
    if (code < 100 || code > 599) {
        return ecc_json_path_fail(&l->path, "status", l->diag, "status %lld is not within 100..599", (long long)code);
    }
    if (out->body != NULL && out->body_text != NULL) {
        return ecc_json_path_fail(&l->path, "body_text", l->diag, "'body' and 'body_text' are mutually exclusive");
    }
    out->status = (int)code;
    return ECC_OK;
}

/* What an answer object's members say together: a silent fault, a fixture's answer or an inline one. */
static enum ecc_status s_check_response(
    struct s_loader *l, struct ecc_client_case_response *out, const char *from, const json_t *status_value) {
    bool silent = out->fault == ECC_HTTP_FAULT_HANG || out->fault == ECC_HTTP_FAULT_RESET;
    bool answered = status_value != NULL || out->headers != NULL || out->body != NULL || out->body_text != NULL;
    if (silent) {
        if (from != NULL || answered) {
            return ecc_json_path_fail(
                &l->path,
                "fault",
                l->diag,
                "a '%s' fault sends no answer: give no 'from', 'status', headers or body",
                ecc_http_fault_name(out->fault));
        }
        snprintf(out->label, sizeof(out->label), "fault %s", ecc_http_fault_name(out->fault));
        return ECC_OK;
    }
    enum ecc_status status = ECC_OK;
    if (from != NULL) {
        if (answered) {
            return ecc_json_path_fail(
                &l->path,
                "from",
                l->diag,
                "'from' takes the whole answer of the fixture; write the answer inline instead");
        }
        status = s_find_fixture(l, from, "from", &out->fixture);
    } else {
        status = s_check_inline_response(l, out, status_value);
    }
    if (status != ECC_OK) {
        return status;
    }
    s_finish_response(out);
    return ECC_OK;
}

static enum ecc_status
s_load_response_object(struct s_loader *l, struct ecc_client_case_response *out, const json_t *value) {
    const char *from = NULL;
    const json_t *status_value = NULL;
    const struct s_member members[] = {
        {"from", false, JSON_STRING, &from, NULL},
        {"status", false, JSON_INTEGER, NULL, &status_value},
        {"headers", false, JSON_OBJECT, NULL, &out->headers},
    };
    enum ecc_status status = s_read_members(
        l, value, s_response_members, ECC_ARRAY_LEN(s_response_members), members, ECC_ARRAY_LEN(members));
    if (status != ECC_OK) {
        return status;
    }
    if (out->headers != NULL) {
        status = ecc_suite_check_headers(out->headers, false, &l->path, l->diag);
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_suite_get_string(value, "body_text", false, &l->path, &out->body_text, l->diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_load_fault(l, out, value);
    if (status != ECC_OK) {
        return status;
    }
    out->body = json_object_get(value, "body");
    return s_check_response(l, out, from, status_value);
}

static enum ecc_status s_load_response(struct s_loader *l, struct ecc_client_case_response *out, const json_t *value) {
    if (json_is_object(value)) {
        return s_load_response_object(l, out, value);
    }
    if (!json_is_string(value)) {
        return ecc_json_path_fail(
            &l->path, NULL, l->diag, "expected a fixture id or an answer object, got %s", ecc_json_type_name(value));
    }
    enum ecc_status status = s_find_fixture(l, json_string_value(value), NULL, &out->fixture);
    if (status != ECC_OK) {
        return status;
    }
    s_finish_response(out);
    return ECC_OK;
}

/* `expect.requests`: a count, or {"min": A, "max": B} when more than one count is right. */
static enum ecc_status s_read_requests(struct s_loader *l, struct ecc_client_case *c, const json_t *requests) {
    json_int_t min = json_integer_value(requests);
    json_int_t max = min;
    if (json_is_object(requests)) {
        const json_t *low = NULL;
        const json_t *high = NULL;
        const struct s_member members[] = {
            {"min", true, JSON_INTEGER, NULL, &low},
            {"max", true, JSON_INTEGER, NULL, &high},
        };
        enum ecc_status status = s_read_members(
            l, requests, s_range_members, ECC_ARRAY_LEN(s_range_members), members, ECC_ARRAY_LEN(members));
        if (status != ECC_OK) {
            return status;
        }
        min = json_integer_value(low);
        max = json_integer_value(high);
    } else if (!json_is_integer(requests)) {
        return ecc_json_path_fail(
            &l->path,
            NULL,
            l->diag,
            "expected an integer or {\"min\": A, \"max\": B}, got %s",
            ecc_json_type_name(requests));
    }
    if (min < 0 || max > 100 || min > max) {
        return ecc_json_path_fail(&l->path, NULL, l->diag, "requests must be within 0..100 (and min <= max)");
    }
    c->expect_requests = (unsigned)min;
    c->expect_requests_max = (unsigned)max;
    return ECC_OK;
}

/* `expect.result`: each member a pointer into the adapter's line and its matcher. */
static enum ecc_status s_check_result(struct s_loader *l, const json_t *result) {
    ecc_json_path_push_member(&l->path, "result");
    enum ecc_status status = ECC_OK;
    const char *pointer;
    json_t *spec;
    json_object_foreach((json_t *)result, pointer, spec) {
        bool wildcard = false;
        ecc_json_path_push_member(&l->path, pointer);
        status = ecc_match_check_pointer(pointer, &wildcard, l->diag);
        if (status != ECC_OK) {
            ecc_json_path_to_diag(&l->path, l->diag);
        } else {
            status = ecc_match_check_spec(spec, wildcard, &l->path, l->diag);
        }
        ecc_json_path_pop(&l->path);
        if (status != ECC_OK) {
            break;
        }
    }
    ecc_json_path_pop(&l->path);
    return status;
}

static enum ecc_status s_read_expect(struct s_loader *l, struct ecc_client_case *c, const json_t *expect) {
    enum ecc_status status = s_read_members(l, expect, s_expect_members, ECC_ARRAY_LEN(s_expect_members), NULL, 0);
    if (status != ECC_OK) {
        return status;
    }
    const json_t *requests = json_object_get(expect, "requests");
    if (requests != NULL) {
        status = s_in_member(l, "requests", s_read_requests, c, requests);
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_suite_get_typed(expect, "result", false, JSON_OBJECT, &l->path, &c->expect_result, l->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (c->expect_result == NULL) {
        return ECC_OK;
    }
    return s_check_result(l, c->expect_result);
}

/* The members of the case itself, `id` and `title` to `tags`. */
static enum ecc_status s_load_names(struct s_loader *l, struct ecc_client_case *c, const json_t *root) {
    const struct s_member id[] = {{"id", true, JSON_STRING, &c->id, NULL}};
    enum ecc_status status =
        s_read_members(l, root, s_case_members, ECC_ARRAY_LEN(s_case_members), id, ECC_ARRAY_LEN(id));
    if (status != ECC_OK) {
        return status;
    }
    if (!ecc_suite_id_valid(c->id)) {
        return ecc_json_path_fail(&l->path, "id", l->diag, "'%s' is not a valid id ([a-z0-9][a-z0-9-]*)", c->id);
    }
    const char *description = NULL;
    const struct s_member members[] = {
        {"title", true, JSON_STRING, &c->title, NULL},
        {"description", false, JSON_STRING, &description, NULL},
        {"tags", false, JSON_ARRAY, NULL, &c->tags},
    };
    status = s_read_members(l, root, NULL, 0, members, ECC_ARRAY_LEN(members));
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; c->tags != NULL && i < json_array_size(c->tags); i++) {
        const json_t *tag = json_array_get(c->tags, i);
        if (!json_is_string(tag) || !ecc_suite_id_valid(json_string_value(tag))) {
            ecc_json_path_push_member(&l->path, "tags");
            ecc_json_path_push_index(&l->path, i);
            return ecc_json_path_fail(&l->path, NULL, l->diag, "a tag is a string of [a-z0-9-]");
        }
    }
    return ECC_OK;
}

static enum ecc_status s_load_calls(struct s_loader *l, struct ecc_client_case *c, const json_t *root) {
    const json_t *calls = NULL;
    enum ecc_status status = ecc_suite_get_typed(root, "calls", false, JSON_INTEGER, &l->path, &calls, l->diag);
    if (status != ECC_OK) {
        return status;
    }
    c->calls = 1;
    if (calls == NULL) {
        return ECC_OK;
    }
    json_int_t n = json_integer_value(calls);
    if (n < 1 || n > S_MAX_CALLS) {
        return ecc_json_path_fail(&l->path, "calls", l->diag, "calls must be within 1..%d", S_MAX_CALLS);
    }
    c->calls = (unsigned)n;
    return ECC_OK;
}

static enum ecc_status s_load_responses(struct s_loader *l, struct ecc_client_case *c, const json_t *root) {
    const json_t *responses = NULL;
    enum ecc_status status = ecc_suite_get_typed(root, "responses", true, JSON_ARRAY, &l->path, &responses, l->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (json_array_size(responses) == 0 || json_array_size(responses) > S_MAX_RESPONSES) {
        return ecc_json_path_fail(&l->path, "responses", l->diag, "responses must hold 1..%d answers", S_MAX_RESPONSES);
    }
    c->response_count = json_array_size(responses);
    c->responses = calloc(c->response_count, sizeof(*c->responses));
    if (c->responses == NULL) {
        return ECC_ERR_NOMEM;
    }
    ecc_json_path_push_member(&l->path, "responses");
    for (size_t i = 0; i < c->response_count; i++) {
        ecc_json_path_push_index(&l->path, i);
        status = s_load_response(l, &c->responses[i], json_array_get(responses, i));
        ecc_json_path_pop(&l->path);
        if (status != ECC_OK) {
            break;
        }
    }
    ecc_json_path_pop(&l->path);
    return status;
}

static enum ecc_status
s_load(struct ecc_client_case *c, const struct ecc_fixture_set *fixtures, struct ecc_diag *diag) {
    struct s_loader l = {.fixtures = fixtures, .diag = diag};
    ecc_json_path_init_pointer(&l.path);
    const json_t *root = c->root;
    if (!json_is_object(root)) {
        return ecc_json_path_fail(&l.path, NULL, diag, "a client case is a JSON object");
    }
    enum ecc_status status = s_load_names(&l, c, root);
    if (status != ECC_OK) {
        return status;
    }
    const json_t *request = NULL;
    status = ecc_suite_get_typed(root, "request", true, JSON_OBJECT, &l.path, &request, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_in_member(&l, "request", s_read_request, c, request);
    if (status != ECC_OK) {
        return status;
    }
    status = s_load_calls(&l, c, root);
    if (status != ECC_OK) {
        return status;
    }
    status = s_load_responses(&l, c, root);
    if (status != ECC_OK) {
        return status;
    }
    c->expect_requests = (unsigned)c->response_count;
    c->expect_requests_max = c->expect_requests;
    const json_t *expect = NULL;
    status = ecc_suite_get_typed(root, "expect", true, JSON_OBJECT, &l.path, &expect, diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_in_member(&l, "expect", s_read_expect, c, expect);
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
    enum ecc_status status = ECC_ERR_NOMEM;
    if (c->file == NULL) {
        goto on_error;
    }
    status = s_load(c, fixtures, diag);
    if (status != ECC_OK) {
        goto on_error;
    }
    *out = c;
    return ECC_OK;

on_error:
    if (diag != NULL && diag->source[0] == '\0') {
        snprintf(diag->source, sizeof(diag->source), "%s", source != NULL ? source : "");
    }
    ecc_client_case_destroy(c);
    return status;
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
    if (status != ECC_OK) {
        return status;
    }
    status = s_from_root(root, file, fixtures, out, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_suite_check_file_id(file, (*out)->id, diag);
    if (status != ECC_OK) {
        goto on_error;
    }
    return ECC_OK;

on_error:
    ecc_client_case_destroy(*out);
    *out = NULL;
    return status;
}

/* The variables of client mode. The caller cleans `vars` up whatever this returns. */
static enum ecc_status s_vars(struct ecc_vars *vars, const char *region) {
    enum ecc_status status = ecc_vars_init(vars, 1);
    if (status != ECC_OK) {
        return status;
    }
    static const char *const fixed[] = {"cluster", "family", "prefix"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(fixed); i++) {
        status = ecc_vars_set_string(vars, fixed[i], S_CLIENT_RESOURCE_NAME);
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_vars_set_string(vars, "region", region);
    if (status != ECC_OK) {
        return status;
    }
    /* No account exists in client mode: run variables are their placeholders (`cluster` keeps the value above). */
    for (size_t i = 0; i < ecc_case_run_var_count; i++) {
        if (ecc_case_run_vars[i].placeholder) {
            status = ecc_vars_set_string(vars, ecc_case_run_vars[i].name, ecc_case_run_vars[i].placeholder);
            if (status != ECC_OK) {
                return status;
            }
        }
    }
    return ECC_OK;
}

enum ecc_status
ecc_client_case_params(const struct ecc_client_case *c, const char *region, json_t **out, struct ecc_diag *diag) {
    *out = NULL;
    struct ecc_vars vars;
    json_t *merged = NULL;
    enum ecc_status status = s_vars(&vars, region);
    if (status != ECC_OK) {
        goto done;
    }
    if (c->params != NULL || c->merge == NULL) {
        merged = json_deep_copy(c->params != NULL ? c->params : c->from->body);
    } else {
        merged = ecc_json_merge_patch(c->from->body, c->merge);
    }
    if (merged == NULL) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    status = ecc_vars_expand(&vars, merged, out, diag);

done:
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

/* Adds one answer of the case to the mock, its body expanded with `vars`. */
static enum ecc_status s_add_response(
    struct ecc_mock *mock,
    const struct ecc_client_case_response *answer,
    const json_t *params,
    struct ecc_vars *vars,
    unsigned hang_ms,
    struct ecc_diag *diag) {
    json_t *body = NULL;
    if (answer->body != NULL) {
        enum ecc_status status = ecc_vars_expand(vars, answer->body, &body, diag);
        if (status != ECC_OK) {
            return status;
        }
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
    enum ecc_status status = ecc_mock_add_exchange(mock, &exchange, diag);
    json_decref(body);
    return status;
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
    if (status != ECC_OK) {
        goto done;
    }
    const json_t *token = json_object_get(params, "clientToken");
    status = ecc_mock_set_expected_token(mock, json_is_string(token) ? json_string_value(token) : NULL);
    if (status != ECC_OK) {
        goto done;
    }
    for (size_t i = 0; i < c->response_count; i++) {
        status = s_add_response(mock, &c->responses[i], params, &vars, hang_ms, diag);
        if (status != ECC_OK) {
            goto done;
        }
    }

done:
    ecc_vars_clean_up(&vars);
    json_decref(params);
    return status;
}

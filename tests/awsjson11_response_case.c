/*
 * Runs one Smithy awsJson1_1 response case (../shared/vectors/awsjson11) against the response codec:
 *
 *   awsjson11_response_case <file> <case id>            one case; exit 0 pass, 1 fail, 77 data absent
 *   awsjson11_response_case <file> --covers-errors ids  fails unless every error-type case is listed
 *
 * Error cases: the answer must classify as an error whose sanitized type, raw type, source, fault and
 * message match the case. Response cases: the answer must classify as success, and what the case tests
 * (empty body, `{}`, unknown members, nulls, timestamps, request id) must hold both for the generic
 * classifier and for the typed RunTask parse, into which the case's value is transplanted.
 */
#include "ecc/codec_response.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SKIP 77

/* Prints "<id>: <what> <detail>" and returns the failing exit code. */
static int s_fail(const char *id, const char *what, const char *detail) {
    fprintf(stderr, "%s: %s %s\n", id, what, detail ? detail : "");
    return 1;
}

static const json_t *s_find_case(const json_t *cases, const char *id) {
    size_t i;
    const json_t *c;
    json_array_foreach(cases, i, c) {
        const char *kind = json_string_value(json_object_get(c, "kind"));
        const char *case_id = json_string_value(json_object_get(c, "id"));
        if (kind && case_id && strcmp(kind, "response") == 0 && strcmp(case_id, id) == 0) {
            return c;
        }
    }
    return NULL;
}

static bool s_has_topic(const json_t *c, const char *topic) {
    size_t i;
    const json_t *t;
    json_array_foreach(json_object_get(c, "topics"), i, t) {
        if (json_is_string(t) && strcmp(json_string_value(t), topic) == 0) {
            return true;
        }
    }
    return false;
}

/* The case's HTTP answer as our response value. */
static int s_build_response(const json_t *c, struct ecc_http_response *r) {
    const json_t *http = json_object_get(c, "http");
    r->status = (int)json_integer_value(json_object_get(http, "status"));
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)json_object_get(http, "headers"), name, value) {
        if (ecc_http_headers_add(&r->headers, name, json_string_value(value)) != ECC_OK) {
            return 1;
        }
    }
    const json_t *body = json_object_get(http, "body");
    if (json_is_string(body) &&
        ecc_http_response_set_body(r, json_string_value(body), json_string_length(body)) != ECC_OK) {
        return 1;
    }
    return 0;
}

static int s_run_error_case(const char *id, const json_t *c, const struct ecc_response_outcome *o) {
    const json_t *expected = json_object_get(c, "expected_error");
    if (o->kind != ECC_RESPONSE_ERROR && o->kind != ECC_RESPONSE_UNKNOWN_ERROR) {
        return s_fail(id, "expected an error, got:", o->diag.text[0] ? o->diag.text : ecc_response_kind_name(o->kind));
    }
    const char *sanitized = json_string_value(json_object_get(expected, "sanitized"));
    const char *raw = json_string_value(json_object_get(expected, "raw_type_value"));
    const char *location = json_string_value(json_object_get(expected, "raw_type_location"));
    const char *fault = json_string_value(json_object_get(expected, "fault"));
    if (!sanitized || !raw || !location || !fault) {
        return s_fail(id, "case lacks expected_error fields", NULL);
    }
    if (strcmp(o->error.type_name, sanitized) != 0) {
        return s_fail(id, "sanitized type is", o->error.type_name);
    }
    if (strcmp(o->error.type_raw, raw) != 0) {
        return s_fail(id, "raw type is", o->error.type_raw);
    }
    /* "header X-Amzn-Errortype", "body field code", "body field __type" */
    enum ecc_error_type_source want = strstr(location, "X-Amzn-Errortype") ? ECC_ERROR_TYPE_HEADER
                                      : strstr(location, "field code")     ? ECC_ERROR_TYPE_BODY_CODE
                                      : strstr(location, "field __type")   ? ECC_ERROR_TYPE_BODY_TYPE
                                                                           : ECC_ERROR_TYPE_NONE;
    if (o->error.type_source != want) {
        return s_fail(id, "type found in", ecc_errors_source_name(o->error.type_source));
    }
    /* These shapes are not in our table; the fault then follows the status class. */
    bool server = o->error.info ? o->error.info->fault == ECC_FAULT_SERVER : o->http_status >= 500;
    if (server != (strcmp(fault, "server") == 0)) {
        return s_fail(id, "fault should be", fault);
    }
    const json_t *message = json_object_get(json_object_get(c, "params"), "Message");
    if (json_is_string(message) && (!o->error.message || strcmp(o->error.message, json_string_value(message)) != 0)) {
        return s_fail(id, "message is", o->error.message);
    }
    if (!json_is_string(message) && o->error.message) {
        return s_fail(id, "unexpected message", o->error.message);
    }
    return 0;
}

/* Parses `{"tasks":[{"<member>": <value>}]}` with the typed RunTask reader. */
static int s_typed(const char *id, const char *member, const json_t *value, struct ecc_run_task_response *out) {
    json_t *task = json_object();
    json_t *root = json_pack("{s:[o]}", "tasks", task);
    json_object_set(task, member, (json_t *)value);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    ecc_run_task_response_init(out);
    enum ecc_status status = ecc_codec_read_run_task_response(root, out, &diag);
    json_decref(root);
    if (status != ECC_OK) {
        return s_fail(id, "typed parse failed:", diag.text);
    }
    return 0;
}

static int s_run_response_case(const char *id, const json_t *c, const struct ecc_response_outcome *o) {
    if (o->kind != ECC_RESPONSE_SUCCESS) {
        return s_fail(id, "expected success, got:", o->diag.text);
    }
    const json_t *params = json_object_get(c, "params");
    const json_t *headers = json_object_get(json_object_get(c, "http"), "headers");
    int failed = 0;

    /* Whatever the case, the typed parse of the body succeeds and, with no RunTask member, is empty. */
    struct ecc_run_task_response value;
    ecc_run_task_response_init(&value);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_codec_read_run_task_response(o->body, &value, &diag) != ECC_OK) {
        return s_fail(id, "typed parse failed:", diag.text);
    }
    if (value.tasks.has || value.failures.has) {
        failed = s_fail(id, "typed parse found RunTask members in a body that has none", NULL);
    }
    ecc_run_task_response_clean_up(&value);

    if (s_has_topic(c, "request-id")) {
        const char *want = json_string_value(json_object_get(headers, "X-Amzn-Requestid"));
        if (!want || !o->request_id || strcmp(want, o->request_id) != 0) {
            failed = s_fail(id, "request id is", o->request_id);
        }
    }
    if (s_has_topic(c, "empty-body") || s_has_topic(c, "empty-json-object-body") || s_has_topic(c, "protocol-basics")) {
        if (!json_is_object(o->body)) {
            failed = s_fail(id, "success body is not an object", NULL);
        }
    }
    if (s_has_topic(c, "timestamps")) {
        const char *member;
        const json_t *expected;
        size_t checked = 0;
        json_object_foreach((json_t *)params, member, expected) {
            double got = 0;
            enum ecc_json_presence presence;
            struct ecc_json_path path;
            ecc_json_path_init(&path);
            if (ecc_json_read_timestamp(o->body, member, &path, &got, &presence, &diag) != ECC_OK ||
                presence != ECC_JSON_PRESENT || fabs(got - json_number_value(expected)) > 1e-6) {
                failed = s_fail(id, "timestamp not read as expected:", member);
                continue;
            }
            /* The same wire value as a Task timestamp. */
            if (s_typed(id, "createdAt", json_object_get(o->body, member), &value) != 0) {
                failed = 1;
                continue;
            }
            if (!value.tasks.items[0].has_created_at ||
                fabs(value.tasks.items[0].created_at - json_number_value(expected)) > 1e-6) {
                failed = s_fail(id, "Task.createdAt not read as expected from", member);
            }
            ecc_run_task_response_clean_up(&value);
            checked++;
        }
        if (!checked) {
            failed = s_fail(id, "no timestamp in params", NULL);
        }
    }
    if (s_has_topic(c, "null-handling")) {
        const char *member;
        const json_t *v;
        size_t checked = 0;
        json_object_foreach(o->body, member, v) {
            if (!json_is_null(v)) {
                continue;
            }
            if (json_object_get(params, member)) {
                failed = s_fail(id, "case expects the null member kept", NULL);
            }
            if (s_typed(id, "stoppedReason", v, &value) != 0) {
                failed = 1;
                continue;
            }
            if (value.tasks.items[0].stopped_reason) {
                failed = s_fail(id, "a null Task string was not dropped", NULL);
            }
            ecc_run_task_response_clean_up(&value);
            checked++;
        }
        if (!checked) {
            failed = s_fail(id, "no null member in body", NULL);
        }
    }
    return failed;
}

static int s_covers_errors(const json_t *cases, int argc, char **argv) {
    size_t i;
    const json_t *c;
    size_t count = 0;
    int failed = 0;
    json_array_foreach(cases, i, c) {
        if (!s_has_topic(c, "error-type-resolution")) {
            continue;
        }
        count++;
        const char *id = json_string_value(json_object_get(c, "id"));
        bool listed = false;
        for (int a = 3; a < argc && !listed; a++) {
            listed = id && strcmp(argv[a], id) == 0;
        }
        if (!listed) {
            failed = s_fail(id ? id : "?", "error-type case is not registered as a ctest", NULL);
        }
    }
    printf("%zu error-type cases in the data, %d registered\n", count, argc - 3);
    return failed || count != (size_t)(argc - 3);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s <awsjson11-protocol-tests.json> <case id> | --covers-errors <ids...>\n", argv[0]);
        return 2;
    }
    FILE *probe = fopen(argv[1], "rb");
    if (!probe) {
        printf("SKIP: reference data %s not found (set -DECSCONF_SHARED_DIR=.../shared)\n", argv[1]);
        return S_SKIP;
    }
    fclose(probe);
    json_error_t error;
    json_t *cases = json_load_file(argv[1], 0, &error);
    if (!json_is_array(cases)) {
        fprintf(stderr, "%s:%d:%d: %s\n", argv[1], error.line, error.column, error.text);
        json_decref(cases);
        return 1;
    }
    int result;
    if (strcmp(argv[2], "--covers-errors") == 0) {
        result = s_covers_errors(cases, argc, argv);
        json_decref(cases);
        return result;
    }
    const char *id = argv[2];
    const json_t *c = s_find_case(cases, id);
    if (!c) {
        json_decref(cases);
        return s_fail(id, "no response case with this id in the data", NULL);
    }
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    if (s_build_response(c, &response) != 0 || ecc_codec_classify_response(&response, NULL, &outcome) != ECC_OK) {
        result = s_fail(id, "out of memory", NULL);
    } else if (json_is_object(json_object_get(c, "expected_error"))) {
        result = s_run_error_case(id, c, &outcome);
    } else {
        result = s_run_response_case(id, c, &outcome);
    }
    if (result == 0) {
        printf("%s: pass (%s)\n", id, ecc_response_kind_name(outcome.kind));
    }
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&response);
    json_decref(cases);
    return result;
}

/* The response codec: classification, every protocol-error class, errors, typed RunTask parse, and the
 * reverse (answers built for the emulator and the mock). */
#include "test_support.h"

#include "ecc/codec_response.h"

#include "response_fixtures.h"

#include <math.h>

/* A response with the given status, headers ("Name: value" strings, NULL-terminated) and body. */
static void s_response(struct ecc_http_response *r, int status, const char *const *headers, const char *body) {
    ecc_http_response_init(r);
    r->status = status;
    for (size_t i = 0; headers && headers[i]; i++) {
        const char *colon = strchr(headers[i], ':');
        assert_non_null(colon);
        const char *value = colon + 1;
        while (*value == ' ') {
            value++;
        }
        assert_int_equal(
            ecc_http_headers_add_n(&r->headers, headers[i], (size_t)(colon - headers[i]), value, strlen(value)),
            ECC_OK);
    }
    if (body) {
        assert_int_equal(ecc_http_response_set_body(r, body, strlen(body)), ECC_OK);
    }
}

static const char *const s_json_headers[] = {"Content-Type: application/x-amz-json-1.1", NULL};

/* Classifies and returns the outcome kind; the caller cleans up `outcome`. */
static enum ecc_response_kind s_classify(
    int status,
    const char *const *headers,
    const char *body,
    const struct ecc_codec_response_options *options,
    struct ecc_response_outcome *outcome) {
    struct ecc_http_response r;
    s_response(&r, status, headers, body);
    ecc_response_outcome_init(outcome);
    assert_int_equal(ecc_codec_classify_response(&r, options, outcome), ECC_OK);
    ecc_http_response_clean_up(&r);
    return outcome->kind;
}

static void s_expect_protocol_error(
    int status,
    const char *const *headers,
    const char *body,
    const struct ecc_codec_response_options *options,
    enum ecc_protocol_error expected,
    const char *text_part) {
    struct ecc_response_outcome outcome;
    assert_int_equal(s_classify(status, headers, body, options, &outcome), ECC_RESPONSE_PROTOCOL_ERROR);
    if (outcome.protocol_error != expected) {
        fail_msg(
            "expected %s, got %s (%s)",
            ecc_protocol_error_name(expected),
            ecc_protocol_error_name(outcome.protocol_error),
            outcome.diag.text);
    }
    if (!strstr(outcome.diag.text, text_part)) {
        fail_msg("message \"%s\" does not mention \"%s\"", outcome.diag.text, text_part);
    }
    assert_null(outcome.body);
    assert_null(outcome.error.type_name);
    ecc_response_outcome_clean_up(&outcome);
}

static void test_protocol_bad_status(void **state) {
    (void)state;
    s_expect_protocol_error(302, s_json_headers, "{}", NULL, ECC_PROTOCOL_BAD_STATUS, "302");
    s_expect_protocol_error(100, NULL, NULL, NULL, ECC_PROTOCOL_BAD_STATUS, "100");
    s_expect_protocol_error(0, NULL, NULL, NULL, ECC_PROTOCOL_BAD_STATUS, "0");
    s_expect_protocol_error(600, s_json_headers, "{}", NULL, ECC_PROTOCOL_BAD_STATUS, "600");
}

static void test_protocol_size_cap(void **state) {
    (void)state;
    struct ecc_codec_response_options options = {.max_body_bytes = 10};
    struct ecc_response_outcome outcome;
    /* exactly at the cap is fine, one byte more is not */
    assert_int_equal(s_classify(200, s_json_headers, "{\"a\":\"12\"}", &options, &outcome), ECC_RESPONSE_SUCCESS);
    ecc_response_outcome_clean_up(&outcome);
    s_expect_protocol_error(200, s_json_headers, "{\"a\":\"123\"}", &options, ECC_PROTOCOL_TOO_LARGE, "11 bytes");
    /* the cap applies before anything else looks at the body, errors included */
    s_expect_protocol_error(400, s_json_headers, "{\"__type\":\"X\"}", &options, ECC_PROTOCOL_TOO_LARGE, "cap");
}

static void test_protocol_truncated(void **state) {
    (void)state;
    const char *const short_body[] = {"Content-Type: application/x-amz-json-1.1", "Content-Length: 100", NULL};
    s_expect_protocol_error(200, short_body, "{\"tasks\":[", NULL, ECC_PROTOCOL_TRUNCATED, "truncated");
    const char *const long_body[] = {"Content-Type: application/x-amz-json-1.1", "Content-Length: 1", NULL};
    s_expect_protocol_error(200, long_body, "{}", NULL, ECC_PROTOCOL_TRUNCATED, "extra bytes");
    const char *const conflicting[] = {"Content-Length: 2", "Content-Length: 3", NULL};
    s_expect_protocol_error(200, conflicting, "{}", NULL, ECC_PROTOCOL_TRUNCATED, "conflicting");
    const char *const garbage[] = {"Content-Length: 2x", NULL};
    s_expect_protocol_error(200, garbage, "{}", NULL, ECC_PROTOCOL_TRUNCATED, "not a number");
    const char *const negative[] = {"Content-Length: -2", NULL};
    s_expect_protocol_error(200, negative, "{}", NULL, ECC_PROTOCOL_TRUNCATED, "not a number");
    /* a matching length (and repeated equal ones) pass */
    const char *const right[] = {
        "Content-Type: application/x-amz-json-1.1", "Content-Length: 2", "content-length: 2", NULL};
    struct ecc_response_outcome outcome;
    assert_int_equal(s_classify(200, right, "{}", NULL, &outcome), ECC_RESPONSE_SUCCESS);
    ecc_response_outcome_clean_up(&outcome);
}

static void test_protocol_html_body(void **state) {
    (void)state;
    const char *const html[] = {"Content-Type: text/html", NULL};
    s_expect_protocol_error(
        502,
        html,
        "\n  <html><body><h1>502 Bad Gateway</h1></body></html>",
        NULL,
        ECC_PROTOCOL_HTML_BODY,
        "<html><body><h1>502 Bad Gateway");
    /* even with the right content type, and on success */
    s_expect_protocol_error(200, s_json_headers, "<?xml version=\"1.0\"?><x/>", NULL, ECC_PROTOCOL_HTML_BODY, "XML");
}

static void test_protocol_content_type(void **state) {
    (void)state;
    s_expect_protocol_error(200, NULL, "{}", NULL, ECC_PROTOCOL_CONTENT_TYPE, "missing");
    const char *const text[] = {"Content-Type: text/plain", NULL};
    s_expect_protocol_error(200, text, "{}", NULL, ECC_PROTOCOL_CONTENT_TYPE, "\"text/plain\"");
    const char *const json10[] = {"Content-Type: application/x-amz-json-1.0", NULL};
    s_expect_protocol_error(400, json10, "{\"__type\":\"X\"}", NULL, ECC_PROTOCOL_CONTENT_TYPE, "1.0");
    const char *const plain_json[] = {"Content-Type: application/json", NULL};
    s_expect_protocol_error(200, plain_json, "{}", NULL, ECC_PROTOCOL_CONTENT_TYPE, "application/json");

    struct ecc_response_outcome outcome;
    struct ecc_codec_response_options lenient = {.allow_plain_json_content_type = true};
    assert_int_equal(s_classify(200, plain_json, "{}", &lenient, &outcome), ECC_RESPONSE_SUCCESS);
    ecc_response_outcome_clean_up(&outcome);
    /* parameters and case are ignored */
    const char *const params[] = {"content-type:  Application/X-Amz-Json-1.1 ; charset=utf-8", NULL};
    assert_int_equal(s_classify(200, params, "{}", NULL, &outcome), ECC_RESPONSE_SUCCESS);
    ecc_response_outcome_clean_up(&outcome);
    /* no body: no content type needed */
    assert_int_equal(s_classify(200, NULL, "", NULL, &outcome), ECC_RESPONSE_SUCCESS);
    ecc_response_outcome_clean_up(&outcome);
}

static void test_protocol_not_json(void **state) {
    (void)state;
    s_expect_protocol_error(200, s_json_headers, "{\"tasks\":[}", NULL, ECC_PROTOCOL_NOT_JSON, "line 1");
    s_expect_protocol_error(200, s_json_headers, "{} trailing", NULL, ECC_PROTOCOL_NOT_JSON, "not JSON");
    s_expect_protocol_error(500, s_json_headers, "Internal Server Error", NULL, ECC_PROTOCOL_NOT_JSON, "not JSON");
    s_expect_protocol_error(200, s_json_headers, "[1,2]", NULL, ECC_PROTOCOL_NOT_OBJECT, "array");
    s_expect_protocol_error(200, s_json_headers, "\"ok\"", NULL, ECC_PROTOCOL_NOT_OBJECT, "string");
    s_expect_protocol_error(400, s_json_headers, "null", NULL, ECC_PROTOCOL_NOT_OBJECT, "null");
}

static void test_protocol_error_on_success(void **state) {
    (void)state;
    s_expect_protocol_error(
        200,
        s_json_headers,
        "{\"__type\":\"ServerException\",\"message\":\"x\"}",
        NULL,
        ECC_PROTOCOL_ERROR_ON_SUCCESS,
        "__type");
    const char *const header[] = {"X-Amzn-Errortype: ThrottlingException", NULL};
    s_expect_protocol_error(200, header, NULL, NULL, ECC_PROTOCOL_ERROR_ON_SUCCESS, "X-Amzn-Errortype");
    s_expect_protocol_error(200, s_json_headers, "{\"code\":5}", NULL, ECC_PROTOCOL_ERROR_ON_SUCCESS, "code");
}

static void test_protocol_no_error_type(void **state) {
    (void)state;
    s_expect_protocol_error(400, s_json_headers, "{\"message\":\"no type\"}", NULL, ECC_PROTOCOL_NO_ERROR_TYPE, "400");
    s_expect_protocol_error(503, NULL, NULL, NULL, ECC_PROTOCOL_NO_ERROR_TYPE, "503");
    s_expect_protocol_error(
        500, s_json_headers, "{\"Errors\":[{\"__type\":\"Nested\"}]}", NULL, ECC_PROTOCOL_NO_ERROR_TYPE, "500");
    s_expect_protocol_error(400, s_json_headers, "{\"__type\":5}", NULL, ECC_PROTOCOL_BAD_ERROR_TYPE, "integer");
    s_expect_protocol_error(400, s_json_headers, "{\"__type\":\"ns#\"}", NULL, ECC_PROTOCOL_BAD_ERROR_TYPE, "ns#");
}

static void test_known_error(void **state) {
    (void)state;
    const char *const headers[] = {"Content-Type: application/x-amz-json-1.1", "X-Amzn-Requestid: req-123", NULL};
    struct ecc_response_outcome outcome;
    assert_int_equal(
        s_classify(
            400,
            headers,
            "{\"__type\":\"com.amazonaws.ecs#ClusterNotFoundException:http://internal.amazon.com/x\","
            "\"message\":\"Cluster not found.\",\"extra\":{\"__type\":\"y\"}}",
            NULL,
            &outcome),
        ECC_RESPONSE_ERROR);
    assert_int_equal(outcome.http_status, 400);
    assert_string_equal(outcome.request_id, "req-123");
    assert_string_equal(outcome.error.request_id, "req-123");
    assert_string_equal(
        outcome.error.type_raw, "com.amazonaws.ecs#ClusterNotFoundException:http://internal.amazon.com/x");
    assert_string_equal(outcome.error.type_name, "ClusterNotFoundException");
    assert_ptr_equal(outcome.error.info, ecc_errors_get(ECC_ERROR_CLUSTER_NOT_FOUND));
    assert_int_equal(outcome.error.type_source, ECC_ERROR_TYPE_BODY_TYPE);
    assert_string_equal(outcome.error.message, "Cluster not found.");
    assert_false(outcome.error.resource_ids.has);
    ecc_response_outcome_clean_up(&outcome);

    /* `Message` also accepted; no message at all is fine */
    assert_int_equal(
        s_classify(500, s_json_headers, "{\"__type\":\"ServerException\",\"Message\":\"boom\"}", NULL, &outcome),
        ECC_RESPONSE_ERROR);
    assert_string_equal(outcome.error.message, "boom");
    assert_null(outcome.request_id);
    ecc_response_outcome_clean_up(&outcome);
    assert_int_equal(
        s_classify(400, s_json_headers, "{\"__type\":\"ThrottlingException\"}", NULL, &outcome), ECC_RESPONSE_ERROR);
    assert_null(outcome.error.message);
    assert_true(outcome.error.info->throttling);
    ecc_response_outcome_clean_up(&outcome);
}

static void test_conflict_resource_ids(void **state) {
    (void)state;
    struct ecc_response_outcome outcome;
    assert_int_equal(
        s_classify(
            400,
            s_json_headers,
            "{\"__type\":\"ConflictException\",\"message\":\"token in use\",\"resourceIds\":[\"arn:a\",\"arn:b\"]}",
            NULL,
            &outcome),
        ECC_RESPONSE_ERROR);
    assert_true(outcome.error.resource_ids.has);
    assert_int_equal(outcome.error.resource_ids.count, 2);
    assert_string_equal(outcome.error.resource_ids.items[0], "arn:a");
    assert_string_equal(outcome.error.resource_ids.items[1], "arn:b");
    ecc_response_outcome_clean_up(&outcome);

    assert_int_equal(
        s_classify(400, s_json_headers, "{\"__type\":\"ConflictException\",\"resourceIds\":[]}", NULL, &outcome),
        ECC_RESPONSE_ERROR);
    assert_true(outcome.error.resource_ids.has);
    assert_int_equal(outcome.error.resource_ids.count, 0);
    ecc_response_outcome_clean_up(&outcome);

    /* on other errors resourceIds is an unknown member: ignored */
    assert_int_equal(
        s_classify(400, s_json_headers, "{\"__type\":\"ClientException\",\"resourceIds\":5}", NULL, &outcome),
        ECC_RESPONSE_ERROR);
    assert_false(outcome.error.resource_ids.has);
    ecc_response_outcome_clean_up(&outcome);

    s_expect_protocol_error(
        400,
        s_json_headers,
        "{\"__type\":\"ConflictException\",\"resourceIds\":\"arn:a\"}",
        NULL,
        ECC_PROTOCOL_SHAPE,
        "resourceIds");
    s_expect_protocol_error(
        400,
        s_json_headers,
        "{\"__type\":\"ConflictException\",\"resourceIds\":[\"a\",7]}",
        NULL,
        ECC_PROTOCOL_SHAPE,
        "resourceIds[1]");
}

static void test_unknown_error(void **state) {
    (void)state;
    struct ecc_response_outcome outcome;
    const char *const headers[] = {"X-Amzn-Errortype: aws.protocoltests.json#FooError:http://x/", NULL};
    assert_int_equal(s_classify(500, headers, NULL, NULL, &outcome), ECC_RESPONSE_UNKNOWN_ERROR);
    assert_null(outcome.error.info);
    assert_string_equal(outcome.error.type_raw, "aws.protocoltests.json#FooError:http://x/");
    assert_string_equal(outcome.error.type_name, "FooError");
    assert_int_equal(outcome.error.type_source, ECC_ERROR_TYPE_HEADER);
    assert_int_equal(outcome.error.http_status, 500);
    ecc_response_outcome_clean_up(&outcome);
    /* case matters: a lower-cased known name is unknown */
    assert_int_equal(
        s_classify(400, s_json_headers, "{\"__type\":\"clientexception\"}", NULL, &outcome),
        ECC_RESPONSE_UNKNOWN_ERROR);
    ecc_response_outcome_clean_up(&outcome);
}

/* Builds every table entry's answer with the codec, parses it back: same entry, the table's status. */
static void test_every_table_entry_round_trips(void **state) {
    (void)state;
    size_t count = 0;
    const struct ecc_error_info *table = ecc_errors_table(&count);
    for (size_t i = 0; i < count; i++) {
        struct ecc_http_response r;
        ecc_http_response_init(&r);
        struct ecc_string_list ids = {0};
        if (table[i].has_resource_ids) {
            assert_int_equal(ecc_string_list_append(&ids, "arn:aws:ecs:us-east-1:123456789012:task/c/1"), ECC_OK);
        }
        struct ecc_error_response_options options = {.info = &table[i], .resource_ids = &ids, .request_id = "rid-1"};
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_codec_build_error_response(&options, &r, &diag), ECC_OK);
        assert_int_equal(r.status, table[i].http_status);
        assert_string_equal(ecc_http_headers_get(&r.headers, "Content-Type"), "application/x-amz-json-1.1");
        assert_string_equal(ecc_http_headers_get(&r.headers, "X-Amzn-Requestid"), "rid-1");

        struct ecc_response_outcome outcome;
        ecc_response_outcome_init(&outcome);
        assert_int_equal(ecc_codec_classify_response(&r, NULL, &outcome), ECC_OK);
        assert_int_equal(outcome.kind, ECC_RESPONSE_ERROR);
        assert_ptr_equal(outcome.error.info, &table[i]);
        assert_int_equal(outcome.error.http_status, table[i].http_status);
        assert_string_equal(outcome.error.message, table[i].summary);
        assert_string_equal(outcome.error.request_id, "rid-1");
        assert_int_equal(outcome.error.resource_ids.has, table[i].has_resource_ids);
        ecc_response_outcome_clean_up(&outcome);
        ecc_string_list_clean_up(&ids);
        ecc_http_response_clean_up(&r);
    }
}

static void test_build_error_options(void **state) {
    (void)state;
    struct ecc_http_response r;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    ecc_http_response_init(&r);
    struct ecc_error_response_options none = {.message = "x"};
    assert_int_equal(ecc_codec_build_error_response(&none, &r, &diag), ECC_ERR_INVALID);
    assert_true(diag.text[0] != '\0');
    ecc_http_response_clean_up(&r);

    ecc_http_response_init(&r);
    struct ecc_error_response_options custom = {
        .type_name = "com.example#WeirdError", .http_status = 418, .message = "tea \"quoted\"\n"};
    assert_int_equal(ecc_codec_build_error_response(&custom, &r, &diag), ECC_OK);
    assert_int_equal(r.status, 418);
    assert_null(ecc_http_headers_get(&r.headers, "X-Amzn-Requestid"));
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    assert_int_equal(ecc_codec_classify_response(&r, NULL, &outcome), ECC_OK);
    assert_int_equal(outcome.kind, ECC_RESPONSE_UNKNOWN_ERROR);
    assert_string_equal(outcome.error.type_name, "WeirdError");
    assert_string_equal(outcome.error.message, "tea \"quoted\"\n");
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&r);

    /* non-UTF-8 message: refused, nothing half-built */
    ecc_http_response_init(&r);
    struct ecc_error_response_options bad = {.info = ecc_errors_get(ECC_ERROR_CLIENT), .message = "\xff\xfe"};
    assert_int_equal(ecc_codec_build_error_response(&bad, &r, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "message");
    assert_null(r.body);
    ecc_http_response_clean_up(&r);
}

static void test_success_bodies(void **state) {
    (void)state;
    const char *const headers[] = {"Content-Type: application/x-amz-json-1.1", "X-Amzn-Requestid: abc", NULL};
    struct {
        const char *body;
        bool tasks_has;
        bool failures_has;
    } cases[] = {
        {"", false, false},
        {"  \n", false, false},
        {"{}", false, false},
        {"{\"tasks\":null,\"failures\":null,\"unknown\":{\"deep\":[1,2,{\"x\":null}]}}", false, false},
        {"{\"tasks\":[],\"failures\":[]}", true, true},
        {"{\"failures\":[{\"arn\":\"arn:x\",\"reason\":\"MISSING\",\"detail\":null}]}", false, true},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        struct ecc_http_response r;
        s_response(&r, 200, headers, cases[i].body);
        struct ecc_response_outcome outcome;
        ecc_response_outcome_init(&outcome);
        struct ecc_run_task_response value;
        ecc_run_task_response_init(&value);
        assert_int_equal(ecc_codec_parse_run_task_response(&r, NULL, &outcome, &value), ECC_OK);
        assert_int_equal(outcome.kind, ECC_RESPONSE_SUCCESS);
        assert_true(json_is_object(outcome.body));
        assert_string_equal(outcome.request_id, "abc");
        assert_int_equal(value.tasks.has, cases[i].tasks_has);
        assert_int_equal(value.tasks.count, 0);
        assert_int_equal(value.failures.has, cases[i].failures_has);
        ecc_run_task_response_clean_up(&value);
        ecc_response_outcome_clean_up(&outcome);
        ecc_http_response_clean_up(&r);
    }
}

static void s_parse_ok(const char *body, struct ecc_run_task_response *value) {
    struct ecc_http_response r;
    s_response(&r, 200, s_json_headers, body);
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    ecc_run_task_response_init(value);
    assert_int_equal(ecc_codec_parse_run_task_response(&r, NULL, &outcome, value), ECC_OK);
    if (outcome.kind != ECC_RESPONSE_SUCCESS) {
        fail_msg("%s: %s", ecc_protocol_error_name(outcome.protocol_error), outcome.diag.text);
    }
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&r);
}

static void test_partial_failure_and_nulls(void **state) {
    (void)state;
    struct ecc_run_task_response v;
    s_parse_ok(
        "{\"tasks\":[],\"failures\":[{\"arn\":\"arn:aws:ecs:us-east-1:1:container-instance/x\","
        "\"reason\":\"RESOURCE:MEMORY\"},{\"reason\":\"MemberOf placement constraint unsatisfied.\"}]}",
        &v);
    assert_true(v.tasks.has);
    assert_int_equal(v.failures.count, 2);
    assert_string_equal(v.failures.items[0].reason, "RESOURCE:MEMORY");
    assert_null(v.failures.items[0].detail);
    assert_null(v.failures.items[1].arn);
    ecc_run_task_response_clean_up(&v);

    s_parse_ok(
        "{\"tasks\":[{\"taskArn\":null,\"version\":null,\"containers\":null,\"overrides\":null,\"tags\":null,"
        "\"createdAt\":null,\"enableExecuteCommand\":null,\"lastStatus\":\"PENDING\",\"newMember2030\":[1]}]}",
        &v);
    assert_int_equal(v.tasks.count, 1);
    struct ecc_task *t = &v.tasks.items[0];
    assert_null(t->task_arn);
    assert_false(t->has_version);
    assert_false(t->containers.has);
    assert_false(t->has_overrides);
    assert_false(t->tags.has);
    assert_false(t->has_created_at);
    assert_false(t->has_enable_execute_command);
    assert_string_equal(t->last_status, "PENDING");
    ecc_run_task_response_clean_up(&v);
}

static void test_timestamps(void **state) {
    (void)state;
    struct ecc_run_task_response v;
    s_parse_ok(
        "{\"tasks\":[{\"createdAt\":1576540098,\"startedAt\":946845296.123,"
        "\"stoppedAt\":\"2019-12-16T22:48:18-01:00\",\"stoppingAt\":\"2019-12-17T00:48:18+01:00\","
        "\"pullStartedAt\":\"2000-01-02T20:34:56.123Z\",\"containers\":[{\"managedAgents\":"
        "[{\"lastStartedAt\":\"2000-01-02T20:34:56Z\"}]}]}]}",
        &v);
    struct ecc_task *t = &v.tasks.items[0];
    assert_true(t->has_created_at && t->created_at == 1576540098.0);
    assert_true(t->has_started_at && t->started_at == 946845296.123);
    assert_true(t->has_stopped_at && t->stopped_at == 1576540098.0);
    assert_true(t->has_stopping_at && t->stopping_at == 1576540098.0);
    assert_true(t->has_pull_started_at && fabs(t->pull_started_at - 946845296.123) < 1e-6);
    assert_false(t->has_pull_stopped_at);
    assert_true(t->containers.items[0].managed_agents.items[0].last_started_at == 946845296.0);
    ecc_run_task_response_clean_up(&v);
}

static void test_fixture_values(void **state) {
    (void)state;
    struct ecc_run_task_response v;
    s_parse_ok(ecc_fixture_run_task_response, &v);
    assert_int_equal(v.tasks.count, 2);
    assert_true(v.failures.has);
    assert_int_equal(v.failures.count, 0);
    const struct ecc_task *t = &v.tasks.items[1];
    assert_string_equal(
        t->task_arn, "arn:aws:ecs:us-east-1:123456789012:task/ecsconf-ci/1a2b3c4d5e6f47819a0b1c2d3e4f5a6b");
    assert_true(t->created_at == 1732763105.456);
    assert_string_equal(t->attachments.items[0].type, "ElasticNetworkInterface");
    assert_int_equal(t->attachments.items[0].details.count, 5);
    assert_string_equal(t->attachments.items[0].details.items[1].name, "networkInterfaceId");
    assert_string_equal(t->attachments.items[0].details.items[1].value, "eni-0f1e2d3c4b5a69788");
    assert_int_equal(t->containers.count, 2);
    assert_string_equal(t->containers.items[0].network_interfaces.items[0].private_ipv4_address, "10.0.2.57");
    assert_string_equal(t->containers.items[0].managed_agents.items[0].name, "ExecuteCommandAgent");
    assert_false(t->containers.items[1].managed_agents.has);
    assert_true(t->has_overrides);
    assert_int_equal(t->overrides.container_overrides.count, 2);
    assert_string_equal(t->overrides.container_overrides.items[0].command.items[4], "2");
    assert_true(t->overrides.inference_accelerator_overrides.has);
    assert_int_equal(t->overrides.inference_accelerator_overrides.count, 0);
    assert_int_equal(t->tags.count, 3);
    assert_string_equal(t->tags.items[2].key, "shard");
    assert_true(t->has_version && t->version == 1);
    assert_true(t->has_enable_execute_command && t->enable_execute_command);
    assert_true(t->has_fargate_ephemeral_storage && t->fargate_ephemeral_storage.size_in_gib == 20);
    assert_null(t->stop_code);
    ecc_run_task_response_clean_up(&v);
}

/* serialize -> parse -> equal, on the realistic answer and on one that sets every member. */
static void s_round_trip(const struct ecc_run_task_response *value) {
    struct ecc_http_response r;
    ecc_http_response_init(&r);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_codec_build_run_task_response(value, "req-rt", &r, &diag), ECC_OK);
    assert_int_equal(r.status, 200);
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    struct ecc_run_task_response back;
    ecc_run_task_response_init(&back);
    assert_int_equal(ecc_codec_parse_run_task_response(&r, NULL, &outcome, &back), ECC_OK);
    assert_int_equal(outcome.kind, ECC_RESPONSE_SUCCESS);
    assert_true(ecc_run_task_response_equal(value, &back));
    ecc_run_task_response_clean_up(&back);
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&r);
}

static void test_round_trip_fixture(void **state) {
    (void)state;
    struct ecc_run_task_response v;
    s_parse_ok(ecc_fixture_run_task_response, &v);
    s_round_trip(&v);
    /* equality notices one changed member, and absent vs empty */
    struct ecc_run_task_response w;
    s_parse_ok(ecc_fixture_run_task_response, &w);
    assert_true(ecc_run_task_response_equal(&v, &w));
    w.tasks.items[1].created_at += 0.001;
    assert_false(ecc_run_task_response_equal(&v, &w));
    w.tasks.items[1].created_at = v.tasks.items[1].created_at;
    w.failures.has = false;
    assert_false(ecc_run_task_response_equal(&v, &w));
    ecc_run_task_response_clean_up(&w);
    ecc_run_task_response_clean_up(&v);
}

/* One task with every one of the 37 members and every nested member set. */
static const char s_every_member[] =
    "{\"tasks\":[{\"attachments\":[{\"id\":\"i\",\"type\":\"t\",\"status\":\"s\",\"details\":[{\"name\":\"n\","
    "\"value\":\"v\"}]}],\"attributes\":[{\"name\":\"n\",\"value\":\"v\",\"targetType\":\"container-instance\","
    "\"targetId\":\"x\"}],\"availabilityZone\":\"az\",\"capacityProviderName\":\"FARGATE_SPOT\","
    "\"clusterArn\":\"c\",\"connectivity\":\"CONNECTED\",\"connectivityAt\":1.5,\"containerInstanceArn\":\"ci\","
    "\"containers\":[{\"containerArn\":\"a\",\"taskArn\":\"t\",\"name\":\"n\",\"image\":\"i\",\"imageDigest\":"
    "\"sha256:0\",\"runtimeId\":\"r\",\"lastStatus\":\"STOPPED\",\"exitCode\":-1,\"reason\":\"OOM\","
    "\"networkBindings\":[{\"bindIP\":\"0.0.0.0\",\"containerPort\":80,\"hostPort\":0,\"protocol\":\"tcp\","
    "\"containerPortRange\":\"80-81\",\"hostPortRange\":\"8080-8081\"}],\"networkInterfaces\":[{\"attachmentId\":"
    "\"a\",\"privateIpv4Address\":\"10.0.0.1\",\"ipv6Address\":\"::1\"}],\"healthStatus\":\"HEALTHY\","
    "\"managedAgents\":[{\"lastStartedAt\":2.25,\"name\":\"ExecuteCommandAgent\",\"reason\":\"r\","
    "\"lastStatus\":\"RUNNING\"}],\"cpu\":\"1\",\"memory\":\"2\",\"memoryReservation\":\"3\",\"gpuIds\":[\"g0\"],"
    "\"neuronDeviceIds\":[]}],\"cpu\":\"256\",\"createdAt\":1732763105.123456,\"desiredStatus\":\"STOPPED\","
    "\"enableExecuteCommand\":false,\"executionStoppedAt\":3,\"group\":\"g\",\"healthStatus\":\"UNKNOWN\","
    "\"inferenceAccelerators\":[{\"deviceName\":\"d\",\"deviceType\":\"eia2.medium\"}],\"lastStatus\":\"STOPPED\","
    "\"launchType\":\"EC2\",\"memory\":\"512\",\"overrides\":{\"containerOverrides\":[{\"name\":\"n\",\"command\":[],"
    "\"environment\":[{\"name\":\"A\",\"value\":\"\"}],\"environmentFiles\":[{\"value\":\"arn:s3\",\"type\":\"s3\"}],"
    "\"cpu\":1,\"memory\":2,\"memoryReservation\":3,\"resourceRequirements\":[{\"value\":\"1\",\"type\":\"GPU\"}]}],"
    "\"cpu\":\"1\",\"inferenceAcceleratorOverrides\":[{\"deviceName\":\"d\",\"deviceType\":\"t\"}],"
    "\"executionRoleArn\":\"e\",\"memory\":\"2\",\"taskRoleArn\":\"r\",\"ephemeralStorage\":{\"sizeInGiB\":21}},"
    "\"platformVersion\":\"1.4.0\",\"platformFamily\":\"Linux\",\"pullStartedAt\":4,\"pullStoppedAt\":5.5,"
    "\"startedAt\":6,\"startedBy\":\"me\",\"stopCode\":\"EssentialContainerExited\",\"stoppedAt\":7,"
    "\"stoppedReason\":\"done\",\"stoppingAt\":8,\"tags\":[{\"key\":\"k\",\"value\":\"\"}],\"taskArn\":\"ta\","
    "\"taskDefinitionArn\":\"td\",\"version\":9007199254740993,\"ephemeralStorage\":{\"sizeInGiB\":30},"
    "\"fargateEphemeralStorage\":{\"sizeInGiB\":30,\"kmsKeyId\":\"k\"}}],\"failures\":[{\"arn\":\"a\","
    "\"reason\":\"r\",\"detail\":\"d\"}]}";

static void test_round_trip_every_member(void **state) {
    (void)state;
    struct ecc_run_task_response v;
    s_parse_ok(s_every_member, &v);
    const struct ecc_task *t = &v.tasks.items[0];
    assert_true(t->version == 9007199254740993LL);
    assert_true(t->containers.items[0].has_exit_code && t->containers.items[0].exit_code == -1);
    assert_true(t->containers.items[0].neuron_device_ids.has);
    assert_true(t->created_at == 1732763105.123456);
    assert_string_equal(t->stop_code, "EssentialContainerExited");
    s_round_trip(&v);

    /* Each member survives: the JSON written back has the same tree as the input. */
    struct ecc_buf buf;
    ecc_buf_init(&buf, 1 << 20);
    struct ecc_diag diag;
    assert_int_equal(ecc_codec_write_run_task_response(&buf, &v, &diag), ECC_OK);
    json_t *written = json_loads(buf.data, 0, NULL);
    json_t *original = json_loads(s_every_member, 0, NULL);
    assert_non_null(written);
    assert_non_null(original);
    assert_true(json_equal(written, original));
    json_decref(written);
    json_decref(original);
    ecc_buf_clean_up(&buf);
    ecc_run_task_response_clean_up(&v);
}

/* The reference the task writer must match: an integer when whole, else the shortest of %.15g-%.17g
 * that reads back to the same double. */
static void s_reference_time(double value, char *text, size_t size) {
    if (value == floor(value) && fabs(value) < 9007199254740992.0) {
        snprintf(text, size, "%.0f", value);
        return;
    }
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(text, size, "%.*g", precision, value);
        if (strtod(text, NULL) == value) {
            return;
        }
    }
}

/* The writer's timestamps (a millisecond fast path, snprintf otherwise) against the reference. */
static void test_write_timestamps_match_reference(void **state) {
    (void)state;
    static const double fixed[] = {0.0,           -0.0,           0.001,          0.5,
                                   1.0,           -1.5,           -0.001,         1e-5,
                                   1e11 + 0.001,  1e12 - 0.001,   1e12 + 0.5,     1e13 + 0.001,
                                   5e14 + 0.125,  9e15 + 0.5,     1e15,           1732763105.12,
                                   1732763105.1,  1732763105.105, 1732763105.005, 1732763105.123456,
                                   946845296.123, 1e300,          2.5e-300,       9007199254740993.0};
    uint64_t rng = 0x9e3779b97f4a7c15ULL;
    struct ecc_buf buf;
    ecc_buf_init(&buf, 1 << 20);
    size_t count = ECC_ARRAY_LEN(fixed) + 20000;
    for (size_t i = 0; i < count; i++) {
        double value;
        if (i < ECC_ARRAY_LEN(fixed)) {
            value = fixed[i];
        } else {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            /* Half whole milliseconds over many magnitudes, half arbitrary fractions. */
            int64_t ms = (int64_t)(rng % 4000000000000000000ULL) >> (rng % 60);
            value = i % 2 ? (double)ms / 1000.0 : (double)ms / 1000.0 + (double)(rng % 997) / 1e7;
            if (i % 7 == 0) {
                value = -value;
            }
        }
        struct ecc_task task;
        memset(&task, 0, sizeof(task));
        task.has_created_at = true;
        task.created_at = value;
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        buf.len = 0;
        assert_int_equal(ecc_codec_write_task(&buf, &task, &diag), ECC_OK);
        char want[64];
        char expected[96];
        s_reference_time(value, want, sizeof(want));
        snprintf(expected, sizeof(expected), "{\"createdAt\":%s}", want);
        if (strcmp(buf.data, expected) != 0) {
            fail_msg("%.17g: wrote %s, expected %s", value, buf.data, expected);
        }
    }
    ecc_buf_clean_up(&buf);
}

static void test_write_failures_and_task(void **state) {
    (void)state;
    struct ecc_run_task_response v;
    s_parse_ok(s_every_member, &v);
    struct ecc_buf buf;
    ecc_buf_init(&buf, 1 << 20);
    struct ecc_diag diag;
    assert_int_equal(ecc_codec_write_failures(&buf, &v.failures, &diag), ECC_OK);
    assert_string_equal(buf.data, "[{\"arn\":\"a\",\"reason\":\"r\",\"detail\":\"d\"}]");
    ecc_buf_reset(&buf);
    struct ecc_failure_list none = {0};
    assert_int_equal(ecc_codec_write_failures(&buf, &none, &diag), ECC_OK);
    assert_string_equal(buf.data, "[]");
    ecc_buf_reset(&buf);
    struct ecc_task empty;
    ecc_task_init(&empty);
    assert_int_equal(ecc_codec_write_task(&buf, &empty, &diag), ECC_OK);
    assert_string_equal(buf.data, "{}");

    /* a non-UTF-8 string deep inside: refused with its path, buffer as it was */
    ecc_buf_reset(&buf);
    assert_int_equal(ecc_buf_append_str(&buf, "prefix"), ECC_OK);
    free(v.tasks.items[0].containers.items[0].image);
    v.tasks.items[0].containers.items[0].image = ecc_strdup("bad\xc3");
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_codec_write_run_task_response(&buf, &v, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "tasks[0].containers[0].image");
    assert_string_equal(buf.data, "prefix");
    free(v.tasks.items[0].containers.items[0].image);
    v.tasks.items[0].containers.items[0].image = NULL;
    /* ... also inside a shape the request codec writes for both sides */
    struct ecc_key_value_pair *env = &v.tasks.items[0].overrides.container_overrides.items[0].environment.items[0];
    char *saved = env->value;
    env->value = "bad\xc3";
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_codec_write_run_task_response(&buf, &v, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "tasks[0].overrides.containerOverrides[0].environment[0].value");
    assert_string_equal(diag.text, "string is not valid UTF-8");
    env->value = saved;
    /* the buffer's cap holds */
    struct ecc_buf small;
    ecc_buf_init(&small, 100);
    assert_int_equal(ecc_codec_write_run_task_response(&small, &v, &diag), ECC_ERR_LIMIT);
    assert_int_equal(small.len, 0);
    ecc_buf_clean_up(&small);
    ecc_buf_clean_up(&buf);
    ecc_run_task_response_clean_up(&v);
}

/* Parses `body`; expects a shape error at `path`, and nothing leaked (ASan checks). */
static void s_expect_shape_error(const char *body, const char *path) {
    struct ecc_http_response r;
    s_response(&r, 200, s_json_headers, body);
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    struct ecc_run_task_response value;
    ecc_run_task_response_init(&value);
    assert_int_equal(ecc_codec_parse_run_task_response(&r, NULL, &outcome, &value), ECC_OK);
    if (outcome.kind != ECC_RESPONSE_PROTOCOL_ERROR || outcome.protocol_error != ECC_PROTOCOL_SHAPE) {
        fail_msg("%s: expected a shape error at %s, got %s", body, path, ecc_response_kind_name(outcome.kind));
    }
    if (strcmp(outcome.diag.path, path) != 0) {
        fail_msg("%s: expected path %s, got %s (%s)", body, path, outcome.diag.path, outcome.diag.text);
    }
    assert_non_null(strstr(outcome.diag.text, path));
    assert_false(value.tasks.has);
    assert_false(value.failures.has);
    ecc_run_task_response_clean_up(&value);
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&r);
}

/* Every Task member with a value of the wrong type. */
static void test_wrong_type_every_task_member(void **state) {
    (void)state;
    static const char *const strings[] = {
        "availabilityZone",
        "capacityProviderName",
        "clusterArn",
        "connectivity",
        "containerInstanceArn",
        "cpu",
        "desiredStatus",
        "group",
        "healthStatus",
        "lastStatus",
        "launchType",
        "memory",
        "platformVersion",
        "platformFamily",
        "startedBy",
        "stopCode",
        "stoppedReason",
        "taskArn",
        "taskDefinitionArn"};
    static const char *const timestamps[] = {
        "connectivityAt",
        "createdAt",
        "executionStoppedAt",
        "pullStartedAt",
        "pullStoppedAt",
        "startedAt",
        "stoppedAt",
        "stoppingAt"};
    static const char *const lists[] = {"attachments", "attributes", "containers", "inferenceAccelerators", "tags"};
    static const char *const structs[] = {"overrides", "ephemeralStorage", "fargateEphemeralStorage"};
    char body[256];
    char path[128];
    size_t members = 0;
    for (size_t i = 0; i < ECC_ARRAY_LEN(strings); i++, members++) {
        snprintf(body, sizeof(body), "{\"tasks\":[{\"%s\":5}]}", strings[i]);
        snprintf(path, sizeof(path), "tasks[0].%s", strings[i]);
        s_expect_shape_error(body, path);
    }
    for (size_t i = 0; i < ECC_ARRAY_LEN(timestamps); i++, members++) {
        snprintf(body, sizeof(body), "{\"tasks\":[{\"%s\":\"yesterday\"}]}", timestamps[i]);
        snprintf(path, sizeof(path), "tasks[0].%s", timestamps[i]);
        s_expect_shape_error(body, path);
        snprintf(body, sizeof(body), "{\"tasks\":[{\"%s\":true}]}", timestamps[i]);
        s_expect_shape_error(body, path);
    }
    for (size_t i = 0; i < ECC_ARRAY_LEN(lists); i++, members++) {
        snprintf(body, sizeof(body), "{\"tasks\":[{\"%s\":{}}]}", lists[i]);
        snprintf(path, sizeof(path), "tasks[0].%s", lists[i]);
        s_expect_shape_error(body, path);
        snprintf(body, sizeof(body), "{\"tasks\":[{\"%s\":[7]}]}", lists[i]);
        snprintf(path, sizeof(path), "tasks[0].%s[0]", lists[i]);
        s_expect_shape_error(body, path);
    }
    for (size_t i = 0; i < ECC_ARRAY_LEN(structs); i++, members++) {
        snprintf(body, sizeof(body), "{\"tasks\":[{\"%s\":[]}]}", structs[i]);
        snprintf(path, sizeof(path), "tasks[0].%s", structs[i]);
        s_expect_shape_error(body, path);
    }
    s_expect_shape_error("{\"tasks\":[{\"enableExecuteCommand\":\"true\"}]}", "tasks[0].enableExecuteCommand");
    s_expect_shape_error("{\"tasks\":[{\"version\":1.5}]}", "tasks[0].version");
    s_expect_shape_error("{\"tasks\":[{\"version\":\"1\"}]}", "tasks[0].version");
    members += 2;
    assert_int_equal(members, 37);

    /* nested members, and the two top-level lists */
    s_expect_shape_error("{\"tasks\":5}", "tasks");
    s_expect_shape_error("{\"failures\":{}}", "failures");
    s_expect_shape_error("{\"tasks\":[null]}", "tasks[0]");
    s_expect_shape_error("{\"failures\":[{\"reason\":[]}]}", "failures[0].reason");
    s_expect_shape_error(
        "{\"tasks\":[{},{\"containers\":[{\"exitCode\":2147483648}]}]}", "tasks[1].containers[0].exitCode");
    s_expect_shape_error("{\"tasks\":[{\"containers\":[{\"gpuIds\":[\"a\",1]}]}]}", "tasks[0].containers[0].gpuIds[1]");
    s_expect_shape_error(
        "{\"tasks\":[{\"containers\":[{\"networkBindings\":[{\"hostPort\":\"80\"}]}]}]}",
        "tasks[0].containers[0].networkBindings[0].hostPort");
    s_expect_shape_error(
        "{\"tasks\":[{\"containers\":[{\"managedAgents\":[{\"lastStartedAt\":{}}]}]}]}",
        "tasks[0].containers[0].managedAgents[0].lastStartedAt");
    s_expect_shape_error(
        "{\"tasks\":[{\"attachments\":[{\"details\":[{\"name\":1}]}]}]}", "tasks[0].attachments[0].details[0].name");
    s_expect_shape_error(
        "{\"tasks\":[{\"overrides\":{\"containerOverrides\":[{\"cpu\":\"1\"}]}}]}",
        "tasks[0].overrides.containerOverrides[0].cpu");
    s_expect_shape_error("{\"tasks\":[{\"tags\":[{\"key\":false}]}]}", "tasks[0].tags[0].key");
    s_expect_shape_error(
        "{\"tasks\":[{\"fargateEphemeralStorage\":{\"kmsKeyId\":1}}]}", "tasks[0].fargateEphemeralStorage.kmsKeyId");
}

static void test_hostile_bodies(void **state) {
    (void)state;
    /* deep nesting: jansson's depth limit turns it into a JSON error, never a stack overflow */
    size_t depth = 100000;
    char *deep = malloc(2 * depth + 16);
    assert_non_null(deep);
    strcpy(deep, "{\"tasks\":");
    size_t n = strlen(deep);
    memset(deep + n, '[', depth);
    memset(deep + n + depth, ']', depth);
    strcpy(deep + n + 2 * depth, "}");
    struct ecc_response_outcome outcome;
    assert_int_equal(s_classify(200, s_json_headers, deep, NULL, &outcome), ECC_RESPONSE_PROTOCOL_ERROR);
    assert_int_equal(outcome.protocol_error, ECC_PROTOCOL_NOT_JSON);
    ecc_response_outcome_clean_up(&outcome);
    free(deep);

    /* nesting within jansson's limit but inside an unknown member: ignored */
    assert_int_equal(
        s_classify(
            200,
            s_json_headers,
            "{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
            NULL,
            &outcome),
        ECC_RESPONSE_SUCCESS);
    ecc_response_outcome_clean_up(&outcome);

    /* a huge string, inside and over the cap */
    size_t big = 600 * 1024;
    char *huge = malloc(big + 64);
    assert_non_null(huge);
    strcpy(huge, "{\"tasks\":[{\"stoppedReason\":\"");
    n = strlen(huge);
    memset(huge + n, 'x', big);
    strcpy(huge + n + big, "\"}]}");
    struct ecc_run_task_response v;
    s_parse_ok(huge, &v);
    assert_int_equal(strlen(v.tasks.items[0].stopped_reason), big);
    ecc_run_task_response_clean_up(&v);
    struct ecc_codec_response_options options = {.max_body_bytes = 512 * 1024};
    s_expect_protocol_error(200, s_json_headers, huge, &options, ECC_PROTOCOL_TOO_LARGE, "cap");
    free(huge);

    /* too many items in one list */
    struct ecc_buf many;
    ecc_buf_init(&many, 1 << 20);
    assert_int_equal(ecc_buf_append_str(&many, "{\"tasks\":[{}"), ECC_OK);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(ecc_buf_append_str(&many, ",{}"), ECC_OK);
    }
    assert_int_equal(ecc_buf_append_str(&many, "]}"), ECC_OK);
    s_expect_shape_error(many.data, "tasks");
    ecc_buf_clean_up(&many);

    /* \u0000 is refused (model strings are C strings), invalid UTF-8 too: JSON errors that say so */
    s_expect_protocol_error(
        400, s_json_headers, "{\"__type\":\"Foo\\u0000Bar\"}", NULL, ECC_PROTOCOL_NOT_JSON, "u0000");
    s_expect_protocol_error(200, s_json_headers, "{\"a\":\"\xff\"}", NULL, ECC_PROTOCOL_NOT_JSON, "not JSON");
    /* binary garbage */
    s_expect_protocol_error(200, s_json_headers, "\x01\x02\x03", NULL, ECC_PROTOCOL_NOT_JSON, "not JSON");
}

/* Parses `body` (len bytes) as a 200 answer; returns whether it was a success. Either way the outcome
 * must be consistent: a protocol error has a class and a message, and leaves the model empty. */
static bool s_parse_anything(const char *body, size_t len) {
    struct ecc_http_response r;
    s_response(&r, 200, s_json_headers, NULL);
    assert_int_equal(ecc_http_response_set_body(&r, body, len), ECC_OK);
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    struct ecc_run_task_response value;
    ecc_run_task_response_init(&value);
    assert_int_equal(ecc_codec_parse_run_task_response(&r, NULL, &outcome, &value), ECC_OK);
    assert_true(outcome.kind == ECC_RESPONSE_SUCCESS || outcome.kind == ECC_RESPONSE_PROTOCOL_ERROR);
    if (outcome.kind == ECC_RESPONSE_PROTOCOL_ERROR) {
        assert_true(outcome.protocol_error != ECC_PROTOCOL_NONE);
        assert_true(outcome.diag.text[0] != '\0');
        assert_false(value.tasks.has);
    }
    bool success = outcome.kind == ECC_RESPONSE_SUCCESS;
    ecc_run_task_response_clean_up(&value);
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&r);
    return success;
}

/* Every prefix of the realistic answer, and seeded random byte changes: no crash, no leak (ASan). */
static void test_mutated_fixture(void **state) {
    (void)state;
    size_t len = strlen(ecc_fixture_run_task_response);
    for (size_t cut = 0; cut < len; cut += 7) {
        /* a prefix is never a complete answer, except the empty body */
        assert_int_equal(s_parse_anything(ecc_fixture_run_task_response, cut), cut == 0);
    }
    static const char alphabet[] = "{}[]\",:0123456789.-eEtrufalsn \\\x00\xff";
    char *copy = malloc(len);
    assert_non_null(copy);
    uint32_t seed = 12345;
    size_t successes = 0;
    for (int round = 0; round < 1500; round++) {
        memcpy(copy, ecc_fixture_run_task_response, len);
        int changes = 1 + round % 4;
        for (int i = 0; i < changes; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            copy[at] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
        }
        successes += s_parse_anything(copy, len);
    }
    /* some mutations stay valid (inside strings), most do not: both paths were exercised */
    assert_true(successes > 0 && successes < 1500);
    free(copy);
}

static void test_names(void **state) {
    (void)state;
    for (int i = ECC_PROTOCOL_NONE; i <= ECC_PROTOCOL_SHAPE; i++) {
        assert_string_not_equal(ecc_protocol_error_name((enum ecc_protocol_error)i), "unknown");
    }
    for (int i = ECC_RESPONSE_SUCCESS; i <= ECC_RESPONSE_PROTOCOL_ERROR; i++) {
        assert_string_not_equal(ecc_response_kind_name((enum ecc_response_kind)i), "unknown");
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_protocol_bad_status),
        cmocka_unit_test(test_protocol_size_cap),
        cmocka_unit_test(test_protocol_truncated),
        cmocka_unit_test(test_protocol_html_body),
        cmocka_unit_test(test_protocol_content_type),
        cmocka_unit_test(test_protocol_not_json),
        cmocka_unit_test(test_protocol_error_on_success),
        cmocka_unit_test(test_protocol_no_error_type),
        cmocka_unit_test(test_known_error),
        cmocka_unit_test(test_conflict_resource_ids),
        cmocka_unit_test(test_unknown_error),
        cmocka_unit_test(test_every_table_entry_round_trips),
        cmocka_unit_test(test_build_error_options),
        cmocka_unit_test(test_success_bodies),
        cmocka_unit_test(test_partial_failure_and_nulls),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_fixture_values),
        cmocka_unit_test(test_round_trip_fixture),
        cmocka_unit_test(test_round_trip_every_member),
        cmocka_unit_test(test_write_failures_and_task),
        cmocka_unit_test(test_write_timestamps_match_reference),
        cmocka_unit_test(test_wrong_type_every_task_member),
        cmocka_unit_test(test_hostile_bodies),
        cmocka_unit_test(test_mutated_fixture),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

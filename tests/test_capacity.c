/*
 * EC2 capacity (capacity.h): the requests and the reading of EC2's answers, then the runner's capacity
 * hook end to end against a small endpoint that behaves like moto where it matters (EC2 RunInstances
 * answers XML with instance ids, ECS RegisterContainerInstance takes an identity document, RunTask places
 * only on registered instances). The endpoint logs every call, so the tests check what was sent, how it
 * was signed, and that the cleanup takes away what the hook gave, in order.
 */
#include "test_support.h"

#include "ecc/capacity.h"
#include "ecc/runner.h"
#include "ecc/server.h"

#include <pthread.h>

/* ---- the requests and answers --------------------------------------------------------------------- */

static void s_set_body(struct ecc_http_response *response, int status, const char *text) {
    response->status = status;
    assert_int_equal(ecc_http_response_set_body(response, text, strlen(text)), ECC_OK);
}

static void test_run_instances_request(void **state) {
    (void)state;
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    struct ecc_diag diag;
    assert_int_equal(ecc_capacity_build_run_instances(&request, 3, "ecc01-case a&b", &diag), ECC_OK);
    assert_string_equal(request.method, "POST");
    assert_string_equal(request.path, "/");
    assert_non_null(strstr(ecc_http_headers_get(&request.headers, "Content-Type"), "x-www-form-urlencoded"));
    const char *body = (const char *)request.body;
    assert_non_null(strstr(body, "Action=RunInstances&Version=" ECC_CAPACITY_EC2_VERSION "&"));
    assert_non_null(strstr(body, "&MinCount=3&MaxCount=3&"));
    assert_non_null(strstr(body, "&ImageId=" ECC_CAPACITY_IMAGE_ID "&"));
    /* The tag value is form-escaped. */
    assert_non_null(strstr(body, "TagSpecification.1.Tag.1.Value=ecc01-case%20a%26b"));
    ecc_http_request_clean_up(&request);

    ecc_http_request_init(&request);
    assert_int_equal(ecc_capacity_build_run_instances(&request, 0, "x", &diag), ECC_ERR_INVALID);
    assert_int_equal(
        ecc_capacity_build_run_instances(&request, ECC_CAPACITY_MAX_INSTANCES + 1, "x", &diag), ECC_ERR_INVALID);
    ecc_http_request_clean_up(&request);

    json_t *ids = json_pack("[s,s]", "i-0a", "i-0b");
    ecc_http_request_init(&request);
    assert_int_equal(ecc_capacity_build_terminate_instances(&request, ids, &diag), ECC_OK);
    assert_string_equal(
        (const char *)request.body,
        "Action=TerminateInstances&Version=" ECC_CAPACITY_EC2_VERSION "&InstanceId.1=i-0a&InstanceId.2=i-0b");
    ecc_http_request_clean_up(&request);
    json_decref(ids);
    json_t *empty = json_array();
    ecc_http_request_init(&request);
    assert_int_equal(ecc_capacity_build_terminate_instances(&request, empty, &diag), ECC_ERR_INVALID);
    ecc_http_request_clean_up(&request);
    json_decref(empty);

    json_t *body_json = ecc_capacity_register_body("c1", "i-0a");
    assert_string_equal(json_string_value(json_object_get(body_json, "cluster")), "c1");
    json_t *document = json_loads(json_string_value(json_object_get(body_json, "instanceIdentityDocument")), 0, NULL);
    assert_string_equal(json_string_value(json_object_get(document, "instanceId")), "i-0a");
    json_decref(document);
    json_decref(body_json);
}

static void test_read_instance_ids(void **state) {
    (void)state;
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    s_set_body(
        &response,
        200,
        "<RunInstancesResponse><instancesSet><item><instanceId>i-0123abcd</instanceId><x/></item>"
        "<item><instanceId>i-0456ef01</instanceId></item></instancesSet></RunInstancesResponse>");
    json_t *ids = NULL;
    struct ecc_diag diag;
    assert_int_equal(ecc_capacity_read_instance_ids(&response, 2, &ids, &diag), ECC_OK);
    assert_int_equal(json_array_size(ids), 2);
    assert_string_equal(json_string_value(json_array_get(ids, 0)), "i-0123abcd");
    assert_string_equal(json_string_value(json_array_get(ids, 1)), "i-0456ef01");
    json_decref(ids);
    /* Fewer ids than asked for: not found, nothing returned. */
    assert_int_equal(ecc_capacity_read_instance_ids(&response, 3, &ids, &diag), ECC_ERR_NOT_FOUND);
    assert_null(ids);
    assert_non_null(strstr(diag.text, "2 instance id(s), 3 expected"));
    /* An EC2 error answer: the status and EC2's code. */
    s_set_body(
        &response,
        400,
        "<Response><Errors><Error><Code>InvalidAMIID.NotFound</Code><Message>no</Message></Error></Errors></Response>");
    assert_int_equal(ecc_capacity_read_instance_ids(&response, 1, &ids, &diag), ECC_ERR_INVALID);
    assert_null(ids);
    assert_string_equal(diag.text, "RunInstances answered HTTP 400 InvalidAMIID.NotFound");
    /* An id that is not an instance id is not taken. */
    s_set_body(&response, 200, "<instanceId>vol-0123</instanceId>");
    assert_int_equal(ecc_capacity_read_instance_ids(&response, 1, &ids, &diag), ECC_ERR_NOT_FOUND);
    ecc_http_response_clean_up(&response);
}

/* ---- the runner's hook against a moto-like endpoint ----------------------------------------------- */

struct s_endpoint {
    pthread_mutex_t mutex;
    bool fail_ec2;           /* RunInstances answers an EC2 error */
    json_t *log;             /* ["RunInstances 2", "Register i-...", ...] in order */
    json_t *registered;      /* instance ids registered and not deregistered */
    unsigned unsigned_calls; /* calls without a signature for the right service */
    unsigned next_id;
};

/* Logs "WHAT DETAIL" (or "WHAT" when `detail` is NULL). */
static void s_log(struct s_endpoint *e, const char *what, const char *detail) {
    char line[200];
    snprintf(line, sizeof(line), "%s%s%s", what, detail ? " " : "", detail ? detail : "");
    json_array_append_new(e->log, json_string(line));
}

static bool s_signed_for(const struct ecc_http_request *request, const char *service) {
    const char *authorization = ecc_http_headers_get(&request->headers, "Authorization");
    char scope[64];
    snprintf(scope, sizeof(scope), "/%s/aws4_request", service);
    return authorization && strstr(authorization, scope);
}

static void s_ec2(struct s_endpoint *e, const struct ecc_http_request *request, struct ecc_http_response *response) {
    const char *body = (const char *)request->body;
    if (!s_signed_for(request, "ec2")) {
        e->unsigned_calls++;
    }
    if (strstr(body, "Action=RunInstances")) {
        const char *count_text = strstr(body, "MinCount=");
        unsigned count = count_text ? (unsigned)atoi(count_text + 9) : 0;
        s_log(e, "RunInstances", count == 2 ? "2" : "?");
        if (e->fail_ec2) {
            s_set_body(
                response, 400, "<Response><Errors><Error><Code>InsufficientInstanceCapacity</Code></Error></Errors>");
            return;
        }
        char xml[1024] = "<RunInstancesResponse><instancesSet>";
        for (unsigned i = 0; i < count && i < 4; i++) {
            char item[128];
            snprintf(item, sizeof(item), "<item><instanceId>i-%08x</instanceId></item>", 0xa000u + e->next_id++);
            strcat(xml, item);
        }
        strcat(xml, "</instancesSet></RunInstancesResponse>");
        s_set_body(response, 200, xml);
    } else if (strstr(body, "Action=TerminateInstances")) {
        s_log(e, "TerminateInstances", strstr(body, "InstanceId."));
        s_set_body(response, 200, "<TerminateInstancesResponse/>");
    } else {
        s_set_body(response, 400, "<Response><Errors><Error><Code>InvalidAction</Code></Error></Errors>");
    }
}

static void s_ecs(
    struct s_endpoint *e,
    const char *operation,
    const struct ecc_http_request *request,
    struct ecc_http_response *response) {
    if (!s_signed_for(request, "ecs")) {
        e->unsigned_calls++;
    }
    json_t *body = json_loadb((const char *)request->body, request->body_len, 0, NULL);
    char *answer = NULL;
    if (strcmp(operation, "RegisterContainerInstance") == 0) {
        json_t *document = json_loads(json_string_value(json_object_get(body, "instanceIdentityDocument")), 0, NULL);
        const char *id = json_string_value(json_object_get(document, "instanceId"));
        s_log(e, "Register", id ? id : "?");
        json_array_append_new(e->registered, json_string(id ? id : "?"));
        json_t *packed = json_pack(
            "{s:{s:s+}}",
            "containerInstance",
            "containerInstanceArn",
            "arn:aws:ecs:us-east-1:000000000000:container-instance/c/",
            id ? id : "?");
        answer = json_dumps(packed, JSON_COMPACT);
        json_decref(packed);
        json_decref(document);
    } else if (strcmp(operation, "DeregisterContainerInstance") == 0) {
        const char *arn = json_string_value(json_object_get(body, "containerInstance"));
        const char *id = arn ? strrchr(arn, '/') + 1 : "?";
        char detail[100];
        snprintf(detail, sizeof(detail), "%s%s", id, json_is_true(json_object_get(body, "force")) ? " force" : "");
        s_log(e, "Deregister", detail);
        size_t i;
        json_t *value;
        json_array_foreach(e->registered, i, value) {
            if (strcmp(json_string_value(value), id) == 0) {
                json_array_remove(e->registered, i);
                break;
            }
        }
        answer = strdup("{}");
    } else if (strcmp(operation, "RunTask") == 0) {
        /* As moto: placement needs a registered container instance. */
        s_log(e, "RunTask", json_array_size(e->registered) ? "placed" : "no instance");
        answer = strdup(
            json_array_size(e->registered)
                ? "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/c/"
                  "0123456789abcdef0123456789abcdef\"}]}"
                : "{\"tasks\":[],\"failures\":[{\"reason\":\"No Container Instances were found in your cluster.\"}]}");
    } else {
        s_log(e, operation, NULL);
        answer = strdup("{}");
    }
    response->status = 200;
    assert_int_equal(ecc_http_headers_add(&response->headers, "Content-Type", "application/x-amz-json-1.1"), ECC_OK);
    assert_int_equal(ecc_http_response_set_body(response, answer, strlen(answer)), ECC_OK);
    free(answer);
    json_decref(body);
}

static void s_handler(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    struct s_endpoint *e = user_data;
    pthread_mutex_lock(&e->mutex);
    const char *target = ecc_http_headers_get(&request->headers, "X-Amz-Target");
    const char *dot = target ? strchr(target, '.') : NULL;
    if (dot) {
        s_ecs(e, dot + 1, request, response);
    } else {
        s_ec2(e, request, response);
    }
    pthread_mutex_unlock(&e->mutex);
}

static const char *s_case = "{\"id\":\"ec2\",\"title\":\"t\",\"steps\":["
                            "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"}},"
                            "{\"call\":\"RunTask\",\"body\":{\"cluster\":\"${cluster}\",\"taskDefinition\":\"f\"},"
                            "\"expect\":{\"body\":{\"/tasks\":{\"length\":1}}}}]}";

/* Runs the one case with `instances` per cluster against the endpoint; returns its result and reason. */
static enum ecc_result s_run_case(struct s_endpoint *e, unsigned instances, char *reason, size_t reason_size) {
    struct ecc_diag diag;
    struct ecc_server *server = ecc_server_new(NULL, s_handler, e, &diag);
    assert_non_null(server);
    struct ecc_suite suite;
    ecc_suite_init(&suite);
    suite.cases = calloc(1, sizeof(*suite.cases));
    suite.capacity = 1;
    assert_int_equal(
        ecc_case_load_bytes(
            (const uint8_t *)s_case, strlen(s_case), "inline", "t", &suite.fixtures, &suite.cases[0], &diag),
        ECC_OK);
    suite.count = 1;
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    assert_int_equal(ecc_credentials_set(&credentials, "AKIDTEST", "secret", NULL, &diag), ECC_OK);
    struct ecc_runner_options options;
    ecc_runner_options_init(&options);
    options.endpoint_url = ecc_server_url(server);
    options.region = "us-east-1";
    options.credentials = &credentials;
    options.prefix = "ecctest0002";
    options.transport.timeout_ms = 10000;
    options.ec2_instances_per_cluster = instances;
    struct ecc_plan_options plan_options = {.loopback = true, .seed = 1};
    struct ecc_plan plan;
    assert_int_equal(ecc_plan_build(&plan, &suite, &plan_options), ECC_OK);
    struct ecc_run_report report;
    assert_int_equal(ecc_run_report_init(&report, options.endpoint_url, "moto", options.prefix, 1), ECC_OK);
    assert_int_equal(ecc_runner_run(&plan, &options, &report, &diag), ECC_OK);
    assert_int_equal(report.count, 1);
    enum ecc_result result = report.cases[0].result;
    snprintf(reason, reason_size, "%s", report.cases[0].reason ? report.cases[0].reason : "");
    ecc_run_report_clean_up(&report);
    ecc_plan_clean_up(&plan);
    ecc_suite_clean_up(&suite);
    ecc_credentials_clean_up(&credentials);
    ecc_server_destroy(server);
    return result;
}

static void s_endpoint_init(struct s_endpoint *e) {
    memset(e, 0, sizeof(*e));
    pthread_mutex_init(&e->mutex, NULL);
    e->log = json_array();
    e->registered = json_array();
}

static void s_endpoint_clean_up(struct s_endpoint *e) {
    pthread_mutex_destroy(&e->mutex);
    json_decref(e->log);
    json_decref(e->registered);
}

static void s_expect_log(const struct s_endpoint *e, const char *const *lines, size_t count) {
    char *text = json_dumps(e->log, JSON_COMPACT);
    if (json_array_size(e->log) != count) {
        fail_msg("log: %s", text);
    }
    for (size_t i = 0; i < count; i++) {
        if (strcmp(json_string_value(json_array_get(e->log, i)), lines[i]) != 0) {
            fail_msg("log line %zu: expected '%s' in %s", i, lines[i], text);
        }
    }
    free(text);
}

static void test_hook_gives_and_takes_capacity(void **state) {
    (void)state;
    struct s_endpoint e;
    s_endpoint_init(&e);
    char reason[1024];
    assert_int_equal(s_run_case(&e, 2, reason, sizeof(reason)), ECC_RESULT_PASS);
    /* Two instances started in one call, each registered by its id; the task placed; the cleanup
     * deregisters them (force), terminates both, and only then deletes the cluster. */
    const char *lines[] = {
        "CreateCluster",
        "RunInstances 2",
        "Register i-0000a000",
        "Register i-0000a001",
        "RunTask placed",
        "StopTask",
        "Deregister i-0000a000 force",
        "Deregister i-0000a001 force",
        "TerminateInstances InstanceId.1=i-0000a000&InstanceId.2=i-0000a001",
        "DeleteCluster",
    };
    s_expect_log(&e, lines, ECC_ARRAY_LEN(lines));
    assert_int_equal(e.unsigned_calls, 0); /* EC2 signed for ec2, ECS for ecs */
    assert_int_equal(json_array_size(e.registered), 0);
    s_endpoint_clean_up(&e);
}

static void test_no_capacity_without_the_profile(void **state) {
    (void)state;
    struct s_endpoint e;
    s_endpoint_init(&e);
    char reason[1024];
    assert_int_equal(s_run_case(&e, 0, reason, sizeof(reason)), ECC_RESULT_FAIL);
    const char *lines[] = {"CreateCluster", "RunTask no instance", "DeleteCluster"};
    s_expect_log(&e, lines, ECC_ARRAY_LEN(lines));
    s_endpoint_clean_up(&e);
}

static void test_capacity_failure_fails_the_case(void **state) {
    (void)state;
    struct s_endpoint e;
    s_endpoint_init(&e);
    e.fail_ec2 = true;
    char reason[1024];
    assert_int_equal(s_run_case(&e, 2, reason, sizeof(reason)), ECC_RESULT_FAIL);
    assert_non_null(strstr(reason, "capacity for cluster ecctest0002-ec2"));
    assert_non_null(strstr(reason, "HTTP 400 InsufficientInstanceCapacity"));
    /* Nothing registered, so nothing to deregister or terminate; the case stops before RunTask. */
    const char *lines[] = {"CreateCluster", "RunInstances 2", "DeleteCluster"};
    s_expect_log(&e, lines, ECC_ARRAY_LEN(lines));
    s_endpoint_clean_up(&e);
}

static void test_too_many_instances_refused(void **state) {
    (void)state;
    struct ecc_plan plan = {0};
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_runner_options options;
    ecc_runner_options_init(&options);
    options.endpoint_url = "http://127.0.0.1:9";
    options.region = "us-east-1";
    options.credentials = &credentials;
    options.prefix = "ecctest0003";
    options.ec2_instances_per_cluster = ECC_CAPACITY_MAX_INSTANCES + 1;
    struct ecc_run_report report;
    assert_int_equal(ecc_run_report_init(&report, options.endpoint_url, "moto", options.prefix, 1), ECC_OK);
    struct ecc_diag diag;
    assert_int_equal(ecc_runner_run(&plan, &options, &report, &diag), ECC_ERR_INVALID);
    assert_non_null(strstr(diag.text, "EC2 instances per cluster"));
    ecc_run_report_clean_up(&report);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_instances_request),
        cmocka_unit_test(test_read_instance_ids),
        cmocka_unit_test(test_hook_gives_and_takes_capacity),
        cmocka_unit_test(test_no_capacity_without_the_profile),
        cmocka_unit_test(test_capacity_failure_fails_the_case),
        cmocka_unit_test(test_too_many_instances_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

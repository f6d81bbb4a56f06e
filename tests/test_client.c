/* The C RunTask client against the mock on a loopback server: retries, tokens, errors, batch, faults. */
#include "test_support.h"

#include "ecc/client.h"
#include "ecc/mock.h"
#include "ecc/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define KEY_ID "AKIDCLIENTTEST"
#define SECRET "client/test/secret"
#define REGION "us-east-1"
#define ARN    "arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef0123456789abcdef"

struct env {
    struct ecc_mock *mock;
    struct ecc_server *server;
    struct ecc_credentials credentials;
};

static void env_start(struct env *env) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_mock_options options = {.region = REGION, .access_key_id = KEY_ID, .secret_access_key = SECRET};
    env->mock = ecc_mock_new(&options, &diag);
    assert_non_null(env->mock);
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.thread_count = 2;
    env->server = ecc_server_new(&server_options, ecc_mock_handle, env->mock, &diag);
    assert_non_null(env->server);
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)ecc_server_port(env->server));
    assert_int_equal(ecc_mock_set_host(env->mock, host), ECC_OK);
    ecc_credentials_init(&env->credentials);
    assert_int_equal(ecc_credentials_set(&env->credentials, KEY_ID, SECRET, NULL, &diag), ECC_OK);
}

static void env_stop(struct env *env) {
    ecc_server_destroy(env->server);
    ecc_mock_destroy(env->mock);
    ecc_credentials_clean_up(&env->credentials);
}

/* An exchange expecting cluster `cluster` (and `token` when given), answering `status` / `body`. */
static void expect(struct env *env, const char *cluster, const char *token, int status, const char *body) {
    json_t *params = json_pack("{s:s,s:s}", "cluster", cluster, "taskDefinition", "f");
    if (token != NULL) {
        json_object_set_new(params, "clientToken", json_string(token));
    }
    json_t *answer = json_loads(body, 0, NULL);
    json_t *headers = json_pack("{s:s}", "Content-Type", "application/x-amz-json-1.1");
    struct ecc_mock_exchange exchange = {
        .label = cluster,
        .request_body = params,
        .status = status,
        .response_headers = headers,
        .response_body = answer};
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_mock_add_exchange(env->mock, &exchange, &diag), ECC_OK);
    json_decref(params);
    json_decref(answer);
    json_decref(headers);
}

static struct ecc_client *new_client(struct env *env, const char *url, enum ecc_client_fault fault) {
    struct ecc_client_options options;
    ecc_client_options_init(&options);
    options.endpoint_url = url != NULL ? url : ecc_server_url(env->server);
    options.region = REGION;
    options.credentials = &env->credentials;
    options.backoff_base_ms = 1;
    options.connect_timeout_ms = 2000;
    options.timeout_ms = 5000;
    options.fault = fault;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_client *client = ecc_client_new(&options, &diag);
    assert_non_null(client);
    return client;
}

static void request_for(struct ecc_run_task_request *request, const char *cluster, const char *token) {
    ecc_run_task_request_init(request);
    request->cluster = strdup(cluster);
    request->task_definition = strdup("f");
    request->client_token = token != NULL ? strdup(token) : NULL;
}

/* Calls once; returns the mock's problems (caller cleans up). */
static void call(struct env *env, struct ecc_client *client, const char *token, struct ecc_client_result *result) {
    struct ecc_run_task_request request;
    request_for(&request, "c", token);
    ecc_client_result_init(result);
    assert_int_equal(ecc_client_run_task(client, &request, result), ECC_OK);
    ecc_run_task_request_clean_up(&request);
    (void)env;
}

static bool problems_have(struct env *env, const char *needle) {
    struct ecc_string_list problems;
    ecc_string_list_init(&problems);
    assert_int_equal(ecc_mock_finish(env->mock, &problems), ECC_OK);
    bool found = false;
    for (size_t i = 0; i < problems.count; i++) {
        if (needle == NULL) {
            fprintf(stderr, "unexpected problem: %s\n", problems.items[i]);
        } else if (strstr(problems.items[i], needle) != NULL) {
            found = true;
        }
    }
    bool clean = problems.count == 0;
    ecc_string_list_clean_up(&problems);
    return needle == NULL ? clean : found;
}

static void test_success_generates_uuid4(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    expect(&env, "c", NULL, 200, "{\"tasks\":[{\"taskArn\":\"" ARN "\"}],\"failures\":[]}");
    struct ecc_client *client = new_client(&env, NULL, ECC_CLIENT_FAULT_NONE);
    struct ecc_client_result result;
    call(&env, client, NULL, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_SUCCESS);
    assert_int_equal(result.attempts, 1);
    assert_int_equal(result.http_status, 200);
    assert_int_equal(result.response.tasks.count, 1);
    assert_string_equal(result.response.tasks.items[0].task_arn, ARN);
    assert_true(ecc_mock_is_uuid4(result.client_token));
    ecc_client_result_clean_up(&result);
    ecc_client_destroy(client);
    ecc_server_stop(env.server, 1000);
    assert_string_equal(ecc_mock_record_get(env.mock, 0)->client_token, result.client_token);
    assert_true(problems_have(&env, NULL));
    env_stop(&env);
}

static void test_retries_keep_the_token(void **state) {
    (void)state;
    static const struct {
        int status;
        const char *body;
    } first[] = {
        {500, "{\"__type\":\"ServerException\",\"message\":\"boom\"}"},
        {400, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}"},
        {503, "{\"__type\":\"ServiceUnavailable\"}"},
        {502, "{\"__type\":\"SomethingNew\"}"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(first); i++) {
        for (int given = 0; given < 2; given++) {
            struct env env;
            env_start(&env);
            const char *token = given ? "caller-token-1" : NULL;
            if (token != NULL) {
                assert_int_equal(ecc_mock_set_expected_token(env.mock, token), ECC_OK);
            }
            expect(&env, "c", token, first[i].status, first[i].body);
            expect(&env, "c", token, 200, "{\"tasks\":[]}");
            struct ecc_client *client = new_client(&env, NULL, ECC_CLIENT_FAULT_NONE);
            struct ecc_client_result result;
            call(&env, client, token, &result);
            if (result.outcome != ECC_CLIENT_SUCCESS || result.attempts != 2) {
                fail_msg(
                    "answer %zu: outcome %s after %u attempts",
                    i,
                    ecc_client_outcome_name(result.outcome),
                    result.attempts);
            }
            if (token != NULL) {
                assert_string_equal(result.client_token, token);
            }
            ecc_client_result_clean_up(&result);
            ecc_client_destroy(client);
            ecc_server_stop(env.server, 1000);
            assert_int_equal(ecc_mock_record_count(env.mock), 2);
            assert_true(problems_have(&env, NULL));
            env_stop(&env);
        }
    }
}

static void test_gives_up_after_max_attempts(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    for (int i = 0; i < 3; i++) {
        expect(&env, "c", NULL, 500, "{\"__type\":\"ServerException\",\"message\":\"down\"}");
    }
    struct ecc_client *client = new_client(&env, NULL, ECC_CLIENT_FAULT_NONE);
    struct ecc_client_result result;
    call(&env, client, NULL, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_SERVICE_ERROR);
    assert_int_equal(result.attempts, 3);
    assert_string_equal(result.error.type_name, "ServerException");
    assert_string_equal(result.error.message, "down");
    ecc_client_result_clean_up(&result);
    ecc_client_destroy(client);
    ecc_server_stop(env.server, 1000);
    assert_true(problems_have(&env, NULL));
    env_stop(&env);
}

static void test_errors_are_reported_not_retried(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    expect(
        &env,
        "c",
        NULL,
        400,
        "{\"__type\":\"ConflictException\",\"message\":\"in use\",\"resourceIds\":[\"" ARN "\"]}");
    expect(&env, "c", NULL, 400, "{\"__type\":\"BrandNewException\",\"message\":\"new\"}");
    expect(&env, "c", NULL, 200, "{\"tasks\":[],\"failures\":[{\"arn\":\"x\",\"reason\":\"MISSING\"}]}");
    struct ecc_client *client = new_client(&env, NULL, ECC_CLIENT_FAULT_NONE);
    struct ecc_client_result result;

    call(&env, client, NULL, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_SERVICE_ERROR);
    assert_int_equal(result.attempts, 1);
    assert_string_equal(result.error.type_name, "ConflictException");
    assert_non_null(result.error.info);
    assert_int_equal(result.error.resource_ids.count, 1);
    assert_string_equal(result.error.resource_ids.items[0], ARN);
    ecc_client_result_clean_up(&result);

    call(&env, client, NULL, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_SERVICE_ERROR);
    assert_string_equal(result.error.type_name, "BrandNewException");
    assert_null(result.error.info);
    ecc_client_result_clean_up(&result);

    call(&env, client, NULL, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_SUCCESS);
    assert_int_equal(result.response.failures.count, 1);
    assert_string_equal(result.response.failures.items[0].reason, "MISSING");
    ecc_client_result_clean_up(&result);

    ecc_client_destroy(client);
    ecc_server_stop(env.server, 1000);
    /* Three calls, three different generated tokens, no retries. */
    assert_int_equal(ecc_mock_record_count(env.mock), 3);
    env_stop(&env);
}

static void test_transport_errors_are_retried_then_reported(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    /* A port nobody listens on: bind one, read it, close it. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", (unsigned)ntohs(addr.sin_port));
    struct ecc_client *client = new_client(&env, url, ECC_CLIENT_FAULT_NONE);
    struct ecc_client_result result;
    call(&env, client, NULL, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_TRANSPORT_ERROR);
    assert_int_equal(result.transport_error, ECC_TRANSPORT_ERR_CONNECT);
    assert_int_equal(result.attempts, 3);
    ecc_client_result_clean_up(&result);
    ecc_client_destroy(client);
    env_stop(&env);
}

static void test_batch_through_multi(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    static const char *const clusters[] = {"c1", "c2", "c3", "c4", "c5"};
    expect(&env, "c2", NULL, 500, "{\"__type\":\"ServerException\"}");
    for (size_t i = 0; i < ECC_ARRAY_LEN(clusters); i++) {
        char body[256];
        snprintf(body, sizeof(body), "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:0:task/%s/1\"}]}", clusters[i]);
        expect(&env, clusters[i], NULL, 200, body);
    }
    expect(&env, "c5", "never-sent", 200, "{}"); /* stays unplayed: checked below */
    struct ecc_run_task_request requests[5];
    struct ecc_client_result results[5];
    for (size_t i = 0; i < 5; i++) {
        request_for(&requests[i], clusters[i], NULL);
        ecc_client_result_init(&results[i]);
    }
    struct ecc_client *client = new_client(&env, NULL, ECC_CLIENT_FAULT_NONE);
    assert_int_equal(ecc_client_run_task_batch(client, requests, 5, results), ECC_OK);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(results[i].outcome, ECC_CLIENT_SUCCESS);
        assert_int_equal(results[i].attempts, i == 1 ? 2u : 1u);
        char arn[64];
        snprintf(arn, sizeof(arn), "arn:aws:ecs:us-east-1:0:task/%s/1", clusters[i]);
        assert_string_equal(results[i].response.tasks.items[0].task_arn, arn);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(results[i].client_token, results[j].client_token);
        }
        ecc_client_result_clean_up(&results[i]);
        ecc_run_task_request_clean_up(&requests[i]);
    }
    ecc_client_destroy(client);
    ecc_server_stop(env.server, 1000);
    assert_int_equal(ecc_mock_record_count(env.mock), 6);
    assert_int_equal(ecc_mock_played_count(env.mock), 6);
    env_stop(&env);
}

/* Each fault is caught by the mock's checks with its own reason (the client suite's proof, in process). */
static void test_faults_are_caught(void **state) {
    (void)state;
    static const struct {
        enum ecc_client_fault fault;
        int first_status;
        unsigned calls;
        const char *problem;
    } cases[] = {
        {ECC_CLIENT_FAULT_WRONG_TARGET, 200, 1, "target: expected X-Amz-Target"},
        {ECC_CLIENT_FAULT_DROP_TOKEN_ON_RETRY, 500, 1, "client-token.retry: the retry dropped"},
        {ECC_CLIENT_FAULT_NEW_TOKEN_ON_RETRY, 500, 1, "client-token.retry: a retry must carry the same"},
        {ECC_CLIENT_FAULT_WRONG_SIGNING_REGION, 200, 1, "signature.credential-scope"},
        {ECC_CLIENT_FAULT_FIXED_TOKEN, 200, 2, "client-token.new-call"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        struct env env;
        env_start(&env);
        expect(&env, "c", NULL, cases[i].first_status, "{\"__type\":\"ServerException\"}");
        expect(&env, "c", NULL, 200, "{}");
        struct ecc_client *client = new_client(&env, NULL, cases[i].fault);
        for (unsigned c = 0; c < cases[i].calls; c++) {
            ecc_mock_begin_call(env.mock);
            struct ecc_client_result result;
            call(&env, client, NULL, &result);
            ecc_client_result_clean_up(&result);
        }
        ecc_client_destroy(client);
        ecc_server_stop(env.server, 1000);
        if (!problems_have(&env, cases[i].problem)) {
            fail_msg("fault %s: no problem '%s'", ecc_client_fault_name(cases[i].fault), cases[i].problem);
        }
        env_stop(&env);
    }
    /* Swallowing an error is invisible to the mock: the client's own report gives it away. */
    struct env env;
    env_start(&env);
    expect(&env, "c", NULL, 400, "{\"__type\":\"ClusterNotFoundException\"}");
    struct ecc_client *client = new_client(&env, NULL, ECC_CLIENT_FAULT_SWALLOW_ERRORS);
    struct ecc_client_result result;
    call(&env, client, NULL, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_SUCCESS);
    ecc_client_result_clean_up(&result);
    ecc_client_destroy(client);
    env_stop(&env);
}

static void test_options(void **state) {
    (void)state;
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_credentials_set(&credentials, KEY_ID, SECRET, NULL, &diag), ECC_OK);
    struct ecc_client_options options;
    ecc_client_options_init(&options);
    assert_null(ecc_client_new(&options, &diag));
    options.endpoint_url = "http://127.0.0.1:1/path";
    options.region = REGION;
    options.credentials = &credentials;
    assert_null(ecc_client_new(&options, &diag));
    options.endpoint_url = "http://127.0.0.1:1";
    options.fault = (enum ecc_client_fault)99;
    assert_null(ecc_client_new(&options, &diag));
    ecc_credentials_clean_up(&credentials);

    enum ecc_client_fault fault;
    for (int f = 0; ecc_client_fault_name((enum ecc_client_fault)f) != NULL; f++) {
        assert_true(ecc_client_fault_parse(ecc_client_fault_name((enum ecc_client_fault)f), &fault));
        assert_int_equal(fault, f);
    }
    assert_false(ecc_client_fault_parse("bogus", &fault));
    char a[37];
    char b[37];
    assert_true(ecc_client_uuid4(a));
    assert_true(ecc_client_uuid4(b));
    assert_true(ecc_mock_is_uuid4(a));
    assert_string_not_equal(a, b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_success_generates_uuid4),
        cmocka_unit_test(test_retries_keep_the_token),
        cmocka_unit_test(test_gives_up_after_max_attempts),
        cmocka_unit_test(test_errors_are_reported_not_retried),
        cmocka_unit_test(test_transport_errors_are_retried_then_reported),
        cmocka_unit_test(test_batch_through_multi),
        cmocka_unit_test(test_faults_are_caught),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The C RunTask client against the mock on a loopback server: retries, tokens, errors, batch, faults. */
#include "test_support.h"

#include "ecc/client.h"
#include "ecc/mock.h"
#include "ecc/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>
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

/* ---- asynchronous calls and cancellation ------------------------------------------------------ */

/* An exchange whose answer never comes: the mock holds the connection up to `ms`. */
static void expect_hang(struct env *env, const char *cluster, unsigned ms) {
    json_t *params = json_pack("{s:s,s:s}", "cluster", cluster, "taskDefinition", "f");
    struct ecc_mock_exchange exchange = {
        .label = "hang", .request_body = params, .fault = ECC_HTTP_FAULT_HANG, .fault_ms = ms};
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_mock_add_exchange(env->mock, &exchange, &diag), ECC_OK);
    json_decref(params);
}

static struct ecc_client *new_slow_backoff_client(struct env *env, unsigned backoff_ms) {
    struct ecc_client_options options;
    ecc_client_options_init(&options);
    options.endpoint_url = ecc_server_url(env->server);
    options.region = REGION;
    options.credentials = &env->credentials;
    options.backoff_base_ms = backoff_ms;
    options.backoff_max_ms = backoff_ms;
    options.timeout_ms = 20000;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_client *client = ecc_client_new(&options, &diag);
    assert_non_null(client);
    return client;
}

/* Cancels a token from another thread after `delay_ms`, as a caller's other thread would. */
struct canceller {
    pthread_t thread;
    struct ecc_client_cancel_token *token;
    unsigned delay_ms;
};

static void *canceller_main(void *arg) {
    struct canceller *canceller = arg;
    struct timespec wait = {
        .tv_sec = canceller->delay_ms / 1000u, .tv_nsec = (long)(canceller->delay_ms % 1000u) * 1000000L};
    nanosleep(&wait, NULL);
    ecc_client_cancel(canceller->token);
    return NULL;
}

static void cancel_later(struct canceller *canceller, struct ecc_client_cancel_token *token, unsigned delay_ms) {
    canceller->token = token;
    canceller->delay_ms = delay_ms;
    assert_int_equal(pthread_create(&canceller->thread, NULL, canceller_main, canceller), 0);
}

static struct ecc_client_call *start(struct ecc_client *client, struct ecc_client_cancel_token *token) {
    struct ecc_run_task_request request;
    request_for(&request, "c", NULL);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_client_call *call = ecc_client_call_start(client, &request, token, &diag);
    ecc_run_task_request_clean_up(&request);
    if (call == NULL) {
        fail_msg("cannot start: %s", diag.text);
    }
    return call;
}

static void finish(struct ecc_client_call *call, struct ecc_client_result *result) {
    ecc_client_result_init(result);
    ecc_client_call_finish(call, result);
}

static void test_async_poll_until_done(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    expect(&env, "c", NULL, 200, "{\"tasks\":[{\"taskArn\":\"" ARN "\"}]}");
    struct ecc_client *client = new_client(&env, NULL, ECC_CLIENT_FAULT_NONE);
    struct ecc_client_call *pending = start(client, NULL);
    assert_int_equal(ecc_client_call_stage(pending), ECC_CLIENT_STAGE_NOT_SENT);
    unsigned polls = 0;
    enum ecc_status status = ECC_ERR_TIMEOUT;
    uint64_t until = ecc_monotonic_ms() + 10000;
    while (status == ECC_ERR_TIMEOUT && ecc_monotonic_ms() < until) {
        status = ecc_client_call_wait(pending, 0); /* a poll: never blocks */
        polls++;
    }
    assert_int_equal(status, ECC_OK);
    assert_int_equal(ecc_client_call_stage(pending), ECC_CLIENT_STAGE_DONE);
    assert_string_equal(ecc_client_stage_name(ECC_CLIENT_STAGE_DONE), "done");
    assert_string_equal(ecc_client_stage_name((enum ecc_client_stage)99), "unknown");
    struct ecc_client_result result;
    finish(pending, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_SUCCESS);
    assert_int_equal(result.response.tasks.count, 1);
    assert_true(ecc_mock_is_uuid4(result.client_token));
    ecc_client_result_clean_up(&result);
    /* the synchronous call is the same call with a wait: a second one on the same client works */
    expect(&env, "c", NULL, 200, "{\"tasks\":[]}");
    ecc_mock_begin_call(env.mock);
    call(&env, client, NULL, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_SUCCESS);
    ecc_client_result_clean_up(&result);
    ecc_client_destroy(client);
    ecc_server_stop(env.server, 1000);
    assert_true(problems_have(&env, NULL));
    env_stop(&env);
}

static void test_async_cancel_before_sending(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    expect(&env, "c", NULL, 200, "{\"tasks\":[]}");
    struct ecc_client *client = new_client(&env, NULL, ECC_CLIENT_FAULT_NONE);
    struct ecc_client_cancel_token token;
    ecc_client_cancel_token_init(&token);
    ecc_client_cancel(&token);
    struct ecc_client_call *pending = start(client, &token);
    assert_int_equal(ecc_client_call_wait(pending, -1), ECC_OK);
    struct ecc_client_result result;
    finish(pending, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_CANCELLED);
    assert_int_equal(result.cancelled_stage, ECC_CLIENT_STAGE_NOT_SENT);
    assert_string_equal(ecc_client_stage_name(result.cancelled_stage), "not-sent");
    assert_int_equal(result.attempts, 0);
    assert_true(ecc_mock_is_uuid4(result.client_token)); /* the token a retry must carry */
    assert_non_null(strstr(result.diag.text, "before the first attempt"));
    ecc_client_result_clean_up(&result);
    ecc_server_stop(env.server, 1000);
    assert_int_equal(ecc_mock_record_count(env.mock), 0); /* nothing was sent */
    ecc_client_destroy(client);
    env_stop(&env);
}

/* Cancelled while the answer is awaited; the retry carries the same token and gets the task. */
static void test_async_cancel_mid_request_then_retry(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    expect_hang(&env, "c", 15000);
    expect(&env, "c", NULL, 200, "{\"tasks\":[{\"taskArn\":\"" ARN "\"}]}");
    struct ecc_client *client = new_slow_backoff_client(&env, 10);
    struct ecc_client_cancel_token token;
    ecc_client_cancel_token_init(&token);
    struct ecc_client_call *pending = start(client, &token);
    uint64_t started = ecc_monotonic_ms();
    assert_int_equal(ecc_client_call_wait(pending, 300), ECC_ERR_TIMEOUT); /* the deadline, not the answer */
    uint64_t waited = ecc_monotonic_ms() - started;
    assert_true(waited >= 250 && waited < 5000);
    assert_int_equal(ecc_client_call_stage(pending), ECC_CLIENT_STAGE_IN_FLIGHT);
    struct canceller canceller;
    cancel_later(&canceller, &token, 100); /* while this thread waits without a limit */
    started = ecc_monotonic_ms();
    assert_int_equal(ecc_client_call_wait(pending, -1), ECC_OK);
    assert_true(ecc_monotonic_ms() - started < 5000); /* the transport notices within 100 ms */
    pthread_join(canceller.thread, NULL);
    struct ecc_client_result result;
    finish(pending, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_CANCELLED);
    assert_int_equal(result.cancelled_stage, ECC_CLIENT_STAGE_IN_FLIGHT);
    assert_string_equal(ecc_client_stage_name(result.cancelled_stage), "in-flight");
    assert_int_equal(result.attempts, 1);
    assert_non_null(strstr(result.diag.text, "may have acted on it"));
    char token_text[65];
    snprintf(token_text, sizeof(token_text), "%s", result.client_token);
    ecc_client_result_clean_up(&result);

    struct ecc_client_result retried;
    call(&env, client, token_text, &retried);
    assert_int_equal(retried.outcome, ECC_CLIENT_SUCCESS);
    assert_string_equal(retried.client_token, token_text);
    ecc_client_result_clean_up(&retried);
    ecc_client_destroy(client);
    ecc_server_stop(env.server, 1000);
    assert_int_equal(ecc_mock_record_count(env.mock), 2);
    assert_string_equal(ecc_mock_record_get(env.mock, 0)->client_token, token_text);
    assert_string_equal(ecc_mock_record_get(env.mock, 1)->client_token, token_text);
    assert_true(problems_have(&env, NULL)); /* one call, one token: the mock's own rule agrees */
    env_stop(&env);
}

static void test_async_cancel_while_backing_off(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    for (int i = 0; i < 3; i++) {
        expect(&env, "c", NULL, 500, "{\"__type\":\"ServerException\",\"message\":\"down\"}");
    }
    /* Full jitter over [0, 3000] ms: the call waits long enough to be seen waiting. */
    struct ecc_client *client = new_slow_backoff_client(&env, 3000);
    struct ecc_client_cancel_token token;
    ecc_client_cancel_token_init(&token);
    struct ecc_client_call *pending = start(client, &token);
    uint64_t until = ecc_monotonic_ms() + 15000;
    enum ecc_status status = ECC_ERR_TIMEOUT;
    while (status == ECC_ERR_TIMEOUT && ecc_client_call_stage(pending) != ECC_CLIENT_STAGE_BACKING_OFF &&
           ecc_monotonic_ms() < until) {
        status = ecc_client_call_wait(pending, 2);
    }
    assert_int_equal(ecc_client_call_stage(pending), ECC_CLIENT_STAGE_BACKING_OFF);
    struct canceller canceller;
    cancel_later(&canceller, &token, 10); /* while this thread waits without a limit */
    uint64_t started = ecc_monotonic_ms();
    assert_int_equal(ecc_client_call_wait(pending, -1), ECC_OK);
    assert_true(ecc_monotonic_ms() - started < 1000); /* seen at once, not after the rest of the backoff */
    pthread_join(canceller.thread, NULL);
    struct ecc_client_result result;
    finish(pending, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_CANCELLED);
    assert_true(result.attempts >= 1 && result.attempts <= 3);
    assert_int_equal(result.http_status, 500);
    /* the backoff was at most 3 s and had begun: once in a while it ends within the 10 ms and the next
     * attempt is the one cancelled, on the wire */
    if (result.cancelled_stage == ECC_CLIENT_STAGE_BACKING_OFF) {
        assert_string_equal(ecc_client_stage_name(result.cancelled_stage), "backing-off");
        assert_non_null(strstr(result.diag.text, "backing off"));
        assert_non_null(strstr(result.diag.text, "ServerException"));
    } else {
        assert_int_equal(result.cancelled_stage, ECC_CLIENT_STAGE_IN_FLIGHT);
    }
    ecc_server_stop(env.server, 1000);
    assert_int_equal(ecc_mock_record_count(env.mock), result.attempts);
    ecc_client_result_clean_up(&result);
    ecc_client_destroy(client);
    assert_true(problems_have(&env, NULL));
    env_stop(&env);
}

/* Finishing a call still in flight cancels it and frees everything (ASan checks the freeing). */
static void test_async_finish_abandons(void **state) {
    (void)state;
    struct env env;
    env_start(&env);
    expect_hang(&env, "c", 15000);
    expect_hang(&env, "c", 15000);
    struct ecc_client *client = new_slow_backoff_client(&env, 10);
    struct ecc_client_call *pending = start(client, NULL);
    assert_int_equal(ecc_client_call_wait(pending, 200), ECC_ERR_TIMEOUT);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_run_task_request request;
    request_for(&request, "c", NULL);
    assert_null(ecc_client_call_start(client, &request, NULL, &diag)); /* one call at a time */
    assert_non_null(strstr(diag.text, "already has a call"));
    struct ecc_client_result result;
    finish(pending, &result);
    assert_int_equal(result.outcome, ECC_CLIENT_CANCELLED);
    assert_int_equal(result.cancelled_stage, ECC_CLIENT_STAGE_IN_FLIGHT);
    ecc_client_result_clean_up(&result);
    /* the client is usable again; a call dropped without its result is freed as well */
    pending = ecc_client_call_start(client, &request, NULL, &diag);
    assert_non_null(pending);
    assert_int_equal(ecc_client_call_wait(pending, 100), ECC_ERR_TIMEOUT);
    ecc_client_call_finish(pending, NULL);
    ecc_client_call_finish(NULL, NULL);
    ecc_run_task_request_clean_up(&request);
    ecc_client_destroy(client);
    env_stop(&env);
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
        cmocka_unit_test(test_async_poll_until_done),
        cmocka_unit_test(test_async_cancel_before_sending),
        cmocka_unit_test(test_async_cancel_mid_request_then_retry),
        cmocka_unit_test(test_async_cancel_while_backing_off),
        cmocka_unit_test(test_async_finish_abandons),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

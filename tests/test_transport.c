/* Floor 3: the libcurl transport, against the project's own server and against hostile raw-socket endpoints. */
#include "test_support.h"

#include "ecc/server.h"
#include "ecc/transport.h"
#include "wire_support.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* ---- a small in-process endpoint --------------------------------------------------------------- */

struct endpoint_state {
    atomic_int calls;
    unsigned sleep_ms;
    size_t answer_bytes; /* when set, answer with a body of this many bytes */
    char redirect_to[256];
    int redirect_status; /* 0 means 307 */
    char last_method[16];
    atomic_bool saw_authorization_on_next;
    atomic_bool saw_accept;
    char last_host[128];
    pthread_mutex_t lock;
    char last_body[4096];
    char last_target[256];
};

static void
endpoint_handler(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    struct endpoint_state *state = user_data;
    atomic_fetch_add(&state->calls, 1);
    if (state->sleep_ms) {
        wire_sleep_ms(state->sleep_ms);
    }
    atomic_store(&state->saw_accept, ecc_http_headers_get(&request->headers, "Accept") != NULL);
    pthread_mutex_lock(&state->lock);
    snprintf(state->last_body, sizeof(state->last_body), "%s", request->body ? (const char *)request->body : "");
    snprintf(state->last_target, sizeof(state->last_target), "%s?%s", request->path, request->query);
    snprintf(state->last_method, sizeof(state->last_method), "%s", request->method);
    const char *host = ecc_http_headers_get(&request->headers, "Host");
    snprintf(state->last_host, sizeof(state->last_host), "%s", host ? host : "");
    pthread_mutex_unlock(&state->lock);

    if (state->redirect_to[0] && strcmp(request->path, "/start") == 0) {
        response->status = state->redirect_status ? state->redirect_status : 307;
        assert_int_equal(ecc_http_headers_add(&response->headers, "Location", state->redirect_to), ECC_OK);
        return;
    }
    if (strcmp(request->path, "/next") == 0) {
        atomic_store(
            &state->saw_authorization_on_next, ecc_http_headers_get(&request->headers, "Authorization") != NULL);
    }
    response->status = 200;
    assert_int_equal(ecc_http_headers_add(&response->headers, "Content-Type", "application/x-amz-json-1.1"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&response->headers, "x-amzn-RequestId", "rid-1"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&response->headers, "X-Dup", "one"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&response->headers, "X-Dup", "two"), ECC_OK);
    if (state->answer_bytes) {
        char *big = malloc(state->answer_bytes);
        memset(big, 'y', state->answer_bytes);
        assert_int_equal(ecc_http_response_set_body(response, big, state->answer_bytes), ECC_OK);
        free(big);
        return;
    }
    /* Echo the target and the body so the test sees what went on the wire. */
    json_t *body = json_pack(
        "{s:s,s:s,s:s,s:s%}",
        "method",
        request->method,
        "path",
        request->path,
        "query",
        request->query,
        "body",
        request->body ? (const char *)request->body : "",
        request->body_len);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    assert_int_equal(ecc_http_response_set_body(response, text, strlen(text)), ECC_OK);
    free(text);
}

static struct ecc_server *
start_endpoint(struct endpoint_state *state, size_t max_body_bytes, const char *cert, const char *key) {
    pthread_mutex_init(&state->lock, NULL);
    struct ecc_server_options options;
    ecc_server_options_init(&options);
    options.max_body_bytes = max_body_bytes;
    options.thread_count = 4;
    options.tls_cert_pem = cert;
    options.tls_key_pem = key;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_server *server = ecc_server_new(&options, endpoint_handler, state, &diag);
    if (!server) {
        fail_msg("server did not start: %s", diag.text);
    }
    return server;
}

static void stop_endpoint(struct ecc_server *server, struct endpoint_state *state) {
    ecc_server_destroy(server);
    pthread_mutex_destroy(&state->lock);
}

/* NULL means the defaults with a 5 s deadline, so a failing test cannot sit for the default 30 s. */
static struct ecc_transport *new_transport(const struct ecc_transport_options *options) {
    struct ecc_transport_options defaults;
    if (!options) {
        ecc_transport_options_init(&defaults);
        defaults.timeout_ms = 5000;
        options = &defaults;
    }
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_transport *transport = ecc_transport_new(options, &diag);
    if (!transport) {
        fail_msg("transport: %s", diag.text);
    }
    return transport;
}

/* A signed-looking RunTask request; the secrets in it must never reach a redirect target or a report. */
#define SECRET_SIGNATURE "d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f"
#define SECRET_TOKEN     "FQoGZXIvYXdzE-session-token-secret"

static void make_request(struct ecc_http_request *request, const char *path, const char *body) {
    ecc_http_request_init(request);
    assert_int_equal(ecc_http_request_set_line(request, "POST", path, ""), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&request->headers, "Content-Type", "application/x-amz-json-1.1"), ECC_OK);
    assert_int_equal(
        ecc_http_headers_add(&request->headers, "X-Amz-Target", "AmazonEC2ContainerServiceV20141113.RunTask"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&request->headers, "X-Amz-Date", "20261128T030000Z"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&request->headers, "X-Amz-Security-Token", SECRET_TOKEN), ECC_OK);
    assert_int_equal(
        ecc_http_headers_add(
            &request->headers,
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-east-1/ecs/aws4_request, "
            "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" SECRET_SIGNATURE),
        ECC_OK);
    assert_int_equal(ecc_http_request_set_body(request, body, strlen(body)), ECC_OK);
}

/* ---- against the project's own server ---------------------------------------------------------- */

static void test_round_trip_and_keep_alive(void **state) {
    (void)state;
    struct endpoint_state endpoint = {0};
    struct ecc_server *server = start_endpoint(&endpoint, 0, NULL, NULL);
    struct ecc_transport *transport = new_transport(NULL);
    struct ecc_http_request request;
    make_request(&request, "/a/./b/../c", "{\"cluster\":\"it's\"}");
    free(request.query);
    request.query = ecc_strdup("x=%2F&y=1");

    uint64_t total_us = 0;
    for (int i = 0; i < 5; i++) {
        struct ecc_http_response response;
        ecc_http_response_init(&response);
        struct ecc_transport_result result;
        enum ecc_transport_error error =
            ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result);
        if (error != ECC_TRANSPORT_OK) {
            fail_msg("send: %s", result.message);
        }
        assert_int_equal(response.status, 200);
        /* The first exchange opens the connection, the others reuse it. */
        assert_int_equal(result.connection_reused, i > 0);
        json_error_t json_error;
        json_t *echo = json_loadb((const char *)response.body, response.body_len, 0, &json_error);
        assert_non_null(echo);
        assert_string_equal(json_string_value(json_object_get(echo, "path")), "/a/./b/../c");
        assert_string_equal(json_string_value(json_object_get(echo, "query")), "x=%2F&y=1");
        assert_string_equal(json_string_value(json_object_get(echo, "body")), "{\"cluster\":\"it's\"}");
        json_decref(echo);
        assert_string_equal(ecc_http_headers_get(&response.headers, "x-amzn-requestid"), "rid-1");
        /* Duplicates arrive in order. */
        assert_int_equal(ecc_http_headers_count_name(&response.headers, "X-Dup"), 2);
        assert_string_equal(ecc_http_headers_get(&response.headers, "X-Dup"), "one");
        if (i > 0) {
            total_us += result.elapsed_us;
        }
        ecc_http_response_clean_up(&response);
    }
    /* libcurl's default Accept was not added: the wire carries the signed headers only. */
    assert_false(atomic_load(&endpoint.saw_accept));
    /* The Host libcurl sent is the one ecc_transport_endpoint_host predicts (what a signer signs). */
    char host[128];
    struct ecc_diag diag;
    assert_int_equal(ecc_transport_endpoint_host(ecc_server_url(server), host, sizeof(host), &diag), ECC_OK);
    pthread_mutex_lock(&endpoint.lock);
    assert_string_equal(endpoint.last_host, host);
    pthread_mutex_unlock(&endpoint.lock);
    printf("# round trip over a kept-alive loopback connection: %.1f us on average\n", (double)total_us / 4.0);
    struct ecc_server_stats stats;
    ecc_server_get_stats(server, &stats);
    assert_int_equal(stats.connections_opened, 1);
    assert_int_equal(stats.requests_handled, 5);
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
    stop_endpoint(server, &endpoint);
}

/* One transport remembers the last URL it made: another path, query or endpoint must not reuse it. */
static void test_each_request_its_own_url(void **state) {
    (void)state;
    struct endpoint_state first_state = {0}, second_state = {0};
    struct ecc_server *first = start_endpoint(&first_state, 0, NULL, NULL);
    struct ecc_server *second = start_endpoint(&second_state, 0, NULL, NULL);
    struct ecc_transport *transport = new_transport(NULL);
    static const struct {
        int server;
        const char *path, *query;
    } sends[] = {
        {0, "/", NULL},
        {0, "/a", "x=1"},
        {0, "/a", "x=2"},
        {0, "/a", NULL},
        {1, "/a", NULL},
        {0, "/a", NULL},
        {0, "/", NULL},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(sends); i++) {
        struct ecc_http_request request;
        make_request(&request, sends[i].path, "{}");
        free(request.query);
        request.query = sends[i].query ? ecc_strdup(sends[i].query) : NULL;
        struct ecc_http_response response;
        ecc_http_response_init(&response);
        struct ecc_transport_result result;
        const char *url = ecc_server_url(sends[i].server ? second : first);
        assert_int_equal(ecc_transport_send(transport, url, &request, &response, &result), ECC_TRANSPORT_OK);
        json_t *echo = json_loadb((const char *)response.body, response.body_len, 0, NULL);
        assert_non_null(echo);
        assert_string_equal(json_string_value(json_object_get(echo, "path")), sends[i].path);
        assert_string_equal(json_string_value(json_object_get(echo, "query")), sends[i].query ? sends[i].query : "");
        json_decref(echo);
        ecc_http_response_clean_up(&response);
        ecc_http_request_clean_up(&request);
    }
    struct ecc_server_stats stats;
    ecc_server_get_stats(first, &stats);
    assert_int_equal(stats.requests_handled, 6);
    ecc_server_get_stats(second, &stats);
    assert_int_equal(stats.requests_handled, 1);
    ecc_transport_destroy(transport);
    stop_endpoint(second, &second_state);
    stop_endpoint(first, &first_state);
}

static void test_body_caps_both_sides(void **state) {
    (void)state;
    struct endpoint_state endpoint = {0};
    struct ecc_server *server = start_endpoint(&endpoint, 1024, NULL, NULL);
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.max_response_bytes = 1000;
    struct ecc_transport *transport = new_transport(&options);

    /* Server side: an oversized request body gets the AWS JSON 413, and the handler never runs. */
    char body[4096];
    memset(body, 'a', sizeof(body) - 1);
    body[sizeof(body) - 1] = '\0';
    struct ecc_http_request request;
    make_request(&request, "/", body);
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_transport_result result;
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result), ECC_TRANSPORT_OK);
    assert_int_equal(response.status, 413);
    assert_non_null(strstr((const char *)response.body, "\"__type\":\"RequestEntityTooLargeException\""));
    assert_int_equal(atomic_load(&endpoint.calls), 0);
    ecc_http_response_clean_up(&response);
    ecc_http_request_clean_up(&request);

    /* Client side: an answer over the cap is refused from its Content-Length. */
    endpoint.answer_bytes = 1001;
    make_request(&request, "/", "{}");
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result),
        ECC_TRANSPORT_ERR_TOO_LARGE);
    assert_non_null(strstr(result.message, "limit of 1000 bytes"));
    assert_null(response.body);
    /* Exactly the cap is fine. */
    endpoint.answer_bytes = 1000;
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result), ECC_TRANSPORT_OK);
    assert_int_equal(response.body_len, 1000);
    ecc_http_response_clean_up(&response);
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
    stop_endpoint(server, &endpoint);
}

static void test_concurrent_exchanges(void **state) {
    (void)state;
    struct endpoint_state endpoint = {0};
    endpoint.sleep_ms = 100;
    struct ecc_server *server = start_endpoint(&endpoint, 0, NULL, NULL);
    struct ecc_transport *transport = new_transport(NULL);
    struct ecc_http_request request;
    make_request(&request, "/", "{}");
    int tags[6];
    struct ecc_diag diag;
    for (int i = 0; i < 6; i++) {
        tags[i] = i;
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_transport_submit(transport, ecc_server_url(server), &request, &tags[i], &diag), ECC_OK);
    }
    ecc_http_request_clean_up(&request); /* submit copied it */
    assert_int_equal(ecc_transport_pending(transport), 6);
    bool seen[6] = {false};
    for (int i = 0; i < 6; i++) {
        struct ecc_transport_exchange *exchange = NULL;
        assert_int_equal(ecc_transport_next(transport, 5000, &exchange), ECC_OK);
        if (exchange->result.error != ECC_TRANSPORT_OK) {
            fail_msg("exchange: %s", exchange->result.message);
        }
        assert_int_equal(exchange->response.status, 200);
        int tag = *(int *)exchange->user_data;
        assert_false(seen[tag]);
        seen[tag] = true;
        ecc_transport_exchange_destroy(exchange);
    }
    struct ecc_transport_exchange *none = NULL;
    assert_int_equal(ecc_transport_next(transport, 10, &none), ECC_ERR_NOT_FOUND);
    assert_null(none);
    assert_int_equal(ecc_transport_pending(transport), 0);
    /* All six were in flight together: each needed its own connection (a serial client would have
     * reused one). Whether the server ran them side by side is up to its pool, not the transport. */
    struct ecc_server_stats stats;
    ecc_server_get_stats(server, &stats);
    assert_int_equal(stats.connections_opened, 6);

    /* A URL that cannot be used is refused at submit time, with the reason. */
    make_request(&request, "/", "{}");
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_transport_submit(transport, "ftp://127.0.0.1/", &request, NULL, &diag), ECC_ERR_INVALID);
    assert_non_null(strstr(diag.text, "only http and https"));
    assert_int_equal(ecc_transport_pending(transport), 0);
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
    stop_endpoint(server, &endpoint);
}

static void test_destroy_with_pending_exchanges(void **state) {
    (void)state;
    struct hostile hostile;
    assert_true(hostile_start(&hostile, HOSTILE_NO_ANSWER, NULL));
    char url[64];
    hostile_url(&hostile, url, sizeof(url));
    struct ecc_transport *transport = new_transport(NULL);
    struct ecc_http_request request;
    make_request(&request, "/", "{}");
    struct ecc_diag diag;
    assert_int_equal(ecc_transport_submit(transport, url, &request, NULL, &diag), ECC_OK);
    struct ecc_transport_exchange *exchange = NULL;
    assert_int_equal(ecc_transport_next(transport, 50, &exchange), ECC_ERR_TIMEOUT);
    assert_int_equal(ecc_transport_pending(transport), 1);
    ecc_transport_destroy(transport); /* frees the running exchange; ASan checks nothing leaks */
    ecc_http_request_clean_up(&request);
    hostile_stop(&hostile);
}

static void test_bad_options_refused(void **state) {
    (void)state;
    struct ecc_transport_options options;
    struct ecc_diag diag;
    for (int i = 0; i < 4; i++) {
        ecc_transport_options_init(&options);
        if (i == 0) {
            options.timeout_ms = 0;
        } else if (i == 1) {
            options.connect_timeout_ms = -1;
        } else if (i == 2) {
            options.max_response_bytes = 0;
        } else {
            options.low_speed_time_s = 0;
        }
        ecc_diag_clear(&diag);
        assert_null(ecc_transport_new(&options, &diag));
        assert_non_null(strstr(diag.text, "must be positive"));
    }
}

static void test_endpoint_urls(void **state) {
    (void)state;
    char host[128];
    struct ecc_diag diag;
    assert_int_equal(
        ecc_transport_endpoint_host("https://ecs.us-east-1.amazonaws.com", host, sizeof(host), &diag), ECC_OK);
    assert_string_equal(host, "ecs.us-east-1.amazonaws.com");
    assert_int_equal(ecc_transport_endpoint_host("https://ECS.example:443/", host, sizeof(host), &diag), ECC_OK);
    assert_string_equal(host, "ECS.example"); /* libcurl keeps the case it was given */
    assert_int_equal(ecc_transport_endpoint_host("http://127.0.0.1:8080", host, sizeof(host), &diag), ECC_OK);
    assert_string_equal(host, "127.0.0.1:8080");
    assert_int_equal(ecc_transport_endpoint_host("http://[::1]:80", host, sizeof(host), &diag), ECC_OK);
    assert_string_equal(host, "[::1]");

    const char *refused[] = {
        "ecs.example.com",
        "ftp://ecs.example.com",
        "https://user:secret@ecs.example.com",
        "https://ecs.example.com/prefix",
        "https://ecs.example.com/?a=b",
        "https://ecs.example.com/#frag",
        "http://127.0.0.1:",
        "http://127.0.0.1:/",
        "http://127.0.0.1:0",
        "http://127.0.0.1:99999",
        "http://:8080",
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(refused); i++) {
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_transport_endpoint_host(refused[i], host, sizeof(host), &diag), ECC_ERR_INVALID);
        assert_true(diag.text[0] != '\0');
        assert_null(strstr(diag.text, "secret"));
    }
    /* send refuses the same URLs without touching the network. */
    struct ecc_transport *transport = new_transport(NULL);
    struct ecc_http_request request;
    make_request(&request, "/", "{}");
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_transport_result result;
    assert_int_equal(
        ecc_transport_send(transport, "https://ecs.example.com/prefix", &request, &response, &result),
        ECC_TRANSPORT_ERR_URL);
    assert_non_null(strstr(result.message, "must not have a path"));
    /* A header that would smuggle a second header line is refused. */
    assert_int_equal(ecc_http_headers_add(&request.headers, "X-Evil", "a\r\nX-Injected: 1"), ECC_OK);
    assert_int_equal(
        ecc_transport_send(transport, "http://127.0.0.1:9", &request, &response, &result), ECC_TRANSPORT_ERR_URL);
    assert_non_null(strstr(result.message, "X-Evil"));
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
}

/* ---- hostile endpoints ------------------------------------------------------------------------- */

/* Sends one request to a hostile endpoint and returns the error, the message left in `message`. */
static enum ecc_transport_error send_to_hostile(
    enum hostile_mode mode,
    const struct ecc_transport_options *options,
    struct hostile *hostile,
    struct ecc_transport_result *result,
    struct ecc_http_response *response) {
    assert_true(hostile_start(hostile, mode, NULL));
    char url[64];
    hostile_url(hostile, url, sizeof(url));
    struct ecc_transport *transport = new_transport(options);
    struct ecc_http_request request;
    make_request(&request, "/", "{}");
    ecc_http_response_init(response);
    enum ecc_transport_error error = ecc_transport_send(transport, url, &request, response, result);
    printf("# hostile mode %d -> %s: %s\n", (int)mode, ecc_transport_error_name(error), result->message);
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
    hostile_stop(hostile);
    return error;
}

static void test_no_answer_times_out(void **state) {
    (void)state;
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.timeout_ms = 300;
    struct hostile hostile;
    struct ecc_transport_result result;
    struct ecc_http_response response;
    uint64_t start = wire_now_ms();
    assert_int_equal(
        send_to_hostile(HOSTILE_NO_ANSWER, &options, &hostile, &result, &response), ECC_TRANSPORT_ERR_TIMEOUT);
    assert_true(wire_now_ms() - start < 3000);
    assert_true(result.elapsed_us >= 250000);
    assert_non_null(strstr(result.message, "timed out"));
    assert_non_null(strstr(result.message, "POST http://127.0.0.1:"));
    assert_string_equal(ecc_transport_error_name(result.error), "timeout");
    ecc_http_response_clean_up(&response);
}

static bool s_cancel_after_flag(void *user_data) {
    return atomic_load((atomic_int *)user_data) != 0;
}

struct s_canceller {
    atomic_int flag;
    uint64_t after_ms;
};

static void *s_cancel_later(void *arg) {
    struct s_canceller *canceller = arg;
    struct timespec ts = {
        .tv_sec = (time_t)(canceller->after_ms / 1000), .tv_nsec = (long)(canceller->after_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    atomic_store(&canceller->flag, 1);
    return NULL;
}

/* The cancel callback ends a request in flight at once (the server never answers; the timeout is far). */
static void test_cancel_in_flight(void **state) {
    (void)state;
    struct hostile hostile;
    assert_true(hostile_start(&hostile, HOSTILE_NO_ANSWER, NULL));
    char url[64];
    hostile_url(&hostile, url, sizeof(url));
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.timeout_ms = 20000;
    struct ecc_transport *transport = new_transport(&options);
    struct s_canceller canceller = {.after_ms = 300};
    atomic_init(&canceller.flag, 0);
    ecc_transport_set_cancel(transport, s_cancel_after_flag, &canceller.flag);
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, s_cancel_later, &canceller), 0);
    struct ecc_http_request request;
    make_request(&request, "/", "{}");
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_transport_result result;
    uint64_t start = wire_now_ms();
    assert_int_equal(ecc_transport_send(transport, url, &request, &response, &result), ECC_TRANSPORT_ERR_CANCELLED);
    uint64_t elapsed = wire_now_ms() - start;
    pthread_join(thread, NULL);
    assert_true(elapsed >= 250 && elapsed < 3000);
    assert_string_equal(ecc_transport_error_name(result.error), "cancelled");
    /* While the callback says so, a new request is not even sent. */
    assert_int_equal(ecc_transport_send(transport, url, &request, &response, &result), ECC_TRANSPORT_ERR_CANCELLED);
    assert_non_null(strstr(result.message, "before this request was sent"));
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
    hostile_stop(&hostile);
}

/* The slow-drip guard follows the timeout when set through ecc_transport_options_set_timeout. */
static void test_set_timeout_moves_the_guard(void **state) {
    (void)state;
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    assert_int_equal(options.low_speed_time_s, 10);
    ecc_transport_options_set_timeout(&options, 60000);
    assert_int_equal(options.timeout_ms, 60000);
    assert_int_equal(options.low_speed_time_s, 60);
    ecc_transport_options_set_timeout(&options, 2001);
    assert_int_equal(options.low_speed_time_s, 3);
}

static void test_slow_drip_is_cut(void **state) {
    (void)state;
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.low_speed_bytes_per_s = 100; /* the drip gives about 3 bytes a second */
    options.low_speed_time_s = 1;
    struct hostile hostile;
    struct ecc_transport_result result;
    struct ecc_http_response response;
    assert_int_equal(
        send_to_hostile(HOSTILE_SLOW_DRIP, &options, &hostile, &result, &response), ECC_TRANSPORT_ERR_TOO_SLOW);
    assert_non_null(strstr(result.message, "too slow"));
    assert_true(result.elapsed_us < 5000000);
    ecc_http_response_clean_up(&response);
}

static void test_huge_bodies_are_capped(void **state) {
    (void)state;
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.max_response_bytes = 100000;
    struct hostile hostile;
    struct ecc_transport_result result;
    struct ecc_http_response response;
    /* Declared: refused before the body is read. */
    assert_int_equal(
        send_to_hostile(HOSTILE_HUGE_LENGTH, &options, &hostile, &result, &response), ECC_TRANSPORT_ERR_TOO_LARGE);
    assert_non_null(strstr(result.message, "declared body length"));
    assert_null(response.body);
    /* Undeclared (chunked, endless): aborted as soon as the cap is passed, long before the 1 GB. */
    assert_int_equal(
        send_to_hostile(HOSTILE_HUGE_CHUNKED, &options, &hostile, &result, &response), ECC_TRANSPORT_ERR_TOO_LARGE);
    assert_non_null(strstr(result.message, "limit of 100000 bytes"));
    assert_true(atomic_load(&hostile.bytes_sent) < 64u << 20);
    assert_null(response.body);
}

static void test_truncated_body(void **state) {
    (void)state;
    struct hostile hostile;
    struct ecc_transport_result result;
    struct ecc_http_response response;
    assert_int_equal(
        send_to_hostile(HOSTILE_TRUNCATED, NULL, &hostile, &result, &response), ECC_TRANSPORT_ERR_TRUNCATED);
    assert_non_null(strstr(result.message, "truncated"));
    assert_null(response.body);
}

static void test_html_500_is_a_response(void **state) {
    (void)state;
    struct hostile hostile;
    struct ecc_transport_result result;
    struct ecc_http_response response;
    assert_int_equal(send_to_hostile(HOSTILE_HTML_500, NULL, &hostile, &result, &response), ECC_TRANSPORT_OK);
    assert_int_equal(response.status, 500);
    assert_string_equal(ecc_http_headers_get(&response.headers, "Content-Type"), "text/html");
    assert_non_null(strstr((const char *)response.body, "<h1>500"));
    ecc_http_response_clean_up(&response);
}

static void test_reset_and_refused(void **state) {
    (void)state;
    struct hostile hostile;
    struct ecc_transport_result result;
    struct ecc_http_response response;
    assert_int_equal(send_to_hostile(HOSTILE_RESET, NULL, &hostile, &result, &response), ECC_TRANSPORT_ERR_RESET);
    assert_non_null(strstr(result.message, "connection reset"));

    /* A port nobody listens on any more. */
    uint16_t port = 0;
    int fd = wire_listen(&port);
    assert_true(fd >= 0);
    close(fd);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", (unsigned)port);
    struct ecc_transport *transport = new_transport(NULL);
    struct ecc_http_request request;
    make_request(&request, "/", "{}");
    assert_int_equal(ecc_transport_send(transport, url, &request, &response, &result), ECC_TRANSPORT_ERR_CONNECT);
    assert_non_null(strstr(result.message, "cannot connect"));
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
}

static void test_not_http_and_empty_and_header_flood(void **state) {
    (void)state;
    struct hostile hostile;
    struct ecc_transport_result result;
    struct ecc_http_response response;
    assert_int_equal(send_to_hostile(HOSTILE_GARBAGE, NULL, &hostile, &result, &response), ECC_TRANSPORT_ERR_PROTOCOL);
    assert_non_null(strstr(result.message, "not a valid HTTP/1.x answer"));
    assert_int_equal(send_to_hostile(HOSTILE_CLOSE, NULL, &hostile, &result, &response), ECC_TRANSPORT_ERR_RESET);
    assert_non_null(strstr(result.message, "Empty reply"));
    /* Endless headers: stopped at the header cap, long before the hostile side gives up. */
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.max_header_bytes = 16384;
    assert_int_equal(
        send_to_hostile(HOSTILE_HEADER_FLOOD, &options, &hostile, &result, &response), ECC_TRANSPORT_ERR_TOO_LARGE);
    assert_non_null(strstr(result.message, "headers passed the limit of 16384 bytes"));
    assert_true(atomic_load(&hostile.bytes_sent) < 64u << 20);
    assert_null(response.body);
    assert_int_equal(response.headers.count, 0);
}

/* Runs even when the test fails, so the proxy setting cannot leak into the tests after it. */
static int unset_proxy(void **state) {
    (void)state;
    unsetenv("http_proxy");
    return 0;
}

static void test_proxy_environment(void **state) {
    (void)state;
    struct hostile proxy;
    assert_true(hostile_start(&proxy, HOSTILE_RECORD, NULL));
    char proxy_url[64];
    hostile_url(&proxy, proxy_url, sizeof(proxy_url));
    setenv("http_proxy", proxy_url, 1);
    struct endpoint_state endpoint = {0};
    struct ecc_server *server = start_endpoint(&endpoint, 0, NULL, NULL);
    struct ecc_transport *transport = new_transport(NULL);
    struct ecc_http_request request;
    make_request(&request, "/", "{}");
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_transport_result result;
    /* A loopback endpoint is reached directly, proxy or not. */
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result), ECC_TRANSPORT_OK);
    assert_int_equal(atomic_load(&endpoint.calls), 1);
    assert_int_equal(atomic_load(&proxy.connections), 0);
    ecc_http_response_clean_up(&response);
    /* Any other host goes through the configured proxy. */
    assert_int_equal(
        ecc_transport_send(transport, "http://ecs.example.invalid", &request, &response, &result), ECC_TRANSPORT_OK);
    assert_int_equal(atomic_load(&proxy.connections), 1);
    pthread_mutex_lock(&proxy.lock);
    assert_non_null(strstr(proxy.received, "POST http://ecs.example.invalid/ HTTP/1.1"));
    pthread_mutex_unlock(&proxy.lock);
    ecc_http_response_clean_up(&response);
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
    stop_endpoint(server, &endpoint);
    hostile_stop(&proxy);
}

static void test_redirect_to_other_origin_drops_credentials(void **state) {
    (void)state;
    struct hostile target;
    assert_true(hostile_start(&target, HOSTILE_RECORD, NULL));
    char target_url[128];
    snprintf(target_url, sizeof(target_url), "http://127.0.0.1:%u/elsewhere", (unsigned)target.port);
    struct hostile redirector;
    assert_true(hostile_start(&redirector, HOSTILE_REDIRECT, target_url));
    char url[64];
    hostile_url(&redirector, url, sizeof(url));
    struct ecc_http_request request;
    make_request(&request, "/", "{}");
    char original_host[64];
    snprintf(original_host, sizeof(original_host), "127.0.0.1:%u", (unsigned)redirector.port);
    assert_int_equal(ecc_http_headers_add(&request.headers, "Host", original_host), ECC_OK);
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_transport_result result;

    /* Default: not followed; the 307 is the answer and the other host hears nothing. */
    struct ecc_transport *transport = new_transport(NULL);
    assert_int_equal(ecc_transport_send(transport, url, &request, &response, &result), ECC_TRANSPORT_OK);
    assert_int_equal(response.status, 307);
    assert_string_equal(ecc_http_headers_get(&response.headers, "Location"), target_url);
    assert_int_equal(atomic_load(&target.connections), 0);
    ecc_http_response_clean_up(&response);
    ecc_transport_destroy(transport);

    /* Following: the other origin gets the request without Authorization or the session token. */
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.follow_redirects = true;
    transport = new_transport(&options);
    assert_int_equal(ecc_transport_send(transport, url, &request, &response, &result), ECC_TRANSPORT_OK);
    assert_int_equal(response.status, 200);
    assert_int_equal(result.redirects_followed, 1);
    assert_int_equal(atomic_load(&target.connections), 1);
    assert_true(hostile_saw_header(&redirector, "Authorization"));
    assert_true(hostile_saw_header(&redirector, "X-Amz-Security-Token"));
    assert_false(hostile_saw_header(&target, "Authorization"));
    assert_false(hostile_saw_header(&target, "X-Amz-Security-Token"));
    pthread_mutex_lock(&target.lock);
    assert_null(strstr(target.received, SECRET_SIGNATURE));
    assert_null(strstr(target.received, SECRET_TOKEN));
    assert_null(strstr(target.received, original_host)); /* Host names the new origin */
    assert_non_null(strstr(target.received, "POST /elsewhere HTTP/1.1"));
    pthread_mutex_unlock(&target.lock);
    ecc_http_response_clean_up(&response);
    ecc_transport_destroy(transport);
    ecc_http_request_clean_up(&request);
    hostile_stop(&redirector);
    hostile_stop(&target);
}

static void test_redirect_same_origin_and_loop(void **state) {
    (void)state;
    struct endpoint_state endpoint = {0};
    struct ecc_server *server = start_endpoint(&endpoint, 0, NULL, NULL);
    snprintf(endpoint.redirect_to, sizeof(endpoint.redirect_to), "%s/next", ecc_server_url(server));
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.follow_redirects = true;
    struct ecc_transport *transport = new_transport(&options);
    struct ecc_http_request request;
    make_request(&request, "/start", "{}");
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_transport_result result;
    /* Same origin: the credentials stay (the check above is about origins, not "never"). */
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result), ECC_TRANSPORT_OK);
    assert_int_equal(response.status, 200);
    assert_int_equal(result.redirects_followed, 1);
    assert_true(atomic_load(&endpoint.saw_authorization_on_next));
    /* 307 kept the method and the body. */
    pthread_mutex_lock(&endpoint.lock);
    assert_string_equal(endpoint.last_method, "POST");
    assert_string_equal(endpoint.last_body, "{}");
    pthread_mutex_unlock(&endpoint.lock);
    ecc_http_response_clean_up(&response);

    /* 303 turns the POST into a GET without a body. */
    endpoint.redirect_status = 303;
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result), ECC_TRANSPORT_OK);
    assert_int_equal(response.status, 200);
    pthread_mutex_lock(&endpoint.lock);
    assert_string_equal(endpoint.last_method, "GET");
    assert_string_equal(endpoint.last_body, "");
    assert_string_equal(endpoint.last_target, "/next?");
    pthread_mutex_unlock(&endpoint.lock);
    ecc_http_response_clean_up(&response);
    endpoint.redirect_status = 0;

    /* A redirect to itself ends after max_redirects hops. */
    snprintf(endpoint.redirect_to, sizeof(endpoint.redirect_to), "%s/start", ecc_server_url(server));
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result),
        ECC_TRANSPORT_ERR_REDIRECT);
    assert_non_null(strstr(result.message, "more than 5 redirects"));
    assert_int_equal(result.redirects_followed, 5);
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
    stop_endpoint(server, &endpoint);
}

/* ---- TLS --------------------------------------------------------------------------------------- */

/* A self-signed P-256 certificate for 127.0.0.1, as PEM text (caller frees both). */
static void make_self_signed(char **cert_pem, char **key_pem) {
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    X509 *cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"ecsconf test", -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    X509_EXTENSION *basic = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    assert_non_null(san);
    assert_non_null(basic);
    X509_add_ext(cert, san, -1);
    X509_add_ext(cert, basic, -1);
    X509_EXTENSION_free(san);
    X509_EXTENSION_free(basic);
    assert_true(X509_sign(cert, key, EVP_sha256()) > 0);

    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(bio, cert);
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    *cert_pem = strndup(data, (size_t)len);
    BIO_free(bio);
    bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
    len = BIO_get_mem_data(bio, &data);
    *key_pem = strndup(data, (size_t)len);
    BIO_free(bio);
    X509_free(cert);
    EVP_PKEY_free(key);
}

static void test_tls_verification(void **state) {
    (void)state;
    char *cert = NULL;
    char *key = NULL;
    make_self_signed(&cert, &key);
    struct endpoint_state endpoint = {0};
    struct ecc_server *server = start_endpoint(&endpoint, 0, cert, key);
    assert_true(strncmp(ecc_server_url(server), "https://127.0.0.1:", 18) == 0);
    struct ecc_http_request request;
    make_request(&request, "/", "{}");
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_transport_result result;

    /* Verification is on by default: an unknown issuer is a TLS error that says so. */
    struct ecc_transport *transport = new_transport(NULL);
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result), ECC_TRANSPORT_ERR_TLS);
    printf("# %s\n", result.message);
    assert_non_null(strstr(result.message, "TLS failure"));
    assert_non_null(strstr(result.message, "certificate"));
    ecc_transport_destroy(transport);
    assert_int_equal(atomic_load(&endpoint.calls), 0);

    /* Trusting the certificate through ca_bundle makes it pass. */
    char path[] = "/tmp/ecsconf-test-ca-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, cert, strlen(cert)), (ssize_t)strlen(cert));
    close(fd);
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.ca_bundle = path;
    transport = new_transport(&options);
    enum ecc_transport_error error =
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result);
    if (error != ECC_TRANSPORT_OK) {
        fail_msg("with ca_bundle: %s", result.message);
    }
    assert_int_equal(response.status, 200);
    ecc_http_response_clean_up(&response);
    ecc_transport_destroy(transport);

    /* So does the explicit insecure switch. */
    ecc_transport_options_init(&options);
    options.insecure = true;
    transport = new_transport(&options);
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result), ECC_TRANSPORT_OK);
    ecc_http_response_clean_up(&response);
    ecc_transport_destroy(transport);

    unlink(path);
    ecc_http_request_clean_up(&request);
    stop_endpoint(server, &endpoint);
    free(cert);
    free(key);
}

/* ---- reproducer -------------------------------------------------------------------------------- */

static void test_format_curl_hides_secrets(void **state) {
    (void)state;
    struct ecc_http_request request;
    make_request(&request, "/", "{\"cluster\":\"it's\"}");
    struct ecc_buf out;
    ecc_buf_init(&out, 1 << 16);
    assert_int_equal(ecc_transport_format_curl("https://ecs.us-east-1.amazonaws.com", &request, &out), ECC_OK);
    assert_null(strstr(out.data, SECRET_SIGNATURE));
    assert_null(strstr(out.data, SECRET_TOKEN));
    assert_null(strstr(out.data, "AKIDEXAMPLE"));
    assert_non_null(strstr(out.data, " --aws-sigv4 'aws:amz:us-east-1:ecs'"));
    assert_non_null(strstr(out.data, "--user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\""));
    assert_non_null(strstr(out.data, "-H \"X-Amz-Security-Token: $AWS_SESSION_TOKEN\""));
    assert_non_null(strstr(out.data, "-H 'X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask'"));
    assert_null(strstr(out.data, "X-Amz-Date")); /* curl's signer sets its own date */
    assert_non_null(strstr(out.data, "'https://ecs.us-east-1.amazonaws.com/'"));
    assert_non_null(strstr(out.data, "--data-raw '{\"cluster\":\"it'\\''s\"}'"));
    assert_null(strstr(out.data, " -X "));

    /* Not SigV4, a presigned query and a binary body. */
    ecc_buf_reset(&out);
    assert_int_equal(ecc_http_headers_set(&request.headers, "Authorization", "Bearer top-secret-value"), ECC_OK);
    free(request.query);
    request.query = ecc_strdup("Action=X&X-Amz-Signature=" SECRET_SIGNATURE "&X-Amz-Credential=AKIDEXAMPLE%2F1");
    free(request.method);
    request.method = ecc_strdup("PUT");
    assert_int_equal(ecc_http_request_set_body(&request, "a\x01'b", 4), ECC_OK);
    assert_int_equal(ecc_transport_format_curl("http://127.0.0.1:8080", &request, &out), ECC_OK);
    assert_null(strstr(out.data, "top-secret-value"));
    assert_null(strstr(out.data, SECRET_SIGNATURE));
    assert_null(strstr(out.data, "AKIDEXAMPLE"));
    assert_non_null(strstr(out.data, "-H 'Authorization: <redacted>'"));
    assert_non_null(strstr(out.data, "X-Amz-Signature=REDACTED&X-Amz-Credential=REDACTED"));
    assert_non_null(strstr(out.data, " -X 'PUT'"));
    assert_non_null(strstr(out.data, "--data-raw $'a\\x01\\'b'"));
    assert_null(strstr(out.data, "--aws-sigv4"));
    ecc_buf_clean_up(&out);
    ecc_http_request_clean_up(&request);
}

/* The reproducer really replays: run it with the curl tool against the echo endpoint. */
static void test_format_curl_replays(void **state) {
    (void)state;
    if (access("/usr/bin/curl", X_OK) != 0 || access("/bin/sh", X_OK) != 0) {
        printf("# skipped: no curl tool or /bin/sh to replay the command with\n");
        skip();
    }
    struct endpoint_state endpoint = {0};
    struct ecc_server *server = start_endpoint(&endpoint, 0, NULL, NULL);
    struct ecc_http_request request;
    make_request(&request, "/replay", "{\"cluster\":\"it's\",\"count\":1}");
    free(request.query);
    request.query = ecc_strdup("a=1");
    struct ecc_buf command;
    ecc_buf_init(&command, 1 << 16);
    assert_int_equal(ecc_transport_format_curl(ecc_server_url(server), &request, &command), ECC_OK);
    assert_int_equal(ecc_buf_append_str(&command, " >/dev/null 2>&1"), ECC_OK);
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    setenv("AWS_SESSION_TOKEN", "replay-token", 1);
    int rc = system(command.data);
    assert_int_equal(rc, 0);
    assert_int_equal(atomic_load(&endpoint.calls), 1);
    pthread_mutex_lock(&endpoint.lock);
    assert_string_equal(endpoint.last_body, "{\"cluster\":\"it's\",\"count\":1}");
    assert_string_equal(endpoint.last_target, "/replay?a=1");
    pthread_mutex_unlock(&endpoint.lock);
    ecc_buf_clean_up(&command);
    ecc_http_request_clean_up(&request);
    stop_endpoint(server, &endpoint);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_keep_alive),
        cmocka_unit_test(test_each_request_its_own_url),
        cmocka_unit_test(test_body_caps_both_sides),
        cmocka_unit_test(test_concurrent_exchanges),
        cmocka_unit_test(test_destroy_with_pending_exchanges),
        cmocka_unit_test(test_bad_options_refused),
        cmocka_unit_test(test_endpoint_urls),
        cmocka_unit_test(test_no_answer_times_out),
        cmocka_unit_test(test_cancel_in_flight),
        cmocka_unit_test(test_set_timeout_moves_the_guard),
        cmocka_unit_test(test_slow_drip_is_cut),
        cmocka_unit_test(test_huge_bodies_are_capped),
        cmocka_unit_test(test_truncated_body),
        cmocka_unit_test(test_html_500_is_a_response),
        cmocka_unit_test(test_reset_and_refused),
        cmocka_unit_test(test_not_http_and_empty_and_header_flood),
        cmocka_unit_test_teardown(test_proxy_environment, unset_proxy),
        cmocka_unit_test(test_redirect_to_other_origin_drops_credentials),
        cmocka_unit_test(test_redirect_same_origin_and_loop),
        cmocka_unit_test(test_tls_verification),
        cmocka_unit_test(test_format_curl_hides_secrets),
        cmocka_unit_test(test_format_curl_replays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

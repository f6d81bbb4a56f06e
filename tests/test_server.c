/* Floor 3: the libmicrohttpd glue, driven by raw sockets so nothing of the client transport is assumed. */
#include "test_support.h"

#include "ecc/errors.h"
#include "ecc/server.h"
#include "wire_support.h"

#include <jansson.h>

struct echo_state {
    atomic_int calls;
    atomic_bool entered;
    unsigned sleep_ms;
    int forced_status; /* 0: answer 200; -1: leave the status unset (a broken handler) */
};

/* Answers with what it saw: method, raw path and query, header names in order, body. */
static void echo_handler(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    struct echo_state *state = user_data;
    atomic_fetch_add(&state->calls, 1);
    atomic_store(&state->entered, true);
    if (state->sleep_ms) {
        wire_sleep_ms(state->sleep_ms);
    }
    if (state->forced_status < 0) {
        return;
    }
    json_t *names = json_array();
    for (size_t i = 0; i < request->headers.count; i++) {
        json_array_append_new(names, json_string(request->headers.items[i].name));
    }
    json_t *body = json_pack(
        "{s:s,s:s,s:s,s:o,s:s%}",
        "method",
        request->method,
        "path",
        request->path,
        "query",
        request->query ? request->query : "",
        "headers",
        names,
        "body",
        (const char *)request->body,
        request->body_len);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    response->status = 200;
    assert_int_equal(ecc_http_response_set_body(response, text, strlen(text)), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&response->headers, "Content-Type", "application/x-amz-json-1.1"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&response->headers, "x-amzn-RequestId", "test-id"), ECC_OK);
    free(text);
}

static struct ecc_server *
start_handler(ecc_http_handler_fn *handler, void *state, size_t max_body_bytes, unsigned thread_count) {
    struct ecc_server_options options;
    ecc_server_options_init(&options);
    options.max_body_bytes = max_body_bytes;
    options.thread_count = thread_count;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_server *server = ecc_server_new(&options, handler, state, &diag);
    if (!server) {
        fail_msg("server did not start: %s", diag.text);
    }
    return server;
}

static struct ecc_server *start_server(struct echo_state *state, size_t max_body_bytes) {
    return start_handler(echo_handler, state, max_body_bytes, 4);
}

/* Sends raw bytes on a fresh connection and returns everything read until close (or 3 s). */
static size_t exchange_raw(uint16_t port, const char *request, size_t request_len, char *out, size_t max) {
    int fd = wire_connect(port);
    assert_true(fd >= 0);
    assert_true(wire_send_all(fd, request, request_len));
    size_t n = wire_read_until_close(fd, out, max, 3000);
    close(fd);
    return n;
}

/* The body of a raw answer, parsed as JSON; fails the test when it is not a JSON object. */
static json_t *json_body(const char *answer) {
    const char *body = strstr(answer, "\r\n\r\n");
    assert_non_null(body);
    json_error_t error;
    json_t *value = json_loads(body + 4, JSON_DISABLE_EOF_CHECK, &error);
    if (!value || !json_is_object(value)) {
        fail_msg("answer body is not a JSON object: %s", body + 4);
    }
    return value;
}

static void assert_aws_error(const char *answer, const char *status_line, const char *type) {
    if (strncmp(answer, status_line, strlen(status_line)) != 0) {
        fail_msg("expected '%s', got: %.200s", status_line, answer);
    }
    assert_non_null(strstr(answer, "application/x-amz-json-1.1"));
    assert_non_null(strstr(answer, "X-Amzn-Requestid: "));
    assert_null(strstr(answer, "<html"));
    json_t *body = json_body(answer);
    assert_string_equal(json_string_value(json_object_get(body, "__type")), type);
    /* Every answer of the glue is a row of the error table, with the table's status. */
    const struct ecc_error_info *info = ecc_errors_find(type, strlen(type));
    assert_non_null(info);
    assert_int_equal(info->http_status, atoi(answer + 9));
    assert_non_null(json_string_value(json_object_get(body, "message")));
    json_decref(body);
}

static void test_port_zero_and_raw_request(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_server(&echo, 0);
    uint16_t port = ecc_server_port(server);
    assert_int_not_equal(port, 0);
    char expected_url[64];
    snprintf(expected_url, sizeof(expected_url), "http://127.0.0.1:%u", (unsigned)port);
    assert_string_equal(ecc_server_url(server), expected_url);

    /* Raw target bytes, header order and name case, duplicates: all must reach the handler unchanged. */
    const char *request = "POST /a/./b/../c%2Fd?z=1&a=%20x HTTP/1.1\r\nHost: h\r\nX-Zeta: 1\r\nx-alpha: 2\r\n"
                          "X-Zeta: 3\r\nContent-Length: 7\r\nConnection: close\r\n\r\n{\"k\":1}";
    char answer[8192];
    exchange_raw(port, request, strlen(request), answer, sizeof(answer));
    assert_true(strncmp(answer, "HTTP/1.1 200", 12) == 0);
    json_t *body = json_body(answer);
    assert_string_equal(json_string_value(json_object_get(body, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(body, "path")), "/a/./b/../c%2Fd");
    assert_string_equal(json_string_value(json_object_get(body, "query")), "z=1&a=%20x");
    assert_string_equal(json_string_value(json_object_get(body, "body")), "{\"k\":1}");
    json_t *names = json_object_get(body, "headers");
    const char *expected[] = {"Host", "X-Zeta", "x-alpha", "X-Zeta", "Content-Length", "Connection"};
    assert_int_equal(json_array_size(names), ECC_ARRAY_LEN(expected));
    for (size_t i = 0; i < ECC_ARRAY_LEN(expected); i++) {
        assert_string_equal(json_string_value(json_array_get(names, i)), expected[i]);
    }
    json_decref(body);
    assert_non_null(strstr(answer, "x-amzn-RequestId: test-id"));
    ecc_server_destroy(server);
}

static void test_body_cap_declared_length(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_server(&echo, 64);
    char request[512];
    char body[65];
    memset(body, 'a', 64);
    body[64] = '\0';
    /* Exactly the cap is accepted... */
    int n = snprintf(
        request,
        sizeof(request),
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 64\r\nConnection: close\r\n\r\n%s",
        body);
    char answer[4096];
    exchange_raw(ecc_server_port(server), request, (size_t)n, answer, sizeof(answer));
    assert_true(strncmp(answer, "HTTP/1.1 200", 12) == 0);
    assert_int_equal(atomic_load(&echo.calls), 1);
    /* ...one byte more is refused before the body is read, and the handler never sees it. */
    n = snprintf(
        request,
        sizeof(request),
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 65\r\nConnection: close\r\n\r\n%sb",
        body);
    exchange_raw(ecc_server_port(server), request, (size_t)n, answer, sizeof(answer));
    assert_aws_error(answer, "HTTP/1.1 413", "RequestEntityTooLargeException");
    assert_int_equal(atomic_load(&echo.calls), 1);
    struct ecc_server_stats stats;
    ecc_server_get_stats(server, &stats);
    assert_int_equal(stats.requests_handled, 1);
    assert_int_equal(stats.requests_rejected, 1);
    ecc_server_destroy(server);
}

static void test_body_cap_chunked(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_server(&echo, 64);
    /* No Content-Length: the cap is only noticed while the body arrives. */
    const char *request = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                          "28\r\n0123456789012345678901234567890123456789\r\n"
                          "28\r\n0123456789012345678901234567890123456789\r\n0\r\n\r\n";
    char answer[4096];
    exchange_raw(ecc_server_port(server), request, strlen(request), answer, sizeof(answer));
    assert_aws_error(answer, "HTTP/1.1 413", "RequestEntityTooLargeException");
    assert_int_equal(atomic_load(&echo.calls), 0);

    /* A chunked body that never stops is cut off once it passes twice the cap: memory stays bounded. */
    int fd = wire_connect(ecc_server_port(server));
    assert_true(fd >= 0);
    const char *head = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_true(wire_send_all(fd, head, strlen(head)));
    const char *chunk = "20\r\n01234567890123456789012345678901\r\n";
    bool closed = false;
    for (int i = 0; i < 200 && !closed; i++) {
        closed = !wire_send_all(fd, chunk, strlen(chunk));
        struct pollfd pfd = {fd, POLLIN, 0};
        if (!closed && poll(&pfd, 1, 5) > 0) {
            char scratch[256];
            closed = recv(fd, scratch, sizeof(scratch), 0) <= 0;
        }
    }
    assert_true(closed);
    close(fd);
    assert_int_equal(atomic_load(&echo.calls), 0);
    ecc_server_destroy(server);
}

static void test_unknown_method_and_broken_handler(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_server(&echo, 0);
    char answer[4096];
    const char *request = "BREW / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    exchange_raw(ecc_server_port(server), request, strlen(request), answer, sizeof(answer));
    assert_aws_error(answer, "HTTP/1.1 400", "UnknownOperationException");
    request = "TRACE / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    exchange_raw(ecc_server_port(server), request, strlen(request), answer, sizeof(answer));
    assert_aws_error(answer, "HTTP/1.1 400", "UnknownOperationException");
    assert_int_equal(atomic_load(&echo.calls), 0);

    echo.forced_status = -1;
    request = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    exchange_raw(ecc_server_port(server), request, strlen(request), answer, sizeof(answer));
    assert_aws_error(answer, "HTTP/1.1 500", "InternalFailure");
    assert_int_equal(atomic_load(&echo.calls), 1);
    ecc_server_destroy(server);
}

/*
 * Requests libmicrohttpd 0.9.75 rejects before any callback (documented limit in server.h): they never
 * reach the handler, they get a 4xx/5xx or a closed connection, and the server keeps serving.
 */
static void test_malformed_requests_never_reach_handler(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_server(&echo, 0);
    const char *malformed[] = {
        "GARBAGE\r\n\r\n",
        "GET /\r\n\r\n",
        "GET / HTTP/9.9\r\nHost: h\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nNoColonHere\r\n\r\n",
    };
    char answer[4096];
    for (size_t i = 0; i < ECC_ARRAY_LEN(malformed); i++) {
        size_t n = exchange_raw(ecc_server_port(server), malformed[i], strlen(malformed[i]), answer, sizeof(answer));
        if (n > 0) {
            /* Whatever MHD says, it is an error status and the connection is closed. */
            assert_true(strncmp(answer, "HTTP/1.1 4", 10) == 0 || strncmp(answer, "HTTP/1.1 5", 10) == 0);
            assert_non_null(strstr(answer, "Connection: close"));
        }
    }
    assert_int_equal(atomic_load(&echo.calls), 0);
    const char *good = "GET /ok HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    exchange_raw(ecc_server_port(server), good, strlen(good), answer, sizeof(answer));
    assert_true(strncmp(answer, "HTTP/1.1 200", 12) == 0);
    ecc_server_destroy(server);
}

struct client_thread {
    uint16_t port;
    int requests;
    int ok;
};

static void *client_main(void *arg) {
    struct client_thread *client = arg;
    int fd = wire_connect(client->port);
    if (fd < 0) {
        return NULL;
    }
    /* Keep-alive: every request of this thread goes on one connection. */
    for (int i = 0; i < client->requests; i++) {
        const char *request = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}";
        if (!wire_send_all(fd, request, strlen(request))) {
            break;
        }
        char head[8192];
        if (!wire_read_head(fd, head, sizeof(head), 3000) || strncmp(head, "HTTP/1.1 200", 12) != 0) {
            break;
        }
        /* The echo body is short; drain it by its declared length. */
        const char *length = strstr(head, "Content-Length: ");
        const char *body = strstr(head, "\r\n\r\n") + 4;
        size_t want = length ? strtoul(length + 16, NULL, 10) : 0;
        size_t have = strlen(body);
        while (have < want) {
            char scratch[4096];
            ssize_t n = recv(fd, scratch, sizeof(scratch), 0);
            if (n <= 0) {
                break;
            }
            have += (size_t)n;
        }
        client->ok++;
    }
    close(fd);
    return NULL;
}

static void test_concurrent_clients(void **state) {
    (void)state;
    struct echo_state echo = {0};
    echo.sleep_ms = 20;
    struct ecc_server *server = start_server(&echo, 0);
    struct client_thread clients[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        clients[i] = (struct client_thread){ecc_server_port(server), 10, 0};
        assert_int_equal(pthread_create(&threads[i], NULL, client_main, &clients[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_int_equal(clients[i].ok, 10);
    }
    struct ecc_server_stats stats;
    ecc_server_get_stats(server, &stats);
    assert_int_equal(stats.requests_handled, 40);
    assert_int_equal(stats.connections_opened, 4);
    /* Four connections were open at once (each client keeps its own alive). Which pool thread serves
     * which connection is the kernel's choice, so handler overlap is not asserted here. */
    ecc_server_destroy(server);
}

struct slow_request {
    uint16_t port;
    char answer[4096];
};

static void *slow_request_main(void *arg) {
    struct slow_request *slow = arg;
    const char *request = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    exchange_raw(slow->port, request, strlen(request), slow->answer, sizeof(slow->answer));
    return NULL;
}

static void test_graceful_stop(void **state) {
    (void)state;
    struct echo_state echo = {0};
    echo.sleep_ms = 300;
    struct ecc_server *server = start_server(&echo, 0);
    uint16_t port = ecc_server_port(server);

    /* An idle keep-alive connection must not hold the stop up. */
    int idle = wire_connect(port);
    assert_true(idle >= 0);

    /* A request in the handler when stop is called is still answered. */
    struct slow_request slow = {.port = port};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, slow_request_main, &slow), 0);
    uint64_t deadline = wire_now_ms() + 3000;
    while (!atomic_load(&echo.entered) && wire_now_ms() < deadline) {
        wire_sleep_ms(5);
    }
    assert_true(atomic_load(&echo.entered));
    uint64_t start = wire_now_ms();
    assert_true(ecc_server_stop(server, 3000));
    assert_true(wire_now_ms() - start < 2500);
    pthread_join(thread, NULL);
    assert_true(strncmp(slow.answer, "HTTP/1.1 200", 12) == 0);

    /* The idle connection was closed, and nobody can connect any more. */
    char scratch[16];
    assert_int_equal(wire_read_until_close(idle, scratch, sizeof(scratch), 1000), 0);
    close(idle);
    assert_int_equal(wire_connect(port), -1);
    assert_true(ecc_server_stop(server, 0));
    ecc_server_destroy(server);
}

static void test_stop_gives_up_after_grace(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_server(&echo, 0);
    /* A client that sends half a body keeps its request in flight: the stop must not wait for it. */
    int fd = wire_connect(ecc_server_port(server));
    const char *partial = "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n{\"a\":";
    assert_true(wire_send_all(fd, partial, strlen(partial)));
    wire_sleep_ms(100);
    uint64_t start = wire_now_ms();
    assert_false(ecc_server_stop(server, 200));
    assert_true(wire_now_ms() - start < 1500);
    close(fd);
    ecc_server_destroy(server);
}

static void test_bad_options(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server_options options;
    ecc_server_options_init(&options);
    options.address = "localhost";
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_null(ecc_server_new(&options, echo_handler, &echo, &diag));
    assert_non_null(strstr(diag.text, "not a numeric"));

    /* A port already taken is refused with a reason. */
    struct ecc_server *first = start_server(&echo, 0);
    options.address = NULL;
    options.port = ecc_server_port(first);
    ecc_diag_clear(&diag);
    assert_null(ecc_server_new(&options, echo_handler, &echo, &diag));
    assert_non_null(strstr(diag.text, "cannot listen"));
    ecc_server_destroy(first);
    ecc_server_destroy(NULL);
}

static void test_too_many_headers(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_server(&echo, 0);
    char request[16384];
    size_t len = (size_t)snprintf(request, sizeof(request), "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n");
    for (int i = 0; i < ECC_HTTP_MAX_HEADERS; i++) {
        len += (size_t)snprintf(request + len, sizeof(request) - len, "X-%d: v\r\n", i);
    }
    len += (size_t)snprintf(request + len, sizeof(request) - len, "\r\n");
    char answer[4096];
    exchange_raw(ecc_server_port(server), request, len, answer, sizeof(answer));
    assert_aws_error(answer, "HTTP/1.1 400", "ClientException");
    assert_int_equal(atomic_load(&echo.calls), 0);
    ecc_server_destroy(server);
}

/*
 * The default per-connection memory (16 KiB: MHD zeroes the whole pool on every request, so its size is
 * paid per request) still takes a 12 KiB header block, several times a signed request with a session
 * token; a block past the pool gets MHD's 431 (the documented limit) and never reaches the handler.
 */
static void test_header_block_limit(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_server(&echo, 0);
    static char request[40000];
    static char answer[40000];
    const size_t sizes[] = {12 * 1024, 24 * 1024};
    for (size_t i = 0; i < ECC_ARRAY_LEN(sizes); i++) {
        size_t len = (size_t)snprintf(request, sizeof(request), "GET / HTTP/1.1\r\nHost: h\r\nX-Big: ");
        memset(request + len, 'a', sizes[i]);
        len += sizes[i];
        len += (size_t)snprintf(request + len, sizeof(request) - len, "\r\nConnection: close\r\n\r\n");
        exchange_raw(ecc_server_port(server), request, len, answer, sizeof(answer));
        if (i == 0) {
            assert_true(strncmp(answer, "HTTP/1.1 200", 12) == 0);
            assert_int_equal(atomic_load(&echo.calls), 1);
        } else {
            assert_true(strncmp(answer, "HTTP/1.1 431", 12) == 0);
            assert_int_equal(atomic_load(&echo.calls), 1);
        }
    }
    ecc_server_destroy(server);
}

static void test_parse_listen(void **state) {
    (void)state;
    char address[64];
    uint16_t port = 1;
    struct ecc_diag diag;
    assert_int_equal(ecc_server_parse_listen("0.0.0.0:8080", address, sizeof(address), &port, &diag), ECC_OK);
    assert_string_equal(address, "0.0.0.0");
    assert_int_equal(port, 8080);
    assert_int_equal(ecc_server_parse_listen(":0", address, sizeof(address), &port, &diag), ECC_OK);
    assert_string_equal(address, "127.0.0.1");
    assert_int_equal(port, 0);
    assert_int_equal(ecc_server_parse_listen("[::1]:65535", address, sizeof(address), &port, &diag), ECC_OK);
    assert_string_equal(address, "::1");
    assert_int_equal(port, 65535);
    assert_int_equal(ecc_server_parse_listen("127.0.0.2", address, sizeof(address), &port, &diag), ECC_OK);
    assert_int_equal(port, 0);
    const char *refused[] = {
        "localhost:80", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:", "::1:80", "[::1", "[::1]x", "1.2.3.4:8o"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(refused); i++) {
        ecc_diag_clear(&diag);
        if (ecc_server_parse_listen(refused[i], address, sizeof(address), &port, &diag) != ECC_ERR_INVALID) {
            fail_msg("'%s' was accepted", refused[i]);
        }
        assert_true(diag.text[0] != '\0');
    }
}

/* The idle timeout and the connection limit reach MHD (its varargs would drop a wrong type silently). */
static void test_connection_timeout(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server_options options;
    ecc_server_options_init(&options);
    options.connection_timeout_s = 1;
    struct ecc_diag diag;
    struct ecc_server *server = ecc_server_new(&options, echo_handler, &echo, &diag);
    assert_non_null(server);
    int slowloris = wire_connect(ecc_server_port(server));
    assert_true(slowloris >= 0);
    uint64_t start = wire_now_ms();
    assert_true(wire_send_all(slowloris, "GET / HT", 8)); /* half a request line, then nothing */
    char scratch[64];
    assert_int_equal(wire_read_until_close(slowloris, scratch, sizeof(scratch), 4000), 0);
    uint64_t waited = wire_now_ms() - start;
    printf("# idle connection closed after %llu ms\n", (unsigned long long)waited);
    assert_true(waited >= 500 && waited < 3500);
    close(slowloris);
    ecc_server_destroy(server);
}

/* True when the server closed `fd` (its end of stream or a reset is readable); false while it is open. */
static bool closed_by_server(int fd, unsigned wait_ms) {
    struct pollfd pfd = {fd, POLLIN, 0};
    if (poll(&pfd, 1, (int)wait_ms) <= 0) {
        return false;
    }
    char scratch[4096];
    return recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT) <= 0;
}

static const char s_close_request[] = "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";

/* A server with `max_connections` and `thread_count` whose idle timeout (60 s) outlasts every test, so
 * no timeout can be what frees a slot. */
static struct ecc_server *start_limited(struct echo_state *echo, unsigned max_connections, unsigned thread_count) {
    struct ecc_server_options options;
    ecc_server_options_init(&options);
    options.max_connections = max_connections;
    options.thread_count = thread_count;
    options.connection_timeout_s = 60;
    struct ecc_diag diag;
    struct ecc_server *server = ecc_server_new(&options, echo_handler, echo, &diag);
    if (!server) {
        fail_msg("server did not start: %s", diag.text);
    }
    return server;
}

/* At the limit, a new client is served: the connection that waited longest without an answer makes room. */
static void test_connection_limit_evicts_the_longest_waiting(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_limited(&echo, 2, 1);
    uint16_t port = ecc_server_port(server);
    int first = wire_connect(port);
    assert_true(first >= 0);
    wire_sleep_ms(100);
    int second = wire_connect(port);
    assert_true(second >= 0);
    assert_true(wire_send_all(second, "GET / HT", 8)); /* half a request line: slow, not idle */
    /* The second connection took the last slot but one: the first, idle, was closed for it. */
    assert_true(closed_by_server(first, 3000));
    assert_false(closed_by_server(second, 200));
    int third = wire_connect(port);
    assert_true(third >= 0);
    uint64_t start = wire_now_ms();
    assert_true(wire_send_all(third, s_close_request, strlen(s_close_request)));
    char answer[4096];
    wire_read_until_close(third, answer, sizeof(answer), 5000);
    printf("# answered in %llu ms with two slots held\n", (unsigned long long)(wire_now_ms() - start));
    assert_true(strncmp(answer, "HTTP/1.1 200", 12) == 0);
    assert_true(closed_by_server(second, 3000));
    struct ecc_server_stats stats;
    ecc_server_get_stats(server, &stats);
    assert_int_equal(stats.connections_evicted, 2);
    assert_int_equal(stats.requests_handled, 1);
    close(first);
    close(second);
    close(third);
    ecc_server_destroy(server);
}

/*
 * 3 x 40 sockets (never a byte, slow headers, a slow body, idle after an answer) against 32 slots with a
 * 60 s idle timeout: well-formed requests on fresh connections are still answered at once. Below three
 * quarters of the limit nothing is closed.
 */
static void test_slow_and_idle_sockets_do_not_starve(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server *server = start_limited(&echo, 32, 2);
    uint16_t port = ecc_server_port(server);
    char answer[4096];

    int below[20];
    for (size_t i = 0; i < ECC_ARRAY_LEN(below); i++) {
        below[i] = wire_connect(port);
        assert_true(below[i] >= 0);
    }
    wire_sleep_ms(200);
    assert_int_equal(exchange_raw(port, s_close_request, strlen(s_close_request), answer, sizeof(answer)) > 0, 1);
    assert_true(strncmp(answer, "HTTP/1.1 200", 12) == 0);
    struct ecc_server_stats stats;
    ecc_server_get_stats(server, &stats);
    assert_int_equal(stats.connections_evicted, 0);
    for (size_t i = 0; i < ECC_ARRAY_LEN(below); i++) {
        assert_false(closed_by_server(below[i], 0));
        close(below[i]);
    }

    static const char *const openings[] = {
        "",                                                                /* never a byte */
        "POST / HTTP/1.1\r\nHost: h\r\nX-Slow: a",                         /* slow headers */
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n{\"a\"", /* slow body */
        "GET / HTTP/1.1\r\nHost: h\r\n\r\n",                               /* idle after its answer */
    };
    int held[4][40];
    for (size_t kind = 0; kind < ECC_ARRAY_LEN(openings); kind++) {
        for (size_t i = 0; i < ECC_ARRAY_LEN(held[kind]); i++) {
            held[kind][i] = wire_connect(port);
            assert_true(held[kind][i] >= 0);
            assert_true(wire_send_all(held[kind][i], openings[kind], strlen(openings[kind])));
        }
    }
    for (int round = 0; round < 5; round++) {
        uint64_t start = wire_now_ms();
        exchange_raw(port, s_close_request, strlen(s_close_request), answer, sizeof(answer));
        uint64_t took = wire_now_ms() - start;
        printf("# answered in %llu ms with 160 sockets held\n", (unsigned long long)took);
        assert_true(strncmp(answer, "HTTP/1.1 200", 12) == 0);
        assert_true(took < 2500); /* exchange_raw gives up at 3 s; the idle timeout is 60 s */
    }
    ecc_server_get_stats(server, &stats);
    assert_true(stats.connections_evicted >= 160 - 32);
    for (size_t kind = 0; kind < ECC_ARRAY_LEN(openings); kind++) {
        for (size_t i = 0; i < ECC_ARRAY_LEN(held[kind]); i++) {
            close(held[kind][i]);
        }
    }
    ecc_server_destroy(server);
}

/* A connection whose request is complete is never evicted, however long its handler takes. */
static void test_answering_connection_not_evicted(void **state) {
    (void)state;
    struct echo_state echo = {0};
    echo.sleep_ms = 800;
    struct ecc_server *server = start_limited(&echo, 8, 4);
    struct slow_request slow = {.port = ecc_server_port(server)};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, slow_request_main, &slow), 0);
    uint64_t deadline = wire_now_ms() + 3000;
    while (!atomic_load(&echo.entered) && wire_now_ms() < deadline) {
        wire_sleep_ms(5);
    }
    assert_true(atomic_load(&echo.entered));
    /* The longest-waiting connection is the one being answered; newer idle ones crowd the server. */
    int idle[12];
    for (size_t i = 0; i < ECC_ARRAY_LEN(idle); i++) {
        idle[i] = wire_connect(slow.port);
        assert_true(idle[i] >= 0);
    }
    pthread_join(thread, NULL);
    if (strncmp(slow.answer, "HTTP/1.1 200", 12) != 0) {
        fail_msg("the answered request lost its answer: '%.100s'", slow.answer);
    }
    struct ecc_server_stats stats;
    ecc_server_get_stats(server, &stats);
    printf("# %llu connections evicted around it\n", (unsigned long long)stats.connections_evicted);
    assert_true(stats.connections_evicted >= 1);
    for (size_t i = 0; i < ECC_ARRAY_LEN(idle); i++) {
        close(idle[i]);
    }
    ecc_server_destroy(server);
}

static void test_ipv6_loopback(void **state) {
    (void)state;
    struct echo_state echo = {0};
    struct ecc_server_options options;
    ecc_server_options_init(&options);
    options.address = "::1";
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_server *server = ecc_server_new(&options, echo_handler, &echo, &diag);
    if (!server) {
        skip(); /* no IPv6 loopback in this sandbox */
    }
    char expected[64];
    snprintf(expected, sizeof(expected), "http://[::1]:%u", (unsigned)ecc_server_port(server));
    assert_string_equal(ecc_server_url(server), expected);
    ecc_server_destroy(server);
}

/* ------------------------------------------------------------------------------------------------ */
/* Transport faults (http.h): what each one puts on the wire                                          */

#define FAULT_BODY "{\"tasks\":[],\"failures\":[],\"note\":\"0123456789abcdef0123456789abcdef\"}"

struct fault_state {
    enum ecc_http_fault fault;
    unsigned fault_ms;
    uint64_t fault_bytes;
};

static void fault_handler(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    (void)request;
    const struct fault_state *state = user_data;
    response->status = 200;
    assert_int_equal(ecc_http_headers_add(&response->headers, "Content-Type", "application/x-amz-json-1.1"), ECC_OK);
    assert_int_equal(ecc_http_response_set_body(response, FAULT_BODY, strlen(FAULT_BODY)), ECC_OK);
    response->fault = state->fault;
    response->fault_ms = state->fault_ms;
    response->fault_bytes = state->fault_bytes;
}

static struct ecc_server *start_fault_server(struct fault_state *state, unsigned threads) {
    return start_handler(fault_handler, state, 0, threads);
}

static const char s_fault_request[] = "POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}";

/* Sends the request and reads until close; *reset tells whether the read ended in ECONNRESET. */
static size_t fault_exchange(uint16_t port, char *out, size_t max, unsigned timeout_ms, bool *reset) {
    int fd = wire_connect(port);
    assert_true(fd >= 0);
    assert_true(wire_send_all(fd, s_fault_request, strlen(s_fault_request)));
    size_t len = 0;
    *reset = false;
    uint64_t deadline = wire_now_ms() + timeout_ms;
    while (len + 1 < max && wire_now_ms() < deadline) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, (int)(deadline - wire_now_ms())) <= 0) {
            break;
        }
        ssize_t n = recv(fd, out + len, max - 1 - len, 0);
        if (n < 0) {
            *reset = errno == ECONNRESET;
            break;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    out[len] = '\0';
    close(fd);
    return len;
}

static const char *body_of(const char *answer) {
    const char *end = strstr(answer, "\r\n\r\n");
    assert_non_null(end);
    return end + 4;
}

static void test_fault_reset_and_hang(void **state) {
    (void)state;
    struct fault_state fault = {.fault = ECC_HTTP_FAULT_RESET};
    struct ecc_server *server = start_fault_server(&fault, 2);
    char answer[4096];
    bool reset = false;
    assert_int_equal(fault_exchange(ecc_server_port(server), answer, sizeof(answer), 3000, &reset), 0);
    assert_true(reset); /* an RST, not the FIN of an empty answer */

    fault.fault = ECC_HTTP_FAULT_HANG;
    fault.fault_ms = 400;
    uint64_t start = wire_now_ms();
    assert_int_equal(fault_exchange(ecc_server_port(server), answer, sizeof(answer), 5000, &reset), 0);
    uint64_t held = wire_now_ms() - start;
    printf("# hang held the connection %llu ms\n", (unsigned long long)held);
    assert_false(reset);
    assert_true(held >= 350 && held < 4000);
    ecc_server_destroy(server);
}

/* A hang ends when the client gives up: with one worker thread, the next request is served at once. */
static void test_fault_hang_ends_when_client_closes(void **state) {
    (void)state;
    struct fault_state fault = {.fault = ECC_HTTP_FAULT_HANG, .fault_ms = 60000};
    struct ecc_server *server = start_fault_server(&fault, 1);
    int fd = wire_connect(ecc_server_port(server));
    assert_true(fd >= 0);
    assert_true(wire_send_all(fd, s_fault_request, strlen(s_fault_request)));
    wire_sleep_ms(200);
    close(fd); /* the client's deadline */
    fault.fault = ECC_HTTP_FAULT_NONE;
    char answer[4096];
    bool reset = false;
    uint64_t start = wire_now_ms();
    assert_true(fault_exchange(ecc_server_port(server), answer, sizeof(answer), 10000, &reset) > 0);
    uint64_t waited = wire_now_ms() - start;
    printf("# next request answered after %llu ms\n", (unsigned long long)waited);
    assert_true(waited < 5000);
    assert_string_equal(body_of(answer), FAULT_BODY);
    /* And a hang still holding when the server stops gives up at once. */
    fault.fault = ECC_HTTP_FAULT_HANG;
    int held = wire_connect(ecc_server_port(server));
    assert_true(held >= 0);
    assert_true(wire_send_all(held, s_fault_request, strlen(s_fault_request)));
    wire_sleep_ms(200);
    start = wire_now_ms();
    ecc_server_destroy(server);
    assert_true(wire_now_ms() - start < 5000);
    close(held);
}

static void test_fault_cut_answers(void **state) {
    (void)state;
    struct fault_state fault = {.fault = ECC_HTTP_FAULT_CLOSE_AFTER_HEADERS};
    struct ecc_server *server = start_fault_server(&fault, 2);
    char answer[4096];
    char length[64];
    snprintf(length, sizeof(length), "Content-Length: %zu\r\n", strlen(FAULT_BODY));
    bool reset = false;
    assert_true(fault_exchange(ecc_server_port(server), answer, sizeof(answer), 3000, &reset) > 0);
    assert_true(strncmp(answer, "HTTP/1.1 200", 12) == 0);
    assert_non_null(strstr(answer, length)); /* the whole body is announced */
    assert_string_equal(body_of(answer), "");

    fault.fault = ECC_HTTP_FAULT_CLOSE_MID_BODY;
    assert_true(fault_exchange(ecc_server_port(server), answer, sizeof(answer), 3000, &reset) > 0);
    assert_non_null(strstr(answer, length));
    assert_int_equal(strlen(body_of(answer)), strlen(FAULT_BODY) / 2);
    assert_true(strncmp(body_of(answer), FAULT_BODY, strlen(FAULT_BODY) / 2) == 0);
    ecc_server_destroy(server);
}

static void test_fault_drip_and_oversize(void **state) {
    (void)state;
    struct fault_state fault = {.fault = ECC_HTTP_FAULT_DRIP, .fault_ms = 600};
    struct ecc_server *server = start_fault_server(&fault, 2);
    char answer[4096];
    bool reset = false;
    uint64_t start = wire_now_ms();
    assert_true(fault_exchange(ecc_server_port(server), answer, sizeof(answer), 5000, &reset) > 0);
    uint64_t took = wire_now_ms() - start;
    printf("# dripped answer took %llu ms\n", (unsigned long long)took);
    assert_true(took >= 500);
    assert_string_equal(body_of(answer), FAULT_BODY); /* whole, only slow */

    fault.fault = ECC_HTTP_FAULT_OVERSIZE;
    fault.fault_bytes = (uint64_t)2 << 20;
    size_t max = (size_t)3 << 20;
    char *big = malloc(max);
    assert_non_null(big);
    size_t got = fault_exchange(ecc_server_port(server), big, max, 10000, &reset);
    assert_non_null(strstr(big, "Transfer-Encoding: chunked"));
    const char *body = body_of(big);
    /* The first chunk starts with the answer itself; past it comes whitespace, to 2 MiB in all. */
    assert_non_null(strstr(body, FAULT_BODY));
    assert_true(got > ((size_t)2 << 20));
    assert_true(got < ((size_t)2 << 20) + 64 * 1024);
    assert_true(strcmp(big + got - 5, "0\r\n\r\n") == 0); /* it ends, properly */
    free(big);
    ecc_server_destroy(server);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_port_zero_and_raw_request),
        cmocka_unit_test(test_body_cap_declared_length),
        cmocka_unit_test(test_body_cap_chunked),
        cmocka_unit_test(test_unknown_method_and_broken_handler),
        cmocka_unit_test(test_malformed_requests_never_reach_handler),
        cmocka_unit_test(test_concurrent_clients),
        cmocka_unit_test(test_graceful_stop),
        cmocka_unit_test(test_stop_gives_up_after_grace),
        cmocka_unit_test(test_bad_options),
        cmocka_unit_test(test_too_many_headers),
        cmocka_unit_test(test_header_block_limit),
        cmocka_unit_test(test_parse_listen),
        cmocka_unit_test(test_connection_timeout),
        cmocka_unit_test(test_connection_limit_evicts_the_longest_waiting),
        cmocka_unit_test(test_slow_and_idle_sockets_do_not_starve),
        cmocka_unit_test(test_answering_connection_not_evicted),
        cmocka_unit_test(test_ipv6_loopback),
        cmocka_unit_test(test_fault_reset_and_hang),
        cmocka_unit_test(test_fault_hang_ends_when_client_closes),
        cmocka_unit_test(test_fault_cut_answers),
        cmocka_unit_test(test_fault_drip_and_oversize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

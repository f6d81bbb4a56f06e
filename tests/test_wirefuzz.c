/* The wire fuzzer (wirefuzz.h) against the emulator (no finding) and against deliberately lax handlers
 * (each rule must fire: a fuzzer that finds nothing on a broken endpoint is broken itself). */
#include "test_support.h"

#include "ecc/codec_response.h"
#include "ecc/emulator.h"
#include "ecc/mock.h"
#include "ecc/server.h"
#include "ecc/wirefuzz.h"
#include "wire_support.h"

#include <string.h>

struct t_endpoint {
    struct ecc_emulator *emu;
    struct ecc_server *server;
};

/* What the lax handler gets wrong on purpose: RunTask answered 200 with no task (whatever the request
 * holds, signed or not), an empty 404 to a request without X-Amz-Target, an HTML 500 to a body that is
 * not an object, a 200 HTML page to a request with Content-Encoding. Everything else goes to the emulator. */
static void s_lax_handler(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    struct t_endpoint *ep = user_data;
    const char *target = ecc_http_headers_get(&request->headers, "X-Amz-Target");
    if (request->body_len > 0 && request->body[0] == '[') {
        response->status = 500;
        assert_int_equal(ecc_http_headers_add(&response->headers, "Content-Type", "text/html"), ECC_OK);
        assert_int_equal(ecc_http_response_set_body(response, "<html>oops</html>", 17), ECC_OK);
        return;
    }
    if (!target) {
        response->status = 404;
        return;
    }
    if (ecc_http_headers_get(&request->headers, "Content-Encoding")) {
        response->status = 200;
        assert_int_equal(ecc_http_headers_add(&response->headers, "Content-Type", "text/html"), ECC_OK);
        assert_int_equal(ecc_http_response_set_body(response, "<html>ok</html>", 15), ECC_OK);
        return;
    }
    size_t len = strlen(target);
    if (len > 8 && strcmp(target + len - 8, ".RunTask") == 0) {
        static const char body[] = "{\"tasks\":[],\"failures\":[]}";
        assert_int_equal(ecc_codec_build_json_response(200, body, sizeof(body) - 1, NULL, response), ECC_OK);
        return;
    }
    ecc_emulator_handle(ep->emu, request, response);
}

static void s_start(struct t_endpoint *ep, ecc_http_handler_fn *handler) {
    memset(ep, 0, sizeof(*ep));
    ep->emu = ecc_emulator_new(NULL);
    assert_non_null(ep->emu);
    struct ecc_server_options options;
    ecc_server_options_init(&options);
    options.thread_count = 2;
    struct ecc_diag diag;
    ep->server = ecc_server_new(&options, handler, handler == s_lax_handler ? (void *)ep : (void *)ep->emu, &diag);
    assert_non_null(ep->server);
}

static void s_stop(struct t_endpoint *ep) {
    ecc_server_destroy(ep->server);
    ecc_emulator_destroy(ep->emu);
}

static void
s_run(const char *url, uint64_t seed, uint64_t requests, unsigned jobs, struct ecc_wirefuzz_result *result) {
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    assert_int_equal(
        ecc_credentials_set(
            &credentials, ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, NULL),
        ECC_OK);
    struct ecc_wirefuzz_options options;
    ecc_wirefuzz_options_init(&options);
    options.endpoint_url = url;
    options.region = ECC_EMULATOR_DEFAULT_REGION;
    options.credentials = &credentials;
    options.prefix = "ecctest";
    options.seed = seed;
    options.max_requests = requests;
    options.jobs = jobs;
    options.sequence_steps = 25;
    options.transport.timeout_ms = 30000; /* generous: a loaded machine must not make findings */
    ecc_wirefuzz_result_init(result);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_wirefuzz_run(&options, result, &diag), ECC_OK);
    ecc_credentials_clean_up(&credentials);
}

static const struct ecc_wirefuzz_finding *
s_find(const struct ecc_wirefuzz_result *result, const char *rule, const char *mutation) {
    for (size_t i = 0; i < result->count; i++) {
        if (strcmp(result->findings[i].rule, rule) == 0 &&
            (!mutation || strcmp(result->findings[i].mutation, mutation) == 0)) {
            return &result->findings[i];
        }
    }
    return NULL;
}

/* Prints each finding of a run that must have none, so a failing test says what it found. */
static void s_print_unexpected(const struct ecc_wirefuzz_result *result) {
    for (size_t i = 0; i < result->count; i++) {
        print_message(
            "unexpected: %s %d %s %s: %s\n",
            result->findings[i].rule,
            result->findings[i].status,
            result->findings[i].error_type,
            result->findings[i].mutation,
            result->findings[i].message);
    }
}

static void test_emulator_has_no_finding(void **state) {
    (void)state;
    struct t_endpoint ep;
    s_start(&ep, ecc_emulator_handle);
    struct ecc_wirefuzz_result result;
    s_run(ecc_server_url(ep.server), 7, 1500, 4, &result);
    s_print_unexpected(&result);
    assert_false(result.unusable);
    assert_int_equal(result.count, 0);
    assert_int_equal(result.fuzz_requests, 1500);
    assert_true(result.sequences >= 1500 / 25);
    assert_true(result.answers_2xx > 0 && result.answers_4xx > 0);
    assert_int_equal(result.answers_5xx + result.transport_failures, 0);
    /* Every sequence removed what it made: the emulator holds no cluster or task definition of the run. */
    struct ecc_emulator_stats stats;
    ecc_emulator_get_stats(ep.emu, &stats);
    assert_int_equal(stats.clusters, 0);
    assert_int_equal(result.cleanup_failures, 0);
    ecc_wirefuzz_result_clean_up(&result);
    s_stop(&ep);
}

static void test_lax_endpoint_is_caught(void **state) {
    (void)state;
    struct t_endpoint ep;
    s_start(&ep, s_lax_handler);
    struct ecc_wirefuzz_result result;
    s_run(ecc_server_url(ep.server), 11, 1500, 4, &result);
    assert_false(result.unusable);
    const struct ecc_wirefuzz_finding *unsigned_ok = s_find(&result, "reject.signature", "sig.unsigned");
    assert_non_null(unsigned_ok);
    assert_int_equal(unsigned_ok->status, 200);
    /* The reproducer of an unsigned request is the request itself: no curl signer, no secret. */
    assert_null(strstr(unsigned_ok->reproducer, "--aws-sigv4"));
    assert_null(strstr(unsigned_ok->reproducer, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY));
    assert_non_null(s_find(&result, "reject.validation", NULL));
    assert_non_null(s_find(&result, "reject.serialization", NULL));
    assert_non_null(s_find(&result, "reject.protocol", NULL));
    const struct ecc_wirefuzz_finding *count = s_find(&result, "response.match", "valid");
    assert_non_null(count);
    assert_string_equal(count->error_type, "count");
    /* Minimized: members the finding does not need are gone (a valid request has at least four). */
    assert_true(count->minimized_body_bytes < count->body_bytes);
    const struct ecc_wirefuzz_finding *html = s_find(&result, "answer.no-5xx", "body.not-object");
    assert_non_null(html);
    assert_string_equal(html->error_type, "html-body");
    const struct ecc_wirefuzz_finding *page = s_find(&result, "answer.aws-json", "content-encoding.gzip");
    assert_non_null(page);
    assert_int_equal(page->status, 200);
    assert_string_equal(page->error_type, "html-body");
    const struct ecc_wirefuzz_finding *empty = s_find(&result, "answer.body", "target.missing");
    assert_non_null(empty);
    assert_int_equal(empty->status, 404);
    /* No secret in any finding. */
    for (size_t i = 0; i < result.count; i++) {
        assert_null(strstr(result.findings[i].reproducer, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY));
        assert_null(strstr(result.findings[i].reproducer, "Signature="));
        assert_null(strstr(result.findings[i].detail, "Signature="));
    }
    /* Deduplicated: one class per (rule, status, type, mutation). */
    for (size_t i = 0; i < result.count; i++) {
        for (size_t j = i + 1; j < result.count; j++) {
            const struct ecc_wirefuzz_finding *a = &result.findings[i], *b = &result.findings[j];
            assert_false(
                strcmp(a->rule, b->rule) == 0 && a->status == b->status && strcmp(a->error_type, b->error_type) == 0 &&
                strcmp(a->mutation, b->mutation) == 0);
        }
    }
    /* The report: one FAIL per class, one PASS per clean rule. */
    struct ecc_run_report report;
    assert_int_equal(ecc_run_report_init(&report, "lax", "emulator", "ecctest", 11), ECC_OK);
    assert_int_equal(ecc_wirefuzz_to_report(&result, &report), ECC_OK);
    struct ecc_report_counts counts;
    ecc_run_report_counts(&report, &counts);
    assert_int_equal(counts.fail, result.count);
    assert_true(counts.pass > 0);
    assert_int_equal(counts.skip, 3); /* the three attack rules: no attack ran, so no false PASS */
    ecc_run_report_clean_up(&report);
    ecc_wirefuzz_result_clean_up(&result);
    s_stop(&ep);
}

static void test_same_seed_same_findings(void **state) {
    (void)state;
    struct t_endpoint ep;
    s_start(&ep, s_lax_handler);
    struct ecc_wirefuzz_result a, b;
    s_run(ecc_server_url(ep.server), 5, 300, 1, &a);
    s_run(ecc_server_url(ep.server), 5, 300, 1, &b);
    assert_true(a.count > 0);
    assert_int_equal(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        assert_string_equal(a.findings[i].rule, b.findings[i].rule);
        assert_string_equal(a.findings[i].mutation, b.findings[i].mutation);
        assert_int_equal(a.findings[i].hits, b.findings[i].hits);
        assert_int_equal(a.findings[i].sequence, b.findings[i].sequence);
    }
    ecc_wirefuzz_result_clean_up(&a);
    ecc_wirefuzz_result_clean_up(&b);
    s_stop(&ep);
}

static void test_unusable_and_bad_options(void **state) {
    (void)state;
    /* A port nothing listens on: the preflight fails, nothing is fuzzed. */
    struct t_endpoint ep;
    s_start(&ep, ecc_emulator_handle);
    char url[64];
    snprintf(url, sizeof(url), "%s", ecc_server_url(ep.server));
    s_stop(&ep);
    struct ecc_wirefuzz_result result;
    s_run(url, 1, 10, 1, &result);
    assert_true(result.unusable);
    assert_true(strstr(result.unusable_reason, "connect") != NULL);
    assert_int_equal(result.fuzz_requests, 0);
    ecc_wirefuzz_result_clean_up(&result);

    struct ecc_wirefuzz_options options;
    ecc_wirefuzz_options_init(&options);
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    options.endpoint_url = url;
    options.region = "us-east-1";
    options.credentials = &credentials;
    options.prefix = "ecctest";
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    ecc_wirefuzz_result_init(&result);
    assert_int_equal(ecc_wirefuzz_run(&options, &result, &diag), ECC_ERR_INVALID); /* no limit */
    assert_non_null(strstr(diag.text, "bounded"));
    options.max_requests = 1;
    options.prefix = NULL;
    assert_int_equal(ecc_wirefuzz_run(&options, &result, &diag), ECC_ERR_INVALID);
    ecc_wirefuzz_result_clean_up(&result);
}

/*
 * The attacks are judged against a server that holds (ours: past its connection limit it closes the
 * connections that wait longest without an answer under way) and against one that does not: a relay
 * that serves one client connection at a time, the next waiting in its listen backlog, and drops a
 * client idle for 100 ms. 24 flood sockets hold it for at least 2.4 s, past the 1.5 s deadline of the
 * health request (attack.availability); once they close it works through its backlog (how long that
 * takes depends on the machine's load) and answers again within the recovery time (no
 * attack.recovery). A relay with `max_clients` serves that many connections, then closes its listening
 * socket: an endpoint that never recovers.
 */
struct t_serial_relay {
    int listen_fd;
    uint16_t port;
    uint16_t upstream_port;
    unsigned max_clients; /* 0: no limit */
    pthread_t thread;
    atomic_bool stop;
};

static void s_relay_one(struct t_serial_relay *relay, int client) {
    int upstream = wire_connect(relay->upstream_port);
    if (upstream < 0) {
        return;
    }
    uint64_t active = wire_now_ms();
    char buf[16384];
    while (!atomic_load(&relay->stop) && wire_now_ms() - active < 100) {
        struct pollfd pfd[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
        if (poll(pfd, 2, 20) <= 0) {
            continue;
        }
        bool closed = false;
        for (int i = 0; i < 2 && !closed; i++) {
            if (pfd[i].revents != 0) {
                ssize_t n = recv(pfd[i].fd, buf, sizeof(buf), 0);
                closed = n <= 0 || !wire_send_all(pfd[1 - i].fd, buf, (size_t)n);
            }
        }
        if (closed) {
            break;
        }
        active = wire_now_ms();
    }
    close(upstream);
}

static void *s_relay_main(void *arg) {
    struct t_serial_relay *relay = arg;
    uint64_t deadline = wire_now_ms() + 60000;
    unsigned served = 0;
    while (!atomic_load(&relay->stop) && wire_now_ms() < deadline) {
        struct pollfd pfd = {relay->listen_fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0) {
            continue;
        }
        int client = accept(relay->listen_fd, NULL, NULL);
        if (client >= 0) {
            s_relay_one(relay, client);
            close(client);
        }
        if (relay->max_clients && ++served == relay->max_clients) {
            close(relay->listen_fd); /* later connections are refused */
            relay->listen_fd = -1;
            break;
        }
    }
    return NULL;
}

static void s_relay_start(struct t_serial_relay *relay, uint16_t upstream_port, unsigned max_clients) {
    memset(relay, 0, sizeof(*relay));
    relay->upstream_port = upstream_port;
    relay->max_clients = max_clients;
    atomic_init(&relay->stop, false);
    relay->listen_fd = wire_listen(&relay->port);
    assert_true(relay->listen_fd >= 0);
    assert_int_equal(listen(relay->listen_fd, 128), 0); /* room in the backlog for every attack socket */
    assert_int_equal(pthread_create(&relay->thread, NULL, s_relay_main, relay), 0);
}

static void s_relay_stop(struct t_serial_relay *relay) {
    atomic_store(&relay->stop, true);
    pthread_join(relay->thread, NULL);
    if (relay->listen_fd >= 0) {
        close(relay->listen_fd);
    }
}

static void s_run_attacks(
    const char *url,
    unsigned connections,
    unsigned attack_ms,
    unsigned recovery_ms,
    struct ecc_wirefuzz_result *result) {
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    assert_int_equal(
        ecc_credentials_set(
            &credentials, ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, NULL),
        ECC_OK);
    struct ecc_wirefuzz_options options;
    ecc_wirefuzz_options_init(&options);
    options.endpoint_url = url;
    options.region = ECC_EMULATOR_DEFAULT_REGION;
    options.credentials = &credentials;
    options.prefix = "ecctest";
    options.seed = 3;
    options.max_requests = 1;
    options.attacks = true;
    options.attack_ms = attack_ms;
    options.attack_connections = connections;
    options.attack_recovery_ms = recovery_ms;
    options.transport.timeout_ms = 1500;
    ecc_wirefuzz_result_init(result);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_wirefuzz_run(&options, result, &diag), ECC_OK);
    assert_false(result->unusable);
    assert_int_equal(result->attacks_run, 8);
    ecc_credentials_clean_up(&credentials);
}

/* Generous: on a loaded machine the relay may take seconds to work through its backlog. */
#define T_RECOVERY_MS 20000

static void test_attacks(void **state) {
    (void)state;
    struct t_endpoint ep;
    memset(&ep, 0, sizeof(ep));
    ep.emu = ecc_emulator_new(NULL);
    assert_non_null(ep.emu);
    struct ecc_server_options options;
    ecc_server_options_init(&options);
    options.thread_count = 2;
    options.max_connections = 12;
    struct ecc_diag diag;
    ep.server = ecc_server_new(&options, ecc_emulator_handle, ep.emu, &diag);
    assert_non_null(ep.server);

    struct ecc_wirefuzz_result result;
    s_run_attacks(ecc_server_url(ep.server), 4, 400, T_RECOVERY_MS, &result);
    s_print_unexpected(&result);
    assert_int_equal(result.count, 0);
    ecc_wirefuzz_result_clean_up(&result);

    /* Twice its connection limit: the server closes the waiting sockets to make room. */
    struct ecc_server_stats stats;
    ecc_server_get_stats(ep.server, &stats);
    uint64_t evicted_before = stats.connections_evicted;
    s_run_attacks(ecc_server_url(ep.server), 24, 400, T_RECOVERY_MS, &result);
    s_print_unexpected(&result);
    assert_int_equal(result.count, 0);
    ecc_server_get_stats(ep.server, &stats);
    assert_true(stats.connections_evicted > evicted_before);
    ecc_wirefuzz_result_clean_up(&result);

    /* A server that does not hold is found out. */
    struct t_serial_relay relay;
    s_relay_start(&relay, ecc_server_port(ep.server), 0);
    char relay_url[64];
    snprintf(relay_url, sizeof(relay_url), "http://127.0.0.1:%u", (unsigned)relay.port);
    s_run_attacks(relay_url, 24, 400, T_RECOVERY_MS, &result);
    s_relay_stop(&relay);
    const struct ecc_wirefuzz_finding *flood = s_find(&result, "attack.availability", "attack.flood");
    assert_non_null(flood);
    assert_int_equal(flood->status, 0);
    assert_null(s_find(&result, "attack.recovery", NULL));
    assert_null(strstr(flood->reproducer, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY));
    struct ecc_run_report report;
    assert_int_equal(ecc_run_report_init(&report, "flooded", "emulator", "ecctest", 3), ECC_OK);
    assert_int_equal(ecc_wirefuzz_to_report(&result, &report), ECC_OK);
    struct ecc_report_counts counts;
    ecc_run_report_counts(&report, &counts);
    assert_int_equal(counts.skip, 0); /* the attacks ran: their rules are judged, not skipped */
    ecc_run_report_clean_up(&report);
    ecc_wirefuzz_result_clean_up(&result);
    s_stop(&ep);
}

/* An endpoint that never comes back (the relay serves the preflight's connection, then refuses every
 * connection): the recovery probe is repeated for the whole recovery time, then it is a finding. */
static void test_attack_no_recovery(void **state) {
    (void)state;
    struct t_endpoint ep;
    s_start(&ep, ecc_emulator_handle);
    struct t_serial_relay relay;
    s_relay_start(&relay, ecc_server_port(ep.server), 1);
    char relay_url[64];
    snprintf(relay_url, sizeof(relay_url), "http://127.0.0.1:%u", (unsigned)relay.port);
    struct ecc_wirefuzz_result result;
    s_run_attacks(relay_url, 4, 100, 400, &result);
    s_relay_stop(&relay);
    const struct ecc_wirefuzz_finding *gone = s_find(&result, "attack.recovery", "attack.flood");
    assert_non_null(gone);
    assert_int_equal(gone->status, 0);
    assert_non_null(strstr(gone->message, "answered 0"));
    assert_true(gone->error_type[0] != '\0'); /* the transport's error name */
    /* Probed again and again for the whole recovery time before giving up. */
    const char *after = strstr(gone->message, "still no answer after ");
    assert_non_null(after);
    unsigned probes = 0, waited_ms = 0;
    assert_int_equal(sscanf(after, "still no answer after %u probes over %u ms", &probes, &waited_ms), 2);
    assert_true(probes >= 2);
    assert_true(waited_ms >= 300);
    ecc_wirefuzz_result_clean_up(&result);
    s_stop(&ep);
}

/* After the preflight's two requests, an HTML 503 to everything: an answer that breaks a rule is a
 * recovery finding at once, not a delay to wait out. */
struct t_sick {
    struct ecc_emulator *emu;
    atomic_uint requests;
};

static void
s_sick_handler(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    struct t_sick *sick = user_data;
    if (atomic_fetch_add(&sick->requests, 1) < 2) {
        ecc_emulator_handle(sick->emu, request, response);
        return;
    }
    response->status = 503;
    assert_int_equal(ecc_http_headers_add(&response->headers, "Content-Type", "text/html"), ECC_OK);
    assert_int_equal(ecc_http_response_set_body(response, "<html>busy</html>", 17), ECC_OK);
}

static void test_attack_wrong_answer_after(void **state) {
    (void)state;
    struct t_sick sick = {.emu = ecc_emulator_new(NULL)};
    assert_non_null(sick.emu);
    atomic_init(&sick.requests, 0);
    struct ecc_server_options options;
    ecc_server_options_init(&options);
    options.thread_count = 2;
    struct ecc_diag diag;
    struct ecc_server *server = ecc_server_new(&options, s_sick_handler, &sick, &diag);
    assert_non_null(server);
    struct ecc_wirefuzz_result result;
    uint64_t started = wire_now_ms();
    s_run_attacks(ecc_server_url(server), 4, 100, 5000, &result);
    const struct ecc_wirefuzz_finding *sick_after = s_find(&result, "attack.recovery", "attack.flood");
    assert_non_null(sick_after);
    assert_non_null(strstr(sick_after->message, "answered 503"));
    /* Not retried until the recovery time: the eight attacks would take 40 s. */
    assert_true(wire_now_ms() - started < 8u * 5000u);
    ecc_wirefuzz_result_clean_up(&result);
    ecc_server_destroy(server);
    ecc_emulator_destroy(sick.emu);
}

/* A run of `requests` with `key`; `adjust` sets what a test varies. */
static enum ecc_status s_run_with(
    const char *url,
    const char *key,
    const char *secret,
    void (*adjust)(struct ecc_wirefuzz_options *options),
    struct ecc_wirefuzz_result *result,
    struct ecc_diag *diag) {
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    assert_int_equal(ecc_credentials_set(&credentials, key, secret, NULL, NULL), ECC_OK);
    struct ecc_wirefuzz_options options;
    ecc_wirefuzz_options_init(&options);
    options.endpoint_url = url;
    options.region = ECC_EMULATOR_DEFAULT_REGION;
    options.credentials = &credentials;
    options.prefix = "ecctest";
    options.seed = 5;
    options.max_requests = 400;
    options.jobs = 4;
    options.sequence_steps = 20;
    options.transport.timeout_ms = 30000;
    adjust(&options);
    ecc_wirefuzz_result_init(result);
    ecc_diag_clear(diag);
    enum ecc_status status = ecc_wirefuzz_run(&options, result, diag);
    ecc_credentials_clean_up(&credentials);
    return status;
}

static const char *const s_skip_signature[] = {"reject.signature"};
static const char *const s_skip_unknown[] = {"reject.signatures"};
static const char *const s_mock_errors[] = {ECC_MOCK_NO_MATCH_ERROR};

static void s_adjust_skip_signature(struct ecc_wirefuzz_options *o) {
    o->skip_rules = s_skip_signature;
    o->skip_rule_count = 1;
}
static void s_adjust_skip_unknown(struct ecc_wirefuzz_options *o) {
    o->skip_rules = s_skip_unknown;
    o->skip_rule_count = 1;
}
static void s_adjust_none(struct ecc_wirefuzz_options *o) {
    (void)o;
}
static void s_adjust_stateless(struct ecc_wirefuzz_options *o) {
    o->stateless = true;
}
static void s_adjust_mock(struct ecc_wirefuzz_options *o) {
    o->stateless = true;
    o->extra_error_types = s_mock_errors;
    o->extra_error_type_count = 1;
}

/* A skipped rule is not judged (its class is not kept, the report says SKIP); the other rules are. */
static void test_skipped_rule(void **state) {
    (void)state;
    struct t_endpoint ep;
    s_start(&ep, s_lax_handler);
    struct ecc_wirefuzz_result result;
    struct ecc_diag diag;
    const char *url = ecc_server_url(ep.server);
    assert_int_equal(
        s_run_with(
            url,
            ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID,
            ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY,
            s_adjust_skip_signature,
            &result,
            &diag),
        ECC_OK);
    assert_null(s_find(&result, "reject.signature", NULL));
    assert_non_null(s_find(&result, "answer.no-5xx", NULL)); /* the lax handler's HTML 500, still judged */
    struct ecc_run_report report;
    assert_int_equal(ecc_run_report_init(&report, "lax", "emulator", "ecctest", 5), ECC_OK);
    assert_int_equal(ecc_wirefuzz_to_report(&result, &report), ECC_OK);
    bool skipped = false;
    for (size_t i = 0; i < report.count; i++) {
        if (strcmp(report.cases[i].id, "reject.signature") == 0) {
            skipped = report.cases[i].result == ECC_RESULT_SKIP;
        }
    }
    assert_true(skipped);
    ecc_run_report_clean_up(&report);
    ecc_wirefuzz_result_clean_up(&result);

    /* Not skipped, the same run finds it: the skip is what hid it. */
    assert_int_equal(
        s_run_with(
            url,
            ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID,
            ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY,
            s_adjust_none,
            &result,
            &diag),
        ECC_OK);
    assert_non_null(s_find(&result, "reject.signature", NULL));
    ecc_wirefuzz_result_clean_up(&result);

    assert_int_equal(
        s_run_with(
            url,
            ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID,
            ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY,
            s_adjust_skip_unknown,
            &result,
            &diag),
        ECC_ERR_INVALID);
    assert_non_null(strstr(diag.text, "reject.signatures"));
    ecc_wirefuzz_result_clean_up(&result);
    s_stop(&ep);
}

/*
 * A stateless endpoint: the mock of `ecsconf serve`, which creates nothing and answers what matches
 * no recorded exchange with its own EcsconfNoMatchingExchange. With the stateless options and that
 * type declared: usable, no setup or cleanup request, no finding; without them: unusable (its
 * CreateCluster is not answered 200), and its type is not in the error table.
 */
static void test_stateless_mock(void **state) {
    (void)state;
    struct ecc_mock_options mock_options = {
        .region = ECC_EMULATOR_DEFAULT_REGION,
        .access_key_id = ECC_MOCK_DEFAULT_ACCESS_KEY_ID,
        .secret_access_key = ECC_MOCK_DEFAULT_SECRET_ACCESS_KEY,
    };
    struct ecc_diag diag;
    struct ecc_mock *mock = ecc_mock_new(&mock_options, &diag);
    assert_non_null(mock);
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.thread_count = 2;
    struct ecc_server *server = ecc_server_new(&server_options, ecc_mock_handle, mock, &diag);
    assert_non_null(server);
    const char *url = ecc_server_url(server);
    const char *key = ECC_MOCK_DEFAULT_ACCESS_KEY_ID, *secret = ECC_MOCK_DEFAULT_SECRET_ACCESS_KEY;

    struct ecc_wirefuzz_result result;
    assert_int_equal(s_run_with(url, key, secret, s_adjust_mock, &result, &diag), ECC_OK);
    s_print_unexpected(&result);
    assert_false(result.unusable);
    assert_int_equal(result.count, 0);
    assert_int_equal(result.fuzz_requests, 400);
    /* At least 20 sequences of 20 steps; lanes that find the budget spent end theirs with no step. */
    assert_true(result.sequences >= 400 / 20);
    /* One preflight and one health request per sequence: nothing created, nothing to clean up. */
    assert_int_equal(result.other_requests, 1 + result.sequences);
    assert_true(result.answers_4xx > 0);
    assert_int_equal(result.answers_5xx + result.transport_failures, 0);
    ecc_wirefuzz_result_clean_up(&result);

    assert_int_equal(s_run_with(url, key, secret, s_adjust_none, &result, &diag), ECC_OK);
    assert_true(result.unusable);
    assert_non_null(strstr(result.unusable_reason, "CreateCluster"));
    ecc_wirefuzz_result_clean_up(&result);

    assert_int_equal(s_run_with(url, key, secret, s_adjust_stateless, &result, &diag), ECC_OK);
    assert_true(result.unusable); /* the preflight's answer breaks answer.error-type */
    assert_non_null(strstr(result.unusable_reason, ECC_MOCK_NO_MATCH_ERROR));
    ecc_wirefuzz_result_clean_up(&result);

    ecc_server_destroy(server);
    ecc_mock_destroy(mock);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_emulator_has_no_finding),
        cmocka_unit_test(test_lax_endpoint_is_caught),
        cmocka_unit_test(test_same_seed_same_findings),
        cmocka_unit_test(test_unusable_and_bad_options),
        cmocka_unit_test(test_attacks),
        cmocka_unit_test(test_attack_no_recovery),
        cmocka_unit_test(test_attack_wrong_answer_after),
        cmocka_unit_test(test_skipped_rule),
        cmocka_unit_test(test_stateless_mock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

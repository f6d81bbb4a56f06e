/*
 * Emulator benchmark.
 *
 *   bench_emulator                 in-process figures: RunTask through ecc_emulator_handle with the
 *                                  signature verified (calls/s, p50/p99), against a baseline measured in
 *                                  the same process (the same request through the verifier alone), and
 *                                  memory per stored task (RSS growth over 100,000 stored tasks).
 *   bench_emulator wrk-script URL OUT.lua
 *                                  set-up against a running endpoint (CreateCluster, RegisterTaskDefinition,
 *                                  signed, over libcurl) and a wrk script holding one freshly signed
 *                                  RunTask request (valid for the 5-minute skew window), and the
 *                                  capacity control action when the endpoint has one. Used by
 *                                  bench/emulator_vs_moto.sh to drive the emulator and moto_server alike.
 *   bench_emulator rate URL RPS SECONDS
 *                                  constant-rate (open-loop) load: one freshly signed RunTask request
 *                                  sent on a fixed schedule, RPS per second for SECONDS, over kept-alive
 *                                  connections (the transport's curl multi, at most 16 in flight). Each latency runs
 * from the request's *scheduled* time to its answer, so a slow answer that delays later sends counts against them too
 * (no coordinated omission, unlike wrk's closed loop). Polls every 100 us: latencies are exact to ~0.1 ms. Prints
 * requests, achieved rate, non-200, transport errors, p50/p99/p99.9/max.
 */
#include "ecc/codec_request.h"
#include "ecc/emulator.h"
#include "ecc/sigv4.h"
#include "ecc/transport.h"

#include <curl/curl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CLUSTER "bench"
/*
 * EC2 launch type, bridge network: moto_server 5.2 answers Fargate RunTask with a 500 (its ENI model lacks
 * privateDnsName), so both endpoints get the EC2 path. The emulator places every task on simulated
 * instances (BENCH_CAPACITY gives it room); moto needs a registered container instance (the script
 * registers one m5.xlarge) and answers `failures` once its CPU or memory is used, which is less work than
 * a placed task. A small task (1 CPU unit, 8 MiB) so that a 60-second soak never fills the emulator's
 * capacity either: every answer stays a placed task.
 */
#define TASKDEF                                                                                                        \
    "{\"family\":\"bench\",\"containerDefinitions\":[{\"name\":\"app\",\"image\":"                                     \
    "\"public.ecr.aws/nginx/nginx:latest\",\"essential\":true,\"cpu\":1,\"memory\":8}]}"
#define RUN_TASK "{\"cluster\":\"" CLUSTER "\",\"taskDefinition\":\"bench\",\"launchType\":\"EC2\"}"
/*
 * Room for 10,485,760 tasks (1 CPU unit each) on 10 simulated instances. Placement looks at every
 * instance of the cluster, so the instance count is part of the cost measured (about 45 instructions
 * per instance and task).
 */
#define BENCH_CAPACITY                                                                                                 \
    "{\"action\":\"capacity\",\"cluster\":\"" CLUSTER "\",\"instances\":10,\"cpu\":1048576,\"memory\":16777216}"

static double s_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void s_die(const char *what) {
    fprintf(stderr, "bench_emulator: %s\n", what);
    exit(1);
}

/* A signed AWS JSON request for `operation` with `host` as the Host header. */
static void s_signed(const char *operation, const char *body, const char *host, struct ecc_http_request *request) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    if (ecc_codec_build_aws_json_request(operation, body, strlen(body), request, &diag) != ECC_OK ||
        ecc_http_headers_set(&request->headers, "Host", host) != ECC_OK ||
        ecc_credentials_set(
            &credentials, ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, &diag) !=
            ECC_OK) {
        s_die(diag.text);
    }
    struct ecc_sigv4_sign_options options = {.credentials = &credentials, .region = "us-east-1", .service = "ecs"};
    if (ecc_sigv4_sign(request, &options, &diag) != ECC_OK) {
        s_die(diag.text);
    }
    ecc_credentials_clean_up(&credentials);
}

static long s_rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmRSS:", 6) == 0) {
            kib = strtol(line + 6, NULL, 10);
        }
    }
    if (f) {
        fclose(f);
    }
    return kib;
}

static int s_cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int s_handle(struct ecc_emulator *emu, const struct ecc_http_request *request) {
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    ecc_emulator_handle(emu, request, &response);
    int status = response.status;
    ecc_http_response_clean_up(&response);
    return status;
}

static int s_in_process(void) {
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    options.max_tasks = 2000000;
    struct ecc_emulator *emu = ecc_emulator_new(&options);
    if (!emu) {
        s_die("cannot create the emulator");
    }
    const char *host = "ecs.us-east-1.amazonaws.com";
    struct ecc_diag diag;
    if (ecc_emulator_control(emu, BENCH_CAPACITY, strlen(BENCH_CAPACITY), &diag) != ECC_OK) {
        s_die(diag.text);
    }
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    s_signed("CreateCluster", "{\"clusterName\":\"" CLUSTER "\"}", host, &request);
    if (s_handle(emu, &request) != 200) {
        s_die("CreateCluster failed");
    }
    ecc_http_request_clean_up(&request);
    ecc_http_request_init(&request);
    s_signed("RegisterTaskDefinition", TASKDEF, host, &request);
    if (s_handle(emu, &request) != 200) {
        s_die("RegisterTaskDefinition failed");
    }
    ecc_http_request_clean_up(&request);
    ecc_http_request_init(&request);
    s_signed("RunTask", RUN_TASK, host, &request);

    /* Baseline, same process: the signature check alone on the same request. */
    struct ecc_sigv4_key key = {ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, 0};
    struct ecc_sigv4_verifier_options vopts = {.region = "us-east-1", .service = "ecs", .keys = &key, .key_count = 1};
    struct ecc_sigv4_verifier *verifier = ecc_sigv4_verifier_new(&vopts, &diag);
    if (!verifier) {
        s_die(diag.text);
    }
    /* BENCH_EMULATOR_CALLS: fewer calls for a profiler run (valgrind --tool=callgrind); default 100,000. */
    const char *calls = getenv("BENCH_EMULATOR_CALLS");
    const size_t N = calls && atoi(calls) > 0 ? (size_t)atoi(calls) : 100000;
    double start = s_now_s();
    for (size_t i = 0; i < N; i++) {
        struct ecc_sigv4_verify_result result;
        ecc_sigv4_verify_result_init(&result);
        if (ecc_sigv4_verify(verifier, &request, &result) != ECC_OK || result.outcome != ECC_SIGV4_VERIFIED) {
            s_die("verification failed");
        }
        ecc_sigv4_verify_result_clean_up(&result);
    }
    double verify_s = s_now_s() - start;
    ecc_sigv4_verifier_destroy(verifier);

    long rss_before = s_rss_kib();
    double *latency = malloc(N * sizeof(double));
    if (!latency) {
        s_die("out of memory");
    }
    start = s_now_s();
    for (size_t i = 0; i < N; i++) {
        double t0 = s_now_s();
        if (s_handle(emu, &request) != 200) {
            s_die("RunTask failed");
        }
        latency[i] = s_now_s() - t0;
    }
    double run_s = s_now_s() - start;
    long rss_after = s_rss_kib();
    struct ecc_emulator_stats stats;
    ecc_emulator_get_stats(emu, &stats);
    qsort(latency, N, sizeof(double), s_cmp_double);
    printf("in-process (no socket), one thread, signature verified on every call:\n");
    printf(
        "  RunTask through ecc_emulator_handle: %.0f calls/s, p50 %.1f us, p99 %.1f us\n",
        (double)N / run_s,
        latency[N / 2] * 1e6,
        latency[N * 99 / 100] * 1e6);
    printf(
        "  baseline, SigV4 verification alone:  %.0f calls/s (RunTask costs %.1fx a verification)\n",
        (double)N / verify_s,
        run_s / verify_s);
    printf(
        "  memory per stored task: %.0f bytes (RSS growth %ld KiB over %zu stored EC2 tasks)\n",
        (double)(rss_after - rss_before) * 1024.0 / (double)stats.tasks,
        rss_after - rss_before,
        stats.tasks);
    free(latency);
    ecc_http_request_clean_up(&request);
    ecc_emulator_destroy(emu);
    return 0;
}

static size_t s_discard(char *data, size_t size, size_t count, void *user) {
    (void)data;
    (void)user;
    return size * count;
}

/* Sends a signed set-up call over libcurl; 200 expected. */
static void s_post(const char *url, const char *host, const char *operation, const char *body) {
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    s_signed(operation, body, host, &request);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = NULL;
    for (size_t i = 0; i < request.headers.count; i++) {
        char line[4096];
        snprintf(line, sizeof(line), "%s: %s", request.headers.items[i].name, request.headers.items[i].value);
        headers = curl_slist_append(headers, line);
    }
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, (const char *)request.body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)request.body_len);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    long status = 0;
    if (curl_easy_perform(curl) != CURLE_OK || curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK ||
        status != 200) {
        fprintf(stderr, "bench_emulator: %s answered %ld\n", operation, status);
        exit(1);
    }
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    ecc_http_request_clean_up(&request);
}

/* Best effort: an endpoint without the control action (moto) just ignores or refuses it. */
static void s_control(const char *url, const char *body) {
    char control[512];
    snprintf(control, sizeof(control), "%s%s", url, ECC_EMULATOR_CONTROL_PATH);
    CURL *curl = curl_easy_init();
    curl_easy_setopt(curl, CURLOPT_URL, control);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_discard);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    (void)curl_easy_perform(curl);
    curl_easy_cleanup(curl);
}

/* Writes `text` as a Lua long string. */
static void s_lua_string(FILE *out, const char *text) {
    fprintf(out, "[==[%s]==]", text);
}

static int s_wrk_script(const char *url, const char *path) {
    const char *host = strstr(url, "://");
    if (!host) {
        s_die("the URL must be http://HOST:PORT");
    }
    host += 3;
    char host_only[256];
    snprintf(host_only, sizeof(host_only), "%s", host);
    char *slash = strchr(host_only, '/');
    if (slash) {
        *slash = '\0';
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s_post(url, host_only, "CreateCluster", "{\"clusterName\":\"" CLUSTER "\"}");
    s_post(url, host_only, "RegisterTaskDefinition", TASKDEF);
    s_control(url, BENCH_CAPACITY);
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    s_signed("RunTask", RUN_TASK, host_only, &request);
    FILE *out = fopen(path, "w");
    if (!out) {
        s_die("cannot write the wrk script");
    }
    fprintf(out, "-- generated by bench_emulator: one signed RunTask request (test credentials only)\n");
    fprintf(out, "wrk.method = \"POST\"\nwrk.body = ");
    s_lua_string(out, (const char *)request.body);
    fprintf(out, "\n");
    for (size_t i = 0; i < request.headers.count; i++) {
        fprintf(out, "wrk.headers[\"%s\"] = ", request.headers.items[i].name);
        s_lua_string(out, request.headers.items[i].value);
        fprintf(out, "\n");
    }
    fclose(out);
    ecc_http_request_clean_up(&request);
    curl_global_cleanup();
    return 0;
}

static void s_sleep_s(double seconds) {
    if (seconds <= 0) {
        return;
    }
    struct timespec ts = {.tv_sec = (time_t)seconds, .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
}

/* Collects every finished exchange; latencies from the scheduled times in `due`. */
static void s_rate_collect(
    struct ecc_transport *transport,
    int wait_ms,
    const double *due,
    double *latency,
    size_t *done,
    size_t *non_200,
    size_t *errors) {
    struct ecc_transport_exchange *exchange = NULL;
    while (ecc_transport_next(transport, wait_ms, &exchange) == ECC_OK) {
        size_t index = (size_t)(uintptr_t)exchange->user_data;
        latency[(*done)++] = s_now_s() - due[index];
        if (exchange->result.error != ECC_TRANSPORT_OK) {
            if ((*errors)++ == 0) {
                fprintf(stderr, "bench_emulator: first transport error: %s\n", exchange->result.message);
            }
        } else if (exchange->response.status != 200) {
            (*non_200)++;
        }
        ecc_transport_exchange_destroy(exchange);
        wait_ms = 0;
    }
}

#define S_RATE_CONNECTIONS 16

static int s_rate(const char *url, double rps, double seconds) {
    const char *host = strstr(url, "://");
    if (!host || rps <= 0 || seconds <= 0 || rps * seconds > 10e6) {
        s_die("usage: bench_emulator rate http://HOST:PORT RPS SECONDS");
    }
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_transport_options options;
    ecc_transport_options_init(&options);
    options.timeout_ms = 10000;
    struct ecc_transport *transport = ecc_transport_new(&options, &diag);
    if (!transport) {
        s_die(diag.text);
    }
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    s_signed("RunTask", RUN_TASK, host + 3, &request);
    size_t total = (size_t)(rps * seconds);
    double *due = malloc(total * sizeof(double));
    double *latency = malloc(total * sizeof(double));
    if (!due || !latency) {
        s_die("out of memory");
    }
    size_t sent = 0, done = 0, non_200 = 0, errors = 0;
    double start = s_now_s() + 0.01;
    for (size_t i = 0; i < total; i++) {
        due[i] = start + (double)i / rps;
    }
    while (sent < total) {
        double now = s_now_s();
        /* A client with a pool of S_RATE_CONNECTIONS: a request due while all are busy waits for one,
         * and its latency (from its scheduled time) includes the wait. */
        while (sent < total && due[sent] <= now && ecc_transport_pending(transport) < S_RATE_CONNECTIONS) {
            if (ecc_transport_submit(transport, url, &request, (void *)(uintptr_t)sent, &diag) != ECC_OK) {
                s_die(diag.text);
            }
            sent++;
        }
        s_rate_collect(transport, 0, due, latency, &done, &non_200, &errors);
        if (sent < total) {
            double wait = due[sent] - s_now_s();
            s_sleep_s(wait < 100e-6 ? wait : 100e-6);
        }
    }
    while (done < total && ecc_transport_pending(transport) > 0) {
        s_rate_collect(transport, 1, due, latency, &done, &non_200, &errors);
    }
    double elapsed = s_now_s() - start;
    qsort(latency, done, sizeof(double), s_cmp_double);
    printf(
        "rate %.0f req/s for %.0f s: %zu requests, %.0f req/s achieved, non-200 %zu, transport errors %zu, "
        "p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms\n",
        rps,
        seconds,
        done,
        (double)done / elapsed,
        non_200,
        errors,
        done ? latency[done / 2] * 1e3 : 0,
        done ? latency[done * 99 / 100] * 1e3 : 0,
        done ? latency[done * 999 / 1000] * 1e3 : 0,
        done ? latency[done - 1] * 1e3 : 0);
    free(due);
    free(latency);
    ecc_http_request_clean_up(&request);
    ecc_transport_destroy(transport);
    return non_200 || errors ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "wrk-script") == 0) {
        return s_wrk_script(argv[2], argv[3]);
    }
    if (argc == 5 && strcmp(argv[1], "rate") == 0) {
        return s_rate(argv[2], atof(argv[3]), atof(argv[4]));
    }
    if (argc != 1) {
        fprintf(stderr, "usage: bench_emulator [wrk-script URL OUT.lua | rate URL RPS SECONDS]\n");
        return 2;
    }
    return s_in_process();
}

/*
 * Wire fuzzer benchmark: `ecsconf fuzz` (wirefuzz.h) against the emulator on loopback, in-process.
 * Prints the fuzzer's requests per second (fuzzed, setup, cleanup and health requests, all sent and
 * judged), the findings (0 expected), and, measured in the same process against the same emulator, the
 * rate of a bare transport replaying one signed ListTasks at the same concurrency: the ratio shows what
 * generating, signing and judging every request costs on top of the wire. Both also print the CPU time
 * spent per request, by the calling thread (the fuzzer, or the bare loop) and by the whole process (with
 * the emulator's server threads): on a loaded machine the rates follow the load, the CPU per request
 * much less.
 *
 *   bench_wirefuzz [fuzzed requests] [jobs]     (defaults 100000 and 8)
 */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include "ecc/emulator.h"
#include "ecc/server.h"
#include "ecc/sigv4.h"
#include "ecc/transport.h"
#include "ecc/wirefuzz.h"

#include "ecc/codec_request.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static uint64_t s_now_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

/* CPU time (user + system) of the calling thread and of the whole process, in microseconds. */
struct s_cpu {
    uint64_t thread_us, process_us;
};

static uint64_t s_rusage_us(int who) {
    struct rusage usage;
    if (getrusage(who, &usage) != 0) {
        return 0;
    }
    return (uint64_t)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000u +
           (uint64_t)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

static struct s_cpu s_cpu_now(void) {
    struct s_cpu now = {s_rusage_us(RUSAGE_THREAD), s_rusage_us(RUSAGE_SELF)};
    return now;
}

/* CPU microseconds per request since `from`: of the calling thread and of the process. */
static void s_cpu_per_request(struct s_cpu from, uint64_t requests, double *thread_us, double *process_us) {
    struct s_cpu now = s_cpu_now();
    *thread_us = requests ? (double)(now.thread_us - from.thread_us) / (double)requests : 0;
    *process_us = requests ? (double)(now.process_us - from.process_us) / (double)requests : 0;
}

/* The wire alone: `total` exchanges of one signed ListTasks, `jobs` in flight. Returns req/s, 0 on error. */
static double s_bare_rate(
    const char *url,
    const struct ecc_credentials *credentials,
    uint64_t total,
    unsigned jobs,
    double *thread_us,
    double *process_us) {
    struct ecc_diag diag;
    struct ecc_transport *transport = ecc_transport_new(NULL, &diag);
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    char host[300];
    const char body[] = "{\"cluster\":\"bench\"}";
    struct ecc_sigv4_sign_options sign = {.credentials = credentials, .region = "us-east-1", .service = "ecs"};
    if (!transport || ecc_transport_endpoint_host(url, host, sizeof(host), &diag) != ECC_OK ||
        ecc_codec_build_aws_json_request("ListTasks", body, sizeof(body) - 1, &request, &diag) != ECC_OK ||
        ecc_http_headers_add(&request.headers, "Host", host) != ECC_OK ||
        ecc_sigv4_sign(&request, &sign, &diag) != ECC_OK) {
        fprintf(stderr, "bench_wirefuzz: baseline set-up failed: %s\n", diag.text);
        ecc_transport_destroy(transport);
        ecc_http_request_clean_up(&request);
        return 0;
    }
    uint64_t sent = 0, done = 0, started = s_now_us();
    struct s_cpu cpu = s_cpu_now();
    bool ok = true;
    while (ok && done < total) {
        while (sent < total && ecc_transport_pending(transport) < jobs) {
            ok = ecc_transport_submit(transport, url, &request, NULL, &diag) == ECC_OK;
            sent++;
        }
        struct ecc_transport_exchange *ex = NULL;
        if (ok && ecc_transport_next(transport, 1000, &ex) == ECC_OK) {
            ok = ex->result.error == ECC_TRANSPORT_OK && (ex->response.status == 200 || ex->response.status == 400);
            ecc_transport_exchange_destroy(ex);
            done++;
        }
    }
    double seconds = (double)(s_now_us() - started) / 1e6;
    s_cpu_per_request(cpu, done, thread_us, process_us);
    ecc_transport_destroy(transport);
    ecc_http_request_clean_up(&request);
    return ok && seconds > 0 ? (double)done / seconds : 0;
}

int main(int argc, char **argv) {
    uint64_t requests = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    unsigned jobs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 8;
    if (requests == 0 || jobs == 0 || jobs > 256) {
        fprintf(stderr, "usage: bench_wirefuzz [fuzzed requests > 0] [jobs 1..256]\n");
        return 2;
    }
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.thread_count = 2;
    struct ecc_diag diag;
    struct ecc_emulator_server *emulator = ecc_emulator_server_start(NULL, &server_options, &diag);
    if (!emulator) {
        fprintf(stderr, "bench_wirefuzz: %s\n", diag.text);
        return 3;
    }
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    if (ecc_credentials_set(
            &credentials, ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, &diag) !=
        ECC_OK) {
        return 4;
    }
    struct ecc_wirefuzz_options options;
    ecc_wirefuzz_options_init(&options);
    options.endpoint_url = ecc_emulator_server_url(emulator);
    options.region = ECC_EMULATOR_DEFAULT_REGION;
    options.credentials = &credentials;
    options.prefix = "eccbench";
    options.seed = 1;
    options.max_requests = requests;
    options.jobs = jobs;
    struct ecc_wirefuzz_result result;
    ecc_wirefuzz_result_init(&result);
    struct s_cpu cpu = s_cpu_now();
    if (ecc_wirefuzz_run(&options, &result, &diag) != ECC_OK || result.unusable) {
        fprintf(stderr, "bench_wirefuzz: %s%s\n", diag.text, result.unusable_reason);
        return 3;
    }
    uint64_t total = result.fuzz_requests + result.other_requests;
    double fuzz_thread_us = 0, fuzz_process_us = 0, bare_thread_us = 0, bare_process_us = 0;
    s_cpu_per_request(cpu, total, &fuzz_thread_us, &fuzz_process_us);
    double seconds = (double)result.elapsed_us / 1e6;
    double fuzz_rate = seconds > 0 ? (double)total / seconds : 0;
    double bare_rate = s_bare_rate(
        options.endpoint_url, &credentials, total < 50000 ? total : 50000, jobs, &bare_thread_us, &bare_process_us);
    printf(
        "wirefuzz vs emulator: %" PRIu64 " fuzzed + %" PRIu64 " other requests in %.2f s: %.0f req/s (%.0f fuzzed/s), "
        "%zu finding classes, %" PRIu64 " 5xx, %" PRIu64 " without answer, %" PRIu64 " jobs; "
        "CPU per request: %.1f us in the fuzzer's thread, %.1f us in the process\n",
        result.fuzz_requests,
        result.other_requests,
        seconds,
        fuzz_rate,
        seconds > 0 ? (double)result.fuzz_requests / seconds : 0,
        result.count,
        result.answers_5xx,
        result.transport_failures,
        (uint64_t)jobs,
        fuzz_thread_us,
        fuzz_process_us);
    printf(
        "bare transport, one signed ListTasks replayed, same emulator and jobs: %.0f req/s; fuzzer/bare = %.2f; "
        "CPU per request: %.1f us in its thread, %.1f us in the process\n",
        bare_rate,
        bare_rate > 0 ? fuzz_rate / bare_rate : 0,
        bare_thread_us,
        bare_process_us);
    int rc = result.count ? 1 : 0;
    ecc_wirefuzz_result_clean_up(&result);
    ecc_credentials_clean_up(&credentials);
    ecc_emulator_server_destroy(emulator);
    return rc;
}

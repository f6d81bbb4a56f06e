/*
 * Response codec benchmark: parse a realistic two-task RunTask answer (5.6 KB) with the full codec
 * (classification + typed parse into the model + clean-up) and compare with bare jansson json_loads of
 * the same body, measured in the same process; the typed read alone is printed too. Also writes it back and compares
 * with json_dumps of the same tree. Each figure is the best of several rounds, so a busy neighbour on a shared machine
 * inflates it less.
 *
 *   bench_codec_response [rounds]      prints µs/op and the ratios; exits 1 if a parse fails
 */
#include "ecc/codec_response.h"

#include "../tests/response_fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_ITERATIONS 2000

static double s_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static size_t s_len;
static struct ecc_http_response s_response;
static json_t *s_tree;
static struct ecc_run_task_response s_model;
static volatile size_t s_sink;

static int s_jansson_load(void) {
    json_error_t error;
    json_t *root = json_loads(ecc_fixture_run_task_response, 0, &error);
    if (!root) {
        return 1;
    }
    s_sink += json_object_size(root);
    json_decref(root);
    return 0;
}

static int s_codec_parse(void) {
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    struct ecc_run_task_response value;
    ecc_run_task_response_init(&value);
    int failed = ecc_codec_parse_run_task_response(&s_response, NULL, &outcome, &value) != ECC_OK ||
                 outcome.kind != ECC_RESPONSE_SUCCESS || value.tasks.count != 2;
    s_sink += value.tasks.count;
    ecc_run_task_response_clean_up(&value);
    ecc_response_outcome_clean_up(&outcome);
    return failed;
}

/* The typed read alone, from the tree jansson already built: what the codec adds on top of json_loads. */
static int s_typed_read(void) {
    struct ecc_run_task_response value;
    ecc_run_task_response_init(&value);
    struct ecc_diag diag;
    int failed = ecc_codec_read_run_task_response(s_tree, &value, &diag) != ECC_OK;
    s_sink += value.tasks.count;
    ecc_run_task_response_clean_up(&value);
    return failed;
}

static int s_jansson_dump(void) {
    char *text = json_dumps(s_tree, JSON_COMPACT);
    if (!text) {
        return 1;
    }
    s_sink += strlen(text);
    free(text);
    return 0;
}

static int s_codec_write(void) {
    struct ecc_buf buf;
    ecc_buf_init(&buf, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    struct ecc_diag diag;
    int failed = ecc_codec_write_run_task_response(&buf, &s_model, &diag) != ECC_OK;
    s_sink += buf.len;
    ecc_buf_clean_up(&buf);
    return failed;
}

/* µs/op of one round of S_ITERATIONS calls; negative when a call failed. */
static double s_round(int (*fn)(void)) {
    double start = s_now_us();
    for (int i = 0; i < S_ITERATIONS; i++) {
        if (fn() != 0) {
            return -1;
        }
    }
    return (s_now_us() - start) / S_ITERATIONS;
}

enum { S_LOAD, S_PARSE, S_TYPED, S_DUMP, S_WRITE, S_COUNT };

/* Rounds of the contenders interleaved, so a busy neighbour slows them alike; the best round counts. */
static int s_measure_all(int rounds, double best[S_COUNT]) {
    int (*const fns[S_COUNT])(void) = {s_jansson_load, s_codec_parse, s_typed_read, s_jansson_dump, s_codec_write};
    for (int f = 0; f < S_COUNT; f++) {
        best[f] = -1;
    }
    for (int r = 0; r <= rounds; r++) {
        for (int f = 0; f < S_COUNT; f++) {
            double per_op = s_round(fns[f]);
            if (per_op < 0) {
                return 1;
            }
            /* round 0 only warms up caches and the allocator */
            if (r > 0 && (best[f] < 0 || per_op < best[f])) {
                best[f] = per_op;
            }
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 7;
    if (rounds < 1) {
        rounds = 1;
    }
    s_len = strlen(ecc_fixture_run_task_response);
    ecc_http_response_init(&s_response);
    ecc_run_task_response_init(&s_model);
    s_response.status = 200;
    s_tree = json_loads(ecc_fixture_run_task_response, 0, NULL);
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    if (!s_tree || ecc_http_headers_add(&s_response.headers, "Content-Type", ECC_AWS_JSON_CONTENT_TYPE) != ECC_OK ||
        ecc_http_headers_add(&s_response.headers, "X-Amzn-Requestid", "0f6b2f36-9a4c-4b8e-a1f1-6c3d2e1b0a99") !=
            ECC_OK ||
        ecc_http_response_set_body(&s_response, ecc_fixture_run_task_response, s_len) != ECC_OK ||
        ecc_codec_parse_run_task_response(&s_response, NULL, &outcome, &s_model) != ECC_OK ||
        outcome.kind != ECC_RESPONSE_SUCCESS) {
        fprintf(stderr, "setup failed: %s\n", outcome.diag.text);
        return 1;
    }
    ecc_response_outcome_clean_up(&outcome);

    double best[S_COUNT];
    if (s_measure_all(rounds, best) != 0) {
        fprintf(stderr, "a measured call failed\n");
        return 1;
    }
    double load = best[S_LOAD], parse = best[S_PARSE], typed = best[S_TYPED], dump = best[S_DUMP],
           write = best[S_WRITE];
    printf("RunTask response, %zu bytes, 2 tasks, best of %d rounds x %d ops\n", s_len, rounds, S_ITERATIONS);
    printf(
        "parse:     codec %7.2f us/op   jansson json_loads %7.2f us/op   ratio %.2fx (goal <= 1.30x)\n",
        parse,
        load,
        parse / load);
    printf("           of which the typed read into the model (and its clean-up) %.2f us/op\n", typed);
    printf("serialize: codec %7.2f us/op   jansson json_dumps %7.2f us/op   ratio %.2fx\n", write, dump, write / dump);

    ecc_run_task_response_clean_up(&s_model);
    ecc_http_response_clean_up(&s_response);
    json_decref(s_tree);
    return 0;
}

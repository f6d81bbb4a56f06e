/*
 * Serializing a realistic RunTask request (FARGATE, awsvpc, overrides with environment, tags,
 * clientToken; about 660 bytes of JSON), against bare jansson: json_dumps of the same JSON, built once,
 * in the same process. Prints µs/op for both and the ratio (goal: at most 1.5).
 */
#include "ecc/codec_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char s_request_json[] =
    "{\"cluster\":\"prod-batch\","
    "\"count\":1,\"launchType\":\"FARGATE\","
    "\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"subnet-0a1b2c3d4e5f60718\""
    "],\"securityGroups\":[\"sg-0123456789abcdef0\"],\"assignPublicIp\":\"DISABLED\"}},"
    "\"overrides\":{\"containerOverrides\":[{\"name\":\"worker\",\"command\":[\"python\",\"-m\",\"jobs.run\"],"
    "\"environment\":[{\"name\":\"STAGE\",\"value\":\"prod\"},{\"name\":\"JOB_ID\","
    "\"value\":\"4711\"}]}]},\"platformVersion\":\"1.4.0\","
    "\"propagateTags\":\"TASK_DEFINITION\",\"tags\":[{\"key\":\"team\",\"value\":"
    "\"data\"},{\"key\":\"cost-center\",\"value\":\"cc-1234\"}],\"taskDefinition\":"
    "\"arn:aws:ecs:us-east-1:123456789012:task-definition/batch-job:17\","
    "\"clientToken\":\"6f1d2c9e-3b7a-4c1e-9d2f-0a8b7c6d5e4f\"}";

static double s_now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#define ITERATIONS 100000
#define ROUNDS     5

static volatile size_t s_sink;

/* Best of ROUNDS rounds of ITERATIONS, in µs per operation. Each op includes allocating and freeing
 * its output, as json_dumps does. */
static double s_bench_jansson(const json_t *root) {
    double best = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        double start = s_now_us();
        for (int i = 0; i < ITERATIONS; i++) {
            char *text = json_dumps(root, JSON_COMPACT);
            s_sink += strlen(text);
            free(text);
        }
        double per_op = (s_now_us() - start) / ITERATIONS;
        best = per_op < best ? per_op : best;
    }
    return best;
}

static double s_bench_codec(const struct ecc_run_task_request *request) {
    double best = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        double start = s_now_us();
        for (int i = 0; i < ITERATIONS; i++) {
            struct ecc_buf buf;
            ecc_buf_init(&buf, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
            if (ecc_codec_write_run_task_request(&buf, request, NULL) != ECC_OK) {
                abort();
            }
            s_sink += buf.len;
            ecc_buf_clean_up(&buf);
        }
        double per_op = (s_now_us() - start) / ITERATIONS;
        best = per_op < best ? per_op : best;
    }
    return best;
}

static double s_bench_http(const struct ecc_run_task_request *request) {
    double best = 1e30;
    for (int round = 0; round < ROUNDS; round++) {
        double start = s_now_us();
        for (int i = 0; i < ITERATIONS; i++) {
            struct ecc_http_request http;
            ecc_http_request_init(&http);
            if (ecc_codec_serialize_run_task_request(request, NULL, &http, NULL) != ECC_OK) {
                abort();
            }
            s_sink += http.body_len;
            ecc_http_request_clean_up(&http);
        }
        double per_op = (s_now_us() - start) / ITERATIONS;
        best = per_op < best ? per_op : best;
    }
    return best;
}

int main(void) {
    struct ecc_run_task_request request;
    ecc_run_task_request_init(&request);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_codec_parse_run_task_request(s_request_json, strlen(s_request_json), NULL, &request, NULL, &diag) !=
        ECC_OK) {
        fprintf(stderr, "bench request does not parse: %s\n", diag.text);
        return 1;
    }
    json_error_t error;
    json_t *root = json_loads(s_request_json, 0, &error);
    if (!root) {
        fprintf(stderr, "bench request is not JSON: %s\n", error.text);
        return 1;
    }
    /* Both sides produce the same bytes, so the comparison is like for like. */
    struct ecc_buf buf;
    ecc_buf_init(&buf, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    char *reference = json_dumps(root, JSON_COMPACT);
    if (ecc_codec_write_run_task_request(&buf, &request, &diag) != ECC_OK || strcmp(buf.data, reference) != 0) {
        fprintf(stderr, "codec output differs from json_dumps:\n%s\n%s\n", buf.data, reference);
        return 1;
    }
    size_t body_bytes = buf.len;
    free(reference);
    ecc_buf_clean_up(&buf);

    double jansson_us = s_bench_jansson(root);
    double codec_us = s_bench_codec(&request);
    double http_us = s_bench_http(&request);
    printf("serialize RunTask request (%zu bytes JSON)\n", body_bytes);
    printf("  jansson json_dumps (baseline)   %8.3f us/op\n", jansson_us);
    printf(
        "  ecc_codec_write_run_task_request %7.3f us/op  ratio %.2fx (goal <= 1.50x)\n",
        codec_us,
        codec_us / jansson_us);
    printf("  ... + HTTP envelope (full request) %5.3f us/op  ratio %.2fx\n", http_us, http_us / jansson_us);
    json_decref(root);
    ecc_run_task_request_clean_up(&request);
    return 0;
}

/*
 * Serializing a realistic RunTask request (FARGATE, awsvpc, overrides with environment, tags,
 * clientToken; about 660 bytes of JSON), against bare jansson: json_dumps of the same JSON, built once,
 * in the same process. Prints µs/op for both and the ratio (goal: at most 1.5). Also prints, for
 * information, parsing the same body into the model against json_loads.
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

#define ITERATIONS 20000
#define ROUNDS     15

static volatile size_t s_sink;
static const json_t *s_root;
static const struct ecc_run_task_request *s_request;

/* One operation each; every one allocates and frees its output, as json_dumps does. */
static void s_op_json_dumps(void) {
    char *text = json_dumps(s_root, JSON_COMPACT);
    s_sink += strlen(text);
    free(text);
}

static void s_op_codec_write(void) {
    struct ecc_buf buf;
    ecc_buf_init(&buf, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    if (ecc_codec_write_run_task_request(&buf, s_request, NULL) != ECC_OK) {
        abort();
    }
    s_sink += buf.len;
    ecc_buf_clean_up(&buf);
}

static void s_op_codec_http(void) {
    struct ecc_http_request http;
    ecc_http_request_init(&http);
    if (ecc_codec_serialize_run_task_request(s_request, NULL, &http, NULL) != ECC_OK) {
        abort();
    }
    s_sink += http.body_len;
    ecc_http_request_clean_up(&http);
}

static void s_op_json_loads(void) {
    json_error_t error;
    json_t *root = json_loads(s_request_json, 0, &error);
    s_sink += json_object_size(root);
    json_decref(root);
}

static void s_op_codec_parse(void) {
    struct ecc_run_task_request request;
    ecc_run_task_request_init(&request);
    if (ecc_codec_parse_run_task_request(s_request_json, strlen(s_request_json), NULL, &request, NULL, NULL) !=
        ECC_OK) {
        abort();
    }
    s_sink += request.tags.count;
    ecc_run_task_request_clean_up(&request);
}

struct s_contender {
    const char *name;
    void (*op)(void);
    double best_us;
};

/* Rounds interleave the contenders, so a busy neighbour on a shared machine slows all of them alike;
 * each keeps its best round, in µs per operation. */
static void s_run(struct s_contender *contenders, size_t count) {
    for (size_t c = 0; c < count; c++) {
        contenders[c].best_us = 1e30;
    }
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t c = 0; c < count; c++) {
            double start = s_now_us();
            for (int i = 0; i < ITERATIONS; i++) {
                contenders[c].op();
            }
            double per_op = (s_now_us() - start) / ITERATIONS;
            if (per_op < contenders[c].best_us) {
                contenders[c].best_us = per_op;
            }
        }
    }
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

    s_root = root;
    s_request = &request;
    struct s_contender contenders[] = {
        {"jansson json_dumps (baseline)", s_op_json_dumps, 0},
        {"ecc_codec_write_run_task_request", s_op_codec_write, 0},
        {"... + HTTP envelope (whole request)", s_op_codec_http, 0},
        {"jansson json_loads (baseline)", s_op_json_loads, 0},
        {"ecc_codec_parse_run_task_request", s_op_codec_parse, 0},
    };
    s_run(contenders, ECC_ARRAY_LEN(contenders));
    printf(
        "serialize a RunTask request (%zu bytes of JSON), best of %d rounds of %d\n", body_bytes, ROUNDS, ITERATIONS);
    printf("  %-36s %8.3f us/op\n", contenders[0].name, contenders[0].best_us);
    printf(
        "  %-36s %8.3f us/op  ratio %.2fx (goal <= 1.50x)\n",
        contenders[1].name,
        contenders[1].best_us,
        contenders[1].best_us / contenders[0].best_us);
    printf(
        "  %-36s %8.3f us/op  ratio %.2fx\n",
        contenders[2].name,
        contenders[2].best_us,
        contenders[2].best_us / contenders[0].best_us);
    printf("parse the same body into the model (for information, no goal)\n");
    printf("  %-36s %8.3f us/op\n", contenders[3].name, contenders[3].best_us);
    printf(
        "  %-36s %8.3f us/op  ratio %.2fx\n",
        contenders[4].name,
        contenders[4].best_us,
        contenders[4].best_us / contenders[3].best_us);
    json_decref(root);
    ecc_run_task_request_clean_up(&request);
    return 0;
}

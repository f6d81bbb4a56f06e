/*
 * The whole conformance suite against the in-process emulator, with 1 and with 8 jobs: wall time and
 * cases per second (the goal: at least 150 cases in under a second). When the suite holds fewer than
 * `--min-cases` cases (default 150), each case is cloned under new ids (`<id>-r2`, ...) until it does,
 * so the figure is about a suite of that size; clones have their own clusters, so they do not collide.
 * The ratio of the two runs (jobs 8 against jobs 1, measured in this process) is printed as well.
 *
 * Usage: bench_suite [--min-cases N] [--suite DIR]
 */
#include "ecc/case.h"
#include "ecc/emulator.h"
#include "ecc/plan.h"
#include "ecc/runner.h"
#include "ecc/server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double s_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Appends clones of the loaded cases (new ids) until the suite has `min_cases`. */
static int s_grow(struct ecc_suite *suite, size_t min_cases) {
    size_t original = suite->count;
    for (size_t round = 2; original && suite->count < min_cases; round++) {
        for (size_t i = 0; i < original && suite->count < min_cases; i++) {
            json_t *copy = json_deep_copy(suite->cases[i]->root);
            char id[160];
            snprintf(id, sizeof(id), "%s-r%zu", suite->cases[i]->id, round);
            json_object_set_new(copy, "id", json_string(id));
            char *text = json_dumps(copy, JSON_COMPACT);
            json_decref(copy);
            struct ecc_case *c = NULL;
            struct ecc_diag diag;
            enum ecc_status status = ecc_case_load_bytes(
                (const uint8_t *)text,
                strlen(text),
                suite->cases[i]->file,
                suite->cases[i]->group,
                &suite->fixtures,
                &c,
                &diag);
            free(text);
            if (status != ECC_OK) {
                fprintf(stderr, "clone of %s: %s: %s\n", suite->cases[i]->id, diag.path, diag.text);
                return -1;
            }
            if (suite->count == suite->capacity) {
                suite->capacity *= 2;
                suite->cases = realloc(suite->cases, suite->capacity * sizeof(*suite->cases));
            }
            suite->cases[suite->count++] = c;
        }
    }
    return 0;
}

static int s_run(
    struct ecc_suite *suite,
    const char *url,
    const struct ecc_credentials *credentials,
    const struct ecc_credentials *second,
    unsigned jobs,
    uint64_t seed,
    double *seconds,
    size_t *cases,
    size_t *passed) {
    struct ecc_plan_options plan_options = {
        .capabilities = ECC_CAP_FAULT_INJECTION | ECC_CAP_CLOCK_CONTROL, .loopback = true, .seed = seed};
    struct ecc_plan plan;
    if (ecc_plan_build(&plan, suite, &plan_options) != ECC_OK) {
        return -1;
    }
    char prefix[12];
    ecc_runner_make_prefix((uint32_t)seed, prefix);
    struct ecc_runner_options options;
    ecc_runner_options_init(&options);
    options.endpoint_url = url;
    options.region = ECC_EMULATOR_DEFAULT_REGION;
    options.credentials = credentials;
    options.second_credentials = second;
    options.account = ECC_EMULATOR_DEFAULT_ACCOUNT;
    options.prefix = prefix;
    options.seed = seed;
    options.jobs = jobs;
    options.backoff.initial_ms = 20;
    options.backoff.total_ms = 5000;
    struct ecc_run_report report;
    struct ecc_diag diag;
    if (ecc_run_report_init(&report, url, "emulator", prefix, seed) != ECC_OK) {
        ecc_plan_clean_up(&plan);
        return -1;
    }
    double start = s_now_s();
    enum ecc_status status = ecc_runner_run(&plan, &options, &report, &diag);
    *seconds = s_now_s() - start;
    struct ecc_report_counts counts;
    ecc_run_report_counts(&report, &counts);
    *cases = counts.total;
    *passed = counts.pass + counts.xfail;
    ecc_run_report_clean_up(&report);
    ecc_plan_clean_up(&plan);
    if (status != ECC_OK) {
        fprintf(stderr, "run: %s\n", diag.text);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    size_t min_cases = 150;
    const char *suite_dir = ECSCONF_SOURCE_DIR "/conformance";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--min-cases") == 0 && i + 1 < argc) {
            min_cases = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--suite") == 0 && i + 1 < argc) {
            suite_dir = argv[++i];
        } else {
            fprintf(stderr, "usage: %s [--min-cases N] [--suite DIR]\n", argv[0]);
            return 2;
        }
    }
    char fixtures[1024];
    snprintf(fixtures, sizeof(fixtures), "%s/../fixtures", suite_dir);
    struct ecc_suite suite;
    ecc_suite_init(&suite);
    const char *paths[] = {suite_dir};
    if (ecc_suite_load(&suite, fixtures, paths, 1, NULL, NULL) != ECC_OK || s_grow(&suite, min_cases) != 0) {
        fprintf(stderr, "cannot load the suite from %s\n", suite_dir);
        return 1;
    }
    struct ecc_emulator_options emulator_options;
    ecc_emulator_options_init(&emulator_options);
    emulator_options.control_enabled = true;
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.thread_count = 8;
    struct ecc_diag diag;
    struct ecc_emulator_server *server = ecc_emulator_server_start(&emulator_options, &server_options, &diag);
    if (!server) {
        fprintf(stderr, "emulator: %s\n", diag.text);
        return 1;
    }
    struct ecc_credentials credentials, second;
    ecc_credentials_init(&credentials);
    ecc_credentials_init(&second);
    if (ecc_credentials_set(
            &credentials, ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, &diag) !=
            ECC_OK ||
        ecc_credentials_set(
            &second, ECC_EMULATOR_BLOCKED_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, &diag) !=
            ECC_OK) {
        return 1;
    }
    printf("suite: %zu cases (%zu fixtures) against the in-process emulator\n", suite.count, suite.fixtures.count);
    const unsigned jobs[] = {1, 8};
    double seconds[2] = {0, 0};
    int rc = 0;
    for (size_t i = 0; i < 2; i++) {
        size_t cases = 0, passed = 0;
        if (s_run(
                &suite,
                ecc_emulator_server_url(server),
                &credentials,
                &second,
                jobs[i],
                100 + i,
                &seconds[i],
                &cases,
                &passed) != 0) {
            rc = 1;
            break;
        }
        printf(
            "--jobs %u: %zu cases (%zu passed) in %.3f s wall, %.0f cases/s\n",
            jobs[i],
            cases,
            passed,
            seconds[i],
            (double)cases / seconds[i]);
        if (passed != cases) {
            printf("  (not every case passed: the figure includes failures)\n");
        }
    }
    if (rc == 0) {
        printf("speed-up of --jobs 8 over --jobs 1: %.2fx\n", seconds[0] / seconds[1]);
    }
    ecc_credentials_clean_up(&credentials);
    ecc_credentials_clean_up(&second);
    ecc_emulator_server_destroy(server);
    ecc_suite_clean_up(&suite);
    return rc;
}

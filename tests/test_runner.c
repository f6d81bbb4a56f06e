/* The runner end to end against the in-process emulator, a hostile endpoint and a dead port. */
#include "test_support.h"

#include "ecc/emulator.h"
#include "ecc/runner.h"
#include "ecc/server.h"

#include <time.h>

static struct ecc_emulator_server *s_emulator;
static struct ecc_credentials s_credentials;
static struct ecc_credentials s_second;
static json_t *s_run_vars; /* the emulator profile's defaults */

static int s_setup(void **state) {
    (void)state;
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    options.control_enabled = true;
    struct ecc_diag diag;
    s_emulator = ecc_emulator_server_start(&options, NULL, &diag);
    if (!s_emulator) {
        fprintf(stderr, "emulator: %s\n", diag.text);
        return -1;
    }
    ecc_credentials_init(&s_credentials);
    ecc_credentials_init(&s_second);
    s_run_vars = json_object();
    /* The emulator profile's run-variable defaults (test_plan holds the shipped file to them). */
    if (!s_run_vars || json_object_set_new(s_run_vars, "subnet", json_string(ECC_RUN_VAR_PLACEHOLDER_SUBNET)) != 0 ||
        json_object_set_new(s_run_vars, "security_group", json_string(ECC_RUN_VAR_PLACEHOLDER_SECURITY_GROUP)) != 0) {
        return -1;
    }
    if (ecc_credentials_set(
            &s_credentials, ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, &diag) !=
            ECC_OK ||
        ecc_credentials_set(
            &s_second, ECC_EMULATOR_BLOCKED_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, &diag) !=
            ECC_OK) {
        return -1;
    }
    return 0;
}

static int s_teardown(void **state) {
    (void)state;
    ecc_emulator_server_destroy(s_emulator);
    ecc_credentials_clean_up(&s_credentials);
    ecc_credentials_clean_up(&s_second);
    json_decref(s_run_vars);
    return 0;
}

static void s_options(struct ecc_runner_options *options, const char *endpoint) {
    ecc_runner_options_init(options);
    options->endpoint_url = endpoint;
    options->region = ECC_EMULATOR_DEFAULT_REGION;
    options->credentials = &s_credentials;
    options->second_credentials = &s_second;
    options->account = ECC_EMULATOR_DEFAULT_ACCOUNT;
    options->prefix = "ecctest0001";
    options->run_vars = s_run_vars;
    options->seed = 5;
    options->transport.timeout_ms = 5000;
    options->backoff.initial_ms = 20;
    options->backoff.max_delay_ms = 200;
    options->backoff.total_ms = 2000;
}

/* The project's fixtures plus the given inline cases (group "t"). */
static void s_suite(struct ecc_suite *suite, const char *const *cases, size_t count) {
    ecc_suite_init(suite);
    assert_int_equal(ecc_fixture_set_load_dir(&suite->fixtures, ECSCONF_SOURCE_DIR "/fixtures", NULL, NULL), ECC_OK);
    suite->cases = calloc(count, sizeof(*suite->cases));
    suite->capacity = count;
    for (size_t i = 0; i < count; i++) {
        struct ecc_diag diag;
        if (ecc_case_load_bytes(
                (const uint8_t *)cases[i],
                strlen(cases[i]),
                "inline",
                "t",
                &suite->fixtures,
                &suite->cases[i],
                &diag) != ECC_OK) {
            fail_msg("inline case %zu: %s: %s", i, diag.path, diag.text);
        }
        suite->count++;
    }
}

static const struct ecc_case_report *s_result(const struct ecc_run_report *report, const char *id) {
    for (size_t i = 0; i < report->count; i++) {
        if (strcmp(report->cases[i].id, id) == 0) {
            return &report->cases[i];
        }
    }
    fail_msg("no result for %s", id);
    return NULL;
}

static void s_run(
    const struct ecc_suite *suite,
    const struct ecc_runner_options *options,
    const struct ecc_expect_fail_list *expect_fail,
    struct ecc_run_report *report) {
    struct ecc_plan_options plan_options = {
        .capabilities = ECC_CAP_FAULT_INJECTION | ECC_CAP_CLOCK_CONTROL,
        .loopback = true,
        .expect_fail = expect_fail,
        .run_vars = options->run_vars,
        .seed = 3};
    struct ecc_plan plan;
    assert_int_equal(ecc_plan_build(&plan, suite, &plan_options), ECC_OK);
    assert_int_equal(
        ecc_run_report_init(report, options->endpoint_url, "emulator", options->prefix, options->seed), ECC_OK);
    struct ecc_diag diag;
    assert_int_equal(ecc_runner_run(&plan, options, report, &diag), ECC_OK);
    assert_int_equal(report->count, plan.count);
    ecc_plan_clean_up(&plan);
}

static void test_project_suite_passes_and_cleans_up(void **state) {
    (void)state;
    struct ecc_suite suite;
    ecc_suite_init(&suite);
    const char *paths[] = {ECSCONF_SOURCE_DIR "/conformance"};
    assert_int_equal(ecc_suite_load(&suite, ECSCONF_SOURCE_DIR "/fixtures", paths, 1, NULL, NULL), ECC_OK);
    struct ecc_runner_options options;
    s_options(&options, ecc_emulator_server_url(s_emulator));
    options.jobs = 4;
    options.prefix = "eccsuite001";
    struct ecc_run_report report;
    s_run(&suite, &options, NULL, &report);
    for (size_t i = 0; i < report.count; i++) {
        if (report.cases[i].result != ECC_RESULT_PASS) {
            fail_msg(
                "%s: %s\n%s",
                report.cases[i].id,
                report.cases[i].reason,
                report.cases[i].detail ? report.cases[i].detail : "");
        }
        assert_null(report.cases[i].warnings);
    }
    assert_true(ecc_run_report_ok(&report));
    /* The runner deleted every cluster it created. */
    struct ecc_emulator_stats stats;
    ecc_emulator_get_stats(ecc_emulator_server_emulator(s_emulator), &stats);
    assert_int_equal(stats.clusters, 0);
    ecc_run_report_clean_up(&report);
    ecc_suite_clean_up(&suite);
}

static void test_signing_modes_and_second_key(void **state) {
    (void)state;
    const char *cases[] = {
        ("{\"id\":\"unsigned\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{},\"sign\":\"none\","
         "\"expect\":{\"status\":{\"range\":{\"min\":400,\"max\":499}},\"error\":{\"present\":true}}}]}"),
        ("{\"id\":\"bad-sig\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{},\"sign\":\"bad-"
         "signature\","
         "\"expect\":{\"error\":\"InvalidSignatureException\"}}]}"),
        ("{\"id\":\"expired\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{},"
         "\"sign\":{\"date_offset_s\":-3600},\"expect\":{\"error\":\"InvalidSignatureException\"}}]}"),
        ("{\"id\":\"good-sig\",\"title\":\"t\",\"steps\":[{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${"
         "cluster}\"},"
         "\"expect\":{\"body\":{\"/cluster/clusterName\":\"${cluster}\",\"/cluster/clusterArn\":{\"arn\":\"cluster\","
         "\"regex\":\":${account}:\"}}}}]}"),
        ("{\"id\":\"unknown-key\",\"title\":\"t\",\"steps\":[{\"send\":\"runtask-unrecognized-client\","
         "\"sign\":{\"credentials\":\"unknown\"},\"expect\":{\"status\":400,\"error\":\"UnrecognizedClientException\"}}"
         "]}"),
        ("{\"id\":\"blocked\",\"title\":\"t\",\"requires\":[\"fault-injection\"],\"steps\":["
         "{\"control\":{\"action\":\"block\",\"account\":\"111111111111\",\"blocked\":true}},"
         "{\"call\":\"ListTasks\",\"body\":{},\"sign\":{\"credentials\":\"second\"},\"expect\":{\"error\":"
         "\"BlockedException\"}}],"
         "\"cleanup\":[{\"control\":{\"action\":\"block\",\"account\":\"111111111111\",\"blocked\":false}}]}"),
    };
    struct ecc_suite suite;
    s_suite(&suite, cases, ECC_ARRAY_LEN(cases));
    struct ecc_runner_options options;
    s_options(&options, ecc_emulator_server_url(s_emulator));
    struct ecc_run_report report;
    s_run(&suite, &options, NULL, &report);
    for (size_t i = 0; i < report.count; i++) {
        if (report.cases[i].result != ECC_RESULT_PASS) {
            fail_msg(
                "%s: %s\n%s",
                report.cases[i].id,
                report.cases[i].reason,
                report.cases[i].detail ? report.cases[i].detail : "");
        }
    }
    ecc_run_report_clean_up(&report);
    ecc_suite_clean_up(&suite);
}

/* A derived capture (the task id of the task ARN) addresses the task in DescribeTasks and StopTask; a
 * derived capture whose regex does not match fails the step. */
static void test_derived_capture(void **state) {
    (void)state;
    const char *cases[] = {
        ("{\"id\":\"by-id\",\"title\":\"t\",\"steps\":["
         "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"}},"
         "{\"send\":\"register-task-definition-ec2\"},"
         "{\"send\":\"runtask-ec2-basic\",\"capture\":{\"arn\":\"/tasks/0/taskArn\","
         "\"id\":{\"pointer\":\"/tasks/0/taskArn\",\"regex\":\"/([0-9a-f]{32})$\"},"
         "\"ids\":{\"pointer\":\"/tasks/*/taskArn\",\"regex\":\"/([0-9a-f]{32})$\"}}},"
         "{\"call\":\"DescribeTasks\",\"body\":{\"cluster\":\"${cluster}\",\"tasks\":\"${capture.ids}\"},"
         "\"expect\":{\"body\":{\"/tasks/0/taskArn\":\"${capture.arn}\",\"/tasks/*/taskArn\":{\"regex\":\"/"
         "${capture.id}$\"}}}},"
         "{\"call\":\"StopTask\",\"body\":{\"cluster\":\"${cluster}\",\"task\":\"${capture.id}\"},"
         "\"expect\":{\"body\":{\"/task/taskArn\":\"${capture.arn}\",\"/task/desiredStatus\":\"STOPPED\"}}}]}"),
        ("{\"id\":\"no-match\",\"title\":\"t\",\"steps\":["
         "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"},"
         "\"capture\":{\"x\":{\"pointer\":\"/cluster/clusterArn\",\"regex\":\":task/(.*)\"}}}]}"),
    };
    struct ecc_suite suite;
    s_suite(&suite, cases, ECC_ARRAY_LEN(cases));
    struct ecc_runner_options options;
    s_options(&options, ecc_emulator_server_url(s_emulator));
    struct ecc_run_report report;
    s_run(&suite, &options, NULL, &report);
    const struct ecc_case_report *by_id = s_result(&report, "by-id");
    if (by_id->result != ECC_RESULT_PASS) {
        fail_msg("%s\n%s", by_id->reason, by_id->detail ? by_id->detail : "");
    }
    const struct ecc_case_report *no_match = s_result(&report, "no-match");
    assert_int_equal(no_match->result, ECC_RESULT_FAIL);
    assert_non_null(strstr(no_match->reason, "capture 'x': derived capture:"));
    assert_non_null(strstr(no_match->reason, "does not match the regex"));
    ecc_run_report_clean_up(&report);
    ecc_suite_clean_up(&suite);
}

/* Run variables reach the request (here: a fixture's awsvpc subnet, echoed in the task's attachment). */
static void test_run_variables_reach_the_request(void **state) {
    (void)state;
    const char *cases[] = {
        ("{\"id\":\"fargate\",\"title\":\"t\",\"steps\":["
         "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"}},"
         "{\"send\":\"register-task-definition-fargate\"},"
         "{\"send\":\"runtask-fargate-awsvpc\",\"expect\":{\"body\":{"
         "\"/tasks/0/attachments/0/details/0\":{\"equals\":{\"name\":\"subnetId\",\"value\":\"${subnet}\"}},"
         "\"/tasks/0/attachments/0/details/0/value\":\"subnet-77\"}}}]}"),
    };
    struct ecc_suite suite;
    s_suite(&suite, cases, ECC_ARRAY_LEN(cases));
    struct ecc_runner_options options;
    s_options(&options, ecc_emulator_server_url(s_emulator));
    json_t *values = json_object();
    struct ecc_diag diag;
    assert_int_equal(ecc_case_run_var_parse("subnet=subnet-77", values, &diag), ECC_OK);
    assert_int_equal(ecc_case_run_var_parse("security_group=sg-77", values, &diag), ECC_OK);
    options.run_vars = values;
    struct ecc_run_report report;
    s_run(&suite, &options, NULL, &report);
    const struct ecc_case_report *result = s_result(&report, "fargate");
    if (result->result != ECC_RESULT_PASS) {
        fail_msg("%s\n%s", result->reason, result->detail ? result->detail : "");
    }
    ecc_run_report_clean_up(&report);
    /* Without a value the case is not run at all. */
    options.run_vars = NULL;
    s_run(&suite, &options, NULL, &report);
    assert_int_equal(s_result(&report, "fargate")->result, ECC_RESULT_SKIP);
    assert_non_null(strstr(s_result(&report, "fargate")->reason, "--var subnet="));
    ecc_run_report_clean_up(&report);
    json_decref(values);
    ecc_suite_clean_up(&suite);
}

/* The runner's own cleanup removes each resource with the credentials that created it, and after a
 * reset control step it has nothing left to remove: no warnings either way, nothing left behind. */
static void test_cleanup_second_key_and_reset(void **state) {
    (void)state;
    const char *cases[] = {
        ("{\"id\":\"second-key\",\"title\":\"t\",\"requires\":[\"fault-injection\"],\"steps\":["
         "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"},\"sign\":{\"credentials\":\"second\"}},"
         "{\"call\":\"RegisterTaskDefinition\",\"sign\":{\"credentials\":\"second\"},\"body\":{\"family\":\"${family}"
         "\","
         "\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"busybox\",\"memory\":128}]}},"
         "{\"call\":\"RunTask\",\"sign\":{\"credentials\":\"second\"},\"body\":{\"cluster\":\"${cluster}\","
         "\"taskDefinition\":\"${family}\"},\"expect\":{\"body\":{\"/tasks\":{\"length\":1}}}}]}"),
        ("{\"id\":\"reset\",\"title\":\"t\",\"exclusive\":true,\"requires\":[\"fault-injection\"],\"steps\":["
         "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"}},"
         "{\"call\":\"RegisterTaskDefinition\",\"body\":{\"family\":\"${family}\","
         "\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"busybox\",\"memory\":128}]}},"
         "{\"control\":{\"action\":\"reset\"}},"
         "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}-after\"}}]}"),
    };
    struct ecc_suite suite;
    s_suite(&suite, cases, ECC_ARRAY_LEN(cases));
    struct ecc_runner_options options;
    s_options(&options, ecc_emulator_server_url(s_emulator));
    struct ecc_run_report report;
    s_run(&suite, &options, NULL, &report);
    for (size_t i = 0; i < report.count; i++) {
        if (report.cases[i].result != ECC_RESULT_PASS || report.cases[i].warnings) {
            fail_msg(
                "%s: %s\n%s\nwarnings: %s",
                report.cases[i].id,
                report.cases[i].reason,
                report.cases[i].detail ? report.cases[i].detail : "",
                report.cases[i].warnings ? report.cases[i].warnings : "none");
        }
    }
    struct ecc_emulator_stats stats;
    ecc_emulator_get_stats(ecc_emulator_server_emulator(s_emulator), &stats);
    assert_int_equal(stats.clusters, 0);
    ecc_run_report_clean_up(&report);
    ecc_suite_clean_up(&suite);
}

static void test_failures_xfail_xpass(void **state) {
    (void)state;
    const char *cases[] = {
        /* fails: wrong expectation; the report carries the diff and a reproducer without secrets */
        ("{\"id\":\"wrong\",\"title\":\"t\",\"steps\":[{\"send\":\"runtask-ec2-basic\",\"merge\":{\"cluster\":\"nope-${"
         "uuid}\"},"
         "\"expect\":{\"status\":200}}]}"),
        /* fails and is listed: XFAIL */
        ("{\"id\":\"listed-fails\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{\"cluster\":\"nope\"},"
         "\"expect\":{\"status\":200}}]}"),
        /* passes and is listed: XPASS */
        ("{\"id\":\"listed-passes\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{\"cluster\":\"nope\"},"
         "\"expect\":{\"error\":\"ClusterNotFoundException\"}}]}"),
        /* a capture that finds nothing fails the step */
        ("{\"id\":\"bad-capture\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{\"cluster\":\"nope\"},"
         "\"expect\":{\"status\":400},\"capture\":{\"x\":\"/taskArns\"}}]}"),
    };
    struct ecc_suite suite;
    s_suite(&suite, cases, ECC_ARRAY_LEN(cases));
    struct ecc_expect_fail_list list;
    ecc_expect_fail_list_init(&list);
    const char *text = "listed-* known deviation\n";
    struct ecc_diag diag;
    assert_int_equal(ecc_expect_fail_load_bytes(&list, text, strlen(text), "l", &diag), ECC_OK);
    struct ecc_runner_options options;
    s_options(&options, ecc_emulator_server_url(s_emulator));
    struct ecc_run_report report;
    s_run(&suite, &options, &list, &report);
    const struct ecc_case_report *wrong = s_result(&report, "wrong");
    assert_int_equal(wrong->result, ECC_RESULT_FAIL);
    assert_non_null(strstr(wrong->reason, "step 1 (RunTask): status: values differ"));
    assert_non_null(strstr(wrong->detail, "+ actual:   400"));
    assert_non_null(strstr(wrong->detail, "ClusterNotFoundException"));
    assert_non_null(wrong->reproducer);
    assert_non_null(strstr(wrong->reproducer, "$AWS_SECRET_ACCESS_KEY"));
    assert_null(strstr(wrong->reproducer, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY));
    assert_null(strstr(wrong->reproducer, "Signature="));
    assert_int_equal(s_result(&report, "listed-fails")->result, ECC_RESULT_XFAIL);
    assert_non_null(strstr(s_result(&report, "listed-fails")->reason, "known deviation"));
    assert_int_equal(s_result(&report, "listed-passes")->result, ECC_RESULT_XPASS);
    assert_non_null(strstr(s_result(&report, "listed-passes")->reason, "l:1"));
    const struct ecc_case_report *capture = s_result(&report, "bad-capture");
    assert_int_equal(capture->result, ECC_RESULT_FAIL);
    assert_non_null(strstr(capture->reason, "capture 'x'"));
    assert_false(ecc_run_report_ok(&report));
    ecc_run_report_clean_up(&report);
    ecc_expect_fail_list_clean_up(&list);
    ecc_suite_clean_up(&suite);
}

static void test_confirm_backoff(void **state) {
    (void)state;
#define S_LAGGING                                                                                                      \
    "{\"id\":\"%s\",\"title\":\"t\",\"requires\":[\"clock-control\"],\"steps\":["                                      \
    "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"}},"                                          \
    "{\"call\":\"RegisterTaskDefinition\",\"body\":{\"family\":\"${family}\","                                         \
    "\"containerDefinitions\":[{\"name\":\"a\","                                                                       \
    "\"image\":\"busybox\",\"memory\":128}]}},"                                                                        \
    "{\"control\":{\"action\":\"visibility_lag\",\"cluster\":\"${cluster}\",\"ms\":%d}},"                              \
    "{\"send\":\"runtask-ec2-basic\",\"confirm\":true}]}"
    char short_lag[2048], long_lag[2048];
    snprintf(short_lag, sizeof(short_lag), S_LAGGING, "short-lag", 150);
    snprintf(long_lag, sizeof(long_lag), S_LAGGING, "long-lag", 60000);
    const char *cases[] = {short_lag, long_lag};
    struct ecc_suite suite;
    s_suite(&suite, cases, ECC_ARRAY_LEN(cases));
    struct ecc_runner_options options;
    s_options(&options, ecc_emulator_server_url(s_emulator));
    options.backoff.initial_ms = 20;
    options.backoff.max_delay_ms = 100;
    options.backoff.total_ms = 600;
    options.jobs = 2;
    struct ecc_run_report report;
    s_run(&suite, &options, NULL, &report);
    const struct ecc_case_report *ok = s_result(&report, "short-lag");
    if (ok->result != ECC_RESULT_PASS) {
        fail_msg("%s\n%s", ok->reason, ok->detail ? ok->detail : "");
    }
    assert_true(ok->duration_ms >= 100);
    const struct ecc_case_report *late = s_result(&report, "long-lag");
    assert_int_equal(late->result, ECC_RESULT_FAIL);
    assert_non_null(strstr(late->reason, "DescribeTasks did not show"));
    assert_true(late->duration_ms >= 550 && late->duration_ms < 5000);
    ecc_run_report_clean_up(&report);
    ecc_suite_clean_up(&suite);
}

/* A hostile endpoint: HTML error pages, redirects to another host, slow answers. */
static void
s_hostile_handler(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    (void)user_data;
    const char *target = ecc_http_headers_get(&request->headers, "X-Amz-Target");
    if (target && strstr(target, "ListTasks")) {
        struct timespec ts = {.tv_sec = 1, .tv_nsec = 0};
        nanosleep(&ts, NULL); /* slower than the client's timeout */
    }
    if (target && strstr(target, "DescribeTasks")) {
        response->status = 302;
        assert_int_equal(ecc_http_headers_add(&response->headers, "Location", "http://198.51.100.1/steal"), ECC_OK);
        return;
    }
    response->status = 500;
    const char *html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    assert_int_equal(ecc_http_headers_add(&response->headers, "Content-Type", "text/html"), ECC_OK);
    assert_int_equal(ecc_http_response_set_body(response, html, strlen(html)), ECC_OK);
}

static void test_hostile_endpoint_and_dead_port(void **state) {
    (void)state;
    struct ecc_diag diag;
    struct ecc_server *server = ecc_server_new(NULL, s_hostile_handler, NULL, &diag);
    assert_non_null(server);
    /* Answers that are not AWS JSON (generous timeout: these must fail on content, never on time). */
    const char *fast_cases[] = {
        "{\"id\":\"html\",\"title\":\"t\",\"steps\":[{\"call\":\"CreateCluster\",\"body\":{}}]}",
        "{\"id\":\"redirect\",\"title\":\"t\",\"steps\":[{\"call\":\"DescribeTasks\",\"body\":{}}]}",
        ("{\"id\":\"html-error-type\",\"title\":\"t\",\"steps\":[{\"call\":\"StopTask\",\"body\":{},"
         "\"expect\":{\"error\":\"ServerException\",\"body\":{\"/message\":{\"present\":true}}}}]}"),
    };
    struct ecc_suite suite;
    s_suite(&suite, fast_cases, ECC_ARRAY_LEN(fast_cases));
    struct ecc_runner_options options;
    s_options(&options, ecc_server_url(server));
    options.transport.timeout_ms = 10000;
    options.jobs = 3;
    struct ecc_run_report report;
    s_run(&suite, &options, NULL, &report);
    const struct ecc_case_report *html = s_result(&report, "html");
    assert_int_equal(html->result, ECC_RESULT_FAIL);
    assert_non_null(strstr(html->detail, "not a well-formed AWS JSON answer"));
    assert_non_null(strstr(html->detail, "HTTP 500"));
    const struct ecc_case_report *redirect = s_result(&report, "redirect");
    assert_int_equal(redirect->result, ECC_RESULT_FAIL);
    assert_non_null(strstr(redirect->reason, "status"));
    const struct ecc_case_report *typed = s_result(&report, "html-error-type");
    assert_int_equal(typed->result, ECC_RESULT_FAIL);
    assert_non_null(strstr(typed->detail, "error type"));
    assert_non_null(strstr(typed->detail, "not JSON"));
    ecc_run_report_clean_up(&report);

    /* Nothing listening: each case fails with the connection error, the run completes. */
    s_options(&options, "http://127.0.0.1:9");
    s_run(&suite, &options, NULL, &report);
    for (size_t i = 0; i < report.count; i++) {
        assert_int_equal(report.cases[i].result, ECC_RESULT_FAIL);
        assert_non_null(strstr(report.cases[i].reason, "no usable answer"));
    }
    ecc_run_report_clean_up(&report);
    ecc_suite_clean_up(&suite);

    /* A slow answer (1 s): the run's 300 ms timeout cuts it; a step's own 5 s timeout lets it arrive (and
     * the case then fails on its status, not on time). One job, so the two never queue on one thread. */
    const char *slow_cases[] = {
        "{\"id\":\"slow\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{}}]}",
        "{\"id\":\"slow-step\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{},\"timeout_ms\":5000}]}",
    };
    s_suite(&suite, slow_cases, ECC_ARRAY_LEN(slow_cases));
    s_options(&options, ecc_server_url(server));
    options.transport.timeout_ms = 300;
    s_run(&suite, &options, NULL, &report);
    const struct ecc_case_report *slow = s_result(&report, "slow");
    assert_int_equal(slow->result, ECC_RESULT_FAIL);
    assert_non_null(strstr(slow->reason, "timeout"));
    const struct ecc_case_report *slow_step = s_result(&report, "slow-step");
    assert_int_equal(slow_step->result, ECC_RESULT_FAIL);
    assert_non_null(strstr(slow_step->reason, "status"));
    assert_true(slow_step->duration_ms >= 900);
    ecc_run_report_clean_up(&report);
    ecc_suite_clean_up(&suite);
    ecc_server_destroy(server);
}

static void test_interrupted_run_skips(void **state) {
    (void)state;
    const char *cases[] = {"{\"id\":\"a\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{}}]}"};
    struct ecc_suite suite;
    s_suite(&suite, cases, 1);
    struct ecc_runner_options options;
    s_options(&options, ecc_emulator_server_url(s_emulator));
    volatile sig_atomic_t interrupted = 1;
    options.interrupted = &interrupted;
    struct ecc_run_report report;
    s_run(&suite, &options, NULL, &report);
    assert_int_equal(report.cases[0].result, ECC_RESULT_SKIP);
    assert_non_null(strstr(report.cases[0].reason, "interrupted"));
    ecc_run_report_clean_up(&report);
    ecc_suite_clean_up(&suite);
    /* Bad options are refused before anything runs. */
    struct ecc_plan plan = {0};
    struct ecc_diag diag;
    s_options(&options, "ftp://127.0.0.1/");
    assert_int_equal(ecc_run_report_init(&report, NULL, NULL, NULL, 0), ECC_OK);
    assert_int_not_equal(ecc_runner_run(&plan, &options, &report, &diag), ECC_OK);
    options.credentials = NULL;
    assert_int_equal(ecc_runner_run(&plan, &options, &report, &diag), ECC_ERR_INVALID);
    ecc_run_report_clean_up(&report);
}

static void test_loopback_and_prefix(void **state) {
    (void)state;
    assert_true(ecc_runner_endpoint_is_loopback("http://127.0.0.1:8080"));
    assert_true(ecc_runner_endpoint_is_loopback("http://127.1.2.3"));
    assert_true(ecc_runner_endpoint_is_loopback("http://localhost:5000"));
    assert_true(ecc_runner_endpoint_is_loopback("http://[::1]:5000"));
    assert_false(ecc_runner_endpoint_is_loopback("https://ecs.us-east-1.amazonaws.com"));
    assert_false(ecc_runner_endpoint_is_loopback("http://127.0.0.1.evil.example"));
    assert_false(ecc_runner_endpoint_is_loopback("http://10.0.0.1"));
    assert_false(ecc_runner_endpoint_is_loopback("not a url"));
    char a[12], b[12], c[12];
    ecc_runner_make_prefix(1, a);
    ecc_runner_make_prefix(1, b);
    ecc_runner_make_prefix(2, c);
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    assert_int_equal(strlen(a), 11);
    assert_true(strncmp(a, "ecc", 3) == 0);
    assert_int_equal(strspn(a + 3, "0123456789abcdef"), 8);
    ecc_runner_make_prefix(0x0a1b2c3du, a);
    assert_string_equal(a, "ecc0a1b2c3d");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_project_suite_passes_and_cleans_up),
        cmocka_unit_test(test_signing_modes_and_second_key),
        cmocka_unit_test(test_cleanup_second_key_and_reset),
        cmocka_unit_test(test_run_variables_reach_the_request),
        cmocka_unit_test(test_derived_capture),
        cmocka_unit_test(test_failures_xfail_xpass),
        cmocka_unit_test(test_confirm_backoff),
        cmocka_unit_test(test_hostile_endpoint_and_dead_port),
        cmocka_unit_test(test_interrupted_run_skips),
        cmocka_unit_test(test_loopback_and_prefix),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}

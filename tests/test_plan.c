/* Planning: filters, capability and cost skips, profile files, expected failures (XPASS fails the run), order,
 * backoff. */
#include "test_support.h"

#include "ecc/emulator.h"
#include "ecc/plan.h"
#include "ecc/report.h"

static struct ecc_suite s_suite;

/* conformance/profiles/NAME.profile of the source tree. */
static void s_load_shipped_profile(const char *name, struct ecc_profile *profile) {
    char file[512];
    snprintf(file, sizeof(file), "%s/conformance/profiles/%s.profile", ECSCONF_SOURCE_DIR, name);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_profile_load_file(profile, file, &diag) != ECC_OK) {
        fail_msg("%s:%d: %s", diag.source, diag.line, diag.text);
    }
}

static void s_add_case(const char *group, const char *text) {
    struct ecc_case *c = NULL;
    struct ecc_diag diag;
    if (ecc_case_load_bytes((const uint8_t *)text, strlen(text), "mem", group, &s_suite.fixtures, &c, &diag) !=
        ECC_OK) {
        fail_msg("%s: %s", diag.path, diag.text);
    }
    if (s_suite.count == s_suite.capacity) {
        s_suite.capacity = s_suite.capacity ? s_suite.capacity * 2 : 8;
        s_suite.cases = realloc(s_suite.cases, s_suite.capacity * sizeof(*s_suite.cases));
    }
    s_suite.cases[s_suite.count++] = c;
}

static int s_setup(void **state) {
    (void)state;
    ecc_suite_init(&s_suite);
    s_add_case(
        "success",
        "{\"id\":\"run-one\",\"title\":\"t\",\"tags\":[\"ec2\"],\"steps\":[{\"call\":\"RunTask\",\"body\":{}}]}");
    s_add_case(
        "errors",
        "{\"id\":\"no-cluster\",\"title\":\"t\",\"tags\":[\"errors\"],\"steps\":[{\"call\":\"ListTasks\",\"body\":{}}]"
        "}");
    s_add_case(
        "faults",
        "{\"id\":\"server-fault\",\"title\":\"t\",\"requires\":[\"fault-injection\"],\"steps\":["
        "{\"control\":{\"action\":\"inject\"}}]}");
    s_add_case(
        "clock",
        "{\"id\":\"ttl\",\"title\":\"t\",\"requires\":[\"clock-control\"],\"exclusive\":true,"
        "\"steps\":[{\"control\":{\"action\":\"advance_clock\",\"seconds\":1}}]}");
    s_add_case(
        "errors",
        "{\"id\":\"bad-count\",\"title\":\"t\",\"tags\":[\"errors\",\"count\"],\"steps\":[{\"call\":\"ListTasks\","
        "\"body\":{}}]}");
    return 0;
}

static int s_teardown(void **state) {
    (void)state;
    ecc_suite_clean_up(&s_suite);
    return 0;
}

static bool s_matches(const char *spec, const char *id) {
    struct ecc_filter filter;
    ecc_filter_init(&filter);
    struct ecc_diag diag;
    assert_int_equal(ecc_filter_add(&filter, spec, &diag), ECC_OK);
    bool matched = ecc_filter_matches(&filter, ecc_suite_find(&s_suite, id));
    ecc_filter_clean_up(&filter);
    return matched;
}

static void test_filters(void **state) {
    (void)state;
    assert_true(s_matches("run-one", "run-one"));
    assert_false(s_matches("run", "run-one"));
    assert_true(s_matches("run-*", "run-one"));
    assert_true(s_matches("errors/*", "bad-count"));
    assert_false(s_matches("errors/*", "run-one"));
    assert_true(s_matches("tag:count", "bad-count"));
    assert_false(s_matches("tag:count", "no-cluster"));
    assert_false(s_matches("tag:coun", "bad-count"));
    assert_true(s_matches("x,tag:ec2", "run-one"));
    struct ecc_filter filter;
    ecc_filter_init(&filter);
    struct ecc_diag diag;
    assert_int_equal(ecc_filter_add(&filter, "a,,b", &diag), ECC_ERR_INVALID);
    assert_int_equal(ecc_filter_add(&filter, "", &diag), ECC_ERR_INVALID);
    assert_int_equal(ecc_filter_add(&filter, "tag:", &diag), ECC_ERR_INVALID);
    assert_int_equal(ecc_filter_add(&filter, "Run One", &diag), ECC_ERR_INVALID);
    assert_false(ecc_filter_matches(&filter, s_suite.cases[0]));
    ecc_filter_clean_up(&filter);
}

static const struct ecc_plan_item *s_item(const struct ecc_plan *plan, const char *id) {
    for (size_t i = 0; i < plan->count; i++) {
        if (strcmp(plan->items[i].c->id, id) == 0) {
            return &plan->items[i];
        }
    }
    return NULL;
}

static void test_plan_skips_and_order(void **state) {
    (void)state;
    struct ecc_plan_options options = {.capabilities = ECC_CAP_FAULT_INJECTION, .loopback = true, .seed = 1};
    struct ecc_plan plan;
    assert_int_equal(ecc_plan_build(&plan, &s_suite, &options), ECC_OK);
    assert_int_equal(plan.count, 5);
    assert_int_equal(s_item(&plan, "server-fault")->action, ECC_PLAN_RUN);
    assert_int_equal(s_item(&plan, "ttl")->action, ECC_PLAN_SKIP);
    assert_non_null(strstr(s_item(&plan, "ttl")->skip_reason, "clock-control"));
    assert_int_equal(s_item(&plan, "run-one")->action, ECC_PLAN_RUN);
    /* exclusive first */
    assert_string_equal(plan.items[0].c->id, "ttl");
    ecc_plan_clean_up(&plan);

    /* Off loopback: task-starting cases need --allow-tasks. */
    options.loopback = false;
    options.capabilities = 0;
    assert_int_equal(ecc_plan_build(&plan, &s_suite, &options), ECC_OK);
    assert_int_equal(s_item(&plan, "run-one")->action, ECC_PLAN_SKIP);
    assert_non_null(strstr(s_item(&plan, "run-one")->skip_reason, "--allow-tasks"));
    assert_int_equal(s_item(&plan, "no-cluster")->action, ECC_PLAN_RUN);
    assert_non_null(strstr(s_item(&plan, "server-fault")->skip_reason, "fault-injection"));
    ecc_plan_clean_up(&plan);
    options.allow_tasks = true;
    assert_int_equal(ecc_plan_build(&plan, &s_suite, &options), ECC_OK);
    assert_int_equal(s_item(&plan, "run-one")->action, ECC_PLAN_RUN);
    ecc_plan_clean_up(&plan);

    /* Filters leave cases out entirely. */
    struct ecc_filter only, skip;
    ecc_filter_init(&only);
    ecc_filter_init(&skip);
    struct ecc_diag diag;
    assert_int_equal(ecc_filter_add(&only, "tag:errors", &diag), ECC_OK);
    assert_int_equal(ecc_filter_add(&skip, "bad-*", &diag), ECC_OK);
    options.only = &only;
    options.skip = &skip;
    assert_int_equal(ecc_plan_build(&plan, &s_suite, &options), ECC_OK);
    assert_int_equal(plan.count, 1);
    assert_int_equal(plan.filtered_out, 4);
    assert_string_equal(plan.items[0].c->id, "no-cluster");
    ecc_plan_clean_up(&plan);
    ecc_filter_clean_up(&only);
    ecc_filter_clean_up(&skip);
}

/* A suite of the one case `text` (group "g"), released with ecc_suite_clean_up. */
static void s_one_case_suite(const char *text, struct ecc_suite *suite) {
    ecc_suite_init(suite);
    struct ecc_case *c = NULL;
    struct ecc_diag diag;
    assert_int_equal(ecc_case_load_bytes((const uint8_t *)text, strlen(text), "m", "g", NULL, &c, &diag), ECC_OK);
    suite->cases = calloc(1, sizeof(*suite->cases));
    assert_non_null(suite->cases);
    suite->cases[0] = c;
    suite->count = suite->capacity = 1;
}

/* A case that uses a run variable without a value is SKIP, naming the variable and the option. */
static void test_plan_run_variables(void **state) {
    (void)state;
    struct ecc_suite suite;
    s_one_case_suite(
        "{\"id\":\"fargate\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":"
        "{\"s\":\"${subnet}\",\"g\":\"${security_group}\"}}]}",
        &suite);
    struct ecc_diag diag;
    json_t *values = json_object();
    struct ecc_plan_options options = {.capabilities = ~0u, .loopback = true, .run_vars = NULL};
    struct ecc_plan plan;
    const char *const expected[] = {"uses ${subnet}", "uses ${subnet}", "uses ${security_group}", NULL};
    for (size_t step = 0; step < ECC_ARRAY_LEN(expected); step++) {
        if (step == 1) {
            options.run_vars = values; /* empty */
        } else if (step == 2) {
            assert_int_equal(ecc_case_run_var_parse("subnet=subnet-1", values, &diag), ECC_OK);
        } else if (step == 3) {
            assert_int_equal(ecc_case_run_var_parse("security_group=sg-1", values, &diag), ECC_OK);
        }
        assert_int_equal(ecc_plan_build(&plan, &suite, &options), ECC_OK);
        if (expected[step]) {
            assert_int_equal(plan.items[0].action, ECC_PLAN_SKIP);
            assert_non_null(strstr(plan.items[0].skip_reason, expected[step]));
            assert_non_null(strstr(plan.items[0].skip_reason, "--var"));
        } else {
            assert_int_equal(plan.items[0].action, ECC_PLAN_RUN);
        }
        ecc_plan_clean_up(&plan);
    }
    /* The emulator profile has defaults for every run variable; aws has none. */
    json_t *defaults = json_object();
    struct ecc_profile profile;
    s_load_shipped_profile("aws", &profile);
    assert_int_equal(ecc_profile_default_vars(&profile, defaults), ECC_OK);
    ecc_profile_clean_up(&profile);
    assert_int_equal(json_object_size(defaults), 0);
    s_load_shipped_profile("emulator", &profile);
    assert_int_equal(ecc_profile_default_vars(&profile, defaults), ECC_OK);
    ecc_profile_clean_up(&profile);
    assert_int_equal(json_object_size(defaults), 2); /* subnet, security_group; never a shared cluster */
    assert_null(ecc_case_shared_cluster(defaults));
    assert_string_equal(json_string_value(json_object_get(defaults, "subnet")), ECC_RUN_VAR_PLACEHOLDER_SUBNET);
    options.run_vars = defaults;
    assert_int_equal(ecc_plan_build(&plan, &suite, &options), ECC_OK);
    assert_int_equal(plan.items[0].action, ECC_PLAN_RUN);
    ecc_plan_clean_up(&plan);
    json_decref(defaults);
    json_decref(values);
    ecc_suite_clean_up(&suite);
}

/* Shared-cluster mode: which cases cannot share the cluster, decided from their steps, and the plan's SKIP. */
static void test_plan_shared_cluster(void **state) {
    (void)state;
#define S_CREATE "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"}}"
#define S_LIST   "{\"call\":\"ListTasks\",\"body\":{\"cluster\":\"${cluster}\"}}"
    const struct {
        const char *steps;    /* the case's members after its title */
        const char *conflict; /* a part of the reason; NULL: it can share the cluster */
    } cases[] = {
        {"\"steps\":[" S_CREATE "," S_LIST "]", NULL},
        {"\"steps\":[{\"call\":\"ListTasks\",\"body\":{\"cluster\":\"${prefix}-missing\"}}]", NULL},
        {"\"steps\":[{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\",\"capacityProviders\":"
         "[\"FARGATE\"]}}]",
         "step 1 (CreateCluster) creates a cluster with settings of its own (capacityProviders)"},
        {"\"steps\":[" S_CREATE ",{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}-b\"}}]",
         "step 2 (CreateCluster) creates a cluster of its own"},
        {"\"steps\":[{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"},\"sign\":"
         "{\"date_offset_s\":-3600},\"expect\":{\"status\":400}}]",
         "creates a cluster of its own"},
        {"\"steps\":[" S_CREATE "],\"cleanup\":[{\"call\":\"DeleteCluster\",\"body\":{\"cluster\":\"${cluster}\"}}]",
         "cleanup 1 (DeleteCluster) deletes a cluster"},
        {"\"steps\":[" S_LIST "," S_CREATE "]", "step 1 (ListTasks) uses ${cluster} without creating it first"},
        {"\"steps\":[{\"raw\":{\"body\":{\"cluster\":\"x-${cluster}\"}},\"expect\":{\"status\":400}}]",
         "uses ${cluster} without creating it first"},
        {"\"steps\":[" S_CREATE ",{\"call\":\"ListTasks\",\"body\":{\"cluster\":\"${prefix}\"},\"expect\":{\"body\":"
         "{\"/x\":\"${cluster}\"}}}]",
         NULL},
        {"\"requires\":[\"fault-injection\"],\"steps\":[" S_CREATE ",{\"control\":{\"action\":\"inject\",\"operation\":"
         "\"RunTask\",\"cluster\":\"${cluster}\",\"error\":\"ServerException\"}}]",
         "step 2 (control inject) has a control action scoped to ${cluster}"},
        {"\"exclusive\":true,\"steps\":[" S_CREATE "]", "exclusive"},
        {"\"steps\":[" S_CREATE ",{\"call\":\"ListTasks\",\"body\":{\"cluster\":\"${cluster}\",\"maxResults\":1}}]",
         "step 2 (ListTasks) pages ListTasks of ${cluster}"},
    };
#undef S_CREATE
#undef S_LIST
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        char text[1024];
        snprintf(text, sizeof(text), "{\"id\":\"x\",\"title\":\"t\",%s}", cases[i].steps);
        struct ecc_case *c = NULL;
        struct ecc_diag diag;
        if (ecc_case_load_bytes((const uint8_t *)text, strlen(text), "x.json", "g", NULL, &c, &diag) != ECC_OK) {
            fail_msg("%zu: %s: %s", i, diag.path, diag.text);
        }
        char why[200] = "";
        bool conflict = ecc_plan_shared_cluster_conflict(c, why, sizeof(why));
        if (conflict != (cases[i].conflict != NULL) || (conflict && !strstr(why, cases[i].conflict))) {
            fail_msg("%zu: expected %s, got %s", i, cases[i].conflict ? cases[i].conflict : "no conflict", why);
        }
        ecc_case_destroy(c);
    }
    /* The plan skips such a case in shared-cluster mode only, saying why. */
    struct ecc_suite suite;
    s_one_case_suite(
        "{\"id\":\"own\",\"title\":\"t\",\"steps\":[{\"call\":\"DeleteCluster\",\"body\":{\"cluster\":"
        "\"${cluster}\"},\"expect\":{\"status\":400}}]}",
        &suite);
    struct ecc_diag diag;
    json_t *values = json_object();
    struct ecc_plan_options options = {.capabilities = ~0u, .loopback = true, .run_vars = values};
    struct ecc_plan plan;
    assert_int_equal(ecc_plan_build(&plan, &suite, &options), ECC_OK);
    assert_int_equal(plan.items[0].action, ECC_PLAN_RUN);
    ecc_plan_clean_up(&plan);
    assert_int_equal(ecc_case_run_var_parse("cluster=shared", values, &diag), ECC_OK);
    assert_int_equal(ecc_plan_build(&plan, &suite, &options), ECC_OK);
    assert_int_equal(plan.items[0].action, ECC_PLAN_SKIP);
    assert_string_equal(
        plan.items[0].skip_reason,
        "cannot run in the shared cluster (--var cluster): step 1 (DeleteCluster) deletes a "
        "cluster");
    ecc_plan_clean_up(&plan);
    json_decref(values);
    ecc_suite_clean_up(&suite);
}

static void test_order_depends_on_seed_only(void **state) {
    (void)state;
    struct ecc_plan_options options = {.capabilities = ~0u, .loopback = true, .seed = 7};
    struct ecc_plan a, b;
    assert_int_equal(ecc_plan_build(&a, &s_suite, &options), ECC_OK);
    assert_int_equal(ecc_plan_build(&b, &s_suite, &options), ECC_OK);
    for (size_t i = 0; i < a.count; i++) {
        assert_ptr_equal(a.items[i].c, b.items[i].c);
    }
    ecc_plan_clean_up(&b);
    /* Some other seed gives another order of the 4 non-exclusive cases. */
    bool differs = false;
    for (uint64_t seed = 8; seed < 40 && !differs; seed++) {
        options.seed = seed;
        assert_int_equal(ecc_plan_build(&b, &s_suite, &options), ECC_OK);
        for (size_t i = 0; i < a.count; i++) {
            differs = differs || a.items[i].c != b.items[i].c;
        }
        ecc_plan_clean_up(&b);
    }
    assert_true(differs);
    ecc_plan_clean_up(&a);
}

static void test_expect_fail_list(void **state) {
    (void)state;
    struct ecc_expect_fail_list list;
    ecc_expect_fail_list_init(&list);
    struct ecc_diag diag;
    const char *text = "# moto deviations\n\n"
                       "bad-count   moto does not check the count range\r\n"
                       "  errors/no-*\tHTML 500 instead of ClusterNotFoundException  \n";
    assert_int_equal(ecc_expect_fail_load_bytes(&list, text, strlen(text), "moto.expect-fail", &diag), ECC_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.entries[0].reason, "moto does not check the count range");
    assert_string_equal(list.entries[1].pattern, "errors/no-*");
    assert_string_equal(list.entries[1].reason, "HTML 500 instead of ClusterNotFoundException");
    assert_int_equal(list.entries[1].line, 4);
    assert_non_null(ecc_expect_fail_find(&list, ecc_suite_find(&s_suite, "no-cluster")));
    assert_null(ecc_expect_fail_find(&list, ecc_suite_find(&s_suite, "run-one")));
    assert_int_equal(ecc_expect_fail_check(&list, &s_suite, &diag), ECC_OK);
    assert_int_equal(list.entries[0].matches, 1);

    /* plan marks it; results: a listed case that passes is XPASS, which fails the run */
    struct ecc_plan_options options = {.capabilities = ~0u, .loopback = true, .expect_fail = &list};
    struct ecc_plan plan;
    assert_int_equal(ecc_plan_build(&plan, &s_suite, &options), ECC_OK);
    assert_non_null(s_item(&plan, "bad-count")->expect_fail);
    assert_null(s_item(&plan, "run-one")->expect_fail);
    ecc_plan_clean_up(&plan);
    assert_int_equal(ecc_result_of(true, false), ECC_RESULT_PASS);
    assert_int_equal(ecc_result_of(false, false), ECC_RESULT_FAIL);
    assert_int_equal(ecc_result_of(false, true), ECC_RESULT_XFAIL);
    assert_int_equal(ecc_result_of(true, true), ECC_RESULT_XPASS);

    /* A stale line is an error with its position. */
    const char *stale = "gone-case reason\n";
    assert_int_equal(ecc_expect_fail_load_bytes(&list, stale, strlen(stale), "extra.list", &diag), ECC_OK);
    assert_int_equal(ecc_expect_fail_check(&list, &s_suite, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.source, "extra.list");
    assert_int_equal(diag.line, 1);
    assert_non_null(strstr(diag.text, "gone-case"));
    ecc_expect_fail_list_clean_up(&list);

    /* Malformed lines. */
    const char *bad[] = {"bad-count\n", "bad-count   \n", "Bad_Count reason\n", "ok reason\nx\n"};
    int lines[] = {1, 1, 1, 2};
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        ecc_expect_fail_list_init(&list);
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_expect_fail_load_bytes(&list, bad[i], strlen(bad[i]), "l", &diag), ECC_ERR_INVALID);
        assert_int_equal(diag.line, lines[i]);
        ecc_expect_fail_list_clean_up(&list);
    }
    /* The lists of the profiles shipped with the project parse. */
    const char *shipped[] = {"emulator", "moto", "aws", "localstack"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(shipped); i++) {
        struct ecc_profile profile;
        s_load_shipped_profile(shipped[i], &profile);
        for (size_t j = 0; j < profile.expect_fail_count; j++) {
            ecc_expect_fail_list_init(&list);
            if (ecc_expect_fail_load_file(&list, profile.expect_fail[j], &diag) != ECC_OK) {
                fail_msg("%s:%d: %s", diag.source, diag.line, diag.text);
            }
            ecc_expect_fail_list_clean_up(&list);
        }
        ecc_profile_clean_up(&profile);
    }
    assert_int_equal(ecc_expect_fail_load_file(&list, "/nonexistent.expect-fail", &diag), ECC_ERR_IO);
}

/* "[...]" expectations: parsed, checked, and held against how a case failed. */
static void test_expect_fail_expectations(void **state) {
    (void)state;
    struct ecc_expect_fail_list list;
    ecc_expect_fail_list_init(&list);
    struct ecc_diag diag;
    const char *text = "no-cluster [status=500, error=none] HTML 500\n"
                       "bad-count [status=4xx, error=InvalidParameterException, reason~count] 400\n"
                       "run-one [transport=reset] drops\n"
                       "any-* plain reason\n";
    assert_int_equal(ecc_expect_fail_load_bytes(&list, text, strlen(text), "l", &diag), ECC_OK);
    assert_int_equal(list.count, 4);
    assert_string_equal(list.entries[0].expects, "status=500, error=none");
    assert_string_equal(list.entries[0].reason, "HTML 500");
    assert_int_equal(list.entries[0].want.status, 500);
    assert_int_equal(list.entries[1].want.status_class, 4);
    assert_string_equal(list.entries[1].want.reason_contains, "count");
    assert_string_equal(list.entries[2].want.transport, "reset");
    assert_null(list.entries[3].expects);

    char why[300];
    struct ecc_expect_fail_observed html = {.status = 500, .reason = "step 1: status: values differ"};
    struct ecc_expect_fail_observed error400 = {
        .status = 400, .error_type = "InvalidParameterException", .reason = "step 1: count too high"};
    struct ecc_expect_fail_observed reset = {.transport_error = "reset", .reason = "no usable answer (reset)"};
    struct ecc_expect_fail_observed refused = {.transport_error = "connect", .reason = "no usable answer"};
    assert_true(ecc_expect_fail_accepts(&list.entries[0], &html, why, sizeof(why)));
    assert_false(ecc_expect_fail_accepts(&list.entries[0], &error400, why, sizeof(why)));
    assert_string_equal(why, "expected status=500, got HTTP 400");
    assert_true(ecc_expect_fail_accepts(&list.entries[1], &error400, why, sizeof(why)));
    struct ecc_expect_fail_observed other_reason = error400;
    other_reason.reason = "step 1: launchType";
    assert_false(ecc_expect_fail_accepts(&list.entries[1], &other_reason, why, sizeof(why)));
    struct ecc_expect_fail_observed other_error = error400;
    other_error.error_type = "ClientException";
    assert_false(ecc_expect_fail_accepts(&list.entries[1], &other_error, why, sizeof(why)));
    assert_string_equal(why, "expected error=InvalidParameterException, got ClientException");
    /* A transport failure: only the line that names it accepts it; a line without brackets never does. */
    assert_true(ecc_expect_fail_accepts(&list.entries[2], &reset, why, sizeof(why)));
    assert_false(ecc_expect_fail_accepts(&list.entries[2], &refused, why, sizeof(why)));
    assert_false(ecc_expect_fail_accepts(&list.entries[2], &html, why, sizeof(why)));
    assert_false(ecc_expect_fail_accepts(&list.entries[3], &refused, why, sizeof(why)));
    assert_non_null(strstr(why, "never an expected one"));
    assert_false(ecc_expect_fail_accepts(&list.entries[0], &reset, why, sizeof(why)));
    assert_true(ecc_expect_fail_accepts(&list.entries[3], &html, why, sizeof(why)));
    assert_true(ecc_expect_fail_accepts(&list.entries[3], &error400, why, sizeof(why)));
    ecc_expect_fail_list_clean_up(&list);

    const char *bad[] = {
        "a [status=600] x\n",
        "a [status=50] x\n",
        "a [status=500 x\n",
        "a [] x\n",
        "a [ , ] x\n",
        "a [colour=red] x\n",
        "a [status=500, status=404] x\n",
        "a [error=Bad Name] x\n",
        "a [transport=teapot] x\n",
        "a [transport=cancelled] x\n",
        "a [transport=reset, error=none] x\n",
        "a [reason~] x\n",
        "a [status=500]x\n",
        "a [status=500]\n",
        "# c\na [status=500]   \n",
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        ecc_expect_fail_list_init(&list);
        ecc_diag_clear(&diag);
        if (ecc_expect_fail_load_bytes(&list, bad[i], strlen(bad[i]), "l", &diag) != ECC_ERR_INVALID) {
            fail_msg("accepted: %s", bad[i]);
        }
        assert_int_equal(diag.line, i == ECC_ARRAY_LEN(bad) - 1 ? 2 : 1);
        assert_int_equal(list.count, 0);
        ecc_expect_fail_list_clean_up(&list);
    }
}

static void test_filter_check(void **state) {
    (void)state;
    struct ecc_filter only;
    ecc_filter_init(&only);
    struct ecc_diag diag;
    assert_int_equal(ecc_filter_add(&only, "run-one,bad-cout", &diag), ECC_OK);
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_filter_check(&only, &s_suite, "--only", &diag), ECC_ERR_NOT_FOUND);
    assert_non_null(strstr(diag.text, "--only 'bad-cout' matches none"));
    assert_non_null(strstr(diag.text, "did you mean bad-count?"));
    ecc_filter_clean_up(&only);
    assert_int_equal(ecc_filter_add(&only, "run-*,tag:nothing-like-it", &diag), ECC_OK);
    assert_int_equal(ecc_filter_check(&only, &s_suite, "--only", &diag), ECC_ERR_NOT_FOUND);
    assert_non_null(strstr(diag.text, "known tags:"));
    ecc_filter_clean_up(&only);
    assert_int_equal(ecc_filter_add(&only, "run-*", &diag), ECC_OK);
    assert_int_equal(ecc_filter_check(&only, &s_suite, "--only", &diag), ECC_OK);
    ecc_filter_clean_up(&only);
}

/* The shipped profiles: the emulator's keys are the emulator's own constants (one truth, held here). */
static void test_profiles(void **state) {
    (void)state;
    struct ecc_profile emulator;
    s_load_shipped_profile("emulator", &emulator);
    assert_string_equal(emulator.name, "emulator");
    assert_int_equal(emulator.capabilities, ECC_CAP_FAULT_INJECTION | ECC_CAP_CLOCK_CONTROL);
    assert_string_equal(emulator.access_key_id, ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID);
    assert_string_equal(emulator.secret_access_key, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY);
    assert_string_equal(emulator.second_access_key_id, ECC_EMULATOR_BLOCKED_ACCESS_KEY_ID);
    assert_string_equal(emulator.account, ECC_EMULATOR_DEFAULT_ACCOUNT);
    assert_string_equal(emulator.region, ECC_EMULATOR_DEFAULT_REGION);
    assert_string_equal(json_string_value(json_object_get(emulator.vars, "subnet")), ECC_RUN_VAR_PLACEHOLDER_SUBNET);
    assert_string_equal(
        json_string_value(json_object_get(emulator.vars, "security_group")), ECC_RUN_VAR_PLACEHOLDER_SECURITY_GROUP);
    assert_int_equal(emulator.ec2_instances, 0);
    assert_int_equal(emulator.expect_fail_count, 1);
    assert_non_null(strstr(emulator.expect_fail[0], "/conformance/profiles/emulator.expect-fail"));
    ecc_profile_clean_up(&emulator);
    struct ecc_profile moto;
    s_load_shipped_profile("moto", &moto);
    assert_int_equal(moto.capabilities, 0);
    assert_int_equal(moto.ec2_instances, 1);
    assert_string_equal(moto.access_key_id, "testing");
    assert_null(moto.second_access_key_id);
    ecc_profile_clean_up(&moto);
    struct ecc_profile aws;
    s_load_shipped_profile("aws", &aws);
    assert_null(aws.access_key_id);
    assert_null(aws.region);
    assert_null(aws.account);
    assert_int_equal(json_object_size(aws.vars), 0);
    ecc_profile_clean_up(&aws);
    assert_int_equal(ecc_profile_load_file(&aws, "/nonexistent.profile", NULL), ECC_ERR_IO);

    assert_true(ecc_profile_is_name("moto"));
    assert_true(ecc_profile_is_name("my-endpoint-2"));
    assert_false(ecc_profile_is_name("./moto.profile"));
    assert_false(ecc_profile_is_name("moto.profile"));
    assert_false(ecc_profile_is_name("Moto"));
    assert_false(ecc_profile_is_name(""));
    assert_false(ecc_profile_is_name("-x"));
}

/* A written profile: every key, and each bad line reported at its line with the reason. */
static void test_profile_format(void **state) {
    (void)state;
    struct ecc_profile p;
    struct ecc_diag diag;
    char source[512];
    snprintf(source, sizeof(source), "%s/conformance/profiles/mine.profile", ECSCONF_SOURCE_DIR);
    const char *good = "# a comment\n"
                       "\n"
                       "summary = my endpoint\n"
                       "capabilities = clock-control\n"
                       "region = eu-west-1\r\n"
                       "account = 111122223333\n"
                       "  test-access-key-id=AKIDTEST  \n"
                       "test-secret-access-key = s3cr/et+x\n"
                       "second-access-key-id = AKIDTWO\n"
                       "ec2-instances = 2\n"
                       "var.subnet = subnet-1\n"
                       "expect-fail = moto.expect-fail\n"
                       "expect-fail = aws.expect-fail\n";
    assert_int_equal(ecc_profile_load_bytes(&p, good, strlen(good), source, &diag), ECC_OK);
    assert_string_equal(p.name, "mine");
    assert_string_equal(p.summary, "my endpoint");
    assert_int_equal(p.capabilities, ECC_CAP_CLOCK_CONTROL);
    assert_string_equal(p.region, "eu-west-1");
    assert_string_equal(p.account, "111122223333");
    assert_string_equal(p.access_key_id, "AKIDTEST");
    assert_string_equal(p.secret_access_key, "s3cr/et+x");
    assert_string_equal(p.second_access_key_id, "AKIDTWO");
    assert_int_equal(p.ec2_instances, 2);
    assert_string_equal(json_string_value(json_object_get(p.vars, "subnet")), "subnet-1");
    assert_int_equal(p.expect_fail_count, 2);
    assert_non_null(strstr(p.expect_fail[1], "/conformance/profiles/aws.expect-fail"));
    ecc_profile_clean_up(&p);
    /* An empty capabilities value is none; an empty file is a profile with nothing. */
    assert_int_equal(ecc_profile_load_bytes(&p, "capabilities =\n", 15, "x.profile", &diag), ECC_OK);
    assert_int_equal(p.capabilities, 0);
    ecc_profile_clean_up(&p);

    struct {
        const char *text;
        int line;
        const char *says;
    } bad[] = {
        {"summary = x\nregoin = us-east-1\n", 2, "unknown key 'regoin' (summary, capabilities, region"},
        {"regoin = us-east-1\n", 1, "did you mean region?"},
        {"test-acess-key-id = x\n", 1, "did you mean test-access-key-id?"},
        {"# c\nregion = us-east-1\nregion = eu-west-1\n", 3, "region given twice"},
        {"capabilities = fault-injection\ncapabilities = \n", 2, "capabilities given twice"},
        {"capabilities = fault-injektion\n", 1, "did you mean fault-injection?"},
        {"capabilities = clock-control, clock-control\n", 1, "'clock-control' given twice"},
        {"capabilities = clock-control,\n", 1, "nothing after it"},
        {"region = US-EAST-1\n", 1, "region: "},
        {"account = 12345\n", 1, "account: 12 digits"},
        {"summary\n", 1, "expected KEY = VALUE"},
        {"= x\n", 1, "a key of 1 to 63 characters"},
        {"summary =\n", 1, "summary: an empty value"},
        {"test-access-key-id = a b\n", 1, "printable ASCII characters without spaces"},
        {"ec2-instances = 11\n", 1, "ec2-instances: a number from 0 to 10"},
        {"ec2-instances = -1\n", 1, "ec2-instances: a number"},
        {"ec2-instances = 1x\n", 1, "ec2-instances: a number"},
        {"var.subnett = subnet-1\n",
         1,
         "var.subnett: 'subnett' is not a run variable (subnet, security_group, cluster)"},
        {"var.subnet = a b\n", 1, "var.subnet: subnet: the value may hold only printable ASCII"},
        {"var.subnet = s-1\nvar.subnet = s-2\n", 2, "var.subnet given twice"},
        {"expect-fail = none.expect-fail\n", 1, "none.expect-fail' is not a file"},
        {"summary = a\x01b\n", 1, "control character"},
        {"test-access-key-id = AKID\n", 0, "give both or neither"},
        {"second-access-key-id = AKID\n", 0, "give test keys too"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        ecc_diag_clear(&diag);
        enum ecc_status status = ecc_profile_load_bytes(&p, bad[i].text, strlen(bad[i].text), source, &diag);
        if (status != ECC_ERR_INVALID || diag.line != bad[i].line || !strstr(diag.text, bad[i].says) ||
            strcmp(diag.source, source) != 0) {
            fail_msg("bad[%zu]: status %d, line %d, '%s'", i, (int)status, diag.line, diag.text);
        }
        assert_null(p.name);
    }
    char big[ECC_PROFILE_MAX_BYTES + 2];
    memset(big, '#', sizeof(big));
    assert_int_equal(ecc_profile_load_bytes(&p, big, sizeof(big), "big.profile", &diag), ECC_ERR_INVALID);
    assert_non_null(strstr(diag.text, "at most"));
}

static void test_backoff_schedule(void **state) {
    (void)state;
    struct ecc_backoff b;
    ecc_backoff_init_default(&b);
    /* 2, 4, 8, ... seconds until 5 minutes: 2+4+...+128 = 254 s, then the last wait is cut to 46 s. */
    uint64_t elapsed = 0, delay = 0;
    uint64_t expected[] = {2000, 4000, 8000, 16000, 32000, 64000, 128000, 46000};
    unsigned retries = 0;
    while (ecc_backoff_next(&b, retries, elapsed, &delay)) {
        assert_true(retries < ECC_ARRAY_LEN(expected));
        assert_int_equal(delay, expected[retries]);
        elapsed += delay;
        retries++;
    }
    assert_int_equal(retries, ECC_ARRAY_LEN(expected));
    assert_int_equal(elapsed, 300000);
    /* Scaled down, with a cap on each wait. */
    struct ecc_backoff small = {.initial_ms = 10, .max_delay_ms = 25, .total_ms = 100};
    uint64_t expected_small[] = {10, 20, 25, 25, 20};
    elapsed = 0;
    retries = 0;
    while (ecc_backoff_next(&small, retries, elapsed, &delay)) {
        assert_int_equal(delay, expected_small[retries]);
        elapsed += delay;
        retries++;
    }
    assert_int_equal(retries, ECC_ARRAY_LEN(expected_small));
    /* Time spent in the requests themselves counts: past the budget, no more tries. */
    assert_false(ecc_backoff_next(&small, 0, 100, &delay));
    assert_false(ecc_backoff_next(&small, 0, 5000, &delay));
    /* No overflow for many retries. */
    assert_true(ecc_backoff_next(&b, 200, 0, &delay));
    assert_int_equal(delay, 300000);
}

/* --shard I/N: every key in exactly one shard, sizes within one, independent of the keys' order. */
static void test_shard_partition(void **state) {
    (void)state;
    enum { KEYS = 23 };
    char names[KEYS][16];
    const char *keys[KEYS], *reversed[KEYS];
    for (size_t i = 0; i < KEYS; i++) {
        snprintf(names[i], sizeof(names[i]), "g%zu/case-%02zu", i % 3, (i * 7) % KEYS);
        keys[i] = names[i];
        reversed[KEYS - 1 - i] = names[i];
    }
    for (unsigned n = 1; n <= KEYS + 2; n++) {
        unsigned owners[KEYS] = {0};
        size_t smallest = KEYS, largest = 0;
        for (unsigned index = 1; index <= n; index++) {
            struct ecc_shard shard = {.index = index, .count = n};
            bool selected[KEYS], selected_reversed[KEYS];
            assert_int_equal(ecc_shard_select(&shard, keys, KEYS, selected), ECC_OK);
            assert_int_equal(ecc_shard_select(&shard, reversed, KEYS, selected_reversed), ECC_OK);
            size_t size = 0;
            for (size_t i = 0; i < KEYS; i++) {
                /* The same key lands in the same shard whatever the order it was given in. */
                assert_int_equal(selected[i], selected_reversed[KEYS - 1 - i]);
                owners[i] += selected[i];
                size += selected[i];
            }
            smallest = size < smallest ? size : smallest;
            largest = size > largest ? size : largest;
        }
        for (size_t i = 0; i < KEYS; i++) {
            assert_int_equal(owners[i], 1);
        }
        assert_true(largest - smallest <= 1);
    }
    /* Not sharded: everything. */
    struct ecc_shard none = {0};
    bool all[KEYS];
    assert_int_equal(ecc_shard_select(&none, keys, KEYS, all), ECC_OK);
    for (size_t i = 0; i < KEYS; i++) {
        assert_true(all[i]);
    }
}

static void test_shard_parse(void **state) {
    (void)state;
    struct ecc_shard shard = {0};
    struct ecc_diag diag;
    assert_int_equal(ecc_shard_parse("2/5", &shard, &diag), ECC_OK);
    assert_int_equal(shard.index, 2);
    assert_int_equal(shard.count, 5);
    assert_int_equal(ecc_shard_parse("1/1", &shard, &diag), ECC_OK);
    assert_int_equal(ecc_shard_parse("1000/1000", &shard, &diag), ECC_OK);
    const char *bad[] = {
        "",
        "3",
        "0/3",
        "4/3",
        "1/0",
        "1/",
        "/3",
        "a/b",
        "1/3x",
        " 1/3",
        "1/3/3",
        "-1/3",
        "+1/3",
        "1/1001",
        "1/99999999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_shard_parse(bad[i], &shard, &diag), ECC_ERR_INVALID);
        assert_non_null(strstr(diag.text, "I/N"));
    }
}

/* The plan keeps only its shard's cases, counts the others, and the shards together hold the suite. */
static void test_plan_shards(void **state) {
    (void)state;
    for (unsigned n = 1; n <= 6; n++) {
        size_t seen[8] = {0};
        for (unsigned index = 1; index <= n; index++) {
            struct ecc_plan plan;
            struct ecc_plan_options options = {
                .capabilities = ~0u, .loopback = true, .seed = index * 77u, .shard = {.index = index, .count = n}};
            assert_int_equal(ecc_plan_build(&plan, &s_suite, &options), ECC_OK);
            assert_int_equal(plan.count + plan.sharded_out, s_suite.count);
            for (size_t i = 0; i < plan.count; i++) {
                for (size_t k = 0; k < s_suite.count; k++) {
                    seen[k] += plan.items[i].c == s_suite.cases[k];
                }
            }
            ecc_plan_clean_up(&plan);
        }
        for (size_t k = 0; k < s_suite.count; k++) {
            assert_int_equal(seen[k], 1);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_plan_skips_and_order),
        cmocka_unit_test(test_plan_run_variables),
        cmocka_unit_test(test_plan_shared_cluster),
        cmocka_unit_test(test_order_depends_on_seed_only),
        cmocka_unit_test(test_expect_fail_list),
        cmocka_unit_test(test_expect_fail_expectations),
        cmocka_unit_test(test_filter_check),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_profile_format),
        cmocka_unit_test(test_backoff_schedule),
        cmocka_unit_test(test_shard_partition),
        cmocka_unit_test(test_shard_parse),
        cmocka_unit_test(test_plan_shards),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}

/*
 * Unit tests of compare.c: answers compared by meaning. Each negative case changes one thing (the
 * error type, a dropped member, a changed type, a broken relation, an id of another shape, another
 * value) and checks that exactly that difference, and nothing else, is reported; the positive cases
 * check that volatile values (ARNs, ids, accounts, timestamps, request ids, error messages) are not
 * differences when they keep their shape and relations.
 */
#include "test_support.h"

#include "ecc/compare.h"

static json_t *s_json(const char *text) {
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY, &error);
    if (!value) {
        fail_msg("bad test JSON: %s", error.text);
    }
    return value;
}

/* Compares two JSON answers; returns the result (caller cleans up). */
static void s_compare(
    struct ecc_compare_context *context,
    int rstatus,
    const char *rbody,
    int astatus,
    const char *abody,
    struct ecc_compare_result *result) {
    json_t *r = rbody ? s_json(rbody) : NULL, *a = abody ? s_json(abody) : NULL;
    struct ecc_compare_answer recorded = {.status = rstatus, .body = r};
    struct ecc_compare_answer answered = {.status = astatus, .body = a};
    ecc_compare_result_init(result);
    assert_int_equal(ecc_compare_answers(context, &recorded, &answered, result), ECC_OK);
    json_decref(r);
    json_decref(a);
}

static void s_expect_one(const struct ecc_compare_result *result, enum ecc_compare_kind kind, const char *pointer) {
    if (result->count != 1) {
        for (size_t i = 0; i < result->count; i++) {
            print_message(
                "diff %zu: [%s] %s %s\n",
                i,
                ecc_compare_kind_name(result->diffs[i].kind),
                result->diffs[i].pointer,
                result->diffs[i].message);
        }
    }
    assert_int_equal(result->count, 1);
    assert_string_equal(ecc_compare_kind_name(result->diffs[0].kind), ecc_compare_kind_name(kind));
    assert_string_equal(result->diffs[0].pointer, pointer);
}

#define S_TASK_R                                                                                                       \
    "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/demo/0123456789abcdef0123456789abcdef\","      \
    "\"clusterArn\":\"arn:aws:ecs:us-east-1:000000000000:cluster/demo\",\"lastStatus\":\"PROVISIONING\","              \
    "\"cpu\":\"256\",\"createdAt\":1733540000.5,\"version\":1,\"containers\":[{\"name\":\"app\"}]}],"                  \
    "\"failures\":[]}"

static void test_same_meaning(void **state) {
    (void)state;
    struct ecc_compare_context context;
    assert_int_equal(ecc_compare_context_init(&context), ECC_OK);
    assert_int_equal(ecc_compare_context_add_name(&context, "demo", "ecc01234567-demo"), ECC_OK);
    struct ecc_compare_result result;
    /* Another account, another task id of the same shape, another timestamp, the run's own names. */
    s_compare(
        &context,
        200,
        S_TASK_R,
        200,
        "{\"failures\":[],\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:123456789012:task/ecc01234567-demo/"
        "fedcba9876543210fedcba9876543210\",\"clusterArn\":\"arn:aws:ecs:us-east-1:123456789012:cluster/"
        "ecc01234567-demo\","
        "\"lastStatus\":\"PROVISIONING\",\"cpu\":\"256\",\"createdAt\":1796605323,\"version\":1.0,"
        "\"containers\":[{\"name\":\"app\",\"exitCode\":null}],\"requestId\":null}]}",
        &result);
    assert_int_equal(result.count, 0);
    ecc_compare_result_clean_up(&result);
    /* The relation is now bound: a later request naming the recorded task names the answered one. */
    json_t *request = s_json("{\"cluster\":\"demo\",\"tasks\":[\"arn:aws:ecs:us-east-1:000000000000:task/demo/"
                             "0123456789abcdef0123456789abcdef\"]}");
    json_t *applied = ecc_compare_context_apply(&context, request);
    assert_string_equal(json_string_value(json_object_get(applied, "cluster")), "ecc01234567-demo");
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(applied, "tasks"), 0)),
        "arn:aws:ecs:us-east-1:123456789012:task/ecc01234567-demo/fedcba9876543210fedcba9876543210");
    json_decref(request);
    json_decref(applied);
    /* An error whose message differs is the same error. */
    s_compare(
        &context,
        400,
        "{\"__type\":\"ClusterNotFoundException\",\"message\":\"Cluster not found.\"}",
        400,
        "{\"__type\":\"com.amazonaws.ecs#ClusterNotFoundException:http://x\",\"message\":\"no such cluster\"}",
        &result);
    assert_int_equal(result.count, 0);
    ecc_compare_result_clean_up(&result);
    ecc_compare_context_clean_up(&context);
}

/* Empty strings are values like any other: equal when both are empty (the name map once read an
 * unterminated buffer for them), different otherwise. A bound id (a clientToken) maps whole strings. */
static void test_empty_strings_and_bound_ids(void **state) {
    (void)state;
    struct ecc_compare_context context;
    assert_int_equal(ecc_compare_context_init(&context), ECC_OK);
    assert_int_equal(ecc_compare_context_add_name(&context, "demo", "ecc01234567-demo"), ECC_OK);
    struct ecc_compare_result result;
    s_compare(
        &context,
        200,
        "{\"startedBy\":\"\",\"group\":\"family:demo\"}",
        200,
        "{\"startedBy\":\"\",\"group\":\"family:ecc01234567-demo\"}",
        &result);
    assert_int_equal(result.count, 0);
    ecc_compare_result_clean_up(&result);
    s_compare(&context, 200, "{\"startedBy\":\"\"}", 200, "{\"startedBy\":\"x\"}", &result);
    s_expect_one(&result, ECC_DIFF_VALUE, "/startedBy");
    ecc_compare_result_clean_up(&result);
    assert_int_equal(ecc_compare_context_add_id(&context, "tok-1234567", "ecc01234567"), ECC_OK);
    assert_int_equal(ecc_compare_context_add_id(&context, "", "x"), ECC_ERR_INVALID);
    json_t *request = s_json("{\"clientToken\":\"tok-1234567\",\"startedBy\":\"\",\"cluster\":\"demo\"}");
    json_t *applied = ecc_compare_context_apply(&context, request);
    assert_string_equal(json_string_value(json_object_get(applied, "clientToken")), "ecc01234567");
    assert_string_equal(json_string_value(json_object_get(applied, "startedBy")), "");
    assert_string_equal(json_string_value(json_object_get(applied, "cluster")), "ecc01234567-demo");
    json_decref(request);
    json_decref(applied);
    ecc_compare_context_clean_up(&context);
}

/* One comparison of a table, in order (a row may bind a relation a later row relies on), and what it
 * must report: no difference, or exactly one of `kind` at `pointer` (with `message` when not NULL). */
struct s_row {
    int rstatus;
    const char *recorded;
    int astatus;
    const char *answered;
    bool differs;
    enum ecc_compare_kind kind;
    const char *pointer;
    const char *message;
};

static void s_check_rows(const struct s_row *rows, size_t count) {
    struct ecc_compare_context context;
    assert_int_equal(ecc_compare_context_init(&context), ECC_OK);
    for (size_t i = 0; i < count; i++) {
        struct ecc_compare_result result;
        s_compare(&context, rows[i].rstatus, rows[i].recorded, rows[i].astatus, rows[i].answered, &result);
        if (!rows[i].differs) {
            assert_int_equal(result.count, 0);
        } else {
            s_expect_one(&result, rows[i].kind, rows[i].pointer);
            if (rows[i].message) {
                assert_string_equal(result.diffs[0].message, rows[i].message);
            }
        }
        ecc_compare_result_clean_up(&result);
    }
    ecc_compare_context_clean_up(&context);
}

static void test_error_type(void **state) {
    (void)state;
    static const struct s_row rows[] = {
        {400,
         "{\"__type\":\"ClusterNotFoundException\",\"message\":\"Cluster not found.\"}",
         400,
         "{\"__type\":\"InvalidParameterException\",\"message\":\"Cluster not found.\"}",
         true,
         ECC_DIFF_ERROR_TYPE,
         "",
         "error type: recorded ClusterNotFoundException, answered InvalidParameterException"},
    };
    s_check_rows(rows, ECC_ARRAY_LEN(rows));
    /* Another status and no error at all: both named. */
    struct ecc_compare_context context;
    assert_int_equal(ecc_compare_context_init(&context), ECC_OK);
    struct ecc_compare_result result;
    s_compare(
        &context, 400, "{\"__type\":\"ClusterNotFoundException\"}", 200, "{\"tasks\":[],\"failures\":[]}", &result);
    assert_int_equal(result.count, 2);
    assert_int_equal(result.diffs[0].kind, ECC_DIFF_STATUS);
    assert_int_equal(result.diffs[1].kind, ECC_DIFF_ERROR_TYPE);
    ecc_compare_result_clean_up(&result);
    ecc_compare_context_clean_up(&context);
}

static void test_dropped_member(void **state) {
    (void)state;
    static const struct s_row rows[] = {
        {200,
         S_TASK_R,
         200,
         "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/demo/0123456789abcdef0123456789abcdef\","
         "\"clusterArn\":\"arn:aws:ecs:us-east-1:000000000000:cluster/demo\",\"cpu\":\"256\","
         "\"createdAt\":1733540000.5,\"version\":1,\"containers\":[{\"name\":\"app\"}]}],\"failures\":[]}",
         true,
         ECC_DIFF_MISSING,
         "/tasks/0/lastStatus",
         NULL},
        /* A member only the answer has. */
        {200, "{\"a\":1}", 200, "{\"a\":1,\"b\":[]}", true, ECC_DIFF_EXTRA, "/b", NULL},
    };
    s_check_rows(rows, ECC_ARRAY_LEN(rows));
}

static void test_changed_type(void **state) {
    (void)state;
    static const struct s_row rows[] = {
        /* cpu as a number instead of a string; createdAt as a string: a timestamp is compared by type. */
        {200,
         "{\"t\":{\"cpu\":\"256\",\"createdAt\":1.5}}",
         200,
         "{\"t\":{\"cpu\":256,\"createdAt\":1.5}}",
         true,
         ECC_DIFF_TYPE,
         "/t/cpu",
         "type changed: recorded a string, answered a number"},
        {200,
         "{\"createdAt\":1.5}",
         200,
         "{\"createdAt\":\"2026-12-07T00:00:00Z\"}",
         true,
         ECC_DIFF_TYPE,
         "/createdAt",
         NULL},
        /* Another value that is not volatile; an array of another length. */
        {200,
         "{\"lastStatus\":\"PROVISIONING\"}",
         200,
         "{\"lastStatus\":\"RUNNING\"}",
         true,
         ECC_DIFF_VALUE,
         "/lastStatus",
         NULL},
        {200,
         "{\"failures\":[]}",
         200,
         "{\"failures\":[{\"reason\":\"MISSING\"}]}",
         true,
         ECC_DIFF_LENGTH,
         "/failures",
         NULL},
    };
    s_check_rows(rows, ECC_ARRAY_LEN(rows));
    /* JSON on one side, an HTML page on the other. */
    struct ecc_compare_context context;
    assert_int_equal(ecc_compare_context_init(&context), ECC_OK);
    struct ecc_compare_result result;
    json_t *r = s_json("{}");
    struct ecc_compare_answer recorded = {.status = 500, .body = r};
    struct ecc_compare_answer answered = {.status = 500, .text = "<html>500</html>"};
    ecc_compare_result_init(&result);
    assert_int_equal(ecc_compare_answers(&context, &recorded, &answered, &result), ECC_OK);
    s_expect_one(&result, ECC_DIFF_BODY_KIND, "");
    ecc_compare_result_clean_up(&result);
    json_decref(r);
    ecc_compare_context_clean_up(&context);
}

static void test_ids_shape_and_relation(void **state) {
    (void)state;
    static const struct s_row rows[] = {
        /* A UUID task id where a 32-digit hex id was recorded (moto against ECS's form). */
        {200,
         "{\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/c/0123456789abcdef0123456789abcdef\"}",
         200,
         "{\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/c/2b5c15c9-ab01-42ee-b1ae-1997aae78cc8\"}",
         true,
         ECC_DIFF_SHAPE,
         "/taskArn",
         NULL},
        /* A relation: the first answer binds the id, a later answer with another one breaks it. */
        {200,
         "{\"id\":\"11111111-2222-4333-8444-555555555555\"}",
         200,
         "{\"id\":\"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\"}",
         false,
         ECC_DIFF_STATUS,
         NULL,
         NULL},
        {200,
         "{\"again\":\"11111111-2222-4333-8444-555555555555\"}",
         200,
         "{\"again\":\"aaaaaaaa-bbbb-4ccc-8ddd-000000000000\"}",
         true,
         ECC_DIFF_RELATION,
         "/again",
         NULL},
        /* Another resource type in an ARN, another fixed resource name. */
        {200,
         "{\"a\":\"arn:aws:ecs:us-east-1:000000000000:cluster/x\"}",
         200,
         "{\"a\":\"arn:aws:ecs:us-east-1:000000000000:task/x\"}",
         true,
         ECC_DIFF_SHAPE,
         "/a",
         NULL},
        {200,
         "{\"a\":\"arn:aws:ecs:us-east-1:000000000000:cluster/x\"}",
         200,
         "{\"a\":\"arn:aws:ecs:us-east-1:000000000000:cluster/y\"}",
         true,
         ECC_DIFF_VALUE,
         "/a",
         NULL},
    };
    s_check_rows(rows, ECC_ARRAY_LEN(rows));
}

static void test_format(void **state) {
    (void)state;
    struct ecc_compare_context context;
    assert_int_equal(ecc_compare_context_init(&context), ECC_OK);
    struct ecc_compare_result result;
    s_compare(&context, 200, "{\"cpu\":\"256\"}", 200, "{\"cpu\":256}", &result);
    struct ecc_buf out;
    ecc_buf_init(&out, 4096);
    assert_int_equal(ecc_compare_format(&result, "exchange 3", &out), ECC_OK);
    assert_string_equal(
        out.data,
        "exchange 3: answer /cpu: [type] type changed: recorded a string, answered a number\n"
        "  - expected: \"256\"\n"
        "  + actual:   256\n");
    ecc_buf_clean_up(&out);
    ecc_compare_result_clean_up(&result);
    ecc_compare_context_clean_up(&context);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_meaning),
        cmocka_unit_test(test_empty_strings_and_bound_ids),
        cmocka_unit_test(test_error_type),
        cmocka_unit_test(test_dropped_member),
        cmocka_unit_test(test_changed_type),
        cmocka_unit_test(test_ids_shape_and_relation),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

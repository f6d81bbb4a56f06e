/* Matchers, pointers with wildcards, captures: each matcher passes on a good value and fails on bad ones. */
#include "test_support.h"

#include "ecc/match.h"

static json_t *s_json(const char *text) {
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY, &error);
    if (!value) {
        fail_msg("bad test JSON %s: %s", text, error.text);
    }
    return value;
}

/* Evaluates `spec` at `pointer` in `doc` (all JSON text). */
static bool s_eval(const char *doc, const char *pointer, const char *spec, struct ecc_match_failure *failure) {
    json_t *d = s_json(doc);
    json_t *s = s_json(spec);
    bool ok = ecc_match_eval(d, pointer, s, failure);
    json_decref(d);
    json_decref(s);
    return ok;
}

static bool s_ok(const char *doc, const char *pointer, const char *spec) {
    return s_eval(doc, pointer, spec, NULL);
}

static const char *const s_task = "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/c/abc\","
                                  "\"lastStatus\":\"PROVISIONING\",\"version\":1,\"cpu\":\"256\"},"
                                  "{\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/c/def\","
                                  "\"lastStatus\":\"PENDING\",\"version\":2}],\"failures\":[],\"n\":null}";

static void test_equals(void **state) {
    (void)state;
    assert_true(s_ok(s_task, "/tasks/0/lastStatus", "\"PROVISIONING\""));
    assert_true(s_ok(s_task, "/tasks/0/lastStatus", "{\"equals\":\"PROVISIONING\"}"));
    assert_true(s_ok(s_task, "/tasks/0/version", "1.0"));
    assert_true(s_ok(s_task, "/failures", "[]"));
    assert_true(s_ok("{\"o\":{\"a\":1,\"b\":[1,2]}}", "/o", "{\"equals\":{\"b\":[1,2],\"a\":1}}"));
    /* negatives */
    assert_false(s_ok(s_task, "/tasks/0/lastStatus", "\"PENDING\""));
    assert_false(s_ok(s_task, "/tasks/0/version", "\"1\""));
    assert_false(s_ok(s_task, "/tasks/0/missing", "\"x\""));
    assert_false(s_ok("{\"o\":{\"a\":1,\"b\":[2,1]}}", "/o", "{\"equals\":{\"b\":[1,2],\"a\":1}}"));
    assert_false(s_ok("{\"o\":{\"a\":1}}", "/o", "{\"equals\":{\"a\":1,\"b\":2}}"));
    /* null counts as absent */
    assert_true(s_ok(s_task, "/n", "null"));
    assert_true(s_ok(s_task, "/nothing", "{\"equals\":null}"));
    assert_false(s_ok(s_task, "/failures", "null"));
    /* The message shows both values when they are short (a report's one line says what differs). */
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    assert_false(s_eval(s_task, "/tasks/0/lastStatus", "\"PENDING\"", &failure));
    assert_string_equal(failure.message, "values differ: expected \"PENDING\", got \"PROVISIONING\"");
    assert_false(s_eval(s_task, "/tasks/0/version", "{\"equals\":2}", &failure));
    assert_string_equal(failure.message, "values differ: expected 2, got 1");
    assert_false(s_eval(
        s_task,
        "/tasks/0/lastStatus",
        "\"a-value-of-more-than-sixty-characters-is-left-to-the-detail-block\"",
        &failure));
    assert_string_equal(failure.message, "values differ");
    ecc_match_failure_clean_up(&failure);
}

static void test_present(void **state) {
    (void)state;
    assert_true(s_ok(s_task, "/tasks/0/cpu", "{\"present\":true}"));
    assert_true(s_ok(s_task, "/tasks/1/cpu", "{\"present\":false}"));
    assert_true(s_ok(s_task, "/n", "{\"present\":false}"));
    assert_false(s_ok(s_task, "/tasks/1/cpu", "{\"present\":true}"));
    assert_false(s_ok(s_task, "/tasks/0/cpu", "{\"present\":false}"));
    assert_false(s_ok(s_task, "/n", "{\"present\":true}"));
    assert_true(s_ok(s_task, "", "{\"present\":true}"));
    assert_false(s_eval("{}", "", "{\"present\":true}", NULL) == false);
}

static void test_type(void **state) {
    (void)state;
    assert_true(s_ok(s_task, "/tasks/0/version", "{\"type\":\"integer\"}"));
    assert_true(s_ok(s_task, "/tasks/0/version", "{\"type\":\"number\"}"));
    assert_true(s_ok("{\"r\":1.5}", "/r", "{\"type\":\"number\"}"));
    assert_true(s_ok(s_task, "/tasks", "{\"type\":\"array\"}"));
    assert_true(s_ok(s_task, "", "{\"type\":\"object\"}"));
    assert_true(s_ok("{\"b\":false}", "/b", "{\"type\":\"boolean\"}"));
    assert_false(s_ok("{\"r\":1.5}", "/r", "{\"type\":\"integer\"}"));
    assert_false(s_ok(s_task, "/tasks/0/cpu", "{\"type\":\"number\"}"));
    assert_false(s_ok(s_task, "/missing", "{\"type\":\"string\"}"));
}

static void test_regex(void **state) {
    (void)state;
    assert_true(s_ok(s_task, "/tasks/0/lastStatus", "{\"regex\":\"^PROV\"}"));
    assert_true(s_ok(s_task, "/tasks/0/lastStatus", "{\"regex\":\"VISION\"}"));
    assert_false(s_ok(s_task, "/tasks/0/lastStatus", "{\"regex\":\"^PEND\"}"));
    assert_false(s_ok(s_task, "/tasks/0/version", "{\"regex\":\"1\"}"));
    assert_false(s_ok(s_task, "/missing", "{\"regex\":\".*\"}"));
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    assert_false(s_eval(s_task, "/tasks/0/lastStatus", "{\"regex\":\"(\"}", &failure));
    assert_non_null(strstr(failure.message, "does not compile"));
    ecc_match_failure_clean_up(&failure);
}

static void test_arn(void **state) {
    (void)state;
    assert_true(s_ok(s_task, "/tasks/0/taskArn", "{\"arn\":\"task\"}"));
    assert_true(s_ok(s_task, "/tasks/0/taskArn", "{\"arn\":\"any\"}"));
    assert_true(s_ok("{\"a\":\"arn:aws-cn:ecs:cn-north-1:123456789012:cluster/x\"}", "/a", "{\"arn\":\"cluster\"}"));
    assert_true(s_ok(
        "{\"a\":\"arn:aws:ecs:us-east-1:123456789012:task-definition/f:3\"}", "/a", "{\"arn\":\"task-definition\"}"));
    assert_false(s_ok(s_task, "/tasks/0/taskArn", "{\"arn\":\"cluster\"}"));
    assert_false(s_ok("{\"a\":\"arn:aws:ecs:us-east-1:12345678901:task/c/x\"}", "/a", "{\"arn\":\"task\"}"));
    assert_false(s_ok("{\"a\":\"arn:aws:ec2:us-east-1:123456789012:task/c/x\"}", "/a", "{\"arn\":\"task\"}"));
    assert_false(s_ok("{\"a\":\"arn:aws:ecs::123456789012:task/c/x\"}", "/a", "{\"arn\":\"task\"}"));
    assert_false(s_ok("{\"a\":\"arn:aws:ecs:us-east-1:123456789012:task/\"}", "/a", "{\"arn\":\"task\"}"));
    assert_false(s_ok("{\"a\":\"arn:aws:ecs:us-east-1:123456789012:tasks/x\"}", "/a", "{\"arn\":\"task\"}"));
    assert_false(s_ok("{\"a\":\"xarn:aws:ecs:us-east-1:123456789012:task/x\"}", "/a", "{\"arn\":\"any\"}"));
    assert_false(s_ok("{\"a\":42}", "/a", "{\"arn\":\"any\"}"));
}

static void test_uuid(void **state) {
    (void)state;
    assert_true(s_ok("{\"u\":\"123e4567-e89b-42d3-a456-426614174000\"}", "/u", "{\"uuid\":true}"));
    assert_true(s_ok("{\"u\":\"123E4567-E89B-42D3-A456-426614174000\"}", "/u", "{\"uuid\":true}"));
    assert_false(s_ok("{\"u\":\"123e4567e89b42d3a456426614174000\"}", "/u", "{\"uuid\":true}"));
    assert_false(s_ok("{\"u\":\"123e4567-e89b-42d3-a456-42661417400g\"}", "/u", "{\"uuid\":true}"));
    assert_false(s_ok("{\"u\":\"123e4567-e89b-42d3-a456-4266141740001\"}", "/u", "{\"uuid\":true}"));
    assert_false(s_ok("{\"u\":7}", "/u", "{\"uuid\":true}"));
}

static void test_range(void **state) {
    (void)state;
    assert_true(s_ok("{\"c\":10}", "/c", "{\"range\":{\"min\":1,\"max\":10}}"));
    assert_true(s_ok("{\"c\":1}", "/c", "{\"range\":{\"min\":1}}"));
    assert_true(s_ok("{\"c\":0.5}", "/c", "{\"range\":{\"max\":1}}"));
    assert_false(s_ok("{\"c\":11}", "/c", "{\"range\":{\"min\":1,\"max\":10}}"));
    assert_false(s_ok("{\"c\":0}", "/c", "{\"range\":{\"min\":1}}"));
    assert_false(s_ok("{\"c\":\"5\"}", "/c", "{\"range\":{\"min\":1}}"));
}

static void test_length(void **state) {
    (void)state;
    assert_true(s_ok(s_task, "/tasks", "{\"length\":2}"));
    assert_true(s_ok(s_task, "/failures", "{\"length\":0}"));
    assert_true(s_ok("{\"s\":\"h\\u00e9llo\"}", "/s", "{\"length\":5}"));
    assert_true(s_ok(s_task, "/tasks/0", "{\"length\":{\"min\":3,\"max\":4}}"));
    assert_false(s_ok(s_task, "/tasks", "{\"length\":1}"));
    assert_false(s_ok(s_task, "/tasks", "{\"length\":{\"max\":1}}"));
    assert_false(s_ok(s_task, "/tasks", "{\"length\":{\"min\":3}}"));
    assert_false(s_ok(s_task, "/tasks/0/version", "{\"length\":1}"));
}

static void test_set(void **state) {
    (void)state;
    assert_true(s_ok("{\"a\":[\"x\",\"y\"]}", "/a", "{\"set\":[\"y\",\"x\"]}"));
    assert_true(s_ok("{\"a\":[]}", "/a", "{\"set\":[]}"));
    assert_false(s_ok("{\"a\":[\"x\",\"y\"]}", "/a", "{\"set\":[\"x\"]}"));
    assert_false(s_ok("{\"a\":[\"x\"]}", "/a", "{\"set\":[\"x\",\"y\"]}"));
    assert_false(s_ok("{\"a\":[\"x\",\"x\"]}", "/a", "{\"set\":[\"x\",\"y\"]}"));
    assert_false(s_ok("{\"a\":[\"x\",\"y\"]}", "/a", "{\"set\":[\"x\",\"z\"]}"));
    assert_false(s_ok("{\"a\":\"x\"}", "/a", "{\"set\":[\"x\"]}"));
    /* an unexpanded reference is not an array */
    assert_false(s_ok("{\"a\":[\"x\"]}", "/a", "{\"set\":\"${capture.x}\"}"));
}

static void test_one_of_not_and_conjunction(void **state) {
    (void)state;
    assert_true(s_ok(s_task, "/tasks/1/lastStatus", "{\"one_of\":[\"PROVISIONING\",\"PENDING\"]}"));
    assert_false(s_ok(s_task, "/tasks/1/lastStatus", "{\"one_of\":[\"RUNNING\",\"STOPPED\"]}"));
    assert_true(s_ok(s_task, "/tasks/1/lastStatus", "{\"not\":{\"equals\":\"RUNNING\"}}"));
    assert_false(s_ok(s_task, "/tasks/1/lastStatus", "{\"not\":{\"equals\":\"PENDING\"}}"));
    /* absent values satisfy no 'not' except the negation of present */
    assert_false(s_ok(s_task, "/missing", "{\"not\":{\"equals\":\"x\"}}"));
    assert_true(s_ok(s_task, "/missing", "{\"not\":{\"present\":true}}"));
    /* several keys: all must hold */
    assert_true(s_ok(s_task, "/tasks/0/taskArn", "{\"arn\":\"task\",\"regex\":\"abc$\"}"));
    assert_false(s_ok(s_task, "/tasks/0/taskArn", "{\"arn\":\"task\",\"regex\":\"def$\"}"));
}

/* absent_or: a missing (or null) member passes; a present one must satisfy the inner expectation. */
static void test_absent_or(void **state) {
    (void)state;
    assert_true(s_ok(s_task, "/tasks/1/cpu", "{\"absent_or\":{\"type\":\"string\"}}"));
    assert_true(s_ok(s_task, "/tasks/0/cpu", "{\"absent_or\":{\"type\":\"string\"}}"));
    assert_true(s_ok(s_task, "/n", "{\"absent_or\":{\"type\":\"string\"}}"));
    assert_true(s_ok(s_task, "/tasks/0/cpu", "{\"absent_or\":\"256\"}"));
    assert_true(s_ok(s_task, "/tasks/0/lastStatus", "{\"absent_or\":{\"one_of\":[\"PROVISIONING\",\"PENDING\"]}}"));
    /* Over a wildcard: each element may lack the member; those that have it must match. */
    assert_true(s_ok(s_task, "/tasks/*/cpu", "{\"absent_or\":{\"regex\":\"^[0-9]+$\"}}"));
    assert_false(s_ok(s_task, "/tasks/*/cpu", "{\"absent_or\":{\"regex\":\"^1\"}}"));
    /* negatives: present but wrong */
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    assert_false(s_eval(s_task, "/tasks/0/cpu", "{\"absent_or\":{\"type\":\"integer\"}}", &failure));
    assert_string_equal(failure.pointer, "/tasks/0/cpu");
    assert_non_null(strstr(failure.message, "present, but expected type integer, got string"));
    assert_false(s_eval(s_task, "/tasks/0/version", "{\"absent_or\":2}", &failure));
    assert_non_null(strstr(failure.message, "present, but values differ"));
    ecc_match_failure_clean_up(&failure);
    assert_false(s_ok(s_task, "/tasks/0/lastStatus", "{\"absent_or\":{\"one_of\":[\"RUNNING\"]}}"));
    /* With other keys all must hold: absence passes absent_or but not type. */
    assert_false(s_ok(s_task, "/tasks/1/cpu", "{\"absent_or\":\"256\",\"type\":\"string\"}"));
    /* A wildcard that reaches nothing still fails (the array itself must exist). */
    assert_false(s_ok(s_task, "/none/*/cpu", "{\"absent_or\":\"x\"}"));
    /* not absent_or: absence satisfies absent_or, so not fails on an absent value too */
    assert_false(s_ok(s_task, "/tasks/1/cpu", "{\"not\":{\"absent_or\":\"1\"}}"));
    assert_true(s_ok(s_task, "/tasks/0/cpu", "{\"not\":{\"absent_or\":\"1\"}}"));
}

static void test_wildcard(void **state) {
    (void)state;
    assert_true(s_ok(s_task, "/tasks/*/taskArn", "{\"arn\":\"task\"}"));
    assert_true(s_ok(s_task, "/tasks/*/version", "{\"range\":{\"min\":1,\"max\":2}}"));
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    assert_false(s_eval(s_task, "/tasks/*/lastStatus", "\"PROVISIONING\"", &failure));
    assert_string_equal(failure.pointer, "/tasks/1/lastStatus");
    assert_string_equal(json_string_value(failure.actual), "PENDING");
    assert_string_equal(json_string_value(failure.expected), "PROVISIONING");
    ecc_match_failure_clean_up(&failure);
    /* a member absent in one element fails at that element */
    assert_false(s_eval(s_task, "/tasks/*/cpu", "{\"present\":true}", &failure));
    assert_string_equal(failure.pointer, "/tasks/1/cpu");
    assert_null(failure.actual);
    ecc_match_failure_clean_up(&failure);
    /* reaching nothing fails, except for present:false */
    assert_false(s_eval(s_task, "/failures/*/arn", "{\"type\":\"string\"}", &failure));
    assert_non_null(strstr(failure.message, "reaches no value"));
    ecc_match_failure_clean_up(&failure);
    assert_true(s_ok(s_task, "/failures/*/arn", "{\"present\":false}"));
    assert_false(s_ok(s_task, "/nothing/*", "{\"type\":\"string\"}"));
    /* collect: the list as a whole */
    assert_true(s_ok(
        s_task,
        "/tasks/*/taskArn",
        "{\"collect\":{\"set\":[\"arn:aws:ecs:us-east-1:000000000000:task/c/def\","
        "\"arn:aws:ecs:us-east-1:000000000000:task/c/abc\"]}}"));
    assert_true(s_ok(s_task, "/failures/*/arn", "{\"collect\":{\"length\":0}}"));
    assert_false(s_ok(s_task, "/tasks/*/taskArn", "{\"collect\":{\"length\":1}}"));
    /* collect on a plain pointer is refused at evaluation too */
    assert_false(s_ok(s_task, "/tasks", "{\"collect\":{\"length\":2}}"));
    /* pointer escapes and index rules */
    assert_true(s_ok("{\"a/b\":{\"c~d\":1}}", "/a~1b/c~0d", "1"));
    assert_false(s_ok("{\"a\":[1,2]}", "/a/01", "2"));
    assert_false(s_ok("{\"a\":[1,2]}", "/a/-", "2"));
    assert_true(s_ok("{\"a\":[1,2]}", "/a/1", "2"));
    assert_true(s_ok("{\"*\":5}", "/*", "{\"present\":false}"));
}

static void test_value_and_null_document(void **state) {
    (void)state;
    json_t *spec = s_json("{\"range\":{\"min\":400,\"max\":499}}");
    json_t *v = json_integer(404);
    assert_true(ecc_match_value(v, spec, NULL));
    json_decref(v);
    v = json_integer(500);
    assert_false(ecc_match_value(v, spec, NULL));
    json_decref(v);
    json_decref(spec);
    spec = s_json("{\"present\":false}");
    assert_true(ecc_match_eval(NULL, "/x", spec, NULL));
    json_decref(spec);
    spec = s_json("{\"type\":\"string\"}");
    assert_false(ecc_match_eval(NULL, "", spec, NULL));
    json_decref(spec);
}

static void test_capture(void **state) {
    (void)state;
    json_t *doc = s_json(s_task);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    json_t *out = NULL;
    assert_int_equal(ecc_match_capture(doc, "/tasks/*/taskArn", &out, &diag), ECC_OK);
    assert_int_equal(json_array_size(out), 2);
    assert_string_equal(json_string_value(json_array_get(out, 1)), "arn:aws:ecs:us-east-1:000000000000:task/c/def");
    json_decref(out);
    assert_int_equal(ecc_match_capture(doc, "/tasks/0/version", &out, &diag), ECC_OK);
    assert_int_equal(json_integer_value(out), 1);
    json_decref(out);
    /* negatives: nothing there */
    assert_int_equal(ecc_match_capture(doc, "/tasks/5/taskArn", &out, &diag), ECC_ERR_NOT_FOUND);
    assert_null(out);
    assert_non_null(strstr(diag.text, "/tasks/5/taskArn"));
    assert_int_equal(ecc_match_capture(doc, "/failures/*/arn", &out, &diag), ECC_ERR_NOT_FOUND);
    assert_int_equal(ecc_match_capture(doc, "/n", &out, &diag), ECC_ERR_NOT_FOUND);
    assert_int_equal(ecc_match_capture(doc, "tasks", &out, &diag), ECC_ERR_INVALID);
    json_decref(doc);
}

/* Derived captures: the first group of a regex, or the whole match; each element of an array. */
static void test_derive(void **state) {
    (void)state;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    json_t *arn = json_string("arn:aws:ecs:us-east-1:000000000000:task/c/0123abcd");
    json_t *out = NULL;
    assert_int_equal(ecc_match_derive(arn, "/([^/]+)$", &out, &diag), ECC_OK);
    assert_string_equal(json_string_value(out), "0123abcd");
    json_decref(out);
    assert_int_equal(ecc_match_derive(arn, "task/[^/]+", &out, &diag), ECC_OK);
    assert_string_equal(json_string_value(out), "task/c");
    json_decref(out);
    json_t *arns = s_json("[\"arn:aws:ecs:r:1:task/c/a1\",\"arn:aws:ecs:r:1:task/c/b2\"]");
    assert_int_equal(ecc_match_derive(arns, "/([^/]+)$", &out, &diag), ECC_OK);
    assert_int_equal(json_array_size(out), 2);
    assert_string_equal(json_string_value(json_array_get(out, 0)), "a1");
    assert_string_equal(json_string_value(json_array_get(out, 1)), "b2");
    json_decref(out);
    /* negatives: no match, not a string, an array with a bad element, a regex that does not compile */
    assert_int_equal(ecc_match_derive(arn, "^cluster/", &out, &diag), ECC_ERR_NOT_FOUND);
    assert_null(out);
    assert_non_null(strstr(diag.text, "does not match"));
    json_t *number = json_integer(7);
    assert_int_equal(ecc_match_derive(number, "7", &out, &diag), ECC_ERR_NOT_FOUND);
    assert_non_null(strstr(diag.text, "expected a string, got integer"));
    json_t *mixed = s_json("[\"task/a\", 3]");
    assert_int_equal(ecc_match_derive(mixed, "/(.*)", &out, &diag), ECC_ERR_NOT_FOUND);
    assert_null(out);
    assert_int_equal(ecc_match_derive(arn, "(", &out, &diag), ECC_ERR_INVALID);
    assert_non_null(strstr(diag.text, "does not compile"));
    assert_int_equal(ecc_match_check_derive("(", &diag), ECC_ERR_INVALID);
    assert_int_equal(ecc_match_check_derive("/([0-9a-f]{32})$", &diag), ECC_OK);
    json_decref(mixed);
    json_decref(number);
    json_decref(arns);
    json_decref(arn);
}

static void test_wildcard_is_bounded(void **state) {
    (void)state;
    json_t *doc = json_object();
    json_t *arr = json_array();
    for (int i = 0; i < ECC_MATCH_MAX_VALUES + 1; i++) {
        json_array_append_new(arr, json_integer(i));
    }
    json_object_set_new(doc, "a", arr);
    json_t *spec = s_json("{\"type\":\"integer\"}");
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    assert_false(ecc_match_eval(doc, "/a/*", spec, &failure));
    assert_non_null(strstr(failure.message, "limit"));
    ecc_match_failure_clean_up(&failure);
    json_decref(spec);
    json_decref(doc);
}

static enum ecc_status s_check(const char *spec, bool wildcard, struct ecc_diag *diag) {
    json_t *s = s_json(spec);
    struct ecc_json_path path;
    ecc_json_path_init_pointer(&path);
    ecc_json_path_push_member(&path, "expect");
    enum ecc_status status = ecc_match_check_spec(s, wildcard, &path, diag);
    json_decref(s);
    return status;
}

/* regcomp expands repetitions into copies, so nested and stacked ones grow exponentially: every case-file
 * regex is measured first (the matcher, the load-time spec check, derived captures), and the ones past
 * the bounds are refused with the reason, without regcomp seeing them. */
static void test_regex_expansion_is_bounded(void **state) {
    (void)state;
    char pluses[64] = ":";
    memset(pluses + 1, '+', 40); /* the fuzz_case_loader finding: 2 GB in regcomp */
    char long_pattern[1100];
    memset(long_pattern, 'a', 1025);
    long_pattern[1025] = '\0';
    char deep[64] = "";
    for (int i = 0; i < 17; i++) {
        strcat(deep, "(");
    }
    strcat(deep, "a");
    for (int i = 0; i < 17; i++) {
        strcat(deep, ")");
    }
    struct {
        const char *pattern;
        const char *why;
    } refused[] = {
        {pluses, "repetition of a repetition at byte 2"},
        {"a**", "repetition of a repetition at byte 2"},
        {"a{2}{3}", "repetition of a repetition at byte 4"},
        {"(a+)?*", "repetition of a repetition at byte 5"},
        {"(a{255}){255}", "expands past 4096 nodes"},
        {"((a{20}){20}){20}", "expands past 4096 nodes"},
        {"a{4097}", "expands past 4096 nodes"},
        {"a{4096,}", "expands past 4096 nodes"},
        {"((a{,60}){,60}){,60}", "expands past 4096 nodes"}, /* glibc's {,n}: 24 GB before the fix */
        {"(a{00000255}){00000255}", "expands past 4096 nodes"},
        {"a{,2}{,3}", "repetition of a repetition at byte 5"},
        {"a{,}+", "repetition of a repetition at byte 4"},
        {long_pattern, "1025 bytes is refused"},
        {deep, "nested deeper than 16"},
    };
    json_t *text = json_string("aaaa");
    for (size_t i = 0; i < ECC_ARRAY_LEN(refused); i++) {
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_match_check_derive(refused[i].pattern, &diag), ECC_ERR_INVALID);
        if (!strstr(diag.text, refused[i].why)) {
            fail_msg("pattern %zu: '%s' does not say '%s'", i, diag.text, refused[i].why);
        }
        json_t *out = NULL;
        assert_int_equal(ecc_match_derive(text, refused[i].pattern, &out, &diag), ECC_ERR_INVALID);
        assert_null(out);
        json_t *spec = json_pack("{s:s}", "regex", refused[i].pattern);
        struct ecc_json_path path;
        ecc_json_path_init_pointer(&path);
        assert_int_equal(ecc_match_check_spec(spec, false, &path, &diag), ECC_ERR_INVALID);
        assert_non_null(strstr(diag.text, refused[i].why));
        struct ecc_match_failure failure;
        ecc_match_failure_init(&failure);
        assert_false(ecc_match_value(text, spec, &failure));
        assert_non_null(strstr(failure.message, refused[i].why));
        ecc_match_failure_clean_up(&failure);
        json_decref(spec);
    }
    /* At the bounds, and the shapes the measure must read right: brackets, classes, escapes, intervals. */
    const char *accepted[] = {
        "a{4096}",
        "(a{64}){63}",
        "^arn:aws:ecs:[a-z0-9-]+:[0-9]{12}:task/.+$",
        "[]a]+",
        "[[:alpha:]]{2,3}",
        "\\(+",
        "a{,3}",
        "a{,}",
        "a{0000012}",
        "x|y*|(z)?",
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(accepted); i++) {
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        if (ecc_match_check_derive(accepted[i], &diag) != ECC_OK) {
            fail_msg("pattern '%s' refused: %s", accepted[i], diag.text);
        }
    }
    json_decref(text);
}

static void test_check_spec(void **state) {
    (void)state;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(s_check("\"x\"", false, &diag), ECC_OK);
    assert_int_equal(s_check("{\"arn\":\"task\",\"regex\":\"^a\"}", false, &diag), ECC_OK);
    assert_int_equal(s_check("{\"collect\":{\"set\":\"${capture.x}\"}}", true, &diag), ECC_OK);
    assert_int_equal(s_check("{\"regex\":\"${capture.x}(\"}", false, &diag), ECC_OK);
    assert_int_equal(s_check("{\"absent_or\":{\"one_of\":[\"A\"]}}", true, &diag), ECC_OK);
    assert_int_equal(s_check("{\"absent_or\":[1]}", false, &diag), ECC_OK);
    struct {
        const char *spec;
        bool wildcard;
        const char *path;
        const char *text;
    } bad[] = {
        {"{}", false, "/expect", "empty matcher"},
        {"{\"regexp\":\"x\"}", false, "/expect/regexp", "unknown matcher"},
        {"{\"present\":1}", false, "/expect/present", "true or false"},
        {"{\"type\":\"str\"}", false, "/expect/type", "'type'"},
        {"{\"regex\":\"(\"}", false, "/expect/regex", "does not compile"},
        {"{\"regex\":5}", false, "/expect/regex", "must be a string"},
        {"{\"arn\":\"tasks\"}", false, "/expect/arn", "'arn'"},
        {"{\"uuid\":false}", false, "/expect/uuid", "must be true"},
        {"{\"range\":{}}", false, "/expect/range", "min"},
        {"{\"range\":{\"min\":\"1\"}}", false, "/expect/range", "a number"},
        {"{\"range\":{\"min\":5,\"max\":1}}", false, "/expect/range", "greater"},
        {"{\"range\":{\"low\":1}}", false, "/expect/range", "unknown member 'low'"},
        {"{\"length\":-1}", false, "/expect/length", "negative"},
        {"{\"length\":{\"min\":1.5}}", false, "/expect/length", "non-negative integer"},
        {"{\"set\":\"x\"}", false, "/expect/set", "array"},
        {"{\"one_of\":[]}", false, "/expect/one_of", "non-empty"},
        {"{\"not\":\"x\"}", false, "/expect/not", "matcher object"},
        {"{\"not\":{\"bogus\":1}}", false, "/expect/not/bogus", "unknown matcher"},
        {"{\"collect\":{\"length\":1}}", false, "/expect/collect", "wildcard"},
        {"{\"collect\":{\"length\":1},\"present\":true}", true, "/expect/collect", "only key"},
        {"{\"not\":{\"collect\":{\"length\":1}}}", true, "/expect/not/collect", "wildcard"},
        {"{\"absent_or\":null}", false, "/expect/absent_or", "null would accept everything"},
        {"{\"absent_or\":{}}", false, "/expect/absent_or", "empty matcher"},
        {"{\"absent_or\":{\"typ\":\"string\"}}", false, "/expect/absent_or/typ", "unknown matcher"},
        {"{\"absent_or\":{\"collect\":{\"length\":1}}}", true, "/expect/absent_or/collect", "wildcard"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        ecc_diag_clear(&diag);
        if (s_check(bad[i].spec, bad[i].wildcard, &diag) != ECC_ERR_INVALID) {
            fail_msg("accepted %s", bad[i].spec);
        }
        if (strcmp(diag.path, bad[i].path) != 0 || !strstr(diag.text, bad[i].text)) {
            fail_msg("%s: got path '%s' text '%s'", bad[i].spec, diag.path, diag.text);
        }
    }
}

static void test_check_pointer(void **state) {
    (void)state;
    struct ecc_diag diag;
    bool wildcard = true;
    assert_int_equal(ecc_match_check_pointer("", &wildcard, &diag), ECC_OK);
    assert_false(wildcard);
    assert_int_equal(ecc_match_check_pointer("/tasks/*/taskArn", &wildcard, &diag), ECC_OK);
    assert_true(wildcard);
    assert_int_equal(ecc_match_check_pointer("tasks", &wildcard, &diag), ECC_ERR_INVALID);
    assert_int_equal(ecc_match_check_pointer("/a~2b", &wildcard, &diag), ECC_ERR_INVALID);
    assert_int_equal(ecc_match_check_pointer("/a~", &wildcard, &diag), ECC_ERR_INVALID);
    char deep[400] = "";
    for (int i = 0; i < 70; i++) {
        strcat(deep, "/a");
    }
    assert_int_equal(ecc_match_check_pointer(deep, &wildcard, &diag), ECC_ERR_INVALID);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equals),
        cmocka_unit_test(test_present),
        cmocka_unit_test(test_type),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_regex_expansion_is_bounded),
        cmocka_unit_test(test_arn),
        cmocka_unit_test(test_uuid),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_set),
        cmocka_unit_test(test_one_of_not_and_conjunction),
        cmocka_unit_test(test_absent_or),
        cmocka_unit_test(test_derive),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_value_and_null_document),
        cmocka_unit_test(test_capture),
        cmocka_unit_test(test_wildcard_is_bounded),
        cmocka_unit_test(test_check_spec),
        cmocka_unit_test(test_check_pointer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

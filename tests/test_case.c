/* Fixture and case loaders: every error class with its position, and the suite's own files. */
#include "test_support.h"

#include "ecc/case.h"
#include "ecc/fixture.h"

#include <sys/stat.h>
#include <unistd.h>

static const char *const s_fixture_ok =
    "{\"id\":\"rt\",\"description\":\"d\",\"operation\":\"RunTask\",\"recorded\":{\"from\":\"hand-written\"},"
    "\"request\":{\"headers\":{\"X-Amz-Target\":\"AmazonEC2ContainerServiceV20141113.RunTask\"},"
    "\"body\":{\"cluster\":\"${cluster}\",\"taskDefinition\":\"${family}\"}},"
    "\"response\":{\"status\":200,\"body\":{}}}";

static struct ecc_fixture_set s_fixtures;

static int s_setup(void **state) {
    (void)state;
    ecc_fixture_set_init(&s_fixtures);
    struct ecc_fixture *f = NULL;
    struct ecc_diag diag;
    if (ecc_fixture_load_bytes((const uint8_t *)s_fixture_ok, strlen(s_fixture_ok), "mem", &f, &diag) != ECC_OK) {
        fprintf(stderr, "%s %s\n", diag.path, diag.text);
        return -1;
    }
    return ecc_fixture_set_add(&s_fixtures, f, &diag) == ECC_OK ? 0 : -1;
}

static int s_teardown(void **state) {
    (void)state;
    ecc_fixture_set_clean_up(&s_fixtures);
    return 0;
}

static void test_fixture_ok(void **state) {
    (void)state;
    const struct ecc_fixture *f = ecc_fixture_set_find(&s_fixtures, "rt");
    assert_non_null(f);
    assert_string_equal(f->operation, "RunTask");
    assert_string_equal(f->method, "POST");
    assert_string_equal(f->path, "/");
    assert_string_equal(f->query, "");
    assert_non_null(f->body);
    assert_null(f->body_text);
    assert_int_equal(f->response_status, 200);
    assert_null(ecc_fixture_set_find(&s_fixtures, "nope"));
    /* Headers are never NULL. */
    const char *no_headers = "{\"id\":\"x\",\"description\":\"d\",\"operation\":\"ListTasks\",\"recorded\":{\"from\":"
                             "\"aws\"},\"request\":{\"body_text\":\"{\"},\"response\":{\"status\":400}}";
    struct ecc_fixture *g = NULL;
    struct ecc_diag diag;
    assert_int_equal(ecc_fixture_load_bytes((const uint8_t *)no_headers, strlen(no_headers), "m", &g, &diag), ECC_OK);
    assert_non_null(g->headers);
    assert_int_equal(json_object_size(g->headers), 0);
    assert_string_equal(g->body_text, "{");
    /* Duplicate ids are refused (and the set takes ownership either way). */
    struct ecc_fixture_set set;
    ecc_fixture_set_init(&set);
    assert_int_equal(ecc_fixture_set_add(&set, g, &diag), ECC_OK);
    assert_int_equal(ecc_fixture_load_bytes((const uint8_t *)no_headers, strlen(no_headers), "m2", &g, &diag), ECC_OK);
    assert_int_equal(ecc_fixture_set_add(&set, g, &diag), ECC_ERR_INVALID);
    assert_non_null(strstr(diag.text, "duplicate fixture id"));
    ecc_fixture_set_clean_up(&set);
}

/* Replaces the first occurrence of `from` in `base` with `to`. */
static char *s_replace(const char *base, const char *from, const char *to) {
    const char *at = strstr(base, from);
    if (!at) {
        fail_msg("test bug: '%s' not in the base document", from);
    }
    size_t len = strlen(base) - strlen(from) + strlen(to) + 1;
    char *out = malloc(len);
    snprintf(out, len, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
    return out;
}

static void test_fixture_errors(void **state) {
    (void)state;
    struct {
        const char *from;
        const char *to;
        const char *path;
        const char *text;
    } cases[] = {
        {"\"id\":\"rt\"", "\"id\":\"RT\"", "/id", "[a-z0-9]"},
        {"\"id\":\"rt\"", "\"id\":5", "/id", "expected a string, got integer"},
        {"\"description\":\"d\",", "", "/description", "missing required member 'description'"},
        {"\"description\":\"d\"", "\"description\":\"\"", "/description", "must not be empty"},
        {"\"operation\":\"RunTask\"", "\"operation\":\"RunTasks\"", "/operation", "unknown operation"},
        {"\"recorded\":{\"from\":\"hand-written\"}", "\"recorded\":{\"from\":\"hand\"}", "/recorded/from", "'from'"},
        {"\"recorded\":{\"from\":\"hand-written\"}",
         "\"recorded\":{\"from\":\"aws\",\"when\":1}",
         "/recorded/when",
         "unknown member"},
        {"\"recorded\":{\"from\":\"hand-written\"}",
         "\"recorded\":{\"from\":\"aws\"},\"redacted\":[\"\"]",
         "/redacted/0",
         "non-empty"},
        {"\"request\":{", "\"request\":{\"verb\":\"GET\",", "/request/verb", "unknown member 'verb'"},
        {"\"request\":{", "\"request\":{\"method\":\"get\",", "/request/method", "upper-case"},
        {"\"request\":{", "\"request\":{\"path\":\"x\",", "/request/path", "start with '/'"},
        {"\"headers\":{",
         "\"headers\":{\"authorization\":\"AWS4-HMAC-SHA256 ...\",",
         "/request/headers/authorization",
         "must not be stored"},
        {"\"headers\":{",
         "\"headers\":{\"X-Amz-Security-Token\":\"t\",",
         "/request/headers/X-Amz-Security-Token",
         "must not be stored"},
        {"\"headers\":{",
         "\"headers\":{\"X-Amz-Date\":\"20240101T000000Z\",",
         "/request/headers/X-Amz-Date",
         "must not be stored"},
        {"\"headers\":{", "\"headers\":{\"Bad Name\":\"x\",", "/request/headers/Bad Name", "not a valid header name"},
        {"\"headers\":{", "\"headers\":{\"X-A\":1,", "/request/headers/X-A", "must be a string"},
        {"\"headers\":{", "\"headers\":{\"X-A\":\"a\\r\\nX-B: b\",", "/request/headers/X-A", "line break"},
        {".RunTask\"", ".ListTasks\"", "/request/headers/X-Amz-Target", "does not name the operation"},
        {"\"body\":{\"cluster\"",
         "\"body_text\":\"x\",\"body\":{\"cluster\"",
         "/request/body_text",
         "mutually exclusive"},
        {"\"status\":200", "\"status\":99", "/response/status", "100..599"},
        {"\"status\":200", "\"status\":\"200\"", "/response/status", "expected an integer"},
        {"\"response\":{\"status\":200,", "\"response\":{", "/response/status", "missing required member 'status'"},
        {"\"response\":{\"status\":200,",
         "\"response\":{\"status\":200,\"headers\":{\"Authorization\":\"x\"},",
         "/response/headers/Authorization",
         "must not be stored"},
        {"\"id\":\"rt\",", "\"id\":\"rt\",\"extra\":true,", "/extra", "unknown member 'extra'"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        char *text = s_replace(s_fixture_ok, cases[i].from, cases[i].to);
        struct ecc_fixture *f = NULL;
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        enum ecc_status status = ecc_fixture_load_bytes((const uint8_t *)text, strlen(text), "f.json", &f, &diag);
        if (status == ECC_OK || strcmp(diag.path, cases[i].path) != 0 || !strstr(diag.text, cases[i].text)) {
            fail_msg("case %zu (%s): status %d path '%s' text '%s'", i, cases[i].to, status, diag.path, diag.text);
        }
        assert_string_equal(diag.source, "f.json");
        assert_null(f);
        free(text);
    }
}

static void test_syntax_errors_have_positions(void **state) {
    (void)state;
    struct {
        const char *text;
        int line;
        int column;
        const char *message;
    } cases[] = {
        {"{\n  \"id\": \"x\",\n  \"title\": \"t\"\n  \"steps\": []\n}", 4, 9, "'}' expected"},
        {"{\"id\":\"a\",\n\"id\":\"b\"}", 2, 4, "duplicate"},
        {"{\"id\":\"a\", \"title\": \"unterminated}", 1, 34, "premature end"},
        /* jansson has no column at the end of the input: the loader points where jansson stopped reading */
        {"", 1, 1, "'[' or '{' expected"},
        {"{\n  \"id\": \"x\"", 2, 11, "'}' expected"},
        /* the root has no JSON pointer: the position of its first byte */
        {"[1,2]", 1, 1, "must hold a JSON object"},
        /* a byte-order mark is named as such (jansson would say "'[' or '{' expected near '\xEF'") */
        {"\xEF\xBB\xBF{\"id\": \"x\"}", 1, 1, "starts with a UTF-8 byte-order mark (EF BB BF)"},
        {"\xFF\xFE{\0", 1, 1, "starts with a UTF-16 byte-order mark"},
        {" \n\t [7]", 2, 3, "must hold a JSON object"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        struct ecc_case *c = NULL;
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        enum ecc_status status =
            ecc_case_load_bytes((const uint8_t *)cases[i].text, strlen(cases[i].text), "c.json", NULL, NULL, &c, &diag);
        assert_int_equal(status, ECC_ERR_INVALID);
        if (diag.line != cases[i].line || (cases[i].column && diag.column != cases[i].column) ||
            !strstr(diag.text, cases[i].message)) {
            fail_msg("syntax case %zu: %d:%d %s", i, diag.line, diag.column, diag.text);
        }
        char formatted[1024];
        ecc_diag_format(&diag, formatted, sizeof(formatted));
        assert_non_null(strstr(formatted, "c.json"));
        assert_null(c);
    }
    /* Oversized input. */
    size_t big = ECC_SUITE_MAX_FILE_BYTES + 1;
    char *text = malloc(big);
    memset(text, ' ', big);
    struct ecc_case *c = NULL;
    struct ecc_diag diag;
    assert_int_equal(ecc_case_load_bytes((const uint8_t *)text, big, "big", NULL, NULL, &c, &diag), ECC_ERR_LIMIT);
    free(text);
}

static const char *const s_case_ok =
    "{\"id\":\"c1\",\"title\":\"t\",\"tags\":[\"a\",\"b\"],\"requires\":[\"fault-injection\"],"
    "\"vars\":{\"tok\":\"${prefix}-t\",\"tok2\":\"${tok}x\"},"
    "\"steps\":["
    "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"},\"capture\":{\"carn\":\"/cluster/"
    "clusterArn\"}},"
    "{\"name\":\"run\",\"send\":\"rt\",\"merge\":{\"clientToken\":\"${tok2}\"},\"expect\":{\"status\":200,"
    "\"body\":{\"/tasks/*/clusterArn\":\"${capture.carn}\",\"/tasks\":{\"length\":1}}},"
    "\"capture\":{\"arns\":\"/tasks/*/taskArn\"},\"confirm\":true},"
    "{\"control\":{\"action\":\"inject\",\"operation\":\"RunTask\",\"cluster\":\"${cluster}\",\"error\":\"X\"}},"
    "{\"raw\":{\"from\":\"rt\",\"headers\":{\"X-Amz-Target\":null}},\"sign\":\"none\","
    "\"expect\":{\"error\":{\"present\":true}}},"
    "{\"raw\":{\"headers\":{\"X-Amz-Target\":\"AmazonEC2ContainerServiceV20141113.RunTask\"},\"body_text\":\"{\"},"
    "\"sign\":{\"date_offset_s\":-3600,\"credentials\":\"second\"}}"
    "],"
    "\"cleanup\":[{\"call\":\"StopTask\",\"body\":{\"task\":\"${capture.arns}\"}}]}";

static struct ecc_case *s_load_case(const char *text, struct ecc_diag *diag, enum ecc_status *status) {
    struct ecc_case *c = NULL;
    ecc_diag_clear(diag);
    *status = ecc_case_load_bytes((const uint8_t *)text, strlen(text), "c.json", "grp", &s_fixtures, &c, diag);
    return c;
}

static void test_case_ok(void **state) {
    (void)state;
    struct ecc_diag diag;
    enum ecc_status status;
    struct ecc_case *c = s_load_case(s_case_ok, &diag, &status);
    if (status != ECC_OK) {
        fail_msg("%s: %s", diag.path, diag.text);
    }
    assert_string_equal(c->id, "c1");
    assert_string_equal(c->group, "grp");
    assert_true(ecc_case_has_tag(c, "b"));
    assert_false(ecc_case_has_tag(c, "c"));
    assert_int_equal(c->requires, ECC_CAP_FAULT_INJECTION);
    assert_int_equal(c->step_count, 5);
    assert_int_equal(c->cleanup_count, 1);
    assert_true(c->starts_tasks);
    assert_int_equal(c->steps[0].kind, ECC_STEP_CALL);
    assert_string_equal(c->steps[0].operation, "CreateCluster");
    assert_string_equal(c->steps[0].label, "step 1 (CreateCluster)");
    assert_int_equal(c->steps[1].kind, ECC_STEP_SEND);
    assert_ptr_equal(c->steps[1].fixture, ecc_fixture_set_find(&s_fixtures, "rt"));
    assert_true(c->steps[1].confirm);
    assert_string_equal(c->steps[1].label, "step 2 \"run\" (RunTask)");
    assert_string_equal(c->steps[3].label, "step 4 (raw)");
    assert_string_equal(c->steps[4].label, "step 5 (raw RunTask)");
    assert_int_equal(c->steps[2].kind, ECC_STEP_CONTROL);
    assert_string_equal(c->steps[2].label, "step 3 (control inject)");
    assert_int_equal(c->steps[3].kind, ECC_STEP_RAW);
    assert_string_equal(c->steps[3].operation, "");
    assert_int_equal(c->steps[3].sign.mode, ECC_SIGN_NONE);
    assert_string_equal(c->steps[4].operation, "RunTask");
    assert_int_equal(c->steps[4].sign.date_offset_s, -3600);
    assert_true(c->steps[4].sign.second_credentials);
    assert_false(c->steps[4].sign.unknown_credentials);
    assert_true(c->cleanup[0].is_cleanup);
    assert_string_equal(c->cleanup[0].pointer, "/cleanup/0");
    ecc_case_destroy(c);
}

/* An edit of a good case document and the error it must cause: at `path`, with `text` in the message. */
struct s_case_edit {
    const char *from;
    const char *to;
    const char *path;
    const char *text;
};

static void s_expect_case_errors(const char *base, const struct s_case_edit *edits, size_t count) {
    for (size_t i = 0; i < count; i++) {
        char *text = s_replace(base, edits[i].from, edits[i].to);
        struct ecc_diag diag;
        enum ecc_status status;
        struct ecc_case *c = s_load_case(text, &diag, &status);
        if (status == ECC_OK || strcmp(diag.path, edits[i].path) != 0 || !strstr(diag.text, edits[i].text)) {
            fail_msg("case %zu (%s): status %d path '%s' text '%s'", i, edits[i].to, status, diag.path, diag.text);
        }
        assert_null(c);
        free(text);
    }
}

static void test_case_errors(void **state) {
    (void)state;
    struct s_case_edit cases[] = {
        {"\"id\":\"c1\"", "\"id\":\"c_1\"", "/id", "[a-z0-9]"},
        {"\"title\":\"t\",", "", "/title", "missing required member 'title'"},
        {"\"title\":\"t\",",
         "\"title\":\"t\",\"titel\":\"x\",",
         "/titel",
         "unknown member 'titel'; did you mean title?"},
        {"\"tags\":[\"a\",\"b\"]", "\"tags\":[\"a\",\"A\"]", "/tags/1", "tag"},
        {"\"tags\":[\"a\",\"b\"]", "\"tags\":[\"a\",\"a\"]", "/tags/1", "duplicate tag"},
        {"\"requires\":[\"fault-injection\"]", "\"requires\":[\"faults\"]", "/requires/0", "unknown capability"},
        {"\"requires\":[\"fault-injection\"]",
         "\"requires\":[\"fault-injection\",\"fault-injection\"]",
         "/requires/1",
         "duplicate capability"},
        {"\"vars\":{\"tok\"", "\"vars\":{\"Tok\"", "/vars/Tok", "variable name"},
        {"\"vars\":{\"tok\"", "\"vars\":{\"cluster\"", "/vars/cluster", "built-in"},
        {"\"tok2\":\"${tok}x\"", "\"tok2\":\"${tok3}x\"", "/vars/tok2", "unknown variable ${tok3}"},
        {"\"steps\":[", "\"steps\":[5,", "/steps/0", "must be an object"},
        {"{\"call\":\"CreateCluster\",", "{\"send\":\"rt\",\"call\":\"CreateCluster\",", "/steps/0", "exactly one of"},
        {"{\"call\":\"CreateCluster\",", "{\"call\":\"CreateClusters\",", "/steps/0/call", "step 1: unknown operation"},
        {"\"body\":{\"clusterName\":\"${cluster}\"}", "\"body\":[]", "/steps/0/body", "expected an object"},
        {"{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${cluster}\"},",
         "{\"call\":\"CreateCluster\",\"body\":{\"clusterName\":\"${clustr}\"},",
         "/steps/0/body/clusterName",
         "unknown variable ${clustr}"},
        {"\"task\":\"${capture.arns}\"}}]",
         "\"task\":\"${capture.arns}\"},\"sned\":1}]",
         "/cleanup/0/sned",
         "cleanup 1: unknown member 'sned'; did you mean send?"},
        {"\"send\":\"rt\"",
         "\"send\":\"rt2\"",
         "/steps/1/send",
         "step 2: no fixture with id 'rt2' (fixtures/**/rt2.json); did you mean rt?"},
        {"\"merge\":{\"clientToken\":\"${tok2}\"}", "\"merge\":[1]", "/steps/1/merge", "expected an object"},
        {"\"${capture.carn}\"",
         "\"${capture.arns}\"",
         "/steps/1/expect/body/~1tasks~1*~1clusterArn",
         "no earlier step captures 'arns'"},
        {"\"/tasks\":{\"length\":1}", "\"tasks\":{\"length\":1}", "/steps/1/expect/body/tasks", "start with '/'"},
        {"\"/tasks\":{\"length\":1}",
         "\"/tasks\":{\"lenght\":1}",
         "/steps/1/expect/body/~1tasks/lenght",
         "unknown matcher"},
        {"\"/tasks\":{\"length\":1}",
         "\"/tasks\":{\"collect\":{\"length\":1}}",
         "/steps/1/expect/body/~1tasks/collect",
         "wildcard"},
        {"\"expect\":{\"status\":200,", "\"expect\":{\"status\":700,", "/steps/1/expect/status", "100..599"},
        {"\"expect\":{\"status\":200,",
         "\"expect\":{\"status\":\"200\",",
         "/steps/1/expect/status",
         "integer or a matcher"},
        {"\"expect\":{\"status\":200,",
         "\"expect\":{\"status\":200,\"error\":5,",
         "/steps/1/expect/error",
         "error type"},
        {"\"expect\":{\"status\":200,",
         "\"expect\":{\"status\":200,\"header\":{},",
         "/steps/1/expect/header",
         "unknown member"},
        {"\"capture\":{\"arns\":\"/tasks/*/taskArn\"}",
         "\"capture\":{\"Arns\":\"/tasks/*/taskArn\"}",
         "/steps/1/capture/Arns",
         "capture name"},
        {"\"capture\":{\"arns\":\"/tasks/*/taskArn\"}",
         "\"capture\":{\"arns\":\"tasks\"}",
         "/steps/1/capture/arns",
         "start with '/'"},
        {"\"capture\":{\"arns\":\"/tasks/*/taskArn\"}",
         "\"capture\":{\"arns\":3}",
         "/steps/1/capture/arns",
         "JSON pointer string"},
        {"\"capture\":{\"arns\":\"/tasks/*/taskArn\"}",
         "\"capture\":{\"arns\":{\"pointer\":\"/tasks/*/taskArn\",\"regex\":\"(\"}}",
         "/steps/1/capture/arns/regex",
         "does not compile"},
        {"\"capture\":{\"arns\":\"/tasks/*/taskArn\"}",
         "\"capture\":{\"arns\":{\"pointer\":\"/tasks/*/taskArn\"}}",
         "/steps/1/capture/arns/regex",
         "missing required member 'regex'"},
        {"\"capture\":{\"arns\":\"/tasks/*/taskArn\"}",
         "\"capture\":{\"arns\":{\"regex\":\"x\"}}",
         "/steps/1/capture/arns/pointer",
         "missing required member 'pointer'"},
        {"\"capture\":{\"arns\":\"/tasks/*/taskArn\"}",
         "\"capture\":{\"arns\":{\"pointer\":\"tasks\",\"regex\":\"x\"}}",
         "/steps/1/capture/arns/pointer",
         "start with '/'"},
        {"\"capture\":{\"arns\":\"/tasks/*/taskArn\"}",
         "\"capture\":{\"arns\":{\"pointer\":\"/tasks/*/taskArn\",\"regex\":\"x\",\"group\":1}}",
         "/steps/1/capture/arns/group",
         "unknown member"},
        {"\"capture\":{\"arns\":\"/tasks/*/taskArn\"}",
         "\"capture\":{\"arns\":{\"pointer\":5,\"regex\":\"x\"}}",
         "/steps/1/capture/arns/pointer",
         "JSON pointer string"},
        {"\"confirm\":true},", "\"confirm\":\"yes\"},", "/steps/1/confirm", "true, false or an object"},
        {"\"confirm\":true},",
         "\"confirm\":{\"cluster\":\"x\",\"task\":[]}},",
         "/steps/1/confirm/task",
         "unknown member"},
        {"\"capture\":{\"carn\":\"/cluster/clusterArn\"}}",
         "\"capture\":{\"carn\":\"/cluster/clusterArn\"},\"confirm\":true}",
         "/steps/0/confirm",
         "only to a step that sends RunTask"},
        {"\"body\":{\"clusterName\":\"${cluster}\"},",
         "\"body\":{\"clusterName\":\"${cluster}\"},\"merge\":{},",
         "/steps/0/merge",
         "only to a send step"},
        {"\"send\":\"rt\",", "\"send\":\"rt\",\"body\":{},", "/steps/1/body", "only to a call step"},
        {"\"action\":\"inject\"", "\"action\":\"injects\"", "/steps/2/control/action", "unknown control action"},
        {"\"action\":\"inject\"", "\"action\":\"advance_clock\"", "/steps/2/control/action", "clock-control"},
        {"\"action\":\"inject\"", "\"action\":\"reset\"", "/steps/2/control/action", "exclusive"},
        {"{\"control\":{", "{\"sign\":\"none\",\"control\":{", "/steps/2/sign", "does not apply to a control step"},
        {"\"control\":{\"action\":\"inject\",",
         "\"control\":{",
         "/steps/2/control/action",
         "missing required member 'action'"},
        {"\"raw\":{\"from\":\"rt\",", "\"raw\":{\"from\":\"nope\",", "/steps/3/raw/from", "no fixture"},
        {"\"raw\":{\"from\":\"rt\",", "\"raw\":{\"from\":\"rt\",\"url\":\"/\",", "/steps/3/raw/url", "unknown member"},
        {"\"X-Amz-Target\":null", "\"X-Amz-Target\":5", "/steps/3/raw/headers/X-Amz-Target", "string or null"},
        {"\"body_text\":\"{\"", "\"body_text\":\"{\",\"body\":{}", "/steps/4/raw/body_text", "mutually exclusive"},
        {"\"sign\":\"none\"", "\"sign\":\"unsigned\"", "/steps/3/sign", "'sign'"},
        {"\"sign\":\"none\"", "\"sign\":{}", "/steps/3/sign", "non-empty object"},
        {"\"date_offset_s\":-3600", "\"date_offset_s\":-3600.5", "/steps/4/sign/date_offset_s", "expected an integer"},
        {"\"date_offset_s\":-3600", "\"date_offset_s\":99999999999", "/steps/4/sign/date_offset_s", "one year"},
        {"\"credentials\":\"second\"",
         "\"credentials\":\"third\"",
         "/steps/4/sign/credentials",
         "default, second or unknown"},
        {"\"credentials\":\"second\"", "\"credentials\":\"second\",\"skew\":1", "/steps/4/sign/skew", "unknown member"},
        {"{\"call\":\"StopTask\",", "{\"call\":\"StopTask\",\"timeout_ms\":0,", "/cleanup/0/timeout_ms", "1..3600000"},
        {"\"body\":{\"task\":\"${capture.arns}\"}",
         "\"body\":{\"task\":\"${capture.nope}\"}",
         "/cleanup/0/body/task",
         "no earlier step captures"},
    };
    s_expect_case_errors(s_case_ok, cases, ECC_ARRAY_LEN(cases));
    /* An empty step list. */
    struct ecc_diag diag;
    enum ecc_status status;
    assert_null(s_load_case("{\"id\":\"x\",\"title\":\"t\",\"steps\":[]}", &diag, &status));
    assert_string_equal(diag.path, "/steps");
    assert_non_null(strstr(diag.text, "at least one step"));
    /* The unknown key needs no capability: any endpoint that checks keys can answer it. */
    {
        const char *unknown = "{\"id\":\"u\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{},"
                              "\"sign\":{\"credentials\":\"unknown\"}},{\"call\":\"ListTasks\",\"body\":{},"
                              "\"sign\":{\"credentials\":\"default\",\"date_offset_s\":5}}]}";
        struct ecc_case *u = s_load_case(unknown, &diag, &status);
        if (status != ECC_OK) {
            fail_msg("%s: %s", diag.path, diag.text);
        }
        assert_true(u->steps[0].sign.unknown_credentials);
        assert_false(u->steps[0].sign.second_credentials);
        assert_int_equal(u->steps[0].sign.mode, ECC_SIGN_SIGV4);
        assert_false(u->steps[1].sign.unknown_credentials);
        assert_false(u->steps[1].sign.second_credentials);
        ecc_case_destroy(u);
    }
    /* Second credentials without fault-injection. */
    char *text = s_replace(s_case_ok, "\"requires\":[\"fault-injection\"],", "");
    char *text2 = s_replace(
        text,
        "{\"control\":{\"action\":\"inject\",\"operation\":\"RunTask\",\"cluster\":\"${cluster}\",\"error\":\"X\"}},",
        "");
    assert_null(s_load_case(text2, &diag, &status));
    assert_string_equal(diag.path, "/steps/3/sign/credentials");
    free(text);
    free(text2);
    /* No fixture set at all (the fuzz entry with NULL). */
    struct ecc_case *c = NULL;
    assert_int_equal(
        ecc_case_load_bytes((const uint8_t *)s_case_ok, strlen(s_case_ok), "c", NULL, NULL, &c, &diag),
        ECC_ERR_INVALID);
    assert_string_equal(diag.path, "/steps/1/send");
}

/* `strict` in an expectation: only in a case tagged undocumented, within the answers the step accepts anyway. */
static void test_case_strict(void **state) {
    (void)state;
    const char *base = "{\"id\":\"c1\",\"title\":\"t\",\"tags\":[\"undocumented\"],\"steps\":[{\"call\":\"ListTasks\","
                       "\"body\":{},\"expect\":{\"status\":{\"range\":{\"min\":400,\"max\":499}},"
                       "\"error\":{\"one_of\":[\"InvalidParameterException\",\"ClientException\"]},"
                       "\"strict\":{\"status\":400,\"error\":\"InvalidParameterException\"}}}]}";
    struct ecc_diag diag;
    enum ecc_status status;
    struct ecc_case *c = s_load_case(base, &diag, &status);
    if (status != ECC_OK) {
        fail_msg("%s: %s", diag.path, diag.text);
    }
    assert_int_equal(json_integer_value(c->steps[0].expect.strict_status), 400);
    assert_string_equal(json_string_value(c->steps[0].expect.strict_error), "InvalidParameterException");
    ecc_case_destroy(c);
    struct s_case_edit cases[] = {
        {"\"tags\":[\"undocumented\"]", "\"tags\":[\"errors\"]", "/steps/0/expect/strict", "only a case tagged"},
        {"\"error\":\"InvalidParameterException\"}",
         "\"error\":\"ConflictException\"}",
         "/steps/0/expect/strict/error",
         "not one of the answers the step accepts"},
        {"\"strict\":{\"status\":400,", "\"strict\":{\"status\":500,", "/steps/0/expect/strict/status", "not one of"},
        {"\"strict\":{\"status\":400,", "\"strict\":{\"body\":{},", "/steps/0/expect/strict/body", "unknown member"},
        {"{\"status\":400,\"error\":\"InvalidParameterException\"}", "{}", "/steps/0/expect/strict", "names a status"},
        {"{\"status\":400,\"error\":\"InvalidParameterException\"}",
         "[]",
         "/steps/0/expect/strict",
         "expected an object"},
        {"\"strict\":{\"status\":400,", "\"strict\":{\"status\":\"400\",", "/steps/0/expect/strict/status", "integer"},
    };
    s_expect_case_errors(base, cases, ECC_ARRAY_LEN(cases));
    /* A strict choice with nothing to narrow: the step's status and error accept anything of their kind. */
    char *open_step =
        s_replace(base, "\"error\":{\"one_of\":[\"InvalidParameterException\",\"ClientException\"]},", "");
    c = s_load_case(open_step, &diag, &status);
    assert_int_equal(status, ECC_OK);
    ecc_case_destroy(c);
    free(open_step);
}

static void test_fixture_variables_checked_in_case_context(void **state) {
    (void)state;
    const char *fixture = "{\"id\":\"v\",\"description\":\"d\",\"operation\":\"RunTask\",\"recorded\":{\"from\":"
                          "\"other\"},\"request\":{\"body\":{\"cluster\":\"${clstr}\"}},\"response\":{\"status\":200}}";
    struct ecc_fixture_set set;
    ecc_fixture_set_init(&set);
    struct ecc_fixture *f = NULL;
    struct ecc_diag diag;
    assert_int_equal(ecc_fixture_load_bytes((const uint8_t *)fixture, strlen(fixture), "v.json", &f, &diag), ECC_OK);
    assert_int_equal(ecc_fixture_set_add(&set, f, &diag), ECC_OK);
    const char *text = "{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"send\":\"v\"}]}";
    struct ecc_case *c = NULL;
    assert_int_equal(
        ecc_case_load_bytes((const uint8_t *)text, strlen(text), "x.json", NULL, &set, &c, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "/steps/0/send");
    assert_non_null(strstr(diag.text, "/request/body/cluster"));
    assert_non_null(strstr(diag.text, "${clstr}"));
    ecc_fixture_set_clean_up(&set);
}

static void test_run_variables(void **state) {
    (void)state;
    json_t *values = json_object();
    struct ecc_diag diag;
    assert_int_equal(ecc_case_run_var_parse("subnet=subnet-1", values, &diag), ECC_OK);
    assert_int_equal(ecc_case_run_var_parse("security_group=sg-1", values, &diag), ECC_OK);
    assert_int_equal(ecc_case_run_var_parse("subnet=subnet-2=x", values, &diag), ECC_OK);
    assert_string_equal(json_string_value(json_object_get(values, "subnet")), "subnet-2=x");
    assert_string_equal(json_string_value(json_object_get(values, "security_group")), "sg-1");
    const struct {
        const char *spec;
        const char *text;
    } bad[] = {
        {"subnet", "expected NAME=VALUE"},
        {"=subnet-1", "expected NAME=VALUE"},
        {"subnets=subnet-1", "'subnets' is not a run variable (subnet, security_group, cluster)"},
        {"clusters=x", "'clusters' is not a run variable"},
        /* The shared cluster is a name: cases build on it (`${cluster}-b`, `:cluster/${cluster}$`). */
        {"cluster=arn:aws:ecs:us-east-1:123456789012:cluster/shared", "give the cluster's name"},
        {"cluster=shared.1", "give the cluster's name"},
        {"subnet=", "1 to 256 characters"},
        {"subnet=subnet 1", "printable ASCII without spaces"},
        {"subnet=subnet\t1", "printable ASCII without spaces"},
        {"subnet=subn\xc3\xa9t", "printable ASCII without spaces"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_case_run_var_parse(bad[i].spec, values, &diag), ECC_ERR_INVALID);
        if (!strstr(diag.text, bad[i].text)) {
            fail_msg("%s: %s", bad[i].spec, diag.text);
        }
    }
    char longer[300] = "subnet=";
    memset(longer + 7, 'a', 257);
    longer[264] = '\0';
    assert_int_equal(ecc_case_run_var_parse(longer, values, &diag), ECC_ERR_INVALID);
    longer[263] = '\0'; /* 256 characters: the limit */
    assert_int_equal(ecc_case_run_var_parse(longer, values, &diag), ECC_OK);
    assert_int_equal(json_object_size(values), 2);
    assert_null(ecc_case_shared_cluster(values));
    char cluster[300] = "cluster=";
    memset(cluster + 8, 'C', 256);
    cluster[8 + 256] = '\0';
    assert_int_equal(ecc_case_run_var_parse(cluster, values, &diag), ECC_ERR_INVALID); /* 256: one too many */
    assert_non_null(strstr(diag.text, "up to 255"));
    cluster[8 + 255] = '\0';
    assert_int_equal(ecc_case_run_var_parse(cluster, values, &diag), ECC_OK);
    assert_int_equal(ecc_case_run_var_parse("cluster=Shared_cluster-1", values, &diag), ECC_OK);
    assert_string_equal(ecc_case_shared_cluster(values), "Shared_cluster-1");
    assert_null(ecc_case_shared_cluster(NULL));
    json_decref(values);

    /* The loader records the run variables a case uses, through its fixtures too. */
    const char *fixture = "{\"id\":\"fg\",\"description\":\"d\",\"operation\":\"RunTask\",\"recorded\":{\"from\":"
                          "\"other\"},\"request\":{\"body\":{\"networkConfiguration\":{\"awsvpcConfiguration\":"
                          "{\"securityGroups\":[\"${security_group}\"]}}}},\"response\":{\"status\":200}}";
    struct ecc_fixture_set set;
    ecc_fixture_set_init(&set);
    struct ecc_fixture *f = NULL;
    assert_int_equal(ecc_fixture_load_bytes((const uint8_t *)fixture, strlen(fixture), "fg.json", &f, &diag), ECC_OK);
    assert_int_equal(ecc_fixture_set_add(&set, f, &diag), ECC_OK);
    const struct {
        const char *text;
        unsigned bits;
    } uses[] = {
        {"{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{}}]}", 0},
        {"{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{\"c\":\"a-${subnet}\"}}]}",
         1u << 0},
        {"{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"send\":\"fg\"}]}", 1u << 1},
        {"{\"id\":\"x\",\"title\":\"t\",\"vars\":{\"net\":\"${subnet}\"},\"steps\":[{\"send\":\"fg\"}]}",
         (1u << 0) | (1u << 1)},
        /* `cluster` overrides a built-in: a case using it needs no value, so it is never recorded. */
        {"{\"id\":\"x\",\"title\":\"t\",\"steps\":[{\"call\":\"ListTasks\",\"body\":{\"cluster\":\"${cluster}\"}}]}",
         0},
    };
    assert_int_equal(ecc_case_run_var_index("subnet"), 0);
    assert_int_equal(ecc_case_run_var_index("security_group"), 1);
    assert_int_equal(ecc_case_run_var_index("cluster"), 2);
    assert_true(ecc_case_run_vars[2].overrides_builtin);
    assert_null(ecc_case_run_vars[2].placeholder);
    for (size_t i = 0; i < ECC_ARRAY_LEN(uses); i++) {
        struct ecc_case *c = NULL;
        if (ecc_case_load_bytes((const uint8_t *)uses[i].text, strlen(uses[i].text), "x.json", NULL, &set, &c, &diag) !=
            ECC_OK) {
            fail_msg("%zu: %s: %s", i, diag.path, diag.text);
        }
        assert_int_equal(c->run_vars, uses[i].bits);
        ecc_case_destroy(c);
    }
    /* A case var may not shadow a run variable. */
    const char *shadow = "{\"id\":\"x\",\"title\":\"t\",\"vars\":{\"subnet\":\"s\"},\"steps\":[{\"send\":\"fg\"}]}";
    struct ecc_case *c = NULL;
    assert_int_equal(
        ecc_case_load_bytes((const uint8_t *)shadow, strlen(shadow), "x.json", NULL, &set, &c, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "/vars/subnet");
    assert_non_null(strstr(diag.text, "run variable"));
    ecc_fixture_set_clean_up(&set);
}

static char s_tmp[256];

static void s_write(const char *rel, const char *text) {
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", s_tmp, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

struct s_errors {
    int count;
    char last[1024];
};

static void s_on_error(void *user_data, const struct ecc_diag *diag) {
    struct s_errors *errors = user_data;
    errors->count++;
    ecc_diag_format(diag, errors->last, sizeof(errors->last));
}

static void test_files_and_suite(void **state) {
    (void)state;
    snprintf(s_tmp, sizeof(s_tmp), "/tmp/ecsconf-test-case-XXXXXX");
    assert_non_null(mkdtemp(s_tmp));
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/fx", s_tmp);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof(dir), "%s/cases", s_tmp);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(dir, sizeof(dir), "%s/cases/grp", s_tmp);
    assert_int_equal(mkdir(dir, 0700), 0);
    s_write("fx/rt.json", s_fixture_ok);
    s_write("fx/misnamed.json", s_fixture_ok); /* id rt in misnamed.json */
    s_write("cases/grp/one.json", "{\"id\":\"one\",\"title\":\"t\",\"steps\":[{\"send\":\"rt\"}]}");
    s_write("cases/grp/two.json", "{\"id\":\"one\",\"title\":\"t\",\"steps\":[{\"send\":\"rt\"}]}");
    s_write("cases/grp/bad.json", "{\"id\":\"bad\",\n\"title\":\"t\",\n\"steps\":[}");
    s_write("cases/grp/x.schema.json", "not json: skipped");

    struct ecc_suite suite;
    ecc_suite_init(&suite);
    struct s_errors errors = {0};
    char fx[512], cases[512];
    snprintf(fx, sizeof(fx), "%s/fx", s_tmp);
    snprintf(cases, sizeof(cases), "%s/cases", s_tmp);
    const char *paths[] = {cases};
    assert_int_equal(ecc_suite_load(&suite, fx, paths, 1, s_on_error, &errors), ECC_ERR_INVALID);
    /* misnamed fixture, bad.json syntax, two.json id != file name */
    assert_int_equal(errors.count, 3);
    assert_int_equal(suite.fixtures.count, 1);
    assert_int_equal(suite.count, 1);
    assert_string_equal(suite.cases[0]->group, "grp");
    assert_non_null(ecc_suite_find(&suite, "one"));
    ecc_suite_clean_up(&suite);

    /* A duplicate id across folders. */
    snprintf(dir, sizeof(dir), "%s/cases/other", s_tmp);
    assert_int_equal(mkdir(dir, 0700), 0);
    s_write("cases/other/one.json", "{\"id\":\"one\",\"title\":\"t\",\"steps\":[{\"send\":\"rt\"}]}");
    ecc_suite_init(&suite);
    errors.count = 0;
    assert_int_equal(ecc_suite_load(&suite, fx, paths, 1, s_on_error, &errors), ECC_ERR_INVALID);
    assert_int_equal(errors.count, 4);
    ecc_suite_clean_up(&suite);

    /* A missing folder is reported, not ignored. */
    ecc_suite_init(&suite);
    errors.count = 0;
    const char *missing[] = {"/nonexistent/ecsconf/cases.json"};
    assert_int_not_equal(ecc_suite_load(&suite, NULL, missing, 1, s_on_error, &errors), ECC_OK);
    assert_int_equal(errors.count, 1);
    assert_non_null(strstr(errors.last, "cannot open"));
    ecc_suite_clean_up(&suite);
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s_tmp);
    assert_int_equal(system(cmd), 0);
}

/* One rule for fixture, case and client-case files: the id is the file's base name without .json. */
static void test_file_id_must_match_file_name(void **state) {
    (void)state;
    struct ecc_diag diag;
    assert_int_equal(ecc_suite_check_file_id("cases/grp/one.json", "one", &diag), ECC_OK);
    assert_int_equal(ecc_suite_check_file_id("one.json", "one", &diag), ECC_OK);
    assert_int_equal(ecc_suite_check_file_id("dir.json/one.json", "one", &diag), ECC_OK);
    const struct {
        const char *file, *id;
    } bad[] = {
        {"cases/one.json", "on"},       /* a prefix of the name */
        {"cases/one.json", "one.json"}, /* the whole name */
        {"cases/one.json.bak", "one"},
        {"cases/one", "one"},
        {"one/x.json", "one"}, /* the folder's name does not count */
        {"cases/ONE.json", "one"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        ecc_diag_clear(&diag);
        if (ecc_suite_check_file_id(bad[i].file, bad[i].id, &diag) != ECC_ERR_INVALID) {
            fail_msg("id '%s' accepted for %s", bad[i].id, bad[i].file);
        }
        assert_string_equal(diag.source, bad[i].file);
        assert_string_equal(diag.path, "/id");
        assert_non_null(strstr(diag.text, bad[i].id));
        assert_non_null(strstr(diag.text, "file name"));
    }
}

static void test_project_suite_loads(void **state) {
    (void)state;
    struct ecc_suite suite;
    ecc_suite_init(&suite);
    struct s_errors errors = {0};
    const char *paths[] = {ECSCONF_SOURCE_DIR "/conformance"};
    enum ecc_status status = ecc_suite_load(&suite, ECSCONF_SOURCE_DIR "/fixtures", paths, 1, s_on_error, &errors);
    if (status != ECC_OK) {
        fail_msg("%d errors, last: %s", errors.count, errors.last);
    }
    assert_true(suite.count >= 5);
    assert_non_null(ecc_suite_find(&suite, "clienttoken-same-params-same-tasks"));
    ecc_suite_clean_up(&suite);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_ok),
        cmocka_unit_test(test_fixture_errors),
        cmocka_unit_test(test_syntax_errors_have_positions),
        cmocka_unit_test(test_case_ok),
        cmocka_unit_test(test_case_errors),
        cmocka_unit_test(test_case_strict),
        cmocka_unit_test(test_fixture_variables_checked_in_case_context),
        cmocka_unit_test(test_run_variables),
        cmocka_unit_test(test_files_and_suite),
        cmocka_unit_test(test_file_id_must_match_file_name),
        cmocka_unit_test(test_project_suite_loads),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}

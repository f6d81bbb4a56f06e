/* Reports: console lines, colour rules, and JUnit / TAP / JSON that parse back, even with hostile text. */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname: a terminal for the colour rules */
#include "test_support.h"

#include "ecc/report.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* Text a hostile endpoint could put into a reason: markup, quotes, control bytes (C0 and C1: U+009B is
 * CSI, U+0085 NEL; a lone byte 0x9B), invalid UTF-8, and U+00A0, the first character past C1. */
static const char *const s_hostile = "<html>&\"quoted\" 'x' # not a directive\x01\x1b[31m \xff\xfe caf\xc3\xa9 "
                                     "\xc2\x9b[1m \xc2\x85 \x9b nb\xc2\xa0sp \xe2\x82";

/* No C1 control, encoded or as a lone byte, in text meant for a terminal or XML; U+00A0 is kept. */
static void s_assert_no_c1(const char *text) {
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            fail_msg("C1 control U+00%02X at offset %td", p[1], (const char *)p - text);
        }
    }
    assert_null(strchr(text, '\x9b'));
    assert_non_null(strstr(text, "nb\xc2\xa0sp"));
}

static void s_fill(struct ecc_run_report *report) {
    assert_int_equal(ecc_run_report_init(report, "http://127.0.0.1:1234", "emulator", "ecc0123abcd", 42), ECC_OK);
    struct ecc_case_report items[] = {
        {.id = "run-one",
         .group = "success",
         .title = "t",
         .description = "RunTask starts one task",
         .tags = "ec2,success",
         .result = ECC_RESULT_PASS,
         .duration_ms = 12},
        {.id = "no-cluster",
         .group = "errors",
         .title = "t",
         .result = ECC_RESULT_FAIL,
         .reason = (char *)s_hostile,
         .detail =
             "step 1 (RunTask): /__type: values differ\n  - expected: \"ClusterNotFoundException\"\n  + actual:   "
             "(absent)",
         .reproducer = "curl -sS -X POST 'http://127.0.0.1:1234/' -H 'Authorization: <signature>'",
         .duration_ms = 3},
        {.id = "server-fault",
         .group = "faults",
         .title = "t",
         .result = ECC_RESULT_SKIP,
         .reason = "needs the 'fault-injection' capability"},
        {.id = "bad-count",
         .group = "errors",
         .title = "t",
         .result = ECC_RESULT_XFAIL,
         .reason = "moto does not check"},
        {.id = "ttl",
         .group = "clock",
         .title = "t",
         .result = ECC_RESULT_XPASS,
         .reason = "listed: fixed now?",
         .warnings = "cluster ecc-x left behind"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(items); i++) {
        assert_int_equal(ecc_run_report_add(report, &items[i]), ECC_OK);
    }
    report->duration_ms = 1500;
}

static char *s_render(enum ecc_report_format format, const struct ecc_run_report *report) {
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    enum ecc_status status = format == ECC_REPORT_JUNIT ? ecc_report_write_junit(out, report)
                             : format == ECC_REPORT_TAP ? ecc_report_write_tap(out, report)
                                                        : ecc_report_write_json(out, report);
    assert_int_equal(status, ECC_OK);
    fclose(out);
    return text;
}

static void test_counts_and_ok(void **state) {
    (void)state;
    struct ecc_run_report report;
    s_fill(&report);
    struct ecc_report_counts c;
    ecc_run_report_counts(&report, &c);
    assert_int_equal(c.total, 5);
    assert_int_equal(c.pass, 1);
    assert_int_equal(c.fail, 1);
    assert_int_equal(c.skip, 1);
    assert_int_equal(c.xfail, 1);
    assert_int_equal(c.xpass, 1);
    assert_false(ecc_run_report_ok(&report));
    /* Only the FAIL removed: the XPASS alone still fails the run. */
    report.cases[1].result = ECC_RESULT_PASS;
    assert_false(ecc_run_report_ok(&report));
    report.cases[4].result = ECC_RESULT_XFAIL;
    assert_true(ecc_run_report_ok(&report));
    ecc_run_report_clean_up(&report);
}

static void test_json_parses_back(void **state) {
    (void)state;
    struct ecc_run_report report;
    s_fill(&report);
    char *text = s_render(ECC_REPORT_JSON, &report);
    json_error_t error;
    json_t *root = json_loads(text, 0, &error);
    if (!root) {
        fail_msg("JSON report does not parse: %s at %d:%d", error.text, error.line, error.column);
    }
    assert_false(json_is_true(json_object_get(root, "ok")));
    assert_int_equal(json_integer_value(json_object_get(root, "seed")), 42);
    assert_string_equal(json_string_value(json_object_get(root, "command")), "ecsconf run"); /* the default */
    json_t *summary = json_object_get(root, "summary");
    assert_int_equal(json_integer_value(json_object_get(summary, "xpass")), 1);
    json_t *cases = json_object_get(root, "cases");
    assert_int_equal(json_array_size(cases), 5);
    json_t *failed = json_array_get(cases, 1);
    assert_string_equal(json_string_value(json_object_get(failed, "result")), "FAIL");
    const char *reason = json_string_value(json_object_get(failed, "reason"));
    assert_non_null(strstr(reason, "<html>&\"quoted\""));
    assert_non_null(strstr(reason, "caf\xc3\xa9"));
    assert_null(strchr(reason, '\xff'));
    /* The C1 controls are kept as text, like C0, and written escaped: the file itself is ASCII. */
    assert_non_null(strstr(reason, "\xc2\x9b[1m \xc2\x85 ? nb\xc2\xa0sp"));
    assert_non_null(strstr(text, "\\u009B[1m \\u0085 ? nb\\u00A0sp"));
    for (const char *p = text; *p; p++) {
        assert_true((unsigned char)*p < 0x80);
    }
    assert_true(json_is_null(json_object_get(json_array_get(cases, 0), "reason")));
    /* Tags as a list, the description as given; a case without them has [] and null. */
    json_t *tags = json_object_get(json_array_get(cases, 0), "tags");
    assert_int_equal(json_array_size(tags), 2);
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "success");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(cases, 0), "description")), "RunTask starts one task");
    assert_int_equal(json_array_size(json_object_get(failed, "tags")), 0);
    assert_true(json_is_null(json_object_get(failed, "description")));
    json_decref(root);
    free(text);
    ecc_run_report_clean_up(&report);
}

static void test_tap_is_well_formed(void **state) {
    (void)state;
    struct ecc_run_report report;
    s_fill(&report);
    char *text = s_render(ECC_REPORT_TAP, &report);
    s_assert_no_c1(text);
    /* Parse it back: plan line, one test line per case with the right status and directive, YAML blocks
     * indented, nothing else at column 0. */
    char *save = NULL;
    int tests = 0;
    bool in_yaml = false;
    const char *expected_status[] = {"ok 1 ", "not ok 2 ", "ok 3 ", "not ok 4 ", "not ok 5 "};
    int line_no = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        if (line_no == 1) {
            assert_string_equal(line, "TAP version 13");
            continue;
        }
        if (line_no == 2) {
            assert_string_equal(line, "1..5");
            continue;
        }
        if (strcmp(line, "  ---") == 0) {
            assert_false(in_yaml);
            in_yaml = true;
            continue;
        }
        if (strcmp(line, "  ...") == 0) {
            assert_true(in_yaml);
            in_yaml = false;
            continue;
        }
        if (in_yaml) {
            assert_true(strncmp(line, "    ", 4) == 0);
            continue;
        }
        assert_true(tests < 5);
        if (strncmp(line, expected_status[tests], strlen(expected_status[tests])) != 0) {
            fail_msg("line '%s' should start with '%s'", line, expected_status[tests]);
        }
        /* Exactly one '#' at most: the directive. */
        char *hash = strchr(line, '#');
        if (tests == 2) {
            assert_non_null(strstr(line, "# SKIP needs"));
        } else if (tests == 3) {
            assert_non_null(strstr(line, "# TODO expected failure: moto"));
        } else {
            assert_null(hash);
        }
        if (hash) {
            assert_null(strchr(hash + 1, '#'));
        }
        tests++;
    }
    assert_int_equal(tests, 5);
    assert_false(in_yaml);
    free(text);
    ecc_run_report_clean_up(&report);
}

static void test_junit_parses_back(void **state) {
    (void)state;
    struct ecc_run_report report;
    s_fill(&report);
    report.command = "ecsconf replay"; /* each command names its own suite */
    char file[] = "/tmp/ecsconf-junit-XXXXXX";
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    close(fd);
    struct ecc_diag diag;
    assert_int_equal(ecc_report_write_file(file, ECC_REPORT_JUNIT, &report, &diag), ECC_OK);
    /* Parse with a real XML parser (Python's), and check the structure. */
    if (system("python3 -c 'import xml.etree.ElementTree' 2>/dev/null") != 0) {
        remove(file);
        ecc_run_report_clean_up(&report);
        skip();
    }
    char cmd[1024];
    snprintf(
        cmd,
        sizeof(cmd),
        "python3 -c \"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
        "s = r.find('testsuite'); c = s.findall('testcase'); assert s.get('name') == 'ecsconf replay', s.attrib; "
        "assert r.get('tests') == '5' and r.get('failures') == '2' and r.get('skipped') == '1', r.attrib; "
        "assert len(c) == 5; assert c[1].find('failure') is not None; "
        "assert '<html>&' in c[1].find('failure').get('message'); "
        "m = c[1].find('failure').get('message'); assert not [ch for ch in m if 0x80 <= ord(ch) <= 0x9f], ascii(m); "
        "assert 'nb\\xa0sp' in m, ascii(m); "
        "assert c[2].find('skipped') is not None; assert c[4].find('failure').get('type') == 'XPASS'; "
        "assert 'expected failure' in c[3].find('system-out').text; "
        "assert c[1].get('classname') == 'ecsconf.errors' and c[1].get('name') == 'no-cluster'\" '%s'",
        file);
    int rc = system(cmd);
    remove(file);
    assert_int_equal(rc, 0);
    /* Writing to a folder that does not exist fails cleanly. */
    assert_int_equal(ecc_report_write_file("/nonexistent/dir/r.xml", ECC_REPORT_JUNIT, &report, &diag), ECC_ERR_IO);
    assert_non_null(strstr(diag.text, "cannot write"));
    ecc_run_report_clean_up(&report);
}

static void test_console(void **state) {
    (void)state;
    struct ecc_run_report report;
    s_fill(&report);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    for (size_t i = 0; i < report.count; i++) {
        ecc_report_console_case(out, &report.cases[i], false);
    }
    ecc_report_console_summary(out, &report, false);
    fclose(out);
    assert_non_null(strstr(text, "PASS  success/run-one (12 ms)\n"));
    assert_non_null(strstr(text, "FAIL  errors/no-cluster (3 ms): <html>"));
    assert_non_null(strstr(text, "      step 1 (RunTask): /__type: values differ\n"));
    assert_non_null(strstr(text, "      reproduce:\n        curl -sS"));
    assert_non_null(strstr(text, "SKIP  faults/server-fault: needs"));
    assert_non_null(strstr(text, "XFAIL errors/bad-count"));
    assert_non_null(strstr(text, "XPASS clock/ttl"));
    assert_non_null(strstr(text, "warning: cluster ecc-x left behind"));
    assert_non_null(
        strstr(text, "FAILED: 5 cases, 1 passed, 1 failed, 1 skipped, 1 expected failure, 1 unexpected pass "));
    assert_null(strstr(text, "\033["));
    assert_null(strchr(text, '\xff'));
    s_assert_no_c1(text);
    free(text);
    /* Colour only when asked. */
    text = NULL;
    out = open_memstream(&text, &len);
    ecc_report_console_case(out, &report.cases[0], true);
    fclose(out);
    assert_non_null(strstr(text, "\033[32mPASS"));
    free(text);
    /* NO_COLOR and a non-TTY both turn colour off. */
    out = tmpfile();
    assert_false(ecc_report_use_color(out));
    fclose(out);
    setenv("NO_COLOR", "1", 1);
    assert_false(ecc_report_use_color(stdout));
    unsetenv("NO_COLOR");
    ecc_run_report_clean_up(&report);
}

/* The headline states the first failure; the detail below it does not state it again. */
static void test_console_says_the_failure_once(void **state) {
    (void)state;
    const char *reason = "step 1 (ListTasks): status: values differ: expected 200, got 400";
    struct ecc_case_report item = {
        .id = "wants-200",
        .group = "g",
        .title = "t",
        .result = ECC_RESULT_FAIL,
        .reason = (char *)reason,
        .detail = "step 1 (ListTasks): status: values differ: expected 200, got 400\n  - expected: 200\n"
                  "  + actual:   400\nstep 2 (ListTasks): status: values differ\n",
        .duration_ms = 1};
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    ecc_report_console_case(out, &item, false);
    fclose(out);
    const char *first = strstr(text, reason);
    assert_non_null(first);
    assert_null(strstr(first + 1, reason));
    assert_non_null(strstr(text, "FAIL  g/wants-200 (1 ms): step 1 (ListTasks)"));
    assert_non_null(strstr(text, "\n        - expected: 200\n        + actual:   400\n"));
    assert_non_null(strstr(text, "\n      step 2 (ListTasks): status: values differ\n"));
    free(text);
    /* A detail that does not start with the headline is printed whole. */
    item.reason = "step 2 (RunTask): cannot build the request";
    text = NULL;
    out = open_memstream(&text, &len);
    ecc_report_console_case(out, &item, false);
    fclose(out);
    assert_non_null(strstr(text, "\n      step 1 (ListTasks): status: values differ: expected 200, got 400\n"));
    free(text);
    /* One of each: singular words in the summary. */
    struct ecc_run_report report;
    assert_int_equal(ecc_run_report_init(&report, "http://127.0.0.1:1234", "emulator", "ecc0123abcd", 42), ECC_OK);
    item.result = ECC_RESULT_XFAIL;
    assert_int_equal(ecc_run_report_add(&report, &item), ECC_OK);
    text = NULL;
    out = open_memstream(&text, &len);
    ecc_report_console_summary(out, &report, false);
    fclose(out);
    assert_non_null(strstr(text, "OK: 1 case, 0 passed, 0 failed, 0 skipped, 1 expected failure, 0 unexpected passes"));
    free(text);
    ecc_run_report_clean_up(&report);
}

/* Colour and the progress line on a terminal: TERM=dumb turns both off, NO_COLOR only the colour. */
static void test_terminal_dumb_and_no_color(void **state) {
    (void)state;
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0) {
        skip();
    }
    FILE *tty = fopen(ptsname(master), "w");
    assert_non_null(tty);
    const char *saved = getenv("TERM");
    char *term = saved ? strdup(saved) : NULL;
    unsetenv("NO_COLOR");
    setenv("TERM", "xterm", 1);
    assert_true(ecc_report_use_color(tty));
    assert_true(ecc_report_use_progress(tty));
    setenv("TERM", "dumb", 1);
    assert_false(ecc_report_use_color(tty));
    assert_false(ecc_report_use_progress(tty));
    setenv("TERM", "xterm", 1);
    setenv("NO_COLOR", "1", 1);
    assert_false(ecc_report_use_color(tty));
    assert_true(ecc_report_use_progress(tty));
    unsetenv("NO_COLOR");
    if (term) {
        setenv("TERM", term, 1);
        free(term);
    } else {
        unsetenv("TERM");
    }
    /* Not a terminal: neither. */
    FILE *file = tmpfile();
    assert_false(ecc_report_use_progress(file));
    fclose(file);
    fclose(tty);
    close(master);
}

static void test_failure_block(void **state) {
    (void)state;
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    snprintf(failure.pointer, sizeof(failure.pointer), "/tasks/1/lastStatus");
    snprintf(failure.message, sizeof(failure.message), "values differ");
    failure.expected = json_string("PROVISIONING");
    failure.actual = NULL;
    struct ecc_buf buf;
    ecc_buf_init(&buf, 4096);
    assert_int_equal(ecc_report_format_failure(&buf, "step 3 \"retry\"", "body", &failure), ECC_OK);
    assert_string_equal(
        buf.data,
        "step 3 \"retry\": body /tasks/1/lastStatus: values differ\n"
        "  - expected: \"PROVISIONING\"\n"
        "  + actual:   (absent)\n");
    /* Long values are cut. */
    ecc_buf_reset(&buf);
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    failure.actual = json_string(big);
    assert_int_equal(ecc_report_format_failure(&buf, "step 1", NULL, &failure), ECC_OK);
    assert_non_null(strstr(buf.data, "aaa..."));
    assert_true(buf.len < 1000);
    /* A capped buffer reports the limit instead of truncating silently. */
    struct ecc_buf tiny;
    ecc_buf_init(&tiny, 16);
    assert_int_equal(ecc_report_format_failure(&tiny, "step 1", NULL, &failure), ECC_ERR_LIMIT);
    ecc_buf_clean_up(&tiny);
    ecc_buf_clean_up(&buf);
    ecc_match_failure_clean_up(&failure);
}

/* A stopped run fails in every format, even when every case that ran passed. */
static void test_stopped_run_fails_everywhere(void **state) {
    (void)state;
    struct ecc_run_report report;
    assert_int_equal(ecc_run_report_init(&report, "http://127.0.0.1:1", "emulator", "ecc0", 1), ECC_OK);
    struct ecc_case_report passed = {.id = "run-one", .group = "success", .title = "t", .result = ECC_RESULT_PASS};
    assert_int_equal(ecc_run_report_add(&report, &passed), ECC_OK);
    assert_true(ecc_run_report_ok(&report));
    assert_int_equal(ecc_run_report_set_stop(&report, ECC_RUN_STOP_INTERRUPTED, "interrupted (Ctrl-C)"), ECC_OK);
    /* The first stop wins. */
    assert_int_equal(ecc_run_report_set_stop(&report, ECC_RUN_STOP_ENDPOINT, "later"), ECC_OK);
    assert_int_equal(report.stop, ECC_RUN_STOP_INTERRUPTED);
    assert_false(ecc_run_report_ok(&report));

    char *json = s_render(ECC_REPORT_JSON, &report);
    json_t *root = json_loads(json, 0, NULL);
    assert_non_null(root);
    assert_true(json_is_false(json_object_get(root, "ok")));
    json_t *stopped = json_object_get(root, "stopped");
    assert_string_equal(json_string_value(json_object_get(stopped, "why")), "interrupted");
    assert_string_equal(json_string_value(json_object_get(stopped, "reason")), "interrupted (Ctrl-C)");
    json_decref(root);
    free(json);

    char *junit = s_render(ECC_REPORT_JUNIT, &report);
    assert_non_null(strstr(junit, "tests=\"2\" failures=\"0\" errors=\"1\""));
    assert_non_null(strstr(junit, "<error type=\"interrupted\" message=\"interrupted (Ctrl-C)\"/>"));
    free(junit);

    char *tap = s_render(ECC_REPORT_TAP, &report);
    assert_non_null(strstr(tap, "\nBail out! interrupted: interrupted (Ctrl-C)\n"));
    free(tap);

    char *console = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&console, &len);
    assert_non_null(out);
    ecc_report_console_summary(out, &report, false);
    fclose(out);
    assert_non_null(strstr(console, "INTERRUPTED: 1 case, 1 passed"));
    free(console);
    ecc_run_report_clean_up(&report);
}

static void test_sanitize(void **state) {
    (void)state;
    char *s = ecc_report_sanitize_text("ok \xc3\xa9 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf \x01", true);
    assert_string_equal(s, "ok \xc3\xa9 ??? ???? ?? ?");
    free(s);
    s = ecc_report_sanitize_text("tab\tnl\n\x01", false);
    assert_string_equal(s, "tab\tnl\n\x01");
    free(s);
    /* C1 controls, first and last (U+0080, U+009F) and CSI, like C0; lone bytes 0x80-0x9F are not UTF-8.
     * Not controls: U+00A0 and U+00FF (C2 A0, C3 BF), nor C3 80-C3 9F (U+00C0-U+00DF: letters). */
    s = ecc_report_sanitize_text(
        "a\xc2\x80 b\xc2\x9f c\xc2\x9b[2J d\x80 e\x9f f\xc2\xa0 g\xc3\xbf h\xc3\x80\xc3\x9f", true);
    assert_string_equal(s, "a? b? c?[2J d? e? f\xc2\xa0 g\xc3\xbf h\xc3\x80\xc3\x9f");
    free(s);
    s = ecc_report_sanitize_text("c1 \xc2\x85\xc2\x9b kept, lone \x9b not", false);
    assert_string_equal(s, "c1 \xc2\x85\xc2\x9b kept, lone ? not");
    free(s);
    assert_null(ecc_report_sanitize_text(NULL, false));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counts_and_ok),
        cmocka_unit_test(test_json_parses_back),
        cmocka_unit_test(test_tap_is_well_formed),
        cmocka_unit_test(test_junit_parses_back),
        cmocka_unit_test(test_console),
        cmocka_unit_test(test_console_says_the_failure_once),
        cmocka_unit_test(test_terminal_dumb_and_no_color),
        cmocka_unit_test(test_failure_block),
        cmocka_unit_test(test_stopped_run_fails_everywhere),
        cmocka_unit_test(test_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

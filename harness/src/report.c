/*
 * The results of a run and every way they are shown (report.h): the list of case results and the run's
 * verdict (an XPASS or a stop fails it), the console lines, JUnit XML, TAP 13 and JSON. CI reads these and
 * nothing else, so one verdict is computed here and every format says it the same way; any text that
 * came from an endpoint is sanitized first, so a hostile answer cannot break a report's syntax.
 */
#include "ecc/report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_MAX_VALUE_CHARS 400

static const char *const s_names[] = {"PASS", "FAIL", "SKIP", "XFAIL", "XPASS"};
/* green, red, yellow, cyan, red */
static const char *const s_colors[] = {"\033[32m", "\033[31m", "\033[33m", "\033[36m", "\033[31;1m"};

const char *ecc_result_name(enum ecc_result result) {
    return (size_t)result < ECC_ARRAY_LEN(s_names) ? s_names[result] : "?";
}

enum ecc_result ecc_result_of(bool passed, bool expected_to_fail) {
    if (expected_to_fail) {
        return passed ? ECC_RESULT_XPASS : ECC_RESULT_XFAIL;
    }
    return passed ? ECC_RESULT_PASS : ECC_RESULT_FAIL;
}

enum ecc_status ecc_run_report_init(
    struct ecc_run_report *report, const char *endpoint, const char *profile, const char *prefix, uint64_t seed) {
    memset(report, 0, sizeof(*report));
    report->seed = seed;
    report->endpoint = ecc_strdup(endpoint);
    report->profile = ecc_strdup(profile);
    report->prefix = ecc_strdup(prefix);
    if ((endpoint && !report->endpoint) || (profile && !report->profile) || (prefix && !report->prefix)) {
        ecc_run_report_clean_up(report);
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

static void s_case_clean_up(struct ecc_case_report *item) {
    free(item->id);
    free(item->group);
    free(item->title);
    free(item->description);
    free(item->tags);
    free(item->reason);
    free(item->detail);
    free(item->reproducer);
    free(item->warnings);
}

void ecc_run_report_clean_up(struct ecc_run_report *report) {
    for (size_t i = 0; i < report->count; i++) {
        s_case_clean_up(&report->cases[i]);
    }
    free(report->cases);
    free(report->endpoint);
    free(report->profile);
    free(report->prefix);
    free(report->stop_reason);
    memset(report, 0, sizeof(*report));
}

enum ecc_status ecc_run_report_add(struct ecc_run_report *report, const struct ecc_case_report *item) {
    struct ecc_case_report *cases =
        ecc_array_grow(report->cases, &report->capacity, report->count, sizeof(*cases), 64, SIZE_MAX);
    if (!cases) {
        return ECC_ERR_NOMEM;
    }
    report->cases = cases;
    struct ecc_case_report copy = {
        .id = ecc_strdup(item->id),
        .group = ecc_strdup(item->group),
        .title = ecc_strdup(item->title),
        .description = ecc_strdup(item->description),
        .tags = ecc_strdup(item->tags),
        .result = item->result,
        .reason = ecc_strdup(item->reason),
        .detail = ecc_strdup(item->detail),
        .reproducer = ecc_strdup(item->reproducer),
        .warnings = ecc_strdup(item->warnings),
        .duration_ms = item->duration_ms,
    };
    if ((item->id && !copy.id) || (item->group && !copy.group) || (item->title && !copy.title) ||
        (item->description && !copy.description) || (item->tags && !copy.tags) || (item->reason && !copy.reason) ||
        (item->detail && !copy.detail) || (item->reproducer && !copy.reproducer) ||
        (item->warnings && !copy.warnings)) {
        s_case_clean_up(&copy);
        return ECC_ERR_NOMEM;
    }
    report->cases[report->count++] = copy;
    return ECC_OK;
}

void ecc_run_report_counts(const struct ecc_run_report *report, struct ecc_report_counts *counts) {
    memset(counts, 0, sizeof(*counts));
    for (size_t i = 0; i < report->count; i++) {
        switch (report->cases[i].result) {
        case ECC_RESULT_PASS:
            counts->pass++;
            break;
        case ECC_RESULT_FAIL:
            counts->fail++;
            break;
        case ECC_RESULT_SKIP:
            counts->skip++;
            break;
        case ECC_RESULT_XFAIL:
            counts->xfail++;
            break;
        case ECC_RESULT_XPASS:
            counts->xpass++;
            break;
        }
    }
    counts->total = report->count;
}

bool ecc_run_report_ok(const struct ecc_run_report *report) {
    struct ecc_report_counts counts;
    ecc_run_report_counts(report, &counts);
    return counts.fail == 0 && counts.xpass == 0 && report->stop == ECC_RUN_STOP_NONE;
}

const char *ecc_run_stop_name(enum ecc_run_stop stop) {
    switch (stop) {
    case ECC_RUN_STOP_NONE:
        return "";
    case ECC_RUN_STOP_INTERRUPTED:
        return "interrupted";
    case ECC_RUN_STOP_ENDPOINT:
        return "endpoint unusable";
    }
    return "?";
}

enum ecc_status ecc_run_report_set_stop(struct ecc_run_report *report, enum ecc_run_stop stop, const char *reason) {
    if (report->stop != ECC_RUN_STOP_NONE || stop == ECC_RUN_STOP_NONE) {
        return ECC_OK;
    }
    char *copy = ecc_strdup(reason ? reason : ecc_run_stop_name(stop));
    if (!copy) {
        return ECC_ERR_NOMEM;
    }
    report->stop = stop;
    report->stop_reason = copy;
    return ECC_OK;
}

/* ---- text hygiene ------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (0 when invalid). */
static size_t s_utf8_sequence(const unsigned char *s) {
    if (s[0] < 0x80) {
        return 1;
    }
    size_t n = (s[0] & 0xE0) == 0xC0 ? 2 : (s[0] & 0xF0) == 0xE0 ? 3 : (s[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || (n == 2 && s[0] < 0xC2) || (n == 4 && s[0] > 0xF4)) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    if (n == 3) {
        unsigned cp = ((unsigned)(s[0] & 0x0F) << 12) | ((unsigned)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
        if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF) {
            return 0;
        }
    }
    if (n == 4) {
        unsigned cp = ((unsigned)(s[0] & 0x07) << 18) | ((unsigned)(s[1] & 0x3F) << 12) |
                      ((unsigned)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
        if (cp < 0x10000 || cp > 0x10FFFF) {
            return 0;
        }
    }
    return n;
}

char *ecc_report_sanitize_text(const char *text, bool strip_controls) {
    if (!text) {
        return NULL;
    }
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    if (!out) {
        return NULL;
    }
    const unsigned char *s = (const unsigned char *)text;
    size_t o = 0;
    while (*s) {
        size_t n = s_utf8_sequence(s);
        if (n == 0) {
            out[o++] = '?';
            s++;
            continue;
        }
        if (n == 1 && strip_controls && (s[0] == 0x7F || s[0] < 0x20) && s[0] != '\t' && s[0] != '\n' && s[0] != '\r') {
            out[o++] = '?';
            s++;
            continue;
        }
        /* The C1 controls U+0080-U+009F (C2 80 - C2 9F): U+009B is CSI, which terminals read as ESC [. */
        if (n == 2 && strip_controls && s[0] == 0xC2 && s[1] <= 0x9F) {
            out[o++] = '?';
            s += 2;
            continue;
        }
        memcpy(out + o, s, n);
        o += n;
        s += n;
    }
    out[o] = '\0';
    return out;
}

/* ---- console ------------------------------------------------------------------------------------- */

static bool s_term_is_dumb(void) {
    const char *term = getenv("TERM");
    return term && strcmp(term, "dumb") == 0;
}

bool ecc_report_use_color(FILE *out) {
    const char *no_color = getenv("NO_COLOR");
    if ((no_color && no_color[0]) || s_term_is_dumb()) {
        return false;
    }
    return isatty(fileno(out)) == 1;
}

bool ecc_report_use_progress(FILE *out) {
    return !s_term_is_dumb() && isatty(fileno(out)) == 1;
}

static void s_print_indented(FILE *out, const char *text, const char *indent) {
    char *clean = ecc_report_sanitize_text(text, true);
    const char *p = clean ? clean : text;
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        fprintf(out, "%s%.*s\n", indent, (int)len, p);
        p += len + (eol ? 1 : 0);
    }
    free(clean);
}

void ecc_report_console_case(FILE *out, const struct ecc_case_report *item, bool color) {
    const char *name = ecc_result_name(item->result);
    char *reason = ecc_report_sanitize_text(item->reason, true);
    if (color) {
        fprintf(out, "%s%-5s\033[0m", s_colors[item->result], name);
    } else {
        fprintf(out, "%-5s", name);
    }
    fprintf(
        out,
        " %s%s%s",
        item->group && item->group[0] ? item->group : "",
        item->group && item->group[0] ? "/" : "",
        item->id);
    if (item->result != ECC_RESULT_SKIP) {
        fprintf(out, " (%" PRIu64 " ms)", item->duration_ms);
    }
    if (reason && reason[0]) {
        fprintf(out, ": %s", reason);
    }
    fputc('\n', out);
    free(reason);
    if (item->result == ECC_RESULT_FAIL || item->result == ECC_RESULT_XPASS) {
        /* The headline already says the first failure: the detail starts after it, so it is said once. */
        const char *detail = item->detail;
        size_t reason_len = item->reason ? strlen(item->reason) : 0;
        if (detail && reason_len && strncmp(detail, item->reason, reason_len) == 0 &&
            (detail[reason_len] == '\n' || detail[reason_len] == '\0')) {
            detail += reason_len + (detail[reason_len] == '\n');
        }
        if (detail && detail[0]) {
            s_print_indented(out, detail, "      ");
        }
        if (item->reproducer) {
            fprintf(out, "      reproduce:\n");
            s_print_indented(out, item->reproducer, "        ");
        }
    }
    if (item->warnings) {
        s_print_indented(out, item->warnings, "      warning: ");
    }
}

void ecc_report_console_progress(FILE *out, size_t done, size_t total, const char *current) {
    fprintf(out, "\r\033[K[%*zu/%zu] %.60s", total >= 100 ? 3 : 2, done, total, current ? current : "");
    fflush(out);
}

void ecc_report_console_clear_progress(FILE *out) {
    fputs("\r\033[K", out);
}

void ecc_report_console_summary(FILE *out, const struct ecc_run_report *report, bool color) {
    struct ecc_report_counts c;
    ecc_run_report_counts(report, &c);
    bool ok = ecc_run_report_ok(report);
    const char *headline = report->stop == ECC_RUN_STOP_INTERRUPTED ? "INTERRUPTED"
                           : report->stop == ECC_RUN_STOP_ENDPOINT  ? "STOPPED"
                           : ok                                     ? "OK"
                                                                    : "FAILED";
    fprintf(
        out,
        "\n%s%s%s: %zu %s, %zu passed, %zu failed, %zu skipped, %zu %s, %zu %s",
        color ? (ok ? s_colors[ECC_RESULT_PASS] : s_colors[ECC_RESULT_FAIL]) : "",
        headline,
        color ? "\033[0m" : "",
        c.total,
        ecc_plural(c.total, "case", "cases"),
        c.pass,
        c.fail,
        c.skip,
        c.xfail,
        ecc_plural(c.xfail, "expected failure", "expected failures"),
        c.xpass,
        ecc_plural(c.xpass, "unexpected pass", "unexpected passes"));
    if (report->filtered_out) {
        fprintf(out, " (%zu left out by --only/--skip)", report->filtered_out);
    }
    fprintf(out, " in %.2f s\n", (double)report->duration_ms / 1000.0);
    if (report->stop != ECC_RUN_STOP_NONE) {
        char *reason = ecc_report_sanitize_text(report->stop_reason ? report->stop_reason : "", true);
        fprintf(
            out,
            "The run did not finish (%s): %s. Cases not run are SKIP; the run fails.\n",
            ecc_run_stop_name(report->stop),
            reason ? reason : "");
        free(reason);
    }
    if (c.xpass) {
        fprintf(out, "An unexpected pass (XPASS) fails the run: remove the case from the expected-failure list.\n");
    }
}

/* ---- failure blocks ------------------------------------------------------------------------------- */

static enum ecc_status s_append_value(struct ecc_buf *out, const json_t *value) {
    if (!value) {
        return ecc_buf_append_str(out, "(absent)");
    }
    char *text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!text) {
        return ECC_ERR_NOMEM;
    }
    size_t len = strlen(text);
    enum ecc_status status = ECC_OK;
    if (len > S_MAX_VALUE_CHARS) {
        status = ecc_buf_printf(out, "%.*s...", S_MAX_VALUE_CHARS, text);
    } else {
        status = ecc_buf_append(out, text, len);
    }
    free(text);
    return status;
}

enum ecc_status ecc_report_format_failure(
    struct ecc_buf *out, const char *step_label, const char *what, const struct ecc_match_failure *failure) {
    bool has_what = what && what[0];
    enum ecc_status status = ecc_buf_printf(
        out,
        "%s: %s%s%s: %s\n  - expected: ",
        step_label,
        has_what ? what : "",
        has_what && failure->pointer[0] ? " " : "",
        failure->pointer,
        failure->message);
    if (status != ECC_OK) {
        return status;
    }
    status = s_append_value(out, failure->expected);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_buf_append_str(out, "\n  + actual:   ");
    if (status != ECC_OK) {
        return status;
    }
    status = s_append_value(out, failure->actual);
    if (status != ECC_OK) {
        return status;
    }
    return ecc_buf_append_byte(out, '\n');
}

/* ---- JUnit ---------------------------------------------------------------------------------------- */

static void s_xml(FILE *out, const char *text) {
    char *clean = ecc_report_sanitize_text(text ? text : "", true);
    for (const char *c = clean ? clean : ""; *c; c++) {
        switch (*c) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        default:
            fputc(*c, out);
        }
    }
    free(clean);
}

static void s_xml_body(FILE *out, const struct ecc_case_report *item) {
    if (item->detail) {
        s_xml(out, item->detail);
    }
    if (item->reproducer) {
        fputs("reproduce:\n", out);
        s_xml(out, item->reproducer);
        fputc('\n', out);
    }
}

/* The command's name: a literal of ours (no XML or JSON escaping needed). */
static const char *s_command(const struct ecc_run_report *report) {
    return report->command ? report->command : "ecsconf run";
}

enum ecc_status ecc_report_write_junit(FILE *out, const struct ecc_run_report *report) {
    struct ecc_report_counts c;
    ecc_run_report_counts(report, &c);
    double seconds = (double)report->duration_ms / 1000.0;
    /* A stopped run is one more test case, in error, so every JUnit reader fails the run. */
    size_t errors = report->stop != ECC_RUN_STOP_NONE ? 1 : 0;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(
        out,
        "<testsuites name=\"ecsconf\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
        "time=\"%.3f\">\n",
        c.total + errors,
        c.fail + c.xpass,
        errors,
        c.skip,
        seconds);
    fprintf(
        out,
        "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" "
        "time=\"%.3f\">\n",
        s_command(report),
        c.total + errors,
        c.fail + c.xpass,
        errors,
        c.skip,
        seconds);
    fputs("    <properties>\n      <property name=\"endpoint\" value=\"", out);
    s_xml(out, report->endpoint);
    fputs("\"/>\n      <property name=\"profile\" value=\"", out);
    s_xml(out, report->profile);
    fputs("\"/>\n      <property name=\"prefix\" value=\"", out);
    s_xml(out, report->prefix);
    fprintf(out, "\"/>\n      <property name=\"seed\" value=\"%" PRIu64 "\"/>\n    </properties>\n", report->seed);
    for (size_t i = 0; i < report->count; i++) {
        const struct ecc_case_report *item = &report->cases[i];
        fputs("    <testcase classname=\"ecsconf.", out);
        s_xml(out, item->group && item->group[0] ? item->group : "cases");
        fputs("\" name=\"", out);
        s_xml(out, item->id);
        fprintf(out, "\" time=\"%.3f\">\n", (double)item->duration_ms / 1000.0);
        switch (item->result) {
        case ECC_RESULT_PASS:
            break;
        case ECC_RESULT_FAIL:
        case ECC_RESULT_XPASS:
            fprintf(out, "      <failure type=\"%s\" message=\"", ecc_result_name(item->result));
            s_xml(out, item->reason);
            fputs("\">", out);
            s_xml_body(out, item);
            fputs("</failure>\n", out);
            break;
        case ECC_RESULT_SKIP:
            fputs("      <skipped message=\"", out);
            s_xml(out, item->reason);
            fputs("\"/>\n", out);
            break;
        case ECC_RESULT_XFAIL:
            fputs("      <system-out>expected failure: ", out);
            s_xml(out, item->reason);
            fputc('\n', out);
            s_xml_body(out, item);
            fputs("</system-out>\n", out);
            break;
        }
        if (item->warnings) {
            fputs("      <system-err>", out);
            s_xml(out, item->warnings);
            fputs("</system-err>\n", out);
        }
        fputs("    </testcase>\n", out);
    }
    if (errors) {
        fputs("    <testcase classname=\"ecsconf.run\" name=\"run\" time=\"0.000\">\n      <error type=\"", out);
        s_xml(out, ecc_run_stop_name(report->stop));
        fputs("\" message=\"", out);
        s_xml(out, report->stop_reason);
        fputs("\"/>\n    </testcase>\n", out);
    }
    fputs("  </testsuite>\n</testsuites>\n", out);
    return ferror(out) ? ECC_ERR_IO : ECC_OK;
}

/* ---- TAP ------------------------------------------------------------------------------------------ */

/* One line for TAP descriptions and directives: no newline, no '#'. */
static void s_tap_line(FILE *out, const char *text) {
    char *clean = ecc_report_sanitize_text(text ? text : "", true);
    for (const char *c = clean ? clean : ""; *c; c++) {
        fputc(*c == '\n' || *c == '\r' ? ' ' : *c == '#' ? '_' : *c, out);
    }
    free(clean);
}

static void s_yaml_block(FILE *out, const char *key, const char *text) {
    fprintf(out, "    %s: |\n", key);
    s_print_indented(out, text, "      ");
}

enum ecc_status ecc_report_write_tap(FILE *out, const struct ecc_run_report *report) {
    fprintf(out, "TAP version 13\n1..%zu\n", report->count);
    for (size_t i = 0; i < report->count; i++) {
        const struct ecc_case_report *item = &report->cases[i];
        bool ok = item->result == ECC_RESULT_PASS || item->result == ECC_RESULT_SKIP;
        fprintf(out, "%s %zu - ", ok ? "ok" : "not ok", i + 1);
        if (item->group && item->group[0]) {
            s_tap_line(out, item->group);
            fputc('/', out);
        }
        s_tap_line(out, item->id);
        if (item->result == ECC_RESULT_SKIP) {
            fputs(" # SKIP ", out);
            s_tap_line(out, item->reason);
        } else if (item->result == ECC_RESULT_XFAIL) {
            fputs(" # TODO expected failure: ", out);
            s_tap_line(out, item->reason);
        }
        fputc('\n', out);
        if (item->result == ECC_RESULT_FAIL || item->result == ECC_RESULT_XPASS) {
            fputs("  ---\n    message: \"", out);
            if (item->result == ECC_RESULT_XPASS) {
                fputs("passed, but listed as an expected failure: ", out);
            }
            char *clean = ecc_report_sanitize_text(item->reason ? item->reason : "", true);
            for (const char *c = clean ? clean : ""; *c; c++) {
                if (*c == '"' || *c == '\\') {
                    fputc('\\', out);
                    fputc(*c, out);
                } else if (*c == '\n' || *c == '\r' || *c == '\t') {
                    fputc(' ', out);
                } else if ((unsigned char)*c < 0x20) {
                    fputc('?', out);
                } else {
                    fputc(*c, out);
                }
            }
            free(clean);
            fprintf(out, "\"\n    severity: fail\n    duration_ms: %" PRIu64 "\n", item->duration_ms);
            if (item->detail) {
                s_yaml_block(out, "detail", item->detail);
            }
            if (item->reproducer) {
                s_yaml_block(out, "reproduce", item->reproducer);
            }
            fputs("  ...\n", out);
        }
    }
    if (report->stop != ECC_RUN_STOP_NONE) {
        /* TAP's way to say the run did not finish: every consumer fails it. */
        fprintf(out, "Bail out! %s: ", ecc_run_stop_name(report->stop));
        s_tap_line(out, report->stop_reason);
        fputc('\n', out);
    }
    return ferror(out) ? ECC_ERR_IO : ECC_OK;
}

/* ---- JSON ----------------------------------------------------------------------------------------- */

static int s_set_text(json_t *object, const char *key, const char *text) {
    if (!text) {
        return json_object_set_new(object, key, json_null());
    }
    char *clean = ecc_report_sanitize_text(text, false);
    if (!clean) {
        return -1;
    }
    int rc = json_object_set_new(object, key, json_string(clean));
    free(clean);
    return rc;
}

enum ecc_status ecc_report_write_json(FILE *out, const struct ecc_run_report *report) {
    struct ecc_report_counts c;
    ecc_run_report_counts(report, &c);
    json_t *root = json_object();
    json_t *cases = json_array();
    json_t *summary = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
        "total",
        (json_int_t)c.total,
        "pass",
        (json_int_t)c.pass,
        "fail",
        (json_int_t)c.fail,
        "skip",
        (json_int_t)c.skip,
        "xfail",
        (json_int_t)c.xfail,
        "xpass",
        (json_int_t)c.xpass,
        "filtered_out",
        (json_int_t)report->filtered_out);
    int rc = (!root || !cases || !summary) ? -1 : 0;
    rc |= root ? json_object_set_new(root, "ecsconf", json_string(ECSCONF_VERSION)) : -1;
    rc |= root ? json_object_set_new(root, "command", json_string(s_command(report))) : -1;
    rc |= root ? s_set_text(root, "endpoint", report->endpoint) : -1;
    rc |= root ? s_set_text(root, "profile", report->profile) : -1;
    rc |= root ? s_set_text(root, "prefix", report->prefix) : -1;
    rc |= root ? json_object_set_new(root, "seed", json_integer((json_int_t)report->seed)) : -1;
    rc |= root ? json_object_set_new(root, "duration_ms", json_integer((json_int_t)report->duration_ms)) : -1;
    rc |= root ? json_object_set_new(root, "ok", json_boolean(ecc_run_report_ok(report))) : -1;
    if (root && report->stop != ECC_RUN_STOP_NONE) {
        json_t *stopped = json_object();
        rc |= stopped ? 0 : -1;
        rc |= stopped ? json_object_set_new(stopped, "why", json_string(ecc_run_stop_name(report->stop))) : -1;
        rc |= stopped ? s_set_text(stopped, "reason", report->stop_reason) : -1;
        rc |= json_object_set_new(root, "stopped", stopped);
    } else if (root) {
        rc |= json_object_set_new(root, "stopped", json_null());
    }
    for (size_t i = 0; rc == 0 && i < report->count; i++) {
        const struct ecc_case_report *item = &report->cases[i];
        json_t *entry = json_object();
        if (!entry) {
            rc = -1;
            break;
        }
        rc |= s_set_text(entry, "id", item->id);
        rc |= s_set_text(entry, "group", item->group);
        rc |= s_set_text(entry, "title", item->title);
        rc |= s_set_text(entry, "description", item->description);
        json_t *tags = json_array();
        rc |= tags ? 0 : -1;
        for (const char *t = item->tags; tags && t && *t;) {
            size_t len = strcspn(t, ",");
            rc |= json_array_append_new(tags, json_stringn(t, len));
            t += len + (t[len] == ',');
        }
        rc |= json_object_set_new(entry, "tags", tags);
        rc |= json_object_set_new(entry, "result", json_string(ecc_result_name(item->result)));
        rc |= s_set_text(entry, "reason", item->reason);
        rc |= json_object_set_new(entry, "duration_ms", json_integer((json_int_t)item->duration_ms));
        rc |= s_set_text(entry, "detail", item->detail);
        rc |= s_set_text(entry, "reproducer", item->reproducer);
        rc |= s_set_text(entry, "warnings", item->warnings);
        rc |= json_array_append_new(cases, entry);
    }
    if (rc == 0) {
        rc |= json_object_set_new(root, "summary", summary);
        summary = NULL;
        rc |= json_object_set_new(root, "cases", cases);
        cases = NULL;
    }
    enum ecc_status status = ECC_ERR_NOMEM;
    if (rc == 0) {
        /* ASCII only: jansson escapes the C0 controls, and JSON_ENSURE_ASCII the rest, so the C1 controls
         * the sanitizer keeps here (\u0080-\u009f) reach no terminal that shows the file either. */
        status = json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII) == 0 &&
                         fputc('\n', out) != EOF
                     ? ECC_OK
                     : ECC_ERR_IO;
    }
    json_decref(summary);
    json_decref(cases);
    json_decref(root);
    return status;
}

static enum ecc_status s_write(FILE *out, enum ecc_report_format format, const struct ecc_run_report *report) {
    return format == ECC_REPORT_JUNIT ? ecc_report_write_junit(out, report)
           : format == ECC_REPORT_TAP ? ecc_report_write_tap(out, report)
                                      : ecc_report_write_json(out, report);
}

enum ecc_status ecc_report_write_file(
    const char *file, enum ecc_report_format format, const struct ecc_run_report *report, struct ecc_diag *diag) {
    if (strcmp(file, "-") == 0) {
        enum ecc_status status = s_write(stdout, format, report);
        if (fflush(stdout) != 0 || status != ECC_OK) {
            ecc_diag_set(diag, "cannot write the report to standard output: %s", strerror(errno));
            return ECC_ERR_IO;
        }
        return ECC_OK;
    }
    size_t len = strlen(file) + 16;
    char *tmp = malloc(len);
    if (!tmp) {
        return ECC_ERR_NOMEM;
    }
    snprintf(tmp, len, "%s.tmp%d", file, (int)getpid());
    FILE *out = fopen(tmp, "w");
    if (!out) {
        ecc_diag_set(diag, "cannot write %s: %s", tmp, strerror(errno));
        free(tmp);
        return ECC_ERR_IO;
    }
    enum ecc_status status = s_write(out, format, report);
    bool closed = fclose(out) == 0; /* closed also after a failed write; a failed close fails the write */
    if (status != ECC_OK) {
        goto on_error;
    }
    if (!closed || rename(tmp, file) != 0) {
        status = ECC_ERR_IO;
        goto on_error;
    }
    free(tmp);
    return ECC_OK;

on_error:
    ecc_diag_set(diag, "cannot write %s: %s", file, status == ECC_ERR_IO ? strerror(errno) : ecc_status_name(status));
    remove(tmp);
    free(tmp);
    return status;
}

#ifndef ECC_REPORT_H
#define ECC_REPORT_H
/*
 * Results of a run and their renderings: the console (one line per case, details on failure, progress
 * on a TTY, colour unless NO_COLOR), JUnit XML, TAP 13 and JSON. Writers never print secrets: what they
 * print comes from the runner, whose reproducers hold placeholders (transport's curl renderer).
 *
 * Any text may come from a hostile endpoint: the writers replace bytes that are not valid UTF-8 (and, in
 * XML, characters XML 1.0 forbids), so every report stays well-formed.
 */
#include "ecc/common.h"
#include "ecc/match.h"

#include <stdio.h>

enum ecc_result {
    ECC_RESULT_PASS,
    ECC_RESULT_FAIL,
    ECC_RESULT_SKIP,
    ECC_RESULT_XFAIL, /* failed, listed as an expected failure */
    ECC_RESULT_XPASS, /* passed, listed as an expected failure: fails the run */
};

/* "PASS", "FAIL", "SKIP", "XFAIL", "XPASS". */
const char *ecc_result_name(enum ecc_result result);
/* The outcome of a case that ran: `passed` and whether it is listed as an expected failure. */
enum ecc_result ecc_result_of(bool passed, bool expected_to_fail);

/* One case's result. The report owns copies of every string (NULL when absent). */
struct ecc_case_report {
    char *id;
    char *group;
    char *title;
    char *description; /* the case's description; NULL when it has none */
    char *tags;        /* the case's tags, comma-separated ("clienttoken,ec2"); NULL when none */
    enum ecc_result result;
    char *reason;     /* one line: the failing check, the skip reason, the expected-failure reason */
    char *detail;     /* lines: the failing step with its expected-vs-actual diff */
    char *reproducer; /* a curl command line for the failing request (placeholders for secrets) */
    char *warnings;   /* lines: cleanup problems (leaked resources) */
    uint64_t duration_ms;
};

/* Why a run ended before every case had its verdict. Any stop makes the run fail in every report:
 * console, JSON (`ok: false` with `stopped`), JUnit (an error) and TAP (`Bail out!`). */
enum ecc_run_stop {
    ECC_RUN_STOP_NONE = 0,
    ECC_RUN_STOP_INTERRUPTED, /* Ctrl-C */
    ECC_RUN_STOP_ENDPOINT,    /* the endpoint is not usable: preflight failed, or the circuit breaker opened */
};

/* "interrupted", "endpoint unusable"; "" for ECC_RUN_STOP_NONE. */
const char *ecc_run_stop_name(enum ecc_run_stop stop);

struct ecc_run_report {
    /* The command that ran ("ecsconf replay"): JUnit's testsuite name and JSON's "command". Static text,
     * not owned; NULL (the default) means "ecsconf run". */
    const char *command;
    char *endpoint;
    char *profile;
    char *prefix;
    uint64_t seed;
    uint64_t duration_ms;
    size_t filtered_out; /* cases left out by --only / --skip (not listed) */
    enum ecc_run_stop stop;
    char *stop_reason; /* one line, owned; NULL when stop is ECC_RUN_STOP_NONE */
    struct ecc_case_report *cases;
    size_t count;
    size_t capacity;
};

struct ecc_report_counts {
    size_t pass, fail, skip, xfail, xpass, total;
};

/* Owner: the caller (init / clean_up). The string arguments are copied (NULL allowed). */
enum ecc_status ecc_run_report_init(
    struct ecc_run_report *report, const char *endpoint, const char *profile, const char *prefix, uint64_t seed)
    ECC_WARN_UNUSED_RESULT;
void ecc_run_report_clean_up(struct ecc_run_report *report);
/* Appends a deep copy of `item`. Not thread-safe: the runner serializes. */
enum ecc_status
ecc_run_report_add(struct ecc_run_report *report, const struct ecc_case_report *item) ECC_WARN_UNUSED_RESULT;
void ecc_run_report_counts(const struct ecc_run_report *report, struct ecc_report_counts *counts);
/* True when every case passed, was skipped or failed as expected (no FAIL, no XPASS) and the run was not
 * stopped. */
bool ecc_run_report_ok(const struct ecc_run_report *report);
/* Records why the run stopped; the first stop wins (an interrupt after the endpoint died stays an endpoint
 * stop). `reason` is copied. Not thread-safe: the runner serializes. */
enum ecc_status ecc_run_report_set_stop(struct ecc_run_report *report, enum ecc_run_stop stop, const char *reason)
    ECC_WARN_UNUSED_RESULT;

/* Colour on `out`: a TTY, NO_COLOR unset or empty, TERM not "dumb". */
bool ecc_report_use_color(FILE *out);
/* The self-rewriting progress line (carriage return and an erase sequence) on `out`: a TTY whose TERM is
 * not "dumb" (NO_COLOR is about colour only). */
bool ecc_report_use_progress(FILE *out);
/* One line per case ("PASS  group/id  (12 ms)", with the reason), then the detail, reproducer and warnings
 * indented for FAIL and XPASS. */
void ecc_report_console_case(FILE *out, const struct ecc_case_report *item, bool color);
/* "[ 12/150] group/id" on one line that the next write replaces (only call it on a TTY). */
void ecc_report_console_progress(FILE *out, size_t done, size_t total, const char *current);
/* Clears the progress line (TTY). */
void ecc_report_console_clear_progress(FILE *out);
void ecc_report_console_summary(FILE *out, const struct ecc_run_report *report, bool color);

enum ecc_status ecc_report_write_junit(FILE *out, const struct ecc_run_report *report) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_report_write_tap(FILE *out, const struct ecc_run_report *report) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_report_write_json(FILE *out, const struct ecc_run_report *report) ECC_WARN_UNUSED_RESULT;

enum ecc_report_format { ECC_REPORT_JUNIT, ECC_REPORT_TAP, ECC_REPORT_JSON };
/* Writes the report to `file` (replaced atomically: a temporary file renamed); "-" is standard output. */
enum ecc_status ecc_report_write_file(
    const char *file, enum ecc_report_format format, const struct ecc_run_report *report, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/*
 * The expected-vs-actual block of a failing check, appended to `out`:
 *   step 3 "retry": /tasks/1/lastStatus: values differ
 *     - expected: "PROVISIONING"
 *     + actual:   "PENDING"
 * Values longer than 400 characters are cut with "...".
 */
enum ecc_status ecc_report_format_failure(
    struct ecc_buf *out, const char *step_label, const char *what, const struct ecc_match_failure *failure)
    ECC_WARN_UNUSED_RESULT;

/* Replaces invalid UTF-8 (a lone byte 0x80-0xFF among them) with '?' and, when `strip_controls`, the
 * control characters other than tab, CR and LF: C0 and DEL (which XML 1.0 forbids) and C1, U+0080-U+009F
 * (U+009B is CSI), which could drive a terminal: an endpoint must not be able to send escape sequences to
 * the console. Without `strip_controls` (the JSON report) they are kept and the writer escapes them.
 * Returns a new string the caller frees, or NULL when out of memory. */
char *ecc_report_sanitize_text(const char *text, bool strip_controls);

#endif

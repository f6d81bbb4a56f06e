#ifndef ECC_CLIENT_SUITE_H
#define ECC_CLIENT_SUITE_H
/*
 * Floor 4: the client-direction suite as a whole (`ecsconf client`): its case files loaded from files
 * and folders, the cases selected with plan.h's filter (`--only`, `--skip`), the expected failures of
 * profile.h's list, a pool of worker threads each running one case at a time (mock.h's
 * ecc_client_case_run: its own mock on its own port), and one report.h report with one item per case,
 * so a client run is reported as `ecsconf run` is (console, JUnit, TAP, JSON).
 *
 * Client cases have no folder group: every item's group is "client", so `--only 'client/token-*'` and
 * an expect-fail line `client/<glob>` work as they do for `ecsconf run`, and so do bare ids and `tag:NAME`.
 *
 * Threads: ecc_client_suite_run starts `jobs` threads and joins them before it returns; the callback
 * runs under its mutex.
 */
#include "ecc/client_fuzz.h"
#include "ecc/common.h"
#include "ecc/fixture.h"
#include "ecc/mock.h"
#include "ecc/plan.h"
#include "ecc/profile.h"
#include "ecc/report.h"

#include <signal.h>

/* The group of every client case in reports and filters. */
#define ECC_CLIENT_SUITE_GROUP "client"

/* Owner: the caller (init / clean_up). */
struct ecc_client_suite {
    struct ecc_client_case **cases;
    size_t count;
    size_t capacity;
};

void ecc_client_suite_init(struct ecc_client_suite *suite);
void ecc_client_suite_clean_up(struct ecc_client_suite *suite);

/*
 * Loads every case file of `paths` (files, or folders of *.json). Each broken file goes to `on_error`
 * (may be NULL) and loading goes on; a duplicate id is an error. `fixtures` is borrowed and must
 * outlive the suite. ECC_ERR_INVALID when any file failed (the suite then holds the good ones).
 */
enum ecc_status ecc_client_suite_load(
    struct ecc_client_suite *suite,
    const struct ecc_fixture_set *fixtures,
    const char *const *paths,
    size_t path_count,
    ecc_suite_error_fn *on_error,
    void *user_data) ECC_WARN_UNUSED_RESULT;

/*
 * Checks an expected-failure list against the whole suite (not only the selected cases): a line that
 * matches no client case is ECC_ERR_INVALID with its file:line in `diag`, so a stale line cannot hide.
 */
enum ecc_status ecc_client_suite_check_expect_fail(
    const struct ecc_client_suite *suite,
    struct ecc_expect_fail_list *list,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* Every term of `filter` must match a client case (plan.h's ecc_filter_check: a typo names the nearest
 * ids or tags); `option` ("--only") names the option in `diag`. */
enum ecc_status ecc_client_suite_check_filter(
    const struct ecc_client_suite *suite, const struct ecc_filter *filter, const char *option, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

struct ecc_client_suite_options {
    struct ecc_client_run_options run;              /* how each case's adapter runs (mock.h) */
    const struct ecc_filter *only;                  /* NULL or empty: every case */
    const struct ecc_filter *skip;                  /* NULL or empty: none */
    const struct ecc_shard *shard;                  /* NULL or count 0: every case; else its cases, by id */
    const struct ecc_expect_fail_list *expect_fail; /* NULL: none */
    unsigned jobs;                                  /* worker threads; 0 means 1 */
    /* `ecsconf client --fuzz`: when set with a count, each selected case plays that many fuzzed answers
     * (client_fuzz.h) instead of its own, and its item reports the fuzz findings. NULL: the plain suite. */
    const struct ecc_client_fuzz_options *fuzz;
    /* Set by a SIGINT handler: from 1 on, no case starts (those left are SKIP "not run: interrupted");
     * the cases running finish, each bounded by the adapter deadline. NULL: never interrupted. */
    volatile sig_atomic_t *interrupted;
    /* Called once per case as it finishes, under the suite's mutex. May be NULL. */
    void (*on_case_done)(void *user_data, const struct ecc_case_report *item, size_t done, size_t total);
    void *user_data;
};

/*
 * Runs the selected cases, adding one item per case to `report` (initialized by the caller; sorted by
 * id at the end; cases in another --shard are left out, uncounted, before --only/--skip): PASS, FAIL (reason: the first
 * problem; detail: every problem), SKIP (the client cannot express the case, or the run was interrupted), XFAIL and
 * XPASS per the expect-fail list (reason: the list's, detail: what failed); a listed case that fails in a way its line
 * does not accept (ecc_expect_fail_accepts) is FAIL. `report->filtered_out` counts the cases left out. Returns ECC_OK
 * when every selected case ran; ECC_ERR_IO (with the first such `diag`) when a case's mock or adapter could not be
 * started: that case is FAIL with the reason and the others still run.
 */
enum ecc_status ecc_client_suite_run(
    const struct ecc_client_suite *suite,
    const struct ecc_client_suite_options *options,
    struct ecc_run_report *report,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

#endif

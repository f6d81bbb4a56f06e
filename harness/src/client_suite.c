/*
 * The client-direction suite as a whole (client_suite.h): loading the case files, selecting with the
 * run's filter, expected failures, the worker pool and the report. Selection and expected failures are
 * plan.h's and profile.h's own functions, given a view of each client case as a case (its id, the
 * "client" group and its tags, all they read), so one rule decides for `ecsconf run` and for
 * `ecsconf client` alike.
 */
#include "ecc/client_suite.h"

#include "suite_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Longest detail kept per case (every problem, one per line). */
#define S_MAX_DETAIL_BYTES ((size_t)64 * 1024)
#define S_MAX_JOBS         64u
/* Most cases one client suite loads: far above the shipped suite, so only a runaway directory meets it. */
#define S_MAX_CLIENT_CASES 10000

void ecc_client_suite_init(struct ecc_client_suite *suite) {
    memset(suite, 0, sizeof(*suite));
}

void ecc_client_suite_clean_up(struct ecc_client_suite *suite) {
    for (size_t i = 0; i < suite->count; i++) {
        ecc_client_case_destroy(suite->cases[i]);
    }
    free(suite->cases);
    ecc_client_suite_init(suite);
}

struct s_load_ctx {
    struct ecc_client_suite *suite;
    const struct ecc_fixture_set *fixtures;
};

static enum ecc_status s_load_case(void *ctx, const char *file, struct ecc_diag *diag) {
    struct s_load_ctx *load = ctx;
    struct ecc_client_suite *suite = load->suite;
    struct ecc_client_case *c = NULL;
    enum ecc_status status = ecc_client_case_load_file(file, load->fixtures, &c, diag);
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; i < suite->count; i++) {
        if (strcmp(suite->cases[i]->id, c->id) == 0) {
            ecc_diag_set(diag, "duplicate client case id '%s' (also in %s)", c->id, suite->cases[i]->file);
            snprintf(diag->source, sizeof(diag->source), "%s", file);
            ecc_client_case_destroy(c);
            return ECC_ERR_INVALID;
        }
    }
    struct ecc_client_case **grown =
        ecc_array_grow(suite->cases, &suite->capacity, suite->count, sizeof(*grown), 64, S_MAX_CLIENT_CASES);
    if (grown == NULL) {
        ecc_diag_set(
            diag, "cannot add client case '%s' (at most %d cases, or out of memory)", c->id, S_MAX_CLIENT_CASES);
        snprintf(diag->source, sizeof(diag->source), "%s", file);
        ecc_client_case_destroy(c);
        return suite->count >= S_MAX_CLIENT_CASES ? ECC_ERR_LIMIT : ECC_ERR_NOMEM;
    }
    suite->cases = grown;
    suite->cases[suite->count++] = c;
    return ECC_OK;
}

static int s_compare_cases(const void *a, const void *b) {
    const struct ecc_client_case *x = *(struct ecc_client_case *const *)a;
    const struct ecc_client_case *y = *(struct ecc_client_case *const *)b;
    return strcmp(x->id, y->id);
}

enum ecc_status ecc_client_suite_load(
    struct ecc_client_suite *suite,
    const struct ecc_fixture_set *fixtures,
    const char *const *paths,
    size_t path_count,
    ecc_suite_error_fn *on_error,
    void *user_data) {
    struct s_load_ctx ctx = {.suite = suite, .fixtures = fixtures};
    enum ecc_status status = ecc_suite_load_paths(paths, path_count, s_load_case, &ctx, on_error, user_data);
    if (suite->count > 1) {
        qsort(suite->cases, suite->count, sizeof(*suite->cases), s_compare_cases);
    }
    return status;
}

/* What plan.h and profile.h read of a case: id, group and tags. */
static void s_view(const struct ecc_client_case *c, struct ecc_case *view) {
    memset(view, 0, sizeof(*view));
    view->id = c->id;
    view->group = (char *)ECC_CLIENT_SUITE_GROUP;
    view->title = c->title;
    view->tags = c->tags;
}

/* The suite seen as a suite of cases (views), for the checks of profile.h and plan.h. */
struct s_view_suite {
    struct ecc_case *views;
    struct ecc_case **pointers;
    struct ecc_suite suite;
};

static void s_view_suite_clean_up(struct s_view_suite *view) {
    free(view->pointers);
    free(view->views);
}

/* On failure nothing is left to clean up. */
static enum ecc_status s_view_suite_init(struct s_view_suite *out, const struct ecc_client_suite *suite) {
    memset(out, 0, sizeof(*out));
    out->views = calloc(suite->count + 1, sizeof(*out->views));
    out->pointers = calloc(suite->count + 1, sizeof(*out->pointers));
    if (out->views == NULL || out->pointers == NULL) {
        s_view_suite_clean_up(out);
        return ECC_ERR_NOMEM;
    }
    for (size_t i = 0; i < suite->count; i++) {
        s_view(suite->cases[i], &out->views[i]);
        out->pointers[i] = &out->views[i];
    }
    out->suite.cases = out->pointers;
    out->suite.count = suite->count;
    return ECC_OK;
}

enum ecc_status ecc_client_suite_check_expect_fail(
    const struct ecc_client_suite *suite, struct ecc_expect_fail_list *list, struct ecc_diag *diag) {
    struct s_view_suite view;
    enum ecc_status status = s_view_suite_init(&view, suite);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_expect_fail_check(list, &view.suite, diag);
    s_view_suite_clean_up(&view);
    return status;
}

enum ecc_status ecc_client_suite_check_filter(
    const struct ecc_client_suite *suite, const struct ecc_filter *filter, const char *option, struct ecc_diag *diag) {
    struct s_view_suite view;
    enum ecc_status status = s_view_suite_init(&view, suite);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_filter_check(filter, &view.suite, option, diag);
    s_view_suite_clean_up(&view);
    return status;
}

/* ---- running ------------------------------------------------------------------------------------ */

struct s_shared {
    const struct ecc_client_suite *suite;
    const struct ecc_client_suite_options *options;
    struct ecc_run_report *report;
    const struct ecc_client_case **selected;
    size_t total;
    pthread_mutex_t mutex;
    size_t next;
    size_t done;
    enum ecc_status status; /* the first failure to run a case (ECC_ERR_IO, ECC_ERR_NOMEM) */
    struct ecc_diag diag;
};

static bool s_interrupted(const struct ecc_client_suite_options *options) {
    return options->interrupted != NULL && *options->interrupted != 0;
}

/* Every reason, one per line, into a new string (NULL when there is none or memory ran out). */
static char *s_join(const struct ecc_string_list *reasons) {
    struct ecc_buf text;
    ecc_buf_init(&text, S_MAX_DETAIL_BYTES);
    for (size_t i = 0; i < reasons->count; i++) {
        if (ecc_buf_printf(&text, "%s%s", i ? "\n" : "", reasons->items[i]) != ECC_OK) {
            break; /* past the cap: the first reasons are the ones that count */
        }
    }
    return ecc_buf_steal(&text);
}

/* Runs one case and turns its outcome into a report item (strings owned by the caller's item). */
static enum ecc_status s_run_one(
    struct s_shared *shared, const struct ecc_client_case *c, struct ecc_case_report *item, struct ecc_diag *diag) {
    const struct ecc_client_suite_options *options = shared->options;
    struct ecc_case view;
    s_view(c, &view);
    const struct ecc_expect_fail_entry *listed =
        options->expect_fail != NULL ? ecc_expect_fail_find(options->expect_fail, &view) : NULL;
    item->id = (char *)c->id;
    item->group = (char *)ECC_CLIENT_SUITE_GROUP;
    item->title = (char *)c->title;
    if (s_interrupted(options)) {
        item->result = ECC_RESULT_SKIP;
        item->reason = ecc_strdup("not run: interrupted");
        return item->reason != NULL ? ECC_OK : ECC_ERR_NOMEM;
    }
    uint64_t start = ecc_monotonic_ms();
    struct ecc_client_case_result result;
    ecc_client_case_result_init(&result);
    enum ecc_status status = options->fuzz != NULL && options->fuzz->count > 0
                                 ? ecc_client_fuzz_case_run(c, &options->run, options->fuzz, &result, diag)
                                 : ecc_client_case_run(c, &options->run, &result, diag);
    item->duration_ms = ecc_monotonic_ms() - start;
    if (status != ECC_OK) {
        item->result = ECC_RESULT_FAIL;
        char text[sizeof(diag->text) + 64];
        snprintf(text, sizeof(text), "could not run the case: %s", diag->text);
        item->reason = ecc_strdup(text);
    } else if (result.verdict == ECC_CLIENT_CASE_SKIP) {
        item->result = ECC_RESULT_SKIP;
        item->reason = s_join(&result.reasons);
    } else {
        bool passed = result.verdict == ECC_CLIENT_CASE_PASS;
        char *problems = passed ? NULL : s_join(&result.reasons);
        char why[300] = "";
        /* A listed failure counts only when its line accepts it (profile.h: reason~ and friends), as in
         * ecsconf run; a client case has no HTTP status or error type of its own to hold against it. */
        struct ecc_expect_fail_observed observed = {.reason = problems != NULL ? problems : ""};
        bool expected = listed != NULL && (passed || ecc_expect_fail_accepts(listed, &observed, why, sizeof(why)));
        item->result = ecc_result_of(passed, expected);
        char text[900];
        if (expected) {
            snprintf(text, sizeof(text), "%s%s", passed ? "expected to fail, but passed: " : "", listed->reason);
            item->reason = ecc_strdup(text);
            item->detail = problems;
            problems = NULL;
        } else if (!passed && listed != NULL) {
            snprintf(
                text,
                sizeof(text),
                "failed, but not as %s:%d expects (%s): %s",
                listed->source,
                listed->line,
                why,
                result.reasons.count > 0 ? result.reasons.items[0] : "failed");
            item->reason = ecc_strdup(text);
            item->detail = problems;
            problems = NULL;
        } else if (!passed) {
            item->reason = ecc_strdup(result.reasons.count > 0 ? result.reasons.items[0] : "failed");
            item->detail = result.reasons.count > 1 ? problems : NULL;
            problems = item->detail != NULL ? NULL : problems;
        }
        free(problems);
    }
    ecc_client_case_result_clean_up(&result);
    if (status != ECC_OK) {
        return ECC_ERR_IO; /* the case could not be run */
    }
    return ECC_OK;
}

/* The first failure to run or report a case is the suite's; later ones are dropped (mutex held). */
static void s_keep_first_failure(struct s_shared *shared, enum ecc_status status, const struct ecc_diag *diag) {
    if (shared->status != ECC_OK) {
        return;
    }
    if (status != ECC_OK) {
        shared->status = status;
        shared->diag = *diag;
    }
}

static void *s_worker_main(void *arg) {
    struct s_shared *shared = arg;
    for (;;) {
        pthread_mutex_lock(&shared->mutex);
        size_t index = shared->next < shared->total ? shared->next++ : SIZE_MAX;
        pthread_mutex_unlock(&shared->mutex);
        if (index == SIZE_MAX) {
            return NULL;
        }
        struct ecc_case_report item;
        memset(&item, 0, sizeof(item));
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        enum ecc_status status = s_run_one(shared, shared->selected[index], &item, &diag);
        pthread_mutex_lock(&shared->mutex);
        enum ecc_status added = ecc_run_report_add(shared->report, &item);
        s_keep_first_failure(shared, added != ECC_OK ? added : status, &diag);
        shared->done++;
        if (shared->options->on_case_done != NULL && added == ECC_OK) {
            shared->options->on_case_done(
                shared->options->user_data,
                &shared->report->cases[shared->report->count - 1],
                shared->done,
                shared->total);
        }
        pthread_mutex_unlock(&shared->mutex);
        /* id, group and title were borrowed from the case; the rest was made for the item. */
        free(item.reason);
        free(item.detail);
    }
}

static int s_compare_reports(const void *a, const void *b) {
    const struct ecc_case_report *x = a;
    const struct ecc_case_report *y = b;
    return strcmp(x->id, y->id);
}

/* Whether each case is in this run's --shard (the partition of `ecsconf run --shard`, keyed by the client
 * case's id). */
static enum ecc_status
s_shard(const struct ecc_client_suite *suite, const struct ecc_client_suite_options *options, bool *in_shard) {
    const char **ids = calloc(suite->count + 1, sizeof(*ids));
    if (ids == NULL) {
        return ECC_ERR_NOMEM;
    }
    for (size_t i = 0; i < suite->count; i++) {
        ids[i] = suite->cases[i]->id;
    }
    enum ecc_status status = ecc_shard_select(options->shard, ids, suite->count, in_shard);
    free(ids);
    return status;
}

/* The cases to run, into shared->selected: those of the shard that --only and --skip keep (the others are
 * counted as filtered out). */
static enum ecc_status s_select(
    const struct ecc_client_suite *suite,
    const struct ecc_client_suite_options *options,
    struct ecc_run_report *report,
    struct s_shared *shared) {
    bool *in_shard = calloc(suite->count + 1, sizeof(*in_shard));
    if (in_shard == NULL) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = s_shard(suite, options, in_shard);
    if (status != ECC_OK) {
        goto done;
    }
    for (size_t i = 0; i < suite->count; i++) {
        struct ecc_case view;
        s_view(suite->cases[i], &view);
        if (!in_shard[i]) {
            continue;
        }
        bool only = options->only != NULL && options->only->count > 0;
        bool kept = !only || ecc_filter_matches(options->only, &view);
        bool skipped = options->skip != NULL && ecc_filter_matches(options->skip, &view);
        if (!kept || skipped) {
            report->filtered_out++;
            continue;
        }
        shared->selected[shared->total++] = suite->cases[i];
    }

done:
    free(in_shard);
    return status;
}

enum ecc_status ecc_client_suite_run(
    const struct ecc_client_suite *suite,
    const struct ecc_client_suite_options *options,
    struct ecc_run_report *report,
    struct ecc_diag *diag) {
    struct s_shared shared = {.suite = suite, .options = options, .report = report, .status = ECC_OK};
    shared.selected = calloc(suite->count + 1, sizeof(*shared.selected));
    if (shared.selected == NULL || pthread_mutex_init(&shared.mutex, NULL) != 0) {
        free(shared.selected);
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = s_select(suite, options, report, &shared);
    if (status != ECC_OK) {
        goto done;
    }
    uint64_t start = ecc_monotonic_ms();
    unsigned jobs = options->jobs == 0 ? 1 : (options->jobs > S_MAX_JOBS ? S_MAX_JOBS : options->jobs);
    pthread_t threads[S_MAX_JOBS];
    unsigned started = 0;
    for (; started < jobs && started < shared.total; started++) {
        if (pthread_create(&threads[started], NULL, s_worker_main, &shared) != 0) {
            break;
        }
    }
    if (started == 0) {
        s_worker_main(&shared);
    }
    for (unsigned i = 0; i < started; i++) {
        pthread_join(threads[i], NULL);
    }
    report->duration_ms = ecc_monotonic_ms() - start;
    if (report->count > 1) {
        qsort(report->cases, report->count, sizeof(*report->cases), s_compare_reports);
    }
    if (shared.status != ECC_OK && diag != NULL) {
        *diag = shared.diag;
    }
    status = shared.status;

done:
    pthread_mutex_destroy(&shared.mutex);
    free(shared.selected);
    return status;
}

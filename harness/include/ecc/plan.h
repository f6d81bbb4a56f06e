#ifndef ECC_PLAN_H
#define ECC_PLAN_H
/*
 * Planning a run, before any request: which cases run, which are skipped and why, which are expected
 * to fail, in which order (`--seed`); filters (`--only`, `--skip`); and the DescribeTasks backoff
 * schedule. Pure functions, no I/O.
 */
#include "ecc/case.h"
#include "ecc/common.h"
#include "ecc/profile.h"

/* `--only` / `--skip` terms: a case id, a glob over the id or "group/id" (fnmatch), or `tag:NAME`. */
struct ecc_filter {
    char **terms;
    size_t count;
    size_t capacity;
};

void ecc_filter_init(struct ecc_filter *filter);
void ecc_filter_clean_up(struct ecc_filter *filter);
/* Adds the comma-separated terms of one option value. Empty terms, `tag:` without a name and characters
 * other than a-z, 0-9, - / * ? [ ] ! : are ECC_ERR_INVALID. */
enum ecc_status
ecc_filter_add(struct ecc_filter *filter, const char *spec, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Does any term match the case? An empty filter matches nothing. */
bool ecc_filter_matches(const struct ecc_filter *filter, const struct ecc_case *c);

/*
 * Every term must match a case of `suite`: the first that matches none is ECC_ERR_NOT_FOUND, and `diag`
 * names it (with `option`, "--only") and helps: for tag:NAME the nearest known tag or the list of known
 * tags, for an id or glob the nearest case ids. A typo must not turn into a run of nothing.
 */
enum ecc_status ecc_filter_check(
    const struct ecc_filter *filter, const struct ecc_suite *suite, const char *option, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/* The suite's tags, sorted, each once, with the number of cases that carry it: "clienttoken (37), ...".
 * Appended to `out` (capped like any ecc_buf). */
enum ecc_status ecc_suite_tags_format(const struct ecc_suite *suite, struct ecc_buf *out) ECC_WARN_UNUSED_RESULT;

/*
 * `--shard I/N`: a stable partition of a suite for CI fan-out. The keys (a case's "group/id", a client
 * case's id) are sorted by byte value and dealt round-robin: shard I (1-based) gets the keys at sorted
 * positions I-1, I-1+N, I-1+2N, ... So every case is in exactly one shard, the shards' sizes differ by
 * at most one, and a case's shard depends only on the set of keys (the suite), never on their order on
 * disk or on the seed. `count` 0 means no sharding (everything selected).
 */
struct ecc_shard {
    unsigned index; /* 1..count */
    unsigned count; /* 1..ECC_SHARD_MAX_COUNT, or 0: not sharded */
};

#define ECC_SHARD_MAX_COUNT 1000

/* Parses "I/N" (decimal, 1 <= I <= N <= ECC_SHARD_MAX_COUNT); ECC_ERR_INVALID saying what is wrong. */
enum ecc_status
ecc_shard_parse(const char *text, struct ecc_shard *shard, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* Sets selected[i] to whether keys[i] falls in `shard` (all true when shard->count is 0). Keys must be
 * distinct (equal keys are ordered by index, so the result stays deterministic). ECC_ERR_NOMEM. */
enum ecc_status ecc_shard_select(const struct ecc_shard *shard, const char *const *keys, size_t count, bool *selected)
    ECC_WARN_UNUSED_RESULT;

struct ecc_plan_options {
    const struct ecc_filter *only; /* NULL or empty: every case */
    const struct ecc_filter *skip; /* NULL or empty: none */
    unsigned capabilities;         /* of the endpoint's profile */
    bool loopback;                 /* the endpoint is on 127.0.0.0/8 or ::1 */
    bool allow_tasks;              /* --allow-tasks: start tasks off loopback */
    const struct ecc_expect_fail_list *expect_fail;
    const json_t *run_vars; /* object name → value of the run variables that have one; NULL: none */
    uint64_t seed;          /* order of the cases */
    struct ecc_shard shard; /* zero: every case; else only this shard's cases, by "group/id" */
};

enum ecc_plan_action { ECC_PLAN_RUN, ECC_PLAN_SKIP };

struct ecc_plan_item {
    const struct ecc_case *c; /* borrowed from the suite */
    enum ecc_plan_action action;
    char skip_reason[256];
    const struct ecc_expect_fail_entry *expect_fail; /* borrowed; NULL when not listed */
};

/* A case is SKIP when the profile lacks a capability it needs, when it starts tasks off loopback without
 * --allow-tasks, when it uses a run variable that has no value, or, in shared-cluster mode (the `cluster`
 * run variable, case.h), when it cannot share the cluster (ecc_plan_shared_cluster_conflict). */

/*
 * Can the case run in a cluster every case shares (shared-cluster mode)? Decided from what its steps do, in
 * order (cleanup steps included), so a new case needs no list: false when it can, else true with one line in
 * `why` naming the step and the reason. A case cannot when it
 *   - is `exclusive` (it changes state every case shares: a `reset` would remove the shared cluster);
 *   - sends DeleteCluster;
 *   - sends a CreateCluster other than the plain `call` step `{"clusterName": "${cluster}"}`, signed with the run's key
 *     (capacity providers, a default strategy, another name, another account);
 *   - has a control step scoped to `${cluster}` (a fault or a capacity for every case in it);
 *   - uses `${cluster}` before its plain CreateCluster (the case is not written for a cluster that exists);
 *   - pages a ListTasks of `${cluster}` itself (maxResults, nextToken: other cases' tasks shift the pages).
 * The plain CreateCluster stays: CreateCluster of an existing cluster answers that cluster (the case
 * create-cluster-idempotent checks it), so the step's captures get the shared cluster.
 */
bool ecc_plan_shared_cluster_conflict(const struct ecc_case *c, char *why, size_t why_size);

/* Owner: the caller (ecc_plan_clean_up). Exclusive cases come first (they run alone), then the others; each
 * group in an order shuffled by the seed, so hidden dependencies between cases show up. */
struct ecc_plan {
    struct ecc_plan_item *items;
    size_t count;
    size_t filtered_out; /* left out by --only/--skip */
    size_t sharded_out;  /* in another shard (counted before --only/--skip, so not in filtered_out) */
};

enum ecc_status
ecc_plan_build(struct ecc_plan *plan, const struct ecc_suite *suite, const struct ecc_plan_options *options)
    ECC_WARN_UNUSED_RESULT;
void ecc_plan_clean_up(struct ecc_plan *plan);

/*
 * Exponential backoff for the DescribeTasks confirmation: the first try at once, then waits of
 * initial_ms, 2*initial_ms, ... (each capped at max_delay_ms) until total_ms have passed; the last wait
 * is shortened so the final try lands on the deadline.
 */
struct ecc_backoff {
    uint64_t initial_ms;   /* default 2000 */
    uint64_t max_delay_ms; /* default 300000 */
    uint64_t total_ms;     /* default 300000 */
};

#define ECC_BACKOFF_DEFAULT_INITIAL_MS   2000
#define ECC_BACKOFF_DEFAULT_MAX_DELAY_MS 300000
#define ECC_BACKOFF_DEFAULT_TOTAL_MS     300000

void ecc_backoff_init_default(struct ecc_backoff *backoff);
/* After `retries` failed tries beyond the first (0 after the first try), with `elapsed_ms` spent since the
 * first: false when the budget is used up, else the wait before the next try. */
bool ecc_backoff_next(const struct ecc_backoff *backoff, unsigned retries, uint64_t elapsed_ms, uint64_t *delay_ms);

#endif

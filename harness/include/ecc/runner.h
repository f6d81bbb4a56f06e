#ifndef ECC_RUNNER_H
#define ECC_RUNNER_H
/*
 * Floor 4: running a planned suite against an endpoint (`ecsconf run`). For each case: expand its
 * variables, build every step's request (fixture + merge, inline call, raw, or control), sign it afresh
 * (or not, or badly, or with a moved clock, as the step says), send it through the transport, check the
 * answer (status, error type by errors.h's resolution function, headers, body matchers), take captures,
 * confirm started tasks with DescribeTasks and exponential backoff, then run the cleanup steps and the
 * runner's own cleanup of everything the case created (tasks, task definitions, clusters), also after a
 * failure, a timeout or an interrupt.
 *
 * Threads: `jobs` worker threads, each with its own transport and signer; exclusive cases run first,
 * alone. Results reach the report and the `on_case_done` callback under one mutex.
 */
#include "ecc/case.h"
#include "ecc/common.h"
#include "ecc/credentials.h"
#include "ecc/plan.h"
#include "ecc/recording.h"
#include "ecc/report.h"
#include "ecc/transport.h"

#include <signal.h>

struct ecc_runner_options {
    const char *endpoint_url;                         /* required: "http(s)://host[:port]" */
    const char *region;                               /* required */
    const struct ecc_credentials *credentials;        /* required; borrowed */
    const struct ecc_credentials *second_credentials; /* `"credentials": "second"`; NULL when none */
    const char *account;                              /* ${account}; NULL when unknown */
    const char *prefix;                               /* ${prefix}: the run-unique resource prefix */
    /* Run variables (name → value); NULL: none. With `cluster` (case.h), shared-cluster mode: `${cluster}` is
     * that existing cluster in every case, each case gets its own `${prefix}` (`ecc` + 8 hex digits, distinct
     * in the run) so its clientTokens never meet another case's, a ListTasks answer of the shared cluster is
     * read to its last page and cut to the case's own tasks (named by the case's answers, or of a family it
     * registered) before the checks, and the shared cluster is never deleted nor given EC2 capacity. */
    const json_t *run_vars;
    uint64_t seed;                          /* ${uuid} and friends, per case */
    struct ecc_transport_options transport; /* timeout_ms is the per-request timeout */
    uint64_t case_timeout_ms;               /* 0: no per-case deadline */
    unsigned jobs;                          /* worker threads; 0 means 1 */
    struct ecc_backoff backoff;             /* DescribeTasks confirmation */
    /* EC2 instances started and registered in each cluster a case creates (capacity.h), taken away in
     * the case's cleanup; 0 (the default): none. At most ECC_CAPACITY_MAX_INSTANCES. */
    unsigned ec2_instances_per_cluster;
    /* Set (to 1, then 2) by a SIGINT handler (cancel.h's ecc_cancel_level_flag): 1 stops starting cases
     * and steps, cancels the requests in flight at once and runs the cleanup; 2 cancels the cleanup's
     * requests and abandons it. The report's stop is then ECC_RUN_STOP_INTERRUPTED. NULL: never. */
    volatile sig_atomic_t *interrupted;
    /* --fail-fast: after the first FAIL or XPASS no further case starts (those are SKIP); cases already
     * running finish. */
    bool fail_fast;
    /* --strict: a step with a strict choice (cases tagged `undocumented`, case.h) is held to the emulator's
     * exact status and error type instead of the plausible set its `status` and `error` accept. */
    bool strict;
    /* A line put first in every reproducer, as a shell comment (where to replay it); NULL: none. */
    const char *reproducer_hint;
    /* `--verbose`: called after every exchange (steps, confirmations, cleanup), under the runner's mutex,
     * with the request as sent (signed: render it with ecc_transport_format_curl, which hides secrets) and
     * the answer, or NULL and the transport's result when none came. May be NULL. */
    void (*on_exchange)(
        void *user_data,
        const struct ecc_case *c,
        const char *label,
        const struct ecc_http_request *request,
        const struct ecc_http_response *response,
        const struct ecc_transport_result *result);
    /* `ecsconf run --record`: every exchange with an answer is given to this recording set (borrowed;
     * thread-safe). Exchanges that are not ECS operations (control steps) are left out; a failure to
     * store one is a warning of its case. NULL: nothing is recorded. */
    struct ecc_recording *recording;
    /* Called once per case as it finishes (skips included), under the runner's mutex. May be NULL. */
    void (*on_case_done)(void *user_data, const struct ecc_case_report *item, size_t done, size_t total);
    /* Called as a case starts (under the mutex). May be NULL. */
    void (*on_case_start)(void *user_data, const struct ecc_case *c, size_t done, size_t total);
    void *user_data;
};

/*
 * The `"credentials": "unknown"` key: the shape of a real long-term access key id (AKIA + 16 base32
 * characters) that no account has, so an endpoint that checks keys answers UnrecognizedClientException.
 * The request is signed correctly with a made-up secret (not a secret: it signs nothing of value).
 */
#define ECC_RUNNER_UNKNOWN_ACCESS_KEY_ID     "AKIAECSCONFUNKNOWNKY"
#define ECC_RUNNER_UNKNOWN_SECRET_ACCESS_KEY "ecsconf-unknown-key/not-a-secret/0000000"

/* Defaults: 30 s per request, 10 min per case, 1 job, the default backoff; the rest zero. */
void ecc_runner_options_init(struct ecc_runner_options *options);

/*
 * Before the first case: one signed ListTasks of a cluster that does not exist (nothing is created),
 * with the run's transport options (TLS, timeout) and credentials. ECC_OK when the endpoint gave an AWS
 * JSON answer that accepts the credentials and region (a task list, ClusterNotFoundException, ...); in
 * shared-cluster mode a ListTasks of the shared cluster instead, which must succeed (ECC_ERR_IO otherwise).
 * Otherwise, with one clear line in `diag`: ECC_ERR_IO (no usable answer: connect, TLS with the hint to
 * --ca-bundle/--insecure, timeout, ...; or not an AWS JSON answer; or a 5xx), ECC_ERR_AUTH (the
 * credentials, the signature or the region refused), ECC_ERR_INVALID (options). An interrupt (the
 * `interrupted` flag) cancels it at once (ECC_ERR_IO).
 */
enum ecc_status
ecc_runner_preflight(const struct ecc_runner_options *options, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * Runs every item of `plan`, adding one result per item to `report` (initialized by the caller; sorted
 * by group and id at the end). Returns ECC_OK when the run happened (whatever the results);
 * ECC_ERR_INVALID / ECC_ERR_NOMEM / ECC_ERR_IO with `diag` when it could not start (bad endpoint URL,
 * no transport). A case that cannot reach the endpoint FAILs with the transport's message (never XFAIL,
 * unless its line expects that transport failure); after 3 such cases in a row the endpoint is probed
 * as by ecc_runner_preflight, and when the probe fails too the run stops: the report's stop is
 * ECC_RUN_STOP_ENDPOINT and the cases not started are SKIP (the circuit breaker). An interrupt sets
 * ECC_RUN_STOP_INTERRUPTED.
 */
enum ecc_status ecc_runner_run(
    const struct ecc_plan *plan,
    const struct ecc_runner_options *options,
    struct ecc_run_report *report,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* Is the URL's host a loopback address (127.0.0.0/8, ::1, localhost)? false for a URL libcurl rejects. */
bool ecc_runner_endpoint_is_loopback(const char *endpoint_url);

/* `ecc` + the run id as 8 lower-case hex digits: short, valid in cluster names and task families. The run id
 * is not the seed: a run repeated with the same --seed (order, generated values) gets fresh resource names,
 * so it does not collide with what the first run left on a persistent endpoint (--run-id reuses names). */
void ecc_runner_make_prefix(uint32_t run_id, char out[12]);

#endif

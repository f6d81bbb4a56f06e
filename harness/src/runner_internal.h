#ifndef ECC_RUNNER_INTERNAL_H
#define ECC_RUNNER_INTERNAL_H
/*
 * Private to the runner (runner.c, runner_start.c, runner_resources.c): the endpoint probe the preflight
 * and the circuit breaker share; the state of a run, of a worker and of one running case; and the steps
 * both halves of a case's run use (failing it, one exchange built, signed and sent).
 */
#include "ecc/case.h"
#include "ecc/credentials.h"
#include "ecc/plan.h"
#include "ecc/report.h"
#include "ecc/runner.h"
#include "ecc/sigv4.h"
#include "ecc/transport.h"
#include "ecc/vars.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

/*
 * One signed ListTasks of a cluster that does not exist (`<prefix>-preflight`) through `transport` and
 * `signer` (the caller's; `key_cache` may be NULL): ECC_OK when the endpoint answers in AWS JSON with
 * anything but a refusal of the credentials, the signature or the region; ECC_ERR_IO (no usable answer,
 * not AWS JSON, a 5xx), ECC_ERR_AUTH (refused) or ECC_ERR_NOMEM otherwise, with the reason in `diag`. In
 * shared-cluster mode it lists the shared cluster instead, and a 4xx answer other than a throttle is
 * ECC_ERR_IO (the cluster cannot be used).
 */
enum ecc_status ecc_runner_probe(
    const struct ecc_runner_options *options,
    struct ecc_transport *transport,
    struct ecc_sigv4_signer *signer,
    struct ecc_sigv4_key_cache *key_cache,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* ---- the state of a run, a worker and one running case ----------------------------------------- */

struct runner_shared {
    const struct ecc_plan *plan;
    const struct ecc_runner_options *options;
    struct ecc_run_report *report;
    struct ecc_sigv4_key_cache *key_cache;
    struct ecc_credentials unknown; /* `"credentials": "unknown"` */
    char host[300];
    pthread_mutex_t mutex;
    size_t next; /* next plan item to hand out (parallel phase) */
    size_t done; /* items finished */
    enum ecc_status status;
    size_t unreachable_in_a_row; /* cases whose verdict was a transport failure, in a row */
    bool probing;                /* a worker is probing the endpoint for the circuit breaker */
    atomic_bool tripped;         /* the endpoint stopped answering: run nothing more */
    atomic_bool failed_fast;     /* --fail-fast and a case failed: start nothing more */
};

struct runner_worker {
    struct runner_shared *shared;
    struct ecc_transport *transport;
    struct ecc_sigv4_signer *signer;
    /* The interrupt level that cancels this worker's requests in flight: 1 while steps run, 2 during the
     * cleanup (the first Ctrl-C lets the cleanup finish, the second abandons it). */
    atomic_int cancel_level;
};

/* What the verdict of a failed case depends on, from its first failure. */
struct runner_first_failure {
    const char *transport_error; /* a transport failure's name; NULL when an answer came */
    bool interrupted;            /* Ctrl-C (or the circuit breaker) cut the case short */
    int status;                  /* HTTP status of the failing step's answer; 0: none */
    char error_type[128];        /* its error type; "" when none */
};

/* One running case. */
struct runner_case_run {
    struct runner_worker *worker;
    const struct ecc_runner_options *options;
    const struct ecc_case *c;
    size_t ordinal; /* the case's position in the plan: its own ${prefix} in shared-cluster mode */
    struct ecc_vars vars;
    /* What the case created, for the runner's own cleanup (runner_track: {"body", "second"} items) */
    json_t *clusters;
    json_t *task_definitions;
    json_t *tasks;
    json_t *container_instances; /* registered by runner_capacity_provide: DeregisterContainerInstance bodies */
    json_t *ec2_instances;       /* started by runner_capacity_provide: {"ids": [...], "second": bool} */
    uint64_t deadline_ms;        /* 0: none */
    bool failed;
    struct runner_first_failure first;
    char reason[512];
    struct ecc_buf detail;
    struct ecc_buf warnings;
    char *reproducer;
};

struct runner_exchange {
    struct ecc_http_request request;
    struct ecc_http_response response;
    struct ecc_transport_result result;
    json_t *sent_body; /* the JSON body sent, when it was JSON (for tracking created resources) */
    json_t *body;      /* the answer parsed as JSON, or NULL */
};

/* ---- runner.c: failing a case, and one exchange -------------------------------------------------- */

bool runner_interrupted(const struct runner_case_run *run, int level);
/* Records a failure: the first one gives the one-line reason. */
void runner_fail(struct runner_case_run *run, const char *fmt, ...) ECC_PRINTF(2, 3);
void runner_warn(struct runner_case_run *run, const char *fmt, ...) ECC_PRINTF(2, 3);
void runner_exchange_init(struct runner_exchange *x);
void runner_exchange_clean_up(struct runner_exchange *x);
/* An AWS JSON 1.1 call with an inline body (JSON already expanded). */
enum ecc_status runner_build_call(
    const char *operation, const json_t *body, struct runner_exchange *x, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Signs for `service` (`ecs`, or `ec2` for the capacity calls); runner_sign signs for `ecs`. */
enum ecc_status runner_sign_for(
    struct runner_case_run *run,
    const struct ecc_step_sign *sign,
    bool control,
    const char *service,
    struct ecc_http_request *request,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
enum ecc_status runner_sign(
    struct runner_case_run *run,
    const struct ecc_step_sign *sign,
    bool control,
    struct ecc_http_request *request,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Sends; parses the answer as JSON when it is. false (and the failure recorded) on a transport error. */
bool runner_send(struct runner_case_run *run, const char *label, int64_t timeout_ms, struct runner_exchange *x);

/* ---- runner_resources.c: what a case creates, confirms and shares ------------------------------- */

/* Remembers what a successful call created, for the runner's own cleanup. */
void runner_track(struct runner_case_run *run, const struct ecc_step *step, const struct runner_exchange *x);
/* An internal call (DescribeTasks, cleanup): signed with the default credentials, or the second ones. */
bool runner_internal_call(
    struct runner_case_run *run,
    const char *label,
    const char *operation,
    json_t *body,
    bool second_credentials,
    struct runner_exchange *x);
/* On a profile with EC2 capacity, gives a cluster the case created its container instances. */
void runner_capacity_provide(struct runner_case_run *run, const struct ecc_step *step, const struct runner_exchange *x);
/* The cleanup's last part: terminates the EC2 instances runner_capacity_provide started. */
void runner_capacity_release(struct runner_case_run *run);
/* Confirms the tasks a step started with DescribeTasks and backoff; false (the case failed) otherwise. */
bool runner_confirm(struct runner_case_run *run, const struct ecc_step *step, const struct runner_exchange *sent);
/* The answer of the step that failed first, for the expected-failure check. */
void runner_note_failed_answer(struct runner_case_run *run, const struct runner_exchange *x);
/* Shared-cluster mode: a ListTasks answer of the shared cluster cut to the case's own tasks. */
bool runner_shared_list_filter(struct runner_case_run *run, const struct ecc_step *step, struct runner_exchange *x);

#endif

#ifndef ECC_REPLAY_H
#define ECC_REPLAY_H
/*
 * Floor 4: `ecsconf replay`, a recording set sent again to an endpoint and its answers compared with the
 * recorded ones by meaning (compare.h).
 *
 * Sessions. Recorded ids are `<prefix>-NNNN-<operation>` (recording.h); the exchanges of one prefix are
 * one session, replayed in their order with one comparison context, so an id answered in one exchange
 * (a task ARN) is what the next request names. A fixture whose id has no such form is a session of its
 * own.
 *
 * Resources. Every cluster name and task-definition family a session's requests name (`clusterName`,
 * `cluster`, `family`, `taskDefinition`, also inside ARNs) is replaced by `<run prefix>-<name>` in
 * every string of every request and expected answer (compare.h's name rule), so a replay never meets
 * what an earlier one left on a persistent endpoint. The cluster `default` keeps its name. A session
 * that uses a cluster or family without creating it first gets it before its first exchange (setup,
 * not compared): CreateCluster, and RegisterTaskDefinition (one container, busybox) as many times as
 * the named revision needs; except a cluster the recording answered ClusterNotFoundException for, and
 * a family it answered ClientException for: the recording says they did not exist. After the session,
 * what it started or created and did not remove itself is removed (StopTask, DeregisterTaskDefinition,
 * DeleteCluster); a failure there is a warning of the session's last exchange.
 *
 * clientToken: each recorded token is replaced by a fresh one for the run (a UUID for a UUID; otherwise
 * the first 8 characters become the run id's hex digits, so the length and the character class stay),
 * the same fresh token wherever the recording had the same token.
 *
 * Verdicts, one per exchange (a `struct ecc_case_report`, group = the session):
 *  - PASS: no difference;
 *  - FAIL: a difference no known-difference line accepts, or no answer at all (a transport failure is
 *    never accepted: a known difference is a difference in an answer);
 *  - XFAIL: every difference is accepted by a known-difference line (reason: the lines' reasons);
 *  - after the run, a known-difference line whose id pattern matched a replayed exchange but that
 *    accepted no difference is stale: one FAIL item `known/<file>:<line>`, so a list cannot hide that a
 *    difference went away.
 *
 * Known differences file (`--known FILE`): one line each, `#` comments and blank lines ignored:
 *     <fixture id glob> <kind>[@<JSON pointer glob>] <reason>
 * `kind` is a compare kind name (status, error-type, body-kind, missing, extra, type, length, value,
 * shape, relation) or `*`; the pointer glob (fnmatch, `*` crosses `/`) defaults to any pointer.
 *
 * --update: each replayed exchange with an answer is written again into the set, under the same id,
 * through recording.h (redaction and secret scan included), the run's names turned back into the
 * recorded ones.
 */
#include "ecc/common.h"
#include "ecc/compare.h"
#include "ecc/credentials.h"
#include "ecc/fixture.h"
#include "ecc/recording.h"
#include "ecc/report.h"
#include "ecc/transport.h"

#include <signal.h>

/* Most known-difference lines in one file. */
#define ECC_REPLAY_MAX_KNOWN 256

/* The known-difference lines of one file. Owner: the caller (new / destroy). */
struct ecc_replay_known;

/* Reads and checks a known-difference file. NULL with file:line and the reason in `diag`. */
struct ecc_replay_known *ecc_replay_known_load(const char *file, struct ecc_diag *diag);
void ecc_replay_known_destroy(struct ecc_replay_known *known);

struct ecc_replay_options {
    const char *endpoint_url;                  /* required: "http(s)://host[:port]" */
    const char *region;                        /* required */
    const struct ecc_credentials *credentials; /* required; borrowed */
    const char *prefix;                        /* required: the run prefix (ecc_runner_make_prefix) */
    uint64_t seed;                             /* fresh clientTokens */
    struct ecc_transport_options transport;
    const struct ecc_replay_known *known; /* NULL: every difference fails */
    /* Pacing: between two exchanges of a session, the gap between their recorded Date headers (whole
     * seconds), at most this long; 0: no waiting. A task moves on with time (PENDING, then RUNNING): a
     * replay faster than the recording would see an earlier state. */
    uint64_t max_wait_ms;
    struct ecc_recording *update;       /* --update: where fresh exchanges are written; NULL: nowhere */
    volatile sig_atomic_t *interrupted; /* Ctrl-C (cancel.h): stops between exchanges; NULL: never */
    /* Called after each exchange's verdict (and for stale known lines), in order. May be NULL. */
    void (*on_item)(void *user_data, const struct ecc_case_report *item, size_t done, size_t total);
    void *user_data;
};

/*
 * Replays every fixture of `set` (in id order, sessions as above) and adds one item per exchange to
 * `report` (initialized by the caller). ECC_OK when the replay ran, whatever the verdicts;
 * ECC_ERR_INVALID / ECC_ERR_NOMEM with `diag` when it could not start. An interrupt sets the report's
 * stop (ECC_RUN_STOP_INTERRUPTED); the exchanges not replayed are not listed.
 */
enum ecc_status ecc_replay_run(
    const struct ecc_fixture_set *set,
    const struct ecc_replay_options *options,
    struct ecc_run_report *report,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* The session of a fixture id: the id without its `-NNNN-<operation>` tail (the id itself when it has
 * none), written into `out`. */
void ecc_replay_session_of(const char *id, char *out, size_t size);

/*
 * Drafts one case per session into `out_dir` (created when missing), `<session>.json`, sending nothing:
 * one `call` step per exchange, the recorded names written as `${prefix}-<name>`, ids answered earlier
 * and named later taken with captures, and expectations from the recorded answer (status, error type,
 * each member: ARNs by kind, UUIDs by shape, timestamps by type, other values equal). A draft loads
 * with `ecsconf run --suite` unchanged; review it before adding it to the suite. `*written` counts the
 * files. An existing file is not overwritten (ECC_ERR_INVALID).
 */
enum ecc_status
ecc_replay_draft_cases(const struct ecc_fixture_set *set, const char *out_dir, size_t *written, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

#endif

#ifndef ECC_WIREFUZZ_H
#define ECC_WIREFUZZ_H
/*
 * Floor 4: fuzzing an ECS endpoint over the wire (`ecsconf fuzz`). Each of `jobs` lanes runs stateful
 * sequences one after the other: CreateCluster and RegisterTaskDefinition under the run prefix, then
 * fuzzed requests against them (structure-aware RunTask requests from ecc/fuzz_request_builder.h and
 * the RunTask fixtures, JSON and body mutations, protocol mutations, signature mutations), then
 * DescribeTasks, StopTask of every task it started, DeregisterTaskDefinition, DeleteCluster and a
 * health request. Valid requests are signed afresh; a signature mutation breaks one part after (or
 * instead of) signing.
 *
 * Every answer is checked by named rules (the table in wirefuzz.c, listed by ecc_wirefuzz_rules):
 * AWS JSON with a type of the error table (errors.h), no 5xx, no empty body, no transport failure,
 * never a 2xx to a request that the codec cannot read or that validate.c rejects, or that has a broken
 * signature or protocol envelope, a 2xx RunTask answer that parses and matches the request, and a
 * health request answered after every sequence.
 *
 * With `attacks`, connection-level attacks run first, each for `attack_ms` on raw sockets (they are the
 * attack, not an HTTP client): slow headers (slowloris), a slow body, a connection flood, pipelined
 * requests, Content-Length with Transfer-Encoding, an oversized header line, HTTP/1.0, idle keep-alive
 * connections. Their oracle: a signed health request (ListTasks) through the transport is answered 200
 * AWS JSON within the request deadline during every attack (attack.availability) and again within
 * `attack_recovery_ms` once its sockets are closed (attack.recovery: an endpoint may still be draining
 * what the attack queued, so a probe without an answer is repeated until then; a wrong answer is a
 * finding at once), and the pipelined and HTTP/1.0 requests get their AWS JSON answers (attack.answer).
 *
 * A stateless endpoint (`stateless`: a mock that creates nothing) gets no setup or cleanup steps, and
 * its health answers count when they are AWS JSON below 500; `extra_error_types` adds a mock's own
 * diagnostic to the error table; `skip_rules` leaves rules unjudged (a re-signing proxy passes broken
 * signatures on by design).
 *
 * Findings are deduplicated by (rule, status, error type, mutation class); the first request of each
 * class is minimized (members of its JSON body removed while the same class still answers) and kept
 * as a curl reproducer without secrets (transport.h's renderer).
 *
 * Reproducible: the requests of sequence n depend only on (seed, n), not on timing or on which lane
 * runs it. Bounded: `max_requests` and/or `duration_ms`, per-request deadlines from `transport`, a cap
 * on finding classes and on the requests spent minimizing.
 *
 * Threads: one call drives every lane from the calling thread through the transport's curl multi.
 */
#include "ecc/common.h"
#include "ecc/credentials.h"
#include "ecc/fixture.h"
#include "ecc/report.h"
#include "ecc/transport.h"

#include <signal.h>

/* At most this many distinct finding classes are kept; later classes are counted, not stored. */
#define ECC_WIREFUZZ_MAX_CLASSES 256

struct ecc_wirefuzz_options {
    const char *endpoint_url;                  /* required: "http(s)://host[:port]" */
    const char *region;                        /* required */
    const struct ecc_credentials *credentials; /* required; borrowed */
    const char *prefix;                        /* required: clusters and families are <prefix>-s<n> */
    uint64_t seed;
    uint64_t max_requests;    /* fuzzed requests (setup, cleanup and health not counted); 0: no count limit */
    uint64_t duration_ms;     /* 0: no time limit; at least one of the two limits is required */
    unsigned jobs;            /* lanes, i.e. requests in flight; 0 means 1 */
    unsigned sequence_steps;  /* fuzzed requests per sequence; 0 means 32 */
    unsigned minimize_budget; /* requests spent minimizing one new class; 0 means 48 */
    struct ecc_transport_options transport; /* timeout_ms is the per-request deadline */
    const struct ecc_fixture_set *fixtures; /* RunTask fixtures used as seeds; NULL: none */
    /* Connection-level attacks before the fuzzing (plain HTTP only; see ecc_wirefuzz_run). */
    bool attacks;
    unsigned attack_ms;          /* length of each attack; 0 means 2000 */
    unsigned attack_connections; /* sockets of the flood, slowloris and idle attacks; 0 means 300 */
    /* Time the endpoint has, once an attack's sockets are closed, to answer the health request again
     * (attack.recovery): a probe without an answer is repeated until then. 0 means the request deadline
     * or 10 s, whichever is longer. */
    unsigned attack_recovery_ms;
    /*
     * A stateless endpoint (a mock such as `ecsconf serve`, which plays recorded answers and creates
     * nothing): no setup or cleanup steps, only fuzzed requests and the health request, which counts
     * as answered with any AWS JSON answer below 500 that breaks no rule (there is no health cluster).
     */
    bool stateless;
    /* Error types the endpoint may answer besides the error table's (a mock's own diagnostic); borrowed. */
    const char *const *extra_error_types;
    size_t extra_error_type_count;
    /* Rules not judged (names of ecc_wirefuzz_rules; an unknown one is ECC_ERR_INVALID): their findings
     * are not kept and the report lists them as SKIP. Borrowed. */
    const char *const *skip_rules;
    size_t skip_rule_count;
    /* Set by a SIGINT handler: lanes stop fuzzing, finish their cleanup and the run ends. */
    volatile sig_atomic_t *interrupted;
};

/* Defaults: 1 job, 32 steps, a 10 s request deadline, 5 s to connect; no limit (the caller sets one). */
void ecc_wirefuzz_options_init(struct ecc_wirefuzz_options *options);

/* One rule, for --help and reports. */
struct ecc_wirefuzz_rule {
    const char *name; /* "reject.signature" */
    const char *summary;
};
const struct ecc_wirefuzz_rule *ecc_wirefuzz_rules(size_t *count);
/* The index of the rule named `name` in ecc_wirefuzz_rules, or -1 when no rule has that name. */
int ecc_wirefuzz_rule_index(const char *name);

/* One finding class. Every string is owned by the result; none holds a secret. */
struct ecc_wirefuzz_finding {
    char *rule;        /* a name of ecc_wirefuzz_rules */
    int status;        /* HTTP status; 0 when there was no answer */
    char *error_type;  /* the answer's sanitized error type, protocol error or transport error name; "" none */
    char *mutation;    /* mutation class of the request ("sig.scope-region", "model", ...) */
    char *operation;   /* the operation the request named */
    uint64_t hits;     /* requests that fell in this class */
    uint64_t sequence; /* where it was first found: sequence number and step within it */
    unsigned step;
    char *message;               /* one line: what was wrong (endpoint text sanitized) */
    char *detail;                /* validation rules the request broke, minimization, ...; may be "" */
    char *reproducer;            /* curl command line of the minimized request */
    size_t body_bytes;           /* body of the first request found */
    size_t minimized_body_bytes; /* body of the reproducer */
};

struct ecc_wirefuzz_result {
    uint64_t fuzz_requests;  /* fuzzed requests answered or failed */
    uint64_t other_requests; /* setup, cleanup, health and minimization requests */
    uint64_t sequences;      /* sequences finished */
    uint64_t answers_2xx, answers_4xx, answers_5xx, answers_other, transport_failures;
    uint64_t elapsed_us;
    uint64_t findings_total;   /* requests with a finding, in any class */
    uint64_t classes_dropped;  /* classes past ECC_WIREFUZZ_MAX_CLASSES */
    uint64_t cleanup_failures; /* cleanup requests not answered 2xx (resources may be left) */
    unsigned attacks_run;      /* connection-level attacks carried out (0 without `attacks`) */
    uint64_t skipped_rules;    /* bit i: rule i of ecc_wirefuzz_rules was not judged (skip_rules) */
    struct ecc_wirefuzz_finding *findings;
    size_t count;
    size_t capacity;
    bool unusable; /* the preflight health request failed: nothing was fuzzed */
    char unusable_reason[512];
    bool interrupted;
};

void ecc_wirefuzz_result_init(struct ecc_wirefuzz_result *result);
void ecc_wirefuzz_result_clean_up(struct ecc_wirefuzz_result *result);

/*
 * Runs the fuzzer. Returns ECC_OK when the run happened, whatever it found (result->unusable tells
 * that the endpoint did not answer the preflight health request); ECC_ERR_INVALID / ECC_ERR_NOMEM with
 * `diag` when it could not start (bad options or URL, no transport). `result` must be initialized.
 */
enum ecc_status
ecc_wirefuzz_run(const struct ecc_wirefuzz_options *options, struct ecc_wirefuzz_result *result, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/*
 * The result as a run report (report.h writes its JUnit and JSON): one FAIL per finding class
 * (`<rule> <status> <type> <mutation>`, with the reproducer) and one PASS per rule without a finding.
 * The attack rules are SKIPped when no attack ran. `report` must be initialized by the caller.
 */
enum ecc_status
ecc_wirefuzz_to_report(const struct ecc_wirefuzz_result *result, struct ecc_run_report *report) ECC_WARN_UNUSED_RESULT;

#endif

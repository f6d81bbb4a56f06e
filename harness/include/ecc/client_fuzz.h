#ifndef ECC_CLIENT_FUZZ_H
#define ECC_CLIENT_FUZZ_H
/*
 * Floor 4: `ecsconf client --fuzz N [--seed S]`: hostile answers made from a client case's own answers
 * (its recorded fixtures and inline answers), played to a client under test through the same mock and
 * adapter run as the case itself (mock.h).
 *
 * Each fuzzed answer is one answer of the case with one mutation: the body truncated, a value of the
 * wrong type, a huge or deeply nested value, an unknown member, odd Unicode in a string, the status
 * changed with the body kept, or a bad header. The answer is written as a client case of its own (the
 * case's parameters, the answer three times, so every attempt of a client that retries meets it) and
 * run as any case: what was played is exactly what the reproducer file holds.
 *
 * The oracle: the adapter ends before its deadline with its JSON line (no hang, no crash, no garbage,
 * exit 0), and when ecsconf's own response codec (codec_response.h, the one reading of an answer)
 * does not read the answer as a success (a protocol error or an error answer), the client must not
 * report `ok: true`. What a client's requests look like is the plain suite's business, not the fuzzer's.
 *
 * Findings are keyed by (rule, mutation, what the codec found), deduplicated across the run: each key
 * has one reproducer, `<dir>/<key>.json`, the occurrence first in (case id, iteration) order (so the
 * files do not depend on which thread met what first), a client case that `ecsconf serve --case` and
 * `ecsconf client` play as it was played. A mutation depends only on the run's seed, the case id and
 * the iteration (ecc_client_fuzz_seed), so `--only` or `--jobs` do not change what a case gets.
 *
 * Threads: ecc_client_fuzz_case_run may run on several threads at once with one findings registry
 * (it has its own mutex).
 */
#include "ecc/common.h"
#include "ecc/mock.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>

/* How many times the fuzzed answer is offered: one per attempt of an adapter (three in all). */
#define ECC_CLIENT_FUZZ_ATTEMPTS 3u

enum ecc_client_fuzz_mutation {
    ECC_CLIENT_FUZZ_TRUNCATE = 0,
    ECC_CLIENT_FUZZ_WRONG_TYPE,
    ECC_CLIENT_FUZZ_HUGE_VALUE,
    ECC_CLIENT_FUZZ_DEEP_VALUE,
    ECC_CLIENT_FUZZ_UNKNOWN_MEMBER,
    ECC_CLIENT_FUZZ_ODD_UNICODE,
    ECC_CLIENT_FUZZ_WRONG_STATUS,
    ECC_CLIENT_FUZZ_BAD_HEADER,
    ECC_CLIENT_FUZZ_MUTATION_COUNT,
};

/* "truncate", "wrong-type", ...; NULL out of range. */
const char *ecc_client_fuzz_mutation_name(enum ecc_client_fuzz_mutation mutation);

/* One fuzzed answer. Owner: whoever called init, who calls clean_up. */
struct ecc_client_fuzz_answer {
    enum ecc_client_fuzz_mutation mutation;
    size_t base;         /* index of the case's answer it was made from */
    char what[300];      /* the mutation in words: "/tasks/0/cpu: a string became an array" */
    int status;          /* HTTP status */
    json_t *headers;     /* owned object: name -> string */
    struct ecc_buf body; /* UTF-8 without NUL bytes (the reproducer is a JSON file) */
    bool must_fail;      /* the codec does not read the answer as a success */
    char codec[320];     /* what the codec read: "success", "error ServerException", "protocol error shape: ..." */
    char codec_key[48];  /* the short form of that, for finding keys: "success", "error", "shape" */
};

void ecc_client_fuzz_answer_init(struct ecc_client_fuzz_answer *answer);
void ecc_client_fuzz_answer_clean_up(struct ecc_client_fuzz_answer *answer);

/* The seed of iteration `iteration` (0-based) of case `case_id` in a run seeded with `run_seed`. */
uint64_t ecc_client_fuzz_seed(uint64_t run_seed, const char *case_id, unsigned iteration);

/*
 * Makes the answer of `seed` from one of the case's answers (a hang or a reset has none to mutate):
 * `answer` initialized and empty. ECC_ERR_NOT_FOUND when the case has no answer with a status;
 * ECC_ERR_NOMEM. Deterministic: the same case and seed give the same bytes.
 */
enum ecc_status ecc_client_fuzz_mutate(
    const struct ecc_client_case *c, uint64_t seed, struct ecc_client_fuzz_answer *answer) ECC_WARN_UNUSED_RESULT;

/*
 * The client case that plays `answer` (a new reference in *out): id `id`, the parameters of `c` written
 * out (ecc_client_case_params with `region`), the answer ECC_CLIENT_FUZZ_ATTEMPTS times, 1 to that many
 * requests expected and, when the answer must fail, `/ok` false. `title` and `description` say where it
 * came from.
 */
enum ecc_status ecc_client_fuzz_case_document(
    const struct ecc_client_case *c,
    const char *region,
    const struct ecc_client_fuzz_answer *answer,
    const char *id,
    const char *title,
    json_t **out,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* The distinct findings of a run. Owner: the caller (init / clean_up). */
struct ecc_client_fuzz_finding {
    char *key;        /* "<rule>-<mutation>-<codec key>", also the reproducer's id */
    char *file;       /* the reproducer case file */
    char *first_case; /* the case and iteration of the reproducer: the first in that order */
    unsigned first_iteration;
    uint64_t first_seed; /* that iteration's own seed */
    char *detail;        /* the first occurrence in words */
    unsigned count;      /* how often it was seen */
};

struct ecc_client_fuzz_findings {
    char *dir; /* where reproducers go (created when the first finding comes) */
    struct ecc_client_fuzz_finding *items;
    size_t count;
    size_t capacity;
    pthread_mutex_t mutex;
};

/* `dir` is copied. ECC_ERR_NOMEM. */
enum ecc_status
ecc_client_fuzz_findings_init(struct ecc_client_fuzz_findings *findings, const char *dir) ECC_WARN_UNUSED_RESULT;
void ecc_client_fuzz_findings_clean_up(struct ecc_client_fuzz_findings *findings);
/* Sorts the findings by key (their order is the order threads met them). */
void ecc_client_fuzz_findings_sort(struct ecc_client_fuzz_findings *findings);

struct ecc_client_fuzz_options {
    unsigned count;                            /* fuzzed answers per case */
    uint64_t seed;                             /* the run's seed */
    struct ecc_client_fuzz_findings *findings; /* required */
    volatile sig_atomic_t *interrupted;        /* from 1 on, no further iteration starts; may be NULL */
};

/*
 * Plays `options->count` fuzzed answers of `c` to the adapter of `run`, into `result` (initialized and
 * empty): FAIL with one reason per finding ("<key>: ..., reproducer <file>"), SKIP when the client could
 * express none of them or the case has nothing to mutate, else PASS. `result->requests` counts every
 * request. Returns as ecc_client_case_run (ECC_ERR_IO when the mock or the adapter could not be started,
 * or a reproducer could not be written, with `diag`).
 */
enum ecc_status ecc_client_fuzz_case_run(
    const struct ecc_client_case *c,
    const struct ecc_client_run_options *run,
    const struct ecc_client_fuzz_options *options,
    struct ecc_client_case_result *result,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

#endif

#ifndef ECC_EMULATOR_H
#define ECC_EMULATOR_H
/*
 * Floor 4: the embedded reference emulator, a strict in-memory ECS endpoint that implements RunTask as
 * documented (../shared/model/RUNTASK.md; choices made where AWS is silent are in docs/EMULATOR.md).
 *
 * The emulator is an `ecc_http_handler_fn`: `ecc_emulator_handle` turns one request into one response
 * with no socket, so tests and the fuzz target call it directly and the server glue (server.h) calls it
 * from its worker threads. It is thread-safe: every call may come from any thread at the same time.
 *
 * Ownership: `ecc_emulator_new` copies everything it is given (options, keys); the caller keeps its
 * own copies. `ecc_emulator_destroy` frees all state and wipes the secrets it holds.
 */
#include "ecc/common.h"
#include "ecc/http.h"

/*
 * The documented default test key pair (see docs/EMULATOR.md and the runner's `emulator` profile), so
 * the README's command needs no set-up. These are test values, not secrets: they only open this
 * emulator. The second key belongs to an account that the control endpoint can mark blocked.
 */
#define ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID     "AKIDECSCONFEXAMPLE"
#define ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY "ecsconf/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define ECC_EMULATOR_DEFAULT_ACCOUNT           "000000000000"
#define ECC_EMULATOR_BLOCKED_ACCESS_KEY_ID     "AKIDECSCONFBLOCKED"
#define ECC_EMULATOR_BLOCKED_ACCOUNT           "111111111111"
#define ECC_EMULATOR_DEFAULT_REGION            "us-east-1"
/* The control endpoint: exists only when `control_enabled`; no signature needed. */
#define ECC_EMULATOR_CONTROL_PATH "/__ecsconf/control"

/* Epoch milliseconds; the injectable clock. */
typedef int64_t(ecc_emulator_clock_fn)(void *user_data);

/* One access key the emulator accepts. */
struct ecc_emulator_key {
    const char *access_key_id;
    const char *secret_access_key;
    const char *account;       /* 12 digits */
    const char *session_token; /* NULL: none; else every request with this key must carry it */
};

struct ecc_emulator_options {
    const char *region; /* the one region this endpoint serves; NULL: us-east-1 */
    /* No signature verification: every request counts as the first key's. Loudly documented. */
    bool no_auth;
    /* Serve POST /__ecsconf/control (fault injection, clock, capacity, ...). */
    bool control_enabled;
    /* NULL/0: the two built-in keys above. */
    const struct ecc_emulator_key *keys;
    size_t key_count;
    /* NULL: CLOCK_REALTIME. `advance_clock` adds an offset on top of whichever clock is used. */
    ecc_emulator_clock_fn *clock_fn;
    void *clock_user_data;
    /* Seed of the task-id generator: the same seed gives the same ARNs in the same order. */
    uint64_t seed;
    /* Caps (0: the default shown in ecc_emulator_options_init). */
    size_t max_tasks;
    size_t max_clusters;
    size_t max_task_definitions;
    size_t max_client_tokens;
    size_t max_body_bytes;
    /* How long a STOPPED task stays visible to DescribeTasks/ListTasks (AWS: at least one hour). */
    int64_t stopped_task_ttl_ms;
    /* Longest delay an injected fault may ask for. */
    int64_t max_delay_ms;
    /* ECC_EMULATOR_DEFECT_* bits: wrong on purpose, so a test can show that the suite catches it. 0 (the
     * default) for every real use. */
    unsigned defects;
};

/*
 * Defects an emulator can be started with (`ecsconf emulate --defect NAME`): each breaks one documented
 * rule, and the cases that test it must then fail (ctest `conformance.defect.*`).
 */
enum ecc_emulator_defect {
    /* clientToken is read and validated, but never looked up or recorded: a retry starts new tasks. */
    ECC_EMULATOR_DEFECT_IGNORE_CLIENT_TOKEN = 1u << 0,
    /* A known clientToken is answered (replay or ConflictException) before the caller is authorized. */
    ECC_EMULATOR_DEFECT_REPLAY_BEFORE_AUTHORIZATION = 1u << 1,
};

/* The defect of that name (`ignore-client-token`, `replay-before-authorization`), 0 when unknown. */
unsigned ecc_emulator_defect_find(const char *name);
/* The name of the defect `index` (0, 1, ...), NULL past the last: for --help. */
const char *ecc_emulator_defect_name(size_t index);

/* Fills the defaults (documented in docs/EMULATOR.md). */
void ecc_emulator_options_init(struct ecc_emulator_options *options);

struct ecc_emulator;

/* `options` NULL: the defaults. NULL when out of memory or an option is invalid (a key without account). */
struct ecc_emulator *ecc_emulator_new(const struct ecc_emulator_options *options);
void ecc_emulator_destroy(struct ecc_emulator *emu);

/*
 * The request handler (an `ecc_http_handler_fn`; `user_data` is the `struct ecc_emulator *`). Always
 * produces a well-formed AWS JSON answer: 200 with the operation's output, or a 4xx error with
 * `__type`; the only 5xx is an injected ServerException (or similar injected fault).
 */
void ecc_emulator_handle(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response);

/*
 * Applies one control action (the body of POST /__ecsconf/control, see docs/EMULATOR.md), whether or
 * not the endpoint is enabled: tests and `--config` use it. ECC_ERR_INVALID with the reason in `diag`.
 */
enum ecc_status ecc_emulator_control(struct ecc_emulator *emu, const char *json, size_t len, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/* Applies a config file: a JSON array of control actions, in order (`ecsconf emulate --config`). */
enum ecc_status
ecc_emulator_load_config(struct ecc_emulator *emu, const char *path, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* The emulator's current time (the clock plus any `advance_clock`), epoch milliseconds. */
int64_t ecc_emulator_now_ms(struct ecc_emulator *emu);

/*
 * The emulator on a loopback port in-process (what `ecsconf run` with no endpoint and the benchmarks
 * use): an emulator plus the server glue (server.h) calling ecc_emulator_handle from its thread pool.
 * Either options pointer may be NULL (defaults; the server: 127.0.0.1, a free port, 4 threads, the
 * emulator's body cap).
 * Returns NULL with the reason in `diag`. Free with ecc_emulator_server_destroy (graceful stop first).
 */
struct ecc_server_options;
struct ecc_emulator_server;
struct ecc_emulator_server *ecc_emulator_server_start(
    const struct ecc_emulator_options *options, const struct ecc_server_options *server_options, struct ecc_diag *diag);
/* "http://127.0.0.1:PORT"; lives as long as the server. */
const char *ecc_emulator_server_url(const struct ecc_emulator_server *server);
uint16_t ecc_emulator_server_port(const struct ecc_emulator_server *server);
/* The emulator behind it (for ecc_emulator_control, stats); owned by the server. */
struct ecc_emulator *ecc_emulator_server_emulator(struct ecc_emulator_server *server);
/* Stops serving (waiting up to `grace_ms` for requests in flight); true when nothing was cut off. */
bool ecc_emulator_server_stop(struct ecc_emulator_server *server, unsigned grace_ms);
void ecc_emulator_server_destroy(struct ecc_emulator_server *server);

struct ecc_emulator_stats {
    size_t tasks;
    size_t clusters;
    size_t task_definitions;
    size_t client_tokens;
};
void ecc_emulator_get_stats(struct ecc_emulator *emu, struct ecc_emulator_stats *stats);

#endif

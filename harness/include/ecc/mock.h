#ifndef ECC_MOCK_H
#define ECC_MOCK_H
/*
 * Floor 4: client mode. The mock ECS endpoint that plays recorded exchanges to a client under test,
 * and checks every request that client sends (issue 7; conformance/README.md, "Client-direction
 * cases").
 *
 * The mock holds an ordered list of exchanges: the request it expects (method, path, X-Amz-Target and
 * a RunTask body) and the answer it plays. An incoming request is answered by the first exchange not
 * yet played whose request matches: method, path and target exactly, the body by meaning (both parsed
 * into the RunTask model, so member order, spacing and `null` members do not count), and the
 * clientToken by rule rather than by value when the client must generate it. Repeated identical
 * requests (retries) so take the exchanges in order. A request that matches none gets an AWS JSON
 * error (`EcsconfNoMatchingExchange`, 400) and a logged diff against the nearest exchange.
 *
 * Every request is also checked, and each failed check is recorded as "<check>: <what was wrong>":
 * `POST /` with no query, Content-Type application/x-amz-json-1.1, the exact X-Amz-Target, Host (equal
 * to the endpoint's when it is set), X-Amz-Date, Content-Length equal to the body's length, a valid SigV4
 * signature for the configured key with scope <region>/ecs (sigv4.h's verifier; a request that fails it
 * is answered with the verifier's AWS error, as the service would), host and x-amz-date among the signed
 * headers, a body that is a JSON object of model members of the right types only (codec_request.h's
 * strict parse), and the clientToken rules: a UUIDv4 when the case gives none, the given one unchanged
 * otherwise; the same token on every request of one call (retries); a different generated token on
 * each new call (ecc_mock_finish checks those two across requests).
 *
 * An exchange may carry a transport fault (http.h): the handler sets it on the answer and the server
 * glue plays it (a hang, a reset, an answer cut short, a drip, an oversized body), so a client case can
 * check the client's timeouts and retries; the request is checked and recorded as any other.
 *
 * Threads: the handler may be called from several server threads at once (one mutex guards the
 * state). Options, exchanges and `begin_call` are set up before serving; records are read after the
 * server stopped.
 */
#include "ecc/common.h"
#include "ecc/fixture.h"
#include "ecc/http.h"
#include "ecc/model.h"

#include <jansson.h>

/* The error type the mock answers when no exchange matches (not an AWS type, on purpose). */
#define ECC_MOCK_NO_MATCH_ERROR "EcsconfNoMatchingExchange"

struct ecc_mock_options {
    const char *region;            /* required: scope region the signature must name */
    const char *access_key_id;     /* required */
    const char *secret_access_key; /* required; copied and wiped on destroy */
    /* Optional sink for one line per request and the no-match diffs (never a secret). */
    void (*log_fn)(void *log_user_data, const char *line);
    void *log_user_data;
};

/* One exchange to play. Everything is borrowed for the call to ecc_mock_add_exchange, which copies. */
struct ecc_mock_exchange {
    const char *label;          /* for logs and diffs: the fixture id */
    const char *method;         /* NULL: "POST" */
    const char *path;           /* NULL: "/" */
    const char *target;         /* expected X-Amz-Target; NULL: "...RunTask" */
    const json_t *request_body; /* expected RunTask body (an object); NULL: `{}` */
    int status;
    const json_t *response_headers; /* object name -> string; may be NULL */
    const json_t *response_body;    /* JSON body, or NULL */
    const char *response_body_text; /* raw body, used when response_body is NULL; may be NULL */
    /* A transport fault played with (or instead of) this answer (http.h); ECC_HTTP_FAULT_NONE for none.
     * `fault_ms` and `fault_bytes` as in struct ecc_http_response. */
    enum ecc_http_fault fault;
    unsigned fault_ms;
    uint64_t fault_bytes;
};

struct ecc_mock;

/* NULL with the reason in `diag`. Free with ecc_mock_destroy. */
struct ecc_mock *ecc_mock_new(const struct ecc_mock_options *options, struct ecc_diag *diag);
void ecc_mock_destroy(struct ecc_mock *mock);

/* Appends an exchange (copied). ECC_ERR_INVALID when its request body is not a RunTask body, ECC_ERR_LIMIT
 * past 100,000 exchanges. */
enum ecc_status ecc_mock_add_exchange(
    struct ecc_mock *mock, const struct ecc_mock_exchange *exchange, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Host the requests must name ("127.0.0.1:PORT"), once the server is bound; NULL checks presence only. */
enum ecc_status ecc_mock_set_host(struct ecc_mock *mock, const char *host) ECC_WARN_UNUSED_RESULT;
/*
 * The clientToken every request must carry unchanged; NULL (the default) means the client must
 * generate a UUIDv4 itself.
 */
enum ecc_status ecc_mock_set_expected_token(struct ecc_mock *mock, const char *token) ECC_WARN_UNUSED_RESULT;
/* Requests from now on belong to a new call of the client (a new call must get a new token). */
void ecc_mock_begin_call(struct ecc_mock *mock);

/* The handler to give ecc_server_new (user_data: the mock). */
void ecc_mock_handle(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response);

/* What the mock saw of one request. Owned by the mock. */
struct ecc_mock_record {
    unsigned call;                   /* 0-based call index (ecc_mock_begin_call) */
    int exchange;                    /* index of the exchange that answered; -1 when none matched */
    char target[160];                /* X-Amz-Target as sent ("" when absent) */
    char *client_token;              /* as sent; NULL when absent or the body was unreadable */
    int answered_status;             /* the status the mock answered with (0: a fault sent none) */
    enum ecc_http_fault fault;       /* the fault played on this request, if any */
    struct ecc_string_list problems; /* "<check>: <text>", in check order */
};

/* Records in arrival order. The pointer lives until the next request or ecc_mock_destroy. */
size_t ecc_mock_record_count(const struct ecc_mock *mock);
const struct ecc_mock_record *ecc_mock_record_get(const struct ecc_mock *mock, size_t index);
/* Exchanges played so far. */
size_t ecc_mock_played_count(const struct ecc_mock *mock);

/*
 * The checks across requests, after the client is done: per request "request N: <problem>" for each
 * recorded problem, then the token rules between requests (same token within a call, new generated
 * token for each call). Appends to `problems` (initialized by the caller, who cleans it up). The count
 * of exchanges played is the caller's to compare (the case knows how many requests it expects).
 */
enum ecc_status ecc_mock_finish(struct ecc_mock *mock, struct ecc_string_list *problems) ECC_WARN_UNUSED_RESULT;

/* Is `text` a UUID of version 4 and RFC 4122 variant (8-4-4-4-12 hex digits, either case)? */
bool ecc_mock_is_uuid4(const char *text);

/*
 * Fuzz entry point for the request matcher and checker: `data` is a request in the suite's text form
 * (sigv4.h, ecc_sigv4_parse_request_text); it is handed to a mock holding one error (500
 * ServerException) and one success exchange, both answering AWS JSON, twice (a retry), then the
 * cross-request checks run. The request is signed with the mock's key at the current time (a Host
 * header added when missing), so the matcher behind the signature check is reached, unless `data`
 * starts with '~' (then it is handed over exactly as written after the '~'). `on_answer` (may be NULL)
 * sees each request and answer, both borrowed for the call. Never crashes, never leaks; returns 0.
 */
typedef void(ecc_mock_fuzz_answer_fn)(
    void *user_data, const struct ecc_http_request *request, const struct ecc_http_response *response);
int ecc_mock_fuzz_one(const uint8_t *data, size_t len, ecc_mock_fuzz_answer_fn *on_answer, void *user_data);

/* ------------------------------------------------------------------------------------------------ */
/* Client-direction cases (client-cases/<id>.json) and running them against an adapter         */

/* One answer the mock plays for a client case. Borrowed from the case document or its fixture. */
struct ecc_client_case_response {
    const struct ecc_fixture *fixture; /* when the answer is a fixture's response; else NULL */
    int status;
    const json_t *headers;     /* object or NULL */
    const json_t *body;        /* or NULL */
    const char *body_text;     /* or NULL */
    enum ecc_http_fault fault; /* played with (or, for hang and reset, instead of) the answer */
    unsigned fault_ms;         /* hang: the longest hold (0: until the client closes); drip: the spread */
    uint64_t fault_bytes;      /* oversize: the whole body's size */
    char label[128];
};

struct ecc_client_case {
    json_t *root; /* owned; everything borrowed below lives in it */
    char *file;   /* owned */
    const char *id;
    const char *title;
    const json_t *tags;             /* array or NULL */
    const struct ecc_fixture *from; /* the request's fixture, or NULL */
    const json_t *merge;            /* merge patch on the fixture body, or NULL */
    const json_t *params;           /* inline parameters (instead of `from`), or NULL */
    unsigned calls;                 /* how many times the adapter is run; default 1 */
    struct ecc_client_case_response *responses;
    size_t response_count;
    unsigned expect_requests;     /* fewest requests the client must send in all; default response_count */
    unsigned expect_requests_max; /* most; equal to expect_requests unless a range was given */
    const json_t *expect_result;  /* object pointer -> matcher over each call's adapter line */
};

/* Parses one client case; `fixtures` resolves fixture ids. `*out` is released with ecc_client_case_destroy. */
enum ecc_status ecc_client_case_load_bytes(
    const uint8_t *bytes,
    size_t len,
    const char *source,
    const struct ecc_fixture_set *fixtures,
    struct ecc_client_case **out,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_client_case_load_file(
    const char *file, const struct ecc_fixture_set *fixtures, struct ecc_client_case **out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
void ecc_client_case_destroy(struct ecc_client_case *c);

/*
 * The RunTask parameters the adapter gets: the fixture body with `merge` applied (or `params`), with
 * the fixed client-mode variables expanded (`${cluster}` and `${family}` are "ecsconf-client",
 * `${region}` the run's, the run variables their placeholders of case.h). `*out` is a new reference.
 */
enum ecc_status ecc_client_case_params(
    const struct ecc_client_case *c, const char *region, json_t **out, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * Loads the mock with the case: one exchange per response, each expecting the case's parameters, and
 * the token rule (the given clientToken, or generated). `region` expands variables. A `hang` answer
 * without its own `ms` holds the connection until the client closes it or `hang_ms` pass (0: the
 * server's own bound); a client run gives a bound past the adapter's deadline, so a client that never
 * gives up is caught hanging, not rescued by the mock.
 */
enum ecc_status ecc_client_case_setup_mock(
    const struct ecc_client_case *c, const char *region, unsigned hang_ms, struct ecc_mock *mock, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/*
 * The `requests` check: appends "requests: the client sent N requests, the case expects M (why)" to
 * `problems` when `received` is outside the case's expectation. ECC_ERR_NOMEM is all it can fail with.
 */
enum ecc_status ecc_client_case_check_requests(
    const struct ecc_client_case *c, size_t received, struct ecc_string_list *problems) ECC_WARN_UNUSED_RESULT;

/* How an adapter is run. Strings borrowed. */
struct ecc_client_run_options {
    const char *adapter;           /* shell command line (run with /bin/sh -c) */
    const char *region;            /* default ECC_MOCK_DEFAULT_REGION */
    const char *access_key_id;     /* default ECC_MOCK_DEFAULT_ACCESS_KEY_ID */
    const char *secret_access_key; /* default ECC_MOCK_DEFAULT_SECRET_ACCESS_KEY */
    unsigned adapter_timeout_ms;   /* per adapter run; 0 means 30000 */
    /* The per-attempt deadline the adapter gives its client (ECSCONF_ATTEMPT_TIMEOUT_MS): how long a
     * client waits on a hung answer before it retries; 0 means 5000. */
    unsigned attempt_timeout_ms;
    const char *work_dir; /* where the parameters file is written; NULL: $TMPDIR or /tmp */
    void (*log_fn)(void *log_user_data, const char *line);
    void *log_user_data;
};

enum ecc_client_verdict { ECC_CLIENT_CASE_PASS = 0, ECC_CLIENT_CASE_FAIL, ECC_CLIENT_CASE_SKIP };

/* How an adapter run broke the contract (the first such run of a case), whatever the case expects. */
enum ecc_client_adapter_failure {
    ECC_CLIENT_ADAPTER_OK = 0,
    ECC_CLIENT_ADAPTER_HUNG,    /* no answer within the adapter deadline: killed */
    ECC_CLIENT_ADAPTER_CRASHED, /* ended by a signal */
    ECC_CLIENT_ADAPTER_GARBAGE, /* its last line is not the JSON answer line */
    ECC_CLIENT_ADAPTER_EXIT,    /* printed its line, then exited with a status other than 0 */
};

/* "ok", "adapter-hung", "adapter-crashed", "adapter-garbage", "adapter-exit". */
const char *ecc_client_adapter_failure_name(enum ecc_client_adapter_failure failure);

/* Outcome of one case. Owner: the caller (init / clean_up). */
struct ecc_client_case_result {
    enum ecc_client_verdict verdict;
    struct ecc_string_list reasons; /* why it failed or was skipped; empty on PASS */
    unsigned requests;              /* requests the mock received */
    json_t *outputs;                /* array of the adapter's JSON lines (one per call), or NULL */
    enum ecc_client_adapter_failure adapter_failure;
};

void ecc_client_case_result_init(struct ecc_client_case_result *result);
void ecc_client_case_result_clean_up(struct ecc_client_case_result *result);

/*
 * Runs one case: starts the mock on a loopback port, writes the parameters to a file, runs the adapter
 * `calls` times with ECSCONF_ENDPOINT, ECSCONF_PARAMS, AWS_REGION, AWS_DEFAULT_REGION,
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN unset) in its environment, then
 * compares what the mock saw and what the adapter printed with the case. Returns ECC_OK when the case
 * ran (whatever the verdict); ECC_ERR_IO and friends when the mock or the adapter could not be started.
 */
enum ecc_status ecc_client_case_run(
    const struct ecc_client_case *c,
    const struct ecc_client_run_options *options,
    struct ecc_client_case_result *result,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* The key client mode gives the adapters when none is configured: a public test key, not a secret. */
#define ECC_MOCK_DEFAULT_REGION            "us-east-1"
#define ECC_MOCK_DEFAULT_ACCESS_KEY_ID     "AKIDECSCONFCLIENT"
#define ECC_MOCK_DEFAULT_SECRET_ACCESS_KEY "ecsconf/client/mode/test/secret/key/0000"

/* The exit status by which an adapter says "this client cannot express this case". */
#define ECC_ADAPTER_EXIT_CANNOT_EXPRESS 89

#endif

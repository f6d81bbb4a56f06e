#ifndef ECC_CLIENT_H
#define ECC_CLIENT_H
/*
 * Floor 3: the project's own C RunTask client: serialize (codec_request.h) -> sign (sigv4.h) -> send
 * (transport.h) -> parse (codec_response.h), one call at a time or a batch through the transport's
 * curl multi interface.
 *
 * Retries: an answer whose error row (errors.h) is retryable or throttling, any other 5xx, and a
 * connection that failed, reset, timed out or was cut short are retried up to `max_attempts` in all,
 * after a "full jitter" backoff (a random wait in [0, min(backoff_max_ms, backoff_base_ms * 2^n)]).
 * Every attempt of one call carries the same clientToken: the caller's, or a fresh UUIDv4 the client
 * fills in when the caller gave none (the model marks clientToken as an idempotency token), so a retry
 * cannot start the tasks twice.
 *
 * `fault` breaks the client on purpose. It exists only so the client-mode suite (mock.h) can prove
 * that its checks catch each of these mistakes; never set it outside tests.
 *
 * Asynchronous calls (RunTaskAsync with a CancellationToken): ecc_client_call_start starts a call,
 * ecc_client_call_wait drives it for a while (0: one look, a poll; negative: until it ends), and
 * ecc_client_call_finish hands over its result and frees it. A cancellation token cancels it at any
 * point: before the first attempt is sent, while an attempt is on the wire (the transport ends it within
 * 100 ms) or while it backs off between attempts (seen within 20 ms); the result then says
 * ECC_CLIENT_CANCELLED, how far the call got (`cancelled_stage`), its attempts and its clientToken, which
 * a retry of the same operation must carry again (set it as the request's client_token). Finishing a call
 * that has not ended cancels it first. The synchronous ecc_client_run_task is start + wait + finish, and
 * the batch drives several calls through the same loop.
 *
 * Threads: a client owns one transport and one signer and is used by one thread at a time, which also
 * drives its calls; one asynchronous call at a time per client. A token may be cancelled from any thread
 * (or a signal handler: it is one atomic store).
 */
#include "ecc/codec_response.h"
#include "ecc/common.h"
#include "ecc/credentials.h"
#include "ecc/model.h"
#include "ecc/model_response.h"
#include "ecc/transport.h"

#include <stdatomic.h>

enum ecc_client_fault {
    ECC_CLIENT_FAULT_NONE = 0,
    ECC_CLIENT_FAULT_WRONG_TARGET,         /* X-Amz-Target names another operation */
    ECC_CLIENT_FAULT_DROP_TOKEN_ON_RETRY,  /* retries go out without clientToken */
    ECC_CLIENT_FAULT_NEW_TOKEN_ON_RETRY,   /* each attempt gets a fresh clientToken */
    ECC_CLIENT_FAULT_WRONG_SIGNING_REGION, /* signs for another region than the endpoint's */
    ECC_CLIENT_FAULT_SWALLOW_ERRORS,       /* reports an error answer as a success with no tasks */
    ECC_CLIENT_FAULT_FIXED_TOKEN,          /* fills in the same token on every call instead of a UUIDv4 */
    /* a retry after no answer (timeout, reset, answer cut short) gets a fresh clientToken */
    ECC_CLIENT_FAULT_NEW_TOKEN_AFTER_TRANSPORT_ERROR,
    ECC_CLIENT_FAULT_NO_TRANSPORT_RETRY, /* gives up at the first timeout, reset or cut answer */
    ECC_CLIENT_FAULT_ACCEPT_MALFORMED,   /* reports a 2xx it cannot read as a success with no tasks */
};

/* "none", "wrong-target", ...; NULL for a value out of range. */
const char *ecc_client_fault_name(enum ecc_client_fault fault);
/* By that name; false when unknown. */
bool ecc_client_fault_parse(const char *name, enum ecc_client_fault *out);

/* Zero-initialize (or ecc_client_options_init), then set what differs. Strings are copied by new. */
struct ecc_client_options {
    const char *endpoint_url;                  /* required: "http(s)://host[:port]" */
    const char *region;                        /* required: the signing region */
    const struct ecc_credentials *credentials; /* required; copied */
    long connect_timeout_ms;                   /* 0: the transport's default */
    long timeout_ms;                           /* per attempt; 0: the transport's default */
    unsigned max_attempts;                     /* attempts in all, first included; 0 means 3 */
    unsigned backoff_base_ms;                  /* 0 means 100 */
    unsigned backoff_max_ms;                   /* 0 means 20000 */
    bool insecure;                             /* TLS verification off (test endpoints only) */
    enum ecc_client_fault fault;               /* tests only */
};

void ecc_client_options_init(struct ecc_client_options *options);

enum ecc_client_outcome {
    ECC_CLIENT_SUCCESS = 0,
    ECC_CLIENT_SERVICE_ERROR,   /* an awsJson1_1 error answer (known or unknown type): `error` */
    ECC_CLIENT_PROTOCOL_ERROR,  /* an answer that is not well-formed awsJson1_1: `protocol_error`, `diag` */
    ECC_CLIENT_TRANSPORT_ERROR, /* no answer: `transport_error`, `diag` */
    ECC_CLIENT_REQUEST_ERROR,   /* the request could not be built or signed: `diag` */
    ECC_CLIENT_CANCELLED,       /* cancelled through its token (or finished before it ended): `cancelled_stage` */
};

const char *ecc_client_outcome_name(enum ecc_client_outcome outcome);

/* How far a call has got. */
enum ecc_client_stage {
    ECC_CLIENT_STAGE_NOT_SENT = 0, /* no attempt sent yet: the service has seen nothing */
    ECC_CLIENT_STAGE_IN_FLIGHT,    /* an attempt is on the wire: the service may act on it */
    ECC_CLIENT_STAGE_BACKING_OFF,  /* an attempt was answered (or failed) and a retry is due later */
    ECC_CLIENT_STAGE_DONE,
};

/* "not-sent", "in-flight", "backing-off", "done". */
const char *ecc_client_stage_name(enum ecc_client_stage stage);

/*
 * The result of one call (after its retries). Owner: whoever called ecc_client_result_init, who calls
 * ecc_client_result_clean_up.
 */
struct ecc_client_result {
    enum ecc_client_outcome outcome;
    struct ecc_run_task_response response; /* SUCCESS */
    struct ecc_error_result error;         /* SERVICE_ERROR (error.info NULL for an unknown type) */
    enum ecc_protocol_error protocol_error;
    enum ecc_transport_error transport_error;
    int http_status; /* of the last answer; 0 when none */
    unsigned attempts;
    char client_token[65];                 /* the call's token: the caller's, or the one generated for it */
    enum ecc_client_stage cancelled_stage; /* CANCELLED: the stage the call was in */
    struct ecc_diag diag;
};

void ecc_client_result_init(struct ecc_client_result *result);
void ecc_client_result_clean_up(struct ecc_client_result *result);

struct ecc_client;

/* NULL with the reason in `diag` on bad options or allocation failure. Free with ecc_client_destroy. */
struct ecc_client *ecc_client_new(const struct ecc_client_options *options, struct ecc_diag *diag);
/* Wipes the copied credentials. NULL is allowed. */
void ecc_client_destroy(struct ecc_client *client);

/* A cancellation token. Owner: the caller, who keeps it alive while calls use it; init before use. */
struct ecc_client_cancel_token {
    atomic_bool cancelled;
};

void ecc_client_cancel_token_init(struct ecc_client_cancel_token *token);
/* Asks every call using the token to stop. Any thread; async-signal-safe. */
void ecc_client_cancel(struct ecc_client_cancel_token *token);
/* Has the token been cancelled? false for NULL. */
bool ecc_client_cancel_requested(struct ecc_client_cancel_token *token);

struct ecc_client_call;

/*
 * Starts a RunTask call (nothing is sent until the first wait). `request` is borrowed for the call to
 * start (copied); `token` (may be NULL) is borrowed until the call is finished. NULL with the reason in
 * `diag` when memory ran out or the client already has a call in progress.
 */
struct ecc_client_call *ecc_client_call_start(
    struct ecc_client *client,
    const struct ecc_run_task_request *request,
    struct ecc_client_cancel_token *token,
    struct ecc_diag *diag);

/*
 * Drives the call for at most `wait_ms` (0: one look at the transfers without waiting; negative: until
 * it ends). ECC_OK when the call has ended (whatever its outcome, cancelled included), ECC_ERR_TIMEOUT
 * when it is still going, ECC_ERR_NOMEM.
 */
enum ecc_status ecc_client_call_wait(struct ecc_client_call *call, int wait_ms) ECC_WARN_UNUSED_RESULT;

enum ecc_client_stage ecc_client_call_stage(const struct ecc_client_call *call);

/*
 * Frees the call and everything it holds. A call that has not ended is cancelled first (an attempt on the
 * wire is abandoned within 100 ms). Its result is moved into `result` (initialized and empty; the caller
 * cleans it up), or dropped when `result` is NULL. NULL `call` is allowed.
 */
void ecc_client_call_finish(struct ecc_client_call *call, struct ecc_client_result *result);

/*
 * One RunTask call, synchronous (start, wait without limit, finish). `request` is borrowed and not changed (a filled-in
 * token goes into a copy). `result` must be initialized and empty. Returns ECC_OK whenever the call was made, whatever
 * the outcome; ECC_ERR_NOMEM when memory ran out.
 */
enum ecc_status ecc_client_run_task(
    struct ecc_client *client,
    const struct ecc_run_task_request *request,
    struct ecc_client_result *result) ECC_WARN_UNUSED_RESULT;

/*
 * `count` calls at once through the transport's multi interface (each with its own token, retries
 * and backoff). `results[i]` (initialized and empty) receives the outcome of `requests[i]`.
 */
enum ecc_status ecc_client_run_task_batch(
    struct ecc_client *client,
    const struct ecc_run_task_request *requests,
    size_t count,
    struct ecc_client_result *results) ECC_WARN_UNUSED_RESULT;

/* A random (version 4, RFC 4122 variant) UUID in lower case from the OpenSSL generator, into out[37].
 * false when the generator failed. */
bool ecc_client_uuid4(char out[37]);

#endif

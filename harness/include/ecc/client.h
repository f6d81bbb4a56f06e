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
 * Threads: a client owns one transport and one signer and is used by one thread at a time.
 */
#include "ecc/codec_response.h"
#include "ecc/common.h"
#include "ecc/credentials.h"
#include "ecc/model.h"
#include "ecc/model_response.h"
#include "ecc/transport.h"

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
};

const char *ecc_client_outcome_name(enum ecc_client_outcome outcome);

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
    char client_token[65]; /* the token the first attempt carried ("" when none) */
    struct ecc_diag diag;
};

void ecc_client_result_init(struct ecc_client_result *result);
void ecc_client_result_clean_up(struct ecc_client_result *result);

struct ecc_client;

/* NULL with the reason in `diag` on bad options or allocation failure. Free with ecc_client_destroy. */
struct ecc_client *ecc_client_new(const struct ecc_client_options *options, struct ecc_diag *diag);
/* Wipes the copied credentials. NULL is allowed. */
void ecc_client_destroy(struct ecc_client *client);

/*
 * One RunTask call. `request` is borrowed and not changed (a filled-in token goes into a copy).
 * `result` must be initialized and empty. Returns ECC_OK whenever the call was made, whatever the
 * outcome; ECC_ERR_NOMEM when memory ran out.
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

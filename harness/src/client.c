/*
 * The project's own C RunTask client (client.h): calls, one or several at once, each attempt serialized,
 * signed afresh and sent through the transport's curl multi handle, answers parsed by the response codec;
 * one loop drives them (the synchronous call is the asynchronous one with a wait), so a cancellation
 * token can stop a call before it is sent, on the wire or between attempts. It exists so the client-mode
 * suite has a client whose every behaviour is known (retries with full-jitter backoff, one clientToken
 * for all attempts of a call), and so each deliberate `fault` can prove that a check of the suite catches
 * that mistake.
 */
#include "ecc/client.h"

#include "ecc/codec_request.h"
#include "ecc/errors.h"
#include "ecc/sigv4.h"

#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DEFAULT_MAX_ATTEMPTS    3u
#define S_DEFAULT_BACKOFF_BASE_MS 100u
#define S_DEFAULT_BACKOFF_MAX_MS  20000u
/* What the wrong-target fault sends: a real ECS operation, so only the target check can tell. */
#define S_WRONG_TARGET ECC_AWS_JSON_TARGET_PREFIX ".StartTask"
/* How often a call backing off between attempts looks at its cancellation token. */
#define S_CANCEL_SLICE_MS 20

static const char *const s_fault_names[] = {
    "none",
    "wrong-target",
    "drop-token-on-retry",
    "new-token-on-retry",
    "wrong-signing-region",
    "swallow-errors",
    "fixed-token",
    "new-token-after-transport-error",
    "no-transport-retry",
    "accept-malformed",
};

const char *ecc_client_fault_name(enum ecc_client_fault fault) {
    return (size_t)fault < ECC_ARRAY_LEN(s_fault_names) ? s_fault_names[fault] : NULL;
}

bool ecc_client_fault_parse(const char *name, enum ecc_client_fault *out) {
    long index = ecc_name_index(s_fault_names, ECC_ARRAY_LEN(s_fault_names), name);
    if (index < 0) {
        return false;
    }
    *out = (enum ecc_client_fault)index;
    return true;
}

const char *ecc_client_outcome_name(enum ecc_client_outcome outcome) {
    switch (outcome) {
    case ECC_CLIENT_SUCCESS:
        return "success";
    case ECC_CLIENT_SERVICE_ERROR:
        return "service-error";
    case ECC_CLIENT_PROTOCOL_ERROR:
        return "protocol-error";
    case ECC_CLIENT_TRANSPORT_ERROR:
        return "transport-error";
    case ECC_CLIENT_REQUEST_ERROR:
        return "request-error";
    case ECC_CLIENT_CANCELLED:
        return "cancelled";
    }
    return "unknown";
}

const char *ecc_client_stage_name(enum ecc_client_stage stage) {
    switch (stage) {
    case ECC_CLIENT_STAGE_NOT_SENT:
        return "not-sent";
    case ECC_CLIENT_STAGE_IN_FLIGHT:
        return "in-flight";
    case ECC_CLIENT_STAGE_BACKING_OFF:
        return "backing-off";
    case ECC_CLIENT_STAGE_DONE:
        return "done";
    }
    return "unknown";
}

void ecc_client_cancel_token_init(struct ecc_client_cancel_token *token) {
    atomic_init(&token->cancelled, false);
}

void ecc_client_cancel(struct ecc_client_cancel_token *token) {
    atomic_store(&token->cancelled, true);
}

bool ecc_client_cancel_requested(struct ecc_client_cancel_token *token) {
    return token != NULL && atomic_load(&token->cancelled);
}

void ecc_client_options_init(struct ecc_client_options *options) {
    memset(options, 0, sizeof(*options));
}

void ecc_client_result_init(struct ecc_client_result *result) {
    memset(result, 0, sizeof(*result));
    ecc_run_task_response_init(&result->response);
    ecc_error_result_init(&result->error);
    ecc_diag_clear(&result->diag);
}

void ecc_client_result_clean_up(struct ecc_client_result *result) {
    ecc_run_task_response_clean_up(&result->response);
    ecc_error_result_clean_up(&result->error);
}

/* Forgets the outcome of an earlier attempt, keeping the attempt count and the token. */
static void s_result_reset_outcome(struct ecc_client_result *result) {
    unsigned attempts = result->attempts;
    char token[sizeof(result->client_token)];
    memcpy(token, result->client_token, sizeof(token));
    ecc_client_result_clean_up(result);
    ecc_client_result_init(result);
    result->attempts = attempts;
    memcpy(result->client_token, token, sizeof(token));
}

bool ecc_client_uuid4(char out[37]) {
    uint8_t bytes[16];
    if (RAND_bytes(bytes, (int)sizeof(bytes)) != 1) {
        return false;
    }
    ecc_uuid4_format(bytes, out);
    return true;
}

struct ecc_client {
    char *endpoint_url;
    char *region;
    char host[256];
    struct ecc_credentials credentials;
    unsigned max_attempts;
    unsigned backoff_base_ms;
    unsigned backoff_max_ms;
    enum ecc_client_fault fault;
    struct ecc_transport *transport;
    struct ecc_sigv4_signer *signer;
    struct ecc_sigv4_key_cache *key_cache;
    char fixed_token[37]; /* the fixed-token fault's one token */
    bool call_active;     /* an asynchronous call holds the transport */
};

struct ecc_client *ecc_client_new(const struct ecc_client_options *options, struct ecc_diag *diag) {
    if (options == NULL || options->endpoint_url == NULL || options->region == NULL || options->region[0] == '\0' ||
        options->credentials == NULL) {
        ecc_diag_set(diag, "client options need an endpoint URL, a region and credentials");
        return NULL;
    }
    struct ecc_client *client = calloc(1, sizeof(*client));
    if (client == NULL) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    ecc_credentials_init(&client->credentials);
    if (ecc_transport_endpoint_host(options->endpoint_url, client->host, sizeof(client->host), diag) != ECC_OK) {
        goto on_error;
    }
    if (ecc_credentials_set(
            &client->credentials,
            options->credentials->access_key_id,
            options->credentials->secret_access_key,
            options->credentials->session_token,
            diag) != ECC_OK) {
        goto on_error;
    }
    client->endpoint_url = ecc_strdup(options->endpoint_url);
    client->region = ecc_strdup(options->region);
    client->signer = ecc_sigv4_signer_new();
    client->key_cache = ecc_sigv4_key_cache_new(4);
    if (client->endpoint_url == NULL || client->region == NULL || client->signer == NULL || client->key_cache == NULL) {
        ecc_diag_set(diag, "out of memory");
        goto on_error;
    }
    client->max_attempts = options->max_attempts != 0 ? options->max_attempts : S_DEFAULT_MAX_ATTEMPTS;
    client->backoff_base_ms = options->backoff_base_ms != 0 ? options->backoff_base_ms : S_DEFAULT_BACKOFF_BASE_MS;
    client->backoff_max_ms = options->backoff_max_ms != 0 ? options->backoff_max_ms : S_DEFAULT_BACKOFF_MAX_MS;
    client->fault = options->fault;
    if (ecc_client_fault_name(client->fault) == NULL) {
        ecc_diag_set(diag, "unknown client fault %d", (int)options->fault);
        goto on_error;
    }
    if (client->fault == ECC_CLIENT_FAULT_FIXED_TOKEN) {
        memcpy(client->fixed_token, "00000000-0000-4000-8000-000000000000", sizeof(client->fixed_token));
    }

    struct ecc_transport_options transport_options;
    ecc_transport_options_init(&transport_options);
    if (options->connect_timeout_ms > 0) {
        transport_options.connect_timeout_ms = options->connect_timeout_ms;
    }
    if (options->timeout_ms > 0) {
        transport_options.timeout_ms = options->timeout_ms;
    }
    transport_options.insecure = options->insecure;
    client->transport = ecc_transport_new(&transport_options, diag);
    if (client->transport == NULL) {
        goto on_error;
    }
    return client;

on_error:
    ecc_client_destroy(client);
    return NULL;
}

void ecc_client_destroy(struct ecc_client *client) {
    if (client == NULL) {
        return;
    }
    ecc_transport_destroy(client->transport);
    ecc_sigv4_signer_destroy(client->signer);
    ecc_sigv4_key_cache_destroy(client->key_cache);
    ecc_credentials_clean_up(&client->credentials);
    free(client->endpoint_url);
    free(client->region);
    free(client);
}

/* One call: its own copy of the request (the token goes there), its stage, its due time when it waits
 * for a retry. */
struct s_call {
    struct ecc_run_task_request request;
    char token[65];
    bool caller_token;
    struct ecc_client_result *result;
    uint64_t due_ms;
    enum ecc_client_stage stage;
};

/* Calls driven together through the client's transport, and what may cancel them. */
struct s_drive {
    struct ecc_client *client;
    struct s_call *calls;
    size_t count;
    struct ecc_client_cancel_token *token; /* the caller's; may be NULL */
    atomic_bool abandon;                   /* the call is being freed: cancel whatever is left */
};

/* Full jitter: uniform in [0, min(max, base * 2^retry)]. */
static uint64_t s_backoff_ms(const struct ecc_client *client, unsigned retry) {
    uint64_t cap = client->backoff_base_ms;
    for (unsigned i = 0; i < retry && cap < client->backoff_max_ms; i++) {
        cap *= 2u;
    }
    if (cap > client->backoff_max_ms) {
        cap = client->backoff_max_ms;
    }
    uint32_t random = 0;
    if (RAND_bytes((unsigned char *)&random, (int)sizeof(random)) != 1) {
        return cap;
    }
    return (uint64_t)random % (cap + 1u);
}

static enum ecc_status s_call_init(
    struct ecc_client *client,
    struct s_call *call,
    const struct ecc_run_task_request *request,
    struct ecc_client_result *result) {
    memset(call, 0, sizeof(*call));
    ecc_run_task_request_init(&call->request);
    call->result = result;
    call->stage = ECC_CLIENT_STAGE_NOT_SENT;
    if (ecc_run_task_request_copy(&call->request, request) != ECC_OK) {
        return ECC_ERR_NOMEM;
    }
    if (request->client_token != NULL) {
        call->caller_token = true;
    } else if (client->fault == ECC_CLIENT_FAULT_FIXED_TOKEN) {
        memcpy(call->token, client->fixed_token, sizeof(client->fixed_token));
    } else if (!ecc_client_uuid4(call->token)) {
        return ECC_ERR_INTERNAL;
    }
    if (!call->caller_token) {
        call->request.client_token = ecc_strdup(call->token);
        if (call->request.client_token == NULL) {
            return ECC_ERR_NOMEM;
        }
    }
    /* Known from the start, so even a call cancelled before sending names the token its retry carries. */
    snprintf(result->client_token, sizeof(result->client_token), "%s", call->request.client_token);
    return ECC_OK;
}

static void s_call_clean_up(struct s_call *call) {
    ecc_run_task_request_clean_up(&call->request);
}

/* The token of this attempt, after the faults that break the retry rule. */
static enum ecc_status s_apply_retry_faults(struct ecc_client *client, struct s_call *call) {
    if (call->result->attempts == 0 || call->caller_token) {
        return ECC_OK;
    }
    bool after_transport_error = call->result->outcome == ECC_CLIENT_TRANSPORT_ERROR;
    if (client->fault == ECC_CLIENT_FAULT_DROP_TOKEN_ON_RETRY) {
        free(call->request.client_token);
        call->request.client_token = NULL;
    } else if (
        client->fault == ECC_CLIENT_FAULT_NEW_TOKEN_ON_RETRY ||
        (client->fault == ECC_CLIENT_FAULT_NEW_TOKEN_AFTER_TRANSPORT_ERROR && after_transport_error)) {
        char token[37];
        if (!ecc_client_uuid4(token)) {
            return ECC_ERR_INTERNAL;
        }
        free(call->request.client_token);
        call->request.client_token = ecc_strdup(token);
        if (call->request.client_token == NULL) {
            return ECC_ERR_NOMEM;
        }
    }
    return ECC_OK;
}

/* Serializes and signs the next attempt of `call` into `http` (initialized by the caller). */
static enum ecc_status
s_build_attempt(struct ecc_client *client, struct s_call *call, struct ecc_http_request *http, struct ecc_diag *diag) {
    enum ecc_status status = s_apply_retry_faults(client, call);
    if (status != ECC_OK) {
        ecc_diag_set(diag, "cannot generate a clientToken");
        return status;
    }
    status = ecc_codec_serialize_run_task_request(&call->request, NULL, http, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (client->fault == ECC_CLIENT_FAULT_WRONG_TARGET) {
        status = ecc_http_headers_set(&http->headers, "X-Amz-Target", S_WRONG_TARGET);
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_http_headers_set(&http->headers, "Host", client->host);
    if (status != ECC_OK) {
        return status;
    }
    const char *region = client->region;
    if (client->fault == ECC_CLIENT_FAULT_WRONG_SIGNING_REGION) {
        region = strcmp(client->region, "us-west-2") == 0 ? "eu-west-1" : "us-west-2";
    }
    struct ecc_sigv4_sign_options sign = {
        .credentials = &client->credentials,
        .region = region,
        .service = "ecs",
        .key_cache = client->key_cache,
    };
    return ecc_sigv4_signer_sign(client->signer, http, &sign, diag);
}

static bool s_transport_retryable(enum ecc_transport_error error) {
    return error == ECC_TRANSPORT_ERR_CONNECT || error == ECC_TRANSPORT_ERR_RESET ||
           error == ECC_TRANSPORT_ERR_TIMEOUT || error == ECC_TRANSPORT_ERR_TRUNCATED;
}

/*
 * Turns one attempt's answer into the call's result; returns true when the call should be retried.
 * `response` is NULL when the transport failed.
 */
static bool s_handle_answer(
    struct ecc_client *client,
    struct s_call *call,
    const struct ecc_transport_result *transport,
    const struct ecc_http_response *response) {
    struct ecc_client_result *result = call->result;
    s_result_reset_outcome(result);
    bool retryable = false;
    if (transport->error != ECC_TRANSPORT_OK) {
        result->outcome = ECC_CLIENT_TRANSPORT_ERROR;
        result->transport_error = transport->error;
        ecc_diag_set(&result->diag, "%s", transport->message);
        retryable = s_transport_retryable(transport->error) && client->fault != ECC_CLIENT_FAULT_NO_TRANSPORT_RETRY;
    } else {
        struct ecc_response_outcome outcome;
        ecc_response_outcome_init(&outcome);
        result->http_status = response->status;
        if (ecc_codec_parse_run_task_response(response, NULL, &outcome, &result->response) != ECC_OK) {
            result->outcome = ECC_CLIENT_REQUEST_ERROR;
            ecc_diag_set(&result->diag, "out of memory while parsing the answer");
            ecc_response_outcome_clean_up(&outcome);
            return false;
        }
        switch (outcome.kind) {
        case ECC_RESPONSE_SUCCESS:
            result->outcome = ECC_CLIENT_SUCCESS;
            break;
        case ECC_RESPONSE_ERROR:
        case ECC_RESPONSE_UNKNOWN_ERROR:
            result->outcome = ECC_CLIENT_SERVICE_ERROR;
            /* Take the parsed error over whole: the outcome is cleaned up right below. */
            result->error = outcome.error;
            ecc_error_result_init(&outcome.error);
            if (result->error.info != NULL && (result->error.info->retryable || result->error.info->throttling)) {
                retryable = true;
            }
            ecc_diag_set(
                &result->diag,
                "%s: %s",
                result->error.type_name != NULL ? result->error.type_name : "?",
                result->error.message != NULL ? result->error.message : "(no message)");
            break;
        case ECC_RESPONSE_PROTOCOL_ERROR:
            result->outcome = ECC_CLIENT_PROTOCOL_ERROR;
            result->protocol_error = outcome.protocol_error;
            result->diag = outcome.diag;
            break;
        }
        if (response->status >= 500 && outcome.kind != ECC_RESPONSE_SUCCESS) {
            retryable = true;
        }
        ecc_response_outcome_clean_up(&outcome);
    }
    if (client->fault == ECC_CLIENT_FAULT_ACCEPT_MALFORMED && result->outcome == ECC_CLIENT_PROTOCOL_ERROR &&
        result->http_status / 100 == 2) {
        s_result_reset_outcome(result);
        result->outcome = ECC_CLIENT_SUCCESS;
        return false;
    }
    if (client->fault == ECC_CLIENT_FAULT_SWALLOW_ERRORS && result->outcome == ECC_CLIENT_SERVICE_ERROR) {
        s_result_reset_outcome(result);
        result->outcome = ECC_CLIENT_SUCCESS;
        return false;
    }
    return retryable && result->attempts < client->max_attempts;
}

static void s_fail_request(struct s_call *call, enum ecc_status status, const struct ecc_diag *diag) {
    s_result_reset_outcome(call->result);
    call->result->outcome = ECC_CLIENT_REQUEST_ERROR;
    call->result->diag = *diag;
    if (call->result->diag.text[0] == '\0') {
        ecc_diag_set(&call->result->diag, "cannot build the request: %s", ecc_status_name(status));
    }
    call->stage = ECC_CLIENT_STAGE_DONE;
}

/* Ends `call` as cancelled at its present stage, keeping the token, the attempts and the last status. */
static void s_cancel_call(struct s_call *call) {
    struct ecc_client_result *result = call->result;
    char before[sizeof(result->diag.text)];
    snprintf(before, sizeof(before), "%s", result->diag.text);
    int http_status = result->http_status;
    s_result_reset_outcome(result);
    result->outcome = ECC_CLIENT_CANCELLED;
    result->cancelled_stage = call->stage;
    result->http_status = http_status;
    switch (call->stage) {
    case ECC_CLIENT_STAGE_NOT_SENT:
        ecc_diag_set(&result->diag, "cancelled before the first attempt was sent");
        break;
    case ECC_CLIENT_STAGE_IN_FLIGHT:
        ecc_diag_set(
            &result->diag,
            "cancelled while attempt %u was in flight: the service may have acted on it; retry with clientToken %s",
            result->attempts,
            result->client_token);
        break;
    default:
        ecc_diag_set(
            &result->diag,
            "cancelled while backing off after attempt %u (%.200s); retry with clientToken %s",
            result->attempts,
            before,
            result->client_token);
        break;
    }
    call->stage = ECC_CLIENT_STAGE_DONE;
}

/* Builds the call's next attempt and hands it to the transport (which copies what it needs). */
static enum ecc_status s_submit_attempt(struct ecc_client *client, struct s_call *call, struct ecc_diag *diag) {
    struct ecc_http_request http;
    ecc_http_request_init(&http);
    enum ecc_status status = s_build_attempt(client, call, &http, diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_transport_submit(client->transport, client->endpoint_url, &http, call, diag);

done:
    ecc_http_request_clean_up(&http);
    return status;
}

static bool s_drive_cancelled(void *user_data) {
    struct s_drive *drive = user_data;
    return atomic_load(&drive->abandon) || ecc_client_cancel_requested(drive->token);
}

/* Submits every call that is due and not in flight; *next_ms is the earliest due time of those waiting. */
static enum ecc_status s_submit_due(struct s_drive *drive, uint64_t *next_ms) {
    struct ecc_client *client = drive->client;
    uint64_t now = ecc_monotonic_ms();
    *next_ms = UINT64_MAX;
    for (size_t i = 0; i < drive->count; i++) {
        struct s_call *call = &drive->calls[i];
        if (call->stage == ECC_CLIENT_STAGE_DONE || call->stage == ECC_CLIENT_STAGE_IN_FLIGHT) {
            continue;
        }
        if (call->due_ms > now) {
            *next_ms = call->due_ms < *next_ms ? call->due_ms : *next_ms;
            continue;
        }
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        enum ecc_status status = s_submit_attempt(client, call, &diag);
        if (status == ECC_ERR_NOMEM) {
            return status;
        }
        if (status != ECC_OK) {
            s_fail_request(call, status, &diag);
            continue;
        }
        call->result->attempts++;
        call->stage = ECC_CLIENT_STAGE_IN_FLIGHT;
    }
    return ECC_OK;
}

/* Hands a finished exchange to its call: its result, a retry's due time, or the end. */
static void s_collect(struct s_drive *drive, struct ecc_transport_exchange *exchange) {
    struct s_call *call = exchange->user_data;
    if (exchange->result.error == ECC_TRANSPORT_ERR_CANCELLED) {
        s_cancel_call(call); /* still IN_FLIGHT: the cancel caught the attempt on the wire */
        return;
    }
    bool retry = s_handle_answer(
        drive->client,
        call,
        &exchange->result,
        exchange->result.error == ECC_TRANSPORT_OK ? &exchange->response : NULL);
    if (retry) {
        call->due_ms = ecc_monotonic_ms() + s_backoff_ms(drive->client, call->result->attempts - 1u);
        call->stage = ECC_CLIENT_STAGE_BACKING_OFF;
    } else {
        call->stage = ECC_CLIENT_STAGE_DONE;
    }
}

/* The longest a wait may last: until `until` (the caller's deadline) or `next` (a retry due), in ms. */
static int s_wait_ms(uint64_t until, uint64_t next) {
    uint64_t end = until < next ? until : next;
    if (end == UINT64_MAX) {
        return -1;
    }
    uint64_t now = ecc_monotonic_ms();
    uint64_t left = end > now ? end - now : 0;
    return left > INT32_MAX ? INT32_MAX : (int)left;
}

/*
 * Drives the calls until every one has ended or `wait_ms` has passed (negative: no limit). A cancel
 * (the token, or the drive abandoned) ends the calls not in flight at once and those in flight within
 * the transport's 100 ms. ECC_OK when every call has ended, ECC_ERR_TIMEOUT when time ran out first,
 * ECC_ERR_NOMEM.
 */
static enum ecc_status s_drive_run(struct s_drive *drive, int wait_ms) {
    struct ecc_client *client = drive->client;
    uint64_t until = wait_ms < 0 ? UINT64_MAX : ecc_monotonic_ms() + (uint64_t)wait_ms;
    enum ecc_status status = ECC_OK;
    ecc_transport_set_cancel(client->transport, s_drive_cancelled, drive);
    for (;;) {
        bool cancelled = s_drive_cancelled(drive);
        bool ended = true;
        for (size_t i = 0; i < drive->count; i++) {
            struct s_call *call = &drive->calls[i];
            if (cancelled && call->stage != ECC_CLIENT_STAGE_DONE && call->stage != ECC_CLIENT_STAGE_IN_FLIGHT) {
                s_cancel_call(call);
            }
            ended = ended && call->stage == ECC_CLIENT_STAGE_DONE;
        }
        if (ended) {
            break;
        }
        uint64_t next_ms = UINT64_MAX;
        if (!cancelled) {
            status = s_submit_due(drive, &next_ms);
            if (status != ECC_OK) {
                break;
            }
        }
        if (ecc_transport_pending(client->transport) == 0) {
            if (next_ms == UINT64_MAX) {
                continue; /* every call ended in this round (a request that could not be built) */
            }
            if (ecc_monotonic_ms() >= until) {
                status = ECC_ERR_TIMEOUT;
                break;
            }
            /* Backing off: in slices, so a cancel is seen within S_CANCEL_SLICE_MS. */
            int wait = s_wait_ms(until, next_ms);
            ecc_sleep_ms(wait < 0 || wait > S_CANCEL_SLICE_MS ? S_CANCEL_SLICE_MS : (uint64_t)wait);
            continue;
        }
        /* At least one look at the transfers, even when polled with no time to wait. */
        struct ecc_transport_exchange *exchange = NULL;
        enum ecc_status next = ecc_transport_next(client->transport, s_wait_ms(until, next_ms), &exchange);
        if (next == ECC_ERR_TIMEOUT) {
            if (ecc_monotonic_ms() >= until) {
                status = ECC_ERR_TIMEOUT;
                break;
            }
            continue;
        }
        if (next != ECC_OK) {
            status = next;
            break;
        }
        s_collect(drive, exchange);
        ecc_transport_exchange_destroy(exchange);
    }
    ecc_transport_set_cancel(client->transport, NULL, NULL);
    return status;
}

/* Abandons whatever is in flight (the transport ends it within 100 ms) and collects it, so no exchange
 * is left pointing at calls about to be freed. */
static void s_drive_abandon(struct s_drive *drive) {
    struct ecc_transport *transport = drive->client->transport;
    atomic_store(&drive->abandon, true);
    (void)s_drive_run(drive, -1);
    ecc_transport_set_cancel(transport, s_drive_cancelled, drive);
    while (ecc_transport_pending(transport) > 0) {
        struct ecc_transport_exchange *exchange = NULL;
        if (ecc_transport_next(transport, -1, &exchange) != ECC_OK) {
            break;
        }
        ecc_transport_exchange_destroy(exchange);
    }
    ecc_transport_set_cancel(transport, NULL, NULL);
}

enum ecc_status ecc_client_run_task_batch(
    struct ecc_client *client,
    const struct ecc_run_task_request *requests,
    size_t count,
    struct ecc_client_result *results) {
    if (count == 0) {
        return ECC_OK;
    }
    if (client->call_active) {
        return ECC_ERR_INVALID;
    }
    struct s_drive drive = {.client = client, .count = 0};
    atomic_init(&drive.abandon, false);
    drive.calls = calloc(count, sizeof(*drive.calls));
    if (drive.calls == NULL) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ECC_OK;
    for (; drive.count < count; drive.count++) {
        status = s_call_init(client, &drive.calls[drive.count], &requests[drive.count], &results[drive.count]);
        if (status != ECC_OK) {
            drive.count++;
            goto done;
        }
    }
    status = s_drive_run(&drive, -1);

done:
    if (status != ECC_OK) {
        s_drive_abandon(&drive); /* exchanges still pending point at these calls */
    }
    for (size_t i = 0; i < drive.count; i++) {
        s_call_clean_up(&drive.calls[i]);
    }
    free(drive.calls);
    return status;
}

/* ---- one call at a time, asynchronously ------------------------------------------------------ */

struct ecc_client_call {
    struct s_drive drive;
    struct s_call call;
    struct ecc_client_result result;
};

struct ecc_client_call *ecc_client_call_start(
    struct ecc_client *client,
    const struct ecc_run_task_request *request,
    struct ecc_client_cancel_token *token,
    struct ecc_diag *diag) {
    if (client->call_active) {
        ecc_diag_set(diag, "the client already has a call in progress (one at a time per client)");
        return NULL;
    }
    struct ecc_client_call *call = calloc(1, sizeof(*call));
    if (call == NULL) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    ecc_client_result_init(&call->result);
    enum ecc_status status = s_call_init(client, &call->call, request, &call->result);
    if (status != ECC_OK) {
        ecc_diag_set(diag, "cannot start the call: %s", ecc_status_name(status));
        s_call_clean_up(&call->call);
        ecc_client_result_clean_up(&call->result);
        free(call);
        return NULL;
    }
    call->drive.client = client;
    call->drive.calls = &call->call;
    call->drive.count = 1;
    call->drive.token = token;
    atomic_init(&call->drive.abandon, false);
    client->call_active = true;
    return call;
}

enum ecc_status ecc_client_call_wait(struct ecc_client_call *call, int wait_ms) {
    return s_drive_run(&call->drive, wait_ms);
}

enum ecc_client_stage ecc_client_call_stage(const struct ecc_client_call *call) {
    return call->call.stage;
}

void ecc_client_call_finish(struct ecc_client_call *call, struct ecc_client_result *result) {
    if (call == NULL) {
        return;
    }
    if (call->call.stage != ECC_CLIENT_STAGE_DONE) {
        s_drive_abandon(&call->drive);
    }
    call->drive.client->call_active = false;
    if (result != NULL) {
        *result = call->result; /* moved: the call's copy is not cleaned up */
    } else {
        ecc_client_result_clean_up(&call->result);
    }
    s_call_clean_up(&call->call);
    free(call);
}

enum ecc_status ecc_client_run_task(
    struct ecc_client *client, const struct ecc_run_task_request *request, struct ecc_client_result *result) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_client_call *call = ecc_client_call_start(client, request, NULL, &diag);
    if (call == NULL) {
        return client->call_active ? ECC_ERR_INVALID : ECC_ERR_NOMEM;
    }
    enum ecc_status status = ecc_client_call_wait(call, -1);
    ecc_client_result_clean_up(result);
    ecc_client_call_finish(call, result);
    return status;
}

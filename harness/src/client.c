/*
 * The project's own C RunTask client (client.h): one call or a batch, each attempt serialized, signed
 * afresh and sent through the transport's curl multi handle, answers parsed by the response codec. It
 * exists so the client-mode suite has a client whose every behaviour is known (retries with full-jitter
 * backoff, one clientToken for all attempts of a call), and so each deliberate `fault` can prove that a
 * check of the suite catches that mistake.
 */
#include "ecc/client.h"

#include "ecc/codec_request.h"
#include "ecc/errors.h"
#include "ecc/sigv4.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_DEFAULT_MAX_ATTEMPTS    3u
#define S_DEFAULT_BACKOFF_BASE_MS 100u
#define S_DEFAULT_BACKOFF_MAX_MS  20000u
/* What the wrong-target fault sends: a real ECS operation, so only the target check can tell. */
#define S_WRONG_TARGET ECC_AWS_JSON_TARGET_PREFIX ".StartTask"

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
    }
    return "unknown";
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

/* One call in flight: its own copy of the request (the token goes there), its attempt count, its due
 * time when it waits for a retry. */
struct s_call {
    struct ecc_run_task_request request;
    char token[65];
    bool caller_token;
    struct ecc_client_result *result;
    uint64_t due_ms;
    bool in_flight;
    bool done;
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
    if (ecc_run_task_request_copy(&call->request, request) != ECC_OK) {
        return ECC_ERR_NOMEM;
    }
    if (request->client_token != NULL) {
        call->caller_token = true;
        return ECC_OK;
    }
    if (client->fault == ECC_CLIENT_FAULT_FIXED_TOKEN) {
        memcpy(call->token, client->fixed_token, sizeof(client->fixed_token));
    } else if (!ecc_client_uuid4(call->token)) {
        return ECC_ERR_INTERNAL;
    }
    call->request.client_token = ecc_strdup(call->token);
    return call->request.client_token != NULL ? ECC_OK : ECC_ERR_NOMEM;
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
    if (call->result->attempts == 0 && call->request.client_token != NULL) {
        snprintf(call->result->client_token, sizeof(call->result->client_token), "%s", call->request.client_token);
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
    call->done = true;
}

enum ecc_status ecc_client_run_task(
    struct ecc_client *client, const struct ecc_run_task_request *request, struct ecc_client_result *result) {
    struct s_call call;
    enum ecc_status status = s_call_init(client, &call, request, result);
    if (status != ECC_OK) {
        s_call_clean_up(&call);
        return status;
    }
    while (!call.done) {
        struct ecc_http_request http;
        struct ecc_diag diag;
        ecc_http_request_init(&http);
        ecc_diag_clear(&diag);
        status = s_build_attempt(client, &call, &http, &diag);
        if (status != ECC_OK) {
            ecc_http_request_clean_up(&http);
            s_fail_request(&call, status, &diag);
            break;
        }
        result->attempts++;
        struct ecc_http_response response;
        struct ecc_transport_result transport;
        ecc_http_response_init(&response);
        (void)ecc_transport_send(client->transport, client->endpoint_url, &http, &response, &transport);
        bool retry = s_handle_answer(client, &call, &transport, &response);
        ecc_http_response_clean_up(&response);
        ecc_http_request_clean_up(&http);
        if (!retry) {
            call.done = true;
        } else {
            ecc_sleep_ms(s_backoff_ms(client, result->attempts - 1u));
        }
    }
    s_call_clean_up(&call);
    return ECC_OK;
}

/* Submits every call that is due and not in flight; returns the earliest due time of those waiting. */
static enum ecc_status s_submit_due(struct ecc_client *client, struct s_call *calls, size_t count, uint64_t *next_ms) {
    uint64_t now = ecc_monotonic_ms();
    *next_ms = UINT64_MAX;
    for (size_t i = 0; i < count; i++) {
        struct s_call *call = &calls[i];
        if (call->done || call->in_flight) {
            continue;
        }
        if (call->due_ms > now) {
            *next_ms = call->due_ms < *next_ms ? call->due_ms : *next_ms;
            continue;
        }
        struct ecc_http_request http;
        struct ecc_diag diag;
        ecc_http_request_init(&http);
        ecc_diag_clear(&diag);
        enum ecc_status status = s_build_attempt(client, call, &http, &diag);
        if (status == ECC_OK) {
            status = ecc_transport_submit(client->transport, client->endpoint_url, &http, call, &diag);
        }
        ecc_http_request_clean_up(&http);
        if (status == ECC_ERR_NOMEM) {
            return status;
        }
        if (status != ECC_OK) {
            s_fail_request(call, status, &diag);
            continue;
        }
        call->result->attempts++;
        call->in_flight = true;
    }
    return ECC_OK;
}

enum ecc_status ecc_client_run_task_batch(
    struct ecc_client *client,
    const struct ecc_run_task_request *requests,
    size_t count,
    struct ecc_client_result *results) {
    if (count == 0) {
        return ECC_OK;
    }
    struct s_call *calls = calloc(count, sizeof(*calls));
    if (calls == NULL) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ECC_OK;
    size_t initialized = 0;
    for (; initialized < count; initialized++) {
        status = s_call_init(client, &calls[initialized], &requests[initialized], &results[initialized]);
        if (status != ECC_OK) {
            initialized++;
            goto on_error;
        }
    }
    for (;;) {
        uint64_t next_ms = UINT64_MAX;
        status = s_submit_due(client, calls, count, &next_ms);
        if (status != ECC_OK) {
            goto on_error;
        }
        if (ecc_transport_pending(client->transport) == 0) {
            if (next_ms == UINT64_MAX) {
                break; /* every call is done */
            }
            uint64_t now = ecc_monotonic_ms();
            ecc_sleep_ms(next_ms > now ? next_ms - now : 0);
            continue;
        }
        int wait_ms = -1;
        if (next_ms != UINT64_MAX) {
            uint64_t now = ecc_monotonic_ms();
            wait_ms = next_ms > now ? (int)(next_ms - now) : 0;
        }
        struct ecc_transport_exchange *exchange = NULL;
        enum ecc_status next = ecc_transport_next(client->transport, wait_ms, &exchange);
        if (next == ECC_ERR_TIMEOUT) {
            continue;
        }
        if (next != ECC_OK) {
            status = next;
            goto on_error;
        }
        struct s_call *call = exchange->user_data;
        call->in_flight = false;
        bool retry = s_handle_answer(
            client, call, &exchange->result, exchange->result.error == ECC_TRANSPORT_OK ? &exchange->response : NULL);
        ecc_transport_exchange_destroy(exchange);
        if (retry) {
            call->due_ms = ecc_monotonic_ms() + s_backoff_ms(client, call->result->attempts - 1u);
        } else {
            call->done = true;
        }
    }

on_error:
    /* Exchanges still pending point at these calls: drain them before the calls go away. */
    while (ecc_transport_pending(client->transport) > 0) {
        struct ecc_transport_exchange *exchange = NULL;
        if (ecc_transport_next(client->transport, -1, &exchange) != ECC_OK) {
            break;
        }
        ecc_transport_exchange_destroy(exchange);
    }
    for (size_t i = 0; i < initialized; i++) {
        s_call_clean_up(&calls[i]);
    }
    free(calls);
    return status;
}

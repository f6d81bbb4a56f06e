/*
 * The recording endpoint (recorder.h): an ecc_http_handler_fn that forwards each request to the
 * upstream, signed afresh, passes the answer back unchanged and gives the exchange to the recording
 * set. Each call has its own signer and transport, so the server's pool threads never share one.
 */
#include "ecc/recorder.h"

#include "ecc/codec_request.h"
#include "ecc/codec_response.h"
#include "ecc/errors.h"
#include "ecc/fixture.h"
#include "ecc/sigv4.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Never forwarded: the client's own signature (the recorder signs again) and connection framing. */
static const char *const s_dropped_headers[] = {
    "Authorization",
    "X-Amz-Security-Token",
    "X-Amz-Date",
    "X-Amz-Content-Sha256",
    "Host",
    "Content-Length",
    "Connection",
    "Transfer-Encoding",
    "Expect",
    "Keep-Alive",
    "Accept-Encoding",
};

struct ecc_recorder {
    char *upstream_url;
    char *region;
    char *service;
    char host[300];
    const struct ecc_credentials *credentials;
    struct ecc_transport_options transport;
    struct ecc_recording *recording;
    struct ecc_sigv4_key_cache *key_cache;
    ecc_log_fn *log_fn;
    void *log_user_data;
    pthread_mutex_t mutex;
    struct ecc_recorder_stats stats;
    uint64_t max_exchanges;
    uint64_t reserved; /* exchanges under way that may become fixtures: recorded + reserved <= max_exchanges */
};

void ecc_recorder_options_init(struct ecc_recorder_options *options) {
    memset(options, 0, sizeof(*options));
    ecc_transport_options_init(&options->transport);
    options->transport.max_response_bytes = ECC_SUITE_MAX_FILE_BYTES;
}

void ecc_recorder_destroy(struct ecc_recorder *recorder) {
    if (!recorder) {
        return;
    }
    ecc_sigv4_key_cache_destroy(recorder->key_cache);
    free(recorder->upstream_url);
    free(recorder->region);
    free(recorder->service);
    pthread_mutex_destroy(&recorder->mutex);
    free(recorder);
}

struct ecc_recorder *ecc_recorder_new(const struct ecc_recorder_options *options, struct ecc_diag *diag) {
    if (!options->upstream_url || !options->region || !*options->region || !options->credentials ||
        !options->recording) {
        ecc_diag_set(diag, "a recorder needs an upstream URL, a region, credentials and a recording set");
        return NULL;
    }
    struct ecc_recorder *recorder = calloc(1, sizeof(*recorder));
    if (!recorder) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&recorder->mutex, NULL);
    recorder->credentials = options->credentials;
    recorder->transport = options->transport;
    recorder->recording = options->recording;
    recorder->log_fn = options->log_fn;
    recorder->log_user_data = options->log_user_data;
    recorder->max_exchanges = options->max_exchanges ? options->max_exchanges : ECC_RECORDER_DEFAULT_MAX_EXCHANGES;
    if (ecc_transport_endpoint_host(options->upstream_url, recorder->host, sizeof(recorder->host), diag) != ECC_OK) {
        goto on_error;
    }
    recorder->upstream_url = ecc_strdup(options->upstream_url);
    recorder->region = ecc_strdup(options->region);
    recorder->service = ecc_strdup(options->service ? options->service : "ecs");
    recorder->key_cache = ecc_sigv4_key_cache_new(4);
    if (!recorder->upstream_url || !recorder->region || !recorder->service || !recorder->key_cache) {
        ecc_diag_set(diag, "out of memory");
        goto on_error;
    }
    return recorder;
on_error:
    ecc_recorder_destroy(recorder);
    return NULL;
}

void ecc_recorder_get_stats(struct ecc_recorder *recorder, struct ecc_recorder_stats *stats) {
    pthread_mutex_lock(&recorder->mutex);
    *stats = recorder->stats;
    pthread_mutex_unlock(&recorder->mutex);
}

static void s_count(struct ecc_recorder *recorder, uint64_t *counter) {
    pthread_mutex_lock(&recorder->mutex);
    (*counter)++;
    pthread_mutex_unlock(&recorder->mutex);
}

/* Reserves room for one more fixture; false (counted, and said once) when the cap is reached. Taken
 * before forwarding, so concurrent requests cannot write past the cap together. */
static bool s_reserve(struct ecc_recorder *recorder, bool *say) {
    pthread_mutex_lock(&recorder->mutex);
    bool room = recorder->stats.recorded + recorder->reserved < recorder->max_exchanges;
    if (room) {
        recorder->reserved++;
    } else {
        recorder->stats.capped++;
    }
    *say = !room && recorder->stats.capped == 1; /* the first refusal is the one the log tells */
    pthread_mutex_unlock(&recorder->mutex);
    return room;
}

/* Gives the reservation back, counting the fixture when one was written. */
static void s_release(struct ecc_recorder *recorder, bool recorded) {
    pthread_mutex_lock(&recorder->mutex);
    recorder->reserved--;
    recorder->stats.recorded += recorded;
    pthread_mutex_unlock(&recorder->mutex);
}

/* The recorder's own AWS JSON error answer. */
static void s_answer_error(enum ecc_error_id id, const char *message, struct ecc_http_response *response) {
    struct ecc_error_response_options options = {.info = ecc_errors_get(id), .message = message};
    struct ecc_diag diag;
    ecc_http_response_clean_up(response);
    ecc_http_response_init(response);
    if (ecc_codec_build_error_response(&options, response, &diag) != ECC_OK) {
        /* The message came from us and is ASCII; only memory can fail here. The server glue answers a
         * response left without a status with its own 500 InternalFailure. */
        ecc_http_response_clean_up(response);
        ecc_http_response_init(response);
    }
}

/* The client's request without its signature and framing, for the upstream's host. */
static enum ecc_status s_copy_forward(
    const struct ecc_recorder *recorder, const struct ecc_http_request *request, struct ecc_http_request *forward) {
    enum ecc_status status = ecc_http_request_copy(forward, request);
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; i < ECC_ARRAY_LEN(s_dropped_headers); i++) {
        ecc_http_headers_remove(&forward->headers, s_dropped_headers[i]);
    }
    return ecc_http_headers_add(&forward->headers, "Host", recorder->host);
}

/* The request as it goes upstream: the client's, without its signature and framing, signed afresh. */
static enum ecc_status s_build_forward(
    struct ecc_recorder *recorder,
    const struct ecc_http_request *request,
    struct ecc_http_request *forward,
    struct ecc_diag *diag) {
    enum ecc_status status = s_copy_forward(recorder, request, forward);
    if (status != ECC_OK) {
        ecc_diag_set(diag, "cannot copy the request: %s", ecc_status_name(status));
        return status;
    }
    struct ecc_sigv4_sign_options options = {
        .credentials = recorder->credentials,
        .region = recorder->region,
        .service = recorder->service,
        .key_cache = recorder->key_cache,
    };
    return ecc_sigv4_sign(forward, &options, diag);
}

/* Copies the upstream's answer for the client; MHD frames it (server.h). */
static enum ecc_status s_copy_answer(const struct ecc_http_response *from, struct ecc_http_response *to) {
    to->status = from->status;
    for (size_t i = 0; i < from->headers.count; i++) {
        const struct ecc_http_header *header = &from->headers.items[i];
        if (ecc_http_name_equal(header->name, "Connection") || ecc_http_name_equal(header->name, "Keep-Alive")) {
            continue;
        }
        enum ecc_status status = ecc_http_headers_add(&to->headers, header->name, header->value);
        if (status != ECC_OK) {
            return status;
        }
    }
    if (!from->body_len) {
        return ECC_OK;
    }
    return ecc_http_response_set_body(to, from->body, from->body_len);
}

void ecc_recorder_handle(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    struct ecc_recorder *recorder = user_data;
    struct ecc_aws_json_target target;
    const char *operation = ecc_codec_read_target(ecc_http_headers_get(&request->headers, "X-Amz-Target"), &target)
                                ? target.operation
                                : "(no X-Amz-Target)";
    struct ecc_http_request forward;
    ecc_http_request_init(&forward);
    struct ecc_http_response upstream;
    ecc_http_response_init(&upstream);
    struct ecc_transport *transport = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    char message[900];
    bool say_cap = false, recorded = false;
    bool reserved = s_reserve(recorder, &say_cap);

    if (!reserved) {
        snprintf(
            message,
            sizeof(message),
            "ecsconf record: the cap of %" PRIu64 " recorded exchanges is reached (--max-exchanges): this request "
            "was neither forwarded nor recorded",
            recorder->max_exchanges);
        s_answer_error(ECC_ERROR_CLIENT, message, response);
        if (say_cap) {
            ecc_logf(
                recorder->log_fn,
                recorder->log_user_data,
                "cap of %" PRIu64 " recorded exchanges reached (--max-exchanges): every later request is answered "
                "400 ClientException, neither forwarded nor recorded (counted in the summary)",
                recorder->max_exchanges);
        }
        goto done;
    }
    if (s_build_forward(recorder, request, &forward, &diag) != ECC_OK) {
        snprintf(message, sizeof(message), "ecsconf record: cannot forward this request: %.600s", diag.text);
        s_answer_error(ECC_ERROR_CLIENT, message, response);
        s_count(recorder, &recorder->stats.refused);
        ecc_logf(recorder->log_fn, recorder->log_user_data, "refused %.80s: %s", operation, diag.text);
        goto done;
    }
    transport = ecc_transport_new(&recorder->transport, &diag);
    if (!transport) {
        snprintf(message, sizeof(message), "ecsconf record: no transport: %.600s", diag.text);
        s_answer_error(ECC_ERROR_INTERNAL_FAILURE, message, response);
        s_count(recorder, &recorder->stats.upstream_failed);
        goto done;
    }
    struct ecc_transport_result result;
    enum ecc_transport_error error =
        ecc_transport_send(transport, recorder->upstream_url, &forward, &upstream, &result);
    if (error != ECC_TRANSPORT_OK) {
        bool client_side = error == ECC_TRANSPORT_ERR_URL;
        snprintf(
            message,
            sizeof(message),
            "ecsconf record: %s (%s): %.600s",
            client_side ? "this request cannot be forwarded" : "the upstream gave no usable answer",
            ecc_transport_error_name(error),
            result.message);
        s_answer_error(client_side ? ECC_ERROR_CLIENT : ECC_ERROR_SERVICE_UNAVAILABLE, message, response);
        s_count(recorder, client_side ? &recorder->stats.refused : &recorder->stats.upstream_failed);
        ecc_logf(
            recorder->log_fn,
            recorder->log_user_data,
            "not recorded: %.80s: upstream %s: %s",
            operation,
            ecc_transport_error_name(error),
            result.message);
        goto done;
    }
    if (s_copy_answer(&upstream, response) != ECC_OK) {
        s_answer_error(ECC_ERROR_INTERNAL_FAILURE, "ecsconf record: out of memory passing the answer on", response);
        s_count(recorder, &recorder->stats.upstream_failed);
        goto done;
    }
    s_count(recorder, &recorder->stats.forwarded);
    char id[ECC_SUITE_MAX_ID_LEN + 1];
    if (ecc_recording_add(recorder->recording, request, &upstream, id, sizeof(id), &diag) == ECC_OK) {
        recorded = true;
        ecc_logf(recorder->log_fn, recorder->log_user_data, "recorded %s (%d)", id, upstream.status);
    } else {
        s_count(recorder, &recorder->stats.not_recorded);
        ecc_logf(
            recorder->log_fn,
            recorder->log_user_data,
            "not recorded: %.80s (%d): %s",
            operation,
            upstream.status,
            diag.text);
    }
done:
    if (reserved) {
        s_release(recorder, recorded);
    }
    ecc_transport_destroy(transport);
    ecc_http_request_clean_up(&forward);
    ecc_http_response_clean_up(&upstream);
}

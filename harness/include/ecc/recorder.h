#ifndef ECC_RECORDER_H
#define ECC_RECORDER_H
/*
 * Floor 4: the recording endpoint of `ecsconf record`. A client (AWS CLI, an SDK, `ecsconf run`) uses
 * it as its endpoint; each request is forwarded to the upstream through the transport, signed afresh
 * with the recorder's own credentials for the upstream's host, and the upstream's answer goes back to
 * the client unchanged (status, headers, body; only framing is MHD's). Every exchange with an answer
 * is handed to a recording set (recording.h), which redacts and writes it.
 *
 * The recorder's own answers are AWS JSON errors (codec_response.h), never a crash or an HTML page:
 *  - a request that cannot be forwarded (it cannot be signed, or its target cannot be sent):
 *    400 ClientException;
 *  - an upstream that gives no usable answer (refused, timeout, too slow, reset, truncated, over the
 *    body cap): 503 ServiceUnavailable, the message naming what happened
 *    (transport.h's error name). Such an exchange is not a fixture: it is reported to the log;
 *  - once `max_exchanges` fixtures are written (or being written): 400 ClientException naming the cap,
 *    the request neither forwarded nor recorded; the log says so once, the stats count each one.
 * An upstream that answers with HTML or any other body is an answer: it is passed on and recorded as
 * what it was.
 *
 * What is forwarded: the client's method, path, query, body and headers, without its signature, token,
 * date and payload-hash headers (replaced by the recorder's signature), its framing headers and
 * Accept-Encoding (so the upstream answers in identity encoding and the recording is readable).
 *
 * Threads: ecc_recorder_handle is an ecc_http_handler_fn, safe to call from the server's pool threads;
 * each call uses its own transport and signer. The log function is called from those threads.
 */
#include "ecc/common.h"
#include "ecc/credentials.h"
#include "ecc/http.h"
#include "ecc/recording.h"
#include "ecc/transport.h"

struct ecc_recorder_options {
    const char *upstream_url;                  /* required: "http(s)://host[:port]"; copied */
    const char *region;                        /* required: the signing region; copied */
    const char *service;                       /* signing service; NULL means "ecs"; copied */
    const struct ecc_credentials *credentials; /* required; borrowed for the recorder's life */
    struct ecc_transport_options transport;    /* deadlines and caps of each forwarded exchange */
    struct ecc_recording *recording;           /* required; borrowed for the recorder's life */
    ecc_log_fn *log_fn;                        /* one line per exchange, never a secret; may be NULL */
    void *log_user_data;
    uint64_t max_exchanges; /* fixtures this recorder writes at most; 0 means ECC_RECORDER_DEFAULT_MAX_EXCHANGES */
};

/* Every exchange is one file: a client left running against the recorder must not fill the disk. */
#define ECC_RECORDER_DEFAULT_MAX_EXCHANGES 10000

/* Sets the transport defaults and a response cap of ECC_SUITE_MAX_FILE_BYTES (a larger answer could
 * not be stored as a fixture); the rest zero. */
void ecc_recorder_options_init(struct ecc_recorder_options *options);

struct ecc_recorder_stats {
    uint64_t forwarded;       /* answered by the upstream and passed on */
    uint64_t recorded;        /* written as fixtures */
    uint64_t not_recorded;    /* answered, but not storable (no known operation, over the cap, ...) */
    uint64_t upstream_failed; /* no usable answer from the upstream */
    uint64_t refused;         /* could not be forwarded */
    uint64_t capped;          /* answered 400 ClientException, neither forwarded nor recorded: at max_exchanges */
};

struct ecc_recorder;

/* Checks the options (the upstream URL must be one the transport can use). NULL with `diag` on
 * failure. Free with ecc_recorder_destroy after the server that calls it has stopped. */
struct ecc_recorder *ecc_recorder_new(const struct ecc_recorder_options *options, struct ecc_diag *diag);
void ecc_recorder_destroy(struct ecc_recorder *recorder);

/* The handler to give to ecc_server_new, with the recorder as its user data. */
void ecc_recorder_handle(void *recorder, const struct ecc_http_request *request, struct ecc_http_response *response);

void ecc_recorder_get_stats(struct ecc_recorder *recorder, struct ecc_recorder_stats *stats);

#endif

#ifndef ECC_TRANSPORT_H
#define ECC_TRANSPORT_H
/*
 * Floor 3: the HTTP client transport on libcurl. It sends a `struct ecc_http_request` (http.h), already
 * signed, to an endpoint and fills a `struct ecc_http_response`, and turns everything a hostile or broken
 * endpoint can do into a typed result with a clear message, never a crash and never unbounded memory.
 *
 * What goes on the wire is the request as given: its headers in order (libcurl's own defaults for
 * Accept and Content-Type are removed, so the wire matches what was signed), its method, path and query
 * unchanged (no dot-segment squashing). libcurl adds Host (unless the request has one), Content-Length,
 * and `Expect: 100-continue` for large bodies (unsigned, as SigV4 allows).
 *
 * Policies:
 *  - TLS verification is on unless `insecure` is set explicitly; `ca_bundle` names a PEM file.
 *  - Proxies: http_proxy / https_proxy / no_proxy are honoured as the AWS CLI does, except that
 *    loopback endpoints (localhost, 127.0.0.0/8, ::1) are always reached directly. Read at
 *    ecc_transport_new.
 *  - Redirects are not followed by default: a 3xx is delivered as the response. With `follow_redirects`,
 *    the transport follows at most `max_redirects` hops itself (not libcurl's FOLLOWLOCATION), and when
 *    a hop leaves the origin (scheme, host, port) it drops `Authorization`, `X-Amz-Security-Token` and
 *    `Host` from the request: libcurl only guards the Authorization header it generates, not custom
 *    ones. 301/302 turn a POST, and 303 anything but HEAD, into a body-less GET (as browsers and curl
 *    do); 307/308 keep method and body.
 *  - The response body is capped by `max_response_bytes`: a declared Content-Length over the cap is
 *    refused before any byte is read; a body that grows past it aborts the transfer at once. Headers are
 *    capped by `max_header_bytes` and ECC_HTTP_MAX_HEADERS.
 *  - Deadlines: `connect_timeout_ms`, `timeout_ms` for the whole exchange (redirect hops included), and
 *    the slow-drip guard: fewer than `low_speed_bytes_per_s` for `low_speed_time_s` seconds aborts. A
 *    caller whose `timeout_ms` is the one limit it promises (`ecsconf run --request-timeout-ms`) sets
 *    `low_speed_time_s` with ecc_transport_options_set_timeout, so the guard never cuts a request first.
 *
 * Keep-alive and concurrency: a `struct ecc_transport` owns one curl multi handle; its connection cache
 * keeps connections open between exchanges, for the synchronous call and the concurrent one alike.
 * Submit several exchanges and collect them as they finish to run `--jobs N` requests at once from one
 * thread.
 *
 * Cancelling (Ctrl-C): give the transport a cancel callback (ecc_transport_set_cancel). While exchanges
 * are in flight it is asked at least every 100 ms; when it answers true, every exchange in flight ends at
 * once with ECC_TRANSPORT_ERR_CANCELLED (its connection closed), and so does every exchange submitted
 * while it keeps answering true. Destroying the transport also abandons everything in flight.
 *
 * Threads: a transport must be used by one thread at a time; give each worker thread its own. libcurl's
 * global initialization (curl_global_init) runs once, the first time ecc_transport_new is called, behind
 * a pthread_once; if the program also uses libcurl elsewhere, call ecc_transport_global_init() from main
 * before starting threads. Signals are never used by libcurl here (CURLOPT_NOSIGNAL).
 */
#include "ecc/common.h"
#include "ecc/http.h"

struct ecc_transport_options {
    long connect_timeout_ms;       /* default 5000 */
    long timeout_ms;               /* whole exchange; default 30000 */
    long low_speed_bytes_per_s;    /* slow-drip guard; 0 turns it off; default 1 */
    long low_speed_time_s;         /* over this many seconds; default 10 */
    size_t max_response_bytes;     /* response body cap; default 8 MiB */
    size_t max_header_bytes;       /* response header cap; default 64 KiB */
    const char *ca_bundle;         /* PEM file of trusted CAs; NULL uses the system store. Copied. */
    bool insecure;                 /* turns certificate and host name verification off */
    bool follow_redirects;         /* default false */
    unsigned max_redirects;        /* hops when following; default 5 */
    unsigned max_idle_connections; /* connection cache size; default 16 */
};

/* Sets the defaults listed above. */
void ecc_transport_options_init(struct ecc_transport_options *options);
/* Sets `timeout_ms` and makes the slow-drip guard follow it: `low_speed_time_s` becomes the timeout in
 * whole seconds, rounded up, so only the timeout ends a request that is slow but alive. */
void ecc_transport_options_set_timeout(struct ecc_transport_options *options, long timeout_ms);

enum ecc_transport_error {
    ECC_TRANSPORT_OK = 0,
    ECC_TRANSPORT_ERR_URL,       /* the endpoint URL, the request target or a header cannot be sent */
    ECC_TRANSPORT_ERR_RESOLVE,   /* host name not found */
    ECC_TRANSPORT_ERR_CONNECT,   /* connection refused or unreachable */
    ECC_TRANSPORT_ERR_TIMEOUT,   /* connect or total deadline passed */
    ECC_TRANSPORT_ERR_TOO_SLOW,  /* the slow-drip guard fired */
    ECC_TRANSPORT_ERR_TLS,       /* handshake failed or the certificate was not trusted */
    ECC_TRANSPORT_ERR_TOO_LARGE, /* body or headers over their cap */
    ECC_TRANSPORT_ERR_TRUNCATED, /* connection closed before the declared length (or last chunk) */
    ECC_TRANSPORT_ERR_RESET,     /* connection reset, or closed with no answer at all */
    ECC_TRANSPORT_ERR_PROTOCOL,  /* the peer did not speak HTTP/1.x properly */
    ECC_TRANSPORT_ERR_REDIRECT,  /* too many hops, or a Location that cannot be followed */
    ECC_TRANSPORT_ERR_NOMEM,
    ECC_TRANSPORT_ERR_OTHER,     /* anything else libcurl reports; the message has its text */
    ECC_TRANSPORT_ERR_CANCELLED, /* the cancel callback asked to stop (Ctrl-C) */
};

/* Stable short name ("timeout", "too-large", ...), for reports. Never NULL. */
const char *ecc_transport_error_name(enum ecc_transport_error error);

struct ecc_transport_result {
    enum ecc_transport_error error;
    /* "<what happened>: <libcurl's words> (<method> <scheme://host:port/path>)"; never a query string,
     * which could hold a presigned signature. Empty on success. */
    char message[512];
    unsigned redirects_followed;
    bool connection_reused; /* the last hop used a kept-alive connection */
    uint64_t elapsed_us;    /* submit to completion, all hops */
};

struct ecc_transport;

/* Calls curl_global_init once (thread-safe via pthread_once). Returns false when libcurl refused. */
bool ecc_transport_global_init(void);

/* NULL options means the defaults. Returns NULL with the reason in `diag`. Free with destroy. */
struct ecc_transport *ecc_transport_new(const struct ecc_transport_options *options, struct ecc_diag *diag);
/* Closes the kept-alive connections and frees the transport with any exchange still pending. */
void ecc_transport_destroy(struct ecc_transport *transport);

/*
 * Synchronous exchange. `endpoint_url` is "http(s)://host[:port]" (a path other than "/", a query, a
 * fragment or user info are refused: the request's own path and query are what was signed).
 * `response` must be initialized and empty; it is filled when the result is ECC_TRANSPORT_OK and left
 * empty otherwise. Exchanges submitted earlier keep running and stay collectable. Returns result->error.
 */
enum ecc_transport_error ecc_transport_send(
    struct ecc_transport *transport,
    const char *endpoint_url,
    const struct ecc_http_request *request,
    struct ecc_http_response *response,
    struct ecc_transport_result *result);

/* A finished concurrent exchange. Owned by the caller after ecc_transport_next: free with
 * ecc_transport_exchange_destroy (which also frees the response). */
struct ecc_transport_exchange {
    void *user_data; /* what was given to submit */
    struct ecc_http_response response;
    struct ecc_transport_result result;
};

/*
 * Starts an exchange without waiting. The request is copied, so the caller may free it at once.
 * ECC_ERR_INVALID (with `diag`) when the URL cannot be used; the exchange is then not submitted.
 */
enum ecc_status ecc_transport_submit(
    struct ecc_transport *transport,
    const char *endpoint_url,
    const struct ecc_http_request *request,
    void *user_data,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * The cancel callback: `should_cancel(user_data)` is called from the thread driving the transport (in
 * send, next and submit), at least every 100 ms while exchanges are in flight; true ends them with
 * ECC_TRANSPORT_ERR_CANCELLED. NULL removes it. It must be cheap and must not call into this transport.
 */
void ecc_transport_set_cancel(struct ecc_transport *transport, bool (*should_cancel)(void *user_data), void *user_data);

/* Exchanges submitted and not yet collected. */
size_t ecc_transport_pending(const struct ecc_transport *transport);

/*
 * Drives the transfers until one exchange finishes (whatever its result) and hands it over in *out.
 * ECC_ERR_TIMEOUT when none finished within `wait_ms` (negative waits without limit: each exchange
 * has its own deadline); ECC_ERR_NOT_FOUND when nothing is pending.
 */
enum ecc_status ecc_transport_next(struct ecc_transport *transport, int wait_ms, struct ecc_transport_exchange **out)
    ECC_WARN_UNUSED_RESULT;

void ecc_transport_exchange_destroy(struct ecc_transport_exchange *exchange);

/*
 * "host" or "host:port" (the port only when it is not the scheme's default), as libcurl sends it in Host
 * and as SigV4 must sign it. Fails (ECC_ERR_INVALID, reason in `diag`) on a URL `send` would refuse.
 */
enum ecc_status ecc_transport_endpoint_host(const char *endpoint_url, char *out, size_t size, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/*
 * Appends to `out` a shell command line that replays the request with the curl tool, for failure
 * reports. Secrets never appear: a SigV4 `Authorization` header becomes curl's own signer
 * (`--aws-sigv4 "aws:amz:REGION:SERVICE" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`, with
 * X-Amz-Date left to curl), any other Authorization value becomes `<redacted>`, X-Amz-Security-Token
 * becomes "$AWS_SESSION_TOKEN", and the X-Amz-Signature / X-Amz-Security-Token / X-Amz-Credential values
 * of a presigned query become placeholders. Everything is single-quoted for POSIX shells (a body with
 * bytes that cannot be quoted that way uses bash's $'...').
 */
enum ecc_status ecc_transport_format_curl(
    const char *endpoint_url, const struct ecc_http_request *request, struct ecc_buf *out) ECC_WARN_UNUSED_RESULT;

#endif

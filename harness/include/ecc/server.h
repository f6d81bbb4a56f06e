#ifndef ECC_SERVER_H
#define ECC_SERVER_H
/*
 * Floor 3: the libmicrohttpd glue shared by the emulator (`ecsconf emulate`, and the runner's in-process
 * endpoint) and the mock (`ecsconf serve`). It turns each HTTP request into a `struct ecc_http_request`,
 * calls an `ecc_http_handler_fn` (http.h) and sends its `struct ecc_http_response`.
 *
 * What the handler receives:
 *  - `method` as sent; `path` and `query` exactly as received on the request line (split at the first
 *    '?', no percent-decoding, no dot-segment removal), because SigV4 verification needs the raw bytes;
 *  - every header in the order received, duplicates kept, names in the case the client used;
 *  - the whole body (never more than `max_body_bytes`; a NUL follows it, not counted in body_len).
 *
 * What the glue answers by itself, always as an AWS JSON 1.1 error (`{"__type":..,"message":..}`,
 * Content-Type application/x-amz-json-1.1, an x-amzn-RequestId header, the type in the body only, as
 * ECS sends it), never as an HTML page:
 *  - a body over `max_body_bytes` (declared by Content-Length, or counted while a chunked body
 *    arrives): 413, `RequestEntityTooLargeException`. ECS declares no error for this; AWS's front end
 *    answers an oversized request with HTTP 413, and RequestEntityTooLargeException is the name AWS JSON
 *    services use for it (Lambda declares it with status 413), so a client's error-type resolution sees
 *    a familiar name. A chunked body that keeps coming after the cap is read and discarded up to
 *    `max_body_bytes` more, then the connection is closed without an answer (memory stays bounded).
 *  - a method outside GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS (CONNECT and TRACE included): 400,
 *    `UnknownOperationException`, the status errors.h gives that type (no operation can be reached
 *    that way; a 405 would be more HTTP-like, but the status must agree with the error table).
 *  - more than ECC_HTTP_MAX_HEADERS request headers: 400, `ClientException` (ECS's own generic
 *    client-side error).
 *  - a handler that leaves the status outside 100..599: 500, `InternalFailure` (a bug in the handler).
 * The type names live in one table in server.c.
 *
 * Known limit (libmicrohttpd 0.9.75): requests MHD cannot parse at all are rejected by MHD before any
 * callback runs, with its compiled-in HTML error page and `Connection: close`: a request line without a
 * version ("GET /"), an unsupported HTTP version (505), a header line without a colon, a non-numeric
 * or overflowing Content-Length, malformed chunked framing, headers larger than
 * `connection_memory_bytes` (431; about 15 KB of headers with the default). A request line with no
 * space at all is dropped without an answer.
 * MHD offers no hook to replace those bodies; the glue runs MHD in its most tolerant mode so this set
 * stays as small as it can be, and none of these requests reaches a handler. AWS's own front end also
 * answers unparsable HTTP before the service sees it.
 *
 * Transport faults (http.h, `response->fault`; the mock's client cases use them, the emulator never):
 *  - HANG: no byte of answer; the worker holds the connection until the client closes it (its read
 *    side sees the end), `fault_ms` pass or the server stops, then closes it.
 *  - RESET: an RST before the status line (the association is dissolved with connect(AF_UNSPEC), an
 *    abortive close, since MHD itself would shut the write side down with a FIN first).
 *  - CLOSE_AFTER_HEADERS / CLOSE_MID_BODY: status line and headers with the whole body's
 *    Content-Length, then none / the first half of the body, then the connection closes (a content
 *    reader that ends with MHD_CONTENT_READER_END_WITH_ERROR).
 *  - DRIP: the whole answer, its body in at most 20 pieces spread over `fault_ms`.
 *  - OVERSIZE: the body, then spaces (JSON whitespace) up to `fault_bytes`, chunked (no length).
 * A fault that waits holds its worker thread, at most 120 s, and gives up as soon as ecc_server_stop
 * begins; a server that plays them needs a thread to spare for the client's retry.
 *
 * Connections that wait: once three quarters of `max_connections` are open, each connection accepted
 * closes (shutdown of its socket, no answer) the open connection that has waited longest without an
 * answer under way: an idle keep-alive connection, one still sending its request line, headers or body,
 * or one that never sent a byte. A connection whose request is complete is never closed this way, from
 * then until its answer ends (a handler's delay or a fault included). So slow or idle sockets cannot hold
 * every slot until `connection_timeout_s`, which an idle timeout alone cannot prevent: a slowloris
 * client that sends a byte now and then is never idle. Well-formed requests are refused a slot only
 * when every open connection has an answer under way; then they wait in the listen backlog.
 *
 * Threads: the handler is called from MHD's pool threads, concurrently; it must be thread-safe.
 * Connections are spread over the pool threads as they are accepted (one thread may take a burst of
 * them), and a handler that blocks holds up the other connections of its thread: an injected delay
 * delays those too, which a fault-injection design must allow for. A server
 * object holds no global state, so several can run in one process. ecc_server_new/stop/destroy must be
 * called from one thread (not from a signal handler: the CLI waits for SIGINT/SIGTERM with sigwait or
 * a flag, then calls ecc_server_stop).
 */
#include "ecc/common.h"
#include "ecc/http.h"

struct ecc_server_options {
    const char *address;            /* numeric IPv4 or IPv6 address; NULL means 127.0.0.1 */
    uint16_t port;                  /* 0 picks a free port: read it back with ecc_server_port */
    unsigned thread_count;          /* MHD worker threads; 0 means 4 */
    unsigned connection_timeout_s;  /* idle time before MHD closes a connection; 0 means 30 */
    size_t max_body_bytes;          /* request body cap; 0 means 1 MiB */
    unsigned max_connections;       /* concurrent connections; 0 means 256 (eviction from 3/4: above) */
    size_t connection_memory_bytes; /* per-connection buffer, bounds the request headers; 0 means 16 KiB */
    /* HTTPS when both are set (PEM text, not file names; libmicrohttpd built with GnuTLS). Copied. */
    const char *tls_cert_pem;
    const char *tls_key_pem;
    /* Optional sink for MHD's own diagnostics (one line each, no trailing newline); NULL keeps it quiet. */
    void (*log_fn)(void *log_user_data, const char *line);
    void *log_user_data;
};

/* Fills the defaults described above (all zero / NULL). */
void ecc_server_options_init(struct ecc_server_options *options);

/*
 * Parses a `--listen` value: "ADDR:PORT", "[IPV6]:PORT", "ADDR" (port 0) or ":PORT" (127.0.0.1).
 * Writes the numeric address into `address` (`size` bytes) and the port into *port. ECC_ERR_INVALID
 * with the reason in `diag` for anything else (host names are refused: binding must be explicit).
 */
enum ecc_status ecc_server_parse_listen(
    const char *text, char *address, size_t size, uint16_t *port, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

struct ecc_server_stats {
    uint64_t connections_opened;
    uint64_t requests_handled;    /* answered by the handler */
    uint64_t requests_rejected;   /* answered by the glue itself (413, 400, 500) */
    uint64_t connections_evicted; /* closed to make room (see "Connections that wait") */
};

struct ecc_server;

/*
 * Binds and starts serving. `handler` and `handler_user_data` must outlive the server. Returns NULL on
 * failure with the reason in `diag` (address in use, bad address, TLS key rejected, ...). The caller
 * frees the server with ecc_server_destroy.
 */
struct ecc_server *ecc_server_new(
    const struct ecc_server_options *options,
    ecc_http_handler_fn *handler,
    void *handler_user_data,
    struct ecc_diag *diag);

/* The port actually bound (the chosen one when options.port was 0). */
uint16_t ecc_server_port(const struct ecc_server *server);
/* "http://127.0.0.1:PORT" (https with TLS; IPv6 addresses in brackets). Lives as long as the server. */
const char *ecc_server_url(const struct ecc_server *server);
/* A consistent-enough snapshot of the counters (each read atomically). */
void ecc_server_get_stats(const struct ecc_server *server, struct ecc_server_stats *stats);

/*
 * Graceful stop: stops accepting connections, waits up to `grace_ms` for requests already being received
 * or handled to be answered, then closes every connection (idle keep-alive ones included) and joins the
 * threads. Returns true when nothing was cut off. Calling it twice is harmless.
 */
bool ecc_server_stop(struct ecc_server *server, unsigned grace_ms);

/* Stops (with a 1 s grace) if still running, then frees. NULL is allowed. */
void ecc_server_destroy(struct ecc_server *server);

#endif

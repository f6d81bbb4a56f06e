/*
 * The libmicrohttpd glue under the emulator and the mock (server.h): binds loopback, gathers a request's
 * raw target, ordered headers and capped body, hands them to an `ecc_http_handler_fn` and sends its
 * answer, or plays the transport fault it asked for (hang, reset, cut answer, drip). What the glue must
 * refuse itself (oversized body, unknown method) it answers as AWS JSON, because a client under test
 * must never meet an HTML page that the real service would not send.
 */
#include "ecc/server.h"

#include "ecc/codec_response.h"
#include "ecc/errors.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * The answers the glue gives by itself. One table, so the lead can reconcile the names with errors.h
 * in one place. See server.h for why each name was chosen.
 */
enum s_reject {
    S_REJECT_TOO_LARGE,
    S_REJECT_METHOD,
    S_REJECT_HEADERS,
    S_REJECT_HANDLER,
    S_REJECT_NOMEM,
};

/* Rows of the error table (errors.h): the type name and the status come from there. */
static const enum ecc_error_id s_reject_table[] = {
    [S_REJECT_TOO_LARGE] = ECC_ERROR_REQUEST_ENTITY_TOO_LARGE,
    [S_REJECT_METHOD] = ECC_ERROR_UNKNOWN_OPERATION,
    [S_REJECT_HEADERS] = ECC_ERROR_CLIENT,
    [S_REJECT_HANDLER] = ECC_ERROR_INTERNAL_FAILURE,
    [S_REJECT_NOMEM] = ECC_ERROR_INTERNAL_FAILURE,
};

#define S_DEFAULT_THREADS         4u
#define S_DEFAULT_TIMEOUT_S       30u
#define S_DEFAULT_MAX_BODY        ((size_t)1 << 20)
#define S_DEFAULT_MAX_CONNECTIONS 256u
/*
 * Once this share of max_connections is open, each connection accepted closes the one that has waited
 * longest without an answer under way (see s_evict_one). The rest is the headroom that keeps MHD
 * accepting: at its limit it stops polling the listen socket, and with no new connection nothing would
 * ever be evicted.
 */
#define S_EVICT_AT_NUM 3u
#define S_EVICT_AT_DEN 4u
/*
 * MHD 0.9.75 zeroes a connection's whole memory pool at every request (MHD_pool_reset) and half of it
 * again when it shrinks the read buffer: at 64 KiB that was ~96 KB of memset per request, 40% of the
 * server's instructions for a RunTask. 16 KiB still takes header blocks up to about 15 KB.
 */
#define S_DEFAULT_CONNECTION_MEM ((size_t)16 << 10)

/*
 * One open connection, MHD's `socket_context`: created when MHD reports it started, freed when it
 * reports it closed (before MHD closes the descriptor, so a shutdown() under the lock never reaches a
 * reused descriptor).
 */
struct s_conn {
    struct s_conn *prev, *next; /* in ecc_server.conns, the longest waiting first */
    int fd;
    bool answering; /* an answer is queued or being produced: never evicted */
    bool evicted;
};

struct ecc_server {
    struct MHD_Daemon *daemon;
    ecc_http_handler_fn *handler;
    void *handler_user_data;
    size_t max_body_bytes;
    void (*log_fn)(void *log_user_data, const char *line);
    void *log_user_data;
    uint16_t port;
    char url[80];
    char *tls_cert_pem;
    char *tls_key_pem;

    atomic_bool stopping; /* set by ecc_server_stop: a fault that waits gives up */
    atomic_uint_fast64_t connections_opened;
    atomic_uint_fast64_t requests_handled;
    atomic_uint_fast64_t requests_rejected;
    atomic_uint_fast64_t connections_evicted;

    /* Requests between their request line and the end of their answer; ecc_server_stop waits on it. */
    pthread_mutex_t lock;
    pthread_cond_t idle;
    size_t in_flight;
    bool stopped_cleanly;
    /* Open connections (under `lock`): the list orders them by how long they have waited without an
     * answer under way, from acceptance or from the end of their last answer. */
    struct s_conn *conns_head, *conns_tail;
    size_t conns_open;
    size_t evict_at;
};

/* Per-request state, MHD's `req_cls`: created when the request line arrives, freed on completion. */
struct s_request {
    struct ecc_http_request request;
    struct ecc_buf body;
    bool headers_read;
    bool too_large;
    size_t discarded_bytes;
};

void ecc_server_options_init(struct ecc_server_options *options) {
    memset(options, 0, sizeof(*options));
}

enum ecc_status
ecc_server_parse_listen(const char *text, char *address, size_t size, uint16_t *port, struct ecc_diag *diag) {
    const char *host = text;
    size_t host_len;
    const char *port_text = NULL;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || (close[1] != '\0' && close[1] != ':')) {
            ecc_diag_set(diag, "listen address '%.100s': expected [IPV6]:PORT", text);
            return ECC_ERR_INVALID;
        }
        host = text + 1;
        host_len = (size_t)(close - host);
        port_text = close[1] == ':' ? close + 2 : NULL;
    } else {
        const char *colon = strrchr(text, ':');
        if (colon && strchr(text, ':') != colon) {
            ecc_diag_set(diag, "listen address '%.100s': put an IPv6 address in brackets", text);
            return ECC_ERR_INVALID;
        }
        host_len = colon ? (size_t)(colon - text) : strlen(text);
        port_text = colon ? colon + 1 : NULL;
    }
    if (host_len == 0) {
        host = "127.0.0.1";
        host_len = strlen(host);
    }
    if (host_len >= size || host_len >= INET6_ADDRSTRLEN) {
        ecc_diag_set(diag, "listen address '%.100s' is too long", text);
        return ECC_ERR_INVALID;
    }
    memcpy(address, host, host_len);
    address[host_len] = '\0';
    uint8_t scratch[sizeof(struct in6_addr)];
    if (inet_pton(AF_INET, address, scratch) != 1 && inet_pton(AF_INET6, address, scratch) != 1) {
        ecc_diag_set(diag, "listen address '%.100s' is not a numeric IPv4 or IPv6 address", address);
        return ECC_ERR_INVALID;
    }
    unsigned long value = 0;
    if (port_text) {
        char *end = NULL;
        errno = 0;
        value = strtoul(port_text, &end, 10);
        if (port_text[0] < '0' || port_text[0] > '9' || *end != '\0' || errno != 0 || value > 65535) {
            ecc_diag_set(diag, "listen port '%.20s' is not a number from 0 to 65535", port_text);
            return ECC_ERR_INVALID;
        }
    }
    *port = (uint16_t)value;
    return ECC_OK;
}

static void s_request_id(char out[37]) {
    uint8_t bytes[16];
    if (RAND_bytes(bytes, (int)sizeof(bytes)) != 1) {
        /* An id only correlates log lines; a constant one is better than no answer. */
        memset(bytes, 0, sizeof(bytes));
    }
    ecc_uuid4_format(bytes, out);
}

static void
s_add_headers(struct ecc_server *server, struct MHD_Response *mhd_response, const struct ecc_http_response *response) {
    for (size_t i = 0; i < response->headers.count; i++) {
        const struct ecc_http_header *header = &response->headers.items[i];
        /* MHD frames the message itself; a handler's framing headers would contradict it. */
        if (ecc_http_name_equal(header->name, "Content-Length") ||
            ecc_http_name_equal(header->name, "Transfer-Encoding")) {
            continue;
        }
        if (MHD_add_response_header(mhd_response, header->name, header->value) != MHD_YES && server->log_fn) {
            char line[256];
            snprintf(line, sizeof(line), "server: response header '%.100s' refused by libmicrohttpd", header->name);
            server->log_fn(server->log_user_data, line);
        }
    }
}

/* ------------------------------------------------------------------------------------------------ */
/* Connections that wait without an answer under way: idle keep-alive ones, slow headers, slow bodies */

static void s_conns_unlink(struct ecc_server *server, struct s_conn *conn) {
    if (conn->prev) {
        conn->prev->next = conn->next;
    } else {
        server->conns_head = conn->next;
    }
    if (conn->next) {
        conn->next->prev = conn->prev;
    } else {
        server->conns_tail = conn->prev;
    }
    conn->prev = conn->next = NULL;
}

static void s_conns_append(struct ecc_server *server, struct s_conn *conn) {
    conn->prev = server->conns_tail;
    conn->next = NULL;
    if (server->conns_tail) {
        server->conns_tail->next = conn;
    } else {
        server->conns_head = conn;
    }
    server->conns_tail = conn;
}

static struct s_conn *s_conn_of(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* The request is complete (or rejected): from now until it ends, its connection is never evicted. */
static void s_conn_answering(struct ecc_server *server, struct MHD_Connection *connection) {
    struct s_conn *conn = s_conn_of(connection);
    if (conn) {
        pthread_mutex_lock(&server->lock);
        conn->answering = true;
        pthread_mutex_unlock(&server->lock);
    }
}

/*
 * Under `lock`, when a connection was accepted: with `evict_at` connections open (not counting those
 * already evicted), closes the one that has waited longest without an answer under way. MHD 0.9.75 has
 * no call to close a connection from outside its thread; shutdown() on its socket makes the owning
 * worker read the end of the stream and close it through its own path. Without this, 300 slowloris or
 * idle sockets hold every slot of a 256-connection server for up to the 30 s idle timeout (a slowloris
 * that sends a byte now and then, forever), and well-formed requests wait in the listen backlog.
 */
static void s_evict_one(struct ecc_server *server, const struct s_conn *accepted) {
    if (server->conns_open < server->evict_at) {
        return;
    }
    for (struct s_conn *conn = server->conns_head; conn; conn = conn->next) {
        if (conn != accepted && !conn->answering && !conn->evicted && conn->fd >= 0) {
            conn->evicted = true;
            server->conns_open--;
            (void)shutdown(conn->fd, SHUT_RDWR);
            atomic_fetch_add(&server->connections_evicted, 1);
            return;
        }
    }
}

/* Hands the response to MHD. Takes the body buffer out of `response` (MHD frees it once sent). */
static enum MHD_Result
s_send(struct ecc_server *server, struct MHD_Connection *connection, struct ecc_http_response *response) {
    struct MHD_Response *mhd_response = NULL;
    if (response->body && response->body_len) {
        mhd_response = MHD_create_response_from_buffer_with_free_callback(response->body_len, response->body, free);
        if (mhd_response) {
            response->body = NULL;
            response->body_len = 0;
        }
    } else {
        mhd_response = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (!mhd_response) {
        return MHD_NO;
    }
    s_add_headers(server, mhd_response, response);
    enum MHD_Result result = MHD_queue_response(connection, (unsigned)response->status, mhd_response);
    MHD_destroy_response(mhd_response);
    return result;
}

/* ------------------------------------------------------------------------------------------------ */
/* Transport faults (http.h, enum ecc_http_fault): what a test server plays to a client under test   */

/* The longest a fault may hold a worker thread, whatever the handler asked for. */
#define S_MAX_FAULT_MS 120000u
/* A waiting fault looks at the stop flag (and the client's socket) this often. */
#define S_FAULT_SLICE_MS 20u
/* How many pieces a drip cuts the body into, at most. */
#define S_DRIP_PIECES 20u

static bool s_server_stopping(void *user_data) {
    struct ecc_server *server = user_data;
    return atomic_load(&server->stopping);
}

/* Sleeps `ms` in slices; false as soon as the server is stopping. */
static bool s_fault_wait(struct ecc_server *server, unsigned ms) {
    return ecc_sleep_until_ms(ecc_monotonic_ms() + ms, S_FAULT_SLICE_MS, s_server_stopping, server);
}

static int s_connection_fd(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info != NULL ? (int)info->connect_fd : -1;
}

/*
 * HANG: answers nothing and holds the connection until the client gives up and closes it, `ms` pass or
 * the server stops. Blocking here holds one worker thread; the bound is S_MAX_FAULT_MS, and a client
 * with a deadline frees it at that deadline.
 */
static void s_fault_hold(struct ecc_server *server, struct MHD_Connection *connection, unsigned ms) {
    int fd = s_connection_fd(connection);
    uint64_t deadline = ecc_monotonic_ms() + ms;
    while (!atomic_load(&server->stopping) && ecc_monotonic_ms() < deadline) {
        if (fd < 0) {
            (void)s_fault_wait(server, S_FAULT_SLICE_MS);
            continue;
        }
        struct pollfd watch = {.fd = fd, .events = POLLIN};
        int ready = poll(&watch, 1, (int)S_FAULT_SLICE_MS);
        if (ready <= 0) {
            continue;
        }
        if ((watch.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0) {
            return; /* the client closed its side: it gave up on this answer */
        }
        char byte;
        if (recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0) {
            return;
        }
        /* Bytes of a next request are waiting: they stay unread, so do not spin on them. */
        (void)s_fault_wait(server, S_FAULT_SLICE_MS);
    }
}

/*
 * RESET: an RST before any byte of the answer. MHD shuts the write side down (a FIN) before it closes,
 * so an abortive close (SO_LINGER 0) alone would read as an empty answer; dissolving the association
 * with connect(AF_UNSPEC) sends the RST at once (Linux: tcp_disconnect). The descriptor stays MHD's to
 * close. The linger setting covers a kernel that refuses the dissolve.
 */
static void s_fault_reset(struct MHD_Connection *connection) {
    int fd = s_connection_fd(connection);
    if (fd < 0) {
        return;
    }
    struct linger linger = {.l_onoff = 1, .l_linger = 0};
    (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger));
    struct sockaddr unspecified;
    memset(&unspecified, 0, sizeof(unspecified));
    unspecified.sa_family = AF_UNSPEC;
    (void)connect(fd, &unspecified, sizeof(unspecified));
}

/* The state of a streamed fault answer; MHD frees it through s_stream_free once the answer ends. */
struct s_stream {
    struct ecc_server *server;
    enum ecc_http_fault fault;
    uint8_t *body;
    size_t body_len;
    uint64_t total_bytes; /* OVERSIZE: everything sent, padding included */
    size_t piece_bytes;   /* DRIP */
    unsigned piece_ms;    /* DRIP */
};

static void s_stream_free(void *cls) {
    struct s_stream *stream = cls;
    free(stream->body);
    free(stream);
}

static ssize_t s_stream_read(void *cls, uint64_t pos, char *buf, size_t max) {
    struct s_stream *stream = cls;
    size_t n = 0;
    switch (stream->fault) {
    case ECC_HTTP_FAULT_CLOSE_MID_BODY:
        if (pos >= stream->body_len / 2u) {
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        n = stream->body_len / 2u - (size_t)pos;
        break;
    case ECC_HTTP_FAULT_DRIP:
        if (pos >= stream->body_len) {
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (!s_fault_wait(stream->server, stream->piece_ms)) {
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        n = stream->body_len - (size_t)pos;
        n = n < stream->piece_bytes ? n : stream->piece_bytes;
        break;
    case ECC_HTTP_FAULT_OVERSIZE:
        if (pos >= stream->total_bytes || atomic_load(&stream->server->stopping)) {
            return pos >= stream->total_bytes ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (pos < stream->body_len) {
            n = stream->body_len - (size_t)pos;
        } else {
            uint64_t left = stream->total_bytes - pos;
            n = left < max ? (size_t)left : max;
            memset(buf, ' ', n);
            return (ssize_t)n;
        }
        break;
    default: /* CLOSE_AFTER_HEADERS */
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    n = n < max ? n : max;
    memcpy(buf, stream->body + pos, n);
    return (ssize_t)n;
}

/* Plays `response->fault`. Takes the body buffer out of `response`. */
static enum MHD_Result
s_send_fault(struct ecc_server *server, struct MHD_Connection *connection, struct ecc_http_response *response) {
    unsigned ms = response->fault_ms == 0 || response->fault_ms > S_MAX_FAULT_MS ? S_MAX_FAULT_MS : response->fault_ms;
    if (response->fault == ECC_HTTP_FAULT_HANG) {
        s_fault_hold(server, connection, ms);
        return MHD_NO; /* closes the connection without a byte of answer */
    }
    if (response->fault == ECC_HTTP_FAULT_RESET) {
        s_fault_reset(connection);
        return MHD_NO;
    }
    struct s_stream *stream = calloc(1, sizeof(*stream));
    if (!stream) {
        return MHD_NO;
    }
    stream->server = server;
    stream->fault = response->fault;
    stream->body = response->body;
    stream->body_len = response->body ? response->body_len : 0;
    response->body = NULL;
    response->body_len = 0;
    size_t pieces = stream->body_len < S_DRIP_PIECES ? stream->body_len : S_DRIP_PIECES;
    stream->piece_bytes = pieces ? (stream->body_len + pieces - 1) / pieces : 1;
    stream->piece_ms = pieces ? (unsigned)(ms / pieces) : 0;
    stream->total_bytes = response->fault_bytes > stream->body_len ? response->fault_bytes : stream->body_len;
    uint64_t size = stream->fault == ECC_HTTP_FAULT_OVERSIZE ? MHD_SIZE_UNKNOWN : stream->body_len;
    struct MHD_Response *mhd_response = MHD_create_response_from_callback(
        size, stream->fault == ECC_HTTP_FAULT_OVERSIZE ? 64 * 1024 : 4096, s_stream_read, stream, s_stream_free);
    if (!mhd_response) {
        s_stream_free(stream);
        return MHD_NO;
    }
    s_add_headers(server, mhd_response, response);
    enum MHD_Result result = MHD_queue_response(connection, (unsigned)response->status, mhd_response);
    MHD_destroy_response(mhd_response);
    return result;
}

static enum MHD_Result
s_reject(struct ecc_server *server, struct MHD_Connection *connection, enum s_reject reason, const char *fmt, ...)
    ECC_PRINTF(4, 5);

static enum MHD_Result
s_reject(struct ecc_server *server, struct MHD_Connection *connection, enum s_reject reason, const char *fmt, ...) {
    atomic_fetch_add(&server->requests_rejected, 1);
    s_conn_answering(server, connection);
    char message[256];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);

    struct ecc_http_response response;
    ecc_http_response_init(&response);
    char request_id[37];
    s_request_id(request_id);
    struct ecc_error_response_options options = {
        .info = ecc_errors_get(s_reject_table[reason]),
        .message = message,
        .request_id = request_id,
    };
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum MHD_Result result = MHD_NO;
    enum ecc_status status = ecc_codec_build_error_response(&options, &response, &diag);
    if (status == ECC_ERR_INVALID) {
        /* The message echoes client bytes that are not UTF-8: the table's summary instead. */
        ecc_http_response_clean_up(&response);
        ecc_http_response_init(&response);
        options.message = NULL;
        status = ecc_codec_build_error_response(&options, &response, &diag);
    }
    if (status != ECC_OK) {
        goto done;
    }
    result = s_send(server, connection, &response);

done:
    ecc_http_response_clean_up(&response);
    return result;
}

static bool s_method_allowed(const char *method) {
    static const char *const allowed[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(allowed); i++) {
        if (strcmp(method, allowed[i]) == 0) {
            return true;
        }
    }
    return false;
}

static enum MHD_Result s_collect_header(
    void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size, const char *value, size_t value_size) {
    (void)kind;
    struct s_request *req = cls;
    if (ecc_http_headers_add_n(&req->request.headers, key, key_size, value ? value : "", value ? value_size : 0) !=
        ECC_OK) {
        return MHD_NO;
    }
    return MHD_YES;
}

/* MHD calls this once the request line is read, with the target exactly as sent. */
static void *s_on_uri(void *cls, const char *uri, struct MHD_Connection *connection) {
    (void)connection;
    struct ecc_server *server = cls;
    struct s_request *req = calloc(1, sizeof(*req));
    if (!req) {
        return NULL;
    }
    ecc_http_request_init(&req->request);
    ecc_buf_init(&req->body, server->max_body_bytes);
    const char *target = uri ? uri : "";
    const char *mark = strchr(target, '?');
    size_t path_len = mark ? (size_t)(mark - target) : strlen(target);
    req->request.path = malloc(path_len + 1);
    req->request.query = ecc_strdup(mark ? mark + 1 : "");
    if (!req->request.path || !req->request.query) {
        ecc_http_request_clean_up(&req->request);
        free(req);
        return NULL;
    }
    memcpy(req->request.path, target, path_len);
    req->request.path[path_len] = '\0';

    pthread_mutex_lock(&server->lock);
    server->in_flight++;
    pthread_mutex_unlock(&server->lock);
    return req;
}

static void
s_on_completed(void *cls, struct MHD_Connection *connection, void **req_cls, enum MHD_RequestTerminationCode code) {
    (void)code;
    struct ecc_server *server = cls;
    struct s_conn *conn = s_conn_of(connection);
    if (conn) {
        /* Waiting again (keep-alive) from now: the end of the list. */
        pthread_mutex_lock(&server->lock);
        conn->answering = false;
        s_conns_unlink(server, conn);
        s_conns_append(server, conn);
        pthread_mutex_unlock(&server->lock);
    }
    struct s_request *req = *req_cls;
    if (!req) {
        return;
    }
    *req_cls = NULL;
    ecc_http_request_clean_up(&req->request);
    ecc_buf_clean_up(&req->body);
    free(req);
    pthread_mutex_lock(&server->lock);
    server->in_flight--;
    pthread_cond_broadcast(&server->idle);
    pthread_mutex_unlock(&server->lock);
}

static void s_on_connection(
    void *cls, struct MHD_Connection *connection, void **socket_context, enum MHD_ConnectionNotificationCode code) {
    struct ecc_server *server = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        atomic_fetch_add(&server->connections_opened, 1);
        /* Out of memory: the connection is served but never evicted. */
        struct s_conn *conn = calloc(1, sizeof(*conn));
        if (!conn) {
            return;
        }
        conn->fd = s_connection_fd(connection);
        *socket_context = conn;
        pthread_mutex_lock(&server->lock);
        s_conns_append(server, conn);
        server->conns_open++;
        s_evict_one(server, conn);
        pthread_mutex_unlock(&server->lock);
        return;
    }
    struct s_conn *conn = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_CLOSED && conn) {
        *socket_context = NULL;
        pthread_mutex_lock(&server->lock);
        s_conns_unlink(server, conn);
        if (!conn->evicted) {
            server->conns_open--;
        }
        pthread_mutex_unlock(&server->lock);
        free(conn);
    }
}

/* First call for a request: its headers are complete, its body has not been read yet. */
static enum MHD_Result
s_on_headers(struct ecc_server *server, struct MHD_Connection *connection, struct s_request *req, const char *method) {
    req->headers_read = true;
    if (!s_method_allowed(method)) {
        return s_reject(server, connection, S_REJECT_METHOD, "HTTP method %.32s is not supported", method);
    }
    req->request.method = ecc_strdup(method);
    if (!req->request.method) {
        return s_reject(server, connection, S_REJECT_NOMEM, "out of memory");
    }
    int count = MHD_get_connection_values_n(connection, MHD_HEADER_KIND, s_collect_header, req);
    if (count < 0 || req->request.headers.count != (size_t)count) {
        return s_reject(
            server, connection, S_REJECT_HEADERS, "more than %d request headers", (int)ECC_HTTP_MAX_HEADERS);
    }
    /* MHD has already checked that Content-Length is a number; answering now spares reading the body. */
    const char *length = ecc_http_headers_get(&req->request.headers, "Content-Length");
    if (length) {
        unsigned long long declared = strtoull(length, NULL, 10);
        if (declared > server->max_body_bytes) {
            return s_reject(
                server,
                connection,
                S_REJECT_TOO_LARGE,
                "request body of %llu bytes exceeds the limit of %zu bytes",
                declared,
                server->max_body_bytes);
        }
    }
    return MHD_YES;
}

static enum MHD_Result s_on_request(
    void *cls,
    struct MHD_Connection *connection,
    const char *url,
    const char *method,
    const char *version,
    const char *upload_data,
    size_t *upload_data_size,
    void **req_cls) {
    (void)url;
    (void)version;
    struct ecc_server *server = cls;
    struct s_request *req = *req_cls;
    if (!req) {
        /* s_on_uri ran out of memory: nothing sensible can be collected, close the connection. */
        return MHD_NO;
    }
    if (!req->headers_read) {
        return s_on_headers(server, connection, req, method);
    }
    if (*upload_data_size) {
        size_t size = *upload_data_size;
        *upload_data_size = 0;
        if (!req->too_large && ecc_buf_append(&req->body, upload_data, size) != ECC_OK) {
            req->too_large = true;
        }
        if (req->too_large) {
            /* MHD cannot answer before the body ends; keep reading, but not forever. */
            req->discarded_bytes += size;
            if (req->discarded_bytes > server->max_body_bytes) {
                return MHD_NO;
            }
        }
        return MHD_YES;
    }
    if (req->too_large) {
        return s_reject(
            server,
            connection,
            S_REJECT_TOO_LARGE,
            "request body exceeds the limit of %zu bytes",
            server->max_body_bytes);
    }

    s_conn_answering(server, connection);
    req->request.body_len = req->body.len;
    req->request.body = (uint8_t *)ecc_buf_steal(&req->body);
    if (!req->request.body && ecc_http_request_set_body(&req->request, "", 0) != ECC_OK) {
        return s_reject(server, connection, S_REJECT_NOMEM, "out of memory");
    }

    struct ecc_http_response response;
    ecc_http_response_init(&response);
    server->handler(server->handler_user_data, &req->request, &response);
    enum MHD_Result result;
    bool silent = response.fault == ECC_HTTP_FAULT_HANG || response.fault == ECC_HTTP_FAULT_RESET;
    if (!silent && (response.status < 100 || response.status > 599)) {
        result = s_reject(server, connection, S_REJECT_HANDLER, "the handler produced no valid answer");
    } else {
        atomic_fetch_add(&server->requests_handled, 1);
        result = response.fault != ECC_HTTP_FAULT_NONE ? s_send_fault(server, connection, &response)
                                                       : s_send(server, connection, &response);
    }
    ecc_http_response_clean_up(&response);
    return result;
}

static void s_mhd_log(void *cls, const char *fmt, va_list args) ECC_PRINTF(2, 0);

static void s_mhd_log(void *cls, const char *fmt, va_list args) {
    struct ecc_server *server = cls;
    char line[512];
    vsnprintf(line, sizeof(line), fmt, args);
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
        line[--len] = '\0';
    }
    server->log_fn(server->log_user_data, line);
}

static void s_free(struct ecc_server *server) {
    if (server->tls_key_pem) {
        ecc_secure_zero(server->tls_key_pem, strlen(server->tls_key_pem));
    }
    free(server->tls_key_pem);
    free(server->tls_cert_pem);
    pthread_cond_destroy(&server->idle);
    pthread_mutex_destroy(&server->lock);
    free(server);
}

struct ecc_server *ecc_server_new(
    const struct ecc_server_options *options,
    ecc_http_handler_fn *handler,
    void *handler_user_data,
    struct ecc_diag *diag) {
    struct ecc_server_options defaults;
    if (!options) {
        ecc_server_options_init(&defaults);
        options = &defaults;
    }
    struct ecc_server *server = calloc(1, sizeof(*server));
    if (!server) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&server->lock, NULL);
    pthread_condattr_t cond_attr;
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC);
    pthread_cond_init(&server->idle, &cond_attr);
    pthread_condattr_destroy(&cond_attr);
    server->handler = handler;
    server->handler_user_data = handler_user_data;
    server->max_body_bytes = options->max_body_bytes ? options->max_body_bytes : S_DEFAULT_MAX_BODY;
    server->log_fn = options->log_fn;
    server->log_user_data = options->log_user_data;
    unsigned max_connections = options->max_connections ? options->max_connections : S_DEFAULT_MAX_CONNECTIONS;
    server->evict_at = (size_t)max_connections * S_EVICT_AT_NUM / S_EVICT_AT_DEN;
    if (server->evict_at == 0 || server->evict_at >= max_connections) {
        server->evict_at = max_connections > 1 ? max_connections - 1 : 1;
    }
    atomic_init(&server->connections_opened, 0);
    atomic_init(&server->requests_handled, 0);
    atomic_init(&server->requests_rejected, 0);
    atomic_init(&server->connections_evicted, 0);

    const char *address = options->address ? options->address : "127.0.0.1";
    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof(storage));
    /* poll(), not the epoll MHD_USE_AUTO picks: with epoll and a thread pool, libmicrohttpd 0.9.75's
     * MHD_quiesce_daemon (our graceful stop) races a worker that takes the listen socket out of its epoll
     * set at the connection limit, and panics ("Failed to remove listen FD from epoll set": seen once in
     * an ASan CI run of unit.server). With poll() it wakes each worker through its ITC instead. */
    unsigned flags = MHD_USE_POLL | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
    bool ipv6 = false;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&storage;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&storage;
    if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons(options->port);
    } else if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(options->port);
        flags |= MHD_USE_IPv6;
        ipv6 = true;
    } else {
        ecc_diag_set(diag, "listen address '%.100s' is not a numeric IPv4 or IPv6 address", address);
        goto on_error;
    }

    bool tls = options->tls_cert_pem && options->tls_key_pem;
    if (tls) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            ecc_diag_set(diag, "this libmicrohttpd was built without TLS support");
            goto on_error;
        }
        server->tls_cert_pem = ecc_strdup(options->tls_cert_pem);
        server->tls_key_pem = ecc_strdup(options->tls_key_pem);
        if (!server->tls_cert_pem || !server->tls_key_pem) {
            ecc_diag_set(diag, "out of memory");
            goto on_error;
        }
        flags |= MHD_USE_TLS;
    }
    if (server->log_fn) {
        flags |= MHD_USE_ERROR_LOG;
    }

    struct MHD_OptionItem tls_options[] = {
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, server->tls_cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, server->tls_key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    /* MHD reads the varargs by type: every value below is cast to exactly the type it expects. */
    server->daemon = MHD_start_daemon(
        flags,
        options->port,
        NULL,
        NULL,
        s_on_request,
        server,
        MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&storage,
        MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned int)(options->thread_count ? options->thread_count : S_DEFAULT_THREADS),
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)(options->connection_timeout_s ? options->connection_timeout_s : S_DEFAULT_TIMEOUT_S),
        MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)max_connections,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(options->connection_memory_bytes ? options->connection_memory_bytes : S_DEFAULT_CONNECTION_MEM),
        /* Most tolerant parsing: fewer requests end in MHD's own HTML error page (see server.h). */
        MHD_OPTION_STRICT_FOR_CLIENT,
        (int)-1,
        MHD_OPTION_URI_LOG_CALLBACK,
        s_on_uri,
        (void *)server,
        MHD_OPTION_NOTIFY_COMPLETED,
        s_on_completed,
        (void *)server,
        MHD_OPTION_NOTIFY_CONNECTION,
        s_on_connection,
        (void *)server,
        MHD_OPTION_EXTERNAL_LOGGER,
        s_mhd_log,
        (void *)server,
        MHD_OPTION_ARRAY,
        tls_options,
        MHD_OPTION_END);
    if (!server->daemon) {
        ecc_diag_set(
            diag,
            "cannot listen on %s port %u (address in use, no permission, or TLS key/certificate rejected)",
            address,
            (unsigned)options->port);
        goto on_error;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    server->port = info ? info->port : options->port;
    snprintf(
        server->url,
        sizeof(server->url),
        "%s://%s%s%s:%u",
        tls ? "https" : "http",
        ipv6 ? "[" : "",
        address,
        ipv6 ? "]" : "",
        (unsigned)server->port);
    return server;

on_error:
    s_free(server);
    return NULL;
}

uint16_t ecc_server_port(const struct ecc_server *server) {
    return server->port;
}

const char *ecc_server_url(const struct ecc_server *server) {
    return server->url;
}

void ecc_server_get_stats(const struct ecc_server *server, struct ecc_server_stats *stats) {
    /* The counters are atomics; reading them needs no lock, hence the cast away from const. */
    struct ecc_server *mutable_server = (struct ecc_server *)server;
    stats->connections_opened = atomic_load(&mutable_server->connections_opened);
    stats->requests_handled = atomic_load(&mutable_server->requests_handled);
    stats->requests_rejected = atomic_load(&mutable_server->requests_rejected);
    stats->connections_evicted = atomic_load(&mutable_server->connections_evicted);
}

bool ecc_server_stop(struct ecc_server *server, unsigned grace_ms) {
    if (!server->daemon) {
        return server->stopped_cleanly;
    }
    atomic_store(&server->stopping, true);
    MHD_socket listen_socket = MHD_quiesce_daemon(server->daemon);

    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)(grace_ms / 1000);
    deadline.tv_nsec += (long)(grace_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&server->lock);
    while (server->in_flight > 0) {
        if (pthread_cond_timedwait(&server->idle, &server->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    server->stopped_cleanly = server->in_flight == 0;
    pthread_mutex_unlock(&server->lock);

    MHD_stop_daemon(server->daemon);
    server->daemon = NULL;
    if (listen_socket != MHD_INVALID_SOCKET) {
        close(listen_socket);
    }
    return server->stopped_cleanly;
}

void ecc_server_destroy(struct ecc_server *server) {
    if (!server) {
        return;
    }
    (void)ecc_server_stop(server, 1000);
    s_free(server);
}

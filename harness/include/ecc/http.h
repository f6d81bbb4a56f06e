#ifndef ECC_HTTP_H
#define ECC_HTTP_H
/*
 * Plain HTTP message values shared by the signer, the transport, the server glue and the runner.
 * They are just data: no parsing of the wire format happens here (libcurl and libmicrohttpd do that).
 *
 * Ownership: a message owns every string and the body it holds; `clean_up` frees them. Header names
 * keep the case they were given; look-ups are case-insensitive. Order and duplicates are preserved,
 * because SigV4 canonicalization depends on both.
 */
#include "ecc/common.h"

struct ecc_http_header {
    char *name;
    char *value;
};

struct ecc_http_headers {
    struct ecc_http_header *items;
    size_t count;
    size_t capacity;
};

/* A request as a signer or a server sees it. `path` is the raw request target path ("/" for AWS JSON),
 * `query` the raw query string without '?' (NULL or "" when there is none). */
struct ecc_http_request {
    char *method;
    char *path;
    char *query;
    struct ecc_http_headers headers;
    uint8_t *body;
    size_t body_len;
};

/*
 * A transport fault a test server plays instead of, or around, a well-formed answer (server.h says how
 * each one goes on the wire). Only the mock sets one, to see what a client under test does when its
 * answer never comes, is cut short, crawls or does not end; the emulator never does.
 */
enum ecc_http_fault {
    ECC_HTTP_FAULT_NONE = 0,
    ECC_HTTP_FAULT_HANG,                /* no answer: the connection is held until the client closes it */
    ECC_HTTP_FAULT_RESET,               /* the connection is reset before the status line */
    ECC_HTTP_FAULT_CLOSE_AFTER_HEADERS, /* status line and headers (the whole body's length), then closed */
    ECC_HTTP_FAULT_CLOSE_MID_BODY,      /* half the declared body, then closed */
    ECC_HTTP_FAULT_DRIP,                /* the body in small pieces spread over `fault_ms` */
    ECC_HTTP_FAULT_OVERSIZE,            /* the body, then JSON whitespace up to `fault_bytes`, chunked */
};

/* "hang", "reset", "close-after-headers", ... ; NULL for a value out of range. */
const char *ecc_http_fault_name(enum ecc_http_fault fault);
/* By that name; false when unknown. */
bool ecc_http_fault_parse(const char *name, enum ecc_http_fault *out);

struct ecc_http_response {
    int status;
    struct ecc_http_headers headers;
    uint8_t *body;
    size_t body_len;
    /* Test servers only (see enum ecc_http_fault); zero for a plain answer. */
    enum ecc_http_fault fault;
    unsigned fault_ms;    /* HANG: the longest hold; DRIP: the time the body is spread over; 0: the server's bound */
    uint64_t fault_bytes; /* OVERSIZE: the size of the whole body */
};

/* Most headers a message may carry; more is a hostile or broken peer. */
#define ECC_HTTP_MAX_HEADERS 200

void ecc_http_headers_init(struct ecc_http_headers *headers);
void ecc_http_headers_clean_up(struct ecc_http_headers *headers);
/* Appends (keeps duplicates). ECC_ERR_LIMIT past ECC_HTTP_MAX_HEADERS. */
enum ecc_status
ecc_http_headers_add(struct ecc_http_headers *headers, const char *name, const char *value) ECC_WARN_UNUSED_RESULT;
/* Same, with a value that is not NUL-terminated. */
enum ecc_status ecc_http_headers_add_n(
    struct ecc_http_headers *headers, const char *name, size_t name_len, const char *value, size_t value_len)
    ECC_WARN_UNUSED_RESULT;
/* Removes every header of that name, then appends one. */
enum ecc_status
ecc_http_headers_set(struct ecc_http_headers *headers, const char *name, const char *value) ECC_WARN_UNUSED_RESULT;
/* Removes every header of that name; returns how many were removed. */
size_t ecc_http_headers_remove(struct ecc_http_headers *headers, const char *name);
/* First value of that name (case-insensitive), or NULL. The pointer lives as long as the header. */
const char *ecc_http_headers_get(const struct ecc_http_headers *headers, const char *name);
/* How many headers carry that name. */
size_t ecc_http_headers_count_name(const struct ecc_http_headers *headers, const char *name);
enum ecc_status
ecc_http_headers_copy(struct ecc_http_headers *dst, const struct ecc_http_headers *src) ECC_WARN_UNUSED_RESULT;

void ecc_http_request_init(struct ecc_http_request *request);
void ecc_http_request_clean_up(struct ecc_http_request *request);
/* Replaces method/path/query (each may be NULL to leave it unset). */
enum ecc_status ecc_http_request_set_line(
    struct ecc_http_request *request, const char *method, const char *path, const char *query) ECC_WARN_UNUSED_RESULT;
/* Copies `len` bytes as the body (a NUL follows them, not counted in body_len). */
enum ecc_status
ecc_http_request_set_body(struct ecc_http_request *request, const void *body, size_t len) ECC_WARN_UNUSED_RESULT;
enum ecc_status
ecc_http_request_copy(struct ecc_http_request *dst, const struct ecc_http_request *src) ECC_WARN_UNUSED_RESULT;

void ecc_http_response_init(struct ecc_http_response *response);
void ecc_http_response_clean_up(struct ecc_http_response *response);
enum ecc_status
ecc_http_response_set_body(struct ecc_http_response *response, const void *body, size_t len) ECC_WARN_UNUSED_RESULT;

/*
 * What the emulator, the mock and any in-process endpoint implement: turn one request into one
 * response. The server glue (server.h) calls it from its worker threads; tests and fuzzers call it
 * directly, with no socket. `response` arrives initialized and empty; the handler fills status,
 * headers and body. It must always produce a well-formed answer, whatever the request holds.
 */
typedef void(ecc_http_handler_fn)(
    void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response);

/* Case-insensitive ASCII comparison of header names. */
bool ecc_http_name_equal(const char *a, const char *b);

#endif

/*
 * The HTTP client on libcurl (transport.h): endpoint URL checks through curl's URL API, the request sent
 * exactly as signed, deadlines and caps on everything an endpoint sends back, redirects that never carry
 * credentials to another origin, concurrent exchanges through one multi handle, and a secret-free `curl`
 * reproducer. Every way an endpoint can misbehave ends as a typed result with a message, so the runner,
 * the client and the fuzzer judge a failure by its kind rather than by curl's text.
 */
#include "ecc/transport.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_IDLE_EASY_MAX  16
#define S_CANCEL_POLL_MS 100

struct ecc_transport;

/* One exchange, from submit to collection. The public part comes first so the two convert. */
struct s_transfer {
    struct ecc_transport_exchange exchange;
    struct ecc_transport *owner;
    CURL *easy;
    struct ecc_http_request request; /* the copy being sent; redirect hops rewrite it */
    char *url;
    char where[320]; /* "METHOD scheme://host:port/path" for messages: never the query */
    struct curl_slist *header_list;
    struct ecc_buf body;
    size_t header_bytes;
    size_t header_lines;
    bool body_over_cap;
    bool body_nomem;
    bool headers_over_cap;
    bool finished;
    char errbuf[CURL_ERROR_SIZE];
    uint64_t start_us;
    struct s_transfer *next;
};

/*
 * The last request URL made, with its "where" text: callers send thousands of requests to one endpoint
 * and path, and making the URL costs four parses through curl's URL API (each part allocated), a tenth
 * of the wire fuzzer's own time. Keyed by the endpoint, path and query as given; owned by the transport.
 */
struct s_url_memo {
    char *endpoint_url;
    char *path;
    char *query; /* NULL: none */
    char *url;
    char where[300]; /* origin and path, without the method; "" when the URL does not parse */
};

struct ecc_transport {
    struct ecc_transport_options options;
    struct s_url_memo url_memo;
    char *ca_bundle;
    char *no_proxy;
    CURLM *multi;
    struct s_transfer *running;
    struct s_transfer *done_head;
    struct s_transfer *done_tail;
    size_t pending;
    CURL *idle_easy[S_IDLE_EASY_MAX];
    size_t idle_easy_count;
    bool (*should_cancel)(void *user_data);
    void *cancel_user_data;
};

static const struct {
    const char *name;
    const char *text;
} s_errors[] = {
    [ECC_TRANSPORT_OK] = {"ok", "ok"},
    [ECC_TRANSPORT_ERR_URL] = {"url", "request cannot be sent"},
    [ECC_TRANSPORT_ERR_RESOLVE] = {"resolve", "host not found"},
    [ECC_TRANSPORT_ERR_CONNECT] = {"connect", "cannot connect"},
    [ECC_TRANSPORT_ERR_TIMEOUT] = {"timeout", "timed out"},
    [ECC_TRANSPORT_ERR_TOO_SLOW] = {"too-slow", "endpoint too slow"},
    [ECC_TRANSPORT_ERR_TLS] = {"tls", "TLS failure"},
    [ECC_TRANSPORT_ERR_TOO_LARGE] = {"too-large", "response too large"},
    [ECC_TRANSPORT_ERR_TRUNCATED] = {"truncated", "truncated response"},
    [ECC_TRANSPORT_ERR_RESET] = {"reset", "connection reset"},
    [ECC_TRANSPORT_ERR_PROTOCOL] = {"protocol", "not a valid HTTP/1.x answer"},
    [ECC_TRANSPORT_ERR_REDIRECT] = {"redirect", "redirect not followed"},
    [ECC_TRANSPORT_ERR_NOMEM] = {"nomem", "out of memory"},
    [ECC_TRANSPORT_ERR_OTHER] = {"other", "transfer failed"},
    [ECC_TRANSPORT_ERR_CANCELLED] = {"cancelled", "cancelled"},
};

const char *ecc_transport_error_name(enum ecc_transport_error error) {
    size_t index = (size_t)error;
    if (index >= ECC_ARRAY_LEN(s_errors)) {
        return "unknown";
    }
    return s_errors[index].name;
}

void ecc_transport_options_init(struct ecc_transport_options *options) {
    memset(options, 0, sizeof(*options));
    options->connect_timeout_ms = 5000;
    options->timeout_ms = 30000;
    options->low_speed_bytes_per_s = 1;
    options->low_speed_time_s = 10;
    options->max_response_bytes = (size_t)8 << 20;
    options->max_header_bytes = (size_t)64 << 10;
    options->max_redirects = 5;
    options->max_idle_connections = 16;
}

void ecc_transport_options_set_timeout(struct ecc_transport_options *options, long timeout_ms) {
    options->timeout_ms = timeout_ms;
    options->low_speed_time_s = timeout_ms > 0 ? (timeout_ms + 999) / 1000 : options->low_speed_time_s;
}

static pthread_once_t s_global_once = PTHREAD_ONCE_INIT;
static bool s_global_ok;

static void s_global_init_once(void) {
    s_global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

bool ecc_transport_global_init(void) {
    pthread_once(&s_global_once, s_global_init_once);
    return s_global_ok;
}

/* ---- URLs ---------------------------------------------------------------------------------------- */

static bool s_url_part(CURLU *url, CURLUPart part, char **out) {
    *out = NULL;
    return curl_url_get(url, part, out, 0) == CURLUE_OK;
}

/* Parses an endpoint URL and refuses what `send` cannot honour (see transport.h). */
static CURLU *s_parse_endpoint(const char *endpoint_url, struct ecc_diag *diag) {
    CURLU *url = curl_url();
    char *part = NULL;
    if (!url) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    CURLUcode parsed = endpoint_url ? curl_url_set(url, CURLUPART_URL, endpoint_url, 0) : CURLUE_MALFORMED_INPUT;
    if (parsed != CURLUE_OK) {
        ecc_diag_set(
            diag,
            "endpoint '%.200s' is not a valid absolute URL (%s)",
            endpoint_url ? endpoint_url : "(null)",
            curl_url_strerror(parsed));
        goto on_error;
    }
    if (!s_url_part(url, CURLUPART_SCHEME, &part) || (strcmp(part, "http") != 0 && strcmp(part, "https") != 0)) {
        ecc_diag_set(diag, "endpoint '%.200s': only http and https are supported", endpoint_url);
        goto on_error;
    }
    curl_free(part);
    if (s_url_part(url, CURLUPART_USER, &part)) {
        /* Never print the URL here: it holds credentials. */
        ecc_diag_set(diag, "endpoint URL must not carry user information");
        goto on_error;
    }
    curl_free(part);
    if (s_url_part(url, CURLUPART_QUERY, &part) || s_url_part(url, CURLUPART_FRAGMENT, &part)) {
        ecc_diag_set(diag, "endpoint '%.200s' must not have a query or a fragment", endpoint_url);
        goto on_error;
    }
    curl_free(part);
    if (s_url_part(url, CURLUPART_PATH, &part) && strcmp(part, "/") != 0 && part[0] != '\0') {
        ecc_diag_set(
            diag, "endpoint '%.200s' must not have a path: the request's own path is what gets signed", endpoint_url);
        goto on_error;
    }
    curl_free(part);
    if (!s_url_part(url, CURLUPART_HOST, &part) || part[0] == '\0') {
        ecc_diag_set(diag, "endpoint '%.200s' has no host", endpoint_url);
        goto on_error;
    }
    curl_free(part);
    /* libcurl reads "host:" as the default port; a colon with no port is a typo, not a wish for port 80. */
    const char *authority = strstr(endpoint_url, "://");
    size_t authority_len = authority ? strcspn(authority + 3, "/?#") : 0;
    if (authority && authority_len > 0 && authority[3 + authority_len - 1] == ':') {
        ecc_diag_set(diag, "endpoint '%.200s' has a ':' after the host but no port (1-65535)", endpoint_url);
        part = NULL;
        goto on_error;
    }
    if (s_url_part(url, CURLUPART_PORT, &part) && strtol(part, NULL, 10) == 0) {
        ecc_diag_set(diag, "endpoint '%.200s': port 0 cannot be reached (1-65535)", endpoint_url);
        goto on_error;
    }
    curl_free(part);
    return url;

on_error:
    curl_free(part);
    curl_url_cleanup(url);
    return NULL;
}

/* "scheme://host:port" with the port always present, so two URLs compare by origin. */
static bool s_origin(const char *url_text, char *out, size_t size) {
    CURLU *url = curl_url();
    char *scheme = NULL;
    char *host = NULL;
    char *port = NULL;
    bool ok = url && curl_url_set(url, CURLUPART_URL, url_text, 0) == CURLUE_OK &&
              s_url_part(url, CURLUPART_SCHEME, &scheme) && s_url_part(url, CURLUPART_HOST, &host) &&
              curl_url_get(url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK;
    if (ok) {
        snprintf(out, size, "%s://%s:%s", scheme, host, port);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(url);
    return ok;
}

/* Writes "scheme://host:port/path" of a full URL, leaving out the query; "" when it does not parse. */
static void s_where_of(const char *url_text, char *out, size_t size) {
    char origin[256];
    CURLU *url = curl_url();
    char *path = NULL;
    out[0] = '\0';
    if (url && curl_url_set(url, CURLUPART_URL, url_text, CURLU_PATH_AS_IS) == CURLUE_OK &&
        s_origin(url_text, origin, sizeof(origin)) && s_url_part(url, CURLUPART_PATH, &path)) {
        snprintf(out, size, "%.200s%.80s", origin, path);
    }
    curl_free(path);
    curl_url_cleanup(url);
}

/* Fills tr->where ("METHOD scheme://host:port/path") from the URL's part `where` (s_where_of). */
static void s_set_where_from(struct s_transfer *tr, const char *where) {
    if (where[0]) {
        snprintf(tr->where, sizeof(tr->where), "%.16s %s", tr->request.method, where);
    } else {
        snprintf(tr->where, sizeof(tr->where), "%.16s (unparsable URL)", tr->request.method);
    }
}

/* Fills tr->where from a full URL, leaving out the query. */
static void s_set_where(struct s_transfer *tr, const char *url_text) {
    char where[300];
    s_where_of(url_text, where, sizeof(where));
    s_set_where_from(tr, where);
}

static char *s_join(const char *endpoint_url, const struct ecc_http_request *request, struct ecc_diag *diag) {
    CURLU *url = s_parse_endpoint(endpoint_url, diag);
    char *base = NULL;
    char *joined = NULL;
    if (!url) {
        return NULL;
    }
    const char *path = request->path && request->path[0] ? request->path : "/";
    const char *query = request->query && request->query[0] ? request->query : NULL;
    if (path[0] != '/') {
        ecc_diag_set(diag, "request path '%.100s' does not start with '/'", path);
        goto done;
    }
    if (curl_url_get(url, CURLUPART_URL, &base, 0) != CURLUE_OK) {
        ecc_diag_set(diag, "endpoint '%.200s' cannot be rebuilt as a URL", endpoint_url);
        goto done;
    }
    /* Concatenated, not set part by part: setting CURLUPART_QUERY lower-cases percent-escapes, and the
     * target must go out byte for byte as it was signed. The base always ends in the root "/". */
    struct ecc_buf text;
    ecc_buf_init(&text, 1 << 20);
    size_t base_len = strlen(base);
    if (ecc_buf_append(&text, base, base_len ? base_len - 1 : 0) != ECC_OK ||
        ecc_buf_append_str(&text, path) != ECC_OK || (query && ecc_buf_printf(&text, "?%s", query) != ECC_OK)) {
        ecc_diag_set(diag, "request target too long or out of memory");
        ecc_buf_clean_up(&text);
        goto done;
    }
    if (curl_url_set(url, CURLUPART_URL, text.data, CURLU_PATH_AS_IS) != CURLUE_OK) {
        ecc_diag_set(diag, "request path or query cannot be put in a URL");
        ecc_buf_clean_up(&text);
        goto done;
    }
    joined = ecc_buf_steal(&text);
    ecc_buf_clean_up(&text);
    if (!joined) {
        ecc_diag_set(diag, "out of memory");
    }
done:
    curl_free(base);
    curl_url_cleanup(url);
    return joined;
}

static bool s_same_text(const char *a, const char *b) {
    return a == b || (a && b && strcmp(a, b) == 0);
}

static void s_url_memo_clean_up(struct s_url_memo *memo) {
    free(memo->endpoint_url);
    free(memo->path);
    free(memo->query);
    free(memo->url);
    memset(memo, 0, sizeof(*memo));
}

/* s_join through the transport's memo: a copy of the URL (the caller owns it) and its "where" part
 * (borrowed from the memo until the next call), or NULL with `diag`. */
static char *s_join_memo(
    struct ecc_transport *transport,
    const char *endpoint_url,
    const struct ecc_http_request *request,
    const char **where,
    struct ecc_diag *diag) {
    struct s_url_memo *memo = &transport->url_memo;
    const char *query = request->query && request->query[0] ? request->query : NULL;
    if (!(memo->url && s_same_text(memo->endpoint_url, endpoint_url) && s_same_text(memo->path, request->path) &&
          s_same_text(memo->query, query))) {
        s_url_memo_clean_up(memo);
        char *url = s_join(endpoint_url, request, diag);
        if (!url) {
            return NULL;
        }
        memo->url = url;
        memo->endpoint_url = ecc_strdup(endpoint_url);
        memo->path = request->path ? ecc_strdup(request->path) : NULL;
        memo->query = query ? ecc_strdup(query) : NULL;
        if (!memo->endpoint_url || (request->path && !memo->path) || (query && !memo->query)) {
            s_url_memo_clean_up(memo);
            ecc_diag_set(diag, "out of memory");
            return NULL;
        }
        s_where_of(memo->url, memo->where, sizeof(memo->where));
    }
    char *copy = ecc_strdup(memo->url);
    if (!copy) {
        ecc_diag_set(diag, "out of memory");
    }
    *where = memo->where;
    return copy;
}

enum ecc_status ecc_transport_endpoint_host(const char *endpoint_url, char *out, size_t size, struct ecc_diag *diag) {
    CURLU *url = s_parse_endpoint(endpoint_url, diag);
    if (!url) {
        return ECC_ERR_INVALID;
    }
    char *host = NULL;
    char *port = NULL;
    char *default_port = NULL;
    enum ecc_status status = ECC_ERR_INVALID;
    if (!s_url_part(url, CURLUPART_HOST, &host)) {
        ecc_diag_set(diag, "endpoint '%.200s' has no host", endpoint_url);
        goto done;
    }
    /* An explicit port equal to the scheme's default is left out, as libcurl does in Host. */
    bool explicit_port = curl_url_get(url, CURLUPART_PORT, &port, 0) == CURLUE_OK;
    curl_url_set(url, CURLUPART_PORT, NULL, 0);
    bool has_default = curl_url_get(url, CURLUPART_PORT, &default_port, CURLU_DEFAULT_PORT) == CURLUE_OK;
    int written;
    if (explicit_port && !(has_default && strcmp(port, default_port) == 0)) {
        written = snprintf(out, size, "%s:%s", host, port);
    } else {
        written = snprintf(out, size, "%s", host);
    }
    if (written < 0 || (size_t)written >= size) {
        ecc_diag_set(diag, "host name too long");
        status = ECC_ERR_LIMIT;
        goto done;
    }
    status = ECC_OK;
done:
    curl_free(host);
    curl_free(port);
    curl_free(default_port);
    curl_url_cleanup(url);
    return status;
}

/* ---- transfers ----------------------------------------------------------------------------------- */

static size_t s_on_body(char *data, size_t size, size_t count, void *user_data) {
    struct s_transfer *tr = user_data;
    size_t len = size * count;
    enum ecc_status status = ecc_buf_append(&tr->body, data, len);
    if (status != ECC_OK) {
        tr->body_over_cap = status == ECC_ERR_LIMIT;
        tr->body_nomem = status == ECC_ERR_NOMEM;
        return 0; /* anything but `len` aborts the transfer at once */
    }
    return len;
}

static size_t s_on_header(char *data, size_t size, size_t count, void *user_data) {
    (void)data;
    struct s_transfer *tr = user_data;
    size_t len = size * count;
    tr->header_bytes += len;
    tr->header_lines++;
    /* A few lines more than the header cap leave room for status lines of 1xx answers. */
    if (tr->header_bytes > tr->owner->options.max_header_bytes || tr->header_lines > ECC_HTTP_MAX_HEADERS + 8) {
        tr->headers_over_cap = true;
        return 0;
    }
    return len;
}

static bool s_has_crlf(const char *text) {
    return strpbrk(text, "\r\n") != NULL;
}

static bool s_append_header(struct curl_slist **list, const char *line) {
    struct curl_slist *grown = curl_slist_append(*list, line);
    if (!grown) {
        return false;
    }
    *list = grown;
    return true;
}

/* Builds the libcurl header list; false with tr->errbuf set when a header cannot be sent. */
static bool s_build_headers(struct s_transfer *tr, bool sends_body) {
    curl_slist_free_all(tr->header_list);
    tr->header_list = NULL;
    struct ecc_buf line;
    ecc_buf_init(&line, 256 << 10);
    bool ok = true;
    for (size_t i = 0; ok && i < tr->request.headers.count; i++) {
        const struct ecc_http_header *header = &tr->request.headers.items[i];
        if (header->name[0] == '\0' || s_has_crlf(header->name) || s_has_crlf(header->value) ||
            strchr(header->name, ':')) {
            snprintf(tr->errbuf, sizeof(tr->errbuf), "header '%.64s' cannot be sent as is", header->name);
            ok = false;
            break;
        }
        ecc_buf_reset(&line);
        /* libcurl drops "Name:" but sends "Name;" as a header with an empty value. */
        ok = (header->value[0] ? ecc_buf_printf(&line, "%s: %s", header->name, header->value)
                               : ecc_buf_printf(&line, "%s;", header->name)) == ECC_OK &&
             s_append_header(&tr->header_list, line.data);
    }
    /* Without these, libcurl would add headers the signer never saw. */
    if (ok && !ecc_http_headers_get(&tr->request.headers, "Accept")) {
        ok = s_append_header(&tr->header_list, "Accept:");
    }
    if (ok && sends_body && !ecc_http_headers_get(&tr->request.headers, "Content-Type")) {
        ok = s_append_header(&tr->header_list, "Content-Type:");
    }
    if (!ok && tr->errbuf[0] == '\0') {
        snprintf(tr->errbuf, sizeof(tr->errbuf), "out of memory");
    }
    ecc_buf_clean_up(&line);
    return ok;
}

static void s_finish(struct ecc_transport *transport, struct s_transfer *tr, enum ecc_transport_error error);

/* Configures the easy handle for the current hop and hands it to the multi handle. */
static void s_start(struct ecc_transport *transport, struct s_transfer *tr) {
    const struct ecc_transport_options *options = &transport->options;
    uint64_t elapsed_ms = (ecc_monotonic_us() - tr->start_us) / 1000u;
    if (elapsed_ms >= (uint64_t)options->timeout_ms) {
        snprintf(tr->errbuf, sizeof(tr->errbuf), "deadline of %ld ms spent before this hop", options->timeout_ms);
        s_finish(transport, tr, ECC_TRANSPORT_ERR_TIMEOUT);
        return;
    }
    if (transport->should_cancel && transport->should_cancel(transport->cancel_user_data)) {
        snprintf(tr->errbuf, sizeof(tr->errbuf), "the run was stopped before this request was sent");
        s_finish(transport, tr, ECC_TRANSPORT_ERR_CANCELLED);
        return;
    }
    if (!tr->easy) {
        tr->easy = transport->idle_easy_count ? transport->idle_easy[--transport->idle_easy_count] : curl_easy_init();
        if (!tr->easy) {
            s_finish(transport, tr, ECC_TRANSPORT_ERR_NOMEM);
            return;
        }
    }
    CURL *easy = tr->easy;
    curl_easy_reset(easy);
    ecc_buf_reset(&tr->body);
    tr->header_bytes = 0;
    tr->header_lines = 0;
    tr->errbuf[0] = '\0';

    const char *method = tr->request.method ? tr->request.method : "GET";
    bool is_get = strcmp(method, "GET") == 0;
    bool is_head = strcmp(method, "HEAD") == 0;
    bool sends_body = tr->request.body_len > 0 || (!is_get && !is_head);
    if (!s_build_headers(tr, sends_body)) {
        s_finish(transport, tr, ECC_TRANSPORT_ERR_URL);
        return;
    }
    curl_easy_setopt(easy, CURLOPT_URL, tr->url);
    curl_easy_setopt(easy, CURLOPT_PRIVATE, tr);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, tr->errbuf);
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, tr->header_list);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, tr);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, tr);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, options->connect_timeout_ms);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, (long)((uint64_t)options->timeout_ms - elapsed_ms));
    if (options->low_speed_bytes_per_s > 0) {
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, options->low_speed_bytes_per_s);
        curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, options->low_speed_time_s);
    }
    curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)options->max_response_bytes);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options->insecure ? 0L : 1L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options->insecure ? 0L : 2L);
    if (transport->ca_bundle) {
        curl_easy_setopt(easy, CURLOPT_CAINFO, transport->ca_bundle);
    }
    curl_easy_setopt(easy, CURLOPT_NOPROXY, transport->no_proxy);
    if (sends_body) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, tr->request.body ? (const char *)tr->request.body : "");
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)tr->request.body_len);
        if (strcmp(method, "POST") != 0) {
            curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method);
        }
    } else if (is_head) {
        curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    }
    if (curl_multi_add_handle(transport->multi, easy) != CURLM_OK) {
        snprintf(tr->errbuf, sizeof(tr->errbuf), "curl_multi_add_handle failed");
        s_finish(transport, tr, ECC_TRANSPORT_ERR_OTHER);
    }
}

static void s_release_easy(struct ecc_transport *transport, struct s_transfer *tr) {
    if (!tr->easy) {
        return;
    }
    if (transport->idle_easy_count < S_IDLE_EASY_MAX) {
        transport->idle_easy[transport->idle_easy_count++] = tr->easy;
    } else {
        curl_easy_cleanup(tr->easy);
    }
    tr->easy = NULL;
}

static void s_unlink(struct s_transfer **list, struct s_transfer *tr) {
    for (struct s_transfer **it = list; *it; it = &(*it)->next) {
        if (*it == tr) {
            *it = tr->next;
            tr->next = NULL;
            return;
        }
    }
}

/* Ends a transfer: fills the public result and moves it to the done queue. */
static void s_finish(struct ecc_transport *transport, struct s_transfer *tr, enum ecc_transport_error error) {
    struct ecc_transport_result *result = &tr->exchange.result;
    result->error = error;
    result->elapsed_us = ecc_monotonic_us() - tr->start_us;
    result->message[0] = '\0';
    if (error != ECC_TRANSPORT_OK) {
        const char *detail = tr->errbuf[0] ? tr->errbuf : "no detail from libcurl";
        snprintf(
            result->message, sizeof(result->message), "%s: %.250s (%.220s)", s_errors[error].text, detail, tr->where);
        ecc_http_response_clean_up(&tr->exchange.response);
    } else {
        tr->exchange.response.body_len = tr->body.len;
        tr->exchange.response.body = (uint8_t *)ecc_buf_steal(&tr->body);
        if (!tr->exchange.response.body) {
            tr->exchange.response.body = (uint8_t *)ecc_strdup("");
        }
    }
    s_release_easy(transport, tr);
    curl_slist_free_all(tr->header_list);
    tr->header_list = NULL;
    s_unlink(&transport->running, tr);
    tr->finished = true;
    if (transport->done_tail) {
        transport->done_tail->next = tr;
    } else {
        transport->done_head = tr;
    }
    transport->done_tail = tr;
}

static enum ecc_transport_error s_classify(struct s_transfer *tr, CURLcode code) {
    switch (code) {
    case CURLE_OK:
        return ECC_TRANSPORT_OK;
    case CURLE_URL_MALFORMAT:
        return ECC_TRANSPORT_ERR_URL;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return ECC_TRANSPORT_ERR_RESOLVE;
    case CURLE_COULDNT_CONNECT:
        return ECC_TRANSPORT_ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        /* The total deadline and the low-speed guard share this code; libcurl's text tells them apart. */
        return strncmp(tr->errbuf, "Operation too slow", 18) == 0 ? ECC_TRANSPORT_ERR_TOO_SLOW
                                                                  : ECC_TRANSPORT_ERR_TIMEOUT;
    case CURLE_WRITE_ERROR:
        if (tr->body_over_cap) {
            snprintf(
                tr->errbuf,
                sizeof(tr->errbuf),
                "body passed the limit of %zu bytes; transfer aborted",
                tr->owner->options.max_response_bytes);
            return ECC_TRANSPORT_ERR_TOO_LARGE;
        }
        if (tr->headers_over_cap) {
            snprintf(
                tr->errbuf,
                sizeof(tr->errbuf),
                "headers passed the limit of %zu bytes or %d lines; transfer aborted",
                tr->owner->options.max_header_bytes,
                ECC_HTTP_MAX_HEADERS);
            return ECC_TRANSPORT_ERR_TOO_LARGE;
        }
        return tr->body_nomem ? ECC_TRANSPORT_ERR_NOMEM : ECC_TRANSPORT_ERR_OTHER;
    case CURLE_FILESIZE_EXCEEDED:
        snprintf(
            tr->errbuf,
            sizeof(tr->errbuf),
            "declared body length is over the limit of %zu bytes; nothing read",
            tr->owner->options.max_response_bytes);
        return ECC_TRANSPORT_ERR_TOO_LARGE;
    case CURLE_PARTIAL_FILE:
        return ECC_TRANSPORT_ERR_TRUNCATED;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
        return ECC_TRANSPORT_ERR_RESET;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return ECC_TRANSPORT_ERR_PROTOCOL;
    case CURLE_OUT_OF_MEMORY:
        /* libcurl also reports a single header line over its own 100 KB limit this way. */
        return strncmp(tr->errbuf, "Rejected", 8) == 0 ? ECC_TRANSPORT_ERR_TOO_LARGE : ECC_TRANSPORT_ERR_NOMEM;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED:
        return ECC_TRANSPORT_ERR_TLS;
    default:
        return ECC_TRANSPORT_ERR_OTHER;
    }
}

/* Copies the final answer's headers, in order, from libcurl's header store. */
static enum ecc_transport_error s_collect_headers(struct s_transfer *tr) {
    struct curl_header *prev = NULL;
    struct curl_header *header;
    while ((header = curl_easy_nextheader(tr->easy, CURLH_HEADER, -1, prev)) != NULL) {
        enum ecc_status status = ecc_http_headers_add(&tr->exchange.response.headers, header->name, header->value);
        if (status == ECC_ERR_LIMIT) {
            snprintf(tr->errbuf, sizeof(tr->errbuf), "more than %d response headers", ECC_HTTP_MAX_HEADERS);
            return ECC_TRANSPORT_ERR_TOO_LARGE;
        }
        if (status != ECC_OK) {
            return ECC_TRANSPORT_ERR_NOMEM;
        }
        prev = header;
    }
    return ECC_TRANSPORT_OK;
}

static bool s_is_redirect(long status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/*
 * Prepares the next hop of a followed redirect. Returns OK when the transfer should be started again,
 * another value (with errbuf) when the redirect must end the exchange.
 */
static enum ecc_transport_error s_prepare_redirect(struct s_transfer *tr, long status, const char *location) {
    struct ecc_transport *transport = tr->owner;
    if (tr->exchange.result.redirects_followed >= transport->options.max_redirects) {
        snprintf(tr->errbuf, sizeof(tr->errbuf), "more than %u redirects", transport->options.max_redirects);
        return ECC_TRANSPORT_ERR_REDIRECT;
    }
    CURLU *target = curl_url();
    char *scheme = NULL;
    bool usable = target && curl_url_set(target, CURLUPART_URL, location, 0) == CURLUE_OK &&
                  s_url_part(target, CURLUPART_SCHEME, &scheme) &&
                  (strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0);
    curl_free(scheme);
    curl_url_cleanup(target);
    char old_origin[256];
    char new_origin[256];
    if (!usable || !s_origin(tr->url, old_origin, sizeof(old_origin)) ||
        !s_origin(location, new_origin, sizeof(new_origin))) {
        snprintf(tr->errbuf, sizeof(tr->errbuf), "Location is not an http(s) URL");
        return ECC_TRANSPORT_ERR_REDIRECT;
    }
    char *next_url = ecc_strdup(location);
    if (!next_url) {
        return ECC_TRANSPORT_ERR_NOMEM;
    }
    if (strcasecmp(old_origin, new_origin) != 0) {
        /* Credentials belong to the origin they were made for; Host must name the new one. */
        ecc_http_headers_remove(&tr->request.headers, "Authorization");
        ecc_http_headers_remove(&tr->request.headers, "X-Amz-Security-Token");
        ecc_http_headers_remove(&tr->request.headers, "Host");
    }
    const char *method = tr->request.method ? tr->request.method : "GET";
    bool to_get = (status == 303 && strcmp(method, "HEAD") != 0) ||
                  ((status == 301 || status == 302) && strcmp(method, "POST") == 0);
    if (to_get) {
        free(tr->request.method);
        tr->request.method = ecc_strdup("GET");
        free(tr->request.body);
        tr->request.body = NULL;
        tr->request.body_len = 0;
        ecc_http_headers_remove(&tr->request.headers, "Content-Type");
        ecc_http_headers_remove(&tr->request.headers, "Content-Length");
        if (!tr->request.method) {
            free(next_url);
            return ECC_TRANSPORT_ERR_NOMEM;
        }
    }
    free(tr->url);
    tr->url = next_url;
    s_set_where(tr, tr->url);
    tr->exchange.result.redirects_followed++;
    ecc_http_response_clean_up(&tr->exchange.response);
    return ECC_TRANSPORT_OK;
}

static void s_on_done(struct ecc_transport *transport, struct s_transfer *tr, CURLcode code) {
    curl_multi_remove_handle(transport->multi, tr->easy);
    enum ecc_transport_error error = s_classify(tr, code);
    if (error == ECC_TRANSPORT_OK) {
        long status = 0;
        curl_off_t new_connections = 0;
        curl_easy_getinfo(tr->easy, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(tr->easy, CURLINFO_NUM_CONNECTS, &new_connections);
        tr->exchange.result.connection_reused = new_connections == 0;
        tr->exchange.response.status = (int)status;
        ecc_http_headers_clean_up(&tr->exchange.response.headers);
        error = s_collect_headers(tr);
        char *location = NULL;
        if (error == ECC_TRANSPORT_OK && transport->options.follow_redirects && s_is_redirect(status) &&
            curl_easy_getinfo(tr->easy, CURLINFO_REDIRECT_URL, &location) == CURLE_OK && location) {
            error = s_prepare_redirect(tr, status, location);
            if (error == ECC_TRANSPORT_OK) {
                s_start(transport, tr);
                return;
            }
        }
    }
    s_finish(transport, tr, error);
}

static void s_transfer_free(struct s_transfer *tr) {
    if (!tr) {
        return;
    }
    if (tr->easy) {
        curl_easy_cleanup(tr->easy);
    }
    curl_slist_free_all(tr->header_list);
    ecc_http_request_clean_up(&tr->request);
    ecc_http_response_clean_up(&tr->exchange.response);
    ecc_buf_clean_up(&tr->body);
    free(tr->url);
    free(tr);
}

/* Ends every exchange in flight with `error` and `why` (the multi handle broke, or the caller cancelled). */
static void s_finish_running(struct ecc_transport *transport, enum ecc_transport_error error, const char *why) {
    while (transport->running) {
        struct s_transfer *tr = transport->running;
        curl_multi_remove_handle(transport->multi, tr->easy);
        snprintf(tr->errbuf, sizeof(tr->errbuf), "%s", why);
        s_finish(transport, tr, error);
    }
}

/* Runs the transfers until `target` (or, when NULL, any transfer) is finished, or `wait_ms` passed. */
static enum ecc_status s_pump(struct ecc_transport *transport, struct s_transfer *target, int wait_ms) {
    uint64_t deadline = wait_ms >= 0 ? ecc_monotonic_us() + (uint64_t)wait_ms * 1000u : 0;
    for (;;) {
        if (transport->running && transport->should_cancel && transport->should_cancel(transport->cancel_user_data)) {
            s_finish_running(
                transport, ECC_TRANSPORT_ERR_CANCELLED, "the run was stopped while waiting for the answer");
            return ECC_OK;
        }
        int running = 0;
        CURLMcode multi_code = curl_multi_perform(transport->multi, &running);
        CURLMsg *message;
        int queued;
        while ((message = curl_multi_info_read(transport->multi, &queued)) != NULL) {
            if (message->msg == CURLMSG_DONE) {
                struct s_transfer *tr = NULL;
                curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&tr);
                s_on_done(transport, tr, message->data.result);
            }
        }
        if (target ? target->finished : transport->done_head != NULL) {
            return ECC_OK;
        }
        if (multi_code != CURLM_OK) {
            /* The multi handle is broken: end every transfer rather than spin. */
            s_finish_running(transport, ECC_TRANSPORT_ERR_OTHER, curl_multi_strerror(multi_code));
            return ECC_OK;
        }
        if (!transport->running) {
            return ECC_ERR_NOT_FOUND;
        }
        /* A cancel callback is asked again after each poll: keep the polls short. */
        int poll_ms = transport->should_cancel ? S_CANCEL_POLL_MS : 1000;
        if (wait_ms >= 0) {
            uint64_t now = ecc_monotonic_us();
            if (now >= deadline) {
                return ECC_ERR_TIMEOUT;
            }
            uint64_t left_ms = (deadline - now + 999u) / 1000u;
            poll_ms = left_ms < (uint64_t)poll_ms ? (int)left_ms : poll_ms;
        }
        curl_multi_poll(transport->multi, NULL, 0, poll_ms, NULL);
    }
}

static struct s_transfer *s_submit(
    struct ecc_transport *transport,
    const char *endpoint_url,
    const struct ecc_http_request *request,
    void *user_data,
    struct ecc_diag *diag) {
    struct s_transfer *tr = calloc(1, sizeof(*tr));
    if (!tr) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    tr->owner = transport;
    tr->start_us = ecc_monotonic_us();
    tr->exchange.user_data = user_data;
    ecc_http_request_init(&tr->request);
    ecc_http_response_init(&tr->exchange.response);
    ecc_buf_init(&tr->body, transport->options.max_response_bytes);
    const char *where = "";
    tr->url = s_join_memo(transport, endpoint_url, request, &where, diag);
    if (!tr->url) {
        goto on_error;
    }
    if (ecc_http_request_copy(&tr->request, request) != ECC_OK ||
        (!tr->request.method && ecc_http_request_set_line(&tr->request, "GET", NULL, NULL) != ECC_OK)) {
        ecc_diag_set(diag, "out of memory");
        goto on_error;
    }
    s_set_where_from(tr, where);
    tr->next = transport->running;
    transport->running = tr;
    transport->pending++;
    s_start(transport, tr);
    return tr;

on_error:
    s_transfer_free(tr);
    return NULL;
}

/* ---- public API ---------------------------------------------------------------------------------- */

struct ecc_transport *ecc_transport_new(const struct ecc_transport_options *options, struct ecc_diag *diag) {
    if (!ecc_transport_global_init()) {
        ecc_diag_set(diag, "curl_global_init failed");
        return NULL;
    }
    struct ecc_transport *transport = calloc(1, sizeof(*transport));
    if (!transport) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    if (options) {
        transport->options = *options;
    } else {
        ecc_transport_options_init(&transport->options);
    }
    struct ecc_transport_options *own = &transport->options;
    if (own->timeout_ms <= 0 || own->connect_timeout_ms <= 0 || own->max_response_bytes == 0 ||
        own->max_header_bytes == 0 || (own->low_speed_bytes_per_s > 0 && own->low_speed_time_s <= 0)) {
        ecc_diag_set(diag, "transport options: timeouts and caps must be positive");
        goto on_error;
    }
    own->ca_bundle = NULL;
    if (options && options->ca_bundle) {
        transport->ca_bundle = ecc_strdup(options->ca_bundle);
        if (!transport->ca_bundle) {
            ecc_diag_set(diag, "out of memory");
            goto on_error;
        }
    }
    /* The proxy variables are honoured as the AWS CLI does, but a loopback endpoint (the embedded
     * emulator, a local mock) is never sent through a proxy. The option replaces libcurl's reading of
     * no_proxy, so the user's list is kept after ours. */
    const char *user_no_proxy = getenv("no_proxy");
    if (!user_no_proxy || !user_no_proxy[0]) {
        user_no_proxy = getenv("NO_PROXY");
    }
    struct ecc_buf no_proxy;
    ecc_buf_init(&no_proxy, 64 << 10);
    if (ecc_buf_printf(
            &no_proxy,
            "localhost,127.0.0.0/8,::1%s%s",
            user_no_proxy && user_no_proxy[0] ? "," : "",
            user_no_proxy ? user_no_proxy : "") != ECC_OK) {
        ecc_buf_clean_up(&no_proxy);
        ecc_diag_set(diag, "no_proxy list too long");
        goto on_error;
    }
    transport->no_proxy = ecc_buf_steal(&no_proxy);
    ecc_buf_clean_up(&no_proxy);
    if (!transport->no_proxy) {
        ecc_diag_set(diag, "out of memory");
        goto on_error;
    }
    transport->multi = curl_multi_init();
    if (!transport->multi) {
        ecc_diag_set(diag, "curl_multi_init failed");
        goto on_error;
    }
    curl_multi_setopt(
        transport->multi, CURLMOPT_MAXCONNECTS, (long)(own->max_idle_connections ? own->max_idle_connections : 16));
    return transport;

on_error:
    ecc_transport_destroy(transport);
    return NULL;
}

void ecc_transport_destroy(struct ecc_transport *transport) {
    if (!transport) {
        return;
    }
    while (transport->running) {
        struct s_transfer *tr = transport->running;
        transport->running = tr->next;
        curl_multi_remove_handle(transport->multi, tr->easy);
        s_transfer_free(tr);
    }
    while (transport->done_head) {
        struct s_transfer *tr = transport->done_head;
        transport->done_head = tr->next;
        s_transfer_free(tr);
    }
    for (size_t i = 0; i < transport->idle_easy_count; i++) {
        curl_easy_cleanup(transport->idle_easy[i]);
    }
    if (transport->multi) {
        curl_multi_cleanup(transport->multi);
    }
    s_url_memo_clean_up(&transport->url_memo);
    free(transport->ca_bundle);
    free(transport->no_proxy);
    free(transport);
}

void ecc_transport_set_cancel(
    struct ecc_transport *transport, bool (*should_cancel)(void *user_data), void *user_data) {
    transport->should_cancel = should_cancel;
    transport->cancel_user_data = user_data;
}

enum ecc_status ecc_transport_submit(
    struct ecc_transport *transport,
    const char *endpoint_url,
    const struct ecc_http_request *request,
    void *user_data,
    struct ecc_diag *diag) {
    return s_submit(transport, endpoint_url, request, user_data, diag) ? ECC_OK : ECC_ERR_INVALID;
}

size_t ecc_transport_pending(const struct ecc_transport *transport) {
    return transport->pending;
}

static void s_take_done(struct ecc_transport *transport, struct s_transfer *tr) {
    s_unlink(&transport->done_head, tr);
    transport->done_tail = NULL;
    for (struct s_transfer *it = transport->done_head; it; it = it->next) {
        transport->done_tail = it;
    }
    transport->pending--;
}

enum ecc_status ecc_transport_next(struct ecc_transport *transport, int wait_ms, struct ecc_transport_exchange **out) {
    *out = NULL;
    if (!transport->done_head) {
        if (!transport->running) {
            return ECC_ERR_NOT_FOUND;
        }
        enum ecc_status status = s_pump(transport, NULL, wait_ms);
        if (status != ECC_OK) {
            return status;
        }
    }
    struct s_transfer *tr = transport->done_head;
    s_take_done(transport, tr);
    *out = &tr->exchange;
    return ECC_OK;
}

void ecc_transport_exchange_destroy(struct ecc_transport_exchange *exchange) {
    s_transfer_free((struct s_transfer *)exchange);
}

enum ecc_transport_error ecc_transport_send(
    struct ecc_transport *transport,
    const char *endpoint_url,
    const struct ecc_http_request *request,
    struct ecc_http_response *response,
    struct ecc_transport_result *result) {
    memset(result, 0, sizeof(*result));
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct s_transfer *tr = s_submit(transport, endpoint_url, request, NULL, &diag);
    if (!tr) {
        result->error = ECC_TRANSPORT_ERR_URL;
        snprintf(result->message, sizeof(result->message), "%s: %.450s", s_errors[result->error].text, diag.text);
        return result->error;
    }
    /* Every transfer has its own deadline, so waiting without a limit here always ends. */
    (void)s_pump(transport, tr, -1);
    s_take_done(transport, tr);
    *result = tr->exchange.result;
    if (result->error == ECC_TRANSPORT_OK) {
        *response = tr->exchange.response;
        ecc_http_response_init(&tr->exchange.response);
    }
    s_transfer_free(tr);
    return result->error;
}

/* ---- reproducer ---------------------------------------------------------------------------------- */

/* One byte inside '...' (`plain`) or $'...'. */
static enum ecc_status s_quote_byte(struct ecc_buf *out, unsigned char c, bool plain) {
    if (plain) {
        return c == '\'' ? ecc_buf_append_str(out, "'\\''") : ecc_buf_append_byte(out, (char)c);
    }
    if (c == '\'' || c == '\\') {
        return ecc_buf_printf(out, "\\%c", c);
    }
    if (c < 0x20 || c >= 0x7f) {
        return ecc_buf_printf(out, "\\x%02x", c);
    }
    return ecc_buf_append_byte(out, (char)c);
}

/* Bytes as one shell word. */
static enum ecc_status s_quote(struct ecc_buf *out, const char *bytes, size_t len) {
    bool plain = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (c == 0 || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
            plain = false;
            break;
        }
    }
    enum ecc_status status = ecc_buf_append_str(out, plain ? "'" : "$'");
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; i < len; i++) {
        status = s_quote_byte(out, (unsigned char)bytes[i], plain);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ecc_buf_append_str(out, "'");
}

static enum ecc_status s_quote_str(struct ecc_buf *out, const char *text) {
    return s_quote(out, text, strlen(text));
}

/* Region and service from "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...". */
static bool s_sigv4_scope(const char *authorization, char *region, char *service, size_t size) {
    if (strncmp(authorization, "AWS4-HMAC-SHA256 ", 17) != 0) {
        return false;
    }
    const char *credential = strstr(authorization, "Credential=");
    if (!credential) {
        return false;
    }
    const char *cursor = credential + 11;
    char *fields[2] = {region, service};
    for (int slash = 0; slash < 2; slash++) {
        cursor = strchr(cursor, '/');
        if (!cursor) {
            return false;
        }
        cursor++;
    }
    for (int f = 0; f < 2; f++) {
        size_t n = 0;
        while (cursor[n] && cursor[n] != '/' && cursor[n] != ',') {
            char c = cursor[n];
            bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
            if (!safe || n + 1 >= size) {
                return false;
            }
            n++;
        }
        if (n == 0 || cursor[n] != '/') {
            return false;
        }
        memcpy(fields[f], cursor, n);
        fields[f][n] = '\0';
        cursor += n + 1;
    }
    return true;
}

/* The URL with the values of presigning secrets replaced. */
static enum ecc_status s_redacted_url(struct ecc_buf *out, const char *url) {
    const char *query = strchr(url, '?');
    if (!query) {
        return ecc_buf_append_str(out, url);
    }
    enum ecc_status status = ecc_buf_append(out, url, (size_t)(query - url) + 1);
    if (status != ECC_OK) {
        return status;
    }
    static const char *const secret[] = {"X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential"};
    const char *param = query + 1;
    while (*param) {
        size_t len = strcspn(param, "&");
        size_t name_len = strcspn(param, "=&");
        bool hide = false;
        for (size_t i = 0; i < ECC_ARRAY_LEN(secret); i++) {
            hide |= name_len == strlen(secret[i]) && strncasecmp(param, secret[i], name_len) == 0;
        }
        status = hide ? ecc_buf_printf(out, "%.*s=REDACTED", (int)name_len, param) : ecc_buf_append(out, param, len);
        if (status != ECC_OK) {
            return status;
        }
        param += len;
        if (*param == '&') {
            status = ecc_buf_append_byte(out, '&');
            if (status != ECC_OK) {
                return status;
            }
            param++;
        }
    }
    return ECC_OK;
}

/* The command and how it names the method. */
static enum ecc_status s_curl_method(struct ecc_buf *out, const char *method, bool has_body) {
    enum ecc_status status = ecc_buf_append_str(out, "curl --silent --show-error --include");
    if (status != ECC_OK) {
        return status;
    }
    if (strcmp(method, "HEAD") == 0) {
        return ecc_buf_append_str(out, " --head");
    }
    bool curl_default = (strcmp(method, "POST") == 0 && has_body) || strcmp(method, "GET") == 0;
    if (curl_default) {
        return ECC_OK; /* curl's own choice */
    }
    status = ecc_buf_append_str(out, " -X ");
    if (status != ECC_OK) {
        return status;
    }
    return s_quote_str(out, method);
}

/* The URL, its presigning secrets redacted, as one word. */
static enum ecc_status s_curl_url(struct ecc_buf *out, const char *url) {
    struct ecc_buf redacted;
    ecc_buf_init(&redacted, out->max_bytes);
    enum ecc_status status = s_redacted_url(&redacted, url);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_buf_append_byte(out, ' ');
    if (status != ECC_OK) {
        goto done;
    }
    status = s_quote(out, redacted.data, redacted.len);

done:
    ecc_buf_clean_up(&redacted);
    return status;
}

/* One header as -H, but for those curl computes itself; the token read from the environment. */
static enum ecc_status s_curl_header(struct ecc_buf *out, const struct ecc_http_header *header, bool sigv4) {
    if (ecc_http_name_equal(header->name, "Content-Length") ||
        (sigv4 &&
         (ecc_http_name_equal(header->name, "Authorization") || ecc_http_name_equal(header->name, "X-Amz-Date")))) {
        return ECC_OK; /* curl computes these itself */
    }
    if (ecc_http_name_equal(header->name, "X-Amz-Security-Token")) {
        return ecc_buf_append_str(out, " -H \"X-Amz-Security-Token: $AWS_SESSION_TOKEN\"");
    }
    struct ecc_buf line;
    ecc_buf_init(&line, out->max_bytes);
    const char *value = ecc_http_name_equal(header->name, "Authorization") ? "<redacted>" : header->value;
    enum ecc_status status =
        value[0] ? ecc_buf_printf(&line, "%s: %s", header->name, value) : ecc_buf_printf(&line, "%s;", header->name);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_buf_append_str(out, " -H ");
    if (status != ECC_OK) {
        goto done;
    }
    status = s_quote(out, line.data, line.len);

done:
    ecc_buf_clean_up(&line);
    return status;
}

enum ecc_status
ecc_transport_format_curl(const char *endpoint_url, const struct ecc_http_request *request, struct ecc_buf *out) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    char *url = s_join(endpoint_url, request, &diag);
    if (!url) {
        return ECC_ERR_INVALID;
    }
    const char *method = request->method ? request->method : "GET";
    bool has_body = request->body_len > 0 || (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0);
    enum ecc_status status = s_curl_method(out, method, has_body);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_curl_url(out, url);
    if (status != ECC_OK) {
        goto done;
    }
    const char *authorization = ecc_http_headers_get(&request->headers, "Authorization");
    char region[64];
    char service[64];
    bool sigv4 = authorization && s_sigv4_scope(authorization, region, service, sizeof(region));
    if (sigv4) {
        status = ecc_buf_printf(
            out, " --aws-sigv4 'aws:amz:%s:%s' --user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\"", region, service);
        if (status != ECC_OK) {
            goto done;
        }
    }
    for (size_t i = 0; i < request->headers.count; i++) {
        status = s_curl_header(out, &request->headers.items[i], sigv4);
        if (status != ECC_OK) {
            goto done;
        }
    }
    if (has_body) {
        status = ecc_buf_append_str(out, " --data-raw ");
        if (status != ECC_OK) {
            goto done;
        }
        status = s_quote(out, request->body ? (const char *)request->body : "", request->body_len);
    }

done:
    free(url);
    return status;
}

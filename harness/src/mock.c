/* The recorded-exchange mock: request checks, matching by meaning, answers (mock.h). */
#include "ecc/mock.h"

#include "ecc/codec_request.h"
#include "ecc/codec_response.h"
#include "ecc/errors.h"
#include "ecc/match.h"
#include "ecc/sigv4.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_RUN_TASK_TARGET ECC_AWS_JSON_TARGET_PREFIX ".RunTask"
/* Most lines of a no-match diff (a hostile request cannot make the log grow without bound). */
#define S_MAX_DIFF_LINES 12
/* Most requests one mock records; past it requests are answered but not recorded. */
#define S_MAX_RECORDS 1000
/* Most exchanges one mock plays: far above any fixture directory, so only a runaway caller meets it. */
#define S_MAX_EXCHANGES 100000

struct s_exchange {
    char *label;
    char *method;
    char *path;
    char *target;
    json_t *request_body;
    struct ecc_run_task_request request; /* request_body parsed, for matching by meaning */
    int status;
    json_t *response_headers;
    json_t *response_body;
    char *response_body_text;
    enum ecc_http_fault fault;
    unsigned fault_ms;
    uint64_t fault_bytes;
    bool played;
};

struct ecc_mock {
    pthread_mutex_t lock;
    char *region;
    char *host;
    char *expected_token;
    struct ecc_sigv4_verifier *verifier;
    void (*log_fn)(void *, const char *);
    void *log_user_data;
    struct s_exchange *exchanges;
    size_t exchange_count;
    size_t exchange_capacity;
    struct ecc_mock_record *records;
    size_t record_count;
    size_t record_capacity;
    unsigned call;
    size_t played;
};

/* A note that does not fit a bounded log buffer is cut short; that is all a failure here can mean. */
static void s_ignore(enum ecc_status status) {
    (void)status;
}

bool ecc_mock_is_uuid4(const char *text) {
    if (text == NULL || strlen(text) != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') {
                return false;
            }
        } else if (!isxdigit((unsigned char)text[i])) {
            return false;
        }
    }
    char variant = (char)tolower((unsigned char)text[19]);
    return text[14] == '4' && (variant == '8' || variant == '9' || variant == 'a' || variant == 'b');
}

struct ecc_mock *ecc_mock_new(const struct ecc_mock_options *options, struct ecc_diag *diag) {
    if (options == NULL || options->region == NULL || options->access_key_id == NULL ||
        options->secret_access_key == NULL) {
        ecc_diag_set(diag, "the mock needs a region and a key");
        return NULL;
    }
    struct ecc_mock *mock = calloc(1, sizeof(*mock));
    if (mock == NULL) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&mock->lock, NULL);
    mock->log_fn = options->log_fn;
    mock->log_user_data = options->log_user_data;
    mock->region = ecc_strdup(options->region);
    struct ecc_sigv4_key key = {
        .access_key_id = options->access_key_id,
        .secret_access_key = options->secret_access_key,
    };
    struct ecc_sigv4_verifier_options verifier = {
        .region = options->region,
        .service = "ecs",
        .keys = &key,
        .key_count = 1,
    };
    mock->verifier = ecc_sigv4_verifier_new(&verifier, diag);
    if (mock->region == NULL || mock->verifier == NULL) {
        ecc_mock_destroy(mock);
        return NULL;
    }
    return mock;
}

static void s_exchange_clean_up(struct s_exchange *exchange) {
    free(exchange->label);
    free(exchange->method);
    free(exchange->path);
    free(exchange->target);
    json_decref(exchange->request_body);
    ecc_run_task_request_clean_up(&exchange->request);
    json_decref(exchange->response_headers);
    json_decref(exchange->response_body);
    free(exchange->response_body_text);
}

void ecc_mock_destroy(struct ecc_mock *mock) {
    if (mock == NULL) {
        return;
    }
    for (size_t i = 0; i < mock->exchange_count; i++) {
        s_exchange_clean_up(&mock->exchanges[i]);
    }
    free(mock->exchanges);
    for (size_t i = 0; i < mock->record_count; i++) {
        free(mock->records[i].client_token);
        ecc_string_list_clean_up(&mock->records[i].problems);
    }
    free(mock->records);
    ecc_sigv4_verifier_destroy(mock->verifier);
    free(mock->region);
    free(mock->host);
    free(mock->expected_token);
    pthread_mutex_destroy(&mock->lock);
    free(mock);
}

enum ecc_status
ecc_mock_add_exchange(struct ecc_mock *mock, const struct ecc_mock_exchange *exchange, struct ecc_diag *diag) {
    struct s_exchange *grown = ecc_array_grow(
        mock->exchanges, &mock->exchange_capacity, mock->exchange_count, sizeof(*grown), 8, S_MAX_EXCHANGES);
    if (grown == NULL) {
        ecc_diag_set(
            diag, "cannot add exchange %zu (at most %d, or out of memory)", mock->exchange_count + 1, S_MAX_EXCHANGES);
        return mock->exchange_count >= S_MAX_EXCHANGES ? ECC_ERR_LIMIT : ECC_ERR_NOMEM;
    }
    mock->exchanges = grown;
    struct s_exchange *own = &grown[mock->exchange_count];
    memset(own, 0, sizeof(*own));
    ecc_run_task_request_init(&own->request);
    own->label = ecc_strdup(exchange->label != NULL ? exchange->label : "exchange");
    own->method = ecc_strdup(exchange->method != NULL ? exchange->method : "POST");
    own->path = ecc_strdup(exchange->path != NULL ? exchange->path : "/");
    own->target = ecc_strdup(exchange->target != NULL ? exchange->target : S_RUN_TASK_TARGET);
    own->request_body = exchange->request_body != NULL ? json_deep_copy(exchange->request_body) : json_object();
    own->status = exchange->status;
    own->fault = exchange->fault;
    own->fault_ms = exchange->fault_ms;
    own->fault_bytes = exchange->fault_bytes;
    own->response_headers = exchange->response_headers != NULL ? json_deep_copy(exchange->response_headers) : NULL;
    own->response_body = exchange->response_body != NULL ? json_deep_copy(exchange->response_body) : NULL;
    own->response_body_text = ecc_strdup(exchange->response_body_text);
    if (own->label == NULL || own->method == NULL || own->path == NULL || own->target == NULL ||
        own->request_body == NULL || (exchange->response_headers != NULL && own->response_headers == NULL) ||
        (exchange->response_body != NULL && own->response_body == NULL) ||
        (exchange->response_body_text != NULL && own->response_body_text == NULL)) {
        s_exchange_clean_up(own);
        return ECC_ERR_NOMEM;
    }
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    enum ecc_status status = ecc_codec_read_run_task_request(own->request_body, &path, &own->request, NULL, diag);
    if (status != ECC_OK) {
        s_exchange_clean_up(own);
        return status;
    }
    mock->exchange_count++;
    return ECC_OK;
}

static enum ecc_status s_replace_string(char **slot, const char *value) {
    char *copy = NULL;
    if (value != NULL) {
        copy = ecc_strdup(value);
        if (copy == NULL) {
            return ECC_ERR_NOMEM;
        }
    }
    free(*slot);
    *slot = copy;
    return ECC_OK;
}

enum ecc_status ecc_mock_set_host(struct ecc_mock *mock, const char *host) {
    return s_replace_string(&mock->host, host);
}

enum ecc_status ecc_mock_set_expected_token(struct ecc_mock *mock, const char *token) {
    return s_replace_string(&mock->expected_token, token);
}

void ecc_mock_begin_call(struct ecc_mock *mock) {
    pthread_mutex_lock(&mock->lock);
    if (mock->record_count > 0) {
        mock->call++;
    }
    pthread_mutex_unlock(&mock->lock);
}

size_t ecc_mock_record_count(const struct ecc_mock *mock) {
    return mock->record_count;
}

const struct ecc_mock_record *ecc_mock_record_get(const struct ecc_mock *mock, size_t index) {
    return index < mock->record_count ? &mock->records[index] : NULL;
}

size_t ecc_mock_played_count(const struct ecc_mock *mock) {
    return mock->played;
}

/* ------------------------------------------------------------------------------------------------ */
/* Checks                                                                                           */

struct s_checked {
    struct ecc_mock_record *record;
    bool body_ok;
    json_t *body; /* parsed body (NULL when not JSON) */
    struct ecc_run_task_request request;
    enum ecc_sigv4_outcome signature;
    char signature_message[512];
};

static void s_problem(struct ecc_mock_record *record, const char *fmt, ...) ECC_PRINTF(2, 3);
static void s_problem(struct ecc_mock_record *record, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    enum ecc_status status = ecc_string_list_vappendf(&record->problems, fmt, args);
    va_end(args);
    /* A record that cannot hold one more problem still fails: the list is never empty after this. */
    if (status != ECC_OK && record->problems.count == 0) {
        record->problems.has = true;
    }
}

/* The SignedHeaders list of an Authorization header, as sent; "" when absent. */
static void s_signed_headers(const char *authorization, char *out, size_t size) {
    out[0] = '\0';
    const char *at = authorization != NULL ? strstr(authorization, "SignedHeaders=") : NULL;
    if (at == NULL) {
        return;
    }
    at += strlen("SignedHeaders=");
    size_t len = strcspn(at, ", ");
    snprintf(out, size, "%.*s", (int)len, at);
}

static bool s_list_has(const char *list, const char *name) {
    size_t name_len = strlen(name);
    for (const char *at = list; *at != '\0';) {
        size_t len = strcspn(at, ";");
        if (len == name_len && strncmp(at, name, len) == 0) {
            return true;
        }
        at += len;
        if (*at == ';') {
            at++;
        }
    }
    return false;
}

static void s_check_envelope(struct ecc_mock *mock, const struct ecc_http_request *request, struct s_checked *checked) {
    struct ecc_mock_record *record = checked->record;
    if (request->method == NULL || strcmp(request->method, "POST") != 0) {
        s_problem(record, "method: expected POST, got %s", request->method != NULL ? request->method : "(none)");
    }
    if (request->path == NULL || strcmp(request->path, "/") != 0) {
        s_problem(record, "path: expected /, got %.200s", request->path != NULL ? request->path : "(none)");
    }
    if (request->query != NULL && request->query[0] != '\0') {
        s_problem(record, "query: expected none, got a query string");
    }
    const char *content_type = ecc_http_headers_get(&request->headers, "Content-Type");
    if (content_type == NULL || strcmp(content_type, ECC_AWS_JSON_CONTENT_TYPE) != 0) {
        s_problem(
            record,
            "content-type: expected " ECC_AWS_JSON_CONTENT_TYPE ", got %.200s",
            content_type != NULL ? content_type : "(none)");
    }
    const char *target = ecc_http_headers_get(&request->headers, "X-Amz-Target");
    snprintf(record->target, sizeof(record->target), "%s", target != NULL ? target : "");
    if (target == NULL || strcmp(target, S_RUN_TASK_TARGET) != 0) {
        s_problem(
            record,
            "target: expected X-Amz-Target " S_RUN_TASK_TARGET ", got %.200s",
            target != NULL ? target : "(none)");
    }
    const char *host = ecc_http_headers_get(&request->headers, "Host");
    if (host == NULL) {
        s_problem(record, "host: no Host header");
    } else if (mock->host != NULL && strcmp(host, mock->host) != 0) {
        s_problem(record, "host: expected %s, got %.200s", mock->host, host);
    }
    const char *date = ecc_http_headers_get(&request->headers, "X-Amz-Date");
    int64_t epoch_s = 0;
    if (date == NULL) {
        s_problem(record, "x-amz-date: no X-Amz-Date header");
    } else if (ecc_sigv4_parse_date(date, &epoch_s) != ECC_OK) {
        s_problem(record, "x-amz-date: not a basic ISO-8601 date: %.100s", date);
    }
    const char *length = ecc_http_headers_get(&request->headers, "Content-Length");
    char expected_length[32];
    snprintf(expected_length, sizeof(expected_length), "%zu", request->body_len);
    if (length == NULL) {
        s_problem(record, "content-length: no Content-Length header");
    } else if (strcmp(length, expected_length) != 0) {
        s_problem(record, "content-length: header says %.40s, body has %zu bytes", length, request->body_len);
    }

    struct ecc_sigv4_verify_result verify;
    ecc_sigv4_verify_result_init(&verify);
    if (ecc_sigv4_verify(mock->verifier, request, &verify) != ECC_OK) {
        s_problem(record, "signature: the verifier ran out of resources");
        checked->signature = ECC_SIGV4_INCOMPLETE_SIGNATURE;
    } else {
        checked->signature = verify.outcome;
        snprintf(checked->signature_message, sizeof(checked->signature_message), "%s", verify.message);
        if (verify.outcome != ECC_SIGV4_VERIFIED) {
            s_problem(record, "signature.%s: %s", ecc_sigv4_outcome_check(verify.outcome), verify.message);
        }
    }
    ecc_sigv4_verify_result_clean_up(&verify);
    char signed_headers[512];
    s_signed_headers(ecc_http_headers_get(&request->headers, "Authorization"), signed_headers, sizeof(signed_headers));
    if (signed_headers[0] != '\0') {
        if (!s_list_has(signed_headers, "host")) {
            s_problem(record, "signature.signed-headers: host is not signed (SignedHeaders=%s)", signed_headers);
        }
        if (!s_list_has(signed_headers, "x-amz-date")) {
            s_problem(record, "signature.signed-headers: x-amz-date is not signed (SignedHeaders=%s)", signed_headers);
        }
    }
}

static void s_check_body(struct ecc_mock *mock, const struct ecc_http_request *request, struct s_checked *checked) {
    struct ecc_mock_record *record = checked->record;
    struct ecc_codec_parse_options options = {.strict = true};
    struct ecc_string_list unknown;
    struct ecc_diag diag;
    ecc_string_list_init(&unknown);
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_codec_parse_run_task_request(
        request->body, request->body_len, &options, &checked->request, &unknown, &diag);
    if (status == ECC_OK) {
        checked->body_ok = true;
    } else if (unknown.count > 0) {
        /* The request is filled in when only extra members were found. */
        checked->body_ok = true;
        for (size_t i = 0; i < unknown.count; i++) {
            s_problem(record, "body.unknown-member: %s is not a RunTask member", unknown.items[i]);
        }
    } else {
        char text[900];
        ecc_diag_format(&diag, text, sizeof(text));
        s_problem(record, "body: %s", text);
    }
    ecc_string_list_clean_up(&unknown);
    checked->body = json_loadb((const char *)request->body, request->body_len, JSON_REJECT_DUPLICATES, NULL);

    if (!checked->body_ok) {
        return;
    }
    const char *token = checked->request.client_token;
    record->client_token = ecc_strdup(token);
    if (mock->expected_token != NULL) {
        if (token == NULL) {
            s_problem(record, "client-token.given: the caller's clientToken was not sent");
        } else if (strcmp(token, mock->expected_token) != 0) {
            s_problem(record, "client-token.given: the caller's clientToken was changed (sent %.80s)", token);
        }
    } else if (token == NULL) {
        s_problem(record, "client-token.generated: no clientToken sent (the model marks it as an idempotency token)");
    } else if (!ecc_mock_is_uuid4(token)) {
        s_problem(record, "client-token.generated: %.80s is not a UUIDv4", token);
    }
}

/* ------------------------------------------------------------------------------------------------ */
/* Matching                                                                                         */

static bool s_tokens_compare_by_rule(const struct ecc_mock *mock) {
    return mock->expected_token == NULL;
}

/* Called with the lock held: the exchange's parsed request is borrowed for the comparison. */
static bool s_body_matches(const struct ecc_mock *mock, struct s_exchange *exchange, struct s_checked *checked) {
    if (!checked->body_ok) {
        return false;
    }
    if (!s_tokens_compare_by_rule(mock)) {
        return ecc_run_task_request_equal(&exchange->request, &checked->request);
    }
    /* The generated token was checked by rule; compare the rest by meaning, tokens set aside. */
    char *sent_token = checked->request.client_token;
    char *expected_token = exchange->request.client_token;
    checked->request.client_token = NULL;
    exchange->request.client_token = NULL;
    bool equal = ecc_run_task_request_equal(&exchange->request, &checked->request);
    checked->request.client_token = sent_token;
    exchange->request.client_token = expected_token;
    return equal;
}

static bool s_header_equal(const struct ecc_http_request *request, const char *name, const char *expected) {
    const char *value = ecc_http_headers_get(&request->headers, name);
    return value != NULL && strcmp(value, expected) == 0;
}

static bool s_exchange_matches(
    const struct ecc_mock *mock,
    struct s_exchange *exchange,
    const struct ecc_http_request *request,
    struct s_checked *checked) {
    return request->method != NULL && strcmp(request->method, exchange->method) == 0 && request->path != NULL &&
           strcmp(request->path, exchange->path) == 0 && s_header_equal(request, "X-Amz-Target", exchange->target) &&
           s_body_matches(mock, exchange, checked);
}

struct s_diff {
    struct ecc_buf text;
    unsigned lines;
};

static void s_diff_line(struct s_diff *diff, const char *fmt, ...) ECC_PRINTF(2, 3);
static void s_diff_line(struct s_diff *diff, const char *fmt, ...) {
    if (diff->lines++ >= S_MAX_DIFF_LINES) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    if (diff->text.len > 0) {
        s_ignore(ecc_buf_append_str(&diff->text, "; "));
    }
    s_ignore(ecc_buf_vprintf(&diff->text, fmt, args));
    va_end(args);
}

static void s_dump_short(const json_t *value, char *out, size_t size) {
    if (value == NULL) {
        snprintf(out, size, "(absent)");
        return;
    }
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    snprintf(out, size, "%.80s%s", text != NULL ? text : "?", text != NULL && strlen(text) > 80 ? "..." : "");
    free(text);
}

/* Recursive JSON diff by pointer; the clientToken member at the top is skipped when compared by rule. */
static void
s_json_diff(struct s_diff *diff, const char *pointer, const json_t *expected, const json_t *actual, int depth) {
    if (ecc_match_json_equal(expected, actual)) {
        return;
    }
    if (depth < 8 && json_is_object(expected) && json_is_object(actual)) {
        const char *key;
        json_t *value;
        json_object_foreach((json_t *)expected, key, value) {
            char child[300];
            snprintf(child, sizeof(child), "%s/%s", pointer, key);
            s_json_diff(diff, child, value, json_object_get(actual, key), depth + 1);
        }
        json_object_foreach((json_t *)actual, key, value) {
            if (json_object_get(expected, key) == NULL) {
                char child[300];
                snprintf(child, sizeof(child), "%s/%s", pointer, key);
                s_json_diff(diff, child, NULL, value, depth + 1);
            }
        }
        return;
    }
    if (depth < 8 && json_is_array(expected) && json_is_array(actual) &&
        json_array_size(expected) == json_array_size(actual)) {
        for (size_t i = 0; i < json_array_size(expected); i++) {
            char child[300];
            snprintf(child, sizeof(child), "%s/%zu", pointer, i);
            s_json_diff(diff, child, json_array_get(expected, i), json_array_get(actual, i), depth + 1);
        }
        return;
    }
    if (json_is_null(actual) && expected == NULL) {
        return; /* null counts as absent */
    }
    char e[100];
    char a[100];
    s_dump_short(expected, e, sizeof(e));
    s_dump_short(actual, a, sizeof(a));
    s_diff_line(diff, "body %s: expected %s, got %s", pointer[0] != '\0' ? pointer : "(root)", e, a);
}

/* How close a request is to an exchange: one point per line item that agrees, one per equal top member. */
static int s_closeness(const struct s_exchange *exchange, const struct ecc_http_request *request, const json_t *body) {
    int score = 0;
    score += request->method != NULL && strcmp(request->method, exchange->method) == 0;
    score += request->path != NULL && strcmp(request->path, exchange->path) == 0;
    score += 2 * s_header_equal(request, "X-Amz-Target", exchange->target);
    const char *key;
    json_t *value;
    json_object_foreach(exchange->request_body, key, value) {
        score += json_is_object(body) && ecc_match_json_equal(value, json_object_get(body, key));
    }
    return score;
}

static void s_no_match_diff(
    const struct ecc_mock *mock,
    const struct ecc_http_request *request,
    const struct s_checked *checked,
    struct ecc_buf *out) {
    if (mock->exchange_count == 0) {
        s_ignore(ecc_buf_append_str(out, "the mock holds no exchange"));
        return;
    }
    size_t nearest = 0;
    int best = -1;
    for (size_t i = 0; i < mock->exchange_count; i++) {
        int score = s_closeness(&mock->exchanges[i], request, checked->body);
        if (score > best) {
            best = score;
            nearest = i;
        }
    }
    const struct s_exchange *exchange = &mock->exchanges[nearest];
    struct s_diff diff = {.lines = 0};
    ecc_buf_init(&diff.text, 4096);
    if (request->method == NULL || strcmp(request->method, exchange->method) != 0) {
        s_diff_line(&diff, "method: expected %s, got %.20s", exchange->method, request->method ? request->method : "");
    }
    if (request->path == NULL || strcmp(request->path, exchange->path) != 0) {
        s_diff_line(&diff, "path: expected %s, got %.100s", exchange->path, request->path ? request->path : "");
    }
    if (!s_header_equal(request, "X-Amz-Target", exchange->target)) {
        const char *target = ecc_http_headers_get(&request->headers, "X-Amz-Target");
        s_diff_line(&diff, "X-Amz-Target: expected %s, got %.100s", exchange->target, target ? target : "(none)");
    }
    if (checked->body == NULL) {
        s_diff_line(&diff, "body: not JSON");
    } else {
        json_t *expected = json_deep_copy(exchange->request_body);
        json_t *actual = json_deep_copy(checked->body);
        if (s_tokens_compare_by_rule(mock) && json_is_object(expected) && json_is_object(actual)) {
            json_object_del(expected, "clientToken");
            json_object_del(actual, "clientToken");
        }
        s_json_diff(&diff, "", expected, actual, 0);
        json_decref(expected);
        json_decref(actual);
    }
    if (exchange->played && diff.lines == 0) {
        s_diff_line(&diff, "the request equals it, but it was already played (more requests than recorded)");
    }
    if (diff.lines > S_MAX_DIFF_LINES) {
        s_diff_line(&diff, "and %u more", diff.lines - S_MAX_DIFF_LINES);
    }
    s_ignore(ecc_buf_printf(
        out, "nearest exchange %zu (%s): %s", nearest + 1, exchange->label, diff.text.data ? diff.text.data : ""));
    ecc_buf_clean_up(&diff.text);
}

/* ------------------------------------------------------------------------------------------------ */
/* Answers                                                                                          */

/* A copy of `text` with every byte that is not part of valid UTF-8 replaced by '?' (heap; NULL on failure). */
static char *s_valid_utf8(const char *text) {
    size_t len = strlen(text);
    char *out = malloc(len + 1);
    if (out == NULL) {
        return NULL;
    }
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = (unsigned char)text[i] < 0x80 ? 1 : ecc_utf8_decode(text + i, len - i, &cp);
        if (n == 0) {
            out[i++] = '?';
        } else {
            memcpy(out + i, text + i, n);
            i += n;
        }
    }
    out[len] = '\0';
    return out;
}

static void s_answer_error(struct ecc_http_response *response, const char *type, int status, const char *message) {
    struct ecc_error_response_options options = {
        .type_name = type,
        .http_status = status,
        .message = message,
        .request_id = "ecsconf-mock",
    };
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status built = ecc_codec_build_error_response(&options, response, &diag);
    if (built == ECC_ERR_INVALID) {
        /* The message quotes the request (a no-match diff, a header), which may hold bytes that are not
         * UTF-8: JSON cannot carry them, so they are shown as '?'. */
        char *valid = s_valid_utf8(message);
        options.message = valid ? valid : "the request holds bytes that are not UTF-8";
        ecc_http_response_clean_up(response);
        ecc_http_response_init(response);
        built = ecc_codec_build_error_response(&options, response, &diag);
        free(valid);
    }
    if (built != ECC_OK) {
        response->status = 500;
    }
}

/* The recorded headers (string values only) and body of an exchange. */
static enum ecc_status s_fill_answer(const struct s_exchange *exchange, struct ecc_http_response *response) {
    if (exchange->response_headers != NULL) {
        const char *name;
        json_t *value;
        json_object_foreach(exchange->response_headers, name, value) {
            if (!json_is_string(value)) {
                continue;
            }
            enum ecc_status status = ecc_http_headers_add(&response->headers, name, json_string_value(value));
            if (status != ECC_OK) {
                return status;
            }
        }
    }
    if (exchange->response_body != NULL) {
        char *text = json_dumps(exchange->response_body, JSON_COMPACT | JSON_ENCODE_ANY);
        if (text == NULL) {
            return ECC_ERR_NOMEM;
        }
        enum ecc_status status = ecc_http_response_set_body(response, text, strlen(text));
        free(text);
        return status;
    }
    if (exchange->response_body_text != NULL) {
        return ecc_http_response_set_body(response, exchange->response_body_text, strlen(exchange->response_body_text));
    }
    return ECC_OK;
}

static void s_answer_exchange(const struct s_exchange *exchange, struct ecc_http_response *response) {
    response->status = exchange->status;
    response->fault = exchange->fault;
    response->fault_ms = exchange->fault_ms;
    response->fault_bytes = exchange->fault_bytes;
    enum ecc_status status = s_fill_answer(exchange, response);
    if (status != ECC_OK) {
        ecc_http_response_clean_up(response);
        ecc_http_response_init(response);
        s_answer_error(response, "InternalFailure", 500, "the mock could not build the recorded answer");
    }
}

static struct ecc_mock_record *s_new_record(struct ecc_mock *mock, struct ecc_mock_record *scratch) {
    memset(scratch, 0, sizeof(*scratch));
    ecc_string_list_init(&scratch->problems);
    scratch->exchange = -1;
    scratch->call = mock->call;
    return scratch;
}

static void s_keep_record(struct ecc_mock *mock, struct ecc_mock_record *record) {
    if (mock->record_count < S_MAX_RECORDS) {
        struct ecc_mock_record *grown =
            ecc_array_grow(mock->records, &mock->record_capacity, mock->record_count, sizeof(*grown), 8, S_MAX_RECORDS);
        if (grown != NULL) {
            mock->records = grown;
            mock->records[mock->record_count++] = *record;
            return;
        }
    }
    free(record->client_token);
    ecc_string_list_clean_up(&record->problems);
}

void ecc_mock_handle(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    struct ecc_mock *mock = user_data;
    pthread_mutex_lock(&mock->lock);
    struct ecc_mock_record scratch;
    struct s_checked checked;
    memset(&checked, 0, sizeof(checked));
    ecc_run_task_request_init(&checked.request);
    checked.record = s_new_record(mock, &scratch);
    size_t index = mock->record_count + 1;

    s_check_envelope(mock, request, &checked);
    s_check_body(mock, request, &checked);

    if (checked.signature != ECC_SIGV4_VERIFIED) {
        /* What the service does: the request never reaches the operation. */
        s_answer_error(
            response,
            ecc_sigv4_outcome_error_name(checked.signature),
            ecc_sigv4_outcome_http_status(checked.signature),
            checked.signature_message);
    } else {
        for (size_t i = 0; i < mock->exchange_count; i++) {
            struct s_exchange *exchange = &mock->exchanges[i];
            if (!exchange->played && s_exchange_matches(mock, exchange, request, &checked)) {
                exchange->played = true;
                mock->played++;
                checked.record->exchange = (int)i;
                s_answer_exchange(exchange, response);
                break;
            }
        }
        if (checked.record->exchange < 0) {
            struct ecc_buf diff;
            ecc_buf_init(&diff, 8192);
            s_no_match_diff(mock, request, &checked, &diff);
            s_problem(checked.record, "match: no recorded exchange left that matches; %s", diff.data ? diff.data : "");
            ecc_logf(mock->log_fn, mock->log_user_data, "request %zu: no match: %s", index, diff.data ? diff.data : "");
            s_answer_error(response, ECC_MOCK_NO_MATCH_ERROR, 400, diff.data ? diff.data : "no match");
            ecc_buf_clean_up(&diff);
        }
    }
    bool silent = response->fault == ECC_HTTP_FAULT_HANG || response->fault == ECC_HTTP_FAULT_RESET;
    checked.record->answered_status = silent ? 0 : response->status;
    checked.record->fault = response->fault;
    ecc_logf(
        mock->log_fn,
        mock->log_user_data,
        "request %zu (call %u): %s -> %d%s%s%s",
        index,
        checked.record->call + 1,
        checked.record->target[0] ? checked.record->target : "(no target)",
        checked.record->answered_status,
        response->fault != ECC_HTTP_FAULT_NONE ? ", fault " : "",
        response->fault != ECC_HTTP_FAULT_NONE ? ecc_http_fault_name(response->fault) : "",
        checked.record->problems.count > 0 ? " with problems" : "");
    s_keep_record(mock, checked.record);
    json_decref(checked.body);
    ecc_run_task_request_clean_up(&checked.request);
    pthread_mutex_unlock(&mock->lock);
}

/* Each record's problems, "request N: <problem>", in arrival order. */
static enum ecc_status s_list_record_problems(const struct ecc_mock *mock, struct ecc_string_list *problems) {
    for (size_t i = 0; i < mock->record_count; i++) {
        const struct ecc_mock_record *record = &mock->records[i];
        for (size_t p = 0; p < record->problems.count; p++) {
            enum ecc_status status =
                ecc_string_list_appendf(problems, "request %zu: %s", i + 1, record->problems.items[p]);
            if (status != ECC_OK) {
                return status;
            }
        }
    }
    return ECC_OK;
}

/* The token rules for request `i`: a retry repeats the token of its call's first request; a generated
 * token of a new call differs from the tokens of the earlier calls. */
static enum ecc_status s_check_token(const struct ecc_mock *mock, size_t i, struct ecc_string_list *problems) {
    const struct ecc_mock_record *record = &mock->records[i];
    const struct ecc_mock_record *first = NULL;
    size_t first_index = 0;
    for (size_t j = 0; j < i && first == NULL; j++) {
        if (mock->records[j].call == record->call) {
            first = &mock->records[j];
            first_index = j;
        }
    }
    if (first != NULL) {
        if (first->client_token != NULL && record->client_token == NULL) {
            return ecc_string_list_appendf(
                problems,
                "request %zu: client-token.retry: the retry dropped the clientToken request %zu carried",
                i + 1,
                first_index + 1);
        }
        if (first->client_token != NULL && strcmp(first->client_token, record->client_token) != 0) {
            return ecc_string_list_appendf(
                problems,
                "request %zu: client-token.retry: a retry must carry the same clientToken as request %zu of its "
                "call, got a different one",
                i + 1,
                first_index + 1);
        }
        return ECC_OK;
    }
    for (size_t j = 0; j < i && record->client_token != NULL && mock->expected_token == NULL; j++) {
        const struct ecc_mock_record *earlier = &mock->records[j];
        if (earlier->client_token != NULL && strcmp(earlier->client_token, record->client_token) == 0) {
            return ecc_string_list_appendf(
                problems,
                "request %zu: client-token.new-call: a new call reused the generated clientToken of call %u",
                i + 1,
                earlier->call + 1);
        }
    }
    return ECC_OK;
}

enum ecc_status ecc_mock_finish(struct ecc_mock *mock, struct ecc_string_list *problems) {
    pthread_mutex_lock(&mock->lock);
    enum ecc_status status = s_list_record_problems(mock, problems);
    if (status != ECC_OK) {
        goto done;
    }
    /* Token rules between requests: the first request of each call sets the call's token. */
    for (size_t i = 0; i < mock->record_count; i++) {
        status = s_check_token(mock, i, problems);
        if (status != ECC_OK) {
            goto done;
        }
    }

done:
    pthread_mutex_unlock(&mock->lock);
    return status;
}

int ecc_mock_fuzz_one(const uint8_t *data, size_t len, ecc_mock_fuzz_answer_fn *on_answer, void *user_data) {
    static const char *const params = "{\"cluster\":\"c\",\"taskDefinition\":\"f\",\"count\":1}";
    static const char *const host = "127.0.0.1:1";
    struct ecc_mock_options options = {
        .region = "us-east-1",
        .access_key_id = "AKIDEXAMPLE",
        .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    json_t *body = json_loads(params, 0, NULL);
    json_t *headers = json_pack("{s:s}", "Content-Type", ECC_AWS_JSON_CONTENT_TYPE);
    json_t *error_body = json_pack("{s:s}", "__type", "ServerException");
    json_t *ok_body = json_pack("{s:[],s:[]}", "tasks", "failures");
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_mock *mock = ecc_mock_new(&options, &diag);
    if (mock == NULL || body == NULL || headers == NULL || error_body == NULL || ok_body == NULL) {
        goto done;
    }
    struct ecc_mock_exchange exchanges[2] = {
        {.label = "error",
         .request_body = body,
         .status = 500,
         .response_headers = headers,
         .response_body = error_body},
        {.label = "ok", .request_body = body, .status = 200, .response_headers = headers, .response_body = ok_body},
    };
    for (size_t i = 0; i < 2; i++) {
        if (ecc_mock_add_exchange(mock, &exchanges[i], &diag) != ECC_OK) {
            goto done;
        }
    }
    if (ecc_mock_set_host(mock, host) != ECC_OK) {
        goto done;
    }
    bool as_written = len > 0 && data[0] == '~';
    if (ecc_sigv4_parse_request_text((const char *)data + as_written, len - as_written, &request, &diag) != ECC_OK) {
        goto done;
    }
    if (!as_written) {
        if (ecc_credentials_set(&credentials, options.access_key_id, options.secret_access_key, NULL, NULL) != ECC_OK ||
            (!ecc_http_headers_get(&request.headers, "Host") &&
             ecc_http_headers_add(&request.headers, "Host", host) != ECC_OK)) {
            goto done;
        }
        struct ecc_sigv4_sign_options sign = {.credentials = &credentials, .region = options.region, .service = "ecs"};
        if (ecc_sigv4_sign(&request, &sign, &diag) != ECC_OK) {
            /* unsignable (a header name that is not a token, ...): handed over as it is */
        }
    }
    for (int i = 0; i < 2; i++) {
        struct ecc_http_response response;
        ecc_http_response_init(&response);
        ecc_mock_handle(mock, &request, &response);
        if (on_answer) {
            on_answer(user_data, &request, &response);
        }
        ecc_http_response_clean_up(&response);
    }
    struct ecc_string_list problems;
    ecc_string_list_init(&problems);
    s_ignore(ecc_mock_finish(mock, &problems));
    ecc_string_list_clean_up(&problems);
done:
    ecc_mock_destroy(mock);
    ecc_http_request_clean_up(&request);
    ecc_credentials_clean_up(&credentials);
    json_decref(body);
    json_decref(headers);
    json_decref(error_body);
    json_decref(ok_body);
    return 0;
}

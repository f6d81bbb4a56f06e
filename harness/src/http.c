/*
 * HTTP message values (http.h): requests and responses as plain data with ordered, case-preserving,
 * case-insensitively looked-up headers, each list capped at ECC_HTTP_MAX_HEADERS. No wire parsing.
 */
#include "ecc/http.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool ecc_http_name_equal(const char *a, const char *b) {
    /* Look-ups compare one name against every header; most differ in the first byte already. Bytes
     * that differ in more than the 0x20 bit are never equal case-insensitively. */
    if ((a[0] | 0x20) != (b[0] | 0x20)) {
        return false;
    }
    return strcasecmp(a, b) == 0;
}

void ecc_http_headers_init(struct ecc_http_headers *headers) {
    headers->items = NULL;
    headers->count = 0;
    headers->capacity = 0;
}

void ecc_http_headers_clean_up(struct ecc_http_headers *headers) {
    for (size_t i = 0; i < headers->count; i++) {
        free(headers->items[i].name);
        free(headers->items[i].value);
    }
    free(headers->items);
    ecc_http_headers_init(headers);
}

static char *s_strndup(const char *str, size_t len) {
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, str, len);
        copy[len] = '\0';
    }
    return copy;
}

enum ecc_status ecc_http_headers_add_n(
    struct ecc_http_headers *headers, const char *name, size_t name_len, const char *value, size_t value_len) {
    if (headers->count >= ECC_HTTP_MAX_HEADERS) {
        return ECC_ERR_LIMIT;
    }
    struct ecc_http_header *items =
        ecc_array_grow(headers->items, &headers->capacity, headers->count, sizeof(*items), 8, SIZE_MAX);
    if (!items) {
        return ECC_ERR_NOMEM;
    }
    headers->items = items;
    char *name_copy = s_strndup(name, name_len);
    char *value_copy = s_strndup(value, value_len);
    if (!name_copy || !value_copy) {
        free(name_copy);
        free(value_copy);
        return ECC_ERR_NOMEM;
    }
    headers->items[headers->count].name = name_copy;
    headers->items[headers->count].value = value_copy;
    headers->count++;
    return ECC_OK;
}

enum ecc_status ecc_http_headers_add(struct ecc_http_headers *headers, const char *name, const char *value) {
    return ecc_http_headers_add_n(headers, name, strlen(name), value, strlen(value));
}

size_t ecc_http_headers_remove(struct ecc_http_headers *headers, const char *name) {
    size_t kept = 0;
    size_t removed = 0;
    for (size_t i = 0; i < headers->count; i++) {
        if (ecc_http_name_equal(headers->items[i].name, name)) {
            free(headers->items[i].name);
            free(headers->items[i].value);
            removed++;
        } else {
            headers->items[kept++] = headers->items[i];
        }
    }
    headers->count = kept;
    return removed;
}

enum ecc_status ecc_http_headers_set(struct ecc_http_headers *headers, const char *name, const char *value) {
    ecc_http_headers_remove(headers, name);
    return ecc_http_headers_add(headers, name, value);
}

const char *ecc_http_headers_get(const struct ecc_http_headers *headers, const char *name) {
    for (size_t i = 0; i < headers->count; i++) {
        if (ecc_http_name_equal(headers->items[i].name, name)) {
            return headers->items[i].value;
        }
    }
    return NULL;
}

size_t ecc_http_headers_count_name(const struct ecc_http_headers *headers, const char *name) {
    size_t n = 0;
    for (size_t i = 0; i < headers->count; i++) {
        n += ecc_http_name_equal(headers->items[i].name, name);
    }
    return n;
}

enum ecc_status ecc_http_headers_copy(struct ecc_http_headers *dst, const struct ecc_http_headers *src) {
    for (size_t i = 0; i < src->count; i++) {
        enum ecc_status status = ecc_http_headers_add(dst, src->items[i].name, src->items[i].value);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

void ecc_http_request_init(struct ecc_http_request *request) {
    memset(request, 0, sizeof(*request));
    ecc_http_headers_init(&request->headers);
}

void ecc_http_request_clean_up(struct ecc_http_request *request) {
    free(request->method);
    free(request->path);
    free(request->query);
    free(request->body);
    ecc_http_headers_clean_up(&request->headers);
    ecc_http_request_init(request);
}

static enum ecc_status s_replace(char **slot, const char *value) {
    if (!value) {
        return ECC_OK;
    }
    char *copy = ecc_strdup(value);
    if (!copy) {
        return ECC_ERR_NOMEM;
    }
    free(*slot);
    *slot = copy;
    return ECC_OK;
}

enum ecc_status
ecc_http_request_set_line(struct ecc_http_request *request, const char *method, const char *path, const char *query) {
    const struct {
        char **slot;
        const char *value;
    } parts[] = {{&request->method, method}, {&request->path, path}, {&request->query, query}};
    for (size_t i = 0; i < ECC_ARRAY_LEN(parts); i++) {
        enum ecc_status status = s_replace(parts[i].slot, parts[i].value);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status s_set_body(uint8_t **slot, size_t *slot_len, const void *body, size_t len) {
    uint8_t *copy = malloc(len + 1);
    if (!copy) {
        return ECC_ERR_NOMEM;
    }
    if (len) {
        memcpy(copy, body, len);
    }
    copy[len] = 0;
    free(*slot);
    *slot = copy;
    *slot_len = len;
    return ECC_OK;
}

enum ecc_status ecc_http_request_set_body(struct ecc_http_request *request, const void *body, size_t len) {
    return s_set_body(&request->body, &request->body_len, body, len);
}

enum ecc_status ecc_http_request_copy(struct ecc_http_request *dst, const struct ecc_http_request *src) {
    enum ecc_status status = ecc_http_request_set_line(dst, src->method, src->path, src->query);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_http_headers_copy(&dst->headers, &src->headers);
    if (status != ECC_OK) {
        return status;
    }
    if (!src->body) {
        return ECC_OK;
    }
    return ecc_http_request_set_body(dst, src->body, src->body_len);
}

static const char *const s_fault_names[] = {
    [ECC_HTTP_FAULT_NONE] = "none",
    [ECC_HTTP_FAULT_HANG] = "hang",
    [ECC_HTTP_FAULT_RESET] = "reset",
    [ECC_HTTP_FAULT_CLOSE_AFTER_HEADERS] = "close-after-headers",
    [ECC_HTTP_FAULT_CLOSE_MID_BODY] = "close-mid-body",
    [ECC_HTTP_FAULT_DRIP] = "drip",
    [ECC_HTTP_FAULT_OVERSIZE] = "oversize",
};

const char *ecc_http_fault_name(enum ecc_http_fault fault) {
    return (size_t)fault < ECC_ARRAY_LEN(s_fault_names) ? s_fault_names[fault] : NULL;
}

bool ecc_http_fault_parse(const char *name, enum ecc_http_fault *out) {
    long index = ecc_name_index(s_fault_names, ECC_ARRAY_LEN(s_fault_names), name);
    if (index < 0) {
        return false;
    }
    *out = (enum ecc_http_fault)index;
    return true;
}

void ecc_http_response_init(struct ecc_http_response *response) {
    memset(response, 0, sizeof(*response));
    ecc_http_headers_init(&response->headers);
}

void ecc_http_response_clean_up(struct ecc_http_response *response) {
    free(response->body);
    ecc_http_headers_clean_up(&response->headers);
    ecc_http_response_init(response);
}

enum ecc_status ecc_http_response_set_body(struct ecc_http_response *response, const void *body, size_t len) {
    return s_set_body(&response->body, &response->body_len, body, len);
}

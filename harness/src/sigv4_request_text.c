/*
 * The SigV4 suite's request text ("METHOD target HTTP/1.1", header lines, an empty line, the body): read
 * into an ecc_http_request and written back, obs-fold continuation lines kept raw. Used by the suite's
 * vectors, `ecsconf sign` and `ecsconf verify`. Part of the SigV4 module (sigv4_internal.h).
 */
#include "sigv4_internal.h"

#include <stdlib.h>

/* ------------------------------------------------------------------------------------------------ */
/* Request text                                                                                     */

/* The first line, "METHOD target HTTP/1.1": the method, path and query of `request` (replaced). */
static enum ecc_status
s_read_request_line(const char *line, size_t line_len, struct ecc_http_request *request, struct ecc_diag *diag) {
    const char *first_space = memchr(line, ' ', line_len);
    const char *last_space = line + line_len;
    while (last_space > line && last_space[-1] != ' ') {
        last_space--;
    }
    /* The text is not NUL-terminated: compare only bytes inside the line. */
    size_t version_len = (size_t)(line + line_len - last_space);
    if (!first_space || last_space - 1 <= first_space || version_len < 5 || memcmp(last_space, "HTTP/", 5) != 0) {
        ecc_diag_set(diag, "the first line must be 'METHOD target HTTP/1.1'");
        return ECC_ERR_INVALID;
    }
    size_t target_len = (size_t)(last_space - 1 - (first_space + 1));
    const char *target = first_space + 1;
    const char *question = memchr(target, '?', target_len);
    size_t path_len = question ? (size_t)(question - target) : target_len;
    char *method = strndup(line, (size_t)(first_space - line));
    char *path = strndup(target, path_len);
    char *query = question ? strndup(question + 1, target_len - path_len - 1) : NULL;
    if (!method || !path || (question && !query)) {
        free(method);
        free(path);
        free(query);
        return ECC_ERR_NOMEM;
    }
    free(request->method);
    free(request->path);
    free(request->query);
    request->method = method;
    request->path = path;
    request->query = query;
    return ECC_OK;
}

/* An obs-fold line (it starts with a blank): it continues the previous value, kept raw so it is
 * written back as is. */
static enum ecc_status
s_append_folded_line(const char *line, size_t line_len, struct ecc_http_request *request, struct ecc_diag *diag) {
    if (request->headers.count == 0) {
        ecc_diag_set(diag, "a continuation line comes before any header");
        return ECC_ERR_INVALID;
    }
    struct ecc_http_header *last = &request->headers.items[request->headers.count - 1];
    size_t old = strlen(last->value);
    char *value = realloc(last->value, old + 1 + line_len + 1);
    if (!value) {
        return ECC_ERR_NOMEM;
    }
    value[old] = '\n';
    memcpy(value + old + 1, line, line_len);
    value[old + 1 + line_len] = '\0';
    last->value = value;
    return ECC_OK;
}

enum ecc_status
ecc_sigv4_parse_request_text(const char *text, size_t len, struct ecc_http_request *request, struct ecc_diag *diag) {
    size_t pos = 0;
    int line_no = 0;
    enum ecc_status status = ECC_OK;
    bool in_headers = true;
    while (pos < len && in_headers) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - line) : len - pos;
        pos += line_len + (nl ? 1 : 0);
        if (line_len > 0 && line[line_len - 1] == '\r') {
            line_len--;
        }
        line_no++;
        if (diag) {
            diag->line = line_no;
        }
        if (line_no == 1) {
            status = s_read_request_line(line, line_len, request, diag);
            if (status != ECC_OK) {
                return status;
            }
            continue;
        }
        if (line_len == 0) {
            in_headers = false;
            break;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            status = s_append_folded_line(line, line_len, request, diag);
            if (status != ECC_OK) {
                return status;
            }
            continue;
        }
        const char *colon = memchr(line, ':', line_len);
        if (!colon || colon == line || memchr(line, ' ', (size_t)(colon - line))) {
            ecc_diag_set(diag, "expected a 'Name:value' header line");
            return ECC_ERR_INVALID;
        }
        status = ecc_http_headers_add_n(
            &request->headers, line, (size_t)(colon - line), colon + 1, line_len - (size_t)(colon + 1 - line));
        if (status != ECC_OK) {
            ecc_diag_set(diag, "cannot add the header: %s", ecc_status_name(status));
            return status;
        }
    }
    if (line_no == 0) {
        ecc_diag_set(diag, "the request is empty");
        return ECC_ERR_INVALID;
    }
    if (!in_headers) {
        status = ecc_http_request_set_body(request, text + pos, len - pos);
        if (status != ECC_OK) {
            return status; /* the diag keeps the line reached */
        }
    }
    if (diag) {
        diag->line = 0;
    }
    return ECC_OK;
}

enum ecc_status ecc_sigv4_format_request_text(const struct ecc_http_request *request, struct ecc_buf *out) {
    enum ecc_status status = ecc_buf_printf(
        out,
        "%s %s%s%s HTTP/1.1\n",
        request->method ? request->method : "",
        request->path ? request->path : "/",
        request->query ? "?" : "",
        request->query ? request->query : "");
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; i < request->headers.count; i++) {
        status = ecc_buf_printf(out, "%s:%s\n", request->headers.items[i].name, request->headers.items[i].value);
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_buf_append_byte(out, '\n');
    if (status != ECC_OK) {
        return status;
    }
    if (request->body_len) {
        return ecc_buf_append(out, request->body, request->body_len);
    }
    return ECC_OK;
}

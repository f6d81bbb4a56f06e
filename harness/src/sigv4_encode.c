/*
 * SigV4 encoding: RFC 3986 percent-encoding (the canonical URI and query), percent-decoding, and reading
 * a raw query by decoded parameter name (the presigned form of a signature, and the signer's check that a
 * query holds none of it). Part of the SigV4 module (sigv4_internal.h).
 */
#include "sigv4_internal.h"

/* ------------------------------------------------------------------------------------------------ */
/* Encoding                                                                                         */

static bool s_is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

static int s_hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* RFC 3986 encoding: unreserved bytes (and '/' when `keep_slash`) as they are, the rest as %XX.
 * Measured first, then written in place: one reservation. */
enum ecc_status sigv4_append_encoded(struct ecc_buf *out, const char *bytes, size_t len, bool keep_slash) {
    static const char hex[] = "0123456789ABCDEF";
    size_t encoded_len = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)bytes[i];
        encoded_len += s_is_unreserved(c) || (keep_slash && c == '/') ? 1 : 3;
    }
    enum ecc_status status = ecc_buf_reserve(out, encoded_len);
    if (status != ECC_OK) {
        return status;
    }
    char *o = out->data + out->len;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)bytes[i];
        if (s_is_unreserved(c) || (keep_slash && c == '/')) {
            *o++ = (char)c;
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    out->len += encoded_len;
    out->data[out->len] = '\0';
    return ECC_OK;
}

/* The percent-decoded byte at bytes[i]; *step is how many input bytes it took. A '%' not followed by
 * two hex digits stays a literal '%'. */
static char s_decoded_at(const char *bytes, size_t len, size_t i, size_t *step) {
    if (bytes[i] == '%' && i + 2 < len) {
        int hi = s_hex_value(bytes[i + 1]);
        int lo = s_hex_value(bytes[i + 2]);
        if (hi >= 0 && lo >= 0) {
            *step = 3;
            return (char)(hi * 16 + lo);
        }
    }
    *step = 1;
    return bytes[i];
}

/* Percent-decodes into `out` (measured first, then written in place: one reservation). */
enum ecc_status sigv4_append_decoded(struct ecc_buf *out, const char *bytes, size_t len) {
    size_t decoded_len = 0, step;
    for (size_t i = 0; i < len; i += step) {
        (void)s_decoded_at(bytes, len, i, &step);
        decoded_len++;
    }
    enum ecc_status status = ecc_buf_reserve(out, decoded_len);
    if (status != ECC_OK) {
        return status;
    }
    char *o = out->data + out->len;
    for (size_t i = 0; i < len; i += step) {
        *o++ = s_decoded_at(bytes, len, i, &step);
    }
    out->len += decoded_len;
    out->data[out->len] = '\0';
    return ECC_OK;
}

/* Whether `bytes` percent-decodes to exactly `name`. */
static bool s_decodes_to(const char *bytes, size_t len, const char *name, size_t name_len) {
    size_t n = 0, step;
    for (size_t i = 0; i < len; i += step) {
        if (n == name_len || s_decoded_at(bytes, len, i, &step) != name[n]) {
            return false;
        }
        n++;
    }
    return n == name_len;
}

/* Percent-decodes into `out` (`size` bytes with the NUL); false when it does not fit. */
static bool s_decode_into(char *out, size_t size, const char *bytes, size_t len) {
    size_t n = 0, step;
    for (size_t i = 0; i < len; i += step) {
        if (n + 1 >= size) {
            return false;
        }
        out[n++] = s_decoded_at(bytes, len, i, &step);
    }
    out[n] = '\0';
    return true;
}

/* Finds a query parameter by decoded name; copies its decoded value. Returns how many there are
 * (0, 1, or more: the caller rejects repeats). */
int sigv4_query_param(const char *query, const char *name, char *out, size_t size, bool *too_long) {
    int count = 0;
    if (!query) {
        return 0;
    }
    size_t name_len = strlen(name);
    const char *p = query;
    while (true) {
        const char *end = strchr(p, '&');
        size_t seg = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        size_t key_len = eq ? (size_t)(eq - p) : seg;
        if (seg > 0 && s_decodes_to(p, key_len, name, name_len) && ++count == 1) {
            const char *v = eq ? eq + 1 : p + seg;
            size_t v_len = eq ? seg - key_len - 1 : 0;
            if (!s_decode_into(out, size, v, v_len)) {
                *too_long = true;
            }
        }
        if (!end) {
            break;
        }
        p = end + 1;
    }
    return count;
}

/* The presigned (query) form of a signature: any of the parameters that only it uses. */
bool sigv4_has_query_auth(const char *query) {
    static const char *const only_presigned[] = {"X-Amz-Algorithm", "X-Amz-Signature", "X-Amz-Credential"};
    return sigv4_query_first_of(query, only_presigned, sizeof(only_presigned) / sizeof(only_presigned[0])) != NULL;
}

/* The first of `names` that the query holds (by decoded name), or NULL. */
const char *sigv4_query_first_of(const char *query, const char *const *names, size_t count) {
    if (!query || !query[0]) { /* every AWS JSON request */
        return NULL;
    }
    bool too_long = false;
    char probe[1]; /* only whether the parameter is there: nothing of its value is copied */
    for (size_t i = 0; i < count; i++) {
        if (sigv4_query_param(query, names[i], probe, sizeof(probe), &too_long) > 0) {
            return names[i];
        }
    }
    return NULL;
}

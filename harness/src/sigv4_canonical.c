/*
 * SigV4 canonicalization: the context both sides work in (the signer object; the verifier takes one
 * per call from its pool), the canonical URI, query and headers, the canonical request, the string to
 * sign and the signature. The one implementation of each rule: the signer and the verifier both call
 * sigv4_build_canonical_request. Headers and pieces are measured first and written with one
 * reservation, word-at-a-time where that pays (lower-casing, blank detection): the benchmark
 * (bench/bench_sigv4.c) holds this to a small multiple of the hashing alone. Part of the SigV4 module
 * (sigv4_internal.h).
 */
#include "sigv4_internal.h"

#include <stdlib.h>

void sigv4_context_init(struct ecc_sigv4_signer *ctx) {
    memset(ctx, 0, sizeof(*ctx));
    ecc_buf_init(&ctx->canonical_request, ECC_SIGV4_MAX_CANONICAL_BYTES);
    ecc_buf_init(&ctx->string_to_sign, ECC_SIGV4_MAX_CANONICAL_BYTES);
    ecc_buf_init(&ctx->scratch, 4 * ECC_SIGV4_MAX_CANONICAL_BYTES);
    ecc_buf_init(&ctx->scratch2, ECC_SIGV4_MAX_CANONICAL_BYTES);
    ecc_buf_init(&ctx->signed_headers, ECC_SIGV4_MAX_CANONICAL_BYTES);
}

static void s_wipe_buf(struct ecc_buf *buf) {
    if (buf->data) {
        ecc_secure_zero(buf->data, buf->capacity);
    }
    ecc_buf_clean_up(buf);
}

void sigv4_context_clean_up(struct ecc_sigv4_signer *ctx) {
    ecc_buf_clean_up(&ctx->canonical_request);
    ecc_buf_clean_up(&ctx->string_to_sign);
    s_wipe_buf(&ctx->scratch);
    s_wipe_buf(&ctx->scratch2);
    ecc_buf_clean_up(&ctx->signed_headers);
    free(ctx->params);
    free(ctx->headers);
    ecc_secure_zero(ctx->signature, sizeof(ctx->signature));
    ecc_secure_zero(&ctx->key_memo, sizeof(ctx->key_memo));
}

enum ecc_status sigv4_reserve_header_refs(struct ecc_sigv4_signer *ctx, size_t count) {
    while (ctx->headers_capacity < count) {
        struct sigv4_header_ref *grown = ecc_array_grow(
            ctx->headers, &ctx->headers_capacity, ctx->headers_capacity, sizeof(*grown), 8, ECC_HTTP_MAX_HEADERS);
        if (!grown) {
            return ECC_ERR_NOMEM;
        }
        ctx->headers = grown;
    }
    return ECC_OK;
}

struct ecc_sigv4_signer *ecc_sigv4_signer_new(void) {
    struct ecc_sigv4_signer *signer = malloc(sizeof(*signer));
    if (signer) {
        sigv4_context_init(signer);
    }
    return signer;
}

void ecc_sigv4_signer_destroy(struct ecc_sigv4_signer *signer) {
    if (signer) {
        sigv4_context_clean_up(signer);
        free(signer);
    }
}

const char *ecc_sigv4_signer_canonical_request(const struct ecc_sigv4_signer *signer) {
    return signer->canonical_request.data ? signer->canonical_request.data : "";
}

const char *ecc_sigv4_signer_string_to_sign(const struct ecc_sigv4_signer *signer) {
    return signer->string_to_sign.data ? signer->string_to_sign.data : "";
}

const char *ecc_sigv4_signer_signature(const struct ecc_sigv4_signer *signer) {
    return signer->signature;
}

/* Removes dot segments and empty segments; keeps a trailing slash when the path had one and something
 * is left (botocore's remove_dot_segments; aws-c-auth agrees on the suite). */
static enum ecc_status s_append_normalized_path(struct ecc_buf *out, const char *path, size_t len) {
    size_t start = out->len;
    size_t i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && path[j] != '/') {
            j++;
        }
        size_t seg = j - i;
        if (seg == 0 || (seg == 1 && path[i] == '.')) {
            /* skipped */
        } else if (seg == 2 && path[i] == '.' && path[i + 1] == '.') {
            while (out->len > start && out->data[out->len - 1] != '/') {
                out->len--;
            }
            if (out->len > start) {
                out->len--; /* the slash before the popped segment */
            }
            if (out->data) {
                out->data[out->len] = '\0';
            }
        } else {
            enum ecc_status status = ecc_buf_append_byte(out, '/');
            if (status != ECC_OK) {
                return status;
            }
            status = ecc_buf_append(out, path + i, seg);
            if (status != ECC_OK) {
                return status;
            }
        }
        i = j + 1;
    }
    if (out->len == start || (len > 0 && path[len - 1] == '/')) {
        return ecc_buf_append_byte(out, '/');
    }
    return ECC_OK;
}

/* Decodes each segment of the wire path and encodes it once, '/' included, so an encoded "%2F" stays
 * inside its segment. */
static enum ecc_status
s_append_single_encoded_path(struct ecc_sigv4_signer *ctx, struct ecc_buf *out, const char *path, size_t len) {
    size_t i = 0;
    while (i < len) {
        if (path[i] == '/') {
            enum ecc_status status = ecc_buf_append_byte(out, '/');
            if (status != ECC_OK) {
                return status;
            }
            i++;
            continue;
        }
        size_t seg = i;
        while (seg < len && path[seg] != '/') {
            seg++;
        }
        ecc_buf_reset(&ctx->scratch2);
        enum ecc_status status = sigv4_append_decoded(&ctx->scratch2, path + i, seg - i);
        if (status != ECC_OK) {
            return status;
        }
        status = sigv4_append_encoded(out, ctx->scratch2.data, ctx->scratch2.len, false);
        if (status != ECC_OK) {
            return status;
        }
        i = seg;
    }
    return ECC_OK;
}

/* Canonical URI. Double encoding normalizes the wire form, so an encoded "%2F" or "%2E%2E" is never a
 * separator or a dot segment. Single encoding normalizes what it encoded instead: the service decodes
 * the path once, so "%2E%2E" is "..", and normalizing first would leave a ".." that a second
 * canonicalization removes (the signer's output must be its own fixed point). */
static enum ecc_status s_append_canonical_uri(
    struct ecc_sigv4_signer *ctx, struct ecc_buf *out, const char *path, const struct sigv4_canon_rules *rules) {
    size_t len = path ? strlen(path) : 0;
    if (len == 0) {
        return ecc_buf_append_byte(out, '/');
    }
    if (rules->keep_path_unnormalized) {
        return rules->single_encode_path ? s_append_single_encoded_path(ctx, out, path, len)
                                         : sigv4_append_encoded(out, path, len, true);
    }
    ecc_buf_reset(&ctx->scratch);
    if (rules->single_encode_path) {
        enum ecc_status status = s_append_single_encoded_path(ctx, &ctx->scratch, path, len);
        if (status != ECC_OK) {
            return status;
        }
        return s_append_normalized_path(out, ctx->scratch.data, ctx->scratch.len);
    }
    enum ecc_status status = s_append_normalized_path(&ctx->scratch, path, len);
    if (status != ECC_OK) {
        return status;
    }
    return sigv4_append_encoded(out, ctx->scratch.data, ctx->scratch.len, true);
}

static const char *s_scratch(const struct ecc_sigv4_signer *ctx, size_t offset) {
    return ctx->scratch.data + offset;
}

int sigv4_compare_bytes(const char *a, size_t a_len, const char *b, size_t b_len) {
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0) {
        return c;
    }
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

static int
s_compare_params(const struct ecc_sigv4_signer *ctx, const struct sigv4_param *a, const struct sigv4_param *b) {
    int c = sigv4_compare_bytes(s_scratch(ctx, a->key_offset), a->key_len, s_scratch(ctx, b->key_offset), b->key_len);
    if (c == 0) {
        c = sigv4_compare_bytes(
            s_scratch(ctx, a->value_offset), a->value_len, s_scratch(ctx, b->value_offset), b->value_len);
    }
    return c;
}

/* Decodes then encodes one query component into the scratch; `offset` and `out_len` locate it there
 * (also after a failure: the bytes written before it). */
static enum ecc_status
s_scratch_reencode(struct ecc_sigv4_signer *ctx, const char *text, size_t len, size_t *offset, size_t *out_len) {
    ecc_buf_reset(&ctx->scratch2);
    *offset = ctx->scratch.len;
    *out_len = 0;
    enum ecc_status status = sigv4_append_decoded(&ctx->scratch2, text, len);
    if (status != ECC_OK) {
        return status;
    }
    status =
        sigv4_append_encoded(&ctx->scratch, ctx->scratch2.data ? ctx->scratch2.data : "", ctx->scratch2.len, false);
    *out_len = ctx->scratch.len - *offset;
    return status;
}

size_t sigv4_query_param_count(const char *query) {
    if (!query || !query[0]) {
        return 0;
    }
    size_t count = 1;
    for (const char *amp = strchr(query, '&'); amp; amp = strchr(amp + 1, '&')) {
        count++;
    }
    return count;
}

/* Reads the raw query's parameters, each key and value re-encoded into the scratch, into ctx->params
 * (`*count` of them). `skip_signature` drops X-Amz-Signature. */
static enum ecc_status
s_read_query_params(struct ecc_sigv4_signer *ctx, const char *query, bool skip_signature, size_t *count) {
    *count = 0;
    const char *p = query;
    for (;;) {
        const char *end = strchr(p, '&');
        size_t seg = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', seg);
        size_t key_len = eq ? (size_t)(eq - p) : seg;
        struct sigv4_param param;
        enum ecc_status status = s_scratch_reencode(ctx, p, key_len, &param.key_offset, &param.key_len);
        if (status != ECC_OK) {
            return status;
        }
        status = s_scratch_reencode(
            ctx, eq ? eq + 1 : p + seg, eq ? seg - key_len - 1 : 0, &param.value_offset, &param.value_len);
        if (status != ECC_OK) {
            return status;
        }
        bool skip = skip_signature && param.key_len == 15 &&
                    memcmp(s_scratch(ctx, param.key_offset), "X-Amz-Signature", 15) == 0;
        if (!skip) {
            if (*count == ECC_SIGV4_MAX_QUERY_PARAMS) {
                return ECC_ERR_LIMIT;
            }
            struct sigv4_param *params = ecc_array_grow(
                ctx->params, &ctx->params_capacity, *count, sizeof(*params), 16, ECC_SIGV4_MAX_QUERY_PARAMS);
            if (!params) {
                return ECC_ERR_NOMEM;
            }
            ctx->params = params;
            ctx->params[(*count)++] = param;
        }
        if (!end) {
            return ECC_OK;
        }
        p = end + 1;
    }
}

/* Appends one "key=value", after a '&' unless it is the first. */
static enum ecc_status s_append_query_param(
    const struct ecc_sigv4_signer *ctx, struct ecc_buf *out, const struct sigv4_param *param, bool first) {
    enum ecc_status status;
    if (!first) {
        status = ecc_buf_append_byte(out, '&');
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_buf_append(out, s_scratch(ctx, param->key_offset), param->key_len);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_buf_append_byte(out, '=');
    if (status != ECC_OK) {
        return status;
    }
    return ecc_buf_append(out, s_scratch(ctx, param->value_offset), param->value_len);
}

/* Canonical query string of a raw query. `skip_signature` drops X-Amz-Signature (verifying presigned
 * requests). An empty segment ("a=1&&b=2", a trailing '&') is a parameter with an empty key and value,
 * as botocore signs it; only an empty query has no parameters. */
static enum ecc_status
s_append_canonical_query(struct ecc_sigv4_signer *ctx, struct ecc_buf *out, const char *query, bool skip_signature) {
    if (!query || !query[0]) {
        return ECC_OK;
    }
    ecc_buf_reset(&ctx->scratch);
    size_t count = 0;
    enum ecc_status status = s_read_query_params(ctx, query, skip_signature, &count);
    if (status != ECC_OK) {
        return status;
    }
    /* Insertion sort: stable, and a query has a handful of parameters. */
    for (size_t i = 1; i < count; i++) {
        struct sigv4_param item = ctx->params[i];
        size_t j = i;
        while (j > 0 && s_compare_params(ctx, &ctx->params[j - 1], &item) > 0) {
            ctx->params[j] = ctx->params[j - 1];
            j--;
        }
        ctx->params[j] = item;
    }
    for (size_t i = 0; i < count; i++) {
        status = s_append_query_param(ctx, out, &ctx->params[i], i == 0);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static bool s_is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether any byte is SP or below (a blank, a control byte): eight bytes per step ("has a byte less
 * than n", exact as a yes/no for n <= 128), since most header values hold none and are copied whole. */
static bool s_word_has_blank_or_control(uint64_t w) {
    return ((w - SIGV4_ONES * 0x21) & ~w & SIGV4_HIGHS) != 0;
}

static bool s_has_blank_or_control(const char *value, size_t len) {
    size_t i = 0;
    if (len >= 8) {
        for (; i + 8 <= len; i += 8) {
            if (s_word_has_blank_or_control(sigv4_word(value + i))) {
                return true;
            }
        }
        /* the last, partial word as the word ending at the value's end (rereading a few bytes) */
        return i < len && s_word_has_blank_or_control(sigv4_word(value + len - 8));
    }
    for (; i < len; i++) {
        if ((unsigned char)value[i] <= ' ') {
            return true;
        }
    }
    return false;
}

/* ASCII upper-case letters to lower case, other bytes kept, eight bytes per step. */
static uint64_t s_word_lower(uint64_t w) {
    uint64_t low7 = w & ~SIGV4_HIGHS;
    uint64_t at_least_a = low7 + SIGV4_ONES * (0x80 - 'A'); /* high bit set where the byte is >= 'A' */
    uint64_t past_z = low7 + SIGV4_ONES * (0x7f - 'Z');     /* high bit set where the byte is > 'Z' */
    uint64_t upper = at_least_a & ~past_z & ~w & SIGV4_HIGHS;
    return w | upper >> 2; /* 0x80 >> 2 is the 0x20 case bit */
}

static void s_lower_copy(char *out, const char *in, size_t len) {
    size_t i = 0;
    if (len >= 8) {
        for (; i + 8 <= len; i += 8) {
            uint64_t w = s_word_lower(sigv4_word(in + i));
            memcpy(out + i, &w, sizeof(w));
        }
        if (i < len) { /* the last word, ending at the end: lower-casing twice changes nothing */
            uint64_t w = s_word_lower(sigv4_word(in + len - 8));
            memcpy(out + len - 8, &w, sizeof(w));
        }
        return;
    }
    for (; i < len; i++) {
        char c = in[i];
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
}

/* Writes the `len`-byte value trimmed, every run of blanks collapsed to one space; returns the end.
 * `out` has room for `len` bytes (the result is never longer). */
static char *s_write_trimmed(char *out, const char *value, size_t len) {
    if (!s_has_blank_or_control(value, len)) {
        sigv4_put_bytes(out, value, len);
        return out + len;
    }
    const char *p = value;
    while (s_is_blank(*p)) {
        p++;
    }
    while (*p) {
        while (*p && !s_is_blank(*p)) {
            *out++ = *p++;
        }
        while (s_is_blank(*p)) {
            p++;
        }
        if (*p) {
            *out++ = ' ';
        }
    }
    return out;
}

/* RFC 9110 tchar mapped to its lower-case form, 0 for every other byte: one load per byte checks and
 * lower-cases a header name (the signer checks every name of every request it signs). */
const unsigned char sigv4_tchar_lower[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x23, 0x24, 0x25,
    0x26, 0x27, 0x00, 0x00, 0x2a, 0x2b, 0x00, 0x2d, 0x2e, 0x00, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
    0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
    0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x5e,
    0x5f, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71,
    0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x7c, 0x00, 0x7e, 0x00,
};

bool sigv4_is_token_char(char c) {
    unsigned char b = (unsigned char)c;
    return b != 0 && sigv4_tchar_lower[b] == b;
}

/* botocore's SIGNED_HEADERS_BLACKLIST plus authorization: headers a proxy may add, drop or rewrite. */
static bool s_never_signed(const char *lower_name, size_t len) {
#define S_NEVER_SIGNED(X)                                                                                              \
    X("authorization")                                                                                                 \
    X("connection")                                                                                                    \
    X("expect")                                                                                                        \
    X("keep-alive")                                                                                                    \
    X("proxy-authenticate")                                                                                            \
    X("proxy-authorization")                                                                                           \
    X("te")                                                                                                            \
    X("trailer")                                                                                                       \
    X("transfer-encoding")                                                                                             \
    X("upgrade")                                                                                                       \
    X("user-agent")                                                                                                    \
    X("x-amzn-trace-id")
#define S_NAME(text)       {text, sizeof(text) - 1},
#define S_LENGTH_BIT(text) | 1u << (sizeof(text) - 1)
    static const struct {
        const char *name;
        size_t len;
    } names[] = {S_NEVER_SIGNED(S_NAME)};
    /* A bit per length of a listed name (all are under 32 bytes). */
    static const uint32_t lengths = 0 S_NEVER_SIGNED(S_LENGTH_BIT);
#undef S_LENGTH_BIT
#undef S_NAME
#undef S_NEVER_SIGNED
    /* Every request has host, content-type and x-amz-*: rule out most names by length or first byte
     * before scanning. */
    if (len >= 32 || !(lengths >> len & 1)) {
        return false;
    }
    switch (lower_name[0]) {
    case 'a':
    case 'c':
    case 'e':
    case 'k':
    case 'p':
    case 't':
    case 'u':
        break;
    case 'x':
        return sigv4_name_is(lower_name, len, "x-amzn-trace-id", 15);
    default:
        return false;
    }
    for (size_t i = 0; i < ECC_ARRAY_LEN(names); i++) {
        if (sigv4_name_is(lower_name, len, names[i].name, names[i].len)) {
            return true;
        }
    }
    return false;
}

bool sigv4_in_list(const char *list, const char *name, size_t len) {
    const char *p = list;
    while (*p) {
        const char *end = strchr(p, ';');
        size_t seg = end ? (size_t)(end - p) : strlen(p);
        if (seg == len && memcmp(p, name, len) == 0) {
            return true;
        }
        if (!end) {
            break;
        }
        p = end + 1;
    }
    return false;
}

/* Orders lower-cased names bytewise; most differ in the first byte. */
static int s_compare_names(
    const struct ecc_sigv4_signer *ctx, const struct sigv4_header_ref *a, const struct sigv4_header_ref *b) {
    const char *x = ctx->scratch.data + a->name_offset;
    const char *y = ctx->scratch.data + b->name_offset;
    if (x[0] != y[0]) {
        return (unsigned char)x[0] < (unsigned char)y[0] ? -1 : 1;
    }
    return sigv4_compare_bytes(x, a->name_len, y, b->name_len);
}

/* The sizes of what the signed headers will write: the canonical headers block and the signed-headers
 * list. */
struct sigv4_header_sizes {
    size_t count;
    size_t out_bytes;
    size_t signed_bytes;
};

/* Selects the headers to sign: their names lower-cased side by side in the scratch (one reservation for
 * all), a ref each in ctx->headers (`sizes->count` of them, in the order received). */
static enum ecc_status s_select_signed_headers(
    struct ecc_sigv4_signer *ctx,
    const struct ecc_http_headers *headers,
    const struct sigv4_header_selection *selection,
    struct sigv4_header_sizes *sizes) {
    ecc_buf_reset(&ctx->scratch);
    enum ecc_status status = sigv4_reserve_header_refs(ctx, headers->count);
    if (status != ECC_OK) {
        return status;
    }
    size_t names_bytes = 0;
    for (size_t i = 0; i < headers->count; i++) {
        if (i >= ctx->known_name_lens) {
            ctx->headers[i].name_len = strlen(headers->items[i].name);
        }
        names_bytes += ctx->headers[i].name_len;
    }
    ctx->known_name_lens = 0;
    status = ecc_buf_reserve(&ctx->scratch, names_bytes);
    if (status != ECC_OK) {
        return status;
    }
    size_t count = 0;
    size_t out_bytes = 0;
    size_t signed_bytes = 0;
    for (size_t i = 0; i < headers->count; i++) {
        size_t offset = ctx->scratch.len;
        char *lower = ctx->scratch.data + offset;
        size_t len = ctx->headers[i].name_len;
        s_lower_copy(lower, headers->items[i].name, len);
        bool take = len > 0 && (selection->signed_list
                                    ? sigv4_in_list(selection->signed_list, lower, len)
                                    : !s_never_signed(lower, len) && !(selection->unsigned_token && len == 20 &&
                                                                       memcmp(lower, "x-amz-security-token", 20) == 0));
        if (!take) {
            continue;
        }
        ctx->scratch.len += len;
        /* entries below `i` are no longer read */
        struct sigv4_header_ref *ref = &ctx->headers[count++];
        ref->index = i;
        ref->name_offset = offset;
        ref->name_len = len;
        ref->value_len = strlen(headers->items[i].value);
        out_bytes += len + 2 + ref->value_len;
        signed_bytes += len + 1;
    }
    ctx->scratch.data[ctx->scratch.len] = '\0';
    sizes->count = count;
    sizes->out_bytes = out_bytes;
    sizes->signed_bytes = signed_bytes;
    return ECC_OK;
}

/* Appends the rest of the canonical request: the canonical headers block (each "name:value\n"), an
 * empty line, the signed-headers list, a newline and `payload_hash`; leaves the signed-headers list in
 * `signed_headers` too. One reservation covers it all. */
static enum ecc_status s_append_canonical_headers(
    struct ecc_sigv4_signer *ctx,
    struct ecc_buf *out,
    struct ecc_buf *signed_headers,
    const struct ecc_http_headers *headers,
    const struct sigv4_header_selection *selection,
    const char *payload_hash) {
    struct sigv4_header_sizes sizes;
    enum ecc_status status = s_select_signed_headers(ctx, headers, selection, &sizes);
    if (status != ECC_OK) {
        return status;
    }
    size_t count = sizes.count;
    /* Stable insertion sort by lower-case name keeps repeated headers in the order received. */
    for (size_t i = 1; i < count; i++) {
        struct sigv4_header_ref item = ctx->headers[i];
        size_t j = i;
        while (j > 0 && s_compare_names(ctx, &ctx->headers[j - 1], &item) > 0) {
            ctx->headers[j] = ctx->headers[j - 1];
            j--;
        }
        ctx->headers[j] = item;
    }
    size_t payload_len = strlen(payload_hash);
    status = ecc_buf_reserve(out, sizes.out_bytes + 1 + sizes.signed_bytes + payload_len);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_buf_reserve(signed_headers, sizes.signed_bytes);
    if (status != ECC_OK) {
        return status;
    }
    char *o = out->data + out->len;
    char *sh = signed_headers->data + signed_headers->len;
    for (size_t i = 0; i < count; i++) {
        const struct sigv4_header_ref *ref = &ctx->headers[i];
        const char *name = s_scratch(ctx, ref->name_offset);
        if (i > 0 && s_compare_names(ctx, ref, ref - 1) == 0) {
            o[-1] = ','; /* a repeated name: its value continues the previous line after a comma */
        } else {
            if (sh != signed_headers->data) {
                *sh++ = ';';
            }
            sigv4_put_bytes(sh, name, ref->name_len);
            sh += ref->name_len;
            sigv4_put_bytes(o, name, ref->name_len);
            o += ref->name_len;
            *o++ = ':';
        }
        o = s_write_trimmed(o, headers->items[ref->index].value, ref->value_len);
        *o++ = '\n';
    }
    signed_headers->len = (size_t)(sh - signed_headers->data);
    signed_headers->data[signed_headers->len] = '\0';
    *o++ = '\n';
    memcpy(o, signed_headers->data, signed_headers->len);
    o += signed_headers->len;
    *o++ = '\n';
    memcpy(o, payload_hash, payload_len);
    o += payload_len;
    out->len = (size_t)(o - out->data);
    out->data[out->len] = '\0';
    return ECC_OK;
}

/* Appends pieces with one reservation (the string to sign and the Authorization value are built on
 * every signature; printf or one append per piece would cost more than the canonicalization). */
enum ecc_status sigv4_append_pieces(struct ecc_buf *buf, const struct sigv4_piece *pieces, size_t count) {
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        total += pieces[i].len;
    }
    enum ecc_status status = ecc_buf_reserve(buf, total);
    if (status != ECC_OK) {
        return status;
    }
    char *out = buf->data + buf->len;
    for (size_t i = 0; i < count; i++) {
        sigv4_put_bytes(out, pieces[i].bytes, pieces[i].len);
        out += pieces[i].len;
    }
    buf->len += total;
    buf->data[buf->len] = '\0';
    return ECC_OK;
}

enum ecc_status sigv4_build_canonical_request(
    struct ecc_sigv4_signer *ctx, const struct sigv4_canon_input *in, struct ecc_buf *signed_headers) {
    struct ecc_buf *out = &ctx->canonical_request;
    ecc_buf_reset(out);
    ecc_buf_reset(signed_headers);
    const char *method = in->request->method ? in->request->method : "";
    const char *path = in->request->path;
    /* "/" (every AWS JSON request) is its own canonical form under every rule. */
    bool root = !path || !path[0] || (path[0] == '/' && !path[1]);
    const struct sigv4_piece head[] = {{method, strlen(method)}, SIGV4_PIECE("\n"), SIGV4_PIECE("/\n")};
    enum ecc_status status = sigv4_append_pieces(out, head, root ? 3 : 2);
    if (status != ECC_OK) {
        return status;
    }
    if (!root) {
        status = s_append_canonical_uri(ctx, out, path, &in->rules);
        if (status != ECC_OK) {
            return status;
        }
        status = ecc_buf_append_byte(out, '\n');
        if (status != ECC_OK) {
            return status;
        }
    }
    status = s_append_canonical_query(ctx, out, in->query, in->skip_signature_param);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_buf_append_byte(out, '\n');
    if (status != ECC_OK) {
        return status;
    }
    return s_append_canonical_headers(
        ctx, out, signed_headers, &in->request->headers, &in->selection, in->payload_hash);
}

enum ecc_status sigv4_sign_canonical(
    struct ecc_sigv4_signer *ctx,
    const char *amz_date,
    const struct sigv4_scope *scope,
    const struct sigv4_hmac_key *key) {
    uint8_t digest[SIGV4_SHA256_LEN];
    char hex[2 * SIGV4_SHA256_LEN + 1];
    sigv4_sha256(ctx->canonical_request.data, ctx->canonical_request.len, digest);
    ecc_hex_encode(digest, SIGV4_SHA256_LEN, hex);
    struct ecc_buf *sts = &ctx->string_to_sign;
    ecc_buf_reset(sts);
    const struct sigv4_piece pieces[] = {
        SIGV4_PIECE(ECC_SIGV4_ALGORITHM "\n"),
        {amz_date, 16},
        SIGV4_PIECE("\n"),
        {scope->text, scope->text_len},
        SIGV4_PIECE("\n"),
        {hex, 2 * SIGV4_SHA256_LEN},
    };
    enum ecc_status status = sigv4_append_pieces(sts, pieces, ECC_ARRAY_LEN(pieces));
    if (status != ECC_OK) {
        return status;
    }
    SHA256_CTX work;
    sigv4_hmac(key, sts->data, sts->len, &work, digest);
    ecc_hex_encode(digest, SIGV4_SHA256_LEN, ctx->signature); /* the signature: public, no wipe */
    return ECC_OK;
}

#ifndef ECC_SIGV4_INTERNAL_H
#define ECC_SIGV4_INTERNAL_H
/*
 * Private to harness/src/sigv4*.c: the types and functions the parts of the SigV4 module share. The
 * module is split along its own concerns (aws-c-auth and curl keep them apart too):
 *
 *  - sigv4_key.c:          SHA-256, HMAC with precomputed key pads, the credential scope, signing-key
 *                          derivation and the thread-safe key cache;
 *  - sigv4_date.c:         the ISO-8601 basic date (X-Amz-Date) and the IMF-fixdate Date header;
 *  - sigv4_encode.c:       RFC 3986 percent-encoding and decoding, reading a raw query by decoded name;
 *  - sigv4_canonical.c:    the canonicalization context (the signer object), canonical URI, query and
 *                          headers, the canonical request, the string to sign and the signature;
 *  - sigv4_sign.c:         the signer: checks, the headers or query parameters it adds, Authorization;
 *  - sigv4_verify.c:       the verifier: parsing either form of a signature, the checks in the order
 *                          AWS reports them, recomputing with the signer's canonicalization;
 *  - sigv4_request_text.c: the suite's request-text reader and writer.
 *
 * One canonicalization serves both sides: the signer and the verifier both call
 * sigv4_build_canonical_request and sigv4_sign_canonical.
 *
 * Hashing: SHA-256 through OpenSSL's SHA256_* functions, and HMAC built from two SHA-256 contexts whose
 * key pads are absorbed once (the RFC 2104 "precomputed key" form). A cached signing key is such a pair
 * of contexts, so a cached signature costs two context copies and the message blocks, and nothing is
 * looked up in a provider registry per call. These functions are deprecated in OpenSSL 3 only in favor
 * of EVP, which per call costs far more than the hashing itself here (see bench/bench_sigv4.c);
 * unit.sigv4 checks this HMAC against OpenSSL's EVP_MAC HMAC.
 */
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED
#endif
#include "ecc/sigv4.h"

#include <openssl/sha.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SIGV4_SHA256_LEN   32
#define SIGV4_SHA256_BLOCK 64

/* Longest header name the verifier looks up (one fixed buffer); the signer refuses longer ones. */
#define SIGV4_MAX_HEADER_NAME_BYTES 255

/* ------------------------------------------------------------------------------------------------ */
/* Keys (sigv4_key.c)                                                                               */

struct sigv4_hmac_key {
    SHA256_CTX inner; /* after absorbing key ^ ipad */
    SHA256_CTX outer; /* after absorbing key ^ opad */
};

/* A credential scope, "date8/region/service/aws4_request", with the parts and lengths the hot path
 * needs (region and service are < 256 bytes each, checked by sigv4_valid_name_len). The region and
 * service point into the caller's strings. */
struct sigv4_scope {
    char date8[9];
    const char *region;
    size_t region_len;
    const char *service;
    size_t service_len;
    char text[600];
    size_t text_len;
};

#define SIGV4_CACHE_FIELD  64
#define SIGV4_CACHE_SECRET 128

struct sigv4_cache_entry {
    bool used;
    uint64_t last_used;
    char date8[9];
    char region[SIGV4_CACHE_FIELD];
    size_t region_len;
    char service[SIGV4_CACHE_FIELD];
    size_t service_len;
    char secret[SIGV4_CACHE_SECRET];
    size_t secret_len;
    struct sigv4_hmac_key key;
};

/* A signer's own copy of the last key it took from a cache: signing again for the same key, day and
 * scope (what a client does all day) then skips the shared cache's lock and copy. It counts as a hit of
 * that cache. Wiped when the signer is destroyed. */
struct sigv4_key_memo {
    const struct ecc_sigv4_key_cache *cache;
    struct sigv4_cache_entry entry;
};

/* `date8` is the first 8 characters of an X-Amz-Date; `region` and `service` must outlive `scope`. */
void sigv4_scope_init(
    struct sigv4_scope *scope,
    const char *date8,
    const char *region,
    size_t region_len,
    const char *service,
    size_t service_len);

/* The signing key for `scope`: derived into `derived` when there is no cache (or the secret or scope is
 * too long to cache), else from `memo` or `cache`. Returns the key state to sign with; the caller wipes
 * `derived` when that is what it got. */
const struct sigv4_hmac_key *sigv4_signing_key(
    struct ecc_sigv4_key_cache *cache,
    struct sigv4_key_memo *memo,
    const char *secret,
    size_t secret_len,
    const struct sigv4_scope *scope,
    struct sigv4_hmac_key *derived);

/* The length of a region or service name: 1..255 bytes, none of them '/' or a blank; 0 for any other. */
size_t sigv4_valid_name_len(const char *text);

/* The length of an access key id: no '/', ',' or blanks; 0 for an empty or bad one. */
size_t sigv4_access_key_id_len(const char *text);

/* ------------------------------------------------------------------------------------------------ */
/* Dates (sigv4_date.c)                                                                             */

/* IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT"), the one form of the Date header HTTP/1.1 senders use. */
enum ecc_status sigv4_parse_http_date(const char *text, int64_t *out_epoch_s) ECC_WARN_UNUSED_RESULT;

/* The caller's clock, or the system's. */
int64_t sigv4_now(ecc_sigv4_clock_fn *clock, void *user_data);

/* ------------------------------------------------------------------------------------------------ */
/* Encoding (sigv4_encode.c)                                                                        */

/* RFC 3986 encoding: unreserved bytes (and '/' when `keep_slash`) as they are, the rest as %XX. */
enum ecc_status
sigv4_append_encoded(struct ecc_buf *out, const char *bytes, size_t len, bool keep_slash) ECC_WARN_UNUSED_RESULT;

/* Percent-decodes into `out`; a '%' not followed by two hex digits stays a literal '%'. */
enum ecc_status sigv4_append_decoded(struct ecc_buf *out, const char *bytes, size_t len) ECC_WARN_UNUSED_RESULT;

/* Finds a query parameter by decoded name; copies its decoded value into `out` (`size` bytes with the
 * NUL; *too_long set when it does not fit). Returns how many there are (0, 1, or more: the caller
 * rejects repeats). */
int sigv4_query_param(const char *query, const char *name, char *out, size_t size, bool *too_long);

/* The presigned (query) form of a signature: any of the parameters that only it uses. */
bool sigv4_has_query_auth(const char *query);

/* The first of `names` that the query holds (by decoded name), or NULL. */
const char *sigv4_query_first_of(const char *query, const char *const *names, size_t count);

/* ------------------------------------------------------------------------------------------------ */
/* Canonicalization (sigv4_canonical.c)                                                             */

struct sigv4_param {
    size_t key_offset, key_len;
    size_t value_offset, value_len;
};

/* One header on its way into the canonical request: its lower-cased name in the scratch. */
struct sigv4_header_ref {
    size_t index; /* in the request's header list */
    size_t name_offset;
    size_t name_len;
    size_t value_len;
};

/* The canonicalization context: the signer object, and what the verifier uses one of per call. */
struct ecc_sigv4_signer {
    struct ecc_buf canonical_request;
    struct ecc_buf string_to_sign;
    struct ecc_buf scratch;  /* lower-cased header names, decoded/encoded query parts, paths */
    struct ecc_buf scratch2; /* the query value being appended, the Authorization value */
    struct ecc_buf signed_headers;
    struct sigv4_param *params;
    size_t params_capacity;
    /* headers[0..known_name_lens).name_len already hold the request's name lengths (the signer's name
     * check measured them); the canonicalization reuses the array and resets this. */
    size_t known_name_lens;
    struct sigv4_header_ref *headers; /* one per request header, grown to the largest request seen */
    size_t headers_capacity;
    struct sigv4_key_memo key_memo;
    char signature[2 * SIGV4_SHA256_LEN + 1];
    int64_t last_epoch_s; /* the last date formatted, reused while the clock stays in that second */
    char last_date[ECC_SIGV4_DATE_LEN];
};

struct sigv4_canon_rules {
    bool keep_path_unnormalized;
    bool single_encode_path;
};

/*
 * Which headers go into the canonical request. The signer passes `signed_list` NULL (sign everything
 * but the never-signed ones and, when `unsigned_token`, X-Amz-Security-Token); the verifier passes the
 * SignedHeaders value and gets exactly those.
 */
struct sigv4_header_selection {
    const char *signed_list;
    bool unsigned_token;
};

/* What both sides feed into the canonical request beyond the request itself. */
struct sigv4_canon_input {
    const struct ecc_http_request *request;
    const char *query; /* the query to canonicalize (the signer's extended one in query mode) */
    struct sigv4_canon_rules rules;
    struct sigv4_header_selection selection;
    bool skip_signature_param;
    const char *payload_hash; /* 64 hex digits or UNSIGNED-PAYLOAD */
};

/* A piece of text with its length. */
struct sigv4_piece {
    const char *bytes;
    size_t len;
};
#define SIGV4_PIECE(literal) ((struct sigv4_piece){literal, sizeof(literal) - 1})

void sigv4_context_init(struct ecc_sigv4_signer *ctx);

/* Frees and wipes what the context holds (not the context itself). */
void sigv4_context_clean_up(struct ecc_sigv4_signer *ctx);

/* Room for `count` entries in ctx->headers. */
enum ecc_status sigv4_reserve_header_refs(struct ecc_sigv4_signer *ctx, size_t count) ECC_WARN_UNUSED_RESULT;

/* Builds the canonical request into ctx->canonical_request; the signed-headers list into `signed`. */
enum ecc_status sigv4_build_canonical_request(
    struct ecc_sigv4_signer *ctx,
    const struct sigv4_canon_input *in,
    struct ecc_buf *signed_headers) ECC_WARN_UNUSED_RESULT;

/* String to sign and signature (ctx->signature) from the canonical request. `amz_date` is 16 characters. */
enum ecc_status sigv4_sign_canonical(
    struct ecc_sigv4_signer *ctx,
    const char *amz_date,
    const struct sigv4_scope *scope,
    const struct sigv4_hmac_key *key) ECC_WARN_UNUSED_RESULT;

/* Appends pieces with one reservation (the string to sign and the Authorization value are built on
 * every signature; printf or one append per piece would cost more than the canonicalization). */
enum ecc_status
sigv4_append_pieces(struct ecc_buf *buf, const struct sigv4_piece *pieces, size_t count) ECC_WARN_UNUSED_RESULT;

/* Parameters the canonical query splits `query` into: one per '&'-separated part, empty ones too. */
size_t sigv4_query_param_count(const char *query);

/* Whether the ';'-separated `list` holds `name` (`len` bytes). */
bool sigv4_in_list(const char *list, const char *name, size_t len);

/* memcmp order, then the shorter first. */
int sigv4_compare_bytes(const char *a, size_t a_len, const char *b, size_t b_len);

/* RFC 9110 tchar, lower-case letters only: what a canonical (lower-cased) header name is made of. */
bool sigv4_is_token_char(char c);

/* ------------------------------------------------------------------------------------------------ */
/* Byte helpers on the hot path, inline in every part that uses them                                */

#define SIGV4_ONES  0x0101010101010101ULL
#define SIGV4_HIGHS 0x8080808080808080ULL

/* Eight bytes of `p` as one word (memcpy: no alignment or aliasing assumption). */
static inline uint64_t sigv4_word(const char *p) {
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

/* memcpy for the short pieces a signature is assembled from (names, separators, dates): a library
 * call per piece cost more than the copying; up to 16 bytes take two overlapping word moves. */
static inline void sigv4_put_bytes(char *out, const char *in, size_t len) {
    if (len > 16) {
        memcpy(out, in, len);
    } else if (len >= 8) {
        uint64_t head, tail;
        memcpy(&head, in, 8);
        memcpy(&tail, in + len - 8, 8);
        memcpy(out, &head, 8);
        memcpy(out + len - 8, &tail, 8);
    } else if (len >= 4) {
        uint32_t head, tail;
        memcpy(&head, in, 4);
        memcpy(&tail, in + len - 4, 4);
        memcpy(out, &head, 4);
        memcpy(out + len - 4, &tail, 4);
    } else {
        for (size_t i = 0; i < len; i++) {
            out[i] = in[i];
        }
    }
}

/* `name` (`len` bytes of tchar) equals `lower` (lower-case letters, digits and '-'), ignoring case.
 * Setting the 0x20 bit lower-cases a letter and leaves digits and '-' alone; the only other bytes it
 * maps onto a digit or '-' are control bytes, which are not tchar. Eight bytes per step. */
static inline bool sigv4_name_is(const char *name, size_t len, const char *lower, size_t lower_len) {
    if (len != lower_len) {
        return false;
    }
    uint64_t diff = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        diff |= (sigv4_word(name + i) | SIGV4_ONES * 0x20) ^ sigv4_word(lower + i);
    }
    if (i < len && len >= 8) { /* the rest as the word ending at the end, rereading a few bytes */
        diff |= (sigv4_word(name + len - 8) | SIGV4_ONES * 0x20) ^ sigv4_word(lower + len - 8);
        i = len;
    }
    for (; i < len; i++) {
        diff |= (uint64_t)(((unsigned char)name[i] | 0x20) ^ (unsigned char)lower[i]);
    }
    return diff == 0;
}

/* One SHA-256 of `data`. */
static inline void sigv4_sha256(const void *data, size_t len, uint8_t out[SIGV4_SHA256_LEN]) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, len);
    SHA256_Final(out, &ctx);
}

/* HMAC with the key's precomputed pads, in the caller's `work` context. After the call `work` holds the
 * result in its chaining state (SHA256_Final cleanses the data block): a caller whose result is a key
 * wipes `work` with it; a signature needs no wipe. */
static inline void sigv4_hmac(
    const struct sigv4_hmac_key *key, const void *msg, size_t len, SHA256_CTX *work, uint8_t out[SIGV4_SHA256_LEN]) {
    *work = key->inner;
    SHA256_Update(work, msg, len);
    SHA256_Final(out, work);
    *work = key->outer;
    SHA256_Update(work, out, SIGV4_SHA256_LEN);
    SHA256_Final(out, work);
}

/* RFC 9110 tchar mapped to its lower-case form, 0 for every other byte (sigv4_canonical.c). */
extern const unsigned char sigv4_tchar_lower[256];

/* The length of a non-empty header name of tchar in either case, at most SIGV4_MAX_HEADER_NAME_BYTES
 * long; 0 for any other name. */
static inline size_t sigv4_token_name_len(const char *name) {
    /* One pass: the table maps NUL to 0 too, so the walk stops at the first byte that is not tchar and
     * the name is good when that byte is its end (a separate strlen would read every name twice). */
    size_t len = 0;
    const unsigned char *p = (const unsigned char *)name;
    /* Four bytes per bounds check; each lookup before a NUL is in the string (the NUL maps to 0 and
     * stops the walk before the bytes after it are read). */
    while (len <= SIGV4_MAX_HEADER_NAME_BYTES - 3 && sigv4_tchar_lower[p[len]] && sigv4_tchar_lower[p[len + 1]] &&
           sigv4_tchar_lower[p[len + 2]] && sigv4_tchar_lower[p[len + 3]]) {
        len += 4;
    }
    while (len <= SIGV4_MAX_HEADER_NAME_BYTES && sigv4_tchar_lower[p[len]]) {
        len++;
    }
    return len <= SIGV4_MAX_HEADER_NAME_BYTES && p[len] == '\0' ? len : 0;
}

#endif /* ECC_SIGV4_INTERNAL_H */

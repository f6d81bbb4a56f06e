/*
 * SigV4 signer and verifier. See sigv4.h for the rules; this file keeps one implementation of each rule,
 * used by both sides.
 *
 * Hashing: SHA-256 through OpenSSL's SHA256_* functions, and HMAC built from two SHA-256 contexts whose
 * key pads are absorbed once (the RFC 2104 "precomputed key" form). A cached signing key is such a pair
 * of contexts, so a cached signature costs two context copies and the message blocks, and nothing is
 * looked up in a provider registry per call. These functions are deprecated in OpenSSL 3 only in favor
 * of EVP, which per call costs far more than the hashing itself here (see bench/bench_sigv4.c);
 * unit.sigv4 checks this HMAC against OpenSSL's EVP_MAC HMAC.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ecc/sigv4.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_SHA256_LEN   32
#define S_SHA256_BLOCK 64

/* ------------------------------------------------------------------------------------------------ */
/* SHA-256 and HMAC                                                                                 */

struct s_hmac_key {
    SHA256_CTX inner; /* after absorbing key ^ ipad */
    SHA256_CTX outer; /* after absorbing key ^ opad */
};

static void s_sha256(const void *data, size_t len, uint8_t out[S_SHA256_LEN]) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, len);
    SHA256_Final(out, &ctx);
}

static void s_hmac_key_init(struct s_hmac_key *key, const void *secret, size_t len) {
    uint8_t block[S_SHA256_BLOCK] = {0};
    if (len > S_SHA256_BLOCK) {
        s_sha256(secret, len, block);
    } else if (len) {
        memcpy(block, secret, len);
    }
    for (size_t i = 0; i < S_SHA256_BLOCK; i++) {
        block[i] ^= 0x36;
    }
    SHA256_Init(&key->inner);
    SHA256_Update(&key->inner, block, S_SHA256_BLOCK);
    for (size_t i = 0; i < S_SHA256_BLOCK; i++) {
        block[i] ^= 0x36 ^ 0x5c;
    }
    SHA256_Init(&key->outer);
    SHA256_Update(&key->outer, block, S_SHA256_BLOCK);
    ecc_secure_zero(block, sizeof(block));
}

/* HMAC with the key's precomputed pads, in the caller's `work` context. After the call `work` holds the
 * result in its chaining state (SHA256_Final cleanses the data block): a caller whose result is a key
 * wipes `work` with it; a signature needs no wipe. */
static void
s_hmac(const struct s_hmac_key *key, const void *msg, size_t len, SHA256_CTX *work, uint8_t out[S_SHA256_LEN]) {
    *work = key->inner;
    SHA256_Update(work, msg, len);
    SHA256_Final(out, work);
    *work = key->outer;
    SHA256_Update(work, out, S_SHA256_LEN);
    SHA256_Final(out, work);
}

/* A credential scope, "date8/region/service/aws4_request", with the parts and lengths the hot path
 * needs (region and service are < 256 bytes each, checked by s_valid_name_len). */
struct s_scope {
    char date8[9];
    const char *region;
    size_t region_len;
    const char *service;
    size_t service_len;
    char text[600];
    size_t text_len;
};

static void s_scope_init(
    struct s_scope *scope,
    const char *date8,
    const char *region,
    size_t region_len,
    const char *service,
    size_t service_len) {
    memcpy(scope->date8, date8, 8);
    scope->date8[8] = '\0';
    scope->region = region;
    scope->region_len = region_len;
    scope->service = service;
    scope->service_len = service_len;
    char *p = scope->text;
    memcpy(p, date8, 8);
    p += 8;
    *p++ = '/';
    memcpy(p, region, region_len);
    p += region_len;
    *p++ = '/';
    memcpy(p, service, service_len);
    p += service_len;
    memcpy(p, "/aws4_request", sizeof("/aws4_request"));
    scope->text_len = (size_t)(p - scope->text) + sizeof("/aws4_request") - 1;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), kept as
 * HMAC key state. */
static void
s_derive_signing_key(const char *secret, size_t secret_len, const struct s_scope *scope, struct s_hmac_key *out) {
    uint8_t k[S_SHA256_LEN];
    struct s_hmac_key key;
    /* Hashes a long key, then runs every HMAC; wiped once, at the end. */
    SHA256_CTX work;
    /* "AWS4" + secret, hashed down first when longer than a block (HMAC's own rule). */
    uint8_t short_key[S_SHA256_BLOCK];
    if (secret_len + 4 > S_SHA256_BLOCK) {
        SHA256_Init(&work);
        SHA256_Update(&work, "AWS4", 4);
        SHA256_Update(&work, secret, secret_len);
        SHA256_Final(k, &work);
        s_hmac_key_init(&key, k, S_SHA256_LEN);
    } else {
        memcpy(short_key, "AWS4", 4);
        memcpy(short_key + 4, secret, secret_len);
        s_hmac_key_init(&key, short_key, secret_len + 4);
        ecc_secure_zero(short_key, sizeof(short_key));
    }
    s_hmac(&key, scope->date8, 8, &work, k);
    s_hmac_key_init(&key, k, S_SHA256_LEN);
    s_hmac(&key, scope->region, scope->region_len, &work, k);
    s_hmac_key_init(&key, k, S_SHA256_LEN);
    s_hmac(&key, scope->service, scope->service_len, &work, k);
    s_hmac_key_init(&key, k, S_SHA256_LEN);
    s_hmac(&key, "aws4_request", 12, &work, k);
    s_hmac_key_init(out, k, S_SHA256_LEN);
    ecc_secure_zero(k, sizeof(k));
    ecc_secure_zero(&work, sizeof(work));
    ecc_secure_zero(&key, sizeof(key));
}

/* ------------------------------------------------------------------------------------------------ */
/* Key cache                                                                                        */

#define S_CACHE_FIELD  64
#define S_CACHE_SECRET 128

struct s_cache_entry {
    bool used;
    uint64_t last_used;
    char date8[9];
    char region[S_CACHE_FIELD];
    size_t region_len;
    char service[S_CACHE_FIELD];
    size_t service_len;
    char secret[S_CACHE_SECRET];
    size_t secret_len;
    struct s_hmac_key key;
};

struct ecc_sigv4_key_cache {
    pthread_mutex_t lock;
    struct s_cache_entry *entries;
    size_t count;       /* entries allocated: grown on demand, so a cache that sees one key stays small */
    size_t max_entries; /* the limit `count` grows to */
    uint64_t tick;
    uint64_t hits;
    uint64_t misses;
};

struct ecc_sigv4_key_cache *ecc_sigv4_key_cache_new(size_t max_entries) {
    struct ecc_sigv4_key_cache *cache = calloc(1, sizeof(*cache));
    if (!cache) {
        return NULL;
    }
    cache->max_entries = max_entries ? max_entries : 16;
    cache->count = 1;
    cache->entries = calloc(cache->count, sizeof(*cache->entries));
    if (!cache->entries || pthread_mutex_init(&cache->lock, NULL) != 0) {
        free(cache->entries);
        free(cache);
        return NULL;
    }
    return cache;
}

void ecc_sigv4_key_cache_destroy(struct ecc_sigv4_key_cache *cache) {
    if (!cache) {
        return;
    }
    ecc_secure_zero(cache->entries, cache->count * sizeof(*cache->entries));
    free(cache->entries);
    pthread_mutex_destroy(&cache->lock);
    free(cache);
}

void ecc_sigv4_key_cache_stats(struct ecc_sigv4_key_cache *cache, uint64_t *hits, uint64_t *misses) {
    pthread_mutex_lock(&cache->lock);
    *hits = __atomic_load_n(&cache->hits, __ATOMIC_RELAXED);
    *misses = cache->misses;
    pthread_mutex_unlock(&cache->lock);
}

static bool
s_entry_matches(const struct s_cache_entry *entry, const char *secret, size_t secret_len, const struct s_scope *scope) {
    return entry->used && entry->secret_len == secret_len && entry->region_len == scope->region_len &&
           entry->service_len == scope->service_len && memcmp(entry->date8, scope->date8, 8) == 0 &&
           ecc_ct_equal(entry->region, scope->region, scope->region_len) &&
           ecc_ct_equal(entry->service, scope->service, scope->service_len) &&
           ecc_ct_equal(entry->secret, secret, secret_len);
}

/* A signer's own copy of the last key it took from a cache: signing again for the same key, day and
 * scope (what a client does all day) then skips the shared cache's lock and copy. It counts as a hit of
 * that cache. Wiped when the signer is destroyed. */
struct s_key_memo {
    const struct ecc_sigv4_key_cache *cache;
    struct s_cache_entry entry;
};

/* The signing key for `scope`: derived into `derived` when there is no cache (or the secret or scope is
 * too long to cache), else from `memo` or `cache`. Returns the key state to sign with. */
static const struct s_hmac_key *s_signing_key(
    struct ecc_sigv4_key_cache *cache,
    struct s_key_memo *memo,
    const char *secret,
    size_t secret_len,
    const struct s_scope *scope,
    struct s_hmac_key *derived) {
    if (!cache || secret_len >= S_CACHE_SECRET || scope->region_len >= S_CACHE_FIELD ||
        scope->service_len >= S_CACHE_FIELD) {
        s_derive_signing_key(secret, secret_len, scope, derived);
        return derived;
    }
    if (memo->cache == cache && s_entry_matches(&memo->entry, secret, secret_len, scope)) {
        __atomic_fetch_add(&cache->hits, 1, __ATOMIC_RELAXED);
        return &memo->entry.key;
    }
    pthread_mutex_lock(&cache->lock);
    struct s_cache_entry *victim = &cache->entries[0];
    for (size_t i = 0; i < cache->count; i++) {
        struct s_cache_entry *entry = &cache->entries[i];
        if (s_entry_matches(entry, secret, secret_len, scope)) {
            entry->last_used = ++cache->tick;
            __atomic_fetch_add(&cache->hits, 1, __ATOMIC_RELAXED);
            memo->entry = *entry;
            memo->cache = cache;
            pthread_mutex_unlock(&cache->lock);
            return &memo->entry.key;
        }
        if (!entry->used || (victim->used && entry->last_used < victim->last_used)) {
            victim = entry;
        }
    }
    cache->misses++;
    if (victim->used && cache->count < cache->max_entries) {
        /* Full but allowed to grow: double rather than evict (on allocation failure, evict). */
        size_t count = cache->count * 2 < cache->max_entries ? cache->count * 2 : cache->max_entries;
        struct s_cache_entry *entries = calloc(count, sizeof(*entries));
        if (entries) {
            memcpy(entries, cache->entries, cache->count * sizeof(*entries));
            ecc_secure_zero(cache->entries, cache->count * sizeof(*entries));
            free(cache->entries);
            victim = &entries[cache->count];
            cache->entries = entries;
            cache->count = count;
        }
    }
    /* Derived under the lock: a miss happens once a day per key and region, and deriving outside would
     * let two threads race to fill the same slot. */
    ecc_secure_zero(victim, sizeof(*victim));
    s_derive_signing_key(secret, secret_len, scope, &victim->key);
    victim->used = true;
    victim->last_used = ++cache->tick;
    memcpy(victim->date8, scope->date8, 9);
    memcpy(victim->region, scope->region, scope->region_len);
    victim->region_len = scope->region_len;
    memcpy(victim->service, scope->service, scope->service_len);
    victim->service_len = scope->service_len;
    memcpy(victim->secret, secret, secret_len);
    victim->secret_len = secret_len;
    memo->entry = *victim;
    memo->cache = cache;
    pthread_mutex_unlock(&cache->lock);
    return &memo->entry.key;
}

/* ------------------------------------------------------------------------------------------------ */
/* Dates                                                                                            */

/* Fixed-width decimal, most significant digit first (values are range-checked by the caller). */
static void s_put_digits(char *out, int64_t value, int width) {
    for (int i = width - 1; i >= 0; i--) {
        out[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

void ecc_sigv4_format_date(int64_t epoch_s, char out[ECC_SIGV4_DATE_LEN]) {
    int64_t days = epoch_s >= 0 ? epoch_s / 86400 : (epoch_s - 86399) / 86400;
    int64_t secs = epoch_s - days * 86400;
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    int64_t y = yoe + era * 400 + (m <= 2);
    if (y < 0 || y > 9999) {
        y = y < 0 ? 0 : 9999;
    }
    s_put_digits(out, y, 4);
    s_put_digits(out + 4, m, 2);
    s_put_digits(out + 6, d, 2);
    out[8] = 'T';
    s_put_digits(out + 9, secs / 3600, 2);
    s_put_digits(out + 11, secs / 60 % 60, 2);
    s_put_digits(out + 13, secs % 60, 2);
    out[15] = 'Z';
    out[16] = '\0';
}

static bool s_digits(const char *text, size_t n, int *out) {
    int value = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return true;
}

enum ecc_status ecc_sigv4_parse_date(const char *text, int64_t *out_epoch_s) {
    int y, mo, d, h, mi, s;
    if (!text || strlen(text) != 16 || text[8] != 'T' || text[15] != 'Z' || !s_digits(text, 4, &y) ||
        !s_digits(text + 4, 2, &mo) || !s_digits(text + 6, 2, &d) || !s_digits(text + 9, 2, &h) ||
        !s_digits(text + 11, 2, &mi) || !s_digits(text + 13, 2, &s)) {
        return ECC_ERR_INVALID;
    }
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 ||
        s > 59) {
        return ECC_ERR_INVALID;
    }
    *out_epoch_s = ecc_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    return ECC_OK;
}

/* IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT"), the one form of the Date header HTTP/1.1 senders use. */
static enum ecc_status s_parse_http_date(const char *text, int64_t *out_epoch_s) {
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int d, y, h, mi, s;
    if (strlen(text) != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
        text[16] != ' ' || text[19] != ':' || text[22] != ':' || strcmp(text + 25, " GMT") != 0 ||
        !s_digits(text + 5, 2, &d) || !s_digits(text + 12, 4, &y) || !s_digits(text + 17, 2, &h) ||
        !s_digits(text + 20, 2, &mi) || !s_digits(text + 23, 2, &s)) {
        return ECC_ERR_INVALID;
    }
    const char *month = NULL;
    for (size_t i = 0; i + 3 <= sizeof(months) - 1; i += 3) {
        if (memcmp(months + i, text + 8, 3) == 0) {
            month = months + i;
        }
    }
    if (!month) {
        return ECC_ERR_INVALID;
    }
    char iso[ECC_SIGV4_DATE_LEN];
    s_put_digits(iso, y, 4);
    s_put_digits(iso + 4, (month - months) / 3 + 1, 2);
    s_put_digits(iso + 6, d, 2);
    iso[8] = 'T';
    s_put_digits(iso + 9, h, 2);
    s_put_digits(iso + 11, mi, 2);
    s_put_digits(iso + 13, s, 2);
    iso[15] = 'Z';
    iso[16] = '\0';
    return ecc_sigv4_parse_date(iso, out_epoch_s);
}

static int64_t s_now(ecc_sigv4_clock_fn *clock, void *user_data) {
    return clock ? clock(user_data) : (int64_t)time(NULL);
}

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
static enum ecc_status s_append_encoded(struct ecc_buf *out, const char *bytes, size_t len, bool keep_slash) {
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
    int hi, lo;
    if (bytes[i] == '%' && i + 2 < len && (hi = s_hex_value(bytes[i + 1])) >= 0 &&
        (lo = s_hex_value(bytes[i + 2])) >= 0) {
        *step = 3;
        return (char)(hi * 16 + lo);
    }
    *step = 1;
    return bytes[i];
}

/* Percent-decodes into `out` (measured first, then written in place: one reservation). */
static enum ecc_status s_append_decoded(struct ecc_buf *out, const char *bytes, size_t len) {
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

/* ------------------------------------------------------------------------------------------------ */
/* The canonicalization context (the signer object; the verifier uses one per call)                 */

struct s_param {
    size_t key_offset, key_len;
    size_t value_offset, value_len;
};

/* One header on its way into the canonical request: its lower-cased name in the scratch. */
struct s_header_ref {
    size_t index; /* in the request's header list */
    size_t name_offset;
    size_t name_len;
    size_t value_len;
};

struct ecc_sigv4_signer {
    struct ecc_buf canonical_request;
    struct ecc_buf string_to_sign;
    struct ecc_buf scratch;  /* lower-cased header names, decoded/encoded query parts, paths */
    struct ecc_buf scratch2; /* the query value being appended, the Authorization value */
    struct ecc_buf signed_headers;
    struct s_param *params;
    size_t params_capacity;
    /* headers[0..known_name_lens).name_len already hold the request's name lengths (the signer's name
     * check measured them); the canonicalization reuses the array and resets this. */
    size_t known_name_lens;
    struct s_header_ref *headers; /* one per request header, grown to the largest request seen */
    size_t headers_capacity;
    struct s_key_memo key_memo;
    char signature[2 * S_SHA256_LEN + 1];
    int64_t last_epoch_s; /* the last date formatted, reused while the clock stays in that second */
    char last_date[ECC_SIGV4_DATE_LEN];
};

static void s_context_init(struct ecc_sigv4_signer *ctx) {
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

static void s_context_clean_up(struct ecc_sigv4_signer *ctx) {
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

/* Room for `count` entries in ctx->headers. */
static enum ecc_status s_reserve_header_refs(struct ecc_sigv4_signer *ctx, size_t count) {
    while (ctx->headers_capacity < count) {
        struct s_header_ref *grown = ecc_array_grow(
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
        s_context_init(signer);
    }
    return signer;
}

void ecc_sigv4_signer_destroy(struct ecc_sigv4_signer *signer) {
    if (signer) {
        s_context_clean_up(signer);
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

struct s_canon_rules {
    bool keep_path_unnormalized;
    bool single_encode_path;
};

/* Removes dot segments and empty segments; keeps a trailing slash when the path had one and something
 * is left (botocore's remove_dot_segments; aws-c-auth agrees on the suite). */
static enum ecc_status s_append_normalized_path(struct ecc_buf *out, const char *path, size_t len) {
    size_t start = out->len;
    enum ecc_status status = ECC_OK;
    size_t i = 0;
    while (i < len && status == ECC_OK) {
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
            status = ecc_buf_append_byte(out, '/');
            if (status == ECC_OK) {
                status = ecc_buf_append(out, path + i, seg);
            }
        }
        i = j + 1;
    }
    if (status == ECC_OK && (out->len == start || (len > 0 && path[len - 1] == '/'))) {
        status = ecc_buf_append_byte(out, '/');
    }
    return status;
}

/* Decodes each segment of the wire path and encodes it once, '/' included, so an encoded "%2F" stays
 * inside its segment. */
static enum ecc_status
s_append_single_encoded_path(struct ecc_sigv4_signer *ctx, struct ecc_buf *out, const char *path, size_t len) {
    enum ecc_status status = ECC_OK;
    size_t i = 0;
    while (status == ECC_OK && i < len) {
        if (path[i] == '/') {
            status = ecc_buf_append_byte(out, '/');
            i++;
            continue;
        }
        size_t seg = i;
        while (seg < len && path[seg] != '/') {
            seg++;
        }
        ecc_buf_reset(&ctx->scratch2);
        status = s_append_decoded(&ctx->scratch2, path + i, seg - i);
        if (status == ECC_OK) {
            status = s_append_encoded(out, ctx->scratch2.data, ctx->scratch2.len, false);
        }
        i = seg;
    }
    return status;
}

/* Canonical URI. Double encoding normalizes the wire form, so an encoded "%2F" or "%2E%2E" is never a
 * separator or a dot segment. Single encoding normalizes what it encoded instead: the service decodes
 * the path once, so "%2E%2E" is "..", and normalizing first would leave a ".." that a second
 * canonicalization removes (the signer's output must be its own fixed point). */
static enum ecc_status s_append_canonical_uri(
    struct ecc_sigv4_signer *ctx, struct ecc_buf *out, const char *path, const struct s_canon_rules *rules) {
    size_t len = path ? strlen(path) : 0;
    if (len == 0) {
        return ecc_buf_append_byte(out, '/');
    }
    if (rules->keep_path_unnormalized) {
        return rules->single_encode_path ? s_append_single_encoded_path(ctx, out, path, len)
                                         : s_append_encoded(out, path, len, true);
    }
    ecc_buf_reset(&ctx->scratch);
    if (rules->single_encode_path) {
        enum ecc_status status = s_append_single_encoded_path(ctx, &ctx->scratch, path, len);
        return status == ECC_OK ? s_append_normalized_path(out, ctx->scratch.data, ctx->scratch.len) : status;
    }
    enum ecc_status status = s_append_normalized_path(&ctx->scratch, path, len);
    return status == ECC_OK ? s_append_encoded(out, ctx->scratch.data, ctx->scratch.len, true) : status;
}

static const char *s_scratch(const struct ecc_sigv4_signer *ctx, size_t offset) {
    return ctx->scratch.data + offset;
}

static int s_compare_bytes(const char *a, size_t a_len, const char *b, size_t b_len) {
    int c = memcmp(a, b, a_len < b_len ? a_len : b_len);
    if (c != 0) {
        return c;
    }
    return a_len < b_len ? -1 : a_len > b_len ? 1 : 0;
}

static int s_compare_params(const struct ecc_sigv4_signer *ctx, const struct s_param *a, const struct s_param *b) {
    int c = s_compare_bytes(s_scratch(ctx, a->key_offset), a->key_len, s_scratch(ctx, b->key_offset), b->key_len);
    if (c == 0) {
        c = s_compare_bytes(
            s_scratch(ctx, a->value_offset), a->value_len, s_scratch(ctx, b->value_offset), b->value_len);
    }
    return c;
}

/* Decodes then encodes one query component into the scratch. */
static enum ecc_status
s_scratch_reencode(struct ecc_sigv4_signer *ctx, const char *text, size_t len, size_t *offset, size_t *out_len) {
    ecc_buf_reset(&ctx->scratch2);
    enum ecc_status status = s_append_decoded(&ctx->scratch2, text, len);
    *offset = ctx->scratch.len;
    if (status == ECC_OK) {
        status =
            s_append_encoded(&ctx->scratch, ctx->scratch2.data ? ctx->scratch2.data : "", ctx->scratch2.len, false);
    }
    *out_len = ctx->scratch.len - *offset;
    return status;
}

/* Parameters s_append_canonical_query splits `query` into: one per '&'-separated part, empty ones too. */
static size_t s_query_param_count(const char *query) {
    if (!query || !query[0]) {
        return 0;
    }
    size_t count = 1;
    for (const char *amp = strchr(query, '&'); amp; amp = strchr(amp + 1, '&')) {
        count++;
    }
    return count;
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
    enum ecc_status status = ECC_OK;
    const char *p = query;
    while (status == ECC_OK) {
        const char *end = strchr(p, '&');
        size_t seg = end ? (size_t)(end - p) : strlen(p);
        {
            const char *eq = memchr(p, '=', seg);
            size_t key_len = eq ? (size_t)(eq - p) : seg;
            struct s_param param;
            status = s_scratch_reencode(ctx, p, key_len, &param.key_offset, &param.key_len);
            if (status == ECC_OK) {
                status = s_scratch_reencode(
                    ctx, eq ? eq + 1 : p + seg, eq ? seg - key_len - 1 : 0, &param.value_offset, &param.value_len);
            }
            bool skip = skip_signature && param.key_len == 15 &&
                        memcmp(s_scratch(ctx, param.key_offset), "X-Amz-Signature", 15) == 0;
            if (status == ECC_OK && !skip) {
                if (count == ECC_SIGV4_MAX_QUERY_PARAMS) {
                    return ECC_ERR_LIMIT;
                }
                if (count == ctx->params_capacity) {
                    size_t capacity = ctx->params_capacity ? ctx->params_capacity * 2 : 16;
                    struct s_param *params = realloc(ctx->params, capacity * sizeof(*params));
                    if (!params) {
                        return ECC_ERR_NOMEM;
                    }
                    ctx->params = params;
                    ctx->params_capacity = capacity;
                }
                ctx->params[count++] = param;
            }
        }
        if (!end) {
            break;
        }
        p = end + 1;
    }
    /* Insertion sort: stable, and a query has a handful of parameters. */
    for (size_t i = 1; i < count && status == ECC_OK; i++) {
        struct s_param item = ctx->params[i];
        size_t j = i;
        while (j > 0 && s_compare_params(ctx, &ctx->params[j - 1], &item) > 0) {
            ctx->params[j] = ctx->params[j - 1];
            j--;
        }
        ctx->params[j] = item;
    }
    for (size_t i = 0; i < count && status == ECC_OK; i++) {
        const struct s_param *param = &ctx->params[i];
        if (i > 0) {
            status = ecc_buf_append_byte(out, '&');
        }
        if (status == ECC_OK) {
            status = ecc_buf_append(out, s_scratch(ctx, param->key_offset), param->key_len);
        }
        if (status == ECC_OK) {
            status = ecc_buf_append_byte(out, '=');
        }
        if (status == ECC_OK) {
            status = ecc_buf_append(out, s_scratch(ctx, param->value_offset), param->value_len);
        }
    }
    return status;
}

static bool s_is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Eight bytes of `p` as one word (memcpy: no alignment or aliasing assumption). */
static uint64_t s_word(const char *p) {
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return w;
}

/* memcpy for the short pieces a signature is assembled from (names, separators, dates): a library
 * call per piece cost more than the copying; up to 16 bytes take two overlapping word moves. */
static void s_put_bytes(char *out, const char *in, size_t len) {
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

#define S_ONES  0x0101010101010101ULL
#define S_HIGHS 0x8080808080808080ULL

/* Whether any byte is SP or below (a blank, a control byte): eight bytes per step ("has a byte less
 * than n", exact as a yes/no for n <= 128), since most header values hold none and are copied whole. */
static bool s_word_has_blank_or_control(uint64_t w) {
    return ((w - S_ONES * 0x21) & ~w & S_HIGHS) != 0;
}

static bool s_has_blank_or_control(const char *value, size_t len) {
    size_t i = 0;
    if (len >= 8) {
        for (; i + 8 <= len; i += 8) {
            if (s_word_has_blank_or_control(s_word(value + i))) {
                return true;
            }
        }
        /* the last, partial word as the word ending at the value's end (rereading a few bytes) */
        return i < len && s_word_has_blank_or_control(s_word(value + len - 8));
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
    uint64_t low7 = w & ~S_HIGHS;
    uint64_t at_least_a = low7 + S_ONES * (0x80 - 'A'); /* high bit set where the byte is >= 'A' */
    uint64_t past_z = low7 + S_ONES * (0x7f - 'Z');     /* high bit set where the byte is > 'Z' */
    uint64_t upper = at_least_a & ~past_z & ~w & S_HIGHS;
    return w | upper >> 2; /* 0x80 >> 2 is the 0x20 case bit */
}

static void s_lower_copy(char *out, const char *in, size_t len) {
    size_t i = 0;
    if (len >= 8) {
        for (; i + 8 <= len; i += 8) {
            uint64_t w = s_word_lower(s_word(in + i));
            memcpy(out + i, &w, sizeof(w));
        }
        if (i < len) { /* the last word, ending at the end: lower-casing twice changes nothing */
            uint64_t w = s_word_lower(s_word(in + len - 8));
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
        s_put_bytes(out, value, len);
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
static const unsigned char s_tchar_lower[256] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21, 0x00, 0x23, 0x24, 0x25,
    0x26, 0x27, 0x00, 0x00, 0x2a, 0x2b, 0x00, 0x2d, 0x2e, 0x00, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38,
    0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b,
    0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x00, 0x00, 0x5e,
    0x5f, 0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x70, 0x71,
    0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x00, 0x7c, 0x00, 0x7e, 0x00,
};

/* RFC 9110 tchar, lower-case letters only: what a canonical (lower-cased) header name is made of. */
static bool s_is_token_char(char c) {
    unsigned char b = (unsigned char)c;
    return b != 0 && s_tchar_lower[b] == b;
}

/* Longest header name the verifier looks up (one fixed buffer); the signer refuses longer ones. */
#define S_MAX_HEADER_NAME_BYTES 255

/* The length of a non-empty header name of tchar in either case, at most S_MAX_HEADER_NAME_BYTES
 * long; 0 for any other name. */
static size_t s_token_name_len(const char *name) {
    /* One pass: the table maps NUL to 0 too, so the walk stops at the first byte that is not tchar and
     * the name is good when that byte is its end (a separate strlen would read every name twice). */
    size_t len = 0;
    const unsigned char *p = (const unsigned char *)name;
    /* Four bytes per bounds check; each lookup before a NUL is in the string (the NUL maps to 0 and
     * stops the walk before the bytes after it are read). */
    while (len <= S_MAX_HEADER_NAME_BYTES - 3 && s_tchar_lower[p[len]] && s_tchar_lower[p[len + 1]] &&
           s_tchar_lower[p[len + 2]] && s_tchar_lower[p[len + 3]]) {
        len += 4;
    }
    while (len <= S_MAX_HEADER_NAME_BYTES && s_tchar_lower[p[len]]) {
        len++;
    }
    return len <= S_MAX_HEADER_NAME_BYTES && p[len] == '\0' ? len : 0;
}

/* `name` (`len` bytes of tchar) equals `lower` (lower-case letters, digits and '-'), ignoring case.
 * Setting the 0x20 bit lower-cases a letter and leaves digits and '-' alone; the only other bytes it
 * maps onto a digit or '-' are control bytes, which are not tchar. Eight bytes per step. */
static bool s_name_is(const char *name, size_t len, const char *lower, size_t lower_len) {
    if (len != lower_len) {
        return false;
    }
    uint64_t diff = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        diff |= (s_word(name + i) | S_ONES * 0x20) ^ s_word(lower + i);
    }
    if (i < len && len >= 8) { /* the rest as the word ending at the end, rereading a few bytes */
        diff |= (s_word(name + len - 8) | S_ONES * 0x20) ^ s_word(lower + len - 8);
        i = len;
    }
    for (; i < len; i++) {
        diff |= (uint64_t)(((unsigned char)name[i] | 0x20) ^ (unsigned char)lower[i]);
    }
    return diff == 0;
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
        return s_name_is(lower_name, len, "x-amzn-trace-id", 15);
    default:
        return false;
    }
    for (size_t i = 0; i < ECC_ARRAY_LEN(names); i++) {
        if (s_name_is(lower_name, len, names[i].name, names[i].len)) {
            return true;
        }
    }
    return false;
}

/*
 * Which headers go into the canonical request. The signer passes `signed_list` NULL (sign everything
 * but s_never_signed and, when `unsigned_token`, X-Amz-Security-Token); the verifier passes the
 * SignedHeaders value and gets exactly those.
 */
struct s_header_selection {
    const char *signed_list;
    bool unsigned_token;
};

static bool s_in_list(const char *list, const char *name, size_t len) {
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
static int
s_compare_names(const struct ecc_sigv4_signer *ctx, const struct s_header_ref *a, const struct s_header_ref *b) {
    const char *x = ctx->scratch.data + a->name_offset;
    const char *y = ctx->scratch.data + b->name_offset;
    if (x[0] != y[0]) {
        return (unsigned char)x[0] < (unsigned char)y[0] ? -1 : 1;
    }
    return s_compare_bytes(x, a->name_len, y, b->name_len);
}

/* Appends the rest of the canonical request: the canonical headers block (each "name:value\n"), an
 * empty line, the signed-headers list, a newline and `payload_hash`; leaves the signed-headers list in
 * `signed_headers` too. One reservation covers it all. */
static enum ecc_status s_append_canonical_headers(
    struct ecc_sigv4_signer *ctx,
    struct ecc_buf *out,
    struct ecc_buf *signed_headers,
    const struct ecc_http_headers *headers,
    const struct s_header_selection *selection,
    const char *payload_hash) {
    /* Lower-cased names side by side in the scratch; one reservation for all. */
    ecc_buf_reset(&ctx->scratch);
    enum ecc_status status = s_reserve_header_refs(ctx, headers->count);
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
                                    ? s_in_list(selection->signed_list, lower, len)
                                    : !s_never_signed(lower, len) && !(selection->unsigned_token && len == 20 &&
                                                                       memcmp(lower, "x-amz-security-token", 20) == 0));
        if (!take) {
            continue;
        }
        ctx->scratch.len += len;
        /* entries below `i` are no longer read */
        struct s_header_ref *ref = &ctx->headers[count++];
        ref->index = i;
        ref->name_offset = offset;
        ref->name_len = len;
        ref->value_len = strlen(headers->items[i].value);
        out_bytes += len + 2 + ref->value_len;
        signed_bytes += len + 1;
    }
    ctx->scratch.data[ctx->scratch.len] = '\0';
    /* Stable insertion sort by lower-case name keeps repeated headers in the order received. */
    for (size_t i = 1; i < count; i++) {
        struct s_header_ref item = ctx->headers[i];
        size_t j = i;
        while (j > 0 && s_compare_names(ctx, &ctx->headers[j - 1], &item) > 0) {
            ctx->headers[j] = ctx->headers[j - 1];
            j--;
        }
        ctx->headers[j] = item;
    }
    size_t payload_len = strlen(payload_hash);
    status = ecc_buf_reserve(out, out_bytes + 1 + signed_bytes + payload_len);
    if (status == ECC_OK) {
        status = ecc_buf_reserve(signed_headers, signed_bytes);
    }
    if (status != ECC_OK) {
        return status;
    }
    char *o = out->data + out->len;
    char *sh = signed_headers->data + signed_headers->len;
    for (size_t i = 0; i < count; i++) {
        const struct s_header_ref *ref = &ctx->headers[i];
        const char *name = s_scratch(ctx, ref->name_offset);
        if (i > 0 && s_compare_names(ctx, ref, ref - 1) == 0) {
            o[-1] = ','; /* a repeated name: its value continues the previous line after a comma */
        } else {
            if (sh != signed_headers->data) {
                *sh++ = ';';
            }
            s_put_bytes(sh, name, ref->name_len);
            sh += ref->name_len;
            s_put_bytes(o, name, ref->name_len);
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

/* A piece of text with its length. */
struct s_piece {
    const char *bytes;
    size_t len;
};
#define S_PIECE(literal) ((struct s_piece){literal, sizeof(literal) - 1})

/* Appends pieces with one reservation (the string to sign and the Authorization value are built on
 * every signature; printf or one append per piece would cost more than the canonicalization). */
static enum ecc_status s_append_pieces(struct ecc_buf *buf, const struct s_piece *pieces, size_t count) {
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
        s_put_bytes(out, pieces[i].bytes, pieces[i].len);
        out += pieces[i].len;
    }
    buf->len += total;
    buf->data[buf->len] = '\0';
    return ECC_OK;
}

/* What both sides feed into the canonical request beyond the request itself. */
struct s_canon_input {
    const struct ecc_http_request *request;
    const char *query; /* the query to canonicalize (the signer's extended one in query mode) */
    struct s_canon_rules rules;
    struct s_header_selection selection;
    bool skip_signature_param;
    const char *payload_hash; /* 64 hex digits or UNSIGNED-PAYLOAD */
};

/* Builds the canonical request into ctx->canonical_request; the signed-headers list into `signed`. */
static enum ecc_status s_build_canonical_request(
    struct ecc_sigv4_signer *ctx, const struct s_canon_input *in, struct ecc_buf *signed_headers) {
    struct ecc_buf *out = &ctx->canonical_request;
    ecc_buf_reset(out);
    ecc_buf_reset(signed_headers);
    const char *method = in->request->method ? in->request->method : "";
    const char *path = in->request->path;
    /* "/" (every AWS JSON request) is its own canonical form under every rule. */
    bool root = !path || !path[0] || (path[0] == '/' && !path[1]);
    const struct s_piece head[] = {{method, strlen(method)}, S_PIECE("\n"), S_PIECE("/\n")};
    enum ecc_status status = s_append_pieces(out, head, root ? 3 : 2);
    if (status == ECC_OK && !root) {
        status = s_append_canonical_uri(ctx, out, path, &in->rules);
        if (status == ECC_OK) {
            status = ecc_buf_append_byte(out, '\n');
        }
    }
    if (status == ECC_OK) {
        status = s_append_canonical_query(ctx, out, in->query, in->skip_signature_param);
    }
    if (status == ECC_OK) {
        status = ecc_buf_append_byte(out, '\n');
    }
    if (status == ECC_OK) {
        status = s_append_canonical_headers(
            ctx, out, signed_headers, &in->request->headers, &in->selection, in->payload_hash);
    }
    return status;
}

/* String to sign and signature from the canonical request. `amz_date` is 16 characters. */
static enum ecc_status s_sign_canonical(
    struct ecc_sigv4_signer *ctx, const char *amz_date, const struct s_scope *scope, const struct s_hmac_key *key) {
    uint8_t digest[S_SHA256_LEN];
    char hex[2 * S_SHA256_LEN + 1];
    s_sha256(ctx->canonical_request.data, ctx->canonical_request.len, digest);
    ecc_hex_encode(digest, S_SHA256_LEN, hex);
    struct ecc_buf *sts = &ctx->string_to_sign;
    ecc_buf_reset(sts);
    const struct s_piece pieces[] = {
        S_PIECE(ECC_SIGV4_ALGORITHM "\n"),
        {amz_date, 16},
        S_PIECE("\n"),
        {scope->text, scope->text_len},
        S_PIECE("\n"),
        {hex, 2 * S_SHA256_LEN},
    };
    enum ecc_status status = s_append_pieces(sts, pieces, ECC_ARRAY_LEN(pieces));
    if (status != ECC_OK) {
        return status;
    }
    SHA256_CTX work;
    s_hmac(key, sts->data, sts->len, &work, digest);
    ecc_hex_encode(digest, S_SHA256_LEN, ctx->signature); /* the signature: public, no wipe */
    return ECC_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* Signer                                                                                           */

/* Sets one header's value to the pieces joined (the value is reallocated only when its length
 * changes, so re-signing a request writes the Authorization value in place). */
static enum ecc_status
s_replace_value_pieces(struct ecc_http_header *header, const struct s_piece *pieces, size_t count) {
    size_t len = 0;
    for (size_t i = 0; i < count; i++) {
        len += pieces[i].len;
    }
    if (strlen(header->value) != len) {
        char *copy = realloc(header->value, len + 1);
        if (!copy) {
            return ECC_ERR_NOMEM;
        }
        header->value = copy;
    }
    char *out = header->value;
    for (size_t i = 0; i < count; i++) {
        s_put_bytes(out, pieces[i].bytes, pieces[i].len);
        out += pieces[i].len;
    }
    *out = '\0';
    return ECC_OK;
}

static enum ecc_status s_replace_value(struct ecc_http_header *header, const char *value, size_t len) {
    const struct s_piece piece = {value, len};
    return s_replace_value_pieces(header, &piece, 1);
}

/* Replaces the first header of that name in place (dropping later ones), or appends it. */
static enum ecc_status s_put_header(struct ecc_http_headers *headers, const char *name, const char *value, size_t len) {
    for (size_t i = 0; i < headers->count; i++) {
        if (!ecc_http_name_equal(headers->items[i].name, name)) {
            continue;
        }
        enum ecc_status status = s_replace_value(&headers->items[i], value, len);
        if (status != ECC_OK) {
            return status;
        }
        for (size_t j = headers->count; j-- > i + 1;) {
            if (ecc_http_name_equal(headers->items[j].name, name)) {
                free(headers->items[j].name);
                free(headers->items[j].value);
                memmove(
                    &headers->items[j], &headers->items[j + 1], (headers->count - j - 1) * sizeof(headers->items[0]));
                headers->count--;
            }
        }
        return ECC_OK;
    }
    return ecc_http_headers_add_n(headers, name, strlen(name), value, len);
}

/* The headers the signer reads or writes, found in the one pass that checks every name: the index of
 * the first of each name (SIZE_MAX when absent). */
struct s_known_headers {
    size_t host;
    size_t authorization;
    size_t date;
    size_t token;
    size_t content_sha256;
    bool repeated; /* a name the signer writes appears twice: s_put_header then drops the later ones */
};

static void s_note_header(size_t *slot, size_t index, bool *repeated) {
    if (*slot == SIZE_MAX) {
        *slot = index;
    } else {
        *repeated = true;
    }
}

/* Checks that every header name is one the verifier's SignedHeaders grammar accepts (a name it refuses
 * would make a signature no one can check) and finds the known headers. Returns the index of the first
 * bad name, or SIZE_MAX. */
static size_t
s_scan_headers(struct ecc_sigv4_signer *ctx, const struct ecc_http_headers *headers, struct s_known_headers *known) {
    *known = (struct s_known_headers){SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX, false};
    bool host_repeated = false;
    for (size_t i = 0; i < headers->count; i++) {
        const char *name = headers->items[i].name;
        size_t len = s_token_name_len(name);
        if (len == 0) {
            return i;
        }
        ctx->headers[i].name_len = len;
        switch (len) {
        case 4:
            if (s_name_is(name, len, "host", 4)) {
                s_note_header(&known->host, i, &host_repeated);
            }
            break;
        case 10:
            if (s_name_is(name, len, "x-amz-date", 10)) {
                s_note_header(&known->date, i, &known->repeated);
            }
            break;
        case 13:
            if (s_name_is(name, len, "authorization", 13)) {
                s_note_header(&known->authorization, i, &known->repeated);
            }
            break;
        case 20:
            if (s_name_is(name, len, "x-amz-security-token", 20)) {
                s_note_header(&known->token, i, &known->repeated);
            } else if (s_name_is(name, len, "x-amz-content-sha256", 20)) {
                s_note_header(&known->content_sha256, i, &known->repeated);
            }
            break;
        default:
            break;
        }
    }
    /* s_put_header drops repeats, which would move the names the lengths belong to. */
    ctx->known_name_lens = known->repeated ? 0 : headers->count;
    return SIZE_MAX;
}

/* s_put_header, without its scans when the header's place is known and its name is not repeated
 * (appending keeps the other known places valid; only dropping repeats would move them). */
static enum ecc_status s_set_header(
    struct ecc_http_headers *headers,
    const struct s_known_headers *known,
    size_t index,
    const char *name,
    const char *value,
    size_t len) {
    if (known->repeated) {
        return s_put_header(headers, name, value, len);
    }
    if (index == SIZE_MAX) {
        return ecc_http_headers_add_n(headers, name, strlen(name), value, len);
    }
    return s_replace_value(&headers->items[index], value, len);
}

static enum ecc_status s_append_query_param(struct ecc_buf *query, const char *key, const char *value) {
    enum ecc_status status = ECC_OK;
    if (query->len > 0) {
        status = ecc_buf_append_byte(query, '&');
    }
    if (status == ECC_OK) {
        status = ecc_buf_append_str(query, key);
    }
    if (status == ECC_OK) {
        status = ecc_buf_append_byte(query, '=');
    }
    if (status == ECC_OK) {
        status = s_append_encoded(query, value, strlen(value), false);
    }
    return status;
}

static bool s_has_query_auth(const char *query);
static const char *s_query_first_of(const char *query, const char *const *names, size_t count);

/* Bytes a scope part may not hold: '/' (the scope separator) and blanks; an access key id not ',' either
 * (the Authorization syntax). */
#define S_NOT_IN_NAME   1
#define S_NOT_IN_KEY_ID 2
#define S_SCOPE_END     4
static const unsigned char s_scope_byte_class[256] = {
    ['\0'] = S_SCOPE_END,
    ['/'] = S_NOT_IN_NAME | S_NOT_IN_KEY_ID,
    [' '] = S_NOT_IN_NAME | S_NOT_IN_KEY_ID,
    ['\t'] = S_NOT_IN_NAME | S_NOT_IN_KEY_ID,
    ['\r'] = S_NOT_IN_NAME | S_NOT_IN_KEY_ID,
    ['\n'] = S_NOT_IN_NAME | S_NOT_IN_KEY_ID,
    [','] = S_NOT_IN_KEY_ID,
};

/* The length of `text` when it is 1..max_len bytes without a byte of class `refused`, else 0. One pass
 * measures and checks (the signer checks its scope parts on every signature). */
static size_t s_scope_part_len(const char *text, size_t max_len, unsigned char refused) {
    if (!text) {
        return 0;
    }
    const unsigned char *p = (const unsigned char *)text;
    size_t len = 0;
    unsigned char class;
    while (!((class = s_scope_byte_class[p[len]]) & (refused | S_SCOPE_END))) {
        len++;
    }
    return class == S_SCOPE_END && len <= max_len ? len : 0;
}

/* The length of a region or service name: 1..255 bytes, none of them '/' or a blank; 0 for any other. */
static size_t s_valid_name_len(const char *text) {
    return s_scope_part_len(text, 255, S_NOT_IN_NAME);
}

/* The length of an access key id: no '/', ',' or blanks; 0 for an empty or bad one. */
static size_t s_access_key_id_len(const char *text) {
    return s_scope_part_len(text, SIZE_MAX, S_NOT_IN_KEY_ID);
}

enum ecc_status ecc_sigv4_signer_sign(
    struct ecc_sigv4_signer *ctx,
    struct ecc_http_request *request,
    const struct ecc_sigv4_sign_options *options,
    struct ecc_diag *diag) {
    const struct ecc_credentials *credentials = options->credentials;
    if (!credentials || !credentials->access_key_id || !credentials->access_key_id[0] ||
        !credentials->secret_access_key || !credentials->secret_access_key[0]) {
        ecc_diag_set(diag, "no credentials to sign with (access key id and secret access key are required)");
        return ECC_ERR_INVALID;
    }
    size_t access_key_id_len = s_access_key_id_len(credentials->access_key_id);
    if (access_key_id_len == 0) {
        ecc_diag_set(diag, "the access key id must not contain '/', ',' or blanks");
        return ECC_ERR_INVALID;
    }
    size_t region_len = s_valid_name_len(options->region);
    size_t service_len = s_valid_name_len(options->service);
    if (region_len == 0 || service_len == 0) {
        ecc_diag_set(diag, "region and service are required and must not contain '/' or blanks");
        return ECC_ERR_INVALID;
    }
    if (!request->method || !request->method[0]) {
        ecc_diag_set(diag, "the request has no method");
        return ECC_ERR_INVALID;
    }
    if (s_reserve_header_refs(ctx, request->headers.count) != ECC_OK) {
        ecc_diag_set(diag, "out of memory");
        return ECC_ERR_NOMEM;
    }
    struct s_known_headers known;
    size_t bad_name = s_scan_headers(ctx, &request->headers, &known);
    if (bad_name != SIZE_MAX) {
        ecc_diag_set(
            diag,
            "header name \"%.64s\" is not an HTTP token of at most %d bytes",
            request->headers.items[bad_name].name,
            S_MAX_HEADER_NAME_BYTES);
        return ECC_ERR_INVALID;
    }
    if (known.host == SIZE_MAX) {
        ecc_diag_set(diag, "the request has no Host header (SigV4 always signs it)");
        return ECC_ERR_INVALID;
    }
    /* The verifier refuses a request carrying two signatures ("Only one auth mechanism allowed"). */
    if (s_has_query_auth(request->query)) {
        ecc_diag_set(
            diag, "the query already holds X-Amz-Algorithm, X-Amz-Credential or X-Amz-Signature: remove them first");
        return ECC_ERR_INVALID;
    }
    /* Presigning appends these; a copy already in the query would be a repeated parameter, which the
     * verifier refuses (AWS does too), so the signer refuses first rather than make a URL nobody accepts. */
    if (options->mode == ECC_SIGV4_MODE_QUERY) {
        static const char *const added[] = {
            "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token"};
        const char *present = s_query_first_of(request->query, added, sizeof(added) / sizeof(added[0]));
        if (present) {
            ecc_diag_set(diag, "the query already holds %s, which presigning adds: remove it first", present);
            return ECC_ERR_INVALID;
        }
    }
    /* Header mode replaces an Authorization header; query mode would leave it beside the presigned one. */
    if (options->mode == ECC_SIGV4_MODE_QUERY && known.authorization != SIZE_MAX) {
        ecc_diag_set(diag, "the request already has an Authorization header: remove it before presigning");
        return ECC_ERR_INVALID;
    }
    uint32_t expires_s = options->expires_s ? options->expires_s : ECC_SIGV4_DEFAULT_EXPIRES_S;
    if (options->mode == ECC_SIGV4_MODE_QUERY && expires_s > ECC_SIGV4_MAX_EXPIRES_S) {
        ecc_diag_set(diag, "X-Amz-Expires must be 1..%d seconds, got %u", ECC_SIGV4_MAX_EXPIRES_S, expires_s);
        return ECC_ERR_INVALID;
    }

    char amz_date[ECC_SIGV4_DATE_LEN];
    int64_t now_s = s_now(options->clock, options->clock_user_data);
    if (now_s != ctx->last_epoch_s || !ctx->last_date[0]) {
        ecc_sigv4_format_date(now_s, ctx->last_date);
        ctx->last_epoch_s = now_s;
    }
    memcpy(amz_date, ctx->last_date, ECC_SIGV4_DATE_LEN);
    struct s_scope scope;
    s_scope_init(&scope, amz_date, options->region, region_len, options->service, service_len);

    const char *token = credentials->session_token && credentials->session_token[0] ? credentials->session_token : NULL;
    bool token_signed = token && !options->session_token_after_signing;

    /* Header mode adds the headers it signs with that are not there yet: refuse up front, with the count,
     * a request that has no room for them (found by fuzz_sigv4: a 200-header request failed half-signed
     * with a bare size-limit error). */
    if (options->mode == ECC_SIGV4_MODE_HEADER) {
        bool adds_sha256 = options->add_content_sha256_header || options->payload == ECC_SIGV4_PAYLOAD_UNSIGNED;
        size_t added = (size_t)(known.date == SIZE_MAX) + (size_t)(known.authorization == SIZE_MAX) +
                       (size_t)(token && known.token == SIZE_MAX) +
                       (size_t)(adds_sha256 && known.content_sha256 == SIZE_MAX);
        if (request->headers.count + added > ECC_HTTP_MAX_HEADERS) {
            ecc_diag_set(
                diag,
                "the request has %zu headers and signing adds %zu (X-Amz-Date, Authorization, ...): a request "
                "holds at most %d",
                request->headers.count,
                added,
                ECC_HTTP_MAX_HEADERS);
            return ECC_ERR_INVALID;
        }
    }

    /* Likewise the query parameters, with those presigning adds (the token's too when it is added after
     * signing: the verifier canonicalizes it). Found by fuzz_sigv4: 1,055 empty parameters in header
     * mode failed with a bare size-limit status. */
    size_t query_params = s_query_param_count(request->query);
    size_t query_added = options->mode == ECC_SIGV4_MODE_QUERY ? 5 + (size_t)(token != NULL) : 0;
    if (query_params + query_added > ECC_SIGV4_MAX_QUERY_PARAMS) {
        char added[48] = "";
        if (query_added) {
            snprintf(added, sizeof(added), " and presigning adds %zu", query_added);
        }
        ecc_diag_set(
            diag,
            "the query has %zu parameters%s: a signed query holds at most %d",
            query_params,
            added,
            ECC_SIGV4_MAX_QUERY_PARAMS);
        return ECC_ERR_INVALID;
    }

    /* Payload hash: UNSIGNED-PAYLOAD, the body's SHA-256, or (botocore's rule) a value the caller put in
     * x-amz-content-sha256 already. */
    char payload_hash[2 * S_SHA256_LEN + 1];
    const char *existing_hash =
        known.content_sha256 != SIZE_MAX ? request->headers.items[known.content_sha256].value : NULL;
    if (options->payload == ECC_SIGV4_PAYLOAD_UNSIGNED) {
        snprintf(payload_hash, sizeof(payload_hash), "%s", ECC_SIGV4_UNSIGNED_PAYLOAD);
    } else if (existing_hash && !options->add_content_sha256_header && strlen(existing_hash) < sizeof(payload_hash)) {
        snprintf(payload_hash, sizeof(payload_hash), "%s", existing_hash);
    } else {
        uint8_t digest[S_SHA256_LEN];
        s_sha256(request->body ? (const void *)request->body : "", request->body_len, digest);
        ecc_hex_encode(digest, S_SHA256_LEN, payload_hash);
    }

    struct s_canon_input in = {
        .request = request,
        .query = request->query,
        .rules = {options->keep_path_unnormalized, options->single_encode_path},
        .selection = {NULL, !token_signed},
        .skip_signature_param = false,
        .payload_hash = payload_hash,
    };
    enum ecc_status status = ECC_OK;
    struct ecc_buf *signed_headers = &ctx->signed_headers;
    struct ecc_buf query;
    ecc_buf_init(&query, ECC_SIGV4_MAX_CANONICAL_BYTES);
    struct s_hmac_key key;

    if (options->mode == ECC_SIGV4_MODE_HEADER) {
        if (token) {
            status = s_set_header(&request->headers, &known, known.token, "X-Amz-Security-Token", token, strlen(token));
        }
        if (status == ECC_OK) {
            status = s_set_header(&request->headers, &known, known.date, "X-Amz-Date", amz_date, 16);
        }
        if (status == ECC_OK &&
            (options->add_content_sha256_header || options->payload == ECC_SIGV4_PAYLOAD_UNSIGNED)) {
            status = s_set_header(
                &request->headers,
                &known,
                known.content_sha256,
                "x-amz-content-sha256",
                payload_hash,
                strlen(payload_hash));
        }
        if (status == ECC_OK) {
            status = s_build_canonical_request(ctx, &in, signed_headers);
        }
    } else {
        /* The signed-headers list is needed inside the query before the canonical request exists:
         * compute it once with a throwaway canonical request, then for real. */
        status = s_build_canonical_request(ctx, &in, signed_headers);
        if (status == ECC_OK && request->query) {
            status = ecc_buf_append_str(&query, request->query);
        }
        struct ecc_buf credential;
        ecc_buf_init(&credential, ECC_SIGV4_MAX_CANONICAL_BYTES);
        if (status == ECC_OK) {
            status = ecc_buf_printf(&credential, "%s/%s", credentials->access_key_id, scope.text);
        }
        char expires[16];
        snprintf(expires, sizeof(expires), "%u", expires_s);
        if (status == ECC_OK) {
            status = s_append_query_param(&query, "X-Amz-Algorithm", ECC_SIGV4_ALGORITHM);
        }
        if (status == ECC_OK) {
            status = s_append_query_param(&query, "X-Amz-Credential", credential.data);
        }
        ecc_buf_clean_up(&credential);
        if (status == ECC_OK) {
            status = s_append_query_param(&query, "X-Amz-Date", amz_date);
        }
        if (status == ECC_OK) {
            status = s_append_query_param(&query, "X-Amz-SignedHeaders", signed_headers->data);
        }
        if (status == ECC_OK) {
            status = s_append_query_param(&query, "X-Amz-Expires", expires);
        }
        if (status == ECC_OK && token_signed) {
            status = s_append_query_param(&query, "X-Amz-Security-Token", token);
        }
        in.query = query.data;
        if (status == ECC_OK) {
            status = s_build_canonical_request(ctx, &in, signed_headers);
        }
    }
    if (status == ECC_OK) {
        const char *secret = credentials->secret_access_key;
        const struct s_hmac_key *signing_key =
            s_signing_key(options->key_cache, &ctx->key_memo, secret, strlen(secret), &scope, &key);
        status = s_sign_canonical(ctx, amz_date, &scope, signing_key);
        if (signing_key == &key) {
            ecc_secure_zero(&key, sizeof(key));
        }
    }
    if (status == ECC_OK && options->mode == ECC_SIGV4_MODE_HEADER) {
        struct ecc_buf *authorization = &ctx->scratch2;
        ecc_buf_reset(authorization);
        const struct s_piece pieces[] = {
            S_PIECE(ECC_SIGV4_ALGORITHM " Credential="),
            {credentials->access_key_id, access_key_id_len},
            S_PIECE("/"),
            {scope.text, scope.text_len},
            S_PIECE(", SignedHeaders="),
            {signed_headers->data, signed_headers->len},
            S_PIECE(", Signature="),
            {ctx->signature, 2 * S_SHA256_LEN},
        };
        if (known.authorization != SIZE_MAX && !known.repeated) {
            status =
                s_replace_value_pieces(&request->headers.items[known.authorization], pieces, ECC_ARRAY_LEN(pieces));
        } else {
            status = s_append_pieces(authorization, pieces, ECC_ARRAY_LEN(pieces));
            if (status == ECC_OK) {
                status = s_set_header(
                    &request->headers,
                    &known,
                    known.authorization,
                    "Authorization",
                    authorization->data,
                    authorization->len);
            }
        }
    } else if (status == ECC_OK) {
        if (token && !token_signed) {
            status = s_append_query_param(&query, "X-Amz-Security-Token", token);
        }
        if (status == ECC_OK) {
            status = s_append_query_param(&query, "X-Amz-Signature", ctx->signature);
        }
        if (status == ECC_OK) {
            char *text = ecc_buf_steal(&query);
            if (!text) {
                status = ECC_ERR_NOMEM;
            } else {
                free(request->query);
                request->query = text;
            }
        }
    }
    if (status != ECC_OK) {
        ecc_diag_set(diag, "signing failed: %s (a request part is past its size cap?)", ecc_status_name(status));
    }
    ecc_buf_clean_up(&query);
    return status;
}

enum ecc_status
ecc_sigv4_sign(struct ecc_http_request *request, const struct ecc_sigv4_sign_options *options, struct ecc_diag *diag) {
    struct ecc_sigv4_signer ctx;
    s_context_init(&ctx);
    enum ecc_status status = ecc_sigv4_signer_sign(&ctx, request, options, diag);
    s_context_clean_up(&ctx);
    return status;
}

/* ------------------------------------------------------------------------------------------------ */
/* Verifier                                                                                         */

struct s_key {
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    int64_t token_expires_at_s;
};

struct ecc_sigv4_verifier {
    char *region;
    size_t region_len;
    char *service;
    size_t service_len;
    struct s_key *keys;
    size_t key_count;
    int64_t max_skew_s;
    struct s_canon_rules rules;
    bool allow_unsigned_payload;
    ecc_sigv4_clock_fn *clock;
    void *clock_user_data;
    struct ecc_sigv4_key_cache *cache;
    struct s_scratch_pool *pool; /* a separate object: verifying through a const verifier uses it */
};

struct s_scratch_pool;
static struct s_scratch_pool *s_pool_new(void);
static void s_pool_destroy(struct s_scratch_pool *pool);

static const struct {
    const char *error_name;
    int http_status;
    const char *check;
} s_outcomes[] = {
    [ECC_SIGV4_VERIFIED] = {NULL, 200, "none"},
    [ECC_SIGV4_MISSING_AUTHENTICATION] = {"MissingAuthenticationTokenException", 403, "authentication-present"},
    [ECC_SIGV4_INCOMPLETE_SIGNATURE] = {"IncompleteSignature", 400, "signature-format"},
    [ECC_SIGV4_SIGNATURE_MISMATCH] = {"InvalidSignatureException", 400, "signature"},
    [ECC_SIGV4_PAYLOAD_HASH_MISMATCH] = {"InvalidSignatureException", 400, "payload-hash"},
    [ECC_SIGV4_SCOPE_MISMATCH] = {"InvalidSignatureException", 400, "credential-scope"},
    [ECC_SIGV4_HOST_NOT_SIGNED] = {"InvalidSignatureException", 400, "host-signed"},
    [ECC_SIGV4_SIGNATURE_EXPIRED] = {"InvalidSignatureException", 400, "clock-skew"},
    [ECC_SIGV4_SIGNATURE_NOT_YET_CURRENT] = {"InvalidSignatureException", 400, "clock-skew"},
    [ECC_SIGV4_PRESIGN_EXPIRED] = {"InvalidSignatureException", 400, "presign-expiry"},
    [ECC_SIGV4_UNKNOWN_KEY] = {"UnrecognizedClientException", 400, "access-key"},
    [ECC_SIGV4_INVALID_TOKEN] = {"UnrecognizedClientException", 400, "session-token"},
    [ECC_SIGV4_EXPIRED_TOKEN] = {"ExpiredTokenException", 400, "session-token-expiry"},
};

const char *ecc_sigv4_outcome_error_name(enum ecc_sigv4_outcome outcome) {
    return (size_t)outcome < ECC_ARRAY_LEN(s_outcomes) ? s_outcomes[outcome].error_name : "InternalFailure";
}

int ecc_sigv4_outcome_http_status(enum ecc_sigv4_outcome outcome) {
    return (size_t)outcome < ECC_ARRAY_LEN(s_outcomes) ? s_outcomes[outcome].http_status : 500;
}

const char *ecc_sigv4_outcome_check(enum ecc_sigv4_outcome outcome) {
    return (size_t)outcome < ECC_ARRAY_LEN(s_outcomes) ? s_outcomes[outcome].check : "unknown";
}

void ecc_sigv4_verify_result_init(struct ecc_sigv4_verify_result *result) {
    result->outcome = ECC_SIGV4_VERIFIED;
    result->message[0] = '\0';
    result->access_key_id[0] = '\0';
    result->presigned = false;
    ecc_buf_init(&result->expected_canonical_request, ECC_SIGV4_MAX_CANONICAL_BYTES);
    ecc_buf_init(&result->expected_string_to_sign, ECC_SIGV4_MAX_CANONICAL_BYTES);
}

void ecc_sigv4_verify_result_clean_up(struct ecc_sigv4_verify_result *result) {
    ecc_buf_clean_up(&result->expected_canonical_request);
    ecc_buf_clean_up(&result->expected_string_to_sign);
}

static void s_free_string(char **slot) {
    if (*slot) {
        ecc_secure_zero(*slot, strlen(*slot));
        free(*slot);
        *slot = NULL;
    }
}

void ecc_sigv4_verifier_destroy(struct ecc_sigv4_verifier *verifier) {
    if (!verifier) {
        return;
    }
    for (size_t i = 0; i < verifier->key_count; i++) {
        s_free_string(&verifier->keys[i].access_key_id);
        s_free_string(&verifier->keys[i].secret_access_key);
        s_free_string(&verifier->keys[i].session_token);
    }
    free(verifier->keys);
    free(verifier->region);
    free(verifier->service);
    ecc_sigv4_key_cache_destroy(verifier->cache);
    s_pool_destroy(verifier->pool);
    free(verifier);
}

struct ecc_sigv4_verifier *
ecc_sigv4_verifier_new(const struct ecc_sigv4_verifier_options *options, struct ecc_diag *diag) {
    if (!s_valid_name_len(options->region) || !s_valid_name_len(options->service)) {
        ecc_diag_set(diag, "the verifier needs a region and a service without '/' or blanks");
        return NULL;
    }
    if (options->max_skew_s < 0) {
        ecc_diag_set(diag, "the allowed clock skew must not be negative");
        return NULL;
    }
    struct ecc_sigv4_verifier *verifier = calloc(1, sizeof(*verifier));
    if (!verifier) {
        goto on_nomem;
    }
    verifier->region = ecc_strdup(options->region);
    verifier->region_len = strlen(options->region);
    verifier->service = ecc_strdup(options->service);
    verifier->service_len = strlen(options->service);
    verifier->keys = calloc(options->key_count ? options->key_count : 1, sizeof(*verifier->keys));
    verifier->cache = ecc_sigv4_key_cache_new(64);
    verifier->pool = s_pool_new();
    if (!verifier->region || !verifier->service || !verifier->keys || !verifier->cache || !verifier->pool) {
        goto on_nomem;
    }
    for (size_t i = 0; i < options->key_count; i++) {
        const struct ecc_sigv4_key *key = &options->keys[i];
        if (!key->access_key_id || !key->access_key_id[0] || strpbrk(key->access_key_id, "/ ,") ||
            !key->secret_access_key || !key->secret_access_key[0]) {
            ecc_diag_set(diag, "key %zu: an access key id (no '/', ',' or space) and a secret are required", i + 1);
            ecc_sigv4_verifier_destroy(verifier);
            return NULL;
        }
        struct s_key *copy = &verifier->keys[verifier->key_count++];
        copy->access_key_id = ecc_strdup(key->access_key_id);
        copy->secret_access_key = ecc_strdup(key->secret_access_key);
        copy->session_token = key->session_token && key->session_token[0] ? ecc_strdup(key->session_token) : NULL;
        copy->token_expires_at_s = key->token_expires_at_s;
        if (!copy->access_key_id || !copy->secret_access_key ||
            (key->session_token && key->session_token[0] && !copy->session_token)) {
            goto on_nomem;
        }
    }
    verifier->max_skew_s = options->max_skew_s ? options->max_skew_s : ECC_SIGV4_DEFAULT_SKEW_S;
    verifier->rules.keep_path_unnormalized = options->keep_path_unnormalized;
    verifier->rules.single_encode_path = options->single_encode_path;
    verifier->allow_unsigned_payload = options->allow_unsigned_payload;
    verifier->clock = options->clock;
    verifier->clock_user_data = options->clock_user_data;
    return verifier;
on_nomem:
    ecc_diag_set(diag, "out of memory creating the verifier");
    ecc_sigv4_verifier_destroy(verifier);
    return NULL;
}

static enum ecc_status
s_fail(struct ecc_sigv4_verify_result *result, enum ecc_sigv4_outcome outcome, const char *fmt, ...) ECC_PRINTF(3, 4);

static enum ecc_status
s_fail(struct ecc_sigv4_verify_result *result, enum ecc_sigv4_outcome outcome, const char *fmt, ...) {
    result->outcome = outcome;
    va_list args;
    va_start(args, fmt);
    vsnprintf(result->message, sizeof(result->message), fmt, args);
    va_end(args);
    return ECC_OK;
}

/* The parts of a signature, whichever form carried them. */
struct s_auth {
    char algorithm[32];
    char credential[512];
    char signed_headers[8192];
    char signature[128];
    char date[64];
    char expires[32];
    char token[4096];
    bool has_credential, has_signed_headers, has_signature, has_date, has_expires, has_token;
};

/* The parse holds ~13 KB of fixed slots: zeroing and wiping all of it cost more than the rest of a
 * verification, so only the strings are emptied, and only what they hold is wiped. */
static void s_auth_reset(struct s_auth *auth) {
    auth->algorithm[0] = auth->credential[0] = auth->signed_headers[0] = auth->signature[0] = '\0';
    auth->date[0] = auth->expires[0] = auth->token[0] = '\0';
    auth->has_credential = auth->has_signed_headers = auth->has_signature = false;
    auth->has_date = auth->has_expires = auth->has_token = false;
}

static void s_auth_wipe_slot(char *slot, size_t size) {
    ecc_secure_zero(slot, strnlen(slot, size));
}

static void s_auth_wipe(struct s_auth *auth) {
    s_auth_wipe_slot(auth->credential, sizeof(auth->credential));
    s_auth_wipe_slot(auth->signed_headers, sizeof(auth->signed_headers));
    s_auth_wipe_slot(auth->signature, sizeof(auth->signature));
    s_auth_wipe_slot(auth->token, sizeof(auth->token));
}

/* What one verification works in: the parsed signature and a canonicalization context. The verifier
 * keeps a few between calls (its pool), so steady-state verifying allocates nothing, the way a reused
 * signer does not; any number of threads take and give back under the pool's lock. */
struct s_scratch {
    struct s_auth auth;
    struct ecc_sigv4_signer ctx;
    struct s_scratch *next;
};

#define S_POOL_MAX 8 /* scratches kept for reuse; more concurrent verifications allocate their own */

struct s_scratch_pool {
    pthread_mutex_t lock;
    struct s_scratch *free_list;
    size_t free_count;
};

static struct s_scratch_pool *s_pool_new(void) {
    struct s_scratch_pool *pool = calloc(1, sizeof(*pool));
    if (pool && pthread_mutex_init(&pool->lock, NULL) != 0) {
        free(pool);
        pool = NULL;
    }
    return pool;
}

static void s_scratch_destroy(struct s_scratch *scratch) {
    s_context_clean_up(&scratch->ctx);
    free(scratch);
}

static void s_pool_destroy(struct s_scratch_pool *pool) {
    if (!pool) {
        return;
    }
    while (pool->free_list) {
        struct s_scratch *next = pool->free_list->next;
        s_scratch_destroy(pool->free_list);
        pool->free_list = next;
    }
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}

static struct s_scratch *s_pool_take(struct s_scratch_pool *pool) {
    pthread_mutex_lock(&pool->lock);
    struct s_scratch *scratch = pool->free_list;
    if (scratch) {
        pool->free_list = scratch->next;
        pool->free_count--;
    }
    pthread_mutex_unlock(&pool->lock);
    if (!scratch) {
        scratch = malloc(sizeof(*scratch));
        if (scratch) {
            s_context_init(&scratch->ctx);
        }
    }
    if (scratch) {
        s_auth_reset(&scratch->auth);
    }
    return scratch;
}

/* Wipes what the parse held (credential, signature, token) and keeps the scratch, or frees it. */
static void s_pool_give(struct s_scratch_pool *pool, struct s_scratch *scratch) {
    s_auth_wipe(&scratch->auth);
    pthread_mutex_lock(&pool->lock);
    bool kept = pool->free_count < S_POOL_MAX;
    if (kept) {
        scratch->next = pool->free_list;
        pool->free_list = scratch;
        pool->free_count++;
    }
    pthread_mutex_unlock(&pool->lock);
    if (!kept) {
        s_scratch_destroy(scratch);
    }
}

static bool s_copy(char *dst, size_t size, const char *src, size_t len) {
    if (len >= size) {
        return false;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
    return true;
}

/* "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." */
static enum ecc_status
s_parse_authorization(const char *value, struct s_auth *auth, struct ecc_sigv4_verify_result *result) {
    const char *p = value;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    size_t alg_len = strcspn(p, " \t");
    if (!s_copy(auth->algorithm, sizeof(auth->algorithm), p, alg_len) ||
        strcmp(auth->algorithm, ECC_SIGV4_ALGORITHM) != 0) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "Unsupported AWS 'algorithm': '%.*s' (only " ECC_SIGV4_ALGORITHM " is accepted)",
            (int)(alg_len > 64 ? 64 : alg_len),
            p);
    }
    p += alg_len;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',') {
            p++;
        }
        if (!*p) {
            break;
        }
        size_t len = strcspn(p, ",");
        size_t trimmed = len;
        while (trimmed > 0 && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t')) {
            trimmed--;
        }
        const char *eq = memchr(p, '=', trimmed);
        if (!eq) {
            return s_fail(
                result,
                ECC_SIGV4_INCOMPLETE_SIGNATURE,
                "'%.*s' is not a valid key=value pair (missing equal-sign) in Authorization header",
                (int)(trimmed > 100 ? 100 : trimmed),
                p);
        }
        size_t name_len = (size_t)(eq - p);
        const char *v = eq + 1;
        size_t v_len = trimmed - name_len - 1;
        char *slot = NULL;
        size_t size = 0;
        bool *seen = NULL;
        if (name_len == 10 && memcmp(p, "Credential", 10) == 0) {
            slot = auth->credential, size = sizeof(auth->credential), seen = &auth->has_credential;
        } else if (name_len == 13 && memcmp(p, "SignedHeaders", 13) == 0) {
            slot = auth->signed_headers, size = sizeof(auth->signed_headers), seen = &auth->has_signed_headers;
        } else if (name_len == 9 && memcmp(p, "Signature", 9) == 0) {
            slot = auth->signature, size = sizeof(auth->signature), seen = &auth->has_signature;
        } else {
            return s_fail(
                result,
                ECC_SIGV4_INCOMPLETE_SIGNATURE,
                "Unknown Authorization header parameter '%.*s'",
                (int)(name_len > 64 ? 64 : name_len),
                p);
        }
        if (*seen) {
            return s_fail(
                result, ECC_SIGV4_INCOMPLETE_SIGNATURE, "Authorization header has '%.*s' twice", (int)name_len, p);
        }
        if (!s_copy(slot, size, v, v_len)) {
            return s_fail(
                result,
                ECC_SIGV4_INCOMPLETE_SIGNATURE,
                "Authorization header parameter '%.*s' is too long",
                (int)name_len,
                p);
        }
        *seen = true;
        p += len;
    }
    if (!auth->has_credential || !auth->has_signed_headers || !auth->has_signature) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "Authorization header requires %s%s%s parameter(s). Authorization=%s",
            auth->has_credential ? "" : "'Credential' ",
            auth->has_signed_headers ? "" : "'SignedHeaders' ",
            auth->has_signature ? "" : "'Signature' ",
            ECC_SIGV4_ALGORITHM);
    }
    return ECC_OK;
}

/* Finds a query parameter by decoded name; copies its decoded value. Returns how many there are
 * (0, 1, or more: the caller rejects repeats). */
static int s_query_param(const char *query, const char *name, char *out, size_t size, bool *too_long) {
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
static bool s_has_query_auth(const char *query) {
    static const char *const only_presigned[] = {"X-Amz-Algorithm", "X-Amz-Signature", "X-Amz-Credential"};
    return s_query_first_of(query, only_presigned, sizeof(only_presigned) / sizeof(only_presigned[0])) != NULL;
}

/* The first of `names` that the query holds (by decoded name), or NULL. */
static const char *s_query_first_of(const char *query, const char *const *names, size_t count) {
    if (!query || !query[0]) { /* every AWS JSON request */
        return NULL;
    }
    bool too_long = false;
    char probe[1]; /* only whether the parameter is there: nothing of its value is copied */
    for (size_t i = 0; i < count; i++) {
        if (s_query_param(query, names[i], probe, sizeof(probe), &too_long) > 0) {
            return names[i];
        }
    }
    return NULL;
}

static enum ecc_status
s_parse_query_auth(const char *query, struct s_auth *auth, struct ecc_sigv4_verify_result *result) {
    struct {
        const char *name;
        char *slot;
        size_t size;
        bool *seen;
    } params[] = {
        {"X-Amz-Algorithm", auth->algorithm, sizeof(auth->algorithm), NULL},
        {"X-Amz-Credential", auth->credential, sizeof(auth->credential), &auth->has_credential},
        {"X-Amz-SignedHeaders", auth->signed_headers, sizeof(auth->signed_headers), &auth->has_signed_headers},
        {"X-Amz-Signature", auth->signature, sizeof(auth->signature), &auth->has_signature},
        {"X-Amz-Date", auth->date, sizeof(auth->date), &auth->has_date},
        {"X-Amz-Expires", auth->expires, sizeof(auth->expires), &auth->has_expires},
        {"X-Amz-Security-Token", auth->token, sizeof(auth->token), &auth->has_token},
    };
    bool missing = false;
    for (size_t i = 0; i < ECC_ARRAY_LEN(params); i++) {
        bool too_long = false;
        int count = s_query_param(query, params[i].name, params[i].slot, params[i].size, &too_long);
        if (count > 1 || too_long) {
            return s_fail(
                result,
                ECC_SIGV4_INCOMPLETE_SIGNATURE,
                "query parameter %s %s",
                params[i].name,
                count > 1 ? "appears more than once" : "is too long");
        }
        if (params[i].seen) {
            *params[i].seen = count == 1;
        }
        missing |= count == 0 && i < 6;
    }
    if (missing) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', "
            "'X-Amz-Date', 'X-Amz-SignedHeaders' and 'X-Amz-Expires'");
    }
    if (strcmp(auth->algorithm, ECC_SIGV4_ALGORITHM) != 0) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "X-Amz-Algorithm only supports " ECC_SIGV4_ALGORITHM ", got '%.64s'",
            auth->algorithm);
    }
    return ECC_OK;
}

/* Lower-case header names, ';'-separated, strictly ascending (so no duplicates). */
static bool s_valid_signed_headers(const char *list) {
    const char *prev = NULL;
    size_t prev_len = 0;
    const char *p = list;
    if (!*p) {
        return false;
    }
    while (true) {
        size_t len = strcspn(p, ";");
        if (len == 0) {
            return false;
        }
        for (size_t i = 0; i < len; i++) {
            if (!s_is_token_char(p[i])) {
                return false;
            }
        }
        if (prev && s_compare_bytes(prev, prev_len, p, len) >= 0) {
            return false;
        }
        prev = p;
        prev_len = len;
        if (!p[len]) {
            return true;
        }
        p += len + 1;
    }
}

static bool s_is_lower_hex64(const char *text) {
    if (strlen(text) != 64) {
        return false;
    }
    for (size_t i = 0; i < 64; i++) {
        if (!((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f'))) {
            return false;
        }
    }
    return true;
}

static void s_skew_text(int64_t skew_s, char *out, size_t size) {
    if (skew_s % 60 == 0) {
        snprintf(out, size, "%lld min.", (long long)(skew_s / 60));
    } else {
        snprintf(out, size, "%lld s", (long long)skew_s);
    }
}

static const struct s_key *s_find_key(const struct ecc_sigv4_verifier *verifier, const char *access_key_id) {
    for (size_t i = 0; i < verifier->key_count; i++) {
        if (strcmp(verifier->keys[i].access_key_id, access_key_id) == 0) {
            return &verifier->keys[i];
        }
    }
    return NULL;
}

static bool s_token_equal(const char *a, const char *b) {
    size_t len = strlen(a);
    return len == strlen(b) && ecc_ct_equal(a, b, len);
}

/* Everything after the signature's parts have been parsed: checks in the order AWS reports them. */
static enum ecc_status s_verify_parsed(
    const struct ecc_sigv4_verifier *verifier,
    const struct ecc_http_request *request,
    struct s_scratch *scratch,
    struct ecc_sigv4_verify_result *result) {
    struct s_auth *auth = &scratch->auth;
    /* Credential: keyid/date/region/service/aws4_request */
    const char *parts[5];
    size_t lens[5];
    size_t n = 0;
    const char *p = auth->credential;
    while (n < 5) {
        size_t len = strcspn(p, "/");
        parts[n] = p;
        lens[n++] = len;
        if (!p[len]) {
            break;
        }
        p += len + 1;
    }
    bool shape_ok = n == 5 && !strchr(parts[4], '/');
    for (size_t i = 0; shape_ok && i < 5; i++) {
        shape_ok = lens[i] > 0;
    }
    if (!shape_ok) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got "
            "'%.200s'",
            auth->credential);
    }
    s_copy(result->access_key_id, sizeof(result->access_key_id), parts[0], lens[0] < 128 ? lens[0] : 128);
    if (!s_is_lower_hex64(auth->signature)) {
        return s_fail(result, ECC_SIGV4_INCOMPLETE_SIGNATURE, "Signature must be 64 lower-case hexadecimal digits");
    }
    if (!s_valid_signed_headers(auth->signed_headers)) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "SignedHeaders must be lower-case header names separated by ';', sorted, without repeats; got '%.200s'",
            auth->signed_headers);
    }

    /* The request date: X-Amz-Date (query or header), else the Date header. */
    int64_t request_s = 0;
    const char *date_name = "x-amz-date";
    if (!result->presigned) {
        size_t amz_count = ecc_http_headers_count_name(&request->headers, "x-amz-date");
        const char *amz = ecc_http_headers_get(&request->headers, "x-amz-date");
        const char *http_date = ecc_http_headers_get(&request->headers, "date");
        if (amz_count > 1 || (!amz && ecc_http_headers_count_name(&request->headers, "date") > 1)) {
            return s_fail(result, ECC_SIGV4_INCOMPLETE_SIGNATURE, "the request date header appears more than once");
        }
        if (amz) {
            auth->has_date = s_copy(auth->date, sizeof(auth->date), amz, strlen(amz));
        } else if (http_date) {
            date_name = "date";
            if (s_parse_http_date(http_date, &request_s) != ECC_OK) {
                return s_fail(
                    result,
                    ECC_SIGV4_INCOMPLETE_SIGNATURE,
                    "Date header must be an IMF-fixdate such as 'Sun, 30 Aug 2015 12:36:00 GMT', got '%.64s'",
                    http_date);
            }
            ecc_sigv4_format_date(request_s, auth->date);
            auth->has_date = true;
        } else {
            return s_fail(
                result,
                ECC_SIGV4_INCOMPLETE_SIGNATURE,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
    }
    if (!auth->has_date || ecc_sigv4_parse_date(auth->date, &request_s) != ECC_OK) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "Date must be in ISO-8601 'basic format'. Got '%.64s'. See http://en.wikipedia.org/wiki/ISO_8601",
            auth->has_date ? auth->date : "");
    }
    if (!s_in_list(auth->signed_headers, "host", 4)) {
        return s_fail(
            result,
            ECC_SIGV4_HOST_NOT_SIGNED,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    if (!result->presigned && !s_in_list(auth->signed_headers, date_name, strlen(date_name))) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "'%s' must be a 'SignedHeader' in the AWS Authorization.",
            strcmp(date_name, "date") == 0 ? "Date" : "X-Amz-Date");
    }
    for (const char *name = auth->signed_headers; *name;) {
        size_t len = strcspn(name, ";");
        char one[S_MAX_HEADER_NAME_BYTES + 1];
        if (!s_copy(one, sizeof(one), name, len) || !ecc_http_headers_get(&request->headers, one)) {
            return s_fail(
                result,
                ECC_SIGV4_INCOMPLETE_SIGNATURE,
                "SignedHeaders names '%.*s', which the request does not carry",
                (int)(len > 100 ? 100 : len),
                name);
        }
        name += len + (name[len] ? 1 : 0);
    }

    /* Scope */
    if (lens[1] != 8 || memcmp(parts[1], auth->date, 8) != 0) {
        return s_fail(
            result,
            ECC_SIGV4_SCOPE_MISMATCH,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%.*s' != "
            "'%.8s', from '%s'.",
            (int)(lens[1] > 32 ? 32 : lens[1]),
            parts[1],
            auth->date,
            auth->date);
    }
    if (lens[2] != strlen(verifier->region) || memcmp(parts[2], verifier->region, lens[2]) != 0) {
        return s_fail(
            result,
            ECC_SIGV4_SCOPE_MISMATCH,
            "Credential should be scoped to a valid region, not '%.*s'. This endpoint serves '%s'.",
            (int)(lens[2] > 64 ? 64 : lens[2]),
            parts[2],
            verifier->region);
    }
    if (lens[3] != strlen(verifier->service) || memcmp(parts[3], verifier->service, lens[3]) != 0) {
        return s_fail(
            result,
            ECC_SIGV4_SCOPE_MISMATCH,
            "Credential should be scoped to correct service: '%s'.",
            verifier->service);
    }
    if (lens[4] != 12 || memcmp(parts[4], "aws4_request", 12) != 0) {
        return s_fail(
            result,
            ECC_SIGV4_SCOPE_MISMATCH,
            "Credential should be scoped with a valid terminator: 'aws4_request', not '%.*s'.",
            (int)(lens[4] > 64 ? 64 : lens[4]),
            parts[4]);
    }

    /* Key and session token */
    const struct s_key *key = s_find_key(verifier, result->access_key_id);
    if (!key) {
        return s_fail(result, ECC_SIGV4_UNKNOWN_KEY, "The security token included in the request is invalid.");
    }
    if (!result->presigned) {
        const char *token = ecc_http_headers_get(&request->headers, "x-amz-security-token");
        auth->has_token = token && s_copy(auth->token, sizeof(auth->token), token, strlen(token));
        if (token && !auth->has_token) {
            return s_fail(result, ECC_SIGV4_INVALID_TOKEN, "The security token included in the request is invalid.");
        }
    }
    int64_t now_s = s_now(verifier->clock, verifier->clock_user_data);
    if (key->session_token || auth->has_token) {
        if (!key->session_token || !auth->has_token || !s_token_equal(key->session_token, auth->token)) {
            return s_fail(result, ECC_SIGV4_INVALID_TOKEN, "The security token included in the request is invalid.");
        }
        if (key->token_expires_at_s && now_s > key->token_expires_at_s) {
            return s_fail(result, ECC_SIGV4_EXPIRED_TOKEN, "The security token included in the request is expired");
        }
    }

    /* Time */
    char now_text[ECC_SIGV4_DATE_LEN], edge_text[ECC_SIGV4_DATE_LEN], skew_text[32];
    ecc_sigv4_format_date(now_s, now_text);
    s_skew_text(verifier->max_skew_s, skew_text, sizeof(skew_text));
    if (request_s > now_s + verifier->max_skew_s) {
        ecc_sigv4_format_date(now_s + verifier->max_skew_s, edge_text);
        return s_fail(
            result,
            ECC_SIGV4_SIGNATURE_NOT_YET_CURRENT,
            "Signature not yet current: %s is still later than %s (%s + %s)",
            auth->date,
            edge_text,
            now_text,
            skew_text);
    }
    if (result->presigned) {
        char *end = NULL;
        long long expires = strtoll(auth->expires, &end, 10);
        if (!auth->expires[0] || *end || auth->expires[0] == '+' || auth->expires[0] == '-' || expires < 1 ||
            expires > ECC_SIGV4_MAX_EXPIRES_S) {
            return s_fail(
                result,
                ECC_SIGV4_INCOMPLETE_SIGNATURE,
                "X-Amz-Expires must be a whole number of seconds from 1 to %d, got '%.32s'",
                ECC_SIGV4_MAX_EXPIRES_S,
                auth->expires);
        }
        if (now_s > request_s + expires) {
            ecc_sigv4_format_date(request_s + expires, edge_text);
            return s_fail(
                result,
                ECC_SIGV4_PRESIGN_EXPIRED,
                "Signature expired: the presigned request signed at %s with X-Amz-Expires=%lld expired at %s (now %s)",
                auth->date,
                expires,
                edge_text,
                now_text);
        }
    } else if (request_s < now_s - verifier->max_skew_s) {
        ecc_sigv4_format_date(now_s - verifier->max_skew_s, edge_text);
        return s_fail(
            result,
            ECC_SIGV4_SIGNATURE_EXPIRED,
            "Signature expired: %s is now earlier than %s (%s - %s)",
            auth->date,
            edge_text,
            now_text,
            skew_text);
    }

    /* Payload hash */
    char payload_hash[2 * S_SHA256_LEN + 1];
    uint8_t digest[S_SHA256_LEN];
    s_sha256(request->body ? (const void *)request->body : "", request->body_len, digest);
    ecc_hex_encode(digest, S_SHA256_LEN, payload_hash);
    const char *claimed = ecc_http_headers_get(&request->headers, "x-amz-content-sha256");
    if (claimed && strcmp(claimed, ECC_SIGV4_UNSIGNED_PAYLOAD) == 0) {
        if (!verifier->allow_unsigned_payload) {
            return s_fail(
                result,
                ECC_SIGV4_PAYLOAD_HASH_MISMATCH,
                "x-amz-content-sha256: UNSIGNED-PAYLOAD is not accepted: this endpoint authenticates the body");
        }
        snprintf(payload_hash, sizeof(payload_hash), "%s", ECC_SIGV4_UNSIGNED_PAYLOAD);
    } else if (claimed && strcmp(claimed, payload_hash) != 0) {
        return s_fail(
            result,
            ECC_SIGV4_PAYLOAD_HASH_MISMATCH,
            "The x-amz-content-sha256 header does not match the SHA-256 of the body the endpoint received");
    }

    /* Recompute with the signer's canonicalization. */
    struct ecc_sigv4_signer *ctx = &scratch->ctx;
    struct s_canon_input in = {
        .request = request,
        .query = request->query,
        .rules = verifier->rules,
        .selection = {auth->signed_headers, false},
        .skip_signature_param = result->presigned,
        .payload_hash = payload_hash,
    };
    struct s_scope scope;
    s_scope_init(&scope, auth->date, verifier->region, verifier->region_len, verifier->service, verifier->service_len);
    /* A presigned URL has no header to say its payload hash: when the endpoint allows unsigned payloads,
     * UNSIGNED-PAYLOAD (what the signer's query mode uses for them, and S3's rule) is the second guess. */
    const char *payload_hashes[2] = {payload_hash, NULL};
    if (result->presigned && !claimed && verifier->allow_unsigned_payload) {
        payload_hashes[1] = ECC_SIGV4_UNSIGNED_PAYLOAD;
    }
    enum ecc_status status = ECC_OK;
    bool matched = false;
    for (size_t i = 0; i < ECC_ARRAY_LEN(payload_hashes) && payload_hashes[i] && !matched && status == ECC_OK; i++) {
        in.payload_hash = payload_hashes[i];
        ecc_buf_reset(&ctx->signed_headers);
        status = s_build_canonical_request(ctx, &in, &ctx->signed_headers);
        if (status == ECC_OK) {
            struct s_hmac_key derived;
            const struct s_hmac_key *signing_key = s_signing_key(
                verifier->cache,
                &ctx->key_memo,
                key->secret_access_key,
                strlen(key->secret_access_key),
                &scope,
                &derived);
            status = s_sign_canonical(ctx, auth->date, &scope, signing_key);
            if (signing_key == &derived) {
                ecc_secure_zero(&derived, sizeof(derived));
            }
        }
        matched = status == ECC_OK && ecc_ct_equal(ctx->signature, auth->signature, 64);
    }
    if (status == ECC_OK && !matched) {
        s_fail(
            result,
            ECC_SIGV4_SIGNATURE_MISMATCH,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
            "Access Key and signing method. Consult the service documentation for details.");
        status = ecc_buf_append(
            &result->expected_canonical_request, ctx->canonical_request.data, ctx->canonical_request.len);
        if (status == ECC_OK) {
            status =
                ecc_buf_append(&result->expected_string_to_sign, ctx->string_to_sign.data, ctx->string_to_sign.len);
        }
    }
    return status;
}

enum ecc_status ecc_sigv4_verify(
    const struct ecc_sigv4_verifier *verifier,
    const struct ecc_http_request *request,
    struct ecc_sigv4_verify_result *result) {
    result->outcome = ECC_SIGV4_VERIFIED;
    result->message[0] = '\0';
    result->access_key_id[0] = '\0';
    result->presigned = false;
    ecc_buf_reset(&result->expected_canonical_request);
    ecc_buf_reset(&result->expected_string_to_sign);

    size_t header_count = ecc_http_headers_count_name(&request->headers, "authorization");
    bool query_form = s_has_query_auth(request->query);
    if (header_count == 0 && !query_form) {
        return s_fail(result, ECC_SIGV4_MISSING_AUTHENTICATION, "Missing Authentication Token");
    }
    if (header_count > 0 && query_form) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header "
            "should be specified");
    }
    if (header_count > 1) {
        return s_fail(result, ECC_SIGV4_INCOMPLETE_SIGNATURE, "the Authorization header appears more than once");
    }
    struct s_scratch *scratch = s_pool_take(verifier->pool);
    if (!scratch) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status;
    if (query_form) {
        result->presigned = true;
        status = s_parse_query_auth(request->query, &scratch->auth, result);
    } else {
        status =
            s_parse_authorization(ecc_http_headers_get(&request->headers, "authorization"), &scratch->auth, result);
    }
    if (status == ECC_OK && result->outcome == ECC_SIGV4_VERIFIED) {
        status = s_verify_parsed(verifier, request, scratch, result);
    }
    s_pool_give(verifier->pool, scratch);
    return status;
}

/* ------------------------------------------------------------------------------------------------ */
/* Request text                                                                                     */

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
            const char *first_space = memchr(line, ' ', line_len);
            const char *last_space = line + line_len;
            while (last_space > line && last_space[-1] != ' ') {
                last_space--;
            }
            /* The text is not NUL-terminated: compare only bytes inside the line. */
            size_t version_len = (size_t)(line + line_len - last_space);
            if (!first_space || last_space - 1 <= first_space || version_len < 5 ||
                memcmp(last_space, "HTTP/", 5) != 0) {
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
            continue;
        }
        if (line_len == 0) {
            in_headers = false;
            break;
        }
        if (line[0] == ' ' || line[0] == '\t') {
            /* obs-fold: the line continues the previous value; keep it raw so it is written back as is. */
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
    }
    if (diag && status == ECC_OK) {
        diag->line = 0;
    }
    return status;
}

enum ecc_status ecc_sigv4_format_request_text(const struct ecc_http_request *request, struct ecc_buf *out) {
    enum ecc_status status = ecc_buf_printf(
        out,
        "%s %s%s%s HTTP/1.1\n",
        request->method ? request->method : "",
        request->path ? request->path : "/",
        request->query ? "?" : "",
        request->query ? request->query : "");
    for (size_t i = 0; i < request->headers.count && status == ECC_OK; i++) {
        status = ecc_buf_printf(out, "%s:%s\n", request->headers.items[i].name, request->headers.items[i].value);
    }
    if (status == ECC_OK) {
        status = ecc_buf_append_byte(out, '\n');
    }
    if (status == ECC_OK && request->body_len) {
        status = ecc_buf_append(out, request->body, request->body_len);
    }
    return status;
}

/*
 * SigV4 keys: SHA-256, HMAC with precomputed key pads, the credential scope, the signing-key derivation
 * (kSigning) and the key cache a signer or verifier may share across threads. Part of the SigV4 module;
 * sigv4_internal.h says how the parts fit and why the hashing uses SHA256_* rather than EVP.
 */
#include "sigv4_internal.h"

#include <pthread.h>
#include <stdlib.h>

/* ------------------------------------------------------------------------------------------------ */
/* SHA-256 and HMAC                                                                                 */

static void s_hmac_key_init(struct sigv4_hmac_key *key, const void *secret, size_t len) {
    uint8_t block[SIGV4_SHA256_BLOCK] = {0};
    if (len > SIGV4_SHA256_BLOCK) {
        sigv4_sha256(secret, len, block);
    } else if (len) {
        memcpy(block, secret, len);
    }
    for (size_t i = 0; i < SIGV4_SHA256_BLOCK; i++) {
        block[i] ^= 0x36;
    }
    SHA256_Init(&key->inner);
    SHA256_Update(&key->inner, block, SIGV4_SHA256_BLOCK);
    for (size_t i = 0; i < SIGV4_SHA256_BLOCK; i++) {
        block[i] ^= 0x36 ^ 0x5c;
    }
    SHA256_Init(&key->outer);
    SHA256_Update(&key->outer, block, SIGV4_SHA256_BLOCK);
    ecc_secure_zero(block, sizeof(block));
}

void sigv4_scope_init(
    struct sigv4_scope *scope,
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
static void s_derive_signing_key(
    const char *secret, size_t secret_len, const struct sigv4_scope *scope, struct sigv4_hmac_key *out) {
    uint8_t k[SIGV4_SHA256_LEN];
    struct sigv4_hmac_key key;
    /* Hashes a long key, then runs every HMAC; wiped once, at the end. */
    SHA256_CTX work;
    /* "AWS4" + secret, hashed down first when longer than a block (HMAC's own rule). */
    uint8_t short_key[SIGV4_SHA256_BLOCK];
    if (secret_len + 4 > SIGV4_SHA256_BLOCK) {
        SHA256_Init(&work);
        SHA256_Update(&work, "AWS4", 4);
        SHA256_Update(&work, secret, secret_len);
        SHA256_Final(k, &work);
        s_hmac_key_init(&key, k, SIGV4_SHA256_LEN);
    } else {
        memcpy(short_key, "AWS4", 4);
        memcpy(short_key + 4, secret, secret_len);
        s_hmac_key_init(&key, short_key, secret_len + 4);
        ecc_secure_zero(short_key, sizeof(short_key));
    }
    sigv4_hmac(&key, scope->date8, 8, &work, k);
    s_hmac_key_init(&key, k, SIGV4_SHA256_LEN);
    sigv4_hmac(&key, scope->region, scope->region_len, &work, k);
    s_hmac_key_init(&key, k, SIGV4_SHA256_LEN);
    sigv4_hmac(&key, scope->service, scope->service_len, &work, k);
    s_hmac_key_init(&key, k, SIGV4_SHA256_LEN);
    sigv4_hmac(&key, "aws4_request", 12, &work, k);
    s_hmac_key_init(out, k, SIGV4_SHA256_LEN);
    ecc_secure_zero(k, sizeof(k));
    ecc_secure_zero(&work, sizeof(work));
    ecc_secure_zero(&key, sizeof(key));
}

/* ------------------------------------------------------------------------------------------------ */
/* Key cache                                                                                        */

struct ecc_sigv4_key_cache {
    pthread_mutex_t lock;
    struct sigv4_cache_entry *entries;
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

static bool s_entry_matches(
    const struct sigv4_cache_entry *entry, const char *secret, size_t secret_len, const struct sigv4_scope *scope) {
    return entry->used && entry->secret_len == secret_len && entry->region_len == scope->region_len &&
           entry->service_len == scope->service_len && memcmp(entry->date8, scope->date8, 8) == 0 &&
           ecc_ct_equal(entry->region, scope->region, scope->region_len) &&
           ecc_ct_equal(entry->service, scope->service, scope->service_len) &&
           ecc_ct_equal(entry->secret, secret, secret_len);
}

const struct sigv4_hmac_key *sigv4_signing_key(
    struct ecc_sigv4_key_cache *cache,
    struct sigv4_key_memo *memo,
    const char *secret,
    size_t secret_len,
    const struct sigv4_scope *scope,
    struct sigv4_hmac_key *derived) {
    if (!cache || secret_len >= SIGV4_CACHE_SECRET || scope->region_len >= SIGV4_CACHE_FIELD ||
        scope->service_len >= SIGV4_CACHE_FIELD) {
        s_derive_signing_key(secret, secret_len, scope, derived);
        return derived;
    }
    if (memo->cache == cache && s_entry_matches(&memo->entry, secret, secret_len, scope)) {
        __atomic_fetch_add(&cache->hits, 1, __ATOMIC_RELAXED);
        return &memo->entry.key;
    }
    pthread_mutex_lock(&cache->lock);
    struct sigv4_cache_entry *victim = &cache->entries[0];
    for (size_t i = 0; i < cache->count; i++) {
        struct sigv4_cache_entry *entry = &cache->entries[i];
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
        struct sigv4_cache_entry *entries = calloc(count, sizeof(*entries));
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
    unsigned char class = s_scope_byte_class[p[0]];
    while (!(class & (refused | S_SCOPE_END))) {
        len++;
        class = s_scope_byte_class[p[len]];
    }
    return class == S_SCOPE_END && len <= max_len ? len : 0;
}

size_t sigv4_valid_name_len(const char *text) {
    return s_scope_part_len(text, 255, S_NOT_IN_NAME);
}

size_t sigv4_access_key_id_len(const char *text) {
    return s_scope_part_len(text, SIZE_MAX, S_NOT_IN_KEY_ID);
}

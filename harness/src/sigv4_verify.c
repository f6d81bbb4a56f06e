/*
 * The SigV4 verifier: reads a signature from the Authorization header or the presigned query, checks it
 * in the order AWS reports failures (shape, date, signed headers, scope, key and session token, clock
 * skew or presign expiry, payload hash) and recomputes it with the signer's own canonicalization
 * (sigv4_canonical.c). Each failure is a typed outcome mapped to the AWS error name and status. Part of
 * the SigV4 module (sigv4_internal.h).
 */
#include "sigv4_internal.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

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
    struct sigv4_canon_rules rules;
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
    if (!sigv4_valid_name_len(options->region) || !sigv4_valid_name_len(options->service)) {
        ecc_diag_set(diag, "the verifier needs a region and a service without '/' or blanks");
        return NULL;
    }
    if (options->max_skew_s < 0) {
        ecc_diag_set(diag, "the allowed clock skew must not be negative");
        return NULL;
    }
    struct ecc_sigv4_verifier *verifier = calloc(1, sizeof(*verifier));
    if (!verifier) {
        goto on_error;
    }
    verifier->region = ecc_strdup(options->region);
    verifier->region_len = strlen(options->region);
    verifier->service = ecc_strdup(options->service);
    verifier->service_len = strlen(options->service);
    verifier->keys = calloc(options->key_count ? options->key_count : 1, sizeof(*verifier->keys));
    verifier->cache = ecc_sigv4_key_cache_new(64);
    verifier->pool = s_pool_new();
    if (!verifier->region || !verifier->service || !verifier->keys || !verifier->cache || !verifier->pool) {
        goto on_error;
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
            goto on_error;
        }
    }
    verifier->max_skew_s = options->max_skew_s ? options->max_skew_s : ECC_SIGV4_DEFAULT_SKEW_S;
    verifier->rules.keep_path_unnormalized = options->keep_path_unnormalized;
    verifier->rules.single_encode_path = options->single_encode_path;
    verifier->allow_unsigned_payload = options->allow_unsigned_payload;
    verifier->clock = options->clock;
    verifier->clock_user_data = options->clock_user_data;
    return verifier;
on_error:
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
    sigv4_context_clean_up(&scratch->ctx);
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
            sigv4_context_init(&scratch->ctx);
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
        int count = sigv4_query_param(query, params[i].name, params[i].slot, params[i].size, &too_long);
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
            if (!sigv4_is_token_char(p[i])) {
                return false;
            }
        }
        if (prev && sigv4_compare_bytes(prev, prev_len, p, len) >= 0) {
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

/* What the checks after the parse learn and pass on. */
struct s_check {
    const char *parts[5]; /* the Credential's keyid/date/region/service/terminator */
    size_t lens[5];
    int64_t request_s;
    const char *date_name; /* the header the request date came from: "x-amz-date" or "date" */
    const struct s_key *key;
    int64_t now_s;
    const char *claimed_hash; /* the request's x-amz-content-sha256, NULL when absent */
    char payload_hash[2 * SIGV4_SHA256_LEN + 1];
};

/* Whether a step ended the verification: an internal error or a failed check. */
static bool s_stopped(enum ecc_status status, const struct ecc_sigv4_verify_result *result) {
    return status != ECC_OK || result->outcome != ECC_SIGV4_VERIFIED;
}

/* Credential (keyid/date/region/service/aws4_request), Signature and SignedHeaders by their shapes. */
static enum ecc_status
s_check_shapes(const struct s_auth *auth, struct s_check *check, struct ecc_sigv4_verify_result *result) {
    size_t n = 0;
    const char *p = auth->credential;
    while (n < 5) {
        size_t len = strcspn(p, "/");
        check->parts[n] = p;
        check->lens[n++] = len;
        if (!p[len]) {
            break;
        }
        p += len + 1;
    }
    bool shape_ok = n == 5 && !strchr(check->parts[4], '/');
    for (size_t i = 0; shape_ok && i < 5; i++) {
        shape_ok = check->lens[i] > 0;
    }
    if (!shape_ok) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got "
            "'%.200s'",
            auth->credential);
    }
    s_copy(
        result->access_key_id,
        sizeof(result->access_key_id),
        check->parts[0],
        check->lens[0] < 128 ? check->lens[0] : 128);
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
    return ECC_OK;
}

/* The request date: X-Amz-Date (query or header), else the Date header. */
static enum ecc_status s_read_date(
    const struct ecc_http_request *request,
    struct s_auth *auth,
    struct s_check *check,
    struct ecc_sigv4_verify_result *result) {
    check->request_s = 0;
    check->date_name = "x-amz-date";
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
            check->date_name = "date";
            if (sigv4_parse_http_date(http_date, &check->request_s) != ECC_OK) {
                return s_fail(
                    result,
                    ECC_SIGV4_INCOMPLETE_SIGNATURE,
                    "Date header must be an IMF-fixdate such as 'Sun, 30 Aug 2015 12:36:00 GMT', got '%.64s'",
                    http_date);
            }
            ecc_sigv4_format_date(check->request_s, auth->date);
            auth->has_date = true;
        } else {
            return s_fail(
                result,
                ECC_SIGV4_INCOMPLETE_SIGNATURE,
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
    }
    if (!auth->has_date || ecc_sigv4_parse_date(auth->date, &check->request_s) != ECC_OK) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "Date must be in ISO-8601 'basic format'. Got '%.64s'. See http://en.wikipedia.org/wiki/ISO_8601",
            auth->has_date ? auth->date : "");
    }
    return ECC_OK;
}

/* Host and the date header signed; every signed name carried by the request. */
static enum ecc_status s_check_signed_headers(
    const struct ecc_http_request *request,
    const struct s_auth *auth,
    const struct s_check *check,
    struct ecc_sigv4_verify_result *result) {
    if (!sigv4_in_list(auth->signed_headers, "host", 4)) {
        return s_fail(
            result,
            ECC_SIGV4_HOST_NOT_SIGNED,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }
    const char *date_name = check->date_name;
    if (!result->presigned && !sigv4_in_list(auth->signed_headers, date_name, strlen(date_name))) {
        return s_fail(
            result,
            ECC_SIGV4_INCOMPLETE_SIGNATURE,
            "'%s' must be a 'SignedHeader' in the AWS Authorization.",
            strcmp(date_name, "date") == 0 ? "Date" : "X-Amz-Date");
    }
    for (const char *name = auth->signed_headers; *name;) {
        size_t len = strcspn(name, ";");
        char one[SIGV4_MAX_HEADER_NAME_BYTES + 1];
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
    return ECC_OK;
}

/* The Credential's date, region, service and terminator against the request date and this endpoint. */
static enum ecc_status s_check_scope(
    const struct ecc_sigv4_verifier *verifier,
    const struct s_auth *auth,
    const struct s_check *check,
    struct ecc_sigv4_verify_result *result) {
    const char *const *parts = check->parts;
    const size_t *lens = check->lens;
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
    return ECC_OK;
}

/* A key this endpoint knows, and the session token it was issued with (unexpired). */
static enum ecc_status s_check_key(
    const struct ecc_sigv4_verifier *verifier,
    const struct ecc_http_request *request,
    struct s_auth *auth,
    struct s_check *check,
    struct ecc_sigv4_verify_result *result) {
    const struct s_key *key = s_find_key(verifier, result->access_key_id);
    if (!key) {
        return s_fail(result, ECC_SIGV4_UNKNOWN_KEY, "The security token included in the request is invalid.");
    }
    check->key = key;
    if (!result->presigned) {
        const char *token = ecc_http_headers_get(&request->headers, "x-amz-security-token");
        auth->has_token = token && s_copy(auth->token, sizeof(auth->token), token, strlen(token));
        if (token && !auth->has_token) {
            return s_fail(result, ECC_SIGV4_INVALID_TOKEN, "The security token included in the request is invalid.");
        }
    }
    check->now_s = sigv4_now(verifier->clock, verifier->clock_user_data);
    if (key->session_token || auth->has_token) {
        if (!key->session_token || !auth->has_token || !s_token_equal(key->session_token, auth->token)) {
            return s_fail(result, ECC_SIGV4_INVALID_TOKEN, "The security token included in the request is invalid.");
        }
        if (key->token_expires_at_s && check->now_s > key->token_expires_at_s) {
            return s_fail(result, ECC_SIGV4_EXPIRED_TOKEN, "The security token included in the request is expired");
        }
    }
    return ECC_OK;
}

/* The request date within the allowed skew of the clock, or a presigned URL within X-Amz-Expires. */
static enum ecc_status s_check_time(
    const struct ecc_sigv4_verifier *verifier,
    const struct s_auth *auth,
    const struct s_check *check,
    struct ecc_sigv4_verify_result *result) {
    int64_t now_s = check->now_s;
    int64_t request_s = check->request_s;
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
    return ECC_OK;
}

/* The body's SHA-256 against x-amz-content-sha256 when the request claims one; UNSIGNED-PAYLOAD only
 * where the endpoint allows it. */
static enum ecc_status s_check_payload_hash(
    const struct ecc_sigv4_verifier *verifier,
    const struct ecc_http_request *request,
    struct s_check *check,
    struct ecc_sigv4_verify_result *result) {
    uint8_t digest[SIGV4_SHA256_LEN];
    sigv4_sha256(request->body ? (const void *)request->body : "", request->body_len, digest);
    ecc_hex_encode(digest, SIGV4_SHA256_LEN, check->payload_hash);
    const char *claimed = ecc_http_headers_get(&request->headers, "x-amz-content-sha256");
    check->claimed_hash = claimed;
    if (claimed && strcmp(claimed, ECC_SIGV4_UNSIGNED_PAYLOAD) == 0) {
        if (!verifier->allow_unsigned_payload) {
            return s_fail(
                result,
                ECC_SIGV4_PAYLOAD_HASH_MISMATCH,
                "x-amz-content-sha256: UNSIGNED-PAYLOAD is not accepted: this endpoint authenticates the body");
        }
        snprintf(check->payload_hash, sizeof(check->payload_hash), "%s", ECC_SIGV4_UNSIGNED_PAYLOAD);
    } else if (claimed && strcmp(claimed, check->payload_hash) != 0) {
        return s_fail(
            result,
            ECC_SIGV4_PAYLOAD_HASH_MISMATCH,
            "The x-amz-content-sha256 header does not match the SHA-256 of the body the endpoint received");
    }
    return ECC_OK;
}

/* Recomputes the signature with the signer's canonicalization and compares it in constant time; on a
 * mismatch the result gets the canonical request and string to sign this side expected. */
static enum ecc_status s_check_signature(
    const struct ecc_sigv4_verifier *verifier,
    const struct ecc_http_request *request,
    struct s_scratch *scratch,
    const struct s_check *check,
    struct ecc_sigv4_verify_result *result) {
    const struct s_auth *auth = &scratch->auth;
    struct ecc_sigv4_signer *ctx = &scratch->ctx;
    struct sigv4_canon_input in = {
        .request = request,
        .query = request->query,
        .rules = verifier->rules,
        .selection = {auth->signed_headers, false},
        .skip_signature_param = result->presigned,
        .payload_hash = check->payload_hash,
    };
    struct sigv4_scope scope;
    sigv4_scope_init(
        &scope, auth->date, verifier->region, verifier->region_len, verifier->service, verifier->service_len);
    /* A presigned URL has no header to say its payload hash: when the endpoint allows unsigned payloads,
     * UNSIGNED-PAYLOAD (what the signer's query mode uses for them, and S3's rule) is the second guess. */
    const char *payload_hashes[2] = {check->payload_hash, NULL};
    if (result->presigned && !check->claimed_hash && verifier->allow_unsigned_payload) {
        payload_hashes[1] = ECC_SIGV4_UNSIGNED_PAYLOAD;
    }
    const char *secret = check->key->secret_access_key;
    for (size_t i = 0; i < ECC_ARRAY_LEN(payload_hashes) && payload_hashes[i]; i++) {
        in.payload_hash = payload_hashes[i];
        ecc_buf_reset(&ctx->signed_headers);
        enum ecc_status status = sigv4_build_canonical_request(ctx, &in, &ctx->signed_headers);
        if (status != ECC_OK) {
            return status;
        }
        struct sigv4_hmac_key derived;
        const struct sigv4_hmac_key *signing_key =
            sigv4_signing_key(verifier->cache, &ctx->key_memo, secret, strlen(secret), &scope, &derived);
        status = sigv4_sign_canonical(ctx, auth->date, &scope, signing_key);
        if (signing_key == &derived) {
            ecc_secure_zero(&derived, sizeof(derived));
        }
        if (status != ECC_OK) {
            return status;
        }
        if (ecc_ct_equal(ctx->signature, auth->signature, 64)) {
            return ECC_OK;
        }
    }
    s_fail(
        result,
        ECC_SIGV4_SIGNATURE_MISMATCH,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
        "Access Key and signing method. Consult the service documentation for details.");
    enum ecc_status status =
        ecc_buf_append(&result->expected_canonical_request, ctx->canonical_request.data, ctx->canonical_request.len);
    if (status != ECC_OK) {
        return status;
    }
    return ecc_buf_append(&result->expected_string_to_sign, ctx->string_to_sign.data, ctx->string_to_sign.len);
}

/* Everything after the signature's parts have been parsed: checks in the order AWS reports them. */
static enum ecc_status s_verify_parsed(
    const struct ecc_sigv4_verifier *verifier,
    const struct ecc_http_request *request,
    struct s_scratch *scratch,
    struct ecc_sigv4_verify_result *result) {
    struct s_auth *auth = &scratch->auth;
    struct s_check check = {0};
    enum ecc_status status = s_check_shapes(auth, &check, result);
    if (s_stopped(status, result)) {
        return status;
    }
    status = s_read_date(request, auth, &check, result);
    if (s_stopped(status, result)) {
        return status;
    }
    status = s_check_signed_headers(request, auth, &check, result);
    if (s_stopped(status, result)) {
        return status;
    }
    status = s_check_scope(verifier, auth, &check, result);
    if (s_stopped(status, result)) {
        return status;
    }
    status = s_check_key(verifier, request, auth, &check, result);
    if (s_stopped(status, result)) {
        return status;
    }
    status = s_check_time(verifier, auth, &check, result);
    if (s_stopped(status, result)) {
        return status;
    }
    status = s_check_payload_hash(verifier, request, &check, result);
    if (s_stopped(status, result)) {
        return status;
    }
    return s_check_signature(verifier, request, scratch, &check, result);
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
    bool query_form = sigv4_has_query_auth(request->query);
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
    if (status != ECC_OK) {
        goto done;
    }
    if (result->outcome == ECC_SIGV4_VERIFIED) { /* else the parse has judged already */
        status = s_verify_parsed(verifier, request, scratch, result);
    }
done:
    s_pool_give(verifier->pool, scratch);
    return status;
}

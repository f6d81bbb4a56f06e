/*
 * SigV4 signing cost against the crypto floor, measured in the same process.
 *
 * The request is a realistic RunTask call: POST /, Host, Content-Type, X-Amz-Target, a 660-byte JSON
 * body, so a 272-byte canonical request. Measured per signature:
 *   - ecsconf, full: signing-key derivation on every call (no cache)
 *   - ecsconf, cached: the signing key from the key cache
 * and the floor, the same hashing alone (SHA-256 of the body and of a 272-byte canonical request, the
 * four-step key derivation for "full", one HMAC of the string to sign), with three OpenSSL 3 APIs:
 *   - EVP: EVP_Digest with a pre-fetched EVP_MD, and one reused EVP_MAC_CTX (EVP_MAC_init per HMAC)
 *   - low-level: SHA256_* and one reused HMAC_CTX (HMAC_Init_ex per HMAC)
 *   - low-level with precomputed HMAC key state (SHA256_CTX pads, what the signer uses)
 * The ratios are against the cheapest floor. Goals: full <= 1.5x, cached <= 1.3x.
 *
 *   bench_sigv4 [iterations]   (default 400000 per variant, in 40 interleaved rounds; the best round
 *                              of each variant is reported)
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ecc/sigv4.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BODY_LEN 660
#define CREQ_LEN 272
#define ROUNDS   40

static const int64_t s_signed_at = 1440938160;
static volatile uint8_t s_sink;

static int64_t s_clock(void *user_data) {
    return *(const int64_t *)user_data;
}

/* Thread CPU time, not wall time: on a shared machine the time this thread is not scheduled is not
 * charged to whatever it was running. */
static double s_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static char s_body[BODY_LEN + 1];
static char s_creq[CREQ_LEN + 1];
static const char s_sts[] = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/ecs/aws4_request\n"
                            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static const char s_secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

static void s_make_body(void) {
    const char *head =
        "{\"cluster\":\"production\",\"taskDefinition\":\"web-frontend:42\",\"count\":2,\"launchType\":\"FARGATE\","
        "\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"subnet-0123456789abcdef0\","
        "\"subnet-0fedcba9876543210\"],\"securityGroups\":[\"sg-0123456789abcdef0\"],\"assignPublicIp\":"
        "\"DISABLED\"}},\"overrides\":{\"containerOverrides\":[{\"name\":\"web\",\"environment\":[{\"name\":"
        "\"STAGE\",\"value\":\"prod\"},{\"name\":\"REGION\",\"value\":\"us-east-1\"}]}]},\"tags\":[{\"key\":"
        "\"team\",\"value\":\"platform\"}],\"clientToken\":\"";
    const char *tail = "\",\"startedBy\":\"ecsconf-bench\"}";
    size_t head_len = strlen(head), tail_len = strlen(tail);
    if (head_len + tail_len > BODY_LEN) {
        exit(1);
    }
    size_t fill = BODY_LEN - head_len - tail_len;
    memcpy(s_body, head, head_len);
    for (size_t i = 0; i < fill; i++) {
        s_body[head_len + i] = "0123456789abcdef"[i % 16];
    }
    memcpy(s_body + head_len + fill, tail, tail_len + 1);
    if (strlen(s_body) != BODY_LEN) {
        fprintf(stderr, "bench: body is %zu bytes, not %d\n", strlen(s_body), BODY_LEN);
        exit(1);
    }
}

static void s_make_request(struct ecc_http_request *request) {
    ecc_http_request_init(request);
    if (ecc_http_request_set_line(request, "POST", "/", NULL) != ECC_OK ||
        ecc_http_headers_add(&request->headers, "Host", "ecs.us-east-1.amazonaws.com") != ECC_OK ||
        ecc_http_headers_add(&request->headers, "Content-Type", "application/x-amz-json-1.1") != ECC_OK ||
        ecc_http_headers_add(&request->headers, "X-Amz-Target", "AmazonEC2ContainerServiceV20141113.RunTask") !=
            ECC_OK ||
        ecc_http_request_set_body(request, s_body, BODY_LEN) != ECC_OK) {
        exit(1);
    }
}

/* ------------------------------------------------------------------------------------------------ */
/* Floors                                                                                           */

struct s_evp {
    EVP_MD *md;
    EVP_MAC_CTX *mac;
    OSSL_PARAM params[2];
};

static void
s_evp_hmac(struct s_evp *evp, const void *key, size_t key_len, const void *msg, size_t len, uint8_t out[32]) {
    size_t out_len = 0;
    if (EVP_MAC_init(evp->mac, key, key_len, evp->params) != 1 || EVP_MAC_update(evp->mac, msg, len) != 1 ||
        EVP_MAC_final(evp->mac, out, &out_len, 32) != 1) {
        exit(1);
    }
}

static void s_floor_evp(struct s_evp *evp, bool derive) {
    uint8_t digest[32], k[32];
    EVP_Digest(s_body, BODY_LEN, digest, NULL, evp->md, NULL);
    EVP_Digest(s_creq, CREQ_LEN, digest, NULL, evp->md, NULL);
    if (derive) {
        char k_secret[64];
        memcpy(k_secret, "AWS4", 4);
        memcpy(k_secret + 4, s_secret, sizeof(s_secret) - 1);
        s_evp_hmac(evp, k_secret, sizeof(s_secret) + 3, "20150830", 8, k);
        s_evp_hmac(evp, k, 32, "us-east-1", 9, k);
        s_evp_hmac(evp, k, 32, "ecs", 3, k);
        s_evp_hmac(evp, k, 32, "aws4_request", 12, k);
    } else {
        memset(k, 7, sizeof(k));
    }
    s_evp_hmac(evp, k, 32, s_sts, sizeof(s_sts) - 1, digest);
    s_sink ^= digest[0];
}

/* SHA256_Init/Update/Final: the direct low-level path (the SHA256() one-shot goes through EVP_Q_digest
 * and a provider fetch per call in OpenSSL 3). */
static void s_low_sha256(const void *data, size_t len, uint8_t out[32]) {
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, data, len);
    SHA256_Final(out, &ctx);
}

static void s_ctx_hmac(HMAC_CTX *ctx, const void *key, size_t key_len, const void *msg, size_t len, uint8_t out[32]) {
    unsigned int out_len = 0;
    if (HMAC_Init_ex(ctx, key, (int)key_len, EVP_sha256(), NULL) != 1 || HMAC_Update(ctx, msg, len) != 1 ||
        HMAC_Final(ctx, out, &out_len) != 1) {
        exit(1);
    }
}

static void s_floor_low_level(HMAC_CTX *ctx, bool derive) {
    uint8_t digest[32], k[32];
    s_low_sha256(s_body, BODY_LEN, digest);
    s_low_sha256(s_creq, CREQ_LEN, digest);
    if (derive) {
        char k_secret[64];
        memcpy(k_secret, "AWS4", 4);
        memcpy(k_secret + 4, s_secret, sizeof(s_secret) - 1);
        s_ctx_hmac(ctx, k_secret, sizeof(s_secret) + 3, "20150830", 8, k);
        s_ctx_hmac(ctx, k, 32, "us-east-1", 9, k);
        s_ctx_hmac(ctx, k, 32, "ecs", 3, k);
        s_ctx_hmac(ctx, k, 32, "aws4_request", 12, k);
    } else {
        memset(k, 7, sizeof(k));
    }
    s_ctx_hmac(ctx, k, 32, s_sts, sizeof(s_sts) - 1, digest);
    s_sink ^= digest[0];
}

struct s_pads {
    SHA256_CTX inner, outer;
};

static void s_pads_init(struct s_pads *pads, const void *key, size_t len) {
    uint8_t block[64] = {0};
    memcpy(block, key, len); /* keys here are <= 64 bytes */
    for (size_t i = 0; i < 64; i++) {
        block[i] ^= 0x36;
    }
    SHA256_Init(&pads->inner);
    SHA256_Update(&pads->inner, block, 64);
    for (size_t i = 0; i < 64; i++) {
        block[i] ^= 0x36 ^ 0x5c;
    }
    SHA256_Init(&pads->outer);
    SHA256_Update(&pads->outer, block, 64);
}

static void s_pads_hmac(const struct s_pads *pads, const void *msg, size_t len, uint8_t out[32]) {
    SHA256_CTX ctx = pads->inner;
    SHA256_Update(&ctx, msg, len);
    SHA256_Final(out, &ctx);
    ctx = pads->outer;
    SHA256_Update(&ctx, out, 32);
    SHA256_Final(out, &ctx);
}

static void s_floor_pads(const struct s_pads *cached, bool derive) {
    uint8_t digest[32], k[32];
    s_low_sha256(s_body, BODY_LEN, digest);
    s_low_sha256(s_creq, CREQ_LEN, digest);
    struct s_pads pads;
    if (derive) {
        char k_secret[64];
        memcpy(k_secret, "AWS4", 4);
        memcpy(k_secret + 4, s_secret, sizeof(s_secret) - 1);
        s_pads_init(&pads, k_secret, sizeof(s_secret) + 3);
        s_pads_hmac(&pads, "20150830", 8, k);
        s_pads_init(&pads, k, 32);
        s_pads_hmac(&pads, "us-east-1", 9, k);
        s_pads_init(&pads, k, 32);
        s_pads_hmac(&pads, "ecs", 3, k);
        s_pads_init(&pads, k, 32);
        s_pads_hmac(&pads, "aws4_request", 12, k);
        s_pads_init(&pads, k, 32);
    } else {
        pads = *cached;
    }
    s_pads_hmac(&pads, s_sts, sizeof(s_sts) - 1, digest);
    s_sink ^= digest[0];
}

/* ------------------------------------------------------------------------------------------------ */

enum s_what { SIGN_FULL, SIGN_CACHED, FLOOR_EVP, FLOOR_LOW, FLOOR_PADS };

struct s_bench {
    struct ecc_sigv4_signer *signer;
    struct ecc_http_request request;
    struct ecc_sigv4_sign_options full, cached;
    struct s_evp evp;
    HMAC_CTX *hmac;
    struct s_pads pads;
};

static void s_once(struct s_bench *b, enum s_what what, bool derive) {
    switch (what) {
    case SIGN_FULL:
    case SIGN_CACHED:
        if (ecc_sigv4_signer_sign(b->signer, &b->request, what == SIGN_FULL ? &b->full : &b->cached, NULL) != ECC_OK) {
            exit(1);
        }
        break;
    case FLOOR_EVP:
        s_floor_evp(&b->evp, derive);
        break;
    case FLOOR_LOW:
        s_floor_low_level(b->hmac, derive);
        break;
    case FLOOR_PADS:
        s_floor_pads(&b->pads, derive);
        break;
    }
}

/* One round: microseconds per operation over `iterations` calls. */
static double s_round(struct s_bench *b, enum s_what what, bool derive, long iterations) {
    double start = s_now_ns();
    for (long i = 0; i < iterations; i++) {
        s_once(b, what, derive);
    }
    return (s_now_ns() - start) / (double)iterations / 1000.0;
}

int main(int argc, char **argv) {
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 400000;
    if (iterations < 1) {
        iterations = 1;
    }
    s_make_body();
    struct s_bench b;
    memset(&b, 0, sizeof(b));
    b.signer = ecc_sigv4_signer_new();
    s_make_request(&b.request);
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    int64_t now_s = s_signed_at;
    struct ecc_sigv4_key_cache *cache = ecc_sigv4_key_cache_new(0);
    if (!b.signer || !cache || ecc_credentials_set(&credentials, "AKIDEXAMPLE", s_secret, NULL, NULL) != ECC_OK) {
        return 1;
    }
    b.full = (struct ecc_sigv4_sign_options){
        .credentials = &credentials,
        .region = "us-east-1",
        .service = "ecs",
        .clock = s_clock,
        .clock_user_data = &now_s,
    };
    b.cached = b.full;
    b.cached.key_cache = cache;

    /* Check the request is the one described: a 272-byte canonical request. */
    s_once(&b, SIGN_FULL, true);
    size_t creq_len = strlen(ecc_sigv4_signer_canonical_request(b.signer));
    if (creq_len != CREQ_LEN) {
        fprintf(stderr, "bench: canonical request is %zu bytes, not %d\n", creq_len, CREQ_LEN);
        return 1;
    }
    memcpy(s_creq, ecc_sigv4_signer_canonical_request(b.signer), CREQ_LEN);

    b.evp.md = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    b.evp.mac = EVP_MAC_CTX_new(mac);
    b.evp.params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA256", 0);
    b.evp.params[1] = OSSL_PARAM_construct_end();
    b.hmac = HMAC_CTX_new();
    uint8_t key[32];
    memset(key, 7, sizeof(key));
    s_pads_init(&b.pads, key, sizeof(key));

    /* The machine may be shared: short rounds of every variant, interleaved, and the best round of each,
     * so a burst of load hits all variants alike and the minimum approaches the undisturbed cost. */
    double full = 1e30, cached = 1e30;
    double floors[2][3] = {{1e30, 1e30, 1e30}, {1e30, 1e30, 1e30}};
    long per_round = iterations / ROUNDS > 0 ? iterations / ROUNDS : 1;
    for (int round = 0; round < ROUNDS; round++) {
        double t = s_round(&b, SIGN_FULL, true, per_round);
        full = t < full ? t : full;
        t = s_round(&b, SIGN_CACHED, false, per_round);
        cached = t < cached ? t : cached;
        for (int derive = 0; derive < 2; derive++) {
            for (int api = 0; api < 3; api++) {
                t = s_round(&b, (enum s_what)(FLOOR_EVP + api), derive, per_round);
                floors[derive][api] = t < floors[derive][api] ? t : floors[derive][api];
            }
        }
    }
    double floor_full = floors[1][0], floor_cached = floors[0][0];
    for (int i = 1; i < 3; i++) {
        floor_full = floors[1][i] < floor_full ? floors[1][i] : floor_full;
        floor_cached = floors[0][i] < floor_cached ? floors[0][i] : floor_cached;
    }

    printf(
        "SigV4, RunTask request (%d-byte body, %d-byte canonical request): best of %d interleaved rounds of %ld\n",
        BODY_LEN,
        CREQ_LEN,
        ROUNDS,
        per_round);
    printf("%-58s %8s %8s\n", "", "full", "cached");
    printf("%-58s %8.3f %8.3f us\n", "floor: EVP (EVP_Digest, reused EVP_MAC_CTX)", floors[1][0], floors[0][0]);
    printf("%-58s %8.3f %8.3f us\n", "floor: low-level (SHA256, reused HMAC_CTX)", floors[1][1], floors[0][1]);
    printf("%-58s %8.3f %8.3f us\n", "floor: low-level, precomputed HMAC key state", floors[1][2], floors[0][2]);
    printf("%-58s %8.3f %8.3f us\n", "ecsconf signer (ecc_sigv4_signer_sign)", full, cached);
    printf(
        "%-58s %8.2fx %7.2fx   (goals: 1.50x, 1.30x)\n",
        "ratio to the cheapest floor",
        full / floor_full,
        cached / floor_cached);

    HMAC_CTX_free(b.hmac);
    EVP_MAC_CTX_free(b.evp.mac);
    EVP_MAC_free(mac);
    EVP_MD_free(b.evp.md);
    ecc_sigv4_key_cache_destroy(cache);
    ecc_credentials_clean_up(&credentials);
    ecc_http_request_clean_up(&b.request);
    ecc_sigv4_signer_destroy(b.signer);
    return s_sink == 0xff ? 0 : 0;
}

#ifndef ECC_SIGV4_H
#define ECC_SIGV4_H
/*
 * Floor 2: AWS Signature Version 4 (AWS4-HMAC-SHA256), signer and verifier, on OpenSSL libcrypto.
 *
 * One canonicalization serves both sides: the verifier recomputes the canonical request with the same
 * code the signer uses. The rules are those of the AWS SigV4 test suite (../shared/vectors/sigv4):
 *  - canonical URI: the wire path, dot segments and repeated slashes removed (unless
 *    `keep_path_unnormalized`, the S3 rule), then every byte but unreserved ones and '/' percent-encoded.
 *    That second encoding of an already encoded wire path is the "double encoding" of non-S3 services
 *    (`%20` -> `%2520`); `single_encode_path` decodes each segment and encodes it once instead, and
 *    then removes dot segments from that form (`%2E%2E` is `..` to a service that decodes once).
 *  - canonical query: pairs split at '&' and the first '=', each side decoded then RFC 3986-encoded
 *    ('+' is a literal plus, never a space), sorted by encoded key, then by encoded value.
 *  - canonical headers: lower-cased names, values trimmed with every run of blanks (SP, HT, CR, LF, so
 *    obs-fold continuation lines too) collapsed to one space; repeated names joined with ',' in the
 *    order received. The signer signs every header except authorization, user-agent, expect,
 *    x-amzn-trace-id and the hop-by-hop ones (botocore's list); the verifier signs what SignedHeaders
 *    names.
 *  - payload hash: SHA-256 of the body, or UNSIGNED-PAYLOAD; a request's own x-amz-content-sha256 wins.
 *
 * Threads: a signer (`struct ecc_sigv4_signer`) holds scratch buffers and is used by one thread at a
 * time. A key cache and a verifier may be shared by any number of threads.
 */
#include "ecc/common.h"
#include "ecc/credentials.h"
#include "ecc/http.h"

#define ECC_SIGV4_ALGORITHM         "AWS4-HMAC-SHA256"
#define ECC_SIGV4_UNSIGNED_PAYLOAD  "UNSIGNED-PAYLOAD"
#define ECC_SIGV4_EMPTY_SHA256      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ECC_SIGV4_DEFAULT_EXPIRES_S 3600
#define ECC_SIGV4_MAX_EXPIRES_S     604800 /* seven days, the AWS limit for presigned URLs */
#define ECC_SIGV4_DEFAULT_SKEW_S    300    /* AWS accepts request dates within 5 minutes of its clock */
/* Cap on a canonical request (and so on what a hostile request can make the verifier build). */
#define ECC_SIGV4_MAX_CANONICAL_BYTES (1024 * 1024)
/* Cap on the parameters of a canonical query, presigning's own included; the signer refuses a request
 * past it up front (ECC_ERR_INVALID), the verifier gives ECC_ERR_LIMIT. */
#define ECC_SIGV4_MAX_QUERY_PARAMS 1000
/* "20150830T123600Z" plus NUL. */
#define ECC_SIGV4_DATE_LEN 17

/* Seconds since the Unix epoch. Tests inject a fixed clock; NULL means time(). */
typedef int64_t(ecc_sigv4_clock_fn)(void *user_data);

/* Formats epoch seconds as the basic ISO-8601 form SigV4 uses ("20150830T123600Z"). */
void ecc_sigv4_format_date(int64_t epoch_s, char out[ECC_SIGV4_DATE_LEN]);
/* Parses exactly that form (ECC_ERR_INVALID for anything else, including impossible dates). */
enum ecc_status ecc_sigv4_parse_date(const char *text, int64_t *out_epoch_s) ECC_WARN_UNUSED_RESULT;

/*
 * Signing-key cache: kSigning for (date, region, service, secret), kept as precomputed HMAC state so a
 * cached signature costs only the request's own hashing. Thread-safe (one mutex; the critical section
 * is a short scan and a copy). Holds copies of secrets, wiped on eviction and on destroy. A signer also
 * keeps a copy of the last key it took from a cache (wiped by ecc_sigv4_signer_destroy), so signing
 * again with the same key and scope takes no lock; such a signature still counts as a hit.
 */
struct ecc_sigv4_key_cache;
/* `max_entries` 0 means 16 (slots are allocated as keys arrive, up to that many). NULL on allocation
 * failure. Free with ecc_sigv4_key_cache_destroy. */
struct ecc_sigv4_key_cache *ecc_sigv4_key_cache_new(size_t max_entries);
void ecc_sigv4_key_cache_destroy(struct ecc_sigv4_key_cache *cache);
/* Lookups that found their key / had to derive it (for tests and benchmarks). */
void ecc_sigv4_key_cache_stats(struct ecc_sigv4_key_cache *cache, uint64_t *hits, uint64_t *misses);

enum ecc_sigv4_mode {
    ECC_SIGV4_MODE_HEADER = 0, /* X-Amz-Date (+ token, + x-amz-content-sha256) headers and Authorization */
    ECC_SIGV4_MODE_QUERY,      /* presigned URL: X-Amz-* query parameters, X-Amz-Signature last */
};

enum ecc_sigv4_payload {
    ECC_SIGV4_PAYLOAD_SHA256 = 0, /* hash the body */
    ECC_SIGV4_PAYLOAD_UNSIGNED,   /* the literal UNSIGNED-PAYLOAD */
};

/* Zero-initialize, then set what differs: zero means the AWS default for non-S3 services. */
struct ecc_sigv4_sign_options {
    const struct ecc_credentials *credentials; /* required; borrowed for the call */
    const char *region;                        /* required, e.g. "us-east-1" */
    const char *service;                       /* required, "ecs" for RunTask */
    enum ecc_sigv4_mode mode;
    enum ecc_sigv4_payload payload;
    /* Header mode: add a signed x-amz-content-sha256 header holding the payload hash. */
    bool add_content_sha256_header;
    /* Add X-Amz-Security-Token after signing, outside the canonical request (some services want
     * that; the suite's post-sts-header-after case). Default: the token is signed. */
    bool session_token_after_signing;
    bool keep_path_unnormalized; /* S3 rule: no dot-segment or '//' removal */
    bool single_encode_path;     /* S3 rule: decode the wire path, encode once */
    uint32_t expires_s;          /* query mode: X-Amz-Expires, 1..604800; 0 means 3600 */
    ecc_sigv4_clock_fn *clock;
    void *clock_user_data;
    struct ecc_sigv4_key_cache *key_cache; /* optional, may be shared between threads */
};

/* Reusable signing context: keeps its buffers between calls, so steady-state signing does not allocate
 * beyond what the request's own headers need. One thread at a time. */
struct ecc_sigv4_signer;
/* NULL on allocation failure. Free with ecc_sigv4_signer_destroy (wipes the scratch). */
struct ecc_sigv4_signer *ecc_sigv4_signer_new(void);
void ecc_sigv4_signer_destroy(struct ecc_sigv4_signer *signer);

/*
 * Signs `request` in place. Header mode: puts X-Amz-Security-Token (when there is a token),
 * X-Amz-Date, x-amz-content-sha256 (when asked) and Authorization, replacing earlier values of those
 * headers where they stand (so re-signing a request keeps its header order) and appending them
 * otherwise. Query mode: appends X-Amz-Algorithm, -Credential, -Date, -SignedHeaders, -Expires,
 * -Security-Token and -Signature to the query. A Host header must be present.
 * On failure the request may hold some of the added headers; the diagnostic says what was wrong.
 */
enum ecc_status ecc_sigv4_signer_sign(
    struct ecc_sigv4_signer *signer,
    struct ecc_http_request *request,
    const struct ecc_sigv4_sign_options *options,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* What the last successful ecc_sigv4_signer_sign computed; valid until the next call or destroy. The
 * canonical request and string to sign hold no secret (`--explain` prints them). */
const char *ecc_sigv4_signer_canonical_request(const struct ecc_sigv4_signer *signer);
const char *ecc_sigv4_signer_string_to_sign(const struct ecc_sigv4_signer *signer);
const char *ecc_sigv4_signer_signature(const struct ecc_sigv4_signer *signer); /* 64 hex digits */

/* One-shot signing with a temporary signer. */
enum ecc_status
ecc_sigv4_sign(struct ecc_http_request *request, const struct ecc_sigv4_sign_options *options, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/* ------------------------------------------------------------------------------------------------ */
/* Verifier (server side)                                                                           */

/* One accepted access key. Strings are copied by ecc_sigv4_verifier_new. */
struct ecc_sigv4_key {
    const char *access_key_id;
    const char *secret_access_key;
    /* When set, requests with this key must carry exactly this X-Amz-Security-Token; when NULL, a
     * request carrying any token is rejected as an invalid token. */
    const char *session_token;
    int64_t token_expires_at_s; /* 0: never; else requests after this epoch second get ExpiredToken */
};

struct ecc_sigv4_verifier_options {
    const char *region;  /* required: the scope region the endpoint answers for */
    const char *service; /* required: the scope service ("ecs") */
    const struct ecc_sigv4_key *keys;
    size_t key_count;
    int64_t max_skew_s; /* 0 means ECC_SIGV4_DEFAULT_SKEW_S */
    bool keep_path_unnormalized;
    bool single_encode_path;
    /* Accept x-amz-content-sha256: UNSIGNED-PAYLOAD (the body is then not authenticated). Off by default. */
    bool allow_unsigned_payload;
    ecc_sigv4_clock_fn *clock;
    void *clock_user_data;
};

/*
 * Why a request was (not) accepted. Each failure has one AWS error name (ecc_sigv4_outcome_error_name).
 *
 * Clock skew: AWS JSON services (awsJson1_1: ECS, Kinesis, Rekognition, ...) answer a stale or future
 * X-Amz-Date with HTTP 400 InvalidSignatureException and the message "Signature expired: <date> is now
 * earlier than <now - 5 min> (<now> - 5 min.)" (or "Signature not yet current: ... is still later
 * than ..."), as reported verbatim in SDK issues (aws/aws-sdk-js#254, aws/aws-sdk-php#1780). The
 * `RequestExpired` code belongs to the query protocol (EC2, STS), and `SignatureDoesNotMatch` to the
 * query and XML protocols, so neither is used here. An expired presigned URL gets the same error name;
 * the outcome enum keeps the three cases apart for callers that care.
 */
enum ecc_sigv4_outcome {
    ECC_SIGV4_VERIFIED = 0,
    ECC_SIGV4_MISSING_AUTHENTICATION,    /* MissingAuthenticationTokenException (403) */
    ECC_SIGV4_INCOMPLETE_SIGNATURE,      /* IncompleteSignature (errors.h's name): malformed or missing parts */
    ECC_SIGV4_SIGNATURE_MISMATCH,        /* InvalidSignatureException: recomputed signature differs */
    ECC_SIGV4_PAYLOAD_HASH_MISMATCH,     /* InvalidSignatureException: x-amz-content-sha256 is not the body's
                                            hash, or UNSIGNED-PAYLOAD where it is not allowed */
    ECC_SIGV4_SCOPE_MISMATCH,            /* InvalidSignatureException: scope date/region/service/terminator */
    ECC_SIGV4_HOST_NOT_SIGNED,           /* InvalidSignatureException: 'host' not among SignedHeaders */
    ECC_SIGV4_SIGNATURE_EXPIRED,         /* InvalidSignatureException "Signature expired: ..." (clock skew) */
    ECC_SIGV4_SIGNATURE_NOT_YET_CURRENT, /* InvalidSignatureException: date too far in the future */
    ECC_SIGV4_PRESIGN_EXPIRED,           /* InvalidSignatureException: X-Amz-Date + X-Amz-Expires passed */
    ECC_SIGV4_UNKNOWN_KEY,               /* UnrecognizedClientException */
    ECC_SIGV4_INVALID_TOKEN,             /* UnrecognizedClientException: wrong, missing or unexpected token */
    ECC_SIGV4_EXPIRED_TOKEN,             /* ExpiredTokenException */
};

/* "InvalidSignatureException", ...; NULL for ECC_SIGV4_VERIFIED. */
const char *ecc_sigv4_outcome_error_name(enum ecc_sigv4_outcome outcome);
/* HTTP status a JSON endpoint answers with: 403 for a missing token, 400 otherwise, 200 verified. */
int ecc_sigv4_outcome_http_status(enum ecc_sigv4_outcome outcome);
/* Short stable name of the failed check ("signature", "scope.region", "clock-skew", ...). */
const char *ecc_sigv4_outcome_check(enum ecc_sigv4_outcome outcome);

/*
 * The verifier's answer. Owned by the caller: ecc_sigv4_verify_result_init before use, clean_up after.
 * `message` is the AWS-style message to send back. `expected_canonical_request` and
 * `expected_string_to_sign` are filled on a signature mismatch: they belong in a debug log only, never
 * in the response (they let a client probe what the server computes).
 */
struct ecc_sigv4_verify_result {
    enum ecc_sigv4_outcome outcome;
    char message[512];
    char access_key_id[129]; /* the key the request claimed, when it could be parsed */
    bool presigned;          /* the query form was used */
    struct ecc_buf expected_canonical_request;
    struct ecc_buf expected_string_to_sign;
};

void ecc_sigv4_verify_result_init(struct ecc_sigv4_verify_result *result);
void ecc_sigv4_verify_result_clean_up(struct ecc_sigv4_verify_result *result);

struct ecc_sigv4_verifier;
/* Copies the options and keys. NULL with `diag` set on bad options or allocation failure. Free with
 * ecc_sigv4_verifier_destroy, which wipes the secrets. */
struct ecc_sigv4_verifier *
ecc_sigv4_verifier_new(const struct ecc_sigv4_verifier_options *options, struct ecc_diag *diag);
void ecc_sigv4_verifier_destroy(struct ecc_sigv4_verifier *verifier);

/*
 * Checks one request (header or presigned-query form). Returns ECC_OK when the check ran; the verdict
 * is `result->outcome`. Other statuses are resource failures (ECC_ERR_NOMEM, ECC_ERR_LIMIT for a
 * canonical request past ECC_SIGV4_MAX_CANONICAL_BYTES). Safe to call from several threads at once.
 * The verifier keeps the scratch of finished verifications (up to 8) for the next ones, so steady-state
 * verifying does not allocate; it keeps its own key cache (64 keys).
 */
enum ecc_status ecc_sigv4_verify(
    const struct ecc_sigv4_verifier *verifier,
    const struct ecc_http_request *request,
    struct ecc_sigv4_verify_result *result) ECC_WARN_UNUSED_RESULT;

/* ------------------------------------------------------------------------------------------------ */
/* The suite's request text (request.txt, *-signed-request.txt, legacy .req/.sreq)                  */

/*
 * Parses "METHOD target HTTP/1.1\nName:value\n...\n\nbody" (LF or CRLF line ends; the target may hold
 * spaces and raw UTF-8, as in the suite). Header values are kept raw (leading blanks and obs-fold
 * continuation lines included, joined with "\n") so ecc_sigv4_format_request_text writes the same bytes
 * back. `request` must be initialized and empty; on failure it may hold a partial request.
 */
enum ecc_status ecc_sigv4_parse_request_text(
    const char *text, size_t len, struct ecc_http_request *request, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Appends the request in the same form: request line, "Name:value" lines, an empty line, the body. */
enum ecc_status
ecc_sigv4_format_request_text(const struct ecc_http_request *request, struct ecc_buf *out) ECC_WARN_UNUSED_RESULT;

#endif

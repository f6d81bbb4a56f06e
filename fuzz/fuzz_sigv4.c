/*
 * Fuzz target: the SigV4 signer and verifier (sigv4.h).
 *
 * Input, readable so seeds can be written by hand (corpus/fuzz_sigv4/):
 *     AKID SECRET REGION SERVICE EPOCH FLAGS [TOKEN]\n     then the request in the SigV4 suite's text form
 *     ("METHOD target HTTP/1.1", "Name:value" lines, an empty line, the body).
 * The access key, region and service are folded into [A-Z0-9] / [a-z0-9-] (the scope's own syntax);
 * secret and token keep any printable byte. The input's x-amz-content-sha256 and X-Amz-Security-Token
 * headers are dropped (see below). FLAGS letters: q query (presigned) mode, u unsigned payload,
 * c add x-amz-content-sha256, n keep the path unnormalized, s single-encode the path, a token after
 * signing ("-" for none). A Host header is added when the request has none.
 * Oracle:
 *  1. signing is deterministic: a fresh signer, a reused signer and a key-cached signer produce the same
 *     canonical request, string to sign and signature; a signing failure is ECC_ERR_INVALID with a text;
 *  2. the verifier, set up with the same key, scope, clock and path rules, accepts the signed request,
 *     except a presigned URL whose token was added after signing (aws-c-auth's form, which the signer
 *     makes as the SigV4 suite asks): every query parameter is signed for the verifier, so it refuses
 *     exactly that URL, as a signature mismatch;
 *  3. flipping any single signed byte (method, path, query, a signed header's value, the body when it is
 *     hashed, the signature) makes the verifier reject the request, unless the flip is neutral: the
 *     signer canonicalizes the flipped request to the very same canonical request (dot segments, ...);
 *  4. canonicalization is idempotent: a request rebuilt from the canonical query and canonical header
 *     values (and the canonical path when it is single-encoded) canonicalizes to the same text.
 * Flips and the rebuild are checked in header mode, where re-signing a copy is well defined.
 * Cost: the signers, the key cache and the verifier's scratch are reused (across inputs for the reused
 * signer and the cache), flips are made in place and undone, so an input costs four signatures, one
 * verifier and four verifications.
 */
#include "fuzz_data.h"

#include "ecc/sigv4.h"

#include <stdio.h>
#include <string.h>

#define S_MAX_FLIPS 3

struct s_params {
    char akid[64];
    char secret[64];
    char region[32];
    char service[32];
    char token[64];
    bool has_token;
    int64_t epoch_s;
    struct ecc_sigv4_sign_options sign;
    struct ecc_sigv4_verifier_options verify;
};

static int64_t s_clock(void *user_data) {
    return *(const int64_t *)user_data;
}

/* Copies one blank-separated field, folded into the allowed class; returns the rest of the line. */
static const char *s_field(const char *c, const char *end, char *out, size_t size, const char *klass) {
    while (c < end && *c == ' ') {
        c++;
    }
    size_t n = 0;
    for (; c < end && *c != ' '; c++) {
        unsigned char b = (unsigned char)*c;
        if (n + 1 >= size) {
            continue;
        }
        if (klass) {
            size_t k = strlen(klass);
            out[n++] = strchr(klass, b) && b ? (char)b : klass[b % k];
        } else {
            out[n++] = (char)(b > 0x20 && b < 0x7f ? b : 0x21 + b % 94);
        }
    }
    out[n] = '\0';
    return c;
}

static bool s_parse_params(const char *line, size_t len, struct s_params *p) {
    static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static const char lower[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
    const char *end = line + len;
    char epoch[24];
    char flags[16];
    const char *c = s_field(line, end, p->akid, sizeof(p->akid), upper);
    c = s_field(c, end, p->secret, sizeof(p->secret), NULL);
    c = s_field(c, end, p->region, sizeof(p->region), lower);
    c = s_field(c, end, p->service, sizeof(p->service), lower);
    c = s_field(c, end, epoch, sizeof(epoch), "0123456789");
    c = s_field(c, end, flags, sizeof(flags), NULL);
    s_field(c, end, p->token, sizeof(p->token), NULL);
    if (!p->akid[0] || !p->secret[0] || !p->region[0] || !p->service[0]) {
        return false;
    }
    p->has_token = p->token[0] != '\0';
    long long e = atoll(epoch);
    p->epoch_s = e < 0 || e > 253402300799LL ? 253402300799LL : e; /* year 9999 at most */
    p->sign.region = p->region;
    p->sign.service = p->service;
    p->sign.mode = strchr(flags, 'q') ? ECC_SIGV4_MODE_QUERY : ECC_SIGV4_MODE_HEADER;
    p->sign.payload = strchr(flags, 'u') ? ECC_SIGV4_PAYLOAD_UNSIGNED : ECC_SIGV4_PAYLOAD_SHA256;
    p->sign.add_content_sha256_header = strchr(flags, 'c') != NULL;
    p->sign.keep_path_unnormalized = strchr(flags, 'n') != NULL;
    p->sign.single_encode_path = strchr(flags, 's') != NULL;
    p->sign.session_token_after_signing = strchr(flags, 'a') != NULL;
    p->sign.clock = s_clock;
    p->sign.clock_user_data = &p->epoch_s;
    p->verify.region = p->region;
    p->verify.service = p->service;
    p->verify.keep_path_unnormalized = p->sign.keep_path_unnormalized;
    p->verify.single_encode_path = p->sign.single_encode_path;
    p->verify.allow_unsigned_payload = p->sign.payload == ECC_SIGV4_PAYLOAD_UNSIGNED;
    p->verify.clock = s_clock;
    p->verify.clock_user_data = &p->epoch_s;
    return true;
}

/* Signs a copy of `request` with `signer`; returns the status and leaves the copy in `out`. */
static enum ecc_status s_sign_copy(
    struct ecc_sigv4_signer *signer,
    const struct ecc_http_request *request,
    const struct ecc_sigv4_sign_options *options,
    struct ecc_http_request *out) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    ecc_http_request_init(out);
    if (ecc_http_request_copy(out, request) != ECC_OK) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ecc_sigv4_signer_sign(signer, out, options, &diag);
    if (status != ECC_OK && status != ECC_ERR_NOMEM) {
        ECC_FUZZ_CHECK(status == ECC_ERR_INVALID && diag.text[0], "a signing failure is an invalid request, explained");
    }
    return status;
}

static enum ecc_sigv4_outcome s_verify(const struct ecc_sigv4_verifier *verifier, const struct ecc_http_request *r) {
    struct ecc_sigv4_verify_result result;
    ecc_sigv4_verify_result_init(&result);
    enum ecc_status status = ecc_sigv4_verify(verifier, r, &result);
    ECC_FUZZ_CHECK(status == ECC_OK || status == ECC_ERR_NOMEM || status == ECC_ERR_LIMIT, "the verifier runs");
    enum ecc_sigv4_outcome outcome = status == ECC_OK ? result.outcome : ECC_SIGV4_INCOMPLETE_SIGNATURE;
    ecc_sigv4_verify_result_clean_up(&result);
    return outcome;
}

/* The flippable bytes of a signed request, in a fixed order: method, path, query, signed header
 * values, body (when hashed), Authorization's signature. Returns the address of byte `index`, or NULL
 * past the end; `*total` (may be NULL) receives how many there are, so one walk counts them. */
static char *
s_signed_byte(struct ecc_http_request *r, const char *signed_headers, bool body_signed, size_t index, size_t *total) {
    char *found = NULL;
    size_t seen = 0;
#define S_SPAN(start, len)                                                                                             \
    do {                                                                                                               \
        size_t span_len_ = (len);                                                                                      \
        if (!found && index >= seen && index - seen < span_len_) {                                                     \
            found = (char *)(start) + (index - seen);                                                                  \
            if (!total) {                                                                                              \
                return found;                                                                                          \
            }                                                                                                          \
        }                                                                                                              \
        seen += span_len_;                                                                                             \
    } while (0)
    S_SPAN(r->method, strlen(r->method));
    S_SPAN(r->path, strlen(r->path));
    S_SPAN(r->query, r->query ? strlen(r->query) : 0);
    for (size_t i = 0; i < r->headers.count; i++) {
        struct ecc_http_header *h = &r->headers.items[i];
        char lower[256];
        size_t k = 0;
        for (; h->name[k] && k + 1 < sizeof(lower); k++) {
            lower[k] = (char)(h->name[k] >= 'A' && h->name[k] <= 'Z' ? h->name[k] + 32 : h->name[k]);
        }
        lower[k] = '\0';
        if (strcmp(lower, "authorization") == 0) {
            char *sig = strstr(h->value, "Signature=");
            S_SPAN(sig ? sig + 10 : h->value, sig ? strlen(sig + 10) : 0);
            continue;
        }
        /* is ";lower;" in signed_headers? */
        const char *at = signed_headers;
        bool is_signed = false;
        while (!is_signed && (at = strstr(at, lower)) != NULL) {
            is_signed = at > signed_headers && at[-1] == ';' && at[k] == ';';
            at++;
        }
        if (is_signed) {
            S_SPAN(h->value, strlen(h->value));
        }
    }
    if (body_signed) {
        S_SPAN(r->body, r->body_len);
    }
#undef S_SPAN
    if (total) {
        *total = seen;
    }
    return found;
}

/* ";a;b;c;" from the canonical request's SignedHeaders line (the one before the payload hash). */
static void s_signed_headers(const char *canonical, char *out, size_t size) {
    const char *last = strrchr(canonical, '\n');
    const char *start = last;
    while (start && start > canonical && start[-1] != '\n') {
        start--;
    }
    int len = last ? (int)(last - start) : 0;
    snprintf(out, size, ";%.*s;", len, last ? start : "");
}

/* Flips one byte at a time in the signed request itself and puts it back after the verdict: no copy per
 * flip. */
static void s_check_flips(
    const struct ecc_sigv4_verifier *verifier,
    struct ecc_sigv4_signer *signer,
    struct ecc_http_request *signed_request,
    const char *canonical,
    const struct ecc_sigv4_sign_options *sign,
    uint64_t seed) {
    char signed_headers[4096];
    s_signed_headers(canonical, signed_headers, sizeof(signed_headers));
    bool body_signed = sign->payload == ECC_SIGV4_PAYLOAD_SHA256;
    size_t total = 0;
    (void)s_signed_byte(signed_request, signed_headers, body_signed, SIZE_MAX, &total);
    for (size_t k = 0; k < S_MAX_FLIPS && k < total; k++) {
        size_t index = (size_t)((seed + k * 2654435761u) % total);
        char *byte = s_signed_byte(signed_request, signed_headers, body_signed, index, NULL);
        char original = *byte;
        *byte = (char)(*byte ^ 0x01);
        if (*byte == '\0') {
            *byte = '\x7f'; /* a NUL would shorten a C string: flip to another byte */
        }
        if (s_verify(verifier, signed_request) == ECC_SIGV4_VERIFIED) {
            /* Accepted: only fine when the signer canonicalizes the flipped request the same way. */
            struct ecc_http_request resigned;
            enum ecc_status status = s_sign_copy(signer, signed_request, sign, &resigned);
            ECC_FUZZ_CHECK(
                status == ECC_OK && strcmp(ecc_sigv4_signer_canonical_request(signer), canonical) == 0,
                "a request with one signed byte flipped is rejected unless the flip is neutral");
            ecc_http_request_clean_up(&resigned);
        }
        *byte = original;
    }
}

/* Rule 4: feed the canonical query and header values back in; the canonical request must not move. */
static void s_check_idempotent(
    struct ecc_sigv4_signer *signer,
    const struct ecc_http_request *request,
    const char *canonical,
    const struct ecc_sigv4_sign_options *sign) {
    struct ecc_http_request again;
    ecc_http_request_init(&again);
    const char *line1 = strchr(canonical, '\n');
    const char *line2 = line1 ? strchr(line1 + 1, '\n') : NULL;
    const char *line3 = line2 ? strchr(line2 + 1, '\n') : NULL;
    ECC_FUZZ_CHECK(line3 != NULL, "a canonical request has method, path and query lines");
    char *path = strndup(line1 + 1, (size_t)(line2 - line1 - 1));
    char *query = strndup(line2 + 1, (size_t)(line3 - line2 - 1));
    bool ok = path && query &&
              ecc_http_request_set_line(
                  &again, request->method, sign->single_encode_path ? path : request->path, query) == ECC_OK &&
              ecc_http_request_set_body(&again, request->body, request->body_len) == ECC_OK;
    /* Header lines until the empty line: "name:value". */
    const char *c = line3 + 1;
    while (ok && *c && *c != '\n') {
        const char *nl = strchr(c, '\n');
        const char *colon = memchr(c, ':', (size_t)(nl - c));
        ECC_FUZZ_CHECK(nl && colon, "a canonical header line is name:value");
        ok = ecc_http_headers_add_n(&again.headers, c, (size_t)(colon - c), colon + 1, (size_t)(nl - colon - 1)) ==
             ECC_OK;
        c = nl + 1;
    }
    free(path);
    free(query);
    if (ok) {
        struct ecc_http_request signed_again;
        if (s_sign_copy(signer, &again, sign, &signed_again) == ECC_OK) {
            const char *second = ecc_sigv4_signer_canonical_request(signer);
            if (sign->single_encode_path) {
                ECC_FUZZ_CHECK(strcmp(second, canonical) == 0, "canonicalization is idempotent");
            } else {
                /* Double encoding re-encodes the path on purpose: compare everything after it. */
                ECC_FUZZ_CHECK(
                    strcmp(strchr(strchr(second, '\n') + 1, '\n'), line2) == 0,
                    "canonicalization of query and headers is idempotent");
            }
        }
        ecc_http_request_clean_up(&signed_again);
    }
    ecc_http_request_clean_up(&again);
}

/* One key cache and one reused signer for the whole run: creating them per input cost more than a
 * signature, and objects that outlive inputs also check that an entry of an earlier key never signs for
 * a later one and that nothing of an earlier request leaks into a later signature. (Each input still
 * has its reused signer sign something else first, so a finding replays from its input alone.) */
static struct ecc_sigv4_key_cache *s_key_cache(void) {
    static struct ecc_sigv4_key_cache *cache;
    if (!cache) {
        cache = ecc_sigv4_key_cache_new(0);
    }
    return cache;
}

static struct ecc_sigv4_signer *s_reused_signer(void) {
    static struct ecc_sigv4_signer *signer;
    if (!signer) {
        signer = ecc_sigv4_signer_new();
    }
    return signer;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *text = (const char *)data;
    const char *nl = memchr(text, '\n', size);
    struct s_params p;
    memset(&p, 0, sizeof(p));
    if (!nl || !s_parse_params(text, (size_t)(nl - text), &p)) {
        return 0;
    }
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    struct ecc_sigv4_signer *fresh = ecc_sigv4_signer_new();
    struct ecc_sigv4_signer *reused = s_reused_signer();
    struct ecc_sigv4_key_cache *cache = s_key_cache();
    struct ecc_sigv4_verifier *verifier = NULL;
    struct ecc_http_request a, b, c;
    ecc_http_request_init(&a);
    ecc_http_request_init(&b);
    ecc_http_request_init(&c);
    char *canonical = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (!fresh || !reused || !cache ||
        ecc_credentials_set(&credentials, p.akid, p.secret, p.has_token ? p.token : NULL, &diag) != ECC_OK) {
        goto done;
    }
    p.sign.credentials = &credentials;
    size_t rest = size - (size_t)(nl + 1 - text);
    if (ecc_sigv4_parse_request_text(nl + 1, rest, &request, &diag) != ECC_OK) {
        goto done;
    }
    /* The signer honours a caller's own x-amz-content-sha256 (botocore's rule), so a wrong one is signed as
     * given and rightly refused by the verifier: not a property of the signer. The 'c' and 'u' flags
     * exercise the header instead. Likewise a stray X-Amz-Security-Token with credentials that have no
     * token is left in place (botocore does the same) and rightly refused; the token comes from the
     * parameter line. */
    (void)ecc_http_headers_remove(&request.headers, "x-amz-content-sha256");
    (void)ecc_http_headers_remove(&request.headers, "x-amz-security-token");
    if (!ecc_http_headers_get(&request.headers, "Host") &&
        ecc_http_headers_add(&request.headers, "Host", "ecs.us-east-1.amazonaws.com") != ECC_OK) {
        goto done;
    }
    struct ecc_sigv4_sign_options cached = p.sign;
    cached.key_cache = cache;

    /* Rule 1, the fresh signer. */
    enum ecc_status status = s_sign_copy(fresh, &request, &p.sign, &a);
    if (status != ECC_OK) {
        goto done;
    }
    canonical = ecc_strdup(ecc_sigv4_signer_canonical_request(fresh));
    if (!canonical) {
        goto done;
    }
    /* The reused signer signs something else first, so stale scratch would show: in header mode the
     * rebuilt request of rule 4, in query mode (no rebuild there) the request itself. */
    bool header_mode = p.sign.mode == ECC_SIGV4_MODE_HEADER && !p.sign.session_token_after_signing;
    if (header_mode) {
        s_check_idempotent(reused, &request, canonical, &cached); /* rule 4 */
    } else {
        struct ecc_http_request warm_up;
        (void)s_sign_copy(reused, &request, &p.sign, &warm_up);
        ecc_http_request_clean_up(&warm_up);
    }
    /* Rule 1: the reused signer with the key cache (a miss, unless an earlier input had the key), then
     * again (a hit). */
    ECC_FUZZ_CHECK(s_sign_copy(reused, &request, &cached, &b) == ECC_OK, "signing twice succeeds twice");
    ECC_FUZZ_CHECK(
        strcmp(canonical, ecc_sigv4_signer_canonical_request(reused)) == 0 &&
            strcmp(ecc_sigv4_signer_string_to_sign(fresh), ecc_sigv4_signer_string_to_sign(reused)) == 0 &&
            strcmp(ecc_sigv4_signer_signature(fresh), ecc_sigv4_signer_signature(reused)) == 0,
        "signing is deterministic");
    ECC_FUZZ_CHECK(s_sign_copy(reused, &request, &cached, &c) == ECC_OK, "cached signing succeeds");
    ECC_FUZZ_CHECK(
        strcmp(ecc_sigv4_signer_signature(fresh), ecc_sigv4_signer_signature(reused)) == 0,
        "a cached key signs the same");

    /* Rule 2. */
    struct ecc_sigv4_key key = {
        .access_key_id = p.akid, .secret_access_key = p.secret, .session_token = p.has_token ? p.token : NULL};
    p.verify.keys = &key;
    p.verify.key_count = 1;
    verifier = ecc_sigv4_verifier_new(&p.verify, &diag);
    ECC_FUZZ_CHECK(verifier != NULL, "a verifier for the signing scope");
    if (p.sign.mode == ECC_SIGV4_MODE_QUERY && p.sign.session_token_after_signing && p.has_token) {
        ECC_FUZZ_CHECK(
            s_verify(verifier, &a) == ECC_SIGV4_SIGNATURE_MISMATCH,
            "a presigned URL with an unsigned token is refused as a signature mismatch");
    } else {
        ECC_FUZZ_CHECK(s_verify(verifier, &a) == ECC_SIGV4_VERIFIED, "the verifier accepts the signed request");
    }

    if (header_mode) {
        uint64_t seed = 1469598103934665603ULL;
        for (size_t i = 0; i < size; i++) {
            seed = (seed ^ data[i]) * 1099511628211ULL;
        }
        s_check_flips(verifier, reused, &a, canonical, &cached, seed); /* rule 3 */
    }
done:
    free(canonical);
    ecc_sigv4_verifier_destroy(verifier);
    ecc_http_request_clean_up(&c);
    ecc_http_request_clean_up(&b);
    ecc_http_request_clean_up(&a);
    ecc_sigv4_signer_destroy(fresh);
    ecc_http_request_clean_up(&request);
    ecc_credentials_clean_up(&credentials);
    return 0;
}

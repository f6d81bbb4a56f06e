#ifndef ECC_RECORDING_H
#define ECC_RECORDING_H
/*
 * Floor 4: a recording set, the one place where a live exchange becomes a fixture file
 * (fixtures/README.md, "Recorded fixtures"). `ecsconf record` (the recording endpoint) and
 * `ecsconf run --record` both hand every exchange to ecc_recording_add, so one redaction rule and one
 * writer serve both.
 *
 * Redaction happens on the in-memory fixture, before a byte is written:
 *  - request headers that sign or date the request (Authorization, X-Amz-Security-Token, X-Amz-Date,
 *    X-Amz-Content-Sha256) and presigning query parameters (X-Amz-*) are removed; so are request-id
 *    headers on both sides (x-amzn-RequestId, x-amz-request-id, x-amz-id-2, amz-sdk-invocation-id,
 *    X-Amzn-Trace-Id). Framing headers (Host, Content-Length, Connection, Transfer-Encoding, Expect,
 *    Keep-Alive) are not stored: they belong to one connection, not to the exchange.
 *  - every run of exactly 12 decimal digits with no letter or digit on either side (an AWS account id:
 *    in ARNs, messages, anywhere in a header value, the query, a body string or body text) becomes a
 *    placeholder: the first account seen is 000000000000, the next 000000000001, and so on, the same
 *    for the whole set, so relations between ARNs survive;
 *  - each user pattern (POSIX extended regex, measured like case-file regexes) is replaced by REDACTED
 *    wherever it matches in those same strings.
 * Every removal and replacement is listed in the fixture's `redacted` array as "<JSON pointer into the
 * fixture>: <what>", never with the value. Last, the serialized file is scanned for the literal
 * secrets the caller gives (the secret key and session token that signed the exchange) and for SigV4
 * signature markers; a hit refuses the write (ECC_ERR_AUTH) rather than store a secret.
 *
 * Bodies: a body that is JSON (jansson, duplicate keys refused) is stored as `body`; any other body as
 * `body_text` (bytes that are not UTF-8 become U+FFFD, and `redacted` says so). A fixture whose file
 * would pass ECC_SUITE_MAX_FILE_BYTES is not written (ECC_ERR_LIMIT): the loaders could not read it.
 *
 * Threads: ecc_recording_add may be called from several threads at once (one mutex).
 */
#include "ecc/common.h"
#include "ecc/http.h"

#include <jansson.h>

/* Placeholder text of user --redact matches. */
#define ECC_RECORDING_REDACTED "REDACTED"
/* Longest id prefix (ids are "<prefix>-<NNNN>-<operation>", at most ECC_SUITE_MAX_ID_LEN characters). */
#define ECC_RECORDING_MAX_PREFIX_LEN 60
/* Most user patterns. */
#define ECC_RECORDING_MAX_PATTERNS 32
/* Most exchanges one set stores (ids have room for 9999 per prefix). */
#define ECC_RECORDING_MAX_EXCHANGES 9999

struct ecc_recording_options {
    const char *dir;             /* required: the folder of the set, created (with its parents) when missing */
    const char *from;            /* required: "aws", "moto", "emulator" or "other" (recorded.from) */
    const char *id_prefix;       /* [a-z0-9][a-z0-9-]*; NULL: `from` */
    const char *region;          /* recorded.region; NULL: not stored */
    const char *upstream;        /* the endpoint URL (recorded.upstream); NULL: not stored */
    const char *via;             /* how it was made: "ecsconf record", "ecsconf run --record" (recorded.via) */
    const char *const *patterns; /* user --redact patterns (POSIX ERE), copied and compiled */
    size_t pattern_count;
    /* Literal strings that must never reach a file (secret key, session token); copied (and wiped on
     * destroy), never printed. Empty or NULL items are ignored. */
    const char *const *secrets;
    size_t secret_count;
    int64_t now_s; /* recorded.date; 0: time() at ecc_recording_new */
};

struct ecc_recording;

/*
 * Checks the options, compiles the patterns, creates `dir` if needed and finds the highest sequence
 * number already used there with this prefix (a second session appends). NULL with the reason in
 * `diag`. Free with ecc_recording_destroy.
 */
struct ecc_recording *ecc_recording_new(const struct ecc_recording_options *options, struct ecc_diag *diag);
void ecc_recording_destroy(struct ecc_recording *recording);

/*
 * Builds the redacted fixture of one exchange (the request as the client sent it, the response as the
 * endpoint answered) without writing it, and reserves its sequence number. `*out` is a new reference.
 * ECC_ERR_NOT_FOUND (reason in `diag`) when the request names no operation the fixture format knows
 * (no X-Amz-Target, or another service): such an exchange cannot be a fixture.
 */
enum ecc_status ecc_recording_build(
    struct ecc_recording *recording,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    json_t **out,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * ecc_recording_build, then the secret scan, then `<dir>/<id>.json` written atomically (a temporary file
 * renamed). The id goes to `id_out` (`id_size` bytes; may be NULL). Statuses: ECC_ERR_NOT_FOUND (no known
 * operation), ECC_ERR_LIMIT (file over the cap, or the set is full), ECC_ERR_AUTH (a secret would have
 * been written: nothing was), ECC_ERR_IO.
 */
enum ecc_status ecc_recording_add(
    struct ecc_recording *recording,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    char *id_out,
    size_t id_size,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * ecc_recording_add under a given id (`ecsconf replay --update` rewrites an exchange where it was):
 * `<dir>/<id>.json` is replaced atomically. The id must be a fixture id (ECC_ERR_INVALID otherwise); the
 * set's numbering does not move. Same redaction, scan and statuses as ecc_recording_add.
 */
enum ecc_status ecc_recording_put(
    struct ecc_recording *recording,
    const char *id,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* Exchanges written so far. */
size_t ecc_recording_count(struct ecc_recording *recording);

/*
 * Is one of `secrets` (literal, non-empty), or a SigV4 signature marker ("Signature=" followed by 64 hex
 * digits, "X-Amz-Signature="), in `text`? Used on every file before it is written and by tests on
 * printed output. Never says which secret matched.
 */
bool ecc_recording_text_has_secret(const char *text, size_t len, const char *const *secrets, size_t secret_count);

#endif

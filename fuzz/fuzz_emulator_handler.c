/*
 * Fuzz target: the embedded reference emulator's request handler (emulator.h, `ecc_emulator_handle`),
 * what every SDK under test talks to.
 *
 * Input: up to S_MAX_REQUESTS requests separated by a line "#next", each in the SigV4 suite's request
 * text form ("METHOD target HTTP/1.1", "Name:value" lines, an empty line, the body), handled in order by
 * one fresh emulator (fixed clock and seed), so sequences (CreateCluster, RunTask, DescribeTasks, ...)
 * reach state. Each request is signed with the emulator's default test key at the emulator's clock,
 * unless its first line starts with '~' (then it is sent exactly as written, unsigned or forged); a
 * Host header is added when missing.
 * Oracle, for every answer:
 *  1. a well-formed AWS JSON answer: Content-Type application/x-amz-json-1.1 and a JSON object body;
 *  2. status and __type agree: 200 has no error type; a non-200 has a non-empty `__type` that the
 *     client's own classifier (codec_response.h) reads as a known or unknown error, never as a protocol
 *     error, and a known type is answered with the status of its row in the error table;
 *  3. no 5xx: nothing is injected here (the control endpoint is off);
 *  4. no leaks and no memory errors (sanitizers), whatever the sequence.
 */
#define _GNU_SOURCE /* memmem */
#include "fuzz_aws_answer.h"

#include "ecc/emulator.h"
#include "ecc/sigv4.h"

#include <string.h>

#define S_MAX_REQUESTS 8
#define S_EPOCH_S      1700000000

static int64_t s_clock_ms(void *user_data) {
    (void)user_data;
    return (int64_t)S_EPOCH_S * 1000;
}

static int64_t s_clock_s(void *user_data) {
    (void)user_data;
    return S_EPOCH_S;
}

/*
 * One signer and one key cache for the whole run: signing only prepares the input here (fuzz_sigv4 fuzzes
 * the signer), and deriving the same signing key for every request was a fifth of an execution.
 * Both live until the process exits; allocation failure leaves them NULL and signing one-shot.
 */
static struct ecc_sigv4_signer *s_signer;
static struct ecc_sigv4_key_cache *s_key_cache;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    s_signer = ecc_sigv4_signer_new();
    s_key_cache = ecc_sigv4_key_cache_new(1);
    return 0;
}

static void
s_handle_one(struct ecc_emulator *emu, const struct ecc_credentials *credentials, const char *text, size_t len) {
    bool raw = len > 0 && text[0] == '~';
    if (raw) {
        text++;
        len--;
    }
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_sigv4_parse_request_text(text, len, &request, &diag) != ECC_OK) {
        ecc_http_request_clean_up(&request);
        return;
    }
    if (!raw) {
        if (!ecc_http_headers_get(&request.headers, "Host") &&
            ecc_http_headers_add(&request.headers, "Host", "ecs.us-east-1.amazonaws.com") != ECC_OK) {
            ecc_http_request_clean_up(&request);
            return;
        }
        struct ecc_sigv4_sign_options sign = {
            .credentials = credentials,
            .region = ECC_EMULATOR_DEFAULT_REGION,
            .service = "ecs",
            .clock = s_clock_s,
            .key_cache = s_key_cache,
        };
        enum ecc_status signed_status =
            s_signer ? ecc_sigv4_signer_sign(s_signer, &request, &sign, &diag) : ecc_sigv4_sign(&request, &sign, &diag);
        if (signed_status != ECC_OK) {
            /* unsignable (a header name that is not a token, ...): sent as it is */
        }
    }
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    ecc_emulator_handle(emu, &request, &response);
    ecc_fuzz_check_aws_answer(&response, false);
    ecc_http_response_clean_up(&response);
    ecc_http_request_clean_up(&request);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    options.clock_fn = s_clock_ms;
    options.seed = 42;
    struct ecc_emulator *emu = ecc_emulator_new(&options);
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    if (!emu ||
        ecc_credentials_set(
            &credentials, ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, NULL) !=
            ECC_OK) {
        goto done;
    }
    static const char separator[] = "\n#next\n";
    const char *text = (const char *)data;
    size_t left = size;
    for (int i = 0; i < S_MAX_REQUESTS && left > 0; i++) {
        const char *next = memmem(text, left, separator, sizeof(separator) - 1);
        size_t len = next ? (size_t)(next - text) : left;
        s_handle_one(emu, &credentials, text, len);
        if (!next) {
            break;
        }
        left -= len + sizeof(separator) - 1;
        text = next + sizeof(separator) - 1;
    }
done:
    ecc_credentials_clean_up(&credentials);
    ecc_emulator_destroy(emu);
    return 0;
}

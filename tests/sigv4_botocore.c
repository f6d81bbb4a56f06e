/*
 * Differential test: ecsconf's SigV4 signer against botocore's (ctest sigv4.botocore-differential).
 *
 *   sigv4_botocore <python> <tests/sigv4_botocore.py> [count]
 *
 * Generates `count` (default 600) requests from a fixed seed: random methods, paths with reserved,
 * percent-encoded and non-ASCII characters and dot segments, queries with repeated keys and empty
 * values, headers with odd whitespace and repeated names, bodies, session tokens, UNSIGNED-PAYLOAD.
 * One Python process signs them all with botocore; every signature must be identical, and ecsconf's
 * verifier must accept each of its own signed requests. Exit 77 (skip) without Python or botocore.
 */
#include "ecc/sigv4.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKIP 77

static uint64_t s_state = 0x5eed5eed5eed5eedULL;

static uint64_t s_next(void) {
    /* xorshift64*: deterministic across platforms */
    s_state ^= s_state >> 12;
    s_state ^= s_state << 25;
    s_state ^= s_state >> 27;
    return s_state * 0x2545F4914F6CDD1DULL;
}

static size_t s_below(size_t n) {
    return (size_t)(s_next() % n);
}

static const char *s_pick(const char *const *items, size_t count) {
    return items[s_below(count)];
}

#define PICK(items) s_pick(items, ECC_ARRAY_LEN(items))

/* Pieces a path segment or a query component is made of. */
static const char *const s_pieces[] = {
    "a",
    "Z",
    "0",
    "9",
    "-",
    "_",
    "~",
    ".",
    "!",
    "$",
    "&",
    "'",
    "(",
    ")",
    "*",
    "+",
    ",",
    ";",
    "=",
    ":",
    "@",
    " ",
    "%20",
    "%2F",
    "%41",
    "%",
    "\xc3\xa9",
    "\xe1\x88\xb4",
    "\xf0\x9f\x98\x80",
    "abc",
    "Value",
    "x.y",
};

static void s_append_random_text(struct ecc_buf *out, size_t max_pieces, bool for_query) {
    size_t n = s_below(max_pieces + 1);
    for (size_t i = 0; i < n; i++) {
        const char *piece = PICK(s_pieces);
        if (for_query && strchr(piece, '%')) {
            piece = "%"; /* a raw '%' in a query component is encoded like any other byte */
        }
        if (ecc_buf_append_str(out, piece) != ECC_OK) {
            abort();
        }
    }
}

static void s_append_query_encoded(struct ecc_buf *out, const char *raw) {
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)raw; *p; p++) {
        bool unreserved = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                          *p == '-' || *p == '_' || *p == '.' || *p == '~';
        char bytes[3] = {'%', hex[*p >> 4], hex[*p & 15]};
        if (ecc_buf_append(out, unreserved ? (const char *)p : bytes, unreserved ? 1 : 3) != ECC_OK) {
            abort();
        }
    }
}

struct s_case {
    struct ecc_http_request request;
    struct ecc_credentials credentials;
    char region[32];
    char service[32];
    int64_t epoch_s;
    bool unsigned_payload;
    char url[8192];
};

static void s_generate(struct s_case *c) {
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
    static const char *const regions[] = {"us-east-1", "eu-west-3", "ap-southeast-2", "us-gov-west-1", "cn-north-1"};
    static const char *const services[] = {"ecs", "execute-api", "sts", "service", "lambda"};
    static const char *const names[] = {
        "X-Amz-Meta-Alpha",
        "x-custom",
        "Content-Type",
        "X-Dup",
        "Accept",
        "X-Amz-Target",
        "User-Agent",
        "X-Amzn-Trace-Id",
        "x-ODD-case",
        "Content-Length"};
    static const char *const words[] = {"a", "b c", "application/x-amz-json-1.1", "\"q  u\"", "1", "=", "x,y", "Z"};
    static const char *const blanks[] = {"", " ", "  ", "\t", " \t ", "   "};
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

    ecc_http_request_init(&c->request);
    ecc_credentials_init(&c->credentials);

    struct ecc_buf path;
    ecc_buf_init(&path, 4096);
    size_t segments = 1 + s_below(4);
    for (size_t i = 0; i < segments; i++) {
        if (ecc_buf_append_byte(&path, '/') != ECC_OK) {
            abort();
        }
        size_t kind = s_below(10);
        if (kind == 0 && ecc_buf_append_str(&path, "..") != ECC_OK) {
            abort();
        } else if (kind == 1 && ecc_buf_append_str(&path, ".") != ECC_OK) {
            abort();
        } else if (kind > 1) {
            s_append_random_text(&path, 5, false);
        }
    }
    if (s_below(4) == 0 && ecc_buf_append_byte(&path, '/') != ECC_OK) {
        abort();
    }

    struct ecc_buf query;
    ecc_buf_init(&query, 4096);
    size_t params = s_below(5);
    char keys[5][128];
    for (size_t i = 0; i < params; i++) {
        struct ecc_buf raw;
        ecc_buf_init(&raw, 1024);
        if (i > 0 && s_below(3) == 0) {
            memcpy(keys[i], keys[s_below(i)], sizeof(keys[i])); /* a repeated key */
        } else {
            s_append_random_text(&raw, 3, true);
            struct ecc_buf encoded;
            ecc_buf_init(&encoded, 1024);
            s_append_query_encoded(&encoded, raw.data ? raw.data : "");
            snprintf(keys[i], sizeof(keys[i]), "%s", encoded.data ? encoded.data : "");
            ecc_buf_clean_up(&encoded);
        }
        ecc_buf_reset(&raw);
        s_append_random_text(&raw, 3, true);
        bool ok =
            (i == 0 || ecc_buf_append_byte(&query, '&') == ECC_OK) && ecc_buf_append_str(&query, keys[i]) == ECC_OK;
        if (raw.len > 0 || s_below(2)) {
            ok = ok && ecc_buf_append_byte(&query, '=') == ECC_OK;
            s_append_query_encoded(&query, raw.data ? raw.data : "");
        }
        ecc_buf_clean_up(&raw);
        if (!ok) {
            abort();
        }
    }
    if (ecc_http_request_set_line(&c->request, PICK(methods), path.data, params ? query.data : NULL) != ECC_OK ||
        ecc_http_headers_add(&c->request.headers, "Host", "example.amazonaws.com") != ECC_OK) {
        abort();
    }
    snprintf(
        c->url,
        sizeof(c->url),
        "https://example.amazonaws.com%s%s%s",
        path.data,
        params ? "?" : "",
        params ? query.data : "");
    ecc_buf_clean_up(&path);
    ecc_buf_clean_up(&query);

    size_t headers = s_below(6);
    for (size_t i = 0; i < headers; i++) {
        char value[256];
        snprintf(
            value, sizeof(value), "%s%s%s%s%s", PICK(blanks), PICK(words), PICK(blanks), PICK(words), PICK(blanks));
        if (ecc_http_headers_add(&c->request.headers, PICK(names), value) != ECC_OK) {
            abort();
        }
    }

    size_t body_len = s_below(3) == 0 ? 0 : s_below(701);
    uint8_t body[700];
    for (size_t i = 0; i < body_len; i++) {
        body[i] = (uint8_t)s_next();
    }
    if (ecc_http_request_set_body(&c->request, body, body_len) != ECC_OK) {
        abort();
    }

    char akid[17] = "AKID";
    for (size_t i = 4; i < 16; i++) {
        akid[i] = (char)('A' + s_below(26));
    }
    akid[16] = '\0';
    char secret[41];
    for (size_t i = 0; i < 40; i++) {
        secret[i] = b64[s_below(sizeof(b64) - 1)];
    }
    secret[40] = '\0';
    char token[121];
    size_t token_len = s_below(10) < 3 ? 20 + s_below(100) : 0;
    for (size_t i = 0; i < token_len; i++) {
        token[i] = b64[s_below(sizeof(b64) - 1)];
    }
    token[token_len] = '\0';
    if (ecc_credentials_set(&c->credentials, akid, secret, token_len ? token : NULL, NULL) != ECC_OK) {
        abort();
    }
    snprintf(c->region, sizeof(c->region), "%s", PICK(regions));
    snprintf(c->service, sizeof(c->service), "%s", PICK(services));
    c->epoch_s = 946684800 + (int64_t)s_below(946771200);
    c->unsigned_payload = s_below(5) == 0;
}

static json_t *s_case_json(const struct s_case *c) {
    json_t *headers = json_array();
    for (size_t i = 0; i < c->request.headers.count; i++) {
        json_array_append_new(
            headers, json_pack("[ss]", c->request.headers.items[i].name, c->request.headers.items[i].value));
    }
    char *hex = malloc(2 * c->request.body_len + 1);
    ecc_hex_encode(c->request.body, c->request.body_len, hex);
    json_t *object = json_pack(
        "{ss ss so ss ss ss ss ss sI sb}",
        "method",
        c->request.method,
        "url",
        c->url,
        "headers",
        headers,
        "body_hex",
        hex,
        "access_key_id",
        c->credentials.access_key_id,
        "secret_access_key",
        c->credentials.secret_access_key,
        "region",
        c->region,
        "service",
        c->service,
        "epoch_s",
        (json_int_t)c->epoch_s,
        "unsigned_payload",
        c->unsigned_payload);
    json_object_set_new(
        object,
        "session_token",
        c->credentials.session_token ? json_string(c->credentials.session_token) : json_null());
    free(hex);
    return object;
}

static int64_t s_clock(void *user_data) {
    return *(const int64_t *)user_data;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: sigv4_botocore <python> <sigv4_botocore.py> [count]\n");
        return 2;
    }
    if (!argv[1][0] || access(argv[1], X_OK) != 0) {
        printf("SKIP: no Python interpreter found (configure with -DECSCONF_PYTHON=...); botocore is needed\n");
        return SKIP;
    }
    size_t count = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 600;
    struct s_case *cases = calloc(count, sizeof(*cases));
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        s_generate(&cases[i]);
        json_array_append_new(list, s_case_json(&cases[i]));
    }
    char path[] = "/tmp/ecsconf-sigv4-diff-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || json_dumpfd(list, fd, JSON_COMPACT) != 0) {
        printf("FAIL: cannot write the request list to %s\n", path);
        return 1;
    }
    close(fd);
    json_decref(list);

    char command[8192];
    snprintf(command, sizeof(command), "'%s' '%s' '%s'", argv[1], argv[2], path);
    FILE *pipe = popen(command, "r");
    if (!pipe) {
        printf("FAIL: cannot run %s\n", command);
        unlink(path);
        return 1;
    }
    size_t line_cap = 1 << 20;
    char *line = malloc(line_cap);
    size_t same = 0, mismatched = 0, rejected = 0, answered = 0;
    struct ecc_sigv4_verify_result result;
    ecc_sigv4_verify_result_init(&result);
    while (fgets(line, (int)line_cap, pipe)) {
        if (strncmp(line, "SKIP", 4) == 0) {
            printf("%s", line);
            continue;
        }
        if (answered >= count) {
            break;
        }
        struct s_case *c = &cases[answered++];
        json_error_t error;
        json_t *answer = json_loads(line, 0, &error);
        const char *want = answer ? json_string_value(json_object_get(answer, "signature")) : NULL;
        struct ecc_sigv4_sign_options options = {
            .credentials = &c->credentials,
            .region = c->region,
            .service = c->service,
            .payload = c->unsigned_payload ? ECC_SIGV4_PAYLOAD_UNSIGNED : ECC_SIGV4_PAYLOAD_SHA256,
            .clock = s_clock,
            .clock_user_data = &c->epoch_s,
        };
        struct ecc_sigv4_signer *signer = ecc_sigv4_signer_new();
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        if (ecc_sigv4_signer_sign(signer, &c->request, &options, &diag) != ECC_OK) {
            printf("FAIL case %zu: ecsconf could not sign: %s\n", answered - 1, diag.text);
            mismatched++;
        } else if (!want || strcmp(want, ecc_sigv4_signer_signature(signer)) != 0) {
            mismatched++;
            if (mismatched <= 5) {
                printf(
                    "FAIL case %zu: %s %s\n--- botocore canonical request\n%s\n--- ecsconf canonical "
                    "request\n%s\n---\n",
                    answered - 1,
                    c->request.method,
                    c->url,
                    answer ? json_string_value(json_object_get(answer, "canonical_request")) : line,
                    ecc_sigv4_signer_canonical_request(signer));
            }
        } else {
            same++;
        }
        ecc_sigv4_signer_destroy(signer);
        json_decref(answer);

        struct ecc_sigv4_key key = {
            c->credentials.access_key_id, c->credentials.secret_access_key, c->credentials.session_token, 0};
        struct ecc_sigv4_verifier_options verifier_options = {
            .region = c->region,
            .service = c->service,
            .keys = &key,
            .key_count = 1,
            .allow_unsigned_payload = true,
            .clock = s_clock,
            .clock_user_data = &c->epoch_s,
        };
        struct ecc_sigv4_verifier *verifier = ecc_sigv4_verifier_new(&verifier_options, &diag);
        if (!verifier || ecc_sigv4_verify(verifier, &c->request, &result) != ECC_OK ||
            result.outcome != ECC_SIGV4_VERIFIED) {
            rejected++;
            printf("FAIL case %zu: the verifier rejected ecsconf's own signature: %s\n", answered - 1, result.message);
        }
        ecc_sigv4_verifier_destroy(verifier);
    }
    int python_status = pclose(pipe);
    unlink(path);
    ecc_sigv4_verify_result_clean_up(&result);
    free(line);
    for (size_t i = 0; i < count; i++) {
        ecc_http_request_clean_up(&cases[i].request);
        ecc_credentials_clean_up(&cases[i].credentials);
    }
    free(cases);
    if (WIFEXITED(python_status) && WEXITSTATUS(python_status) == SKIP) {
        return SKIP;
    }
    printf(
        "%zu requests: %zu identical signatures, %zu different, %zu rejected by the verifier, %zu answered\n",
        count,
        same,
        mismatched,
        rejected,
        answered);
    return same == count && answered == count && rejected == 0 ? 0 : 1;
}

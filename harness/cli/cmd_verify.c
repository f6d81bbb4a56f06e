/* `ecsconf verify`: check the SigV4 signature of a raw HTTP request and say which check failed. */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf verify --keys KEY_FILE [options] [REQUEST_FILE|-]\n"
        "\n"
        "Checks the SigV4 signature of a signed HTTP request (Authorization header or presigned query) the\n"
        "way the emulator does, and prints the AWS error the request would get and the check that failed.\n"
        "The request is in the SigV4 test suite's request.txt form (what `ecsconf sign` prints); stdin when\n"
        "no file is given.\n"
        "\n"
        "KEY_FILE holds one key per line, the format of `ecsconf emulate --keys`:\n"
        "  ACCESS_KEY_ID SECRET_ACCESS_KEY [account=12DIGITS] [session_token=TOKEN]\n"
        "'#' starts a comment; verify ignores account. Errors name file:line; secrets are never printed.\n"
        "\n"
        "Options:\n"
        "  --keys FILE              the accepted keys (required)\n"
        "  --region REGION          region the endpoint serves (default: AWS_REGION, then AWS_DEFAULT_REGION)\n"
        "  --service NAME           service the endpoint serves (default: ecs)\n"
        "  --now YYYYMMDDTHHMMSSZ   the verifier's clock (default: now); recorded requests need their own time\n"
        "  --max-skew-s SECONDS     allowed clock skew (default: 300)\n"
        "  --allow-unsigned-payload accept x-amz-content-sha256: UNSIGNED-PAYLOAD\n"
        "  --no-normalize           canonical path as given (S3's rule)\n"
        "  --explain                on a signature mismatch, print the canonical request and string to sign\n"
        "                           the verifier expected (compare with `ecsconf sign --explain`)\n"
        "  --help                   this text\n"
        "\n"
        "Example: check a request signed with the suite's example key (keys.txt: one line, 'AKIDEXAMPLE' and\n"
        "the suite's secret from ../shared/vectors/sigv4/get-vanilla/context.json)\n"
        "  ecsconf verify --keys keys.txt --region us-east-1 --service service --now 20150830T123600Z \\\n"
        "      ../shared/vectors/sigv4/get-vanilla/header-signed-request.txt\n"
        "  (prints 'verified: signed by AKIDEXAMPLE (Authorization header)'; edit one signed byte of the file\n"
        "  and it prints 'rejected: InvalidSignatureException (check: signature): ...')\n"
        "\n"
        "Exit codes: 0 verified, 1 rejected, 2 bad option, key file or request file, 3 no region,\n"
        "            4 internal error.\n");
}

static int64_t s_fixed_clock(void *user_data) {
    return *(const int64_t *)user_data;
}

/* The key file (credentials.h's format, shared with `ecsconf emulate --keys`) as the verifier's keys; the
 * entries borrow the file's strings. */
static int s_load_keys(const char *cmd, const char *path, struct ecc_key_file *file, struct ecc_sigv4_key **keys) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_key_file_load(file, path, &diag);
    if (status != ECC_OK) {
        char where[1024];
        ecc_diag_format(&diag, where, sizeof(where));
        ecc_cli_error(cmd, "--keys: %s", where);
        return status == ECC_ERR_NOMEM ? ECC_EXIT_INTERNAL : ECC_EXIT_USAGE;
    }
    *keys = calloc(file->count, sizeof(**keys));
    if (!*keys) {
        return ECC_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < file->count; i++) {
        (*keys)[i] = (struct ecc_sigv4_key){
            .access_key_id = file->keys[i].access_key_id,
            .secret_access_key = file->keys[i].secret_access_key,
            .session_token = file->keys[i].session_token};
    }
    return ECC_EXIT_OK;
}

int ecc_cmd_verify(int argc, char **argv) {
    const char *cmd = "verify";
    const char *keys_path = NULL, *region = NULL, *service = "ecs", *now_text = NULL, *skew_text = NULL;
    const char *input = NULL;
    bool explain = false;
    struct ecc_sigv4_verifier_options options = {0};
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            return ECC_EXIT_OK;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--keys"))) {
            keys_path = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--region"))) {
            region = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--service"))) {
            service = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--now"))) {
            now_text = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--max-skew-s"))) {
            skew_text = value;
        } else if (strcmp(argv[i], "--allow-unsigned-payload") == 0) {
            options.allow_unsigned_payload = true;
        } else if (strcmp(argv[i], "--no-normalize") == 0) {
            options.keep_path_unnormalized = true;
        } else if (strcmp(argv[i], "--explain") == 0) {
            explain = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            ecc_cli_error(cmd, "unknown option or missing value: '%s' (see ecsconf verify --help)", argv[i]);
            return ECC_EXIT_USAGE;
        } else if (input) {
            ecc_cli_error(cmd, "one request file at a time ('%s' and '%s' given)", input, argv[i]);
            return ECC_EXIT_USAGE;
        } else {
            input = argv[i];
        }
    }
    if (!keys_path) {
        ecc_cli_error(cmd, "--keys FILE is required (one 'ACCESS_KEY_ID SECRET_ACCESS_KEY' line per key)");
        return ECC_EXIT_USAGE;
    }
    int64_t now_s = 0;
    if (now_text) {
        if (ecc_sigv4_parse_date(now_text, &now_s) != ECC_OK) {
            ecc_cli_error(cmd, "--now '%s' is not in the form YYYYMMDDTHHMMSSZ (e.g. 20150830T123600Z)", now_text);
            return ECC_EXIT_USAGE;
        }
        options.clock = s_fixed_clock;
        options.clock_user_data = &now_s;
    }
    if (skew_text) {
        char *end = NULL;
        long long skew = strtoll(skew_text, &end, 10);
        if (!skew_text[0] || *end || skew < 1 || skew > 7 * 86400) {
            ecc_cli_error(cmd, "--max-skew-s must be a number of seconds from 1 to 604800, got '%s'", skew_text);
            return ECC_EXIT_USAGE;
        }
        options.max_skew_s = skew;
    }
    if (!region) {
        region = ecc_credentials_region_from_env();
    }
    if (!region) {
        ecc_cli_error(cmd, "no region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION)");
        return ECC_EXIT_SETUP;
    }

    struct ecc_key_file key_file;
    ecc_key_file_init(&key_file);
    struct ecc_sigv4_key *keys = NULL;
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    struct ecc_sigv4_verifier *verifier = NULL;
    struct ecc_sigv4_verify_result result;
    ecc_sigv4_verify_result_init(&result);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    int exit_code = s_load_keys(cmd, keys_path, &key_file, &keys);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    options.region = region;
    options.service = service;
    options.keys = keys;
    options.key_count = key_file.count;
    verifier = ecc_sigv4_verifier_new(&options, &diag);
    free(keys); /* the verifier holds its own copies */
    keys = NULL;
    ecc_key_file_clean_up(&key_file);
    if (!verifier) {
        ecc_cli_error(cmd, "%s: %s", keys_path, diag.text);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    exit_code = ecc_cli_read_request(cmd, input, &request);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    enum ecc_status status = ecc_sigv4_verify(verifier, &request, &result);
    if (status != ECC_OK) {
        ecc_cli_error(cmd, "cannot verify: %s", ecc_status_name(status));
        exit_code = status == ECC_ERR_LIMIT ? ECC_EXIT_USAGE : ECC_EXIT_INTERNAL;
        goto done;
    }
    if (result.outcome == ECC_SIGV4_VERIFIED) {
        printf(
            "verified: signed by %s (%s)\n",
            result.access_key_id,
            result.presigned ? "presigned query string" : "Authorization header");
        exit_code = ECC_EXIT_OK;
    } else {
        printf(
            "rejected: %s (check: %s, HTTP %d): %s\n",
            ecc_sigv4_outcome_error_name(result.outcome),
            ecc_sigv4_outcome_check(result.outcome),
            ecc_sigv4_outcome_http_status(result.outcome),
            result.message);
        if (explain && result.expected_canonical_request.len > 0) {
            printf(
                "# expected canonical request\n%s\n# expected string to sign\n%s\n",
                result.expected_canonical_request.data,
                result.expected_string_to_sign.data);
        }
        exit_code = ECC_EXIT_FAILED;
    }
done:
    free(keys);
    ecc_key_file_clean_up(&key_file);
    ecc_sigv4_verifier_destroy(verifier);
    ecc_sigv4_verify_result_clean_up(&result);
    ecc_http_request_clean_up(&request);
    return exit_code;
}

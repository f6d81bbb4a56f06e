/* `ecsconf verify`: check the SigV4 signature of a raw HTTP request and say which check failed. */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CMD "verify"

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

/* The command line, as given, in the verifier's options. */
struct s_args {
    const char *keys_path;
    const char *region;
    const char *service;
    const char *input; /* the request file; NULL: stdin */
    bool explain;
    int64_t now_s; /* --now; the clock's answer */
    struct ecc_sigv4_verifier_options options;
};

/* Reads and checks the command line: ECC_EXIT_OK to go on, an exit code (printed), or ECC_CLI_HELP_SHOWN. */
static int s_parse(int argc, char **argv, struct s_args *args) {
    uint64_t skew_s = 0;
    bool now_given = false, skew_given = false;
    const struct ecc_cli_option options[] = {
        {"--keys", .value = &args->keys_path},
        {"--region", .value = &args->region},
        {"--service", .value = &args->service},
        {"--now", .take = ecc_cli_take_sigv4_date, .user = &args->now_s, .given = &now_given},
        {"--max-skew-s", .number = &skew_s, .min = 1, .max = 7 * 86400, .given = &skew_given},
        {"--allow-unsigned-payload", .given = &args->options.allow_unsigned_payload},
        {"--no-normalize", .given = &args->options.keep_path_unnormalized},
        {"--explain", .given = &args->explain},
    };
    size_t input_count = 0;
    const struct ecc_cli_parser parser = {
        .cmd = S_CMD,
        .help = s_help,
        .options = options,
        .option_count = ECC_ARRAY_LEN(options),
        .operands = {"request file", .list = &args->input, .count = &input_count, .max_count = 1},
    };
    int exit_code = ecc_cli_parse(&parser, argc, argv);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    if (!args->keys_path) {
        ecc_cli_error(S_CMD, "--keys FILE is required (one 'ACCESS_KEY_ID SECRET_ACCESS_KEY' line per key)");
        return ECC_EXIT_USAGE;
    }
    if (now_given) {
        args->options.clock = ecc_cli_fixed_clock;
        args->options.clock_user_data = &args->now_s;
    }
    if (skew_given) {
        args->options.max_skew_s = (int64_t)skew_s;
    }
    return ecc_cli_region(S_CMD, &args->region);
}

/* The key file (credentials.h's format, shared with `ecsconf emulate --keys`) as the verifier's keys, and
 * the verifier, which keeps its own copies. */
static int s_new_verifier(struct s_args *args, struct ecc_sigv4_verifier **verifier) {
    struct ecc_key_file file;
    ecc_key_file_init(&file);
    struct ecc_sigv4_key *keys = NULL;
    int exit_code = ecc_cli_load_key_file(S_CMD, args->keys_path, &file);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    keys = calloc(file.count, sizeof(*keys));
    if (!keys) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    for (size_t i = 0; i < file.count; i++) {
        keys[i] = (struct ecc_sigv4_key){
            .access_key_id = file.keys[i].access_key_id,
            .secret_access_key = file.keys[i].secret_access_key,
            .session_token = file.keys[i].session_token};
    }
    args->options.region = args->region;
    args->options.service = args->service;
    args->options.keys = keys;
    args->options.key_count = file.count;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    *verifier = ecc_sigv4_verifier_new(&args->options, &diag);
    if (!*verifier) {
        ecc_cli_error(S_CMD, "%s: %s", args->keys_path, diag.text);
        exit_code = ECC_EXIT_USAGE;
    }
done:
    args->options.keys = NULL;
    free(keys);
    ecc_key_file_clean_up(&file);
    return exit_code;
}

/* Verifies the request and prints the verdict: the signer, or the AWS error and the check that failed. */
static int
s_verify(const struct s_args *args, const struct ecc_sigv4_verifier *verifier, const struct ecc_http_request *request) {
    struct ecc_sigv4_verify_result result;
    ecc_sigv4_verify_result_init(&result);
    int exit_code = ECC_EXIT_FAILED;
    enum ecc_status status = ecc_sigv4_verify(verifier, request, &result);
    if (status != ECC_OK) {
        ecc_cli_error(S_CMD, "cannot verify: %s", ecc_status_name(status));
        exit_code = status == ECC_ERR_LIMIT ? ECC_EXIT_USAGE : ECC_EXIT_INTERNAL;
        goto done;
    }
    if (result.outcome == ECC_SIGV4_VERIFIED) {
        printf(
            "verified: signed by %s (%s)\n",
            result.access_key_id,
            result.presigned ? "presigned query string" : "Authorization header");
        exit_code = ECC_EXIT_OK;
        goto done;
    }
    printf(
        "rejected: %s (check: %s, HTTP %d): %s\n",
        ecc_sigv4_outcome_error_name(result.outcome),
        ecc_sigv4_outcome_check(result.outcome),
        ecc_sigv4_outcome_http_status(result.outcome),
        result.message);
    if (args->explain && result.expected_canonical_request.len > 0) {
        printf(
            "# expected canonical request\n%s\n# expected string to sign\n%s\n",
            result.expected_canonical_request.data,
            result.expected_string_to_sign.data);
    }
done:
    ecc_sigv4_verify_result_clean_up(&result);
    return exit_code;
}

int ecc_cmd_verify(int argc, char **argv) {
    struct s_args args = {.service = "ecs"};
    int exit_code = s_parse(argc, argv, &args);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code == ECC_CLI_HELP_SHOWN ? ECC_EXIT_OK : exit_code;
    }
    struct ecc_sigv4_verifier *verifier = NULL;
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    exit_code = s_new_verifier(&args, &verifier);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = ecc_cli_read_request(S_CMD, args.input, &request);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_verify(&args, verifier, &request);
done:
    ecc_sigv4_verifier_destroy(verifier);
    ecc_http_request_clean_up(&request);
    return exit_code;
}

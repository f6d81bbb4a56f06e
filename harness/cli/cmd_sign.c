/* `ecsconf sign`: sign a raw HTTP request (the SigV4 suite's request.txt form) and print it. */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CMD "sign"

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf sign [options] [REQUEST_FILE|-]\n"
        "\n"
        "Signs a raw HTTP request with AWS Signature Version 4 and prints the signed request (or, with\n"
        "--presign, a presigned URL). The input is the SigV4 test suite's request.txt form: a request line,\n"
        "'Name:value' header lines, an empty line and the body; stdin when no file is given.\n"
        "\n"
        "Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, unless given below\n"
        "(the session token is taken from the environment only with the environment's key). The secret is\n"
        "never printed; a session token is, since it is part of the signed request.\n"
        "\n"
        "Options:\n"
        "  --access-key ID          access key id (instead of AWS_ACCESS_KEY_ID)\n"
        "  --secret-key-file FILE   file whose one line is the secret access key (instead of\n"
        "                           AWS_SECRET_ACCESS_KEY; keeps the secret out of the process list)\n"
        "  --region REGION          scope region (default: AWS_REGION, then AWS_DEFAULT_REGION)\n"
        "  --service NAME           scope service (default: ecs)\n"
        "  --date YYYYMMDDTHHMMSSZ  signing time, for reproducible output (default: now)\n"
        "  --presign                print a presigned URL (query-string signature) instead\n"
        "  --expires SECONDS        X-Amz-Expires of the presigned URL, 1..604800 (default: 3600)\n"
        "  --explain                also print the canonical request and the string to sign (stderr)\n"
        "  --content-sha256         add a signed x-amz-content-sha256 header with the body's hash\n"
        "  --unsigned-payload       sign UNSIGNED-PAYLOAD instead of the body's hash\n"
        "  --token-after-signing    add X-Amz-Security-Token after signing, unsigned\n"
        "  --no-normalize           keep the path as given (S3's rule) instead of removing dot segments\n"
        "  --help                   this text\n"
        "\n"
        "Example: reproduce the suite's get-vanilla signature (secret.txt holds the suite's example secret,\n"
        "credentials.secret_access_key in ../shared/vectors/sigv4/get-vanilla/context.json)\n"
        "  ecsconf sign --access-key AKIDEXAMPLE --secret-key-file secret.txt --region us-east-1 \\\n"
        "      --service service --date 20150830T123600Z --explain ../shared/vectors/sigv4/get-vanilla/request.txt\n"
        "  (prints the request with X-Amz-Date and 'Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\n"
        "  20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa3...')\n"
        "\n"
        "Exit codes: 0 signed, 2 bad option or request file, 3 no credentials or region, 4 internal error.\n");
}

/* The command line, as given. */
struct s_args {
    const char *access_key;
    const char *secret_file;
    const char *region;
    const char *service;
    const char *input;
    bool presign;
    bool explain;
    int64_t now_s; /* --date; the clock's answer */
    struct ecc_sigv4_sign_options options;
};

/* Reads and checks the command line: ECC_EXIT_OK to go on, an exit code (printed), or ECC_CLI_HELP_SHOWN. */
static int s_parse(int argc, char **argv, struct s_args *args) {
    uint64_t expires = 0;
    bool date_given = false, expires_given = false, unsigned_payload = false;
    const struct ecc_cli_option options[] = {
        {"--access-key", .value = &args->access_key},
        {"--secret-key-file", .value = &args->secret_file},
        {"--region", .value = &args->region},
        {"--service", .value = &args->service},
        {"--date", .take = ecc_cli_take_sigv4_date, .user = &args->now_s, .given = &date_given},
        {"--expires", .number = &expires, .min = 1, .max = ECC_SIGV4_MAX_EXPIRES_S, .given = &expires_given},
        {"--presign", .given = &args->presign},
        {"--explain", .given = &args->explain},
        {"--content-sha256", .given = &args->options.add_content_sha256_header},
        {"--token-after-signing", .given = &args->options.session_token_after_signing},
        {"--no-normalize", .given = &args->options.keep_path_unnormalized},
        {"--unsigned-payload", .given = &unsigned_payload},
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
    if (expires_given && !args->presign) {
        ecc_cli_error(S_CMD, "--expires only applies to --presign");
        return ECC_EXIT_USAGE;
    }
    if (date_given) {
        args->options.clock = ecc_cli_fixed_clock;
        args->options.clock_user_data = &args->now_s;
    }
    if (unsigned_payload) {
        args->options.payload = ECC_SIGV4_PAYLOAD_UNSIGNED;
    }
    args->options.expires_s = (uint32_t)expires;
    return ecc_cli_region(S_CMD, &args->region);
}

/* --access-key and --secret-key-file, each else the environment's. */
static int s_credentials(const struct s_args *args, struct ecc_credentials *credentials) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_credentials_from_parts(credentials, args->access_key, args->secret_file, &diag);
    if (status == ECC_ERR_NOT_FOUND) {
        ecc_cli_error(S_CMD, "%s: pass --access-key and --secret-key-file, or set it", diag.text);
        return ECC_EXIT_SETUP;
    }
    if (status != ECC_OK) {
        ecc_cli_error(S_CMD, "%s", diag.text);
        return ECC_EXIT_SETUP;
    }
    return ECC_EXIT_OK;
}

/* Signs the request and prints it (or the presigned URL); --explain shows the canonical request. */
static int s_sign(struct s_args *args, const struct ecc_credentials *credentials, struct ecc_http_request *request) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    args->options.credentials = credentials;
    args->options.region = args->region;
    args->options.service = args->service;
    args->options.mode = args->presign ? ECC_SIGV4_MODE_QUERY : ECC_SIGV4_MODE_HEADER;
    struct ecc_sigv4_signer *signer = ecc_sigv4_signer_new();
    if (!signer) {
        return ECC_EXIT_INTERNAL;
    }
    int exit_code = ECC_EXIT_OK;
    struct ecc_buf out;
    ecc_buf_init(&out, 64 * 1024 * 1024);
    if (ecc_sigv4_signer_sign(signer, request, &args->options, &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "%s", diag.text);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (args->explain) {
        fprintf(
            stderr,
            "# canonical request\n%s\n# string to sign\n%s\n# signature\n%s\n",
            ecc_sigv4_signer_canonical_request(signer),
            ecc_sigv4_signer_string_to_sign(signer),
            ecc_sigv4_signer_signature(signer));
    }
    enum ecc_status status = args->presign ? ecc_buf_printf(
                                                 &out,
                                                 "https://%s%s?%s\n",
                                                 ecc_http_headers_get(&request->headers, "host"),
                                                 request->path && request->path[0] ? request->path : "/",
                                                 request->query)
                                           : ecc_sigv4_format_request_text(request, &out);
    if (status != ECC_OK || fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        ecc_cli_error(S_CMD, "cannot write the signed request");
        exit_code = ECC_EXIT_SETUP;
    }
done:
    ecc_buf_clean_up(&out);
    ecc_sigv4_signer_destroy(signer);
    return exit_code;
}

int ecc_cmd_sign(int argc, char **argv) {
    struct s_args args = {.service = "ecs"};
    int exit_code = s_parse(argc, argv, &args);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code == ECC_CLI_HELP_SHOWN ? ECC_EXIT_OK : exit_code;
    }
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    exit_code = s_credentials(&args, &credentials);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = ecc_cli_read_request(S_CMD, args.input, &request);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_sign(&args, &credentials, &request);
done:
    ecc_http_request_clean_up(&request);
    ecc_credentials_clean_up(&credentials);
    return exit_code;
}

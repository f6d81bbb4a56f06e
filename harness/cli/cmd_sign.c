/* `ecsconf sign`: sign a raw HTTP request (the SigV4 suite's request.txt form) and print it. */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int64_t s_fixed_clock(void *user_data) {
    return *(const int64_t *)user_data;
}

int ecc_cmd_sign(int argc, char **argv) {
    const char *cmd = "sign";
    const char *access_key = NULL, *secret_file = NULL, *region = NULL, *service = "ecs", *date = NULL;
    const char *expires_text = NULL, *input = NULL;
    bool presign = false, explain = false;
    struct ecc_sigv4_sign_options options = {0};
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            return ECC_EXIT_OK;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--access-key"))) {
            access_key = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--secret-key-file"))) {
            secret_file = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--region"))) {
            region = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--service"))) {
            service = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--date"))) {
            date = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--expires"))) {
            expires_text = value;
        } else if (strcmp(argv[i], "--presign") == 0) {
            presign = true;
        } else if (strcmp(argv[i], "--explain") == 0) {
            explain = true;
        } else if (strcmp(argv[i], "--content-sha256") == 0) {
            options.add_content_sha256_header = true;
        } else if (strcmp(argv[i], "--unsigned-payload") == 0) {
            options.payload = ECC_SIGV4_PAYLOAD_UNSIGNED;
        } else if (strcmp(argv[i], "--token-after-signing") == 0) {
            options.session_token_after_signing = true;
        } else if (strcmp(argv[i], "--no-normalize") == 0) {
            options.keep_path_unnormalized = true;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            ecc_cli_error(cmd, "unknown option or missing value: '%s' (see ecsconf sign --help)", argv[i]);
            return ECC_EXIT_USAGE;
        } else if (input) {
            ecc_cli_error(cmd, "one request file at a time ('%s' and '%s' given)", input, argv[i]);
            return ECC_EXIT_USAGE;
        } else {
            input = argv[i];
        }
    }

    int64_t now_s = 0;
    if (date) {
        if (ecc_sigv4_parse_date(date, &now_s) != ECC_OK) {
            ecc_cli_error(cmd, "--date '%s' is not in the form YYYYMMDDTHHMMSSZ (e.g. 20150830T123600Z)", date);
            return ECC_EXIT_USAGE;
        }
        options.clock = s_fixed_clock;
        options.clock_user_data = &now_s;
    }
    if (expires_text) {
        char *end = NULL;
        unsigned long expires = strtoul(expires_text, &end, 10);
        if (!presign) {
            ecc_cli_error(cmd, "--expires only applies to --presign");
            return ECC_EXIT_USAGE;
        }
        if (!expires_text[0] || *end || expires_text[0] == '-' || expires < 1 || expires > ECC_SIGV4_MAX_EXPIRES_S) {
            ecc_cli_error(
                cmd,
                "--expires must be a number of seconds from 1 to %d, got '%s'",
                ECC_SIGV4_MAX_EXPIRES_S,
                expires_text);
            return ECC_EXIT_USAGE;
        }
        options.expires_s = (uint32_t)expires;
    }
    if (!region) {
        region = ecc_credentials_region_from_env();
    }
    if (!region) {
        ecc_cli_error(cmd, "no region: pass --region or set AWS_REGION (or AWS_DEFAULT_REGION)");
        return ECC_EXIT_SETUP;
    }

    int exit_code = ECC_EXIT_OK;
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    struct ecc_buf out;
    ecc_buf_init(&out, 64 * 1024 * 1024);
    struct ecc_sigv4_signer *signer = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);

    /* The environment's session token belongs to the environment's key pair only. */
    const char *env_key = getenv("AWS_ACCESS_KEY_ID");
    const char *env_secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *key_id = access_key ? access_key : env_key;
    if (!key_id || !key_id[0]) {
        ecc_cli_error(cmd, "no access key id: pass --access-key or set AWS_ACCESS_KEY_ID");
        exit_code = ECC_EXIT_SETUP;
        goto done;
    }
    if (!secret_file && (!env_secret || !env_secret[0])) {
        ecc_cli_error(cmd, "no secret access key: pass --secret-key-file or set AWS_SECRET_ACCESS_KEY");
        exit_code = ECC_EXIT_SETUP;
        goto done;
    }
    const char *token = !access_key && !secret_file ? getenv("AWS_SESSION_TOKEN") : NULL;
    if (ecc_credentials_set(&credentials, key_id, secret_file ? "pending" : env_secret, token, &diag) != ECC_OK ||
        (secret_file && ecc_credentials_read_secret_file(&credentials, secret_file, &diag) != ECC_OK)) {
        ecc_cli_error(cmd, "%s", diag.text);
        exit_code = ECC_EXIT_SETUP;
        goto done;
    }
    exit_code = ecc_cli_read_request(cmd, input, &request);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    options.credentials = &credentials;
    options.region = region;
    options.service = service;
    options.mode = presign ? ECC_SIGV4_MODE_QUERY : ECC_SIGV4_MODE_HEADER;
    signer = ecc_sigv4_signer_new();
    if (!signer) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    if (ecc_sigv4_signer_sign(signer, &request, &options, &diag) != ECC_OK) {
        ecc_cli_error(cmd, "%s", diag.text);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (explain) {
        fprintf(
            stderr,
            "# canonical request\n%s\n# string to sign\n%s\n# signature\n%s\n",
            ecc_sigv4_signer_canonical_request(signer),
            ecc_sigv4_signer_string_to_sign(signer),
            ecc_sigv4_signer_signature(signer));
    }
    enum ecc_status status;
    if (presign) {
        status = ecc_buf_printf(
            &out,
            "https://%s%s?%s\n",
            ecc_http_headers_get(&request.headers, "host"),
            request.path && request.path[0] ? request.path : "/",
            request.query);
    } else {
        status = ecc_sigv4_format_request_text(&request, &out);
    }
    if (status != ECC_OK || fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout) != 0) {
        ecc_cli_error(cmd, "cannot write the signed request");
        exit_code = ECC_EXIT_SETUP;
    }
done:
    ecc_sigv4_signer_destroy(signer);
    ecc_buf_clean_up(&out);
    ecc_http_request_clean_up(&request);
    ecc_credentials_clean_up(&credentials);
    return exit_code;
}

/*
 * A program of a library user, built by ctest install.* against an INSTALLED ecsconf only (found with
 * pkg-config and with find_package): it signs one request of the official SigV4 suite with the
 * library and checks the signature and the signed request against the suite's own files. Usage:
 *   consumer <sigv4 vector folder>   (e.g. .../vectors/sigv4/get-vanilla)
 * Exit 0 when both match, 1 when they do not, 2 when a file cannot be read.
 */
#include <ecc/credentials.h>
#include <ecc/http.h>
#include <ecc/sigv4.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE_BYTES (64 * 1024)

/* Reads a whole (small) file into a NUL-terminated heap buffer; NULL when it cannot. */
static char *read_file(const char *folder, const char *name, size_t *len) {
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", folder, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "consumer: cannot open %s\n", path);
        return NULL;
    }
    char *data = malloc(MAX_FILE_BYTES + 1);
    size_t n = data ? fread(data, 1, MAX_FILE_BYTES, f) : 0;
    fclose(f);
    if (data) {
        data[n] = '\0';
        *len = n;
    }
    return data;
}

/* The suite's fixed time, 2015-08-30T12:36:00Z. */
static int64_t fixed_clock(void *user_data) {
    (void)user_data;
    int64_t epoch_s = 0;
    return ecc_sigv4_parse_date("20150830T123600Z", &epoch_s) == ECC_OK ? epoch_s : 0;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: consumer <sigv4 vector folder>\n");
        return 2;
    }
    int exit_code = 2;
    size_t request_len = 0, signature_len = 0, signed_len = 0;
    char *request_text = read_file(argv[1], "request.txt", &request_len);
    char *expected_signature = read_file(argv[1], "header-signature.txt", &signature_len);
    char *expected_signed = read_file(argv[1], "header-signed-request.txt", &signed_len);
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_sigv4_signer *signer = ecc_sigv4_signer_new();
    struct ecc_buf out;
    ecc_buf_init(&out, MAX_FILE_BYTES);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (!request_text || !expected_signature || !expected_signed || !signer) {
        goto done;
    }
    if (ecc_sigv4_parse_request_text(request_text, request_len, &request, &diag) != ECC_OK ||
        ecc_credentials_set(&credentials, "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", NULL, &diag) !=
            ECC_OK) {
        fprintf(stderr, "consumer: %s\n", diag.text);
        goto done;
    }
    struct ecc_sigv4_sign_options options = {
        .credentials = &credentials,
        .region = "us-east-1",
        .service = "service",
        .clock = fixed_clock,
    };
    if (ecc_sigv4_signer_sign(signer, &request, &options, &diag) != ECC_OK ||
        ecc_sigv4_format_request_text(&request, &out) != ECC_OK) {
        fprintf(stderr, "consumer: signing failed: %s\n", diag.text);
        exit_code = 1;
        goto done;
    }
    const char *signature = ecc_sigv4_signer_signature(signer);
    exit_code = 0;
    if (strcmp(signature, expected_signature) != 0) {
        fprintf(stderr, "consumer: signature %s, the suite says %s\n", signature, expected_signature);
        exit_code = 1;
    }
    if (out.len != signed_len || memcmp(out.data, expected_signed, signed_len) != 0) {
        fprintf(stderr, "consumer: signed request differs:\n%s\n--- the suite's:\n%s\n", out.data, expected_signed);
        exit_code = 1;
    }
    if (exit_code == 0) {
        printf("consumer: %s signed as the suite says (signature %s)\n", argv[1], signature);
    }

done:
    ecc_buf_clean_up(&out);
    ecc_sigv4_signer_destroy(signer);
    ecc_credentials_clean_up(&credentials);
    ecc_http_request_clean_up(&request);
    free(request_text);
    free(expected_signature);
    free(expected_signed);
    return exit_code;
}

/*
 * The --tls-cert and --tls-key options of `emulate` and `serve`: reads the two PEM files the server
 * (server.h) takes as text. The key is a secret: its buffer is wiped when released, and no message
 * quotes either file.
 */
#include "commands.h"

#include "ecc/common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A certificate chain or a key past this is not something a test server needs. */
#define S_MAX_PEM_BYTES (1024 * 1024)

/* Reads a whole PEM file into a NUL-terminated heap string (wiped and freed by the caller). */
static int s_read_pem(const char *cmd, const char *option, const char *path, char **out) {
    FILE *file = fopen(path, "rb");
    if (!file) {
        ecc_cli_error(cmd, "%s: cannot open '%s': %s", option, path, strerror(errno));
        return ECC_EXIT_USAGE;
    }
    int exit_code = ECC_EXIT_OK;
    char *text = malloc(S_MAX_PEM_BYTES + 1);
    size_t len = text ? fread(text, 1, S_MAX_PEM_BYTES + 1, file) : 0;
    if (!text) {
        exit_code = ECC_EXIT_INTERNAL;
    } else if (ferror(file)) {
        ecc_cli_error(cmd, "%s: cannot read '%s'", option, path);
        exit_code = ECC_EXIT_USAGE;
    } else if (len > S_MAX_PEM_BYTES || len == 0 || memchr(text, '\0', len) || !strstr(text, "-----BEGIN ")) {
        ecc_cli_error(
            cmd, "%s: '%s' is not a PEM file (text with -----BEGIN, at most %d bytes)", option, path, S_MAX_PEM_BYTES);
        exit_code = ECC_EXIT_USAGE;
    }
    fclose(file);
    if (exit_code != ECC_EXIT_OK) {
        if (text) {
            ecc_secure_zero(text, len);
        }
        free(text);
        return exit_code;
    }
    text[len] = '\0';
    *out = text;
    return ECC_EXIT_OK;
}

void ecc_cli_tls_init(struct ecc_cli_tls *tls) {
    tls->cert_file = NULL;
    tls->key_file = NULL;
    tls->cert_pem = NULL;
    tls->key_pem = NULL;
}

int ecc_cli_tls_load(const char *cmd, struct ecc_cli_tls *tls) {
    if (!tls->cert_file && !tls->key_file) {
        return ECC_EXIT_OK;
    }
    if (!tls->cert_file || !tls->key_file) {
        ecc_cli_error(cmd, "--tls-cert and --tls-key go together (HTTPS needs both)");
        return ECC_EXIT_USAGE;
    }
    int exit_code = s_read_pem(cmd, "--tls-cert", tls->cert_file, &tls->cert_pem);
    if (exit_code == ECC_EXIT_OK) {
        exit_code = s_read_pem(cmd, "--tls-key", tls->key_file, &tls->key_pem);
    }
    if (exit_code != ECC_EXIT_OK) {
        ecc_cli_tls_clean_up(tls);
    }
    return exit_code;
}

void ecc_cli_tls_clean_up(struct ecc_cli_tls *tls) {
    if (tls->key_pem) {
        ecc_secure_zero(tls->key_pem, strlen(tls->key_pem));
    }
    free(tls->key_pem);
    free(tls->cert_pem);
    tls->key_pem = NULL;
    tls->cert_pem = NULL;
}

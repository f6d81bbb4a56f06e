#include "ecc/credentials.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A secret file is one line; anything this long is not an AWS secret. */
#define ECC_SECRET_FILE_MAX_BYTES 4096

static void s_free_secret(char **slot) {
    if (*slot) {
        ecc_secure_zero(*slot, strlen(*slot));
        free(*slot);
        *slot = NULL;
    }
}

void ecc_credentials_init(struct ecc_credentials *credentials) {
    credentials->access_key_id = NULL;
    credentials->secret_access_key = NULL;
    credentials->session_token = NULL;
}

void ecc_credentials_clean_up(struct ecc_credentials *credentials) {
    s_free_secret(&credentials->access_key_id);
    s_free_secret(&credentials->secret_access_key);
    s_free_secret(&credentials->session_token);
}

enum ecc_status ecc_credentials_set(
    struct ecc_credentials *credentials,
    const char *access_key_id,
    const char *secret_access_key,
    const char *session_token,
    struct ecc_diag *diag) {
    ecc_credentials_clean_up(credentials);
    if (!access_key_id || !access_key_id[0]) {
        ecc_diag_set(diag, "the access key id is empty");
        return ECC_ERR_INVALID;
    }
    if (!secret_access_key || !secret_access_key[0]) {
        ecc_diag_set(diag, "the secret access key is empty");
        return ECC_ERR_INVALID;
    }
    credentials->access_key_id = ecc_strdup(access_key_id);
    credentials->secret_access_key = ecc_strdup(secret_access_key);
    if (session_token && session_token[0]) {
        credentials->session_token = ecc_strdup(session_token);
    }
    if (!credentials->access_key_id || !credentials->secret_access_key ||
        (session_token && session_token[0] && !credentials->session_token)) {
        ecc_credentials_clean_up(credentials);
        ecc_diag_set(diag, "out of memory copying the credentials");
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

static const char *s_env(const char *name) {
    const char *value = getenv(name);
    return value && value[0] ? value : NULL;
}

enum ecc_status ecc_credentials_from_env(struct ecc_credentials *credentials, struct ecc_diag *diag) {
    const char *access_key_id = s_env("AWS_ACCESS_KEY_ID");
    const char *secret_access_key = s_env("AWS_SECRET_ACCESS_KEY");
    if (!access_key_id || !secret_access_key) {
        ecc_credentials_clean_up(credentials);
        ecc_diag_set(
            diag,
            "%s is not set (or empty) in the environment",
            !access_key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY");
        return ECC_ERR_NOT_FOUND;
    }
    return ecc_credentials_set(credentials, access_key_id, secret_access_key, s_env("AWS_SESSION_TOKEN"), diag);
}

enum ecc_status
ecc_credentials_read_secret_file(struct ecc_credentials *credentials, const char *path, struct ecc_diag *diag) {
    char buffer[ECC_SECRET_FILE_MAX_BYTES + 2];
    enum ecc_status status = ECC_OK;
    FILE *file = fopen(path, "rb");
    if (!file) {
        ecc_diag_set(diag, "cannot open the secret key file '%s': %s", path, strerror(errno));
        return ECC_ERR_IO;
    }
    size_t len = fread(buffer, 1, sizeof(buffer) - 1, file);
    bool read_error = ferror(file) != 0;
    fclose(file);
    buffer[len] = '\0';
    if (read_error) {
        ecc_diag_set(diag, "cannot read the secret key file '%s'", path);
        status = ECC_ERR_IO;
        goto on_done;
    }
    if (len > ECC_SECRET_FILE_MAX_BYTES) {
        ecc_diag_set(diag, "the secret key file '%s' is longer than %d bytes", path, ECC_SECRET_FILE_MAX_BYTES);
        status = ECC_ERR_LIMIT;
        goto on_done;
    }
    size_t end = strcspn(buffer, "\r\n");
    size_t rest = end + strspn(buffer + end, "\r\n");
    if (rest != len) {
        ecc_diag_set(diag, "the secret key file '%s' must hold exactly one line", path);
        status = ECC_ERR_INVALID;
        goto on_done;
    }
    buffer[end] = '\0';
    if (end == 0 || strcspn(buffer, " \t") != end) {
        ecc_diag_set(diag, "the secret key in '%s' is empty or contains blanks", path);
        status = ECC_ERR_INVALID;
        goto on_done;
    }
    s_free_secret(&credentials->secret_access_key);
    credentials->secret_access_key = ecc_strdup(buffer);
    if (!credentials->secret_access_key) {
        status = ECC_ERR_NOMEM;
    }
on_done:
    ecc_secure_zero(buffer, sizeof(buffer));
    return status;
}

const char *ecc_credentials_region_from_env(void) {
    const char *region = s_env("AWS_REGION");
    return region ? region : s_env("AWS_DEFAULT_REGION");
}

enum ecc_status ecc_credentials_check_region(const char *region, struct ecc_diag *diag) {
    size_t len = region ? strlen(region) : 0;
    /* Words split by '-': [0] two letters, [1..n-2] letters, [n-1] digits; n >= 3. */
    size_t words = 0;
    bool ok = len > 0 && len <= 32;
    for (size_t start = 0; ok && start <= len;) {
        size_t end = start;
        while (end < len && region[end] != '-') {
            end++;
        }
        size_t letters = 0;
        size_t digits = 0;
        for (size_t i = start; i < end; i++) {
            letters += region[i] >= 'a' && region[i] <= 'z';
            digits += region[i] >= '0' && region[i] <= '9';
        }
        size_t word_len = end - start;
        bool last = end == len;
        ok = word_len > 0 && (last ? digits == word_len : letters == word_len) && (words != 0 || word_len == 2);
        words++;
        start = end + 1;
    }
    if (!ok || words < 3) {
        ecc_diag_set(
            diag,
            "'%.64s' is not an AWS region (lower-case words and a number joined by '-', e.g. us-east-1)",
            region ? region : "");
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

void ecc_credentials_describe(const struct ecc_credentials *credentials, char *out, size_t size) {
    if (size == 0) {
        return;
    }
    snprintf(
        out,
        size,
        "access key %s (secret: %s, session token: %s)",
        credentials->access_key_id ? credentials->access_key_id : "(none)",
        credentials->secret_access_key ? "set" : "not set",
        credentials->session_token ? "set" : "not set");
}

#ifndef ECC_CREDENTIALS_H
#define ECC_CREDENTIALS_H
/*
 * Floor 2: AWS credentials and region from the standard environment.
 *
 * Ownership: a `struct ecc_credentials` owns its three strings. ecc_credentials_clean_up overwrites them
 * with zeros (ecc_secure_zero) before freeing, so a secret does not outlive its holder in freed heap
 * memory. Nothing in this module prints a secret: log and report code formats credentials only through
 * ecc_credentials_describe, which shows the access key id and whether a secret and a token are present.
 */
#include "ecc/common.h"

struct ecc_credentials {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL when the credentials are long-term */
};

void ecc_credentials_init(struct ecc_credentials *credentials);
/* Wipes, frees and re-initializes. Safe to call twice. */
void ecc_credentials_clean_up(struct ecc_credentials *credentials);

/*
 * Replaces the credentials with copies of the given strings (`session_token` may be NULL or "").
 * Access key id and secret must be non-empty. On failure the credentials are left empty.
 */
enum ecc_status ecc_credentials_set(
    struct ecc_credentials *credentials,
    const char *access_key_id,
    const char *secret_access_key,
    const char *session_token,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. ECC_ERR_NOT_FOUND, naming the
 * missing variable in `diag`, when the key id or the secret is unset or empty.
 */
enum ecc_status
ecc_credentials_from_env(struct ecc_credentials *credentials, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * Reads the secret access key from a file (the first line, without its line end; surrounding blanks
 * are an error rather than silently part of the key). The buffer holding the file is wiped.
 */
enum ecc_status ecc_credentials_read_secret_file(
    struct ecc_credentials *credentials, const char *path, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* The region from AWS_REGION, else AWS_DEFAULT_REGION; NULL when neither is set or both are empty.
 * The pointer belongs to the environment. */
const char *ecc_credentials_region_from_env(void);

/* Is `region` in the AWS form: a two-letter area, one or more lower-case words, a number, joined by '-'
 * ("us-east-1", "us-gov-west-1", "eu-isoe-west-1"), at most 32 characters? ECC_ERR_INVALID with the
 * reason otherwise ("US-EAST-1", "us east", "useast1"). */
enum ecc_status ecc_credentials_check_region(const char *region, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * A printable description that never holds a secret: "access key AKID... (secret: set, session token:
 * set)". Writes at most `size` bytes, always NUL-terminated.
 */
void ecc_credentials_describe(const struct ecc_credentials *credentials, char *out, size_t size);

#endif

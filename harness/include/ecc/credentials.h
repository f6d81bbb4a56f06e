#ifndef ECC_CREDENTIALS_H
#define ECC_CREDENTIALS_H
/*
 * Floor 2: AWS credentials, region and CA bundle the way the AWS CLI finds them: the environment, then
 * the shared credentials and config files with profiles, then a profile's credential_process.
 *
 * Ownership: a `struct ecc_credentials` owns its three strings. ecc_credentials_clean_up overwrites them
 * with zeros (ecc_secure_zero) before freeing, so a secret does not outlive its holder in freed heap
 * memory. Nothing in this module prints a secret: log and report code formats credentials only through
 * ecc_credentials_describe, which shows the access key id and whether a secret and a token are present.
 */
#include "ecc/common.h"

#include <stdint.h>

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
 * The same, for a key pair given in parts: `access_key_id` (else AWS_ACCESS_KEY_ID) and the secret read
 * from `secret_file` (else AWS_SECRET_ACCESS_KEY); either may be NULL. The environment's session token
 * belongs to the environment's pair only, so it is read only when neither part is given.
 */
enum ecc_status ecc_credentials_from_parts(
    struct ecc_credentials *credentials, const char *access_key_id, const char *secret_file, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

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

/* ------------------------------------------------------------------------------------------------ */
/* The shared config and credentials files (~/.aws/config, ~/.aws/credentials)                      */

/* Zero-initialize, then set what differs from the AWS CLI's defaults. */
struct ecc_aws_config_options {
    const char *profile;          /* NULL: $AWS_PROFILE, then $AWS_DEFAULT_PROFILE, then "default" */
    const char *config_file;      /* NULL: $AWS_CONFIG_FILE, then $HOME/.aws/config */
    const char *credentials_file; /* NULL: $AWS_SHARED_CREDENTIALS_FILE, then $HOME/.aws/credentials */
    uint64_t process_timeout_ms;  /* credential_process deadline; 0 means ECC_CREDENTIAL_PROCESS_TIMEOUT_MS */
};

#define ECC_CREDENTIAL_PROCESS_TIMEOUT_MS 30000
/* Caps: a config or credentials file, and what a credential_process may print. */
#define ECC_AWS_CONFIG_MAX_FILE_BYTES    (1024 * 1024)
#define ECC_CREDENTIAL_PROCESS_MAX_BYTES (64 * 1024)
/* A description of where credentials or a setting came from ("the [ci] profile of /home/u/.aws/credentials"). */
#define ECC_CREDENTIALS_SOURCE_MAX 512

/*
 * The AWS CLI's order (botocore's credential chain, the sources ecsconf supports):
 *   1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) in the environment;
 *   2. aws_access_key_id + aws_secret_access_key (+ aws_session_token) in the profile's section of the
 *      credentials file ([NAME]);
 *   3. credential_process of the profile (credentials file first, then the config file): the command is
 *      split like a shell word list (no shell, no command substitution) and run with a deadline; it
 *      must print {"Version": 1, "AccessKeyId", "SecretAccessKey"[, "SessionToken", "Expiration"]};
 *   4. the same keys in the profile's section of the config file ([profile NAME], [default]).
 * ECC_OK with `credentials` set and `source` (may be NULL) saying which. ECC_ERR_NOT_FOUND when no
 * source has credentials. ECC_ERR_INVALID, with file:line or the profile in `diag`, for: only one of
 * the key id and secret in a source; a malformed file (anywhere in it: the CLI refuses such a file
 * too); a profile named by AWS_PROFILE or the options that neither file has; a credential_process that
 * fails, prints anything but that JSON, or gives credentials already expired. ECC_ERR_TIMEOUT when the
 * process outlives its deadline (it is killed, with its process group). ECC_ERR_IO when a file exists
 * but cannot be read. Every buffer that held file bytes or process output is wiped; no message quotes
 * a line of a file or the process's output.
 */
enum ecc_status ecc_credentials_resolve(
    struct ecc_credentials *credentials,
    const struct ecc_aws_config_options *options,
    char *source,
    size_t source_size,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * The region: $AWS_REGION, then $AWS_DEFAULT_REGION, then `region` in the profile's section of the
 * config file. The CA bundle: $AWS_CA_BUNDLE, then `ca_bundle` of the profile, which must be a readable
 * file (ECC_ERR_IO otherwise). Copied into `out`. ECC_ERR_NOT_FOUND when none has it; the file errors of
 * ecc_credentials_resolve otherwise.
 */
enum ecc_status ecc_credentials_resolve_region(
    const struct ecc_aws_config_options *options, char *out, size_t size, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_credentials_resolve_ca_bundle(
    const struct ecc_aws_config_options *options, char *out, size_t size, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* ------------------------------------------------------------------------------------------------ */
/* Key files: the keys an endpoint accepts (`ecsconf emulate --keys`, `ecsconf verify --keys`)       */

/*
 * One format for both commands, one key per line:
 *
 *     ACCESS_KEY_ID SECRET_ACCESS_KEY [account=12DIGITS] [session_token=TOKEN]
 *
 * fields separated by blanks; `#` starts a comment; blank lines are ignored. `account` is the account the
 * key belongs to (the emulator's ARNs; default: the emulator's account); `session_token`, when given,
 * must come with every request signed by that key. A command ignores what it has no use for (`verify`
 * has no accounts). Errors name file:line and never quote a line (it may hold a secret); a byte-order
 * mark is named as such.
 */
#define ECC_KEY_FILE_MAX_BYTES (1024 * 1024)
#define ECC_KEY_FILE_MAX_KEYS  1000

struct ecc_key_file_entry {
    char *access_key_id;
    char *secret_access_key;
    char *account;       /* NULL when the line gives none */
    char *session_token; /* NULL when the line gives none */
    unsigned line;
};

/* Owns its entries; ecc_key_file_clean_up wipes every secret and token. */
struct ecc_key_file {
    struct ecc_key_file_entry *keys;
    size_t count;
};

void ecc_key_file_init(struct ecc_key_file *file);
void ecc_key_file_clean_up(struct ecc_key_file *file);
/*
 * Reads `path` into `file` (empty before). ECC_ERR_IO when it cannot be read, ECC_ERR_LIMIT past the
 * caps, ECC_ERR_INVALID for a malformed line, a duplicate access key id or a file without keys; `diag`
 * has the file as its source and the line.
 */
enum ecc_status
ecc_key_file_load(struct ecc_key_file *file, const char *path, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * A printable description that never holds a secret: "access key AKID... (secret: set, session token:
 * set)". Writes at most `size` bytes, always NUL-terminated.
 */
void ecc_credentials_describe(const struct ecc_credentials *credentials, char *out, size_t size);

#endif

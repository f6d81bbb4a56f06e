#include "test_support.h"

#include "ecc/credentials.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void s_clear_env(void) {
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_DEFAULT_PROFILE");
    unsetenv("AWS_CA_BUNDLE");
}

static void test_from_env(void **state) {
    (void)state;
    s_clear_env();
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_credentials_from_env(&credentials, &diag), ECC_ERR_NOT_FOUND);
    assert_non_null(strstr(diag.text, "AWS_ACCESS_KEY_ID"));
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "", 1);
    assert_int_equal(ecc_credentials_from_env(&credentials, &diag), ECC_ERR_NOT_FOUND);
    assert_non_null(strstr(diag.text, "AWS_SECRET_ACCESS_KEY"));
    setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t", 1);
    assert_int_equal(ecc_credentials_from_env(&credentials, &diag), ECC_OK);
    assert_string_equal(credentials.access_key_id, "AKIDEXAMPLE");
    assert_string_equal(credentials.secret_access_key, "s3cr3t");
    assert_null(credentials.session_token);
    setenv("AWS_SESSION_TOKEN", "tok", 1);
    assert_int_equal(ecc_credentials_from_env(&credentials, &diag), ECC_OK);
    assert_string_equal(credentials.session_token, "tok");
    ecc_credentials_clean_up(&credentials);
    assert_null(credentials.secret_access_key);
    ecc_credentials_clean_up(&credentials); /* twice is fine */
    s_clear_env();
}

static void test_region_from_env(void **state) {
    (void)state;
    s_clear_env();
    assert_null(ecc_credentials_region_from_env());
    setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
    assert_string_equal(ecc_credentials_region_from_env(), "eu-west-1");
    setenv("AWS_REGION", "us-east-2", 1);
    assert_string_equal(ecc_credentials_region_from_env(), "us-east-2");
    setenv("AWS_REGION", "", 1);
    assert_string_equal(ecc_credentials_region_from_env(), "eu-west-1");
    s_clear_env();
}

static void test_check_region(void **state) {
    (void)state;
    struct ecc_diag diag;
    const char *good[] = {"us-east-1", "eu-west-3", "us-gov-west-1", "ap-southeast-4", "eu-isoe-west-1", "cn-north-1"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(good); i++) {
        assert_int_equal(ecc_credentials_check_region(good[i], &diag), ECC_OK);
    }
    const char *bad[] = {
        "",
        "US-EAST-1",
        "us east 1",
        "useast1",
        "us-east",
        "us-east-",
        "-us-east-1",
        "us--east-1",
        "usa-east-1",
        "us-east-1a",
        "us-east-1\n",
        "us-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeast-1"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        ecc_diag_clear(&diag);
        if (ecc_credentials_check_region(bad[i], &diag) != ECC_ERR_INVALID) {
            fail_msg("accepted region '%s'", bad[i]);
        }
        assert_non_null(strstr(diag.text, "is not an AWS region"));
    }
    assert_int_equal(ecc_credentials_check_region(NULL, &diag), ECC_ERR_INVALID);
}

static void test_set_rejects_empty(void **state) {
    (void)state;
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_diag diag;
    assert_int_equal(ecc_credentials_set(&credentials, "", "s", NULL, &diag), ECC_ERR_INVALID);
    assert_int_equal(ecc_credentials_set(&credentials, "a", NULL, NULL, &diag), ECC_ERR_INVALID);
    assert_null(credentials.access_key_id);
    assert_int_equal(ecc_credentials_set(&credentials, "a", "s", "", &diag), ECC_OK);
    assert_null(credentials.session_token);
    ecc_credentials_clean_up(&credentials);
}

static void test_describe_never_shows_secrets(void **state) {
    (void)state;
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    assert_int_equal(ecc_credentials_set(&credentials, "AKIDEXAMPLE", "SECRETVALUE", "TOKENVALUE", NULL), ECC_OK);
    char text[256];
    ecc_credentials_describe(&credentials, text, sizeof(text));
    assert_non_null(strstr(text, "AKIDEXAMPLE"));
    assert_null(strstr(text, "SECRETVALUE"));
    assert_null(strstr(text, "TOKENVALUE"));
    assert_non_null(strstr(text, "secret: set"));
    ecc_credentials_clean_up(&credentials);
    ecc_credentials_describe(&credentials, text, sizeof(text));
    assert_non_null(strstr(text, "secret: not set"));
}

static void s_write(const char *path, const char *text) {
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static void test_secret_file(void **state) {
    (void)state;
    char path[] = "/tmp/ecsconf-secret-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_diag diag;
    s_write(path, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
    assert_int_equal(ecc_credentials_read_secret_file(&credentials, path, &diag), ECC_OK);
    assert_string_equal(credentials.secret_access_key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    s_write(path, "no-newline");
    assert_int_equal(ecc_credentials_read_secret_file(&credentials, path, &diag), ECC_OK);
    assert_string_equal(credentials.secret_access_key, "no-newline");
    const char *bad[] = {"", "\n", "two\nlines\n", " leading-blank\n", "inner blank\n"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        s_write(path, bad[i]);
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_credentials_read_secret_file(&credentials, path, &diag), ECC_ERR_INVALID);
        assert_non_null(strstr(diag.text, path));
        /* the error never quotes the file's content */
        assert_null(strstr(diag.text, "blank\n"));
    }
    unlink(path);
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_credentials_read_secret_file(&credentials, path, &diag), ECC_ERR_IO);
    assert_non_null(strstr(diag.text, "cannot open"));
    ecc_credentials_clean_up(&credentials);
}

/* ---- Key files (emulate --keys, verify --keys) ---- */

/* Loads `text` as a key file; returns the status, the diag in `diag`. */
static enum ecc_status s_key_file(const char *text, struct ecc_key_file *file, struct ecc_diag *diag) {
    char path[] = "/tmp/ecsconf-keys-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    s_write(path, text);
    ecc_key_file_init(file);
    enum ecc_status status = ecc_key_file_load(file, path, diag);
    if (status != ECC_OK) {
        assert_non_null(strstr(diag->source, "/tmp/ecsconf-keys-")); /* the message names the file */
    }
    unlink(path);
    return status;
}

static void test_key_file(void **state) {
    (void)state;
    struct ecc_key_file file;
    struct ecc_diag diag;
    assert_int_equal(
        s_key_file(
            "# accepted keys\n"
            "AKIDONE wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n"
            "\n"
            "  AKIDTWO secret=with=equals account=123456789012   # a comment\r\n"
            "AKIDTHREE s3 session_token=FQoGZXIvYXdzE== account=000000000001\n",
            &file,
            &diag),
        ECC_OK);
    assert_int_equal(file.count, 3);
    assert_string_equal(file.keys[0].access_key_id, "AKIDONE");
    assert_string_equal(file.keys[0].secret_access_key, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    assert_null(file.keys[0].account);
    assert_null(file.keys[0].session_token);
    assert_int_equal(file.keys[0].line, 2);
    assert_string_equal(file.keys[1].secret_access_key, "secret=with=equals");
    assert_string_equal(file.keys[1].account, "123456789012");
    assert_int_equal(file.keys[1].line, 4);
    assert_string_equal(file.keys[2].session_token, "FQoGZXIvYXdzE==");
    assert_string_equal(file.keys[2].account, "000000000001");
    ecc_key_file_clean_up(&file);
    assert_int_equal(file.count, 0);

    /* Each malformed file: ECC_ERR_INVALID at the right line, the reason named, no secret quoted. */
    static const struct {
        const char *text;
        int line;
        const char *reason;
    } bad[] = {
        {"AKIDONE\n", 1, "got one field"},
        {"# ok\nAKIDONE s3cr3tvalue acount=123456789012\n",
         2,
         "unknown option 'acount' (account, session_token); did you mean account?"},
        {"AKIDONE s3cr3tvalue extra\n", 1, "a third field must be account="},
        {"AKIDONE s3cr3tvalue account=12345\n", 1, "account must be 12 digits"},
        {"AKIDONE s3cr3tvalue account=123456789012 account=123456789012\n", 1, "account given twice"},
        {"AKIDONE s3cr3tvalue session_token=\n", 1, "session_token is empty"},
        {"AKIDONE s3cr3tvalue\n\nAKIDONE s3cr3tother\n", 3, "already on line 1"},
        {"\xEF\xBB\xBF"
         "AKIDONE s3cr3tvalue\n",
         1,
         "byte-order mark"},
        {"# only a comment\n\n", 0, "no keys"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        ecc_diag_clear(&diag);
        assert_int_equal(s_key_file(bad[i].text, &file, &diag), ECC_ERR_INVALID);
        if (!strstr(diag.text, bad[i].reason) || diag.line != bad[i].line) {
            fail_msg("case %zu: line %d, '%s'", i, diag.line, diag.text);
        }
        assert_null(strstr(diag.text, "s3cr3t"));
        assert_int_equal(file.count, 0);
    }
    ecc_diag_clear(&diag);
    ecc_key_file_init(&file);
    assert_int_equal(ecc_key_file_load(&file, "/nonexistent/keys", &diag), ECC_ERR_IO);
    assert_non_null(strstr(diag.text, "cannot open the key file"));
}

/* ---- Shared config and credentials files ---- */

static char s_dir[256];
static char s_config[300], s_creds[300];

static void s_files(const char *config, const char *credentials) {
    s_clear_env();
    snprintf(s_dir, sizeof(s_dir), "%s", "/tmp/ecsconf-credentials-XXXXXX");
    assert_non_null(mkdtemp(s_dir));
    snprintf(s_config, sizeof(s_config), "%s/config", s_dir);
    snprintf(s_creds, sizeof(s_creds), "%s/credentials", s_dir);
    if (config) {
        s_write(s_config, config);
    }
    if (credentials) {
        s_write(s_creds, credentials);
    }
    setenv("AWS_CONFIG_FILE", s_config, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", s_creds, 1);
}

static void s_files_clean_up(void) {
    char command[400];
    snprintf(command, sizeof(command), "rm -rf '%s'", s_dir);
    assert_int_equal(system(command), 0);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    s_clear_env();
}

#define SECRET_A "fileSecretAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
#define SECRET_B "fileSecretBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

/* Resolves and checks the key id (NULL: expect `want_status`), and that no secret reaches the diag. */
static void s_expect(enum ecc_status want_status, const char *want_key_id, const char *want_in_diag) {
    struct ecc_credentials c;
    ecc_credentials_init(&c);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    char source[ECC_CREDENTIALS_SOURCE_MAX];
    struct ecc_aws_config_options options = {.process_timeout_ms = 5000};
    enum ecc_status status = ecc_credentials_resolve(&c, &options, source, sizeof(source), &diag);
    if (status != want_status) {
        fail_msg("status %d, want %d: %s", status, want_status, diag.text);
    }
    if (want_key_id) {
        assert_string_equal(c.access_key_id, want_key_id);
        assert_non_null(c.secret_access_key);
        assert_null(strstr(source, c.secret_access_key));
    } else {
        assert_null(c.access_key_id);
    }
    if (want_in_diag && !strstr(status == ECC_OK ? source : diag.text, want_in_diag)) {
        fail_msg("'%s' lacks '%s'", status == ECC_OK ? source : diag.text, want_in_diag);
    }
    assert_null(strstr(diag.text, "fileSecret"));
    assert_null(strstr(source, "fileSecret"));
    ecc_credentials_clean_up(&c);
}

static void test_shared_files_order(void **state) {
    (void)state;
    s_files(
        "# the config file\n[default]\nregion = eu-west-3\n\n[profile ci]\nregion: ap-south-1\n"
        "aws_access_key_id = AKIDCONFIGCI\naws_secret_access_key = " SECRET_B "\ns3 =\n  max_concurrent_requests = 2\n"
        "[profile only-config]\naws_access_key_id=AKIDONLYCONFIG\naws_secret_access_key=" SECRET_B "\n",
        "[default]\naws_access_key_id = AKIDFILEDEFAULT\naws_secret_access_key = " SECRET_A "\n"
        "; comment\n[ci]\naws_access_key_id = AKIDFILECI\naws_secret_access_key = " SECRET_A
        "\naws_session_token = tok\n");
    s_expect(ECC_OK, "AKIDFILEDEFAULT", "the [default] profile of");
    setenv("AWS_PROFILE", "ci", 1);
    /* The credentials file comes before the config file. */
    s_expect(ECC_OK, "AKIDFILECI", "the [ci] profile of");
    setenv("AWS_PROFILE", "only-config", 1);
    s_expect(ECC_OK, "AKIDONLYCONFIG", "[profile only-config] section");
    /* The environment comes first. */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    s_expect(ECC_OK, "AKIDENV", "environment");
    /* Half of the environment's pair is an error, not a silent fall-through to the files. */
    unsetenv("AWS_SECRET_ACCESS_KEY");
    s_expect(ECC_ERR_INVALID, NULL, "AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_ACCESS_KEY_ID");
    /* AWS_DEFAULT_PROFILE when AWS_PROFILE is unset. */
    unsetenv("AWS_PROFILE");
    setenv("AWS_DEFAULT_PROFILE", "ci", 1);
    s_expect(ECC_OK, "AKIDFILECI", "[ci]");

    /* Region: AWS_REGION, AWS_DEFAULT_REGION, then the profile's config. */
    char region[64];
    struct ecc_diag diag;
    assert_int_equal(ecc_credentials_resolve_region(NULL, region, sizeof(region), &diag), ECC_OK);
    assert_string_equal(region, "ap-south-1");
    unsetenv("AWS_DEFAULT_PROFILE");
    assert_int_equal(ecc_credentials_resolve_region(NULL, region, sizeof(region), &diag), ECC_OK);
    assert_string_equal(region, "eu-west-3");
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    assert_int_equal(ecc_credentials_resolve_region(NULL, region, sizeof(region), &diag), ECC_OK);
    assert_string_equal(region, "us-west-1");
    setenv("AWS_REGION", "us-west-2", 1);
    assert_int_equal(ecc_credentials_resolve_region(NULL, region, sizeof(region), &diag), ECC_OK);
    assert_string_equal(region, "us-west-2");
    /* The profile option wins over AWS_PROFILE. */
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    setenv("AWS_PROFILE", "nope", 1);
    struct ecc_aws_config_options options = {.profile = "ci"};
    assert_int_equal(ecc_credentials_resolve_region(&options, region, sizeof(region), &diag), ECC_OK);
    assert_string_equal(region, "ap-south-1");
    s_files_clean_up();
}

static void test_shared_files_ca_bundle(void **state) {
    (void)state;
    s_files(
        "[default]\nca_bundle = /dev/null\n[profile bare]\n[profile gone]\nca_bundle = /nonexistent/ca.pem\n", NULL);
    char bundle[512], path[512];
    snprintf(path, sizeof(path), "%s/mine.pem", s_dir);
    s_write(path, "not parsed here\n");
    struct ecc_diag diag;
    assert_int_equal(ecc_credentials_resolve_ca_bundle(NULL, bundle, sizeof(bundle), &diag), ECC_OK);
    assert_string_equal(bundle, "/dev/null");
    setenv("AWS_CA_BUNDLE", path, 1);
    assert_int_equal(ecc_credentials_resolve_ca_bundle(NULL, bundle, sizeof(bundle), &diag), ECC_OK);
    assert_string_equal(bundle, path);
    unsetenv("AWS_CA_BUNDLE");
    /* A bundle that cannot be read is an error now, naming it, not at the first handshake. */
    setenv("AWS_PROFILE", "gone", 1);
    assert_int_equal(ecc_credentials_resolve_ca_bundle(NULL, bundle, sizeof(bundle), &diag), ECC_ERR_IO);
    assert_non_null(strstr(diag.text, "/nonexistent/ca.pem"));
    assert_non_null(strstr(diag.text, "config:5: ca_bundle '")); /* where the name came from: file:line */
    setenv("AWS_CA_BUNDLE", "/nonexistent/env.pem", 1);
    assert_int_equal(ecc_credentials_resolve_ca_bundle(NULL, bundle, sizeof(bundle), &diag), ECC_ERR_IO);
    assert_non_null(strstr(diag.text, "AWS_CA_BUNDLE '/nonexistent/env.pem' cannot be read"));
    unsetenv("AWS_CA_BUNDLE");
    setenv("AWS_PROFILE", "bare", 1);
    assert_int_equal(ecc_credentials_resolve_ca_bundle(NULL, bundle, sizeof(bundle), &diag), ECC_ERR_NOT_FOUND);
    s_files_clean_up();
}

static void test_shared_files_errors(void **state) {
    (void)state;
    /* No files at all, default profile: nothing found, no error. */
    s_files(NULL, NULL);
    s_expect(ECC_ERR_NOT_FOUND, NULL, "has none");
    /* A profile named by AWS_PROFILE that no file has. */
    setenv("AWS_PROFILE", "missing", 1);
    s_expect(ECC_ERR_INVALID, NULL, "'missing' (named by AWS_PROFILE) is in neither");
    char region[64];
    struct ecc_diag diag;
    assert_int_equal(ecc_credentials_resolve_region(NULL, region, sizeof(region), &diag), ECC_ERR_INVALID);
    s_files_clean_up();

    /* Malformed lines, with file:line, never quoting the line (it holds a secret here). */
    const char *malformed[] = {
        "[default]\naws_access_key_id = AKID\naws_secret_access_key " SECRET_A "\n",
        "aws_secret_access_key = " SECRET_A "\n[default]\n",
        "[default\naws_secret_access_key = " SECRET_A "\n",
        "[default]\n= " SECRET_A "\n",
        "  " SECRET_A "\n[default]\n",
        "[default]\naws_access_key_id = A\naws_access_key_id = " SECRET_A "\n",
        "[default]\n[default]\n",
    };
    const char *want[] = {
        ":3: expected [section]",
        ":1: a key before any",
        ":1: a section header",
        ":2: a value without a key",
        ":1: an indented line",
        ":3: aws_access_key_id is set twice",
        ":2: section [default] appears twice"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        s_files(NULL, malformed[i]);
        s_expect(ECC_ERR_INVALID, NULL, want[i]);
        s_files_clean_up();
    }
    /* Only half of the key pair in a profile. */
    s_files(NULL, "[default]\naws_secret_access_key = " SECRET_A "\n");
    s_expect(ECC_ERR_INVALID, NULL, "has aws_secret_access_key but not aws_access_key_id");
    s_files_clean_up();
}

/* A credential_process script written by the test. */
static void s_process(const char *script_body) {
    char script[400], config[900];
    snprintf(script, sizeof(script), "%s/proc.sh", s_dir);
    s_write(script, script_body);
    assert_int_equal(chmod(script, 0700), 0);
    snprintf(
        config, sizeof(config), "[default]\nregion = us-east-1\ncredential_process = %s --flag 'two words'\n", script);
    s_write(s_config, config);
}

static void test_credential_process(void **state) {
    (void)state;
    s_files(NULL, NULL);
    s_process("#!/bin/sh\n[ \"$2\" = 'two words' ] || exit 7\n"
              "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"" SECRET_A "\", "
              "\"SessionToken\": \"tok\", \"Expiration\": \"2999-01-01T00:00:00Z\"}'\n");
    s_expect(ECC_OK, "AKIDPROCESS", "credential_process");
    /* Static keys in the credentials file come before the process. */
    s_write(s_creds, "[default]\naws_access_key_id = AKIDSTATIC\naws_secret_access_key = " SECRET_B "\n");
    s_expect(ECC_OK, "AKIDSTATIC", "profile of");
    assert_int_equal(unlink(s_creds), 0);

    s_process("#!/bin/sh\necho 'helper failed' >&2\nexit 3\n");
    s_expect(ECC_ERR_INVALID, NULL, "exited with status 3");
    s_process("#!/bin/sh\necho 'not json " SECRET_A "'\n");
    s_expect(ECC_ERR_INVALID, NULL, "not JSON");
    s_process("#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET_A "\"}'\n");
    s_expect(ECC_ERR_INVALID, NULL, "\"Version\" must be 1");
    s_process("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\"}'\n");
    s_expect(ECC_ERR_INVALID, NULL, "must be strings");
    s_process("#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"" SECRET_A "\", "
              "\"Expiration\": \"2001-01-01T00:00:00Z\"}'\n");
    s_expect(ECC_ERR_INVALID, NULL, "expired at 2001-01-01T00:00:00Z");
    s_write(s_config, "[default]\ncredential_process = $(touch /tmp/ecsconf-never)\n");
    s_expect(ECC_ERR_INVALID, NULL, "command substitution");
    s_write(s_config, "[default]\ncredential_process = /nonexistent/credential-helper\n");
    s_expect(ECC_ERR_INVALID, NULL, "cannot start");

    /* A process that hangs (and a child that holds the pipe open) is killed at the deadline. */
    s_process("#!/bin/sh\nsleep 60 &\nsleep 60\n");
    struct ecc_credentials c;
    ecc_credentials_init(&c);
    struct ecc_diag diag;
    struct ecc_aws_config_options options = {.process_timeout_ms = 300};
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(ecc_credentials_resolve(&c, &options, NULL, 0, &diag), ECC_ERR_TIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &end);
    double elapsed_s = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    assert_true(elapsed_s < 20.0);
    assert_non_null(strstr(diag.text, "did not finish within 300 ms"));
    /* Output past the cap. */
    s_process("#!/bin/sh\nhead -c 200000 /dev/zero\n");
    s_expect(ECC_ERR_LIMIT, NULL, "more than");
    s_files_clean_up();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_env),
        cmocka_unit_test(test_region_from_env),
        cmocka_unit_test(test_check_region),
        cmocka_unit_test(test_set_rejects_empty),
        cmocka_unit_test(test_describe_never_shows_secrets),
        cmocka_unit_test(test_secret_file),
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_shared_files_order),
        cmocka_unit_test(test_shared_files_ca_bundle),
        cmocka_unit_test(test_shared_files_errors),
        cmocka_unit_test(test_credential_process),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

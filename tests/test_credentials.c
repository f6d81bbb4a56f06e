#include "test_support.h"

#include "ecc/credentials.h"

#include <unistd.h>

static void s_clear_env(void) {
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    unsetenv("AWS_SESSION_TOKEN");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_env),
        cmocka_unit_test(test_region_from_env),
        cmocka_unit_test(test_check_region),
        cmocka_unit_test(test_set_rejects_empty),
        cmocka_unit_test(test_describe_never_shows_secrets),
        cmocka_unit_test(test_secret_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Floor 0: the bounded buffer, diagnostics and HTTP header list. */
#include "test_support.h"

#include "ecc/common.h"
#include "ecc/http.h"

static void test_buf_append_and_cap(void **state) {
    (void)state;
    struct ecc_buf buf;
    ecc_buf_init(&buf, 8);
    assert_int_equal(ecc_buf_append_str(&buf, "abcd"), ECC_OK);
    assert_int_equal(ecc_buf_printf(&buf, "%d", 123), ECC_OK);
    assert_string_equal(buf.data, "abcd123");
    /* One byte fits, the next does not, and a failed append changes nothing. */
    assert_int_equal(ecc_buf_append_byte(&buf, 'x'), ECC_OK);
    assert_int_equal(ecc_buf_append_byte(&buf, 'y'), ECC_ERR_LIMIT);
    assert_int_equal(ecc_buf_printf(&buf, "%s", "zz"), ECC_ERR_LIMIT);
    assert_int_equal(buf.len, 8);
    assert_string_equal(buf.data, "abcd123x");
    char *stolen = ecc_buf_steal(&buf);
    assert_string_equal(stolen, "abcd123x");
    assert_null(buf.data);
    free(stolen);
    ecc_buf_clean_up(&buf);
}

static void test_buf_huge_append_rejected(void **state) {
    (void)state;
    struct ecc_buf buf;
    ecc_buf_init(&buf, 16);
    assert_int_equal(ecc_buf_append(&buf, "x", SIZE_MAX), ECC_ERR_LIMIT);
    assert_int_equal(buf.len, 0);
    ecc_buf_clean_up(&buf);
}

static void test_diag_format(void **state) {
    (void)state;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    char out[128];
    ecc_diag_format(&diag, out, sizeof(out));
    assert_string_equal(out, "(no details)");
    strcpy(diag.source, "case.json");
    diag.line = 3;
    diag.column = 7;
    ecc_diag_set_path(&diag, "/steps/0");
    ecc_diag_set(&diag, "unknown key '%s'", "sned");
    ecc_diag_format(&diag, out, sizeof(out));
    assert_string_equal(out, "case.json:3:7: /steps/0: unknown key 'sned'");
    ecc_diag_format(&diag, out, 10);
    assert_string_equal(out, "case.json");
}

static void test_ct_equal_and_hex(void **state) {
    (void)state;
    assert_true(ecc_ct_equal("abc", "abc", 3));
    assert_false(ecc_ct_equal("abc", "abd", 3));
    char hex[9];
    const uint8_t bytes[] = {0x00, 0xab, 0x10, 0xff};
    ecc_hex_encode(bytes, sizeof(bytes), hex);
    assert_string_equal(hex, "00ab10ff");
}

static void test_headers(void **state) {
    (void)state;
    struct ecc_http_headers headers;
    ecc_http_headers_init(&headers);
    assert_int_equal(ecc_http_headers_add(&headers, "X-Amz-Target", "A.RunTask"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&headers, "My-Header", "v1"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&headers, "my-header", "v2"), ECC_OK);
    assert_string_equal(ecc_http_headers_get(&headers, "x-amz-target"), "A.RunTask");
    assert_int_equal(ecc_http_headers_count_name(&headers, "MY-HEADER"), 2);
    assert_int_equal(ecc_http_headers_set(&headers, "My-Header", "v3"), ECC_OK);
    assert_int_equal(ecc_http_headers_count_name(&headers, "my-header"), 1);
    assert_string_equal(ecc_http_headers_get(&headers, "my-header"), "v3");
    assert_null(ecc_http_headers_get(&headers, "absent"));
    assert_int_equal(ecc_http_headers_remove(&headers, "x-amz-target"), 1);
    assert_int_equal(headers.count, 1);
    ecc_http_headers_clean_up(&headers);
}

static void test_headers_cap(void **state) {
    (void)state;
    struct ecc_http_headers headers;
    ecc_http_headers_init(&headers);
    for (int i = 0; i < ECC_HTTP_MAX_HEADERS; i++) {
        assert_int_equal(ecc_http_headers_add(&headers, "x", "y"), ECC_OK);
    }
    assert_int_equal(ecc_http_headers_add(&headers, "x", "y"), ECC_ERR_LIMIT);
    ecc_http_headers_clean_up(&headers);
}

static void test_request_copy(void **state) {
    (void)state;
    struct ecc_http_request a;
    struct ecc_http_request b;
    ecc_http_request_init(&a);
    ecc_http_request_init(&b);
    assert_int_equal(ecc_http_request_set_line(&a, "POST", "/", NULL), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&a.headers, "Host", "example"), ECC_OK);
    assert_int_equal(ecc_http_request_set_body(&a, "{}", 2), ECC_OK);
    assert_int_equal(ecc_http_request_copy(&b, &a), ECC_OK);
    assert_string_equal(b.method, "POST");
    assert_null(b.query);
    assert_int_equal(b.body_len, 2);
    assert_memory_equal(b.body, "{}", 2);
    assert_string_equal(ecc_http_headers_get(&b.headers, "host"), "example");
    ecc_http_request_clean_up(&a);
    ecc_http_request_clean_up(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf_append_and_cap),
        cmocka_unit_test(test_buf_huge_append_rejected),
        cmocka_unit_test(test_diag_format),
        cmocka_unit_test(test_ct_equal_and_hex),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_headers_cap),
        cmocka_unit_test(test_request_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

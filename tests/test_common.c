/* Floor 0: the bounded buffer, diagnostics and HTTP header list. */
#include "test_support.h"

#include "ecc/common.h"
#include "ecc/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static void test_buf_reserve(void **state) {
    (void)state;
    struct ecc_buf buf;
    ecc_buf_init(&buf, 10);
    assert_int_equal(ecc_buf_append_str(&buf, "ab"), ECC_OK);
    assert_int_equal(ecc_buf_reserve(&buf, 8), ECC_OK);
    assert_int_equal(buf.len, 2);
    assert_true(buf.capacity >= 11);
    memcpy(buf.data + buf.len, "cdefghij", 8);
    buf.len += 8;
    buf.data[buf.len] = '\0';
    assert_string_equal(buf.data, "abcdefghij");
    assert_int_equal(ecc_buf_reserve(&buf, 1), ECC_ERR_LIMIT);
    assert_int_equal(ecc_buf_reserve(&buf, SIZE_MAX), ECC_ERR_LIMIT);
    assert_int_equal(ecc_buf_reserve(&buf, 0), ECC_OK);
    ecc_buf_clean_up(&buf);
}

static void test_hex_all_bytes_and_name_equal(void **state) {
    (void)state;
    uint8_t bytes[256];
    for (int i = 0; i < 256; i++) {
        bytes[i] = (uint8_t)i;
    }
    char hex[513];
    ecc_hex_encode(bytes, sizeof(bytes), hex);
    for (int i = 0; i < 256; i++) {
        char want[3];
        snprintf(want, sizeof(want), "%02x", i);
        assert_memory_equal(hex + 2 * i, want, 2);
    }
    assert_int_equal(hex[512], '\0');
    assert_true(ecc_http_name_equal("X-Amz-Date", "x-amz-date"));
    assert_true(ecc_http_name_equal("", ""));
    assert_false(ecc_http_name_equal("@a", "`a"));
    assert_false(ecc_http_name_equal("host", "hosts"));
    assert_false(ecc_http_name_equal("a", ""));
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
    assert_true(ecc_ct_equal("", "x", 0));
    /* Every length around the word size, a difference in every position and every bit. */
    uint8_t a[40], b[40];
    for (size_t i = 0; i < sizeof(a); i++) {
        a[i] = b[i] = (uint8_t)(i * 37 + 11);
    }
    for (size_t len = 1; len <= sizeof(a); len++) {
        assert_true(ecc_ct_equal(a, b, len));
        for (size_t pos = 0; pos < len; pos++) {
            for (int bit = 0; bit < 8; bit++) {
                b[pos] ^= (uint8_t)(1u << bit);
                assert_false(ecc_ct_equal(a, b, len));
                b[pos] ^= (uint8_t)(1u << bit);
            }
        }
    }
    char hex[9];
    const uint8_t bytes[] = {0x00, 0xab, 0x10, 0xff};
    ecc_hex_encode(bytes, sizeof(bytes), hex);
    assert_string_equal(hex, "00ab10ff");
    /* Every byte value, at every offset of the four-byte steps, against snprintf. */
    uint8_t all[259];
    char got[2 * sizeof(all) + 1], want[2 * sizeof(all) + 1];
    for (size_t i = 0; i < sizeof(all); i++) {
        all[i] = (uint8_t)(i < 256 ? i : 255 - i);
    }
    for (size_t len = 0; len <= sizeof(all); len++) {
        memset(got, 'x', sizeof(got));
        ecc_hex_encode(all, len, got);
        for (size_t i = 0; i < len; i++) {
            snprintf(want + 2 * i, 3, "%02x", all[i]);
        }
        want[2 * len] = '\0';
        assert_string_equal(got, want);
    }
}

static void test_uuid4_format(void **state) {
    (void)state;
    uint8_t bytes[16];
    char out[40];
    memset(out, 'X', sizeof(out));
    memset(bytes, 0xff, sizeof(bytes));
    ecc_uuid4_format(bytes, out);
    assert_string_equal(out, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    assert_int_equal(out[37], 'X'); /* 36 characters and a NUL, nothing more */
    for (size_t i = 0; i < 16; i++) {
        bytes[i] = (uint8_t)(i * 17);
    }
    ecc_uuid4_format(bytes, out);
    assert_string_equal(out, "00112233-4455-4677-8899-aabbccddeeff");
    assert_int_equal(bytes[6], 0x46); /* the version and variant bits are set in the bytes too */
    assert_int_equal(bytes[8], 0x88);
    memset(bytes, 0, sizeof(bytes));
    ecc_uuid4_format(bytes, out);
    assert_string_equal(out, "00000000-0000-4000-8000-000000000000");
}

static void test_days_from_civil(void **state) {
    (void)state;
    assert_true(ecc_days_from_civil(1970, 1, 1) == 0);
    assert_true(ecc_days_from_civil(1969, 12, 31) == -1);
    assert_true(ecc_days_from_civil(2000, 3, 1) == 11017); /* after a leap day of a century leap year */
    assert_true(ecc_days_from_civil(2015, 8, 30) == 16677);
    assert_true(ecc_days_from_civil(1900, 3, 1) - ecc_days_from_civil(1900, 2, 28) == 1); /* 1900 not leap */
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

static void test_array_grow(void **state) {
    (void)state;
    int *items = NULL;
    size_t capacity = 0;
    size_t count = 0;
    for (; count < 5; count++) {
        int *grown = ecc_array_grow(items, &capacity, count, sizeof(*items), 2, 5);
        assert_non_null(grown);
        items = grown;
        items[count] = (int)count;
    }
    /* Doubling from 2 (2, 4), then clamped to the cap of 5. */
    assert_int_equal(capacity, 5);
    for (size_t i = 0; i < count; i++) {
        assert_int_equal(items[i], (int)i);
    }
    /* At the cap: NULL, and the array and capacity are untouched. */
    assert_null(ecc_array_grow(items, &capacity, count, sizeof(*items), 2, 5));
    assert_int_equal(capacity, 5);
    assert_int_equal(items[4], 4);
    /* A byte size that would overflow is refused, not wrapped. */
    size_t huge_capacity = SIZE_MAX / 4;
    assert_null(ecc_array_grow(items, &huge_capacity, huge_capacity, 8, 2, SIZE_MAX));
    assert_int_equal(huge_capacity, SIZE_MAX / 4);
    free(items);
}

struct s_log_sink {
    int calls;
    char last[4096];
};

static void s_sink(void *user_data, const char *line) {
    struct s_log_sink *sink = user_data;
    sink->calls++;
    snprintf(sink->last, sizeof(sink->last), "%s", line);
}

static void test_logf_formats_one_line_and_truncates(void **state) {
    (void)state;
    struct s_log_sink sink = {0};
    ecc_logf(NULL, &sink, "nobody listens %d", 1);
    assert_int_equal(sink.calls, 0);
    ecc_logf(s_sink, &sink, "request %zu -> %d", (size_t)7, 400);
    assert_int_equal(sink.calls, 1);
    assert_string_equal(sink.last, "request 7 -> 400");
    char big[3000];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ecc_logf(s_sink, &sink, "%s", big);
    assert_int_equal(sink.calls, 2);
    assert_int_equal(strlen(sink.last), 2047);
}

/* The one clock: monotonic, microseconds and milliseconds agree; a sleep lasts at least what was asked. */
static void test_monotonic_clock_and_sleep(void **state) {
    (void)state;
    uint64_t start_us = ecc_monotonic_us();
    uint64_t start_ms = ecc_monotonic_ms();
    assert_true(start_ms + 1 >= start_us / 1000u);
    ecc_sleep_ms(30);
    uint64_t slept_us = ecc_monotonic_us() - start_us;
    assert_true(slept_us >= 30000u);
    assert_true(ecc_monotonic_ms() - start_ms >= 30u);
    ecc_sleep_ms(0);
}

/* Counts the times it is asked; says stop from the `stop_at`-th question on. */
struct s_stopper {
    int asked;
    int stop_at;
};

static bool s_stop_when_asked(void *user_data) {
    struct s_stopper *stopper = user_data;
    stopper->asked++;
    return stopper->stop_at > 0 && stopper->asked >= stopper->stop_at;
}

/* mkdir -p: missing parents made, an existing folder (with or without a trailing slash) fine; a file in
 * the way, an empty name and an over-long name refused with the part that failed named. */
static void test_make_dirs(void **state) {
    (void)state;
    char root[] = "/tmp/ecsconf-test-dirs.XXXXXX";
    assert_non_null(mkdtemp(root));
    char path[256];
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    snprintf(path, sizeof(path), "%s/a/b/c", root);
    assert_int_equal(ecc_make_dirs(path, &diag), ECC_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(ecc_make_dirs(path, &diag), ECC_OK);
    snprintf(path, sizeof(path), "%s/a/b/", root);
    assert_int_equal(ecc_make_dirs(path, &diag), ECC_OK);

    snprintf(path, sizeof(path), "%s/file", root);
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fclose(file);
    snprintf(path, sizeof(path), "%s/file/sub", root);
    assert_int_equal(ecc_make_dirs(path, &diag), ECC_ERR_IO);
    char want[300];
    snprintf(want, sizeof(want), "cannot create %s/file/sub: ", root);
    assert_non_null(strstr(diag.text, want));

    assert_int_equal(ecc_make_dirs("", &diag), ECC_ERR_INVALID);
    char *long_name = malloc(5000);
    assert_non_null(long_name);
    memset(long_name, 'x', 4999);
    long_name[4999] = '\0';
    assert_int_equal(ecc_make_dirs(long_name, &diag), ECC_ERR_LIMIT);
    free(long_name);

    char command[300];
    snprintf(command, sizeof(command), "rm -rf '%s'", root);
    assert_int_equal(system(command), 0);
}

/* The interruptible sleep: to the deadline in slices (asking before each), cut by a stop within one
 * slice; a stop already asked for wins over a deadline already past. */
static void test_sleep_until(void **state) {
    (void)state;
    struct s_stopper stopper = {0, 0};
    uint64_t start = ecc_monotonic_ms();
    assert_true(ecc_sleep_until_ms(start + 60, 10, s_stop_when_asked, &stopper));
    assert_true(ecc_monotonic_ms() >= start + 60);
    assert_true(stopper.asked >= 6); /* asked before every slice of at most 10 ms */

    stopper = (struct s_stopper){0, 3};
    start = ecc_monotonic_ms();
    assert_false(ecc_sleep_until_ms(start + 60000, 10, s_stop_when_asked, &stopper));
    assert_int_equal(stopper.asked, 3);
    assert_true(ecc_monotonic_ms() - start < 30000); /* two slices, not the minute */

    stopper = (struct s_stopper){0, 1};
    assert_false(ecc_sleep_until_ms(0, 10, s_stop_when_asked, &stopper));
    assert_true(ecc_sleep_until_ms(0, 0, NULL, NULL)); /* past deadline, no stop: returns at once */
    start = ecc_monotonic_ms();
    assert_true(ecc_sleep_until_ms(start + 20, 0, NULL, NULL)); /* slice 0 counts as 1 ms */
    assert_true(ecc_monotonic_ms() >= start + 20);
}

/* The one UUID and hex-digit test of the library (matchers, the comparison by meaning, drafts). */
static void test_uuid_text(void **state) {
    (void)state;
    const char *good = "0123abcd-ef01-4a2B-8c3D-0123456789ab";
    assert_true(ecc_is_uuid_text(good, strlen(good)));
    assert_false(ecc_is_uuid_text(good, strlen(good) - 1));                      /* short */
    assert_false(ecc_is_uuid_text("0123abcd-ef01-4a2b-8c3d-0123456789ag", 36));  /* not hex */
    assert_false(ecc_is_uuid_text("0123abcd0ef01-4a2b-8c3d-0123456789a", 36));   /* dash moved */
    assert_false(ecc_is_uuid_text("0123abcd-ef01-4a2b-8c3d-0123456789ab0", 37)); /* long */
    assert_true(ecc_is_hex_digit('0') && ecc_is_hex_digit('f') && ecc_is_hex_digit('F'));
    assert_false(ecc_is_hex_digit('g') || ecc_is_hex_digit('-') || ecc_is_hex_digit('\0'));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logf_formats_one_line_and_truncates),
        cmocka_unit_test(test_buf_append_and_cap),
        cmocka_unit_test(test_buf_huge_append_rejected),
        cmocka_unit_test(test_buf_reserve),
        cmocka_unit_test(test_hex_all_bytes_and_name_equal),
        cmocka_unit_test(test_diag_format),
        cmocka_unit_test(test_ct_equal_and_hex),
        cmocka_unit_test(test_uuid4_format),
        cmocka_unit_test(test_days_from_civil),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_headers_cap),
        cmocka_unit_test(test_request_copy),
        cmocka_unit_test(test_array_grow),
        cmocka_unit_test(test_monotonic_clock_and_sleep),
        cmocka_unit_test(test_sleep_until),
        cmocka_unit_test(test_make_dirs),
        cmocka_unit_test(test_uuid_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

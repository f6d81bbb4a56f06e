/* The fuzz targets' input reader (fuzz/fuzz_data.h): ranges, exhaustion, boundary lengths, text classes. */
#include "test_support.h"

#include "../fuzz/fuzz_data.h"

static void test_integers_stay_in_range_and_use_the_tail(void **state) {
    (void)state;
    const uint8_t bytes[] = {'a', 'b', 0xff, 0x07};
    struct ecc_fuzz_data fd;
    ecc_fuzz_data_init(&fd, bytes, sizeof(bytes));
    assert_int_equal(ecc_fuzz_u64_range(&fd, 10, 13), 10 + 7 % 4); /* last byte first */
    assert_int_equal(ecc_fuzz_remaining(&fd), 3);
    assert_int_equal(ecc_fuzz_i64_range(&fd, -5, 5), -5 + 0xff % 11);
    uint8_t out[8];
    assert_int_equal(ecc_fuzz_bytes(&fd, out, sizeof(out)), 2); /* bytes come from the front */
    assert_memory_equal(out, "ab", 2);
    /* Exhausted: minimum, false, first entry, nothing copied. */
    assert_int_equal(ecc_fuzz_u64_range(&fd, 3, 9), 3);
    assert_int_equal(ecc_fuzz_i64_range(&fd, INT64_MIN, INT64_MAX), INT64_MIN);
    assert_false(ecc_fuzz_bool(&fd));
    const char *const list[] = {"EC2", "FARGATE"};
    assert_string_equal(ecc_fuzz_pick_str(&fd, list, 2), "EC2");
    assert_int_equal(ecc_fuzz_bytes(&fd, out, 1), 0);
}

static void test_full_range_never_overflows(void **state) {
    (void)state;
    uint8_t bytes[16];
    memset(bytes, 0xff, sizeof(bytes));
    struct ecc_fuzz_data fd;
    ecc_fuzz_data_init(&fd, bytes, sizeof(bytes));
    assert_true(ecc_fuzz_u64_range(&fd, 0, UINT64_MAX) == UINT64_MAX);
    assert_int_equal(ecc_fuzz_remaining(&fd), 8);
    assert_int_equal(ecc_fuzz_i64_range(&fd, INT64_MIN, INT64_MAX), INT64_MAX);
    for (int i = 0; i < 1000; i++) {
        uint8_t b[2] = {(uint8_t)i, (uint8_t)(i >> 3)};
        ecc_fuzz_data_init(&fd, b, sizeof(b));
        int64_t v = ecc_fuzz_i64_range(&fd, -3, 1000);
        assert_true(v >= -3 && v <= 1000);
        ecc_fuzz_data_init(&fd, b, sizeof(b));
        assert_true(ecc_fuzz_pick(&fd, 7) < 7);
    }
}

/* The last two bytes choose the length mode, then the text class (both from the tail). */
static char *s_string(uint8_t length_mode, uint8_t text, size_t limit, size_t *len) {
    uint8_t bytes[] = {'Q', 'r', 0, 's', text, length_mode};
    struct ecc_fuzz_data fd;
    ecc_fuzz_data_init(&fd, bytes, sizeof(bytes));
    char *s = ecc_fuzz_string(&fd, limit, len);
    assert_non_null(s);
    assert_int_equal(strlen(s), *len); /* never an embedded NUL */
    return s;
}

static void test_string_boundary_lengths(void **state) {
    (void)state;
    size_t len;
    char *s;
    s = s_string(ECC_FUZZ_LEN_EMPTY, ECC_FUZZ_TEXT_RAW, 64, &len);
    assert_int_equal(len, 0);
    free(s);
    s = s_string(ECC_FUZZ_LEN_LIMIT_BELOW, ECC_FUZZ_TEXT_PRINTABLE, 64, &len);
    assert_int_equal(len, 63);
    free(s);
    s = s_string(ECC_FUZZ_LEN_LIMIT, ECC_FUZZ_TEXT_PRINTABLE, 64, &len);
    assert_int_equal(len, 64);
    for (size_t i = 0; i < len; i++) {
        assert_true(s[i] >= 0x20 && s[i] <= 0x7e);
    }
    free(s);
    s = s_string(ECC_FUZZ_LEN_LIMIT_ABOVE, ECC_FUZZ_TEXT_CONTROL, 64, &len);
    assert_int_equal(len, 65);
    for (size_t i = 0; i < len; i++) {
        assert_true((s[i] >= 1 && s[i] < 0x20) || s[i] == 0x7f);
    }
    free(s);
    s = s_string(ECC_FUZZ_LEN_OVERSIZED, ECC_FUZZ_TEXT_ODD_UTF8, 64, &len);
    assert_int_equal(len, 129);
    free(s);
    s = s_string(ECC_FUZZ_LEN_OVERSIZED, ECC_FUZZ_TEXT_ODD_UTF8, 0, &len);
    assert_int_equal(len, ECC_FUZZ_MAX_STRING_BYTES);
    bool high = false;
    for (size_t i = 0; i < len; i++) {
        high = high || (unsigned char)s[i] >= 0x80;
    }
    assert_true(high);
    free(s);
    /* No documented limit: a limit-relative mode falls back to a length from the data. */
    s = s_string(ECC_FUZZ_LEN_LIMIT_ABOVE, ECC_FUZZ_TEXT_RAW, 0, &len);
    assert_true(len <= 255);
    free(s);
}

static void test_raw_string_maps_nul(void **state) {
    (void)state;
    size_t len;
    /* From the tail: length mode, short-length flag (odd), length 3, text class; then the bytes. */
    uint8_t bytes[] = {'x', 0, 'y', ECC_FUZZ_TEXT_RAW, 3, 1, ECC_FUZZ_LEN_FROM_DATA};
    struct ecc_fuzz_data fd;
    ecc_fuzz_data_init(&fd, bytes, sizeof(bytes));
    char *s = ecc_fuzz_string(&fd, 10, &len);
    assert_non_null(s);
    assert_int_equal(len, 3);
    assert_memory_equal(s, "x\x01y", 3);
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_stay_in_range_and_use_the_tail),
        cmocka_unit_test(test_full_range_never_overflows),
        cmocka_unit_test(test_string_boundary_lengths),
        cmocka_unit_test(test_raw_string_maps_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

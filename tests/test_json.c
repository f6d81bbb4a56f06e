/* Typed JSON reads: presence, type errors with member paths, timestamps. */
#include "test_support.h"

#include "ecc/json.h"

#include <math.h>

static json_t *s_load(const char *text) {
    json_error_t error;
    json_t *value = json_loads(text, 0, &error);
    assert_non_null(value);
    return value;
}

static void test_path_rendering(void **state) {
    (void)state;
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    char out[128];
    ecc_json_path_format_member(&path, out, sizeof(out));
    assert_string_equal(out, "");
    ecc_json_path_push_member(&path, "overrides");
    ecc_json_path_push_member(&path, "containerOverrides");
    ecc_json_path_push_index(&path, 2);
    ecc_json_path_push_member(&path, "a/b~c");
    ecc_json_path_format_member(&path, out, sizeof(out));
    assert_string_equal(out, "overrides.containerOverrides[2].a/b~c");
    ecc_json_path_format_pointer(&path, out, sizeof(out));
    assert_string_equal(out, "/overrides/containerOverrides/2/a~1b~0c");
    ecc_json_path_pop(&path);
    ecc_json_path_pop(&path);
    ecc_json_path_format_member(&path, out, sizeof(out));
    assert_string_equal(out, "overrides.containerOverrides");
}

/* Every output size gives the NUL-terminated prefix of the whole rendering (snprintf's truncation). */
static void test_path_rendering_truncates_like_snprintf(void **state) {
    (void)state;
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    ecc_json_path_push_member(&path, "overrides");
    ecc_json_path_push_index(&path, SIZE_MAX);
    ecc_json_path_push_member(&path, "~a/b~~c/");
    ecc_json_path_push_index(&path, 0);
    ecc_json_path_push_member(&path, "");
    ecc_json_path_push_index(&path, 10);
    static const char member[] = "overrides[18446744073709551615].~a/b~~c/[0].[10]";
    static const char pointer[] = "/overrides/18446744073709551615/~0a~1b~0~0c~1/0//10";
    for (int style = 0; style < 2; style++) {
        const char *whole = style ? pointer : member;
        size_t len = strlen(whole);
        for (size_t size = 1; size <= len + 2; size++) {
            char out[128];
            memset(out, 'X', sizeof(out));
            if (style) {
                ecc_json_path_format_pointer(&path, out, size);
            } else {
                ecc_json_path_format_member(&path, out, size);
            }
            size_t kept = size - 1 < len ? size - 1 : len;
            if (strlen(out) != kept || strncmp(out, whole, kept) != 0 || out[kept + 1] != 'X') {
                fail_msg("style %d, size %zu: '%s'", style, size, out);
            }
        }
        char untouched = 'X';
        ecc_json_path_format_member(&path, &untouched, 0);
        ecc_json_path_format_pointer(&path, &untouched, 0);
        assert_int_equal(untouched, 'X');
    }
}

static void test_path_overflow_stays_balanced(void **state) {
    (void)state;
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    for (int i = 0; i < ECC_JSON_PATH_MAX_DEPTH + 5; i++) {
        ecc_json_path_push_index(&path, (size_t)i);
    }
    char out[512];
    ecc_json_path_format_member(&path, out, sizeof(out));
    assert_non_null(strstr(out, "..."));
    for (int i = 0; i < ECC_JSON_PATH_MAX_DEPTH + 5; i++) {
        ecc_json_path_pop(&path);
    }
    assert_int_equal(path.depth, 0);
    assert_int_equal(path.overflow, 0);
}

static void test_pointer_style_and_strict_members(void **state) {
    (void)state;
    json_t *obj = s_load("{\"steps\":[{\"send\":\"x\",\"sned\":1,\"count\":\"one\"}]}");
    const json_t *step = json_array_get(json_object_get(obj, "steps"), 0);
    struct ecc_json_path path;
    ecc_json_path_init_pointer(&path);
    ecc_json_path_push_member(&path, "steps");
    ecc_json_path_push_index(&path, 0);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    static const char *const allowed[] = {"send", "count"};
    assert_int_equal(ecc_json_check_members(step, allowed, 2, &path, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "/steps/0/sned");
    assert_string_equal(diag.text, "unknown member 'sned'; did you mean send?");
    assert_int_equal(path.depth, 2);
    static const char *const all[] = {"send", "count", "sned"};
    assert_int_equal(ecc_json_check_members(step, all, 3, &path, &diag), ECC_OK);

    /* Typed reads on a pointer-style path report pointers. */
    int32_t count = 0;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_json_read_int(step, "count", &path, &count, NULL, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "/steps/0/count");
    /* The same read on a member-style path keeps member paths. */
    struct ecc_json_path member;
    ecc_json_path_init(&member);
    ecc_json_path_push_member(&member, "steps");
    ecc_json_path_push_index(&member, 0);
    assert_int_equal(ecc_json_read_int(step, "count", &member, &count, NULL, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "steps[0].count");
    json_decref(obj);
}

static void test_merge_patch(void **state) {
    (void)state;
    /* RFC 7386 appendix A examples, plus: the target is never modified. */
    const char *cases[][3] = {
        {"{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"},
        {"{\"a\":\"b\"}", "{\"a\":null}", "{}"},
        {"{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"},
        {"{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"},
        {"{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"},
        {"{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"},
        {"{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"},
        {"[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"},
        {"{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"},
        {"{\"a\":\"foo\"}", "\"bar\"", "\"bar\""},
        {"{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"},
        {"[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"},
        {"{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_error_t error;
        json_t *target = json_loads(cases[i][0], JSON_DECODE_ANY, &error);
        json_t *patch = json_loads(cases[i][1], JSON_DECODE_ANY, &error);
        json_t *want = json_loads(cases[i][2], JSON_DECODE_ANY, &error);
        json_t *before = json_deep_copy(target);
        json_t *got = ecc_json_merge_patch(target, patch);
        if (!json_equal(got, want)) {
            fail_msg("merge case %zu", i);
        }
        assert_true(json_equal(target, before));
        json_decref(got);
        json_decref(before);
        json_decref(want);
        json_decref(patch);
        json_decref(target);
    }
    json_t *patch = json_pack("{s:i}", "a", 1);
    json_t *got = ecc_json_merge_patch(NULL, patch);
    assert_int_equal(json_integer_value(json_object_get(got, "a")), 1);
    json_decref(got);
    json_decref(patch);
}

static void test_reads(void **state) {
    (void)state;
    json_t *obj = s_load("{\"s\":\"x\",\"i\":7,\"big\":4294967296,\"b\":true,\"n\":null,\"r\":1.5,\"a\":[],\"o\":{}}");
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_json_presence presence;

    char *s = NULL;
    assert_int_equal(ecc_json_read_string(obj, "s", &path, &s, &presence, &diag), ECC_OK);
    assert_int_equal(presence, ECC_JSON_PRESENT);
    assert_string_equal(s, "x");
    free(s);

    int32_t i = -1;
    assert_int_equal(ecc_json_read_int(obj, "n", &path, &i, &presence, &diag), ECC_OK);
    assert_int_equal(presence, ECC_JSON_ABSENT);
    assert_int_equal(i, -1);
    assert_int_equal(ecc_json_read_int(obj, "missing", &path, &i, &presence, &diag), ECC_OK);
    assert_int_equal(presence, ECC_JSON_ABSENT);
    assert_int_equal(ecc_json_read_int(obj, "i", &path, &i, &presence, &diag), ECC_OK);
    assert_int_equal(i, 7);
    assert_int_equal(ecc_json_read_int(obj, "big", &path, &i, &presence, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "big");
    int64_t l = 0;
    assert_int_equal(ecc_json_read_long(obj, "big", &path, &l, &presence, &diag), ECC_OK);
    assert_true(l == 4294967296LL);

    ecc_json_path_push_member(&path, "overrides");
    assert_int_equal(ecc_json_read_int(obj, "r", &path, &i, &presence, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "overrides.r");
    assert_string_equal(diag.text, "expected a 32-bit integer, got real");
    assert_int_equal(path.depth, 1);

    bool b = false;
    assert_int_equal(ecc_json_read_bool(obj, "b", &path, &b, &presence, &diag), ECC_OK);
    assert_true(b);
    assert_int_equal(ecc_json_read_bool(obj, "s", &path, &b, &presence, &diag), ECC_ERR_INVALID);
    const json_t *a = NULL;
    assert_int_equal(ecc_json_read_array(obj, "a", &path, &a, &presence, &diag), ECC_OK);
    assert_true(json_is_array(a));
    assert_int_equal(ecc_json_read_array(obj, "o", &path, &a, &presence, &diag), ECC_ERR_INVALID);
    assert_int_equal(ecc_json_read_object(obj, "o", &path, &a, &presence, &diag), ECC_OK);
    assert_int_equal(ecc_json_read_string(obj, "i", &path, &s, &presence, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.text, "expected a string, got integer");
    json_decref(obj);
}

static void test_timestamps(void **state) {
    (void)state;
    double t = 0;
    assert_int_equal(ecc_json_parse_iso8601("1970-01-01T00:00:00Z", &t), ECC_OK);
    assert_true(t == 0.0);
    assert_int_equal(ecc_json_parse_iso8601("2019-12-16T23:48:18Z", &t), ECC_OK);
    assert_true(t == 1576540098.0);
    assert_int_equal(ecc_json_parse_iso8601("2019-12-17T00:48:18+01:00", &t), ECC_OK);
    assert_true(t == 1576540098.0);
    assert_int_equal(ecc_json_parse_iso8601("2019-12-16T22:48:18-01:00", &t), ECC_OK);
    assert_true(t == 1576540098.0);
    assert_int_equal(ecc_json_parse_iso8601("2000-01-02T20:34:56.123Z", &t), ECC_OK);
    assert_true(t > 946845296.122 && t < 946845296.124);
    /* fuzz_json_read finding: a long fraction stays within its second. */
    assert_int_equal(ecc_json_parse_iso8601("2024-01-02T03:04:05.9999999999999Z", &t), ECC_OK);
    assert_true(floor(t) == 1704164645.0);
    assert_int_equal(ecc_json_parse_iso8601("2000-01-02T20:34:56", &t), ECC_ERR_INVALID);
    assert_int_equal(ecc_json_parse_iso8601("2000-13-02T20:34:56Z", &t), ECC_ERR_INVALID);
    assert_int_equal(ecc_json_parse_iso8601("2000-01-02T20:34:56.Z", &t), ECC_ERR_INVALID);
    assert_int_equal(ecc_json_parse_iso8601("2000-01-02T20:34:56Zjunk", &t), ECC_ERR_INVALID);

    json_t *obj = s_load("{\"n\":1576540098.5,\"s\":\"2019-12-16T23:48:18Z\",\"bad\":\"yesterday\"}");
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_json_read_timestamp(obj, "n", &path, &t, NULL, &diag), ECC_OK);
    assert_true(t == 1576540098.5);
    assert_int_equal(ecc_json_read_timestamp(obj, "s", &path, &t, NULL, &diag), ECC_OK);
    assert_true(t == 1576540098.0);
    assert_int_equal(ecc_json_read_timestamp(obj, "bad", &path, &t, NULL, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "bad");
    json_decref(obj);
}

static void test_utf8(void **state) {
    (void)state;
    size_t count = 0;
    assert_true(ecc_utf8_count("", 0, &count));
    assert_int_equal(count, 0);
    const char *mixed = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"; /* a é € 😀 */
    assert_true(ecc_utf8_count(mixed, strlen(mixed), &count));
    assert_int_equal(count, 4);
    uint32_t cp = 0;
    assert_int_equal(ecc_utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), 4);
    assert_int_equal(cp, 0x10ffff);
    static const char *const invalid[] = {
        "\x80",             /* lone continuation byte */
        "\xc0\x80",         /* overlong NUL */
        "\xe0\x80\xaf",     /* overlong '/' */
        "\xed\xa0\x80",     /* surrogate U+D800 */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xe2\x82",         /* truncated */
        "\xff",
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(invalid); i++) {
        assert_false(ecc_utf8_count(invalid[i], strlen(invalid[i]), &count));
        assert_int_equal(ecc_utf8_decode(invalid[i], strlen(invalid[i]), &cp), 0);
    }
}

static void test_append_string_round_trips_through_jansson(void **state) {
    (void)state;
    char all[128 + 16];
    size_t len = 0;
    for (int c = 1; c < 128; c++) {
        all[len++] = (char)c;
    }
    memcpy(all + len, "\xc3\xa9\xf0\x9f\x98\x80", 6);
    len += 6;
    struct ecc_buf buf;
    ecc_buf_init(&buf, 4096);
    assert_int_equal(ecc_json_append_string(&buf, all, len), ECC_OK);
    json_error_t error;
    json_t *value = json_loadb(buf.data, buf.len, JSON_DECODE_ANY, &error);
    assert_non_null(value);
    assert_true(json_is_string(value));
    assert_int_equal(json_string_length(value), len);
    assert_memory_equal(json_string_value(value), all, len);
    /* Same text as jansson writes for the same string. */
    char *dumped = json_dumps(value, JSON_ENCODE_ANY);
    assert_string_equal(dumped, buf.data);
    free(dumped);
    json_decref(value);
    ecc_buf_clean_up(&buf);
}

/* Every byte that needs a look, at every offset of a 20-byte plain string (the escaper skips 8 plain
 * bytes at a time): the same text as jansson's, invalid UTF-8 refused wherever it is. */
static void test_append_string_every_offset(void **state) {
    (void)state;
    static const char *const specials[] = {
        "\x01", "\x1f", "\"", "\\", "\n", "\x7f", " ", "/", "\xc3\xa9", "\xf0\x9f\x98\x80", "\xe2\x82\xac"};
    static const char *const invalid[] = {"\xff", "\xc3", "\xed\xa0\x80", "\x80"};
    struct ecc_buf buf;
    ecc_buf_init(&buf, 4096);
    char text[64];
    for (size_t at = 0; at < 20; at++) {
        for (size_t k = 0; k < ECC_ARRAY_LEN(specials) + ECC_ARRAY_LEN(invalid); k++) {
            bool bad = k >= ECC_ARRAY_LEN(specials);
            const char *special = bad ? invalid[k - ECC_ARRAY_LEN(specials)] : specials[k];
            size_t special_len = strlen(special);
            memset(text, 'a' + (int)(at % 26), sizeof(text));
            memcpy(text + at, special, special_len);
            size_t len = 20 + special_len;
            buf.len = 0;
            enum ecc_status status = ecc_json_append_string(&buf, text, len);
            if (bad) {
                assert_int_equal(status, ECC_ERR_INVALID);
                continue;
            }
            assert_int_equal(status, ECC_OK);
            json_t *value = json_stringn(text, len);
            assert_non_null(value);
            char *dumped = json_dumps(value, JSON_ENCODE_ANY);
            if (strcmp(dumped, buf.data) != 0) {
                fail_msg("special %zu at %zu: wrote %s, jansson %s", k, at, buf.data, dumped);
            }
            free(dumped);
            json_decref(value);
        }
    }
    ecc_buf_clean_up(&buf);
}

static void test_append_string_failures_leave_buffer(void **state) {
    (void)state;
    struct ecc_buf buf;
    ecc_buf_init(&buf, 8);
    assert_int_equal(ecc_buf_append_str(&buf, "{"), ECC_OK);
    assert_int_equal(ecc_json_append_string(&buf, "ok\xed\xa0\x80", 5), ECC_ERR_INVALID);
    assert_int_equal(buf.len, 1);
    assert_string_equal(buf.data, "{");
    assert_int_equal(ecc_json_append_string(&buf, "toolong", 7), ECC_ERR_LIMIT);
    assert_string_equal(buf.data, "{");
    assert_int_equal(ecc_json_append_string(&buf, "\n\"", 2), ECC_OK);
    assert_string_equal(buf.data, "{\"\\n\\\"\"");
    ecc_buf_clean_up(&buf);
}

/* At every cap: LIMIT exactly when the literal up to an escape (or the whole literal) does not fit, and a
 * bad byte reached before that is ECC_ERR_INVALID; the buffer is left as it was on any failure. */
static void test_append_string_cap_and_bad_byte_order(void **state) {
    (void)state;
    for (size_t cap = 1; cap <= 24; cap++) {
        struct ecc_buf buf;
        ecc_buf_init(&buf, cap);
        assert_int_equal(ecc_buf_append_str(&buf, "{"), ECC_OK);
        /* `"` + \u0001 + \u0002 = 13 bytes are written before the bad byte is reached. */
        enum ecc_status status = ecc_json_append_string(&buf, "\x01\x02z\xff", 4);
        assert_int_equal(status, 1 + 13 <= cap ? ECC_ERR_INVALID : ECC_ERR_LIMIT);
        assert_string_equal(buf.data, "{");
        /* `"a\nb\tc"` is 9 bytes. */
        status = ecc_json_append_string(&buf, "a\nb\tc", 5);
        assert_int_equal(status, 1 + 9 <= cap ? ECC_OK : ECC_ERR_LIMIT);
        assert_string_equal(buf.data, status == ECC_OK ? "{\"a\\nb\\tc\"" : "{");
        ecc_buf_clean_up(&buf);
    }
}

/* The cap rule of ecc_json_append_string, byte by byte: LIMIT when the opening quote, the text up to and
 * including an escape, the rest, or the closing quote passes the cap; INVALID at a bad byte reached
 * first; a plain string is one reservation of the whole literal. Strings here are made of 'a', controls,
 * '"', '\\', "\xc3\xa9" and a bad "\xff". */
static enum ecc_status s_reference_append(size_t used, size_t cap, const char *s, size_t len, size_t *out_len) {
    bool plain = true;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        plain = plain && c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
    }
    if (plain) {
        *out_len = used + len + 2;
        return *out_len <= cap ? ECC_OK : ECC_ERR_LIMIT;
    }
    size_t out = used + 1;
    if (out > cap) {
        return ECC_ERR_LIMIT;
    }
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xc3 && i + 1 < len && (unsigned char)s[i + 1] == 0xa9) {
            i++;
        } else if (c >= 0x80) {
            return ECC_ERR_INVALID;
        } else if (c < 0x20 || c == '"' || c == '\\') {
            size_t escape =
                c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\b' || c == '\f' || c == '\r' ? 2 : 6;
            out += i - run + escape;
            if (out > cap) {
                return ECC_ERR_LIMIT;
            }
            run = i + 1;
        }
    }
    out += len - run + 1;
    *out_len = out;
    return out <= cap ? ECC_OK : ECC_ERR_LIMIT;
}

/* The escaper against the rule above, at every cap, for strings long enough to take the eight-byte
 * paths (whole words of escapes, words mixing escapes and plain bytes, bad bytes after them). */
static void test_append_string_cap_rule_at_every_cap(void **state) {
    (void)state;
    static const char *const tokens[] = {"a", "a", "a", "\x01", "\n", "\"", "\\", "\xc3\xa9", "\xff"};
    uint32_t seed = 12345;
    for (int round = 0; round < 1500; round++) {
        char text[128];
        size_t len = 0;
        seed = seed * 1103515245u + 12345u;
        size_t count = (seed >> 16) % 40;
        bool allow_bad = (seed >> 8) % 4 == 0;
        for (size_t t = 0; t < count; t++) {
            seed = seed * 1103515245u + 12345u;
            size_t pick = (seed >> 16) % (ECC_ARRAY_LEN(tokens) - (allow_bad ? 0 : 1));
            size_t n = strlen(tokens[pick]);
            memcpy(text + len, tokens[pick], n);
            len += n;
        }
        for (size_t cap = 1; cap <= 260; cap++) {
            struct ecc_buf buf;
            ecc_buf_init(&buf, cap);
            assert_int_equal(ecc_buf_append_str(&buf, "{"), ECC_OK);
            size_t expected_len = 0;
            enum ecc_status expected = s_reference_append(1, cap, text, len, &expected_len);
            enum ecc_status status = ecc_json_append_string(&buf, text, len);
            if (status != expected) {
                fail_msg("round %d, cap %zu: status %d, the rule says %d", round, cap, status, expected);
            }
            assert_int_equal(buf.len, status == ECC_OK ? expected_len : 1);
            assert_int_equal(buf.data[buf.len], '\0');
            ecc_buf_clean_up(&buf);
        }
    }
}

/* The eight-bytes-at-a-time paths: a special byte at every offset of strings of every length up to 40
 * (inside, at the edges of and after whole words) is found, escaped as jansson does, and counted. */
static void test_string_scans_at_every_offset(void **state) {
    (void)state;
    static const char *const specials[] = {
        "\x01", "\x1f", "\"", "\\", "\x7f", " ", "~", "\xc3\xa9", "\xf0\x9f\x98\x80"};
    for (size_t len = 1; len <= 40; len++) {
        for (size_t at = 0; at < len; at++) {
            for (size_t k = 0; k < ECC_ARRAY_LEN(specials); k++) {
                char text[64];
                memset(text, 'a', len);
                size_t special_len = strlen(specials[k]);
                memcpy(text + at, specials[k], special_len);
                size_t text_len = len + special_len - 1;
                memset(text + at + special_len, 'b', len - at - 1);
                text[text_len] = '\0';

                size_t chars = 0;
                assert_true(ecc_utf8_count(text, text_len, &chars));
                assert_int_equal(chars, len);
                struct ecc_buf buf;
                ecc_buf_init(&buf, 1024);
                assert_int_equal(ecc_json_append_string(&buf, text, text_len), ECC_OK);
                json_t *value = json_stringn(text, text_len);
                assert_non_null(value);
                char *dumped = json_dumps(value, JSON_ENCODE_ANY);
                if (strcmp(dumped, buf.data) != 0) {
                    fail_msg("len %zu, special %zu at %zu: '%s', jansson '%s'", len, k, at, buf.data, dumped);
                }
                free(dumped);
                json_decref(value);
                /* Measuring the literal agrees with writing it, character for character. */
                size_t literal_chars = 0;
                size_t measured = 0;
                assert_true(ecc_utf8_count(buf.data, buf.len, &literal_chars));
                assert_true(ecc_json_string_chars(text, text_len, &measured));
                if (measured != literal_chars) {
                    fail_msg(
                        "len %zu, special %zu at %zu: measured %zu, wrote %zu", len, k, at, measured, literal_chars);
                }
                ecc_buf_clean_up(&buf);

                /* The same place holding a byte that is not UTF-8. */
                text[at] = '\xff';
                assert_false(ecc_utf8_count(text, text_len, &chars));
                assert_false(ecc_json_string_chars(text, text_len, &measured));
                ecc_buf_init(&buf, 1024);
                assert_int_equal(ecc_json_append_string(&buf, text, text_len), ECC_ERR_INVALID);
                assert_int_equal(buf.len, 0);
                ecc_buf_clean_up(&buf);
            }
        }
    }
}

/* The scans skip to the lowest flagged byte of eight, which the has-zero tests give exactly even when a
 * borrow from it flags bytes above: two special bytes at every pair of offsets of an 18-byte string,
 * among plain bytes one away from a special one (' ', '!', '#', '[', ']', DEL), written as jansson
 * writes them and measured as written. */
static void test_string_scans_two_specials_at_every_pair_of_offsets(void **state) {
    (void)state;
    static const char specials[] = {'\x00', '\x01', '\x1f', '"', '\\', '\xc3'}; /* \xc3: with \xa9 after it */
    static const char fillers[] = {' ', '!', '#', '[', ']', '\x7f'};
    struct ecc_buf buf;
    ecc_buf_init(&buf, 1024);
    for (size_t f = 0; f < sizeof(fillers); f++) {
        for (size_t a = 0; a < 17; a++) {
            for (size_t b = a + 1; b < 17; b++) {
                for (size_t ka = 0; ka < sizeof(specials); ka++) {
                    for (size_t kb = 0; kb < sizeof(specials); kb++) {
                        char text[18];
                        memset(text, fillers[f], sizeof(text));
                        text[a] = specials[ka];
                        if (specials[ka] == '\xc3') {
                            text[a + 1] = '\xa9';
                            if (b == a + 1) {
                                continue;
                            }
                        }
                        text[b] = specials[kb];
                        if (specials[kb] == '\xc3') {
                            text[b + 1] = '\xa9';
                        }
                        buf.len = 0;
                        assert_int_equal(ecc_json_append_string(&buf, text, sizeof(text)), ECC_OK);
                        json_t *value = json_stringn(text, sizeof(text));
                        assert_non_null(value);
                        char *dumped = json_dumps(value, JSON_ENCODE_ANY);
                        if (strcmp(dumped, buf.data) != 0) {
                            fail_msg(
                                "filler %zu, %zu at %zu, %zu at %zu: '%s', jansson '%s'",
                                f,
                                ka,
                                a,
                                kb,
                                b,
                                buf.data,
                                dumped);
                        }
                        free(dumped);
                        json_decref(value);
                        size_t written = 0;
                        size_t measured = 0;
                        size_t code_points = 0;
                        assert_true(ecc_utf8_count(buf.data, buf.len, &written));
                        assert_true(ecc_json_string_chars(text, sizeof(text), &measured));
                        assert_int_equal(measured, written);
                        assert_true(ecc_utf8_count(text, sizeof(text), &code_points));
                        assert_int_equal(
                            code_points, sizeof(text) - (specials[ka] == '\xc3') - (specials[kb] == '\xc3'));
                    }
                }
            }
        }
    }
    ecc_buf_clean_up(&buf);
}

static void test_writer_writes_members_and_latches_failures(void **state) {
    (void)state;
    struct ecc_buf buf;
    ecc_buf_init(&buf, 1024);
    assert_int_equal(ecc_buf_append_str(&buf, "x"), ECC_OK);
    struct ecc_json_writer w;
    ecc_json_writer_init(&w, &buf, NULL);
    bool first = true;
    ecc_json_writer_raw(&w, "{", 1);
    ecc_json_writer_key(&w, &first, "a");
    assert_false(first);
    ecc_json_writer_string(&w, "q\"\n", 3);
    ecc_json_writer_key(&w, &first, "min");
    ecc_json_writer_int(&w, INT64_MIN);
    ecc_json_writer_key(&w, &first, "max");
    ecc_json_writer_int(&w, INT64_MAX);
    ecc_json_writer_key(&w, &first, "zero");
    ecc_json_writer_int(&w, 0);
    ecc_json_writer_key(&w, &first, "neg");
    ecc_json_writer_int(&w, -7);
    ecc_json_writer_raw(&w, "}", 1);
    assert_int_equal(ecc_json_writer_finish(&w), ECC_OK);
    assert_string_equal(
        buf.data,
        "x{\"a\":\"q\\\"\\n\",\"min\":-9223372036854775808,\"max\":9223372036854775807,\"zero\":0,\"neg\":-7}");

    /* A bad string latches: later writes are no-ops and finish restores the buffer. */
    size_t before = buf.len;
    ecc_json_writer_init(&w, &buf, NULL);
    first = true;
    ecc_json_writer_key(&w, &first, "k");
    ecc_json_writer_string(&w, "\xff", 1);
    assert_int_equal(w.status, ECC_ERR_INVALID);
    ecc_json_writer_raw(&w, "}", 1);
    ecc_json_writer_key(&w, &first, "later");
    ecc_json_writer_int(&w, 5);
    assert_int_equal(ecc_json_writer_finish(&w), ECC_ERR_INVALID);
    assert_int_equal(buf.len, before);
    assert_string_equal(buf.data + buf.len - 1, "}");
    ecc_buf_clean_up(&buf);

    /* The cap: a key past it fails with ECC_ERR_LIMIT and nothing of this write stays. */
    ecc_buf_init(&buf, 6);
    ecc_json_writer_init(&w, &buf, NULL);
    first = false;
    ecc_json_writer_key(&w, &first, "ab");
    assert_string_equal(buf.data, ",\"ab\":");
    ecc_json_writer_key(&w, &first, "c");
    assert_int_equal(ecc_json_writer_finish(&w), ECC_ERR_LIMIT);
    assert_int_equal(buf.len, 0);
    ecc_buf_clean_up(&buf);
}

struct s_pair {
    const char *name;
    const char *value;
};

static void s_write_pair(struct ecc_json_writer *w, const void *item) {
    const struct s_pair *pair = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "name", pair->name);
    ecc_json_writer_string_member(w, &first, "value", pair->value);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void test_writer_member_helpers_and_failure_paths(void **state) {
    (void)state;
    struct ecc_buf buf;
    ecc_buf_init(&buf, 1024);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_json_writer w;
    ecc_json_writer_init(&w, &buf, &diag);
    struct s_pair pairs[] = {{"a", "1"}, {"b", NULL}};
    const char *names[] = {"x", NULL};
    bool first = true;
    ECC_JSON_WRITER_LITERAL(&w, "{");
    ecc_json_writer_string_member(&w, &first, "absent", NULL);
    ecc_json_writer_int_member(&w, &first, "absentInt", false, 1);
    ecc_json_writer_bool_member(&w, &first, "absentBool", false, true);
    ecc_json_writer_int_member(&w, &first, "n", true, -3);
    ecc_json_writer_bool_member(&w, &first, "t", true, true);
    ecc_json_writer_bool_member(&w, &first, "f", true, false);
    ecc_json_writer_list_member(&w, &first, "pairs", true, pairs, 2, sizeof(pairs[0]), s_write_pair);
    ecc_json_writer_list_member(&w, &first, "none", false, pairs, 2, sizeof(pairs[0]), s_write_pair);
    ecc_json_writer_list_member(&w, &first, "empty", true, pairs, 0, sizeof(pairs[0]), s_write_pair);
    ecc_json_writer_list_member(&w, &first, "names", true, names, 2, sizeof(names[0]), ecc_json_writer_string_item);
    ECC_JSON_WRITER_LITERAL(&w, "}");
    assert_int_equal(ecc_json_writer_finish(&w), ECC_OK);
    assert_string_equal(
        buf.data,
        "{\"n\":-3,\"t\":true,\"f\":false,\"pairs\":[{\"name\":\"a\",\"value\":\"1\"},{\"name\":\"b\"}],"
        "\"empty\":[],\"names\":[\"x\",null]}");
    assert_int_equal(w.path.depth, 0);

    /* A bad string deep in a list names its member path; the first failure wins. */
    ecc_buf_reset(&buf);
    struct s_pair bad[] = {{"ok", "ok"}, {"ok", "\xc3"}};
    ecc_json_writer_init(&w, &buf, &diag);
    first = true;
    ECC_JSON_WRITER_LITERAL(&w, "{");
    ecc_json_writer_enter(&w, &first, "outer");
    ecc_json_writer_list(&w, bad, 2, sizeof(bad[0]), s_write_pair);
    ecc_json_writer_leave(&w);
    ecc_json_writer_fail(&w, ECC_ERR_LIMIT, "later failure");
    assert_int_equal(ecc_json_writer_finish(&w), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "outer[1].value");
    assert_string_equal(diag.text, "string is not valid UTF-8");
    assert_int_equal(buf.len, 0);

    /* An explicit failure at the current path. */
    ecc_diag_clear(&diag);
    ecc_json_writer_init(&w, &buf, &diag);
    first = true;
    ecc_json_writer_enter(&w, &first, "when");
    ecc_json_writer_fail(&w, ECC_ERR_INVALID, "timestamp %s", "is not finite");
    ecc_json_writer_leave(&w);
    assert_int_equal(ecc_json_writer_finish(&w), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "when");
    assert_string_equal(diag.text, "timestamp is not finite");
    ecc_buf_clean_up(&buf);
}

/* A check-only writer writes nothing and refuses exactly the strings ecc_json_append_string refuses. */
static void test_check_writer_checks_strings_only(void **state) {
    (void)state;
    static const char *const strings[] = {
        "",
        "plain",
        "q\"\n\x01",
        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
        "\xf4\x8f\xbf\xbf",
        "\xff",
        "\xc3\x28",
        "\xc0\xaf",
        "\xed\xa0\x80",
        "\xf4\x90\x80\x80",
        "ok\xe2\x82",
        "\x80",
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(strings); i++) {
        /* The same parts through a text writer and a check-only one: same verdict, and the check-only
         * writer counts the characters the text writer wrote. */
        struct ecc_buf buf;
        ecc_buf_init(&buf, 1024);
        struct ecc_json_writer text;
        ecc_json_writer_init(&text, &buf, NULL);
        struct ecc_json_writer w;
        ecc_json_writer_init_check(&w, NULL);
        assert_null(w.out);
        struct ecc_json_writer *both[] = {&text, &w};
        for (size_t k = 0; k < ECC_ARRAY_LEN(both); k++) {
            bool first = true;
            ecc_json_writer_raw(both[k], "{", 1);
            ecc_json_writer_key(both[k], &first, "a");
            ecc_json_writer_int(both[k], INT64_MIN);
            ecc_json_writer_key(both[k], &first, "s");
            ecc_json_writer_string(both[k], strings[i], strlen(strings[i]));
            ecc_json_writer_bool_member(both[k], &first, "b", true, false);
            ecc_json_writer_string_member(both[k], &first, "f", "fine\t\xc3\xa9");
            ecc_json_writer_raw(both[k], "}", 1);
        }
        enum ecc_status written = ecc_json_writer_finish(&text);
        if (written != ECC_OK && written != ECC_ERR_INVALID) {
            fail_msg("string %zu: the text writer gave %s", i, ecc_status_name(written));
        }
        if (ecc_json_writer_finish(&w) != written) {
            fail_msg("string %zu: the check writer and the text writer disagree", i);
        }
        size_t chars = 0;
        json_t *parsed = written == ECC_OK ? json_loadb(buf.data, buf.len, 0, NULL) : NULL;
        if (written == ECC_OK && (!parsed || !ecc_utf8_count(buf.data, buf.len, &chars) || chars != w.chars)) {
            fail_msg("string %zu: wrote %zu characters (%s), counted %zu", i, chars, buf.data, w.chars);
        }
        json_decref(parsed);
        ecc_buf_clean_up(&buf);
    }

    /* The first bad string latches: a later bad one does not replace the status, a later good one does
     * not clear it. */
    struct ecc_json_writer w;
    ecc_json_writer_init_check(&w, NULL);
    ecc_json_writer_string(&w, "\xff", 1);
    ecc_json_writer_string(&w, "ok", 2);
    assert_int_equal(w.status, ECC_ERR_INVALID);
    assert_int_equal(ecc_json_writer_finish(&w), ECC_ERR_INVALID);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_rendering),
        cmocka_unit_test(test_string_scans_at_every_offset),
        cmocka_unit_test(test_append_string_cap_rule_at_every_cap),
        cmocka_unit_test(test_string_scans_two_specials_at_every_pair_of_offsets),
        cmocka_unit_test(test_append_string_cap_and_bad_byte_order),
        cmocka_unit_test(test_path_rendering_truncates_like_snprintf),
        cmocka_unit_test(test_check_writer_checks_strings_only),
        cmocka_unit_test(test_path_overflow_stays_balanced),
        cmocka_unit_test(test_pointer_style_and_strict_members),
        cmocka_unit_test(test_merge_patch),
        cmocka_unit_test(test_reads),
        cmocka_unit_test(test_timestamps),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_append_string_round_trips_through_jansson),
        cmocka_unit_test(test_append_string_every_offset),
        cmocka_unit_test(test_append_string_failures_leave_buffer),
        cmocka_unit_test(test_writer_writes_members_and_latches_failures),
        cmocka_unit_test(test_writer_member_helpers_and_failure_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Case variables: whole-string substitution keeps JSON types, interpolation, uuid, repeat, errors. */
#include "test_support.h"

#include "ecc/match.h"
#include "ecc/vars.h"

static json_t *s_json(const char *text) {
    json_error_t error;
    json_t *value = json_loads(text, JSON_DECODE_ANY, &error);
    assert_non_null(value);
    return value;
}

static void s_setup_vars(struct ecc_vars *vars) {
    assert_int_equal(ecc_vars_init(vars, 42), ECC_OK);
    assert_int_equal(ecc_vars_set_string(vars, "cluster", "ecc1234abcd-c1"), ECC_OK);
    json_t *arns = s_json("[\"a\",\"b\"]");
    assert_int_equal(ecc_vars_set(vars, "capture.arns", arns), ECC_OK);
    json_decref(arns);
    json_t *n = json_integer(7);
    assert_int_equal(ecc_vars_set(vars, "count", n), ECC_OK);
    json_decref(n);
}

static void test_expand_types(void **state) {
    (void)state;
    struct ecc_vars vars;
    s_setup_vars(&vars);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    json_t *in = s_json("{\"cluster\":\"${cluster}\",\"tasks\":\"${capture.arns}\",\"count\":\"${count}\","
                        "\"name\":\"x-${cluster}-${count}\",\"dollar\":\"$$5 and $ alone\",\"keep\":[1,true,null],"
                        "\"${cluster}\":1}");
    json_t *out = NULL;
    assert_int_equal(ecc_vars_expand(&vars, in, &out, &diag), ECC_OK);
    json_t *want = s_json("{\"cluster\":\"ecc1234abcd-c1\",\"tasks\":[\"a\",\"b\"],\"count\":7,"
                          "\"name\":\"x-ecc1234abcd-c1-7\",\"dollar\":\"$5 and $ alone\",\"keep\":[1,true,null],"
                          "\"${cluster}\":1}");
    assert_true(ecc_match_json_equal(out, want));
    json_decref(want);
    json_decref(out);
    json_decref(in);
    ecc_vars_clean_up(&vars);
}

static void test_expand_errors(void **state) {
    (void)state;
    struct ecc_vars vars;
    s_setup_vars(&vars);
    struct ecc_diag diag;
    const char *bad[][2] = {
        {"\"${nope}\"", "unknown variable ${nope}"},
        {"\"a ${capture.arns}\"", "an array"},
        {"\"${cluster\"", "unterminated"},
        {"\"${}\"", "1 to"},
        {"\"${repeat:x:a}\"", "repeat"},
        {"\"${repeat:100001:a}\"", "repeat"},
        {"\"${repeat:5a}\"", "repeat"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        json_t *in = s_json(bad[i][0]);
        json_t *out = NULL;
        ecc_diag_clear(&diag);
        enum ecc_status status = ecc_vars_expand(&vars, in, &out, &diag);
        if (status == ECC_OK || !strstr(diag.text, bad[i][1])) {
            fail_msg("%s: status %d, text '%s'", bad[i][0], status, diag.text);
        }
        assert_null(out);
        json_decref(in);
    }
    ecc_vars_clean_up(&vars);
}

static void test_repeat_and_limits(void **state) {
    (void)state;
    struct ecc_vars vars;
    assert_int_equal(ecc_vars_init(&vars, 1), ECC_OK);
    struct ecc_diag diag;
    json_t *in = json_string("${repeat:65:a}");
    json_t *out = NULL;
    assert_int_equal(ecc_vars_expand(&vars, in, &out, &diag), ECC_OK);
    assert_int_equal(json_string_length(out), 65);
    assert_int_equal(strspn(json_string_value(out), "a"), 65);
    json_decref(out);
    json_decref(in);
    in = json_string("t-${repeat:3:ab:c}");
    assert_int_equal(ecc_vars_expand(&vars, in, &out, &diag), ECC_OK);
    assert_string_equal(json_string_value(out), "t-ab:cab:cab:c");
    json_decref(out);
    json_decref(in);
    in = json_string("${repeat:0:x}");
    assert_int_equal(ecc_vars_expand(&vars, in, &out, &diag), ECC_OK);
    assert_string_equal(json_string_value(out), "");
    json_decref(out);
    json_decref(in);
    /* 100000 * 20 bytes is over the text cap */
    in = json_string("${repeat:100000:aaaaaaaaaaaaaaaaaaaa}");
    assert_int_equal(ecc_vars_expand(&vars, in, &out, &diag), ECC_ERR_LIMIT);
    json_decref(in);
    ecc_vars_clean_up(&vars);
}

static void test_uuid_is_fresh_and_seeded(void **state) {
    (void)state;
    struct ecc_vars a, b;
    assert_int_equal(ecc_vars_init(&a, 7), ECC_OK);
    assert_int_equal(ecc_vars_init(&b, 7), ECC_OK);
    char u1[37], u2[37], u3[37];
    ecc_vars_uuid(&a, u1);
    ecc_vars_uuid(&a, u2);
    ecc_vars_uuid(&b, u3);
    assert_string_not_equal(u1, u2);
    assert_string_equal(u1, u3);
    json_t *spec = json_pack("{s:b}", "uuid", 1);
    json_t *value = json_string(u1);
    assert_true(ecc_match_value(value, spec, NULL));
    assert_int_equal(u1[14], '4');
    assert_non_null(strchr("89ab", u1[19]));
    json_decref(value);
    json_decref(spec);
    /* ${uuid} inside a document: each occurrence differs */
    json_t *in = json_pack("[s,s]", "${uuid}", "${uuid}");
    json_t *out = NULL;
    struct ecc_diag diag;
    assert_int_equal(ecc_vars_expand(&a, in, &out, &diag), ECC_OK);
    assert_string_not_equal(json_string_value(json_array_get(out, 0)), json_string_value(json_array_get(out, 1)));
    json_decref(out);
    json_decref(in);
    ecc_vars_clean_up(&a);
    ecc_vars_clean_up(&b);
}

struct s_seen {
    char names[8][64];
    size_t count;
};

static enum ecc_status s_collect(void *user_data, const char *name, struct ecc_diag *diag) {
    struct s_seen *seen = user_data;
    if (strcmp(name, "forbidden") == 0) {
        ecc_diag_set(diag, "no");
        return ECC_ERR_NOT_FOUND;
    }
    snprintf(seen->names[seen->count++], 64, "%s", name);
    return ECC_OK;
}

static void test_scan(void **state) {
    (void)state;
    struct s_seen seen = {0};
    struct ecc_diag diag;
    assert_int_equal(ecc_vars_scan("${a}-$${b}-${uuid}-${repeat:3:x}-${capture.c}", s_collect, &seen, &diag), ECC_OK);
    assert_int_equal(seen.count, 2);
    assert_string_equal(seen.names[0], "a");
    assert_string_equal(seen.names[1], "capture.c");
    assert_int_equal(ecc_vars_scan("${forbidden}", s_collect, &seen, &diag), ECC_ERR_NOT_FOUND);
    assert_int_equal(ecc_vars_scan("x ${open", s_collect, &seen, &diag), ECC_ERR_INVALID);
    assert_int_equal(ecc_vars_scan("${repeat:z:x}", s_collect, &seen, &diag), ECC_ERR_INVALID);
}

static void test_expand_text(void **state) {
    (void)state;
    struct ecc_vars vars;
    s_setup_vars(&vars);
    struct ecc_buf buf;
    ecc_buf_init(&buf, 64);
    struct ecc_diag diag;
    assert_int_equal(ecc_vars_expand_text(&vars, "{\"cluster\": \"${cluster}\", ", &buf, &diag), ECC_OK);
    assert_string_equal(buf.data, "{\"cluster\": \"ecc1234abcd-c1\", ");
    ecc_buf_reset(&buf);
    assert_int_equal(ecc_vars_expand_text(&vars, "${repeat:65:a}", &buf, &diag), ECC_ERR_LIMIT);
    ecc_buf_clean_up(&buf);
    ecc_vars_clean_up(&vars);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand_types),
        cmocka_unit_test(test_expand_errors),
        cmocka_unit_test(test_repeat_and_limits),
        cmocka_unit_test(test_uuid_is_fresh_and_seeded),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_expand_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

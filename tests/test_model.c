/* RunTask request model: deep copy, deep equality, absent vs empty. */
#include "test_support.h"

#include "ecc/model.h"
#include "request_fixtures.h"

static void test_copy_equal_all_fixtures(void **state) {
    (void)state;
    for (size_t i = 0; i < ECC_ARRAY_LEN(fx_all_requests); i++) {
        struct ecc_run_task_request a, b;
        ecc_run_task_request_init(&a);
        ecc_run_task_request_init(&b);
        fx_all_requests[i](&a);
        assert_int_equal(ecc_run_task_request_copy(&b, &a), ECC_OK);
        assert_true(ecc_run_task_request_equal(&a, &b));
        /* Each fixture differs from every other one. */
        for (size_t j = 0; j < ECC_ARRAY_LEN(fx_all_requests); j++) {
            struct ecc_run_task_request c;
            ecc_run_task_request_init(&c);
            fx_all_requests[j](&c);
            assert_true(ecc_run_task_request_equal(&a, &c) == (i == j));
            ecc_run_task_request_clean_up(&c);
        }
        ecc_run_task_request_clean_up(&a);
        ecc_run_task_request_clean_up(&b);
    }
}

static void test_absent_differs_from_empty(void **state) {
    (void)state;
    struct ecc_run_task_request a, b;
    ecc_run_task_request_init(&a);
    ecc_run_task_request_init(&b);
    assert_true(ecc_run_task_request_equal(&a, &b));

    b.tags.has = true; /* [] */
    assert_false(ecc_run_task_request_equal(&a, &b));
    a.tags.has = true;
    assert_true(ecc_run_task_request_equal(&a, &b));

    b.group = fx_str(""); /* "" vs absent */
    assert_false(ecc_run_task_request_equal(&a, &b));
    a.group = fx_str("");
    assert_true(ecc_run_task_request_equal(&a, &b));

    b.has_count = true; /* count 0 vs absent */
    assert_false(ecc_run_task_request_equal(&a, &b));
    a.has_count = true;
    assert_true(ecc_run_task_request_equal(&a, &b));

    /* An absent scalar's value field does not matter. */
    a.has_count = b.has_count = false;
    a.count = 3;
    b.count = 4;
    a.enable_execute_command = true;
    assert_true(ecc_run_task_request_equal(&a, &b));
    a.has_count = b.has_count = true;
    assert_false(ecc_run_task_request_equal(&a, &b));
    a.count = b.count = 0;

    b.has_overrides = true; /* {} vs absent */
    assert_false(ecc_run_task_request_equal(&a, &b));
    a.has_overrides = true;
    assert_true(ecc_run_task_request_equal(&a, &b));
    b.overrides.has_ephemeral_storage = true;
    assert_false(ecc_run_task_request_equal(&a, &b));

    ecc_run_task_request_clean_up(&a);
    ecc_run_task_request_clean_up(&b);
}

static void test_deep_difference_detected(void **state) {
    (void)state;
    struct ecc_run_task_request a, b;
    ecc_run_task_request_init(&a);
    ecc_run_task_request_init(&b);
    fx_request_volumes(&a);
    assert_int_equal(ecc_run_task_request_copy(&b, &a), ECC_OK);
    b.volume_configurations.items[0].managed_ebs_volume.tag_specifications.items[0].tags.items[0].value[0] = 'D';
    assert_false(ecc_run_task_request_equal(&a, &b));
    b.volume_configurations.items[0].managed_ebs_volume.tag_specifications.items[0].tags.items[0].value[0] = 'd';
    assert_true(ecc_run_task_request_equal(&a, &b));
    b.volume_configurations.items[0].managed_ebs_volume.termination_policy.delete_on_termination = true;
    assert_false(ecc_run_task_request_equal(&a, &b));
    ecc_run_task_request_clean_up(&b);
    ecc_run_task_request_init(&b);

    ecc_run_task_request_clean_up(&a);
    ecc_run_task_request_init(&a);
    fx_request_overrides(&a);
    assert_int_equal(ecc_run_task_request_copy(&b, &a), ECC_OK);
    b.overrides.container_overrides.items[0].memory_reservation = 1;
    assert_false(ecc_run_task_request_equal(&a, &b));
    ecc_run_task_request_clean_up(&a);
    ecc_run_task_request_clean_up(&b);
}

static void test_shared_shapes(void **state) {
    (void)state;
    struct ecc_tag_list a, b;
    ecc_tag_list_init(&a);
    ecc_tag_list_init(&b);
    fx_tag(&a, "k", NULL);
    assert_int_equal(ecc_tag_list_copy(&b, &a), ECC_OK);
    assert_true(ecc_tag_list_equal(&a, &b));
    assert_null(b.items[0].value);
    b.items[0].value = fx_str("");
    assert_false(ecc_tag_list_equal(&a, &b));
    ecc_tag_list_clean_up(&a);
    ecc_tag_list_clean_up(&b);
    assert_false(b.has);

    struct ecc_task_override o, p;
    ecc_task_override_init(&o);
    ecc_task_override_init(&p);
    struct ecc_container_override *co = FX_APPEND(&o.container_overrides);
    co->name = fx_str("x");
    assert_int_equal(ecc_task_override_copy(&p, &o), ECC_OK);
    assert_true(ecc_task_override_equal(&o, &p));
    p.container_overrides.items[0].environment.has = true;
    assert_false(ecc_task_override_equal(&o, &p));
    ecc_task_override_clean_up(&o);
    ecc_task_override_clean_up(&p);

    struct ecc_key_value_pair_list k, l;
    ecc_key_value_pair_list_init(&k);
    ecc_key_value_pair_list_init(&l);
    struct ecc_key_value_pair *kv = FX_APPEND(&k);
    kv->name = fx_str("A");
    assert_int_equal(ecc_key_value_pair_list_copy(&l, &k), ECC_OK);
    assert_true(ecc_key_value_pair_list_equal(&k, &l));
    ecc_key_value_pair_list_clean_up(&k);
    assert_false(ecc_key_value_pair_list_equal(&k, &l));
    ecc_key_value_pair_list_clean_up(&l);
}

/* The one "format, then append": formatted, appended in order, cut at the line cap. */
static void test_string_list_appendf(void **state) {
    (void)state;
    struct ecc_string_list list;
    ecc_string_list_init(&list);
    assert_int_equal(ecc_string_list_appendf(&list, "call %u: %s", 2u, "hung"), ECC_OK);
    char big[ECC_STRING_LIST_LINE_MAX + 100];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(ecc_string_list_appendf(&list, "%s", big), ECC_OK);
    assert_true(list.has);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0], "call 2: hung");
    assert_int_equal(strlen(list.items[1]), ECC_STRING_LIST_LINE_MAX - 1);
    ecc_string_list_clean_up(&list);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_equal_all_fixtures),
        cmocka_unit_test(test_absent_differs_from_empty),
        cmocka_unit_test(test_deep_difference_detected),
        cmocka_unit_test(test_shared_shapes),
        cmocka_unit_test(test_string_list_appendf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The client fuzzer's mutations (client_fuzz.h): the same seed gives the same answer, every mutation
 * kind is reached, every answer is a loadable client case, and what must fail is what the codec says. */
#include "test_support.h"

#include "ecc/client_fuzz.h"
#include "ecc/codec_response.h"
#include "ecc/mock.h"

#include <string.h>

#define SUCCESS_BODY                                                                                                   \
    "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:000000000000:task/c/0123\",\"lastStatus\":\"PROVISIONING\","     \
    "\"containers\":[{\"name\":\"web\",\"exitCode\":0}],\"createdAt\":1796400000}],\"failures\":[]}"

static const char *const s_case_text =
    "{\"id\": \"fuzz-unit\", \"title\": \"t\", \"request\": {\"params\": {\"cluster\": \"c\", \"taskDefinition\": "
    "\"f\"}}, \"responses\": [{\"fault\": \"reset\"}, {\"status\": 200, \"headers\": {\"Content-Type\": "
    "\"application/x-amz-json-1.1\"}, \"body\": " SUCCESS_BODY "}], \"expect\": {}}";

static struct ecc_client_case *load_case(const char *text) {
    struct ecc_client_case *c = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_client_case_load_bytes((const uint8_t *)text, strlen(text), "unit", NULL, &c, &diag);
    if (status != ECC_OK) {
        fail_msg("case does not load: %s", diag.text);
    }
    return c;
}

static void mutate(const struct ecc_client_case *c, uint64_t seed, struct ecc_client_fuzz_answer *answer) {
    ecc_client_fuzz_answer_init(answer);
    assert_int_equal(ecc_client_fuzz_mutate(c, seed, answer), ECC_OK);
}

static char *headers_text(const struct ecc_client_fuzz_answer *answer) {
    return json_dumps(answer->headers, JSON_COMPACT | JSON_SORT_KEYS);
}

static void test_same_seed_same_answer(void **state) {
    (void)state;
    struct ecc_client_case *c = load_case(s_case_text);
    size_t distinct = 0;
    char previous[64] = "";
    for (uint64_t seed = 0; seed < 200; seed++) {
        struct ecc_client_fuzz_answer a;
        struct ecc_client_fuzz_answer b;
        mutate(c, seed, &a);
        mutate(c, seed, &b);
        assert_int_equal(a.mutation, b.mutation);
        assert_int_equal(a.status, b.status);
        assert_int_equal(a.body.len, b.body.len);
        assert_memory_equal(a.body.data, b.body.data, a.body.len);
        char *ha = headers_text(&a);
        char *hb = headers_text(&b);
        assert_string_equal(ha, hb);
        assert_string_equal(a.what, b.what);
        /* the base answer is never the reset: it has nothing to mutate */
        assert_int_equal(a.base, 1);
        char digest[64];
        snprintf(digest, sizeof(digest), "%d:%zu:%s", a.status, a.body.len, ecc_client_fuzz_mutation_name(a.mutation));
        distinct += strcmp(digest, previous) != 0 ? 1u : 0u;
        snprintf(previous, sizeof(previous), "%s", digest);
        free(ha);
        free(hb);
        ecc_client_fuzz_answer_clean_up(&a);
        ecc_client_fuzz_answer_clean_up(&b);
    }
    assert_true(distinct > 100); /* different seeds, different answers */
    ecc_client_case_destroy(c);
}

static void test_seed_depends_on_case_and_iteration(void **state) {
    (void)state;
    assert_int_equal(ecc_client_fuzz_seed(7, "a", 0), ecc_client_fuzz_seed(7, "a", 0));
    assert_int_not_equal(ecc_client_fuzz_seed(7, "a", 0), ecc_client_fuzz_seed(7, "b", 0));
    assert_int_not_equal(ecc_client_fuzz_seed(7, "a", 0), ecc_client_fuzz_seed(7, "a", 1));
    assert_int_not_equal(ecc_client_fuzz_seed(7, "a", 0), ecc_client_fuzz_seed(8, "a", 0));
}

/* Every kind is reached; every answer becomes a client case the loader takes (the reproducer). */
static void test_every_mutation_is_a_loadable_case(void **state) {
    (void)state;
    struct ecc_client_case *c = load_case(s_case_text);
    bool seen[ECC_CLIENT_FUZZ_MUTATION_COUNT] = {false};
    for (uint64_t seed = 0; seed < 300; seed++) {
        struct ecc_client_fuzz_answer answer;
        mutate(c, ecc_client_fuzz_seed(seed, c->id, 0), &answer);
        seen[answer.mutation] = true;
        assert_true(answer.what[0] != '\0');
        assert_int_equal(strlen(answer.body.data), answer.body.len); /* no NUL byte */
        json_t *doc = NULL;
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_client_fuzz_case_document(c, "us-east-1", &answer, "fuzz-x", "t", &doc, &diag), ECC_OK);
        char *text = json_dumps(doc, 0);
        assert_non_null(text); /* UTF-8 throughout, or jansson would have refused the body */
        struct ecc_client_case *played = load_case(text);
        assert_int_equal(played->response_count, ECC_CLIENT_FUZZ_ATTEMPTS);
        assert_int_equal(played->responses[0].status, answer.status);
        assert_string_equal(played->responses[2].body_text, answer.body.data);
        assert_int_equal(played->expect_result != NULL, answer.must_fail);
        ecc_client_case_destroy(played);
        free(text);
        json_decref(doc);
        ecc_client_fuzz_answer_clean_up(&answer);
    }
    for (size_t i = 0; i < ECC_CLIENT_FUZZ_MUTATION_COUNT; i++) {
        if (!seen[i]) {
            fail_msg(
                "mutation %s never drawn in 300 seeds",
                ecc_client_fuzz_mutation_name((enum ecc_client_fuzz_mutation)i));
        }
    }
    ecc_client_case_destroy(c);
}

/* must_fail is the codec's reading: a cut object is never a success; a changed status to 5xx never is. */
static void test_must_fail_follows_the_codec(void **state) {
    (void)state;
    struct ecc_client_case *c = load_case(s_case_text);
    unsigned truncations = 0;
    unsigned server_errors = 0;
    unsigned successes = 0;
    for (uint64_t seed = 0; seed < 400; seed++) {
        struct ecc_client_fuzz_answer answer;
        mutate(c, seed, &answer);
        if (answer.mutation == ECC_CLIENT_FUZZ_TRUNCATE) {
            truncations++;
            assert_true(answer.must_fail);
            assert_true(answer.body.len < strlen(SUCCESS_BODY));
        }
        if (answer.mutation == ECC_CLIENT_FUZZ_WRONG_STATUS && answer.status >= 500) {
            server_errors++;
            if (!answer.must_fail) {
                fail_msg("%s with status %d read as %s", answer.what, answer.status, answer.codec);
            }
            assert_string_equal(answer.body.data, SUCCESS_BODY);
        }
        successes += answer.must_fail ? 0u : 1u;
        assert_true(strcmp(answer.codec_key, "success") == 0 ? !answer.must_fail : answer.must_fail);
        ecc_client_fuzz_answer_clean_up(&answer);
    }
    assert_true(truncations > 0 && server_errors > 0);
    assert_true(successes > 0); /* unknown members and the like are still successes */
    ecc_client_case_destroy(c);
}

static void test_nothing_to_mutate(void **state) {
    (void)state;
    struct ecc_client_case *c = load_case(
        "{\"id\": \"fuzz-none\", \"title\": \"t\", \"request\": {\"params\": {\"cluster\": \"c\", \"taskDefinition\": "
        "\"f\"}}, \"responses\": [{\"fault\": \"reset\"}, {\"fault\": \"hang\"}], \"expect\": {}}");
    struct ecc_client_fuzz_answer answer;
    ecc_client_fuzz_answer_init(&answer);
    assert_int_equal(ecc_client_fuzz_mutate(c, 1, &answer), ECC_ERR_NOT_FOUND);
    ecc_client_fuzz_answer_clean_up(&answer);
    ecc_client_case_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_seed_same_answer),
        cmocka_unit_test(test_seed_depends_on_case_and_iteration),
        cmocka_unit_test(test_every_mutation_is_a_loadable_case),
        cmocka_unit_test(test_must_fail_follows_the_codec),
        cmocka_unit_test(test_nothing_to_mutate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The error table, awsJson1_1 type sanitizing and type resolution. */
#include "test_support.h"

#include "ecc/errors.h"

static void s_check_sanitize(const char *raw, const char *expected) {
    size_t len = 0;
    const char *name = ecc_errors_sanitize(raw, strlen(raw), &len);
    assert_int_equal(len, strlen(expected));
    assert_memory_equal(name, expected, len);
    /* The result is a slice of the input, never a copy. */
    assert_true(name >= raw && name + len <= raw + strlen(raw));
}

static void test_sanitize(void **state) {
    (void)state;
    s_check_sanitize("FooError", "FooError");
    s_check_sanitize("FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/", "FooError");
    s_check_sanitize("aws.protocoltests.json#FooError", "FooError");
    s_check_sanitize("aws.protocoltests.json#FooError:http://internal.amazon.com/coral/", "FooError");
    s_check_sanitize("com.amazonaws.ecs#ClusterNotFoundException", "ClusterNotFoundException");
    /* Edge cases: empty, only '#', ':' before '#', multiple '#', trailing '#'. */
    s_check_sanitize("", "");
    s_check_sanitize("#", "");
    s_check_sanitize("ns#", "");
    s_check_sanitize(":", "");
    s_check_sanitize(":x#Foo", "");
    s_check_sanitize("Foo:ns#Bar", "Foo");
    s_check_sanitize("a#b#FooError", "FooError");
    s_check_sanitize("#FooError", "FooError");
    s_check_sanitize("a#b#FooError:c#d", "FooError");
}

static void test_sanitize_embedded_nul(void **state) {
    (void)state;
    /* JSON strings may hold \u0000; lengths, not NULs, bound the work. */
    const char raw[] = {'n', 's', '#', 'F', '\0', 'x', ':', 'y'};
    size_t len = 0;
    const char *name = ecc_errors_sanitize(raw, sizeof(raw), &len);
    assert_int_equal(len, 3);
    assert_memory_equal(name, "F\0x", 3);
}

static void test_table(void **state) {
    (void)state;
    size_t count = 0;
    const struct ecc_error_info *table = ecc_errors_table(&count);
    assert_int_equal(count, ECC_ERROR_COUNT);
    size_t declared = 0;
    for (size_t i = 0; i < count; i++) {
        /* id order, look-up by name finds the same row, names are already sanitized */
        assert_int_equal(table[i].id, (int)i);
        assert_ptr_equal(ecc_errors_get(table[i].id), &table[i]);
        assert_ptr_equal(ecc_errors_find(table[i].name, strlen(table[i].name)), &table[i]);
        assert_null(strchr(table[i].name, '#'));
        assert_null(strchr(table[i].name, ':'));
        assert_true(table[i].http_status >= 400 && table[i].http_status <= 599);
        assert_int_equal(table[i].fault == ECC_FAULT_SERVER, table[i].http_status >= 500);
        assert_true(table[i].summary[0] != '\0');
        declared += table[i].declared;
        if (table[i].throttling) {
            assert_true(table[i].retryable);
        }
    }
    assert_int_equal(declared, 10);
    assert_null(ecc_errors_get(ECC_ERROR_COUNT));
    assert_null(ecc_errors_find("FooError", 8));
    assert_null(ecc_errors_find("ConflictExceptio", 16));
    assert_null(ecc_errors_find("conflictexception", 17));
    assert_null(ecc_errors_find(NULL, 0));
}

/* Every status, as a literal, so a changed row fails here. */
static void test_table_statuses(void **state) {
    (void)state;
    static const struct {
        const char *name;
        int status;
        bool server;
        bool declared;
        bool retryable;
        bool throttling;
    } expected[] = {
        {"ConflictException", 400, false, true, false, false},
        {"AccessDeniedException", 400, false, true, false, false},
        {"PlatformUnknownException", 400, false, true, false, false},
        {"ServerException", 500, true, true, true, false},
        {"InvalidParameterException", 400, false, true, false, false},
        {"BlockedException", 400, false, true, false, false},
        {"ClientException", 400, false, true, false, false},
        {"ClusterNotFoundException", 400, false, true, false, false},
        {"PlatformTaskDefinitionIncompatibilityException", 400, false, true, false, false},
        {"UnsupportedFeatureException", 400, false, true, false, false},
        {"UnrecognizedClientException", 400, false, false, false, false},
        {"InvalidSignatureException", 400, false, false, false, false},
        {"IncompleteSignature", 400, false, false, false, false},
        {"MissingAuthenticationTokenException", 403, false, false, false, false},
        {"ExpiredTokenException", 403, false, false, false, false},
        {"InvalidClientTokenId", 403, false, false, false, false},
        {"SignatureDoesNotMatch", 403, false, false, false, false},
        {"RequestExpired", 400, false, false, false, false},
        {"ThrottlingException", 400, false, false, true, true},
        {"SerializationException", 400, false, false, false, false},
        {"UnknownOperationException", 400, false, false, false, false},
        {"ValidationException", 400, false, false, false, false},
        {"InternalFailure", 500, true, false, true, false},
        {"ServiceUnavailable", 503, true, false, true, false},
        {"RequestEntityTooLargeException", 413, false, false, false, false},
    };
    /* The refusals the run's preflight reports as credentials or region not accepted. */
    static const char *const authorization_errors[] = {
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "IncompleteSignature",
        "MissingAuthenticationTokenException",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "RequestExpired",
        "AccessDeniedException"};
    assert_int_equal(ECC_ARRAY_LEN(expected), ECC_ERROR_COUNT);
    for (size_t i = 0; i < ECC_ARRAY_LEN(expected); i++) {
        const struct ecc_error_info *info = ecc_errors_find(expected[i].name, strlen(expected[i].name));
        assert_non_null(info);
        assert_int_equal(info->http_status, expected[i].status);
        assert_int_equal(info->fault == ECC_FAULT_SERVER, expected[i].server);
        assert_int_equal(info->declared, expected[i].declared);
        assert_int_equal(info->retryable, expected[i].retryable);
        assert_int_equal(info->throttling, expected[i].throttling);
        assert_int_equal(info->has_resource_ids, strcmp(expected[i].name, "ConflictException") == 0);
        bool authorization = false;
        for (size_t a = 0; a < ECC_ARRAY_LEN(authorization_errors); a++) {
            authorization = authorization || strcmp(expected[i].name, authorization_errors[a]) == 0;
        }
        assert_int_equal(info->authorization, authorization);
    }
}

static json_t *s_load(const char *text) {
    json_error_t error;
    json_t *value = json_loads(text, 0, &error);
    assert_non_null(value);
    return value;
}

static void s_check_resolve(
    const char *header, const char *body_text, enum ecc_error_type_source source, const char *raw, const char *name) {
    struct ecc_http_headers headers;
    ecc_http_headers_init(&headers);
    if (header) {
        assert_int_equal(ecc_http_headers_add(&headers, "x-amzn-errortype", header), ECC_OK);
    }
    json_t *body = body_text ? s_load(body_text) : NULL;
    struct ecc_error_type type;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_errors_resolve_type(&headers, body, &type, &diag), ECC_OK);
    assert_int_equal(type.source, source);
    if (raw) {
        assert_string_equal(type.raw, raw);
        assert_int_equal(type.name_len, strlen(name));
        assert_memory_equal(type.name, name, type.name_len);
    } else {
        assert_null(type.raw);
        assert_null(type.name);
    }
    json_decref(body);
    ecc_http_headers_clean_up(&headers);
}

static void test_resolve_order(void **state) {
    (void)state;
    /* header beats code beats __type, even when they disagree */
    s_check_resolve(
        "ns#HeaderError",
        "{\"code\":\"CodeError\",\"__type\":\"TypeError\"}",
        ECC_ERROR_TYPE_HEADER,
        "ns#HeaderError",
        "HeaderError");
    s_check_resolve(
        NULL, "{\"code\":\"CodeError\",\"__type\":\"TypeError\"}", ECC_ERROR_TYPE_BODY_CODE, "CodeError", "CodeError");
    s_check_resolve(NULL, "{\"__type\":\"a#TypeError:uri\"}", ECC_ERROR_TYPE_BODY_TYPE, "a#TypeError:uri", "TypeError");
    /* empty header and empty code do not count; null does not count */
    s_check_resolve("", "{\"code\":\"\",\"__type\":\"TypeError\"}", ECC_ERROR_TYPE_BODY_TYPE, "TypeError", "TypeError");
    s_check_resolve(
        NULL, "{\"code\":null,\"__type\":\"TypeError\"}", ECC_ERROR_TYPE_BODY_TYPE, "TypeError", "TypeError");
    /* nested __type is ignored */
    s_check_resolve(
        NULL,
        "{\"ErrorDetails\":[{\"__type\":\"x#Nested\"}],\"inner\":{\"__type\":\"N\"}}",
        ECC_ERROR_TYPE_NONE,
        NULL,
        NULL);
    s_check_resolve(NULL, NULL, ECC_ERROR_TYPE_NONE, NULL, NULL);
    s_check_resolve(NULL, "[\"__type\"]", ECC_ERROR_TYPE_NONE, NULL, NULL);
    s_check_resolve("OnlyHeader", NULL, ECC_ERROR_TYPE_HEADER, "OnlyHeader", "OnlyHeader");
}

static void test_resolve_unusable(void **state) {
    (void)state;
    struct ecc_error_type type;
    struct ecc_diag diag;
    const char *bodies[] = {
        "{\"code\":5}", "{\"__type\":{}}", "{\"__type\":\"ns#\"}", "{\"code\":\":uri\"}", "{\"__type\":true}"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(bodies); i++) {
        json_t *body = s_load(bodies[i]);
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_errors_resolve_type(NULL, body, &type, &diag), ECC_ERR_INVALID);
        assert_true(diag.text[0] != '\0');
        json_decref(body);
    }
    struct ecc_http_headers headers;
    ecc_http_headers_init(&headers);
    assert_int_equal(ecc_http_headers_add(&headers, "X-Amzn-Errortype", "#"), ECC_OK);
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_errors_resolve_type(&headers, NULL, &type, &diag), ECC_ERR_INVALID);
    assert_non_null(strstr(diag.text, "X-Amzn-Errortype"));
    ecc_http_headers_clean_up(&headers);
}

static void test_message(void **state) {
    (void)state;
    json_t *lower = s_load("{\"message\":\"lower\",\"Message\":\"upper\"}");
    json_t *upper = s_load("{\"Message\":\"upper\"}");
    json_t *wrong = s_load("{\"message\":5,\"Message\":\"upper\"}");
    json_t *none = s_load("{\"message\":5}");
    assert_string_equal(ecc_errors_find_message(lower), "lower");
    assert_string_equal(ecc_errors_find_message(upper), "upper");
    assert_string_equal(ecc_errors_find_message(wrong), "upper");
    assert_null(ecc_errors_find_message(none));
    assert_null(ecc_errors_find_message(NULL));
    json_decref(lower);
    json_decref(upper);
    json_decref(wrong);
    json_decref(none);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_sanitize_embedded_nul),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_table_statuses),
        cmocka_unit_test(test_resolve_order),
        cmocka_unit_test(test_resolve_unusable),
        cmocka_unit_test(test_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

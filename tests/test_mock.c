/* The mock's request checks, matching and token rules, called directly (no socket); the client case loader. */
#include "test_support.h"

#include "ecc/codec_request.h"
#include "ecc/mock.h"
#include "ecc/sigv4.h"

#define KEY_ID "AKIDMOCKTEST"
#define SECRET "mock/test/secret"
#define REGION "us-east-1"
#define HOST   "127.0.0.1:4000"
#define PARAMS "{\"cluster\":\"c\",\"taskDefinition\":\"f\",\"count\":1}"
#define UUID_A "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
#define UUID_B "6fa459ea-ee8a-4ca4-894e-db77e160355e"

struct fixture {
    struct ecc_mock *mock;
    json_t *params;
};

static struct ecc_mock *new_mock(void) {
    struct ecc_mock_options options = {.region = REGION, .access_key_id = KEY_ID, .secret_access_key = SECRET};
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_mock *mock = ecc_mock_new(&options, &diag);
    assert_non_null(mock);
    assert_int_equal(ecc_mock_set_host(mock, HOST), ECC_OK);
    return mock;
}

/* Adds an exchange expecting PARAMS (with `token` when not NULL) and answering `status` / `body`. */
static void add_exchange(struct ecc_mock *mock, const char *token, int status, const char *body) {
    json_t *params = json_loads(PARAMS, 0, NULL);
    if (token != NULL) {
        json_object_set_new(params, "clientToken", json_string(token));
    }
    json_t *answer = json_loads(body, 0, NULL);
    json_t *headers = json_pack("{s:s}", "Content-Type", ECC_AWS_JSON_CONTENT_TYPE);
    struct ecc_mock_exchange exchange = {
        .label = "test",
        .request_body = params,
        .status = status,
        .response_headers = headers,
        .response_body = answer,
    };
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_mock_add_exchange(mock, &exchange, &diag), ECC_OK);
    json_decref(params);
    json_decref(answer);
    json_decref(headers);
}

/* A RunTask request with `body`, Host, signed for `region` with the test key. */
static void build_request(struct ecc_http_request *request, const char *body, const char *region) {
    ecc_http_request_init(request);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_codec_build_aws_json_request("RunTask", body, strlen(body), request, &diag), ECC_OK);
    assert_int_equal(ecc_http_headers_set(&request->headers, "Host", HOST), ECC_OK);
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    assert_int_equal(ecc_credentials_set(&credentials, KEY_ID, SECRET, NULL, &diag), ECC_OK);
    struct ecc_sigv4_sign_options sign = {.credentials = &credentials, .region = region, .service = "ecs"};
    assert_int_equal(ecc_sigv4_sign(request, &sign, &diag), ECC_OK);
    ecc_credentials_clean_up(&credentials);
}

static char *body_with_token(const char *token) {
    static char text[256];
    if (token == NULL) {
        snprintf(text, sizeof(text), "%s", PARAMS);
    } else {
        snprintf(
            text,
            sizeof(text),
            "{\"cluster\":\"c\",\"taskDefinition\":\"f\",\"count\":1,\"clientToken\":\"%s\"}",
            token);
    }
    return text;
}

/* Sends `request` to the mock; returns the answered status and the answer's body (caller frees). */
static int handle(struct ecc_mock *mock, const struct ecc_http_request *request, char **body) {
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    ecc_mock_handle(mock, request, &response);
    int status = response.status;
    if (body != NULL) {
        *body = strndup((const char *)response.body, response.body_len);
    }
    ecc_http_response_clean_up(&response);
    return status;
}

static bool has_problem(const struct ecc_mock_record *record, const char *needle) {
    for (size_t i = 0; i < record->problems.count; i++) {
        if (strstr(record->problems.items[i], needle) != NULL) {
            return true;
        }
    }
    return false;
}

static bool list_has(const struct ecc_string_list *list, const char *needle) {
    for (size_t i = 0; i < list->count; i++) {
        if (strstr(list->items[i], needle) != NULL) {
            return true;
        }
    }
    return false;
}

static void test_uuid4(void **state) {
    (void)state;
    assert_true(ecc_mock_is_uuid4(UUID_A));
    assert_true(ecc_mock_is_uuid4("1B4E28BA-2FA1-41D2-A83F-0016D3CCA427"));
    assert_false(ecc_mock_is_uuid4(NULL));
    assert_false(ecc_mock_is_uuid4(""));
    assert_false(ecc_mock_is_uuid4("1b4e28ba-2fa1-11d2-883f-0016d3cca427")); /* version 1 */
    assert_false(ecc_mock_is_uuid4("1b4e28ba-2fa1-41d2-c83f-0016d3cca427")); /* variant */
    assert_false(ecc_mock_is_uuid4("1b4e28ba2fa141d2883f0016d3cca427"));
    assert_false(ecc_mock_is_uuid4("1b4e28ba-2fa1-41d2-883f-0016d3cca42g"));
    assert_false(ecc_mock_is_uuid4("1b4e28ba-2fa1-41d2-883f-0016d3cca4270"));
}

static void test_good_request_answered_and_clean(void **state) {
    (void)state;
    struct ecc_mock *mock = new_mock();
    add_exchange(mock, NULL, 200, "{\"tasks\":[],\"failures\":[]}");
    struct ecc_http_request request;
    build_request(&request, body_with_token(UUID_A), REGION);
    char *body = NULL;
    assert_int_equal(handle(mock, &request, &body), 200);
    assert_string_equal(body, "{\"tasks\":[],\"failures\":[]}");
    free(body);
    const struct ecc_mock_record *record = ecc_mock_record_get(mock, 0);
    assert_non_null(record);
    assert_int_equal(record->exchange, 0);
    assert_int_equal(record->problems.count, 0);
    assert_string_equal(record->client_token, UUID_A);
    struct ecc_string_list problems;
    ecc_string_list_init(&problems);
    assert_int_equal(ecc_mock_finish(mock, &problems), ECC_OK);
    assert_int_equal(problems.count, 0);
    ecc_string_list_clean_up(&problems);
    ecc_http_request_clean_up(&request);
    ecc_mock_destroy(mock);
}

/* Each broken request makes exactly the named check fail. `edit` breaks the signed request. */
struct envelope_case {
    const char *name;
    const char *problem;
    void (*edit)(struct ecc_http_request *request);
};

static void edit_method(struct ecc_http_request *r) {
    assert_int_equal(ecc_http_request_set_line(r, "PUT", NULL, NULL), ECC_OK);
}
static void edit_path(struct ecc_http_request *r) {
    assert_int_equal(ecc_http_request_set_line(r, NULL, "/v1", NULL), ECC_OK);
}
static void edit_query(struct ecc_http_request *r) {
    assert_int_equal(ecc_http_request_set_line(r, NULL, NULL, "a=b"), ECC_OK);
}
static void edit_content_type(struct ecc_http_request *r) {
    assert_int_equal(ecc_http_headers_set(&r->headers, "Content-Type", "application/json"), ECC_OK);
}
static void edit_target(struct ecc_http_request *r) {
    assert_int_equal(ecc_http_headers_set(&r->headers, "X-Amz-Target", ECC_AWS_JSON_TARGET_PREFIX ".RunTasks"), ECC_OK);
}
static void edit_no_host(struct ecc_http_request *r) {
    ecc_http_headers_remove(&r->headers, "Host");
}
static void edit_other_host(struct ecc_http_request *r) {
    assert_int_equal(ecc_http_headers_set(&r->headers, "Host", "127.0.0.1:4001"), ECC_OK);
}
static void edit_no_date(struct ecc_http_request *r) {
    ecc_http_headers_remove(&r->headers, "X-Amz-Date");
}
static void edit_content_length(struct ecc_http_request *r) {
    assert_int_equal(ecc_http_headers_set(&r->headers, "Content-Length", "3"), ECC_OK);
}
static void edit_no_content_length(struct ecc_http_request *r) {
    ecc_http_headers_remove(&r->headers, "Content-Length");
}
static void edit_signature(struct ecc_http_request *r) {
    const char *auth = ecc_http_headers_get(&r->headers, "Authorization");
    char *copy = strdup(auth);
    char *last = copy + strlen(copy) - 1;
    *last = *last == '0' ? '1' : '0';
    assert_int_equal(ecc_http_headers_set(&r->headers, "Authorization", copy), ECC_OK);
    free(copy);
}
static void edit_body_after_signing(struct ecc_http_request *r) {
    const char *other = "{\"cluster\":\"c\",\"taskDefinition\":\"f\",\"count\":2}";
    assert_int_equal(ecc_http_request_set_body(r, other, strlen(other)), ECC_OK);
}
static void edit_no_authorization(struct ecc_http_request *r) {
    ecc_http_headers_remove(&r->headers, "Authorization");
}

static void test_envelope_checks(void **state) {
    (void)state;
    static const struct envelope_case cases[] = {
        {"method", "method: expected POST", edit_method},
        {"path", "path: expected /", edit_path},
        {"query", "query: expected none", edit_query},
        {"content-type", "content-type: expected application/x-amz-json-1.1, got application/json", edit_content_type},
        {"target", "target: expected X-Amz-Target AmazonEC2ContainerServiceV20141113.RunTask", edit_target},
        {"no host", "host: no Host header", edit_no_host},
        {"other host", "host: expected 127.0.0.1:4000, got 127.0.0.1:4001", edit_other_host},
        {"no date", "x-amz-date: no X-Amz-Date header", edit_no_date},
        {"content-length", "content-length: header says 3", edit_content_length},
        {"no content-length", "content-length: no Content-Length header", edit_no_content_length},
        {"signature", "signature.signature:", edit_signature},
        {"body after signing", "signature.signature:", edit_body_after_signing},
        {"unsigned", "signature.", edit_no_authorization},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        struct ecc_mock *mock = new_mock();
        add_exchange(mock, NULL, 200, "{}");
        struct ecc_http_request request;
        build_request(&request, body_with_token(UUID_A), REGION);
        cases[i].edit(&request);
        (void)handle(mock, &request, NULL);
        const struct ecc_mock_record *record = ecc_mock_record_get(mock, 0);
        if (!has_problem(record, cases[i].problem)) {
            for (size_t p = 0; p < record->problems.count; p++) {
                fprintf(stderr, "  got: %s\n", record->problems.items[p]);
            }
            fail_msg("case '%s': no problem '%s'", cases[i].name, cases[i].problem);
        }
        ecc_http_request_clean_up(&request);
        ecc_mock_destroy(mock);
    }
}

static void test_signature_failures_answered_like_aws(void **state) {
    (void)state;
    struct ecc_mock *mock = new_mock();
    add_exchange(mock, NULL, 200, "{}");
    struct ecc_http_request request;
    build_request(&request, body_with_token(UUID_A), "us-west-2");
    char *body = NULL;
    assert_int_equal(handle(mock, &request, &body), 400);
    assert_non_null(strstr(body, "InvalidSignatureException"));
    free(body);
    const struct ecc_mock_record *record = ecc_mock_record_get(mock, 0);
    assert_true(has_problem(record, "signature.credential-scope"));
    assert_int_equal(record->exchange, -1);
    assert_int_equal(ecc_mock_played_count(mock), 0);
    ecc_http_request_clean_up(&request);
    ecc_mock_destroy(mock);
}

static void test_body_checks(void **state) {
    (void)state;
    static const struct {
        const char *body;
        const char *problem;
    } cases[] = {
        {"{\"cluster\":", "body:"},
        {"[1,2]", "body:"},
        {"{\"taskDefinition\":\"f\",\"count\":\"1\",\"clientToken\":\"" UUID_A "\"}", "body:"},
        {"{\"taskDefinition\":\"f\",\"clientToken\":\"" UUID_A "\",\"extra\":1}", "body.unknown-member: extra"},
        {"{\"taskDefinition\":\"f\",\"clientToken\":\"" UUID_A "\",\"overrides\":{\"cpuu\":\"1\"}}",
         "body.unknown-member: overrides.cpuu"},
        {"{\"taskDefinition\":\"f\"}", "client-token.generated: no clientToken"},
        {"{\"taskDefinition\":\"f\",\"clientToken\":\"tok-1\"}", "client-token.generated: tok-1 is not a UUIDv4"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        struct ecc_mock *mock = new_mock();
        add_exchange(mock, NULL, 200, "{}");
        struct ecc_http_request request;
        build_request(&request, cases[i].body, REGION);
        (void)handle(mock, &request, NULL);
        if (!has_problem(ecc_mock_record_get(mock, 0), cases[i].problem)) {
            fail_msg("body %s: no problem '%s'", cases[i].body, cases[i].problem);
        }
        ecc_http_request_clean_up(&request);
        ecc_mock_destroy(mock);
    }
}

static void test_given_token_rules(void **state) {
    (void)state;
    struct ecc_mock *mock = new_mock();
    assert_int_equal(ecc_mock_set_expected_token(mock, "caller-token"), ECC_OK);
    add_exchange(mock, "caller-token", 200, "{}");
    add_exchange(mock, "caller-token", 200, "{}");
    add_exchange(mock, "caller-token", 200, "{}");
    struct ecc_http_request request;
    build_request(&request, body_with_token("caller-token"), REGION);
    assert_int_equal(handle(mock, &request, NULL), 200);
    assert_int_equal(ecc_mock_record_get(mock, 0)->problems.count, 0);
    ecc_http_request_clean_up(&request);
    /* Changed, then dropped: both fail the given rule, and neither matches (the token is compared by value). */
    build_request(&request, body_with_token(UUID_A), REGION);
    assert_int_equal(handle(mock, &request, NULL), 400);
    assert_true(has_problem(ecc_mock_record_get(mock, 1), "client-token.given: the caller's clientToken was changed"));
    ecc_http_request_clean_up(&request);
    build_request(&request, body_with_token(NULL), REGION);
    assert_int_equal(handle(mock, &request, NULL), 400);
    assert_true(has_problem(ecc_mock_record_get(mock, 2), "client-token.given: the caller's clientToken was not sent"));
    ecc_http_request_clean_up(&request);
    ecc_mock_destroy(mock);
}

static void test_matching_in_order_and_by_meaning(void **state) {
    (void)state;
    struct ecc_mock *mock = new_mock();
    add_exchange(mock, NULL, 500, "{\"__type\":\"ServerException\"}");
    add_exchange(mock, NULL, 200, "{\"tasks\":[]}");
    /* Same meaning, other bytes: member order, spacing, a null member. */
    const char *body =
        "{ \"count\": 1, \"taskDefinition\": \"f\", \"group\": null, \"cluster\": \"c\", \"clientToken\": "
        "\"" UUID_A "\" }";
    struct ecc_http_request request;
    build_request(&request, body, REGION);
    assert_int_equal(handle(mock, &request, NULL), 500);
    assert_int_equal(handle(mock, &request, NULL), 200);
    char *answer = NULL;
    assert_int_equal(handle(mock, &request, &answer), 400);
    assert_non_null(strstr(answer, ECC_MOCK_NO_MATCH_ERROR));
    assert_non_null(strstr(answer, "already played"));
    free(answer);
    assert_int_equal(ecc_mock_played_count(mock), 2);
    assert_int_equal(ecc_mock_record_get(mock, 0)->problems.count, 0);
    assert_true(has_problem(ecc_mock_record_get(mock, 2), "match: no recorded exchange left"));
    ecc_http_request_clean_up(&request);
    ecc_mock_destroy(mock);
}

static void test_no_match_diff_names_the_member(void **state) {
    (void)state;
    struct ecc_mock *mock = new_mock();
    add_exchange(mock, NULL, 200, "{}");
    struct ecc_http_request request;
    build_request(
        &request, "{\"cluster\":\"c\",\"taskDefinition\":\"f\",\"count\":2,\"clientToken\":\"" UUID_A "\"}", REGION);
    char *answer = NULL;
    assert_int_equal(handle(mock, &request, &answer), 400);
    assert_non_null(strstr(answer, "body /count: expected 1, got 2"));
    free(answer);
    /* The generated token is compared by rule, so it never shows in the diff. */
    assert_false(has_problem(ecc_mock_record_get(mock, 0), "clientToken"));
    ecc_http_request_clean_up(&request);
    ecc_mock_destroy(mock);
}

static void run_calls(
    struct ecc_mock *mock,
    const char *const *tokens,
    const unsigned *calls,
    size_t count,
    struct ecc_string_list *problems) {
    unsigned call = 0;
    for (size_t i = 0; i < count; i++) {
        if (calls[i] != call) {
            ecc_mock_begin_call(mock);
            call = calls[i];
        }
        struct ecc_http_request request;
        build_request(&request, body_with_token(tokens[i]), REGION);
        (void)handle(mock, &request, NULL);
        ecc_http_request_clean_up(&request);
    }
    assert_int_equal(ecc_mock_finish(mock, problems), ECC_OK);
}

static void test_token_rules_across_requests(void **state) {
    (void)state;
    static const struct {
        const char *tokens[3];
        unsigned calls[3];
        size_t count;
        const char *problem; /* NULL: clean */
    } cases[] = {
        {{UUID_A, UUID_A}, {0, 0}, 2, NULL},
        {{UUID_A, UUID_B}, {0, 0}, 2, "client-token.retry: a retry must carry the same clientToken"},
        {{UUID_A, NULL}, {0, 0}, 2, "client-token.retry: the retry dropped the clientToken"},
        {{UUID_A, UUID_B}, {0, 1}, 2, NULL},
        {{UUID_A, UUID_A}, {0, 1}, 2, "client-token.new-call: a new call reused"},
        {{UUID_A, UUID_A, UUID_B}, {0, 0, 1}, 3, NULL},
        {{UUID_A, UUID_B, UUID_A}, {0, 1, 1}, 3, "client-token.retry"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        struct ecc_mock *mock = new_mock();
        for (size_t e = 0; e < cases[i].count; e++) {
            add_exchange(mock, NULL, 200, "{}");
        }
        struct ecc_string_list problems;
        ecc_string_list_init(&problems);
        run_calls(mock, cases[i].tokens, cases[i].calls, cases[i].count, &problems);
        if (cases[i].problem == NULL) {
            if (problems.count != 0) {
                fail_msg("case %zu: unexpected problem %s", i, problems.items[0]);
            }
        } else if (!list_has(&problems, cases[i].problem)) {
            fail_msg("case %zu: no problem '%s'", i, cases[i].problem);
        }
        ecc_string_list_clean_up(&problems);
        ecc_mock_destroy(mock);
    }
}

static void test_bad_options_and_exchanges(void **state) {
    (void)state;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_mock_options options = {.region = REGION, .access_key_id = KEY_ID};
    assert_null(ecc_mock_new(&options, &diag));
    assert_null(ecc_mock_new(NULL, &diag));
    struct ecc_mock *mock = new_mock();
    json_t *bad = json_pack("{s:s}", "count", "one");
    struct ecc_mock_exchange exchange = {.request_body = bad, .status = 200};
    assert_int_equal(ecc_mock_add_exchange(mock, &exchange, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "count");
    json_decref(bad);
    /* With no exchange at all, a request still gets an AWS JSON error. */
    struct ecc_http_request request;
    build_request(&request, body_with_token(UUID_A), REGION);
    char *answer = NULL;
    assert_int_equal(handle(mock, &request, &answer), 400);
    assert_non_null(strstr(answer, "holds no exchange"));
    free(answer);
    ecc_http_request_clean_up(&request);
    ecc_mock_destroy(mock);
}

static void test_fuzz_entry(void **state) {
    (void)state;
    static const char *const inputs[] = {
        "",
        "garbage",
        "POST / HTTP/1.1\nHost:127.0.0.1:1\nX-Amz-Target:AmazonEC2ContainerServiceV20141113.RunTask\n\n{}",
        ("POST / HTTP/1.1\nHost:x\nAuthorization:AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, "
         "Signature=00\n\n{\"cluster\":["),
        "GET /?a=%zz HTTP/1.1\n\n",
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(inputs); i++) {
        assert_int_equal(ecc_mock_fuzz_one((const uint8_t *)inputs[i], strlen(inputs[i]), NULL, NULL), 0);
    }
}

struct s_fuzz_answers {
    int statuses[4];
    size_t count;
};

static void
s_record_answer(void *user_data, const struct ecc_http_request *request, const struct ecc_http_response *response) {
    (void)request;
    struct s_fuzz_answers *answers = user_data;
    assert_true(answers->count < ECC_ARRAY_LEN(answers->statuses));
    answers->statuses[answers->count++] = response->status;
}

/* The entry signs the request, so a matching one reaches the exchanges (error, then success on the
 * retry); '~' hands it over unsigned, and the signature check answers. */
static void test_fuzz_entry_signs_and_reaches_the_matcher(void **state) {
    (void)state;
    static const char matching[] = "POST / HTTP/1.1\nContent-Type:application/x-amz-json-1.1\n"
                                   "X-Amz-Target:AmazonEC2ContainerServiceV20141113.RunTask\n\n"
                                   "{\"cluster\":\"c\",\"taskDefinition\":\"f\",\"count\":1}";
    struct s_fuzz_answers answers = {0};
    assert_int_equal(ecc_mock_fuzz_one((const uint8_t *)matching, strlen(matching), s_record_answer, &answers), 0);
    assert_int_equal(answers.count, 2);
    assert_int_equal(answers.statuses[0], 500);
    assert_int_equal(answers.statuses[1], 200);

    char unsigned_text[sizeof(matching) + 1] = "~";
    strcat(unsigned_text, matching);
    memset(&answers, 0, sizeof(answers));
    assert_int_equal(
        ecc_mock_fuzz_one((const uint8_t *)unsigned_text, strlen(unsigned_text), s_record_answer, &answers), 0);
    assert_int_equal(answers.count, 2);
    assert_int_equal(answers.statuses[0], 403); /* MissingAuthenticationToken */
    assert_int_equal(answers.statuses[1], 403);

    /* A no-match diff quoting bytes that are not UTF-8 is still a JSON 400 (was a bodiless 500). */
    static const char not_utf8[] = "POST / HTTP/1.1\nX-Amz-Target:Amazon\xff\xfe.RunTask\n\n{}";
    memset(&answers, 0, sizeof(answers));
    assert_int_equal(ecc_mock_fuzz_one((const uint8_t *)not_utf8, strlen(not_utf8), s_record_answer, &answers), 0);
    assert_int_equal(answers.count, 2);
    assert_int_equal(answers.statuses[0], 400);
}

/* ---- client cases ------------------------------------------------------------------------------- */

static const char *const s_fixture =
    "{\"id\":\"fx\",\"description\":\"d\",\"operation\":\"RunTask\",\"recorded\":{\"from\":\"hand-written\"},"
    "\"request\":{\"body\":{\"cluster\":\"${cluster}\",\"taskDefinition\":\"${family}\"}},"
    "\"response\":{\"status\":200,\"body\":{\"tasks\":[]}}}";

static void load_fixtures(struct ecc_fixture_set *set) {
    ecc_fixture_set_init(set);
    struct ecc_fixture *fixture = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(
        ecc_fixture_load_bytes((const uint8_t *)s_fixture, strlen(s_fixture), "fx", &fixture, &diag), ECC_OK);
    assert_int_equal(ecc_fixture_set_add(set, fixture, &diag), ECC_OK);
}

static void test_client_case_loads_and_expands(void **state) {
    (void)state;
    struct ecc_fixture_set set;
    load_fixtures(&set);
    const char *text = "{\"id\":\"c1\",\"title\":\"t\",\"request\":{\"from\":\"fx\",\"merge\":{\"count\":2}},"
                       "\"responses\":[{\"status\":500,\"body\":{\"__type\":\"ServerException\"}},\"fx\"],"
                       "\"expect\":{\"result\":{\"/ok\":true}}}";
    struct ecc_client_case *c = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_client_case_load_bytes((const uint8_t *)text, strlen(text), "c1", &set, &c, &diag), ECC_OK);
    assert_int_equal(c->response_count, 2);
    assert_int_equal(c->expect_requests, 2);
    assert_int_equal(c->calls, 1);
    assert_int_equal(c->responses[0].status, 500);
    assert_int_equal(c->responses[1].status, 200);
    json_t *params = NULL;
    assert_int_equal(ecc_client_case_params(c, REGION, &params, &diag), ECC_OK);
    json_t *expected =
        json_pack("{s:s,s:s,s:i}", "cluster", "ecsconf-client", "taskDefinition", "ecsconf-client", "count", 2);
    assert_true(json_equal(params, expected));
    json_decref(expected);
    json_decref(params);
    struct ecc_mock *mock = new_mock();
    assert_int_equal(ecc_client_case_setup_mock(c, REGION, 0, mock, &diag), ECC_OK);
    ecc_mock_destroy(mock);
    ecc_client_case_destroy(c);
    ecc_fixture_set_clean_up(&set);
}

static void test_client_case_faults(void **state) {
    (void)state;
    struct ecc_fixture_set set;
    load_fixtures(&set);
    const char *text = "{\"id\":\"c2\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},"
                       "\"responses\":[{\"fault\":\"hang\"},{\"fault\":\"reset\"},{\"fault\":\"drip\",\"from\":\"fx\"},"
                       "{\"fault\":\"oversize\",\"bytes\":2097152,\"status\":200,\"body_text\":\"{}\"},\"fx\"],"
                       "\"expect\":{\"requests\":{\"min\":3,\"max\":5}}}";
    struct ecc_client_case *c = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_client_case_load_bytes((const uint8_t *)text, strlen(text), "c2", &set, &c, &diag), ECC_OK);
    assert_int_equal(c->responses[0].fault, ECC_HTTP_FAULT_HANG);
    assert_int_equal(c->responses[0].fault_ms, 0); /* until the client closes: the run gives the bound */
    assert_string_equal(c->responses[0].label, "fault hang");
    assert_int_equal(c->responses[1].fault, ECC_HTTP_FAULT_RESET);
    assert_int_equal(c->responses[2].fault, ECC_HTTP_FAULT_DRIP);
    assert_int_equal(c->responses[2].fault_ms, 4000); /* the default spread */
    assert_int_equal(c->responses[2].status, 200);
    assert_string_equal(c->responses[2].label, "fx (drip)");
    assert_int_equal(c->responses[3].fault, ECC_HTTP_FAULT_OVERSIZE);
    assert_int_equal(c->responses[3].fault_bytes, 2097152);
    assert_int_equal(c->responses[4].fault, ECC_HTTP_FAULT_NONE);
    assert_int_equal(c->expect_requests, 3);
    assert_int_equal(c->expect_requests_max, 5);
    struct ecc_string_list problems;
    ecc_string_list_init(&problems);
    for (size_t n = 0; n <= 6; n++) {
        assert_int_equal(ecc_client_case_check_requests(c, n, &problems), ECC_OK);
    }
    /* 0, 1, 2 and 6 are outside 3..5 */
    assert_int_equal(problems.count, 4);
    assert_string_equal(
        problems.items[0], "requests: the client sent 0 requests, the case expects 3 to 5 (a retry is missing)");
    assert_string_equal(
        problems.items[3],
        "requests: the client sent 6 requests, the case expects 3 to 5 (more attempts than answers recorded)");
    ecc_string_list_clean_up(&problems);
    /* The case, faults included, loads into a mock. */
    struct ecc_mock *mock = new_mock();
    assert_int_equal(ecc_client_case_setup_mock(c, REGION, 7000, mock, &diag), ECC_OK);
    ecc_mock_destroy(mock);
    ecc_client_case_destroy(c);
    ecc_fixture_set_clean_up(&set);
}

static void test_client_case_errors(void **state) {
    (void)state;
    static const struct {
        const char *text;
        const char *pointer;
    } cases[] = {
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"fx\"],\"expect\":{},\"x\":1}",
         "/x"},
        {"{\"id\":\"c\",\"title\":\"t\",\"responses\":[\"fx\"],\"expect\":{}}", "/request"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\",\"params\":{}},\"responses\":[\"fx\"],\"expect\":{"
         "}}",
         "/request"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"nope\"},\"responses\":[\"fx\"],\"expect\":{}}",
         "/request/from"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"params\":{},\"merge\":{}},\"responses\":[\"fx\"],\"expect\":{}}",
         "/request/merge"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[],\"expect\":{}}", "/responses"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"nope\"],\"expect\":{}}",
         "/responses/0"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"status\":700}],\"expect\":{}}",
         "/responses/0/status"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"body\":{}}],\"expect\":{}}",
         "/responses/0"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"from\":\"fx\",\"status\":200}],"
         "\"expect\":{}}",
         "/responses/0/from"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"fx\"],\"calls\":0,\"expect\":{}"
         "}",
         "/calls"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"fx\"],"
         "\"expect\":{\"result\":{\"ok\":true}}}",
         "/expect/result/ok"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"fx\"],"
         "\"expect\":{\"result\":{\"/ok\":{\"bogus\":1}}}}",
         "/expect/result/~1ok/bogus"},
        {"{\"id\":\"C!\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"fx\"],\"expect\":{}}", "/id"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"explode\"}],"
         "\"expect\":{}}",
         "/responses/0/fault"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"none\"}],\"expect\":{"
         "}}",
         "/responses/0/fault"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"reset\",\"from\":"
         "\"fx\"}],\"expect\":{}}",
         "/responses/0/fault"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"hang\",\"status\":"
         "500}],\"expect\":{}}",
         "/responses/0/fault"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"reset\",\"ms\":10}],"
         "\"expect\":{}}",
         "/responses/0/ms"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"hang\",\"ms\":0}],"
         "\"expect\":{}}",
         "/responses/0/ms"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"drip\",\"ms\":60001,"
         "\"from\":\"fx\"}],\"expect\":{}}",
         "/responses/0/ms"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"drip\",\"bytes\":"
         "2000000,\"from\":\"fx\"}],\"expect\":{}}",
         "/responses/0/bytes"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"oversize\",\"bytes\":"
         "1000,\"from\":\"fx\"}],\"expect\":{}}",
         "/responses/0/bytes"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[{\"fault\":\"close-mid-body\"}],"
         "\"expect\":{}}",
         "/responses/0"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"fx\"],\"expect\":{\"requests\":{"
         "\"min\":2,\"max\":1}}}",
         "/expect/requests"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"fx\"],\"expect\":{\"requests\":{"
         "\"min\":1}}}",
         "/expect/requests/max"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"fx\"],\"expect\":{\"requests\":{"
         "\"min\":1,\"max\":2,\"x\":0}}}",
         "/expect/requests/x"},
        {"{\"id\":\"c\",\"title\":\"t\",\"request\":{\"from\":\"fx\"},\"responses\":[\"fx\"],\"expect\":{\"requests\":"
         "\"2\"}}",
         "/expect/requests"},
    };
    struct ecc_fixture_set set;
    load_fixtures(&set);
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        struct ecc_client_case *c = NULL;
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        enum ecc_status status =
            ecc_client_case_load_bytes((const uint8_t *)cases[i].text, strlen(cases[i].text), "src", &set, &c, &diag);
        if (status != ECC_ERR_INVALID || strcmp(diag.path, cases[i].pointer) != 0) {
            fail_msg(
                "case %zu: status %s, path '%s' (want '%s'): %s",
                i,
                ecc_status_name(status),
                diag.path,
                cases[i].pointer,
                diag.text);
        }
        assert_null(c);
    }
    ecc_fixture_set_clean_up(&set);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uuid4),
        cmocka_unit_test(test_good_request_answered_and_clean),
        cmocka_unit_test(test_envelope_checks),
        cmocka_unit_test(test_signature_failures_answered_like_aws),
        cmocka_unit_test(test_body_checks),
        cmocka_unit_test(test_given_token_rules),
        cmocka_unit_test(test_matching_in_order_and_by_meaning),
        cmocka_unit_test(test_no_match_diff_names_the_member),
        cmocka_unit_test(test_token_rules_across_requests),
        cmocka_unit_test(test_bad_options_and_exchanges),
        cmocka_unit_test(test_fuzz_entry),
        cmocka_unit_test(test_fuzz_entry_signs_and_reaches_the_matcher),
        cmocka_unit_test(test_client_case_loads_and_expands),
        cmocka_unit_test(test_client_case_faults),
        cmocka_unit_test(test_client_case_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

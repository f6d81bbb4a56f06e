/*
 * Unit tests of recording.c: what a recorded fixture keeps, what it loses (signatures, tokens, dates,
 * request ids, account ids, user patterns), that every redaction is listed, that the written file loads
 * with the fixture loader, and that the secret scan refuses a file that would still hold a secret.
 */
#include "test_support.h"

#include "ecc/fixture.h"
#include "ecc/recording.h"

#include <dirent.h>
#include <unistd.h>

#define S_SECRET "TESTSECRETdistinctive/RECORDING+0123456789abcd"
#define S_TOKEN  "TESTTOKENdistinctiveFwoGZXIvYXdzEJr//////////wEaDRECORDINGTEST"

struct s_dir {
    char path[64];
};

static void s_make_dir(struct s_dir *dir) {
    snprintf(dir->path, sizeof(dir->path), "/tmp/ecsconf-recording-XXXXXX");
    assert_non_null(mkdtemp(dir->path));
}

static void s_remove_dir(struct s_dir *dir) {
    DIR *d = opendir(dir->path);
    assert_non_null(d);
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            char file[512];
            snprintf(file, sizeof(file), "%s/%s", dir->path, entry->d_name);
            assert_int_equal(unlink(file), 0);
        }
    }
    closedir(d);
    assert_int_equal(rmdir(dir->path), 0);
}

/* A signed RunTask request as a client sends it, with the account in the body. */
static void s_request(struct ecc_http_request *request, const char *body) {
    ecc_http_request_init(request);
    assert_int_equal(ecc_http_request_set_line(request, "POST", "/", NULL), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&request->headers, "Host", "127.0.0.1:1234"), ECC_OK);
    assert_int_equal(
        ecc_http_headers_add(&request->headers, "X-Amz-Target", "AmazonEC2ContainerServiceV20141113.RunTask"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&request->headers, "Content-Type", "application/x-amz-json-1.1"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&request->headers, "X-Amz-Date", "20261207T010203Z"), ECC_OK);
    assert_int_equal(ecc_http_headers_add(&request->headers, "X-Amz-Security-Token", S_TOKEN), ECC_OK);
    assert_int_equal(
        ecc_http_headers_add(
            &request->headers,
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/ecs/aws4_request, SignedHeaders=host, "
            "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        ECC_OK);
    assert_int_equal(
        ecc_http_headers_add(&request->headers, "amz-sdk-invocation-id", "7d5f3c1e-0000-4000-8000-000000000001"),
        ECC_OK);
    assert_int_equal(ecc_http_request_set_body(request, body, strlen(body)), ECC_OK);
}

static void s_response(struct ecc_http_response *response, int status, const char *content_type, const char *body) {
    ecc_http_response_init(response);
    response->status = status;
    assert_int_equal(ecc_http_headers_add(&response->headers, "Content-Type", content_type), ECC_OK);
    assert_int_equal(
        ecc_http_headers_add(&response->headers, "x-amzn-RequestId", "11111111-2222-4333-8444-555555555555"), ECC_OK);
    assert_int_equal(ecc_http_response_set_body(response, body, strlen(body)), ECC_OK);
}

static struct ecc_recording *s_new(const struct s_dir *dir, const char *const *patterns, size_t pattern_count) {
    static const char *const secrets[] = {S_SECRET, S_TOKEN};
    struct ecc_recording_options options = {
        .dir = dir->path,
        .from = "moto",
        .id_prefix = "t",
        .region = "us-east-1",
        .upstream = "http://127.0.0.1:5000",
        .via = "test",
        .patterns = patterns,
        .pattern_count = pattern_count,
        .secrets = secrets,
        .secret_count = 2,
        .now_s = 1796605323, /* 2026-12-07 */
    };
    struct ecc_diag diag;
    struct ecc_recording *rec = ecc_recording_new(&options, &diag);
    if (!rec) {
        fail_msg("%s", diag.text);
    }
    return rec;
}

static bool s_listed(const json_t *fixture, const char *line) {
    const json_t *redacted = json_object_get(fixture, "redacted");
    for (size_t i = 0; i < json_array_size(redacted); i++) {
        if (strcmp(json_string_value(json_array_get(redacted, i)), line) == 0) {
            return true;
        }
    }
    return false;
}

static void test_redacts_and_lists(void **state) {
    (void)state;
    struct s_dir dir;
    s_make_dir(&dir);
    struct ecc_recording *rec = s_new(&dir, NULL, 0);
    struct ecc_http_request request;
    s_request(&request, "{\"cluster\":\"arn:aws:ecs:us-east-1:123456789012:cluster/c\",\"count\":1}");
    struct ecc_http_response response;
    s_response(
        &response,
        200,
        "application/x-amz-json-1.1",
        "{\"tasks\":[{\"taskArn\":\"arn:aws:ecs:us-east-1:123456789012:task/c/abc\","
        "\"clusterArn\":\"arn:aws:ecs:us-east-1:123456789012:cluster/c\",\"note\":\"other 210987654321 here\","
        "\"id\":\"a123456789012b\",\"long\":\"1234567890123\"}],\"failures\":[]}");
    json_t *fixture = NULL;
    struct ecc_diag diag;
    assert_int_equal(ecc_recording_build(rec, &request, &response, &fixture, &diag), ECC_OK);
    assert_string_equal(json_string_value(json_object_get(fixture, "id")), "t-0001-runtask");
    const json_t *headers = json_object_get(json_object_get(fixture, "request"), "headers");
    assert_null(json_object_get(headers, "Authorization"));
    assert_null(json_object_get(headers, "X-Amz-Security-Token"));
    assert_null(json_object_get(headers, "X-Amz-Date"));
    assert_null(json_object_get(headers, "Host"));
    assert_null(json_object_get(headers, "amz-sdk-invocation-id"));
    assert_non_null(json_object_get(headers, "X-Amz-Target"));
    assert_null(json_object_get(json_object_get(json_object_get(fixture, "response"), "headers"), "x-amzn-RequestId"));
    assert_true(s_listed(fixture, "/request/headers/Authorization: removed (signature, token or date)"));
    assert_true(s_listed(fixture, "/request/headers/X-Amz-Security-Token: removed (signature, token or date)"));
    assert_true(s_listed(fixture, "/request/headers/X-Amz-Date: removed (signature, token or date)"));
    assert_true(s_listed(fixture, "/response/headers/x-amzn-RequestId: removed (request id)"));
    /* One placeholder per account, the same on both sides; ids that merely hold 12 digits are kept. */
    const json_t *task =
        json_array_get(json_object_get(json_object_get(json_object_get(fixture, "response"), "body"), "tasks"), 0);
    assert_string_equal(
        json_string_value(json_object_get(task, "taskArn")), "arn:aws:ecs:us-east-1:000000000000:task/c/abc");
    assert_string_equal(json_string_value(json_object_get(task, "note")), "other 000000000001 here");
    assert_string_equal(json_string_value(json_object_get(task, "id")), "a123456789012b");
    assert_string_equal(json_string_value(json_object_get(task, "long")), "1234567890123");
    const json_t *body = json_object_get(json_object_get(fixture, "request"), "body");
    assert_string_equal(
        json_string_value(json_object_get(body, "cluster")), "arn:aws:ecs:us-east-1:000000000000:cluster/c");
    assert_true(s_listed(fixture, "/request/body/cluster: account id replaced by a placeholder"));
    assert_true(s_listed(fixture, "/response/body/tasks/0/note: account id replaced by a placeholder"));
    assert_false(s_listed(fixture, "/response/body/tasks/0/id: account id replaced by a placeholder"));
    char *text = json_dumps(fixture, 0);
    assert_null(strstr(text, "123456789012:"));
    assert_null(strstr(text, "210987654321"));
    assert_false(ecc_recording_text_has_secret(text, strlen(text), (const char *const[]){S_SECRET, S_TOKEN}, 2));
    free(text);
    json_decref(fixture);
    ecc_http_request_clean_up(&request);
    ecc_http_response_clean_up(&response);
    ecc_recording_destroy(rec);
    s_remove_dir(&dir);
}

static void test_written_file_loads_and_numbering_continues(void **state) {
    (void)state;
    struct s_dir dir;
    s_make_dir(&dir);
    struct ecc_http_request request;
    s_request(&request, "{\"cluster\":\"c\"}");
    struct ecc_http_response response;
    s_response(&response, 500, "text/html", "<html><body>Internal Server Error\x01\xff</body></html>");
    struct ecc_diag diag;
    char id[128];
    for (int session = 0; session < 2; session++) {
        struct ecc_recording *rec = s_new(&dir, NULL, 0);
        assert_int_equal(ecc_recording_add(rec, &request, &response, id, sizeof(id), &diag), ECC_OK);
        assert_string_equal(id, session == 0 ? "t-0001-runtask" : "t-0002-runtask");
        assert_int_equal(ecc_recording_count(rec), 1);
        ecc_recording_destroy(rec);
    }
    char file[256];
    snprintf(file, sizeof(file), "%s/t-0002-runtask.json", dir.path);
    struct ecc_fixture *fixture = NULL;
    if (ecc_fixture_load_file(file, &fixture, &diag) != ECC_OK) {
        fail_msg("%s", diag.text);
    }
    assert_int_equal(fixture->response_status, 500);
    const json_t *resp = json_object_get(fixture->root, "response");
    /* An HTML answer is kept as what it was; the byte that is not UTF-8 becomes '?', and that is listed. */
    assert_string_equal(
        json_string_value(json_object_get(resp, "body_text")), "<html><body>Internal Server Error\x01?</body></html>");
    assert_true(s_listed(fixture->root, "/response/body_text: bytes that are not UTF-8 (or NUL) replaced by '?'"));
    const json_t *recorded = json_object_get(fixture->root, "recorded");
    assert_string_equal(json_string_value(json_object_get(recorded, "from")), "moto");
    assert_string_equal(json_string_value(json_object_get(recorded, "date")), "2026-12-07");
    assert_string_equal(json_string_value(json_object_get(recorded, "ecsconf")), ECSCONF_VERSION);
    ecc_fixture_destroy(fixture);
    ecc_http_request_clean_up(&request);
    ecc_http_response_clean_up(&response);
    s_remove_dir(&dir);
}

static void test_user_patterns(void **state) {
    (void)state;
    struct s_dir dir;
    s_make_dir(&dir);
    const char *const patterns[] = {"subnet-[0-9a-f]+", "x*"};
    struct ecc_recording *rec = s_new(&dir, patterns, 2);
    struct ecc_http_request request;
    s_request(
        &request, "{\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"subnet-0abc\",\"subnet-1\"]}}}");
    struct ecc_http_response response;
    s_response(
        &response,
        400,
        "application/x-amz-json-1.1",
        "{\"__type\":\"InvalidParameterException\",\"message\":\"bad subnet-0abc\"}");
    json_t *fixture = NULL;
    struct ecc_diag diag;
    assert_int_equal(ecc_recording_build(rec, &request, &response, &fixture, &diag), ECC_OK);
    const json_t *subnets = json_object_get(
        json_object_get(
            json_object_get(json_object_get(json_object_get(fixture, "request"), "body"), "networkConfiguration"),
            "awsvpcConfiguration"),
        "subnets");
    assert_string_equal(json_string_value(json_array_get(subnets, 0)), "REDACTED");
    assert_string_equal(json_string_value(json_array_get(subnets, 1)), "REDACTED");
    assert_true(s_listed(
        fixture, "/request/body/networkConfiguration/awsvpcConfiguration/subnets/0: --redact pattern 1 matched"));
    assert_true(s_listed(fixture, "/response/body/message: --redact pattern 1 matched"));
    /* "x*" matches the empty string between every byte (skipped, no endless loop) and "x" itself. */
    const json_t *request_headers = json_object_get(json_object_get(fixture, "request"), "headers");
    assert_string_equal(
        json_string_value(json_object_get(request_headers, "Content-Type")), "application/REDACTED-amz-json-1.1");
    assert_true(s_listed(fixture, "/request/headers/Content-Type: --redact pattern 2 matched"));
    assert_false(s_listed(fixture, "/request/headers/X-Amz-Target: --redact pattern 2 matched"));
    assert_string_equal(
        json_string_value(json_object_get(fixture, "description")),
        "RunTask answered 400 InvalidParameterException by moto (recorded by test)");
    json_decref(fixture);
    ecc_recording_destroy(rec);
    /* A pattern that regcomp would expand without bound is refused up front. */
    const char *const hostile[] = {"((a{1,200}){1,200}){1,200}"};
    struct ecc_recording_options options = {.dir = dir.path, .from = "aws", .patterns = hostile, .pattern_count = 1};
    assert_null(ecc_recording_new(&options, &diag));
    assert_non_null(strstr(diag.text, "--redact pattern 1"));
    ecc_http_request_clean_up(&request);
    ecc_http_response_clean_up(&response);
    s_remove_dir(&dir);
}

static void test_refuses_a_secret(void **state) {
    (void)state;
    struct s_dir dir;
    s_make_dir(&dir);
    struct ecc_recording *rec = s_new(&dir, NULL, 0);
    /* The secret in a body (a client that echoes it): redaction does not know it, the scan does. */
    struct ecc_http_request request;
    s_request(
        &request,
        "{\"overrides\":{\"containerOverrides\":[{\"environment\":[{\"name\":\"K\",\"value\":\"" S_SECRET "\"}]}]}}");
    struct ecc_http_response response;
    s_response(&response, 200, "application/x-amz-json-1.1", "{}");
    struct ecc_diag diag;
    char id[128];
    assert_int_equal(ecc_recording_add(rec, &request, &response, id, sizeof(id), &diag), ECC_ERR_AUTH);
    assert_null(strstr(diag.text, S_SECRET));
    ecc_http_request_clean_up(&request);
    /* A signature in a header that is not one of the removed ones. */
    s_request(&request, "{}");
    assert_int_equal(
        ecc_http_headers_add(
            &request.headers,
            "X-Forwarded-Authorization",
            "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        ECC_OK);
    assert_int_equal(ecc_recording_add(rec, &request, &response, id, sizeof(id), &diag), ECC_ERR_AUTH);
    /* A presigned query: the X-Amz-* parameters go, the rest stays. */
    ecc_http_request_clean_up(&request);
    s_request(&request, "{}");
    assert_int_equal(
        ecc_http_request_set_line(&request, NULL, NULL, "a=1&X-Amz-Signature=abc&X-Amz-Credential=AKID%2F"), ECC_OK);
    assert_int_equal(ecc_recording_add(rec, &request, &response, id, sizeof(id), &diag), ECC_OK);
    assert_int_equal(ecc_recording_count(rec), 1);
    DIR *d = opendir(dir.path);
    size_t files = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        files += entry->d_name[0] != '.';
    }
    closedir(d);
    assert_int_equal(files, 1); /* nothing of the refused ones, no temporary file left */
    ecc_http_request_clean_up(&request);
    ecc_http_response_clean_up(&response);
    ecc_recording_destroy(rec);
    s_remove_dir(&dir);
}

static void test_not_storable(void **state) {
    (void)state;
    struct s_dir dir;
    s_make_dir(&dir);
    struct ecc_recording *rec = s_new(&dir, NULL, 0);
    struct ecc_http_request request;
    s_request(&request, "{}");
    struct ecc_http_response response;
    s_response(&response, 200, "application/x-amz-json-1.1", "{}");
    struct ecc_diag diag;
    json_t *fixture = NULL;
    assert_int_equal(
        ecc_http_headers_set(&request.headers, "X-Amz-Target", "AmazonEC2ContainerServiceV20141113.DescribeClusters"),
        ECC_OK);
    assert_int_equal(ecc_recording_build(rec, &request, &response, &fixture, &diag), ECC_ERR_NOT_FOUND);
    ecc_http_headers_remove(&request.headers, "X-Amz-Target");
    assert_int_equal(ecc_recording_build(rec, &request, &response, &fixture, &diag), ECC_ERR_NOT_FOUND);
    assert_null(fixture);
    /* Bad options. */
    struct ecc_recording_options options = {.dir = dir.path, .from = "hand-written"};
    assert_null(ecc_recording_new(&options, &diag));
    options.from = "aws";
    options.id_prefix = "Bad_Prefix";
    assert_null(ecc_recording_new(&options, &diag));
    ecc_http_request_clean_up(&request);
    ecc_http_response_clean_up(&response);
    ecc_recording_destroy(rec);
    s_remove_dir(&dir);
}

static void test_secret_scan(void **state) {
    (void)state;
    const char *const secrets[] = {"s3cr3t", NULL, ""};
    assert_false(ecc_recording_text_has_secret("nothing here", 12, secrets, 3));
    assert_true(ecc_recording_text_has_secret("xx s3cr3t yy", 12, secrets, 3));
    assert_false(ecc_recording_text_has_secret("Signature=abc", 13, secrets, 3));
    const char *sig = "a Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_true(ecc_recording_text_has_secret(sig, strlen(sig), NULL, 0));
    assert_true(ecc_recording_text_has_secret("?X-Amz-Signature=1", 18, NULL, 0));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redacts_and_lists),
        cmocka_unit_test(test_written_file_loads_and_numbering_continues),
        cmocka_unit_test(test_user_patterns),
        cmocka_unit_test(test_refuses_a_secret),
        cmocka_unit_test(test_not_storable),
        cmocka_unit_test(test_secret_scan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

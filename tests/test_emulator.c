#include "test_support.h"

#include <regex.h>

#include "ecc/codec_request.h"
#include "ecc/credentials.h"
#include "ecc/emulator.h"
#include "ecc/errors.h"
#include "ecc/server.h"
#include "ecc/sigv4.h"
#include "ecc/validate.h"

#include <curl/curl.h>
#include <pthread.h>
#include <regex.h>
#include <unistd.h>

/*
 * The emulator through its handler, with signed requests and an injected clock: every answer is
 * checked to be a well-formed AWS JSON answer (JSON object body, Content-Type, __type on errors, no
 * 5xx unless injected) before the test looks at what it says.
 */

static int64_t s_clock_ms = 1700000000000LL;

static int64_t s_test_clock(void *user_data) {
    (void)user_data;
    return s_clock_ms;
}

struct t_ctx {
    struct ecc_emulator *emu;
    const char *access_key_id;
    const char *secret;
    bool sign;
    bool allow_5xx;
};

static int64_t s_sign_clock(void *user_data) {
    return ecc_emulator_now_ms(user_data) / 1000;
}

static struct t_ctx *s_new_ctx(const struct ecc_emulator_options *extra) {
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    if (extra) {
        options = *extra;
    }
    options.clock_fn = s_test_clock;
    options.control_enabled = true;
    struct t_ctx *ctx = calloc(1, sizeof(*ctx));
    assert_non_null(ctx);
    ctx->emu = ecc_emulator_new(&options);
    assert_non_null(ctx->emu);
    ctx->access_key_id = ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID;
    ctx->secret = ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY;
    ctx->sign = true;
    return ctx;
}

static int s_setup(void **state) {
    s_clock_ms = 1700000000000LL;
    *state = s_new_ctx(NULL);
    return 0;
}

static int s_teardown(void **state) {
    struct t_ctx *ctx = *state;
    ecc_emulator_destroy(ctx->emu);
    free(ctx);
    return 0;
}

/* The oracle every answer must satisfy. Returns the parsed body (caller frees). */
static json_t *s_check_answer(const struct t_ctx *ctx, const struct ecc_http_response *response) {
    assert_true(response->status == 200 || (response->status >= 400 && response->status < 600));
    if (!ctx->allow_5xx) {
        assert_true(response->status < 500);
    }
    const char *type = ecc_http_headers_get(&response->headers, "Content-Type");
    assert_non_null(type);
    assert_string_equal(type, ECC_AWS_JSON_CONTENT_TYPE);
    json_error_t error;
    json_t *body = json_loadb((const char *)response->body, response->body_len, 0, &error);
    assert_non_null(body);
    assert_true(json_is_object(body));
    if (response->status != 200) {
        const char *name = json_string_value(json_object_get(body, "__type"));
        assert_non_null(name);
        const struct ecc_error_info *info = ecc_errors_find(name, strlen(name));
        if (info) {
            assert_int_equal(info->http_status, response->status);
        }
    } else {
        assert_null(json_object_get(body, "__type"));
    }
    return body;
}

/* Sends one raw request through the handler; returns the parsed answer and its status. */
static json_t *s_send(struct t_ctx *ctx, struct ecc_http_request *request, int *status) {
    if (ctx->sign) {
        struct ecc_credentials credentials;
        ecc_credentials_init(&credentials);
        struct ecc_diag diag;
        assert_int_equal(ecc_credentials_set(&credentials, ctx->access_key_id, ctx->secret, NULL, &diag), ECC_OK);
        struct ecc_sigv4_sign_options options = {
            .credentials = &credentials,
            .region = "us-east-1",
            .service = "ecs",
            .clock = s_sign_clock,
            .clock_user_data = ctx->emu,
        };
        assert_int_equal(ecc_sigv4_sign(request, &options, &diag), ECC_OK);
        ecc_credentials_clean_up(&credentials);
    }
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    ecc_emulator_handle(ctx->emu, request, &response);
    json_t *body = s_check_answer(ctx, &response);
    *status = response.status;
    ecc_http_response_clean_up(&response);
    return body;
}

static json_t *s_call(struct t_ctx *ctx, const char *operation, const char *body_text, int *status) {
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    struct ecc_diag diag;
    assert_int_equal(
        ecc_codec_build_aws_json_request(operation, body_text, strlen(body_text), &request, &diag), ECC_OK);
    assert_int_equal(ecc_http_headers_set(&request.headers, "Host", "ecs.us-east-1.amazonaws.com"), ECC_OK);
    json_t *body = s_send(ctx, &request, status);
    ecc_http_request_clean_up(&request);
    return body;
}

/* Expects success; returns the body. */
static json_t *s_ok(struct t_ctx *ctx, const char *operation, const char *body_text) {
    int status = 0;
    json_t *body = s_call(ctx, operation, body_text, &status);
    if (status != 200) {
        char *text = json_dumps(body, 0);
        fprintf(stderr, "%s %s -> %d %s\n", operation, body_text, status, text);
        free(text);
    }
    assert_int_equal(status, 200);
    return body;
}

/* Expects an error of `type` with `http_status`; returns the body. */
static json_t *
s_err(struct t_ctx *ctx, const char *operation, const char *body_text, const char *type, int http_status) {
    int status = 0;
    json_t *body = s_call(ctx, operation, body_text, &status);
    const char *got = json_string_value(json_object_get(body, "__type"));
    if (!got || strcmp(got, type) != 0 || status != http_status) {
        char *text = json_dumps(body, 0);
        fprintf(stderr, "%s %s -> %d %s (wanted %s)\n", operation, body_text, status, text, type);
        free(text);
    }
    assert_int_equal(status, http_status);
    assert_non_null(got);
    assert_string_equal(got, type);
    return body;
}

static void s_expect_err(struct t_ctx *ctx, const char *op, const char *body, const char *type, int status) {
    json_decref(s_err(ctx, op, body, type, status));
}

static void s_control(struct t_ctx *ctx, const char *body) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = ecc_emulator_control(ctx->emu, body, strlen(body), &diag);
    if (status != ECC_OK) {
        fprintf(stderr, "control %s: %s\n", body, diag.text);
    }
    assert_int_equal(status, ECC_OK);
}

static void s_cluster(struct t_ctx *ctx, const char *body) {
    json_decref(s_ok(ctx, "CreateCluster", body));
}

static void s_register(struct t_ctx *ctx, const char *body) {
    json_decref(s_ok(ctx, "RegisterTaskDefinition", body));
}

#define TD_EC2                                                                                                         \
    "{\"family\":\"web\",\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"nginx\",\"cpu\":256,\"memory\":512}]" \
    "}"
#define TD_FARGATE                                                                                                     \
    "{\"family\":\"fg\",\"networkMode\":\"awsvpc\",\"requiresCompatibilities\":[\"FARGATE\"],\"cpu\":\"256\","         \
    "\"memory\":\"512\",\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"nginx\"}]}"
#define NETCFG "\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"subnet-1\"]}}"

/* The error type the one validation module gives for a rule: the emulator must answer with it. */
static const char *s_rule_type(const char *id) {
    size_t count = 0;
    const struct ecc_validation_rule *rules = ecc_validation_rules(&count);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(rules[i].id, id) == 0) {
            return rules[i].error_type;
        }
    }
    fail_msg("no validation rule %s", id);
    return NULL;
}

static void s_assert_matches(const char *text, const char *pattern) {
    regex_t re;
    assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
    int rc = regexec(&re, text ? text : "", 0, NULL, 0);
    regfree(&re);
    if (rc != 0) {
        fail_msg("'%s' does not match %s", text ? text : "(null)", pattern);
    }
}

static const char *s_task_string(const json_t *body, size_t index, const char *member) {
    return json_string_value(json_object_get(json_array_get(json_object_get(body, "tasks"), index), member));
}

/* ------------------------------------------------------------------ tests */

static void test_run_task_ec2_shape(void **state) {
    struct t_ctx *ctx = *state;
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    json_t *body = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":2}");
    assert_int_equal(json_array_size(json_object_get(body, "tasks")), 2);
    assert_int_equal(json_array_size(json_object_get(body, "failures")), 0);
    const char *arn = s_task_string(body, 0, "taskArn");
    const char *prefix = "arn:aws:ecs:us-east-1:000000000000:task/c1/";
    assert_int_equal(strncmp(arn, prefix, strlen(prefix)), 0);
    assert_int_equal(strlen(arn + strlen(prefix)), 32);
    assert_string_not_equal(arn, s_task_string(body, 1, "taskArn"));
    assert_string_equal(s_task_string(body, 0, "clusterArn"), "arn:aws:ecs:us-east-1:000000000000:cluster/c1");
    assert_string_equal(
        s_task_string(body, 0, "taskDefinitionArn"), "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1");
    assert_string_equal(s_task_string(body, 0, "lastStatus"), "PENDING");
    assert_string_equal(s_task_string(body, 0, "desiredStatus"), "RUNNING");
    assert_string_equal(s_task_string(body, 0, "launchType"), "EC2");
    assert_string_equal(s_task_string(body, 0, "group"), "family:web");
    s_assert_matches(
        s_task_string(body, 0, "containerInstanceArn"),
        "^arn:aws:ecs:us-east-1:000000000000:container-instance/c1/[0-9a-f]{32}$");
    s_assert_matches(s_task_string(body, 0, "availabilityZone"), "^us-east-1[abc]$");
    json_t *containers = json_object_get(json_array_get(json_object_get(body, "tasks"), 0), "containers");
    assert_int_equal(json_array_size(containers), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(containers, 0), "name")), "app");
    char container_arn[256];
    snprintf(
        container_arn,
        sizeof(container_arn),
        "^arn:aws:ecs:us-east-1:000000000000:container/c1/%s/"
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        arn + strlen(prefix));
    s_assert_matches(json_string_value(json_object_get(json_array_get(containers, 0), "containerArn")), container_arn);
    json_decref(body);
    /* No cluster given: the default cluster, which does not exist yet. */
    s_expect_err(ctx, "RunTask", "{\"taskDefinition\":\"web\"}", "ClusterNotFoundException", 400);
    s_cluster(ctx, "{}");
    json_decref(s_ok(ctx, "RunTask", "{\"taskDefinition\":\"web\"}"));
}

static void test_revision_resolution(void **state) {
    struct t_ctx *ctx = *state;
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    s_register(ctx, TD_EC2);
    json_t *body = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}");
    assert_string_equal(
        s_task_string(body, 0, "taskDefinitionArn"), "arn:aws:ecs:us-east-1:000000000000:task-definition/web:2");
    json_decref(body);
    body = s_ok(
        ctx,
        "RunTask",
        "{\"cluster\":\"arn:aws:ecs:us-east-1:000000000000:cluster/c1\",\"taskDefinition\":\"arn:aws:ecs:us-east-1:"
        "000000000000:task-definition/web:1\"}");
    assert_string_equal(
        s_task_string(body, 0, "taskDefinitionArn"), "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1");
    json_decref(body);
    body = s_ok(ctx, "DeregisterTaskDefinition", "{\"taskDefinition\":\"web:2\"}");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(body, "taskDefinition"), "status")), "INACTIVE");
    json_decref(body);
    /* The family now resolves to the latest ACTIVE revision, 1; revision 2 is rejected. */
    body = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}");
    assert_string_equal(
        s_task_string(body, 0, "taskDefinitionArn"), "arn:aws:ecs:us-east-1:000000000000:task-definition/web:1");
    json_decref(body);
    body = s_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web:2\"}", "InvalidParameterException", 400);
    assert_string_equal(json_string_value(json_object_get(body, "message")), "TaskDefinition is inactive");
    json_decref(body);
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web:3\"}", "ClientException", 400);
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"nope\"}", "ClientException", 400);
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web:x\"}", "ClientException", 400);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"arn:aws:ecs:us-east-1:999999999999:task-definition/web:1\"}",
        "ClientException",
        400);
    /* Every revision inactive: the family itself is inactive. */
    json_decref(s_ok(ctx, "DeregisterTaskDefinition", "{\"taskDefinition\":\"web:1\"}"));
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}", "InvalidParameterException", 400);
    s_expect_err(ctx, "DeregisterTaskDefinition", "{\"taskDefinition\":\"web\"}", "ClientException", 400);
}

static void test_policy_after_resolution(void **state) {
    struct t_ctx *ctx = *state;
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    s_register(ctx, TD_EC2);
    s_control(
        ctx,
        "{\"action\":\"policy\",\"accessKeyId\":\"AKIDECSCONFEXAMPLE\",\"allowTaskDefinitions\":[\"arn:aws:ecs:"
        "us-east-1:000000000000:task-definition/web:1\"]}");
    /* "web" resolves to web:2 before authorization, and web:2 is not allowed. */
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}", "AccessDeniedException", 400);
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web:1\"}"));
    s_control(
        ctx,
        "{\"action\":\"policy\",\"accessKeyId\":\"AKIDECSCONFEXAMPLE\",\"allowTaskDefinitions\":[\"arn:aws:ecs:"
        "us-east-1:000000000000:task-definition/web:2\"]}");
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}"));
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web:1\"}", "AccessDeniedException", 400);
    s_control(ctx, "{\"action\":\"policy\",\"accessKeyId\":\"AKIDECSCONFEXAMPLE\",\"allowTaskDefinitions\":[]}");
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web:2\"}", "AccessDeniedException", 400);
    s_control(ctx, "{\"action\":\"policy\",\"accessKeyId\":\"AKIDECSCONFEXAMPLE\"}");
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web:1\"}"));
}

static size_t s_task_count(struct t_ctx *ctx) {
    struct ecc_emulator_stats stats;
    ecc_emulator_get_stats(ctx->emu, &stats);
    return stats.tasks;
}

/* The tags of task 0 as "key=value" strings joined by ',' in order, into `out`. */
static void s_task_tags(const json_t *body, char *out, size_t out_size) {
    out[0] = 0;
    size_t i;
    const json_t *tag;
    json_array_foreach(json_object_get(json_array_get(json_object_get(body, "tasks"), 0), "tags"), i, tag) {
        size_t used = strlen(out);
        snprintf(
            out + used,
            out_size - used,
            "%s%s=%s",
            i ? "," : "",
            json_string_value(json_object_get(tag, "key")),
            json_string_value(json_object_get(tag, "value")));
    }
}

static void test_task_tags_and_execute_command(void **state) {
    struct t_ctx *ctx = *state;
    char tags[512];
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    json_t *body = s_ok(
        ctx,
        "RegisterTaskDefinition",
        "{\"family\":\"tagged\",\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"nginx\",\"memory\":128}],"
        "\"tags\":[{\"key\":\"app\",\"value\":\"sleep\"},{\"key\":\"team\",\"value\":\"def\"}]}");
    assert_int_equal(json_array_size(json_object_get(body, "tags")), 2);
    json_decref(body);
    /* Without propagateTags the definition's tags stay off the task; enableExecuteCommand is false, not absent. */
    body = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"tagged\"}");
    const json_t *task = json_array_get(json_object_get(body, "tasks"), 0);
    assert_null(json_object_get(task, "tags"));
    assert_true(json_is_false(json_object_get(task, "enableExecuteCommand")));
    json_decref(body);
    body = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"tagged\",\"propagateTags\":\"NONE\"}");
    assert_null(json_object_get(json_array_get(json_object_get(body, "tasks"), 0), "tags"));
    json_decref(body);
    body = s_ok(
        ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"tagged\",\"propagateTags\":\"TASK_DEFINITION\"}");
    s_task_tags(body, tags, sizeof(tags));
    assert_string_equal(tags, "app=sleep,team=def");
    json_decref(body);
    /* Merged with the request's: a request tag replaces the propagated one with the same key. */
    body = s_ok(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"tagged\",\"propagateTags\":\"TASK_DEFINITION\","
        "\"tags\":[{\"key\":\"team\",\"value\":\"req\"},{\"key\":\"x\",\"value\":\"\"}]}");
    s_task_tags(body, tags, sizeof(tags));
    assert_string_equal(tags, "app=sleep,team=req,x=");
    json_decref(body);
    body = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"tagged\",\"enableECSManagedTags\":true}");
    s_task_tags(body, tags, sizeof(tags));
    assert_string_equal(tags, "aws:ecs:clusterName=c1");
    json_decref(body);
    /* DescribeTasks shows the same tags with include TAGS. */
    body = s_ok(
        ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"tagged\",\"propagateTags\":\"TASK_DEFINITION\"}");
    char request[1024];
    snprintf(
        request,
        sizeof(request),
        "{\"cluster\":\"c1\",\"tasks\":[\"%s\"],\"include\":[\"TAGS\"]}",
        s_task_string(body, 0, "taskArn"));
    json_decref(body);
    body = s_ok(ctx, "DescribeTasks", request);
    s_task_tags(body, tags, sizeof(tags));
    assert_string_equal(tags, "app=sleep,team=def");
    assert_true(
        json_is_false(json_object_get(json_array_get(json_object_get(body, "tasks"), 0), "enableExecuteCommand")));
    json_decref(body);
    /* Malformed definition tags are a type error, and Elastic Inference overrides are rejected. */
    s_expect_err(
        ctx,
        "RegisterTaskDefinition",
        "{\"family\":\"bad\",\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"nginx\",\"memory\":128}],"
        "\"tags\":[{\"key\":5}]}",
        "SerializationException",
        400);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"tagged\",\"overrides\":{\"inferenceAcceleratorOverrides\":"
        "[{\"deviceName\":\"d\",\"deviceType\":\"eia2.medium\"}]}}",
        s_rule_type("inferenceAcceleratorOverrides.retired"),
        400);
    assert_int_equal(s_task_count(ctx), 6);
}

static void test_client_token(void **state) {
    struct t_ctx *ctx = *state;
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_cluster(ctx, "{\"clusterName\":\"c2\"}");
    s_register(ctx, TD_EC2);
    const char *first = "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":2,\"clientToken\":\"tok-1\"}";
    json_t *a = s_ok(ctx, "RunTask", first);
    assert_int_equal(s_task_count(ctx), 2);
    /* Same parameters (the cluster by ARN this time): the original tasks, nothing new started. */
    json_t *b = s_ok(
        ctx,
        "RunTask",
        "{\"cluster\":\"arn:aws:ecs:us-east-1:000000000000:cluster/c1\",\"taskDefinition\":\"web\",\"count\":2,"
        "\"clientToken\":\"tok-1\"}");
    assert_int_equal(s_task_count(ctx), 2);
    assert_int_equal(json_array_size(json_object_get(b, "tasks")), 2);
    assert_string_equal(s_task_string(a, 0, "taskArn"), s_task_string(b, 0, "taskArn"));
    assert_string_equal(s_task_string(a, 1, "taskArn"), s_task_string(b, 1, "taskArn"));
    /* Different parameters: ConflictException naming the original tasks. */
    json_t *c = s_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":1,\"clientToken\":\"tok-1\"}",
        "ConflictException",
        400);
    json_t *ids = json_object_get(c, "resourceIds");
    assert_int_equal(json_array_size(ids), 2);
    assert_string_equal(json_string_value(json_array_get(ids, 0)), s_task_string(a, 0, "taskArn"));
    assert_string_equal(json_string_value(json_array_get(ids, 1)), s_task_string(a, 1, "taskArn"));
    json_decref(c);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":2,\"clientToken\":\"tok-1\",\"startedBy\":\"x\"}",
        "ConflictException",
        400);
    /* Tokens are case-sensitive and scoped by cluster. */
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"clientToken\":\"TOK-1\"}"));
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c2\",\"taskDefinition\":\"web\",\"clientToken\":\"tok-1\"}"));
    assert_int_equal(s_task_count(ctx), 4);
    /* A replay after a stop shows the task as it is now. */
    char stop[400];
    snprintf(stop, sizeof(stop), "{\"cluster\":\"c1\",\"task\":\"%s\"}", s_task_string(a, 0, "taskArn"));
    json_decref(s_ok(ctx, "StopTask", stop));
    json_t *d = s_ok(ctx, "RunTask", first);
    assert_string_equal(s_task_string(d, 0, "desiredStatus"), "STOPPED");
    json_decref(d);
    /* 24 hours later the token is free again. */
    s_clock_ms += 24LL * 3600 * 1000 - 1000;
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":1,\"clientToken\":\"tok-1\"}",
        "ConflictException",
        400);
    s_clock_ms += 1000;
    json_t *e =
        s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":1,\"clientToken\":\"tok-1\"}");
    assert_string_not_equal(s_task_string(e, 0, "taskArn"), s_task_string(a, 0, "taskArn"));
    json_decref(e);
    json_decref(a);
    json_decref(b);
    /* The token's own rules come from the validation module. */
    char long_token[200];
    snprintf(
        long_token, sizeof(long_token), "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"clientToken\":\"%065d\"}", 0);
    s_expect_err(ctx, "RunTask", long_token, s_rule_type("clientToken.length"), 400);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"clientToken\":\"a b\"}",
        s_rule_type("clientToken.characters"),
        400);
    /* 64 characters of 33-126 are fine. */
    snprintf(
        long_token,
        sizeof(long_token),
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"clientToken\":\"~%063d\"}",
        0);
    json_decref(s_ok(ctx, "RunTask", long_token));
}

static void test_token_with_failures_replays_them(void **state) {
    struct t_ctx *ctx = *state;
    s_control(ctx, "{\"action\":\"capacity\",\"cluster\":\"small\",\"instances\":1,\"cpu\":256,\"memory\":1024}");
    s_cluster(ctx, "{\"clusterName\":\"small\"}");
    s_register(ctx, TD_EC2);
    const char *req = "{\"cluster\":\"small\",\"taskDefinition\":\"web\",\"count\":2,\"clientToken\":\"t\"}";
    json_t *a = s_ok(ctx, "RunTask", req);
    assert_int_equal(json_array_size(json_object_get(a, "tasks")), 1);
    assert_int_equal(json_array_size(json_object_get(a, "failures")), 1);
    json_t *b = s_ok(ctx, "RunTask", req);
    assert_int_equal(json_array_size(json_object_get(b, "tasks")), 1);
    assert_int_equal(json_array_size(json_object_get(b, "failures")), 1);
    assert_string_equal(s_task_string(a, 0, "taskArn"), s_task_string(b, 0, "taskArn"));
    assert_int_equal(s_task_count(ctx), 1);
    json_decref(a);
    json_decref(b);
}

static json_t *s_describe(struct t_ctx *ctx, const char *cluster, const char *arn) {
    char body[600];
    snprintf(body, sizeof(body), "{\"cluster\":\"%s\",\"tasks\":[\"%s\"]}", cluster, arn);
    return s_ok(ctx, "DescribeTasks", body);
}

static void s_expect_status(struct t_ctx *ctx, const char *arn, const char *status) {
    json_t *body = s_describe(ctx, "c1", arn);
    if (!status) {
        assert_int_equal(json_array_size(json_object_get(body, "tasks")), 0);
        const json_t *failure = json_array_get(json_object_get(body, "failures"), 0);
        assert_string_equal(json_string_value(json_object_get(failure, "reason")), "MISSING");
        assert_string_equal(json_string_value(json_object_get(failure, "arn")), arn);
    } else {
        assert_string_equal(s_task_string(body, 0, "lastStatus"), status);
    }
    json_decref(body);
}

static void test_lifecycle(void **state) {
    struct t_ctx *ctx = *state;
    s_cluster(ctx, "{\"clusterName\":\"c1\",\"capacityProviders\":[\"FARGATE\"]}");
    s_register(ctx, TD_FARGATE);
    json_t *run =
        s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"fg\",\"launchType\":\"FARGATE\"," NETCFG "}");
    char arn[300];
    snprintf(arn, sizeof(arn), "%s", s_task_string(run, 0, "taskArn"));
    assert_string_equal(s_task_string(run, 0, "lastStatus"), "PROVISIONING");
    assert_string_equal(s_task_string(run, 0, "platformVersion"), "1.4.0");
    json_t *attachments = json_object_get(json_array_get(json_object_get(run, "tasks"), 0), "attachments");
    assert_int_equal(json_array_size(attachments), 1);
    json_decref(run);
    s_expect_status(ctx, arn, "PROVISIONING");
    s_clock_ms += 1000;
    s_expect_status(ctx, arn, "PENDING");
    s_clock_ms += 1000;
    s_expect_status(ctx, arn, "RUNNING");
    char stop[400];
    snprintf(stop, sizeof(stop), "{\"cluster\":\"c1\",\"task\":\"%s\",\"reason\":\"done\"}", arn);
    json_t *stopped = s_ok(ctx, "StopTask", stop);
    json_t *task = json_object_get(stopped, "task");
    assert_string_equal(json_string_value(json_object_get(task, "desiredStatus")), "STOPPED");
    assert_string_equal(json_string_value(json_object_get(task, "stopCode")), "UserInitiated");
    assert_string_equal(json_string_value(json_object_get(task, "stoppedReason")), "done");
    json_decref(stopped);
    s_expect_status(ctx, arn, "DEPROVISIONING");
    s_clock_ms += 1000;
    s_expect_status(ctx, arn, "STOPPED");
    /* Stopped tasks stay visible for an hour, then expire. */
    s_clock_ms += 3600 * 1000 - 1;
    s_expect_status(ctx, arn, "STOPPED");
    s_clock_ms += 1;
    s_expect_status(ctx, arn, NULL);
    assert_int_equal(s_task_count(ctx), 0);
    s_expect_err(ctx, "StopTask", stop, "InvalidParameterException", 400);
}

static void test_advance_clock_and_visibility_lag(void **state) {
    struct t_ctx *ctx = *state;
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    s_control(ctx, "{\"action\":\"visibility_lag\",\"cluster\":\"c1\",\"ms\":5000}");
    json_t *run = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}");
    char arn[300];
    snprintf(arn, sizeof(arn), "%s", s_task_string(run, 0, "taskArn"));
    json_decref(run);
    s_expect_status(ctx, arn, NULL);
    /* advance_clock moves the emulator's clock; the signer follows it (signature skew). */
    s_control(ctx, "{\"action\":\"advance_clock\",\"seconds\":5}");
    s_expect_status(ctx, arn, "RUNNING");
}

static void test_capacity_partial_failure(void **state) {
    struct t_ctx *ctx = *state;
    s_control(ctx, "{\"action\":\"capacity\",\"cluster\":\"c1\",\"instances\":1,\"cpu\":1024,\"memory\":8192}");
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    json_t *body = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":5}");
    assert_int_equal(json_array_size(json_object_get(body, "tasks")), 4);
    json_t *failure = json_array_get(json_object_get(body, "failures"), 0);
    assert_int_equal(json_array_size(json_object_get(body, "failures")), 1);
    assert_string_equal(json_string_value(json_object_get(failure, "reason")), "RESOURCE:CPU");
    assert_non_null(strstr(json_string_value(json_object_get(failure, "arn")), ":container-instance/c1/"));
    json_decref(body);
    /* Memory runs out first on another shape. */
    s_control(ctx, "{\"action\":\"capacity\",\"cluster\":\"c2\",\"instances\":2,\"cpu\":8192,\"memory\":600}");
    s_cluster(ctx, "{\"clusterName\":\"c2\"}");
    body = s_ok(ctx, "RunTask", "{\"cluster\":\"c2\",\"taskDefinition\":\"web\",\"count\":3}");
    assert_int_equal(json_array_size(json_object_get(body, "tasks")), 2);
    failure = json_array_get(json_object_get(body, "failures"), 0);
    assert_string_equal(json_string_value(json_object_get(failure, "reason")), "RESOURCE:MEMORY");
    json_decref(body);
    /* Stopping a task gives its resources back. */
    body = s_ok(ctx, "ListTasks", "{\"cluster\":\"c2\"}");
    char stop[400];
    snprintf(
        stop,
        sizeof(stop),
        "{\"cluster\":\"c2\",\"task\":\"%s\"}",
        json_string_value(json_array_get(json_object_get(body, "taskArns"), 0)));
    json_decref(body);
    json_decref(s_ok(ctx, "StopTask", stop));
    body = s_ok(ctx, "RunTask", "{\"cluster\":\"c2\",\"taskDefinition\":\"web\"}");
    assert_int_equal(json_array_size(json_object_get(body, "tasks")), 1);
    json_decref(body);
    /* Placement constraints. */
    body = s_ok(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"placementConstraints\":[{\"type\":\"memberOf\","
        "\"expression\":\"attribute:ecs.instance-type == t2.micro\"}]}");
    failure = json_array_get(json_object_get(body, "failures"), 0);
    assert_string_equal(
        json_string_value(json_object_get(failure, "reason")), "MemberOf placement constraint unsatisfied.");
    json_decref(body);
    body = s_ok(
        ctx,
        "RunTask",
        "{\"cluster\":\"c2\",\"taskDefinition\":\"web\",\"count\":2,\"placementConstraints\":[{\"type\":"
        "\"distinctInstance\"}]}");
    failure = json_array_get(json_object_get(body, "failures"), 0);
    assert_string_equal(
        json_string_value(json_object_get(failure, "reason")), "DistinctInstance placement constraint unsatisfied.");
    json_decref(body);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"placementConstraints\":[{\"type\":\"memberOf\","
        "\"expression\":\"this is (not valid\"}]}",
        "InvalidParameterException",
        400);
    s_control(ctx, "{\"action\":\"capacity\",\"cluster\":\"none\",\"instances\":0}");
    s_cluster(ctx, "{\"clusterName\":\"none\"}");
    body = s_ok(ctx, "RunTask", "{\"cluster\":\"none\",\"taskDefinition\":\"web\"}");
    failure = json_array_get(json_object_get(body, "failures"), 0);
    assert_string_equal(
        json_string_value(json_object_get(failure, "reason")), "No Container Instances were found in your cluster.");
    json_decref(body);
}

static void test_managed_scaling_quota(void **state) {
    struct t_ctx *ctx = *state;
    s_control(ctx, "{\"action\":\"capacity\",\"cluster\":\"m\",\"instances\":0,\"provisioning_quota\":2}");
    s_cluster(
        ctx,
        "{\"clusterName\":\"m\",\"capacityProviders\":[\"asg-cp\"],\"defaultCapacityProviderStrategy\":"
        "[{\"capacityProvider\":\"asg-cp\",\"weight\":1}]}");
    s_register(ctx, TD_EC2);
    json_t *body = s_ok(ctx, "RunTask", "{\"cluster\":\"m\",\"taskDefinition\":\"web\",\"count\":2}");
    assert_int_equal(json_array_size(json_object_get(body, "tasks")), 2);
    assert_string_equal(s_task_string(body, 0, "lastStatus"), "PROVISIONING");
    assert_string_equal(s_task_string(body, 0, "capacityProviderName"), "asg-cp");
    json_decref(body);
    body = s_err(ctx, "RunTask", "{\"cluster\":\"m\",\"taskDefinition\":\"web\"}", "ClientException", 400);
    assert_string_equal(
        json_string_value(json_object_get(body, "message")), "Tasks provisioning capacity limit exceeded.");
    json_decref(body);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"m\",\"taskDefinition\":\"web\",\"capacityProviderStrategy\":[{\"capacityProvider\":"
        "\"FARGATE\"}]}",
        "InvalidParameterException",
        400);
}

static void test_platform_and_network(void **state) {
    struct t_ctx *ctx = *state;
    s_cluster(ctx, "{\"clusterName\":\"c1\",\"capacityProviders\":[\"FARGATE\",\"FARGATE_SPOT\"]}");
    s_register(ctx, TD_FARGATE);
    s_register(ctx, TD_EC2);
    s_register(
        ctx,
        "{\"family\":\"eph\",\"networkMode\":\"awsvpc\",\"requiresCompatibilities\":[\"FARGATE\"],\"cpu\":\"256\","
        "\"memory\":\"512\",\"ephemeralStorage\":{\"sizeInGiB\":30},\"containerDefinitions\":[{\"name\":\"a\","
        "\"image\":\"i\"}]}");
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"fg\",\"launchType\":\"FARGATE\",\"platformVersion\":\"1.4\"," NETCFG
        "}",
        "PlatformUnknownException",
        400);
    json_decref(s_ok(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"fg\",\"launchType\":\"FARGATE\",\"platformVersion\":\"1.3.0\"," NETCFG
        "}"));
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"eph\",\"launchType\":\"FARGATE\",\"platformVersion\":\"1.3."
        "0\"," NETCFG "}",
        "PlatformTaskDefinitionIncompatibilityException",
        400);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"fg\",\"launchType\":\"FARGATE\"}",
        "InvalidParameterException",
        400);
    s_expect_err(
        ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"," NETCFG "}", "InvalidParameterException", 400);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"launchType\":\"FARGATE\"}",
        "InvalidParameterException",
        400);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"launchType\":\"EC2\",\"platformVersion\":"
        "\"1.4.0\"}",
        "InvalidParameterException",
        400);
    json_t *ov = s_ok(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"overrides\":{\"containerOverrides\":[{\"name\":\"app\","
        "\"command\":[\"sleep\",\"1\"]}]},\"tags\":[{\"key\":\"k\",\"value\":\"v\"}]}");
    json_t *task0 = json_array_get(json_object_get(ov, "tasks"), 0);
    json_t *co = json_array_get(json_object_get(json_object_get(task0, "overrides"), "containerOverrides"), 0);
    assert_string_equal(json_string_value(json_array_get(json_object_get(co, "command"), 0)), "sleep");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(task0, "tags"), 0), "key")), "k");
    json_decref(ov);
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"overrides\":{\"containerOverrides\":[{\"name\":\"nope\"}]}}",
        "InvalidParameterException",
        400);
    json_t *spot = s_ok(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"fg\",\"capacityProviderStrategy\":[{\"capacityProvider\":"
        "\"FARGATE_SPOT\",\"weight\":1}]," NETCFG "}");
    assert_string_equal(s_task_string(spot, 0, "capacityProviderName"), "FARGATE_SPOT");
    assert_string_equal(s_task_string(spot, 0, "launchType"), "FARGATE");
    json_decref(spot);
    /* Task definitions: FARGATE needs awsvpc and task-level cpu/memory; distinctInstance is rejected. */
    s_expect_err(
        ctx,
        "RegisterTaskDefinition",
        "{\"family\":\"x\",\"requiresCompatibilities\":[\"FARGATE\"],\"cpu\":\"256\",\"memory\":\"512\","
        "\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\"}]}",
        "ClientException",
        400);
    s_expect_err(
        ctx,
        "RegisterTaskDefinition",
        "{\"family\":\"x\",\"placementConstraints\":[{\"type\":\"distinctInstance\"}],\"containerDefinitions\":[{"
        "\"name\":\"a\",\"image\":\"i\",\"memory\":128}]}",
        "ClientException",
        400);
    s_expect_err(
        ctx,
        "RegisterTaskDefinition",
        "{\"family\":\"x\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\"}]}",
        "ClientException",
        400);
    s_expect_err(
        ctx, "RegisterTaskDefinition", "{\"family\":\"x\",\"containerDefinitions\":5}", "SerializationException", 400);
}

static void test_faults_blocks_unsupported(void **state) {
    struct t_ctx *ctx = *state;
    ctx->allow_5xx = true;
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_cluster(ctx, "{\"clusterName\":\"c2\"}");
    s_register(ctx, TD_EC2);
    s_control(ctx, "{\"action\":\"inject\",\"operation\":\"RunTask\",\"error\":\"ServerException\",\"times\":2}");
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}", "ServerException", 500);
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c2\",\"taskDefinition\":\"web\"}", "ServerException", 500);
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}"));
    ctx->allow_5xx = false;
    /* Scoped by cluster: c2 is not disturbed. */
    s_control(
        ctx,
        "{\"action\":\"inject\",\"operation\":\"RunTask\",\"cluster\":\"c1\",\"error\":\"ThrottlingException\","
        "\"message\":\"Rate exceeded\",\"exclusive\":false}");
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c2\",\"taskDefinition\":\"web\"}"));
    json_t *body = s_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}", "ThrottlingException", 400);
    assert_string_equal(json_string_value(json_object_get(body, "message")), "Rate exceeded");
    json_decref(body);
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}"));
    /* Blocked account: every call from its key. */
    s_control(ctx, "{\"action\":\"block\",\"account\":\"111111111111\",\"blocked\":true}");
    ctx->access_key_id = ECC_EMULATOR_BLOCKED_ACCESS_KEY_ID;
    s_expect_err(ctx, "CreateCluster", "{\"clusterName\":\"b\"}", "BlockedException", 400);
    s_control(ctx, "{\"action\":\"block\",\"account\":\"111111111111\",\"blocked\":false}");
    body = s_ok(ctx, "CreateCluster", "{\"clusterName\":\"b\"}");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(body, "cluster"), "clusterArn")),
        "arn:aws:ecs:us-east-1:111111111111:cluster/b");
    json_decref(body);
    /* Accounts do not see each other's resources. */
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}", "ClusterNotFoundException", 400);
    ctx->access_key_id = ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID;
    s_control(ctx, "{\"action\":\"unsupported\",\"feature\":\"launchType:EXTERNAL\",\"enabled\":true}");
    s_expect_err(
        ctx,
        "RunTask",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"launchType\":\"EXTERNAL\"}",
        "UnsupportedFeatureException",
        400);
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"launchType\":\"EC2\"}"));
    s_control(ctx, "{\"action\":\"unsupported\",\"feature\":\"launchType:EXTERNAL\",\"enabled\":false}");
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"launchType\":\"EXTERNAL\"}"));
    /* reset: back to the initial state. */
    s_control(ctx, "{\"action\":\"reset\"}");
    assert_int_equal(s_task_count(ctx), 0);
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}", "ClusterNotFoundException", 400);
}

static void test_control_rejects_bad_actions(void **state) {
    struct t_ctx *ctx = *state;
    static const char *const bad[] = {
        "",
        "[]",
        "{}",
        "{\"action\":\"explode\"}",
        "{\"action\":\"inject\",\"operation\":\"RunTask\"}",
        "{\"action\":\"inject\",\"operation\":\"RunTask\",\"error\":\"NoSuchError\"}",
        "{\"action\":\"inject\",\"operation\":\"RunTask\",\"error\":\"ServerException\",\"times\":0}",
        "{\"action\":\"inject\",\"operation\":\"RunTask\",\"delay_ms\":99999999}",
        "{\"action\":\"inject\",\"operation\":\"RunTask\",\"error\":\"ServerException\",\"bogus\":1}",
        "{\"action\":\"policy\"}",
        "{\"action\":\"policy\",\"accessKeyId\":\"A\",\"allowTaskDefinitions\":\"x\"}",
        "{\"action\":\"block\",\"account\":\"12\",\"blocked\":true}",
        "{\"action\":\"block\",\"account\":\"111111111111\"}",
        "{\"action\":\"advance_clock\",\"seconds\":-1}",
        "{\"action\":\"advance_clock\",\"seconds\":\"5\"}",
        "{\"action\":\"visibility_lag\"}",
        "{\"action\":\"capacity\",\"cluster\":\"c\"}",
        "{\"action\":\"capacity\",\"cluster\":\"c\",\"instances\":-1}",
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad); i++) {
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_emulator_control(ctx->emu, bad[i], strlen(bad[i]), &diag), ECC_ERR_INVALID);
        assert_true(diag.text[0] != '\0');
    }
    /* Over HTTP: 400 ValidationException, and 200 {"ok":true} for a good action. */
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    assert_int_equal(ecc_http_request_set_line(&request, "POST", ECC_EMULATOR_CONTROL_PATH, NULL), ECC_OK);
    assert_int_equal(ecc_http_request_set_body(&request, "{\"action\":1}", 12), ECC_OK);
    ctx->sign = false;
    int status = 0;
    json_t *body = s_send(ctx, &request, &status);
    assert_int_equal(status, 400);
    assert_string_equal(json_string_value(json_object_get(body, "__type")), "ValidationException");
    json_decref(body);
    assert_int_equal(ecc_http_request_set_body(&request, "{\"action\":\"reset\"}", 18), ECC_OK);
    body = s_send(ctx, &request, &status);
    assert_int_equal(status, 200);
    assert_true(json_is_true(json_object_get(body, "ok")));
    json_decref(body);
    ecc_http_request_clean_up(&request);
}

static void test_control_disabled_is_not_served(void **state) {
    (void)state;
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    struct ecc_emulator *emu = ecc_emulator_new(&options);
    assert_non_null(emu);
    struct t_ctx ctx = {.emu = emu};
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    assert_int_equal(ecc_http_request_set_line(&request, "POST", ECC_EMULATOR_CONTROL_PATH, NULL), ECC_OK);
    assert_int_equal(ecc_http_request_set_body(&request, "{\"action\":\"reset\"}", 18), ECC_OK);
    int status = 0;
    json_t *body = s_send(&ctx, &request, &status);
    assert_int_equal(status, 403);
    assert_string_equal(json_string_value(json_object_get(body, "__type")), "MissingAuthenticationTokenException");
    json_decref(body);
    ecc_http_request_clean_up(&request);
    ecc_emulator_destroy(emu);
}

static void test_authentication(void **state) {
    struct t_ctx *ctx = *state;
    ctx->sign = false;
    s_expect_err(ctx, "CreateCluster", "{}", "MissingAuthenticationTokenException", 403);
    ctx->sign = true;
    ctx->secret = "not-the-secret";
    s_expect_err(ctx, "CreateCluster", "{}", "InvalidSignatureException", 400);
    ctx->access_key_id = "AKIDUNKNOWN";
    s_expect_err(ctx, "CreateCluster", "{}", "UnrecognizedClientException", 400);
    /* A signature from too long ago: the verifier uses the emulator's clock. */
    ctx->access_key_id = ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID;
    ctx->secret = ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY;
    json_decref(s_ok(ctx, "CreateCluster", "{}"));
}

/* Every authentication failure is answered with a type of the error table (`ecsconf fuzz` found the
 * verifier's malformed-signature answer named IncompleteSignatureException, a name the table does not
 * have: a client classifying it saw an unknown error). */
static void test_authentication_types_in_error_table(void **state) {
    struct t_ctx *ctx = *state;
    static const char *const authorizations[] = {
        "AWS4-HMAC-SHA1 Credential=x",
        "AWS4-HMAC-SHA256 Credential=AKIDECSCONFEXAMPLE/20231114/us-east-1/ecs/aws4_request",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
        "garbage",
    };
    for (size_t i = 0; i < sizeof(authorizations) / sizeof(authorizations[0]); i++) {
        struct ecc_http_request request;
        ecc_http_request_init(&request);
        assert_int_equal(ecc_codec_build_aws_json_request("CreateCluster", "{}", 2, &request, NULL), ECC_OK);
        assert_int_equal(ecc_http_headers_set(&request.headers, "Host", "ecs.us-east-1.amazonaws.com"), ECC_OK);
        assert_int_equal(ecc_http_headers_set(&request.headers, "X-Amz-Date", "20231114T221320Z"), ECC_OK);
        assert_int_equal(ecc_http_headers_set(&request.headers, "Authorization", authorizations[i]), ECC_OK);
        struct ecc_http_response response;
        ecc_http_response_init(&response);
        ecc_emulator_handle(ctx->emu, &request, &response);
        json_t *body = s_check_answer(ctx, &response);
        const char *type = json_string_value(json_object_get(body, "__type"));
        assert_non_null(type);
        const struct ecc_error_info *info = ecc_errors_find(type, strlen(type));
        assert_non_null(info);
        assert_int_equal(info->http_status, response.status);
        json_decref(body);
        ecc_http_response_clean_up(&response);
        ecc_http_request_clean_up(&request);
    }
}

static void test_no_auth_mode(void **state) {
    (void)state;
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    options.no_auth = true;
    struct t_ctx *ctx = s_new_ctx(&options);
    ctx->sign = false;
    json_t *body = s_ok(ctx, "CreateCluster", "{\"clusterName\":\"x\"}");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(body, "cluster"), "clusterArn")),
        "arn:aws:ecs:us-east-1:000000000000:cluster/x");
    json_decref(body);
    ecc_emulator_destroy(ctx->emu);
    free(ctx);
}

/* A request with arbitrary method, path, content type, target and body, signed. */
static json_t *s_raw(
    struct t_ctx *ctx,
    const char *method,
    const char *path,
    const char *content_type,
    const char *target,
    const void *body,
    size_t len,
    int *status) {
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    assert_int_equal(ecc_http_request_set_line(&request, method, path, NULL), ECC_OK);
    assert_int_equal(ecc_http_headers_set(&request.headers, "Host", "ecs.us-east-1.amazonaws.com"), ECC_OK);
    if (content_type) {
        assert_int_equal(ecc_http_headers_set(&request.headers, "Content-Type", content_type), ECC_OK);
    }
    if (target) {
        assert_int_equal(ecc_http_headers_set(&request.headers, "X-Amz-Target", target), ECC_OK);
    }
    assert_int_equal(ecc_http_request_set_body(&request, body, len), ECC_OK);
    json_t *answer = s_send(ctx, &request, status);
    ecc_http_request_clean_up(&request);
    return answer;
}

static void s_expect_raw(
    struct t_ctx *ctx,
    const char *method,
    const char *path,
    const char *content_type,
    const char *target,
    const char *body,
    const char *type) {
    int status = 0;
    json_t *answer = s_raw(ctx, method, path, content_type, target, body, strlen(body), &status);
    assert_int_equal(status, 400);
    assert_string_equal(json_string_value(json_object_get(answer, "__type")), type);
    json_decref(answer);
}

static void test_hostile_requests(void **state) {
    struct t_ctx *ctx = *state;
    const char *ct = ECC_AWS_JSON_CONTENT_TYPE;
    const char *run = "AmazonEC2ContainerServiceV20141113.RunTask";
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    s_expect_raw(
        ctx, "POST", "/", ct, "AmazonEC2ContainerServiceV20141113.DescribeClusters", "{}", "UnknownOperationException");
    s_expect_raw(ctx, "POST", "/", ct, "Other.RunTask", "{}", "UnknownOperationException");
    s_expect_raw(ctx, "POST", "/", ct, NULL, "{}", "UnknownOperationException");
    s_expect_raw(ctx, "GET", "/", ct, run, "", "UnknownOperationException");
    s_expect_raw(ctx, "POST", "/x", ct, run, "{}", "UnknownOperationException");
    s_expect_raw(ctx, "POST", "/", "application/json", run, "{}", "SerializationException");
    s_expect_raw(ctx, "POST", "/", NULL, run, "{}", "SerializationException");
    s_expect_raw(ctx, "POST", "/", ct, run, "{", "SerializationException");
    s_expect_raw(ctx, "POST", "/", ct, run, "[1]", "SerializationException");
    s_expect_raw(ctx, "POST", "/", ct, run, "\"x\"", "SerializationException");
    s_expect_raw(ctx, "POST", "/", ct, run, "{\"a\":1,\"a\":2}", "SerializationException");
    s_expect_raw(ctx, "POST", "/", ct, run, "{\"taskDefinition\":5}", "SerializationException");
    s_expect_raw(ctx, "POST", "/", ct, run, "{\"taskDefinition\":\"web\",\"count\":\"2\"}", "SerializationException");
    s_expect_raw(ctx, "POST", "/", ct, run, "{\"taskDefinition\":\"web\",\"count\":1.5}", "SerializationException");
    s_expect_raw(ctx, "POST", "/", ct, run, "{\"taskDefinition\":\"web\",\"tags\":{}}", "SerializationException");
    s_expect_raw(
        ctx,
        "POST",
        "/",
        ct,
        "AmazonEC2ContainerServiceV20141113.ListTasks",
        "{\"cluster\":[]}",
        "SerializationException");
    s_expect_raw(
        ctx,
        "POST",
        "/",
        ct,
        "AmazonEC2ContainerServiceV20141113.DescribeTasks",
        "{\"cluster\":\"c1\",\"tasks\":[1]}",
        "SerializationException");
    /* Content-Type parameters are ignored; an empty body is {}. */
    int status = 0;
    json_t *answer = s_raw(
        ctx,
        "POST",
        "/",
        "application/x-amz-json-1.1; charset=utf-8",
        "AmazonEC2ContainerServiceV20141113.CreateCluster",
        "",
        0,
        &status);
    assert_int_equal(status, 200);
    json_decref(answer);
    /* Validation: the one module decides, with its rule's error type. */
    s_expect_raw(ctx, "POST", "/", ct, run, "{}", s_rule_type("taskDefinition.required"));
    s_expect_raw(
        ctx,
        "POST",
        "/",
        ct,
        run,
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":11}",
        s_rule_type("count.range"));
    s_expect_raw(
        ctx,
        "POST",
        "/",
        ct,
        run,
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":0}",
        s_rule_type("count.range"));
    s_expect_raw(
        ctx,
        "POST",
        "/",
        ct,
        run,
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"launchType\":\"EC2\",\"capacityProviderStrategy\":"
        "[{\"capacityProvider\":\"FARGATE\"}]}",
        s_rule_type("launchType.exclusive"));
    /* Oversized body. */
    size_t big_len = ECC_CODEC_DEFAULT_MAX_BODY_BYTES + 10;
    char *big = malloc(big_len);
    assert_non_null(big);
    memset(big, ' ', big_len);
    big[0] = '{';
    big[big_len - 1] = '}';
    answer = s_raw(ctx, "POST", "/", ct, run, big, big_len, &status);
    assert_int_equal(status, 413);
    assert_string_equal(json_string_value(json_object_get(answer, "__type")), "RequestEntityTooLargeException");
    json_decref(answer);
    free(big);
    /* Bytes that are not UTF-8, NUL bytes, deep nesting: still a JSON error. */
    static const char junk[] = {'{', '"', 't', 'a', 's', 'k', 'D',    'e',    'f', 'i', 'n',  'i', 't',
                                'i', 'o', 'n', '"', ':', '"', '\xff', '\xfe', '"', '}', '\0', 'x'};
    answer = s_raw(ctx, "POST", "/", ct, run, junk, sizeof(junk), &status);
    assert_int_equal(status, 400);
    json_decref(answer);
    char deep[4096];
    for (size_t i = 0; i < 2000; i++) {
        deep[i] = '[';
    }
    for (size_t i = 2000; i < 4000; i++) {
        deep[i] = ']';
    }
    answer = s_raw(ctx, "POST", "/", ct, run, deep, 4000, &status);
    assert_int_equal(status, 400);
    json_decref(answer);
}

static void test_list_stop_delete(void **state) {
    struct t_ctx *ctx = *state;
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    for (int i = 0; i < 3; i++) {
        json_decref(
            s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":2,\"startedBy\":\"me\"}"));
    }
    json_t *page = s_ok(ctx, "ListTasks", "{\"cluster\":\"c1\",\"maxResults\":4}");
    assert_int_equal(json_array_size(json_object_get(page, "taskArns")), 4);
    const char *next = json_string_value(json_object_get(page, "nextToken"));
    assert_non_null(next);
    char body[300];
    snprintf(body, sizeof(body), "{\"cluster\":\"c1\",\"maxResults\":4,\"nextToken\":\"%s\"}", next);
    json_t *rest = s_ok(ctx, "ListTasks", body);
    assert_int_equal(json_array_size(json_object_get(rest, "taskArns")), 2);
    assert_null(json_object_get(rest, "nextToken"));
    json_decref(rest);
    s_expect_err(ctx, "ListTasks", "{\"cluster\":\"c1\",\"nextToken\":\"garbage\"}", "InvalidParameterException", 400);
    s_expect_err(ctx, "ListTasks", "{\"cluster\":\"c1\",\"maxResults\":0}", "InvalidParameterException", 400);
    json_t *mine = s_ok(ctx, "ListTasks", "{\"cluster\":\"c1\",\"startedBy\":\"other\"}");
    assert_int_equal(json_array_size(json_object_get(mine, "taskArns")), 0);
    json_decref(mine);
    s_expect_err(ctx, "DeleteCluster", "{\"cluster\":\"c1\"}", "ClusterContainsTasksException", 400);
    json_t *all = s_ok(ctx, "ListTasks", "{\"cluster\":\"c1\"}");
    size_t i;
    json_t *arn;
    json_array_foreach(json_object_get(all, "taskArns"), i, arn) {
        snprintf(body, sizeof(body), "{\"cluster\":\"c1\",\"task\":\"%s\"}", json_string_value(arn));
        json_decref(s_ok(ctx, "StopTask", body));
    }
    json_decref(all);
    json_t *stopped = s_ok(ctx, "ListTasks", "{\"cluster\":\"c1\",\"desiredStatus\":\"STOPPED\"}");
    assert_int_equal(json_array_size(json_object_get(stopped, "taskArns")), 6);
    json_decref(stopped);
    json_t *deleted = s_ok(ctx, "DeleteCluster", "{\"cluster\":\"c1\"}");
    assert_string_equal(json_string_value(json_object_get(json_object_get(deleted, "cluster"), "status")), "INACTIVE");
    json_decref(deleted);
    s_expect_err(ctx, "DeleteCluster", "{\"cluster\":\"c1\"}", "ClusterNotFoundException", 400);
    s_expect_err(ctx, "DescribeTasks", "{\"cluster\":\"c1\",\"tasks\":[\"x\"]}", "ClusterNotFoundException", 400);
    s_expect_err(ctx, "CreateCluster", "{\"clusterName\":\"bad name\"}", "InvalidParameterException", 400);
    json_decref(page);
}

static void test_caps(void **state) {
    (void)state;
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    options.max_tasks = 3;
    options.max_clusters = 2;
    options.max_client_tokens = 2;
    struct t_ctx *ctx = s_new_ctx(&options);
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_cluster(ctx, "{\"clusterName\":\"c2\"}");
    s_expect_err(ctx, "CreateCluster", "{\"clusterName\":\"c3\"}", "ClientException", 400);
    s_register(ctx, TD_EC2);
    json_t *run = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"count\":3}");
    s_expect_err(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}", "ClientException", 400);
    /* A stopped task makes room (the oldest stopped one goes first). */
    char body[300];
    snprintf(body, sizeof(body), "{\"cluster\":\"c1\",\"task\":\"%s\"}", s_task_string(run, 0, "taskArn"));
    json_decref(s_ok(ctx, "StopTask", body));
    json_decref(s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}"));
    assert_int_equal(s_task_count(ctx), 3);
    json_decref(run);
    /* The token table keeps at most 2: the oldest entry goes. */
    s_control(ctx, "{\"action\":\"reset\"}");
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    for (int i = 0; i < 3; i++) {
        snprintf(body, sizeof(body), "{\"cluster\":\"c1\",\"taskDefinition\":\"web\",\"clientToken\":\"t%d\"}", i);
        json_decref(s_ok(ctx, "RunTask", body));
        char stop[300];
        json_t *list = s_ok(ctx, "ListTasks", "{\"cluster\":\"c1\"}");
        snprintf(
            stop,
            sizeof(stop),
            "{\"cluster\":\"c1\",\"task\":\"%s\"}",
            json_string_value(json_array_get(json_object_get(list, "taskArns"), 0)));
        json_decref(list);
        json_decref(s_ok(ctx, "StopTask", stop));
    }
    struct ecc_emulator_stats stats;
    ecc_emulator_get_stats(ctx->emu, &stats);
    assert_int_equal(stats.client_tokens, 2);
    ecc_emulator_destroy(ctx->emu);
    free(ctx);
}

struct s_thread_arg {
    struct t_ctx *ctx;
    int runs;
};

static void *s_thread(void *arg) {
    struct s_thread_arg *a = arg;
    for (int i = 0; i < a->runs; i++) {
        json_decref(s_ok(a->ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}"));
    }
    return NULL;
}

static void test_threads(void **state) {
    struct t_ctx *ctx = *state;
    s_control(ctx, "{\"action\":\"capacity\",\"cluster\":\"c1\",\"instances\":100,\"cpu\":100000,\"memory\":100000}");
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    pthread_t threads[4];
    struct s_thread_arg arg = {ctx, 50};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(pthread_create(&threads[i], NULL, s_thread, &arg), 0);
    }
    for (size_t i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
    }
    assert_int_equal(s_task_count(ctx), 200);
}

static void test_config_and_keys_files(void **state) {
    struct t_ctx *ctx = *state;
    char path[] = "/tmp/ecsconf-emu-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(
        "[{\"action\":\"capacity\",\"cluster\":\"c1\",\"instances\":0},{\"action\":\"inject\",\"operation\":"
        "\"CreateCluster\",\"error\":\"ThrottlingException\"}]",
        f);
    fclose(f);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_emulator_load_config(ctx->emu, path, &diag), ECC_OK);
    s_expect_err(ctx, "CreateCluster", "{\"clusterName\":\"c1\"}", "ThrottlingException", 400);
    s_cluster(ctx, "{\"clusterName\":\"c1\"}");
    s_register(ctx, TD_EC2);
    json_t *body = s_ok(ctx, "RunTask", "{\"cluster\":\"c1\",\"taskDefinition\":\"web\"}");
    assert_int_equal(json_array_size(json_object_get(body, "failures")), 1);
    json_decref(body);
    f = fopen(path, "w");
    fputs("[{\"action\":\"nope\"}]", f);
    fclose(f);
    assert_int_equal(ecc_emulator_load_config(ctx->emu, path, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "/0");
    /* A key file (credentials.h's format, the one `verify --keys` reads too) gives the accepted keys. */
    f = fopen(path, "w");
    fputs("AKIDOTHER s3cr3t account=222222222222\nAKIDTOKEN s3cr3t session_token=tok-1\n", f);
    fclose(f);
    struct ecc_key_file key_file;
    ecc_key_file_init(&key_file);
    assert_int_equal(ecc_key_file_load(&key_file, path, &diag), ECC_OK);
    assert_int_equal(key_file.count, 2);
    struct ecc_emulator_key keys[2];
    for (size_t k = 0; k < 2; k++) {
        keys[k] = (struct ecc_emulator_key){
            key_file.keys[k].access_key_id,
            key_file.keys[k].secret_access_key,
            key_file.keys[k].account ? key_file.keys[k].account : ECC_EMULATOR_DEFAULT_ACCOUNT,
            key_file.keys[k].session_token};
    }
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    options.keys = keys;
    options.key_count = 2;
    struct t_ctx *other = s_new_ctx(&options);
    ecc_key_file_clean_up(&key_file); /* the emulator keeps its own copies */
    other->access_key_id = "AKIDOTHER";
    other->secret = "s3cr3t";
    body = s_ok(other, "CreateCluster", "{}");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(body, "cluster"), "clusterArn")),
        "arn:aws:ecs:us-east-1:222222222222:cluster/default");
    json_decref(body);
    /* A key with a session token in the file: a request without that token is refused. */
    other->access_key_id = "AKIDTOKEN";
    s_expect_err(other, "CreateCluster", "{}", "UnrecognizedClientException", 400);
    other->access_key_id = ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID;
    other->secret = ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY;
    s_expect_err(other, "CreateCluster", "{}", "UnrecognizedClientException", 400);
    ecc_emulator_destroy(other->emu);
    free(other);
    f = fopen(path, "w");
    fputs("AKIDX s account=12\n", f);
    fclose(f);
    assert_int_equal(ecc_key_file_load(&key_file, path, &diag), ECC_ERR_INVALID);
    assert_int_equal(diag.line, 1);
    unlink(path);
}

/* Mutated bodies for every operation (no signature, so every mutation reaches the parser): the answer
 * is always well-formed and never a 5xx. Deterministic, so a failure reproduces. */
static void test_mutated_bodies_never_5xx(void **state) {
    (void)state;
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    options.no_auth = true;
    struct t_ctx *ctx = s_new_ctx(&options);
    ctx->sign = false;
    s_cluster(ctx, "{\"clusterName\":\"c1\",\"capacityProviders\":[\"FARGATE\",\"asg\"]}");
    s_register(ctx, TD_EC2);
    s_register(ctx, TD_FARGATE);
    static const char *const ops[] = {
        "RunTask",
        "DescribeTasks",
        "ListTasks",
        "StopTask",
        "CreateCluster",
        "DeleteCluster",
        "RegisterTaskDefinition",
        "DeregisterTaskDefinition"};
    static const char *const seeds[] = {
        "{\"cluster\":\"c1\",\"taskDefinition\":\"fg\",\"launchType\":\"FARGATE\",\"count\":3," NETCFG
        ",\"clientToken\":\"abc\",\"overrides\":{\"cpu\":\"512\",\"containerOverrides\":[{\"name\":\"app\"}]},"
        "\"tags\":[{\"key\":\"a\",\"value\":\"b\"}],\"placementConstraints\":[{\"type\":\"memberOf\","
        "\"expression\":\"attribute:ecs.os-type == linux\"}]}",
        "{\"cluster\":\"c1\",\"taskDefinition\":\"web:1\",\"capacityProviderStrategy\":[{\"capacityProvider\":"
        "\"asg\",\"weight\":1,\"base\":1}],\"placementStrategy\":[{\"type\":\"binpack\",\"field\":\"memory\"}]}",
        "{\"cluster\":\"c1\",\"tasks\":[\"x\"],\"include\":[\"TAGS\"],\"maxResults\":5,\"nextToken\":\"ecsconf-1\"}",
        TD_FARGATE,
        "{\"clusterName\":\"c2\",\"capacityProviders\":[\"FARGATE\"],\"defaultCapacityProviderStrategy\":[{"
        "\"capacityProvider\":\"FARGATE\",\"weight\":2}]}",
    };
    uint64_t rng = 42;
    char body[1024];
    for (int i = 0; i < 3000; i++) {
        rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
        const char *seed = seeds[(rng >> 33) % ECC_ARRAY_LEN(seeds)];
        size_t len = strlen(seed);
        memcpy(body, seed, len);
        for (int m = 0; m < 1 + (int)((rng >> 20) % 4); m++) {
            rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t at = (size_t)((rng >> 33) % len);
            static const char alphabet[] = "{}[]\":,0123456789-.eE truefalsnul\\\x01\xff";
            body[at] = alphabet[(rng >> 13) % (sizeof(alphabet) - 1)];
        }
        struct ecc_http_request request;
        ecc_http_request_init(&request);
        struct ecc_diag diag;
        assert_int_equal(
            ecc_codec_build_aws_json_request(ops[(rng >> 40) % ECC_ARRAY_LEN(ops)], body, len, &request, &diag),
            ECC_OK);
        int status = 0;
        json_decref(s_send(ctx, &request, &status)); /* s_check_answer is the oracle */
        ecc_http_request_clean_up(&request);
    }
    ecc_emulator_destroy(ctx->emu);
    free(ctx);
}

static size_t s_collect(char *data, size_t size, size_t count, void *user) {
    struct ecc_buf *buf = user;
    return ecc_buf_append(buf, data, size * count) == ECC_OK ? size * count : 0;
}

/* POSTs `body` to `url` with the AWS JSON headers of `operation` (unsigned); returns the status. */
static long s_http_post(const char *url, const char *operation, const char *body, struct ecc_buf *out) {
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: " ECC_AWS_JSON_CONTENT_TYPE);
    char target[200];
    snprintf(target, sizeof(target), "X-Amz-Target: " ECC_AWS_JSON_TARGET_PREFIX ".%s", operation);
    headers = curl_slist_append(headers, target);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    long status = 0;
    assert_int_equal(curl_easy_perform(curl), CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return status;
}

static void test_server_in_process(void **state) {
    (void)state;
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    options.control_enabled = true;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_emulator_server *server = ecc_emulator_server_start(&options, NULL, &diag);
    assert_non_null(server);
    assert_true(ecc_emulator_server_port(server) > 0);
    char url[256];
    snprintf(url, sizeof(url), "%s/", ecc_emulator_server_url(server));
    assert_int_equal(strncmp(url, "http://127.0.0.1:", 17), 0);
    struct ecc_buf body;
    ecc_buf_init(&body, 1 << 20);
    /* Unsigned: a JSON 403 from the emulator, through the glue. */
    assert_int_equal(s_http_post(url, "RunTask", "{}", &body), 403);
    assert_non_null(strstr(body.data, "MissingAuthenticationTokenException"));
    ecc_buf_reset(&body);
    snprintf(url, sizeof(url), "%s" ECC_EMULATOR_CONTROL_PATH, ecc_emulator_server_url(server));
    assert_int_equal(
        s_http_post(url, "x", "{\"action\":\"block\",\"account\":\"111111111111\",\"blocked\":true}", &body), 200);
    assert_string_equal(body.data, "{\"ok\":true}");
    ecc_buf_clean_up(&body);
    /* The control action reached the emulator behind the server. */
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    assert_int_equal(ecc_codec_build_aws_json_request("CreateCluster", "{}", 2, &request, &diag), ECC_OK);
    assert_int_equal(ecc_http_headers_set(&request.headers, "Host", "ecs.us-east-1.amazonaws.com"), ECC_OK);
    struct t_ctx ctx = {
        .emu = ecc_emulator_server_emulator(server),
        .sign = true,
        .access_key_id = ECC_EMULATOR_BLOCKED_ACCESS_KEY_ID,
        .secret = ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY};
    int status = 0;
    json_t *answer = s_send(&ctx, &request, &status);
    assert_string_equal(json_string_value(json_object_get(answer, "__type")), "BlockedException");
    json_decref(answer);
    ecc_http_request_clean_up(&request);
    assert_true(ecc_emulator_server_stop(server, 1000));
    ecc_emulator_server_destroy(server);
    /* A port in use is a clean failure with a reason. */
    struct ecc_emulator_server *first = ecc_emulator_server_start(NULL, NULL, &diag);
    assert_non_null(first);
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.port = ecc_emulator_server_port(first);
    ecc_diag_clear(&diag);
    assert_null(ecc_emulator_server_start(NULL, &server_options, &diag));
    assert_true(diag.text[0] != '\0');
    ecc_emulator_server_destroy(first);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_task_ec2_shape, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_revision_resolution, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_policy_after_resolution, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_task_tags_and_execute_command, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_client_token, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_token_with_failures_replays_them, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_advance_clock_and_visibility_lag, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_capacity_partial_failure, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_managed_scaling_quota, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_platform_and_network, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_faults_blocks_unsupported, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_control_rejects_bad_actions, s_setup, s_teardown),
        cmocka_unit_test(test_control_disabled_is_not_served),
        cmocka_unit_test_setup_teardown(test_authentication, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_authentication_types_in_error_table, s_setup, s_teardown),
        cmocka_unit_test(test_no_auth_mode),
        cmocka_unit_test_setup_teardown(test_hostile_requests, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_list_stop_delete, s_setup, s_teardown),
        cmocka_unit_test(test_caps),
        cmocka_unit_test_setup_teardown(test_threads, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_config_and_keys_files, s_setup, s_teardown),
        cmocka_unit_test(test_server_in_process),
        cmocka_unit_test(test_mutated_bodies_never_5xx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

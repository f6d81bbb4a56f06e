/* RunTask request codec: model <-> JSON body, the AWS JSON 1.1 envelope, strict mode, caps. */
#include "test_support.h"

#include "ecc/codec_request.h"
#include "request_fixtures.h"

/* Writes `request` and returns the body (caller frees). */
static char *s_write(const struct ecc_run_task_request *request) {
    struct ecc_buf buf;
    ecc_buf_init(&buf, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_codec_write_run_task_request(&buf, request, &diag), ECC_OK);
    return ecc_buf_steal(&buf);
}

/* Asserts the body is JSON equal to `expected`. */
static void s_assert_json_equal(const char *body, const char *expected) {
    json_error_t error;
    json_t *a = json_loads(body, 0, &error);
    json_t *b = json_loads(expected, 0, &error);
    assert_non_null(a);
    assert_non_null(b);
    if (!json_equal(a, b)) {
        fail_msg("body %s\nexpected %s", body, expected);
    }
    json_decref(a);
    json_decref(b);
}

static enum ecc_status s_parse(
    const char *body,
    bool strict,
    struct ecc_run_task_request *out,
    struct ecc_string_list *unknown,
    struct ecc_diag *diag) {
    struct ecc_codec_parse_options options = {.strict = strict};
    ecc_diag_clear(diag);
    return ecc_codec_parse_run_task_request(body, strlen(body), &options, out, unknown, diag);
}

static void test_round_trip_realistic_requests(void **state) {
    (void)state;
    for (size_t i = 0; i < ECC_ARRAY_LEN(fx_all_requests); i++) {
        struct ecc_run_task_request a, b;
        ecc_run_task_request_init(&a);
        ecc_run_task_request_init(&b);
        fx_all_requests[i](&a);
        char *body = s_write(&a);
        struct ecc_string_list unknown;
        ecc_string_list_init(&unknown);
        struct ecc_diag diag;
        /* Strict: the writer uses only model member names. */
        assert_int_equal(s_parse(body, true, &b, &unknown, &diag), ECC_OK);
        assert_int_equal(unknown.count, 0);
        assert_true(ecc_run_task_request_equal(&a, &b));
        /* And writing the parsed request gives the same bytes. */
        char *again = s_write(&b);
        assert_string_equal(body, again);
        free(again);
        free(body);
        ecc_run_task_request_clean_up(&a);
        ecc_run_task_request_clean_up(&b);
    }
}

static void test_member_names_on_the_wire(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    fx_request_volumes(&r);
    char *body = s_write(&r);
    s_assert_json_equal(
        body,
        "{\"taskDefinition\":\"db:9\",\"launchType\":\"FARGATE\",\"volumeConfigurations\":[{\"name\":\"data\","
        "\"managedEBSVolume\":{\"encrypted\":true,\"kmsKeyId\":\"arn:aws:kms:us-east-1:123456789012:key/abcd\","
        "\"volumeType\":\"gp3\",\"sizeInGiB\":100,\"snapshotId\":\"snap-0123456789abcdef0\","
        "\"volumeInitializationRate\":300,\"iops\":3000,\"throughput\":125,\"tagSpecifications\":[{"
        "\"resourceType\":\"volume\",\"tags\":[{\"key\":\"backup\",\"value\":\"daily\"}],\"propagateTags\":"
        "\"TASK_DEFINITION\"}],\"roleArn\":\"arn:aws:iam::123456789012:role/ecsInfra\",\"terminationPolicy\":{"
        "\"deleteOnTermination\":false},\"filesystemType\":\"xfs\"}},{\"name\":\"scratch\"}]}");
    free(body);
    ecc_run_task_request_clean_up(&r);

    ecc_run_task_request_init(&r);
    fx_request_overrides(&r);
    body = s_write(&r);
    s_assert_json_equal(
        body,
        "{\"taskDefinition\":\"gpu-train:2\",\"overrides\":{\"cpu\":\"4096\",\"memory\":\"16384\","
        "\"executionRoleArn\":\"arn:aws:iam::123456789012:role/exec\",\"taskRoleArn\":"
        "\"arn:aws:iam::123456789012:role/task\",\"ephemeralStorage\":{\"sizeInGiB\":50},"
        "\"inferenceAcceleratorOverrides\":[{\"deviceName\":\"device1\",\"deviceType\":\"eia2.medium\"}],"
        "\"containerOverrides\":[{\"name\":\"trainer\",\"cpu\":2048,\"memory\":8192,\"memoryReservation\":4096,"
        "\"environmentFiles\":[{\"value\":\"arn:aws:s3:::bucket/env/trainer.env\",\"type\":\"s3\"}],"
        "\"resourceRequirements\":[{\"type\":\"GPU\",\"value\":\"1\"}],\"environment\":[{\"name\":\"EMPTY\","
        "\"value\":\"\"}]},{\"name\":\"sidecar\",\"command\":[]}]}}");
    free(body);
    ecc_run_task_request_clean_up(&r);

    ecc_run_task_request_init(&r);
    fx_request_ec2(&r);
    body = s_write(&r);
    s_assert_json_equal(
        body,
        "{\"cluster\":\"default\",\"taskDefinition\":\"web:3\",\"launchType\":\"EC2\",\"count\":3,\"group\":"
        "\"family:web\",\"startedBy\":\"ci-job-42\",\"placementConstraints\":[{\"type\":\"memberOf\","
        "\"expression\":\"attribute:ecs.instance-type =~ t3.*\"},{\"type\":\"distinctInstance\"}],"
        "\"placementStrategy\":[{\"type\":\"spread\",\"field\":\"attribute:ecs.availability-zone\"},{\"type\":"
        "\"binpack\",\"field\":\"memory\"}],\"enableECSManagedTags\":false}");
    free(body);
    ecc_run_task_request_clean_up(&r);
}

static void test_fargate_and_capacity_on_the_wire(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    fx_request_fargate(&r);
    char *body = s_write(&r);
    s_assert_json_equal(
        body,
        "{\"cluster\":\"arn:aws:ecs:us-east-1:123456789012:cluster/prod\",\"taskDefinition\":"
        "\"arn:aws:ecs:us-east-1:123456789012:task-definition/batch-job:17\",\"launchType\":\"FARGATE\","
        "\"platformVersion\":\"1.4.0\",\"count\":1,\"clientToken\":\"6f1d2c9e-3b7a-4c1e-9d2f-0a8b7c6d5e4f\","
        "\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"subnet-0a1b2c3d4e5f60718\","
        "\"subnet-0f1e2d3c4b5a69788\"],\"securityGroups\":[\"sg-0123456789abcdef0\"],\"assignPublicIp\":"
        "\"DISABLED\"}},\"overrides\":{\"containerOverrides\":[{\"name\":\"worker\",\"command\":[\"python\","
        "\"-m\",\"jobs.run\",\"--date=2024-05-01\"],\"environment\":[{\"name\":\"STAGE\",\"value\":\"prod\"},"
        "{\"name\":\"JOB_ID\",\"value\":\"4711 \\\"quoted\\\" \\\\ back\\tslash\"}]}]},\"propagateTags\":"
        "\"TASK_DEFINITION\",\"tags\":[{\"key\":\"team\",\"value\":\"data\"},{\"key\":\"cost-center\","
        "\"value\":\"cc-1234\"}],\"enableExecuteCommand\":true}");
    free(body);
    ecc_run_task_request_clean_up(&r);

    ecc_run_task_request_init(&r);
    fx_request_capacity(&r);
    body = s_write(&r);
    s_assert_json_equal(
        body,
        "{\"taskDefinition\":\"api\",\"capacityProviderStrategy\":[{\"capacityProvider\":\"FARGATE_SPOT\","
        "\"weight\":4},{\"capacityProvider\":\"FARGATE\",\"weight\":1,\"base\":2}],\"referenceId\":\"ref-1\"}");
    free(body);
    ecc_run_task_request_clean_up(&r);
}

static void test_empty_request_is_empty_object(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    char *body = s_write(&r);
    assert_string_equal(body, "{}");
    free(body);
    /* A nested structure present but empty is `{}` too, not dropped. */
    r.has_overrides = true;
    r.has_network_configuration = true;
    body = s_write(&r);
    assert_string_equal(body, "{\"networkConfiguration\":{},\"overrides\":{}}");
    free(body);
    ecc_run_task_request_clean_up(&r);
}

static void test_absent_vs_empty_survives_round_trip(void **state) {
    (void)state;
    struct ecc_run_task_request a, b;
    ecc_run_task_request_init(&a);
    ecc_run_task_request_init(&b);
    a.tags.has = true;
    a.group = fx_str("");
    a.has_count = true;
    a.count = 0;
    a.has_enable_ecs_managed_tags = true;
    a.has_overrides = true;
    a.overrides.container_overrides.has = true;
    a.has_network_configuration = true;
    a.network_configuration.has_awsvpc_configuration = true;
    a.network_configuration.awsvpc_configuration.subnets.has = true;
    struct ecc_task_volume_configuration *v = FX_APPEND(&a.volume_configurations);
    v->has_managed_ebs_volume = true;
    v->managed_ebs_volume.has_termination_policy = true;
    fx_tag(&a.tags, "", NULL); /* tag with empty key and no value */
    char *body = s_write(&a);
    s_assert_json_equal(
        body,
        "{\"tags\":[{\"key\":\"\"}],\"group\":\"\",\"count\":0,\"enableECSManagedTags\":false,\"overrides\":{"
        "\"containerOverrides\":[]},\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[]}},"
        "\"volumeConfigurations\":[{\"managedEBSVolume\":{\"terminationPolicy\":{}}}]}");
    struct ecc_diag diag;
    assert_int_equal(s_parse(body, false, &b, NULL, &diag), ECC_OK);
    assert_true(ecc_run_task_request_equal(&a, &b));
    assert_true(b.tags.has);
    assert_null(b.tags.items[0].value);
    assert_string_equal(b.tags.items[0].key, "");
    assert_false(b.has_enable_execute_command);
    assert_false(b.capacity_provider_strategy.has);
    assert_null(b.cluster);
    free(body);
    ecc_run_task_request_clean_up(&a);
    ecc_run_task_request_clean_up(&b);
}

static void test_nulls_are_absent_and_empty_body_is_empty_object(void **state) {
    (void)state;
    struct ecc_run_task_request a, empty;
    ecc_run_task_request_init(&a);
    ecc_run_task_request_init(&empty);
    struct ecc_diag diag;
    assert_int_equal(
        s_parse("{\"cluster\":null,\"tags\":null,\"count\":null,\"overrides\":null}", false, &a, NULL, &diag), ECC_OK);
    assert_true(ecc_run_task_request_equal(&a, &empty));
    assert_int_equal(ecc_codec_parse_run_task_request("", 0, NULL, &a, NULL, &diag), ECC_OK);
    assert_true(ecc_run_task_request_equal(&a, &empty));
    ecc_run_task_request_clean_up(&a);
}

struct type_error_case {
    const char *body;
    const char *path;
    const char *text;
};

static void test_type_errors_name_the_member_path(void **state) {
    (void)state;
    static const struct type_error_case cases[] = {
        {"{\"count\":\"3\"}", "count", "expected a 32-bit integer, got string"},
        {"{\"count\":1.5}", "count", "expected a 32-bit integer, got real"},
        {"{\"count\":4294967296}", "count", "out of range"},
        {"{\"cluster\":7}", "cluster", "expected a string, got integer"},
        {"{\"enableExecuteCommand\":\"true\"}", "enableExecuteCommand", "expected a boolean, got string"},
        {"{\"tags\":{}}", "tags", "expected an array, got object"},
        {"{\"tags\":[{\"key\":\"a\"},null]}", "tags[1]", "expected an object, got null"},
        {"{\"placementConstraints\":[\"x\"]}", "placementConstraints[0]", "expected an object, got string"},
        {"{\"overrides\":[]}", "overrides", "expected an object, got array"},
        {"{\"overrides\":{\"containerOverrides\":[{},{},{\"environment\":[{\"name\":5}]}]}}",
         "overrides.containerOverrides[2].environment[0].name",
         "expected a string, got integer"},
        {"{\"overrides\":{\"containerOverrides\":[{\"command\":[\"a\",false]}]}}",
         "overrides.containerOverrides[0].command[1]",
         "expected a string, got boolean"},
        {"{\"overrides\":{\"ephemeralStorage\":{\"sizeInGiB\":\"20\"}}}",
         "overrides.ephemeralStorage.sizeInGiB",
         "expected a 32-bit integer"},
        {"{\"networkConfiguration\":{\"awsvpcConfiguration\":{\"subnets\":[\"a\",1]}}}",
         "networkConfiguration.awsvpcConfiguration.subnets[1]",
         "expected a string, got integer"},
        {"{\"capacityProviderStrategy\":[{\"capacityProvider\":\"x\",\"weight\":true}]}",
         "capacityProviderStrategy[0].weight",
         "expected a 32-bit integer, got boolean"},
        {"{\"volumeConfigurations\":[{\"name\":\"v\",\"managedEBSVolume\":{\"terminationPolicy\":{"
         "\"deleteOnTermination\":\"yes\"}}}]}",
         "volumeConfigurations[0].managedEBSVolume.terminationPolicy.deleteOnTermination",
         "expected a boolean, got string"},
        {"{\"volumeConfigurations\":[{\"managedEBSVolume\":{\"tagSpecifications\":[{\"tags\":[{\"value\":[]}]}]}}]}",
         "volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].tags[0].value",
         "expected a string, got array"},
        {"[]", "", "expected an object, got array"},
        {"\"RunTask\"", "", "expected an object, got string"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        struct ecc_run_task_request r;
        ecc_run_task_request_init(&r);
        struct ecc_diag diag;
        if (s_parse(cases[i].body, false, &r, NULL, &diag) != ECC_ERR_INVALID) {
            fail_msg("case %zu (%s) was accepted", i, cases[i].body);
        }
        if (strcmp(diag.path, cases[i].path) != 0 || !strstr(diag.text, cases[i].text)) {
            fail_msg("case %zu: got path '%s' text '%s'", i, diag.path, diag.text);
        }
        ecc_run_task_request_clean_up(&r);
    }
}

static void test_invalid_json_has_position(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    struct ecc_diag diag;
    assert_int_equal(s_parse("{\n  \"count\": 1,\n  \"cluster\" \"x\"}", false, &r, NULL, &diag), ECC_ERR_INVALID);
    assert_int_equal(diag.line, 3);
    assert_true(diag.column > 0);
    assert_non_null(strstr(diag.text, "not JSON"));
    assert_int_equal(s_parse("{\"a\":\"\\u0000\"}", false, &r, NULL, &diag), ECC_ERR_INVALID);
    assert_int_equal(s_parse("{\"cluster\":\"\xff\"}", false, &r, NULL, &diag), ECC_ERR_INVALID);
    ecc_run_task_request_clean_up(&r);
}

static void test_unknown_members(void **state) {
    (void)state;
    const char *body = "{\"taskDefinition\":\"td\",\"foo\":1,\"overrides\":{\"containerOverrides\":[{\"name\":\"c\","
                       "\"bar\":null}]},\"Cluster\":\"x\",\"volumeConfigurations\":[{\"name\":\"v\","
                       "\"managedEBSVolume\":{\"roleArn\":\"r\",\"terminationPolicy\":{\"deleteOnTermination\":true,"
                       "\"deep\":{}}}}]}";
    struct ecc_run_task_request lax, strict;
    ecc_run_task_request_init(&lax);
    ecc_run_task_request_init(&strict);
    struct ecc_string_list unknown;
    ecc_string_list_init(&unknown);
    struct ecc_diag diag;
    /* Default: ignored, and no list even when one is given. */
    assert_int_equal(s_parse(body, false, &lax, &unknown, &diag), ECC_OK);
    assert_int_equal(unknown.count, 0);
    assert_string_equal(lax.task_definition, "td");
    assert_null(lax.cluster); /* member names are case-sensitive */

    assert_int_equal(s_parse(body, true, &strict, &unknown, &diag), ECC_ERR_INVALID);
    assert_true(ecc_run_task_request_equal(&lax, &strict)); /* still filled in */
    assert_int_equal(unknown.count, 4);
    const char *expected[] = {
        "foo",
        "Cluster",
        "overrides.containerOverrides[0].bar",
        "volumeConfigurations[0].managedEBSVolume.terminationPolicy.deep"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(expected); i++) {
        bool found = false;
        for (size_t j = 0; j < unknown.count; j++) {
            found = found || strcmp(unknown.items[j], expected[i]) == 0;
        }
        if (!found) {
            fail_msg("unknown member %s not reported", expected[i]);
        }
    }
    assert_non_null(strstr(diag.text, "4 unknown"));
    ecc_string_list_clean_up(&unknown);
    ecc_run_task_request_clean_up(&lax);
    ecc_run_task_request_clean_up(&strict);

    /* Strict without a list still refuses; the list is capped, the count is not. */
    assert_int_equal(s_parse("{\"x\":1}", true, &strict, NULL, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "x");
    ecc_run_task_request_clean_up(&strict);
    struct ecc_buf many;
    ecc_buf_init(&many, 1 << 16);
    assert_int_equal(ecc_buf_append_str(&many, "{\"tags\":["), ECC_OK);
    for (int i = 0; i < 300; i++) {
        assert_int_equal(ecc_buf_printf(&many, "%s{\"key\":\"k\",\"extra\":%d}", i ? "," : "", i), ECC_OK);
    }
    assert_int_equal(ecc_buf_append_str(&many, "]}"), ECC_OK);
    assert_int_equal(s_parse(many.data, true, &strict, &unknown, &diag), ECC_ERR_INVALID);
    assert_int_equal(unknown.count, ECC_CODEC_MAX_UNKNOWN_MEMBERS);
    assert_string_equal(unknown.items[0], "tags[0].extra");
    assert_string_equal(diag.path, "tags[0].extra");
    assert_non_null(strstr(diag.text, "300 unknown"));
    assert_int_equal(strict.tags.count, 300);
    ecc_buf_clean_up(&many);
    ecc_string_list_clean_up(&unknown);
    ecc_run_task_request_clean_up(&strict);

    /* Duplicate keys: the last wins by default, strict mode refuses them. */
    const char *dup = "{\"cluster\":\"a\",\"cluster\":\"b\"}";
    assert_int_equal(s_parse(dup, false, &lax, NULL, &diag), ECC_OK);
    assert_string_equal(lax.cluster, "b");
    assert_int_equal(s_parse(dup, true, &strict, &unknown, &diag), ECC_ERR_INVALID);
    assert_non_null(strstr(diag.text, "duplicate"));
    ecc_run_task_request_clean_up(&lax);
    ecc_run_task_request_clean_up(&strict);
    ecc_string_list_clean_up(&unknown);
}

static void test_body_cap(void **state) {
    (void)state;
    char body[64];
    snprintf(body, sizeof(body), "{\"cluster\":\"%s\"}", "0123456789");
    size_t len = strlen(body);
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    struct ecc_diag diag;
    struct ecc_codec_parse_options options = {.max_body_bytes = len - 1};
    assert_int_equal(ecc_codec_parse_run_task_request(body, len, &options, &r, NULL, &diag), ECC_ERR_LIMIT);
    assert_null(r.cluster);
    options.max_body_bytes = len;
    assert_int_equal(ecc_codec_parse_run_task_request(body, len, &options, &r, NULL, &diag), ECC_OK);
    assert_string_equal(r.cluster, "0123456789");

    /* Serializing: over the cap fails whole, never truncated; the buffer is left as it was. */
    struct ecc_http_request http;
    ecc_http_request_init(&http);
    struct ecc_codec_request_options write_options = {.max_body_bytes = len - 1};
    assert_int_equal(ecc_codec_serialize_run_task_request(&r, &write_options, &http, &diag), ECC_ERR_LIMIT);
    assert_non_null(strstr(diag.text, "cap"));
    write_options.max_body_bytes = len;
    assert_int_equal(ecc_codec_serialize_run_task_request(&r, &write_options, &http, &diag), ECC_OK);
    assert_int_equal(http.body_len, len);
    ecc_http_request_clean_up(&http);

    struct ecc_buf buf;
    ecc_buf_init(&buf, 8);
    assert_int_equal(ecc_buf_append_str(&buf, "xy"), ECC_OK);
    assert_int_equal(ecc_codec_write_run_task_request(&buf, &r, &diag), ECC_ERR_LIMIT);
    assert_string_equal(buf.data, "xy");
    ecc_buf_clean_up(&buf);
    ecc_run_task_request_clean_up(&r);
}

static void test_invalid_utf8_names_member(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    fx_tag(&r.tags, "ok", "fine");
    fx_tag(&r.tags, "bad", "\xc3\x28");
    struct ecc_buf buf;
    ecc_buf_init(&buf, 1024);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_codec_write_run_task_request(&buf, &r, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "tags[1].value");
    assert_int_equal(buf.len, 0);
    ecc_buf_clean_up(&buf);
    ecc_run_task_request_clean_up(&r);
}

/* Plants a string that is not UTF-8 at one place of a realistic request. */
struct s_bad_place {
    fx_builder build;
    void (*plant)(struct ecc_run_task_request *r);
    const char *path;
};

static void s_replace(char **slot) {
    free(*slot);
    *slot = fx_str("x\xed\xa0\x80y"); /* a surrogate: not UTF-8 */
}
static void s_bad_capacity_provider(struct ecc_run_task_request *r) {
    s_replace(&r->capacity_provider_strategy.items[1].capacity_provider);
}
static void s_bad_security_group(struct ecc_run_task_request *r) {
    s_replace(&r->network_configuration.awsvpc_configuration.security_groups.items[0]);
}
static void s_bad_command(struct ecc_run_task_request *r) {
    s_replace(&r->overrides.container_overrides.items[0].command.items[3]);
}
static void s_bad_environment_value(struct ecc_run_task_request *r) {
    s_replace(&r->overrides.container_overrides.items[0].environment.items[1].value);
}
static void s_bad_environment_file_type(struct ecc_run_task_request *r) {
    s_replace(&r->overrides.container_overrides.items[0].environment_files.items[0].type);
}
static void s_bad_accelerator_type(struct ecc_run_task_request *r) {
    s_replace(&r->overrides.inference_accelerator_overrides.items[0].device_type);
}
static void s_bad_ebs_tag_value(struct ecc_run_task_request *r) {
    s_replace(&r->volume_configurations.items[0].managed_ebs_volume.tag_specifications.items[0].tags.items[0].value);
}
static void s_bad_filesystem_type(struct ecc_run_task_request *r) {
    s_replace(&r->volume_configurations.items[0].managed_ebs_volume.filesystem_type);
}
static void s_bad_strategy_field(struct ecc_run_task_request *r) {
    s_replace(&r->placement_strategy.items[1].field);
}
/* Two bad strings: the first in body order (clientToken is written after taskDefinition) is named. */
static void s_bad_token_and_task_definition(struct ecc_run_task_request *r) {
    s_replace(&r->client_token);
    s_replace(&r->task_definition);
}

static void test_check_names_the_string_the_writer_refuses(void **state) {
    (void)state;
    static const struct s_bad_place places[] = {
        {fx_request_capacity, s_bad_capacity_provider, "capacityProviderStrategy[1].capacityProvider"},
        {fx_request_fargate, s_bad_security_group, "networkConfiguration.awsvpcConfiguration.securityGroups[0]"},
        {fx_request_fargate, s_bad_command, "overrides.containerOverrides[0].command[3]"},
        {fx_request_fargate, s_bad_environment_value, "overrides.containerOverrides[0].environment[1].value"},
        {fx_request_overrides, s_bad_environment_file_type, "overrides.containerOverrides[0].environmentFiles[0].type"},
        {fx_request_overrides, s_bad_accelerator_type, "overrides.inferenceAcceleratorOverrides[0].deviceType"},
        {fx_request_volumes,
         s_bad_ebs_tag_value,
         "volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].tags[0].value"},
        {fx_request_volumes, s_bad_filesystem_type, "volumeConfigurations[0].managedEBSVolume.filesystemType"},
        {fx_request_ec2, s_bad_strategy_field, "placementStrategy[1].field"},
        {fx_request_fargate, s_bad_token_and_task_definition, "taskDefinition"},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(fx_all_requests); i++) {
        struct ecc_run_task_request r;
        ecc_run_task_request_init(&r);
        fx_all_requests[i](&r);
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_codec_check_run_task_request(&r, &diag), ECC_OK);
        assert_string_equal(diag.path, "");
        ecc_run_task_request_clean_up(&r);
    }
    for (size_t i = 0; i < ECC_ARRAY_LEN(places); i++) {
        struct ecc_run_task_request r;
        ecc_run_task_request_init(&r);
        places[i].build(&r);
        places[i].plant(&r);
        struct ecc_diag checked;
        ecc_diag_clear(&checked);
        assert_int_equal(ecc_codec_check_run_task_request(&r, &checked), ECC_ERR_INVALID);
        struct ecc_buf buf;
        ecc_buf_init(&buf, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
        struct ecc_diag written;
        ecc_diag_clear(&written);
        assert_int_equal(ecc_codec_write_run_task_request(&buf, &r, &written), ECC_ERR_INVALID);
        assert_int_equal(buf.len, 0);
        ecc_buf_clean_up(&buf);
        if (strcmp(checked.path, places[i].path) != 0 || strcmp(written.path, places[i].path) != 0) {
            fail_msg(
                "place %zu: check named '%s', write '%s', expected '%s'",
                i,
                checked.path,
                written.path,
                places[i].path);
        }
        assert_string_equal(checked.text, written.text);
        ecc_run_task_request_clean_up(&r);
    }
}

/* The check has no cap: a bad string behind more than the default body cap is still found. */
static void test_check_has_no_cap(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    r.started_by = malloc(ECC_CODEC_DEFAULT_MAX_BODY_BYTES + 1);
    assert_non_null(r.started_by);
    memset(r.started_by, 'a', ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    r.started_by[ECC_CODEC_DEFAULT_MAX_BODY_BYTES] = '\0';
    fx_tag(&r.tags, "k", "\xff");
    struct ecc_buf buf;
    ecc_buf_init(&buf, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_codec_write_run_task_request(&buf, &r, &diag), ECC_ERR_LIMIT);
    ecc_buf_clean_up(&buf);
    ecc_diag_clear(&diag);
    assert_int_equal(ecc_codec_check_run_task_request(&r, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "tags[0].value");
    ecc_run_task_request_clean_up(&r);
}

/* The one X-Amz-Target reader: the operation after the last dot, and whether ECS's prefix is before it. */
static void test_read_target(void **state) {
    (void)state;
    struct ecc_aws_json_target read;
    assert_true(ecc_codec_read_target("AmazonEC2ContainerServiceV20141113.RunTask", &read));
    assert_string_equal(read.operation, "RunTask");
    assert_true(read.ecs_prefix);
    assert_true(ecc_codec_read_target("AmazonEC2ContainerServiceV20141113.", &read));
    assert_string_equal(read.operation, "");
    assert_true(read.ecs_prefix);
    static const char *const foreign[] = {
        "DynamoDB_20120810.RunTask",                    /* another service */
        "AmazonEC2ContainerServiceV20141112.RunTask",   /* another version */
        "amazonec2containerservicev20141113.RunTask",   /* the prefix is case-sensitive */
        "X.AmazonEC2ContainerServiceV20141113.RunTask", /* the prefix not first */
        "AmazonEC2ContainerServiceV20141113x.RunTask",  /* the prefix and more */
        ".RunTask",                                     /* no prefix */
    };
    for (size_t i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
        if (!ecc_codec_read_target(foreign[i], &read) || read.ecs_prefix || strcmp(read.operation, "RunTask") != 0) {
            fail_msg("'%s' should read as RunTask under a foreign prefix", foreign[i]);
        }
    }
    static const char *const no_dot[] = {"AmazonEC2ContainerServiceV20141113RunTask", "RunTask", ""};
    for (size_t i = 0; i < sizeof(no_dot) / sizeof(no_dot[0]); i++) {
        if (ecc_codec_read_target(no_dot[i], &read) || read.operation || read.ecs_prefix) {
            fail_msg("'%s' has no dot: it names no operation", no_dot[i]);
        }
    }
    assert_false(ecc_codec_read_target(NULL, &read));
    assert_null(read.operation);
}

static void test_envelope(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    fx_request_fargate(&r);
    struct ecc_http_request http;
    ecc_http_request_init(&http);
    struct ecc_diag diag;
    assert_int_equal(ecc_codec_serialize_run_task_request(&r, NULL, &http, &diag), ECC_OK);
    assert_string_equal(http.method, "POST");
    assert_string_equal(http.path, "/");
    assert_true(http.query == NULL || http.query[0] == '\0');
    assert_string_equal(ecc_http_headers_get(&http.headers, "content-type"), "application/x-amz-json-1.1");
    assert_string_equal(
        ecc_http_headers_get(&http.headers, "x-amz-target"), "AmazonEC2ContainerServiceV20141113.RunTask");
    char length[32];
    snprintf(length, sizeof(length), "%zu", http.body_len);
    assert_string_equal(ecc_http_headers_get(&http.headers, "content-length"), length);
    assert_null(ecc_http_headers_get(&http.headers, "host"));
    assert_int_equal(http.headers.count, 3);
    char *body = s_write(&r);
    assert_int_equal(http.body_len, strlen(body));
    assert_memory_equal(http.body, body, http.body_len);
    free(body);

    /* Generic: any operation, raw body; no body means `{}`; old content replaced. */
    assert_int_equal(ecc_codec_build_aws_json_request("CreateCluster", NULL, 0, &http, &diag), ECC_OK);
    assert_string_equal(
        ecc_http_headers_get(&http.headers, "X-Amz-Target"), "AmazonEC2ContainerServiceV20141113.CreateCluster");
    assert_int_equal(http.body_len, 2);
    assert_memory_equal(http.body, "{}", 2);
    assert_int_equal(http.headers.count, 3);
    assert_string_equal(ecc_http_headers_get(&http.headers, "Content-Length"), "2");
    assert_int_equal(ecc_codec_build_aws_json_request("RunTask", "", 0, &http, &diag), ECC_OK);
    assert_int_equal(http.body_len, 0);
    assert_string_equal(ecc_http_headers_get(&http.headers, "Content-Length"), "0");
    const char *raw = "{\"clusterName\":\"c\"}";
    assert_int_equal(ecc_codec_build_aws_json_request("CreateCluster", raw, strlen(raw), &http, &diag), ECC_OK);
    assert_memory_equal(http.body, raw, strlen(raw));

    static const char *const bad_names[] = {"", "Run Task", "RunTask\r\nX-Evil: 1", "Run.Task", NULL};
    for (size_t i = 0; i < ECC_ARRAY_LEN(bad_names); i++) {
        assert_int_equal(ecc_codec_build_aws_json_request(bad_names[i], NULL, 0, &http, &diag), ECC_ERR_INVALID);
    }
    ecc_http_request_clean_up(&http);
    ecc_run_task_request_clean_up(&r);
}

static void test_shared_shapes(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    fx_request_overrides(&r);
    fx_tag(&r.tags, "k", "v");

    struct ecc_buf buf;
    ecc_buf_init(&buf, 4096);
    struct ecc_diag diag;
    assert_int_equal(ecc_codec_write_task_override(&buf, &r.overrides, &diag), ECC_OK);
    json_error_t error;
    json_t *value = json_loadb(buf.data, buf.len, 0, &error);
    assert_non_null(value);
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    struct ecc_task_override o;
    ecc_task_override_init(&o);
    assert_int_equal(ecc_codec_read_task_override(value, &path, &o, &diag), ECC_OK);
    assert_true(ecc_task_override_equal(&o, &r.overrides));
    ecc_task_override_clean_up(&o);
    json_decref(value);

    ecc_buf_reset(&buf);
    struct ecc_json_writer w;
    ecc_json_writer_init(&w, &buf, &diag);
    ecc_codec_json_write_tags(&w, &r.tags);
    assert_int_equal(ecc_json_writer_finish(&w), ECC_OK);
    assert_string_equal(buf.data, "[{\"key\":\"k\",\"value\":\"v\"}]");
    value = json_loadb(buf.data, buf.len, 0, &error);
    struct ecc_tag_list tags;
    ecc_tag_list_init(&tags);
    assert_int_equal(ecc_codec_read_tags(value, &path, &tags, &diag), ECC_OK);
    assert_true(ecc_tag_list_equal(&tags, &r.tags));
    ecc_tag_list_clean_up(&tags);
    json_decref(value);

    ecc_buf_reset(&buf);
    const struct ecc_key_value_pair_list *env = &r.overrides.container_overrides.items[0].environment;
    ecc_json_writer_init(&w, &buf, &diag);
    ecc_codec_json_write_key_value_pairs(&w, env);
    assert_int_equal(ecc_json_writer_finish(&w), ECC_OK);
    value = json_loadb(buf.data, buf.len, 0, &error);
    struct ecc_key_value_pair_list kv;
    ecc_key_value_pair_list_init(&kv);
    assert_int_equal(ecc_codec_read_key_value_pairs(value, &path, &kv, &diag), ECC_OK);
    assert_true(ecc_key_value_pair_list_equal(&kv, env));
    ecc_key_value_pair_list_clean_up(&kv);
    json_decref(value);

    /* Wrong types at the root, with the caller's path. */
    value = json_loads("{\"tags\":{\"key\":\"k\"}}", 0, &error);
    ecc_json_path_push_member(&path, "tags");
    assert_int_equal(ecc_codec_read_tags(json_object_get(value, "tags"), &path, &tags, &diag), ECC_ERR_INVALID);
    assert_string_equal(diag.path, "tags");
    assert_int_equal(ecc_codec_read_task_override(value, &path, &o, &diag), ECC_OK);
    ecc_task_override_clean_up(&o);
    assert_int_equal(ecc_codec_read_key_value_pairs(value, &path, &kv, &diag), ECC_ERR_INVALID);
    json_decref(value);

    ecc_buf_clean_up(&buf);
    ecc_run_task_request_clean_up(&r);
}

static void test_hostile_bodies(void **state) {
    (void)state;
    struct {
        const char *body;
        size_t len; /* 0: strlen */
        enum ecc_status expected;
    } cases[] = {
        {"{} trailing", 0, ECC_ERR_INVALID},
        {"{\"count\":1e400}", 0, ECC_ERR_INVALID},
        {"{\"count\":-0}", 0, ECC_OK},
        {"{\"count\":99999999999999999999999}", 0, ECC_ERR_INVALID},
        {"{\"cluster\":\"a\\u0000b\"}", 0, ECC_ERR_INVALID},
        {"{\"cluster\":\"\\ud800\"}", 0, ECC_ERR_INVALID},
        {"{\"cluster\":\"a\"}\0{\"x\":1}", 18, ECC_ERR_INVALID},
        {"\xef\xbb\xbf{}", 0, ECC_ERR_INVALID},
        {"null", 0, ECC_ERR_INVALID},
        {"  ", 0, ECC_ERR_INVALID},
        {"{\"tags\":[[[[]]]]}", 0, ECC_ERR_INVALID},
        {"{\"overrides\":{\"containerOverrides\":[{\"environment\":[{\"name\":{\"a\":[1,2]}}]}]}}", 0, ECC_ERR_INVALID},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(cases); i++) {
        struct ecc_run_task_request r;
        ecc_run_task_request_init(&r);
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].body);
        enum ecc_status status = ecc_codec_parse_run_task_request(cases[i].body, len, NULL, &r, NULL, &diag);
        if (status != cases[i].expected) {
            fail_msg("case %zu: status %s (%s)", i, ecc_status_name(status), diag.text);
        }
        assert_true(status == ECC_OK || diag.text[0] != '\0');
        ecc_run_task_request_clean_up(&r);
    }

    /* Deep nesting and a large string within the cap. */
    struct ecc_buf deep;
    ecc_buf_init(&deep, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    assert_int_equal(ecc_buf_append_str(&deep, "{\"tags\":"), ECC_OK);
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(ecc_buf_append_byte(&deep, '['), ECC_OK);
    }
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    struct ecc_diag diag;
    assert_int_equal(ecc_codec_parse_run_task_request(deep.data, deep.len, NULL, &r, NULL, &diag), ECC_ERR_INVALID);
    ecc_run_task_request_clean_up(&r);
    ecc_buf_reset(&deep);
    assert_int_equal(ecc_buf_append_str(&deep, "{\"cluster\":\""), ECC_OK);
    for (int i = 0; i < 500000; i++) {
        assert_int_equal(ecc_buf_append_byte(&deep, 'x'), ECC_OK);
    }
    assert_int_equal(ecc_buf_append_str(&deep, "\"}"), ECC_OK);
    assert_int_equal(ecc_codec_parse_run_task_request(deep.data, deep.len, NULL, &r, NULL, &diag), ECC_OK);
    assert_int_equal(strlen(r.cluster), 500000);
    ecc_run_task_request_clean_up(&r);
    ecc_buf_clean_up(&deep);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_realistic_requests),
        cmocka_unit_test(test_member_names_on_the_wire),
        cmocka_unit_test(test_fargate_and_capacity_on_the_wire),
        cmocka_unit_test(test_empty_request_is_empty_object),
        cmocka_unit_test(test_absent_vs_empty_survives_round_trip),
        cmocka_unit_test(test_nulls_are_absent_and_empty_body_is_empty_object),
        cmocka_unit_test(test_type_errors_name_the_member_path),
        cmocka_unit_test(test_invalid_json_has_position),
        cmocka_unit_test(test_unknown_members),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_invalid_utf8_names_member),
        cmocka_unit_test(test_check_names_the_string_the_writer_refuses),
        cmocka_unit_test(test_check_has_no_cap),
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_read_target),
        cmocka_unit_test(test_shared_shapes),
        cmocka_unit_test(test_hostile_bodies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

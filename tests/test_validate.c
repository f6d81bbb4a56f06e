/* RunTask validation: one negative test (and the boundary on both sides) for every rule. */
#include "test_support.h"

#include "ecc/codec_request.h"
#include "ecc/json.h"
#include "ecc/validate.h"
#include "request_fixtures.h"

/* `count` copies of `unit` (a UTF-8 character or any string), malloc'ed. */
static char *s_repeat(const char *unit, size_t count) {
    size_t len = strlen(unit);
    char *text = malloc(len * count + 1);
    if (!text) {
        abort();
    }
    for (size_t i = 0; i < count; i++) {
        memcpy(text + i * len, unit, len);
    }
    text[len * count] = '\0';
    return text;
}

typedef void (*s_mutator)(struct ecc_run_task_request *r, struct ecc_validate_options *options);

struct s_case {
    const char *name;
    s_mutator mutate;
    const char *path;    /* NULL: the request must be valid */
    const char *rule_id; /* the rule expected at `path` */
};

#define MUT(name)      static void name(struct ecc_run_task_request *r, struct ecc_validate_options *options)
#define UNUSED_OPTIONS (void)options

static void s_set_count(struct ecc_run_task_request *r, int32_t count) {
    r->has_count = true;
    r->count = count;
}
MUT(count_neg) {
    UNUSED_OPTIONS;
    s_set_count(r, -1);
}
MUT(count_0) {
    UNUSED_OPTIONS;
    s_set_count(r, 0);
}
MUT(count_1) {
    UNUSED_OPTIONS;
    s_set_count(r, 1);
}
MUT(count_10) {
    UNUSED_OPTIONS;
    s_set_count(r, 10);
}
MUT(count_11) {
    UNUSED_OPTIONS;
    s_set_count(r, 11);
}
MUT(no_task_definition) {
    UNUSED_OPTIONS;
    free(r->task_definition);
    r->task_definition = NULL;
}

MUT(token_64) {
    UNUSED_OPTIONS;
    r->client_token = s_repeat("a", 64);
}
MUT(token_empty) {
    UNUSED_OPTIONS;
    r->client_token = fx_str("");
}
MUT(token_1) {
    UNUSED_OPTIONS;
    r->client_token = fx_str("a");
}
MUT(token_65) {
    UNUSED_OPTIONS;
    r->client_token = s_repeat("a", 65);
}
MUT(token_char_32) {
    UNUSED_OPTIONS;
    r->client_token = fx_str("ab cd");
}
MUT(token_char_33) {
    UNUSED_OPTIONS;
    r->client_token = fx_str("ab!cd");
}
MUT(token_char_126) {
    UNUSED_OPTIONS;
    r->client_token = fx_str("ab~cd");
}
MUT(token_char_127) {
    UNUSED_OPTIONS;
    r->client_token = fx_str("ab\x7f"
                             "cd");
}
MUT(token_non_ascii) {
    UNUSED_OPTIONS;
    r->client_token = fx_str("ab\xc3\xa9");
}

MUT(launch_type_bogus) {
    UNUSED_OPTIONS;
    r->launch_type = fx_str("fargate");
}
MUT(launch_type_managed) {
    UNUSED_OPTIONS;
    r->launch_type = fx_str("MANAGED_INSTANCES");
}
static void s_add_provider(struct ecc_run_task_request *r, const char *name, int weight, int base) {
    struct ecc_capacity_provider_strategy_item *item = FX_APPEND(&r->capacity_provider_strategy);
    item->capacity_provider = name ? fx_str(name) : NULL;
    if (weight >= -1000000) {
        item->has_weight = true;
        item->weight = weight;
    }
    if (base >= -1000000) {
        item->has_base = true;
        item->base = base;
    }
}
#define NONE (-2000000)
MUT(launch_type_and_strategy) {
    UNUSED_OPTIONS;
    r->launch_type = fx_str("FARGATE");
    s_add_provider(r, "FARGATE", 1, NONE);
}
MUT(launch_type_and_empty_strategy) {
    UNUSED_OPTIONS;
    r->launch_type = fx_str("FARGATE");
    r->capacity_provider_strategy.has = true;
}
MUT(platform_with_ec2) {
    UNUSED_OPTIONS;
    r->launch_type = fx_str("EC2");
    r->platform_version = fx_str("LATEST");
}
MUT(platform_with_fargate) {
    UNUSED_OPTIONS;
    r->launch_type = fx_str("FARGATE");
    r->platform_version = fx_str("LATEST");
}
MUT(providers_20) {
    UNUSED_OPTIONS;
    for (int i = 0; i < 20; i++)
        s_add_provider(r, "cp", 1, NONE);
}
MUT(providers_21) {
    UNUSED_OPTIONS;
    for (int i = 0; i < 21; i++)
        s_add_provider(r, "cp", 1, NONE);
}
MUT(provider_unnamed) {
    UNUSED_OPTIONS;
    s_add_provider(r, NULL, 1, NONE);
}
MUT(weight_neg) {
    UNUSED_OPTIONS;
    s_add_provider(r, "cp", -1, NONE);
}
MUT(weight_0) {
    UNUSED_OPTIONS;
    s_add_provider(r, "cp", 0, NONE);
}
MUT(weight_1000) {
    UNUSED_OPTIONS;
    s_add_provider(r, "cp", 1000, NONE);
}
MUT(weight_1001) {
    UNUSED_OPTIONS;
    s_add_provider(r, "cp", 1001, NONE);
}
MUT(base_neg) {
    UNUSED_OPTIONS;
    s_add_provider(r, "cp", 1, -1);
}
MUT(base_0) {
    UNUSED_OPTIONS;
    s_add_provider(r, "cp", 1, 0);
}
MUT(base_100000) {
    UNUSED_OPTIONS;
    s_add_provider(r, "cp", 1, 100000);
}
MUT(base_100001) {
    UNUSED_OPTIONS;
    s_add_provider(r, "cp", 1, 100001);
}
MUT(weights_all_zero) {
    UNUSED_OPTIONS;
    s_add_provider(r, "a", 0, NONE);
    s_add_provider(r, "b", NONE, NONE);
}
MUT(two_bases) {
    UNUSED_OPTIONS;
    s_add_provider(r, "a", 1, 2);
    s_add_provider(r, "b", 1, 3);
}
MUT(base_zero_twice) {
    UNUSED_OPTIONS;
    s_add_provider(r, "a", 1, 0);
    s_add_provider(r, "b", 1, 5);
    s_add_provider(r, "c", 1, 0);
}

static struct ecc_aws_vpc_configuration *s_vpc(struct ecc_run_task_request *r) {
    r->has_network_configuration = true;
    r->network_configuration.has_awsvpc_configuration = true;
    return &r->network_configuration.awsvpc_configuration;
}
static void s_strings(struct ecc_string_list *list, size_t count) {
    list->has = true;
    for (size_t i = 0; i < count; i++) {
        if (ecc_string_list_append(list, "x") != ECC_OK) {
            abort();
        }
    }
}
MUT(no_subnets) {
    UNUSED_OPTIONS;
    s_vpc(r)->assign_public_ip = fx_str("ENABLED");
}
MUT(subnets_16) {
    UNUSED_OPTIONS;
    s_strings(&s_vpc(r)->subnets, 16);
}
MUT(subnets_17) {
    UNUSED_OPTIONS;
    s_strings(&s_vpc(r)->subnets, 17);
}
MUT(groups_5) {
    UNUSED_OPTIONS;
    struct ecc_aws_vpc_configuration *v = s_vpc(r);
    s_strings(&v->subnets, 1);
    s_strings(&v->security_groups, 5);
}
MUT(groups_6) {
    UNUSED_OPTIONS;
    struct ecc_aws_vpc_configuration *v = s_vpc(r);
    s_strings(&v->subnets, 1);
    s_strings(&v->security_groups, 6);
}
MUT(public_ip_bogus) {
    UNUSED_OPTIONS;
    struct ecc_aws_vpc_configuration *v = s_vpc(r);
    s_strings(&v->subnets, 1);
    v->assign_public_ip = fx_str("enabled");
}
MUT(network_without_vpc) {
    UNUSED_OPTIONS;
    r->has_network_configuration = true;
}

static struct ecc_container_override *s_container(struct ecc_run_task_request *r, const char *name) {
    r->has_overrides = true;
    struct ecc_container_override *co = FX_APPEND(&r->overrides.container_overrides);
    co->name = name ? fx_str(name) : NULL;
    return co;
}
/* Overrides whose compact JSON is exactly `chars` characters, made of `unit` (1 character each). */
static void s_overrides_of(struct ecc_run_task_request *r, const char *unit, size_t chars) {
    struct ecc_container_override *co = s_container(r, "c");
    struct ecc_key_value_pair *kv = FX_APPEND(&co->environment);
    kv->name = fx_str("K");
    kv->value = fx_str("");
    struct ecc_buf buf;
    ecc_buf_init(&buf, 1024);
    struct ecc_diag diag;
    assert_int_equal(ecc_codec_write_task_override(&buf, &r->overrides, &diag), ECC_OK);
    assert_true(chars > buf.len);
    free(kv->value);
    kv->value = s_repeat(unit, chars - buf.len);
    ecc_buf_clean_up(&buf);
}
MUT(overrides_8192) {
    UNUSED_OPTIONS;
    s_overrides_of(r, "a", 8192);
}
MUT(overrides_8193) {
    UNUSED_OPTIONS;
    s_overrides_of(r, "a", 8193);
}
MUT(overrides_8192_multibyte) {
    UNUSED_OPTIONS;
    s_overrides_of(r, "\xc3\xa9", 8192);
}
MUT(overrides_8193_multibyte) {
    UNUSED_OPTIONS;
    s_overrides_of(r, "\xc3\xa9", 8193);
}
MUT(overrides_huge) {
    UNUSED_OPTIONS;
    s_overrides_of(r, "abcd", 40000);
}
MUT(overrides_escapes_count) {
    UNUSED_OPTIONS;
    s_overrides_of(r, "\"", 8192);
} /* each " is 2 characters of JSON */
MUT(overrides_bad_utf8) {
    UNUSED_OPTIONS;
    struct ecc_container_override *co = s_container(r, "c");
    struct ecc_key_value_pair *kv = FX_APPEND(&co->environment);
    kv->name = fx_str("K");
    kv->value = fx_str("\xed\xa0\x80");
}
MUT(container_no_name) {
    UNUSED_OPTIONS;
    s_container(r, NULL)->command.has = true;
}
MUT(container_name_only) {
    UNUSED_OPTIONS;
    s_container(r, "c");
}
MUT(container_empty) {
    UNUSED_OPTIONS;
    s_container(r, NULL);
}
static void s_env_file(struct ecc_run_task_request *r, const char *value, const char *type) {
    s_container(r, "a");
    struct ecc_container_override *co = s_container(r, "b");
    struct ecc_environment_file *f = FX_APPEND(&co->environment_files);
    f->value = value ? fx_str(value) : NULL;
    f->type = type ? fx_str(type) : NULL;
}
MUT(env_file_no_value) {
    UNUSED_OPTIONS;
    s_env_file(r, NULL, "s3");
}
MUT(env_file_no_type) {
    UNUSED_OPTIONS;
    s_env_file(r, "arn", NULL);
}
MUT(env_file_bad_type) {
    UNUSED_OPTIONS;
    s_env_file(r, "arn", "S3");
}
MUT(env_file_ok) {
    UNUSED_OPTIONS;
    s_env_file(r, "arn", "s3");
}
static void s_requirement(struct ecc_run_task_request *r, const char *type, const char *value) {
    struct ecc_container_override *co = s_container(r, "c");
    struct ecc_resource_requirement *req = FX_APPEND(&co->resource_requirements);
    req->type = type ? fx_str(type) : NULL;
    req->value = value ? fx_str(value) : NULL;
}
MUT(requirement_no_value) {
    UNUSED_OPTIONS;
    s_requirement(r, "GPU", NULL);
}
MUT(requirement_no_type) {
    UNUSED_OPTIONS;
    s_requirement(r, NULL, "1");
}
MUT(requirement_bad_type) {
    UNUSED_OPTIONS;
    s_requirement(r, "gpu", "1");
}
MUT(requirement_neuron_1) {
    UNUSED_OPTIONS;
    s_requirement(r, "NeuronDevice", "1");
}
MUT(requirement_neuron_all) {
    UNUSED_OPTIONS;
    s_requirement(r, "NeuronDevice", "ALL");
}
static void s_ephemeral(struct ecc_run_task_request *r, bool has, int32_t size) {
    r->has_overrides = true;
    r->overrides.has_ephemeral_storage = true;
    r->overrides.ephemeral_storage.has_size_in_gib = has;
    r->overrides.ephemeral_storage.size_in_gib = size;
}
MUT(ephemeral_missing) {
    UNUSED_OPTIONS;
    s_ephemeral(r, false, 0);
}
MUT(ephemeral_20) {
    UNUSED_OPTIONS;
    s_ephemeral(r, true, 20);
}
MUT(ephemeral_21) {
    UNUSED_OPTIONS;
    s_ephemeral(r, true, 21);
}
MUT(ephemeral_200) {
    UNUSED_OPTIONS;
    s_ephemeral(r, true, 200);
}
MUT(ephemeral_201) {
    UNUSED_OPTIONS;
    s_ephemeral(r, true, 201);
}

static void s_accelerators(struct ecc_run_task_request *r, size_t count) {
    r->has_overrides = true;
    r->overrides.inference_accelerator_overrides.has = true;
    for (size_t i = 0; i < count; i++) {
        struct ecc_inference_accelerator_override *a = FX_APPEND(&r->overrides.inference_accelerator_overrides);
        a->device_name = fx_str("device_1");
        a->device_type = fx_str("eia2.medium");
    }
}
MUT(accelerators_empty) {
    UNUSED_OPTIONS;
    s_accelerators(r, 0);
}
MUT(accelerators_one) {
    UNUSED_OPTIONS;
    s_accelerators(r, 1);
}

static void s_constraints(struct ecc_run_task_request *r, size_t count) {
    for (size_t i = 0; i < count; i++) {
        struct ecc_placement_constraint *c = FX_APPEND(&r->placement_constraints);
        c->type = fx_str("memberOf");
        c->expression = fx_str("attribute:ecs.os-type == linux");
    }
}
MUT(constraints_10) {
    UNUSED_OPTIONS;
    s_constraints(r, 10);
}
MUT(constraints_11) {
    UNUSED_OPTIONS;
    s_constraints(r, 11);
}
MUT(constraints_8_plus_2) {
    s_constraints(r, 8);
    options->task_definition_placement_constraints = 2;
}
MUT(constraints_8_plus_3) {
    s_constraints(r, 8);
    options->task_definition_placement_constraints = 3;
}
MUT(constraints_0_plus_11) {
    UNUSED_OPTIONS;
    options->task_definition_placement_constraints = 11;
    (void)r;
}
MUT(constraint_bad_type) {
    UNUSED_OPTIONS;
    s_constraints(r, 2);
    free(r->placement_constraints.items[1].type);
    r->placement_constraints.items[1].type = fx_str("distinct");
}
MUT(expression_2000) {
    UNUSED_OPTIONS;
    s_constraints(r, 1);
    free(r->placement_constraints.items[0].expression);
    r->placement_constraints.items[0].expression = s_repeat("e", 2000);
}
MUT(expression_2001) {
    UNUSED_OPTIONS;
    s_constraints(r, 1);
    free(r->placement_constraints.items[0].expression);
    r->placement_constraints.items[0].expression = s_repeat("e", 2001);
}
MUT(distinct_with_expression) {
    UNUSED_OPTIONS;
    s_constraints(r, 1);
    free(r->placement_constraints.items[0].type);
    r->placement_constraints.items[0].type = fx_str("distinctInstance");
}
MUT(distinct_alone) {
    UNUSED_OPTIONS;
    FX_APPEND(&r->placement_constraints);
    r->placement_constraints.items[0].type = fx_str("distinctInstance");
}
static void s_strategies(struct ecc_run_task_request *r, size_t count, const char *type, const char *field) {
    for (size_t i = 0; i < count; i++) {
        struct ecc_placement_strategy *s = FX_APPEND(&r->placement_strategy);
        s->type = fx_str(type);
        s->field = field ? fx_str(field) : NULL;
    }
}
MUT(strategies_5) {
    UNUSED_OPTIONS;
    s_strategies(r, 5, "spread", "instanceId");
}
MUT(strategies_6) {
    UNUSED_OPTIONS;
    s_strategies(r, 6, "spread", "instanceId");
}
MUT(strategy_bad_type) {
    UNUSED_OPTIONS;
    s_strategies(r, 1, "Random", NULL);
}
MUT(binpack_disk) {
    UNUSED_OPTIONS;
    s_strategies(r, 1, "binpack", "disk");
}
MUT(binpack_cpu) {
    UNUSED_OPTIONS;
    s_strategies(r, 1, "binpack", "cpu");
}
MUT(propagate_service) {
    UNUSED_OPTIONS;
    r->propagate_tags = fx_str("SERVICE");
}
MUT(propagate_bogus) {
    UNUSED_OPTIONS;
    r->propagate_tags = fx_str("task_definition");
}
MUT(propagate_none) {
    UNUSED_OPTIONS;
    r->propagate_tags = fx_str("NONE");
}

MUT(started_by_128) {
    UNUSED_OPTIONS;
    r->started_by = s_repeat("a", 128);
}
MUT(started_by_129) {
    UNUSED_OPTIONS;
    r->started_by = s_repeat("a", 129);
}
MUT(started_by_legacy_36) {
    r->started_by = s_repeat("a", 36);
    options->started_by_max_chars = ECC_STARTED_BY_LEGACY_MAX_CHARS;
}
MUT(started_by_legacy_37) {
    r->started_by = s_repeat("a", 37);
    options->started_by_max_chars = ECC_STARTED_BY_LEGACY_MAX_CHARS;
}
MUT(started_by_space) {
    UNUSED_OPTIONS;
    r->started_by = fx_str("a b");
}
MUT(started_by_dot) {
    UNUSED_OPTIONS;
    r->started_by = fx_str("a.b");
}
MUT(started_by_allowed) {
    UNUSED_OPTIONS;
    r->started_by = fx_str("A-z_0/9");
}

static void s_tags(struct ecc_run_task_request *r, size_t count) {
    for (size_t i = 0; i < count; i++) {
        char key[32];
        snprintf(key, sizeof(key), "k%zu", i);
        fx_tag(&r->tags, key, "v");
    }
}
static void s_one_tag(struct ecc_run_task_request *r, char *key, char *value) {
    fx_tag(&r->tags, "first", "ok");
    struct ecc_tag *tag = FX_APPEND(&r->tags);
    tag->key = key;
    tag->value = value;
}
MUT(tags_50) {
    UNUSED_OPTIONS;
    s_tags(r, 50);
}
MUT(tags_51) {
    UNUSED_OPTIONS;
    s_tags(r, 51);
}
MUT(tag_key_empty) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str(""), NULL);
}
MUT(tag_key_absent) {
    UNUSED_OPTIONS;
    s_one_tag(r, NULL, fx_str("v"));
}
MUT(tag_key_1) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("k"), NULL);
}
MUT(tag_key_128) {
    UNUSED_OPTIONS;
    s_one_tag(r, s_repeat("k", 128), NULL);
}
MUT(tag_key_129) {
    UNUSED_OPTIONS;
    s_one_tag(r, s_repeat("k", 129), NULL);
}
MUT(tag_key_128_multibyte) {
    UNUSED_OPTIONS;
    s_one_tag(r, s_repeat("\xc3\xa9", 128), NULL);
}
MUT(tag_key_129_multibyte) {
    UNUSED_OPTIONS;
    s_one_tag(r, s_repeat("\xc3\xa9", 129), NULL);
}
MUT(tag_value_empty) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("k"), fx_str(""));
}
MUT(tag_value_256) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("k"), s_repeat("v", 256));
}
MUT(tag_value_257) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("k"), s_repeat("v", 257));
}
MUT(tag_key_bang) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("a!b"), NULL);
}
MUT(tag_key_tab) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("a\tb"), NULL);
}
MUT(tag_all_allowed) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("Az09 _.:/=+-@\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87"), fx_str("\xe2\x80\x83\xd9\xa3"));
}
MUT(tag_value_emoji) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("k"), fx_str("\xf0\x9f\x98\x80"));
}
MUT(tag_key_aws) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("aws:team"), NULL);
}
MUT(tag_key_aws_mixed_case) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("AwS:team"), NULL);
}
MUT(tag_value_aws) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("k"), fx_str("AWS:x"));
}
MUT(tag_key_awsx) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("awsteam"), fx_str("aws"));
}
MUT(tag_key_duplicate) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("first"), fx_str("again"));
}
MUT(tag_key_bad_utf8) {
    UNUSED_OPTIONS;
    s_one_tag(r, fx_str("\xc0\xaf"), NULL);
}
/* fuzz_request_serializer regressions: members without a length rule were not checked for UTF-8, so a
 * request validation accepted could not be serialized. */
MUT(task_definition_bad_utf8) {
    UNUSED_OPTIONS;
    free(r->task_definition);
    r->task_definition = fx_str("web\xc0\xaf");
}
MUT(subnet_bad_utf8) {
    UNUSED_OPTIONS;
    r->has_network_configuration = true;
    r->network_configuration.has_awsvpc_configuration = true;
    static const char *const subnets[] = {"subnet-1", "subnet-\xed\xa0\x80"};
    fx_strings(&r->network_configuration.awsvpc_configuration.subnets, subnets, 2);
}

static struct ecc_task_managed_ebs_volume_configuration *s_ebs(struct ecc_run_task_request *r);
/* Deep in nested members, in places no other rule reads: the string check alone must name them. */
MUT(ebs_kms_key_bad_utf8) {
    UNUSED_OPTIONS;
    struct ecc_task_volume_configuration *plain = FX_APPEND(&r->volume_configurations);
    plain->name = fx_str("first");
    s_ebs(r)->kms_key_id = fx_str("arn:aws:kms:\xf4\x90\x80\x80");
}
MUT(security_group_bad_utf8) {
    UNUSED_OPTIONS;
    r->has_network_configuration = true;
    r->network_configuration.has_awsvpc_configuration = true;
    static const char *const subnets[] = {"subnet-1"};
    static const char *const groups[] = {"sg-1", "sg-2", "sg-\xc3"};
    fx_strings(&r->network_configuration.awsvpc_configuration.subnets, subnets, 1);
    fx_strings(&r->network_configuration.awsvpc_configuration.security_groups, groups, 3);
}
/* A body over the codec's 1 MiB cap before the bad string: it is still named (the check has no cap). */
MUT(task_definition_bad_utf8_behind_a_huge_group) {
    UNUSED_OPTIONS;
    r->group = s_repeat("g", ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    free(r->task_definition);
    r->task_definition = fx_str("web\xff");
}

static struct ecc_task_managed_ebs_volume_configuration *s_ebs(struct ecc_run_task_request *r) {
    struct ecc_task_volume_configuration *v = FX_APPEND(&r->volume_configurations);
    v->name = fx_str("data");
    v->has_managed_ebs_volume = true;
    v->managed_ebs_volume.role_arn = fx_str("arn:aws:iam::1:role/r");
    v->managed_ebs_volume.has_size_in_gib = true;
    v->managed_ebs_volume.size_in_gib = 10;
    return &v->managed_ebs_volume;
}
static struct ecc_ebs_tag_specification *s_tag_spec(struct ecc_run_task_request *r) {
    struct ecc_task_managed_ebs_volume_configuration *ebs = s_ebs(r);
    struct ecc_ebs_tag_specification *spec = FX_APPEND(&ebs->tag_specifications);
    spec->resource_type = fx_str("volume");
    return spec;
}
MUT(volume_no_name) {
    UNUSED_OPTIONS;
    s_ebs(r);
    free(r->volume_configurations.items[0].name);
    r->volume_configurations.items[0].name = NULL;
}
MUT(ebs_no_role) {
    UNUSED_OPTIONS;
    struct ecc_task_managed_ebs_volume_configuration *e = s_ebs(r);
    free(e->role_arn);
    e->role_arn = NULL;
}
MUT(ebs_no_size_no_snapshot) {
    UNUSED_OPTIONS;
    s_ebs(r)->has_size_in_gib = false;
}
MUT(ebs_snapshot_only) {
    UNUSED_OPTIONS;
    struct ecc_task_managed_ebs_volume_configuration *e = s_ebs(r);
    e->has_size_in_gib = false;
    e->snapshot_id = fx_str("snap-1");
}
MUT(ebs_rate_without_snapshot) {
    UNUSED_OPTIONS;
    struct ecc_task_managed_ebs_volume_configuration *e = s_ebs(r);
    e->has_volume_initialization_rate = true;
    e->volume_initialization_rate = 100;
}
MUT(ebs_throughput_1000) {
    UNUSED_OPTIONS;
    struct ecc_task_managed_ebs_volume_configuration *e = s_ebs(r);
    e->has_throughput = true;
    e->throughput = 1000;
    e->volume_type = fx_str("gp3");
}
MUT(ebs_throughput_1001) {
    UNUSED_OPTIONS;
    struct ecc_task_managed_ebs_volume_configuration *e = s_ebs(r);
    e->has_throughput = true;
    e->throughput = 1001;
}
MUT(ebs_throughput_gp2) {
    UNUSED_OPTIONS;
    struct ecc_task_managed_ebs_volume_configuration *e = s_ebs(r);
    e->has_throughput = true;
    e->throughput = 125;
    e->volume_type = fx_str("gp2");
}
MUT(ebs_volume_type_free_form) {
    UNUSED_OPTIONS;
    s_ebs(r)->volume_type = fx_str("some-future-type");
}
MUT(ebs_filesystem_bogus) {
    UNUSED_OPTIONS;
    s_ebs(r)->filesystem_type = fx_str("btrfs");
}
MUT(ebs_filesystem_ntfs) {
    UNUSED_OPTIONS;
    s_ebs(r)->filesystem_type = fx_str("ntfs");
}
MUT(tag_spec_no_resource_type) {
    UNUSED_OPTIONS;
    struct ecc_ebs_tag_specification *s = s_tag_spec(r);
    free(s->resource_type);
    s->resource_type = NULL;
}
MUT(tag_spec_bad_resource_type) {
    UNUSED_OPTIONS;
    struct ecc_ebs_tag_specification *s = s_tag_spec(r);
    free(s->resource_type);
    s->resource_type = fx_str("snapshot");
}
MUT(tag_spec_bad_propagate) {
    UNUSED_OPTIONS;
    s_tag_spec(r)->propagate_tags = fx_str("ALL");
}
MUT(tag_spec_propagate_service) {
    UNUSED_OPTIONS;
    s_tag_spec(r)->propagate_tags = fx_str("SERVICE");
}
MUT(tag_spec_reserved_key) {
    UNUSED_OPTIONS;
    struct ecc_ebs_tag_specification *s = s_tag_spec(r);
    fx_tag(&s->tags, "AmazonECSManaged", "true");
}
MUT(tag_spec_aws_key) {
    UNUSED_OPTIONS;
    struct ecc_ebs_tag_specification *s = s_tag_spec(r);
    fx_tag(&s->tags, "aws:x", "y");
}
MUT(tag_spec_51_tags) {
    UNUSED_OPTIONS;
    struct ecc_ebs_tag_specification *s = s_tag_spec(r);
    for (int i = 0; i < 51; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", i);
        fx_tag(&s->tags, k, NULL);
    }
}
MUT(termination_policy_empty) {
    UNUSED_OPTIONS;
    s_ebs(r)->has_termination_policy = true;
}

static const struct s_case s_cases[] = {
    {"count -1", count_neg, "count", "count.range"},
    {"count 0", count_0, "count", "count.range"},
    {"count 1", count_1, NULL, NULL},
    {"count 10", count_10, NULL, NULL},
    {"count 11", count_11, "count", "count.range"},
    {"no taskDefinition", no_task_definition, "taskDefinition", "taskDefinition.required"},
    {"token 64", token_64, NULL, NULL},
    {"token 65", token_65, "clientToken", "clientToken.length"},
    {"token empty", token_empty, "clientToken", "clientToken.length"},
    {"token 1", token_1, NULL, NULL},
    {"token char 32", token_char_32, "clientToken", "clientToken.characters"},
    {"token char 33", token_char_33, NULL, NULL},
    {"token char 126", token_char_126, NULL, NULL},
    {"token char 127", token_char_127, "clientToken", "clientToken.characters"},
    {"token non-ASCII", token_non_ascii, "clientToken", "clientToken.characters"},
    {"launchType case", launch_type_bogus, "launchType", "launchType.enum"},
    {"launchType managed", launch_type_managed, "launchType", "launchType.managedInstances"},
    {"launchType and strategy", launch_type_and_strategy, "launchType", "launchType.exclusive"},
    {"launchType and []", launch_type_and_empty_strategy, NULL, NULL},
    {"platform with EC2", platform_with_ec2, "platformVersion", "platformVersion.launchType"},
    {"platform with FARGATE", platform_with_fargate, NULL, NULL},
    {"20 providers", providers_20, NULL, NULL},
    {"21 providers", providers_21, "capacityProviderStrategy", "capacityProviderStrategy.max"},
    {"provider unnamed",
     provider_unnamed,
     "capacityProviderStrategy[0].capacityProvider",
     "capacityProviderStrategy.capacityProvider.required"},
    {"weight -1", weight_neg, "capacityProviderStrategy[0].weight", "capacityProviderStrategy.weight.range"},
    {"weight 0", weight_0, NULL, NULL},
    {"weight 1000", weight_1000, NULL, NULL},
    {"weight 1001", weight_1001, "capacityProviderStrategy[0].weight", "capacityProviderStrategy.weight.range"},
    {"base -1", base_neg, "capacityProviderStrategy[0].base", "capacityProviderStrategy.base.range"},
    {"base 0", base_0, NULL, NULL},
    {"base 100000", base_100000, NULL, NULL},
    {"base 100001", base_100001, "capacityProviderStrategy[0].base", "capacityProviderStrategy.base.range"},
    {"weights all 0", weights_all_zero, "capacityProviderStrategy", "capacityProviderStrategy.weight.none"},
    {"two bases", two_bases, "capacityProviderStrategy[1].base", "capacityProviderStrategy.base.one"},
    {"base 0 twice", base_zero_twice, NULL, NULL},
    {"no subnets",
     no_subnets,
     "networkConfiguration.awsvpcConfiguration.subnets",
     "awsvpcConfiguration.subnets.required"},
    {"16 subnets", subnets_16, NULL, NULL},
    {"17 subnets", subnets_17, "networkConfiguration.awsvpcConfiguration.subnets", "awsvpcConfiguration.subnets.max"},
    {"5 groups", groups_5, NULL, NULL},
    {"6 groups",
     groups_6,
     "networkConfiguration.awsvpcConfiguration.securityGroups",
     "awsvpcConfiguration.securityGroups.max"},
    {"assignPublicIp case",
     public_ip_bogus,
     "networkConfiguration.awsvpcConfiguration.assignPublicIp",
     "awsvpcConfiguration.assignPublicIp.enum"},
    {"network {}", network_without_vpc, NULL, NULL},
    {"overrides 8192", overrides_8192, NULL, NULL},
    {"overrides 8193", overrides_8193, "overrides", "overrides.length"},
    {"overrides 8192 chars multibyte", overrides_8192_multibyte, NULL, NULL},
    {"overrides 8193 chars multibyte", overrides_8193_multibyte, "overrides", "overrides.length"},
    {"overrides huge", overrides_huge, "overrides", "overrides.length"},
    {"overrides escapes count", overrides_escapes_count, "overrides", "overrides.length"},
    {"overrides bad UTF-8", overrides_bad_utf8, "overrides.containerOverrides[0].environment[0].value", "string.utf8"},
    {"container no name", container_no_name, "overrides.containerOverrides[0].name", "containerOverride.name.required"},
    {"container name only", container_name_only, NULL, NULL},
    {"container empty", container_empty, NULL, NULL},
    {"env file no value",
     env_file_no_value,
     "overrides.containerOverrides[1].environmentFiles[0].value",
     "environmentFile.value.required"},
    {"env file no type",
     env_file_no_type,
     "overrides.containerOverrides[1].environmentFiles[0].type",
     "environmentFile.type.required"},
    {"env file type case",
     env_file_bad_type,
     "overrides.containerOverrides[1].environmentFiles[0].type",
     "environmentFile.type.enum"},
    {"env file ok", env_file_ok, NULL, NULL},
    {"requirement no value",
     requirement_no_value,
     "overrides.containerOverrides[0].resourceRequirements[0].value",
     "resourceRequirement.value.required"},
    {"requirement no type",
     requirement_no_type,
     "overrides.containerOverrides[0].resourceRequirements[0].type",
     "resourceRequirement.type.required"},
    {"requirement type case",
     requirement_bad_type,
     "overrides.containerOverrides[0].resourceRequirements[0].type",
     "resourceRequirement.type.enum"},
    {"neuron 1",
     requirement_neuron_1,
     "overrides.containerOverrides[0].resourceRequirements[0].value",
     "resourceRequirement.neuronDevice.value"},
    {"neuron ALL", requirement_neuron_all, NULL, NULL},
    {"ephemeral {}", ephemeral_missing, "overrides.ephemeralStorage.sizeInGiB", "ephemeralStorage.sizeInGiB.required"},
    {"ephemeral 20", ephemeral_20, "overrides.ephemeralStorage.sizeInGiB", "ephemeralStorage.sizeInGiB.range"},
    {"ephemeral 21", ephemeral_21, NULL, NULL},
    {"ephemeral 200", ephemeral_200, NULL, NULL},
    {"ephemeral 201", ephemeral_201, "overrides.ephemeralStorage.sizeInGiB", "ephemeralStorage.sizeInGiB.range"},
    {"accelerators []", accelerators_empty, NULL, NULL},
    {"accelerator override",
     accelerators_one,
     "overrides.inferenceAcceleratorOverrides",
     "inferenceAcceleratorOverrides.retired"},
    {"10 constraints", constraints_10, NULL, NULL},
    {"11 constraints", constraints_11, "placementConstraints", "placementConstraints.max"},
    {"8 + 2 constraints", constraints_8_plus_2, NULL, NULL},
    {"8 + 3 constraints", constraints_8_plus_3, "placementConstraints", "placementConstraints.max"},
    {"0 + 11 constraints", constraints_0_plus_11, "placementConstraints", "placementConstraints.max"},
    {"constraint type", constraint_bad_type, "placementConstraints[1].type", "placementConstraint.type.enum"},
    {"expression 2000", expression_2000, NULL, NULL},
    {"expression 2001", expression_2001, "placementConstraints[0].expression", "placementConstraint.expression.length"},
    {"distinct with expression",
     distinct_with_expression,
     "placementConstraints[0].expression",
     "placementConstraint.expression.distinctInstance"},
    {"distinct alone", distinct_alone, NULL, NULL},
    {"5 strategies", strategies_5, NULL, NULL},
    {"6 strategies", strategies_6, "placementStrategy", "placementStrategy.max"},
    {"strategy type case", strategy_bad_type, "placementStrategy[0].type", "placementStrategy.type.enum"},
    {"binpack disk", binpack_disk, "placementStrategy[0].field", "placementStrategy.binpack.field"},
    {"binpack cpu", binpack_cpu, NULL, NULL},
    {"propagate SERVICE", propagate_service, "propagateTags", "propagateTags.service"},
    {"propagate case", propagate_bogus, "propagateTags", "propagateTags.enum"},
    {"propagate NONE", propagate_none, NULL, NULL},
    {"startedBy 128", started_by_128, NULL, NULL},
    {"startedBy 129", started_by_129, "startedBy", "startedBy.length"},
    {"startedBy legacy 36", started_by_legacy_36, NULL, NULL},
    {"startedBy legacy 37", started_by_legacy_37, "startedBy", "startedBy.length"},
    {"startedBy space", started_by_space, "startedBy", "startedBy.characters"},
    {"startedBy dot", started_by_dot, "startedBy", "startedBy.characters"},
    {"startedBy allowed", started_by_allowed, NULL, NULL},
    {"50 tags", tags_50, NULL, NULL},
    {"51 tags", tags_51, "tags", "tags.max"},
    {"tag key empty", tag_key_empty, "tags[1].key", "tag.key.length"},
    {"tag key absent", tag_key_absent, "tags[1].key", "tag.key.length"},
    {"tag key 1", tag_key_1, NULL, NULL},
    {"tag key 128", tag_key_128, NULL, NULL},
    {"tag key 129", tag_key_129, "tags[1].key", "tag.key.length"},
    {"tag key 128 multibyte", tag_key_128_multibyte, NULL, NULL},
    {"tag key 129 multibyte", tag_key_129_multibyte, "tags[1].key", "tag.key.length"},
    {"tag value empty", tag_value_empty, NULL, NULL},
    {"tag value 256", tag_value_256, NULL, NULL},
    {"tag value 257", tag_value_257, "tags[1].value", "tag.value.length"},
    {"tag key !", tag_key_bang, "tags[1].key", "tag.pattern"},
    {"tag key tab", tag_key_tab, "tags[1].key", "tag.pattern"},
    {"tag all allowed", tag_all_allowed, NULL, NULL},
    {"tag value emoji", tag_value_emoji, "tags[1].value", "tag.pattern"},
    {"tag key aws:", tag_key_aws, "tags[1].key", "tag.reservedPrefix"},
    {"tag key AwS:", tag_key_aws_mixed_case, "tags[1].key", "tag.reservedPrefix"},
    {"tag value AWS:", tag_value_aws, "tags[1].value", "tag.reservedPrefix"},
    {"tag key awsteam", tag_key_awsx, NULL, NULL},
    {"tag key duplicate", tag_key_duplicate, "tags[1].key", "tag.key.unique"},
    {"tag key bad UTF-8", tag_key_bad_utf8, "tags[1].key", "string.utf8"},
    {"taskDefinition bad UTF-8", task_definition_bad_utf8, "taskDefinition", "string.utf8"},
    {"subnet bad UTF-8", subnet_bad_utf8, "networkConfiguration.awsvpcConfiguration.subnets[1]", "string.utf8"},
    {"EBS kmsKeyId bad UTF-8",
     ebs_kms_key_bad_utf8,
     "volumeConfigurations[1].managedEBSVolume.kmsKeyId",
     "string.utf8"},
    {"security group bad UTF-8",
     security_group_bad_utf8,
     "networkConfiguration.awsvpcConfiguration.securityGroups[2]",
     "string.utf8"},
    {"taskDefinition bad UTF-8 behind a body over the cap",
     task_definition_bad_utf8_behind_a_huge_group,
     "taskDefinition",
     "string.utf8"},
    {"volume no name", volume_no_name, "volumeConfigurations[0].name", "volumeConfiguration.name.required"},
    {"ebs no role",
     ebs_no_role,
     "volumeConfigurations[0].managedEBSVolume.roleArn",
     "managedEBSVolume.roleArn.required"},
    {"ebs no size",
     ebs_no_size_no_snapshot,
     "volumeConfigurations[0].managedEBSVolume",
     "managedEBSVolume.sizeOrSnapshot"},
    {"ebs snapshot only", ebs_snapshot_only, NULL, NULL},
    {"ebs rate no snapshot",
     ebs_rate_without_snapshot,
     "volumeConfigurations[0].managedEBSVolume.volumeInitializationRate",
     "managedEBSVolume.volumeInitializationRate.snapshot"},
    {"ebs throughput 1000", ebs_throughput_1000, NULL, NULL},
    {"ebs throughput 1001",
     ebs_throughput_1001,
     "volumeConfigurations[0].managedEBSVolume.throughput",
     "managedEBSVolume.throughput.range"},
    {"ebs throughput gp2",
     ebs_throughput_gp2,
     "volumeConfigurations[0].managedEBSVolume.throughput",
     "managedEBSVolume.throughput.gp3"},
    {"ebs volumeType free-form", ebs_volume_type_free_form, NULL, NULL},
    {"ebs filesystem",
     ebs_filesystem_bogus,
     "volumeConfigurations[0].managedEBSVolume.filesystemType",
     "managedEBSVolume.filesystemType.enum"},
    {"ebs ntfs", ebs_filesystem_ntfs, NULL, NULL},
    {"tag spec no resourceType",
     tag_spec_no_resource_type,
     "volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].resourceType",
     "tagSpecification.resourceType.required"},
    {"tag spec resourceType",
     tag_spec_bad_resource_type,
     "volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].resourceType",
     "tagSpecification.resourceType.enum"},
    {"tag spec propagate",
     tag_spec_bad_propagate,
     "volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].propagateTags",
     "tagSpecification.propagateTags.enum"},
    {"tag spec SERVICE",
     tag_spec_propagate_service,
     "volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].propagateTags",
     "tagSpecification.propagateTags.service"},
    {"tag spec reserved key",
     tag_spec_reserved_key,
     "volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].tags[0].key",
     "tagSpecification.tags.reservedKey"},
    {"tag spec aws: key",
     tag_spec_aws_key,
     "volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].tags[0].key",
     "tag.reservedPrefix"},
    {"tag spec 51 tags",
     tag_spec_51_tags,
     "volumeConfigurations[0].managedEBSVolume.tagSpecifications[0].tags",
     "tags.max"},
    {"termination policy {}",
     termination_policy_empty,
     "volumeConfigurations[0].managedEBSVolume.terminationPolicy.deleteOnTermination",
     "terminationPolicy.deleteOnTermination.required"},
};

static void s_print_failures(const struct ecc_validation_result *result) {
    for (size_t i = 0; i < result->count; i++) {
        fprintf(
            stderr,
            "    %s: %s (%s) %s\n",
            result->failures[i].path,
            result->failures[i].rule->id,
            result->failures[i].rule->error_type,
            result->failures[i].message);
    }
}

static void test_rule_cases(void **state) {
    (void)state;
    for (size_t i = 0; i < ECC_ARRAY_LEN(s_cases); i++) {
        const struct s_case *c = &s_cases[i];
        struct ecc_run_task_request r;
        ecc_run_task_request_init(&r);
        r.task_definition = fx_str("td");
        struct ecc_validate_options options = {0};
        c->mutate(&r, &options);
        struct ecc_validation_result result;
        ecc_validation_result_init(&result);
        enum ecc_status status = ecc_validate_run_task_request(&r, &options, &result);
        if (!c->path) {
            if (status != ECC_OK) {
                s_print_failures(&result);
                fail_msg("case '%s' must be valid", c->name);
            }
        } else {
            /* Exactly the expected failure: a case that trips other rules too would test nothing precise. */
            if (status != ECC_ERR_INVALID || result.count != 1 ||
                !ecc_validation_result_find(&result, c->path, c->rule_id)) {
                s_print_failures(&result);
                fail_msg(
                    "case '%s' (status %s, %zu failures): expected only %s at '%s'",
                    c->name,
                    ecc_status_name(status),
                    result.count,
                    c->rule_id,
                    c->path);
            }
            size_t chars = 0;
            assert_true(result.failures[0].message[0] != '\0');
            assert_true(ecc_utf8_count(result.failures[0].message, strlen(result.failures[0].message), &chars));
        }
        ecc_validation_result_clean_up(&result);
        ecc_run_task_request_clean_up(&r);
    }
}

static void test_every_rule_has_a_negative_case(void **state) {
    (void)state;
    size_t count = 0;
    const struct ecc_validation_rule *rules = ecc_validation_rules(&count);
    assert_true(count > 50);
    for (size_t i = 0; i < count; i++) {
        assert_non_null(rules[i].id);
        assert_true(
            strcmp(rules[i].error_type, ECC_ERROR_TYPE_INVALID_PARAMETER) == 0 ||
            strcmp(rules[i].error_type, ECC_ERROR_TYPE_CLIENT) == 0);
        assert_true(rules[i].summary && rules[i].summary[0]);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(rules[i].id, rules[j].id);
        }
        bool covered = false;
        for (size_t k = 0; k < ECC_ARRAY_LEN(s_cases) && !covered; k++) {
            covered = s_cases[k].rule_id && strcmp(s_cases[k].rule_id, rules[i].id) == 0;
        }
        if (!covered) {
            fail_msg("rule %s has no negative test case", rules[i].id);
        }
    }
}

static void test_realistic_requests_are_valid(void **state) {
    (void)state;
    for (size_t i = 0; i < ECC_ARRAY_LEN(fx_all_requests); i++) {
        struct ecc_run_task_request r;
        ecc_run_task_request_init(&r);
        fx_all_requests[i](&r);
        struct ecc_validation_result result;
        ecc_validation_result_init(&result);
        /* The overrides fixture keeps an Elastic Inference override for the codecs' sake: that one rule,
         * and only it, must fire there. */
        bool retired = r.overrides.inference_accelerator_overrides.count > 0;
        enum ecc_status status = ecc_validate_run_task_request(&r, NULL, &result);
        if (retired && status == ECC_ERR_INVALID && result.count == 1 &&
            strcmp(result.failures[0].rule->id, "inferenceAcceleratorOverrides.retired") == 0) {
            status = ECC_OK;
        } else if (retired) {
            status = ECC_ERR_INVALID;
        }
        if (status != ECC_OK) {
            s_print_failures(&result);
            fail_msg("fixture %zu must be valid", i);
        }
        ecc_validation_result_clean_up(&result);
        ecc_run_task_request_clean_up(&r);
    }
}

static void test_all_failures_reported(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    s_set_count(&r, 0);
    r.launch_type = fx_str("EC3");
    r.propagate_tags = fx_str("SERVICE");
    r.client_token = s_repeat(" ", 70);
    fx_tag(&r.tags, "aws:x", NULL);
    s_strategies(&r, 1, "binpack", "disk");
    struct ecc_validation_result result;
    ecc_validation_result_init(&result);
    assert_int_equal(ecc_validate_run_task_request(&r, NULL, &result), ECC_ERR_INVALID);
    const char *expected[][2] = {
        {"taskDefinition", "taskDefinition.required"},
        {"count", "count.range"},
        {"launchType", "launchType.enum"},
        {"propagateTags", "propagateTags.service"},
        {"clientToken", "clientToken.characters"},
        {"clientToken", "clientToken.length"},
        {"tags[0].key", "tag.reservedPrefix"},
        {"placementStrategy[0].field", "placementStrategy.binpack.field"},
    };
    assert_int_equal(result.count, ECC_ARRAY_LEN(expected));
    for (size_t i = 0; i < ECC_ARRAY_LEN(expected); i++) {
        const struct ecc_validation_failure *f = ecc_validation_result_find(&result, expected[i][0], expected[i][1]);
        assert_non_null(f);
    }
    const struct ecc_validation_failure *f = ecc_validation_result_find(&result, "taskDefinition", NULL);
    assert_string_equal(f->rule->error_type, "ClientException");
    f = ecc_validation_result_find(&result, "count", NULL);
    assert_string_equal(f->rule->error_type, "InvalidParameterException");
    assert_true(f->rule->error_type_observed);
    assert_non_null(strstr(f->message, "0"));
    ecc_validation_result_clean_up(&result);
    ecc_run_task_request_clean_up(&r);
}

static void test_failure_list_is_capped(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    r.task_definition = fx_str("td");
    for (int i = 0; i < 300; i++) {
        fx_tag(&r.tags, "aws:x", "aws:y");
    }
    struct ecc_validation_result result;
    ecc_validation_result_init(&result);
    struct ecc_validate_options options = {.max_failures = 10};
    assert_int_equal(ecc_validate_run_task_request(&r, &options, &result), ECC_ERR_INVALID);
    assert_int_equal(result.count, 10);
    assert_true(result.truncated);
    assert_string_equal(result.failures[0].rule->id, "tags.max");
    ecc_validation_result_clean_up(&result);

    /* Default cap. */
    ecc_validation_result_init(&result);
    assert_int_equal(ecc_validate_run_task_request(&r, NULL, &result), ECC_ERR_INVALID);
    assert_int_equal(result.count, ECC_VALIDATION_DEFAULT_MAX_FAILURES);
    assert_true(result.truncated);
    ecc_validation_result_clean_up(&result);
    ecc_run_task_request_clean_up(&r);
}

static void test_enum_lists(void **state) {
    (void)state;
    assert_true(ecc_validate_enum_contains(ecc_launch_type_values, "MANAGED_INSTANCES"));
    assert_false(ecc_validate_enum_contains(ecc_launch_type_values, "ec2"));
    assert_false(ecc_validate_enum_contains(ecc_launch_type_values, NULL));
    assert_true(ecc_validate_enum_contains(ecc_task_filesystem_type_values, "ext3"));
    assert_true(ecc_validate_enum_contains(ecc_resource_type_values, "InferenceAccelerator"));
    assert_true(ecc_validate_enum_contains(ecc_placement_strategy_type_values, "random"));
    assert_false(ecc_validate_enum_contains(ecc_ebs_resource_type_values, ""));
}

static void test_messages_quote_values_safely(void **state) {
    (void)state;
    struct ecc_run_task_request r;
    ecc_run_task_request_init(&r);
    r.task_definition = fx_str("td");
    r.launch_type = fx_str("\xff\x01"
                           "EC2\xc3");
    r.propagate_tags = s_repeat("\xc3\xa9", 100);
    struct ecc_validation_result result;
    ecc_validation_result_init(&result);
    assert_int_equal(ecc_validate_run_task_request(&r, NULL, &result), ECC_ERR_INVALID);
    const struct ecc_validation_failure *f = ecc_validation_result_find(&result, "launchType", "launchType.enum");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "'??EC2?'"));
    f = ecc_validation_result_find(&result, "propagateTags", "propagateTags.enum");
    assert_non_null(f);
    assert_non_null(strstr(f->message, "?...'"));
    size_t chars = 0;
    assert_true(ecc_utf8_count(f->message, strlen(f->message), &chars));
    ecc_validation_result_clean_up(&result);
    ecc_run_task_request_clean_up(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_cases),
        cmocka_unit_test(test_every_rule_has_a_negative_case),
        cmocka_unit_test(test_realistic_requests_are_valid),
        cmocka_unit_test(test_all_failures_reported),
        cmocka_unit_test(test_failure_list_is_capped),
        cmocka_unit_test(test_enum_lists),
        cmocka_unit_test(test_messages_quote_values_safely),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#ifndef ECC_TEST_REQUEST_FIXTURES_H
#define ECC_TEST_REQUEST_FIXTURES_H
/*
 * Realistic RunTask requests built in C, shared by the model, codec and validation tests. Each builder
 * fills an initialized request; the caller cleans it up. Allocation failure aborts the test.
 */
#include "ecc/model.h"

#include <stdlib.h>
#include <string.h>

static inline char *fx_str(const char *text) {
    char *copy = ecc_strdup(text);
    if (!copy) {
        abort();
    }
    return copy;
}

static inline void *fx_append_check(void *item) {
    if (!item) {
        abort();
    }
    return item;
}

#define FX_APPEND(list) fx_append_check(ECC_LIST_APPEND(list))

static inline void fx_strings(struct ecc_string_list *list, const char *const *items, size_t count) {
    list->has = true;
    for (size_t i = 0; i < count; i++) {
        if (ecc_string_list_append(list, items[i]) != ECC_OK) {
            abort();
        }
    }
}

static inline void fx_tag(struct ecc_tag_list *tags, const char *key, const char *value) {
    struct ecc_tag *tag = FX_APPEND(tags);
    tag->key = key ? fx_str(key) : NULL;
    tag->value = value ? fx_str(value) : NULL;
}

/* EC2 launch type, placement, group, startedBy. */
static inline void fx_request_ec2(struct ecc_run_task_request *r) {
    r->cluster = fx_str("default");
    r->task_definition = fx_str("web:3");
    r->launch_type = fx_str("EC2");
    r->has_count = true;
    r->count = 3;
    r->group = fx_str("family:web");
    r->started_by = fx_str("ci-job-42");
    struct ecc_placement_constraint *pc = FX_APPEND(&r->placement_constraints);
    pc->type = fx_str("memberOf");
    pc->expression = fx_str("attribute:ecs.instance-type =~ t3.*");
    pc = FX_APPEND(&r->placement_constraints);
    pc->type = fx_str("distinctInstance");
    struct ecc_placement_strategy *ps = FX_APPEND(&r->placement_strategy);
    ps->type = fx_str("spread");
    ps->field = fx_str("attribute:ecs.availability-zone");
    ps = FX_APPEND(&r->placement_strategy);
    ps->type = fx_str("binpack");
    ps->field = fx_str("memory");
    r->has_enable_ecs_managed_tags = true;
    r->enable_ecs_managed_tags = false;
}

/* FARGATE with awsvpc, overrides with environment, tags, clientToken: the benchmark's request. */
static inline void fx_request_fargate(struct ecc_run_task_request *r) {
    r->cluster = fx_str("arn:aws:ecs:us-east-1:123456789012:cluster/prod");
    r->task_definition = fx_str("arn:aws:ecs:us-east-1:123456789012:task-definition/batch-job:17");
    r->launch_type = fx_str("FARGATE");
    r->platform_version = fx_str("1.4.0");
    r->has_count = true;
    r->count = 1;
    r->client_token = fx_str("6f1d2c9e-3b7a-4c1e-9d2f-0a8b7c6d5e4f");
    r->has_network_configuration = true;
    r->network_configuration.has_awsvpc_configuration = true;
    static const char *const subnets[] = {"subnet-0a1b2c3d4e5f60718", "subnet-0f1e2d3c4b5a69788"};
    static const char *const groups[] = {"sg-0123456789abcdef0"};
    fx_strings(&r->network_configuration.awsvpc_configuration.subnets, subnets, 2);
    fx_strings(&r->network_configuration.awsvpc_configuration.security_groups, groups, 1);
    r->network_configuration.awsvpc_configuration.assign_public_ip = fx_str("DISABLED");
    r->has_overrides = true;
    struct ecc_container_override *co = FX_APPEND(&r->overrides.container_overrides);
    co->name = fx_str("worker");
    static const char *const command[] = {"python", "-m", "jobs.run", "--date=2024-05-01"};
    fx_strings(&co->command, command, 4);
    struct ecc_key_value_pair *kv = FX_APPEND(&co->environment);
    kv->name = fx_str("STAGE");
    kv->value = fx_str("prod");
    kv = FX_APPEND(&co->environment);
    kv->name = fx_str("JOB_ID");
    kv->value = fx_str("4711 \"quoted\" \\ back\tslash");
    r->propagate_tags = fx_str("TASK_DEFINITION");
    fx_tag(&r->tags, "team", "data");
    fx_tag(&r->tags, "cost-center", "cc-1234");
    r->has_enable_execute_command = true;
    r->enable_execute_command = true;
}

/* Capacity provider strategy instead of a launch type. */
static inline void fx_request_capacity(struct ecc_run_task_request *r) {
    r->task_definition = fx_str("api");
    struct ecc_capacity_provider_strategy_item *item = FX_APPEND(&r->capacity_provider_strategy);
    item->capacity_provider = fx_str("FARGATE_SPOT");
    item->has_weight = true;
    item->weight = 4;
    item = FX_APPEND(&r->capacity_provider_strategy);
    item->capacity_provider = fx_str("FARGATE");
    item->has_weight = true;
    item->weight = 1;
    item->has_base = true;
    item->base = 2;
    r->reference_id = fx_str("ref-1");
}

/* Every override kind. */
static inline void fx_request_overrides(struct ecc_run_task_request *r) {
    r->task_definition = fx_str("gpu-train:2");
    r->has_overrides = true;
    struct ecc_task_override *o = &r->overrides;
    o->cpu = fx_str("4096");
    o->memory = fx_str("16384");
    o->execution_role_arn = fx_str("arn:aws:iam::123456789012:role/exec");
    o->task_role_arn = fx_str("arn:aws:iam::123456789012:role/task");
    o->has_ephemeral_storage = true;
    o->ephemeral_storage.has_size_in_gib = true;
    o->ephemeral_storage.size_in_gib = 50;
    struct ecc_inference_accelerator_override *ia = FX_APPEND(&o->inference_accelerator_overrides);
    ia->device_name = fx_str("device1");
    ia->device_type = fx_str("eia2.medium");
    struct ecc_container_override *co = FX_APPEND(&o->container_overrides);
    co->name = fx_str("trainer");
    co->has_cpu = true;
    co->cpu = 2048;
    co->has_memory = true;
    co->memory = 8192;
    co->has_memory_reservation = true;
    co->memory_reservation = 4096;
    struct ecc_environment_file *ef = FX_APPEND(&co->environment_files);
    ef->value = fx_str("arn:aws:s3:::bucket/env/trainer.env");
    ef->type = fx_str("s3");
    struct ecc_resource_requirement *rr = FX_APPEND(&co->resource_requirements);
    rr->type = fx_str("GPU");
    rr->value = fx_str("1");
    struct ecc_key_value_pair *kv = FX_APPEND(&co->environment);
    kv->name = fx_str("EMPTY");
    kv->value = fx_str("");
    co = FX_APPEND(&o->container_overrides);
    co->name = fx_str("sidecar");
    co->command.has = true; /* present and empty: [] */
}

/* volumeConfigurations with every member of managedEBSVolume. */
static inline void fx_request_volumes(struct ecc_run_task_request *r) {
    r->task_definition = fx_str("db:9");
    r->launch_type = fx_str("FARGATE");
    struct ecc_task_volume_configuration *v = FX_APPEND(&r->volume_configurations);
    v->name = fx_str("data");
    v->has_managed_ebs_volume = true;
    struct ecc_task_managed_ebs_volume_configuration *e = &v->managed_ebs_volume;
    e->has_encrypted = true;
    e->encrypted = true;
    e->kms_key_id = fx_str("arn:aws:kms:us-east-1:123456789012:key/abcd");
    e->volume_type = fx_str("gp3");
    e->has_size_in_gib = true;
    e->size_in_gib = 100;
    e->snapshot_id = fx_str("snap-0123456789abcdef0");
    e->has_volume_initialization_rate = true;
    e->volume_initialization_rate = 300;
    e->has_iops = true;
    e->iops = 3000;
    e->has_throughput = true;
    e->throughput = 125;
    struct ecc_ebs_tag_specification *ts = FX_APPEND(&e->tag_specifications);
    ts->resource_type = fx_str("volume");
    ts->propagate_tags = fx_str("TASK_DEFINITION");
    fx_tag(&ts->tags, "backup", "daily");
    e->role_arn = fx_str("arn:aws:iam::123456789012:role/ecsInfra");
    e->has_termination_policy = true;
    e->termination_policy.has_delete_on_termination = true;
    e->termination_policy.delete_on_termination = false;
    e->filesystem_type = fx_str("xfs");
    v = FX_APPEND(&r->volume_configurations);
    v->name = fx_str("scratch");
}

typedef void (*fx_builder)(struct ecc_run_task_request *r);

static const fx_builder fx_all_requests[] = {
    fx_request_ec2, fx_request_fargate, fx_request_capacity, fx_request_overrides, fx_request_volumes};

#endif

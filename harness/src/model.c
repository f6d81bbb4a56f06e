/*
 * The RunTask request model (model.h): init, clean-up, deep copy and deep equality of every shape, the
 * list functions generated from one macro set (model_list.h) and the list-append helper builders and
 * parsers use. Absent and empty stay distinct throughout.
 */
#include "ecc/model.h"

#include "model_list.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Each shape has three internal functions: clean_up (frees, leaves zeroed), equal (deep, presence
 * included) and copy (into a zeroed dst; on failure dst holds a partial copy the caller cleans up).
 * Lists get the same three from S_DEFINE_LIST, built on the item functions.
 */

bool ecc_optional_string_equal(const char *a, const char *b) {
    if (!a || !b) {
        return a == b;
    }
    return strcmp(a, b) == 0;
}

/* Copies an optional string; NULL stays NULL. */
static enum ecc_status s_copy_string(char **dst, const char *src) {
    if (!src) {
        *dst = NULL;
        return ECC_OK;
    }
    *dst = ecc_strdup(src);
    return *dst ? ECC_OK : ECC_ERR_NOMEM;
}

static void s_free_string(char **str) {
    free(*str);
    *str = NULL;
}

void *ecc_list_append_zeroed(bool *has, void *items_field, size_t *count, size_t item_size) {
    void *items = NULL;
    memcpy(&items, items_field, sizeof(items));
    /* The list structs hold no capacity; every list grows here by doubling from 1, so its capacity is
     * the count rounded up to a power of two, and appends stay amortized O(1) on one growth routine. */
    size_t capacity = 0;
    if (*count) {
        capacity = 1;
        while (capacity < *count) {
            capacity *= 2;
        }
    }
    char *grown = ecc_array_grow(items, &capacity, *count, item_size, 1, SIZE_MAX / item_size);
    if (!grown) {
        return NULL;
    }
    void *item = grown + *count * item_size;
    memset(item, 0, item_size);
    memcpy(items_field, &grown, sizeof(grown));
    (*count)++;
    *has = true;
    return item;
}

#define S_DEFINE_LIST(list_type, item_type, item_prefix)                                                               \
    ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(list_type, item_prefix##_clean_up, item_prefix##_equal)                          \
    ECC_MODEL_LIST_COPY(list_type, item_type, item_prefix##_copy)

/* StringList: items are plain strings, so its functions are written out. */
static void s_ecc_string_list_clean_up(struct ecc_string_list *list) {
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i]);
    }
    free(list->items);
    memset(list, 0, sizeof(*list));
}

void ecc_string_list_init(struct ecc_string_list *list) {
    memset(list, 0, sizeof(*list));
}

void ecc_string_list_clean_up(struct ecc_string_list *list) {
    s_ecc_string_list_clean_up(list);
}

bool ecc_string_list_equal(const struct ecc_string_list *a, const struct ecc_string_list *b) {
    if (a->has != b->has || a->count != b->count) {
        return false;
    }
    for (size_t i = 0; i < a->count; i++) {
        if (!ecc_optional_string_equal(a->items[i], b->items[i])) {
            return false;
        }
    }
    return true;
}

static enum ecc_status s_ecc_string_list_copy(struct ecc_string_list *dst, const struct ecc_string_list *src) {
    dst->has = src->has;
    if (!src->count) {
        return ECC_OK;
    }
    dst->items = calloc(src->count, sizeof(char *));
    if (!dst->items) {
        return ECC_ERR_NOMEM;
    }
    dst->count = src->count;
    for (size_t i = 0; i < src->count; i++) {
        if (s_copy_string(&dst->items[i], src->items[i]) != ECC_OK) {
            return ECC_ERR_NOMEM;
        }
    }
    return ECC_OK;
}

enum ecc_status ecc_string_list_append(struct ecc_string_list *list, const char *str) {
    char *copy = ecc_strdup(str);
    if (!copy) {
        return ECC_ERR_NOMEM;
    }
    char **slot = ECC_LIST_APPEND(list);
    if (!slot) {
        free(copy);
        return ECC_ERR_NOMEM;
    }
    *slot = copy;
    return ECC_OK;
}

enum ecc_status ecc_string_list_vappendf(struct ecc_string_list *list, const char *fmt, va_list args) {
    char line[ECC_STRING_LIST_LINE_MAX];
    vsnprintf(line, sizeof(line), fmt, args);
    return ecc_string_list_append(list, line);
}

enum ecc_status ecc_string_list_appendf(struct ecc_string_list *list, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    enum ecc_status status = ecc_string_list_vappendf(list, fmt, args);
    va_end(args);
    return status;
}

/* Two-string shapes: KeyValuePair, EnvironmentFile, ResourceRequirement, InferenceAcceleratorOverride,
 * PlacementConstraint, PlacementStrategy, Tag. One macro, since they differ only in member names. */
#define S_DEFINE_PAIR(type, first, second)                                                                             \
    static void s_##type##_clean_up(struct type *value) {                                                              \
        s_free_string(&value->first);                                                                                  \
        s_free_string(&value->second);                                                                                 \
    }                                                                                                                  \
    static bool s_##type##_equal(const struct type *a, const struct type *b) {                                         \
        return ecc_optional_string_equal(a->first, b->first) && ecc_optional_string_equal(a->second, b->second);       \
    }                                                                                                                  \
    static enum ecc_status s_##type##_copy(struct type *dst, const struct type *src) {                                 \
        if (s_copy_string(&dst->first, src->first) != ECC_OK || s_copy_string(&dst->second, src->second) != ECC_OK) {  \
            return ECC_ERR_NOMEM;                                                                                      \
        }                                                                                                              \
        return ECC_OK;                                                                                                 \
    }

S_DEFINE_PAIR(ecc_key_value_pair, name, value)
S_DEFINE_PAIR(ecc_environment_file, value, type)
S_DEFINE_PAIR(ecc_resource_requirement, value, type)
S_DEFINE_PAIR(ecc_inference_accelerator_override, device_name, device_type)
S_DEFINE_PAIR(ecc_placement_constraint, type, expression)
S_DEFINE_PAIR(ecc_placement_strategy, type, field)
S_DEFINE_PAIR(ecc_tag, key, value)

S_DEFINE_LIST(ecc_key_value_pair_list, ecc_key_value_pair, s_ecc_key_value_pair)
S_DEFINE_LIST(ecc_environment_file_list, ecc_environment_file, s_ecc_environment_file)
S_DEFINE_LIST(ecc_resource_requirement_list, ecc_resource_requirement, s_ecc_resource_requirement)
S_DEFINE_LIST(
    ecc_inference_accelerator_override_list, ecc_inference_accelerator_override, s_ecc_inference_accelerator_override)
S_DEFINE_LIST(ecc_placement_constraint_list, ecc_placement_constraint, s_ecc_placement_constraint)
S_DEFINE_LIST(ecc_placement_strategy_list, ecc_placement_strategy, s_ecc_placement_strategy)
S_DEFINE_LIST(ecc_tag_list, ecc_tag, s_ecc_tag)

/* Optional scalars compare equal when both are absent (whatever the value field holds), or both present
 * with the same value. */
#define S_SCALAR_EQUAL(a, b, member)                                                                                   \
    ((a)->has_##member == (b)->has_##member && (!(a)->has_##member || (a)->member == (b)->member))

/* ContainerOverride */
static void s_ecc_container_override_clean_up(struct ecc_container_override *value) {
    s_free_string(&value->name);
    s_ecc_string_list_clean_up(&value->command);
    s_ecc_key_value_pair_list_clean_up(&value->environment);
    s_ecc_environment_file_list_clean_up(&value->environment_files);
    s_ecc_resource_requirement_list_clean_up(&value->resource_requirements);
    memset(value, 0, sizeof(*value));
}

static bool
s_ecc_container_override_equal(const struct ecc_container_override *a, const struct ecc_container_override *b) {
    return ecc_optional_string_equal(a->name, b->name) && ecc_string_list_equal(&a->command, &b->command) &&
           s_ecc_key_value_pair_list_equal(&a->environment, &b->environment) &&
           s_ecc_environment_file_list_equal(&a->environment_files, &b->environment_files) &&
           S_SCALAR_EQUAL(a, b, cpu) && S_SCALAR_EQUAL(a, b, memory) && S_SCALAR_EQUAL(a, b, memory_reservation) &&
           s_ecc_resource_requirement_list_equal(&a->resource_requirements, &b->resource_requirements);
}

static enum ecc_status
s_ecc_container_override_copy(struct ecc_container_override *dst, const struct ecc_container_override *src) {
    dst->has_cpu = src->has_cpu;
    dst->cpu = src->cpu;
    dst->has_memory = src->has_memory;
    dst->memory = src->memory;
    dst->has_memory_reservation = src->has_memory_reservation;
    dst->memory_reservation = src->memory_reservation;
    if (s_copy_string(&dst->name, src->name) != ECC_OK || s_ecc_string_list_copy(&dst->command, &src->command) ||
        s_ecc_key_value_pair_list_copy(&dst->environment, &src->environment) ||
        s_ecc_environment_file_list_copy(&dst->environment_files, &src->environment_files) ||
        s_ecc_resource_requirement_list_copy(&dst->resource_requirements, &src->resource_requirements)) {
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

S_DEFINE_LIST(ecc_container_override_list, ecc_container_override, s_ecc_container_override)

/* TaskOverride */
static void s_ecc_task_override_clean_up(struct ecc_task_override *value) {
    s_ecc_container_override_list_clean_up(&value->container_overrides);
    s_free_string(&value->cpu);
    s_ecc_inference_accelerator_override_list_clean_up(&value->inference_accelerator_overrides);
    s_free_string(&value->execution_role_arn);
    s_free_string(&value->memory);
    s_free_string(&value->task_role_arn);
    memset(value, 0, sizeof(*value));
}

static bool s_ecc_task_override_equal(const struct ecc_task_override *a, const struct ecc_task_override *b) {
    return s_ecc_container_override_list_equal(&a->container_overrides, &b->container_overrides) &&
           ecc_optional_string_equal(a->cpu, b->cpu) &&
           s_ecc_inference_accelerator_override_list_equal(
               &a->inference_accelerator_overrides, &b->inference_accelerator_overrides) &&
           ecc_optional_string_equal(a->execution_role_arn, b->execution_role_arn) &&
           ecc_optional_string_equal(a->memory, b->memory) &&
           ecc_optional_string_equal(a->task_role_arn, b->task_role_arn) &&
           a->has_ephemeral_storage == b->has_ephemeral_storage &&
           (!a->has_ephemeral_storage || S_SCALAR_EQUAL(&a->ephemeral_storage, &b->ephemeral_storage, size_in_gib));
}

static enum ecc_status s_ecc_task_override_copy(struct ecc_task_override *dst, const struct ecc_task_override *src) {
    dst->has_ephemeral_storage = src->has_ephemeral_storage;
    dst->ephemeral_storage = src->ephemeral_storage;
    if (s_ecc_container_override_list_copy(&dst->container_overrides, &src->container_overrides) ||
        s_copy_string(&dst->cpu, src->cpu) ||
        s_ecc_inference_accelerator_override_list_copy(
            &dst->inference_accelerator_overrides, &src->inference_accelerator_overrides) ||
        s_copy_string(&dst->execution_role_arn, src->execution_role_arn) || s_copy_string(&dst->memory, src->memory) ||
        s_copy_string(&dst->task_role_arn, src->task_role_arn)) {
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

/* CapacityProviderStrategyItem */
static void s_ecc_capacity_provider_strategy_item_clean_up(struct ecc_capacity_provider_strategy_item *value) {
    s_free_string(&value->capacity_provider);
    memset(value, 0, sizeof(*value));
}

static bool s_ecc_capacity_provider_strategy_item_equal(
    const struct ecc_capacity_provider_strategy_item *a, const struct ecc_capacity_provider_strategy_item *b) {
    return ecc_optional_string_equal(a->capacity_provider, b->capacity_provider) && S_SCALAR_EQUAL(a, b, weight) &&
           S_SCALAR_EQUAL(a, b, base);
}

static enum ecc_status s_ecc_capacity_provider_strategy_item_copy(
    struct ecc_capacity_provider_strategy_item *dst, const struct ecc_capacity_provider_strategy_item *src) {
    *dst = *src;
    dst->capacity_provider = NULL;
    return s_copy_string(&dst->capacity_provider, src->capacity_provider);
}

S_DEFINE_LIST(
    ecc_capacity_provider_strategy_list, ecc_capacity_provider_strategy_item, s_ecc_capacity_provider_strategy_item)

/* NetworkConfiguration / AwsVpcConfiguration */
static void s_ecc_network_configuration_clean_up(struct ecc_network_configuration *value) {
    s_ecc_string_list_clean_up(&value->awsvpc_configuration.subnets);
    s_ecc_string_list_clean_up(&value->awsvpc_configuration.security_groups);
    s_free_string(&value->awsvpc_configuration.assign_public_ip);
    memset(value, 0, sizeof(*value));
}

static bool s_ecc_network_configuration_equal(
    const struct ecc_network_configuration *a, const struct ecc_network_configuration *b) {
    if (a->has_awsvpc_configuration != b->has_awsvpc_configuration) {
        return false;
    }
    const struct ecc_aws_vpc_configuration *x = &a->awsvpc_configuration;
    const struct ecc_aws_vpc_configuration *y = &b->awsvpc_configuration;
    return !a->has_awsvpc_configuration || (ecc_string_list_equal(&x->subnets, &y->subnets) &&
                                            ecc_string_list_equal(&x->security_groups, &y->security_groups) &&
                                            ecc_optional_string_equal(x->assign_public_ip, y->assign_public_ip));
}

static enum ecc_status
s_ecc_network_configuration_copy(struct ecc_network_configuration *dst, const struct ecc_network_configuration *src) {
    dst->has_awsvpc_configuration = src->has_awsvpc_configuration;
    if (s_ecc_string_list_copy(&dst->awsvpc_configuration.subnets, &src->awsvpc_configuration.subnets) ||
        s_ecc_string_list_copy(
            &dst->awsvpc_configuration.security_groups, &src->awsvpc_configuration.security_groups) ||
        s_copy_string(&dst->awsvpc_configuration.assign_public_ip, src->awsvpc_configuration.assign_public_ip)) {
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

/* EBSTagSpecification */
static void s_ecc_ebs_tag_specification_clean_up(struct ecc_ebs_tag_specification *value) {
    s_free_string(&value->resource_type);
    s_ecc_tag_list_clean_up(&value->tags);
    s_free_string(&value->propagate_tags);
}

static bool s_ecc_ebs_tag_specification_equal(
    const struct ecc_ebs_tag_specification *a, const struct ecc_ebs_tag_specification *b) {
    return ecc_optional_string_equal(a->resource_type, b->resource_type) && s_ecc_tag_list_equal(&a->tags, &b->tags) &&
           ecc_optional_string_equal(a->propagate_tags, b->propagate_tags);
}

static enum ecc_status
s_ecc_ebs_tag_specification_copy(struct ecc_ebs_tag_specification *dst, const struct ecc_ebs_tag_specification *src) {
    if (s_copy_string(&dst->resource_type, src->resource_type) || s_ecc_tag_list_copy(&dst->tags, &src->tags) ||
        s_copy_string(&dst->propagate_tags, src->propagate_tags)) {
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

S_DEFINE_LIST(ecc_ebs_tag_specification_list, ecc_ebs_tag_specification, s_ecc_ebs_tag_specification)

/* TaskVolumeConfiguration / TaskManagedEBSVolumeConfiguration */
static void s_ecc_task_volume_configuration_clean_up(struct ecc_task_volume_configuration *value) {
    struct ecc_task_managed_ebs_volume_configuration *ebs = &value->managed_ebs_volume;
    s_free_string(&value->name);
    s_free_string(&ebs->kms_key_id);
    s_free_string(&ebs->volume_type);
    s_free_string(&ebs->snapshot_id);
    s_ecc_ebs_tag_specification_list_clean_up(&ebs->tag_specifications);
    s_free_string(&ebs->role_arn);
    s_free_string(&ebs->filesystem_type);
    memset(value, 0, sizeof(*value));
}

static bool s_ebs_equal(
    const struct ecc_task_managed_ebs_volume_configuration *a,
    const struct ecc_task_managed_ebs_volume_configuration *b) {
    return S_SCALAR_EQUAL(a, b, encrypted) && ecc_optional_string_equal(a->kms_key_id, b->kms_key_id) &&
           ecc_optional_string_equal(a->volume_type, b->volume_type) && S_SCALAR_EQUAL(a, b, size_in_gib) &&
           ecc_optional_string_equal(a->snapshot_id, b->snapshot_id) &&
           S_SCALAR_EQUAL(a, b, volume_initialization_rate) && S_SCALAR_EQUAL(a, b, iops) &&
           S_SCALAR_EQUAL(a, b, throughput) &&
           s_ecc_ebs_tag_specification_list_equal(&a->tag_specifications, &b->tag_specifications) &&
           ecc_optional_string_equal(a->role_arn, b->role_arn) &&
           a->has_termination_policy == b->has_termination_policy &&
           (!a->has_termination_policy ||
            S_SCALAR_EQUAL(&a->termination_policy, &b->termination_policy, delete_on_termination)) &&
           ecc_optional_string_equal(a->filesystem_type, b->filesystem_type);
}

static bool s_ecc_task_volume_configuration_equal(
    const struct ecc_task_volume_configuration *a, const struct ecc_task_volume_configuration *b) {
    return ecc_optional_string_equal(a->name, b->name) && a->has_managed_ebs_volume == b->has_managed_ebs_volume &&
           (!a->has_managed_ebs_volume || s_ebs_equal(&a->managed_ebs_volume, &b->managed_ebs_volume));
}

static enum ecc_status s_ecc_task_volume_configuration_copy(
    struct ecc_task_volume_configuration *dst, const struct ecc_task_volume_configuration *src) {
    struct ecc_task_managed_ebs_volume_configuration *d = &dst->managed_ebs_volume;
    const struct ecc_task_managed_ebs_volume_configuration *s = &src->managed_ebs_volume;
    /* Scalars first by structure copy, then every owned pointer replaced by its own copy. */
    dst->has_managed_ebs_volume = src->has_managed_ebs_volume;
    *d = *s;
    d->kms_key_id = d->volume_type = d->snapshot_id = d->role_arn = d->filesystem_type = NULL;
    memset(&d->tag_specifications, 0, sizeof(d->tag_specifications));
    if (s_copy_string(&dst->name, src->name) || s_copy_string(&d->kms_key_id, s->kms_key_id) ||
        s_copy_string(&d->volume_type, s->volume_type) || s_copy_string(&d->snapshot_id, s->snapshot_id) ||
        s_ecc_ebs_tag_specification_list_copy(&d->tag_specifications, &s->tag_specifications) ||
        s_copy_string(&d->role_arn, s->role_arn) || s_copy_string(&d->filesystem_type, s->filesystem_type)) {
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

S_DEFINE_LIST(ecc_task_volume_configuration_list, ecc_task_volume_configuration, s_ecc_task_volume_configuration)

/* RunTaskRequest */
void ecc_run_task_request_init(struct ecc_run_task_request *request) {
    memset(request, 0, sizeof(*request));
}

void ecc_run_task_request_clean_up(struct ecc_run_task_request *request) {
    s_ecc_capacity_provider_strategy_list_clean_up(&request->capacity_provider_strategy);
    s_free_string(&request->cluster);
    s_free_string(&request->group);
    s_free_string(&request->launch_type);
    s_ecc_network_configuration_clean_up(&request->network_configuration);
    s_ecc_task_override_clean_up(&request->overrides);
    s_ecc_placement_constraint_list_clean_up(&request->placement_constraints);
    s_ecc_placement_strategy_list_clean_up(&request->placement_strategy);
    s_free_string(&request->platform_version);
    s_free_string(&request->propagate_tags);
    s_free_string(&request->reference_id);
    s_free_string(&request->started_by);
    s_ecc_tag_list_clean_up(&request->tags);
    s_free_string(&request->task_definition);
    s_free_string(&request->client_token);
    s_ecc_task_volume_configuration_list_clean_up(&request->volume_configurations);
    memset(request, 0, sizeof(*request));
}

bool ecc_run_task_request_equal(const struct ecc_run_task_request *a, const struct ecc_run_task_request *b) {
    return s_ecc_capacity_provider_strategy_list_equal(
               &a->capacity_provider_strategy, &b->capacity_provider_strategy) &&
           ecc_optional_string_equal(a->cluster, b->cluster) && S_SCALAR_EQUAL(a, b, count) &&
           S_SCALAR_EQUAL(a, b, enable_ecs_managed_tags) && S_SCALAR_EQUAL(a, b, enable_execute_command) &&
           ecc_optional_string_equal(a->group, b->group) && ecc_optional_string_equal(a->launch_type, b->launch_type) &&
           a->has_network_configuration == b->has_network_configuration &&
           (!a->has_network_configuration ||
            s_ecc_network_configuration_equal(&a->network_configuration, &b->network_configuration)) &&
           a->has_overrides == b->has_overrides &&
           (!a->has_overrides || s_ecc_task_override_equal(&a->overrides, &b->overrides)) &&
           s_ecc_placement_constraint_list_equal(&a->placement_constraints, &b->placement_constraints) &&
           s_ecc_placement_strategy_list_equal(&a->placement_strategy, &b->placement_strategy) &&
           ecc_optional_string_equal(a->platform_version, b->platform_version) &&
           ecc_optional_string_equal(a->propagate_tags, b->propagate_tags) &&
           ecc_optional_string_equal(a->reference_id, b->reference_id) &&
           ecc_optional_string_equal(a->started_by, b->started_by) && s_ecc_tag_list_equal(&a->tags, &b->tags) &&
           ecc_optional_string_equal(a->task_definition, b->task_definition) &&
           ecc_optional_string_equal(a->client_token, b->client_token) &&
           s_ecc_task_volume_configuration_list_equal(&a->volume_configurations, &b->volume_configurations);
}

static enum ecc_status
s_run_task_request_copy(struct ecc_run_task_request *dst, const struct ecc_run_task_request *src) {
    dst->has_count = src->has_count;
    dst->count = src->count;
    dst->has_enable_ecs_managed_tags = src->has_enable_ecs_managed_tags;
    dst->enable_ecs_managed_tags = src->enable_ecs_managed_tags;
    dst->has_enable_execute_command = src->has_enable_execute_command;
    dst->enable_execute_command = src->enable_execute_command;
    dst->has_network_configuration = src->has_network_configuration;
    dst->has_overrides = src->has_overrides;
    if (s_ecc_capacity_provider_strategy_list_copy(
            &dst->capacity_provider_strategy, &src->capacity_provider_strategy) ||
        s_copy_string(&dst->cluster, src->cluster) || s_copy_string(&dst->group, src->group) ||
        s_copy_string(&dst->launch_type, src->launch_type) ||
        s_ecc_network_configuration_copy(&dst->network_configuration, &src->network_configuration) ||
        s_ecc_task_override_copy(&dst->overrides, &src->overrides) ||
        s_ecc_placement_constraint_list_copy(&dst->placement_constraints, &src->placement_constraints) ||
        s_ecc_placement_strategy_list_copy(&dst->placement_strategy, &src->placement_strategy) ||
        s_copy_string(&dst->platform_version, src->platform_version) ||
        s_copy_string(&dst->propagate_tags, src->propagate_tags) ||
        s_copy_string(&dst->reference_id, src->reference_id) || s_copy_string(&dst->started_by, src->started_by) ||
        s_ecc_tag_list_copy(&dst->tags, &src->tags) || s_copy_string(&dst->task_definition, src->task_definition) ||
        s_copy_string(&dst->client_token, src->client_token) ||
        s_ecc_task_volume_configuration_list_copy(&dst->volume_configurations, &src->volume_configurations)) {
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

enum ecc_status ecc_run_task_request_copy(struct ecc_run_task_request *dst, const struct ecc_run_task_request *src) {
    enum ecc_status status = s_run_task_request_copy(dst, src);
    if (status != ECC_OK) {
        ecc_run_task_request_clean_up(dst);
    }
    return status;
}

/* Public entry points of the shapes the response side shares. */
void ecc_task_override_init(struct ecc_task_override *value) {
    memset(value, 0, sizeof(*value));
}

void ecc_task_override_clean_up(struct ecc_task_override *value) {
    s_ecc_task_override_clean_up(value);
}

bool ecc_task_override_equal(const struct ecc_task_override *a, const struct ecc_task_override *b) {
    return s_ecc_task_override_equal(a, b);
}

enum ecc_status ecc_task_override_copy(struct ecc_task_override *dst, const struct ecc_task_override *src) {
    enum ecc_status status = s_ecc_task_override_copy(dst, src);
    if (status != ECC_OK) {
        s_ecc_task_override_clean_up(dst);
    }
    return status;
}

void ecc_tag_list_init(struct ecc_tag_list *list) {
    memset(list, 0, sizeof(*list));
}

void ecc_tag_list_clean_up(struct ecc_tag_list *list) {
    s_ecc_tag_list_clean_up(list);
}

bool ecc_tag_list_equal(const struct ecc_tag_list *a, const struct ecc_tag_list *b) {
    return s_ecc_tag_list_equal(a, b);
}

enum ecc_status ecc_tag_list_copy(struct ecc_tag_list *dst, const struct ecc_tag_list *src) {
    enum ecc_status status = s_ecc_tag_list_copy(dst, src);
    if (status != ECC_OK) {
        s_ecc_tag_list_clean_up(dst);
    }
    return status;
}

void ecc_key_value_pair_list_init(struct ecc_key_value_pair_list *list) {
    memset(list, 0, sizeof(*list));
}

void ecc_key_value_pair_list_clean_up(struct ecc_key_value_pair_list *list) {
    s_ecc_key_value_pair_list_clean_up(list);
}

bool ecc_key_value_pair_list_equal(const struct ecc_key_value_pair_list *a, const struct ecc_key_value_pair_list *b) {
    return s_ecc_key_value_pair_list_equal(a, b);
}

enum ecc_status
ecc_key_value_pair_list_copy(struct ecc_key_value_pair_list *dst, const struct ecc_key_value_pair_list *src) {
    enum ecc_status status = s_ecc_key_value_pair_list_copy(dst, src);
    if (status != ECC_OK) {
        s_ecc_key_value_pair_list_clean_up(dst);
    }
    return status;
}

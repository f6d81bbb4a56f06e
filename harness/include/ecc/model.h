#ifndef ECC_MODEL_H
#define ECC_MODEL_H
/*
 * Floor 1: the RunTask request model (ECS 2014-11-13, all 19 members of RunTaskRequest) as plain C
 * values. Shape and member names follow ../shared/model/ecs-2014-11-13-runtask-subset.service-2.json,
 * in snake_case.
 *
 * Absent is never the same as zero or empty, because the conformance suite must be able to send (and
 * the emulator must be able to see) exactly what a client put on the wire:
 *  - strings: NULL is absent, "" is an empty string;
 *  - integers and booleans: a `has_<member>` flag next to the value;
 *  - lists: a list struct whose `has` flag tells `[]` (has, count 0) from absent (!has);
 *  - nested structures: embedded, with a `has_<member>` flag.
 * Enum-typed members are kept as strings so an invalid value can still be sent on purpose;
 * validate.h checks membership.
 *
 * Ownership: every value owns all its strings and arrays (malloc'ed). `init` zeroes a value (all
 * absent); `clean_up` frees everything it holds and leaves it as after `init`. `copy` makes a deep
 * copy into an initialized, empty `dst`; on failure `dst` is left cleaned up (empty). `equal` is a deep
 * comparison that also compares presence (absent != empty).
 *
 * TaskOverride, Tag and KeyValuePair are also members of the response's Task (model_response.h), which
 * reuses these types and their JSON functions (codec_request.h).
 */
#include "ecc/common.h"

/* StringList */
struct ecc_string_list {
    char **items;
    size_t count;
    bool has;
};

/* KeyValuePair (ContainerOverride.environment) */
struct ecc_key_value_pair {
    char *name;
    char *value;
};

struct ecc_key_value_pair_list {
    struct ecc_key_value_pair *items;
    size_t count;
    bool has;
};

/* EnvironmentFile: value and type (enum EnvironmentFileType: "s3") both required. */
struct ecc_environment_file {
    char *value;
    char *type;
};

struct ecc_environment_file_list {
    struct ecc_environment_file *items;
    size_t count;
    bool has;
};

/* ResourceRequirement: value and type (enum ResourceType) both required. */
struct ecc_resource_requirement {
    char *value;
    char *type;
};

struct ecc_resource_requirement_list {
    struct ecc_resource_requirement *items;
    size_t count;
    bool has;
};

/* ContainerOverride */
struct ecc_container_override {
    char *name;
    struct ecc_string_list command;
    struct ecc_key_value_pair_list environment;
    struct ecc_environment_file_list environment_files;
    bool has_cpu;
    int32_t cpu;
    bool has_memory;
    int32_t memory;
    bool has_memory_reservation;
    int32_t memory_reservation;
    struct ecc_resource_requirement_list resource_requirements;
};

struct ecc_container_override_list {
    struct ecc_container_override *items;
    size_t count;
    bool has;
};

/* InferenceAcceleratorOverride (deprecated since 2023-04-15, still in the model) */
struct ecc_inference_accelerator_override {
    char *device_name;
    char *device_type;
};

struct ecc_inference_accelerator_override_list {
    struct ecc_inference_accelerator_override *items;
    size_t count;
    bool has;
};

/* EphemeralStorage: sizeInGiB required. */
struct ecc_ephemeral_storage {
    bool has_size_in_gib;
    int32_t size_in_gib;
};

/* TaskOverride (RunTaskRequest.overrides, Task.overrides) */
struct ecc_task_override {
    struct ecc_container_override_list container_overrides;
    char *cpu;
    struct ecc_inference_accelerator_override_list inference_accelerator_overrides;
    char *execution_role_arn;
    char *memory;
    char *task_role_arn;
    bool has_ephemeral_storage;
    struct ecc_ephemeral_storage ephemeral_storage;
};

/* CapacityProviderStrategyItem: capacityProvider required; weight 0..1000, base 0..100000 (model). */
struct ecc_capacity_provider_strategy_item {
    char *capacity_provider;
    bool has_weight;
    int32_t weight;
    bool has_base;
    int32_t base;
};

struct ecc_capacity_provider_strategy_list {
    struct ecc_capacity_provider_strategy_item *items;
    size_t count;
    bool has;
};

/* AwsVpcConfiguration: subnets required; assignPublicIp enum. */
struct ecc_aws_vpc_configuration {
    struct ecc_string_list subnets;
    struct ecc_string_list security_groups;
    char *assign_public_ip;
};

/* NetworkConfiguration */
struct ecc_network_configuration {
    bool has_awsvpc_configuration;
    struct ecc_aws_vpc_configuration awsvpc_configuration;
};

/* PlacementConstraint: type enum (distinctInstance, memberOf). */
struct ecc_placement_constraint {
    char *type;
    char *expression;
};

struct ecc_placement_constraint_list {
    struct ecc_placement_constraint *items;
    size_t count;
    bool has;
};

/* PlacementStrategy: type enum (random, spread, binpack). */
struct ecc_placement_strategy {
    char *type;
    char *field;
};

struct ecc_placement_strategy_list {
    struct ecc_placement_strategy *items;
    size_t count;
    bool has;
};

/* Tag (RunTaskRequest.tags, EBSTagSpecification.tags, Task.tags) */
struct ecc_tag {
    char *key;
    char *value;
};

struct ecc_tag_list {
    struct ecc_tag *items;
    size_t count;
    bool has;
};

/* EBSTagSpecification: resourceType required (enum: volume); propagateTags enum. */
struct ecc_ebs_tag_specification {
    char *resource_type;
    struct ecc_tag_list tags;
    char *propagate_tags;
};

struct ecc_ebs_tag_specification_list {
    struct ecc_ebs_tag_specification *items;
    size_t count;
    bool has;
};

/* TaskManagedEBSVolumeTerminationPolicy: deleteOnTermination required. */
struct ecc_task_managed_ebs_volume_termination_policy {
    bool has_delete_on_termination;
    bool delete_on_termination;
};

/* TaskManagedEBSVolumeConfiguration: roleArn required; volumeType free-form; filesystemType enum. */
struct ecc_task_managed_ebs_volume_configuration {
    bool has_encrypted;
    bool encrypted;
    char *kms_key_id;
    char *volume_type;
    bool has_size_in_gib;
    int32_t size_in_gib;
    char *snapshot_id;
    bool has_volume_initialization_rate;
    int32_t volume_initialization_rate;
    bool has_iops;
    int32_t iops;
    bool has_throughput;
    int32_t throughput;
    struct ecc_ebs_tag_specification_list tag_specifications;
    char *role_arn;
    bool has_termination_policy;
    struct ecc_task_managed_ebs_volume_termination_policy termination_policy;
    char *filesystem_type;
};

/* TaskVolumeConfiguration: name required. */
struct ecc_task_volume_configuration {
    char *name;
    bool has_managed_ebs_volume;
    struct ecc_task_managed_ebs_volume_configuration managed_ebs_volume;
};

struct ecc_task_volume_configuration_list {
    struct ecc_task_volume_configuration *items;
    size_t count;
    bool has;
};

/* RunTaskRequest: the 19 members, in model order. Only task_definition is required (validate.h). */
struct ecc_run_task_request {
    struct ecc_capacity_provider_strategy_list capacity_provider_strategy;
    char *cluster;
    bool has_count;
    int32_t count;
    bool has_enable_ecs_managed_tags;
    bool enable_ecs_managed_tags;
    bool has_enable_execute_command;
    bool enable_execute_command;
    char *group;
    char *launch_type;
    bool has_network_configuration;
    struct ecc_network_configuration network_configuration;
    bool has_overrides;
    struct ecc_task_override overrides;
    struct ecc_placement_constraint_list placement_constraints;
    struct ecc_placement_strategy_list placement_strategy;
    char *platform_version;
    char *propagate_tags;
    char *reference_id;
    char *started_by;
    struct ecc_tag_list tags;
    char *task_definition;
    char *client_token;
    struct ecc_task_volume_configuration_list volume_configurations;
};

/* The whole request */
void ecc_run_task_request_init(struct ecc_run_task_request *request);
void ecc_run_task_request_clean_up(struct ecc_run_task_request *request);
bool ecc_run_task_request_equal(const struct ecc_run_task_request *a, const struct ecc_run_task_request *b);
enum ecc_status ecc_run_task_request_copy(struct ecc_run_task_request *dst, const struct ecc_run_task_request *src)
    ECC_WARN_UNUSED_RESULT;

/* Shapes shared with the response side (Task.overrides, Task.tags) */
void ecc_task_override_init(struct ecc_task_override *value);
void ecc_task_override_clean_up(struct ecc_task_override *value);
bool ecc_task_override_equal(const struct ecc_task_override *a, const struct ecc_task_override *b);
enum ecc_status
ecc_task_override_copy(struct ecc_task_override *dst, const struct ecc_task_override *src) ECC_WARN_UNUSED_RESULT;

void ecc_tag_list_init(struct ecc_tag_list *list);
void ecc_tag_list_clean_up(struct ecc_tag_list *list);
bool ecc_tag_list_equal(const struct ecc_tag_list *a, const struct ecc_tag_list *b);
enum ecc_status ecc_tag_list_copy(struct ecc_tag_list *dst, const struct ecc_tag_list *src) ECC_WARN_UNUSED_RESULT;

void ecc_key_value_pair_list_init(struct ecc_key_value_pair_list *list);
void ecc_key_value_pair_list_clean_up(struct ecc_key_value_pair_list *list);
bool ecc_key_value_pair_list_equal(const struct ecc_key_value_pair_list *a, const struct ecc_key_value_pair_list *b);
enum ecc_status ecc_key_value_pair_list_copy(
    struct ecc_key_value_pair_list *dst, const struct ecc_key_value_pair_list *src) ECC_WARN_UNUSED_RESULT;

void ecc_string_list_init(struct ecc_string_list *list);
void ecc_string_list_clean_up(struct ecc_string_list *list);
bool ecc_string_list_equal(const struct ecc_string_list *a, const struct ecc_string_list *b);
/* Appends a copy of `str` (sets `has`). */
enum ecc_status ecc_string_list_append(struct ecc_string_list *list, const char *str) ECC_WARN_UNUSED_RESULT;
/* Appends a formatted line, cut at ECC_STRING_LIST_LINE_MAX - 1 bytes: the one "format, then append to a
 * list" of the library (problems, reasons). */
#define ECC_STRING_LIST_LINE_MAX 2048
enum ecc_status ecc_string_list_appendf(struct ecc_string_list *list, const char *fmt, ...)
    ECC_PRINTF(2, 3) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_string_list_vappendf(struct ecc_string_list *list, const char *fmt, va_list args)
    ECC_PRINTF(2, 0) ECC_WARN_UNUSED_RESULT;

/*
 * Grows any list struct of this header by one zeroed item and returns it (NULL on allocation failure,
 * the list unchanged). Sets `has`. Builders and parsers use it: `ECC_LIST_APPEND(&req.tags)`. The macro
 * evaluates its argument several times: pass a plain pointer, never a call.
 * `items_field` is the address of the list's `items` pointer (all struct pointers share one
 * representation, C11 6.2.5p28; the helper reads and writes it with memcpy).
 */
void *ecc_list_append_zeroed(bool *has, void *items_field, size_t *count, size_t item_size);
#define ECC_LIST_APPEND(list)                                                                                          \
    ecc_list_append_zeroed(&(list)->has, (void *)&(list)->items, &(list)->count, sizeof(*(list)->items))

/* Equality of two optional strings: both NULL, or both set and byte-equal. */
bool ecc_optional_string_equal(const char *a, const char *b);

#endif

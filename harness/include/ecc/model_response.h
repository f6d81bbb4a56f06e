#ifndef ECC_MODEL_RESPONSE_H
#define ECC_MODEL_RESPONSE_H
/*
 * Floor 1: the RunTask response model (ECS 2014-11-13): RunTaskResponse{tasks, failures}, the Task
 * shape with all 37 members and its nested shapes, and the error result a parsed error answer becomes.
 *
 * Conventions are those of model.h, whose shared shapes are reused here (TaskOverride for
 * Task.overrides, Tag for Task.tags, KeyValuePair for Attachment.details, EphemeralStorage, StringList):
 *  - strings: NULL is absent; enum-typed members are strings, so an unknown value survives a parse;
 *  - integers, booleans and timestamps: a `has_<member>` flag next to the value;
 *  - timestamps are epoch seconds with fractions (double), whatever the wire form was;
 *  - lists: the `has` flag tells `[]` from absent.
 *
 * Ownership: every value owns all its strings and arrays. `init` zeroes (all absent), `clean_up` frees
 * and leaves the value as after `init`. `equal` is deep and compares presence too.
 */
#include "ecc/common.h"
#include "ecc/errors.h"
#include "ecc/model.h"

/* NetworkBinding; protocol enum TransportProtocol (tcp, udp). */
struct ecc_network_binding {
    char *bind_ip;
    bool has_container_port;
    int32_t container_port;
    bool has_host_port;
    int32_t host_port;
    char *protocol;
    char *container_port_range;
    char *host_port_range;
};

struct ecc_network_binding_list {
    struct ecc_network_binding *items;
    size_t count;
    bool has;
};

/* NetworkInterface */
struct ecc_network_interface {
    char *attachment_id;
    char *private_ipv4_address;
    char *ipv6_address;
};

struct ecc_network_interface_list {
    struct ecc_network_interface *items;
    size_t count;
    bool has;
};

/* ManagedAgent; name enum ManagedAgentName (ExecuteCommandAgent). */
struct ecc_managed_agent {
    bool has_last_started_at;
    double last_started_at; /* epoch seconds */
    char *name;
    char *reason;
    char *last_status;
};

struct ecc_managed_agent_list {
    struct ecc_managed_agent *items;
    size_t count;
    bool has;
};

/* Container (18 members); healthStatus enum HealthStatus (HEALTHY, UNHEALTHY, UNKNOWN). */
struct ecc_container {
    char *container_arn;
    char *task_arn;
    char *name;
    char *image;
    char *image_digest;
    char *runtime_id;
    char *last_status;
    bool has_exit_code;
    int32_t exit_code;
    char *reason;
    struct ecc_network_binding_list network_bindings;
    struct ecc_network_interface_list network_interfaces;
    char *health_status;
    struct ecc_managed_agent_list managed_agents;
    char *cpu;
    char *memory;
    char *memory_reservation;
    struct ecc_string_list gpu_ids;
    struct ecc_string_list neuron_device_ids;
};

struct ecc_container_list {
    struct ecc_container *items;
    size_t count;
    bool has;
};

/* Attachment: an ENI's details are KeyValuePairs (subnetId, networkInterfaceId, privateIPv4Address...). */
struct ecc_attachment {
    char *id;
    char *type;
    char *status;
    struct ecc_key_value_pair_list details;
};

struct ecc_attachment_list {
    struct ecc_attachment *items;
    size_t count;
    bool has;
};

/* Attribute; targetType enum TargetType (container-instance). */
struct ecc_attribute {
    char *name;
    char *value;
    char *target_type;
    char *target_id;
};

struct ecc_attribute_list {
    struct ecc_attribute *items;
    size_t count;
    bool has;
};

/* InferenceAccelerator (deprecated since 2023-04-15, still in the model) */
struct ecc_inference_accelerator {
    char *device_name;
    char *device_type;
};

struct ecc_inference_accelerator_list {
    struct ecc_inference_accelerator *items;
    size_t count;
    bool has;
};

/* TaskEphemeralStorage (Task.fargateEphemeralStorage) */
struct ecc_task_ephemeral_storage {
    bool has_size_in_gib;
    int32_t size_in_gib;
    char *kms_key_id;
};

/*
 * Task: the 37 members in model order. Enums kept as strings: connectivity (CONNECTED, DISCONNECTED),
 * healthStatus, launchType (EC2, FARGATE, EXTERNAL, MANAGED_INSTANCES), stopCode (TaskStopCode).
 * Timestamps are epoch seconds.
 */
struct ecc_task {
    struct ecc_attachment_list attachments;
    struct ecc_attribute_list attributes;
    char *availability_zone;
    char *capacity_provider_name;
    char *cluster_arn;
    char *connectivity;
    bool has_connectivity_at;
    double connectivity_at;
    char *container_instance_arn;
    struct ecc_container_list containers;
    char *cpu;
    bool has_created_at;
    double created_at;
    char *desired_status;
    bool has_enable_execute_command;
    bool enable_execute_command;
    bool has_execution_stopped_at;
    double execution_stopped_at;
    char *group;
    char *health_status;
    struct ecc_inference_accelerator_list inference_accelerators;
    char *last_status;
    char *launch_type;
    char *memory;
    bool has_overrides;
    struct ecc_task_override overrides;
    char *platform_version;
    char *platform_family;
    bool has_pull_started_at;
    double pull_started_at;
    bool has_pull_stopped_at;
    double pull_stopped_at;
    bool has_started_at;
    double started_at;
    char *started_by;
    char *stop_code;
    bool has_stopped_at;
    double stopped_at;
    char *stopped_reason;
    bool has_stopping_at;
    double stopping_at;
    struct ecc_tag_list tags;
    char *task_arn;
    char *task_definition_arn;
    bool has_version;
    int64_t version;
    bool has_ephemeral_storage;
    struct ecc_ephemeral_storage ephemeral_storage;
    bool has_fargate_ephemeral_storage;
    struct ecc_task_ephemeral_storage fargate_ephemeral_storage;
};

struct ecc_task_list {
    struct ecc_task *items;
    size_t count;
    bool has;
};

/* Failure: a task that was not placed. A 200 answer can hold only failures (partial failure). */
struct ecc_failure {
    char *arn;
    char *reason;
    char *detail;
};

struct ecc_failure_list {
    struct ecc_failure *items;
    size_t count;
    bool has;
};

/* RunTaskResponse: neither member is required; absent and [] are kept apart. */
struct ecc_run_task_response {
    struct ecc_task_list tasks;
    struct ecc_failure_list failures;
};

void ecc_run_task_response_init(struct ecc_run_task_response *response);
void ecc_run_task_response_clean_up(struct ecc_run_task_response *response);
bool ecc_run_task_response_equal(const struct ecc_run_task_response *a, const struct ecc_run_task_response *b);

void ecc_task_init(struct ecc_task *task);
void ecc_task_clean_up(struct ecc_task *task);
bool ecc_task_equal(const struct ecc_task *a, const struct ecc_task *b);

/*
 * What an error answer (HTTP 4xx/5xx with a usable error type) becomes, for RunTask and for any other
 * operation. Owns its strings; `info` points into the static table (errors.h).
 */
struct ecc_error_result {
    int http_status;
    enum ecc_error_type_source type_source;
    char *type_raw;                      /* as sent: "com.amazonaws.ecs#ClusterNotFoundException:uri" */
    char *type_name;                     /* sanitized: "ClusterNotFoundException" */
    const struct ecc_error_info *info;   /* table row, NULL when the type is unknown */
    char *message;                       /* `message` or `Message`; NULL when neither is a string */
    struct ecc_string_list resource_ids; /* ConflictException's `resourceIds`; absent otherwise */
    char *request_id;                    /* X-Amzn-Requestid; NULL when absent */
};

void ecc_error_result_init(struct ecc_error_result *error);
void ecc_error_result_clean_up(struct ecc_error_result *error);

#endif

/*
 * The RunTask response model (model_response.h): clean-up and equality of Task, its nested shapes,
 * Failure, RunTaskResponse and the error result, with the list functions from model_list.h and the
 * shapes model.c already defines reused.
 */
#include "ecc/model_response.h"

#include "model_list.h"

#include <stdlib.h>
#include <string.h>

/* Free and equality of the list types of this header, one pair per element type. */
#define S_STR_EQ(field) ecc_optional_string_equal(a->field, b->field)
#define S_OPT_EQ(field) (a->has_##field == b->has_##field && (!a->has_##field || a->field == b->field))

static void s_network_binding_clean_up(struct ecc_network_binding *v) {
    free(v->bind_ip);
    free(v->protocol);
    free(v->container_port_range);
    free(v->host_port_range);
}

static bool s_network_binding_equal(const struct ecc_network_binding *a, const struct ecc_network_binding *b) {
    return S_STR_EQ(bind_ip) && S_OPT_EQ(container_port) && S_OPT_EQ(host_port) && S_STR_EQ(protocol) &&
           S_STR_EQ(container_port_range) && S_STR_EQ(host_port_range);
}

ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(ecc_network_binding_list, s_network_binding_clean_up, s_network_binding_equal)

static void s_network_interface_clean_up(struct ecc_network_interface *v) {
    free(v->attachment_id);
    free(v->private_ipv4_address);
    free(v->ipv6_address);
}

static bool s_network_interface_equal(const struct ecc_network_interface *a, const struct ecc_network_interface *b) {
    return S_STR_EQ(attachment_id) && S_STR_EQ(private_ipv4_address) && S_STR_EQ(ipv6_address);
}

ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(ecc_network_interface_list, s_network_interface_clean_up, s_network_interface_equal)

static void s_managed_agent_clean_up(struct ecc_managed_agent *v) {
    free(v->name);
    free(v->reason);
    free(v->last_status);
}

static bool s_managed_agent_equal(const struct ecc_managed_agent *a, const struct ecc_managed_agent *b) {
    return S_OPT_EQ(last_started_at) && S_STR_EQ(name) && S_STR_EQ(reason) && S_STR_EQ(last_status);
}

ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(ecc_managed_agent_list, s_managed_agent_clean_up, s_managed_agent_equal)

static void s_container_clean_up(struct ecc_container *v) {
    free(v->container_arn);
    free(v->task_arn);
    free(v->name);
    free(v->image);
    free(v->image_digest);
    free(v->runtime_id);
    free(v->last_status);
    free(v->reason);
    s_ecc_network_binding_list_clean_up(&v->network_bindings);
    s_ecc_network_interface_list_clean_up(&v->network_interfaces);
    free(v->health_status);
    s_ecc_managed_agent_list_clean_up(&v->managed_agents);
    free(v->cpu);
    free(v->memory);
    free(v->memory_reservation);
    ecc_string_list_clean_up(&v->gpu_ids);
    ecc_string_list_clean_up(&v->neuron_device_ids);
}

static bool s_container_equal(const struct ecc_container *a, const struct ecc_container *b) {
    return S_STR_EQ(container_arn) && S_STR_EQ(task_arn) && S_STR_EQ(name) && S_STR_EQ(image) &&
           S_STR_EQ(image_digest) && S_STR_EQ(runtime_id) && S_STR_EQ(last_status) && S_OPT_EQ(exit_code) &&
           S_STR_EQ(reason) && s_ecc_network_binding_list_equal(&a->network_bindings, &b->network_bindings) &&
           s_ecc_network_interface_list_equal(&a->network_interfaces, &b->network_interfaces) &&
           S_STR_EQ(health_status) && s_ecc_managed_agent_list_equal(&a->managed_agents, &b->managed_agents) &&
           S_STR_EQ(cpu) && S_STR_EQ(memory) && S_STR_EQ(memory_reservation) &&
           ecc_string_list_equal(&a->gpu_ids, &b->gpu_ids) &&
           ecc_string_list_equal(&a->neuron_device_ids, &b->neuron_device_ids);
}

ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(ecc_container_list, s_container_clean_up, s_container_equal)

static void s_attachment_clean_up(struct ecc_attachment *v) {
    free(v->id);
    free(v->type);
    free(v->status);
    ecc_key_value_pair_list_clean_up(&v->details);
}

static bool s_attachment_equal(const struct ecc_attachment *a, const struct ecc_attachment *b) {
    return S_STR_EQ(id) && S_STR_EQ(type) && S_STR_EQ(status) &&
           ecc_key_value_pair_list_equal(&a->details, &b->details);
}

ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(ecc_attachment_list, s_attachment_clean_up, s_attachment_equal)

static void s_attribute_clean_up(struct ecc_attribute *v) {
    free(v->name);
    free(v->value);
    free(v->target_type);
    free(v->target_id);
}

static bool s_attribute_equal(const struct ecc_attribute *a, const struct ecc_attribute *b) {
    return S_STR_EQ(name) && S_STR_EQ(value) && S_STR_EQ(target_type) && S_STR_EQ(target_id);
}

ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(ecc_attribute_list, s_attribute_clean_up, s_attribute_equal)

static void s_inference_accelerator_clean_up(struct ecc_inference_accelerator *v) {
    free(v->device_name);
    free(v->device_type);
}

static bool
s_inference_accelerator_equal(const struct ecc_inference_accelerator *a, const struct ecc_inference_accelerator *b) {
    return S_STR_EQ(device_name) && S_STR_EQ(device_type);
}

ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(
    ecc_inference_accelerator_list, s_inference_accelerator_clean_up, s_inference_accelerator_equal)

static bool s_ephemeral_storage_equal(const struct ecc_ephemeral_storage *a, const struct ecc_ephemeral_storage *b) {
    return S_OPT_EQ(size_in_gib);
}

static bool
s_task_ephemeral_storage_equal(const struct ecc_task_ephemeral_storage *a, const struct ecc_task_ephemeral_storage *b) {
    return S_OPT_EQ(size_in_gib) && S_STR_EQ(kms_key_id);
}

void ecc_task_init(struct ecc_task *task) {
    memset(task, 0, sizeof(*task));
    ecc_task_override_init(&task->overrides);
}

void ecc_task_clean_up(struct ecc_task *task) {
    s_ecc_attachment_list_clean_up(&task->attachments);
    s_ecc_attribute_list_clean_up(&task->attributes);
    free(task->availability_zone);
    free(task->capacity_provider_name);
    free(task->cluster_arn);
    free(task->connectivity);
    free(task->container_instance_arn);
    s_ecc_container_list_clean_up(&task->containers);
    free(task->cpu);
    free(task->desired_status);
    free(task->group);
    free(task->health_status);
    s_ecc_inference_accelerator_list_clean_up(&task->inference_accelerators);
    free(task->last_status);
    free(task->launch_type);
    free(task->memory);
    ecc_task_override_clean_up(&task->overrides);
    free(task->platform_version);
    free(task->platform_family);
    free(task->started_by);
    free(task->stop_code);
    free(task->stopped_reason);
    ecc_tag_list_clean_up(&task->tags);
    free(task->task_arn);
    free(task->task_definition_arn);
    free(task->fargate_ephemeral_storage.kms_key_id);
    ecc_task_init(task);
}

bool ecc_task_equal(const struct ecc_task *a, const struct ecc_task *b) {
    return s_ecc_attachment_list_equal(&a->attachments, &b->attachments) &&
           s_ecc_attribute_list_equal(&a->attributes, &b->attributes) && S_STR_EQ(availability_zone) &&
           S_STR_EQ(capacity_provider_name) && S_STR_EQ(cluster_arn) && S_STR_EQ(connectivity) &&
           S_OPT_EQ(connectivity_at) && S_STR_EQ(container_instance_arn) &&
           s_ecc_container_list_equal(&a->containers, &b->containers) && S_STR_EQ(cpu) && S_OPT_EQ(created_at) &&
           S_STR_EQ(desired_status) && S_OPT_EQ(enable_execute_command) && S_OPT_EQ(execution_stopped_at) &&
           S_STR_EQ(group) && S_STR_EQ(health_status) &&
           s_ecc_inference_accelerator_list_equal(&a->inference_accelerators, &b->inference_accelerators) &&
           S_STR_EQ(last_status) && S_STR_EQ(launch_type) && S_STR_EQ(memory) && a->has_overrides == b->has_overrides &&
           (!a->has_overrides || ecc_task_override_equal(&a->overrides, &b->overrides)) && S_STR_EQ(platform_version) &&
           S_STR_EQ(platform_family) && S_OPT_EQ(pull_started_at) && S_OPT_EQ(pull_stopped_at) &&
           S_OPT_EQ(started_at) && S_STR_EQ(started_by) && S_STR_EQ(stop_code) && S_OPT_EQ(stopped_at) &&
           S_STR_EQ(stopped_reason) && S_OPT_EQ(stopping_at) && ecc_tag_list_equal(&a->tags, &b->tags) &&
           S_STR_EQ(task_arn) && S_STR_EQ(task_definition_arn) && S_OPT_EQ(version) &&
           a->has_ephemeral_storage == b->has_ephemeral_storage &&
           (!a->has_ephemeral_storage || s_ephemeral_storage_equal(&a->ephemeral_storage, &b->ephemeral_storage)) &&
           a->has_fargate_ephemeral_storage == b->has_fargate_ephemeral_storage &&
           (!a->has_fargate_ephemeral_storage ||
            s_task_ephemeral_storage_equal(&a->fargate_ephemeral_storage, &b->fargate_ephemeral_storage));
}

ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(ecc_task_list, ecc_task_clean_up, ecc_task_equal)

static void s_failure_clean_up(struct ecc_failure *v) {
    free(v->arn);
    free(v->reason);
    free(v->detail);
}

static bool s_failure_equal(const struct ecc_failure *a, const struct ecc_failure *b) {
    return S_STR_EQ(arn) && S_STR_EQ(reason) && S_STR_EQ(detail);
}

ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(ecc_failure_list, s_failure_clean_up, s_failure_equal)

void ecc_run_task_response_init(struct ecc_run_task_response *response) {
    memset(response, 0, sizeof(*response));
}

void ecc_run_task_response_clean_up(struct ecc_run_task_response *response) {
    s_ecc_task_list_clean_up(&response->tasks);
    s_ecc_failure_list_clean_up(&response->failures);
}

bool ecc_run_task_response_equal(const struct ecc_run_task_response *a, const struct ecc_run_task_response *b) {
    return s_ecc_task_list_equal(&a->tasks, &b->tasks) && s_ecc_failure_list_equal(&a->failures, &b->failures);
}

void ecc_error_result_init(struct ecc_error_result *error) {
    memset(error, 0, sizeof(*error));
}

void ecc_error_result_clean_up(struct ecc_error_result *error) {
    free(error->type_raw);
    free(error->type_name);
    free(error->message);
    ecc_string_list_clean_up(&error->resource_ids);
    free(error->request_id);
    ecc_error_result_init(error);
}

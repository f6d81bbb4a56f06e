/*
 * The RunTask request codec (codec_request.h): the model written straight into an ecc_buf as the JSON
 * body (no intermediate jansson tree), the body parsed back through jansson with member paths for type
 * errors and a strict mode that lists unknown members, the AWS JSON 1.1 envelope for any operation, and
 * the one X-Amz-Target reader. The shapes the response side shares are read and written here too.
 */
#include "ecc/codec_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Writing. The body is written straight into the caller's ecc_buf: json_dumps alone, of a tree built
 * beforehand, already takes several times what writing the text directly takes
 * (bench/bench_codec_request.c), so a jansson tree would only add cost. The string
 * escaper (json.h) writes the same bytes json_dumps would. The writer latches the first failure so the
 * shape writers read like the model; the path is kept to name the member a failure happened at.
 */
static void s_write_key_value_pair(struct ecc_json_writer *w, const void *item) {
    const struct ecc_key_value_pair *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "name", v->name);
    ecc_json_writer_string_member(w, &first, "value", v->value);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_environment_file(struct ecc_json_writer *w, const void *item) {
    const struct ecc_environment_file *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "value", v->value);
    ecc_json_writer_string_member(w, &first, "type", v->type);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_resource_requirement(struct ecc_json_writer *w, const void *item) {
    const struct ecc_resource_requirement *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "value", v->value);
    ecc_json_writer_string_member(w, &first, "type", v->type);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_container_override(struct ecc_json_writer *w, const void *item) {
    const struct ecc_container_override *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "name", v->name);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "command", &v->command, ecc_json_writer_string_item);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "environment", &v->environment, s_write_key_value_pair);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "environmentFiles", &v->environment_files, s_write_environment_file);
    ecc_json_writer_int_member(w, &first, "cpu", v->has_cpu, v->cpu);
    ecc_json_writer_int_member(w, &first, "memory", v->has_memory, v->memory);
    ecc_json_writer_int_member(w, &first, "memoryReservation", v->has_memory_reservation, v->memory_reservation);
    ECC_JSON_WRITER_LIST_MEMBER(
        w, &first, "resourceRequirements", &v->resource_requirements, s_write_resource_requirement);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_inference_accelerator_override(struct ecc_json_writer *w, const void *item) {
    const struct ecc_inference_accelerator_override *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "deviceName", v->device_name);
    ecc_json_writer_string_member(w, &first, "deviceType", v->device_type);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_task_override(struct ecc_json_writer *w, const struct ecc_task_override *v) {
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "containerOverrides", &v->container_overrides, s_write_container_override);
    ecc_json_writer_string_member(w, &first, "cpu", v->cpu);
    ECC_JSON_WRITER_LIST_MEMBER(
        w,
        &first,
        "inferenceAcceleratorOverrides",
        &v->inference_accelerator_overrides,
        s_write_inference_accelerator_override);
    ecc_json_writer_string_member(w, &first, "executionRoleArn", v->execution_role_arn);
    ecc_json_writer_string_member(w, &first, "memory", v->memory);
    ecc_json_writer_string_member(w, &first, "taskRoleArn", v->task_role_arn);
    ecc_codec_json_write_ephemeral_storage(w, &first, v->has_ephemeral_storage, &v->ephemeral_storage);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_capacity_provider_strategy_item(struct ecc_json_writer *w, const void *item) {
    const struct ecc_capacity_provider_strategy_item *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "capacityProvider", v->capacity_provider);
    ecc_json_writer_int_member(w, &first, "weight", v->has_weight, v->weight);
    ecc_json_writer_int_member(w, &first, "base", v->has_base, v->base);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_network_configuration(struct ecc_json_writer *w, const struct ecc_network_configuration *v) {
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    if (v->has_awsvpc_configuration) {
        const struct ecc_aws_vpc_configuration *vpc = &v->awsvpc_configuration;
        bool inner = true;
        ecc_json_writer_enter(w, &first, "awsvpcConfiguration");
        ECC_JSON_WRITER_LITERAL(w, "{");
        ECC_JSON_WRITER_LIST_MEMBER(w, &inner, "subnets", &vpc->subnets, ecc_json_writer_string_item);
        ECC_JSON_WRITER_LIST_MEMBER(w, &inner, "securityGroups", &vpc->security_groups, ecc_json_writer_string_item);
        ecc_json_writer_string_member(w, &inner, "assignPublicIp", vpc->assign_public_ip);
        ECC_JSON_WRITER_LITERAL(w, "}");
        ecc_json_writer_leave(w);
    }
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_placement_constraint(struct ecc_json_writer *w, const void *item) {
    const struct ecc_placement_constraint *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "type", v->type);
    ecc_json_writer_string_member(w, &first, "expression", v->expression);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_placement_strategy(struct ecc_json_writer *w, const void *item) {
    const struct ecc_placement_strategy *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "type", v->type);
    ecc_json_writer_string_member(w, &first, "field", v->field);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_tag(struct ecc_json_writer *w, const void *item) {
    const struct ecc_tag *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "key", v->key);
    ecc_json_writer_string_member(w, &first, "value", v->value);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_ebs_tag_specification(struct ecc_json_writer *w, const void *item) {
    const struct ecc_ebs_tag_specification *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "resourceType", v->resource_type);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "tags", &v->tags, s_write_tag);
    ecc_json_writer_string_member(w, &first, "propagateTags", v->propagate_tags);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void
s_write_managed_ebs_volume(struct ecc_json_writer *w, const struct ecc_task_managed_ebs_volume_configuration *v) {
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_bool_member(w, &first, "encrypted", v->has_encrypted, v->encrypted);
    ecc_json_writer_string_member(w, &first, "kmsKeyId", v->kms_key_id);
    ecc_json_writer_string_member(w, &first, "volumeType", v->volume_type);
    ecc_json_writer_int_member(w, &first, "sizeInGiB", v->has_size_in_gib, v->size_in_gib);
    ecc_json_writer_string_member(w, &first, "snapshotId", v->snapshot_id);
    ecc_json_writer_int_member(
        w, &first, "volumeInitializationRate", v->has_volume_initialization_rate, v->volume_initialization_rate);
    ecc_json_writer_int_member(w, &first, "iops", v->has_iops, v->iops);
    ecc_json_writer_int_member(w, &first, "throughput", v->has_throughput, v->throughput);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "tagSpecifications", &v->tag_specifications, s_write_ebs_tag_specification);
    ecc_json_writer_string_member(w, &first, "roleArn", v->role_arn);
    if (v->has_termination_policy) {
        bool inner = true;
        ecc_json_writer_enter(w, &first, "terminationPolicy");
        ECC_JSON_WRITER_LITERAL(w, "{");
        ecc_json_writer_bool_member(
            w,
            &inner,
            "deleteOnTermination",
            v->termination_policy.has_delete_on_termination,
            v->termination_policy.delete_on_termination);
        ECC_JSON_WRITER_LITERAL(w, "}");
        ecc_json_writer_leave(w);
    }
    ecc_json_writer_string_member(w, &first, "filesystemType", v->filesystem_type);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_task_volume_configuration(struct ecc_json_writer *w, const void *item) {
    const struct ecc_task_volume_configuration *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "name", v->name);
    if (v->has_managed_ebs_volume) {
        ecc_json_writer_enter(w, &first, "managedEBSVolume");
        s_write_managed_ebs_volume(w, &v->managed_ebs_volume);
        ecc_json_writer_leave(w);
    }
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_write_run_task_request(struct ecc_json_writer *w, const struct ecc_run_task_request *v) {
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ECC_JSON_WRITER_LIST_MEMBER(
        w, &first, "capacityProviderStrategy", &v->capacity_provider_strategy, s_write_capacity_provider_strategy_item);
    ecc_json_writer_string_member(w, &first, "cluster", v->cluster);
    ecc_json_writer_int_member(w, &first, "count", v->has_count, v->count);
    ecc_json_writer_bool_member(
        w, &first, "enableECSManagedTags", v->has_enable_ecs_managed_tags, v->enable_ecs_managed_tags);
    ecc_json_writer_bool_member(
        w, &first, "enableExecuteCommand", v->has_enable_execute_command, v->enable_execute_command);
    ecc_json_writer_string_member(w, &first, "group", v->group);
    ecc_json_writer_string_member(w, &first, "launchType", v->launch_type);
    if (v->has_network_configuration) {
        ecc_json_writer_enter(w, &first, "networkConfiguration");
        s_write_network_configuration(w, &v->network_configuration);
        ecc_json_writer_leave(w);
    }
    if (v->has_overrides) {
        ecc_json_writer_enter(w, &first, "overrides");
        s_write_task_override(w, &v->overrides);
        ecc_json_writer_leave(w);
    }
    ECC_JSON_WRITER_LIST_MEMBER(
        w, &first, "placementConstraints", &v->placement_constraints, s_write_placement_constraint);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "placementStrategy", &v->placement_strategy, s_write_placement_strategy);
    ecc_json_writer_string_member(w, &first, "platformVersion", v->platform_version);
    ecc_json_writer_string_member(w, &first, "propagateTags", v->propagate_tags);
    ecc_json_writer_string_member(w, &first, "referenceId", v->reference_id);
    ecc_json_writer_string_member(w, &first, "startedBy", v->started_by);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "tags", &v->tags, s_write_tag);
    ecc_json_writer_string_member(w, &first, "taskDefinition", v->task_definition);
    ecc_json_writer_string_member(w, &first, "clientToken", v->client_token);
    ECC_JSON_WRITER_LIST_MEMBER(
        w, &first, "volumeConfigurations", &v->volume_configurations, s_write_task_volume_configuration);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

/* Ends a top-level write: on failure the buffer goes back to where it was. */
static enum ecc_status s_finish(struct ecc_json_writer *w) {
    enum ecc_status status = ecc_json_writer_finish(w);
    if (status == ECC_ERR_LIMIT) {
        ecc_diag_set(w->diag, "request body larger than the cap of %zu bytes", w->out->max_bytes);
    }
    return status;
}

enum ecc_status ecc_codec_write_run_task_request(
    struct ecc_buf *out, const struct ecc_run_task_request *request, struct ecc_diag *diag) {
    struct ecc_json_writer w;
    ecc_json_writer_init(&w, out, diag);
    s_write_run_task_request(&w, request);
    return s_finish(&w);
}

enum ecc_status ecc_codec_check_run_task_request(const struct ecc_run_task_request *request, struct ecc_diag *diag) {
    struct ecc_json_writer w;
    ecc_json_writer_init_check(&w, diag);
    s_write_run_task_request(&w, request);
    return s_finish(&w);
}

enum ecc_status
ecc_codec_write_task_override(struct ecc_buf *out, const struct ecc_task_override *value, struct ecc_diag *diag) {
    struct ecc_json_writer w;
    ecc_json_writer_init(&w, out, diag);
    ecc_codec_json_write_task_override(&w, value);
    return s_finish(&w);
}

void ecc_codec_json_write_ephemeral_storage(
    struct ecc_json_writer *w, bool *first, bool has, const struct ecc_ephemeral_storage *value) {
    if (has) {
        bool inner = true;
        ecc_json_writer_enter(w, first, "ephemeralStorage");
        ECC_JSON_WRITER_LITERAL(w, "{");
        ecc_json_writer_int_member(w, &inner, "sizeInGiB", value->has_size_in_gib, value->size_in_gib);
        ECC_JSON_WRITER_LITERAL(w, "}");
        ecc_json_writer_leave(w);
    }
}

void ecc_codec_json_write_task_override(struct ecc_json_writer *w, const struct ecc_task_override *value) {
    s_write_task_override(w, value);
}

void ecc_codec_json_write_tags(struct ecc_json_writer *w, const struct ecc_tag_list *value) {
    ecc_json_writer_list(w, value->items, value->count, sizeof(*value->items), s_write_tag);
}

void ecc_codec_json_write_key_value_pairs(struct ecc_json_writer *w, const struct ecc_key_value_pair_list *value) {
    ecc_json_writer_list(w, value->items, value->count, sizeof(*value->items), s_write_key_value_pair);
}

/* The envelope. */

static bool s_is_operation_name(const char *operation) {
    if (!operation || !*operation || strlen(operation) > 128) {
        return false;
    }
    for (const char *c = operation; *c; c++) {
        bool alnum = (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9');
        if (!alnum) {
            return false;
        }
    }
    return true;
}

bool ecc_codec_read_target(const char *target, struct ecc_aws_json_target *out) {
    const char *dot = target ? strrchr(target, '.') : NULL;
    if (!dot) {
        *out = (struct ecc_aws_json_target){NULL, false};
        return false;
    }
    size_t prefix_len = sizeof(ECC_AWS_JSON_TARGET_PREFIX) - 1;
    out->operation = dot + 1;
    out->ecs_prefix =
        (size_t)(dot - target) == prefix_len && memcmp(target, ECC_AWS_JSON_TARGET_PREFIX, prefix_len) == 0;
    return true;
}

enum ecc_status ecc_codec_build_aws_json_request(
    const char *operation, const void *body, size_t body_len, struct ecc_http_request *out, struct ecc_diag *diag) {
    if (!s_is_operation_name(operation)) {
        ecc_diag_set(diag, "operation name must be 1-128 letters and digits");
        return ECC_ERR_INVALID;
    }
    if (!body) {
        body = "{}";
        body_len = 2;
    }
    ecc_http_request_clean_up(out);
    ecc_http_request_init(out);
    char target[sizeof(ECC_AWS_JSON_TARGET_PREFIX) + 130];
    snprintf(target, sizeof(target), "%s.%s", ECC_AWS_JSON_TARGET_PREFIX, operation);
    char length[32];
    snprintf(length, sizeof(length), "%zu", body_len);
    enum ecc_status status = ecc_http_request_set_line(out, "POST", "/", NULL);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = ecc_http_headers_add(&out->headers, "Content-Type", ECC_AWS_JSON_CONTENT_TYPE);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = ecc_http_headers_add(&out->headers, "X-Amz-Target", target);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = ecc_http_headers_add(&out->headers, "Content-Length", length);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = ecc_http_request_set_body(out, body, body_len);
    if (status != ECC_OK) {
        goto on_error;
    }
    return ECC_OK;
on_error:
    ecc_diag_set(diag, "cannot build the %s request: %s", operation, ecc_status_name(status));
    ecc_http_request_clean_up(out);
    ecc_http_request_init(out);
    return status;
}

enum ecc_status ecc_codec_serialize_run_task_request(
    const struct ecc_run_task_request *request,
    const struct ecc_codec_request_options *options,
    struct ecc_http_request *out,
    struct ecc_diag *diag) {
    size_t max_body_bytes =
        options && options->max_body_bytes ? options->max_body_bytes : ECC_CODEC_DEFAULT_MAX_BODY_BYTES;
    struct ecc_buf body;
    ecc_buf_init(&body, max_body_bytes);
    enum ecc_status status = ecc_codec_write_run_task_request(&body, request, diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_codec_build_aws_json_request("RunTask", body.data, body.len, out, diag);
done:
    ecc_buf_clean_up(&body);
    return status;
}

/*
 * Reading. Every reader takes the JSON value of its shape (already checked to be an object), reads
 * the members it knows through json.h (so type errors carry the member path), and in strict mode
 * lists the members it does not know.
 */
struct s_reader {
    struct ecc_json_path *path;
    struct ecc_diag *diag;
    bool strict;                     /* false: unknown members are ignored */
    struct ecc_string_list *unknown; /* strict mode's list (may be NULL) */
    size_t unknown_count;
    char first_unknown[256];
};

typedef enum ecc_status (*s_item_reader)(struct s_reader *r, const json_t *object, void *out);

/* Strict mode: counts every member of `object` not in `known` and lists the first ones. */
static enum ecc_status s_r_check_members(struct s_reader *r, const json_t *object, const char *const *known) {
    if (!r->strict) {
        return ECC_OK;
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)object, key, value) {
        bool found = false;
        for (const char *const *k = known; *k && !found; k++) {
            found = strcmp(*k, key) == 0;
        }
        if (found) {
            continue;
        }
        char where[sizeof(r->first_unknown)];
        ecc_json_path_push_member(r->path, key);
        ecc_json_path_format_member(r->path, where, sizeof(where));
        ecc_json_path_pop(r->path);
        if (!r->unknown_count++) {
            memcpy(r->first_unknown, where, sizeof(where));
        }
        if (r->unknown && r->unknown->count < ECC_CODEC_MAX_UNKNOWN_MEMBERS) {
            enum ecc_status status = ecc_string_list_append(r->unknown, where);
            if (status != ECC_OK) {
                return status;
            }
        }
    }
    return ECC_OK;
}

static enum ecc_status s_r_string(struct s_reader *r, const json_t *object, const char *key, char **out) {
    return ecc_json_read_string(object, key, r->path, out, NULL, r->diag);
}

static enum ecc_status s_r_int(struct s_reader *r, const json_t *object, const char *key, bool *has, int32_t *out) {
    enum ecc_json_presence presence = ECC_JSON_ABSENT;
    enum ecc_status status = ecc_json_read_int(object, key, r->path, out, &presence, r->diag);
    *has = presence == ECC_JSON_PRESENT;
    return status;
}

static enum ecc_status s_r_bool(struct s_reader *r, const json_t *object, const char *key, bool *has, bool *out) {
    enum ecc_json_presence presence = ECC_JSON_ABSENT;
    enum ecc_status status = ecc_json_read_bool(object, key, r->path, out, &presence, r->diag);
    *has = presence == ECC_JSON_PRESENT;
    return status;
}

/* A nested structure member: *out is NULL when absent; a non-object is a type error. */
static enum ecc_status s_r_object(struct s_reader *r, const json_t *object, const char *key, const json_t **out) {
    *out = NULL;
    return ecc_json_read_object(object, key, r->path, out, NULL, r->diag);
}

static enum ecc_status s_r_string_items(struct s_reader *r, const json_t *array, struct ecc_string_list *out) {
    out->has = true;
    size_t count = json_array_size(array);
    if (!count) {
        return ECC_OK;
    }
    out->items = calloc(count, sizeof(char *));
    if (!out->items) {
        return ECC_ERR_NOMEM;
    }
    out->count = count;
    for (size_t i = 0; i < count; i++) {
        const json_t *item = json_array_get(array, i);
        ecc_json_path_push_index(r->path, i);
        enum ecc_status status = ECC_OK;
        if (!json_is_string(item)) {
            ecc_json_type_error(r->path, "a string", item, r->diag);
            status = ECC_ERR_INVALID;
        } else {
            out->items[i] = ecc_strdup(json_string_value(item));
            if (!out->items[i]) {
                status = ECC_ERR_NOMEM;
            }
        }
        ecc_json_path_pop(r->path);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status
s_r_string_list(struct s_reader *r, const json_t *object, const char *key, struct ecc_string_list *out) {
    const json_t *array = NULL;
    enum ecc_status status = ecc_json_read_array(object, key, r->path, &array, NULL, r->diag);
    if (status != ECC_OK || !array) {
        return status;
    }
    ecc_json_path_push_member(r->path, key);
    status = s_r_string_items(r, array, out);
    ecc_json_path_pop(r->path);
    return status;
}

/* The items of a JSON array of structures, into a list struct given by its fields. */
static enum ecc_status s_r_items(
    struct s_reader *r,
    const json_t *array,
    bool *has,
    void *items_field,
    size_t *count_out,
    size_t item_size,
    s_item_reader read_item) {
    *has = true;
    size_t count = json_array_size(array);
    if (!count) {
        return ECC_OK;
    }
    char *items = calloc(count, item_size);
    if (!items) {
        return ECC_ERR_NOMEM;
    }
    /* Owned by the list from here on, so a failure below leaves it to the caller's clean_up. */
    memcpy(items_field, &items, sizeof(items));
    *count_out = count;
    for (size_t i = 0; i < count; i++) {
        const json_t *item = json_array_get(array, i);
        ecc_json_path_push_index(r->path, i);
        enum ecc_status status = ECC_OK;
        if (!json_is_object(item)) {
            ecc_json_type_error(r->path, "an object", item, r->diag);
            status = ECC_ERR_INVALID;
        } else {
            status = read_item(r, item, items + i * item_size);
        }
        ecc_json_path_pop(r->path);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status s_r_list(
    struct s_reader *r,
    const json_t *object,
    const char *key,
    bool *has,
    void *items_field,
    size_t *count,
    size_t item_size,
    s_item_reader read_item) {
    const json_t *array = NULL;
    enum ecc_status status = ecc_json_read_array(object, key, r->path, &array, NULL, r->diag);
    if (status != ECC_OK || !array) {
        return status;
    }
    ecc_json_path_push_member(r->path, key);
    status = s_r_items(r, array, has, items_field, count, item_size, read_item);
    ecc_json_path_pop(r->path);
    return status;
}

#define S_R_LIST(r, object, key, list, read_item)                                                                      \
    s_r_list(                                                                                                          \
        (r),                                                                                                           \
        (object),                                                                                                      \
        (key),                                                                                                         \
        &(list)->has,                                                                                                  \
        (void *)&(list)->items,                                                                                        \
        &(list)->count,                                                                                                \
        sizeof(*(list)->items),                                                                                        \
        (read_item))

/* Reads a nested structure member with `read` when it is present; *has tells whether it was. */
static enum ecc_status
s_r_nested(struct s_reader *r, const json_t *object, const char *key, bool *has, s_item_reader read, void *out) {
    const json_t *nested = NULL;
    enum ecc_status status = s_r_object(r, object, key, &nested);
    if (status != ECC_OK || !nested) {
        return status;
    }
    *has = true;
    ecc_json_path_push_member(r->path, key);
    status = read(r, nested, out);
    ecc_json_path_pop(r->path);
    return status;
}

/* The first failing step ends a reader; `S_TRY` keeps them flat. */
#define S_TRY(expr)                                                                                                    \
    do {                                                                                                               \
        enum ecc_status s_try_status = (expr);                                                                         \
        if (s_try_status != ECC_OK) {                                                                                  \
            return s_try_status;                                                                                       \
        }                                                                                                              \
    } while (0)

static enum ecc_status s_read_key_value_pair(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"name", "value", NULL};
    struct ecc_key_value_pair *v = out;
    S_TRY(s_r_string(r, object, "name", &v->name));
    S_TRY(s_r_string(r, object, "value", &v->value));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_environment_file(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"value", "type", NULL};
    struct ecc_environment_file *v = out;
    S_TRY(s_r_string(r, object, "value", &v->value));
    S_TRY(s_r_string(r, object, "type", &v->type));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_resource_requirement(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"value", "type", NULL};
    struct ecc_resource_requirement *v = out;
    S_TRY(s_r_string(r, object, "value", &v->value));
    S_TRY(s_r_string(r, object, "type", &v->type));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_container_override(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {
        "name",
        "command",
        "environment",
        "environmentFiles",
        "cpu",
        "memory",
        "memoryReservation",
        "resourceRequirements",
        NULL};
    struct ecc_container_override *v = out;
    S_TRY(s_r_string(r, object, "name", &v->name));
    S_TRY(s_r_string_list(r, object, "command", &v->command));
    S_TRY(S_R_LIST(r, object, "environment", &v->environment, s_read_key_value_pair));
    S_TRY(S_R_LIST(r, object, "environmentFiles", &v->environment_files, s_read_environment_file));
    S_TRY(s_r_int(r, object, "cpu", &v->has_cpu, &v->cpu));
    S_TRY(s_r_int(r, object, "memory", &v->has_memory, &v->memory));
    S_TRY(s_r_int(r, object, "memoryReservation", &v->has_memory_reservation, &v->memory_reservation));
    S_TRY(S_R_LIST(r, object, "resourceRequirements", &v->resource_requirements, s_read_resource_requirement));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_inference_accelerator_override(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"deviceName", "deviceType", NULL};
    struct ecc_inference_accelerator_override *v = out;
    S_TRY(s_r_string(r, object, "deviceName", &v->device_name));
    S_TRY(s_r_string(r, object, "deviceType", &v->device_type));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_ephemeral_storage(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"sizeInGiB", NULL};
    struct ecc_ephemeral_storage *v = out;
    S_TRY(s_r_int(r, object, "sizeInGiB", &v->has_size_in_gib, &v->size_in_gib));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_task_override(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {
        "containerOverrides",
        "cpu",
        "inferenceAcceleratorOverrides",
        "executionRoleArn",
        "memory",
        "taskRoleArn",
        "ephemeralStorage",
        NULL};
    struct ecc_task_override *v = out;
    S_TRY(S_R_LIST(r, object, "containerOverrides", &v->container_overrides, s_read_container_override));
    S_TRY(s_r_string(r, object, "cpu", &v->cpu));
    S_TRY(S_R_LIST(
        r,
        object,
        "inferenceAcceleratorOverrides",
        &v->inference_accelerator_overrides,
        s_read_inference_accelerator_override));
    S_TRY(s_r_string(r, object, "executionRoleArn", &v->execution_role_arn));
    S_TRY(s_r_string(r, object, "memory", &v->memory));
    S_TRY(s_r_string(r, object, "taskRoleArn", &v->task_role_arn));
    S_TRY(s_r_nested(
        r, object, "ephemeralStorage", &v->has_ephemeral_storage, s_read_ephemeral_storage, &v->ephemeral_storage));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_capacity_provider_strategy_item(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"capacityProvider", "weight", "base", NULL};
    struct ecc_capacity_provider_strategy_item *v = out;
    S_TRY(s_r_string(r, object, "capacityProvider", &v->capacity_provider));
    S_TRY(s_r_int(r, object, "weight", &v->has_weight, &v->weight));
    S_TRY(s_r_int(r, object, "base", &v->has_base, &v->base));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_aws_vpc_configuration(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"subnets", "securityGroups", "assignPublicIp", NULL};
    struct ecc_aws_vpc_configuration *v = out;
    S_TRY(s_r_string_list(r, object, "subnets", &v->subnets));
    S_TRY(s_r_string_list(r, object, "securityGroups", &v->security_groups));
    S_TRY(s_r_string(r, object, "assignPublicIp", &v->assign_public_ip));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_network_configuration(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"awsvpcConfiguration", NULL};
    struct ecc_network_configuration *v = out;
    S_TRY(s_r_nested(
        r,
        object,
        "awsvpcConfiguration",
        &v->has_awsvpc_configuration,
        s_read_aws_vpc_configuration,
        &v->awsvpc_configuration));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_placement_constraint(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"type", "expression", NULL};
    struct ecc_placement_constraint *v = out;
    S_TRY(s_r_string(r, object, "type", &v->type));
    S_TRY(s_r_string(r, object, "expression", &v->expression));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_placement_strategy(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"type", "field", NULL};
    struct ecc_placement_strategy *v = out;
    S_TRY(s_r_string(r, object, "type", &v->type));
    S_TRY(s_r_string(r, object, "field", &v->field));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_tag(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"key", "value", NULL};
    struct ecc_tag *v = out;
    S_TRY(s_r_string(r, object, "key", &v->key));
    S_TRY(s_r_string(r, object, "value", &v->value));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_ebs_tag_specification(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"resourceType", "tags", "propagateTags", NULL};
    struct ecc_ebs_tag_specification *v = out;
    S_TRY(s_r_string(r, object, "resourceType", &v->resource_type));
    S_TRY(S_R_LIST(r, object, "tags", &v->tags, s_read_tag));
    S_TRY(s_r_string(r, object, "propagateTags", &v->propagate_tags));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_termination_policy(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"deleteOnTermination", NULL};
    struct ecc_task_managed_ebs_volume_termination_policy *v = out;
    S_TRY(s_r_bool(r, object, "deleteOnTermination", &v->has_delete_on_termination, &v->delete_on_termination));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_managed_ebs_volume(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {
        "encrypted",
        "kmsKeyId",
        "volumeType",
        "sizeInGiB",
        "snapshotId",
        "volumeInitializationRate",
        "iops",
        "throughput",
        "tagSpecifications",
        "roleArn",
        "terminationPolicy",
        "filesystemType",
        NULL};
    struct ecc_task_managed_ebs_volume_configuration *v = out;
    S_TRY(s_r_bool(r, object, "encrypted", &v->has_encrypted, &v->encrypted));
    S_TRY(s_r_string(r, object, "kmsKeyId", &v->kms_key_id));
    S_TRY(s_r_string(r, object, "volumeType", &v->volume_type));
    S_TRY(s_r_int(r, object, "sizeInGiB", &v->has_size_in_gib, &v->size_in_gib));
    S_TRY(s_r_string(r, object, "snapshotId", &v->snapshot_id));
    S_TRY(s_r_int(
        r, object, "volumeInitializationRate", &v->has_volume_initialization_rate, &v->volume_initialization_rate));
    S_TRY(s_r_int(r, object, "iops", &v->has_iops, &v->iops));
    S_TRY(s_r_int(r, object, "throughput", &v->has_throughput, &v->throughput));
    S_TRY(S_R_LIST(r, object, "tagSpecifications", &v->tag_specifications, s_read_ebs_tag_specification));
    S_TRY(s_r_string(r, object, "roleArn", &v->role_arn));
    S_TRY(s_r_nested(
        r, object, "terminationPolicy", &v->has_termination_policy, s_read_termination_policy, &v->termination_policy));
    S_TRY(s_r_string(r, object, "filesystemType", &v->filesystem_type));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_task_volume_configuration(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {"name", "managedEBSVolume", NULL};
    struct ecc_task_volume_configuration *v = out;
    S_TRY(s_r_string(r, object, "name", &v->name));
    S_TRY(s_r_nested(
        r, object, "managedEBSVolume", &v->has_managed_ebs_volume, s_read_managed_ebs_volume, &v->managed_ebs_volume));
    return s_r_check_members(r, object, known);
}

static enum ecc_status s_read_run_task_request(struct s_reader *r, const json_t *object, void *out) {
    static const char *const known[] = {
        "capacityProviderStrategy",
        "cluster",
        "count",
        "enableECSManagedTags",
        "enableExecuteCommand",
        "group",
        "launchType",
        "networkConfiguration",
        "overrides",
        "placementConstraints",
        "placementStrategy",
        "platformVersion",
        "propagateTags",
        "referenceId",
        "startedBy",
        "tags",
        "taskDefinition",
        "clientToken",
        "volumeConfigurations",
        NULL};
    struct ecc_run_task_request *v = out;
    S_TRY(S_R_LIST(
        r, object, "capacityProviderStrategy", &v->capacity_provider_strategy, s_read_capacity_provider_strategy_item));
    S_TRY(s_r_string(r, object, "cluster", &v->cluster));
    S_TRY(s_r_int(r, object, "count", &v->has_count, &v->count));
    S_TRY(s_r_bool(r, object, "enableECSManagedTags", &v->has_enable_ecs_managed_tags, &v->enable_ecs_managed_tags));
    S_TRY(s_r_bool(r, object, "enableExecuteCommand", &v->has_enable_execute_command, &v->enable_execute_command));
    S_TRY(s_r_string(r, object, "group", &v->group));
    S_TRY(s_r_string(r, object, "launchType", &v->launch_type));
    S_TRY(s_r_nested(
        r,
        object,
        "networkConfiguration",
        &v->has_network_configuration,
        s_read_network_configuration,
        &v->network_configuration));
    S_TRY(s_r_nested(r, object, "overrides", &v->has_overrides, s_read_task_override, &v->overrides));
    S_TRY(S_R_LIST(r, object, "placementConstraints", &v->placement_constraints, s_read_placement_constraint));
    S_TRY(S_R_LIST(r, object, "placementStrategy", &v->placement_strategy, s_read_placement_strategy));
    S_TRY(s_r_string(r, object, "platformVersion", &v->platform_version));
    S_TRY(s_r_string(r, object, "propagateTags", &v->propagate_tags));
    S_TRY(s_r_string(r, object, "referenceId", &v->reference_id));
    S_TRY(s_r_string(r, object, "startedBy", &v->started_by));
    S_TRY(S_R_LIST(r, object, "tags", &v->tags, s_read_tag));
    S_TRY(s_r_string(r, object, "taskDefinition", &v->task_definition));
    S_TRY(s_r_string(r, object, "clientToken", &v->client_token));
    S_TRY(S_R_LIST(r, object, "volumeConfigurations", &v->volume_configurations, s_read_task_volume_configuration));
    return s_r_check_members(r, object, known);
}

/* Reads the value at the reader's path as an object of the shape `read` knows. */
static enum ecc_status s_read_root(struct s_reader *r, const json_t *value, s_item_reader read, void *out) {
    if (!json_is_object(value)) {
        ecc_json_type_error(r->path, "an object", value, r->diag);
        return ECC_ERR_INVALID;
    }
    return read(r, value, out);
}

/* Reads a whole request; in strict mode any unknown member makes it fail once everything was read, the
 * first one named in `diag`. */
static enum ecc_status s_read_request(
    const json_t *value,
    struct ecc_json_path *path,
    bool strict,
    struct ecc_string_list *unknown_members,
    struct ecc_run_task_request *out,
    struct ecc_diag *diag) {
    struct s_reader r = {.path = path, .diag = diag, .strict = strict, .unknown = unknown_members};
    S_TRY(s_read_root(&r, value, s_read_run_task_request, out));
    if (r.unknown_count) {
        ecc_diag_set_path(diag, r.first_unknown);
        ecc_diag_set(diag, "not a member of the model (%zu unknown member(s) in all)", r.unknown_count);
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

enum ecc_status ecc_codec_read_run_task_request(
    const json_t *value,
    struct ecc_json_path *path,
    struct ecc_run_task_request *out,
    struct ecc_string_list *unknown_members,
    struct ecc_diag *diag) {
    return s_read_request(value, path, unknown_members != NULL, unknown_members, out, diag);
}

enum ecc_status ecc_codec_parse_run_task_request(
    const void *body,
    size_t body_len,
    const struct ecc_codec_parse_options *options,
    struct ecc_run_task_request *out,
    struct ecc_string_list *unknown_members,
    struct ecc_diag *diag) {
    size_t max_body_bytes =
        options && options->max_body_bytes ? options->max_body_bytes : ECC_CODEC_DEFAULT_MAX_BODY_BYTES;
    bool strict = options && options->strict;
    if (body_len > max_body_bytes) {
        ecc_diag_set(diag, "request body of %zu bytes is larger than the cap of %zu bytes", body_len, max_body_bytes);
        return ECC_ERR_LIMIT;
    }
    if (!body_len) {
        body = "{}";
        body_len = 2;
    }
    json_error_t error;
    json_t *root = json_loadb(body, body_len, JSON_DECODE_ANY | (strict ? JSON_REJECT_DUPLICATES : 0), &error);
    if (!root) {
        if (diag) {
            diag->line = error.line;
            diag->column = error.column;
        }
        ecc_diag_set(diag, "request body is not JSON: %s", error.text);
        return ECC_ERR_INVALID;
    }
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    enum ecc_status status = s_read_request(root, &path, strict, unknown_members, out, diag);
    json_decref(root);
    return status;
}

enum ecc_status ecc_codec_read_task_override(
    const json_t *value, struct ecc_json_path *path, struct ecc_task_override *out, struct ecc_diag *diag) {
    struct s_reader r = {.path = path, .diag = diag};
    return s_read_root(&r, value, s_read_task_override, out);
}

/* A list at the top: the array check, then its items. */
static enum ecc_status s_read_root_list(
    struct s_reader *r,
    const json_t *value,
    bool *has,
    void *items_field,
    size_t *count,
    size_t item_size,
    s_item_reader read_item) {
    if (!json_is_array(value)) {
        ecc_json_type_error(r->path, "an array", value, r->diag);
        return ECC_ERR_INVALID;
    }
    return s_r_items(r, value, has, items_field, count, item_size, read_item);
}

enum ecc_status
ecc_codec_read_tags(const json_t *value, struct ecc_json_path *path, struct ecc_tag_list *out, struct ecc_diag *diag) {
    struct s_reader r = {.path = path, .diag = diag};
    return s_read_root_list(&r, value, &out->has, (void *)&out->items, &out->count, sizeof(*out->items), s_read_tag);
}

enum ecc_status ecc_codec_read_key_value_pairs(
    const json_t *value, struct ecc_json_path *path, struct ecc_key_value_pair_list *out, struct ecc_diag *diag) {
    struct s_reader r = {.path = path, .diag = diag};
    return s_read_root_list(
        &r, value, &out->has, (void *)&out->items, &out->count, sizeof(*out->items), s_read_key_value_pair);
}

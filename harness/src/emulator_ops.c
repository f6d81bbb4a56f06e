/*
 * The task operations of the emulator (RunTask, DescribeTasks, ListTasks, StopTask), the helpers every
 * operation answers with, and the table of all eight (the set-up operations are emulator_setup.c).
 * RunTask parses with the request codec, validates with the one validation module and answers with the
 * response codec. The handler holds the lock around every
 * operation but RunTask, which holds it only for its state work (see emu_op.locks_itself).
 */
#include "ecc/codec_request.h"
#include "ecc/codec_response.h"
#include "ecc/validate.h"
#include "emulator_place.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fargate platform versions this endpoint knows and what each supports (docs/EMULATOR.md). */
struct s_platform {
    const char *name;
    bool execute_command;   /* ECS Exec */
    bool ephemeral_storage; /* task-level ephemeralStorage, in the definition or the overrides */
    bool efs_and_ebs;       /* EFS volumes and configuredAtLaunch (EBS) volumes */
};

static const struct s_platform s_platforms[] = {
    {"1.4.0", true, true, true},
    {"1.3.0", false, false, false},
};
#define S_LATEST_PLATFORM 0

#define S_MAX_BODY_OUT (4 * 1024 * 1024)

/* ------------------------------------------------------------------ helpers */

bool emu_oom(struct emu_error *err) {
    emu_error_set(err, ECC_ERROR_SERVER, "out of memory");
    return false;
}

bool emu_diag_error(struct emu_error *err, enum ecc_error_id id, const struct ecc_diag *diag) {
    if (diag->path[0]) {
        emu_error_set(err, id, "%s: %s", diag->path, diag->text);
    } else {
        emu_error_set(err, id, "%s", diag->text);
    }
    return false;
}

/* Answers 200 with a jansson value (stolen). */
bool emu_answer_json(
    json_t *value, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    char *text = value ? json_dumps(value, JSON_COMPACT) : NULL;
    json_decref(value);
    if (!text) {
        return emu_oom(err);
    }
    enum ecc_status status = ecc_codec_build_json_response(200, text, strlen(text), call->request_id, response);
    free(text);
    if (status != ECC_OK) {
        return emu_oom(err);
    }
    return true;
}

/* Answers 200 with a RunTask-shaped output (RunTask, DescribeTasks). */
static bool s_answer_run_task(
    const struct ecc_run_task_response *out,
    const struct emu_call *call,
    struct ecc_http_response *response,
    struct emu_error *err) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_codec_build_run_task_response(out, call->request_id, response, &diag) != ECC_OK) {
        return emu_oom(err);
    }
    return true;
}

static bool s_answer_buf(
    struct ecc_buf *buf, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    enum ecc_status status = ecc_codec_build_json_response(200, buf->data, buf->len, call->request_id, response);
    if (status != ECC_OK) {
        return emu_oom(err);
    }
    return true;
}

/* An optional string member; SerializationException when it has another type. */
bool emu_read_string(const json_t *body, const char *key, char **out, struct emu_error *err) {
    struct ecc_json_path path;
    struct ecc_diag diag;
    ecc_json_path_init(&path);
    ecc_diag_clear(&diag);
    if (ecc_json_read_string(body, key, &path, out, NULL, &diag) != ECC_OK) {
        return emu_diag_error(err, ECC_ERROR_SERIALIZATION, &diag);
    }
    return true;
}

/* A deterministic UUID-shaped id from a few bytes of identity. */
static void s_uuid(const char *a, uint64_t salt, char out[37]) {
    uint64_t h1 = emu_hash(a, strlen(a), salt);
    uint64_t h2 = emu_hash(&h1, sizeof(h1), salt ^ 0x5bd1e995U);
    uint8_t bytes[16];
    memcpy(bytes, &h1, 8);
    memcpy(bytes + 8, &h2, 8);
    ecc_uuid4_format(bytes, out);
}

static bool s_set(char **field, const char *value) {
    free(*field);
    *field = ecc_strdup(value);
    return *field != NULL || value == NULL;
}

static bool s_set_int(char **field, int64_t value) {
    char text[32];
    snprintf(text, sizeof(text), "%lld", (long long)value);
    return s_set(field, text);
}

static bool s_kv(struct ecc_key_value_pair_list *list, const char *name, const char *value) {
    struct ecc_key_value_pair *item = ECC_LIST_APPEND(list);
    return item && s_set(&item->name, name) && s_set(&item->value, value);
}

/* ------------------------------------------------------------------ task rendering */

static bool s_render_containers(
    struct ecc_emulator *emu,
    const struct emu_task *task,
    enum emu_status status,
    const char *task_arn,
    const char *private_ip,
    const char *attachment_id,
    struct ecc_task *out) {
    const json_t *defs = json_object_get(task->taskdef->json, "containerDefinitions");
    const char *last = status == EMU_ST_STOPPED                                    ? "STOPPED"
                       : status == EMU_ST_PROVISIONING || status == EMU_ST_PENDING ? "PENDING"
                                                                                   : "RUNNING";
    out->containers.has = true;
    size_t i;
    const json_t *def;
    json_array_foreach(defs, i, def) {
        struct ecc_container *c = ECC_LIST_APPEND(&out->containers);
        if (!c) {
            return false;
        }
        char uuid[37];
        char arn[512];
        s_uuid(task->id, i + 1, uuid);
        char id[160];
        emu_concat(id, sizeof(id), task->id, "/", uuid, (const char *)NULL);
        emu_cluster_resource_arn(emu, task->cluster, "container", id, arn, sizeof(arn));
        const json_t *cpu = json_object_get(def, "cpu");
        const json_t *memory = json_object_get(def, "memory");
        const json_t *reservation = json_object_get(def, "memoryReservation");
        if (!s_set(&c->container_arn, arn) || !s_set(&c->task_arn, task_arn) ||
            !s_set(&c->name, json_string_value(json_object_get(def, "name"))) ||
            !s_set(&c->image, json_string_value(json_object_get(def, "image"))) || !s_set(&c->last_status, last) ||
            !s_set(&c->health_status, "UNKNOWN") || !s_set_int(&c->cpu, json_integer_value(cpu))) {
            return false;
        }
        if (json_is_integer(memory) && !s_set_int(&c->memory, json_integer_value(memory))) {
            return false;
        }
        if (json_is_integer(reservation) && !s_set_int(&c->memory_reservation, json_integer_value(reservation))) {
            return false;
        }
        if (status == EMU_ST_STOPPED) {
            c->has_exit_code = true;
            c->exit_code = task->user_stop ? 143 : 0; /* SIGTERM from StopTask */
        }
        if (task->awsvpc) {
            struct ecc_network_interface *ni = ECC_LIST_APPEND(&c->network_interfaces);
            if (!ni || !s_set(&ni->attachment_id, attachment_id) || !s_set(&ni->private_ipv4_address, private_ip)) {
                return false;
            }
        }
    }
    return true;
}

/* Sets `key` to `value` in `list`, replacing the value of a tag with the same key. */
static bool s_tag_put(struct ecc_tag_list *list, const char *key, const char *value) {
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->items[i].key, key) == 0) {
            return s_set(&list->items[i].value, value);
        }
    }
    struct ecc_tag *tag = ECC_LIST_APPEND(list);
    return tag && s_set(&tag->key, key) && s_set(&tag->value, value ? value : "");
}

/*
 * The task's tags (docs/EMULATOR.md, Choices): with propagateTags TASK_DEFINITION the definition's tags
 * first, then the request's (a request tag replaces a propagated one with the same key), then with
 * enableECSManagedTags the managed tag ECS adds to a standalone task, aws:ecs:clusterName. Leaves
 * `*out` NULL when the task has no tags; the caller owns and frees a filled one.
 */
static bool s_task_tags(
    const struct ecc_run_task_request *req,
    const struct emu_taskdef *td,
    const struct emu_cluster *cluster,
    struct ecc_tag_list **out) {
    bool propagate = req->propagate_tags && strcmp(req->propagate_tags, "TASK_DEFINITION") == 0 && td->tags.count;
    bool managed = req->has_enable_ecs_managed_tags && req->enable_ecs_managed_tags;
    if (!propagate && !managed && !req->tags.has) {
        return true;
    }
    struct ecc_tag_list *tags = calloc(1, sizeof(*tags));
    if (!tags) {
        return false;
    }
    tags->has = true;
    for (size_t i = 0; propagate && i < td->tags.count; i++) {
        if (!s_tag_put(tags, td->tags.items[i].key, td->tags.items[i].value)) {
            goto on_error;
        }
    }
    for (size_t i = 0; i < req->tags.count; i++) {
        if (!s_tag_put(tags, req->tags.items[i].key, req->tags.items[i].value)) {
            goto on_error;
        }
    }
    if (managed && !s_tag_put(tags, "aws:ecs:clusterName", cluster->name)) {
        goto on_error;
    }
    *out = tags;
    return true;
on_error:
    ecc_tag_list_clean_up(tags);
    free(tags);
    return false;
}

/* The task's times and version as DescribeTasks shows them at `now_ms`. */
static void s_render_times(const struct emu_task *task, enum emu_status status, int64_t now_ms, struct ecc_task *out) {
    double created = (double)task->created_ms / 1000.0;
    out->has_created_at = true;
    out->created_at = created;
    out->has_connectivity_at = true;
    out->connectivity_at = created;
    out->has_version = true;
    out->version = (int64_t)status + 1;
    int64_t running_at = task->created_ms + (task->awsvpc ? 2 : 1) * EMU_PHASE_MS;
    if (!task->waiting_capacity && running_at <= now_ms && (!task->stopped_ms || running_at <= task->stopped_ms)) {
        out->has_started_at = true;
        out->started_at = (double)running_at / 1000.0;
        out->has_pull_started_at = true;
        out->pull_started_at = created;
        out->has_pull_stopped_at = true;
        out->pull_stopped_at = (double)(running_at - 1) / 1000.0;
    }
    if (task->stopped_ms) {
        out->has_stopping_at = true;
        out->stopping_at = (double)task->stopped_ms / 1000.0;
        if (status == EMU_ST_STOPPED) {
            out->has_stopped_at = true;
            out->stopped_at = (double)(task->stopped_ms + EMU_PHASE_MS) / 1000.0;
            out->has_execution_stopped_at = true;
            out->execution_stopped_at = out->stopped_at;
        }
    }
}

/* The task's ARNs, statuses, sizes, group, platform, instance and stop reason. */
static bool s_render_names(
    struct ecc_emulator *emu,
    const struct emu_task *task,
    enum emu_status status,
    const char *task_arn,
    const char *zone,
    struct ecc_task *out) {
    const struct emu_taskdef *td = task->taskdef;
    const struct ecc_task_override *ov = task->overrides;
    if (!s_set(&out->task_arn, task_arn) || !s_set(&out->cluster_arn, task->cluster->arn) ||
        !s_set(&out->task_definition_arn, td->arn) || !s_set(&out->last_status, emu_status_name(status)) ||
        !s_set(&out->desired_status, task->stopped_ms ? "STOPPED" : "RUNNING") ||
        !s_set(&out->launch_type, emu_launch_type_name((enum emu_launch_type)task->launch_type)) ||
        !s_set(&out->availability_zone, zone) || !s_set(&out->connectivity, "CONNECTED") ||
        !s_set(&out->health_status, "UNKNOWN") || !s_set(&out->capacity_provider_name, task->capacity_provider) ||
        !s_set(&out->started_by, task->started_by) ||
        !(ov && ov->cpu ? s_set(&out->cpu, ov->cpu) : s_set_int(&out->cpu, td->cpu)) ||
        !(ov && ov->memory ? s_set(&out->memory, ov->memory) : s_set_int(&out->memory, td->memory))) {
        return false;
    }
    char group[300];
    if (!task->group) {
        emu_concat(group, sizeof(group), "family:", td->family->name, (const char *)NULL);
    }
    if (!s_set(&out->group, task->group ? task->group : group)) {
        return false;
    }
    if (task->platform != 0xff) {
        out->has_ephemeral_storage = true;
        out->ephemeral_storage.has_size_in_gib = true;
        out->ephemeral_storage.size_in_gib = ov && ov->has_ephemeral_storage && ov->ephemeral_storage.has_size_in_gib
                                                 ? ov->ephemeral_storage.size_in_gib
                                                 : 20;
        if (!s_set(&out->platform_version, s_platforms[task->platform].name) ||
            !s_set(&out->platform_family, "Linux")) {
            return false;
        }
    }
    if (task->instance >= 0) {
        char arn[512];
        emu_instance_arn(emu, task->cluster, (size_t)task->instance, arn, sizeof(arn));
        if (!s_set(&out->container_instance_arn, arn)) {
            return false;
        }
    }
    if (task->stopped_ms) {
        return s_set(&out->stop_code, task->user_stop ? "UserInitiated" : "TaskFailedToStart") &&
               s_set(&out->stopped_reason, task->stopped_reason ? task->stopped_reason : "Task stopped by user");
    }
    return true;
}

/* The task's overrides: the request's, or (as AWS answers) one empty override per container. */
static bool s_render_overrides(const struct emu_task *task, struct ecc_task *out) {
    out->has_overrides = true;
    if (task->overrides) {
        return ecc_task_override_copy(&out->overrides, task->overrides) == ECC_OK;
    }
    const json_t *defs = json_object_get(task->taskdef->json, "containerDefinitions");
    out->overrides.container_overrides.has = true;
    out->overrides.inference_accelerator_overrides.has = true;
    size_t i;
    const json_t *def;
    json_array_foreach(defs, i, def) {
        struct ecc_container_override *co = ECC_LIST_APPEND(&out->overrides.container_overrides);
        if (!co || !s_set(&co->name, json_string_value(json_object_get(def, "name")))) {
            return false;
        }
    }
    return true;
}

/* An awsvpc task's elastic network interface attachment (`h`: the task's hash, for its ids). */
static bool s_render_attachment(
    const struct emu_task *task,
    enum emu_status status,
    uint64_t h,
    const char *attachment_id,
    const char *private_ip,
    struct ecc_task *out) {
    struct ecc_attachment *att = ECC_LIST_APPEND(&out->attachments);
    char eni[32];
    char mac[32];
    snprintf(eni, sizeof(eni), "eni-%016llx", (unsigned long long)(h >> 4) & 0xfffffffffffffULL);
    snprintf(
        mac,
        sizeof(mac),
        "0a:%02x:%02x:%02x:%02x:%02x",
        (unsigned)(h >> 40) & 0xff,
        (unsigned)(h >> 32) & 0xff,
        (unsigned)(h >> 24) & 0xff,
        (unsigned)(h >> 16) & 0xff,
        (unsigned)(h >> 8) & 0xff);
    const char *att_status = status == EMU_ST_PROVISIONING ? "PRECREATED"
                             : status == EMU_ST_STOPPED    ? "DELETED"
                                                           : "ATTACHED";
    return att && s_set(&att->id, attachment_id) && s_set(&att->type, "ElasticNetworkInterface") &&
           s_set(&att->status, att_status) && s_kv(&att->details, "subnetId", task->subnet) &&
           s_kv(&att->details, "networkInterfaceId", eni) && s_kv(&att->details, "macAddress", mac) &&
           s_kv(&att->details, "privateIPv4Address", private_ip);
}

/* Fills `out` (initialized, empty) with the task as DescribeTasks shows it at `now_ms`. At a failure (out
 * of memory) `out` is left half filled for the caller's clean_up. */
static bool s_render_task(
    struct ecc_emulator *emu, const struct emu_task *task, int64_t now_ms, bool with_tags, struct ecc_task *out) {
    enum emu_status status = emu_task_status(task, now_ms);
    char task_arn[512];
    emu_task_arn(emu, task, task_arn, sizeof(task_arn));
    uint64_t h = emu_hash(task->id, 32, 99);
    char private_ip[32];
    snprintf(private_ip, sizeof(private_ip), "10.0.%u.%u", (unsigned)((h >> 8) & 0xff), (unsigned)(h & 0xfe) + 1);
    char attachment_id[37];
    s_uuid(task->id, 1000, attachment_id);
    char zone[64];
    size_t zone_index = task->instance >= 0 ? (size_t)task->instance : (size_t)(h % 3);
    emu_instance_attribute(emu, zone_index, "ecs.availability-zone", zone, sizeof(zone));

    s_render_times(task, status, now_ms, out);
    /* Task.enableExecuteCommand is the primitive Boolean shape: always serialized, false when off. */
    out->has_enable_execute_command = true;
    out->enable_execute_command = task->enable_execute_command;
    if (!s_render_names(emu, task, status, task_arn, zone, out)) {
        return false;
    }
    if (!s_render_overrides(task, out)) {
        return false;
    }
    if (task->tags && with_tags && ecc_tag_list_copy(&out->tags, task->tags) != ECC_OK) {
        return false;
    }
    if (task->awsvpc && !s_render_attachment(task, status, h, attachment_id, private_ip, out)) {
        return false;
    }
    return s_render_containers(emu, task, status, task_arn, private_ip, attachment_id, out);
}

/* ------------------------------------------------------------------ RunTask */

struct s_plan {
    struct emu_place_result place;
    enum emu_launch_type launch_type;
    const char *provider; /* borrowed from the request or the cluster */
    bool managed;         /* an Auto Scaling group provider with managed scaling */
    bool waiting;         /* PROVISIONING until capacity comes (managed scaling) */
};

/* Spreads `count` tasks over a strategy: bases first, in order, then by weight (docs/EMULATOR.md). */
static void s_pick_providers(const struct emu_strategy_item *items, size_t item_count, size_t count, const char **out) {
    int64_t assigned[20] = {0};
    for (size_t t = 0; t < count; t++) {
        size_t pick = SIZE_MAX;
        for (size_t i = 0; i < item_count && pick == SIZE_MAX; i++) {
            if (assigned[i] < items[i].base) {
                pick = i;
            }
        }
        /* Then weighted round robin: the item furthest below its share of the rest takes the task. */
        bool bases_done = pick == SIZE_MAX;
        for (size_t i = 0; bases_done && i < item_count; i++) {
            if (items[i].weight <= 0) {
                continue;
            }
            int64_t extra_i = assigned[i] - items[i].base;
            if (pick == SIZE_MAX ||
                (extra_i + 1) * items[pick].weight < (assigned[pick] - items[pick].base + 1) * items[i].weight) {
                pick = i;
            }
        }
        if (pick == SIZE_MAX) {
            pick = 0;
        }
        assigned[pick]++;
        out[t] = items[pick].provider;
    }
}

static bool s_cluster_has_provider(const struct emu_cluster *cluster, const char *name) {
    for (size_t i = 0; i < cluster->provider_count; i++) {
        if (strcmp(cluster->providers[i], name) == 0) {
            return true;
        }
    }
    return false;
}

static bool s_is_fargate_provider(const char *name) {
    return strcmp(name, "FARGATE") == 0 || strcmp(name, "FARGATE_SPOT") == 0;
}

/* Launch type and capacity provider of every task (count ≤ 10). */
static bool s_resolve_launch(
    const struct ecc_run_task_request *req,
    const struct emu_cluster *cluster,
    size_t count,
    struct s_plan *plans,
    struct emu_error *err) {
    const char *providers[10] = {0};
    if (req->launch_type) {
        enum emu_launch_type lt = EMU_LT_EC2;
        if (strcmp(req->launch_type, "FARGATE") == 0) {
            lt = EMU_LT_FARGATE;
        } else if (strcmp(req->launch_type, "EXTERNAL") == 0) {
            lt = EMU_LT_EXTERNAL;
        } /* MANAGED_INSTANCES as a launch type never gets here: validate.c rejects it */
        for (size_t i = 0; i < count; i++) {
            plans[i].launch_type = lt;
        }
        return true;
    }
    struct emu_strategy_item items[20];
    size_t item_count = 0;
    if (req->capacity_provider_strategy.has && req->capacity_provider_strategy.count) {
        for (size_t i = 0; i < req->capacity_provider_strategy.count && i < 20; i++) {
            const struct ecc_capacity_provider_strategy_item *item = &req->capacity_provider_strategy.items[i];
            items[item_count].provider = item->capacity_provider;
            items[item_count].weight = item->has_weight ? item->weight : 0;
            items[item_count].base = item->has_base ? item->base : 0;
            item_count++;
        }
    } else {
        for (size_t i = 0; i < cluster->default_strategy_count && i < 20; i++) {
            items[item_count++] = cluster->default_strategy[i];
        }
    }
    if (item_count == 0) {
        for (size_t i = 0; i < count; i++) {
            plans[i].launch_type = EMU_LT_EC2; /* no strategy anywhere: the EC2 launch type */
        }
        return true;
    }
    for (size_t i = 0; i < item_count; i++) {
        if (!s_cluster_has_provider(cluster, items[i].provider)) {
            emu_error_set(
                err,
                ECC_ERROR_INVALID_PARAMETER,
                "The specified capacity provider strategy cannot contain a capacity provider that is not associated "
                "with the cluster. Associate the capacity provider with the cluster or specify a valid capacity "
                "provider and try again.");
            return false;
        }
    }
    s_pick_providers(items, item_count, count, providers);
    for (size_t i = 0; i < count; i++) {
        plans[i].provider = providers[i];
        plans[i].launch_type = s_is_fargate_provider(providers[i]) ? EMU_LT_FARGATE : EMU_LT_EC2;
        plans[i].managed = !s_is_fargate_provider(providers[i]);
    }
    return true;
}

static bool s_request_unsupported(
    struct ecc_emulator *emu,
    const struct ecc_run_task_request *req,
    const struct s_plan *plans,
    size_t count,
    const char *platform,
    struct emu_error *err) {
    char feature[300];
    const char *hit = NULL;
    for (size_t i = 0; i < count && !hit; i++) {
        snprintf(feature, sizeof(feature), "launchType:%s", emu_launch_type_name(plans[i].launch_type));
        if (emu_feature_unsupported(emu, feature)) {
            hit = feature;
            break;
        }
        if (plans[i].provider) {
            snprintf(feature, sizeof(feature), "capacityProvider:%s", plans[i].provider);
            if (emu_feature_unsupported(emu, feature)) {
                hit = feature;
            }
        }
    }
    if (!hit && platform) {
        snprintf(feature, sizeof(feature), "platformVersion:%s", platform);
        hit = emu_feature_unsupported(emu, feature) ? feature : NULL;
    }
    static const char *const members[] = {
        "enableExecuteCommand",
        "volumeConfigurations",
        "capacityProviderStrategy",
        "placementConstraints",
        "placementStrategy",
        "enableECSManagedTags",
        "propagateTags",
        "tags"};
    const bool present[] = {
        req->has_enable_execute_command && req->enable_execute_command,
        req->volume_configurations.has && req->volume_configurations.count,
        req->capacity_provider_strategy.has && req->capacity_provider_strategy.count,
        req->placement_constraints.has && req->placement_constraints.count,
        req->placement_strategy.has && req->placement_strategy.count,
        req->has_enable_ecs_managed_tags && req->enable_ecs_managed_tags,
        req->propagate_tags != NULL,
        req->tags.has && req->tags.count};
    for (size_t i = 0; !hit && i < ECC_ARRAY_LEN(members); i++) {
        if (present[i] && emu_feature_unsupported(emu, members[i])) {
            hit = members[i];
        }
    }
    if (hit) {
        emu_error_set(
            err, ECC_ERROR_UNSUPPORTED_FEATURE, "The specified task isn't supported in this Region (%s).", hit);
        return false;
    }
    return true;
}

/* Platform version of Fargate tasks: LATEST → 1.4.0; unknown → PlatformUnknownException. */
static bool s_resolve_platform(
    const struct ecc_run_task_request *req,
    const struct emu_taskdef *td,
    bool fargate,
    uint8_t *platform,
    struct emu_error *err) {
    *platform = 0xff;
    if (!fargate) {
        /* validate.c rejects platformVersion with launchType EC2; this is the same answer when EC2 comes from a
         * capacity provider strategy or the cluster's default, which only the emulator can resolve. */
        if (req->platform_version) {
            emu_error_set(
                err,
                ECC_ERROR_INVALID_PARAMETER,
                "The platform version must be null when specifying an EC2 launch type.");
            return false;
        }
        return true;
    }
    size_t index = S_LATEST_PLATFORM;
    if (req->platform_version && strcmp(req->platform_version, "LATEST") != 0) {
        index = SIZE_MAX;
        for (size_t i = 0; i < ECC_ARRAY_LEN(s_platforms); i++) {
            if (strcmp(req->platform_version, s_platforms[i].name) == 0) {
                index = i;
            }
        }
        if (index == SIZE_MAX) {
            emu_error_set(err, ECC_ERROR_PLATFORM_UNKNOWN, "The specified platform does not exist.");
            return false;
        }
    }
    const struct s_platform *p = &s_platforms[index];
    bool ephemeral = req->has_overrides && req->overrides.has_ephemeral_storage;
    bool volumes = req->volume_configurations.has && req->volume_configurations.count;
    bool exec = req->has_enable_execute_command && req->enable_execute_command;
    if ((td->needs_platform_1_4 && !(p->efs_and_ebs && p->ephemeral_storage)) || (ephemeral && !p->ephemeral_storage) ||
        (volumes && !p->efs_and_ebs) || (exec && !p->execute_command)) {
        emu_error_set(
            err,
            ECC_ERROR_PLATFORM_TASK_DEFINITION_INCOMPATIBILITY,
            "One or more of the requested capabilities are not supported.");
        return false;
    }
    *platform = (uint8_t)index;
    return true;
}

static bool s_check_task_definition_fit(
    const struct ecc_run_task_request *req,
    const struct emu_taskdef *td,
    const struct s_plan *plans,
    size_t count,
    struct emu_error *err) {
    for (size_t i = 0; i < count; i++) {
        bool ok = plans[i].launch_type == EMU_LT_FARGATE    ? td->compat_fargate
                  : plans[i].launch_type == EMU_LT_EXTERNAL ? td->compat_external
                                                            : td->compat_ec2;
        if (!ok) {
            emu_error_set(
                err,
                ECC_ERROR_INVALID_PARAMETER,
                "Task definition does not support launch_type %s.",
                emu_launch_type_name(plans[i].launch_type));
            return false;
        }
    }
    bool awsvpc = strcmp(td->network_mode, "awsvpc") == 0;
    bool has_vpc = req->has_network_configuration && req->network_configuration.has_awsvpc_configuration;
    if (awsvpc && !has_vpc) {
        emu_error_set(
            err,
            ECC_ERROR_INVALID_PARAMETER,
            "Network Configuration must be provided when networkMode 'awsvpc' is specified.");
        return false;
    }
    if (!awsvpc && req->has_network_configuration) {
        emu_error_set(
            err,
            ECC_ERROR_INVALID_PARAMETER,
            "Network Configuration is not valid for the given networkMode of this task definition.");
        return false;
    }
    if (req->has_enable_execute_command && req->enable_execute_command && !td->has_task_role &&
        !(req->has_overrides && req->overrides.task_role_arn && req->overrides.task_role_arn[0])) {
        emu_error_set(
            err,
            ECC_ERROR_INVALID_PARAMETER,
            "The task definition must have a task role to enable execute command (or give one in overrides).");
        return false;
    }
    const json_t *defs = json_object_get(td->json, "containerDefinitions");
    for (size_t i = 0; req->has_overrides && i < req->overrides.container_overrides.count; i++) {
        const char *name = req->overrides.container_overrides.items[i].name;
        bool found = false;
        size_t j;
        const json_t *def;
        json_array_foreach(defs, j, def) {
            found |= name && json_is_string(json_object_get(def, "name")) &&
                     strcmp(json_string_value(json_object_get(def, "name")), name) == 0;
        }
        if (!found) {
            emu_error_set(
                err,
                ECC_ERROR_INVALID_PARAMETER,
                "Override for container named %.200s is not a container in the TaskDefinition.",
                name ? name : "");
            return false;
        }
    }
    for (size_t i = 0; req->volume_configurations.has && i < req->volume_configurations.count; i++) {
        const char *name = req->volume_configurations.items[i].name;
        bool found = false;
        for (size_t j = 0; name && j < td->launch_volume_count && !found; j++) {
            found = strcmp(td->launch_volumes[j], name) == 0;
        }
        if (!found) {
            emu_error_set(
                err,
                ECC_ERROR_INVALID_PARAMETER,
                "The volume '%.200s' in volumeConfigurations is not a volume of the task definition that is "
                "configuredAtLaunch.",
                name ? name : "");
            return false;
        }
    }
    return true;
}

/* Places every task (dry run on working copies of the usage), then checks the PROVISIONING quota. */
static bool s_plan_placement(
    struct ecc_emulator *emu,
    struct emu_cluster *cluster,
    const struct ecc_run_task_request *req,
    const struct emu_taskdef *td,
    int32_t cpu,
    int32_t memory,
    size_t count,
    struct s_plan *plans,
    struct emu_error *err) {
    const char *member_of[32];
    size_t member_of_count = 0;
    bool distinct = false;
    for (size_t i = 0; i < td->member_of_count && member_of_count < 32; i++) {
        member_of[member_of_count++] = td->member_of[i];
    }
    for (size_t i = 0; req->placement_constraints.has && i < req->placement_constraints.count; i++) {
        const struct ecc_placement_constraint *c = &req->placement_constraints.items[i];
        if (c->type && strcmp(c->type, "distinctInstance") == 0) {
            distinct = true;
        } else if (c->type && strcmp(c->type, "memberOf") == 0 && c->expression && member_of_count < 32) {
            member_of[member_of_count++] = c->expression;
        }
    }
    if (!emu_place_check_expressions(emu, member_of, member_of_count, err)) {
        return false;
    }
    struct emu_place_request place = {
        .cpu = cpu,
        .memory = memory,
        .member_of = member_of,
        .member_of_count = member_of_count,
        .distinct_instance = distinct};
    for (size_t i = 0; req->placement_strategy.has && i < req->placement_strategy.count; i++) {
        const struct ecc_placement_strategy *s = &req->placement_strategy.items[i];
        if (s->type && strcmp(s->type, "binpack") == 0) {
            place.binpack_memory = s->field && strcmp(s->field, "memory") == 0;
            place.binpack_cpu = !place.binpack_memory;
            break;
        }
    }
    size_t n = cluster->instance_count;
    int32_t *used_cpu = calloc(n + 1, sizeof(int32_t));
    int32_t *used_memory = calloc(n + 1, sizeof(int32_t));
    bool *taken = calloc(n + 1, sizeof(bool));
    if (!used_cpu || !used_memory || !taken) {
        free(used_cpu);
        free(used_memory);
        free(taken);
        return emu_oom(err);
    }
    for (size_t i = 0; i < n; i++) {
        used_cpu[i] = cluster->instances[i].cpu_used;
        used_memory[i] = cluster->instances[i].memory_used;
    }
    if (distinct) {
        /* distinctInstance: one task of the group per instance, counting the group's running tasks. */
        char group[300];
        snprintf(group, sizeof(group), "family:%s", td->family->name);
        const char *want = req->group ? req->group : group;
        for (const struct emu_task *t = emu->oldest_task; t; t = t->newer) {
            if (t->cluster == cluster && !t->stopped_ms && t->instance >= 0 && (size_t)t->instance < n) {
                char other[300];
                snprintf(other, sizeof(other), "family:%s", t->taskdef->family->name);
                if (strcmp(t->group ? t->group : other, want) == 0) {
                    taken[t->instance] = true;
                }
            }
        }
    }
    uint32_t waiting = 0;
    for (size_t i = 0; i < count; i++) {
        if (plans[i].launch_type == EMU_LT_FARGATE) {
            plans[i].place.instance = -1;
            plans[i].place.reason = NULL;
            continue;
        }
        emu_place(emu, cluster, &place, used_cpu, used_memory, taken, &plans[i].place);
        bool resource = plans[i].place.reason && strncmp(plans[i].place.reason, "RESOURCE:", 9) == 0;
        bool empty = plans[i].place.reason && cluster->instance_count == 0;
        if (plans[i].managed && (resource || empty)) {
            plans[i].waiting = true; /* managed scaling: the task waits in PROVISIONING for capacity */
            plans[i].place.reason = NULL;
            waiting++;
        }
    }
    free(used_cpu);
    free(used_memory);
    free(taken);
    if (waiting && cluster->provisioning_tasks + waiting > cluster->provisioning_quota) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Tasks provisioning capacity limit exceeded.");
        return false;
    }
    return true;
}

static bool s_failure_add(struct ecc_failure_list *list, const char *arn, const char *reason, const char *detail) {
    struct ecc_failure *f = ECC_LIST_APPEND(list);
    return f && s_set(&f->arn, arn) && s_set(&f->reason, reason) && s_set(&f->detail, detail);
}

/* Answers RunTask for an existing clientToken entry: the same task ARNs, nothing new started. */
static bool s_replay(
    struct ecc_emulator *emu,
    const struct emu_call *call,
    const struct emu_token *token,
    struct ecc_run_task_response *out,
    struct emu_error *err) {
    int64_t now = emu_now_locked(emu);
    for (size_t i = 0; i < token->task_count; i++) {
        struct emu_task *task = emu_task_find(emu, call->account, token->task_arns[i]);
        if (!task) {
            if (!s_failure_add(&out->failures, token->task_arns[i], "MISSING", NULL)) {
                return emu_oom(err);
            }
            continue;
        }
        struct ecc_task *item = ECC_LIST_APPEND(&out->tasks);
        if (!item || !s_render_task(emu, task, now, true, item)) {
            return emu_oom(err);
        }
    }
    for (size_t i = 0; i < token->failure_count; i++) {
        const struct emu_failure *f = &token->failures[i];
        if (!s_failure_add(&out->failures, f->arn, f->reason, f->detail)) {
            return emu_oom(err);
        }
    }
    return true;
}

static bool s_conflict(const struct emu_token *token, struct emu_error *err) {
    emu_error_set(
        err,
        ECC_ERROR_CONFLICT,
        "The clientToken is already in use with a different RunTask request. Use a unique clientToken, or retry with "
        "the original set of parameters.");
    if (token->task_count) {
        err->resource_ids = calloc(token->task_count, sizeof(char *));
        if (!err->resource_ids) {
            return false;
        }
        for (size_t i = 0; i < token->task_count; i++) {
            err->resource_ids[i] = ecc_strdup(token->task_arns[i]);
            if (!err->resource_ids[i]) {
                return false;
            }
            err->resource_id_count++;
        }
    }
    return false;
}

/* The request as "same parameters" compares it: without clientToken and cluster (compared by ARN). */
static bool s_token_request(const struct ecc_run_task_request *req, struct ecc_run_task_request *out) {
    if (ecc_run_task_request_copy(out, req) != ECC_OK) {
        return false;
    }
    free(out->client_token);
    free(out->cluster);
    out->client_token = NULL;
    out->cluster = NULL;
    return true;
}

static bool s_record_token(
    struct ecc_emulator *emu,
    const struct emu_cluster *cluster,
    const struct ecc_run_task_request *req,
    const struct ecc_run_task_response *out) {
    struct emu_token *token = calloc(1, sizeof(*token));
    if (!token) {
        return false;
    }
    token->cluster_arn = ecc_strdup(cluster->arn);
    token->token = ecc_strdup(req->client_token);
    if (!token->cluster_arn || !token->token || !s_token_request(req, &token->request)) {
        goto on_error;
    }
    if (out->tasks.count) {
        token->task_arns = calloc(out->tasks.count, sizeof(char *));
        if (!token->task_arns) {
            goto on_error;
        }
        for (size_t i = 0; i < out->tasks.count; i++) {
            token->task_arns[i] = ecc_strdup(out->tasks.items[i].task_arn);
            if (!token->task_arns[i]) {
                goto on_error;
            }
            token->task_count++;
        }
    }
    if (out->failures.count) {
        token->failures = calloc(out->failures.count, sizeof(*token->failures));
        if (!token->failures) {
            goto on_error;
        }
        for (size_t i = 0; i < out->failures.count; i++) {
            const struct ecc_failure *f = &out->failures.items[i];
            token->failures[i].arn = ecc_strdup(f->arn);
            token->failures[i].reason = ecc_strdup(f->reason);
            token->failures[i].detail = ecc_strdup(f->detail);
            token->failure_count++;
        }
    }
    return emu_token_insert(emu, token);
on_error:
    emu_token_free(token);
    return false;
}

/*
 * The one validation module decides; the first failure is the answer, with the error type its rule
 * names. `taskdef_constraints` is 0 before the task definition is known and its count after, when the
 * limit of 10 placement constraints counts both.
 */
static bool s_validate(const struct ecc_run_task_request *req, size_t taskdef_constraints, struct emu_error *err) {
    struct ecc_validate_options options = {.task_definition_placement_constraints = taskdef_constraints};
    struct ecc_validation_result result;
    ecc_validation_result_init(&result);
    enum ecc_status status = ecc_validate_run_task_request(req, &options, &result);
    if (status == ECC_ERR_INVALID && result.count) {
        const struct ecc_validation_failure *f = &result.failures[0];
        const struct ecc_error_info *info = ecc_errors_find(f->rule->error_type, strlen(f->rule->error_type));
        emu_error_set(err, info ? info->id : ECC_ERROR_INVALID_PARAMETER, "%s", f->message);
    } else if (status != ECC_OK) {
        emu_oom(err);
    }
    ecc_validation_result_clean_up(&result);
    return status == ECC_OK;
}

/* Authorization sees the resolved revision (the 2024-03-21 change in RUNTASK.md): the caller's policy must
 * allow `taskdef_arn`, else AccessDeniedException. */
static bool
s_authorize(struct ecc_emulator *emu, const struct emu_call *call, const char *taskdef_arn, struct emu_error *err) {
    if (emu_policy_allows(emu, call->access_key_id, taskdef_arn)) {
        return true;
    }
    emu_error_set(
        err,
        ECC_ERROR_ACCESS_DENIED,
        "User: arn:aws:iam::%s:user/ecsconf is not authorized to perform: ecs:RunTask on resource: %s because no "
        "identity-based policy allows the ecs:RunTask action",
        call->account,
        taskdef_arn);
    return false;
}

/* Authorization of a request before its clientToken is looked up: the task definition it names, resolved
 * as a run resolves it (INACTIVE revisions included: a retry after a deregistration is still answered).
 * A reference that resolves to nothing is authorized as written: a policy allows it only through a
 * wildcard, and without a policy everything is allowed (the token then answers as before). */
static bool s_authorize_reference(
    struct ecc_emulator *emu, const struct emu_call *call, const char *reference, struct emu_error *err) {
    struct emu_error ignored = {0};
    struct emu_taskdef *td = emu_taskdef_resolve(emu, call->account, reference, true, false, &ignored);
    emu_error_clean_up(&ignored);
    return s_authorize(emu, call, td ? td->arn : reference, err);
}

/* What every task of one RunTask call shares. */
struct s_run {
    struct ecc_emulator *emu;
    struct emu_cluster *cluster;
    const struct ecc_run_task_request *req;
    struct emu_taskdef *td;
    int64_t now;
    int32_t cpu;
    int32_t memory;
    uint8_t platform;
    bool awsvpc;
};

/* A task that could not be placed: a failure naming the instance that refused it, else the cluster. */
static bool s_add_place_failure(const struct s_run *run, const struct s_plan *plan, struct ecc_run_task_response *out) {
    char arn[512];
    if (plan->place.fail_instance >= 0) {
        emu_instance_arn(run->emu, run->cluster, (size_t)plan->place.fail_instance, arn, sizeof(arn));
    } else {
        snprintf(arn, sizeof(arn), "%s", run->cluster->arn);
    }
    return s_failure_add(&out->failures, arn, plan->place.reason, NULL);
}

/* A new task's own copies of what the request gives it: provider, startedBy, group, subnet, overrides
 * and tags. */
static bool s_fill_task(const struct s_run *run, const struct s_plan *plan, struct emu_task *task) {
    const struct ecc_run_task_request *req = run->req;
    if (!s_set(&task->capacity_provider, plan->provider) || !s_set(&task->started_by, req->started_by) ||
        !s_set(&task->group, req->group)) {
        return false;
    }
    if (run->awsvpc) {
        const struct ecc_string_list *subnets = &req->network_configuration.awsvpc_configuration.subnets;
        if (!s_set(&task->subnet, subnets->count ? subnets->items[0] : "")) {
            return false;
        }
    }
    if (req->has_overrides) {
        task->overrides = calloc(1, sizeof(*task->overrides));
        if (!task->overrides || ecc_task_override_copy(task->overrides, &req->overrides) != ECC_OK) {
            return false;
        }
    }
    return s_task_tags(req, run->td, run->cluster, &task->tags);
}

/* Starts one placed task: made, its instance's capacity taken, inserted, and rendered into `out`. */
static bool s_start_task(const struct s_run *run, const struct s_plan *plan, struct ecc_run_task_response *out) {
    const struct ecc_run_task_request *req = run->req;
    struct emu_task *task = emu_task_alloc(run->emu);
    if (!task) {
        return false;
    }
    task->cluster = run->cluster;
    task->taskdef = run->td;
    task->created_ms = run->now;
    task->cpu = run->cpu;
    task->memory = run->memory;
    task->launch_type = (uint8_t)plan->launch_type;
    task->platform = plan->launch_type == EMU_LT_FARGATE ? run->platform : 0xff;
    task->awsvpc = run->awsvpc;
    task->waiting_capacity = plan->waiting;
    task->enable_execute_command = req->has_enable_execute_command && req->enable_execute_command;
    task->instance = plan->place.instance;
    if (!s_fill_task(run, plan, task)) {
        emu_task_free(task);
        return false;
    }
    if (task->instance >= 0) {
        struct emu_instance *instance = &run->cluster->instances[task->instance];
        instance->cpu_used += run->cpu;
        instance->memory_used += run->memory;
        instance->tasks++;
    }
    if (task->waiting_capacity) {
        run->cluster->provisioning_tasks++;
    }
    emu_task_insert(run->emu, task);
    struct ecc_task *item = ECC_LIST_APPEND(&out->tasks);
    return item && s_render_task(run->emu, task, run->now, true, item);
}

/* Everything after validation, under the lock: fills `out` (initialized, tasks and failures present). */
static bool s_run_task_checked(
    struct ecc_emulator *emu,
    const struct emu_call *call,
    const struct ecc_run_task_request *req,
    struct ecc_run_task_response *out,
    struct emu_error *err) {
    struct emu_cluster *cluster = emu_cluster_find(emu, call->account, req->cluster);
    if (!cluster) {
        emu_error_set(err, ECC_ERROR_CLUSTER_NOT_FOUND, "Cluster not found.");
        return false;
    }
    bool use_token = req->client_token && !(emu->options.defects & ECC_EMULATOR_DEFECT_IGNORE_CLIENT_TOKEN);
    if (use_token) {
        struct emu_token *token = emu_token_find(emu, cluster->arn, req->client_token);
        /* IAM authorizes before the handler runs: a caller whose policy denies the task definition learns
         * nothing of the token's tasks, neither a replay nor a ConflictException's resourceIds. */
        if (token && !(emu->options.defects & ECC_EMULATOR_DEFECT_REPLAY_BEFORE_AUTHORIZATION) &&
            !s_authorize_reference(emu, call, req->task_definition, err)) {
            return false;
        }
        if (token) {
            struct ecc_run_task_request same;
            ecc_run_task_request_init(&same);
            if (!s_token_request(req, &same)) {
                ecc_run_task_request_clean_up(&same);
                return emu_oom(err);
            }
            bool equal = ecc_run_task_request_equal(&same, &token->request);
            ecc_run_task_request_clean_up(&same);
            return equal ? s_replay(emu, call, token, out, err) : s_conflict(token, err);
        }
    }
    struct emu_taskdef *td = emu_taskdef_resolve(emu, call->account, req->task_definition, false, false, err);
    if (!td || (td->placement_constraint_count && !s_validate(req, td->placement_constraint_count, err))) {
        return false;
    }
    if (!s_authorize(emu, call, td->arn, err)) {
        return false;
    }
    size_t count = req->has_count ? (size_t)req->count : 1;
    struct s_plan plans[10];
    memset(plans, 0, sizeof(plans));
    if (count > 10) {
        count = 10; /* validate.c rejected more; this only guards the array */
    }
    bool fargate = false;
    uint8_t platform = 0xff;
    if (!s_resolve_launch(req, cluster, count, plans, err)) {
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        fargate |= plans[i].launch_type == EMU_LT_FARGATE;
    }
    if (!s_check_task_definition_fit(req, td, plans, count, err) ||
        !s_resolve_platform(req, td, fargate, &platform, err) ||
        !s_request_unsupported(emu, req, plans, count, platform != 0xff ? s_platforms[platform].name : NULL, err)) {
        return false;
    }
    int32_t cpu = td->cpu;
    int32_t memory = td->memory;
    if (req->has_overrides && req->overrides.cpu && emu_parse_units(req->overrides.cpu, true) >= 0) {
        cpu = emu_parse_units(req->overrides.cpu, true);
    }
    if (req->has_overrides && req->overrides.memory && emu_parse_units(req->overrides.memory, false) >= 0) {
        memory = emu_parse_units(req->overrides.memory, false);
    }
    if (!emu_task_reserve(emu, count, err) ||
        !s_plan_placement(emu, cluster, req, td, cpu, memory, count, plans, err)) {
        return false;
    }

    struct s_run run = {
        .emu = emu,
        .cluster = cluster,
        .req = req,
        .td = td,
        .now = emu_now_locked(emu),
        .cpu = cpu,
        .memory = memory,
        .platform = platform,
        .awsvpc = strcmp(td->network_mode, "awsvpc") == 0,
    };
    for (size_t i = 0; i < count; i++) {
        bool done =
            plans[i].place.reason ? s_add_place_failure(&run, &plans[i], out) : s_start_task(&run, &plans[i], out);
        if (!done) {
            return emu_oom(err);
        }
    }
    if (use_token && !s_record_token(emu, cluster, req, out)) {
        return emu_oom(err);
    }
    return true;
}

static bool s_run_task(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    struct ecc_run_task_request req;
    struct ecc_json_path path;
    struct ecc_diag diag;
    ecc_run_task_request_init(&req);
    ecc_json_path_init(&path);
    ecc_diag_clear(&diag);
    bool ok = false;
    if (ecc_codec_read_run_task_request(call->body, &path, &req, NULL, &diag) != ECC_OK) {
        emu_diag_error(err, ECC_ERROR_SERIALIZATION, &diag);
        goto done;
    }
    if (!s_validate(&req, 0, err)) {
        goto done;
    }
    /* Parse, validation and serialization run outside the lock; only the state work holds it. */
    struct ecc_run_task_response out;
    ecc_run_task_response_init(&out);
    out.tasks.has = true;
    out.failures.has = true;
    pthread_mutex_lock(&emu->lock);
    ok = s_run_task_checked(emu, call, &req, &out, err);
    pthread_mutex_unlock(&emu->lock);
    if (ok) {
        ok = s_answer_run_task(&out, call, response, err);
    }
    ecc_run_task_response_clean_up(&out);
done:
    ecc_run_task_request_clean_up(&req);
    return ok;
}

/* ------------------------------------------------------------------ tasks: describe, list, stop */

bool emu_find_cluster(
    struct ecc_emulator *emu, const struct emu_call *call, struct emu_cluster **cluster, struct emu_error *err) {
    char *ref = NULL;
    if (!emu_read_string(call->body, "cluster", &ref, err)) {
        return false;
    }
    *cluster = emu_cluster_find(emu, call->account, ref);
    free(ref);
    if (!*cluster) {
        emu_error_set(err, ECC_ERROR_CLUSTER_NOT_FOUND, "Cluster not found.");
        return false;
    }
    return true;
}

static bool s_describe_tasks(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    struct emu_cluster *cluster;
    const json_t *refs = NULL, *include = NULL;
    struct ecc_json_path path;
    struct ecc_diag diag;
    ecc_json_path_init(&path);
    ecc_diag_clear(&diag);
    enum ecc_json_presence has_refs;
    if (ecc_json_read_array(call->body, "tasks", &path, &refs, &has_refs, &diag) != ECC_OK ||
        ecc_json_read_array(call->body, "include", &path, &include, NULL, &diag) != ECC_OK) {
        return emu_diag_error(err, ECC_ERROR_SERIALIZATION, &diag);
    }
    if (!emu_find_cluster(emu, call, &cluster, err)) {
        return false;
    }
    if (!has_refs || json_array_size(refs) == 0 || json_array_size(refs) > 100) {
        emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "Tasks cannot be empty and can hold at most 100 items.");
        return false;
    }
    bool with_tags = false;
    size_t i;
    const json_t *item;
    json_array_foreach(include, i, item) {
        with_tags |= json_is_string(item) && strcmp(json_string_value(item), "TAGS") == 0;
    }
    json_array_foreach(refs, i, item) {
        if (!json_is_string(item)) {
            ecc_json_path_push_member(&path, "tasks");
            ecc_json_path_push_index(&path, i);
            ecc_json_type_error(&path, "a string", item, &diag);
            return emu_diag_error(err, ECC_ERROR_SERIALIZATION, &diag);
        }
    }
    emu_expire(emu);
    int64_t now = emu_now_locked(emu);
    int64_t lag = emu_visibility_lag_ms(emu, cluster->name);
    struct ecc_run_task_response out;
    ecc_run_task_response_init(&out);
    out.tasks.has = true;
    out.failures.has = true;
    bool ok = false;
    json_array_foreach(refs, i, item) {
        const char *ref = json_string_value(item);
        struct emu_task *task = emu_task_find(emu, call->account, ref);
        if (!task || task->cluster != cluster || now < task->created_ms + lag) {
            if (!s_failure_add(&out.failures, ref, "MISSING", NULL)) {
                emu_oom(err);
                goto done;
            }
            continue;
        }
        struct ecc_task *rendered = ECC_LIST_APPEND(&out.tasks);
        if (!rendered || !s_render_task(emu, task, now, with_tags, rendered)) {
            emu_oom(err);
            goto done;
        }
    }
    ok = s_answer_run_task(&out, call, response, err);
done:
    ecc_run_task_response_clean_up(&out);
    return ok;
}

static bool s_list_tasks(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    struct emu_cluster *cluster;
    char *family = NULL, *started_by = NULL, *desired = NULL, *launch_type = NULL, *next_token = NULL;
    int32_t max_results = 100;
    enum ecc_json_presence has_max;
    struct ecc_json_path path;
    struct ecc_diag diag;
    ecc_json_path_init(&path);
    ecc_diag_clear(&diag);
    bool ok = false;
    json_t *arns = NULL;
    if (ecc_json_read_string(call->body, "family", &path, &family, NULL, &diag) != ECC_OK ||
        ecc_json_read_string(call->body, "startedBy", &path, &started_by, NULL, &diag) != ECC_OK ||
        ecc_json_read_string(call->body, "desiredStatus", &path, &desired, NULL, &diag) != ECC_OK ||
        ecc_json_read_string(call->body, "launchType", &path, &launch_type, NULL, &diag) != ECC_OK ||
        ecc_json_read_string(call->body, "nextToken", &path, &next_token, NULL, &diag) != ECC_OK ||
        ecc_json_read_int(call->body, "maxResults", &path, &max_results, &has_max, &diag) != ECC_OK) {
        emu_diag_error(err, ECC_ERROR_SERIALIZATION, &diag);
        goto done;
    }
    if (!emu_find_cluster(emu, call, &cluster, err)) {
        goto done;
    }
    if (has_max && (max_results < 1 || max_results > 100)) {
        emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "maxResults must be between 1 and 100.");
        goto done;
    }
    bool stopped = desired && strcmp(desired, "STOPPED") == 0;
    if (desired && !stopped && strcmp(desired, "RUNNING") != 0 && strcmp(desired, "PENDING") != 0) {
        emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "desiredStatus must be RUNNING, PENDING or STOPPED.");
        goto done;
    }
    unsigned long long after = 0;
    if (next_token) {
        char *end = NULL;
        bool ours = strncmp(next_token, "ecsconf-", 8) == 0;
        if (ours) {
            after = strtoull(next_token + 8, &end, 10);
        }
        if (!ours || after == 0 || *end) {
            emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "Invalid nextToken.");
            goto done;
        }
    }
    emu_expire(emu);
    arns = json_array();
    if (!arns) {
        emu_oom(err);
        goto done;
    }
    const struct emu_task *last = NULL;
    bool more = false;
    for (const struct emu_task *t = emu->oldest_task; t; t = t->newer) {
        if (t->cluster != cluster || t->seq <= after || (t->stopped_ms != 0) != stopped ||
            (family && strcmp(family, t->taskdef->family->name) != 0) ||
            (started_by && (!t->started_by || strcmp(started_by, t->started_by) != 0)) ||
            (launch_type && strcmp(launch_type, emu_launch_type_name((enum emu_launch_type)t->launch_type)) != 0)) {
            continue;
        }
        if (json_array_size(arns) == (size_t)max_results) {
            more = true;
            break;
        }
        char arn[512];
        emu_task_arn(emu, t, arn, sizeof(arn));
        json_array_append_new(arns, json_string(arn));
        last = t;
    }
    json_t *out = json_pack("{s:o}", "taskArns", arns);
    arns = NULL;
    if (out && more && last) {
        char token[64];
        snprintf(token, sizeof(token), "ecsconf-%llu", (unsigned long long)last->seq);
        json_object_set_new(out, "nextToken", json_string(token));
    }
    ok = emu_answer_json(out, call, response, err);
done:
    json_decref(arns);
    free(family);
    free(started_by);
    free(desired);
    free(launch_type);
    free(next_token);
    return ok;
}

static bool s_stop_task(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    struct emu_cluster *cluster;
    char *ref = NULL, *reason = NULL;
    bool ok = false;
    struct ecc_task out;
    ecc_task_init(&out);
    struct ecc_buf buf;
    ecc_buf_init(&buf, S_MAX_BODY_OUT);
    if (!emu_read_string(call->body, "task", &ref, err) || !emu_read_string(call->body, "reason", &reason, err) ||
        !emu_find_cluster(emu, call, &cluster, err)) {
        goto done;
    }
    if (!ref) {
        emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "task is required.");
        goto done;
    }
    if (reason && strlen(reason) > 255) {
        emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "reason can be at most 255 characters.");
        goto done;
    }
    emu_expire(emu);
    struct emu_task *task = emu_task_find(emu, call->account, ref);
    if (!task || task->cluster != cluster) {
        emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "The referenced task was not found.");
        goto done;
    }
    emu_task_stop(emu, task, reason, true);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (!s_render_task(emu, task, emu_now_locked(emu), true, &out) || ecc_buf_append_str(&buf, "{\"task\":") ||
        ecc_codec_write_task(&buf, &out, &diag) || ecc_buf_append_byte(&buf, '}')) {
        emu_oom(err);
        goto done;
    }
    ok = s_answer_buf(&buf, call, response, err);
done:
    ecc_buf_clean_up(&buf);
    ecc_task_clean_up(&out);
    free(ref);
    free(reason);
    return ok;
}

/* ------------------------------------------------------------------ dispatch */

static const struct emu_op s_ops[] = {
    {"RunTask", s_run_task, true},
    {"DescribeTasks", s_describe_tasks, false},
    {"ListTasks", s_list_tasks, false},
    {"StopTask", s_stop_task, false},
    {"CreateCluster", emu_op_create_cluster, false},
    {"DeleteCluster", emu_op_delete_cluster, false},
    {"RegisterTaskDefinition", emu_op_register_task_definition, false},
    {"DeregisterTaskDefinition", emu_op_deregister_task_definition, false},
};

const struct emu_op *emu_op_find(const char *operation) {
    for (size_t i = 0; i < ECC_ARRAY_LEN(s_ops); i++) {
        if (strcmp(s_ops[i].name, operation) == 0) {
            return &s_ops[i];
        }
    }
    return NULL;
}

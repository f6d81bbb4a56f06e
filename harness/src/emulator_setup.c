/*
 * The set-up operations of the emulator: CreateCluster, DeleteCluster, RegisterTaskDefinition and
 * DeregisterTaskDefinition. They read their few members with the typed JSON readers, keep the state in
 * emulator_state.c's structs and answer with jansson through emulator_ops.c's helpers; the handler holds
 * the lock around each.
 */
#include "emulator_internal.h"

#include <stdlib.h>
#include <string.h>

/* A new cluster's own copies of its capacity providers and default strategy (checked by the caller). Each
 * copy is counted as it is made, so a cluster deleted after a failure frees exactly what it holds; false
 * when out of memory. */
static bool s_cluster_copy_capacity(struct emu_cluster *cluster, const json_t *providers, const json_t *strategy) {
    size_t np = json_array_size(providers), ns = json_array_size(strategy), i;
    const json_t *item;
    cluster->providers = np ? calloc(np, sizeof(char *)) : NULL;
    cluster->default_strategy = ns ? calloc(ns, sizeof(*cluster->default_strategy)) : NULL;
    if ((np && !cluster->providers) || (ns && !cluster->default_strategy)) {
        return false;
    }
    json_array_foreach(providers, i, item) {
        char *copy = ecc_strdup(json_string_value(item));
        if (!copy) {
            return false;
        }
        cluster->providers[cluster->provider_count++] = copy;
    }
    json_array_foreach(strategy, i, item) {
        struct emu_strategy_item *s = &cluster->default_strategy[cluster->default_strategy_count];
        s->provider = ecc_strdup(json_string_value(json_object_get(item, "capacityProvider")));
        if (!s->provider) {
            return false;
        }
        s->weight = (int32_t)json_integer_value(json_object_get(item, "weight"));
        s->base = (int32_t)json_integer_value(json_object_get(item, "base"));
        cluster->default_strategy_count++;
    }
    return true;
}

/* ------------------------------------------------------------------ clusters */

static json_t *s_cluster_json(const struct emu_cluster *cluster, const char *status) {
    json_t *providers = json_array();
    json_t *strategy = json_array();
    for (size_t i = 0; i < cluster->provider_count; i++) {
        json_array_append_new(providers, json_string(cluster->providers[i]));
    }
    for (size_t i = 0; i < cluster->default_strategy_count; i++) {
        json_array_append_new(
            strategy,
            json_pack(
                "{s:s,s:i,s:i}",
                "capacityProvider",
                cluster->default_strategy[i].provider,
                "weight",
                (int)cluster->default_strategy[i].weight,
                "base",
                (int)cluster->default_strategy[i].base));
    }
    return json_pack(
        "{s:s,s:s,s:s,s:i,s:i,s:i,s:i,s:[],s:[],s:o,s:o,s:[{s:s,s:s}]}",
        "clusterArn",
        cluster->arn,
        "clusterName",
        cluster->name,
        "status",
        status,
        "registeredContainerInstancesCount",
        (int)cluster->instance_count,
        "runningTasksCount",
        (int)cluster->active_tasks,
        "pendingTasksCount",
        0,
        "activeServicesCount",
        0,
        "statistics",
        "tags",
        "capacityProviders",
        providers,
        "defaultCapacityProviderStrategy",
        strategy,
        "settings",
        "name",
        "containerInsights",
        "value",
        "disabled");
}

bool emu_op_create_cluster(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    char *name = NULL;
    const json_t *providers = NULL, *strategy = NULL;
    struct ecc_json_path path;
    struct ecc_diag diag;
    ecc_json_path_init(&path);
    ecc_diag_clear(&diag);
    bool ok = false;
    if (ecc_json_read_string(call->body, "clusterName", &path, &name, NULL, &diag) != ECC_OK ||
        ecc_json_read_array(call->body, "capacityProviders", &path, &providers, NULL, &diag) != ECC_OK ||
        ecc_json_read_array(call->body, "defaultCapacityProviderStrategy", &path, &strategy, NULL, &diag) != ECC_OK) {
        emu_diag_error(err, ECC_ERROR_SERIALIZATION, &diag);
        goto done;
    }
    size_t i;
    const json_t *item;
    json_array_foreach(providers, i, item) {
        if (!json_is_string(item) || json_string_length(item) == 0 || json_string_length(item) > 255) {
            emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "capacityProviders must hold capacity provider names.");
            goto done;
        }
    }
    if (json_array_size(providers) > 20 || json_array_size(strategy) > 20) {
        emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "A cluster can have at most 20 capacity providers.");
        goto done;
    }
    json_array_foreach(strategy, i, item) {
        const json_t *provider = json_object_get(item, "capacityProvider");
        const json_t *weight = json_object_get(item, "weight");
        const json_t *base = json_object_get(item, "base");
        bool listed = false;
        size_t j;
        const json_t *p;
        json_array_foreach(providers, j, p) {
            listed |= json_is_string(provider) && json_equal(provider, p);
        }
        if (!listed ||
            (weight &&
             (!json_is_integer(weight) || json_integer_value(weight) < 0 || json_integer_value(weight) > 1000)) ||
            (base && (!json_is_integer(base) || json_integer_value(base) < 0 || json_integer_value(base) > 100000))) {
            emu_error_set(
                err,
                ECC_ERROR_INVALID_PARAMETER,
                "defaultCapacityProviderStrategy items need a capacityProvider of capacityProviders, weight 0-1000 "
                "and base 0-100000.");
            goto done;
        }
    }
    bool existed = emu_cluster_find(emu, call->account, name ? name : "default") != NULL;
    struct emu_cluster *cluster = emu_cluster_create(emu, call->account, name ? name : "default", err);
    if (!cluster) {
        goto done;
    }
    if (!existed && !s_cluster_copy_capacity(cluster, providers, strategy)) {
        emu_cluster_delete(emu, cluster);
        emu_oom(err);
        goto done;
    }
    ok = emu_answer_json(json_pack("{s:o}", "cluster", s_cluster_json(cluster, "ACTIVE")), call, response, err);
done:
    free(name);
    return ok;
}

bool emu_op_delete_cluster(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    struct emu_cluster *cluster;
    if (!emu_find_cluster(emu, call, &cluster, err)) {
        return false;
    }
    if (cluster->active_tasks) {
        emu_error_set_other(
            err, "ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.");
        return false;
    }
    json_t *out = json_pack("{s:o}", "cluster", s_cluster_json(cluster, "INACTIVE"));
    emu_cluster_delete(emu, cluster);
    return emu_answer_json(out, call, response, err);
}

/* ------------------------------------------------------------------ task definitions */

bool emu_op_register_task_definition(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    struct emu_taskdef *td = emu_taskdef_register(emu, call->account, call->body, err);
    if (!td) {
        return false;
    }
    json_object_set_new(td->json, "status", json_string("ACTIVE"));
    json_t *tags = json_object_get(call->body, "tags");
    return emu_answer_json(
        json_pack(
            "{s:O,s:o}", "taskDefinition", td->json, "tags", json_is_array(tags) ? json_incref(tags) : json_array()),
        call,
        response,
        err);
}

bool emu_op_deregister_task_definition(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err) {
    char *ref = NULL;
    if (!emu_read_string(call->body, "taskDefinition", &ref, err)) {
        return false;
    }
    if (!ref) {
        emu_error_set(err, ECC_ERROR_CLIENT, "taskDefinition is required.");
        return false;
    }
    struct emu_taskdef *td = emu_taskdef_resolve(emu, call->account, ref, true, true, err);
    free(ref);
    if (!td) {
        return false;
    }
    if (td->active) {
        td->active = false;
        td->deregistered_ms = emu_now_locked(emu);
        json_object_set_new(td->json, "status", json_string("INACTIVE"));
        json_object_set_new(td->json, "deregisteredAt", json_real((double)td->deregistered_ms / 1000.0));
    }
    return emu_answer_json(json_pack("{s:O}", "taskDefinition", td->json), call, response, err);
}

/*
 * The control actions of POST /__ecsconf/control (the contract in docs/EMULATOR.md): fault injection,
 * the RunTask authorization policy, blocked accounts, unsupported features, the clock, the visibility
 * lag, simulated capacity and reset; and the checks the handler asks of them.
 */
#include "emulator_internal.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Most rules of each kind (faults, policies, blocked accounts + unsupported features). */
#define EMU_MAX_RULES 1000

static void s_strings_free(char **items, size_t count) {
    for (size_t i = 0; i < count; i++) {
        free(items[i]);
    }
    free(items);
}

static void s_fault_free(struct emu_fault *fault) {
    free(fault->operation);
    free(fault->cluster);
    free(fault->message);
    free(fault);
}

static void s_policy_free(struct emu_policy *policy) {
    free(policy->access_key_id);
    s_strings_free(policy->allowed_arns, policy->allowed_count);
    free(policy);
}

static void s_string_nodes_free(struct emu_string_node *node) {
    while (node) {
        struct emu_string_node *next = node->next;
        free(node->value);
        free(node);
        node = next;
    }
}

void emu_control_clean_up(struct ecc_emulator *emu) {
    for (struct emu_fault *f = emu->faults; f;) {
        struct emu_fault *next = f->next;
        s_fault_free(f);
        f = next;
    }
    for (struct emu_policy *p = emu->policies; p;) {
        struct emu_policy *next = p->next;
        s_policy_free(p);
        p = next;
    }
    s_string_nodes_free(emu->blocked_accounts);
    s_string_nodes_free(emu->unsupported);
    emu->faults = NULL;
    emu->fault_count = 0;
    emu->policies = NULL;
    emu->policy_count = 0;
    emu->blocked_accounts = NULL;
    emu->unsupported = NULL;
    emu->list_count = 0;
}

static bool s_list_has(const struct emu_string_node *node, const char *value) {
    for (; node; node = node->next) {
        if (strcmp(node->value, value) == 0) {
            return true;
        }
    }
    return false;
}

bool emu_account_blocked(struct ecc_emulator *emu, const char *account) {
    return s_list_has(emu->blocked_accounts, account);
}

bool emu_feature_unsupported(struct ecc_emulator *emu, const char *feature) {
    return s_list_has(emu->unsupported, feature);
}

bool emu_fault_take(
    struct ecc_emulator *emu,
    const char *operation,
    const char *cluster,
    struct emu_error *err,
    bool *has_error,
    int64_t *delay_ms) {
    for (struct emu_fault **link = &emu->faults; *link; link = &(*link)->next) {
        struct emu_fault *fault = *link;
        if (strcmp(fault->operation, operation) != 0 || (fault->cluster && strcmp(fault->cluster, cluster) != 0)) {
            continue;
        }
        *has_error = fault->error != NULL;
        *delay_ms = fault->delay_ms;
        if (fault->error) {
            const struct ecc_error_info *info = ecc_errors_find(fault->error, strlen(fault->error));
            emu_error_set(
                err,
                info->id,
                "%s",
                fault->message  ? fault->message
                : info->summary ? info->summary
                                : "injected");
        }
        if (--fault->remaining == 0) {
            *link = fault->next;
            emu->fault_count--;
            s_fault_free(fault);
        }
        return true;
    }
    return false;
}

bool emu_policy_allows(struct ecc_emulator *emu, const char *access_key_id, const char *taskdef_arn) {
    for (const struct emu_policy *p = emu->policies; p; p = p->next) {
        if (strcmp(p->access_key_id, access_key_id) != 0) {
            continue;
        }
        for (size_t i = 0; i < p->allowed_count; i++) {
            /* IAM's wildcards: `family:*` allows every revision; `family` alone names no revision, and
             * since the revision is resolved before authorization it allows none. */
            if (fnmatch(p->allowed_arns[i], taskdef_arn, FNM_NOESCAPE) == 0) {
                return true;
            }
        }
        return false;
    }
    return true;
}

int64_t emu_visibility_lag_ms(struct ecc_emulator *emu, const char *cluster_name) {
    const struct emu_cluster_settings *s = emu_settings_find(emu, cluster_name);
    if (s && s->has_lag) {
        return s->lag_ms;
    }
    return emu->has_global_lag ? emu->global_lag_ms : 0;
}

/* ---------------------------------------------------------------- parsing the actions */

struct s_action {
    const char *name;
    const char *members[8]; /* allowed besides "action" and "exclusive" */
    bool (*apply)(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag);
};

static bool s_fail(struct ecc_diag *diag, const char *fmt, ...) ECC_PRINTF(2, 3);
static bool s_fail(struct ecc_diag *diag, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    ecc_diag_vset(diag, fmt, args);
    va_end(args);
    return false;
}

/* Reads an optional string member; false (diag set) when present with another type. */
static bool s_string(const json_t *body, const char *key, const char **out, bool required, struct ecc_diag *diag) {
    const json_t *value = json_object_get(body, key);
    if (!value || json_is_null(value)) {
        *out = NULL;
        return required ? s_fail(diag, "control: '%s' is required", key) : true;
    }
    if (!json_is_string(value) || json_string_length(value) == 0 || json_string_length(value) > 2048) {
        return s_fail(diag, "control: '%s' must be a non-empty string", key);
    }
    *out = json_string_value(value);
    return true;
}

static bool s_integer(
    const json_t *body, const char *key, int64_t min, int64_t max, int64_t *out, bool *present, struct ecc_diag *diag) {
    const json_t *value = json_object_get(body, key);
    *present = value && !json_is_null(value);
    if (!*present) {
        return true;
    }
    if (!json_is_integer(value) || json_integer_value(value) < min || json_integer_value(value) > max) {
        ecc_diag_set(diag, "control: '%s' must be an integer from %lld to %lld", key, (long long)min, (long long)max);
        return false;
    }
    *out = json_integer_value(value);
    return true;
}

static bool s_boolean(const json_t *body, const char *key, bool *out, struct ecc_diag *diag) {
    const json_t *value = json_object_get(body, key);
    if (!json_is_boolean(value)) {
        return s_fail(diag, "control: '%s' must be true or false", key);
    }
    *out = json_is_true(value);
    return true;
}

static bool s_room(size_t count, struct ecc_diag *diag) {
    if (count >= EMU_MAX_RULES) {
        ecc_diag_set(diag, "control: too many rules (cap %d); send a reset", EMU_MAX_RULES);
        return false;
    }
    return true;
}

static bool s_oom(struct ecc_diag *diag) {
    ecc_diag_set(diag, "control: out of memory");
    return false;
}

static bool s_apply_inject(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag) {
    const char *operation = NULL, *cluster = NULL, *error = NULL, *message = NULL;
    int64_t delay_ms = 0, times = 1;
    bool has_delay = false, has_times = false;
    if (!s_string(body, "operation", &operation, true, diag) || !s_string(body, "cluster", &cluster, false, diag) ||
        !s_string(body, "error", &error, false, diag) || !s_string(body, "message", &message, false, diag) ||
        !s_integer(body, "delay_ms", 0, emu->options.max_delay_ms, &delay_ms, &has_delay, diag) ||
        !s_integer(body, "times", 1, 1000000, &times, &has_times, diag) || !s_room(emu->fault_count, diag)) {
        return false;
    }
    const struct ecc_error_info *info = error ? ecc_errors_find(error, strlen(error)) : NULL;
    if (error && !info) {
        return s_fail(diag, "control: '%s' is not an error type of the error table", error);
    }
    if (!error && !has_delay) {
        return s_fail(diag, "control: %s needs 'error' or 'delay_ms'", "inject");
    }
    struct emu_fault *fault = calloc(1, sizeof(*fault));
    if (fault) {
        fault->operation = ecc_strdup(operation);
        fault->cluster = cluster ? ecc_strdup(emu_cluster_short_name(cluster)) : NULL;
        fault->message = message ? ecc_strdup(message) : NULL;
    }
    if (!fault || !fault->operation || (cluster && !fault->cluster) || (message && !fault->message)) {
        if (fault) {
            s_fault_free(fault);
        }
        return s_oom(diag);
    }
    fault->error = info ? info->name : NULL;
    fault->delay_ms = delay_ms;
    fault->remaining = (uint32_t)times;
    struct emu_fault **link = &emu->faults;
    while (*link) {
        link = &(*link)->next;
    }
    *link = fault; /* rules match in the order they were given */
    emu->fault_count++;
    return true;
}

static bool s_apply_policy(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag) {
    const char *key;
    if (!s_string(body, "accessKeyId", &key, true, diag)) {
        return false;
    }
    const json_t *allow = json_object_get(body, "allowTaskDefinitions");
    if (allow && !json_is_null(allow) && !json_is_array(allow)) {
        return s_fail(diag, "control: '%s' must be a list of task-definition ARNs", "allowTaskDefinitions");
    }
    size_t i;
    const json_t *item;
    json_array_foreach(allow, i, item) {
        if (!json_is_string(item)) {
            return s_fail(diag, "control: '%s' must be a list of task-definition ARNs", "allowTaskDefinitions");
        }
    }
    if (json_array_size(allow) > EMU_MAX_RULES) {
        return s_fail(diag, "control: '%s' holds too many ARNs", "allowTaskDefinitions");
    }
    for (struct emu_policy **link = &emu->policies; *link; link = &(*link)->next) {
        if (strcmp((*link)->access_key_id, key) == 0) {
            struct emu_policy *old = *link;
            *link = old->next;
            emu->policy_count--;
            s_policy_free(old);
            break;
        }
    }
    if (!allow || json_is_null(allow)) {
        return true; /* absent: the key has no policy any more */
    }
    if (!s_room(emu->policy_count, diag)) {
        return false;
    }
    struct emu_policy *policy = calloc(1, sizeof(*policy));
    if (policy) {
        policy->access_key_id = ecc_strdup(key);
    }
    if (!policy || !policy->access_key_id) {
        free(policy);
        return s_oom(diag);
    }
    size_t count = json_array_size(allow);
    policy->allowed_arns = count ? calloc(count, sizeof(char *)) : NULL;
    if (count && !policy->allowed_arns) {
        s_policy_free(policy);
        return s_oom(diag);
    }
    json_array_foreach(allow, i, item) {
        policy->allowed_arns[i] = ecc_strdup(json_string_value(item));
        if (!policy->allowed_arns[i]) {
            s_policy_free(policy);
            return s_oom(diag);
        }
        policy->allowed_count++;
    }
    policy->next = emu->policies;
    emu->policies = policy;
    emu->policy_count++;
    return true;
}

static bool s_set_member(
    struct ecc_emulator *emu, struct emu_string_node **list, const char *value, bool member, struct ecc_diag *diag) {
    for (struct emu_string_node **link = list; *link; link = &(*link)->next) {
        if (strcmp((*link)->value, value) == 0) {
            if (!member) {
                struct emu_string_node *old = *link;
                *link = old->next;
                free(old->value);
                free(old);
                emu->list_count--;
            }
            return true;
        }
    }
    if (!member) {
        return true;
    }
    if (!s_room(emu->list_count, diag)) {
        return false;
    }
    struct emu_string_node *node = calloc(1, sizeof(*node));
    if (node) {
        node->value = ecc_strdup(value);
    }
    if (!node || !node->value) {
        free(node);
        return s_oom(diag);
    }
    node->next = *list;
    *list = node;
    emu->list_count++;
    return true;
}

static bool s_apply_block(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag) {
    const char *account = NULL;
    bool blocked = false;
    if (!s_string(body, "account", &account, true, diag) || !s_boolean(body, "blocked", &blocked, diag)) {
        return false;
    }
    if (strlen(account) != 12 || strspn(account, "0123456789") != 12) {
        return s_fail(diag, "control: account '%s' is not 12 digits", account);
    }
    return s_set_member(emu, &emu->blocked_accounts, account, blocked, diag);
}

static bool s_apply_unsupported(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag) {
    const char *feature = NULL;
    bool enabled = false;
    if (!s_string(body, "feature", &feature, true, diag) || !s_boolean(body, "enabled", &enabled, diag)) {
        return false;
    }
    return s_set_member(emu, &emu->unsupported, feature, enabled, diag);
}

static bool s_apply_advance_clock(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag) {
    const json_t *value = json_object_get(body, "seconds");
    double seconds = json_number_value(value);
    /* Forward only: tasks and tokens never see time run backwards. 10 years at most. */
    if (!json_is_number(value) || seconds < 0 || seconds > 10.0 * 366 * 86400) {
        return s_fail(diag, "control: '%s' must be a number of seconds from 0 to 10 years", "seconds");
    }
    emu->clock_offset_ms += (int64_t)(seconds * 1000.0);
    emu_expire(emu);
    return true;
}

static bool s_apply_visibility_lag(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag) {
    const char *cluster = NULL;
    int64_t ms = 0;
    bool has_ms = false;
    if (!s_string(body, "cluster", &cluster, false, diag) ||
        !s_integer(body, "ms", 0, 3600 * 1000, &ms, &has_ms, diag)) {
        return false;
    }
    if (!has_ms) {
        return s_fail(diag, "control: '%s' is required", "ms");
    }
    if (!cluster) {
        emu->has_global_lag = true;
        emu->global_lag_ms = ms;
        return true;
    }
    struct emu_error err = {0};
    struct emu_cluster_settings *s = emu_settings_get(emu, emu_cluster_short_name(cluster), &err);
    if (!s) {
        return s_fail(diag, "control: %s", err.message);
    }
    s->has_lag = true;
    s->lag_ms = ms;
    return true;
}

static bool s_apply_capacity(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag) {
    const char *cluster = NULL;
    int64_t instances = 0, cpu = 0, memory = 0, quota = 0;
    bool has_instances = false, has_cpu = false, has_memory = false, has_quota = false;
    if (!s_string(body, "cluster", &cluster, true, diag) ||
        !s_integer(body, "instances", 0, 10000, &instances, &has_instances, diag) ||
        !s_integer(body, "cpu", 0, 1 << 20, &cpu, &has_cpu, diag) ||
        !s_integer(body, "memory", 0, 1 << 24, &memory, &has_memory, diag) ||
        !s_integer(body, "provisioning_quota", 0, 1000000, &quota, &has_quota, diag)) {
        return false;
    }
    if (!has_instances && !has_quota) {
        return s_fail(
            diag, "control: %s needs 'instances' (with 'cpu' and 'memory') or 'provisioning_quota'", "capacity");
    }
    const char *name = emu_cluster_short_name(cluster);
    struct emu_error err = {0};
    struct emu_cluster_settings *s = emu_settings_get(emu, name, &err);
    if (!s) {
        return s_fail(diag, "control: %s", err.message);
    }
    if (has_instances) {
        s->has_capacity = true;
        s->instances = (uint32_t)instances;
        s->cpu = has_cpu ? (int32_t)cpu : EMU_DEFAULT_INSTANCE_CPU;
        s->memory = has_memory ? (int32_t)memory : EMU_DEFAULT_INSTANCE_MEM;
    }
    if (has_quota) {
        s->has_quota = true;
        s->quota = (uint32_t)quota;
    }
    for (struct emu_cluster *c = emu->clusters; c; c = c->next) {
        if (strcmp(c->name, name) == 0) {
            emu_cluster_apply_settings(emu, c);
        }
    }
    return true;
}

static bool s_apply_reset(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag) {
    (void)body;
    (void)diag;
    emu_state_clean_up(emu);
    emu_control_clean_up(emu);
    return true;
}

static const struct s_action s_actions[] = {
    {"inject", {"operation", "cluster", "error", "message", "delay_ms", "times"}, s_apply_inject},
    {"policy", {"accessKeyId", "allowTaskDefinitions"}, s_apply_policy},
    {"block", {"account", "blocked"}, s_apply_block},
    {"unsupported", {"feature", "enabled"}, s_apply_unsupported},
    {"advance_clock", {"seconds"}, s_apply_advance_clock},
    {"visibility_lag", {"cluster", "ms"}, s_apply_visibility_lag},
    {"capacity", {"cluster", "instances", "cpu", "memory", "provisioning_quota"}, s_apply_capacity},
    {"reset", {NULL}, s_apply_reset},
};

/* Applies one parsed action; the caller holds the lock. */
static enum ecc_status s_control_locked(struct ecc_emulator *emu, const json_t *body, struct ecc_diag *diag) {
    if (!json_is_object(body)) {
        ecc_diag_set(diag, "control: the body must be a JSON object with an 'action'");
        return ECC_ERR_INVALID;
    }
    const char *name = json_string_value(json_object_get(body, "action"));
    const struct s_action *action = NULL;
    for (size_t i = 0; name && i < ECC_ARRAY_LEN(s_actions); i++) {
        if (strcmp(s_actions[i].name, name) == 0) {
            action = &s_actions[i];
        }
    }
    if (!action) {
        ecc_diag_set(
            diag,
            "control: 'action' must be one of inject, policy, block, unsupported, advance_clock, visibility_lag, "
            "capacity, reset");
        return ECC_ERR_INVALID;
    }
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)body, key, value) {
        bool known = strcmp(key, "action") == 0 || strcmp(key, "exclusive") == 0;
        for (size_t i = 0; !known && i < ECC_ARRAY_LEN(action->members) && action->members[i]; i++) {
            known = strcmp(key, action->members[i]) == 0;
        }
        if (!known) {
            ecc_diag_set(diag, "control: unknown member '%.100s' for action '%s'", key, action->name);
            return ECC_ERR_INVALID;
        }
    }
    return action->apply(emu, body, diag) ? ECC_OK : ECC_ERR_INVALID;
}

enum ecc_status ecc_emulator_control(struct ecc_emulator *emu, const char *json, size_t len, struct ecc_diag *diag) {
    json_error_t error;
    json_t *body = json_loadb(json, len, JSON_REJECT_DUPLICATES, &error);
    if (!body) {
        ecc_diag_set(diag, "control: invalid JSON: %s", error.text);
        diag->line = error.line;
        diag->column = error.column;
        return ECC_ERR_INVALID;
    }
    pthread_mutex_lock(&emu->lock);
    enum ecc_status status = s_control_locked(emu, body, diag);
    pthread_mutex_unlock(&emu->lock);
    json_decref(body);
    return status;
}

enum ecc_status ecc_emulator_load_config(struct ecc_emulator *emu, const char *path, struct ecc_diag *diag) {
    json_error_t error;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    snprintf(diag->source, sizeof(diag->source), "%s", path);
    if (!root) {
        ecc_diag_set(diag, "%s", error.text);
        diag->line = error.line;
        diag->column = error.column;
        return ECC_ERR_INVALID;
    }
    enum ecc_status status = ECC_OK;
    if (!json_is_array(root)) {
        ecc_diag_set(diag, "a config file is a JSON array of control actions");
        status = ECC_ERR_INVALID;
    }
    size_t i;
    const json_t *action;
    pthread_mutex_lock(&emu->lock);
    json_array_foreach(root, i, action) {
        if (status != ECC_OK) {
            break;
        }
        status = s_control_locked(emu, action, diag);
        if (status != ECC_OK) {
            char pointer[32];
            snprintf(pointer, sizeof(pointer), "/%zu", i);
            ecc_diag_set_path(diag, pointer);
        }
    }
    pthread_mutex_unlock(&emu->lock);
    json_decref(root);
    return status;
}

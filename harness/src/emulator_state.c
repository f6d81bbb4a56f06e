/*
 * The emulator's state: ids and ARNs, clusters, task definitions with revisions, tasks with their
 * lifecycle on the clock, and the clientToken table. Every function expects emu->lock held.
 */
#include "emulator_internal.h"

#include "ecc/codec_request.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- errors */

void emu_error_set(struct emu_error *err, enum ecc_error_id id, const char *fmt, ...) {
    const struct ecc_error_info *info = ecc_errors_get(id);
    err->type = info->name;
    err->status = info->http_status;
    va_list args;
    va_start(args, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, args);
    va_end(args);
}

void emu_error_set_other(struct emu_error *err, const char *type, const char *fmt, ...) {
    err->type = type;
    err->status = 400;
    va_list args;
    va_start(args, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, args);
    va_end(args);
}

void emu_error_clean_up(struct emu_error *err) {
    for (size_t i = 0; i < err->resource_id_count; i++) {
        free(err->resource_ids[i]);
    }
    free(err->resource_ids);
    memset(err, 0, sizeof(*err));
}

/* ---------------------------------------------------------------- hashing */

uint64_t emu_hash(const void *bytes, size_t len, uint64_t seed) {
    /* FNV-1a: the keys are emulator-made ids or bounded client strings; no need for more. */
    uint64_t h = 1469598103934665603ULL ^ seed;
    const uint8_t *p = bytes;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h;
}

void emu_concat(char *out, size_t size, ...) {
    va_list args;
    va_start(args, size);
    size_t at = 0;
    for (const char *part = va_arg(args, const char *); part; part = va_arg(args, const char *)) {
        size_t len = strlen(part);
        if (len > size - 1 - at) {
            len = size - 1 - at;
        }
        memcpy(out + at, part, len);
        at += len;
    }
    va_end(args);
    out[at] = '\0';
}

static bool s_htable_grow(struct emu_htable *table) {
    size_t count = table->bucket_count ? table->bucket_count * 2 : 64;
    struct emu_hnode **buckets = calloc(count, sizeof(*buckets));
    if (!buckets) {
        return false;
    }
    for (size_t i = 0; i < table->bucket_count; i++) {
        struct emu_hnode *node = table->buckets[i];
        while (node) {
            struct emu_hnode *next = node->next;
            size_t slot = (size_t)(node->hash & (count - 1));
            node->next = buckets[slot];
            buckets[slot] = node;
            node = next;
        }
    }
    free(table->buckets);
    table->buckets = buckets;
    table->bucket_count = count;
    return true;
}

static bool s_htable_insert(struct emu_htable *table, struct emu_hnode *node) {
    if (table->count >= table->bucket_count && !s_htable_grow(table) && !table->bucket_count) {
        return false; /* a full table only gets longer chains; an absent one cannot hold anything */
    }
    size_t slot = (size_t)(node->hash & (table->bucket_count - 1));
    node->next = table->buckets[slot];
    table->buckets[slot] = node;
    table->count++;
    return true;
}

static void s_htable_remove(struct emu_htable *table, struct emu_hnode *node) {
    struct emu_hnode **link = &table->buckets[node->hash & (table->bucket_count - 1)];
    while (*link && *link != node) {
        link = &(*link)->next;
    }
    if (*link) {
        *link = node->next;
        table->count--;
    }
}

static struct emu_hnode *s_htable_first(const struct emu_htable *table, uint64_t hash) {
    if (!table->bucket_count) {
        return NULL;
    }
    return table->buckets[hash & (table->bucket_count - 1)];
}

/* ---------------------------------------------------------------- clock, ids, names */

int64_t emu_now_locked(struct ecc_emulator *emu) {
    int64_t base;
    if (emu->options.clock_fn) {
        base = emu->options.clock_fn(emu->options.clock_user_data);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        base = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    return base + emu->clock_offset_ms;
}

static uint64_t s_next_random(struct ecc_emulator *emu) {
    /* splitmix64: deterministic from the seed, so a run's ARNs can be reproduced. */
    uint64_t z = (emu->rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

const char *emu_launch_type_name(enum emu_launch_type lt) {
    switch (lt) {
    case EMU_LT_FARGATE:
        return "FARGATE";
    case EMU_LT_EXTERNAL:
        return "EXTERNAL";
    case EMU_LT_EC2:
    default:
        return "EC2";
    }
}

const char *emu_status_name(enum emu_status status) {
    static const char *const names[] = {"PROVISIONING", "PENDING", "RUNNING", "DEPROVISIONING", "STOPPING", "STOPPED"};
    return names[status];
}

const char *emu_cluster_short_name(const char *ref) {
    if (!ref) {
        return "default";
    }
    if (strncmp(ref, "arn:", 4) == 0) {
        const char *slash = strstr(ref, ":cluster/");
        return slash ? slash + strlen(":cluster/") : ref;
    }
    return ref;
}

/* ---------------------------------------------------------------- lifecycle */

void emu_state_init(struct ecc_emulator *emu) {
    emu->clock_offset_ms = 0;
    emu->rng = emu->options.seed;
    emu->next_seq = 1;
    emu->clusters = NULL;
    emu->cluster_count = 0;
    emu->families = NULL;
    emu->task_definition_count = 0;
    memset(&emu->tasks, 0, sizeof(emu->tasks));
    emu->oldest_task = emu->newest_task = NULL;
    emu->first_stopped = emu->last_stopped = NULL;
    memset(&emu->tokens, 0, sizeof(emu->tokens));
    emu->oldest_token = emu->newest_token = NULL;
    emu->settings = NULL;
    emu->settings_count = 0;
    emu->has_global_lag = false;
    emu->global_lag_ms = 0;
}

static void s_cluster_free(struct emu_cluster *cluster) {
    free(cluster->account);
    free(cluster->name);
    free(cluster->arn);
    for (size_t i = 0; i < cluster->provider_count; i++) {
        free(cluster->providers[i]);
    }
    free(cluster->providers);
    for (size_t i = 0; i < cluster->default_strategy_count; i++) {
        free(cluster->default_strategy[i].provider);
    }
    free(cluster->default_strategy);
    free(cluster->instances);
    free(cluster);
}

static void s_strings_free(char **items, size_t count) {
    for (size_t i = 0; i < count; i++) {
        free(items[i]);
    }
    free(items);
}

static void s_taskdef_free(struct emu_taskdef *td) {
    free(td->arn);
    free(td->network_mode);
    s_strings_free(td->launch_volumes, td->launch_volume_count);
    s_strings_free(td->member_of, td->member_of_count);
    ecc_tag_list_clean_up(&td->tags);
    json_decref(td->json);
    free(td);
}

void emu_task_free(struct emu_task *task) {
    if (!task) {
        return;
    }
    free(task->capacity_provider);
    free(task->started_by);
    free(task->group);
    free(task->stopped_reason);
    free(task->subnet);
    if (task->overrides) {
        ecc_task_override_clean_up(task->overrides);
        free(task->overrides);
    }
    if (task->tags) {
        ecc_tag_list_clean_up(task->tags);
        free(task->tags);
    }
    free(task);
}

void emu_token_free(struct emu_token *token) {
    if (!token) {
        return;
    }
    free(token->cluster_arn);
    free(token->token);
    ecc_run_task_request_clean_up(&token->request);
    s_strings_free(token->task_arns, token->task_count);
    for (size_t i = 0; i < token->failure_count; i++) {
        free(token->failures[i].arn);
        free(token->failures[i].reason);
        free(token->failures[i].detail);
    }
    free(token->failures);
    free(token);
}

void emu_state_clean_up(struct ecc_emulator *emu) {
    for (struct emu_task *t = emu->oldest_task; t;) {
        struct emu_task *next = t->newer;
        emu_task_free(t);
        t = next;
    }
    free(emu->tasks.buckets);
    for (struct emu_token *t = emu->oldest_token; t;) {
        struct emu_token *next = t->newer;
        emu_token_free(t);
        t = next;
    }
    free(emu->tokens.buckets);
    for (struct emu_cluster *c = emu->clusters; c;) {
        struct emu_cluster *next = c->next;
        s_cluster_free(c);
        c = next;
    }
    for (struct emu_family *f = emu->families; f;) {
        struct emu_family *next = f->next;
        for (size_t i = 0; i < f->count; i++) {
            s_taskdef_free(f->revisions[i]);
        }
        free(f->revisions);
        free(f->account);
        free(f->name);
        free(f);
        f = next;
    }
    for (struct emu_cluster_settings *s = emu->settings; s;) {
        struct emu_cluster_settings *next = s->next;
        free(s->name);
        free(s);
        s = next;
    }
    emu_state_init(emu);
}

/* ---------------------------------------------------------------- clusters */

static bool s_valid_name(const char *name) {
    size_t len = strlen(name);
    if (len == 0 || len > EMU_MAX_NAME) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

struct emu_cluster *emu_cluster_find(struct ecc_emulator *emu, const char *account, const char *ref) {
    const char *name = emu_cluster_short_name(ref);
    if (ref && strncmp(ref, "arn:", 4) == 0) {
        /* An ARN names its partition, region and account: all must be this endpoint's. */
        char prefix[128];
        snprintf(prefix, sizeof(prefix), "arn:aws:ecs:%s:%s:cluster/", emu->region, account);
        if (strncmp(ref, prefix, strlen(prefix)) != 0) {
            return NULL;
        }
    }
    for (struct emu_cluster *c = emu->clusters; c; c = c->next) {
        if (strcmp(c->name, name) == 0 && strcmp(c->account, account) == 0) {
            return c;
        }
    }
    return NULL;
}

struct emu_cluster_settings *emu_settings_find(struct ecc_emulator *emu, const char *name) {
    for (struct emu_cluster_settings *s = emu->settings; s; s = s->next) {
        if (strcmp(s->name, name) == 0) {
            return s;
        }
    }
    return NULL;
}

struct emu_cluster_settings *emu_settings_get(struct ecc_emulator *emu, const char *name, struct emu_error *err) {
    struct emu_cluster_settings *s = emu_settings_find(emu, name);
    if (s) {
        return s;
    }
    if (emu->settings_count >= emu->options.max_clusters) {
        emu_error_set(err, ECC_ERROR_VALIDATION, "too many per-cluster settings (cap %zu)", emu->options.max_clusters);
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s) {
        s->name = ecc_strdup(name);
    }
    if (!s || !s->name) {
        free(s);
        (void)emu_oom(err);
        return NULL;
    }
    s->next = emu->settings;
    emu->settings = s;
    emu->settings_count++;
    return s;
}

void emu_cluster_apply_settings(struct ecc_emulator *emu, struct emu_cluster *cluster) {
    const struct emu_cluster_settings *s = emu_settings_find(emu, cluster->name);
    size_t count = EMU_DEFAULT_INSTANCES;
    cluster->instance_cpu = EMU_DEFAULT_INSTANCE_CPU;
    cluster->instance_memory = EMU_DEFAULT_INSTANCE_MEM;
    cluster->provisioning_quota = EMU_DEFAULT_QUOTA;
    if (s && s->has_capacity) {
        count = s->instances;
        cluster->instance_cpu = s->cpu;
        cluster->instance_memory = s->memory;
    }
    if (s && s->has_quota) {
        cluster->provisioning_quota = s->quota;
    }
    struct emu_instance *instances = count ? calloc(count, sizeof(*instances)) : NULL;
    if (count && !instances) {
        count = 0; /* out of memory: a cluster with no capacity still answers correctly */
    }
    free(cluster->instances);
    cluster->instances = instances;
    cluster->instance_count = count;
    /* Tasks already placed keep their instance when it still exists; the others lose their place. */
    for (struct emu_task *t = emu->oldest_task; t; t = t->newer) {
        if (t->cluster != cluster || t->stopped_ms || t->instance < 0) {
            continue;
        }
        if ((size_t)t->instance < count) {
            instances[t->instance].cpu_used += t->cpu;
            instances[t->instance].memory_used += t->memory;
            instances[t->instance].tasks++;
        } else {
            t->instance = -1;
        }
    }
}

struct emu_cluster *
emu_cluster_create(struct ecc_emulator *emu, const char *account, const char *name, struct emu_error *err) {
    if (!s_valid_name(name)) {
        emu_error_set(
            err,
            ECC_ERROR_INVALID_PARAMETER,
            "Cluster name can have up to 255 characters: letters (uppercase and lowercase), numbers, underscores "
            "and hyphens.");
        return NULL;
    }
    struct emu_cluster *existing = emu_cluster_find(emu, account, name);
    if (existing) {
        return existing; /* CreateCluster is idempotent on the name */
    }
    if (emu->cluster_count >= emu->options.max_clusters) {
        emu_error_set(
            err,
            ECC_ERROR_CLIENT,
            "The cluster limit of this endpoint (%zu) has been reached.",
            emu->options.max_clusters);
        return NULL;
    }
    struct emu_cluster *c = calloc(1, sizeof(*c));
    char arn[512];
    snprintf(arn, sizeof(arn), "arn:aws:ecs:%s:%s:cluster/%s", emu->region, account, name);
    if (c) {
        c->account = ecc_strdup(account);
        c->name = ecc_strdup(name);
        c->arn = ecc_strdup(arn);
    }
    if (!c || !c->account || !c->name || !c->arn) {
        if (c) {
            s_cluster_free(c);
        }
        (void)emu_oom(err);
        return NULL;
    }
    c->created_ms = emu_now_locked(emu);
    emu_cluster_apply_settings(emu, c);
    c->next = emu->clusters;
    emu->clusters = c;
    emu->cluster_count++;
    return c;
}

static void s_task_remove(struct ecc_emulator *emu, struct emu_task *task);

/* Unlinks a clientToken entry from the table and the expiry list, and frees it. */
static void s_token_remove(struct ecc_emulator *emu, struct emu_token *token) {
    s_htable_remove(&emu->tokens, &token->node);
    if (token->older) {
        token->older->newer = token->newer;
    } else {
        emu->oldest_token = token->newer;
    }
    if (token->newer) {
        token->newer->older = token->older;
    } else {
        emu->newest_token = token->older;
    }
    emu_token_free(token);
}

/* Choice (docs/EMULATOR.md): the cluster's clientTokens go with it, like its tasks, so a cluster
 * created again under the same name (the same ARN) starts with none. */
void emu_cluster_delete(struct ecc_emulator *emu, struct emu_cluster *cluster) {
    for (struct emu_token *token = emu->oldest_token; token;) {
        struct emu_token *next = token->newer;
        if (strcmp(token->cluster_arn, cluster->arn) == 0) {
            s_token_remove(emu, token);
        }
        token = next;
    }
    for (struct emu_task *t = emu->oldest_task; t;) {
        struct emu_task *next = t->newer;
        if (t->cluster == cluster) {
            s_task_remove(emu, t);
        }
        t = next;
    }
    for (struct emu_cluster **link = &emu->clusters; *link; link = &(*link)->next) {
        if (*link == cluster) {
            *link = cluster->next;
            emu->cluster_count--;
            break;
        }
    }
    s_cluster_free(cluster);
}

/* ---------------------------------------------------------------- task definitions */

static struct emu_family *s_family_find(struct ecc_emulator *emu, const char *account, const char *name, size_t len) {
    for (struct emu_family *f = emu->families; f; f = f->next) {
        if (strlen(f->name) == len && memcmp(f->name, name, len) == 0 && strcmp(f->account, account) == 0) {
            return f;
        }
    }
    return NULL;
}

/*
 * Task-level cpu/memory are strings: "256" / "1024", or "0.25 vCPU" / "1 GB" (RegisterTaskDefinition
 * doc). Returns -1 when the text is neither.
 */
int32_t emu_parse_units(const char *text, bool is_cpu) {
    char *end = NULL;
    double value = strtod(text, &end);
    if (end == text || value < 0 || value > 1e7) {
        return -1;
    }
    while (*end == ' ') {
        end++;
    }
    double scale = 1;
    if (*end == '\0') {
        scale = 1;
    } else if (is_cpu && (strcmp(end, "vCPU") == 0 || strcmp(end, "vcpu") == 0)) {
        scale = 1024;
    } else if (!is_cpu && (strcmp(end, "GB") == 0 || strcmp(end, "gb") == 0)) {
        scale = 1024;
    } else {
        return -1;
    }
    return (int32_t)(value * scale + 0.5);
}

static bool s_strings_append(char ***items, size_t *count, size_t *capacity, const char *value) {
    char **grown = ecc_array_grow(*items, capacity, *count, sizeof(**items), 4, SIZE_MAX);
    if (!grown) {
        return false;
    }
    *items = grown;
    grown[*count] = ecc_strdup(value);
    if (!grown[*count]) {
        return false;
    }
    (*count)++;
    return true;
}

/* A wrong member type is a SerializationException, as AWS answers one. */
static bool s_type_error(struct emu_error *err, const struct ecc_diag *diag) {
    emu_error_set(err, ECC_ERROR_SERIALIZATION, "%s: %s", diag->path, diag->text);
    return false;
}

/* Reads container definitions: names, images, cpu/memory sums. */
static bool s_read_containers(
    const json_t *list,
    struct ecc_json_path *path,
    struct emu_taskdef *td,
    bool has_task_memory,
    struct emu_error *err) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    size_t count = json_array_size(list);
    if (count == 0) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Container list cannot be empty.");
        return false;
    }
    if (count > 10) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Too many containers: at most 10 per task definition.");
        return false;
    }
    int32_t cpu = 0;
    int32_t memory = 0;
    for (size_t i = 0; i < count; i++) {
        const json_t *item = json_array_get(list, i);
        ecc_json_path_push_index(path, i);
        if (!json_is_object(item)) {
            ecc_json_type_error(path, "an object", item, &diag);
            return s_type_error(err, &diag);
        }
        char *name = NULL;
        char *image = NULL;
        int32_t c_cpu = 0, c_mem = 0, c_res = 0;
        enum ecc_json_presence has_name, has_image, has_cpu, has_mem, has_res;
        if (ecc_json_read_string(item, "name", path, &name, &has_name, &diag) ||
            ecc_json_read_string(item, "image", path, &image, &has_image, &diag) ||
            ecc_json_read_int(item, "cpu", path, &c_cpu, &has_cpu, &diag) ||
            ecc_json_read_int(item, "memory", path, &c_mem, &has_mem, &diag) ||
            ecc_json_read_int(item, "memoryReservation", path, &c_res, &has_res, &diag)) {
            free(name);
            free(image);
            return s_type_error(err, &diag);
        }
        bool ok = true;
        if (!has_name || !s_valid_name(name)) {
            emu_error_set(
                err,
                ECC_ERROR_CLIENT,
                "Container.name should not be null or empty and may hold letters, "
                "numbers, hyphens and underscores.");
            ok = false;
        } else if (!has_image || image[0] == '\0') {
            emu_error_set(err, ECC_ERROR_CLIENT, "Container.image should not be null or empty.");
            ok = false;
        } else if (!has_mem && !has_res && !has_task_memory) {
            emu_error_set(
                err,
                ECC_ERROR_CLIENT,
                "Invalid setting for container '%s'. At least one of 'memory' or 'memoryReservation' must be "
                "specified.",
                name);
            ok = false;
        } else if ((has_cpu && c_cpu < 0) || (has_mem && c_mem < 6) || (has_res && c_res < 6)) {
            emu_error_set(err, ECC_ERROR_CLIENT, "Invalid cpu or memory value for container '%s'.", name);
            ok = false;
        }
        free(name);
        free(image);
        if (!ok) {
            return false;
        }
        cpu += has_cpu ? c_cpu : 0;
        memory += has_mem ? c_mem : (has_res ? c_res : 0);
        ecc_json_path_pop(path);
        if (cpu > 1 << 20 || memory > 1 << 24) {
            emu_error_set(err, ECC_ERROR_CLIENT, "Container cpu or memory values are too large.");
            return false;
        }
    }
    td->cpu = cpu;
    td->memory = memory;
    return true;
}

static bool s_read_volumes(const json_t *list, struct emu_taskdef *td, struct emu_error *err) {
    size_t i;
    const json_t *volume;
    json_array_foreach(list, i, volume) {
        const json_t *name = json_object_get(volume, "name");
        if (!json_is_object(volume) || !json_is_string(name)) {
            emu_error_set(err, ECC_ERROR_CLIENT, "Volume name should not be null or empty.");
            return false;
        }
        if (json_object_get(volume, "efsVolumeConfiguration")) {
            td->needs_platform_1_4 = true;
        }
        if (json_is_true(json_object_get(volume, "configuredAtLaunch"))) {
            td->needs_platform_1_4 = true;
            if (!s_strings_append(
                    &td->launch_volumes,
                    &td->launch_volume_count,
                    &td->launch_volume_capacity,
                    json_string_value(name))) {
                (void)emu_oom(err);
                return false;
            }
        }
    }
    return true;
}

static bool s_read_constraints(const json_t *list, struct emu_taskdef *td, struct emu_error *err) {
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item) {
        const char *type = json_string_value(json_object_get(item, "type"));
        const char *expression = json_string_value(json_object_get(item, "expression"));
        if (!type) {
            emu_error_set(err, ECC_ERROR_CLIENT, "Placement constraint type should not be null.");
            return false;
        }
        if (strcmp(type, "distinctInstance") == 0) {
            /* RUNTASK.md, observed: rejected in task definitions, allowed on RunTask. */
            emu_error_set(err, ECC_ERROR_CLIENT, "constraint.type 'distinctInstance' is not supported");
            return false;
        }
        if (strcmp(type, "memberOf") != 0 || !expression || !expression[0]) {
            emu_error_set(
                err,
                ECC_ERROR_CLIENT,
                "Invalid placement constraint: type must be memberOf with an "
                "expression.");
            return false;
        }
        if (!s_strings_append(&td->member_of, &td->member_of_count, &td->member_of_capacity, expression)) {
            (void)emu_oom(err);
            return false;
        }
    }
    td->placement_constraint_count = json_array_size(list);
    return true;
}

/* The longest task definition JSON AWS accepts (RegisterTaskDefinition: 64 KiB). */
#define EMU_MAX_TASKDEF_BYTES (64 * 1024)

static const char *const s_network_modes[] = {"bridge", "host", "awsvpc", "none"};
static const char *const s_compatibilities[] = {"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"};

static bool s_in(const char *value, const char *const *set, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (strcmp(value, set[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Fills the parsed fields of `td` from the body; false with `err` set. */
static bool s_taskdef_parse(const json_t *body, struct emu_taskdef *td, char **family, struct emu_error *err) {
    struct ecc_json_path path;
    struct ecc_diag diag;
    ecc_json_path_init(&path);
    ecc_diag_clear(&diag);
    char *cpu = NULL, *memory = NULL, *task_role = NULL;
    const json_t *containers = NULL, *compat = NULL, *volumes = NULL, *constraints = NULL, *ephemeral = NULL;
    const json_t *tags = NULL;
    enum ecc_json_presence has_family, has_containers, has_cpu, has_memory;
    bool ok = false;
    if (ecc_json_read_string(body, "family", &path, family, &has_family, &diag) ||
        ecc_json_read_string(body, "networkMode", &path, &td->network_mode, NULL, &diag) ||
        ecc_json_read_string(body, "cpu", &path, &cpu, &has_cpu, &diag) ||
        ecc_json_read_string(body, "memory", &path, &memory, &has_memory, &diag) ||
        ecc_json_read_string(body, "taskRoleArn", &path, &task_role, NULL, &diag) ||
        ecc_json_read_array(body, "containerDefinitions", &path, &containers, &has_containers, &diag) ||
        ecc_json_read_array(body, "requiresCompatibilities", &path, &compat, NULL, &diag) ||
        ecc_json_read_array(body, "volumes", &path, &volumes, NULL, &diag) ||
        ecc_json_read_array(body, "placementConstraints", &path, &constraints, NULL, &diag) ||
        ecc_json_read_object(body, "ephemeralStorage", &path, &ephemeral, NULL, &diag) ||
        ecc_json_read_array(body, "tags", &path, &tags, NULL, &diag)) {
        s_type_error(err, &diag);
        goto done;
    }
    if (tags) {
        ecc_json_path_push_member(&path, "tags");
        enum ecc_status status = ecc_codec_read_tags(tags, &path, &td->tags, &diag);
        if (status == ECC_ERR_NOMEM) {
            (void)emu_oom(err);
            goto done;
        }
        if (status != ECC_OK) {
            s_type_error(err, &diag);
            goto done;
        }
        ecc_json_path_pop(&path);
    }
    if (!has_family || !s_valid_name(*family)) {
        emu_error_set(
            err,
            ECC_ERROR_CLIENT,
            "Family can have up to 255 characters: letters (uppercase and lowercase), numbers, hyphens and "
            "underscores.");
        goto done;
    }
    if (!has_containers) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Container list cannot be empty.");
        goto done;
    }
    if (!td->network_mode) {
        td->network_mode = ecc_strdup("bridge");
        if (!td->network_mode) {
            (void)emu_oom(err);
            goto done;
        }
    }
    if (!s_in(td->network_mode, s_network_modes, ECC_ARRAY_LEN(s_network_modes))) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Invalid networkMode '%s'.", td->network_mode);
        goto done;
    }
    int32_t task_cpu = has_cpu ? emu_parse_units(cpu, true) : 0;
    int32_t task_memory = has_memory ? emu_parse_units(memory, false) : 0;
    if (task_cpu < 0 || task_memory < 0) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Invalid 'cpu' or 'memory' setting for the task.");
        goto done;
    }
    path.depth = 0;
    ecc_json_path_push_member(&path, "containerDefinitions");
    if (!s_read_containers(containers, &path, td, has_memory, err)) {
        goto done;
    }
    if (has_cpu) {
        td->cpu = task_cpu;
    }
    if (has_memory) {
        td->memory = task_memory;
    }
    if ((volumes && !s_read_volumes(volumes, td, err)) || (constraints && !s_read_constraints(constraints, td, err))) {
        goto done;
    }
    if (ephemeral) {
        td->needs_platform_1_4 = true;
    }
    td->has_task_role = task_role && task_role[0];
    bool awsvpc = strcmp(td->network_mode, "awsvpc") == 0;
    bool requires_fargate = false;
    size_t i;
    const json_t *item;
    json_array_foreach(compat, i, item) {
        const char *value = json_string_value(item);
        if (!value || !s_in(value, s_compatibilities, ECC_ARRAY_LEN(s_compatibilities))) {
            emu_error_set(err, ECC_ERROR_CLIENT, "Invalid requiresCompatibilities value.");
            goto done;
        }
        requires_fargate |= strcmp(value, "FARGATE") == 0;
    }
    if (requires_fargate && !awsvpc) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Fargate only supports network mode 'awsvpc'.");
        goto done;
    }
    if (requires_fargate && (!has_cpu || !has_memory)) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Fargate requires that 'cpu' and 'memory' be defined at the task level.");
        goto done;
    }
    td->compat_ec2 = true;
    td->compat_external = !awsvpc;
    td->compat_fargate = awsvpc && has_cpu && has_memory;
    ok = true;
done:
    free(cpu);
    free(memory);
    free(task_role);
    return ok;
}

struct emu_taskdef *
emu_taskdef_register(struct ecc_emulator *emu, const char *account, const json_t *body, struct emu_error *err) {
    char *family_name = NULL;
    struct emu_family *family = NULL;
    struct emu_taskdef *td = calloc(1, sizeof(*td));
    if (!td) {
        (void)emu_oom(err);
        return NULL;
    }
    char *text = json_dumps(body, JSON_COMPACT);
    size_t text_len = text ? strlen(text) : 0;
    free(text);
    if (text_len > EMU_MAX_TASKDEF_BYTES) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Task definition size exceeds the 64 KiB limit.");
        goto on_error;
    }
    if (!s_taskdef_parse(body, td, &family_name, err)) {
        goto on_error;
    }
    if (emu->task_definition_count >= emu->options.max_task_definitions) {
        emu_error_set(
            err,
            ECC_ERROR_CLIENT,
            "The task definition limit of this endpoint (%zu) has been reached.",
            emu->options.max_task_definitions);
        goto on_error;
    }
    family = s_family_find(emu, account, family_name, strlen(family_name));
    if (!family) {
        family = calloc(1, sizeof(*family));
        if (family) {
            family->account = ecc_strdup(account);
        }
        if (!family || !family->account) {
            free(family);
            (void)emu_oom(err);
            goto on_error;
        }
        family->name = family_name;
        family_name = NULL;
        family->next = emu->families;
        emu->families = family;
    }
    struct emu_taskdef **grown =
        ecc_array_grow(family->revisions, &family->capacity, family->count, sizeof(*grown), 4, SIZE_MAX);
    if (!grown) {
        (void)emu_oom(err);
        goto on_error;
    }
    family->revisions = grown;
    td->family = family;
    td->revision = (int32_t)family->count + 1;
    td->active = true;
    td->registered_ms = emu_now_locked(emu);
    char arn[512];
    snprintf(
        arn, sizeof(arn), "arn:aws:ecs:%s:%s:task-definition/%s:%d", emu->region, account, family->name, td->revision);
    td->arn = ecc_strdup(arn);
    td->json = json_deep_copy(body);
    json_t *compat = json_array();
    if (!td->arn || !td->json || !compat) {
        json_decref(compat);
        (void)emu_oom(err);
        goto on_error;
    }
    if (td->compat_ec2) {
        json_array_append_new(compat, json_string("EC2"));
    }
    if (td->compat_external) {
        json_array_append_new(compat, json_string("EXTERNAL"));
    }
    if (td->compat_fargate) {
        json_array_append_new(compat, json_string("FARGATE"));
    }
    json_object_set_new(td->json, "taskDefinitionArn", json_string(td->arn));
    json_object_set_new(td->json, "revision", json_integer(td->revision));
    json_object_set_new(td->json, "networkMode", json_string(td->network_mode));
    json_object_set_new(td->json, "compatibilities", compat);
    json_object_set_new(td->json, "registeredAt", json_real((double)td->registered_ms / 1000.0));
    json_object_del(td->json, "tags");
    family->revisions[family->count++] = td;
    emu->task_definition_count++;
    free(family_name); /* NULL when a new family took it */
    return td;

on_error:
    free(family_name);
    s_taskdef_free(td);
    return NULL;
}

struct emu_taskdef *emu_taskdef_resolve(
    struct ecc_emulator *emu,
    const char *account,
    const char *ref,
    bool allow_inactive,
    bool require_revision,
    struct emu_error *err) {
    const char *name = ref;
    if (strncmp(ref, "arn:", 4) == 0) {
        char prefix[128];
        snprintf(prefix, sizeof(prefix), "arn:aws:ecs:%s:%s:task-definition/", emu->region, account);
        if (strncmp(ref, prefix, strlen(prefix)) != 0) {
            emu_error_set(err, ECC_ERROR_CLIENT, "TaskDefinition not found.");
            return NULL;
        }
        name = ref + strlen(prefix);
    }
    const char *colon = strchr(name, ':');
    size_t name_len = colon ? (size_t)(colon - name) : strlen(name);
    long revision = 0;
    if (colon) {
        char *end = NULL;
        revision = strtol(colon + 1, &end, 10);
        if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || revision <= 0 || revision > INT32_MAX) {
            emu_error_set(err, ECC_ERROR_CLIENT, "Invalid revision number. Number: %.32s", colon + 1);
            return NULL;
        }
    } else if (require_revision) {
        emu_error_set(err, ECC_ERROR_CLIENT, "Invalid revision number. Number: (none)");
        return NULL;
    }
    struct emu_family *family = s_family_find(emu, account, name, name_len);
    if (!family) {
        emu_error_set(err, ECC_ERROR_CLIENT, "TaskDefinition not found.");
        return NULL;
    }
    struct emu_taskdef *td = NULL;
    if (colon) {
        if ((size_t)revision > family->count) {
            emu_error_set(err, ECC_ERROR_CLIENT, "TaskDefinition not found.");
            return NULL;
        }
        td = family->revisions[revision - 1];
    } else {
        /* The latest ACTIVE revision; when every revision is inactive, the latest one (then rejected). */
        for (size_t i = family->count; i > 0 && !td; i--) {
            if (family->revisions[i - 1]->active) {
                td = family->revisions[i - 1];
            }
        }
        if (!td) {
            td = family->revisions[family->count - 1];
        }
    }
    if (!td->active && !allow_inactive) {
        emu_error_set(err, ECC_ERROR_INVALID_PARAMETER, "TaskDefinition is inactive");
        return NULL;
    }
    return td;
}

/* ---------------------------------------------------------------- tasks */

struct emu_task *emu_task_alloc(struct ecc_emulator *emu) {
    struct emu_task *task = calloc(1, sizeof(*task));
    if (!task) {
        return NULL;
    }
    uint8_t bytes[16];
    uint64_t a = s_next_random(emu);
    uint64_t b = s_next_random(emu);
    memcpy(bytes, &a, 8);
    memcpy(bytes + 8, &b, 8);
    ecc_hex_encode(bytes, sizeof(bytes), task->id);
    task->node.hash = emu_hash(task->id, 32, 0);
    task->seq = emu->next_seq++;
    task->instance = -1;
    task->platform = 0xff;
    return task;
}

enum emu_status emu_task_status(const struct emu_task *task, int64_t now_ms) {
    if (task->stopped_ms) {
        if (now_ms < task->stopped_ms + EMU_PHASE_MS) {
            return task->awsvpc ? EMU_ST_DEPROVISIONING : EMU_ST_STOPPING;
        }
        return EMU_ST_STOPPED;
    }
    if (task->waiting_capacity) {
        return EMU_ST_PROVISIONING;
    }
    int64_t age = now_ms - task->created_ms;
    if (task->awsvpc) {
        return age < EMU_PHASE_MS ? EMU_ST_PROVISIONING : age < 2 * EMU_PHASE_MS ? EMU_ST_PENDING : EMU_ST_RUNNING;
    }
    return age < EMU_PHASE_MS ? EMU_ST_PENDING : EMU_ST_RUNNING;
}

void emu_cluster_resource_arn(
    const struct ecc_emulator *emu,
    const struct emu_cluster *cluster,
    const char *kind,
    const char *id,
    char *out,
    size_t size) {
    emu_concat(
        out,
        size,
        "arn:aws:ecs:",
        emu->region,
        ":",
        cluster->account,
        ":",
        kind,
        "/",
        cluster->name,
        "/",
        id,
        (const char *)NULL);
}

void emu_task_arn(const struct ecc_emulator *emu, const struct emu_task *task, char *out, size_t size) {
    emu_cluster_resource_arn(emu, task->cluster, "task", task->id, out, size);
}

static void s_task_remove(struct ecc_emulator *emu, struct emu_task *task) {
    s_htable_remove(&emu->tasks, &task->node);
    if (task->older) {
        task->older->newer = task->newer;
    } else {
        emu->oldest_task = task->newer;
    }
    if (task->newer) {
        task->newer->older = task->older;
    } else {
        emu->newest_task = task->older;
    }
    if (task->stopped_ms) {
        if (task->stop_prev) {
            task->stop_prev->stop_next = task->stop_next;
        } else {
            emu->first_stopped = task->stop_next;
        }
        if (task->stop_next) {
            task->stop_next->stop_prev = task->stop_prev;
        } else {
            emu->last_stopped = task->stop_prev;
        }
    } else {
        task->cluster->active_tasks--;
    }
    emu_task_free(task);
}

void emu_expire(struct ecc_emulator *emu) {
    int64_t now = emu_now_locked(emu);
    while (emu->first_stopped &&
           now >= emu->first_stopped->stopped_ms + EMU_PHASE_MS + emu->options.stopped_task_ttl_ms) {
        s_task_remove(emu, emu->first_stopped);
    }
    while (emu->oldest_token && now >= emu->oldest_token->expires_ms) {
        s_token_remove(emu, emu->oldest_token);
    }
}

bool emu_task_reserve(struct ecc_emulator *emu, size_t count, struct emu_error *err) {
    emu_expire(emu);
    while (emu->tasks.count + count > emu->options.max_tasks && emu->first_stopped) {
        s_task_remove(emu, emu->first_stopped);
    }
    if (emu->tasks.count + count > emu->options.max_tasks) {
        emu_error_set(
            err,
            ECC_ERROR_CLIENT,
            "This endpoint stores at most %zu tasks and all of them are running; stop some tasks or raise the cap "
            "(ecsconf emulate --max-tasks).",
            emu->options.max_tasks);
        return false;
    }
    return true;
}

void emu_task_insert(struct ecc_emulator *emu, struct emu_task *task) {
    /* The table grows by doubling; when that fails it keeps working with longer chains. */
    (void)s_htable_insert(&emu->tasks, &task->node);
    task->older = emu->newest_task;
    task->newer = NULL;
    if (emu->newest_task) {
        emu->newest_task->newer = task;
    } else {
        emu->oldest_task = task;
    }
    emu->newest_task = task;
    task->cluster->active_tasks++;
}

struct emu_task *emu_task_find(struct ecc_emulator *emu, const char *account, const char *ref) {
    const char *id = strrchr(ref, '/');
    id = id ? id + 1 : ref;
    if (strlen(id) != 32) {
        return NULL;
    }
    if (strncmp(ref, "arn:", 4) == 0) {
        char prefix[128];
        snprintf(prefix, sizeof(prefix), "arn:aws:ecs:%s:%s:task/", emu->region, account);
        if (strncmp(ref, prefix, strlen(prefix)) != 0) {
            return NULL;
        }
    }
    uint64_t hash = emu_hash(id, 32, 0);
    for (struct emu_hnode *node = s_htable_first(&emu->tasks, hash); node; node = node->next) {
        struct emu_task *task = (struct emu_task *)node;
        if (node->hash == hash && memcmp(task->id, id, 32) == 0 && strcmp(task->cluster->account, account) == 0) {
            return task;
        }
    }
    return NULL;
}

void emu_task_stop(struct ecc_emulator *emu, struct emu_task *task, const char *reason, bool user) {
    if (task->stopped_ms) {
        return; /* StopTask on a stopping task answers with it unchanged */
    }
    task->stopped_ms = emu_now_locked(emu);
    if (task->stopped_ms <= task->created_ms) {
        task->stopped_ms = task->created_ms + 1; /* 0 means "running" */
    }
    task->user_stop = user;
    free(task->stopped_reason);
    task->stopped_reason = ecc_strdup(reason);
    struct emu_cluster *cluster = task->cluster;
    if (task->instance >= 0 && (size_t)task->instance < cluster->instance_count) {
        struct emu_instance *instance = &cluster->instances[task->instance];
        instance->cpu_used -= task->cpu;
        instance->memory_used -= task->memory;
        instance->tasks--;
    }
    if (task->waiting_capacity && cluster->provisioning_tasks) {
        cluster->provisioning_tasks--;
    }
    cluster->active_tasks--;
    task->stop_next = NULL;
    task->stop_prev = emu->last_stopped;
    if (emu->last_stopped) {
        emu->last_stopped->stop_next = task;
    } else {
        emu->first_stopped = task;
    }
    emu->last_stopped = task;
}

/* ---------------------------------------------------------------- clientToken table */

static uint64_t s_token_hash(const char *cluster_arn, const char *token) {
    uint64_t h = emu_hash(cluster_arn, strlen(cluster_arn), 0);
    return emu_hash(token, strlen(token), h);
}

struct emu_token *emu_token_find(struct ecc_emulator *emu, const char *cluster_arn, const char *token) {
    emu_expire(emu);
    uint64_t hash = s_token_hash(cluster_arn, token);
    for (struct emu_hnode *node = s_htable_first(&emu->tokens, hash); node; node = node->next) {
        struct emu_token *entry = (struct emu_token *)node;
        if (node->hash == hash && strcmp(entry->token, token) == 0 && strcmp(entry->cluster_arn, cluster_arn) == 0) {
            return entry;
        }
    }
    return NULL;
}

bool emu_token_insert(struct ecc_emulator *emu, struct emu_token *token) {
    emu_expire(emu);
    /* At the cap the entry closest to its expiry goes first (documented in docs/EMULATOR.md). */
    while (emu->tokens.count >= emu->options.max_client_tokens && emu->oldest_token) {
        s_token_remove(emu, emu->oldest_token);
    }
    token->node.hash = s_token_hash(token->cluster_arn, token->token);
    token->expires_ms = emu_now_locked(emu) + EMU_TOKEN_TTL_MS;
    if (!s_htable_insert(&emu->tokens, &token->node)) {
        emu_token_free(token);
        return false;
    }
    token->older = emu->newest_token;
    token->newer = NULL;
    if (emu->newest_token) {
        emu->newest_token->newer = token;
    } else {
        emu->oldest_token = token;
    }
    emu->newest_token = token;
    return true;
}

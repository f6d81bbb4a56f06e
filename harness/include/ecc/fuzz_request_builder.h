#ifndef ECC_FUZZ_REQUEST_BUILDER_H
#define ECC_FUZZ_REQUEST_BUILDER_H
/*
 * Floor 1: the structure-aware RunTask generator of the request fuzz targets and of `ecsconf fuzz`
 * (wirefuzz.h): turns generator bytes (ecc/fuzz_data.h) into a RunTaskRequest that can
 * reach every member and every nested shape of model.h. Each optional member is absent or present;
 * each list absent, empty ([]), 1..4 items, or at or one past its documented limit; each string of the lengths and text
 * classes fuzz_data.h chooses around the member's documented limit; each integer from the whole int32 range or from its
 * boundary values; each enum-typed member a valid value or any string.
 *
 * Limits and enum values come from validate.h (limits through `struct ecc_fuzz_request_limits`, filled
 * from its constants by ecc_fuzz_request_limits_documented), so no limit is written here. List counts stop at limit + 1
 * (or ECC_FUZZ_LIST_NO_LIMIT_MAX when the member has none) to keep executions fast; the oversized case that matters is
 * "one past the limit".
 *
 * Ownership: ecc_fuzz_build_request fills an initialized request; the caller cleans it up. An
 * allocation failure leaves the member absent (a fuzz run never reports it). The caller sets the
 * builder's `fd` and `limits` and zeroes `invalid_utf8_strings` before the build.
 */
#include "ecc/fuzz_data.h"
#include "ecc/model.h"
#include "ecc/validate.h"

#include <jansson.h>

/* Items in a list whose member has no documented count limit. */
#define ECC_FUZZ_LIST_NO_LIMIT_MAX 4

/* Documented limits used to place boundary lengths and counts; 0 when the member has none. */
struct ecc_fuzz_request_limits {
    size_t client_token_chars;
    size_t started_by_chars;
    size_t expression_chars;
    size_t tag_key_chars;
    size_t tag_value_chars;
    size_t overrides_chars;
    size_t count_max;
    size_t capacity_weight_max;
    size_t capacity_base_max;
    size_t capacity_providers_max;
    size_t placement_constraints_max;
    size_t placement_strategies_max;
    size_t tags_max;
};

/* The documented limits, every one from validate.h's constants. Static; never NULL. */
static inline const struct ecc_fuzz_request_limits *ecc_fuzz_request_limits_documented(void) {
    static const struct ecc_fuzz_request_limits limits = {
        .client_token_chars = ECC_CLIENT_TOKEN_MAX_CHARS,
        .started_by_chars = ECC_STARTED_BY_MAX_CHARS,
        .expression_chars = ECC_PLACEMENT_EXPRESSION_MAX_CHARS,
        .tag_key_chars = ECC_TAG_KEY_MAX_CHARS,
        .tag_value_chars = ECC_TAG_VALUE_MAX_CHARS,
        .overrides_chars = ECC_OVERRIDES_MAX_CHARS,
        .count_max = ECC_RUN_TASK_COUNT_MAX,
        .capacity_weight_max = ECC_CAPACITY_PROVIDER_WEIGHT_MAX,
        .capacity_base_max = ECC_CAPACITY_PROVIDER_BASE_MAX,
        .capacity_providers_max = ECC_CAPACITY_PROVIDERS_MAX,
        .placement_constraints_max = ECC_PLACEMENT_CONSTRAINTS_MAX,
        .placement_strategies_max = ECC_PLACEMENT_STRATEGIES_MAX,
        .tags_max = ECC_TAGS_MAX,
    };
    return &limits;
}

/* One build: the reader, the limits, and what the oracle must know about the strings it made. */
struct ecc_fuzz_request_builder {
    struct ecc_fuzz_data *fd;
    const struct ecc_fuzz_request_limits *limits;
    size_t invalid_utf8_strings; /* strings JSON cannot carry (jansson's own UTF-8 check) */
};

/* Bytes 0x01-0x7f, NUL-terminated (a strspn set): a string made of them only is ASCII, which is UTF-8 by
 * definition. */
static inline const char *ecc_fuzz_ascii_set(void) {
    static char set[128];
    if (!set[0]) {
        for (int c = 1; c < 128; c++) {
            set[c - 1] = (char)c;
        }
    }
    return set;
}

/* Every member string is made here, so the builder knows which ones JSON cannot carry: an ASCII string
 * can, any other is asked of jansson (its own UTF-8 check, independent of the codec's). Half the
 * strings are ASCII by their text class, and jansson's probe is two allocations. */
static inline char *ecc_fuzz_member_string(struct ecc_fuzz_request_builder *b, size_t limit) {
    size_t len = 0;
    char *s = ecc_fuzz_string(b->fd, limit, &len);
    if (!s || strspn(s, ecc_fuzz_ascii_set()) == len) {
        return s;
    }
    json_t *probe = json_stringn(s, len);
    if (!probe) {
        b->invalid_utf8_strings++;
    }
    json_decref(probe);
    return s;
}

static inline char *ecc_fuzz_opt_string(struct ecc_fuzz_request_builder *b, size_t limit) {
    return ecc_fuzz_bool(b->fd) ? ecc_fuzz_member_string(b, limit) : NULL;
}

/* Absent, a valid enum value (validate.h's NULL-terminated list), or any string. */
static inline char *ecc_fuzz_enum_string(struct ecc_fuzz_request_builder *b, const char *const *values) {
    size_t count = 0;
    while (values[count]) {
        count++;
    }
    switch (ecc_fuzz_pick(b->fd, 4)) {
    case 0:
        return NULL;
    case 1:
        return ecc_fuzz_member_string(b, 0);
    default:
        return ecc_strdup(ecc_fuzz_pick_str(b->fd, values, count));
    }
}

/* The whole int32 range, or one of the values validation cares about. */
static inline int32_t ecc_fuzz_int32(struct ecc_fuzz_request_builder *b, int64_t documented_max) {
    const int64_t boundaries[] = {0, 1, -1, documented_max, documented_max + 1, INT32_MIN, INT32_MAX};
    if (ecc_fuzz_bool(b->fd)) {
        int64_t v = boundaries[ecc_fuzz_pick(b->fd, sizeof(boundaries) / sizeof(boundaries[0]))];
        return v > INT32_MAX ? INT32_MAX : (int32_t)v;
    }
    return (int32_t)ecc_fuzz_i64_range(b->fd, INT32_MIN, INT32_MAX);
}

static inline void
ecc_fuzz_opt_int32(struct ecc_fuzz_request_builder *b, bool *has, int32_t *value, int64_t documented_max) {
    *has = ecc_fuzz_bool(b->fd);
    *value = *has ? ecc_fuzz_int32(b, documented_max) : 0;
}

static inline void ecc_fuzz_opt_bool(struct ecc_fuzz_request_builder *b, bool *has, bool *value) {
    *has = ecc_fuzz_bool(b->fd);
    *value = *has && ecc_fuzz_bool(b->fd);
}

/* How many items to append to a list: -1 for absent, 0 for [], the documented limit, one past it, else
 * 1..4 items. The boundary counts are two choices in eight rather than a uniform 1..max+1: every item
 * costs building, validating and writing, and the counts between 4 and the limit exercise nothing the
 * small ones and the two boundaries do not. */
static inline long ecc_fuzz_list_count(struct ecc_fuzz_request_builder *b, size_t documented_max) {
    size_t small =
        documented_max && documented_max < ECC_FUZZ_LIST_NO_LIMIT_MAX ? documented_max + 1 : ECC_FUZZ_LIST_NO_LIMIT_MAX;
    switch (ecc_fuzz_pick(b->fd, 8)) {
    case 0:
        return -1;
    case 1:
        return 0;
    case 2:
        return (long)(documented_max ? documented_max : 1); /* at the limit */
    case 3:
        return (long)(documented_max ? documented_max + 1 : 1); /* one past the limit */
    default:
        return (long)ecc_fuzz_u64_range(b->fd, 1, small);
    }
}

/* Sets the list's `has` and gives the (empty) list its items, zeroed, in one allocation rather than one
 * per item (a list one past the limit of 50 tags was 51 reallocations); returns how many there are: 0 when
 * absent, empty or out of memory (see ecc_fuzz_list_count). */
static inline long ecc_fuzz_list_begin(
    struct ecc_fuzz_request_builder *b,
    bool *has,
    void *items_field,
    size_t *count,
    size_t item_size,
    size_t documented_max) {
    long n = ecc_fuzz_list_count(b, documented_max);
    *has = n >= 0;
    void *items = n > 0 ? calloc((size_t)n, item_size) : NULL;
    memcpy(items_field, &items, sizeof(items));
    *count = items ? (size_t)n : 0;
    return (long)*count;
}

/* Loops over the zeroed items ecc_fuzz_list_begin gave `list`. */
#define ECC_FUZZ_FOR_NEW_ITEMS(b, list, documented_max, item)                                                          \
    for (long item##_n_ = ecc_fuzz_list_begin(                                                                         \
             (b), &(list)->has, (void *)&(list)->items, &(list)->count, sizeof(*(list)->items), (documented_max)),     \
              item##_i_ = 0;                                                                                           \
         item##_i_ < item##_n_ && ((item) = &(list)->items[item##_i_]) != NULL;                                        \
         item##_i_++)

static inline void ecc_fuzz_string_list(struct ecc_fuzz_request_builder *b, struct ecc_string_list *list) {
    char **item;
    ECC_FUZZ_FOR_NEW_ITEMS(b, list, 0, item) {
        *item = ecc_fuzz_member_string(b, 0); /* the list takes the string: no copy */
        if (!*item) {
            list->count = (size_t)item_i_; /* out of memory: the list ends before the hole */
            break;
        }
    }
}

static inline void ecc_fuzz_tags(struct ecc_fuzz_request_builder *b, struct ecc_tag_list *tags) {
    struct ecc_tag *tag;
    ECC_FUZZ_FOR_NEW_ITEMS(b, tags, b->limits->tags_max, tag) {
        tag->key = ecc_fuzz_opt_string(b, b->limits->tag_key_chars);
        tag->value = ecc_fuzz_opt_string(b, b->limits->tag_value_chars);
    }
}

static inline void ecc_fuzz_overrides(struct ecc_fuzz_request_builder *b, struct ecc_task_override *o) {
    struct ecc_container_override *c;
    ECC_FUZZ_FOR_NEW_ITEMS(b, &o->container_overrides, 0, c) {
        c->name = ecc_fuzz_opt_string(b, 0);
        ecc_fuzz_string_list(b, &c->command);
        struct ecc_key_value_pair *kv;
        ECC_FUZZ_FOR_NEW_ITEMS(b, &c->environment, 0, kv) {
            kv->name = ecc_fuzz_opt_string(b, 0);
            kv->value = ecc_fuzz_opt_string(b, b->limits->overrides_chars);
        }
        struct ecc_environment_file *ef;
        ECC_FUZZ_FOR_NEW_ITEMS(b, &c->environment_files, 0, ef) {
            ef->value = ecc_fuzz_opt_string(b, 0);
            ef->type = ecc_fuzz_enum_string(b, ecc_environment_file_type_values);
        }
        ecc_fuzz_opt_int32(b, &c->has_cpu, &c->cpu, 0);
        ecc_fuzz_opt_int32(b, &c->has_memory, &c->memory, 0);
        ecc_fuzz_opt_int32(b, &c->has_memory_reservation, &c->memory_reservation, 0);
        struct ecc_resource_requirement *rr;
        ECC_FUZZ_FOR_NEW_ITEMS(b, &c->resource_requirements, 0, rr) {
            rr->value = ecc_fuzz_opt_string(b, 0);
            rr->type = ecc_fuzz_enum_string(b, ecc_resource_type_values);
        }
    }
    o->cpu = ecc_fuzz_opt_string(b, 0);
    struct ecc_inference_accelerator_override *ia;
    ECC_FUZZ_FOR_NEW_ITEMS(b, &o->inference_accelerator_overrides, 0, ia) {
        ia->device_name = ecc_fuzz_opt_string(b, 0);
        ia->device_type = ecc_fuzz_opt_string(b, 0);
    }
    o->execution_role_arn = ecc_fuzz_opt_string(b, 0);
    o->memory = ecc_fuzz_opt_string(b, 0);
    o->task_role_arn = ecc_fuzz_opt_string(b, 0);
    o->has_ephemeral_storage = ecc_fuzz_bool(b->fd);
    if (o->has_ephemeral_storage) {
        ecc_fuzz_opt_int32(b, &o->ephemeral_storage.has_size_in_gib, &o->ephemeral_storage.size_in_gib, 0);
    }
}

static inline void ecc_fuzz_volume(struct ecc_fuzz_request_builder *b, struct ecc_task_volume_configuration *v) {
    v->name = ecc_fuzz_opt_string(b, 0);
    v->has_managed_ebs_volume = ecc_fuzz_bool(b->fd);
    if (!v->has_managed_ebs_volume) {
        return;
    }
    struct ecc_task_managed_ebs_volume_configuration *m = &v->managed_ebs_volume;
    ecc_fuzz_opt_bool(b, &m->has_encrypted, &m->encrypted);
    m->kms_key_id = ecc_fuzz_opt_string(b, 0);
    m->volume_type = ecc_fuzz_opt_string(b, 0);
    ecc_fuzz_opt_int32(b, &m->has_size_in_gib, &m->size_in_gib, 0);
    m->snapshot_id = ecc_fuzz_opt_string(b, 0);
    ecc_fuzz_opt_int32(b, &m->has_volume_initialization_rate, &m->volume_initialization_rate, 0);
    ecc_fuzz_opt_int32(b, &m->has_iops, &m->iops, 0);
    ecc_fuzz_opt_int32(b, &m->has_throughput, &m->throughput, 0);
    struct ecc_ebs_tag_specification *ts;
    ECC_FUZZ_FOR_NEW_ITEMS(b, &m->tag_specifications, 0, ts) {
        ts->resource_type = ecc_fuzz_enum_string(b, ecc_ebs_resource_type_values);
        ecc_fuzz_tags(b, &ts->tags);
        ts->propagate_tags = ecc_fuzz_enum_string(b, ecc_propagate_tags_values);
    }
    m->role_arn = ecc_fuzz_opt_string(b, 0);
    m->has_termination_policy = ecc_fuzz_bool(b->fd);
    if (m->has_termination_policy) {
        ecc_fuzz_opt_bool(
            b, &m->termination_policy.has_delete_on_termination, &m->termination_policy.delete_on_termination);
    }
    m->filesystem_type = ecc_fuzz_enum_string(b, ecc_task_filesystem_type_values);
}

static inline void ecc_fuzz_build_request(struct ecc_fuzz_request_builder *b, struct ecc_run_task_request *r) {
    /* taskDefinition is required: present far more often than not, so validation gets past it. */
    r->task_definition = ecc_fuzz_pick(b->fd, 8) == 0 ? NULL : ecc_fuzz_member_string(b, 0);
    r->cluster = ecc_fuzz_opt_string(b, 0);
    ecc_fuzz_opt_int32(b, &r->has_count, &r->count, (int64_t)b->limits->count_max);
    r->client_token = ecc_fuzz_opt_string(b, b->limits->client_token_chars);
    r->launch_type = ecc_fuzz_enum_string(b, ecc_launch_type_values);
    struct ecc_capacity_provider_strategy_item *cp;
    ECC_FUZZ_FOR_NEW_ITEMS(b, &r->capacity_provider_strategy, b->limits->capacity_providers_max, cp) {
        cp->capacity_provider = ecc_fuzz_opt_string(b, 0);
        ecc_fuzz_opt_int32(b, &cp->has_weight, &cp->weight, (int64_t)b->limits->capacity_weight_max);
        ecc_fuzz_opt_int32(b, &cp->has_base, &cp->base, (int64_t)b->limits->capacity_base_max);
    }
    r->platform_version = ecc_fuzz_opt_string(b, 0);
    r->has_network_configuration = ecc_fuzz_bool(b->fd);
    if (r->has_network_configuration) {
        struct ecc_network_configuration *n = &r->network_configuration;
        n->has_awsvpc_configuration = ecc_fuzz_bool(b->fd);
        if (n->has_awsvpc_configuration) {
            ecc_fuzz_string_list(b, &n->awsvpc_configuration.subnets);
            ecc_fuzz_string_list(b, &n->awsvpc_configuration.security_groups);
            n->awsvpc_configuration.assign_public_ip = ecc_fuzz_enum_string(b, ecc_assign_public_ip_values);
        }
    }
    r->has_overrides = ecc_fuzz_bool(b->fd);
    if (r->has_overrides) {
        ecc_fuzz_overrides(b, &r->overrides);
    }
    struct ecc_placement_constraint *pc;
    ECC_FUZZ_FOR_NEW_ITEMS(b, &r->placement_constraints, b->limits->placement_constraints_max, pc) {
        pc->type = ecc_fuzz_enum_string(b, ecc_placement_constraint_type_values);
        pc->expression = ecc_fuzz_opt_string(b, b->limits->expression_chars);
    }
    struct ecc_placement_strategy *ps;
    ECC_FUZZ_FOR_NEW_ITEMS(b, &r->placement_strategy, b->limits->placement_strategies_max, ps) {
        ps->type = ecc_fuzz_enum_string(b, ecc_placement_strategy_type_values);
        ps->field = ecc_fuzz_opt_string(b, 0);
    }
    r->group = ecc_fuzz_opt_string(b, 0);
    r->started_by = ecc_fuzz_opt_string(b, b->limits->started_by_chars);
    ecc_fuzz_tags(b, &r->tags);
    r->propagate_tags = ecc_fuzz_enum_string(b, ecc_propagate_tags_values);
    ecc_fuzz_opt_bool(b, &r->has_enable_ecs_managed_tags, &r->enable_ecs_managed_tags);
    ecc_fuzz_opt_bool(b, &r->has_enable_execute_command, &r->enable_execute_command);
    r->reference_id = ecc_fuzz_opt_string(b, 0);
    struct ecc_task_volume_configuration *v;
    ECC_FUZZ_FOR_NEW_ITEMS(b, &r->volume_configurations, 0, v) {
        ecc_fuzz_volume(b, v);
    }
}

#endif

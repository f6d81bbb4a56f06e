/*
 * Property test of the request codec and model: random requests (every member present, absent or empty
 * at random, strings with escapes and non-ASCII) must survive write -> strict parse -> equal, their
 * deep copies must be equal, and validation must run on them without failing to complete.
 */
#include "test_support.h"

#include "ecc/codec_request.h"
#include "ecc/validate.h"
#include "request_fixtures.h"

static uint64_t s_state = 0x9e3779b97f4a7c15ULL;

static uint32_t s_next(void) {
    /* xorshift64*: deterministic, so a failure reproduces. */
    s_state ^= s_state >> 12;
    s_state ^= s_state << 25;
    s_state ^= s_state >> 27;
    return (uint32_t)((s_state * 0x2545f4914f6cdd1dULL) >> 32);
}

static bool s_coin(void) {
    return s_next() % 3 == 0;
}

static char *s_random_string(void) {
    static const char *const pieces[] = {
        "a",
        "Z",
        "0",
        " ",
        "\"",
        "\\",
        "/",
        "\n",
        "\t",
        "\x01",
        "\x1f",
        "\x7f",
        "\xc3\xa9",
        "\xe2\x82\xac",
        "\xf0\x9f\x98\x80",
        "aws:",
        "-",
        "_",
        ":",
        "{",
        "}",
        "[",
        "]",
        ","};
    size_t count = s_next() % 12;
    char *text = fx_str("");
    for (size_t i = 0; i < count; i++) {
        const char *piece = pieces[s_next() % ECC_ARRAY_LEN(pieces)];
        size_t len = strlen(text);
        char *grown = realloc(text, len + strlen(piece) + 1);
        if (!grown) {
            abort();
        }
        memcpy(grown + len, piece, strlen(piece) + 1);
        text = grown;
    }
    return text;
}

static char *s_maybe_string(void) {
    return s_coin() ? NULL : s_random_string();
}

static void s_maybe_int(bool *has, int32_t *value) {
    *has = !s_coin();
    if (*has) {
        static const int32_t interesting[] = {0, 1, -1, 10, 11, 1000, 100000, INT32_MAX, INT32_MIN};
        *value = s_coin() ? (int32_t)s_next() : interesting[s_next() % ECC_ARRAY_LEN(interesting)];
    }
}

static void s_maybe_bool(bool *has, bool *value) {
    *has = !s_coin();
    *value = s_next() & 1;
}

/* Decides whether a list is absent, empty or has items; returns how many items to add. */
static size_t s_list_size(bool *has) {
    *has = !s_coin();
    return *has ? s_next() % 4 : 0;
}

static void s_random_strings(struct ecc_string_list *list) {
    size_t n = s_list_size(&list->has);
    for (size_t i = 0; i < n; i++) {
        char *text = s_random_string();
        assert_int_equal(ecc_string_list_append(list, text), ECC_OK);
        free(text);
    }
}

static void s_random_tags(struct ecc_tag_list *tags) {
    size_t n = s_list_size(&tags->has);
    for (size_t i = 0; i < n; i++) {
        struct ecc_tag *tag = FX_APPEND(tags);
        tag->key = s_maybe_string();
        tag->value = s_maybe_string();
    }
}

static void s_random_request(struct ecc_run_task_request *r) {
    size_t n = s_list_size(&r->capacity_provider_strategy.has);
    for (size_t i = 0; i < n; i++) {
        struct ecc_capacity_provider_strategy_item *item = FX_APPEND(&r->capacity_provider_strategy);
        item->capacity_provider = s_maybe_string();
        s_maybe_int(&item->has_weight, &item->weight);
        s_maybe_int(&item->has_base, &item->base);
    }
    r->cluster = s_maybe_string();
    s_maybe_int(&r->has_count, &r->count);
    s_maybe_bool(&r->has_enable_ecs_managed_tags, &r->enable_ecs_managed_tags);
    s_maybe_bool(&r->has_enable_execute_command, &r->enable_execute_command);
    r->group = s_maybe_string();
    r->launch_type = s_maybe_string();
    r->has_network_configuration = !s_coin();
    if (r->has_network_configuration) {
        r->network_configuration.has_awsvpc_configuration = !s_coin();
        if (r->network_configuration.has_awsvpc_configuration) {
            struct ecc_aws_vpc_configuration *vpc = &r->network_configuration.awsvpc_configuration;
            s_random_strings(&vpc->subnets);
            s_random_strings(&vpc->security_groups);
            vpc->assign_public_ip = s_maybe_string();
        }
    }
    r->has_overrides = !s_coin();
    if (r->has_overrides) {
        struct ecc_task_override *o = &r->overrides;
        n = s_list_size(&o->container_overrides.has);
        for (size_t i = 0; i < n; i++) {
            struct ecc_container_override *co = FX_APPEND(&o->container_overrides);
            co->name = s_maybe_string();
            s_random_strings(&co->command);
            size_t m = s_list_size(&co->environment.has);
            for (size_t j = 0; j < m; j++) {
                struct ecc_key_value_pair *kv = FX_APPEND(&co->environment);
                kv->name = s_maybe_string();
                kv->value = s_maybe_string();
            }
            m = s_list_size(&co->environment_files.has);
            for (size_t j = 0; j < m; j++) {
                struct ecc_environment_file *f = FX_APPEND(&co->environment_files);
                f->value = s_maybe_string();
                f->type = s_maybe_string();
            }
            s_maybe_int(&co->has_cpu, &co->cpu);
            s_maybe_int(&co->has_memory, &co->memory);
            s_maybe_int(&co->has_memory_reservation, &co->memory_reservation);
            m = s_list_size(&co->resource_requirements.has);
            for (size_t j = 0; j < m; j++) {
                struct ecc_resource_requirement *req = FX_APPEND(&co->resource_requirements);
                req->value = s_maybe_string();
                req->type = s_maybe_string();
            }
        }
        o->cpu = s_maybe_string();
        n = s_list_size(&o->inference_accelerator_overrides.has);
        for (size_t i = 0; i < n; i++) {
            struct ecc_inference_accelerator_override *ia = FX_APPEND(&o->inference_accelerator_overrides);
            ia->device_name = s_maybe_string();
            ia->device_type = s_maybe_string();
        }
        o->execution_role_arn = s_maybe_string();
        o->memory = s_maybe_string();
        o->task_role_arn = s_maybe_string();
        o->has_ephemeral_storage = !s_coin();
        s_maybe_int(&o->ephemeral_storage.has_size_in_gib, &o->ephemeral_storage.size_in_gib);
    }
    n = s_list_size(&r->placement_constraints.has);
    for (size_t i = 0; i < n; i++) {
        struct ecc_placement_constraint *c = FX_APPEND(&r->placement_constraints);
        c->type = s_maybe_string();
        c->expression = s_maybe_string();
    }
    n = s_list_size(&r->placement_strategy.has);
    for (size_t i = 0; i < n; i++) {
        struct ecc_placement_strategy *s = FX_APPEND(&r->placement_strategy);
        s->type = s_maybe_string();
        s->field = s_maybe_string();
    }
    r->platform_version = s_maybe_string();
    r->propagate_tags = s_maybe_string();
    r->reference_id = s_maybe_string();
    r->started_by = s_maybe_string();
    s_random_tags(&r->tags);
    r->task_definition = s_maybe_string();
    r->client_token = s_maybe_string();
    n = s_list_size(&r->volume_configurations.has);
    for (size_t i = 0; i < n; i++) {
        struct ecc_task_volume_configuration *v = FX_APPEND(&r->volume_configurations);
        v->name = s_maybe_string();
        v->has_managed_ebs_volume = !s_coin();
        if (!v->has_managed_ebs_volume) {
            continue;
        }
        struct ecc_task_managed_ebs_volume_configuration *e = &v->managed_ebs_volume;
        s_maybe_bool(&e->has_encrypted, &e->encrypted);
        e->kms_key_id = s_maybe_string();
        e->volume_type = s_maybe_string();
        s_maybe_int(&e->has_size_in_gib, &e->size_in_gib);
        e->snapshot_id = s_maybe_string();
        s_maybe_int(&e->has_volume_initialization_rate, &e->volume_initialization_rate);
        s_maybe_int(&e->has_iops, &e->iops);
        s_maybe_int(&e->has_throughput, &e->throughput);
        size_t m = s_list_size(&e->tag_specifications.has);
        for (size_t j = 0; j < m; j++) {
            struct ecc_ebs_tag_specification *spec = FX_APPEND(&e->tag_specifications);
            spec->resource_type = s_maybe_string();
            s_random_tags(&spec->tags);
            spec->propagate_tags = s_maybe_string();
        }
        e->role_arn = s_maybe_string();
        e->has_termination_policy = !s_coin();
        s_maybe_bool(&e->termination_policy.has_delete_on_termination, &e->termination_policy.delete_on_termination);
        e->filesystem_type = s_maybe_string();
    }
}

static void test_random_round_trips(void **state) {
    (void)state;
    for (int i = 0; i < 1000; i++) {
        struct ecc_run_task_request a, b, c;
        ecc_run_task_request_init(&a);
        ecc_run_task_request_init(&b);
        ecc_run_task_request_init(&c);
        s_random_request(&a);
        /* The value field of an absent scalar is random here: equality must ignore it, as the wire does. */
        assert_int_equal(ecc_run_task_request_copy(&c, &a), ECC_OK);
        assert_true(ecc_run_task_request_equal(&a, &c));

        struct ecc_http_request http;
        ecc_http_request_init(&http);
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        assert_int_equal(ecc_codec_serialize_run_task_request(&a, NULL, &http, &diag), ECC_OK);
        struct ecc_string_list unknown;
        ecc_string_list_init(&unknown);
        struct ecc_codec_parse_options options = {.strict = true};
        if (ecc_codec_parse_run_task_request(http.body, http.body_len, &options, &b, &unknown, &diag) != ECC_OK) {
            fail_msg("iteration %d: %s: %s\n%s", i, diag.path, diag.text, (const char *)http.body);
        }
        if (!ecc_run_task_request_equal(&a, &b)) {
            fail_msg("iteration %d: round trip differs\n%s", i, (const char *)http.body);
        }
        struct ecc_validation_result result;
        ecc_validation_result_init(&result);
        enum ecc_status status = ecc_validate_run_task_request(&b, NULL, &result);
        assert_true(status == ECC_OK || status == ECC_ERR_INVALID);
        assert_true((status == ECC_OK) == (result.count == 0));
        ecc_validation_result_clean_up(&result);
        ecc_string_list_clean_up(&unknown);
        ecc_http_request_clean_up(&http);
        ecc_run_task_request_clean_up(&a);
        ecc_run_task_request_clean_up(&b);
        ecc_run_task_request_clean_up(&c);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

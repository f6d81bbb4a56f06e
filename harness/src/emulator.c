/*
 * The emulator's request handler: control endpoint, envelope checks, SigV4 verification, blocked
 * accounts, X-Amz-Target dispatch, body parse, fault injection, then the operation under the lock.
 * Every answer is an AWS JSON answer built by the response codec.
 */
#include "ecc/codec_request.h"
#include "ecc/codec_response.h"
#include "ecc/sigv4.h"
#include "emulator_internal.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void ecc_emulator_options_init(struct ecc_emulator_options *options) {
    memset(options, 0, sizeof(*options));
    options->region = ECC_EMULATOR_DEFAULT_REGION;
    options->seed = 0x6563736366ULL; /* "ecscf" */
    options->max_tasks = 100000;
    options->max_clusters = 1000;
    options->max_task_definitions = 10000;
    options->max_client_tokens = 100000;
    options->max_body_bytes = ECC_CODEC_DEFAULT_MAX_BODY_BYTES;
    options->stopped_task_ttl_ms = 3600LL * 1000;
    options->max_delay_ms = 30000;
}

/* The verifier asks the emulator's clock (with `advance_clock`), so signature skew follows it. */
static const struct {
    const char *name;
    unsigned bit;
} s_defects[] = {
    {"ignore-client-token", ECC_EMULATOR_DEFECT_IGNORE_CLIENT_TOKEN},
    {"replay-before-authorization", ECC_EMULATOR_DEFECT_REPLAY_BEFORE_AUTHORIZATION},
};

unsigned ecc_emulator_defect_find(const char *name) {
    for (size_t i = 0; i < ECC_ARRAY_LEN(s_defects); i++) {
        if (strcmp(s_defects[i].name, name) == 0) {
            return s_defects[i].bit;
        }
    }
    return 0;
}

const char *ecc_emulator_defect_name(size_t index) {
    return index < ECC_ARRAY_LEN(s_defects) ? s_defects[index].name : NULL;
}

static int64_t s_verifier_clock(void *user_data) {
    return ecc_emulator_now_ms(user_data) / 1000;
}

static void s_keys_free(struct emu_key *keys, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (keys[i].secret_access_key) {
            ecc_secure_zero(keys[i].secret_access_key, strlen(keys[i].secret_access_key));
        }
        free(keys[i].access_key_id);
        free(keys[i].secret_access_key);
        free(keys[i].account);
    }
    free(keys);
}

static bool s_valid_account(const char *account) {
    return account && strlen(account) == 12 && strspn(account, "0123456789") == 12;
}

struct ecc_emulator *ecc_emulator_new(const struct ecc_emulator_options *options) {
    struct ecc_emulator_options defaults;
    ecc_emulator_options_init(&defaults);
    if (!options) {
        options = &defaults;
    }
    static const struct ecc_emulator_key s_builtin[] = {
        {ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID,
         ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY,
         ECC_EMULATOR_DEFAULT_ACCOUNT,
         NULL},
        {ECC_EMULATOR_BLOCKED_ACCESS_KEY_ID,
         ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY,
         ECC_EMULATOR_BLOCKED_ACCOUNT,
         NULL},
    };
    const struct ecc_emulator_key *keys = options->keys ? options->keys : s_builtin;
    size_t key_count = options->keys ? options->key_count : ECC_ARRAY_LEN(s_builtin);
    if (key_count == 0) {
        return NULL;
    }
    struct ecc_emulator *emu = calloc(1, sizeof(*emu));
    if (!emu) {
        return NULL;
    }
    struct ecc_sigv4_key *verifier_keys = calloc(key_count, sizeof(*verifier_keys));
    emu->keys = calloc(key_count, sizeof(*emu->keys));
    emu->region = ecc_strdup(options->region ? options->region : defaults.region);
    if (!verifier_keys || !emu->keys || !emu->region) {
        goto on_error;
    }
    for (size_t i = 0; i < key_count; i++) {
        if (!keys[i].access_key_id || !keys[i].secret_access_key || !s_valid_account(keys[i].account)) {
            goto on_error;
        }
        emu->keys[i].access_key_id = ecc_strdup(keys[i].access_key_id);
        emu->keys[i].secret_access_key = ecc_strdup(keys[i].secret_access_key);
        emu->keys[i].account = ecc_strdup(keys[i].account);
        emu->key_count++;
        if (!emu->keys[i].access_key_id || !emu->keys[i].secret_access_key || !emu->keys[i].account) {
            goto on_error;
        }
        verifier_keys[i].access_key_id = keys[i].access_key_id;
        verifier_keys[i].secret_access_key = keys[i].secret_access_key;
        verifier_keys[i].session_token = keys[i].session_token;
    }
    struct ecc_emulator_options *o = &emu->options;
    *o = *options;
    o->region = emu->region;
    o->keys = NULL;
    o->key_count = 0;
    o->max_tasks = o->max_tasks ? o->max_tasks : defaults.max_tasks;
    o->max_clusters = o->max_clusters ? o->max_clusters : defaults.max_clusters;
    o->max_task_definitions = o->max_task_definitions ? o->max_task_definitions : defaults.max_task_definitions;
    o->max_client_tokens = o->max_client_tokens ? o->max_client_tokens : defaults.max_client_tokens;
    o->max_body_bytes = o->max_body_bytes ? o->max_body_bytes : defaults.max_body_bytes;
    o->stopped_task_ttl_ms = o->stopped_task_ttl_ms > 0 ? o->stopped_task_ttl_ms : defaults.stopped_task_ttl_ms;
    o->max_delay_ms = o->max_delay_ms > 0 ? o->max_delay_ms : defaults.max_delay_ms;
    if (pthread_mutex_init(&emu->lock, NULL) != 0) {
        goto on_error;
    }
    emu_state_init(emu);
    struct ecc_sigv4_verifier_options vopts = {
        .region = emu->region,
        .service = "ecs",
        .keys = verifier_keys,
        .key_count = key_count,
        .clock = s_verifier_clock,
        .clock_user_data = emu,
    };
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    emu->verifier = ecc_sigv4_verifier_new(&vopts, &diag);
    free(verifier_keys);
    verifier_keys = NULL;
    if (!emu->verifier) {
        pthread_mutex_destroy(&emu->lock);
        goto on_error;
    }
    atomic_init(&emu->request_counter, 0);
    return emu;

on_error:
    free(verifier_keys);
    s_keys_free(emu->keys, emu->key_count);
    free(emu->region);
    free(emu);
    return NULL;
}

void ecc_emulator_destroy(struct ecc_emulator *emu) {
    if (!emu) {
        return;
    }
    emu_state_clean_up(emu);
    emu_control_clean_up(emu);
    ecc_sigv4_verifier_destroy(emu->verifier);
    pthread_mutex_destroy(&emu->lock);
    s_keys_free(emu->keys, emu->key_count);
    free(emu->region);
    free(emu);
}

int64_t ecc_emulator_now_ms(struct ecc_emulator *emu) {
    pthread_mutex_lock(&emu->lock);
    int64_t now = emu_now_locked(emu);
    pthread_mutex_unlock(&emu->lock);
    return now;
}

void ecc_emulator_get_stats(struct ecc_emulator *emu, struct ecc_emulator_stats *stats) {
    pthread_mutex_lock(&emu->lock);
    stats->tasks = emu->tasks.count;
    stats->clusters = emu->cluster_count;
    stats->task_definitions = emu->task_definition_count;
    stats->client_tokens = emu->tokens.count;
    pthread_mutex_unlock(&emu->lock);
}

/* ------------------------------------------------------------------ answers */

static void s_request_id(struct ecc_emulator *emu, char out[37]) {
    uint64_t n = atomic_fetch_add(&emu->request_counter, 1) + 1;
    uint8_t bytes[16];
    uint64_t a = emu_hash(&n, sizeof(n), emu->options.seed);
    uint64_t b = emu_hash(&a, sizeof(a), n);
    memcpy(bytes, &a, 8);
    memcpy(bytes + 8, &b, 8);
    ecc_uuid4_format(bytes, out);
}

/* A last resort that cannot fail to be well-formed: the codec ran out of memory. */
static void s_fallback(struct ecc_http_response *response) {
    static const char body[] = "{\"__type\":\"ServerException\",\"message\":\"out of memory\"}";
    ecc_http_response_clean_up(response);
    ecc_http_response_init(response);
    response->status = 500;
    if (ecc_http_headers_add(&response->headers, "Content-Type", ECC_AWS_JSON_CONTENT_TYPE) != ECC_OK ||
        ecc_http_response_set_body(response, body, sizeof(body) - 1) != ECC_OK) {
        response->status = 500; /* headers or body may be missing; the status still says what happened */
    }
}

static void s_answer_error(const struct emu_error *err, const char *request_id, struct ecc_http_response *response) {
    struct ecc_string_list ids = {.items = err->resource_ids, .count = err->resource_id_count, .has = true};
    const struct ecc_error_info *info = ecc_errors_find(err->type, strlen(err->type));
    struct ecc_error_response_options options = {
        .info = info,
        .type_name = info ? NULL : err->type,
        .http_status = err->status,
        .message = err->message,
        .resource_ids = info && info->has_resource_ids ? &ids : NULL,
        .request_id = request_id,
    };
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_codec_build_error_response(&options, response, &diag) != ECC_OK) {
        /* Only a message that is not UTF-8 (an echo of client bytes) gets here: answer without it. */
        ecc_http_response_clean_up(response);
        ecc_http_response_init(response);
        options.message = NULL;
        if (ecc_codec_build_error_response(&options, response, &diag) != ECC_OK) {
            s_fallback(response);
        }
    }
}

static void s_answer_control(
    struct ecc_emulator *emu,
    const struct ecc_http_request *request,
    const char *request_id,
    struct ecc_http_response *response) {
    struct emu_error err = {0};
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (strcmp(request->method, "POST") != 0) {
        emu_error_set(&err, ECC_ERROR_VALIDATION, "control: use POST with a JSON body");
    } else if (request->body_len > emu->options.max_body_bytes) {
        emu_error_set(&err, ECC_ERROR_VALIDATION, "control: body too large");
    } else if (ecc_emulator_control(emu, (const char *)request->body, request->body_len, &diag) != ECC_OK) {
        emu_error_set(&err, ECC_ERROR_VALIDATION, "%s", diag.text);
    }
    if (err.type) {
        s_answer_error(&err, request_id, response);
        return;
    }
    static const char ok[] = "{\"ok\":true}";
    if (ecc_codec_build_json_response(200, ok, sizeof(ok) - 1, request_id, response) != ECC_OK) {
        s_fallback(response);
    }
}

static bool s_content_type_ok(const char *value) {
    /* Parameters (`; charset=utf-8`) are ignored (Smithy AwsJson11MustSupportParametersInContentType). */
    size_t len = strlen(ECC_AWS_JSON_CONTENT_TYPE);
    if (!value || strncasecmp(value, ECC_AWS_JSON_CONTENT_TYPE, len) != 0) {
        return false;
    }
    const char *rest = value + len;
    while (*rest == ' ' || *rest == '\t') {
        rest++;
    }
    return *rest == '\0' || *rest == ';';
}

/* Authenticates; on success `*key` is the caller's key. */
static bool s_authenticate(
    struct ecc_emulator *emu,
    const struct ecc_http_request *request,
    const struct emu_key **key,
    struct emu_error *err) {
    if (emu->options.no_auth) {
        *key = &emu->keys[0];
        return true;
    }
    struct ecc_sigv4_verify_result result;
    ecc_sigv4_verify_result_init(&result);
    enum ecc_status status = ecc_sigv4_verify(emu->verifier, request, &result);
    bool ok = false;
    if (status != ECC_OK) {
        /* A canonical request past the verifier's cap: a hostile request, never a 5xx. */
        emu_error_set(
            &*err,
            ECC_ERROR_INCOMPLETE_SIGNATURE,
            "The request signature could not be checked (%s).",
            ecc_status_name(status));
    } else if (result.outcome != ECC_SIGV4_VERIFIED) {
        const char *name = ecc_sigv4_outcome_error_name(result.outcome);
        const struct ecc_error_info *info = ecc_errors_find(name, strlen(name));
        err->type = info ? info->name : name;
        err->status = ecc_sigv4_outcome_http_status(result.outcome);
        snprintf(err->message, sizeof(err->message), "%s", result.message);
    } else {
        for (size_t i = 0; i < emu->key_count && !ok; i++) {
            if (strcmp(emu->keys[i].access_key_id, result.access_key_id) == 0) {
                *key = &emu->keys[i];
                ok = true;
            }
        }
        if (!ok) {
            emu_error_set(err, ECC_ERROR_UNRECOGNIZED_CLIENT, "The security token included in the request is invalid.");
        }
    }
    ecc_sigv4_verify_result_clean_up(&result);
    return ok;
}

void ecc_emulator_handle(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    struct ecc_emulator *emu = user_data;
    char request_id[37];
    s_request_id(emu, request_id);
    struct emu_error err = {0};
    json_t *body = NULL;
    const char *method = request->method ? request->method : "";
    const char *path = request->path ? request->path : "";

    if (emu->options.control_enabled && strcmp(path, ECC_EMULATOR_CONTROL_PATH) == 0) {
        s_answer_control(emu, request, request_id, response);
        return;
    }
    if (request->body_len > emu->options.max_body_bytes) {
        /* The same answer the server glue gives when it sees the body first (server.h). */
        emu_error_set(
            &err,
            ECC_ERROR_REQUEST_ENTITY_TOO_LARGE,
            "The request body is larger than %zu bytes.",
            emu->options.max_body_bytes);
        goto on_error;
    }
    const struct emu_key *key = NULL;
    if (!s_authenticate(emu, request, &key, &err)) {
        goto on_error;
    }
    struct ecc_aws_json_target target;
    bool named = ecc_codec_read_target(ecc_http_headers_get(&request->headers, "X-Amz-Target"), &target);
    const struct emu_op *op = named && target.ecs_prefix ? emu_op_find(target.operation) : NULL;
    if (strcmp(method, "POST") != 0 || strcmp(path, "/") != 0 || !op) {
        emu_error_set(
            &err, ECC_ERROR_UNKNOWN_OPERATION, "%s", !op ? "Unknown operation (X-Amz-Target)." : "Use POST /.");
        goto on_error;
    }
    const char *operation = target.operation;
    if (!s_content_type_ok(ecc_http_headers_get(&request->headers, "Content-Type"))) {
        emu_error_set(&err, ECC_ERROR_SERIALIZATION, "Content-Type must be %s.", ECC_AWS_JSON_CONTENT_TYPE);
        goto on_error;
    }
    if (request->body_len == 0) {
        body = json_object(); /* servers accept an empty body as {} (Smithy awsJson1_1) */
    } else {
        json_error_t error;
        body = json_loadb((const char *)request->body, request->body_len, JSON_REJECT_DUPLICATES, &error);
        if (!body) {
            emu_error_set(&err, ECC_ERROR_SERIALIZATION, "The body is not valid JSON: %s", error.text);
            goto on_error;
        }
    }
    if (!json_is_object(body)) {
        emu_error_set(&err, ECC_ERROR_SERIALIZATION, "The body must be a JSON object.");
        goto on_error;
    }
    const char *cluster_ref = json_string_value(json_object_get(body, "cluster"));
    if (strcmp(operation, "CreateCluster") == 0) {
        cluster_ref = json_string_value(json_object_get(body, "clusterName"));
    }
    bool has_fault = false, fault_error = false;
    int64_t delay_ms = 0;
    pthread_mutex_lock(&emu->lock);
    bool blocked = emu_account_blocked(emu, key->account);
    if (!blocked) {
        has_fault = emu_fault_take(emu, operation, emu_cluster_short_name(cluster_ref), &err, &fault_error, &delay_ms);
    }
    pthread_mutex_unlock(&emu->lock);
    if (blocked) {
        emu_error_set(&err, ECC_ERROR_BLOCKED, "Your Amazon Web Services account was blocked.");
        goto on_error;
    }
    if (has_fault && delay_ms > 0) {
        ecc_sleep_ms((uint64_t)delay_ms);
    }
    if (has_fault && fault_error) {
        goto on_error;
    }
    struct emu_call call = {
        .account = key->account,
        .access_key_id = key->access_key_id,
        .operation = operation,
        .request_id = request_id,
        .body = body,
    };
    if (!op->locks_itself) {
        pthread_mutex_lock(&emu->lock);
    }
    bool ok = op->fn(emu, &call, response, &err);
    if (!op->locks_itself) {
        pthread_mutex_unlock(&emu->lock);
    }
    if (ok) {
        json_decref(body);
        return;
    }

on_error:
    json_decref(body);
    if (!err.type) {
        emu_error_set(&err, ECC_ERROR_SERVER, "internal error");
    }
    ecc_http_response_clean_up(response);
    ecc_http_response_init(response);
    s_answer_error(&err, request_id, response);
    emu_error_clean_up(&err);
}

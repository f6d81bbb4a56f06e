/*
 * The response codec (codec_response.h): an HTTP answer classified as exactly one of success, known
 * error, unknown error or protocol error (with the reason), the typed RunTask parse, and the reverse:
 * Task, Failure and error answers written for the emulator and the mock. Error types are resolved by
 * errors.c, never here.
 */
#include "ecc/codec_response.h"

#include "ecc/codec_request.h"
#include "ecc/json.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * Longest list this codec reads. A RunTask answer holds at most 10 tasks; the cap keeps a hostile body
 * of `[{},{},...]` from turning 3 bytes of JSON into hundreds of bytes of model per item unbounded.
 */
#define S_MAX_LIST_ITEMS 1000

const char *ecc_protocol_error_name(enum ecc_protocol_error error) {
    switch (error) {
    case ECC_PROTOCOL_NONE:
        return "none";
    case ECC_PROTOCOL_BAD_STATUS:
        return "bad-status";
    case ECC_PROTOCOL_TOO_LARGE:
        return "too-large";
    case ECC_PROTOCOL_TRUNCATED:
        return "truncated";
    case ECC_PROTOCOL_HTML_BODY:
        return "html-body";
    case ECC_PROTOCOL_CONTENT_TYPE:
        return "content-type";
    case ECC_PROTOCOL_NOT_JSON:
        return "not-json";
    case ECC_PROTOCOL_NOT_OBJECT:
        return "not-object";
    case ECC_PROTOCOL_ERROR_ON_SUCCESS:
        return "error-on-success";
    case ECC_PROTOCOL_NO_ERROR_TYPE:
        return "no-error-type";
    case ECC_PROTOCOL_BAD_ERROR_TYPE:
        return "bad-error-type";
    case ECC_PROTOCOL_SHAPE:
        return "shape";
    }
    return "unknown";
}

const char *ecc_response_kind_name(enum ecc_response_kind kind) {
    switch (kind) {
    case ECC_RESPONSE_SUCCESS:
        return "success";
    case ECC_RESPONSE_ERROR:
        return "error";
    case ECC_RESPONSE_UNKNOWN_ERROR:
        return "unknown-error";
    case ECC_RESPONSE_PROTOCOL_ERROR:
        return "protocol-error";
    }
    return "unknown";
}

void ecc_response_outcome_init(struct ecc_response_outcome *outcome) {
    memset(outcome, 0, sizeof(*outcome));
    ecc_error_result_init(&outcome->error);
}

void ecc_response_outcome_clean_up(struct ecc_response_outcome *outcome) {
    free(outcome->request_id);
    json_decref(outcome->body);
    ecc_error_result_clean_up(&outcome->error);
    ecc_response_outcome_init(outcome);
}

/* ---- classification ------------------------------------------------------------------------------ */

static enum ecc_status
s_protocol_error(struct ecc_response_outcome *outcome, enum ecc_protocol_error error, const char *fmt, ...)
    ECC_PRINTF(3, 4);
static enum ecc_status
s_protocol_error(struct ecc_response_outcome *outcome, enum ecc_protocol_error error, const char *fmt, ...) {
    outcome->kind = ECC_RESPONSE_PROTOCOL_ERROR;
    outcome->protocol_error = error;
    json_decref(outcome->body);
    outcome->body = NULL;
    ecc_error_result_clean_up(&outcome->error);
    /* Formatted aside first: callers pass the diagnostic's own text as an argument. */
    char text[sizeof(outcome->diag.text)];
    va_list args;
    va_start(args, fmt);
    vsnprintf(text, sizeof(text), fmt, args);
    va_end(args);
    memcpy(outcome->diag.text, text, sizeof(text));
    return ECC_OK;
}

/* The first bytes of a body as printable ASCII, for messages about bodies that are not JSON. */
static void s_excerpt(const uint8_t *body, size_t len, char *out, size_t size) {
    size_t n = 0;
    for (size_t i = 0; i < len && n + 4 < size && i < 60; i++) {
        out[n++] = isprint(body[i]) ? (char)body[i] : '.';
    }
    if (len > 60 && n + 4 < size) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

static bool s_is_space(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Compares the media type of a Content-Type value (parameters such as `; charset=utf-8` ignored). */
static bool s_media_type_is(const char *value, const char *expected) {
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    size_t len = strcspn(value, ";");
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t')) {
        len--;
    }
    return len == strlen(expected) && strncasecmp(value, expected, len) == 0;
}

/* Checks Content-Length against what arrived. Absent is fine (chunked transfer). */
static bool s_content_length_ok(const struct ecc_http_response *response, char *why, size_t why_size) {
    size_t seen = 0;
    const char *first = NULL;
    for (size_t i = 0; i < response->headers.count; i++) {
        const struct ecc_http_header *h = &response->headers.items[i];
        if (!ecc_http_name_equal(h->name, "Content-Length")) {
            continue;
        }
        if (seen++ && strcmp(first, h->value) != 0) {
            snprintf(why, why_size, "conflicting Content-Length headers (%.40s, %.40s)", first, h->value);
            return false;
        }
        first = h->value;
    }
    if (!first) {
        return true;
    }
    const char *p = first;
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    errno = 0;
    char *end = NULL;
    unsigned long long declared = isdigit((unsigned char)*p) ? strtoull(p, &end, 10) : 0;
    if (!end || errno || (*end && strspn(end, " \t") != strlen(end))) {
        snprintf(why, why_size, "Content-Length \"%.40s\" is not a number", first);
        return false;
    }
    if (declared != (unsigned long long)response->body_len) {
        snprintf(
            why,
            why_size,
            "body has %zu bytes but Content-Length says %llu (%s)",
            response->body_len,
            declared,
            response->body_len < declared ? "truncated" : "extra bytes");
        return false;
    }
    return true;
}

static enum ecc_status s_fill_error(struct ecc_response_outcome *outcome, const struct ecc_error_type *type) {
    struct ecc_error_result *error = &outcome->error;
    error->http_status = outcome->http_status;
    error->type_source = type->source;
    error->type_raw = malloc(type->raw_len + 1);
    error->type_name = malloc(type->name_len + 1);
    if (!error->type_raw || !error->type_name) {
        return ECC_ERR_NOMEM;
    }
    memcpy(error->type_raw, type->raw, type->raw_len);
    error->type_raw[type->raw_len] = '\0';
    memcpy(error->type_name, type->name, type->name_len);
    error->type_name[type->name_len] = '\0';
    error->info = ecc_errors_find(type->name, type->name_len);
    const char *message = ecc_errors_find_message(outcome->body);
    if (message) {
        error->message = ecc_strdup(message);
        if (!error->message) {
            return ECC_ERR_NOMEM;
        }
    }
    if (outcome->request_id) {
        error->request_id = ecc_strdup(outcome->request_id);
        if (!error->request_id) {
            return ECC_ERR_NOMEM;
        }
    }
    outcome->kind = error->info ? ECC_RESPONSE_ERROR : ECC_RESPONSE_UNKNOWN_ERROR;

    /* resourceIds is modelled on ConflictException only; elsewhere it is an unknown member. */
    const json_t *ids = outcome->body ? json_object_get(outcome->body, "resourceIds") : NULL;
    if (!error->info || !error->info->has_resource_ids || !ids || json_is_null(ids)) {
        return ECC_OK;
    }
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    ecc_json_path_push_member(&path, "resourceIds");
    if (!json_is_array(ids)) {
        ecc_json_type_error(&path, "an array of strings", ids, &outcome->diag);
        return s_protocol_error(outcome, ECC_PROTOCOL_SHAPE, "%s: %s", outcome->diag.path, outcome->diag.text);
    }
    error->resource_ids.has = true;
    size_t index;
    const json_t *id;
    json_array_foreach(ids, index, id) {
        if (!json_is_string(id)) {
            ecc_json_path_push_index(&path, index);
            ecc_json_type_error(&path, "a string", id, &outcome->diag);
            return s_protocol_error(outcome, ECC_PROTOCOL_SHAPE, "%s: %s", outcome->diag.path, outcome->diag.text);
        }
        if (ecc_string_list_append(&error->resource_ids, json_string_value(id)) != ECC_OK) {
            return ECC_ERR_NOMEM;
        }
    }
    return ECC_OK;
}

enum ecc_status ecc_codec_classify_response(
    const struct ecc_http_response *response,
    const struct ecc_codec_response_options *options,
    struct ecc_response_outcome *outcome) {
    size_t max_body_bytes =
        options && options->max_body_bytes ? options->max_body_bytes : ECC_CODEC_DEFAULT_MAX_BODY_BYTES;
    int status = response->status;
    outcome->http_status = status;
    const char *request_id = ecc_http_headers_get(&response->headers, "X-Amzn-Requestid");
    if (request_id) {
        outcome->request_id = ecc_strdup(request_id);
        if (!outcome->request_id) {
            return ECC_ERR_NOMEM;
        }
    }

    bool success = status >= 200 && status <= 299;
    if (!success && !(status >= 400 && status <= 599)) {
        return s_protocol_error(
            outcome,
            ECC_PROTOCOL_BAD_STATUS,
            "HTTP status %d is neither a success (2xx) nor an error (4xx/5xx)",
            status);
    }
    if (response->body_len > max_body_bytes) {
        return s_protocol_error(
            outcome,
            ECC_PROTOCOL_TOO_LARGE,
            "body of %zu bytes is over the %zu-byte cap",
            response->body_len,
            max_body_bytes);
    }
    char why[160];
    if (!s_content_length_ok(response, why, sizeof(why))) {
        return s_protocol_error(outcome, ECC_PROTOCOL_TRUNCATED, "%s", why);
    }

    const uint8_t *body = response->body;
    size_t len = response->body_len;
    size_t start = 0;
    while (start < len && s_is_space(body[start])) {
        start++;
    }
    bool empty = start == len;
    char excerpt[80];
    if (!empty && body[start] == '<') {
        s_excerpt(body + start, len - start, excerpt, sizeof(excerpt));
        return s_protocol_error(
            outcome, ECC_PROTOCOL_HTML_BODY, "HTTP %d with an HTML/XML body, not AWS JSON: \"%s\"", status, excerpt);
    }
    if (!empty) {
        const char *content_type = ecc_http_headers_get(&response->headers, "Content-Type");
        bool ok =
            content_type &&
            (s_media_type_is(content_type, ECC_AWS_JSON_CONTENT_TYPE) ||
             (options && options->allow_plain_json_content_type && s_media_type_is(content_type, "application/json")));
        if (!ok) {
            return s_protocol_error(
                outcome,
                ECC_PROTOCOL_CONTENT_TYPE,
                "Content-Type is %s%.100s%s, expected %s",
                content_type ? "\"" : "",
                content_type ? content_type : "missing",
                content_type ? "\"" : "",
                ECC_AWS_JSON_CONTENT_TYPE);
        }
        json_error_t error;
        outcome->body = json_loadb((const char *)body, len, JSON_DECODE_ANY, &error);
        if (!outcome->body) {
            outcome->diag.line = error.line;
            outcome->diag.column = error.column;
            return s_protocol_error(
                outcome,
                ECC_PROTOCOL_NOT_JSON,
                "body is not JSON (line %d, column %d: %s)",
                error.line,
                error.column,
                error.text);
        }
        if (!json_is_object(outcome->body)) {
            return s_protocol_error(
                outcome,
                ECC_PROTOCOL_NOT_OBJECT,
                "body is a JSON %s, expected an object",
                ecc_json_type_name(outcome->body));
        }
    }

    struct ecc_error_type type;
    enum ecc_status resolved = ecc_errors_resolve_type(&response->headers, outcome->body, &type, &outcome->diag);
    if (success) {
        if (resolved != ECC_OK || type.source != ECC_ERROR_TYPE_NONE) {
            return s_protocol_error(
                outcome,
                ECC_PROTOCOL_ERROR_ON_SUCCESS,
                "HTTP %d carries an error type in %s",
                status,
                ecc_errors_source_name(type.source));
        }
        if (!outcome->body) {
            outcome->body = json_object();
            if (!outcome->body) {
                return ECC_ERR_NOMEM;
            }
        }
        outcome->kind = ECC_RESPONSE_SUCCESS;
        return ECC_OK;
    }
    if (resolved != ECC_OK) {
        return s_protocol_error(outcome, ECC_PROTOCOL_BAD_ERROR_TYPE, "HTTP %d: %s", status, outcome->diag.text);
    }
    if (type.source == ECC_ERROR_TYPE_NONE) {
        return s_protocol_error(
            outcome,
            ECC_PROTOCOL_NO_ERROR_TYPE,
            "HTTP %d without an error type (no X-Amzn-Errortype header, no code or __type member)",
            status);
    }
    return s_fill_error(outcome, &type);
}

/* ---- typed RunTask read ---------------------------------------------------------------------------- */

typedef enum ecc_status(s_item_reader_fn)(
    const json_t *item, struct ecc_json_path *path, void *out, struct ecc_diag *diag);

/* Reads the array member `key` into a list struct of this codec's model (items, count, has). */
static enum ecc_status s_read_list(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    bool *has,
    void *items_field,
    size_t *count,
    size_t item_size,
    s_item_reader_fn *reader,
    struct ecc_diag *diag) {
    const json_t *array = NULL;
    enum ecc_json_presence presence;
    enum ecc_status status = ecc_json_read_array(object, key, path, &array, &presence, diag);
    if (status != ECC_OK || presence == ECC_JSON_ABSENT) {
        return status;
    }
    size_t n = json_array_size(array);
    ecc_json_path_push_member(path, key); /* popped at done, on every path */
    if (n > S_MAX_LIST_ITEMS) {
        char where[sizeof(diag->path)];
        ecc_json_path_format_member(path, where, sizeof(where));
        ecc_diag_set_path(diag, where);
        ecc_diag_set(diag, "list of %zu items, more than the %d this codec reads", n, S_MAX_LIST_ITEMS);
        status = ECC_ERR_INVALID;
        goto done;
    }
    void *items = n ? calloc(n, item_size) : NULL;
    if (n && !items) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    /* Zeroed items are valid empty values, so the caller's clean_up frees a half-read list. */
    memcpy(items_field, &items, sizeof(items));
    *count = n;
    *has = true;
    for (size_t i = 0; i < n; i++) {
        ecc_json_path_push_index(path, i);
        const json_t *item = json_array_get(array, i);
        status = reader(item, path, (char *)items + i * item_size, diag);
        ecc_json_path_pop(path);
        if (status != ECC_OK) {
            goto done;
        }
    }
done:
    ecc_json_path_pop(path);
    return status;
}

#define S_READ_LIST(object, key, path, list, reader, diag)                                                             \
    s_read_list(                                                                                                       \
        object, key, path, &(list)->has, (void *)&(list)->items, &(list)->count, sizeof(*(list)->items), reader, diag)

/* Reads and checks an array element that must be an object. */
static enum ecc_status s_expect_object(const json_t *item, struct ecc_json_path *path, struct ecc_diag *diag) {
    if (json_is_object(item)) {
        return ECC_OK;
    }
    ecc_json_type_error(path, "an object", item, diag);
    return ECC_ERR_INVALID;
}

/* Shorthands inside the readers below: `o` is the object, `path` and `diag` are in scope. */
/* Each reads one member and returns the reader's status at a failure. */
#define S_STR(key, field)                                                                                              \
    do {                                                                                                               \
        status = ecc_json_read_string(o, key, path, &(field), NULL, diag);                                             \
        if (status != ECC_OK) {                                                                                        \
            return status;                                                                                             \
        }                                                                                                              \
    } while (0)
#define S_OPT(reader, key, has_field, field)                                                                           \
    do {                                                                                                               \
        enum ecc_json_presence presence_;                                                                              \
        status = reader(o, key, path, &(field), &presence_, diag);                                                     \
        if (status != ECC_OK) {                                                                                        \
            return status;                                                                                             \
        }                                                                                                              \
        has_field = presence_ == ECC_JSON_PRESENT;                                                                     \
    } while (0)
#define S_LIST(key, list, reader)                                                                                      \
    do {                                                                                                               \
        status = S_READ_LIST(o, key, path, list, reader, diag);                                                        \
        if (status != ECC_OK) {                                                                                        \
            return status;                                                                                             \
        }                                                                                                              \
    } while (0)
/* An embedded structure member, read with `reader` (s_read_struct). */
#define S_STRUCT(key, has_field, field, reader)                                                                        \
    do {                                                                                                               \
        status = s_read_struct(o, key, path, &(has_field), &(field), reader, diag);                                    \
        if (status != ECC_OK) {                                                                                        \
            return status;                                                                                             \
        }                                                                                                              \
    } while (0)

static enum ecc_status
s_read_string_item(const json_t *item, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    if (!json_is_string(item)) {
        ecc_json_type_error(path, "a string", item, diag);
        return ECC_ERR_INVALID;
    }
    char *copy = ecc_strdup(json_string_value(item));
    if (!copy) {
        return ECC_ERR_NOMEM;
    }
    *(char **)out = copy;
    return ECC_OK;
}

static enum ecc_status
s_read_network_binding(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_network_binding *v = out;
    enum ecc_status status = s_expect_object(o, path, diag);
    if (status != ECC_OK) {
        return status;
    }
    S_STR("bindIP", v->bind_ip);
    S_OPT(ecc_json_read_int, "containerPort", v->has_container_port, v->container_port);
    S_OPT(ecc_json_read_int, "hostPort", v->has_host_port, v->host_port);
    S_STR("protocol", v->protocol);
    S_STR("containerPortRange", v->container_port_range);
    S_STR("hostPortRange", v->host_port_range);
    return ECC_OK;
}

static enum ecc_status
s_read_network_interface(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_network_interface *v = out;
    enum ecc_status status = s_expect_object(o, path, diag);
    if (status != ECC_OK) {
        return status;
    }
    S_STR("attachmentId", v->attachment_id);
    S_STR("privateIpv4Address", v->private_ipv4_address);
    S_STR("ipv6Address", v->ipv6_address);
    return ECC_OK;
}

static enum ecc_status
s_read_managed_agent(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_managed_agent *v = out;
    enum ecc_status status = s_expect_object(o, path, diag);
    if (status != ECC_OK) {
        return status;
    }
    S_OPT(ecc_json_read_timestamp, "lastStartedAt", v->has_last_started_at, v->last_started_at);
    S_STR("name", v->name);
    S_STR("reason", v->reason);
    S_STR("lastStatus", v->last_status);
    return ECC_OK;
}

/* A list of strings (GpuIds, NeuronDeviceIds) into model.h's StringList. */
static enum ecc_status s_read_string_list(
    const json_t *o, const char *key, struct ecc_json_path *path, struct ecc_string_list *list, struct ecc_diag *diag) {
    return S_READ_LIST(o, key, path, list, s_read_string_item, diag);
}

static enum ecc_status s_read_container(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_container *v = out;
    enum ecc_status status = s_expect_object(o, path, diag);
    if (status != ECC_OK) {
        return status;
    }
    S_STR("containerArn", v->container_arn);
    S_STR("taskArn", v->task_arn);
    S_STR("name", v->name);
    S_STR("image", v->image);
    S_STR("imageDigest", v->image_digest);
    S_STR("runtimeId", v->runtime_id);
    S_STR("lastStatus", v->last_status);
    S_OPT(ecc_json_read_int, "exitCode", v->has_exit_code, v->exit_code);
    S_STR("reason", v->reason);
    S_LIST("networkBindings", &v->network_bindings, s_read_network_binding);
    S_LIST("networkInterfaces", &v->network_interfaces, s_read_network_interface);
    S_STR("healthStatus", v->health_status);
    S_LIST("managedAgents", &v->managed_agents, s_read_managed_agent);
    S_STR("cpu", v->cpu);
    S_STR("memory", v->memory);
    S_STR("memoryReservation", v->memory_reservation);
    status = s_read_string_list(o, "gpuIds", path, &v->gpu_ids, diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_read_string_list(o, "neuronDeviceIds", path, &v->neuron_device_ids, diag);
}

/* A member read by the request codec's shared-shape readers (they take the value itself). */
static const json_t *s_member(const json_t *o, const char *key) {
    const json_t *value = json_object_get(o, key);
    return json_is_null(value) ? NULL : value;
}

static enum ecc_status
s_read_attachment(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_attachment *v = out;
    enum ecc_status status = s_expect_object(o, path, diag);
    if (status != ECC_OK) {
        return status;
    }
    S_STR("id", v->id);
    S_STR("type", v->type);
    S_STR("status", v->status);
    const json_t *details = s_member(o, "details");
    if (details) {
        ecc_json_path_push_member(path, "details");
        status = ecc_codec_read_key_value_pairs(details, path, &v->details, diag);
        ecc_json_path_pop(path);
    }
    return status;
}

static enum ecc_status s_read_attribute(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_attribute *v = out;
    enum ecc_status status = s_expect_object(o, path, diag);
    if (status != ECC_OK) {
        return status;
    }
    S_STR("name", v->name);
    S_STR("value", v->value);
    S_STR("targetType", v->target_type);
    S_STR("targetId", v->target_id);
    return ECC_OK;
}

static enum ecc_status
s_read_inference_accelerator(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_inference_accelerator *v = out;
    enum ecc_status status = s_expect_object(o, path, diag);
    if (status != ECC_OK) {
        return status;
    }
    S_STR("deviceName", v->device_name);
    S_STR("deviceType", v->device_type);
    return ECC_OK;
}

/* Reads the object member `key` with `reader` (for the small embedded structures). */
static enum ecc_status s_read_struct(
    const json_t *o,
    const char *key,
    struct ecc_json_path *path,
    bool *has,
    void *out,
    s_item_reader_fn *reader,
    struct ecc_diag *diag) {
    const json_t *value = NULL;
    enum ecc_json_presence presence;
    enum ecc_status status = ecc_json_read_object(o, key, path, &value, &presence, diag);
    if (status != ECC_OK || presence == ECC_JSON_ABSENT) {
        return status;
    }
    *has = true;
    ecc_json_path_push_member(path, key);
    status = reader(value, path, out, diag);
    ecc_json_path_pop(path);
    return status;
}

static enum ecc_status
s_read_ephemeral_storage(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_ephemeral_storage *v = out;
    enum ecc_status status;
    S_OPT(ecc_json_read_int, "sizeInGiB", v->has_size_in_gib, v->size_in_gib);
    return ECC_OK;
}

static enum ecc_status
s_read_task_ephemeral_storage(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_task_ephemeral_storage *v = out;
    enum ecc_status status;
    S_OPT(ecc_json_read_int, "sizeInGiB", v->has_size_in_gib, v->size_in_gib);
    S_STR("kmsKeyId", v->kms_key_id);
    return ECC_OK;
}

static enum ecc_status s_read_overrides(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    return ecc_codec_read_task_override(o, path, out, diag);
}

static enum ecc_status s_read_task(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_task *v = out;
    enum ecc_status status = s_expect_object(o, path, diag);
    if (status != ECC_OK) {
        return status;
    }
    S_LIST("attachments", &v->attachments, s_read_attachment);
    S_LIST("attributes", &v->attributes, s_read_attribute);
    S_STR("availabilityZone", v->availability_zone);
    S_STR("capacityProviderName", v->capacity_provider_name);
    S_STR("clusterArn", v->cluster_arn);
    S_STR("connectivity", v->connectivity);
    S_OPT(ecc_json_read_timestamp, "connectivityAt", v->has_connectivity_at, v->connectivity_at);
    S_STR("containerInstanceArn", v->container_instance_arn);
    S_LIST("containers", &v->containers, s_read_container);
    S_STR("cpu", v->cpu);
    S_OPT(ecc_json_read_timestamp, "createdAt", v->has_created_at, v->created_at);
    S_STR("desiredStatus", v->desired_status);
    S_OPT(ecc_json_read_bool, "enableExecuteCommand", v->has_enable_execute_command, v->enable_execute_command);
    S_OPT(ecc_json_read_timestamp, "executionStoppedAt", v->has_execution_stopped_at, v->execution_stopped_at);
    S_STR("group", v->group);
    S_STR("healthStatus", v->health_status);
    S_LIST("inferenceAccelerators", &v->inference_accelerators, s_read_inference_accelerator);
    S_STR("lastStatus", v->last_status);
    S_STR("launchType", v->launch_type);
    S_STR("memory", v->memory);
    S_STRUCT("overrides", v->has_overrides, v->overrides, s_read_overrides);
    S_STR("platformVersion", v->platform_version);
    S_STR("platformFamily", v->platform_family);
    S_OPT(ecc_json_read_timestamp, "pullStartedAt", v->has_pull_started_at, v->pull_started_at);
    S_OPT(ecc_json_read_timestamp, "pullStoppedAt", v->has_pull_stopped_at, v->pull_stopped_at);
    S_OPT(ecc_json_read_timestamp, "startedAt", v->has_started_at, v->started_at);
    S_STR("startedBy", v->started_by);
    S_STR("stopCode", v->stop_code);
    S_OPT(ecc_json_read_timestamp, "stoppedAt", v->has_stopped_at, v->stopped_at);
    S_STR("stoppedReason", v->stopped_reason);
    S_OPT(ecc_json_read_timestamp, "stoppingAt", v->has_stopping_at, v->stopping_at);
    const json_t *tags = s_member(o, "tags");
    if (tags) {
        ecc_json_path_push_member(path, "tags");
        status = ecc_codec_read_tags(tags, path, &v->tags, diag);
        ecc_json_path_pop(path);
        if (status != ECC_OK) {
            return status;
        }
    }
    S_STR("taskArn", v->task_arn);
    S_STR("taskDefinitionArn", v->task_definition_arn);
    S_OPT(ecc_json_read_long, "version", v->has_version, v->version);
    S_STRUCT("ephemeralStorage", v->has_ephemeral_storage, v->ephemeral_storage, s_read_ephemeral_storage);
    S_STRUCT(
        "fargateEphemeralStorage",
        v->has_fargate_ephemeral_storage,
        v->fargate_ephemeral_storage,
        s_read_task_ephemeral_storage);
    return ECC_OK;
}

static enum ecc_status s_read_failure(const json_t *o, struct ecc_json_path *path, void *out, struct ecc_diag *diag) {
    struct ecc_failure *v = out;
    enum ecc_status status = s_expect_object(o, path, diag);
    if (status != ECC_OK) {
        return status;
    }
    S_STR("arn", v->arn);
    S_STR("reason", v->reason);
    S_STR("detail", v->detail);
    return ECC_OK;
}

enum ecc_status
ecc_codec_read_run_task_response(const json_t *body, struct ecc_run_task_response *value, struct ecc_diag *diag) {
    struct ecc_json_path path;
    ecc_json_path_init(&path);
    enum ecc_status status = s_expect_object(body, &path, diag);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = S_READ_LIST(body, "tasks", &path, &value->tasks, s_read_task, diag);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = S_READ_LIST(body, "failures", &path, &value->failures, s_read_failure, diag);
    if (status != ECC_OK) {
        goto on_error;
    }
    return ECC_OK;
on_error:
    ecc_run_task_response_clean_up(value);
    return status;
}

enum ecc_status ecc_codec_parse_run_task_response(
    const struct ecc_http_response *response,
    const struct ecc_codec_response_options *options,
    struct ecc_response_outcome *outcome,
    struct ecc_run_task_response *value) {
    enum ecc_status status = ecc_codec_classify_response(response, options, outcome);
    if (status != ECC_OK || outcome->kind != ECC_RESPONSE_SUCCESS) {
        return status;
    }
    status = ecc_codec_read_run_task_response(outcome->body, value, &outcome->diag);
    if (status == ECC_ERR_INVALID) {
        return s_protocol_error(outcome, ECC_PROTOCOL_SHAPE, "%s: %s", outcome->diag.path, outcome->diag.text);
    }
    return status;
}

/* ---- model -> JSON text ---------------------------------------------------------------------------- */

/*
 * Fast path of s_w_time for a time that is a whole number of milliseconds under 1e12 s (every time the
 * emulator and the suite make): "S" or "S.m", "S.mm", "S.mmm" without trailing zeros. That is the text
 * the general path below writes: the decimal S.mmm reads back to `value` (both are the double nearest to
 * ms/1000), and with at most 12 integer digits it has at most 15 significant ones, so "%.15g" already
 * prints it. False when the fast path does not apply (the caller formats with snprintf).
 */
static bool s_w_time_ms(double value, char text[40]) {
    if (!(value > -1e12 && value < 1e12)) {
        return false;
    }
    double scaled = value * 1000.0;
    int64_t ms = (int64_t)(scaled < 0 ? scaled - 0.5 : scaled + 0.5);
    if ((double)ms / 1000.0 != value || (ms == 0 && signbit(value))) {
        return false;
    }
    uint64_t magnitude = ms < 0 ? (uint64_t)(-ms) : (uint64_t)ms;
    uint64_t seconds = magnitude / 1000;
    unsigned fraction = (unsigned)(magnitude % 1000);
    char digits[24];
    size_t len = 0;
    do {
        digits[sizeof(digits) - 1 - len++] = (char)('0' + seconds % 10);
        seconds /= 10;
    } while (seconds);
    size_t n = 0;
    if (ms < 0) {
        text[n++] = '-';
    }
    memcpy(text + n, digits + sizeof(digits) - len, len);
    n += len;
    if (fraction) {
        text[n++] = '.';
        text[n++] = (char)('0' + fraction / 100);
        fraction %= 100;
        if (fraction) {
            text[n++] = (char)('0' + fraction / 10);
            fraction %= 10;
            if (fraction) {
                text[n++] = (char)('0' + fraction);
            }
        }
    }
    text[n] = '\0';
    return true;
}

/* Epoch seconds: an integer when whole, else the shortest decimal that reads back to the same double. */
static void s_w_time(struct ecc_json_writer *w, bool *first, const char *key, bool has, double value) {
    if (!has) {
        return;
    }
    ecc_json_writer_enter(w, first, key);
    if (!isfinite(value)) {
        ecc_json_writer_fail(w, ECC_ERR_INVALID, "timestamp is not a finite number");
    } else {
        char text[40];
        if (s_w_time_ms(value, text)) {
            /* done: the common case, a time with millisecond precision */
        } else if (value == floor(value) && fabs(value) < 9007199254740992.0) {
            snprintf(text, sizeof(text), "%.0f", value);
        } else {
            for (int precision = 15; precision <= 17; precision++) {
                snprintf(text, sizeof(text), "%.*g", precision, value);
                if (strtod(text, NULL) == value) {
                    break;
                }
            }
        }
        ecc_json_writer_raw(w, text, strlen(text));
    }
    ecc_json_writer_leave(w);
}

static void s_w_network_binding(struct ecc_json_writer *w, const void *item) {
    const struct ecc_network_binding *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "bindIP", v->bind_ip);
    ecc_json_writer_int_member(w, &first, "containerPort", v->has_container_port, v->container_port);
    ecc_json_writer_int_member(w, &first, "hostPort", v->has_host_port, v->host_port);
    ecc_json_writer_string_member(w, &first, "protocol", v->protocol);
    ecc_json_writer_string_member(w, &first, "containerPortRange", v->container_port_range);
    ecc_json_writer_string_member(w, &first, "hostPortRange", v->host_port_range);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_w_network_interface(struct ecc_json_writer *w, const void *item) {
    const struct ecc_network_interface *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "attachmentId", v->attachment_id);
    ecc_json_writer_string_member(w, &first, "privateIpv4Address", v->private_ipv4_address);
    ecc_json_writer_string_member(w, &first, "ipv6Address", v->ipv6_address);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_w_managed_agent(struct ecc_json_writer *w, const void *item) {
    const struct ecc_managed_agent *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    s_w_time(w, &first, "lastStartedAt", v->has_last_started_at, v->last_started_at);
    ecc_json_writer_string_member(w, &first, "name", v->name);
    ecc_json_writer_string_member(w, &first, "reason", v->reason);
    ecc_json_writer_string_member(w, &first, "lastStatus", v->last_status);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_w_container(struct ecc_json_writer *w, const void *item) {
    const struct ecc_container *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "containerArn", v->container_arn);
    ecc_json_writer_string_member(w, &first, "taskArn", v->task_arn);
    ecc_json_writer_string_member(w, &first, "name", v->name);
    ecc_json_writer_string_member(w, &first, "image", v->image);
    ecc_json_writer_string_member(w, &first, "imageDigest", v->image_digest);
    ecc_json_writer_string_member(w, &first, "runtimeId", v->runtime_id);
    ecc_json_writer_string_member(w, &first, "lastStatus", v->last_status);
    ecc_json_writer_int_member(w, &first, "exitCode", v->has_exit_code, v->exit_code);
    ecc_json_writer_string_member(w, &first, "reason", v->reason);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "networkBindings", &v->network_bindings, s_w_network_binding);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "networkInterfaces", &v->network_interfaces, s_w_network_interface);
    ecc_json_writer_string_member(w, &first, "healthStatus", v->health_status);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "managedAgents", &v->managed_agents, s_w_managed_agent);
    ecc_json_writer_string_member(w, &first, "cpu", v->cpu);
    ecc_json_writer_string_member(w, &first, "memory", v->memory);
    ecc_json_writer_string_member(w, &first, "memoryReservation", v->memory_reservation);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "gpuIds", &v->gpu_ids, ecc_json_writer_string_item);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "neuronDeviceIds", &v->neuron_device_ids, ecc_json_writer_string_item);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_w_attachment(struct ecc_json_writer *w, const void *item) {
    const struct ecc_attachment *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "id", v->id);
    ecc_json_writer_string_member(w, &first, "type", v->type);
    ecc_json_writer_string_member(w, &first, "status", v->status);
    if (v->details.has) {
        ecc_json_writer_enter(w, &first, "details");
        ecc_codec_json_write_key_value_pairs(w, &v->details);
        ecc_json_writer_leave(w);
    }
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_w_attribute(struct ecc_json_writer *w, const void *item) {
    const struct ecc_attribute *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "name", v->name);
    ecc_json_writer_string_member(w, &first, "value", v->value);
    ecc_json_writer_string_member(w, &first, "targetType", v->target_type);
    ecc_json_writer_string_member(w, &first, "targetId", v->target_id);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_w_inference_accelerator(struct ecc_json_writer *w, const void *item) {
    const struct ecc_inference_accelerator *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "deviceName", v->device_name);
    ecc_json_writer_string_member(w, &first, "deviceType", v->device_type);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_w_task(struct ecc_json_writer *w, const void *item) {
    const struct ecc_task *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "attachments", &v->attachments, s_w_attachment);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "attributes", &v->attributes, s_w_attribute);
    ecc_json_writer_string_member(w, &first, "availabilityZone", v->availability_zone);
    ecc_json_writer_string_member(w, &first, "capacityProviderName", v->capacity_provider_name);
    ecc_json_writer_string_member(w, &first, "clusterArn", v->cluster_arn);
    ecc_json_writer_string_member(w, &first, "connectivity", v->connectivity);
    s_w_time(w, &first, "connectivityAt", v->has_connectivity_at, v->connectivity_at);
    ecc_json_writer_string_member(w, &first, "containerInstanceArn", v->container_instance_arn);
    ECC_JSON_WRITER_LIST_MEMBER(w, &first, "containers", &v->containers, s_w_container);
    ecc_json_writer_string_member(w, &first, "cpu", v->cpu);
    s_w_time(w, &first, "createdAt", v->has_created_at, v->created_at);
    ecc_json_writer_string_member(w, &first, "desiredStatus", v->desired_status);
    ecc_json_writer_bool_member(
        w, &first, "enableExecuteCommand", v->has_enable_execute_command, v->enable_execute_command);
    s_w_time(w, &first, "executionStoppedAt", v->has_execution_stopped_at, v->execution_stopped_at);
    ecc_json_writer_string_member(w, &first, "group", v->group);
    ecc_json_writer_string_member(w, &first, "healthStatus", v->health_status);
    ECC_JSON_WRITER_LIST_MEMBER(
        w, &first, "inferenceAccelerators", &v->inference_accelerators, s_w_inference_accelerator);
    ecc_json_writer_string_member(w, &first, "lastStatus", v->last_status);
    ecc_json_writer_string_member(w, &first, "launchType", v->launch_type);
    ecc_json_writer_string_member(w, &first, "memory", v->memory);
    if (v->has_overrides) {
        ecc_json_writer_enter(w, &first, "overrides");
        ecc_codec_json_write_task_override(w, &v->overrides);
        ecc_json_writer_leave(w);
    }
    ecc_json_writer_string_member(w, &first, "platformVersion", v->platform_version);
    ecc_json_writer_string_member(w, &first, "platformFamily", v->platform_family);
    s_w_time(w, &first, "pullStartedAt", v->has_pull_started_at, v->pull_started_at);
    s_w_time(w, &first, "pullStoppedAt", v->has_pull_stopped_at, v->pull_stopped_at);
    s_w_time(w, &first, "startedAt", v->has_started_at, v->started_at);
    ecc_json_writer_string_member(w, &first, "startedBy", v->started_by);
    ecc_json_writer_string_member(w, &first, "stopCode", v->stop_code);
    s_w_time(w, &first, "stoppedAt", v->has_stopped_at, v->stopped_at);
    ecc_json_writer_string_member(w, &first, "stoppedReason", v->stopped_reason);
    s_w_time(w, &first, "stoppingAt", v->has_stopping_at, v->stopping_at);
    if (v->tags.has) {
        ecc_json_writer_enter(w, &first, "tags");
        ecc_codec_json_write_tags(w, &v->tags);
        ecc_json_writer_leave(w);
    }
    ecc_json_writer_string_member(w, &first, "taskArn", v->task_arn);
    ecc_json_writer_string_member(w, &first, "taskDefinitionArn", v->task_definition_arn);
    ecc_json_writer_int_member(w, &first, "version", v->has_version, v->version);
    ecc_codec_json_write_ephemeral_storage(w, &first, v->has_ephemeral_storage, &v->ephemeral_storage);
    if (v->has_fargate_ephemeral_storage) {
        const struct ecc_task_ephemeral_storage *f = &v->fargate_ephemeral_storage;
        bool inner = true;
        ecc_json_writer_enter(w, &first, "fargateEphemeralStorage");
        ECC_JSON_WRITER_LITERAL(w, "{");
        ecc_json_writer_int_member(w, &inner, "sizeInGiB", f->has_size_in_gib, f->size_in_gib);
        ecc_json_writer_string_member(w, &inner, "kmsKeyId", f->kms_key_id);
        ECC_JSON_WRITER_LITERAL(w, "}");
        ecc_json_writer_leave(w);
    }
    ECC_JSON_WRITER_LITERAL(w, "}");
}

static void s_w_failure(struct ecc_json_writer *w, const void *item) {
    const struct ecc_failure *v = item;
    bool first = true;
    ECC_JSON_WRITER_LITERAL(w, "{");
    ecc_json_writer_string_member(w, &first, "arn", v->arn);
    ecc_json_writer_string_member(w, &first, "reason", v->reason);
    ecc_json_writer_string_member(w, &first, "detail", v->detail);
    ECC_JSON_WRITER_LITERAL(w, "}");
}

enum ecc_status ecc_codec_write_run_task_response(
    struct ecc_buf *out, const struct ecc_run_task_response *value, struct ecc_diag *diag) {
    struct ecc_json_writer w;
    ecc_json_writer_init(&w, out, diag);
    bool first = true;
    ECC_JSON_WRITER_LITERAL(&w, "{");
    ECC_JSON_WRITER_LIST_MEMBER(&w, &first, "tasks", &value->tasks, s_w_task);
    ECC_JSON_WRITER_LIST_MEMBER(&w, &first, "failures", &value->failures, s_w_failure);
    ECC_JSON_WRITER_LITERAL(&w, "}");
    return ecc_json_writer_finish(&w);
}

enum ecc_status ecc_codec_write_task(struct ecc_buf *out, const struct ecc_task *task, struct ecc_diag *diag) {
    struct ecc_json_writer w;
    ecc_json_writer_init(&w, out, diag);
    s_w_task(&w, task);
    return ecc_json_writer_finish(&w);
}

enum ecc_status
ecc_codec_write_failures(struct ecc_buf *out, const struct ecc_failure_list *failures, struct ecc_diag *diag) {
    struct ecc_json_writer w;
    ecc_json_writer_init(&w, out, diag);
    ecc_json_writer_list(&w, failures->items, failures->count, sizeof(*failures->items), s_w_failure);
    return ecc_json_writer_finish(&w);
}

/* ---- building answers ------------------------------------------------------------------------------ */

/* The status and headers of a JSON answer. */
static enum ecc_status s_json_response_head(int status, const char *request_id, struct ecc_http_response *response) {
    response->status = status;
    /* No Content-Length: framing is the server glue's job (libmicrohttpd sets it from the body). */
    enum ecc_status result = ecc_http_headers_set(&response->headers, "Content-Type", ECC_AWS_JSON_CONTENT_TYPE);
    if (result != ECC_OK) {
        return result;
    }
    if (request_id) {
        return ecc_http_headers_set(&response->headers, "X-Amzn-Requestid", request_id);
    }
    return ECC_OK;
}

enum ecc_status ecc_codec_build_json_response(
    int status, const void *body, size_t body_len, const char *request_id, struct ecc_http_response *response) {
    if (!body || !body_len) {
        body = "{}";
        body_len = 2;
    }
    enum ecc_status result = s_json_response_head(status, request_id, response);
    if (result != ECC_OK) {
        return result;
    }
    return ecc_http_response_set_body(response, body, body_len);
}

/* A typical RunTask answer fits: one allocation instead of six doublings from 64 bytes. */
#define S_ANSWER_RESERVE_BYTES 4096

/* ecc_codec_build_json_response for a body written into `body`: its bytes move into the response. */
static enum ecc_status
s_json_response_take(int status, struct ecc_buf *body, const char *request_id, struct ecc_http_response *response) {
    if (body->len == 0) {
        return ecc_codec_build_json_response(status, NULL, 0, request_id, response);
    }
    enum ecc_status result = s_json_response_head(status, request_id, response);
    if (result != ECC_OK) {
        return result;
    }
    free(response->body);
    response->body_len = body->len;
    response->body = (uint8_t *)ecc_buf_steal(body);
    return ECC_OK;
}

enum ecc_status ecc_codec_build_run_task_response(
    const struct ecc_run_task_response *value,
    const char *request_id,
    struct ecc_http_response *response,
    struct ecc_diag *diag) {
    struct ecc_buf body;
    ecc_buf_init(&body, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    enum ecc_status status = ecc_buf_reserve(&body, S_ANSWER_RESERVE_BYTES);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_codec_write_run_task_response(&body, value, diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_json_response_take(200, &body, request_id, response);
done:
    ecc_buf_clean_up(&body);
    return status;
}

enum ecc_status ecc_codec_build_error_response(
    const struct ecc_error_response_options *options, struct ecc_http_response *response, struct ecc_diag *diag) {
    const struct ecc_error_info *info = options->info;
    const char *type = options->type_name ? options->type_name : info ? info->name : NULL;
    if (!type) {
        ecc_diag_set(diag, "an error answer needs a table entry or a type name");
        return ECC_ERR_INVALID;
    }
    const char *message = options->message ? options->message : info ? info->summary : NULL;
    int status = options->http_status ? options->http_status : info ? info->http_status : 400;

    struct ecc_buf body;
    ecc_buf_init(&body, ECC_CODEC_DEFAULT_MAX_BODY_BYTES);
    struct ecc_json_writer w;
    ecc_json_writer_init(&w, &body, diag);
    bool first = true;
    ECC_JSON_WRITER_LITERAL(&w, "{");
    ecc_json_writer_string_member(&w, &first, "__type", type);
    ecc_json_writer_string_member(&w, &first, "message", message);
    if (options->resource_ids) {
        ECC_JSON_WRITER_LIST_MEMBER(&w, &first, "resourceIds", options->resource_ids, ecc_json_writer_string_item);
    }
    ECC_JSON_WRITER_LITERAL(&w, "}");
    enum ecc_status result = w.status; /* the writer latched its first failure */
    if (result != ECC_OK) {
        goto done;
    }
    result = s_json_response_take(status, &body, options->request_id, response);
done:
    ecc_buf_clean_up(&body);
    return result;
}

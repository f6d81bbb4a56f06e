/*
 * `ecsconf replay` (replay.h): a recording set sent again to an endpoint, session by session, each
 * request with the run's names and fresh clientTokens and a fresh signature, each answer compared with
 * the recorded one by meaning (compare.h), the verdicts as a report (report.h); the known-difference
 * lines that accept named differences; --update through recording.h.
 */
#include "ecc/replay.h"

#include "replay_internal.h"

#include "ecc/codec_request.h"
#include "ecc/errors.h"
#include "ecc/sigv4.h"
#include "ecc/vars.h"

#include <curl/curl.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Resources one session may leave to its cleanup. */
#define S_MAX_RESOURCES 256
/* How often a paced wait looks at Ctrl-C. */
#define S_PACE_SLICE_MS 100u

/* ---- known differences ---------------------------------------------------------------------------- */

struct s_known_line {
    char *id_glob;
    char *kind; /* a compare kind name or "*" */
    char *pointer_glob;
    char *reason;
    unsigned line;
    bool id_seen;  /* its id pattern matched a replayed exchange */
    bool accepted; /* it accepted a difference */
};

struct ecc_replay_known {
    char *file;
    struct s_known_line *lines;
    size_t count;
    size_t capacity;
};

void ecc_replay_known_destroy(struct ecc_replay_known *known) {
    if (!known) {
        return;
    }
    for (size_t i = 0; i < known->count; i++) {
        free(known->lines[i].id_glob);
        free(known->lines[i].kind);
        free(known->lines[i].pointer_glob);
        free(known->lines[i].reason);
    }
    free(known->lines);
    free(known->file);
    free(known);
}

static bool s_kind_known(const char *kind) {
    if (strcmp(kind, "*") == 0) {
        return true;
    }
    for (int k = ECC_DIFF_STATUS; k <= ECC_DIFF_RELATION; k++) {
        if (strcmp(kind, ecc_compare_kind_name((enum ecc_compare_kind)k)) == 0) {
            return true;
        }
    }
    return false;
}

/* One line into `known` (blank and comment lines add nothing). */
static enum ecc_status
s_known_parse_line(struct ecc_replay_known *known, char *text, unsigned line, struct ecc_diag *diag) {
    char *at = text + strspn(text, " \t");
    if (*at == '\0' || *at == '#') {
        return ECC_OK;
    }
    char *id = at;
    at += strcspn(at, " \t");
    if (*at) {
        *at++ = '\0';
    }
    at += strspn(at, " \t");
    char *kind = at;
    at += strcspn(at, " \t");
    if (*at) {
        *at++ = '\0';
    }
    char *reason = at + strspn(at, " \t");
    if (*kind == '\0' || *reason == '\0') {
        ecc_diag_set(diag, "expected '<fixture id glob> <kind>[@<pointer glob>] <reason>'");
        return ECC_ERR_INVALID;
    }
    char *pointer = strchr(kind, '@');
    if (pointer) {
        *pointer++ = '\0';
    }
    if (!s_kind_known(kind)) {
        ecc_diag_set(
            diag,
            "unknown kind '%.60s' (status, error-type, body-kind, missing, extra, type, length, value, shape, "
            "relation or *)",
            kind);
        return ECC_ERR_INVALID;
    }
    if (known->count >= ECC_REPLAY_MAX_KNOWN) {
        ecc_diag_set(diag, "more than %d lines", ECC_REPLAY_MAX_KNOWN);
        return ECC_ERR_LIMIT;
    }
    struct s_known_line *grown =
        ecc_array_grow(known->lines, &known->capacity, known->count, sizeof(*known->lines), 16, ECC_REPLAY_MAX_KNOWN);
    if (!grown) {
        return ECC_ERR_NOMEM;
    }
    known->lines = grown;
    struct s_known_line *item = &known->lines[known->count];
    memset(item, 0, sizeof(*item));
    item->line = line;
    item->id_glob = ecc_strdup(id);
    item->kind = ecc_strdup(kind);
    item->pointer_glob = ecc_strdup(pointer ? pointer : "*");
    item->reason = ecc_strdup(reason);
    known->count++;
    if (!item->id_glob || !item->kind || !item->pointer_glob || !item->reason) {
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

struct ecc_replay_known *ecc_replay_known_load(const char *file, struct ecc_diag *diag) {
    ecc_diag_clear(diag);
    struct ecc_replay_known *known = calloc(1, sizeof(*known));
    FILE *in = fopen(file, "r");
    char text[1024];
    unsigned line = 0;
    if (known) {
        known->file = ecc_strdup(file);
    }
    if (!known || !known->file) {
        ecc_diag_set(diag, "out of memory");
        goto on_error;
    }
    if (!in) {
        ecc_diag_set(diag, "cannot read %.300s", file);
        goto on_error;
    }
    while (fgets(text, sizeof(text), in)) {
        line++;
        size_t len = strlen(text);
        if (len == sizeof(text) - 1 && text[len - 1] != '\n') {
            ecc_diag_set(diag, "line longer than %zu bytes", sizeof(text) - 2);
            goto on_error;
        }
        text[strcspn(text, "\r\n")] = '\0';
        if (s_known_parse_line(known, text, line, diag) != ECC_OK) {
            goto on_error;
        }
    }
    fclose(in);
    return known;
on_error:
    if (line > 0) { /* a line of the file was read: the error is at it */
        snprintf(diag->source, sizeof(diag->source), "%s", file);
        diag->line = (int)line;
    }
    if (in) {
        fclose(in);
    }
    ecc_replay_known_destroy(known);
    return NULL;
}

/* The first line that accepts `diff` of exchange `id`, or NULL. */
static struct s_known_line *
s_known_find(struct ecc_replay_known *known, const char *id, const struct ecc_compare_diff *diff) {
    for (size_t i = 0; known && i < known->count; i++) {
        struct s_known_line *line = &known->lines[i];
        if (fnmatch(line->id_glob, id, 0) == 0 &&
            (strcmp(line->kind, "*") == 0 || strcmp(line->kind, ecc_compare_kind_name(diff->kind)) == 0) &&
            fnmatch(line->pointer_glob, diff->pointer, 0) == 0) {
            return line;
        }
    }
    return NULL;
}

static void s_known_mark_seen(struct ecc_replay_known *known, const char *id) {
    for (size_t i = 0; known && i < known->count; i++) {
        if (fnmatch(known->lines[i].id_glob, id, 0) == 0) {
            known->lines[i].id_seen = true;
        }
    }
}

/* ---- sessions ------------------------------------------------------------------------------------- */

void ecc_replay_session_of(const char *id, char *out, size_t size) {
    /* `<prefix>-NNNN-<operation>`: the last dash-free tail is the operation, before it four digits. */
    const char *tail = strrchr(id, '-');
    size_t prefix_len = strlen(id);
    if (tail && tail - id >= 6 && tail[-5] == '-' && tail - 5 > id) {
        bool digits = true;
        for (int i = 1; i <= 4; i++) {
            digits = digits && tail[-i] >= '0' && tail[-i] <= '9';
        }
        if (digits) {
            prefix_len = (size_t)(tail - 5 - id);
        }
    }
    snprintf(out, size, "%.*s", (int)prefix_len, id);
}

void ecc_replay_sessions_clean_up(struct ecc_replay_sessions *sessions) {
    for (size_t i = 0; i < sessions->count; i++) {
        free(sessions->items[i].items);
    }
    free(sessions->items);
    memset(sessions, 0, sizeof(*sessions));
}

static int s_fixture_cmp(const void *a, const void *b) {
    return strcmp((*(const struct ecc_fixture *const *)a)->id, (*(const struct ecc_fixture *const *)b)->id);
}

static int s_session_cmp(const void *a, const void *b) {
    return strcmp(((const struct ecc_replay_session *)a)->key, ((const struct ecc_replay_session *)b)->key);
}

enum ecc_status ecc_replay_sessions_build(const struct ecc_fixture_set *set, struct ecc_replay_sessions *sessions) {
    for (size_t i = 0; i < set->count; i++) {
        char key[ECC_SUITE_MAX_ID_LEN + 1];
        ecc_replay_session_of(set->items[i]->id, key, sizeof(key));
        struct ecc_replay_session *session = NULL;
        for (size_t s = 0; s < sessions->count && !session; s++) {
            if (strcmp(sessions->items[s].key, key) == 0) {
                session = &sessions->items[s];
            }
        }
        if (!session) {
            struct ecc_replay_session *grown = ecc_array_grow(
                sessions->items, &sessions->capacity, sessions->count, sizeof(*sessions->items), 8, SIZE_MAX / 2);
            if (!grown) {
                return ECC_ERR_NOMEM;
            }
            sessions->items = grown;
            session = &sessions->items[sessions->count++];
            memset(session, 0, sizeof(*session));
            snprintf(session->key, sizeof(session->key), "%s", key);
        }
        const struct ecc_fixture **grown = ecc_array_grow(
            session->items, &session->capacity, session->count, sizeof(*session->items), 8, SIZE_MAX / 2);
        if (!grown) {
            return ECC_ERR_NOMEM;
        }
        session->items = grown;
        session->items[session->count++] = set->items[i];
    }
    qsort(sessions->items, sessions->count, sizeof(*sessions->items), s_session_cmp);
    for (size_t s = 0; s < sessions->count; s++) {
        qsort(sessions->items[s].items, sessions->items[s].count, sizeof(*sessions->items[s].items), s_fixture_cmp);
    }
    return ECC_OK;
}

/* ---- names ---------------------------------------------------------------------------------------- */

/* The name part of a cluster or task definition reference: the ARN's resource after `kind/`, without a
 * `:revision` (given back in *revision, 0 when none). False when nothing usable is there. */
static bool s_reference_name(const char *text, const char *kind, char *out, size_t size, long *revision) {
    *revision = 0;
    const char *name = text;
    if (strncmp(text, "arn:", 4) == 0) {
        const char *slash = strstr(text, kind);
        if (!slash || slash[strlen(kind)] != '/') {
            return false;
        }
        name = slash + strlen(kind) + 1;
    }
    size_t len = strcspn(name, ":/");
    if (len == 0 || len >= size) {
        return false;
    }
    snprintf(out, size, "%.*s", (int)len, name);
    if (name[len] == ':') {
        char *end = NULL;
        long value = strtol(name + len + 1, &end, 10);
        if (end && *end == '\0' && value > 0) {
            *revision = value;
        }
    }
    return true;
}

static struct ecc_replay_name *s_names_add(struct ecc_replay_names *names, const char *name, bool is_cluster) {
    for (size_t i = 0; i < names->count; i++) {
        if (names->items[i].is_cluster == is_cluster && strcmp(names->items[i].name, name) == 0) {
            return &names->items[i];
        }
    }
    if (names->count == ECC_REPLAY_MAX_NAMES) {
        return NULL;
    }
    struct ecc_replay_name *item = &names->items[names->count++];
    memset(item, 0, sizeof(*item));
    snprintf(item->name, sizeof(item->name), "%s", name);
    item->is_cluster = is_cluster;
    return item;
}

/* The recorded error type of a fixture's answer ("" when none). */
void ecc_replay_recorded_error(const struct ecc_fixture *fixture, char *out, size_t size) {
    const json_t *response = json_object_get(fixture->root, "response");
    const json_t *body = json_object_get(response, "body");
    struct ecc_http_headers headers;
    ecc_http_headers_init(&headers);
    const char *name;
    json_t *value;
    json_object_foreach(json_object_get(response, "headers"), name, value) {
        if (ecc_http_headers_add(&headers, name, json_string_value(value)) != ECC_OK) {
            break;
        }
    }
    struct ecc_error_type type;
    struct ecc_diag diag;
    out[0] = '\0';
    if (ecc_errors_resolve_type(&headers, json_is_object(body) ? body : NULL, &type, &diag) == ECC_OK &&
        type.source != ECC_ERROR_TYPE_NONE) {
        snprintf(out, size, "%.*s", (int)type.name_len, type.name);
    }
    ecc_http_headers_clean_up(&headers);
}

/* Every cluster and family the session's requests name, and what the recording says of each. */
void ecc_replay_names_collect(const struct ecc_replay_session *session, struct ecc_replay_names *names) {
    names->count = 0;
    for (size_t i = 0; i < session->count; i++) {
        const struct ecc_fixture *fixture = session->items[i];
        if (!json_is_object(fixture->body)) {
            continue;
        }
        char error[130];
        ecc_replay_recorded_error(fixture, error, sizeof(error));
        char name[256];
        long revision = 0;
        const char *created_cluster = json_string_value(json_object_get(fixture->body, "clusterName"));
        const char *created_family = json_string_value(json_object_get(fixture->body, "family"));
        const char *cluster = json_string_value(json_object_get(fixture->body, "cluster"));
        const char *definition = json_string_value(json_object_get(fixture->body, "taskDefinition"));
        struct ecc_replay_name *item;
        if (strcmp(fixture->operation, "CreateCluster") == 0 && created_cluster &&
            s_reference_name(created_cluster, "cluster", name, sizeof(name), &revision) &&
            (item = s_names_add(names, name, true))) {
            item->created = true;
        }
        if (strcmp(fixture->operation, "RegisterTaskDefinition") == 0 && created_family &&
            s_reference_name(created_family, "task-definition", name, sizeof(name), &revision) &&
            (item = s_names_add(names, name, false))) {
            item->created = true;
        }
        if (cluster && s_reference_name(cluster, "cluster", name, sizeof(name), &revision) &&
            (item = s_names_add(names, name, true)) && strcmp(error, "ClusterNotFoundException") == 0) {
            item->must_not_exist = true;
        }
        if (definition && s_reference_name(definition, "task-definition", name, sizeof(name), &revision) &&
            (item = s_names_add(names, name, false))) {
            if (revision > item->revision) {
                item->revision = revision;
            }
            if (strcmp(error, "ClientException") == 0) {
                item->must_not_exist = true;
            }
        }
    }
}

json_t *ecc_replay_setup_body(const struct ecc_replay_name *name, const char *used) {
    if (name->is_cluster) {
        return json_pack("{s:s}", "clusterName", used);
    }
    return json_pack(
        "{s:s, s:[{s:s, s:s, s:i}]}",
        "family",
        used,
        "containerDefinitions",
        "name",
        "app",
        "image",
        "busybox",
        "memory",
        128);
}

/* ---- one replay ----------------------------------------------------------------------------------- */

enum s_kind { S_TASK, S_DEFINITION, S_CLUSTER };

struct s_resource {
    enum s_kind kind;
    char cluster[300]; /* tasks: the cluster they run in */
    char name[1024];   /* task ARN, task-definition ARN, cluster name */
};

struct s_run {
    const struct ecc_replay_options *options;
    struct ecc_replay_known *known;
    struct ecc_run_report *report;
    struct ecc_transport *transport;
    struct ecc_sigv4_signer *signer;
    char host[300];
    uint64_t rng;
    int cancel_level; /* the interrupt level that cancels requests in flight: 1, then 2 in cleanups */
    size_t done;
    size_t total;
    uint64_t previous_answer_ms; /* when the previous exchange of the session ended (pacing) */
    /* The session being replayed. */
    struct ecc_compare_context context;
    struct s_resource *resources;
    size_t resource_count;
    struct ecc_buf warnings;
    bool warnings_dropped; /* a warning did not fit the capped buffer: said at the end of the list */
};

static bool s_cancel(void *user_data) {
    struct s_run *run = user_data;
    return run->options->interrupted && *run->options->interrupted >= run->cancel_level;
}

static bool s_interrupted(const struct s_run *run) {
    return run->options->interrupted && *run->options->interrupted;
}

/* The request line and headers: those of `fixture` (but its Host) when given, else the AWS JSON 1.1
 * envelope of `operation`. */
static enum ecc_status
s_set_head(const struct ecc_fixture *fixture, const char *operation, struct ecc_http_request *request) {
    if (!fixture) {
        char target[128];
        snprintf(target, sizeof(target), ECC_AWS_JSON_TARGET_PREFIX ".%s", operation);
        enum ecc_status status = ecc_http_request_set_line(request, "POST", "/", "");
        if (status != ECC_OK) {
            return status;
        }
        status = ecc_http_headers_add(&request->headers, "Content-Type", ECC_AWS_JSON_CONTENT_TYPE);
        if (status != ECC_OK) {
            return status;
        }
        return ecc_http_headers_add(&request->headers, "X-Amz-Target", target);
    }
    enum ecc_status status = ecc_http_request_set_line(request, fixture->method, fixture->path, fixture->query);
    if (status != ECC_OK) {
        return status;
    }
    const char *name;
    json_t *value;
    json_object_foreach((json_t *)fixture->headers, name, value) {
        if (ecc_http_name_equal(name, "Host")) {
            continue;
        }
        status = ecc_http_headers_add(&request->headers, name, json_string_value(value));
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* The whole request of s_send, signed. */
static enum ecc_status s_build_request(
    struct s_run *run,
    const struct ecc_fixture *fixture,
    const char *operation,
    const char *body,
    struct ecc_http_request *request,
    struct ecc_diag *diag) {
    enum ecc_status status = s_set_head(fixture, operation, request);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_http_headers_add(&request->headers, "Host", run->host);
    if (status != ECC_OK) {
        return status;
    }
    if (body) {
        status = ecc_http_request_set_body(request, body, strlen(body));
        if (status != ECC_OK) {
            return status;
        }
    }
    struct ecc_sigv4_sign_options sign = {
        .credentials = run->options->credentials,
        .region = run->options->region,
        .service = "ecs",
    };
    return ecc_sigv4_signer_sign(run->signer, request, &sign, diag);
}

/* Builds, signs and sends one request: `target` the operation, `body` JSON text (or `text` raw), the
 * headers of `fixture` when given, else the AWS JSON 1.1 envelope. */
static enum ecc_transport_error s_send(
    struct s_run *run,
    const struct ecc_fixture *fixture,
    const char *operation,
    const char *body,
    struct ecc_http_request *request,
    struct ecc_http_response *response,
    struct ecc_transport_result *result) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = s_build_request(run, fixture, operation, body, request, &diag);
    if (status != ECC_OK) {
        memset(result, 0, sizeof(*result));
        result->error = ECC_TRANSPORT_ERR_OTHER;
        snprintf(
            result->message,
            sizeof(result->message),
            "cannot build the request: %.400s",
            diag.text[0] ? diag.text : ecc_status_name(status));
        return result->error;
    }
    return ecc_transport_send(run->transport, run->options->endpoint_url, request, response, result);
}

/* A call of ours (setup, cleanup): body from a format; the answer's JSON body (new reference) in
 * *answer when asked for. Returns the HTTP status, or 0 with the transport's message in `why`. */
static int s_call(struct s_run *run, const char *operation, json_t *body, json_t **answer, char *why, size_t why_size) {
    struct ecc_http_request request;
    struct ecc_http_response response;
    struct ecc_transport_result result;
    ecc_http_request_init(&request);
    ecc_http_response_init(&response);
    char *text = json_dumps(body, JSON_COMPACT);
    int status = 0;
    if (!text) {
        snprintf(why, why_size, "out of memory");
    } else if (s_send(run, NULL, operation, text, &request, &response, &result) != ECC_TRANSPORT_OK) {
        snprintf(why, why_size, "%.250s", result.message);
    } else {
        status = response.status;
        snprintf(why, why_size, "HTTP %d: %.200s", response.status, response.body ? (const char *)response.body : "");
        if (answer) {
            *answer = json_loadb((const char *)response.body, response.body_len, JSON_REJECT_DUPLICATES, NULL);
        }
    }
    free(text);
    ecc_http_request_clean_up(&request);
    ecc_http_response_clean_up(&response);
    return status;
}

static void s_warn(struct s_run *run, const char *fmt, ...) ECC_PRINTF(2, 3);

static void s_warn(struct s_run *run, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    enum ecc_status status = ecc_buf_vprintf(&run->warnings, fmt, args);
    va_end(args);
    if (status != ECC_OK) {
        run->warnings_dropped = true;
        return;
    }
    if (ecc_buf_append_byte(&run->warnings, '\n') != ECC_OK) {
        run->warnings_dropped = true;
    }
}

static void s_track(struct s_run *run, enum s_kind kind, const char *cluster, const char *name) {
    for (size_t i = 0; i < run->resource_count; i++) {
        if (run->resources[i].kind == kind && strcmp(run->resources[i].name, name) == 0) {
            return;
        }
    }
    if (run->resource_count == S_MAX_RESOURCES) {
        s_warn(run, "more than %d resources to clean up: %s is left", S_MAX_RESOURCES, name);
        return;
    }
    struct s_resource *item = &run->resources[run->resource_count++];
    item->kind = kind;
    snprintf(item->cluster, sizeof(item->cluster), "%s", cluster ? cluster : "");
    snprintf(item->name, sizeof(item->name), "%s", name);
}

static void s_untrack(struct s_run *run, enum s_kind kind, const char *name) {
    for (size_t i = 0; i < run->resource_count; i++) {
        if (run->resources[i].kind == kind && strcmp(run->resources[i].name, name) == 0) {
            run->resources[i] = run->resources[--run->resource_count];
            return;
        }
    }
}

/* What an answered exchange started, created or removed, for the session's cleanup. */
static void s_follow(struct s_run *run, const char *operation, const json_t *sent, const json_t *answer) {
    const char *cluster = json_string_value(json_object_get(sent, "cluster"));
    if (strcmp(operation, "CreateCluster") == 0) {
        const char *name = json_string_value(json_object_get(json_object_get(answer, "cluster"), "clusterName"));
        if (name) {
            s_track(run, S_CLUSTER, NULL, name);
        }
    } else if (strcmp(operation, "DeleteCluster") == 0 && cluster) {
        s_untrack(run, S_CLUSTER, cluster);
    } else if (strcmp(operation, "RegisterTaskDefinition") == 0) {
        const char *arn =
            json_string_value(json_object_get(json_object_get(answer, "taskDefinition"), "taskDefinitionArn"));
        if (arn) {
            s_track(run, S_DEFINITION, NULL, arn);
        }
    } else if (strcmp(operation, "DeregisterTaskDefinition") == 0) {
        const char *arn =
            json_string_value(json_object_get(json_object_get(answer, "taskDefinition"), "taskDefinitionArn"));
        if (arn) {
            s_untrack(run, S_DEFINITION, arn);
        }
    } else if (strcmp(operation, "RunTask") == 0) {
        size_t i;
        json_t *task;
        json_array_foreach(json_object_get(answer, "tasks"), i, task) {
            const char *arn = json_string_value(json_object_get(task, "taskArn"));
            const char *in = json_string_value(json_object_get(task, "clusterArn"));
            if (arn) {
                s_track(run, S_TASK, in ? in : cluster, arn);
            }
        }
    } else if (strcmp(operation, "StopTask") == 0) {
        const char *arn = json_string_value(json_object_get(json_object_get(answer, "task"), "taskArn"));
        if (arn) {
            s_untrack(run, S_TASK, arn);
        }
    }
}

/* The run's name for a recorded one. */
static void s_used_name(const struct s_run *run, const char *name, char *out, size_t size) {
    if (strcmp(name, "default") == 0) {
        snprintf(out, size, "%s", name);
    } else {
        snprintf(out, size, "%s-%.200s", run->options->prefix, name);
    }
}

/* Binds the session's names and creates what it uses without creating (replay.h). */
static enum ecc_status s_setup(struct s_run *run, const struct ecc_replay_names *names) {
    for (size_t i = 0; i < names->count; i++) {
        char used[300];
        s_used_name(run, names->items[i].name, used, sizeof(used));
        enum ecc_status status = ecc_compare_context_add_name(&run->context, names->items[i].name, used);
        if (status != ECC_OK) {
            return status;
        }
    }
    for (size_t i = 0; i < names->count && !s_interrupted(run); i++) {
        const struct ecc_replay_name *name = &names->items[i];
        if (name->created || name->must_not_exist) {
            continue;
        }
        char used[300], why[300];
        s_used_name(run, name->name, used, sizeof(used));
        if (name->is_cluster) {
            json_t *body = ecc_replay_setup_body(name, used);
            int status = body ? s_call(run, "CreateCluster", body, NULL, why, sizeof(why)) : 0;
            json_decref(body);
            if (status == 200) {
                if (strcmp(used, "default") != 0) {
                    s_track(run, S_CLUSTER, NULL, used);
                }
            } else {
                s_warn(run, "setup: CreateCluster %s: %s", used, why);
            }
            continue;
        }
        long revisions = name->revision > 0 ? name->revision : 1;
        if (revisions > ECC_REPLAY_MAX_REVISION) {
            s_warn(
                run,
                "setup: %s:%ld is past the %d revisions setup registers",
                used,
                revisions,
                ECC_REPLAY_MAX_REVISION);
            revisions = ECC_REPLAY_MAX_REVISION;
        }
        for (long r = 0; r < revisions; r++) {
            json_t *body = ecc_replay_setup_body(name, used);
            json_t *answer = NULL;
            int status = body ? s_call(run, "RegisterTaskDefinition", body, &answer, why, sizeof(why)) : 0;
            if (status == 200) {
                s_follow(run, "RegisterTaskDefinition", body, answer);
            } else {
                s_warn(run, "setup: RegisterTaskDefinition %s: %s", used, why);
            }
            json_decref(body);
            json_decref(answer);
            if (status != 200) {
                break;
            }
        }
    }
    return ECC_OK;
}

/* Removes what the session left: tasks, then task definitions, then clusters. */
static void s_cleanup(struct s_run *run) {
    run->cancel_level = 2;
    static const enum s_kind order[] = {S_TASK, S_DEFINITION, S_CLUSTER};
    static const char *const operations[] = {"StopTask", "DeregisterTaskDefinition", "DeleteCluster"};
    for (size_t o = 0; o < ECC_ARRAY_LEN(order); o++) {
        for (size_t i = 0; i < run->resource_count; i++) {
            const struct s_resource *item = &run->resources[i];
            if (item->kind != order[o] || (run->options->interrupted && *run->options->interrupted >= 2)) {
                continue;
            }
            json_t *body = item->kind == S_TASK ? json_pack("{s:s, s:s}", "cluster", item->cluster, "task", item->name)
                           : item->kind == S_DEFINITION ? json_pack("{s:s}", "taskDefinition", item->name)
                                                        : json_pack("{s:s}", "cluster", item->name);
            char why[300];
            int status = body ? s_call(run, operations[o], body, NULL, why, sizeof(why)) : 0;
            json_decref(body);
            if (status != 200) {
                s_warn(run, "cleanup: %s %s: %s", operations[o], item->name, why);
            }
        }
    }
    run->resource_count = 0;
    run->cancel_level = 1;
}

/* A fresh clientToken for a recorded one (replay.h), bound in the context. */
static enum ecc_status s_bind_token(struct s_run *run, const json_t *body) {
    const char *token = json_string_value(json_object_get(body, "clientToken"));
    if (!token || json_string_value(json_object_get(run->context.ids, token))) {
        return ECC_OK;
    }
    char fresh[300];
    size_t len = strlen(token);
    if (len == 36 && token[8] == '-' && token[13] == '-' && token[18] == '-' && token[23] == '-') {
        uint8_t bytes[16];
        for (size_t i = 0; i < sizeof(bytes); i += 8) {
            uint64_t value = ecc_vars_rng_next(&run->rng);
            memcpy(bytes + i, &value, 8);
        }
        ecc_uuid4_format(bytes, fresh);
    } else if (len >= 8 && len < sizeof(fresh)) {
        snprintf(fresh, sizeof(fresh), "%.8s%s", run->options->prefix + 3, token + 8);
    } else {
        return ECC_OK; /* too short to vary without changing its meaning */
    }
    return ecc_compare_context_add_id(&run->context, token, fresh);
}

/* The fixture's recorded answer as compare.h reads it; `headers` filled (the caller cleans it up). */
static void
s_recorded_answer(const struct ecc_fixture *fixture, struct ecc_http_headers *headers, struct ecc_compare_answer *out) {
    const json_t *response = json_object_get(fixture->root, "response");
    const char *name;
    json_t *value;
    json_object_foreach(json_object_get(response, "headers"), name, value) {
        if (ecc_http_headers_add(headers, name, json_string_value(value)) != ECC_OK) {
            break;
        }
    }
    out->status = fixture->response_status;
    out->headers = headers;
    out->body = json_object_get(response, "body");
    out->text = json_string_value(json_object_get(response, "body_text"));
}

/* `value` with the run's names turned back into the recorded ones, as compact JSON text (the caller
 * frees it), or NULL when out of memory. */
static char *s_map_back(const struct ecc_compare_context *back, const json_t *value) {
    json_t *mapped = ecc_compare_context_apply(back, value);
    char *text = mapped ? json_dumps(mapped, JSON_COMPACT) : NULL;
    json_decref(mapped);
    return text;
}

/* The exchange with the run's names turned back into the recorded ones, into `request_back` and
 * `response_back` (the caller cleans them up). */
static enum ecc_status s_map_exchange_back(
    struct s_run *run,
    struct ecc_compare_context *back,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    const json_t *sent,
    const json_t *answer,
    struct ecc_http_request *request_back,
    struct ecc_http_response *response_back) {
    enum ecc_status status = ECC_OK;
    const char *recorded;
    json_t *used;
    json_object_foreach(run->context.names, recorded, used) {
        if (strcmp(recorded, json_string_value(used)) == 0) {
            continue;
        }
        status = ecc_compare_context_add_name(back, json_string_value(used), recorded);
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_http_request_copy(request_back, request);
    if (status != ECC_OK) {
        return status;
    }
    if (sent) {
        char *text = s_map_back(back, sent);
        status = text ? ecc_http_request_set_body(request_back, text, strlen(text)) : ECC_ERR_NOMEM;
        free(text);
        if (status != ECC_OK) {
            return status;
        }
    }
    response_back->status = response->status;
    status = ecc_http_headers_copy(&response_back->headers, &response->headers);
    if (status != ECC_OK) {
        return status;
    }
    if (!answer) {
        return ecc_http_response_set_body(response_back, response->body, response->body_len);
    }
    char *text = s_map_back(back, answer);
    status = text ? ecc_http_response_set_body(response_back, text, strlen(text)) : ECC_ERR_NOMEM;
    free(text);
    return status;
}

/* Writes the exchange back into the set under its id, the run's names turned back into the recorded. */
static enum ecc_status s_update(
    struct s_run *run,
    const struct ecc_fixture *fixture,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    const json_t *sent,
    const json_t *answer,
    struct ecc_diag *diag) {
    struct ecc_compare_context back;
    enum ecc_status status = ecc_compare_context_init(&back);
    if (status != ECC_OK) {
        return status;
    }
    struct ecc_http_request request_back;
    struct ecc_http_response response_back;
    ecc_http_request_init(&request_back);
    ecc_http_response_init(&response_back);
    status = s_map_exchange_back(run, &back, request, response, sent, answer, &request_back, &response_back);
    if (status != ECC_OK) {
        ecc_diag_set(diag, "cannot rewrite %s: %s", fixture->id, ecc_status_name(status));
        goto done;
    }
    status = ecc_recording_put(run->options->update, fixture->id, &request_back, &response_back, diag);
done:
    ecc_http_request_clean_up(&request_back);
    ecc_http_response_clean_up(&response_back);
    ecc_compare_context_clean_up(&back);
    return status;
}

/* Appends a copy of `diff` to `into` (its values shared), unless `into` holds ECC_COMPARE_MAX_DIFFS. */
static enum ecc_status s_keep_diff(struct ecc_compare_result *into, const struct ecc_compare_diff *diff) {
    if (into->count >= ECC_COMPARE_MAX_DIFFS) {
        return ECC_OK;
    }
    struct ecc_compare_diff *grown =
        ecc_array_grow(into->diffs, &into->capacity, into->count, sizeof(*into->diffs), 4, ECC_COMPARE_MAX_DIFFS);
    if (!grown) {
        return ECC_ERR_NOMEM;
    }
    into->diffs = grown;
    into->diffs[into->count] = *diff;
    into->diffs[into->count].recorded = diff->recorded ? json_incref(diff->recorded) : NULL;
    into->diffs[into->count].answered = diff->answered ? json_incref(diff->answered) : NULL;
    into->count++;
    return ECC_OK;
}

/* Sorts the differences into those a known line accepts (its reason added to `reason`) and the others. */
static enum ecc_status s_sort_diffs(
    struct s_run *run,
    const struct ecc_fixture *fixture,
    const struct ecc_compare_result *diffs,
    struct ecc_compare_result *unknown,
    struct ecc_compare_result *known,
    struct ecc_buf *reason) {
    for (size_t i = 0; i < diffs->count; i++) {
        const struct ecc_compare_diff *diff = &diffs->diffs[i];
        struct s_known_line *line = s_known_find(run->known, fixture->id, diff);
        if (line) {
            line->accepted = true;
        }
        if (line && !strstr(reason->data ? reason->data : "", line->reason)) {
            enum ecc_status status = ecc_buf_printf(reason, "%s%s", reason->len ? "; " : "known: ", line->reason);
            if (status != ECC_OK) {
                return status;
            }
        }
        enum ecc_status status = s_keep_diff(line ? known : unknown, diff);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* The verdict of one compared exchange: known lines accept differences; the detail lists both kinds. */
static enum ecc_status s_judge(
    struct s_run *run,
    const struct ecc_fixture *fixture,
    const struct ecc_compare_result *diffs,
    struct ecc_case_report *item,
    struct ecc_buf *reason,
    struct ecc_buf *detail) {
    struct ecc_compare_result unknown, known;
    ecc_compare_result_init(&unknown);
    ecc_compare_result_init(&known);
    enum ecc_status status = s_sort_diffs(run, fixture, diffs, &unknown, &known, reason);
    if (status != ECC_OK) {
        goto done;
    }
    if (unknown.count || diffs->not_listed) {
        item->result = ECC_RESULT_FAIL;
        ecc_buf_reset(reason);
        const struct ecc_compare_diff *first = unknown.count ? &unknown.diffs[0] : &diffs->diffs[0];
        status = ecc_buf_printf(
            reason,
            "%zu difference%s not known; first: [%s] %s%s%s",
            unknown.count + diffs->not_listed,
            unknown.count + diffs->not_listed == 1 ? "" : "s",
            ecc_compare_kind_name(first->kind),
            first->pointer,
            first->pointer[0] ? ": " : "",
            first->message);
        if (status != ECC_OK) {
            goto done;
        }
        status = ecc_compare_format(&unknown, "difference", detail);
        if (status != ECC_OK) {
            goto done;
        }
    } else {
        item->result = known.count ? ECC_RESULT_XFAIL : ECC_RESULT_PASS;
    }
    if (known.count) {
        status = ecc_compare_format(&known, "known difference", detail);
    }
done:
    ecc_compare_result_clean_up(&unknown);
    ecc_compare_result_clean_up(&known);
    return status;
}

static enum ecc_status s_add_item(struct s_run *run, struct ecc_case_report *item) {
    enum ecc_status status = ecc_run_report_add(run->report, item);
    run->done++;
    if (status != ECC_OK) {
        return status;
    }
    if (run->options->on_item) {
        run->options->on_item(run->options->user_data, item, run->done, run->total);
    }
    return ECC_OK;
}

int64_t ecc_replay_recorded_date_s(const struct ecc_fixture *fixture) {
    const char *name;
    json_t *value;
    json_object_foreach(json_object_get(json_object_get(fixture->root, "response"), "headers"), name, value) {
        if (ecc_http_name_equal(name, "Date") && json_is_string(value)) {
            time_t when = curl_getdate(json_string_value(value), NULL);
            return when < 0 ? -1 : (int64_t)when;
        }
    }
    return -1;
}

static bool s_pace_stop(void *user_data) {
    return s_interrupted(user_data);
}

/* Pacing: before an exchange, wait as long as the recording did between the two answers (their Date
 * headers, whole seconds), at most `max_wait_ms`, less what the replay already spent since the previous
 * answer; so a task has had the time to move on as it had when it was recorded. Ctrl-C ends the wait. */
static void s_pace(struct s_run *run, const struct ecc_fixture *previous, const struct ecc_fixture *next) {
    int64_t before = previous ? ecc_replay_recorded_date_s(previous) : -1, after = ecc_replay_recorded_date_s(next);
    if (!run->options->max_wait_ms || before < 0 || after <= before) {
        return;
    }
    uint64_t wait_ms = (uint64_t)(after - before) * 1000u;
    wait_ms = wait_ms < run->options->max_wait_ms ? wait_ms : run->options->max_wait_ms;
    (void)ecc_sleep_until_ms(run->previous_answer_ms + wait_ms, S_PACE_SLICE_MS, s_pace_stop, run);
}

/* The texts a replayed exchange's verdict carries; `reason` and `detail` are filled by the judging. */
struct s_verdict_text {
    struct ecc_buf reason;
    struct ecc_buf detail;
};

/* Compares the fresh answer with the recorded one and judges it into `item` and `text`; then follows
 * the names a success answered with and, on --update, stores the exchange again. */
static enum ecc_status s_judge_answer(
    struct s_run *run,
    const struct ecc_fixture *fixture,
    const json_t *sent,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    struct ecc_case_report *item,
    struct s_verdict_text *text) {
    struct ecc_http_headers recorded_headers;
    struct ecc_compare_result diffs;
    ecc_http_headers_init(&recorded_headers);
    ecc_compare_result_init(&diffs);
    char *answer_text = NULL;
    enum ecc_status status = ECC_OK;
    json_t *answer = json_loadb((const char *)response->body, response->body_len, JSON_REJECT_DUPLICATES, NULL);
    if (!answer && response->body_len) {
        answer_text = malloc(response->body_len + 1);
        if (!answer_text) {
            status = ECC_ERR_NOMEM;
            goto done;
        }
        memcpy(answer_text, response->body, response->body_len);
        answer_text[response->body_len] = '\0';
    }
    struct ecc_compare_answer recorded = {0};
    s_recorded_answer(fixture, &recorded_headers, &recorded);
    struct ecc_compare_answer answered = {
        .status = response->status, .headers = &response->headers, .body = answer, .text = answer_text};
    status = ecc_compare_answers(&run->context, &recorded, &answered, &diffs);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_judge(run, fixture, &diffs, item, &text->reason, &text->detail);
    if (status != ECC_OK) {
        goto done;
    }
    if (response->status == 200 && json_is_object(answer)) {
        s_follow(run, fixture->operation, sent, answer);
    }
    if (run->options->update) {
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        if (s_update(run, fixture, request, response, sent, answer, &diag) != ECC_OK) {
            s_warn(run, "--update: %s", diag.text);
        }
    }
done:
    json_decref(answer);
    free(answer_text);
    ecc_compare_result_clean_up(&diffs);
    ecc_http_headers_clean_up(&recorded_headers);
    return status;
}

/* Adds the exchange's verdict to the report, with a reproducer for a failure and the warnings gathered
 * since the last one; after a session's last exchange, removes what the session left. */
static enum ecc_status s_report_exchange(
    struct s_run *run,
    const struct ecc_http_request *request,
    struct ecc_case_report *item,
    const struct s_verdict_text *text,
    uint64_t started_ms,
    bool last) {
    struct ecc_buf reproducer;
    ecc_buf_init(&reproducer, 64 * 1024);
    char *warnings = NULL;
    enum ecc_status status = ECC_OK;
    if (item->result == ECC_RESULT_FAIL) {
        status = ecc_transport_format_curl(run->options->endpoint_url, request, &reproducer);
        if (status != ECC_OK) {
            goto done;
        }
    }
    if (last) {
        s_cleanup(run);
    }
    item->reason = text->reason.len ? text->reason.data : NULL;
    item->detail = text->detail.len ? text->detail.data : NULL;
    item->reproducer = reproducer.len ? reproducer.data : NULL;
    if (run->warnings_dropped) {
        /* The buffer is full: the note goes into a copy of what was kept. */
        size_t size = run->warnings.len + 64;
        warnings = malloc(size);
        if (!warnings) {
            status = ECC_ERR_NOMEM;
            goto done;
        }
        snprintf(warnings, size, "%s(more warnings were not kept)\n", run->warnings.data ? run->warnings.data : "");
        run->warnings_dropped = false;
    }
    item->warnings = warnings ? warnings : run->warnings.len ? run->warnings.data : NULL;
    item->duration_ms = ecc_monotonic_ms() - started_ms;
    status = s_add_item(run, item);
    ecc_buf_reset(&run->warnings);
done:
    free(warnings);
    ecc_buf_clean_up(&reproducer);
    return status;
}

/* One exchange: its request with the run's names and tokens, sent, compared, judged, reported. */
static enum ecc_status
s_exchange(struct s_run *run, const char *session, const struct ecc_fixture *fixture, bool last) {
    struct ecc_http_request request;
    struct ecc_http_response response;
    struct ecc_transport_result result;
    struct s_verdict_text text;
    ecc_http_request_init(&request);
    ecc_http_response_init(&response);
    ecc_buf_init(&text.reason, 2048);
    ecc_buf_init(&text.detail, 64 * 1024);
    json_t *sent = NULL;
    char *body_text = NULL;
    char title[200];
    snprintf(title, sizeof(title), "%s, recorded %d", fixture->operation, fixture->response_status);
    struct ecc_case_report item = {
        .id = (char *)fixture->id,
        .group = (char *)session,
        .title = title,
        .description = (char *)json_string_value(json_object_get(fixture->root, "description")),
    };
    uint64_t started_ms = ecc_monotonic_ms();
    enum ecc_status status = ECC_OK;

    if (fixture->body) {
        /* Every way the body cannot be made, a token that cannot be bound included, is ECC_ERR_NOMEM. */
        if (s_bind_token(run, fixture->body) != ECC_OK) {
            status = ECC_ERR_NOMEM;
            goto done;
        }
        sent = ecc_compare_context_apply(&run->context, fixture->body);
        body_text = sent ? json_dumps(sent, JSON_COMPACT) : NULL;
        if (!body_text) {
            status = ECC_ERR_NOMEM;
            goto done;
        }
    }
    const char *raw = fixture->body_text;
    if (s_send(run, fixture, fixture->operation, body_text ? body_text : raw, &request, &response, &result) ==
        ECC_TRANSPORT_OK) {
        status = s_judge_answer(run, fixture, sent, &request, &response, &item, &text);
    } else {
        item.result = ECC_RESULT_FAIL;
        status =
            ecc_buf_printf(&text.reason, "no answer (%s): %s", ecc_transport_error_name(result.error), result.message);
    }
    if (status != ECC_OK) {
        goto done;
    }
    status = s_report_exchange(run, &request, &item, &text, started_ms, last);
done:
    json_decref(sent);
    free(body_text);
    ecc_buf_clean_up(&text.reason);
    ecc_buf_clean_up(&text.detail);
    ecc_http_request_clean_up(&request);
    ecc_http_response_clean_up(&response);
    return status;
}

static bool s_is_recording(const struct ecc_fixture *fixture) {
    const char *from = json_string_value(json_object_get(json_object_get(fixture->root, "recorded"), "from"));
    return from && strcmp(from, "hand-written") != 0;
}

static enum ecc_status s_session(struct s_run *run, const struct ecc_replay_session *session) {
    enum ecc_status status = ecc_compare_context_init(&run->context);
    if (status != ECC_OK) {
        return status;
    }
    struct ecc_replay_names names;
    ecc_replay_names_collect(session, &names);
    status = s_setup(run, &names);
    if (status != ECC_OK) {
        goto done;
    }
    for (size_t i = 0; i < session->count && !s_interrupted(run); i++) {
        const struct ecc_fixture *fixture = session->items[i];
        if (!s_is_recording(fixture)) {
            char title[200];
            snprintf(title, sizeof(title), "%s, hand-written", fixture->operation);
            struct ecc_case_report item = {
                .id = (char *)fixture->id,
                .group = (char *)session->key,
                .title = title,
                .result = ECC_RESULT_SKIP,
                .reason = "written by hand from the documentation, not recorded: no answer to compare with",
            };
            status = s_add_item(run, &item);
            if (status != ECC_OK) {
                goto done;
            }
            continue;
        }
        s_known_mark_seen(run->known, fixture->id);
        s_pace(run, i ? session->items[i - 1] : NULL, fixture);
        status = s_exchange(run, session->key, fixture, i + 1 == session->count);
        run->previous_answer_ms = ecc_monotonic_ms();
        if (status != ECC_OK) {
            goto done;
        }
    }
done:
    if (run->resource_count) {
        s_cleanup(run); /* interrupted, or the last exchange was not replayed */
    }
    ecc_buf_reset(&run->warnings);
    ecc_compare_context_clean_up(&run->context);
    return status;
}

/* A stale known line: its exchanges were replayed and it accepted nothing. */
static enum ecc_status s_report_stale(struct s_run *run) {
    if (!run->known) {
        return ECC_OK;
    }
    for (size_t i = 0; i < run->known->count; i++) {
        const struct s_known_line *line = &run->known->lines[i];
        if (!line->id_seen || line->accepted) {
            continue;
        }
        char id[300], reason[600];
        const char *base = strrchr(run->known->file, '/');
        snprintf(id, sizeof(id), "%s:%u", base ? base + 1 : run->known->file, line->line);
        snprintf(
            reason,
            sizeof(reason),
            "known difference not seen: '%s %s@%s' accepted no difference of the exchanges it names (fixed? "
            "remove the line)",
            line->id_glob,
            line->kind,
            line->pointer_glob);
        struct ecc_case_report item = {
            .id = id,
            .group = "known",
            .title = line->reason,
            .result = ECC_RESULT_FAIL,
            .reason = reason,
        };
        enum ecc_status status = s_add_item(run, &item);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* Every session in turn, then the stale known lines (or the stop of an interrupted replay). */
static enum ecc_status
s_replay_sessions(struct s_run *run, const struct ecc_fixture_set *set, struct ecc_replay_sessions *sessions) {
    enum ecc_status status = ecc_replay_sessions_build(set, sessions);
    run->total = set->count;
    if (status != ECC_OK) {
        return status;
    }
    for (size_t s = 0; s < sessions->count && !s_interrupted(run); s++) {
        status = s_session(run, &sessions->items[s]);
        if (status != ECC_OK) {
            return status;
        }
    }
    if (s_interrupted(run)) {
        return ecc_run_report_set_stop(
            run->report, ECC_RUN_STOP_INTERRUPTED, "Ctrl-C: the exchanges left were not replayed");
    }
    return s_report_stale(run);
}

enum ecc_status ecc_replay_run(
    const struct ecc_fixture_set *set,
    const struct ecc_replay_options *options,
    struct ecc_run_report *report,
    struct ecc_diag *diag) {
    ecc_diag_clear(diag);
    if (!options->endpoint_url || !options->region || !options->credentials || !options->prefix ||
        strlen(options->prefix) < 11) {
        ecc_diag_set(diag, "a replay needs an endpoint, a region, credentials and a run prefix");
        return ECC_ERR_INVALID;
    }
    struct s_run run = {.options = options, .report = report, .cancel_level = 1, .rng = options->seed};
    struct ecc_replay_sessions sessions = {0};
    ecc_buf_init(&run.warnings, 16 * 1024);
    run.known = (struct ecc_replay_known *)options->known;
    enum ecc_status status = ecc_transport_endpoint_host(options->endpoint_url, run.host, sizeof(run.host), diag);
    if (status != ECC_OK) {
        goto done;
    }
    struct ecc_transport_options transport_options = options->transport;
    ecc_transport_options_set_timeout(&transport_options, options->transport.timeout_ms);
    run.transport = ecc_transport_new(&transport_options, diag);
    run.signer = ecc_sigv4_signer_new();
    run.resources = calloc(S_MAX_RESOURCES, sizeof(*run.resources));
    if (!run.transport || !run.signer || !run.resources) {
        status = run.transport ? ECC_ERR_NOMEM : ECC_ERR_INVALID;
        if (status == ECC_ERR_NOMEM) {
            ecc_diag_set(diag, "out of memory");
        }
        goto done;
    }
    ecc_transport_set_cancel(run.transport, s_cancel, &run);
    for (size_t i = 0; run.known && i < run.known->count; i++) {
        run.known->lines[i].id_seen = false;
        run.known->lines[i].accepted = false;
    }
    status = s_replay_sessions(&run, set, &sessions);
    if (status != ECC_OK) {
        ecc_diag_set(diag, "the replay stopped: %s", ecc_status_name(status));
    }
done:
    ecc_replay_sessions_clean_up(&sessions);
    ecc_buf_clean_up(&run.warnings);
    free(run.resources);
    ecc_sigv4_signer_destroy(run.signer);
    ecc_transport_destroy(run.transport);
    return status;
}

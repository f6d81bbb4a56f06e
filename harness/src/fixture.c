/*
 * The fixture loader (fixture.h, fixtures/README.md): one recorded exchange a file, read strictly (unknown
 * members are errors, secrets refused, X-Amz-Target checked against the operation through the codec's
 * reader), and the fixture set a suite resolves its references against. Also the suite-file helpers
 * the case loader shares (suite_internal.h).
 */
#include "ecc/fixture.h"

#include "ecc/codec_request.h"
#include "ecc/http.h"
#include "suite_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const ecc_suite_operations[] = {
    "RunTask",
    "CreateCluster",
    "DeleteCluster",
    "RegisterTaskDefinition",
    "DeregisterTaskDefinition",
    "ListTasks",
    "DescribeTasks",
    "StopTask",
};
const size_t ecc_suite_operation_count = ECC_ARRAY_LEN(ecc_suite_operations);

bool ecc_suite_operation_known(const char *name) {
    for (size_t i = 0; i < ecc_suite_operation_count; i++) {
        if (strcmp(name, ecc_suite_operations[i]) == 0) {
            return true;
        }
    }
    return false;
}

bool ecc_suite_id_valid(const char *id) {
    size_t len = strlen(id);
    if (len == 0 || len > ECC_SUITE_MAX_ID_LEN || id[0] == '-') {
        return false;
    }
    for (const char *c = id; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) {
            return false;
        }
    }
    return true;
}

/* ---- shared strict reads (suite_internal.h) ------------------------------------------------------- */

enum ecc_status ecc_suite_get_typed(
    const json_t *object,
    const char *key,
    bool required,
    json_type type,
    struct ecc_json_path *path,
    const json_t **out,
    struct ecc_diag *diag) {
    const json_t *value = json_object_get(object, key);
    if (!value) {
        if (required) {
            /* the pointer of the missing member: the root object has no other pointer to show */
            return ecc_json_path_fail(path, key, diag, "missing required member '%s'", key);
        }
        return ECC_OK;
    }
    bool ok = json_typeof(value) == type || (type == JSON_TRUE && json_is_boolean(value));
    if (!ok) {
        return ecc_json_path_fail(
            path, key, diag, "expected %s, got %s", ecc_json_type_article(type), ecc_json_type_name(value));
    }
    *out = value;
    return ECC_OK;
}

enum ecc_status ecc_suite_get_string(
    const json_t *object,
    const char *key,
    bool required,
    struct ecc_json_path *path,
    const char **out,
    struct ecc_diag *diag) {
    const json_t *value = NULL;
    enum ecc_status status = ecc_suite_get_typed(object, key, required, JSON_STRING, path, &value, diag);
    if (status != ECC_OK || !value) {
        return status;
    }
    if (strlen(json_string_value(value)) != json_string_length(value)) {
        return ecc_json_path_fail(path, key, diag, "string holds a NUL character");
    }
    *out = json_string_value(value);
    return ECC_OK;
}

static bool s_http_token(const char *name) {
    if (!*name) {
        return false;
    }
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              strchr("!#$%&'*+.^_`|~-", *c))) {
            return false;
        }
    }
    return true;
}

enum ecc_status
ecc_suite_check_headers(const json_t *headers, bool allow_null, struct ecc_json_path *path, struct ecc_diag *diag) {
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)headers, name, value) {
        if (!s_http_token(name)) {
            return ecc_json_path_fail(path, name, diag, "'%s' is not a valid header name", name);
        }
        if (json_is_null(value) && allow_null) {
            continue;
        }
        if (!json_is_string(value)) {
            return ecc_json_path_fail(
                path,
                name,
                diag,
                "header value must be a string%s, got %s",
                allow_null ? " or null" : "",
                ecc_json_type_name(value));
        }
        for (const char *c = json_string_value(value); *c; c++) {
            if (*c == '\r' || *c == '\n') {
                return ecc_json_path_fail(path, name, diag, "header value holds a line break");
            }
        }
    }
    return ECC_OK;
}

/* ---- files ---------------------------------------------------------------------------------------- */

/* 1-based line and column (in bytes) of byte `offset` of `bytes` (clamped to the end). */
static void s_position_to_diag(const uint8_t *bytes, size_t len, size_t offset, struct ecc_diag *diag) {
    if (offset > len) {
        offset = len;
    }
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; i++) {
        if (bytes[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    }
    diag->line = line;
    diag->column = (int)(offset - line_start + 1);
}

enum ecc_status
ecc_suite_parse_bytes(const uint8_t *bytes, size_t len, const char *source, json_t **out, struct ecc_diag *diag) {
    ecc_diag_clear(diag);
    if (diag) {
        snprintf(diag->source, sizeof(diag->source), "%s", source);
    }
    if (len > ECC_SUITE_MAX_FILE_BYTES) {
        ecc_diag_set(diag, "file is larger than %zu bytes", ECC_SUITE_MAX_FILE_BYTES);
        return ECC_ERR_LIMIT;
    }
    /* jansson would say "'[' or '{' expected near '\xEF'": name the real cause, which an editor hides. */
    const char *bom = len >= 3 && memcmp(bytes, "\xEF\xBB\xBF", 3) == 0 ? "a UTF-8 byte-order mark (EF BB BF)"
                      : len >= 2 && (memcmp(bytes, "\xFF\xFE", 2) == 0 || memcmp(bytes, "\xFE\xFF", 2) == 0)
                          ? "a UTF-16 byte-order mark"
                          : NULL;
    if (bom) {
        *out = NULL;
        if (diag) {
            diag->line = 1;
            diag->column = 1;
        }
        ecc_diag_set(diag, "the file starts with %s: save it as UTF-8 without a byte-order mark", bom);
        return ECC_ERR_INVALID;
    }
    json_error_t error;
    *out = json_loadb((const char *)bytes, len, JSON_REJECT_DUPLICATES, &error);
    if (!*out) {
        if (diag && error.line > 0 && error.column > 0) {
            diag->line = error.line;
            diag->column = error.column;
        } else if (diag) {
            /* jansson gives no column at the end of the input ("'}' expected near end of file"): the
             * position is where it stopped reading, so the message still points somewhere */
            s_position_to_diag(bytes, len, (size_t)error.position, diag);
        }
        ecc_diag_set(diag, "%s", error.text);
        return ECC_ERR_INVALID;
    }
    if (!json_is_object(*out)) {
        if (diag) {
            /* the root has no JSON pointer to show: point at its first byte */
            size_t start = 0;
            while (start < len &&
                   (bytes[start] == ' ' || bytes[start] == '\t' || bytes[start] == '\r' || bytes[start] == '\n')) {
                start++;
            }
            s_position_to_diag(bytes, len, start, diag);
        }
        ecc_diag_set(diag, "the file must hold a JSON object, not %s", ecc_json_type_name(*out));
        json_decref(*out);
        *out = NULL;
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

/* All of `f` into `buf` (capped at a suite file's size). */
static enum ecc_status s_read_stream(FILE *f, struct ecc_buf *buf, struct ecc_diag *diag) {
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        enum ecc_status status = ecc_buf_append(buf, chunk, n);
        if (status != ECC_OK) {
            ecc_diag_set(diag, "file is larger than %zu bytes", ECC_SUITE_MAX_FILE_BYTES);
            return status;
        }
    }
    if (ferror(f)) {
        ecc_diag_set(diag, "read error: %s", strerror(errno));
        return ECC_ERR_IO;
    }
    return ECC_OK;
}

enum ecc_status ecc_suite_parse_file(const char *file, json_t **out, struct ecc_diag *diag) {
    *out = NULL;
    ecc_diag_clear(diag);
    if (diag) {
        snprintf(diag->source, sizeof(diag->source), "%s", file);
    }
    FILE *f = fopen(file, "rb");
    if (!f) {
        ecc_diag_set(diag, "cannot open: %s", strerror(errno));
        return ECC_ERR_IO;
    }
    struct ecc_buf buf;
    ecc_buf_init(&buf, ECC_SUITE_MAX_FILE_BYTES);
    enum ecc_status status = s_read_stream(f, &buf, diag);
    fclose(f); /* also after a failed read */
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_suite_parse_bytes((const uint8_t *)(buf.data ? buf.data : ""), buf.len, file, out, diag);
done:
    ecc_buf_clean_up(&buf);
    return status;
}

enum ecc_status ecc_suite_check_file_id(const char *file, const char *id, struct ecc_diag *diag) {
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t id_len = strlen(id);
    if (strncmp(base, id, id_len) == 0 && strcmp(base + id_len, ".json") == 0) {
        return ECC_OK;
    }
    ecc_diag_clear(diag);
    if (diag) {
        snprintf(diag->source, sizeof(diag->source), "%s", file);
    }
    struct ecc_json_path path;
    ecc_json_path_init_pointer(&path);
    return ecc_json_path_fail(&path, "id", diag, "id '%s' must equal the file name without .json", id);
}

static int s_compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct s_file_list {
    char **files;
    size_t count;
    size_t capacity;
};

static bool s_ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static enum ecc_status s_list(const char *dir, struct s_file_list *list, int depth, struct ecc_diag *diag);

/* One entry `name` of folder `dir`: a folder is listed in turn, a suite file (*.json but *.schema.json) is
 * kept, anything else is passed over. */
static enum ecc_status
s_list_entry(const char *dir, const char *name, struct s_file_list *list, int depth, struct ecc_diag *diag) {
    size_t len = strlen(dir) + strlen(name) + 2;
    char *full = malloc(len);
    if (!full) {
        return ECC_ERR_NOMEM;
    }
    snprintf(full, len, "%s/%s", dir, name);
    struct stat st;
    if (stat(full, &st) != 0) {
        free(full);
        return ECC_OK;
    }
    if (S_ISDIR(st.st_mode)) {
        enum ecc_status status = s_list(full, list, depth + 1, diag);
        free(full);
        return status;
    }
    if (!S_ISREG(st.st_mode) || !s_ends_with(name, ".json") || s_ends_with(name, ".schema.json")) {
        free(full);
        return ECC_OK;
    }
    char **files = ecc_array_grow(list->files, &list->capacity, list->count, sizeof(*files), 64, SIZE_MAX);
    if (!files) {
        free(full);
        return ECC_ERR_NOMEM;
    }
    list->files = files;
    list->files[list->count++] = full;
    return ECC_OK;
}

static enum ecc_status s_list(const char *dir, struct s_file_list *list, int depth, struct ecc_diag *diag) {
    if (depth > 16) {
        ecc_diag_set(diag, "%s: folders nested deeper than 16", dir);
        return ECC_ERR_LIMIT;
    }
    DIR *d = opendir(dir);
    if (!d) {
        ecc_diag_set(diag, "cannot open folder %s: %s", dir, strerror(errno));
        return ECC_ERR_IO;
    }
    enum ecc_status status = ECC_OK;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        status = s_list_entry(dir, entry->d_name, list, depth, diag);
        if (status != ECC_OK) {
            goto done;
        }
    }
done:
    closedir(d);
    return status;
}

enum ecc_status ecc_suite_list_json_files(const char *dir, char ***files, size_t *count, struct ecc_diag *diag) {
    struct s_file_list list = {0};
    enum ecc_status status = s_list(dir, &list, 0, diag);
    if (status != ECC_OK) {
        for (size_t i = 0; i < list.count; i++) {
            free(list.files[i]);
        }
        free(list.files);
        return status;
    }
    if (list.count) {
        qsort(list.files, list.count, sizeof(char *), s_compare_strings);
    }
    *files = list.files;
    *count = list.count;
    return ECC_OK;
}

/* ---- fixtures ------------------------------------------------------------------------------------- */

static const char *const s_secret_headers[] = {"Authorization", "X-Amz-Security-Token", "X-Amz-Date"};

static enum ecc_status s_read_message(
    const json_t *message,
    bool is_request,
    struct ecc_fixture *fixture,
    struct ecc_json_path *path,
    struct ecc_diag *diag) {
    static const char *const request_members[] = {"method", "path", "query", "headers", "body", "body_text"};
    static const char *const response_members[] = {"status", "headers", "body", "body_text"};
    enum ecc_status status =
        is_request ? ecc_json_check_members(message, request_members, ECC_ARRAY_LEN(request_members), path, diag)
                   : ecc_json_check_members(message, response_members, ECC_ARRAY_LEN(response_members), path, diag);
    if (status != ECC_OK) {
        return status;
    }
    const json_t *headers = NULL;
    status = ecc_suite_get_typed(message, "headers", false, JSON_OBJECT, path, &headers, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (headers) {
        ecc_json_path_push_member(path, "headers");
        status = ecc_suite_check_headers(headers, false, path, diag);
        ecc_json_path_pop(path);
        if (status != ECC_OK) {
            return status;
        }
        const char *name;
        const json_t *value;
        json_object_foreach((json_t *)headers, name, value) {
            for (size_t i = 0; i < ECC_ARRAY_LEN(s_secret_headers) && is_request; i++) {
                if (ecc_http_name_equal(name, s_secret_headers[i])) {
                    ecc_json_path_push_member(path, "headers");
                    status = ecc_json_path_fail(
                        path,
                        name,
                        diag,
                        "'%s' must not be stored in a fixture: the runner signs every request afresh",
                        name);
                    ecc_json_path_pop(path);
                    return status;
                }
            }
            if (!is_request && ecc_http_name_equal(name, "Authorization")) {
                ecc_json_path_push_member(path, "headers");
                status = ecc_json_path_fail(path, name, diag, "'Authorization' must not be stored in a fixture");
                ecc_json_path_pop(path);
                return status;
            }
        }
    }
    if (json_object_get(message, "body") && json_object_get(message, "body_text")) {
        return ecc_json_path_fail(path, "body_text", diag, "'body' and 'body_text' are mutually exclusive");
    }
    const char *body_text = NULL;
    status = ecc_suite_get_string(message, "body_text", false, path, &body_text, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (!is_request) {
        const json_t *code = NULL;
        status = ecc_suite_get_typed(message, "status", true, JSON_INTEGER, path, &code, diag);
        if (status != ECC_OK) {
            return status;
        }
        if (json_integer_value(code) < 100 || json_integer_value(code) > 599) {
            return ecc_json_path_fail(path, "status", diag, "HTTP status must be within 100..599");
        }
        fixture->response_status = (int)json_integer_value(code);
        return ECC_OK;
    }
    fixture->headers = headers;
    fixture->body = json_object_get(message, "body");
    fixture->body_text = body_text;
    status = ecc_suite_get_string(message, "method", false, path, &fixture->method, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_suite_get_string(message, "path", false, path, &fixture->path, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_suite_get_string(message, "query", false, path, &fixture->query, diag);
    if (status != ECC_OK) {
        return status;
    }
    for (const char *c = fixture->method; *c; c++) {
        if (*c < 'A' || *c > 'Z') {
            return ecc_json_path_fail(path, "method", diag, "method must be upper-case letters");
        }
    }
    if (!*fixture->method) {
        return ecc_json_path_fail(path, "method", diag, "method must not be empty");
    }
    if (fixture->path[0] != '/') {
        return ecc_json_path_fail(path, "path", diag, "path must start with '/'");
    }
    return ECC_OK;
}

/* `id`, `description` and `operation`. */
static enum ecc_status s_read_identity(struct ecc_fixture *fixture, struct ecc_json_path *path, struct ecc_diag *diag) {
    const json_t *root = fixture->root;
    enum ecc_status status = ecc_suite_get_string(root, "id", true, path, &fixture->id, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (!ecc_suite_id_valid(fixture->id)) {
        return ecc_json_path_fail(
            path, "id", diag, "id must match [a-z0-9][a-z0-9-]* (at most %d characters)", ECC_SUITE_MAX_ID_LEN);
    }
    const char *text = NULL;
    status = ecc_suite_get_string(root, "description", true, path, &text, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (!*text) {
        return ecc_json_path_fail(path, "description", diag, "description must not be empty");
    }
    status = ecc_suite_get_string(root, "operation", true, path, &fixture->operation, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (!ecc_suite_operation_known(fixture->operation)) {
        return ecc_json_path_fail(path, "operation", diag, "unknown operation '%s'", fixture->operation);
    }
    return ECC_OK;
}

/* The members of `recorded` (where the exchange comes from), with `path` at it. */
static enum ecc_status
s_read_recorded_members(const json_t *recorded, struct ecc_json_path *path, struct ecc_diag *diag) {
    static const char *const recorded_members[] = {
        "from", "date", "region", "source", "note", "upstream", "via", "ecsconf"};
    static const char *const recorded_from[] = {"hand-written", "aws", "emulator", "moto", "other"};
    enum ecc_status status =
        ecc_json_check_members(recorded, recorded_members, ECC_ARRAY_LEN(recorded_members), path, diag);
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 1; i < ECC_ARRAY_LEN(recorded_members); i++) {
        const char *text = NULL;
        status = ecc_suite_get_string(recorded, recorded_members[i], false, path, &text, diag);
        if (status != ECC_OK) {
            return status;
        }
    }
    const char *from = NULL;
    status = ecc_suite_get_string(recorded, "from", true, path, &from, diag);
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; i < ECC_ARRAY_LEN(recorded_from); i++) {
        if (strcmp(from, recorded_from[i]) == 0) {
            return ECC_OK;
        }
    }
    return ecc_json_path_fail(path, "from", diag, "'from' must be hand-written, aws, emulator, moto or other");
}

static enum ecc_status s_read_recorded(const json_t *root, struct ecc_json_path *path, struct ecc_diag *diag) {
    const json_t *recorded = NULL;
    enum ecc_status status = ecc_suite_get_typed(root, "recorded", true, JSON_OBJECT, path, &recorded, diag);
    if (status != ECC_OK) {
        return status;
    }
    ecc_json_path_push_member(path, "recorded");
    status = s_read_recorded_members(recorded, path, diag);
    ecc_json_path_pop(path);
    return status;
}

static enum ecc_status s_read_redacted(const json_t *root, struct ecc_json_path *path, struct ecc_diag *diag) {
    const json_t *redacted = NULL;
    enum ecc_status status = ecc_suite_get_typed(root, "redacted", false, JSON_ARRAY, path, &redacted, diag);
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; redacted && i < json_array_size(redacted); i++) {
        const json_t *item = json_array_get(redacted, i);
        if (!json_is_string(item) || json_string_length(item) == 0) {
            ecc_json_path_push_member(path, "redacted");
            ecc_json_path_push_index(path, i);
            status = ecc_json_path_fail(path, NULL, diag, "expected a non-empty string");
            ecc_json_path_pop(path);
            ecc_json_path_pop(path);
            return status;
        }
    }
    return ECC_OK;
}

/* `request` or `response` (`key`), read by s_read_message. */
static enum ecc_status
s_read_member_message(struct ecc_fixture *fixture, const char *key, struct ecc_json_path *path, struct ecc_diag *diag) {
    const json_t *message = NULL;
    enum ecc_status status = ecc_suite_get_typed(fixture->root, key, true, JSON_OBJECT, path, &message, diag);
    if (status != ECC_OK) {
        return status;
    }
    ecc_json_path_push_member(path, key);
    status = s_read_message(message, strcmp(key, "request") == 0, fixture, path, diag);
    ecc_json_path_pop(path);
    return status;
}

/* A stored X-Amz-Target must name the fixture's operation with the ECS prefix. */
static enum ecc_status
s_check_target(const struct ecc_fixture *fixture, struct ecc_json_path *path, struct ecc_diag *diag) {
    const char *target = NULL;
    const char *name;
    const json_t *value;
    json_object_foreach((json_t *)fixture->headers, name, value) {
        if (ecc_http_name_equal(name, "X-Amz-Target")) {
            target = json_string_value(value);
        }
    }
    struct ecc_aws_json_target read;
    bool named = ecc_codec_read_target(target, &read);
    if (!target || (named && read.ecs_prefix && strcmp(read.operation, fixture->operation) == 0)) {
        return ECC_OK;
    }
    ecc_json_path_push_member(path, "request");
    ecc_json_path_push_member(path, "headers");
    enum ecc_status status = ecc_json_path_fail(
        path, "X-Amz-Target", diag, "X-Amz-Target '%s' does not name the operation %s", target, fixture->operation);
    ecc_json_path_pop(path);
    ecc_json_path_pop(path);
    return status;
}

static enum ecc_status s_read_fixture(struct ecc_fixture *fixture, struct ecc_diag *diag) {
    static const char *const members[] = {
        "$schema", "id", "description", "operation", "recorded", "redacted", "request", "response"};
    struct ecc_json_path path;
    ecc_json_path_init_pointer(&path);
    enum ecc_status status = ecc_json_check_members(fixture->root, members, ECC_ARRAY_LEN(members), &path, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_identity(fixture, &path, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_recorded(fixture->root, &path, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_redacted(fixture->root, &path, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_member_message(fixture, "request", &path, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_member_message(fixture, "response", &path, diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_check_target(fixture, &path, diag);
}

/* Takes ownership of `root` (also on failure). */
static enum ecc_status
s_fixture_from_root(json_t *root, const char *source, struct ecc_fixture **out, struct ecc_diag *diag) {
    struct ecc_fixture *fixture = calloc(1, sizeof(*fixture));
    char *file = ecc_strdup(source);
    if (!fixture || !file) {
        free(fixture);
        free(file);
        json_decref(root);
        return ECC_ERR_NOMEM;
    }
    fixture->file = file;
    fixture->root = root;
    fixture->method = "POST";
    fixture->path = "/";
    fixture->query = "";
    enum ecc_status status = s_read_fixture(fixture, diag);
    if (status != ECC_OK) {
        goto on_error;
    }
    if (!fixture->headers) {
        /* Normalize: an absent header object becomes an empty one, so users never test for NULL. */
        json_t *empty = json_object();
        if (!empty || json_object_set_new(json_object_get(root, "request"), "headers", empty) != 0) {
            status = ECC_ERR_NOMEM;
            goto on_error;
        }
        fixture->headers = empty;
    }
    *out = fixture;
    return ECC_OK;

on_error:
    ecc_fixture_destroy(fixture);
    return status;
}

enum ecc_status ecc_fixture_load_bytes(
    const uint8_t *bytes, size_t len, const char *source, struct ecc_fixture **out, struct ecc_diag *diag) {
    *out = NULL;
    json_t *root = NULL;
    enum ecc_status status = ecc_suite_parse_bytes(bytes, len, source, &root, diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_fixture_from_root(root, source, out, diag);
}

enum ecc_status ecc_fixture_load_file(const char *file, struct ecc_fixture **out, struct ecc_diag *diag) {
    *out = NULL;
    json_t *root = NULL;
    enum ecc_status status = ecc_suite_parse_file(file, &root, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_fixture_from_root(root, file, out, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_suite_check_file_id(file, (*out)->id, diag);
    if (status != ECC_OK) {
        ecc_fixture_destroy(*out);
        *out = NULL;
        return status;
    }
    return ECC_OK;
}

void ecc_fixture_destroy(struct ecc_fixture *fixture) {
    if (!fixture) {
        return;
    }
    json_decref(fixture->root);
    free(fixture->file);
    free(fixture);
}

void ecc_fixture_set_init(struct ecc_fixture_set *set) {
    memset(set, 0, sizeof(*set));
}

void ecc_fixture_set_clean_up(struct ecc_fixture_set *set) {
    for (size_t i = 0; i < set->count; i++) {
        ecc_fixture_destroy(set->items[i]);
    }
    free(set->items);
    ecc_fixture_set_init(set);
}

const struct ecc_fixture *ecc_fixture_set_find(const struct ecc_fixture_set *set, const char *id) {
    for (size_t i = 0; i < set->count; i++) {
        if (strcmp(set->items[i]->id, id) == 0) {
            return set->items[i];
        }
    }
    return NULL;
}

void ecc_fixture_set_did_you_mean(const struct ecc_fixture_set *set, const char *id, char *out, size_t size) {
    out[0] = '\0';
    const char **ids = set && set->count ? calloc(set->count, sizeof(*ids)) : NULL;
    if (!ids) {
        return;
    }
    for (size_t i = 0; i < set->count; i++) {
        ids[i] = set->items[i]->id;
    }
    ecc_did_you_mean(id, ids, set->count, out, size);
    free(ids);
}

enum ecc_status ecc_fixture_set_add(struct ecc_fixture_set *set, struct ecc_fixture *fixture, struct ecc_diag *diag) {
    const struct ecc_fixture *existing = ecc_fixture_set_find(set, fixture->id);
    if (existing) {
        ecc_diag_clear(diag);
        if (diag) {
            snprintf(diag->source, sizeof(diag->source), "%s", fixture->file);
        }
        ecc_diag_set_path(diag, "/id");
        ecc_diag_set(diag, "duplicate fixture id '%s' (also in %s)", fixture->id, existing->file);
        ecc_fixture_destroy(fixture);
        return ECC_ERR_INVALID;
    }
    struct ecc_fixture **items = ecc_array_grow(set->items, &set->capacity, set->count, sizeof(*items), 32, SIZE_MAX);
    if (!items) {
        ecc_fixture_destroy(fixture);
        return ECC_ERR_NOMEM;
    }
    set->items = items;
    set->items[set->count++] = fixture;
    return ECC_OK;
}

static enum ecc_status s_load_fixture(void *set, const char *file, struct ecc_diag *diag) {
    struct ecc_fixture *fixture = NULL;
    enum ecc_status status = ecc_fixture_load_file(file, &fixture, diag);
    if (status != ECC_OK) {
        return status;
    }
    return ecc_fixture_set_add(set, fixture, diag);
}

enum ecc_status
ecc_fixture_set_load_dir(struct ecc_fixture_set *set, const char *dir, ecc_suite_error_fn *on_error, void *user_data) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    char **files = NULL;
    size_t count = 0;
    enum ecc_status status = ecc_suite_list_json_files(dir, &files, &count, &diag);
    if (status != ECC_OK) {
        if (on_error) {
            on_error(user_data, &diag);
        }
        return status;
    }
    return ecc_suite_load_each(files, count, s_load_fixture, set, on_error, user_data);
}

enum ecc_status ecc_suite_load_paths(
    const char *const *paths,
    size_t path_count,
    ecc_suite_load_fn *load,
    void *ctx,
    ecc_suite_error_fn *on_error,
    void *user_data) {
    enum ecc_status result = ECC_OK;
    struct ecc_diag diag;
    for (size_t p = 0; p < path_count; p++) {
        ecc_diag_clear(&diag);
        char **files = NULL;
        size_t count = 0;
        struct stat st;
        enum ecc_status status = ECC_OK;
        if (stat(paths[p], &st) == 0 && S_ISDIR(st.st_mode)) {
            status = ecc_suite_list_json_files(paths[p], &files, &count, &diag);
        } else {
            files = malloc(sizeof(char *));
            if (files && (files[0] = ecc_strdup(paths[p])) != NULL) {
                count = 1;
            } else {
                status = ECC_ERR_NOMEM;
            }
        }
        if (status != ECC_OK) {
            snprintf(diag.source, sizeof(diag.source), "%s", paths[p]);
            if (on_error) {
                on_error(user_data, &diag);
            }
            result = status;
            free(files);
            continue;
        }
        status = ecc_suite_load_each(files, count, load, ctx, on_error, user_data);
        if (status != ECC_OK && result != ECC_ERR_NOMEM) {
            result = status;
        }
    }
    return result;
}

enum ecc_status ecc_suite_load_each(
    char **files, size_t count, ecc_suite_load_fn *load, void *ctx, ecc_suite_error_fn *on_error, void *user_data) {
    enum ecc_status result = ECC_OK;
    struct ecc_diag diag;
    for (size_t i = 0; i < count; i++) {
        ecc_diag_clear(&diag);
        enum ecc_status status = load(ctx, files[i], &diag);
        if (status != ECC_OK) {
            if (on_error) {
                on_error(user_data, &diag);
            }
            if (result != ECC_ERR_NOMEM) {
                result = status == ECC_ERR_NOMEM ? status : ECC_ERR_INVALID;
            }
        }
        free(files[i]);
    }
    free(files);
    return result;
}

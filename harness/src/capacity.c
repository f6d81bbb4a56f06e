/*
 * EC2 capacity requests for the runner (capacity.h): EC2 RunInstances and TerminateInstances in the EC2
 * Query protocol (a form-encoded POST, values escaped by libcurl), the instance ids read back from the
 * XML answer with one POSIX regular expression, and the body of ECS RegisterContainerInstance.
 */
#include "ecc/capacity.h"

#include <curl/curl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_FORM_BYTES 4096
/* An EC2 answer the runner reads: RunInstances for 10 instances is about 30 KiB. */
#define S_MAX_ANSWER_BYTES (1024 * 1024)

/* Appends `&name=value` (no `&` first), the value form-escaped. */
static enum ecc_status s_form_add(struct ecc_buf *form, const char *name, const char *value) {
    char *escaped = curl_easy_escape(NULL, value, 0);
    if (!escaped) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ecc_buf_printf(form, "%s%s=%s", form->len ? "&" : "", name, escaped);
    curl_free(escaped);
    return status;
}

/* Appends each `name=value` row of `rows`. */
static enum ecc_status s_form_add_rows(struct ecc_buf *form, const char *const (*rows)[2], size_t count) {
    for (size_t i = 0; i < count; i++) {
        enum ecc_status status = s_form_add(form, rows[i][0], rows[i][1]);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status s_set_form(struct ecc_http_request *out, const struct ecc_buf *form) {
    enum ecc_status status = ecc_http_request_set_line(out, "POST", "/", "");
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_http_headers_set(&out->headers, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    if (status != ECC_OK) {
        return status;
    }
    return ecc_http_request_set_body(out, form->data ? form->data : "", form->len);
}

enum ecc_status ecc_capacity_build_run_instances(
    struct ecc_http_request *out, unsigned count, const char *name, struct ecc_diag *diag) {
    if (count < 1 || count > ECC_CAPACITY_MAX_INSTANCES || !name) {
        ecc_diag_set(diag, "RunInstances: 1 to %d instances and a name", ECC_CAPACITY_MAX_INSTANCES);
        return ECC_ERR_INVALID;
    }
    char number[16];
    snprintf(number, sizeof(number), "%u", count);
    const char *const rows[][2] = {
        {"Action", "RunInstances"},
        {"Version", ECC_CAPACITY_EC2_VERSION},
        {"ImageId", ECC_CAPACITY_IMAGE_ID},
        {"InstanceType", ECC_CAPACITY_INSTANCE_TYPE},
        {"MinCount", number},
        {"MaxCount", number},
        {"TagSpecification.1.ResourceType", "instance"},
        {"TagSpecification.1.Tag.1.Key", "Name"},
        {"TagSpecification.1.Tag.1.Value", name},
    };
    struct ecc_buf form;
    ecc_buf_init(&form, S_MAX_FORM_BYTES);
    enum ecc_status status = s_form_add_rows(&form, rows, ECC_ARRAY_LEN(rows));
    if (status != ECC_OK) {
        goto done;
    }
    status = s_set_form(out, &form);
done:
    if (status != ECC_OK) {
        ecc_diag_set(diag, "cannot build RunInstances (%s)", ecc_status_name(status));
    }
    ecc_buf_clean_up(&form);
    return status;
}

/* The TerminateInstances form's rows: the action, then `InstanceId.N` for each id. */
static enum ecc_status s_terminate_form(struct ecc_buf *form, const json_t *ids, struct ecc_diag *diag) {
    const char *const rows[][2] = {
        {"Action", "TerminateInstances"},
        {"Version", ECC_CAPACITY_EC2_VERSION},
    };
    enum ecc_status status = s_form_add_rows(form, rows, ECC_ARRAY_LEN(rows));
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; i < json_array_size(ids); i++) {
        const char *id = json_string_value(json_array_get(ids, i));
        if (!id) {
            ecc_diag_set(diag, "TerminateInstances: instance id %zu is not a string", i);
            return ECC_ERR_INVALID;
        }
        char name[32];
        snprintf(name, sizeof(name), "InstanceId.%zu", i + 1);
        status = s_form_add(form, name, id);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

enum ecc_status
ecc_capacity_build_terminate_instances(struct ecc_http_request *out, const json_t *ids, struct ecc_diag *diag) {
    size_t count = json_array_size(ids);
    if (count < 1 || count > ECC_CAPACITY_MAX_INSTANCES) {
        ecc_diag_set(diag, "TerminateInstances: 1 to %d instance ids", ECC_CAPACITY_MAX_INSTANCES);
        return ECC_ERR_INVALID;
    }
    struct ecc_buf form;
    ecc_buf_init(&form, S_MAX_FORM_BYTES);
    enum ecc_status status = s_terminate_form(&form, ids, diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_set_form(out, &form);
done:
    /* ECC_ERR_INVALID: the diag already names the id that is not a string. */
    if (status != ECC_OK && status != ECC_ERR_INVALID) {
        ecc_diag_set(diag, "cannot build TerminateInstances (%s)", ecc_status_name(status));
    }
    ecc_buf_clean_up(&form);
    return status;
}

/* Every first group of `pattern` in `text`, appended to `out` as strings (at most `max`). */
static enum ecc_status s_find_all(const char *text, const char *pattern, size_t max, json_t *out) {
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED) != 0) {
        return ECC_ERR_INTERNAL;
    }
    enum ecc_status status = ECC_OK;
    const char *p = text;
    regmatch_t match[2];
    while (json_array_size(out) < max && regexec(&re, p, 2, match, 0) == 0 && match[1].rm_so >= 0) {
        if (json_array_append_new(out, json_stringn(p + match[1].rm_so, (size_t)(match[1].rm_eo - match[1].rm_so))) !=
            0) {
            status = ECC_ERR_NOMEM;
            break;
        }
        p += match[0].rm_eo;
    }
    regfree(&re);
    return status;
}

enum ecc_status ecc_capacity_read_instance_ids(
    const struct ecc_http_response *response, unsigned expected, json_t **ids, struct ecc_diag *diag) {
    *ids = NULL;
    if (response->body_len > S_MAX_ANSWER_BYTES) {
        ecc_diag_set(diag, "RunInstances: answer of %zu bytes, more than %d", response->body_len, S_MAX_ANSWER_BYTES);
        return ECC_ERR_LIMIT;
    }
    /* regexec needs a NUL-terminated string; a NUL inside the answer only shortens what is searched. */
    char *text = malloc(response->body_len + 1);
    json_t *found = json_array();
    enum ecc_status status = text && found ? ECC_OK : ECC_ERR_NOMEM;
    if (status != ECC_OK) {
        goto on_error;
    }
    if (response->body_len) {
        memcpy(text, response->body, response->body_len);
    }
    text[response->body_len] = '\0';
    if (response->status != 200) {
        /* The error code is best effort: the diag is written even when reading it failed, and that
         * failure's status then wins over ECC_ERR_INVALID. */
        enum ecc_status read = s_find_all(text, "<Code>([A-Za-z0-9.]{1,100})</Code>", 1, found);
        const char *code = json_string_value(json_array_get(found, 0));
        ecc_diag_set(diag, "RunInstances answered HTTP %d%s%s", response->status, code ? " " : "", code ? code : "");
        status = read != ECC_OK ? read : ECC_ERR_INVALID;
        goto on_error;
    }
    status = s_find_all(text, "<instanceId>(i-[0-9a-f]{1,32})</instanceId>", ECC_CAPACITY_MAX_INSTANCES + 1, found);
    if (status != ECC_OK) {
        goto on_error;
    }
    if (json_array_size(found) != expected) {
        ecc_diag_set(
            diag, "RunInstances answered 200 with %zu instance id(s), %u expected", json_array_size(found), expected);
        status = ECC_ERR_NOT_FOUND;
        goto on_error;
    }
    free(text);
    *ids = found;
    return ECC_OK;

on_error:
    free(text);
    json_decref(found);
    return status;
}

json_t *ecc_capacity_register_body(const char *cluster, const char *instance_id) {
    json_t *document = json_pack("{s:s}", "instanceId", instance_id);
    char *text = document ? json_dumps(document, JSON_COMPACT) : NULL;
    json_decref(document);
    json_t *body = text ? json_pack("{s:s,s:s}", "cluster", cluster, "instanceIdentityDocument", text) : NULL;
    free(text);
    return body;
}

/*
 * Comparison of a recorded answer with a fresh one by meaning (compare.h): status, error type through
 * errors.c's resolution, members and JSON types recursively, values, and the volatile values (ARNs, ids,
 * timestamps, request ids) by shape and by their relation to what was answered earlier in the replay.
 */
#include "ecc/compare.h"

#include "ecc/errors.h"
#include "ecc/report.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_SEGMENTS 16
#define S_MAX_TEXT     4096

const char *ecc_compare_kind_name(enum ecc_compare_kind kind) {
    static const char *const names[] = {
        "status", "error-type", "body-kind", "missing", "extra", "type", "length", "value", "shape", "relation"};
    return (size_t)kind < ECC_ARRAY_LEN(names) ? names[kind] : "unknown";
}

void ecc_compare_result_init(struct ecc_compare_result *result) {
    memset(result, 0, sizeof(*result));
}

void ecc_compare_result_clean_up(struct ecc_compare_result *result) {
    for (size_t i = 0; i < result->count; i++) {
        json_decref(result->diffs[i].recorded);
        json_decref(result->diffs[i].answered);
    }
    free(result->diffs);
    ecc_compare_result_init(result);
}

enum ecc_status ecc_compare_context_init(struct ecc_compare_context *context) {
    context->names = json_object();
    context->ids = json_object();
    if (!context->names || !context->ids) {
        ecc_compare_context_clean_up(context);
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

void ecc_compare_context_clean_up(struct ecc_compare_context *context) {
    json_decref(context->names);
    json_decref(context->ids);
    context->names = NULL;
    context->ids = NULL;
}

enum ecc_status
ecc_compare_context_add_name(struct ecc_compare_context *context, const char *recorded, const char *used) {
    if (!*recorded) {
        return ECC_ERR_INVALID;
    }
    return json_object_set_new(context->names, recorded, json_string(used)) == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

static enum ecc_status
s_bind(struct ecc_compare_context *context, const char *recorded, size_t rlen, const char *answered, size_t alen);

enum ecc_status
ecc_compare_context_add_id(struct ecc_compare_context *context, const char *recorded, const char *used) {
    if (!*recorded) {
        return ECC_ERR_INVALID;
    }
    return s_bind(context, recorded, strlen(recorded), used, strlen(used));
}

ECC_PRINTF(6, 7)
static enum ecc_status s_add(
    struct ecc_compare_result *result,
    enum ecc_compare_kind kind,
    const char *pointer,
    const json_t *recorded,
    const json_t *answered,
    const char *fmt,
    ...) {
    if (result->count >= ECC_COMPARE_MAX_DIFFS) {
        result->not_listed++;
        return ECC_OK;
    }
    struct ecc_compare_diff *grown = ecc_array_grow(
        result->diffs, &result->capacity, result->count, sizeof(*result->diffs), 4, ECC_COMPARE_MAX_DIFFS);
    if (!grown) {
        return ECC_ERR_NOMEM;
    }
    result->diffs = grown;
    struct ecc_compare_diff *diff = &result->diffs[result->count++];
    memset(diff, 0, sizeof(*diff));
    diff->kind = kind;
    snprintf(diff->pointer, sizeof(diff->pointer), "%s", pointer);
    va_list args;
    va_start(args, fmt);
    vsnprintf(diff->message, sizeof(diff->message), fmt, args);
    va_end(args);
    diff->recorded = recorded ? json_incref((json_t *)recorded) : NULL;
    diff->answered = answered ? json_incref((json_t *)answered) : NULL;
    return ECC_OK;
}

/* ---- shapes --------------------------------------------------------------------------------------- */

static bool s_all(const char *s, size_t len, bool digits_only) {
    for (size_t i = 0; i < len; i++) {
        if (digits_only ? !(s[i] >= '0' && s[i] <= '9') : !ecc_is_hex_digit(s[i])) {
            return false;
        }
    }
    return len > 0;
}

/* The shape of an id, or NULL when the text is no id: "a UUID", "a 32-digit hex id", "a number". */
static const char *s_id_shape(const char *s, size_t len, bool in_arn, char *buf, size_t size) {
    if (ecc_is_uuid_text(s, len)) {
        return "a UUID";
    }
    if (len >= 16 && s_all(s, len, false)) {
        snprintf(buf, size, "a %zu-digit hex id", len);
        return buf;
    }
    if (in_arn && s_all(s, len, true)) {
        return "a number";
    }
    return NULL;
}

static bool s_is_timestamp_key(const char *key) {
    size_t len = key ? strlen(key) : 0;
    return len > 2 && strcmp(key + len - 2, "At") == 0;
}

/* A type as the comparison sees it: an integer and a real are both "a number". */
static const char *s_type_name(const json_t *value) {
    return json_is_number(value) ? "a number" : ecc_json_type_article(value ? json_typeof(value) : JSON_NULL);
}

static bool s_same_type(const json_t *a, const json_t *b) {
    return strcmp(s_type_name(a), s_type_name(b)) == 0;
}

/* ---- names and ids -------------------------------------------------------------------------------- */

static bool s_is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* `text` with every bound name replaced where it stands between non-alphanumeric characters. */
static enum ecc_status s_apply_names(const struct ecc_compare_context *context, const char *text, struct ecc_buf *out) {
    ecc_buf_reset(out);
    const char *at = text;
    while (*at) {
        const char *key;
        json_t *used;
        bool replaced = false;
        if (at == text || !s_is_alnum(at[-1])) {
            json_object_foreach(context->names, key, used) {
                size_t len = strlen(key);
                if (strncmp(at, key, len) == 0 && !s_is_alnum(at[len])) {
                    if (ecc_buf_append_str(out, json_string_value(used)) != ECC_OK) {
                        return ECC_ERR_LIMIT;
                    }
                    at += len;
                    replaced = true;
                    break;
                }
            }
        }
        if (!replaced) {
            if (ecc_buf_append_byte(out, *at) != ECC_OK) {
                return ECC_ERR_LIMIT;
            }
            at++;
        }
    }
    /* An empty text appends nothing: the NUL must still be there (reserve does not write it). */
    enum ecc_status status = ecc_buf_reserve(out, 0);
    if (status != ECC_OK) {
        return status;
    }
    out->data[out->len] = '\0';
    return ECC_OK;
}

/* The bound id of a recorded string, or NULL. */
static const char *s_bound(const struct ecc_compare_context *context, const char *recorded, size_t len) {
    char key[512];
    if (len >= sizeof(key)) {
        return NULL;
    }
    memcpy(key, recorded, len);
    key[len] = '\0';
    return json_string_value(json_object_get(context->ids, key));
}

static enum ecc_status
s_bind(struct ecc_compare_context *context, const char *recorded, size_t rlen, const char *answered, size_t alen) {
    char key[512];
    if (rlen >= sizeof(key)) {
        return ECC_OK; /* too long to be an id */
    }
    memcpy(key, recorded, rlen);
    key[rlen] = '\0';
    json_t *value = json_stringn(answered, alen);
    return value && json_object_set_new(context->ids, key, value) == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

/* Splits an ARN into its pieces: arn, partition, service, region, account, then each resource segment
 * (separated by '/' or ':'). Returns the count, 0 when the text is not an ARN. */
struct s_piece {
    const char *at;
    size_t len;
    char separator; /* the character after it ('\0' for the last) */
};

static size_t s_split_arn(const char *s, struct s_piece *pieces, size_t max) {
    if (strncmp(s, "arn:", 4) != 0) {
        return 0;
    }
    size_t count = 0;
    const char *start = s;
    for (const char *c = s;; c++) {
        bool header = count < 5;
        if (*c == '\0' || *c == ':' || (!header && *c == '/')) {
            if (count == max) {
                return 0;
            }
            pieces[count++] = (struct s_piece){.at = start, .len = (size_t)(c - start), .separator = *c};
            if (*c == '\0') {
                break;
            }
            start = c + 1;
        }
    }
    return count >= 6 ? count : 0;
}

/* ---- apply ---------------------------------------------------------------------------------------- */

/* A recorded string as this replay must say it: its bound id, else bound names and ARN ids replaced. */
static char *s_map_string(const struct ecc_compare_context *context, const char *text) {
    const char *bound = s_bound(context, text, strlen(text));
    if (bound) {
        return ecc_strdup(bound);
    }
    struct ecc_buf named, out;
    ecc_buf_init(&named, S_MAX_TEXT * 4);
    ecc_buf_init(&out, S_MAX_TEXT * 4);
    char *mapped = NULL; /* the result, NULL on a failure */
    if (s_apply_names(context, text, &named) != ECC_OK) {
        goto done;
    }
    struct s_piece pieces[S_MAX_SEGMENTS];
    size_t count = s_split_arn(named.data, pieces, S_MAX_SEGMENTS);
    if (count == 0) {
        mapped = ecc_buf_steal(&named);
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        const char *id = i >= 3 ? s_bound(context, pieces[i].at, pieces[i].len) : NULL;
        enum ecc_status status = id ? ecc_buf_append_str(&out, id) : ecc_buf_append(&out, pieces[i].at, pieces[i].len);
        if (status != ECC_OK) {
            goto done;
        }
        if (pieces[i].separator && ecc_buf_append_byte(&out, pieces[i].separator) != ECC_OK) {
            goto done;
        }
    }
    if (ecc_buf_reserve(&out, 0) != ECC_OK) {
        goto done;
    }
    mapped = ecc_buf_steal(&out);
done:
    ecc_buf_clean_up(&named);
    ecc_buf_clean_up(&out);
    return mapped;
}

json_t *ecc_compare_context_apply(const struct ecc_compare_context *context, const json_t *body) {
    if (json_is_string(body)) {
        char *mapped = s_map_string(context, json_string_value(body));
        json_t *value = mapped ? json_string(mapped) : NULL;
        free(mapped);
        return value;
    }
    if (json_is_object(body)) {
        json_t *copy = json_object();
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)body, key, member) {
            json_t *value = ecc_compare_context_apply(context, member);
            if (!copy || !value || json_object_set_new(copy, key, value) != 0) {
                json_decref(copy);
                return NULL;
            }
        }
        return copy;
    }
    if (json_is_array(body)) {
        json_t *copy = json_array();
        for (size_t i = 0; copy && i < json_array_size(body); i++) {
            json_t *value = ecc_compare_context_apply(context, json_array_get(body, i));
            if (!value || json_array_append_new(copy, value) != 0) {
                json_decref(copy);
                return NULL;
            }
        }
        return copy;
    }
    return json_deep_copy(body);
}

/* ---- values --------------------------------------------------------------------------------------- */

struct s_walk {
    struct ecc_compare_context *context;
    struct ecc_compare_result *result;
    char pointer[256];
};

/* One id (whole or an ARN piece): same shape, and related to what this recorded id was answered as. */
static enum ecc_status s_compare_id(
    struct s_walk *w,
    const char *r,
    size_t rlen,
    const char *a,
    size_t alen,
    bool in_arn,
    const json_t *rv,
    const json_t *av,
    bool *handled) {
    *handled = true;
    const char *bound = s_bound(w->context, r, rlen);
    if (bound) {
        if (strlen(bound) == alen && memcmp(bound, a, alen) == 0) {
            return ECC_OK;
        }
        return s_add(
            w->result,
            ECC_DIFF_RELATION,
            w->pointer,
            rv,
            av,
            "recorded id %.*s was answered as %.80s earlier, here it is %.*s",
            (int)(rlen > 80 ? 80 : rlen),
            r,
            bound,
            (int)(alen > 80 ? 80 : alen),
            a);
    }
    char rbuf[40], abuf[40];
    const char *rshape = s_id_shape(r, rlen, in_arn, rbuf, sizeof(rbuf));
    if (!rshape) {
        *handled = false;
        return ECC_OK;
    }
    const char *ashape = s_id_shape(a, alen, in_arn, abuf, sizeof(abuf));
    if (!ashape || strcmp(rshape, ashape) != 0) {
        return s_add(
            w->result,
            ECC_DIFF_SHAPE,
            w->pointer,
            rv,
            av,
            "the recording has %s (%.*s), the answer %s (%.*s)",
            rshape,
            (int)(rlen > 80 ? 80 : rlen),
            r,
            ashape ? ashape : "no id of that kind",
            (int)(alen > 80 ? 80 : alen),
            a);
    }
    return s_bind(w->context, r, rlen, a, alen);
}

static enum ecc_status
s_compare_arn(struct s_walk *w, const char *r, const char *a, const json_t *rv, const json_t *av) {
    struct s_piece rp[S_MAX_SEGMENTS], ap[S_MAX_SEGMENTS];
    size_t rn = s_split_arn(r, rp, S_MAX_SEGMENTS);
    size_t an = s_split_arn(a, ap, S_MAX_SEGMENTS);
    const char *why = NULL;
    if (an == 0) {
        why = "the answer is no ARN";
    } else if (rn != an) {
        why = "the resource has another number of parts";
    } else if (
        rp[1].len != ap[1].len || memcmp(rp[1].at, ap[1].at, rp[1].len) != 0 || rp[2].len != ap[2].len ||
        memcmp(rp[2].at, ap[2].at, rp[2].len) != 0) {
        why = "another partition or service";
    } else if (rp[5].len != ap[5].len || memcmp(rp[5].at, ap[5].at, rp[5].len) != 0) {
        why = "another resource type";
    } else if ((rp[3].len == 0) != (ap[3].len == 0)) {
        why = "a region on one side only";
    }
    for (size_t i = 0; !why && i < rn; i++) {
        if (rp[i].separator != ap[i].separator) {
            why = "the resource is written differently";
        }
    }
    if (why) {
        return s_add(w->result, ECC_DIFF_SHAPE, w->pointer, rv, av, "ARN expected: %s", why);
    }
    /* The account (any 12 digits, related across the replay), then each resource segment after the type. */
    size_t before = w->result->count + w->result->not_listed;
    for (size_t i = 4; i < rn; i++) {
        if (i == 5) {
            continue;
        }
        if (i == 4 &&
            (rp[4].len != 12 || !s_all(rp[4].at, 12, true) || ap[4].len != 12 || !s_all(ap[4].at, 12, true))) {
            if (rp[4].len != ap[4].len || memcmp(rp[4].at, ap[4].at, rp[4].len) != 0) {
                return s_add(
                    w->result, ECC_DIFF_SHAPE, w->pointer, rv, av, "ARN expected: the account is not 12 digits");
            }
            continue;
        }
        struct ecc_buf named;
        ecc_buf_init(&named, S_MAX_TEXT);
        char piece[S_MAX_TEXT];
        snprintf(piece, sizeof(piece), "%.*s", (int)rp[i].len, rp[i].at);
        enum ecc_status status = s_apply_names(w->context, piece, &named);
        if (status != ECC_OK) {
            ecc_buf_clean_up(&named);
            return status;
        }
        bool equal = named.len == ap[i].len && memcmp(named.data, ap[i].at, ap[i].len) == 0;
        ecc_buf_clean_up(&named);
        if (equal && i != 4) {
            continue;
        }
        bool handled = false;
        status = s_compare_id(w, rp[i].at, rp[i].len, ap[i].at, ap[i].len, true, rv, av, &handled);
        if (status != ECC_OK) {
            return status;
        }
        if (!handled) {
            return s_add(
                w->result,
                ECC_DIFF_VALUE,
                w->pointer,
                rv,
                av,
                "ARN resource part %.*s differs (answered %.*s)",
                (int)(rp[i].len > 100 ? 100 : rp[i].len),
                rp[i].at,
                (int)(ap[i].len > 100 ? 100 : ap[i].len),
                ap[i].at);
        }
    }
    if (w->result->count + w->result->not_listed == before) {
        return s_bind(w->context, r, strlen(r), a, strlen(a));
    }
    return ECC_OK;
}

static enum ecc_status s_compare_string(struct s_walk *w, const char *key, const json_t *rv, const json_t *av) {
    const char *r = json_string_value(rv);
    const char *a = json_string_value(av);
    char *expected = s_map_string(w->context, r);
    if (!expected) {
        return ECC_ERR_NOMEM;
    }
    bool equal = strcmp(expected, a) == 0;
    bool whole_bound = s_bound(w->context, r, strlen(r)) != NULL;
    free(expected);
    if (equal || s_is_timestamp_key(key)) {
        return ECC_OK;
    }
    if (whole_bound && strncmp(r, "arn:", 4) != 0) {
        bool handled = false;
        return s_compare_id(w, r, strlen(r), a, strlen(a), false, rv, av, &handled);
    }
    if (strncmp(r, "arn:", 4) == 0) {
        return s_compare_arn(w, r, a, rv, av);
    }
    bool handled = false;
    enum ecc_status status = s_compare_id(w, r, strlen(r), a, strlen(a), false, rv, av, &handled);
    if (status != ECC_OK || handled) {
        return status;
    }
    return s_add(w->result, ECC_DIFF_VALUE, w->pointer, rv, av, "values differ");
}

static enum ecc_status
s_compare_value(struct s_walk *w, const char *key, const json_t *rv, const json_t *av, bool error_body);

static enum ecc_status s_push(struct s_walk *w, const char *segment, size_t *mark) {
    *mark = strlen(w->pointer);
    size_t at = *mark;
    if (at + 1 >= sizeof(w->pointer)) {
        return ECC_ERR_LIMIT;
    }
    w->pointer[at++] = '/';
    for (const char *c = segment; *c && at + 3 < sizeof(w->pointer); c++) {
        if (*c == '~' || *c == '/') {
            w->pointer[at++] = '~';
            w->pointer[at++] = *c == '~' ? '0' : '1';
        } else {
            w->pointer[at++] = *c;
        }
    }
    w->pointer[at] = '\0';
    return ECC_OK;
}

/* One member of a recorded object against the answer's. */
static enum ecc_status
s_compare_member(struct s_walk *w, const char *key, const json_t *member, const json_t *av, bool error_body) {
    size_t mark;
    enum ecc_status status = s_push(w, key, &mark);
    if (status != ECC_OK) {
        return status;
    }
    const json_t *other = json_object_get(av, key);
    if (strcmp(key, "requestId") == 0) {
        /* ignored */
    } else if (!other || json_is_null(other)) {
        status = s_add(
            w->result, ECC_DIFF_MISSING, w->pointer, member, NULL, "member missing (recorded %s)", s_type_name(member));
    } else {
        status = s_compare_value(w, key, member, other, error_body);
    }
    w->pointer[mark] = '\0'; /* also after a failure */
    return status;
}

/* A member the answer has and the recording lacks. */
static enum ecc_status s_add_extra(struct s_walk *w, const char *key, const json_t *member) {
    size_t mark;
    enum ecc_status status = s_push(w, key, &mark);
    if (status != ECC_OK) {
        return status;
    }
    status = s_add(
        w->result,
        ECC_DIFF_EXTRA,
        w->pointer,
        NULL,
        member,
        "member not in the recording (answered %s)",
        s_type_name(member));
    w->pointer[mark] = '\0';
    return status;
}

static enum ecc_status s_compare_object(struct s_walk *w, const json_t *rv, const json_t *av, bool error_body) {
    const char *key;
    json_t *member;
    json_object_foreach((json_t *)rv, key, member) {
        if (json_is_null(member)) {
            continue;
        }
        enum ecc_status status = s_compare_member(w, key, member, av, error_body);
        if (status != ECC_OK) {
            return status;
        }
    }
    json_object_foreach((json_t *)av, key, member) {
        const json_t *recorded = json_object_get(rv, key);
        if (json_is_null(member) || (recorded && !json_is_null(recorded))) {
            continue;
        }
        enum ecc_status status = s_add_extra(w, key, member);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status s_compare_array(struct s_walk *w, const char *key, const json_t *rv, const json_t *av) {
    size_t rn = json_array_size(rv), an = json_array_size(av);
    enum ecc_status status = ECC_OK;
    if (rn != an) {
        status =
            s_add(w->result, ECC_DIFF_LENGTH, w->pointer, rv, av, "array of %zu items recorded, %zu answered", rn, an);
        if (status != ECC_OK) {
            return status;
        }
    }
    for (size_t i = 0; i < rn && i < an; i++) {
        char index[24];
        snprintf(index, sizeof(index), "%zu", i);
        size_t mark;
        status = s_push(w, index, &mark);
        if (status != ECC_OK) {
            return status;
        }
        status = s_compare_value(w, key, json_array_get(rv, i), json_array_get(av, i), false);
        w->pointer[mark] = '\0'; /* also after a failure */
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status
s_compare_value(struct s_walk *w, const char *key, const json_t *rv, const json_t *av, bool error_body) {
    if (!s_same_type(rv, av)) {
        return s_add(
            w->result,
            ECC_DIFF_TYPE,
            w->pointer,
            rv,
            av,
            "type changed: recorded %s, answered %s",
            s_type_name(rv),
            s_type_name(av));
    }
    if (json_is_object(rv)) {
        return s_compare_object(w, rv, av, false);
    }
    if (json_is_array(rv)) {
        return s_compare_array(w, key, rv, av);
    }
    /* An error's message is free text, and its type members were compared through the resolution rule
     * (a namespaced `__type` names the same error): their JSON type is what is left to compare. */
    if (error_body && key &&
        (strcmp(key, "message") == 0 || strcmp(key, "Message") == 0 || strcmp(key, "__type") == 0 ||
         strcmp(key, "code") == 0)) {
        return ECC_OK;
    }
    if (json_is_string(rv)) {
        return s_compare_string(w, key, rv, av);
    }
    if (json_is_number(rv) && s_is_timestamp_key(key)) {
        return ECC_OK;
    }
    if (!ecc_match_json_equal(rv, av)) {
        return s_add(w->result, ECC_DIFF_VALUE, w->pointer, rv, av, "values differ");
    }
    return ECC_OK;
}

/* The sanitized error type of an answer, "" when it has none. */
static void s_error_type(const struct ecc_compare_answer *answer, char *out, size_t size) {
    struct ecc_error_type type;
    struct ecc_diag diag;
    out[0] = '\0';
    static const struct ecc_http_headers none = {0};
    if (ecc_errors_resolve_type(
            answer->headers ? answer->headers : &none,
            json_is_object(answer->body) ? answer->body : NULL,
            &type,
            &diag) == ECC_OK &&
        type.source != ECC_ERROR_TYPE_NONE) {
        snprintf(out, size, "%.*s", (int)type.name_len, type.name);
    }
}

enum ecc_status ecc_compare_answers(
    struct ecc_compare_context *context,
    const struct ecc_compare_answer *recorded,
    const struct ecc_compare_answer *answered,
    struct ecc_compare_result *result) {
    struct s_walk w = {.context = context, .result = result, .pointer = ""};
    enum ecc_status status = ECC_OK;
    if (recorded->status != answered->status) {
        json_t *r = json_integer(recorded->status), *a = json_integer(answered->status);
        status = s_add(
            result, ECC_DIFF_STATUS, "", r, a, "status: recorded %d, answered %d", recorded->status, answered->status);
        json_decref(r);
        json_decref(a);
        if (status != ECC_OK) {
            return status;
        }
    }
    char rtype[130], atype[130];
    s_error_type(recorded, rtype, sizeof(rtype));
    s_error_type(answered, atype, sizeof(atype));
    if (strcmp(rtype, atype) != 0) {
        json_t *r = rtype[0] ? json_string(rtype) : NULL, *a = atype[0] ? json_string(atype) : NULL;
        status = s_add(
            result,
            ECC_DIFF_ERROR_TYPE,
            "",
            r,
            a,
            "error type: recorded %s, answered %s",
            rtype[0] ? rtype : "none",
            atype[0] ? atype : "none");
        json_decref(r);
        json_decref(a);
        return status; /* two different errors: their bodies cannot be compared member by member */
    }
    bool rjson = recorded->body != NULL, ajson = answered->body != NULL;
    const char *rtext = recorded->text ? recorded->text : "", *atext = answered->text ? answered->text : "";
    if (rjson != ajson) {
        json_t *r = rjson ? json_incref((json_t *)recorded->body) : json_string(rtext);
        json_t *a = ajson ? json_incref((json_t *)answered->body) : json_string(atext);
        status = s_add(
            result,
            ECC_DIFF_BODY_KIND,
            "",
            r,
            a,
            "body: recorded %s, answered %s",
            rjson    ? "JSON"
            : *rtext ? "text that is not JSON"
                     : "nothing",
            ajson    ? "JSON"
            : *atext ? "text that is not JSON"
                     : "nothing");
        json_decref(r);
        json_decref(a);
        return status;
    }
    if (!rjson) {
        if (strcmp(rtext, atext) != 0) {
            json_t *r = json_string(rtext), *a = json_string(atext);
            status = s_add(result, ECC_DIFF_VALUE, "", r, a, "body text differs");
            json_decref(r);
            json_decref(a);
        }
        return status;
    }
    if (!s_same_type(recorded->body, answered->body) || !json_is_object(recorded->body)) {
        return s_compare_value(&w, NULL, recorded->body, answered->body, rtype[0] != '\0');
    }
    return s_compare_object(&w, recorded->body, answered->body, rtype[0] != '\0');
}

/* One difference as a report's failure block. */
static enum ecc_status s_format_diff(const struct ecc_compare_diff *diff, const char *label, struct ecc_buf *out) {
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    snprintf(failure.pointer, sizeof(failure.pointer), "%s", diff->pointer);
    snprintf(failure.message, sizeof(failure.message), "[%s] %.480s", ecc_compare_kind_name(diff->kind), diff->message);
    failure.expected = diff->recorded ? json_incref(diff->recorded) : NULL;
    failure.actual = diff->answered ? json_incref(diff->answered) : NULL;
    enum ecc_status status = ecc_report_format_failure(out, label, "answer", &failure);
    ecc_match_failure_clean_up(&failure);
    return status;
}

enum ecc_status ecc_compare_format(const struct ecc_compare_result *result, const char *label, struct ecc_buf *out) {
    for (size_t i = 0; i < result->count; i++) {
        enum ecc_status status = s_format_diff(&result->diffs[i], label, out);
        if (status != ECC_OK) {
            return status;
        }
    }
    if (result->not_listed) {
        return ecc_buf_printf(out, "  ... and %zu more differences\n", result->not_listed);
    }
    return ECC_OK;
}

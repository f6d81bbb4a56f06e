/*
 * A recording set: turns one live exchange into one redacted fixture file (recording.h). The rules
 * of what is removed or replaced live here only; `ecsconf record` and `ecsconf run --record` both
 * call ecc_recording_add. Redaction works on the fixture in memory, the secret scan on its final
 * text, and only then is a temporary file written and renamed into place.
 */
#include "ecc/recording.h"

#include "ecc/codec_request.h"
#include "ecc/errors.h"
#include "ecc/fixture.h"
#include "ecc/match.h"
#include "ecc/report.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_ACCOUNT_DIGITS     12
#define S_MAX_ACCOUNTS       1000
#define S_OVERFLOW_ACCOUNT   "999999999999"
#define S_MAX_REDACTED_ITEMS 500
#define S_MAX_STRING_BYTES   ((size_t)4 * 1024 * 1024)

/* Headers that sign or date a request: never stored. */
static const char *const s_signing_headers[] = {
    "Authorization", "X-Amz-Security-Token", "X-Amz-Date", "X-Amz-Content-Sha256"};
/* Request ids, on either side: volatile, and they identify one call of one account. */
static const char *const s_request_id_headers[] = {
    "x-amzn-RequestId", "x-amz-request-id", "x-amz-id-2", "amz-sdk-invocation-id", "X-Amzn-Trace-Id", "x-amz-cf-id"};
/* Framing of one connection, not part of the exchange. */
static const char *const s_framing_headers[] = {
    "Host", "Content-Length", "Connection", "Transfer-Encoding", "Expect", "Keep-Alive"};

struct ecc_recording {
    pthread_mutex_t mutex;
    char *dir;
    char *from;
    char *prefix;
    char *region;
    char *upstream;
    char *via;
    char date[11];
    regex_t *patterns;
    size_t pattern_count;
    char **secrets; /* copies, wiped on destroy */
    size_t secret_count;
    char (*accounts)[S_ACCOUNT_DIGITS + 1];
    size_t account_count;
    size_t account_capacity;
    unsigned next_seq; /* last sequence number used */
    size_t written;
};

/* What one fixture's redaction found, as "<pointer>: <what>" lines. */
struct s_redaction {
    json_t *items;
    size_t dropped;
};

static enum ecc_status s_note(struct s_redaction *r, const char *pointer, const char *what) {
    if (json_array_size(r->items) >= S_MAX_REDACTED_ITEMS) {
        r->dropped++;
        return ECC_OK;
    }
    char line[600];
    snprintf(line, sizeof(line), "%s: %s", pointer, what);
    json_t *text = json_string(line);
    if (!text) {
        /* A pointer made of a hostile name that is not UTF-8 cannot be listed; count it. */
        r->dropped++;
        return ECC_OK;
    }
    return json_array_append_new(r->items, text) == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

static bool s_in_list(const char *name, const char *const *list, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (ecc_http_name_equal(name, list[i])) {
            return true;
        }
    }
    return false;
}

/* ---- string redaction ---------------------------------------------------------------------------- */

static bool s_is_alnum(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The placeholder of an account id (caller holds the mutex). */
static const char *
s_account_placeholder(struct ecc_recording *rec, const char *digits, char out[S_ACCOUNT_DIGITS + 1]) {
    for (size_t i = 0; i < rec->account_count; i++) {
        if (memcmp(rec->accounts[i], digits, S_ACCOUNT_DIGITS) == 0) {
            snprintf(out, S_ACCOUNT_DIGITS + 1, "%012u", (unsigned)i);
            return out;
        }
    }
    char(*grown)[S_ACCOUNT_DIGITS + 1] = ecc_array_grow(
        rec->accounts, &rec->account_capacity, rec->account_count, sizeof(*rec->accounts), 4, S_MAX_ACCOUNTS);
    if (!grown) {
        return S_OVERFLOW_ACCOUNT; /* past the cap every other account shares one placeholder */
    }
    rec->accounts = grown;
    memcpy(rec->accounts[rec->account_count], digits, S_ACCOUNT_DIGITS);
    rec->accounts[rec->account_count][S_ACCOUNT_DIGITS] = '\0';
    snprintf(out, S_ACCOUNT_DIGITS + 1, "%012u", (unsigned)rec->account_count);
    rec->account_count++;
    return out;
}

/* Replaces account ids in `text`; *changed tells whether any was found. */
static enum ecc_status
s_redact_accounts(struct ecc_recording *rec, const char *text, struct ecc_buf *out, bool *changed) {
    size_t len = strlen(text);
    size_t i = 0;
    while (i < len) {
        size_t run = 0;
        while (i + run < len && text[i + run] >= '0' && text[i + run] <= '9') {
            run++;
        }
        if (run == S_ACCOUNT_DIGITS && (i == 0 || !s_is_alnum(text[i - 1])) && !s_is_alnum(text[i + run])) {
            char placeholder[S_ACCOUNT_DIGITS + 1];
            if (ecc_buf_append_str(out, s_account_placeholder(rec, text + i, placeholder)) != ECC_OK) {
                return ECC_ERR_LIMIT;
            }
            *changed = true;
            i += run;
        } else if (run > 0) {
            if (ecc_buf_append(out, text + i, run) != ECC_OK) {
                return ECC_ERR_LIMIT;
            }
            i += run;
        } else {
            if (ecc_buf_append_byte(out, text[i]) != ECC_OK) {
                return ECC_ERR_LIMIT;
            }
            i++;
        }
    }
    return ECC_OK;
}

/* Replaces each match of one pattern by REDACTED; an empty match moves one byte on. */
static enum ecc_status s_redact_pattern(const regex_t *re, const char *text, struct ecc_buf *out, bool *changed) {
    const char *at = text;
    int flags = 0;
    while (*at) {
        regmatch_t match;
        if (regexec(re, at, 1, &match, flags) != 0) {
            break;
        }
        size_t start = (size_t)match.rm_so, end = (size_t)match.rm_eo;
        if (ecc_buf_append(out, at, start) != ECC_OK) {
            return ECC_ERR_LIMIT;
        }
        if (end > start) {
            if (ecc_buf_append_str(out, ECC_RECORDING_REDACTED) != ECC_OK) {
                return ECC_ERR_LIMIT;
            }
            *changed = true;
            at += end;
        } else {
            if (ecc_buf_append_byte(out, at[start]) != ECC_OK) {
                return ECC_ERR_LIMIT;
            }
            at += start + 1;
        }
        flags = REG_NOTBOL;
    }
    return ecc_buf_append_str(out, at) == ECC_OK ? ECC_OK : ECC_ERR_LIMIT;
}

/*
 * Every string rule on `text`. Returns a new string in *out (NULL when nothing changed) and lists what
 * was done at `pointer`.
 */
static enum ecc_status
s_redact_text(struct ecc_recording *rec, const char *text, const char *pointer, struct s_redaction *r, char **out) {
    *out = NULL;
    struct ecc_buf a, b;
    ecc_buf_init(&a, S_MAX_STRING_BYTES);
    ecc_buf_init(&b, S_MAX_STRING_BYTES);
    bool changed = false, any = false;
    enum ecc_status status = s_redact_accounts(rec, text, &a, &changed);
    if (status != ECC_OK) {
        goto done;
    }
    if (ecc_buf_reserve(&a, 0) != ECC_OK) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    if (changed) {
        any = true;
        status = s_note(r, pointer, "account id replaced by a placeholder");
        if (status != ECC_OK) {
            goto done;
        }
    }
    for (size_t i = 0; i < rec->pattern_count; i++) {
        changed = false;
        ecc_buf_reset(&b);
        status = s_redact_pattern(&rec->patterns[i], a.data ? a.data : "", &b, &changed);
        if (status != ECC_OK) {
            goto done;
        }
        if (ecc_buf_reserve(&b, 0) != ECC_OK) {
            status = ECC_ERR_NOMEM;
            goto done;
        }
        if (!changed) {
            continue;
        }
        any = true;
        char what[64];
        snprintf(what, sizeof(what), "--redact pattern %zu matched", i + 1);
        status = s_note(r, pointer, what);
        if (status != ECC_OK) {
            goto done;
        }
        struct ecc_buf swap = a;
        a = b;
        b = swap;
    }
    if (any) {
        *out = ecc_buf_steal(&a);
        status = *out ? ECC_OK : ECC_ERR_NOMEM;
    }

done:
    ecc_buf_clean_up(&a);
    ecc_buf_clean_up(&b);
    return status;
}

/* Every string rule on a JSON string, in place; what was done is listed at `pointer`. */
static enum ecc_status
s_redact_string(struct ecc_recording *rec, json_t *value, const char *pointer, struct s_redaction *r) {
    char *redacted = NULL;
    enum ecc_status status = s_redact_text(rec, json_string_value(value), pointer, r, &redacted);
    if (status != ECC_OK) {
        return status;
    }
    if (redacted && json_string_set(value, redacted) != 0) {
        status = ECC_ERR_NOMEM;
    }
    free(redacted);
    return status;
}

/* ---- JSON values --------------------------------------------------------------------------------- */

/* Appends "/<escaped segment>" to a pointer held in `path` (RFC 6901: ~ -> ~0, / -> ~1). */
static enum ecc_status s_push_segment(struct ecc_buf *path, const char *segment) {
    if (ecc_buf_append_byte(path, '/') != ECC_OK) {
        return ECC_ERR_LIMIT;
    }
    for (const char *c = segment; *c; c++) {
        enum ecc_status status = *c == '~'   ? ecc_buf_append_str(path, "~0")
                                 : *c == '/' ? ecc_buf_append_str(path, "~1")
                                             : ecc_buf_append_byte(path, *c);
        if (status != ECC_OK) {
            return ECC_ERR_LIMIT;
        }
    }
    return ECC_OK;
}

static enum ecc_status
s_redact_json(struct ecc_recording *rec, json_t *value, struct ecc_buf *path, struct s_redaction *r);

/* Redacts `value`, the member or item `segment` of the value at `path`; `path` is restored either way. */
static enum ecc_status s_redact_child(
    struct ecc_recording *rec, json_t *value, const char *segment, struct ecc_buf *path, struct s_redaction *r) {
    size_t mark = path->len;
    enum ecc_status status = s_push_segment(path, segment);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_redact_json(rec, value, path, r);

done:
    path->len = mark;
    path->data[mark] = '\0';
    return status;
}

/* Redacts every string of a JSON value in place (object keys are names, not values: left alone). */
static enum ecc_status
s_redact_json(struct ecc_recording *rec, json_t *value, struct ecc_buf *path, struct s_redaction *r) {
    if (json_is_string(value)) {
        return s_redact_string(rec, value, path->data ? path->data : "", r);
    }
    if (json_is_object(value)) {
        const char *key;
        json_t *member;
        json_object_foreach(value, key, member) {
            enum ecc_status status = s_redact_child(rec, member, key, path, r);
            if (status != ECC_OK) {
                return status;
            }
        }
    } else if (json_is_array(value)) {
        for (size_t i = 0; i < json_array_size(value); i++) {
            char index[32];
            snprintf(index, sizeof(index), "%zu", i);
            enum ecc_status status = s_redact_child(rec, json_array_get(value, i), index, path, r);
            if (status != ECC_OK) {
                return status;
            }
        }
    }
    return ECC_OK;
}

/* A JSON string of arbitrary bytes: NULs and bytes that are not UTF-8 become '?'. *lossy says so. */
static json_t *s_text_value(const void *bytes, size_t len, bool *lossy) {
    *lossy = false;
    json_t *value = json_stringn(bytes, len);
    if (value && !memchr(bytes, '\0', len)) {
        return value;
    }
    json_decref(value);
    char *copy = malloc(len + 1);
    if (!copy) {
        return NULL;
    }
    memcpy(copy, bytes, len);
    copy[len] = '\0';
    for (size_t i = 0; i < len; i++) {
        if (copy[i] == '\0') {
            copy[i] = '?';
        }
    }
    char *clean = ecc_report_sanitize_text(copy, false);
    free(copy);
    if (!clean) {
        return NULL;
    }
    *lossy = true;
    value = json_string(clean);
    free(clean);
    return value;
}

static bool s_header_name_ok(const char *name) {
    if (!*name) {
        return false;
    }
    for (const char *c = name; *c; c++) {
        if (!s_is_alnum(*c) && !strchr("!#$%&'*+.^_`|~-", *c)) {
            return false;
        }
    }
    return true;
}

/*
 * Bytes as a stored JSON string: bytes that are not UTF-8 replaced by '?' and listed at `pointer`, every
 * string rule applied. `lossy_first`: the replacement is listed before the redactions (a header's value)
 * rather than after them (the path and the query).
 */
static enum ecc_status s_stored_text(
    struct ecc_recording *rec,
    const char *bytes,
    size_t len,
    const char *pointer,
    bool lossy_first,
    struct s_redaction *r,
    json_t **out) {
    static const char *const lossy_note = "bytes that are not UTF-8 replaced by '?'";
    bool lossy = false;
    json_t *text = s_text_value(bytes, len, &lossy);
    if (!text) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ECC_OK;
    if (lossy && lossy_first) {
        status = s_note(r, pointer, lossy_note);
        if (status != ECC_OK) {
            goto on_error;
        }
    }
    status = s_redact_string(rec, text, pointer, r);
    if (status != ECC_OK) {
        goto on_error;
    }
    if (lossy && !lossy_first) {
        status = s_note(r, pointer, lossy_note);
        if (status != ECC_OK) {
            goto on_error;
        }
    }
    *out = text;
    return ECC_OK;

on_error:
    json_decref(text);
    return status;
}

/* Adds `text` (taken) under `name`, joined with ", " to an earlier value of the same name as HTTP allows
 * (RFC 9110 5.3). */
static enum ecc_status s_put_header(json_t *object, const char *name, json_t *text) {
    json_t *earlier = NULL;
    const char *key;
    json_t *member;
    json_object_foreach(object, key, member) {
        if (ecc_http_name_equal(key, name)) {
            earlier = member;
        }
    }
    if (!earlier) {
        return json_object_set_new(object, name, text) == 0 ? ECC_OK : ECC_ERR_NOMEM;
    }
    enum ecc_status status = ECC_ERR_NOMEM;
    size_t joined_len = json_string_length(earlier) + 2 + json_string_length(text);
    char *joined = malloc(joined_len + 1);
    if (joined) {
        snprintf(joined, joined_len + 1, "%s, %s", json_string_value(earlier), json_string_value(text));
        status = json_string_set(earlier, joined) == 0 ? ECC_OK : ECC_ERR_NOMEM;
        free(joined);
    }
    json_decref(text);
    return status;
}

/* One side's headers being stored (s_headers). */
struct s_header_set {
    struct ecc_recording *rec;
    struct s_redaction *r;
    const char *side; /* "/request" or "/response" */
    const struct ecc_http_headers *headers;
    json_t *object; /* the stored headers */
};

/* Header `i`, stored unless it is a signing, request-id or framing header (the first two listed once). */
static enum ecc_status s_header(struct s_header_set *set, size_t i) {
    const char *name = set->headers->items[i].name;
    const char *value = set->headers->items[i].value ? set->headers->items[i].value : "";
    char pointer[400];
    if (!s_header_name_ok(name)) {
        snprintf(pointer, sizeof(pointer), "%s/headers", set->side);
        return s_note(set->r, pointer, "a header whose name is not an HTTP token was left out");
    }
    snprintf(pointer, sizeof(pointer), "%s/headers/%.200s", set->side, name);
    bool signing = s_in_list(name, s_signing_headers, ECC_ARRAY_LEN(s_signing_headers));
    bool request_id = s_in_list(name, s_request_id_headers, ECC_ARRAY_LEN(s_request_id_headers));
    if (signing || request_id) {
        for (size_t j = 0; j < i; j++) {
            if (ecc_http_name_equal(set->headers->items[j].name, name)) {
                return ECC_OK; /* listed already */
            }
        }
        return s_note(set->r, pointer, signing ? "removed (signature, token or date)" : "removed (request id)");
    }
    if (s_in_list(name, s_framing_headers, ECC_ARRAY_LEN(s_framing_headers))) {
        return ECC_OK;
    }
    json_t *text = NULL;
    enum ecc_status status = s_stored_text(set->rec, value, strlen(value), pointer, true, set->r, &text);
    if (status != ECC_OK) {
        return status;
    }
    return s_put_header(set->object, name, text);
}

/*
 * The stored headers of one side at `side` ("/request" or "/response"), as its "headers" member:
 * signing, request-id and framing headers left out (the first two listed), duplicates joined with ", ",
 * every value redacted.
 */
static enum ecc_status s_headers(
    struct ecc_recording *rec,
    const struct ecc_http_headers *headers,
    const char *side,
    struct s_redaction *r,
    json_t *out) {
    struct s_header_set set = {.rec = rec, .r = r, .side = side, .headers = headers, .object = json_object()};
    if (!set.object) {
        return ECC_ERR_NOMEM;
    }
    for (size_t i = 0; i < headers->count; i++) {
        enum ecc_status status = s_header(&set, i);
        if (status != ECC_OK) {
            json_decref(set.object);
            return status;
        }
    }
    return json_object_set_new(out, "headers", set.object) == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

/* Sets `body` (JSON) or `body_text` on `side` from raw bytes, redacted. */
static enum ecc_status s_body(
    struct ecc_recording *rec,
    const uint8_t *bytes,
    size_t len,
    json_t *side,
    const char *side_pointer,
    struct s_redaction *r) {
    if (len == 0) {
        return ECC_OK;
    }
    struct ecc_buf path;
    ecc_buf_init(&path, 4096);
    enum ecc_status status = ECC_OK;
    json_error_t error;
    json_t *body = json_loadb((const char *)bytes, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &error);
    const char *member = body ? "body" : "body_text";
    if (ecc_buf_printf(&path, "%s/%s", side_pointer, member) != ECC_OK) {
        status = ECC_ERR_LIMIT;
        goto done;
    }
    if (!body) {
        bool lossy = false;
        body = s_text_value(bytes, len, &lossy);
        if (!body) {
            status = ECC_ERR_NOMEM;
            goto done;
        }
        if (lossy) {
            status = s_note(r, path.data, "bytes that are not UTF-8 (or NUL) replaced by '?'");
            if (status != ECC_OK) {
                goto done;
            }
        }
    }
    status = s_redact_json(rec, body, &path, r);
    if (status != ECC_OK) {
        goto done;
    }
    status = json_object_set_new(side, member, body) == 0 ? ECC_OK : ECC_ERR_NOMEM;
    body = NULL; /* taken by the side, even on failure */

done:
    json_decref(body);
    ecc_buf_clean_up(&path);
    return status;
}

/* The parameters of `query` into `kept`, but for presigning ones (X-Amz-*): *removed says if any was. */
static enum ecc_status s_query_kept(const char *query, struct ecc_buf *kept, bool *removed) {
    const char *at = query;
    while (*at) {
        const char *end = strchr(at, '&');
        size_t len = end ? (size_t)(end - at) : strlen(at);
        if (len >= 6 && strncasecmp(at, "X-Amz-", 6) == 0) {
            *removed = true;
        } else if (len > 0) {
            if (kept->len && ecc_buf_append_byte(kept, '&') != ECC_OK) {
                return ECC_ERR_LIMIT;
            }
            if (ecc_buf_append(kept, at, len) != ECC_OK) {
                return ECC_ERR_LIMIT;
            }
        }
        at += len + (end ? 1 : 0);
    }
    return ECC_OK;
}

/* The query with presigning parameters (X-Amz-*) removed, and the rest redacted. */
static enum ecc_status s_query(struct ecc_recording *rec, const char *query, json_t *request, struct s_redaction *r) {
    if (!query || !*query) {
        return ECC_OK;
    }
    struct ecc_buf kept;
    ecc_buf_init(&kept, S_MAX_STRING_BYTES);
    bool removed = false;
    enum ecc_status status = s_query_kept(query, &kept, &removed);
    if (status != ECC_OK) {
        goto done;
    }
    if (removed) {
        status = s_note(r, "/request/query", "X-Amz-* parameters removed (presigned signature, token, date)");
        if (status != ECC_OK) {
            goto done;
        }
    }
    if (kept.len) {
        json_t *text = NULL;
        status = s_stored_text(rec, kept.data, kept.len, "/request/query", false, r, &text);
        if (status != ECC_OK) {
            goto done;
        }
        status = json_object_set_new(request, "query", text) == 0 ? ECC_OK : ECC_ERR_NOMEM;
    }

done:
    ecc_buf_clean_up(&kept);
    return status;
}

/* ---- the set ------------------------------------------------------------------------------------- */

static bool s_prefix_ok(const char *prefix) {
    size_t len = strlen(prefix);
    if (len == 0 || len > ECC_RECORDING_MAX_PREFIX_LEN || prefix[0] == '-') {
        return false;
    }
    for (const char *c = prefix; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-')) {
            return false;
        }
    }
    return true;
}

/* The highest NNNN of "<prefix>-NNNN-*.json" already in the folder. */
static unsigned s_highest_seq(const char *dir, const char *prefix) {
    unsigned highest = 0;
    DIR *d = opendir(dir);
    if (!d) {
        return 0;
    }
    size_t prefix_len = strlen(prefix);
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        const char *name = entry->d_name;
        if (strncmp(name, prefix, prefix_len) != 0 || name[prefix_len] != '-') {
            continue;
        }
        const char *digits = name + prefix_len + 1;
        unsigned seq = 0;
        size_t n = 0;
        while (n < 4 && digits[n] >= '0' && digits[n] <= '9') {
            seq = seq * 10 + (unsigned)(digits[n] - '0');
            n++;
        }
        if (n == 4 && digits[4] == '-' && seq > highest) {
            highest = seq;
        }
    }
    closedir(d);
    return highest;
}

void ecc_recording_destroy(struct ecc_recording *rec) {
    if (!rec) {
        return;
    }
    for (size_t i = 0; i < rec->pattern_count; i++) {
        regfree(&rec->patterns[i]);
    }
    free(rec->patterns);
    for (size_t i = 0; i < rec->secret_count; i++) {
        if (rec->secrets[i]) {
            ecc_secure_zero(rec->secrets[i], strlen(rec->secrets[i]));
            free(rec->secrets[i]);
        }
    }
    free(rec->secrets);
    free(rec->accounts);
    free(rec->dir);
    free(rec->from);
    free(rec->prefix);
    free(rec->region);
    free(rec->upstream);
    free(rec->via);
    pthread_mutex_destroy(&rec->mutex);
    free(rec);
}

/* The copies the set keeps of its options (the secrets wiped on destroy); stops at the first that fails. */
static enum ecc_status
s_copy_options(struct ecc_recording *rec, const struct ecc_recording_options *options, const char *prefix) {
    if (options->secrets && options->secret_count) {
        rec->secrets = calloc(options->secret_count, sizeof(*rec->secrets));
        if (!rec->secrets) {
            return ECC_ERR_NOMEM;
        }
        rec->secret_count = options->secret_count;
        for (size_t i = 0; i < options->secret_count; i++) {
            if (options->secrets[i] && *options->secrets[i]) {
                rec->secrets[i] = ecc_strdup(options->secrets[i]);
                if (!rec->secrets[i]) {
                    return ECC_ERR_NOMEM;
                }
            }
        }
    }
    const struct {
        char **copy;
        const char *value; /* NULL: not given, nothing to copy */
    } strings[] = {
        {&rec->dir, options->dir},
        {&rec->from, options->from},
        {&rec->prefix, prefix},
        {&rec->region, options->region},
        {&rec->upstream, options->upstream},
        {&rec->via, options->via},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(strings); i++) {
        if (strings[i].value) {
            *strings[i].copy = ecc_strdup(strings[i].value);
            if (!*strings[i].copy) {
                return ECC_ERR_NOMEM;
            }
        }
    }
    return ECC_OK;
}

static bool
s_compile_patterns(struct ecc_recording *rec, const struct ecc_recording_options *options, struct ecc_diag *diag) {
    if (options->pattern_count) {
        rec->patterns = calloc(options->pattern_count, sizeof(*rec->patterns));
        if (!rec->patterns) {
            ecc_diag_set(diag, "out of memory");
            return false;
        }
    }
    for (size_t i = 0; i < options->pattern_count; i++) {
        char why[300];
        if (!ecc_match_regex_compile(&rec->patterns[i], options->patterns[i], REG_EXTENDED, why, sizeof(why))) {
            ecc_diag_set(diag, "--redact pattern %zu: %s", i + 1, why);
            return false;
        }
        rec->pattern_count++;
    }
    return true;
}

struct ecc_recording *ecc_recording_new(const struct ecc_recording_options *options, struct ecc_diag *diag) {
    static const char *const froms[] = {"aws", "moto", "emulator", "other"};
    bool from_ok = false;
    for (size_t i = 0; options->from && i < ECC_ARRAY_LEN(froms); i++) {
        from_ok = from_ok || strcmp(options->from, froms[i]) == 0;
    }
    if (!options->dir || !*options->dir) {
        ecc_diag_set(diag, "a recording needs a folder");
        return NULL;
    }
    if (!from_ok) {
        ecc_diag_set(
            diag,
            "the upstream kind must be aws, moto, emulator or other, not '%.40s'",
            options->from ? options->from : "");
        return NULL;
    }
    const char *prefix = options->id_prefix ? options->id_prefix : options->from;
    if (!s_prefix_ok(prefix)) {
        ecc_diag_set(
            diag,
            "id prefix '%.80s': lower-case letters, digits and '-', not starting with '-', at most %d characters",
            prefix,
            ECC_RECORDING_MAX_PREFIX_LEN);
        return NULL;
    }
    if (options->pattern_count > ECC_RECORDING_MAX_PATTERNS) {
        ecc_diag_set(diag, "at most %d --redact patterns", ECC_RECORDING_MAX_PATTERNS);
        return NULL;
    }
    struct ecc_recording *rec = calloc(1, sizeof(*rec));
    if (!rec) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&rec->mutex, NULL);
    if (s_copy_options(rec, options, prefix) != ECC_OK) {
        ecc_diag_set(diag, "out of memory");
        goto on_error;
    }
    if (!s_compile_patterns(rec, options, diag)) {
        goto on_error;
    }
    time_t now = options->now_s ? (time_t)options->now_s : time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(rec->date, sizeof(rec->date), "%Y-%m-%d", &tm);
    if (ecc_make_dirs(rec->dir, diag) != ECC_OK) {
        goto on_error;
    }
    struct stat st;
    if (stat(rec->dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        ecc_diag_set(diag, "%.200s is not a folder", rec->dir);
        goto on_error;
    }
    rec->next_seq = s_highest_seq(rec->dir, rec->prefix);
    return rec;
on_error:
    ecc_recording_destroy(rec);
    return NULL;
}

size_t ecc_recording_count(struct ecc_recording *rec) {
    pthread_mutex_lock(&rec->mutex);
    size_t count = rec->written;
    pthread_mutex_unlock(&rec->mutex);
    return count;
}

/* The operation an X-Amz-Target names, when the fixture format knows it. */
static const char *s_operation(const struct ecc_http_request *request, char *out, size_t size) {
    struct ecc_aws_json_target target;
    if (!ecc_codec_read_target(ecc_http_headers_get(&request->headers, "X-Amz-Target"), &target) ||
        !target.ecs_prefix) {
        return NULL;
    }
    snprintf(out, size, "%s", target.operation);
    return ecc_suite_operation_known(out) ? out : NULL;
}

static bool s_method_ok(const char *method) {
    if (!method || !*method) {
        return false;
    }
    for (const char *c = method; *c; c++) {
        if (*c < 'A' || *c > 'Z') {
            return false;
        }
    }
    return true;
}

/* A one-line description: the operation, the status and the error type when there is one. */
static void s_describe(
    const struct ecc_recording *rec,
    const char *operation,
    const struct ecc_http_response *response,
    char *out,
    size_t size) {
    char type[130] = "";
    json_t *body = response->body_len ? json_loadb((const char *)response->body, response->body_len, 0, NULL) : NULL;
    struct ecc_error_type error;
    struct ecc_diag diag;
    if (response->status >= 300 &&
        ecc_errors_resolve_type(&response->headers, json_is_object(body) ? body : NULL, &error, &diag) == ECC_OK &&
        error.source != ECC_ERROR_TYPE_NONE) {
        snprintf(type, sizeof(type), " %.*s", (int)(error.name_len > 120 ? 120 : error.name_len), error.name);
    }
    json_decref(body);
    snprintf(
        out,
        size,
        "%s answered %d%s by %s (recorded by %s)",
        operation,
        response->status,
        type,
        rec->from,
        rec->via ? rec->via : "ecsconf");
}

static enum ecc_status s_set_string(json_t *object, const char *key, const char *value) {
    json_t *text = json_string(value);
    return text && json_object_set_new(object, key, text) == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

/* One exchange to store, under `fixed_id` or (NULL) the set's next id. */
struct s_exchange {
    const char *fixed_id;
    const struct ecc_http_request *request;
    const struct ecc_http_response *response;
};

/* Whether an exchange can be a fixture at all; `operation` gets the X-Amz-Target's operation. */
static enum ecc_status s_check_exchange(
    const struct ecc_recording *rec, const struct s_exchange *ex, char *operation, size_t size, struct ecc_diag *diag) {
    const char *fixed_id = ex->fixed_id;
    const struct ecc_http_request *request = ex->request;
    if (!s_operation(request, operation, size)) {
        ecc_diag_set(diag, "not stored: the request names no operation a fixture can hold (X-Amz-Target)");
        return ECC_ERR_NOT_FOUND;
    }
    if (!s_method_ok(request->method) || !request->path || request->path[0] != '/') {
        ecc_diag_set(diag, "not stored: the request line has no upper-case method or no path starting with '/'");
        return ECC_ERR_NOT_FOUND;
    }
    if (ex->response->status < 100 || ex->response->status > 599) {
        ecc_diag_set(diag, "not stored: status %d is not an HTTP status", ex->response->status);
        return ECC_ERR_INVALID;
    }
    if (fixed_id && !ecc_suite_id_valid(fixed_id)) {
        ecc_diag_set(diag, "not stored: '%.100s' is no fixture id", fixed_id);
        return ECC_ERR_INVALID;
    }
    if (!fixed_id && rec->next_seq >= ECC_RECORDING_MAX_EXCHANGES) {
        ecc_diag_set(
            diag, "not stored: the set holds %d exchanges with this prefix already", ECC_RECORDING_MAX_EXCHANGES);
        return ECC_ERR_LIMIT;
    }
    return ECC_OK;
}

/* id, description, operation and `recorded` (where, when, how) into `root`. */
static enum ecc_status s_build_head(
    const struct ecc_recording *rec,
    const char *fixed_id,
    const char *operation,
    const struct ecc_http_response *response,
    json_t *root) {
    char id[ECC_SUITE_MAX_ID_LEN + 1], lower[128];
    size_t n = 0;
    for (; operation[n] && n + 1 < sizeof(lower); n++) {
        lower[n] = (char)(operation[n] >= 'A' && operation[n] <= 'Z' ? operation[n] - 'A' + 'a' : operation[n]);
    }
    lower[n] = '\0';
    if (fixed_id) {
        snprintf(id, sizeof(id), "%s", fixed_id);
    } else {
        snprintf(id, sizeof(id), "%s-%04u-%.30s", rec->prefix, rec->next_seq + 1, lower);
    }
    char description[300];
    s_describe(rec, operation, response, description, sizeof(description));
    json_t *recorded = json_object();
    if (!recorded || json_object_set_new(root, "id", json_string(id)) != 0 ||
        json_object_set_new(root, "description", json_string(description)) != 0 ||
        json_object_set_new(root, "operation", json_string(operation)) != 0 ||
        json_object_set_new(root, "recorded", recorded) != 0) {
        return ECC_ERR_NOMEM;
    }
    const char *const members[][2] = {
        {"from", rec->from},
        {"date", rec->date},
        {"region", rec->region},
        {"upstream", rec->upstream},
        {"via", rec->via},
        {"ecsconf", ECSCONF_VERSION},
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(members); i++) {
        if (members[i][1] && s_set_string(recorded, members[i][0], members[i][1]) != ECC_OK) {
            return ECC_ERR_NOMEM;
        }
    }
    return ECC_OK;
}

/* The request as the client sent it, redacted, as `req`. */
static enum ecc_status
s_build_request(struct ecc_recording *rec, const struct ecc_http_request *request, json_t *req, struct s_redaction *r) {
    enum ecc_status status = s_set_string(req, "method", request->method);
    if (status != ECC_OK) {
        return status;
    }
    json_t *path = NULL;
    status = s_stored_text(rec, request->path, strlen(request->path), "/request/path", false, r, &path);
    if (status != ECC_OK) {
        return status;
    }
    if (json_object_set_new(req, "path", path) != 0) {
        return ECC_ERR_NOMEM;
    }
    status = s_query(rec, request->query, req, r);
    if (status != ECC_OK) {
        return status;
    }
    status = s_headers(rec, &request->headers, "/request", r, req);
    if (status != ECC_OK) {
        return status;
    }
    return s_body(rec, request->body, request->body_len, req, "/request", r);
}

/* The response as the endpoint answered it, redacted, as `resp`. */
static enum ecc_status s_build_response(
    struct ecc_recording *rec, const struct ecc_http_response *response, json_t *resp, struct s_redaction *r) {
    if (json_object_set_new(resp, "status", json_integer(response->status)) != 0) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = s_headers(rec, &response->headers, "/response", r, resp);
    if (status != ECC_OK) {
        return status;
    }
    return s_body(rec, response->body, response->body_len, resp, "/response", r);
}

/* Builds the fixture, under `fixed_id` or the next id of the set; the caller holds the mutex. */
static enum ecc_status
s_build_locked(struct ecc_recording *rec, const struct s_exchange *ex, json_t **out, struct ecc_diag *diag) {
    *out = NULL;
    const char *fixed_id = ex->fixed_id;
    char operation[128];
    enum ecc_status status = s_check_exchange(rec, ex, operation, sizeof(operation), diag);
    if (status != ECC_OK) {
        return status;
    }
    struct s_redaction r = {.items = json_array(), .dropped = 0};
    json_t *root = json_object();
    json_t *req = json_object();
    json_t *resp = json_object();
    status = r.items && root && req && resp ? ECC_OK : ECC_ERR_NOMEM;
    if (status != ECC_OK) {
        goto on_error;
    }
    /* Member order in the file: id, description, operation, recorded, redacted, request, response. */
    status = s_build_head(rec, fixed_id, operation, ex->response, root);
    if (status != ECC_OK) {
        goto on_error;
    }
    if (json_object_set(root, "redacted", r.items) != 0 || json_object_set(root, "request", req) != 0 ||
        json_object_set(root, "response", resp) != 0) {
        status = ECC_ERR_NOMEM;
        goto on_error;
    }
    status = s_build_request(rec, ex->request, req, &r);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = s_build_response(rec, ex->response, resp, &r);
    if (status != ECC_OK) {
        goto on_error;
    }
    if (r.dropped) {
        char line[120];
        snprintf(line, sizeof(line), "and %zu more redactions not listed", r.dropped);
        if (json_array_append_new(r.items, json_string(line)) != 0) {
            status = ECC_ERR_NOMEM;
            goto on_error;
        }
    }
    rec->next_seq += fixed_id ? 0 : 1;
    *out = root;
    json_decref(req);
    json_decref(resp);
    json_decref(r.items);
    return ECC_OK;
on_error:
    ecc_diag_set(diag, "cannot build the fixture: %s", ecc_status_name(status));
    json_decref(root);
    json_decref(req);
    json_decref(resp);
    json_decref(r.items);
    return status;
}

enum ecc_status ecc_recording_build(
    struct ecc_recording *rec,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    json_t **out,
    struct ecc_diag *diag) {
    pthread_mutex_lock(&rec->mutex);
    const struct s_exchange ex = {.fixed_id = NULL, .request = request, .response = response};
    enum ecc_status status = s_build_locked(rec, &ex, out, diag);
    pthread_mutex_unlock(&rec->mutex);
    return status;
}

/* memmem is a GNU extension; the library is built as plain POSIX. */
static const char *s_find(const char *haystack, size_t len, const char *needle, size_t needle_len) {
    if (needle_len == 0 || needle_len > len) {
        return NULL;
    }
    for (const char *at = haystack; at + needle_len <= haystack + len; at++) {
        at = memchr(at, needle[0], (size_t)(haystack + len - at));
        if (!at || at + needle_len > haystack + len) {
            return NULL;
        }
        if (memcmp(at, needle, needle_len) == 0) {
            return at;
        }
    }
    return NULL;
}

bool ecc_recording_text_has_secret(const char *text, size_t len, const char *const *secrets, size_t secret_count) {
    for (size_t i = 0; secrets && i < secret_count; i++) {
        if (secrets[i] && *secrets[i] && s_find(text, len, secrets[i], strlen(secrets[i]))) {
            return true;
        }
    }
    static const char *const markers[] = {"Signature=", "X-Amz-Signature", "x-amz-signature"};
    for (size_t m = 0; m < ECC_ARRAY_LEN(markers); m++) {
        size_t marker_len = strlen(markers[m]);
        const char *at = text;
        size_t left = len;
        const char *hit;
        while ((hit = s_find(at, left, markers[m], marker_len)) != NULL) {
            if (m > 0) {
                return true;
            }
            const char *sig = hit + marker_len;
            size_t hex = 0;
            while (sig + hex < text + len && ecc_is_hex_digit(sig[hex])) {
                hex++;
            }
            if (hex >= 64) {
                return true;
            }
            left -= (size_t)(hit + 1 - at);
            at = hit + 1;
        }
    }
    return false;
}

/* Builds the fixture (under `fixed_id` or the next id), scans it and writes it; the one writer. */
static enum ecc_status
s_write(struct ecc_recording *rec, const struct s_exchange *ex, char *id_out, size_t id_size, struct ecc_diag *diag) {
    char *text = NULL;
    char *file = NULL, *tmp = NULL;
    FILE *out = NULL;
    json_t *fixture = NULL;
    pthread_mutex_lock(&rec->mutex);
    enum ecc_status status = s_build_locked(rec, ex, &fixture, diag);
    if (status != ECC_OK) {
        goto on_error;
    }
    const char *id = json_string_value(json_object_get(fixture, "id"));
    text = json_dumps(fixture, JSON_INDENT(2));
    if (!text) {
        ecc_diag_set(diag, "out of memory");
        status = ECC_ERR_NOMEM;
        goto on_error;
    }
    size_t len = strlen(text);
    if (len + 1 > ECC_SUITE_MAX_FILE_BYTES) {
        ecc_diag_set(
            diag,
            "not stored: %s would be %zu bytes, over the fixture cap of %zu",
            id,
            len + 1,
            ECC_SUITE_MAX_FILE_BYTES);
        status = ECC_ERR_LIMIT;
        goto on_error;
    }
    if (ecc_recording_text_has_secret(text, len, (const char *const *)rec->secrets, rec->secret_count)) {
        ecc_diag_set(diag, "not stored: %s would hold a secret or a signature after redaction", id);
        status = ECC_ERR_AUTH;
        goto on_error;
    }
    size_t path_len = strlen(rec->dir) + strlen(id) + 40;
    file = malloc(path_len);
    tmp = malloc(path_len);
    if (!file || !tmp) {
        status = ECC_ERR_NOMEM;
        ecc_diag_set(diag, "out of memory");
        goto on_error;
    }
    snprintf(file, path_len, "%s/%s.json", rec->dir, id);
    /* A dot file: the loaders skip it if the rename never happens. */
    snprintf(tmp, path_len, "%s/.%s.json.tmp%d", rec->dir, id, (int)getpid());
    out = fopen(tmp, "w");
    if (!out || fwrite(text, 1, len, out) != len || fputc('\n', out) == EOF) {
        ecc_diag_set(diag, "cannot write %.200s: %s", tmp, strerror(errno));
        status = ECC_ERR_IO;
        goto on_error;
    }
    int closed = fclose(out);
    out = NULL;
    if (closed != 0 || rename(tmp, file) != 0) {
        ecc_diag_set(diag, "cannot write %.200s: %s", file, strerror(errno));
        status = ECC_ERR_IO;
        goto on_error;
    }
    if (id_out) {
        snprintf(id_out, id_size, "%s", id);
    }
    rec->written++;
    pthread_mutex_unlock(&rec->mutex);
    free(text);
    free(file);
    free(tmp);
    json_decref(fixture);
    return ECC_OK;
on_error:
    if (out) {
        fclose(out);
    }
    if (tmp) {
        remove(tmp);
    }
    pthread_mutex_unlock(&rec->mutex);
    if (text) {
        ecc_secure_zero(text, strlen(text));
    }
    free(text);
    free(file);
    free(tmp);
    json_decref(fixture);
    return status;
}

enum ecc_status ecc_recording_add(
    struct ecc_recording *rec,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    char *id_out,
    size_t id_size,
    struct ecc_diag *diag) {
    const struct s_exchange ex = {.fixed_id = NULL, .request = request, .response = response};
    return s_write(rec, &ex, id_out, id_size, diag);
}

enum ecc_status ecc_recording_put(
    struct ecc_recording *rec,
    const char *id,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    struct ecc_diag *diag) {
    const struct s_exchange ex = {.fixed_id = id, .request = request, .response = response};
    return s_write(rec, &ex, NULL, 0, diag);
}

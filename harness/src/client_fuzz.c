/*
 * `ecsconf client --fuzz` (client_fuzz.h): the mutations of a client case's answers, the client case
 * each fuzzed answer is played as, the oracle over the adapter's run and the findings with their
 * reproducer files. The mutations are drawn from the runner's seeded generator (vars.h); whether an
 * answer is a success is decided by the response codec (codec_response.h) and nothing else.
 */
#include "ecc/client_fuzz.h"

#include "ecc/codec_response.h"
#include "ecc/http.h"
#include "ecc/json.h"
#include "ecc/vars.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bounds that keep a fuzzed answer, its reproducer file (ECC_SUITE_MAX_FILE_BYTES) and the adapter's
 * line within their caps: a huge value is huge for a client, not for the suite's own files. */
#define S_MAX_BODY_BYTES    ((size_t)200 * 1024)
#define S_MAX_NODES         512u
#define S_MAX_DEPTH         64u
#define S_HUGE_STRING_BYTES 32768u
#define S_HUGE_ARRAY_ITEMS  1000u
#define S_HUGE_OBJECT_ITEMS 2000u
#define S_MAX_FINDINGS      4096u
/* A value replaced by raw JSON text is first a string of this text, then spliced in the dump. */
#define S_SPLICE "ecsconf-fuzz-splice-5d1c"

static const char *const s_mutation_names[] = {
    "truncate",
    "wrong-type",
    "huge-value",
    "deep-value",
    "unknown-member",
    "odd-unicode",
    "wrong-status",
    "bad-header",
};

const char *ecc_client_fuzz_mutation_name(enum ecc_client_fuzz_mutation mutation) {
    return (size_t)mutation < ECC_ARRAY_LEN(s_mutation_names) ? s_mutation_names[mutation] : NULL;
}

void ecc_client_fuzz_answer_init(struct ecc_client_fuzz_answer *answer) {
    memset(answer, 0, sizeof(*answer));
    ecc_buf_init(&answer->body, S_MAX_BODY_BYTES);
}

void ecc_client_fuzz_answer_clean_up(struct ecc_client_fuzz_answer *answer) {
    json_decref(answer->headers);
    answer->headers = NULL;
    ecc_buf_clean_up(&answer->body);
}

uint64_t ecc_client_fuzz_seed(uint64_t run_seed, const char *case_id, unsigned iteration) {
    uint64_t hash = 0xcbf29ce484222325u; /* FNV-1a over the id: the case's own stream */
    for (const char *c = case_id; *c; c++) {
        hash = (hash ^ (uint8_t)*c) * 0x100000001b3u;
    }
    uint64_t state = run_seed ^ hash ^ ((uint64_t)iteration * 0x9e3779b97f4a7c15u);
    return ecc_vars_rng_next(&state);
}

static size_t s_pick(uint64_t *rng, size_t n) {
    return n == 0 ? 0 : (size_t)(ecc_vars_rng_next(rng) % n);
}

/* ---- the JSON tree of a body -------------------------------------------------------------------- */

struct s_node {
    json_t *parent; /* NULL for the root */
    char key[128];  /* in an object */
    size_t index;   /* in an array */
    json_t *value;
    char pointer[200];
};

struct s_nodes {
    struct s_node items[S_MAX_NODES];
    size_t count;
};

static void s_collect(
    struct s_nodes *nodes,
    json_t *value,
    json_t *parent,
    const char *key,
    size_t index,
    const char *pointer,
    unsigned depth) {
    if (nodes->count == S_MAX_NODES || depth > S_MAX_DEPTH) {
        return;
    }
    struct s_node *node = &nodes->items[nodes->count++];
    node->parent = parent;
    snprintf(node->key, sizeof(node->key), "%s", key != NULL ? key : "");
    node->index = index;
    node->value = value;
    snprintf(node->pointer, sizeof(node->pointer), "%s", pointer);
    char child[sizeof(node->pointer)];
    if (json_is_object(value)) {
        const char *name;
        json_t *member;
        json_object_foreach(value, name, member) {
            if (strlen(name) >= sizeof(node->key)) {
                continue; /* cannot be addressed again through the copied key */
            }
            snprintf(child, sizeof(child), "%s/%s", pointer, name);
            s_collect(nodes, member, value, name, 0, child, depth + 1);
        }
    } else if (json_is_array(value)) {
        for (size_t i = 0; i < json_array_size(value); i++) {
            snprintf(child, sizeof(child), "%s/%zu", pointer, i);
            s_collect(nodes, json_array_get(value, i), value, NULL, i, child, depth + 1);
        }
    }
}

/* Puts `replacement` (a new reference, stolen) where `node` is. */
static enum ecc_status s_replace(json_t **root, const struct s_node *node, json_t *replacement) {
    if (replacement == NULL) {
        return ECC_ERR_NOMEM;
    }
    if (node->parent == NULL) {
        json_decref(*root);
        *root = replacement;
        return ECC_OK;
    }
    int failed = json_is_object(node->parent) ? json_object_set_new(node->parent, node->key, replacement)
                                              : json_array_set_new(node->parent, node->index, replacement);
    return failed == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

static const char *s_where(const struct s_node *node) {
    return node->pointer[0] != '\0' ? node->pointer : "the body";
}

/* `text` into `body` with the quoted splice string at `at` replaced by `raw`. */
static enum ecc_status s_append_spliced(struct ecc_buf *body, const char *text, const char *at, const char *raw) {
    enum ecc_status status = ecc_buf_append(body, text, (size_t)(at - text));
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_buf_append_str(body, raw);
    if (status != ECC_OK) {
        return status;
    }
    return ecc_buf_append_str(body, at + strlen("\"" S_SPLICE "\""));
}

/* The tree as text into the answer's body, with the splice string replaced by `raw` when given. */
static enum ecc_status s_write_body(struct ecc_client_fuzz_answer *answer, const json_t *root, const char *raw) {
    char *text = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    if (text == NULL) {
        return ECC_ERR_NOMEM;
    }
    const char *at = raw != NULL ? strstr(text, "\"" S_SPLICE "\"") : NULL;
    ecc_buf_reset(&answer->body);
    enum ecc_status status =
        at == NULL ? ecc_buf_append_str(&answer->body, text) : s_append_spliced(&answer->body, text, at, raw);
    free(text);
    return status;
}

/* The end of a mutation that wrote raw text for `node` (bytes no JSON value holds): the splice string put
 * where the node was and the body written with `raw` in its place, unless `status` already failed; the
 * raw buffer released either way. */
static enum ecc_status s_splice_raw(
    json_t **root,
    const struct s_node *node,
    struct ecc_client_fuzz_answer *answer,
    struct ecc_buf *raw,
    enum ecc_status status) {
    if (status != ECC_OK) {
        goto done;
    }
    status = s_replace(root, node, json_string(S_SPLICE));
    if (status != ECC_OK) {
        goto done;
    }
    status = s_write_body(answer, *root, raw->data);

done:
    ecc_buf_clean_up(raw);
    return status;
}

/* answer->what for a value replaced at `node`: "<where>: <its type> became <what>". */
static void s_say_became(struct ecc_client_fuzz_answer *answer, const struct s_node *node, const char *what) {
    snprintf(
        answer->what, sizeof(answer->what), "%s: %s became %s", s_where(node), ecc_json_type_name(node->value), what);
}

/* ---- the mutations ------------------------------------------------------------------------------ */

/* The body cut short, at a character boundary (the reproducer is a JSON file: UTF-8 only). */
static enum ecc_status s_truncate(uint64_t *rng, struct ecc_client_fuzz_answer *answer, const char *text) {
    size_t len = strlen(text);
    size_t cut = len > 1 ? 1u + s_pick(rng, len - 1u) : 0; /* 1..len-1: a cut, not an empty body */
    while (cut > 1 && ((unsigned char)text[cut] & 0xc0u) == 0x80u) {
        cut--;
    }
    snprintf(answer->what, sizeof(answer->what), "the body cut to %zu of its %zu bytes", cut, len);
    ecc_buf_reset(&answer->body);
    return ecc_buf_append(&answer->body, text, cut);
}

static bool s_same_kind(const json_t *a, const json_t *b) {
    return json_typeof(a) == json_typeof(b) || (json_is_boolean(a) && json_is_boolean(b));
}

static enum ecc_status
s_wrong_type(uint64_t *rng, struct ecc_client_fuzz_answer *answer, json_t **root, const struct s_nodes *nodes) {
    const struct s_node *node = &nodes->items[s_pick(rng, nodes->count)];
    json_t *candidates[] = {
        json_string("ecsconf"),
        json_integer(42),
        json_real(0.5),
        json_true(),
        json_null(),
        json_array(),
        json_object()};
    size_t start = s_pick(rng, ECC_ARRAY_LEN(candidates));
    json_t *chosen = NULL;
    for (size_t k = 0; k < ECC_ARRAY_LEN(candidates) && chosen == NULL; k++) {
        json_t *candidate = candidates[(start + k) % ECC_ARRAY_LEN(candidates)];
        if (candidate != NULL && !s_same_kind(candidate, node->value)) {
            chosen = json_incref(candidate);
        }
    }
    s_say_became(answer, node, chosen != NULL ? ecc_json_type_name(chosen) : "?");
    for (size_t k = 0; k < ECC_ARRAY_LEN(candidates); k++) {
        json_decref(candidates[k]);
    }
    enum ecc_status status = s_replace(root, node, chosen);
    if (status != ECC_OK) {
        return status;
    }
    return s_write_body(answer, *root, NULL);
}

static json_t *s_huge_array(void) {
    json_t *array = json_array();
    for (unsigned i = 0; array != NULL && i < S_HUGE_ARRAY_ITEMS; i++) {
        if (json_array_append_new(array, json_integer(i)) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static json_t *s_huge_object(void) {
    json_t *object = json_object();
    for (unsigned i = 0; object != NULL && i < S_HUGE_OBJECT_ITEMS; i++) {
        char name[32];
        snprintf(name, sizeof(name), "ecsconfMember%u", i);
        if (json_object_set_new(object, name, json_integer(i)) != 0) {
            json_decref(object);
            return NULL;
        }
    }
    return object;
}

static json_t *s_huge_string(void) {
    char *text = malloc(S_HUGE_STRING_BYTES + 1u);
    if (text == NULL) {
        return NULL;
    }
    for (unsigned i = 0; i < S_HUGE_STRING_BYTES; i++) {
        text[i] = (char)('a' + i % 26u);
    }
    text[S_HUGE_STRING_BYTES] = '\0';
    json_t *value = json_string(text);
    free(text);
    return value;
}

static enum ecc_status
s_huge_value(uint64_t *rng, struct ecc_client_fuzz_answer *answer, json_t **root, const struct s_nodes *nodes) {
    const struct s_node *node = &nodes->items[s_pick(rng, nodes->count)];
    const char *raw = NULL;
    json_t *replacement = NULL;
    const char *what = NULL;
    switch (s_pick(rng, 6)) {
    case 0:
        replacement = s_huge_string();
        what = "a string of 32768 characters";
        break;
    case 1:
        replacement = s_huge_array();
        what = "an array of 1000 numbers";
        break;
    case 2:
        replacement = s_huge_object();
        what = "an object of 2000 members";
        break;
    case 3:
        raw = "1e999";
        what = "the number 1e999 (past a double)";
        break;
    case 4:
        raw = "184467440737095516160000";
        what = "the integer 184467440737095516160000 (past 64 bits)";
        break;
    default:
        replacement = json_integer(INT64_MAX);
        what = "the integer 9223372036854775807";
        break;
    }
    if (raw != NULL) {
        replacement = json_string(S_SPLICE);
    }
    s_say_became(answer, node, what);
    enum ecc_status status = s_replace(root, node, replacement);
    if (status != ECC_OK) {
        return status;
    }
    return s_write_body(answer, *root, raw);
}

/* `depth` nested objects or arrays around the number 1, as text into `raw`. */
static enum ecc_status s_nest(struct ecc_buf *raw, unsigned depth, bool objects) {
    for (unsigned i = 0; i < depth; i++) {
        enum ecc_status status = ecc_buf_append_str(raw, objects ? "{\"a\":" : "[");
        if (status != ECC_OK) {
            return status;
        }
    }
    enum ecc_status status = ecc_buf_append_str(raw, "1");
    if (status != ECC_OK) {
        return status;
    }
    for (unsigned i = 0; i < depth; i++) {
        status = ecc_buf_append_byte(raw, objects ? '}' : ']');
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status
s_deep_value(uint64_t *rng, struct ecc_client_fuzz_answer *answer, json_t **root, const struct s_nodes *nodes) {
    static const unsigned depths[] = {100, 1000, 5000};
    const struct s_node *node = &nodes->items[s_pick(rng, nodes->count)];
    unsigned depth = depths[s_pick(rng, ECC_ARRAY_LEN(depths))];
    bool objects = s_pick(rng, 2) == 1;
    struct ecc_buf raw;
    ecc_buf_init(&raw, S_MAX_BODY_BYTES);
    enum ecc_status status = s_nest(&raw, depth, objects);
    char what[40];
    snprintf(what, sizeof(what), "%u nested %s", depth, objects ? "objects" : "arrays");
    s_say_became(answer, node, what);
    return s_splice_raw(root, node, answer, &raw, status);
}

/* false when the body has no object to add to (the caller picks another mutation). */
static enum ecc_status s_unknown_member(
    uint64_t *rng, struct ecc_client_fuzz_answer *answer, json_t **root, const struct s_nodes *nodes, bool *done) {
    static const char *const names[] = {
        "ecsconfUnknownMember", "", "__type", "Tasks", "\xc3\xa9t\xc3\xa9", "\xf0\x9f\x92\xa5", "nextToken"};
    const struct s_node *objects[S_MAX_NODES];
    size_t count = 0;
    for (size_t i = 0; i < nodes->count; i++) {
        if (json_is_object(nodes->items[i].value)) {
            objects[count++] = &nodes->items[i];
        }
    }
    *done = false;
    if (count == 0) {
        return ECC_OK;
    }
    const struct s_node *node = objects[s_pick(rng, count)];
    size_t start = s_pick(rng, ECC_ARRAY_LEN(names));
    const char *name = NULL;
    for (size_t k = 0; k < ECC_ARRAY_LEN(names) && name == NULL; k++) {
        const char *candidate = names[(start + k) % ECC_ARRAY_LEN(names)];
        name = json_object_get(node->value, candidate) == NULL ? candidate : NULL;
    }
    if (name == NULL) {
        return ECC_OK;
    }
    json_t *values[] = {json_string("ecsconf"), json_integer(1), json_pack("{s:[i,i]}", "a", 1, 2), json_null()};
    size_t chosen = s_pick(rng, ECC_ARRAY_LEN(values));
    json_t *value = values[chosen];
    values[chosen] = NULL;
    for (size_t k = 0; k < ECC_ARRAY_LEN(values); k++) {
        json_decref(values[k]);
    }
    snprintf(answer->what, sizeof(answer->what), "%s: a member \"%s\" added", s_where(node), name);
    if (value == NULL || json_object_set_new(node->value, name, value) != 0) {
        return ECC_ERR_NOMEM;
    }
    *done = true;
    return s_write_body(answer, *root, NULL);
}

struct s_odd {
    const char *text; /* as written inside a JSON string literal */
    const char *name;
};

static const struct s_odd s_odd_texts[] = {
    {"\\u0000", "an escaped NUL"},
    {"\\ud800", "a lone high surrogate escape"},
    {"\\udc00", "a lone low surrogate escape"},
    {"\\ufeff", "a byte order mark"},
    {"\xe2\x80\xae", "U+202E RIGHT-TO-LEFT OVERRIDE"},
    {"\\uffff", "the noncharacter U+FFFF"},
    {"\\ud83d\\udca5", "U+1F4A5 as a surrogate pair"},
    {"e\xcc\x81", "a combining accent"},
    {"\xe2\x80\xa8", "U+2028 LINE SEPARATOR"},
};

/* The JSON string `literal` ("..." with its escapes) with `odd` put at its start or its end, into `raw`. */
static enum ecc_status s_odd_literal(struct ecc_buf *raw, const char *literal, const char *odd, bool at_end) {
    size_t len = strlen(literal);
    enum ecc_status status = at_end ? ecc_buf_append(raw, literal, len - 1u) : ecc_buf_append_str(raw, "\"");
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_buf_append_str(raw, odd);
    if (status != ECC_OK) {
        return status;
    }
    return at_end ? ecc_buf_append_str(raw, "\"") : ecc_buf_append_str(raw, literal + 1);
}

/* Odd Unicode at the start or the end of a string of the body, or a byte order mark before the body. */
static enum ecc_status s_odd_unicode(
    uint64_t *rng,
    struct ecc_client_fuzz_answer *answer,
    json_t **root,
    const struct s_nodes *nodes,
    const char *text) {
    const struct s_node *strings[S_MAX_NODES];
    size_t count = 0;
    for (size_t i = 0; nodes != NULL && i < nodes->count; i++) {
        if (json_is_string(nodes->items[i].value)) {
            strings[count++] = &nodes->items[i];
        }
    }
    size_t choice = s_pick(rng, ECC_ARRAY_LEN(s_odd_texts) + 1u);
    if (count == 0 || choice == ECC_ARRAY_LEN(s_odd_texts)) {
        snprintf(answer->what, sizeof(answer->what), "a byte order mark (U+FEFF) before the body");
        ecc_buf_reset(&answer->body);
        enum ecc_status status = ecc_buf_append_str(&answer->body, "\xef\xbb\xbf");
        if (status != ECC_OK) {
            return status;
        }
        return ecc_buf_append_str(&answer->body, text);
    }
    const struct s_node *node = strings[s_pick(rng, count)];
    const struct s_odd *odd = &s_odd_texts[choice];
    bool at_end = s_pick(rng, 2) == 1;
    char *literal = json_dumps(node->value, JSON_ENCODE_ANY); /* "..." with its own escapes */
    if (literal == NULL) {
        return ECC_ERR_NOMEM;
    }
    struct ecc_buf raw;
    ecc_buf_init(&raw, S_MAX_BODY_BYTES);
    enum ecc_status status = s_odd_literal(&raw, literal, odd->text, at_end);
    free(literal);
    snprintf(
        answer->what, sizeof(answer->what), "%s: %s at the %s", s_where(node), odd->name, at_end ? "end" : "start");
    return s_splice_raw(root, node, answer, &raw, status);
}

static enum ecc_status s_wrong_status(uint64_t *rng, struct ecc_client_fuzz_answer *answer, const char *text) {
    /* No 1xx, 204 or 304: those carry no body, and the body is what is kept. */
    static const int statuses[] = {200, 202, 203, 299, 300, 302, 400, 401, 404, 409, 413, 429, 500, 502, 503, 504};
    size_t start = s_pick(rng, ECC_ARRAY_LEN(statuses));
    int status_code = statuses[start];
    for (size_t k = 0; k < ECC_ARRAY_LEN(statuses) && status_code == answer->status; k++) {
        status_code = statuses[(start + k) % ECC_ARRAY_LEN(statuses)];
    }
    snprintf(answer->what, sizeof(answer->what), "status %d became %d, the body kept", answer->status, status_code);
    answer->status = status_code;
    ecc_buf_reset(&answer->body);
    return ecc_buf_append_str(&answer->body, text);
}

static void s_remove_header(json_t *headers, const char *name) {
    const char *key;
    json_t *value;
    void *tmp;
    json_object_foreach_safe(headers, tmp, key, value) {
        if (ecc_http_name_equal(key, name)) {
            json_object_del(headers, key);
        }
    }
}

static enum ecc_status s_set_header(json_t *headers, const char *name, const char *value) {
    s_remove_header(headers, name);
    return json_object_set_new(headers, name, json_string(value)) == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

/* The header edits of a bad-header answer, in the order the generator picks them: a seed's answers
 * depend on this order, so a new edit goes at the end. */
static const struct s_header_edit {
    const char *remove[2];  /* headers taken away first */
    const char *name;       /* the header then set, or NULL */
    const char *value;      /* its value; NULL: `value_chars` characters 'r' */
    unsigned value_chars;   /* see `value` */
    unsigned extra_headers; /* X-Ecsconf-Fuzz-0, -1, ... added */
    const char *what;
} s_header_edits[] = {
    {{"Content-Type", NULL}, NULL, NULL, 0, 0, "no Content-Type"},
    {{NULL, NULL}, "Content-Type", "text/html; charset=utf-8", 0, 0, "Content-Type: text/html; charset=utf-8"},
    {{NULL, NULL}, "Content-Type", "application/json", 0, 0, "Content-Type: application/json"},
    {{NULL, NULL}, "X-Amzn-Errortype", "ServerException", 0, 0, "X-Amzn-Errortype: ServerException added"},
    {{NULL, NULL}, "X-Amzn-Errortype", "::#", 0, 0, "X-Amzn-Errortype: ::# (no usable type)"},
    {{"X-Amzn-Errortype", "Content-Type"}, NULL, NULL, 0, 0, "no Content-Type and no X-Amzn-Errortype"},
    {{NULL, NULL}, "x-amzn-RequestId", NULL, 8000, 0, "x-amzn-RequestId of 8000 characters"},
    {{NULL, NULL}, "Content-Encoding", "gzip", 0, 0, "Content-Encoding: gzip on a body that is not compressed"},
    {{NULL, NULL}, NULL, NULL, 0, 60, "60 extra headers"},
};

static enum ecc_status s_bad_header(uint64_t *rng, struct ecc_client_fuzz_answer *answer, const char *text) {
    const struct s_header_edit *edit = &s_header_edits[s_pick(rng, ECC_ARRAY_LEN(s_header_edits))];
    json_t *headers = answer->headers;
    enum ecc_status status = ECC_OK;
    for (size_t i = 0; i < ECC_ARRAY_LEN(edit->remove) && edit->remove[i] != NULL; i++) {
        s_remove_header(headers, edit->remove[i]);
    }
    if (edit->name != NULL) {
        char long_value[8001];
        const char *value = edit->value;
        if (value == NULL) {
            size_t chars = edit->value_chars < sizeof(long_value) ? edit->value_chars : sizeof(long_value) - 1u;
            memset(long_value, 'r', chars);
            long_value[chars] = '\0';
            value = long_value;
        }
        status = s_set_header(headers, edit->name, value);
        if (status != ECC_OK) {
            return status;
        }
    }
    for (unsigned i = 0; i < edit->extra_headers; i++) {
        char name[40];
        snprintf(name, sizeof(name), "X-Ecsconf-Fuzz-%u", i);
        status = s_set_header(headers, name, "ecsconf");
        if (status != ECC_OK) {
            return status;
        }
    }
    snprintf(answer->what, sizeof(answer->what), "%s", edit->what);
    ecc_buf_reset(&answer->body);
    return ecc_buf_append_str(&answer->body, text);
}

/* ---- the oracle's half that reads the answer ---------------------------------------------------- */

static void s_key_part(char *out, size_t size, const char *text) {
    size_t n = 0;
    for (const char *c = text; *c && n + 1u < size; c++) {
        char ch = *c;
        if (ch >= 'A' && ch <= 'Z') {
            ch = (char)(ch - 'A' + 'a');
        }
        out[n++] = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : '-';
    }
    out[n] = '\0';
}

/* The answer as the response codec receives it. */
static enum ecc_status s_codec_input(const struct ecc_client_fuzz_answer *answer, struct ecc_http_response *response) {
    response->status = answer->status;
    const char *name;
    json_t *value;
    json_object_foreach(answer->headers, name, value) {
        enum ecc_status status = ecc_http_headers_add(&response->headers, name, json_string_value(value));
        if (status != ECC_OK) {
            return status;
        }
    }
    return ecc_http_response_set_body(response, answer->body.data != NULL ? answer->body.data : "", answer->body.len);
}

/* What the codec made of the answer, in words (`codec`) and as a key (`codec_key`). */
static void s_say_outcome(struct ecc_client_fuzz_answer *answer, const struct ecc_response_outcome *outcome) {
    answer->must_fail = outcome->kind != ECC_RESPONSE_SUCCESS;
    switch (outcome->kind) {
    case ECC_RESPONSE_SUCCESS:
        snprintf(answer->codec, sizeof(answer->codec), "a success");
        snprintf(answer->codec_key, sizeof(answer->codec_key), "success");
        break;
    case ECC_RESPONSE_ERROR:
    case ECC_RESPONSE_UNKNOWN_ERROR:
        snprintf(
            answer->codec,
            sizeof(answer->codec),
            "an error answer (%s)",
            outcome->error.type_name != NULL ? outcome->error.type_name : "?");
        snprintf(answer->codec_key, sizeof(answer->codec_key), "error");
        break;
    case ECC_RESPONSE_PROTOCOL_ERROR:
        snprintf(
            answer->codec,
            sizeof(answer->codec),
            "a protocol error (%s: %.200s)",
            ecc_protocol_error_name(outcome->protocol_error),
            outcome->diag.text);
        s_key_part(answer->codec_key, sizeof(answer->codec_key), ecc_protocol_error_name(outcome->protocol_error));
        break;
    }
}

/* What the response codec makes of the answer: the ground truth of `must_fail`. */
static enum ecc_status s_read_with_codec(struct ecc_client_fuzz_answer *answer) {
    struct ecc_http_response response;
    struct ecc_response_outcome outcome;
    struct ecc_run_task_response typed;
    ecc_http_response_init(&response);
    ecc_response_outcome_init(&outcome);
    ecc_run_task_response_init(&typed);
    enum ecc_status status = s_codec_input(answer, &response);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_codec_parse_run_task_response(&response, NULL, &outcome, &typed);
    if (status != ECC_OK) {
        goto done;
    }
    s_say_outcome(answer, &outcome);

done:
    ecc_run_task_response_clean_up(&typed);
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&response);
    return status;
}

/* ---- one fuzzed answer -------------------------------------------------------------------------- */

static bool s_has_answer(const struct ecc_client_case_response *response) {
    return response->fault != ECC_HTTP_FAULT_HANG && response->fault != ECC_HTTP_FAULT_RESET;
}

static enum ecc_status s_apply(
    uint64_t *rng,
    enum ecc_client_fuzz_mutation mutation,
    struct ecc_client_fuzz_answer *answer,
    json_t **root,
    struct s_nodes *nodes,
    const char *text) {
    switch (mutation) {
    case ECC_CLIENT_FUZZ_TRUNCATE:
        return s_truncate(rng, answer, text);
    case ECC_CLIENT_FUZZ_WRONG_TYPE:
        return s_wrong_type(rng, answer, root, nodes);
    case ECC_CLIENT_FUZZ_HUGE_VALUE:
        return s_huge_value(rng, answer, root, nodes);
    case ECC_CLIENT_FUZZ_DEEP_VALUE:
        return s_deep_value(rng, answer, root, nodes);
    case ECC_CLIENT_FUZZ_ODD_UNICODE:
        return s_odd_unicode(rng, answer, root, *root != NULL ? nodes : NULL, text);
    case ECC_CLIENT_FUZZ_WRONG_STATUS:
        return s_wrong_status(rng, answer, text);
    case ECC_CLIENT_FUZZ_BAD_HEADER:
    case ECC_CLIENT_FUZZ_UNKNOWN_MEMBER: /* handled by the caller */
    case ECC_CLIENT_FUZZ_MUTATION_COUNT:
        break;
    }
    return s_bad_header(rng, answer, text);
}

/* Picks the mutation (one that applies to the body) and applies it. */
static enum ecc_status s_mutate_body(
    uint64_t *rng, struct ecc_client_fuzz_answer *answer, json_t **root, struct s_nodes *nodes, const char *text) {
    enum ecc_client_fuzz_mutation mutation = (enum ecc_client_fuzz_mutation)s_pick(rng, ECC_CLIENT_FUZZ_MUTATION_COUNT);
    bool structural = mutation == ECC_CLIENT_FUZZ_WRONG_TYPE || mutation == ECC_CLIENT_FUZZ_HUGE_VALUE ||
                      mutation == ECC_CLIENT_FUZZ_DEEP_VALUE || mutation == ECC_CLIENT_FUZZ_UNKNOWN_MEMBER;
    if (structural && *root == NULL) {
        /* Not JSON (an HTML page, an empty body): only the mutations of text, status and headers apply. */
        static const enum ecc_client_fuzz_mutation text_only[] = {
            ECC_CLIENT_FUZZ_TRUNCATE,
            ECC_CLIENT_FUZZ_ODD_UNICODE,
            ECC_CLIENT_FUZZ_WRONG_STATUS,
            ECC_CLIENT_FUZZ_BAD_HEADER};
        mutation = text_only[s_pick(rng, ECC_ARRAY_LEN(text_only))];
    }
    if (mutation == ECC_CLIENT_FUZZ_TRUNCATE && text[0] == '\0') {
        mutation = ECC_CLIENT_FUZZ_BAD_HEADER; /* nothing to cut */
    }
    if (mutation == ECC_CLIENT_FUZZ_UNKNOWN_MEMBER) {
        bool done = false;
        enum ecc_status status = s_unknown_member(rng, answer, root, nodes, &done);
        if (status != ECC_OK || done) {
            answer->mutation = mutation;
            return status;
        }
        mutation = ECC_CLIENT_FUZZ_WRONG_TYPE; /* no object in the body */
    }
    answer->mutation = mutation;
    return s_apply(rng, mutation, answer, root, nodes, text);
}

enum ecc_status
ecc_client_fuzz_mutate(const struct ecc_client_case *c, uint64_t seed, struct ecc_client_fuzz_answer *answer) {
    size_t bases[64];
    size_t base_count = 0;
    for (size_t i = 0; i < c->response_count && base_count < ECC_ARRAY_LEN(bases); i++) {
        if (s_has_answer(&c->responses[i])) {
            bases[base_count++] = i;
        }
    }
    if (base_count == 0) {
        return ECC_ERR_NOT_FOUND;
    }
    uint64_t rng = seed;
    const struct ecc_client_case_response *base = &c->responses[bases[s_pick(&rng, base_count)]];
    answer->base = (size_t)(base - c->responses);
    answer->status = base->status;
    answer->headers = base->headers != NULL ? json_deep_copy(base->headers) : json_object();
    char *text = base->body != NULL ? json_dumps(base->body, JSON_COMPACT | JSON_ENCODE_ANY)
                                    : ecc_strdup(base->body_text != NULL ? base->body_text : "");
    if (answer->headers == NULL || text == NULL) {
        free(text);
        return ECC_ERR_NOMEM;
    }
    json_t *root = json_loads(text, JSON_DECODE_ANY, NULL);
    struct s_nodes *nodes = calloc(1, sizeof(*nodes));
    enum ecc_status status = nodes != NULL ? ECC_OK : ECC_ERR_NOMEM;
    if (status != ECC_OK) {
        goto done;
    }
    if (root != NULL) {
        s_collect(nodes, root, NULL, NULL, 0, "", 0);
    }
    status = s_mutate_body(&rng, answer, &root, nodes, text);
    if (status == ECC_ERR_LIMIT) {
        status = ECC_ERR_INTERNAL; /* the bounds above keep every mutation under the body cap */
    }
    if (status != ECC_OK) {
        goto done;
    }
    status = s_read_with_codec(answer);

done:
    free(nodes);
    json_decref(root);
    free(text);
    return status;
}

/* ---- the case that plays it --------------------------------------------------------------------- */

enum ecc_status ecc_client_fuzz_case_document(
    const struct ecc_client_case *c,
    const char *region,
    const struct ecc_client_fuzz_answer *answer,
    const char *id,
    const char *title,
    json_t **out,
    struct ecc_diag *diag) {
    json_t *params = NULL;
    enum ecc_status status = ecc_client_case_params(c, region, &params, diag);
    if (status != ECC_OK) {
        return status;
    }
    char description[1400];
    snprintf(
        description,
        sizeof(description),
        "Made up by ecsconf client --fuzz (not recorded): answer %zu (%s) of client case %s with one mutation, "
        "%s: %s. ecsconf's response codec reads it as %s, so a client must %s.",
        answer->base + 1u,
        c->responses[answer->base].label,
        c->id,
        ecc_client_fuzz_mutation_name(answer->mutation),
        answer->what,
        answer->codec,
        answer->must_fail ? "report an error (ok: false), never a success" : "end with its JSON line");
    json_t *responses = json_array();
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:[s], s:{s:o}, s:o, s:{s:{s:i, s:i}}}",
        "id",
        id,
        "title",
        title,
        "description",
        description,
        "tags",
        "fuzz",
        "request",
        "params",
        params,
        "responses",
        responses,
        "expect",
        "requests",
        "min",
        1,
        "max",
        (int)ECC_CLIENT_FUZZ_ATTEMPTS);
    if (doc == NULL) {
        return ECC_ERR_NOMEM;
    }
    for (unsigned i = 0; i < ECC_CLIENT_FUZZ_ATTEMPTS; i++) {
        json_t *item = json_pack(
            "{s:i, s:O, s:s%}",
            "status",
            answer->status,
            "headers",
            answer->headers,
            "body_text",
            answer->body.data != NULL ? answer->body.data : "",
            answer->body.len);
        if (item == NULL || json_array_append_new(responses, item) != 0) {
            json_decref(doc);
            return ECC_ERR_NOMEM;
        }
    }
    if (answer->must_fail &&
        json_object_set_new(json_object_get(doc, "expect"), "result", json_pack("{s:b}", "/ok", 0)) != 0) {
        json_decref(doc);
        return ECC_ERR_NOMEM;
    }
    *out = doc;
    return ECC_OK;
}

/* ---- findings ----------------------------------------------------------------------------------- */

enum ecc_status ecc_client_fuzz_findings_init(struct ecc_client_fuzz_findings *findings, const char *dir) {
    memset(findings, 0, sizeof(*findings));
    findings->dir = ecc_strdup(dir);
    if (findings->dir == NULL || pthread_mutex_init(&findings->mutex, NULL) != 0) {
        free(findings->dir);
        findings->dir = NULL;
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

void ecc_client_fuzz_findings_clean_up(struct ecc_client_fuzz_findings *findings) {
    if (findings->dir == NULL) {
        return;
    }
    for (size_t i = 0; i < findings->count; i++) {
        struct ecc_client_fuzz_finding *finding = &findings->items[i];
        free(finding->key);
        free(finding->file);
        free(finding->first_case);
        free(finding->detail);
    }
    free(findings->items);
    free(findings->dir);
    pthread_mutex_destroy(&findings->mutex);
    memset(findings, 0, sizeof(*findings));
}

static int s_compare_findings(const void *a, const void *b) {
    const struct ecc_client_fuzz_finding *x = a;
    const struct ecc_client_fuzz_finding *y = b;
    return strcmp(x->key, y->key);
}

void ecc_client_fuzz_findings_sort(struct ecc_client_fuzz_findings *findings) {
    if (findings->count > 1) {
        qsort(findings->items, findings->count, sizeof(*findings->items), s_compare_findings);
    }
}

/* One occurrence of what happens at (case, iteration). */
struct s_occurrence {
    const char *key;
    const char *case_id;
    unsigned iteration;
    uint64_t seed;
    const char *detail;
    json_t *doc; /* the case played; its id becomes the key in the reproducer */
};

/* Writes the occurrence's case as the finding's reproducer and makes it the finding's first. */
static enum ecc_status s_write_reproducer(
    const struct ecc_client_fuzz_findings *findings,
    struct ecc_client_fuzz_finding *finding,
    const struct s_occurrence *occurrence,
    struct ecc_diag *diag) {
    char path[2048];
    snprintf(path, sizeof(path), "%s/%s.json", findings->dir, occurrence->key);
    if (mkdir(findings->dir, 0777) != 0 && errno != EEXIST) {
        ecc_diag_set(diag, "cannot create %s: %s", findings->dir, strerror(errno));
        return ECC_ERR_IO;
    }
    if (json_object_set_new(occurrence->doc, "id", json_string(occurrence->key)) != 0) {
        return ECC_ERR_NOMEM;
    }
    if (json_dump_file(occurrence->doc, path, JSON_INDENT(2)) != 0) {
        ecc_diag_set(diag, "cannot write the reproducer %s: %s", path, strerror(errno));
        return ECC_ERR_IO;
    }
    char *file = ecc_strdup(path);
    char *first_case = ecc_strdup(occurrence->case_id);
    char *detail = ecc_strdup(occurrence->detail);
    if (file == NULL || first_case == NULL || detail == NULL) {
        free(file);
        free(first_case);
        free(detail);
        return ECC_ERR_NOMEM;
    }
    free(finding->file);
    free(finding->first_case);
    free(finding->detail);
    finding->file = file;
    finding->first_case = first_case;
    finding->detail = detail;
    finding->first_iteration = occurrence->iteration;
    finding->first_seed = occurrence->seed;
    return ECC_OK;
}

/* Registers an occurrence under the registry's mutex: `file` receives the path of the key's reproducer. */
static enum ecc_status s_register(
    struct ecc_client_fuzz_findings *findings,
    const struct s_occurrence *occurrence,
    char *file,
    size_t file_size,
    struct ecc_diag *diag) {
    pthread_mutex_lock(&findings->mutex);
    enum ecc_status status = ECC_OK;
    struct ecc_client_fuzz_finding *finding = NULL;
    for (size_t i = 0; i < findings->count && finding == NULL; i++) {
        finding = strcmp(findings->items[i].key, occurrence->key) == 0 ? &findings->items[i] : NULL;
    }
    if (finding == NULL) {
        struct ecc_client_fuzz_finding *items =
            ecc_array_grow(findings->items, &findings->capacity, findings->count, sizeof(*items), 8, S_MAX_FINDINGS);
        if (items == NULL) {
            status = ECC_ERR_NOMEM;
            goto done;
        }
        findings->items = items;
        finding = &findings->items[findings->count++];
        memset(finding, 0, sizeof(*finding));
        finding->key = ecc_strdup(occurrence->key);
        if (finding->key == NULL) {
            findings->count--;
            status = ECC_ERR_NOMEM;
            goto done;
        }
    }
    /* The reproducer is the occurrence first in (case id, iteration) order, whichever thread met it
     * first, so a seed gives the same files with any --jobs. */
    int order = finding->first_case == NULL ? -1 : strcmp(occurrence->case_id, finding->first_case);
    if (order < 0 || (order == 0 && occurrence->iteration < finding->first_iteration)) {
        status = s_write_reproducer(findings, finding, occurrence, diag);
        if (status != ECC_OK) {
            goto done;
        }
    }
    finding->count++;
    snprintf(file, file_size, "%s", finding->file);

done:
    pthread_mutex_unlock(&findings->mutex);
    return status;
}

/* ---- a case's fuzz run -------------------------------------------------------------------------- */

struct s_iteration {
    const struct ecc_client_case *c;
    const struct ecc_client_run_options *run;
    const struct ecc_client_fuzz_options *options;
    unsigned iteration;
    uint64_t seed;
};

/* The oracle over one adapter run: the finding's rule, or NULL. */
static const char *s_rule(
    const struct ecc_client_fuzz_answer *answer,
    const struct ecc_client_case_result *played,
    char *detail,
    size_t size) {
    if (played->adapter_failure != ECC_CLIENT_ADAPTER_OK) {
        snprintf(detail, size, "%s", played->reasons.count > 0 ? played->reasons.items[0] : "the adapter broke");
        return ecc_client_adapter_failure_name(played->adapter_failure);
    }
    const json_t *line = json_array_get(played->outputs, 0);
    if (line != NULL && answer->must_fail && json_is_true(json_object_get(line, "ok"))) {
        snprintf(detail, size, "the client reported ok: true for %s", answer->codec);
        return answer->codec_key[0] != '\0' && strcmp(answer->codec_key, "error") == 0 ? "accepted-error"
                                                                                       : "accepted-malformed";
    }
    return NULL;
}

/* Plays one fuzzed answer; appends a finding's reason to `result`, counts a skip in *skipped. */
static enum ecc_status
s_play(const struct s_iteration *it, struct ecc_client_case_result *result, bool *skipped, struct ecc_diag *diag) {
    const struct ecc_client_case *c = it->c;
    const char *region = it->run->region != NULL ? it->run->region : ECC_MOCK_DEFAULT_REGION;
    struct ecc_client_fuzz_answer answer;
    struct ecc_client_case_result played;
    struct ecc_client_case *fuzz_case = NULL;
    json_t *doc = NULL;
    char *text = NULL;
    ecc_client_fuzz_answer_init(&answer);
    ecc_client_case_result_init(&played);
    enum ecc_status status = ecc_client_fuzz_mutate(c, it->seed, &answer);
    if (status != ECC_OK) {
        goto done;
    }
    char id[ECC_SUITE_MAX_ID_LEN + 1];
    char title[600];
    snprintf(id, sizeof(id), "fuzz-%u-%.80s", it->iteration, c->id);
    snprintf(
        title,
        sizeof(title),
        "%s, fuzzed answer %u (run seed %llu): %s, %.300s",
        c->id,
        it->iteration,
        (unsigned long long)it->options->seed,
        ecc_client_fuzz_mutation_name(answer.mutation),
        answer.what);
    status = ecc_client_fuzz_case_document(c, region, &answer, id, title, &doc, diag);
    if (status != ECC_OK) {
        goto done;
    }
    text = json_dumps(doc, JSON_INDENT(2));
    if (text == NULL) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    /* Played through the loader, as its reproducer will be: what ran is what the file holds. */
    status = ecc_client_case_load_bytes((const uint8_t *)text, strlen(text), id, NULL, &fuzz_case, diag);
    if (status != ECC_OK) {
        status = status == ECC_ERR_NOMEM ? status : ECC_ERR_INTERNAL;
        goto done;
    }
    status = ecc_client_case_run(fuzz_case, it->run, &played, diag);
    if (status != ECC_OK) {
        goto done;
    }
    result->requests += played.requests;
    *skipped = played.verdict == ECC_CLIENT_CASE_SKIP && json_array_size(played.outputs) == 0;
    char detail[700];
    const char *rule = *skipped ? NULL : s_rule(&answer, &played, detail, sizeof(detail));
    if (rule == NULL) {
        goto done;
    }
    char key[160];
    char mutation[32];
    s_key_part(mutation, sizeof(mutation), ecc_client_fuzz_mutation_name(answer.mutation));
    snprintf(key, sizeof(key), "%s-%s-%s", rule, mutation, answer.codec_key);
    char file[2100];
    struct s_occurrence occurrence = {
        .key = key, .case_id = c->id, .iteration = it->iteration, .seed = it->seed, .detail = detail, .doc = doc};
    status = s_register(it->options->findings, &occurrence, file, sizeof(file), diag);
    if (status != ECC_OK) {
        goto done;
    }
    result->verdict = ECC_CLIENT_CASE_FAIL;
    char reason[3000];
    snprintf(
        reason,
        sizeof(reason),
        "%s: %.700s (fuzzed answer %u, seed %llu: answer %zu %.128s, %s: %.300s); reproducer %.1200s",
        key,
        detail,
        it->iteration,
        (unsigned long long)it->options->seed,
        answer.base + 1u,
        c->responses[answer.base].label,
        ecc_client_fuzz_mutation_name(answer.mutation),
        answer.what,
        file);
    status = ecc_string_list_append(&result->reasons, reason);

done:
    ecc_client_case_destroy(fuzz_case);
    free(text);
    json_decref(doc);
    ecc_client_case_result_clean_up(&played);
    ecc_client_fuzz_answer_clean_up(&answer);
    return status;
}

enum ecc_status ecc_client_fuzz_case_run(
    const struct ecc_client_case *c,
    const struct ecc_client_run_options *run,
    const struct ecc_client_fuzz_options *options,
    struct ecc_client_case_result *result,
    struct ecc_diag *diag) {
    result->verdict = ECC_CLIENT_CASE_PASS;
    result->outputs = json_array();
    if (result->outputs == NULL) {
        return ECC_ERR_NOMEM;
    }
    unsigned played = 0;
    unsigned skipped = 0;
    for (unsigned i = 0; i < options->count; i++) {
        if (options->interrupted != NULL && *options->interrupted != 0) {
            break;
        }
        struct s_iteration it = {
            .c = c,
            .run = run,
            .options = options,
            .iteration = i,
            .seed = ecc_client_fuzz_seed(options->seed, c->id, i)};
        bool was_skipped = false;
        enum ecc_status status = s_play(&it, result, &was_skipped, diag);
        if (status == ECC_ERR_NOT_FOUND) {
            result->verdict = ECC_CLIENT_CASE_SKIP;
            return ecc_string_list_append(
                &result->reasons, "nothing to fuzz: every answer of the case is a hang or a reset");
        }
        if (status != ECC_OK) {
            return status;
        }
        played++;
        skipped += was_skipped ? 1u : 0u;
    }
    if (result->verdict == ECC_CLIENT_CASE_PASS && played > 0 && skipped == played) {
        result->verdict = ECC_CLIENT_CASE_SKIP;
        return ecc_string_list_append(&result->reasons, "the client cannot express this case (every fuzzed answer)");
    }
    return ECC_OK;
}

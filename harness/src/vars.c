/*
 * Case variables (vars.h): the table of `${name}` values of one running case, substitution into strings
 * and JSON (a whole-string reference keeps its JSON type), `${uuid}` and `${repeat:N:T}`, and the
 * seeded splitmix64 generator the runner orders and names with.
 */
#include "ecc/vars.h"

#include "ecc/json.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ECC_VARS_MAX_NAME 200

enum s_token_kind { S_TOKEN_TEXT, S_TOKEN_REF, S_TOKEN_END };

struct s_token {
    enum s_token_kind kind;
    const char *start;
    size_t len;
};

/* The one tokenizer behind expand and scan: literal text runs (with `$$` as one `$`) and `${...}` references. */
static enum ecc_status s_next_token(const char **cursor, struct s_token *token, struct ecc_diag *diag) {
    const char *p = *cursor;
    if (!*p) {
        token->kind = S_TOKEN_END;
        return ECC_OK;
    }
    if (p[0] == '$' && p[1] == '$') {
        token->kind = S_TOKEN_TEXT;
        token->start = p;
        token->len = 1;
        *cursor = p + 2;
        return ECC_OK;
    }
    if (p[0] == '$' && p[1] == '{') {
        const char *end = strchr(p + 2, '}');
        if (!end) {
            ecc_diag_set(diag, "unterminated '${' in \"%.80s\"", p);
            return ECC_ERR_INVALID;
        }
        size_t len = (size_t)(end - (p + 2));
        if (len == 0 || len > ECC_VARS_MAX_NAME) {
            ecc_diag_set(diag, "variable name must have 1 to %d characters: \"%.80s\"", ECC_VARS_MAX_NAME, p);
            return ECC_ERR_INVALID;
        }
        token->kind = S_TOKEN_REF;
        token->start = p + 2;
        token->len = len;
        *cursor = end + 1;
        return ECC_OK;
    }
    /* A literal run up to the next `$` (a lone `$` is itself). */
    const char *next = strchr(p + 1, '$');
    token->kind = S_TOKEN_TEXT;
    token->start = p;
    token->len = next ? (size_t)(next - p) : strlen(p);
    *cursor = p + token->len;
    return ECC_OK;
}

/* `repeat:N:TEXT` → count and text; false when the form is not a repeat. */
static enum ecc_status
s_parse_repeat(const char *name, bool *is_repeat, unsigned long *count, const char **text, struct ecc_diag *diag) {
    *is_repeat = strncmp(name, "repeat:", 7) == 0;
    if (!*is_repeat) {
        return ECC_OK;
    }
    const char *digits = name + 7;
    char *end = NULL;
    if (!isdigit((unsigned char)digits[0])) {
        ecc_diag_set(diag, "bad ${repeat:N:TEXT}: \"%s\" (N must be a number)", name);
        return ECC_ERR_INVALID;
    }
    unsigned long n = strtoul(digits, &end, 10);
    if (*end != ':' || n > ECC_VARS_MAX_REPEAT) {
        ecc_diag_set(diag, "bad ${repeat:N:TEXT}: \"%s\" (N at most %d, then ':')", name, ECC_VARS_MAX_REPEAT);
        return ECC_ERR_INVALID;
    }
    *count = n;
    *text = end + 1;
    return ECC_OK;
}

uint64_t ecc_vars_rng_next(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void ecc_vars_uuid(struct ecc_vars *vars, char out[37]) {
    uint8_t bytes[16];
    for (size_t i = 0; i < 16; i += 8) {
        uint64_t r = ecc_vars_rng_next(&vars->rng_state);
        memcpy(bytes + i, &r, 8);
    }
    ecc_uuid4_format(bytes, out);
}

enum ecc_status ecc_vars_init(struct ecc_vars *vars, uint64_t seed) {
    vars->values = json_object();
    vars->rng_state = seed;
    return vars->values ? ECC_OK : ECC_ERR_NOMEM;
}

void ecc_vars_clean_up(struct ecc_vars *vars) {
    json_decref(vars->values);
    vars->values = NULL;
}

enum ecc_status ecc_vars_set(struct ecc_vars *vars, const char *name, const json_t *value) {
    json_t *copy = json_deep_copy(value);
    if (!copy || json_object_set_new(vars->values, name, copy) != 0) {
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

enum ecc_status ecc_vars_set_string(struct ecc_vars *vars, const char *name, const char *value) {
    json_t *copy = json_string(value);
    if (!copy || json_object_set_new(vars->values, name, copy) != 0) {
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

/* The value of one reference as a new JSON value. */
static enum ecc_status s_resolve(struct ecc_vars *vars, const char *name, json_t **out, struct ecc_diag *diag) {
    if (strcmp(name, "uuid") == 0) {
        char uuid[37];
        ecc_vars_uuid(vars, uuid);
        *out = json_string(uuid);
        return *out ? ECC_OK : ECC_ERR_NOMEM;
    }
    bool is_repeat = false;
    unsigned long count = 0;
    const char *text = NULL;
    enum ecc_status status = s_parse_repeat(name, &is_repeat, &count, &text, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (is_repeat) {
        size_t unit = strlen(text);
        if (unit && count > ECC_VARS_MAX_TEXT_BYTES / unit) {
            ecc_diag_set(diag, "${%s} is longer than %d bytes", name, ECC_VARS_MAX_TEXT_BYTES);
            return ECC_ERR_LIMIT;
        }
        char *joined = malloc(unit * count + 1);
        if (!joined) {
            return ECC_ERR_NOMEM;
        }
        for (unsigned long i = 0; i < count; i++) {
            memcpy(joined + i * unit, text, unit);
        }
        joined[unit * count] = '\0';
        *out = json_string(joined);
        free(joined);
        return *out ? ECC_OK : ECC_ERR_NOMEM;
    }
    const json_t *value = json_object_get(vars->values, name);
    if (!value) {
        ecc_diag_set(diag, "unknown variable ${%s}", name);
        return ECC_ERR_INVALID;
    }
    *out = json_deep_copy(value);
    return *out ? ECC_OK : ECC_ERR_NOMEM;
}

static enum ecc_status
s_append_as_text(struct ecc_buf *out, const char *name, const json_t *value, struct ecc_diag *diag) {
    switch (json_typeof(value)) {
    case JSON_STRING:
        return ecc_buf_append(out, json_string_value(value), json_string_length(value));
    case JSON_INTEGER:
        return ecc_buf_printf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
    case JSON_REAL:
        return ecc_buf_printf(out, "%.17g", json_real_value(value));
    case JSON_TRUE:
        return ecc_buf_append_str(out, "true");
    case JSON_FALSE:
        return ecc_buf_append_str(out, "false");
    default:
        ecc_diag_set(
            diag,
            "${%s} is %s and cannot be part of a longer string",
            name,
            ecc_json_type_article(value ? json_typeof(value) : JSON_NULL));
        return ECC_ERR_INVALID;
    }
}

/* Copies the reference name into a NUL-terminated buffer. */
static void s_token_name(const struct s_token *token, char name[ECC_VARS_MAX_NAME + 1]) {
    memcpy(name, token->start, token->len);
    name[token->len] = '\0';
}

/* What the walker does with one piece of a text (a literal run or a reference). */
typedef enum ecc_status(s_token_fn)(void *ctx, const struct s_token *token, struct ecc_diag *diag);

/* The one walk over a text behind expand and scan: `fn` on each piece in order, up to the first failure. */
static enum ecc_status s_walk_tokens(const char *text, s_token_fn *fn, void *ctx, struct ecc_diag *diag) {
    const char *cursor = text;
    for (;;) {
        struct s_token token;
        enum ecc_status status = s_next_token(&cursor, &token, diag);
        if (status != ECC_OK || token.kind == S_TOKEN_END) {
            return status;
        }
        status = fn(ctx, &token, diag);
        if (status != ECC_OK) {
            return status;
        }
    }
}

struct s_expand_text {
    struct ecc_vars *vars;
    struct ecc_buf *out;
};

/* Appends one piece of a text: a literal run as it is, a reference's value as text. */
static enum ecc_status
s_append_token(struct ecc_vars *vars, const struct s_token *token, struct ecc_buf *out, struct ecc_diag *diag) {
    if (token->kind == S_TOKEN_TEXT) {
        return ecc_buf_append(out, token->start, token->len);
    }
    char name[ECC_VARS_MAX_NAME + 1];
    s_token_name(token, name);
    json_t *value = NULL;
    enum ecc_status status = s_resolve(vars, name, &value, diag);
    if (status != ECC_OK) {
        return status; /* nothing resolved, nothing to release */
    }
    status = s_append_as_text(out, name, value, diag);
    json_decref(value);
    return status;
}

static enum ecc_status s_expand_token(void *ctx, const struct s_token *token, struct ecc_diag *diag) {
    struct s_expand_text *expand = ctx;
    enum ecc_status status = s_append_token(expand->vars, token, expand->out, diag);
    if (status == ECC_ERR_LIMIT) {
        ecc_diag_set(diag, "expanded text is longer than %zu bytes", expand->out->max_bytes);
    }
    return status;
}

enum ecc_status
ecc_vars_expand_text(struct ecc_vars *vars, const char *text, struct ecc_buf *out, struct ecc_diag *diag) {
    struct s_expand_text expand = {.vars = vars, .out = out};
    return s_walk_tokens(text, s_expand_token, &expand, diag);
}

static enum ecc_status
s_expand_string(struct ecc_vars *vars, const json_t *string, json_t **out, struct ecc_diag *diag) {
    const char *text = json_string_value(string);
    if (!strchr(text, '$')) {
        *out = json_incref((json_t *)string);
        return ECC_OK;
    }
    /* Exactly one reference: keep the value's JSON type. */
    const char *cursor = text;
    struct s_token token;
    enum ecc_status status = s_next_token(&cursor, &token, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (token.kind == S_TOKEN_REF && *cursor == '\0') {
        char name[ECC_VARS_MAX_NAME + 1];
        s_token_name(&token, name);
        return s_resolve(vars, name, out, diag);
    }
    struct ecc_buf buf;
    ecc_buf_init(&buf, ECC_VARS_MAX_TEXT_BYTES);
    status = ecc_vars_expand_text(vars, text, &buf, diag);
    if (status != ECC_OK) {
        goto done;
    }
    *out = json_stringn(buf.data ? buf.data : "", buf.len);
    status = *out ? ECC_OK : ECC_ERR_NOMEM;
done:
    ecc_buf_clean_up(&buf);
    return status;
}

enum ecc_status ecc_vars_expand(struct ecc_vars *vars, const json_t *template, json_t **out, struct ecc_diag *diag) {
    *out = NULL;
    if (json_is_string(template)) {
        return s_expand_string(vars, template, out, diag);
    }
    if (json_is_array(template)) {
        json_t *copy = json_array();
        if (!copy) {
            return ECC_ERR_NOMEM;
        }
        size_t i;
        const json_t *item;
        json_array_foreach(template, i, item) {
            json_t *expanded = NULL;
            enum ecc_status status = ecc_vars_expand(vars, item, &expanded, diag);
            if (status != ECC_OK) {
                json_decref(copy);
                return status;
            }
            if (json_array_append_new(copy, expanded) != 0) { /* the new reference is released by jansson */
                json_decref(copy);
                return ECC_ERR_NOMEM;
            }
        }
        *out = copy;
        return ECC_OK;
    }
    if (json_is_object(template)) {
        json_t *copy = json_object();
        if (!copy) {
            return ECC_ERR_NOMEM;
        }
        const char *key;
        const json_t *item;
        json_object_foreach((json_t *)template, key, item) {
            json_t *expanded = NULL;
            enum ecc_status status = ecc_vars_expand(vars, item, &expanded, diag);
            if (status != ECC_OK) {
                json_decref(copy);
                return status;
            }
            if (json_object_set_new(copy, key, expanded) != 0) { /* the new reference is released by jansson */
                json_decref(copy);
                return ECC_ERR_NOMEM;
            }
        }
        *out = copy;
        return ECC_OK;
    }
    *out = json_incref((json_t *)template);
    return ECC_OK;
}

struct s_scan {
    ecc_vars_ref_fn *fn;
    void *user_data;
};

/* A reference of the text, handed to the caller's check unless it is a built-in form (uuid, repeat). */
static enum ecc_status s_scan_token(void *ctx, const struct s_token *token, struct ecc_diag *diag) {
    struct s_scan *scan = ctx;
    if (token->kind != S_TOKEN_REF) {
        return ECC_OK;
    }
    char name[ECC_VARS_MAX_NAME + 1];
    s_token_name(token, name);
    bool is_repeat = false;
    unsigned long count = 0;
    const char *repeated = NULL;
    enum ecc_status status = s_parse_repeat(name, &is_repeat, &count, &repeated, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (is_repeat || strcmp(name, "uuid") == 0) {
        return ECC_OK;
    }
    return scan->fn(scan->user_data, name, diag);
}

enum ecc_status ecc_vars_scan(const char *text, ecc_vars_ref_fn *fn, void *user_data, struct ecc_diag *diag) {
    struct s_scan scan = {.fn = fn, .user_data = user_data};
    return s_walk_tokens(text, s_scan_token, &scan, diag);
}

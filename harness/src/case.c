/*
 * The conformance-case loader (case.h, conformance/README.md): reads a case file strictly (syntax errors
 * with file:line:column, every other error with the JSON pointer of the bad member), resolves fixture
 * references, checks variable references, matcher specs and control-step capabilities at load, and
 * records what the plan needs (tags, capabilities, run variables, whether the case starts tasks). The
 * suite that holds the cases is suite.c. Nothing here sends a request.
 */
#include "ecc/case.h"

#include "ecc/codec_request.h"
#include "ecc/http.h"
#include "ecc/match.h"
#include "ecc/vars.h"
#include "suite_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ecc_case_builtin_vars[] = {
    "prefix", "cluster", "family", "uuid", "region", "account", "access_key_id", "second_access_key_id", "capture"};
const size_t ecc_case_builtin_var_count = ECC_ARRAY_LEN(ecc_case_builtin_vars);

const struct ecc_run_var ecc_case_run_vars[] = {
    {"subnet", "an awsvpc subnet id of the account (subnet-...)", ECC_RUN_VAR_PLACEHOLDER_SUBNET, false},
    {"security_group",
     "a security group id in that subnet's VPC (sg-...)",
     ECC_RUN_VAR_PLACEHOLDER_SECURITY_GROUP,
     false},
    {ECC_RUN_VAR_CLUSTER, "an existing cluster (its name) to run every case in", NULL, true},
};
const size_t ecc_case_run_var_count = ECC_ARRAY_LEN(ecc_case_run_vars);

int ecc_case_run_var_index(const char *name) {
    for (size_t i = 0; i < ecc_case_run_var_count; i++) {
        if (strcmp(ecc_case_run_vars[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

enum ecc_status ecc_case_run_var_parse(const char *spec, json_t *values, struct ecc_diag *diag) {
    const char *equals = strchr(spec, '=');
    if (!equals || equals == spec) {
        ecc_diag_set(diag, "'%.80s': expected NAME=VALUE", spec);
        return ECC_ERR_INVALID;
    }
    char name[64];
    size_t name_len = (size_t)(equals - spec);
    snprintf(name, sizeof(name), "%.*s", (int)(name_len < sizeof(name) ? name_len : sizeof(name) - 1), spec);
    if (name_len >= sizeof(name) || ecc_case_run_var_index(name) < 0) {
        char known[256] = "";
        for (size_t i = 0; i < ecc_case_run_var_count; i++) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "", ecc_case_run_vars[i].name);
        }
        ecc_diag_set(diag, "'%.*s' is not a run variable (%s)", (int)(name_len > 80 ? 80 : name_len), spec, known);
        return ECC_ERR_INVALID;
    }
    const char *value = equals + 1;
    size_t len = strlen(value);
    if (len == 0 || len > ECC_RUN_VAR_MAX_VALUE_LEN) {
        ecc_diag_set(diag, "%s: the value must have 1 to %d characters", name, ECC_RUN_VAR_MAX_VALUE_LEN);
        return ECC_ERR_INVALID;
    }
    for (const char *c = value; *c; c++) {
        if ((unsigned char)*c < 33 || (unsigned char)*c > 126) {
            ecc_diag_set(diag, "%s: the value may hold only printable ASCII without spaces", name);
            return ECC_ERR_INVALID;
        }
    }
    /* Cases build on the name (`${cluster}-b`, a regex `:cluster/${cluster}$`): an ARN would not do. */
    if (strcmp(name, ECC_RUN_VAR_CLUSTER) == 0 &&
        (len > ECC_RUN_VAR_CLUSTER_MAX_LEN || strspn(
                                                  value,
                                                  "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                  "0123456789-_") != len)) {
        ecc_diag_set(
            diag,
            "%s: give the cluster's name (up to %d letters, digits, hyphens and underscores), not an ARN",
            name,
            ECC_RUN_VAR_CLUSTER_MAX_LEN);
        return ECC_ERR_INVALID;
    }
    return json_object_set_new(values, name, json_string(value)) == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

const char *ecc_case_shared_cluster(const json_t *run_vars) {
    return json_string_value(json_object_get(run_vars, ECC_RUN_VAR_CLUSTER));
}

static const struct {
    const char *name;
    unsigned bit;
} s_capabilities[] = {
    {"fault-injection", ECC_CAP_FAULT_INJECTION},
    {"clock-control", ECC_CAP_CLOCK_CONTROL},
};

/* Control actions of the emulator contract (control.md) and the capability each needs. */
static const struct {
    const char *action;
    unsigned capability;
} s_control_actions[] = {
    {"inject", ECC_CAP_FAULT_INJECTION},
    {"policy", ECC_CAP_FAULT_INJECTION},
    {"block", ECC_CAP_FAULT_INJECTION},
    {"unsupported", ECC_CAP_FAULT_INJECTION},
    {"capacity", ECC_CAP_FAULT_INJECTION},
    {"reset", ECC_CAP_FAULT_INJECTION},
    {"advance_clock", ECC_CAP_CLOCK_CONTROL},
    {"visibility_lag", ECC_CAP_CLOCK_CONTROL},
};

const char *ecc_capability_name(unsigned capability) {
    for (size_t i = 0; i < ECC_ARRAY_LEN(s_capabilities); i++) {
        if (s_capabilities[i].bit == capability) {
            return s_capabilities[i].name;
        }
    }
    return NULL;
}

bool ecc_capability_parse(const char *name, unsigned *capability) {
    for (size_t i = 0; i < ECC_ARRAY_LEN(s_capabilities); i++) {
        if (strcmp(s_capabilities[i].name, name) == 0) {
            *capability = s_capabilities[i].bit;
            return true;
        }
    }
    return false;
}

struct s_ctx {
    struct ecc_case *c;
    const struct ecc_fixture_set *fixtures;
    struct ecc_json_path path;
    struct ecc_diag *diag;
    json_t *captures; /* names captured so far (object used as a set) */
};

static bool s_var_name_valid(const char *name) {
    if (!*name || !((*name >= 'a' && *name <= 'z') || *name == '_')) {
        return false;
    }
    for (const char *c = name; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_')) {
            return false;
        }
    }
    return true;
}

static bool s_is_builtin(const char *name) {
    if (ecc_case_run_var_index(name) >= 0) {
        return true;
    }
    for (size_t i = 0; i < ecc_case_builtin_var_count; i++) {
        if (strcmp(name, ecc_case_builtin_vars[i]) == 0) {
            return true;
        }
    }
    return false;
}

static enum ecc_status s_check_ref(void *user_data, const char *name, struct ecc_diag *diag) {
    struct s_ctx *ctx = user_data;
    if (strncmp(name, "capture.", 8) == 0) {
        if (!json_object_get(ctx->captures, name + 8)) {
            ecc_diag_set(diag, "${%s}: no earlier step captures '%s'", name, name + 8);
            return ECC_ERR_INVALID;
        }
        return ECC_OK;
    }
    int run_var = ecc_case_run_var_index(name);
    if (run_var >= 0) {
        ctx->c->run_vars |= ecc_case_run_vars[run_var].overrides_builtin ? 0u : 1u << run_var;
        return ECC_OK;
    }
    if ((s_is_builtin(name) && strcmp(name, "capture") != 0) || (ctx->c->vars && json_object_get(ctx->c->vars, name))) {
        return ECC_OK;
    }
    ecc_diag_set(diag, "unknown variable ${%s}", name);
    return ECC_ERR_INVALID;
}

/* Every string under `value` (not object keys) may only reference known variables. */
static enum ecc_status s_scan_vars(struct s_ctx *ctx, const json_t *value) {
    if (json_is_string(value)) {
        enum ecc_status status = ecc_vars_scan(json_string_value(value), s_check_ref, ctx, ctx->diag);
        if (status != ECC_OK) {
            ecc_json_path_to_diag(&ctx->path, ctx->diag);
        }
        return status;
    }
    if (json_is_array(value)) {
        for (size_t i = 0; i < json_array_size(value); i++) {
            ecc_json_path_push_index(&ctx->path, i);
            enum ecc_status status = s_scan_vars(ctx, json_array_get(value, i));
            ecc_json_path_pop(&ctx->path);
            if (status != ECC_OK) {
                return status;
            }
        }
    } else if (json_is_object(value)) {
        const char *key;
        const json_t *item;
        json_object_foreach((json_t *)value, key, item) {
            ecc_json_path_push_member(&ctx->path, key);
            enum ecc_status status = s_scan_vars(ctx, item);
            ecc_json_path_pop(&ctx->path);
            if (status != ECC_OK) {
                return status;
            }
        }
    }
    return ECC_OK;
}

/* Scans one member of `object` for variables (absent: nothing to do). */
static enum ecc_status s_scan_member(struct s_ctx *ctx, const json_t *object, const char *key) {
    const json_t *value = json_object_get(object, key);
    if (!value) {
        return ECC_OK;
    }
    ecc_json_path_push_member(&ctx->path, key);
    enum ecc_status status = s_scan_vars(ctx, value);
    ecc_json_path_pop(&ctx->path);
    return status;
}

/* Places the message a check of match.h left in diag (it knows no path) at path + key. */
static enum ecc_status s_fail_at(struct s_ctx *ctx, const char *key) {
    char text[sizeof(ctx->diag->text)];
    snprintf(text, sizeof(text), "%s", ctx->diag ? ctx->diag->text : "");
    return ecc_json_path_fail(&ctx->path, key, ctx->diag, "%s", text);
}

static enum ecc_status
s_resolve_fixture(struct s_ctx *ctx, const json_t *object, const char *key, const struct ecc_fixture **out) {
    const char *id = NULL;
    enum ecc_status status = ecc_suite_get_string(object, key, true, &ctx->path, &id, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    *out = ctx->fixtures ? ecc_fixture_set_find(ctx->fixtures, id) : NULL;
    if (!*out) {
        char hint[160];
        ecc_fixture_set_did_you_mean(ctx->fixtures, id, hint, sizeof(hint));
        return ecc_json_path_fail(
            &ctx->path, key, ctx->diag, "no fixture with id '%s' (fixtures/**/%s.json)%s", id, id, hint);
    }
    return ECC_OK;
}

/* The members of a `sign` object, with the path at it. */
static enum ecc_status s_read_sign_object(struct s_ctx *ctx, const json_t *sign, struct ecc_step_sign *out) {
    static const char *const members[] = {"date_offset_s", "credentials"};
    enum ecc_status status = ecc_json_check_members(sign, members, ECC_ARRAY_LEN(members), &ctx->path, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    const json_t *offset = NULL;
    status = ecc_suite_get_typed(sign, "date_offset_s", false, JSON_INTEGER, &ctx->path, &offset, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    const char *credentials = NULL;
    status = ecc_suite_get_string(sign, "credentials", false, &ctx->path, &credentials, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (offset) {
        json_int_t v = json_integer_value(offset);
        if (v < -31536000 || v > 31536000) {
            return ecc_json_path_fail(&ctx->path, "date_offset_s", ctx->diag, "date_offset_s must be within one year");
        }
        out->date_offset_s = (int64_t)v;
    }
    if (!credentials || strcmp(credentials, "default") == 0) {
        return ECC_OK;
    }
    if (strcmp(credentials, "unknown") == 0) {
        out->unknown_credentials = true;
        return ECC_OK;
    }
    if (strcmp(credentials, "second") != 0) {
        return ecc_json_path_fail(
            &ctx->path, "credentials", ctx->diag, "'credentials' must be default, second or unknown");
    }
    out->second_credentials = true;
    if (!(ctx->c->requires & ECC_CAP_FAULT_INJECTION)) {
        return ecc_json_path_fail(
            &ctx->path,
            "credentials",
            ctx->diag,
            "the second credentials need \"requires\": [\"fault-injection\"] in the case");
    }
    return ECC_OK;
}

static enum ecc_status s_read_sign(struct s_ctx *ctx, const json_t *sign, struct ecc_step_sign *out) {
    out->mode = ECC_SIGN_SIGV4;
    if (!sign) {
        return ECC_OK;
    }
    if (json_is_string(sign)) {
        const char *mode = json_string_value(sign);
        if (strcmp(mode, "sigv4") == 0) {
            out->mode = ECC_SIGN_SIGV4;
        } else if (strcmp(mode, "none") == 0) {
            out->mode = ECC_SIGN_NONE;
        } else if (strcmp(mode, "bad-signature") == 0) {
            out->mode = ECC_SIGN_BAD_SIGNATURE;
        } else {
            return ecc_json_path_fail(
                &ctx->path, "sign", ctx->diag, "'sign' must be sigv4, none, bad-signature or an object");
        }
        return ECC_OK;
    }
    if (!json_is_object(sign) || json_object_size(sign) == 0) {
        return ecc_json_path_fail(
            &ctx->path, "sign", ctx->diag, "'sign' must be sigv4, none, bad-signature or a non-empty object");
    }
    ecc_json_path_push_member(&ctx->path, "sign");
    enum ecc_status status = s_read_sign_object(ctx, sign, out);
    ecc_json_path_pop(&ctx->path);
    return status;
}

/* An expectation at the path: a bare value or a matcher, and the variables it uses. */
static enum ecc_status s_check_expectation_here(struct s_ctx *ctx, const json_t *spec, bool wildcard) {
    enum ecc_status status = ecc_match_check_spec(spec, wildcard, &ctx->path, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_scan_vars(ctx, spec);
}

/* An expectation at path/key: bare value or matcher; `wildcard` from its pointer. */
static enum ecc_status s_check_expectation(struct s_ctx *ctx, const char *key, const json_t *spec, bool wildcard) {
    ecc_json_path_push_member(&ctx->path, key);
    enum ecc_status status = s_check_expectation_here(ctx, spec, wildcard);
    ecc_json_path_pop(&ctx->path);
    return status;
}

/* The `status` and `error` members of an expectation (or of its `strict` choice). */
static enum ecc_status
s_read_status_error(struct s_ctx *ctx, const json_t *expect, const json_t **status_out, const json_t **error_out) {
    const json_t *status_spec = json_object_get(expect, "status");
    if (status_spec) {
        if (json_is_integer(status_spec)) {
            if (json_integer_value(status_spec) < 100 || json_integer_value(status_spec) > 599) {
                return ecc_json_path_fail(&ctx->path, "status", ctx->diag, "HTTP status must be within 100..599");
            }
        } else if (!json_is_object(status_spec)) {
            return ecc_json_path_fail(&ctx->path, "status", ctx->diag, "'status' must be an integer or a matcher");
        } else {
            enum ecc_status status = s_check_expectation(ctx, "status", status_spec, false);
            if (status != ECC_OK) {
                return status;
            }
        }
    }
    const json_t *error_spec = json_object_get(expect, "error");
    if (error_spec) {
        if (!json_is_string(error_spec) && !json_is_object(error_spec)) {
            return ecc_json_path_fail(
                &ctx->path, "error", ctx->diag, "'error' must be an error type name or a matcher");
        }
        enum ecc_status status = s_check_expectation(ctx, "error", error_spec, false);
        if (status != ECC_OK) {
            return status;
        }
    }
    *status_out = status_spec;
    *error_out = error_spec;
    return ECC_OK;
}

/* A strict choice must be one of the answers the step accepts anyway: `--strict` narrows, never widens. */
static enum ecc_status
s_check_strict_within(struct s_ctx *ctx, const char *key, const json_t *strict, const json_t *plausible) {
    if (!json_is_string(strict) && !json_is_integer(strict)) {
        return ECC_OK; /* a matcher: nothing single to hold against the plausible set */
    }
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    bool within = !plausible || ecc_match_value(strict, plausible, &failure);
    ecc_match_failure_clean_up(&failure);
    return within ? ECC_OK
                  : ecc_json_path_fail(
                        &ctx->path,
                        key,
                        ctx->diag,
                        "the strict choice is not one of the answers the step accepts (its '%s' outside \"strict\")",
                        key);
}

/* `strict`: the emulator's exact choice where the documentation leaves several answers possible; only a case
 * tagged `undocumented` has one, and `ecsconf run --strict` checks it instead of the plausible set. */
static enum ecc_status s_read_strict(struct s_ctx *ctx, const json_t *strict, struct ecc_step_expect *out) {
    static const char *const members[] = {"status", "error"};
    if (!ecc_case_has_tag(ctx->c, "undocumented")) {
        return ecc_json_path_fail(
            &ctx->path,
            NULL,
            ctx->diag,
            "only a case tagged \"undocumented\" has a strict choice (the step accepts several answers)");
    }
    enum ecc_status status = ecc_json_check_members(strict, members, ECC_ARRAY_LEN(members), &ctx->path, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_status_error(ctx, strict, &out->strict_status, &out->strict_error);
    if (status != ECC_OK) {
        return status;
    }
    if (!out->strict_status && !out->strict_error) {
        return ecc_json_path_fail(&ctx->path, NULL, ctx->diag, "a strict choice names a status, an error or both");
    }
    if (out->strict_status) {
        status = s_check_strict_within(ctx, "status", out->strict_status, out->status);
        if (status != ECC_OK) {
            return status;
        }
    }
    if (out->strict_error) {
        return s_check_strict_within(ctx, "error", out->strict_error, out->error);
    }
    return ECC_OK;
}

/* The header expectations of a step, with the path at `headers`. */
static enum ecc_status s_read_expect_headers(struct s_ctx *ctx, const json_t *headers) {
    const char *key;
    const json_t *spec;
    json_object_foreach((json_t *)headers, key, spec) {
        enum ecc_status status = s_check_expectation(ctx, key, spec, false);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* The body expectations of a step, each under a JSON pointer, with the path at `body`. */
static enum ecc_status s_read_expect_body(struct s_ctx *ctx, const json_t *body) {
    const char *key;
    const json_t *spec;
    json_object_foreach((json_t *)body, key, spec) {
        bool wildcard = false;
        if (ecc_match_check_pointer(key, &wildcard, ctx->diag) != ECC_OK) {
            return s_fail_at(ctx, key);
        }
        enum ecc_status status = s_check_expectation(ctx, key, spec, wildcard);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status s_read_expect(struct s_ctx *ctx, const json_t *expect, struct ecc_step_expect *out) {
    static const char *const members[] = {"status", "error", "headers", "body", "strict"};
    enum ecc_status status = ecc_json_check_members(expect, members, ECC_ARRAY_LEN(members), &ctx->path, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_status_error(ctx, expect, &out->status, &out->error);
    if (status != ECC_OK) {
        return status;
    }
    const json_t *strict = NULL;
    status = ecc_suite_get_typed(expect, "strict", false, JSON_OBJECT, &ctx->path, &strict, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (strict) {
        ecc_json_path_push_member(&ctx->path, "strict");
        status = s_read_strict(ctx, strict, out);
        ecc_json_path_pop(&ctx->path);
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_suite_get_typed(expect, "headers", false, JSON_OBJECT, &ctx->path, &out->headers, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (out->headers) {
        ecc_json_path_push_member(&ctx->path, "headers");
        status = s_read_expect_headers(ctx, out->headers);
        ecc_json_path_pop(&ctx->path);
        if (status != ECC_OK) {
            return status;
        }
    }
    status = ecc_suite_get_typed(expect, "body", false, JSON_OBJECT, &ctx->path, &out->body, ctx->diag);
    if (status != ECC_OK || !out->body) {
        return status;
    }
    ecc_json_path_push_member(&ctx->path, "body");
    status = s_read_expect_body(ctx, out->body);
    ecc_json_path_pop(&ctx->path);
    return status;
}

/* A derived capture {"pointer": P, "regex": R}, with the path at it: R's first group of the value at P. */
static enum ecc_status s_read_derived_capture(struct s_ctx *ctx, const json_t *derived) {
    static const char *const members[] = {"pointer", "regex"};
    enum ecc_status status = ecc_json_check_members(derived, members, ECC_ARRAY_LEN(members), &ctx->path, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    const char *regex = NULL;
    status = ecc_suite_get_string(derived, "regex", true, &ctx->path, &regex, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (ecc_match_check_derive(regex, ctx->diag) != ECC_OK) {
        return s_fail_at(ctx, "regex");
    }
    const json_t *inner = json_object_get(derived, "pointer");
    if (!json_is_string(inner)) {
        return ecc_json_path_fail(
            &ctx->path,
            "pointer",
            ctx->diag,
            inner ? "expected a JSON pointer string" : "missing required member 'pointer'");
    }
    bool wildcard = false;
    if (ecc_match_check_pointer(json_string_value(inner), &wildcard, ctx->diag) != ECC_OK) {
        return s_fail_at(ctx, "pointer");
    }
    return ECC_OK;
}

/* One capture `name`: a JSON pointer, or a derived capture; with the path at `capture`. */
static enum ecc_status s_read_one_capture(struct s_ctx *ctx, const char *name, const json_t *pointer) {
    if (json_is_object(pointer)) {
        ecc_json_path_push_member(&ctx->path, name);
        enum ecc_status status = s_read_derived_capture(ctx, pointer);
        ecc_json_path_pop(&ctx->path);
        if (status != ECC_OK) {
            return status;
        }
        pointer = json_object_get(pointer, "pointer");
    }
    if (!s_var_name_valid(name)) {
        return ecc_json_path_fail(&ctx->path, name, ctx->diag, "capture name must match [a-z_][a-z0-9_]*");
    }
    if (!json_is_string(pointer)) {
        return ecc_json_path_fail(
            &ctx->path,
            name,
            ctx->diag,
            "expected a JSON pointer string or {\"pointer\", \"regex\"}, got %s",
            ecc_json_type_name(pointer));
    }
    bool wildcard = false;
    if (ecc_match_check_pointer(json_string_value(pointer), &wildcard, ctx->diag) != ECC_OK) {
        return s_fail_at(ctx, name);
    }
    return ECC_OK;
}

static enum ecc_status s_read_captures(struct s_ctx *ctx, const json_t *capture) {
    const char *name;
    const json_t *pointer;
    json_object_foreach((json_t *)capture, name, pointer) {
        enum ecc_status status = s_read_one_capture(ctx, name, pointer);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status s_read_capture(struct s_ctx *ctx, const json_t *capture) {
    ecc_json_path_push_member(&ctx->path, "capture");
    enum ecc_status status = s_read_captures(ctx, capture);
    ecc_json_path_pop(&ctx->path);
    return status;
}

/* Registers the names a step captures, once the step has been checked (later steps may use them). */
static enum ecc_status s_define_captures(struct s_ctx *ctx, const json_t *capture) {
    const char *name;
    const json_t *pointer;
    json_object_foreach((json_t *)capture, name, pointer) {
        (void)pointer;
        if (json_object_set_new(ctx->captures, name, json_true()) != 0) {
            return ECC_ERR_NOMEM;
        }
    }
    return ECC_OK;
}

/* The members of a raw step, with the path at `raw`; *headers is its header patch (NULL: none). */
static enum ecc_status s_read_raw_members(struct s_ctx *ctx, struct ecc_step *step, const json_t **headers) {
    static const char *const members[] = {"from", "method", "path", "query", "headers", "body", "body_text"};
    const json_t *raw = step->raw;
    enum ecc_status status = ecc_json_check_members(raw, members, ECC_ARRAY_LEN(members), &ctx->path, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (json_object_get(raw, "from")) {
        status = s_resolve_fixture(ctx, raw, "from", &step->fixture);
        if (status != ECC_OK) {
            return status;
        }
    }
    const char *method = NULL;
    status = ecc_suite_get_string(raw, "method", false, &ctx->path, &method, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (method) {
        for (const char *c = method; *c; c++) {
            if (*c < 'A' || *c > 'Z') {
                return ecc_json_path_fail(&ctx->path, "method", ctx->diag, "method must be upper-case letters");
            }
        }
        if (!*method) {
            return ecc_json_path_fail(&ctx->path, "method", ctx->diag, "method must not be empty");
        }
    }
    static const char *const texts[] = {"path", "query", "body_text"};
    for (size_t i = 0; i < ECC_ARRAY_LEN(texts); i++) {
        const char *text = NULL;
        status = ecc_suite_get_string(raw, texts[i], false, &ctx->path, &text, ctx->diag);
        if (status != ECC_OK) {
            return status;
        }
    }
    if (json_object_get(raw, "body") && json_object_get(raw, "body_text")) {
        return ecc_json_path_fail(&ctx->path, "body_text", ctx->diag, "'body' and 'body_text' are mutually exclusive");
    }
    status = ecc_suite_get_typed(raw, "headers", false, JSON_OBJECT, &ctx->path, headers, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (*headers) {
        ecc_json_path_push_member(&ctx->path, "headers");
        status = ecc_suite_check_headers(*headers, true, &ctx->path, ctx->diag);
        ecc_json_path_pop(&ctx->path);
        if (status != ECC_OK) {
            return status;
        }
    }
    return s_scan_vars(ctx, raw);
}

static enum ecc_status s_read_raw(struct s_ctx *ctx, struct ecc_step *step) {
    const json_t *headers = NULL;
    ecc_json_path_push_member(&ctx->path, "raw");
    enum ecc_status status = s_read_raw_members(ctx, step, &headers);
    ecc_json_path_pop(&ctx->path);
    if (status != ECC_OK) {
        return status;
    }
    /* Which operation does it reach? The patched X-Amz-Target, else the fixture's. */
    const char *target = NULL;
    bool target_removed = false;
    const char *name;
    const json_t *value;
    if (headers) {
        json_object_foreach((json_t *)headers, name, value) {
            if (ecc_http_name_equal(name, "X-Amz-Target")) {
                target = json_string_value(value);
                target_removed = json_is_null(value);
            }
        }
    }
    step->operation = "";
    if (!target && !target_removed && step->fixture) {
        step->operation = step->fixture->operation;
    } else if (target) {
        /* Whatever the prefix: an endpoint that ignores it serves the operation (codec_request.h). */
        struct ecc_aws_json_target read;
        bool named = ecc_codec_read_target(target, &read);
        step->operation = named && ecc_suite_operation_known(read.operation) ? read.operation : "";
    }
    return ECC_OK;
}

/* A control step's action (known, and allowed by the case's capabilities) and its variables, with the path
 * at `control`. */
static enum ecc_status s_check_control(struct s_ctx *ctx, const json_t *control) {
    const char *action = NULL;
    enum ecc_status status = ecc_suite_get_string(control, "action", true, &ctx->path, &action, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    size_t i = 0;
    while (i < ECC_ARRAY_LEN(s_control_actions) && strcmp(s_control_actions[i].action, action) != 0) {
        i++;
    }
    if (i == ECC_ARRAY_LEN(s_control_actions)) {
        return ecc_json_path_fail(
            &ctx->path,
            "action",
            ctx->diag,
            "unknown control action '%s' (inject, policy, block, unsupported, advance_clock, visibility_lag, "
            "capacity, reset)",
            action);
    }
    if (!(ctx->c->requires & s_control_actions[i].capability)) {
        return ecc_json_path_fail(
            &ctx->path,
            "action",
            ctx->diag,
            "control action '%s' needs \"requires\": [\"%s\"] in the case",
            action,
            ecc_capability_name(s_control_actions[i].capability));
    }
    if (strcmp(action, "reset") == 0 && !ctx->c->exclusive) {
        return ecc_json_path_fail(
            &ctx->path,
            "action",
            ctx->diag,
            "control action 'reset' changes every case's state: set \"exclusive\": true");
    }
    return s_scan_vars(ctx, control);
}

static enum ecc_status s_read_control(struct s_ctx *ctx, struct ecc_step *step) {
    step->operation = "control";
    ecc_json_path_push_member(&ctx->path, "control");
    enum ecc_status status = s_check_control(ctx, step->control);
    ecc_json_path_pop(&ctx->path);
    return status;
}

/* The members every step may have, which of the four kinds it is, its name, and the members that belong
 * to one kind only. */
static enum ecc_status
s_read_step_shape(struct s_ctx *ctx, const json_t *object, struct ecc_step *step, const char **name) {
    static const char *const members[] = {
        "name",
        "comment",
        "send",
        "merge",
        "call",
        "body",
        "raw",
        "control",
        "sign",
        "expect",
        "capture",
        "confirm",
        "timeout_ms"};
    struct ecc_diag *diag = ctx->diag;
    if (!json_is_object(object)) {
        return ecc_json_path_fail(
            &ctx->path, NULL, diag, "a step must be an object, got %s", ecc_json_type_name(object));
    }
    enum ecc_status status = ecc_json_check_members(object, members, ECC_ARRAY_LEN(members), &ctx->path, diag);
    if (status != ECC_OK) {
        return status;
    }
    static const char *const kinds[] = {"send", "call", "raw", "control"};
    size_t kind_count = 0;
    for (size_t i = 0; i < ECC_ARRAY_LEN(kinds); i++) {
        if (json_object_get(object, kinds[i])) {
            kind_count++;
            step->kind = (enum ecc_step_kind)i;
        }
    }
    if (kind_count != 1) {
        return ecc_json_path_fail(
            &ctx->path, NULL, diag, "a step needs exactly one of send, call, raw, control (found %zu)", kind_count);
    }
    status = ecc_suite_get_string(object, "name", false, &ctx->path, name, diag);
    if (status != ECC_OK) {
        return status;
    }
    const char *comment = NULL;
    status = ecc_suite_get_string(object, "comment", false, &ctx->path, &comment, diag);
    if (status != ECC_OK) {
        return status;
    }
    if (*name && !**name) {
        return ecc_json_path_fail(&ctx->path, "name", diag, "name must not be empty");
    }
    if (json_object_get(object, "merge") && step->kind != ECC_STEP_SEND) {
        return ecc_json_path_fail(&ctx->path, "merge", diag, "'merge' applies only to a send step");
    }
    if (json_object_get(object, "body") && step->kind != ECC_STEP_CALL) {
        return ecc_json_path_fail(&ctx->path, "body", diag, "'body' applies only to a call step (raw has its own)");
    }
    if (step->kind == ECC_STEP_CONTROL) {
        static const char *const not_for_control[] = {"sign", "confirm", "timeout_ms"};
        for (size_t i = 0; i < ECC_ARRAY_LEN(not_for_control); i++) {
            if (json_object_get(object, not_for_control[i])) {
                return ecc_json_path_fail(
                    &ctx->path, not_for_control[i], diag, "'%s' does not apply to a control step", not_for_control[i]);
            }
        }
    }
    return ECC_OK;
}

/* A send step: its fixture, the merge patch, and the fixture's own variables, which must make sense in
 * this case too (an error names the fixture and the member inside its request). */
static enum ecc_status s_read_send(struct s_ctx *ctx, const json_t *object, struct ecc_step *step) {
    struct ecc_diag *diag = ctx->diag;
    enum ecc_status status = s_resolve_fixture(ctx, object, "send", &step->fixture);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_suite_get_typed(object, "merge", false, JSON_OBJECT, &ctx->path, &step->merge, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_scan_member(ctx, object, "merge");
    if (status != ECC_OK) {
        return status;
    }
    step->operation = step->fixture->operation;
    struct ecc_json_path saved = ctx->path;
    const json_t *request = json_object_get(step->fixture->root, "request");
    ecc_json_path_init_pointer(&ctx->path);
    status = s_scan_vars(ctx, request);
    if (status != ECC_OK && diag) {
        char where[sizeof(diag->path)];
        snprintf(where, sizeof(where), "%s", diag->path);
        char text[sizeof(diag->text)];
        snprintf(text, sizeof(text), "%s", diag->text);
        ctx->path = saved;
        status =
            ecc_json_path_fail(&ctx->path, "send", diag, "fixture %s, /request%s: %s", step->fixture->id, where, text);
    }
    ctx->path = saved;
    return status;
}

/* A call step: a known operation and its body. */
static enum ecc_status s_read_call(struct s_ctx *ctx, const json_t *object, struct ecc_step *step) {
    const char *operation = NULL;
    enum ecc_status status = ecc_suite_get_string(object, "call", true, &ctx->path, &operation, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (!ecc_suite_operation_known(operation)) {
        return ecc_json_path_fail(&ctx->path, "call", ctx->diag, "unknown operation '%s'", operation);
    }
    step->operation = operation;
    status = ecc_suite_get_typed(object, "body", true, JSON_OBJECT, &ctx->path, &step->body, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_scan_member(ctx, object, "body");
}

/* What the step sends (or does, for a control step): the member of its kind. */
static enum ecc_status s_read_step_kind(struct s_ctx *ctx, const json_t *object, struct ecc_step *step) {
    enum ecc_status status = ECC_OK;
    switch (step->kind) {
    case ECC_STEP_SEND:
        return s_read_send(ctx, object, step);
    case ECC_STEP_CALL:
        return s_read_call(ctx, object, step);
    case ECC_STEP_RAW:
        status = ecc_suite_get_typed(object, "raw", true, JSON_OBJECT, &ctx->path, &step->raw, ctx->diag);
        if (status != ECC_OK) {
            return status;
        }
        return s_read_raw(ctx, step);
    case ECC_STEP_CONTROL:
        status = ecc_suite_get_typed(object, "control", true, JSON_OBJECT, &ctx->path, &step->control, ctx->diag);
        if (status != ECC_OK) {
            return status;
        }
        return s_read_control(ctx, step);
    }
    return status;
}

static enum ecc_status s_read_step_expect(struct s_ctx *ctx, const json_t *object, struct ecc_step *step) {
    const json_t *expect = NULL;
    enum ecc_status status = ecc_suite_get_typed(object, "expect", false, JSON_OBJECT, &ctx->path, &expect, ctx->diag);
    if (status != ECC_OK || !expect) {
        return status;
    }
    step->has_expect = true;
    ecc_json_path_push_member(&ctx->path, "expect");
    status = s_read_expect(ctx, expect, &step->expect);
    ecc_json_path_pop(&ctx->path);
    return status;
}

static enum ecc_status s_read_step_capture(struct s_ctx *ctx, const json_t *object, struct ecc_step *step) {
    enum ecc_status status =
        ecc_suite_get_typed(object, "capture", false, JSON_OBJECT, &ctx->path, &step->capture, ctx->diag);
    if (status != ECC_OK || !step->capture) {
        return status;
    }
    return s_read_capture(ctx, step->capture);
}

/* The members of a `confirm` object, with the path at it. */
static enum ecc_status s_read_confirm_object(struct s_ctx *ctx, const json_t *confirm) {
    static const char *const confirm_members[] = {"cluster", "tasks"};
    struct ecc_diag *diag = ctx->diag;
    enum ecc_status status =
        ecc_json_check_members(confirm, confirm_members, ECC_ARRAY_LEN(confirm_members), &ctx->path, diag);
    if (status != ECC_OK) {
        return status;
    }
    const char *cluster = NULL;
    status = ecc_suite_get_string(confirm, "cluster", false, &ctx->path, &cluster, diag);
    if (status != ECC_OK) {
        return status;
    }
    const json_t *tasks = json_object_get(confirm, "tasks");
    if (tasks && !json_is_string(tasks) && !json_is_array(tasks)) {
        return ecc_json_path_fail(&ctx->path, "tasks", diag, "'tasks' must be an array or a ${...} reference to one");
    }
    return s_scan_vars(ctx, confirm);
}

/* `confirm`: true, false, or an object naming the cluster and the tasks to wait for; RunTask steps only. */
static enum ecc_status s_read_confirm(struct s_ctx *ctx, const json_t *object, struct ecc_step *step) {
    struct ecc_diag *diag = ctx->diag;
    const json_t *confirm = json_object_get(object, "confirm");
    if (!confirm) {
        return ECC_OK;
    }
    if (strcmp(step->operation, "RunTask") != 0) {
        return ecc_json_path_fail(&ctx->path, "confirm", diag, "'confirm' applies only to a step that sends RunTask");
    }
    if (json_is_boolean(confirm)) {
        step->confirm = json_is_true(confirm);
        return ECC_OK;
    }
    if (!json_is_object(confirm)) {
        return ecc_json_path_fail(&ctx->path, "confirm", diag, "'confirm' must be true, false or an object");
    }
    ecc_json_path_push_member(&ctx->path, "confirm");
    enum ecc_status status = s_read_confirm_object(ctx, confirm);
    ecc_json_path_pop(&ctx->path);
    if (status != ECC_OK) {
        return status;
    }
    step->confirm = true;
    step->confirm_spec = confirm;
    return ECC_OK;
}

static enum ecc_status s_read_step_timeout(struct s_ctx *ctx, const json_t *object, struct ecc_step *step) {
    const json_t *timeout = NULL;
    enum ecc_status status =
        ecc_suite_get_typed(object, "timeout_ms", false, JSON_INTEGER, &ctx->path, &timeout, ctx->diag);
    if (status != ECC_OK || !timeout) {
        return status;
    }
    if (json_integer_value(timeout) < 1 || json_integer_value(timeout) > 3600000) {
        return ecc_json_path_fail(&ctx->path, "timeout_ms", ctx->diag, "timeout_ms must be within 1..3600000");
    }
    step->timeout_ms = (int64_t)json_integer_value(timeout);
    return ECC_OK;
}

/* The step's label in reports ("step 2 \"start\" (RunTask)", counted from 1) and its JSON pointer in the
 * case file (counted from 0). */
static void s_label_step(struct ecc_step *step, const char *name, size_t index, bool cleanup) {
    /* %u: a case holds at most 1000 steps (s_read_steps), so the label fits without a cut. */
    char what[72]; /* "control " and 60 characters of the action */
    if (step->kind == ECC_STEP_CONTROL) {
        snprintf(what, sizeof(what), "control %.60s", json_string_value(json_object_get(step->control, "action")));
    } else if (step->kind == ECC_STEP_RAW) {
        snprintf(what, sizeof(what), "raw%s%.60s", step->operation[0] ? " " : "", step->operation);
    } else {
        snprintf(what, sizeof(what), "%.60s", step->operation);
    }
    if (name) {
        snprintf(
            step->label,
            sizeof(step->label),
            "%s %u \"%.60s\" (%s)",
            cleanup ? "cleanup" : "step",
            (unsigned)(index + 1),
            name,
            what);
    } else {
        snprintf(
            step->label, sizeof(step->label), "%s %u (%s)", cleanup ? "cleanup" : "step", (unsigned)(index + 1), what);
    }
    snprintf(step->pointer, sizeof(step->pointer), "/%s/%zu", cleanup ? "cleanup" : "steps", index);
}

/* One step, checked member by member in the order errors are reported; the names it captures become
 * usable only once the whole step is valid (a step cannot use its own captures). */
static enum ecc_status
s_read_step(struct s_ctx *ctx, const json_t *object, struct ecc_step *step, size_t index, bool cleanup) {
    step->is_cleanup = cleanup;
    const char *name = NULL;
    enum ecc_status status = s_read_step_shape(ctx, object, step, &name);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_step_kind(ctx, object, step);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_sign(ctx, json_object_get(object, "sign"), &step->sign);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_step_expect(ctx, object, step);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_step_capture(ctx, object, step);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_confirm(ctx, object, step);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_step_timeout(ctx, object, step);
    if (status != ECC_OK) {
        return status;
    }
    if (step->capture) {
        status = s_define_captures(ctx, step->capture);
        if (status != ECC_OK) {
            return status;
        }
    }
    s_label_step(step, name, index, cleanup);
    if (strcmp(step->operation, "RunTask") == 0) {
        ctx->c->starts_tasks = true;
    }
    return ECC_OK;
}

/* Reports count steps from 1 ("step 2 (RunTask)"); the pointer /steps/1 of a load error counts from 0.
 * The error says both: "/steps/1/send: step 2: ...". */
static void s_name_step(struct ecc_diag *diag, bool cleanup, size_t index) {
    if (!diag) {
        return;
    }
    char prefix[40];
    int n = snprintf(prefix, sizeof(prefix), "%s %zu: ", cleanup ? "cleanup" : "step", index + 1);
    size_t plen = n > 0 && (size_t)n < sizeof(prefix) ? (size_t)n : 0;
    size_t len = strnlen(diag->text, sizeof(diag->text) - 1);
    size_t keep = len + plen < sizeof(diag->text) ? len : sizeof(diag->text) - 1 - plen; /* cut, like any message */
    memmove(diag->text + plen, diag->text, keep);
    memcpy(diag->text, prefix, plen);
    diag->text[plen + keep] = '\0';
}

/* The steps of `array`, with the path at its key; *count counts the steps read, the failed one included. */
static enum ecc_status
s_read_step_list(struct s_ctx *ctx, const json_t *array, bool cleanup, struct ecc_step *steps, size_t *count) {
    for (size_t i = 0; i < json_array_size(array); i++) {
        ecc_json_path_push_index(&ctx->path, i);
        enum ecc_status status = s_read_step(ctx, json_array_get(array, i), &steps[i], i, cleanup);
        ecc_json_path_pop(&ctx->path);
        *count = i + 1;
        if (status != ECC_OK) {
            if (status == ECC_ERR_INVALID) {
                s_name_step(ctx->diag, cleanup, i);
            }
            return status;
        }
    }
    return ECC_OK;
}

static enum ecc_status
s_read_steps(struct s_ctx *ctx, const char *key, bool required, struct ecc_step **out, size_t *count) {
    const json_t *array = NULL;
    enum ecc_status status =
        ecc_suite_get_typed(ctx->c->root, key, required, JSON_ARRAY, &ctx->path, &array, ctx->diag);
    if (status != ECC_OK || !array) {
        return status;
    }
    if (required && json_array_size(array) == 0) {
        return ecc_json_path_fail(&ctx->path, key, ctx->diag, "'%s' must hold at least one step", key);
    }
    if (json_array_size(array) > 1000) {
        return ecc_json_path_fail(&ctx->path, key, ctx->diag, "more than 1000 steps");
    }
    *out = calloc(json_array_size(array) ? json_array_size(array) : 1, sizeof(**out));
    if (!*out) {
        return ECC_ERR_NOMEM;
    }
    ecc_json_path_push_member(&ctx->path, key);
    status = s_read_step_list(ctx, array, strcmp(key, "cleanup") == 0, *out, count);
    ecc_json_path_pop(&ctx->path);
    return status;
}

/* `id`, `title` and `description`. */
static enum ecc_status s_read_identity(struct s_ctx *ctx) {
    struct ecc_case *c = ctx->c;
    enum ecc_status status = ecc_suite_get_string(c->root, "id", true, &ctx->path, &c->id, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (!ecc_suite_id_valid(c->id)) {
        return ecc_json_path_fail(
            &ctx->path,
            "id",
            ctx->diag,
            "id must match [a-z0-9][a-z0-9-]* (at most %d characters)",
            ECC_SUITE_MAX_ID_LEN);
    }
    status = ecc_suite_get_string(c->root, "title", true, &ctx->path, &c->title, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (!*c->title) {
        return ecc_json_path_fail(&ctx->path, "title", ctx->diag, "title must not be empty");
    }
    return ecc_suite_get_string(c->root, "description", false, &ctx->path, &c->description, ctx->diag);
}

/* Tag `index` of the case, with the path at it: a valid id, not given before. */
static enum ecc_status s_check_tag(struct s_ctx *ctx, size_t index) {
    const json_t *tag = json_array_get(ctx->c->tags, index);
    if (!json_is_string(tag) || !ecc_suite_id_valid(json_string_value(tag))) {
        return ecc_json_path_fail(&ctx->path, NULL, ctx->diag, "a tag must be a string matching [a-z0-9][a-z0-9-]*");
    }
    for (size_t j = 0; j < index; j++) {
        if (strcmp(json_string_value(tag), json_string_value(json_array_get(ctx->c->tags, j))) == 0) {
            return ecc_json_path_fail(&ctx->path, NULL, ctx->diag, "duplicate tag '%s'", json_string_value(tag));
        }
    }
    return ECC_OK;
}

static enum ecc_status s_read_tags(struct s_ctx *ctx) {
    struct ecc_case *c = ctx->c;
    enum ecc_status status = ecc_suite_get_typed(c->root, "tags", false, JSON_ARRAY, &ctx->path, &c->tags, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; c->tags && i < json_array_size(c->tags); i++) {
        ecc_json_path_push_member(&ctx->path, "tags");
        ecc_json_path_push_index(&ctx->path, i);
        status = s_check_tag(ctx, i);
        ecc_json_path_pop(&ctx->path);
        ecc_json_path_pop(&ctx->path);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* One capability of `requires`, with the path at it: known and not given before; added to the case. */
static enum ecc_status s_add_capability(struct s_ctx *ctx, const json_t *item) {
    unsigned bit = 0;
    if (!json_is_string(item) || !ecc_capability_parse(json_string_value(item), &bit)) {
        return ecc_json_path_fail(&ctx->path, NULL, ctx->diag, "unknown capability (fault-injection, clock-control)");
    }
    if (ctx->c->requires & bit) {
        return ecc_json_path_fail(&ctx->path, NULL, ctx->diag, "duplicate capability '%s'", json_string_value(item));
    }
    ctx->c->requires |= bit;
    return ECC_OK;
}

static enum ecc_status s_read_requires(struct s_ctx *ctx) {
    const json_t *requires = NULL;
    enum ecc_status status =
        ecc_suite_get_typed(ctx->c->root, "requires", false, JSON_ARRAY, &ctx->path, &requires, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    for (size_t i = 0; requires && i < json_array_size(requires); i++) {
        ecc_json_path_push_member(&ctx->path, "requires");
        ecc_json_path_push_index(&ctx->path, i);
        status = s_add_capability(ctx, json_array_get(requires, i));
        ecc_json_path_pop(&ctx->path);
        ecc_json_path_pop(&ctx->path);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* `exclusive` and `timeout_ms`. */
static enum ecc_status s_read_run_options(struct s_ctx *ctx) {
    struct ecc_case *c = ctx->c;
    const json_t *value = NULL;
    enum ecc_status status = ecc_suite_get_typed(c->root, "exclusive", false, JSON_TRUE, &ctx->path, &value, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    c->exclusive = value && json_is_true(value);
    value = NULL;
    status = ecc_suite_get_typed(c->root, "timeout_ms", false, JSON_INTEGER, &ctx->path, &value, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    if (value) {
        if (json_integer_value(value) < 1 || json_integer_value(value) > 24 * 3600000) {
            return ecc_json_path_fail(&ctx->path, "timeout_ms", ctx->diag, "timeout_ms must be within 1..86400000");
        }
        c->timeout_ms = (int64_t)json_integer_value(value);
    }
    return ECC_OK;
}

/* One case variable, with the path at `vars`: a free name, and references only to what comes before it. */
static enum ecc_status s_check_var(struct s_ctx *ctx, const char *key, const json_t *value) {
    if (!s_var_name_valid(key)) {
        return ecc_json_path_fail(&ctx->path, key, ctx->diag, "variable name must match [a-z_][a-z0-9_]*");
    }
    if (s_is_builtin(key)) {
        return ecc_json_path_fail(&ctx->path, key, ctx->diag, "'%s' is a built-in or run variable", key);
    }
    ecc_json_path_push_member(&ctx->path, key);
    enum ecc_status status = s_scan_vars(ctx, value);
    ecc_json_path_pop(&ctx->path);
    return status;
}

/* Checks `all_vars` in order; `seen` (the case's vars while this runs) gains each name once checked. */
static enum ecc_status s_check_vars(struct s_ctx *ctx, const json_t *all_vars, json_t *seen) {
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)all_vars, key, value) {
        ecc_json_path_push_member(&ctx->path, "vars");
        enum ecc_status status = s_check_var(ctx, key, value);
        ecc_json_path_pop(&ctx->path);
        if (status != ECC_OK) {
            return status;
        }
        if (json_object_set_new(seen, key, json_true()) != 0) {
            return ECC_ERR_NOMEM;
        }
    }
    return ECC_OK;
}

static enum ecc_status s_read_vars(struct s_ctx *ctx) {
    struct ecc_case *c = ctx->c;
    enum ecc_status status = ecc_suite_get_typed(c->root, "vars", false, JSON_OBJECT, &ctx->path, &c->vars, ctx->diag);
    if (status != ECC_OK || !c->vars) {
        return status;
    }
    /* Vars are expanded in order: each may use the built-ins and the vars before it. */
    const json_t *all_vars = c->vars;
    json_t *seen = json_object();
    if (!seen) {
        return ECC_ERR_NOMEM;
    }
    c->vars = seen;
    status = s_check_vars(ctx, all_vars, seen);
    json_decref(seen);
    c->vars = all_vars;
    return status;
}

static enum ecc_status s_read_case(struct s_ctx *ctx) {
    static const char *const members[] = {
        "$schema",
        "id",
        "title",
        "description",
        "tags",
        "requires",
        "exclusive",
        "timeout_ms",
        "vars",
        "steps",
        "cleanup"};
    struct ecc_case *c = ctx->c;
    enum ecc_status status = ecc_json_check_members(c->root, members, ECC_ARRAY_LEN(members), &ctx->path, ctx->diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_identity(ctx);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_tags(ctx);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_requires(ctx);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_run_options(ctx);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_vars(ctx);
    if (status != ECC_OK) {
        return status;
    }
    status = s_read_steps(ctx, "steps", true, &c->steps, &c->step_count);
    if (status != ECC_OK) {
        return status;
    }
    return s_read_steps(ctx, "cleanup", false, &c->cleanup, &c->cleanup_count);
}

/* Takes ownership of root. */
static enum ecc_status s_case_from_root(
    json_t *root,
    const char *source,
    const char *group,
    const struct ecc_fixture_set *fixtures,
    struct ecc_case **out,
    struct ecc_diag *diag) {
    struct ecc_case *c = calloc(1, sizeof(*c));
    if (!c) {
        json_decref(root);
        return ECC_ERR_NOMEM;
    }
    c->root = root;
    c->file = ecc_strdup(source);
    c->group = ecc_strdup(group ? group : "");
    struct s_ctx ctx = {.c = c, .fixtures = fixtures, .diag = diag, .captures = json_object()};
    ecc_json_path_init_pointer(&ctx.path);
    enum ecc_status status = (!c->file || !c->group || !ctx.captures) ? ECC_ERR_NOMEM : s_read_case(&ctx);
    json_decref(ctx.captures);
    if (status != ECC_OK) {
        ecc_case_destroy(c);
        return status;
    }
    *out = c;
    return ECC_OK;
}

enum ecc_status ecc_case_load_bytes(
    const uint8_t *bytes,
    size_t len,
    const char *source,
    const char *group,
    const struct ecc_fixture_set *fixtures,
    struct ecc_case **out,
    struct ecc_diag *diag) {
    *out = NULL;
    json_t *root = NULL;
    enum ecc_status status = ecc_suite_parse_bytes(bytes, len, source, &root, diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_case_from_root(root, source, group, fixtures, out, diag);
}

enum ecc_status ecc_case_load_file(
    const char *file, const struct ecc_fixture_set *fixtures, struct ecc_case **out, struct ecc_diag *diag) {
    *out = NULL;
    /* The group is the parent folder's name. */
    char group[128] = "";
    const char *slash = strrchr(file, '/');
    if (slash) {
        const char *start = slash;
        while (start > file && start[-1] != '/') {
            start--;
        }
        snprintf(group, sizeof(group), "%.*s", (int)(slash - start), start);
    }
    json_t *root = NULL;
    enum ecc_status status = ecc_suite_parse_file(file, &root, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = s_case_from_root(root, file, group, fixtures, out, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_suite_check_file_id(file, (*out)->id, diag);
    if (status != ECC_OK) {
        ecc_case_destroy(*out);
        *out = NULL;
        return status;
    }
    return ECC_OK;
}

void ecc_case_destroy(struct ecc_case *c) {
    if (!c) {
        return;
    }
    free(c->steps);
    free(c->cleanup);
    json_decref(c->root);
    free(c->file);
    free(c->group);
    free(c);
}

bool ecc_case_has_tag(const struct ecc_case *c, const char *tag) {
    for (size_t i = 0; c->tags && i < json_array_size(c->tags); i++) {
        if (strcmp(json_string_value(json_array_get(c->tags, i)), tag) == 0) {
            return true;
        }
    }
    return false;
}

char *ecc_case_tags_join(const struct ecc_case *c, const char *separator, bool *nomem) {
    if (nomem) {
        *nomem = false;
    }
    size_t count = json_array_size(c->tags);
    if (count == 0) {
        return NULL;
    }
    size_t len = 1;
    for (size_t i = 0; i < count; i++) {
        len += strlen(json_string_value(json_array_get(c->tags, i))) + strlen(separator);
    }
    char *text = malloc(len);
    if (!text) {
        if (nomem) {
            *nomem = true;
        }
        return NULL;
    }
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        used += (size_t)snprintf(
            text + used, len - used, "%s%s", i ? separator : "", json_string_value(json_array_get(c->tags, i)));
    }
    return text;
}

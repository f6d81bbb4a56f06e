/*
 * Drafts of conformance cases from recorded sessions (replay.h, ecc_replay_draft_cases). One case per
 * session: the clusters and families it uses without creating are created first, then each recorded
 * request becomes a `call` step with the run's names (`${prefix}-<name>`), fresh tokens
 * (`${prefix}-tN`) and captures where a request names an id an earlier answer gave; each recorded answer
 * becomes the step's expectations. Every draft is loaded back with the case loader before it is kept, so
 * a draft that `ecsconf run` would refuse is never written.
 */
#include "ecc/case.h"
#include "ecc/replay.h"

#include "replay_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Most captures one draft defines. */
#define S_MAX_CAPTURES 200

struct s_draft {
    struct ecc_compare_context names; /* recorded name -> ${prefix}-name, token -> ${prefix}-tN */
    json_t *captured;                 /* recorded value -> {"step": index, "pointer": P, "name": capture name} */
    json_t *steps;
    size_t token_count;
    size_t capture_count;
};

static bool s_is_hex_id(const char *s) {
    size_t len = strlen(s);
    return len >= 16 && strspn(s, "0123456789abcdef") == len;
}

/* The ARN's resource type when it is an ECS one the `arn` matcher knows, else "any". */
static const char *s_arn_kind(const char *arn) {
    static const char *const kinds[] = {
        "task", "cluster", "task-definition", "container", "container-instance", "capacity-provider"};
    const char *at = arn;
    for (int colons = 0; colons < 5 && at; colons++) {
        at = strchr(at, ':');
        at = at ? at + 1 : NULL;
    }
    if (!at || strncmp(arn, "arn:", 4) != 0 || !strstr(arn, ":ecs:")) {
        return "any";
    }
    size_t len = strcspn(at, "/:");
    for (size_t i = 0; i < ECC_ARRAY_LEN(kinds); i++) {
        if (strlen(kinds[i]) == len && strncmp(at, kinds[i], len) == 0) {
            return kinds[i];
        }
    }
    return "any";
}

static bool s_is_volatile(const char *s) {
    return strncmp(s, "arn:", 4) == 0 || ecc_is_uuid_text(s, strlen(s)) || s_is_hex_id(s);
}

static enum ecc_status s_remember(struct s_draft *draft, size_t step, const json_t *value, char *pointer, size_t len);

/* Extends the JSON pointer `pointer` (512 bytes, `len` used) with `/key`, or `/index` when `key` is NULL. */
static void s_pointer_push(char *pointer, size_t len, const char *key, size_t index) {
    if (key) {
        snprintf(pointer + len, 512 - len, "/%s", key);
    } else {
        snprintf(pointer + len, 512 - len, "/%zu", index);
    }
}

/* s_remember of `value` at `pointer` + its key (or index); the pointer is restored after. */
static enum ecc_status s_remember_child(
    struct s_draft *draft, size_t step, const json_t *value, char *pointer, size_t len, const char *key, size_t index) {
    s_pointer_push(pointer, len, key, index);
    enum ecc_status status = s_remember(draft, step, value, pointer, strlen(pointer));
    pointer[len] = '\0';
    return status;
}

/* Remembers every volatile string of an answer, so a later request naming it uses a capture. */
static enum ecc_status s_remember(struct s_draft *draft, size_t step, const json_t *value, char *pointer, size_t len) {
    if (json_is_string(value) && s_is_volatile(json_string_value(value))) {
        if (json_object_get(draft->captured, json_string_value(value))) {
            return ECC_OK;
        }
        json_t *where = json_pack("{s:i, s:s, s:n}", "step", (json_int_t)step, "pointer", pointer, "name");
        return where && json_object_set_new(draft->captured, json_string_value(value), where) == 0 ? ECC_OK
                                                                                                   : ECC_ERR_NOMEM;
    }
    if (json_is_object(value)) {
        const char *key;
        json_t *member;
        json_object_foreach((json_t *)value, key, member) {
            if (strchr(key, '/') || strchr(key, '~') || len + strlen(key) + 2 > 512) {
                continue; /* such keys need escaping: not worth a capture in a draft */
            }
            enum ecc_status status = s_remember_child(draft, step, member, pointer, len, key, 0);
            if (status != ECC_OK) {
                return status;
            }
        }
        return ECC_OK;
    }
    if (!json_is_array(value) || len + 24 > 512) {
        return ECC_OK;
    }
    size_t i;
    json_t *item;
    json_array_foreach(value, i, item) {
        enum ecc_status status = s_remember_child(draft, step, item, pointer, len, NULL, i);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* The capture reference for a recorded value an earlier answer gave ("${capture.cN}", defined on that
 * step), or NULL. */
static enum ecc_status s_capture_of(struct s_draft *draft, const char *value, char *out, size_t size, bool *found) {
    *found = false;
    json_t *where = json_object_get(draft->captured, value);
    if (!where) {
        return ECC_OK;
    }
    const char *name = json_string_value(json_object_get(where, "name"));
    char fresh[32];
    if (!name) {
        if (draft->capture_count == S_MAX_CAPTURES) {
            return ECC_OK;
        }
        snprintf(fresh, sizeof(fresh), "c%zu", ++draft->capture_count);
        json_t *step = json_array_get(draft->steps, (size_t)json_integer_value(json_object_get(where, "step")));
        json_t *capture = json_object_get(step, "capture");
        if (!capture) {
            capture = json_object();
            if (!capture || json_object_set_new(step, "capture", capture) != 0) {
                return ECC_ERR_NOMEM;
            }
        }
        if (json_object_set(capture, fresh, json_object_get(where, "pointer")) != 0 ||
            json_object_set_new(where, "name", json_string(fresh)) != 0) {
            return ECC_ERR_NOMEM;
        }
        name = fresh;
    }
    snprintf(out, size, "${capture.%s}", name);
    *found = true;
    return ECC_OK;
}

/* A recorded string as the draft writes it: `$` doubled (a case reads `${...}` as a variable), then the
 * run's names and tokens. New reference, NULL when out of memory. */
static json_t *s_text(const struct s_draft *draft, const char *text) {
    size_t dollars = 0;
    for (const char *c = text; *c; c++) {
        dollars += *c == '$';
    }
    char *escaped = malloc(strlen(text) + dollars + 1);
    if (!escaped) {
        return NULL;
    }
    char *to = escaped;
    for (const char *c = text; *c; c++) {
        *to++ = *c;
        if (*c == '$') {
            *to++ = '$';
        }
    }
    *to = '\0';
    json_t *value = json_string(escaped);
    free(escaped);
    json_t *mapped = value ? ecc_compare_context_apply(&draft->names, value) : NULL;
    json_decref(value);
    return mapped;
}

static enum ecc_status s_request_body(struct s_draft *draft, const json_t *body, json_t **out);

/* Each member of an object or an array `body`, as s_request_body writes it, into `copy` (same kind). */
static enum ecc_status s_request_members(struct s_draft *draft, const json_t *body, json_t *copy) {
    const char *key;
    json_t *member;
    size_t i;
    if (json_is_object(body)) {
        json_object_foreach((json_t *)body, key, member) {
            json_t *value = NULL;
            enum ecc_status status = s_request_body(draft, member, &value);
            if (status != ECC_OK) {
                return status;
            }
            if (json_object_set_new(copy, key, value) != 0) {
                return ECC_ERR_NOMEM;
            }
        }
        return ECC_OK;
    }
    json_array_foreach(body, i, member) {
        json_t *value = NULL;
        enum ecc_status status = s_request_body(draft, member, &value);
        if (status != ECC_OK) {
            return status;
        }
        if (json_array_append_new(copy, value) != 0) {
            return ECC_ERR_NOMEM;
        }
    }
    return ECC_OK;
}

/* A recorded request body as the draft sends it: ids answered earlier by captures, names and tokens by
 * the run's. New reference in *out. Fails only for want of memory. */
static enum ecc_status s_request_body(struct s_draft *draft, const json_t *body, json_t **out) {
    *out = NULL;
    if (json_is_string(body)) {
        char reference[64];
        bool found = false;
        enum ecc_status status = s_capture_of(draft, json_string_value(body), reference, sizeof(reference), &found);
        if (status != ECC_OK) {
            return status;
        }
        *out = found ? json_string(reference) : s_text(draft, json_string_value(body));
        return *out ? ECC_OK : ECC_ERR_NOMEM;
    }
    if (json_is_object(body) || json_is_array(body)) {
        json_t *copy = json_is_object(body) ? json_object() : json_array();
        if (!copy) {
            return ECC_ERR_NOMEM;
        }
        enum ecc_status status = s_request_members(draft, body, copy);
        if (status != ECC_OK) {
            json_decref(copy);
            return status;
        }
        *out = copy;
        return ECC_OK;
    }
    *out = json_deep_copy(body);
    return *out ? ECC_OK : ECC_ERR_NOMEM;
}

static bool s_is_timestamp_key(const char *key) {
    size_t len = key ? strlen(key) : 0;
    return len > 2 && strcmp(key + len - 2, "At") == 0;
}

static enum ecc_status s_expect_body(
    struct s_draft *draft, const char *key, const json_t *value, bool error, char *pointer, size_t len, json_t *out);

/* s_expect_body of `value` at `pointer` + `/segment` (`/index` when `segment` is NULL); the pointer is
 * restored after. */
static enum ecc_status s_expect_child(
    struct s_draft *draft,
    const char *key,
    const json_t *value,
    bool error,
    char *pointer,
    size_t len,
    const char *segment,
    size_t index,
    json_t *out) {
    s_pointer_push(pointer, len, segment, index);
    enum ecc_status status = s_expect_body(draft, key, value, error, pointer, strlen(pointer), out);
    pointer[len] = '\0';
    return status;
}

/* One expectation per leaf of the recorded answer (compare.h's meaning, written as matchers). */
static enum ecc_status s_expect_body(
    struct s_draft *draft, const char *key, const json_t *value, bool error, char *pointer, size_t len, json_t *out) {
    json_t *matcher = NULL;
    if (key && (strcmp(key, "requestId") == 0 || (error && (!strcmp(key, "message") || !strcmp(key, "Message") ||
                                                            !strcmp(key, "__type") || !strcmp(key, "code"))))) {
        matcher = json_is_string(value) && len ? json_pack("{s:s}", "type", "string") : NULL;
    } else if (json_is_object(value) && json_object_size(value)) {
        const char *name;
        json_t *member;
        json_object_foreach((json_t *)value, name, member) {
            if (json_is_null(member) || strchr(name, '/') || strchr(name, '~') || len + strlen(name) + 2 > 512) {
                continue;
            }
            enum ecc_status status = s_expect_child(draft, name, member, error, pointer, len, name, 0, out);
            if (status != ECC_OK) {
                return status;
            }
        }
        return ECC_OK;
    } else if (json_is_array(value) && json_array_size(value)) {
        if (len &&
            json_object_set_new(out, pointer, json_pack("{s:i}", "length", (json_int_t)json_array_size(value)))) {
            return ECC_ERR_NOMEM;
        }
        size_t i;
        json_t *item;
        json_array_foreach(value, i, item) {
            enum ecc_status status = s_expect_child(draft, key, item, error, pointer, len, NULL, i, out);
            if (status != ECC_OK) {
                return status;
            }
        }
        return ECC_OK;
    } else if (json_is_array(value) || json_is_object(value)) {
        matcher = json_pack("{s:i}", "length", 0);
    } else if (s_is_timestamp_key(key)) {
        matcher = json_pack("{s:s}", "type", json_is_string(value) ? "string" : "number");
    } else if (json_is_string(value)) {
        const char *text = json_string_value(value);
        char reference[64];
        bool found = false;
        enum ecc_status status = s_capture_of(draft, text, reference, sizeof(reference), &found);
        if (status != ECC_OK) {
            return status;
        }
        matcher = found                                  ? json_string(reference)
                  : strncmp(text, "arn:", 4) == 0        ? json_pack("{s:s}", "arn", s_arn_kind(text))
                  : ecc_is_uuid_text(text, strlen(text)) ? json_pack("{s:b}", "uuid", 1)
                  : s_is_hex_id(text)                    ? json_pack("{s:s}", "regex", "^[0-9a-f]{16,}$")
                                                         : s_text(draft, text);
    } else {
        matcher = json_is_number(value) ? json_pack("{s:O}", "equals", value) : json_deep_copy(value);
    }
    if (!len) {
        json_decref(matcher);
        return ECC_OK; /* a bare top-level value: the status and error say it all */
    }
    return matcher && json_object_set_new(out, pointer, matcher) == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

/* A fresh token (`${prefix}-tN`) for the exchange's recorded clientToken, the first time it is met. */
static enum ecc_status s_bind_token(struct s_draft *draft, const struct ecc_fixture *fixture) {
    const char *token = json_string_value(json_object_get(fixture->body, "clientToken"));
    if (!token || json_string_value(json_object_get(draft->names.ids, token))) {
        return ECC_OK;
    }
    char fresh[40];
    snprintf(fresh, sizeof(fresh), "${prefix}-t%zu", ++draft->token_count);
    return ecc_compare_context_add_id(&draft->names, token, fresh);
}

/* The step's request body (an empty object when the recording sent none). */
static enum ecc_status s_step_body(struct s_draft *draft, const struct ecc_fixture *fixture, json_t *step) {
    json_t *empty = json_object();
    if (!empty) {
        return ECC_ERR_NOMEM;
    }
    json_t *body = NULL;
    enum ecc_status status = s_request_body(draft, json_is_object(fixture->body) ? fixture->body : empty, &body);
    json_decref(empty);
    if (status != ECC_OK) {
        return status;
    }
    return json_object_set_new(step, "body", body) == 0 ? ECC_OK : ECC_ERR_NOMEM;
}

/* The body matchers of the recorded answer, set on `expect` when there is any. */
static enum ecc_status s_expect_answer(struct s_draft *draft, const json_t *answer, bool error, json_t *expect) {
    json_t *matchers = json_object();
    if (!matchers) {
        return ECC_ERR_NOMEM;
    }
    char pointer[512] = "";
    enum ecc_status status = s_expect_body(draft, NULL, answer, error, pointer, 0, matchers);
    if (status != ECC_OK) {
        goto done;
    }
    if (json_object_size(matchers) && json_object_set(expect, "body", matchers) != 0) {
        status = ECC_ERR_NOMEM;
    }
done:
    json_decref(matchers);
    return status;
}

/* The step's expectations: the recorded status, error type and answer. */
static enum ecc_status s_step_expect(struct s_draft *draft, const struct ecc_fixture *fixture, json_t *expect) {
    char error[130];
    ecc_replay_recorded_error(fixture, error, sizeof(error));
    if (json_object_set_new(expect, "status", json_integer(fixture->response_status)) != 0) {
        return ECC_ERR_NOMEM;
    }
    if (error[0] && json_object_set_new(expect, "error", json_string(error)) != 0) {
        return ECC_ERR_NOMEM;
    }
    const json_t *answer = json_object_get(json_object_get(fixture->root, "response"), "body");
    if (!json_is_object(answer)) {
        return ECC_OK;
    }
    return s_expect_answer(draft, answer, error[0] != '\0', expect);
}

/* The step of one recorded exchange. */
static enum ecc_status s_exchange_step(struct s_draft *draft, const struct ecc_fixture *fixture, json_t **out) {
    *out = NULL;
    json_t *step = json_pack("{s:s, s:s}", "name", fixture->id, "call", fixture->operation);
    json_t *expect = json_object();
    enum ecc_status status = ECC_OK;
    if (!step || !expect) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    status = s_bind_token(draft, fixture);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_step_body(draft, fixture, step);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_step_expect(draft, fixture, expect);
    if (status != ECC_OK) {
        goto done;
    }
    if (json_object_set(step, "expect", expect) != 0) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    *out = json_incref(step);
done:
    json_decref(expect);
    json_decref(step);
    return status;
}

/* CreateCluster and RegisterTaskDefinition for what the session uses without creating (replay.h). */
static enum ecc_status s_setup_steps(struct s_draft *draft, const struct ecc_replay_names *names) {
    for (size_t i = 0; i < names->count; i++) {
        const struct ecc_replay_name *name = &names->items[i];
        char used[300];
        snprintf(used, sizeof(used), "${prefix}-%.250s", name->name);
        if (strcmp(name->name, "default") != 0 &&
            ecc_compare_context_add_name(&draft->names, name->name, used) != ECC_OK) {
            return ECC_ERR_NOMEM;
        }
        if (name->created || name->must_not_exist) {
            continue;
        }
        long revisions = name->revision > 0 ? name->revision : 1;
        for (long r = 0; r < revisions && r < ECC_REPLAY_MAX_REVISION; r++) {
            json_t *body = ecc_replay_setup_body(name, used);
            json_t *step = body ? json_pack(
                                      "{s:s, s:s, s:o}",
                                      "name",
                                      "setup",
                                      "call",
                                      name->is_cluster ? "CreateCluster" : "RegisterTaskDefinition",
                                      "body",
                                      body)
                                : NULL;
            if (!step || json_array_append_new(draft->steps, step) != 0) {
                return ECC_ERR_NOMEM;
            }
            if (name->is_cluster || strcmp(name->name, "default") == 0) {
                break;
            }
        }
    }
    return ECC_OK;
}

/* The step of exchange `i` of the session, appended to the draft; a later step may capture what its
 * answer gave. */
static enum ecc_status s_add_exchange(struct s_draft *draft, const struct ecc_replay_session *session, size_t i) {
    json_t *step = NULL;
    enum ecc_status status = s_exchange_step(draft, session->items[i], &step);
    if (status != ECC_OK) {
        return status;
    }
    int64_t before = i ? ecc_replay_recorded_date_s(session->items[i - 1]) : -1;
    int64_t after = ecc_replay_recorded_date_s(session->items[i]);
    if (before >= 0 && after > before) {
        char comment[200];
        snprintf(
            comment,
            sizeof(comment),
            "recorded %lld s after the previous answer; the case sends it at once, so a state that moves with "
            "time (lastStatus) may be an earlier one",
            (long long)(after - before));
        if (json_object_set_new(step, "comment", json_string(comment)) != 0) {
            json_decref(step);
            return ECC_ERR_NOMEM;
        }
    }
    size_t index = json_array_size(draft->steps);
    if (json_array_append_new(draft->steps, step) != 0) {
        return ECC_ERR_NOMEM;
    }
    if (session->items[i]->response_status != 200) {
        return ECC_OK;
    }
    char pointer[512] = "";
    const json_t *answer = json_object_get(json_object_get(session->items[i]->root, "response"), "body");
    return s_remember(draft, index, answer, pointer, 0);
}

/* The case around the draft's steps: its id, title, description (where the session was recorded) and
 * tags. New reference, NULL when out of memory. */
static json_t *s_draft_case(const struct ecc_replay_session *session, json_t *steps) {
    const json_t *recorded = json_object_get(session->items[0]->root, "recorded");
    const char *from = json_string_value(json_object_get(recorded, "from"));
    const char *date = json_string_value(json_object_get(recorded, "date"));
    const char *via = json_string_value(json_object_get(recorded, "via"));
    char title[300], description[700];
    snprintf(title, sizeof(title), "Draft: the recorded session %s, replayed step by step", session->key);
    snprintf(
        description,
        sizeof(description),
        "Drafted by `ecsconf replay --draft-cases` from %zu exchange%s recorded from %s%s%s%s%s. Every "
        "expectation comes from one recorded answer: review each before adding the case to the suite (keep what "
        "the documentation promises, loosen what only this endpoint does).",
        session->count,
        session->count == 1 ? "" : "s",
        from ? from : "an unknown endpoint",
        date ? " on " : "",
        date ? date : "",
        via ? " via " : "",
        via ? via : "");
    return json_pack(
        "{s:s, s:s, s:s, s:[s, s], s:O}",
        "id",
        session->key,
        "title",
        title,
        "description",
        description,
        "tags",
        "draft",
        "recorded",
        "steps",
        steps);
}

/* The draft case of one session; new reference in *out. */
static enum ecc_status s_draft_session(const struct ecc_replay_session *session, json_t **out) {
    struct s_draft draft = {.captured = json_object(), .steps = json_array()};
    enum ecc_status status = ecc_compare_context_init(&draft.names);
    json_t *root = NULL;
    if (status != ECC_OK || !draft.captured || !draft.steps) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    struct ecc_replay_names names;
    ecc_replay_names_collect(session, &names);
    status = s_setup_steps(&draft, &names);
    if (status != ECC_OK) {
        goto done;
    }
    for (size_t i = 0; i < session->count; i++) {
        status = s_add_exchange(&draft, session, i);
        if (status != ECC_OK) {
            goto done;
        }
    }
    root = s_draft_case(session, draft.steps);
    status = root ? ECC_OK : ECC_ERR_NOMEM;
done:
    ecc_compare_context_clean_up(&draft.names);
    json_decref(draft.captured);
    json_decref(draft.steps);
    *out = root;
    return status;
}

/* Writes `text` and a newline to `file`. */
static enum ecc_status s_write_file(const char *file, const char *text, struct ecc_diag *diag) {
    FILE *out = fopen(file, "w");
    if (!out || fputs(text, out) == EOF || fputc('\n', out) == EOF) {
        ecc_diag_set(diag, "cannot write %.600s: %s", file, strerror(errno));
        if (out) {
            fclose(out);
        }
        return ECC_ERR_IO;
    }
    if (fclose(out) != 0) {
        ecc_diag_set(diag, "cannot write %.600s: %s", file, strerror(errno));
        return ECC_ERR_IO;
    }
    return ECC_OK;
}

/* The draft of one session as indented JSON text (the caller frees it), or NULL: s_draft_session fails
 * only for want of memory, like the dump. */
static char *s_draft_text(const struct ecc_replay_session *session) {
    json_t *draft = NULL;
    enum ecc_status status = s_draft_session(session, &draft);
    if (status != ECC_OK) {
        return NULL;
    }
    char *text = json_dumps(draft, JSON_INDENT(2));
    json_decref(draft);
    return text;
}

/* The draft of one session, checked with the case loader, written to `<out_dir>/<key>.json` (never over
 * a file that exists). */
static enum ecc_status
s_write_draft(const struct ecc_replay_session *session, const char *out_dir, struct ecc_diag *diag) {
    char file[1200];
    snprintf(file, sizeof(file), "%s/%s.json", out_dir, session->key);
    struct stat st;
    if (stat(file, &st) == 0) {
        ecc_diag_set(diag, "%.600s exists: a draft never replaces a file", file);
        return ECC_ERR_INVALID;
    }
    char *text = s_draft_text(session);
    if (!text) {
        ecc_diag_set(diag, "cannot draft %s: out of memory", session->key);
        return ECC_ERR_NOMEM;
    }
    /* The draft must load as a case as it is (the loader checks what the schema says). */
    struct ecc_case *check = NULL;
    enum ecc_status status = ecc_case_load_bytes((const uint8_t *)text, strlen(text), file, NULL, NULL, &check, diag);
    ecc_case_destroy(check);
    if (status != ECC_OK) {
        status = ECC_ERR_INTERNAL;
        goto done;
    }
    status = s_write_file(file, text, diag);
done:
    free(text);
    return status;
}

enum ecc_status
ecc_replay_draft_cases(const struct ecc_fixture_set *set, const char *out_dir, size_t *written, struct ecc_diag *diag) {
    *written = 0;
    ecc_diag_clear(diag);
    struct ecc_replay_sessions sessions = {0};
    enum ecc_status status = ecc_replay_sessions_build(set, &sessions);
    if (status != ECC_OK) {
        ecc_diag_set(diag, "out of memory");
        goto done;
    }
    status = ecc_make_dirs(out_dir, diag);
    if (status != ECC_OK) {
        goto done;
    }
    for (size_t s = 0; s < sessions.count; s++) {
        status = s_write_draft(&sessions.items[s], out_dir, diag);
        if (status != ECC_OK) {
            goto done;
        }
        (*written)++;
    }
done:
    ecc_replay_sessions_clean_up(&sessions);
    return status;
}

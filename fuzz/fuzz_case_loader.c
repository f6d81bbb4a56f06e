/*
 * Fuzz target: the runner's case and fixture loaders (case.h `ecc_case_load_bytes`, fixture.h
 * `ecc_fixture_load_bytes`), what reads every conformance/ and fixtures/ file a user writes.
 *
 * Input: up to S_MAX_DOCUMENTS JSON documents separated by a line "#next". Every document but the last
 * is a fixture, loaded and (when it loads) added to a fresh fixture set; the last is a case, loaded
 * against that set, so `send` and `raw.from` references resolve when the input carries their fixture.
 * Oracle, for every document:
 *  1. a load gives either an object (ECC_OK, non-NULL) or ECC_ERR_INVALID with no object, never another
 *     status (no input is too big here: the cap is far above max_len);
 *  2. an error is clear: a non-empty text and a position, either line:column (syntax errors, both > 0)
 *     or a JSON pointer (starting with '/', or "" only together with line:column);
 *  3. loading is deterministic: the same bytes load again to the same verdict, the same diagnostic
 *     text and position, or an equal object (document, id, steps with their kind, pointer, label,
 *     operation, resolved fixture, sign mode; case flags);
 *  4. a loaded document reloads from its own compact serialization to an equal object (the loader
 *     depends on the JSON value, not on its spelling);
 *  5. no leaks and no memory errors (sanitizers).
 */
#define _GNU_SOURCE /* memmem */
#include "fuzz_data.h"

#include "ecc/case.h"
#include "ecc/fixture.h"

#include <stdio.h>
#include <string.h>

#define S_MAX_DOCUMENTS 4

static void s_check_error(enum ecc_status status, const struct ecc_diag *diag) {
    char shown[1200];
    ecc_diag_format(diag, shown, sizeof(shown));
    ECC_FUZZ_CHECK_DETAIL(status == ECC_ERR_INVALID, "an error is ECC_ERR_INVALID", shown);
    ECC_FUZZ_CHECK_DETAIL(diag->text[0] != '\0', "an error has a text", shown);
    bool has_line = diag->line > 0 && diag->column > 0;
    ECC_FUZZ_CHECK_DETAIL(has_line || diag->path[0] == '/', "an error has a line:column or a JSON pointer", shown);
    ECC_FUZZ_CHECK_DETAIL(diag->path[0] == '\0' || diag->path[0] == '/', "a path is a JSON pointer", shown);
}

static void s_check_same_diag(const struct ecc_diag *a, const struct ecc_diag *b) {
    ECC_FUZZ_CHECK(strcmp(a->text, b->text) == 0, "the same error text on reload");
    ECC_FUZZ_CHECK(strcmp(a->path, b->path) == 0, "the same error pointer on reload");
    ECC_FUZZ_CHECK(a->line == b->line && a->column == b->column, "the same error position on reload");
}

static bool s_str_eq(const char *a, const char *b) {
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void s_check_same_fixture(const struct ecc_fixture *a, const struct ecc_fixture *b) {
    ECC_FUZZ_CHECK(json_equal(a->root, b->root), "fixture: the same document");
    ECC_FUZZ_CHECK(s_str_eq(a->id, b->id) && s_str_eq(a->operation, b->operation), "fixture: id, operation");
    ECC_FUZZ_CHECK(
        s_str_eq(a->method, b->method) && s_str_eq(a->path, b->path) && s_str_eq(a->query, b->query),
        "fixture: method, path, query");
    ECC_FUZZ_CHECK(s_str_eq(a->body_text, b->body_text), "fixture: body_text");
    ECC_FUZZ_CHECK((a->body == NULL) == (b->body == NULL), "fixture: body presence");
    ECC_FUZZ_CHECK(a->response_status == b->response_status, "fixture: response status");
}

static void s_check_same_steps(const struct ecc_step *a, const struct ecc_step *b, size_t count) {
    for (size_t i = 0; i < count; i++) {
        ECC_FUZZ_CHECK(a[i].kind == b[i].kind && a[i].is_cleanup == b[i].is_cleanup, "step: kind");
        ECC_FUZZ_CHECK(strcmp(a[i].label, b[i].label) == 0, "step: label");
        ECC_FUZZ_CHECK(strcmp(a[i].pointer, b[i].pointer) == 0, "step: pointer");
        ECC_FUZZ_CHECK(s_str_eq(a[i].operation, b[i].operation), "step: operation");
        ECC_FUZZ_CHECK(a[i].fixture == b[i].fixture, "step: the same resolved fixture");
        ECC_FUZZ_CHECK(
            a[i].sign.mode == b[i].sign.mode && a[i].sign.date_offset_s == b[i].sign.date_offset_s &&
                a[i].sign.second_credentials == b[i].sign.second_credentials,
            "step: sign");
        ECC_FUZZ_CHECK(a[i].has_expect == b[i].has_expect && a[i].confirm == b[i].confirm, "step: expect, confirm");
        ECC_FUZZ_CHECK(a[i].timeout_ms == b[i].timeout_ms, "step: timeout");
    }
}

static void s_check_same_case(const struct ecc_case *a, const struct ecc_case *b) {
    ECC_FUZZ_CHECK(json_equal(a->root, b->root), "case: the same document");
    ECC_FUZZ_CHECK(s_str_eq(a->id, b->id) && s_str_eq(a->title, b->title), "case: id, title");
    ECC_FUZZ_CHECK(a->requires == b->requires && a->exclusive == b->exclusive, "case: requires, exclusive");
    ECC_FUZZ_CHECK(a->timeout_ms == b->timeout_ms && a->starts_tasks == b->starts_tasks, "case: timeout, tasks");
    ECC_FUZZ_CHECK(
        a->step_count == b->step_count && a->cleanup_count == b->cleanup_count, "case: step and cleanup counts");
    s_check_same_steps(a->steps, b->steps, a->step_count);
    s_check_same_steps(a->cleanup, b->cleanup, a->cleanup_count);
}

/* The document's compact serialization, or NULL (out of memory; the check is then skipped). */
static char *s_dump(const json_t *root, size_t *len) {
    char *text = json_dumps(root, JSON_COMPACT | JSON_ENCODE_ANY);
    *len = text ? strlen(text) : 0;
    return text;
}

static enum ecc_status s_load_fixture(const char *text, size_t len, struct ecc_fixture **out, struct ecc_diag *diag) {
    ecc_diag_clear(diag);
    *out = NULL;
    enum ecc_status status = ecc_fixture_load_bytes((const uint8_t *)text, len, "fuzz", out, diag);
    ECC_FUZZ_CHECK((status == ECC_OK) == (*out != NULL), "a fixture exactly on success");
    if (status != ECC_OK) {
        s_check_error(status, diag);
    }
    return status;
}

/* Loads one fixture; returns it (owned by the caller) or NULL. */
static struct ecc_fixture *s_fixture(const char *text, size_t len) {
    struct ecc_diag diag, again_diag;
    struct ecc_fixture *fixture, *again;
    enum ecc_status status = s_load_fixture(text, len, &fixture, &diag);
    enum ecc_status again_status = s_load_fixture(text, len, &again, &again_diag);
    ECC_FUZZ_CHECK(status == again_status, "a fixture loads deterministically");
    if (status != ECC_OK) {
        s_check_same_diag(&diag, &again_diag);
        return NULL;
    }
    s_check_same_fixture(fixture, again);
    ecc_fixture_destroy(again);
    size_t dumped_len;
    char *dumped = s_dump(fixture->root, &dumped_len);
    if (dumped && dumped_len <= ECC_SUITE_MAX_FILE_BYTES) {
        ECC_FUZZ_CHECK(s_load_fixture(dumped, dumped_len, &again, &again_diag) == ECC_OK, "a fixture reloads");
        s_check_same_fixture(fixture, again);
        ecc_fixture_destroy(again);
    }
    free(dumped);
    return fixture;
}

static enum ecc_status s_load_case(
    const char *text, size_t len, const struct ecc_fixture_set *set, struct ecc_case **out, struct ecc_diag *diag) {
    ecc_diag_clear(diag);
    *out = NULL;
    enum ecc_status status = ecc_case_load_bytes((const uint8_t *)text, len, "fuzz", "fuzz", set, out, diag);
    ECC_FUZZ_CHECK((status == ECC_OK) == (*out != NULL), "a case exactly on success");
    if (status != ECC_OK) {
        s_check_error(status, diag);
    }
    return status;
}

static void s_case(const char *text, size_t len, const struct ecc_fixture_set *set) {
    struct ecc_diag diag, again_diag;
    struct ecc_case *loaded, *again;
    enum ecc_status status = s_load_case(text, len, set, &loaded, &diag);
    enum ecc_status again_status = s_load_case(text, len, set, &again, &again_diag);
    ECC_FUZZ_CHECK(status == again_status, "a case loads deterministically");
    if (status != ECC_OK) {
        s_check_same_diag(&diag, &again_diag);
        return;
    }
    s_check_same_case(loaded, again);
    ecc_case_destroy(again);
    size_t dumped_len;
    char *dumped = s_dump(loaded->root, &dumped_len);
    if (dumped && dumped_len <= ECC_SUITE_MAX_FILE_BYTES) {
        ECC_FUZZ_CHECK(s_load_case(dumped, dumped_len, set, &again, &again_diag) == ECC_OK, "a case reloads");
        s_check_same_case(loaded, again);
        ecc_case_destroy(again);
    }
    free(dumped);
    ecc_case_destroy(loaded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char separator[] = "\n#next\n";
    struct ecc_fixture_set set;
    ecc_fixture_set_init(&set);
    const char *text = (const char *)data;
    size_t left = size;
    for (int i = 0; i < S_MAX_DOCUMENTS; i++) {
        const char *next = i + 1 < S_MAX_DOCUMENTS ? memmem(text, left, separator, sizeof(separator) - 1) : NULL;
        if (!next) {
            s_case(text, left, &set);
            break;
        }
        size_t len = (size_t)(next - text);
        struct ecc_fixture *fixture = s_fixture(text, len);
        if (fixture) {
            struct ecc_diag diag;
            ecc_diag_clear(&diag);
            if (ecc_fixture_set_add(&set, fixture, &diag) != ECC_OK) {
                /* a duplicate id: refused and destroyed, the first one stays */
            }
        }
        left -= len + sizeof(separator) - 1;
        text = next + sizeof(separator) - 1;
    }
    ecc_fixture_set_clean_up(&set);
    return 0;
}

#ifndef ECC_FIXTURE_H
#define ECC_FIXTURE_H
/*
 * Fixtures: recorded exchanges (fixtures/README.md, fixtures/fixture.schema.json). The loader is strict:
 * JSON syntax errors carry file:line:column (jansson's json_error_t, duplicate keys included); every
 * other error carries the JSON pointer of the bad member; unknown members are errors; signature, token
 * and date headers are refused (secrets are never stored).
 */
#include "ecc/common.h"
#include "ecc/json.h"

#include <jansson.h>

/* Largest suite file (fixture or case) the loaders read. */
#define ECC_SUITE_MAX_FILE_BYTES ((size_t)1024 * 1024)
/* Ids of fixtures and cases: [a-z0-9][a-z0-9-]*, at most this long. */
#define ECC_SUITE_MAX_ID_LEN 100

/* The ECS operations a fixture or a `call` step may name. */
extern const char *const ecc_suite_operations[];
extern const size_t ecc_suite_operation_count;
bool ecc_suite_operation_known(const char *name);
/* Is `id` a well-formed fixture or case id? */
bool ecc_suite_id_valid(const char *id);

/*
 * One fixture. Every pointer is borrowed from `root`, which the fixture owns (one reference); they live
 * as long as the fixture.
 */
struct ecc_fixture {
    json_t *root;
    char *file; /* owned; "" for fixtures loaded from bytes */
    const char *id;
    const char *operation; /* one of ecc_suite_operations */
    const char *method;    /* default "POST" */
    const char *path;      /* default "/" */
    const char *query;     /* default "" */
    const json_t *headers; /* object name → string; never NULL (an empty object when absent) */
    const json_t *body;    /* JSON body, or NULL */
    const char *body_text; /* raw body, or NULL; at most one of body / body_text is set */
    int response_status;
};

/*
 * Parses one fixture from bytes. `source` names it in diagnostics. On success `*out` is a heap fixture
 * the caller releases with ecc_fixture_destroy. The file-name rule (id = file name) is checked by
 * ecc_fixture_load_file only.
 */
enum ecc_status ecc_fixture_load_bytes(
    const uint8_t *bytes, size_t len, const char *source, struct ecc_fixture **out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
enum ecc_status
ecc_fixture_load_file(const char *file, struct ecc_fixture **out, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
void ecc_fixture_destroy(struct ecc_fixture *fixture);

/* Every fixture of a folder tree. Owner: the caller (init / clean_up); it owns the fixtures. */
struct ecc_fixture_set {
    struct ecc_fixture **items;
    size_t count;
    size_t capacity;
};

void ecc_fixture_set_init(struct ecc_fixture_set *set);
void ecc_fixture_set_clean_up(struct ecc_fixture_set *set);
/* Takes ownership of `fixture` (also on failure, when it is destroyed). A duplicate id is ECC_ERR_INVALID. */
enum ecc_status ecc_fixture_set_add(struct ecc_fixture_set *set, struct ecc_fixture *fixture, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
/*
 * Loads every `*.json` under `dir` (recursively, in name order; `*.schema.json` and dot files are
 * skipped). Each bad file is reported through `on_error` (may be NULL) and loading goes on, so one run
 * lists every broken file; the return is ECC_ERR_INVALID when any file failed.
 */
typedef void(ecc_suite_error_fn)(void *user_data, const struct ecc_diag *diag);
enum ecc_status ecc_fixture_set_load_dir(
    struct ecc_fixture_set *set, const char *dir, ecc_suite_error_fn *on_error, void *user_data) ECC_WARN_UNUSED_RESULT;
/* Borrowed fixture or NULL. */
const struct ecc_fixture *ecc_fixture_set_find(const struct ecc_fixture_set *set, const char *id);
/* For an id the set does not hold: "; did you mean a, b?" with the nearest ids into `out` (empty when none is
 * near, or `set` is NULL), so a "no fixture" message can append it unconditionally. */
void ecc_fixture_set_did_you_mean(const struct ecc_fixture_set *set, const char *id, char *out, size_t size);

/*
 * Shared by the fixture and case loaders: reads a whole file (at most ECC_SUITE_MAX_FILE_BYTES) and
 * parses it with duplicate keys rejected; syntax errors fill diag with file, line, column.
 */
enum ecc_status ecc_suite_parse_file(const char *file, json_t **out, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_suite_parse_bytes(
    const uint8_t *bytes, size_t len, const char *source, json_t **out, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Lists the `*.json` files under `dir` (recursive, sorted, schema and dot files skipped). The caller frees
 * each string and the array. */
enum ecc_status
ecc_suite_list_json_files(const char *dir, char ***files, size_t *count, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* ECC_OK when `file`'s base name is `<id>.json`; otherwise ECC_ERR_INVALID, diag naming /id of `file`. */
enum ecc_status ecc_suite_check_file_id(const char *file, const char *id, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

#endif

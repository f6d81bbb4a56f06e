#ifndef ECC_SUITE_INTERNAL_H
#define ECC_SUITE_INTERNAL_H
/*
 * Private to the suite loaders (fixture.c, case.c): strict, borrowed reads from suite files. Unlike the
 * typed reads of json.h, JSON null is a type error here (suite files never need it outside merge
 * patches), and values are borrowed from the document rather than copied.
 */
#include "ecc/common.h"
#include "ecc/fixture.h"
#include "ecc/json.h"

#include <jansson.h>

/* Loads one listed file into the loader's collection (`ctx`); fills diag on failure. */
typedef enum ecc_status(ecc_suite_load_fn)(void *ctx, const char *file, struct ecc_diag *diag);
/* Runs `load` on each of `files` (listed by ecc_suite_list_json_files; each name and the array are freed
 * here) and reports each failure through `on_error` (may be NULL), so one run lists every broken file.
 * Returns ECC_OK, ECC_ERR_NOMEM when memory ran out for any file, else ECC_ERR_INVALID when one failed. */
enum ecc_status ecc_suite_load_each(
    char **files, size_t count, ecc_suite_load_fn *load, void *ctx, ecc_suite_error_fn *on_error, void *user_data)
    ECC_WARN_UNUSED_RESULT;

/* The same over files and folders: each path a file, or a folder whose *.json files are listed (a path
 * that cannot be listed is reported through `on_error` too). Same returns. */
enum ecc_status ecc_suite_load_paths(
    const char *const *paths,
    size_t path_count,
    ecc_suite_load_fn *load,
    void *ctx,
    ecc_suite_error_fn *on_error,
    void *user_data) ECC_WARN_UNUSED_RESULT;
/* Borrowed member reads. `required` false: an absent member leaves *out as it was and returns ECC_OK. */
enum ecc_status ecc_suite_get_string(
    const json_t *object,
    const char *key,
    bool required,
    struct ecc_json_path *path,
    const char **out,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_suite_get_typed(
    const json_t *object,
    const char *key,
    bool required,
    json_type type,
    struct ecc_json_path *path,
    const json_t **out,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* An object whose members are all strings (headers). Names must be HTTP tokens. `allow_null` lets a
 * member be null (a removal in a patch). */
enum ecc_status ecc_suite_check_headers(
    const json_t *headers, bool allow_null, struct ecc_json_path *path, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

#endif

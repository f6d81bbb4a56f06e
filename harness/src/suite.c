/*
 * The conformance suite (case.h): the fixtures of a folder, then every case file of the paths given
 * (through the loaders' one path loop, ecc_suite_load_paths), each case id once; cases found by id.
 * A bad file is reported and loading goes on, so one run shows every broken file.
 */
#include "ecc/case.h"

#include "suite_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ecc_suite_init(struct ecc_suite *suite) {
    memset(suite, 0, sizeof(*suite));
    ecc_fixture_set_init(&suite->fixtures);
}

void ecc_suite_clean_up(struct ecc_suite *suite) {
    for (size_t i = 0; i < suite->count; i++) {
        ecc_case_destroy(suite->cases[i]);
    }
    free(suite->cases);
    ecc_fixture_set_clean_up(&suite->fixtures);
    ecc_suite_init(suite);
}

const struct ecc_case *ecc_suite_find(const struct ecc_suite *suite, const char *id) {
    for (size_t i = 0; i < suite->count; i++) {
        if (strcmp(suite->cases[i]->id, id) == 0) {
            return suite->cases[i];
        }
    }
    return NULL;
}

static enum ecc_status s_suite_add(struct ecc_suite *suite, struct ecc_case *c, struct ecc_diag *diag) {
    const struct ecc_case *existing = ecc_suite_find(suite, c->id);
    if (existing) {
        ecc_diag_clear(diag);
        snprintf(diag->source, sizeof(diag->source), "%s", c->file);
        ecc_diag_set_path(diag, "/id");
        ecc_diag_set(diag, "duplicate case id '%s' (also in %s)", c->id, existing->file);
        ecc_case_destroy(c);
        return ECC_ERR_INVALID;
    }
    struct ecc_case **cases =
        ecc_array_grow(suite->cases, &suite->capacity, suite->count, sizeof(*cases), 64, SIZE_MAX);
    if (!cases) {
        ecc_case_destroy(c);
        return ECC_ERR_NOMEM;
    }
    suite->cases = cases;
    suite->cases[suite->count++] = c;
    return ECC_OK;
}

static enum ecc_status s_load_case(void *ctx, const char *file, struct ecc_diag *diag) {
    struct ecc_suite *suite = ctx;
    struct ecc_case *c = NULL;
    enum ecc_status status = ecc_case_load_file(file, &suite->fixtures, &c, diag);
    if (status != ECC_OK) {
        return status;
    }
    return s_suite_add(suite, c, diag);
}

enum ecc_status ecc_suite_load(
    struct ecc_suite *suite,
    const char *fixtures_dir,
    const char *const *paths,
    size_t path_count,
    ecc_suite_error_fn *on_error,
    void *user_data) {
    enum ecc_status result = ECC_OK;
    if (fixtures_dir) {
        result = ecc_fixture_set_load_dir(&suite->fixtures, fixtures_dir, on_error, user_data);
    }
    enum ecc_status status = ecc_suite_load_paths(paths, path_count, s_load_case, suite, on_error, user_data);
    if (status != ECC_OK && result != ECC_ERR_NOMEM) {
        result = status;
    }
    return result;
}

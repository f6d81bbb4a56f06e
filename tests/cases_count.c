/*
 * The suite's own size and health (tests/cases.cmake, ctest `conformance.cases`): loads every fixture
 * and case with the project's loader, prints each file error with its position, and fails when any file
 * is bad or the suite holds fewer cases than the issue asks for.
 *
 * Usage: cases_count FIXTURES_DIR CONFORMANCE_DIR MIN_CASES [MIN_PER_GROUP...]
 * where each MIN_PER_GROUP is `group=N`. Exit 0 when all hold, 1 otherwise, 2 on a usage error.
 */
#include "ecc/case.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct s_errors {
    size_t count;
};

static void s_on_error(void *user_data, const struct ecc_diag *diag) {
    struct s_errors *errors = user_data;
    char text[1200];
    ecc_diag_format(diag, text, sizeof(text));
    fprintf(stderr, "error: %s\n", text);
    errors->count++;
}

static size_t s_group_count(const struct ecc_suite *suite, const char *group) {
    size_t n = 0;
    for (size_t i = 0; i < suite->count; i++) {
        n += strcmp(suite->cases[i]->group, group) == 0;
    }
    return n;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s FIXTURES_DIR CONFORMANCE_DIR MIN_CASES [group=N...]\n", argv[0]);
        return 2;
    }
    char *end = NULL;
    unsigned long min_cases = strtoul(argv[3], &end, 10);
    if (!end || *end) {
        fprintf(stderr, "MIN_CASES must be a number\n");
        return 2;
    }
    struct ecc_suite suite;
    ecc_suite_init(&suite);
    struct s_errors errors = {0};
    const char *paths[] = {argv[2]};
    enum ecc_status status = ecc_suite_load(&suite, argv[1], paths, 1, s_on_error, &errors);
    int rc = 0;
    if (status != ECC_OK || errors.count) {
        fprintf(stderr, "%zu file error(s)\n", errors.count);
        rc = 1;
    }
    printf("%zu fixtures, %zu cases\n", suite.fixtures.count, suite.count);
    if (suite.count < min_cases) {
        fprintf(stderr, "only %zu cases, at least %lu expected\n", suite.count, min_cases);
        rc = 1;
    }
    for (int i = 4; i < argc; i++) {
        char group[128];
        unsigned long min = 0;
        if (sscanf(argv[i], "%127[^=]=%lu", group, &min) != 2) {
            fprintf(stderr, "bad group minimum '%s' (want group=N)\n", argv[i]);
            rc = 2;
            continue;
        }
        size_t n = s_group_count(&suite, group);
        printf("  %-12s %zu\n", group, n);
        if (n < min) {
            fprintf(stderr, "group %s has %zu cases, at least %lu expected\n", group, n, min);
            rc = rc ? rc : 1;
        }
    }
    ecc_suite_clean_up(&suite);
    return rc;
}

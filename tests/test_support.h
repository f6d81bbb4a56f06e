#ifndef ECC_TEST_SUPPORT_H
#define ECC_TEST_SUPPORT_H
/* Every cmocka test includes this first: cmocka needs these system headers before its own. */
// clang-format off
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Path of a file under ../shared, or NULL (with a printed reason) when the reference data is absent. */
static inline const char *ecc_test_shared_dir(void) {
    const char *dir = ECSCONF_SHARED_DIR;
    if (dir[0] == '\0') {
        fprintf(stderr, "reference data folder not configured (set -DECSCONF_SHARED_DIR=.../shared)\n");
        return NULL;
    }
    return dir;
}

#endif

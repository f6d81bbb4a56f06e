#ifndef ECC_FUZZ_TARGET_DATA_H
#define ECC_FUZZ_TARGET_DATA_H
/*
 * What every fuzz target shares beyond the input reader (ecc/fuzz_data.h, also used by `ecsconf fuzz`):
 * the libFuzzer entry point and the oracle macro. ECC_FUZZ_CHECK aborts, which every fuzzing engine
 * reports as a finding.
 */
#include "ecc/fuzz_data.h"

#include <stdio.h>
#include <stdlib.h>

/* The entry point every fuzz/fuzz_<target>.c defines (libFuzzer, AFL++ and the standalone driver call it). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the violated property: a target checks its oracle with this, not with assert() (NDEBUG).
 * `detail` (may be NULL) is printed too: what the reproducer is about, printed only on a violation, since
 * a line per execution would cost more than the execution. */
#define ECC_FUZZ_CHECK_DETAIL(cond, what, detail)                                                                      \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            const char *detail_ = (detail);                                                                            \
            fprintf(stderr, "fuzz oracle violated: %s (%s) at %s:%d\n", (what), #cond, __FILE__, __LINE__);            \
            if (detail_) {                                                                                             \
                fprintf(stderr, "  %s\n", detail_);                                                                    \
            }                                                                                                          \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)
#define ECC_FUZZ_CHECK(cond, what) ECC_FUZZ_CHECK_DETAIL(cond, what, (const char *)NULL)

#endif

#ifndef ECC_FUZZ_JANSSON_ARENA_H
#define ECC_FUZZ_JANSSON_ARENA_H
/*
 * jansson's allocations of one execution, carved from one arena and released at once when the execution
 * ends, for targets whose oracle parses with jansson. Why: under ASan every malloc is expensive (stack
 * trace, fill, shadow poisoning) and every free sends the block to a 256 MB quarantine, so each
 * execution touches cold memory; a serializer input made about 600 allocations, 166 of them the strict
 * parse of its body (fuzz/README.md has the measurement).
 *
 * What ASan still catches in them: every block is followed by a poisoned redzone and preceded by its
 * poisoned size header, a freed block is poisoned until the arena is reset, so instrumented code (the
 * product reading a jansson string) that overruns a block or uses it after json_decref is reported as
 * before. What LeakSanitizer would have caught, ecc_fuzz_arena_end checks itself: every jansson
 * allocation of the execution was freed (a leaked json_t is a finding).
 *
 * Use: ecc_fuzz_arena_begin() at the start of an execution (installs the allocator on first use; jansson's
 * allocator is process-wide), ecc_fuzz_arena_end() after its last json_decref. A string json_dumps
 * returns is freed with ecc_fuzz_arena_free, not free(). Past the arena's size, blocks come from malloc.
 */
#include "fuzz_data.h"

#include <jansson.h>
#include <sanitizer/asan_interface.h>

#define ECC_FUZZ_ARENA_BYTES (1u << 20)
#define ECC_FUZZ_ARENA_ALIGN 16 /* jansson stores doubles and 64-bit integers */

struct ecc_fuzz_arena {
    _Alignas(ECC_FUZZ_ARENA_ALIGN) unsigned char bytes[ECC_FUZZ_ARENA_BYTES];
    size_t used;
    size_t live; /* blocks handed out and not freed, the arena's and malloc's */
};

static struct ecc_fuzz_arena ecc_fuzz_arena;

static inline void *ecc_fuzz_arena_malloc(size_t len) {
    struct ecc_fuzz_arena *a = &ecc_fuzz_arena;
    size_t rounded = (len + ECC_FUZZ_ARENA_ALIGN - 1) & ~(size_t)(ECC_FUZZ_ARENA_ALIGN - 1);
    size_t need = ECC_FUZZ_ARENA_ALIGN + rounded + ECC_FUZZ_ARENA_ALIGN; /* header, block, redzone */
    if (rounded < len || need > sizeof(a->bytes) - a->used) {
        void *block = malloc(len);
        a->live += block != NULL;
        return block;
    }
    unsigned char *header = a->bytes + a->used;
    a->used += need;
    ASAN_UNPOISON_MEMORY_REGION(header, sizeof(len));
    memcpy(header, &len, sizeof(len));
    ASAN_POISON_MEMORY_REGION(header, sizeof(len));
    ASAN_UNPOISON_MEMORY_REGION(header + ECC_FUZZ_ARENA_ALIGN, len);
    a->live++;
    return header + ECC_FUZZ_ARENA_ALIGN;
}

static inline void ecc_fuzz_arena_free(void *block) {
    struct ecc_fuzz_arena *a = &ecc_fuzz_arena;
    if (!block) {
        return;
    }
    a->live--;
    unsigned char *at = block;
    if (at < a->bytes || at >= a->bytes + sizeof(a->bytes)) {
        free(block);
        return;
    }
    size_t len;
    unsigned char *header = at - ECC_FUZZ_ARENA_ALIGN;
    ASAN_UNPOISON_MEMORY_REGION(header, sizeof(len));
    memcpy(&len, header, sizeof(len));
    ASAN_POISON_MEMORY_REGION(header, sizeof(len));
    ASAN_POISON_MEMORY_REGION(at, len);
}

static inline void ecc_fuzz_arena_begin(void) {
    static bool installed;
    if (!installed) {
        ASAN_POISON_MEMORY_REGION(ecc_fuzz_arena.bytes, sizeof(ecc_fuzz_arena.bytes));
        json_set_alloc_funcs(ecc_fuzz_arena_malloc, ecc_fuzz_arena_free);
        installed = true;
    }
}

static inline void ecc_fuzz_arena_end(void) {
    ECC_FUZZ_CHECK(ecc_fuzz_arena.live == 0, "every jansson allocation of the execution is freed (no leak)");
    ASAN_POISON_MEMORY_REGION(ecc_fuzz_arena.bytes, ecc_fuzz_arena.used);
    ecc_fuzz_arena.used = 0;
}

#endif

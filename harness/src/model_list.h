#ifndef ECC_MODEL_LIST_H
#define ECC_MODEL_LIST_H
/*
 * Private to model.c and model_response.c: the list functions every model list type needs, built on
 * its item functions. Macros rather than void-pointer functions so each list keeps its item type and
 * calls its item functions directly (no casts between function pointer types).
 */
#include "ecc/common.h"

#include <stdlib.h>
#include <string.h>

/* static clean_up (frees items and array, leaves the list zeroed) and equal (presence, count, items). */
#define ECC_MODEL_LIST_CLEAN_UP_AND_EQUAL(list_type, item_clean_up, item_equal)                                        \
    static void s_##list_type##_clean_up(struct list_type *list) {                                                     \
        for (size_t i = 0; i < list->count; i++) {                                                                     \
            item_clean_up(&list->items[i]);                                                                            \
        }                                                                                                              \
        free(list->items);                                                                                             \
        memset(list, 0, sizeof(*list));                                                                                \
    }                                                                                                                  \
    static bool s_##list_type##_equal(const struct list_type *a, const struct list_type *b) {                          \
        if (a->has != b->has || a->count != b->count) {                                                                \
            return false;                                                                                              \
        }                                                                                                              \
        for (size_t i = 0; i < a->count; i++) {                                                                        \
            if (!item_equal(&a->items[i], &b->items[i])) {                                                             \
                return false;                                                                                          \
            }                                                                                                          \
        }                                                                                                              \
        return true;                                                                                                   \
    }

/* static copy into a zeroed dst; on failure dst holds a partial copy the caller cleans up. */
#define ECC_MODEL_LIST_COPY(list_type, item_type, item_copy)                                                           \
    static enum ecc_status s_##list_type##_copy(struct list_type *dst, const struct list_type *src) {                  \
        dst->has = src->has;                                                                                           \
        if (!src->count) {                                                                                             \
            return ECC_OK;                                                                                             \
        }                                                                                                              \
        dst->items = calloc(src->count, sizeof(struct item_type));                                                     \
        if (!dst->items) {                                                                                             \
            return ECC_ERR_NOMEM;                                                                                      \
        }                                                                                                              \
        dst->count = src->count;                                                                                       \
        for (size_t i = 0; i < src->count; i++) {                                                                      \
            enum ecc_status status = item_copy(&dst->items[i], &src->items[i]);                                        \
            if (status != ECC_OK) {                                                                                    \
                return status;                                                                                         \
            }                                                                                                          \
        }                                                                                                              \
        return ECC_OK;                                                                                                 \
    }

#endif

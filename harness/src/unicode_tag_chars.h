#ifndef ECC_UNICODE_TAG_CHARS_H
#define ECC_UNICODE_TAG_CHARS_H
/* Private to validate.c: the Unicode classes of the ECS tag pattern (generated table). */
#include <stdbool.h>
#include <stdint.h>

/* True for a code point in the general categories L, N or Z (\p{L}, \p{N}, \p{Z}). */
bool ecc_unicode_is_letter_number_separator(uint32_t code_point);

#endif

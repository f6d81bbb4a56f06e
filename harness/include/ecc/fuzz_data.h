#ifndef ECC_FUZZ_DATA_H
#define ECC_FUZZ_DATA_H
/*
 * Floor 1: a FuzzedDataProvider-style reader of generator bytes, shared by the structure-aware fuzz
 * targets (their bytes come from libFuzzer) and by `ecsconf fuzz` (its bytes come from a seeded
 * generator, wirefuzz.h). Header-only, so the OSS-Fuzz build needs nothing beyond the target file.
 *
 * Like LLVM's FuzzedDataProvider, integers and choices are taken from the END of the input and byte
 * runs from the FRONT: a mutation of the choice bytes then changes the shape of what is built without
 * shifting every string, which keeps mutations local. Every function works on an exhausted input
 * (it returns the minimum, false, the first list entry, or an empty string), so a target never has to
 * check how much data is left.
 *
 * Strings (ecc_fuzz_string) are what the targets need most: their length is chosen among "whatever the
 * data gives", the empty string and the boundary values around a documented limit (limit - 1, limit,
 * limit + 1, far over), and their content among raw bytes, printable ASCII, odd UTF-8 (overlong forms,
 * surrogates, code points past U+10FFFF, lone continuation bytes, BOM, U+2028) and control characters.
 * Long strings are a short pattern from the data repeated, so a few input bytes reach any length.
 *
 * Ownership: the reader borrows the input; every returned string is malloc'ed and freed by the caller.
 * The fuzz targets' oracle macros live in fuzz/fuzz_data.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest string ecc_fuzz_string builds, the "oversized" length of a member without a documented limit. */
#define ECC_FUZZ_MAX_STRING_BYTES 2048

/* Bytes of string content one input may build in total: a few long strings, not hundreds, so an
 * execution stays fast whatever the input chooses (the serializer target's cost grows with every byte:
 * built, validated, escaped, written twice, parsed back). Past it, strings come out shorter than chosen.
 * 2.5 KiB still reaches every limit: one past the longest string limit (placementConstraints expression,
 * 2000) with room for other members, and the overrides limit of 8192 characters of JSON, which 1,366
 * control characters (6 characters each once escaped) pass. */
#define ECC_FUZZ_STRING_BUDGET_BYTES 2560

struct ecc_fuzz_data {
    const uint8_t *data;
    size_t size;
    size_t string_budget; /* bytes ecc_fuzz_string may still build */
};

static inline void ecc_fuzz_data_init(struct ecc_fuzz_data *fd, const uint8_t *data, size_t size) {
    fd->data = data;
    fd->size = size;
    fd->string_budget = ECC_FUZZ_STRING_BUDGET_BYTES;
}

static inline size_t ecc_fuzz_remaining(const struct ecc_fuzz_data *fd) {
    return fd->size;
}

/* An integer in [min, max] built from as few trailing bytes as the range needs. */
static inline uint64_t ecc_fuzz_u64_range(struct ecc_fuzz_data *fd, uint64_t min, uint64_t max) {
    if (min >= max) {
        return min;
    }
    uint64_t range = max - min;
    uint64_t result = 0;
    size_t offset = 0;
    while (offset < 64 && (range >> offset) > 0 && fd->size > 0) {
        result = (result << 8) | fd->data[fd->size - 1];
        fd->size--;
        offset += 8;
    }
    if (range != UINT64_MAX) {
        result %= range + 1;
    }
    return min + result;
}

static inline int64_t ecc_fuzz_i64_range(struct ecc_fuzz_data *fd, int64_t min, int64_t max) {
    if (min >= max) {
        return min;
    }
    uint64_t span = (uint64_t)max - (uint64_t)min;
    return (int64_t)((uint64_t)min + ecc_fuzz_u64_range(fd, 0, span));
}

static inline bool ecc_fuzz_bool(struct ecc_fuzz_data *fd) {
    return (ecc_fuzz_u64_range(fd, 0, 255) & 1) != 0;
}

/* An index in [0, count); 0 when count is 0. */
static inline size_t ecc_fuzz_pick(struct ecc_fuzz_data *fd, size_t count) {
    return count == 0 ? 0 : (size_t)ecc_fuzz_u64_range(fd, 0, count - 1);
}

/* One entry of a list of strings (enum values, member names, header names). */
static inline const char *ecc_fuzz_pick_str(struct ecc_fuzz_data *fd, const char *const *list, size_t count) {
    return list[ecc_fuzz_pick(fd, count)];
}

/* Copies up to `len` bytes from the front; returns how many were copied (fewer when the input ends). */
static inline size_t ecc_fuzz_bytes(struct ecc_fuzz_data *fd, uint8_t *out, size_t len) {
    size_t n = len < fd->size ? len : fd->size;
    if (n > 0) {
        memcpy(out, fd->data, n);
    }
    fd->data += n;
    fd->size -= n;
    return n;
}

/* What a string is made of. */
enum ecc_fuzz_text {
    ECC_FUZZ_TEXT_RAW,       /* bytes as the input gives them (NUL mapped to 0x01: C strings) */
    ECC_FUZZ_TEXT_PRINTABLE, /* folded into 0x20..0x7e */
    ECC_FUZZ_TEXT_ODD_UTF8,  /* snippets of unusual or invalid UTF-8 */
    ECC_FUZZ_TEXT_CONTROL,   /* 0x01..0x1f and 0x7f */
    ECC_FUZZ_TEXT_COUNT,
};

/* Valid but unusual (BOM, U+2028, U+FFFF, U+10FFFF, combining mark, astral) and invalid (overlong NUL,
 * overlong '/', lone surrogate, past U+10FFFF, lone continuation, truncated sequence) UTF-8. */
static const char *const ecc_fuzz_odd_utf8[] = {
    "\xef\xbb\xbf",
    "\xe2\x80\xa8",
    "\xef\xbf\xbf",
    "\xf4\x8f\xbf\xbf",
    "e\xcc\x81",
    "\xf0\x9f\x98\x80",
    "\xc0\x80",
    "\xc0\xaf",
    "\xed\xa0\x80",
    "\xf4\x90\x80\x80",
    "\x80",
    "\xe2\x82",
    "\\u0000",
    "\"",
    "\\",
};

/* How a string's length is chosen. */
enum ecc_fuzz_length {
    ECC_FUZZ_LEN_FROM_DATA, /* 0..15 or 0..255: most strings are short, which keeps executions fast */
    ECC_FUZZ_LEN_EMPTY,
    ECC_FUZZ_LEN_LIMIT_BELOW, /* limit - 1 */
    ECC_FUZZ_LEN_LIMIT,       /* exactly the documented limit */
    ECC_FUZZ_LEN_LIMIT_ABOVE, /* limit + 1 */
    ECC_FUZZ_LEN_OVERSIZED,   /* twice the limit and one more; ECC_FUZZ_MAX_STRING_BYTES without a limit */
    ECC_FUZZ_LEN_COUNT,
};

/* Choices past ECC_FUZZ_LEN_COUNT also mean FROM_DATA: most strings are short, which keeps runs fast (the
 * empty, boundary and oversized lengths are one choice in 18 each). */
#define ECC_FUZZ_LEN_CHOICES (ECC_FUZZ_LEN_COUNT + 12)

static inline size_t ecc_fuzz_string_length(struct ecc_fuzz_data *fd, size_t limit) {
    size_t choice = ecc_fuzz_pick(fd, ECC_FUZZ_LEN_CHOICES);
    enum ecc_fuzz_length mode = choice < ECC_FUZZ_LEN_COUNT ? (enum ecc_fuzz_length)choice : ECC_FUZZ_LEN_FROM_DATA;
    if (limit == 0 && mode >= ECC_FUZZ_LEN_LIMIT_BELOW && mode <= ECC_FUZZ_LEN_LIMIT_ABOVE) {
        mode = ECC_FUZZ_LEN_FROM_DATA; /* no documented limit: nothing to sit on */
    }
    switch (mode) {
    case ECC_FUZZ_LEN_EMPTY:
        return 0;
    case ECC_FUZZ_LEN_LIMIT_BELOW:
        return limit - 1;
    case ECC_FUZZ_LEN_LIMIT:
        return limit;
    case ECC_FUZZ_LEN_LIMIT_ABOVE:
        return limit + 1;
    case ECC_FUZZ_LEN_OVERSIZED:
        return limit && 2 * limit + 1 < ECC_FUZZ_MAX_STRING_BYTES ? 2 * limit + 1 : ECC_FUZZ_MAX_STRING_BYTES;
    default:
        return ecc_fuzz_bool(fd) ? (size_t)ecc_fuzz_u64_range(fd, 0, 15) : (size_t)ecc_fuzz_u64_range(fd, 0, 255);
    }
}

/* Output byte i once the input is spent: strings still reach the chosen length. */
static inline uint8_t ecc_fuzz_spent_byte(size_t i) {
    return (uint8_t)('a' + i % 26);
}

/* The source byte of output byte i: pattern[i % pattern_len] when there is a pattern, else the input's
 * next byte, and ecc_fuzz_spent_byte(i) once the input is spent. */
static inline void
ecc_fuzz_fill_source(struct ecc_fuzz_data *fd, uint8_t *out, size_t len, const uint8_t *pattern, size_t pattern_len) {
    if (pattern_len > 0) {
        size_t filled = pattern_len < len ? pattern_len : len;
        memcpy(out, pattern, filled);
        while (filled < len) { /* doubling copies keep out[i] == pattern[i % pattern_len] */
            size_t n = filled < len - filled ? filled : len - filled;
            memcpy(out + filled, out, n);
            filled += n;
        }
        return;
    }
    for (size_t i = ecc_fuzz_bytes(fd, out, len); i < len; i++) {
        out[i] = ecc_fuzz_spent_byte(i);
    }
}

/* ECC_FUZZ_TEXT_ODD_UTF8: one snippet per source byte (cut at the length). */
static inline void
ecc_fuzz_fill_snippets(struct ecc_fuzz_data *fd, char *out, size_t len, const uint8_t *pattern, size_t pattern_len) {
    size_t i = 0;
    while (i < len) {
        uint8_t b;
        if (pattern_len > 0) {
            b = pattern[i % pattern_len];
        } else if (!ecc_fuzz_bytes(fd, &b, 1)) {
            b = ecc_fuzz_spent_byte(i);
        }
        const char *snippet = ecc_fuzz_odd_utf8[b % (sizeof(ecc_fuzz_odd_utf8) / sizeof(ecc_fuzz_odd_utf8[0]))];
        for (size_t k = 0; snippet[k] != '\0' && i < len; k++) {
            out[i++] = snippet[k];
        }
    }
}

/* The byte a text class makes of a source byte (the three classes with one output byte per source byte). */
static inline const uint8_t *ecc_fuzz_text_table(enum ecc_fuzz_text text) {
    static uint8_t tables[ECC_FUZZ_TEXT_COUNT][256];
    static bool ready;
    if (!ready) {
        for (unsigned b = 0; b < 256; b++) {
            tables[ECC_FUZZ_TEXT_RAW][b] = (uint8_t)(b == 0 ? 1 : b); /* NUL: C strings */
            tables[ECC_FUZZ_TEXT_PRINTABLE][b] = (uint8_t)(0x20 + b % 95);
            tables[ECC_FUZZ_TEXT_CONTROL][b] = (uint8_t)(b % 33 == 32 ? 0x7f : 1 + b % 31);
        }
        ready = true;
    }
    return tables[text];
}

/*
 * A NUL-terminated string of exactly the chosen length in bytes (see the header comment; shorter once
 * the input's ECC_FUZZ_STRING_BUDGET_BYTES are spent), or NULL when malloc fails. `limit` is the member's documented
 * limit in characters, 0 when it has none; pass the constant from validate.h, never a restated number. *out_len (may be
 * NULL) receives the length.
 */
static inline char *ecc_fuzz_string(struct ecc_fuzz_data *fd, size_t limit, size_t *out_len) {
    size_t len = ecc_fuzz_string_length(fd, limit);
    if (len > fd->string_budget) {
        len = fd->string_budget;
    }
    fd->string_budget -= len;
    enum ecc_fuzz_text text = (enum ecc_fuzz_text)ecc_fuzz_pick(fd, ECC_FUZZ_TEXT_COUNT);
    char *out = malloc(len + 1);
    if (!out) {
        return NULL;
    }
    /* The pattern: up to 16 bytes from the front of the input, repeated to the length. */
    uint8_t pattern[16];
    size_t pattern_len = len < sizeof(pattern) ? len : sizeof(pattern);
    if (text == ECC_FUZZ_TEXT_RAW && len <= 255) {
        pattern_len = 0; /* short raw strings take all their bytes from the input */
    }
    pattern_len = ecc_fuzz_bytes(fd, pattern, pattern_len);
    if (text == ECC_FUZZ_TEXT_ODD_UTF8) {
        ecc_fuzz_fill_snippets(fd, out, len, pattern, pattern_len);
    } else {
        /* One source byte per output byte, then the class's byte for it: whole-string copies and one table
         * look-up per byte, not a branch chain (under comparison tracing each branch is a callback). */
        ecc_fuzz_fill_source(fd, (uint8_t *)out, len, pattern, pattern_len);
        const uint8_t *table = ecc_fuzz_text_table(text);
        for (size_t i = 0; i < len; i++) {
            out[i] = (char)table[(uint8_t)out[i]];
        }
    }
    out[len] = '\0';
    if (out_len) {
        *out_len = len;
    }
    return out;
}

#endif

/*
 * Floor 0 (common.h): status names, diagnostics, the capped growable buffer, ecc_array_grow (the one
 * growable-array routine), secure zero, constant-time compare, hex, UUIDv4 text, the civil-date
 * routine, the log-line helper and "did you mean" (edit distance). No I/O beyond what a caller's log sink does.
 */
#include "ecc/common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

long ecc_name_index(const char *const *names, size_t count, const char *name) {
    for (size_t i = 0; name != NULL && i < count; i++) {
        if (names[i] != NULL && strcmp(names[i], name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

const char *ecc_status_name(enum ecc_status status) {
    switch (status) {
    case ECC_OK:
        return "ok";
    case ECC_ERR_NOMEM:
        return "out of memory";
    case ECC_ERR_LIMIT:
        return "size limit reached";
    case ECC_ERR_INVALID:
        return "invalid input";
    case ECC_ERR_NOT_FOUND:
        return "not found";
    case ECC_ERR_IO:
        return "i/o error";
    case ECC_ERR_TIMEOUT:
        return "timed out";
    case ECC_ERR_AUTH:
        return "authentication failed";
    case ECC_ERR_UNSUPPORTED:
        return "unsupported";
    case ECC_ERR_INTERNAL:
        return "internal error";
    }
    return "unknown status";
}

void ecc_diag_clear(struct ecc_diag *diag) {
    if (diag) {
        memset(diag, 0, sizeof(*diag));
    }
}

void ecc_diag_set(struct ecc_diag *diag, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    ecc_diag_vset(diag, fmt, args);
    va_end(args);
}

void ecc_diag_vset(struct ecc_diag *diag, const char *fmt, va_list args) {
    if (diag) {
        vsnprintf(diag->text, sizeof(diag->text), fmt, args);
    }
}

void ecc_diag_set_path(struct ecc_diag *diag, const char *path) {
    if (diag) {
        snprintf(diag->path, sizeof(diag->path), "%s", path ? path : "");
    }
}

void ecc_logf(ecc_log_fn *fn, void *user_data, const char *fmt, ...) {
    if (fn == NULL) {
        return;
    }
    char line[2048];
    va_list args;
    va_start(args, fmt);
    vsnprintf(line, sizeof(line), fmt, args);
    va_end(args);
    fn(user_data, line);
}

void ecc_diag_format(const struct ecc_diag *diag, char *out, size_t size) {
    if (size == 0) {
        return;
    }
    out[0] = '\0';
    size_t used = 0;
#define ECC_DIAG_PUT(...)                                                                                              \
    do {                                                                                                               \
        if (used < size) {                                                                                             \
            int n_ = snprintf(out + used, size - used, __VA_ARGS__);                                                   \
            used = n_ < 0 ? size : used + (size_t)n_;                                                                  \
        }                                                                                                              \
    } while (0)
    if (diag->source[0]) {
        ECC_DIAG_PUT("%s", diag->source);
        if (diag->line > 0) {
            ECC_DIAG_PUT(":%d", diag->line);
            if (diag->column > 0) {
                ECC_DIAG_PUT(":%d", diag->column);
            }
        }
        ECC_DIAG_PUT(": ");
    }
    if (diag->path[0]) {
        ECC_DIAG_PUT("%s: ", diag->path);
    }
    ECC_DIAG_PUT("%s", diag->text[0] ? diag->text : "(no details)");
#undef ECC_DIAG_PUT
}

void ecc_buf_init(struct ecc_buf *buf, size_t max_bytes) {
    buf->data = NULL;
    buf->len = 0;
    buf->capacity = 0;
    buf->max_bytes = max_bytes;
}

void ecc_buf_clean_up(struct ecc_buf *buf) {
    free(buf->data);
    buf->data = NULL;
    buf->len = 0;
    buf->capacity = 0;
}

void ecc_buf_reset(struct ecc_buf *buf) {
    buf->len = 0;
    if (buf->data) {
        buf->data[0] = '\0';
    }
}

/* Makes room for `extra` more bytes plus the trailing NUL, doubling so appends are amortized O(1). */
static enum ecc_status s_buf_reserve(struct ecc_buf *buf, size_t extra) {
    if (extra > buf->max_bytes || buf->len > buf->max_bytes - extra) {
        return ECC_ERR_LIMIT;
    }
    size_t need = buf->len + extra + 1;
    if (need <= buf->capacity) {
        return ECC_OK;
    }
    size_t capacity = buf->capacity ? buf->capacity : 64;
    while (capacity < need) {
        capacity = capacity > SIZE_MAX / 2 ? need : capacity * 2;
    }
    char *data = realloc(buf->data, capacity);
    if (!data) {
        return ECC_ERR_NOMEM;
    }
    buf->data = data;
    buf->capacity = capacity;
    return ECC_OK;
}

enum ecc_status ecc_buf_reserve(struct ecc_buf *buf, size_t extra) {
    return s_buf_reserve(buf, extra);
}

void *ecc_array_grow(
    void *items, size_t *capacity, size_t count, size_t item_size, size_t initial_capacity, size_t max_items) {
    if (count >= max_items) {
        return NULL;
    }
    if (count < *capacity) {
        return items;
    }
    size_t grown = *capacity ? *capacity * 2 : initial_capacity;
    if (grown <= count || grown > max_items) {
        grown = max_items;
    }
    if (grown > SIZE_MAX / item_size) {
        return NULL;
    }
    void *moved = realloc(items, grown * item_size);
    if (!moved) {
        return NULL;
    }
    *capacity = grown;
    return moved;
}

enum ecc_status ecc_buf_append(struct ecc_buf *buf, const void *bytes, size_t len) {
    enum ecc_status status = s_buf_reserve(buf, len);
    if (status != ECC_OK) {
        return status;
    }
    if (len) {
        memcpy(buf->data + buf->len, bytes, len);
    }
    buf->len += len;
    buf->data[buf->len] = '\0';
    return ECC_OK;
}

enum ecc_status ecc_buf_append_str(struct ecc_buf *buf, const char *str) {
    return ecc_buf_append(buf, str, strlen(str));
}

enum ecc_status ecc_buf_append_byte(struct ecc_buf *buf, char byte) {
    return ecc_buf_append(buf, &byte, 1);
}

enum ecc_status ecc_buf_vprintf(struct ecc_buf *buf, const char *fmt, va_list args) {
    va_list copy;
    va_copy(copy, args);
    int needed = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (needed < 0) {
        return ECC_ERR_INVALID;
    }
    enum ecc_status status = s_buf_reserve(buf, (size_t)needed);
    if (status != ECC_OK) {
        return status;
    }
    vsnprintf(buf->data + buf->len, (size_t)needed + 1, fmt, args);
    buf->len += (size_t)needed;
    return ECC_OK;
}

enum ecc_status ecc_buf_printf(struct ecc_buf *buf, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    enum ecc_status status = ecc_buf_vprintf(buf, fmt, args);
    va_end(args);
    return status;
}

char *ecc_buf_steal(struct ecc_buf *buf) {
    char *data = buf->data;
    if (!data) {
        data = calloc(1, 1);
    }
    buf->data = NULL;
    buf->len = 0;
    buf->capacity = 0;
    return data;
}

/* Howard Hinnant's days_from_civil. */
int64_t ecc_days_from_civil(int64_t year, int64_t month, int64_t day) {
    year -= month <= 2;
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t yoe = year - era * 400;
    int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

char *ecc_strdup(const char *str) {
    if (!str) {
        return NULL;
    }
    size_t len = strlen(str);
    char *copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, str, len + 1);
    }
    return copy;
}

const char *ecc_plural(uint64_t count, const char *one, const char *many) {
    return count == 1 ? one : many;
}

uint64_t ecc_monotonic_ms(void) {
    return ecc_monotonic_us() / 1000u;
}

uint64_t ecc_monotonic_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u;
}

void ecc_sleep_ms(uint64_t ms) {
    struct timespec wait = {.tv_sec = (time_t)(ms / 1000u), .tv_nsec = (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&wait, &wait) != 0 && errno == EINTR) {
    }
}

bool ecc_sleep_until_ms(uint64_t deadline_ms, uint64_t slice_ms, ecc_sleep_stop_fn *stop, void *user_data) {
    slice_ms = slice_ms ? slice_ms : 1;
    for (;;) {
        if (stop && stop(user_data)) {
            return false;
        }
        uint64_t now = ecc_monotonic_ms();
        if (now >= deadline_ms) {
            return true;
        }
        ecc_sleep_ms(deadline_ms - now < slice_ms ? deadline_ms - now : slice_ms);
    }
}

void ecc_secure_zero(void *ptr, size_t len) {
    /* A volatile function pointer keeps the compiler from proving the memset dead. */
    static void *(*const volatile memset_fn)(void *, int, size_t) = memset;
    if (ptr && len) {
        memset_fn(ptr, 0, len);
    }
}

bool ecc_ct_equal(const void *a, const void *b, size_t len) {
    /* Every byte is read whatever it holds, eight at a time (signers compare a secret and a signature per
     * request); the result is read through a volatile so the OR chain is not turned into an early exit. */
    const uint8_t *x = a;
    const uint8_t *y = b;
    uint64_t diff = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t u, v;
        memcpy(&u, x + i, 8);
        memcpy(&v, y + i, 8);
        diff |= u ^ v;
    }
    for (; i < len; i++) {
        diff |= (uint64_t)(x[i] ^ y[i]);
    }
    volatile uint64_t result = diff;
    return result == 0;
}

void ecc_hex_encode(const uint8_t *bytes, size_t len, char *out) {
    /* Signers hex-encode three digests per request. The table (two digits per entry) serves the tail
     * and other processors. */
    static const char pairs[513] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
                                   "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
                                   "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
                                   "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
                                   "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
                                   "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
                                   "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
                                   "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    size_t i = 0;
#if defined(__SSE2__)
    /* Sixteen bytes per step (SSE2 is part of x86-64): split into nibbles, interleave high and low,
     * then '0' + n, plus 39 more where n > 9. */
    const __m128i low_nibble = _mm_set1_epi8(0x0f);
    for (; i + 16 <= len; i += 16) {
        __m128i in = _mm_loadu_si128((const __m128i *)(const void *)(bytes + i));
        __m128i high = _mm_and_si128(_mm_srli_epi16(in, 4), low_nibble);
        __m128i low = _mm_and_si128(in, low_nibble);
        __m128i halves[2] = {_mm_unpacklo_epi8(high, low), _mm_unpackhi_epi8(high, low)};
        for (int h = 0; h < 2; h++) {
            __m128i letters = _mm_and_si128(_mm_cmpgt_epi8(halves[h], _mm_set1_epi8(9)), _mm_set1_epi8(39));
            __m128i digits = _mm_add_epi8(_mm_add_epi8(halves[h], _mm_set1_epi8('0')), letters);
            _mm_storeu_si128((__m128i *)(void *)(out + 2 * i + 16 * (size_t)h), digits);
        }
    }
#endif
    for (; i < len; i++) {
        memcpy(out + 2 * i, pairs + 2 * bytes[i], 2);
    }
    out[2 * len] = '\0';
}

void ecc_uuid4_format(uint8_t bytes[16], char out[37]) {
    bytes[6] = (uint8_t)((bytes[6] & 0x0f) | 0x40);
    bytes[8] = (uint8_t)((bytes[8] & 0x3f) | 0x80);
    /* Groups of 4, 2, 2, 2 and 6 bytes; no snprintf: the emulator makes several per request. */
    static const uint8_t groups[] = {4, 2, 2, 2, 6};
    size_t in = 0, at = 0;
    for (size_t g = 0; g < sizeof(groups); g++) {
        if (g) {
            out[at++] = '-';
        }
        ecc_hex_encode(bytes + in, groups[g], out + at);
        in += groups[g];
        at += 2u * groups[g];
    }
}

bool ecc_is_hex_digit(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool ecc_is_uuid_text(const char *s, size_t len) {
    if (len != 36) {
        return false;
    }
    for (size_t i = 0; i < 36; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !ecc_is_hex_digit(s[i])) {
            return false;
        }
    }
    return true;
}

/* Levenshtein distance of two short strings (each cut at 127 bytes), for "did you mean". */
static size_t s_distance(const char *a, const char *b) {
    size_t la = strnlen(a, 127);
    size_t lb = strnlen(b, 127);
    size_t row[128];
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            best = above + 1 < best ? above + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

void ecc_did_you_mean(const char *term, const char *const *candidates, size_t count, char *out, size_t size) {
    size_t limit = strlen(term) / 3 + 1;
    limit = limit < 2 ? 2 : limit;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        size_t d = s_distance(term, candidates[i]);
        best = d < best ? d : best;
    }
    out[0] = '\0';
    if (best > limit) {
        return;
    }
    size_t used = 0;
    size_t shown = 0;
    for (size_t i = 0; i < count && shown < 3; i++) {
        if (s_distance(term, candidates[i]) == best) {
            int n = snprintf(out + used, size - used, "%s%s", shown ? ", " : "; did you mean ", candidates[i]);
            if (n < 0 || (size_t)n >= size - used) {
                break;
            }
            used += (size_t)n;
            shown++;
        }
    }
    if (shown && used + 1 < size) {
        out[used++] = '?';
        out[used] = '\0';
    }
}

enum ecc_status ecc_make_dirs(const char *dir, struct ecc_diag *diag) {
    char path[4096];
    if (!*dir) {
        ecc_diag_set(diag, "cannot create a folder with an empty name");
        return ECC_ERR_INVALID;
    }
    if (strlen(dir) >= sizeof(path)) {
        ecc_diag_set(diag, "cannot create %.200s...: longer than %zu bytes", dir, sizeof(path) - 1);
        return ECC_ERR_LIMIT;
    }
    snprintf(path, sizeof(path), "%s", dir);
    /* Each prefix ending before a '/', then the whole path; a part that exists already is fine. */
    for (char *at = path + 1;; at++) {
        bool last = *at == '\0';
        if (!last && *at != '/') {
            continue;
        }
        *at = '\0';
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            ecc_diag_set(diag, "cannot create %.200s: %s", path, strerror(errno));
            return ECC_ERR_IO;
        }
        if (last) {
            return ECC_OK;
        }
        *at = '/';
    }
}

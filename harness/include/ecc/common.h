#ifndef ECC_COMMON_H
#define ECC_COMMON_H
/*
 * Floor 0 of ecsconf: status codes, the bounded growable buffer and the diagnostic struct that every
 * other module uses. Nothing here does I/O.
 *
 * Conventions (see docs/ARCHITECTURE.md):
 *  - every exported name starts with `ecc_`, then the module, then the verb;
 *  - `init`/`clean_up` for objects embedded by the caller, `new`/`destroy` for heap objects;
 *  - functions that can fail return `enum ecc_status` and are marked ECC_WARN_UNUSED_RESULT;
 *  - every growable buffer carries its own cap (`max_bytes`), so no input can make it grow unbounded.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define ECC_WARN_UNUSED_RESULT            __attribute__((warn_unused_result))
#define ECC_PRINTF(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))
#else
#define ECC_WARN_UNUSED_RESULT
#define ECC_PRINTF(fmt_index, args_index)
#endif

#define ECC_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum ecc_status {
    ECC_OK = 0,
    ECC_ERR_NOMEM,     /* allocation failed */
    ECC_ERR_LIMIT,     /* a size cap was reached; nothing was truncated silently */
    ECC_ERR_INVALID,   /* malformed input; the diagnostic says where */
    ECC_ERR_NOT_FOUND, /* a looked-up item does not exist */
    ECC_ERR_IO,        /* file or socket error; errno-style text in the diagnostic */
    ECC_ERR_TIMEOUT,   /* a deadline passed */
    ECC_ERR_AUTH,      /* a signature or credential check failed */
    ECC_ERR_UNSUPPORTED,
    ECC_ERR_INTERNAL, /* a bug in ecsconf: an invariant did not hold */
};

/* Short stable name of a status ("ok", "nomem", ...), for logs and reports. Never NULL. */
const char *ecc_status_name(enum ecc_status status);

/* The index of `name` in a table of `count` names (the enum-name tables' one look-up), or -1 when it is
 * not there or `name` is NULL. */
long ecc_name_index(const char *const *names, size_t count, const char *name);

/*
 * A diagnostic in the jansson `json_error_t` spirit: a fixed-size struct the caller owns, filled by the
 * callee on failure. `source` is a file name or a label ("<stdin>", "response body"), `path` a member
 * path (`overrides.containerOverrides[2].name`) or a JSON pointer. Line and column are 1-based, 0 when
 * unknown. Texts are always NUL-terminated and truncated, never overflowed.
 */
struct ecc_diag {
    char source[256];
    char path[256];
    int line;
    int column;
    char text[512];
};

void ecc_diag_clear(struct ecc_diag *diag);
/* Sets text (printf-style); path and position are left as they are. `diag` may be NULL. */
void ecc_diag_set(struct ecc_diag *diag, const char *fmt, ...) ECC_PRINTF(2, 3);
/* The same from a va_list, for a module's own failure helper (which also sets the line or the source). */
void ecc_diag_vset(struct ecc_diag *diag, const char *fmt, va_list args) ECC_PRINTF(2, 0);
void ecc_diag_set_path(struct ecc_diag *diag, const char *path);
/* "source:line:column: path: text", omitting the parts that are empty. Writes at most `size` bytes. */
void ecc_diag_format(const struct ecc_diag *diag, char *out, size_t size);

/* "did you mean" for a name that matched nothing: the nearest candidates by edit distance, at most 3,
 * within a distance that grows with the name's length. Writes "; did you mean a, b?" into `out` (empty when
 * none is near), so a message can append it unconditionally. */
void ecc_did_you_mean(const char *term, const char *const *candidates, size_t count, char *out, size_t size);

/* `one` when `count` is 1, else `many`: "1 case", "2 cases", "1 unexpected pass". */
const char *ecc_plural(uint64_t count, const char *one, const char *many);

/* A line sink for progress and diagnostics (mock, client runs); `user_data` is the caller's. */
typedef void ecc_log_fn(void *user_data, const char *line);
/* Formats one line (truncated at 2 KiB) and hands it to `fn`; does nothing when `fn` is NULL. */
void ecc_logf(ecc_log_fn *fn, void *user_data, const char *fmt, ...) ECC_PRINTF(3, 4);

/*
 * Bounded growable byte buffer. The bytes are always followed by a NUL that `len` does not count, so
 * text can be handed to C string functions. Owner: whoever called ecc_buf_init, who must call
 * ecc_buf_clean_up. `max_bytes` is the cap on `len`; appends past it fail with ECC_ERR_LIMIT and leave
 * the buffer unchanged.
 */
struct ecc_buf {
    char *data;
    size_t len;
    size_t capacity;
    size_t max_bytes;
};

void ecc_buf_init(struct ecc_buf *buf, size_t max_bytes);
void ecc_buf_clean_up(struct ecc_buf *buf);
/* Keeps the allocation and the cap, sets len to 0. */
void ecc_buf_reset(struct ecc_buf *buf);
/*
 * Makes room for `extra` more bytes (plus the NUL) without changing len, so a hot loop can write
 * `data + len` directly and then advance len itself (and write the NUL). ECC_ERR_LIMIT past the cap.
 */
enum ecc_status ecc_buf_reserve(struct ecc_buf *buf, size_t extra) ECC_WARN_UNUSED_RESULT;

/*
 * Growable arrays of any item type: returns `items` (possibly moved) with room for item `count`,
 * doubling *capacity from `initial_capacity` when `count` has reached it. The cap is `max_items`:
 * returns NULL when `count` has reached it, when the size in bytes would overflow or when realloc
 * fails; then `items` and *capacity are unchanged and still the caller's. The caller owns the array.
 */
void *
ecc_array_grow(void *items, size_t *capacity, size_t count, size_t item_size, size_t initial_capacity, size_t max_items)
    ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_buf_append(struct ecc_buf *buf, const void *bytes, size_t len) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_buf_append_str(struct ecc_buf *buf, const char *str) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_buf_append_byte(struct ecc_buf *buf, char byte) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_buf_printf(struct ecc_buf *buf, const char *fmt, ...) ECC_PRINTF(2, 3) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_buf_vprintf(struct ecc_buf *buf, const char *fmt, va_list args)
    ECC_PRINTF(2, 0) ECC_WARN_UNUSED_RESULT;
/* Hands the bytes to the caller (free() them) and leaves the buffer empty but usable. */
char *ecc_buf_steal(struct ecc_buf *buf);

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12); the one calendar routine that the
 * ISO-8601 reader and the SigV4 date parser share. */
int64_t ecc_days_from_civil(int64_t year, int64_t month, int64_t day);
/* Milliseconds (microseconds) of CLOCK_MONOTONIC, for deadlines and durations (never goes back when the
 * wall clock is set): the one clock of the library. */
uint64_t ecc_monotonic_ms(void);
uint64_t ecc_monotonic_us(void);
/* `dir` and its missing parents, as `mkdir -p` makes them (mode 0777 before the umask). ECC_OK when it
 * exists afterwards; ECC_ERR_IO ("cannot create <the part>: <why>" in diag), ECC_ERR_LIMIT (longer than
 * 4095 bytes) or ECC_ERR_INVALID (an empty name) otherwise. */
enum ecc_status ecc_make_dirs(const char *dir, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Sleeps `ms` milliseconds, the whole time even when a signal handler runs meanwhile (a caller that must
 * notice Ctrl-C sleeps with ecc_sleep_until_ms). */
void ecc_sleep_ms(uint64_t ms);
/* Asked between the slices of ecc_sleep_until_ms: true ends the sleep (Ctrl-C, a server stopping). */
typedef bool ecc_sleep_stop_fn(void *user_data);
/* Sleeps until ecc_monotonic_ms() reaches `deadline_ms`, in slices of at most `slice_ms` (0 counts as 1),
 * asking `stop` (when not NULL) before each slice, so a stop is seen within one slice. Returns true when
 * the deadline came, false when `stop` ended the sleep first (`stop` is asked first: a stop already
 * asked for wins over a deadline already past). The one interruptible sleep of the library. */
bool ecc_sleep_until_ms(uint64_t deadline_ms, uint64_t slice_ms, ecc_sleep_stop_fn *stop, void *user_data);
/* strdup that returns NULL for a NULL argument. */
char *ecc_strdup(const char *str);
/* Overwrites `len` bytes with zeros in a way the compiler cannot drop (for secrets). */
void ecc_secure_zero(void *ptr, size_t len);
/* Constant-time equality of two byte strings of the same length. */
bool ecc_ct_equal(const void *a, const void *b, size_t len);
/* Lower-case hex of `len` bytes into `out`, which must hold 2*len+1 bytes. */
void ecc_hex_encode(const uint8_t *bytes, size_t len, char *out);
/* The canonical text of a version-4 UUID made from 16 random (or hashed) bytes: sets the version and
 * variant bits in `bytes`, writes "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx" and a NUL into `out`. */
void ecc_uuid4_format(uint8_t bytes[16], char out[37]);
/* Is `c` a hexadecimal digit (either case)? */
bool ecc_is_hex_digit(char c);
/* Is `s` (`len` bytes) a UUID in its text form, 8-4-4-4-12 hexadecimal digits (any version, either case)? */
bool ecc_is_uuid_text(const char *s, size_t len);

#endif

#ifndef ECC_JSON_H
#define ECC_JSON_H
/*
 * Typed reads from jansson values with the position of every failure: the request codec, the response
 * codec, the emulator and the case loader all read JSON through these, so a type error always names
 * its member path the same way.
 *
 * A path is kept as a list of segments (member names and array indices) and rendered either as a
 * member path (`overrides.containerOverrides[2].environment[0].name`, what AWS-facing messages use) or
 * as a JSON pointer (`/overrides/containerOverrides/2/...`, what case-file errors use).
 */
#include "ecc/common.h"

#include <jansson.h>

#define ECC_JSON_PATH_MAX_DEPTH 32

struct ecc_json_path {
    struct {
        const char *member; /* NULL for an array index; not owned: lives as long as the JSON value */
        size_t index;
    } segments[ECC_JSON_PATH_MAX_DEPTH];
    size_t depth;
    size_t overflow; /* pushes past the max depth, counted so pops stay balanced */
    bool as_pointer; /* diagnostics render this path as a JSON pointer instead of a member path */
};

/* A path whose diagnostics are member paths (AWS-facing messages). */
void ecc_json_path_init(struct ecc_json_path *path);
/* A path whose diagnostics are JSON pointers (suite files: cases, fixtures). */
void ecc_json_path_init_pointer(struct ecc_json_path *path);
void ecc_json_path_push_member(struct ecc_json_path *path, const char *member);
void ecc_json_path_push_index(struct ecc_json_path *path, size_t index);
void ecc_json_path_pop(struct ecc_json_path *path);
/* `a.b[2].c`; the root is "". Truncated to `size` bytes. */
void ecc_json_path_format_member(const struct ecc_json_path *path, char *out, size_t size);
/* RFC 6901 pointer (`/a/b/2/c`, `~` and `/` escaped); the root is "". */
void ecc_json_path_format_pointer(const struct ecc_json_path *path, char *out, size_t size);
/* Member path or pointer, as the path was initialized; what every diagnostic below uses. */
void ecc_json_path_format(const struct ecc_json_path *path, char *out, size_t size);
/* Sets diag->path to the formatted path. */
void ecc_json_path_to_diag(const struct ecc_json_path *path, struct ecc_diag *diag);
/* Fills diag (may be NULL) with the path + key (key may be NULL) and the message, line and column cleared
 * (a parsed tree has no positions); returns ECC_ERR_INVALID. What every load-time check reports through. */
enum ecc_status
ecc_json_path_fail(struct ecc_json_path *path, const char *key, struct ecc_diag *diag, const char *fmt, ...)
    ECC_PRINTF(4, 5);

/*
 * How a member was found. JSON `null` counts as absent: awsJson1_1 drops null members
 * (AwsJson11StructuresDontDeserializeNullValues).
 */
enum ecc_json_presence {
    ECC_JSON_ABSENT = 0,
    ECC_JSON_PRESENT = 1,
};

/*
 * Each reader looks up `key` in `object` (which must be a JSON object). When the member is absent or
 * null, it returns ECC_OK and sets *presence to ECC_JSON_ABSENT, leaving *out untouched. When it has the
 * wrong type, it returns ECC_ERR_INVALID and fills `diag` with the member path (path + key) and
 * "expected a string, got a number". `presence` may be NULL.
 */
enum ecc_status ecc_json_read_string(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    char **out, /* malloc'ed copy, caller frees */
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* Integers must be JSON integers within [min, max] of the C type; a real (1.5) is a type error. */
enum ecc_status ecc_json_read_int(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    int32_t *out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_json_read_long(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    int64_t *out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_json_read_bool(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    bool *out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/*
 * A timestamp: epoch seconds as a JSON number (integer or real), or an RFC 3339 / ISO-8601 string with
 * an offset or fractional seconds (awsJson1_1 clients must accept both).
 */
enum ecc_status ecc_json_read_timestamp(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    double *out_epoch_seconds,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Borrowed reference to an array / object member (not a copy); NULL when absent. */
enum ecc_status ecc_json_read_array(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    const json_t **out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_json_read_object(
    const json_t *object,
    const char *key,
    struct ecc_json_path *path,
    const json_t **out,
    enum ecc_json_presence *presence,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * Strict objects (suite files): fails with ECC_ERR_INVALID and "unknown member 'x'" at path + x when
 * `object` holds a key that is not one of the `allowed_count` names in `allowed`.
 */
enum ecc_status ecc_json_check_members(
    const json_t *object,
    const char *const *allowed,
    size_t allowed_count,
    struct ecc_json_path *path,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * JSON merge patch (RFC 7386): returns a new reference holding `target` (not modified) with `patch`
 * applied: an object patch merges member by member, recursively, and a null member removes that member;
 * any other patch replaces the target. `target` may be NULL. NULL when out of memory.
 */
json_t *ecc_json_merge_patch(const json_t *target, const json_t *patch);

/* Fills `diag` with "<path>: expected <what>, got <type of value>" for `value` found at `path`. */
void ecc_json_type_error(
    const struct ecc_json_path *path, const char *expected, const json_t *value, struct ecc_diag *diag);
/* "object", "array", "string", "integer", "real", "boolean", "null". */
const char *ecc_json_type_name(const json_t *value);
/* The same for a type, with its article, for messages: "an object", "an array", "a string", "an integer",
 * "a real", "a boolean", "null". */
const char *ecc_json_type_article(json_type type);

/* Parses an ISO-8601 / RFC 3339 date-time ("2024-01-02T03:04:05.678+01:00", "...Z") to epoch seconds. */
enum ecc_status ecc_json_parse_iso8601(const char *text, double *out_epoch_seconds) ECC_WARN_UNUSED_RESULT;

/*
 * UTF-8, strictly (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF. Decodes the
 * sequence at the start of `text` (`len` bytes available) into *code_point and returns its length in
 * bytes (1-4), or 0 when it is not valid UTF-8.
 */
size_t ecc_utf8_decode(const char *text, size_t len, uint32_t *code_point);
/* Number of code points in `len` bytes of UTF-8 (what "characters" means in AWS limits); false when the
 * bytes are not valid UTF-8. */
bool ecc_utf8_count(const char *text, size_t len, size_t *out_count);

/*
 * Appends `len` bytes of UTF-8 as a JSON string literal, quotes included: `"` and `\` escaped, control
 * characters as \n, \t, ... or \u00XX, everything else (non-ASCII too) copied as is, which is what
 * jansson's json_dumps writes without JSON_ENSURE_ASCII. The request codec writes bodies with it
 * instead of dumping a jansson tree, which is several times slower. ECC_ERR_INVALID
 * when the bytes are not valid UTF-8, ECC_ERR_LIMIT past the buffer's cap; on failure the buffer is
 * left as it was.
 */
enum ecc_status ecc_json_append_string(struct ecc_buf *buf, const char *str, size_t len) ECC_WARN_UNUSED_RESULT;
/* Characters (code points) of the literal ecc_json_append_string writes for `len` bytes, quotes and
 * escapes included, without writing it; false when the bytes are not valid UTF-8. */
bool ecc_json_string_chars(const char *str, size_t len, size_t *out_chars);

/*
 * A JSON text writer into a caller's ecc_buf, for the codecs that write bodies directly (several times
 * faster than building and dumping a jansson tree). It latches the first failure so callers write
 * member after member and check once. `path` names where a failure happened: the member helpers push
 * their key while they write, list helpers the index, and the failure's text and path go to `diag`.
 * The writer owns nothing: `out` and `diag` stay the caller's.
 *
 * A writer made with ecc_json_writer_init_check has no output: it writes nothing and only checks what
 * writing could refuse for the input itself (a string that is not UTF-8, ECC_ERR_INVALID; no cap
 * applies), so a codec can find the first string it could not write without building the text. It
 * counts in `chars` the characters (code points) of the text it would have written, so a limit on a
 * value's JSON length is checked without building the JSON either.
 */
struct ecc_json_writer {
    struct ecc_buf *out;
    struct ecc_diag *diag; /* may be NULL: then failures are only a status */
    struct ecc_json_path path;
    enum ecc_status status; /* ECC_OK until the first failure; every later write is then a no-op */
    size_t start_len;       /* out->len at init, restored by ecc_json_writer_finish on failure */
    size_t chars;           /* check-only writers: characters of the text written so far */
};

void ecc_json_writer_init(struct ecc_json_writer *w, struct ecc_buf *out, struct ecc_diag *diag);
/* A check-only writer (out NULL): nothing is written; strings are checked and every part counted. */
void ecc_json_writer_init_check(struct ecc_json_writer *w, struct ecc_diag *diag);
/* Appends `len` bytes of ready JSON text (punctuation, literals). */
void ecc_json_writer_raw(struct ecc_json_writer *w, const char *text, size_t len);
#define ECC_JSON_WRITER_LITERAL(w, text) ecc_json_writer_raw((w), (text), sizeof(text) - 1)
/* `,"key":`, no comma when *first (then cleared). Keys are model member names: written unescaped. */
void ecc_json_writer_key(struct ecc_json_writer *w, bool *first, const char *key);
/* A string literal (ecc_json_append_string): ECC_ERR_INVALID, "string is not valid UTF-8", when not UTF-8. */
void ecc_json_writer_string(struct ecc_json_writer *w, const char *value, size_t len);
/* An integer in decimal, as jansson writes it. */
void ecc_json_writer_int(struct ecc_json_writer *w, int64_t value);
/* Latches `status` (unless a failure came first) with the text at the current path. */
void ecc_json_writer_fail(struct ecc_json_writer *w, enum ecc_status status, const char *fmt, ...) ECC_PRINTF(3, 4);

/* Members. Absent ones (a NULL string, `has` false) are skipped. */
void ecc_json_writer_string_member(struct ecc_json_writer *w, bool *first, const char *key, const char *value);
void ecc_json_writer_int_member(struct ecc_json_writer *w, bool *first, const char *key, bool has, int64_t value);
void ecc_json_writer_bool_member(struct ecc_json_writer *w, bool *first, const char *key, bool has, bool value);
/* `,"key":` with `key` pushed on the path, for a member whose value the caller writes; then leave. */
void ecc_json_writer_enter(struct ecc_json_writer *w, bool *first, const char *key);
void ecc_json_writer_leave(struct ecc_json_writer *w);

/* Lists: `[` item `,` item `]`, each item written by `write_item` with its index on the path. */
typedef void ecc_json_item_writer_fn(struct ecc_json_writer *w, const void *item);
void ecc_json_writer_list(
    struct ecc_json_writer *w, const void *items, size_t count, size_t item_size, ecc_json_item_writer_fn *write_item);
void ecc_json_writer_list_member(
    struct ecc_json_writer *w,
    bool *first,
    const char *key,
    bool has,
    const void *items,
    size_t count,
    size_t item_size,
    ecc_json_item_writer_fn *write_item);
/* An item of a `char *` list; NULL (a builder's hole, never a parse result) is written as null. */
ecc_json_item_writer_fn ecc_json_writer_string_item;
/* A model list (`has`, `items`, `count`) as a member. */
#define ECC_JSON_WRITER_LIST_MEMBER(w, first, key, list, write_item)                                                   \
    ecc_json_writer_list_member(                                                                                       \
        (w), (first), (key), (list)->has, (list)->items, (list)->count, sizeof(*(list)->items), (write_item))

/* Returns the status; on failure `out` goes back to its length at init. */
enum ecc_status ecc_json_writer_finish(struct ecc_json_writer *w) ECC_WARN_UNUSED_RESULT;

#endif

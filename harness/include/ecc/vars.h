#ifndef ECC_VARS_H
#define ECC_VARS_H
/*
 * Case variables: `${name}` references inside the strings of case steps and fixture requests
 * (conformance/README.md, "Variables"). One table per running case, owned by the runner.
 *
 * Syntax: `${name}` is replaced; `$$` is a literal `$`; any other `$` is itself. Names are the built-ins
 * the runner sets (`prefix`, `cluster`, `family`, `region`, ...), `capture.NAME`, case `vars`, plus two
 * generated forms: `${uuid}` (a fresh UUIDv4 from the table's seeded generator at each occurrence) and
 * `${repeat:N:TEXT}` (TEXT N times, N <= ECC_VARS_MAX_REPEAT).
 *
 * A string that is exactly one reference becomes the value with its JSON type; inside a longer string,
 * strings, numbers and booleans are inserted as text and arrays, objects and null are an error.
 */
#include "ecc/common.h"

#include <jansson.h>

#define ECC_VARS_MAX_REPEAT     100000
#define ECC_VARS_MAX_TEXT_BYTES (1024 * 1024)

struct ecc_vars {
    json_t *values;     /* object name → value; owned */
    uint64_t rng_state; /* ${uuid}; seeded, so a run is reproducible */
};

/* Owner: the caller, who calls ecc_vars_clean_up. ECC_ERR_NOMEM when the table cannot be allocated. */
enum ecc_status ecc_vars_init(struct ecc_vars *vars, uint64_t seed) ECC_WARN_UNUSED_RESULT;
void ecc_vars_clean_up(struct ecc_vars *vars);
/* Stores a deep copy of `value` under `name` (replacing any previous value). */
enum ecc_status ecc_vars_set(struct ecc_vars *vars, const char *name, const json_t *value) ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_vars_set_string(struct ecc_vars *vars, const char *name, const char *value) ECC_WARN_UNUSED_RESULT;

/*
 * Deep copy of `template` with every string expanded (object keys are left as written). `*out` is a new
 * reference the caller json_decref's. An unknown name or a bad reference is ECC_ERR_INVALID with the
 * name in `diag`.
 */
enum ecc_status ecc_vars_expand(struct ecc_vars *vars, const json_t *template, json_t **out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
/* Expands one string as text (raw bodies, headers) into `out`, which is appended to. */
enum ecc_status ecc_vars_expand_text(
    struct ecc_vars *vars, const char *text, struct ecc_buf *out, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * Load-time check of every reference in `text` without values: calls `fn` with each referenced name
 * (`uuid` and `repeat:` forms are checked here and not passed on). Syntax errors (an unterminated `${`,
 * an empty name, a bad repeat count) are ECC_ERR_INVALID; `fn` may fail too, and its status is returned.
 */
typedef enum ecc_status(ecc_vars_ref_fn)(void *user_data, const char *name, struct ecc_diag *diag);
enum ecc_status
ecc_vars_scan(const char *text, ecc_vars_ref_fn *fn, void *user_data, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* A random (version 4) UUID from the table's generator, lower-case, into out[37]. */
void ecc_vars_uuid(struct ecc_vars *vars, char out[37]);

/* splitmix64: the one seeded generator of the runner (uuids, prefix, case order). */
uint64_t ecc_vars_rng_next(uint64_t *state);

#endif

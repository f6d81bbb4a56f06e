#ifndef ECC_MATCH_H
#define ECC_MATCH_H
/*
 * Matchers and captures of conformance cases (conformance/README.md, "Matchers", "Captures"). Pure
 * functions over jansson values: no I/O, no global state.
 *
 * An expectation is a bare JSON value (means `equals`) or a matcher object whose keys all must hold:
 * equals, present, type, regex, arn, uuid, range, length, set, one_of, not, absent_or, collect. JSON null
 * counts as absent (awsJson1_1 drops null members); `absent_or` passes on absence and otherwise applies its
 * expectation (for members a client must accept as missing). A pointer is RFC 6901 with `*` standing for every element
 * of an array; a matcher on a wildcard pointer holds for each value it reaches (and it must reach one, except for
 * {"present": false}); `collect` applies to the array of all those values instead.
 *
 * The loader calls the `check` functions (shape only; strings may still hold `${...}`); the runner
 * expands variables, then calls the `eval` functions.
 */
#include "ecc/common.h"
#include "ecc/json.h"

#include <jansson.h>
#include <regex.h>

/* Most values a wildcard pointer may reach, and most elements a `set` compares (a hostile answer cannot
 * make matching quadratic in an unbounded size). */
#define ECC_MATCH_MAX_VALUES 10000

/* Why an expectation did not hold. Owner: the caller (embedded), who calls ecc_match_failure_clean_up. */
struct ecc_match_failure {
    char pointer[256]; /* the concrete pointer of the failing value (`/tasks/1/taskArn`) */
    char message[512]; /* "expected an ARN of kind task" */
    json_t *expected;  /* the expectation as written (after variables), a reference */
    json_t *actual;    /* the failing value, a reference; NULL when absent */
};

void ecc_match_failure_init(struct ecc_match_failure *failure);
void ecc_match_failure_clean_up(struct ecc_match_failure *failure);

/* Pointer syntax: "" or starting with '/', `~` followed by 0 or 1 only. *has_wildcard tells whether a
 * segment is `*`. */
enum ecc_status
ecc_match_check_pointer(const char *pointer, bool *has_wildcard, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Shape of an expectation at `path` (for the JSON pointer of errors): unknown matcher keys, wrong operand
 * types, a regex that does not compile (unless it holds `${`), `collect` anywhere but alone at the top of
 * a wildcard expectation. */
enum ecc_status ecc_match_check_spec(
    const json_t *spec, bool wildcard, struct ecc_json_path *path, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* Does the value (NULL = absent) satisfy the expectation? On false, `failure` (may be NULL) says why. */
bool ecc_match_value(const json_t *value, const json_t *spec, struct ecc_match_failure *failure);
/* Resolves `pointer` (wildcards included) in `document` (may be NULL: nothing is present) and evaluates. */
bool ecc_match_eval(const json_t *document, const char *pointer, const json_t *spec, struct ecc_match_failure *failure);

/*
 * Compiles a POSIX regex after measuring it with the case-file rules (length, nesting, no repeated
 * repetition, expanded size), so no pattern from a file or a command line can make regcomp explode.
 * On true the caller regfree()s `re`; on false `why` (`why_size` bytes) says why and nothing is held.
 */
bool ecc_match_regex_compile(regex_t *re, const char *pattern, int flags, char *why, size_t why_size);

/*
 * Capture: the value at a plain pointer, or the array of every value a wildcard pointer reaches (in
 * document order). `*out` is a new reference. ECC_ERR_NOT_FOUND (with the pointer in `diag`) when a plain
 * pointer finds nothing or a wildcard pointer reaches no value.
 */
enum ecc_status ecc_match_capture(const json_t *document, const char *pointer, json_t **out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/*
 * Derived capture: applies `regex` (POSIX extended) to a captured string, or to each string of a captured
 * array (a wildcard capture), and keeps its first parenthesized group, or the whole match when it has
 * none: the task id of a task ARN with "/([^/]+)$". `*out` is a new reference (a string, or an array in
 * the same order). A regex that does not compile is ECC_ERR_INVALID; a value that is not a string, or
 * that the regex does not match, is ECC_ERR_NOT_FOUND; the reason is in `diag`.
 */
enum ecc_status
ecc_match_derive(const json_t *value, const char *regex, json_t **out, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Load-time check of a derived capture's regex: it compiles (the reason in `diag` when not). */
enum ecc_status ecc_match_check_derive(const char *regex, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* JSON equality where numbers compare by value (1 == 1.0); object member order does not matter. */
bool ecc_match_json_equal(const json_t *a, const json_t *b);

#endif

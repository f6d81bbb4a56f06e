#ifndef ECC_PROFILE_H
#define ECC_PROFILE_H
/*
 * Endpoint profiles (`--profile emulator|moto|aws`): what an endpoint can do (capabilities), which
 * credentials to use when the environment has none, and the list of expected deviations
 * (`conformance/profiles/<name>.expect-fail`). Also the expected-failure list format itself:
 * one `<case id or glob> [EXPECTS] <reason>` per line, `#` comments, the reason required. EXPECTS, when
 * given, is a bracketed, comma-separated list of what the failure must look like (all must hold):
 *   status=500     the failing step's answer had this HTTP status; status=5xx: any status of the class
 *   error=NAME     its error type (errors.h resolution) is NAME; error=none: it named no error type
 *   reason~TEXT    the failure's one-line reason contains TEXT (no ',' or ']' in TEXT)
 *   transport=KIND the case failed with this transport failure (transport.h names: reset, timeout, ...)
 * A transport failure (no usable answer: connect, TLS, timeout, reset, truncation, ...) is never an
 * expected failure unless its line says transport=KIND; an interrupted case never is.
 */
#include "ecc/case.h"
#include "ecc/common.h"

/* A run variable's default value (case.h, "Run variables"). */
struct ecc_profile_var {
    const char *name;
    const char *value;
};

struct ecc_profile {
    const char *name;
    const char *summary;
    unsigned capabilities;              /* ECC_CAP_* */
    const char *access_key_id;          /* used when the environment has no credentials; NULL: required */
    const char *secret_access_key;      /* idem (a published test key, never a real secret) */
    const char *second_access_key_id;   /* the `"credentials": "second"` key, NULL when none */
    const char *account;                /* ${account}; NULL when unknown */
    const struct ecc_profile_var *vars; /* run-variable defaults (`--var` overrides them); may be NULL */
    size_t var_count;
    /* EC2 instances the runner starts and registers in each cluster a case creates (capacity.h); 0: none */
    unsigned ec2_instances;
};

/* Fills `values` (an object name → string) with the profile's run-variable defaults. */
enum ecc_status ecc_profile_default_vars(const struct ecc_profile *profile, json_t *values) ECC_WARN_UNUSED_RESULT;

/* Borrowed, static. NULL for an unknown name. */
const struct ecc_profile *ecc_profile_find(const char *name);
/* Every profile, for --help. */
const struct ecc_profile *ecc_profile_get(size_t index);
size_t ecc_profile_count(void);

/* What an expected-failure line expects of the failure (its "[...]"); unset members accept anything. */
struct ecc_expect_fail_want {
    int status;            /* exact HTTP status; 0: any */
    int status_class;      /* 1..5 for "1xx".."5xx"; 0: any */
    char *error;           /* error type, exact; "none": the answer named none; NULL: any */
    char *reason_contains; /* substring of the failure's reason; NULL: any */
    char *transport;       /* the transport failure expected (ecc_transport_error_name); NULL: none accepted */
};

struct ecc_expect_fail_entry {
    char *pattern; /* case id or glob (fnmatch), also tried against "group/id" */
    char *expects; /* the bracket's text as written ("status=500, error=none"); NULL when the line has none */
    struct ecc_expect_fail_want want;
    char *reason;
    char *source; /* file name */
    int line;
    size_t matches; /* cases of the suite it matched (ecc_expect_fail_check) */
};

/* Owner: the caller (init / clean_up). Entries of several files may be loaded into one list. */
struct ecc_expect_fail_list {
    struct ecc_expect_fail_entry *entries;
    size_t count;
    size_t capacity;
};

void ecc_expect_fail_list_init(struct ecc_expect_fail_list *list);
void ecc_expect_fail_list_clean_up(struct ecc_expect_fail_list *list);
/* Parses list text; errors name source:line. At most 64 KiB of text, 4096 entries. */
enum ecc_status ecc_expect_fail_load_bytes(
    struct ecc_expect_fail_list *list, const char *text, size_t len, const char *source, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
enum ecc_status ecc_expect_fail_load_file(struct ecc_expect_fail_list *list, const char *file, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
/* The first entry matching the case, or NULL. */
const struct ecc_expect_fail_entry *
ecc_expect_fail_find(const struct ecc_expect_fail_list *list, const struct ecc_case *c);
/* How a listed case failed, to be held against its line. */
struct ecc_expect_fail_observed {
    const char *transport_error; /* a transport failure's name (or "interrupted"); NULL when answers came */
    int status;                  /* HTTP status of the failing step's answer; 0 when there was none */
    const char *error_type;      /* that answer's error type; NULL when it named none */
    const char *reason;          /* the failure's one-line reason */
};

/* Does the failure count as the expected one? When not, `why` (one line) says what differed. A transport
 * failure is accepted only by a line that names it (transport=KIND); `interrupted` never is. */
bool ecc_expect_fail_accepts(
    const struct ecc_expect_fail_entry *entry,
    const struct ecc_expect_fail_observed *observed,
    char *why,
    size_t why_size);

/* Counts matches over the whole suite; an entry matching no case is ECC_ERR_INVALID (source:line in diag),
 * so a stale line cannot hide. */
enum ecc_status ecc_expect_fail_check(
    struct ecc_expect_fail_list *list, const struct ecc_suite *suite, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

#endif

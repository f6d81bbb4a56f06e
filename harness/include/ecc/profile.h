#ifndef ECC_PROFILE_H
#define ECC_PROFILE_H
/*
 * Endpoint profiles: what an endpoint can do (capabilities), the region and test keys used when the
 * environment gives none, run-variable defaults, EC2 capacity, and the expected-failure lists of its known
 * deviations. A profile is a file (`conformance/profiles/NAME.profile`; `emulator`, `moto` and `aws` are
 * shipped), one `KEY = VALUE` per line, `#` comments (conformance/README.md, "Profile files"):
 *   summary = TEXT                 one line for --help and reports
 *   capabilities = A, B            fault-injection, clock-control (empty: none)
 *   region = us-east-1             used when --region and the AWS sources give none
 *   account = 123456789012         ${account}
 *   test-access-key-id = KEY       published test keys, used when the environment has no credentials
 *   test-secret-access-key = KEY   (both or neither; never a real secret)
 *   second-access-key-id = KEY     the `"credentials": "second"` key (signed with the test secret)
 *   ec2-instances = N              EC2 instances given to each cluster a case creates (capacity.h), 0..10
 *   var.NAME = VALUE               a run variable's default (`--var` overrides it)
 *   expect-fail = FILE             an expected-failure list, relative to the profile's folder (repeatable)
 * Every error names file:line; an unknown key is an error with the nearest known keys.
 *
 * Also the expected-failure list format itself: one `<case id or glob> [EXPECTS] <reason>` per line, `#`
 * comments, the reason required. EXPECTS, when given, is a bracketed, comma-separated list of what the
 * failure must look like (all must hold):
 *   status=500     the failing step's answer had this HTTP status; status=5xx: any status of the class
 *   error=NAME     its error type (errors.h resolution) is NAME; error=none: it named no error type
 *   reason~TEXT    the failure's one-line reason contains TEXT (no ',' or ']' in TEXT)
 *   transport=KIND the case failed with this transport failure (transport.h names: reset, timeout, ...)
 * A transport failure (no usable answer: connect, TLS, timeout, reset, truncation, ...) is never an
 * expected failure unless its line says transport=KIND; an interrupted case never is.
 */
#include "ecc/case.h"
#include "ecc/common.h"

#define ECC_PROFILE_MAX_BYTES      (16 * 1024)
#define ECC_PROFILE_MAX_LISTS      16
#define ECC_PROFILE_FILE_EXTENSION ".profile"

/* Owner: the caller (init / clean_up); every string is owned, NULL when the file does not give it. */
struct ecc_profile {
    char *name; /* the file's name without ".profile": "moto" */
    char *file; /* the file it was loaded from */
    char *summary;
    unsigned capabilities;      /* ECC_CAP_* */
    char *region;               /* the default region */
    char *access_key_id;        /* used when the environment has no credentials; NULL: required */
    char *secret_access_key;    /* idem (a published test key, never a real secret) */
    char *second_access_key_id; /* the `"credentials": "second"` key, NULL when none */
    char *account;              /* ${account}; NULL when unknown */
    json_t *vars;               /* run-variable defaults, an object name → string (never NULL once loaded) */
    unsigned ec2_instances;     /* EC2 instances for each cluster a case creates (capacity.h); 0: none */
    char *expect_fail[ECC_PROFILE_MAX_LISTS]; /* the lists' paths, resolved against the profile's folder */
    size_t expect_fail_count;
};

void ecc_profile_init(struct ecc_profile *profile);
void ecc_profile_clean_up(struct ecc_profile *profile);
/* Parses profile text (at most ECC_PROFILE_MAX_BYTES). `source` names it in errors (source:line) and gives
 * the profile its name and the folder its `expect-fail` files are relative to; each such file must exist.
 * On failure the profile is left empty. */
enum ecc_status ecc_profile_load_bytes(
    struct ecc_profile *profile, const char *text, size_t len, const char *source, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
enum ecc_status
ecc_profile_load_file(struct ecc_profile *profile, const char *file, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Is `spec` (the argument of --profile) a profile NAME ([a-z0-9][a-z0-9-]*, at most 64 characters) rather
 * than a file? */
bool ecc_profile_is_name(const char *spec);

/* Fills `values` (an object name → string) with the profile's run-variable defaults. */
enum ecc_status ecc_profile_default_vars(const struct ecc_profile *profile, json_t *values) ECC_WARN_UNUSED_RESULT;

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

#ifndef ECC_CASE_H
#define ECC_CASE_H
/*
 * Conformance cases (conformance/README.md, conformance/case.schema.json) and the suite that holds them
 * with their fixtures.
 *
 * The loader checks everything it can before a request is sent: JSON syntax (file:line:column),
 * unknown members, types, fixture references (resolved here: a step holds the fixture pointer),
 * matcher shapes and pointer syntax, variable references (`${capture.x}` must be captured by an earlier
 * step, `${name}` must be a built-in or a case var), control actions against the case's `requires`
 * and `exclusive`. Semantic errors carry the JSON pointer of the bad member.
 */
#include "ecc/common.h"
#include "ecc/fixture.h"

#include <jansson.h>

/* Capabilities an endpoint profile may have; cases list the ones they need. */
enum ecc_capability {
    ECC_CAP_FAULT_INJECTION = 1u << 0, /* control: inject, policy, block, unsupported, capacity; second key */
    ECC_CAP_CLOCK_CONTROL = 1u << 1,   /* control: advance_clock, visibility_lag */
};
/* "fault-injection", "clock-control"; NULL for an unknown bit. */
const char *ecc_capability_name(unsigned capability);
/* false for an unknown name. */
bool ecc_capability_parse(const char *name, unsigned *capability);

/* The built-in variable names a case may use without defining them (see vars.h). */
extern const char *const ecc_case_builtin_vars[];
extern const size_t ecc_case_builtin_var_count;

/*
 * Run variables: ids of account resources a case cannot create for itself (a subnet, a security group),
 * given to the whole run with `ecsconf run --var NAME=VALUE` or defaulted by the endpoint's profile.
 * Cases and fixtures use them like built-ins (`${subnet}`); the loader records which ones each case uses
 * (through its fixtures too), and the planner SKIPs a case whose run variable has no value.
 * The placeholders are well-formed ids no account has: the emulator profile's defaults (it accepts any
 * id) and the values of client mode, where no account exists.
 *
 * `cluster` is the one run variable that overrides a built-in: without a value `${cluster}` is the case's own
 * cluster; with one, every case runs in that existing cluster (shared-cluster mode, for endpoints where the
 * suite cannot give a cluster container instances: conformance/README.md, "A cluster that already exists").
 * The plan then skips the cases that cannot share it (plan.h), and the runner gives every case its own
 * `${prefix}`, filters ListTasks answers of the shared cluster to the case's own tasks and never deletes it
 * (runner.h). Its value must be a cluster name (letters, digits, hyphens, underscores; at most 255), not an ARN.
 */
#define ECC_RUN_VAR_PLACEHOLDER_SUBNET         "subnet-0a1b2c3d4e5f60718"
#define ECC_RUN_VAR_PLACEHOLDER_SECURITY_GROUP "sg-0123456789abcdef0"
#define ECC_RUN_VAR_MAX_VALUE_LEN              256

#define ECC_RUN_VAR_CLUSTER         "cluster"
#define ECC_RUN_VAR_CLUSTER_MAX_LEN 255

struct ecc_run_var {
    const char *name;        /* "subnet" */
    const char *summary;     /* for --help */
    const char *placeholder; /* see above; NULL for `cluster`, whose built-in value stands without one */
    bool overrides_builtin;  /* `cluster`: a case using it needs no value (never SKIP for want of one) */
};
extern const struct ecc_run_var ecc_case_run_vars[];
extern const size_t ecc_case_run_var_count;
/* Index into ecc_case_run_vars, or -1 when `name` is not a run variable. */
int ecc_case_run_var_index(const char *name);
/*
 * Parses one `NAME=VALUE` (the argument of `--var`) into `values` (an object name → string; a later
 * value replaces an earlier one). NAME must be a run variable, VALUE 1..ECC_RUN_VAR_MAX_VALUE_LEN
 * printable ASCII characters without spaces (33..126). ECC_ERR_INVALID with the reason in `diag`.
 */
enum ecc_status ecc_case_run_var_parse(const char *spec, json_t *values, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* The shared cluster's name (the `cluster` run variable of `run_vars`, which may be NULL), or NULL when the run
 * gives none: each case then has its own cluster. Borrowed from `run_vars`. */
const char *ecc_case_shared_cluster(const json_t *run_vars);

enum ecc_step_kind { ECC_STEP_SEND, ECC_STEP_CALL, ECC_STEP_RAW, ECC_STEP_CONTROL };
enum ecc_sign_mode { ECC_SIGN_SIGV4, ECC_SIGN_NONE, ECC_SIGN_BAD_SIGNATURE };

/* Which key signs: the run's (both false), the profile's second one, or a well-formed key no endpoint
 * knows (runner.h). At most one of the two is set. */
struct ecc_step_sign {
    enum ecc_sign_mode mode;
    int64_t date_offset_s;
    bool second_credentials;
    bool unknown_credentials;
};

/* All borrowed from the case document; NULL when not given. */
struct ecc_step_expect {
    const json_t *status;  /* integer or matcher */
    const json_t *error;   /* string or matcher */
    const json_t *headers; /* object name → expectation */
    const json_t *body;    /* object pointer → expectation */
    /* `strict` (cases tagged `undocumented`): the emulator's exact choice among the answers `status` and `error`
     * accept, which `ecsconf run --strict` checks in their place (the loader holds it within them). */
    const json_t *strict_status;
    const json_t *strict_error;
};

/* One step. JSON members are borrowed from the case document; `fixture` from the suite's fixture set. */
struct ecc_step {
    enum ecc_step_kind kind;
    char label[160];       /* for reports: `step 3 "retry"`, `cleanup 1 (StopTask)` */
    char pointer[32];      /* `/steps/2`, `/cleanup/0` */
    const char *operation; /* the ECS operation sent ("RunTask", ...); "" for a raw step with no known target,
                              "control" for control steps */
    const struct ecc_fixture *fixture; /* send; raw with `from` */
    const json_t *merge;               /* send: merge patch on the fixture body */
    const json_t *body;                /* call: the inline body */
    const json_t *raw;                 /* raw: the request object */
    const json_t *control;             /* control: the body of the control request */
    struct ecc_step_sign sign;
    bool has_expect;
    struct ecc_step_expect expect;
    const json_t *capture;      /* object name → pointer, or NULL */
    bool confirm;               /* DescribeTasks confirmation after the step */
    const json_t *confirm_spec; /* object form, or NULL */
    int64_t timeout_ms;         /* 0: the run's per-request timeout */
    bool is_cleanup;
};

struct ecc_case {
    json_t *root; /* owned; everything borrowed below lives in it */
    char *file;   /* owned */
    char *group;  /* owned; the folder name, "" when loaded from bytes */
    const char *id;
    const char *title;
    const char *description; /* NULL when absent */
    const json_t *tags;      /* array of strings, or NULL */
    unsigned requires;       /* ECC_CAP_* bits */
    bool exclusive;
    int64_t timeout_ms; /* 0: the run's per-case timeout */
    const json_t *vars; /* object, or NULL */
    struct ecc_step *steps;
    size_t step_count;
    struct ecc_step *cleanup;
    size_t cleanup_count;
    bool starts_tasks; /* a step sends RunTask: costs money off loopback */
    unsigned run_vars; /* bit i: the case (or a fixture it sends) uses ecc_case_run_vars[i] */
};

/*
 * Parses one case from bytes (the fuzz entry point): `source` names it in diagnostics, `group` is its
 * folder name (may be NULL), `fixtures` resolves `send` and `raw.from` (may be NULL: then any fixture
 * reference is an error). On success `*out` is a heap case released with ecc_case_destroy.
 */
enum ecc_status ecc_case_load_bytes(
    const uint8_t *bytes,
    size_t len,
    const char *source,
    const char *group,
    const struct ecc_fixture_set *fixtures,
    struct ecc_case **out,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;
/* Same from a file; also checks id = file name, and takes the group from the parent folder's name. */
enum ecc_status ecc_case_load_file(
    const char *file, const struct ecc_fixture_set *fixtures, struct ecc_case **out, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;
void ecc_case_destroy(struct ecc_case *c);
bool ecc_case_has_tag(const struct ecc_case *c, const char *tag);
/* The case's tags joined by `separator` ("clienttoken,ec2"), in their order; NULL when it has none or when
 * out of memory (*nomem tells which; may be NULL). The caller frees. */
char *ecc_case_tags_join(const struct ecc_case *c, const char *separator, bool *nomem);

/* A loaded suite. Owner: the caller (init / clean_up); it owns fixtures and cases. */
struct ecc_suite {
    struct ecc_fixture_set fixtures;
    struct ecc_case **cases;
    size_t count;
    size_t capacity;
};

void ecc_suite_init(struct ecc_suite *suite);
void ecc_suite_clean_up(struct ecc_suite *suite);
/*
 * Loads the fixtures under `fixtures_dir` (may be NULL), then every case file or folder of `paths`.
 * Each bad file goes to `on_error` and loading goes on; duplicate case ids are errors. Returns
 * ECC_ERR_INVALID when any file failed (the suite then holds the good ones).
 */
enum ecc_status ecc_suite_load(
    struct ecc_suite *suite,
    const char *fixtures_dir,
    const char *const *paths,
    size_t path_count,
    ecc_suite_error_fn *on_error,
    void *user_data) ECC_WARN_UNUSED_RESULT;
const struct ecc_case *ecc_suite_find(const struct ecc_suite *suite, const char *id);

#endif

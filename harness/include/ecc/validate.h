#ifndef ECC_VALIDATE_H
#define ECC_VALIDATE_H
/*
 * Floor 1: every documented RunTask limit, checked as a separate call so invalid requests can still
 * be built and sent on purpose. This is THE one place a protocol limit lives: the emulator calls it to
 * reject, the client may call it to warn, the fuzzers use it as an oracle, and all of them take the
 * numbers from the constants below.
 *
 * Sources: ../shared/model/RUNTASK.md (member documentation of the 2014-11-13 model and observed
 * behaviour) and the model JSON (enums, min/max/pattern traits). Each failure carries the error type the
 * service answers with; `error_type_observed` tells whether a report shows ECS answering that way for
 * this rule (on RunTask, or on another ECS operation for the same parameter: the rule table in
 * validate.c cites each), or whether the type is our best inference. Conformance cases should treat an
 * inferred type as "record what the service returns".
 */
#include "ecc/common.h"
#include "ecc/model.h"

/* count: "You can specify up to 10 tasks for each call." (0 and negatives are not documented: below 1
 * is treated as invalid.) */
#define ECC_RUN_TASK_COUNT_MIN 1
#define ECC_RUN_TASK_COUNT_MAX 10
/* clientToken: "Up to 64 characters ... in the range of 33-126, inclusive." No minimum is documented: an
 * empty token is treated as invalid (a choice, docs/EMULATOR.md), as count 0 is. */
#define ECC_CLIENT_TOKEN_MIN_CHARS 1
#define ECC_CLIENT_TOKEN_MAX_CHARS 64
#define ECC_CLIENT_TOKEN_CHAR_MIN  33
#define ECC_CLIENT_TOKEN_CHAR_MAX  126
/* capacityProviderStrategy: at most 20 items; weight and base ranges are model traits. */
#define ECC_CAPACITY_PROVIDERS_MAX       20
#define ECC_CAPACITY_PROVIDER_WEIGHT_MIN 0
#define ECC_CAPACITY_PROVIDER_WEIGHT_MAX 1000
#define ECC_CAPACITY_PROVIDER_BASE_MIN   0
#define ECC_CAPACITY_PROVIDER_BASE_MAX   100000
/* awsvpcConfiguration: "There's a limit of 16 subnets" / "of 5 security groups". */
#define ECC_AWSVPC_SUBNETS_MAX         16
#define ECC_AWSVPC_SECURITY_GROUPS_MAX 5
/* overrides.ephemeralStorage.sizeInGiB: "The minimum supported value is 21 GiB and the maximum ... 200". */
#define ECC_EPHEMERAL_STORAGE_MIN_GIB 21
#define ECC_EPHEMERAL_STORAGE_MAX_GIB 200
/* managedEBSVolume.throughput: "a maximum of 1,000 MiB/s", gp3 only. */
#define ECC_EBS_THROUGHPUT_MAX_MIB_S 1000
/* placementConstraints: at most 10 per task, counting the task definition's own ones too. */
#define ECC_PLACEMENT_CONSTRAINTS_MAX      10
#define ECC_PLACEMENT_EXPRESSION_MAX_CHARS 2000
#define ECC_PLACEMENT_STRATEGIES_MAX       5
/* tags (model: Tags 0..50, TagKey 1..128, TagValue 0..256, pattern below). */
#define ECC_TAGS_MAX            50
#define ECC_TAG_KEY_MIN_CHARS   1
#define ECC_TAG_KEY_MAX_CHARS   128
#define ECC_TAG_VALUE_MAX_CHARS 256
#define ECC_TAG_PATTERN         "([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)"
#define ECC_TAG_RESERVED_PREFIX "aws:" /* compared case-insensitively */
/* overrides: "at most 8192 characters in total, JSON formatting included" (measured on our compact
 * serialization, in code points). */
#define ECC_OVERRIDES_MAX_CHARS 8192
/*
 * startedBy: the current documentation says up to 128 letters, numbers, `-`, `/` and `_`. In 2017 the
 * service answered "startedBy longer than 36." (convox/rack#1727, quoted in RUNTASK.md), which
 * contradicts it, so the limit is an option and both values are named.
 */
#define ECC_STARTED_BY_MAX_CHARS        128
#define ECC_STARTED_BY_LEGACY_MAX_CHARS 36

/* NULL-terminated lists of the model's enum values, for validation, fuzzers and the emulator. */
extern const char *const ecc_launch_type_values[];               /* EC2 FARGATE EXTERNAL MANAGED_INSTANCES */
extern const char *const ecc_assign_public_ip_values[];          /* ENABLED DISABLED */
extern const char *const ecc_placement_constraint_type_values[]; /* distinctInstance memberOf */
extern const char *const ecc_placement_strategy_type_values[];   /* random spread binpack */
extern const char *const ecc_propagate_tags_values[];            /* TASK_DEFINITION SERVICE NONE */
extern const char *const ecc_resource_type_values[];             /* GPU InferenceAccelerator NeuronDevice */
extern const char *const ecc_environment_file_type_values[];     /* s3 */
extern const char *const ecc_ebs_resource_type_values[];         /* volume */
extern const char *const ecc_task_filesystem_type_values[];      /* ext3 ext4 xfs ntfs */

/* True when `value` is one of `values` (exact, case-sensitive, as the service compares). */
bool ecc_validate_enum_contains(const char *const *values, const char *value);

/* The error types a validation failure maps to. */
#define ECC_ERROR_TYPE_INVALID_PARAMETER "InvalidParameterException"
#define ECC_ERROR_TYPE_CLIENT            "ClientException"

/* One rule: a stable id (`count.range`), the error type, and whether that type was observed. */
struct ecc_validation_rule {
    const char *id;
    const char *error_type;
    bool error_type_observed;
    const char *summary;
};

/* Every rule, for reports and for the tests that check each one has a negative test. */
const struct ecc_validation_rule *ecc_validation_rules(size_t *count);

struct ecc_validation_failure {
    char path[256]; /* member path: `overrides.containerOverrides[2].environment[0].name`, "" for the root */
    const struct ecc_validation_rule *rule; /* static, never NULL */
    char message[256];
};

/*
 * All failures of one validation. Owner: the caller (init / clean_up). At most `max_failures` are kept
 * (an invalid request with thousands of bad tags must not make the list grow unbounded); `truncated`
 * tells that more were found.
 */
struct ecc_validation_result {
    struct ecc_validation_failure *failures;
    size_t count;
    size_t capacity;
    size_t max_failures;
    bool truncated;
};

#define ECC_VALIDATION_DEFAULT_MAX_FAILURES 256

void ecc_validation_result_init(struct ecc_validation_result *result);
void ecc_validation_result_clean_up(struct ecc_validation_result *result);
/* First failure at exactly `path` with rule `rule_id` (either may be NULL to match any), or NULL. */
const struct ecc_validation_failure *
ecc_validation_result_find(const struct ecc_validation_result *result, const char *path, const char *rule_id);

struct ecc_validate_options {
    /* Placement constraints the task definition already has: the limit of 10 counts them too. */
    size_t task_definition_placement_constraints;
    /* 0: ECC_STARTED_BY_MAX_CHARS; ECC_STARTED_BY_LEGACY_MAX_CHARS reproduces the older answer. */
    size_t started_by_max_chars;
    /* 0: ECC_VALIDATION_DEFAULT_MAX_FAILURES */
    size_t max_failures;
};

/*
 * Checks `request` against every rule and appends every failure to `result` (initialized by the
 * caller; earlier failures are kept). Returns ECC_OK when the request is valid, ECC_ERR_INVALID when at
 * least one failure was found, ECC_ERR_NOMEM when the list could not grow. `options` may be NULL.
 */
enum ecc_status ecc_validate_run_task_request(
    const struct ecc_run_task_request *request,
    const struct ecc_validate_options *options,
    struct ecc_validation_result *result) ECC_WARN_UNUSED_RESULT;

#endif

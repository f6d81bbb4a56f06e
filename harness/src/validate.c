/*
 * RunTask validation (validate.h): every documented limit as a rule with its id and error type, all
 * failures collected with the member path of each; the one place a protocol limit is written. Tag
 * pattern classes come from the generated Unicode table (unicode_tag_chars.c).
 */
#include "ecc/validate.h"

#include "ecc/codec_request.h"
#include "ecc/json.h"
#include "unicode_tag_chars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const ecc_launch_type_values[] = {"EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES", NULL};
const char *const ecc_assign_public_ip_values[] = {"ENABLED", "DISABLED", NULL};
const char *const ecc_placement_constraint_type_values[] = {"distinctInstance", "memberOf", NULL};
const char *const ecc_placement_strategy_type_values[] = {"random", "spread", "binpack", NULL};
const char *const ecc_propagate_tags_values[] = {"TASK_DEFINITION", "SERVICE", "NONE", NULL};
const char *const ecc_resource_type_values[] = {"GPU", "InferenceAccelerator", "NeuronDevice", NULL};
const char *const ecc_environment_file_type_values[] = {"s3", NULL};
const char *const ecc_ebs_resource_type_values[] = {"volume", NULL};
const char *const ecc_task_filesystem_type_values[] = {"ext3", "ext4", "xfs", "ntfs", NULL};

bool ecc_validate_enum_contains(const char *const *values, const char *value) {
    for (; value && *values; values++) {
        if (strcmp(*values, value) == 0) {
            return true;
        }
    }
    return false;
}

/*
 * The rule table. Error types: RUNTASK.md shows InvalidParameterException for every RunTask validation
 * error it has a report of (count > 10, launchType with a strategy, startedBy too long, platform version
 * with EC2), so that is the type of every value rule, marked observed only where a report exists. A
 * missing required member has no report for RunTask; elsewhere ECS answers a missing or empty required
 * input with ClientException ("Container list cannot be empty", RegisterTaskDefinition), so that is the
 * inferred type for the `required` rules.
 */
enum s_rule {
    R_TASK_DEFINITION_REQUIRED,
    R_COUNT_RANGE,
    R_CLIENT_TOKEN_LENGTH,
    R_CLIENT_TOKEN_CHARACTERS,
    R_LAUNCH_TYPE_ENUM,
    R_LAUNCH_TYPE_MANAGED_INSTANCES,
    R_LAUNCH_TYPE_EXCLUSIVE,
    R_PLATFORM_VERSION_LAUNCH_TYPE,
    R_CAPACITY_PROVIDERS_MAX,
    R_CAPACITY_PROVIDER_REQUIRED,
    R_CAPACITY_PROVIDER_WEIGHT_RANGE,
    R_CAPACITY_PROVIDER_WEIGHT_NONE,
    R_CAPACITY_PROVIDER_BASE_RANGE,
    R_CAPACITY_PROVIDER_BASE_ONE,
    R_SUBNETS_REQUIRED,
    R_SUBNETS_MAX,
    R_SECURITY_GROUPS_MAX,
    R_ASSIGN_PUBLIC_IP_ENUM,
    R_OVERRIDES_LENGTH,
    R_CONTAINER_OVERRIDE_NAME_REQUIRED,
    R_ENVIRONMENT_FILE_VALUE_REQUIRED,
    R_ENVIRONMENT_FILE_TYPE_REQUIRED,
    R_ENVIRONMENT_FILE_TYPE_ENUM,
    R_RESOURCE_REQUIREMENT_VALUE_REQUIRED,
    R_RESOURCE_REQUIREMENT_TYPE_REQUIRED,
    R_RESOURCE_REQUIREMENT_TYPE_ENUM,
    R_RESOURCE_REQUIREMENT_NEURON_VALUE,
    R_INFERENCE_ACCELERATOR_RETIRED,
    R_EPHEMERAL_STORAGE_SIZE_REQUIRED,
    R_EPHEMERAL_STORAGE_SIZE_RANGE,
    R_PLACEMENT_CONSTRAINTS_MAX,
    R_PLACEMENT_CONSTRAINT_TYPE_ENUM,
    R_PLACEMENT_EXPRESSION_LENGTH,
    R_PLACEMENT_EXPRESSION_DISTINCT_INSTANCE,
    R_PLACEMENT_STRATEGIES_MAX,
    R_PLACEMENT_STRATEGY_TYPE_ENUM,
    R_PLACEMENT_STRATEGY_BINPACK_FIELD,
    R_PROPAGATE_TAGS_ENUM,
    R_PROPAGATE_TAGS_SERVICE,
    R_STARTED_BY_LENGTH,
    R_STARTED_BY_CHARACTERS,
    R_TAGS_MAX,
    R_TAG_KEY_LENGTH,
    R_TAG_VALUE_LENGTH,
    R_TAG_PATTERN,
    R_TAG_RESERVED_PREFIX,
    R_TAG_KEY_UNIQUE,
    R_EBS_TAG_RESERVED_KEY,
    R_VOLUME_NAME_REQUIRED,
    R_EBS_ROLE_ARN_REQUIRED,
    R_EBS_SIZE_OR_SNAPSHOT,
    R_EBS_INITIALIZATION_RATE_SNAPSHOT,
    R_EBS_THROUGHPUT_RANGE,
    R_EBS_THROUGHPUT_GP3,
    R_EBS_FILESYSTEM_TYPE_ENUM,
    R_EBS_TAG_SPECIFICATION_RESOURCE_TYPE_REQUIRED,
    R_EBS_TAG_SPECIFICATION_RESOURCE_TYPE_ENUM,
    R_EBS_TAG_SPECIFICATION_PROPAGATE_TAGS_ENUM,
    R_EBS_TAG_SPECIFICATION_PROPAGATE_TAGS_SERVICE,
    R_EBS_DELETE_ON_TERMINATION_REQUIRED,
    R_STRING_UTF8,
    R_COUNT_OF_RULES
};

#define S_IPE ECC_ERROR_TYPE_INVALID_PARAMETER
#define S_CE  ECC_ERROR_TYPE_CLIENT

static const struct ecc_validation_rule s_rules[R_COUNT_OF_RULES] = {
    [R_TASK_DEFINITION_REQUIRED] = {"taskDefinition.required", S_CE, false, "taskDefinition is required"},
    /* "Task count can not be greater than 10" (artilleryio/artillery#595) */
    [R_COUNT_RANGE] = {"count.range", S_IPE, true, "count is 1 to 10"},
    [R_CLIENT_TOKEN_LENGTH] = {"clientToken.length", S_IPE, false, "clientToken is 1 to 64 characters"},
    [R_CLIENT_TOKEN_CHARACTERS] =
        {"clientToken.characters", S_IPE, false, "clientToken characters are in the range 33-126"},
    [R_LAUNCH_TYPE_ENUM] = {"launchType.enum", S_IPE, false, "launchType is a LaunchType value"},
    [R_LAUNCH_TYPE_MANAGED_INSTANCES] =
        {"launchType.managedInstances",
         S_IPE,
         false,
         "Managed Instances need capacityProviderStrategy, not launchType"},
    /* "Specifying both a launch type and capacity provider strategy is not supported." (CreateService,
     * tflint-ruleset-aws#349; RunTask documents the same exclusivity) */
    [R_LAUNCH_TYPE_EXCLUSIVE] =
        {"launchType.exclusive", S_IPE, true, "launchType and capacityProviderStrategy are mutually exclusive"},
    /* "The platform version must be null when specifying an EC2 launch type." (service creation,
     * amazon-ecs-cli#1040; not confirmed for RunTask) */
    [R_PLATFORM_VERSION_LAUNCH_TYPE] =
        {"platformVersion.launchType", S_IPE, true, "platformVersion is only for tasks hosted on Fargate"},
    [R_CAPACITY_PROVIDERS_MAX] =
        {"capacityProviderStrategy.max", S_IPE, false, "at most 20 capacity providers in a strategy"},
    [R_CAPACITY_PROVIDER_REQUIRED] =
        {"capacityProviderStrategy.capacityProvider.required", S_CE, false, "capacityProvider is required"},
    [R_CAPACITY_PROVIDER_WEIGHT_RANGE] = {"capacityProviderStrategy.weight.range", S_IPE, false, "weight is 0 to 1000"},
    [R_CAPACITY_PROVIDER_WEIGHT_NONE] =
        {"capacityProviderStrategy.weight.none",
         S_IPE,
         false,
         "with several capacity providers, at least one has a weight above 0"},
    [R_CAPACITY_PROVIDER_BASE_RANGE] = {"capacityProviderStrategy.base.range", S_IPE, false, "base is 0 to 100000"},
    [R_CAPACITY_PROVIDER_BASE_ONE] =
        {"capacityProviderStrategy.base.one", S_IPE, false, "only one capacity provider can have a base"},
    [R_SUBNETS_REQUIRED] = {"awsvpcConfiguration.subnets.required", S_CE, false, "subnets is required"},
    [R_SUBNETS_MAX] = {"awsvpcConfiguration.subnets.max", S_IPE, false, "at most 16 subnets"},
    [R_SECURITY_GROUPS_MAX] = {"awsvpcConfiguration.securityGroups.max", S_IPE, false, "at most 5 security groups"},
    [R_ASSIGN_PUBLIC_IP_ENUM] =
        {"awsvpcConfiguration.assignPublicIp.enum", S_IPE, false, "assignPublicIp is ENABLED or DISABLED"},
    [R_OVERRIDES_LENGTH] =
        {"overrides.length", S_IPE, false, "overrides are at most 8192 characters of JSON, formatting included"},
    [R_CONTAINER_OVERRIDE_NAME_REQUIRED] =
        {"containerOverride.name.required", S_CE, false, "a container override needs the container name"},
    [R_ENVIRONMENT_FILE_VALUE_REQUIRED] = {"environmentFile.value.required", S_CE, false, "value is required"},
    [R_ENVIRONMENT_FILE_TYPE_REQUIRED] = {"environmentFile.type.required", S_CE, false, "type is required"},
    [R_ENVIRONMENT_FILE_TYPE_ENUM] = {"environmentFile.type.enum", S_IPE, false, "type is s3"},
    [R_RESOURCE_REQUIREMENT_VALUE_REQUIRED] = {"resourceRequirement.value.required", S_CE, false, "value is required"},
    [R_RESOURCE_REQUIREMENT_TYPE_REQUIRED] = {"resourceRequirement.type.required", S_CE, false, "type is required"},
    [R_RESOURCE_REQUIREMENT_TYPE_ENUM] =
        {"resourceRequirement.type.enum", S_IPE, false, "type is GPU, InferenceAccelerator or NeuronDevice"},
    [R_RESOURCE_REQUIREMENT_NEURON_VALUE] =
        {"resourceRequirement.neuronDevice.value", S_IPE, false, "a NeuronDevice requirement's value is ALL"},
    /* Elastic Inference is end-of-life and no report shows RunTask's answer to an accelerator override
     * (RUNTASK.md). InvalidParameterException, like every other value the service no longer accepts; an
     * empty list is accepted since it is what the service itself echoes back (docs/EMULATOR.md, Choices). */
    [R_INFERENCE_ACCELERATOR_RETIRED] =
        {"inferenceAcceleratorOverrides.retired",
         S_IPE,
         false,
         "Elastic Inference is no longer available: inferenceAcceleratorOverrides must be empty"},
    [R_EPHEMERAL_STORAGE_SIZE_REQUIRED] = {"ephemeralStorage.sizeInGiB.required", S_CE, false, "sizeInGiB is required"},
    [R_EPHEMERAL_STORAGE_SIZE_RANGE] = {"ephemeralStorage.sizeInGiB.range", S_IPE, false, "sizeInGiB is 21 to 200"},
    [R_PLACEMENT_CONSTRAINTS_MAX] =
        {"placementConstraints.max", S_IPE, false, "at most 10 placement constraints, the task definition's included"},
    [R_PLACEMENT_CONSTRAINT_TYPE_ENUM] =
        {"placementConstraint.type.enum", S_IPE, false, "type is distinctInstance or memberOf"},
    [R_PLACEMENT_EXPRESSION_LENGTH] =
        {"placementConstraint.expression.length", S_IPE, false, "expression is at most 2000 characters"},
    [R_PLACEMENT_EXPRESSION_DISTINCT_INSTANCE] =
        {"placementConstraint.expression.distinctInstance",
         S_IPE,
         false,
         "no expression with a distinctInstance constraint"},
    [R_PLACEMENT_STRATEGIES_MAX] = {"placementStrategy.max", S_IPE, false, "at most 5 placement strategy rules"},
    [R_PLACEMENT_STRATEGY_TYPE_ENUM] =
        {"placementStrategy.type.enum", S_IPE, false, "type is random, spread or binpack"},
    [R_PLACEMENT_STRATEGY_BINPACK_FIELD] =
        {"placementStrategy.binpack.field", S_IPE, false, "a binpack strategy's field is cpu or memory"},
    [R_PROPAGATE_TAGS_ENUM] = {"propagateTags.enum", S_IPE, false, "propagateTags is TASK_DEFINITION, SERVICE or NONE"},
    [R_PROPAGATE_TAGS_SERVICE] =
        {"propagateTags.service", S_IPE, false, "propagateTags SERVICE is an error when running a task"},
    /* "startedBy longer than 36." (convox/rack#1727) */
    [R_STARTED_BY_LENGTH] = {"startedBy.length", S_IPE, true, "startedBy is at most 128 characters"},
    [R_STARTED_BY_CHARACTERS] =
        {"startedBy.characters", S_IPE, false, "startedBy holds letters, numbers, '-', '/' and '_'"},
    [R_TAGS_MAX] = {"tags.max", S_IPE, false, "at most 50 tags"},
    [R_TAG_KEY_LENGTH] = {"tag.key.length", S_IPE, false, "a tag key is 1 to 128 characters"},
    [R_TAG_VALUE_LENGTH] = {"tag.value.length", S_IPE, false, "a tag value is at most 256 characters"},
    [R_TAG_PATTERN] = {"tag.pattern", S_IPE, false, "tag characters are letters, numbers, spaces and _ . : / = + - @"},
    /* "Tag key must not start with aws:" (InvalidParameterException from ECS RegisterContainerInstance,
     * amazon-ecs-agent#1704; not in RUNTASK.md) */
    [R_TAG_RESERVED_PREFIX] =
        {"tag.reservedPrefix", S_IPE, true, "no tag key or value starts with aws: in any letter case"},
    [R_TAG_KEY_UNIQUE] = {"tag.key.unique", S_IPE, false, "each tag key appears once"},
    [R_EBS_TAG_RESERVED_KEY] =
        {"tagSpecification.tags.reservedKey", S_IPE, false, "AmazonECSCreated and AmazonECSManaged are reserved"},
    [R_VOLUME_NAME_REQUIRED] = {"volumeConfiguration.name.required", S_CE, false, "name is required"},
    [R_EBS_ROLE_ARN_REQUIRED] = {"managedEBSVolume.roleArn.required", S_CE, false, "roleArn is required"},
    [R_EBS_SIZE_OR_SNAPSHOT] =
        {"managedEBSVolume.sizeOrSnapshot", S_IPE, false, "either sizeInGiB or snapshotId is required"},
    [R_EBS_INITIALIZATION_RATE_SNAPSHOT] =
        {"managedEBSVolume.volumeInitializationRate.snapshot",
         S_IPE,
         false,
         "volumeInitializationRate needs a snapshotId"},
    [R_EBS_THROUGHPUT_RANGE] = {"managedEBSVolume.throughput.range", S_IPE, false, "throughput is at most 1000 MiB/s"},
    [R_EBS_THROUGHPUT_GP3] = {"managedEBSVolume.throughput.gp3", S_IPE, false, "throughput is only for gp3 volumes"},
    [R_EBS_FILESYSTEM_TYPE_ENUM] =
        {"managedEBSVolume.filesystemType.enum", S_IPE, false, "filesystemType is ext3, ext4, xfs or ntfs"},
    [R_EBS_TAG_SPECIFICATION_RESOURCE_TYPE_REQUIRED] =
        {"tagSpecification.resourceType.required", S_CE, false, "resourceType is required"},
    [R_EBS_TAG_SPECIFICATION_RESOURCE_TYPE_ENUM] =
        {"tagSpecification.resourceType.enum", S_IPE, false, "resourceType is volume"},
    [R_EBS_TAG_SPECIFICATION_PROPAGATE_TAGS_ENUM] =
        {"tagSpecification.propagateTags.enum", S_IPE, false, "propagateTags is TASK_DEFINITION, SERVICE or NONE"},
    [R_EBS_TAG_SPECIFICATION_PROPAGATE_TAGS_SERVICE] =
        {"tagSpecification.propagateTags.service",
         S_IPE,
         false,
         "tags propagate to SERVICE only in a service's volume configuration"},
    [R_EBS_DELETE_ON_TERMINATION_REQUIRED] =
        {"terminationPolicy.deleteOnTermination.required", S_CE, false, "deleteOnTermination is required"},
    [R_STRING_UTF8] = {"string.utf8", S_IPE, false, "strings are valid UTF-8"},
};

const struct ecc_validation_rule *ecc_validation_rules(size_t *count) {
    *count = R_COUNT_OF_RULES;
    return s_rules;
}

void ecc_validation_result_init(struct ecc_validation_result *result) {
    memset(result, 0, sizeof(*result));
}

void ecc_validation_result_clean_up(struct ecc_validation_result *result) {
    free(result->failures);
    memset(result, 0, sizeof(*result));
}

const struct ecc_validation_failure *
ecc_validation_result_find(const struct ecc_validation_result *result, const char *path, const char *rule_id) {
    for (size_t i = 0; i < result->count; i++) {
        const struct ecc_validation_failure *f = &result->failures[i];
        if ((!path || strcmp(f->path, path) == 0) && (!rule_id || strcmp(f->rule->id, rule_id) == 0)) {
            return f;
        }
    }
    return NULL;
}

struct s_ctx {
    struct ecc_validation_result *result;
    struct ecc_json_path path; /* members are static names of the model */
    size_t started_by_max_chars;
    size_t task_definition_placement_constraints;
    size_t found;
    bool nomem;
};

/* Records a failure at `path` (a rendered member path), or at the current path when `path` is NULL: it
 * is rendered only when the failure is kept, straight into it (requests with hundreds of failures made
 * path rendering validation's main cost). */
static void s_vfail_at_path(struct s_ctx *ctx, const char *path, enum s_rule rule, const char *fmt, va_list args)
    ECC_PRINTF(4, 0);
static void s_vfail_at_path(struct s_ctx *ctx, const char *path, enum s_rule rule, const char *fmt, va_list args) {
    struct ecc_validation_result *result = ctx->result;
    ctx->found++;
    if (result->count == result->max_failures) {
        result->truncated = true;
        return;
    }
    struct ecc_validation_failure *grown =
        ecc_array_grow(result->failures, &result->capacity, result->count, sizeof(*grown), 8, SIZE_MAX);
    if (!grown) {
        ctx->nomem = true;
        return;
    }
    result->failures = grown;
    struct ecc_validation_failure *f = &result->failures[result->count++];
    if (path) {
        snprintf(f->path, sizeof(f->path), "%s", path);
    } else {
        ecc_json_path_format_member(&ctx->path, f->path, sizeof(f->path));
    }
    f->rule = &s_rules[rule];
    vsnprintf(f->message, sizeof(f->message), fmt, args);
}

static void s_fail_at_path(struct s_ctx *ctx, const char *path, enum s_rule rule, const char *fmt, ...)
    ECC_PRINTF(4, 5);
static void s_fail_at_path(struct s_ctx *ctx, const char *path, enum s_rule rule, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    s_vfail_at_path(ctx, path, rule, fmt, args);
    va_end(args);
}

/* Records a failure at the current path. */
static void s_fail(struct s_ctx *ctx, enum s_rule rule, const char *fmt, ...) ECC_PRINTF(3, 4);
static void s_fail(struct s_ctx *ctx, enum s_rule rule, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    s_vfail_at_path(ctx, NULL, rule, fmt, args);
    va_end(args);
}

/* Fails `rule` at member `key` of the current path. */
#define S_FAIL_AT(ctx, key, rule, ...)                                                                                 \
    do {                                                                                                               \
        ecc_json_path_push_member(&(ctx)->path, (key));                                                                \
        s_fail((ctx), (rule), __VA_ARGS__);                                                                            \
        ecc_json_path_pop(&(ctx)->path);                                                                               \
    } while (0)

/* Up to 48 bytes of a value the caller sent, for a message: printable ASCII kept, any other byte shown
 * as '?', so a message is always valid UTF-8 text whatever the request held (reports embed it). */
struct s_quoted {
    char text[52];
};

static struct s_quoted s_quote(const char *value) {
    struct s_quoted q;
    size_t i = 0;
    for (; value[i] && i < 48; i++) {
        unsigned char c = (unsigned char)value[i];
        q.text[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (value[i]) {
        memcpy(q.text + i, "...", 3);
        i += 3;
    }
    q.text[i] = '\0';
    return q;
}

/* Characters (code points) of a string; false, with a string.utf8 failure at `key`, when not UTF-8. */
static bool s_chars(struct s_ctx *ctx, const char *key, const char *text, size_t *chars) {
    if (ecc_utf8_count(text, strlen(text), chars)) {
        return true;
    }
    S_FAIL_AT(ctx, key, R_STRING_UTF8, "%s is not valid UTF-8", key);
    return false;
}

static void
s_check_enum(struct s_ctx *ctx, const char *key, const char *value, const char *const *values, enum s_rule rule) {
    if (value && !ecc_validate_enum_contains(values, value)) {
        S_FAIL_AT(ctx, key, rule, "'%s' is not a valid %s", s_quote(value).text, key);
    }
}

static void s_check_required_string(struct s_ctx *ctx, const char *key, const char *value, enum s_rule rule) {
    if (!value) {
        S_FAIL_AT(ctx, key, rule, "%s is required", key);
    }
}

static void s_check_list_max(struct s_ctx *ctx, const char *key, size_t count, size_t max, enum s_rule rule) {
    if (count > max) {
        S_FAIL_AT(ctx, key, rule, "%zu %s given, at most %zu allowed", count, key, max);
    }
}

/* Tag text: letters, numbers, separators (Unicode L, N, Z) and `_ . : / = + - @`. */
static bool s_tag_text_ok(const char *text) {
    size_t len = strlen(text);
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = ecc_utf8_decode(text + i, len - i, &cp);
        if (!n) {
            return false;
        }
        i += n;
        if (cp < 0x80 && strchr("_.:/=+-@", (int)cp) && cp != 0) {
            continue;
        }
        if (!ecc_unicode_is_letter_number_separator(cp)) {
            return false;
        }
    }
    return true;
}

static bool s_has_reserved_prefix(const char *text) {
    return strncasecmp(text, ECC_TAG_RESERVED_PREFIX, sizeof(ECC_TAG_RESERVED_PREFIX) - 1) == 0;
}

/* Tags (RunTaskRequest.tags, EBSTagSpecification.tags): the model's Tags, TagKey and TagValue traits
 * and the documented restrictions. The caller has pushed the list's member name. */
static void s_check_tag(struct s_ctx *ctx, const struct ecc_tag *tag, bool ebs) {
    size_t chars = 0;
    if (!tag->key) {
        S_FAIL_AT(ctx, "key", R_TAG_KEY_LENGTH, "key is missing (1 to %d characters)", ECC_TAG_KEY_MAX_CHARS);
    } else if (s_chars(ctx, "key", tag->key, &chars)) {
        if (chars < ECC_TAG_KEY_MIN_CHARS || chars > ECC_TAG_KEY_MAX_CHARS) {
            S_FAIL_AT(
                ctx, "key", R_TAG_KEY_LENGTH, "key of %zu characters, 1 to %d allowed", chars, ECC_TAG_KEY_MAX_CHARS);
        }
        if (!s_tag_text_ok(tag->key)) {
            S_FAIL_AT(ctx, "key", R_TAG_PATTERN, "key does not match %s", ECC_TAG_PATTERN);
        }
        if (s_has_reserved_prefix(tag->key)) {
            S_FAIL_AT(ctx, "key", R_TAG_RESERVED_PREFIX, "key starts with the reserved prefix aws:");
        }
        if (ebs && (strcmp(tag->key, "AmazonECSCreated") == 0 || strcmp(tag->key, "AmazonECSManaged") == 0)) {
            S_FAIL_AT(ctx, "key", R_EBS_TAG_RESERVED_KEY, "%s is a reserved tag key", tag->key);
        }
    }
    if (tag->value && s_chars(ctx, "value", tag->value, &chars)) {
        if (chars > ECC_TAG_VALUE_MAX_CHARS) {
            S_FAIL_AT(
                ctx,
                "value",
                R_TAG_VALUE_LENGTH,
                "value of %zu characters, at most %d allowed",
                chars,
                ECC_TAG_VALUE_MAX_CHARS);
        }
        if (!s_tag_text_ok(tag->value)) {
            S_FAIL_AT(ctx, "value", R_TAG_PATTERN, "value does not match %s", ECC_TAG_PATTERN);
        }
        if (s_has_reserved_prefix(tag->value)) {
            S_FAIL_AT(ctx, "value", R_TAG_RESERVED_PREFIX, "value starts with the reserved prefix aws:");
        }
    }
}

static void s_check_tags(struct s_ctx *ctx, const char *key, const struct ecc_tag_list *tags, bool ebs) {
    s_check_list_max(ctx, key, tags->count, ECC_TAGS_MAX, R_TAGS_MAX);
    ecc_json_path_push_member(&ctx->path, key);
    for (size_t i = 0; i < tags->count; i++) {
        ecc_json_path_push_index(&ctx->path, i);
        s_check_tag(ctx, &tags->items[i], ebs);
        /* Quadratic, but over at most a few hundred tags of a request already past the cap otherwise. */
        for (size_t j = 0; j < i && tags->items[i].key && tags->count <= 4 * ECC_TAGS_MAX; j++) {
            if (tags->items[j].key && strcmp(tags->items[i].key, tags->items[j].key) == 0) {
                S_FAIL_AT(ctx, "key", R_TAG_KEY_UNIQUE, "key also used by %s[%zu]", key, j);
                break;
            }
        }
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
}

static void s_check_client_token(struct s_ctx *ctx, const char *token) {
    size_t len = strlen(token);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)token[i];
        if (c < ECC_CLIENT_TOKEN_CHAR_MIN || c > ECC_CLIENT_TOKEN_CHAR_MAX) {
            S_FAIL_AT(
                ctx,
                "clientToken",
                R_CLIENT_TOKEN_CHARACTERS,
                "byte %u at offset %zu is outside the range %d-%d",
                c,
                i,
                ECC_CLIENT_TOKEN_CHAR_MIN,
                ECC_CLIENT_TOKEN_CHAR_MAX);
            break;
        }
    }
    /* Characters: code points when the token is UTF-8, bytes otherwise (it is invalid anyway then). */
    size_t chars = len;
    if (!ecc_utf8_count(token, len, &chars)) {
        chars = len;
    }
    if (chars < ECC_CLIENT_TOKEN_MIN_CHARS || chars > ECC_CLIENT_TOKEN_MAX_CHARS) {
        S_FAIL_AT(
            ctx,
            "clientToken",
            R_CLIENT_TOKEN_LENGTH,
            "clientToken of %zu characters, %d to %d allowed",
            chars,
            ECC_CLIENT_TOKEN_MIN_CHARS,
            ECC_CLIENT_TOKEN_MAX_CHARS);
    }
}

static void s_check_started_by(struct s_ctx *ctx, const char *started_by) {
    size_t len = strlen(started_by);
    for (size_t i = 0; i < len; i++) {
        char c = started_by[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '/' ||
                  c == '_';
        if (!ok) {
            S_FAIL_AT(
                ctx, "startedBy", R_STARTED_BY_CHARACTERS, "byte %u at offset %zu is not allowed", (unsigned char)c, i);
            break;
        }
    }
    size_t chars = len;
    if (!ecc_utf8_count(started_by, len, &chars)) {
        chars = len;
    }
    if (chars > ctx->started_by_max_chars) {
        S_FAIL_AT(
            ctx,
            "startedBy",
            R_STARTED_BY_LENGTH,
            "startedBy of %zu characters, at most %zu allowed",
            chars,
            ctx->started_by_max_chars);
    }
}

static void s_check_capacity_providers(struct s_ctx *ctx, const struct ecc_capacity_provider_strategy_list *list) {
    const char *key = "capacityProviderStrategy";
    s_check_list_max(ctx, key, list->count, ECC_CAPACITY_PROVIDERS_MAX, R_CAPACITY_PROVIDERS_MAX);
    size_t with_weight = 0;
    size_t with_base = 0;
    ecc_json_path_push_member(&ctx->path, key);
    for (size_t i = 0; i < list->count; i++) {
        const struct ecc_capacity_provider_strategy_item *item = &list->items[i];
        ecc_json_path_push_index(&ctx->path, i);
        s_check_required_string(ctx, "capacityProvider", item->capacity_provider, R_CAPACITY_PROVIDER_REQUIRED);
        if (item->has_weight &&
            (item->weight < ECC_CAPACITY_PROVIDER_WEIGHT_MIN || item->weight > ECC_CAPACITY_PROVIDER_WEIGHT_MAX)) {
            S_FAIL_AT(
                ctx,
                "weight",
                R_CAPACITY_PROVIDER_WEIGHT_RANGE,
                "weight %d outside %d-%d",
                (int)item->weight,
                ECC_CAPACITY_PROVIDER_WEIGHT_MIN,
                ECC_CAPACITY_PROVIDER_WEIGHT_MAX);
        }
        if (item->has_base &&
            (item->base < ECC_CAPACITY_PROVIDER_BASE_MIN || item->base > ECC_CAPACITY_PROVIDER_BASE_MAX)) {
            S_FAIL_AT(
                ctx,
                "base",
                R_CAPACITY_PROVIDER_BASE_RANGE,
                "base %d outside %d-%d",
                (int)item->base,
                ECC_CAPACITY_PROVIDER_BASE_MIN,
                ECC_CAPACITY_PROVIDER_BASE_MAX);
        }
        with_weight += item->has_weight && item->weight > 0;
        /* "Only one capacity provider in a strategy can have a base defined": a base of 0 is the default
         * and defines nothing, so only bases above 0 count (tools often send base 0 for every item). */
        with_base += item->has_base && item->base > 0;
        if (with_base == 2 && item->has_base && item->base > 0) {
            S_FAIL_AT(ctx, "base", R_CAPACITY_PROVIDER_BASE_ONE, "a second capacity provider with a base");
        }
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
    if (list->count > 1 && !with_weight) {
        S_FAIL_AT(ctx, key, R_CAPACITY_PROVIDER_WEIGHT_NONE, "no capacity provider has a weight above 0");
    }
}

static void s_check_network_configuration(struct s_ctx *ctx, const struct ecc_network_configuration *network) {
    if (!network->has_awsvpc_configuration) {
        return;
    }
    const struct ecc_aws_vpc_configuration *vpc = &network->awsvpc_configuration;
    ecc_json_path_push_member(&ctx->path, "networkConfiguration");
    ecc_json_path_push_member(&ctx->path, "awsvpcConfiguration");
    if (!vpc->subnets.has) {
        S_FAIL_AT(ctx, "subnets", R_SUBNETS_REQUIRED, "subnets is required");
    }
    s_check_list_max(ctx, "subnets", vpc->subnets.count, ECC_AWSVPC_SUBNETS_MAX, R_SUBNETS_MAX);
    s_check_list_max(
        ctx, "securityGroups", vpc->security_groups.count, ECC_AWSVPC_SECURITY_GROUPS_MAX, R_SECURITY_GROUPS_MAX);
    s_check_enum(ctx, "assignPublicIp", vpc->assign_public_ip, ecc_assign_public_ip_values, R_ASSIGN_PUBLIC_IP_ENUM);
    ecc_json_path_pop(&ctx->path);
    ecc_json_path_pop(&ctx->path);
}

static void s_check_container_override(struct s_ctx *ctx, const struct ecc_container_override *co) {
    /* "You must also specify a container name" with command, environment, cpu, memory, ... */
    bool overrides_something = co->command.has || co->environment.has || co->environment_files.has || co->has_cpu ||
                               co->has_memory || co->has_memory_reservation || co->resource_requirements.has;
    if (!co->name && overrides_something) {
        S_FAIL_AT(ctx, "name", R_CONTAINER_OVERRIDE_NAME_REQUIRED, "name is required to override a container");
    }
    ecc_json_path_push_member(&ctx->path, "environmentFiles");
    for (size_t i = 0; i < co->environment_files.count; i++) {
        const struct ecc_environment_file *file = &co->environment_files.items[i];
        ecc_json_path_push_index(&ctx->path, i);
        s_check_required_string(ctx, "value", file->value, R_ENVIRONMENT_FILE_VALUE_REQUIRED);
        s_check_required_string(ctx, "type", file->type, R_ENVIRONMENT_FILE_TYPE_REQUIRED);
        s_check_enum(ctx, "type", file->type, ecc_environment_file_type_values, R_ENVIRONMENT_FILE_TYPE_ENUM);
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
    ecc_json_path_push_member(&ctx->path, "resourceRequirements");
    for (size_t i = 0; i < co->resource_requirements.count; i++) {
        const struct ecc_resource_requirement *req = &co->resource_requirements.items[i];
        ecc_json_path_push_index(&ctx->path, i);
        s_check_required_string(ctx, "value", req->value, R_RESOURCE_REQUIREMENT_VALUE_REQUIRED);
        s_check_required_string(ctx, "type", req->type, R_RESOURCE_REQUIREMENT_TYPE_REQUIRED);
        s_check_enum(ctx, "type", req->type, ecc_resource_type_values, R_RESOURCE_REQUIREMENT_TYPE_ENUM);
        if (req->type && strcmp(req->type, "NeuronDevice") == 0 && req->value && strcmp(req->value, "ALL") != 0) {
            S_FAIL_AT(
                ctx,
                "value",
                R_RESOURCE_REQUIREMENT_NEURON_VALUE,
                "'%s' for a NeuronDevice, ALL expected",
                s_quote(req->value).text);
        }
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
}

static void s_check_overrides(struct s_ctx *ctx, const struct ecc_task_override *overrides) {
    /* The 8192-character limit is on the JSON the service receives: count the characters of our compact
     * serialization with a check-only writer, which builds nothing. */
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_json_writer w;
    ecc_json_writer_init_check(&w, &diag);
    ecc_codec_json_write_task_override(&w, overrides);
    if (ecc_json_writer_finish(&w) == ECC_ERR_INVALID) {
        /* The writer's path is relative to the overrides object. */
        char path[sizeof(diag.path) + 16];
        snprintf(path, sizeof(path), "overrides.%s", diag.path);
        s_fail_at_path(ctx, path, R_STRING_UTF8, "%s", diag.text);
    } else if (w.chars > ECC_OVERRIDES_MAX_CHARS) {
        S_FAIL_AT(
            ctx,
            "overrides",
            R_OVERRIDES_LENGTH,
            "overrides are %zu characters of JSON, at most %d allowed",
            w.chars,
            ECC_OVERRIDES_MAX_CHARS);
    }

    ecc_json_path_push_member(&ctx->path, "overrides");
    ecc_json_path_push_member(&ctx->path, "containerOverrides");
    for (size_t i = 0; i < overrides->container_overrides.count; i++) {
        ecc_json_path_push_index(&ctx->path, i);
        s_check_container_override(ctx, &overrides->container_overrides.items[i]);
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
    if (overrides->inference_accelerator_overrides.count > 0) {
        S_FAIL_AT(
            ctx,
            "inferenceAcceleratorOverrides",
            R_INFERENCE_ACCELERATOR_RETIRED,
            "Amazon Elastic Inference is no longer available; %zu inference accelerator override(s) given",
            overrides->inference_accelerator_overrides.count);
    }
    if (overrides->has_ephemeral_storage) {
        const struct ecc_ephemeral_storage *storage = &overrides->ephemeral_storage;
        ecc_json_path_push_member(&ctx->path, "ephemeralStorage");
        if (!storage->has_size_in_gib) {
            S_FAIL_AT(ctx, "sizeInGiB", R_EPHEMERAL_STORAGE_SIZE_REQUIRED, "sizeInGiB is required");
        } else if (
            storage->size_in_gib < ECC_EPHEMERAL_STORAGE_MIN_GIB ||
            storage->size_in_gib > ECC_EPHEMERAL_STORAGE_MAX_GIB) {
            S_FAIL_AT(
                ctx,
                "sizeInGiB",
                R_EPHEMERAL_STORAGE_SIZE_RANGE,
                "sizeInGiB %d outside %d-%d",
                (int)storage->size_in_gib,
                ECC_EPHEMERAL_STORAGE_MIN_GIB,
                ECC_EPHEMERAL_STORAGE_MAX_GIB);
        }
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
}

static void s_check_placement(struct s_ctx *ctx, const struct ecc_run_task_request *request) {
    size_t constraints = request->placement_constraints.count + ctx->task_definition_placement_constraints;
    if (constraints > ECC_PLACEMENT_CONSTRAINTS_MAX) {
        S_FAIL_AT(
            ctx,
            "placementConstraints",
            R_PLACEMENT_CONSTRAINTS_MAX,
            "%zu placement constraints (%zu in the request, %zu in the task definition), at most %d allowed",
            constraints,
            request->placement_constraints.count,
            ctx->task_definition_placement_constraints,
            ECC_PLACEMENT_CONSTRAINTS_MAX);
    }
    ecc_json_path_push_member(&ctx->path, "placementConstraints");
    for (size_t i = 0; i < request->placement_constraints.count; i++) {
        const struct ecc_placement_constraint *c = &request->placement_constraints.items[i];
        ecc_json_path_push_index(&ctx->path, i);
        s_check_enum(ctx, "type", c->type, ecc_placement_constraint_type_values, R_PLACEMENT_CONSTRAINT_TYPE_ENUM);
        size_t chars = 0;
        if (c->expression && s_chars(ctx, "expression", c->expression, &chars) &&
            chars > ECC_PLACEMENT_EXPRESSION_MAX_CHARS) {
            S_FAIL_AT(
                ctx,
                "expression",
                R_PLACEMENT_EXPRESSION_LENGTH,
                "expression of %zu characters, at most %d",
                chars,
                ECC_PLACEMENT_EXPRESSION_MAX_CHARS);
        }
        if (c->expression && c->type && strcmp(c->type, "distinctInstance") == 0) {
            S_FAIL_AT(
                ctx,
                "expression",
                R_PLACEMENT_EXPRESSION_DISTINCT_INSTANCE,
                "an expression is not allowed with distinctInstance");
        }
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);

    s_check_list_max(
        ctx,
        "placementStrategy",
        request->placement_strategy.count,
        ECC_PLACEMENT_STRATEGIES_MAX,
        R_PLACEMENT_STRATEGIES_MAX);
    ecc_json_path_push_member(&ctx->path, "placementStrategy");
    for (size_t i = 0; i < request->placement_strategy.count; i++) {
        const struct ecc_placement_strategy *s = &request->placement_strategy.items[i];
        ecc_json_path_push_index(&ctx->path, i);
        s_check_enum(ctx, "type", s->type, ecc_placement_strategy_type_values, R_PLACEMENT_STRATEGY_TYPE_ENUM);
        if (s->type && strcmp(s->type, "binpack") == 0 && s->field && strcmp(s->field, "cpu") != 0 &&
            strcmp(s->field, "memory") != 0) {
            S_FAIL_AT(
                ctx,
                "field",
                R_PLACEMENT_STRATEGY_BINPACK_FIELD,
                "'%s' for binpack, cpu or memory expected",
                s_quote(s->field).text);
        }
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
}

static void s_check_managed_ebs_volume(struct s_ctx *ctx, const struct ecc_task_managed_ebs_volume_configuration *ebs) {
    ecc_json_path_push_member(&ctx->path, "managedEBSVolume");
    s_check_required_string(ctx, "roleArn", ebs->role_arn, R_EBS_ROLE_ARN_REQUIRED);
    if (!ebs->has_size_in_gib && !ebs->snapshot_id) {
        s_fail(ctx, R_EBS_SIZE_OR_SNAPSHOT, "either sizeInGiB or snapshotId is required");
    }
    if (ebs->has_volume_initialization_rate && !ebs->snapshot_id) {
        S_FAIL_AT(
            ctx,
            "volumeInitializationRate",
            R_EBS_INITIALIZATION_RATE_SNAPSHOT,
            "volumeInitializationRate without a snapshotId");
    }
    if (ebs->has_throughput && ebs->throughput > ECC_EBS_THROUGHPUT_MAX_MIB_S) {
        S_FAIL_AT(
            ctx,
            "throughput",
            R_EBS_THROUGHPUT_RANGE,
            "throughput %d above %d MiB/s",
            (int)ebs->throughput,
            ECC_EBS_THROUGHPUT_MAX_MIB_S);
    }
    /* volumeType is free-form in the model; only the gp3 coupling is documented. */
    if (ebs->has_throughput && ebs->volume_type && strcmp(ebs->volume_type, "gp3") != 0) {
        S_FAIL_AT(
            ctx, "throughput", R_EBS_THROUGHPUT_GP3, "throughput with volumeType '%s'", s_quote(ebs->volume_type).text);
    }
    s_check_enum(
        ctx, "filesystemType", ebs->filesystem_type, ecc_task_filesystem_type_values, R_EBS_FILESYSTEM_TYPE_ENUM);
    ecc_json_path_push_member(&ctx->path, "tagSpecifications");
    for (size_t i = 0; i < ebs->tag_specifications.count; i++) {
        const struct ecc_ebs_tag_specification *spec = &ebs->tag_specifications.items[i];
        ecc_json_path_push_index(&ctx->path, i);
        s_check_required_string(
            ctx, "resourceType", spec->resource_type, R_EBS_TAG_SPECIFICATION_RESOURCE_TYPE_REQUIRED);
        s_check_enum(
            ctx,
            "resourceType",
            spec->resource_type,
            ecc_ebs_resource_type_values,
            R_EBS_TAG_SPECIFICATION_RESOURCE_TYPE_ENUM);
        s_check_enum(
            ctx,
            "propagateTags",
            spec->propagate_tags,
            ecc_propagate_tags_values,
            R_EBS_TAG_SPECIFICATION_PROPAGATE_TAGS_ENUM);
        if (spec->propagate_tags && strcmp(spec->propagate_tags, "SERVICE") == 0) {
            S_FAIL_AT(
                ctx,
                "propagateTags",
                R_EBS_TAG_SPECIFICATION_PROPAGATE_TAGS_SERVICE,
                "SERVICE is only for a service's volume configuration");
        }
        s_check_tags(ctx, "tags", &spec->tags, true);
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
    if (ebs->has_termination_policy && !ebs->termination_policy.has_delete_on_termination) {
        ecc_json_path_push_member(&ctx->path, "terminationPolicy");
        S_FAIL_AT(ctx, "deleteOnTermination", R_EBS_DELETE_ON_TERMINATION_REQUIRED, "deleteOnTermination is required");
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
}

static void s_check_volumes(struct s_ctx *ctx, const struct ecc_task_volume_configuration_list *volumes) {
    ecc_json_path_push_member(&ctx->path, "volumeConfigurations");
    for (size_t i = 0; i < volumes->count; i++) {
        const struct ecc_task_volume_configuration *volume = &volumes->items[i];
        ecc_json_path_push_index(&ctx->path, i);
        s_check_required_string(ctx, "name", volume->name, R_VOLUME_NAME_REQUIRED);
        if (volume->has_managed_ebs_volume) {
            s_check_managed_ebs_volume(ctx, &volume->managed_ebs_volume);
        }
        ecc_json_path_pop(&ctx->path);
    }
    ecc_json_path_pop(&ctx->path);
}

static void s_check_launch(struct s_ctx *ctx, const struct ecc_run_task_request *request) {
    const char *launch_type = request->launch_type;
    s_check_enum(ctx, "launchType", launch_type, ecc_launch_type_values, R_LAUNCH_TYPE_ENUM);
    if (launch_type && strcmp(launch_type, "MANAGED_INSTANCES") == 0) {
        S_FAIL_AT(
            ctx, "launchType", R_LAUNCH_TYPE_MANAGED_INSTANCES, "use capacityProviderStrategy for Managed Instances");
    }
    /* An empty strategy `[]` specifies nothing, so only a non-empty one conflicts. */
    if (launch_type && request->capacity_provider_strategy.count > 0) {
        S_FAIL_AT(
            ctx,
            "launchType",
            R_LAUNCH_TYPE_EXCLUSIVE,
            "specifying both a launch type and a capacity provider strategy is not supported");
    }
    if (request->platform_version && launch_type &&
        (strcmp(launch_type, "EC2") == 0 || strcmp(launch_type, "EXTERNAL") == 0)) {
        S_FAIL_AT(
            ctx,
            "platformVersion",
            R_PLATFORM_VERSION_LAUNCH_TYPE,
            "the platform version must be absent with the %s launch type",
            launch_type);
    }
    s_check_capacity_providers(ctx, &request->capacity_provider_strategy);
}

/*
 * string.utf8 for every member, not only those whose length is counted: the request codec's check walks
 * every string the writer would meet, without writing, and names the first that is not UTF-8 (the one
 * the writer would refuse), so this one call covers the request. A failure already reported at that
 * path (tags, overrides, ...) is not repeated.
 */
static void s_check_strings_utf8(struct s_ctx *ctx, const struct ecc_run_task_request *request) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_codec_check_run_task_request(request, &diag) == ECC_ERR_INVALID &&
        !ecc_validation_result_find(ctx->result, diag.path, "string.utf8")) {
        s_fail_at_path(ctx, diag.path, R_STRING_UTF8, "%s is not valid UTF-8", diag.path);
    }
}

enum ecc_status ecc_validate_run_task_request(
    const struct ecc_run_task_request *request,
    const struct ecc_validate_options *options,
    struct ecc_validation_result *result) {
    struct s_ctx ctx = {.result = result};
    ecc_json_path_init(&ctx.path);
    ctx.started_by_max_chars =
        options && options->started_by_max_chars ? options->started_by_max_chars : ECC_STARTED_BY_MAX_CHARS;
    ctx.task_definition_placement_constraints = options ? options->task_definition_placement_constraints : 0;
    if (!result->max_failures) {
        result->max_failures =
            options && options->max_failures ? options->max_failures : ECC_VALIDATION_DEFAULT_MAX_FAILURES;
    }

    s_check_required_string(&ctx, "taskDefinition", request->task_definition, R_TASK_DEFINITION_REQUIRED);
    if (request->has_count && request->count > ECC_RUN_TASK_COUNT_MAX) {
        /* The service's own words, which errors/count-eleven checks. */
        S_FAIL_AT(&ctx, "count", R_COUNT_RANGE, "Task count can not be greater than %d", ECC_RUN_TASK_COUNT_MAX);
    } else if (request->has_count && request->count < ECC_RUN_TASK_COUNT_MIN) {
        S_FAIL_AT(
            &ctx,
            "count",
            R_COUNT_RANGE,
            "count %d outside %d-%d",
            (int)request->count,
            ECC_RUN_TASK_COUNT_MIN,
            ECC_RUN_TASK_COUNT_MAX);
    }
    if (request->client_token) {
        s_check_client_token(&ctx, request->client_token);
    }
    s_check_launch(&ctx, request);
    if (request->has_network_configuration) {
        s_check_network_configuration(&ctx, &request->network_configuration);
    }
    if (request->has_overrides) {
        s_check_overrides(&ctx, &request->overrides);
    }
    s_check_placement(&ctx, request);
    s_check_enum(&ctx, "propagateTags", request->propagate_tags, ecc_propagate_tags_values, R_PROPAGATE_TAGS_ENUM);
    if (request->propagate_tags && strcmp(request->propagate_tags, "SERVICE") == 0) {
        S_FAIL_AT(&ctx, "propagateTags", R_PROPAGATE_TAGS_SERVICE, "SERVICE cannot be used when running a task");
    }
    if (request->started_by) {
        s_check_started_by(&ctx, request->started_by);
    }
    s_check_tags(&ctx, "tags", &request->tags, false);
    s_check_volumes(&ctx, &request->volume_configurations);
    s_check_strings_utf8(&ctx, request);

    if (ctx.nomem) {
        return ECC_ERR_NOMEM;
    }
    return ctx.found ? ECC_ERR_INVALID : ECC_OK;
}

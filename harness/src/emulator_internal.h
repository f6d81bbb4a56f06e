#ifndef ECC_EMULATOR_INTERNAL_H
#define ECC_EMULATOR_INTERNAL_H
/*
 * Private to harness/src/emulator*.c: the emulator's state and the functions the parts share.
 *
 *  - emulator_state.c:   ids, ARNs, clusters, task definitions with revisions, tasks (lifecycle on the
 *                        clock, expiry, caps), the clientToken table with its 24-hour TTL;
 *  - emulator_control.c: the control actions (fault injection, policy, blocks, unsupported features,
 *                        clock, visibility lag, capacity, reset) and the checks they drive;
 *  - emulator_place.c:   simulated EC2 capacity, placement constraints and strategies;
 *  - emulator_ops.c:     the task operations (RunTask, DescribeTasks, ListTasks, StopTask), the helpers
 *                        every operation answers with, and the table of all eight;
 *  - emulator_setup.c:   CreateCluster, DeleteCluster, RegisterTaskDefinition, DeregisterTaskDefinition;
 *  - emulator.c:         the handler: auth, dispatch, parse, answer.
 *
 * Every function here expects `emu->lock` to be held unless it says otherwise (the operations: see
 * emu_op.locks_itself). All strings are owned
 * by the struct that holds them.
 */
#include "ecc/emulator.h"
#include "ecc/errors.h"
#include "ecc/json.h"
#include "ecc/model.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

struct ecc_sigv4_verifier;

#define EMU_TOKEN_TTL_MS         (24LL * 3600 * 1000)
#define EMU_MAX_MESSAGE          512
#define EMU_DEFAULT_QUOTA        500 /* Tasks in PROVISIONING per cluster (2024 report in RUNTASK.md) */
#define EMU_DEFAULT_INSTANCES    4
#define EMU_DEFAULT_INSTANCE_CPU 4096
#define EMU_DEFAULT_INSTANCE_MEM 16384
#define EMU_PHASE_MS             1000 /* each of PROVISIONING, PENDING and STOPPING lasts this long */
#define EMU_MAX_NAME             255

/* An error to answer with: the type name and status (from the error table) and its message. */
struct emu_error {
    const char *type; /* NULL: no error */
    int status;
    char message[EMU_MAX_MESSAGE];
    /* ConflictException only: the task ARNs already bound to the clientToken (owned). */
    char **resource_ids;
    size_t resource_id_count;
};

/* A row of the error table (errors.h): type name and status from there. */
void emu_error_set(struct emu_error *err, enum ecc_error_id id, const char *fmt, ...) ECC_PRINTF(3, 4);
/* An error of another ECS operation that RunTask does not declare (ClusterContainsTasksException): 400. */
void emu_error_set_other(struct emu_error *err, const char *type, const char *fmt, ...) ECC_PRINTF(3, 4);
void emu_error_clean_up(struct emu_error *err);

/* Intrusive chained hash table (tasks by id, tokens by cluster+token). */
struct emu_hnode {
    struct emu_hnode *next;
    uint64_t hash;
};

struct emu_htable {
    struct emu_hnode **buckets;
    size_t bucket_count; /* a power of two */
    size_t count;
};

uint64_t emu_hash(const void *bytes, size_t len, uint64_t seed);
/*
 * Joins the NULL-terminated list of strings into `out` (`size` > 0), cut to fit and always terminated,
 * as snprintf("%s%s...") would: ARNs and ids are built per task answer, and snprintf's format parsing
 * was a tenth of a RunTask.
 */
void emu_concat(char *out, size_t size, ...) __attribute__((sentinel));

enum emu_launch_type { EMU_LT_EC2 = 0, EMU_LT_FARGATE, EMU_LT_EXTERNAL };
const char *emu_launch_type_name(enum emu_launch_type lt);

enum emu_status {
    EMU_ST_PROVISIONING = 0,
    EMU_ST_PENDING,
    EMU_ST_RUNNING,
    EMU_ST_DEPROVISIONING, /* awsvpc tasks after a stop */
    EMU_ST_STOPPING,       /* other tasks after a stop */
    EMU_ST_STOPPED,
};
const char *emu_status_name(enum emu_status status);

struct emu_instance {
    int32_t cpu_used;
    int32_t memory_used;
    uint32_t tasks;
};

struct emu_strategy_item {
    char *provider;
    int32_t weight;
    int32_t base;
};

struct emu_cluster {
    struct emu_cluster *next;
    char *account;
    char *name;
    char *arn;
    char **providers; /* capacityProviders associated at CreateCluster */
    size_t provider_count;
    struct emu_strategy_item *default_strategy;
    size_t default_strategy_count;
    struct emu_instance *instances;
    size_t instance_count;
    int32_t instance_cpu;
    int32_t instance_memory;
    uint32_t provisioning_quota;
    uint32_t provisioning_tasks; /* tasks waiting for managed-scaling capacity */
    size_t active_tasks;         /* not yet stopped */
    int64_t created_ms;
};

/* Per-cluster-name settings from the control endpoint; they outlive the cluster (runner set-up order). */
struct emu_cluster_settings {
    struct emu_cluster_settings *next;
    char *name;
    bool has_capacity;
    uint32_t instances;
    int32_t cpu;
    int32_t memory;
    bool has_quota;
    uint32_t quota;
    bool has_lag;
    int64_t lag_ms;
};

struct emu_family;

struct emu_taskdef {
    struct emu_family *family;
    int32_t revision;
    char *arn;
    bool active;
    int64_t registered_ms;
    int64_t deregistered_ms;
    char *network_mode; /* "bridge" when not given (Linux default) */
    bool compat_ec2;
    bool compat_fargate;
    bool compat_external;
    int32_t cpu;             /* task-level CPU units, or the sum over containers */
    int32_t memory;          /* task-level MiB, or the sum over containers */
    bool needs_platform_1_4; /* EFS volumes, ephemeralStorage, configuredAtLaunch volumes */
    bool has_task_role;
    char **launch_volumes; /* volumes with configuredAtLaunch: true */
    size_t launch_volume_count;
    size_t launch_volume_capacity;
    char **member_of; /* memberOf expressions of the definition */
    size_t member_of_count;
    size_t member_of_capacity;
    size_t placement_constraint_count;
    struct ecc_tag_list tags; /* as registered, for propagateTags TASK_DEFINITION (owned) */
    json_t *json;             /* the taskDefinition object as DescribeTaskDefinition would show it (owned) */
};

struct emu_family {
    struct emu_family *next;
    char *account;
    char *name;
    struct emu_taskdef **revisions; /* revisions[i]->revision == i + 1 */
    size_t count;
    size_t capacity;
};

struct emu_task {
    struct emu_hnode node;                  /* first: emu_htable casts */
    struct emu_task *older, *newer;         /* every task, in creation order */
    struct emu_task *stop_prev, *stop_next; /* stopped tasks, in stop order */
    struct emu_cluster *cluster;
    struct emu_taskdef *taskdef;
    uint64_t seq;
    char id[33];
    int64_t created_ms;
    int64_t stopped_ms; /* 0: running */
    int32_t instance;   /* index into cluster->instances, -1 when none */
    int32_t cpu;
    int32_t memory;
    uint8_t launch_type;
    uint8_t platform; /* index into emu_platforms, 0xff for EC2/EXTERNAL */
    bool awsvpc;
    bool waiting_capacity;
    bool enable_execute_command;
    bool user_stop;
    char *capacity_provider;
    char *started_by;
    char *group;
    char *stopped_reason;
    char *subnet;
    struct ecc_task_override *overrides; /* as the request gave them (owned), NULL when absent */
    struct ecc_tag_list *tags;           /* the task's tags (owned), NULL when it has none */
};

struct emu_failure {
    char *arn;
    char *reason;
    char *detail;
};

struct emu_token {
    struct emu_hnode node; /* first */
    struct emu_token *older, *newer;
    char *cluster_arn;
    char *token;
    /* The request as parsed, with clientToken and cluster cleared: what "same parameters" compares. */
    struct ecc_run_task_request request;
    int64_t expires_ms;
    char **task_arns;
    size_t task_count;
    struct emu_failure *failures;
    size_t failure_count;
};

struct emu_key {
    char *access_key_id;
    char *secret_access_key;
    char *account;
};

struct emu_fault {
    struct emu_fault *next;
    char *operation;
    char *cluster;     /* NULL: any */
    const char *error; /* from the error table; NULL: delay only */
    char *message;
    int64_t delay_ms;
    uint32_t remaining;
};

struct emu_policy {
    struct emu_policy *next;
    char *access_key_id;
    char **allowed_arns;
    size_t allowed_count;
};

struct emu_string_node {
    struct emu_string_node *next;
    char *value;
};

struct ecc_emulator {
    pthread_mutex_t lock;
    struct ecc_sigv4_verifier *verifier; /* thread-safe on its own: used outside the lock */
    atomic_uint_fast64_t request_counter;
    /* What the emulator runs with: the caller's options after the defaults are applied (every cap set),
     * `options.region` pointing at `region` and `options.keys` NULL: the keys are copied into `keys`. */
    struct ecc_emulator_options options;
    char *region;
    struct emu_key *keys;
    size_t key_count;

    /* Everything below is state that `reset` clears. */
    int64_t clock_offset_ms;
    uint64_t rng;
    uint64_t next_seq;
    struct emu_cluster *clusters;
    size_t cluster_count;
    struct emu_family *families;
    size_t task_definition_count;
    struct emu_htable tasks;
    struct emu_task *oldest_task, *newest_task;
    struct emu_task *first_stopped, *last_stopped;
    struct emu_htable tokens;
    struct emu_token *oldest_token, *newest_token;
    struct emu_cluster_settings *settings;
    size_t settings_count;
    bool has_global_lag;
    int64_t global_lag_ms;
    struct emu_fault *faults;
    size_t fault_count;
    struct emu_policy *policies;
    size_t policy_count;
    struct emu_string_node *blocked_accounts;
    struct emu_string_node *unsupported;
    size_t list_count; /* blocked + unsupported, capped */
};

/* --- emulator_state.c --- */
void emu_state_init(struct ecc_emulator *emu);
void emu_state_clean_up(struct ecc_emulator *emu);
int64_t emu_now_locked(struct ecc_emulator *emu);

/* The short name of a cluster reference (a name or an ARN); "default" for NULL. Not a copy. */
const char *emu_cluster_short_name(const char *ref);
struct emu_cluster *emu_cluster_find(struct ecc_emulator *emu, const char *account, const char *ref);
/* Creates (or returns the existing) cluster; ClientException-style error at the cap. */
struct emu_cluster *
emu_cluster_create(struct ecc_emulator *emu, const char *account, const char *name, struct emu_error *err);
/* Removes it; its tasks (all stopped: the caller checks) go with it. */
void emu_cluster_delete(struct ecc_emulator *emu, struct emu_cluster *cluster);
/* Rebuilds the simulated instances from the settings and the tasks placed on them. */
void emu_cluster_apply_settings(struct ecc_emulator *emu, struct emu_cluster *cluster);
struct emu_cluster_settings *emu_settings_find(struct ecc_emulator *emu, const char *name);
struct emu_cluster_settings *emu_settings_get(struct ecc_emulator *emu, const char *name, struct emu_error *err);

/* "256", "0.25 vCPU" (cpu) or "512", "1 GB" (memory) → CPU units or MiB; -1 when neither. */
int32_t emu_parse_units(const char *text, bool is_cpu);

/* Registers a revision from a RegisterTaskDefinition body; the registry owns what it returns. */
struct emu_taskdef *
emu_taskdef_register(struct ecc_emulator *emu, const char *account, const json_t *body, struct emu_error *err);
/*
 * `family`, `family:revision` or a task-definition ARN → the revision. An unversioned family resolves
 * to its latest ACTIVE revision. `allow_inactive` is for Deregister/Describe; RunTask passes false and
 * gets "TaskDefinition is inactive". `require_revision` is for Deregister.
 */
struct emu_taskdef *emu_taskdef_resolve(
    struct ecc_emulator *emu,
    const char *account,
    const char *ref,
    bool allow_inactive,
    bool require_revision,
    struct emu_error *err);

/* Allocates a task with a fresh id (NULL when out of memory); the caller fills it, then inserts it. */
struct emu_task *emu_task_alloc(struct ecc_emulator *emu);
void emu_task_free(struct emu_task *task);
/* Makes room for `count` more tasks (expiring, then evicting the oldest stopped); error at the cap. */
bool emu_task_reserve(struct ecc_emulator *emu, size_t count, struct emu_error *err);
void emu_task_insert(struct ecc_emulator *emu, struct emu_task *task);
/* By id or ARN, within an account; NULL when absent or expired. */
struct emu_task *emu_task_find(struct ecc_emulator *emu, const char *account, const char *ref);
void emu_task_stop(struct ecc_emulator *emu, struct emu_task *task, const char *reason, bool user);
enum emu_status emu_task_status(const struct emu_task *task, int64_t now_ms);
/* Drops stopped tasks past their TTL and clientTokens past theirs. */
void emu_expire(struct ecc_emulator *emu);
/* "arn:aws:ecs:REGION:ACCOUNT:KIND/CLUSTER/ID": the ARNs of what lives in a cluster (task, container
 * instance; a container's `id` is "TASK/UUID"), cut to `size`. */
void emu_cluster_resource_arn(
    const struct ecc_emulator *emu,
    const struct emu_cluster *cluster,
    const char *kind,
    const char *id,
    char *out,
    size_t size);
/* arn:aws:ecs:<region>:<account>:task/<cluster>/<id> into `out`. */
void emu_task_arn(const struct ecc_emulator *emu, const struct emu_task *task, char *out, size_t size);

struct emu_token *emu_token_find(struct ecc_emulator *emu, const char *cluster_arn, const char *token);
/* Takes ownership of every pointer in `token` (which is then inserted); false at a hard failure. */
bool emu_token_insert(struct ecc_emulator *emu, struct emu_token *token);
void emu_token_free(struct emu_token *token);

/* --- emulator_ops.c --- */

/* One authenticated call, as the handler hands it to an operation. */
struct emu_call {
    const char *account;
    const char *access_key_id;
    const char *operation;
    const char *request_id;
    const json_t *body; /* a JSON object */
};

/* An operation: fills `response` (initialized, empty) on success, or `err`. */
typedef bool(emu_op_fn)(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err);

struct emu_op {
    const char *name;
    emu_op_fn *fn;
    /* false: the handler holds the lock around the call; true: the operation takes it for its state work
     * only (RunTask: parse, validation and serialization run unlocked). */
    bool locks_itself;
};

/* The operation of an X-Amz-Target operation name, NULL when the emulator does not serve it. */
const struct emu_op *emu_op_find(const char *operation);

/* What every operation answers with (emulator_ops.c). Each returns false with `err` set, or true. */
/* 500 ServerException "out of memory"; always false. */
bool emu_oom(struct emu_error *err);
/* `id` with the diag's path and text as the message; always false. */
bool emu_diag_error(struct emu_error *err, enum ecc_error_id id, const struct ecc_diag *diag);
/* Answers 200 with a jansson value (stolen; NULL: out of memory). */
bool emu_answer_json(
    json_t *value, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err);
/* An optional string member of `body` into *out (owned by the caller; NULL when absent); a member of
 * another type is a SerializationException. */
bool emu_read_string(const json_t *body, const char *key, char **out, struct emu_error *err);
/* The cluster the call's `cluster` member names (the default one when absent); ClusterNotFoundException
 * when there is none. */
bool emu_find_cluster(
    struct ecc_emulator *emu, const struct emu_call *call, struct emu_cluster **cluster, struct emu_error *err);

/* --- emulator_setup.c: the set-up operations (emu_op_fn) --- */
bool emu_op_create_cluster(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err);
bool emu_op_delete_cluster(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err);
bool emu_op_register_task_definition(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err);
bool emu_op_deregister_task_definition(
    struct ecc_emulator *emu, const struct emu_call *call, struct ecc_http_response *response, struct emu_error *err);

/* --- emulator_control.c --- */
void emu_control_clean_up(struct ecc_emulator *emu);
bool emu_account_blocked(struct ecc_emulator *emu, const char *account);
bool emu_feature_unsupported(struct ecc_emulator *emu, const char *feature);
/*
 * The first matching fault (operation, cluster short name), consumed by one. Copies its error type,
 * message and delay out; returns false when none matches.
 */
bool emu_fault_take(
    struct ecc_emulator *emu,
    const char *operation,
    const char *cluster,
    struct emu_error *err,
    bool *has_error,
    int64_t *delay_ms);
/* True when `access_key_id` may run `taskdef_arn` (no policy for the key: allowed). */
bool emu_policy_allows(struct ecc_emulator *emu, const char *access_key_id, const char *taskdef_arn);
int64_t emu_visibility_lag_ms(struct ecc_emulator *emu, const char *cluster_name);

#endif

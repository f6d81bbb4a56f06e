/*
 * What a running case does besides its own steps (runner.h, private header runner_internal.h): it tracks
 * what its calls created for the runner's cleanup, makes the runner's internal calls, gives the clusters
 * it creates EC2 capacity on a profile that can (capacity.h) and takes it away, confirms started tasks with
 * DescribeTasks and backoff, notes the answer of its first failing step, and in shared-cluster mode cuts a
 * ListTasks answer of the shared cluster to the case's own tasks.
 */
#include "runner_internal.h"

#include "ecc/capacity.h"
#include "ecc/codec_request.h"
#include "ecc/errors.h"
#include "ecc/match.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How often a confirmation's backoff looks at Ctrl-C and the case deadline. */
#define S_SLEEP_SLICE_MS 50

/* Remembers what a successful call created, for the runner's own cleanup: each item is
 * {"body": the cleanup call's body, "second": whether the step signed with the second credentials},
 * so a resource is removed with the credentials (the account) that created it. */
static void s_track_item(json_t *list, json_t *body, const struct ecc_step *step) {
    json_array_append_new(list, json_pack("{s:o,s:b}", "body", body, "second", step->sign.second_credentials ? 1 : 0));
}

/* Does `cluster` (a request's member: a name, an ARN, or absent for `default`) name the shared cluster of
 * shared-cluster mode? Always false without one. */
static bool s_is_shared_cluster(const struct runner_case_run *run, const json_t *cluster) {
    const char *shared = ecc_case_shared_cluster(run->options->run_vars);
    const char *name = cluster ? json_string_value(cluster) : "default";
    if (!shared || !name) {
        return false;
    }
    const char *kind = strstr(name, ":cluster/");
    if (strncmp(name, "arn:", 4) == 0 && kind) {
        name = kind + strlen(":cluster/");
    }
    return strcmp(name, shared) == 0;
}

void runner_track(struct runner_case_run *run, const struct ecc_step *step, const struct runner_exchange *x) {
    if (x->response.status < 200 || x->response.status > 299 || !json_is_object(x->body)) {
        return;
    }
    const char *operation = step->operation ? step->operation : "";
    if (step->kind == ECC_STEP_CONTROL) {
        /* A reset removed everything created before it: nothing of that is left to clean up. */
        const char *action = json_string_value(json_object_get(x->sent_body, "action"));
        if (action && strcmp(action, "reset") == 0) {
            json_array_clear(run->tasks);
            json_array_clear(run->task_definitions);
            json_array_clear(run->clusters);
            json_array_clear(run->container_instances);
        }
    } else if (strcmp(operation, "CreateCluster") == 0) {
        const json_t *name = json_object_get(x->sent_body, "clusterName");
        /* The shared cluster was there before the run and stays after it. */
        if (json_is_string(name) && !s_is_shared_cluster(run, name)) {
            s_track_item(run->clusters, json_pack("{s:O}", "cluster", name), step);
        }
    } else if (strcmp(operation, "RegisterTaskDefinition") == 0) {
        const json_t *arn = json_object_get(json_object_get(x->body, "taskDefinition"), "taskDefinitionArn");
        if (json_is_string(arn)) {
            s_track_item(run->task_definitions, json_pack("{s:O}", "taskDefinition", arn), step);
        }
    } else if (strcmp(operation, "RunTask") == 0) {
        size_t i;
        const json_t *task;
        json_array_foreach(json_object_get(x->body, "tasks"), i, task) {
            const json_t *arn = json_object_get(task, "taskArn");
            const json_t *cluster = json_object_get(task, "clusterArn");
            if (json_is_string(arn)) {
                s_track_item(
                    run->tasks,
                    json_pack("{s:O?,s:O,s:s}", "cluster", cluster, "task", arn, "reason", "ecsconf cleanup"),
                    step);
            }
        }
    }
}

static enum ecc_status s_build_signed_call(
    struct runner_case_run *run,
    const char *operation,
    json_t *body,
    bool second_credentials,
    struct runner_exchange *x,
    struct ecc_diag *diag) {
    enum ecc_status status = runner_build_call(operation, body, x, diag);
    if (status != ECC_OK) {
        return status;
    }
    struct ecc_step_sign sign = {.mode = ECC_SIGN_SIGV4, .second_credentials = second_credentials};
    return runner_sign(run, &sign, false, &x->request, diag);
}

bool runner_internal_call(
    struct runner_case_run *run,
    const char *label,
    const char *operation,
    json_t *body,
    bool second_credentials,
    struct runner_exchange *x) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (s_build_signed_call(run, operation, body, second_credentials, x, &diag) != ECC_OK) {
        runner_fail(run, "%s: cannot build %s: %s", label, operation, diag.text);
        return false;
    }
    return runner_send(run, label, 0, x);
}

/* ---- EC2 capacity (capacity.h) ------------------------------------------------------------------- */

/* An EC2 Query call, signed for `ec2` with the credentials (the account) the cluster was created with. */
static bool
s_ec2_call(struct runner_case_run *run, const char *label, bool second_credentials, struct runner_exchange *x) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_step_sign sign = {.mode = ECC_SIGN_SIGV4, .second_credentials = second_credentials};
    if (runner_sign_for(run, &sign, false, "ec2", &x->request, &diag) != ECC_OK) {
        runner_fail(run, "%s: cannot sign: %s", label, diag.text);
        return false;
    }
    return runner_send(run, label, 0, x);
}

/*
 * After a CreateCluster step that succeeded, on a profile with EC2 capacity: starts the profile's number
 * of EC2 instances and registers each in the cluster, so EC2 placement has somewhere to put the case's
 * tasks. What is started is tracked first, so the cleanup removes it even when a later call fails. A
 * failure fails the case with the reason (its rule was not reached), never silently.
 */
void runner_capacity_provide(
    struct runner_case_run *run, const struct ecc_step *step, const struct runner_exchange *x) {
    unsigned count = run->options->ec2_instances_per_cluster;
    const char *cluster = json_string_value(json_object_get(x->sent_body, "clusterName"));
    if (!count || step->kind == ECC_STEP_CONTROL || !step->operation || strcmp(step->operation, "CreateCluster") != 0 ||
        x->response.status != 200 || !cluster ||
        s_is_shared_cluster(run, json_object_get(x->sent_body, "clusterName"))) {
        return; /* the shared cluster has container instances of its own */
    }
    bool second = step->sign.second_credentials;
    char label[300];
    snprintf(label, sizeof(label), "%s: capacity for cluster %s", step->label, cluster);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct runner_exchange ec2;
    runner_exchange_init(&ec2);
    json_t *ids = NULL;
    if (ecc_capacity_build_run_instances(&ec2.request, count, cluster, &diag) != ECC_OK) {
        runner_fail(run, "%s: %s", label, diag.text);
    } else if (s_ec2_call(run, label, second, &ec2)) {
        if (ecc_capacity_read_instance_ids(&ec2.response, count, &ids, &diag) != ECC_OK) {
            runner_fail(run, "%s: EC2 %s", label, diag.text);
        } else {
            json_array_append_new(run->ec2_instances, json_pack("{s:O,s:b}", "ids", ids, "second", second ? 1 : 0));
        }
    }
    runner_exchange_clean_up(&ec2);
    size_t i;
    const json_t *id;
    json_array_foreach(ids, i, id) {
        struct runner_exchange reg;
        runner_exchange_init(&reg);
        json_t *body = ecc_capacity_register_body(cluster, json_string_value(id));
        bool sent = body && runner_internal_call(run, label, "RegisterContainerInstance", body, second, &reg);
        json_decref(body);
        const json_t *arn = json_object_get(json_object_get(reg.body, "containerInstance"), "containerInstanceArn");
        if (sent && reg.response.status == 200 && json_is_string(arn)) {
            s_track_item(
                run->container_instances,
                json_pack("{s:s,s:O,s:b}", "cluster", cluster, "containerInstance", arn, "force", 1),
                step);
        } else if (sent) {
            runner_fail(
                run,
                "%s: RegisterContainerInstance of %s answered HTTP %d without a containerInstanceArn",
                label,
                json_string_value(id),
                reg.response.status);
        }
        runner_exchange_clean_up(&reg);
        if (run->failed) {
            break;
        }
    }
    json_decref(ids);
}

/* The cleanup's last part: terminates the EC2 instances runner_capacity_provide started (the container
 * instances were deregistered before). Problems are warnings. */
void runner_capacity_release(struct runner_case_run *run) {
    size_t i;
    const json_t *item;
    json_array_foreach(run->ec2_instances, i, item) {
        struct runner_exchange x;
        runner_exchange_init(&x);
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        if (ecc_capacity_build_terminate_instances(&x.request, json_object_get(item, "ids"), &diag) != ECC_OK) {
            runner_warn(run, "TerminateInstances: %s", diag.text);
        } else if (!s_ec2_call(run, "cleanup", json_is_true(json_object_get(item, "second")), &x)) {
            runner_warn(run, "TerminateInstances: %s", x.result.message);
        } else if (x.response.status != 200) {
            runner_warn(run, "TerminateInstances: HTTP %d", x.response.status);
        }
        runner_exchange_clean_up(&x);
    }
}

static bool s_sleep_stop(void *user_data) {
    return runner_interrupted(user_data, 1);
}

/* Sleeps up to `ms`, in slices so an interrupt or the case deadline cuts it short. */
static void s_sleep_ms(struct runner_case_run *run, uint64_t ms) {
    uint64_t end = ecc_monotonic_ms() + ms;
    if (run->deadline_ms && run->deadline_ms < end) {
        end = run->deadline_ms;
    }
    (void)ecc_sleep_until_ms(end, S_SLEEP_SLICE_MS, s_sleep_stop, run);
}

static bool s_all_visible(const json_t *arns, const json_t *described) {
    size_t i;
    const json_t *arn;
    json_array_foreach(arns, i, arn) {
        bool found = false;
        size_t j;
        const json_t *task;
        json_array_foreach(json_object_get(described, "tasks"), j, task) {
            found = found || json_equal(json_object_get(task, "taskArn"), (json_t *)arn);
        }
        if (!found) {
            return false;
        }
    }
    return true;
}

bool runner_confirm(struct runner_case_run *run, const struct ecc_step *step, const struct runner_exchange *sent) {
    json_t *arns = NULL;
    json_t *cluster = NULL;
    struct ecc_diag diag;
    if (step->confirm_spec) {
        json_t *spec = NULL;
        if (ecc_vars_expand(&run->vars, step->confirm_spec, &spec, &diag) != ECC_OK) {
            runner_fail(run, "%s: confirm: %s", step->label, diag.text);
            return false;
        }
        arns = json_incref(json_object_get(spec, "tasks"));
        cluster = json_incref(json_object_get(spec, "cluster"));
        json_decref(spec);
    }
    if (!arns && ecc_match_capture(sent->body, "/tasks/*/taskArn", &arns, &diag) != ECC_OK) {
        runner_fail(run, "%s: confirm: the answer names no task to confirm", step->label);
        json_decref(cluster);
        return false;
    }
    if (!cluster) {
        cluster = json_incref(json_object_get(sent->sent_body, "cluster"));
    }
    if (json_is_string(arns)) {
        json_t *one = json_array();
        json_array_append_new(one, arns);
        arns = one;
    }
    bool visible = false;
    uint64_t start = ecc_monotonic_ms();
    unsigned retries = 0;
    char last[300] = "no answer";
    for (;;) {
        struct runner_exchange x;
        runner_exchange_init(&x);
        json_t *body = json_pack("{s:O}", "tasks", arns);
        if (cluster) {
            json_object_set(body, "cluster", cluster);
        }
        char label[200];
        snprintf(label, sizeof(label), "%s: confirm with DescribeTasks", step->label);
        bool sent_ok = runner_internal_call(run, label, "DescribeTasks", body, false, &x);
        json_decref(body);
        if (!sent_ok) {
            runner_exchange_clean_up(&x);
            break;
        }
        visible = x.response.status == 200 && s_all_visible(arns, x.body);
        snprintf(last, sizeof(last), "HTTP %d", x.response.status);
        runner_exchange_clean_up(&x);
        if (visible) {
            break;
        }
        uint64_t delay = 0;
        uint64_t elapsed = ecc_monotonic_ms() - start;
        if (runner_interrupted(run, 1) || !ecc_backoff_next(&run->options->backoff, retries++, elapsed, &delay) ||
            (run->deadline_ms && ecc_monotonic_ms() + delay > run->deadline_ms)) {
            runner_fail(
                run,
                "%s: %sDescribeTasks did not show the %zu started task(s) after %" PRIu64 " ms and %u tries (last: %s)",
                step->label,
                runner_interrupted(run, 1) ? "interrupted: " : "",
                json_array_size(arns),
                ecc_monotonic_ms() - start,
                retries,
                last);
            break;
        }
        s_sleep_ms(run, delay);
    }
    json_decref(arns);
    json_decref(cluster);
    return visible;
}

void runner_note_failed_answer(struct runner_case_run *run, const struct runner_exchange *x) {
    run->first.status = x->response.status;
    run->first.error_type[0] = '\0';
    struct ecc_error_type type;
    struct ecc_diag diag;
    if (ecc_errors_resolve_type(&x->response.headers, json_is_object(x->body) ? x->body : NULL, &type, &diag) ==
            ECC_OK &&
        type.source != ECC_ERROR_TYPE_NONE) {
        size_t len =
            type.name_len < sizeof(run->first.error_type) - 1 ? type.name_len : sizeof(run->first.error_type) - 1;
        memcpy(run->first.error_type, type.name, len);
        run->first.error_type[len] = '\0';
    }
}

/* ---- shared-cluster mode: ListTasks answers -------------------------------------------------------- */

/* Pages of a shared cluster's ListTasks the runner reads (100 tasks each), and tasks per DescribeTasks. */
#define S_SHARED_LIST_MAX_PAGES     10
#define S_SHARED_DESCRIBE_MAX_TASKS 100

/* The family of a task-definition ARN (`...:task-definition/FAMILY:REVISION`) into `out`; "" when not one. */
static void s_arn_family(const char *arn, char *out, size_t size) {
    const char *start = arn ? strstr(arn, ":task-definition/") : NULL;
    const char *end = start ? strrchr(start, ':') : NULL;
    out[0] = '\0';
    if (start && end > start + strlen(":task-definition/")) {
        start += strlen(":task-definition/");
        snprintf(out, size, "%.*s", (int)(end - start), start);
    }
}

/* Is `arn` a task the case started (an answer of its own named it)? */
static bool s_own_task(const struct runner_case_run *run, const json_t *arn) {
    size_t i;
    const json_t *item;
    json_array_foreach(run->tasks, i, item) {
        if (json_equal(json_object_get(json_object_get(item, "body"), "task"), (json_t *)arn)) {
            return true;
        }
    }
    return false;
}

/* Is `task` (a DescribeTasks task) of a task-definition family the case registered? Families carry the run
 * prefix and the case id, so a task of one is the case's even when no answer named it (a task an endpoint
 * started on a replay and did not report). */
static bool s_own_family(const struct runner_case_run *run, const json_t *task) {
    char family[300];
    s_arn_family(json_string_value(json_object_get(task, "taskDefinitionArn")), family, sizeof(family));
    size_t i;
    const json_t *item;
    json_array_foreach(run->task_definitions, i, item) {
        char registered[300];
        s_arn_family(
            json_string_value(json_object_get(json_object_get(item, "body"), "taskDefinition")),
            registered,
            sizeof(registered));
        if (family[0] && strcmp(family, registered) == 0) {
            return true;
        }
    }
    return false;
}

/* Reads the pages after the first of a shared cluster's ListTasks into `listed` (the same request with each
 * nextToken). false when a page fails or more remain after S_SHARED_LIST_MAX_PAGES. */
static bool s_shared_list_pages(
    struct runner_case_run *run, const struct ecc_step *step, const struct runner_exchange *x, json_t *listed) {
    json_t *token = json_incref(json_object_get(x->body, "nextToken"));
    unsigned pages = 1;
    bool ok = true;
    for (; ok && json_is_string(token) && pages < S_SHARED_LIST_MAX_PAGES; pages++) {
        char label[220];
        snprintf(label, sizeof(label), "%s: shared cluster: ListTasks page %u", step->label, pages + 1);
        json_t *body = json_deep_copy(x->sent_body);
        json_object_set(body, "nextToken", token);
        struct runner_exchange page;
        runner_exchange_init(&page);
        ok = runner_internal_call(run, label, "ListTasks", body, step->sign.second_credentials, &page);
        const json_t *arns = json_object_get(page.body, "taskArns");
        if (ok && (page.response.status != 200 || !json_is_array(arns))) {
            runner_fail(run, "%s answered HTTP %d without taskArns", label, page.response.status);
            ok = false;
        }
        if (ok) {
            json_array_extend(listed, (json_t *)arns);
            json_decref(token);
            token = json_incref(json_object_get(page.body, "nextToken"));
        }
        json_decref(body);
        runner_exchange_clean_up(&page);
    }
    if (ok && json_is_string(token)) {
        runner_fail(
            run,
            "%s: the shared cluster lists more than %d pages of tasks: the case's own cannot all be seen",
            step->label,
            S_SHARED_LIST_MAX_PAGES);
        ok = false;
    }
    json_decref(token);
    return ok;
}

/* Keeps, of `unknown` (ARNs no answer of the case named), those DescribeTasks shows of one of the case's
 * families, appending them to `kept`. A listed task DescribeTasks does not show cannot be told apart: false. */
static bool s_shared_keep_own_family(
    struct runner_case_run *run, const struct ecc_step *step, const json_t *cluster, json_t *unknown, json_t *kept) {
    for (size_t start = 0; start < json_array_size(unknown); start += S_SHARED_DESCRIBE_MAX_TASKS) {
        json_t *batch = json_array();
        for (size_t i = start; i < json_array_size(unknown) && i < start + S_SHARED_DESCRIBE_MAX_TASKS; i++) {
            json_array_append(batch, json_array_get(unknown, i));
        }
        char label[220];
        snprintf(label, sizeof(label), "%s: shared cluster: DescribeTasks of other tasks listed", step->label);
        json_t *body = json_pack("{s:O,s:O}", "cluster", cluster, "tasks", batch);
        struct runner_exchange x;
        runner_exchange_init(&x);
        bool ok = body && runner_internal_call(run, label, "DescribeTasks", body, step->sign.second_credentials, &x);
        json_decref(body);
        size_t i;
        const json_t *arn;
        json_array_foreach(batch, i, arn) {
            const json_t *found = NULL;
            size_t j;
            const json_t *task;
            json_array_foreach(json_object_get(x.body, "tasks"), j, task) {
                found = json_equal(json_object_get(task, "taskArn"), (json_t *)arn) ? task : found;
            }
            if (ok && !found) {
                runner_fail(
                    run,
                    "%s: HTTP %d does not show %s, which ListTasks named: cannot tell whether it is the case's own",
                    label,
                    x.response.status,
                    json_string_value(arn));
                ok = false;
            }
            if (ok && s_own_family(run, found)) {
                json_array_append(kept, (json_t *)arn);
            }
        }
        runner_exchange_clean_up(&x);
        json_decref(batch);
        if (!ok) {
            return false;
        }
    }
    return true;
}

/*
 * Shared-cluster mode: a ListTasks of the shared cluster lists every case's tasks (and whatever else runs
 * there), while a case's expectation is about its own. The answer is read to its last page, then its
 * `taskArns` replaced by the case's own tasks: those an answer of the case named, and those DescribeTasks
 * shows of a task-definition family the case registered; `nextToken` goes. So a missing task or an extra
 * task of the case still fails the check; another case's task never counts. The request is not changed, and
 * the report shows the answer as it came. false (the step failed) when the tasks cannot be told apart.
 */
bool runner_shared_list_filter(struct runner_case_run *run, const struct ecc_step *step, struct runner_exchange *x) {
    const json_t *arns = json_object_get(x->body, "taskArns");
    const json_t *cluster = json_object_get(x->sent_body, "cluster");
    if (!step->operation || strcmp(step->operation, "ListTasks") != 0 || !json_is_object(x->sent_body) ||
        !s_is_shared_cluster(run, cluster) || x->response.status != 200 || !json_is_array(arns)) {
        return true;
    }
    json_t *listed = json_deep_copy(arns);
    json_t *kept = json_array();
    json_t *unknown = json_array();
    json_t *named = cluster ? json_incref((json_t *)cluster) : json_string("default");
    bool ok = listed && kept && unknown && named && s_shared_list_pages(run, step, x, listed);
    size_t i;
    const json_t *arn;
    json_array_foreach(ok ? listed : NULL, i, arn) {
        json_array_append(s_own_task(run, arn) ? kept : unknown, (json_t *)arn);
    }
    ok = ok && s_shared_keep_own_family(run, step, named, unknown, kept);
    if (ok) {
        if (ecc_buf_printf(
                &run->detail,
                "%s: shared cluster: ListTasks listed %zu task(s), %zu of them the case's own (the checks see "
                "only those)\n",
                step->label,
                json_array_size(listed),
                json_array_size(kept)) != ECC_OK) {
            /* capped */
        }
        json_object_set(x->body, "taskArns", kept);
        json_object_del(x->body, "nextToken");
    }
    json_decref(listed);
    json_decref(kept);
    json_decref(unknown);
    json_decref(named);
    if (!ok && !run->failed) {
        /* Only an allocation leaves the case unfailed here; stopping it silently would report a PASS. */
        runner_fail(run, "%s: shared cluster: out of memory while filtering ListTasks", step->label);
    }
    return ok;
}

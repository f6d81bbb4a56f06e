/*
 * Planning a run (plan.h): --only/--skip filters and their check against the suite (with "did you
 * mean"), which cases run or are skipped and why, the seeded order, and the DescribeTasks backoff.
 */
#include "ecc/plan.h"

#include "ecc/json.h"
#include "ecc/vars.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ecc_filter_init(struct ecc_filter *filter) {
    memset(filter, 0, sizeof(*filter));
}

void ecc_filter_clean_up(struct ecc_filter *filter) {
    for (size_t i = 0; i < filter->count; i++) {
        free(filter->terms[i]);
    }
    free(filter->terms);
    ecc_filter_init(filter);
}

static bool s_term_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-/*?[]!:", c) != NULL;
}

enum ecc_status ecc_filter_add(struct ecc_filter *filter, const char *spec, struct ecc_diag *diag) {
    const char *p = spec;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == 0 || len > 200) {
            ecc_diag_set(diag, "'%s': empty or overlong term", spec);
            return ECC_ERR_INVALID;
        }
        for (size_t i = 0; i < len; i++) {
            if (!s_term_char(p[i])) {
                ecc_diag_set(
                    diag, "'%.*s': a term is a case id, a glob or tag:NAME (a-z 0-9 - / * ? [ ] !)", (int)len, p);
                return ECC_ERR_INVALID;
            }
        }
        if (len == 4 && strncmp(p, "tag:", 4) == 0) {
            ecc_diag_set(diag, "'tag:' needs a tag name");
            return ECC_ERR_INVALID;
        }
        char **terms = ecc_array_grow(filter->terms, &filter->capacity, filter->count, sizeof(*terms), 8, SIZE_MAX);
        if (!terms) {
            return ECC_ERR_NOMEM;
        }
        filter->terms = terms;
        filter->terms[filter->count] = strndup(p, len);
        if (!filter->terms[filter->count]) {
            return ECC_ERR_NOMEM;
        }
        filter->count++;
        if (!comma) {
            return ECC_OK;
        }
        p = comma + 1;
    }
}

bool ecc_filter_matches(const struct ecc_filter *filter, const struct ecc_case *c) {
    char qualified[256];
    snprintf(qualified, sizeof(qualified), "%s/%s", c->group, c->id);
    for (size_t i = 0; i < filter->count; i++) {
        const char *term = filter->terms[i];
        if (strncmp(term, "tag:", 4) == 0) {
            if (ecc_case_has_tag(c, term + 4)) {
                return true;
            }
        } else if (fnmatch(term, c->id, 0) == 0 || fnmatch(term, qualified, 0) == 0) {
            return true;
        }
    }
    return false;
}

static int s_compare_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every distinct tag of the suite, sorted (borrowed strings); *count set. NULL when out of memory. */
static const char **s_suite_tags(const struct ecc_suite *suite, size_t *count) {
    size_t total = 0;
    for (size_t i = 0; i < suite->count; i++) {
        total += json_array_size(suite->cases[i]->tags);
    }
    const char **tags = calloc(total ? total : 1, sizeof(*tags));
    if (!tags) {
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < suite->count; i++) {
        size_t k;
        const json_t *tag;
        json_array_foreach(suite->cases[i]->tags, k, tag) {
            tags[n++] = json_string_value(tag);
        }
    }
    qsort(tags, n, sizeof(*tags), s_compare_strings);
    size_t unique = 0;
    for (size_t i = 0; i < n; i++) {
        if (unique == 0 || strcmp(tags[unique - 1], tags[i]) != 0) {
            tags[unique++] = tags[i];
        }
    }
    *count = unique;
    return tags;
}

enum ecc_status ecc_suite_tags_format(const struct ecc_suite *suite, struct ecc_buf *out) {
    size_t count = 0;
    const char **tags = s_suite_tags(suite, &count);
    if (!tags) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = ECC_OK;
    for (size_t i = 0; i < count; i++) {
        size_t cases = 0;
        for (size_t j = 0; j < suite->count; j++) {
            cases += ecc_case_has_tag(suite->cases[j], tags[i]);
        }
        status = ecc_buf_printf(out, "%s%s (%zu)", i ? ", " : "", tags[i], cases);
        if (status != ECC_OK) {
            goto done;
        }
    }
done:
    free(tags);
    return status;
}

enum ecc_status ecc_filter_check(
    const struct ecc_filter *filter, const struct ecc_suite *suite, const char *option, struct ecc_diag *diag) {
    for (size_t t = 0; t < filter->count; t++) {
        struct ecc_filter one = {.terms = &filter->terms[t], .count = 1, .capacity = 1};
        bool matched = false;
        for (size_t i = 0; i < suite->count && !matched; i++) {
            matched = ecc_filter_matches(&one, suite->cases[i]);
        }
        if (matched) {
            continue;
        }
        const char *term = filter->terms[t];
        char hint[400] = "";
        if (strncmp(term, "tag:", 4) == 0) {
            size_t count = 0;
            const char **tags = s_suite_tags(suite, &count);
            if (!tags) {
                return ECC_ERR_NOMEM;
            }
            ecc_did_you_mean(term + 4, tags, count, hint, sizeof(hint));
            if (!hint[0]) {
                size_t used = (size_t)snprintf(hint, sizeof(hint), "; known tags:");
                for (size_t i = 0; i < count && used < sizeof(hint); i++) {
                    used += (size_t)snprintf(hint + used, sizeof(hint) - used, " %s", tags[i]);
                }
            }
            free(tags);
        } else {
            const char **ids = calloc(suite->count ? suite->count : 1, sizeof(*ids));
            if (!ids) {
                return ECC_ERR_NOMEM;
            }
            for (size_t i = 0; i < suite->count; i++) {
                ids[i] = suite->cases[i]->id;
            }
            ecc_did_you_mean(term, ids, suite->count, hint, sizeof(hint));
            free(ids);
        }
        ecc_diag_set(
            diag,
            "%s '%s' matches none of the %zu cases loaded%s (see --list, --tags)",
            option,
            term,
            suite->count,
            hint);
        return ECC_ERR_NOT_FOUND;
    }
    return ECC_OK;
}

static void s_shuffle(struct ecc_plan_item *items, size_t count, uint64_t *state) {
    for (size_t i = count; i > 1; i--) {
        size_t j = (size_t)(ecc_vars_rng_next(state) % i);
        struct ecc_plan_item tmp = items[i - 1];
        items[i - 1] = items[j];
        items[j] = tmp;
    }
}

/* The first run variable the case uses that has no value, or -1. */
static int s_missing_run_var(const struct ecc_case *c, const json_t *run_vars) {
    for (size_t i = 0; i < ecc_case_run_var_count; i++) {
        if ((c->run_vars & (1u << i)) && !json_object_get(run_vars, ecc_case_run_vars[i].name)) {
            return (int)i;
        }
    }
    return -1;
}

/* ---- shared-cluster mode ---------------------------------------------------------------------------- */

static enum ecc_status s_note_cluster_ref(void *user_data, const char *name, struct ecc_diag *diag) {
    (void)diag;
    if (strcmp(name, ECC_RUN_VAR_CLUSTER) == 0) {
        *(bool *)user_data = true;
    }
    return ECC_OK;
}

/* Does any string under `value` (not object keys) reference ${cluster}? */
static bool s_mentions_cluster(const json_t *value) {
    if (json_is_string(value)) {
        bool found = false;
        struct ecc_diag diag;
        /* The loader checked the syntax: a scan error cannot happen here, and would find nothing. */
        return ecc_vars_scan(json_string_value(value), s_note_cluster_ref, &found, &diag) == ECC_OK && found;
    }
    size_t i;
    const char *key;
    const json_t *item;
    if (json_is_array(value)) {
        json_array_foreach(value, i, item) {
            if (s_mentions_cluster(item)) {
                return true;
            }
        }
    } else if (json_is_object(value)) {
        json_object_foreach((json_t *)value, key, item) {
            if (s_mentions_cluster(item)) {
                return true;
            }
        }
    }
    return false;
}

/* The JSON body a step sends, as written (a call's body, a fixture's merged with `merge`, a raw body); NULL
 * when it has none it can be read from. A new reference. */
static json_t *s_step_body(const struct ecc_step *step) {
    if (step->kind == ECC_STEP_CALL) {
        return json_incref((json_t *)step->body);
    }
    const json_t *raw_body = json_object_get(step->raw, "body");
    if (raw_body) {
        return json_incref((json_t *)raw_body);
    }
    if (step->fixture && step->fixture->body) {
        return step->merge ? ecc_json_merge_patch(step->fixture->body, step->merge)
                           : json_incref((json_t *)step->fixture->body);
    }
    return NULL;
}

/* Everything of a step that is expanded before it is sent or checked; `body` is the JSON body it sends
 * (s_step_body: a fixture's after `merge`, so a member the merge removes does not count). */
static bool s_step_mentions_cluster(const struct ecc_step *step, const json_t *body) {
    const struct ecc_fixture *f = step->fixture;
    const json_t *parts[] = {
        body,
        step->raw,
        step->control,
        step->confirm_spec,
        step->expect.status,
        step->expect.error,
        step->expect.headers,
        step->expect.body,
        f ? f->headers : NULL,
    };
    for (size_t i = 0; i < ECC_ARRAY_LEN(parts); i++) {
        if (parts[i] && s_mentions_cluster(parts[i])) {
            return true;
        }
    }
    if (f && f->body_text && !body) {
        json_t *text = json_string(f->body_text);
        bool found = text && s_mentions_cluster(text);
        json_decref(text);
        return found;
    }
    return false;
}

/* Is the step exactly `{"call": "CreateCluster", "body": {"clusterName": "${cluster}"}}`, signed with the
 * run's key? */
static bool s_plain_create(const struct ecc_step *step) {
    const struct ecc_step_sign *sign = &step->sign;
    const char *name = json_string_value(json_object_get(step->body, "clusterName"));
    return step->kind == ECC_STEP_CALL && json_object_size(step->body) == 1 && name &&
           strcmp(name, "${" ECC_RUN_VAR_CLUSTER "}") == 0 && sign->mode == ECC_SIGN_SIGV4 &&
           sign->date_offset_s == 0 && !sign->second_credentials && !sign->unknown_credentials;
}

bool ecc_plan_shared_cluster_conflict(const struct ecc_case *c, char *why, size_t why_size) {
    if (c->exclusive) {
        snprintf(why, why_size, "it is exclusive (it changes state every case shares, the shared cluster too)");
        return true;
    }
    bool created = false;
    for (size_t part = 0; part < 2; part++) {
        const struct ecc_step *steps = part ? c->cleanup : c->steps;
        size_t count = part ? c->cleanup_count : c->step_count;
        for (size_t i = 0; i < count; i++) {
            const struct ecc_step *step = &steps[i];
            const char *operation = step->operation ? step->operation : "";
            json_t *body = s_step_body(step);
            bool mentions = s_step_mentions_cluster(step, body);
            const char *problem = NULL;
            char settings[200] = "";
            if (strcmp(operation, "DeleteCluster") == 0) {
                problem = "deletes a cluster";
            } else if (strcmp(operation, "CreateCluster") == 0 && s_plain_create(step)) {
                created = true;
            } else if (strcmp(operation, "CreateCluster") == 0) {
                const char *key;
                const json_t *item;
                json_object_foreach(body, key, item) {
                    if (strcmp(key, "clusterName") != 0) {
                        size_t used = strlen(settings);
                        snprintf(settings + used, sizeof(settings) - used, "%s%s", used ? ", " : "", key);
                    }
                }
                problem = settings[0] ? "creates a cluster with settings of its own" : "creates a cluster of its own";
            } else if (step->kind == ECC_STEP_CONTROL && mentions) {
                problem = "has a control action scoped to ${cluster}, which would act on every case in it";
            } else if (mentions && !created && !step->is_cleanup) {
                problem =
                    "uses ${cluster} without creating it first (the case is not written for a cluster that exists)";
            } else if (
                strcmp(operation, "ListTasks") == 0 && mentions &&
                (json_object_get(body, "maxResults") || json_object_get(body, "nextToken"))) {
                problem = "pages ListTasks of ${cluster} (other cases' tasks would shift the pages)";
            }
            json_decref(body);
            if (problem) {
                snprintf(
                    why,
                    why_size,
                    "%s %s%s%s%s",
                    step->label,
                    problem,
                    settings[0] ? " (" : "",
                    settings,
                    settings[0] ? ")" : "");
                return true;
            }
        }
    }
    return false;
}

enum ecc_status ecc_shard_parse(const char *text, struct ecc_shard *shard, struct ecc_diag *diag) {
    unsigned long index = 0, count = 0;
    char *end = NULL;
    const char *slash = text ? strchr(text, '/') : NULL;
    bool digits = text && slash && slash > text && slash[1] != '\0';
    for (const char *p = text; digits && *p; p++) {
        digits = (*p >= '0' && *p <= '9') || p == slash;
    }
    if (digits) {
        errno = 0;
        index = strtoul(text, &end, 10);
        count = end == slash ? strtoul(slash + 1, &end, 10) : 0;
        digits = errno == 0 && *end == '\0';
    }
    if (!digits) {
        ecc_diag_set(diag, "'%s' is not I/N (two numbers, e.g. 2/5: the second of five shards)", text ? text : "");
        return ECC_ERR_INVALID;
    }
    if (count < 1 || count > ECC_SHARD_MAX_COUNT || index < 1 || index > count) {
        ecc_diag_set(diag, "'%s': I/N needs 1 <= I <= N <= %d (shards are numbered from 1)", text, ECC_SHARD_MAX_COUNT);
        return ECC_ERR_INVALID;
    }
    shard->index = (unsigned)index;
    shard->count = (unsigned)count;
    return ECC_OK;
}

struct s_shard_key {
    const char *key;
    size_t index;
};

static int s_shard_key_compare(const void *a, const void *b) {
    const struct s_shard_key *x = a, *y = b;
    int order = strcmp(x->key, y->key);
    return order ? order : (x->index > y->index) - (x->index < y->index);
}

enum ecc_status ecc_shard_select(const struct ecc_shard *shard, const char *const *keys, size_t count, bool *selected) {
    if (!shard || shard->count == 0) {
        for (size_t i = 0; i < count; i++) {
            selected[i] = true;
        }
        return ECC_OK;
    }
    struct s_shard_key *sorted = calloc(count ? count : 1, sizeof(*sorted));
    if (!sorted) {
        return ECC_ERR_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        sorted[i] = (struct s_shard_key){.key = keys[i], .index = i};
    }
    qsort(sorted, count, sizeof(*sorted), s_shard_key_compare);
    for (size_t position = 0; position < count; position++) {
        selected[sorted[position].index] = position % shard->count == shard->index - 1;
    }
    free(sorted);
    return ECC_OK;
}

/* Which of the suite's cases are in the options' shard, keyed by "group/id". */
static enum ecc_status s_shard_cases(const struct ecc_suite *suite, const struct ecc_shard *shard, bool *selected) {
    enum ecc_status status = ECC_OK;
    size_t count = suite->count;
    char **keys = calloc(count ? count : 1, sizeof(*keys));
    if (!keys) {
        return ECC_ERR_NOMEM;
    }
    for (size_t i = 0; i < count; i++) {
        const struct ecc_case *c = suite->cases[i];
        size_t len = strlen(c->group) + strlen(c->id) + 2;
        keys[i] = malloc(len);
        if (!keys[i]) {
            status = ECC_ERR_NOMEM;
            goto done;
        }
        snprintf(keys[i], len, "%s/%s", c->group, c->id);
    }
    status = ecc_shard_select(shard, (const char *const *)keys, count, selected);
done: /* the keys go on both paths */
    for (size_t i = 0; i < count; i++) {
        free(keys[i]);
    }
    free(keys);
    return status;
}

enum ecc_status
ecc_plan_build(struct ecc_plan *plan, const struct ecc_suite *suite, const struct ecc_plan_options *options) {
    memset(plan, 0, sizeof(*plan));
    plan->items = calloc(suite->count ? suite->count : 1, sizeof(*plan->items));
    bool *in_shard = calloc(suite->count ? suite->count : 1, sizeof(*in_shard));
    if (!plan->items || !in_shard || s_shard_cases(suite, &options->shard, in_shard) != ECC_OK) {
        free(in_shard);
        ecc_plan_clean_up(plan);
        return ECC_ERR_NOMEM;
    }
    for (size_t i = 0; i < suite->count; i++) {
        const struct ecc_case *c = suite->cases[i];
        if (!in_shard[i]) {
            plan->sharded_out++;
            continue;
        }
        if ((options->only && options->only->count && !ecc_filter_matches(options->only, c)) ||
            (options->skip && ecc_filter_matches(options->skip, c))) {
            plan->filtered_out++;
            continue;
        }
        struct ecc_plan_item *item = &plan->items[plan->count++];
        char why[200];
        item->c = c;
        item->action = ECC_PLAN_RUN;
        item->expect_fail = options->expect_fail ? ecc_expect_fail_find(options->expect_fail, c) : NULL;
        unsigned missing = c->requires & ~options->capabilities;
        if (missing) {
            item->action = ECC_PLAN_SKIP;
            const char *name = ecc_capability_name(missing & (~missing + 1));
            snprintf(
                item->skip_reason,
                sizeof(item->skip_reason),
                "needs the '%s' capability, which the endpoint's profile lacks",
                name ? name : "?");
        } else if (s_missing_run_var(c, options->run_vars) >= 0) {
            const char *name = ecc_case_run_vars[s_missing_run_var(c, options->run_vars)].name;
            item->action = ECC_PLAN_SKIP;
            snprintf(
                item->skip_reason,
                sizeof(item->skip_reason),
                "uses ${%s}, which has no value: give --var %s=ID (the profile has no default)",
                name,
                name);
        } else if (
            ecc_case_shared_cluster(options->run_vars) && ecc_plan_shared_cluster_conflict(c, why, sizeof(why))) {
            item->action = ECC_PLAN_SKIP;
            snprintf(
                item->skip_reason,
                sizeof(item->skip_reason),
                "cannot run in the shared cluster (--var cluster): %.200s",
                why);
        } else if (c->starts_tasks && !options->loopback && !options->allow_tasks) {
            item->action = ECC_PLAN_SKIP;
            snprintf(
                item->skip_reason,
                sizeof(item->skip_reason),
                "starts tasks on an endpoint off loopback, which costs money: opt in with --allow-tasks");
        }
    }
    /* Exclusive cases first, then the rest; each part shuffled by the seed. */
    size_t exclusive = 0;
    for (size_t i = 0; i < plan->count; i++) {
        if (plan->items[i].c->exclusive) {
            struct ecc_plan_item tmp = plan->items[exclusive];
            plan->items[exclusive] = plan->items[i];
            plan->items[i] = tmp;
            exclusive++;
        }
    }
    free(in_shard);
    uint64_t state = options->seed;
    s_shuffle(plan->items, exclusive, &state);
    s_shuffle(plan->items + exclusive, plan->count - exclusive, &state);
    return ECC_OK;
}

void ecc_plan_clean_up(struct ecc_plan *plan) {
    free(plan->items);
    memset(plan, 0, sizeof(*plan));
}

void ecc_backoff_init_default(struct ecc_backoff *backoff) {
    backoff->initial_ms = ECC_BACKOFF_DEFAULT_INITIAL_MS;
    backoff->max_delay_ms = ECC_BACKOFF_DEFAULT_MAX_DELAY_MS;
    backoff->total_ms = ECC_BACKOFF_DEFAULT_TOTAL_MS;
}

bool ecc_backoff_next(const struct ecc_backoff *backoff, unsigned retries, uint64_t elapsed_ms, uint64_t *delay_ms) {
    if (elapsed_ms >= backoff->total_ms) {
        return false;
    }
    uint64_t delay = backoff->initial_ms ? backoff->initial_ms : 1;
    for (unsigned i = 0; i < retries && delay < backoff->max_delay_ms; i++) {
        delay *= 2;
    }
    if (delay > backoff->max_delay_ms) {
        delay = backoff->max_delay_ms;
    }
    if (delay > backoff->total_ms - elapsed_ms) {
        delay = backoff->total_ms - elapsed_ms;
    }
    *delay_ms = delay;
    return true;
}

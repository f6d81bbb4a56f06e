#include "ecc/plan.h"

#include "ecc/vars.h"

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

enum ecc_status
ecc_plan_build(struct ecc_plan *plan, const struct ecc_suite *suite, const struct ecc_plan_options *options) {
    memset(plan, 0, sizeof(*plan));
    plan->items = calloc(suite->count ? suite->count : 1, sizeof(*plan->items));
    if (!plan->items) {
        return ECC_ERR_NOMEM;
    }
    for (size_t i = 0; i < suite->count; i++) {
        const struct ecc_case *c = suite->cases[i];
        if ((options->only && options->only->count && !ecc_filter_matches(options->only, c)) ||
            (options->skip && ecc_filter_matches(options->skip, c))) {
            plan->filtered_out++;
            continue;
        }
        struct ecc_plan_item *item = &plan->items[plan->count++];
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

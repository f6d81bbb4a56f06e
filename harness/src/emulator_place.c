/*
 * Simulated EC2 capacity: instances with CPU units and MiB, the memberOf and distinctInstance
 * constraints, the binpack / spread / random strategies, and the failure reasons of a task that does
 * not fit (docs/EMULATOR.md, "Placement").
 */
#include "emulator_place.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *const s_zones[] = {"a", "b", "c"};

void emu_instance_attribute(const struct ecc_emulator *emu, size_t index, const char *name, char *out, size_t size) {
    out[0] = '\0';
    if (strcmp(name, "ecs.availability-zone") == 0) {
        emu_concat(out, size, emu->region, s_zones[index % 3], (const char *)NULL);
    } else if (strcmp(name, "ecs.instance-type") == 0) {
        snprintf(out, size, "%s", "m5.xlarge");
    } else if (strcmp(name, "ecs.os-type") == 0) {
        snprintf(out, size, "%s", "linux");
    } else if (strcmp(name, "ecs.cpu-architecture") == 0) {
        snprintf(out, size, "%s", "x86_64");
    } else if (strcmp(name, "ecs.ami-id") == 0) {
        snprintf(out, size, "%s", "ami-0ecc0ecc0ecc0ecc0");
    }
}

void emu_instance_arn(
    const struct ecc_emulator *emu, const struct emu_cluster *cluster, size_t index, char *out, size_t size) {
    uint64_t h[2];
    h[0] = emu_hash(cluster->arn, strlen(cluster->arn), index + 1);
    h[1] = emu_hash(&h[0], sizeof(h[0]), 7);
    uint8_t bytes[16]; /* each hash most significant byte first, as "%016llx" prints it */
    for (size_t i = 0; i < 16; i++) {
        bytes[i] = (uint8_t)(h[i / 8] >> (56 - 8 * (i % 8)));
    }
    char id[33];
    ecc_hex_encode(bytes, sizeof(bytes), id);
    emu_cluster_resource_arn(emu, cluster, "container-instance", id, out, size);
}

/* ------------------------------------------------------------ cluster query language (subset) */

struct s_lexer {
    const char *p;
};

static void s_skip(struct s_lexer *lx) {
    while (*lx->p == ' ' || *lx->p == '\t') {
        lx->p++;
    }
}

/* A bare word: letters, digits and . - _ : / * (attribute names and values). */
static size_t s_word(struct s_lexer *lx, char *out, size_t size) {
    s_skip(lx);
    size_t n = 0;
    while (*lx->p && (isalnum((unsigned char)*lx->p) || strchr(".-_:/*", *lx->p))) {
        if (n + 1 < size) {
            out[n++] = *lx->p;
        }
        lx->p++;
    }
    out[n] = '\0';
    return n;
}

static bool s_match_value(const char *pattern, const char *value) {
    /* A trailing '*' is a prefix wildcard, as in `attribute:ecs.instance-type =~ t2.*`. */
    size_t len = strlen(pattern);
    if (len && pattern[len - 1] == '*') {
        return strncmp(pattern, value, len - 1) == 0;
    }
    return strcmp(pattern, value) == 0;
}

/* One comparison; -1 on a syntax error. */
static int s_term(struct s_lexer *lx, const struct ecc_emulator *emu, size_t instance) {
    char word[128];
    s_skip(lx);
    bool negate = false;
    if (strncmp(lx->p, "not ", 4) == 0 || *lx->p == '!') {
        negate = true;
        lx->p += *lx->p == '!' ? 1 : 4;
    }
    if (!s_word(lx, word, sizeof(word)) || strncmp(word, "attribute:", 10) != 0) {
        return -1;
    }
    char actual[128];
    emu_instance_attribute(emu, instance, word + 10, actual, sizeof(actual));
    s_skip(lx);
    int result;
    if (strncmp(lx->p, "exists", 6) == 0) {
        lx->p += 6;
        result = actual[0] != '\0';
    } else if (
        strncmp(lx->p, "==", 2) == 0 || strncmp(lx->p, "!=", 2) == 0 || strncmp(lx->p, "=~", 2) == 0 ||
        strncmp(lx->p, "!~", 2) == 0) {
        bool not_equal = lx->p[0] == '!';
        lx->p += 2;
        if (!s_word(lx, word, sizeof(word))) {
            return -1;
        }
        result = s_match_value(word, actual) != not_equal;
    } else if (strncmp(lx->p, "in", 2) == 0 || strncmp(lx->p, "not_in", 6) == 0) {
        bool not_in = lx->p[0] == 'n';
        lx->p += not_in ? 6 : 2;
        s_skip(lx);
        if (*lx->p != '[' && *lx->p != '(') {
            return -1;
        }
        char close = *lx->p == '[' ? ']' : ')';
        lx->p++;
        bool found = false;
        for (;;) {
            if (!s_word(lx, word, sizeof(word))) {
                return -1;
            }
            found |= s_match_value(word, actual);
            s_skip(lx);
            if (*lx->p == ',') {
                lx->p++;
                continue;
            }
            if (*lx->p != close) {
                return -1;
            }
            lx->p++;
            break;
        }
        result = found != not_in;
    } else {
        return -1;
    }
    return negate ? !result : result;
}

int emu_expression_eval(const char *expression, const struct ecc_emulator *emu, size_t instance) {
    struct s_lexer lx = {expression};
    int value = s_term(&lx, emu, instance);
    for (;;) {
        if (value < 0) {
            return -1;
        }
        s_skip(&lx);
        if (*lx.p == '\0') {
            return value;
        }
        bool is_and;
        if (strncmp(lx.p, "and ", 4) == 0 || strncmp(lx.p, "&&", 2) == 0) {
            is_and = true;
            lx.p += lx.p[0] == '&' ? 2 : 4;
        } else if (strncmp(lx.p, "or ", 3) == 0 || strncmp(lx.p, "||", 2) == 0) {
            is_and = false;
            lx.p += lx.p[0] == '|' ? 2 : 3;
        } else {
            return -1;
        }
        int next = s_term(&lx, emu, instance);
        if (next < 0) {
            return -1;
        }
        value = is_and ? (value && next) : (value || next); /* left to right, as written */
    }
}

/* ------------------------------------------------------------ placement */

bool emu_place_check_expressions(
    const struct ecc_emulator *emu, const char *const *expressions, size_t count, struct emu_error *err) {
    for (size_t i = 0; i < count; i++) {
        if (emu_expression_eval(expressions[i], emu, 0) < 0) {
            emu_error_set(
                err,
                ECC_ERROR_INVALID_PARAMETER,
                "The memberOf expression '%.200s' is not a valid cluster query expression.",
                expressions[i]);
            return false;
        }
    }
    return true;
}

void emu_place(
    const struct ecc_emulator *emu,
    struct emu_cluster *cluster,
    const struct emu_place_request *req,
    int32_t *used_cpu,
    int32_t *used_memory,
    bool *taken,
    struct emu_place_result *out) {
    out->instance = -1;
    out->reason = NULL;
    out->fail_instance = -1;
    if (cluster->instance_count == 0) {
        out->reason = "No Container Instances were found in your cluster.";
        return;
    }
    bool any_member = false, any_distinct = false, any_cpu = false;
    int32_t best = -1;
    int64_t best_score = 0;
    for (size_t i = 0; i < cluster->instance_count; i++) {
        bool member = true;
        for (size_t c = 0; c < req->member_of_count && member; c++) {
            member = emu_expression_eval(req->member_of[c], emu, i) == 1;
        }
        if (!member) {
            continue;
        }
        any_member = true;
        if (req->distinct_instance && taken[i]) {
            continue;
        }
        any_distinct = true;
        if (out->fail_instance < 0) {
            out->fail_instance = (int32_t)i;
        }
        int32_t free_cpu = cluster->instance_cpu - used_cpu[i];
        int32_t free_memory = cluster->instance_memory - used_memory[i];
        if (free_cpu < req->cpu) {
            continue;
        }
        any_cpu = true;
        if (free_memory < req->memory) {
            continue;
        }
        /* binpack: the tightest fit on its field; otherwise (spread, random, none): the emptiest. */
        int64_t score;
        if (req->binpack_memory) {
            score = free_memory - req->memory;
        } else if (req->binpack_cpu) {
            score = free_cpu - req->cpu;
        } else {
            score = (int64_t)used_cpu[i] + used_memory[i];
        }
        if (best < 0 || score < best_score) {
            best = (int32_t)i;
            best_score = score;
        }
    }
    if (best >= 0) {
        out->instance = best;
        used_cpu[best] += req->cpu;
        used_memory[best] += req->memory;
        taken[best] = true;
        return;
    }
    if (!any_member) {
        out->reason = "MemberOf placement constraint unsatisfied.";
    } else if (!any_distinct) {
        out->reason = "DistinctInstance placement constraint unsatisfied.";
    } else if (!any_cpu) {
        out->reason = "RESOURCE:CPU";
    } else {
        out->reason = "RESOURCE:MEMORY";
    }
}

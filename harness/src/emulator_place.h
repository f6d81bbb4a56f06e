#ifndef ECC_EMULATOR_PLACE_H
#define ECC_EMULATOR_PLACE_H
/* Private to the emulator: simulated EC2 capacity and placement (emulator_place.c). */
#include "emulator_internal.h"

/* One task to place. */
struct emu_place_request {
    int32_t cpu;
    int32_t memory;
    const char *const *member_of; /* memberOf expressions (task definition and request) */
    size_t member_of_count;
    bool distinct_instance;
    bool binpack_cpu;
    bool binpack_memory;
};

struct emu_place_result {
    int32_t instance;      /* the chosen instance, -1 when none */
    const char *reason;    /* static failure reason when instance < 0 */
    int32_t fail_instance; /* the instance the failure names, -1: the cluster */
};

/*
 * Chooses an instance for one task against the working usage arrays (`used_cpu`, `used_memory`, one
 * per instance, updated on success) and `taken` (instances that already hold a task of the group,
 * for distinctInstance). Never fails: a task that does not fit gets a reason.
 */
void emu_place(
    const struct ecc_emulator *emu,
    struct emu_cluster *cluster,
    const struct emu_place_request *req,
    int32_t *used_cpu,
    int32_t *used_memory,
    bool *taken,
    struct emu_place_result *out);

/* 1 when instance `instance` satisfies the expression, 0 when not, -1 when it is not valid. */
int emu_expression_eval(const char *expression, const struct ecc_emulator *emu, size_t instance);
/* InvalidParameterException for the first expression that is not valid. */
bool emu_place_check_expressions(
    const struct ecc_emulator *emu, const char *const *expressions, size_t count, struct emu_error *err);

/* The attribute of a simulated instance ("" when it has none): ecs.availability-zone, ... */
void emu_instance_attribute(const struct ecc_emulator *emu, size_t index, const char *name, char *out, size_t size);
void emu_instance_arn(
    const struct ecc_emulator *emu, const struct emu_cluster *cluster, size_t index, char *out, size_t size);

#endif

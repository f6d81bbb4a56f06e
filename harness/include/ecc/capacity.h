#ifndef ECC_CAPACITY_H
#define ECC_CAPACITY_H
/*
 * Floor 4: EC2 capacity for endpoints that place EC2 tasks only on registered container instances and
 * let a client register one (moto). For each cluster a case creates, the runner starts EC2 instances
 * (EC2 RunInstances, the EC2 Query protocol) and registers each in the cluster (ECS
 * RegisterContainerInstance with an instance identity document naming that instance); in the case's
 * cleanup it deregisters them (`force`, after its tasks are stopped) and terminates the instances.
 * Without this, every EC2 case on such an endpoint ends in placement before the rule it was written for.
 *
 * This module only builds those requests and reads their answers; the runner signs them (service `ec2`
 * for EC2, `ecs` for ECS) and sends them through the run's transport, like every step. Real ECS cannot
 * use it (its identity documents are signed by EC2 and the ECS agent registers instances).
 *
 * The one value read from EC2's XML answers is the `instanceId` (and, on an error, the `Code`), found
 * with a POSIX regular expression on the bounded answer: no XML is parsed.
 */
#include "ecc/common.h"
#include "ecc/http.h"

#include <jansson.h>

/* Most instances per cluster a profile may ask for (each costs two calls per case and two in cleanup). */
#define ECC_CAPACITY_MAX_INSTANCES 10
/* The image RunInstances asks for: one of moto's built-in AMIs (moto warns about, but accepts, others). */
#define ECC_CAPACITY_IMAGE_ID      "ami-12c6146b"
#define ECC_CAPACITY_INSTANCE_TYPE "t2.micro"
#define ECC_CAPACITY_EC2_VERSION   "2016-11-15"

/*
 * The EC2 RunInstances request (POST /, form-encoded Query body) for `count` instances (1..
 * ECC_CAPACITY_MAX_INSTANCES) tagged `Name` = `name` (the case's cluster, so leftovers carry the run
 * prefix). `out` must be initialized; it owns what it receives. Not signed.
 */
enum ecc_status ecc_capacity_build_run_instances(
    struct ecc_http_request *out, unsigned count, const char *name, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/* The EC2 TerminateInstances request for the instance ids of `ids` (a JSON array of 1..
 * ECC_CAPACITY_MAX_INSTANCES strings). Same ownership. Not signed. */
enum ecc_status ecc_capacity_build_terminate_instances(
    struct ecc_http_request *out, const json_t *ids, struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

/*
 * The instance ids of a RunInstances answer, as a new JSON array in `*ids` (the caller's). Exactly
 * `expected` ids must be there. An answer other than 200 is ECC_ERR_INVALID with the HTTP status and
 * EC2's error code in `diag`; a 200 without the ids is ECC_ERR_NOT_FOUND.
 */
enum ecc_status ecc_capacity_read_instance_ids(
    const struct ecc_http_response *response, unsigned expected, json_t **ids, struct ecc_diag *diag)
    ECC_WARN_UNUSED_RESULT;

/* RegisterContainerInstance's body: the cluster and an instance identity document naming the instance.
 * New reference (the caller's), NULL when out of memory. */
json_t *ecc_capacity_register_body(const char *cluster, const char *instance_id);

#endif

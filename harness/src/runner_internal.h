#ifndef ECC_RUNNER_INTERNAL_H
#define ECC_RUNNER_INTERNAL_H
/*
 * Private to the runner (runner.c, runner_start.c): the endpoint probe the preflight and the circuit
 * breaker share.
 */
#include "ecc/runner.h"
#include "ecc/sigv4.h"
#include "ecc/transport.h"

/*
 * One signed ListTasks of a cluster that does not exist (`<prefix>-preflight`) through `transport` and
 * `signer` (the caller's; `key_cache` may be NULL): ECC_OK when the endpoint answers in AWS JSON with
 * anything but a refusal of the credentials, the signature or the region; ECC_ERR_IO (no usable answer,
 * not AWS JSON, a 5xx), ECC_ERR_AUTH (refused) or ECC_ERR_NOMEM otherwise, with the reason in `diag`.
 */
enum ecc_status ecc_runner_probe(
    const struct ecc_runner_options *options,
    struct ecc_transport *transport,
    struct ecc_sigv4_signer *signer,
    struct ecc_sigv4_key_cache *key_cache,
    struct ecc_diag *diag) ECC_WARN_UNUSED_RESULT;

#endif

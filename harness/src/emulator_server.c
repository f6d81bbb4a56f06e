/* The emulator behind the libmicrohttpd glue, in-process on a loopback port. */
#include "ecc/emulator.h"
#include "ecc/server.h"

#include <stdlib.h>

struct ecc_emulator_server {
    struct ecc_emulator *emulator;
    struct ecc_server *server;
};

struct ecc_emulator_server *ecc_emulator_server_start(
    const struct ecc_emulator_options *options,
    const struct ecc_server_options *server_options,
    struct ecc_diag *diag) {
    struct ecc_emulator_server *out = calloc(1, sizeof(*out));
    if (!out) {
        ecc_diag_set(diag, "out of memory");
        return NULL;
    }
    out->emulator = ecc_emulator_new(options);
    if (!out->emulator) {
        ecc_diag_set(diag, "emulator: invalid options (keys need an access key, a secret and a 12-digit account)");
        free(out);
        return NULL;
    }
    struct ecc_server_options defaults;
    ecc_server_options_init(&defaults);
    if (server_options) {
        defaults = *server_options;
    }
    if (!defaults.max_body_bytes && options) {
        defaults.max_body_bytes = options->max_body_bytes;
    }
    out->server = ecc_server_new(&defaults, ecc_emulator_handle, out->emulator, diag);
    if (!out->server) {
        ecc_emulator_destroy(out->emulator);
        free(out);
        return NULL;
    }
    return out;
}

const char *ecc_emulator_server_url(const struct ecc_emulator_server *server) {
    return ecc_server_url(server->server);
}

uint16_t ecc_emulator_server_port(const struct ecc_emulator_server *server) {
    return ecc_server_port(server->server);
}

struct ecc_emulator *ecc_emulator_server_emulator(struct ecc_emulator_server *server) {
    return server->emulator;
}

bool ecc_emulator_server_stop(struct ecc_emulator_server *server, unsigned grace_ms) {
    return ecc_server_stop(server->server, grace_ms);
}

void ecc_emulator_server_destroy(struct ecc_emulator_server *server) {
    if (!server) {
        return;
    }
    ecc_server_destroy(server->server); /* stops first: no handler runs after this */
    ecc_emulator_destroy(server->emulator);
    free(server);
}

/* `ecsconf emulate`: the reference emulator on a local port until SIGINT or SIGTERM. */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/emulator.h"
#include "ecc/server.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf emulate [options]\n"
        "\n"
        "A strict, in-memory Amazon ECS endpoint that implements RunTask as documented (plus CreateCluster,\n"
        "DeleteCluster, RegisterTaskDefinition, DeregisterTaskDefinition, DescribeTasks, ListTasks, StopTask),\n"
        "with SigV4 verification, clientToken idempotency, task lifecycle, capacity and fault injection.\n"
        "Every choice made where AWS is silent is in docs/EMULATOR.md.\n"
        "\n"
        "Options:\n"
        "  --listen ADDR:PORT   address to bind (default 127.0.0.1:0). Port 0 picks a free port and prints\n"
        "                       it alone on stdout, so scripts can read it. IPv6: [::1]:PORT\n"
        "  --threads N          worker threads (default 4)\n"
        "  --region REGION      the region served and signed for (default " ECC_EMULATOR_DEFAULT_REGION ")\n"
        "  --keys FILE          the accepted keys, one per line (the key file of `ecsconf verify` too):\n"
        "                         ACCESS_KEY_ID SECRET_ACCESS_KEY [account=12DIGITS] [session_token=TOKEN]\n"
        "                       '#' starts a comment; account defaults to " ECC_EMULATOR_DEFAULT_ACCOUNT ".\n"
        "                       Default: the documented test keys below\n"
        "  --no-auth            accept unsigned requests (all count as the first key's account). Unsafe.\n"
        "  --control            serve POST " ECC_EMULATOR_CONTROL_PATH " (fault injection, clock, capacity,\n"
        "                       policy, blocks, reset); anyone who can reach the port can use it\n"
        "  --config FILE        apply a JSON array of control actions at start (works without --control)\n"
        "  --max-tasks N        tasks kept in memory (default 100000); stopped ones go first\n"
        "  --seed N             seed of the task ids (same seed, same ARNs)\n"
        "  --defect NAME        break one rule on purpose, to show that the suite catches it (repeatable):\n"
        "                       ignore-client-token (retries start new tasks), replay-before-authorization\n"
        "                       (a known clientToken is answered before the caller's policy is checked).\n"
        "                       Never for real use; stated on stderr at start\n"
        "  --tls-cert FILE, --tls-key FILE\n"
        "                       serve HTTPS with this PEM certificate (chain) and key; clients then need\n"
        "                       the certificate's CA (ecsconf run --ca-bundle, aws --ca-bundle)\n"
        "  --help               this text\n"
        "\n"
        "Default test credentials (not secrets; they open only this emulator):\n"
        "  AWS_ACCESS_KEY_ID=" ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID
        "  AWS_SECRET_ACCESS_KEY=" ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY "\n"
        "  account " ECC_EMULATOR_DEFAULT_ACCOUNT "; the key " ECC_EMULATOR_BLOCKED_ACCESS_KEY_ID
        " (same secret) is account " ECC_EMULATOR_BLOCKED_ACCOUNT ",\n"
        "  which a control `block` action can block.\n"
        "\n"
        "Examples:\n"
        "  ecsconf emulate --listen 127.0.0.1:8080 --control &\n"
        "  ecsconf emulate --listen 127.0.0.1:0 >port.txt &   # the first line on stdout is the port\n"
        "  until [ -s port.txt ]; do sleep 0.1; done; PORT=$(head -1 port.txt)\n"
        "  AWS_ACCESS_KEY_ID=" ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID
        " AWS_SECRET_ACCESS_KEY=" ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY " \\\n"
        "    aws ecs create-cluster --cluster-name demo --endpoint-url http://127.0.0.1:8080 --region us-east-1\n"
        "  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \\\n"
        "    -addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem\n"
        "  ecsconf emulate --listen 127.0.0.1:8443 --control --tls-cert cert.pem --tls-key key.pem &\n"
        "  ecsconf run --endpoint https://127.0.0.1:8443 --profile emulator --ca-bundle cert.pem\n"
        "  curl -s -X POST http://127.0.0.1:8080" ECC_EMULATOR_CONTROL_PATH
        " -d '{\"action\":\"inject\",\"operation\":\"RunTask\",\"error\":\"ThrottlingException\"}'\n"
        "\n"
        "Stops gracefully on SIGINT or SIGTERM (requests in flight are answered first).\n");
}

static bool s_parse_unsigned(const char *text, unsigned long long max, unsigned long long *out) {
    char *end = NULL;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || value > max) {
        return false;
    }
    *out = value;
    return true;
}

int ecc_cmd_emulate(int argc, char **argv) {
    const char *cmd = "emulate";
    char address[128] = "127.0.0.1";
    uint16_t port = 0;
    const char *keys_path = NULL, *config_path = NULL;
    struct ecc_emulator_options options;
    ecc_emulator_options_init(&options);
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    struct ecc_cli_tls tls;
    ecc_cli_tls_init(&tls);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long long number = 0;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            s_help(stdout);
            return ECC_EXIT_OK;
        } else if (strcmp(arg, "--no-auth") == 0) {
            options.no_auth = true;
        } else if (strcmp(arg, "--control") == 0) {
            options.control_enabled = true;
        } else if (!value) {
            ecc_cli_error(cmd, "unknown option or missing value: '%s' (see --help)", arg);
            return ECC_EXIT_USAGE;
        } else if (strcmp(arg, "--listen") == 0) {
            struct ecc_diag listen_diag;
            ecc_diag_clear(&listen_diag);
            if (ecc_server_parse_listen(value, address, sizeof(address), &port, &listen_diag) != ECC_OK) {
                ecc_cli_error(cmd, "--listen: %s (e.g. 127.0.0.1:8080 or [::1]:0)", listen_diag.text);
                return ECC_EXIT_USAGE;
            }
            i++;
        } else if (strcmp(arg, "--threads") == 0) {
            if (!s_parse_unsigned(value, 256, &number) || number == 0) {
                ecc_cli_error(cmd, "--threads wants 1 to 256, not '%s'", value);
                return ECC_EXIT_USAGE;
            }
            server_options.thread_count = (unsigned)number;
            i++;
        } else if (strcmp(arg, "--max-tasks") == 0) {
            if (!s_parse_unsigned(value, 100000000, &number) || number == 0) {
                ecc_cli_error(cmd, "--max-tasks wants a positive number, not '%s'", value);
                return ECC_EXIT_USAGE;
            }
            options.max_tasks = (size_t)number;
            i++;
        } else if (strcmp(arg, "--seed") == 0) {
            if (!s_parse_unsigned(value, ULLONG_MAX, &number)) {
                ecc_cli_error(cmd, "--seed wants a number, not '%s'", value);
                return ECC_EXIT_USAGE;
            }
            options.seed = number;
            i++;
        } else if (strcmp(arg, "--defect") == 0) {
            unsigned defect = ecc_emulator_defect_find(value);
            if (!defect) {
                ecc_cli_error(
                    cmd,
                    "--defect: unknown defect '%s' (%s, %s)",
                    value,
                    ecc_emulator_defect_name(0),
                    ecc_emulator_defect_name(1));
                return ECC_EXIT_USAGE;
            }
            options.defects |= defect;
            i++;
        } else if (strcmp(arg, "--region") == 0) {
            options.region = value;
            i++;
        } else if (strcmp(arg, "--keys") == 0) {
            keys_path = value;
            i++;
        } else if (strcmp(arg, "--config") == 0) {
            config_path = value;
            i++;
        } else if (strcmp(arg, "--tls-cert") == 0) {
            tls.cert_file = value;
            i++;
        } else if (strcmp(arg, "--tls-key") == 0) {
            tls.key_file = value;
            i++;
        } else {
            ecc_cli_error(cmd, "unknown option '%s' (see --help)", arg);
            return ECC_EXIT_USAGE;
        }
    }

    int exit_code = ECC_EXIT_SETUP;
    struct ecc_emulator_key *keys = NULL;
    struct ecc_key_file key_file;
    ecc_key_file_init(&key_file);
    struct ecc_emulator_server *server = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    char where[1024];
    int tls_status = ecc_cli_tls_load(cmd, &tls);
    if (tls_status != ECC_EXIT_OK) {
        return tls_status;
    }
    server_options.tls_cert_pem = tls.cert_pem;
    server_options.tls_key_pem = tls.key_pem;
    if (keys_path) {
        enum ecc_status loaded = ecc_key_file_load(&key_file, keys_path, &diag);
        keys = loaded == ECC_OK ? calloc(key_file.count, sizeof(*keys)) : NULL;
        if (!keys) {
            ecc_diag_format(&diag, where, sizeof(where));
            ecc_cli_error(cmd, "--keys: %s", loaded == ECC_OK ? "out of memory" : where);
            ecc_key_file_clean_up(&key_file);
            ecc_cli_tls_clean_up(&tls);
            return loaded == ECC_OK ? ECC_EXIT_INTERNAL : ECC_EXIT_USAGE;
        }
        for (size_t k = 0; k < key_file.count; k++) {
            const struct ecc_key_file_entry *entry = &key_file.keys[k];
            keys[k] = (struct ecc_emulator_key){
                .access_key_id = entry->access_key_id,
                .secret_access_key = entry->secret_access_key,
                .account = entry->account ? entry->account : ECC_EMULATOR_DEFAULT_ACCOUNT,
                .session_token = entry->session_token};
        }
        options.keys = keys;
        options.key_count = key_file.count;
    }
    if (options.no_auth) {
        fprintf(
            stderr,
            "ecsconf emulate: WARNING: --no-auth: SIGNATURES ARE NOT CHECKED. Every request is accepted as account "
            "%s.\n"
            "ecsconf emulate: WARNING: do not expose this port; use it only for local experiments.\n",
            keys ? keys[0].account : ECC_EMULATOR_DEFAULT_ACCOUNT);
    }
    for (size_t i = 0; ecc_emulator_defect_name(i); i++) {
        if (options.defects & ecc_emulator_defect_find(ecc_emulator_defect_name(i))) {
            fprintf(
                stderr,
                "ecsconf emulate: WARNING: --defect %s: this emulator is wrong on purpose\n",
                ecc_emulator_defect_name(i));
        }
    }
    /* Block the signals before any thread starts, so only sigwait below ever sees them. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);

    server_options.address = address;
    server_options.port = port;
    server = ecc_emulator_server_start(&options, &server_options, &diag);
    free(keys); /* the emulator keeps its own copies */
    ecc_key_file_clean_up(&key_file);
    ecc_cli_tls_clean_up(&tls);
    if (!server) {
        ecc_diag_format(&diag, where, sizeof(where));
        ecc_cli_error(cmd, "cannot start: %s", where);
        return ECC_EXIT_SETUP;
    }
    if (config_path && ecc_emulator_load_config(ecc_emulator_server_emulator(server), config_path, &diag) != ECC_OK) {
        ecc_diag_format(&diag, where, sizeof(where));
        ecc_cli_error(cmd, "--config: %s", where);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (port == 0) {
        printf("%u\n", (unsigned)ecc_emulator_server_port(server));
        fflush(stdout);
    }
    fprintf(
        stderr,
        "ecsconf emulate: listening on %s (region %s%s%s); stop with Ctrl-C\n",
        ecc_emulator_server_url(server),
        options.region,
        options.control_enabled ? ", control endpoint " ECC_EMULATOR_CONTROL_PATH : "",
        options.no_auth ? ", NO AUTH" : "");
    int received = 0;
    while (sigwait(&signals, &received) != 0) {
    }
    fprintf(stderr, "ecsconf emulate: %s received, stopping\n", received == SIGINT ? "SIGINT" : "SIGTERM");
    exit_code = ecc_emulator_server_stop(server, 5000) ? ECC_EXIT_OK : ECC_EXIT_FAILED;
done:
    ecc_emulator_server_destroy(server);
    return exit_code;
}

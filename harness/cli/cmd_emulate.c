/* `ecsconf emulate`: the reference emulator on a local port until SIGINT or SIGTERM. */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/emulator.h"
#include "ecc/server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CMD "emulate"

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

/* The command line, as given, in the options it fills. */
struct s_args {
    struct ecc_cli_listen listen;
    const char *keys_path;
    const char *config_path;
    struct ecc_emulator_options options;
    struct ecc_server_options server_options;
    struct ecc_cli_tls tls;
};

/* --defect NAME (user: the emulator options): a known defect; an unknown one is printed. */
static bool s_take_defect(const char *cmd, const char *name, const char *value, void *user) {
    struct ecc_emulator_options *options = user;
    unsigned defect = ecc_emulator_defect_find(value);
    if (!defect) {
        ecc_cli_error(
            cmd,
            "%s: unknown defect '%s' (%s, %s)",
            name,
            value,
            ecc_emulator_defect_name(0),
            ecc_emulator_defect_name(1));
        return false;
    }
    options->defects |= defect;
    return true;
}

/* Reads the command line: ECC_EXIT_OK, ECC_EXIT_USAGE (printed) or ECC_CLI_HELP_SHOWN. */
static int s_parse(int argc, char **argv, struct s_args *args) {
    uint64_t threads = args->server_options.thread_count, max_tasks = args->options.max_tasks;
    const struct ecc_cli_option options[] = {
        {"--listen", .take = ecc_cli_take_listen, .user = &args->listen},
        {"--no-auth", .given = &args->options.no_auth},
        {"--control", .given = &args->options.control_enabled},
        {"--threads", .number = &threads, .min = 1, .max = 256},
        {"--max-tasks", .number = &max_tasks, .min = 1, .max = 100000000},
        {"--seed", .number = &args->options.seed, .max = UINT64_MAX},
        {"--defect", .take = s_take_defect, .user = &args->options},
        {"--region", .value = &args->options.region},
        {"--keys", .value = &args->keys_path},
        {"--config", .value = &args->config_path},
        {"--tls-cert", .value = &args->tls.cert_file},
        {"--tls-key", .value = &args->tls.key_file},
    };
    const struct ecc_cli_parser parser = {
        .cmd = S_CMD, .help = s_help, .options = options, .option_count = ECC_ARRAY_LEN(options)};
    int exit_code = ecc_cli_parse(&parser, argc, argv);
    args->server_options.thread_count = (unsigned)threads;
    args->options.max_tasks = (size_t)max_tasks;
    return exit_code;
}

/* --keys FILE as the emulator's keys (*keys owned by the caller; the entries borrow the file's strings). */
static int s_load_keys(const char *path, struct ecc_key_file *file, struct ecc_emulator_key **keys) {
    int exit_code = ecc_cli_load_key_file(S_CMD, path, file);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    *keys = calloc(file->count, sizeof(**keys));
    if (!*keys) {
        ecc_cli_error(S_CMD, "--keys: out of memory");
        return ECC_EXIT_INTERNAL;
    }
    for (size_t k = 0; k < file->count; k++) {
        const struct ecc_key_file_entry *entry = &file->keys[k];
        (*keys)[k] = (struct ecc_emulator_key){
            .access_key_id = entry->access_key_id,
            .secret_access_key = entry->secret_access_key,
            .account = entry->account ? entry->account : ECC_EMULATOR_DEFAULT_ACCOUNT,
            .session_token = entry->session_token};
    }
    return ECC_EXIT_OK;
}

/* What is unsafe or wrong on purpose is said on stderr before the port opens. */
static void s_warn(const struct ecc_emulator_options *options) {
    if (options->no_auth) {
        fprintf(
            stderr,
            "ecsconf emulate: WARNING: --no-auth: SIGNATURES ARE NOT CHECKED. Every request is accepted as account "
            "%s.\n"
            "ecsconf emulate: WARNING: do not expose this port; use it only for local experiments.\n",
            options->key_count ? options->keys[0].account : ECC_EMULATOR_DEFAULT_ACCOUNT);
    }
    for (size_t i = 0; ecc_emulator_defect_name(i); i++) {
        if (options->defects & ecc_emulator_defect_find(ecc_emulator_defect_name(i))) {
            fprintf(
                stderr,
                "ecsconf emulate: WARNING: --defect %s: this emulator is wrong on purpose\n",
                ecc_emulator_defect_name(i));
        }
    }
}

/* Loads the TLS files and the keys, blocks `signals` (before any thread starts, so only sigwait ever sees
 * them) and starts the emulator into *server. */
static int s_start(struct s_args *args, const sigset_t *signals, struct ecc_emulator_server **server) {
    struct ecc_key_file key_file;
    ecc_key_file_init(&key_file);
    struct ecc_emulator_key *keys = NULL;
    int exit_code = ecc_cli_tls_load(S_CMD, &args->tls);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    args->server_options.tls_cert_pem = args->tls.cert_pem;
    args->server_options.tls_key_pem = args->tls.key_pem;
    if (args->keys_path) {
        exit_code = s_load_keys(args->keys_path, &key_file, &keys);
        if (exit_code != ECC_EXIT_OK) {
            goto done;
        }
        args->options.keys = keys;
        args->options.key_count = key_file.count;
    }
    s_warn(&args->options);
    pthread_sigmask(SIG_BLOCK, signals, NULL);
    args->server_options.address = args->listen.address;
    args->server_options.port = args->listen.port;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    *server = ecc_emulator_server_start(&args->options, &args->server_options, &diag);
    if (!*server) {
        char where[1024];
        ecc_diag_format(&diag, where, sizeof(where));
        ecc_cli_error(S_CMD, "cannot start: %s", where);
        exit_code = ECC_EXIT_SETUP;
    }
done:
    free(keys); /* the emulator keeps its own copies */
    ecc_key_file_clean_up(&key_file);
    ecc_cli_tls_clean_up(&args->tls);
    return exit_code;
}

/* Applies --config, prints the port (alone, first on stdout, when it was picked), serves until SIGINT or
 * SIGTERM, then stops gracefully. */
static int s_serve(const struct s_args *args, const sigset_t *signals, struct ecc_emulator_server *server) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (args->config_path &&
        ecc_emulator_load_config(ecc_emulator_server_emulator(server), args->config_path, &diag) != ECC_OK) {
        char where[1024];
        ecc_diag_format(&diag, where, sizeof(where));
        ecc_cli_error(S_CMD, "--config: %s", where);
        return ECC_EXIT_USAGE;
    }
    if (args->listen.port == 0) {
        printf("%u\n", (unsigned)ecc_emulator_server_port(server));
        fflush(stdout);
    }
    fprintf(
        stderr,
        "ecsconf emulate: listening on %s (region %s%s%s); stop with Ctrl-C\n",
        ecc_emulator_server_url(server),
        args->options.region,
        args->options.control_enabled ? ", control endpoint " ECC_EMULATOR_CONTROL_PATH : "",
        args->options.no_auth ? ", NO AUTH" : "");
    int received = 0;
    while (sigwait(signals, &received) != 0) {
    }
    fprintf(stderr, "ecsconf emulate: %s received, stopping\n", received == SIGINT ? "SIGINT" : "SIGTERM");
    return ecc_emulator_server_stop(server, 5000) ? ECC_EXIT_OK : ECC_EXIT_FAILED;
}

int ecc_cmd_emulate(int argc, char **argv) {
    struct s_args args = {.listen = {.address = "127.0.0.1"}};
    ecc_emulator_options_init(&args.options);
    ecc_server_options_init(&args.server_options);
    ecc_cli_tls_init(&args.tls);
    struct ecc_emulator_server *server = NULL;
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    int exit_code = s_parse(argc, argv, &args);
    if (exit_code != ECC_EXIT_OK) {
        exit_code = exit_code == ECC_CLI_HELP_SHOWN ? ECC_EXIT_OK : exit_code;
        goto done;
    }
    exit_code = s_start(&args, &signals, &server);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_serve(&args, &signals, server);
done:
    ecc_cli_tls_clean_up(&args.tls);
    ecc_emulator_server_destroy(server);
    return exit_code;
}

/* `ecsconf serve`: the mock ECS endpoint of one client-direction case, for a client run by hand. */
#include "commands.h"
#include "ecc/credentials.h"
#include "ecc/fixture.h"
#include "ecc/mock.h"
#include "ecc/report.h"
#include "ecc/server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_cmd = "serve";

static volatile sig_atomic_t s_stop_requested = 0;

static void s_on_signal(int signo) {
    (void)signo;
    s_stop_requested = 1;
}

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf serve --case FILE [options]\n"
        "\n"
        "Plays the ECS service for one client-direction case (client-cases/*.json): a mock endpoint\n"
        "that answers RunTask with the case's recorded answers, in order, and checks every request the\n"
        "client sends (POST /, Content-Type, X-Amz-Target, Host, X-Amz-Date, Content-Length, the SigV4\n"
        "signature with scope <region>/ecs, model members only, the clientToken rules). A request that\n"
        "matches no recorded exchange gets an " ECC_MOCK_NO_MATCH_ERROR " error and a diff against the\n"
        "nearest one. Point your client at the printed URL with the printed parameters; stop with\n"
        "Ctrl-C (or --max-requests) to get the report.\n"
        "\n"
        "Options:\n"
        "  --case FILE         the client case (required)\n"
        "  --fixtures DIR      recorded exchanges (default: fixtures/ in the data folder `ecsconf version`\n"
        "                      prints)\n"
        "  --listen ADDR:PORT  address to bind (default 127.0.0.1:0: a free port, printed), as for\n"
        "                      `ecsconf emulate` and `ecsconf record` (--address ADDR and --port N, its older\n"
        "                      spelling, still work)\n"
        "  --region REGION     signature scope region (default: AWS_REGION, else us-east-1)\n"
        "  --max-requests N    stop after N requests (default: run until Ctrl-C)\n"
        "  --max-seconds N     stop after N seconds\n"
        "  --tls-cert FILE, --tls-key FILE\n"
        "                      serve HTTPS with this PEM certificate (chain) and key (see ecsconf emulate\n"
        "                      --help for a self-signed one); the client needs its CA\n"
        "\n"
        "Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY when set, else the public test key\n"
        "AKIDECSCONFCLIENT / 'ecsconf/client/mode/test/secret/key/0000'.\n"
        "\n"
        "Example:\n"
        "  ecsconf serve --case client-cases/token-retry-server-exception.json --max-requests 2 &\n"
        "  aws ecs run-task --endpoint-url http://127.0.0.1:PORT --cli-input-json file://params.json\n"
        "\n"
        "Exit codes: 0 every check passed and every answer was played, 1 a check failed, 2 usage or a bad\n"
        "case file, 3 the port could not be bound, 4 internal error.\n");
}

static void s_log(void *user_data, const char *line) {
    (void)user_data;
    /* Lines quote what a client sent (a diff of its body): no control character reaches the terminal. */
    char *clean = ecc_report_sanitize_text(line, true);
    fprintf(stderr, "ecsconf serve: %s\n", clean ? clean : "(out of memory)");
    free(clean);
}

/* The command line, as given. */
struct s_args {
    const char *case_file;
    const char *fixtures_dir;
    const char *region;
    struct ecc_cli_listen listen;
    bool address_given;
    uint64_t max_requests;
    uint64_t max_seconds;
    struct ecc_cli_tls tls;
    char default_fixtures[4096];
};

/* --address ADDR, the older half of --listen (user: the struct ecc_cli_listen). */
static bool s_take_address(const char *cmd, const char *name, const char *value, void *user) {
    struct ecc_cli_listen *listen = user;
    if (strlen(value) >= sizeof(listen->address)) {
        ecc_cli_error(cmd, "%s: an address of at most %zu characters", name, sizeof(listen->address) - 1);
        return false;
    }
    snprintf(listen->address, sizeof(listen->address), "%s", value);
    return true;
}

/* Reads and checks the command line: ECC_EXIT_OK to go on, ECC_EXIT_USAGE (printed), ECC_CLI_HELP_SHOWN. */
static int s_parse(int argc, char **argv, struct s_args *args) {
    uint64_t port = 0;
    bool port_given = false;
    const struct ecc_cli_option options[] = {
        {"--case", .value = &args->case_file},
        {"--fixtures", .value = &args->fixtures_dir},
        {"--tls-cert", .value = &args->tls.cert_file},
        {"--tls-key", .value = &args->tls.key_file},
        {"--region", .value = &args->region},
        {"--listen", .take = ecc_cli_take_listen, .user = &args->listen, .given = &args->address_given},
        {"--address", .take = s_take_address, .user = &args->listen, .given = &args->address_given},
        {"--port", .number = &port, .max = 65535, .given = &port_given},
        {"--max-requests", .number = &args->max_requests, .min = 1, .max = 1000},
        {"--max-seconds", .number = &args->max_seconds, .min = 1, .max = 86400},
    };
    const struct ecc_cli_parser parser = {
        .cmd = s_cmd, .help = s_help, .options = options, .option_count = ECC_ARRAY_LEN(options)};
    int exit_code = ecc_cli_parse(&parser, argc, argv);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    if (port_given) {
        args->listen.port = (uint16_t)port;
    }
    if (args->case_file == NULL) {
        ecc_cli_error(s_cmd, "--case FILE is required (see ecsconf serve --help)");
        return ECC_EXIT_USAGE;
    }
    if (args->region == NULL) {
        args->region = ECC_MOCK_DEFAULT_REGION;
    }
    return ECC_EXIT_OK;
}

/* The served case; clean_up releases it. */
struct s_serve {
    struct ecc_credentials credentials; /* the key the mock accepts */
    struct ecc_fixture_set fixtures;
    struct ecc_client_case *c;
    struct ecc_mock *mock;
    struct ecc_server *server;
    json_t *params;
};

static void s_serve_clean_up(struct s_serve *serve) {
    ecc_server_destroy(serve->server);
    ecc_mock_destroy(serve->mock);
    ecc_client_case_destroy(serve->c);
    json_decref(serve->params);
    ecc_fixture_set_clean_up(&serve->fixtures);
    ecc_credentials_clean_up(&serve->credentials);
}

/* The key the mock accepts (the environment's, else the public test key), the case and its mock. */
static int s_load(struct s_args *args, struct s_serve *serve) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_credentials_from_env(&serve->credentials, &diag) != ECC_OK &&
        ecc_credentials_set(
            &serve->credentials, ECC_MOCK_DEFAULT_ACCESS_KEY_ID, ECC_MOCK_DEFAULT_SECRET_ACCESS_KEY, NULL, &diag) !=
            ECC_OK) {
        return ECC_EXIT_INTERNAL;
    }
    char text[1200];
    if (ecc_fixture_set_load_dir(&serve->fixtures, args->fixtures_dir, NULL, NULL) != ECC_OK ||
        ecc_client_case_load_file(args->case_file, &serve->fixtures, &serve->c, &diag) != ECC_OK) {
        ecc_diag_format(&diag, text, sizeof(text));
        ecc_cli_error(s_cmd, "%s", diag.text[0] ? text : "cannot load the fixtures");
        return ECC_EXIT_USAGE;
    }
    struct ecc_mock_options mock_options = {
        .region = args->region,
        .access_key_id = serve->credentials.access_key_id,
        .secret_access_key = serve->credentials.secret_access_key,
        .log_fn = s_log,
    };
    serve->mock = ecc_mock_new(&mock_options, &diag);
    if (serve->mock == NULL || ecc_client_case_setup_mock(serve->c, args->region, 0, serve->mock, &diag) != ECC_OK ||
        ecc_client_case_params(serve->c, args->region, &serve->params, &diag) != ECC_OK) {
        ecc_diag_format(&diag, text, sizeof(text));
        ecc_cli_error(s_cmd, "%s", text);
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* Listens and prints what a client needs: the URL, region, key and parameters. */
static int s_listen(struct s_args *args, struct s_serve *serve) {
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.address = args->address_given ? args->listen.address : NULL;
    server_options.port = args->listen.port;
    int exit_code = ecc_cli_tls_load(s_cmd, &args->tls);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    server_options.tls_cert_pem = args->tls.cert_pem;
    server_options.tls_key_pem = args->tls.key_pem;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    serve->server = ecc_server_new(&server_options, ecc_mock_handle, serve->mock, &diag);
    ecc_cli_tls_clean_up(&args->tls); /* the server keeps its own copies */
    if (serve->server == NULL) {
        ecc_cli_error(s_cmd, "%s", diag.text);
        return ECC_EXIT_SETUP;
    }
    if (!args->address_given) {
        char host[64];
        snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)ecc_server_port(serve->server));
        if (ecc_mock_set_host(serve->mock, host) != ECC_OK) {
            return ECC_EXIT_INTERNAL;
        }
    }
    char *params_text = json_dumps(serve->params, JSON_COMPACT);
    printf(
        "endpoint %s\nregion %s\naccess key %s\nparameters %s\n",
        ecc_server_url(serve->server),
        args->region,
        serve->credentials.access_key_id,
        params_text != NULL ? params_text : "{}");
    free(params_text);
    const struct ecc_client_case *c = serve->c;
    if (c->expect_requests == c->expect_requests_max) {
        printf("answers %zu, requests expected %u\n", c->response_count, c->expect_requests);
    } else {
        printf(
            "answers %zu, requests expected %u to %u\n", c->response_count, c->expect_requests, c->expect_requests_max);
    }
    fflush(stdout);
    return ECC_EXIT_OK;
}

/* Serves until Ctrl-C, --max-requests or --max-seconds, then prints every problem and the verdict. */
static int s_serve_and_judge(const struct s_args *args, struct s_serve *serve) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = s_on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    uint64_t started_ms = ecc_monotonic_ms();
    while (!s_stop_requested) {
        if (args->max_requests != 0 && ecc_mock_record_count(serve->mock) >= args->max_requests) {
            break;
        }
        if (args->max_seconds != 0 && ecc_monotonic_ms() - started_ms >= args->max_seconds * 1000u) {
            break;
        }
        ecc_sleep_ms(50);
    }
    ecc_server_stop(serve->server, 2000);
    struct ecc_string_list problems;
    ecc_string_list_init(&problems);
    size_t received = ecc_mock_record_count(serve->mock);
    int exit_code = ECC_EXIT_INTERNAL;
    if (ecc_mock_finish(serve->mock, &problems) != ECC_OK ||
        ecc_client_case_check_requests(serve->c, received, &problems) != ECC_OK) {
        goto done;
    }
    for (size_t i = 0; i < problems.count; i++) {
        char *clean = ecc_report_sanitize_text(problems.items[i], true);
        printf("FAIL %s\n", clean ? clean : "(out of memory)");
        free(clean);
    }
    bool passed = problems.count == 0;
    size_t played = ecc_mock_played_count(serve->mock);
    printf(
        "%s: %zu request%s, %zu answer%s played\n",
        passed ? "PASS" : "FAIL",
        received,
        received == 1 ? "" : "s",
        played,
        played == 1 ? "" : "s");
    exit_code = passed ? ECC_EXIT_OK : ECC_EXIT_FAILED;
done:
    ecc_string_list_clean_up(&problems);
    return exit_code;
}

int ecc_cmd_serve(int argc, char **argv) {
    struct s_args args = {.region = ecc_credentials_region_from_env()};
    args.fixtures_dir = ecc_cli_data_path("fixtures", args.default_fixtures, sizeof(args.default_fixtures));
    ecc_cli_tls_init(&args.tls);
    int exit_code = s_parse(argc, argv, &args);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code == ECC_CLI_HELP_SHOWN ? ECC_EXIT_OK : exit_code;
    }
    struct s_serve serve = {0};
    ecc_credentials_init(&serve.credentials);
    ecc_fixture_set_init(&serve.fixtures);
    exit_code = s_load(&args, &serve);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_listen(&args, &serve);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_serve_and_judge(&args, &serve);
done:
    ecc_cli_tls_clean_up(&args.tls);
    s_serve_clean_up(&serve);
    return exit_code;
}

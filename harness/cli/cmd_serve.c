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
#include <time.h>

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
        "  --address ADDR      numeric address to bind (default 127.0.0.1)\n"
        "  --port N            port (default 0: a free one, printed)\n"
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

static bool s_parse_unsigned(const char *text, unsigned long max, unsigned long *out) {
    char *end = NULL;
    *out = strtoul(text, &end, 10);
    return text[0] != '\0' && *end == '\0' && *out <= max;
}

int ecc_cmd_serve(int argc, char **argv) {
    const char *case_file = NULL;
    char default_fixtures[4096];
    const char *fixtures_dir = ecc_cli_data_path("fixtures", default_fixtures, sizeof(default_fixtures));
    const char *address = NULL;
    const char *region = ecc_credentials_region_from_env();
    unsigned long port = 0;
    unsigned long max_requests = 0;
    unsigned long max_seconds = 0;
    struct ecc_cli_tls tls;
    ecc_cli_tls_init(&tls);
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            return ECC_EXIT_OK;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--case")) != NULL) {
            case_file = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--fixtures")) != NULL) {
            fixtures_dir = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--tls-cert")) != NULL) {
            tls.cert_file = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--tls-key")) != NULL) {
            tls.key_file = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--address")) != NULL) {
            address = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--region")) != NULL) {
            region = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--port")) != NULL) {
            if (!s_parse_unsigned(value, 65535, &port)) {
                ecc_cli_error(s_cmd, "--port takes 0..65535, got '%s'", value);
                return ECC_EXIT_USAGE;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--max-requests")) != NULL) {
            if (!s_parse_unsigned(value, 1000, &max_requests) || max_requests == 0) {
                ecc_cli_error(s_cmd, "--max-requests takes 1..1000, got '%s'", value);
                return ECC_EXIT_USAGE;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--max-seconds")) != NULL) {
            if (!s_parse_unsigned(value, 86400, &max_seconds) || max_seconds == 0) {
                ecc_cli_error(s_cmd, "--max-seconds takes 1..86400, got '%s'", value);
                return ECC_EXIT_USAGE;
            }
        } else {
            ecc_cli_error(s_cmd, "unknown argument '%s' (see ecsconf serve --help)", argv[i]);
            return ECC_EXIT_USAGE;
        }
    }
    if (case_file == NULL) {
        ecc_cli_error(s_cmd, "--case FILE is required (see ecsconf serve --help)");
        return ECC_EXIT_USAGE;
    }
    if (region == NULL) {
        region = ECC_MOCK_DEFAULT_REGION;
    }
    const char *access_key = getenv("AWS_ACCESS_KEY_ID");
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    if (access_key == NULL || access_key[0] == '\0' || secret == NULL || secret[0] == '\0') {
        access_key = ECC_MOCK_DEFAULT_ACCESS_KEY_ID;
        secret = ECC_MOCK_DEFAULT_SECRET_ACCESS_KEY;
    }

    int exit_code = ECC_EXIT_OK;
    struct ecc_fixture_set fixtures;
    struct ecc_client_case *c = NULL;
    struct ecc_mock *mock = NULL;
    struct ecc_server *server = NULL;
    json_t *params = NULL;
    struct ecc_string_list problems;
    struct ecc_diag diag;
    char text[1200];
    ecc_fixture_set_init(&fixtures);
    ecc_string_list_init(&problems);
    ecc_diag_clear(&diag);
    if (ecc_fixture_set_load_dir(&fixtures, fixtures_dir, NULL, NULL) != ECC_OK ||
        ecc_client_case_load_file(case_file, &fixtures, &c, &diag) != ECC_OK) {
        ecc_diag_format(&diag, text, sizeof(text));
        ecc_cli_error(s_cmd, "%s", diag.text[0] ? text : "cannot load the fixtures");
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    struct ecc_mock_options mock_options = {
        .region = region,
        .access_key_id = access_key,
        .secret_access_key = secret,
        .log_fn = s_log,
    };
    mock = ecc_mock_new(&mock_options, &diag);
    if (mock == NULL || ecc_client_case_setup_mock(c, region, 0, mock, &diag) != ECC_OK ||
        ecc_client_case_params(c, region, &params, &diag) != ECC_OK) {
        ecc_diag_format(&diag, text, sizeof(text));
        ecc_cli_error(s_cmd, "%s", text);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.address = address;
    server_options.port = (uint16_t)port;
    exit_code = ecc_cli_tls_load(s_cmd, &tls);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    server_options.tls_cert_pem = tls.cert_pem;
    server_options.tls_key_pem = tls.key_pem;
    server = ecc_server_new(&server_options, ecc_mock_handle, mock, &diag);
    ecc_cli_tls_clean_up(&tls); /* the server keeps its own copies */
    if (server == NULL) {
        ecc_cli_error(s_cmd, "%s", diag.text);
        exit_code = ECC_EXIT_SETUP;
        goto done;
    }
    if (address == NULL) {
        char host[64];
        snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)ecc_server_port(server));
        if (ecc_mock_set_host(mock, host) != ECC_OK) {
            exit_code = ECC_EXIT_INTERNAL;
            goto done;
        }
    }
    char *params_text = json_dumps(params, JSON_COMPACT);
    printf(
        "endpoint %s\nregion %s\naccess key %s\nparameters %s\n",
        ecc_server_url(server),
        region,
        access_key,
        params_text != NULL ? params_text : "{}");
    if (c->expect_requests == c->expect_requests_max) {
        printf("answers %zu, requests expected %u\n", c->response_count, c->expect_requests);
    } else {
        printf(
            "answers %zu, requests expected %u to %u\n", c->response_count, c->expect_requests, c->expect_requests_max);
    }
    free(params_text);
    fflush(stdout);

    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = s_on_signal;
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    time_t started = time(NULL);
    while (!s_stop_requested) {
        if (max_requests != 0 && ecc_mock_record_count(mock) >= max_requests) {
            break;
        }
        if (max_seconds != 0 && (unsigned long)(time(NULL) - started) >= max_seconds) {
            break;
        }
        ecc_sleep_ms(50);
    }
    ecc_server_stop(server, 2000);
    if (ecc_mock_finish(mock, &problems) != ECC_OK) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    size_t received = ecc_mock_record_count(mock);
    if (ecc_client_case_check_requests(c, received, &problems) != ECC_OK) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    for (size_t i = 0; i < problems.count; i++) {
        char *clean = ecc_report_sanitize_text(problems.items[i], true);
        printf("FAIL %s\n", clean ? clean : "(out of memory)");
        free(clean);
    }
    bool passed = problems.count == 0;
    printf(
        "%s: %zu request%s, %zu answer%s played\n",
        passed ? "PASS" : "FAIL",
        received,
        received == 1 ? "" : "s",
        ecc_mock_played_count(mock),
        ecc_mock_played_count(mock) == 1 ? "" : "s");
    exit_code = passed ? ECC_EXIT_OK : ECC_EXIT_FAILED;

done:
    ecc_server_destroy(server);
    ecc_mock_destroy(mock);
    ecc_client_case_destroy(c);
    json_decref(params);
    ecc_string_list_clean_up(&problems);
    ecc_fixture_set_clean_up(&fixtures);
    return exit_code;
}

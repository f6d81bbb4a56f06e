/* `ecsconf fuzz`: fuzzes an ECS endpoint over the wire (the embedded emulator when none is given). */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/emulator.h"
#include "ecc/fixture.h"
#include "ecc/mock.h"
#include "ecc/profile.h"
#include "ecc/report.h"
#include "ecc/runner.h"
#include "ecc/wirefuzz.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CMD "fuzz"

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf fuzz [options]\n"
        "\n"
        "Fuzzes an ECS endpoint over the wire: stateful sequences (CreateCluster, RegisterTaskDefinition,\n"
        "fuzzed RunTask requests, DescribeTasks, StopTask, DeregisterTaskDefinition, DeleteCluster) under a\n"
        "run prefix, with structure-aware RunTask requests (every documented limit: at, inside, past), the\n"
        "RunTask fixtures as seeds, JSON and body mutations, X-Amz-Target / Content-Type / method / path\n"
        "mutations and signature mutations (each Authorization part, the date, the scope, the signed-header\n"
        "list, a signature over other bytes). Valid requests are signed afresh. With no endpoint it starts\n"
        "the embedded emulator on a free loopback port:\n"
        "\n"
        "  ecsconf fuzz --requests 2000 --seed 1                 # the embedded emulator: expect no finding\n"
        "  ecsconf fuzz --endpoint http://127.0.0.1:5000 --profile moto --requests 2000 --seed 1 \\\n"
        "      --json moto-fuzz.json --junit moto-fuzz.xml\n"
        "  ecsconf fuzz --duration 60 --jobs 16                  # one minute, 16 requests in flight\n"
        "  ecsconf fuzz --attacks --requests 100                 # connection-level attacks, then fuzzing\n"
        "  ecsconf fuzz --endpoint http://127.0.0.1:PORT --mock --attacks --requests 500   # an `ecsconf serve`\n"
        "  ecsconf fuzz --endpoint http://127.0.0.1:PORT --skip-rule reject.signature     # an `ecsconf record`\n"
        "\n"
        "Endpoint and identity:\n"
        "  --endpoint URL        http(s)://host[:port]; default $AWS_ENDPOINT_URL_ECS, then $AWS_ENDPOINT_URL,\n"
        "                        then the embedded emulator. Only loopback endpoints are fuzzed unless\n"
        "                        --allow-remote is given (the fuzzer starts tasks and sends hostile input)\n"
        "  --region REGION       default $AWS_REGION, then $AWS_DEFAULT_REGION, then the profile's region,\n"
        "                        then us-east-1\n"
        "  --profile NAME|FILE   emulator, moto, aws or a profile file (as for `ecsconf run`): its test keys are\n"
        "                        used when AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (default:\n"
        "                        emulator without --endpoint, aws with one)\n"
        "  --ca-bundle FILE, --insecure   TLS as for `ecsconf run`\n"
        "  --mock                the endpoint is an `ecsconf serve` mock (it plays a case's recorded answers and\n"
        "                        creates nothing): no setup or cleanup steps; the health request counts when\n"
        "                        answered with AWS JSON below 500; its " ECC_MOCK_NO_MATCH_ERROR " is a declared\n"
        "                        error; without AWS credentials in the environment, the mock's test key\n"
        "  --skip-rule RULE      do not judge RULE (repeatable; reports list it as SKIP): `ecsconf record` signs\n"
        "                        every request afresh with its own key, so it passes broken signatures on by\n"
        "                        design (reject.signature)\n"
        "\n"
        "How much:\n"
        "  --requests N          fuzzed requests (setup, cleanup and health requests come on top)\n"
        "  --duration S          seconds; with both, whichever comes first; default --requests 1000\n"
        "  --jobs N              sequences in parallel, i.e. requests in flight (default 8, 1..256)\n"
        "  --steps N             fuzzed requests per sequence (default 32)\n"
        "  --seed N              the inputs: the same seed sends the same requests (printed at start)\n"
        "  --request-timeout-ms N  deadline of one request (default 10000): a later answer is a finding\n"
        "  --fixtures DIR        RunTask fixtures used as seeds (default ./fixtures when it exists)\n"
        "\n"
        "Connection-level attacks (plain http:// endpoints; raw sockets, bounded):\n"
        "  --attacks             before fuzzing: slow headers (slowloris), a slow body, a connection flood,\n"
        "                        idle keep-alive connections (each with --attack-connections sockets),\n"
        "                        pipelined requests, Content-Length with Transfer-Encoding, an oversized\n"
        "                        header line, HTTP/1.0; a signed health request must be answered within the\n"
        "                        request deadline during and after each one\n"
        "  --attack-ms N         length of each attack (default 2000)\n"
        "  --attack-connections N  sockets of the flood, slowloris, slow-body and idle attacks (default 300)\n"
        "\n"
        "Rules (each finding names one):\n");
    size_t count = 0;
    const struct ecc_wirefuzz_rule *rules = ecc_wirefuzz_rules(&count);
    for (size_t i = 0; i < count; i++) {
        fprintf(out, "  %-21s %s\n", rules[i].name, rules[i].summary);
    }
    fprintf(
        out,
        "\n"
        "Output: one block per finding class (rule, HTTP status, error type, mutation class), with how many\n"
        "requests fell in it, the seed, sequence and step of the first, and a curl command that replays its\n"
        "minimized request (no secret: curl signs with \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\").\n"
        "  --json FILE, --junit FILE   reports (one FAIL per finding class, one PASS per clean rule)\n"
        "\n"
        "Resources are named <prefix>-s<sequence> (the prefix is printed first) and removed at the end of each\n"
        "sequence; Ctrl-C stops fuzzing and finishes the cleanup (twice: abandons it).\n"
        "\n"
        "Exit: 0 no finding; 1 findings; 2 bad option; 3 the endpoint is unusable (no 200 to a signed\n"
        "CreateCluster and ListTasks of its health cluster; with --mock, no AWS JSON answer below 500 to the\n"
        "ListTasks) or missing credentials; 4 internal error.\n");
}

static void s_print_load_error(void *user_data, const struct ecc_diag *diag) {
    (void)user_data;
    char text[1200];
    ecc_diag_format(diag, text, sizeof(text));
    fprintf(stderr, "ecsconf fuzz: %s\n", text);
}

static void s_print_summary(const struct ecc_wirefuzz_result *result, uint64_t seed) {
    for (size_t i = 0; i < result->count; i++) {
        const struct ecc_wirefuzz_finding *c = &result->findings[i];
        printf(
            "FINDING %-20s %3d %-28s %-24s %6" PRIu64 " request%s\n",
            c->rule,
            c->status,
            c->error_type[0] ? c->error_type : "-",
            c->mutation,
            c->hits,
            c->hits == 1 ? "" : "s");
        printf("    %s\n    %s\n", c->message, c->detail);
        printf("    reproducer: %s\n", c->reproducer);
    }
    double seconds = (double)result->elapsed_us / 1e6;
    uint64_t total = result->fuzz_requests + result->other_requests;
    printf(
        "ecsconf fuzz: %" PRIu64 " fuzzed + %" PRIu64 " other requests in %.2f s (%.0f req/s), %" PRIu64
        " sequences; answers: %" PRIu64 " 2xx, %" PRIu64 " 4xx, %" PRIu64 " 5xx, %" PRIu64 " other, %" PRIu64
        " without answer\n",
        result->fuzz_requests,
        result->other_requests,
        seconds,
        seconds > 0 ? (double)total / seconds : 0.0,
        result->sequences,
        result->answers_2xx,
        result->answers_4xx,
        result->answers_5xx,
        result->answers_other,
        result->transport_failures);
    if (result->cleanup_failures) {
        printf(
            "ecsconf fuzz: %" PRIu64 " cleanup request%s not answered 2xx: resources may be left\n",
            result->cleanup_failures,
            result->cleanup_failures == 1 ? "" : "s");
    }
    if (result->attacks_run) {
        printf("ecsconf fuzz: %u connection-level attacks run\n", result->attacks_run);
    }
    if (result->classes_dropped) {
        printf(
            "ecsconf fuzz: %" PRIu64 " more classes not kept (cap %d)\n",
            result->classes_dropped,
            ECC_WIREFUZZ_MAX_CLASSES);
    }
    printf(
        "ecsconf fuzz: %zu %s (%" PRIu64 " %s with a finding), seed %" PRIu64 "\n",
        result->count,
        ecc_plural(result->count, "finding class", "finding classes"),
        result->findings_total,
        ecc_plural(result->findings_total, "request", "requests"),
        seed);
}

int ecc_cmd_fuzz(int argc, char **argv) {
    struct ecc_cli_endpoint target = {0};
    struct ecc_profile profile_data;
    ecc_profile_init(&profile_data);
    const char *fixtures_dir = NULL, *junit = NULL, *json_file = NULL;
    bool bad = false, seed_given = false, allow_remote = false, requests_given = false, attacks = false;
    bool mock = false;
    const char *skip_rules[16];
    size_t skip_rule_count = 0;
    uint64_t attack_ms = 2000, attack_connections = 300;
    uint64_t jobs = 8, seed = 0, requests = 1000, duration_s = 0, steps = 32, request_timeout_ms = 10000;
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_fixture_set fixtures;
    ecc_fixture_set_init(&fixtures);
    struct ecc_wirefuzz_result result;
    ecc_wirefuzz_result_init(&result);
    struct ecc_run_report report = {0};
    struct ecc_emulator_server *emulator = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    int exit_code = ECC_EXIT_USAGE;

    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            exit_code = ECC_EXIT_OK;
            goto done;
        } else if (ecc_cli_endpoint_option(argc, argv, &i, &target)) {
            continue;
        } else if (strcmp(argv[i], "--mock") == 0) {
            mock = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--skip-rule"))) {
            if (skip_rule_count == ECC_ARRAY_LEN(skip_rules)) {
                ecc_cli_error(S_CMD, "--skip-rule given more than %zu times", ECC_ARRAY_LEN(skip_rules));
                goto done;
            }
            if (ecc_wirefuzz_rule_index(value) < 0) {
                ecc_cli_error(S_CMD, "--skip-rule: no rule is named '%s' (see ecsconf fuzz --help)", value);
                goto done;
            }
            skip_rules[skip_rule_count++] = value;
        } else if (strcmp(argv[i], "--attacks") == 0) {
            attacks = true;
        } else if (ecc_cli_number_option(S_CMD, argc, argv, &i, "--attack-ms", 100, 60000, &attack_ms, &bad)) {
        } else if (ecc_cli_number_option(
                       S_CMD, argc, argv, &i, "--attack-connections", 1, 1000, &attack_connections, &bad)) {
        } else if (strcmp(argv[i], "--allow-remote") == 0) {
            allow_remote = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--fixtures"))) {
            fixtures_dir = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--junit"))) {
            junit = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--json"))) {
            json_file = value;
        } else if (ecc_cli_number_option(
                       S_CMD, argc, argv, &i, "--requests", 1, UINT64_C(1000000000), &requests, &bad)) {
            requests_given = true;
        } else if (ecc_cli_number_option(S_CMD, argc, argv, &i, "--duration", 1, 86400, &duration_s, &bad)) {
        } else if (ecc_cli_number_option(S_CMD, argc, argv, &i, "--jobs", 1, 256, &jobs, &bad)) {
        } else if (ecc_cli_number_option(S_CMD, argc, argv, &i, "--steps", 1, 100000, &steps, &bad)) {
        } else if (ecc_cli_number_option(S_CMD, argc, argv, &i, "--seed", 0, UINT64_MAX, &seed, &bad)) {
            seed_given = true;
        } else if (ecc_cli_number_option(
                       S_CMD, argc, argv, &i, "--request-timeout-ms", 1, 3600000, &request_timeout_ms, &bad)) {
        } else {
            ecc_cli_error(S_CMD, "unknown option or missing value: '%s' (see ecsconf fuzz --help)", argv[i]);
            goto done;
        }
        if (bad) {
            goto done;
        }
    }
    if (duration_s && !requests_given) {
        requests = 0; /* --duration alone: as many as fit */
    }

    const char *endpoint = target.endpoint ? target.endpoint : ecc_cli_endpoint_from_env();
    const char *region = target.region;
    bool embedded = endpoint == NULL;
    exit_code = ecc_cli_profile_load(S_CMD, target.profile, embedded, NULL, &profile_data, NULL);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = ECC_EXIT_USAGE;
    const struct ecc_profile *profile = &profile_data;
    if (mock && embedded) {
        ecc_cli_error(S_CMD, "--mock needs the --endpoint of an `ecsconf serve` mock");
        goto done;
    }
    if (mock) {
        /* The mock's test key when the environment has none (ecsconf serve's default). */
        free(profile_data.access_key_id);
        free(profile_data.secret_access_key);
        profile_data.access_key_id = ecc_strdup(ECC_MOCK_DEFAULT_ACCESS_KEY_ID);
        profile_data.secret_access_key = ecc_strdup(ECC_MOCK_DEFAULT_SECRET_ACCESS_KEY);
        if (!profile_data.access_key_id || !profile_data.secret_access_key) {
            exit_code = ECC_EXIT_INTERNAL;
            goto done;
        }
    }
    if (!embedded && !allow_remote && !ecc_runner_endpoint_is_loopback(endpoint)) {
        ecc_cli_error(
            S_CMD,
            "--endpoint %s is not a loopback address: fuzzing sends hostile input and starts tasks; give "
            "--allow-remote to fuzz it anyway",
            endpoint);
        goto done;
    }
    if (!fixtures_dir && ecc_cli_is_dir("fixtures")) {
        fixtures_dir = "fixtures";
    }
    if (fixtures_dir && ecc_fixture_set_load_dir(&fixtures, fixtures_dir, s_print_load_error, NULL) != ECC_OK) {
        goto done;
    }

    if (!region) {
        region = ecc_credentials_region_from_env();
    }
    if (!region) {
        region = profile->region ? profile->region : ECC_EMULATOR_DEFAULT_REGION;
    }
    char credentials_source[ECC_CREDENTIALS_SOURCE_MAX];
    exit_code = ecc_cli_credentials(S_CMD, profile, &credentials, credentials_source, sizeof(credentials_source));
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = ECC_EXIT_USAGE;
    if (!seed_given) {
        seed = ecc_cli_clock_seed();
    }
    /* Resource names are fresh for every run (as for `run`), so a repeated seed does not meet what an
     * earlier run left on a persistent endpoint; the requests differ only in those names. */
    char prefix[12];
    ecc_runner_make_prefix((uint32_t)ecc_cli_clock_seed(), prefix);

    if (embedded) {
        emulator = ecc_cli_start_emulator(S_CMD, region, seed, 2, false);
        if (!emulator) {
            exit_code = ECC_EXIT_SETUP;
            goto done;
        }
        endpoint = ecc_emulator_server_url(emulator);
    }

    struct ecc_wirefuzz_options options;
    ecc_wirefuzz_options_init(&options);
    options.endpoint_url = endpoint;
    options.region = region;
    options.credentials = &credentials;
    options.prefix = prefix;
    options.seed = seed;
    options.max_requests = requests;
    options.duration_ms = duration_s * 1000u;
    options.jobs = (unsigned)jobs;
    options.sequence_steps = (unsigned)steps;
    options.transport.timeout_ms = (long)request_timeout_ms;
    options.transport.ca_bundle = target.ca_bundle;
    options.transport.insecure = target.insecure;
    options.fixtures = &fixtures;
    options.interrupted = &ecc_cli_interrupted;
    options.attacks = attacks;
    options.attack_ms = (unsigned)attack_ms;
    options.attack_connections = (unsigned)attack_connections;
    static const char *const mock_errors[] = {ECC_MOCK_NO_MATCH_ERROR};
    options.stateless = mock;
    options.extra_error_types = mock ? mock_errors : NULL;
    options.extra_error_type_count = mock ? ECC_ARRAY_LEN(mock_errors) : 0;
    options.skip_rules = skip_rules;
    options.skip_rule_count = skip_rule_count;

    char who[256];
    ecc_credentials_describe(&credentials, who, sizeof(who));
    printf(
        "ecsconf fuzz: %s (%s), profile %s, region %s, %s\n",
        embedded ? "embedded emulator" : endpoint,
        endpoint,
        profile->name,
        region,
        who);
    printf(
        "ecsconf fuzz: seed %" PRIu64 ", resource prefix %s, %" PRIu64 " %s, %s%" PRIu64 " %s%s",
        seed,
        prefix,
        jobs,
        ecc_plural(jobs, "job", "jobs"),
        requests ? "" : "no limit of ",
        requests,
        ecc_plural(requests, "request", "requests"),
        duration_s ? "" : "\n");
    if (duration_s) {
        printf(", at most %" PRIu64 " s\n", duration_s);
    }
    fflush(stdout);

    struct sigaction previous;
    ecc_cli_catch_sigint(&previous);
    enum ecc_status status = ecc_wirefuzz_run(&options, &result, &diag);
    sigaction(SIGINT, &previous, NULL);
    if (status != ECC_OK) {
        ecc_cli_error(S_CMD, "%s", diag.text);
        exit_code = status == ECC_ERR_INVALID ? ECC_EXIT_SETUP : ECC_EXIT_INTERNAL;
        goto done;
    }
    if (result.unusable) {
        ecc_cli_error(S_CMD, "the endpoint is unusable: %s", result.unusable_reason);
        exit_code = ECC_EXIT_SETUP;
        goto done;
    }
    s_print_summary(&result, seed);
    exit_code = result.count || result.classes_dropped ? ECC_EXIT_FAILED : ECC_EXIT_OK;
    if (result.interrupted) {
        printf("ecsconf fuzz: interrupted; resources of this run are named %s-*\n", prefix);
        exit_code = ECC_EXIT_FAILED;
    }
    if (junit || json_file) {
        if (ecc_run_report_init(&report, embedded ? "embedded emulator" : endpoint, profile->name, prefix, seed) !=
            ECC_OK) {
            exit_code = ECC_EXIT_INTERNAL;
            goto done;
        }
        report.command = "ecsconf fuzz";
        if (ecc_wirefuzz_to_report(&result, &report) != ECC_OK) {
            exit_code = ECC_EXIT_INTERNAL;
            goto done;
        }
        const struct {
            const char *file;
            enum ecc_report_format format;
        } outputs[] = {{junit, ECC_REPORT_JUNIT}, {json_file, ECC_REPORT_JSON}};
        for (size_t i = 0; i < ECC_ARRAY_LEN(outputs); i++) {
            if (outputs[i].file &&
                ecc_report_write_file(outputs[i].file, outputs[i].format, &report, &diag) != ECC_OK) {
                ecc_cli_error(S_CMD, "%s", diag.text);
                exit_code = ECC_EXIT_SETUP;
            }
        }
    }

done:
    ecc_profile_clean_up(&profile_data);
    ecc_run_report_clean_up(&report);
    ecc_wirefuzz_result_clean_up(&result);
    ecc_emulator_server_destroy(emulator);
    ecc_credentials_clean_up(&credentials);
    ecc_fixture_set_clean_up(&fixtures);
    return exit_code;
}

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
        "                        request deadline during each one, and again within 10 s after it (probes\n"
        "                        without an answer are repeated; the request deadline if that is longer)\n"
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

/* The command line, as given. */
struct s_args {
    struct ecc_cli_endpoint target;
    const char *fixtures_dir;
    const char *skip_rules[16];
    size_t skip_rule_count;
    bool seed_given;
    bool allow_remote;
    bool requests_given;
    bool attacks;
    bool mock;
    uint64_t attack_ms;
    uint64_t attack_connections;
    uint64_t jobs;
    uint64_t seed;
    uint64_t requests;
    uint64_t duration_s;
    uint64_t steps;
    uint64_t request_timeout_ms;
    struct ecc_cli_report_option reports[2];
};

/* What the fuzz run is made of; clean_up releases it. */
struct s_fuzz {
    const char *endpoint; /* given, from the environment, or the embedded emulator's URL once started */
    bool embedded;
    const char *region;
    struct ecc_profile profile_data;   /* owned (profile.h) */
    const struct ecc_profile *profile; /* &profile_data once loaded */
    struct ecc_credentials credentials;
    char credentials_source[ECC_CREDENTIALS_SOURCE_MAX];
    char prefix[12];
    struct ecc_fixture_set fixtures;
    struct ecc_emulator_server *emulator;
    struct ecc_wirefuzz_result result;
    struct ecc_run_report report;
};

static void s_fuzz_clean_up(struct s_fuzz *fuzz) {
    ecc_profile_clean_up(&fuzz->profile_data);
    ecc_run_report_clean_up(&fuzz->report);
    ecc_wirefuzz_result_clean_up(&fuzz->result);
    ecc_emulator_server_destroy(fuzz->emulator);
    ecc_credentials_clean_up(&fuzz->credentials);
    ecc_fixture_set_clean_up(&fuzz->fixtures);
}

/* Reads the command line: ECC_EXIT_OK to go on, ECC_EXIT_USAGE (printed), or ECC_CLI_HELP_SHOWN. */
static int s_parse(int argc, char **argv, struct s_args *args) {
    const struct ecc_cli_option options[] = {
        ECC_CLI_ENDPOINT_OPTIONS(&args->target),
        {"--requests",
         .number = &args->requests,
         .min = 1,
         .max = UINT64_C(1000000000),
         .given = &args->requests_given},
        {"--seed", .number = &args->seed, .max = UINT64_MAX, .given = &args->seed_given},
        {"--attack-ms", .number = &args->attack_ms, .min = 100, .max = 60000},
        {"--attack-connections", .number = &args->attack_connections, .min = 1, .max = 1000},
        {"--duration", .number = &args->duration_s, .min = 1, .max = 86400},
        {"--jobs", .number = &args->jobs, .min = 1, .max = 256},
        {"--steps", .number = &args->steps, .min = 1, .max = 100000},
        {"--request-timeout-ms", .number = &args->request_timeout_ms, .min = 1, .max = 3600000},
        {"--mock", .given = &args->mock},
        {"--attacks", .given = &args->attacks},
        {"--allow-remote", .given = &args->allow_remote},
        {"--skip-rule",
         .list = args->skip_rules,
         .count = &args->skip_rule_count,
         .max_count = ECC_ARRAY_LEN(args->skip_rules)},
        {"--fixtures", .value = &args->fixtures_dir},
        ECC_CLI_REPORT_OPTION(args->reports[0]),
        ECC_CLI_REPORT_OPTION(args->reports[1]),
    };
    const struct ecc_cli_parser parser = {
        .cmd = S_CMD, .help = s_help, .options = options, .option_count = ECC_ARRAY_LEN(options)};
    int exit_code = ecc_cli_parse(&parser, argc, argv);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    for (size_t r = 0; r < args->skip_rule_count; r++) {
        if (ecc_wirefuzz_rule_index(args->skip_rules[r]) < 0) {
            ecc_cli_error(S_CMD, "--skip-rule: no rule is named '%s' (see ecsconf fuzz --help)", args->skip_rules[r]);
            return ECC_EXIT_USAGE;
        }
    }
    if (args->duration_s && !args->requests_given) {
        args->requests = 0; /* --duration alone: as many as fit */
    }
    return ECC_EXIT_OK;
}

/* --mock: the mock's test key when the environment has none (ecsconf serve's default). */
static int s_use_mock_key(struct ecc_profile *profile) {
    free(profile->access_key_id);
    free(profile->secret_access_key);
    profile->access_key_id = ecc_strdup(ECC_MOCK_DEFAULT_ACCESS_KEY_ID);
    profile->secret_access_key = ecc_strdup(ECC_MOCK_DEFAULT_SECRET_ACCESS_KEY);
    return profile->access_key_id && profile->secret_access_key ? ECC_EXIT_OK : ECC_EXIT_INTERNAL;
}

/* Checks every input before anything is sent: the profile, --mock, the endpoint (loopback unless
 * --allow-remote), the reports and the fixtures. ECC_EXIT_OK, or the exit code (printed). */
static int s_check_inputs(const struct s_args *args, struct s_fuzz *fuzz) {
    fuzz->endpoint = args->target.endpoint ? args->target.endpoint : ecc_cli_endpoint_from_env();
    fuzz->embedded = fuzz->endpoint == NULL;
    int exit_code = ecc_cli_profile_load(S_CMD, args->target.profile, fuzz->embedded, NULL, &fuzz->profile_data, NULL);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    fuzz->profile = &fuzz->profile_data;
    if (args->mock && fuzz->embedded) {
        ecc_cli_error(S_CMD, "--mock needs the --endpoint of an `ecsconf serve` mock");
        return ECC_EXIT_USAGE;
    }
    if (args->mock && s_use_mock_key(&fuzz->profile_data) != ECC_EXIT_OK) {
        return ECC_EXIT_INTERNAL;
    }
    if (!fuzz->embedded && !args->allow_remote && !ecc_runner_endpoint_is_loopback(fuzz->endpoint)) {
        ecc_cli_error(
            S_CMD,
            "--endpoint %s is not a loopback address: fuzzing sends hostile input and starts tasks; give "
            "--allow-remote to fuzz it anyway",
            fuzz->endpoint);
        return ECC_EXIT_USAGE;
    }
    if (!ecc_cli_check_reports(S_CMD, args->reports, ECC_ARRAY_LEN(args->reports))) {
        return ECC_EXIT_USAGE;
    }
    const char *fixtures_dir = args->fixtures_dir;
    if (!fixtures_dir && ecc_cli_is_dir("fixtures")) {
        fixtures_dir = "fixtures";
    }
    if (fixtures_dir && ecc_fixture_set_load_dir(&fuzz->fixtures, fixtures_dir, s_print_load_error, NULL) != ECC_OK) {
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* The region, the credentials, the seed, the run prefix and the embedded emulator. */
static int s_prepare(struct s_args *args, struct s_fuzz *fuzz) {
    fuzz->region = args->target.region ? args->target.region : ecc_credentials_region_from_env();
    if (!fuzz->region) {
        fuzz->region = fuzz->profile->region ? fuzz->profile->region : ECC_EMULATOR_DEFAULT_REGION;
    }
    int exit_code = ecc_cli_credentials(
        S_CMD, fuzz->profile, &fuzz->credentials, fuzz->credentials_source, sizeof(fuzz->credentials_source));
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    if (!args->seed_given) {
        args->seed = ecc_cli_clock_seed();
    }
    /* Resource names are fresh for every run (as for `run`), so a repeated seed does not meet what an
     * earlier run left on a persistent endpoint; the requests differ only in those names. */
    ecc_runner_make_prefix((uint32_t)ecc_cli_clock_seed(), fuzz->prefix);
    if (fuzz->embedded) {
        fuzz->emulator = ecc_cli_start_emulator(S_CMD, fuzz->region, args->seed, 2, false);
        if (!fuzz->emulator) {
            return ECC_EXIT_SETUP;
        }
        fuzz->endpoint = ecc_emulator_server_url(fuzz->emulator);
    }
    return ECC_EXIT_OK;
}

static void s_wirefuzz_options(const struct s_args *args, struct s_fuzz *fuzz, struct ecc_wirefuzz_options *options) {
    static const char *const mock_errors[] = {ECC_MOCK_NO_MATCH_ERROR};
    ecc_wirefuzz_options_init(options);
    options->endpoint_url = fuzz->endpoint;
    options->region = fuzz->region;
    options->credentials = &fuzz->credentials;
    options->prefix = fuzz->prefix;
    options->seed = args->seed;
    options->max_requests = args->requests;
    options->duration_ms = args->duration_s * 1000u;
    options->jobs = (unsigned)args->jobs;
    options->sequence_steps = (unsigned)args->steps;
    options->transport.timeout_ms = (long)args->request_timeout_ms;
    options->transport.ca_bundle = args->target.ca_bundle;
    options->transport.insecure = args->target.insecure;
    options->fixtures = &fuzz->fixtures;
    options->interrupted = &ecc_cli_interrupted;
    options->attacks = args->attacks;
    options->attack_ms = (unsigned)args->attack_ms;
    options->attack_connections = (unsigned)args->attack_connections;
    options->stateless = args->mock;
    options->extra_error_types = args->mock ? mock_errors : NULL;
    options->extra_error_type_count = args->mock ? ECC_ARRAY_LEN(mock_errors) : 0;
    options->skip_rules = args->skip_rules;
    options->skip_rule_count = args->skip_rule_count;
}

static void s_print_start(const struct s_args *args, const struct s_fuzz *fuzz) {
    char who[256];
    ecc_credentials_describe(&fuzz->credentials, who, sizeof(who));
    printf(
        "ecsconf fuzz: %s (%s), profile %s, region %s, %s\n",
        fuzz->embedded ? "embedded emulator" : fuzz->endpoint,
        fuzz->endpoint,
        fuzz->profile->name,
        fuzz->region,
        who);
    printf(
        "ecsconf fuzz: seed %" PRIu64 ", resource prefix %s, %" PRIu64 " %s, %s%" PRIu64 " %s%s",
        args->seed,
        fuzz->prefix,
        args->jobs,
        ecc_plural(args->jobs, "job", "jobs"),
        args->requests ? "" : "no limit of ",
        args->requests,
        ecc_plural(args->requests, "request", "requests"),
        args->duration_s ? "" : "\n");
    if (args->duration_s) {
        printf(", at most %" PRIu64 " s\n", args->duration_s);
    }
    fflush(stdout);
}

/* --json and --junit, when asked for: one FAIL per finding class, one PASS per clean rule. */
static int s_write_reports(const struct s_args *args, struct s_fuzz *fuzz) {
    if (!args->reports[0].file && !args->reports[1].file) {
        return ECC_EXIT_OK;
    }
    const char *shown = fuzz->embedded ? "embedded emulator" : fuzz->endpoint;
    if (ecc_run_report_init(&fuzz->report, shown, fuzz->profile->name, fuzz->prefix, args->seed) != ECC_OK) {
        return ECC_EXIT_INTERNAL;
    }
    fuzz->report.command = "ecsconf fuzz";
    if (ecc_wirefuzz_to_report(&fuzz->result, &fuzz->report) != ECC_OK) {
        return ECC_EXIT_INTERNAL;
    }
    if (!ecc_cli_write_reports(S_CMD, args->reports, ECC_ARRAY_LEN(args->reports), &fuzz->report)) {
        return ECC_EXIT_SETUP;
    }
    return ECC_EXIT_OK;
}

/* Fuzzes until --requests or --duration (or Ctrl-C), then the summary and the reports; the exit code. */
static int s_execute(const struct s_args *args, struct s_fuzz *fuzz) {
    struct ecc_wirefuzz_options options;
    s_wirefuzz_options(args, fuzz, &options);
    s_print_start(args, fuzz);
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct sigaction previous;
    ecc_cli_catch_sigint(&previous);
    enum ecc_status status = ecc_wirefuzz_run(&options, &fuzz->result, &diag);
    sigaction(SIGINT, &previous, NULL);
    if (status != ECC_OK) {
        ecc_cli_error(S_CMD, "%s", diag.text);
        return status == ECC_ERR_INVALID ? ECC_EXIT_SETUP : ECC_EXIT_INTERNAL;
    }
    if (fuzz->result.unusable) {
        ecc_cli_error(S_CMD, "the endpoint is unusable: %s", fuzz->result.unusable_reason);
        return ECC_EXIT_SETUP;
    }
    s_print_summary(&fuzz->result, args->seed);
    int exit_code = fuzz->result.count || fuzz->result.classes_dropped ? ECC_EXIT_FAILED : ECC_EXIT_OK;
    if (fuzz->result.interrupted) {
        printf("ecsconf fuzz: interrupted; resources of this run are named %s-*\n", fuzz->prefix);
        exit_code = ECC_EXIT_FAILED;
    }
    int written = s_write_reports(args, fuzz);
    return written == ECC_EXIT_OK ? exit_code : written;
}

int ecc_cmd_fuzz(int argc, char **argv) {
    struct s_args args = {
        .attack_ms = 2000,
        .attack_connections = 300,
        .jobs = 8,
        .requests = 1000,
        .steps = 32,
        .request_timeout_ms = 10000,
        .reports = {{"--junit", ECC_REPORT_JUNIT, NULL}, {"--json", ECC_REPORT_JSON, NULL}},
    };
    struct s_fuzz fuzz = {0};
    ecc_profile_init(&fuzz.profile_data);
    ecc_credentials_init(&fuzz.credentials);
    ecc_fixture_set_init(&fuzz.fixtures);
    ecc_wirefuzz_result_init(&fuzz.result);
    int exit_code = s_parse(argc, argv, &args);
    if (exit_code != ECC_EXIT_OK) {
        exit_code = exit_code == ECC_CLI_HELP_SHOWN ? ECC_EXIT_OK : exit_code;
        goto done;
    }
    exit_code = s_check_inputs(&args, &fuzz);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_prepare(&args, &fuzz);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_execute(&args, &fuzz);
done:
    s_fuzz_clean_up(&fuzz);
    return exit_code;
}

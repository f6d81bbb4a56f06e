/* `ecsconf client`: runs the client-direction cases against a client under test through its adapter. */
#include "commands.h"
#include "ecc/cancel.h"
#include "ecc/client_fuzz.h"
#include "ecc/client_suite.h"
#include "ecc/fixture.h"
#include "ecc/mock.h"
#include "ecc/plan.h"
#include "ecc/profile.h"
#include "ecc/report.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static const char *const s_cmd = "client";

#define S_MAX_PATHS        64
#define S_MAX_JOBS         16
#define S_MAX_FUZZ         10000
#define S_DEFAULT_FINDINGS "ecsconf-client-findings"

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf client --adapter CMD [options] [CASE_FILE_OR_DIR...]\n"
        "\n"
        "Tests a RunTask client (an SDK, a CLI, your own code) the other way round: ecsconf plays the ECS\n"
        "service. For each client-direction case it starts a mock endpoint on 127.0.0.1 loaded with the\n"
        "case's answers (recorded ones, and made-up transport faults: no answer, a reset, an answer cut\n"
        "short, a slow drip, HTML pages, an oversized body), runs the adapter, and checks both what the\n"
        "client SENT (target, Host, X-Amz-Date, Content-Length, SigV4 signature with scope <region>/ecs, a\n"
        "body of model members only, the clientToken rules: a fresh UUIDv4 when none is given, the given\n"
        "one unchanged, the same one on every retry, a new one for a new call) and what it REPORTED (the\n"
        "error name, resourceIds, failures[], the task ARNs).\n"
        "\n"
        "The adapter is a shell command. Its environment holds ECSCONF_ENDPOINT (http://127.0.0.1:PORT),\n"
        "ECSCONF_PARAMS (a JSON file with the RunTask parameters), ECSCONF_CASE, ECSCONF_ATTEMPT_TIMEOUT_MS\n"
        "(the per-attempt deadline to give the client), AWS_REGION, AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID\n"
        "and AWS_SECRET_ACCESS_KEY. It makes ONE RunTask call and prints one JSON line:\n"
        "  {\"ok\":true,\"taskArns\":[\"arn:...\"],\"failures\":[{\"arn\":..,\"reason\":..,\"detail\":..}]}\n"
        "  {\"ok\":false,\"error\":\"ConflictException\",\"message\":\"...\",\"resourceIds\":[\"arn:...\"]}\n"
        "It may add \"unsupported\":[\"resourceIds\"] to say what its client cannot report (those checks are\n"
        "skipped with that reason). Exit 89 means \"this client cannot express this case\" (SKIP); a crash,\n"
        "a hang past --timeout-ms or anything but that JSON line FAILs the case.\n"
        "\n"
        "Options:\n"
        "  --adapter CMD       the adapter command (required); adapters shipped in harness/adapters/:\n"
        "                        harness/adapters/aws-cli.sh, harness/adapters/boto3_adapter.py,\n"
        "                        harness/adapters/node/adapter.js, 'ecsconf adapter-c' (the C client),\n"
        "                        adapters/go-v1 and adapters/go-v2 of a build tree (the AWS SDK for Go,\n"
        "                        built by harness/adapters/go-build.sh from Debian's packages).\n"
        "                        A command whose first word is ecsconf runs this very binary, so it\n"
        "                        works from a build tree without ecsconf on PATH\n"
        "  --name NAME         the client's name in reports (default: the adapter command)\n"
        "  --fixtures DIR      the exchanges the cases name (default: fixtures/ in the data folder\n"
        "                      `ecsconf version` prints)\n"
        "  --only TERMS        run only these cases: ids, globs over the id or 'client/<id>', tag:NAME;\n"
        "                      comma-separated, repeatable (as in ecsconf run)\n"
        "  --skip TERMS        leave these cases out (same terms)\n"
        "  --region REGION     region of the mock and the signature scope (default us-east-1)\n"
        "  --timeout-ms N      deadline of one adapter run (default 30000)\n"
        "  --attempt-timeout-ms N  the per-attempt deadline the adapter gives its client, in\n"
        "                      ECSCONF_ATTEMPT_TIMEOUT_MS (default 5000): how long a hung answer (the\n"
        "                      fault-* cases) is waited for before a retry\n"
        "  --junit FILE        write a JUnit XML report (one testcase per client case, class 'client')\n"
        "  --tap FILE          write a TAP 13 report\n"
        "  --json FILE         write a JSON report, as ecsconf run's ('profile' holds the client's name);\n"
        "                      harness/adapters/result-table.py turns several into a per-client table\n"
        "  --results FILE      the former name of --json\n"
        "  --expect-fail FILE  known failures of this client: lines '<case id or glob> <reason>' ('#' starts a\n"
        "                      comment). A listed case that fails is XFAIL (the run stays green); one that\n"
        "                      passes is XPASS and fails the run; a line matching no case is an error\n"
        "  --jobs N            run N cases at once (default 1, at most 16; each has its own mock and port)\n"
        "  --shard I/N         run only the I-th of N shards (1-based), for a CI matrix: the case ids,\n"
        "                      sorted, dealt round-robin (as `ecsconf run --shard`), so each case is in\n"
        "                      exactly one shard\n"
        "  --verbose           print the mock's log (one line per request, no-match diffs)\n"
        "  CASE_FILE_OR_DIR    case files or folders (default: client-cases/ in the data folder)\n"
        "\n"
        "The mock's key is AKIDECSCONFCLIENT with the public test secret\n"
        "'ecsconf/client/mode/test/secret/key/0000' (not a secret; nothing leaves 127.0.0.1).\n"
        "Output is line-buffered: each case's line appears as it finishes, also through a pipe.\n"
        "Ctrl-C starts no more cases and lets the running ones finish (each within --timeout-ms); the\n"
        "console and the reports then hold what ran, the rest being SKIP 'not run: interrupted', and the\n"
        "run says INTERRUPTED (exit 1). A second Ctrl-C stops at once.\n"
        "\n"
        "Examples:\n"
        "  ecsconf client --adapter 'ecsconf adapter-c' --name c-client\n"
        "  ecsconf client --adapter 'ecsconf adapter-c' --only tag:faults --junit client.xml --tap client.tap\n"
        "  ecsconf client --adapter harness/adapters/boto3_adapter.py --only 'token-*' --verbose\n"
        "  ecsconf client --adapter harness/adapters/aws-cli.sh client-cases/error-conflict-exception.json\n"
        "  ecsconf client --adapter 'ecsconf adapter-c' --fuzz 5 --seed 7 --only 'success-*' --junit fuzz.xml\n"
        "\n"
        "A fuzz finding names its reproducer, a client case holding the exact answer: play it to any client\n"
        "with 'ecsconf serve --case FILE' or 'ecsconf client --adapter CMD FILE'. --expect-fail lists known\n"
        "findings by case id as for the plain suite (keep a separate list for fuzz runs).\n"
        "\n"
        "Exit codes: 0 no case failed (skips and expected failures allowed); 1 a case failed, an expected\n"
        "failure passed or the run was interrupted; 2 usage, a bad case, fixture or expect-fail file, or\n"
        "no case selected; 3 the mock or the adapter could not be started, or a report could not be\n"
        "written; 4 internal error.\n");
}

static void s_print_diag(const struct ecc_diag *diag) {
    char text[1200];
    ecc_diag_format(diag, text, sizeof(text));
    ecc_cli_error(s_cmd, "%s", text);
}

static void s_suite_error(void *user_data, const struct ecc_diag *diag) {
    (void)user_data;
    s_print_diag(diag);
}

static void s_log(void *user_data, const char *line) {
    (void)user_data;
    fprintf(stderr, "  | %s\n", line);
}

static void s_on_case_done(void *user_data, const struct ecc_case_report *item, size_t done, size_t total) {
    const bool *color = user_data;
    (void)done;
    (void)total;
    ecc_report_console_case(stdout, item, *color);
}

/*
 * A command whose first word is `ecsconf` runs this very binary: the --help example
 * `'ecsconf adapter-c'` must work from a build tree with no ecsconf on PATH. The path is quoted for
 * /bin/sh. False (use the command as given) when the first word is another or the binary is unknown.
 */
static bool s_resolve_self(const char *adapter, char *out, size_t size) {
    size_t word = strlen("ecsconf");
    if (strncmp(adapter, "ecsconf", word) != 0 || (adapter[word] != '\0' && adapter[word] != ' ')) {
        return false;
    }
    char self[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (len <= 0) {
        return false;
    }
    self[len] = '\0';
    if (strchr(self, '\'') != NULL) {
        return false;
    }
    int written = snprintf(out, size, "'%s'%s", self, adapter + word);
    return written > 0 && (size_t)written < size;
}

/* The distinct fuzz findings, each with its reproducer commands. */
static void s_print_findings(struct ecc_client_fuzz_findings *findings, const char *adapter) {
    ecc_client_fuzz_findings_sort(findings);
    printf("fuzz: %zu distinct finding%s\n", findings->count, findings->count == 1 ? "" : "s");
    for (size_t i = 0; i < findings->count; i++) {
        const struct ecc_client_fuzz_finding *finding = &findings->items[i];
        printf(
            "  %s: seen %u time%s, first in %s iteration %u (its seed %llu): %s\n",
            finding->key,
            finding->count,
            finding->count == 1 ? "" : "s",
            finding->first_case,
            finding->first_iteration,
            (unsigned long long)finding->first_seed,
            finding->detail);
        printf("    reproduce: ecsconf serve --case %s\n", finding->file);
        printf("           or: ecsconf client --adapter '%s' %s\n", adapter, finding->file);
    }
}

/* The command line, as given (the filters are built while reading it). */
struct s_args {
    const char *adapter;
    const char *name;
    const char *fixtures_dir;
    const char *region;
    const char *expect_fail_file;
    const char *findings_dir;
    const char *paths[S_MAX_PATHS]; /* case files or folders; client-cases/ when none is given */
    size_t path_count;
    uint64_t timeout_ms;
    uint64_t attempt_timeout_ms;
    uint64_t jobs;
    uint64_t fuzz_count;
    uint64_t fuzz_seed;
    bool seed_given;
    bool findings_given;
    bool verbose;
    struct ecc_filter only; /* owned */
    struct ecc_filter skip; /* owned */
    struct ecc_shard shard;
    struct ecc_cli_report_option reports[4]; /* --results: the former name of --json */
    char default_fixtures[4096];
    char default_cases[4096];
};

/* What the client run is made of; clean_up releases it. */
struct s_client {
    const char *command; /* the adapter, or this very binary for `ecsconf ...` */
    char resolved[PATH_MAX + 1200];
    struct ecc_fixture_set fixtures;
    struct ecc_client_suite suite;
    struct ecc_expect_fail_list expect_fail;
    struct ecc_client_fuzz_findings findings; /* --fuzz */
    struct ecc_run_report report;
    bool color;
};

static void s_init(struct s_args *args, struct s_client *client) {
    *args = (struct s_args){
        .region = ECC_MOCK_DEFAULT_REGION,
        .findings_dir = S_DEFAULT_FINDINGS,
        .timeout_ms = 30000,
        .attempt_timeout_ms = 5000,
        .jobs = 1,
        .reports =
            {{"--junit", ECC_REPORT_JUNIT, NULL},
             {"--tap", ECC_REPORT_TAP, NULL},
             {"--json", ECC_REPORT_JSON, NULL},
             {"--results", ECC_REPORT_JSON, NULL}},
    };
    args->fixtures_dir = ecc_cli_data_path("fixtures", args->default_fixtures, sizeof(args->default_fixtures));
    ecc_filter_init(&args->only);
    ecc_filter_init(&args->skip);
    *client = (struct s_client){0};
    ecc_fixture_set_init(&client->fixtures);
    ecc_client_suite_init(&client->suite);
    ecc_expect_fail_list_init(&client->expect_fail);
}

static void s_clean_up(struct s_args *args, struct s_client *client) {
    ecc_client_fuzz_findings_clean_up(&client->findings);
    ecc_run_report_clean_up(&client->report);
    ecc_expect_fail_list_clean_up(&client->expect_fail);
    ecc_client_suite_clean_up(&client->suite);
    ecc_fixture_set_clean_up(&client->fixtures);
    ecc_filter_clean_up(&args->skip);
    ecc_filter_clean_up(&args->only);
}

/* Reads the command line: ECC_EXIT_OK to go on, ECC_EXIT_USAGE (printed), or ECC_CLI_HELP_SHOWN. */
static int s_parse(int argc, char **argv, struct s_args *args) {
    const struct ecc_cli_option options[] = {
        {"--adapter", .value = &args->adapter},
        {"--name", .value = &args->name},
        {"--fixtures", .value = &args->fixtures_dir},
        {"--region", .value = &args->region},
        {"--expect-fail", .value = &args->expect_fail_file},
        {"--findings", .value = &args->findings_dir, .given = &args->findings_given},
        {"--verbose", .given = &args->verbose},
        {"--shard", .take = ecc_cli_take_shard, .user = &args->shard},
        {"--only", .take = ecc_cli_take_filter, .user = &args->only},
        {"--skip", .take = ecc_cli_take_filter, .user = &args->skip},
        {"--seed", .number = &args->fuzz_seed, .max = UINT64_MAX, .given = &args->seed_given},
        {"--timeout-ms", .number = &args->timeout_ms, .min = 1, .max = 600000},
        {"--attempt-timeout-ms", .number = &args->attempt_timeout_ms, .min = 1, .max = 600000},
        {"--jobs", .number = &args->jobs, .min = 1, .max = S_MAX_JOBS},
        {"--fuzz", .number = &args->fuzz_count, .min = 1, .max = S_MAX_FUZZ},
        ECC_CLI_REPORT_OPTION(args->reports[0]),
        ECC_CLI_REPORT_OPTION(args->reports[1]),
        ECC_CLI_REPORT_OPTION(args->reports[2]),
        ECC_CLI_REPORT_OPTION(args->reports[3]),
    };
    const struct ecc_cli_parser parser = {
        .cmd = s_cmd,
        .help = s_help,
        .options = options,
        .option_count = ECC_ARRAY_LEN(options),
        .operands = {"case paths", .list = args->paths, .count = &args->path_count, .max_count = S_MAX_PATHS},
    };
    return ecc_cli_parse(&parser, argc, argv);
}

/* What the options need from each other, the reports (writable, each its own file), the fuzz seed and
 * findings, and the defaults: the cases, the client's name, the command to run. */
static int s_check(struct s_args *args, struct s_client *client) {
    if (args->adapter == NULL) {
        ecc_cli_error(s_cmd, "--adapter CMD is required (see ecsconf client --help)");
        return ECC_EXIT_USAGE;
    }
    if (args->fuzz_count == 0 && (args->seed_given || args->findings_given)) {
        ecc_cli_error(s_cmd, "%s belongs to --fuzz N", args->seed_given ? "--seed" : "--findings");
        return ECC_EXIT_USAGE;
    }
    if (!ecc_cli_check_reports(s_cmd, args->reports, ECC_ARRAY_LEN(args->reports))) {
        return ECC_EXIT_USAGE;
    }
    if (args->fuzz_count > 0 && !args->seed_given &&
        getrandom(&args->fuzz_seed, sizeof(args->fuzz_seed), 0) != (ssize_t)sizeof(args->fuzz_seed)) {
        ecc_cli_error(s_cmd, "cannot draw a fuzz seed: %s (give --seed)", strerror(errno));
        return ECC_EXIT_SETUP;
    }
    if (args->fuzz_count > 0 && ecc_client_fuzz_findings_init(&client->findings, args->findings_dir) != ECC_OK) {
        return ECC_EXIT_INTERNAL;
    }
    if (args->path_count == 0) {
        args->paths[args->path_count++] =
            ecc_cli_data_path("client-cases", args->default_cases, sizeof(args->default_cases));
    }
    if (args->name == NULL) {
        args->name = args->adapter;
    }
    client->command =
        s_resolve_self(args->adapter, client->resolved, sizeof(client->resolved)) ? client->resolved : args->adapter;
    return ECC_EXIT_OK;
}

/* Everything is loaded first, so a broken file is reported before anything runs: the fixtures, the cases,
 * the terms of --only and --skip, the expected failures. */
static int s_load(const struct s_args *args, struct s_client *client) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_fixture_set_load_dir(&client->fixtures, args->fixtures_dir, s_suite_error, NULL) != ECC_OK ||
        ecc_client_suite_load(&client->suite, &client->fixtures, args->paths, args->path_count, s_suite_error, NULL) !=
            ECC_OK) {
        return ECC_EXIT_USAGE;
    }
    if ((args->only.count > 0 &&
         ecc_client_suite_check_filter(&client->suite, &args->only, "--only", &diag) != ECC_OK) ||
        (args->skip.count > 0 &&
         ecc_client_suite_check_filter(&client->suite, &args->skip, "--skip", &diag) != ECC_OK)) {
        s_print_diag(&diag);
        return ECC_EXIT_USAGE;
    }
    if (args->expect_fail_file != NULL &&
        (ecc_expect_fail_load_file(&client->expect_fail, args->expect_fail_file, &diag) != ECC_OK ||
         ecc_client_suite_check_expect_fail(&client->suite, &client->expect_fail, &diag) != ECC_OK)) {
        s_print_diag(&diag);
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* Runs the selected cases (each fuzzed --fuzz times): the suite's status. */
static enum ecc_status s_run_cases(const struct s_args *args, struct s_client *client, struct ecc_diag *diag) {
    struct ecc_client_fuzz_options fuzz = {
        .count = (unsigned)args->fuzz_count,
        .seed = args->fuzz_seed,
        .findings = &client->findings,
        .interrupted = ecc_cancel_level_flag()};
    struct ecc_client_suite_options options = {
        .run =
            {.adapter = client->command,
             .region = args->region,
             .adapter_timeout_ms = (unsigned)args->timeout_ms,
             .attempt_timeout_ms = (unsigned)args->attempt_timeout_ms,
             .log_fn = args->verbose ? s_log : NULL},
        .only = &args->only,
        .skip = &args->skip,
        .shard = &args->shard,
        .expect_fail = args->expect_fail_file != NULL ? &client->expect_fail : NULL,
        .jobs = (unsigned)args->jobs,
        .fuzz = args->fuzz_count > 0 ? &fuzz : NULL,
        .interrupted = ecc_cancel_level_flag(),
        .on_case_done = s_on_case_done,
        .user_data = &client->color,
    };
    return ecc_client_suite_run(&client->suite, &options, &client->report, diag);
}

/* The findings, the summary and the reports after a run whose suite returned `status`; the exit code. */
static int s_finish(
    const struct s_args *args,
    struct s_client *client,
    enum ecc_status status,
    bool interrupted,
    const struct ecc_diag *diag) {
    if (client->report.count == 0) {
        ecc_cli_error(s_cmd, "no case selected (%zu left out by --only/--skip)", client->report.filtered_out);
        return ECC_EXIT_USAGE;
    }
    if (args->fuzz_count > 0) {
        s_print_findings(&client->findings, args->adapter);
    }
    ecc_report_console_summary(stdout, &client->report, client->color);
    int exit_code = ecc_run_report_ok(&client->report) && !interrupted ? ECC_EXIT_OK : ECC_EXIT_FAILED;
    if (status != ECC_OK) {
        s_print_diag(diag);
        exit_code = ECC_EXIT_SETUP;
    }
    if (!ecc_cli_write_reports(s_cmd, args->reports, ECC_ARRAY_LEN(args->reports), &client->report)) {
        exit_code = ECC_EXIT_SETUP;
    }
    return exit_code;
}

/* The report, the run under the Ctrl-C handler, then what it found; the run's exit code. */
static int s_execute(const struct s_args *args, struct s_client *client) {
    char shown[1200];
    snprintf(shown, sizeof(shown), "adapter: %s", args->adapter);
    if (ecc_run_report_init(&client->report, shown, args->name, NULL, args->fuzz_seed) != ECC_OK) {
        return ECC_EXIT_INTERNAL;
    }
    client->report.command = "ecsconf client";
    if (args->fuzz_count > 0) {
        printf(
            "fuzz: %u answers per case, seed %llu (repeat with --seed %llu)\n",
            (unsigned)args->fuzz_count,
            (unsigned long long)args->fuzz_seed,
            (unsigned long long)args->fuzz_seed);
    }
    client->color = ecc_report_use_color(stdout);
    if (!ecc_cancel_install()) {
        ecc_cli_error(s_cmd, "cannot install the Ctrl-C handler: %s", strerror(errno));
        return ECC_EXIT_INTERNAL;
    }
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    enum ecc_status status = s_run_cases(args, client, &diag);
    ecc_cancel_uninstall();
    bool interrupted = ecc_cancel_level() != 0;
    if (status != ECC_ERR_NOMEM && interrupted &&
        ecc_run_report_set_stop(&client->report, ECC_RUN_STOP_INTERRUPTED, "interrupted (Ctrl-C)") != ECC_OK) {
        /* Every report says so: console INTERRUPTED, JSON "ok": false, a JUnit error, TAP Bail out! */
        status = ECC_ERR_NOMEM;
    }
    if (status == ECC_ERR_NOMEM) {
        return ECC_EXIT_INTERNAL;
    }
    return s_finish(args, client, status, interrupted, &diag);
}

int ecc_cmd_client(int argc, char **argv) {
    struct s_args args;
    struct s_client client;
    s_init(&args, &client);
    /* A CI log must show each case as it finishes, even when stdout is a pipe. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    int exit_code = s_parse(argc, argv, &args);
    if (exit_code != ECC_EXIT_OK) {
        exit_code = exit_code == ECC_CLI_HELP_SHOWN ? ECC_EXIT_OK : exit_code;
        goto done;
    }
    exit_code = s_check(&args, &client);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_load(&args, &client);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_execute(&args, &client);
done:
    s_clean_up(&args, &client);
    return exit_code;
}

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

static bool s_parse_unsigned(const char *name, const char *value, unsigned long max, unsigned *out) {
    uint64_t parsed = 0;
    if (!ecc_cli_parse_u64(value, 1, max, &parsed)) {
        ecc_cli_error(s_cmd, "%s takes 1..%lu, got '%s'", name, max, value);
        return false;
    }
    *out = (unsigned)parsed;
    return true;
}

int ecc_cmd_client(int argc, char **argv) {
    const char *adapter = NULL;
    const char *name = NULL;
    char default_fixtures[4096], default_cases[4096];
    const char *fixtures_dir = ecc_cli_data_path("fixtures", default_fixtures, sizeof(default_fixtures));
    const char *region = ECC_MOCK_DEFAULT_REGION;
    const char *junit = NULL;
    const char *tap = NULL;
    const char *json_file = NULL;
    const char *expect_fail_file = NULL;
    const char *paths[S_MAX_PATHS];
    size_t path_count = 0;
    unsigned timeout_ms = 30000;
    unsigned attempt_timeout_ms = 5000;
    unsigned jobs = 1;
    unsigned fuzz_count = 0;
    uint64_t fuzz_seed = 0;
    bool seed_given = false;
    bool findings_given = false;
    const char *findings_dir = S_DEFAULT_FINDINGS;
    struct ecc_client_fuzz_findings findings = {0};
    bool verbose = false;
    int exit_code = ECC_EXIT_OK;
    struct ecc_diag diag;
    struct ecc_filter only;
    struct ecc_filter skip;
    struct ecc_shard shard = {0};
    struct ecc_fixture_set fixtures;
    struct ecc_client_suite suite;
    struct ecc_expect_fail_list expect_fail;
    struct ecc_run_report report;
    bool report_ready = false;
    ecc_diag_clear(&diag);
    ecc_filter_init(&only);
    ecc_filter_init(&skip);
    ecc_fixture_set_init(&fixtures);
    ecc_client_suite_init(&suite);
    ecc_expect_fail_list_init(&expect_fail);
    /* A CI log must show each case as it finishes, even when stdout is a pipe. */
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (int i = 1; i < argc; i++) {
        const char *value;
        struct ecc_filter *filter = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            goto done;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--adapter")) != NULL) {
            adapter = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--name")) != NULL) {
            name = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--fixtures")) != NULL) {
            fixtures_dir = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--region")) != NULL) {
            region = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--junit")) != NULL) {
            junit = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--tap")) != NULL) {
            tap = value;
        } else if (
            (value = ecc_cli_option_value(argc, argv, &i, "--json")) != NULL ||
            (value = ecc_cli_option_value(argc, argv, &i, "--results")) != NULL) {
            json_file = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--only")) != NULL) {
            filter = &only;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--skip")) != NULL) {
            filter = &skip;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--timeout-ms")) != NULL) {
            if (!s_parse_unsigned("--timeout-ms", value, 600000, &timeout_ms)) {
                exit_code = ECC_EXIT_USAGE;
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--attempt-timeout-ms")) != NULL) {
            if (!s_parse_unsigned("--attempt-timeout-ms", value, 600000, &attempt_timeout_ms)) {
                exit_code = ECC_EXIT_USAGE;
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--expect-fail")) != NULL) {
            expect_fail_file = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--shard")) != NULL) {
            if (ecc_shard_parse(value, &shard, &diag) != ECC_OK) {
                ecc_cli_error(s_cmd, "--shard: %s", diag.text);
                exit_code = ECC_EXIT_USAGE;
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--jobs")) != NULL) {
            if (!s_parse_unsigned("--jobs", value, S_MAX_JOBS, &jobs)) {
                exit_code = ECC_EXIT_USAGE;
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--fuzz")) != NULL) {
            if (!s_parse_unsigned("--fuzz", value, S_MAX_FUZZ, &fuzz_count)) {
                exit_code = ECC_EXIT_USAGE;
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--seed")) != NULL) {
            if (!ecc_cli_parse_u64(value, 0, UINT64_MAX, &fuzz_seed)) {
                ecc_cli_error(s_cmd, "--seed takes an unsigned 64-bit number, got '%s'", value);
                exit_code = ECC_EXIT_USAGE;
                goto done;
            }
            seed_given = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--findings")) != NULL) {
            findings_dir = value;
            findings_given = true;
        } else if (strcmp(argv[i], "--verbose") == 0) {
            verbose = true;
        } else if (argv[i][0] == '-') {
            ecc_cli_error(s_cmd, "unknown option '%s' (see ecsconf client --help)", argv[i]);
            exit_code = ECC_EXIT_USAGE;
            goto done;
        } else {
            if (path_count == S_MAX_PATHS) {
                ecc_cli_error(s_cmd, "at most %d case paths", S_MAX_PATHS);
                exit_code = ECC_EXIT_USAGE;
                goto done;
            }
            paths[path_count++] = argv[i];
        }
        if (filter != NULL && ecc_filter_add(filter, value, &diag) != ECC_OK) {
            ecc_cli_error(s_cmd, "%s %s: %s", filter == &only ? "--only" : "--skip", value, diag.text);
            exit_code = ECC_EXIT_USAGE;
            goto done;
        }
    }
    if (adapter == NULL) {
        ecc_cli_error(s_cmd, "--adapter CMD is required (see ecsconf client --help)");
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (fuzz_count == 0 && (seed_given || findings_given)) {
        ecc_cli_error(s_cmd, "%s belongs to --fuzz N", seed_given ? "--seed" : "--findings");
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (fuzz_count > 0 && !seed_given && getrandom(&fuzz_seed, sizeof(fuzz_seed), 0) != (ssize_t)sizeof(fuzz_seed)) {
        ecc_cli_error(s_cmd, "cannot draw a fuzz seed: %s (give --seed)", strerror(errno));
        exit_code = ECC_EXIT_SETUP;
        goto done;
    }
    if (fuzz_count > 0 && ecc_client_fuzz_findings_init(&findings, findings_dir) != ECC_OK) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    if (path_count == 0) {
        paths[path_count++] = ecc_cli_data_path("client-cases", default_cases, sizeof(default_cases));
    }
    if (name == NULL) {
        name = adapter;
    }
    char resolved[PATH_MAX + 1200];
    const char *command = s_resolve_self(adapter, resolved, sizeof(resolved)) ? resolved : adapter;

    /* Load everything first: a broken file is reported before anything runs. */
    if (ecc_fixture_set_load_dir(&fixtures, fixtures_dir, s_suite_error, NULL) != ECC_OK ||
        ecc_client_suite_load(&suite, &fixtures, paths, path_count, s_suite_error, NULL) != ECC_OK) {
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if ((only.count > 0 && ecc_client_suite_check_filter(&suite, &only, "--only", &diag) != ECC_OK) ||
        (skip.count > 0 && ecc_client_suite_check_filter(&suite, &skip, "--skip", &diag) != ECC_OK)) {
        s_print_diag(&diag);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (expect_fail_file != NULL && (ecc_expect_fail_load_file(&expect_fail, expect_fail_file, &diag) != ECC_OK ||
                                     ecc_client_suite_check_expect_fail(&suite, &expect_fail, &diag) != ECC_OK)) {
        s_print_diag(&diag);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    char shown[1200];
    snprintf(shown, sizeof(shown), "adapter: %s", adapter);
    if (ecc_run_report_init(&report, shown, name, NULL, fuzz_seed) != ECC_OK) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    report.command = "ecsconf client";
    report_ready = true;
    struct ecc_client_fuzz_options fuzz = {
        .count = fuzz_count, .seed = fuzz_seed, .findings = &findings, .interrupted = ecc_cancel_level_flag()};
    if (fuzz_count > 0) {
        printf(
            "fuzz: %u answers per case, seed %llu (repeat with --seed %llu)\n",
            fuzz_count,
            (unsigned long long)fuzz_seed,
            (unsigned long long)fuzz_seed);
    }
    bool color = ecc_report_use_color(stdout);
    struct ecc_client_suite_options options = {
        .run =
            {.adapter = command,
             .region = region,
             .adapter_timeout_ms = timeout_ms,
             .attempt_timeout_ms = attempt_timeout_ms,
             .log_fn = verbose ? s_log : NULL},
        .only = &only,
        .skip = &skip,
        .shard = &shard,
        .expect_fail = expect_fail_file != NULL ? &expect_fail : NULL,
        .jobs = jobs,
        .fuzz = fuzz_count > 0 ? &fuzz : NULL,
        .interrupted = ecc_cancel_level_flag(),
        .on_case_done = s_on_case_done,
        .user_data = &color,
    };
    if (!ecc_cancel_install()) {
        ecc_cli_error(s_cmd, "cannot install the Ctrl-C handler: %s", strerror(errno));
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    enum ecc_status status = ecc_client_suite_run(&suite, &options, &report, &diag);
    ecc_cancel_uninstall();
    bool interrupted = ecc_cancel_level() != 0;
    if (status != ECC_ERR_NOMEM && interrupted) {
        /* Every report says so: console INTERRUPTED, JSON "ok": false, a JUnit error, TAP Bail out! */
        status = ecc_run_report_set_stop(&report, ECC_RUN_STOP_INTERRUPTED, "interrupted (Ctrl-C)") == ECC_OK
                     ? status
                     : ECC_ERR_NOMEM;
    }
    if (status == ECC_ERR_NOMEM) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    if (report.count == 0) {
        ecc_cli_error(s_cmd, "no case selected (%zu left out by --only/--skip)", report.filtered_out);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (fuzz_count > 0) {
        s_print_findings(&findings, adapter);
    }
    ecc_report_console_summary(stdout, &report, color);
    exit_code = ecc_run_report_ok(&report) && !interrupted ? ECC_EXIT_OK : ECC_EXIT_FAILED;
    if (status != ECC_OK) {
        s_print_diag(&diag);
        exit_code = ECC_EXIT_SETUP;
    }
    const struct {
        const char *file;
        enum ecc_report_format format;
    } outputs[] = {{junit, ECC_REPORT_JUNIT}, {tap, ECC_REPORT_TAP}, {json_file, ECC_REPORT_JSON}};
    for (size_t i = 0; i < ECC_ARRAY_LEN(outputs); i++) {
        if (outputs[i].file != NULL &&
            ecc_report_write_file(outputs[i].file, outputs[i].format, &report, &diag) != ECC_OK) {
            s_print_diag(&diag);
            exit_code = ECC_EXIT_SETUP;
        }
    }

done:
    ecc_client_fuzz_findings_clean_up(&findings);
    if (report_ready) {
        ecc_run_report_clean_up(&report);
    }
    ecc_expect_fail_list_clean_up(&expect_fail);
    ecc_client_suite_clean_up(&suite);
    ecc_fixture_set_clean_up(&fixtures);
    ecc_filter_clean_up(&skip);
    ecc_filter_clean_up(&only);
    return exit_code;
}

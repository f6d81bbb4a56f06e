/*
 * `ecsconf run`: the conformance suite against an endpoint (the embedded emulator when none is given).
 * Every input is checked before anything is sent (usage errors exit 2); then a preflight call proves the
 * endpoint, TLS, credentials and region (exit 3 when it fails); then the runner, whose reports say when
 * the run was interrupted or stopped.
 */
#include "commands.h"

#include "ecc/cancel.h"
#include "ecc/case.h"
#include "ecc/credentials.h"
#include "ecc/emulator.h"
#include "ecc/plan.h"
#include "ecc/profile.h"
#include "ecc/report.h"
#include "ecc/runner.h"
#include "ecc/vars.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_CMD       "run"
#define S_MAX_LISTS 16
#define S_MAX_PATHS 256
/* --verbose: one exchange's text, and the part of an answer body shown. */
#define S_MAX_VERBOSE_BYTES (64 * 1024)
#define S_MAX_VERBOSE_BODY  2000

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf run [options] [CASE_FILE_OR_FOLDER...]\n"
        "\n"
        "Replays the conformance cases (conformance/<group>/<id>.json, with the recorded requests of\n"
        "fixtures/) against an ECS endpoint, every request freshly signed, and checks every answer. With no\n"
        "endpoint it starts the embedded reference emulator on a free loopback port, so this just works:\n"
        "\n"
        "  ecsconf run                              # the whole suite against the embedded emulator\n"
        "  ecsconf run --only tag:clienttoken       # one group of rules\n"
        "  ecsconf run --endpoint http://127.0.0.1:5000 --profile moto --junit moto.xml\n"
        "  ecsconf run --endpoint https://ecs.eu-west-1.amazonaws.com --region eu-west-1 \\\n"
        "      --profile aws --only 'errors/*' --allow-tasks\n"
        "\n"
        "Endpoint and identity:\n"
        "  --endpoint URL        http(s)://host[:port], port 1-65535, no path; default $AWS_ENDPOINT_URL_ECS,\n"
        "                        then $AWS_ENDPOINT_URL, then the embedded emulator\n"
        "  --region REGION       in the AWS form (us-east-1); default $AWS_REGION, then $AWS_DEFAULT_REGION,\n"
        "                        then the AWS config, then the profile's region (us-east-1 for emulator, moto)\n"
        "  --profile NAME|FILE   what the endpoint can do and which deviations are known: a profile file\n"
        "                        (capabilities, region, test keys, run-variable defaults, expected-failure\n"
        "                        lists; conformance/README.md, \"Profile files\"). A NAME is\n"
        "                        <suite>/profiles/NAME.profile; shipped: emulator (the embedded or `ecsconf\n"
        "                        emulate` emulator: every capability), moto (moto_server 5.x: EC2 capacity\n"
        "                        per cluster, no control endpoint), aws (Amazon ECS: credentials required),\n"
        "                        localstack (a starting point, untested). Default: emulator without\n"
        "                        --endpoint, aws with one. A FILE is a path (./my.profile)\n"
        "  Credentials, region and CA bundle are found as the AWS CLI finds them: AWS_ACCESS_KEY_ID,\n"
        "  AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN; then the profile (AWS_PROFILE, default \"default\") in\n"
        "  AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials), its credential_process (30 s deadline), its keys in\n"
        "  AWS_CONFIG_FILE (~/.aws/config); region from AWS_REGION, AWS_DEFAULT_REGION, then the profile;\n"
        "  AWS_CA_BUNDLE, then the profile's ca_bundle. Without credentials a profile's test keys are used\n"
        "  (emulator, moto, localstack). Secrets are never printed: reproducers use\n"
        "  curl --aws-sigv4 with \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\".\n"
        "  --ca-bundle FILE      PEM file of trusted CAs, default $AWS_CA_BUNDLE (TLS verification is always\n"
        "                        on, unless...)\n"
        "  --insecure            ...you turn it off explicitly\n"
        "  --allow-tasks         run cases that start tasks on an endpoint off loopback. Tasks cost money on\n"
        "                        AWS; without this flag those cases are SKIPped there\n"
        "  --var NAME=VALUE      a run variable: an id of the account that cases use as ${NAME} (repeatable).\n"
        "                        A profile's var.NAME gives a default (emulator: placeholders); a case that\n"
        "                        uses a run variable without a value is SKIPped with the reason. Run variables:\n");
    for (size_t i = 0; i < ecc_case_run_var_count; i++) {
        fprintf(out, "                          %-15s %s\n", ecc_case_run_vars[i].name, ecc_case_run_vars[i].summary);
    }
    fprintf(
        out,
        "\n"
        "Which cases:\n"
        "  --suite DIR           the suite folder (default: conformance/ in the data folder that\n"
        "                        `ecsconf version` prints, $ECSCONF_DATA_DIR when set); fixtures in\n"
        "                        DIR/../fixtures\n"
        "  --fixtures DIR        another fixtures folder\n"
        "  --only TERMS          run only the matching cases; --skip TERMS leaves matching cases out.\n"
        "                        TERMS: comma-separated case ids, globs over id or group/id (errors/*),\n"
        "                        or tag:NAME. Both may be repeated. An --only term that matches no case, or\n"
        "                        no case selected at all, is an error (exit 2) with the nearest ids or tags\n"
        "  --allow-empty         accept a run of no case (exit 0)\n"
        "  --expect-fail FILE    more expected failures, one \"<id or glob> [EXPECTS] <reason>\" per line\n"
        "                        (repeatable). A listed case that fails the expected way is XFAIL; one that\n"
        "                        passes is XPASS and fails the run. EXPECTS, e.g. [status=500, error=none],\n"
        "                        says how it must fail (status=N|Nxx, error=NAME|none, reason~TEXT,\n"
        "                        transport=KIND). A transport failure (connect, TLS, timeout, reset, ...)\n"
        "                        is never an expected failure unless its line says transport=KIND\n"
        "  --list                load and plan only: print each case (sorted) with RUN or SKIP and why, its\n"
        "                        title and tags; send nothing\n"
        "  --tags                print the suite's tags with their number of cases, send nothing\n"
        "  --shard I/N           run only the I-th of N shards (1-based) of the suite, for a CI matrix: the\n"
        "                        \"group/id\" of every case, sorted, dealt round-robin, so each case is in\n"
        "                        exactly one shard and the same suite always splits the same way. --only and\n"
        "                        --skip then apply within the shard. Merge the shards' JUnit files as usual\n"
        "\n"
        "How:\n"
        "  --jobs N              cases in parallel (default 1); exclusive cases always run alone first\n"
        "  --fail-fast           after the first FAIL or XPASS start no further case (those are SKIP)\n"
        "  --strict              where the documentation leaves the answer open (cases tagged undocumented:\n"
        "                        a 65-character token, count 0, eleven constraints, ...) a step accepts\n"
        "                        every plausible 4xx error type; --strict requires the reference emulator's\n"
        "                        exact choice instead (for emulator authors who want its answers)\n"
        "  --verbose, -v         print every exchange: the request as a curl command line (secrets as\n"
        "                        placeholders) and the answer's status and body (first 2000 bytes)\n"
        "  --request-timeout-ms N  per request, the one limit (a slow answer is cut only by it; default\n"
        "                        30000); --case-timeout-ms N per case (default 600000)\n"
        "  --confirm-initial-ms N, --confirm-max-delay-ms N, --confirm-total-ms N\n"
        "                        DescribeTasks confirmation backoff after RunTask (defaults 2000, 300000,\n"
        "                        300000: at once, then 2 s, 4 s, 8 s, ... until 5 minutes)\n"
        "  --seed N              case order and generated values (${uuid}); printed at start, so a run can be\n"
        "                        repeated. Resource names do not come from it: each run has its own prefix\n"
        "  --run-id HEX8         the resource prefix's 8 hex digits (ecc<HEX8>); default: fresh each run, so\n"
        "                        a repeated run does not meet the clusters, task families (whose revisions\n"
        "                        never restart) and clientTokens of the first on a persistent endpoint\n"
        "\n"
        "Output:\n"
        "  one line per case: PASS, FAIL (with the step, the expected-vs-actual diff and a curl command that\n"
        "  replays the request), SKIP (with the reason), XFAIL, XPASS. Progress on a terminal (not with\n"
        "  TERM=dumb); NO_COLOR=1 turns colour off.\n"
        "  --junit FILE, --tap FILE, --json FILE   reports for CI: each once, each its own file, checked\n"
        "                        writable before the run; '-' is standard output (the console then goes\n"
        "                        to stderr)\n"
        "  --record DIR          also store every exchange as a redacted fixture in DIR (fixtures/README.md,\n"
        "                        \"Recording exchanges\"), ids run-<prefix>-NNNN-<operation>\n"
        "  --record-from KIND    what the endpoint is, written in each fixture: aws, moto, emulator, other\n"
        "                        (default: emulator for the embedded one, other otherwise)\n"
        "\n"
        "Before the first case one signed ListTasks (of a cluster that does not exist) proves the endpoint,\n"
        "TLS, credentials and region; failing that, exit 3 with the reason. After 3 cases in a row with no\n"
        "usable answer the endpoint is probed again and, if it still fails, the run stops (exit 3).\n"
        "\n"
        "Resources: every cluster and task family a case creates is named <prefix>-<case id> (the prefix is\n"
        "printed first); the runner stops, deregisters and deletes them after each case, also after a failure\n"
        "or Ctrl-C. The first Ctrl-C cancels the requests in flight and cleans up; the second abandons the\n"
        "cleanup. An interrupted run says so in every report (console INTERRUPTED, JSON \"ok\": false, a JUnit\n"
        "error, TAP Bail out!).\n"
        "\n"
        "Exit: 0 every case passed, was skipped or failed as expected; 1 a case failed or an expected failure\n"
        "passed (or the run was interrupted); 2 bad option, bad input or bad case file (file:line:column), no\n"
        "case selected; 3 the endpoint, TLS, credentials or region are missing or unusable (preflight,\n"
        "circuit breaker); 4 internal error.\n");
}

struct s_console {
    FILE *out;            /* stdout, or stderr when a report goes to stdout */
    const char *endpoint; /* for --verbose's curl lines */
    bool color;
    bool progress;
};

static void s_on_done(void *user_data, const struct ecc_case_report *item, size_t done, size_t total) {
    const struct s_console *console = user_data;
    (void)done;
    (void)total;
    if (console->progress) {
        ecc_report_console_clear_progress(stderr);
    }
    ecc_report_console_case(console->out, item, console->color);
    fflush(console->out);
}

static void s_on_start(void *user_data, const struct ecc_case *c, size_t done, size_t total) {
    const struct s_console *console = user_data;
    if (console->progress) {
        char what[256];
        snprintf(what, sizeof(what), "%s/%s", c->group, c->id);
        ecc_report_console_progress(stderr, done, total, what);
    }
}

/* --verbose: each exchange as a replayable curl line (secrets as placeholders) and its answer. */
static void s_on_exchange(
    void *user_data,
    const struct ecc_case *c,
    const char *label,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    const struct ecc_transport_result *result) {
    const struct s_console *console = user_data;
    struct ecc_buf text;
    ecc_buf_init(&text, S_MAX_VERBOSE_BYTES);
    enum ecc_status status = ecc_buf_printf(&text, "%s/%s %s\n  > ", c->group, c->id, label);
    if (status == ECC_OK) {
        status = ecc_transport_format_curl(console->endpoint, request, &text);
    }
    if (status == ECC_OK && response) {
        size_t shown = response->body_len < S_MAX_VERBOSE_BODY ? response->body_len : S_MAX_VERBOSE_BODY;
        status = ecc_buf_printf(
            &text,
            "\n  < HTTP %d, %zu bytes: %.*s%s\n",
            response->status,
            response->body_len,
            (int)shown,
            response->body ? (const char *)response->body : "",
            shown < response->body_len ? "..." : "");
    } else if (status == ECC_OK) {
        status = ecc_buf_printf(&text, "\n  < no answer: %s\n", result->message);
    }
    if (console->progress) {
        ecc_report_console_clear_progress(stderr);
    }
    /* The answer comes from the endpoint: no control characters reach the terminal. */
    char *clean = ecc_report_sanitize_text(text.data ? text.data : "", true);
    fputs(clean ? clean : "(out of memory)\n", console->out);
    if (status != ECC_OK) {
        fputs("  (cut: longer than the verbose cap)\n", console->out);
    }
    free(clean);
    ecc_buf_clean_up(&text);
}

static void s_print_load_error(void *user_data, const struct ecc_diag *diag) {
    (void)user_data;
    char text[1200];
    ecc_diag_format(diag, text, sizeof(text));
    fprintf(stderr, "ecsconf run: %s\n", text);
}

static int s_compare_items(const void *a, const void *b) {
    const struct ecc_case *x = (*(const struct ecc_plan_item *const *)a)->c;
    const struct ecc_case *y = (*(const struct ecc_plan_item *const *)b)->c;
    int by_group = strcmp(x->group, y->group);
    return by_group ? by_group : strcmp(x->id, y->id);
}

/* --list: one line per planned case, sorted by group and id (not in the seeded run order, so two listings
 * compare line by line): RUN or SKIP with the reason, the title, the tags, the expected failure. */
static bool s_print_list(const struct ecc_plan *plan) {
    const struct ecc_plan_item **items = calloc(plan->count ? plan->count : 1, sizeof(*items));
    if (!items) {
        return false;
    }
    for (size_t i = 0; i < plan->count; i++) {
        items[i] = &plan->items[i];
    }
    qsort(items, plan->count, sizeof(*items), s_compare_items);
    bool ok = true;
    for (size_t i = 0; i < plan->count && ok; i++) {
        const struct ecc_plan_item *item = items[i];
        bool nomem = false;
        char *tags = ecc_case_tags_join(item->c, ",", &nomem);
        ok = !nomem;
        printf(
            "%-4s %s/%s%s%s  \"%s\"%s%s%s%s%s%s\n",
            item->action == ECC_PLAN_RUN ? "RUN" : "SKIP",
            item->c->group,
            item->c->id,
            item->action == ECC_PLAN_SKIP ? ": " : "",
            item->action == ECC_PLAN_SKIP ? item->skip_reason : "",
            item->c->title,
            tags ? "  [" : "",
            tags ? tags : "",
            tags ? "]" : "",
            item->expect_fail ? "  (expected to fail: " : "",
            item->expect_fail ? item->expect_fail->reason : "",
            item->expect_fail ? ")" : "");
        free(tags);
    }
    free(items);
    return ok;
}

int ecc_cmd_run(int argc, char **argv) {
    const char *endpoint = NULL, *region = NULL, *profile_name = NULL, *ca_bundle = NULL;
    const char *region_from = "--region";
    const char *suite_dir = NULL, *fixtures_dir = NULL;
    char default_suite[4096];
    struct ecc_cli_report_option reports[] = {
        {"--junit", ECC_REPORT_JUNIT, NULL},
        {"--tap", ECC_REPORT_TAP, NULL},
        {"--json", ECC_REPORT_JSON, NULL},
    };
    const char *lists[S_MAX_LISTS];
    size_t list_count = 0;
    const char *paths[S_MAX_PATHS];
    size_t path_count = 0;
    bool insecure = false, allow_tasks = false, list_only = false, seed_given = false, allow_empty = false;
    bool list_tags = false, run_id_given = false, fail_fast = false, verbose = false, strict = false;
    uint32_t run_id = 0;
    uint64_t jobs = 1, seed = 0, request_timeout_ms = 30000, case_timeout_ms = 600000;
    struct ecc_backoff backoff;
    ecc_backoff_init_default(&backoff);
    struct ecc_shard shard = {0};
    struct ecc_filter only, skip;
    ecc_filter_init(&only);
    ecc_filter_init(&skip);
    struct ecc_suite suite;
    ecc_suite_init(&suite);
    struct ecc_expect_fail_list expect_fail;
    ecc_expect_fail_list_init(&expect_fail);
    struct ecc_profile profile_data;
    ecc_profile_init(&profile_data);
    bool profile_lists_apply = true;
    struct ecc_credentials credentials, second;
    ecc_credentials_init(&credentials);
    ecc_credentials_init(&second);
    struct ecc_plan plan = {0};
    struct ecc_run_report report = {0};
    const char *record_dir = NULL, *record_from = NULL;
    struct ecc_recording *recording = NULL;
    struct ecc_emulator_server *emulator = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    int exit_code = ECC_EXIT_USAGE;
    json_t *given_vars = json_object();
    json_t *run_vars = json_object();
    if (!given_vars || !run_vars) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }

    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        uint64_t n = 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            exit_code = ECC_EXIT_OK;
            goto done;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--endpoint"))) {
            endpoint = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--region"))) {
            region = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--profile"))) {
            profile_name = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--ca-bundle"))) {
            ca_bundle = value;
        } else if (strcmp(argv[i], "--insecure") == 0) {
            insecure = true;
        } else if (strcmp(argv[i], "--allow-tasks") == 0) {
            allow_tasks = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--var"))) {
            if (ecc_case_run_var_parse(value, given_vars, &diag) != ECC_OK) {
                ecc_cli_error(S_CMD, "--var: %s", diag.text);
                goto done;
            }
        } else if (strcmp(argv[i], "--list") == 0) {
            list_only = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--suite"))) {
            suite_dir = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--fixtures"))) {
            fixtures_dir = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--shard"))) {
            if (ecc_shard_parse(value, &shard, &diag) != ECC_OK) {
                ecc_cli_error(S_CMD, "--shard: %s", diag.text);
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--only"))) {
            if (ecc_filter_add(&only, value, &diag) != ECC_OK) {
                ecc_cli_error(S_CMD, "--only: %s", diag.text);
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--skip"))) {
            if (ecc_filter_add(&skip, value, &diag) != ECC_OK) {
                ecc_cli_error(S_CMD, "--skip: %s", diag.text);
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--expect-fail"))) {
            if (list_count == S_MAX_LISTS) {
                ecc_cli_error(S_CMD, "at most %d --expect-fail files", S_MAX_LISTS);
                goto done;
            }
            lists[list_count++] = value;
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            verbose = true;
        } else if (strcmp(argv[i], "--fail-fast") == 0) {
            fail_fast = true;
        } else if (strcmp(argv[i], "--strict") == 0) {
            strict = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--record-from"))) {
            record_from = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--record"))) {
            record_dir = value;
        } else if (strcmp(argv[i], "--allow-empty") == 0) {
            allow_empty = true;
        } else if (strcmp(argv[i], "--tags") == 0) {
            list_tags = true;
        } else if (ecc_cli_report_option(S_CMD, argc, argv, &i, reports, ECC_ARRAY_LEN(reports), &value)) {
            if (!value) {
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--jobs"))) {
            if (!ecc_cli_parse_u64(value, 1, 256, &jobs)) {
                ecc_cli_error(S_CMD, "--jobs takes a number from 1 to 256, not '%s'", value);
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--seed"))) {
            if (!ecc_cli_parse_u64(value, 0, UINT64_MAX, &seed)) {
                ecc_cli_error(S_CMD, "--seed takes a non-negative integer, not '%s'", value);
                goto done;
            }
            seed_given = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--run-id"))) {
            if (!ecc_cli_parse_run_id(value, &run_id)) {
                ecc_cli_error(
                    S_CMD, "--run-id takes the 8 hex digits after 'ecc' of a resource prefix, not '%s'", value);
                goto done;
            }
            run_id_given = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--request-timeout-ms"))) {
            if (!ecc_cli_parse_u64(value, 1, 3600000, &request_timeout_ms)) {
                ecc_cli_error(S_CMD, "--request-timeout-ms takes 1..3600000, not '%s'", value);
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--case-timeout-ms"))) {
            if (!ecc_cli_parse_u64(value, 1, 86400000, &case_timeout_ms)) {
                ecc_cli_error(S_CMD, "--case-timeout-ms takes 1..86400000, not '%s'", value);
                goto done;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--confirm-initial-ms"))) {
            if (!ecc_cli_parse_u64(value, 1, 86400000, &n)) {
                ecc_cli_error(S_CMD, "--confirm-initial-ms takes 1..86400000, not '%s'", value);
                goto done;
            }
            backoff.initial_ms = n;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--confirm-max-delay-ms"))) {
            if (!ecc_cli_parse_u64(value, 1, 86400000, &n)) {
                ecc_cli_error(S_CMD, "--confirm-max-delay-ms takes 1..86400000, not '%s'", value);
                goto done;
            }
            backoff.max_delay_ms = n;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--confirm-total-ms"))) {
            if (!ecc_cli_parse_u64(value, 0, 86400000, &n)) {
                ecc_cli_error(S_CMD, "--confirm-total-ms takes 0..86400000, not '%s'", value);
                goto done;
            }
            backoff.total_ms = n;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            ecc_cli_error(S_CMD, "unknown option or missing value: '%s' (see ecsconf run --help)", argv[i]);
            goto done;
        } else {
            if (path_count == S_MAX_PATHS) {
                ecc_cli_error(S_CMD, "at most %d case paths", S_MAX_PATHS);
                goto done;
            }
            paths[path_count++] = argv[i];
        }
    }

    /* Endpoint and profile. */
    if (!endpoint) {
        endpoint = ecc_cli_endpoint_from_env();
    }
    bool embedded = endpoint == NULL;
    char endpoint_host[300];
    if (!embedded && ecc_transport_endpoint_host(endpoint, endpoint_host, sizeof(endpoint_host), &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "--endpoint: %s", diag.text);
        goto done;
    }
    char region_found[64];
    if (!region) {
        /* AWS_REGION, AWS_DEFAULT_REGION, then the AWS profile's region (credentials.h). */
        enum ecc_status region_status = ecc_credentials_resolve_region(NULL, region_found, sizeof(region_found), &diag);
        if (region_status != ECC_OK && region_status != ECC_ERR_NOT_FOUND) {
            ecc_cli_error(S_CMD, "region: %s", diag.text);
            exit_code = ECC_EXIT_SETUP;
            goto done;
        }
        region = region_status == ECC_OK ? region_found : NULL;
        region_from = getenv("AWS_REGION") && *getenv("AWS_REGION")                   ? "AWS_REGION"
                      : getenv("AWS_DEFAULT_REGION") && *getenv("AWS_DEFAULT_REGION") ? "AWS_DEFAULT_REGION"
                                                                                      : "the AWS profile's region";
    }
    if (region && ecc_credentials_check_region(region, &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "%s: %s", region_from, diag.text);
        goto done;
    }
    if (!ecc_cli_check_ca_bundle(S_CMD, ca_bundle) || !ecc_cli_check_reports(S_CMD, reports, ECC_ARRAY_LEN(reports))) {
        goto done;
    }
    bool report_to_stdout = false;
    for (size_t r = 0; r < ECC_ARRAY_LEN(reports); r++) {
        report_to_stdout = report_to_stdout || (reports[r].file && strcmp(reports[r].file, "-") == 0);
    }
    /* The suite. */
    if (!suite_dir) {
        suite_dir = ecc_cli_data_path("conformance", default_suite, sizeof(default_suite));
    }
    if (!ecc_cli_is_dir(suite_dir)) {
        ecc_cli_error(
            S_CMD,
            "suite folder '%s' not found (give --suite DIR, or set ECSCONF_DATA_DIR to the folder holding "
            "conformance/ and fixtures/)",
            suite_dir);
        goto done;
    }
    /* The profile (its NAME is looked up in the suite's profiles/ first), then the run variables: its
     * defaults, then --var. */
    exit_code = ecc_cli_profile_load(S_CMD, profile_name, embedded, suite_dir, &profile_data, &profile_lists_apply);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = ECC_EXIT_USAGE;
    const struct ecc_profile *profile = &profile_data;
    if (ecc_profile_default_vars(profile, run_vars) != ECC_OK || json_object_update(run_vars, given_vars) != 0) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    char default_fixtures[4096 + 16];
    if (!fixtures_dir) {
        snprintf(default_fixtures, sizeof(default_fixtures), "%s/../fixtures", suite_dir);
        fixtures_dir = default_fixtures;
    }
    bool whole_suite = path_count == 0;
    if (whole_suite) {
        paths[path_count++] = suite_dir;
    }
    if (ecc_suite_load(
            &suite, ecc_cli_is_dir(fixtures_dir) ? fixtures_dir : NULL, paths, path_count, s_print_load_error, NULL) !=
        ECC_OK) {
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (list_tags) {
        struct ecc_buf tags;
        ecc_buf_init(&tags, 64 * 1024);
        enum ecc_status status = ecc_suite_tags_format(&suite, &tags);
        if (status == ECC_OK) {
            printf(
                "%zu %s; tags (cases): %s\n",
                suite.count,
                ecc_plural(suite.count, "case", "cases"),
                tags.data ? tags.data : "(none)");
        }
        ecc_buf_clean_up(&tags);
        exit_code = status == ECC_OK ? ECC_EXIT_OK : ECC_EXIT_INTERNAL;
        goto done;
    }
    if (ecc_filter_check(&only, &suite, "--only", &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "%s", diag.text);
        goto done;
    }
    for (size_t i = 0; profile_lists_apply && i < profile->expect_fail_count; i++) {
        if (ecc_expect_fail_load_file(&expect_fail, profile->expect_fail[i], &diag) != ECC_OK) {
            s_print_load_error(NULL, &diag);
            goto done;
        }
    }
    for (size_t i = 0; i < list_count; i++) {
        if (ecc_expect_fail_load_file(&expect_fail, lists[i], &diag) != ECC_OK) {
            s_print_load_error(NULL, &diag);
            goto done;
        }
    }
    if (whole_suite && ecc_expect_fail_check(&expect_fail, &suite, &diag) != ECC_OK) {
        s_print_load_error(NULL, &diag);
        goto done;
    }

    /* The seed repeats a run (order, generated values); the run id names its resources, fresh every run
     * unless given, so a repeated run never meets the names the first one left on the endpoint. */
    uint64_t entropy = ecc_cli_clock_seed();
    if (!seed_given) {
        seed = ecc_vars_rng_next(&entropy);
    }
    if (!run_id_given) {
        run_id = (uint32_t)ecc_vars_rng_next(&entropy);
    }
    char prefix[12];
    ecc_runner_make_prefix(run_id, prefix);

    const char *shown_endpoint = embedded ? "embedded emulator" : endpoint;
    bool loopback = embedded || ecc_runner_endpoint_is_loopback(endpoint);
    struct ecc_plan_options plan_options = {
        .only = &only,
        .skip = &skip,
        .capabilities = profile->capabilities,
        .loopback = loopback,
        .allow_tasks = allow_tasks,
        .expect_fail = &expect_fail,
        .run_vars = run_vars,
        .seed = seed,
        .shard = shard,
    };
    if (ecc_plan_build(&plan, &suite, &plan_options) != ECC_OK) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    if (plan.count == 0 && !allow_empty) {
        /* "OK: 0 cases" would be a green for nothing. */
        if (suite.count == 0) {
            ecc_cli_error(S_CMD, "no case found in the paths given (--allow-empty accepts an empty run)");
        } else {
            ecc_cli_error(
                S_CMD,
                "no case selected: --only/--skip left out %s %zu %s (see --list and --tags; --allow-empty "
                "accepts an empty run)",
                ecc_plural(suite.count, "the", "all"),
                suite.count,
                ecc_plural(suite.count, "case", "cases"));
        }
        goto done;
    }
    if (list_only) {
        if (!s_print_list(&plan)) {
            exit_code = ECC_EXIT_INTERNAL;
            goto done;
        }
        printf(
            "%zu %s planned, %zu left out by --only/--skip, %zu %s\n",
            plan.count,
            ecc_plural(plan.count, "case", "cases"),
            plan.filtered_out,
            suite.fixtures.count,
            ecc_plural(suite.fixtures.count, "fixture", "fixtures"));
        if (shard.count) {
            printf(
                "shard %u/%u: %zu %s in the other shards\n",
                shard.index,
                shard.count,
                plan.sharded_out,
                ecc_plural(plan.sharded_out, "case is", "cases are"));
        }
        exit_code = ECC_EXIT_OK;
        goto done;
    }

    /* Region (resolved before --list, below), credentials and CA bundle: the options first, then the AWS
     * CLI's sources (credentials.h). */
    char ca_bundle_found[4096], credentials_source[ECC_CREDENTIALS_SOURCE_MAX] = "";
    enum ecc_status found = ECC_ERR_NOT_FOUND;
    if (!region) {
        region = profile->region ? profile->region : embedded ? ECC_EMULATOR_DEFAULT_REGION : NULL;
    }
    if (!region) {
        ecc_cli_error(S_CMD, "no region: give --region or set AWS_REGION (the %s profile has none)", profile->name);
        exit_code = ECC_EXIT_SETUP;
        goto done;
    }
    found = ecc_credentials_resolve(&credentials, NULL, credentials_source, sizeof(credentials_source), &diag);
    if (found != ECC_OK && found != ECC_ERR_NOT_FOUND) {
        ecc_cli_error(S_CMD, "credentials: %s", diag.text);
        exit_code = found == ECC_ERR_NOMEM ? ECC_EXIT_INTERNAL : ECC_EXIT_SETUP;
        goto done;
    }
    if (found == ECC_ERR_NOT_FOUND) {
        snprintf(credentials_source, sizeof(credentials_source), "the %s profile's test keys", profile->name);
        if (!profile->access_key_id) {
            ecc_cli_error(S_CMD, "no credentials: %s", diag.text);
            exit_code = ECC_EXIT_SETUP;
            goto done;
        }
        if (ecc_credentials_set(&credentials, profile->access_key_id, profile->secret_access_key, NULL, &diag) !=
            ECC_OK) {
            exit_code = ECC_EXIT_INTERNAL;
            goto done;
        }
    }
    if (!insecure && !embedded &&
        ecc_cli_resolve_ca_bundle(S_CMD, &ca_bundle, ca_bundle_found, sizeof(ca_bundle_found)) != ECC_EXIT_OK) {
        exit_code = ECC_EXIT_SETUP;
        goto done;
    }
    bool have_second =
        profile->second_access_key_id &&
        ecc_credentials_set(&second, profile->second_access_key_id, credentials.secret_access_key, NULL, &diag) ==
            ECC_OK;

    if (embedded) {
        emulator = ecc_cli_start_emulator(S_CMD, region, seed, (unsigned)(jobs < 4 ? 4 : jobs), true);
        if (!emulator) {
            exit_code = ECC_EXIT_SETUP;
            goto done;
        }
        endpoint = ecc_emulator_server_url(emulator);
    }

    if (record_dir) {
        const char *secrets[] = {credentials.secret_access_key, credentials.session_token};
        char name[32];
        snprintf(name, sizeof(name), "run-%s", prefix);
        struct ecc_recording_options recording_options = {
            .dir = record_dir,
            .from = record_from ? record_from
                    : embedded  ? "emulator"
                                : "other",
            .id_prefix = name,
            .region = region,
            .upstream = endpoint,
            .via = "ecsconf run --record",
            .secrets = secrets,
            .secret_count = ECC_ARRAY_LEN(secrets),
        };
        recording = ecc_recording_new(&recording_options, &diag);
        if (!recording) {
            ecc_cli_error(S_CMD, "--record: %s", diag.text);
            exit_code = ECC_EXIT_USAGE;
            goto done;
        }
    }

    FILE *console_out = report_to_stdout ? stderr : stdout;
    struct s_console console = {
        .out = console_out,
        .color = ecc_report_use_color(console_out),
        .progress = ecc_report_use_progress(stderr),
    };
    struct ecc_runner_options options;
    ecc_runner_options_init(&options);
    options.endpoint_url = endpoint;
    options.region = region;
    options.credentials = &credentials;
    options.second_credentials = have_second ? &second : NULL;
    options.account = profile->account;
    options.ec2_instances_per_cluster = profile->ec2_instances;
    options.prefix = prefix;
    options.run_vars = run_vars;
    options.seed = seed;
    options.transport.timeout_ms = (long)request_timeout_ms;
    options.transport.ca_bundle = ca_bundle;
    options.transport.insecure = insecure;
    options.case_timeout_ms = case_timeout_ms;
    options.jobs = (unsigned)jobs;
    options.backoff = backoff;
    options.interrupted = ecc_cancel_level_flag();
    options.fail_fast = fail_fast;
    options.strict = strict;
    options.on_exchange = verbose ? s_on_exchange : NULL;
    console.endpoint = endpoint;
    char hint[300];
    if (embedded) {
        /* The embedded emulator ends with the run: say how to get one to replay the request on. */
        snprintf(
            hint,
            sizeof(hint),
            "replay on `ecsconf emulate --listen %s --control` (its test keys in AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, docs/EMULATOR.md), after the case's earlier steps",
            endpoint + strlen("http://"));
        options.reproducer_hint = hint;
    }
    options.on_case_done = s_on_done;
    options.on_case_start = s_on_start;
    options.user_data = &console;
    options.recording = recording;

    char who[256];
    ecc_credentials_describe(&credentials, who, sizeof(who));
    fprintf(
        console_out,
        "ecsconf run: %zu case%s against %s (%s), profile %s (%s), region %s, %s from %s\n",
        plan.count,
        plan.count == 1 ? "" : "s",
        shown_endpoint,
        endpoint,
        profile->name,
        profile->file,
        region,
        who,
        credentials_source);
    fprintf(
        console_out,
        "ecsconf run: seed %" PRIu64 " (--seed repeats the order and generated values), resource prefix %s "
        "(fresh each run; --run-id %s reuses it), %" PRIu64 " job%s\n",
        seed,
        prefix,
        prefix + 3,
        jobs,
        jobs == 1 ? "" : "s");
    if (json_object_size(run_vars)) {
        fprintf(console_out, "ecsconf run: run variables");
        const char *key;
        const json_t *value;
        json_object_foreach(run_vars, key, value) {
            fprintf(console_out, " %s=%s", key, json_string_value(value));
        }
        fprintf(console_out, "\n");
    }
    if (!profile_lists_apply && profile->expect_fail_count) {
        fprintf(
            console_out,
            "ecsconf run: the %s profile's expected-failure lists name the shipped suite's cases: not used with "
            "the suite in %s\n",
            profile->name,
            suite_dir);
    }
    if (shard.count) {
        printf(
            "ecsconf run: shard %u/%u of the suite (%zu %s in the other shards)\n",
            shard.index,
            shard.count,
            plan.sharded_out,
            ecc_plural(plan.sharded_out, "case is", "cases are"));
    }
    if (insecure) {
        fprintf(console_out, "ecsconf run: TLS verification is OFF (--insecure)\n");
    }
    if (strict) {
        fprintf(
            console_out,
            "ecsconf run: --strict: steps of undocumented answers require the reference emulator's exact choice\n");
    }
    fflush(console_out);

    if (ecc_run_report_init(&report, shown_endpoint, profile->name, prefix, seed) != ECC_OK) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    report.filtered_out = plan.filtered_out;
    if (!ecc_cancel_install()) {
        ecc_cli_error(S_CMD, "cannot install the Ctrl-C handler: %s", strerror(errno));
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    /* Before the first case: one signed call proves the endpoint, TLS, the credentials and the region. */
    bool usable = false;
    exit_code = ecc_cli_preflight(S_CMD, &options, shown_endpoint, &report, &usable);
    enum ecc_status status = ECC_OK;
    if (exit_code == ECC_EXIT_OK && usable) {
        status = ecc_runner_run(&plan, &options, &report, &diag);
        if (status != ECC_OK) {
            ecc_cli_error(S_CMD, "%s", diag.text);
        }
    }
    ecc_cancel_uninstall();
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    if (status != ECC_OK) {
        exit_code = status == ECC_ERR_NOMEM ? ECC_EXIT_INTERNAL : ECC_EXIT_SETUP;
        goto done;
    }
    if (console.progress) {
        ecc_report_console_clear_progress(stderr);
    }
    ecc_report_console_summary(console_out, &report, console.color);
    exit_code = report.stop == ECC_RUN_STOP_ENDPOINT ? ECC_EXIT_SETUP
                : ecc_run_report_ok(&report)         ? ECC_EXIT_OK
                                                     : ECC_EXIT_FAILED;
    if (recording) {
        fprintf(
            console_out,
            "ecsconf run: %zu %s recorded into %s\n",
            ecc_recording_count(recording),
            ecc_plural(ecc_recording_count(recording), "exchange", "exchanges"),
            record_dir);
    }
    if (report.stop == ECC_RUN_STOP_INTERRUPTED) {
        fprintf(console_out, "ecsconf run: interrupted; resources of this run are named %s-*\n", prefix);
    }
    if (!ecc_cli_write_reports(S_CMD, reports, ECC_ARRAY_LEN(reports), &report)) {
        exit_code = ECC_EXIT_SETUP;
    }

done:
    ecc_run_report_clean_up(&report);
    ecc_emulator_server_destroy(emulator);
    ecc_recording_destroy(recording);
    ecc_plan_clean_up(&plan);
    ecc_credentials_clean_up(&credentials);
    ecc_credentials_clean_up(&second);
    ecc_expect_fail_list_clean_up(&expect_fail);
    ecc_profile_clean_up(&profile_data);
    ecc_suite_clean_up(&suite);
    ecc_filter_clean_up(&only);
    ecc_filter_clean_up(&skip);
    json_decref(given_vars);
    json_decref(run_vars);
    return exit_code;
}

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

/* The text --verbose prints for one exchange into `text`; on failure (the cap) `text` keeps what fitted. */
static enum ecc_status s_format_exchange(
    const char *endpoint,
    const struct ecc_case *c,
    const char *label,
    const struct ecc_http_request *request,
    const struct ecc_http_response *response,
    const struct ecc_transport_result *result,
    struct ecc_buf *text) {
    enum ecc_status status = ecc_buf_printf(text, "%s/%s %s\n  > ", c->group, c->id, label);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_transport_format_curl(endpoint, request, text);
    if (status != ECC_OK) {
        return status;
    }
    if (!response) {
        return ecc_buf_printf(text, "\n  < no answer: %s\n", result->message);
    }
    size_t shown = response->body_len < S_MAX_VERBOSE_BODY ? response->body_len : S_MAX_VERBOSE_BODY;
    return ecc_buf_printf(
        text,
        "\n  < HTTP %d, %zu bytes: %.*s%s\n",
        response->status,
        response->body_len,
        (int)shown,
        response->body ? (const char *)response->body : "",
        shown < response->body_len ? "..." : "");
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
    enum ecc_status status = s_format_exchange(console->endpoint, c, label, request, response, result, &text);
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

/* The command line, as given (the filters and --var's values are built while reading it). */
struct s_args {
    struct ecc_cli_endpoint target;
    const char *suite_dir;
    const char *fixtures_dir;
    const char *record_dir;
    const char *record_from;
    const char *lists[S_MAX_LISTS]; /* --expect-fail files */
    size_t list_count;
    const char *paths[S_MAX_PATHS]; /* case files or folders; the suite folder when none is given */
    size_t path_count;
    bool allow_tasks;
    bool list_only;
    bool list_tags;
    bool allow_empty;
    bool fail_fast;
    bool verbose;
    bool strict;
    bool seed_given;
    bool run_id_given;
    uint32_t run_id;
    uint64_t jobs;
    uint64_t seed;
    uint64_t request_timeout_ms;
    uint64_t case_timeout_ms;
    struct ecc_backoff backoff;
    struct ecc_shard shard;
    struct ecc_filter only; /* owned */
    struct ecc_filter skip; /* owned */
    json_t *given_vars;     /* owned: --var NAME=VALUE */
    struct ecc_cli_report_option reports[3];
};

/* What the run is made of, resolved from the arguments step by step; clean_up releases it. */
struct s_run {
    const char *endpoint; /* given, from the environment, or the embedded emulator's URL once started */
    const char *shown;    /* "embedded emulator" or the URL */
    bool embedded;
    const char *region;
    char region_found[64];
    const char *region_from; /* where the region came from, for its error */
    const char *ca_bundle;
    char ca_bundle_found[4096];
    const char *suite_dir;
    char default_suite[4096];
    const char *fixtures_dir;
    char default_fixtures[4096 + 16];
    bool whole_suite;
    bool report_to_stdout;
    struct ecc_profile profile_data;   /* owned (profile.h) */
    const struct ecc_profile *profile; /* &profile_data once loaded */
    bool profile_lists_apply;
    json_t *run_vars; /* owned: the profile's defaults, then --var */
    struct ecc_suite suite;
    struct ecc_expect_fail_list expect_fail;
    struct ecc_plan plan;
    char prefix[12];
    struct ecc_credentials credentials;
    struct ecc_credentials second;
    bool have_second;
    char credentials_source[ECC_CREDENTIALS_SOURCE_MAX];
    struct ecc_emulator_server *emulator;
    struct ecc_recording *recording; /* --record */
    struct ecc_run_report report;
};

/* ECC_EXIT_OK, or ECC_EXIT_INTERNAL when the JSON objects cannot be made. */
static int s_init(struct s_args *args, struct s_run *run) {
    *args = (struct s_args){
        .jobs = 1,
        .request_timeout_ms = 30000,
        .case_timeout_ms = 600000,
        .reports =
            {{"--junit", ECC_REPORT_JUNIT, NULL}, {"--tap", ECC_REPORT_TAP, NULL}, {"--json", ECC_REPORT_JSON, NULL}},
    };
    ecc_backoff_init_default(&args->backoff);
    ecc_filter_init(&args->only);
    ecc_filter_init(&args->skip);
    *run = (struct s_run){.region_from = "--region", .profile_lists_apply = true};
    ecc_profile_init(&run->profile_data);
    ecc_suite_init(&run->suite);
    ecc_expect_fail_list_init(&run->expect_fail);
    ecc_credentials_init(&run->credentials);
    ecc_credentials_init(&run->second);
    args->given_vars = json_object();
    run->run_vars = json_object();
    return args->given_vars && run->run_vars ? ECC_EXIT_OK : ECC_EXIT_INTERNAL;
}

static void s_clean_up(struct s_args *args, struct s_run *run) {
    ecc_run_report_clean_up(&run->report);
    ecc_emulator_server_destroy(run->emulator);
    ecc_recording_destroy(run->recording);
    ecc_plan_clean_up(&run->plan);
    ecc_credentials_clean_up(&run->credentials);
    ecc_credentials_clean_up(&run->second);
    ecc_expect_fail_list_clean_up(&run->expect_fail);
    ecc_profile_clean_up(&run->profile_data);
    ecc_suite_clean_up(&run->suite);
    json_decref(run->run_vars);
    ecc_filter_clean_up(&args->only);
    ecc_filter_clean_up(&args->skip);
    json_decref(args->given_vars);
}

/* --var NAME=VALUE (user: the JSON object of given variables). */
static bool s_take_var(const char *cmd, const char *name, const char *value, void *user) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_case_run_var_parse(value, user, &diag) != ECC_OK) {
        ecc_cli_error(cmd, "%s: %s", name, diag.text);
        return false;
    }
    return true;
}

/* Reads the command line: ECC_EXIT_OK to go on, ECC_EXIT_USAGE (printed), or ECC_CLI_HELP_SHOWN. */
static int s_parse(int argc, char **argv, struct s_args *args) {
    const struct ecc_cli_option options[] = {
        ECC_CLI_ENDPOINT_OPTIONS(&args->target),
        {"--suite", .value = &args->suite_dir},
        {"--fixtures", .value = &args->fixtures_dir},
        {"--record-from", .value = &args->record_from},
        {"--record", .value = &args->record_dir},
        {"--allow-tasks", .given = &args->allow_tasks},
        {"--list", .given = &args->list_only},
        {"--verbose", .given = &args->verbose},
        {"-v", .given = &args->verbose},
        {"--fail-fast", .given = &args->fail_fast},
        {"--strict", .given = &args->strict},
        {"--allow-empty", .given = &args->allow_empty},
        {"--tags", .given = &args->list_tags},
        {"--var", .take = s_take_var, .user = args->given_vars},
        {"--shard", .take = ecc_cli_take_shard, .user = &args->shard},
        {"--only", .take = ecc_cli_take_filter, .user = &args->only},
        {"--skip", .take = ecc_cli_take_filter, .user = &args->skip},
        {"--seed", .number = &args->seed, .max = UINT64_MAX, .given = &args->seed_given},
        {"--jobs", .number = &args->jobs, .min = 1, .max = 256},
        {"--request-timeout-ms", .number = &args->request_timeout_ms, .min = 1, .max = 3600000},
        {"--case-timeout-ms", .number = &args->case_timeout_ms, .min = 1, .max = 86400000},
        {"--confirm-initial-ms", .number = &args->backoff.initial_ms, .min = 1, .max = 86400000},
        {"--confirm-max-delay-ms", .number = &args->backoff.max_delay_ms, .min = 1, .max = 86400000},
        {"--confirm-total-ms", .number = &args->backoff.total_ms, .max = 86400000},
        {"--expect-fail", .list = args->lists, .count = &args->list_count, .max_count = S_MAX_LISTS},
        {"--run-id", .take = ecc_cli_take_run_id, .user = &args->run_id, .given = &args->run_id_given},
        ECC_CLI_REPORT_OPTION(args->reports[0]),
        ECC_CLI_REPORT_OPTION(args->reports[1]),
        ECC_CLI_REPORT_OPTION(args->reports[2]),
    };
    const struct ecc_cli_parser parser = {
        .cmd = S_CMD,
        .help = s_help,
        .options = options,
        .option_count = ECC_ARRAY_LEN(options),
        .operands = {"case paths", .list = args->paths, .count = &args->path_count, .max_count = S_MAX_PATHS},
    };
    return ecc_cli_parse(&parser, argc, argv);
}

/* Without --region: AWS_REGION, AWS_DEFAULT_REGION, then the AWS profile's region (credentials.h); the
 * region, when there is one, must be in the AWS form. */
static int s_check_region(const struct s_args *args, struct s_run *run) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    run->region = args->target.region;
    if (!run->region) {
        enum ecc_status status =
            ecc_credentials_resolve_region(NULL, run->region_found, sizeof(run->region_found), &diag);
        if (status != ECC_OK && status != ECC_ERR_NOT_FOUND) {
            ecc_cli_error(S_CMD, "region: %s", diag.text);
            return ECC_EXIT_SETUP;
        }
        run->region = status == ECC_OK ? run->region_found : NULL;
        run->region_from = getenv("AWS_REGION") && *getenv("AWS_REGION")                   ? "AWS_REGION"
                           : getenv("AWS_DEFAULT_REGION") && *getenv("AWS_DEFAULT_REGION") ? "AWS_DEFAULT_REGION"
                                                                                           : "the AWS profile's region";
    }
    if (run->region && ecc_credentials_check_region(run->region, &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "%s: %s", run->region_from, diag.text);
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* Checks every input before anything is loaded or sent: the endpoint, the region, the CA bundle, the
 * reports and the suite folder. ECC_EXIT_OK, or the exit code of what is wrong (printed). */
static int s_check_inputs(const struct s_args *args, struct s_run *run) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    run->endpoint = args->target.endpoint ? args->target.endpoint : ecc_cli_endpoint_from_env();
    run->embedded = run->endpoint == NULL;
    run->shown = run->embedded ? "embedded emulator" : run->endpoint;
    char host[300];
    if (!run->embedded && ecc_transport_endpoint_host(run->endpoint, host, sizeof(host), &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "--endpoint: %s", diag.text);
        return ECC_EXIT_USAGE;
    }
    int exit_code = s_check_region(args, run);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    run->ca_bundle = args->target.ca_bundle;
    if (!ecc_cli_check_ca_bundle(S_CMD, run->ca_bundle) ||
        !ecc_cli_check_reports(S_CMD, args->reports, ECC_ARRAY_LEN(args->reports))) {
        return ECC_EXIT_USAGE;
    }
    for (size_t r = 0; r < ECC_ARRAY_LEN(args->reports); r++) {
        run->report_to_stdout =
            run->report_to_stdout || (args->reports[r].file && strcmp(args->reports[r].file, "-") == 0);
    }
    run->suite_dir = args->suite_dir;
    if (!run->suite_dir) {
        run->suite_dir = ecc_cli_data_path("conformance", run->default_suite, sizeof(run->default_suite));
    }
    if (!ecc_cli_is_dir(run->suite_dir)) {
        ecc_cli_error(
            S_CMD,
            "suite folder '%s' not found (give --suite DIR, or set ECSCONF_DATA_DIR to the folder holding "
            "conformance/ and fixtures/)",
            run->suite_dir);
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* The profile (its NAME is looked up in the suite's profiles/ first), the run variables (its defaults,
 * then --var) and the cases with their fixtures. */
static int s_load_suite(struct s_args *args, struct s_run *run) {
    int exit_code = ecc_cli_profile_load(
        S_CMD, args->target.profile, run->embedded, run->suite_dir, &run->profile_data, &run->profile_lists_apply);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    run->profile = &run->profile_data;
    if (ecc_profile_default_vars(run->profile, run->run_vars) != ECC_OK ||
        json_object_update(run->run_vars, args->given_vars) != 0) {
        return ECC_EXIT_INTERNAL;
    }
    run->fixtures_dir = args->fixtures_dir;
    if (!run->fixtures_dir) {
        snprintf(run->default_fixtures, sizeof(run->default_fixtures), "%s/../fixtures", run->suite_dir);
        run->fixtures_dir = run->default_fixtures;
    }
    run->whole_suite = args->path_count == 0;
    if (run->whole_suite) {
        args->paths[args->path_count++] = run->suite_dir;
    }
    if (ecc_suite_load(
            &run->suite,
            ecc_cli_is_dir(run->fixtures_dir) ? run->fixtures_dir : NULL,
            args->paths,
            args->path_count,
            s_print_load_error,
            NULL) != ECC_OK) {
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* --tags: the suite's tags with their number of cases; nothing is sent. */
static int s_print_tags(const struct ecc_suite *suite) {
    struct ecc_buf tags;
    ecc_buf_init(&tags, 64 * 1024);
    if (ecc_suite_tags_format(suite, &tags) != ECC_OK) {
        ecc_buf_clean_up(&tags);
        return ECC_EXIT_INTERNAL;
    }
    printf(
        "%zu %s; tags (cases): %s\n",
        suite->count,
        ecc_plural(suite->count, "case", "cases"),
        tags.data ? tags.data : "(none)");
    ecc_buf_clean_up(&tags);
    return ECC_EXIT_OK;
}

/* --only's terms must each match a case; the expected failures: the profile's lists (when they name this
 * suite's cases), then --expect-fail's, every line checked against the whole suite. */
static int s_check_selection(const struct s_args *args, struct s_run *run) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_filter_check(&args->only, &run->suite, "--only", &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "%s", diag.text);
        return ECC_EXIT_USAGE;
    }
    for (size_t i = 0; run->profile_lists_apply && i < run->profile->expect_fail_count; i++) {
        if (ecc_expect_fail_load_file(&run->expect_fail, run->profile->expect_fail[i], &diag) != ECC_OK) {
            s_print_load_error(NULL, &diag);
            return ECC_EXIT_USAGE;
        }
    }
    for (size_t i = 0; i < args->list_count; i++) {
        if (ecc_expect_fail_load_file(&run->expect_fail, args->lists[i], &diag) != ECC_OK) {
            s_print_load_error(NULL, &diag);
            return ECC_EXIT_USAGE;
        }
    }
    if (run->whole_suite && ecc_expect_fail_check(&run->expect_fail, &run->suite, &diag) != ECC_OK) {
        s_print_load_error(NULL, &diag);
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* The seed repeats a run (order, generated values); the run id names its resources, fresh every run
 * unless given, so a repeated run never meets the names the first one left on the endpoint. Then the
 * plan, which must hold a case unless --allow-empty. */
static int s_plan(struct s_args *args, struct s_run *run) {
    uint64_t entropy = ecc_cli_clock_seed();
    if (!args->seed_given) {
        args->seed = ecc_vars_rng_next(&entropy);
    }
    if (!args->run_id_given) {
        args->run_id = (uint32_t)ecc_vars_rng_next(&entropy);
    }
    ecc_runner_make_prefix(args->run_id, run->prefix);
    struct ecc_plan_options plan_options = {
        .only = &args->only,
        .skip = &args->skip,
        .capabilities = run->profile->capabilities,
        .loopback = run->embedded || ecc_runner_endpoint_is_loopback(run->endpoint),
        .allow_tasks = args->allow_tasks,
        .expect_fail = &run->expect_fail,
        .run_vars = run->run_vars,
        .seed = args->seed,
        .shard = args->shard,
    };
    if (ecc_plan_build(&run->plan, &run->suite, &plan_options) != ECC_OK) {
        return ECC_EXIT_INTERNAL;
    }
    if (run->plan.count > 0 || args->allow_empty) {
        return ECC_EXIT_OK;
    }
    /* "OK: 0 cases" would be a green for nothing. */
    size_t count = run->suite.count;
    if (count == 0) {
        ecc_cli_error(S_CMD, "no case found in the paths given (--allow-empty accepts an empty run)");
    } else {
        ecc_cli_error(
            S_CMD,
            "no case selected: --only/--skip left out %s %zu %s (see --list and --tags; --allow-empty "
            "accepts an empty run)",
            ecc_plural(count, "the", "all"),
            count,
            ecc_plural(count, "case", "cases"));
    }
    return ECC_EXIT_USAGE;
}

/* --list: the plan and its counts; nothing is sent. */
static int s_list(const struct s_args *args, const struct s_run *run) {
    const struct ecc_plan *plan = &run->plan;
    if (!s_print_list(plan)) {
        return ECC_EXIT_INTERNAL;
    }
    printf(
        "%zu %s planned, %zu left out by --only/--skip, %zu %s\n",
        plan->count,
        ecc_plural(plan->count, "case", "cases"),
        plan->filtered_out,
        run->suite.fixtures.count,
        ecc_plural(run->suite.fixtures.count, "fixture", "fixtures"));
    if (args->shard.count) {
        printf(
            "shard %u/%u: %zu %s in the other shards\n",
            args->shard.index,
            args->shard.count,
            plan->sharded_out,
            ecc_plural(plan->sharded_out, "case is", "cases are"));
    }
    return ECC_EXIT_OK;
}

/* Credentials: the AWS CLI's sources (credentials.h), else the profile's test keys; the second identity
 * of the cases that need two accounts. */
static int s_credentials(struct s_run *run) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    const struct ecc_profile *profile = run->profile;
    enum ecc_status found = ecc_credentials_resolve(
        &run->credentials, NULL, run->credentials_source, sizeof(run->credentials_source), &diag);
    if (found != ECC_OK && found != ECC_ERR_NOT_FOUND) {
        ecc_cli_error(S_CMD, "credentials: %s", diag.text);
        return found == ECC_ERR_NOMEM ? ECC_EXIT_INTERNAL : ECC_EXIT_SETUP;
    }
    if (found == ECC_ERR_NOT_FOUND) {
        snprintf(run->credentials_source, sizeof(run->credentials_source), "the %s profile's test keys", profile->name);
        if (!profile->access_key_id) {
            ecc_cli_error(S_CMD, "no credentials: %s", diag.text);
            return ECC_EXIT_SETUP;
        }
        if (ecc_credentials_set(&run->credentials, profile->access_key_id, profile->secret_access_key, NULL, &diag) !=
            ECC_OK) {
            return ECC_EXIT_INTERNAL;
        }
    }
    run->have_second =
        profile->second_access_key_id &&
        ecc_credentials_set(
            &run->second, profile->second_access_key_id, run->credentials.secret_access_key, NULL, &diag) == ECC_OK;
    return ECC_EXIT_OK;
}

/* --record: every exchange of the run stored as a redacted fixture. */
static int s_start_recording(const struct s_args *args, struct s_run *run) {
    char name[32];
    snprintf(name, sizeof(name), "run-%s", run->prefix);
    struct ecc_recording_options recording_options = {
        .dir = args->record_dir,
        .from = args->record_from,
        .id_prefix = name,
        .region = run->region,
        .upstream = run->endpoint,
        .via = "ecsconf run --record",
    };
    return ecc_cli_recording_new(
        S_CMD, "--record", &recording_options, &run->credentials, run->embedded, &run->recording);
}

/* The region (else the profile's), credentials and CA bundle; then the embedded emulator and --record. */
static int s_prepare(const struct s_args *args, struct s_run *run) {
    if (!run->region) {
        run->region = run->profile->region ? run->profile->region : run->embedded ? ECC_EMULATOR_DEFAULT_REGION : NULL;
    }
    if (!run->region) {
        ecc_cli_error(
            S_CMD, "no region: give --region or set AWS_REGION (the %s profile has none)", run->profile->name);
        return ECC_EXIT_SETUP;
    }
    int exit_code = s_credentials(run);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    if (!args->target.insecure && !run->embedded &&
        ecc_cli_resolve_ca_bundle(S_CMD, &run->ca_bundle, run->ca_bundle_found, sizeof(run->ca_bundle_found)) !=
            ECC_EXIT_OK) {
        return ECC_EXIT_SETUP;
    }
    if (run->embedded) {
        run->emulator =
            ecc_cli_start_emulator(S_CMD, run->region, args->seed, (unsigned)(args->jobs < 4 ? 4 : args->jobs), true);
        if (!run->emulator) {
            return ECC_EXIT_SETUP;
        }
        run->endpoint = ecc_emulator_server_url(run->emulator);
    }
    return args->record_dir ? s_start_recording(args, run) : ECC_EXIT_OK;
}

/* The runner's options; `hint` (300 bytes) holds the reproducer hint of the embedded emulator. */
static void s_runner_options(
    const struct s_args *args,
    const struct s_run *run,
    struct s_console *console,
    char *hint,
    size_t hint_size,
    struct ecc_runner_options *options) {
    ecc_runner_options_init(options);
    options->endpoint_url = run->endpoint;
    options->region = run->region;
    options->credentials = &run->credentials;
    options->second_credentials = run->have_second ? &run->second : NULL;
    options->account = run->profile->account;
    options->ec2_instances_per_cluster = run->profile->ec2_instances;
    options->prefix = run->prefix;
    options->run_vars = run->run_vars;
    options->seed = args->seed;
    options->transport.timeout_ms = (long)args->request_timeout_ms;
    options->transport.ca_bundle = run->ca_bundle;
    options->transport.insecure = args->target.insecure;
    options->case_timeout_ms = args->case_timeout_ms;
    options->jobs = (unsigned)args->jobs;
    options->backoff = args->backoff;
    options->interrupted = ecc_cancel_level_flag();
    options->fail_fast = args->fail_fast;
    options->strict = args->strict;
    options->on_exchange = args->verbose ? s_on_exchange : NULL;
    if (run->embedded) {
        /* The embedded emulator ends with the run: say how to get one to replay the request on. */
        snprintf(
            hint,
            hint_size,
            "replay on `ecsconf emulate --listen %s --control` (its test keys in AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, docs/EMULATOR.md), after the case's earlier steps",
            run->endpoint + strlen("http://"));
        options->reproducer_hint = hint;
    }
    options->on_case_done = s_on_done;
    options->on_case_start = s_on_start;
    options->user_data = console;
    options->recording = run->recording;
}

/* The lines before the first case: what runs against what, with which identity, seed and prefix. */
static void s_print_start(const struct s_args *args, const struct s_run *run, FILE *out) {
    const struct ecc_profile *profile = run->profile;
    char who[256];
    ecc_credentials_describe(&run->credentials, who, sizeof(who));
    fprintf(
        out,
        "ecsconf run: %zu case%s against %s (%s), profile %s (%s), region %s, %s from %s\n",
        run->plan.count,
        run->plan.count == 1 ? "" : "s",
        run->shown,
        run->endpoint,
        profile->name,
        profile->file,
        run->region,
        who,
        run->credentials_source);
    fprintf(
        out,
        "ecsconf run: seed %" PRIu64 " (--seed repeats the order and generated values), resource prefix %s "
        "(fresh each run; --run-id %s reuses it), %" PRIu64 " job%s\n",
        args->seed,
        run->prefix,
        run->prefix + 3,
        args->jobs,
        args->jobs == 1 ? "" : "s");
    if (json_object_size(run->run_vars)) {
        fprintf(out, "ecsconf run: run variables");
        const char *key;
        const json_t *value;
        json_object_foreach(run->run_vars, key, value) {
            fprintf(out, " %s=%s", key, json_string_value(value));
        }
        fprintf(out, "\n");
    }
    if (!run->profile_lists_apply && profile->expect_fail_count) {
        fprintf(
            out,
            "ecsconf run: the %s profile's expected-failure lists name the shipped suite's cases: not used with "
            "the suite in %s\n",
            profile->name,
            run->suite_dir);
    }
    if (args->shard.count) {
        printf(
            "ecsconf run: shard %u/%u of the suite (%zu %s in the other shards)\n",
            args->shard.index,
            args->shard.count,
            run->plan.sharded_out,
            ecc_plural(run->plan.sharded_out, "case is", "cases are"));
    }
    if (args->target.insecure) {
        fprintf(out, "ecsconf run: TLS verification is OFF (--insecure)\n");
    }
    if (args->strict) {
        fprintf(
            out,
            "ecsconf run: --strict: steps of undocumented answers require the reference emulator's exact choice\n");
    }
    fflush(out);
}

/* The summary, what was recorded, and the reports; the run's exit code. */
static int s_finish(const struct s_args *args, const struct s_run *run, const struct s_console *console) {
    const struct ecc_run_report *report = &run->report;
    if (console->progress) {
        ecc_report_console_clear_progress(stderr);
    }
    ecc_report_console_summary(console->out, report, console->color);
    int exit_code = report->stop == ECC_RUN_STOP_ENDPOINT ? ECC_EXIT_SETUP
                    : ecc_run_report_ok(report)           ? ECC_EXIT_OK
                                                          : ECC_EXIT_FAILED;
    if (run->recording) {
        fprintf(
            console->out,
            "ecsconf run: %zu %s recorded into %s\n",
            ecc_recording_count(run->recording),
            ecc_plural(ecc_recording_count(run->recording), "exchange", "exchanges"),
            args->record_dir);
    }
    if (report->stop == ECC_RUN_STOP_INTERRUPTED) {
        fprintf(console->out, "ecsconf run: interrupted; resources of this run are named %s-*\n", run->prefix);
    }
    if (!ecc_cli_write_reports(S_CMD, args->reports, ECC_ARRAY_LEN(args->reports), report)) {
        exit_code = ECC_EXIT_SETUP;
    }
    return exit_code;
}

/* Before the first case one signed call proves the endpoint, TLS, the credentials and the region; then
 * the runner, the summary and the reports. */
static int s_execute(const struct s_args *args, struct s_run *run) {
    FILE *console_out = run->report_to_stdout ? stderr : stdout;
    struct s_console console = {
        .out = console_out,
        .endpoint = run->endpoint,
        .color = ecc_report_use_color(console_out),
        .progress = ecc_report_use_progress(stderr),
    };
    char hint[300];
    struct ecc_runner_options options;
    s_runner_options(args, run, &console, hint, sizeof(hint), &options);
    s_print_start(args, run, console_out);
    if (ecc_run_report_init(&run->report, run->shown, run->profile->name, run->prefix, args->seed) != ECC_OK) {
        return ECC_EXIT_INTERNAL;
    }
    run->report.filtered_out = run->plan.filtered_out;
    if (!ecc_cancel_install()) {
        ecc_cli_error(S_CMD, "cannot install the Ctrl-C handler: %s", strerror(errno));
        return ECC_EXIT_INTERNAL;
    }
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    bool usable = false;
    int exit_code = ecc_cli_preflight(S_CMD, &options, run->shown, &run->report, &usable);
    enum ecc_status status = ECC_OK;
    if (exit_code == ECC_EXIT_OK && usable) {
        status = ecc_runner_run(&run->plan, &options, &run->report, &diag);
        if (status != ECC_OK) {
            ecc_cli_error(S_CMD, "%s", diag.text);
        }
    }
    ecc_cancel_uninstall();
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    if (status != ECC_OK) {
        return status == ECC_ERR_NOMEM ? ECC_EXIT_INTERNAL : ECC_EXIT_SETUP;
    }
    return s_finish(args, run, &console);
}

int ecc_cmd_run(int argc, char **argv) {
    struct s_args args;
    struct s_run run;
    int exit_code = s_init(&args, &run);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_parse(argc, argv, &args);
    if (exit_code != ECC_EXIT_OK) {
        exit_code = exit_code == ECC_CLI_HELP_SHOWN ? ECC_EXIT_OK : exit_code;
        goto done;
    }
    exit_code = s_check_inputs(&args, &run);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_load_suite(&args, &run);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    if (args.list_tags) {
        exit_code = s_print_tags(&run.suite);
        goto done;
    }
    exit_code = s_check_selection(&args, &run);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_plan(&args, &run);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    if (args.list_only) {
        exit_code = s_list(&args, &run);
        goto done;
    }
    exit_code = s_prepare(&args, &run);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_execute(&args, &run);
done:
    s_clean_up(&args, &run);
    return exit_code;
}

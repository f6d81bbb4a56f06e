/* `ecsconf replay`: sends a recording set again to an endpoint (the embedded emulator when none is given)
 * and compares each answer with the recorded one by meaning (replay.h), or drafts cases from it. */
#include "commands.h"

#include "ecc/cancel.h"
#include "ecc/credentials.h"
#include "ecc/emulator.h"
#include "ecc/fixture.h"
#include "ecc/profile.h"
#include "ecc/replay.h"
#include "ecc/runner.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_CMD "replay"

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf replay DIR [DIR ...] [options]\n"
        "       ecsconf replay DIR [DIR ...] --draft-cases OUT\n"
        "\n"
        "Sends every recorded exchange of the folders (fixtures written by `ecsconf record` or\n"
        "`ecsconf run --record`) again to an endpoint, signed afresh with the run's credentials, and compares\n"
        "each answer with the recorded one BY MEANING: the status; the error type (as clients resolve it);\n"
        "the members and their JSON types; every value, except ARNs and ids (same shape, and the same id\n"
        "wherever the recording had the same one), timestamps (by type), request ids and error messages.\n"
        "\n"
        "The exchanges of one recording session (ids <prefix>-NNNN-<operation>) are replayed in order, so a\n"
        "task ARN answered by a RunTask is what the next DescribeTasks names. Every cluster and family they\n"
        "name becomes <run prefix>-<name>; one they use without creating is created first (unless the\n"
        "recording says it did not exist), and what the session leaves is removed after it. clientTokens are\n"
        "replaced by fresh ones. Hand-written fixtures are SKIP: there is no real answer to compare with.\n"
        "\n"
        "  ecsconf replay fixtures/recorded/emulator --max-wait-ms 500   # on the embedded emulator\n"
        "  ecsconf replay fixtures/recorded/moto --endpoint http://127.0.0.1:5000 --profile moto\n"
        "  ecsconf replay fixtures/recorded/emulator --endpoint http://127.0.0.1:5000 --profile moto \\\n"
        "      --known fixtures/recorded/known/emulator-on-moto.known --junit replay.xml\n"
        "  ecsconf replay fixtures/recorded/emulator --draft-cases drafts   # write cases, send nothing\n"
        "\n"
        "Endpoint and identity:\n"
        "  --endpoint URL        http(s)://host[:port]; default $AWS_ENDPOINT_URL_ECS, then $AWS_ENDPOINT_URL,\n"
        "                        then the embedded emulator\n"
        "  --region REGION       default $AWS_REGION, $AWS_DEFAULT_REGION, the AWS profile, then us-east-1\n"
        "  --profile NAME|FILE   emulator, moto, aws or a profile file (as for `ecsconf run`): the test keys\n"
        "                        used when no AWS credentials are found\n"
        "                        (default: emulator without --endpoint, aws with one)\n"
        "  --ca-bundle FILE, --insecure   TLS as for `ecsconf run`\n"
        "  --allow-tasks         needed for an endpoint that is not on this machine: a replay creates\n"
        "                        clusters and task definitions and starts the recorded tasks\n"
        "  --request-timeout-ms N  deadline of one request (default 30000)\n"
        "  --max-wait-ms N       pacing: between two exchanges of a session, wait as long as the recording did\n"
        "                        (the gap between their answers' Date headers), at most N ms (default 10000;\n"
        "                        0: no waiting). Tasks move on with time: without it a replay sees earlier states\n"
        "  --seed N              the fresh clientTokens (printed; resource names come from --run-id)\n"
        "  --run-id HEX          8 hex digits: the resource prefix ecc<HEX> (default: fresh each run)\n"
        "\n"
        "Verdicts (one per exchange):\n"
        "  PASS   the answer means what the recording says\n"
        "  FAIL   a difference (each printed with its JSON pointer, recorded and answered value), or no answer\n"
        "  XFAIL  every difference is accepted by a line of the --known file\n"
        "  SKIP   a hand-written fixture\n"
        "  --known FILE          known differences, one per line: <fixture id glob> <kind>[@<pointer glob>]\n"
        "                        <reason>; kind: status, error-type, body-kind, missing, extra, type, length,\n"
        "                        value, shape, relation or *. A line that accepts no difference of the\n"
        "                        exchanges it names FAILs (the difference went away: remove the line)\n"
        "  --junit FILE, --tap FILE, --json FILE   reports, as `ecsconf run` writes them ('-': stdout)\n"
        "\n"
        "Rewriting and drafting:\n"
        "  --update              write each answered exchange back into its file (same id), redacted as\n"
        "                        `ecsconf record` does; with --from KIND (aws, moto, emulator, other) naming\n"
        "                        the endpoint in recorded.from (default: emulator when embedded, else other)\n"
        "  --draft-cases OUT     write one draft case per session into OUT (sends nothing): one call step per\n"
        "                        exchange, expectations from the recorded answer; `ecsconf run --suite OUT`\n"
        "                        loads it as it is. Review it before adding it to conformance/\n"
        "\n"
        "Exit: 0 no difference (known ones aside); 1 a difference or a stale known line; 2 bad option or\n"
        "recording (file:line); 3 the endpoint is unusable (a signed ListTasks fails) or no credentials;\n"
        "4 internal error.\n");
}

struct s_console {
    FILE *out;
    bool color;
};

static void s_on_item(void *user_data, const struct ecc_case_report *item, size_t done, size_t total) {
    const struct s_console *console = user_data;
    (void)done;
    (void)total;
    ecc_report_console_case(console->out, item, console->color);
    fflush(console->out);
}

static void s_print_load_error(void *user_data, const struct ecc_diag *diag) {
    (void)user_data;
    char text[1200];
    ecc_diag_format(diag, text, sizeof(text));
    fprintf(stderr, "ecsconf replay: %s\n", text);
}

/* Loads every folder given into one set (ids unique across them); false after printing every bad file. */
static bool s_load(struct ecc_fixture_set *set, const char *const *dirs, size_t count) {
    bool ok = true;
    for (size_t i = 0; i < count; i++) {
        if (!ecc_cli_is_dir(dirs[i])) {
            ecc_cli_error(S_CMD, "'%s' is not a folder of recordings", dirs[i]);
            ok = false;
        } else if (ecc_fixture_set_load_dir(set, dirs[i], s_print_load_error, NULL) != ECC_OK) {
            ok = false;
        }
    }
    return ok;
}

/* The command line, as given. */
struct s_args {
    struct ecc_cli_endpoint target;
    const char *known_file;
    const char *draft_dir;
    const char *from;
    bool allow_tasks;
    bool update;
    bool seed_given;
    bool run_id_given;
    uint64_t seed;
    uint64_t request_timeout_ms;
    uint64_t max_wait_ms;
    uint32_t run_id;
    const char **dirs; /* borrowed from argv; the array is owned (argc entries) */
    size_t dir_cap;
    size_t dir_count;
    struct ecc_cli_report_option reports[3];
};

/* What the replay runs against: resolved from the arguments; clean_up releases it. */
struct s_target {
    struct ecc_profile profile_data;   /* owned (profile.h) */
    const struct ecc_profile *profile; /* &profile_data once loaded */
    struct ecc_credentials credentials;
    char credentials_source[ECC_CREDENTIALS_SOURCE_MAX];
    const char *endpoint; /* the URL: given, or the embedded emulator's */
    const char *shown;    /* "embedded emulator" or the URL */
    const char *region;
    const char *ca_bundle;
    char ca_bundle_found[4096];
    char prefix[12];
    struct ecc_emulator_server *emulator;
    struct ecc_recording *recording; /* --update */
    struct ecc_replay_known *known;  /* --known */
};

static void s_target_clean_up(struct s_target *t) {
    ecc_emulator_server_destroy(t->emulator);
    ecc_recording_destroy(t->recording);
    ecc_replay_known_destroy(t->known);
    ecc_credentials_clean_up(&t->credentials);
    ecc_profile_clean_up(&t->profile_data);
}

/* Reads the command line: ECC_EXIT_OK to go on, ECC_EXIT_USAGE (printed), or ECC_CLI_HELP_SHOWN. */
static int s_parse(int argc, char **argv, struct s_args *args) {
    const struct ecc_cli_option options[] = {
        ECC_CLI_ENDPOINT_OPTIONS(&args->target),
        {"--allow-tasks", .given = &args->allow_tasks},
        {"--update", .given = &args->update},
        {"--from", .value = &args->from},
        {"--known", .value = &args->known_file},
        {"--draft-cases", .value = &args->draft_dir},
        {"--seed", .number = &args->seed, .max = UINT64_MAX, .given = &args->seed_given},
        {"--run-id", .take = ecc_cli_take_run_id, .user = &args->run_id, .given = &args->run_id_given},
        {"--max-wait-ms", .number = &args->max_wait_ms, .max = 600000},
        {"--request-timeout-ms", .number = &args->request_timeout_ms, .min = 1, .max = 3600000},
        ECC_CLI_REPORT_OPTION(args->reports[0]),
        ECC_CLI_REPORT_OPTION(args->reports[1]),
        ECC_CLI_REPORT_OPTION(args->reports[2]),
    };
    const struct ecc_cli_parser parser = {
        .cmd = S_CMD,
        .help = s_help,
        .options = options,
        .option_count = ECC_ARRAY_LEN(options),
        .operands = {"recording folders", .list = args->dirs, .count = &args->dir_count, .max_count = args->dir_cap},
    };
    int exit_code = ecc_cli_parse(&parser, argc, argv);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    const char *problem = NULL;
    if (args->dir_count == 0) {
        problem = "which recordings? give one or more folders (see ecsconf replay --help)";
    } else if (args->from && !args->update) {
        problem = "--from names the endpoint of --update's recordings: give --update too";
    } else if (args->update && args->dir_count > 1) {
        problem = "--update rewrites one folder: give one";
    } else if (
        args->draft_dir && (args->update || args->known_file || args->target.endpoint || args->reports[0].file ||
                            args->reports[1].file || args->reports[2].file)) {
        problem = "--draft-cases sends nothing: it takes no --endpoint, --update, --known or reports";
    }
    if (problem) {
        ecc_cli_error(S_CMD, "%s", problem);
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* --draft-cases: the set's sessions as draft cases; nothing is sent. */
static int s_draft(const struct ecc_fixture_set *set, const char *dir) {
    size_t written = 0;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_replay_draft_cases(set, dir, &written, &diag) != ECC_OK) {
        char text[1200];
        ecc_diag_format(&diag, text, sizeof(text));
        ecc_cli_error(S_CMD, "--draft-cases: %s", text);
        return ECC_EXIT_USAGE;
    }
    printf("ecsconf replay: %zu draft case%s written into %s\n", written, written == 1 ? "" : "s", dir);
    return ECC_EXIT_OK;
}

/* Checks every input before anything is sent: the known-difference file, the endpoint, reports, CA bundle
 * and region. ECC_EXIT_OK, or the exit code of what is wrong (printed). */
static int s_check_inputs(const struct s_args *args, struct s_target *t) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (args->known_file && !(t->known = ecc_replay_known_load(args->known_file, &diag))) {
        char text[1200];
        ecc_diag_format(&diag, text, sizeof(text));
        ecc_cli_error(S_CMD, "--known: %s", text);
        return ECC_EXIT_USAGE;
    }
    t->endpoint = args->target.endpoint ? args->target.endpoint : ecc_cli_endpoint_from_env();
    bool embedded = t->endpoint == NULL;
    t->shown = embedded ? "embedded emulator" : t->endpoint;
    int loaded = ecc_cli_profile_load(S_CMD, args->target.profile, embedded, NULL, &t->profile_data, NULL);
    if (loaded != ECC_EXIT_OK) {
        return loaded;
    }
    t->profile = &t->profile_data;
    char host[300];
    if (!embedded && ecc_transport_endpoint_host(t->endpoint, host, sizeof(host), &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "--endpoint %s: %s", t->endpoint, diag.text);
        return ECC_EXIT_USAGE;
    }
    if (!embedded && !args->allow_tasks && !ecc_runner_endpoint_is_loopback(t->endpoint)) {
        ecc_cli_error(
            S_CMD,
            "--endpoint %s is not on this machine: a replay creates resources and starts the recorded tasks; give "
            "--allow-tasks to replay against it",
            t->endpoint);
        return ECC_EXIT_USAGE;
    }
    t->ca_bundle = args->target.ca_bundle;
    if (!ecc_cli_check_ca_bundle(S_CMD, t->ca_bundle) ||
        !ecc_cli_check_reports(S_CMD, args->reports, ECC_ARRAY_LEN(args->reports))) {
        return ECC_EXIT_USAGE;
    }
    t->region = args->target.region ? args->target.region : ecc_credentials_region_from_env();
    t->region = t->region ? t->region : ECC_EMULATOR_DEFAULT_REGION;
    if (ecc_credentials_check_region(t->region, &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "--region: %s", diag.text);
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* Credentials, CA bundle, run prefix, the embedded emulator and --update's recording. */
static int s_prepare(struct s_args *args, struct s_target *t) {
    bool embedded = t->endpoint == NULL;
    if (!args->target.insecure && !embedded &&
        ecc_cli_resolve_ca_bundle(S_CMD, &t->ca_bundle, t->ca_bundle_found, sizeof(t->ca_bundle_found)) !=
            ECC_EXIT_OK) {
        return ECC_EXIT_SETUP;
    }
    int exit_code =
        ecc_cli_credentials(S_CMD, t->profile, &t->credentials, t->credentials_source, sizeof(t->credentials_source));
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    args->seed = args->seed_given ? args->seed : ecc_cli_clock_seed();
    ecc_runner_make_prefix(args->run_id_given ? args->run_id : (uint32_t)ecc_cli_clock_seed(), t->prefix);
    if (embedded) {
        t->emulator = ecc_cli_start_emulator(S_CMD, t->region, args->seed, 2, false);
        if (!t->emulator) {
            return ECC_EXIT_SETUP;
        }
        t->endpoint = ecc_emulator_server_url(t->emulator);
    }
    if (!args->update) {
        return ECC_EXIT_OK;
    }
    struct ecc_recording_options recording_options = {
        .dir = args->dirs[0],
        .from = args->from,
        .region = t->region,
        .upstream = t->endpoint,
        .via = "ecsconf replay --update",
    };
    return ecc_cli_recording_new(S_CMD, "--update", &recording_options, &t->credentials, embedded, &t->recording);
}

static void s_print_start(const struct s_args *args, const struct s_target *t, size_t count, FILE *out) {
    char who[256];
    ecc_credentials_describe(&t->credentials, who, sizeof(who));
    fprintf(
        out,
        "ecsconf replay: %zu recorded exchange%s against %s (%s), profile %s, region %s, %s from %s\n",
        count,
        count == 1 ? "" : "s",
        t->shown,
        t->endpoint,
        t->profile->name,
        t->region,
        who,
        t->credentials_source);
    fprintf(
        out,
        "ecsconf replay: resource prefix %s (--run-id %s reuses it), seed %" PRIu64 "%s%s\n",
        t->prefix,
        t->prefix + 3,
        args->seed,
        t->known ? ", known differences from " : "",
        t->known ? args->known_file : "");
    if (args->target.insecure) {
        fprintf(out, "ecsconf replay: TLS verification is OFF (--insecure)\n");
    }
}

/* The preflight, then the replay; the console, the summary and the reports. */
static int s_replay(const struct s_args *args, const struct s_target *t, const struct ecc_fixture_set *set) {
    bool report_to_stdout = false;
    for (size_t r = 0; r < ECC_ARRAY_LEN(args->reports); r++) {
        report_to_stdout = report_to_stdout || (args->reports[r].file && strcmp(args->reports[r].file, "-") == 0);
    }
    struct s_console console = {.out = report_to_stdout ? stderr : stdout};
    console.color = ecc_report_use_color(console.out);
    s_print_start(args, t, set->count, console.out);

    struct ecc_runner_options probe;
    ecc_runner_options_init(&probe);
    probe.endpoint_url = t->endpoint;
    probe.region = t->region;
    probe.credentials = &t->credentials;
    probe.prefix = t->prefix;
    probe.transport.timeout_ms = (long)args->request_timeout_ms;
    probe.transport.ca_bundle = t->ca_bundle;
    probe.transport.insecure = args->target.insecure;
    probe.interrupted = ecc_cancel_level_flag();
    struct ecc_replay_options options = {
        .endpoint_url = t->endpoint,
        .region = t->region,
        .credentials = &t->credentials,
        .prefix = t->prefix,
        .seed = args->seed,
        .transport = probe.transport,
        .known = t->known,
        .max_wait_ms = args->max_wait_ms,
        .update = t->recording,
        .interrupted = ecc_cancel_level_flag(),
        .on_item = s_on_item,
        .user_data = &console,
    };
    struct ecc_run_report report = {0};
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    int exit_code = ECC_EXIT_INTERNAL;
    if (ecc_run_report_init(&report, t->shown, t->profile->name, t->prefix, args->seed) != ECC_OK) {
        goto done;
    }
    report.command = "ecsconf replay";
    if (!ecc_cancel_install()) {
        ecc_cli_error(S_CMD, "cannot install the Ctrl-C handler: %s", strerror(errno));
        goto done;
    }
    bool usable = false;
    exit_code = ecc_cli_preflight(S_CMD, &probe, t->shown, &report, &usable);
    enum ecc_status status = ECC_OK;
    if (exit_code == ECC_EXIT_OK && usable) {
        uint64_t started_ms = ecc_monotonic_ms();
        status = ecc_replay_run(set, &options, &report, &diag);
        report.duration_ms = ecc_monotonic_ms() - started_ms;
        if (status != ECC_OK) {
            ecc_cli_error(S_CMD, "%s", diag.text);
            exit_code = status == ECC_ERR_NOMEM ? ECC_EXIT_INTERNAL : ECC_EXIT_SETUP;
        }
    }
    ecc_cancel_uninstall();
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    ecc_report_console_summary(console.out, &report, console.color);
    exit_code = report.stop == ECC_RUN_STOP_ENDPOINT ? ECC_EXIT_SETUP
                : ecc_run_report_ok(&report)         ? ECC_EXIT_OK
                                                     : ECC_EXIT_FAILED;
    if (t->recording) {
        size_t count = ecc_recording_count(t->recording);
        fprintf(
            console.out,
            "ecsconf replay: %zu exchange%s rewritten in %s\n",
            count,
            count == 1 ? "" : "s",
            args->dirs[0]);
    }
    if (report.stop == ECC_RUN_STOP_INTERRUPTED) {
        fprintf(console.out, "ecsconf replay: interrupted; resources of this run are named %s-*\n", t->prefix);
    }
    if (!ecc_cli_write_reports(S_CMD, args->reports, ECC_ARRAY_LEN(args->reports), &report)) {
        exit_code = ECC_EXIT_SETUP;
    }
done:
    ecc_run_report_clean_up(&report);
    return exit_code;
}

int ecc_cmd_replay(int argc, char **argv) {
    struct s_args args = {
        .request_timeout_ms = 30000,
        .max_wait_ms = 10000,
        .dirs = calloc((size_t)argc, sizeof(char *)),
        .dir_cap = (size_t)argc,
        .reports =
            {{"--junit", ECC_REPORT_JUNIT, NULL}, {"--tap", ECC_REPORT_TAP, NULL}, {"--json", ECC_REPORT_JSON, NULL}},
    };
    struct s_target target = {0};
    ecc_credentials_init(&target.credentials);
    struct ecc_fixture_set set;
    ecc_fixture_set_init(&set);
    int exit_code = args.dirs ? s_parse(argc, argv, &args) : ECC_EXIT_INTERNAL;
    if (exit_code != ECC_EXIT_OK) {
        exit_code = exit_code == ECC_CLI_HELP_SHOWN ? ECC_EXIT_OK : exit_code;
        goto done;
    }
    if (!s_load(&set, args.dirs, args.dir_count)) {
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (set.count == 0) {
        ecc_cli_error(S_CMD, "no recording found in the folders given");
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (args.draft_dir) {
        exit_code = s_draft(&set, args.draft_dir);
        goto done;
    }
    exit_code = s_check_inputs(&args, &target);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_prepare(&args, &target);
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = s_replay(&args, &target, &set);
done:
    s_target_clean_up(&target);
    ecc_fixture_set_clean_up(&set);
    free(args.dirs);
    return exit_code;
}

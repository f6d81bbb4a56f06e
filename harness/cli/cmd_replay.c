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
        "  --profile NAME        emulator, moto or aws: the test keys used when no AWS credentials are found\n"
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
static bool s_load(struct ecc_fixture_set *set, char **dirs, size_t count) {
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

int ecc_cmd_replay(int argc, char **argv) {
    struct ecc_cli_endpoint target = {0};
    const char *known_file = NULL, *draft_dir = NULL, *from = NULL;
    bool bad = false, allow_tasks = false, update = false, seed_given = false, run_id_given = false;
    uint64_t seed = 0, request_timeout_ms = 30000, max_wait_ms = 10000;
    uint32_t run_id = 0;
    char **dirs = calloc((size_t)argc, sizeof(*dirs));
    size_t dir_count = 0;
    struct ecc_cli_report_option reports[] = {
        {"--junit", ECC_REPORT_JUNIT, NULL}, {"--tap", ECC_REPORT_TAP, NULL}, {"--json", ECC_REPORT_JSON, NULL}};
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_fixture_set set;
    ecc_fixture_set_init(&set);
    struct ecc_run_report report = {0};
    struct ecc_replay_known *known = NULL;
    struct ecc_recording *recording = NULL;
    struct ecc_emulator_server *emulator = NULL;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    int exit_code = ECC_EXIT_USAGE;
    if (!dirs) {
        return ECC_EXIT_INTERNAL;
    }

    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            exit_code = ECC_EXIT_OK;
            goto done;
        } else if (ecc_cli_endpoint_option(argc, argv, &i, &target)) {
            continue;
        } else if (strcmp(argv[i], "--allow-tasks") == 0) {
            allow_tasks = true;
        } else if (strcmp(argv[i], "--update") == 0) {
            update = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--from"))) {
            from = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--known"))) {
            known_file = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--draft-cases"))) {
            draft_dir = value;
        } else if (ecc_cli_number_option(S_CMD, argc, argv, &i, "--seed", 0, UINT64_MAX, &seed, &bad)) {
            seed_given = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--run-id"))) {
            if (!ecc_cli_parse_run_id(value, &run_id)) {
                ecc_cli_error(S_CMD, "--run-id takes 8 lower-case hex digits, not '%s'", value);
                goto done;
            }
            run_id_given = true;
        } else if (ecc_cli_number_option(S_CMD, argc, argv, &i, "--max-wait-ms", 0, 600000, &max_wait_ms, &bad)) {
        } else if (ecc_cli_number_option(
                       S_CMD, argc, argv, &i, "--request-timeout-ms", 1, 3600000, &request_timeout_ms, &bad)) {
        } else if (ecc_cli_report_option(S_CMD, argc, argv, &i, reports, ECC_ARRAY_LEN(reports), &value)) {
            if (!value) {
                goto done;
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            ecc_cli_error(S_CMD, "unknown option or missing value: '%s' (see ecsconf replay --help)", argv[i]);
            goto done;
        } else {
            dirs[dir_count++] = argv[i];
        }
        if (bad) {
            goto done;
        }
    }
    if (dir_count == 0) {
        ecc_cli_error(S_CMD, "which recordings? give one or more folders (see ecsconf replay --help)");
        goto done;
    }
    if (from && !update) {
        ecc_cli_error(S_CMD, "--from names the endpoint of --update's recordings: give --update too");
        goto done;
    }
    if (draft_dir &&
        (update || known_file || target.endpoint || reports[0].file || reports[1].file || reports[2].file)) {
        ecc_cli_error(S_CMD, "--draft-cases sends nothing: it takes no --endpoint, --update, --known or reports");
        goto done;
    }
    if (!s_load(&set, dirs, dir_count)) {
        goto done;
    }
    if (set.count == 0) {
        ecc_cli_error(S_CMD, "no recording found in the folders given");
        goto done;
    }
    if (draft_dir) {
        size_t written = 0;
        if (ecc_replay_draft_cases(&set, draft_dir, &written, &diag) != ECC_OK) {
            char text[1200];
            ecc_diag_format(&diag, text, sizeof(text));
            ecc_cli_error(S_CMD, "--draft-cases: %s", text);
            goto done;
        }
        printf("ecsconf replay: %zu draft case%s written into %s\n", written, written == 1 ? "" : "s", draft_dir);
        exit_code = ECC_EXIT_OK;
        goto done;
    }
    if (known_file && !(known = ecc_replay_known_load(known_file, &diag))) {
        char text[1200];
        ecc_diag_format(&diag, text, sizeof(text));
        ecc_cli_error(S_CMD, "--known: %s", text);
        goto done;
    }
    const char *endpoint = target.endpoint ? target.endpoint : ecc_cli_endpoint_from_env();
    const char *region = target.region, *ca_bundle = target.ca_bundle;
    bool embedded = endpoint == NULL;
    const struct ecc_profile *profile = ecc_cli_profile(S_CMD, target.profile, embedded);
    if (!profile) {
        goto done;
    }
    char host[300];
    if (!embedded && ecc_transport_endpoint_host(endpoint, host, sizeof(host), &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "--endpoint %s: %s", endpoint, diag.text);
        goto done;
    }
    if (!embedded && !allow_tasks && !ecc_runner_endpoint_is_loopback(endpoint)) {
        ecc_cli_error(
            S_CMD,
            "--endpoint %s is not on this machine: a replay creates resources and starts the recorded tasks; give "
            "--allow-tasks to replay against it",
            endpoint);
        goto done;
    }
    if (!ecc_cli_check_ca_bundle(S_CMD, ca_bundle) || !ecc_cli_check_reports(S_CMD, reports, ECC_ARRAY_LEN(reports))) {
        goto done;
    }
    if (!region) {
        region = ecc_credentials_region_from_env();
    }
    if (!region) {
        region = ECC_EMULATOR_DEFAULT_REGION;
    }
    if (ecc_credentials_check_region(region, &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "--region: %s", diag.text);
        goto done;
    }
    char ca_bundle_found[4096];
    if (!target.insecure && !embedded &&
        ecc_cli_resolve_ca_bundle(S_CMD, &ca_bundle, ca_bundle_found, sizeof(ca_bundle_found)) != ECC_EXIT_OK) {
        exit_code = ECC_EXIT_SETUP;
        goto done;
    }
    char credentials_source[ECC_CREDENTIALS_SOURCE_MAX] = "";
    exit_code = ecc_cli_credentials(S_CMD, profile, &credentials, credentials_source, sizeof(credentials_source));
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    exit_code = ECC_EXIT_USAGE;
    if (!seed_given) {
        seed = ecc_cli_clock_seed();
    }
    if (!run_id_given) {
        run_id = (uint32_t)ecc_cli_clock_seed();
    }
    char prefix[12];
    ecc_runner_make_prefix(run_id, prefix);

    if (embedded) {
        emulator = ecc_cli_start_emulator(S_CMD, region, seed, 2, false);
        if (!emulator) {
            exit_code = ECC_EXIT_SETUP;
            goto done;
        }
        endpoint = ecc_emulator_server_url(emulator);
    }
    if (update) {
        const char *secrets[] = {credentials.secret_access_key, credentials.session_token};
        struct ecc_recording_options recording_options = {
            .dir = dirs[0],
            .from = from       ? from
                    : embedded ? "emulator"
                               : "other",
            .region = region,
            .upstream = endpoint,
            .via = "ecsconf replay --update",
            .secrets = secrets,
            .secret_count = ECC_ARRAY_LEN(secrets),
        };
        if (dir_count > 1) {
            ecc_cli_error(S_CMD, "--update rewrites one folder: give one");
            goto done;
        }
        recording = ecc_recording_new(&recording_options, &diag);
        if (!recording) {
            ecc_cli_error(S_CMD, "--update: %s", diag.text);
            goto done;
        }
    }

    const char *shown = embedded ? "embedded emulator" : endpoint;
    char who[256];
    ecc_credentials_describe(&credentials, who, sizeof(who));
    bool report_to_stdout = false;
    for (size_t r = 0; r < ECC_ARRAY_LEN(reports); r++) {
        report_to_stdout = report_to_stdout || (reports[r].file && strcmp(reports[r].file, "-") == 0);
    }
    struct s_console console = {.out = report_to_stdout ? stderr : stdout};
    console.color = ecc_report_use_color(console.out);
    fprintf(
        console.out,
        "ecsconf replay: %zu recorded exchange%s against %s (%s), profile %s, region %s, %s from %s\n",
        set.count,
        set.count == 1 ? "" : "s",
        shown,
        endpoint,
        profile->name,
        region,
        who,
        credentials_source);
    fprintf(
        console.out,
        "ecsconf replay: resource prefix %s (--run-id %s reuses it), seed %" PRIu64 "%s%s\n",
        prefix,
        prefix + 3,
        seed,
        known ? ", known differences from " : "",
        known ? known_file : "");
    if (target.insecure) {
        fprintf(console.out, "ecsconf replay: TLS verification is OFF (--insecure)\n");
    }

    struct ecc_runner_options probe;
    ecc_runner_options_init(&probe);
    probe.endpoint_url = endpoint;
    probe.region = region;
    probe.credentials = &credentials;
    probe.prefix = prefix;
    probe.transport.timeout_ms = (long)request_timeout_ms;
    probe.transport.ca_bundle = ca_bundle;
    probe.transport.insecure = target.insecure;
    probe.interrupted = ecc_cancel_level_flag();

    struct ecc_replay_options options = {
        .endpoint_url = endpoint,
        .region = region,
        .credentials = &credentials,
        .prefix = prefix,
        .seed = seed,
        .transport = probe.transport,
        .known = known,
        .max_wait_ms = max_wait_ms,
        .update = recording,
        .interrupted = ecc_cancel_level_flag(),
        .on_item = s_on_item,
        .user_data = &console,
    };
    if (ecc_run_report_init(&report, shown, profile->name, prefix, seed) != ECC_OK) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    if (!ecc_cancel_install()) {
        ecc_cli_error(S_CMD, "cannot install the Ctrl-C handler: %s", strerror(errno));
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    bool usable = false;
    exit_code = ecc_cli_preflight(S_CMD, &probe, shown, &report, &usable);
    enum ecc_status status = ECC_OK;
    if (exit_code == ECC_EXIT_OK && usable) {
        uint64_t started_ms = ecc_monotonic_ms();
        status = ecc_replay_run(&set, &options, &report, &diag);
        report.duration_ms = ecc_monotonic_ms() - started_ms;
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
    ecc_report_console_summary(console.out, &report, console.color);
    exit_code = report.stop == ECC_RUN_STOP_ENDPOINT ? ECC_EXIT_SETUP
                : ecc_run_report_ok(&report)         ? ECC_EXIT_OK
                                                     : ECC_EXIT_FAILED;
    if (recording) {
        fprintf(
            console.out,
            "ecsconf replay: %zu exchange%s rewritten in %s\n",
            ecc_recording_count(recording),
            ecc_recording_count(recording) == 1 ? "" : "s",
            dirs[0]);
    }
    if (report.stop == ECC_RUN_STOP_INTERRUPTED) {
        fprintf(console.out, "ecsconf replay: interrupted; resources of this run are named %s-*\n", prefix);
    }
    if (!ecc_cli_write_reports(S_CMD, reports, ECC_ARRAY_LEN(reports), &report)) {
        exit_code = ECC_EXIT_SETUP;
    }

done:
    ecc_run_report_clean_up(&report);
    ecc_emulator_server_destroy(emulator);
    ecc_recording_destroy(recording);
    ecc_replay_known_destroy(known);
    ecc_credentials_clean_up(&credentials);
    ecc_fixture_set_clean_up(&set);
    free(dirs);
    return exit_code;
}

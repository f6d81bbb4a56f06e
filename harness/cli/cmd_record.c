/*
 * `ecsconf record`: a recording endpoint on a local port until SIGINT or SIGTERM. Clients use it as
 * their endpoint; it forwards each request to the upstream (signed afresh with the recorder's own
 * credentials), returns the answer unchanged and stores the exchange as a redacted fixture
 * (recorder.h, recording.h). The first line on stdout is the URL it listens on.
 */
#include "commands.h"

#include "ecc/credentials.h"
#include "ecc/recorder.h"
#include "ecc/recording.h"
#include "ecc/report.h"
#include "ecc/server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_CMD "record"

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf record --upstream URL --out DIR [options]\n"
        "\n"
        "A recording endpoint. Point a client (AWS CLI, an SDK, `ecsconf run`) at it: each request is\n"
        "forwarded to URL with a fresh SigV4 signature made with YOUR credentials (found as the AWS CLI\n"
        "finds them: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, then the AWS_PROFILE\n"
        "profile and its credential_process) for the upstream's host, the answer goes back to the\n"
        "client unchanged, and the exchange is written to DIR as one fixture (fixtures/README.md) that\n"
        "`ecsconf run --list` loads as it is. The client's own signature is dropped, so any key works for it.\n"
        "\n"
        "Redacted before anything is written: Authorization, X-Amz-Security-Token, X-Amz-Date, request ids,\n"
        "every 12-digit account id (one placeholder per account: 000000000000, 000000000001, ...) and what\n"
        "--redact matches; each redaction is listed in the fixture's `redacted`. A file that would still hold\n"
        "the secret key, the session token or a signature is not written.\n"
        "\n"
        "Options:\n"
        "  --upstream URL       the endpoint to record (http(s)://host[:port]), required\n"
        "  --out DIR            the folder of the recording set (created; a second session appends), required\n"
        "  --from KIND          what the upstream is: aws, moto, emulator or other (default other); it is\n"
        "                       written in every fixture's recorded.from, so say the truth\n"
        "  --name PREFIX        fixture ids are PREFIX-NNNN-<operation> (default: KIND)\n"
        "  --listen ADDR:PORT   address to bind (default 127.0.0.1:0, a free port)\n"
        "  --redact REGEX       also replace what this POSIX extended regex matches by REDACTED (repeatable)\n"
        "  --region REGION      signing region (default AWS_REGION, then AWS_DEFAULT_REGION)\n"
        "  --timeout-ms N       deadline of each forwarded exchange (default 30000); an upstream that sends\n"
        "                       nothing for that long (at least 10 s) is cut off too\n"
        "  --max-exchanges N    write at most N fixtures in this session (default 10000, at most 1000000);\n"
        "                       past it every request gets 400 ClientException naming the cap, neither\n"
        "                       forwarded nor recorded, said once on stderr and counted in the summary\n"
        "  --ca-bundle FILE     extra trusted CAs (PEM); --insecure turns TLS verification off\n"
        "  --help               this text\n"
        "\n"
        "Output: the first stdout line is the URL to give clients; one line per exchange on stderr\n"
        "(`recorded ID (STATUS)` or why not). An upstream that gives no answer (refused, timeout, reset,\n"
        "an answer over 1 MiB) is reported, not recorded; the client gets 503 ServiceUnavailable.\n"
        "Stop with Ctrl-C (SIGINT) or SIGTERM; the summary goes to stderr.\n"
        "\n"
        "Examples (the embedded emulator, whose test keys sign for it; any key works with moto):\n"
        "  export AWS_ACCESS_KEY_ID=AKIDECSCONFEXAMPLE AWS_SECRET_ACCESS_KEY=ecsconf/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
        "  export AWS_DEFAULT_REGION=us-east-1\n"
        "  ecsconf emulate --listen 127.0.0.1:8080 &\n"
        "  ecsconf record --upstream http://127.0.0.1:8080 --from emulator --out rec/emulator > url.txt &\n"
        "  sleep 1; aws ecs create-cluster --cluster-name demo --endpoint-url \"$(head -1 url.txt)\"\n"
        "  moto_server -p 5000 &\n"
        "  ecsconf record --upstream http://127.0.0.1:5000 --from moto --out rec/moto --listen 127.0.0.1:8081 &\n"
        "  conformance/record-sets.py --ecsconf ecsconf --out rec   # the recorded sets of fixtures/recorded\n"
        "Against AWS (your credentials; the recording is redacted, but read it before you share it):\n"
        "  ecsconf record --upstream https://ecs.us-east-1.amazonaws.com --from aws --out rec/aws \\\n"
        "    --region us-east-1 --listen 127.0.0.1:8443\n");
}

static void s_log(void *user_data, const char *line) {
    (void)user_data;
    /* Lines can quote a client's header: no control character reaches the terminal. */
    char *clean = ecc_report_sanitize_text(line, true);
    fprintf(stderr, "ecsconf record: %s\n", clean ? clean : "(out of memory)");
    free(clean);
}

/* The command line, as given. */
struct s_args {
    const char *upstream;
    const char *out_dir;
    const char *from;
    const char *name;
    const char *region;
    const char *ca_bundle;
    const char *patterns[ECC_RECORDING_MAX_PATTERNS];
    size_t pattern_count;
    bool insecure;
    uint64_t timeout_ms;
    uint64_t max_exchanges;
    struct ecc_cli_listen listen;
    char host[300]; /* the upstream's, as signed */
};

/* Reads and checks the command line: ECC_EXIT_OK to go on, ECC_EXIT_USAGE (printed), ECC_CLI_HELP_SHOWN. */
static int s_parse(int argc, char **argv, struct s_args *args) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    const struct ecc_cli_option options[] = {
        {"--upstream", .value = &args->upstream},
        {"--out", .value = &args->out_dir},
        {"--from", .value = &args->from},
        {"--name", .value = &args->name},
        {"--region", .value = &args->region},
        {"--ca-bundle", .value = &args->ca_bundle},
        {"--insecure", .given = &args->insecure},
        {"--redact", .list = args->patterns, .count = &args->pattern_count, .max_count = ECC_ARRAY_LEN(args->patterns)},
        {"--timeout-ms", .number = &args->timeout_ms, .min = 1, .max = 3600000},
        {"--max-exchanges", .number = &args->max_exchanges, .min = 1, .max = 1000000},
        {"--listen", .take = ecc_cli_take_listen, .user = &args->listen},
    };
    const struct ecc_cli_parser parser = {
        .cmd = S_CMD, .help = s_help, .options = options, .option_count = ECC_ARRAY_LEN(options)};
    int exit_code = ecc_cli_parse(&parser, argc, argv);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    if (!args->upstream || !args->out_dir) {
        ecc_cli_error(S_CMD, "%s is required (see --help)", !args->upstream ? "--upstream URL" : "--out DIR");
        return ECC_EXIT_USAGE;
    }
    if (ecc_transport_endpoint_host(args->upstream, args->host, sizeof(args->host), &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "--upstream: %s", diag.text);
        return ECC_EXIT_USAGE;
    }
    if (!ecc_cli_check_ca_bundle(S_CMD, args->ca_bundle)) {
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* What a recording session holds; clean_up releases it. */
struct s_session {
    struct ecc_credentials credentials;
    char ca_bundle_found[4096];
    struct ecc_recording *recording;
    struct ecc_recorder *recorder;
    struct ecc_server *server;
};

static void s_session_clean_up(struct s_session *session) {
    ecc_server_destroy(session->server);
    ecc_recorder_destroy(session->recorder);
    ecc_recording_destroy(session->recording);
    ecc_credentials_clean_up(&session->credentials);
}

/* Credentials (as the AWS CLI finds them), the recording set and the forwarding handler. */
static int s_prepare(struct s_args *args, struct s_session *session) {
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (!args->region) {
        args->region = ecc_credentials_region_from_env();
    }
    if (!args->region) {
        ecc_cli_error(S_CMD, "no region: give --region or set AWS_REGION");
        return ECC_EXIT_SETUP;
    }
    char source[ECC_CREDENTIALS_SOURCE_MAX];
    if (ecc_credentials_resolve(&session->credentials, NULL, source, sizeof(source), &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "no credentials to sign for the upstream: %s", diag.text);
        return ECC_EXIT_SETUP;
    }
    if (!args->insecure &&
        ecc_cli_resolve_ca_bundle(
            S_CMD, &args->ca_bundle, session->ca_bundle_found, sizeof(session->ca_bundle_found)) != ECC_EXIT_OK) {
        return ECC_EXIT_SETUP;
    }
    struct ecc_recording_options recording_options = {
        .dir = args->out_dir,
        .from = args->from,
        .id_prefix = args->name,
        .region = args->region,
        .upstream = args->upstream,
        .via = "ecsconf record",
        .patterns = args->patterns,
        .pattern_count = args->pattern_count,
    };
    int exit_code =
        ecc_cli_recording_new(S_CMD, NULL, &recording_options, &session->credentials, false, &session->recording);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code;
    }
    struct ecc_recorder_options options;
    ecc_recorder_options_init(&options);
    options.upstream_url = args->upstream;
    options.region = args->region;
    options.credentials = &session->credentials;
    options.recording = session->recording;
    /* The slow-drip guard follows the deadline the user gave, so it never cuts an upstream short of it. */
    ecc_transport_options_set_timeout(&options.transport, (long)args->timeout_ms);
    options.transport.ca_bundle = args->ca_bundle;
    options.transport.insecure = args->insecure;
    options.log_fn = s_log;
    options.max_exchanges = args->max_exchanges;
    session->recorder = ecc_recorder_new(&options, &diag);
    if (!session->recorder) {
        ecc_cli_error(S_CMD, "%s", diag.text);
        return ECC_EXIT_USAGE;
    }
    return ECC_EXIT_OK;
}

/* Listens, prints the URL first, records until SIGINT or SIGTERM, then says what was stored. */
static int s_record(const struct s_args *args, struct s_session *session) {
    /* Block the signals before any thread starts, so only sigwait below ever sees them. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.address = args->listen.address;
    server_options.port = args->listen.port;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    session->server = ecc_server_new(&server_options, ecc_recorder_handle, session->recorder, &diag);
    if (!session->server) {
        ecc_cli_error(S_CMD, "cannot listen: %s", diag.text);
        return ECC_EXIT_SETUP;
    }
    printf("%s\n", ecc_server_url(session->server));
    fflush(stdout);
    char who[200];
    ecc_credentials_describe(&session->credentials, who, sizeof(who));
    fprintf(
        stderr,
        "ecsconf record: recording %s (%s, region %s) into %s, signing with %s; stop with Ctrl-C\n",
        args->host,
        args->from,
        args->region,
        args->out_dir,
        who);
    int received = 0;
    while (sigwait(&signals, &received) != 0) {
    }
    bool clean = ecc_server_stop(session->server, 5000);
    struct ecc_recorder_stats stats;
    ecc_recorder_get_stats(session->recorder, &stats);
    fprintf(
        stderr,
        "ecsconf record: %s received; %llu %s recorded into %s, %llu answered but not recorded, %llu without "
        "a usable upstream answer, %llu refused, %llu refused at the --max-exchanges cap\n",
        received == SIGINT ? "SIGINT" : "SIGTERM",
        (unsigned long long)stats.recorded,
        ecc_plural(stats.recorded, "exchange", "exchanges"),
        args->out_dir,
        (unsigned long long)stats.not_recorded,
        (unsigned long long)stats.upstream_failed,
        (unsigned long long)stats.refused,
        (unsigned long long)stats.capped);
    return clean ? ECC_EXIT_OK : ECC_EXIT_FAILED;
}

int ecc_cmd_record(int argc, char **argv) {
    struct s_args args = {
        .from = "other",
        .timeout_ms = 30000,
        .max_exchanges = ECC_RECORDER_DEFAULT_MAX_EXCHANGES,
        .listen = {.address = "127.0.0.1"}};
    int exit_code = s_parse(argc, argv, &args);
    if (exit_code != ECC_EXIT_OK) {
        return exit_code == ECC_CLI_HELP_SHOWN ? ECC_EXIT_OK : exit_code;
    }
    struct s_session session = {0};
    ecc_credentials_init(&session.credentials);
    exit_code = s_prepare(&args, &session);
    if (exit_code == ECC_EXIT_OK) {
        exit_code = s_record(&args, &session);
    }
    s_session_clean_up(&session);
    return exit_code;
}

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
        "forwarded to URL with a fresh SigV4 signature made with YOUR credentials (AWS_ACCESS_KEY_ID,\n"
        "AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) for the upstream's host, the answer goes back to the\n"
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

int ecc_cmd_record(int argc, char **argv) {
    const char *upstream = NULL, *out_dir = NULL, *from = "other", *name = NULL, *region = NULL, *ca_bundle = NULL;
    const char *patterns[ECC_RECORDING_MAX_PATTERNS];
    size_t pattern_count = 0;
    bool insecure = false;
    uint64_t timeout_ms = 30000;
    char address[128] = "127.0.0.1";
    uint16_t port = 0;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            return ECC_EXIT_OK;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--upstream"))) {
            upstream = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--out"))) {
            out_dir = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--from"))) {
            from = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--name"))) {
            name = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--region"))) {
            region = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--ca-bundle"))) {
            ca_bundle = value;
        } else if (strcmp(argv[i], "--insecure") == 0) {
            insecure = true;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--redact"))) {
            if (pattern_count == ECC_RECORDING_MAX_PATTERNS) {
                ecc_cli_error(S_CMD, "at most %d --redact patterns", ECC_RECORDING_MAX_PATTERNS);
                return ECC_EXIT_USAGE;
            }
            patterns[pattern_count++] = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--timeout-ms"))) {
            if (!ecc_cli_parse_u64(value, 1, 3600000, &timeout_ms)) {
                ecc_cli_error(S_CMD, "--timeout-ms takes 1..3600000, not '%s'", value);
                return ECC_EXIT_USAGE;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--listen"))) {
            if (ecc_server_parse_listen(value, address, sizeof(address), &port, &diag) != ECC_OK) {
                ecc_cli_error(S_CMD, "--listen: %s (e.g. 127.0.0.1:8080 or [::1]:0)", diag.text);
                return ECC_EXIT_USAGE;
            }
        } else {
            ecc_cli_error(S_CMD, "unknown option or missing value: '%s' (see --help)", argv[i]);
            return ECC_EXIT_USAGE;
        }
    }
    if (!upstream || !out_dir) {
        ecc_cli_error(S_CMD, "%s is required (see --help)", !upstream ? "--upstream URL" : "--out DIR");
        return ECC_EXIT_USAGE;
    }
    char host[300];
    if (ecc_transport_endpoint_host(upstream, host, sizeof(host), &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "--upstream: %s", diag.text);
        return ECC_EXIT_USAGE;
    }
    if (!region) {
        region = ecc_credentials_region_from_env();
    }
    if (!region) {
        ecc_cli_error(S_CMD, "no region: give --region or set AWS_REGION");
        return ECC_EXIT_SETUP;
    }

    int exit_code = ECC_EXIT_SETUP;
    struct ecc_credentials credentials;
    ecc_credentials_init(&credentials);
    struct ecc_recording *recording = NULL;
    struct ecc_recorder *recorder = NULL;
    struct ecc_server *server = NULL;
    char where[1024];
    if (ecc_credentials_from_env(&credentials, &diag) != ECC_OK) {
        ecc_cli_error(S_CMD, "no credentials to sign for the upstream: %s", diag.text);
        goto done;
    }
    const char *secrets[] = {credentials.secret_access_key, credentials.session_token};
    struct ecc_recording_options recording_options = {
        .dir = out_dir,
        .from = from,
        .id_prefix = name,
        .region = region,
        .upstream = upstream,
        .via = "ecsconf record",
        .patterns = patterns,
        .pattern_count = pattern_count,
        .secrets = secrets,
        .secret_count = ECC_ARRAY_LEN(secrets),
    };
    recording = ecc_recording_new(&recording_options, &diag);
    if (!recording) {
        ecc_diag_format(&diag, where, sizeof(where));
        ecc_cli_error(S_CMD, "%s", where);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    struct ecc_recorder_options options;
    ecc_recorder_options_init(&options);
    options.upstream_url = upstream;
    options.region = region;
    options.credentials = &credentials;
    options.recording = recording;
    options.transport.timeout_ms = (long)timeout_ms;
    /* The slow-drip guard must not cut an upstream short of the deadline the user gave. */
    if ((long)(timeout_ms / 1000) > options.transport.low_speed_time_s) {
        options.transport.low_speed_time_s = (long)(timeout_ms / 1000);
    }
    options.transport.ca_bundle = ca_bundle;
    options.transport.insecure = insecure;
    options.log_fn = s_log;
    recorder = ecc_recorder_new(&options, &diag);
    if (!recorder) {
        ecc_cli_error(S_CMD, "%s", diag.text);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }

    /* Block the signals before any thread starts, so only sigwait below ever sees them. */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.address = address;
    server_options.port = port;
    server = ecc_server_new(&server_options, ecc_recorder_handle, recorder, &diag);
    if (!server) {
        ecc_cli_error(S_CMD, "cannot listen: %s", diag.text);
        goto done;
    }
    printf("%s\n", ecc_server_url(server));
    fflush(stdout);
    char who[200];
    ecc_credentials_describe(&credentials, who, sizeof(who));
    fprintf(
        stderr,
        "ecsconf record: recording %s (%s, region %s) into %s, signing with %s; stop with Ctrl-C\n",
        host,
        from,
        region,
        out_dir,
        who);
    int received = 0;
    while (sigwait(&signals, &received) != 0) {
    }
    bool clean = ecc_server_stop(server, 5000);
    struct ecc_recorder_stats stats;
    ecc_recorder_get_stats(recorder, &stats);
    fprintf(
        stderr,
        "ecsconf record: %s received; %llu exchanges recorded into %s, %llu answered but not recorded, %llu without "
        "a usable upstream answer, %llu refused\n",
        received == SIGINT ? "SIGINT" : "SIGTERM",
        (unsigned long long)stats.recorded,
        out_dir,
        (unsigned long long)stats.not_recorded,
        (unsigned long long)stats.upstream_failed,
        (unsigned long long)stats.refused);
    exit_code = clean ? ECC_EXIT_OK : ECC_EXIT_FAILED;
done:
    ecc_server_destroy(server);
    ecc_recorder_destroy(recorder);
    ecc_recording_destroy(recording);
    ecc_credentials_clean_up(&credentials);
    return exit_code;
}

/* Dispatch of `ecsconf <subcommand>`; every subcommand lives in its own cmd_*.c file. */
#include "commands.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct ecc_cli_command s_commands[] = {
    {"run", "run the conformance suite against an endpoint (the embedded emulator by default)", ecc_cmd_run},
    {"fuzz", "fuzz an ECS endpoint over the wire (the embedded emulator by default): findings by rule", ecc_cmd_fuzz},
    {"emulate", "run the reference ECS emulator (RunTask as documented) on a local port", ecc_cmd_emulate},
    {"version", "print the version and the libraries ecsconf was built with", ecc_cmd_version},
    {"sign", "sign a raw HTTP request with SigV4 (or presign it); --explain shows the canonical request", ecc_cmd_sign},
    {"verify",
     "check the SigV4 signature of a raw HTTP request against a key file; says which check failed",
     ecc_cmd_verify},
    {"client",
     "test a RunTask client (SDK, CLI) through an adapter: ecsconf plays the service and checks what it sends",
     ecc_cmd_client},
    {"serve", "serve one client case's recorded answers as a mock ECS endpoint, checking every request", ecc_cmd_serve},
    {"record",
     "record real exchanges: a proxy endpoint that re-signs, forwards and stores each one as a redacted fixture",
     ecc_cmd_record},
    {"replay",
     "replay recorded exchanges against an endpoint and compare each answer with the recorded one by meaning",
     ecc_cmd_replay},
    {"adapter-c", NULL, ecc_cmd_adapter_c},
};

void ecc_cli_error(const char *cmd, const char *fmt, ...) {
    va_list args;
    va_start(args, fmt);
    fprintf(stderr, "ecsconf %s: ", cmd);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
}

static void s_usage(FILE *out) {
    fprintf(
        out,
        "ecsconf - conformance and fuzz testing for the Amazon ECS RunTask API (AWS JSON 1.1, SigV4)\n"
        "\n"
        "Usage: ecsconf <command> [options]\n"
        "       ecsconf <command> --help     options of one command, with examples\n"
        "\n"
        "Commands:\n");
    for (size_t i = 0; i < sizeof(s_commands) / sizeof(s_commands[0]); i++) {
        if (s_commands[i].summary == NULL) {
            continue;
        }
        fprintf(out, "  %-10s %s\n", s_commands[i].name, s_commands[i].summary);
    }
    fprintf(
        out,
        "\n"
        "Exit codes: 0 all passed, 1 a check failed, 2 usage or input error, 3 environment problem,\n"
        "            4 internal error.\n"
        "Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, then the AWS\n"
        "profile (AWS_PROFILE) in ~/.aws/credentials and ~/.aws/config (credential_process included); the region\n"
        "from AWS_REGION, AWS_DEFAULT_REGION, then the profile. Secrets are never printed.\n");
}

int main(int argc, char **argv) {
    /* One line at a time, also into a pipe or a CI log: a run that is killed keeps what it printed, and
     * results interleave with stderr in the order they happened. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        s_usage(stdout);
        return argc < 2 ? ECC_EXIT_USAGE : ECC_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        return ecc_cmd_version(argc - 1, argv + 1);
    }
    for (size_t i = 0; i < sizeof(s_commands) / sizeof(s_commands[0]); i++) {
        if (strcmp(argv[1], s_commands[i].name) == 0) {
            return s_commands[i].run(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "ecsconf: unknown command '%s'\n\n", argv[1]);
    s_usage(stderr);
    return ECC_EXIT_USAGE;
}

#ifndef ECSCONF_CLI_COMMANDS_H
#define ECSCONF_CLI_COMMANDS_H

/*
 * Floor 5: the `ecsconf` command. Each subcommand lives in its own file (cmd_<name>.c), reads its
 * options with ecc_cli_parse (cli_options.c) and calls floor 4. main.c only dispatches.
 *
 * Exit codes are the same for every subcommand, so CI scripts can trust them.
 */
#include "ecc/report.h"

#include <signal.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum ecc_exit {
    ECC_EXIT_OK = 0,       /* everything passed (expected failures included) */
    ECC_EXIT_FAILED = 1,   /* the check ran and something failed, or an expected failure passed */
    ECC_EXIT_USAGE = 2,    /* bad command line or bad input file (the message says file:line) */
    ECC_EXIT_SETUP = 3,    /* environment problem: endpoint unreachable, port in use, missing credentials */
    ECC_EXIT_INTERNAL = 4, /* a bug in ecsconf */
};

struct ecc_cli_command {
    const char *name;
    const char *summary;               /* NULL: hidden from the command list */
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
};

/* Prints "ecsconf <cmd>: <message>" to stderr. */
void ecc_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* What `sign` and `verify` share (cli_request_input.c). */
struct ecc_http_request;
/* Reads and parses a request in the suite's text form from `path` ("-" or NULL: stdin). Prints the
 * problem (file:line) and returns ECC_EXIT_USAGE on failure, ECC_EXIT_OK on success. */
int ecc_cli_read_request(const char *cmd, const char *path, struct ecc_http_request *request);
/* --date / --now: a SigV4 date (YYYYMMDDTHHMMSSZ) into the int64_t `user` (epoch seconds), which
 * ecc_cli_fixed_clock (user_data: that int64_t) then answers. */
bool ecc_cli_take_sigv4_date(const char *cmd, const char *name, const char *value, void *user);
int64_t ecc_cli_fixed_clock(void *user_data);
/* *region as given, else AWS_REGION, else AWS_DEFAULT_REGION: ECC_EXIT_OK, or ECC_EXIT_SETUP (printed). */
int ecc_cli_region(const char *cmd, const char **region);
/*
 * One option of a command (a row of its table for ecc_cli_parse). The one reader set says what it reads:
 *   .value   a value kept as given (borrowed from argv); with .once a second one is refused;
 *   .number  a whole number in [min, max];
 *   .list    a repeated value, appended to list[*count] (at most max_count of them);
 *   .take    a value the command checks or stores itself: false after printing why (user: its target);
 *   none     a flag.
 * .given (may be NULL) is set when the option appears; for a flag it is the flag.
 */
struct ecc_cli_option {
    const char *name; /* "--fixtures"; for operands, what they are ("case paths") */
    const char **value;
    bool once;
    uint64_t *number;
    uint64_t min;
    uint64_t max;
    const char **list;
    size_t *count;
    size_t max_count;
    bool (*take)(const char *cmd, const char *name, const char *value, void *user);
    void *user;
    bool *given;
};
/* A command's command line: its option rows, its help, and its operands (the arguments that are not
 * options; "-" alone is one): a .list row, or none when operands.list is NULL. */
struct ecc_cli_parser {
    const char *cmd; /* "run": messages read "ecsconf run: ..." */
    void (*help)(FILE *out);
    const struct ecc_cli_option *options;
    size_t option_count;
    struct ecc_cli_option operands;
};
/* ecc_cli_parse's answer after printing the help. */
#define ECC_CLI_HELP_SHOWN (-1)
/* Reads argv[1..argc) ("--name value" or "--name=value"): ECC_EXIT_OK; ECC_EXIT_USAGE after printing what
 * is wrong (an unknown option, a missing or bad value, one too many); ECC_CLI_HELP_SHOWN on --help or -h. */
int ecc_cli_parse(const struct ecc_cli_parser *parser, int argc, char **argv) __attribute__((warn_unused_result));

/* The rows of the endpoint options (--endpoint, --region, --profile, --ca-bundle, --insecure) into a
 * struct ecc_cli_endpoint (a row a line, as in the commands' tables), and of one report option (--junit,
 * --tap, --json: each once). */
/* clang-format off */
#define ECC_CLI_ENDPOINT_OPTIONS(target)                 \
    {"--endpoint", .value = &(target)->endpoint},        \
    {"--region", .value = &(target)->region},            \
    {"--profile", .value = &(target)->profile},          \
    {"--ca-bundle", .value = &(target)->ca_bundle},      \
    {"--insecure", .given = &(target)->insecure}
/* clang-format on */
#define ECC_CLI_REPORT_OPTION(report)                                                                                  \
    { (report).option, .value = &(report).file, .once = true }

/* Readers for .take rows that several commands share; `user` is the target named. */
struct ecc_cli_listen {
    char address[128];
    uint16_t port;
};
/* --listen ADDR:PORT (server.h's parser) into a struct ecc_cli_listen. */
bool ecc_cli_take_listen(const char *cmd, const char *name, const char *value, void *user);
/* --shard K/N into a struct ecc_shard (plan.h). */
bool ecc_cli_take_shard(const char *cmd, const char *name, const char *value, void *user);
/* --only / --skip GLOB into a struct ecc_filter (plan.h). */
bool ecc_cli_take_filter(const char *cmd, const char *name, const char *value, void *user);
/* --run-id: 8 lower-case hex digits (the resource prefix without its "ecc") into a uint32_t. */
bool ecc_cli_take_run_id(const char *cmd, const char *name, const char *value, void *user);

/* The suite's data folder (cli_data.c says the order it is looked for in): conformance/, fixtures/,
 * client-cases/, the adapters. Never NULL; the text is static and lives until exit. `origin`, when not
 * NULL, gets a phrase saying where the folder came from (for `ecsconf version`). */
const char *ecc_cli_data_dir(const char **origin);
/* Writes "<data folder>/<name>" into `out` (empty on truncation) and returns `out`. */
const char *ecc_cli_data_path(const char *name, char *out, size_t cap);
/* The shipped adapters: <data>/adapters when installed, <data>/harness/adapters in a source tree. */
const char *ecc_cli_adapters_dir(char *out, size_t cap);

/* --tls-cert FILE and --tls-key FILE of the servers (cli_tls.c). Set the file names, then load: both or
 * neither; PEM text read into heap strings for ecc_server_options (the key wiped by clean_up). */
struct ecc_cli_tls {
    const char *cert_file; /* borrowed from argv */
    const char *key_file;
    char *cert_pem; /* owned; NULL when not serving HTTPS */
    char *key_pem;
};
void ecc_cli_tls_init(struct ecc_cli_tls *tls);
/* ECC_EXIT_OK (nothing to do when neither file is given), or a usage error already printed. */
int ecc_cli_tls_load(const char *cmd, struct ecc_cli_tls *tls);
void ecc_cli_tls_clean_up(struct ecc_cli_tls *tls);

/* Ctrl-C counter of `run` and `fuzz`: 1 after the first SIGINT, 2 after the second (which also restores
 * the default action, so a third one kills). ecc_cli_catch_sigint installs the handler and saves the
 * previous action in *previous, which the caller restores with sigaction. */
extern volatile sig_atomic_t ecc_cli_interrupted;
struct sigaction;
void ecc_cli_catch_sigint(struct sigaction *previous);

/* Does `path` name a folder? */
bool ecc_cli_is_dir(const char *path);

/* --junit, --tap and --json FILE of the commands that write reports (cli_checks.c). */
struct ecc_cli_report_option {
    const char *option; /* "--junit" */
    enum ecc_report_format format;
    const char *file; /* NULL: not asked for; "-": standard output */
};
/* Before anything is sent: each report writable, never two into one file (nor two onto stdout). */
bool ecc_cli_check_reports(const char *cmd, const struct ecc_cli_report_option *reports, size_t count);
/* Writes the asked-for reports; false when one could not be written (said on stderr). */
bool ecc_cli_write_reports(
    const char *cmd, const struct ecc_cli_report_option *reports, size_t count, const struct ecc_run_report *report);
/* What --endpoint, --region, --profile, --ca-bundle and --insecure give (ECC_CLI_ENDPOINT_OPTIONS). */
struct ecc_cli_endpoint {
    const char *endpoint;
    const char *region;
    const char *profile;
    const char *ca_bundle;
    bool insecure;
};
/* The embedded emulator on a free loopback port (its URL: ecc_emulator_server_url); NULL after printing
 * why. Free with ecc_emulator_server_destroy. */
struct ecc_emulator_server;
struct ecc_emulator_server *
ecc_cli_start_emulator(const char *cmd, const char *region, uint64_t seed, unsigned threads, bool control);
/* The preflight (ecc_runner_preflight), after ecc_cancel_install: ECC_EXIT_OK with *usable when the endpoint
 * answered; otherwise *usable is false and the report's stop says why (an interrupt; or the endpoint,
 * printed once). ECC_EXIT_INTERNAL (printed) when it could not run. */
struct ecc_runner_options;
int ecc_cli_preflight(
    const char *cmd,
    const struct ecc_runner_options *options,
    const char *shown,
    struct ecc_run_report *report,
    bool *usable);
/* --ca-bundle: a readable file, checked now (AWS_CA_BUNDLE and the profile's ca_bundle are read where the
 * AWS CLI reads them, credentials.c). NULL is fine. */
bool ecc_cli_check_ca_bundle(const char *cmd, const char *ca_bundle);
/* Without --ca-bundle: AWS_CA_BUNDLE, then the profile's ca_bundle (credentials.h), into `found`; *ca_bundle
 * then points at it, or stays NULL (the system store). ECC_EXIT_SETUP (printed) when the one named is
 * unusable. */
int ecc_cli_resolve_ca_bundle(const char *cmd, const char **ca_bundle, char *found, size_t size);

/* The recording of `record`, `run --record` and `replay --update` (recording.h): `options` as the command
 * fills it, with the secrets of `credentials` as what must never reach a file, and without a `from`: the
 * embedded emulator's kind when `embedded`, else "other". *out gets the new recording
 * (free with ecc_recording_destroy); ECC_EXIT_USAGE after printing "<option>: <why>" (`option` NULL: the
 * reason alone). */
struct ecc_recording;
struct ecc_recording_options;
struct ecc_credentials;
int ecc_cli_recording_new(
    const char *cmd,
    const char *option,
    struct ecc_recording_options *options,
    const struct ecc_credentials *credentials,
    bool embedded,
    struct ecc_recording **out);

/* $AWS_ENDPOINT_URL_ECS, then $AWS_ENDPOINT_URL (non-empty), else NULL: the embedded emulator. */
const char *ecc_cli_endpoint_from_env(void);

/* Loads --profile SPEC (NULL: emulator when embedded, else aws) into `profile` (initialized by the caller).
 * A NAME is <suite_dir>/profiles/NAME.profile when that exists (suite_dir may be NULL), else the shipped
 * <data>/conformance/profiles/NAME.profile; anything else is a profile FILE. *lists_apply (may be NULL) is
 * false for a shipped profile standing in for a suite that has none: its expected-failure lists name the
 * shipped suite's cases. An exit code: OK, USAGE (printed: unknown name with the nearest, a file:line
 * error, a profile other than emulator without an endpoint), INTERNAL. */
struct ecc_profile;
int ecc_cli_profile_load(
    const char *cmd,
    const char *spec,
    bool embedded,
    const char *suite_dir,
    struct ecc_profile *profile,
    bool *lists_apply);

/* Credentials in the AWS CLI's order (credentials.h: the environment, the profile files, credential_process),
 * else the profile's test keys; an exit code (OK, SETUP with the reason printed when none exists, INTERNAL).
 * `out` is initialized by the caller; `source` gets where they came from (never a secret). */
struct ecc_credentials;
int ecc_cli_credentials(
    const char *cmd, const struct ecc_profile *profile, struct ecc_credentials *out, char *source, size_t source_size);

/* --keys FILE of `emulate` and `verify` (credentials.h's key file) into `file`, initialized by the caller:
 * ECC_EXIT_OK, ECC_EXIT_USAGE ("--keys: file:line: ..." printed) or ECC_EXIT_INTERNAL (out of memory). */
struct ecc_key_file;
int ecc_cli_load_key_file(const char *cmd, const char *path, struct ecc_key_file *file);

/* A seed from the clock and the process id, for runs without --seed (printed, so they can be repeated). */
uint64_t ecc_cli_clock_seed(void);

/* Subcommands (one file each). */
int ecc_cmd_version(int argc, char **argv);
int ecc_cmd_sign(int argc, char **argv);
int ecc_cmd_verify(int argc, char **argv);
int ecc_cmd_emulate(int argc, char **argv);
int ecc_cmd_run(int argc, char **argv);
int ecc_cmd_fuzz(int argc, char **argv);
int ecc_cmd_client(int argc, char **argv);
int ecc_cmd_serve(int argc, char **argv);
int ecc_cmd_record(int argc, char **argv);
int ecc_cmd_replay(int argc, char **argv);
/* Hidden (no summary): the client-mode adapter for the C client. */
int ecc_cmd_adapter_c(int argc, char **argv);

#endif

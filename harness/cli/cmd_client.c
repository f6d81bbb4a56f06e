/* `ecsconf client`: runs the client-direction cases against a client under test through its adapter. */
#include "commands.h"
#include "ecc/fixture.h"
#include "ecc/mock.h"
#include "ecc/plan.h"

#include <fnmatch.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const s_cmd = "client";

#define S_MAX_PATHS 64
#define S_MAX_ONLY  64
#define S_MAX_JOBS  16

/* The cases of a run, shared by the worker threads; each case's result slot is written by one thread. */
struct s_work {
    struct ecc_client_case **cases;
    size_t count;
    const char *const *only;
    size_t only_count;
    const bool *in_shard; /* per case: in the --shard asked for (all true without --shard) */
    struct ecc_client_run_options options;
    struct ecc_client_case_result *results;
    bool *ran;
    bool *setup_failed;
    struct ecc_diag *diags;
    pthread_mutex_t lock;
    size_t next;
};

static void s_help(FILE *out) {
    fprintf(
        out,
        "Usage: ecsconf client --adapter CMD [options] [CASE_FILE_OR_DIR...]\n"
        "\n"
        "Tests a RunTask client (an SDK, a CLI, your own code) the other way round: ecsconf plays the ECS\n"
        "service. For each client-direction case it starts a mock endpoint on 127.0.0.1 loaded with the\n"
        "case's recorded answers, runs the adapter, and checks both what the client SENT (target, Host,\n"
        "X-Amz-Date, Content-Length, SigV4 signature with scope <region>/ecs, a body of model members only,\n"
        "the clientToken rules: a fresh UUIDv4 when none is given, the given one unchanged, the same one on\n"
        "every retry, a new one for a new call) and what it REPORTED (the error name, resourceIds,\n"
        "failures[], the task ARNs).\n"
        "\n"
        "The adapter is a shell command. Its environment holds ECSCONF_ENDPOINT (http://127.0.0.1:PORT),\n"
        "ECSCONF_PARAMS (a JSON file with the RunTask parameters), ECSCONF_CASE, AWS_REGION,\n"
        "AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. It makes ONE RunTask call and\n"
        "prints one JSON line:\n"
        "  {\"ok\":true,\"taskArns\":[\"arn:...\"],\"failures\":[{\"arn\":..,\"reason\":..,\"detail\":..}]}\n"
        "  {\"ok\":false,\"error\":\"ConflictException\",\"message\":\"...\",\"resourceIds\":[\"arn:...\"]}\n"
        "It may add \"unsupported\":[\"resourceIds\"] to say what its client cannot report (those checks are\n"
        "skipped with that reason). Exit 89 means \"this client cannot express this case\" (SKIP); a crash,\n"
        "a hang past --timeout-ms or anything but that JSON line FAILs the case.\n"
        "\n"
        "Options:\n"
        "  --adapter CMD       the adapter command (required); adapters shipped in harness/adapters/:\n"
        "                        harness/adapters/aws-cli.sh, harness/adapters/boto3_adapter.py,\n"
        "                        harness/adapters/node/adapter.js, 'ecsconf adapter-c' (the C client)\n"
        "  --name NAME         the client's name in reports (default: the adapter command)\n"
        "  --fixtures DIR      recorded exchanges (default: fixtures/ in the data folder `ecsconf version`\n"
        "                      prints)\n"
        "  --only PATTERN      run only cases whose id matches this glob (repeatable)\n"
        "  --region REGION     region of the mock and the signature scope (default us-east-1)\n"
        "  --timeout-ms N      deadline of one adapter run (default 30000)\n"
        "  --results FILE      write the results as JSON (for result tables: harness/adapters/result-table.py)\n"
        "  --expect-fail FILE  known failures of this client: lines '<case id or glob> <reason>' ('#' starts a\n"
        "                      comment). A listed case that fails is XFAIL (the run stays green); one that\n"
        "                      passes is XPASS and fails the run, so the list stays true\n"
        "  --jobs N            run N cases at once (default 1; each has its own mock and port)\n"
        "  --shard I/N         run only the I-th of N shards (1-based), for a CI matrix: the case ids,\n"
        "                      sorted, dealt round-robin (as `ecsconf run --shard`), so each case is in\n"
        "                      exactly one shard. Stale --expect-fail lines are checked only unsharded\n"
        "  --verbose           print the mock's log (one line per request, no-match diffs)\n"
        "  CASE_FILE_OR_DIR    case files or folders (default: client-cases/ in the data folder)\n"
        "\n"
        "The mock's key is AKIDECSCONFCLIENT with the public test secret\n"
        "'ecsconf/client/mode/test/secret/key/0000' (not a secret; nothing leaves 127.0.0.1).\n"
        "\n"
        "Examples:\n"
        "  ecsconf client --adapter 'ecsconf adapter-c' --name c-client\n"
        "  ecsconf client --adapter harness/adapters/boto3_adapter.py --only 'token-*' --verbose\n"
        "  ecsconf client --adapter harness/adapters/aws-cli.sh client-cases/error-conflict-exception.json\n"
        "\n"
        "Exit codes: 0 no case failed (skips and expected failures allowed), 1 a case failed, 2 usage or a bad "
        "case/fixture file,\n"
        "3 the mock or the adapter could not be started, 4 internal error.\n");
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

static bool s_selected(const char *id, const char *const *only, size_t only_count) {
    if (only_count == 0) {
        return true;
    }
    for (size_t i = 0; i < only_count; i++) {
        if (fnmatch(only[i], id, 0) == 0) {
            return true;
        }
    }
    return false;
}

/* Appends the case files of a file or folder argument. */
static int s_collect(const char *path, char ***files, size_t *count) {
    struct stat info;
    if (stat(path, &info) != 0) {
        ecc_cli_error(s_cmd, "%s: no such file or folder", path);
        return ECC_EXIT_USAGE;
    }
    if (!S_ISDIR(info.st_mode)) {
        char **grown = realloc(*files, (*count + 1) * sizeof(**files));
        if (grown == NULL || (grown[*count] = ecc_strdup(path)) == NULL) {
            *files = grown != NULL ? grown : *files;
            return ECC_EXIT_INTERNAL;
        }
        *files = grown;
        (*count)++;
        return ECC_EXIT_OK;
    }
    char **listed = NULL;
    size_t listed_count = 0;
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    if (ecc_suite_list_json_files(path, &listed, &listed_count, &diag) != ECC_OK) {
        s_print_diag(&diag);
        return ECC_EXIT_USAGE;
    }
    char **grown = realloc(*files, (*count + listed_count + 1) * sizeof(**files));
    if (grown == NULL) {
        for (size_t i = 0; i < listed_count; i++) {
            free(listed[i]);
        }
        free(listed);
        return ECC_EXIT_INTERNAL;
    }
    *files = grown;
    for (size_t i = 0; i < listed_count; i++) {
        (*files)[(*count)++] = listed[i];
    }
    free(listed);
    return ECC_EXIT_OK;
}

static bool s_selected(const char *id, const char *const *only, size_t only_count);

/* One line of an expect-fail file. */
struct s_expected_failure {
    char pattern[128];
    char reason[256];
    bool used;
};

/* Reads an expect-fail file; prints the bad line and returns false on a format error. */
static bool s_load_expect_fail(const char *file, struct s_expected_failure **out, size_t *count) {
    FILE *in = fopen(file, "r");
    if (in == NULL) {
        ecc_cli_error(s_cmd, "%s: cannot open", file);
        return false;
    }
    char line[512];
    unsigned number = 0;
    bool ok = true;
    while (ok && fgets(line, sizeof(line), in) != NULL) {
        number++;
        line[strcspn(line, "#\r\n")] = '\0';
        char *pattern = line + strspn(line, " \t");
        if (*pattern == '\0') {
            continue;
        }
        size_t pattern_len = strcspn(pattern, " \t");
        char *reason = pattern + pattern_len;
        reason += strspn(reason, " \t");
        if (*reason == '\0' || pattern_len >= sizeof((*out)->pattern)) {
            ecc_cli_error(s_cmd, "%s:%u: expected '<case id or glob> <reason>'", file, number);
            ok = false;
            break;
        }
        struct s_expected_failure *grown = realloc(*out, (*count + 1) * sizeof(**out));
        if (grown == NULL) {
            ok = false;
            break;
        }
        *out = grown;
        struct s_expected_failure *entry = &grown[(*count)++];
        memset(entry, 0, sizeof(*entry));
        snprintf(entry->pattern, sizeof(entry->pattern), "%.*s", (int)pattern_len, pattern);
        snprintf(entry->reason, sizeof(entry->reason), "%s", reason);
    }
    fclose(in);
    return ok;
}

static struct s_expected_failure *s_find_expected(struct s_expected_failure *list, size_t count, const char *id) {
    for (size_t i = 0; i < count; i++) {
        if (fnmatch(list[i].pattern, id, 0) == 0) {
            list[i].used = true;
            return &list[i];
        }
    }
    return NULL;
}

static void *s_worker(void *arg) {
    struct s_work *work = arg;
    for (;;) {
        pthread_mutex_lock(&work->lock);
        size_t i = work->next++;
        pthread_mutex_unlock(&work->lock);
        if (i >= work->count) {
            return NULL;
        }
        if (!work->in_shard[i] || !s_selected(work->cases[i]->id, work->only, work->only_count)) {
            continue;
        }
        ecc_diag_clear(&work->diags[i]);
        work->ran[i] = true;
        if (ecc_client_case_run(work->cases[i], &work->options, &work->results[i], &work->diags[i]) != ECC_OK) {
            work->setup_failed[i] = true;
        }
    }
}

int ecc_cmd_client(int argc, char **argv) {
    const char *adapter = NULL;
    const char *name = NULL;
    char default_fixtures[4096], default_cases[4096];
    const char *fixtures_dir = ecc_cli_data_path("fixtures", default_fixtures, sizeof(default_fixtures));
    const char *region = ECC_MOCK_DEFAULT_REGION;
    const char *results_file = NULL;
    const char *paths[S_MAX_PATHS];
    size_t path_count = 0;
    const char *only[S_MAX_ONLY];
    size_t only_count = 0;
    unsigned timeout_ms = 30000;
    unsigned long jobs = 1;
    const char *expect_fail_file = NULL;
    bool verbose = false;
    struct ecc_shard shard = {0};
    for (int i = 1; i < argc; i++) {
        const char *value;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            s_help(stdout);
            return ECC_EXIT_OK;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--adapter")) != NULL) {
            adapter = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--name")) != NULL) {
            name = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--fixtures")) != NULL) {
            fixtures_dir = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--region")) != NULL) {
            region = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--results")) != NULL) {
            results_file = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--only")) != NULL) {
            if (only_count == S_MAX_ONLY) {
                ecc_cli_error(s_cmd, "at most %d --only patterns", S_MAX_ONLY);
                return ECC_EXIT_USAGE;
            }
            only[only_count++] = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--timeout-ms")) != NULL) {
            char *end = NULL;
            unsigned long parsed = strtoul(value, &end, 10);
            if (*end != '\0' || parsed == 0 || parsed > 600000) {
                ecc_cli_error(s_cmd, "--timeout-ms takes 1..600000, got '%s'", value);
                return ECC_EXIT_USAGE;
            }
            timeout_ms = (unsigned)parsed;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--shard")) != NULL) {
            struct ecc_diag diag;
            if (ecc_shard_parse(value, &shard, &diag) != ECC_OK) {
                ecc_cli_error(s_cmd, "--shard: %s", diag.text);
                return ECC_EXIT_USAGE;
            }
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--expect-fail")) != NULL) {
            expect_fail_file = value;
        } else if ((value = ecc_cli_option_value(argc, argv, &i, "--jobs")) != NULL) {
            char *end = NULL;
            jobs = strtoul(value, &end, 10);
            if (*end != '\0' || jobs == 0 || jobs > S_MAX_JOBS) {
                ecc_cli_error(s_cmd, "--jobs takes 1..%d, got '%s'", S_MAX_JOBS, value);
                return ECC_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--verbose") == 0) {
            verbose = true;
        } else if (argv[i][0] == '-') {
            ecc_cli_error(s_cmd, "unknown option '%s' (see ecsconf client --help)", argv[i]);
            return ECC_EXIT_USAGE;
        } else {
            if (path_count == S_MAX_PATHS) {
                ecc_cli_error(s_cmd, "at most %d case paths", S_MAX_PATHS);
                return ECC_EXIT_USAGE;
            }
            paths[path_count++] = argv[i];
        }
    }
    if (adapter == NULL) {
        ecc_cli_error(s_cmd, "--adapter CMD is required (see ecsconf client --help)");
        return ECC_EXIT_USAGE;
    }
    if (path_count == 0) {
        paths[path_count++] = ecc_cli_data_path("client-cases", default_cases, sizeof(default_cases));
    }
    if (name == NULL) {
        name = adapter;
    }

    int exit_code = ECC_EXIT_OK;
    struct ecc_fixture_set fixtures;
    ecc_fixture_set_init(&fixtures);
    char **files = NULL;
    size_t file_count = 0;
    json_t *report = json_pack("{s:s,s:s,s:[]}", "client", name, "adapter", adapter, "cases");
    /* passed, failed, skipped, expected failures, unexpected passes */
    unsigned counts[5] = {0, 0, 0, 0, 0};
    struct s_expected_failure *expected = NULL;
    size_t expected_count = 0;
    if (report == NULL) {
        return ECC_EXIT_INTERNAL;
    }
    if (expect_fail_file != NULL && !s_load_expect_fail(expect_fail_file, &expected, &expected_count)) {
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    if (ecc_fixture_set_load_dir(&fixtures, fixtures_dir, s_suite_error, NULL) != ECC_OK) {
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    for (size_t i = 0; i < path_count && exit_code == ECC_EXIT_OK; i++) {
        exit_code = s_collect(paths[i], &files, &file_count);
    }
    if (exit_code != ECC_EXIT_OK) {
        goto done;
    }
    /* Load every case first: a broken file is reported before anything runs. */
    struct ecc_client_case **cases = calloc(file_count + 1, sizeof(*cases));
    if (cases == NULL) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    for (size_t i = 0; i < file_count; i++) {
        struct ecc_diag diag;
        ecc_diag_clear(&diag);
        if (ecc_client_case_load_file(files[i], &fixtures, &cases[i], &diag) != ECC_OK) {
            s_print_diag(&diag);
            exit_code = ECC_EXIT_USAGE;
        }
    }
    /* --shard: the same partition as `ecsconf run --shard`, keyed by the case id. */
    bool *in_shard = calloc(file_count + 1, sizeof(*in_shard));
    const char **ids = calloc(file_count + 1, sizeof(*ids));
    for (size_t i = 0; in_shard && ids && i < file_count; i++) {
        ids[i] = cases[i] ? cases[i]->id : "";
    }
    if (!in_shard || !ids || ecc_shard_select(&shard, ids, file_count, in_shard) != ECC_OK) {
        exit_code = ECC_EXIT_INTERNAL;
    }
    free(ids);
    if (shard.count && exit_code == ECC_EXIT_OK) {
        size_t others = 0;
        for (size_t i = 0; i < file_count; i++) {
            others += !in_shard[i];
        }
        printf("%s: shard %u/%u (%zu cases are in the other shards)\n", name, shard.index, shard.count, others);
    }
    struct s_work work = {
        .cases = cases,
        .count = file_count,
        .only = only,
        .only_count = only_count,
        .in_shard = in_shard,
        .options =
            {.adapter = adapter, .region = region, .adapter_timeout_ms = timeout_ms, .log_fn = verbose ? s_log : NULL},
        .results = calloc(file_count + 1, sizeof(*work.results)),
        .ran = calloc(file_count + 1, sizeof(bool)),
        .setup_failed = calloc(file_count + 1, sizeof(bool)),
        .diags = calloc(file_count + 1, sizeof(struct ecc_diag)),
    };
    pthread_mutex_init(&work.lock, NULL);
    if (work.results == NULL || work.ran == NULL || work.setup_failed == NULL || work.diags == NULL) {
        exit_code = ECC_EXIT_INTERNAL;
    }
    for (size_t i = 0; i < file_count && exit_code == ECC_EXIT_OK; i++) {
        ecc_client_case_result_init(&work.results[i]);
    }
    if (exit_code == ECC_EXIT_OK) {
        pthread_t threads[S_MAX_JOBS];
        size_t started = 0;
        for (; started < jobs; started++) {
            if (pthread_create(&threads[started], NULL, s_worker, &work) != 0) {
                break;
            }
        }
        if (started == 0) {
            s_worker(&work);
        }
        for (size_t t = 0; t < started; t++) {
            pthread_join(threads[t], NULL);
        }
    }
    for (size_t i = 0; i < file_count && exit_code == ECC_EXIT_OK; i++) {
        const struct ecc_client_case *c = cases[i];
        struct ecc_client_case_result *result = &work.results[i];
        if (!work.ran[i]) {
            continue;
        }
        if (work.setup_failed[i]) {
            s_print_diag(&work.diags[i]);
            exit_code = ECC_EXIT_SETUP;
            break;
        }
        const char *verdict = ecc_client_verdict_name(result->verdict);
        struct s_expected_failure *known = s_find_expected(expected, expected_count, c->id);
        if (known != NULL && result->verdict == ECC_CLIENT_CASE_FAIL) {
            verdict = "XFAIL";
            counts[3]++;
        } else if (known != NULL && result->verdict == ECC_CLIENT_CASE_PASS) {
            verdict = "XPASS";
            counts[4]++;
        } else {
            counts[result->verdict]++;
        }
        printf("%-5s %s: %s\n", verdict, c->id, c->title);
        if (known != NULL && result->verdict != ECC_CLIENT_CASE_SKIP) {
            printf("        expected to fail: %s\n", known->reason);
        }
        json_t *reasons = json_array();
        for (size_t r = 0; r < result->reasons.count; r++) {
            printf("        %s\n", result->reasons.items[r]);
            json_array_append_new(reasons, json_string(result->reasons.items[r]));
        }
        json_array_append_new(
            json_object_get(report, "cases"),
            json_pack(
                "{s:s,s:s,s:s,s:o,s:i,s:s?}",
                "id",
                c->id,
                "title",
                c->title,
                "verdict",
                verdict,
                "reasons",
                reasons,
                "requests",
                (int)result->requests,
                "expected_failure",
                known != NULL ? known->reason : NULL));
    }
    fflush(stdout);
    for (size_t i = 0; work.results != NULL && i < file_count; i++) {
        ecc_client_case_result_clean_up(&work.results[i]);
    }
    free(work.results);
    free(work.ran);
    free(work.setup_failed);
    free(work.diags);
    free(in_shard);
    pthread_mutex_destroy(&work.lock);
    for (size_t i = 0; i < file_count; i++) {
        ecc_client_case_destroy(cases[i]);
    }
    free(cases);
    if (exit_code == ECC_EXIT_OK) {
        /* A line can only be found stale when every case ran (no --only, no --shard). */
        for (size_t i = 0; i < expected_count && only_count == 0 && shard.count == 0; i++) {
            if (!expected[i].used) {
                ecc_cli_error(s_cmd, "%s: '%s' matches no case", expect_fail_file, expected[i].pattern);
                exit_code = ECC_EXIT_USAGE;
            }
        }
        printf(
            "%s: %u passed, %u failed, %u skipped, %u expected failures, %u unexpected passes\n",
            name,
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            counts[4]);
        if (exit_code == ECC_EXIT_OK && (counts[1] > 0 || counts[4] > 0)) {
            exit_code = ECC_EXIT_FAILED;
        }
        json_object_set_new(
            report,
            "summary",
            json_pack(
                "{s:i,s:i,s:i,s:i,s:i}",
                "passed",
                counts[0],
                "failed",
                counts[1],
                "skipped",
                counts[2],
                "xfail",
                counts[3],
                "xpass",
                counts[4]));
        if (results_file != NULL && json_dump_file(report, results_file, JSON_INDENT(2)) != 0) {
            ecc_cli_error(s_cmd, "cannot write %s", results_file);
            exit_code = ECC_EXIT_SETUP;
        }
    }

done:
    free(expected);
    for (size_t i = 0; i < file_count; i++) {
        free(files[i]);
    }
    free(files);
    json_decref(report);
    ecc_fixture_set_clean_up(&fixtures);
    return exit_code;
}

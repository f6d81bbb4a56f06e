/* Running a client-direction case: mock on loopback, adapter as a child process, verdict (mock.h). */
#include "ecc/match.h"
#include "ecc/mock.h"
#include "ecc/server.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define S_DEFAULT_TIMEOUT_MS         30000u
#define S_DEFAULT_ATTEMPT_TIMEOUT_MS 5000u
/* How long past the adapter's deadline a hang holds its connection (the adapter is killed first). */
#define S_HANG_PAST_DEADLINE_MS 5000u
#define S_MAX_OUTPUT_BYTES      ((size_t)256 * 1024)
#define S_MAX_ENV               4096

const char *ecc_client_adapter_failure_name(enum ecc_client_adapter_failure failure) {
    switch (failure) {
    case ECC_CLIENT_ADAPTER_OK:
        return "ok";
    case ECC_CLIENT_ADAPTER_HUNG:
        return "adapter-hung";
    case ECC_CLIENT_ADAPTER_CRASHED:
        return "adapter-crashed";
    case ECC_CLIENT_ADAPTER_GARBAGE:
        return "adapter-garbage";
    case ECC_CLIENT_ADAPTER_EXIT:
        return "adapter-exit";
    }
    return "?";
}

void ecc_client_case_result_init(struct ecc_client_case_result *result) {
    memset(result, 0, sizeof(*result));
    ecc_string_list_init(&result->reasons);
}

void ecc_client_case_result_clean_up(struct ecc_client_case_result *result) {
    ecc_string_list_clean_up(&result->reasons);
    json_decref(result->outputs);
    result->outputs = NULL;
}

/* What one adapter run produced. */
struct s_adapter_run {
    struct ecc_buf out;
    struct ecc_buf err;
    int exit_code;  /* -1 when killed by a signal */
    int signal;     /* the signal, when killed */
    bool timed_out; /* killed by us at the deadline */
};

/* The environment of the adapter: the parent's, minus the AWS settings it must not see, plus ours. */
static char **s_build_env(const char *const *overrides, size_t override_count) {
    static const char *const s_removed[] = {
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ECS",
        "AWS_CA_BUNDLE"};
    size_t count = 0;
    while (environ[count] != NULL && count < S_MAX_ENV) {
        count++;
    }
    char **env = calloc(count + override_count + 1, sizeof(*env));
    if (env == NULL) {
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const char *entry = environ[i];
        size_t name_len = strcspn(entry, "=");
        bool drop = false;
        for (size_t r = 0; r < ECC_ARRAY_LEN(s_removed) && !drop; r++) {
            drop = strlen(s_removed[r]) == name_len && strncmp(entry, s_removed[r], name_len) == 0;
        }
        for (size_t o = 0; o < override_count && !drop; o++) {
            drop = strncmp(entry, overrides[o], name_len + 1) == 0;
        }
        if (!drop) {
            env[n++] = (char *)entry;
        }
    }
    for (size_t o = 0; o < override_count; o++) {
        env[n++] = (char *)overrides[o];
    }
    env[n] = NULL;
    return env;
}

/* Reads what is there; returns false at end of file. Bytes past the cap are read and dropped. */
static bool s_drain(int fd, struct ecc_buf *buf) {
    char chunk[4096];
    ssize_t got = read(fd, chunk, sizeof(chunk));
    if (got < 0) {
        return errno == EINTR || errno == EAGAIN;
    }
    if (got == 0) {
        return false;
    }
    size_t room = buf->max_bytes > buf->len ? buf->max_bytes - buf->len : 0;
    if (ecc_buf_append(buf, chunk, (size_t)got < room ? (size_t)got : room) != ECC_OK) {
        return true; /* past the cap: keep reading so the adapter is not blocked, drop the bytes */
    }
    return true;
}

static enum ecc_status
s_run_adapter(const char *command, char **env, unsigned timeout_ms, struct s_adapter_run *run, struct ecc_diag *diag) {
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
        ecc_diag_set(diag, "pipe: %s", strerror(errno));
        goto on_error;
    }
    pid_t pid = fork();
    if (pid < 0) {
        ecc_diag_set(diag, "fork: %s", strerror(errno));
        goto on_error;
    }
    if (pid == 0) {
        /* Only async-signal-safe calls from here on: the parent has server threads. */
        setpgid(0, 0);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd >= 0) {
            dup2(null_fd, 0);
        }
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        close(out_pipe[0]);
        close(err_pipe[0]);
        char *argv[] = {"sh", "-c", (char *)command, NULL};
        execve("/bin/sh", argv, env);
        _exit(127);
    }
    setpgid(pid, pid); /* also from here, so the group exists before any kill */
    close(out_pipe[1]);
    close(err_pipe[1]);
    bool out_open = true;
    bool err_open = true;
    uint64_t deadline = ecc_monotonic_ms() + timeout_ms;
    while (out_open || err_open) {
        uint64_t now = ecc_monotonic_ms();
        if (now >= deadline) {
            run->timed_out = true;
            break;
        }
        struct pollfd fds[2] = {
            {.fd = out_open ? out_pipe[0] : -1, .events = POLLIN},
            {.fd = err_open ? err_pipe[0] : -1, .events = POLLIN}};
        int ready = poll(fds, 2, (int)(deadline - now));
        if (ready < 0 && errno != EINTR) {
            break;
        }
        if (ready > 0 && fds[0].revents != 0) {
            out_open = s_drain(out_pipe[0], &run->out);
        }
        if (ready > 0 && fds[1].revents != 0) {
            err_open = s_drain(err_pipe[0], &run->err);
        }
    }
    if (run->timed_out) {
        kill(-pid, SIGKILL);
    }
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    /* The adapter is gone; its children may not be. They belong to its group. */
    kill(-pid, SIGKILL);
    close(out_pipe[0]);
    close(err_pipe[0]);
    if (WIFSIGNALED(wstatus)) {
        run->exit_code = -1;
        run->signal = WTERMSIG(wstatus);
    } else {
        run->exit_code = WEXITSTATUS(wstatus);
    }
    return ECC_OK;

on_error:
    for (int i = 0; i < 2; i++) {
        if (out_pipe[i] >= 0) {
            close(out_pipe[i]);
        }
        if (err_pipe[i] >= 0) {
            close(err_pipe[i]);
        }
    }
    return ECC_ERR_IO;
}

/* The last non-empty line of `text`, into out (truncated). */
static void s_last_line(const char *text, size_t len, char *out, size_t size) {
    size_t end = len;
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' ')) {
        end--;
    }
    size_t start = end;
    while (start > 0 && text[start - 1] != '\n') {
        start--;
    }
    snprintf(out, size, "%.*s", (int)(end - start), text + start);
}

/* Parses the adapter's answer line: one JSON object with a boolean `ok`. NULL when garbage. */
static json_t *s_parse_line(const struct s_adapter_run *run) {
    char line[64 * 1024];
    s_last_line(run->out.data != NULL ? run->out.data : "", run->out.len, line, sizeof(line));
    json_t *value = json_loads(line, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (!json_is_object(value) || !json_is_boolean(json_object_get(value, "ok"))) {
        json_decref(value);
        return NULL;
    }
    return value;
}

/* Is the first segment of `pointer` one the adapter said it cannot report? */
static bool s_unsupported(const json_t *output, const char *pointer) {
    const json_t *list = json_object_get(output, "unsupported");
    size_t len = strcspn(pointer + (pointer[0] == '/'), "/");
    for (size_t i = 0; json_is_array(list) && i < json_array_size(list); i++) {
        const char *name = json_string_value(json_array_get(list, i));
        if (name != NULL && strlen(name) == len && strncmp(name, pointer + 1, len) == 0) {
            return true;
        }
    }
    return false;
}

/* The adapter broke its contract: the case fails with `failure` and the reason. */
static enum ecc_status
s_adapter_broke(struct ecc_client_case_result *result, enum ecc_client_adapter_failure failure, const char *fmt, ...)
    ECC_PRINTF(3, 4);
static enum ecc_status
s_adapter_broke(struct ecc_client_case_result *result, enum ecc_client_adapter_failure failure, const char *fmt, ...) {
    result->verdict = ECC_CLIENT_CASE_FAIL;
    result->adapter_failure = failure;
    va_list args;
    va_start(args, fmt);
    enum ecc_status status = ecc_string_list_vappendf(&result->reasons, fmt, args);
    va_end(args);
    return status;
}

/* One `expect.result` member on the adapter's line of call `call`: a skip when the client cannot report
 * it, a failure when it does not match. */
static enum ecc_status s_judge_expectation(
    const json_t *output,
    const char *pointer,
    const json_t *spec,
    unsigned call,
    struct ecc_client_case_result *result) {
    if (s_unsupported(output, pointer)) {
        if (result->verdict == ECC_CLIENT_CASE_PASS) {
            result->verdict = ECC_CLIENT_CASE_SKIP;
        }
        return ecc_string_list_appendf(
            &result->reasons, "the client cannot report %s (the adapter says it is unsupported)", pointer);
    }
    enum ecc_status status = ECC_OK;
    struct ecc_match_failure failure;
    ecc_match_failure_init(&failure);
    if (!ecc_match_eval(output, pointer, spec, &failure)) {
        char *actual = failure.actual != NULL ? json_dumps(failure.actual, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
        result->verdict = ECC_CLIENT_CASE_FAIL;
        status = ecc_string_list_appendf(
            &result->reasons,
            "call %u: the client reported %s = %.200s: %s",
            call,
            failure.pointer[0] ? failure.pointer : pointer,
            actual != NULL ? actual : "(absent)",
            failure.message);
        free(actual);
    }
    ecc_match_failure_clean_up(&failure);
    return status;
}

/* Judges one adapter run into `result`; sets *stop when the case cannot go on (a skip or a broken adapter). */
static enum ecc_status s_judge_run(
    const struct ecc_client_case *c,
    unsigned call,
    unsigned timeout_ms,
    struct s_adapter_run *run,
    struct ecc_client_case_result *result,
    bool *stop) {
    char err_line[300];
    s_last_line(run->err.data != NULL ? run->err.data : "", run->err.len, err_line, sizeof(err_line));
    *stop = true;
    if (run->timed_out) {
        return s_adapter_broke(
            result,
            ECC_CLIENT_ADAPTER_HUNG,
            "call %u: adapter hung: no answer within %u ms (killed)",
            call,
            timeout_ms);
    }
    if (run->exit_code < 0) {
        return s_adapter_broke(
            result,
            ECC_CLIENT_ADAPTER_CRASHED,
            "call %u: adapter crashed: killed by signal %d (%s)",
            call,
            run->signal,
            strsignal(run->signal));
    }
    if (run->exit_code == ECC_ADAPTER_EXIT_CANNOT_EXPRESS) {
        char out_line[300];
        s_last_line(run->out.data != NULL ? run->out.data : "", run->out.len, out_line, sizeof(out_line));
        result->verdict = ECC_CLIENT_CASE_SKIP;
        return ecc_string_list_appendf(
            &result->reasons,
            "the client cannot express this case: %s",
            out_line[0] ? out_line : (err_line[0] ? err_line : "(no reason given)"));
    }
    json_t *output = s_parse_line(run);
    if (output == NULL) {
        char out_line[200];
        s_last_line(run->out.data != NULL ? run->out.data : "", run->out.len, out_line, sizeof(out_line));
        return s_adapter_broke(
            result,
            ECC_CLIENT_ADAPTER_GARBAGE,
            "call %u: adapter printed garbage (exit %d): stdout '%s'%s%s",
            call,
            run->exit_code,
            out_line,
            err_line[0] ? ", stderr: " : "",
            err_line);
    }
    *stop = false;
    if (json_array_append_new(result->outputs, output) != 0) {
        return ECC_ERR_NOMEM;
    }
    if (run->exit_code != 0) {
        result->verdict = ECC_CLIENT_CASE_FAIL;
        result->adapter_failure =
            result->adapter_failure == ECC_CLIENT_ADAPTER_OK ? ECC_CLIENT_ADAPTER_EXIT : result->adapter_failure;
        enum ecc_status status = ecc_string_list_appendf(
            &result->reasons, "call %u: adapter exited %d after printing its answer", call, run->exit_code);
        if (status != ECC_OK) {
            return status;
        }
    }
    const char *pointer;
    json_t *spec;
    json_object_foreach((json_t *)c->expect_result, pointer, spec) {
        enum ecc_status status = s_judge_expectation(output, pointer, spec, call, result);
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

/* One client case under way: the options with their defaults filled in, and what the run owns. */
struct s_case_run {
    const struct ecc_client_case *c;
    const struct ecc_client_run_options *options;
    const char *region;
    const char *access_key;
    const char *secret;
    const char *work_dir;
    unsigned timeout_ms;
    char attempt_timeout[16];
    struct ecc_mock *mock;
    struct ecc_server *server;
    json_t *params;
    char params_file[1024]; /* empty until created */
    char env_entries[9][1200];
    char **env;
};

static void
s_case_run_init(struct s_case_run *run, const struct ecc_client_case *c, const struct ecc_client_run_options *options) {
    *run = (struct s_case_run){.c = c, .options = options};
    run->region = options->region != NULL ? options->region : ECC_MOCK_DEFAULT_REGION;
    run->access_key = options->access_key_id != NULL ? options->access_key_id : ECC_MOCK_DEFAULT_ACCESS_KEY_ID;
    run->secret = options->secret_access_key != NULL ? options->secret_access_key : ECC_MOCK_DEFAULT_SECRET_ACCESS_KEY;
    run->timeout_ms = options->adapter_timeout_ms != 0 ? options->adapter_timeout_ms : S_DEFAULT_TIMEOUT_MS;
    snprintf(
        run->attempt_timeout,
        sizeof(run->attempt_timeout),
        "%u",
        options->attempt_timeout_ms != 0 ? options->attempt_timeout_ms : S_DEFAULT_ATTEMPT_TIMEOUT_MS);
    run->work_dir = options->work_dir;
    if (run->work_dir == NULL) {
        const char *tmp = getenv("TMPDIR");
        run->work_dir = tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp";
    }
}

static void s_case_run_clean_up(struct s_case_run *run) {
    ecc_server_destroy(run->server);
    ecc_mock_destroy(run->mock);
    if (run->params_file[0] != '\0') {
        unlink(run->params_file);
    }
    free(run->env);
    json_decref(run->params);
}

/* The mock with the case's answers, served on a loopback port it learns as its Host. */
static enum ecc_status s_start_mock(struct s_case_run *run, struct ecc_diag *diag) {
    struct ecc_mock_options mock_options = {
        .region = run->region,
        .access_key_id = run->access_key,
        .secret_access_key = run->secret,
        .log_fn = run->options->log_fn,
        .log_user_data = run->options->log_user_data,
    };
    run->mock = ecc_mock_new(&mock_options, diag);
    if (run->mock == NULL) {
        return ECC_ERR_INVALID;
    }
    /* A hang outlasts the adapter's deadline: a client that never gives up is caught hanging. */
    enum ecc_status status =
        ecc_client_case_setup_mock(run->c, run->region, run->timeout_ms + S_HANG_PAST_DEADLINE_MS, run->mock, diag);
    if (status != ECC_OK) {
        return status;
    }
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    /* A hang or a drip holds a worker thread for a while; the client's retry needs a free one. */
    server_options.thread_count = 4;
    server_options.connection_timeout_s = 10;
    run->server = ecc_server_new(&server_options, ecc_mock_handle, run->mock, diag);
    if (run->server == NULL) {
        return ECC_ERR_IO;
    }
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%u", (unsigned)ecc_server_port(run->server));
    return ecc_mock_set_host(run->mock, host);
}

/* The case's parameters, written to a private file in the work folder for the adapter to read. */
static enum ecc_status s_write_params(struct s_case_run *run, struct ecc_diag *diag) {
    enum ecc_status status = ecc_client_case_params(run->c, run->region, &run->params, diag);
    if (status != ECC_OK) {
        return status;
    }
    snprintf(run->params_file, sizeof(run->params_file), "%s/ecsconf-client-params-XXXXXX", run->work_dir);
    int fd = mkstemp(run->params_file);
    if (fd < 0) {
        ecc_diag_set(diag, "cannot create a parameters file in %s: %s", run->work_dir, strerror(errno));
        run->params_file[0] = '\0';
        return ECC_ERR_IO;
    }
    FILE *file = fdopen(fd, "w");
    if (file == NULL || json_dumpf(run->params, file, JSON_INDENT(2)) != 0 || fclose(file) != 0) {
        ecc_diag_set(diag, "cannot write %s", run->params_file);
        return ECC_ERR_IO;
    }
    return ECC_OK;
}

/* The adapter's environment: where the mock listens, the parameters, the region and the mock's key. */
static enum ecc_status s_make_env(struct s_case_run *run) {
    const char *values[][2] = {
        {"ECSCONF_ENDPOINT", ecc_server_url(run->server)},
        {"ECSCONF_PARAMS", run->params_file},
        {"ECSCONF_CASE", run->c->id},
        {"AWS_REGION", run->region},
        {"AWS_DEFAULT_REGION", run->region},
        {"AWS_ACCESS_KEY_ID", run->access_key},
        {"AWS_SECRET_ACCESS_KEY", run->secret},
        {"ECSCONF_ATTEMPT_TIMEOUT_MS", run->attempt_timeout},
    };
    const char *overrides[ECC_ARRAY_LEN(values)];
    for (size_t i = 0; i < ECC_ARRAY_LEN(values); i++) {
        snprintf(run->env_entries[i], sizeof(run->env_entries[i]), "%s=%s", values[i][0], values[i][1]);
        overrides[i] = run->env_entries[i];
    }
    run->env = s_build_env(overrides, ECC_ARRAY_LEN(values));
    return run->env != NULL ? ECC_OK : ECC_ERR_NOMEM;
}

/* One run of the adapter, judged; *stop when the case cannot go on. */
static enum ecc_status s_call_adapter(
    struct s_case_run *run, unsigned call, struct ecc_client_case_result *result, bool *stop, struct ecc_diag *diag) {
    ecc_mock_begin_call(run->mock);
    struct s_adapter_run adapter_run = {.exit_code = 0};
    ecc_buf_init(&adapter_run.out, S_MAX_OUTPUT_BYTES);
    ecc_buf_init(&adapter_run.err, S_MAX_OUTPUT_BYTES);
    *stop = true;
    enum ecc_status status = s_run_adapter(run->options->adapter, run->env, run->timeout_ms, &adapter_run, diag);
    if (status != ECC_OK) {
        goto done;
    }
    ecc_logf(
        run->options->log_fn,
        run->options->log_user_data,
        "%s call %u: exit %d, stdout: %.300s",
        run->c->id,
        call,
        adapter_run.exit_code,
        adapter_run.out.data ? adapter_run.out.data : "");
    status = s_judge_run(run->c, call, run->timeout_ms, &adapter_run, result, stop);

done:
    ecc_buf_clean_up(&adapter_run.out);
    ecc_buf_clean_up(&adapter_run.err);
    return status;
}

/* The mock's problems (ecc_mock_finish), each a reason the case fails. */
static enum ecc_status s_take_mock_problems(struct ecc_mock *mock, struct ecc_client_case_result *result) {
    struct ecc_string_list problems;
    ecc_string_list_init(&problems);
    enum ecc_status status = ecc_mock_finish(mock, &problems);
    if (status != ECC_OK) {
        goto done;
    }
    for (size_t i = 0; i < problems.count; i++) {
        result->verdict = ECC_CLIENT_CASE_FAIL;
        status = ecc_string_list_append(&result->reasons, problems.items[i]);
        if (status != ECC_OK) {
            goto done;
        }
    }

done:
    ecc_string_list_clean_up(&problems);
    return status;
}

/* After the calls: what the mock saw (answers not asked for, requests that broke the case's rules). */
static enum ecc_status s_judge_requests(struct s_case_run *run, struct ecc_client_case_result *result) {
    ecc_server_stop(run->server, 1000);
    result->requests = (unsigned)ecc_mock_record_count(run->mock);
    if (result->verdict == ECC_CLIENT_CASE_SKIP && result->outputs != NULL && json_array_size(result->outputs) == 0) {
        return ECC_OK; /* the client could not express the case: what it sent does not count */
    }
    enum ecc_status status = s_take_mock_problems(run->mock, result);
    if (status != ECC_OK) {
        return status;
    }
    size_t reason_count = result->reasons.count;
    if (json_array_size(result->outputs) == run->c->calls) {
        status = ecc_client_case_check_requests(run->c, result->requests, &result->reasons);
    }
    if (result->reasons.count > reason_count) {
        result->verdict = ECC_CLIENT_CASE_FAIL;
    }
    return status;
}

enum ecc_status ecc_client_case_run(
    const struct ecc_client_case *c,
    const struct ecc_client_run_options *options,
    struct ecc_client_case_result *result,
    struct ecc_diag *diag) {
    struct s_case_run run;
    s_case_run_init(&run, c, options);
    result->verdict = ECC_CLIENT_CASE_PASS;
    result->outputs = json_array();
    if (result->outputs == NULL) {
        return ECC_ERR_NOMEM;
    }
    enum ecc_status status = s_start_mock(&run, diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_write_params(&run, diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = s_make_env(&run);
    if (status != ECC_OK) {
        goto done;
    }
    bool stop = false;
    for (unsigned call = 1; call <= c->calls && !stop; call++) {
        status = s_call_adapter(&run, call, result, &stop, diag);
        if (status != ECC_OK) {
            goto done;
        }
    }
    status = s_judge_requests(&run, result);

done:
    s_case_run_clean_up(&run);
    return status;
}

/*
 * Credentials, region and CA bundle, found the way the AWS CLI finds them: the environment, the shared
 * credentials and config files with profiles, a profile's credential_process. This file is the one
 * place that touches secrets before they are handed to the signer: every copy it makes is wiped when
 * released, every buffer that held file bytes or process output is wiped before it is freed, and no
 * message quotes a line of those files or the process's output (a malformed line may hold a secret).
 */
#define _XOPEN_SOURCE 700 /* wordexp, kill on a process group */
#include "ecc/credentials.h"

#include "ecc/json.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

extern char **environ;

/* A secret file is one line; anything this long is not an AWS secret. */
#define ECC_SECRET_FILE_MAX_BYTES 4096

static void s_free_secret(char **slot) {
    if (*slot) {
        ecc_secure_zero(*slot, strlen(*slot));
        free(*slot);
        *slot = NULL;
    }
}

void ecc_credentials_init(struct ecc_credentials *credentials) {
    credentials->access_key_id = NULL;
    credentials->secret_access_key = NULL;
    credentials->session_token = NULL;
}

void ecc_credentials_clean_up(struct ecc_credentials *credentials) {
    s_free_secret(&credentials->access_key_id);
    s_free_secret(&credentials->secret_access_key);
    s_free_secret(&credentials->session_token);
}

enum ecc_status ecc_credentials_set(
    struct ecc_credentials *credentials,
    const char *access_key_id,
    const char *secret_access_key,
    const char *session_token,
    struct ecc_diag *diag) {
    ecc_credentials_clean_up(credentials);
    if (!access_key_id || !access_key_id[0]) {
        ecc_diag_set(diag, "the access key id is empty");
        return ECC_ERR_INVALID;
    }
    if (!secret_access_key || !secret_access_key[0]) {
        ecc_diag_set(diag, "the secret access key is empty");
        return ECC_ERR_INVALID;
    }
    credentials->access_key_id = ecc_strdup(access_key_id);
    credentials->secret_access_key = ecc_strdup(secret_access_key);
    if (session_token && session_token[0]) {
        credentials->session_token = ecc_strdup(session_token);
    }
    if (!credentials->access_key_id || !credentials->secret_access_key ||
        (session_token && session_token[0] && !credentials->session_token)) {
        ecc_credentials_clean_up(credentials);
        ecc_diag_set(diag, "out of memory copying the credentials");
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

static const char *s_env(const char *name) {
    const char *value = getenv(name);
    return value && value[0] ? value : NULL;
}

enum ecc_status ecc_credentials_from_env(struct ecc_credentials *credentials, struct ecc_diag *diag) {
    return ecc_credentials_from_parts(credentials, NULL, NULL, diag);
}

enum ecc_status ecc_credentials_from_parts(
    struct ecc_credentials *credentials, const char *access_key_id, const char *secret_file, struct ecc_diag *diag) {
    const char *key_id = access_key_id ? access_key_id : s_env("AWS_ACCESS_KEY_ID");
    const char *secret = secret_file ? "pending" : s_env("AWS_SECRET_ACCESS_KEY");
    if (!key_id || !key_id[0] || !secret) {
        ecc_credentials_clean_up(credentials);
        ecc_diag_set(
            diag,
            "%s is not set (or empty) in the environment",
            !key_id || !key_id[0] ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY");
        return ECC_ERR_NOT_FOUND;
    }
    const char *token = !access_key_id && !secret_file ? s_env("AWS_SESSION_TOKEN") : NULL;
    enum ecc_status status = ecc_credentials_set(credentials, key_id, secret, token, diag);
    if (status != ECC_OK || !secret_file) {
        return status;
    }
    return ecc_credentials_read_secret_file(credentials, secret_file, diag);
}

enum ecc_status
ecc_credentials_read_secret_file(struct ecc_credentials *credentials, const char *path, struct ecc_diag *diag) {
    char buffer[ECC_SECRET_FILE_MAX_BYTES + 2];
    enum ecc_status status = ECC_OK;
    FILE *file = fopen(path, "rb");
    if (!file) {
        ecc_diag_set(diag, "cannot open the secret key file '%s': %s", path, strerror(errno));
        return ECC_ERR_IO;
    }
    size_t len = fread(buffer, 1, sizeof(buffer) - 1, file);
    bool read_error = ferror(file) != 0;
    fclose(file);
    buffer[len] = '\0';
    if (read_error) {
        ecc_diag_set(diag, "cannot read the secret key file '%s'", path);
        status = ECC_ERR_IO;
        goto done;
    }
    if (len > ECC_SECRET_FILE_MAX_BYTES) {
        ecc_diag_set(diag, "the secret key file '%s' is longer than %d bytes", path, ECC_SECRET_FILE_MAX_BYTES);
        status = ECC_ERR_LIMIT;
        goto done;
    }
    size_t end = strcspn(buffer, "\r\n");
    size_t rest = end + strspn(buffer + end, "\r\n");
    if (rest != len) {
        ecc_diag_set(diag, "the secret key file '%s' must hold exactly one line", path);
        status = ECC_ERR_INVALID;
        goto done;
    }
    buffer[end] = '\0';
    if (end == 0 || strcspn(buffer, " \t") != end) {
        ecc_diag_set(diag, "the secret key in '%s' is empty or contains blanks", path);
        status = ECC_ERR_INVALID;
        goto done;
    }
    s_free_secret(&credentials->secret_access_key);
    credentials->secret_access_key = ecc_strdup(buffer);
    if (!credentials->secret_access_key) {
        status = ECC_ERR_NOMEM;
    }
done:
    ecc_secure_zero(buffer, sizeof(buffer));
    return status;
}

const char *ecc_credentials_region_from_env(void) {
    const char *region = s_env("AWS_REGION");
    return region ? region : s_env("AWS_DEFAULT_REGION");
}

enum ecc_status ecc_credentials_check_region(const char *region, struct ecc_diag *diag) {
    size_t len = region ? strlen(region) : 0;
    /* Words split by '-': [0] two letters, [1..n-2] letters, [n-1] digits; n >= 3. */
    size_t words = 0;
    bool ok = len > 0 && len <= 32;
    for (size_t start = 0; ok && start <= len;) {
        size_t end = start;
        while (end < len && region[end] != '-') {
            end++;
        }
        size_t letters = 0;
        size_t digits = 0;
        for (size_t i = start; i < end; i++) {
            letters += region[i] >= 'a' && region[i] <= 'z';
            digits += region[i] >= '0' && region[i] <= '9';
        }
        size_t word_len = end - start;
        bool last = end == len;
        ok = word_len > 0 && (last ? digits == word_len : letters == word_len) && (words != 0 || word_len == 2);
        words++;
        start = end + 1;
    }
    if (!ok || words < 3) {
        ecc_diag_set(
            diag,
            "'%.64s' is not an AWS region (lower-case words and a number joined by '-', e.g. us-east-1)",
            region ? region : "");
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

/* ------------------------------------------------------------------------------------------------ */
/* The shared config and credentials files                                                           */

enum s_key { S_KEY_ID, S_SECRET, S_TOKEN, S_PROCESS, S_REGION, S_CA_BUNDLE, S_KEY_COUNT };
static const char *const s_key_names[S_KEY_COUNT] = {
    "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "credential_process", "region", "ca_bundle"};

/* The wanted keys of one section of one file. Values are owned and wiped on release. */
struct s_section {
    char path[4096];
    bool found;
    unsigned line[S_KEY_COUNT]; /* where each value was, for messages */
    char *values[S_KEY_COUNT];
};

static void s_section_clean_up(struct s_section *section) {
    for (size_t i = 0; i < S_KEY_COUNT; i++) {
        s_free_secret(&section->values[i]);
    }
}

static bool s_blank(char c) {
    return c == ' ' || c == '\t';
}

/* [begin, end) without surrounding blanks. */
static void s_trim(const char **begin, const char **end) {
    while (*begin < *end && s_blank(**begin)) {
        (*begin)++;
    }
    while (*end > *begin && s_blank((*end)[-1])) {
        (*end)--;
    }
}

/*
 * Checks the syntax of the whole file (INI as Python's configparser reads it: [section], key = value or
 * key: value, # and ; comments, indented continuation lines) and keeps the wanted keys of `name`.
 * Never quotes a line in `diag`.
 */
static enum ecc_status
s_parse_ini(const char *text, size_t len, const char *name, struct s_section *out, struct ecc_diag *diag) {
    const char *p = text, *end = text + len;
    bool in_section = false, in_wanted = false, after_key = false;
    for (unsigned line = 1; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        const char *b = p, *e = line_end;
        p = eol ? eol + 1 : end;
        if (e > b && e[-1] == '\r') {
            e--;
        }
        bool indented = b < e && s_blank(*b);
        s_trim(&b, &e);
        if (b == e || *b == '#' || *b == ';') {
            continue;
        }
        if (indented) {
            if (!after_key) {
                ecc_diag_set(diag, "%s:%u: an indented line that continues no key", out->path, line);
                return ECC_ERR_INVALID;
            }
            continue; /* a nested value (s3 = ...); none of the keys read here has one */
        }
        if (*b == '[') {
            if (e[-1] != ']' || e - b < 3) {
                ecc_diag_set(diag, "%s:%u: a section header must be [name]", out->path, line);
                return ECC_ERR_INVALID;
            }
            const char *nb = b + 1, *ne = e - 1;
            s_trim(&nb, &ne);
            in_section = true;
            after_key = false;
            in_wanted = (size_t)(ne - nb) == strlen(name) && memcmp(nb, name, strlen(name)) == 0;
            if (in_wanted && out->found) {
                ecc_diag_set(diag, "%s:%u: section [%s] appears twice", out->path, line, name);
                return ECC_ERR_INVALID;
            }
            out->found = out->found || in_wanted;
            continue;
        }
        const char *delimiter = b;
        while (delimiter < e && *delimiter != '=' && *delimiter != ':') {
            delimiter++;
        }
        if (delimiter == e) {
            ecc_diag_set(diag, "%s:%u: expected [section], key = value or a comment", out->path, line);
            return ECC_ERR_INVALID;
        }
        if (!in_section) {
            ecc_diag_set(diag, "%s:%u: a key before any [section]", out->path, line);
            return ECC_ERR_INVALID;
        }
        const char *kb = b, *ke = delimiter, *vb = delimiter + 1, *ve = e;
        s_trim(&kb, &ke);
        s_trim(&vb, &ve);
        if (kb == ke) {
            ecc_diag_set(diag, "%s:%u: a value without a key", out->path, line);
            return ECC_ERR_INVALID;
        }
        after_key = true;
        for (size_t k = 0; in_wanted && k < S_KEY_COUNT; k++) {
            size_t key_len = (size_t)(ke - kb);
            if (key_len != strlen(s_key_names[k]) || memcmp(kb, s_key_names[k], key_len) != 0) {
                continue;
            }
            if (out->values[k]) {
                ecc_diag_set(
                    diag,
                    "%s:%u: %s is set twice in [%s] (first on line %u)",
                    out->path,
                    line,
                    s_key_names[k],
                    name,
                    out->line[k]);
                return ECC_ERR_INVALID;
            }
            out->values[k] = malloc((size_t)(ve - vb) + 1);
            if (!out->values[k]) {
                ecc_diag_set(diag, "out of memory reading %s", out->path);
                return ECC_ERR_NOMEM;
            }
            memcpy(out->values[k], vb, (size_t)(ve - vb));
            out->values[k][ve - vb] = '\0';
            out->line[k] = line;
        }
    }
    return ECC_OK;
}

/*
 * Reads a whole file that may hold secrets into a new buffer of at most `max_bytes` (NUL-terminated), for
 * the config, credentials and key files alike. `what` names the file in messages. ECC_ERR_NOT_FOUND (with
 * a message) when it does not exist. The caller releases the text with s_wipe_text, also on failure.
 */
static enum ecc_status s_read_secret_text(
    const char *path, const char *what, size_t max_bytes, char **out, size_t *out_len, struct ecc_diag *diag) {
    *out = NULL;
    *out_len = 0;
    FILE *file = fopen(path, "rb");
    if (!file) {
        ecc_diag_set(diag, "cannot open %s: %s", what, strerror(errno));
        return errno == ENOENT || errno == ENOTDIR ? ECC_ERR_NOT_FOUND : ECC_ERR_IO;
    }
    enum ecc_status status = ECC_OK;
    char *text = malloc(max_bytes + 1);
    size_t len = text ? fread(text, 1, max_bytes + 1, file) : 0;
    if (!text) {
        ecc_diag_set(diag, "out of memory reading %s", what);
        status = ECC_ERR_NOMEM;
    } else if (ferror(file)) {
        ecc_diag_set(diag, "cannot read %s", what);
        status = ECC_ERR_IO;
    } else if (len > max_bytes) {
        ecc_diag_set(diag, "%s is larger than %zu bytes", what, max_bytes);
        status = ECC_ERR_LIMIT;
    } else {
        text[len] = '\0';
    }
    fclose(file);
    *out = text;
    *out_len = len;
    return status;
}

static void s_wipe_text(char *text, size_t len) {
    if (text) {
        ecc_secure_zero(text, len);
        free(text);
    }
}

/* Reads `out->path` and keeps the wanted keys of section `name`. A missing file is no error. */
static enum ecc_status s_read_section(const char *name, struct s_section *out, struct ecc_diag *diag) {
    char *text = NULL;
    size_t len = 0;
    enum ecc_status status = s_read_secret_text(out->path, out->path, ECC_AWS_CONFIG_MAX_FILE_BYTES, &text, &len, diag);
    if (status == ECC_ERR_NOT_FOUND) {
        status = ECC_OK;
        goto done;
    }
    if (status != ECC_OK) {
        goto done;
    }
    status = s_parse_ini(text, len, name, out, diag);

done:
    s_wipe_text(text, len);
    if (status != ECC_OK) {
        s_section_clean_up(out);
    }
    return status;
}

/* The file named by `option`, else by the environment variable, else $HOME/<home_relative>; a leading
 * "~/" is the home folder, as for the AWS CLI. */
static void s_file_path(const char *option, const char *variable, const char *home_relative, char *out, size_t size) {
    const char *path = option ? option : s_env(variable);
    const char *home = s_env("HOME");
    if (!path) {
        snprintf(out, size, "%s/%s", home ? home : "", home_relative);
    } else if (strncmp(path, "~/", 2) == 0 && home) {
        snprintf(out, size, "%s/%s", home, path + 2);
    } else {
        snprintf(out, size, "%s", path);
    }
}

/* A profile's sections in both files. */
struct s_profile {
    char name[256];
    const char *named_by; /* "AWS_PROFILE", ... or NULL when it is the implicit default */
    struct s_section credentials;
    struct s_section config;
};

static void s_profile_clean_up(struct s_profile *profile) {
    s_section_clean_up(&profile->credentials);
    s_section_clean_up(&profile->config);
}

static enum ecc_status
s_profile_load(const struct ecc_aws_config_options *options, struct s_profile *profile, struct ecc_diag *diag) {
    memset(profile, 0, sizeof(*profile));
    const struct ecc_aws_config_options defaults = {0};
    options = options ? options : &defaults;
    const char *name = options->profile;
    profile->named_by = name ? "the profile option" : NULL;
    /* Else the environment, in the AWS CLI's order. */
    static const char *const variables[] = {"AWS_PROFILE", "AWS_DEFAULT_PROFILE"};
    for (size_t i = 0; !name && i < ECC_ARRAY_LEN(variables); i++) {
        name = s_env(variables[i]);
        profile->named_by = name ? variables[i] : profile->named_by;
    }
    name = name ? name : "default";
    if (strlen(name) >= sizeof(profile->name) - 8) {
        ecc_diag_set(diag, "the profile name is longer than %zu bytes", sizeof(profile->name) - 8);
        return ECC_ERR_INVALID;
    }
    snprintf(profile->name, sizeof(profile->name), "%s", name);
    s_file_path(
        options->credentials_file,
        "AWS_SHARED_CREDENTIALS_FILE",
        ".aws/credentials",
        profile->credentials.path,
        sizeof(profile->credentials.path));
    s_file_path(
        options->config_file, "AWS_CONFIG_FILE", ".aws/config", profile->config.path, sizeof(profile->config.path));
    char config_section[sizeof(profile->name) + 8];
    snprintf(config_section, sizeof(config_section), strcmp(name, "default") == 0 ? "%s" : "profile %s", name);
    enum ecc_status status = s_read_section(name, &profile->credentials, diag);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = s_read_section(config_section, &profile->config, diag);
    if (status != ECC_OK) {
        goto on_error;
    }
    if (profile->named_by && !profile->credentials.found && !profile->config.found) {
        ecc_diag_set(
            diag,
            "the profile '%s' (named by %s) is in neither %s ([%s]) nor %s ([%s])",
            name,
            profile->named_by,
            profile->credentials.path,
            name,
            profile->config.path,
            config_section);
        status = ECC_ERR_INVALID;
        goto on_error;
    }
    return ECC_OK;

on_error:
    s_profile_clean_up(profile);
    return status;
}

/* Kills the process group of `pid` and reaps `pid`. */
static void s_kill_process(pid_t pid) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

/* The process's output until it closes it, into `out` (each chunk wiped after the copy). */
static enum ecc_status
s_read_output(int fd, uint64_t deadline_ms, struct ecc_buf *out, const char *label, struct ecc_diag *diag) {
    for (;;) {
        uint64_t now_ms = ecc_monotonic_ms();
        if (now_ms >= deadline_ms) {
            return ECC_ERR_TIMEOUT;
        }
        struct pollfd poll_fd = {.fd = fd, .events = POLLIN};
        uint64_t wait_ms = deadline_ms - now_ms;
        int ready = poll(&poll_fd, 1, wait_ms > 1000 ? 1000 : (int)wait_ms);
        if (ready < 0 && errno != EINTR) {
            ecc_diag_set(diag, "%s: poll: %s", label, strerror(errno));
            return ECC_ERR_IO;
        }
        if (ready <= 0) {
            continue;
        }
        char chunk[4096];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n == 0) {
            return ECC_OK;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            ecc_diag_set(diag, "%s: read: %s", label, strerror(errno));
            return ECC_ERR_IO;
        }
        enum ecc_status appended = ecc_buf_append(out, chunk, (size_t)n);
        ecc_secure_zero(chunk, sizeof(chunk));
        if (appended != ECC_OK) {
            ecc_diag_set(diag, "%s printed more than %zu bytes", label, out->max_bytes);
            return appended;
        }
    }
}

/* The exit of `pid` once its output is closed, within the same deadline: ECC_ERR_TIMEOUT when it is not
 * done by then, ECC_ERR_IO when waitpid fails. */
static enum ecc_status
s_wait_exit(pid_t pid, uint64_t deadline_ms, int *exit_status, const char *label, struct ecc_diag *diag) {
    for (;;) {
        int wait_status = 0;
        pid_t done = waitpid(pid, &wait_status, WNOHANG);
        if (done == pid) {
            *exit_status = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
            return ECC_OK;
        }
        if (done < 0 && errno != EINTR) {
            ecc_diag_set(diag, "%s: waitpid: %s", label, strerror(errno));
            return ECC_ERR_IO;
        }
        if (ecc_monotonic_ms() >= deadline_ms) {
            return ECC_ERR_TIMEOUT;
        }
        ecc_sleep_ms(10);
    }
}

/* Runs `argv` (a new process group, stdin from /dev/null, stdout into `out`), within the deadline. */
static enum ecc_status s_run_process(
    char *const *argv,
    uint64_t timeout_ms,
    struct ecc_buf *out,
    int *exit_status,
    const char *label,
    struct ecc_diag *diag) {
    int fds[2] = {-1, -1};
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    if (pipe(fds) != 0) {
        ecc_diag_set(diag, "%s: cannot create a pipe: %s", label, strerror(errno));
        return ECC_ERR_IO;
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    posix_spawnattr_setpgroup(&attributes, 0);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    pid_t pid = -1;
    int spawn_error = posix_spawnp(&pid, argv[0], &actions, &attributes, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    close(fds[1]);
    if (spawn_error != 0) {
        close(fds[0]);
        ecc_diag_set(diag, "%s: cannot start '%s': %s", label, argv[0], strerror(spawn_error));
        return ECC_ERR_INVALID;
    }
    uint64_t deadline_ms = ecc_monotonic_ms() + timeout_ms;
    enum ecc_status status = s_read_output(fds[0], deadline_ms, out, label, diag);
    close(fds[0]);
    if (status != ECC_OK) {
        goto on_error;
    }
    status = s_wait_exit(pid, deadline_ms, exit_status, label, diag);
    if (status == ECC_ERR_IO) {
        return status; /* waitpid itself failed: the process cannot be reaped */
    }
    if (status != ECC_OK) {
        goto on_error;
    }
    return ECC_OK;

on_error:
    s_kill_process(pid);
    if (status == ECC_ERR_TIMEOUT) {
        ecc_diag_set(diag, "%s did not finish within %llu ms (killed)", label, (unsigned long long)timeout_ms);
    }
    return status;
}

/* Overwrites the text of a jansson string that held a secret, before the value is freed. */
static void s_wipe_json_string(json_t *value) {
    if (json_is_string(value)) {
        /* jansson owns a private, writable copy; json_string_value only hands it out as const. */
        ecc_secure_zero((char *)(uintptr_t)json_string_value(value), json_string_length(value));
    }
}

/* A credential_process answer: Version 1, string keys (a token too, when given), not expired. */
static enum ecc_status s_check_process_answer(const json_t *root, const char *label, struct ecc_diag *diag) {
    const json_t *version = json_object_get(root, "Version");
    const json_t *key_id = json_object_get(root, "AccessKeyId");
    const json_t *secret = json_object_get(root, "SecretAccessKey");
    const json_t *token = json_object_get(root, "SessionToken");
    const json_t *expiration = json_object_get(root, "Expiration");
    if (!json_is_integer(version) || json_integer_value(version) != 1) {
        ecc_diag_set(diag, "%s: \"Version\" must be 1", label);
        return ECC_ERR_INVALID;
    }
    if (!json_is_string(key_id) || !json_is_string(secret) ||
        (token && !json_is_null(token) && !json_is_string(token))) {
        ecc_diag_set(diag, "%s: AccessKeyId and SecretAccessKey must be strings (SessionToken too, when given)", label);
        return ECC_ERR_INVALID;
    }
    if (!expiration || json_is_null(expiration)) {
        return ECC_OK;
    }
    double expires_s = 0;
    if (!json_is_string(expiration) || ecc_json_parse_iso8601(json_string_value(expiration), &expires_s) != ECC_OK) {
        ecc_diag_set(diag, "%s: \"Expiration\" is not an ISO-8601 time", label);
        return ECC_ERR_INVALID;
    }
    if (expires_s <= (double)time(NULL)) {
        ecc_diag_set(diag, "%s gave credentials that expired at %s", label, json_string_value(expiration));
        return ECC_ERR_INVALID;
    }
    return ECC_OK;
}

/* credential_process: run it and read its JSON (Version 1). */
static enum ecc_status s_credentials_from_process(
    const char *command,
    uint64_t timeout_ms,
    const char *label,
    struct ecc_credentials *credentials,
    struct ecc_diag *diag) {
    wordexp_t words;
    memset(&words, 0, sizeof(words));
    int split = wordexp(command, &words, WRDE_NOCMD);
    if (split != 0 || words.we_wordc == 0) {
        if (split == 0) {
            wordfree(&words);
        }
        ecc_diag_set(
            diag,
            "%s: the command cannot be split into words%s",
            label,
            split == WRDE_CMDSUB ? " (command substitution is not allowed)" : "");
        return ECC_ERR_INVALID;
    }
    struct ecc_buf out;
    ecc_buf_init(&out, ECC_CREDENTIAL_PROCESS_MAX_BYTES);
    json_t *root = NULL;
    int exit_status = 0;
    enum ecc_status status = s_run_process(words.we_wordv, timeout_ms, &out, &exit_status, label, diag);
    wordfree(&words);
    if (status != ECC_OK) {
        goto done;
    }
    if (exit_status != 0) {
        ecc_diag_set(diag, "%s exited with status %d", label, exit_status);
        status = ECC_ERR_INVALID;
        goto done;
    }
    json_error_t error;
    root = json_loadb(out.data ? out.data : "", out.len, JSON_REJECT_DUPLICATES, &error);
    if (!root) {
        /* jansson's message may quote the output, so only the position is reported. */
        ecc_diag_set(
            diag, "%s printed something that is not JSON (line %d, column %d)", label, error.line, error.column);
        status = ECC_ERR_INVALID;
        goto done;
    }
    status = s_check_process_answer(root, label, diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_credentials_set(
        credentials,
        json_string_value(json_object_get(root, "AccessKeyId")),
        json_string_value(json_object_get(root, "SecretAccessKey")),
        json_string_value(json_object_get(root, "SessionToken")),
        diag);

done:
    /* The keys are wiped whatever happened, once the answer was read. */
    s_wipe_json_string(json_object_get(root, "AccessKeyId"));
    s_wipe_json_string(json_object_get(root, "SecretAccessKey"));
    s_wipe_json_string(json_object_get(root, "SessionToken"));
    json_decref(root);
    if (out.data) {
        ecc_secure_zero(out.data, out.len);
    }
    ecc_buf_clean_up(&out);
    return status;
}

/* Static keys of one section; ECC_ERR_NOT_FOUND when it has neither key. */
static enum ecc_status s_credentials_from_section(
    const struct s_section *section, const char *name, struct ecc_credentials *credentials, struct ecc_diag *diag) {
    const char *key_id = section->values[S_KEY_ID], *secret = section->values[S_SECRET];
    if (!key_id && !secret) {
        return ECC_ERR_NOT_FOUND;
    }
    if (!key_id || !secret || !key_id[0] || !secret[0]) {
        ecc_diag_set(
            diag,
            "%s:%u: [%s] has %s but not %s",
            section->path,
            section->line[key_id ? S_KEY_ID : S_SECRET],
            name,
            key_id && key_id[0] ? "aws_access_key_id" : "aws_secret_access_key",
            key_id && key_id[0] ? "aws_secret_access_key" : "aws_access_key_id");
        return ECC_ERR_INVALID;
    }
    return ecc_credentials_set(credentials, key_id, secret, section->values[S_TOKEN], diag);
}

enum ecc_status ecc_credentials_resolve(
    struct ecc_credentials *credentials,
    const struct ecc_aws_config_options *options,
    char *source,
    size_t source_size,
    struct ecc_diag *diag) {
    char scratch[ECC_CREDENTIALS_SOURCE_MAX];
    if (!source || source_size == 0) {
        source = scratch;
        source_size = sizeof(scratch);
    }
    source[0] = '\0';
    ecc_credentials_clean_up(credentials);
    const char *env_key_id = s_env("AWS_ACCESS_KEY_ID"), *env_secret = s_env("AWS_SECRET_ACCESS_KEY");
    if (env_key_id || env_secret) {
        if (!env_key_id || !env_secret) {
            ecc_diag_set(
                diag,
                "%s is set in the environment but %s is not",
                env_key_id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                env_key_id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
            return ECC_ERR_INVALID;
        }
        snprintf(source, source_size, "the environment (AWS_ACCESS_KEY_ID)");
        return ecc_credentials_set(credentials, env_key_id, env_secret, s_env("AWS_SESSION_TOKEN"), diag);
    }
    struct s_profile profile;
    enum ecc_status status = s_profile_load(options, &profile, diag);
    if (status != ECC_OK) {
        return status;
    }
    char config_section[sizeof(profile.name) + 8];
    snprintf(
        config_section,
        sizeof(config_section),
        strcmp(profile.name, "default") == 0 ? "%s" : "profile %s",
        profile.name);
    /* Each source in turn while the earlier ones have none; `source` names the one tried, and is emptied
     * again unless it gave the credentials. */
    snprintf(source, source_size, "the [%s] profile of %s", profile.name, profile.credentials.path);
    status = s_credentials_from_section(&profile.credentials, profile.name, credentials, diag);
    if (status != ECC_ERR_NOT_FOUND) {
        goto done;
    }
    const struct s_section *process_in = profile.credentials.values[S_PROCESS] ? &profile.credentials
                                         : profile.config.values[S_PROCESS]    ? &profile.config
                                                                               : NULL;
    if (process_in) {
        char label[sizeof(process_in->path) + 64];
        snprintf(label, sizeof(label), "credential_process (%s:%u)", process_in->path, process_in->line[S_PROCESS]);
        uint64_t timeout_ms =
            options && options->process_timeout_ms ? options->process_timeout_ms : ECC_CREDENTIAL_PROCESS_TIMEOUT_MS;
        snprintf(source, source_size, "the %s of profile %s", label, profile.name);
        status = s_credentials_from_process(process_in->values[S_PROCESS], timeout_ms, label, credentials, diag);
        if (status != ECC_ERR_NOT_FOUND) {
            goto done;
        }
    }
    snprintf(source, source_size, "the [%s] section of %s", config_section, profile.config.path);
    status = s_credentials_from_section(&profile.config, config_section, credentials, diag);
    if (status != ECC_ERR_NOT_FOUND) {
        goto done;
    }
    ecc_diag_set(
        diag,
        "no credentials: AWS_ACCESS_KEY_ID is not set and the profile '%s' has none in %s or %s",
        profile.name,
        profile.credentials.path,
        profile.config.path);

done:
    if (status != ECC_OK) {
        source[0] = '\0';
    }
    s_profile_clean_up(&profile);
    return status;
}

/* A setting that names a file must name a readable one: found now rather than at the first TLS handshake,
 * where it would fail every request alike. The message names where the name came from: the variable, or
 * the config file's line. */
static enum ecc_status s_check_readable(
    const char *path, const char *setting, const char *config_path, unsigned config_line, struct ecc_diag *diag) {
    FILE *file = fopen(path, "rb");
    if (!file && config_path) {
        ecc_diag_set(
            diag, "%s:%u: %s '%s' cannot be read: %s", config_path, config_line, setting, path, strerror(errno));
        return ECC_ERR_IO;
    }
    if (!file) {
        ecc_diag_set(diag, "%s '%s' cannot be read: %s", setting, path, strerror(errno));
        return ECC_ERR_IO;
    }
    fclose(file);
    return ECC_OK;
}

/* An environment variable, else a key of the profile's config section; a file's name must name a readable
 * file (`is_file`). */
static enum ecc_status s_resolve_setting(
    const struct ecc_aws_config_options *options,
    const char *const *variables,
    size_t variable_count,
    enum s_key key,
    bool is_file,
    char *out,
    size_t size,
    struct ecc_diag *diag) {
    for (size_t i = 0; i < variable_count; i++) {
        const char *value = s_env(variables[i]);
        if (value) {
            if (snprintf(out, size, "%s", value) >= (int)size) {
                ecc_diag_set(diag, "%s is longer than %zu bytes", variables[i], size - 1);
                return ECC_ERR_LIMIT;
            }
            return is_file ? s_check_readable(out, variables[i], NULL, 0, diag) : ECC_OK;
        }
    }
    struct s_profile profile;
    enum ecc_status status = s_profile_load(options, &profile, diag);
    if (status != ECC_OK) {
        return status;
    }
    const char *value = profile.config.values[key];
    if (!value || !value[0]) {
        status = ECC_ERR_NOT_FOUND;
        ecc_diag_set(
            diag,
            "%s is not set and the profile '%s' has no %s in %s",
            variables[0],
            profile.name,
            s_key_names[key],
            profile.config.path);
    } else if (snprintf(out, size, "%s", value) >= (int)size) {
        ecc_diag_set(
            diag,
            "%s:%u: %s is longer than %zu bytes",
            profile.config.path,
            profile.config.line[key],
            s_key_names[key],
            size - 1);
        status = ECC_ERR_LIMIT;
    } else if (is_file) {
        status = s_check_readable(out, s_key_names[key], profile.config.path, profile.config.line[key], diag);
    }
    s_profile_clean_up(&profile);
    return status;
}

enum ecc_status ecc_credentials_resolve_region(
    const struct ecc_aws_config_options *options, char *out, size_t size, struct ecc_diag *diag) {
    static const char *const variables[] = {"AWS_REGION", "AWS_DEFAULT_REGION"};
    return s_resolve_setting(options, variables, 2, S_REGION, false, out, size, diag);
}

enum ecc_status ecc_credentials_resolve_ca_bundle(
    const struct ecc_aws_config_options *options, char *out, size_t size, struct ecc_diag *diag) {
    static const char *const variables[] = {"AWS_CA_BUNDLE"};
    return s_resolve_setting(options, variables, 1, S_CA_BUNDLE, true, out, size, diag);
}

/* ---- key files ---------------------------------------------------------------------------------- */

void ecc_key_file_init(struct ecc_key_file *file) {
    memset(file, 0, sizeof(*file));
}

void ecc_key_file_clean_up(struct ecc_key_file *file) {
    for (size_t i = 0; i < file->count; i++) {
        free(file->keys[i].access_key_id);
        s_free_secret(&file->keys[i].secret_access_key);
        free(file->keys[i].account);
        s_free_secret(&file->keys[i].session_token);
    }
    free(file->keys);
    ecc_key_file_init(file);
}

static enum ecc_status s_key_line_fail(struct ecc_diag *diag, unsigned line, const char *fmt, ...) ECC_PRINTF(3, 4);
static enum ecc_status s_key_line_fail(struct ecc_diag *diag, unsigned line, const char *fmt, ...) {
    if (diag) {
        diag->line = (int)line;
    }
    va_list args;
    va_start(args, fmt);
    ecc_diag_vset(diag, fmt, args);
    va_end(args);
    return ECC_ERR_INVALID;
}

/* One non-blank line, split in place at blanks: the two key fields, then name=value options. */
static enum ecc_status s_key_line(struct ecc_key_file *file, char *text, unsigned line, struct ecc_diag *diag) {
    static const char *const options[] = {"account", "session_token"};
    char *fields[2] = {NULL, NULL};
    char *values[2] = {NULL, NULL};
    size_t positional = 0;
    char *save = NULL;
    for (char *f = strtok_r(text, " \t\r", &save); f; f = strtok_r(NULL, " \t\r", &save)) {
        if (positional < 2) {
            fields[positional++] = f; /* a secret may hold '=': the first two fields are the key */
            continue;
        }
        char *equals = strchr(f, '=');
        if (!equals) {
            return s_key_line_fail(
                diag, line, "a third field must be account=... or session_token=... (the line is not quoted)");
        }
        *equals = '\0';
        size_t which = ECC_ARRAY_LEN(options);
        for (size_t o = 0; o < ECC_ARRAY_LEN(options); o++) {
            which = strcmp(f, options[o]) == 0 ? o : which;
        }
        if (which == ECC_ARRAY_LEN(options)) {
            char hint[128];
            ecc_did_you_mean(f, options, ECC_ARRAY_LEN(options), hint, sizeof(hint));
            return s_key_line_fail(diag, line, "unknown option '%.40s' (account, session_token)%s", f, hint);
        }
        if (values[which]) {
            return s_key_line_fail(diag, line, "%s given twice", options[which]);
        }
        values[which] = equals + 1;
    }
    if (positional < 2) {
        return s_key_line_fail(diag, line, "expected ACCESS_KEY_ID SECRET_ACCESS_KEY, got one field");
    }
    const char *account = values[0];
    if (account && (strlen(account) != 12 || strspn(account, "0123456789") != 12)) {
        return s_key_line_fail(diag, line, "account must be 12 digits");
    }
    if (values[1] && !values[1][0]) {
        return s_key_line_fail(diag, line, "session_token is empty");
    }
    for (size_t i = 0; i < file->count; i++) {
        if (strcmp(file->keys[i].access_key_id, fields[0]) == 0) {
            return s_key_line_fail(
                diag, line, "access key id %.40s is already on line %u", fields[0], file->keys[i].line);
        }
    }
    if (file->count == ECC_KEY_FILE_MAX_KEYS) {
        return s_key_line_fail(diag, line, "more than %d keys", ECC_KEY_FILE_MAX_KEYS);
    }
    struct ecc_key_file_entry *entry = &file->keys[file->count++];
    entry->line = line;
    entry->access_key_id = ecc_strdup(fields[0]);
    entry->secret_access_key = ecc_strdup(fields[1]);
    entry->account = ecc_strdup(account);
    entry->session_token = ecc_strdup(values[1]);
    if (!entry->access_key_id || !entry->secret_access_key || (account && !entry->account) ||
        (values[1] && !entry->session_token)) {
        ecc_diag_set(diag, "out of memory");
        return ECC_ERR_NOMEM;
    }
    return ECC_OK;
}

static enum ecc_status s_key_file_parse(struct ecc_key_file *file, char *text, size_t len, struct ecc_diag *diag) {
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        return s_key_line_fail(diag, 1, "the file starts with a UTF-8 byte-order mark (EF BB BF): save it without one");
    }
    if (memchr(text, '\0', len)) {
        return s_key_line_fail(diag, 1, "the file holds a NUL byte: a key file is text");
    }
    unsigned line = 0;
    for (char *p = text; p < text + len;) {
        line++;
        char *eol = memchr(p, '\n', (size_t)(text + len - p));
        char *end = eol ? eol : text + len;
        *end = '\0';
        char *hash = strchr(p, '#');
        if (hash) {
            *hash = '\0';
        }
        if (strspn(p, " \t\r") != strlen(p)) {
            enum ecc_status status = s_key_line(file, p, line, diag);
            if (status != ECC_OK) {
                return status;
            }
        }
        p = end + 1;
    }
    if (file->count == 0) {
        return s_key_line_fail(diag, 0, "no keys (one 'ACCESS_KEY_ID SECRET_ACCESS_KEY' line per key)");
    }
    return ECC_OK;
}

enum ecc_status ecc_key_file_load(struct ecc_key_file *file, const char *path, struct ecc_diag *diag) {
    ecc_diag_clear(diag);
    snprintf(diag->source, sizeof(diag->source), "%s", path);
    char *text = NULL;
    size_t len = 0;
    enum ecc_status status = s_read_secret_text(path, "the key file", ECC_KEY_FILE_MAX_BYTES, &text, &len, diag);
    if (status == ECC_ERR_NOT_FOUND) {
        status = ECC_ERR_IO; /* named by the user: a missing file is an error here */
    }
    if (status != ECC_OK) {
        goto done;
    }
    file->keys = calloc(ECC_KEY_FILE_MAX_KEYS, sizeof(*file->keys));
    if (!file->keys) {
        ecc_diag_set(diag, "out of memory");
        status = ECC_ERR_NOMEM;
        goto done;
    }
    status = s_key_file_parse(file, text, len, diag);

done:
    s_wipe_text(text, len);
    if (status != ECC_OK) {
        ecc_key_file_clean_up(file);
    }
    return status;
}

void ecc_credentials_describe(const struct ecc_credentials *credentials, char *out, size_t size) {
    if (size == 0) {
        return;
    }
    snprintf(
        out,
        size,
        "access key %s (secret: %s, session token: %s)",
        credentials->access_key_id ? credentials->access_key_id : "(none)",
        credentials->secret_access_key ? "set" : "not set",
        credentials->session_token ? "set" : "not set");
}

/*
 * The wire fuzzer's connection-level attacks (wirefuzz_internal.h): slowloris, a slow body, a flood,
 * idle keep-alive connections, pipelining, Content-Length with Transfer-Encoding, an oversized header
 * line and HTTP/1.0, each on raw sockets (they are the attack, not an HTTP client) for a bounded time,
 * judged by a signed health request on a fresh connection during and after it.
 */
#include "wirefuzz_internal.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------------ */
/* Connection-level attacks                                                                         */

enum s_attack {
    S_ATTACK_SLOWLORIS,
    S_ATTACK_SLOW_BODY,
    S_ATTACK_FLOOD,
    S_ATTACK_IDLE_KEEP_ALIVE,
    S_ATTACK_PIPELINE,
    S_ATTACK_CL_TE,
    S_ATTACK_OVERSIZED_HEADER,
    S_ATTACK_HTTP10,
    S_ATTACK_COUNT,
};

static const char *const s_attack_names[S_ATTACK_COUNT] = {
    "attack.slowloris",
    "attack.slow-body",
    "attack.flood",
    "attack.idle-keep-alive",
    "attack.pipelining",
    "attack.cl-te",
    "attack.oversized-header",
    "attack.http10",
};

#define S_ATTACK_TICK_MS         100
#define S_ATTACK_PROBE_EVERY_MS  250
#define S_ATTACK_READ_MAX_BYTES  (64 * 1024)
#define S_OVERSIZED_HEADER_BYTES (64 * 1024)

struct s_target {
    struct sockaddr_storage address;
    socklen_t address_len;
};

/* The endpoint's address, through the curl URL API and getaddrinfo. Plain HTTP only: the attacks
 * write raw bytes. */
static enum ecc_status s_attack_target(const char *endpoint_url, struct s_target *out, struct ecc_diag *diag) {
    CURLU *url = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    enum ecc_status status = ECC_ERR_INVALID;
    if (url && curl_url_set(url, CURLUPART_URL, endpoint_url, 0) == CURLUE_OK &&
        curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(url, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        if (strcmp(scheme, "http") != 0) {
            ecc_diag_set(diag, "--attacks needs a plain http:// endpoint (they write raw bytes)");
            status = ECC_ERR_UNSUPPORTED;
        } else {
            char bare[256];
            size_t len = strlen(host);
            bool bracketed = len >= 2 && host[0] == '[' && host[len - 1] == ']';
            snprintf(bare, sizeof(bare), "%.*s", (int)(bracketed ? len - 2 : len), bracketed ? host + 1 : host);
            struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *found = NULL;
            if (getaddrinfo(bare, port, &hints, &found) == 0 && found && found->ai_addrlen <= sizeof(out->address)) {
                memcpy(&out->address, found->ai_addr, found->ai_addrlen);
                out->address_len = found->ai_addrlen;
                status = ECC_OK;
            } else {
                ecc_diag_set(diag, "cannot resolve %s for the attacks", bare);
            }
            if (found) {
                freeaddrinfo(found);
            }
        }
    } else {
        ecc_diag_set(diag, "cannot read the endpoint URL '%s'", endpoint_url);
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(url);
    return status;
}

/* A connected socket (blocking connect, bounded by a send/receive timeout), or -1. */
static int s_attack_connect(const struct s_target *target) {
    int fd = socket(target->address.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    struct timeval timeout = {.tv_sec = 2, .tv_usec = 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    if (connect(fd, (const struct sockaddr *)&target->address, target->address_len) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool s_attack_send(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0) {
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads what arrives until `deadline_us` or until `enough` (may be NULL) says the answer is complete. */
static void s_attack_read(int fd, struct ecc_buf *out, uint64_t deadline_us, bool (*enough)(const struct ecc_buf *)) {
    char chunk[4096];
    while (ecc_monotonic_us() < deadline_us && (!enough || !enough(out))) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int ready = poll(&pfd, 1, S_ATTACK_TICK_MS);
        if (ready < 0) {
            return;
        }
        if (ready == 0) {
            continue;
        }
        ssize_t n = recv(fd, chunk, sizeof(chunk), MSG_DONTWAIT);
        if (n <= 0 || ecc_buf_append(out, chunk, (size_t)n) != ECC_OK) {
            return;
        }
    }
}

/* Occurrences of `needle` in the bytes read. */
static size_t s_count_in(const struct ecc_buf *buf, const char *needle) {
    size_t count = 0, len = strlen(needle);
    for (size_t i = 0; buf->data && i + len <= buf->len; i++) {
        if (memcmp(buf->data + i, needle, len) == 0) {
            count++;
            i += len - 1;
        }
    }
    return count;
}

static bool s_three_answers(const struct ecc_buf *buf) {
    return s_count_in(buf, "\r\n\r\n{") >= 3;
}

static bool s_one_answer(const struct ecc_buf *buf) {
    return s_count_in(buf, "\r\n\r\n{") >= 1;
}

/* The signed health request as wire bytes: request line, headers, body (`version` "1.1" or "1.0"). */
static enum ecc_status s_attack_request(struct wirefuzz_fuzzer *f, const char *version, struct ecc_buf *out) {
    struct wirefuzz_probe p;
    wirefuzz_probe_init(&p);
    p.operation = "ListTasks";
    p.mut = WIREFUZZ_MUT_NONE;
    json_t *body = json_pack("{s:s}", "cluster", f->health_cluster);
    enum ecc_status status = body ? wirefuzz_append_json(&p.body, body) : ECC_ERR_NOMEM;
    json_decref(body);
    if (status != ECC_OK) {
        goto done;
    }
    struct ecc_diag diag;
    status = wirefuzz_build_request(f, &p, &diag);
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_buf_printf(out, "POST / HTTP/%s\r\n", version);
    if (status != ECC_OK) {
        goto done;
    }
    for (size_t i = 0; i < p.request.headers.count; i++) {
        status = ecc_buf_printf(out, "%s: %s\r\n", p.request.headers.items[i].name, p.request.headers.items[i].value);
        if (status != ECC_OK) {
            goto done;
        }
    }
    status = ecc_buf_append_str(out, "\r\n");
    if (status != ECC_OK) {
        goto done;
    }
    status = ecc_buf_append(out, p.request.body, p.request.body_len);
done:
    wirefuzz_probe_clean_up(&p);
    return status;
}

static enum ecc_status
s_attack_finding(struct wirefuzz_fuzzer *f, enum s_attack attack, const struct wirefuzz_verdict *v);

/* One health probe on a new connection: a kept-alive one would slip past a flood or an exhausted pool.
 * *ok when it is answered as the health rule wants; *http_status is 0 when no answer arrived. */
static enum ecc_status
s_attack_probe_once(struct wirefuzz_fuzzer *f, bool *ok, int *http_status, char *reason, size_t reason_size) {
    struct ecc_diag diag;
    struct ecc_transport *fresh = ecc_transport_new(&f->options->transport, &diag);
    if (!fresh) {
        return ECC_ERR_NOMEM;
    }
    struct ecc_transport *kept = f->transport;
    f->transport = fresh;
    enum ecc_status status = wirefuzz_step_request(
        f, "ListTasks", json_pack("{s:s}", "cluster", f->health_cluster), ok, http_status, reason, reason_size);
    f->transport = kept;
    ecc_transport_destroy(fresh);
    return status;
}

/* A failed probe recorded under `rule` and the attack's name. */
static enum ecc_status
s_attack_probe_failed(struct wirefuzz_fuzzer *f, enum s_attack attack, enum wirefuzz_rule rule, const char *reason) {
    struct wirefuzz_verdict v;
    memset(&v, 0, sizeof(v));
    wirefuzz_verdict_set(&v, rule, 0, "", "%s", reason);
    /* The type: the transport's error name when there was no answer ("answered 0: <name>: ..."). */
    const char *colon = strstr(reason, "answered 0: ");
    if (colon) {
        snprintf(v.error_type, sizeof(v.error_type), "%.*s", (int)strcspn(colon + 12, ":"), colon + 12);
    }
    return s_attack_finding(f, attack, &v);
}

/* One health probe during an attack (attack.availability): it must be answered within the request
 * deadline. */
static enum ecc_status s_attack_probe(struct wirefuzz_fuzzer *f, enum s_attack attack) {
    bool ok = false;
    int http_status = 0;
    char reason[400];
    enum ecc_status status = s_attack_probe_once(f, &ok, &http_status, reason, sizeof(reason));
    if (status != ECC_OK || ok) {
        return status;
    }
    return s_attack_probe_failed(f, attack, WIREFUZZ_RULE_ATTACK_AVAILABILITY, reason);
}

/*
 * The health probe after an attack's sockets are closed (attack.recovery). An endpoint may still be
 * working through what the attack queued (a backlog of connections that have since closed), so a probe
 * that gets no answer (a deadline, a refused or reset connection) is repeated, each with the request
 * deadline, until the recovery time has passed; the last failure is the finding. An answer that
 * breaks a rule is a finding at once: it is an answer, not a delay.
 */
static enum ecc_status s_attack_recovery(struct wirefuzz_fuzzer *f, enum s_attack attack) {
    uint64_t started_us = ecc_monotonic_us(), deadline_us = started_us + (uint64_t)f->attack_recovery_ms * 1000u;
    char reason[400];
    unsigned probes = 0;
    int http_status = 0;
    for (;;) {
        bool ok = false;
        enum ecc_status status = s_attack_probe_once(f, &ok, &http_status, reason, sizeof(reason));
        probes++;
        if (status != ECC_OK || ok) {
            return status;
        }
        bool interrupted = f->options->interrupted && *f->options->interrupted;
        if (http_status != 0 || interrupted || ecc_monotonic_us() + S_ATTACK_TICK_MS * 1000u >= deadline_us) {
            break;
        }
        ecc_sleep_ms(S_ATTACK_TICK_MS);
    }
    if (http_status == 0) {
        size_t len = strlen(reason);
        snprintf(
            reason + len,
            sizeof(reason) - len,
            " (still no answer after %u probes over %" PRIu64 " ms)",
            probes,
            (ecc_monotonic_us() - started_us) / 1000u);
    }
    return s_attack_probe_failed(f, attack, WIREFUZZ_RULE_ATTACK_RECOVERY, reason);
}

static enum ecc_status
s_attack_finding(struct wirefuzz_fuzzer *f, enum s_attack attack, const struct wirefuzz_verdict *v) {
    bool is_new = false;
    enum ecc_status status = wirefuzz_count_class(f, v, s_attack_names[attack], &is_new);
    if (status != ECC_OK || !is_new) {
        return status;
    }
    char reproducer[300];
    snprintf(
        reproducer,
        sizeof(reproducer),
        "ecsconf fuzz --endpoint %s --attacks --attack-ms %u --attack-connections %u --requests 1",
        f->options->endpoint_url,
        f->attack_ms,
        f->attack_connections);
    struct wirefuzz_origin origin = {
        .mutation = s_attack_names[attack],
        .operation = "ListTasks",
        .detail = "connection-level attack (raw sockets); the health request is a signed ListTasks",
        .reproducer = reproducer,
    };
    return wirefuzz_add_class(f->result, v, &origin);
}

static void s_close_all(int *fds, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (fds[i] >= 0) {
            close(fds[i]);
            fds[i] = -1;
        }
    }
}

/* What an attack sends on each socket at once. */
static void
s_attack_start(int *fds, size_t count, enum s_attack attack, const struct ecc_buf *request, size_t head_len) {
    for (size_t i = 0; i < count; i++) {
        if (fds[i] < 0) {
            continue;
        }
        switch (attack) {
        case S_ATTACK_SLOWLORIS:
            (void)s_attack_send(fds[i], request->data, 20); /* the request line, then a byte per tick */
            break;
        case S_ATTACK_SLOW_BODY:
            (void)s_attack_send(fds[i], request->data, head_len); /* headers; the body a byte per tick */
            break;
        case S_ATTACK_IDLE_KEEP_ALIVE:
            (void)s_attack_send(fds[i], request->data, request->len); /* one request, then silence */
            break;
        case S_ATTACK_PIPELINE:
            for (int k = 0; k < 3; k++) {
                (void)s_attack_send(fds[i], request->data, request->len);
            }
            break;
        case S_ATTACK_CL_TE: {
            char smuggled[512];
            int n = snprintf(
                smuggled,
                sizeof(smuggled),
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nContent-Length: 6\r\nTransfer-Encoding: "
                "chunked\r\n\r\n"
                "0\r\n\r\nGET /__smuggled HTTP/1.1\r\nHost: x\r\n\r\n",
                ECC_AWS_JSON_CONTENT_TYPE);
            (void)s_attack_send(fds[i], smuggled, (size_t)n);
            break;
        }
        case S_ATTACK_OVERSIZED_HEADER: {
            (void)s_attack_send(fds[i], request->data, 20);
            char *line = malloc(S_OVERSIZED_HEADER_BYTES + 16);
            if (line) {
                memcpy(line, "X-Pad: ", 7);
                memset(line + 7, 'a', S_OVERSIZED_HEADER_BYTES);
                memcpy(line + 7 + S_OVERSIZED_HEADER_BYTES, "\r\n\r\n", 4);
                (void)s_attack_send(fds[i], line, S_OVERSIZED_HEADER_BYTES + 11);
                free(line);
            }
            break;
        }
        default:
            (void)s_attack_send(fds[i], request->data, request->len);
            break;
        }
    }
}

/* One tick of an attack: a byte more of the slow headers or body; idle connections the endpoint closed
 * are closed here too. */
static void s_attack_tick(
    int *fds, size_t count, enum s_attack attack, const struct ecc_buf *request, size_t head_len, size_t trickled) {
    if (attack == S_ATTACK_SLOWLORIS || attack == S_ATTACK_SLOW_BODY) {
        size_t at = attack == S_ATTACK_SLOWLORIS ? trickled : head_len + (trickled - 20);
        /* Slow headers never finish them; a slow body stops one byte short of its length. */
        size_t limit = attack == S_ATTACK_SLOWLORIS ? head_len - 4 : request->len - 1;
        for (size_t i = 0; at < limit && i < count; i++) {
            if (fds[i] >= 0 && !s_attack_send(fds[i], request->data + at, 1)) {
                close(fds[i]);
                fds[i] = -1;
            }
        }
    }
    if (attack == S_ATTACK_IDLE_KEEP_ALIVE) {
        for (size_t i = 0; i < count; i++) {
            char drain[4096];
            if (fds[i] >= 0 && recv(fds[i], drain, sizeof(drain), MSG_DONTWAIT) == 0) {
                close(fds[i]);
                fds[i] = -1;
            }
        }
    }
}

/* Pipelined and HTTP/1.0 requests: their AWS JSON answers must arrive within the request deadline
 * (attack.answer). */
static enum ecc_status
s_attack_answers(struct wirefuzz_fuzzer *f, int fd, enum s_attack attack, struct ecc_buf *answer) {
    uint64_t answer_deadline = ecc_monotonic_us() + (uint64_t)f->options->transport.timeout_ms * 1000u;
    s_attack_read(fd, answer, answer_deadline, attack == S_ATTACK_PIPELINE ? s_three_answers : s_one_answer);
    size_t want = attack == S_ATTACK_PIPELINE ? 3 : 1;
    size_t got = s_count_in(answer, "\r\n\r\n{");
    size_t json = s_count_in(answer, ECC_AWS_JSON_CONTENT_TYPE);
    if (got < want || json < want) {
        struct wirefuzz_verdict v;
        memset(&v, 0, sizeof(v));
        wirefuzz_verdict_set(
            &v,
            WIREFUZZ_RULE_ATTACK_ANSWER,
            0,
            got < want ? "missing" : "content-type",
            "%zu of %zu AWS JSON answers arrived (%zu bytes read)",
            got < want ? got : json,
            want,
            answer->len);
        return s_attack_finding(f, attack, &v);
    }
    return ECC_OK;
}

/* One attack: open its sockets, keep them busy for attack_ms while probing, close, probe again. */
static enum ecc_status s_attack_one(struct wirefuzz_fuzzer *f, const struct s_target *target, enum s_attack attack) {
    size_t count = f->attack_connections;
    if (attack >= S_ATTACK_PIPELINE) {
        count = 1;
    }
    int *fds = malloc(count * sizeof(*fds));
    struct ecc_buf request, answer;
    ecc_buf_init(&request, S_OVERSIZED_HEADER_BYTES + 64 * 1024);
    ecc_buf_init(&answer, S_ATTACK_READ_MAX_BYTES);
    enum ecc_status status = ECC_OK;
    if (!fds) {
        status = ECC_ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        fds[i] = -1;
    }
    status = s_attack_request(f, attack == S_ATTACK_HTTP10 ? "1.0" : "1.1", &request);
    if (status != ECC_OK) {
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        fds[i] = s_attack_connect(target);
    }
    const char *head_end = strstr(request.data, "\r\n\r\n");
    size_t head_len = head_end ? (size_t)(head_end - request.data) + 4 : request.len;
    s_attack_start(fds, count, attack, &request, head_len);
    uint64_t start = ecc_monotonic_us(), end = start + (uint64_t)f->attack_ms * 1000u, next_probe = start;
    size_t trickled = 20;
    while (ecc_monotonic_us() < end && !(f->options->interrupted && *f->options->interrupted)) {
        s_attack_tick(fds, count, attack, &request, head_len, trickled);
        if (attack == S_ATTACK_SLOWLORIS || attack == S_ATTACK_SLOW_BODY) {
            trickled++;
        }
        if (attack == S_ATTACK_PIPELINE || attack == S_ATTACK_HTTP10) {
            status = s_attack_answers(f, fds[0], attack, &answer);
            if (status != ECC_OK) {
                goto done;
            }
            break;
        }
        if (ecc_monotonic_us() >= next_probe) {
            status = s_attack_probe(f, attack);
            if (status != ECC_OK) {
                goto done;
            }
            next_probe = ecc_monotonic_us() + S_ATTACK_PROBE_EVERY_MS * 1000u;
        }
        ecc_sleep_ms(S_ATTACK_TICK_MS);
    }
    if (attack == S_ATTACK_PIPELINE || attack == S_ATTACK_HTTP10) {
        status = s_attack_probe(f, attack);
        if (status != ECC_OK) {
            goto done;
        }
    }
    /* The sockets are closed before the recovery probes (and, on a failure, at `done`). */
    s_close_all(fds, count);
    status = s_attack_recovery(f, attack);
done:
    if (fds) {
        s_close_all(fds, count);
    }
    free(fds);
    ecc_buf_clean_up(&request);
    ecc_buf_clean_up(&answer);
    return status;
}

enum ecc_status wirefuzz_attacks(struct wirefuzz_fuzzer *f, struct ecc_diag *diag) {
    struct s_target target;
    enum ecc_status status = s_attack_target(f->options->endpoint_url, &target, diag);
    if (status != ECC_OK) {
        return status;
    }
    for (int a = 0; a < S_ATTACK_COUNT; a++) {
        if (f->options->interrupted && *f->options->interrupted) {
            break;
        }
        status = s_attack_one(f, &target, (enum s_attack)a);
        f->result->attacks_run++;
        if (status != ECC_OK) {
            return status;
        }
    }
    return ECC_OK;
}

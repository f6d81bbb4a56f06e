#ifndef ECC_WIRE_SUPPORT_H
#define ECC_WIRE_SUPPORT_H
/*
 * Raw-socket helpers for the wire tests: a blocking loopback client, and "hostile" endpoints that
 * misbehave on purpose (no answer, slow drip, huge or truncated body, HTML, redirect, reset) in a
 * thread. Every loop is bounded by a deadline so a broken test cannot hang CI.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t wire_now_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

static inline void wire_sleep_ms(unsigned ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A listening socket on 127.0.0.1 with a kernel-chosen port. */
static inline int wire_listen(uint16_t *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

static inline int wire_connect(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return -1;
    }
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static inline bool wire_send_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

/* Reads until the peer closes, `max` bytes are in, or `timeout_ms` passes. Returns the byte count. */
static inline size_t wire_read_until_close(int fd, char *out, size_t max, unsigned timeout_ms) {
    size_t len = 0;
    uint64_t deadline = wire_now_ms() + timeout_ms;
    while (len + 1 < max) {
        uint64_t now = wire_now_ms();
        if (now >= deadline) {
            break;
        }
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, (int)(deadline - now)) <= 0) {
            break;
        }
        ssize_t n = recv(fd, out + len, max - 1 - len, 0);
        if (n <= 0) {
            break;
        }
        len += (size_t)n;
    }
    out[len] = '\0';
    return len;
}

/* Reads one HTTP request head (up to the blank line) into `out`; false on timeout or close. */
static inline bool wire_read_head(int fd, char *out, size_t max, unsigned timeout_ms) {
    size_t len = 0;
    uint64_t deadline = wire_now_ms() + timeout_ms;
    out[0] = '\0';
    while (len + 1 < max && !strstr(out, "\r\n\r\n")) {
        uint64_t now = wire_now_ms();
        if (now >= deadline) {
            return false;
        }
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, (int)(deadline - now)) <= 0) {
            return false;
        }
        ssize_t n = recv(fd, out + len, max - 1 - len, 0);
        if (n <= 0) {
            return false;
        }
        len += (size_t)n;
        out[len] = '\0';
    }
    return true;
}

enum hostile_mode {
    HOSTILE_NO_ANSWER,    /* reads the request, never answers */
    HOSTILE_SLOW_DRIP,    /* status line, then one body byte every 300 ms */
    HOSTILE_HUGE_LENGTH,  /* declares a 1 GB body and streams until the client leaves */
    HOSTILE_HUGE_CHUNKED, /* chunked body that never ends */
    HOSTILE_TRUNCATED,    /* Content-Length: 100, sends 10 bytes, closes */
    HOSTILE_HTML_500,     /* an HTML error page, as a proxy would send */
    HOSTILE_REDIRECT,     /* 307 to `location` */
    HOSTILE_RECORD,       /* records the request head and answers 200 {} */
    HOSTILE_RESET,        /* reads the request, then resets the connection */
    HOSTILE_CLOSE,        /* reads the request, then closes without a byte */
    HOSTILE_GARBAGE,      /* answers with something that is not HTTP */
    HOSTILE_HEADER_FLOOD, /* a status line, then header lines without end */
};

struct hostile {
    enum hostile_mode mode;
    char location[256];
    int listen_fd;
    uint16_t port;
    pthread_t thread;
    atomic_bool stop;
    atomic_int connections;
    atomic_size_t bytes_sent;
    pthread_mutex_t lock;
    char received[16384]; /* the last request head, under `lock` */
};

static inline bool hostile_send(struct hostile *h, int fd, const char *data, size_t len) {
    if (!wire_send_all(fd, data, len)) {
        return false;
    }
    atomic_fetch_add(&h->bytes_sent, len);
    return true;
}

/* Waits for the client to close (or the test to stop us), at most 10 s. */
static inline void hostile_wait_close(struct hostile *h, int fd) {
    uint64_t deadline = wire_now_ms() + 10000;
    char scratch[4096];
    while (!atomic_load(&h->stop) && wire_now_ms() < deadline) {
        struct pollfd pfd = {fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) > 0 && recv(fd, scratch, sizeof(scratch), 0) <= 0) {
            return;
        }
    }
}

static inline void hostile_serve(struct hostile *h, int fd) {
    char head[16384];
    if (!wire_read_head(fd, head, sizeof(head), 5000)) {
        return;
    }
    pthread_mutex_lock(&h->lock);
    snprintf(h->received, sizeof(h->received), "%s", head);
    pthread_mutex_unlock(&h->lock);
    char buf[65536];
    switch (h->mode) {
    case HOSTILE_NO_ANSWER:
        hostile_wait_close(h, fd);
        break;
    case HOSTILE_SLOW_DRIP: {
        const char *status = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
        if (!hostile_send(h, fd, status, strlen(status))) {
            break;
        }
        uint64_t deadline = wire_now_ms() + 10000;
        while (!atomic_load(&h->stop) && wire_now_ms() < deadline && hostile_send(h, fd, "x", 1)) {
            wire_sleep_ms(300);
        }
        break;
    }
    case HOSTILE_HUGE_LENGTH:
    case HOSTILE_HUGE_CHUNKED: {
        const char *status = h->mode == HOSTILE_HUGE_LENGTH ? "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n\r\n"
                                                            : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        if (!hostile_send(h, fd, status, strlen(status))) {
            break;
        }
        memset(buf, 'x', sizeof(buf));
        size_t chunk = 32768;
        int header_len = snprintf(buf, 16, "%zx\r\n", chunk);
        buf[header_len + (int)chunk] = '\r';
        buf[header_len + (int)chunk + 1] = '\n';
        size_t piece = h->mode == HOSTILE_HUGE_CHUNKED ? (size_t)header_len + chunk + 2 : chunk;
        uint64_t deadline = wire_now_ms() + 10000;
        /* Ends when the client hangs up (send fails) or after 1 GB, whichever comes first. */
        while (!atomic_load(&h->stop) && wire_now_ms() < deadline && atomic_load(&h->bytes_sent) < 1000000000u &&
               hostile_send(h, fd, buf, piece)) {
        }
        break;
    }
    case HOSTILE_TRUNCATED: {
        const char *answer = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial\"";
        hostile_send(h, fd, answer, strlen(answer));
        break;
    }
    case HOSTILE_HTML_500: {
        const char *page = "<html><body><h1>500 Internal Server Error</h1></body></html>";
        int n = snprintf(
            buf,
            sizeof(buf),
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n\r\n%s",
            strlen(page),
            page);
        hostile_send(h, fd, buf, (size_t)n);
        hostile_wait_close(h, fd);
        break;
    }
    case HOSTILE_REDIRECT: {
        int n = snprintf(
            buf,
            sizeof(buf),
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n",
            h->location);
        hostile_send(h, fd, buf, (size_t)n);
        hostile_wait_close(h, fd);
        break;
    }
    case HOSTILE_RECORD: {
        const char *answer = "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: 2\r\n"
                             "Connection: close\r\n\r\n{}";
        hostile_send(h, fd, answer, strlen(answer));
        hostile_wait_close(h, fd);
        break;
    }
    case HOSTILE_CLOSE:
        break;
    case HOSTILE_GARBAGE: {
        const char *answer = "SSH-2.0-OpenSSH_9.2\r\n\r\n";
        hostile_send(h, fd, answer, strlen(answer));
        hostile_wait_close(h, fd);
        break;
    }
    case HOSTILE_HEADER_FLOOD: {
        const char *status = "HTTP/1.1 200 OK\r\n";
        if (!hostile_send(h, fd, status, strlen(status))) {
            break;
        }
        uint64_t deadline = wire_now_ms() + 10000;
        for (unsigned i = 0; !atomic_load(&h->stop) && wire_now_ms() < deadline; i++) {
            int n = snprintf(buf, sizeof(buf), "X-Flood-%u: %0200u\r\n", i, i);
            if (!hostile_send(h, fd, buf, (size_t)n)) {
                break;
            }
        }
        break;
    }
    case HOSTILE_RESET: {
        struct linger reset = {1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
        break;
    }
    }
}

static inline void *hostile_main(void *arg) {
    struct hostile *h = arg;
    uint64_t deadline = wire_now_ms() + 20000;
    while (!atomic_load(&h->stop) && wire_now_ms() < deadline) {
        struct pollfd pfd = {h->listen_fd, POLLIN, 0};
        if (poll(&pfd, 1, 50) <= 0) {
            continue;
        }
        int fd = accept(h->listen_fd, NULL, NULL);
        if (fd < 0) {
            continue;
        }
        atomic_fetch_add(&h->connections, 1);
        hostile_serve(h, fd);
        close(fd);
    }
    return NULL;
}

static inline bool hostile_start(struct hostile *h, enum hostile_mode mode, const char *location) {
    memset(h, 0, sizeof(*h));
    h->mode = mode;
    snprintf(h->location, sizeof(h->location), "%s", location ? location : "");
    atomic_init(&h->stop, false);
    atomic_init(&h->connections, 0);
    atomic_init(&h->bytes_sent, 0);
    pthread_mutex_init(&h->lock, NULL);
    h->listen_fd = wire_listen(&h->port);
    if (h->listen_fd < 0) {
        return false;
    }
    return pthread_create(&h->thread, NULL, hostile_main, h) == 0;
}

static inline void hostile_stop(struct hostile *h) {
    atomic_store(&h->stop, true);
    pthread_join(h->thread, NULL);
    close(h->listen_fd);
    pthread_mutex_destroy(&h->lock);
}

static inline void hostile_url(const struct hostile *h, char *out, size_t size) {
    snprintf(out, size, "http://127.0.0.1:%u", (unsigned)h->port);
}

/* Case-insensitive search of a header name at the start of a line of the recorded head. */
static inline bool hostile_saw_header(struct hostile *h, const char *name) {
    pthread_mutex_lock(&h->lock);
    bool found = false;
    size_t name_len = strlen(name);
    for (const char *line = strstr(h->received, "\r\n"); line && !found; line = strstr(line + 2, "\r\n")) {
        found = strncasecmp(line + 2, name, name_len) == 0 && line[2 + name_len] == ':';
    }
    pthread_mutex_unlock(&h->lock);
    return found;
}

#endif

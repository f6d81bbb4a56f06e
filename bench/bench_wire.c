/*
 * Wire benchmark: round trips of a small AWS JSON request through the transport (libcurl) to the
 * server glue (libmicrohttpd) on loopback, kept-alive. Baseline, measured in the same process: the
 * same exchange from a raw blocking socket, so the ratio shows what the transport adds.
 *
 *   bench_wire [requests]      (default 2000)
 */
#include "ecc/server.h"
#include "ecc/transport.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t s_now_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void s_handler(void *user_data, const struct ecc_http_request *request, struct ecc_http_response *response) {
    (void)user_data;
    (void)request;
    response->status = 200;
    if (ecc_http_headers_add(&response->headers, "Content-Type", "application/x-amz-json-1.1") != ECC_OK ||
        ecc_http_response_set_body(response, "{\"tasks\":[],\"failures\":[]}", 26) != ECC_OK) {
        response->status = 0;
    }
}

static int s_compare(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void s_report(const char *label, uint64_t *samples, size_t count, uint64_t total_ns) {
    qsort(samples, count, sizeof(*samples), s_compare);
    printf(
        "%-28s p50 %7.1f us  p99 %7.1f us  %8.0f req/s\n",
        label,
        (double)samples[count / 2] / 1000.0,
        (double)samples[count * 99 / 100] / 1000.0,
        (double)count * 1e9 / (double)total_ns);
}

static const char s_body[] = "{\"cluster\":\"default\",\"taskDefinition\":\"web:1\",\"count\":1}";

/* Baseline: one kept-alive connection, a hand-written request, the answer read by its known size. */
static uint64_t s_raw_round_trips(uint16_t port, uint64_t *samples, size_t count) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        perror("connect");
        exit(1);
    }
    char request[512];
    int len = snprintf(
        request,
        sizeof(request),
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\n"
        "X-Amz-Target: AmazonEC2ContainerServiceV20141113.RunTask\r\nContent-Length: %zu\r\n\r\n%s",
        strlen(s_body),
        s_body);
    uint64_t start = s_now_ns();
    for (size_t i = 0; i < count; i++) {
        uint64_t t0 = s_now_ns();
        if (send(fd, request, (size_t)len, MSG_NOSIGNAL) != len) {
            perror("send");
            exit(1);
        }
        char answer[1024];
        size_t have = 0;
        /* The answer ends with the 26-byte body. */
        while (have < 26 || memcmp(answer + have - 2, "]}", 2) != 0) {
            ssize_t n = recv(fd, answer + have, sizeof(answer) - have, 0);
            if (n <= 0) {
                perror("recv");
                exit(1);
            }
            have += (size_t)n;
        }
        samples[i] = s_now_ns() - t0;
    }
    uint64_t total = s_now_ns() - start;
    close(fd);
    return total;
}

int main(int argc, char **argv) {
    size_t count = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;
    if (count < 100) {
        count = 100;
    }
    struct ecc_diag diag;
    ecc_diag_clear(&diag);
    struct ecc_server *server = ecc_server_new(NULL, s_handler, NULL, &diag);
    struct ecc_transport *transport = ecc_transport_new(NULL, &diag);
    uint64_t *samples = calloc(count, sizeof(*samples));
    if (!server || !transport || !samples) {
        fprintf(stderr, "bench_wire: %s\n", diag.text);
        return 1;
    }
    struct ecc_http_request request;
    ecc_http_request_init(&request);
    if (ecc_http_request_set_line(&request, "POST", "/", "") != ECC_OK ||
        ecc_http_headers_add(&request.headers, "Content-Type", "application/x-amz-json-1.1") != ECC_OK ||
        ecc_http_headers_add(&request.headers, "X-Amz-Target", "AmazonEC2ContainerServiceV20141113.RunTask") !=
            ECC_OK ||
        ecc_http_request_set_body(&request, s_body, strlen(s_body)) != ECC_OK) {
        return 1;
    }

    uint64_t raw_total = s_raw_round_trips(ecc_server_port(server), samples, count);
    s_report("raw socket (baseline)", samples, count, raw_total);
    uint64_t raw_p50 = samples[count / 2];

    uint64_t start = s_now_ns();
    for (size_t i = 0; i < count; i++) {
        struct ecc_http_response response;
        ecc_http_response_init(&response);
        struct ecc_transport_result result;
        uint64_t t0 = s_now_ns();
        if (ecc_transport_send(transport, ecc_server_url(server), &request, &response, &result) != ECC_TRANSPORT_OK ||
            response.status != 200) {
            fprintf(stderr, "bench_wire: %s\n", result.message);
            return 1;
        }
        samples[i] = s_now_ns() - t0;
        ecc_http_response_clean_up(&response);
    }
    uint64_t sync_total = s_now_ns() - start;
    s_report("transport, 1 in flight", samples, count, sync_total);
    uint64_t sync_p50 = samples[count / 2];

    /* 8 in flight (`--jobs 8`): keep the window full, count completions. */
    start = s_now_ns();
    size_t submitted = 0;
    size_t done = 0;
    while (done < count) {
        while (submitted < count && ecc_transport_pending(transport) < 8) {
            if (ecc_transport_submit(transport, ecc_server_url(server), &request, NULL, &diag) != ECC_OK) {
                fprintf(stderr, "bench_wire: %s\n", diag.text);
                return 1;
            }
            submitted++;
        }
        struct ecc_transport_exchange *exchange = NULL;
        if (ecc_transport_next(transport, 5000, &exchange) != ECC_OK || exchange->result.error != ECC_TRANSPORT_OK) {
            fprintf(stderr, "bench_wire: exchange failed\n");
            return 1;
        }
        ecc_transport_exchange_destroy(exchange);
        done++;
    }
    uint64_t multi_total = s_now_ns() - start;
    printf("%-28s %43.0f req/s\n", "transport, 8 in flight", (double)count * 1e9 / (double)multi_total);
    printf(
        "ratios: transport/raw p50 latency %.2fx; 8-in-flight/1-in-flight throughput %.2fx\n",
        (double)sync_p50 / (double)raw_p50,
        (double)sync_total / (double)multi_total);

    ecc_http_request_clean_up(&request);
    free(samples);
    ecc_transport_destroy(transport);
    ecc_server_destroy(server);
    return 0;
}

/*
 * Unit tests of recorder.c's cap on the fixtures one session writes (max_exchanges): the exchanges
 * under the cap are forwarded and recorded, every later request gets the recorder's own AWS JSON
 * error without reaching the upstream, the log says so once, the stats count each refusal, and
 * concurrent requests cannot write past the cap together. The upstream is the emulator on loopback.
 */
#include "test_support.h"

#include "ecc/codec_response.h"
#include "ecc/emulator.h"
#include "ecc/recorder.h"
#include "ecc/recording.h"
#include "ecc/server.h"
#include "ecc/transport.h"

#include <dirent.h>
#include <pthread.h>
#include <unistd.h>

struct t_log {
    pthread_mutex_t mutex;
    unsigned lines;
    unsigned cap_lines;
};

static void s_log(void *user_data, const char *line) {
    struct t_log *log = user_data;
    pthread_mutex_lock(&log->mutex);
    log->lines++;
    log->cap_lines += strstr(line, "--max-exchanges") != NULL;
    pthread_mutex_unlock(&log->mutex);
}

/* The emulator as the upstream, a recording set in a fresh folder and the recorder in front of both. */
struct t_rig {
    char dir[64];
    struct ecc_emulator *emu;
    struct ecc_server *upstream;
    struct ecc_credentials credentials;
    struct ecc_recording *recording;
    struct ecc_recorder *recorder;
    struct ecc_server *front;
    struct t_log log;
};

static void s_rig_start(struct t_rig *rig, uint64_t max_exchanges) {
    memset(rig, 0, sizeof(*rig));
    pthread_mutex_init(&rig->log.mutex, NULL);
    snprintf(rig->dir, sizeof(rig->dir), "/tmp/ecsconf-recorder-XXXXXX");
    assert_non_null(mkdtemp(rig->dir));
    struct ecc_diag diag;
    rig->emu = ecc_emulator_new(NULL);
    assert_non_null(rig->emu);
    struct ecc_server_options server_options;
    ecc_server_options_init(&server_options);
    server_options.thread_count = 4;
    rig->upstream = ecc_server_new(&server_options, ecc_emulator_handle, rig->emu, &diag);
    assert_non_null(rig->upstream);
    ecc_credentials_init(&rig->credentials);
    assert_int_equal(
        ecc_credentials_set(
            &rig->credentials, ECC_EMULATOR_DEFAULT_ACCESS_KEY_ID, ECC_EMULATOR_DEFAULT_SECRET_ACCESS_KEY, NULL, NULL),
        ECC_OK);
    struct ecc_recording_options recording_options = {
        .dir = rig->dir, .from = "emulator", .region = ECC_EMULATOR_DEFAULT_REGION, .via = "ecsconf record"};
    rig->recording = ecc_recording_new(&recording_options, &diag);
    assert_non_null(rig->recording);
    struct ecc_recorder_options options;
    ecc_recorder_options_init(&options);
    options.upstream_url = ecc_server_url(rig->upstream);
    options.region = ECC_EMULATOR_DEFAULT_REGION;
    options.credentials = &rig->credentials;
    options.recording = rig->recording;
    options.log_fn = s_log;
    options.log_user_data = &rig->log;
    options.max_exchanges = max_exchanges;
    rig->recorder = ecc_recorder_new(&options, &diag);
    assert_non_null(rig->recorder);
    rig->front = ecc_server_new(&server_options, ecc_recorder_handle, rig->recorder, &diag);
    assert_non_null(rig->front);
}

static size_t s_files(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        size_t len = strlen(entry->d_name);
        count += len > 5 && strcmp(entry->d_name + len - 5, ".json") == 0;
    }
    closedir(d);
    return count;
}

static void s_rig_stop(struct t_rig *rig) {
    ecc_server_destroy(rig->front);
    ecc_recorder_destroy(rig->recorder);
    ecc_recording_destroy(rig->recording);
    ecc_server_destroy(rig->upstream);
    ecc_emulator_destroy(rig->emu);
    ecc_credentials_clean_up(&rig->credentials);
    DIR *d = opendir(rig->dir);
    assert_non_null(d);
    struct dirent *entry;
    while ((entry = readdir(d)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) {
            char file[512];
            snprintf(file, sizeof(file), "%s/%s", rig->dir, entry->d_name);
            assert_int_equal(unlink(file), 0);
        }
    }
    closedir(d);
    assert_int_equal(rmdir(rig->dir), 0);
    pthread_mutex_destroy(&rig->log.mutex);
}

/* CreateCluster of `name`, as a client sends it to the recorder (its signature would be dropped). */
static void s_create_request(struct ecc_http_request *request, const char *name) {
    char body[128];
    int len = snprintf(body, sizeof(body), "{\"clusterName\":\"%s\"}", name);
    ecc_http_request_init(request);
    struct ecc_diag diag;
    assert_int_equal(ecc_codec_build_aws_json_request("CreateCluster", body, (size_t)len, request, &diag), ECC_OK);
}

/* The answer's HTTP status and error type ("" on success); `message` (300 bytes, may be NULL) its message. */
static int s_outcome(const struct ecc_http_response *response, char *type, size_t type_size, char *message) {
    struct ecc_response_outcome outcome;
    ecc_response_outcome_init(&outcome);
    assert_int_equal(ecc_codec_classify_response(response, NULL, &outcome), ECC_OK);
    snprintf(type, type_size, "%s", outcome.kind == ECC_RESPONSE_SUCCESS ? "" : outcome.error.type_name);
    if (message) {
        snprintf(message, 300, "%s", outcome.error.message ? outcome.error.message : "");
    }
    ecc_response_outcome_clean_up(&outcome);
    return response->status;
}

/* One CreateCluster of `name` through the recorder; its status, error type and message (may be NULL). */
static int s_create_through(
    struct ecc_transport *transport, const struct t_rig *rig, const char *name, char *type, char *message) {
    struct ecc_http_request request;
    s_create_request(&request, name);
    struct ecc_http_response response;
    ecc_http_response_init(&response);
    struct ecc_transport_result result;
    assert_int_equal(
        ecc_transport_send(transport, ecc_server_url(rig->front), &request, &response, &result), ECC_TRANSPORT_OK);
    int status = s_outcome(&response, type, 96, message);
    ecc_http_response_clean_up(&response);
    ecc_http_request_clean_up(&request);
    return status;
}

static void test_cap_refuses_past_it(void **state) {
    (void)state;
    struct t_rig rig;
    s_rig_start(&rig, 3);
    struct ecc_diag diag;
    struct ecc_transport *transport = ecc_transport_new(NULL, &diag);
    assert_non_null(transport);
    for (int i = 0; i < 5; i++) {
        char name[32], type[96], message[300];
        snprintf(name, sizeof(name), "cap-%d", i);
        int status = s_create_through(transport, &rig, name, type, message);
        if (i < 3) {
            assert_int_equal(status, 200); /* the emulator's answer, passed on */
            assert_string_equal(type, "");
        } else {
            assert_int_equal(status, 400);
            assert_string_equal(type, "ClientException");
            assert_non_null(strstr(message, "cap of 3 recorded exchanges"));
            assert_non_null(strstr(message, "--max-exchanges"));
        }
    }
    ecc_transport_destroy(transport);
    /* Three files, three clusters upstream: the refused requests never left the recorder. */
    assert_int_equal(s_files(rig.dir), 3);
    struct ecc_emulator_stats emulator;
    ecc_emulator_get_stats(rig.emu, &emulator);
    assert_int_equal(emulator.clusters, 3);
    struct ecc_recorder_stats stats;
    ecc_recorder_get_stats(rig.recorder, &stats);
    assert_int_equal(stats.recorded, 3);
    assert_int_equal(stats.forwarded, 3);
    assert_int_equal(stats.capped, 2);
    /* Said once, however many requests follow. */
    assert_int_equal(rig.log.cap_lines, 1);
    s_rig_stop(&rig);
}

/* Without a cap given, the default: five requests are far below it, nothing is refused or said. */
static void test_default_cap_is_not_reached(void **state) {
    (void)state;
    struct t_rig rig;
    s_rig_start(&rig, 0);
    struct ecc_diag diag;
    struct ecc_transport *transport = ecc_transport_new(NULL, &diag);
    assert_non_null(transport);
    for (int i = 0; i < 5; i++) {
        char name[32], type[96];
        snprintf(name, sizeof(name), "free-%d", i);
        assert_int_equal(s_create_through(transport, &rig, name, type, NULL), 200);
    }
    ecc_transport_destroy(transport);
    assert_int_equal(s_files(rig.dir), 5);
    struct ecc_recorder_stats stats;
    ecc_recorder_get_stats(rig.recorder, &stats);
    assert_int_equal(stats.recorded, 5);
    assert_int_equal(stats.capped, 0);
    assert_int_equal(rig.log.cap_lines, 0);
    assert_true(ECC_RECORDER_DEFAULT_MAX_EXCHANGES >= 1000);
    s_rig_stop(&rig);
}

/* Twelve requests at once against a cap of 4: exactly four fixtures, however the threads interleave. */
static void test_cap_holds_under_concurrency(void **state) {
    (void)state;
    struct t_rig rig;
    s_rig_start(&rig, 4);
    struct ecc_diag diag;
    struct ecc_transport_options transport_options;
    ecc_transport_options_init(&transport_options);
    transport_options.max_idle_connections = 12;
    struct ecc_transport *transport = ecc_transport_new(&transport_options, &diag);
    assert_non_null(transport);
    for (int i = 0; i < 12; i++) {
        char name[32];
        snprintf(name, sizeof(name), "many-%d", i);
        struct ecc_http_request request;
        s_create_request(&request, name);
        assert_int_equal(ecc_transport_submit(transport, ecc_server_url(rig.front), &request, NULL, &diag), ECC_OK);
        ecc_http_request_clean_up(&request);
    }
    unsigned ok = 0, capped = 0;
    while (ecc_transport_pending(transport) > 0) {
        struct ecc_transport_exchange *ex = NULL;
        enum ecc_status next = ecc_transport_next(transport, 30000, &ex);
        assert_int_equal(next, ECC_OK);
        assert_int_equal(ex->result.error, ECC_TRANSPORT_OK);
        char type[96];
        int status = s_outcome(&ex->response, type, sizeof(type), NULL);
        ok += status == 200;
        capped += status == 400 && strcmp(type, "ClientException") == 0;
        ecc_transport_exchange_destroy(ex);
    }
    ecc_transport_destroy(transport);
    assert_int_equal(ok, 4);
    assert_int_equal(capped, 8);
    assert_int_equal(s_files(rig.dir), 4);
    assert_int_equal(rig.log.cap_lines, 1);
    s_rig_stop(&rig);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_refuses_past_it),
        cmocka_unit_test(test_default_cap_is_not_reached),
        cmocka_unit_test(test_cap_holds_under_concurrency),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

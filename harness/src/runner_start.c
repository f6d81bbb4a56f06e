/*
 * What the runner settles before its cases: the options' defaults, the run's resource prefix, whether the
 * endpoint is on loopback (tasks cost nothing there), and the probe, one signed ListTasks that proves the
 * endpoint, TLS, the credentials and the region, sent before the first case (the preflight) and again by
 * the circuit breaker.
 */
#include "ecc/runner.h"

#include "runner_internal.h"

#include "ecc/codec_request.h"
#include "ecc/codec_response.h"
#include "ecc/errors.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void ecc_runner_options_init(struct ecc_runner_options *options) {
    memset(options, 0, sizeof(*options));
    ecc_transport_options_init(&options->transport);
    options->case_timeout_ms = 600000;
    options->jobs = 1;
    ecc_backoff_init_default(&options->backoff);
}

void ecc_runner_make_prefix(uint32_t run_id, char out[12]) {
    snprintf(out, 12, "ecc%08" PRIx32, run_id);
}

bool ecc_runner_endpoint_is_loopback(const char *endpoint_url) {
    CURLU *url = curl_url();
    char *host = NULL;
    bool loopback = false;
    if (url && curl_url_set(url, CURLUPART_URL, endpoint_url, 0) == CURLUE_OK &&
        curl_url_get(url, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        loopback = strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0 ||
                   strcmp(host, "localhost") == 0;
        if (loopback && strncmp(host, "127.", 4) == 0) {
            /* 127.x.y.z only: every remaining character a digit or a dot. */
            for (const char *c = host + 4; *c && loopback; c++) {
                loopback = (*c >= '0' && *c <= '9') || *c == '.';
            }
        }
    }
    curl_free(host);
    curl_url_cleanup(url);
    return loopback;
}

/* The probe's request: a signed ListTasks of the shared cluster, or of `<prefix>-preflight`. */
static enum ecc_status s_build_probe(
    const struct ecc_runner_options *options,
    const char *shared,
    struct ecc_sigv4_signer *signer,
    struct ecc_sigv4_key_cache *key_cache,
    struct ecc_http_request *request,
    struct ecc_diag *diag) {
    char host[300];
    char body[400];
    if (shared) {
        snprintf(body, sizeof(body), "{\"cluster\":\"%s\"}", shared);
    } else {
        snprintf(body, sizeof(body), "{\"cluster\":\"%s-preflight\"}", options->prefix);
    }
    struct ecc_sigv4_sign_options sign = {
        .credentials = options->credentials,
        .region = options->region,
        .service = "ecs",
        .key_cache = key_cache,
    };
    enum ecc_status status = ecc_transport_endpoint_host(options->endpoint_url, host, sizeof(host), diag);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_codec_build_aws_json_request("ListTasks", body, strlen(body), request, diag);
    if (status != ECC_OK) {
        return status;
    }
    status = ecc_http_headers_add(&request->headers, "Host", host);
    if (status != ECC_OK) {
        return status;
    }
    return ecc_sigv4_signer_sign(signer, request, &sign, diag);
}

/* What the probe's classified answer says about the endpoint (ECC_OK: usable). */
static enum ecc_status s_probe_verdict(
    const struct ecc_runner_options *options,
    const char *shared,
    const struct ecc_http_response *response,
    const struct ecc_response_outcome *outcome,
    struct ecc_diag *diag) {
    if (outcome->kind == ECC_RESPONSE_PROTOCOL_ERROR) {
        ecc_diag_set(
            diag,
            "a signed ListTasks got HTTP %d, not an AWS JSON answer (%s: %.200s): is this an ECS endpoint?",
            response->status,
            ecc_protocol_error_name(outcome->protocol_error),
            outcome->diag.text);
        return ECC_ERR_IO;
    }
    if (outcome->kind == ECC_RESPONSE_SUCCESS) {
        return ECC_OK;
    }
    const char *type_name = outcome->error.type_name ? outcome->error.type_name : "";
    const char *message = outcome->error.message ? outcome->error.message : "";
    if (outcome->error.info && outcome->error.info->authorization) {
        ecc_diag_set(
            diag,
            "the endpoint refused the credentials or the region %s: HTTP %d %s: %.200s",
            options->region,
            response->status,
            type_name,
            message);
        return ECC_ERR_AUTH;
    }
    /* A throttled answer proves the endpoint answers, not that the cluster is unusable: the circuit
     * breaker reuses this probe mid-run, and a throttle must not stop the run there. */
    bool retryable = outcome->error.info && outcome->error.info->retryable;
    if (shared && response->status < 500 && !retryable) {
        ecc_diag_set(
            diag,
            "the shared cluster '%s' (--var cluster) cannot be used: its ListTasks got HTTP %d %s: %.200s (create "
            "it, with container instances for the EC2 cases, before the run)",
            shared,
            response->status,
            type_name,
            message);
        return ECC_ERR_IO;
    }
    if (response->status >= 500) {
        ecc_diag_set(diag, "a signed ListTasks got HTTP %d %s: %.200s", response->status, type_name, message);
        return ECC_ERR_IO;
    }
    return ECC_OK;
}

/*
 * One signed ListTasks of a cluster that does not exist (`<prefix>-preflight`): any AWS JSON answer
 * other than a refusal of the credentials, the signature or the region (a task list, or
 * ClusterNotFoundException) proves that the endpoint answers, TLS works and the credentials and region
 * are accepted. Nothing is created. In shared-cluster mode, ListTasks of the shared cluster, which must
 * succeed.
 */
enum ecc_status ecc_runner_probe(
    const struct ecc_runner_options *options,
    struct ecc_transport *transport,
    struct ecc_sigv4_signer *signer,
    struct ecc_sigv4_key_cache *key_cache,
    struct ecc_diag *diag) {
    struct ecc_http_request request;
    struct ecc_http_response response;
    struct ecc_transport_result result;
    struct ecc_response_outcome outcome;
    ecc_http_request_init(&request);
    ecc_http_response_init(&response);
    ecc_response_outcome_init(&outcome);
    memset(&result, 0, sizeof(result));
    /* Shared-cluster mode: the cluster named must exist (a case's plain CreateCluster would otherwise create
     * it, without instances, and no case deletes it): its ListTasks must succeed. */
    const char *shared = ecc_case_shared_cluster(options->run_vars);
    enum ecc_status status = s_build_probe(options, shared, signer, key_cache, &request, diag);
    if (status != ECC_OK) {
        goto done;
    }
    enum ecc_transport_error error = ecc_transport_send(transport, options->endpoint_url, &request, &response, &result);
    if (error != ECC_TRANSPORT_OK) {
        ecc_diag_set(
            diag,
            "no usable answer (%s): %s%s",
            ecc_transport_error_name(error),
            result.message,
            error == ECC_TRANSPORT_ERR_TLS
                ? ". If the endpoint's certificate comes from a private CA, give --ca-bundle FILE (or set "
                  "AWS_CA_BUNDLE); --insecure turns verification off"
                : "");
        status = error == ECC_TRANSPORT_ERR_NOMEM ? ECC_ERR_NOMEM : ECC_ERR_IO;
        goto done;
    }
    struct ecc_codec_response_options codec = {.allow_plain_json_content_type = true};
    status = ecc_codec_classify_response(&response, &codec, &outcome);
    if (status != ECC_OK) {
        ecc_diag_set(diag, "cannot read the answer: %s", ecc_status_name(status));
        goto done;
    }
    status = s_probe_verdict(options, shared, &response, &outcome, diag);
done:
    ecc_response_outcome_clean_up(&outcome);
    ecc_http_response_clean_up(&response);
    ecc_http_request_clean_up(&request);
    return status;
}

static bool s_preflight_cancel(void *user_data) {
    const struct ecc_runner_options *options = user_data;
    return options->interrupted && *options->interrupted;
}

enum ecc_status ecc_runner_preflight(const struct ecc_runner_options *options, struct ecc_diag *diag) {
    if (!options->endpoint_url || !options->region || !options->credentials || !options->prefix) {
        ecc_diag_set(diag, "the preflight needs an endpoint, a region, credentials and a prefix");
        return ECC_ERR_INVALID;
    }
    struct ecc_transport_options transport_options = options->transport;
    ecc_transport_options_set_timeout(&transport_options, options->transport.timeout_ms);
    struct ecc_transport *transport = ecc_transport_new(&transport_options, diag);
    struct ecc_sigv4_signer *signer = ecc_sigv4_signer_new();
    enum ecc_status status = ECC_OK;
    if (!transport || !signer) {
        status = transport ? ECC_ERR_NOMEM : ECC_ERR_INVALID;
        goto done;
    }
    ecc_transport_set_cancel(transport, s_preflight_cancel, (void *)options);
    status = ecc_runner_probe(options, transport, signer, NULL, diag);
done:
    ecc_sigv4_signer_destroy(signer);
    ecc_transport_destroy(transport);
    return status;
}

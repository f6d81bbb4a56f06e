/*
 * `ecsconf adapter-c` (hidden): the client-mode adapter for the project's own C client (client.h).
 * Contract (conformance/README.md, "Client-direction cases"): ECSCONF_ENDPOINT, ECSCONF_PARAMS, the AWS
 * region and credentials come from the environment; one JSON line goes to stdout.
 *
 * Test-only settings: ECSCONF_CLIENT_FAULT (a client.h fault name) breaks the client on purpose,
 * ECSCONF_MAX_ATTEMPTS and ECSCONF_BACKOFF_BASE_MS (default 20 ms, so retries stay fast) tune retries.
 */
#include "commands.h"
#include "ecc/client.h"
#include "ecc/codec_request.h"
#include "ecc/credentials.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_cmd = "adapter-c";

static unsigned s_env_unsigned(const char *name, unsigned fallback) {
    const char *text = getenv(name);
    if (text == NULL || text[0] == '\0') {
        return fallback;
    }
    char *end = NULL;
    unsigned long value = strtoul(text, &end, 10);
    return (*end == '\0' && value <= 100000) ? (unsigned)value : fallback;
}

static json_t *s_strings_or_empty(const struct ecc_string_list *list) {
    json_t *array = json_array();
    for (size_t i = 0; array != NULL && i < list->count; i++) {
        json_array_append_new(array, json_string(list->items[i]));
    }
    return array;
}

static json_t *s_result_json(const struct ecc_client_result *result) {
    if (result->outcome == ECC_CLIENT_SUCCESS) {
        json_t *arns = json_array();
        json_t *failures = json_array();
        for (size_t i = 0; i < result->response.tasks.count; i++) {
            const char *arn = result->response.tasks.items[i].task_arn;
            json_array_append_new(arns, arn != NULL ? json_string(arn) : json_null());
        }
        for (size_t i = 0; i < result->response.failures.count; i++) {
            const struct ecc_failure *failure = &result->response.failures.items[i];
            json_t *item = json_object();
            if (failure->arn != NULL) {
                json_object_set_new(item, "arn", json_string(failure->arn));
            }
            if (failure->reason != NULL) {
                json_object_set_new(item, "reason", json_string(failure->reason));
            }
            if (failure->detail != NULL) {
                json_object_set_new(item, "detail", json_string(failure->detail));
            }
            json_array_append_new(failures, item);
        }
        return json_pack("{s:b,s:o,s:o}", "ok", 1, "taskArns", arns, "failures", failures);
    }
    const char *error = "ecsconf:request";
    char protocol[64];
    const char *message = result->diag.text;
    if (result->outcome == ECC_CLIENT_SERVICE_ERROR) {
        error = result->error.type_name != NULL ? result->error.type_name : "?";
        message = result->error.message != NULL ? result->error.message : "";
    } else if (result->outcome == ECC_CLIENT_PROTOCOL_ERROR) {
        snprintf(protocol, sizeof(protocol), "ecsconf:protocol:%s", ecc_protocol_error_name(result->protocol_error));
        error = protocol;
    } else if (result->outcome == ECC_CLIENT_TRANSPORT_ERROR) {
        snprintf(protocol, sizeof(protocol), "ecsconf:transport:%s", ecc_transport_error_name(result->transport_error));
        error = protocol;
    } else if (result->outcome == ECC_CLIENT_CANCELLED) {
        error = "ecsconf:cancelled";
    }
    json_t *line = json_pack("{s:b,s:s,s:s}", "ok", 0, "error", error, "message", message);
    if (line != NULL && result->outcome == ECC_CLIENT_SERVICE_ERROR && result->error.resource_ids.has) {
        json_object_set_new(line, "resourceIds", s_strings_or_empty(&result->error.resource_ids));
    }
    return line;
}

int ecc_cmd_adapter_c(int argc, char **argv) {
    if (argc > 1) {
        printf("Usage: ecsconf adapter-c\n"
               "The `ecsconf client` adapter for ecsconf's own C RunTask client. Reads ECSCONF_ENDPOINT,\n"
               "ECSCONF_PARAMS (a JSON file of RunTask parameters), AWS_REGION and the AWS credentials from the\n"
               "environment and prints one JSON line: {\"ok\":true,\"taskArns\":[...],\"failures\":[...]} or\n"
               "{\"ok\":false,\"error\":\"...\",\"message\":\"...\",\"resourceIds\":[...]}.\n"
               "Tests only: ECSCONF_CLIENT_FAULT=<fault> breaks the client on purpose (wrong-target,\n"
               "drop-token-on-retry, new-token-on-retry, wrong-signing-region, swallow-errors, fixed-token,\n"
               "new-token-after-transport-error, no-transport-retry, accept-malformed).\n"
               "ECSCONF_ATTEMPT_TIMEOUT_MS sets the per-attempt deadline (default 10000).\n");
        return strcmp(argv[1], "--help") == 0 ? ECC_EXIT_OK : ECC_EXIT_USAGE;
    }
    int exit_code = ECC_EXIT_SETUP;
    struct ecc_credentials credentials;
    struct ecc_run_task_request request;
    struct ecc_client_result result;
    struct ecc_client *client = NULL;
    struct ecc_diag diag;
    json_t *params = NULL;
    char *body = NULL;
    ecc_credentials_init(&credentials);
    ecc_run_task_request_init(&request);
    ecc_client_result_init(&result);
    ecc_diag_clear(&diag);

    const char *endpoint = getenv("ECSCONF_ENDPOINT");
    const char *params_file = getenv("ECSCONF_PARAMS");
    const char *region = ecc_credentials_region_from_env();
    if (endpoint == NULL || params_file == NULL || region == NULL) {
        ecc_cli_error(s_cmd, "ECSCONF_ENDPOINT, ECSCONF_PARAMS and AWS_REGION must be set");
        goto done;
    }
    if (ecc_credentials_from_env(&credentials, &diag) != ECC_OK) {
        ecc_cli_error(s_cmd, "%s", diag.text);
        goto done;
    }
    json_error_t error;
    params = json_load_file(params_file, 0, &error);
    body = params != NULL ? json_dumps(params, JSON_COMPACT) : NULL;
    if (body == NULL || ecc_codec_parse_run_task_request(body, strlen(body), NULL, &request, NULL, &diag) != ECC_OK) {
        ecc_cli_error(s_cmd, "%s: not RunTask parameters: %s", params_file, params == NULL ? error.text : diag.text);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    struct ecc_client_options options;
    ecc_client_options_init(&options);
    options.endpoint_url = endpoint;
    options.region = region;
    options.credentials = &credentials;
    options.max_attempts = s_env_unsigned("ECSCONF_MAX_ATTEMPTS", 3);
    options.backoff_base_ms = s_env_unsigned("ECSCONF_BACKOFF_BASE_MS", 20);
    options.timeout_ms = (long)s_env_unsigned("ECSCONF_ATTEMPT_TIMEOUT_MS", 10000);
    const char *fault = getenv("ECSCONF_CLIENT_FAULT");
    if (fault != NULL && fault[0] != '\0' && !ecc_client_fault_parse(fault, &options.fault)) {
        ecc_cli_error(s_cmd, "unknown ECSCONF_CLIENT_FAULT '%s'", fault);
        exit_code = ECC_EXIT_USAGE;
        goto done;
    }
    client = ecc_client_new(&options, &diag);
    if (client == NULL) {
        ecc_cli_error(s_cmd, "%s", diag.text);
        goto done;
    }
    if (ecc_client_run_task(client, &request, &result) != ECC_OK) {
        ecc_cli_error(s_cmd, "out of memory");
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    json_t *line = s_result_json(&result);
    char *text = line != NULL ? json_dumps(line, JSON_COMPACT) : NULL;
    json_decref(line);
    if (text == NULL) {
        exit_code = ECC_EXIT_INTERNAL;
        goto done;
    }
    printf("%s\n", text);
    free(text);
    exit_code = ECC_EXIT_OK;

done:
    ecc_client_destroy(client);
    ecc_client_result_clean_up(&result);
    ecc_run_task_request_clean_up(&request);
    ecc_credentials_clean_up(&credentials);
    json_decref(params);
    free(body);
    return exit_code;
}

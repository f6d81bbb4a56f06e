# Client mode (issue 7): the client-direction suite against every client on the machine, the proof that
# it catches deliberately broken clients, and the per-client result table (build/client-results.md).
set(_client_results "${CMAKE_BINARY_DIR}/client-results")
set(_client_suite "${CMAKE_CURRENT_LIST_DIR}/client_suite.sh")
set(_client_broken "${CMAKE_CURRENT_LIST_DIR}/client_broken.sh")

# ECSCONF_CLIENT_SUITE=quick (the default, to keep ctest within ~3 minutes) runs the slow CLIs (AWS CLI, boto3)
# and the Go SDKs on a sample of one case per kind (every token case); =full runs all of them (the README
# table). The C client and Node always run everything.
set(ECSCONF_CLIENT_SUITE "quick" CACHE STRING "full: every client case for every client; quick: a sample for the slow CLIs")
set(_client_slow_only)
if(ECSCONF_CLIENT_SUITE STREQUAL "quick")
    foreach(_id error-cluster-not-found-exception error-conflict-exception error-server-exception error-unknown-type
                success-failures success-unknown-members success-null-members success-missing-lists token-*
                shape-every-member signature-scope fault-reset-then-success fault-timeout-then-success
                fault-truncated-json)
        list(APPEND _client_slow_only --only ${_id})
    endforeach()
endif()

# name | adapter command | extra options. The slow CLIs run with a few jobs and a long per-run deadline:
# a process start costs 0.5-3 s on a busy machine.
add_test(NAME client.c-client COMMAND ${_client_suite} $<TARGET_FILE:ecsconf> c-client ${_client_results}
         --adapter "$<TARGET_FILE:ecsconf> adapter-c" --jobs 2)
add_test(NAME client.boto3 COMMAND ${_client_suite} $<TARGET_FILE:ecsconf> boto3 ${_client_results}
         --adapter "${PROJECT_SOURCE_DIR}/harness/adapters/boto3_adapter.py" --jobs 3 --timeout-ms 120000 ${_client_slow_only})
add_test(NAME client.aws-cli COMMAND ${_client_suite} $<TARGET_FILE:ecsconf> aws-cli ${_client_results}
         --adapter "${PROJECT_SOURCE_DIR}/harness/adapters/aws-cli.sh" --jobs 3 --timeout-ms 120000 ${_client_slow_only})
add_test(NAME client.node COMMAND ${_client_suite} $<TARGET_FILE:ecsconf> node ${_client_results}
         --adapter "node ${PROJECT_SOURCE_DIR}/harness/adapters/node/adapter.js" --jobs 3 --timeout-ms 120000)

# The AWS SDK for Go v1 and v2 adapters, built at build time, offline, from Debian's packages
# (harness/adapters/go-build.sh; scripts/install-deps.sh installs golang-go and both SDKs). Without them the
# two ctests are skipped with that reason.
find_program(ECSCONF_GO go)
set(_go_sdk /usr/share/gocode/src/github.com/aws)
set(_go_adapters "${CMAKE_BINARY_DIR}/adapters")
if(ECSCONF_GO AND EXISTS "${_go_sdk}/aws-sdk-go/service/ecs" AND EXISTS "${_go_sdk}/aws-sdk-go-v2/service/ecs")
    add_custom_command(OUTPUT "${_go_adapters}/go-v1" "${_go_adapters}/go-v2"
                       COMMAND "${PROJECT_SOURCE_DIR}/harness/adapters/go-build.sh" "${_go_adapters}"
                       DEPENDS "${PROJECT_SOURCE_DIR}/harness/adapters/go-v1/main.go"
                               "${PROJECT_SOURCE_DIR}/harness/adapters/go-v2/main.go"
                               "${PROJECT_SOURCE_DIR}/harness/adapters/go-common/adapter.go"
                               "${PROJECT_SOURCE_DIR}/harness/adapters/go-build.sh"
                       COMMENT "Go SDK adapters (offline, from Debian's aws-sdk-go packages)" VERBATIM)
    add_custom_target(go_adapters ALL DEPENDS "${_go_adapters}/go-v1" "${_go_adapters}/go-v2")
endif()
foreach(_go go-v1 go-v2)
    add_test(NAME client.${_go} COMMAND ${_client_suite} $<TARGET_FILE:ecsconf> ${_go} ${_client_results}
             --adapter "${_go_adapters}/${_go}" --jobs 3 ${_client_slow_only})
endforeach()
set_tests_properties(client.c-client client.boto3 client.aws-cli client.node client.go-v1 client.go-v2
                     PROPERTIES LABELS "client" SKIP_RETURN_CODE 77 TIMEOUT 600)

# fault | cases | the reason the report must give
set(_client_faults
    "wrong-target|success-one-task|target: expected X-Amz-Target AmazonEC2ContainerServiceV20141113.RunTask"
    "drop-token-on-retry|token-retry-server-exception|client-token.retry: the retry dropped the clientToken"
    "new-token-on-retry|token-retry-throttling|client-token.retry: a retry must carry the same clientToken"
    "wrong-signing-region|signature-scope|signature.credential-scope"
    "swallow-errors|error-cluster-not-found-exception|the client reported /ok = true"
    "fixed-token|token-new-call|client-token.new-call: a new call reused the generated clientToken"
    "new-token-after-transport-error|fault-reset-then-success|client-token.retry: a retry must carry the same clientToken"
    "no-transport-retry|fault-timeout-then-success|requests: the client sent 1 request, the case expects 2 (a retry is missing)"
    "accept-malformed|fault-truncated-json|the client reported /ok = true")
foreach(_entry ${_client_faults})
    string(REPLACE "|" ";" _parts "${_entry}")
    list(GET _parts 0 _fault)
    list(GET _parts 1 _only)
    list(GET _parts 2 _reason)
    add_test(NAME client.broken.${_fault} COMMAND ${_client_broken} $<TARGET_FILE:ecsconf> ${_fault} ${_only} ${_reason})
    set_tests_properties(client.broken.${_fault} PROPERTIES LABELS "client" TIMEOUT 60)
endforeach()

find_program(ECSCONF_CLIENT_PYTHON3 python3)
if(ECSCONF_CLIENT_PYTHON3)
    add_test(NAME client.table
             COMMAND ${CMAKE_COMMAND} -E env ${ECSCONF_CLIENT_PYTHON3}
                     "${PROJECT_SOURCE_DIR}/harness/adapters/result-table.py" -o "${CMAKE_BINARY_DIR}/client-results.md"
                     "${_client_results}/c-client.json"
                     "${_client_results}/aws-cli.json" "${_client_results}/boto3.json" "${_client_results}/node.json"
                     "${_client_results}/go-v2.json" "${_client_results}/go-v1.json")
    set_tests_properties(client.table PROPERTIES LABELS "client" DEPENDS "client.c-client;client.boto3;client.aws-cli;client.node;client.go-v1;client.go-v2"
                         TIMEOUT 30)
endif()

add_test(NAME client.serve COMMAND "${CMAKE_CURRENT_LIST_DIR}/cli_serve.sh" $<TARGET_FILE:ecsconf>)
set_tests_properties(client.serve PROPERTIES LABELS "client" TIMEOUT 90)

add_test(NAME client.bad-adapters COMMAND "${CMAKE_CURRENT_LIST_DIR}/client_bad_adapters.sh" $<TARGET_FILE:ecsconf>)
set_tests_properties(client.bad-adapters PROPERTIES LABELS "client" TIMEOUT 90)

add_test(NAME client.reports COMMAND "${CMAKE_CURRENT_LIST_DIR}/client_reports.sh" $<TARGET_FILE:ecsconf>)
set_tests_properties(client.reports PROPERTIES LABELS "client" TIMEOUT 120)

# `ecsconf client --fuzz`: the C client has no finding on a short seeded run; the broken ones have theirs,
# the same with another --jobs, with reproducers that `ecsconf client` and `ecsconf serve` play.
foreach(_mode clean accept-malformed swallow-errors)
    add_test(NAME client.fuzz.${_mode} COMMAND "${CMAKE_CURRENT_LIST_DIR}/client_fuzz.sh" $<TARGET_FILE:ecsconf> ${_mode})
    set_tests_properties(client.fuzz.${_mode} PROPERTIES LABELS "client" TIMEOUT 120)
endforeach()

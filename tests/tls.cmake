# HTTPS in `ecsconf emulate` and `ecsconf serve`, with a self-signed certificate made at test time
# (tests/tls.sh): --ca-bundle, AWS_CA_BUNDLE, --insecure and the AWS CLI over TLS.
add_test(NAME cli.tls COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/tls.sh" $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli.tls PROPERTIES LABELS "cli" TIMEOUT 240 SKIP_RETURN_CODE 77)

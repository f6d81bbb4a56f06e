# `ecsconf run` with credentials, region and CA bundle from shared config/credentials files (tests/aws_config.sh).
add_test(NAME cli.aws-config COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/aws_config.sh" $<TARGET_FILE:ecsconf>)
set_tests_properties(cli.aws-config PROPERTIES LABELS "cli" TIMEOUT 180)

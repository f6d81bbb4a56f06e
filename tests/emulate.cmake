# `ecsconf emulate` end to end: port 0 printed on stdout, control endpoint, JSON answers, SIGTERM stop.
add_test(NAME cli.emulate COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/scripts/emulate_cli.sh" $<TARGET_FILE:ecsconf>)
set_tests_properties(cli.emulate PROPERTIES LABELS "cli" TIMEOUT 60 SKIP_RETURN_CODE 77)

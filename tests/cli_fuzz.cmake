# `ecsconf fuzz`: exit codes, the embedded emulator (no finding), moto_server (its known classes found).
add_test(NAME cli.fuzz COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_fuzz.sh" $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}" emulator)
set_tests_properties(cli.fuzz PROPERTIES LABELS "cli" TIMEOUT 120)
add_test(NAME cli.fuzz.moto COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_fuzz.sh" $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}" moto)
set_tests_properties(cli.fuzz.moto PROPERTIES LABELS "cli" TIMEOUT 180 SKIP_RETURN_CODE 77)
add_test(NAME cli.fuzz.serve COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_fuzz.sh" $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}" serve)
set_tests_properties(cli.fuzz.serve PROPERTIES LABELS "cli" TIMEOUT 120)
add_test(NAME cli.fuzz.record COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_fuzz.sh" $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}" record)
set_tests_properties(cli.fuzz.record PROPERTIES LABELS "cli" TIMEOUT 120)

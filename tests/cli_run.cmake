# `ecsconf run`: exit codes, load errors with positions, expected-failure logic, reports, filters.
add_test(NAME cli.run COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_run.sh" $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli.run PROPERTIES LABELS "cli" TIMEOUT 120)

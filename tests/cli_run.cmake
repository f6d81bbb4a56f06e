# `ecsconf run`: exit codes, load errors with positions, expected-failure logic, reports, filters.
add_test(NAME cli.run COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_run.sh" $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli.run PROPERTIES LABELS "cli" TIMEOUT 120)

# Verdicts CI can trust: expected failures that fail the expected way, preflight and circuit breaker, Ctrl-C
# in every report, zero selected cases, inputs checked before anything is sent, the request timeout.
add_test(NAME cli.verdicts COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_verdicts.sh" $<TARGET_FILE:ecsconf>
                                   "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli.verdicts PROPERTIES LABELS "cli" TIMEOUT 180 SKIP_RETURN_CODE 77)

# Saying each thing once and the same way: one FAIL headline, values on XFAIL lines, "1 case", TERM=dumb,
# steps counted from 1, "did you mean", byte-order marks named, one key file for emulate and verify,
# --help for every script.
add_test(NAME cli.polish COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_polish.sh" $<TARGET_FILE:ecsconf>
                                 "${PROJECT_SOURCE_DIR}")
set_tests_properties(cli.polish PROPERTIES LABELS "cli" TIMEOUT 120 SKIP_RETURN_CODE 77)

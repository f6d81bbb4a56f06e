# `ecsconf replay`: the recorded sets replayed against the endpoint they came from (no difference) and
# against the other one (exactly the known differences), the negative cases, --update and --draft-cases.
add_test(NAME replay.emulator COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_replay.sh" $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}" emulator)
set_tests_properties(replay.emulator PROPERTIES LABELS "cli" TIMEOUT 120)
add_test(NAME replay.moto COMMAND "${CMAKE_CURRENT_SOURCE_DIR}/cli_replay.sh" $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}" moto)
set_tests_properties(replay.moto PROPERTIES LABELS "cli" TIMEOUT 180 SKIP_RETURN_CODE 77)

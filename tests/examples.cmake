# Every example in each command's --help and in README.md runs, or is marked with the reason it cannot
# (tests/examples.py, the marks in tests/examples.txt).
add_test(NAME cli.examples COMMAND python3 "${CMAKE_CURRENT_SOURCE_DIR}/examples.py" $<TARGET_FILE:ecsconf>
                                   "${PROJECT_SOURCE_DIR}" "${ECSCONF_SHARED_DIR}")
set_tests_properties(cli.examples PROPERTIES LABELS "cli" TIMEOUT 600)

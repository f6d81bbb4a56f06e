# The conformance suite's content: every fixture and case loads with the project's loader (errors printed with
# file, line, column and JSON pointer), at least 150 cases in all, and every group the issue asks for holds
# cases. cases_count.c is not a cmocka program (no test_ prefix), so it is built here.
add_executable(cases_count "${CMAKE_CURRENT_SOURCE_DIR}/cases_count.c")
target_compile_options(cases_count PRIVATE ${ECSCONF_WARNINGS})
target_link_libraries(cases_count PRIVATE ecsconf_core)
add_test(NAME conformance.cases
         COMMAND cases_count "${PROJECT_SOURCE_DIR}/fixtures" "${PROJECT_SOURCE_DIR}/conformance" 150
                 success=30 shape=10 failures=5 errors=30 validation=20 clienttoken=20 protocol=20 auth=5 faults=10
                 consistency=2 basics=5)
set_tests_properties(conformance.cases PROPERTIES LABELS "conformance" TIMEOUT 60)

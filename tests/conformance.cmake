# The suite's own files: every fixture and case validates against its JSON Schema (python3 jsonschema; skipped
# with the reason when it is missing), and `ecsconf run --list` loads and plans the whole suite.
find_program(ECSCONF_PYTHON3 python3)
if(ECSCONF_PYTHON3)
    add_test(NAME conformance.schema
             COMMAND ${ECSCONF_PYTHON3} "${PROJECT_SOURCE_DIR}/conformance/validate-schema.py" "${PROJECT_SOURCE_DIR}")
    set_tests_properties(conformance.schema PROPERTIES LABELS "conformance" SKIP_RETURN_CODE 77 TIMEOUT 60)
else()
    add_test(NAME conformance.schema COMMAND ${CMAKE_COMMAND} -E echo "SKIP: python3 not found")
    set_tests_properties(conformance.schema PROPERTIES DISABLED TRUE)
endif()

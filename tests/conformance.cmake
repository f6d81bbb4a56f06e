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

# The suite against moto_server (skipped with the reason when moto or python3 is missing).
add_test(NAME conformance.moto
         COMMAND "${PROJECT_SOURCE_DIR}/conformance/run-moto.sh" $<TARGET_FILE:ecsconf>)
set_tests_properties(conformance.moto PROPERTIES LABELS "conformance;moto" SKIP_RETURN_CODE 77 TIMEOUT 600
                                                 ENVIRONMENT "ECSCONF_MOTO_LIFETIME_S=580;NO_COLOR=1")

# `ecsconf run --list` loads and plans the whole suite: every case and fixture file must be valid.
add_test(NAME conformance.load COMMAND $<TARGET_FILE:ecsconf> run --list --suite "${PROJECT_SOURCE_DIR}/conformance")
set_tests_properties(conformance.load PROPERTIES LABELS "conformance" TIMEOUT 60)

# The whole suite against the embedded emulator.
add_test(NAME conformance.emulator
         COMMAND $<TARGET_FILE:ecsconf> run --suite "${PROJECT_SOURCE_DIR}/conformance" --jobs 2 --seed 1
                 --confirm-initial-ms 50 --confirm-total-ms 5000)
set_tests_properties(conformance.emulator PROPERTIES LABELS "conformance" TIMEOUT 120 ENVIRONMENT "NO_COLOR=1")

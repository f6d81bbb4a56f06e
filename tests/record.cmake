# `ecsconf record`: the AWS CLI and boto3 record a session against moto_server and `ecsconf emulate`; the
# recordings load and hold no secret, signature or real account id (conformance/record-sets.py --check).
# A hostile upstream and hostile clients are survived (tests/record_hostile.py). Both skip (77) with the
# reason when a peer is missing.
find_program(ECSCONF_RECORD_PYTHON3 python3)
if(ECSCONF_RECORD_PYTHON3)
    add_test(NAME record.session COMMAND ${ECSCONF_RECORD_PYTHON3} "${PROJECT_SOURCE_DIR}/conformance/record-sets.py"
                                         --ecsconf $<TARGET_FILE:ecsconf> --check)
    set_tests_properties(record.session PROPERTIES LABELS "record;moto" SKIP_RETURN_CODE 77 TIMEOUT 400)
    add_test(NAME record.hostile COMMAND ${ECSCONF_RECORD_PYTHON3} "${CMAKE_CURRENT_SOURCE_DIR}/record_hostile.py"
                                         $<TARGET_FILE:ecsconf> "${PROJECT_SOURCE_DIR}")
    set_tests_properties(record.hostile PROPERTIES LABELS "record" TIMEOUT 120)
endif()
# `ecsconf run --record`: the runner stores each exchange through the same writer.
add_test(NAME record.run COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/record_run.sh" $<TARGET_FILE:ecsconf>
                                 "${PROJECT_SOURCE_DIR}")
set_tests_properties(record.run PROPERTIES LABELS "record" TIMEOUT 120)

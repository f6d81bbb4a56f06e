# SigV4: one ctest per case of the AWS test suites (sigv4.<case>, sigv4-legacy.<case>), found at configure
# time under ECSCONF_SHARED_DIR; the botocore differential test; the `ecsconf sign` / `verify` tests.
add_executable(sigv4_vectors "${CMAKE_CURRENT_LIST_DIR}/sigv4_vectors.c")
target_compile_options(sigv4_vectors PRIVATE ${ECSCONF_WARNINGS})
target_link_libraries(sigv4_vectors PRIVATE ecsconf_core)

set(_sigv4_dir "${ECSCONF_SHARED_DIR}/vectors/sigv4")
set(_sigv4_legacy_dir "${ECSCONF_SHARED_DIR}/vectors/sigv4-legacy")

if(ECSCONF_SHARED_DIR AND EXISTS "${_sigv4_dir}")
    file(GLOB _sigv4_contexts "${_sigv4_dir}/*/context.json")
    foreach(_context ${_sigv4_contexts})
        get_filename_component(_case_dir "${_context}" DIRECTORY)
        get_filename_component(_case "${_case_dir}" NAME)
        add_test(NAME sigv4.${_case} COMMAND sigv4_vectors v4 "${_case_dir}")
        set_tests_properties(sigv4.${_case} PROPERTIES LABELS "sigv4" SKIP_RETURN_CODE 77 TIMEOUT 30)
    endforeach()
else()
    # The program prints the reason and exits 77 when the folder is absent.
    add_test(NAME sigv4.suite COMMAND sigv4_vectors v4 "${_sigv4_dir}")
    set_tests_properties(sigv4.suite PROPERTIES LABELS "sigv4" SKIP_RETURN_CODE 77)
endif()

if(ECSCONF_SHARED_DIR AND EXISTS "${_sigv4_legacy_dir}")
    file(GLOB_RECURSE _legacy_reqs "${_sigv4_legacy_dir}/*.req")
    foreach(_req ${_legacy_reqs})
        get_filename_component(_case_dir "${_req}" DIRECTORY)
        get_filename_component(_case "${_req}" NAME_WE)
        add_test(NAME sigv4-legacy.${_case} COMMAND sigv4_vectors legacy "${_case_dir}")
        set_tests_properties(sigv4-legacy.${_case} PROPERTIES LABELS "sigv4" SKIP_RETURN_CODE 77 TIMEOUT 30)
    endforeach()
else()
    add_test(NAME sigv4-legacy.suite COMMAND sigv4_vectors legacy "${_sigv4_legacy_dir}")
    set_tests_properties(sigv4-legacy.suite PROPERTIES LABELS "sigv4" SKIP_RETURN_CODE 77)
endif()

# Differential test against botocore's signer: one Python process signs every generated request.
find_program(ECSCONF_PYTHON NAMES python3 python DOC "Python with botocore, for the SigV4 differential test")
add_executable(sigv4_botocore "${CMAKE_CURRENT_LIST_DIR}/sigv4_botocore.c")
target_compile_options(sigv4_botocore PRIVATE ${ECSCONF_WARNINGS})
target_link_libraries(sigv4_botocore PRIVATE ecsconf_core)
add_test(NAME sigv4.botocore-differential
         COMMAND sigv4_botocore "${ECSCONF_PYTHON}" "${CMAKE_CURRENT_LIST_DIR}/sigv4_botocore.py" 600)
set_tests_properties(sigv4.botocore-differential PROPERTIES LABELS "sigv4" SKIP_RETURN_CODE 77 TIMEOUT 60)

# `ecsconf sign` / `ecsconf verify` end to end.
add_test(NAME cli.sign-verify COMMAND bash "${CMAKE_CURRENT_LIST_DIR}/cli_sigv4.sh" $<TARGET_FILE:ecsconf> "${ECSCONF_SHARED_DIR}")
set_tests_properties(cli.sign-verify PROPERTIES LABELS "cli" SKIP_RETURN_CODE 77 TIMEOUT 60)

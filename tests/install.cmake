# `cmake --install` into a temporary prefix, then the installed ecsconf and library used from outside
# the source tree (tests/install.sh says what is checked).
add_test(NAME install.prefix
         COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/install.sh" "${PROJECT_BINARY_DIR}" "${PROJECT_SOURCE_DIR}"
                 "${ECSCONF_SHARED_DIR}" "${CMAKE_C_COMPILER}" "${ECSCONF_SANITIZE}" $<TARGET_FILE:ecsconf>)
set_tests_properties(install.prefix PROPERTIES LABELS "install" TIMEOUT 300 SKIP_RETURN_CODE 77)

# `cpack -G DEB`, then the package's control data and contents checked against the install, and its
# unpacked ecsconf run from a temporary root (tests/package.sh says what is checked).
add_test(NAME install.deb COMMAND bash "${CMAKE_CURRENT_SOURCE_DIR}/package.sh" "${PROJECT_BINARY_DIR}")
set_tests_properties(install.deb PROPERTIES LABELS "install" TIMEOUT 120 SKIP_RETURN_CODE 77)

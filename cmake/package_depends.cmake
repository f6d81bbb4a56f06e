# Run by cpack (CPACK_PROJECT_CONFIG_FILE) before it builds a package: the Debian package's Depends from
# dpkg-shlibdeps over the one binary of the package, ECSCONF_PACKAGED_BINARY (the built ecsconf; the
# packaged copy is the same file, stripped). A packager's own CPACK_DEBIAN_PACKAGE_DEPENDS wins.
if(NOT CPACK_GENERATOR STREQUAL "DEB" OR CPACK_DEBIAN_PACKAGE_DEPENDS)
    return()
endif()
find_program(ECSCONF_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(NOT ECSCONF_DPKG_SHLIBDEPS)
    message(FATAL_ERROR "ecsconf: dpkg-shlibdeps not found (package dpkg-dev): it computes the package's Depends")
endif()
# dpkg-shlibdeps wants a source package's debian/control in its working folder; an empty one is enough.
set(_ecsconf_shlibdeps_dir "${CPACK_PACKAGE_DIRECTORY}/_ecsconf_shlibdeps")
file(MAKE_DIRECTORY "${_ecsconf_shlibdeps_dir}/debian")
file(WRITE "${_ecsconf_shlibdeps_dir}/debian/control" "")
execute_process(
    COMMAND "${ECSCONF_DPKG_SHLIBDEPS}" -O "${ECSCONF_PACKAGED_BINARY}"
    WORKING_DIRECTORY "${_ecsconf_shlibdeps_dir}"
    RESULT_VARIABLE _ecsconf_rc
    OUTPUT_VARIABLE _ecsconf_out
    ERROR_VARIABLE _ecsconf_err
    OUTPUT_STRIP_TRAILING_WHITESPACE)
file(REMOVE_RECURSE "${_ecsconf_shlibdeps_dir}")
if(NOT _ecsconf_rc EQUAL 0 OR NOT _ecsconf_out MATCHES "^shlibs:Depends=.")
    message(FATAL_ERROR "ecsconf: dpkg-shlibdeps ${ECSCONF_PACKAGED_BINARY} failed: ${_ecsconf_err}")
endif()
string(REGEX REPLACE "^shlibs:Depends=" "" CPACK_DEBIAN_PACKAGE_DEPENDS "${_ecsconf_out}")

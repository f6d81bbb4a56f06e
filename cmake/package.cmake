# `cpack -G DEB` (run in the build folder): a Debian package of what `cmake --install` installs, with
# the prefix /usr. One package holds the command, the suite data, the man pages and the library with its
# headers, pkg-config file and CMake package, as the install rules in cmake/install.cmake lay them out;
# nothing is listed twice, so the package cannot drift from the install (ctest install.deb compares them).
#
# Depends is computed by dpkg-shlibdeps from the libraries the binary really links (libc6, libcurl4,
# libjansson4, libmicrohttpd12, libssl3 on Debian 12), so it stays true when a dependency changes: at
# cpack time, for the one ELF file of the package (cmake/package_depends.cmake). CPackDeb's own
# CPACK_DEBIAN_PACKAGE_SHLIBDEPS would run `file` on each of the ~550 installed files first, which costs
# minutes on a loaded machine for the same answer. What
# only some users need is Suggests: the -dev packages to build against libecsconf.a (its ecsconf.pc and
# CMake package name jansson, libcurl, libcrypto and libmicrohttpd), and the peers the shipped adapters
# drive (python3 with boto3, the AWS CLI, Node.js).
set(CPACK_GENERATOR "DEB" CACHE STRING "CPack generators (cpack -G overrides)")
set(CPACK_PACKAGE_NAME "ecsconf")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Conformance and fuzz testing suite for the Amazon ECS RunTask API (AWS JSON 1.1, SigV4)")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/package")

set(ECSCONF_PACKAGE_MAINTAINER "ecsconf maintainers <maintainers@ecsconf.invalid>"
    CACHE STRING "Maintainer field of the Debian package (a packager sets their own)")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ECSCONF_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "devel")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# Read by cpack for each generator: the built binary's path, then the Depends computation.
file(GENERATE OUTPUT "${PROJECT_BINARY_DIR}/CPackProjectConfig.cmake"
     CONTENT "set(ECSCONF_PACKAGED_BINARY \"$<TARGET_FILE:ecsconf>\")
include(\"${PROJECT_SOURCE_DIR}/cmake/package_depends.cmake\")
")
set(CPACK_PROJECT_CONFIG_FILE "${PROJECT_BINARY_DIR}/CPackProjectConfig.cmake")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "libjansson-dev, libcurl4-openssl-dev, libssl-dev, libmicrohttpd-dev, pkg-config, python3-boto3, awscli, nodejs")
# The Description's first line is the summary; the lines after it are the long description.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "${CPACK_PACKAGE_DESCRIPTION_SUMMARY}
ecsconf tests both sides of the ECS RunTask API. `ecsconf run` replays a conformance suite against an
endpoint (an emulator, moto or AWS) and checks status, error types, response shape and clientToken
semantics; `ecsconf client` plays the service to an SDK or CLI from recorded and hand-written exchanges
and checks what the client sends and how it handles every answer. It also holds the embedded reference
emulator, a recording proxy, a SigV4 signer and verifier, and an over-the-wire fuzzer.
.
The package also installs the C library libecsconf.a with its headers, a pkg-config file and a CMake
package, so a C program can sign requests, parse answers and call RunTask with it.")

include(CPack)

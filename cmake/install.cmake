# `cmake --install build --prefix P`: what an installed ecsconf is, and the files that let others build
# against it. Layout (GNUInstallDirs):
#   P/bin/ecsconf
#   P/share/ecsconf/{conformance,fixtures,client-cases,adapters}   the suite data (cli_data.c finds it)
#   P/share/man/man1/ecsconf.1, ecsconf-<command>.1                 generated from --help (help2man.cmake)
#   P/lib/libecsconf.a, P/include/ecc/*.h                           the library and its public headers
#   P/lib/pkgconfig/ecsconf.pc, P/lib/cmake/ecsconf/                pkg-config and find_package(ecsconf)
#   P/share/doc/ecsconf/                                             README, architecture, format docs
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ECSCONF_INSTALL_DATADIR "${CMAKE_INSTALL_DATADIR}/ecsconf")
# The binary finds its data relative to itself, so the prefix given at install time is the one used.
file(RELATIVE_PATH _ecsconf_data_from_bin "${CMAKE_INSTALL_FULL_BINDIR}"
     "${CMAKE_INSTALL_FULL_DATADIR}/ecsconf")
target_compile_definitions(
    ecsconf PRIVATE ECSCONF_DATA_DIR_FROM_BIN="${_ecsconf_data_from_bin}"
                    ECSCONF_INSTALL_DATA_DIR="${CMAKE_INSTALL_FULL_DATADIR}/ecsconf"
                    ECSCONF_SOURCE_DATA_DIR="$<$<BOOL:${ECSCONF_SOURCE_DATA}>:${PROJECT_SOURCE_DIR}>")

# The command and the suite data.
install(TARGETS ecsconf RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(DIRECTORY conformance fixtures client-cases DESTINATION "${ECSCONF_INSTALL_DATADIR}")
install(DIRECTORY harness/adapters/ DESTINATION "${ECSCONF_INSTALL_DATADIR}/adapters" USE_SOURCE_PERMISSIONS
        PATTERN node_modules EXCLUDE PATTERN __pycache__ EXCLUDE)
install(FILES README.md docs/ARCHITECTURE.md docs/EMULATOR.md DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# Man pages: written by the built command itself, so they say what its --help says.
add_custom_command(
    OUTPUT "${PROJECT_BINARY_DIR}/man/pages.txt"
    COMMAND "${CMAKE_COMMAND}" -DECSCONF=$<TARGET_FILE:ecsconf> -DOUT_DIR=${PROJECT_BINARY_DIR}/man
            -DVERSION=${PROJECT_VERSION} -P "${PROJECT_SOURCE_DIR}/cmake/help2man.cmake"
    DEPENDS ecsconf "${PROJECT_SOURCE_DIR}/cmake/help2man.cmake"
    COMMENT "Writing the man pages from ecsconf --help"
    VERBATIM)
add_custom_target(ecsconf_man ALL DEPENDS "${PROJECT_BINARY_DIR}/man/pages.txt")
install(DIRECTORY "${PROJECT_BINARY_DIR}/man/man1" DESTINATION "${CMAKE_INSTALL_MANDIR}")

# The library: libecsconf.a, its public headers, pkg-config and a CMake package.
set_target_properties(ecsconf_core PROPERTIES OUTPUT_NAME ecsconf EXPORT_NAME ecsconf)
target_include_directories(ecsconf_core PUBLIC "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
install(TARGETS ecsconf_core EXPORT ecsconfTargets ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(DIRECTORY harness/include/ecc DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}" FILES_MATCHING PATTERN "*.h")

set(_ecsconf_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/ecsconf")
install(EXPORT ecsconfTargets NAMESPACE ecsconf:: DESTINATION "${_ecsconf_cmake_dir}")
configure_package_config_file(cmake/ecsconfConfig.cmake.in "${PROJECT_BINARY_DIR}/ecsconfConfig.cmake"
                              INSTALL_DESTINATION "${_ecsconf_cmake_dir}" PATH_VARS ECSCONF_INSTALL_DATADIR)
write_basic_package_version_file("${PROJECT_BINARY_DIR}/ecsconfConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/ecsconfConfig.cmake" "${PROJECT_BINARY_DIR}/ecsconfConfigVersion.cmake"
        DESTINATION "${_ecsconf_cmake_dir}")

file(RELATIVE_PATH ECSCONF_PC_TO_PREFIX "${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" ECSCONF_PC_TO_PREFIX "${ECSCONF_PC_TO_PREFIX}")
configure_file(cmake/ecsconf.pc.in "${PROJECT_BINARY_DIR}/ecsconf.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/ecsconf.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")

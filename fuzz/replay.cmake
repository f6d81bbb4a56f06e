# ctest fuzz.replay.<target>: runs FUZZ_BINARY once on every file under CORPUS (seeds and regressions/).
# Used for both the libFuzzer binaries (which fuzz, and write, when given a folder) and the standalone
# driver. An empty or missing corpus fails: a replay of nothing tests nothing.
# Usage: cmake -DFUZZ_BINARY=<binary> -DCORPUS=<folder> -P replay.cmake
if(NOT FUZZ_BINARY OR NOT CORPUS)
    message(FATAL_ERROR "usage: cmake -DFUZZ_BINARY=<binary> -DCORPUS=<folder> -P replay.cmake")
endif()
file(GLOB_RECURSE _inputs LIST_DIRECTORIES false "${CORPUS}/*")
list(FILTER _inputs EXCLUDE REGEX "/\\.[^/]*$")
list(LENGTH _inputs _count)
if(_count EQUAL 0)
    message(FATAL_ERROR "no corpus inputs under ${CORPUS}")
endif()
list(SORT _inputs)
execute_process(COMMAND "${FUZZ_BINARY}" ${_inputs} RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "${FUZZ_BINARY} failed on the corpus (${_rc}): see the input named last above")
endif()
message(STATUS "${_count} corpus inputs replayed through ${FUZZ_BINARY}")

# Writes the man pages from the command's own --help text, so a page cannot say anything --help does
# not: ecsconf(1) from `ecsconf --help`, and ecsconf-<command>(1) from `ecsconf <command> --help` for
# every command `ecsconf --help` lists (a new command gets its page without touching this file).
# Run at build time: cmake -DECSCONF=<binary> -DOUT_DIR=<dir> -DVERSION=<v> -P help2man.cmake
cmake_minimum_required(VERSION 3.25)
foreach(_var ECSCONF OUT_DIR VERSION)
    if(NOT DEFINED ${_var})
        message(FATAL_ERROR "help2man.cmake: -D${_var}= is required")
    endif()
endforeach()

# Help text -> roff, verbatim (.nf): backslashes escaped, '-' as \- so options copy and paste as typed,
# a leading '.' or '\'' guarded so roff does not read it as a request.
function(_ecsconf_roff_escape text out)
    string(REPLACE "\\" "\\e" text "${text}")
    string(REPLACE "-" "\\-" text "${text}")
    string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

function(_ecsconf_help args out)
    execute_process(COMMAND "${ECSCONF}" ${args} --help OUTPUT_VARIABLE _text RESULT_VARIABLE _rc
                    ERROR_VARIABLE _err)
    if(NOT _rc EQUAL 0 OR _text STREQUAL "")
        message(FATAL_ERROR "help2man.cmake: '${ECSCONF} ${args} --help' failed (${_rc}): ${_err}")
    endif()
    set(${out} "${_text}" PARENT_SCOPE)
endfunction()

# name: page name; source: the command it came from; summary: one line for NAME; help: the --help text; see_also: roff text.
function(_ecsconf_write_page name source summary help see_also)
    string(TOUPPER "${name}" _title)
    # The first line is "Usage: ..."; it becomes the SYNOPSIS, the rest the DESCRIPTION.
    string(FIND "${help}" "\n" _eol)
    string(SUBSTRING "${help}" 0 ${_eol} _usage)
    math(EXPR _rest_at "${_eol} + 1")
    string(SUBSTRING "${help}" ${_rest_at} -1 _body)
    string(REGEX REPLACE "^Usage: *" "" _usage "${_usage}")
    string(REGEX REPLACE "^\n+" "" _body "${_body}")
    _ecsconf_roff_escape("${_usage}" _usage)
    _ecsconf_roff_escape("${_body}" _body)
    _ecsconf_roff_escape("${summary}" _summary)
    file(WRITE "${OUT_DIR}/man1/${name}.1"
         ".\\\" Generated from `${source}` at build time (cmake/help2man.cmake); edit the --help text.\n"
         ".TH ${_title} 1 \"\" \"ecsconf ${VERSION}\" \"User Commands\"\n"
         ".SH NAME\n${name} \\- ${_summary}\n"
         ".SH SYNOPSIS\n.nf\n${_usage}\n.fi\n"
         ".SH DESCRIPTION\n.nf\n${_body}.fi\n"
         ".SH SEE ALSO\n${see_also}\n")
endfunction()

file(REMOVE_RECURSE "${OUT_DIR}/man1")
file(MAKE_DIRECTORY "${OUT_DIR}/man1")
_ecsconf_help("" _main)
# "Commands:" lines are "  <name>  <summary>"; stop at the first blank line after them.
string(FIND "${_main}" "\nCommands:\n" _at)
if(_at EQUAL -1)
    message(FATAL_ERROR "help2man.cmake: `ecsconf --help` has no 'Commands:' section")
endif()
string(SUBSTRING "${_main}" ${_at} -1 _commands)
string(FIND "${_commands}" "\n\n" _end)
string(SUBSTRING "${_commands}" 0 ${_end} _commands)
# Names only in the list: a summary may hold ';', which a CMake list would split.
string(REGEX MATCHALL "\n  [a-z][a-z0-9-]* " _heads "${_commands}")
set(_see_also "")
set(_names "")
foreach(_head IN LISTS _heads)
    string(STRIP "${_head}" _name)
    string(REGEX MATCH "\n  ${_name} +([^\n]*)" _line "${_commands}")
    list(APPEND _names "${_name}")
    set(_summary_${_name} "${CMAKE_MATCH_1}")
    string(APPEND _see_also ".BR ecsconf\\-${_name} (1)\n")
endforeach()
list(LENGTH _names _count)
if(_count EQUAL 0)
    message(FATAL_ERROR "help2man.cmake: no command found in `ecsconf --help`")
endif()

# ecsconf(1): the top-level text (it has no "Usage:" first line of its own, so NAME comes from line 1).
string(FIND "${_main}" "\n" _eol)
string(SUBSTRING "${_main}" 0 ${_eol} _first)
string(REGEX REPLACE "^ecsconf - " "" _first "${_first}")
math(EXPR _rest_at "${_eol} + 1")
string(SUBSTRING "${_main}" ${_rest_at} -1 _main_rest)
string(REGEX REPLACE "^\n+" "" _main_rest "${_main_rest}")
_ecsconf_write_page(ecsconf "ecsconf --help" "${_first}" "${_main_rest}" "${_see_also}")

foreach(_name IN LISTS _names)
    _ecsconf_help("${_name}" _help)
    if(NOT _help MATCHES "^Usage: ")
        message(FATAL_ERROR "help2man.cmake: `ecsconf ${_name} --help` does not start with 'Usage: '")
    endif()
    _ecsconf_write_page("ecsconf-${_name}" "ecsconf ${_name} --help" "${_summary_${_name}}" "${_help}" ".BR ecsconf (1)")
endforeach()
file(WRITE "${OUT_DIR}/pages.txt" "ecsconf\n")
foreach(_name IN LISTS _names)
    file(APPEND "${OUT_DIR}/pages.txt" "ecsconf-${_name}\n")
endforeach()

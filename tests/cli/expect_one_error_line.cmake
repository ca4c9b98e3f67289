# expect_one_error_line.cmake: the one script every lfgen CLI test runs. It runs `LFGEN info FILE`,
# or `LFGEN <ARGS>` when ARGS (a '|'-separated argument list, possibly empty) is given, and
#   EXIT 0:         passes when lfgen succeeds;
#   otherwise:      passes only if lfgen exits non-zero (not by a signal; exactly EXIT when given),
#                   prints exactly one line to stderr, and that line starts with "lfgen: error:"
#                   (and contains EXPECT, when given).
# Usage:
#   cmake -DLFGEN=path/to/lfgen -DFILE=path [-DEXPECT=substring] [-DALLOW_MISSING=ON] -P expect_one_error_line.cmake
#   cmake -DLFGEN=path/to/lfgen -DARGS="generate|-m|FILE|..." [-DFILE=input that must exist] [-DEXIT=1] ...
if(NOT LFGEN OR (NOT FILE AND NOT DEFINED ARGS))
  message(FATAL_ERROR "usage: cmake -DLFGEN=... (-DFILE=... | -DARGS=a|b|c) [-DEXIT=n] [-DEXPECT=...] -P expect_one_error_line.cmake")
endif()
if(FILE AND NOT EXISTS "${FILE}" AND NOT ALLOW_MISSING)
  message(FATAL_ERROR "test input ${FILE} does not exist (was its setup test run?)")
endif()
if(DEFINED ARGS)
  string(REPLACE "|" ";" lfgen_args "${ARGS}")
else()
  set(lfgen_args info "${FILE}")
endif()

execute_process(COMMAND "${LFGEN}" ${lfgen_args}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 300)

if(NOT rc MATCHES "^[0-9]+$")
  message(FATAL_ERROR "lfgen ${lfgen_args} did not exit normally: ${rc}\nstderr:\n${err}")
endif()
if(DEFINED EXIT AND EXIT EQUAL 0)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "lfgen ${lfgen_args} exited ${rc}, expected success\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  message(STATUS "ok: lfgen ${lfgen_args}")
  return()
endif()
if(rc EQUAL 0)
  message(FATAL_ERROR "lfgen ${lfgen_args} exited 0 on bad input\nstdout:\n${out}")
endif()
if(DEFINED EXIT AND NOT rc EQUAL EXIT)
  message(FATAL_ERROR "lfgen ${lfgen_args} exited ${rc}, expected ${EXIT}\nstderr:\n${err}")
endif()
if(NOT err MATCHES "\n$")
  message(FATAL_ERROR "stderr is not exactly one newline-terminated line:\n[${err}]")
endif()
string(REGEX REPLACE "\n$" "" line "${err}")
string(FIND "${line}" "\n" newline_at)
string(FIND "${line}" "\r" cr_at)
if(NOT newline_at EQUAL -1 OR NOT cr_at EQUAL -1)
  message(FATAL_ERROR "stderr has more than one line:\n${err}")
endif()
string(FIND "${line}" "lfgen: error:" prefix_at)
if(NOT prefix_at EQUAL 0)
  message(FATAL_ERROR "stderr does not start with 'lfgen: error:':\n${line}")
endif()
if(DEFINED EXPECT AND NOT EXPECT STREQUAL "")
  string(FIND "${line}" "${EXPECT}" expect_at)
  if(expect_at EQUAL -1)
    message(FATAL_ERROR "the error line does not mention '${EXPECT}':\n${line}")
  endif()
endif()
message(STATUS "ok (exit ${rc}): ${line}")

# run_fuzzer.cmake: one bounded, reproducible libFuzzer run for ctest. Starts from an empty work
# corpus plus the committed seed corpus, with a fixed -seed; fails (naming the reproducer) when
# libFuzzer reports a crash, a sanitizer error, a leak, a timeout or an oversized allocation.
#   cmake -DFUZZER=... -DSEED_CORPUS=dir -DWORK_DIR=dir -DSECONDS=20 -DSEED=1 [-DDICT=file] -P run_fuzzer.cmake
foreach(var FUZZER SEED_CORPUS WORK_DIR SECONDS SEED)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${FUZZER}")
  message(FATAL_ERROR "fuzzer ${FUZZER} was not built (is clang++ with libFuzzer installed?)")
endif()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/corpus" "${WORK_DIR}/artifacts")
set(args -seed=${SEED} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512
         -print_final_stats=1 -artifact_prefix=${WORK_DIR}/artifacts/)
if(DICT)
  list(APPEND args -dict=${DICT})
endif()
execute_process(COMMAND "${FUZZER}" ${args} "${WORK_DIR}/corpus" "${SEED_CORPUS}"
                WORKING_DIRECTORY "${WORK_DIR}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(GLOB artifacts "${WORK_DIR}/artifacts/*")
  message(FATAL_ERROR "libFuzzer failed (exit ${rc}). Reproduce with: ${FUZZER} <artifact>\n"
                      "artifacts: ${artifacts}")
endif()

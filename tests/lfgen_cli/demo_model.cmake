# demo_model.cmake: the bundled demo model (weights/demo/shapes64.safetensors, trained by
# tools/train_demo/) draws what it was trained on: of 1000 samples (seeds of RandomState(0)), at
# least 90% show exactly one foreground shape, as lfgen's factor estimators measure it (issue #9).
# The evaluation needs a directions file: SeFa's first two directions.
#   cmake -DLFGEN=... -DMODEL=... -DOUT=<dir> -P demo_model.cmake
foreach(v LFGEN MODEL OUT)
  if(NOT ${v})
    message(FATAL_ERROR "usage: cmake -DLFGEN=... -DMODEL=... -DOUT=... -P demo_model.cmake")
  endif()
endforeach()

function(run_lfgen)
  execute_process(COMMAND "${LFGEN}" ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "lfgen ${ARGN}: exit '${rc}'\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

run_lfgen(factorize -m "${MODEL}" --method sefa -k 2 -o "${OUT}/demo_sefa.safetensors")
run_lfgen(evaluate --factors -m "${MODEL}" -d "${OUT}/demo_sefa.safetensors" --images 1000 --first-k 1
          --no-baseline --batch 50 --quiet --json "${OUT}/demo_factors.json")
file(READ "${OUT}/demo_factors.json" json)
string(JSON one GET "${json}" factors originals one_shape)
string(JSON images GET "${json}" factors originals images)
message(STATUS "${one} of ${images} samples show exactly one shape")
if(NOT images EQUAL 1000 OR one LESS 900)
  message(FATAL_ERROR "only ${one} of ${images} samples of ${MODEL} show exactly one shape (need >= 900)")
endif()

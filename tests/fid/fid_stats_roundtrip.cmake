# fid_stats_roundtrip.cmake: FID(folder A, folder B) must equal FID(stats A, stats B) and
# FID(folder A, stats B), printed digit for digit (the statistics are written as float64 .npz and
# the distance is the same function of the same numbers). Also checks that FID(A, A) is ~0, that
# `fid --json` reports the same value, that one pool thread gives it too, and that `lfgen features`
# writes [N, 2048] features.
# Used by tests/cli/fid_errors.cmake:
# With -DPYTHON=<interpreter with NumPy>, also checks that np.load reads the written statistics.
#   cmake -DLFGEN=... -DDIR=<make_fid_cli_inputs dir> [-DPYTHON=...] -P fid_stats_roundtrip.cmake
if(NOT LFGEN OR NOT DIR)
  message(FATAL_ERROR "usage: cmake -DLFGEN=... -DDIR=... -P fid_stats_roundtrip.cmake")
endif()
set(w "${DIR}/inception_random.safetensors")

function(run_lfgen out_var)
  execute_process(COMMAND "${LFGEN}" ${ARGN} --device cpu --batch 3
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 600)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "lfgen ${ARGN}: exit '${rc}'\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

function(fid_value out_var text)
  if(NOT text MATCHES "FID: ([-+0-9.eE]+)")
    message(FATAL_ERROR "no 'FID: <value>' line in:\n${text}")
  endif()
  set(${out_var} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

file(REMOVE "${DIR}/A_stats.npz" "${DIR}/B_stats.npz")
run_lfgen(out fid --inception "${w}" "${DIR}/A" --save-stats "${DIR}/A_stats.npz")
run_lfgen(out fid --inception "${w}" "${DIR}/B" --save-stats "${DIR}/B_stats.npz")
run_lfgen(out fid --inception "${w}" "${DIR}/A" "${DIR}/B")
fid_value(folders "${out}")
run_lfgen(out fid "${DIR}/A_stats.npz" "${DIR}/B_stats.npz")  # no --inception needed for two .npz
fid_value(stats "${out}")
run_lfgen(out fid --inception "${w}" "${DIR}/A" "${DIR}/B_stats.npz")
fid_value(mixed "${out}")
message(STATUS "FID folders ${folders}, stats ${stats}, folder+stats ${mixed}")
if(NOT folders STREQUAL stats OR NOT folders STREQUAL mixed)
  message(FATAL_ERROR "FID differs: folders ${folders}, stats ${stats}, folder+stats ${mixed}")
endif()
# One pool thread: both statistics files still load (they load concurrently; a 1-thread pool once
# loaded only the first) and the value agrees (to 10 characters: other BLAS thread counts may
# round differently in the last digits).
execute_process(COMMAND ${CMAKE_COMMAND} -E env OPENBLAS_NUM_THREADS=1 "${LFGEN}" fid "${DIR}/A_stats.npz"
                        "${DIR}/B_stats.npz" --device cpu
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 600)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "OPENBLAS_NUM_THREADS=1 lfgen fid: exit '${rc}'\nstdout:\n${out}\nstderr:\n${err}")
endif()
fid_value(one_thread "${out}")
string(SUBSTRING "${one_thread}" 0 10 one_thread_head)
string(SUBSTRING "${stats}" 0 10 stats_head)
if(NOT one_thread_head STREQUAL stats_head)
  message(FATAL_ERROR "FID with one thread ${one_thread} differs from ${stats}")
endif()
# --json: the same value, with its terms, as one JSON object.
run_lfgen(out fid --json "${DIR}/A_stats.npz" "${DIR}/B_stats.npz")
string(JSON json_fid GET "${out}" fid)
string(JSON json_route GET "${out}" route)
string(JSON json_kind GET "${out}" inputs 0 kind)
message(STATUS "--json: fid ${json_fid}, route ${json_route}, input 0 ${json_kind}")
if(NOT json_kind STREQUAL "statistics" OR json_fid LESS_EQUAL 0)
  message(FATAL_ERROR "fid --json: unexpected report\n${out}")
endif()
# JSON prints the double with its own shortest form: compare numerically to the FID line.
if(json_fid GREATER folders OR json_fid LESS folders)
  message(FATAL_ERROR "fid --json value ${json_fid} differs from the FID line ${folders}")
endif()
if(folders LESS_EQUAL 0)
  message(FATAL_ERROR "FID of two different folders is ${folders}, expected > 0")
endif()
# pytorch-fid reads the file with np.load(path)['mu'][:] / ['sigma'][:]: check that NumPy does.
if(PYTHON)
  execute_process(COMMAND "${PYTHON}" -c
    "import sys, numpy as np; f = np.load(sys.argv[1]); m, s = f['mu'][:], f['sigma'][:]; assert m.dtype == np.float64 and m.shape == (2048,) and s.shape == (2048, 2048), (m.dtype, m.shape, s.shape); assert (s == s.T).all(); print('numpy reads', sys.argv[1])"
    "${DIR}/A_stats.npz" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "NumPy cannot read the statistics lfgen wrote:\n${out}${err}")
  endif()
  message(STATUS "${out}")
endif()
run_lfgen(out fid "${DIR}/A_stats.npz" "${DIR}/A_stats.npz")
fid_value(same "${out}")
if(same GREATER 1e-6 OR same LESS -1e-6)
  message(FATAL_ERROR "FID(A, A) = ${same}, expected ~0")
endif()
run_lfgen(out features --inception "${w}" --images "${DIR}/images.npy" --npy "${DIR}/features.npy")
if(NOT out MATCHES "3 x 2048 features")
  message(FATAL_ERROR "lfgen features: unexpected output:\n${out}")
endif()

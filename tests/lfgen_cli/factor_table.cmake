# factor_table.cmake: runs `lfgen evaluate --factors` (ARGS, '|'-separated, must include --json
# JSON) and checks that it succeeds, prints the factor table (the one-shape line, the header with
# the seven factors and the score, one row per method in METHODS, '|'-separated) and writes the
# JSON "factors" section: per method a K x 7 effect matrix, best direction and purity per factor, a
# score in [0, 1], and the originals' one-shape rate.
#   cmake -DLFGEN=... -DARGS=... -DJSON=... -DMETHODS=pca|sefa|random -DK=3 -P factor_table.cmake
if(NOT LFGEN OR NOT ARGS OR NOT JSON OR NOT METHODS OR NOT K)
  message(FATAL_ERROR "usage: cmake -DLFGEN=... -DARGS=... -DJSON=... -DMETHODS=... -DK=... -P factor_table.cmake")
endif()
string(REPLACE "|" ";" args "${ARGS}")
string(REPLACE "|" ";" methods "${METHODS}")
file(REMOVE "${JSON}")
execute_process(COMMAND "${LFGEN}" ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 600)
if(NOT rc STREQUAL "0")
  message(FATAL_ERROR "lfgen ${args}: exit '${rc}'\nstdout:\n${out}\nstderr:\n${err}")
endif()

# The table.
foreach(pattern "[0-9]+ of [0-9]+ samples show exactly one shape"
                "score = mean_f purity_f"
                "method +space +K +shape +x +y +scale +rotation +hue +background +score +directions")
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "the factor table has no line matching '${pattern}':\n${out}")
  endif()
endforeach()
foreach(m IN LISTS methods)
  # method, space, K, seven "k:purity effect" cells ("n/a" for a factor the originals do not show),
  # the score
  set(cell " +([0-9]+:[0-9]+\\.[0-9][0-9] [0-9]+\\.[0-9][0-9]|n/a)")
  if(NOT out MATCHES "\n${m} +[wz] +${K}${cell}${cell}${cell}${cell}${cell}${cell}${cell} +[01]\\.[0-9][0-9][0-9]")
    message(FATAL_ERROR "the factor table has no row for '${m}' with K ${K}:\n${out}")
  endif()
endforeach()

# The JSON.
file(READ "${JSON}" doc)
string(JSON n_methods LENGTH "${doc}" factors methods)
list(LENGTH methods want)
if(NOT n_methods EQUAL want)
  message(FATAL_ERROR "${JSON}: ${n_methods} methods in factors.methods, expected ${want}")
endif()
math(EXPR last "${n_methods} - 1")
foreach(i RANGE ${last})
  list(GET methods ${i} m)
  string(JSON got GET "${doc}" factors methods ${i} method)
  string(JSON rows LENGTH "${doc}" factors methods ${i} effect)
  string(JSON cols LENGTH "${doc}" factors methods ${i} effect 0)
  string(JSON score GET "${doc}" factors methods ${i} score)
  string(JSON best GET "${doc}" factors methods ${i} best_direction hue)
  string(JSON purity GET "${doc}" factors methods ${i} purity shape)
  if(purity STREQUAL "null" OR purity STREQUAL "")  # shape not shown by these originals
    set(purity 0)
  endif()
  if(best STREQUAL "null" OR best STREQUAL "")
    set(best 0)
  endif()
  if(NOT got STREQUAL m OR NOT rows EQUAL K OR NOT cols EQUAL 7 OR score LESS 0 OR score GREATER 1
     OR best LESS 0 OR NOT best LESS K OR purity LESS 0)
    message(FATAL_ERROR "${JSON}: factors.methods[${i}] is not a ${K} x 7 '${m}' row with a score in [0, 1] "
                        "(method ${got}, ${rows} x ${cols}, score ${score}, best hue direction ${best})")
  endif()
endforeach()
string(JSON rate GET "${doc}" factors originals one_shape_rate)
string(JSON model GET "${doc}" model summary)
message(STATUS "ok: ${n_methods} factor rows, one-shape rate ${rate}, model ${model}")

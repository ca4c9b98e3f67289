# same_fid.cmake: two `lfgen evaluate --json` files must report the same FIDs (timings may differ).
foreach(f A B)
  file(STRINGS "${${f}}" lines REGEX "\"(fid|random_directions_fid)\"")
  set(fids_${f} "${lines}")
endforeach()
if(NOT fids_A STREQUAL fids_B OR fids_A STREQUAL "")
  message(FATAL_ERROR "evaluate with the same seed gave different FIDs:\n${fids_A}\n${fids_B}")
endif()
message(STATUS "ok: same FIDs ${fids_A}")

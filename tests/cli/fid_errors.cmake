# fid_errors.cmake (included by tests/cli/CMakeLists.txt; label cli): `lfgen fid` / `lfgen
# features` end to end on inputs written by tests/fid/make_fid_cli_inputs.cpp (random-weight FID
# InceptionV3 with the official layout, small PNG folders, broken statistics files):
#  - each error case exits 1 with exactly one "lfgen: error:" line naming the problem;
#  - FID(folder A, folder B) == FID(stats A, stats B) == FID(folder A, stats B), digit for digit
#    (tests/fid/fid_stats_roundtrip.cmake).
set(_fid_src "${PROJECT_SOURCE_DIR}/tests/fid")
add_executable(make_fid_cli_inputs ${_fid_src}/make_fid_cli_inputs.cpp)
target_link_libraries(make_fid_cli_inputs PRIVATE lf_nets)
lf_set_warnings(make_fid_cli_inputs)

set(_fid_dir "${CMAKE_CURRENT_BINARY_DIR}/fid_inputs")
add_test(NAME cli_fid_make_inputs COMMAND make_fid_cli_inputs "${_fid_dir}")
set_tests_properties(cli_fid_make_inputs PROPERTIES LABELS cli FIXTURES_SETUP lf_fid_cli_inputs)

if(TARGET lfgen)
  set(_w "${_fid_dir}/inception_random.safetensors")
  # name|expected substring|lfgen arguments separated by '|'
  set(LF_FID_ERROR_CASES
    "empty_folder|empty: no images|fid|--device|cpu|--inception|${_w}|${_fid_dir}/empty|${_fid_dir}/A"
    "one_image|the covariance needs at least 2 images|fid|--device|cpu|--inception|${_w}|${_fid_dir}/one|${_fid_dir}/A"
    "unreadable_image|unreadable/b.png|fid|--device|cpu|--inception|${_w}|${_fid_dir}/unreadable|${_fid_dir}/A"
    "missing_folder|not a folder of images or a .npz statistics file|fid|--device|cpu|--inception|${_w}|${_fid_dir}/nope|${_fid_dir}/A"
    "stats_wrong_shape|'sigma' has shape [3, 4], expected [8, 8]|fid|--device|cpu|${_fid_dir}/stats_wrong_shape.npz|${_fid_dir}/stats_8d.npz"
    "stats_no_sigma|no 'sigma' array|fid|--device|cpu|${_fid_dir}/stats_no_sigma.npz|${_fid_dir}/stats_8d.npz"
    "stats_not_npz|stats_garbage.npz: not a .npz file|fid|--device|cpu|${_fid_dir}/stats_garbage.npz|${_fid_dir}/stats_8d.npz"
    "stats_wrong_dims|statistics of 8-d features, but --dims is 2048|fid|--device|cpu|--inception|${_w}|${_fid_dir}/A|${_fid_dir}/stats_8d.npz"
    "no_inception|--inception is required|fid|--device|cpu|${_fid_dir}/A|${_fid_dir}/stats_8d.npz"
    "bad_dims|--dims 100: must be 64, 192, 768 or 2048|fid|--device|cpu|--dims|100|${_fid_dir}/stats_8d.npz|${_fid_dir}/stats_8d.npz"
    "features_bad_images|images must be [N, 3, H, W]|features|--device|cpu|--inception|${_w}|--images|${_fid_dir}/images_3d.npy|--npy|${_fid_dir}/f.npy"
  )
  foreach(case IN LISTS LF_FID_ERROR_CASES)
    string(REPLACE "|" ";" parts "${case}")
    list(POP_FRONT parts name expect)
    list(JOIN parts "|" args)
    add_test(NAME cli_fid_error_${name}
             COMMAND ${CMAKE_COMMAND} -DLFGEN=$<TARGET_FILE:lfgen> "-DARGS=${args}" -DEXIT=1 "-DEXPECT=${expect}"
                     -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_one_error_line.cmake)
    set_tests_properties(cli_fid_error_${name} PROPERTIES LABELS cli FIXTURES_REQUIRED lf_fid_cli_inputs)
  endforeach()
  add_test(NAME cli_fid_folders_equal_stats
           COMMAND ${CMAKE_COMMAND} -DLFGEN=$<TARGET_FILE:lfgen> -DDIR=${_fid_dir} "-DPYTHON=${LF_PYTHON}"
                   -P ${_fid_src}/fid_stats_roundtrip.cmake)
  set_tests_properties(cli_fid_folders_equal_stats PROPERTIES LABELS cli FIXTURES_REQUIRED lf_fid_cli_inputs)
endif()

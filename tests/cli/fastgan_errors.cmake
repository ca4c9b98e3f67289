# fastgan_errors.cmake (included from tests/cli/CMakeLists.txt): `lfgen generate` on FastGAN models
# with a missing tensor, a wrong-shaped tensor, an unsupported im_size in the metadata, or without the
# tensor the config is inferred from must exit 1 with exactly one "lfgen: error:" line naming the
# tensor or value (expect_one_error_line.cmake with ARGS). make_fastgan_broken writes the models from
# a valid tiny random generator; the valid one must generate (the control case).
add_executable(make_fastgan_broken make_fastgan_broken.cpp)
target_link_libraries(make_fastgan_broken PRIVATE lf_nets)
lf_set_warnings(make_fastgan_broken)

set(fastgan_broken_dir ${CMAKE_CURRENT_BINARY_DIR}/fastgan_broken)
add_test(NAME cli_make_fastgan_broken COMMAND make_fastgan_broken ${fastgan_broken_dir})
set_tests_properties(cli_make_fastgan_broken PROPERTIES LABELS cli FIXTURES_SETUP lf_fastgan_broken)

# name|substring the error line must contain
set(LF_FASTGAN_ERROR_CASES
  "missing_key|missing tensor 'feat_16.2.running_var'"
  "wrong_shape|tensor 'feat_32.5.weight' has shape [32, 16, 3, 1], expected [32, 16, 3, 3]"
  "im_size_300|im_size 300 is not one FastGAN supports"
  "no_init|missing tensor 'init.init.0.weight'"
)
if(TARGET lfgen)
  foreach(case IN LISTS LF_FASTGAN_ERROR_CASES)
    lf_split_case("${case}" name expect)
    set(file ${fastgan_broken_dir}/fastgan_${name}.safetensors)
    add_test(NAME cli_generate_fastgan_${name}
             COMMAND ${CMAKE_COMMAND} -DLFGEN=$<TARGET_FILE:lfgen> -DFILE=${file}
                     "-DARGS=generate|-m|${file}|--device|cpu|--seeds|0-1|--npy|${fastgan_broken_dir}/${name}.npy"
                     -DEXIT=1 "-DEXPECT=${expect}" -P ${CMAKE_CURRENT_SOURCE_DIR}/expect_one_error_line.cmake)
    set_tests_properties(cli_generate_fastgan_${name} PROPERTIES LABELS cli FIXTURES_REQUIRED lf_fastgan_broken)
  endforeach()
  add_test(NAME cli_generate_fastgan_valid
           COMMAND $<TARGET_FILE:lfgen> generate -m ${fastgan_broken_dir}/fastgan_valid.safetensors --device cpu --seeds 0-1
                   --bn batch --npy ${fastgan_broken_dir}/valid.npy)
  set_tests_properties(cli_generate_fastgan_valid PROPERTIES LABELS cli FIXTURES_REQUIRED lf_fastgan_broken)
endif()

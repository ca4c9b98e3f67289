# factors.cmake (included from tests/lfgen_cli/CMakeLists.txt; label cli): `lfgen evaluate --factors`
# end to end on the bundled tiny model with the pipeline's PCA and SeFa directions (fixture
# lf_pipeline): a handful of originals, the factor table and the JSON "factors" section
# (factor_table.cmake); and its error lines: --factor-shift <= 0, --first-k < 1, a model with
# 1-channel images (written by make_gray_stylegan2), and --inception still required without --factors.
add_executable(make_gray_stylegan2 ${CMAKE_CURRENT_LIST_DIR}/make_gray_stylegan2.cpp)
target_link_libraries(make_gray_stylegan2 PRIVATE lf_nets)
lf_set_warnings(make_gray_stylegan2)
set(gray_model ${out}/gray16.safetensors)
add_test(NAME cli.factors_make_gray_model COMMAND make_gray_stylegan2 ${gray_model})
set_tests_properties(cli.factors_make_gray_model PROPERTIES LABELS cli FIXTURES_SETUP lf_gray_model)

set(_factor_args evaluate --factors -m ${model} -d ${out}/pca.safetensors -d ${out}/sefa.safetensors
                 --images 6 --first-k 3 --batch 6 --seed 3 --json ${out}/factors.json --quiet)
list(JOIN _factor_args "|" _factor_args)
add_test(NAME cli.evaluate_factors
         COMMAND ${CMAKE_COMMAND} -DLFGEN=$<TARGET_FILE:lfgen> "-DARGS=${_factor_args}" -DJSON=${out}/factors.json
                 "-DMETHODS=pca|sefa|random" -DK=3 -P ${CMAKE_CURRENT_LIST_DIR}/factor_table.cmake)
set_tests_properties(cli.evaluate_factors PROPERTIES LABELS cli FIXTURES_REQUIRED lf_pipeline)

lf_cli_case(NAME evaluate_factors_zero_shift EXIT 1 EXPECT "--factor-shift must be a finite number > 0"
            ARGS evaluate --factors -m ${model} -d ${out}/pca.safetensors --factor-shift 0)
lf_cli_case(NAME evaluate_factors_first_k_zero EXIT 1 EXPECT "--first-k must be at least 1"
            ARGS evaluate --factors -m ${model} -d ${out}/pca.safetensors --first-k 0)
lf_cli_case(NAME evaluate_factors_gray_model EXIT 1 EXPECT "--factors needs a model with 3-channel (RGB) images"
            ARGS evaluate --factors -m ${gray_model} -d ${out}/pca.safetensors --images 2)
set_tests_properties(cli.evaluate_factors_gray_model PROPERTIES FIXTURES_REQUIRED lf_gray_model)
lf_cli_case(NAME evaluate_no_inception EXIT 2 EXPECT "--inception is required"
            ARGS evaluate -m ${model} -d ${out}/pca.safetensors --shift-normal 6)

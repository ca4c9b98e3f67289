# fastgan.cmake (included from tests/golden/CMakeLists.txt): the FastGAN forward pass against
#  - the committed golden outputs in fastgan/ (label golden; written by
#    tools/reference/make_fastgan_golden.py, models rebuilt by lf::fastgan_write_random), and
#  - the upstream golden outputs of ../shared/fixtures/fastgan_tiny256 (label fixtures). A ctest
#    fixture setup converts the .pth ('g' weights, tools/convert.py) and unpacks the golden .npz
#    (unpack_npz.py) into ${CMAKE_CURRENT_BINARY_DIR}/fastgan_fixture, handed to the test as
#    LF_FASTGAN_FIXTURE_DIR. Without ../shared/fixtures or a Python with NumPy (LF_PYTHON, from
#    cmake/LfPython.cmake) the setup is not registered and the test skips with a one-line reason.
lf_add_gtest(test_fastgan_golden LABELS golden SOURCES test_fastgan_golden.cpp
             LIBS lf_nets nlohmann_json::nlohmann_json)

set(_fastgan_fixture_src "${PROJECT_SOURCE_DIR}/../shared/fixtures")
set(_fastgan_fixture_dir "${CMAKE_CURRENT_BINARY_DIR}/fastgan_fixture")
set(_fastgan_fixture_props LABELS fixtures)
if(EXISTS "${_fastgan_fixture_src}/fastgan_tiny256.pth" AND EXISTS "${_fastgan_fixture_src}/fastgan_tiny256_golden.npz"
   AND LF_PYTHON)
  file(MAKE_DIRECTORY "${_fastgan_fixture_dir}")
  add_test(NAME fastgan_fixture_convert
           COMMAND "${LF_PYTHON}" "${PROJECT_SOURCE_DIR}/tools/convert.py" fastgan
                   "${_fastgan_fixture_src}/fastgan_tiny256.pth" "${_fastgan_fixture_dir}/fastgan_tiny256.safetensors"
                   --weights g)
  add_test(NAME fastgan_fixture_unpack
           COMMAND "${LF_PYTHON}" "${CMAKE_CURRENT_SOURCE_DIR}/unpack_npz.py"
                   "${_fastgan_fixture_src}/fastgan_tiny256_golden.npz" "${_fastgan_fixture_dir}")
  set_tests_properties(fastgan_fixture_convert fastgan_fixture_unpack PROPERTIES
                       FIXTURES_SETUP lf_fastgan_fixture LABELS fixtures)
  list(APPEND _fastgan_fixture_props FIXTURES_REQUIRED lf_fastgan_fixture
       ENVIRONMENT "LF_FASTGAN_FIXTURE_DIR=${_fastgan_fixture_dir}")
endif()

# As lf_add_gtest (tests/CMakeLists.txt), plus the fixture properties on the discovered tests.
add_executable(test_fastgan_fixture test_fastgan_fixture.cpp)
target_link_libraries(test_fastgan_fixture PRIVATE lf_nets GTest::gtest GTest::gtest_main)
target_compile_definitions(test_fastgan_fixture PRIVATE
  LF_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  LF_BINARY_DIR="${PROJECT_BINARY_DIR}"
  LF_FIXTURES_DIR="${PROJECT_SOURCE_DIR}/../shared/fixtures")
lf_set_warnings(test_fastgan_fixture)
gtest_discover_tests(test_fastgan_fixture DISCOVERY_TIMEOUT 60 PROPERTIES ${_fastgan_fixture_props} TIMEOUT ${LF_GTEST_TIMEOUT})

# Third-party libraries, all from Debian packages (tools/install_deps.sh installs them).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)

# OpenBLAS + LAPACKE
find_package(BLAS REQUIRED)       # honours BLA_VENDOR; Debian's libopenblas-dev provides libblas.so alternatives
find_path(LF_LAPACKE_INCLUDE_DIR lapacke.h PATHS /usr/include /usr/include/x86_64-linux-gnu/openblas-pthread REQUIRED)
find_path(LF_CBLAS_INCLUDE_DIR cblas.h PATHS /usr/include/x86_64-linux-gnu/openblas-pthread /usr/include REQUIRED)
find_library(LF_OPENBLAS_LIBRARY openblas REQUIRED)
find_library(LF_LAPACKE_LIBRARY lapacke REQUIRED)
add_library(lf_blas INTERFACE)
target_include_directories(lf_blas SYSTEM INTERFACE ${LF_CBLAS_INCLUDE_DIR} ${LF_LAPACKE_INCLUDE_DIR})
target_link_libraries(lf_blas INTERFACE ${LF_LAPACKE_LIBRARY} ${LF_OPENBLAS_LIBRARY})

# stb (header-only; the implementation is compiled once in kernels/io/stb_impl.cpp)
find_path(LF_STB_INCLUDE_DIR stb_image_write.h PATHS /usr/include/stb REQUIRED)
add_library(lf_stb INTERFACE)
target_include_directories(lf_stb SYSTEM INTERFACE ${LF_STB_INCLUDE_DIR})

# libgd (animated GIF sweeps in `lfgen edit --gif`)
find_path(LF_GD_INCLUDE_DIR gd.h REQUIRED)
find_library(LF_GD_LIBRARY gd REQUIRED)
add_library(lf_gd INTERFACE)
target_include_directories(lf_gd SYSTEM INTERFACE ${LF_GD_INCLUDE_DIR})
target_link_libraries(lf_gd INTERFACE ${LF_GD_LIBRARY})

# libxxhash (XXH3-128 fingerprints of sample files in directions metadata)
pkg_check_modules(LF_XXHASH REQUIRED IMPORTED_TARGET libxxhash)

if(LF_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(LF_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

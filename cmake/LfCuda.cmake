# CUDA detection. LF_CUDA=AUTO enables CUDA when nvcc is found, ON requires it
# (clear configure error otherwise), OFF never uses it. Sets LF_WITH_CUDA.
set(LF_CUDA AUTO CACHE STRING "Build the CUDA backend: AUTO, ON or OFF")
set_property(CACHE LF_CUDA PROPERTY STRINGS AUTO ON OFF)

# Default architectures: 80 = A100 (Ampere), 90 = H100 (Hopper). Override with
# -DCMAKE_CUDA_ARCHITECTURES=... (or "native" on a machine with a GPU).
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES "80;90" CACHE STRING "CUDA architectures")
endif()

set(LF_WITH_CUDA OFF)
if(NOT LF_CUDA STREQUAL "OFF")
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    enable_language(CUDA)
    find_package(CUDAToolkit REQUIRED)
    set(LF_WITH_CUDA ON)
  elseif(LF_CUDA STREQUAL "ON")
    message(FATAL_ERROR "LF_CUDA=ON but no CUDA compiler (nvcc) was found. Install the CUDA "
                        "toolkit, put nvcc on PATH (or set CMAKE_CUDA_COMPILER), or use -DLF_CUDA=OFF.")
  endif()
endif()

if(LF_WITH_CUDA)
  # CMake 3.25 predates nvcc 13's C++20 support: tell it the dialect flag.
  if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
  set(CMAKE_CUDA_STANDARD 20)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  find_library(LF_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR} /usr/lib/x86_64-linux-gnu)
  find_path(LF_CUDNN_INCLUDE_DIR cudnn.h HINTS ${CUDAToolkit_INCLUDE_DIRS} /usr/include /usr/include/x86_64-linux-gnu)
  if(LF_CUDNN_LIBRARY AND LF_CUDNN_INCLUDE_DIR)
    set(LF_HAVE_CUDNN ON)
    message(STATUS "latentfactor: cuDNN found (benchmark baselines only): ${LF_CUDNN_LIBRARY}")
  else()
    set(LF_HAVE_CUDNN OFF)
    message(STATUS "latentfactor: cuDNN not found; cuDNN benchmark baselines are skipped")
  endif()
  message(STATUS "latentfactor: CUDA backend ON (${CMAKE_CUDA_COMPILER_VERSION}), architectures ${CMAKE_CUDA_ARCHITECTURES}")
else()
  message(STATUS "latentfactor: CUDA backend OFF (LF_CUDA=${LF_CUDA})")
endif()

# Flags every .cu file gets.
function(lf_cuda_flags target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CUDA>:-lineinfo -Xptxas=--warn-on-spills --expt-relaxed-constexpr>)
endfunction()

# npz.cmake (included by kernels/CMakeLists.txt): .npz archives (kernels/io/npz.*) through libzip
# (Debian libzip-dev, found with pkg-config; tools/install_deps.sh installs it).
pkg_check_modules(LF_LIBZIP REQUIRED IMPORTED_TARGET libzip)
target_sources(lf_kernels PRIVATE ${CMAKE_CURRENT_LIST_DIR}/npz.cpp)
target_link_libraries(lf_kernels PRIVATE PkgConfig::LF_LIBZIP)

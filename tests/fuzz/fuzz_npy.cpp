// fuzz_npy.cpp: libFuzzer target for the .npy parser. Any input must either parse or throw a
// one-line lf::Error; a parsed tensor must hold exactly the bytes after the header.
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "kernels/io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const lf::Tensor t = lf::npy::parse(data, size, "fuzz.npy");
        if (t.nbytes() > size) std::abort();
        if (t.nbytes() > 0 && std::memcmp(t.raw_data(), data + size - t.nbytes(), t.nbytes()) != 0) std::abort();
    } catch (const lf::Error& e) {
        if (std::strchr(e.what(), '\n') != nullptr) std::abort();
    }
    return 0;
}

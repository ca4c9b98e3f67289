// fuzz_safetensors.cpp: libFuzzer target for the safetensors parser. Any input must either parse
// or throw a one-line lf::Error; a parsed file must yield every tensor with the declared byte size,
// and re-serializing it must give a file that parses to the same tensors (any error there aborts).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weights/safetensors.h"

namespace {

using Named = std::vector<std::pair<std::string, lf::Tensor>>;

void round_trip(const Named& tensors, const std::map<std::string, std::string>& metadata) {
    auto bytes = std::make_shared<const std::vector<std::uint8_t>>(lf::serialize_safetensors(tensors, metadata));
    const lf::SafetensorsFile g = lf::SafetensorsFile::from_bytes(bytes, "roundtrip.safetensors");
    if (g.metadata() != metadata || g.entries().size() != tensors.size()) std::abort();
    for (const auto& [name, t] : tensors) {
        const lf::Tensor u = g.get(name);
        if (u.shape() != t.shape() || u.dtype() != t.dtype() || u.nbytes() != t.nbytes()) std::abort();
        if (t.nbytes() > 0 && std::memcmp(u.raw_data(), t.raw_data(), t.nbytes()) != 0) std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto bytes = std::make_shared<const std::vector<std::uint8_t>>(data, data + size);
    std::optional<lf::SafetensorsFile> f;
    try {
        f.emplace(lf::SafetensorsFile::from_bytes(bytes, "fuzz.safetensors"));
    } catch (const lf::Error& e) {
        if (std::strchr(e.what(), '\n') != nullptr) std::abort();  // messages are one line
        return 0;
    }
    try {
        Named tensors;
        volatile unsigned sum = 0;
        for (const lf::SafetensorsEntry& e : f->entries()) {
            lf::Tensor t = f->get(e.name);
            if (t.nbytes() != e.end - e.begin || t.shape() != e.shape || t.dtype() != e.dtype) std::abort();
            const auto* p = static_cast<const std::uint8_t*>(t.raw_data());
            for (std::size_t i = 0; i < t.nbytes(); ++i) sum = sum + p[i];  // ASan checks every byte
            tensors.emplace_back(e.name, std::move(t));
        }
        round_trip(tensors, f->metadata());
    } catch (const lf::Error& e) {
        std::fprintf(stderr, "accepted file failed later: %s\n", e.what());
        std::abort();
    }
    return 0;
}

// dtype.h: element types a Tensor can hold, their sizes and their names in the file formats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace lf {

enum class DType : std::uint8_t { F32, F16, F64, I64 };

constexpr std::size_t dtype_size(DType t) {
    switch (t) {
        case DType::F32: return 4;
        case DType::F16: return 2;
        case DType::F64: return 8;
        case DType::I64: return 8;
    }
    return 0;
}

// Short names used in messages and by `lfgen info` ("f32", "f16", ...).
constexpr std::string_view dtype_name(DType t) {
    switch (t) {
        case DType::F32: return "f32";
        case DType::F16: return "f16";
        case DType::F64: return "f64";
        case DType::I64: return "i64";
    }
    return "?";
}

// safetensors dtype strings ("F32", "F16", "F64", "I64").
constexpr std::string_view dtype_safetensors_name(DType t) {
    switch (t) {
        case DType::F32: return "F32";
        case DType::F16: return "F16";
        case DType::F64: return "F64";
        case DType::I64: return "I64";
    }
    return "?";
}

constexpr std::optional<DType> dtype_from_safetensors_name(std::string_view s) {
    if (s == "F32") return DType::F32;
    if (s == "F16") return DType::F16;
    if (s == "F64") return DType::F64;
    if (s == "I64") return DType::I64;
    return std::nullopt;
}

template <typename T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::F64; };
template <> struct DTypeOf<std::int64_t> { static constexpr DType value = DType::I64; };

}  // namespace lf

// directions_file.h: the directions file (docs/directions-format.md): a safetensors file with one
// unit direction per row plus per-direction scales, the mean and method-specific extras, and
// metadata naming the method, space, sample count, seed and source hash.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kernels/core/tensor.h"

namespace lf {

inline constexpr const char* kDirectionsFormat = "latentfactor-directions";
inline constexpr const char* kDirectionsFormatVersion = "1";

struct DirectionsFile {
    std::vector<std::pair<std::string, Tensor>> tensors;  // "directions" [k, d] f32 first
    std::map<std::string, std::string> metadata;          // format, format_version, method, ...
};

// f32 / f64 host tensors from float64 values.
Tensor tensor_f32(const std::vector<double>& values, Shape shape);
Tensor tensor_f64(const std::vector<double>& values, Shape shape);

// Writes the file; checks that "directions" exists, is [k, d] f32 with unit rows (|norm - 1| < 1e-4)
// and that the metadata has format, format_version and method.
void write_directions(const std::string& path, const DirectionsFile& file);

// SHA-256 of a file's bytes as 64 lowercase hex digits (model identities without a converter's
// source_sha256).
std::string sha256_file(const std::string& path);

// Content fingerprint of a sample or latent file (the `source` / `latents_source` metadata of
// --data / --latents): "xxh3-128:" and the 32 hex digits `xxhsum -H2 FILE` prints (XXH3 128-bit,
// canonical form; libxxhash). Not cryptographic, but it identifies a file for provenance at memory
// speed: SHA-256 of a 655 MB sample matrix costs ~0.5 s of CPU, XXH3 ~0.03 s.
std::string file_fingerprint(const std::string& path);

}  // namespace lf

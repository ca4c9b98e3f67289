// npy.h: reader and writer for NumPy .npy files (latents, W+, images, features).
//
// Supported: dtypes '<f4' (f32), '<f8' (f64), '<i8' (i64) and '<f2' (f16), C order,
// little-endian, format versions 1.0, 2.0 and 3.0. Everything else (big-endian, Fortran order,
// object or structured arrays, other dtypes, malformed headers, truncated or over-long data) is
// refused with a one-line lf::Error "<file>: <problem>". The header dict is parsed strictly: it
// must hold exactly the keys 'descr', 'fortran_order' and 'shape' (any order, each once).
//
// save() writes version 1.0 (2.0 only if the header would not fit in 65535 bytes) with the header
// padded with spaces so the data starts at a multiple of 64 bytes, byte-identical to numpy.save.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernels/core/tensor.h"

namespace lf::npy {

// Reads a whole .npy file into an owning host tensor. Errors name `path`.
Tensor load(const std::string& path);

// Reads a .npy image of `size` bytes from a stream (e.g. an archive member) straight into the
// tensor: the prefix and header first, then the data. read_exact(dst, n) must deliver exactly n
// bytes or throw. Errors are "<what>: <problem>", as parse().
Tensor read_sequential(std::size_t size, const std::function<void(void*, std::size_t)>& read_exact,
                       const std::string& what);

// The same tensor as load(), backed by a private (copy-on-write) memory map of the file instead
// of a copy: a 655 MB sample matrix costs no read copy and no zero-filled fresh pages. Falls back
// to load() where mapping does not apply (empty data, misaligned data, no mmap).
Tensor map(const std::string& path);

// Parses an in-memory .npy image into an owning host tensor (the bytes are copied). Errors are
// "<what>: <problem>". Never reads outside [data, data + size) and never allocates more than
// `size` bytes for the tensor.
Tensor parse(const std::uint8_t* data, std::size_t size, const std::string& what);

// Writes a host tensor (f32, f64, i64 or f16). Throws lf::Error for a device tensor or when the
// file cannot be written.
void save(const std::string& path, const Tensor& t);

// The bytes save() writes, in memory (for .npz members). Throws lf::Error("<what>: ...") for a
// device or undefined tensor.
std::vector<std::uint8_t> serialize(const Tensor& t, const std::string& what);

}  // namespace lf::npy

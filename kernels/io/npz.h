// npz.h: NumPy .npz archives (zip files of .npy members, as np.savez / np.savez_compressed write
// them), read and written through libzip; the members go through lf::npy (parse / serialize), so
// the same dtypes are supported (f32, f64, i64, f16) and everything else is refused with one line.
// Used for FID statistics files ('mu' [d] and 'sigma' [d, d], float64, pytorch-fid compatible).
//
// Reading: stored and deflated members; names without the ".npy" suffix. Each member is
// decompressed into memory that grows only as data actually arrives (never sized from a header
// field), up to kNpzMaxMemberBytes, and must match its declared size and CRC. Writing: like
// np.savez (stored, the default) or np.savez_compressed (deflate); libzip writes a temporary file
// and renames it over `path`, so a failed save never leaves a truncated archive behind.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/core/tensor.h"

namespace lf::npz {

inline constexpr std::uint64_t kNpzMaxMemberBytes = 16ull << 30;

// Every array of the archive, in archive order. Errors: "<path>: <problem>" (naming the member).
std::vector<std::pair<std::string, Tensor>> load(const std::string& path);

// Writes host tensors as <name>.npy members; names must be unique and non-empty.
void save(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& arrays,
          bool compress = false);

}  // namespace lf::npz

// cli_common.h: helpers shared by lfgen commands: integer range lists ("0-7", "1,4,9-12"), NumPy-
// compatible latents from seeds, device resolution for commands, and small output helpers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/core/device.h"
#include "kernels/core/tensor.h"

namespace lf::cli {

// "0-7" -> 0..7 inclusive; "1,4,9-12" -> 1,4,9,10,11,12. Throws lf::Error naming `flag` on bad input.
std::vector<std::int64_t> parse_int_list(const std::string& text, const std::string& flag, std::int64_t min_value,
                                         std::int64_t max_value);

// z [N, z_dim] float64 with row i = np.random.RandomState(seeds[i]).randn(1, z_dim).
Tensor latents_from_seeds(const std::vector<std::int64_t>& seeds, int z_dim);

// Resolves --device for a command; commands whose CUDA path is not built yet pass
// cuda_supported = false: `auto` then takes the CPU (with a notice when a GPU was present) and an
// explicit cuda[:N] is an lf::Error.
Device resolve_command_device(const std::string& spec, bool cuda_supported, const std::string& command);

// Notices ("lfgen: notice: ...") are collected here and printed to stderr after a command
// succeeds, so a failing command prints exactly one line: its error.
std::ostream& notices();
void flush_notices();

// Rows [begin, end) of a tensor's first dimension, copied into a new host tensor.
Tensor slice_rows(const Tensor& t, std::int64_t begin, std::int64_t end);

}  // namespace lf::cli

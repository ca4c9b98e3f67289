// cli_common.cpp: see cli_common.h.
#include "tools/lfgen/cli_common.h"

#include <charconv>
#include <cstring>
#include <iostream>
#include <sstream>

#include "kernels/core/error.h"
#include "kernels/core/numpy_random.h"
#include "tools/lfgen/commands.h"

namespace lf::cli {
namespace {

std::int64_t parse_int(std::string_view s, const std::string& flag, const std::string& whole) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    LF_CHECK(!s.empty() && ec == std::errc() && end == s.data() + s.size(), flag, ": '", whole,
             "' is not a list of integers or ranges like 0-7,9");
    return v;
}

}  // namespace

std::vector<std::int64_t> parse_int_list(const std::string& text, const std::string& flag, std::int64_t min_value,
                                         std::int64_t max_value) {
    std::vector<std::int64_t> out;
    std::string_view rest = text;
    LF_CHECK(!rest.empty(), flag, ": empty list");
    while (true) {
        const std::size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        const std::size_t dash = item.find('-', 1);  // a leading '-' is a sign
        std::int64_t a = 0, b = 0;
        if (dash == std::string_view::npos) {
            a = b = parse_int(item, flag, text);
        } else {
            a = parse_int(item.substr(0, dash), flag, text);
            b = parse_int(item.substr(dash + 1), flag, text);
            LF_CHECK(a <= b, flag, ": range ", a, "-", b, " is empty (start > end)");
        }
        LF_CHECK(a >= min_value && b <= max_value, flag, ": ", (a < min_value ? a : b), " is out of range [", min_value,
                 ", ", max_value, "]");
        LF_CHECK(b - a < 10'000'000 && out.size() + (b - a) < 10'000'000, flag, ": list too long");
        for (std::int64_t v = a; v <= b; ++v) out.push_back(v);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    return out;
}

Tensor latents_from_seeds(const std::vector<std::int64_t>& seeds, int z_dim) {
    Tensor z = Tensor::empty({static_cast<std::int64_t>(seeds.size()), z_dim}, DType::F64);  // [N, z_dim]
    for (std::size_t i = 0; i < seeds.size(); ++i) {
        NumpyRandomState rs(static_cast<std::uint32_t>(seeds[i]));
        const std::vector<double> row = rs.randn(static_cast<std::size_t>(z_dim));
        std::memcpy(z.data<double>() + i * z_dim, row.data(), row.size() * sizeof(double));
    }
    return z;
}

std::ostream& notices() {
    static std::ostringstream buffer;
    return buffer;
}

void flush_notices() {
    auto& buffer = static_cast<std::ostringstream&>(notices());
    std::cerr << buffer.str();
    buffer.str("");
}

CLI::Option* add_device_option(CLI::App& cmd, std::string& spec) {
    return cmd.add_option("--device", spec, "auto | cpu | cuda | cuda:N (auto: CUDA when a device exists)")
        ->default_val("auto");
}

Device resolve_command_device(const std::string& spec, bool cuda_supported, const std::string& command) {
    const DeviceSpec parsed = parse_device_spec(spec);
    if (!cuda_supported) {
        if (parsed.is_auto) {
            if (cuda_device_count() > 0)
                notices() << "lfgen: notice: `" << command << "` has no CUDA path yet, running on the CPU\n";
            return Device::cpu();
        }
        LF_CHECK(parsed.device.is_cpu(), "--device ", spec, ": `", command,
                 "` has no CUDA path yet; use --device cpu or auto");
        return Device::cpu();
    }
    return resolve_device(parsed, &notices());
}

Tensor slice_rows(const Tensor& t, std::int64_t begin, std::int64_t end) {
    LF_ASSERT(t.device().is_cpu() && begin >= 0 && begin <= end && end <= t.dim(0));
    Shape shape = t.shape();
    shape[0] = end - begin;
    Tensor out = Tensor::empty(shape, t.dtype());
    const std::size_t row_bytes = t.numel() == 0 ? 0 : t.nbytes() / static_cast<std::size_t>(t.dim(0));
    std::memcpy(out.raw_data(), static_cast<const char*>(t.raw_data()) + begin * row_bytes, out.nbytes());
    return out;
}

}  // namespace lf::cli

// sample_features.cpp: see sample_features.h.
#include "tools/lfgen/sample_features.h"

#include <algorithm>
#include <cstring>

#include "kernels/core/device_memory.h"
#include "kernels/core/numpy_random.h"
#include "tools/lfgen/cli_common.h"
#include "tools/lfgen/progress.h"

namespace lf::cli {

std::string default_layer(const Generator& g) { return g.kind() == GeneratorKind::StyleGan2 ? "w" : "init"; }

std::vector<std::string> available_layers(const Generator& g) {
    std::vector<std::string> names = {"z"};
    if (g.kind() == GeneratorKind::StyleGan2) {
        names.push_back("w");
        for (int r : g.stylegan2().config().block_resolutions) {
            const std::string b = str_cat("b", r);
            names.push_back(b);
            if (r > 4) names.push_back(b + ".conv0.styles");
            names.push_back(b + ".conv1.styles");
        }
    } else {
        names.push_back("init");
        for (int r = 8; r <= g.fastgan().config().im_size; r *= 2) names.push_back(str_cat("feat_", r));
    }
    return names;
}

SampledFeatures sample_features(const Generator& g, const std::string& layer, std::int64_t n, std::uint32_t seed,
                                int batch, const RenderOptions& ro, bool progress) {
    const std::vector<std::string> names = available_layers(g);
    if (std::find(names.begin(), names.end(), layer) == names.end()) {
        std::string list;
        for (const auto& s : names) list += (list.empty() ? "" : ", ") + s;
        fail("--layer: unknown tap '", layer, "' for ", g.summary(), " (available: ", list, ")");
    }
    LF_CHECK(n >= 1, "-n must be at least 1");
    LF_CHECK(batch >= 1, "--batch must be at least 1");
    SampledFeatures out;
    out.layer = layer;
    const int zd = g.z_dim();
    out.z = Tensor::empty({n, zd}, DType::F64);  // [N, z_dim]
    NumpyRandomState rs(seed);
    for (std::int64_t i = 0; i < n * zd; ++i) out.z.data<double>()[i] = rs.standard_normal();
    if (layer == "z") {
        Tensor x = Tensor::empty({n, zd}, DType::F32);  // [N, z_dim]
        for (std::int64_t i = 0; i < n * zd; ++i) x.data<float>()[i] = static_cast<float>(out.z.data<double>()[i]);
        out.x = g.device().is_cpu() ? std::move(x) : x.to(g.device(), g.stream());
        return out;
    }
    std::int64_t d = -1;
    std::int64_t row = 0;
    // Copies the captured tap of this batch into rows [row, row + b) of x (on the tap's device),
    // allocating x on first use.
    TapSink sink = [&](const std::string& name, const Tensor& value) {
        if (name != layer) return;
        const std::int64_t b = value.dim(0);
        if (d < 0) {
            d = value.numel() / b;
            out.x = Tensor::empty({n, d}, DType::F32, value.device(), g.stream());  // [N, d]
        }
        LF_ASSERT(value.numel() == b * d && value.dtype() == DType::F32 && value.device() == out.x.device());
        copy_bytes(out.x.data<float>() + row * d, out.x.device(), value.data<float>(), value.device(),
                   value.nbytes(), g.stream());  // ordered after the forward pass that wrote the tap
    };
    const bool needs_synthesis = g.kind() == GeneratorKind::FastGan || layer != "w";
    Progress bar("sample " + layer, n, progress);
    for (std::int64_t b0 = 0; b0 < n; b0 += batch) {
        const std::int64_t b1 = std::min<std::int64_t>(n, b0 + batch);
        bar.update(b0);
        row = b0;
        const Tensor zb = slice_rows(out.z, b0, b1);
        if (g.kind() == GeneratorKind::StyleGan2) {
            const StyleGan2& sg = g.stylegan2();
            const Tensor ws = sg.mapping(zb, nullptr, 1.0f, -1, &sink);
            if (needs_synthesis) {
                SynthesisOptions so;
                so.noise = ro.noise;
                so.sample_offset = static_cast<std::uint32_t>(b0);
                sg.synthesis(ws, so, &sink);
            }
        } else {
            FastGanOptions fo = ro.fastgan;
            fo.sample_offset = static_cast<std::uint32_t>(b0);
            g.fastgan().forward(zb, fo, &sink);
        }
    }
    bar.update(n);
    LF_ASSERT(d > 0, "tap ", layer, " was never produced");
    return out;
}

}  // namespace lf::cli

// sefa.cpp: see sefa.h.
#include "linalg/sefa.h"

#include <cblas.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "kernels/core/error.h"
#include "linalg/eigh.h"

namespace lf {

std::vector<int> sefa_parse_layers(const std::string& spec, int num_ws) {
    LF_CHECK(num_ws >= 1, "--layers: the model has no layers");
    std::vector<int> out;
    if (spec == "all") {
        for (int i = 0; i < num_ws; ++i) out.push_back(i);
        return out;
    }
    LF_CHECK(!spec.empty(), "--layers: empty layer list (use 'all' or e.g. 0-7)");
    auto parse = [&](std::string_view s) {
        int v = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        LF_CHECK(!s.empty() && ec == std::errc() && end == s.data() + s.size(), "--layers: '", spec,
                 "' is not 'all' or a list of layer indices and ranges like 0-7 or 1,3,6-9");
        LF_CHECK(v >= 0 && v < num_ws, "--layers: layer ", v, " is out of range: the model has layers 0-",
                 num_ws - 1);
        return v;
    };
    std::string_view rest = spec;
    while (true) {
        const std::size_t comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        const std::size_t dash = item.find('-');
        if (dash == std::string_view::npos) {
            out.push_back(parse(item));
        } else {
            const int a = parse(item.substr(0, dash)), b = parse(item.substr(dash + 1));
            LF_CHECK(a <= b, "--layers: range ", a, "-", b, " is empty (start > end)");
            for (int i = a; i <= b; ++i) out.push_back(i);
        }
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string sefa_layer_tensor(const StyleGan2Config& config, int layer) {
    const int num_ws = config.num_ws;
    LF_CHECK(layer >= 0 && layer < num_ws, "SeFa: layer ", layer, " is out of range [0, ", num_ws, ")");
    if (layer == num_ws - 1) return str_cat("synthesis.b", config.img_resolution, ".torgb.affine.weight");
    if (layer == 0) return "synthesis.b4.conv1.affine.weight";
    const int b = (layer + 1) / 2;  // 2b-1 -> conv0, 2b -> conv1
    const int res = 4 << b;
    return str_cat("synthesis.b", res, layer % 2 == 1 ? ".conv0" : ".conv1", ".affine.weight");
}

SefaResult sefa_factorize(const std::vector<Tensor>& weights) {
    LF_CHECK(!weights.empty(), "SeFa: no layers selected");
    SefaResult r;
    r.w_dim = static_cast<int>(weights[0].dim(-1));
    const int w = r.w_dim;
    LF_CHECK(w >= 1, "SeFa: w_dim must be at least 1");
    std::int64_t rows = 0;
    for (const Tensor& t : weights) {
        LF_CHECK(t.rank() == 2 && t.dim(1) == w, "SeFa: affine weight of shape ", shape_to_string(t.shape()),
                 " does not match w_dim ", w);
        LF_CHECK(t.dtype() == DType::F32 || t.dtype() == DType::F64,
                 "SeFa: affine weights must be f32 or f64");
        rows += t.dim(0);
    }
    r.rows = rows;
    std::vector<double> stacked(static_cast<std::size_t>(rows) * w);
    std::int64_t at = 0;
    for (const Tensor& t : weights) {
        for (std::int64_t i = 0; i < t.dim(0); ++i, ++at) {
            double* dst = stacked.data() + at * w;
            for (int j = 0; j < w; ++j)
                dst[j] = t.dtype() == DType::F32 ? t.data<float>()[i * w + j] : t.data<double>()[i * w + j];
            double s = 0.0;
            for (int j = 0; j < w; ++j) s += dst[j] * dst[j];
            s = std::sqrt(s);
            LF_CHECK(s > 0 && std::isfinite(s), "SeFa: affine weight row ", i, " is zero or not finite");
            for (int j = 0; j < w; ++j) dst[j] /= s;
        }
    }
    r.gram.assign(static_cast<std::size_t>(w) * w, 0.0);
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, w, static_cast<int>(rows), 1.0, stacked.data(), w, 0.0,
                r.gram.data(), w);
    for (int i = 0; i < w; ++i)
        for (int j = 0; j < i; ++j) r.gram[i * w + j] = r.gram[j * w + i];
    EighResult e = eigh_descending(r.gram.data(), w, w);
    r.directions = std::move(e.vectors);
    r.eigenvalues = std::move(e.values);
    return r;
}

SefaResult sefa(const StyleGan2& model, const std::vector<int>& layers) {
    std::vector<Tensor> weights;
    std::vector<std::string> names;
    for (int l : layers) {
        names.push_back(sefa_layer_tensor(model.config(), l));
        const auto it = model.tensors().find(names.back());
        LF_CHECK(it != model.tensors().end(), "SeFa: the model has no tensor '", names.back(), "' (layer ", l,
                 ")");
        weights.push_back(it->second);
    }
    SefaResult r = sefa_factorize(weights);
    r.layers = layers;
    r.tensor_names = std::move(names);
    return r;
}

}  // namespace lf

// edit_directions.cpp: see edit_directions.h.
#include "tools/lfgen/edit_directions.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "tools/lfgen/cli_common.h"
#include "weights/safetensors.h"

namespace lf::cli {
namespace {

std::string meta(const std::map<std::string, std::string>& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? std::string() : it->second;
}

}  // namespace

EditDirections EditDirections::load(const std::string& path, const Generator& g) {
    const SafetensorsFile f = SafetensorsFile::open(path);
    const auto& md = f.metadata();
    LF_CHECK(f.contains("directions"), path, ": not a directions file (no 'directions' tensor)");
    EditDirections d;
    d.path_ = path;
    d.method_ = meta(md, "method");
    const Tensor dirs = f.get("directions");
    LF_CHECK(dirs.rank() == 2 && (dirs.dtype() == DType::F32 || dirs.dtype() == DType::F64) && dirs.dim(0) > 0,
             path, ": 'directions' must be a non-empty [k, d] float matrix, got ", shape_to_string(dirs.shape()));
    // A file made from a model records that model's identity; refuse it for another model.
    std::string recorded = meta(md, "model_sha256");
    if (recorded.empty() && d.method_ == "sefa") recorded = meta(md, "source");
    LF_CHECK(recorded.empty() || recorded == g.identity(), path, ": directions were computed for another model (",
             recorded.substr(0, 12), "...), not ", g.summary(), " (", g.identity().substr(0, 12), "...)");
    const std::string space = meta(md, "space");
    const std::int64_t k = dirs.dim(0);
    auto read_scales = [&](const char* name) {
        std::vector<float> s(static_cast<std::size_t>(k), 1.0f);
        if (f.contains(name)) {
            const Tensor t = to_float32(f.get(name));
            LF_CHECK(t.numel() == k, path, ": '", name, "' has ", t.numel(), " values for ", k, " directions");
            std::copy(t.data<float>(), t.data<float>() + k, s.begin());
        }
        return s;
    };
    if (f.contains("latent_directions")) {
        // Feature-layer factorization: edits move z along the least-squares latent rows, in raw
        // units unless the file records latent stdevs (GANSpace's lat_stdev is 1 for z).
        const Tensor lat = f.get("latent_directions");
        LF_CHECK(lat.rank() == 2 && lat.dim(0) == k, path, ": 'latent_directions' must be [", k, ", z_dim], got ",
                 shape_to_string(lat.shape()));
        LF_CHECK(lat.dim(1) == g.z_dim(), path, ": latent directions have z_dim ", lat.dim(1), " but the model has z_dim ",
                 g.z_dim(), " (directions from another model?)");
        d.rows_ = to_float32(lat);
        d.space_ = EditSpace::Z;
        d.scales_ = read_scales("latent_scales");
    } else {
        const std::int64_t dim = dirs.dim(1);
        if (g.has_w() && dim == g.w_dim() && space != "z") {
            d.space_ = EditSpace::W;
        } else if (dim == g.z_dim() && (space == "z" || space == "data" || space.empty() || !g.has_w())) {
            d.space_ = EditSpace::Z;
        } else {
            fail(path, ": directions have d = ", dim, " (space '", space, "') but this model has ",
                 g.has_w() ? str_cat("w_dim ", g.w_dim(), " and ") : std::string(), "z_dim ", g.z_dim(),
                 " (directions from another model, or a feature layer without latent_directions?)");
        }
        d.rows_ = to_float32(dirs);
        d.scales_ = read_scales("scales");
    }
    if (const std::string layers = meta(md, "layers"); !layers.empty()) {
        for (std::int64_t v : parse_int_list(layers, path + " metadata 'layers'", 0, 1 << 20))
            d.file_layers_.push_back(static_cast<int>(v));
    }
    return d;
}

std::string EditDirections::describe() const {
    return str_cat(method_.empty() ? std::string("directions") : method_, " directions in ",
                   space_ == EditSpace::W ? "W" : "z", " from ", path_);
}

LayerRange EditDirections::layer_range(const std::string& spec, const Generator& g) const {
    LayerRange r;
    if (space_ == EditSpace::Z) {
        LF_CHECK(spec.empty() || spec == "all", "--layers applies to W-space directions; these move z");
        return r;
    }
    const int num_ws = g.num_ws();
    if (spec.empty() && !file_layers_.empty()) {
        for (int l : file_layers_)
            LF_CHECK(l >= 0 && l < num_ws, path_, ": factorized layer ", l, " is out of range for a model with ", num_ws,
                     " ws");
        r.indices = file_layers_;
        return r;
    }
    if (spec.empty() || spec == "all") {
        for (int l = 0; l < num_ws; ++l) r.indices.push_back(l);
        return r;
    }
    const std::size_t dash = spec.find('-');
    int a = 0, b = 0;
    auto num = [&](std::string_view s, int& v) {
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        return !s.empty() && ec == std::errc() && end == s.data() + s.size();
    };
    bool ok;
    if (dash == std::string::npos) {
        ok = num(spec, a);
        b = a + 1;
    } else {
        ok = num(std::string_view(spec).substr(0, dash), a) && num(std::string_view(spec).substr(dash + 1), b);
    }
    LF_CHECK(ok, "--layers: '", spec, "' is not START-END (end exclusive), a single index or all");
    LF_CHECK(a >= 0 && b <= num_ws && a < b, "--layers ", spec, " is out of bounds: the model has ", num_ws,
             " ws (0..", num_ws - 1, "), and the end is exclusive (0-", num_ws, " is every layer)");
    for (int l = a; l < b; ++l) r.indices.push_back(l);
    return r;
}

std::vector<double> parse_alphas(const std::string& text) {
    std::vector<double> out;
    auto parse = [&](const std::string& s) {
        std::size_t used = 0;
        double v = 0;
        try {
            v = std::stod(s, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        LF_CHECK(used == s.size() && !s.empty() && std::isfinite(v), "--alphas: '", text,
                 "' is not START:STOP:COUNT or a comma list of numbers");
        return v;
    };
    if (text.find(':') != std::string::npos) {
        std::vector<std::string> parts;
        std::stringstream ss(text);
        for (std::string p; std::getline(ss, p, ':');) parts.push_back(p);
        LF_CHECK(parts.size() == 3, "--alphas: '", text, "' is not START:STOP:COUNT");
        const double a = parse(parts[0]), b = parse(parts[1]), n = parse(parts[2]);
        LF_CHECK(n >= 1 && n <= 1000 && n == std::floor(n), "--alphas: COUNT must be an integer in 1..1000");
        for (int i = 0; i < static_cast<int>(n); ++i) out.push_back(n == 1 ? a : a + (b - a) * i / (n - 1));
        return out;
    }
    std::stringstream ss(text);
    for (std::string p; std::getline(ss, p, ',');) out.push_back(parse(p));
    LF_CHECK(!out.empty() && out.size() <= 1000, "--alphas: give 1..1000 values");
    return out;
}

EditUnits parse_units(const std::string& text, const EditDirections& d) {
    if (text == "raw") return EditUnits::Raw;
    if (text == "stdev") return EditUnits::Stdev;
    LF_CHECK(text == "auto", "--units: '", text, "' is not one of raw, stdev, auto");
    return d.method() == "sefa" ? EditUnits::Raw : EditUnits::Stdev;
}

Tensor render_edit_row(const Generator& g, const EditDirections& d, const Tensor& z, std::int64_t k,
                       const std::vector<double>& alphas, EditUnits units, const LayerRange& layers, float trunc,
                       int trunc_cutoff, const RenderOptions& ro, std::uint32_t noise_offset) {
    const std::int64_t n = static_cast<std::int64_t>(alphas.size());
    const float s = units == EditUnits::Stdev ? d.scale(k) : 1.0f;
    const float* u = d.row(k);
    // With random noise every image of a row shares its seed's noise: render one image at a time.
    auto render = [&](const Tensor& lat, bool is_ws) {
        const bool per_image = (g.has_w() && ro.noise == NoiseMode::Random) ||
                               (!g.has_w() && ro.fastgan.noise == FastGanNoise::Random);
        if (!per_image) return is_ws ? g.render_ws(lat, ro, noise_offset) : g.render_z(lat, ro, noise_offset);
        Tensor out;
        for (std::int64_t i = 0; i < n; ++i) {
            const Tensor one = slice_rows(lat, i, i + 1);
            const Tensor img = is_ws ? g.render_ws(one, ro, noise_offset) : g.render_z(one, ro, noise_offset);
            if (i == 0) out = Tensor::empty({n, img.dim(1), img.dim(2), img.dim(3)}, DType::F32);
            std::copy(img.data<float>(), img.data<float>() + img.numel(), out.data<float>() + i * img.numel());
        }
        return out;
    };
    if (d.space() == EditSpace::W) {
        const Tensor ws0 = g.mapping(z, trunc, trunc_cutoff);  // [1, num_ws, w_dim]
        const std::int64_t num_ws = ws0.dim(1), w_dim = ws0.dim(2);
        Tensor ws = Tensor::empty({n, num_ws, w_dim}, DType::F32);
        for (std::int64_t i = 0; i < n; ++i) {
            float* wi = ws.data<float>() + i * num_ws * w_dim;
            std::copy(ws0.data<float>(), ws0.data<float>() + num_ws * w_dim, wi);
            const float step = static_cast<float>(alphas[i]) * s;
            for (int l : layers.indices)
                for (std::int64_t j = 0; j < w_dim; ++j) wi[l * w_dim + j] += step * u[j];
        }
        return render(ws, true);
    }
    const std::int64_t zd = z.dim(1);
    Tensor zs = Tensor::empty({n, zd}, DType::F64);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < zd; ++j)
            zs.data<double>()[i * zd + j] = z.data<double>()[j] + alphas[i] * static_cast<double>(s) * u[j];
    if (g.has_w()) return render(g.mapping(zs, trunc, trunc_cutoff), true);
    return render(zs, false);
}

}  // namespace lf::cli

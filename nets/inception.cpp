// inception.cpp: the FID InceptionV3 (see inception.h): architecture table, weight loading with BN
// folding, and the forward pass over an InceptionBackend.
#include "nets/inception.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_map>

#include "kernels/core/error.h"
#include "kernels/core/nvtx_range.h"

namespace lf {
namespace {

// Geometry of one BasicConv2d: (name, in, out, kh, kw, stride, pad_h, pad_w).
struct ConvSpec {
    std::string name;
    int in, out, kh, kw, stride, pad_h, pad_w;
};

std::vector<ConvSpec> architecture() {
    std::vector<ConvSpec> s;
    auto conv = [&](const std::string& name, int in, int out, int kh, int kw, int stride = 1, int ph = 0,
                    int pw = 0) {
        s.push_back({name, in, out, kh, kw, stride, ph, pw});
    };
    auto block_a = [&](const std::string& p, int in, int pool) {
        conv(p + ".branch1x1", in, 64, 1, 1);
        conv(p + ".branch5x5_1", in, 48, 1, 1);
        conv(p + ".branch5x5_2", 48, 64, 5, 5, 1, 2, 2);
        conv(p + ".branch3x3dbl_1", in, 64, 1, 1);
        conv(p + ".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1);
        conv(p + ".branch3x3dbl_3", 96, 96, 3, 3, 1, 1, 1);
        conv(p + ".branch_pool", in, pool, 1, 1);
    };
    auto block_b = [&](const std::string& p, int in) {
        conv(p + ".branch3x3", in, 384, 3, 3, 2);
        conv(p + ".branch3x3dbl_1", in, 64, 1, 1);
        conv(p + ".branch3x3dbl_2", 64, 96, 3, 3, 1, 1, 1);
        conv(p + ".branch3x3dbl_3", 96, 96, 3, 3, 2);
    };
    auto block_c = [&](const std::string& p, int in, int c7) {
        conv(p + ".branch1x1", in, 192, 1, 1);
        conv(p + ".branch7x7_1", in, c7, 1, 1);
        conv(p + ".branch7x7_2", c7, c7, 1, 7, 1, 0, 3);
        conv(p + ".branch7x7_3", c7, 192, 7, 1, 1, 3, 0);
        conv(p + ".branch7x7dbl_1", in, c7, 1, 1);
        conv(p + ".branch7x7dbl_2", c7, c7, 7, 1, 1, 3, 0);
        conv(p + ".branch7x7dbl_3", c7, c7, 1, 7, 1, 0, 3);
        conv(p + ".branch7x7dbl_4", c7, c7, 7, 1, 1, 3, 0);
        conv(p + ".branch7x7dbl_5", c7, 192, 1, 7, 1, 0, 3);
        conv(p + ".branch_pool", in, 192, 1, 1);
    };
    auto block_d = [&](const std::string& p, int in) {
        conv(p + ".branch3x3_1", in, 192, 1, 1);
        conv(p + ".branch3x3_2", 192, 320, 3, 3, 2);
        conv(p + ".branch7x7x3_1", in, 192, 1, 1);
        conv(p + ".branch7x7x3_2", 192, 192, 1, 7, 1, 0, 3);
        conv(p + ".branch7x7x3_3", 192, 192, 7, 1, 1, 3, 0);
        conv(p + ".branch7x7x3_4", 192, 192, 3, 3, 2);
    };
    auto block_e = [&](const std::string& p, int in) {
        conv(p + ".branch1x1", in, 320, 1, 1);
        conv(p + ".branch3x3_1", in, 384, 1, 1);
        conv(p + ".branch3x3_2a", 384, 384, 1, 3, 1, 0, 1);
        conv(p + ".branch3x3_2b", 384, 384, 3, 1, 1, 1, 0);
        conv(p + ".branch3x3dbl_1", in, 448, 1, 1);
        conv(p + ".branch3x3dbl_2", 448, 384, 3, 3, 1, 1, 1);
        conv(p + ".branch3x3dbl_3a", 384, 384, 1, 3, 1, 0, 1);
        conv(p + ".branch3x3dbl_3b", 384, 384, 3, 1, 1, 1, 0);
        conv(p + ".branch_pool", in, 192, 1, 1);
    };
    conv("Conv2d_1a_3x3", 3, 32, 3, 3, 2);
    conv("Conv2d_2a_3x3", 32, 32, 3, 3);
    conv("Conv2d_2b_3x3", 32, 64, 3, 3, 1, 1, 1);
    conv("Conv2d_3b_1x1", 64, 80, 1, 1);
    conv("Conv2d_4a_3x3", 80, 192, 3, 3);
    block_a("Mixed_5b", 192, 32);
    block_a("Mixed_5c", 256, 64);
    block_a("Mixed_5d", 288, 64);
    block_b("Mixed_6a", 288);
    block_c("Mixed_6b", 768, 128);
    block_c("Mixed_6c", 768, 160);
    block_c("Mixed_6d", 768, 160);
    block_c("Mixed_6e", 768, 192);
    block_d("Mixed_7a", 768);
    block_e("Mixed_7b", 1280);
    block_e("Mixed_7c", 2048);
    return s;
}

const char* const kBnParts[] = {"weight", "bias", "running_mean", "running_var"};

// Runs the layers of one forward pass on a backend; every map is a fresh tensor on its device.
class Runner {
public:
    Runner(const InceptionFid& net, const InceptionBackend& be,
           const std::unordered_map<std::string, const InceptionConv*>& convs)
        : be_(be), convs_(convs) {
        (void)net;
    }

    Tensor map(std::int64_t n, std::int64_t c, std::int64_t h, std::int64_t w) const {
        return Tensor::empty({n, c, h, w}, DType::F32, be_.device, be_.stream);
    }

    // conv `name` of x into channels [offset, offset + out) of y.
    void conv(const std::string& name, const Tensor& x, Tensor& y, int offset) const {
        const InceptionConv& c = *convs_.at(name);
        ConvBnReluParams p;
        p.x = x.data<float>();
        p.weight = c.weight.data<float>();
        p.bias = c.bias.data<float>();
        p.y = y.data<float>();
        p.batch = static_cast<int>(x.dim(0));
        p.in_channels = static_cast<int>(x.dim(1));
        p.height = static_cast<int>(x.dim(2));
        p.width = static_cast<int>(x.dim(3));
        p.out_channels = c.out_channels;
        p.kernel_h = c.kernel_h;
        p.kernel_w = c.kernel_w;
        p.stride_h = p.stride_w = c.stride;
        p.pad_h = c.pad_h;
        p.pad_w = c.pad_w;
        p.y_channels = static_cast<int>(y.dim(1));
        p.y_channel_offset = offset;
        LF_ASSERT(p.in_channels == c.in_channels, name, ": input has ", p.in_channels, " channels");
        LF_ASSERT(y.dim(0) == x.dim(0) && y.dim(2) == p.out_height() && y.dim(3) == p.out_width(), name,
                  ": output map ", shape_to_string(y.shape()));
        be_.conv_bn_relu(p, be_.stream);
    }
    Tensor conv(const std::string& name, const Tensor& x) const {
        const InceptionConv& c = *convs_.at(name);
        const std::int64_t h = (x.dim(2) + 2 * c.pad_h - c.kernel_h) / c.stride + 1;
        const std::int64_t w = (x.dim(3) + 2 * c.pad_w - c.kernel_w) / c.stride + 1;
        Tensor y = map(x.dim(0), c.out_channels, h, w);
        conv(name, x, y, 0);
        return y;
    }

    // 3x3 max pool (stride 2, no pad; or stride 1, pad 1) into channels [offset, ...) of y.
    void max_pool(const Tensor& x, Tensor& y, int offset, int stride, int pad) const {
        MaxPool2dParams p;
        p.x = x.data<float>();
        p.y = y.data<float>();
        fill_pool(p, x, y, offset, stride, pad);
        be_.max_pool2d(p, be_.stream);
    }
    Tensor max_pool_s2(const Tensor& x) const {
        Tensor y = map(x.dim(0), x.dim(1), (x.dim(2) - 3) / 2 + 1, (x.dim(3) - 3) / 2 + 1);
        max_pool(x, y, 0, 2, 0);
        return y;
    }
    // 3x3 stride 1 pad 1 average pool, count_include_pad=False.
    Tensor avg_pool(const Tensor& x) const {
        Tensor y = map(x.dim(0), x.dim(1), x.dim(2), x.dim(3));
        AvgPool2dParams p;
        p.x = x.data<float>();
        p.y = y.data<float>();
        fill_pool(p, x, y, 0, 1, 1);
        be_.avg_pool2d(p, be_.stream);
        return y;
    }
    // Spatial mean: [N, C, H, W] -> [N, C].
    Tensor global_mean(const Tensor& x) const {
        Tensor y = Tensor::empty({x.dim(0), x.dim(1)}, DType::F32, be_.device, be_.stream);
        AvgPool2dParams p;
        p.x = x.data<float>();
        p.y = y.data<float>();
        fill_pool(p, x, y, 0, 1, 0);
        p.kernel_h = p.height;
        p.kernel_w = p.width;
        p.y_channels = p.channels;
        be_.avg_pool2d(p, be_.stream);
        return y;
    }

    Tensor block_a(const std::string& b, const Tensor& x, int pool_features) const {
        const std::int64_t n = x.dim(0), h = x.dim(2), w = x.dim(3);
        Tensor out = map(n, 224 + pool_features, h, w);
        conv(b + ".branch1x1", x, out, 0);
        conv(b + ".branch5x5_2", conv(b + ".branch5x5_1", x), out, 64);
        conv(b + ".branch3x3dbl_3", conv(b + ".branch3x3dbl_2", conv(b + ".branch3x3dbl_1", x)), out, 128);
        conv(b + ".branch_pool", avg_pool(x), out, 224);
        return out;
    }
    Tensor block_b(const std::string& b, const Tensor& x) const {
        const std::int64_t n = x.dim(0), c = x.dim(1), h = (x.dim(2) - 3) / 2 + 1, w = (x.dim(3) - 3) / 2 + 1;
        Tensor out = map(n, 480 + c, h, w);
        conv(b + ".branch3x3", x, out, 0);
        conv(b + ".branch3x3dbl_3", conv(b + ".branch3x3dbl_2", conv(b + ".branch3x3dbl_1", x)), out, 384);
        max_pool(x, out, 480, 2, 0);
        return out;
    }
    Tensor block_c(const std::string& b, const Tensor& x) const {
        const std::int64_t n = x.dim(0), h = x.dim(2), w = x.dim(3);
        Tensor out = map(n, 768, h, w);
        conv(b + ".branch1x1", x, out, 0);
        conv(b + ".branch7x7_3", conv(b + ".branch7x7_2", conv(b + ".branch7x7_1", x)), out, 192);
        Tensor d = conv(b + ".branch7x7dbl_1", x);
        d = conv(b + ".branch7x7dbl_2", d);
        d = conv(b + ".branch7x7dbl_3", d);
        d = conv(b + ".branch7x7dbl_4", d);
        conv(b + ".branch7x7dbl_5", d, out, 384);
        conv(b + ".branch_pool", avg_pool(x), out, 576);
        return out;
    }
    Tensor block_d(const std::string& b, const Tensor& x) const {
        const std::int64_t n = x.dim(0), c = x.dim(1), h = (x.dim(2) - 3) / 2 + 1, w = (x.dim(3) - 3) / 2 + 1;
        Tensor out = map(n, 512 + c, h, w);
        conv(b + ".branch3x3_2", conv(b + ".branch3x3_1", x), out, 0);
        Tensor t = conv(b + ".branch7x7x3_1", x);
        t = conv(b + ".branch7x7x3_2", t);
        t = conv(b + ".branch7x7x3_3", t);
        conv(b + ".branch7x7x3_4", t, out, 320);
        max_pool(x, out, 512, 2, 0);
        return out;
    }
    // FIDInceptionE_1 (avg pool branch) or FIDInceptionE_2 (max pool branch).
    Tensor block_e(const std::string& b, const Tensor& x, bool max_pool_branch) const {
        const std::int64_t n = x.dim(0), h = x.dim(2), w = x.dim(3);
        Tensor out = map(n, 2048, h, w);
        conv(b + ".branch1x1", x, out, 0);
        const Tensor t3 = conv(b + ".branch3x3_1", x);
        conv(b + ".branch3x3_2a", t3, out, 320);
        conv(b + ".branch3x3_2b", t3, out, 704);
        const Tensor td = conv(b + ".branch3x3dbl_2", conv(b + ".branch3x3dbl_1", x));
        conv(b + ".branch3x3dbl_3a", td, out, 1088);
        conv(b + ".branch3x3dbl_3b", td, out, 1472);
        if (max_pool_branch) {
            Tensor pooled = map(n, x.dim(1), h, w);
            max_pool(x, pooled, 0, 1, 1);
            conv(b + ".branch_pool", pooled, out, 1856);
        } else {
            conv(b + ".branch_pool", avg_pool(x), out, 1856);
        }
        return out;
    }

private:
    template <typename P>
    static void fill_pool(P& p, const Tensor& x, const Tensor& y, int offset, int stride, int pad) {
        p.batch = static_cast<int>(x.dim(0));
        p.channels = static_cast<int>(x.dim(1));
        p.height = static_cast<int>(x.dim(2));
        p.width = static_cast<int>(x.dim(3));
        p.kernel_h = p.kernel_w = 3;
        p.stride_h = p.stride_w = stride;
        p.pad_h = p.pad_w = pad;
        p.y_channels = y.rank() == 4 ? static_cast<int>(y.dim(1)) : p.channels;
        p.y_channel_offset = offset;
    }

    const InceptionBackend& be_;
    const std::unordered_map<std::string, const InceptionConv*>& convs_;
};

}  // namespace

bool InceptionFid::valid_dims(int dims) {
    return dims == 64 || dims == 192 || dims == 768 || dims == 2048;
}

const std::vector<std::pair<std::string, Shape>>& InceptionFid::state_dict_layout() {
    static const std::vector<std::pair<std::string, Shape>> layout = [] {
        std::vector<std::pair<std::string, Shape>> l;
        for (const ConvSpec& c : architecture()) {
            l.emplace_back(c.name + ".conv.weight", Shape{c.out, c.in, c.kh, c.kw});
            for (const char* part : kBnParts) l.emplace_back(c.name + ".bn." + part, Shape{c.out});
            l.emplace_back(c.name + ".bn.num_batches_tracked", Shape{});
        }
        l.emplace_back("fc.weight", Shape{1008, 2048});
        l.emplace_back("fc.bias", Shape{1008});
        return l;
    }();
    return layout;
}

std::vector<std::pair<std::string, Tensor>> InceptionFid::random_state_dict(std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<std::pair<std::string, Tensor>> tensors;
    auto ends_with = [](const std::string& s, const std::string& tail) {
        return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
    };
    for (const auto& [name, shape] : state_dict_layout()) {
        const bool counter = ends_with(name, ".num_batches_tracked");
        Tensor t = Tensor::zeros(shape, counter ? DType::I64 : DType::F32);
        if (!counter) {
            float* v = t.data<float>();
            if (shape.size() >= 2) {  // conv or fc weight: He normal
                const float stdev = std::sqrt(2.0f / static_cast<float>(t.numel() / shape[0]));
                for (std::int64_t i = 0; i < t.numel(); ++i) v[i] = stdev * normal(rng);
            } else {
                const float fill = ends_with(name, ".bn.weight") || ends_with(name, ".running_var")
                                       ? 1.0f
                                       : (ends_with(name, ".bn.bias") ? 0.1f : 0.0f);
                std::fill(v, v + t.numel(), fill);
            }
        }
        tensors.emplace_back(name, std::move(t));
    }
    return tensors;
}

InceptionFid InceptionFid::load(const std::string& path, Device device, Stream stream) {
    return from_file(SafetensorsFile::open(path), device, stream);
}

InceptionFid InceptionFid::from_file(const SafetensorsFile& file, Device device, Stream stream) {
    const std::string& what = file.what();
    if (auto arch = file.metadata().find("architecture"); arch != file.metadata().end())
        LF_CHECK(arch->second == "inception_fid", what, ": architecture '", arch->second,
                 "' is not the FID InceptionV3 (convert pt_inception-2015-12-05-6726825d.pth with "
                 "tools/convert.py inception)");
    auto get = [&](const std::string& name, const Shape& shape) {
        LF_CHECK(file.contains(name), what, ": no tensor named '", name,
                 "' (not FID InceptionV3 weights; convert them with tools/convert.py inception)");
        const SafetensorsEntry& e = file.entry(name);
        LF_CHECK(e.dtype == DType::F32, what, ": tensor '", name, "' has dtype ", dtype_name(e.dtype),
                 ", expected f32");
        LF_CHECK(e.shape == shape, what, ": tensor '", name, "' has shape ", shape_to_string(e.shape),
                 ", expected ", shape_to_string(shape));
        return file.get(name);
    };
    InceptionFid net;
    net.device_ = device;
    for (const ConvSpec& s : architecture()) {
        const Tensor w = get(s.name + ".conv.weight", {s.out, s.in, s.kh, s.kw});
        const Tensor gamma = get(s.name + ".bn.weight", {s.out});
        const Tensor beta = get(s.name + ".bn.bias", {s.out});
        const Tensor mean = get(s.name + ".bn.running_mean", {s.out});
        const Tensor var = get(s.name + ".bn.running_var", {s.out});
        InceptionConv c;
        c.name = s.name;
        c.in_channels = s.in;
        c.out_channels = s.out;
        c.kernel_h = s.kh;
        c.kernel_w = s.kw;
        c.stride = s.stride;
        c.pad_h = s.pad_h;
        c.pad_w = s.pad_w;
        Tensor fw = Tensor::empty(w.shape(), DType::F32);
        Tensor fb = Tensor::empty({s.out}, DType::F32);
        const std::int64_t per_out = w.numel() / s.out;
        for (int o = 0; o < s.out; ++o) {
            const double v = var.data<float>()[o];
            LF_CHECK(std::isfinite(v) && v + kBatchNormEps > 0.0, what, ": tensor '", s.name,
                     ".bn.running_var' has a value (", v, ") that makes the BatchNorm scale undefined");
            const double scale = gamma.data<float>()[o] / std::sqrt(v + kBatchNormEps);
            for (std::int64_t q = 0; q < per_out; ++q)
                fw.data<float>()[o * per_out + q] =
                    static_cast<float>(w.data<float>()[o * per_out + q] * scale);
            fb.data<float>()[o] = static_cast<float>(beta.data<float>()[o] - mean.data<float>()[o] * scale);
        }
        c.weight = device.is_cpu() ? std::move(fw) : fw.to(device, stream);
        c.bias = device.is_cpu() ? std::move(fb) : fb.to(device, stream);
        net.convs_.push_back(std::move(c));
    }
    return net;
}

const InceptionConv& InceptionFid::conv(const std::string& name) const {
    for (const InceptionConv& c : convs_)
        if (c.name == name) return c;
    fail("InceptionFid: no conv named '", name, "'");
}

void InceptionFid::preprocess_into(const Tensor& images, Tensor& batch, std::int64_t row,
                                   const InceptionBackend& backend) const {
    LF_CHECK(images.rank() == 4 && images.dim(1) == 3, "inception: images must be [N, 3, H, W], got ",
             shape_to_string(images.shape()));
    LF_CHECK(images.dtype() == DType::F32, "inception: images must be f32, got ", dtype_name(images.dtype()));
    LF_CHECK(
        batch.rank() == 4 && batch.dim(1) == 3 && batch.dim(2) == kInputSize && batch.dim(3) == kInputSize,
        "inception: batch must be [N, 3, 299, 299], got ", shape_to_string(batch.shape()));
    LF_CHECK(row >= 0 && row + images.dim(0) <= batch.dim(0), "inception: rows [", row, ", ",
             row + images.dim(0), ") outside a batch of ", batch.dim(0));
    LF_CHECK(images.device() == backend.device && batch.device() == backend.device,
             "inception: tensors are not on the backend's device ", backend.device.to_string());
    if (images.dim(0) == 0) return;
    BilinearResizeParams p;
    p.x = images.data<float>();
    p.y = batch.data<float>() + row * 3 * kInputSize * kInputSize;
    p.planes = images.dim(0) * 3;
    p.height = static_cast<int>(images.dim(2));
    p.width = static_cast<int>(images.dim(3));
    p.out_height = p.out_width = kInputSize;
    p.alpha = 2.0f;  // pytorch-fid normalize_input: 2x - 1
    p.beta = -1.0f;
    backend.bilinear_resize(p, backend.stream);
}

Tensor InceptionFid::features(const Tensor& images, int dims, const InceptionBackend& backend) const {
    LF_CHECK(images.rank() == 4 && images.dim(1) == 3, "inception: images must be [N, 3, H, W], got ",
             shape_to_string(images.shape()));
    Tensor batch =
        Tensor::empty({images.dim(0), 3, kInputSize, kInputSize}, DType::F32, backend.device, backend.stream);
    preprocess_into(images, batch, 0, backend);
    return features_preprocessed(batch, dims, backend);
}

Tensor InceptionFid::features_preprocessed(const Tensor& batch, int dims,
                                           const InceptionBackend& backend) const {
    const NvtxRange range("inception/features");
    LF_CHECK(valid_dims(dims), "inception: dims must be 64, 192, 768 or 2048, got ", dims);
    LF_CHECK(
        batch.rank() == 4 && batch.dim(1) == 3 && batch.dim(2) == kInputSize && batch.dim(3) == kInputSize,
        "inception: batch must be [N, 3, 299, 299], got ", shape_to_string(batch.shape()));
    LF_CHECK(batch.device() == backend.device && device_ == backend.device, "inception: weights on ",
             device_.to_string(), ", batch on ", batch.device().to_string(), ", backend on ",
             backend.device.to_string());
    if (batch.dim(0) == 0) return Tensor::empty({0, dims}, DType::F32, backend.device, backend.stream);
    std::unordered_map<std::string, const InceptionConv*> by_name;
    for (const InceptionConv& c : convs_) by_name.emplace(c.name, &c);
    const Runner r(*this, backend, by_name);

    Tensor x = r.conv("Conv2d_1a_3x3", batch);
    x = r.conv("Conv2d_2a_3x3", x);
    x = r.conv("Conv2d_2b_3x3", x);
    x = r.max_pool_s2(x);
    if (dims == 64) return r.global_mean(x);
    x = r.conv("Conv2d_3b_1x1", x);
    x = r.conv("Conv2d_4a_3x3", x);
    x = r.max_pool_s2(x);
    if (dims == 192) return r.global_mean(x);
    x = r.block_a("Mixed_5b", x, 32);
    x = r.block_a("Mixed_5c", x, 64);
    x = r.block_a("Mixed_5d", x, 64);
    x = r.block_b("Mixed_6a", x);
    for (const char* b : {"Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"}) x = r.block_c(b, x);
    if (dims == 768) return r.global_mean(x);
    x = r.block_d("Mixed_7a", x);
    x = r.block_e("Mixed_7b", x, false);
    x = r.block_e("Mixed_7c", x, true);
    return r.global_mean(x);
}

}  // namespace lf

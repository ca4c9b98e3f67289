// inception.h: pytorch-fid's FID InceptionV3 at inference (../shared/docs/fastgan-inception-ganspace-
// sefa.md, section B): torchvision Inception3 with FIDInceptionA (Mixed_5b-d), FIDInceptionC
// (Mixed_6b-e), FIDInceptionE_1 (Mixed_7b) and FIDInceptionE_2 (Mixed_7c), BatchNorm eps 1e-3 folded
// into the conv weights at load, and the outputs pytorch-fid's `--dims` selects:
//   64   block 0 (after the first max pool, 73x73)      192  block 1 (second max pool, 35x35)
//   768  block 2 (after Mixed_6e, 17x17)                 2048 block 3 (pool3 after Mixed_7c, 8x8)
// each reduced to one vector per image by the spatial mean (pytorch-fid's adaptive_avg_pool2d).
// Input images are NCHW in [0, 1] of any size; they are resized to 299x299 exactly as
// F.interpolate(mode='bilinear', align_corners=False) without antialiasing (also when already 299),
// then mapped to 2x - 1. Branch outputs are written straight into their channel slice of the block
// output (no concatenation copies). Runs on any InceptionBackend (nets/inception_backend.h).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kernels/core/tensor.h"
#include "nets/inception_backend.h"
#include "weights/safetensors.h"

namespace lf {

// One BasicConv2d of the net: geometry plus the BN-folded parameters.
struct InceptionConv {
    std::string name;  // state_dict prefix, e.g. "Mixed_5b.branch5x5_2"
    int in_channels = 0, out_channels = 0;
    int kernel_h = 1, kernel_w = 1, stride = 1, pad_h = 0, pad_w = 0;
    Tensor weight;  // [out, in, kh, kw] conv.weight * gamma / sqrt(running_var + 1e-3)
    Tensor bias;    // [out] beta - running_mean * gamma / sqrt(running_var + 1e-3)
};

class InceptionFid {
public:
    static constexpr int kInputSize = 299;
    static constexpr double kBatchNormEps = 1e-3;

    // True for 64, 192, 768 and 2048.
    static bool valid_dims(int dims);

    // Every tensor of pytorch-fid's pt_inception-2015-12-05 state_dict (566, torchvision names and
    // registration order, num_batches_tracked as [] and fc.weight/fc.bias included).
    static const std::vector<std::pair<std::string, Shape>>& state_dict_layout();

    // A seeded random state_dict with that layout (He-normal convs, BN gamma 1, beta 0.1, mean 0,
    // var 1): a real-sized net for CLI tests and benchmarks without the 96 MB download.
    static std::vector<std::pair<std::string, Tensor>> random_state_dict(std::uint64_t seed);

    // Loads converted weights (tools/convert.py inception ...): checks the architecture metadata
    // (when present), every conv/BN tensor's presence, dtype F32 and shape, then folds BN and puts
    // the result on `device`. Errors name the file and the tensor.
    static InceptionFid load(const std::string& path, Device device = Device::cpu(), Stream stream = nullptr);
    static InceptionFid from_file(const SafetensorsFile& file, Device device = Device::cpu(),
                                  Stream stream = nullptr);

    Device device() const { return device_; }

    // images [N, 3, H, W] f32 in [0, 1] on the backend's device -> [N, dims] f32 on that device.
    Tensor features(const Tensor& images, int dims, const InceptionBackend& backend) const;

    // Resizes images [n, 3, H, W] (in [0, 1]) to 299x299 and maps them to 2x - 1 into rows
    // [row, row + n) of batch [N, 3, 299, 299]; lets a batch mix images of different sizes.
    void preprocess_into(const Tensor& images, Tensor& batch, std::int64_t row,
                         const InceptionBackend& backend) const;

    // batch [N, 3, 299, 299] already preprocessed -> [N, dims].
    Tensor features_preprocessed(const Tensor& batch, int dims, const InceptionBackend& backend) const;

private:
    InceptionFid() = default;
    const InceptionConv& conv(const std::string& name) const;

    Device device_;
    std::vector<InceptionConv> convs_;  // in state_dict order
};

}  // namespace lf

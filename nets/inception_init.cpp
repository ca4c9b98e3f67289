// inception_init.cpp: see inception_init.h.
#include "nets/inception_init.h"

#include <cmath>
#include <map>

#include "kernels/core/numpy_random.h"
#include "nets/inception.h"
#include "weights/safetensors.h"

namespace lf {

void inception_write_random(const std::string& path, std::uint32_t seed) {
    NumpyRandomState rs(seed);
    std::vector<std::pair<std::string, Tensor>> tensors;
    for (const auto& [name, shape] : InceptionFid::state_dict_layout()) {
        const bool is_scalar = shape.empty();
        Tensor t = Tensor::empty(shape, is_scalar ? DType::I64 : DType::F32);
        if (is_scalar) {  // num_batches_tracked
            t.data<std::int64_t>()[0] = 0;
        } else if (name.ends_with(".running_var") || (name.ends_with("bn.weight"))) {
            std::fill(t.data<float>(), t.data<float>() + t.numel(), 1.0f);
        } else if (name.ends_with(".running_mean") || name.ends_with(".bias")) {
            std::fill(t.data<float>(), t.data<float>() + t.numel(), 0.0f);
        } else {
            // Conv / fc weights: He normal, std = sqrt(2 / fan_in).
            const std::int64_t fan_in = shape.size() > 1 ? t.numel() / shape[0] : 1;
            const float stdev = std::sqrt(2.0f / static_cast<float>(fan_in));
            for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = stdev * static_cast<float>(rs.standard_normal());
        }
        tensors.emplace_back(name, std::move(t));
    }
    write_safetensors(path, tensors,
                      {{"format", "latentfactor-safetensors"},
                       {"format_version", "1"},
                       {"architecture", "inception_fid"},
                       {"source", "random weights (lfgen): not the pretrained pt_inception-2015-12-05 network"},
                       {"init_seed", std::to_string(seed)}});
}

}  // namespace lf

// make_fastgan_broken.cpp: writes converted-style FastGAN models that `lfgen generate` must refuse
// with one "lfgen: error:" line naming the tensor or value at fault (tests/cli/fastgan_errors.cmake).
// Each starts from a valid tiny random generator (lf::fastgan_random_tensors: im_size 256, ngf 8,
// nz 8) and breaks one thing:
//   fastgan_valid.safetensors          unchanged (the control: generate succeeds)
//   fastgan_missing_key.safetensors    without feat_16.2.running_var
//   fastgan_wrong_shape.safetensors    feat_32.5.weight as [32, 16, 3, 1] instead of [32, 16, 3, 3]
//   fastgan_im_size_300.safetensors    metadata im_size "300"
//   fastgan_no_init.safetensors        without init.init.0.weight (the tensor the config comes from)
// Usage: make_fastgan_broken OUTDIR
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kernels/core/error.h"
#include "nets/fastgan_init.h"
#include "weights/safetensors.h"

namespace {

using Tensors = std::vector<std::pair<std::string, lf::Tensor>>;

std::map<std::string, std::string> metadata(const std::string& im_size) {
    return {{"architecture", "fastgan"},
            {"im_size", im_size},
            {"ngf", "8"},
            {"nz", "8"},
            {"nc", "3"},
            {"source", "tests/cli/make_fastgan_broken.cpp"}};
}

Tensors without(const Tensors& t, const std::string& name) {
    Tensors out;
    for (const auto& e : t)
        if (e.first != name) out.push_back(e);
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_fastgan_broken OUTDIR\n";
        return 2;
    }
    try {
        const std::filesystem::path dir(argv[1]);
        std::filesystem::create_directories(dir);
        const Tensors valid = lf::fastgan_random_tensors(lf::FastGanInitConfig{256, 8, 8, 3}, 1);
        auto write = [&](const char* name, const Tensors& t, const std::string& im_size) {
            lf::write_safetensors((dir / name).string(), t, metadata(im_size));
        };
        write("fastgan_valid.safetensors", valid, "256");
        write("fastgan_missing_key.safetensors", without(valid, "feat_16.2.running_var"), "256");
        Tensors wrong = valid;
        for (auto& [name, t] : wrong)
            if (name == "feat_32.5.weight") t = lf::Tensor::zeros({32, 16, 3, 1}, lf::DType::F32);
        write("fastgan_wrong_shape.safetensors", wrong, "256");
        write("fastgan_im_size_300.safetensors", valid, "300");
        write("fastgan_no_init.safetensors", without(valid, "init.init.0.weight"), "256");
    } catch (const lf::Error& e) {
        std::cerr << "make_fastgan_broken: error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

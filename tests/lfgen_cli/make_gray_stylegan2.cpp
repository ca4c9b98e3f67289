// make_gray_stylegan2.cpp: writes a tiny random-weight StyleGAN2 with 1-channel (gray) images
// (16x16, z_dim 8, w_dim 8, one mapping layer), which `lfgen evaluate --factors` must refuse with one
// "lfgen: error:" line (tests/lfgen_cli/factors.cmake). `lfgen init` has no channel option.
// Usage: make_gray_stylegan2 OUT.safetensors
#include <iostream>

#include "kernels/core/error.h"
#include "nets/stylegan2_init.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_gray_stylegan2 OUT.safetensors\n";
        return 2;
    }
    try {
        lf::StyleGan2InitConfig c = lf::stylegan2_preset("cifar");
        c.img_resolution = 16;
        c.img_channels = 1;
        c.z_dim = c.w_dim = 8;
        c.mapping_layers = 1;
        lf::stylegan2_write_random(c, 1, argv[1]);
    } catch (const lf::Error& e) {
        std::cerr << "make_gray_stylegan2: error: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

// make_fid_cli_inputs.cpp: writes the inputs of the `lfgen fid` / `lfgen features` CLI tests
// (tests/cli/fid_errors.cmake) into DIR:
//   inception_random.safetensors  FID InceptionV3 weights with the official layout
//                                 (InceptionFid::random_state_dict(7)): a real-sized net without
//                                 the 96 MB download
//   A/, B/                        4 and 5 PNG images of mixed sizes (seeded noise + gradients)
//   empty/                        no images (a README.txt that does not count)
//   one/                          a single image (the covariance needs two)
//   unreadable/                   a valid PNG and b.png, which is not an image
//   stats_wrong_shape.npz         mu [8], sigma [3, 4]
//   stats_no_sigma.npz            mu [8] only
//   stats_8d.npz                  mu [8], sigma [8, 8] (valid, but not 2048-d)
//   stats_garbage.npz             not a zip archive
//   images.npy                    [3, 3, 40, 52] float32 in [0, 1] (for lfgen features)
//   images_3d.npy                 the same as [9, 40, 52] (not NCHW)
// Usage: make_fid_cli_inputs DIR
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>

#include "kernels/io/image_png.h"
#include "kernels/io/npy.h"
#include "kernels/io/npz.h"
#include "nets/inception.h"
#include "weights/safetensors.h"

namespace fs = std::filesystem;
using namespace lf;

namespace {

void write_weights(const std::string& path) {
    write_safetensors(path, InceptionFid::random_state_dict(7),
                      {{"architecture", "inception_fid"}, {"generator", "make_fid_cli_inputs (random)"}});
}

void write_image(const std::string& path, int w, int h, std::uint32_t seed) {
    std::mt19937 rng(seed);
    ImageU8 img;
    img.width = w;
    img.height = h;
    img.channels = 3;
    img.pixels.resize(static_cast<std::size_t>(w) * h * 3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int c = 0; c < 3; ++c)
                img.pixels[(static_cast<std::size_t>(y) * w + x) * 3 + c] =
                    static_cast<std::uint8_t>((x * 5 * (c + 1) + y * 3 + rng() % 64) & 0xff);
    write_png(path, img);
}

Tensor f64(Shape shape, double base) {
    Tensor t = Tensor::empty(shape, DType::F64);
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data<double>()[i] = base + 0.01 * static_cast<double>(i);
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: make_fid_cli_inputs DIR\n";
        return 2;
    }
    try {
        const fs::path dir = argv[1];
        fs::remove_all(dir);
        for (const char* sub : {"A", "B", "empty", "one", "unreadable"}) fs::create_directories(dir / sub);
        write_weights((dir / "inception_random.safetensors").string());
        const int sizes[][2] = {{32, 32}, {48, 40}, {64, 64}, {40, 56}, {299, 299}};
        for (int i = 0; i < 4; ++i)
            write_image((dir / "A" / ("img" + std::to_string(i) + ".png")).string(), sizes[i][0], sizes[i][1],
                        100 + i);
        for (int i = 0; i < 5; ++i)
            write_image((dir / "B" / ("img" + std::to_string(i) + ".png")).string(), sizes[i][0], sizes[i][1],
                        200 + i);
        std::ofstream(dir / "A" / "notes.txt") << "not an image: ignored by the *.png/*.jpg/... glob\n";
        std::ofstream(dir / "empty" / "README.txt") << "no images here\n";
        write_image((dir / "one" / "only.png").string(), 32, 32, 300);
        write_image((dir / "unreadable" / "a.png").string(), 32, 32, 301);
        std::ofstream(dir / "unreadable" / "b.png") << "this is not a PNG file";
        npz::save((dir / "stats_wrong_shape.npz").string(), {{"mu", f64({8}, 0)}, {"sigma", f64({3, 4}, 1)}});
        npz::save((dir / "stats_no_sigma.npz").string(), {{"mu", f64({8}, 0)}});
        npz::save((dir / "stats_8d.npz").string(), {{"mu", f64({8}, 0)}, {"sigma", f64({8, 8}, 1)}});
        std::ofstream(dir / "stats_garbage.npz") << "definitely not a zip archive";
        Tensor images = Tensor::empty({3, 3, 40, 52}, DType::F32);
        std::mt19937 rng(5);
        for (std::int64_t i = 0; i < images.numel(); ++i)
            images.data<float>()[i] = static_cast<float>(rng() % 256) / 255.0f;
        npy::save((dir / "images.npy").string(), images);
        npy::save((dir / "images_3d.npy").string(), images.reshape({9, 40, 52}));
    } catch (const std::exception& e) {
        std::cerr << "make_fid_cli_inputs: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

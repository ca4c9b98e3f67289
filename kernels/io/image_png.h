// image_png.h: 8-bit images on the host: the official generate.py float->uint8 conversion, a grid
// composer, PNG writing (stb_image_write) and PNG/JPEG reading (stb_image).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/core/tensor.h"

namespace lf {

// Interleaved 8-bit image, row-major HWC.
struct ImageU8 {
    int width = 0;
    int height = 0;
    int channels = 0;                 // 1 (gray), 3 (RGB) or 4 (RGBA)
    std::vector<std::uint8_t> pixels;  // [height, width, channels]
};

// How a generator's [-1, 1] output becomes 8-bit, as each upstream project saves images:
//   StyleGan2:  uint8(clamp(x * 127.5 + 128, 0, 255)), stylegan2-ada-pytorch generate.py
//   TorchvisionSaveImage: uint8(clamp(((x + 1) / 2) * 255 + 0.5, 0, 255)), FastGAN's
//               vutils.save_image(x.add(1).mul(0.5))
//   RawSaveImage: uint8(clamp(x * 255 + 0.5, 0, 255)), save_image of the raw output without
//               (x + 1) / 2, as the seed paper's notebooks saved their FID images
// all in float32, truncating toward zero (NaN becomes 0).
enum class Uint8Convention { StyleGan2, TorchvisionSaveImage, RawSaveImage };

// `images` is a host f32 tensor [N, C, H, W] with C of 1, 3 or 4; returns N images.
std::vector<ImageU8> images_to_uint8(const Tensor& images, Uint8Convention convention = Uint8Convention::StyleGan2);

// Lays `images` out in rows of `columns` (all the same size and channel count), with `padding`
// pixels of `background` between cells and around the border.
ImageU8 compose_grid(const std::vector<ImageU8>& images, int columns, int padding = 0,
                     std::uint8_t background = 255);

// Writes a PNG; throws lf::Error naming the path on failure.
void write_png(const std::string& path, const ImageU8& image);

// Reads a PNG or JPEG as RGB (channels = 3); throws lf::Error naming the path and stb's reason.
ImageU8 read_image_rgb(const std::string& path);

}  // namespace lf

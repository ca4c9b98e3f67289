// image_png.cpp: see image_png.h.
#include "kernels/io/image_png.h"

#include <algorithm>

#include <stb_image.h>
#include <stb_image_write.h>

namespace lf {

std::vector<ImageU8> images_to_uint8(const Tensor& images, Uint8Convention convention) {
    LF_CHECK(images.device().is_cpu(), "images_to_uint8: expected a host tensor");
    LF_CHECK(images.dtype() == DType::F32, "images_to_uint8: expected float32 images, got ",
             dtype_name(images.dtype()));
    LF_CHECK(images.rank() == 4, "images_to_uint8: expected [N, C, H, W], got ", shape_to_string(images.shape()));
    const std::int64_t n = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
    LF_CHECK(c == 1 || c == 3 || c == 4, "images_to_uint8: expected 1, 3 or 4 channels, got ", c);
    const float* src = images.data<float>();  // [N, C, H, W]
    std::vector<ImageU8> out(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        ImageU8& img = out[static_cast<std::size_t>(i)];
        img.width = static_cast<int>(w);
        img.height = static_cast<int>(h);
        img.channels = static_cast<int>(c);
        img.pixels.resize(static_cast<std::size_t>(h * w * c));
        for (std::int64_t ch = 0; ch < c; ++ch) {
            const float* plane = src + (i * c + ch) * h * w;  // [H, W]
            for (std::int64_t p = 0; p < h * w; ++p) {
                // float32 arithmetic as in torch, then clamp and truncate (NaN -> 0).
                float v = convention == Uint8Convention::StyleGan2      ? plane[p] * 127.5f + 128.0f
                          : convention == Uint8Convention::RawSaveImage ? plane[p] * 255.0f + 0.5f
                                                                        : (plane[p] + 1.0f) * 0.5f * 255.0f + 0.5f;
                v = std::clamp(v, 0.0f, 255.0f);
                img.pixels[static_cast<std::size_t>(p * c + ch)] = v == v ? static_cast<std::uint8_t>(v) : 0;
            }
        }
    }
    return out;
}

ImageU8 compose_grid(const std::vector<ImageU8>& images, int columns, int padding, std::uint8_t background) {
    LF_CHECK(!images.empty(), "compose_grid: no images");
    LF_CHECK(columns > 0 && padding >= 0, "compose_grid: bad layout (columns ", columns, ", padding ", padding, ")");
    const ImageU8& first = images.front();
    for (const ImageU8& img : images)
        LF_CHECK(img.width == first.width && img.height == first.height && img.channels == first.channels,
                 "compose_grid: images differ in size or channels");
    const int cols = std::min<int>(columns, static_cast<int>(images.size()));
    const int rows = static_cast<int>((images.size() + cols - 1) / cols);
    ImageU8 grid;
    grid.channels = first.channels;
    grid.width = cols * first.width + (cols + 1) * padding;
    grid.height = rows * first.height + (rows + 1) * padding;
    grid.pixels.assign(static_cast<std::size_t>(grid.width) * grid.height * grid.channels, background);
    const std::size_t row_bytes = static_cast<std::size_t>(first.width) * first.channels;
    for (std::size_t k = 0; k < images.size(); ++k) {
        const int gx = padding + static_cast<int>(k % cols) * (first.width + padding);
        const int gy = padding + static_cast<int>(k / cols) * (first.height + padding);
        for (int y = 0; y < first.height; ++y) {
            const std::uint8_t* src = images[k].pixels.data() + y * row_bytes;
            std::uint8_t* dst = grid.pixels.data() +
                                (static_cast<std::size_t>(gy + y) * grid.width + gx) * grid.channels;
            std::copy(src, src + row_bytes, dst);
        }
    }
    return grid;
}

void write_png(const std::string& path, const ImageU8& image) {
    LF_CHECK(image.width > 0 && image.height > 0 &&
                 image.pixels.size() == static_cast<std::size_t>(image.width) * image.height * image.channels,
             path, ": cannot write an empty or inconsistent image");
    const int ok = stbi_write_png(path.c_str(), image.width, image.height, image.channels, image.pixels.data(),
                                  image.width * image.channels);
    LF_CHECK(ok != 0, path, ": cannot write PNG (check that the folder exists and is writable)");
}

ImageU8 read_image_rgb(const std::string& path) {
    int w = 0, h = 0, c = 0;
    std::uint8_t* data = stbi_load(path.c_str(), &w, &h, &c, 3);
    if (!data) fail(path, ": cannot read image (", stbi_failure_reason(), ")");
    ImageU8 img;
    img.width = w;
    img.height = h;
    img.channels = 3;
    img.pixels.assign(data, data + static_cast<std::size_t>(w) * h * 3);
    stbi_image_free(data);
    return img;
}

}  // namespace lf

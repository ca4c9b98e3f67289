// test_image_png.cpp: the official float->uint8 conversion, the grid composer and a PNG round trip.
#include <gtest/gtest.h>

#include <filesystem>

#include "kernels/io/image_png.h"

namespace {

TEST(ImagePng, OfficialUint8Conversion) {
    // generate.py: (x * 127.5 + 128).clamp(0, 255).to(uint8) -> truncation toward zero.
    lf::Tensor img = lf::Tensor::from_values<float>({1, 1, 1, 6}, {-1.0f, 1.0f, 0.0f, -2.0f, 5.0f, 0.5f});
    const auto out = lf::images_to_uint8(img);
    ASSERT_EQ(out.size(), 1u);
    const std::vector<std::uint8_t> expected = {0, 255, 128, 0, 255, 191};  // 0.5 -> 191.75 -> 191
    EXPECT_EQ(out[0].pixels, expected);
}

TEST(ImagePng, ChannelsAreInterleaved) {
    lf::Tensor img = lf::Tensor::from_values<float>({1, 3, 1, 2}, {-1, -1, 0, 0, 1, 1});  // R=-1, G=0, B=1
    const auto out = lf::images_to_uint8(img);
    const std::vector<std::uint8_t> expected = {0, 128, 255, 0, 128, 255};
    EXPECT_EQ(out[0].pixels, expected);
}

TEST(ImagePng, GridLayoutAndPadding) {
    std::vector<lf::ImageU8> cells;
    for (std::uint8_t v : {10, 20, 30}) cells.push_back({2, 1, 1, {v, v}});
    const lf::ImageU8 grid = lf::compose_grid(cells, 2, 1, 0);
    EXPECT_EQ(grid.width, 2 * 2 + 3);
    EXPECT_EQ(grid.height, 2 * 1 + 3);
    EXPECT_EQ(grid.pixels[1 * grid.width + 1], 10);
    EXPECT_EQ(grid.pixels[1 * grid.width + 4], 20);
    EXPECT_EQ(grid.pixels[3 * grid.width + 1], 30);
    EXPECT_EQ(grid.pixels[3 * grid.width + 4], 0);  // empty cell keeps the background
}

TEST(ImagePng, PngRoundTrip) {
    lf::ImageU8 img{3, 2, 3, {}};
    for (int i = 0; i < 18; ++i) img.pixels.push_back(static_cast<std::uint8_t>(i * 13));
    const auto path = std::filesystem::temp_directory_path() / "lf_test_roundtrip.png";
    lf::write_png(path.string(), img);
    const lf::ImageU8 back = lf::read_image_rgb(path.string());
    EXPECT_EQ(back.width, 3);
    EXPECT_EQ(back.height, 2);
    EXPECT_EQ(back.pixels, img.pixels);
    std::filesystem::remove(path);
}

TEST(ImagePng, BadInputsAreClearErrors) {
    EXPECT_THROW(lf::read_image_rgb("/nonexistent/x.png"), lf::Error);
    EXPECT_THROW(lf::write_png("/nonexistent/dir/x.png", {1, 1, 1, {0}}), lf::Error);
    EXPECT_THROW(lf::images_to_uint8(lf::Tensor::zeros({1, 2, 2, 2}, lf::DType::F32)), lf::Error);
}

}  // namespace

// test_shape_factors_golden.cpp: the demo dataset's factor estimators (tools/lfgen/
// factor_estimators.h) against images rendered by tools/train_demo/shapes.py with known factors,
// the committed set in tests/golden/shapes/ written by
//   /usr/bin/python3 tools/reference/make_shapes_golden.py
// (36 single shapes, 12 per class, 8-bit pixels stored as float16; two images with two shapes),
// plus flat images built here and factor_change's circular geometry.
//
// Tolerances. The estimators are deterministic moments of anti-aliased 8-bit images; each bound is
// at least 2x the largest error over a 1200-image sweep of the same recipe (RandomState(7), run by
// hand), so a real regression fails while a different summation order does not. Measured on this
// set / on the sweep:
//   centroid 0.2 px (0.024 / 0.050): the one-pixel anti-aliasing ramp is linear, so the coverage
//     centroid is near exact; what is left is the clamped ramp at corners and 8-bit rounding;
//   scale 2% (0.5% / 0.7%): the foreground colour averages pixels >= 0.75 covered, so it sits
//     slightly towards the background and the area comes out up to ~1.4% large;
//   hue 0.005 circular (0.0005 / 0.0005): mixing the grey background into the foreground colour
//     leaves the hue unchanged; 8-bit rounding moves it;
//   background 0.005 (0.0019 / 0.0020): the median of 8-bit border pixels;
//   rotation 2 degrees modulo the period, squares and triangles (0.09 / 0.93): the m4 / m3 phase of
//     a small anti-aliased shape (this also checks the phase offsets of the renderer's convention);
//   shape class exact, and exactly one component per image.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <string>
#include <vector>

#include "kernels/io/npy.h"
#include "tools/lfgen/factor_estimators.h"

namespace {

using lf::cli::Factor;
using lf::cli::ShapeClass;
using lf::cli::ShapeFactors;

constexpr double kCentroidPx = 0.2;
constexpr double kScaleRel = 0.02;
constexpr double kHue = 0.005;
constexpr double kBackground = 0.005;
constexpr double kRotationDeg = 2.0;

std::string golden(const std::string& name) {
    return std::string(LF_SOURCE_DIR) + "/tests/golden/shapes/" + name;
}

// IEEE binary16 bits -> float (the golden images are stored as '<f2').
float half_to_float(std::uint16_t h) {
    const int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
    const float sign = (h & 0x8000) ? -1.0f : 1.0f;
    if (exponent == 0) return sign * std::ldexp(static_cast<float>(mantissa), -24);
    if (exponent == 31) return mantissa ? NAN : sign * INFINITY;
    return sign * std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
}

// A .npy of f16 images [N, 3, H, W] as f32 values.
std::vector<float> load_images(const std::string& name, lf::Shape& shape) {
    const lf::Tensor t = lf::npy::load(golden(name));
    EXPECT_EQ(t.dtype(), lf::DType::F16) << name;
    EXPECT_EQ(t.rank(), 4) << name;
    shape = t.shape();
    std::vector<float> out(static_cast<std::size_t>(t.numel()));
    const auto* bits = static_cast<const std::uint16_t*>(t.raw_data());
    std::transform(bits, bits + t.numel(), out.begin(), half_to_float);
    return out;
}

std::vector<ShapeFactors> estimate_all(const std::string& name) {
    lf::Shape s;
    const std::vector<float> images = load_images(name, s);
    const std::int64_t per = s[1] * s[2] * s[3];
    std::vector<ShapeFactors> out;
    for (std::int64_t i = 0; i < s[0]; ++i)
        out.push_back(lf::cli::estimate_shape_factors(images.data() + i * per, static_cast<int>(s[2]),
                                                      static_cast<int>(s[3])));
    return out;
}

double circular(double a, double b, double period) {
    const double d = std::fmod(std::abs(a - b), period);
    return std::min(d, period - d);
}

TEST(ShapeFactorsGolden, SingleShapesWithinTolerance) {
    const lf::Tensor factors = lf::npy::load(golden("factors.npy"));  // [N, 7] f64
    const std::vector<ShapeFactors> est = estimate_all("images.npy");
    ASSERT_EQ(factors.dim(0), static_cast<std::int64_t>(est.size()));
    ASSERT_EQ(factors.dim(1), lf::cli::kFactorCount);
    double max_xy = 0, max_scale = 0, max_hue = 0, max_bg = 0, max_rot = 0;
    for (std::size_t i = 0; i < est.size(); ++i) {
        const double* f = factors.data<double>() + i * lf::cli::kFactorCount;
        const ShapeFactors& e = est[i];
        SCOPED_TRACE("image " + std::to_string(i));
        EXPECT_EQ(static_cast<int>(e.shape), static_cast<int>(f[0])) << "m3 " << e.m3 << " m4 " << e.m4;
        EXPECT_EQ(e.components, 1);
        EXPECT_TRUE(e.one_shape);
        max_xy = std::max({max_xy, std::abs(e.x - f[1]), std::abs(e.y - f[2])});
        max_scale = std::max(max_scale, std::abs(e.scale / f[3] - 1));
        max_hue = std::max(max_hue, circular(e.hue, f[5], 1.0));
        max_bg = std::max(max_bg, std::abs(e.background - f[6]));
        if (e.shape == ShapeClass::Circle) {
            EXPECT_TRUE(std::isnan(e.rotation));
        } else {
            const double period = lf::cli::rotation_period(e.shape);
            EXPECT_GE(e.rotation, 0.0);
            EXPECT_LT(e.rotation, period);
            max_rot = std::max(max_rot, circular(e.rotation, f[4], period) * 180 / std::numbers::pi);
        }
    }
    RecordProperty("max_centroid_px", std::to_string(max_xy));
    RecordProperty("max_scale_rel", std::to_string(max_scale));
    RecordProperty("max_hue", std::to_string(max_hue));
    RecordProperty("max_background", std::to_string(max_bg));
    RecordProperty("max_rotation_deg", std::to_string(max_rot));
    std::printf(
        "max errors: centroid %.4f px, scale %.4f rel, hue %.5f, background %.5f, rotation %.3f deg\n",
        max_xy, max_scale, max_hue, max_bg, max_rot);
    EXPECT_LE(max_xy, kCentroidPx);
    EXPECT_LE(max_scale, kScaleRel);
    EXPECT_LE(max_hue, kHue);
    EXPECT_LE(max_bg, kBackground);
    EXPECT_LE(max_rot, kRotationDeg);
}

TEST(ShapeFactorsGolden, TwoShapesAreTwoComponents) {
    for (const ShapeFactors& e : estimate_all("two_shapes.npy")) {
        EXPECT_EQ(e.components, 2);
        EXPECT_FALSE(e.one_shape);
    }
}

// A flat image, and one with +-1/255 checkerboard dither: no foreground, only the background.
TEST(ShapeFactors, FlatImageHasNoShape) {
    const int size = 64, plane = size * size;
    for (const float dither : {0.0f, 1.0f / 255}) {
        std::vector<float> image(3 * plane);
        for (int q = 0; q < 3 * plane; ++q)
            image[q] = 0.3f + (((q % size) + (q / size)) % 2 ? dither : -dither);
        const ShapeFactors e = lf::cli::estimate_shape_factors(image.data(), size, size);
        EXPECT_EQ(e.components, 0);
        EXPECT_FALSE(e.one_shape);
        EXPECT_EQ(e.shape, ShapeClass::None);
        EXPECT_TRUE(std::isnan(e.x) && std::isnan(e.hue) && std::isnan(e.rotation));
        EXPECT_NEAR(e.background, 0.3, 1.5 / 255);
    }
}

TEST(ShapeFactors, ChangesUseEachFactorsGeometry) {
    ShapeFactors a, b;
    a.shape = b.shape = ShapeClass::Square;
    a.hue = 0.98;
    b.hue = 0.01;
    a.rotation = 0.05;
    b.rotation = std::numbers::pi / 2 - 0.05;
    a.x = 10;
    b.x = 12.5;
    EXPECT_NEAR(lf::cli::factor_change(a, b, Factor::Hue), 0.03, 1e-12);
    EXPECT_NEAR(lf::cli::factor_change(a, b, Factor::Rotation), 0.1, 1e-12);
    EXPECT_EQ(lf::cli::factor_change(a, b, Factor::X), 2.5);
    EXPECT_EQ(lf::cli::factor_change(a, b, Factor::Shape), 0.0);
    EXPECT_TRUE(std::isnan(lf::cli::factor_change(a, b, Factor::Y)));  // undefined in both
    b.shape = ShapeClass::Triangle;
    EXPECT_EQ(lf::cli::factor_change(a, b, Factor::Shape), 1.0);
    EXPECT_TRUE(std::isnan(lf::cli::factor_change(a, b, Factor::Rotation)));  // classes differ
    a.shape = b.shape = ShapeClass::Circle;
    EXPECT_TRUE(std::isnan(lf::cli::factor_change(a, b, Factor::Rotation)));  // a circle has none
}

}  // namespace

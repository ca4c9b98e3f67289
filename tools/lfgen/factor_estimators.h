// factor_estimators.h: the seven factors of the demo dataset (tools/train_demo/shapes.py: one
// anti-aliased circle, square or equilateral triangle on a plain grey background) estimated from
// one RGB image by image moments: background colour, foreground coverage, connected components,
// centroid, equal-area radius, hue, and the shape class and rotation from the complex moments m3
// and m4 about the centroid. Also each factor's change between two estimates (used by
// factor_evaluation.h).
#pragma once

#include <array>
#include <cmath>
#include <numbers>

namespace lf::cli {

// Shape classes in shapes.SHAPES order; None when the image shows no foreground.
enum class ShapeClass { None = -1, Circle = 0, Square = 1, Triangle = 2 };

// The factors in shapes.FACTOR_NAMES order.
enum class Factor { Shape, X, Y, Scale, Rotation, Hue, Background };
inline constexpr int kFactorCount = 7;
inline constexpr std::array<const char*, kFactorCount> kFactorNames = {
    "shape", "x", "y", "scale", "rotation", "hue", "background"};

// Each factor's mean |f - f'| between two independent samples of the dataset (shapes.py ranges:
// x, y uniform over 24 px -> 8; scale over 6 px -> 2; rotation uniform in a square's period pi/2,
// circular -> pi/8; hue uniform on the circle -> 1/4; background over 0.4 -> 0.4/3; shape, three
// equally likely classes -> 2/3). The factor evaluation scores a factor only where the originals
// show a good part of this spread.
inline constexpr std::array<double, kFactorCount> kDatasetSpread = {
    2.0 / 3.0, 8.0, 8.0, 2.0, std::numbers::pi / 8.0, 0.25, 0.4 / 3.0};

struct ShapeFactors {
    ShapeClass shape = ShapeClass::None;
    double x = NAN, y = NAN;    // centroid, pixels (pixel centres at i + 0.5)
    double scale = NAN;         // radius of the equal-area circle, pixels
    double rotation = NAN;      // radians in [0, rotation_period(shape)); NaN for a circle or none
    double hue = NAN;           // HSV hue of the foreground colour, [0, 1)
    double background = NAN;    // grey level: mean of the background colour
    int components = 0;         // 8-connected components of coverage > 0.5 with >= 3 pixels
    bool one_shape = false;     // components == 1
    double area = 0.0;          // sum of the coverage, pixels
    double m3 = 0.0, m4 = 0.0;  // |m_n| / (area r^n) about the centroid: the classifier's invariants

    double value(Factor f) const;  // the shape as its class index
};

// `image` [3, height, width] f32 in [0, 1], channel-major (lfgen's images after the family's 8-bit
// conversion / 255).
ShapeFactors estimate_shape_factors(const float* image, int height, int width);

// pi/2 for a square, 2 pi/3 for a triangle, NaN otherwise.
double rotation_period(ShapeClass s);

// |a - b| for factor f in that factor's geometry: the shape 1 when the class differs, else 0; the
// hue circularly (period 1); the rotation circularly in the shape's period, only when both are the
// same non-circle class (else NaN); NaN when either value is undefined (no foreground).
double factor_change(const ShapeFactors& a, const ShapeFactors& b, Factor f);

}  // namespace lf::cli

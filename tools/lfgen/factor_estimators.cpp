// factor_estimators.cpp: see factor_estimators.h.
#include "tools/lfgen/factor_estimators.h"

#include <algorithm>
#include <complex>
#include <numbers>
#include <vector>

#include "kernels/core/error.h"

namespace lf::cli {
namespace {

using Rgb = std::array<double, 3>;

// Shape classifier thresholds on the scale-free invariants |m_n| / (area r^n). Measured on 1200
// images rendered by shapes.py (factors uniform over its ranges, 8-bit pixels; the golden set's
// recipe, tools/reference/make_shapes_golden.py, with RandomState(7)): circles have m3 <= 0.004
// and m4 <= 0.007 (the pixel grid only); squares m3 <= 0.008 and m4 in [0.162, 0.183] (pi^2 / 60 =
// 0.164 for the ideal square); triangles m3 in [0.374, 0.398] and m4 <= 0.020. Each threshold sits
// a factor of ~3 below its class's minimum and >= 3x above the other classes' maxima, leaving room
// for a generator's imperfect shapes. A shape over both thresholds takes the class whose invariant
// exceeds its threshold by the larger factor.
constexpr double kTriangleM3 = 0.12;
constexpr double kSquareM4 = 0.06;
// Arguments of m3 (triangle) and m4 (square) at rotation 0, from shapes.py's convention (a
// triangle vertex points up, towards -y; the square is axis-aligned; a rotation theta multiplies
// m_n by exp(i n theta)). Verified on the golden set (tests/golden/test_shape_factors_golden.cpp).
constexpr double kTrianglePhase = std::numbers::pi / 2;
constexpr double kSquarePhase = std::numbers::pi;
// A foreground closer than this (RGB distance) to the background is no foreground: the demo's
// shapes are >= 0.6 away from their background (shapes.py colours), a flat image only 8-bit steps.
constexpr double kMinContrast = 0.04;
constexpr double kCoverCutoff = 0.5;  // components are made of pixels covered more than this
constexpr int kMinComponentPixels = 3;
constexpr double kForegroundFraction = 0.75;  // foreground colour: pixels at >= this x max distance

double median(std::vector<double> v) {
    const std::size_t h = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
    if (v.size() % 2 == 1) return v[h];
    const double upper = v[h];
    return (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h)) + upper) / 2;
}

// Per-channel median of the border pixels.
Rgb border_colour(const float* image, int height, int width) {
    const std::size_t plane = static_cast<std::size_t>(height) * width;
    Rgb out{};
    for (int c = 0; c < 3; ++c) {
        const float* p = image + c * plane;
        std::vector<double> v;
        for (int i = 0; i < width; ++i) v.insert(v.end(), {p[i], p[(height - 1) * width + i]});
        for (int j = 1; j + 1 < height; ++j) v.insert(v.end(), {p[j * width], p[j * width + width - 1]});
        out[c] = median(std::move(v));
    }
    return out;
}

double distance(const Rgb& a, const Rgb& b) {
    return std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                     (a[2] - b[2]) * (a[2] - b[2]));
}

Rgb pixel(const float* image, std::size_t plane, std::size_t q) {
    return {image[q], image[plane + q], image[2 * plane + q]};
}

// HSV hue in [0, 1) of an RGB colour; NaN for a grey.
double hue_of(const Rgb& c) {
    const double mx = std::max({c[0], c[1], c[2]}), mn = std::min({c[0], c[1], c[2]}), chroma = mx - mn;
    if (chroma < 1e-6) return NAN;
    double h;
    if (mx == c[0]) {
        h = (c[1] - c[2]) / chroma;
    } else if (mx == c[1]) {
        h = 2 + (c[2] - c[0]) / chroma;
    } else {
        h = 4 + (c[0] - c[1]) / chroma;
    }
    h /= 6;
    return h - std::floor(h);
}

// Coverage [height * width] in [0, 1]: distance from the background over the foreground's distance.
// Sets the hue of the foreground colour; empty when there is no foreground.
std::vector<double> coverage(const float* image, std::size_t plane, const Rgb& bg, double& hue) {
    std::vector<double> dist(plane);
    for (std::size_t q = 0; q < plane; ++q) dist[q] = distance(pixel(image, plane, q), bg);
    const double max_dist = plane ? *std::max_element(dist.begin(), dist.end()) : 0.0;
    if (!(max_dist >= kMinContrast)) return {};
    Rgb fg{};
    int count = 0;
    for (std::size_t q = 0; q < plane; ++q) {
        if (dist[q] < kForegroundFraction * max_dist) continue;
        const Rgb p = pixel(image, plane, q);
        for (int c = 0; c < 3; ++c) fg[c] += p[c];
        ++count;
    }
    for (double& v : fg) v /= count;
    hue = hue_of(fg);
    const double full = distance(fg, bg);
    for (double& d : dist) d = std::clamp(d / full, 0.0, 1.0);
    return dist;
}

// 8-connected components of a > kCoverCutoff with at least kMinComponentPixels pixels.
int count_components(const std::vector<double>& a, int height, int width) {
    std::vector<char> seen(a.size(), 0);
    std::vector<int> stack;
    int components = 0;
    for (std::size_t start = 0; start < a.size(); ++start) {
        if (seen[start] || a[start] <= kCoverCutoff) continue;
        int size = 0;
        seen[start] = 1;
        stack.assign(1, static_cast<int>(start));
        while (!stack.empty()) {
            const int q = stack.back();
            stack.pop_back();
            ++size;
            const int y = q / width, x = q % width;
            for (int ny = std::max(0, y - 1); ny <= std::min(height - 1, y + 1); ++ny)
                for (int nx = std::max(0, x - 1); nx <= std::min(width - 1, x + 1); ++nx) {
                    const int n = ny * width + nx;
                    if (!seen[n] && a[n] > kCoverCutoff) {
                        seen[n] = 1;
                        stack.push_back(n);
                    }
                }
        }
        if (size >= kMinComponentPixels) ++components;
    }
    return components;
}

double wrap(double v, double period) {
    const double w = v - period * std::floor(v / period);
    return w >= period ? 0.0 : w;
}

// Area, centroid and scale from the coverage; then class and rotation from m3 and m4.
void shape_from_moments(const std::vector<double>& a, int height, int width, ShapeFactors& f) {
    double sx = 0, sy = 0;
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const double w = a[static_cast<std::size_t>(y) * width + x];
            f.area += w;
            sx += w * (x + 0.5);
            sy += w * (y + 0.5);
        }
    if (!(f.area > 0)) return;
    f.x = sx / f.area;
    f.y = sy / f.area;
    f.scale = std::sqrt(f.area / std::numbers::pi);
    std::complex<double> m3 = 0, m4 = 0;
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            const std::complex<double> d(x + 0.5 - f.x, y + 0.5 - f.y);
            const std::complex<double> d3 = d * d * d;
            const double w = a[static_cast<std::size_t>(y) * width + x];
            m3 += w * d3;
            m4 += w * d3 * d;
        }
    const double r = f.scale;
    f.m3 = std::abs(m3) / (f.area * r * r * r);
    f.m4 = std::abs(m4) / (f.area * r * r * r * r);
    if (f.m3 >= kTriangleM3 && f.m3 / kTriangleM3 >= f.m4 / kSquareM4) {
        f.shape = ShapeClass::Triangle;
        f.rotation = wrap((std::arg(m3) - kTrianglePhase) / 3, rotation_period(f.shape));
    } else if (f.m4 >= kSquareM4) {
        f.shape = ShapeClass::Square;
        f.rotation = wrap((std::arg(m4) - kSquarePhase) / 4, rotation_period(f.shape));
    } else {
        f.shape = ShapeClass::Circle;
    }
}

double circular(double d, double period) {
    const double w = wrap(std::abs(d), period);
    return std::min(w, period - w);
}

}  // namespace

double ShapeFactors::value(Factor f) const {
    switch (f) {
        case Factor::Shape:
            return static_cast<double>(static_cast<int>(shape));
        case Factor::X:
            return x;
        case Factor::Y:
            return y;
        case Factor::Scale:
            return scale;
        case Factor::Rotation:
            return rotation;
        case Factor::Hue:
            return hue;
        case Factor::Background:
            return background;
    }
    LF_ASSERT(false);
    return NAN;
}

ShapeFactors estimate_shape_factors(const float* image, int height, int width) {
    LF_ASSERT(height >= 2 && width >= 2);
    ShapeFactors f;
    const Rgb bg = border_colour(image, height, width);
    f.background = (bg[0] + bg[1] + bg[2]) / 3;
    const std::vector<double> a = coverage(image, static_cast<std::size_t>(height) * width, bg, f.hue);
    if (a.empty()) return f;
    f.components = count_components(a, height, width);
    f.one_shape = f.components == 1;
    shape_from_moments(a, height, width, f);
    return f;
}

double rotation_period(ShapeClass s) {
    if (s == ShapeClass::Square) return std::numbers::pi / 2;
    if (s == ShapeClass::Triangle) return 2 * std::numbers::pi / 3;
    return NAN;
}

double factor_change(const ShapeFactors& a, const ShapeFactors& b, Factor f) {
    switch (f) {
        case Factor::Shape:
            return a.shape == b.shape ? 0.0 : 1.0;
        case Factor::Hue:
            return circular(a.hue - b.hue, 1.0);
        case Factor::Rotation:
            if (a.shape != b.shape || std::isnan(rotation_period(a.shape))) return NAN;
            return circular(a.rotation - b.rotation, rotation_period(a.shape));
        default:
            return std::abs(a.value(f) - b.value(f));
    }
}

}  // namespace lf::cli

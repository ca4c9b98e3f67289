// linalg_test_util.h: helpers of the linalg tests: golden-file loading, principal angles between
// row subspaces, and eigen residuals, each as CONTRIBUTING's tolerance policy asks (subspaces by
// principal angles, linear algebra by residuals, never eigenvectors elementwise).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/io/npy.h"
#include "linalg/eigh.h"

namespace lf::test {

inline std::string golden_path(const std::string& name) {
    return std::string(LF_SOURCE_DIR) + "/tests/golden/linalg/" + name;
}

inline std::vector<double> load_f64(const std::string& name) {
    const Tensor t = npy::load(golden_path(name));
    std::vector<double> v(static_cast<std::size_t>(t.numel()));
    for (std::int64_t i = 0; i < t.numel(); ++i)
        v[i] = t.dtype() == DType::F64 ? t.data<double>()[i] : t.data<float>()[i];
    return v;
}

// Largest principal angle (radians) between the row spaces of a [k, d] and b [k, d] (orthonormal rows).
inline double max_principal_angle(const std::vector<double>& a, const std::vector<double>& b, int k,
                                  std::int64_t d) {
    std::vector<double> m(static_cast<std::size_t>(k) * k, 0.0);  // M = A B^T
    for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j) {
            double s = 0.0;
            for (std::int64_t c = 0; c < d; ++c) s += a[i * d + c] * b[j * d + c];
            m[static_cast<std::size_t>(i) * k + j] = s;
        }
    std::vector<double> mmt(static_cast<std::size_t>(k) * k, 0.0);  // singular values^2 of M
    for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j) {
            double s = 0.0;
            for (int c = 0; c < k; ++c)
                s += m[static_cast<std::size_t>(i) * k + c] * m[static_cast<std::size_t>(j) * k + c];
            mmt[static_cast<std::size_t>(i) * k + j] = s;
        }
    const EighResult e = eigh_descending(mmt.data(), k, k);
    const double smallest = std::sqrt(std::clamp(e.values[k - 1], 0.0, 1.0));
    return std::acos(std::min(1.0, smallest));
}

// ||A V^T - V^T diag(l)||_F / (||A||_F ||V||_F) in float32 for rows V [k, n] of a symmetric A [n, n].
inline double eigen_residual_f32(const std::vector<double>& a, const std::vector<double>& v,
                                 const std::vector<double>& l, int k, int n) {
    std::vector<float> af(a.begin(), a.end()), vf(v.begin(), v.end());
    double num = 0.0, an = 0.0, vn = 0.0;
    for (float x : af) an += static_cast<double>(x) * x;
    for (float x : vf) vn += static_cast<double>(x) * x;
    for (int i = 0; i < k; ++i)
        for (int r = 0; r < n; ++r) {
            float s = 0.0f;
            for (int c = 0; c < n; ++c)
                s += af[static_cast<std::size_t>(r) * n + c] * vf[static_cast<std::size_t>(i) * n + c];
            const double diff =
                static_cast<double>(s) - static_cast<float>(l[i]) * vf[static_cast<std::size_t>(i) * n + r];
            num += diff * diff;
        }
    return std::sqrt(num) / (std::sqrt(an) * std::sqrt(vn));
}

// ||V V^T - I||_F in float32 for rows V [k, n].
inline double orthonormality_error_f32(const std::vector<double>& v, int k, std::int64_t n) {
    std::vector<float> vf(v.begin(), v.end());
    double err = 0.0;
    for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j) {
            float s = 0.0f;
            for (std::int64_t c = 0; c < n; ++c) s += vf[i * n + c] * vf[j * n + c];
            const double diff = s - (i == j ? 1.0 : 0.0);
            err += diff * diff;
        }
    return std::sqrt(err);
}

}  // namespace lf::test

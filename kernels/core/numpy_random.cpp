// numpy_random.cpp: MT19937 (Matsumoto & Nishimura) and NumPy's legacy Gaussian; see the header.
#include "kernels/core/numpy_random.h"

#include <cmath>

namespace lf {
namespace {
constexpr int kN = 624;
constexpr int kM = 397;
constexpr std::uint32_t kMatrixA = 0x9908b0dfU;
constexpr std::uint32_t kUpperMask = 0x80000000U;
constexpr std::uint32_t kLowerMask = 0x7fffffffU;
}  // namespace

NumpyRandomState::NumpyRandomState(std::uint32_t seed) {
    // NumPy's mt19937_seed: the reference init_genrand.
    std::uint32_t s = seed;
    for (int i = 0; i < kN; ++i) {
        key_[i] = s;
        s = 1812433253U * (s ^ (s >> 30)) + static_cast<std::uint32_t>(i + 1);
    }
    pos_ = kN;
}

void NumpyRandomState::refill() {
    int i = 0;
    for (; i < kN - kM; ++i) {
        const std::uint32_t y = (key_[i] & kUpperMask) | (key_[i + 1] & kLowerMask);
        key_[i] = key_[i + kM] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    }
    for (; i < kN - 1; ++i) {
        const std::uint32_t y = (key_[i] & kUpperMask) | (key_[i + 1] & kLowerMask);
        key_[i] = key_[i + (kM - kN)] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    }
    const std::uint32_t y = (key_[kN - 1] & kUpperMask) | (key_[0] & kLowerMask);
    key_[kN - 1] = key_[kM - 1] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
    pos_ = 0;
}

std::uint32_t NumpyRandomState::next_uint32() {
    if (pos_ == kN) refill();
    std::uint32_t y = key_[pos_++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

double NumpyRandomState::random_sample() {
    const std::uint32_t a = next_uint32() >> 5;
    const std::uint32_t b = next_uint32() >> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

double NumpyRandomState::standard_normal() {
    if (has_gauss_) {
        has_gauss_ = false;
        return gauss_;
    }
    double x1, x2, r2;
    do {
        x1 = 2.0 * random_sample() - 1.0;
        x2 = 2.0 * random_sample() - 1.0;
        r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 == 0.0);
    const double f = std::sqrt(-2.0 * std::log(r2) / r2);
    gauss_ = f * x1;
    has_gauss_ = true;
    return f * x2;
}

std::vector<double> NumpyRandomState::randn(std::size_t n) {
    std::vector<double> out(n);
    for (double& v : out) v = standard_normal();
    return out;
}

}  // namespace lf

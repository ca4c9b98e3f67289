// numpy_random.h: a bit-exact port of NumPy's legacy RandomState for the draws latentfactor needs:
// MT19937 seeded as `np.random.RandomState(seed)` (init_genrand on a 32-bit integer seed), 53-bit
// doubles from two 32-bit outputs, and the legacy polar Box-Muller Gaussian with its cached second
// value. `NumpyRandomState(seed).randn(n)` equals `np.random.RandomState(seed).randn(n)` bit for bit.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace lf {

class NumpyRandomState {
public:
    explicit NumpyRandomState(std::uint32_t seed);

    std::uint32_t next_uint32();       // genrand_int32
    double random_sample();            // np.random.random_sample(): [0, 1), 53-bit resolution
    double standard_normal();          // legacy_gauss: polar method, caches the second value
    std::vector<double> randn(std::size_t n);  // n successive standard_normal() draws

private:
    void refill();

    std::array<std::uint32_t, 624> key_{};
    int pos_ = 624;
    bool has_gauss_ = false;
    double gauss_ = 0.0;
};

}  // namespace lf

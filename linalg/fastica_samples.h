// fastica_samples.h (internal to lf_linalg): the whitened samples X1 = sqrt(N) K (X - mean)^T [k, N]
// of FastICA wherever they live, and the two products the iteration needs. The CPU version keeps
// X1 in host memory (float32) and runs column blocks on the pool threads with single-threaded OpenBLAS
// calls; the CUDA version (fastica_cuda.cpp) builds X1 on the device from streamed row batches and
// never copies it back: only k x k matrices cross the bus.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "linalg/fastica.h"

namespace lf::detail {

struct IcaWhitening {
    int k = 0;
    std::int64_t n = 0, d = 0;
    std::vector<double> mean;       // [d]
    std::vector<double> whitening;  // [k, d] K = D^-1 U^T
    std::vector<double> basis;      // [k, d] U^T (unit rows)
    std::vector<double> singular;   // [k] D (singular values of X - mean)
    double total_variance = 0.0;    // ddof = 1
    std::string method;
};

class IcaSamples {
public:
    virtual ~IcaSamples() = default;
    // w [r, k] (r = k or 1): egx [r, k] = sum over samples of g(w x) x^T, gp [r] = sum of g'(w x).
    virtual void step(const double* w, int r, double* egx, double* gp) = 0;
    // Per row of w X1: the sum and the sum of squares over the samples.
    virtual void moments(const double* w, int r, double* sum, double* sumsq) = 0;
};

std::unique_ptr<IcaSamples> make_cpu_ica_samples(const RowSource& x, const IcaWhitening& wh,
                                                 const IcaOptions& opt);

#if defined(LF_WITH_CUDA)
std::unique_ptr<IcaSamples> make_cuda_ica_samples(const RowSource& x, const IcaWhitening& wh,
                                                  const IcaOptions& opt);
#endif

}  // namespace lf::detail

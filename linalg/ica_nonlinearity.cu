// ica_nonlinearity.cu: the fused FastICA nonlinearity on the GPU (and under the SIMT emulation).
// v1 (this file): ica_nonlinearity_kernel runs a grid of (column chunks, rows) blocks of 256
// threads; every thread applies g in place to the columns chunk_begin + tid, + 256, ... of its row
// (coalesced) and sums g' in float; the block reduces the 256 sums in float64 through shared memory
// (tree, fixed order) and writes partial[row * chunks + chunk]. ica_row_sum_kernel then adds each
// row's partials in chunk order into gp_sum[row]. No atomics: the result is deterministic.
// CPU twin: lf::cpu::ica_nonlinearity (ica_nonlinearity_cpu.cpp).
#include "kernels/core/error.h"
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch
#include "linalg/ica_nonlinearity.h"

namespace lf::LF_KERNEL_NS {
namespace {

constexpr int kThreads = 256;

__device__ inline void ica_apply(IcaFunction fun, float alpha, float u, float& g, float& gp) {
    if (fun == IcaFunction::Logcosh) {
        const float t = tanhf(alpha * u);
        g = t;
        gp = alpha * (1.0f - t * t);
    } else if (fun == IcaFunction::Exp) {
        const float e = expf(-0.5f * u * u);
        g = u * e;
        gp = (1.0f - u * u) * e;
    } else {
        g = u * u * u;
        gp = 3.0f * u * u;
    }
}

__global__ void __launch_bounds__(kThreads) ica_nonlinearity_kernel(IcaNonlinearityParams p, int chunks) {
    __shared__ double sums[kThreads];
    const int row = static_cast<int>(blockIdx.y);
    const int chunk = static_cast<int>(blockIdx.x);
    const int tid = static_cast<int>(threadIdx.x);
    const std::int64_t begin = p.cols * chunk / chunks;
    const std::int64_t end = p.cols * (chunk + 1) / chunks;
    float* y = p.y + row * p.ldy;
    float acc = 0.0f;
    for (std::int64_t j = begin + tid; j < end; j += kThreads) {
        float g, gp;
        ica_apply(p.fun, p.alpha, y[j], g, gp);
        y[j] = g;
        acc += gp;
    }
    sums[tid] = acc;
    __syncthreads();
    for (int s = kThreads / 2; s > 0; s /= 2) {
        if (tid < s) sums[tid] += sums[tid + s];
        __syncthreads();
    }
    if (tid == 0) p.partial[row * chunks + chunk] = sums[0];
}

__global__ void ica_row_sum_kernel(const double* partial, int rows, int chunks, double* gp_sum) {
    const int row = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
    if (row >= rows) return;
    double s = 0.0;
    for (int c = 0; c < chunks; ++c) s += partial[row * chunks + c];
    gp_sum[row] = s;
}

}  // namespace

void ica_nonlinearity(const IcaNonlinearityParams& p, Stream stream) {
    check_ica_nonlinearity_params(p);
    LF_CHECK(p.rows == 0 || p.partial != nullptr,
             "ica_nonlinearity: the CUDA version needs a partial workspace");
    if (p.rows == 0) return;
    LF_CHECK(p.rows <= 65535, "ica_nonlinearity: rows = ", p.rows, " exceeds the grid's y limit 65535");
    const int chunks = ica_nonlinearity_chunks(p.cols);
    simt::launch<ica_nonlinearity_kernel>(dim3(chunks, p.rows), dim3(kThreads), 0, stream, p, chunks);
    const int per_block = 128;
    simt::launch<ica_row_sum_kernel>(dim3((p.rows + per_block - 1) / per_block), dim3(per_block), 0, stream,
                                     static_cast<const double*>(p.partial), p.rows, chunks, p.gp_sum);
}

}  // namespace lf::LF_KERNEL_NS

// gemm_tiled.cu: C = alpha * A·B + beta * C (fp32, row-major) with a shared-memory tiled kernel.
// v1 (this file): each 16x16 thread block computes a 16x16 tile of C, one element per thread;
// the k loop stages a 16x16 tile of A and of B in shared memory per step, with a barrier after
// loading (tiles complete) and after computing (tiles free for the next step). fp32 FMA
// accumulation in k order. CPU twin: lf::cpu::gemm (gemm_cpu.cpp).
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, CUDA keywords under the emulation
#include "kernels/simt/launch.h"       // defines: lf::simt::launch

#include "kernels/core/error.h"
#include "kernels/ops/gemm.h"

namespace lf::LF_KERNEL_NS {
namespace {

template <int Tile>
__global__ void __launch_bounds__(Tile * Tile) gemm_tiled_kernel(GemmParams p) {
    __shared__ float a_tile[Tile][Tile];  // [row in tile, k in tile]
    __shared__ float b_tile[Tile][Tile];  // [k in tile, column in tile]
    const int tx = static_cast<int>(threadIdx.x);
    const int ty = static_cast<int>(threadIdx.y);
    const int row = static_cast<int>(blockIdx.y) * Tile + ty;
    const int col = static_cast<int>(blockIdx.x) * Tile + tx;

    float acc = 0.0f;
    for (int k0 = 0; k0 < p.k; k0 += Tile) {
        const int a_k = k0 + tx;
        const int b_k = k0 + ty;
        a_tile[ty][tx] = (row < p.m && a_k < p.k) ? p.a[row * p.lda + a_k] : 0.0f;
        b_tile[ty][tx] = (b_k < p.k && col < p.n) ? p.b[b_k * p.ldb + col] : 0.0f;
        __syncthreads();
        for (int kk = 0; kk < Tile; ++kk) acc = fmaf(a_tile[ty][kk], b_tile[kk][tx], acc);
        __syncthreads();
    }
    if (row < p.m && col < p.n) {
        float* c = p.c + row * p.ldc + col;
        *c = p.beta == 0.0f ? p.alpha * acc : p.alpha * acc + p.beta * *c;
    }
}

}  // namespace

void gemm_tiled(const GemmParams& p, Stream stream) {
    check_gemm_params(p);
    if (p.m == 0 || p.n == 0) return;
    constexpr int kTile = 16;
    const dim3 block(kTile, kTile);
    const dim3 grid((p.n + kTile - 1) / kTile, (p.m + kTile - 1) / kTile);
    simt::launch<gemm_tiled_kernel<kTile>>(grid, block, 0, stream, p);
}

}  // namespace lf::LF_KERNEL_NS

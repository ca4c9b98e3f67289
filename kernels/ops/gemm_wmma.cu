// gemm_wmma.cu: C = alpha * A·B + beta * C (fp32 in and out, row-major) on the tensor cores through
// nvcuda::wmma with TF32 inputs and fp32 accumulation (sm_80 and newer).
// v1 (this file): a 128-thread block (2x2 warps) computes a 32x32 tile of C; per k step of 8 the
// block stages a 32x8 tile of A and an 8x32 tile of B in shared memory (zero-padded at the edges,
// rounded to TF32), each warp multiplies its 16x16 quarter with one m16n16k8 mma_sync; the
// accumulators go through shared memory for the alpha/beta epilogue and the edge masking.
// CPU twin: lf::cpu::gemm (gemm_cpu.cpp); tolerance: tests/emulated/tolerance.h gemm_tf32.
#include "kernels/simt/cuda_compat.h"  // defines: LF_KERNEL_NS, nvcuda::wmma (real or emulated)
#include "kernels/simt/launch.h"       // defines: lf::simt::launch

#include "kernels/core/error.h"
#include "kernels/ops/gemm.h"

namespace lf::LF_KERNEL_NS {
namespace {

namespace wmma = nvcuda::wmma;

constexpr int kBlockM = 32, kBlockN = 32, kBlockK = 8;  // C tile per block, k step
constexpr int kWarpTile = 16;                            // m16n16k8: each warp owns 16x16 of C
constexpr int kThreads = 128;                            // 2x2 warps
// Shared row strides: multiples of 4 floats (wmma wants ldm % 16 bytes == 0), padded by 4.
constexpr int kLdA = kBlockK + 4, kLdB = kBlockN + 4, kLdC = kBlockN + 4;

__global__ void __launch_bounds__(kThreads) gemm_wmma_kernel(GemmParams p) {
    __shared__ __align__(32) float a_tile[kBlockM][kLdA];  // [row in tile, k in step]
    __shared__ __align__(32) float b_tile[kBlockK][kLdB];  // [k in step, column in tile]
    __shared__ __align__(32) float c_tile[kBlockM][kLdC];  // [row in tile, column in tile]
    const int tid = static_cast<int>(threadIdx.x);
    const int warp = tid / 32;
    const int warp_row = warp / 2 * kWarpTile, warp_col = warp % 2 * kWarpTile;
    const int row0 = static_cast<int>(blockIdx.y) * kBlockM, col0 = static_cast<int>(blockIdx.x) * kBlockN;

    wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc;
    wmma::fill_fragment(acc, 0.0f);
    for (int k0 = 0; k0 < p.k; k0 += kBlockK) {
        for (int i = tid; i < kBlockM * kBlockK; i += kThreads) {
            const int r = i / kBlockK, c = i % kBlockK, gr = row0 + r, gk = k0 + c;
            a_tile[r][c] = wmma::__float_to_tf32(gr < p.m && gk < p.k ? p.a[gr * p.lda + gk] : 0.0f);
        }
        for (int i = tid; i < kBlockK * kBlockN; i += kThreads) {
            const int r = i / kBlockN, c = i % kBlockN, gk = k0 + r, gc = col0 + c;
            b_tile[r][c] = wmma::__float_to_tf32(gk < p.k && gc < p.n ? p.b[gk * p.ldb + gc] : 0.0f);
        }
        __syncthreads();
        wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> a_frag;
        wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> b_frag;
        wmma::load_matrix_sync(a_frag, &a_tile[warp_row][0], kLdA);
        wmma::load_matrix_sync(b_frag, &b_tile[0][warp_col], kLdB);
        wmma::mma_sync(acc, a_frag, b_frag, acc);
        __syncthreads();
    }
    wmma::store_matrix_sync(&c_tile[warp_row][warp_col], acc, kLdC, wmma::mem_row_major);
    __syncthreads();
    for (int i = tid; i < kBlockM * kBlockN; i += kThreads) {
        const int r = i / kBlockN, c = i % kBlockN, gr = row0 + r, gc = col0 + c;
        if (gr < p.m && gc < p.n) {
            float* out = p.c + gr * p.ldc + gc;
            *out = p.beta == 0.0f ? p.alpha * c_tile[r][c] : p.alpha * c_tile[r][c] + p.beta * *out;
        }
    }
}

}  // namespace

void gemm_wmma(const GemmParams& p, Stream stream) {
    check_gemm_params(p);
    if (p.m == 0 || p.n == 0) return;
    const dim3 grid((p.n + kBlockN - 1) / kBlockN, (p.m + kBlockM - 1) / kBlockM);
    simt::launch<gemm_wmma_kernel>(grid, dim3(kThreads), 0, stream, p);
}

}  // namespace lf::LF_KERNEL_NS

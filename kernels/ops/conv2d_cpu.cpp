// conv2d_cpu.cpp: CPU backend of conv2d: im2col over chunks of output rows (across samples when the
// planes are small, so the GEMM's N stays wide), then OpenBLAS SGEMM; the chunks spread over the
// CPU thread pool when there are enough of them (kernels/core/cpu_threads.h).
//
// Nearest x2 upsample + 3x3 conv (padding 1), FastGAN's up-block conv, runs as four 2x2 convs on
// the input grid, one per output parity class (py, px) (the "sub-pixel" form): output pixel
// (2y + py, 2x + px) reads upsampled rows 2y + py - 1 .. 2y + py + 1, i.e. input rows y + py - 1 + dy
// for dy in {0, 1}, with the taps that land on the same input pixel summed into one weight:
//   py = 0: dy 0 <- ky {0}, dy 1 <- ky {1, 2};   py = 1: dy 0 <- ky {0, 1}, dy 1 <- ky {2}
// (columns alike). K drops from 9 I to 4 I per output pixel (2.25x fewer FLOPs and im2col work);
// the zero padding of the upsampled image is the zero padding of the input. Only the summation
// order of the weights differs from the direct form (a few ulp). Small input planes (the first
// blocks, where combining the weights would cost more than it saves) use the direct form, reading
// input pixel (uy / 2, ux / 2) in the gather so the upsample never materializes.
#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "kernels/ops/conv2d.h"

namespace lf {

void conv2d_check(const Conv2dParams& p) {
    LF_CHECK(p.x && p.weight && p.y, "conv2d: null tensor");
    LF_CHECK(p.batch > 0 && p.in_channels > 0 && p.out_channels > 0 && p.height > 0 && p.width > 0 &&
                 p.kernel > 0 && p.pad >= 0 && (p.upsample == 1 || p.upsample == 2),
             "conv2d: bad parameters");
    LF_CHECK(p.out_height() > 0 && p.out_width() > 0, "conv2d: empty output");
}

namespace cpu {
namespace {

constexpr std::size_t kColsBytes = 4u << 20;  // im2col chunk budget (fits the L2/L3 working set)
constexpr int kMinGemmColumns = 256;          // below this many output columns per sample, batch samples

// The gather of one conv "grid": output g = (gy, gx) of a Gh x Gw grid reads taps (ty, tx) in
// [0, T)^2 of the input at (gy + oy0 + ty, gx + ox0 + tx), or of the x2-upsampled input at
// (gy + oy0 + ty, gx + ox0 + tx) / 2 when up = 2 (direct form); zero outside.
struct Grid {
    int gh, gw;    // output grid
    int taps;      // T
    int oy0, ox0;  // tap offsets
    int up;        // 1: plain input; 2: read the nearest-upsampled input
};

// cols [I * T * T, rows * Gw] for grid rows r0 .. r0 + rows - 1 (row r = n * Gh + gy).
void im2col(const Conv2dParams& p, const Grid& g, int r0, int rows, float* cols) {
    const int I = p.in_channels, H = p.height, W = p.width, T = g.taps, up = g.up;
    const int Hu = H * up, Wu = W * up;
    const std::size_t in_plane = static_cast<std::size_t>(H) * W,
                      ncols = static_cast<std::size_t>(rows) * g.gw;
    for (int i = 0; i < I; ++i)
        for (int ty = 0; ty < T; ++ty)
            for (int tx = 0; tx < T; ++tx) {
                float* dst = cols + (static_cast<std::size_t>(i) * T * T + ty * T + tx) * ncols;
                const int sx = g.ox0 + tx;  // input column = gx + sx (upsampled coordinates when up = 2)
                const int gx0 = std::clamp(-sx, 0, g.gw), gx1 = std::clamp(Wu - sx, gx0, g.gw);
                for (int r = 0; r < rows; ++r) {
                    const int n = (r0 + r) / g.gh, gy = (r0 + r) % g.gh;
                    const int uy = gy + g.oy0 + ty;
                    float* d = dst + static_cast<std::size_t>(r) * g.gw;
                    if (uy < 0 || uy >= Hu) {
                        std::fill(d, d + g.gw, 0.0f);
                        continue;
                    }
                    const float* src = p.x + (static_cast<std::size_t>(n) * I + i) * in_plane +
                                       static_cast<std::size_t>(uy / up) * W;
                    std::fill(d, d + gx0, 0.0f);
                    if (up == 1) {
                        std::memcpy(d + gx0, src + gx0 + sx,
                                    static_cast<std::size_t>(gx1 - gx0) * sizeof(float));
                    } else {
                        for (int gx = gx0; gx < gx1; ++gx) d[gx] = src[(gx + sx) >> 1];
                    }
                    std::fill(d + gx1, d + g.gw, 0.0f);
                }
            }
}

// y[n, o, Y, X] = tmp[o, col] for col = (r - r0) * Gw + gx, Y = gy * sy + py, X = gx * sx + px.
void scatter(const Conv2dParams& p, const Grid& g, int r0, int rows, const float* tmp, int step, int py,
             int px) {
    const int O = p.out_channels, Ho = p.out_height(), Wo = p.out_width();
    const std::size_t out_plane = static_cast<std::size_t>(Ho) * Wo,
                      ncols = static_cast<std::size_t>(rows) * g.gw;
    for (int o = 0; o < O; ++o)
        for (int r = 0; r < rows; ++r) {
            const int n = (r0 + r) / g.gh, gy = (r0 + r) % g.gh;
            const float* s = tmp + o * ncols + static_cast<std::size_t>(r) * g.gw;
            float* d = p.y + (static_cast<std::size_t>(n) * O + o) * out_plane +
                       static_cast<std::size_t>(gy * step + py) * Wo + px;
            if (step == 1) {
                std::memcpy(d, s, static_cast<std::size_t>(g.gw) * sizeof(float));
            } else {
                for (int gx = 0; gx < g.gw; ++gx) d[static_cast<std::size_t>(gx) * step] = s[gx];
            }
        }
}

// One grid: chunks of rows, im2col, SGEMM with `w` [O, I * T * T]; written straight into y when a
// chunk lies in one sample and step == 1, else through tmp and scatter. Chunks write disjoint
// output rows: with enough of them they go to the pool's threads (each with its own buffers and a
// single-threaded SGEMM, so im2col and scatter run in parallel too and no BLAS threads wait
// between the many small GEMMs); otherwise one thread runs them with the threaded SGEMM.
void conv_grid(const Conv2dParams& p, const Grid& g, const float* w, int step, int py, int px) {
    const int O = p.out_channels, K = p.in_channels * g.taps * g.taps;
    const std::size_t out_plane = static_cast<std::size_t>(p.out_height()) * p.out_width();
    const int total_rows = p.batch * g.gh;
    const std::size_t row_bytes = static_cast<std::size_t>(K) * g.gw * sizeof(float);
    int rows_per_chunk = std::max(1, static_cast<int>(kColsBytes / row_bytes));
    const bool whole_samples = static_cast<std::int64_t>(g.gh) * g.gw < kMinGemmColumns;
    if (whole_samples)
        rows_per_chunk = std::max(g.gh, rows_per_chunk / g.gh * g.gh);  // several whole samples per GEMM
    else
        rows_per_chunk = std::min(rows_per_chunk, g.gh);  // chunks within one sample
    std::vector<std::pair<int, int>> chunks;  // (first row, rows)
    for (int r0 = 0, rows = 0; r0 < total_rows; r0 += rows) {
        rows = whole_samples ? std::min(rows_per_chunk, total_rows - r0)
                             : std::min(rows_per_chunk, g.gh - r0 % g.gh);  // stop at the sample end
        chunks.emplace_back(r0, rows);
    }
    auto run_chunk = [&](int r0, int rows, std::vector<float>& cols, std::vector<float>& tmp) {
        const int ncols = rows * g.gw;
        cols.resize(static_cast<std::size_t>(K) * ncols);
        im2col(p, g, r0, rows, cols.data());
        if (!whole_samples && step == 1) {  // direct: rows r0.. of sample n are contiguous in y
            const int n = r0 / g.gh, gy = r0 % g.gh;
            float* c =
                p.y + static_cast<std::size_t>(n) * O * out_plane + static_cast<std::size_t>(gy) * g.gw;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, ncols, K, 1.0f, w, K, cols.data(),
                        ncols, 0.0f, c, static_cast<int>(out_plane));
        } else {
            tmp.resize(static_cast<std::size_t>(O) * ncols);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, ncols, K, 1.0f, w, K, cols.data(),
                        ncols, 0.0f, tmp.data(), ncols);
            scatter(p, g, r0, rows, tmp.data(), step, py, px);
        }
    };
    const int chunk_count = static_cast<int>(chunks.size());
    const int threads = cpu_threads();
    if (threads <= 1 || chunk_count < 2 * threads) {
        std::vector<float> cols, tmp;
        for (const auto& [r0, rows] : chunks) run_chunk(r0, rows, cols, tmp);
        return;
    }
    const BlasThreadsScope single(1);
    parallel_run(threads, [&](int t) {
        std::vector<float> cols, tmp;
        for (int c = t; c < chunk_count; c += threads) run_chunk(chunks[c].first, chunks[c].second, cols, tmp);
    });
}

// The 2x2 sub-pixel weights of parity class (py, px): wc[o, i, dy, dx] = sum of w[o, i, ky, kx]
// over the ky of dy and the kx of dx (see the file comment).
void subpixel_weights(const Conv2dParams& p, int py, int px, std::vector<float>& wc) {
    const int O = p.out_channels, I = p.in_channels;
    wc.assign(static_cast<std::size_t>(O) * I * 4, 0.0f);
    auto part = [](int parity, int d, int k) {  // does 3x3 tap k map to 2x2 tap d for this parity?
        return parity == 0 ? (d == 0 ? k == 0 : k >= 1) : (d == 0 ? k <= 1 : k == 2);
    };
    for (std::size_t oi = 0; oi < static_cast<std::size_t>(O) * I; ++oi) {
        const float* w = p.weight + oi * 9;
        float* c = wc.data() + oi * 4;
        for (int dy = 0; dy < 2; ++dy)
            for (int dx = 0; dx < 2; ++dx) {
                float acc = 0.0f;
                for (int ky = 0; ky < 3; ++ky)
                    for (int kx = 0; kx < 3; ++kx)
                        if (part(py, dy, ky) && part(px, dx, kx)) acc += w[ky * 3 + kx];
                c[dy * 2 + dx] = acc;
            }
    }
}

}  // namespace

void conv2d(const Conv2dParams& p) {
    conv2d_check(p);
    const int H = p.height, W = p.width;
    const bool subpixel = p.upsample == 2 && p.kernel == 3 && p.pad == 1 &&
                          static_cast<std::int64_t>(H) * W * p.batch >= kMinGemmColumns;
    if (subpixel) {
        std::vector<float> wc;
        for (int py = 0; py < 2; ++py)
            for (int px = 0; px < 2; ++px) {
                subpixel_weights(p, py, px, wc);
                conv_grid(p, Grid{H, W, 2, py - 1, px - 1, 1}, wc.data(), 2, py, px);
            }
    } else {
        conv_grid(p, Grid{p.out_height(), p.out_width(), p.kernel, -p.pad, -p.pad, p.upsample}, p.weight, 1,
                  0, 0);
    }
    if (p.act == OutputActivation::Tanh) {
        const std::size_t total =
            static_cast<std::size_t>(p.batch) * p.out_channels * p.out_height() * p.out_width();
        for (std::size_t q = 0; q < total; ++q) p.y[q] = std::tanh(p.y[q]);
    }
}

}  // namespace cpu
}  // namespace lf

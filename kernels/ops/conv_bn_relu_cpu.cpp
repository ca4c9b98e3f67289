// conv_bn_relu_cpu.cpp: CPU backend of conv_bn_relu (the twin the CUDA kernel is tested against).
// The convolution is one SGEMM per chunk: weight [O, K] x columns [K, cols], K = I * kh * kw.
//  - 1x1 stride-1 convs on large maps read the input plane as the column matrix (no copy);
//  - other convs gather im2col columns (row ranges computed once per tap, zero padding by fill);
//  - small maps (the 17x17 and 8x8 stages) gather several images side by side so the SGEMM has
//    enough columns, and the epilogue scatters them back to NCHW.
// The epilogue adds the folded BN shift and applies ReLU while writing the output channel slice.
// Chunks spread over the CPU thread pool (single-threaded SGEMM each) when there are enough.
#include <cblas.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "kernels/ops/conv_bn_relu.h"

namespace lf {

void conv_bn_relu_check(const ConvBnReluParams& p) {
    LF_CHECK(p.batch >= 0 && p.in_channels > 0 && p.out_channels > 0 && p.height > 0 && p.width > 0,
             "conv_bn_relu: bad sizes batch=", p.batch, " in=", p.in_channels, " out=", p.out_channels,
             " height=", p.height, " width=", p.width);
    LF_CHECK(
        p.kernel_h > 0 && p.kernel_w > 0 && p.stride_h > 0 && p.stride_w > 0 && p.pad_h >= 0 && p.pad_w >= 0,
        "conv_bn_relu: bad kernel ", p.kernel_h, "x", p.kernel_w, " stride ", p.stride_h, "x", p.stride_w,
        " pad ", p.pad_h, "x", p.pad_w);
    LF_CHECK(p.height + 2 * p.pad_h >= p.kernel_h && p.width + 2 * p.pad_w >= p.kernel_w, "conv_bn_relu: a ",
             p.kernel_h, "x", p.kernel_w, " kernel does not fit a ", p.height, "x", p.width,
             " input with pad ", p.pad_h, "x", p.pad_w);
    LF_CHECK(p.y_channel_offset >= 0 && p.y_channel_offset + p.out_channels <= p.y_channels,
             "conv_bn_relu: output channels [", p.y_channel_offset, ", ", p.y_channel_offset + p.out_channels,
             ") do not fit y_channels=", p.y_channels);
    if (p.batch > 0) LF_CHECK(p.x && p.weight && p.bias && p.y, "conv_bn_relu: null tensor");
}

namespace cpu {
namespace {

constexpr std::int64_t kMinGemmColumns = 1024;        // gather images until the SGEMM has this many
constexpr std::int64_t kMaxColumnBytes = 64ll << 20;  // cap of the im2col buffer

// Writes the im2col rows of image `xn` ([I, H, W]) into cols (row r = (i, ky, kx), columns
// [0, Ho * Wo) at row stride ld).
void im2col(const ConvBnReluParams& p, const float* xn, float* cols, std::int64_t ld) {
    const int H = p.height, W = p.width, Ho = p.out_height(), Wo = p.out_width();
    const int sh = p.stride_h, sw = p.stride_w;
    for (int i = 0; i < p.in_channels; ++i) {
        const float* plane = xn + static_cast<std::int64_t>(i) * H * W;
        for (int ky = 0; ky < p.kernel_h; ++ky) {
            for (int kx = 0; kx < p.kernel_w; ++kx) {
                float* row = cols + ((static_cast<std::int64_t>(i) * p.kernel_h + ky) * p.kernel_w + kx) * ld;
                // valid output columns: 0 <= ox * sw - pad_w + kx < W
                const int off_x = kx - p.pad_w;
                int lo = off_x >= 0 ? 0 : (-off_x + sw - 1) / sw;
                int hi = (W - 1 - off_x) >= 0 ? (W - 1 - off_x) / sw + 1 : 0;
                lo = std::min(lo, Wo);
                hi = std::clamp(hi, lo, Wo);
                for (int oy = 0; oy < Ho; ++oy) {
                    float* d = row + static_cast<std::int64_t>(oy) * Wo;
                    const int iy = oy * sh - p.pad_h + ky;
                    if (iy < 0 || iy >= H) {
                        std::fill(d, d + Wo, 0.0f);
                        continue;
                    }
                    const float* src = plane + static_cast<std::int64_t>(iy) * W + off_x;
                    std::fill(d, d + lo, 0.0f);
                    if (sw == 1) {
                        std::memcpy(d + lo, src + lo, sizeof(float) * static_cast<std::size_t>(hi - lo));
                    } else {
                        for (int ox = lo; ox < hi; ++ox) d[ox] = src[static_cast<std::int64_t>(ox) * sw];
                    }
                    std::fill(d + hi, d + Wo, 0.0f);
                }
            }
        }
    }
}

}  // namespace

void conv_bn_relu(const ConvBnReluParams& p) {
    conv_bn_relu_check(p);
    if (p.batch == 0) return;
    const int I = p.in_channels, O = p.out_channels;
    const std::int64_t K = static_cast<std::int64_t>(I) * p.kernel_h * p.kernel_w;
    const std::int64_t P = static_cast<std::int64_t>(p.out_height()) * p.out_width();
    const std::int64_t in_image = static_cast<std::int64_t>(I) * p.height * p.width;
    const std::int64_t out_image = static_cast<std::int64_t>(p.y_channels) * P;
    const bool direct = p.kernel_h == 1 && p.kernel_w == 1 && p.stride_h == 1 && p.stride_w == 1 &&
                        p.pad_h == 0 && p.pad_w == 0;

    // Images per SGEMM: enough for kMinGemmColumns columns, within the column-buffer cap.
    std::int64_t per_chunk = std::max<std::int64_t>(1, (kMinGemmColumns + P - 1) / P);
    per_chunk = std::min<std::int64_t>(per_chunk, std::max<std::int64_t>(1, kMaxColumnBytes / (K * P * 4)));
    per_chunk = std::min<std::int64_t>(per_chunk, p.batch);

    // Chunks of whole images go to the CPU pool's threads, each with its own buffers and a
    // single-threaded SGEMM (im2col and the epilogue run in parallel too, and no BLAS threads wait
    // between the many small GEMMs); at least two chunks per thread when the batch allows.
    const int threads = cpu_threads();
    if (threads > 1 && p.batch >= threads)  // (a smaller batch runs serially: keep its chunks wide)
        per_chunk = std::max<std::int64_t>(1, std::min<std::int64_t>(per_chunk, p.batch / (2 * threads)));
    auto run_chunk = [&](std::int64_t n0, std::vector<float>& cols, std::vector<float>& acc) {
        const std::int64_t nb = std::min<std::int64_t>(per_chunk, p.batch - n0);
        const std::int64_t ncols = nb * P;
        const float* b = nullptr;
        if (nb == 1 && direct) {
            b = p.x + n0 * in_image;  // [I, H * W] is already the column matrix
        } else {
            cols.resize(static_cast<std::size_t>(K * ncols));
            for (std::int64_t j = 0; j < nb; ++j) {
                const float* xn = p.x + (n0 + j) * in_image;
                if (direct) {
                    for (int i = 0; i < I; ++i)
                        std::memcpy(cols.data() + i * ncols + j * P, xn + i * P, sizeof(float) * P);
                } else {
                    im2col(p, xn, cols.data() + j * P, ncols);
                }
            }
            b = cols.data();
        }
        if (nb == 1) {
            // The slice [O, P] of image n0 is contiguous: SGEMM writes it, the epilogue runs in place.
            float* yn = p.y + n0 * out_image + static_cast<std::int64_t>(p.y_channel_offset) * P;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, static_cast<int>(P),
                        static_cast<int>(K), 1.0f, p.weight, static_cast<int>(K), b, static_cast<int>(P),
                        0.0f, yn, static_cast<int>(P));
            for (int o = 0; o < O; ++o) {
                float* row = yn + o * P;
                const float s = p.bias[o];
                if (p.relu) {
                    for (std::int64_t q = 0; q < P; ++q) row[q] = std::max(row[q] + s, 0.0f);
                } else {
                    for (std::int64_t q = 0; q < P; ++q) row[q] += s;
                }
            }
        } else {
            acc.resize(static_cast<std::size_t>(O * ncols));
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, O, static_cast<int>(ncols),
                        static_cast<int>(K), 1.0f, p.weight, static_cast<int>(K), b, static_cast<int>(ncols),
                        0.0f, acc.data(), static_cast<int>(ncols));
            for (std::int64_t j = 0; j < nb; ++j) {
                float* yn = p.y + (n0 + j) * out_image + static_cast<std::int64_t>(p.y_channel_offset) * P;
                for (int o = 0; o < O; ++o) {
                    const float* src = acc.data() + o * ncols + j * P;
                    float* dst = yn + o * P;
                    const float s = p.bias[o];
                    if (p.relu) {
                        for (std::int64_t q = 0; q < P; ++q) dst[q] = std::max(src[q] + s, 0.0f);
                    } else {
                        for (std::int64_t q = 0; q < P; ++q) dst[q] = src[q] + s;
                    }
                }
            }
        }
    };
    const std::int64_t chunks = (p.batch + per_chunk - 1) / per_chunk;
    if (threads <= 1 || chunks < threads) {
        std::vector<float> cols, acc;
        for (std::int64_t c = 0; c < chunks; ++c) run_chunk(c * per_chunk, cols, acc);
        return;
    }
    const BlasThreadsScope single(1);
    parallel_run(threads, [&](int t) {
        std::vector<float> cols, acc;
        for (std::int64_t c = t; c < chunks; c += threads) run_chunk(c * per_chunk, cols, acc);
    });
}

}  // namespace cpu
}  // namespace lf

// pca_cuda.cpp: the streamed passes of PCA on the GPU (CUDA builds).
//   Rows already on the device (DeviceRowSource: `lfgen factorize -m` on CUDA) are read in place.
//   lf::cuda::scatter_stats (exact PCA, FastICA's whitening): each row batch is copied up once,
//   shifted by the first row (scatter_shift kernel: float32 values and float64 column sums),
//   multiplied with cublasSsyrk in float32 and added into the float64 total (accumulate_f64 kernel).
//   Only the d x d result comes back.
//   lf::cuda::apply_scatter_pass (randomized PCA, pca_pass.h): each row batch X_b is copied up once
//   per pass; T = X_b Q (cublasSgemm), T -= offset in place with the float64 column sums of T
//   (scatter_shift), X_b^T T (cublasSgemm) and T^T T (cublasSsyrk) in float32 per batch, added into
//   float64 totals (accumulate_f64); the first pass also gathers the float64 moments of X_b - shift
//   (column_moments kernel). Only the d x l, l x l and d-sized sums come back.
#include <algorithm>
#include <climits>

#include "kernels/core/error.h"
#include "linalg/column_moments.h"
#include "linalg/cuda_util.h"
#include "linalg/dense_util.h"
#include "linalg/pca.h"
#include "linalg/pca_pass.h"
#include "linalg/scatter_accumulate.h"

namespace lf::cuda {

namespace {

// out = x - 1 shift^T for row-major [rows, cols] blocks (out may be x), adding the float64 column
// sums of the result to colsum (scatter_shift kernel).
void shift_rows(const float* x, std::int64_t rows, std::int64_t cols, const double* shift, float* out,
                double* colsum, Stream stream) {
    ScatterShiftParams sp;
    sp.rows = rows;
    sp.cols = cols;
    sp.x = x;
    sp.ldx = cols;
    sp.shift = shift;
    sp.out = out;
    sp.ldo = cols;
    sp.colsum = colsum;
    scatter_shift(sp, stream);
}

// c64 [n, n] += A A^T for column-major A [n, k]: cublasSsyrk into the lower triangle of c32 (float32,
// overwritten; its upper triangle stays as it was), then added into c64 in float64 (accumulate_f64).
void syrk_accumulate(cublasHandle_t blas, int n, int k, const float* a, float* c32, double* c64, Stream stream) {
    const float one = 1.0f, zero = 0.0f;
    LF_CUBLAS_CHECK(cublasSsyrk(blas, CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, n, k, &one, a, n, &zero, c32, n));
    AccumulateF64Params ap;
    ap.n = static_cast<std::int64_t>(n) * n;
    ap.src = c32;
    ap.dst = c64;
    accumulate_f64(ap, stream);
}

}  // namespace

ScatterStats scatter_stats(const RowSource& x, std::int64_t batch_rows, Stream stream) {
    const std::int64_t n = x.rows(), d = x.cols();
    LF_CHECK(d <= 46340, x.name(), ": d = ", d, " is too large for a d x d scatter matrix");
    const std::int64_t b = std::min(batch_rows, n);
    detail::CublasHandle blas(stream);
    // Host rows are staged in `batch`; device-resident rows are read in place.
    detail::DeviceArray<float> batch(detail::staging_floats(x, b), stream),
        shifted(static_cast<std::size_t>(b * d), stream);
    detail::DeviceArray<float> c32(static_cast<std::size_t>(d * d), stream);
    detail::DeviceArray<double> c64(static_cast<std::size_t>(d * d), stream), colsum(d, stream),
        shift_d(d, stream);
    c64.zero();
    c32.zero();  // cublasSsyrk writes one triangle; the other is added as zeros
    colsum.zero();
    std::vector<double> shift(d);
    x.read(0, 1, shift.data());
    shift_d.upload(shift.data(), d);
    const int di = static_cast<int>(d);
    const bool finite_from_sums = detail::finiteness_from_sums(x);  // (dense_util.h)
    detail::for_each_device_batch(x, batch_rows, !finite_from_sums, batch,
                                  [&](std::int64_t, std::int64_t count, const float* block) {
                                      shift_rows(block, count, d, shift_d.get(), shifted.get(), colsum.get(),
                                                 stream);
                                      // Row-major [count, d] == column-major [d, count]: C (d x d) = A A^T
                                      // with A = shifted (d x count).
                                      syrk_accumulate(blas.get(), di, static_cast<int>(count), shifted.get(),
                                                      c32.get(), c64.get(), stream);
                                  });
    std::vector<double> scatter(static_cast<std::size_t>(d * d)), sums(d);
    c64.download(scatter.data(), scatter.size());
    colsum.download(sums.data(), d);
    if (finite_from_sums) detail::check_finite_sums(x, batch_rows, sums);
    // Column-major lower == row-major upper: scatter_stats_from_sums mirrors it and removes n m m^T.
    return detail::scatter_stats_from_sums(n, shift, sums, std::move(scatter));
}

detail::ScatterPassSums apply_scatter_pass(const RowSource& x, const detail::ScatterPassInput& in,
                                           Stream stream) {
    const std::int64_t n = x.rows(), d = x.cols();
    const std::int64_t l = in.l;
    const std::int64_t b = std::min(in.batch_rows, n);
    LF_ASSERT(l >= 1 && b >= 1 && in.shift && in.q && in.offset);
    // cuBLAS takes int sizes: d and the batch rows are GEMM dimensions and leading dimensions.
    LF_CHECK(d <= INT_MAX && b <= INT_MAX, x.name(), ": d = ", d, " or batch rows = ", b,
             " exceed the int range of cuBLAS");
    const int di = static_cast<int>(d), li = static_cast<int>(l);
    detail::CublasHandle blas(stream);
    // X_b row-major [rows, d] is column-major [d, rows] (ld d); Q row-major [d, l] is column-major
    // [l, d] (ld l); T row-major [rows, l] is column-major [l, rows] (ld l).
    detail::DeviceArray<float> batch(detail::staging_floats(x, b), stream),
        q(static_cast<std::size_t>(d * l), stream), t(static_cast<std::size_t>(b * l), stream);
    detail::DeviceArray<double> offset(l, stream), tsum(l, stream);
    q.upload(in.q, static_cast<std::size_t>(d * l));
    const std::vector<double> offset_d(in.offset, in.offset + l);  // the float32 offset, exactly
    offset.upload(offset_d.data(), l);
    tsum.zero();
    const std::size_t dl = in.want_xtt ? static_cast<std::size_t>(d * l) : 0;
    detail::DeviceArray<float> y32(dl, stream);
    detail::DeviceArray<double> y64(dl, stream);
    if (dl) y64.zero();
    const std::size_t ll = in.want_gram ? static_cast<std::size_t>(l * l) : 0;
    detail::DeviceArray<float> g32(ll, stream);
    detail::DeviceArray<double> g64(ll, stream);
    if (ll) {
        g32.zero();  // cublasSsyrk writes one triangle; the other is added as zeros
        g64.zero();
    }
    const std::size_t dm = in.want_moments ? static_cast<std::size_t>(d) : 0;
    detail::DeviceArray<double> shift(dm, stream), colsum(dm, stream), colsumsq(dm, stream);
    if (dm) {
        shift.upload(in.shift, dm);
        colsum.zero();
        colsumsq.zero();
    }
    const float one = 1.0f, zero = 0.0f;
    const bool finite_from_sums = in.want_moments && detail::finiteness_from_sums(x);  // (dense_util.h)
    detail::for_each_device_batch(
        x, in.batch_rows, in.want_moments && !finite_from_sums, batch, [&](std::int64_t, std::int64_t count, const float* block) {
            const int rows = static_cast<int>(count);
            if (dm) {
                ColumnMomentsParams mp;
                mp.rows = count;
                mp.cols = d;
                mp.x = block;
                mp.ldx = d;
                mp.shift = shift.get();
                mp.colsum = colsum.get();
                mp.colsumsq = colsumsq.get();
                column_moments(mp, stream);
            }
            // T^T [l, rows] = Q^T [l, d] X_b^T [d, rows] (column-major views of T = X_b Q).
            LF_CUBLAS_CHECK(cublasSgemm(blas.get(), CUBLAS_OP_N, CUBLAS_OP_N, li, rows, di, &one, q.get(), li,
                                        block, di, &zero, t.get(), li));
            // T -= 1 offset^T in float32, and the float64 column sums of the result (in place).
            shift_rows(t.get(), count, l, offset.get(), t.get(), tsum.get(), stream);
            if (dl) {
                // (X_b^T T)^T [l, d] = T^T [l, rows] X_b [rows, d] (column-major), i.e. row-major X_b^T T.
                LF_CUBLAS_CHECK(cublasSgemm(blas.get(), CUBLAS_OP_N, CUBLAS_OP_T, li, di, rows, &one, t.get(),
                                            li, block, di, &zero, y32.get(), li));
                AccumulateF64Params ap;
                ap.n = d * l;
                ap.src = y32.get();
                ap.dst = y64.get();
                accumulate_f64(ap, stream);
            }
            if (ll) {
                // T^T T [l, l] = T^T [l, rows] (T^T)^T: the column-major lower triangle is the row-major
                // upper.
                syrk_accumulate(blas.get(), li, rows, t.get(), g32.get(), g64.get(), stream);
            }
        });
    detail::ScatterPassSums sums;
    if (dl) {
        sums.xtt.resize(dl);
        y64.download(sums.xtt.data(), dl);
        sums.tsum.resize(l);
        tsum.download(sums.tsum.data(), l);
    }
    if (ll) {
        sums.gram.resize(ll);
        g64.download(sums.gram.data(), ll);
    }
    if (dm) {
        sums.colsum.resize(dm);
        colsum.download(sums.colsum.data(), dm);
        if (finite_from_sums) detail::check_finite_sums(x, in.batch_rows, sums.colsum);
        std::vector<double> sq(dm);
        colsumsq.download(sq.data(), dm);
        for (double v : sq) sums.sumsq += v;
    }
    return sums;
}

}  // namespace lf::cuda

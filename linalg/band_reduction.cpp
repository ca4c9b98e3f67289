// band_reduction.cpp: dense symmetric -> band, panel by panel with pool-parallel updates and
// look-ahead, X = A V by the symmetric tile kernel below (see band_reduction.h).
#include "linalg/band_reduction.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/core/cpu_clones.h"
#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "kernels/core/spin_wait.h"

namespace lf {
namespace {

// The QR of one panel [rows, cols] (column-major, leading dimension lda) in compact WY form:
// on return the panel holds R (upper) and V (strict lower, unit diagonal implied), t [k, k] the
// upper triangular T of Q = I - V T V^T, k = min(rows, cols). Returns LAPACK's info (nonzero only
// for bad arguments; it does not throw, as it also runs inside a pool region).
lapack_int factor_panel(double* panel, int rows, int cols, int lda, double* t, int ldt,
                        std::vector<double>& work) {
    const int k = std::min(rows, cols);
    if (k == 0) return 0;
    work.resize(static_cast<std::size_t>(cols) * k);
    return LAPACKE_dgeqrt_work(LAPACK_COL_MAJOR, rows, cols, k, panel, lda, t, ldt, work.data());
}

constexpr int kTile = 256;         // X = A V works on kTile x kTile tiles of the lower triangle
constexpr int kUpdateBlock = 128;  // the rank-2k update works on column blocks this wide

// The tile products below keep V and the partial sums of X = A V row-major, rows of kRow doubles
// (columns k..kRow-1 of V zero), so a row is kRowVecs vectors of eight (GCC vector extension: an
// AVX-512 register each in the avx512f clone, split into narrower ones in the others).
constexpr int kLanes = 8, kRowVecs = kMaxPanelWidth / kLanes, kRow = kMaxPanelWidth;
static_assert(kMaxPanelWidth % kLanes == 0, "rows of whole vectors");
typedef double Vec8 __attribute__((vector_size(kLanes * sizeof(double))));
constexpr int kTileColumns = 8;  // columns of A per pass: 8 of A^T V's rows in registers
constexpr int kTileRows = 64;    // rows per pass: their rows of X and V stay in L1

// One off-diagonal tile A [ti, tj] (column-major, leading dimension lda) of the symmetric trailing
// matrix, read once for both of its products: xi [ti] += A vj and xj [tj] += A^T vi (rows of kRow).
// Per row i, pass of 8 columns and vector h of the row: 8 broadcasts of A(i, j) against vector h of
// the 8 rows of vj in registers (into X's row i), and against vector h of vi's row i (into the 8
// rows of A^T vi, also in registers): no packing, 16 FMAs per 2 vector loads and 1 store. On one
// AVX-512 core, a 256 x 256 tile in cache: OpenBLAS's two 32-column GEMMs 45-50 GF/s, this ~70;
// inside the reduction (tiles from memory, both cores busy) ~58.
LF_CPU_CLONES void tile_products(int ti, int tj, const double* a, int lda, const double* vi, const double* vj,
                                 double* xi, double* xj) {
    for (int i0 = 0; i0 < ti; i0 += kTileRows) {
        const int i1 = std::min(ti, i0 + kTileRows);
        int j = 0;
        for (; j + kTileColumns <= tj; j += kTileColumns) {
            const double* aj = a + static_cast<std::ptrdiff_t>(j) * lda;
            for (int h = 0; h < kRowVecs; ++h) {  // one vector of the rows at a time
                Vec8 v[kTileColumns], sum[kTileColumns] = {};
                for (int q = 0; q < kTileColumns; ++q)
                    std::memcpy(&v[q], vj + static_cast<std::ptrdiff_t>(j + q) * kRow + h * kLanes,
                                sizeof v[q]);
                for (int i = i0; i < i1; ++i) {
                    double e[kTileColumns];
#pragma GCC unroll 8
                    for (int q = 0; q < kTileColumns; ++q)
                        e[q] = aj[i + static_cast<std::ptrdiff_t>(q) * lda];
                    Vec8 r, x;
                    std::memcpy(&r, vi + static_cast<std::ptrdiff_t>(i) * kRow + h * kLanes, sizeof r);
                    std::memcpy(&x, xi + static_cast<std::ptrdiff_t>(i) * kRow + h * kLanes, sizeof x);
#pragma GCC unroll 8
                    for (int q = 0; q < kTileColumns; ++q) {
                        x += v[q] * e[q];
                        sum[q] += r * e[q];
                    }
                    std::memcpy(xi + static_cast<std::ptrdiff_t>(i) * kRow + h * kLanes, &x, sizeof x);
                }
                for (int q = 0; q < kTileColumns; ++q) {
                    double* row = xj + static_cast<std::ptrdiff_t>(j + q) * kRow + h * kLanes;
                    Vec8 y;
                    std::memcpy(&y, row, sizeof y);
                    y += sum[q];
                    std::memcpy(row, &y, sizeof y);
                }
            }
        }
        for (; j < tj; ++j) {  // the last columns one at a time
            const double* aj = a + static_cast<std::ptrdiff_t>(j) * lda;
            Vec8 v[kRowVecs], sum[kRowVecs] = {};
            std::memcpy(v, vj + static_cast<std::ptrdiff_t>(j) * kRow, sizeof v);
            for (int i = i0; i < i1; ++i) {
                Vec8 r[kRowVecs], x[kRowVecs];
                std::memcpy(r, vi + static_cast<std::ptrdiff_t>(i) * kRow, sizeof r);
                std::memcpy(x, xi + static_cast<std::ptrdiff_t>(i) * kRow, sizeof x);
                for (int h = 0; h < kRowVecs; ++h) {
                    x[h] += v[h] * aj[i];
                    sum[h] += r[h] * aj[i];
                }
                std::memcpy(xi + static_cast<std::ptrdiff_t>(i) * kRow, x, sizeof x);
            }
            Vec8 y[kRowVecs];
            std::memcpy(y, xj + static_cast<std::ptrdiff_t>(j) * kRow, sizeof y);
            for (int h = 0; h < kRowVecs; ++h) y[h] += sum[h];
            std::memcpy(xj + static_cast<std::ptrdiff_t>(j) * kRow, y, sizeof y);
        }
    }
}

// A diagonal tile A [t, t] (lower triangle read): x [t] += A v for the symmetric A. Each 8 x 8
// triangle on the diagonal entry by entry, the rows under it through tile_products.
LF_CPU_CLONES void diagonal_tile_products(int t, const double* a, int lda, const double* v, double* x) {
    for (int j0 = 0; j0 < t; j0 += kTileColumns) {
        const int width = std::min(kTileColumns, t - j0);
        for (int jj = 0; jj < width; ++jj)
            for (int ii = jj; ii < width; ++ii) {
                const double e = a[j0 + ii + static_cast<std::ptrdiff_t>(j0 + jj) * lda];
                double* xi = x + static_cast<std::ptrdiff_t>(j0 + ii) * kRow;
                double* xj = x + static_cast<std::ptrdiff_t>(j0 + jj) * kRow;
                const double* vi = v + static_cast<std::ptrdiff_t>(j0 + ii) * kRow;
                const double* vj = v + static_cast<std::ptrdiff_t>(j0 + jj) * kRow;
                for (int c = 0; c < kRow; ++c) xi[c] += e * vj[c];
                if (ii != jj)
                    for (int c = 0; c < kRow; ++c) xj[c] += e * vi[c];
            }
        const int below = j0 + width;
        if (below < t)
            tile_products(
                t - below, width, a + below + static_cast<std::ptrdiff_t>(j0) * lda, lda,
                v + static_cast<std::ptrdiff_t>(below) * kRow, v + static_cast<std::ptrdiff_t>(j0) * kRow,
                x + static_cast<std::ptrdiff_t>(below) * kRow, x + static_cast<std::ptrdiff_t>(j0) * kRow);
    }
}

struct Tile {
    int i0, i1, j0, j1;  // rows [i0, i1), columns [j0, j1) of the trailing matrix; i0 >= j0
};

// The lower-triangle tiles of an m x m matrix, each given to one thread: longest-processing-time
// first over their flop counts (a diagonal tile is one SYMM, an off-diagonal one two GEMMs), ties
// to the lowest thread. Deterministic, so X's rounding does not vary from run to run.
std::vector<std::vector<Tile>> assign_tiles(int m, int threads) {
    std::vector<Tile> tiles;
    for (int j0 = 0; j0 < m; j0 += kTile)
        for (int i0 = j0; i0 < m; i0 += kTile)
            tiles.push_back({i0, std::min(m, i0 + kTile), j0, std::min(m, j0 + kTile)});
    auto cost = [](const Tile& t) {
        return static_cast<double>(t.i1 - t.i0) * (t.j1 - t.j0) * (t.i0 == t.j0 ? 1.0 : 2.0);
    };
    std::stable_sort(tiles.begin(), tiles.end(),
                     [&](const Tile& a, const Tile& b) { return cost(a) > cost(b); });
    std::vector<std::vector<Tile>> out(static_cast<std::size_t>(threads));
    std::vector<double> load(static_cast<std::size_t>(threads), 0.0);
    for (const Tile& t : tiles) {
        const auto least = std::min_element(load.begin(), load.end()) - load.begin();
        out[static_cast<std::size_t>(least)].push_back(t);
        load[static_cast<std::size_t>(least)] += cost(t);
    }
    return out;
}

}  // namespace

void symmetric_to_band(double* a, int n, int lda, BulgeBand& band, int threads) {
    LF_CHECK(band.n() == n && lda >= std::max(1, n), "band reduction: bad order ", n,
             " or leading dimension ", lda);
    LF_CHECK(band.kd() <= kMaxPanelWidth, "band reduction: bandwidth ", band.kd(), " above ", kMaxPanelWidth);
    const int kd = std::min(band.kd(), std::max(n - 1, 0));
    auto at = [&](int i, int j) { return a + i + static_cast<std::ptrdiff_t>(j) * lda; };
    threads = coupled_region_threads(threads);  // the threads below wait on each other

    if (kd >= 1 && n - kd > 0) {
        const int m0 = n - kd;  // the first trailing matrix's order (the largest)
        const std::size_t mk = static_cast<std::size_t>(m0) * kd, kk = static_cast<std::size_t>(kd) * kd;
        // [V | Y] and [Y | V] [m, 2k] (what the rank-2k update reads): V explicit (unit lower
        // trapezoidal) is built in the first, X (then Y) computed in the second, and each copied
        // into the other's right half. V again row-major [m, kRow] for the tile products, their
        // per-thread partial sums of A V [threads][m, kRow], the partial sums of V^T X
        // [threads][k, k], the T of the current and the next panel.
        const std::size_t m_rows = static_cast<std::size_t>(m0) * kRow;
        std::vector<double> vy(2 * mk), yv(2 * mk), v_rows(m_rows), x_parts(m_rows * threads),
            z_parts(kk * threads);
        double* const v = vy.data();  // [m, k] V = vy[:, :k]
        double* const x = yv.data();  // [m, k] X, then Y = yv[:, :k]
        std::vector<double> t_buffers(2 * kk);
        std::vector<double> qr_work;           // DGEQRT's workspace (thread 0 factors every panel)
        std::vector<std::vector<Tile>> tiles;  // this panel's X tiles per thread (thread 0 assigns)
        std::atomic<int> next_block[2] = {0, 0};
        std::atomic<lapack_int> qr_info{0};
        SpinBarrier barrier(threads);
        const BlasThreadsScope single_threaded_blas(1);  // the pool threads call BLAS themselves

        // Panel p covers columns [j0, j0 + kd); the rows below its band, [j0 + kd, n), are factored.
        qr_info = factor_panel(at(kd, 0), n - kd, kd, lda, t_buffers.data(), kd, qr_work);
        LF_CHECK(qr_info == 0, "band reduction: LAPACK dgeqrt failed (info ", qr_info.load(), ")");
        parallel_run_pinned(threads, [&](int tid) {
            std::vector<double> w(kk);  // 1/2 T^T V^T X, computed by every thread (k x k)
            for (int j0 = 0, panel = 0; j0 + kd < n; j0 += kd, ++panel) {
                const int r0 = j0 + kd;         // first row/column of the trailing matrix
                const int m = n - r0;           // its order
                const int k = std::min(m, kd);  // reflectors of this panel
                double* a22 = at(r0, r0);       // [m, m] trailing matrix (lower)
                const double* t = t_buffers.data() + (panel & 1) * kk;
                double* t_next = t_buffers.data() + ((panel + 1) & 1) * kk;
                double* xp = x_parts.data() + static_cast<std::size_t>(tid) * m_rows;
                const int rb = range_split(m, threads, tid), re = range_split(m, threads, tid + 1),
                          rows = re - rb;

                // V explicit (columns split) and row-major (rows split), the private X sums cleared.
                for (int c = range_split(k, threads, tid); c < range_split(k, threads, tid + 1); ++c) {
                    const double* src = at(r0, j0 + c);
                    double* dst = v + static_cast<std::size_t>(c) * m;
                    std::fill_n(dst, c, 0.0);
                    dst[c] = 1.0;
                    std::copy(src + c + 1, src + m, dst + c + 1);
                }
                for (int i = rb; i < re; ++i) {
                    double* row = v_rows.data() + static_cast<std::size_t>(i) * kRow;
                    const int below = std::min(i, k);  // V(i, c) for c < i is stored, V(i, i) = 1
                    const double* src = at(r0 + i, j0);
                    for (int c = 0; c < below; ++c) row[c] = src[static_cast<std::ptrdiff_t>(c) * lda];
                    std::fill(row + below, row + kRow, 0.0);
                    if (i < k) row[i] = 1.0;
                }
                std::fill_n(xp, static_cast<std::size_t>(m) * kRow, 0.0);
                if (tid == 0) {
                    next_block[(panel + 1) & 1].store(0, std::memory_order_relaxed);
                    tiles = assign_tiles(m, threads);
                }
                barrier.arrive_and_wait();

                // X = A22 V over this thread's tiles, into its private sum (each tile read once
                // for both of its products).
                for (const Tile& tile : tiles[static_cast<std::size_t>(tid)]) {
                    const int ti = tile.i1 - tile.i0, tj = tile.j1 - tile.j0;
                    const double* block = a22 + tile.i0 + static_cast<std::ptrdiff_t>(tile.j0) * lda;
                    const std::size_t ri = static_cast<std::size_t>(tile.i0) * kRow,
                                      rj = static_cast<std::size_t>(tile.j0) * kRow;
                    if (tile.i0 == tile.j0)
                        diagonal_tile_products(ti, block, lda, v_rows.data() + ri, xp + ri);
                    else
                        tile_products(ti, tj, block, lda, v_rows.data() + ri, v_rows.data() + rj, xp + ri,
                                      xp + rj);
                }
                barrier.arrive_and_wait();

                // X = (sum of the private sums) T and this row range's part of V^T X (rows split).
                double* xr = x + rb;
                for (int b0 = rb; b0 < re; b0 += kTileRows) {  // blocks of rows, transposed
                    const int b1 = std::min(re, b0 + kTileRows);
                    for (int c = 0; c < k; ++c) {
                        double* dst = x + static_cast<std::size_t>(c) * m;
                        for (int i = b0; i < b1; ++i) {
                            double sum = 0.0;
                            for (int p = 0; p < threads; ++p)
                                sum += x_parts[static_cast<std::size_t>(p) * m_rows +
                                               static_cast<std::size_t>(i) * kRow + c];
                            dst[i] = sum;
                        }
                    }
                }
                double* zp = z_parts.data() + static_cast<std::size_t>(tid) * kk;
                if (rows > 0) {
                    cblas_dtrmm(CblasColMajor, CblasRight, CblasUpper, CblasNoTrans, CblasNonUnit, rows, k,
                                1.0, t, kd, xr, m);  // X T
                    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, k, k, rows, 1.0, v + rb, m, xr, m,
                                0.0, zp, kd);  // V[rows]^T X[rows]
                } else {
                    std::fill_n(zp, kk, 0.0);
                }
                barrier.arrive_and_wait();

                // W = 1/2 T^T (V^T X) (every thread, same order), Y = X - V W, the right halves of [V | Y]
                // and [Y | V].
                std::fill(w.begin(), w.end(), 0.0);
                for (int p = 0; p < threads; ++p)
                    for (std::size_t i = 0; i < kk; ++i)
                        w[i] += z_parts[static_cast<std::size_t>(p) * kk + i];
                cblas_dtrmm(CblasColMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, k, k, 0.5, t, kd,
                            w.data(), kd);
                if (rows > 0) {
                    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, k, k, -1.0, v + rb, m,
                                w.data(), kd, 1.0, xr, m);
                    for (int c = 0; c < k; ++c) {
                        const std::size_t col = static_cast<std::size_t>(c) * m + rb;
                        const std::size_t col2 = static_cast<std::size_t>(k + c) * m + rb;
                        std::copy_n(x + col, rows, vy.data() + col2);
                        std::copy_n(v + col, rows, yv.data() + col2);
                    }
                }
                barrier.arrive_and_wait();

                // A22 -= V Y^T + Y V^T on the lower triangle, by column blocks handed out in order
                // (widest first). Thread 0 first updates the next panel's columns and factors that
                // panel (look-ahead) while the others start on the rest.
                auto update_columns = [&](int c0, int c1) {
                    double* diag = a22 + c0 + static_cast<std::ptrdiff_t>(c0) * lda;
                    cblas_dsyr2k(CblasColMajor, CblasLower, CblasNoTrans, c1 - c0, k, -1.0, v + c0, m, x + c0,
                                 m, 1.0, diag, lda);  // the diagonal block
                    if (c1 < m)  // the rows below: A22[c1:, c0:c1] -= [V Y][c1:] [Y V][c0:c1]^T
                        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasTrans, m - c1, c1 - c0, 2 * k, -1.0,
                                    vy.data() + c1, m, yv.data() + c0, m, 1.0, diag + (c1 - c0), lda);
                };
                const int lead = std::min(kd, m);  // the next panel's columns
                if (tid == 0) {
                    update_columns(0, lead);
                    if (m > kd)
                        if (const lapack_int info =
                                factor_panel(a22 + kd, m - kd, kd, lda, t_next, kd, qr_work))
                            qr_info.store(info);
                }
                std::atomic<int>& counter = next_block[panel & 1];
                for (;;) {
                    const int c0 = lead + counter.fetch_add(1, std::memory_order_relaxed) * kUpdateBlock;
                    if (c0 >= m) break;
                    update_columns(c0, std::min(m, c0 + kUpdateBlock));
                }
                barrier.arrive_and_wait();
            }
        });
        LF_CHECK(qr_info == 0, "band reduction: LAPACK dgeqrt failed (info ", qr_info.load(), ")");
    }

    // The band: the diagonal blocks and the R factors (upper triangles of the blocks under them).
    for (int j = 0; j < n; ++j)
        for (int i = j; i <= std::min(n - 1, j + kd); ++i) band.at(i, j) = *at(i, j);
}

}  // namespace lf

// band_reduction.cpp: dense symmetric -> band, panel by panel with pool-parallel BLAS3 updates and
// look-ahead (see band_reduction.h).
#include "linalg/band_reduction.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "kernels/core/spin_wait.h"

namespace lf {
namespace {

// Splits [0, m) into `parts` ranges of equal length: range t is [even_split(t), even_split(t + 1)).
int even_split(int m, int parts, int t) {
    return static_cast<int>(static_cast<std::int64_t>(m) * t / parts);
}

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
    const int kd = std::min(band.kd(), std::max(n - 1, 0));
    auto at = [&](int i, int j) { return a + i + static_cast<std::ptrdiff_t>(j) * lda; };
    threads = coupled_region_threads(threads);  // the threads below wait on each other

    if (kd >= 1 && n - kd > 0) {
        const int m0 = n - kd;  // the first trailing matrix's order (the largest)
        const std::size_t mk = static_cast<std::size_t>(m0) * kd, kk = static_cast<std::size_t>(kd) * kd;
        // [V | Y] and [Y | V] [m, 2k] (what the rank-2k update reads): V explicit (unit lower
        // trapezoidal) is built in the first, X (then Y) computed in the second, and each copied
        // into the other's right half. The per-thread partial sums of A V [threads][m, k] and of
        // V^T X [threads][k, k], the T of the current and the next panel.
        std::vector<double> vy(2 * mk), yv(2 * mk), x_parts(mk * threads), z_parts(kk * threads);
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
                double* xp = x_parts.data() + static_cast<std::size_t>(tid) * mk;
                const int rb = even_split(m, threads, tid), re = even_split(m, threads, tid + 1),
                          rows = re - rb;

                // V explicit (columns split), the private X sums cleared.
                for (int c = even_split(k, threads, tid); c < even_split(k, threads, tid + 1); ++c) {
                    const double* src = at(r0, j0 + c);
                    double* dst = v + static_cast<std::size_t>(c) * m;
                    std::fill_n(dst, c, 0.0);
                    dst[c] = 1.0;
                    std::copy(src + c + 1, src + m, dst + c + 1);
                }
                std::fill_n(xp, static_cast<std::size_t>(m) * k, 0.0);
                if (tid == 0) {
                    next_block[(panel + 1) & 1].store(0, std::memory_order_relaxed);
                    tiles = assign_tiles(m, threads);
                }
                barrier.arrive_and_wait();

                // X = A22 V over this thread's tiles, into its private sum (each tile read once
                // from memory, then from cache for its transposed use).
                for (const Tile& tile : tiles[static_cast<std::size_t>(tid)]) {
                    const int ti = tile.i1 - tile.i0, tj = tile.j1 - tile.j0;
                    const double* block = a22 + tile.i0 + static_cast<std::ptrdiff_t>(tile.j0) * lda;
                    if (tile.i0 == tile.j0) {
                        cblas_dsymm(CblasColMajor, CblasLeft, CblasLower, ti, k, 1.0, block, lda, v + tile.i0,
                                    m, 1.0, xp + tile.i0, m);
                    } else {
                        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, ti, k, tj, 1.0, block, lda,
                                    v + tile.j0, m, 1.0, xp + tile.i0, m);
                        cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, tj, k, ti, 1.0, block, lda,
                                    v + tile.i0, m, 1.0, xp + tile.j0, m);
                    }
                }
                barrier.arrive_and_wait();

                // X = (sum of the private sums) T and this row range's part of V^T X (rows split).
                double* xr = x + rb;
                for (int c = 0; c < k && rows > 0; ++c) {
                    double* dst = xr + static_cast<std::size_t>(c) * m;
                    std::fill_n(dst, rows, 0.0);
                    for (int p = 0; p < threads; ++p) {
                        const double* src = x_parts.data() + static_cast<std::size_t>(p) * mk + rb +
                                            static_cast<std::size_t>(c) * m;
                        for (int i = 0; i < rows; ++i) dst[i] += src[i];
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

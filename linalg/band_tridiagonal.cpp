// band_tridiagonal.cpp: symmetric band -> tridiagonal bulge chasing, eigenvalues only, pipelined
// over the pool threads (see band_tridiagonal.h). The small dense kernels below work on kd x kd
// blocks that stay in L1/L2; they are written as plain loops (no BLAS call overhead per block) in
// a form GCC vectorizes without -ffast-math, one clone per ISA, with fixed-size vector versions for
// the full 32 x 32 step (the bandwidth lfgen uses).
#include "linalg/band_tridiagonal.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "kernels/core/cpu_clones.h"
#include "kernels/core/cpu_threads.h"
#include "kernels/core/error.h"
#include "kernels/core/spin_wait.h"

namespace lf {
namespace {

// x . y with eight independent partial sums (vectorizable without reassociation flags).
LF_CPU_CLONES double dot(int n, const double* x, const double* y) {
    double acc[8] = {};
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; ++l) acc[l] += x[i + l] * y[i + l];
    double s = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
    for (; i < n; ++i) s += x[i] * y[i];
    return s;
}

// Householder reflector H = I - tau v v^T (v[0] = 1) with H x = (beta, 0, ..., 0): x [m] is
// overwritten by (beta, 0, ...), v [m] receives the reflector; returns tau (0: H = I). As LAPACK's
// DLARFG without its rescaling loop: the caller scales the band to a unit-sized maximum.
double make_reflector(int m, double* x, double* v) {
    v[0] = 1.0;
    if (m <= 1) return 0.0;
    const double tail2 = dot(m - 1, x + 1, x + 1);
    if (tail2 == 0.0) {
        std::fill(v + 1, v + m, 0.0);
        return 0.0;
    }
    const double alpha = x[0];
    const double beta = -std::copysign(std::sqrt(alpha * alpha + tail2), alpha);
    const double scale = 1.0 / (alpha - beta);
    for (int i = 1; i < m; ++i) {
        v[i] = x[i] * scale;
        x[i] = 0.0;
    }
    x[0] = beta;
    return (beta - alpha) / beta;
}

// C [m, m] (symmetric, lower triangle, leading dimension ld) <- H C H: w = tau C v,
// w -= (tau/2)(w.v) v, C -= v w^T + w v^T. w: [m] scratch.
LF_CPU_CLONES void reflect_symmetric(int m, double* c, int ld, const double* v, double tau, double* w) {
    if (tau == 0.0) return;
    std::fill(w, w + m, 0.0);
    for (int j = 0; j < m; ++j) {
        const double* col = c + static_cast<std::ptrdiff_t>(j) * ld;  // C[j:, j]
        const double vj = v[j];
        for (int i = j; i < m; ++i) w[i] += col[i] * vj;
        w[j] += dot(m - j - 1, col + j + 1, v + j + 1);
    }
    for (int i = 0; i < m; ++i) w[i] *= tau;
    const double alpha = -0.5 * tau * dot(m, w, v);
    for (int i = 0; i < m; ++i) w[i] += alpha * v[i];
    for (int j = 0; j < m; ++j) {
        double* col = c + static_cast<std::ptrdiff_t>(j) * ld;
        const double vj = v[j], wj = w[j];
        for (int i = j; i < m; ++i) col[i] -= v[i] * wj + w[i] * vj;
    }
}

// B [p, m] <- B H. w: [p] scratch.
LF_CPU_CLONES void reflect_right(int p, int m, double* b, int ld, const double* v, double tau, double* w) {
    if (tau == 0.0) return;
    std::fill(w, w + p, 0.0);
    for (int c = 0; c < m; ++c) {
        const double* col = b + static_cast<std::ptrdiff_t>(c) * ld;
        const double vc = v[c];
        for (int i = 0; i < p; ++i) w[i] += col[i] * vc;
    }
    for (int c = 0; c < m; ++c) {
        double* col = b + static_cast<std::ptrdiff_t>(c) * ld;
        const double f = tau * v[c];
        for (int i = 0; i < p; ++i) col[i] -= w[i] * f;
    }
}

// B [p, q] <- H B.
LF_CPU_CLONES void reflect_left(int p, int q, double* b, int ld, const double* v, double tau) {
    if (tau == 0.0) return;
    for (int c = 0; c < q; ++c) {
        double* col = b + static_cast<std::ptrdiff_t>(c) * ld;
        const double f = tau * dot(p, v, col);
        for (int i = 0; i < p; ++i) col[i] -= f * v[i];
    }
}

// Fast paths for the full-size step, m = p = kFast (the bandwidth lfgen uses): a column of a block
// is four vectors of eight doubles (GCC vector extension: one AVX-512 register each in the avx512f
// clone, split into narrower ones in the others), kept in registers, with no remainder loops.
constexpr int kFast = 32;
constexpr int kLanes = 8, kGroups = kFast / kLanes;
typedef double Vec8 __attribute__((vector_size(kLanes * sizeof(double))));

// One step's work on the block under the diagonal block, for p = m = kFast: B <- B H (H = I - tau v
// v^T; reflect_right), the next reflector H' from B's first column (make_reflector: that column
// becomes (beta, 0, ..., 0)), then B's other columns <- H' B (reflect_left) in the same pass as
// their part of B H. Returns tau' (v_next [kFast] receives v').
LF_CPU_CLONES double reflect_right_left_fast(double* b, int ld, const double* v, double tau, double* v_next) {
    Vec8 w[kGroups] = {};  // tau B v from two interleaved partial sums (zero when H = I)
    if (tau != 0.0) {
        Vec8 wa[kGroups] = {}, wb[kGroups] = {};
        for (int c = 0; c < kFast; c += 2) {
            const double* col0 = b + static_cast<std::ptrdiff_t>(c) * ld;
            const double* col1 = col0 + ld;
            const double v0 = v[c], v1 = v[c + 1];
#pragma GCC unroll 4
            for (int g = 0; g < kGroups; ++g) {
                Vec8 x0, x1;
                std::memcpy(&x0, col0 + g * kLanes, sizeof x0);
                std::memcpy(&x1, col1 + g * kLanes, sizeof x1);
                wa[g] += x0 * v0;
                wb[g] += x1 * v1;
            }
        }
        for (int g = 0; g < kGroups; ++g) w[g] = (wa[g] + wb[g]) * tau;
    }
    Vec8 x[kGroups];
    std::memcpy(x, b, sizeof x);
    for (int g = 0; g < kGroups; ++g) x[g] -= w[g] * v[0];
    std::memcpy(b, x, sizeof x);
    const double tau_next = make_reflector(kFast, b, v_next);
    Vec8 vn[kGroups];
    std::memcpy(vn, v_next, sizeof vn);
    for (int c = 1; c < kFast; ++c) {
        double* col = b + static_cast<std::ptrdiff_t>(c) * ld;
        std::memcpy(x, col, sizeof x);
        for (int g = 0; g < kGroups; ++g) x[g] -= w[g] * v[c];
        if (tau_next != 0.0) {
            const Vec8 t = (x[0] * vn[0] + x[1] * vn[1]) + (x[2] * vn[2] + x[3] * vn[3]);
            const double f = tau_next * (((t[0] + t[4]) + (t[1] + t[5])) + ((t[2] + t[6]) + (t[3] + t[7])));
            for (int g = 0; g < kGroups; ++g) x[g] -= vn[g] * f;
        }
        std::memcpy(col, x, sizeof x);
    }
    return tau_next;
}

// C [kFast, kFast] (lower triangle) <- H C H (reflect_symmetric for m = kFast), whole vectors
// throughout: in column j the vector of j's own group of eight also covers the rows above the
// diagonal, which are the previous column's padding (BulgeBand: ld + 1 >= 2*kd + 8), always zero:
// they are read as zeros and written back unchanged. w = C v: the axpys C[:, j] v[j] over the
// lower triangle, plus the transposed dots C[j+1:, j] . v[j+1:].
LF_CPU_CLONES void reflect_symmetric_fast(double* c, int ld, const double* v, double tau) {
    if (tau == 0.0) return;
    typedef long long Lanes __attribute__((vector_size(kLanes * sizeof(long long))));
    const Lanes lane = {0, 1, 2, 3, 4, 5, 6, 7};
    const Vec8 zero = {};
    Vec8 vv[kGroups], wv[kGroups] = {};
    std::memcpy(vv, v, sizeof vv);
    double w_dot[kFast];  // the transposed dots
#pragma GCC unroll 4
    for (int gj = 0; gj < kGroups; ++gj)
        for (int r = 0; r < kLanes; ++r) {
            const int j = gj * kLanes + r;
            const double* col = c + static_cast<std::ptrdiff_t>(j) * ld;
            const double vj = v[j];
            Vec8 x;
            std::memcpy(&x, col + gj * kLanes, sizeof x);
            wv[gj] += x * vj;
            Vec8 acc = (lane > r ? x : zero) * vv[gj];
            for (int g = gj + 1; g < kGroups; ++g) {
                std::memcpy(&x, col + g * kLanes, sizeof x);
                wv[g] += x * vj;
                acc += x * vv[g];
            }
            w_dot[j] = ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
        }
    Vec8 w[kGroups], wv_dot = {};
    for (int g = 0; g < kGroups; ++g) {
        Vec8 dot;
        std::memcpy(&dot, w_dot + g * kLanes, sizeof dot);
        w[g] = (wv[g] + dot) * tau;
        wv_dot += w[g] * vv[g];
    }
    const double alpha = -0.5 * tau *
                         (((wv_dot[0] + wv_dot[4]) + (wv_dot[1] + wv_dot[5])) +
                          ((wv_dot[2] + wv_dot[6]) + (wv_dot[3] + wv_dot[7])));
    double w_flat[kFast];
    for (int g = 0; g < kGroups; ++g) {
        w[g] += vv[g] * alpha;
        std::memcpy(w_flat + g * kLanes, &w[g], sizeof w[g]);
    }
#pragma GCC unroll 4
    for (int gj = 0; gj < kGroups; ++gj)
        for (int r = 0; r < kLanes; ++r) {
            const int j = gj * kLanes + r;
            double* col = c + static_cast<std::ptrdiff_t>(j) * ld;
            const double vj = v[j], wj = w_flat[j];
            Vec8 x;
            std::memcpy(&x, col + gj * kLanes, sizeof x);
            x = lane >= r ? x - (vv[gj] * wj + w[gj] * vj) : x;  // the padding stays zero
            std::memcpy(col + gj * kLanes, &x, sizeof x);
            for (int g = gj + 1; g < kGroups; ++g) {
                std::memcpy(&x, col + g * kLanes, sizeof x);
                x -= vv[g] * wj + w[g] * vj;
                std::memcpy(col + g * kLanes, &x, sizeof x);
            }
        }
}

struct alignas(64) SweepState {
    std::atomic<int> steps{0};   // steps of this sweep finished (kSweepDone when all are)
    std::atomic<int> handed{0};  // segments handed on (the carried reflector is in the hand-over slot)
};
constexpr int kSweepDone = 1 << 30;

}  // namespace

BulgeBand::BulgeBand(int n, int kd)
    : n_(n),
      kd_(kd),
      ld_(2 * kd + 7),
      data_((static_cast<std::size_t>(n) + 1) * (static_cast<std::size_t>(ld_) + 1), 0.0) {
    LF_CHECK(n >= 0 && kd >= 0, "band matrix: bad order ", n, " or bandwidth ", kd);
}

void band_to_tridiagonal(BulgeBand& band, double* d, double* e, int threads) {
    const int n = band.n(), kd = std::min(band.kd(), std::max(n - 1, 0)), ld = band.ld();
    double* base = band.data();
    auto at = [&](int i, int j) { return base + i + static_cast<std::ptrdiff_t>(j) * ld; };
    const int sweeps = kd >= 2 ? n - 2 : 0;  // kd <= 1: already tridiagonal
    if (sweeps > 0) {
        // A segment should hold a few steps, else the threads only wait on each other.
        threads = coupled_region_threads(threads, n / (4 * kd));  // the threads below wait on each other
        std::vector<SweepState> state(sweeps);
        // Hand-over slot of sweep s into thread t: the carried reflector [kd], its tau and length.
        const std::size_t slot_size = static_cast<std::size_t>(kd) + 2;
        std::vector<double> slots(static_cast<std::size_t>(sweeps) * threads * slot_size);
        auto slot_of = [&](int s, int t) {
            return &slots[(static_cast<std::size_t>(s) * threads + t) * slot_size];
        };
        parallel_run_pinned(threads, [&](int t) {
            std::vector<double> v(kd), v_next(kd), w(kd);
            for (int s = 0; s < sweeps; ++s) {
                // Step k of sweep s ends with a reflector on the diagonal block starting at s + 1 + k*kd;
                // thread t runs steps [first(t), first(t + 1)): equal shares of the sweep.
                const int steps = (n - 1 - s + kd - 1) / kd;
                auto first = [&](int u) { return range_split(steps, threads, u); };
                const int k_end = first(t + 1);
                int k = first(t);
                if (k >= k_end) continue;  // no step of this sweep is ours
                int j1 = 0, m = 0;         // the current reflector acts on rows/cols [j1, j1 + m)
                double tau = 0.0;
                if (k == 0) {  // annihilate column s below the subdiagonal
                    j1 = s + 1;
                    m = std::min(kd, n - 1 - s);
                    if (s > 0) spin_until_at_least(state[s - 1].steps, 3);
                    tau = make_reflector(m, at(j1, s), v.data());
                    reflect_symmetric(m, at(j1, j1), ld, v.data(), tau, w.data());
                    publish(state[s].steps, 1);
                    k = 1;
                } else {  // take over the reflector the previous segment ended with
                    spin_until_at_least(state[s].handed, t);
                    const double* slot = slot_of(s, t);
                    std::copy_n(slot, kd, v.data());
                    tau = slot[kd];
                    m = static_cast<int>(slot[kd + 1]);
                    j1 = s + 1 + (k - 1) * kd;
                }
                for (; k < k_end; ++k) {
                    const int j2 = j1 + m - 1;
                    const int p = std::min(kd, n - 1 - j2);
                    if (s > 0) spin_until_at_least(state[s - 1].steps, k + 3);
                    double* below = at(j2 + 1, j1);  // [p, m] block under the diagonal block
                    double tau_next;
                    if (p == kFast && m == kFast) {
                        tau_next = reflect_right_left_fast(below, ld, v.data(), tau, v_next.data());
                    } else {
                        reflect_right(p, m, below, ld, v.data(), tau, w.data());
                        tau_next = make_reflector(p, below, v_next.data());  // its first column
                        reflect_left(p, m - 1, below + ld, ld, v_next.data(), tau_next);
                    }
                    j1 = j2 + 1;
                    m = p;
                    tau = tau_next;
                    std::swap(v, v_next);
                    if (m == kFast)
                        reflect_symmetric_fast(at(j1, j1), ld, v.data(), tau);
                    else
                        reflect_symmetric(m, at(j1, j1), ld, v.data(), tau, w.data());
                    publish(state[s].steps, k + 1);
                }
                if (k_end < steps) {  // hand on to the thread that owns step k_end
                    int next = t + 1;
                    while (first(next + 1) <= k_end) ++next;
                    double* slot = slot_of(s, next);
                    std::copy_n(v.data(), kd, slot);
                    slot[kd] = tau;
                    slot[kd + 1] = m;
                    publish(state[s].handed, next);
                } else {
                    publish(state[s].steps, kSweepDone);
                }
            }
        });
    }
    for (int i = 0; i < n; ++i) d[i] = *at(i, i);
    for (int i = 0; i + 1 < n; ++i) e[i] = kd >= 1 ? *at(i + 1, i) : 0.0;
}

}  // namespace lf

// pca.cpp: exact (covariance + eigh) and randomized (block Krylov / subspace iteration) PCA, and the
// CPU streamed pass of the randomized one (pca_pass.h). See pca.h for the algorithms. All big
// products with X are float32 GEMMs (OpenBLAS here, cuBLAS in pca_cuda.cpp) on row batches;
// everything of size d x (k + p) or smaller is float64 on the host.
#include "linalg/pca.h"

#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "kernels/core/error.h"
#include "linalg/dense_util.h"
#include "linalg/eigh.h"
#include "linalg/pca_pass.h"

namespace lf {
namespace {

void fill_result(PcaResult& r, const EighResult& e, double total_variance, std::int64_t n) {
    r.total_variance = total_variance;
    r.explained_variance.resize(r.k);
    r.explained_variance_ratio.resize(r.k);
    r.stdev.resize(r.k);
    for (int i = 0; i < r.k; ++i) {
        const double ev = std::max(0.0, e.values[i]) / static_cast<double>(n - 1);
        r.explained_variance[i] = ev;
        r.explained_variance_ratio[i] = total_variance > 0 ? ev / total_variance : 0.0;
        r.stdev[i] = std::sqrt(ev);
    }
}

void check_pca_input(const RowSource& x, const PcaOptions& opt) {
    LF_CHECK(x.rows() >= 2, x.name(), ": need at least 2 samples (rows), got ", x.rows());
    check_component_count(opt.components, x.rows(), x.cols(), x.name());
    check_source_device(x, opt.device);
    LF_CHECK(opt.batch_rows >= 1, "batch rows must be at least 1, got ", opt.batch_rows);
}

}  // namespace

ScatterStats scatter_stats(const RowSource& x, std::int64_t batch_rows) {
    const std::int64_t n = x.rows(), d = x.cols();
    std::vector<double> shift(d), colsum(d, 0.0), scatter(static_cast<std::size_t>(d * d), 0.0);
    x.read(0, 1, shift.data());
    if (x.dtype() == DType::F32) {
        // float32 data: float32 SYRK on shifted sub-batches of at most kSub rows whose results are
        // summed in float64 (float32 rounding only within kSub-term sums; twice the float64 SYRK rate,
        // no conversion pass). Each pool thread takes whole sub-batches with single-threaded BLAS and
        // its own float64 accumulator when those fit in memory; else one thread drives threaded BLAS.
        constexpr std::int64_t kSub = 1024;
        const int threads = static_cast<int>(std::min<std::int64_t>(
            detail::max_threads(),
            d * d * 8 * detail::max_threads() <= (std::int64_t{1} << 29) ? detail::max_threads() : 1));
        std::vector<float> shift_f(shift.begin(), shift.end());
        struct Local {
            std::vector<float> shifted, part;
            std::vector<double> acc, cols;
        };
        std::vector<Local> local(threads);
        for (Local& l : local) {
            l.part.resize(static_cast<std::size_t>(d * d));
            l.acc.assign(threads > 1 ? static_cast<std::size_t>(d * d) : 0, 0.0);
            l.cols.assign(d, 0.0);
        }
        std::optional<detail::BlasThreadsScope> single;
        if (threads > 1) single.emplace(1);
        const bool finite_from_sums = detail::finiteness_from_sums(x);  // (dense_util.h)
        detail::for_each_batch_f32(
            x, batch_rows, !finite_from_sums, [&](std::int64_t, std::int64_t count, const float* block) {
                const std::int64_t subs = (count + kSub - 1) / kSub;
                detail::parallel_run(static_cast<int>(std::min<std::int64_t>(threads, subs)), [&](int t) {
                    Local& l = local[t];
                    double* acc = threads > 1 ? l.acc.data() : scatter.data();
                    for (std::int64_t s = t; s < subs; s += threads) {
                        const std::int64_t rows = std::min(kSub, count - s * kSub);
                        const float* src = block + s * kSub * d;
                        l.shifted.resize(static_cast<std::size_t>(rows * d));
                        for (std::int64_t i = 0; i < rows; ++i)
                            for (std::int64_t j = 0; j < d; ++j) {
                                const float v = src[i * d + j] - shift_f[j];
                                l.shifted[i * d + j] = v;
                                l.cols[j] += v;
                            }
                        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(d),
                                    static_cast<int>(rows), 1.0f, l.shifted.data(), static_cast<int>(d), 0.0f,
                                    l.part.data(), static_cast<int>(d));
                        for (std::int64_t i = 0; i < d; ++i)
                            for (std::int64_t j = i; j < d; ++j) acc[i * d + j] += l.part[i * d + j];
                    }
                });
            });
        for (const Local& l : local) {
            for (std::int64_t j = 0; j < d; ++j) colsum[j] += l.cols[j];
            if (threads > 1)
                for (std::int64_t i = 0; i < d; ++i)
                    for (std::int64_t j = i; j < d; ++j) scatter[i * d + j] += l.acc[i * d + j];
        }
        if (finite_from_sums) detail::check_finite_sums(x, batch_rows, colsum);
    } else {
        std::vector<double> shifted;
        detail::for_each_batch_f64(
            x, batch_rows, true, [&](std::int64_t, std::int64_t count, const double* block) {
                shifted.resize(static_cast<std::size_t>(count * d));
                detail::parallel_for(count, [&](std::int64_t i0, std::int64_t i1) {
                    for (std::int64_t i = i0; i < i1; ++i)
                        for (std::int64_t j = 0; j < d; ++j) shifted[i * d + j] = block[i * d + j] - shift[j];
                });
                for (std::int64_t i = 0; i < count; ++i)
                    for (std::int64_t j = 0; j < d; ++j) colsum[j] += shifted[i * d + j];
                cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<int>(d),
                            static_cast<int>(count), 1.0, shifted.data(), static_cast<int>(d), 1.0,
                            scatter.data(), static_cast<int>(d));
            });
    }
    return detail::scatter_stats_from_sums(n, shift, colsum, std::move(scatter));
}

namespace detail {

ScatterStats scatter_stats_from_sums(std::int64_t n, const std::vector<double>& shift,
                                     const std::vector<double>& colsum, std::vector<double> scatter) {
    const std::int64_t d = static_cast<std::int64_t>(shift.size());
    ScatterStats s;
    s.n = n;
    s.d = d;
    // S = Xs^T Xs - n m m^T with m = mean of the shifted data; mean = shift + m.
    s.mean.resize(d);
    std::vector<double> m(d);
    for (std::int64_t j = 0; j < d; ++j) {
        m[j] = colsum[j] / static_cast<double>(n);
        s.mean[j] = shift[j] + m[j];
    }
    for (std::int64_t i = 0; i < d; ++i)
        for (std::int64_t j = i; j < d; ++j) {
            const double v = scatter[i * d + j] - static_cast<double>(n) * m[i] * m[j];
            scatter[i * d + j] = v;
            scatter[j * d + i] = v;
        }
    s.scatter = std::move(scatter);
    return s;
}

}  // namespace detail

PcaResult pca_exact(const RowSource& x, const PcaOptions& opt) {
    check_pca_input(x, opt);
    const std::int64_t n = x.rows(), d = x.cols();
    LF_CHECK(d <= 46340, x.name(), ": exact PCA needs a d x d covariance; d = ", d,
             " is too large (use --randomized)");
    ScatterStats s;
    EighResult e;
    if (opt.device.is_cuda()) {
#if defined(LF_WITH_CUDA)
        s = cuda::scatter_stats(x, opt.batch_rows);
        e = cuda::eigh_descending(s.scatter.data(), static_cast<int>(d), opt.components);
#else
        fail("PCA on ", opt.device.to_string(), ": this build has no CUDA backend");
#endif
    } else {
        s = scatter_stats(x, opt.batch_rows);
        e = eigh_descending(s.scatter.data(), static_cast<int>(d), opt.components);
    }
    double trace = 0.0;
    for (std::int64_t j = 0; j < d; ++j) trace += s.scatter[j * d + j];

    PcaResult r;
    r.k = opt.components;
    r.d = d;
    r.samples = n;
    r.method = "exact";
    r.passes = 1;
    r.mean = s.mean;
    r.components = e.vectors;
    fill_result(r, e, trace / static_cast<double>(n - 1), n);
    return r;
}

namespace detail {

ScatterPassSums apply_scatter_pass(const RowSource& x, const ScatterPassInput& in) {
    const std::int64_t d = x.cols();
    const int l = in.l;
    // Every pool thread takes whole sub-batches with single-threaded BLAS and its own accumulators
    // (no threaded BLAS next to the pool: both would compete for the cores).
    constexpr std::int64_t kSub = 1024;
    const int threads = max_threads();
    struct Local {
        std::vector<float> t, yb, gram_b;
        std::vector<double> gram, tsum, cols;
        double sumsq = 0.0;
        bool used = false;  // yb holds a partial sum
    };
    std::vector<Local> local(threads);
    for (Local& lc : local) {
        if (in.want_xtt) {
            lc.yb.resize(static_cast<std::size_t>(d * l));
            lc.tsum.assign(l, 0.0);
        }
        if (in.want_gram) {
            lc.gram_b.resize(static_cast<std::size_t>(l) * l);
            lc.gram.assign(static_cast<std::size_t>(l) * l, 0.0);
        }
        if (in.want_moments) lc.cols.assign(d, 0.0);
    }
    std::optional<BlasThreadsScope> single;
    if (threads > 1) single.emplace(1);
    const bool trace = trace_enabled();
    const auto t_start = std::chrono::steady_clock::now();
    double busy[2] = {0, 0};
    const bool finite_from_moments = in.want_moments && finiteness_from_sums(x);  // (dense_util.h)
    for_each_batch_f32(
        x, in.batch_rows, in.want_moments && !finite_from_moments,
        [&](std::int64_t, std::int64_t count, const float* block) {
            const std::int64_t subs = (count + kSub - 1) / kSub;
            parallel_run(static_cast<int>(std::min<std::int64_t>(threads, subs)), [&](int th) {
                Local& lc = local[th];
                const auto tb = std::chrono::steady_clock::now();
                struct Busy {
                    double& b;
                    std::chrono::steady_clock::time_point t;
                    ~Busy() {
                        b += std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
                    }
                } busy_guard{busy[th & 1], tb};
                for (std::int64_t s = th; s < subs; s += threads) {
                    const std::int64_t rows = std::min(kSub, count - s * kSub);
                    const float* xs = block + s * kSub * d;
                    if (in.want_moments) shifted_moments(xs, rows, d, in.shift, lc.cols.data(), &lc.sumsq);
                    lc.t.resize(static_cast<std::size_t>(rows * l));
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(rows), l,
                                static_cast<int>(d), 1.0f, xs, static_cast<int>(d), in.q, l, 0.0f,
                                lc.t.data(), l);
                    for (std::int64_t i = 0; i < rows; ++i)
                        for (int c = 0; c < l; ++c) lc.t[i * l + c] -= in.offset[c];
                    if (in.want_xtt) {
                        // Accumulated in float32 within a thread (as one big GEMM would), float64 across.
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(d), l,
                                    static_cast<int>(rows), 1.0f, xs, static_cast<int>(d), lc.t.data(), l,
                                    lc.used ? 1.0f : 0.0f, lc.yb.data(), l);
                        lc.used = true;
                        for (std::int64_t i = 0; i < rows; ++i)
                            for (int c = 0; c < l; ++c) lc.tsum[c] += lc.t[i * l + c];
                    }
                    if (in.want_gram) {
                        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, l, static_cast<int>(rows), 1.0f,
                                    lc.t.data(), l, 0.0f, lc.gram_b.data(), l);
                        for (int a = 0; a < l; ++a)
                            for (int b = a; b < l; ++b) lc.gram[a * l + b] += lc.gram_b[a * l + b];
                    }
                }
            });
        });
    if (trace)
        std::fprintf(stderr, "linalg:   streamed pass %.3f s, thread busy %.3f / %.3f s\n",
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count(),
                     busy[0], busy[1]);
    ScatterPassSums sums;
    if (in.want_xtt) {
        sums.xtt.assign(static_cast<std::size_t>(d * l), 0.0);
        sums.tsum.assign(l, 0.0);
    }
    if (in.want_gram) sums.gram.assign(static_cast<std::size_t>(l) * l, 0.0);
    if (in.want_moments) sums.colsum.assign(d, 0.0);
    for (const Local& lc : local) {
        if (in.want_xtt && lc.used) {
            for (std::int64_t i = 0; i < d * l; ++i) sums.xtt[i] += static_cast<double>(lc.yb[i]);
            for (int c = 0; c < l; ++c) sums.tsum[c] += lc.tsum[c];
        }
        if (in.want_gram)
            for (std::size_t i = 0; i < sums.gram.size(); ++i) sums.gram[i] += lc.gram[i];
        if (in.want_moments) {
            for (std::int64_t j = 0; j < d; ++j) sums.colsum[j] += lc.cols[j];
            sums.sumsq += lc.sumsq;
        }
    }
    if (finite_from_moments) check_finite_sums(x, in.batch_rows, sums.colsum);
    return sums;
}

}  // namespace detail

namespace {

// One streamed application of C = Xs^T Xs - n m m^T (Xs = X - 1 shift^T, m = mean - shift) to the
// columns of q [d, l] through `pass` (the CPU or the CUDA one, pca_pass.h): y [d, l] = C q, float32
// GEMMs per batch, float64 accumulation across batches. With moments != nullptr (the first pass) it
// also accumulates the shifted column sums and sum of squares and checks the values are finite. With
// y == nullptr it only forms T = Xc q per batch and accumulates gram [l, l] = T^T T (the Rayleigh-Ritz
// pass).
struct Moments {
    std::vector<double> colsum;
    double sumsq = 0.0;
};

void apply_scatter(detail::ScatterPassFn pass, const RowSource& x, std::int64_t batch_rows,
                   const std::vector<double>& shift, const std::vector<double>* centre, const double* q,
                   int l, double* y, double* gram, Moments* moments) {
    const std::int64_t d = x.cols();
    std::vector<float> qf(static_cast<std::size_t>(d * l));
    for (std::size_t i = 0; i < qf.size(); ++i) qf[i] = static_cast<float>(q[i]);
    // Row offset subtracted from every T row: shift^T q (and (mean - shift)^T q once the mean is known,
    // for the Rayleigh-Ritz pass, which needs truly centered T).
    std::vector<double> offset(l, 0.0);
    for (std::int64_t j = 0; j < d; ++j) {
        const double c = shift[j] + (centre ? (*centre)[j] : 0.0);
        for (int c2 = 0; c2 < l; ++c2) offset[c2] += c * q[j * l + c2];
    }
    const std::vector<float> offset_f(offset.begin(), offset.end());
    detail::ScatterPassInput in;
    in.batch_rows = batch_rows;
    in.l = l;
    in.shift = shift.data();
    in.q = qf.data();
    in.offset = offset_f.data();
    in.want_xtt = y != nullptr;
    in.want_gram = gram != nullptr;
    in.want_moments = moments != nullptr;
    const detail::ScatterPassSums s = pass(x, in);
    if (y) {
        // Xs^T T = X^T T - shift (1^T T): the second term uses the column sums of T.
        for (std::int64_t j = 0; j < d; ++j)
            for (int c = 0; c < l; ++c) y[j * l + c] = s.xtt[j * l + c] - shift[j] * s.tsum[c];
    }
    if (gram) {
        for (int a = 0; a < l; ++a)
            for (int b = 0; b < l; ++b) gram[a * l + b] = a <= b ? s.gram[a * l + b] : s.gram[b * l + a];
    }
    if (moments) {
        for (std::int64_t j = 0; j < d; ++j) moments->colsum[j] += s.colsum[j];
        moments->sumsq += s.sumsq;
    }
}

// y -= Q (Q^T y) for each block Q of `basis` ([d, l] each): classical Gram-Schmidt, run a second
// time only when the first one cancelled more than 4 digits of some column (then its loss of
// orthogonality, about u ||y|| / ||residual||, could exceed 1e-12; "twice is enough").
void project_out(const std::vector<std::vector<double>>& basis, std::int64_t d, int l, double* y) {
    std::vector<double> coef(static_cast<std::size_t>(l) * l);
    auto column_norms = [&] {
        std::vector<double> n2(l, 0.0);
        for (std::int64_t j = 0; j < d; ++j)
            for (int c = 0; c < l; ++c) n2[c] += y[j * l + c] * y[j * l + c];
        return n2;
    };
    const std::vector<double> before = column_norms();
    for (int pass = 0; pass < 2; ++pass) {
        for (const auto& qb : basis) {
            detail::gemm_tn(qb.data(), y, d, l, l, coef.data());
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(d), l, l, -1.0, qb.data(),
                        l, coef.data(), l, 1.0, y, l);
        }
        if (pass == 1) break;
        const std::vector<double> after = column_norms();
        bool cancelled = false;
        for (int c = 0; c < l && !cancelled; ++c) cancelled = !(after[c] > 1e-8 * before[c]);  // norms squared
        if (!cancelled) break;
    }
}

}  // namespace

PcaResult pca_randomized(const RowSource& x, const PcaOptions& opt) {
    detail::PhaseTrace phase("randomized PCA");  // LF_LINALG_TRACE=1: phase times on stderr
    check_pca_input(x, opt);
    // The streamed passes (everything that reads X) run on opt.device; the d x l steps on the host.
    detail::ScatterPassFn pass = detail::apply_scatter_pass;
    if (opt.device.is_cuda()) {
#if defined(LF_WITH_CUDA)
        pass = [](const RowSource& rows, const detail::ScatterPassInput& in) {
            return cuda::apply_scatter_pass(rows, in);
        };
#else
        fail("randomized PCA on ", opt.device.to_string(), ": this build has no CUDA backend");
#endif
    }
    LF_CHECK(opt.oversamples >= 0, "oversamples must be >= 0, got ", opt.oversamples);
    const std::int64_t n = x.rows(), d = x.cols();
    const std::int64_t rank_cap = std::min(n, d);
    const int l = static_cast<int>(
        std::min<std::int64_t>(opt.components + static_cast<std::int64_t>(opt.oversamples), rank_cap));
    bool krylov = opt.scheme == RandomizedScheme::Krylov;
    int q = opt.iterations >= 0 ? opt.iterations : (krylov ? 2 : 7);
    LF_CHECK(q <= 1000, "iterations = ", q, " is unreasonably large");
    // Krylov needs q + 1 blocks of l columns within rank_cap dimensions; when they do not fit (small
    // d or N) it falls back to subspace iteration with at least 4 passes.
    if (krylov && static_cast<std::int64_t>(q + 1) * l > rank_cap) {
        krylov = false;
        q = std::max(q, 4);
    }

    std::vector<double> shift(d);
    x.read(0, 1, shift.data());
    Moments moments;
    moments.colsum.assign(d, 0.0);

    std::vector<std::vector<double>> blocks;  // orthonormal [d, l] blocks
    std::vector<std::vector<double>> images;  // C applied to blocks[i] (krylov: all but the last)
    blocks.push_back(detail::gaussian_matrix(d, l, 0x9e3779b97f4a7c15ull ^ opt.seed));
    detail::orthonormalize_columns(blocks[0].data(), d, l);
    phase("start block");

    std::vector<double> centre;  // mean - shift, known after the first pass
    int passes = 0;
    auto correct_centre = [&](const double* q_cols, double* y) {
        // C q = Xs^T Xs q - n m (m^T q)
        std::vector<double> mq(l, 0.0);
        for (std::int64_t j = 0; j < d; ++j)
            for (int c = 0; c < l; ++c) mq[c] += centre[j] * q_cols[j * l + c];
        for (std::int64_t j = 0; j < d; ++j)
            for (int c = 0; c < l; ++c) y[j * l + c] -= static_cast<double>(n) * centre[j] * mq[c];
    };
    auto finish_moments = [&]() {
        centre.resize(d);
        for (std::int64_t j = 0; j < d; ++j) centre[j] = moments.colsum[j] / static_cast<double>(n);
    };

    for (int it = 0; it < q; ++it) {
        std::vector<double> y(static_cast<std::size_t>(d * l));
        apply_scatter(pass, x, opt.batch_rows, shift, nullptr, blocks.back().data(), l, y.data(), nullptr,
                      passes == 0 ? &moments : nullptr);
        if (passes == 0) finish_moments();
        ++passes;
        phase("pass (apply X^T X)");
        correct_centre(blocks.back().data(), y.data());
        std::vector<double> next = y;
        if (krylov) {
            images.push_back(std::move(y));
            project_out(blocks, d, l, next.data());
            phase("project out earlier blocks");
            if (!detail::orthonormalize_columns(next.data(), d, l)) {
                // An ill-conditioned residual (the range is nearly exhausted): Householder normalized
                // rounding noise too, so project and orthonormalize once more.
                project_out(blocks, d, l, next.data());
                detail::orthonormalize_columns(next.data(), d, l);
            }
            phase("orthonormalize");
            blocks.push_back(std::move(next));
        } else {
            detail::orthonormalize_columns(next.data(), d, l);
            blocks.back() = std::move(next);
        }
    }

    phase("orthonormalize blocks");
    // Rayleigh-Ritz: the last block needs T = Xc Q (one GEMM per batch); earlier Krylov blocks reuse
    // their images: (Q_j^T C Q_i) = Q_j^T Y_i.
    const int nb = static_cast<int>(blocks.size());
    const int dim = nb * l;
    std::vector<double> gram_last(static_cast<std::size_t>(l) * l);
    if (passes == 0) {
        // No iteration ran: the moments come from this pass, so T is centered with the shift only and
        // corrected afterwards: T^T T for Xs, minus n (m^T q)(m^T q)^T.
        apply_scatter(pass, x, opt.batch_rows, shift, nullptr, blocks.back().data(), l, nullptr,
                      gram_last.data(), &moments);
        finish_moments();
        std::vector<double> mq(l, 0.0);
        for (std::int64_t j = 0; j < d; ++j)
            for (int c = 0; c < l; ++c) mq[c] += centre[j] * blocks.back()[j * l + c];
        for (int a = 0; a < l; ++a)
            for (int b = 0; b < l; ++b) gram_last[a * l + b] -= static_cast<double>(n) * mq[a] * mq[b];
    } else {
        apply_scatter(pass, x, opt.batch_rows, shift, &centre, blocks.back().data(), l, nullptr,
                      gram_last.data(), nullptr);
    }
    ++passes;
    phase("Rayleigh-Ritz pass");

    std::vector<double> m(static_cast<std::size_t>(dim) * dim, 0.0);
    std::vector<double> tmp(static_cast<std::size_t>(l) * l);
    for (int i = 0; i + 1 < nb; ++i) {  // column block i: images[i] = C Q_i
        for (int j = i; j < nb; ++j) {  // row block j >= i: Q_j^T C Q_i (and its mirror)
            detail::gemm_tn(blocks[j].data(), images[i].data(), d, l, l, tmp.data());
            for (int a = 0; a < l; ++a)
                for (int b = 0; b < l; ++b) {
                    m[(j * l + a) * static_cast<std::int64_t>(dim) + i * l + b] = tmp[a * l + b];
                    m[(i * l + b) * static_cast<std::int64_t>(dim) + j * l + a] = tmp[a * l + b];
                }
        }
    }
    for (int a = 0; a < l; ++a)
        for (int b = 0; b < l; ++b)
            m[((nb - 1) * l + a) * static_cast<std::int64_t>(dim) + (nb - 1) * l + b] = gram_last[a * l + b];
    for (int a = 0; a < dim; ++a)  // symmetrize the float rounding of the two halves
        for (int b = a + 1; b < dim; ++b) {
            const double v =
                0.5 * (m[a * static_cast<std::int64_t>(dim) + b] + m[b * static_cast<std::int64_t>(dim) + a]);
            m[a * static_cast<std::int64_t>(dim) + b] = m[b * static_cast<std::int64_t>(dim) + a] = v;
        }
    const int k = opt.components;
    phase("assemble Ritz matrix");
    const EighResult e = eigh_descending(m.data(), dim, k);
    phase("eigh of the Ritz matrix");

    PcaResult r;
    r.k = k;
    r.d = d;
    r.samples = n;
    r.method = krylov ? "randomized-krylov" : "randomized-subspace";
    r.passes = passes;
    r.iterations = q;
    r.components.assign(static_cast<std::size_t>(k) * d, 0.0);
    // components [k, d] = U [k, dim] * [Q_0 | ... | Q_nb-1]^T
    for (int b = 0; b < nb; ++b) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, static_cast<int>(d), l, 1.0,
                    e.vectors.data() + b * l, dim, blocks[b].data(), l, 1.0, r.components.data(),
                    static_cast<int>(d));
    }
    for (int i = 0; i < k; ++i) {  // re-normalize (rounding) and fix signs
        double norm = 0.0;
        for (std::int64_t j = 0; j < d; ++j) norm += r.components[i * d + j] * r.components[i * d + j];
        norm = std::sqrt(norm);
        if (norm > 0)
            for (std::int64_t j = 0; j < d; ++j) r.components[i * d + j] /= norm;
    }
    sign_normalize_rows(r.components.data(), k, static_cast<int>(d));
    r.mean.resize(d);
    double mm = 0.0;
    for (std::int64_t j = 0; j < d; ++j) {
        r.mean[j] = shift[j] + centre[j];
        mm += centre[j] * centre[j];
    }
    const double total = (moments.sumsq - static_cast<double>(n) * mm) / static_cast<double>(n - 1);
    fill_result(r, e, total, n);
    phase("components");
    return r;
}

PcaResult pca(const RowSource& x, const PcaOptions& opt) {
    return opt.randomized ? pca_randomized(x, opt) : pca_exact(x, opt);
}

}  // namespace lf

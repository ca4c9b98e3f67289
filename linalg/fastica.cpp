// fastica.cpp: FastICA on the CPU (and the algorithm driver for the CUDA samples). See fastica.h.
#include "linalg/fastica.h"

#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "kernels/core/error.h"
#include "kernels/core/numpy_random.h"
#include "linalg/dense_util.h"
#include "linalg/eigh.h"
#include "linalg/fastica_samples.h"
#include "linalg/pca.h"

namespace lf {
namespace detail {
namespace {

// The CPU samples: X1 [k, N] float32 in host memory.
class CpuIcaSamples final : public IcaSamples {
public:
    CpuIcaSamples(const RowSource& x, const IcaWhitening& wh, const IcaOptions& opt)
        : k_(wh.k),
          n_(wh.n),
          block_cols_(std::max<std::int64_t>(64, opt.block_cols)),
          fun_(opt.fun),
          alpha_(opt.alpha) {
        const std::int64_t d = wh.d;
        x1_.resize(static_cast<std::size_t>(k_ * n_));
        std::vector<float> kf(static_cast<std::size_t>(k_ * d));
        const double root_n = std::sqrt(static_cast<double>(n_));
        for (std::size_t i = 0; i < kf.size(); ++i) kf[i] = static_cast<float>(wh.whitening[i] * root_n);
        std::vector<float> mean_f(wh.mean.begin(), wh.mean.end());
        const int threads = max_threads();
        std::optional<BlasThreadsScope> single;
        if (threads > 1) single.emplace(1);
        std::vector<std::vector<float>> centred(threads);
        constexpr std::int64_t kSub = 1024;
        for_each_batch_f32(
            x, opt.batch_rows, false, [&](std::int64_t r0, std::int64_t count, const float* block) {
                const std::int64_t subs = (count + kSub - 1) / kSub;
                parallel_run(static_cast<int>(std::min<std::int64_t>(threads, subs)), [&](int t) {
                    std::vector<float>& c = centred[t];
                    for (std::int64_t s = t; s < subs; s += threads) {
                        const std::int64_t rows = std::min(kSub, count - s * kSub);
                        const float* src = block + s * kSub * d;
                        c.resize(static_cast<std::size_t>(rows * d));
                        for (std::int64_t i = 0; i < rows; ++i)
                            for (std::int64_t j = 0; j < d; ++j) c[i * d + j] = src[i * d + j] - mean_f[j];
                        // X1[:, r0 + s kSub : ...] = sqrt(N) K (X_s - mean)^T
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k_, static_cast<int>(rows),
                                    static_cast<int>(d), 1.0f, kf.data(), static_cast<int>(d), c.data(),
                                    static_cast<int>(d), 0.0f, x1_.data() + r0 + s * kSub,
                                    static_cast<int>(n_));
                    }
                });
            });
    }

    void step(const double* w, int r, double* egx, double* gp) override {
        run_blocks(w, r, egx, gp, nullptr, nullptr);
    }

    void moments(const double* w, int r, double* sum, double* sumsq) override {
        run_blocks(w, r, nullptr, nullptr, sum, sumsq);
    }

private:
    // Splits the columns into blocks over the threads. Per block: Y = W X1_b (sgemm), then either the
    // fused nonlinearity and egx += g(Y) X1_b^T, or the row moments of Y.
    void run_blocks(const double* w, int r, double* egx, double* gp, double* sum, double* sumsq) {
        std::vector<float> wf(static_cast<std::size_t>(r) * k_);
        for (std::size_t i = 0; i < wf.size(); ++i) wf[i] = static_cast<float>(w[i]);
        const bool iterate = egx != nullptr;
        const std::int64_t blocks = (n_ + block_cols_ - 1) / block_cols_;
        const int threads = static_cast<int>(std::min<std::int64_t>(max_threads(), blocks));
        std::vector<std::vector<double>> acc(
            threads, std::vector<double>(static_cast<std::size_t>(r) * (iterate ? k_ : 2), 0.0));
        std::vector<std::vector<double>> gps(threads, std::vector<double>(r, 0.0));
        parallel_for(threads, [&](std::int64_t t0, std::int64_t t1) {
            for (std::int64_t t = t0; t < t1; ++t) {
                std::vector<float> y(static_cast<std::size_t>(r) * block_cols_);
                std::vector<float> prod(static_cast<std::size_t>(r) * k_);
                std::vector<double> gp_b(r);
                const std::int64_t b0 = blocks * t / threads, b1 = blocks * (t + 1) / threads;
                for (std::int64_t b = b0; b < b1; ++b) {
                    const std::int64_t c0 = b * block_cols_;
                    const std::int64_t cw = std::min(block_cols_, n_ - c0);
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, r, static_cast<int>(cw), k_, 1.0f,
                                wf.data(), k_, x1_.data() + c0, static_cast<int>(n_), 0.0f, y.data(),
                                static_cast<int>(block_cols_));
                    if (iterate) {
                        IcaNonlinearityParams p;
                        p.rows = r;
                        p.cols = cw;
                        p.y = y.data();
                        p.ldy = block_cols_;
                        p.gp_sum = gp_b.data();
                        p.fun = fun_;
                        p.alpha = alpha_;
                        cpu::ica_nonlinearity(p);
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r, k_, static_cast<int>(cw),
                                    1.0f, y.data(), static_cast<int>(block_cols_), x1_.data() + c0,
                                    static_cast<int>(n_), 0.0f, prod.data(), k_);
                        double* a = acc[t].data();
                        for (std::size_t i = 0; i < prod.size(); ++i) a[i] += prod[i];
                        for (int i = 0; i < r; ++i) gps[t][i] += gp_b[i];
                    } else {
                        double* a = acc[t].data();
                        for (int i = 0; i < r; ++i) {
                            double s = 0.0, sq = 0.0;
                            const float* row = y.data() + i * block_cols_;
                            for (std::int64_t j = 0; j < cw; ++j) {
                                s += row[j];
                                sq += static_cast<double>(row[j]) * row[j];
                            }
                            a[2 * i] += s;
                            a[2 * i + 1] += sq;
                        }
                    }
                }
            }
        });
        if (iterate) {
            std::fill(egx, egx + static_cast<std::int64_t>(r) * k_, 0.0);
            std::fill(gp, gp + r, 0.0);
            for (int t = 0; t < threads; ++t) {
                for (std::size_t i = 0; i < acc[t].size(); ++i) egx[i] += acc[t][i];
                for (int i = 0; i < r; ++i) gp[i] += gps[t][i];
            }
        } else {
            std::fill(sum, sum + r, 0.0);
            std::fill(sumsq, sumsq + r, 0.0);
            for (int t = 0; t < threads; ++t)
                for (int i = 0; i < r; ++i) {
                    sum[i] += acc[t][2 * i];
                    sumsq[i] += acc[t][2 * i + 1];
                }
        }
    }

    int k_;
    std::int64_t n_;
    std::int64_t block_cols_;
    IcaFunction fun_;
    float alpha_;
    std::vector<float> x1_;  // [k, N]
};

}  // namespace

std::unique_ptr<IcaSamples> make_cpu_ica_samples(const RowSource& x, const IcaWhitening& wh,
                                                 const IcaOptions& opt) {
    return std::make_unique<CpuIcaSamples>(x, wh, opt);
}

}  // namespace detail

namespace {

using detail::IcaWhitening;

IcaWhitening compute_whitening(const RowSource& x, const IcaOptions& opt) {
    const std::int64_t n = x.rows(), d = x.cols();
    const int k = opt.components;
    IcaWhitening wh;
    wh.k = k;
    wh.n = n;
    wh.d = d;
    std::vector<double> values;   // eigenvalues of the scatter (X - mean)^T (X - mean), descending
    std::vector<double> vectors;  // [k, d]
    if (opt.randomized_whitening) {
        PcaOptions po;
        po.components = k;
        po.randomized = true;
        po.seed = opt.seed;
        po.batch_rows = opt.batch_rows;
        po.device = opt.device;
        PcaResult p = pca_randomized(x, po);
        values.resize(k);
        for (int i = 0; i < k; ++i) values[i] = p.explained_variance[i] * static_cast<double>(n - 1);
        vectors = std::move(p.components);
        wh.mean = std::move(p.mean);
        wh.total_variance = p.total_variance;
        wh.method = p.method;
    } else {
        LF_CHECK(d <= 46340, x.name(), ": exact whitening needs a d x d covariance; d = ", d,
                 " is too large (use --randomized)");
        ScatterStats s;
        EighResult e;
        if (opt.device.is_cuda()) {
#if defined(LF_WITH_CUDA)
            s = cuda::scatter_stats(x, opt.batch_rows);
            e = cuda::eigh_descending(s.scatter.data(), static_cast<int>(d), k);
#else
            fail("FastICA on ", opt.device.to_string(), ": this build has no CUDA backend");
#endif
        } else {
            s = scatter_stats(x, opt.batch_rows);
            e = eigh_descending(s.scatter.data(), static_cast<int>(d), k);
        }
        double trace = 0.0;
        for (std::int64_t j = 0; j < d; ++j) trace += s.scatter[j * d + j];
        values = std::move(e.values);
        vectors = std::move(e.vectors);
        wh.mean = std::move(s.mean);
        wh.total_variance = trace / static_cast<double>(n - 1);
        wh.method = "exact";
    }
    // Rank check: a direction without variance cannot be whitened.
    const double floor = std::max(values[0], 0.0) * 1e-10;
    int rank = 0;
    while (rank < k && values[rank] > floor && values[rank] > 0) ++rank;
    LF_CHECK(rank == k, x.name(), ": cannot whiten to k = ", k, " components: the centered data has only ",
             rank, " directions with nonzero variance (lower -k)");
    wh.whitening.resize(static_cast<std::size_t>(k) * d);
    wh.basis.resize(static_cast<std::size_t>(k) * d);
    wh.singular.resize(k);
    for (int i = 0; i < k; ++i) {
        const double* u = vectors.data() + static_cast<std::int64_t>(i) * d;
        const double sign = u[0] < 0 ? -1.0 : 1.0;  // sklearn: u *= np.sign(u[0])
        const double sv = std::sqrt(values[i]);
        wh.singular[i] = sv;
        for (std::int64_t j = 0; j < d; ++j) {
            wh.basis[i * d + j] = sign * u[j];
            wh.whitening[i * d + j] = sign * u[j] / sv;
        }
    }
    return wh;
}

// W <- (W W^T)^{-1/2} W for W [k, k].
void symmetric_decorrelation(std::vector<double>& w, int k) {
    std::vector<double> m(static_cast<std::size_t>(k) * k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, k, k, k, 1.0, w.data(), k, w.data(), k, 0.0,
                m.data(), k);
    const EighResult e = eigh_descending(m.data(), k, k);
    // (W W^T)^{-1/2} = V^T diag(1/sqrt(s)) V with V's rows the eigenvectors.
    std::vector<double> scaled(e.vectors);
    for (int i = 0; i < k; ++i) {
        const double s = std::max(e.values[i], std::numeric_limits<double>::min());
        const double f = 1.0 / std::sqrt(s);
        for (int j = 0; j < k; ++j) scaled[static_cast<std::size_t>(i) * k + j] *= f;
    }
    std::vector<double> inv_sqrt(static_cast<std::size_t>(k) * k);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, k, k, 1.0, e.vectors.data(), k, scaled.data(), k,
                0.0, inv_sqrt.data(), k);
    std::vector<double> out(static_cast<std::size_t>(k) * k);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, k, k, 1.0, inv_sqrt.data(), k, w.data(), k, 0.0,
                out.data(), k);
    w = std::move(out);
}

struct IterationReport {
    int iterations = 0;
    double last_change = 0.0;
    bool converged = false;
};

IterationReport run_parallel(detail::IcaSamples& samples, std::vector<double>& w, int k, std::int64_t n,
                             const IcaOptions& opt) {
    symmetric_decorrelation(w, k);
    std::vector<double> egx(static_cast<std::size_t>(k) * k), gp(k);
    IterationReport rep;
    const double inv_n = 1.0 / static_cast<double>(n);
    for (int it = 0; it < opt.max_iter; ++it) {
        samples.step(w.data(), k, egx.data(), gp.data());
        std::vector<double> w1(static_cast<std::size_t>(k) * k);
        for (int i = 0; i < k; ++i)
            for (int j = 0; j < k; ++j) w1[i * k + j] = egx[i * k + j] * inv_n - gp[i] * inv_n * w[i * k + j];
        symmetric_decorrelation(w1, k);
        double lim = 0.0;
        for (int i = 0; i < k; ++i) {
            double dot = 0.0;
            for (int j = 0; j < k; ++j) dot += w1[i * k + j] * w[i * k + j];
            lim = std::max(lim, std::fabs(std::fabs(dot) - 1.0));
        }
        w = std::move(w1);
        rep.iterations = it + 1;
        rep.last_change = lim;
        if (lim < opt.tol) {
            rep.converged = true;
            break;
        }
    }
    return rep;
}

IterationReport run_deflation(detail::IcaSamples& samples, std::vector<double>& w_init, int k, std::int64_t n,
                              const IcaOptions& opt) {
    std::vector<double> w_all(static_cast<std::size_t>(k) * k, 0.0);
    std::vector<double> egx(k), gp(1);
    IterationReport rep;
    rep.converged = true;
    const double inv_n = 1.0 / static_cast<double>(n);
    for (int j = 0; j < k; ++j) {
        std::vector<double> w(w_init.begin() + static_cast<std::int64_t>(j) * k,
                              w_init.begin() + static_cast<std::int64_t>(j + 1) * k);
        double norm = std::sqrt(std::inner_product(w.begin(), w.end(), w.begin(), 0.0));
        LF_CHECK(norm > 0, "w_init row ", j, " is zero");
        for (double& v : w) v /= norm;
        int iters = 0;
        double lim = 0.0;
        bool ok = false;
        for (int it = 0; it < opt.max_iter; ++it) {
            samples.step(w.data(), 1, egx.data(), gp.data());
            std::vector<double> w1(k);
            for (int c = 0; c < k; ++c) w1[c] = egx[c] * inv_n - gp[0] * inv_n * w[c];
            // Gram-Schmidt against the components found so far.
            for (int p = 0; p < j; ++p) {
                const double* wp = w_all.data() + static_cast<std::int64_t>(p) * k;
                const double dot = std::inner_product(w1.begin(), w1.end(), wp, 0.0);
                for (int c = 0; c < k; ++c) w1[c] -= dot * wp[c];
            }
            norm = std::sqrt(std::inner_product(w1.begin(), w1.end(), w1.begin(), 0.0));
            for (double& v : w1) v /= norm;
            lim = std::fabs(std::fabs(std::inner_product(w1.begin(), w1.end(), w.begin(), 0.0)) - 1.0);
            w = std::move(w1);
            iters = it + 1;
            if (lim < opt.tol) {
                ok = true;
                break;
            }
        }
        std::copy(w.begin(), w.end(), w_all.begin() + static_cast<std::int64_t>(j) * k);
        rep.iterations = std::max(rep.iterations, iters);
        rep.last_change = std::max(rep.last_change, lim);
        rep.converged = rep.converged && ok;
    }
    w_init = std::move(w_all);
    return rep;
}

}  // namespace

IcaResult fastica(const RowSource& x, const IcaOptions& opt) {
    const std::int64_t n = x.rows(), d = x.cols();
    LF_CHECK(n >= 2, x.name(), ": need at least 2 samples (rows), got ", n);
    check_component_count(opt.components, n, d, x.name());
    check_source_device(x, opt.device);
    LF_CHECK(opt.alpha >= 1.0f && opt.alpha <= 2.0f, "--alpha must be in [1, 2] (as scikit-learn), got ",
             opt.alpha);
    LF_CHECK(opt.tol > 0 && std::isfinite(opt.tol), "--tol must be a positive number, got ", opt.tol);
    LF_CHECK(opt.max_iter >= 1, "--max-iter must be at least 1, got ", opt.max_iter);
    const int k = opt.components;
    LF_CHECK(opt.w_init.empty() || opt.w_init.size() == static_cast<std::size_t>(k) * k, "w_init has ",
             opt.w_init.size(), " values, expected k x k = ", static_cast<std::int64_t>(k) * k);

    const IcaWhitening wh = compute_whitening(x, opt);

    std::vector<double> w = opt.w_init;
    if (w.empty()) {
        NumpyRandomState rng(opt.seed);  // = sklearn's random_state.normal(size=(k, k))
        w.resize(static_cast<std::size_t>(k) * k);
        for (double& v : w) v = rng.standard_normal();
    }

    std::unique_ptr<detail::IcaSamples> samples;
    if (opt.device.is_cuda()) {
#if defined(LF_WITH_CUDA)
        samples = detail::make_cuda_ica_samples(x, wh, opt);
#else
        fail("FastICA on ", opt.device.to_string(), ": this build has no CUDA backend");
#endif
    } else {
        samples = detail::make_cpu_ica_samples(x, wh, opt);
    }

    // The iteration runs column blocks on the pool threads, each calling single-threaded OpenBLAS
    // (a threaded OpenBLAS inside the parallel region would oversubscribe the cores).
    std::optional<detail::BlasThreadsScope> single;
    if (!opt.device.is_cuda() && detail::max_threads() > 1) single.emplace(1);
    const IterationReport rep = opt.algorithm == IcaAlgorithm::Parallel
                                    ? run_parallel(*samples, w, k, n, opt)
                                    : run_deflation(*samples, w, k, n, opt);

    IcaResult r;
    r.k = k;
    r.d = d;
    r.samples = n;
    r.mean = wh.mean;
    r.whitening = wh.whitening;
    r.rotation = w;
    r.total_variance = wh.total_variance;
    r.iterations = rep.iterations;
    r.last_change = rep.last_change;
    r.converged = rep.converged;
    r.whiten_method = wh.method;

    // Sources S = W K Xc^T = W X1 / sqrt(N): their per-row std (ddof 0, as np.std) and sum of squares.
    std::vector<double> sum(k), sumsq(k);
    samples->moments(w.data(), k, sum.data(), sumsq.data());
    const double nn = static_cast<double>(n);
    std::vector<double> scale(k, 1.0), proj_ss(k);  // row scale a_i; sum of squares of a_i S_i, centered
    for (int i = 0; i < k; ++i) {
        const double mean_s = sum[i] / nn / std::sqrt(nn);
        const double ss = sumsq[i] / nn;  // sum of S_i^2 (S = W X1 / sqrt(N))
        const double var0 = std::max(ss / nn - mean_s * mean_s, 0.0);
        if (opt.whiten == IcaWhiten::UnitVariance) scale[i] = var0 > 0 ? 1.0 / std::sqrt(var0) : 1.0;
        proj_ss[i] = scale[i] * scale[i] * std::max(ss - nn * mean_s * mean_s, 0.0);
    }
    // unmixing = diag(scale) W K
    std::vector<double> ws(w);
    for (int i = 0; i < k; ++i)
        for (int j = 0; j < k; ++j) ws[static_cast<std::size_t>(i) * k + j] *= scale[i];
    r.unmixing.assign(static_cast<std::size_t>(k) * d, 0.0);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, static_cast<int>(d), k, 1.0, ws.data(), k,
                wh.whitening.data(), static_cast<int>(d), 0.0, r.unmixing.data(), static_cast<int>(d));
    // mixing = pinv(Ws K) = K^+ Ws^-1 = U D Ws^-1  ([d, k]); K has full row rank, Ws is invertible.
    std::vector<double> ws_inv(static_cast<std::size_t>(k) * k, 0.0);
    for (int i = 0; i < k; ++i) ws_inv[static_cast<std::size_t>(i) * k + i] = 1.0;
    {
        std::vector<double> lu(ws);
        std::vector<lapack_int> piv(k);
        const lapack_int info =
            LAPACKE_dgesv(LAPACK_ROW_MAJOR, k, k, lu.data(), k, piv.data(), ws_inv.data(), k);
        LF_CHECK(info == 0, x.name(), ": the ICA unmixing matrix is singular (LAPACKE_dgesv info = ", info,
                 ")");
    }
    std::vector<double> ud(static_cast<std::size_t>(d) * k);  // U D: [d, k]
    for (int i = 0; i < k; ++i)
        for (std::int64_t j = 0; j < d; ++j) ud[j * k + i] = wh.basis[i * d + j] * wh.singular[i];
    r.mixing.assign(static_cast<std::size_t>(d) * k, 0.0);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(d), k, k, 1.0, ud.data(), k,
                ws_inv.data(), k, 0.0, r.mixing.data(), k);

    // GANSpace directions: unit unmixing rows by descending projected stdev.
    std::vector<double> stdev(k), norms(k);
    for (int i = 0; i < k; ++i) {
        double s = 0.0;
        for (std::int64_t j = 0; j < d; ++j) s += r.unmixing[i * d + j] * r.unmixing[i * d + j];
        norms[i] = std::sqrt(s);
        stdev[i] = std::sqrt(proj_ss[i] / (nn - 1.0)) / norms[i];
    }
    r.order.resize(k);
    std::iota(r.order.begin(), r.order.end(), 0);
    std::stable_sort(r.order.begin(), r.order.end(),
                     [&](std::int64_t a, std::int64_t b) { return stdev[a] > stdev[b]; });
    r.directions.resize(static_cast<std::size_t>(k) * d);
    r.stdev.resize(k);
    r.variance_ratio.resize(k);
    for (int i = 0; i < k; ++i) {
        const std::int64_t src = r.order[i];
        for (std::int64_t j = 0; j < d; ++j) r.directions[i * d + j] = r.unmixing[src * d + j] / norms[src];
        r.stdev[i] = stdev[src];
        r.variance_ratio[i] = r.total_variance > 0 ? stdev[src] * stdev[src] / r.total_variance : 0.0;
    }
    return r;
}

double amari_distance(const std::vector<double>& p, int k) {
    LF_CHECK(k >= 2 && p.size() == static_cast<std::size_t>(k) * k,
             "amari_distance: need a k x k matrix, k >= 2");
    double total = 0.0;
    for (int i = 0; i < k; ++i) {
        double s = 0.0, m = 0.0;
        for (int j = 0; j < k; ++j) {
            const double a = std::fabs(p[static_cast<std::size_t>(i) * k + j]);
            s += a;
            m = std::max(m, a);
        }
        total += s / m - 1.0;
    }
    for (int j = 0; j < k; ++j) {
        double s = 0.0, m = 0.0;
        for (int i = 0; i < k; ++i) {
            const double a = std::fabs(p[static_cast<std::size_t>(i) * k + j]);
            s += a;
            m = std::max(m, a);
        }
        total += s / m - 1.0;
    }
    return total / (2.0 * k * (k - 1));
}

}  // namespace lf

// fastica_cuda.cpp: the CUDA samples of FastICA (CUDA builds). X1 = sqrt(N) K (X - mean)^T is built
// on the device from streamed row batches (cublasSgemm + a rank-1 cublasSger for the mean) and never
// copied back. Per iteration: Y = W X1 (cublasSgemm), the fused nonlinearity (ica_nonlinearity
// kernel: g in place + per-row sums of g'), g(Y) X1^T (cublasSgemm); only W (k x k) goes up and
// the k x k product and k sums come down. cuBLAS is column-major: the row-major [k, N] matrix X1 is
// the column-major N x k matrix X1cm with leading dimension N. Device-resident rows are read in place.
#include <algorithm>
#include <cmath>

#include "kernels/core/error.h"
#include "linalg/cuda_util.h"
#include "linalg/dense_util.h"
#include "linalg/fastica_samples.h"

namespace lf::detail {
namespace {

class CudaIcaSamples final : public IcaSamples {
public:
    CudaIcaSamples(const RowSource& x, const IcaWhitening& wh, const IcaOptions& opt)
        : k_(wh.k),
          n_(wh.n),
          fun_(opt.fun),
          alpha_(opt.alpha),
          blas_(nullptr),
          x1_(static_cast<std::size_t>(wh.k) * wh.n, nullptr),
          y_(static_cast<std::size_t>(wh.k) * wh.n, nullptr),
          w_(static_cast<std::size_t>(wh.k) * wh.k, nullptr),
          egx_(static_cast<std::size_t>(wh.k) * wh.k, nullptr),
          gp_(wh.k, nullptr),
          partial_(static_cast<std::size_t>(ica_nonlinearity_workspace(wh.k, wh.n)), nullptr),
          ones_(static_cast<std::size_t>(std::min<std::int64_t>(opt.batch_rows, wh.n)), nullptr) {
        LF_CHECK(n_ <= 2147483647, x.name(), ": too many samples for cuBLAS (", n_, ")");
        const std::int64_t d = wh.d;
        const int di = static_cast<int>(d), ni = static_cast<int>(n_);
        const double root_n = std::sqrt(static_cast<double>(n_));
        std::vector<float> kf(static_cast<std::size_t>(k_) * d), offset(k_, 0.0f);
        for (std::size_t i = 0; i < kf.size(); ++i) kf[i] = static_cast<float>(wh.whitening[i] * root_n);
        for (int i = 0; i < k_; ++i) {
            double o = 0.0;
            for (std::int64_t j = 0; j < d; ++j) o += wh.whitening[i * d + j] * root_n * wh.mean[j];
            offset[i] = static_cast<float>(o);
        }
        DeviceArray<float> kd(kf.size(), nullptr), offd(k_, nullptr);
        DeviceArray<float> batch(staging_floats(x, static_cast<std::int64_t>(ones_.size())), nullptr);
        kd.upload(kf.data(), kf.size());
        offd.upload(offset.data(), offset.size());
        std::vector<float> ones(ones_.size(), 1.0f);
        ones_.upload(ones.data(), ones.size());
        for_each_device_batch(x, opt.batch_rows, false, batch,
                              [&](std::int64_t r0, std::int64_t count, const float* block) {
                               const float one = 1.0f, zero = 0.0f, minus = -1.0f;
                               // X1cm[r0:r0+count, :] = B^T K^T with B = batch (column-major d x count), K^T
                               // = kd (column-major d x k).
                               LF_CUBLAS_CHECK(cublasSgemm(blas_.get(), CUBLAS_OP_T, CUBLAS_OP_N,
                                                           static_cast<int>(count), k_, di, &one, block,
                                                           di, kd.get(), di, &zero, x1_.get() + r0, ni));
                               LF_CUBLAS_CHECK(cublasSger(blas_.get(), static_cast<int>(count), k_, &minus,
                                                          ones_.get(), 1, offd.get(), 1, x1_.get() + r0, ni));
                           });
    }

    void step(const double* w, int r, double* egx, double* gp) override {
        product(w, r);
        IcaNonlinearityParams p;
        p.rows = r;
        p.cols = n_;
        p.y = y_.get();
        p.ldy = n_;
        p.gp_sum = gp_.get();
        p.fun = fun_;
        p.alpha = alpha_;
        p.partial = partial_.get();
        cuda::ica_nonlinearity(p, nullptr);
        // egx^T (k x r, column-major) = X1cm^T G with G = Ycm (N x r).
        const float one = 1.0f, zero = 0.0f;
        const int ni = static_cast<int>(n_);
        LF_CUBLAS_CHECK(cublasSgemm(blas_.get(), CUBLAS_OP_T, CUBLAS_OP_N, k_, r, ni, &one, x1_.get(), ni,
                                    y_.get(), ni, &zero, egx_.get(), k_));
        std::vector<float> host(static_cast<std::size_t>(r) * k_);
        egx_.download(host.data(), host.size());
        std::copy(host.begin(), host.end(), egx);  // column-major k x r == row-major r x k
        gp_.download(gp, r);
    }

    void moments(const double* w, int r, double* sum, double* sumsq) override {
        product(w, r);
        const int ni = static_cast<int>(n_);
        // Row sums of Y (= Ycm^T 1, cublasSgemv) and sums of squares (cublasSnrm2 per row); runs once.
        DeviceArray<float> ones(static_cast<std::size_t>(n_), nullptr),
            sums(static_cast<std::size_t>(r), nullptr);
        std::vector<float> host_ones(static_cast<std::size_t>(n_), 1.0f),
            host_sums(static_cast<std::size_t>(r));
        ones.upload(host_ones.data(), host_ones.size());
        const float one = 1.0f, zero = 0.0f;
        LF_CUBLAS_CHECK(cublasSgemv(blas_.get(), CUBLAS_OP_T, ni, r, &one, y_.get(), ni, ones.get(), 1, &zero,
                                    sums.get(), 1));
        sums.download(host_sums.data(), host_sums.size());
        for (int i = 0; i < r; ++i) {
            float q = 0.0f;
            LF_CUBLAS_CHECK(cublasSnrm2(blas_.get(), ni, y_.get() + static_cast<std::size_t>(i) * n_, 1, &q));
            sum[i] = host_sums[i];
            sumsq[i] = static_cast<double>(q) * q;
        }
    }

private:
    // Ycm (N x r) = X1cm (N x k) W^T, with W row-major [r, k] == column-major k x r.
    void product(const double* w, int r) {
        std::vector<float> wf(static_cast<std::size_t>(r) * k_);
        for (std::size_t i = 0; i < wf.size(); ++i) wf[i] = static_cast<float>(w[i]);
        w_.upload(wf.data(), wf.size());
        const float one = 1.0f, zero = 0.0f;
        const int ni = static_cast<int>(n_);
        LF_CUBLAS_CHECK(cublasSgemm(blas_.get(), CUBLAS_OP_N, CUBLAS_OP_N, ni, r, k_, &one, x1_.get(), ni,
                                    w_.get(), k_, &zero, y_.get(), ni));
    }

    int k_;
    std::int64_t n_;
    IcaFunction fun_;
    float alpha_;
    CublasHandle blas_;
    DeviceArray<float> x1_, y_, w_, egx_;
    DeviceArray<double> gp_, partial_;
    DeviceArray<float> ones_;
};

}  // namespace

std::unique_ptr<IcaSamples> make_cuda_ica_samples(const RowSource& x, const IcaWhitening& wh,
                                                  const IcaOptions& opt) {
    return std::make_unique<CudaIcaSamples>(x, wh, opt);
}

}  // namespace lf::detail

// row_source.cpp: see row_source.h.
#include "linalg/row_source.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/core/device_memory.h"
#include "kernels/core/error.h"

namespace lf {

void check_sample_matrix(const Tensor& x, const std::string& name) {
    LF_CHECK(x.device().is_cpu(), name, ": the sample matrix must be a host tensor");
    LF_CHECK(x.rank() == 2, name, ": expected a 2-D sample matrix [N, d], got a ", x.rank(),
             "-D array of shape ", shape_to_string(x.shape()));
    LF_CHECK(x.dtype() == DType::F32 || x.dtype() == DType::F64, name,
             ": expected float32 or float64 samples, got ", dtype_name(x.dtype()));
    LF_CHECK(x.dim(0) >= 2, name, ": need at least 2 samples (rows), got ", x.dim(0));
    LF_CHECK(x.dim(1) >= 1, name, ": need at least 1 feature (column), got 0");
}

void check_component_count(std::int64_t k, std::int64_t n, std::int64_t d, const std::string& name,
                           const std::string& what) {
    LF_CHECK(k >= 1, name, ": ", what, " = ", k, " must be at least 1");
    LF_CHECK(k <= d, name, ": ", what, " = ", k, " is larger than the number of features d = ", d, " (", what,
             " must be <= min(N, d) = ", std::min(n, d), ")");
    LF_CHECK(k <= n, name, ": ", what, " = ", k, " is larger than the number of samples N = ", n, " (", what,
             " must be <= min(N, d) = ", std::min(n, d), ")");
}

namespace {

// OR over "exponent all ones" (NaN or Inf) on the bit patterns: an integer reduction, which the
// compiler vectorizes (a floating-point one it may not reorder).
template <typename T, typename Bits>
bool all_finite_impl(const T* x, std::int64_t n) {
    constexpr Bits kExp = sizeof(T) == 4 ? Bits(0x7f800000u) : Bits(0x7ff0000000000000ull);
    Bits bad = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        Bits b;
        std::memcpy(&b, x + i, sizeof(T));
        bad |= static_cast<Bits>((b & kExp) == kExp);
    }
    return bad == 0;
}

template <typename T>
void check_finite_impl(const T* block, std::int64_t count, std::int64_t d, std::int64_t row0,
                       const std::string& name) {
    const std::int64_t total = count * d;
    if (all_finite(block, total)) return;
    for (std::int64_t i = 0; i < total; ++i) {
        if (!std::isfinite(block[i])) {
            fail(name, ": non-finite value (", static_cast<double>(block[i]), ") at row ", row0 + i / d,
                 ", column ", i % d, "; remove or impute NaN/Inf samples before factorizing");
        }
    }
}

}  // namespace

bool all_finite(const float* x, std::int64_t n) {
    return all_finite_impl<float, std::uint32_t>(x, n);
}
bool all_finite(const double* x, std::int64_t n) {
    return all_finite_impl<double, std::uint64_t>(x, n);
}

void check_finite_rows(const float* block, std::int64_t count, std::int64_t d, std::int64_t row0,
                       const std::string& name) {
    check_finite_impl<float>(block, count, d, row0, name);
}
void check_finite_rows(const double* block, std::int64_t count, std::int64_t d, std::int64_t row0,
                       const std::string& name) {
    check_finite_impl<double>(block, count, d, row0, name);
}

TensorRowSource::TensorRowSource(Tensor x, std::string name) : x_(std::move(x)), name_(std::move(name)) {
    check_sample_matrix(x_, name_);
}

void TensorRowSource::read(std::int64_t begin, std::int64_t count, float* out) const {
    LF_ASSERT(begin >= 0 && count >= 0 && begin + count <= rows());
    const std::int64_t d = cols();
    if (x_.dtype() == DType::F32) {
        std::copy_n(x_.data<float>() + begin * d, count * d, out);
    } else {
        const double* src = x_.data<double>() + begin * d;
        for (std::int64_t i = 0; i < count * d; ++i) out[i] = static_cast<float>(src[i]);
    }
}

void TensorRowSource::read(std::int64_t begin, std::int64_t count, double* out) const {
    LF_ASSERT(begin >= 0 && count >= 0 && begin + count <= rows());
    const std::int64_t d = cols();
    if (x_.dtype() == DType::F64) {
        std::copy_n(x_.data<double>() + begin * d, count * d, out);
    } else {
        const float* src = x_.data<float>() + begin * d;
        for (std::int64_t i = 0; i < count * d; ++i) out[i] = src[i];
    }
}

const float* TensorRowSource::view_f32(std::int64_t begin) const {
    return x_.dtype() == DType::F32 ? x_.data<float>() + begin * cols() : nullptr;
}
const double* TensorRowSource::view_f64(std::int64_t begin) const {
    return x_.dtype() == DType::F64 ? x_.data<double>() + begin * cols() : nullptr;
}

DeviceRowSource::DeviceRowSource(Tensor x, std::string name) : x_(std::move(x)), name_(std::move(name)) {
    LF_CHECK(x_.device().is_cuda(), name_, ": DeviceRowSource needs a CUDA tensor, got one on ",
             x_.device().to_string());
    LF_CHECK(x_.rank() == 2 && x_.dtype() == DType::F32, name_, ": expected a 2-D float32 sample matrix, got ",
             dtype_name(x_.dtype()), " ", shape_to_string(x_.shape()));
    LF_CHECK(x_.dim(0) >= 2, name_, ": need at least 2 samples (rows), got ", x_.dim(0));
    LF_CHECK(x_.dim(1) >= 1, name_, ": need at least 1 feature (column), got 0");
}

void DeviceRowSource::read(std::int64_t begin, std::int64_t count, float* out) const {
    LF_ASSERT(begin >= 0 && count >= 0 && begin + count <= rows());
    copy_bytes(out, Device::cpu(), device_f32(begin), x_.device(),
               static_cast<std::size_t>(count * cols()) * sizeof(float), nullptr);
}

void DeviceRowSource::read(std::int64_t begin, std::int64_t count, double* out) const {
    std::vector<float> rows32(static_cast<std::size_t>(count * cols()));
    read(begin, count, rows32.data());
    std::copy(rows32.begin(), rows32.end(), out);
}

void check_source_device(const RowSource& x, Device device) {
    const Device where = x.device();
    LF_CHECK(where.is_cpu() || where == device, x.name(), ": the samples are on ", where.to_string(),
             "; factorize them there (--device ", where.to_string(), "), not on ", device.to_string());
}

}  // namespace lf

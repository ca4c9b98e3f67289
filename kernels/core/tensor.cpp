// tensor.cpp: Tensor construction, views and explicit device copies.
#include "kernels/core/tensor.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "kernels/core/device_memory.h"

namespace lf {

std::int64_t shape_numel(const Shape& shape) {
    std::int64_t n = 1;
    for (std::int64_t d : shape) {
        LF_CHECK(d >= 0, "negative dimension in shape ", shape_to_string(shape));
        LF_CHECK(d == 0 || n <= std::numeric_limits<std::int64_t>::max() / d,
                 "shape ", shape_to_string(shape), " has too many elements");
        n *= d;
    }
    return n;
}

std::string shape_to_string(const Shape& shape) {
    std::ostringstream out;
    out << '[';
    for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
    out << ']';
    return out.str();
}

Tensor Tensor::empty(Shape shape, DType dtype, Device device, Stream stream) {
    Tensor t;
    t.numel_ = shape_numel(shape);
    t.shape_ = std::move(shape);
    t.dtype_ = dtype;
    t.device_ = device;
    const std::size_t bytes = t.nbytes();
    if (bytes > 0) {
        void* p = device_alloc(device, bytes, stream);
        t.data_ = p;
        t.owner_ = std::shared_ptr<const void>(p, [device, stream](const void* q) {
            device_free(device, const_cast<void*>(q), stream);
        });
    }
    return t;
}

Tensor Tensor::zeros(Shape shape, DType dtype, Device device, Stream stream) {
    Tensor t = empty(std::move(shape), dtype, device, stream);
    if (t.nbytes() > 0) device_memset_zero(device, t.data_, t.nbytes(), stream);
    return t;
}

Tensor Tensor::borrow(void* data, Shape shape, DType dtype, Device device,
                      std::shared_ptr<const void> keepalive) {
    Tensor t;
    t.numel_ = shape_numel(shape);
    t.shape_ = std::move(shape);
    t.dtype_ = dtype;
    t.device_ = device;
    t.data_ = data;
    t.owner_ = std::move(keepalive);
    t.borrowed_ = true;
    return t;
}

Tensor Tensor::to(Device device, Stream stream) const {
    Tensor out = empty(shape_, dtype_, device, stream);
    if (nbytes() > 0) copy_bytes(out.data_, device, data_, device_, nbytes(), stream);
    return out;
}

Tensor Tensor::reshape(Shape shape) const {
    const std::int64_t n = shape_numel(shape);
    LF_CHECK(n == numel_, "cannot reshape ", shape_to_string(shape_), " to ", shape_to_string(shape));
    Tensor t = *this;
    t.shape_ = std::move(shape);
    return t;
}

std::int64_t Tensor::dim(int i) const {
    const int r = rank();
    const int j = i < 0 ? i + r : i;
    LF_CHECK(j >= 0 && j < r, "dimension ", i, " out of range for a rank-", r, " tensor");
    return shape_[static_cast<std::size_t>(j)];
}

void Tensor::expect_shape(const Shape& expected, const std::string& what) const {
    LF_CHECK(shape_ == expected, what, ": expected shape ", shape_to_string(expected), ", got ",
             shape_to_string(shape_));
}

Tensor to_float32(const Tensor& t) {
    LF_CHECK(t.device().is_cpu() && (t.dtype() == DType::F32 || t.dtype() == DType::F64),
             "to_float32: expected a host f32 or f64 tensor, got ", dtype_name(t.dtype()), " on ", t.device().to_string());
    if (t.dtype() == DType::F32) return t;
    Tensor out = Tensor::empty(t.shape(), DType::F32);
    const double* src = t.data<double>();
    float* dst = out.data<float>();
    for (std::int64_t i = 0; i < t.numel(); ++i) dst[i] = static_cast<float>(src[i]);
    return out;
}

void Tensor::check_dtype(DType wanted) const {
    LF_CHECK(wanted == dtype_, "tensor holds ", dtype_name(dtype_), ", accessed as ", dtype_name(wanted));
}

}  // namespace lf

// tensor.h: the project's tensor: dtype (f32/f16/f64/i64), shape, contiguous row-major (NCHW for
// images), on the CPU or a CUDA device, with owning storage (host heap or the CUDA stream-ordered
// pool) or borrowed storage (a view into memory someone else keeps alive, e.g. an mmapped
// safetensors file). Copies between host and device are explicit: Tensor::to().
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "kernels/core/device.h"
#include "kernels/core/dtype.h"
#include "kernels/core/error.h"

namespace lf {

using Shape = std::vector<std::int64_t>;

// Number of elements of a shape; throws lf::Error on a negative dimension or on overflow.
std::int64_t shape_numel(const Shape& shape);
std::string shape_to_string(const Shape& shape);  // "[4, 3, 32, 32]"

class Tensor {
public:
    Tensor() = default;

    // Owning, uninitialized. On CUDA the bytes come from the stream-ordered pool on `stream`.
    static Tensor empty(Shape shape, DType dtype, Device device = Device::cpu(), Stream stream = nullptr);
    static Tensor zeros(Shape shape, DType dtype, Device device = Device::cpu(), Stream stream = nullptr);
    // Host tensor copied from a list of values (tests and small constants).
    template <typename T>
    static Tensor from_values(Shape shape, const std::vector<T>& values);

    // Borrowed: `data` stays owned by `keepalive` (may be null when the caller guarantees lifetime).
    static Tensor borrow(void* data, Shape shape, DType dtype, Device device,
                         std::shared_ptr<const void> keepalive);

    // Explicit copy to another device (or a deep copy on the same device).
    Tensor to(Device device, Stream stream = nullptr) const;
    Tensor clone(Stream stream = nullptr) const { return to(device_, stream); }

    // A view with another shape of the same element count (shares storage).
    Tensor reshape(Shape shape) const;

    bool defined() const { return data_ != nullptr || numel() == 0; }
    const Shape& shape() const { return shape_; }
    std::int64_t dim(int i) const;  // negative i counts from the end
    int rank() const { return static_cast<int>(shape_.size()); }
    std::int64_t numel() const { return numel_; }
    std::size_t nbytes() const { return static_cast<std::size_t>(numel_) * dtype_size(dtype_); }
    DType dtype() const { return dtype_; }
    Device device() const { return device_; }
    bool is_borrowed() const { return borrowed_; }

    void* raw_data() { return data_; }
    const void* raw_data() const { return data_; }

    // Typed access; throws lf::Error when T does not match the dtype.
    template <typename T> T* data() { check_dtype(DTypeOf<T>::value); return static_cast<T*>(data_); }
    template <typename T> const T* data() const { check_dtype(DTypeOf<T>::value); return static_cast<const T*>(data_); }

    // Throws lf::Error("<what>: expected shape [..], got [..]") on mismatch.
    void expect_shape(const Shape& expected, const std::string& what) const;

private:
    void check_dtype(DType wanted) const;

    std::shared_ptr<const void> owner_;  // keeps the bytes alive (owning allocation or borrowed owner)
    void* data_ = nullptr;
    Shape shape_;
    std::int64_t numel_ = 0;
    DType dtype_ = DType::F32;
    Device device_;
    bool borrowed_ = false;
};

// A host f32 or f64 tensor as f32: `t` itself when it already is, else a converted copy. Throws
// lf::Error for other dtypes or device tensors.
Tensor to_float32(const Tensor& t);

template <typename T>
Tensor Tensor::from_values(Shape shape, const std::vector<T>& values) {
    Tensor t = empty(std::move(shape), DTypeOf<T>::value);
    LF_CHECK(static_cast<std::int64_t>(values.size()) == t.numel(), "from_values: ", values.size(),
             " values for shape ", shape_to_string(t.shape()));
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
}

}  // namespace lf

// row_source.h: a sample matrix X [N, d] as the factorization methods read it: in row batches, in
// as many passes as a method needs. TensorRowSource reads a host tensor (f32 or f64, e.g. from
// npy::load); a generator that samples activations on the fly can implement the same interface
// later. Every method validates the source with check_sample_matrix() and checks the values it
// reads with check_finite_rows() on its first pass, so bad input is one lf::Error line naming the
// source ("X.npy: ...").
#pragma once

#include <cstdint>
#include <string>

#include "kernels/core/device.h"
#include "kernels/core/tensor.h"

namespace lf {

class RowSource {
public:
    virtual ~RowSource() = default;
    virtual std::int64_t rows() const = 0;        // N
    virtual std::int64_t cols() const = 0;        // d
    virtual DType dtype() const = 0;              // F32 or F64: the precision the data is stored in
    virtual const std::string& name() const = 0;  // for messages: the file or tensor name

    // Rows [begin, begin + count) copied (and converted) into out [count, d] row-major.
    virtual void read(std::int64_t begin, std::int64_t count, float* out) const = 0;
    virtual void read(std::int64_t begin, std::int64_t count, double* out) const = 0;
    // Zero-copy access when the rows are stored contiguously in that type, else nullptr.
    virtual const float* view_f32(std::int64_t begin) const { return nullptr; }
    virtual const double* view_f64(std::int64_t begin) const { return nullptr; }
    // Where the rows live. For a CUDA device, device_f32(begin) is the (float32, contiguous) row
    // `begin` in that device's memory, and read() copies rows down to the host.
    virtual Device device() const { return Device::cpu(); }
    virtual const float* device_f32(std::int64_t begin) const { return nullptr; }
};

// A host tensor [N, d] (f32 or f64), borrowed for the source's lifetime.
class TensorRowSource final : public RowSource {
public:
    // Throws lf::Error("<name>: ...") unless `x` is a 2-D f32/f64 host tensor.
    TensorRowSource(Tensor x, std::string name);

    std::int64_t rows() const override { return x_.dim(0); }
    std::int64_t cols() const override { return x_.dim(1); }
    DType dtype() const override { return x_.dtype(); }
    const std::string& name() const override { return name_; }
    void read(std::int64_t begin, std::int64_t count, float* out) const override;
    void read(std::int64_t begin, std::int64_t count, double* out) const override;
    const float* view_f32(std::int64_t begin) const override;
    const double* view_f64(std::int64_t begin) const override;
    const Tensor& tensor() const { return x_; }

private:
    Tensor x_;  // [N, d]
    std::string name_;
};

// A float32 tensor [N, d] on a CUDA device, borrowed for the source's lifetime. Only the CUDA paths
// of the methods stream it; read() (used for single rows, e.g. the first row as the shift) copies down.
class DeviceRowSource final : public RowSource {
public:
    // Throws lf::Error("<name>: ...") unless `x` is a 2-D f32 tensor on a CUDA device.
    DeviceRowSource(Tensor x, std::string name);

    std::int64_t rows() const override { return x_.dim(0); }
    std::int64_t cols() const override { return x_.dim(1); }
    DType dtype() const override { return DType::F32; }
    const std::string& name() const override { return name_; }
    void read(std::int64_t begin, std::int64_t count, float* out) const override;
    void read(std::int64_t begin, std::int64_t count, double* out) const override;
    Device device() const override { return x_.device(); }
    const float* device_f32(std::int64_t begin) const override { return x_.data<float>() + begin * cols(); }

private:
    Tensor x_;  // [N, d] f32 on x_.device()
    std::string name_;
};

// Throws lf::Error unless the rows of `x` can be factorized on `device`: host rows go anywhere;
// device-resident rows only on their own device ("<name>: the samples are on cuda:0 ...").
void check_source_device(const RowSource& x, Device device);

// Throws lf::Error naming the source when `x` is not a usable 2-D float sample matrix: a 1-D or
// 3-D array, another dtype, a device tensor, or an empty matrix.
void check_sample_matrix(const Tensor& x, const std::string& name);

// Throws lf::Error when k is not in [1, min(N, d)] ("<name>: k = 600 is larger than the number of
// features d = 512 ..."). `what` names the flag or option ("-k").
void check_component_count(std::int64_t k, std::int64_t n, std::int64_t d, const std::string& name,
                           const std::string& what = "k");

// True when no x[i] is NaN or Inf (a vectorized scan of the bit patterns).
bool all_finite(const float* x, std::int64_t n);
bool all_finite(const double* x, std::int64_t n);

// Throws lf::Error("<name>: non-finite value (nan) at row R, column C") for the first NaN/Inf in
// rows [row0, row0 + count) of a [count, d] block.
void check_finite_rows(const float* block, std::int64_t count, std::int64_t d, std::int64_t row0,
                       const std::string& name);
void check_finite_rows(const double* block, std::int64_t count, std::int64_t d, std::int64_t row0,
                       const std::string& name);

}  // namespace lf

// test_tensor.cpp: Tensor construction, views, borrowed storage, copies and the --device parser.
#include <gtest/gtest.h>

#include "kernels/core/device.h"
#include "kernels/core/tensor.h"

namespace {

TEST(Tensor, EmptyZerosAndShape) {
    lf::Tensor t = lf::Tensor::zeros({2, 3, 4, 5}, lf::DType::F32);
    EXPECT_EQ(t.numel(), 120);
    EXPECT_EQ(t.nbytes(), 480u);
    EXPECT_EQ(t.dim(-1), 5);
    EXPECT_EQ(t.rank(), 4);
    EXPECT_FALSE(t.is_borrowed());
    for (std::int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(t.data<float>()[i], 0.0f);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw_data()) % 64, 0u);  // host alignment
    EXPECT_THROW(t.dim(4), lf::Error);
}

TEST(Tensor, DtypeMismatchIsAnError) {
    lf::Tensor t = lf::Tensor::empty({3}, lf::DType::F64);
    EXPECT_THROW(t.data<float>(), lf::Error);
    EXPECT_NO_THROW(t.data<double>());
}

TEST(Tensor, ReshapeSharesStorage) {
    lf::Tensor t = lf::Tensor::from_values<float>({2, 3}, {1, 2, 3, 4, 5, 6});
    lf::Tensor v = t.reshape({3, 2});
    EXPECT_EQ(v.raw_data(), t.raw_data());
    EXPECT_THROW(t.reshape({4, 2}), lf::Error);
}

TEST(Tensor, BorrowKeepsOwnerAlive) {
    auto owner = std::make_shared<std::vector<double>>(std::vector<double>{1.5, 2.5});
    lf::Tensor t = lf::Tensor::borrow(owner->data(), {2}, lf::DType::F64, lf::Device::cpu(), owner);
    std::weak_ptr<std::vector<double>> weak = owner;
    owner.reset();
    EXPECT_FALSE(weak.expired());
    EXPECT_TRUE(t.is_borrowed());
    EXPECT_EQ(t.data<double>()[1], 2.5);
}

TEST(Tensor, CloneIsADeepCopy) {
    lf::Tensor t = lf::Tensor::from_values<std::int64_t>({3}, {7, 8, 9});
    lf::Tensor c = t.clone();
    c.data<std::int64_t>()[0] = 0;
    EXPECT_EQ(t.data<std::int64_t>()[0], 7);
}

TEST(Tensor, ShapeErrors) {
    EXPECT_THROW(lf::shape_numel({-1, 2}), lf::Error);
    EXPECT_THROW(lf::shape_numel({1LL << 40, 1LL << 40}), lf::Error);
    lf::Tensor t = lf::Tensor::empty({2, 2}, lf::DType::F32);
    EXPECT_THROW(t.expect_shape({2, 3}, "weight"), lf::Error);
}

TEST(Device, ParseSpecs) {
    EXPECT_TRUE(lf::parse_device_spec("auto").is_auto);
    EXPECT_TRUE(lf::parse_device_spec("cpu").device.is_cpu());
    EXPECT_EQ(lf::parse_device_spec("cuda").device, lf::Device::cuda(0));
    EXPECT_EQ(lf::parse_device_spec("cuda:3").device, lf::Device::cuda(3));
    for (const char* bad : {"gpu", "cuda:", "cuda:-1", "cuda:1x", "CPU", ""})
        EXPECT_THROW(lf::parse_device_spec(bad), lf::Error) << bad;
}

TEST(Device, AutoFallsBackToCpuWithOneNotice) {
    if (lf::cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is present; auto picks it";
    std::ostringstream notice;
    const lf::Device d = lf::resolve_device(lf::parse_device_spec("auto"), &notice);
    EXPECT_TRUE(d.is_cpu());
    const std::string text = notice.str();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
    EXPECT_THROW(lf::resolve_device(lf::parse_device_spec("cuda:0"), nullptr), lf::Error);
}

TEST(Device, CudaTensorWithoutDeviceIsAClearError) {
    if (lf::cuda_device_count() > 0) GTEST_SKIP() << "a CUDA device is present";
    EXPECT_THROW(lf::Tensor::empty({4}, lf::DType::F32, lf::Device::cuda(0)), lf::Error);
}

}  // namespace

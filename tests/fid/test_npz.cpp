// test_npz.cpp (label unit): kernels/io/npz.h. Round trips (stored and deflated) are bit-exact;
// archives written by NumPy (np.savez, np.savez_compressed; committed under tests/fid/data/, written
// by tools/reference/make_fid_npz_golden.py) are read; broken archives give one-line errors naming
// the file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "kernels/core/error.h"
#include "kernels/io/npz.h"

namespace lf {
namespace {

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() /
            ("lf_test_npz_" + std::to_string(::getpid()) + "_" + name))
        .string();
}

Tensor arange_f64(Shape shape) {
    Tensor t = Tensor::empty(shape, DType::F64);
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data<double>()[i] = 0.5 * static_cast<double>(i) - 3.0;
    return t;
}

void expect_same(const Tensor& a, const Tensor& b) {
    ASSERT_EQ(a.shape(), b.shape());
    ASSERT_EQ(a.dtype(), b.dtype());
    EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()), 0);
}

class NpzRoundTrip : public ::testing::TestWithParam<bool> {};

TEST_P(NpzRoundTrip, BitExact) {
    const std::string path = temp_path(GetParam() ? "deflate.npz" : "stored.npz");
    const Tensor mu = arange_f64({5});
    const Tensor sigma = arange_f64({5, 5});
    const Tensor f = Tensor::from_values<float>({2, 2}, {1.f, 2.f, 3.f, 4.f});
    npz::save(path, {{"mu", mu}, {"sigma", sigma}, {"f", f}}, GetParam());
    const auto got = npz::load(path);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].first, "mu");
    EXPECT_EQ(got[1].first, "sigma");
    EXPECT_EQ(got[2].first, "f");
    expect_same(got[0].second, mu);
    expect_same(got[1].second, sigma);
    expect_same(got[2].second, f);
    std::filesystem::remove(path);
}

INSTANTIATE_TEST_SUITE_P(Compression, NpzRoundTrip, ::testing::Values(false, true));

TEST(Npz, ReadsNumpyArchives) {
    for (const char* name : {"savez.npz", "savez_compressed.npz"}) {
        SCOPED_TRACE(name);
        const auto got = npz::load(std::string(LF_SOURCE_DIR) + "/tests/fid/data/" + name);
        ASSERT_EQ(got.size(), 2u);
        EXPECT_EQ(got[0].first, "mu");
        EXPECT_EQ(got[1].first, "sigma");
        expect_same(got[0].second, arange_f64({4}));
        expect_same(got[1].second, arange_f64({4, 4}));
    }
}

TEST(Npz, BrokenFilesGiveOneLineErrors) {
    const std::string path = temp_path("garbage.npz");
    std::ofstream(path) << "this is not a zip file at all";
    try {
        npz::load(path);
        FAIL() << "no error";
    } catch (const Error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
        EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
    std::filesystem::remove(path);
    EXPECT_THROW(npz::load(temp_path("missing.npz")), Error);
}

TEST(Npz, TruncatedArchiveIsAnError) {
    const std::string path = temp_path("trunc.npz");
    npz::save(path, {{"sigma", arange_f64({64, 64})}});
    const auto size = std::filesystem::file_size(path);
    std::filesystem::resize_file(path, size / 2);
    EXPECT_THROW(npz::load(path), Error);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace lf

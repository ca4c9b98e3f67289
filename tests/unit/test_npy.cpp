// test_npy.cpp: lf::npy reader/writer: numpy-written files, byte-identical output, round trips,
// and the malformed-file suite (every bad input is one lf::Error line naming the problem).
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernels/io/npy.h"

namespace {

namespace fs = std::filesystem;

const std::string kDataDir = std::string(LF_SOURCE_DIR) + "/tests/data/npy/";

std::vector<std::uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A fresh directory per test under the gtest temp dir.
std::string scratch_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const fs::path dir = fs::path(::testing::TempDir()) /
                         (std::string("lf_npy_") + info->test_suite_name() + "_" + info->name() + "_" +
                          std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir.string();
}

// A .npy image: magic, version, header length, the header text as given (no padding), data.
std::vector<std::uint8_t> make_npy(const std::string& header, std::size_t data_bytes, int major = 1) {
    std::vector<std::uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<std::uint8_t>(major), 0};
    const std::size_t n = header.size();
    out.push_back(static_cast<std::uint8_t>(n & 0xff));
    out.push_back(static_cast<std::uint8_t>((n >> 8) & 0xff));
    if (major != 1) {
        out.push_back(static_cast<std::uint8_t>((n >> 16) & 0xff));
        out.push_back(static_cast<std::uint8_t>((n >> 24) & 0xff));
    }
    out.insert(out.end(), header.begin(), header.end());
    for (std::size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<std::uint8_t>(i * 7 + 1));
    return out;
}

std::string dict(const std::string& descr, const std::string& fortran, const std::string& shape) {
    return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n";
}

// Parses `bytes` and expects an lf::Error that is one line, starts with "<what>: " and contains `needle`.
void expect_error(const std::vector<std::uint8_t>& bytes, const std::string& needle) {
    try {
        lf::npy::parse(bytes.data(), bytes.size(), "bad.npy");
        ADD_FAILURE() << "no error; expected one containing '" << needle << "'";
    } catch (const lf::Error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find(needle), std::string::npos) << "message: " << m << "\nexpected to contain: " << needle;
        EXPECT_EQ(m.rfind("bad.npy: ", 0), 0u) << m;
        EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
}

template <typename T>
std::vector<T> values_of(const lf::Tensor& t) {
    const T* p = static_cast<const T*>(t.raw_data());
    return std::vector<T>(p, p + t.numel());
}

// ---- numpy-written files ---------------------------------------------------------------------------

TEST(NpyLoad, Float32FromNumpy) {
    const lf::Tensor t = lf::npy::load(kDataDir + "arange_f32_2x3.npy");
    EXPECT_EQ(t.dtype(), lf::DType::F32);
    EXPECT_EQ(t.shape(), (lf::Shape{2, 3}));
    EXPECT_EQ(values_of<float>(t), (std::vector<float>{-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f}));
}

// npy::map: the same tensor as load() for every numpy-written file; writes to it stay private.
TEST(NpyMap, SameAsLoadAndCopyOnWrite) {
    for (const char* name : {"arange_f32_2x3.npy", "values_f64_4.npy", "arange_i64_3x1x2.npy"}) {
        const lf::Tensor a = lf::npy::load(kDataDir + name);
        const lf::Tensor b = lf::npy::map(kDataDir + name);
        ASSERT_EQ(a.dtype(), b.dtype()) << name;
        ASSERT_EQ(a.shape(), b.shape()) << name;
        EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.numel() * lf::dtype_size(a.dtype())), 0) << name;
    }
    const std::string path = scratch_dir() + "/x.npy";
    lf::npy::save(path, lf::Tensor::from_values<float>({3}, {1.0f, 2.0f, 3.0f}));
    {
        lf::Tensor m = lf::npy::map(path);
        m.data<float>()[0] = 42.0f;  // private mapping: the file keeps its bytes
    }
    EXPECT_EQ(values_of<float>(lf::npy::load(path)), (std::vector<float>{1.0f, 2.0f, 3.0f}));
    EXPECT_THROW(lf::npy::map(scratch_dir() + "/missing.npy"), lf::Error);
}

TEST(NpyLoad, Float64FromNumpy) {
    const lf::Tensor t = lf::npy::load(kDataDir + "values_f64_4.npy");
    EXPECT_EQ(t.dtype(), lf::DType::F64);
    EXPECT_EQ(t.shape(), (lf::Shape{4}));
    const auto v = values_of<double>(t);
    EXPECT_EQ(v[0], 0.1);
    EXPECT_EQ(v[1], -2.5);
    EXPECT_EQ(v[2], 1e300);
    EXPECT_EQ(v[3], 0.0);
    EXPECT_TRUE(std::signbit(v[3]));
}

TEST(NpyLoad, Int64FromNumpy) {
    const lf::Tensor t = lf::npy::load(kDataDir + "arange_i64_3x1x2.npy");
    EXPECT_EQ(t.dtype(), lf::DType::I64);
    EXPECT_EQ(t.shape(), (lf::Shape{3, 1, 2}));
    std::vector<std::int64_t> want;
    for (std::int64_t i = 0; i < 6; ++i) want.push_back((i - 3) * 1000000000000);
    EXPECT_EQ(values_of<std::int64_t>(t), want);
}

TEST(NpyLoad, ScalarEmptyAndHalfFromNumpy) {
    const lf::Tensor s = lf::npy::load(kDataDir + "scalar_f32.npy");
    EXPECT_EQ(s.shape(), lf::Shape{});
    EXPECT_EQ(s.numel(), 1);
    EXPECT_EQ(values_of<float>(s)[0], 3.25f);

    const lf::Tensor e = lf::npy::load(kDataDir + "empty_f32_0x5.npy");
    EXPECT_EQ(e.shape(), (lf::Shape{0, 5}));
    EXPECT_EQ(e.numel(), 0);

    const lf::Tensor h = lf::npy::load(kDataDir + "half_f16_3.npy");
    EXPECT_EQ(h.dtype(), lf::DType::F16);
    EXPECT_EQ(values_of<std::uint16_t>(h), (std::vector<std::uint16_t>{0x3c00, 0xc000, 0x3800}));
}

TEST(NpyLoad, Versions2And3) {
    const lf::Tensor v1 = lf::npy::load(kDataDir + "arange_f32_2x3.npy");
    for (const char* name : {"arange_f32_2x3_v2.npy", "arange_f32_2x3_v3.npy"}) {
        const lf::Tensor t = lf::npy::load(kDataDir + name);
        EXPECT_EQ(t.shape(), v1.shape()) << name;
        EXPECT_EQ(values_of<float>(t), values_of<float>(v1)) << name;
    }
}

TEST(NpyLoad, RefusesNumpyFilesItDoesNotSupport) {
    const std::pair<const char*, const char*> cases[] = {
        {"refused_big_endian.npy", "big-endian data ('>f4') is not supported"},
        {"refused_fortran.npy", "Fortran-order arrays are not supported"},
        {"refused_int32.npy", "unsupported dtype '<i4'"},
        {"refused_object.npy", "object arrays ('|O') are not supported"},
    };
    for (const auto& [name, needle] : cases) {
        const std::string path = kDataDir + name;
        try {
            lf::npy::load(path);
            ADD_FAILURE() << name << " was accepted";
        } catch (const lf::Error& e) {
            const std::string m = e.what();
            EXPECT_EQ(m.rfind(path + ": ", 0), 0u) << m;
            EXPECT_NE(m.find(needle), std::string::npos) << m;
        }
    }
}

TEST(NpyLoad, MissingFileAndDirectory) {
    try {
        lf::npy::load(kDataDir + "does_not_exist.npy");
        ADD_FAILURE();
    } catch (const lf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("does_not_exist.npy: cannot open"), std::string::npos) << e.what();
    }
    try {
        lf::npy::load(kDataDir);
        ADD_FAILURE();
    } catch (const lf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
    }
}

// ---- writer -----------------------------------------------------------------------------------------

TEST(NpySave, ByteIdenticalToNumpy) {
    const std::string dir = scratch_dir();
    for (const char* name : {"arange_f32_2x3.npy", "values_f64_4.npy", "arange_i64_3x1x2.npy", "scalar_f32.npy",
                             "empty_f32_0x5.npy", "half_f16_3.npy"}) {
        const lf::Tensor t = lf::npy::load(kDataDir + name);
        const std::string out = dir + "/" + name;
        lf::npy::save(out, t);
        EXPECT_EQ(read_bytes(out), read_bytes(kDataDir + name)) << name;
    }
}

TEST(NpySave, DataStartsAt64ByteBoundary) {
    const std::string dir = scratch_dir();
    for (const lf::Shape& shape : {lf::Shape{}, lf::Shape{1}, lf::Shape{3, 4}, lf::Shape{2, 3, 4, 5, 6, 7, 8, 9},
                                   lf::Shape{123456789, 0}}) {
        const lf::Tensor t = lf::Tensor::zeros(shape, lf::DType::F64);
        lf::npy::save(dir + "/a.npy", t);
        const auto bytes = read_bytes(dir + "/a.npy");
        ASSERT_GE(bytes.size(), 10u);
        const std::size_t data_offset = 10 + (bytes[8] | bytes[9] << 8);
        EXPECT_EQ(data_offset % 64, 0u) << lf::shape_to_string(shape);
        EXPECT_EQ(bytes[data_offset - 1], '\n');
        EXPECT_EQ(bytes.size() - data_offset, t.nbytes());
    }
}

TEST(NpySave, RoundTripIsBitExact) {
    const std::string dir = scratch_dir();
    lf::Tensor f = lf::Tensor::empty({3, 5, 2}, lf::DType::F32);
    auto* fp = f.data<float>();
    for (int i = 0; i < 30; ++i) fp[i] = std::ldexp(static_cast<float>(i * 2654435761u % 1000) - 500.0f, i % 40 - 20);
    std::uint32_t nan_bits = 0x7fc12345;
    std::memcpy(&fp[7], &nan_bits, 4);  // a NaN payload must survive
    lf::Tensor d = lf::Tensor::empty({4}, lf::DType::F64);
    d.data<double>()[0] = 1e-310;  // denormal
    d.data<double>()[1] = -INFINITY;
    d.data<double>()[2] = 3.141592653589793;
    d.data<double>()[3] = -0.0;
    const lf::Tensor i = lf::Tensor::from_values<std::int64_t>({2, 2}, {INT64_MIN, -1, 0, INT64_MAX});
    lf::Tensor h = lf::Tensor::empty({2, 1}, lf::DType::F16);
    const std::uint16_t hv[2] = {0x7bff, 0x8001};
    std::memcpy(h.raw_data(), hv, 4);
    const lf::Tensor empty = lf::Tensor::empty({0}, lf::DType::I64);

    for (const lf::Tensor* t : std::vector<const lf::Tensor*>{&f, &d, &i, &h, &empty}) {
        const std::string path = dir + "/t.npy";
        lf::npy::save(path, *t);
        const lf::Tensor back = lf::npy::load(path);
        EXPECT_EQ(back.dtype(), t->dtype());
        EXPECT_EQ(back.shape(), t->shape());
        ASSERT_EQ(back.nbytes(), t->nbytes());
        if (t->nbytes() > 0) {
            EXPECT_EQ(std::memcmp(back.raw_data(), t->raw_data(), t->nbytes()), 0);
        }
        const auto bytes = read_bytes(path);
        const lf::Tensor parsed = lf::npy::parse(bytes.data(), bytes.size(), "mem");
        EXPECT_EQ(parsed.shape(), t->shape());
    }
}

TEST(NpySave, UnwritablePathIsAnError) {
    const lf::Tensor t = lf::Tensor::zeros({2}, lf::DType::F32);
    try {
        lf::npy::save("/nonexistent-dir/x.npy", t);
        ADD_FAILURE();
    } catch (const lf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.npy: cannot open for writing"), std::string::npos);
    }
}

// ---- header syntax accepted ------------------------------------------------------------------------

TEST(NpyParse, AcceptsHeaderVariantsNumpyAccepts) {
    // Key order, double quotes, extra whitespace, no trailing comma, trailing comma in the tuple.
    const std::string headers[] = {
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
        "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2, 3)}\n",
        "{ 'descr' : '<f4' ,\t'fortran_order':False,'shape':(2,3,) , }      \n",
    };
    for (const std::string& h : headers) {
        const auto bytes = make_npy(h, 24);
        const lf::Tensor t = lf::npy::parse(bytes.data(), bytes.size(), "ok.npy");
        EXPECT_EQ(t.shape(), (lf::Shape{2, 3})) << h;
    }
    const auto v2 = make_npy(dict("<i8", "False", "(1,)"), 8, 2);
    EXPECT_EQ(lf::npy::parse(v2.data(), v2.size(), "v2").shape(), (lf::Shape{1}));
}

// ---- malformed-file suite --------------------------------------------------------------------------

TEST(NpyMalformed, BadMagicAndTooShort) {
    expect_error({}, "not a .npy file");
    expect_error({'P', 'K', 3, 4, 0, 0, 0, 0, 0, 0}, "not a .npy file");
    expect_error({0x93, 'N', 'U', 'M', 'P', 'Y'}, "truncated .npy file");
    expect_error({0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 10}, "truncated .npy file");
    expect_error({0x93, 'N', 'U', 'M', 'P', 'Y', 2, 0, 0, 0}, "truncated .npy file");
}

TEST(NpyMalformed, UnsupportedVersion) {
    auto b = make_npy(dict("<f4", "False", "(1,)"), 4);
    b[6] = 4;
    expect_error(b, "unsupported .npy format version 4.0");
    b[6] = 1;
    b[7] = 1;
    expect_error(b, "unsupported .npy format version 1.1");
}

TEST(NpyMalformed, HeaderLengthBeyondFile) {
    auto b = make_npy(dict("<f4", "False", "(1,)"), 4);
    b[8] = 0xff;
    b[9] = 0xff;
    expect_error(b, "header length 65535 exceeds the file size");
    auto v2 = make_npy(dict("<f4", "False", "(1,)"), 4, 2);
    v2[8] = v2[9] = v2[10] = v2[11] = 0xff;  // 4 GiB - 1: nothing may be allocated for it
    expect_error(v2, "header length 4294967295 exceeds the file size");
}

TEST(NpyMalformed, TruncatedAndTrailingData) {
    expect_error(make_npy(dict("<f4", "False", "(2, 3)"), 23), "truncated: shape [2, 3] needs 24 bytes of data but the file holds 23");
    expect_error(make_npy(dict("<f8", "False", "(2, 3)"), 0), "truncated");
    expect_error(make_npy(dict("<f4", "False", "(2, 3)"), 25), "1 unexpected trailing bytes");
    expect_error(make_npy(dict("<f4", "False", "(0, 3)"), 4), "unexpected trailing bytes");
    // A real numpy file cut short.
    auto real = read_bytes(kDataDir + "arange_f32_2x3.npy");
    real.resize(real.size() - 1);
    expect_error(real, "truncated");
    real.resize(100);  // inside the header
    expect_error(real, "header length 118 exceeds the file size (100 bytes)");
}

TEST(NpyMalformed, RefusedDtypesAndLayouts) {
    expect_error(make_npy(dict(">f8", "False", "(1,)"), 8), "big-endian data ('>f8') is not supported");
    expect_error(make_npy(dict("<f4", "True", "(2, 2)"), 16), "Fortran-order arrays are not supported");
    expect_error(make_npy(dict("|O", "False", "(1,)"), 8), "object arrays");
    expect_error(make_npy(dict("<c8", "False", "(1,)"), 8), "unsupported dtype '<c8'");
    expect_error(make_npy(dict("|u1", "False", "(1,)"), 1), "unsupported dtype '|u1'");
    expect_error(make_npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", 4),
                 "structured dtypes");
}

TEST(NpyMalformed, HeaderKeys) {
    expect_error(make_npy("{'descr': '<f4', 'shape': (1,), }", 4), "no 'fortran_order' key");
    expect_error(make_npy("{'descr': '<f4', 'fortran_order': False}", 4), "no 'shape' key");
    expect_error(make_npy("{'fortran_order': False, 'shape': (1,)}", 4), "no 'descr' key");
    expect_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", 4),
                 "unexpected key 'extra'");
    expect_error(make_npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 4),
                 "duplicate key 'descr'");
    expect_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'shape': (1,)}", 4),
                 "duplicate key 'shape'");
}

TEST(NpyMalformed, HeaderSyntax) {
    expect_error(make_npy("", 4), "expected '{' opening the header dict but the header ends");
    expect_error(make_npy("['descr']", 4), "malformed .npy header at byte 0");
    expect_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)", 4), "expected ',' or '}'");
    expect_error(make_npy("{'descr': '<f4, 'fortran_order': False, 'shape': (1,)}", 4), "malformed .npy header");
    expect_error(make_npy("{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}", 4), "True or False");
    expect_error(make_npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", 4), "True or False");
    expect_error(make_npy("{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", 4), "expected ',' or '}'");
    expect_error(make_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", 4),
                 "only whitespace after the header dict");
    expect_error(make_npy(std::string("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}\0", 56), 4),
                 "malformed .npy header");
    expect_error(make_npy("{'descr': '<\\x66', 'fortran_order': False, 'shape': (1,)}", 4), "without escapes");
    expect_error(make_npy("{descr: '<f4', 'fortran_order': False, 'shape': (1,)}", 4), "a key string");
}

TEST(NpyMalformed, Shapes) {
    expect_error(make_npy(dict("<f4", "False", "[2, 3]"), 24), "must be a tuple, not a list");
    expect_error(make_npy(dict("<f4", "False", "(3)"), 12), "a tuple for 'shape'");
    expect_error(make_npy(dict("<f4", "False", "(2, -3)"), 24), "negative dimension");
    expect_error(make_npy(dict("<f4", "False", "(2.0, 3)"), 24), "expected ',' or ')' in the shape tuple");
    expect_error(make_npy(dict("<f4", "False", "(2, 03)"), 24), "without leading zeros");
    expect_error(make_npy(dict("<f4", "False", "(,)"), 24), "a dimension");
    expect_error(make_npy(dict("<f4", "False", "(99999999999999999999,)"), 4), "dimension in the .npy header shape is too large");
    // Product overflows int64: nothing may be allocated.
    expect_error(make_npy(dict("<f4", "False", "(4294967296, 4294967296, 4294967296)"), 4),
                 "is too large (its element count overflows)");
    // Element count fits int64, byte size does not fit size_t.
    expect_error(make_npy(dict("<i8", "False", "(4611686018427387904,)"), 8), "its byte size overflows");
    // Fits, but far more than the file holds (must not try to allocate 8 EiB).
    expect_error(make_npy(dict("<f8", "False", "(1000000000000000000,)"), 8), "truncated");
    // A zero dimension before an overflowing product is still refused the way shape_numel does.
    expect_error(make_npy(dict("<f4", "False", "(4294967296, 4294967296, 4294967296, 0)"), 0), "overflows");
}

}  // namespace

// test_safetensors.cpp: lf::SafetensorsFile / write_safetensors: round trips, the reference
// implementation's file, layout of written files, zero-copy views, and the malformed-file suite
// (every bad header is one lf::Error line naming the problem; nothing crashes or allocates hugely).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "weights/safetensors.h"

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;
using Named = std::vector<std::pair<std::string, lf::Tensor>>;

const std::string kReference = std::string(LF_SOURCE_DIR) + "/tests/data/safetensors/reference_small.safetensors";

Bytes read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const Bytes& b) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::string scratch_dir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const fs::path dir = fs::path(::testing::TempDir()) /
                         (std::string("lf_st_") + info->test_suite_name() + "_" + info->name() + "_" +
                          std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir.string();
}

// 8-byte little-endian length (given, or the real one), header text, `data_bytes` bytes of data.
Bytes make_file(const std::string& header, std::size_t data_bytes, std::optional<std::uint64_t> length = {}) {
    const std::uint64_t n = length.value_or(header.size());
    Bytes out;
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    out.insert(out.end(), header.begin(), header.end());
    for (std::size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<std::uint8_t>(i));
    return out;
}

lf::SafetensorsFile parse(Bytes b, const std::string& what = "model.safetensors") {
    return lf::SafetensorsFile::from_bytes(std::make_shared<const Bytes>(std::move(b)), what);
}

// Expects an lf::Error that is one line, starts with "model.safetensors: " and contains every needle.
void expect_error(const Bytes& bytes, std::initializer_list<std::string> needles) {
    try {
        parse(bytes);
        ADD_FAILURE() << "no error; expected one containing '" << *needles.begin() << "'";
    } catch (const lf::Error& e) {
        const std::string m = e.what();
        for (const std::string& needle : needles)
            EXPECT_NE(m.find(needle), std::string::npos) << "message: " << m << "\nexpected to contain: " << needle;
        EXPECT_EQ(m.rfind("model.safetensors: ", 0), 0u) << m;
        EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
}

lf::Tensor f16_tensor(lf::Shape shape, const std::vector<std::uint16_t>& bits) {
    lf::Tensor t = lf::Tensor::empty(std::move(shape), lf::DType::F16);
    std::memcpy(t.raw_data(), bits.data(), t.nbytes());
    return t;
}

bool same_bytes(const lf::Tensor& a, const lf::Tensor& b) {
    return a.dtype() == b.dtype() && a.shape() == b.shape() && a.nbytes() == b.nbytes() &&
           (a.nbytes() == 0 || std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0);
}

Named sample_tensors() {
    lf::Tensor w = lf::Tensor::empty({4, 3}, lf::DType::F32);
    for (int i = 0; i < 12; ++i) w.data<float>()[i] = std::ldexp(static_cast<float>(i) - 5.5f, i - 6);
    const std::uint32_t nan_bits = 0x7fc0beef;
    std::memcpy(&w.data<float>()[5], &nan_bits, 4);
    return {
        {"mapping.fc0.weight", w},
        {"mapping.fc0.bias", lf::Tensor::from_values<double>({3}, {1e-310, -INFINITY, 0.1})},
        {"synthesis.b4.const", f16_tensor({3}, {0x3c00, 0xfc00, 0x0001})},
        {"step", lf::Tensor::from_values<std::int64_t>({}, {INT64_MIN})},
        {"empty", lf::Tensor::empty({0, 7}, lf::DType::F32)},
        {"odd.half", f16_tensor({1}, {0x1234})},
    };
}

// ---- round trips --------------------------------------------------------------------------------

TEST(SafetensorsRoundTrip, FileIsBitExactWithMetadata) {
    const std::string path = scratch_dir() + "/m.safetensors";
    const Named tensors = sample_tensors();
    const std::map<std::string, std::string> meta = {{"architecture", "stylegan2"}, {"config", "{\"z_dim\": 512}"},
                                                     {"unicode", "\xc3\xa9t\xc3\xa9"}, {"empty", ""}};
    lf::write_safetensors(path, tensors, meta);
    const lf::SafetensorsFile f = lf::SafetensorsFile::open(path);
    EXPECT_EQ(f.metadata(), meta);
    EXPECT_EQ(f.entries().size(), tensors.size());
    for (const auto& [name, t] : tensors) {
        ASSERT_TRUE(f.contains(name)) << name;
        EXPECT_TRUE(same_bytes(f.get(name), t)) << name;
    }
    EXPECT_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));
}

TEST(SafetensorsRoundTrip, FromBytesMatchesFile) {
    const std::string path = scratch_dir() + "/m.safetensors";
    lf::write_safetensors(path, sample_tensors(), {{"k", "v"}});
    const Bytes bytes = lf::serialize_safetensors(sample_tensors(), {{"k", "v"}});
    EXPECT_EQ(read_bytes(path), bytes);
    const lf::SafetensorsFile f = parse(bytes);
    for (const auto& [name, t] : sample_tensors()) EXPECT_TRUE(same_bytes(f.get(name), t)) << name;
}

TEST(SafetensorsRoundTrip, NoTensorsNoMetadata) {
    const Bytes bytes = lf::serialize_safetensors({}, {});
    EXPECT_EQ(bytes.size(), 16u);  // "{}" padded to 8
    const lf::SafetensorsFile f = parse(bytes);
    EXPECT_TRUE(f.entries().empty());
    EXPECT_TRUE(f.metadata().empty());
}

TEST(SafetensorsRoundTrip, ReadsTheReferenceImplementationsFile) {
    const lf::SafetensorsFile f = lf::SafetensorsFile::open(kReference);
    EXPECT_EQ(f.metadata().at("format"), "pt");
    EXPECT_EQ(f.metadata().at("note"), "written by safetensors 0.8.0 (python)");
    ASSERT_EQ(f.entries().size(), 6u);
    const lf::Tensor w = f.get("b.weight");
    EXPECT_EQ(w.shape(), (lf::Shape{2, 3}));
    EXPECT_EQ(std::vector<float>(w.data<float>(), w.data<float>() + 6),
              (std::vector<float>{-1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 1.5f}));
    const lf::Tensor b = f.get("a.bias");
    EXPECT_EQ(b.data<double>()[2], 1e300);
    const lf::Tensor c = f.get("d.count");
    EXPECT_EQ(c.shape(), (lf::Shape{1, 2}));
    EXPECT_EQ(c.data<std::int64_t>()[1], -8);
    const lf::Tensor h = f.get("c.half");
    EXPECT_EQ(h.dtype(), lf::DType::F16);
    EXPECT_EQ(static_cast<const std::uint16_t*>(h.raw_data())[1], 0xc000);
    EXPECT_EQ(f.get("e.empty").shape(), (lf::Shape{0, 4}));
    EXPECT_EQ(f.get("f.scalar").shape(), lf::Shape{});
    EXPECT_EQ(f.get("f.scalar").data<float>()[0], 2.5f);

    // Rewriting what we read gives a file that reads back identically.
    Named all;
    for (const auto& e : f.entries()) all.emplace_back(e.name, f.get(e.name));
    const lf::SafetensorsFile again = parse(lf::serialize_safetensors(all, f.metadata()));
    for (const auto& [name, t] : all) EXPECT_TRUE(same_bytes(again.get(name), t)) << name;
}

// ---- written layout -----------------------------------------------------------------------------

TEST(SafetensorsWrite, DeterministicSortedPaddedAndAligned) {
    Named tensors = sample_tensors();
    const Bytes a = lf::serialize_safetensors(tensors, {{"b", "2"}, {"a", "1"}});
    std::reverse(tensors.begin(), tensors.end());
    const Bytes b = lf::serialize_safetensors(tensors, {{"a", "1"}, {"b", "2"}});
    EXPECT_EQ(a, b);  // input order does not matter

    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = n << 8 | a[static_cast<std::size_t>(i)];
    EXPECT_EQ(n % 8, 0u);
    const std::string header(a.begin() + 8, a.begin() + 8 + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(header.rfind("{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\"},", 0), 0u) << header;
    EXPECT_EQ(header.find('\n'), std::string::npos);
    const auto last = header.find_last_not_of(' ');
    EXPECT_EQ(header[last], '}');
    EXPECT_LT(header.size() - last - 1, 8u);

    // Keys after __metadata__ are sorted by name.
    const auto j = nlohmann::ordered_json::parse(header);
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    ASSERT_EQ(keys.front(), "__metadata__");
    EXPECT_TRUE(std::is_sorted(keys.begin() + 1, keys.end()));

    // Offsets contiguous, every tensor aligned to its element size, borrowed (zero-copy).
    const lf::SafetensorsFile f = parse(a);
    std::size_t pos = 0;
    for (const auto& e : f.entries()) {
        EXPECT_EQ(e.begin, pos) << e.name;
        EXPECT_EQ(e.begin % lf::dtype_size(e.dtype), 0u) << e.name;
        pos = e.end;
        if (e.end > e.begin) {
            EXPECT_TRUE(f.get(e.name).is_borrowed()) << e.name;
        }
    }
    EXPECT_EQ(pos, f.data_bytes());
}

TEST(SafetensorsWrite, RefusesBadNames) {
    const lf::Tensor t = lf::Tensor::zeros({1}, lf::DType::F32);
    EXPECT_THROW(lf::serialize_safetensors({{"a", t}, {"a", t}}), lf::Error);
    EXPECT_THROW(lf::serialize_safetensors({{"__metadata__", t}}), lf::Error);
    try {
        lf::write_safetensors(scratch_dir() + "/x.safetensors", {{"bad\xff", t}}, {});
        ADD_FAILURE();
    } catch (const lf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("not valid UTF-8"), std::string::npos) << e.what();
    }
    try {
        lf::write_safetensors("/nonexistent-dir/x.safetensors", {{"a", t}}, {});
        ADD_FAILURE();
    } catch (const lf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.safetensors: cannot open for writing"),
                  std::string::npos);
    }
}

// ---- reader behaviour ---------------------------------------------------------------------------

TEST(SafetensorsRead, ViewsOutliveTheFileAndNeverWriteBack) {
    const std::string path = scratch_dir() + "/m.safetensors";
    lf::write_safetensors(path, sample_tensors(), {});
    const Bytes before = read_bytes(path);
    lf::Tensor w;
    {
        const lf::SafetensorsFile f = lf::SafetensorsFile::open(path);
        w = f.get("mapping.fc0.weight");
    }
    ASSERT_TRUE(w.is_borrowed());
    EXPECT_EQ(w.data<float>()[0], std::ldexp(-5.5f, -6));
    w.data<float>()[0] = 42.0f;  // copy-on-write mapping
    EXPECT_EQ(read_bytes(path), before);
}

TEST(SafetensorsRead, MisalignedDataIsCopied) {
    // An F16 of 1 element puts the F32 at data offset 2 (the header is 8-padded, so misaligned).
    std::string header =
        R"({"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"F32","shape":[2],"data_offsets":[2,10]}})";
    header.append((8 - header.size() % 8) % 8, ' ');
    Bytes bytes = make_file(header, 0);
    const std::uint16_t h = 0x3c00;
    const float v[2] = {1.25f, -3.0f};
    bytes.insert(bytes.end(), reinterpret_cast<const std::uint8_t*>(&h), reinterpret_cast<const std::uint8_t*>(&h) + 2);
    bytes.insert(bytes.end(), reinterpret_cast<const std::uint8_t*>(v), reinterpret_cast<const std::uint8_t*>(v) + 8);
    const lf::SafetensorsFile f = parse(bytes);
    const lf::Tensor b = f.get("b");
    EXPECT_FALSE(b.is_borrowed());
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.raw_data()) % 4, 0u);
    EXPECT_EQ(b.data<float>()[0], 1.25f);
    EXPECT_EQ(b.data<float>()[1], -3.0f);
    EXPECT_TRUE(f.get("a").is_borrowed());
    EXPECT_EQ(f.entries()[0].name, "a");  // data order
}

TEST(SafetensorsRead, MissingTensorAndFile) {
    const lf::SafetensorsFile f = parse(lf::serialize_safetensors(sample_tensors(), {}));
    try {
        f.get("synthesis.b8.conv0.weight");
        ADD_FAILURE();
    } catch (const lf::Error& e) {
        EXPECT_STREQ(e.what(), "model.safetensors: no tensor named 'synthesis.b8.conv0.weight'");
    }
    try {
        lf::SafetensorsFile::open("/nonexistent-dir/m.safetensors");
        ADD_FAILURE();
    } catch (const lf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/m.safetensors: cannot open"), std::string::npos);
    }
    try {
        lf::SafetensorsFile::open(scratch_dir());
        ADD_FAILURE();
    } catch (const lf::Error& e) {
        EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos);
    }
}

TEST(SafetensorsRead, NullMetadataAndZeroSizeTensorsAtBoundaries) {
    const Bytes b = make_file(R"({"__metadata__":null,"z0":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
                              R"("a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
                              R"("z1":{"dtype":"F64","shape":[3,0],"data_offsets":[8,8]}})",
                              8);
    const lf::SafetensorsFile f = parse(b);
    EXPECT_TRUE(f.metadata().empty());
    ASSERT_EQ(f.entries().size(), 3u);
    EXPECT_EQ(f.entries()[0].name, "z0");
    EXPECT_EQ(f.entries()[2].name, "z1");
    EXPECT_EQ(f.get("z1").shape(), (lf::Shape{3, 0}));
}

// ---- malformed-file suite -----------------------------------------------------------------------

const std::string kOne = R"({"t":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";

TEST(SafetensorsMalformed, TruncatedFile) {
    expect_error({}, {"file is too short (0 bytes)"});
    expect_error({1, 2, 3}, {"file is too short (3 bytes)"});
    Bytes b = make_file(kOne, 24);
    b.resize(b.size() - 5);  // cut into the data
    expect_error(b, {"tensor 't'", "data_offsets [0, 24] lie outside the data buffer (19 bytes)"});
    b.resize(20);  // cut into the header
    expect_error(b, {"header length 57 exceeds the file size (20 bytes)"});
}

TEST(SafetensorsMalformed, HeaderLengthBeyondFile) {
    expect_error(make_file(kOne, 24, kOne.size() + 25), {"header length 82 exceeds the file size (89 bytes)"});
}

TEST(SafetensorsMalformed, HugeHeaderLength) {
    expect_error(make_file(kOne, 24, std::uint64_t{1} << 63),
                 {"header length 9223372036854775808 exceeds the file size (89 bytes)"});
    expect_error(make_file(kOne, 24, ~std::uint64_t{0}), {"header length 18446744073709551615 exceeds the file size"});
}

TEST(SafetensorsMalformed, HeaderLengthOverTheLimit) {
    // A sparse file just over the limit: nothing of it is read or allocated.
    const std::string path = scratch_dir() + "/big.safetensors";
    const std::uint64_t n = lf::kSafetensorsMaxHeaderBytes + 1;
    Bytes prefix = make_file("", 0, n);
    write_bytes(path, prefix);
    ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(8 + n)), 0);
    try {
        lf::SafetensorsFile::open(path);
        ADD_FAILURE();
    } catch (const lf::Error& e) {
        EXPECT_EQ(std::string(e.what()), path + ": header length 100000001 exceeds the limit of 100000000 bytes");
    }
}

TEST(SafetensorsMalformed, OverlappingOffsets) {
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           12),
                 {"tensors 'a' and 'b' overlap (data_offsets [0, 8] and [4, 12])"});
    // Identical ranges.
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})",
                           8),
                 {"overlap"});
    // An empty tensor inside another one.
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"I64","shape":[0],"data_offsets":[4,4]}})",
                           8),
                 {"overlap"});
}

TEST(SafetensorsMalformed, OutOfRangeOffsets) {
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 8),
                 {"tensor 'a'", "data_offsets [8, 16] lie outside the data buffer (8 bytes)"});
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[18446744073709551615,18446744073709551615]}})", 0),
                 {"lie outside the data buffer"});
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8), {"has begin > end"});
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", 8), {"negative offset -4"});
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", 4), {"data_offsets must be an array"});
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", 4), {"data_offsets must be an array"});
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":"0-4"}})", 4), {"data_offsets must be an array"});
}

TEST(SafetensorsMalformed, GapInOffsets) {
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                           R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                           12),
                 {"gap in the data buffer: bytes [4, 8) belong to no tensor (before 'b')"});
    expect_error(make_file(R"({"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8), {"bytes [0, 4)"});
    // Trailing bytes nobody owns.
    expect_error(make_file(kOne, 30), {"gap in the data buffer: bytes [24, 30) at its end belong to no tensor"});
    expect_error(make_file("{}", 1), {"bytes [0, 1) at its end"});
}

TEST(SafetensorsMalformed, UnknownDtype) {
    for (const char* dt : {"BF16", "I32", "U8", "BOOL", "F8_E4M3", "f32", ""}) {
        expect_error(make_file(std::string(R"({"w":{"dtype":")") + dt + R"(","shape":[1],"data_offsets":[0,4]}})", 4),
                     {std::string("tensor 'w' has unsupported dtype '") + dt + "' (supported: F32, F16, F64, I64)"});
    }
    expect_error(make_file(R"({"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", 4),
                 {"tensor 'w': dtype is an integer, not a string"});
}

TEST(SafetensorsMalformed, ShapeSizeMismatch) {
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 20),
                 {"tensor 't': shape [2, 3] of F32 needs 24 bytes but data_offsets [0, 20] span 20"});
    expect_error(make_file(R"({"t":{"dtype":"F64","shape":[],"data_offsets":[0,4]}})", 4), {"needs 8 bytes"});
}

TEST(SafetensorsMalformed, ShapeOverflow) {
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],"data_offsets":[0,0]}})", 0),
                 {"tensor 't': shape [4294967296, 4294967296, 4294967296] is too large (its element count overflows)"});
    expect_error(make_file(R"({"t":{"dtype":"I64","shape":[4611686018427387904],"data_offsets":[0,0]}})", 0),
                 {"its byte size overflows"});
    // 2^64 / 4 elements of 4 bytes: wraps to exactly 0 bytes without the overflow check.
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[4294967296,1073741824],"data_offsets":[0,0]}})", 0),
                 {"overflows"});
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[9223372036854775808],"data_offsets":[0,0]}})", 0),
                 {"dimension 9223372036854775808 is too large"});
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[100000000000000000000],"data_offsets":[0,0]}})", 0),
                 {"dimension is a number, not a non-negative integer"});
}

TEST(SafetensorsMalformed, NegativeOrNonIntegerDim) {
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[2,-3],"data_offsets":[0,0]}})", 0),
                 {"tensor 't': negative dimension -3"});
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}})", 8),
                 {"dimension is a number, not a non-negative integer"});
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}})", 8), {"dimension is a string"});
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":2,"data_offsets":[0,8]}})", 8), {"shape is an integer, not an array"});
}

TEST(SafetensorsMalformed, InvalidJson) {
    expect_error(make_file(R"({"t":{"dtype":"F32",)", 0), {"invalid JSON header"});
    expect_error(make_file("", 0), {"invalid JSON header"});
    expect_error(make_file(R"({"t":1} trailing)", 0), {"invalid JSON header"});
    expect_error(make_file("{\"t\xff\":1}", 0), {"invalid JSON header"});           // invalid UTF-8
    expect_error(make_file(std::string("{}\0\0\0\0\0\0", 8), 0), {"invalid JSON header: NUL byte at offset 2"});
    expect_error(make_file(std::string("{}\0garbage", 10), 0), {"NUL byte"});  // nlohmann alone stops at NUL
    expect_error(make_file("{\n\"a\"\n:\x01}", 0), {"invalid JSON header"});        // message stays one line
    expect_error(make_file(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4),
                 {"duplicate JSON key 'a'"});
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", 4), {"nested deeper"});
    expect_error(make_file(std::string(100000, '[') + std::string(100000, ']'), 0), {"nested deeper"});
}

TEST(SafetensorsMalformed, NonObjectJson) {
    expect_error(make_file("[1, 2]", 0), {"invalid header: the JSON is an array, not an object"});
    expect_error(make_file("\"x\"", 0), {"the JSON is a string, not an object"});
    expect_error(make_file("null", 0), {"the JSON is null, not an object"});
    expect_error(make_file(R"({"t":[0,4]})", 4), {"tensor 't': entry is an array, not an object"});
}

TEST(SafetensorsMalformed, NonStringMetadata) {
    expect_error(make_file(R"({"__metadata__":{"a":"ok","epochs":3}})", 0),
                 {"__metadata__ value for 'epochs' is an integer, not a string"});
    expect_error(make_file(R"({"__metadata__":{"a":null}})", 0), {"value for 'a' is null, not a string"});
    expect_error(make_file(R"({"__metadata__":["a"]})", 0), {"__metadata__ is an array, not an object of strings"});
    expect_error(make_file(R"({"__metadata__":{"a":{"b":"c"}}})", 0), {"not a string"});
}

TEST(SafetensorsMalformed, EntryKeys) {
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[1]}})", 4), {"tensor 't': missing 'data_offsets'"});
    expect_error(make_file(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}})", 4),
                 {"tensor 't': unexpected key 'extra'"});
}

TEST(SafetensorsMalformed, NamesInMessagesStayOnOneLine) {
    expect_error(make_file(R"({"a\nb":{"dtype":"BF16","shape":[1],"data_offsets":[0,2]}})", 2), {"tensor 'a\\x0ab'"});
}

}  // namespace

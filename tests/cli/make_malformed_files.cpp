// make_malformed_files.cpp: writes malformed safetensors files for the CLI tests
// (tests/cli/CMakeLists.txt runs `lfgen info` on each and expects one "lfgen: error:" line).
// and malformed .npy files (cases named npy_*).
// Usage: make_malformed_files DIR NAME...   (writes DIR/NAME.safetensors, or DIR/NAME.npy for npy_*
// cases; an unknown NAME is an error)
#include <cstdint>
#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

namespace {

using Bytes = std::string;

// 8-byte little-endian length (the real one unless given), the header text, then data bytes.
Bytes file(const std::string& header, std::size_t data_bytes, std::uint64_t length = UINT64_MAX) {
    const std::uint64_t n = length == UINT64_MAX ? header.size() : length;
    Bytes out;
    for (int i = 0; i < 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    out += header;
    for (std::size_t i = 0; i < data_bytes; ++i) out += static_cast<char>(i & 0xff);
    return out;
}

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape, std::size_t b,
                  std::size_t e) {
    std::ostringstream out;
    out << '"' << name << "\":{\"dtype\":\"" << dtype << "\",\"shape\":" << shape << ",\"data_offsets\":[" << b << ','
        << e << "]}";
    return out.str();
}

// A .npy file: magic, version 1.0, the header text as given, then data bytes.
Bytes npy(const std::string& header, std::size_t data_bytes, std::size_t header_len = SIZE_MAX) {
    const std::size_t n = header_len == SIZE_MAX ? header.size() : header_len;
    Bytes out = "\x93NUMPY";
    out += '\x01';
    out += '\x00';
    out += static_cast<char>(n & 0xff);
    out += static_cast<char>((n >> 8) & 0xff);
    out += header;
    out.append(data_bytes, '\x01');
    return out;
}

std::string npy_dict(const std::string& descr, const std::string& fortran, const std::string& shape) {
    std::string out = "{'descr': '";
    out += descr;
    out += "', 'fortran_order': ";
    out += fortran;
    out += ", 'shape': ";
    out += shape;
    out += ", }\n";
    return out;
}

// A JSON object of the given members (appends only: GCC 12 warns falsely on `"{" + std::string`).
std::string obj(std::initializer_list<std::string> members) {
    std::string out = "{";
    for (const std::string& m : members) {
        if (out.size() > 1) out += ',';
        out += m;
    }
    out += '}';
    return out;
}

const std::map<std::string, std::function<Bytes()>>& cases() {
    static const std::string one = obj({entry("w", "F32", "[2,3]", 0, 24)});
    static const std::map<std::string, std::function<Bytes()>> c = {
        {"empty", [] { return Bytes(); }},
        {"truncated", [] { return file(one, 24).substr(0, 5); }},
        {"truncated_data", [] { return file(one, 20); }},
        {"header_beyond_file", [] { return file(one, 24, one.size() + 100); }},
        {"huge_header_length", [] { return file(one, 24, std::uint64_t{1} << 63); }},
        {"overlapping_offsets",
         [] { return file(obj({entry("a", "F32", "[2]", 0, 8), entry("b", "F32", "[2]", 4, 12)}), 12); }},
        {"out_of_range_offsets", [] { return file(obj({entry("a", "F32", "[2]", 8, 16)}), 8); }},
        {"gap_in_offsets",
         [] { return file(obj({entry("a", "F32", "[1]", 0, 4), entry("b", "F32", "[1]", 8, 12)}), 12); }},
        {"trailing_bytes", [] { return file(one, 32); }},
        {"unknown_dtype", [] { return file(obj({entry("w", "BF16", "[2]", 0, 4)}), 4); }},
        {"shape_size_mismatch", [] { return file(obj({entry("w", "F32", "[2,3]", 0, 20)}), 20); }},
        {"shape_overflow",
         [] { return file(obj({entry("w", "F32", "[4294967296,4294967296,4294967296]", 0, 0)}), 0); }},
        {"negative_dim", [] { return file(obj({entry("w", "F32", "[2,-3]", 0, 0)}), 0); }},
        {"invalid_json", [] { return file("{\"w\":{\"dtype\":\"F32\",", 0); }},
        {"invalid_utf8", [] { return file("{\"w\xff\":1}", 0); }},
        {"not_an_object", [] { return file("[1,2,3]", 0); }},
        {"metadata_not_string", [] { return file("{\"__metadata__\":{\"epochs\":3}}", 0); }},
        {"duplicate_key", [] { return file(obj({entry("a", "F32", "[1]", 0, 4), entry("a", "F32", "[1]", 0, 4)}), 4); }},
        {"npy_bad_magic", [] { return Bytes("PK\x03\x04 not an npy file"); }},
        {"npy_truncated", [] { return npy(npy_dict("<f4", "False", "(2, 3)"), 20); }},
        {"npy_trailing_bytes", [] { return npy(npy_dict("<f4", "False", "(2, 3)"), 28); }},
        {"npy_header_beyond_file", [] { return npy(npy_dict("<f4", "False", "(2, 3)"), 24, 60000); }},
        {"npy_big_endian", [] { return npy(npy_dict(">f4", "False", "(2, 3)"), 24); }},
        {"npy_fortran_order", [] { return npy(npy_dict("<f4", "True", "(2, 3)"), 24); }},
        {"npy_unsupported_dtype", [] { return npy(npy_dict("<i4", "False", "(2, 3)"), 24); }},
        {"npy_shape_overflow", [] { return npy(npy_dict("<f4", "False", "(4294967296, 4294967296, 4294967296)"), 0); }},
        {"npy_bad_header", [] { return npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)\n", 24); }},
        {"newline_in_name", [] { return file(obj({entry("a\\nb", "BF16", "[1]", 0, 2)}), 2); }},
    };
    return c;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::cerr << "usage: make_malformed_files DIR NAME...\n";
        return 2;
    }
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    for (int i = 2; i < argc; ++i) {
        const auto it = cases().find(argv[i]);
        if (it == cases().end()) {
            std::cerr << "make_malformed_files: unknown case '" << argv[i] << "'\n";
            return 2;
        }
        const Bytes bytes = it->second();
        const std::string name = argv[i];
        const auto path = dir / (name + (name.starts_with("npy_") ? ".npy" : ".safetensors"));
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out) {
            std::cerr << "make_malformed_files: cannot write " << path << "\n";
            return 1;
        }
    }
    return 0;
}

// npy.cpp: strict .npy reader (versions 1.0/2.0/3.0; '<f4', '<f8', '<i8', '<f2'; C order) and a
// numpy-identical writer (version 1.0, data aligned to 64 bytes). See npy.h for the contract.
#include "kernels/io/npy.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <string_view>
#include <vector>

namespace lf::npy {
namespace {

static_assert(std::endian::native == std::endian::little, "the .npy code assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
constexpr std::size_t kArrayAlign = 64;           // numpy.lib.format.ARRAY_ALIGN
constexpr std::size_t kGrowthAxisMaxDigits = 21;  // numpy.lib.format.GROWTH_AXIS_MAX_DIGITS

// What the fixed prefix (magic, version, header length) says.
struct Prefix {
    std::size_t prefix_len = 0;  // 10 (v1) or 12 (v2, v3)
    std::size_t header_len = 0;
};

// The parsed header plus where the data is.
struct Layout {
    DType dtype = DType::F32;
    Shape shape;
    std::size_t data_offset = 0;
    std::size_t data_bytes = 0;
};

// Makes arbitrary bytes printable on one line (for quoting values from the file in messages).
std::string printable(std::string_view s, std::size_t max_len = 40) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i == max_len) {
            out += "...";
            break;
        }
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            out += static_cast<char>(c);
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// Reads the prefix from the first `avail` bytes of a file of `file_size` bytes.
Prefix parse_prefix(const std::uint8_t* p, std::size_t avail, std::size_t file_size, const std::string& what) {
    LF_CHECK(avail >= kMagicLen && std::memcmp(p, kMagic, kMagicLen) == 0, what,
             ": not a .npy file (missing the \\x93NUMPY magic)");
    LF_CHECK(avail >= 8, what, ": truncated .npy file (", file_size, " bytes)");
    const unsigned major = p[6], minor = p[7];
    LF_CHECK((major == 1 || major == 2 || major == 3) && minor == 0, what, ": unsupported .npy format version ",
             major, ".", minor, " (supported: 1.0, 2.0, 3.0)");
    Prefix out;
    out.prefix_len = major == 1 ? 10 : 12;
    LF_CHECK(avail >= out.prefix_len, what, ": truncated .npy file (", file_size, " bytes)");
    if (major == 1) {
        out.header_len = static_cast<std::size_t>(p[8]) | static_cast<std::size_t>(p[9]) << 8;
    } else {
        out.header_len = static_cast<std::size_t>(p[8]) | static_cast<std::size_t>(p[9]) << 8 |
                         static_cast<std::size_t>(p[10]) << 16 | static_cast<std::size_t>(p[11]) << 24;
    }
    LF_CHECK(out.header_len <= file_size - out.prefix_len, what, ": header length ", out.header_len,
             " exceeds the file size (", file_size, " bytes)");
    return out;
}

// Strict parser for the header, a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
class HeaderParser {
public:
    HeaderParser(std::string_view text, const std::string& what) : s_(text), what_(what) {}

    Layout parse() {
        std::optional<std::string> descr;
        std::optional<bool> fortran_order;
        std::optional<Shape> shape;

        skip_space();
        expect('{', "'{' opening the header dict");
        skip_space();
        while (!at('}')) {
            const std::string key = parse_string("a key string");
            skip_space();
            expect(':', "':' after the key");
            skip_space();
            if (key == "descr") {
                LF_CHECK(!descr, what_, ": duplicate key 'descr' in the .npy header");
                if (at('[')) fail(what_, ": structured dtypes (a list 'descr') are not supported");
                descr = parse_string("a string value for 'descr'");
            } else if (key == "fortran_order") {
                LF_CHECK(!fortran_order, what_, ": duplicate key 'fortran_order' in the .npy header");
                fortran_order = parse_bool();
            } else if (key == "shape") {
                LF_CHECK(!shape, what_, ": duplicate key 'shape' in the .npy header");
                shape = parse_shape();
            } else {
                fail(what_, ": unexpected key '", printable(key), "' in the .npy header (expected 'descr', "
                     "'fortran_order', 'shape')");
            }
            skip_space();
            if (at(',')) {
                ++pos_;
                skip_space();
            } else if (!at('}')) {
                syntax_error("',' or '}' after a value");
            }
        }
        ++pos_;  // '}'
        skip_space();
        if (pos_ != s_.size()) syntax_error("only whitespace after the header dict");

        LF_CHECK(descr, what_, ": the .npy header has no 'descr' key");
        LF_CHECK(fortran_order, what_, ": the .npy header has no 'fortran_order' key");
        LF_CHECK(shape, what_, ": the .npy header has no 'shape' key");

        Layout out;
        out.dtype = dtype_from_descr(*descr);
        LF_CHECK(!*fortran_order, what_, ": Fortran-order arrays are not supported (save with C order, e.g. "
                 "np.ascontiguousarray)");
        out.shape = std::move(*shape);
        return out;
    }

private:
    bool at(char c) const { return pos_ < s_.size() && s_[pos_] == c; }

    void skip_space() {
        while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    [[noreturn]] void syntax_error(const char* expected) const {
        if (pos_ >= s_.size())
            fail(what_, ": malformed .npy header: expected ", expected, " but the header ends");
        fail(what_, ": malformed .npy header at byte ", pos_, ": expected ", expected, ", found '",
             printable(s_.substr(pos_), 12), "'");
    }

    void expect(char c, const char* expected) {
        if (!at(c)) syntax_error(expected);
        ++pos_;
    }

    std::string parse_string(const char* expected) {
        if (!at('\'') && !at('"')) syntax_error(expected);
        const char quote = s_[pos_++];
        const std::size_t begin = pos_;
        while (pos_ < s_.size() && s_[pos_] != quote) {
            const unsigned char c = static_cast<unsigned char>(s_[pos_]);
            if (c == '\\' || c < 0x20 || c >= 0x7f) syntax_error("a plain ASCII string without escapes");
            ++pos_;
        }
        if (pos_ >= s_.size()) syntax_error("a closing quote");
        std::string out(s_.substr(begin, pos_ - begin));
        ++pos_;
        return out;
    }

    bool parse_bool() {
        if (s_.substr(pos_).starts_with("True")) {
            pos_ += 4;
            return true;
        }
        if (s_.substr(pos_).starts_with("False")) {
            pos_ += 5;
            return false;
        }
        syntax_error("True or False for 'fortran_order'");
    }

    std::int64_t parse_dim() {
        if (at('-')) fail(what_, ": negative dimension in the .npy header shape");
        if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') syntax_error("a dimension (an integer)");
        if (s_[pos_] == '0' && pos_ + 1 < s_.size() && s_[pos_ + 1] >= '0' && s_[pos_ + 1] <= '9')
            syntax_error("an integer without leading zeros");
        std::int64_t v = 0;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') {
            const int digit = s_[pos_] - '0';
            LF_CHECK(v <= (std::numeric_limits<std::int64_t>::max() - digit) / 10, what_,
                     ": dimension in the .npy header shape is too large");
            v = v * 10 + digit;
            ++pos_;
        }
        return v;
    }

    // A Python tuple of non-negative ints: (), (3,), (2, 3), (2, 3,).
    Shape parse_shape() {
        if (at('[')) fail(what_, ": the .npy header 'shape' must be a tuple, not a list");
        expect('(', "a tuple '(...)' for 'shape'");
        Shape shape;
        skip_space();
        bool trailing_comma = false;
        while (!at(')')) {
            shape.push_back(parse_dim());
            skip_space();
            trailing_comma = false;
            if (at(',')) {
                ++pos_;
                trailing_comma = true;
                skip_space();
            } else if (!at(')')) {
                syntax_error("',' or ')' in the shape tuple");
            }
        }
        // "(3)" is the int 3 in Python, not a tuple.
        if (shape.size() == 1 && !trailing_comma) syntax_error("a tuple for 'shape' ('(3,)', not '(3)')");
        ++pos_;  // ')'
        return shape;
    }

    DType dtype_from_descr(const std::string& d) const {
        if (d == "<f4") return DType::F32;
        if (d == "<f8") return DType::F64;
        if (d == "<i8") return DType::I64;
        if (d == "<f2") return DType::F16;
        if (d.size() >= 2 && d[0] == '>')
            fail(what_, ": big-endian data ('", printable(d), "') is not supported (convert with "
                 "arr.astype(arr.dtype.newbyteorder('<')))");
        if (d.size() >= 2 && d[1] == 'O') fail(what_, ": object arrays ('", printable(d), "') are not supported");
        fail(what_, ": unsupported dtype '", printable(d), "' (supported: '<f4', '<f8', '<i8', '<f2')");
    }

    std::string_view s_;
    const std::string& what_;
    std::size_t pos_ = 0;
};

// Parses the header text and checks the data size against what the file holds after it.
Layout parse_layout(const std::uint8_t* header, const Prefix& prefix, std::size_t file_size,
                    const std::string& what) {
    Layout out = HeaderParser(std::string_view(reinterpret_cast<const char*>(header), prefix.header_len), what)
                     .parse();
    out.data_offset = prefix.prefix_len + prefix.header_len;
    const std::size_t have = file_size - out.data_offset;
    const std::size_t item = dtype_size(out.dtype);
    // Overflow-safe, in the same order as shape_numel so Tensor::empty cannot fail on it later.
    std::int64_t numel = 1;
    for (std::int64_t d : out.shape) {
        LF_CHECK(d == 0 || numel <= std::numeric_limits<std::int64_t>::max() / d, what, ": shape ",
                 shape_to_string(out.shape), " is too large (its element count overflows)");
        numel *= d;
    }
    const auto count = static_cast<std::size_t>(numel);
    LF_CHECK(count <= std::numeric_limits<std::size_t>::max() / item, what, ": shape ",
             shape_to_string(out.shape), " is too large (its byte size overflows)");
    const std::size_t need = count * item;
    LF_CHECK(need <= have, what, ": truncated: shape ", shape_to_string(out.shape), " needs ", need,
             " bytes of data but the file holds ", have);
    LF_CHECK(need == have, what, ": ", have - need, " unexpected trailing bytes after the data of shape ",
             shape_to_string(out.shape));
    out.data_bytes = need;
    return out;
}

// Minimal POSIX file reader: open, size, positional reads with EINTR handling.
class InputFile {
public:
    explicit InputFile(const std::string& path) : path_(path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) fail(path, ": cannot open: ", std::strerror(errno));
        struct stat st {};
        if (::fstat(fd_, &st) != 0) {
            const int e = errno;
            ::close(fd_);
            fail(path, ": cannot stat: ", std::strerror(e));
        }
        if (!S_ISREG(st.st_mode)) {
            ::close(fd_);
            fail(path, ": not a regular file");
        }
        size_ = static_cast<std::size_t>(st.st_size);
    }
    ~InputFile() { ::close(fd_); }
    InputFile(const InputFile&) = delete;
    InputFile& operator=(const InputFile&) = delete;

    std::size_t size() const { return size_; }
    int fd() const { return fd_; }

    void read_at(void* dst, std::size_t bytes, std::size_t offset) const {
        auto* out = static_cast<char*>(dst);
        while (bytes > 0) {
            const ssize_t n = ::pread(fd_, out, bytes, static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail(path_, ": read error: ", std::strerror(errno));
            if (n == 0) fail(path_, ": file shrank while reading");
            out += n;
            offset += static_cast<std::size_t>(n);
            bytes -= static_cast<std::size_t>(n);
        }
    }

private:
    std::string path_;
    int fd_ = -1;
    std::size_t size_ = 0;
};

std::string descr_of(DType t) {
    switch (t) {
        case DType::F32: return "<f4";
        case DType::F64: return "<f8";
        case DType::I64: return "<i8";
        case DType::F16: return "<f2";
    }
    fail("npy: unknown dtype");
}

}  // namespace

Tensor read_sequential(std::size_t size, const std::function<void(void*, std::size_t)>& read_exact,
                       const std::string& what) {
    std::uint8_t head[12] = {};
    const std::size_t avail = size < sizeof(head) ? size : sizeof(head);
    read_exact(head, avail);
    const Prefix prefix = parse_prefix(head, avail, size, what);
    std::vector<std::uint8_t> header(prefix.header_len);  // bounded by the size (checked)
    const std::size_t have = std::min(avail - prefix.prefix_len, header.size());  // already in head
    std::memcpy(header.data(), head + prefix.prefix_len, have);
    read_exact(header.data() + have, header.size() - have);
    const Layout layout = parse_layout(header.data(), prefix, size, what);
    Tensor t = Tensor::empty(layout.shape, layout.dtype);
    const std::size_t consumed = std::max(avail, prefix.prefix_len + prefix.header_len);
    const std::size_t early = std::min(consumed - layout.data_offset, layout.data_bytes);  // data in head
    if (early > 0) std::memcpy(t.raw_data(), head + layout.data_offset, early);
    if (layout.data_bytes > early) read_exact(static_cast<std::uint8_t*>(t.raw_data()) + early, layout.data_bytes - early);
    return t;
}

Tensor parse(const std::uint8_t* data, std::size_t size, const std::string& what) {
    if (data == nullptr) size = 0;
    const Prefix prefix = parse_prefix(data, size, size, what);
    const Layout layout = parse_layout(data + prefix.prefix_len, prefix, size, what);
    Tensor t = Tensor::empty(layout.shape, layout.dtype);
    if (layout.data_bytes > 0) std::memcpy(t.raw_data(), data + layout.data_offset, layout.data_bytes);
    return t;
}

namespace {

// The prefix and header of an open .npy file, validated against its size.
Layout read_layout(const InputFile& file, const std::string& path) {
    const std::size_t size = file.size();
    std::uint8_t head[12] = {};
    const std::size_t avail = size < sizeof(head) ? size : sizeof(head);
    file.read_at(head, avail, 0);
    const Prefix prefix = parse_prefix(head, avail, size, path);
    std::vector<std::uint8_t> header(prefix.header_len);  // bounded by the file size (checked)
    file.read_at(header.data(), header.size(), prefix.prefix_len);
    return parse_layout(header.data(), prefix, size, path);
}

}  // namespace

Tensor load(const std::string& path) {
    InputFile file(path);
    const Layout layout = read_layout(file, path);
    Tensor t = Tensor::empty(layout.shape, layout.dtype);
    if (layout.data_bytes > 0) file.read_at(t.raw_data(), layout.data_bytes, layout.data_offset);
    return t;
}

Tensor map(const std::string& path) {
    InputFile file(path);
    const std::size_t size = file.size();
    const Layout layout = read_layout(file, path);
    if (layout.data_bytes == 0 || layout.data_offset % dtype_size(layout.dtype) != 0) return load(path);
    // MAP_POPULATE maps the page cache in one go instead of one fault per 4 KiB page; it is mapped
    // read-only first (populating a writable private mapping would copy every page), then made
    // writable: the tensor may be modified in place, copy-on-write page by page, never the file.
    void* addr = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, file.fd(), 0);
    if (addr == MAP_FAILED) return load(path);  // e.g. a file system without mmap
    if (::mprotect(addr, size, PROT_READ | PROT_WRITE) != 0) {
        ::munmap(addr, size);
        return load(path);
    }
    std::shared_ptr<const void> keepalive(addr, [size](const void* a) { ::munmap(const_cast<void*>(a), size); });
    return Tensor::borrow(static_cast<std::uint8_t*>(addr) + layout.data_offset, layout.shape, layout.dtype,
                          Device::cpu(), std::move(keepalive));
}

namespace {

// The magic, version, header length and header exactly as numpy.lib.format writes them (keys
// sorted, repr() of the values, room to grow the first axis, spaces and a newline up to a multiple
// of 64 bytes; version 1.0 unless the header needs 2.0).
std::string header_bytes(const Tensor& t) {
    std::string shape = "(";
    for (std::size_t i = 0; i < t.shape().size(); ++i) shape += (i ? ", " : "") + std::to_string(t.shape()[i]);
    shape += t.shape().size() == 1 ? ",)" : ")";
    std::string header = "{'descr': '" + descr_of(t.dtype()) + "', 'fortran_order': False, 'shape': " + shape + ", }";
    if (!t.shape().empty()) {
        const std::size_t digits = std::to_string(t.shape()[0]).size();
        if (digits < kGrowthAxisMaxDigits) header.append(kGrowthAxisMaxDigits - digits, ' ');
    }
    std::size_t prefix_len = 10;
    const std::size_t hlen = header.size() + 1;  // + '\n'
    std::size_t padlen = kArrayAlign - (prefix_len + hlen) % kArrayAlign;
    int major = 1;
    if (hlen + padlen > 0xffff) {
        major = 2;
        prefix_len = 12;
        padlen = kArrayAlign - (prefix_len + hlen) % kArrayAlign;
    }
    header.append(padlen, ' ');
    header += '\n';
    std::string out(kMagic, kMagicLen);
    out += static_cast<char>(major);
    out += '\0';
    const std::size_t n = header.size();
    for (std::size_t i = 0; i < prefix_len - 8; ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
    return out + header;
}

}  // namespace

void save(const std::string& path, const Tensor& t) {
    LF_CHECK(t.device().is_cpu(), path, ": npy::save needs a host tensor, got one on ", t.device().to_string(),
             " (copy it with .to(Device::cpu()) first)");
    LF_CHECK(t.defined(), path, ": npy::save got an undefined tensor");
    const std::string header = header_bytes(t);
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) fail(path, ": cannot open for writing: ", std::strerror(errno));
    bool ok = std::fwrite(header.data(), 1, header.size(), f) == header.size();
    if (ok && t.nbytes() > 0) ok = std::fwrite(t.raw_data(), 1, t.nbytes(), f) == t.nbytes();
    const int write_errno = errno;
    if (std::fclose(f) != 0 && ok) {
        fail(path, ": cannot write: ", std::strerror(errno));
    }
    if (!ok) fail(path, ": cannot write: ", std::strerror(write_errno));
}

std::vector<std::uint8_t> serialize(const Tensor& t, const std::string& what) {
    LF_CHECK(t.device().is_cpu(), what, ": npy::serialize needs a host tensor, got one on ", t.device().to_string());
    LF_CHECK(t.defined(), what, ": npy::serialize got an undefined tensor");
    const std::string header = header_bytes(t);
    std::vector<std::uint8_t> out(header.begin(), header.end());
    const auto* bytes = static_cast<const std::uint8_t*>(t.raw_data());
    if (t.nbytes() > 0) out.insert(out.end(), bytes, bytes + t.nbytes());
    return out;
}

}  // namespace lf::npy

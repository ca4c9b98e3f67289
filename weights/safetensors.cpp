// safetensors.cpp: the validating mmap reader and the deterministic writer (see safetensors.h).
#include "weights/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lf {
namespace {

static_assert(std::endian::native == std::endian::little, "the safetensors code assumes a little-endian host");

using Json = nlohmann::json;

// Makes text from the file printable on one line (names and values quoted in messages).
std::string printable(std::string_view s, std::size_t max_len = 80) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i == max_len) {
            out += "...";
            break;
        }
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != 0x7f && c != '\\') {
            out += static_cast<char>(c);  // printable ASCII and UTF-8 bytes of valid JSON strings
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// nlohmann messages look like "[json.exception.parse_error.101] parse error at line 1, ...".
std::string json_message(const std::exception& e) {
    std::string_view m = e.what();
    if (m.starts_with("[json.exception.")) {
        const auto close = m.find("] ");
        if (close != std::string_view::npos) m.remove_prefix(close + 2);
    }
    return printable(m, 200);
}

const char* json_type_name(const Json& j) {
    switch (j.type()) {
        case Json::value_t::null: return "null";
        case Json::value_t::object: return "an object";
        case Json::value_t::array: return "an array";
        case Json::value_t::string: return "a string";
        case Json::value_t::boolean: return "a boolean";
        case Json::value_t::number_integer:
        case Json::value_t::number_unsigned: return "an integer";
        case Json::value_t::number_float: return "a number";
        case Json::value_t::binary: return "binary";
        case Json::value_t::discarded: return "discarded";
    }
    return "?";
}

// Parses the JSON header, refusing duplicate keys (anywhere) and nesting deeper than the format
// has (object -> entry object -> shape/offsets array -> integers).
Json parse_header_json(const char* begin, const char* end, const std::string& what) {
    std::vector<std::set<std::string>> open_objects;
    auto callback = [&](int depth, Json::parse_event_t event, Json& parsed) -> bool {
        switch (event) {
            case Json::parse_event_t::object_start:
            case Json::parse_event_t::array_start:
                if (depth >= 3) fail(what, ": invalid header: JSON nested deeper than the safetensors format allows");
                if (event == Json::parse_event_t::object_start) open_objects.emplace_back();
                break;
            case Json::parse_event_t::object_end:
                if (!open_objects.empty()) open_objects.pop_back();
                break;
            case Json::parse_event_t::key:
                if (!open_objects.empty() && parsed.is_string() &&
                    !open_objects.back().insert(parsed.get_ref<const std::string&>()).second)
                    fail(what, ": invalid header: duplicate JSON key '", printable(parsed.get_ref<const std::string&>()), "'");
                break;
            default:
                break;
        }
        return true;
    };
    // nlohmann stops at a NUL byte as if the input ended there, which would accept garbage after
    // it; raw NUL is never valid JSON text.
    if (const void* nul = std::memchr(begin, 0, static_cast<std::size_t>(end - begin)))
        fail(what, ": invalid JSON header: NUL byte at offset ", static_cast<const char*>(nul) - begin);
    try {
        return Json::parse(begin, end, callback, /*allow_exceptions=*/true, /*ignore_comments=*/false);
    } catch (const Json::exception& e) {
        fail(what, ": invalid JSON header: ", json_message(e));
    }
}

// Reads a JSON non-negative integer that must fit `limit`; `role` names it in messages.
std::uint64_t get_unsigned(const Json& j, std::uint64_t limit, const std::string& what, const std::string& tensor,
                           const char* role) {
    if (j.is_number_integer() && !j.is_number_unsigned())
        fail(what, ": tensor '", tensor, "': negative ", role, " ", j.get<std::int64_t>());
    LF_CHECK(j.is_number_unsigned(), what, ": tensor '", tensor, "': ", role, " is ", json_type_name(j),
             ", not a non-negative integer");
    const auto v = j.get<std::uint64_t>();
    LF_CHECK(v <= limit, what, ": tensor '", tensor, "': ", role, " ", v, " is too large");
    return v;
}

SafetensorsEntry parse_entry(const std::string& key, const Json& j, std::size_t data_size, const std::string& what) {
    const std::string name = printable(key);
    LF_CHECK(j.is_object(), what, ": tensor '", name, "': entry is ", json_type_name(j), ", not an object");
    for (const auto& [k, v] : j.items()) {
        LF_CHECK(k == "dtype" || k == "shape" || k == "data_offsets", what, ": tensor '", name, "': unexpected key '",
                 printable(k), "' (expected dtype, shape, data_offsets)");
    }
    for (const char* k : {"dtype", "shape", "data_offsets"})
        LF_CHECK(j.contains(k), what, ": tensor '", name, "': missing '", k, "'");

    SafetensorsEntry e;
    e.name = key;

    const Json& dt = j.at("dtype");
    LF_CHECK(dt.is_string(), what, ": tensor '", name, "': dtype is ", json_type_name(dt), ", not a string");
    const auto& dts = dt.get_ref<const std::string&>();
    const auto dtype = dtype_from_safetensors_name(dts);
    LF_CHECK(dtype.has_value(), what, ": tensor '", name, "' has unsupported dtype '", printable(dts),
             "' (supported: F32, F16, F64, I64)");
    e.dtype = *dtype;

    const Json& sh = j.at("shape");
    LF_CHECK(sh.is_array(), what, ": tensor '", name, "': shape is ", json_type_name(sh), ", not an array");
    const auto max_dim = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    for (const Json& d : sh) e.shape.push_back(static_cast<std::int64_t>(get_unsigned(d, max_dim, what, name, "dimension")));

    const Json& off = j.at("data_offsets");
    LF_CHECK(off.is_array() && off.size() == 2, what, ": tensor '", name,
             "': data_offsets must be an array [begin, end]");
    const std::uint64_t begin = get_unsigned(off[0], std::numeric_limits<std::uint64_t>::max(), what, name, "offset");
    const std::uint64_t end = get_unsigned(off[1], std::numeric_limits<std::uint64_t>::max(), what, name, "offset");
    LF_CHECK(begin <= end, what, ": tensor '", name, "': data_offsets [", begin, ", ", end, "] has begin > end");
    LF_CHECK(end <= data_size, what, ": tensor '", name, "': data_offsets [", begin, ", ", end,
             "] lie outside the data buffer (", data_size, " bytes)");
    e.begin = static_cast<std::size_t>(begin);
    e.end = static_cast<std::size_t>(end);

    // Element count in the order shape_numel checks it (so Tensor::borrow cannot fail later),
    // then bytes, all overflow-checked.
    std::int64_t numel = 1;
    for (std::int64_t d : e.shape) {
        LF_CHECK(d == 0 || numel <= std::numeric_limits<std::int64_t>::max() / d, what, ": tensor '", name,
                 "': shape ", shape_to_string(e.shape), " is too large (its element count overflows)");
        numel *= d;
    }
    std::uint64_t bytes = 0;
    LF_CHECK(!__builtin_mul_overflow(static_cast<std::uint64_t>(numel), dtype_size(e.dtype), &bytes), what,
             ": tensor '", name, "': shape ", shape_to_string(e.shape), " is too large (its byte size overflows)");
    LF_CHECK(bytes == end - begin, what, ": tensor '", name, "': shape ", shape_to_string(e.shape), " of ", dts,
             " needs ", bytes, " bytes but data_offsets [", begin, ", ", end, "] span ", end - begin);
    return e;
}

// Owns an mmapped file.
struct Mapping {
    void* addr = nullptr;
    std::size_t size = 0;
    Mapping(void* a, std::size_t s) : addr(a), size(s) {}
    ~Mapping() { ::munmap(addr, size); }
    Mapping(const Mapping&) = delete;
    Mapping& operator=(const Mapping&) = delete;
};

// ---- writer -------------------------------------------------------------------------------------

struct WritePlan {
    std::string header;                                      // 8-byte length + padded JSON
    std::vector<Tensor> data;                                // host tensors, in data order
    std::size_t total_bytes = 0;
};

WritePlan plan_write(const std::vector<std::pair<std::string, Tensor>>& tensors,
                     const std::map<std::string, std::string>& metadata, const std::string& what) {
    std::set<std::string> names;
    for (const auto& [name, t] : tensors) {
        LF_CHECK(name != "__metadata__", what, ": '__metadata__' cannot be a tensor name");
        LF_CHECK(names.insert(name).second, what, ": duplicate tensor name '", printable(name), "'");
        LF_CHECK(t.defined(), what, ": tensor '", printable(name), "' is undefined");
    }
    // Data order: larger elements first, then by name, so every tensor stays aligned when the data
    // buffer is (the header is padded to 8 bytes).
    std::vector<std::size_t> order(tensors.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const std::size_t sa = dtype_size(tensors[a].second.dtype()), sb = dtype_size(tensors[b].second.dtype());
        if (sa != sb) return sa > sb;
        return tensors[a].first < tensors[b].first;
    });

    WritePlan plan;
    std::map<std::string, std::pair<std::size_t, std::size_t>> offsets;
    std::size_t pos = 0;
    for (std::size_t i : order) {
        const Tensor& t = tensors[i].second;
        plan.data.push_back(t.device().is_cpu() ? t : t.to(Device::cpu()));
        offsets[tensors[i].first] = {pos, pos + t.nbytes()};
        pos += t.nbytes();
    }

    nlohmann::ordered_json header = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        nlohmann::ordered_json m = nlohmann::ordered_json::object();
        for (const auto& [k, v] : metadata) m[k] = v;
        header["__metadata__"] = std::move(m);
    }
    std::vector<std::size_t> by_name = order;
    std::sort(by_name.begin(), by_name.end(), [&](std::size_t a, std::size_t b) { return tensors[a].first < tensors[b].first; });
    for (std::size_t i : by_name) {
        const auto& [name, t] = tensors[i];
        const auto [b, e] = offsets[name];
        header[name] = {{"dtype", std::string(dtype_safetensors_name(t.dtype()))},
                        {"shape", t.shape()},
                        {"data_offsets", {b, e}}};
    }
    std::string json;
    try {
        json = header.dump();
    } catch (const nlohmann::ordered_json::exception& e) {
        fail(what, ": cannot write the header (a tensor name or metadata string is not valid UTF-8): ", json_message(e));
    }
    json.append((8 - json.size() % 8) % 8, ' ');
    plan.header.resize(8);
    const std::uint64_t n = json.size();
    for (int i = 0; i < 8; ++i) plan.header[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
    plan.header += json;
    plan.total_bytes = plan.header.size() + pos;
    return plan;
}

void write_all(int fd, const void* p, std::size_t n, const std::string& path) {
    auto* c = static_cast<const char*>(p);
    while (n > 0) {
        const ssize_t w = ::write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) fail(path, ": cannot write: ", std::strerror(errno));
        c += w;
        n -= static_cast<std::size_t>(w);
    }
}

}  // namespace

// ---- reader -------------------------------------------------------------------------------------

SafetensorsFile SafetensorsFile::parse(const std::uint8_t* bytes, std::size_t size, std::shared_ptr<const void> keepalive,
                                       std::string what) {
    LF_CHECK(size >= 8, what, ": file is too short (", size, " bytes) to hold a safetensors header");
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = n << 8 | bytes[i];
    LF_CHECK(n <= size - 8, what, ": header length ", n, " exceeds the file size (", size, " bytes)");
    LF_CHECK(n <= kSafetensorsMaxHeaderBytes, what, ": header length ", n, " exceeds the limit of ",
             kSafetensorsMaxHeaderBytes, " bytes");

    SafetensorsFile f;
    f.what_ = std::move(what);
    f.keepalive_ = std::move(keepalive);
    f.header_bytes_ = static_cast<std::size_t>(n);
    f.data_ = bytes + 8 + n;
    f.data_size_ = size - 8 - static_cast<std::size_t>(n);
    const std::string& w = f.what_;

    const auto* text = reinterpret_cast<const char*>(bytes + 8);
    const Json root = parse_header_json(text, text + n, w);
    LF_CHECK(root.is_object(), w, ": invalid header: the JSON is ", json_type_name(root), ", not an object");

    for (const auto& [key, value] : root.items()) {
        if (key == "__metadata__") {
            if (value.is_null()) continue;
            LF_CHECK(value.is_object(), w, ": invalid header: __metadata__ is ", json_type_name(value),
                     ", not an object of strings");
            for (const auto& [mk, mv] : value.items()) {
                LF_CHECK(mv.is_string(), w, ": invalid header: __metadata__ value for '", printable(mk), "' is ",
                         json_type_name(mv), ", not a string");
                f.metadata_.emplace(mk, mv.get<std::string>());
            }
            continue;
        }
        f.entries_.push_back(parse_entry(key, value, f.data_size_, w));
    }

    std::sort(f.entries_.begin(), f.entries_.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
        if (a.begin != b.begin) return a.begin < b.begin;
        if (a.end != b.end) return a.end < b.end;
        return a.name < b.name;
    });
    // The tensors must tile [0, data_size) exactly.
    std::size_t covered = 0;
    const SafetensorsEntry* last = nullptr;  // the entry that ends at `covered`
    for (const SafetensorsEntry& e : f.entries_) {
        if (e.begin < covered)
            fail(w, ": tensors '", printable(last->name), "' and '", printable(e.name), "' overlap (data_offsets [",
                 last->begin, ", ", last->end, "] and [", e.begin, ", ", e.end, "])");
        if (e.begin > covered)
            fail(w, ": gap in the data buffer: bytes [", covered, ", ", e.begin, ") belong to no tensor (before '",
                 printable(e.name), "')");
        if (e.end > covered || last == nullptr) {
            covered = e.end;
            last = &e;
        }
    }
    LF_CHECK(covered == f.data_size_, w, ": gap in the data buffer: bytes [", covered, ", ", f.data_size_,
             ") at its end belong to no tensor");

    for (std::size_t i = 0; i < f.entries_.size(); ++i) f.index_.emplace(f.entries_[i].name, i);
    return f;
}

SafetensorsFile SafetensorsFile::from_bytes(std::shared_ptr<const std::vector<std::uint8_t>> bytes, std::string what) {
    LF_CHECK(bytes != nullptr, what, ": no bytes");
    const std::uint8_t* p = bytes->data();
    const std::size_t size = bytes->size();
    return parse(p, size, std::shared_ptr<const void>(bytes, p), std::move(what));
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, ": cannot open: ", std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int e = errno;
        ::close(fd);
        fail(path, ": cannot stat: ", std::strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path, ": not a regular file");
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size < 8) {
        ::close(fd);
        fail(path, ": file is too short (", size, " bytes) to hold a safetensors header");
    }
    // Private and writable: views can be written to without ever touching the file.
    void* addr = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    const int map_errno = errno;
    ::close(fd);
    if (addr == MAP_FAILED) fail(path, ": cannot mmap: ", std::strerror(map_errno));
    auto mapping = std::make_shared<Mapping>(addr, size);
    return parse(static_cast<const std::uint8_t*>(addr), size, std::shared_ptr<const void>(mapping, addr), path);
}

const SafetensorsEntry& SafetensorsFile::entry(const std::string& name) const {
    const auto it = index_.find(name);
    LF_CHECK(it != index_.end(), what_, ": no tensor named '", printable(name), "'");
    return entries_[it->second];
}

Tensor SafetensorsFile::get(const std::string& name) const {
    const SafetensorsEntry& e = entry(name);
    const std::size_t bytes = e.end - e.begin;
    if (bytes == 0) return Tensor::empty(e.shape, e.dtype);
    const std::uint8_t* p = data_ + e.begin;
    if (reinterpret_cast<std::uintptr_t>(p) % dtype_size(e.dtype) != 0) {
        Tensor t = Tensor::empty(e.shape, e.dtype);  // misaligned: copy
        std::memcpy(t.raw_data(), p, bytes);
        return t;
    }
    return Tensor::borrow(const_cast<std::uint8_t*>(p), e.shape, e.dtype, Device::cpu(), keepalive_);
}

// ---- writer -------------------------------------------------------------------------------------

std::vector<std::uint8_t> serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                                const std::map<std::string, std::string>& metadata,
                                                const std::string& what) {
    const WritePlan plan = plan_write(tensors, metadata, what);
    std::vector<std::uint8_t> out;
    out.reserve(plan.total_bytes);
    out.insert(out.end(), plan.header.begin(), plan.header.end());
    for (const Tensor& t : plan.data) {
        const auto* p = static_cast<const std::uint8_t*>(t.raw_data());
        if (t.nbytes() > 0) out.insert(out.end(), p, p + t.nbytes());
    }
    return out;
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    const WritePlan plan = plan_write(tensors, metadata, path);
    const std::string tmp = str_cat(path, ".tmp.", ::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) fail(path, ": cannot open for writing: ", std::strerror(errno));
    bool closed = false;
    try {
        write_all(fd, plan.header.data(), plan.header.size(), path);
        for (const Tensor& t : plan.data)
            if (t.nbytes() > 0) write_all(fd, t.raw_data(), t.nbytes(), path);
        closed = true;
        if (::close(fd) != 0) fail(path, ": cannot write: ", std::strerror(errno));
    } catch (...) {
        if (!closed) ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int e = errno;
        ::unlink(tmp.c_str());
        fail(path, ": cannot rename the temporary file into place: ", std::strerror(e));
    }
}

}  // namespace lf

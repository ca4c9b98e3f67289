// safetensors.h: reader (mmap, zero-copy) and writer for the safetensors format, used for models
// and directions files.
//
// Layout: 8-byte little-endian header length N, N bytes of UTF-8 JSON (an object; padded with
// spaces), then the data buffer. Each JSON entry is
//   "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
// with offsets relative to the data buffer; the optional "__metadata__" entry is a string->string
// map. https://github.com/huggingface/safetensors
//
// The reader validates everything before touching the data: header length (<= 100 MB and within
// the file), JSON syntax (no duplicate keys, no nesting beyond the format's), each entry's keys
// (exactly dtype, shape, data_offsets), dtype (F32, F16, F64, I64 only), shape (non-negative
// integers), offsets (begin <= end <= buffer size), byte size == numel x element size (overflow
// checked), and that the tensors tile the data buffer exactly: no overlap, no gap, no trailing
// bytes. Every problem is one lf::Error line "<file>: <problem>", naming the tensor when there is
// one. Nothing is allocated from an unvalidated length.
//
// Tensors from get() are CPU views (Tensor::borrow) into the mapping (or the bytes given to
// from_bytes), kept alive by a shared_ptr: they outlive the SafetensorsFile. The file is mapped
// copy-on-write (MAP_PRIVATE), so writing through a view never changes the file. safetensors does
// not guarantee alignment: a tensor whose data is not aligned to its element size is copied into
// an owning tensor instead (the reference writer and write_safetensors below always align).
// Truncating a file while it is mapped is undefined (SIGBUS), as with any mmap reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kernels/core/tensor.h"

namespace lf {

// Largest header accepted (the reference implementation's limit).
inline constexpr std::size_t kSafetensorsMaxHeaderBytes = 100'000'000;

struct SafetensorsEntry {
    std::string name;
    DType dtype = DType::F32;
    Shape shape;
    std::size_t begin = 0;  // byte offsets into the data buffer, [begin, end)
    std::size_t end = 0;
};

class SafetensorsFile {
public:
    // Maps and validates `path`; throws lf::Error("<path>: <problem>").
    static SafetensorsFile open(const std::string& path);
    // Validates an in-memory file image; tensors borrow from `bytes`. `what` names it in errors.
    static SafetensorsFile from_bytes(std::shared_ptr<const std::vector<std::uint8_t>> bytes, std::string what);

    // Entries in data-buffer order (ascending begin; ties between empty tensors by name).
    const std::vector<SafetensorsEntry>& entries() const { return entries_; }
    bool contains(const std::string& name) const { return index_.count(name) != 0; }
    // Throws lf::Error("<file>: no tensor named '<name>'").
    const SafetensorsEntry& entry(const std::string& name) const;
    // A CPU tensor viewing the data (a copy when the data is misaligned for the dtype).
    Tensor get(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    const std::string& what() const { return what_; }
    std::size_t header_bytes() const { return header_bytes_; }  // N, the JSON header length
    std::size_t data_bytes() const { return data_size_; }       // the data buffer length

private:
    SafetensorsFile() = default;
    static SafetensorsFile parse(const std::uint8_t* bytes, std::size_t size, std::shared_ptr<const void> keepalive,
                                 std::string what);

    std::string what_;
    std::shared_ptr<const void> keepalive_;  // the mapping or the byte vector
    const std::uint8_t* data_ = nullptr;     // start of the data buffer
    std::size_t data_size_ = 0;
    std::size_t header_bytes_ = 0;
    std::vector<SafetensorsEntry> entries_;
    std::unordered_map<std::string, std::size_t> index_;  // name -> position in entries_
    std::map<std::string, std::string> metadata_;
};

// Writes a safetensors file: header keys "__metadata__" first, then tensors sorted by name; data
// laid out contiguously by descending element size, then name (so every tensor is aligned to its
// element size); header padded with spaces to a multiple of 8 bytes. Device tensors are copied to
// the host. Names must be unique, valid UTF-8 and not "__metadata__". Writes `path` atomically
// (a temporary file renamed over it). Throws lf::Error("<path>: <problem>").
void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The bytes write_safetensors would write (tests, and in-memory use).
std::vector<std::uint8_t> serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                                const std::map<std::string, std::string>& metadata = {},
                                                const std::string& what = "safetensors");

}  // namespace lf

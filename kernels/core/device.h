// device.h: where a tensor lives (CPU or CUDA device N), parsing of --device specs and the
// `auto` policy (CUDA when a device exists, otherwise CPU with a one-line notice).
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>

struct CUstream_st;  // cudaStream_t is CUstream_st*; declared here so CPU code needs no CUDA headers

namespace lf {

using Stream = CUstream_st*;  // nullptr = the default stream

enum class DeviceKind { CPU, CUDA };

struct Device {
    DeviceKind kind = DeviceKind::CPU;
    int index = 0;  // CUDA ordinal; 0 for the CPU

    static Device cpu() { return {DeviceKind::CPU, 0}; }
    static Device cuda(int i = 0) { return {DeviceKind::CUDA, i}; }
    bool is_cpu() const { return kind == DeviceKind::CPU; }
    bool is_cuda() const { return kind == DeviceKind::CUDA; }
    bool operator==(const Device&) const = default;
    std::string to_string() const;  // "cpu" or "cuda:N"
};

// Result of parsing a --device flag: "auto", "cpu", "cuda" or "cuda:N".
struct DeviceSpec {
    bool is_auto = false;
    Device device;
};

// Throws lf::Error naming the bad value.
DeviceSpec parse_device_spec(std::string_view text);

// Number of usable CUDA devices: 0 in a build without CUDA, and 0 (never an error) on a machine
// without a GPU or without a driver.
int cuda_device_count();

// Resolves a spec to a concrete device. `auto` prints one notice line to `notice` when it falls
// back to the CPU; an explicit cuda[:N] that does not exist is an lf::Error.
Device resolve_device(const DeviceSpec& spec, std::ostream* notice);

}  // namespace lf

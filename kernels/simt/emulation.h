// emulation.h: the device side of the SIMT emulation: what a .cu file sees instead of the CUDA
// headers when g++ compiles it for the CPU. Built-in variables (threadIdx, blockIdx, blockDim,
// gridDim, warpSize), the execution-space keywords, static __shared__ (one instance per running
// block), barriers, warp shuffles and votes, atomics, and the math intrinsics the kernels use.
// Never include this directly: include kernels/simt/cuda_compat.h, which picks CUDA or this.
//
// How it runs (details in runtime.cpp): a launch runs a grid of blocks on one or more OS threads;
// every CUDA thread of a block is a fiber on that block's OS thread, so __syncthreads() and the warp
// collectives are real rendezvous points, and `static thread_local` gives each running block its own
// copy of a static __shared__ array.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <math.h>
#include <source_location>
#include <type_traits>

// ---- vector and launch-shape types (global namespace, as in CUDA) ----------------------------
struct uint3 {
    unsigned int x, y, z;
};

struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return uint3{x, y, z}; }
};

struct alignas(8) int2 { int x, y; };
struct alignas(16) int4 { int x, y, z, w; };
struct alignas(8) float2 { float x, y; };
struct float3 { float x, y, z; };
struct alignas(16) float4 { float x, y, z, w; };
inline int2 make_int2(int x, int y) { return {x, y}; }
inline int4 make_int4(int x, int y, int z, int w) { return {x, y, z, w}; }
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float3 make_float3(float x, float y, float z) { return {x, y, z}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }

// ---- built-in variables: per OS thread, rewritten by the scheduler at every fiber switch -------
// Read through functions defined in runtime.cpp, not as `extern thread_local` variables: g++ 12's
// UBSan null check on an extern TLS address miscompiles after the linker's TLS relaxation (it
// tests flags that the relaxed instruction no longer sets) and reports a null pointer.
namespace lf::simt::detail {
const uint3& builtin_thread_idx();
const uint3& builtin_block_idx();
const dim3& builtin_block_dim();
const dim3& builtin_grid_dim();
}  // namespace lf::simt::detail
#define threadIdx (::lf::simt::detail::builtin_thread_idx())
#define blockIdx (::lf::simt::detail::builtin_block_idx())
#define blockDim (::lf::simt::detail::builtin_block_dim())
#define gridDim (::lf::simt::detail::builtin_grid_dim())
inline constexpr int warpSize = 32;

// ---- execution-space keywords ------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __align__(n) __attribute__((aligned(n)))
#define __launch_bounds__(...)
// Static shared memory: one instance per OS thread, and an OS thread runs one block at a time
// (all of its threads as fibers), so every running block has its own array. Index overruns of
// fixed-size arrays are caught by -fsanitize=bounds (see kernels/simt/CMakeLists.txt).
#define __shared__ static thread_local

namespace lf::simt::detail {

// What a thread blocks on; the scheduler resolves the rendezvous.
enum class WarpOp : int { sync, shfl, shfl_up, shfl_down, shfl_xor, ballot, any, all };
enum class BarrierOp : int { plain, count, and_, or_ };

// Block-wide barrier; returns the reduction for the count/and/or variants (0 for plain).
int barrier(BarrierOp op, int predicate, const std::source_location& where);
// Warp rendezvous of every lane in `mask`; returns this lane's result (shuffled value bits, or the
// vote). `arg` is the source lane, delta or xor mask.
std::uint64_t warp_collective(WarpOp op, unsigned mask, std::uint64_t value, int arg, int width,
                              const std::source_location& where);
// The block's dynamic shared memory (exactly the launch's shared_bytes, on the heap so that
// AddressSanitizer sees overruns; filled with 0xff bytes, i.e. NaN floats, at block start).
unsigned char* dynamic_shared();
// Lane of the calling thread (linear thread index in the block modulo 32).
unsigned lane_id();

template <typename T>
std::uint64_t to_bits(const T& v) {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "shuffle of a type wider than 8 bytes");
    std::uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof(T));
    return bits;
}
template <typename T>
T from_bits(std::uint64_t bits) {
    T v;
    std::memcpy(&v, &bits, sizeof(T));
    return v;
}

}  // namespace lf::simt::detail

// ---- barriers ------------------------------------------------------------------------------------
using lf_source_location = std::source_location;
#define LF_SIMT_HERE std::source_location::current()

inline void __syncthreads(const lf_source_location& where = LF_SIMT_HERE) {
    ::lf::simt::detail::barrier(::lf::simt::detail::BarrierOp::plain, 0, where);
}
inline int __syncthreads_count(int predicate, const lf_source_location& where = LF_SIMT_HERE) {
    return ::lf::simt::detail::barrier(::lf::simt::detail::BarrierOp::count, predicate, where);
}
inline int __syncthreads_and(int predicate, const lf_source_location& where = LF_SIMT_HERE) {
    return ::lf::simt::detail::barrier(::lf::simt::detail::BarrierOp::and_, predicate, where);
}
inline int __syncthreads_or(int predicate, const lf_source_location& where = LF_SIMT_HERE) {
    return ::lf::simt::detail::barrier(::lf::simt::detail::BarrierOp::or_, predicate, where);
}
inline void __syncwarp(unsigned mask = 0xffffffffu, const lf_source_location& where = LF_SIMT_HERE) {
    ::lf::simt::detail::warp_collective(::lf::simt::detail::WarpOp::sync, mask, 0, 0, warpSize, where);
}

// ---- warp shuffles and votes ---------------------------------------------------------------------
template <typename T>
T __shfl_sync(unsigned mask, T var, int src_lane, int width = warpSize, const lf_source_location& where = LF_SIMT_HERE) {
    using namespace ::lf::simt::detail;
    return from_bits<T>(warp_collective(WarpOp::shfl, mask, to_bits(var), src_lane, width, where));
}
template <typename T>
T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize, const lf_source_location& where = LF_SIMT_HERE) {
    using namespace ::lf::simt::detail;
    return from_bits<T>(warp_collective(WarpOp::shfl_up, mask, to_bits(var), static_cast<int>(delta), width, where));
}
template <typename T>
T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize, const lf_source_location& where = LF_SIMT_HERE) {
    using namespace ::lf::simt::detail;
    return from_bits<T>(warp_collective(WarpOp::shfl_down, mask, to_bits(var), static_cast<int>(delta), width, where));
}
template <typename T>
T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = warpSize, const lf_source_location& where = LF_SIMT_HERE) {
    using namespace ::lf::simt::detail;
    return from_bits<T>(warp_collective(WarpOp::shfl_xor, mask, to_bits(var), lane_mask, width, where));
}
inline unsigned __ballot_sync(unsigned mask, int predicate, const lf_source_location& where = LF_SIMT_HERE) {
    using namespace ::lf::simt::detail;
    return static_cast<unsigned>(warp_collective(WarpOp::ballot, mask, predicate != 0, 0, warpSize, where));
}
inline int __any_sync(unsigned mask, int predicate, const lf_source_location& where = LF_SIMT_HERE) {
    using namespace ::lf::simt::detail;
    return static_cast<int>(warp_collective(WarpOp::any, mask, predicate != 0, 0, warpSize, where));
}
inline int __all_sync(unsigned mask, int predicate, const lf_source_location& where = LF_SIMT_HERE) {
    using namespace ::lf::simt::detail;
    return static_cast<int>(warp_collective(WarpOp::all, mask, predicate != 0, 0, warpSize, where));
}

// ---- atomics: real atomics, because blocks may run on several OS threads -------------------------
namespace lf::simt::detail {
template <typename T>
std::atomic_ref<T> atom(T* address) {
    return std::atomic_ref<T>(*address);
}
template <typename T, typename F>
T atomic_update(T* address, F f) {  // CAS loop for min/max
    auto ref = atom(address);
    T old = ref.load();
    while (!ref.compare_exchange_weak(old, f(old))) {
    }
    return old;
}
template <typename T>
T atomic_cas(T* address, T compare, T value) {
    atom(address).compare_exchange_strong(compare, value);
    return compare;  // the old value, whether or not it was replaced
}
}  // namespace lf::simt::detail

#define LF_SIMT_ATOMIC_INT_TYPES(X) X(int) X(unsigned int) X(unsigned long long int)
#define LF_SIMT_DEFINE_ATOMICS(T)                                                                        \
    inline T atomicAdd(T* a, T v) { return ::lf::simt::detail::atom(a).fetch_add(v); }                  \
    inline T atomicSub(T* a, T v) { return ::lf::simt::detail::atom(a).fetch_sub(v); }                  \
    inline T atomicExch(T* a, T v) { return ::lf::simt::detail::atom(a).exchange(v); }                  \
    inline T atomicAnd(T* a, T v) { return ::lf::simt::detail::atom(a).fetch_and(v); }                  \
    inline T atomicOr(T* a, T v) { return ::lf::simt::detail::atom(a).fetch_or(v); }                    \
    inline T atomicXor(T* a, T v) { return ::lf::simt::detail::atom(a).fetch_xor(v); }                  \
    inline T atomicMax(T* a, T v) {                                                                      \
        return ::lf::simt::detail::atomic_update(a, [v](T old) { return old < v ? v : old; });           \
    }                                                                                                    \
    inline T atomicMin(T* a, T v) {                                                                      \
        return ::lf::simt::detail::atomic_update(a, [v](T old) { return v < old ? v : old; });           \
    }                                                                                                    \
    inline T atomicCAS(T* a, T compare, T v) { return ::lf::simt::detail::atomic_cas(a, compare, v); }
LF_SIMT_ATOMIC_INT_TYPES(LF_SIMT_DEFINE_ATOMICS)
#undef LF_SIMT_DEFINE_ATOMICS
#undef LF_SIMT_ATOMIC_INT_TYPES
inline float atomicAdd(float* a, float v) { return ::lf::simt::detail::atom(a).fetch_add(v); }
inline double atomicAdd(double* a, double v) { return ::lf::simt::detail::atom(a).fetch_add(v); }
inline float atomicExch(float* a, float v) { return ::lf::simt::detail::atom(a).exchange(v); }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline void __threadfence_block() { std::atomic_thread_fence(std::memory_order_seq_cst); }

// ---- math and bit intrinsics ---------------------------------------------------------------------
// The fast-math intrinsics (__expf, ...) are computed with the accurate libm functions here; the GPU's
// approximations differ by a few ulp, which the per-op tolerances in tests/emulated/tolerance.h cover.
inline float __expf(float x) { return ::expf(x); }
inline float __exp10f(float x) { return ::powf(10.0f, x); }
inline float __logf(float x) { return ::logf(x); }
inline float __log2f(float x) { return ::log2f(x); }
inline float __log10f(float x) { return ::log10f(x); }
inline float __sinf(float x) { return ::sinf(x); }
inline float __cosf(float x) { return ::cosf(x); }
inline float __tanf(float x) { return ::tanf(x); }
inline float __powf(float x, float y) { return ::powf(x, y); }
inline float __fdividef(float x, float y) { return x / y; }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fsqrt_rn(float x) { return ::sqrtf(x); }
inline float __fadd_rn(float x, float y) { return x + y; }
inline float __fmul_rn(float x, float y) { return x * y; }
inline float __fmaf_rn(float x, float y, float z) { return ::fmaf(x, y, z); }
inline float rsqrtf(float x) { return 1.0f / ::sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __saturatef(float x) { return x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f; }  // NaN -> 0
inline int __float2int_rn(float x) { return static_cast<int>(::nearbyintf(x)); }
inline int __float2int_rz(float x) { return static_cast<int>(x); }
inline int __float2int_rd(float x) { return static_cast<int>(::floorf(x)); }
inline int __float2int_ru(float x) { return static_cast<int>(::ceilf(x)); }
inline float __int2float_rn(int x) { return static_cast<float>(x); }
inline int __float_as_int(float x) { return std::bit_cast<int>(x); }
inline unsigned __float_as_uint(float x) { return std::bit_cast<unsigned>(x); }
inline float __int_as_float(int x) { return std::bit_cast<float>(x); }
inline float __uint_as_float(unsigned x) { return std::bit_cast<float>(x); }
inline long long __double_as_longlong(double x) { return std::bit_cast<long long>(x); }
inline double __longlong_as_double(long long x) { return std::bit_cast<double>(x); }
inline int __popc(unsigned x) { return std::popcount(x); }
inline int __popcll(unsigned long long x) { return std::popcount(x); }
inline int __clz(int x) { return std::countl_zero(static_cast<unsigned>(x)); }
inline int __clzll(long long x) { return std::countl_zero(static_cast<unsigned long long>(x)); }
inline int __ffs(int x) { return x == 0 ? 0 : std::countr_zero(static_cast<unsigned>(x)) + 1; }
inline int __ffsll(long long x) { return x == 0 ? 0 : std::countr_zero(static_cast<unsigned long long>(x)) + 1; }
inline unsigned __brev(unsigned x) {
    unsigned r = 0;
    for (int i = 0; i < 32; ++i) r |= ((x >> i) & 1u) << (31 - i);
    return r;
}
inline unsigned __umulhi(unsigned x, unsigned y) {
    return static_cast<unsigned>((static_cast<unsigned long long>(x) * y) >> 32);
}
template <typename T>
T __ldg(const T* p) {
    return *p;
}
// CUDA's global min/max overloads for device code.
#define LF_SIMT_MINMAX(T)                                  \
    inline T min(T a, T b) { return b < a ? b : a; }       \
    inline T max(T a, T b) { return a < b ? b : a; }
LF_SIMT_MINMAX(int)
LF_SIMT_MINMAX(unsigned int)
LF_SIMT_MINMAX(long long int)
LF_SIMT_MINMAX(unsigned long long int)
#undef LF_SIMT_MINMAX
inline float min(float a, float b) { return ::fminf(a, b); }
inline float max(float a, float b) { return ::fmaxf(a, b); }
inline double min(double a, double b) { return std::fmin(a, b); }
inline double max(double a, double b) { return std::fmax(a, b); }

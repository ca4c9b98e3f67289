// wmma.h: warp-level emulation of nvcuda::wmma (tensor-core matrix fragments) for the SIMT
// emulation: shape m16n16k8 with precision::tf32 inputs and float accumulators (what the kernels
// use; add a shape here together with the kernel that needs it).
//
// Semantics: every lane of the warp holds the whole tile in its fragment (row-major x[]), so
// element-wise loops over x[0..num_elements) behave as on the GPU, while the real distribution of
// elements over lanes (unspecified by CUDA) is not modelled. Every *_sync call is a full-warp
// rendezvous (all 32 lanes must call it, like the hardware requires). mma_sync and
// store_matrix_sync check that all lanes hold identical fragments: a lane-dependent write to x[]
// (which would depend on the real layout) is reported. mma_sync reads its inputs as TF32 (the low
// 13 mantissa bits ignored, as the tensor cores do) and accumulates in fp32 in k order;
// __float_to_tf32 rounds to nearest, ties away from zero (cvt.rna.tf32.f32). load/store check the
// CUDA alignment rules: a 256-bit aligned pointer and ldm a multiple of 16 bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <source_location>
#include <type_traits>

#include "kernels/simt/emulation.h"

namespace nvcuda::wmma {

struct matrix_a {};
struct matrix_b {};
struct accumulator {};
struct row_major {};
struct col_major {};
enum layout_t { mem_row_major, mem_col_major };
namespace precision {
struct tf32 {};
}  // namespace precision

namespace detail {

template <typename Use, int M, int N, int K>
struct tile_shape;
template <int M, int N, int K>
struct tile_shape<matrix_a, M, N, K> {
    static constexpr int rows = M, cols = K;
};
template <int M, int N, int K>
struct tile_shape<matrix_b, M, N, K> {
    static constexpr int rows = K, cols = N;
};
template <int M, int N, int K>
struct tile_shape<accumulator, M, N, K> {
    static constexpr int rows = M, cols = N;
};

template <typename T>
struct storage {
    using type = T;
};
template <>
struct storage<precision::tf32> {
    using type = float;
};

// Full-warp rendezvous for a wmma call; reports a partial warp.
void warp_rendezvous(const char* what, const std::source_location& where);
// Reports when the lanes' fragments differ (compares a hash of each lane's bytes with lane 0's).
void check_uniform(const void* bytes, std::size_t size, const char* what, const std::source_location& where);
// Reports a pointer that is not 256-bit aligned or an ldm that is not a multiple of 16 bytes.
void check_access(const void* ptr, unsigned ldm, std::size_t element_bytes, const char* what,
                  const std::source_location& where);

inline float tf32_truncate(float v) {  // what the tensor cores read from an fp32 register
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    bits &= 0xffffe000u;
    std::memcpy(&v, &bits, 4);
    return v;
}

}  // namespace detail

template <typename Use, int M, int N, int K, typename T, typename Layout = void>
class fragment {
    static_assert(M == 16 && N == 16 && K == 8,
                  "the wmma emulation (kernels/simt/wmma.h) supports the m16n16k8 shape only");
    static_assert(std::is_same_v<Use, accumulator> ? std::is_same_v<T, float> : std::is_same_v<T, precision::tf32>,
                  "the wmma emulation supports precision::tf32 inputs with float accumulators only");

public:
    using element_type = typename detail::storage<T>::type;
    static constexpr int rows = detail::tile_shape<Use, M, N, K>::rows;
    static constexpr int cols = detail::tile_shape<Use, M, N, K>::cols;
    static constexpr int num_elements = rows * cols;
    element_type x[num_elements];  // the whole tile, row-major, in every lane
};

inline float __float_to_tf32(float v) {
    if (!(v == v) || v - v != 0.0f) return v;  // NaN and infinity pass through
    std::uint32_t bits;
    std::memcpy(&bits, &v, 4);
    bits = (bits + 0x1000u) & 0xffffe000u;  // round half away from zero on the magnitude
    std::memcpy(&v, &bits, 4);
    return v;
}

template <typename Use, int M, int N, int K, typename T, typename L>
void fill_fragment(fragment<Use, M, N, K, T, L>& f, const typename fragment<Use, M, N, K, T, L>::element_type& value,
                   const std::source_location& where = std::source_location::current()) {
    detail::warp_rendezvous("fill_fragment", where);
    for (auto& e : f.x) e = value;
}

// matrix_a / matrix_b: the memory layout is the fragment's Layout.
template <typename Use, int M, int N, int K, typename T, typename L>
void load_matrix_sync(fragment<Use, M, N, K, T, L>& f, const typename fragment<Use, M, N, K, T, L>::element_type* p,
                      unsigned ldm, const std::source_location& where = std::source_location::current()) {
    static_assert(!std::is_same_v<Use, accumulator>, "an accumulator load needs a layout_t argument");
    using F = fragment<Use, M, N, K, T, L>;
    detail::check_access(p, ldm, sizeof(*p), "load_matrix_sync", where);
    detail::warp_rendezvous("load_matrix_sync", where);
    for (int r = 0; r < F::rows; ++r)
        for (int c = 0; c < F::cols; ++c)
            f.x[r * F::cols + c] = std::is_same_v<L, row_major> ? p[r * ldm + c] : p[c * ldm + r];
}

template <int M, int N, int K, typename T>
void load_matrix_sync(fragment<accumulator, M, N, K, T>& f, const T* p, unsigned ldm, layout_t layout,
                      const std::source_location& where = std::source_location::current()) {
    using F = fragment<accumulator, M, N, K, T>;
    detail::check_access(p, ldm, sizeof(T), "load_matrix_sync", where);
    detail::warp_rendezvous("load_matrix_sync", where);
    for (int r = 0; r < F::rows; ++r)
        for (int c = 0; c < F::cols; ++c)
            f.x[r * F::cols + c] = layout == mem_row_major ? p[r * ldm + c] : p[c * ldm + r];
}

// Every lane stores its share (elements lane, lane + 32, ...), as the hardware spreads a tile over
// the warp: other lanes see the whole tile only after a __syncwarp or __syncthreads.
template <int M, int N, int K, typename T>
void store_matrix_sync(T* p, const fragment<accumulator, M, N, K, T>& f, unsigned ldm, layout_t layout,
                       const std::source_location& where = std::source_location::current()) {
    using F = fragment<accumulator, M, N, K, T>;
    detail::check_access(p, ldm, sizeof(T), "store_matrix_sync", where);
    detail::check_uniform(f.x, sizeof(f.x), "store_matrix_sync", where);
    for (int i = static_cast<int>(::lf::simt::detail::lane_id()); i < F::num_elements; i += 32) {
        const int r = i / F::cols, c = i % F::cols;
        (layout == mem_row_major ? p[r * ldm + c] : p[c * ldm + r]) = f.x[i];
    }
}

// d = a * b + c (d may alias c).
template <int M, int N, int K, typename TA, typename LA, typename TB, typename LB, typename TC>
void mma_sync(fragment<accumulator, M, N, K, TC>& d, const fragment<matrix_a, M, N, K, TA, LA>& a,
              const fragment<matrix_b, M, N, K, TB, LB>& b, const fragment<accumulator, M, N, K, TC>& c,
              const std::source_location& where = std::source_location::current()) {
    detail::check_uniform(a.x, sizeof(a.x), "mma_sync (matrix_a)", where);
    detail::check_uniform(b.x, sizeof(b.x), "mma_sync (matrix_b)", where);
    detail::check_uniform(c.x, sizeof(c.x), "mma_sync (accumulator)", where);
    TC out[M * N];
    for (int i = 0; i < M; ++i) {
        for (int j = 0; j < N; ++j) {
            TC acc = c.x[i * N + j];
            for (int k = 0; k < K; ++k)
                acc = ::fmaf(detail::tf32_truncate(a.x[i * K + k]), detail::tf32_truncate(b.x[k * N + j]), acc);
            out[i * N + j] = acc;
        }
    }
    for (int i = 0; i < M * N; ++i) d.x[i] = out[i];
}

}  // namespace nvcuda::wmma

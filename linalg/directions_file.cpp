// directions_file.cpp: see directions_file.h. SHA-256 after FIPS 180-4 (streamed, 1 MiB reads), with
// the x86 SHA extensions when the CPU has them (several times faster on large .npy inputs).
#include "linalg/directions_file.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "kernels/core/error.h"
#include "weights/safetensors.h"

namespace lf {

Tensor tensor_f32(const std::vector<double>& values, Shape shape) {
    Tensor t = Tensor::empty(std::move(shape), DType::F32);
    LF_ASSERT(static_cast<std::int64_t>(values.size()) == t.numel());
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(values[i]);
    return t;
}

Tensor tensor_f64(const std::vector<double>& values, Shape shape) {
    Tensor t = Tensor::empty(std::move(shape), DType::F64);
    LF_ASSERT(static_cast<std::int64_t>(values.size()) == t.numel());
    std::copy(values.begin(), values.end(), t.data<double>());
    return t;
}

void write_directions(const std::string& path, const DirectionsFile& file) {
    const Tensor* dirs = nullptr;
    for (const auto& [name, t] : file.tensors)
        if (name == "directions") dirs = &t;
    LF_CHECK(dirs != nullptr, path, ": a directions file needs a 'directions' tensor");
    LF_CHECK(dirs->rank() == 2 && dirs->dtype() == DType::F32, path, ": 'directions' must be [k, d] f32");
    const std::int64_t k = dirs->dim(0), d = dirs->dim(1);
    for (std::int64_t i = 0; i < k; ++i) {
        double s = 0.0;
        for (std::int64_t j = 0; j < d; ++j)
            s += static_cast<double>(dirs->data<float>()[i * d + j]) * dirs->data<float>()[i * d + j];
        LF_CHECK(std::fabs(std::sqrt(s) - 1.0) < 1e-4, path, ": direction ", i, " is not unit length (norm ",
                 std::sqrt(s), ")");
    }
    for (const char* key : {"format", "format_version", "method"})
        LF_CHECK(file.metadata.count(key) != 0, path, ": directions metadata lacks '", key, "'");
    write_safetensors(path, file.tensors, file.metadata);
}

namespace {

constexpr std::array<std::uint32_t, 64> kRound = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

inline std::uint32_t rotr(std::uint32_t x, int n) {
    return (x >> n) | (x << (32 - n));
}

void sha_block(std::array<std::uint32_t, 8>& h, const unsigned char* p) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
        w[i] = (std::uint32_t(p[4 * i]) << 24) | (std::uint32_t(p[4 * i + 1]) << 16) |
               (std::uint32_t(p[4 * i + 2]) << 8) | std::uint32_t(p[4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
        const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
        const std::uint32_t t1 =
            hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[i] + w[i];
        const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

#if defined(__x86_64__) && defined(__GNUC__)
// SHA-256 with the x86 SHA extensions (SHA-NI: sha256rnds2/msg1/msg2), after the public-domain
// layout of Jeffrey Walton's sha256-x86.c: state kept as ABEF/CDGH, 16 groups of 4 rounds, the
// message schedule W[t..t+3] = msg2(msg1(W[t-16..], W[t-12..]) + W[t-7..t-4], W[t-4..t-1]).
__attribute__((target("sha,sse4.1,ssse3"))) void sha_blocks_shani(std::array<std::uint32_t, 8>& h,
                                                                  const unsigned char* p,
                                                                  std::size_t blocks) {
    const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i tmp = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&h[0]));
    __m128i state1 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(&h[4]));
    tmp = _mm_shuffle_epi32(tmp, 0xB1);                // CDAB
    state1 = _mm_shuffle_epi32(state1, 0x1B);          // EFGH
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);  // ABEF
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);       // CDGH
    for (std::size_t b = 0; b < blocks; ++b, p += 64) {
        const __m128i abef = state0, cdgh = state1;
        __m128i w[4];
        for (int g = 0; g < 16; ++g) {
            __m128i cur;
            if (g < 4) {
                cur = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * g)), mask);
            } else {
                const __m128i w16 = w[g % 4], w12 = w[(g + 1) % 4], w8 = w[(g + 2) % 4], w4 = w[(g + 3) % 4];
                cur = _mm_sha256msg2_epu32(
                    _mm_add_epi32(_mm_sha256msg1_epu32(w16, w12), _mm_alignr_epi8(w4, w8, 4)), w4);
            }
            w[g % 4] = cur;
            __m128i msg =
                _mm_add_epi32(cur, _mm_loadu_si128(reinterpret_cast<const __m128i*>(&kRound[4 * g])));
            state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
            msg = _mm_shuffle_epi32(msg, 0x0E);
            state0 = _mm_sha256rnds2_epu32(state0, state1, msg);
        }
        state0 = _mm_add_epi32(state0, abef);
        state1 = _mm_add_epi32(state1, cdgh);
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);        // FEBA
    state1 = _mm_shuffle_epi32(state1, 0xB1);     // DCHG
    state0 = _mm_blend_epi16(tmp, state1, 0xF0);  // DCBA
    state1 = _mm_alignr_epi8(state1, tmp, 8);     // ABEF
    _mm_storeu_si128(reinterpret_cast<__m128i*>(&h[0]), state0);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(&h[4]), state1);
}

bool have_shani() {
    static const bool yes = __builtin_cpu_supports("sha") && __builtin_cpu_supports("sse4.1");
    return yes;
}
#else
bool have_shani() {
    return false;
}
void sha_blocks_shani(std::array<std::uint32_t, 8>&, const unsigned char*, std::size_t) {}
#endif

void sha_blocks(std::array<std::uint32_t, 8>& h, const unsigned char* p, std::size_t blocks) {
    if (have_shani()) {
        sha_blocks_shani(h, p, blocks);
        return;
    }
    for (std::size_t b = 0; b < blocks; ++b) sha_block(h, p + 64 * b);
}

}  // namespace

std::string sha256_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    LF_CHECK(in.good(), path, ": cannot open for hashing");
    std::array<std::uint32_t, 8> h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::vector<unsigned char> buf(1 << 20);
    std::uint64_t total = 0;
    std::size_t pending = 0;  // bytes of buf[0..pending) not yet hashed (< 64)
    while (true) {
        in.read(reinterpret_cast<char*>(buf.data() + pending),
                static_cast<std::streamsize>(buf.size() - pending));
        const std::size_t got = static_cast<std::size_t>(in.gcount());
        total += got;
        const std::size_t avail = pending + got;
        const std::size_t full = avail / 64 * 64;
        sha_blocks(h, buf.data(), full / 64);
        std::copy(buf.begin() + static_cast<std::ptrdiff_t>(full),
                  buf.begin() + static_cast<std::ptrdiff_t>(avail), buf.begin());
        pending = avail - full;
        if (got == 0 || !in) break;
    }
    unsigned char tail[128] = {};
    std::copy(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(pending), tail);
    tail[pending] = 0x80;
    const std::size_t len = pending + 1 + 8 <= 64 ? 64 : 128;
    const std::uint64_t bits = total * 8;
    for (int i = 0; i < 8; ++i) tail[len - 1 - i] = static_cast<unsigned char>(bits >> (8 * i));
    sha_blocks(h, tail, len / 64);
    char hex[65];
    for (int i = 0; i < 8; ++i) std::snprintf(hex + 8 * i, 9, "%08x", h[i]);
    return std::string(hex, 64);
}

std::string file_fingerprint(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    LF_CHECK(fd >= 0, path, ": cannot open for fingerprinting");
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        fail(path, ": cannot stat for fingerprinting");
    }
    const std::size_t size = static_cast<std::size_t>(st.st_size);
    XXH128_hash_t h;
    if (size == 0) {
        h = XXH3_128bits(nullptr, 0);
    } else {
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            ::close(fd);
            fail(path, ": cannot map for fingerprinting");
        }
        ::madvise(p, size, MADV_SEQUENTIAL);
        h = XXH3_128bits(p, size);
        ::munmap(p, size);
    }
    ::close(fd);
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, h);
    std::string out = "xxh3-128:";
    char hex[3];
    for (unsigned char b : c.digest) {
        std::snprintf(hex, sizeof hex, "%02x", b);
        out += hex;
    }
    return out;
}

}  // namespace lf

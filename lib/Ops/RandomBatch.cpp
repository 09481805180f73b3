// Vectorized Philox blocks, uniforms and ziggurat normals for whole ranges of a
// draw: the kernels of RandomKernels.inc compiled for AVX-512, AVX2 and SSE2 and
// chosen once by the machine's CPU; the same bits on every path.
#include "RandomStreams.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace graphjit::rng {

namespace {
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
constexpr int64_t kChunk = 1024; ///< elements converted per stack buffer
} // namespace

#if defined(__x86_64__)
// Each instruction set gets its own copy of the kernels. Floating-point contraction is off
// in this file (CMakeLists) so that a wider path never fuses what a narrower one rounds.
#pragma GCC push_options
#pragma GCC target("avx512f")
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#endif
namespace avx512 {
typedef uint64_t Vec __attribute__((vector_size(64)));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized" // GCC 12 on the intrinsic's own header
inline Vec mul32(Vec a, Vec b) { return (Vec)_mm512_mul_epu32((__m512i)a, (__m512i)b); }
typedef double VecD __attribute__((vector_size(64)));
inline Vec gatherU(const uint64_t *t, Vec i) {
  return (Vec)_mm512_i64gather_epi64((__m512i)i, reinterpret_cast<const long long *>(t), 8);
}
inline VecD gatherD(const double *t, Vec i) { return _mm512_i64gather_pd((__m512i)i, t, 8); }
#pragma GCC diagnostic pop
#include "RandomKernels.inc"
} // namespace avx512
#ifdef __clang__
#pragma clang attribute pop
#endif
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx2")
#ifdef __clang__
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#endif
namespace avx2 {
typedef uint64_t Vec __attribute__((vector_size(32)));
inline Vec mul32(Vec a, Vec b) { return (Vec)_mm256_mul_epu32((__m256i)a, (__m256i)b); }
typedef double VecD __attribute__((vector_size(32)));
inline Vec gatherU(const uint64_t *t, Vec i) {
  return (Vec)_mm256_i64gather_epi64(reinterpret_cast<const long long *>(t), (__m256i)i, 8);
}
inline VecD gatherD(const double *t, Vec i) { return _mm256_i64gather_pd(t, (__m256i)i, 8); }
#include "RandomKernels.inc"
} // namespace avx2
#ifdef __clang__
#pragma clang attribute pop
#endif
#pragma GCC pop_options
#endif

namespace portable {
typedef uint64_t Vec __attribute__((vector_size(16)));
#if defined(__x86_64__)
inline Vec mul32(Vec a, Vec b) { return (Vec)_mm_mul_epu32((__m128i)a, (__m128i)b); }
#else
inline Vec mul32(Vec a, Vec b) {
  const Vec low = Vec{} + 0xFFFFFFFFull;
  return (a & low) * (b & low);
}
#endif
typedef double VecD __attribute__((vector_size(16)));
inline Vec gatherU(const uint64_t *t, Vec i) { return Vec{t[i[0]], t[i[1]]}; }
inline VecD gatherD(const double *t, Vec i) { return VecD{t[i[0]], t[i[1]]}; }
#include "RandomKernels.inc"
} // namespace portable

namespace {
enum class Isa { Base, Avx2, Avx512 };
/// The widest path the CPU runs; GRAPHJIT_RANDOM_ISA=portable|avx2 picks a narrower one
/// (tests compare the paths' bits).
Isa isa() {
#if defined(__x86_64__)
  static const Isa chosen = [] {
    Isa best = __builtin_cpu_supports("avx512f") ? Isa::Avx512
               : __builtin_cpu_supports("avx2")  ? Isa::Avx2
                                                 : Isa::Base;
    const char *want = std::getenv("GRAPHJIT_RANDOM_ISA");
    if (want && std::strcmp(want, "portable") == 0) return Isa::Base;
    if (want && std::strcmp(want, "avx2") == 0 && best == Isa::Avx512) return Isa::Avx2;
    return best;
  }();
  return chosen;
#else
  return Isa::Base;
#endif
}
} // namespace

#if defined(__x86_64__)
#define GRAPHJIT_DISPATCH(CALL)                                                                    \
  switch (isa()) {                                                                                 \
  case Isa::Avx512:                                                                                \
    return avx512::CALL;                                                                           \
  case Isa::Avx2:                                                                                  \
    return avx2::CALL;                                                                             \
  default:                                                                                         \
    return portable::CALL;                                                                         \
  }
#else
#define GRAPHJIT_DISPATCH(CALL) return portable::CALL;
#endif

void philoxBlocks(PhiloxKey key, const PhiloxCounter &base, uint64_t j0, uint64_t count,
                  uint32_t *out) {
  uint64_t buf[2 * 256];
  for (uint64_t j = 0; j < count; j += 256) {
    uint64_t m = std::min<uint64_t>(256, count - j);
    [&] { GRAPHJIT_DISPATCH(blocks64(key, base, j0 + j, m, buf)) }();
    std::memcpy(out + 4 * j, buf, m * 4 * sizeof(uint32_t));
  }
}

void mainWords64(PhiloxKey key, const PhiloxCounter &base, int64_t i0, int64_t n, uint64_t *out) {
  GRAPHJIT_DISPATCH(words64(key, base, i0, n, out))
}
void unitDoubles(PhiloxKey key, const PhiloxCounter &base, int64_t i0, int64_t n, double *out) {
  GRAPHJIT_DISPATCH(unitDoubles(key, base, i0, n, out))
}
void unitFloats(PhiloxKey key, const PhiloxCounter &base, int64_t i0, int64_t n, float *out) {
  GRAPHJIT_DISPATCH(unitFloats(key, base, i0, n, out))
}
void standardNormals(PhiloxKey key, const PhiloxCounter &base, int64_t i0, int64_t n, double *out) {
  GRAPHJIT_DISPATCH(standardNormals(key, base, i0, n, out))
}

} // namespace graphjit::rng

// Philox block generation, per-element sub-streams, the normal ziggurat and the
// rejection samplers (gamma, Poisson) the random-variable ops draw with.
#include "RandomStreams.h"

#include <cmath>

namespace graphjit::rng {

namespace {
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
/// Sub-stream keys come from the state's key under this mask, so they never coincide
/// with the main stream's blocks.
constexpr uint32_t kSubMask0 = 0xA511E9B3u, kSubMask1 = 0x3C6EF372u;

/// Eight Philox blocks at once in lanes, written so that the compiler vectorizes the
/// 32x32->64 multiplies; the same bits as philox4x32.
#define GRAPHJIT_PHILOX_LANES(ATTR)                                                                \
  ATTR static void philox8(const uint32_t *c0in, const uint32_t *c1in, uint32_t c2in,              \
                           uint32_t c3in, PhiloxKey key, uint32_t *out) {                          \
    uint32_t c0[8], c1[8], c2[8], c3[8];                                                           \
    for (int l = 0; l < 8; ++l) {                                                                  \
      c0[l] = c0in[l];                                                                             \
      c1[l] = c1in[l];                                                                             \
      c2[l] = c2in;                                                                                \
      c3[l] = c3in;                                                                                \
    }                                                                                              \
    uint32_t k0 = key[0], k1 = key[1];                                                             \
    for (int round = 0; round < 10; ++round) {                                                     \
      for (int l = 0; l < 8; ++l) {                                                                \
        uint64_t p0 = static_cast<uint64_t>(kM0) * c0[l];                                          \
        uint64_t p1 = static_cast<uint64_t>(kM1) * c2[l];                                          \
        uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[l] ^ k0;                                \
        uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[l] ^ k1;                                \
        c1[l] = static_cast<uint32_t>(p1);                                                         \
        c3[l] = static_cast<uint32_t>(p0);                                                         \
        c0[l] = n0;                                                                                \
        c2[l] = n2;                                                                                \
      }                                                                                            \
      k0 += kW0;                                                                                   \
      k1 += kW1;                                                                                   \
    }                                                                                              \
    for (int l = 0; l < 8; ++l) {                                                                  \
      out[4 * l] = c0[l];                                                                          \
      out[4 * l + 1] = c1[l];                                                                      \
      out[4 * l + 2] = c2[l];                                                                      \
      out[4 * l + 3] = c3[l];                                                                      \
    }                                                                                              \
  }
GRAPHJIT_PHILOX_LANES(__attribute__((target("avx2"))) inline)
} // namespace

namespace generic {
GRAPHJIT_PHILOX_LANES(inline)
} // namespace generic

void philoxBlocks(PhiloxKey key, const PhiloxCounter &base, uint64_t j0, uint64_t count,
                  uint32_t *out) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  uint64_t j = 0;
  while (j + 8 <= count) {
    PhiloxCounter c = counterAt(base, j0 + j);
    // Eight consecutive counters share words 2 and 3 unless the low 64 bits wrap inside
    // the group (never in practice): take the one-block path then.
    uint64_t lo = static_cast<uint64_t>(c[1]) << 32 | c[0];
    if (lo > ~uint64_t(0) - 8) break;
    uint32_t c0[8], c1[8];
    for (int l = 0; l < 8; ++l) {
      uint64_t v = lo + l;
      c0[l] = static_cast<uint32_t>(v);
      c1[l] = static_cast<uint32_t>(v >> 32);
    }
    if (avx2)
      philox8(c0, c1, c[2], c[3], key, out + 4 * j);
    else
      generic::philox8(c0, c1, c[2], c[3], key, out + 4 * j);
    j += 8;
  }
  for (; j < count; ++j) {
    PhiloxCounter b = philox4x32(counterAt(base, j0 + j), key);
    for (int w = 0; w < 4; ++w)
      out[4 * j + w] = b[w];
  }
}

SubStream::SubStream(PhiloxKey key, const PhiloxCounter &base, uint64_t i) {
  PhiloxCounter b = philox4x32(counterAt(base, i), {key[0] ^ kSubMask0, key[1] ^ kSubMask1});
  key_ = {b[0], b[1]};
  counter_ = {0, 0, static_cast<uint32_t>(i), static_cast<uint32_t>(i >> 32)};
}

void SubStream::refill() {
  PhiloxCounter b = philox4x32(counter_, key_);
  for (int w = 0; w < 4; ++w)
    buf_[w] = b[w];
  counter_ = philoxAdvance(counter_, 1);
  pos_ = 0;
}

namespace {
/// Marsaglia and Tsang's ziggurat tables for 256 layers and 52-bit mantissas (the
/// layout NumPy's legacy generator uses).
struct Ziggurat {
  uint64_t ki[256];
  double wi[256], fi[256];
  static constexpr double kR = 3.6541528853610088;
  static constexpr double kInvR = 0.27366123732975828;
  Ziggurat() {
    const double m = 0x1.0p52, v = 0.00492867323399;
    double dn = kR, tn = dn;
    double q = v / std::exp(-0.5 * dn * dn);
    ki[0] = static_cast<uint64_t>((dn / q) * m);
    ki[1] = 0;
    wi[0] = q / m;
    wi[255] = dn / m;
    fi[0] = 1.0;
    fi[255] = std::exp(-0.5 * dn * dn);
    for (int i = 254; i >= 1; --i) {
      dn = std::sqrt(-2.0 * std::log(v / dn + std::exp(-0.5 * dn * dn)));
      ki[i + 1] = static_cast<uint64_t>((dn / tn) * m);
      tn = dn;
      fi[i] = std::exp(-0.5 * dn * dn);
      wi[i] = dn / m;
    }
  }
};
const Ziggurat &zig() {
  static const Ziggurat z;
  return z;
}
} // namespace

bool zigguratFast(uint64_t w, double *x) {
  const Ziggurat &z = zig();
  int idx = static_cast<int>(w & 0xff);
  uint64_t r = w >> 8;
  bool negative = r & 1;
  uint64_t rabs = (r >> 1) & 0x000fffffffffffffull;
  double v = static_cast<double>(rabs) * z.wi[idx];
  *x = negative ? -v : v;
  return rabs < z.ki[idx];
}

double zigguratNormal(uint64_t w, SubStream &more) {
  const Ziggurat &z = zig();
  for (;;) {
    double x;
    if (zigguratFast(w, &x)) return x;
    int idx = static_cast<int>(w & 0xff);
    bool negative = (w >> 8) & 1;
    if (idx == 0) { // the tail beyond R
      for (;;) {
        double xx = -Ziggurat::kInvR * std::log1p(-more.uniform());
        double yy = -std::log1p(-more.uniform());
        if (yy + yy > xx * xx) return negative ? -(Ziggurat::kR + xx) : Ziggurat::kR + xx;
      }
    }
    if ((z.fi[idx - 1] - z.fi[idx]) * more.uniform() + z.fi[idx] < std::exp(-0.5 * x * x)) return x;
    w = more.next64();
  }
}

double SubStream::normal() { return zigguratNormal(next64(), *this); }

double SubStream::gamma(double a) {
  if (a < 1) {
    double u = uniform();
    return gamma(a + 1) * std::pow(u, 1 / a);
  }
  double d = a - 1.0 / 3, c = 1 / std::sqrt(9 * d);
  for (;;) {
    double x = normal(), v = 1 + c * x;
    if (v <= 0) continue;
    v = v * v * v;
    double u = uniform();
    if (u < 1 - 0.0331 * (x * x) * (x * x)) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
  }
}

double SubStream::poisson(double mu) {
  if (mu == 0) return 0;
  if (mu < 10) { // multiplication of uniforms: expected mu + 1 of them
    double limit = std::exp(-mu), prod = uniform(), k = 0;
    while (prod > limit) {
      prod *= uniform();
      k += 1;
    }
    return k;
  }
  // PTRS: transformed rejection with squeeze, acceptance above 0.89 for every mu >= 10.
  double slam = std::sqrt(mu), loglam = std::log(mu);
  double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    double u = uniform() - 0.5, v = uniform();
    double us = 0.5 - std::fabs(u);
    double k = std::floor((2 * a / us + b) * u + mu + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mu + k * loglam - std::lgamma(k + 1))
      return k;
  }
}

} // namespace graphjit::rng

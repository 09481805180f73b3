// Per-element sub-streams, the normal ziggurat and the
// rejection samplers (gamma, Poisson) the random-variable ops draw with.
#include "RandomStreams.h"

#include <cmath>

namespace graphjit::rng {

namespace {
/// Sub-stream keys come from the state's key under this mask, so they never coincide
/// with the main stream's blocks.
constexpr uint32_t kSubMask0 = 0xA511E9B3u, kSubMask1 = 0x3C6EF372u;

} // namespace

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

const uint64_t *zigKi() { return zig().ki; }
const double *zigWi() { return zig().wi; }

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

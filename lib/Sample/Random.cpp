// A chain's normal draws: the ziggurat method (Marsaglia and Tsang 2000, "The
// ziggurat method for generating random variables") over the chain's Philox
// stream, its tables built once.
#include "Nuts.h"

#include <cstdlib>

namespace graphjit::mcmc::detail {

namespace {
/// The 128-layer tables of RNOR: kn (acceptance bounds), wn (scales), fn (densities at edges).
struct ZigguratTables {
  uint32_t kn[128];
  double wn[128], fn[128];
  ZigguratTables() {
    const double m1 = 16777216.0; // 2^24: a value's 25 signed bits
    double dn = 3.442619855899, tn = dn, vn = 9.91256303526217e-3;
    double q = vn / std::exp(-0.5 * dn * dn);
    kn[0] = static_cast<uint32_t>((dn / q) * m1);
    kn[1] = 0;
    wn[0] = q / m1;
    wn[127] = dn / m1;
    fn[0] = 1.0;
    fn[127] = std::exp(-0.5 * dn * dn);
    for (int i = 126; i >= 1; --i) {
      dn = std::sqrt(-2.0 * std::log(vn / dn + std::exp(-0.5 * dn * dn)));
      kn[i + 1] = static_cast<uint32_t>((dn / tn) * m1);
      tn = dn;
      fn[i] = std::exp(-0.5 * dn * dn);
      wn[i] = dn / m1;
    }
  }
};
const ZigguratTables &tables() {
  static const ZigguratTables t;
  return t;
}
} // namespace

namespace {
/// The ziggurat's slow path: the wedges and the tail (about 1% of draws), from word `w`.
template <class Rng> double normalSlow(Rng &rng, const ZigguratTables &z, uint32_t w) {
  const double r = 3.442619855899; // the base layer's edge
  for (;;) {
    uint32_t iz = w & 127;
    int32_t hz = static_cast<int32_t>(w) >> 7;
    uint32_t mag =
        hz < 0 ? static_cast<uint32_t>(-(static_cast<int64_t>(hz))) : static_cast<uint32_t>(hz);
    // Inside the layer's rectangle: accept at once.
    if (mag < z.kn[iz]) return hz * z.wn[iz];
    double x = hz * z.wn[iz];
    if (iz == 0) {
      // The tail beyond r (Marsaglia 1964).
      double xt, y;
      do {
        xt = -std::log(1.0 - rng.uniform()) / r;
        y = -std::log(1.0 - rng.uniform());
      } while (y + y < xt * xt);
      return hz > 0 ? r + xt : -r - xt;
    }
    // The wedge between the rectangle and the density.
    if (z.fn[iz] + rng.uniform() * (z.fn[iz - 1] - z.fn[iz]) < std::exp(-0.5 * x * x)) return x;
    w = rng.next();
  }
}
} // namespace

// One word per draw: its low 7 bits pick the layer, the other 25 (signed) the value, so the
// two stay independent (Doornik 2005: reusing the value's low bits for the layer correlates
// them). 2^-24 of a layer's width is far below what momenta need.
double ChainRng::normal() { return normalSlow(*this, tables(), next()); }

void ChainRng::normals(double *out, int64_t n) {
  const ZigguratTables &z = tables();
  for (int64_t i = 0; i < n; ++i) {
    uint32_t w = next();
    uint32_t iz = w & 127;
    int32_t hz = static_cast<int32_t>(w) >> 7;
    uint32_t mag = hz < 0 ? static_cast<uint32_t>(-hz) : static_cast<uint32_t>(hz);
    out[i] = mag < z.kn[iz] ? hz * z.wn[iz] : normalSlow(*this, z, w);
  }
}

} // namespace graphjit::mcmc::detail

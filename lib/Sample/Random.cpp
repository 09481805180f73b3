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
    const double m1 = 2147483648.0; // 2^31
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

double ChainRng::normal() {
  const ZigguratTables &z = tables();
  const double r = 3.442619855899; // the base layer's edge
  for (;;) {
    int32_t hz = static_cast<int32_t>(next());
    uint32_t iz = next() & 127;
    uint32_t mag =
        hz < 0 ? static_cast<uint32_t>(-(static_cast<int64_t>(hz))) : static_cast<uint32_t>(hz);
    // Inside the layer's rectangle: accept at once (about 99% of draws).
    if (mag < z.kn[iz]) return hz * z.wn[iz];
    double x = hz * z.wn[iz];
    if (iz == 0) {
      // The tail beyond r (Marsaglia 1964).
      double xt, y;
      do {
        xt = -std::log(1.0 - uniform()) / r;
        y = -std::log(1.0 - uniform());
      } while (y + y < xt * xt);
      return hz > 0 ? r + xt : -r - xt;
    }
    // The wedge between the rectangle and the density.
    if (z.fn[iz] + uniform() * (z.fn[iz - 1] - z.fn[iz]) < std::exp(-0.5 * x * x)) return x;
  }
}

} // namespace graphjit::mcmc::detail

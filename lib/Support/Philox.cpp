// Philox4x32-10: ten multiply-xor rounds with a Weyl-sequence key schedule.
#include "graphjit/Support/Philox.h"

namespace graphjit {

namespace {
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u; // round multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u; // key bumps (golden ratio, sqrt(3) - 1)

void mulhilo(uint32_t a, uint32_t b, uint32_t &hi, uint32_t &lo) {
  uint64_t p = static_cast<uint64_t>(a) * b;
  hi = static_cast<uint32_t>(p >> 32);
  lo = static_cast<uint32_t>(p);
}
} // namespace

PhiloxCounter philox4x32(PhiloxCounter c, PhiloxKey k) {
  for (int round = 0; round < 10; ++round) {
    if (round) {
      k[0] += kW0;
      k[1] += kW1;
    }
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kM0, c[0], hi0, lo0);
    mulhilo(kM1, c[2], hi1, lo1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }
  return c;
}

PhiloxCounter philoxAdvance(PhiloxCounter c, uint64_t n) {
  uint64_t carry = n;
  for (uint32_t &w : c) {
    uint64_t sum = static_cast<uint64_t>(w) + (carry & 0xFFFFFFFFu);
    w = static_cast<uint32_t>(sum);
    carry = (carry >> 32) + (sum >> 32);
    if (!carry) break;
  }
  return c;
}

} // namespace graphjit

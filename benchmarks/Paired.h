// Paired measurements for `make bench`: graphjit and its baseline timed in alternating passes of
// the same run (wall time), so machine load hits both sides alike; a row prints the median ratio,
// its spread over the passes, and the target beside it.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace bench {

/// Median and range of a sample.
struct Spread {
  double median = 0, lo = 0, hi = 0;
};

inline Spread spreadOf(std::vector<double> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

inline double wallSeconds(const std::function<void()> &f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Per-pass times of a and b (seconds per repetition) and their ratios a / b.
struct Paired {
  Spread a, b, ratio;
};

/// `passes` alternating passes (a then b, then b then a, ...) of `reps` calls each, after one
/// warm-up call of each side; wall time per call.
inline Paired paired(int passes, int reps, const std::function<void()> &a,
                     const std::function<void()> &b) {
  a(), b();
  std::vector<double> ta, tb, r;
  auto timed = [&](const std::function<void()> &f) {
    return wallSeconds([&] {
             for (int i = 0; i < reps; ++i)
               f();
           }) /
           reps;
  };
  for (int p = 0; p < passes; ++p) {
    double x, y;
    if (p % 2 == 0)
      x = timed(a), y = timed(b);
    else
      y = timed(b), x = timed(a);
    ta.push_back(x), tb.push_back(y), r.push_back(x / y);
  }
  return {spreadOf(ta), spreadOf(tb), spreadOf(r)};
}

/// Per-pass values of a quantity measured once per pass (a fresh process, a batch of calls).
inline Spread repeated(int passes, const std::function<double()> &f) {
  std::vector<double> v;
  for (int p = 0; p < passes; ++p)
    v.push_back(f());
  return spreadOf(v);
}

/// One table row: "work | ratio median [lo-hi] | target | (times)".
inline void printRow(const std::string &work, const Spread &ratio, const std::string &target,
                     const std::string &detail) {
  std::printf("| %-72s | %6.3f [%.3f-%.3f] | %-10s | %s\n", work.c_str(), ratio.median, ratio.lo,
              ratio.hi, target.c_str(), detail.c_str());
  std::fflush(stdout);
}

/// A "1.23 ms [1.10-1.40]"-style figure, `scale` converting seconds to the unit.
inline std::string figure(const Spread &s, double scale, const char *unit) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.4g %s [%.4g-%.4g]", s.median * scale, unit, s.lo * scale,
                s.hi * scale);
  return buf;
}

} // namespace bench

// Random draws, measured (`make bench`): 1e7 standard normals and 1e7 uniforms,
// float64 and float32, through compiled Functions of a RandomStream (the host
// step advances the real generator), on 1 and 2 threads, against NumPy's
// Generator (PCG64) timed in the same run by benchmarks/numpy_random.py, or, when
// /usr/bin/python3 with NumPy is missing, against a one-thread Philox loop.
#include "graphjit/graphjit.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

using namespace graphjit;

namespace {
using Clock = std::chrono::steady_clock;
constexpr int64_t kN = 10'000'000;
constexpr int kReps = 7;

double medianSeconds(const std::function<void()> &f) {
  f();
  std::vector<double> t;
  for (int i = 0; i < kReps; ++i) {
    auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

/// NumPy's medians by "<dist> <dtype>", empty when Python or NumPy is missing.
std::map<std::string, double> numpyTimes() {
  std::map<std::string, double> r;
  std::string cmd = std::string("/usr/bin/python3 ") + GRAPHJIT_BENCH_DIR + "/numpy_random.py " +
                    std::to_string(kN) + " " + std::to_string(kReps) + " 2>/dev/null";
  FILE *p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char dist[32], dtype[8];
  double s;
  while (std::fscanf(p, "%31s %7s %lf", dist, dtype, &s) == 3)
    r[std::string(dist) + " " + dtype] = s;
  pclose(p);
  return r;
}

/// A plain one-thread loop of Philox uniforms: the baseline without NumPy.
double philoxBaseline() {
  std::vector<double> out(kN);
  return medianSeconds([&] {
    for (int64_t j = 0; j < kN / 2; ++j) {
      PhiloxCounter b = philox4x32({static_cast<uint32_t>(j), 0, 0, 0}, {1, 0});
      out[2 * j] = static_cast<double>((uint64_t(b[1]) << 32 | b[0]) >> 11) * 0x1.0p-53;
      out[2 * j + 1] = static_cast<double>((uint64_t(b[3]) << 32 | b[2]) >> 11) * 0x1.0p-53;
    }
  });
}
} // namespace

int main() {
  std::map<std::string, double> numpy = numpyTimes();
  double baseline = numpy.empty() ? philoxBaseline() : 0;
  std::printf("%-8s %-4s %7s %12s %12s %8s\n", "dist", "type", "threads", "graphjit_s",
              numpy.empty() ? "philox_s" : "numpy_s", "ratio");
  for (const char *dist : {"normal", "uniform"})
    for (DType dt : {DType::Float64, DType::Float32})
      for (int threads : {1, 2}) {
        RandomStream rs(1);
        Var zero = constant(0.0, dt), one = constant(1.0, dt);
        Var x = std::string(dist) == "normal" ? rs.normal(zero, one, {kN})
                                              : rs.uniform(zero, one, {kN});
        CompileOptions o;
        o.numThreads = threads;
        Function f = compile({}, {x}, {}, o);
        double ours = medianSeconds([&] { f({}); });
        std::string key = std::string(dist) + " " + (dt == DType::Float64 ? "f64" : "f32");
        double ref = numpy.empty() ? baseline : numpy[key];
        std::printf("%-8s %-4s %7d %12.4f %12.4f %8.2f\n", dist, dtypeName(dt), threads, ours, ref,
                    ours / ref);
      }
  std::printf("ratio = graphjit time / %s time (< 1 is faster)\n",
              numpy.empty() ? "one-thread Philox loop" : "NumPy Generator (PCG64)");
  return 0;
}

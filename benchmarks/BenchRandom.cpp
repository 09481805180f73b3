// Random draws, measured (`make bench`): 1e7 standard normals and 1e7 uniforms,
// float64 and float32, through compiled Functions of a RandomStream (the host
// step advances the real generator), on 1 and 2 threads, against NumPy's
// Generator (PCG64) in a helper process (benchmarks/numpy_random.py). Passes are
// paired: each round times graphjit on 1 thread, on 2 threads and NumPy once, one
// after the other, so that load from other processes hits all three alike; the
// table reports medians over the rounds and the median of the per-round ratios.
// Without /usr/bin/python3 and NumPy the reference is a one-thread scalar Philox loop.
#include "graphjit/graphjit.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace graphjit;

namespace {
using Clock = std::chrono::steady_clock;
constexpr int64_t kN = 10'000'000;

double seconds(const std::function<void()> &f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// NumPy in a child process answering one timed call per request; inactive when Python
/// or NumPy is missing.
class NumPyPeer {
public:
  NumPyPeer() {
    int toChild[2], fromChild[2];
    if (pipe(toChild) || pipe(fromChild)) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(toChild[0], 0);
      dup2(fromChild[1], 1);
      close(toChild[1]);
      close(fromChild[0]);
      std::string script = std::string(GRAPHJIT_BENCH_DIR) + "/numpy_random.py";
      execl("/usr/bin/python3", "python3", script.c_str(), std::to_string(kN).c_str(),
            static_cast<char *>(nullptr));
      _exit(127);
    }
    close(toChild[0]);
    close(fromChild[1]);
    in_ = fdopen(fromChild[0], "r");
    out_ = fdopen(toChild[1], "w");
    char word[16] = {};
    active_ = in_ && out_ && std::fscanf(in_, "%15s", word) == 1 && std::string(word) == "ready";
  }
  ~NumPyPeer() {
    if (out_) std::fclose(out_);
    if (in_) std::fclose(in_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }
  bool active() const { return active_; }
  /// Seconds of one NumPy call, e.g. time("normal f64").
  double time(const std::string &what) {
    std::fprintf(out_, "%s\n", what.c_str());
    std::fflush(out_);
    double s = 0;
    if (std::fscanf(in_, "%lf", &s) != 1) active_ = false;
    return s;
  }

private:
  pid_t pid_ = -1;
  FILE *in_ = nullptr, *out_ = nullptr;
  bool active_ = false;
};

/// A plain one-thread scalar loop of Philox uniforms: the reference without NumPy.
double philoxLoop() {
  std::vector<double> out(kN);
  return seconds([&] {
    for (int64_t j = 0; j < kN / 2; ++j) {
      PhiloxCounter b = philox4x32({static_cast<uint32_t>(j), 0, 0, 0}, {1, 0});
      out[2 * j] = static_cast<double>((uint64_t(b[1]) << 32 | b[0]) >> 11) * 0x1.0p-53;
      out[2 * j + 1] = static_cast<double>((uint64_t(b[3]) << 32 | b[2]) >> 11) * 0x1.0p-53;
    }
  });
}
} // namespace

int main(int argc, char **argv) {
  int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 9;
  std::signal(SIGPIPE, SIG_IGN);
  NumPyPeer numpy;
  const char *ref = numpy.active() ? "numpy_s" : "philox_s";
  std::printf("%d paired rounds; medians\n", rounds);
  std::printf("%-8s %-4s %10s %10s %10s %9s %9s\n", "dist", "type", "ours1_s", "ours2_s", ref,
              "ratio1", "ratio2");
  for (const char *dist : {"normal", "uniform"})
    for (DType dt : {DType::Float64, DType::Float32}) {
      std::vector<Function> fs;
      for (int threads : {1, 2}) {
        RandomStream rs(1);
        Var zero = constant(0.0, dt), one = constant(1.0, dt);
        Var x = std::string(dist) == "normal" ? rs.normal(zero, one, {kN})
                                              : rs.uniform(zero, one, {kN});
        CompileOptions o;
        o.numThreads = threads;
        fs.push_back(compile({}, {x}, {}, o));
      }
      std::string key = std::string(dist) + " " + (dt == DType::Float64 ? "f64" : "f32");
      auto reference = [&] { return numpy.active() ? numpy.time(key) : philoxLoop(); };
      fs[0]({}), fs[1]({}), reference(); // warm-up: pages, pool threads, caches
      std::vector<double> t1, t2, tr, r1, r2;
      for (int r = 0; r < rounds; ++r) {
        t1.push_back(seconds([&] { fs[0]({}); }));
        t2.push_back(seconds([&] { fs[1]({}); }));
        tr.push_back(reference());
        r1.push_back(t1.back() / tr.back());
        r2.push_back(t2.back() / tr.back());
      }
      std::printf("%-8s %-4s %10.4f %10.4f %10.4f %9.2f %9.2f\n", dist, dtypeName(dt), median(t1),
                  median(t2), median(tr), median(r1), median(r2));
    }
  std::printf("ratio = graphjit time / %s time in the same round (< 1 is faster; median)\n",
              numpy.active() ? "NumPy Generator (PCG64)" : "one-thread Philox loop");
  return 0;
}

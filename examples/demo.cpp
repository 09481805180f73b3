// `make demo`: logistic regression from scratch, the workshop's path in one
// program. Data (synthetic with known weights, or X.npy y.npy), the model
// written symbolically with a naive cross-entropy, the graph before and after
// rewriting, pictures, grad, one compiled training step with shared weights
// and updates, training, and a summary. Exits 1 if the fit is poor.
#include "graphjit/graphjit.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>

using namespace graphjit;

namespace {

struct Options {
  int64_t n = 100000, d = 100;
  int steps = 100;
  double lr = 2.0, l2 = 1e-4;
  DType dtype = DType::Float64;
  Mode mode = Mode::JIT;
  std::string xPath, yPath, outDir = ".", saveDir;
  uint64_t seed = 42;
};

void printHelp() {
  std::cout << "usage: demo [options] [X.npy y.npy]\n\n"
               "Fits a logistic regression by gradient descent, compiled by graphjit.\n"
               "Without files, the data are synthetic: X ~ N(0, 1), labels drawn from\n"
               "sigmoid(X w_true + b_true) with known w_true.\n\n"
               "  --N=INT            rows of synthetic data (default 100000)\n"
               "  --D=INT            features of synthetic data (default 100)\n"
               "  --steps=INT        gradient steps (default 100)\n"
               "  --lr=FLOAT         learning rate (default 2)\n"
               "  --l2=FLOAT         L2 penalty on the weights (default 1e-4)\n"
               "  --dtype=f64|f32    precision of data and model (default f64)\n"
               "  --mode=jit|interpret  native code or the reference interpreter (default jit)\n"
               "  --seed=INT         seed of the synthetic data (default 42)\n"
               "  --out=DIR          where logreg.dot and logreg.svg are written (default .)\n"
               "  --save-data=DIR    also write the data as DIR/X.npy and DIR/y.npy\n"
               "  --help             this text\n";
}

[[noreturn]] void usageError(const std::string &message) {
  throw ValueError("demo: " + message + " (see --help)");
}

int64_t parseInt(const std::string &flag, const std::string &v) {
  size_t used = 0;
  int64_t r = 0;
  try {
    r = std::stoll(v, &used);
  } catch (const std::exception &) {
    used = 0;
  }
  if (used != v.size() || r <= 0) usageError(flag + " expects a positive integer, got '" + v + "'");
  return r;
}

double parseDouble(const std::string &flag, const std::string &v) {
  size_t used = 0;
  double r = 0;
  try {
    r = std::stod(v, &used);
  } catch (const std::exception &) {
    used = 0;
  }
  if (used != v.size() || !(r >= 0))
    usageError(flag + " expects a non-negative number, got '" + v + "'");
  return r;
}

/// Returns false when --help was asked for.
bool parseOptions(int argc, char **argv, Options &o) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") return false;
    if (a.rfind("--", 0) != 0) {
      files.push_back(a);
      continue;
    }
    size_t eq = a.find('=');
    if (eq == std::string::npos) usageError("option '" + a + "' needs a value (--name=value)");
    std::string key = a.substr(0, eq), v = a.substr(eq + 1);
    if (key == "--N")
      o.n = parseInt(key, v);
    else if (key == "--D")
      o.d = parseInt(key, v);
    else if (key == "--steps")
      o.steps = static_cast<int>(parseInt(key, v));
    else if (key == "--lr")
      o.lr = parseDouble(key, v);
    else if (key == "--l2")
      o.l2 = parseDouble(key, v);
    else if (key == "--seed")
      o.seed = static_cast<uint64_t>(parseInt(key, v));
    else if (key == "--out")
      o.outDir = v;
    else if (key == "--save-data")
      o.saveDir = v;
    else if (key == "--dtype") {
      if (v == "f64")
        o.dtype = DType::Float64;
      else if (v == "f32")
        o.dtype = DType::Float32;
      else
        usageError("--dtype expects f64 or f32, got '" + v + "'");
    } else if (key == "--mode") {
      if (v == "jit")
        o.mode = Mode::JIT;
      else if (v == "interpret")
        o.mode = Mode::Interpret;
      else
        usageError("--mode expects jit or interpret, got '" + v + "'");
    } else {
      usageError("unknown option '" + key + "'");
    }
  }
  if (files.size() == 2) {
    o.xPath = files[0];
    o.yPath = files[1];
  } else if (!files.empty()) {
    usageError("expected two files (X.npy y.npy), got " + std::to_string(files.size()));
  }
  return true;
}

struct Data {
  Tensor X, y;
  std::vector<double> trueW; ///< empty for data read from files
};

/// X ~ N(0, 1); w_true ~ N(0, 1) scaled so that X w_true has standard
/// deviation 10; y ~ Bernoulli(sigmoid(X w_true + 0.5)): labels with noise.
Data syntheticData(const Options &o) {
  std::mt19937_64 rng(o.seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform;
  Data data;
  double norm = 0;
  for (int64_t j = 0; j < o.d; ++j) {
    data.trueW.push_back(normal(rng));
    norm += data.trueW.back() * data.trueW.back();
  }
  for (double &w : data.trueW)
    w *= 10.0 / std::sqrt(norm);
  std::vector<double> xs(o.n * o.d), ys(o.n);
  for (int64_t i = 0; i < o.n; ++i) {
    double z = 0.5;
    for (int64_t j = 0; j < o.d; ++j)
      z += data.trueW[j] * (xs[i * o.d + j] = normal(rng));
    ys[i] = uniform(rng) < 1.0 / (1.0 + std::exp(-z)) ? 1.0 : 0.0;
  }
  data.X = Tensor::fromVector(xs, {o.n, o.d}).astype(o.dtype);
  data.y = Tensor::fromVector(ys).astype(o.dtype);
  return data;
}

Data fileData(const Options &o) {
  Data data{loadNpy(o.xPath), loadNpy(o.yPath), {}};
  if (data.X.ndim() != 2 || data.y.ndim() != 1 || data.X.dim(0) != data.y.dim(0))
    throw ShapeError("demo: expected X of shape [N,D] and y of shape [N], got " +
                     shapeStr(data.X.shape()) + " and " + shapeStr(data.y.shape()));
  data.X = data.X.astype(o.dtype);
  data.y = data.y.astype(o.dtype);
  return data;
}

double correlation(const std::vector<double> &a, const std::vector<double> &b) {
  double ma = 0, mb = 0;
  for (size_t i = 0; i < a.size(); ++i)
    ma += a[i] / a.size(), mb += b[i] / b.size();
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

int run(const Options &o) {
  auto t0 = std::chrono::steady_clock::now();
  Data data = o.xPath.empty() ? syntheticData(o) : fileData(o);
  const int64_t n = data.X.dim(0), d = data.X.dim(1);
  std::printf("== data: %s, N = %lld, D = %lld, %s, %.0f ms\n",
              o.xPath.empty() ? "synthetic (known weights, noisy labels)"
                              : (o.xPath + ", " + o.yPath).c_str(),
              static_cast<long long>(n), static_cast<long long>(d), dtypeName(o.dtype),
              msSince(t0));
  if (!o.saveDir.empty()) {
    std::filesystem::create_directories(o.saveDir);
    saveNpy(data.X, (std::filesystem::path(o.saveDir) / "X.npy").string());
    saveNpy(data.y, (std::filesystem::path(o.saveDir) / "y.npy").string());
    std::printf("wrote %s/X.npy and %s/y.npy\n", o.saveDir.c_str(), o.saveDir.c_str());
  }

  // The model, symbolically: nothing is computed here, a graph is built.
  Var X = matrix("X", o.dtype), y = vector("y", o.dtype);
  Var w = shared(Tensor::zeros(o.dtype, {d}), "w");
  Var b = shared(Tensor::scalar(0.0, o.dtype), "b");
  Var p = sigmoid(dot(X, w) + b);
  p->name = "p";
  // Binary cross-entropy written the naive way: log(p) is -inf once p rounds to 0.
  Var bce = -mean(y * log(p) + (1.0 - y) * log(1.0 - p));
  Var loss = bce + o.l2 * sum(sqr(w));
  loss->name = "loss";
  Var accuracy = mean(cast(eq(cast(p > 0.5, o.dtype), y), o.dtype));
  accuracy->name = "accuracy";

  std::cout << "\n== the loss as written (dprint)\n" << dprint(loss);
  std::cout << "\n== after rewriting: log(sigmoid(z)) became -softplus(-z), stable for any z\n"
            << dprint(simplify({loss}));

  std::filesystem::create_directories(o.outDir);
  std::string dotPath = (std::filesystem::path(o.outDir) / "logreg.dot").string();
  std::string svgPath = (std::filesystem::path(o.outDir) / "logreg.svg").string();
  std::ofstream(dotPath) << to_dot({loss});
  write_svg({loss}, svgPath);
  std::cout << "\n== pictures: wrote " << dotPath << " and " << svgPath << "\n";

  // Reverse-mode autodiff: the gradient is another graph over the same variables.
  std::vector<Var> g = grad(loss, {w, b});
  std::cout << "\n== grad(loss, w): a graph of " << toposort({g[0]}).size() << " nodes, "
            << toposort(simplify({g[0]})).size() << " after rewriting\n";

  // One training step: outputs from the old weights, then w and b replaced by their updates.
  t0 = std::chrono::steady_clock::now();
  Function step =
      compile({X, y}, {loss, accuracy}, {{w, w - o.lr * g[0]}, {b, b - o.lr * g[1]}}, o.mode);
  double compileMs = msSince(t0);
  std::printf("\n== compiled one training step (%s) in %.0f ms\n",
              o.mode == Mode::JIT ? "jit" : "interpret", compileMs);

  const int every = o.steps >= 10 ? o.steps / 10 : 1;
  double firstLoss = 0, lastLoss = 0, lastAccuracy = 0, totalMs = 0, intervalMs = 0;
  for (int s = 1; s <= o.steps; ++s) {
    auto ts = std::chrono::steady_clock::now();
    std::vector<Tensor> out = step({data.X, data.y});
    double ms = msSince(ts);
    totalMs += ms;
    intervalMs += ms;
    lastLoss = out[0].item();
    lastAccuracy = out[1].item();
    if (s == 1) firstLoss = lastLoss;
    if (s % every == 0 || s == o.steps) {
      int count = s % every == 0 ? every : s % every;
      std::printf("step %4d/%d  loss %.4f  accuracy %.4f  %.2f ms/step\n", s, o.steps, lastLoss,
                  lastAccuracy, intervalMs / count);
      intervalMs = 0;
    }
  }

  std::printf("\n== summary\n");
  std::printf("final loss       %.4f (first step %.4f)\n", lastLoss, firstLoss);
  std::printf("accuracy         %.4f\n", lastAccuracy);
  bool ok = std::isfinite(lastLoss) && lastLoss < firstLoss;
  if (!data.trueW.empty()) {
    double r = correlation(getValue(w).astype(DType::Float64).toDoubles(), data.trueW);
    std::printf("corr(w, w_true)  %.4f\n", r);
    ok = ok && lastAccuracy > 0.9 && r > 0.9;
  }
  std::printf("compile time     %.0f ms\n", compileMs);
  std::printf("time per step    %.2f ms (%d steps)\n", totalMs / o.steps, o.steps);
  if (!ok) std::printf("demo: the fit is worse than expected\n");
  return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  try {
    Options o;
    if (!parseOptions(argc, argv, o)) {
      printHelp();
      return 0;
    }
    return run(o);
  } catch (const std::exception &e) {
    std::cerr << e.what() << "\n";
    return 2;
  }
}

// A RealNVP normalizing flow fitted to a 2-d mixture of Gaussians, built from
// the library: the base is a random variable, the flow a chain of affine
// coupling layers whose scale and shift are small MLPs (nn), the log density
// of the transformed variable comes from the automatic change of variables
// (logp), and training is maximum likelihood with Adam updates (optim).
//
//   ./build/examples/flow [--steps N] [--out DIR]
//
// Prints a progress line, the held-out mean log-likelihood next to the true
// density's, and writes DIR/flow_density.png (learned | target density) and
// DIR/flow_samples.png (flow samples | data).
#include "Png.h"
#include "graphjit/graphjit.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

using namespace graphjit;

namespace {
// The target: an equal mixture of two isotropic Gaussians.
const double kMeans[2][2] = {{-1.5, -0.6}, {1.5, 0.6}};
const double kSigma = 0.5;

double trueLogDensity(double x, double y) {
  double l[2];
  for (int k = 0; k < 2; ++k) {
    double dx = x - kMeans[k][0], dy = y - kMeans[k][1];
    l[k] = std::log(0.5) - (dx * dx + dy * dy) / (2 * kSigma * kSigma) -
           std::log(2 * M_PI * kSigma * kSigma);
  }
  double m = std::max(l[0], l[1]);
  return m + std::log(std::exp(l[0] - m) + std::exp(l[1] - m));
}

/// n draws from the mixture, with the library's samplers.
Tensor sampleTarget(int64_t n, uint64_t seed) {
  Tensor comp = sample(categorical(constant(Tensor::of({0.5, 0.5}))), n, seed);
  Tensor noise =
      sample(normal(constant(Tensor::zeros(DType::Float64, {2})), constant(kSigma)), n, seed + 1);
  std::vector<double> v = noise.toDoubles();
  for (int64_t i = 0; i < n; ++i) {
    int64_t k = static_cast<int64_t>(comp.getAsDouble(i));
    v[2 * i] += kMeans[k][0], v[2 * i + 1] += kMeans[k][1];
  }
  return Tensor::fromVector(v, {n, 2});
}

/// The flow: coupling layers alternating which coordinate they move, then a per-coordinate affine
/// map.
struct Flow {
  std::vector<nn::MLP> nets;
  Var logScale = shared(Tensor::zeros(DType::Float64, {2}), "out.log_scale");
  Var shift = shared(Tensor::zeros(DType::Float64, {2}), "out.shift");

  Flow(int layers, int hidden) {
    for (int l = 0; l < layers; ++l)
      nets.push_back(nn::mlp({1, hidden, 2}, "coupling" + std::to_string(l), nn::tanh, nn::identity,
                             nn::Init::Glorot, 100 * l + 1, 0.01));
  }
  /// T(x) for x of shape [n, 2].
  Var operator()(const Var &x) const {
    Var h = x;
    for (size_t l = 0; l < nets.size(); ++l) {
      const nn::MLP &net = nets[l];
      TransformPtr t = affineCoupling(1, l % 2 == 1, [&net](const Var &a) {
        Var st = net(a);
        return std::pair{2.0 * tanh(0.5 * st(slice(), slice(0, 1))),
                         st(slice(), slice(1, 2))}; // |s| < 2
      });
      h = t->forward(h);
    }
    return h * exp(logScale) + shift;
  }
  std::vector<Var> params() const {
    std::vector<Var> p{logScale, shift};
    for (auto &n : nets)
      for (auto &v : n.params())
        p.push_back(v);
    return p;
  }
};

example::Image densityImage(const std::vector<double> &logd, int side, double vmax) {
  example::Image img(side, side);
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) {
      uint8_t R, G, B;
      example::colormap(std::exp(logd[r * side + c]) / vmax, R, G, B);
      img.set(c, r, R, G, B);
    }
  return img;
}

example::Image scatterImage(const Tensor &pts, int side, double lo, double hi) {
  example::Image img(side, side);
  std::vector<double> v = pts.toDoubles();
  for (size_t i = 0; i + 1 < v.size(); i += 2) {
    int c = static_cast<int>((v[i] - lo) / (hi - lo) * side),
        r = static_cast<int>((hi - v[i + 1]) / (hi - lo) * side);
    img.set(c, r, 30, 60, 140);
  }
  return img;
}
} // namespace

int run(int argc, char **argv);

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "flow: error: %s\n", e.what());
    return 1;
  }
}

int run(int argc, char **argv) {
  int steps = 1500;
  std::string out = ".";
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--steps") && i + 1 < argc)
      steps = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--out") && i + 1 < argc)
      out = argv[++i];
    else {
      std::fprintf(stderr, "usage: flow [--steps N] [--out DIR]\n");
      return 2;
    }
  }
  std::filesystem::create_directories(out); // the pictures go there
  const int64_t nTrain = 4096, nTest = 4096, batch = 512;
  Tensor train = sampleTarget(nTrain, 1), test = sampleTarget(nTest, 2);

  // The model: y = T(z), z ~ N(0, I); its log density derived by the change of variables.
  Flow flow(4, 32);
  Var X = tensor(DType::Float64, {kUnknownDim, 2}, "X");
  Var z = normal(zeros_like(X), constant(1.0), "z");
  Var logpX = sum(logp(flow(z), X), 1); // [n]: one log density per point
  Var nll = -mean(logpX);
  auto c0 = std::chrono::steady_clock::now();
  Function step = compile({X}, {nll}, optim::adam(nll, flow.params(), 5e-3));
  auto c1 = std::chrono::steady_clock::now();
  Function density = compile({X}, {logpX});
  auto c2 = std::chrono::steady_clock::now();
  // Milliseconds matter here: graphjit-bench-speed reads this line for its cold-compile row.
  std::printf("compiled the training step in %.3f s and the density in %.3f s\n",
              std::chrono::duration<double>(c1 - c0).count(),
              std::chrono::duration<double>(c2 - c1).count());

  std::vector<double> all = train.toDoubles();
  auto t0 = std::chrono::steady_clock::now();
  double loss = 0;
  for (int s = 1; s <= steps; ++s) {
    int64_t off = ((s - 1) * batch) % nTrain;
    Tensor xb = Tensor::fromVector(
        std::vector<double>(all.begin() + 2 * off, all.begin() + 2 * (off + batch)), {batch, 2});
    loss = step({xb})[0].item();
    if (s % 250 == 0 || s == steps) {
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::printf("step %5d/%d  nll %.4f  %.0f steps/s\n", s, steps, loss, s / secs);
      std::fflush(stdout);
    }
  }
  double trainSecs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // Held-out log-likelihood against the true density's.
  std::vector<double> lp = density({test})[0].toDoubles(), tv = test.toDoubles();
  double model = 0, truth = 0;
  for (int64_t i = 0; i < nTest; ++i)
    model += lp[i] / nTest, truth += trueLogDensity(tv[2 * i], tv[2 * i + 1]) / nTest;
  std::printf("held-out mean log-likelihood: flow %.4f, true density %.4f (gap %.4f nats)\n", model,
              truth, truth - model);
  std::printf("training: %d steps in %.1f s\n", steps, trainSecs);

  // Figures: learned | target density on [-4, 4]^2, and flow samples | data.
  const int side = 160;
  const double lo = -4, hi = 4;
  std::vector<double> grid, target;
  for (int r = 0; r < side; ++r)
    for (int c = 0; c < side; ++c) {
      double x = lo + (hi - lo) * (c + 0.5) / side, y = hi - (hi - lo) * (r + 0.5) / side;
      grid.push_back(x), grid.push_back(y);
      target.push_back(trueLogDensity(x, y));
    }
  std::vector<double> learned =
      density({Tensor::fromVector(grid, {side * side, 2})})[0].toDoubles();
  double vmax = 0;
  for (double t : target)
    vmax = std::max(vmax, std::exp(t));
  example::Image dens(2 * side + 8, side);
  dens.paste(densityImage(learned, side, vmax), 0, 0);
  dens.paste(densityImage(target, side, vmax), side + 8, 0);
  example::writePng(dens, out + "/flow_density.png");

  Var zin = tensor(DType::Float64, {kUnknownDim, 2}, "z");
  Function push = compile({zin}, {flow(zin)});
  Tensor drawn = push(
      {sample(normal(constant(Tensor::zeros(DType::Float64, {2})), constant(1.0)), 2000, 9)})[0];
  example::Image samples(2 * side + 8, side);
  samples.paste(scatterImage(drawn, side, lo, hi), 0, 0);
  samples.paste(scatterImage(Tensor::fromVector(std::vector<double>(tv.begin(), tv.begin() + 4000),
                                                {2000, 2}),
                             side, lo, hi),
                side + 8, 0);
  example::writePng(samples, out + "/flow_samples.png");
  std::printf("wrote %s/flow_density.png and %s/flow_samples.png\n", out.c_str(), out.c_str());

  bool ok = std::isfinite(model) && model > truth - (steps >= 1500 ? 0.15 : 1.0);
  std::printf("%s\n", ok ? "ok" : "FAILED: the flow is too far from the true density");
  return ok ? 0 : 1;
}

// Host sampling behind the rv ops, Prob's sample() and the JIT's host step: every
// distribution drawn from a Philox state so that element i depends only on
// (state, i). Uniform-based draws read 64-bit word i of the main stream (32-bit
// for float32 uniforms); normals take word i through the ziggurat; rejection
// samplers (gamma, beta, Student t, Poisson, ziggurat fallbacks) read element
// i's own sub-stream. Ranges of elements run on several threads with the same bits.
#include "RandomStreams.h"
#include "ShapeUtil.h"
#include "graphjit/Graph/RandomGeneratorType.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/Random.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <thread>

namespace graphjit {

namespace {
thread_local int tlsThreads = 0;

std::atomic<RandomParallelFor> poolRunner{nullptr};

/// Runs fn(begin, end) over [0, n) in chunks aligned to 8 elements, on up to the
/// scope's threads for large n: on the JIT's worker pool when it is linked in, else on
/// threads of its own. Every element's bits are the same for every split.
void parallelRange(int64_t n, const std::function<void(int64_t, int64_t)> &fn) {
  int threads = tlsThreads > 0 ? tlsThreads : static_cast<int>(std::thread::hardware_concurrency());
  constexpr int64_t kMinPerThread = int64_t(1) << 16;
  threads = static_cast<int>(std::clamp<int64_t>(n / kMinPerThread, 1, std::max(threads, 1)));
  if (threads == 1) {
    fn(0, n);
    return;
  }
  int64_t chunk = ((n + threads - 1) / threads + 7) / 8 * 8;
  auto run = [&](int t) {
    int64_t b = t * chunk, e = std::min(n, b + chunk);
    if (b < e) fn(b, e);
  };
  if (RandomParallelFor pool = poolRunner.load()) {
    pool(threads, run);
    return;
  }
  std::vector<std::thread> workers;
  for (int t = 1; t < threads; ++t)
    workers.emplace_back(run, t);
  run(0);
  for (auto &w : workers)
    w.join();
}

/// A parameter read at element i: a broadcast scalar or one value per element.
struct Param {
  std::vector<double> values;
  double operator[](int64_t i) const { return values.size() == 1 ? values[0] : values[i]; }
  bool scalar() const { return values.size() == 1; }
};

/// Elements converted per buffer of the batched paths.
constexpr int64_t kBatch = 2048;

std::string fmtValue(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// ValueError "rv_<dist>: <what> must be <rule>, got <value>" on the first bad value.
template <typename Ok>
void check(Dist d, const char *what, const char *rule, const Param &p, Ok ok) {
  for (double v : p.values)
    if (std::isnan(v) || !ok(v))
      throw ValueError(std::string("rv_") + distName(d) + ": " + what + " must be " + rule +
                       ", got " + fmtValue(v));
}

void validate(Dist d, const std::vector<Param> &p) {
  auto any = [](double) { return true; };
  auto finite = [](double v) { return std::isfinite(v); };
  auto nonneg = [](double v) { return v >= 0 && std::isfinite(v); };
  auto positive = [](double v) { return v > 0 && std::isfinite(v); };
  switch (d) {
  case Dist::Normal:
  case Dist::LogNormal:
    check(d, "mu", "finite", p[0], finite);
    check(d, "sigma", ">= 0", p[1], nonneg);
    break;
  case Dist::HalfNormal:
    check(d, "sigma", ">= 0", p[0], nonneg);
    break;
  case Dist::Uniform:
    check(d, "lower", "finite", p[0], finite);
    check(d, "upper", "finite", p[1], finite);
    for (size_t i = 0; i < std::max(p[0].values.size(), p[1].values.size()); ++i)
      if (p[0][i] > p[1][i])
        throw ValueError("rv_uniform: lower must be <= upper, got lower " + fmtValue(p[0][i]) +
                         " > upper " + fmtValue(p[1][i]));
    break;
  case Dist::Exponential:
    check(d, "lam", "> 0", p[0], positive);
    break;
  case Dist::Gamma:
  case Dist::Beta:
    check(d, "alpha", "> 0", p[0], positive);
    check(d, "beta", "> 0", p[1], positive);
    break;
  case Dist::StudentT:
    check(d, "nu", "> 0", p[0], positive);
    check(d, "mu", "finite", p[1], finite);
    check(d, "sigma", ">= 0", p[2], nonneg);
    break;
  case Dist::Laplace:
    check(d, "mu", "finite", p[0], finite);
    check(d, "b", ">= 0", p[1], nonneg);
    break;
  case Dist::Bernoulli:
    check(d, "p", "in [0, 1]", p[0], [](double v) { return v >= 0 && v <= 1; });
    break;
  case Dist::Poisson:
    check(d, "mu", ">= 0 and below 1e15", p[0], [](double v) { return v >= 0 && v < 1e15; });
    break;
  default:
    (void)any;
    break;
  }
}

/// Words of the main stream for elements [b, e), one 64-bit word each: calls f(i, word).
template <typename F>
void forWords(PhiloxKey key, const PhiloxCounter &base, int64_t b, int64_t e, F f) {
  uint64_t buf[kBatch];
  for (int64_t c = b; c < e; c += kBatch) {
    int64_t m = std::min(kBatch, e - c);
    rng::mainWords64(key, base, c, m, buf);
    for (int64_t k = 0; k < m; ++k)
      f(c + k, buf[k]);
  }
}

/// Standard normals for elements [b, e) into out[i] (ziggurat on word i, fallbacks on
/// sub-stream i), batched: z[0 .. m) holds elements c .. c+m, then done(c, m, z).
template <typename F>
void normalBatches(PhiloxKey key, const PhiloxCounter &base, int64_t b, int64_t e, F done) {
  double z[kBatch];
  for (int64_t c = b; c < e; c += kBatch) {
    int64_t m = std::min(kBatch, e - c);
    rng::standardNormals(key, base, c, m, z);
    done(c, m, z);
  }
}

template <typename T>
void normals(PhiloxKey key, const PhiloxCounter &base, int64_t b, int64_t e, T *out) {
  normalBatches(key, base, b, e, [&](int64_t c, int64_t m, const double *z) {
    for (int64_t k = 0; k < m; ++k)
      out[c + k] = static_cast<T>(z[k]);
  });
}

template <typename T>
void drawScalars(Dist d, const std::vector<Param> &p, int64_t n, PhiloxKey key,
                 const PhiloxCounter &base, T *out) {
  auto sub = [&](int64_t i) { return rng::SubStream(key, base, static_cast<uint64_t>(i)); };
  parallelRange(n, [&](int64_t b, int64_t e) {
    switch (d) {
    case Dist::Normal:
    case Dist::HalfNormal:
    case Dist::LogNormal:
      normalBatches(key, base, b, e, [&](int64_t c, int64_t m, const double *z) {
        T *o = out + c;
        if (d == Dist::Normal && p[0].scalar() && p[1].scalar()) {
          double mu = p[0][0], sigma = p[1][0];
          for (int64_t k = 0; k < m; ++k)
            o[k] = static_cast<T>(mu + sigma * z[k]);
          return;
        }
        for (int64_t k = 0; k < m; ++k) {
          int64_t i = c + k;
          double x = z[k];
          o[k] = static_cast<T>(d == Dist::Normal       ? p[0][i] + p[1][i] * x
                                : d == Dist::HalfNormal ? p[0][i] * std::fabs(x)
                                                        : std::exp(p[0][i] + p[1][i] * x));
        }
      });
      break;
    case Dist::Uniform: {
      double u[kBatch];
      bool scalar = p[0].scalar() && p[1].scalar();
      for (int64_t c = b; c < e; c += kBatch) {
        int64_t m = std::min(kBatch, e - c);
        rng::unitDoubles(key, base, c, m, u);
        T *o = out + c;
        if (scalar) {
          double lo = p[0][0], width = p[1][0] - p[0][0];
          for (int64_t k = 0; k < m; ++k)
            o[k] = static_cast<T>(lo + width * u[k]);
        } else {
          for (int64_t k = 0; k < m; ++k)
            o[k] = static_cast<T>(p[0][c + k] + (p[1][c + k] - p[0][c + k]) * u[k]);
        }
      }
      break;
    }
    case Dist::Exponential:
      forWords(key, base, b, e, [&](int64_t i, uint64_t w) {
        out[i] = static_cast<T>(-std::log(rng::unitOpen(w)) / p[0][i]);
      });
      break;
    case Dist::Laplace:
      forWords(key, base, b, e, [&](int64_t i, uint64_t w) {
        double u = rng::unitOpen(w) - 0.5;
        out[i] = static_cast<T>(p[0][i] -
                                p[1][i] * (u < 0 ? -1.0 : 1.0) * std::log(1 - 2 * std::fabs(u)));
      });
      break;
    case Dist::Bernoulli:
      forWords(key, base, b, e, [&](int64_t i, uint64_t w) {
        out[i] = static_cast<T>(rng::unitOpen(w) < p[0][i] ? 1 : 0);
      });
      break;
    case Dist::Gamma:
      for (int64_t i = b; i < e; ++i)
        out[i] = static_cast<T>(sub(i).gamma(p[0][i]) / p[1][i]);
      break;
    case Dist::Beta:
      for (int64_t i = b; i < e; ++i) {
        rng::SubStream s = sub(i);
        double x = s.gamma(p[0][i]), y = s.gamma(p[1][i]);
        out[i] = static_cast<T>(x / (x + y));
      }
      break;
    case Dist::StudentT:
      for (int64_t i = b; i < e; ++i) {
        rng::SubStream s = sub(i);
        double z = s.normal(), g = 2 * s.gamma(p[0][i] / 2); // chi-square, nu dof
        out[i] = static_cast<T>(p[1][i] + p[2][i] * z / std::sqrt(g / p[0][i]));
      }
      break;
    case Dist::Poisson:
      for (int64_t i = b; i < e; ++i)
        out[i] = static_cast<T>(sub(i).poisson(p[0][i]));
      break;
    default:
      break;
    }
  });
}

/// Counter blocks a draw of n elements uses (the state advances past them).
uint64_t blocksUsed(Dist d, DType dtype, int64_t n) {
  switch (d) {
  case Dist::Uniform:
    return dtype == DType::Float32 ? (n + 3) / 4 : (n + 1) / 2;
  case Dist::Exponential:
  case Dist::Laplace:
  case Dist::Bernoulli:
  case Dist::Categorical:
    return (n + 1) / 2;
  default: // sub-stream keys come from blocks 0 .. n-1
    return static_cast<uint64_t>(n);
  }
}
} // namespace

void setRandomParallelFor(RandomParallelFor pool) { poolRunner.store(pool); }

RandomThreadsScope::RandomThreadsScope(int n) : previous_(tlsThreads) {
  if (n > 0) tlsThreads = n;
}
RandomThreadsScope::~RandomThreadsScope() { tlsThreads = previous_; }

Tensor drawFromState(Dist dist, const std::vector<Tensor> &params, const Shape &shape, DType dtype,
                     uint64_t seedKey, const PhiloxCounter &base, PhiloxCounter *next) {
  std::string op = std::string("rv_") + distName(dist);
  PhiloxKey key = {static_cast<uint32_t>(seedKey), static_cast<uint32_t>(seedKey >> 32)};
  Tensor result = Tensor::empty(dtype, shape);
  int64_t n = shapeSize(shape);
  if (dist == Dist::Categorical) {
    // p is [batch..., k]: event i reads row i of p broadcast to the draw's batch.
    int64_t k = params[0].shape().back();
    Shape rows = shape;
    rows.push_back(k);
    Tensor pt = params[0].astype(DType::Float64);
    std::vector<double> p =
        (pt.ndim() == 1 ? pt : detail::broadcastMaterialize(pt, rows)).toDoubles();
    int64_t nRows = pt.ndim() == 1 ? 1 : n;
    std::vector<double> totals(static_cast<size_t>(nRows), 0.0);
    for (int64_t r = 0; r < nRows; ++r) {
      for (int64_t j = 0; j < k; ++j) {
        double v = p[r * k + j];
        if (!(v >= 0) || !std::isfinite(v))
          throw ValueError(op + ": probabilities must be >= 0 and finite, got " + fmtValue(v));
        totals[r] += v;
      }
      if (!(totals[r] > 0)) throw ValueError(op + ": probabilities sum to " + fmtValue(totals[r]));
    }
    int64_t *out = result.data<int64_t>();
    forWords(key, base, 0, n, [&](int64_t i, uint64_t w) {
      int64_t r = nRows == 1 ? 0 : i;
      const double *row = p.data() + r * k;
      double u = rng::unitOpen(w) * totals[r], acc = 0;
      int64_t j = 0;
      while (j + 1 < k && (acc += row[j]) < u)
        ++j;
      out[i] = j;
    });
  } else if (isMultivariate(dist)) {
    // mu is [batch..., k], the second parameter [batch..., k, k] or [batch..., k]: event e reads
    // the parameters of batch element e (broadcast), one lower-triangular factor each.
    int64_t k = shape.back();
    Shape batch(shape.begin(), shape.end() - 1);
    int64_t events = k == 0 ? 0 : n / k;
    bool batched = params[0].ndim() > 1 || params[1].ndim() > paramCoreRank(dist, 1);
    auto spread = [&](const Tensor &t, int core) {
      Tensor f = t.astype(DType::Float64);
      if (!batched) return f.toDoubles();
      Shape s = batch;
      for (int j = 0; j < core; ++j)
        s.push_back(k);
      return detail::broadcastMaterialize(f, s).toDoubles();
    };
    std::vector<double> mu = spread(params[0], 1),
                        second = spread(params[1], paramCoreRank(dist, 1));
    for (double v : mu)
      if (!std::isfinite(v)) throw ValueError(op + ": mu must be finite, got " + fmtValue(v));
    int64_t factors = batched ? events : 1;
    std::vector<double> l(static_cast<size_t>(factors * k * k), 0.0);
    for (int64_t f = 0; f < factors; ++f) {
      double *lf = l.data() + f * k * k;
      if (dist == Dist::MvNormalDiag) {
        for (int64_t i = 0; i < k; ++i) {
          double s = second[f * k + i];
          if (!(s >= 0)) throw ValueError(op + ": sigma must be >= 0, got " + fmtValue(s));
          lf[i * k + i] = s;
        }
      } else {
        std::vector<double> m(second.begin() + f * k * k, second.begin() + (f + 1) * k * k);
        if (dist == Dist::MvNormal)
          m = LinalgOp(LinalgKind::Cholesky)
                  .perform({Tensor::fromVector(m, Shape{k, k})})[0]
                  .toDoubles();
        std::copy(m.begin(), m.end(), lf);
      }
    }
    std::vector<double> z(static_cast<size_t>(n));
    normals(key, base, 0, n, z.data());
    std::vector<double> x(static_cast<size_t>(n));
    for (int64_t e = 0; e < events; ++e) {
      const double *lf = l.data() + (batched ? e : 0) * k * k;
      const double *me = mu.data() + (batched ? e : 0) * k;
      for (int64_t a = 0; a < k; ++a) {
        double s = me[a];
        for (int64_t b = 0; b <= a; ++b)
          s += lf[a * k + b] * z[e * k + b];
        x[e * k + a] = s;
      }
    }
    result = Tensor::fromVector(x, shape).astype(dtype);
  } else {
    std::vector<Param> p;
    for (const Tensor &t : params) {
      Tensor f = t.astype(DType::Float64);
      p.push_back({shapeSize(f.shape()) == 1 ? f.toDoubles()
                                             : detail::broadcastMaterialize(f, shape).toDoubles()});
    }
    validate(dist, p);
    if (dtype == DType::Float32 && dist == Dist::Uniform) { // 32-bit words: four per block
      float *out = result.data<float>();
      parallelRange(n, [&](int64_t b, int64_t e) {
        float u[kBatch];
        bool scalar = p[0].scalar() && p[1].scalar();
        for (int64_t c = b; c < e; c += kBatch) {
          int64_t m = std::min(kBatch, e - c);
          rng::unitFloats(key, base, c, m, u);
          float *o = out + c;
          if (scalar) {
            double lo = p[0][0], width = p[1][0] - p[0][0];
            for (int64_t k = 0; k < m; ++k)
              o[k] = static_cast<float>(lo + width * static_cast<double>(u[k]));
          } else {
            for (int64_t k = 0; k < m; ++k) {
              double lo = p[0][c + k], hi = p[1][c + k];
              o[k] = static_cast<float>(lo + (hi - lo) * static_cast<double>(u[k]));
            }
          }
        }
      });
    } else if (dtype == DType::Float32) {
      drawScalars(dist, p, n, key, base, result.data<float>());
    } else if (dtype == DType::Int64) {
      drawScalars(dist, p, n, key, base, result.data<int64_t>());
    } else {
      drawScalars(dist, p, n, key, base, result.data<double>());
    }
  }
  if (next) *next = rng::counterAt(base, blocksUsed(dist, dtype, n));
  return result;
}

Tensor drawSamples(Dist dist, const std::vector<Tensor> &params, const Shape &shape, int64_t n,
                   uint64_t seed) {
  std::string op = std::string("sample(") + distName(dist) + ")";
  if (n < 0) throw ValueError(op + ": the number of draws must be >= 0, got " + std::to_string(n));
  Shape outShape{n};
  outShape.insert(outShape.end(), shape.begin(), shape.end());
  // n draws of `shape` are one draw of shape [n] + shape, the parameters broadcast to it.
  DType dtype = isDiscrete(dist) ? DType::Int64 : DType::Float64;
  return drawFromState(dist, params, outShape, dtype, seed, {0, 0, 0, 0}, nullptr);
}

} // namespace graphjit

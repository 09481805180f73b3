// Seeded host sampling behind the rv op's perform and Prob's sample().
// The generator is std::mt19937_64 (its output sequence is fixed by the C++
// standard) and every transformation to a distribution is written out here, so
// draws are the same on every platform and library.
#include "ShapeUtil.h"
#include "graphjit/Ops/Linalg.h"
#include "graphjit/Ops/Random.h"

#include <cmath>
#include <random>

namespace graphjit {

namespace {
class Rng {
public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  /// Uniform on (0, 1): 53 random bits, never 0 or 1.
  double uniform() { return (static_cast<double>(gen_() >> 11) + 0.5) * 0x1.0p-53; }
  /// Standard normal (Marsaglia's polar method).
  double normal() {
    if (hasSpare_) {
      hasSpare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = 2 * uniform() - 1;
      v = 2 * uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double f = std::sqrt(-2 * std::log(s) / s);
    spare_ = v * f;
    hasSpare_ = true;
    return u * f;
  }
  double exponential() { return -std::log(uniform()); }
  /// Gamma(shape a, rate 1): Marsaglia and Tsang, with the a < 1 boost.
  double gamma(double a) {
    if (!(a > 0)) return NAN;
    if (a < 1) return gamma(a + 1) * std::pow(uniform(), 1 / a);
    double d = a - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    for (;;) {
      double x = normal(), v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      double u = uniform();
      if (std::log(u) < 0.5 * x * x + d - d * v + d * std::log(v)) return d * v;
    }
  }
  /// Poisson(mu) by counting unit-rate arrivals before mu (O(mu) per draw).
  double poisson(double mu) {
    if (!(mu >= 0) || !std::isfinite(mu)) return NAN;
    double t = exponential(), k = 0;
    while (t <= mu)
      t += exponential(), k += 1;
    return k;
  }

private:
  std::mt19937_64 gen_;
  bool hasSpare_ = false;
  double spare_ = 0;
};

double drawScalar(Dist d, Rng &r, const double *p) {
  switch (d) {
  case Dist::Normal:
    return p[0] + p[1] * r.normal();
  case Dist::HalfNormal:
    return p[0] * std::fabs(r.normal());
  case Dist::LogNormal:
    return std::exp(p[0] + p[1] * r.normal());
  case Dist::Uniform:
    return p[0] + (p[1] - p[0]) * r.uniform();
  case Dist::Exponential:
    return r.exponential() / p[0];
  case Dist::Gamma:
    return r.gamma(p[0]) / p[1];
  case Dist::Beta: {
    double x = r.gamma(p[0]), y = r.gamma(p[1]);
    return x / (x + y);
  }
  case Dist::StudentT: {
    double z = r.normal(), g = 2 * r.gamma(p[0] / 2); // chi-square with nu degrees of freedom
    return p[1] + p[2] * z / std::sqrt(g / p[0]);
  }
  case Dist::Laplace: {
    double u = r.uniform() - 0.5;
    return p[0] - p[1] * (u < 0 ? -1.0 : 1.0) * std::log(1 - 2 * std::fabs(u));
  }
  case Dist::Bernoulli:
    return r.uniform() < p[0] ? 1 : 0;
  case Dist::Poisson:
    return r.poisson(p[0]);
  default:
    break;
  }
  return NAN;
}

std::vector<double> asDoubles(const Tensor &t) { return t.toDoubles(); }
} // namespace

Tensor drawSamples(Dist dist, const std::vector<Tensor> &params, const Shape &shape, int64_t n,
                   uint64_t seed) {
  std::string op = std::string("sample(") + distName(dist) + ")";
  if (n < 0) throw ValueError(op + ": the number of draws must be >= 0, got " + std::to_string(n));
  Rng rng(seed);
  Shape outShape{n};
  outShape.insert(outShape.end(), shape.begin(), shape.end());
  std::vector<double> out;
  out.reserve(static_cast<size_t>(shapeSize(outShape)));
  if (dist == Dist::Categorical) {
    std::vector<double> p = asDoubles(params[0]);
    double total = 0;
    for (double v : p) {
      if (!(v >= 0))
        throw ValueError(op + ": probabilities must be >= 0, got " + std::to_string(v));
      total += v;
    }
    if (!(total > 0)) throw ValueError(op + ": probabilities sum to " + std::to_string(total));
    for (int64_t i = 0; i < n; ++i) {
      double u = rng.uniform() * total, acc = 0;
      size_t k = 0;
      while (k + 1 < p.size() && (acc += p[k]) < u)
        ++k;
      out.push_back(static_cast<double>(k));
    }
    return Tensor::fromVector(out, outShape).astype(DType::Int64);
  }
  if (isMultivariate(dist)) {
    std::vector<double> mu = asDoubles(params[0]);
    size_t k = mu.size();
    std::vector<double> l(k * k, 0.0);
    if (dist == Dist::MvNormalDiag) {
      std::vector<double> s = asDoubles(params[1]);
      for (size_t i = 0; i < k; ++i)
        l[i * k + i] = s[i];
    } else if (dist == Dist::MvNormalChol) {
      l = asDoubles(params[1]);
    } else {
      l = asDoubles(LinalgOp(LinalgKind::Cholesky).perform({params[1]})[0]);
    }
    std::vector<double> z(k);
    for (int64_t i = 0; i < n; ++i) {
      for (double &v : z)
        v = rng.normal();
      for (size_t a = 0; a < k; ++a) {
        double s = mu[a];
        for (size_t b = 0; b <= a; ++b)
          s += l[a * k + b] * z[b];
        out.push_back(s);
      }
    }
    return Tensor::fromVector(out, outShape);
  }
  // Scalar distributions: parameters broadcast to the rv's shape.
  std::vector<std::vector<double>> p;
  for (const Tensor &t : params)
    p.push_back(detail::broadcastMaterialize(t.astype(DType::Float64), shape).toDoubles());
  int64_t m = shapeSize(shape);
  double args[3];
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      for (size_t a = 0; a < p.size(); ++a)
        args[a] = p[a][j];
      out.push_back(drawScalar(dist, rng, args));
    }
  Tensor t = Tensor::fromVector(out, outShape);
  return isDiscrete(dist) ? t.astype(DType::Int64) : t;
}

} // namespace graphjit

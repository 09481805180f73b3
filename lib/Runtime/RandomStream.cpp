// RandomStream: seeded shared generators with default updates (PyTensor's RandomStream).
#include "graphjit/Runtime/RandomStream.h"
#include "graphjit/Graph/RandomGeneratorType.h"
#include "graphjit/Runtime/Function.h"

namespace graphjit {

uint64_t streamKey(uint64_t seed, uint64_t index) {
  // SplitMix64 of (seed, index): nearby seeds and indices give unrelated keys.
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + index + 0x632BE59BD9B4E019ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

RandomStream::RandomStream(uint64_t seed) : seed_(seed) {}

Var RandomStream::generator(const std::string &name) {
  Var g = shared(randomGeneratorValue(streamKey(seed_, generators_.size())), name);
  generators_.push_back(g);
  return g;
}

Var RandomStream::draw(Dist d, std::vector<Var> params, const std::vector<int64_t> &size,
                       const std::string &name) {
  Var g = generator(name.empty() ? "rng" : name + "_rng");
  Var x = randomVariable(d, g, sizeOf(size), std::move(params), name);
  setDefaultUpdate(g, rvNextRng(x));
  return x;
}

Var RandomStream::normal(const Var &mu, const Var &sigma, const std::vector<int64_t> &size,
                         const std::string &name) {
  return draw(Dist::Normal, {mu, sigma}, size, name);
}
Var RandomStream::uniform(const Var &lower, const Var &upper, const std::vector<int64_t> &size,
                          const std::string &name) {
  return draw(Dist::Uniform, {lower, upper}, size, name);
}
Var RandomStream::halfnormal(const Var &sigma, const std::vector<int64_t> &size,
                             const std::string &name) {
  return draw(Dist::HalfNormal, {sigma}, size, name);
}
Var RandomStream::exponential(const Var &lam, const std::vector<int64_t> &size,
                              const std::string &name) {
  return draw(Dist::Exponential, {lam}, size, name);
}
Var RandomStream::gamma(const Var &alpha, const Var &beta, const std::vector<int64_t> &size,
                        const std::string &name) {
  return draw(Dist::Gamma, {alpha, beta}, size, name);
}
Var RandomStream::poisson(const Var &mu, const std::vector<int64_t> &size,
                          const std::string &name) {
  return draw(Dist::Poisson, {mu}, size, name);
}
Var RandomStream::bernoulli(const Var &p, const std::vector<int64_t> &size,
                            const std::string &name) {
  return draw(Dist::Bernoulli, {p}, size, name);
}

void RandomStream::seed(uint64_t seed) {
  seed_ = seed;
  for (size_t i = 0; i < generators_.size(); ++i)
    setValue(generators_[i], randomGeneratorValue(streamKey(seed, i)));
}

} // namespace graphjit

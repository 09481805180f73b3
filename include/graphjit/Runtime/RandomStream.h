// RandomStream: a seeded source of random variables (PyTensor's RandomStream).
// Each variable it makes draws from its own shared generator, derived from the
// stream's seed, with a default update (the advanced generator), so compile()
// draws afresh at every call; seed() reseeds every generator it made.
#pragma once

#include "graphjit/Ops/Random.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace graphjit {

class RandomStream {
public:
  explicit RandomStream(uint64_t seed = 0);

  /// A fresh shared generator (key derived from the seed and the generator's number), with
  /// no default update: for ops built by hand.
  Var generator(const std::string &name = "rng");
  /// A random variable of `d` with `size` ({} for the parameters' shape); its generator is a
  /// new shared variable whose default update is next_rng.
  Var draw(Dist d, std::vector<Var> params, const std::vector<int64_t> &size = {},
           const std::string &name = "");

  Var normal(const Var &mu, const Var &sigma, const std::vector<int64_t> &size = {},
             const std::string &name = "");
  Var uniform(const Var &lower, const Var &upper, const std::vector<int64_t> &size = {},
              const std::string &name = "");
  Var halfnormal(const Var &sigma, const std::vector<int64_t> &size = {},
                 const std::string &name = "");
  Var exponential(const Var &lam, const std::vector<int64_t> &size = {},
                  const std::string &name = "");
  Var gamma(const Var &alpha, const Var &beta, const std::vector<int64_t> &size = {},
            const std::string &name = "");
  Var poisson(const Var &mu, const std::vector<int64_t> &size = {}, const std::string &name = "");
  Var bernoulli(const Var &p, const std::vector<int64_t> &size = {}, const std::string &name = "");

  /// Reseeds every generator this stream made (as if made by RandomStream(seed)).
  void seed(uint64_t seed);
  /// The shared generators made so far, in order.
  const std::vector<Var> &generators() const { return generators_; }

private:
  uint64_t seed_;
  std::vector<Var> generators_;
};

/// The key of generator number `index` of a stream seeded with `seed` (a SplitMix64 mix).
uint64_t streamKey(uint64_t seed, uint64_t index);

} // namespace graphjit

// RandomGeneratorType: the type of a random generator's state (PyTensor's
// RandomGeneratorType), a value that is not a tensor.
//
// The state is counter-based (Philox4x32-10, Support/Philox.h): a 64-bit key
// (the seed) and a 128-bit counter, no hidden state. A draw is a pure function
// of (key, counter), so the interpreter and compiled code give the same bits,
// and "the next generator" is the same key with the counter advanced. Random
// ops take a generator and return the advanced one next to their draw.
#pragma once

#include "graphjit/Graph/Type.h"
#include "graphjit/Support/Philox.h"

#include <string_view>

namespace graphjit {

class TypeRegistry;

/// The state a generator value holds; immutable (advancing makes a new value).
class RandomGeneratorState : public OpaqueValue {
public:
  RandomGeneratorState(uint64_t key, PhiloxCounter counter) : key_(key), counter_(counter) {}

  uint64_t key() const { return key_; }
  const PhiloxCounter &counter() const { return counter_; }
  /// The key as Philox takes it (low word first).
  PhiloxKey philoxKey() const {
    return {static_cast<uint32_t>(key_), static_cast<uint32_t>(key_ >> 32)};
  }

  TypePtr type() const override;
  /// "rng{key=42, counter=[0,0,0,0]}" (counter words least significant first).
  std::string str() const override;
  bool equals(const OpaqueValue &o) const override;
  size_t hash() const override;

private:
  uint64_t key_;
  PhiloxCounter counter_;
};

/// "rng": values are generator states. filter also converts a scalar integer
/// tensor (a seed >= 0) into a fresh generator, so setValue(g, Tensor::scalar(7,
/// DType::Int64)) reseeds a shared generator.
class RandomGeneratorType : public Type {
public:
  std::string name() const override { return "rng"; }
  Tensor filter(const Tensor &value) const override;
  /// Parses what RandomGeneratorState::str prints.
  Tensor parseValue(std::string_view text) const override;
};

/// The one RandomGeneratorType object.
TypePtr randomGeneratorKind();
/// The type of variables holding a generator (`%g: rng` in text IR).
TensorType rngType();
/// A generator value: key `seed`, counter `counter` (0 for a fresh generator).
Tensor randomGeneratorValue(uint64_t seed, PhiloxCounter counter = {0, 0, 0, 0});
/// The state held by a generator value; TypeError naming what `value` is otherwise.
const RandomGeneratorState &randomGeneratorState(const Tensor &value);

/// Adds "rng" to the type registry (called when it is built).
void registerRandomGeneratorType(TypeRegistry &r);

} // namespace graphjit

// RandomGeneratorType: the generator-state type, its values and their literal form.
#include "graphjit/Graph/RandomGeneratorType.h"
#include "graphjit/Graph/TypeRegistry.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Support/Hash.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>

namespace graphjit {

TypePtr randomGeneratorKind() {
  static const TypePtr kind = std::make_shared<RandomGeneratorType>();
  return kind;
}

TensorType rngType() { return TensorType::of(randomGeneratorKind()); }

TypePtr RandomGeneratorState::type() const { return randomGeneratorKind(); }

std::string RandomGeneratorState::str() const {
  return fmt::format("rng{{key={}, counter=[{},{},{},{}]}}", key_, counter_[0], counter_[1],
                     counter_[2], counter_[3]);
}

bool RandomGeneratorState::equals(const OpaqueValue &o) const {
  const auto *g =
      dynamic_cast<const RandomGeneratorState *>(&o); // a value comparison, not an op property
  return g && g->key_ == key_ && g->counter_ == counter_;
}

size_t RandomGeneratorState::hash() const {
  Hasher h;
  h.u64(key_);
  for (uint32_t w : counter_)
    h.u64(w);
  return static_cast<size_t>(h.finish().lo);
}

Tensor randomGeneratorValue(uint64_t seed, PhiloxCounter counter) {
  return Tensor::opaque(std::make_shared<RandomGeneratorState>(seed, counter));
}

const RandomGeneratorState &randomGeneratorState(const Tensor &value) {
  if (!value.isOpaque() || !value.opaqueValue()->type()->equals(*randomGeneratorKind()))
    throw TypeError("expected a random generator (rng), got " + typeOf(value).str());
  return value.opaqueAs<RandomGeneratorState>();
}

Tensor RandomGeneratorType::filter(const Tensor &value) const {
  if (accepts(value)) return value;
  if (value.ndim() == 0 && !isFloat(value.dtype()) && value.dtype() != DType::Bool) {
    int64_t seed = value.getAsInt64(0);
    if (seed < 0) throw TypeError("expected rng or a seed >= 0, got seed " + std::to_string(seed));
    return randomGeneratorValue(static_cast<uint64_t>(seed));
  }
  throw TypeError("expected rng (or an integer seed to make one), got " + typeOf(value).str());
}

namespace {
/// A tiny cursor over "rng{key=K, counter=[a,b,c,d]}".
class Reader {
public:
  explicit Reader(std::string_view s) : s_(s) {}
  void expect(std::string_view word) {
    skip();
    if (s_.substr(pos_, word.size()) != word) fail("expected '" + std::string(word) + "'");
    pos_ += word.size();
  }
  uint64_t number(uint64_t max) {
    skip();
    size_t start = pos_;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_])) &&
           pos_ - start < 24)
      ++pos_;
    if (start == pos_) fail("expected an unsigned integer");
    std::string digits(s_.substr(start, pos_ - start));
    errno = 0;
    unsigned long long v = std::strtoull(digits.c_str(), nullptr, 10);
    if (errno == ERANGE || v > max) fail("number " + digits + " is out of range");
    return v;
  }
  void end() {
    skip();
    if (pos_ != s_.size()) fail("unexpected text after the value");
  }

private:
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }
  [[noreturn]] void fail(const std::string &what) const {
    throw ValueError("rng literal '" + std::string(s_) + "': " + what + " at offset " +
                     std::to_string(pos_) + " (expected rng{key=K, counter=[c0,c1,c2,c3]})");
  }
  std::string_view s_;
  size_t pos_ = 0;
};
} // namespace

Tensor RandomGeneratorType::parseValue(std::string_view text) const {
  Reader r(text);
  r.expect("rng");
  r.expect("{");
  r.expect("key");
  r.expect("=");
  uint64_t key = r.number(UINT64_MAX);
  r.expect(",");
  r.expect("counter");
  r.expect("=");
  r.expect("[");
  PhiloxCounter c{};
  for (int i = 0; i < 4; ++i) {
    if (i) r.expect(",");
    c[i] = static_cast<uint32_t>(r.number(UINT32_MAX));
  }
  r.expect("]");
  r.expect("}");
  r.end();
  return randomGeneratorValue(key, c);
}

void registerRandomGeneratorType(TypeRegistry &r) {
  r.add("rng", [](const std::vector<TensorType> &params) -> TypePtr {
    if (!params.empty())
      throw TypeError("type rng takes no parameters, got " + std::to_string(params.size()));
    return randomGeneratorKind();
  });
}

} // namespace graphjit

// Text IR parser: a hand-written recursive-descent parser with line/column
// tracking. Every failure is a ParseError; inputs are bounded (nesting depth,
// number lengths, ranks) so that no byte sequence can crash it.
#include "graphjit/Graph/Op.h"
#include "graphjit/Graph/TypeRegistry.h"
#include "graphjit/Ops/Registry.h"
#include "graphjit/Text/TextIR.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>

namespace graphjit {

ParseError::ParseError(const std::string &file, int line, int col, const std::string &message)
    : Error(file + ":" + std::to_string(line) + ":" + std::to_string(col) + ": error: " + message),
      line_(line), col_(col) {}

namespace {
constexpr int kMaxNesting = 64;
constexpr int kMaxRank = 64;

class Parser {
public:
  Parser(std::string_view text, std::string file) : s_(text), file_(std::move(file)) {}

  std::vector<TextFunction> parseModule() {
    std::vector<TextFunction> fns;
    skipSpace();
    while (!atEnd()) {
      fns.push_back(parseFunc());
      skipSpace();
    }
    if (fns.empty()) fail("expected 'func', found end of input");
    return fns;
  }

  // ---- literals (also used on their own for --arg values) ----
  Tensor parseLiteral(DType dtype) {
    auto [vals, shape] = literal();
    return literalTensor(vals, shape, dtype);
  }
  void expectEnd() {
    skipSpace();
    if (!atEnd()) fail("unexpected '" + std::string(1, peek()) + "' after the value");
  }

private:
  std::string_view s_;
  std::string file_;
  size_t pos_ = 0;
  int line_ = 1, col_ = 1;
  std::map<std::string, Var> values_;

  // ---- lexing helpers ----
  bool atEnd() const { return pos_ >= s_.size(); }
  char peek() const { return atEnd() ? '\0' : s_[pos_]; }
  void advance() {
    if (atEnd()) return;
    if (s_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }
  [[noreturn]] void fail(const std::string &msg) const {
    throw ParseError(file_, line_, col_, msg);
  }
  [[noreturn]] void failAt(int line, int col, const std::string &msg) const {
    throw ParseError(file_, line, col, msg);
  }
  std::string found() const {
    if (atEnd()) return "end of input";
    char c = peek();
    if (std::isprint(static_cast<unsigned char>(c))) return "'" + std::string(1, c) + "'";
    return "byte " + std::to_string(static_cast<unsigned char>(c));
  }
  void skipSpace() {
    while (!atEnd()) {
      char c = peek();
      if (c == '#') {
        while (!atEnd() && peek() != '\n')
          advance();
      } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        advance();
      } else {
        break;
      }
    }
  }
  bool accept(char c) {
    skipSpace();
    if (peek() != c) return false;
    advance();
    return true;
  }
  void expect(char c, const std::string &what) { expect(c, what.c_str()); }
  void expect(char c, const char *what) {
    skipSpace();
    if (peek() != c) fail(std::string("expected '") + c + "' " + what + ", found " + found());
    advance();
  }
  static bool isIdentChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  }
  static constexpr size_t kMaxIdentifier = 256;
  /// Reads an identifier; one longer than kMaxIdentifier is an error of its own
  /// (not a confusing complaint about the character after the cut).
  std::string identifierChars(const char *what) {
    int l = line_, c = col_;
    size_t start = pos_;
    while (!atEnd() && isIdentChar(peek())) {
      if (pos_ - start == kMaxIdentifier)
        failAt(l, c,
               std::string(what) + " is longer than " + std::to_string(kMaxIdentifier) +
                   " characters");
      advance();
    }
    return std::string(s_.substr(start, pos_ - start));
  }
  std::string identifier(const char *what) {
    skipSpace();
    std::string id = identifierChars(what);
    if (id.empty()) fail(std::string("expected ") + what + ", found " + found());
    return id;
  }
  void keyword(const char *kw) {
    int l = line_, c = col_;
    std::string w = identifier(kw);
    if (w != kw) failAt(l, c, std::string("expected '") + kw + "', found '" + w + "'");
  }

  // A number token: digits, sign, '.', exponent; or inf/nan words.
  std::string numberToken() {
    skipSpace();
    size_t start = pos_;
    if (peek() == '-' || peek() == '+') advance();
    while (!atEnd() &&
           (isIdentChar(peek()) || peek() == '.' ||
            ((peek() == '-' || peek() == '+') && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E'))) &&
           pos_ - start < 64)
      advance();
    return std::string(s_.substr(start, pos_ - start));
  }
  double toDouble(const std::string &tok, int l, int c) {
    std::string t = tok;
    bool neg = !t.empty() && t[0] == '-';
    std::string body = (neg || (!t.empty() && t[0] == '+')) ? t.substr(1) : t;
    if (body == "inf") return neg ? -INFINITY : INFINITY;
    if (body == "nan") return NAN;
    if (body == "true") return 1;
    if (body == "false") return 0;
    if (body.empty() || !(std::isdigit(static_cast<unsigned char>(body[0])) || body[0] == '.'))
      failAt(l, c, "expected a number, found '" + tok + "'");
    errno = 0;
    char *end = nullptr;
    double v = std::strtod(t.c_str(), &end);
    if (*end != '\0') failAt(l, c, "malformed number '" + tok + "'");
    if (errno == ERANGE && std::isinf(v)) failAt(l, c, "number '" + tok + "' is out of range");
    return v;
  }
  int64_t toInt(const std::string &tok, int l, int c) {
    errno = 0;
    char *end = nullptr;
    if (tok.empty()) failAt(l, c, "expected an integer, found " + found());
    long long v = std::strtoll(tok.c_str(), &end, 10);
    if (*end != '\0' || tok == "-" || tok == "+")
      failAt(l, c, "expected an integer, found '" + tok + "'");
    if (errno == ERANGE) failAt(l, c, "integer '" + tok + "' is out of range");
    return v;
  }
  int64_t integer() {
    skipSpace();
    int l = line_, c = col_;
    return toInt(numberToken(), l, c);
  }

  // ---- types ----
  TensorType type(int depth = 0) {
    skipSpace();
    int l = line_, c = col_;
    std::string dt = identifier("a type such as f64[?,3]");
    DType dtype;
    try {
      dtype = parseDType(dt);
    } catch (const Error &) {
      if (typeRegistry().contains(dt)) return registeredType(dt, l, c, depth);
      std::string known;
      for (const std::string &n : typeRegistry().names())
        known += ", " + n;
      failAt(l, c,
             "unknown type '" + dt +
                 "' (expected a dtype b1, i32, i64, f32 or f64, or a registered type" +
                 (known.empty() ? std::string() : ":" + known.substr(1)) + ")");
    }
    expect('[', "to open the shape of a type");
    Shape shape;
    if (!accept(']')) {
      do {
        skipSpace();
        if (shape.size() >= kMaxRank)
          fail("type has more than " + std::to_string(kMaxRank) + " dims");
        if (accept('?')) {
          shape.push_back(kUnknownDim);
        } else {
          int dl = line_, dc = col_;
          int64_t d = integer();
          if (d < 0) failAt(dl, dc, "dimension must be >= 0 or '?', got " + std::to_string(d));
          shape.push_back(d);
        }
      } while (accept(','));
      expect(']', "to close the shape of a type");
    }
    try {
      return TensorType(dtype, shape);
    } catch (const ShapeError &e) {
      failAt(l, c, e.what());
    }
  }

  /// A type that is not a tensor: `name` or `name<type, ...>`, built by typeRegistry().
  TensorType registeredType(const std::string &name, int l, int c, int depth) {
    if (depth > kMaxNesting) failAt(l, c, "type nested too deeply");
    std::vector<TensorType> params;
    if (accept('<')) {
      do {
        if (params.size() >= 4096) fail("type has too many parameters");
        params.push_back(type(depth + 1));
      } while (accept(','));
      expect('>', "to close the parameters of type '" + name + "'");
    }
    try {
      return TensorType::of(typeRegistry().make(name, params));
    } catch (const Error &e) {
      failAt(l, c, e.what());
    }
  }

  // ---- attributes ----
  AttrValue attrValue() {
    skipSpace();
    int l = line_, c = col_;
    char ch = peek();
    if (ch == '[') {
      advance();
      IntList list;
      if (!accept(']')) {
        do
          list.push_back(integer());
        while (accept(',') && list.size() < 4096);
        expect(']', "to close an integer list");
      }
      return list;
    }
    if (ch == '(') {
      advance();
      IndexList idx;
      if (!accept(')')) {
        do
          idx.push_back(indexEntry());
        while (accept(',') && idx.size() < 4096);
        expect(')', "to close an index list");
      }
      return idx;
    }
    if (ch == '"') {
      advance();
      std::string str;
      while (!atEnd() && peek() != '"') {
        bool escaped = peek() == '\\';
        if (escaped) advance();
        if (peek() == '\n' || atEnd()) break;
        str += escaped && peek() == 'n' ? '\n' : peek();
        advance();
      }
      if (peek() != '"') fail("unterminated string");
      advance();
      return str;
    }
    std::string tok = numberToken();
    if (tok == "true") return true;
    if (tok == "false") return false;
    if (tok.empty()) failAt(l, c, "expected an attribute value, found " + found());
    if (std::isalpha(static_cast<unsigned char>(tok[0])) && tok != "inf" && tok != "nan") {
      try {
        return parseDType(tok);
      } catch (const Error &) {
        failAt(l, c, "unknown attribute value '" + tok + "'");
      }
    }
    if (tok.find_first_of(".eEn") != std::string::npos || tok == "inf" || tok == "-inf")
      return toDouble(tok, l, c);
    return toInt(tok, l, c);
  }
  // An optional signed integer inside an index entry.
  std::optional<int64_t> optionalInt() {
    skipSpace();
    if (peek() == '-' || peek() == '+' || std::isdigit(static_cast<unsigned char>(peek())))
      return integer();
    return std::nullopt;
  }
  IndexEntry indexEntry() {
    std::optional<int64_t> first = optionalInt();
    skipSpace();
    if (peek() != ':') {
      if (!first) fail("expected an index or a slice, found " + found());
      return IndexEntry::at(*first);
    }
    advance();
    std::optional<int64_t> stop = optionalInt(), step;
    if (accept(':')) step = optionalInt();
    return IndexEntry::slice(first, stop, step);
  }
  Attrs attrs() {
    Attrs a;
    if (!accept('{')) return a;
    if (accept('}')) return a;
    do {
      skipSpace();
      int l = line_, c = col_;
      std::string key = identifier("an attribute name");
      if (a.has(key)) failAt(l, c, "attribute '" + key + "' given twice");
      expect('=', "after an attribute name");
      a.set(key, attrValue());
    } while (accept(','));
    expect('}', "to close the attributes");
    return a;
  }

  // ---- literals ----
  // Numbers are kept as tokens until the dtype is known, so that integers stay
  // exact (an int64 above 2^53 never passes through a double).
  struct Token {
    std::string text;
    int line, col;
  };
  struct LiteralShape {
    std::vector<int64_t> counts; ///< elements per list at each depth (-1 = not seen yet)
    int leafDepth = -1;          ///< depth of the numbers (all must agree)
    Shape shape() const { return Shape(counts.begin(), counts.begin() + std::max(leafDepth, 0)); }
  };
  void leafAt(LiteralShape &ls, int depth) {
    if (ls.leafDepth == -1)
      ls.leafDepth = depth;
    else if (ls.leafDepth != depth)
      fail("ragged literal: values at different nesting depths");
  }
  void parseNested(std::vector<Token> &vals, LiteralShape &ls, int depth) {
    skipSpace();
    if (depth > kMaxNesting) fail("literal nested too deeply");
    if (peek() != '[') {
      leafAt(ls, depth);
      int l = line_, c = col_;
      std::string tok = numberToken();
      if (tok.empty()) fail("expected a number or '[', found " + found());
      if (vals.size() > (size_t(1) << 24)) fail("literal too large");
      vals.push_back({std::move(tok), l, c});
      return;
    }
    advance();
    int64_t n = 0;
    if (accept(']')) {
      leafAt(ls, depth + 1);
    } else {
      do {
        parseNested(vals, ls, depth + 1);
        ++n;
      } while (accept(','));
      expect(']', "to close a literal");
    }
    if (static_cast<int>(ls.counts.size()) <= depth) ls.counts.resize(depth + 1, -1);
    if (ls.counts[depth] == -1)
      ls.counts[depth] = n;
    else if (ls.counts[depth] != n)
      fail("ragged literal: a list of " + std::to_string(n) + " elements where others have " +
           std::to_string(ls.counts[depth]));
  }
  /// A literal's tokens and shape.
  std::pair<std::vector<Token>, Shape> literal() {
    std::vector<Token> vals;
    LiteralShape ls;
    parseNested(vals, ls, 0);
    return {std::move(vals), ls.shape()};
  }
  static bool isBoolWord(const std::string &t) { return t == "true" || t == "false"; }
  /// One literal element as `dtype`: no rounding, no clamping, no bool for a number.
  template <typename T> T element(const Token &tok, DType dtype) {
    const std::string &t = tok.text;
    const std::string want = std::string(" (expected a ") + dtypeName(dtype) + " value)";
    if constexpr (std::is_same_v<T, bool>) {
      if (t == "true" || t == "1") return true;
      if (t == "false" || t == "0") return false;
      failAt(tok.line, tok.col, "value '" + t + "' is not a bool: expected true, false, 0 or 1");
    } else {
      if (isBoolWord(t))
        failAt(tok.line, tok.col, "bool literal '" + t + "' where a number is needed" + want);
      if constexpr (std::is_floating_point_v<T>) {
        double v = toDouble(t, tok.line, tok.col);
        if (std::is_same_v<T, float> && std::isfinite(v) && std::fabs(v) > 3.4028234663852886e38)
          failAt(tok.line, tok.col, "value '" + t + "' is out of range for f32");
        return static_cast<T>(v);
      } else {
        constexpr int64_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
        auto range = [&] {
          failAt(tok.line, tok.col,
                 "value '" + t + "' is out of range for " + dtypeName(dtype) + " [" +
                     std::to_string(lo) + ", " + std::to_string(hi) + "]");
        };
        if (t.find_first_of(".eEn") == std::string::npos) {
          errno = 0;
          char *end = nullptr;
          long long v = std::strtoll(t.c_str(), &end, 10);
          if (t.empty() || *end != '\0' || t == "-" || t == "+")
            failAt(tok.line, tok.col, "expected an integer, found '" + t + "'");
          if (errno == ERANGE || v < lo || v > hi) range();
          return static_cast<T>(v);
        }
        // 2.0 or 1e3: an integral value exactly representable below 2^53.
        double v = toDouble(t, tok.line, tok.col);
        if (!std::isfinite(v) || v != std::floor(v))
          failAt(tok.line, tok.col, "value '" + t + "' is not an integer" + want);
        if (v < static_cast<double>(lo) || v > static_cast<double>(hi)) range();
        if (std::fabs(v) > 9007199254740992.0)
          failAt(tok.line, tok.col,
                 "value '" + t + "' is above 2^53: write it as an integer (digits only)");
        return static_cast<T>(v);
      }
    }
  }
  Tensor literalTensor(const std::vector<Token> &vals, const Shape &shape, DType dtype) {
    return dispatchDType(dtype, [&](auto tag) {
      using T = decltype(tag);
      std::vector<T> out;
      out.reserve(vals.size());
      for (const Token &t : vals)
        out.push_back(element<T>(t, dtype));
      return Tensor::fromVector(out, shape);
    });
  }

  // ---- constants of types that are not tensors ----
  /// Does a literal of a non-tensor type start here (rng{...}, (..)), not a tensor one ([..], 2.5,
  /// -inf, true)?
  bool atValueLiteral() {
    char ch = peek();
    if (ch == '[' || ch == '-' || ch == '+' || ch == '.' ||
        std::isdigit(static_cast<unsigned char>(ch)))
      return false;
    size_t end = pos_;
    while (end < s_.size() && isIdentChar(s_[end]))
      ++end;
    std::string_view word = s_.substr(pos_, end - pos_);
    return !(word == "inf" || word == "nan" || word == "true" || word == "false");
  }
  /// The literal's text: everything up to the ':' before its type, brackets and strings balanced.
  std::string rawValueLiteral() {
    size_t start = pos_;
    int depth = 0;
    bool inString = false;
    while (!atEnd()) {
      char ch = peek();
      if (inString) {
        if (ch == '\\')
          advance();
        else if (ch == '"')
          inString = false;
      } else if (ch == '"') {
        inString = true;
      } else if (ch == '(' || ch == '[' || ch == '{' || ch == '<') {
        if (++depth > kMaxNesting) fail("literal nested too deeply");
      } else if (ch == ')' || ch == ']' || ch == '}' || ch == '>') {
        if (--depth < 0) fail("unbalanced '" + std::string(1, ch) + "' in a literal");
      } else if (depth == 0 && (ch == ':' || ch == '\n')) {
        break;
      }
      if (pos_ - start > (size_t(1) << 24)) fail("literal too large");
      advance();
    }
    std::string text(s_.substr(start, pos_ - start));
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
      text.pop_back();
    return text;
  }
  void constantOfType(const std::vector<std::pair<std::string, std::pair<int, int>>> &lhs, int ol,
                      int oc) {
    int ll = line_, lc = col_;
    std::string text = rawValueLiteral();
    expect(':', "before the constant's type");
    TensorType t = type();
    if (lhs.size() != 1) failAt(ol, oc, "a constant defines one value");
    if (t.isTensor())
      failAt(ll, lc,
             "expected a literal such as [1, 2] for type " + t.str() + ", found '" + text + "'");
    Tensor value;
    try {
      value = t.kind->parseValue(text);
    } catch (const Error &e) {
      failAt(ll, lc, e.what());
    }
    if (!t.accepts(value))
      failAt(ll, lc,
             "literal has type " + typeOf(value).str() + ", the declared type is " + t.str());
    define(lhs[0].first, Var::constant(value), lhs[0].second.first, lhs[0].second.second);
  }

  // ---- values ----
  std::string valueName() {
    expect('%', "to start a value name");
    std::string n = identifierChars("a value name");
    if (n.empty()) fail("expected a value name after '%', found " + found());
    return n;
  }
  Var lookup() {
    skipSpace();
    int l = line_, c = col_;
    std::string n = valueName();
    auto it = values_.find(n);
    if (it == values_.end()) failAt(l, c, "use of undefined value '%" + n + "'");
    return it->second;
  }
  void define(const std::string &n, const Var &v, int l, int c) {
    if (!values_.emplace(n, v).second) failAt(l, c, "redefinition of value '%" + n + "'");
    bool numeric = !n.empty() && std::isdigit(static_cast<unsigned char>(n[0]));
    if (!numeric) v->name = n;
  }

  // ---- functions ----
  TextFunction parseFunc() {
    values_.clear();
    TextFunction fn;
    keyword("func");
    expect('@', "before the function name");
    fn.name = identifier("a function name");
    expect('(', "to open the argument list");
    if (!accept(')')) {
      do {
        skipSpace();
        int l = line_, c = col_;
        std::string n = valueName();
        expect(':', "after an argument name");
        TensorType t = type();
        Var in = Var::input(t);
        define(n, in, l, c);
        fn.inputs.push_back(in);
      } while (accept(','));
      expect(')', "to close the argument list");
    }
    expect('-', "('->') after the arguments");
    expect('>', "('->') after the arguments");
    expect('(', "to open the result types");
    std::vector<TensorType> results;
    if (!accept(')')) {
      do
        results.push_back(type());
      while (accept(','));
      expect(')', "to close the result types");
    }
    expect('{', "to open the function body");
    while (true) {
      skipSpace();
      if (peek() == '%') {
        statement();
        continue;
      }
      int l = line_, c = col_;
      std::string w = identifier("a statement or 'return'");
      if (w != "return") failAt(l, c, "expected a statement or 'return', found '" + w + "'");
      break;
    }
    skipSpace();
    int rl = line_, rc = col_;
    if (peek() == '%') {
      do
        fn.outputs.push_back(lookup());
      while (accept(','));
    }
    if (fn.outputs.size() != results.size())
      failAt(rl, rc,
             "return gives " + std::to_string(fn.outputs.size()) +
                 " values, the signature declares " + std::to_string(results.size()));
    for (size_t i = 0; i < results.size(); ++i)
      if (fn.outputs[i].type() != results[i])
        failAt(rl, rc,
               "result " + std::to_string(i) + " has type " + fn.outputs[i].type().str() +
                   ", the signature declares " + results[i].str());
    expect('}', "to close the function body");
    return fn;
  }

  void statement() {
    std::vector<std::pair<std::string, std::pair<int, int>>> lhs;
    do {
      skipSpace();
      int l = line_, c = col_;
      lhs.push_back({valueName(), {l, c}});
    } while (accept(','));
    expect('=', "after the defined values");
    skipSpace();
    int ol = line_, oc = col_;
    std::string opName = identifier("an op name or 'constant'");
    if (opName == "constant") {
      skipSpace();
      int ll = line_, lc = col_;
      if (atValueLiteral()) {
        constantOfType(lhs, ol, oc);
        return;
      }
      auto [vals, shape] = literal();
      expect(':', "before the constant's type");
      TensorType t = type();
      if (lhs.size() != 1) failAt(ol, oc, "a constant defines one value");
      if (!t.isTensor())
        failAt(ll, lc,
               "a tensor literal for a constant of type " + t.str() +
                   " (write the value as it prints)");
      if (t.shape != shape)
        failAt(ll, lc,
               "literal has shape " + shapeStr(shape) + ", the declared type is " + t.str());
      Tensor value = literalTensor(vals, shape, t.dtype);
      define(lhs[0].first, Var::constant(value), lhs[0].second.first, lhs[0].second.second);
      return;
    }
    if (!opRegistry().contains(opName)) failAt(ol, oc, "unknown op '" + opName + "'");
    Attrs a = attrs();
    expect('(', "to open the operand list");
    std::vector<Var> operands;
    if (!accept(')')) {
      do
        operands.push_back(lookup());
      while (accept(',') && operands.size() < 4096);
      expect(')', "to close the operand list");
    }
    expect(':', "before the result types");
    std::vector<TensorType> declared;
    do
      declared.push_back(type());
    while (accept(','));
    std::vector<Var> outs;
    try {
      outs = applyOp(opRegistry().make(opName, a), operands);
    } catch (const std::exception &e) {
      failAt(ol, oc, e.what());
    }
    if (outs.size() != lhs.size())
      failAt(ol, oc,
             "'" + opName + "' has " + std::to_string(outs.size()) + " results, " +
                 std::to_string(lhs.size()) + " names given");
    if (declared.size() != outs.size())
      failAt(ol, oc,
             "'" + opName + "' has " + std::to_string(outs.size()) + " results, " +
                 std::to_string(declared.size()) + " types given");
    for (size_t i = 0; i < outs.size(); ++i) {
      if (outs[i].type() != declared[i])
        failAt(ol, oc,
               "'" + opName + "' result " + std::to_string(i) + " has type " +
                   outs[i].type().str() + ", declared " + declared[i].str());
      define(lhs[i].first, outs[i], lhs[i].second.first, lhs[i].second.second);
    }
  }
};
} // namespace

std::vector<TextFunction> parseModule(std::string_view text, const std::string &filename) {
  Parser p(text, filename);
  return p.parseModule();
}

TextFunction parseFunction(std::string_view text, const std::string &filename) {
  std::vector<TextFunction> fns = parseModule(text, filename);
  if (fns.size() != 1)
    throw ParseError(filename, 1, 1, "expected one function, found " + std::to_string(fns.size()));
  return fns[0];
}

Tensor parseTensorLiteral(std::string_view text, DType dtype) {
  Parser p(text, "<literal>");
  try {
    Tensor t = p.parseLiteral(dtype);
    p.expectEnd();
    return t;
  } catch (const ParseError &e) {
    throw ValueError(std::string("bad literal: ") + e.what());
  }
}

} // namespace graphjit

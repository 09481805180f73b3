// Pattern rules written as text: "add(x, x) -> mul(2, x)". Lowercase names
// bind subgraphs (the same name must bind the same variable), numbers match
// constants whose elements all equal them (through rank-aligning dimshuffles),
// and op names are elementwise functions. The replacement is built with the
// same elementwise builders users call, so ranks and dtypes follow the usual rules.
#include "graphjit/Rewrite/Pattern.h"
#include "Rules.h"

#include <algorithm>

#include "graphjit/Ops/Elemwise.h"
#include "graphjit/Support/Error.h"

#include <cctype>
#include <cstdlib>
#include <map>
#include <memory>

namespace graphjit {

using rewrite::isSplat;
using rewrite::one;
using rewrite::producer;

namespace {
struct Term {
  enum Kind { Op, Name, Number } kind;
  std::string text; // op or variable name
  double value = 0;
  std::vector<std::shared_ptr<Term>> args;
};
using TermPtr = std::shared_ptr<Term>;

class TermParser {
public:
  explicit TermParser(const std::string &s) : s_(s) {}
  TermPtr parse() {
    TermPtr t = term();
    skip();
    if (pos_ != s_.size()) fail("unexpected text");
    return t;
  }

private:
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
      ++pos_;
  }
  [[noreturn]] void fail(const std::string &why) {
    throw ValueError("rewrite pattern '" + s_ + "': " + why + " at position " +
                     std::to_string(pos_));
  }
  TermPtr term() {
    skip();
    auto t = std::make_shared<Term>();
    if (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) ||
                             s_[pos_] == '-' || s_[pos_] == '.')) {
      char *end = nullptr;
      t->kind = Term::Number;
      t->value = std::strtod(s_.c_str() + pos_, &end);
      if (end == s_.c_str() + pos_) fail("expected a number");
      pos_ = static_cast<size_t>(end - s_.c_str());
      return t;
    }
    size_t start = pos_;
    while (pos_ < s_.size() &&
           (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
      ++pos_;
    if (start == pos_) fail("expected a name, a number or an op");
    t->text = s_.substr(start, pos_ - start);
    skip();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      ++pos_;
      t->kind = Term::Op;
      ScalarFn fn;
      if (!scalarFnFromName(t->text, fn)) fail("'" + t->text + "' is not an elementwise op");
      do
        t->args.push_back(term());
      while (skipIs(','));
      if (!skipIs(')')) fail("expected ')'");
      return t;
    }
    t->kind = Term::Name;
    return t;
  }
  bool skipIs(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  std::string s_;
  size_t pos_ = 0;
};

bool match(const TermPtr &t, const Var &v, std::map<std::string, Var> &bound) {
  switch (t->kind) {
  case Term::Number:
    return isSplat(v, t->value);
  case Term::Name: {
    auto [it, inserted] = bound.emplace(t->text, v);
    return inserted || it->second == v;
  }
  case Term::Op: {
    Apply *a = producer(v, t->text.c_str());
    if (!a || a->inputs().size() != t->args.size()) return false;
    for (size_t i = 0; i < t->args.size(); ++i)
      if (!match(t->args[i], a->input(static_cast<int>(i)), bound)) return false;
    return true;
  }
  }
  return false;
}

/// Builds the replacement; numbers take the dtype of the first bound variable next to them.
Var build(const TermPtr &t, const std::map<std::string, Var> &bound, const Var &like) {
  switch (t->kind) {
  case Term::Number:
    return scalarLike(t->value, like);
  case Term::Name:
    return bound.at(t->text);
  case Term::Op: {
    // Find a variable argument first so that numbers beside it get its dtype.
    Var anchor = like;
    for (const TermPtr &a : t->args)
      if (a->kind == Term::Name) anchor = bound.at(a->text);
    std::vector<Var> args;
    for (const TermPtr &a : t->args)
      args.push_back(build(a, bound, anchor));
    ScalarFn fn;
    scalarFnFromName(t->text, fn);
    return elemwise(fn, args);
  }
  }
  return Var();
}

/// Names used by a term.
void namesOf(const TermPtr &t, std::vector<std::string> &out) {
  if (t->kind == Term::Name) out.push_back(t->text);
  for (const TermPtr &a : t->args)
    namesOf(a, out);
}
} // namespace

NodeRewriter patternRule(const std::string &name, const std::string &tag, const std::string &rule,
                         std::function<bool(const std::map<std::string, Var> &)> constraint) {
  size_t arrow = rule.find("->");
  if (arrow == std::string::npos)
    throw ValueError("rewrite pattern '" + rule + "': expected 'pattern -> replacement'");
  TermPtr from = TermParser(rule.substr(0, arrow)).parse(),
          to = TermParser(rule.substr(arrow + 2)).parse();
  if (from->kind != Term::Op)
    throw ValueError("rewrite pattern '" + rule + "': the pattern must be an op");
  std::vector<std::string> fromNames, toNames;
  namesOf(from, fromNames);
  namesOf(to, toNames);
  for (const std::string &n : toNames)
    if (std::find(fromNames.begin(), fromNames.end(), n) == fromNames.end())
      throw ValueError("rewrite pattern '" + rule + "': '" + n + "' is not bound by the pattern");
  auto apply = [from, to, constraint](Apply &node) -> std::vector<Var> {
    std::map<std::string, Var> bound;
    if (!match(from, node.output(0), bound)) return {};
    if (constraint && !constraint(bound)) return {};
    return one(build(to, bound, node.output(0)));
  };
  return NodeRewriter{name, {tag}, {from->text}, rule, "", apply};
}

} // namespace graphjit

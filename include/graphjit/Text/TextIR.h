// The text IR: an SSA form of graphs that prints and parses back to the same
// graph. One op per line, every value typed:
//
//   func @f(%x: f64[?,3], %b: f64[3]) -> (f64[?,3]) {
//     %0 = exp(%x) : f64[?,3]
//     %1 = dimshuffle{ndim=1, order=[-1,0]}(%b) : f64[1,3]
//     %y = add(%0, %1) : f64[?,3]
//     return %y
//   }
//
// Ops are generic (`name{attrs}(operands)`) and rebuilt through opRegistry(),
// so every registered op round-trips without code here. See docs/text-ir.md.
#pragma once

#include "graphjit/Graph/Variable.h"
#include "graphjit/Support/Error.h"

#include <string>
#include <string_view>
#include <vector>

namespace graphjit {

/// A named function: typed inputs and the outputs computed from them.
struct TextFunction {
  std::string name;
  std::vector<Var> inputs;
  std::vector<Var> outputs;
};

/// A parse error; what() is "file:line:col: error: message".
class ParseError : public Error {
public:
  ParseError(const std::string &file, int line, int col, const std::string &message);
  int line() const { return line_; }
  int col() const { return col_; }

private:
  int line_, col_;
};

/// Prints one function. Value names come from variable names where they are
/// valid and unique, else numbers. Throws ValueError for shared variables.
std::string printFunction(const TextFunction &fn);
/// Prints several functions, separated by blank lines.
std::string printModule(const std::vector<TextFunction> &fns);

/// Parses every function in `text`. Throws ParseError (with file, line and
/// column) for malformed input, never crashes, whatever the bytes.
std::vector<TextFunction> parseModule(std::string_view text,
                                      const std::string &filename = "<input>");
/// Parses text holding exactly one function.
TextFunction parseFunction(std::string_view text, const std::string &filename = "<input>");

/// Parses a value literal such as `[[1, 2], [3, 4]]`, `2.5`, `true`, `-inf`
/// into a tensor of `dtype` (shape from the nesting). Throws ValueError.
Tensor parseTensorLiteral(std::string_view text, DType dtype = DType::Float64);

} // namespace graphjit

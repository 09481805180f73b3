// Typed exceptions for user-facing misuse: each message names the op or
// place, and says what was expected and what was got.
#pragma once

#include <stdexcept>
#include <string>

namespace graphjit {

/// Base of every exception graphjit throws on bad input.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Wrong dtype or incompatible static type at graph build time.
class TypeError : public Error {
public:
  using Error::Error;
};

/// Shapes that do not fit (broadcasting, matmul, reshape), at build or call time.
class ShapeError : public Error {
public:
  using Error::Error;
};

/// Index out of range, bad axis.
class IndexError : public Error {
public:
  using Error::Error;
};

/// A bad value or argument (wrong argument count, malformed parameter).
class ValueError : public Error {
public:
  using Error::Error;
};

/// An operation that is not supported (no gradient, no lowering, ...).
class NotImplementedError : public Error {
public:
  using Error::Error;
};

} // namespace graphjit

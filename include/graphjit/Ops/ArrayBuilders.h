// NumPy array functions that PyTensor also composes from other ops: linspace, logspace,
// broadcast_arrays, var, std, tile, repeat, roll. No op of their own: each is a builder.
#pragma once

#include "graphjit/Graph/Variable.h"
#include "graphjit/Ops/Reduce.h"

#include <optional>
#include <vector>

namespace graphjit {

/// num evenly spaced values over [start, stop] (or [start, stop) without endpoint), a constant.
Var linspace(double start, double stop, int64_t num = 50, bool endpoint = true,
             DType dtype = DType::Float64);
/// base ** linspace(start, stop, num, endpoint), a constant.
Var logspace(double start, double stop, int64_t num = 50, bool endpoint = true, double base = 10.0,
             DType dtype = DType::Float64);
/// Every input broadcast to their common shape (NumPy rules; a dim stretches where its type says
/// 1).
std::vector<Var> broadcast_arrays(const std::vector<Var> &xs);
/// Variance with `ddof` delta degrees of freedom: sum((x - mean)^2) / (n - ddof).
Var var(const Var &x, Axes axis = std::nullopt, bool keepdims = false, int64_t ddof = 0);
/// sqrt(var(x, ...)).
Var std(const Var &x, Axes axis = std::nullopt, bool keepdims = false, int64_t ddof = 0);
/// x repeated reps[i] times along axis i (reps longer than x.ndim adds leading axes).
Var tile(const Var &x, const IntList &reps);
/// Each element repeated `repeats` times along `axis` (none: over the flattened x).
/// Needs the length of that axis to be static.
Var repeat(const Var &x, int64_t repeats, std::optional<int64_t> axis = std::nullopt);
/// Elements shifted by `shift` along `axis` (none: over the flattened x), wrapping around.
/// With an unknown axis length |shift| must not exceed it.
Var roll(const Var &x, int64_t shift, std::optional<int64_t> axis = std::nullopt);

} // namespace graphjit

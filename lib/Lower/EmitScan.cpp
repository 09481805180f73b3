// scan -> one function with an scf.for (scf.while for `until`) whose iter_args are the states.
#include "Emitter.h"

#include "graphjit/ControlFlow/Scan.h"
#include "graphjit/Lower/LowerLoop.h"
#include "graphjit/Support/Error.h"

#include <unordered_map>

namespace graphjit {

using namespace lower;

namespace {
/// The body's values live inside the loop region; the loop's own names carry this
/// prefix, which no emitter's fresh names use, so the two never collide.
const std::string P = "%scan_";

TensorType rowOf(const TensorType &t) {
  return TensorType(t.dtype, Shape(t.shape.begin() + 1, t.shape.end()));
}
TensorType stackedOf(const TensorType &row) {
  Shape s{kUnknownDim};
  s.insert(s.end(), row.shape.begin(), row.shape.end());
  return TensorType(row.dtype, s);
}

/// Writes the loop function; `out` collects the text.
class ScanLoopWriter {
public:
  ScanLoopWriter(const Apply &node, std::ostringstream &out)
      : op_(static_cast<const ScanOp &>(node.op())), l_(op_.layout()), out_(out) {
    for (const Var &in : node.inputs())
      inTypes_.push_back(in.type());
  }

  /// A tensor value `v` of type `from` as type `to` (a tensor.cast when they differ in dims).
  std::string castTo(const std::string &v, const TensorType &from, const TensorType &to) {
    if (tensorType(from) == tensorType(to)) return v;
    std::string n = name("cast");
    out_ << "  " << n << " = tensor.cast " << v << " : " << tensorType(from) << " to "
         << tensorType(to) << "\n";
    return n;
  }

  std::string name(const std::string &hint) { return P + hint + std::to_string(counter_++); }

  std::string index(int64_t c) {
    std::string n = name("c");
    out_ << "  " << n << " = arith.constant " << c << " : index\n";
    return n;
  }

  /// The sizes of dims [from, ndim) of `v` (type `t`) as "1, 3, %d" for a slice.
  std::string sizes(const std::string &v, const TensorType &t, int from) {
    std::string s;
    for (int d = from; d < t.ndim(); ++d) {
      std::string size = std::to_string(t.shape[d]);
      if (t.shape[d] == kUnknownDim) {
        std::string axis = index(d);
        size = name("dim");
        out_ << "  " << size << " = tensor.dim " << v << ", " << axis << " : " << tensorType(t)
             << "\n";
      }
      s += ", " + size;
    }
    return s;
  }

  /// Row `at` of `v` (type `t`), rank-reduced.
  std::string rowAt(const std::string &v, const TensorType &t, const std::string &at) {
    std::string offs = at, ones = "1";
    for (int d = 1; d < t.ndim(); ++d) {
      offs += ", 0";
      ones += ", 1";
    }
    std::string sz = sizes(v, t, 1), n = name("row");
    out_ << "  " << n << " = tensor.extract_slice " << v << "[" << offs << "] [1" << sz << "] ["
         << ones << "] : " << tensorType(t) << " to " << tensorType(rowOf(t)) << "\n";
    return n;
  }

  /// `row` (type `rt`) written into row `at` of `dst` (type stackedOf(rt)).
  std::string insertRow(const std::string &row, const TensorType &rt, const std::string &dst,
                        const std::string &at) {
    std::string offs = at, ones = "1";
    for (int d = 0; d < rt.ndim(); ++d) {
      offs += ", 0";
      ones += ", 1";
    }
    std::string sz = sizes(row, rt, 0), n = name("ins");
    out_ << "  " << n << " = tensor.insert_slice " << row << " into " << dst << "[" << offs
         << "] [1" << sz << "] [" << ones << "] : " << tensorType(rt) << " into "
         << tensorType(stackedOf(rt)) << "\n";
    return n;
  }

  /// Scalar `v` written at `at` of the vector `dst` (type `t`).
  std::string insertScalar(const std::string &v, const TensorType &t, const std::string &dst,
                           const std::string &at) {
    std::string n = name("ins");
    out_ << "  " << n << " = tensor.insert " << v << " into " << dst << "[" << at
         << "] : " << tensorType(t) << "\n";
    return n;
  }

  /// When every value of the body is a scalar and every node elementwise: its code on scalar
  /// SSA values into `text` (inputs named `bodyIn`, the taps read the iter_args `args`), and
  /// the names of its outputs. False (nothing usable written) otherwise.
  bool scalarBodyOf(const FunctionGraph &fg, const std::vector<std::string> &bodyIn,
                    const std::vector<std::string> &args, std::ostringstream &text,
                    std::vector<std::string> &outs);

  std::string write(const std::string &fnName, LoweredFunction &result);

private:
  const ScanOp &op_;
  const ScanLayout &l_;
  std::ostringstream &out_;
  std::vector<TensorType> inTypes_;
  int counter_ = 0;
};

bool ScanLoopWriter::scalarBodyOf(const FunctionGraph &fg, const std::vector<std::string> &bodyIn,
                                  const std::vector<std::string> &args, std::ostringstream &text,
                                  std::vector<std::string> &outs) {
  for (const Var &v : fg.inputs())
    if (v.ndim() != 0) return false;
  for (const Var &v : fg.outputs())
    if (v.ndim() != 0) return false;
  std::unordered_map<const Variable *, std::string> value;
  const int S = l_.numSeqs;
  size_t at = 0;
  for (int s = 0; s < S; ++s, ++at)
    value[fg.inputs()[at].get()] = bodyIn[at];
  size_t argAt = 0;
  for (int r = 0; r < l_.numStates(); ++r) {
    int rows = l_.bufferRows(r);
    for (int64_t tap : l_.taps[r])
      value[fg.inputs()[at++].get()] = args[argAt + rows + tap];
    argAt += rows;
  }
  for (; at < fg.inputs().size(); ++at)
    value[fg.inputs()[at].get()] = bodyIn[at];
  EmitContext ctx; // fresh names only ("%s0", ...): never "%scan_"
  auto operand = [&](const Var &v) -> std::string {
    auto it = value.find(v.get());
    if (it != value.end()) return it->second;
    std::string literal;
    if (v.ndim() != 0 || !scalarConstantLiteral(v, literal)) return "";
    std::string c = name("k");
    text << "  " << c << " = arith.constant " << literal << " : " << mlirElementType(v.dtype())
         << "\n";
    return value[v.get()] = c;
  };
  for (Apply *node : fg.toposort()) {
    std::string literal;
    if (node->numOutputs() == 1 && scalarConstantLiteral(node->output(0), literal)) continue;
    if (!isElemwiseLowering(node->op().name()) || node->numOutputs() != 1 ||
        node->output(0).ndim() != 0)
      return false;
    std::vector<std::string> ops;
    for (const Var &in : node->inputs()) {
      ops.push_back(operand(in));
      if (ops.back().empty()) return false;
    }
    value[node->output(0).get()] = emitScalarElemwise(ctx, text, *node, ops);
  }
  for (const Var &v : fg.outputs()) {
    outs.push_back(operand(v));
    if (outs.back().empty()) return false;
  }
  return true;
}

std::string ScanLoopWriter::write(const std::string &fnName, LoweredFunction &result) {
  const InnerGraph &body = op_.body();
  const auto &bin = body.inputs();
  const auto &bout = body.outputs();
  for (const Var &v : bin)
    if (!v.type().isTensor())
      throw NotImplementedError("scan: a body input is not a tensor: host loop");
  for (const Var &v : bout)
    if (!v.type().isTensor())
      throw NotImplementedError("scan: a body output is not a tensor: host loop");
  const int S = l_.numSeqs, R = l_.numStates(), O = l_.numOutputs();

  // The body first (into its own context), so that a body that cannot lower refuses early.
  FunctionGraph bodyGraph(bin, bout, false);
  EmitContext ctx;
  std::vector<std::string> bodyIn(bin.size());
  for (size_t k = 0; k < bin.size(); ++k) {
    bodyIn[k] = name("bin");
    ctx.bind(bin[k], bodyIn[k]);
  }
  // The region's names of the iter_args: each state's buffer, then each stacked output.
  std::vector<std::string> args;
  for (int r = 0; r < R; ++r)
    for (int k = 0; k < l_.bufferRows(r); ++k)
      args.push_back(name("arg"));
  for (int o = 0; o < O; ++o)
    args.push_back(name("arg"));
  // A body of scalars and elementwise ops runs on scalar SSA values: no tensor (and no
  // buffer) per step, so the loop is as tight as a hand-written one.
  std::ostringstream scalarBody;
  std::vector<std::string> scalarOut;
  const bool scalar = scalarBodyOf(bodyGraph, bodyIn, args, scalarBody, scalarOut);
  if (!scalar) {
    emitNodes(ctx, bodyGraph);
    for (const Var &v : bout)
      emitConstant(ctx, v);
  }
  for (Apply *a : bodyGraph.toposort()) {
    for (int k = 0; k < a->numOutputs(); ++k)
      if (!a->output(k).type().isTensor())
        throw NotImplementedError("scan: the body makes a value that is not a tensor: host loop");
    // The loop's host side infers row shapes from shapes alone (alloc's are values).
    if (!a->op().shapeValueInputs(a->inputs().size()).empty())
      throw NotImplementedError("scan: a body shape is a value (" + a->op().name() +
                                "): host loop");
  }
  if (!ctx.checks.empty())
    throw NotImplementedError("scan: the body has run-time checks: host loop");
  std::vector<std::string> bodyOut = scalarOut;
  if (!scalar)
    for (const Var &v : bout)
      bodyOut.push_back(ctx.ssa(v));
  auto stateTypeStr = [&](const TensorType &t) {
    return scalar ? mlirElementType(t.dtype) : tensorType(t);
  };
  result.declarations = ctx.declarations;

  // Signature.
  std::string sig = "func.func @" + fnName + "(";
  for (size_t i = 0; i < inTypes_.size(); ++i)
    sig += (i ? ", " : "") + std::string("%in") + std::to_string(i) + ": " +
           tensorType(inTypes_[i]) + kReadOnlyArgument;
  std::vector<TensorType> outRow, outStacked;
  for (int o = 0; o < O; ++o) {
    outRow.push_back(bout[o].type());
    outStacked.push_back(stackedOf(bout[o].type()));
    sig += ", %out" + std::to_string(o) + ": " + memrefType(outStacked.back());
  }
  sig += ", %count: memref<i64>";

  // Before the loop: n, the initial buffers, the (empty) stacked outputs.
  std::string c0 = index(0), c1 = index(1);
  std::string n64 = name("n"), n = name("n");
  out_ << "  " << n64 << " = tensor.extract %in0[] : " << tensorType(inTypes_[0]) << "\n";
  out_ << "  " << n << " = arith.index_cast " << n64 << " : " << mlirElementType(inTypes_[0].dtype)
       << " to index\n";
  std::vector<TensorType> stateType(R);
  std::vector<std::string> inits, iterTypes;
  size_t tap = S;
  for (int r = 0; r < R; ++r) {
    stateType[r] = bin[tap].type();
    tap += l_.taps[r].size();
    std::string init = "%in" + std::to_string(1 + S + r);
    const TensorType &it = inTypes_[1 + S + r];
    int rows = l_.bufferRows(r);
    std::string total = name("rows");
    out_ << "  " << total << " = tensor.dim " << init << ", " << c0 << " : " << tensorType(it)
         << "\n";
    for (int k = 0; k < rows; ++k) {
      std::string back = index(rows - k), at = name("at");
      out_ << "  " << at << " = arith.subi " << total << ", " << back << " : index\n";
      if (scalar) {
        std::string x = name("x");
        out_ << "  " << x << " = tensor.extract " << init << "[" << at << "] : " << tensorType(it)
             << "\n";
        inits.push_back(x);
      } else {
        inits.push_back(castTo(rowAt(init, it, at), rowOf(it), stateType[r]));
      }
      iterTypes.push_back(stateTypeStr(stateType[r]));
    }
  }
  for (int o = 0; o < O; ++o) {
    std::string dyn, dims;
    for (int d = 0; d < outStacked[o].ndim(); ++d)
      if (outStacked[o].shape[d] == kUnknownDim) {
        std::string axis = index(d), size = name("odim");
        out_ << "  " << size << " = memref.dim %out" << o << ", " << axis << " : "
             << memrefType(outStacked[o]) << "\n";
        dyn += (dyn.empty() ? "" : ", ") + size;
      }
    std::string e = name("empty");
    out_ << "  " << e << " = tensor.empty(" << dyn << ") : " << tensorType(outStacked[o]) << "\n";
    inits.push_back(e);
    iterTypes.push_back(tensorType(outStacked[o]));
  }
  std::string types;
  for (size_t j = 0; j < iterTypes.size(); ++j)
    types += (j ? ", " : "") + iterTypes[j];

  if (scalar) // non-sequences are read once, before the loop
    for (int k = 0; k < l_.numNonSeqs; ++k) {
      size_t at = bin.size() - l_.numNonSeqs + k;
      out_ << "  " << bodyIn[at] << " = tensor.extract %in" << (1 + S + R + k)
           << "[] : " << tensorType(inTypes_[1 + S + R + k]) << "\n";
    }
  std::string res = name("res"), i = name("i"), stop = name("stop");
  size_t numRes = inits.size() + (l_.until ? 2 : 0);
  if (!l_.until) {
    out_ << "  " << res << ":" << numRes << " = scf.for " << i << " = " << c0 << " to " << n
         << " step " << c1 << " iter_args(";
    for (size_t j = 0; j < inits.size(); ++j)
      out_ << (j ? ", " : "") << args[j] << " = " << inits[j];
    out_ << ") -> (" << types << ") {\n";
  } else {
    std::string f = name("false"), t = name("true");
    out_ << "  " << f << " = arith.constant false\n  " << t << " = arith.constant true\n";
    std::vector<std::string> before;
    out_ << "  " << res << ":" << numRes << " = scf.while (";
    std::string wi = name("wi"), ws = name("ws");
    out_ << wi << " = " << c0 << ", " << ws << " = " << f;
    for (size_t j = 0; j < inits.size(); ++j) {
      before.push_back(name("warg"));
      out_ << ", " << before.back() << " = " << inits[j];
    }
    out_ << ") : (index, i1" << (types.empty() ? "" : ", " + types) << ") -> (index, i1"
         << (types.empty() ? "" : ", " + types) << ") {\n";
    std::string lt = name("lt"), ns = name("ns"), go = name("go");
    out_ << "  " << lt << " = arith.cmpi slt, " << wi << ", " << n << " : index\n";
    out_ << "  " << ns << " = arith.xori " << ws << ", " << t << " : i1\n";
    out_ << "  " << go << " = arith.andi " << lt << ", " << ns << " : i1\n";
    out_ << "  scf.condition(" << go << ") " << wi << ", " << ws;
    for (const std::string &b : before)
      out_ << ", " << b;
    out_ << " : index, i1" << (types.empty() ? "" : ", " + types) << "\n  } do {\n  ^bb0(" << i
         << ": index, " << stop << ": i1";
    for (size_t j = 0; j < args.size(); ++j)
      out_ << ", " << args[j] << ": " << iterTypes[j];
    out_ << "):\n";
  }

  // Inside: the step index, the body's inputs, the body, the new buffers and rows.
  std::string t = i;
  if (l_.reverse) {
    std::string last = name("last");
    out_ << "  " << last << " = arith.subi " << n << ", " << c1 << " : index\n";
    t = name("t");
    out_ << "  " << t << " = arith.subi " << last << ", " << i << " : index\n";
  }
  for (int s = 0; s < S && scalar; ++s)
    out_ << "  " << bodyIn[s] << " = tensor.extract %in" << (1 + s) << "[" << t
         << "] : " << tensorType(inTypes_[1 + s]) << "\n";
  for (int s = 0; s < S && !scalar; ++s) {
    std::string seq = "%in" + std::to_string(1 + s);
    const TensorType &st = inTypes_[1 + s];
    std::string row = castTo(rowAt(seq, st, t), rowOf(st), bin[s].type());
    out_ << "  " << bodyIn[s] << " = tensor.cast " << row << " : " << tensorType(bin[s].type())
         << " to " << tensorType(bin[s].type()) << "\n";
  }
  size_t at = S, argAt = 0;
  for (int r = 0; r < R && !scalar; ++r) {
    int rows = l_.bufferRows(r);
    for (int64_t tp : l_.taps[r]) {
      const std::string &buf = args[argAt + rows + tp];
      out_ << "  " << bodyIn[at] << " = tensor.cast " << buf << " : " << tensorType(stateType[r])
           << " to " << tensorType(bin[at].type()) << "\n";
      ++at;
    }
    argAt += rows;
  }
  for (int k = 0; k < l_.numNonSeqs && !scalar; ++k, ++at) {
    const TensorType &nt = inTypes_[1 + S + R + k];
    std::string v = "%in" + std::to_string(1 + S + R + k);
    out_ << "  " << bodyIn[at] << " = tensor.cast " << v << " : " << tensorType(nt) << " to "
         << tensorType(bin[at].type()) << "\n";
  }
  out_ << (scalar ? scalarBody.str() : ctx.body.str());
  std::vector<std::string> yields;
  argAt = 0;
  for (int r = 0; r < R; ++r) {
    int rows = l_.bufferRows(r);
    for (int k = 1; k < rows; ++k)
      yields.push_back(args[argAt + k]);
    yields.push_back(scalar ? bodyOut[r] : castTo(bodyOut[r], bout[r].type(), stateType[r]));
    argAt += rows;
  }
  for (int o = 0; o < O; ++o) {
    const std::string &acc = args[argAt + o];
    if (l_.keepLast[o] && o < R) {
      yields.push_back(acc); // written once after the loop, from the last buffer
    } else {
      yields.push_back(scalar
                           ? insertScalar(bodyOut[o], outStacked[o], acc, l_.keepLast[o] ? c0 : t)
                           : insertRow(bodyOut[o], outRow[o], acc, l_.keepLast[o] ? c0 : t));
    }
  }
  std::string prefix = "";
  if (l_.until) {
    const Var &u = bout.back();
    std::string uv = bodyOut.back();
    if (!scalar) {
      uv = name("u");
      out_ << "  " << uv << " = tensor.extract " << bodyOut.back()
           << "[] : " << tensorType(u.type()) << "\n";
    }
    if (u.dtype() != DType::Bool) {
      std::string z = name("z"), b = name("ub");
      out_ << "  " << z << " = arith.constant 0 : " << mlirElementType(u.dtype()) << "\n";
      out_ << "  " << b << " = arith.cmpi ne, " << uv << ", " << z << " : "
           << mlirElementType(u.dtype()) << "\n";
      uv = b;
    }
    std::string next = name("next");
    out_ << "  " << next << " = arith.addi " << i << ", " << c1 << " : index\n";
    prefix = next + ", " + uv;
  }
  out_ << "  scf.yield " << prefix;
  for (size_t j = 0; j < yields.size(); ++j)
    out_ << (j || !prefix.empty() ? ", " : "") << yields[j];
  out_ << (yields.empty() && prefix.empty() ? "" : " : ")
       << (l_.until ? std::string("index, i1") + (types.empty() ? "" : ", ") : "") << types
       << "\n  }\n";

  // After: the kept-last states, the outputs, the step count.
  size_t first = l_.until ? 2 : 0;
  auto result_ = [&](size_t j) { return res + "#" + std::to_string(first + j); };
  argAt = 0;
  std::vector<size_t> newest(R);
  for (int r = 0; r < R; ++r) {
    argAt += l_.bufferRows(r);
    newest[r] = argAt - 1;
  }
  for (int o = 0; o < O; ++o) {
    std::string v = result_(argAt + o);
    if (l_.keepLast[o] && o < R)
      v = scalar ? insertScalar(result_(newest[o]), outStacked[o], v, c0)
                 : insertRow(castTo(result_(newest[o]), stateType[o], outRow[o]), outRow[o], v, c0);
    out_ << "  bufferization.materialize_in_destination " << v << " in restrict writable %out" << o
         << " : (" << tensorType(outStacked[o]) << ", " << memrefType(outStacked[o]) << ") -> ()\n";
  }
  std::string count = l_.until ? res + "#0" : n;
  std::string c64 = name("count"), ct = name("ct");
  out_ << "  " << c64 << " = arith.index_cast " << count << " : index to i64\n";
  out_ << "  " << ct << " = tensor.from_elements " << c64 << " : tensor<i64>\n";
  out_ << "  bufferization.materialize_in_destination " << ct
       << " in restrict writable %count : (tensor<i64>, memref<i64>) -> ()\n";
  return sig + ") {\n" + out_.str() + "  return\n}\n";
}

const std::map<std::string, std::function<LoweredFunction(const Apply &, const std::string &)>> &
loopLowerings() {
  static const std::map<std::string,
                        std::function<LoweredFunction(const Apply &, const std::string &)>>
      table{{"scan", [](const Apply &node, const std::string &fnName) {
               LoweredFunction result;
               std::ostringstream text;
               ScanLoopWriter w(node, text);
               result.function = w.write(fnName, result);
               result.mlir = result.function;
               for (const std::string &d : result.declarations)
                 result.mlir += d + "\n";
               return result;
             }}};
  return table;
}
} // namespace

bool hasLoopLowering(const std::string &opName) { return loopLowerings().count(opName) > 0; }

LoweredFunction lowerLoop(const Apply &node, const std::string &name) {
  auto it = loopLowerings().find(node.op().name());
  if (it == loopLowerings().end())
    throw NotImplementedError("compile: op '" + node.op().name() + "' is not a loop");
  return it->second(node, name);
}

} // namespace graphjit

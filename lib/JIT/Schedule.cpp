// The compiled form of a graph: a schedule of steps over a table of tensors.
// jitCompile partitions the graph, lowers each kernel, finds it in memory or
// on disk or compiles it (in parallel, once per distinct IR), links it, and
// stores the schedule on disk so a later process skips rewriting and lowering.
#include "DiskCache.h"
#include "Kernels.h"
#include "ObjectCode.h"
#include "Partition.h"

#include "graphjit/JIT/JIT.h"
#include "graphjit/Lower/Lower.h"
#include "graphjit/Support/Error.h"
#include "graphjit/Text/TextIR.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fmt/format.h>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <unordered_map>

namespace graphjit {

namespace jit {
namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::atomic<size_t> compiledCount{0};

struct Step {
  std::shared_ptr<JitKernel> kernel;
  std::vector<Slot> inputs, outputs;
  std::vector<Slot> release; // slots whose last use is this step
};

/// Runs the steps in order over a table of tensors.
class ScheduleKernel : public JitKernel {
public:
  ScheduleKernel(const Partition &p, std::vector<Step> steps)
      : numSlots_(p.numSlots), inputSlots_(p.inputSlots), outputSlots_(p.outputSlots), constants_(p.constants),
        steps_(std::move(steps)) {
    std::vector<int> lastUse(numSlots_, -1);
    for (size_t s = 0; s < steps_.size(); ++s)
      for (Slot in : steps_[s].inputs) lastUse[in] = static_cast<int>(s);
    std::vector<bool> isOutput(numSlots_, false);
    for (Slot o : outputSlots_) isOutput[o] = true;
    for (Slot i = 0; i < numSlots_; ++i)
      if (lastUse[i] >= 0 && !isOutput[i]) steps_[lastUse[i]].release.push_back(i);
    fromCaller_.assign(numSlots_, false);
    for (Slot i : inputSlots_) fromCaller_[i] = true;
    for (auto &[slot, value] : constants_) fromCaller_[slot] = true;
  }

  std::vector<Tensor> run(const std::vector<Tensor> &inputs) override {
    if (inputs.size() != inputSlots_.size())
      throw ValueError("JIT: expected " + std::to_string(inputSlots_.size()) + " inputs, got " +
                       std::to_string(inputs.size()));
    std::vector<Tensor> slots(numSlots_);
    for (size_t i = 0; i < inputs.size(); ++i) slots[inputSlots_[i]] = inputs[i];
    for (auto &[slot, value] : constants_) slots[slot] = value;
    std::vector<Tensor> args;
    for (const Step &step : steps_) {
      args.clear();
      for (Slot s : step.inputs) args.push_back(slots[s]);
      std::vector<Tensor> outs = step.kernel->run(args);
      for (size_t o = 0; o < outs.size(); ++o) slots[step.outputs[o]] = std::move(outs[o]);
      for (Slot s : step.release) slots[s] = Tensor();
    }
    // Outputs never alias an input, a constant or each other.
    std::vector<Tensor> result;
    std::vector<bool> handedOut(numSlots_, false);
    for (Slot s : outputSlots_) {
      bool copy = fromCaller_[s] || handedOut[s];
      result.push_back(copy ? slots[s].clone() : slots[s]);
      handedOut[s] = true;
    }
    return result;
  }

private:
  int numSlots_;
  std::vector<Slot> inputSlots_, outputSlots_;
  std::vector<std::pair<Slot, Tensor>> constants_;
  std::vector<Step> steps_;
  std::vector<bool> fromCaller_; // input and constant slots: handed out as copies
};

// --- kernels in memory, by key (released when no schedule uses them) ---------------------------

std::mutex memoryMutex;
std::unordered_map<Hash128, std::weak_ptr<JitKernel>, Hash128Hasher> &kernelsInMemory() {
  static auto *m = new std::unordered_map<Hash128, std::weak_ptr<JitKernel>, Hash128Hasher>();
  return *m;
}
std::shared_ptr<JitKernel> kernelFromMemory(const Hash128 &key) {
  std::lock_guard<std::mutex> lock(memoryMutex);
  auto it = kernelsInMemory().find(key);
  if (it == kernelsInMemory().end()) return nullptr;
  auto k = it->second.lock();
  if (!k) kernelsInMemory().erase(it);
  return k;
}
void rememberKernel(const Hash128 &key, const std::shared_ptr<JitKernel> &k) {
  std::lock_guard<std::mutex> lock(memoryMutex);
  kernelsInMemory()[key] = k;
}

// --- kernels on disk: a small entry per kernel naming its module and function; modules hold objects ---

std::mutex modulesMutex;
std::map<Hash128, std::weak_ptr<LoadedObject>> &modulesInMemory() {
  static auto *m = new std::map<Hash128, std::weak_ptr<LoadedObject>>();
  return *m;
}

std::string encodeKernelEntry(const Hash128 &module, const std::string &symbol,
                              const std::vector<std::string> &checks) {
  std::ostringstream os;
  os << module.hex() << " " << symbol << " " << checks.size() << "\n";
  for (const std::string &c : checks) os << c.size() << "\n" << c;
  return os.str();
}

bool parseHex(const std::string &h, Hash128 &out) {
  if (h.size() != 32) return false;
  auto half = [](const std::string &s, uint64_t &v) {
    v = 0;
    for (char c : s) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<uint64_t>(d);
    }
    return true;
  };
  return half(h.substr(0, 16), out.hi) && half(h.substr(16), out.lo);
}

bool decodeKernelEntry(const std::string &entry, Hash128 &module, std::string &symbol,
                       std::vector<std::string> &checks) {
  std::istringstream is(entry);
  std::string hex;
  size_t n = 0;
  if (!(is >> hex >> symbol >> n) || !parseHex(hex, module) || is.get() != '\n' || n > 1'000'000) return false;
  for (size_t i = 0; i < n; ++i) {
    size_t len = 0;
    if (!(is >> len) || is.get() != '\n' || len > entry.size()) return false;
    std::string c(len, '\0');
    if (!is.read(c.data(), static_cast<std::streamsize>(len))) return false;
    checks.push_back(std::move(c));
  }
  return true;
}

Hash128 scheduleKey(const Hash128 &graphKey) {
  return Hasher().str("schedule").u64(graphKey.hi).u64(graphKey.lo).str(cacheEnvironmentTag()).finish();
}

Hash128 kernelKey(const std::string &mlirFunction) {
  return Hasher().str("kernel").str(mlirFunction).str(cacheEnvironmentTag()).finish();
}

/// The linked module `key`, from memory or disk; null if neither has it.
std::shared_ptr<LoadedObject> moduleFromCache(const std::optional<DiskCache> &disk, const Hash128 &key) {
  {
    std::lock_guard<std::mutex> lock(modulesMutex);
    auto it = modulesInMemory().find(key);
    if (it != modulesInMemory().end())
      if (auto m = it->second.lock()) return m;
  }
  if (!disk) return nullptr;
  auto object = disk->load("module", key);
  if (!object) return nullptr;
  std::shared_ptr<LoadedObject> m;
  try {
    m = loadObject(*object);
  } catch (const Error &) {
    return nullptr; // an object this process cannot link: compile it again
  }
  std::lock_guard<std::mutex> lock(modulesMutex);
  modulesInMemory()[key] = m;
  return m;
}

std::shared_ptr<JitKernel> kernelFromDisk(const std::optional<DiskCache> &disk, const Hash128 &key,
                                          std::shared_ptr<const FunctionGraph> graph) {
  if (!disk) return nullptr;
  auto entry = disk->load("kernel", key);
  if (!entry) return nullptr;
  Hash128 moduleKey;
  std::string symbol;
  std::vector<std::string> checks;
  if (!decodeKernelEntry(*entry, moduleKey, symbol, checks)) return nullptr;
  auto module = moduleFromCache(disk, moduleKey);
  if (!module) return nullptr;
  try {
    return makeCompiledKernel(std::move(graph), module, symbol, std::move(checks));
  } catch (const Error &) {
    return nullptr; // entry missing from the object: compile again
  }
}

// --- settings and stats -------------------------------------------------------------------------

int envInt(const char *name, int fallback) {
  const char *v = std::getenv(name);
  if (!v || !*v) return fallback;
  char *end = nullptr;
  long n = std::strtol(v, &end, 10);
  return end && *end == '\0' && n > 0 && n < 100000 ? static_cast<int>(n) : fallback;
}

int compileThreadCount(const JitOptions &o) {
  if (o.compileThreads > 0) return o.compileThreads;
  int hw = static_cast<int>(std::thread::hardware_concurrency());
  return envInt("GRAPHJIT_NUM_THREADS", hw > 0 ? hw : 1);
}

thread_local CompileStats stats;

// --- the schedule on disk -----------------------------------------------------------------------

struct StoredStep {
  bool host;
  Hash128 key; // kernels only
  const PartStep *part;
};

std::string encodeSchedule(const Partition &p, const std::vector<StoredStep> &steps) {
  std::ostringstream os;
  os << "GJS1 " << p.numSlots << " " << p.inputSlots.size();
  for (Slot s : p.inputSlots) os << " " << s;
  os << " " << p.outputSlots.size();
  for (Slot s : p.outputSlots) os << " " << s;
  os << " " << steps.size() << "\n";
  for (const StoredStep &st : steps) {
    std::string text = printFunction(TextFunction{"step", st.part->graph->inputs(), st.part->graph->outputs()});
    os << (st.host ? "h " : "k ") << (st.host ? std::string(32, '0') : st.key.hex()) << " " << st.part->inputs.size();
    for (Slot s : st.part->inputs) os << " " << s;
    os << " " << st.part->outputs.size();
    for (Slot s : st.part->outputs) os << " " << s;
    os << " " << text.size() << "\n" << text;
  }
  return os.str();
}



bool readSlots(std::istream &is, int numSlots, std::vector<Slot> &out) {
  size_t n = 0;
  if (!(is >> n) || n > static_cast<size_t>(numSlots) + 1) return false;
  out.resize(n);
  for (Slot &s : out)
    if (!(is >> s) || s < 0 || s >= numSlots) return false;
  return true;
}

/// Rebuilds a stored schedule, linking its kernels from memory or disk; null if anything is missing.
std::shared_ptr<JitKernel> decodeSchedule(const std::string &payload, const std::optional<DiskCache> &disk) {
  std::istringstream is(payload);
  std::string magic;
  Partition p;
  size_t nSteps = 0;
  if (!(is >> magic) || magic != "GJS1" || !(is >> p.numSlots) || p.numSlots < 0 || p.numSlots > 100'000'000)
    return nullptr;
  if (!readSlots(is, p.numSlots, p.inputSlots) || !readSlots(is, p.numSlots, p.outputSlots) || !(is >> nSteps))
    return nullptr;
  std::vector<Step> steps;
  for (size_t k = 0; k < nSteps; ++k) {
    std::string kind, hex;
    Step step;
    size_t len = 0;
    Hash128 key;
    if (!(is >> kind >> hex) || !parseHex(hex, key) || !readSlots(is, p.numSlots, step.inputs) ||
        !readSlots(is, p.numSlots, step.outputs) || !(is >> len) || is.get() != '\n' || len > payload.size())
      return nullptr;
    std::string text(len, '\0');
    if (!is.read(text.data(), static_cast<std::streamsize>(len))) return nullptr;
    if (kind == "k") {
      if (auto k = kernelFromMemory(key)) {
        step.kernel = k;
        ++stats.memoryHits;
      }
    }
    if (!step.kernel) {
      std::shared_ptr<FunctionGraph> graph;
      try {
        TextFunction fn = parseFunction(text, "<cached schedule>");
        graph = std::make_shared<FunctionGraph>(fn.inputs, fn.outputs, false);
      } catch (const Error &) {
        return nullptr; // e.g. an op no longer registered
      }
      if (kind == "h") {
        step.kernel = makeHostKernel(graph);
        ++stats.hostSteps;
      } else {
        step.kernel = kernelFromDisk(disk, key, graph);
        if (!step.kernel) return nullptr;
        rememberKernel(key, step.kernel);
        ++stats.diskHits;
      }
    }
    ++stats.steps;
    steps.push_back(std::move(step));
  }
  return std::make_shared<ScheduleKernel>(p, std::move(steps));
}
} // namespace
} // namespace jit

using namespace jit;

CompileStats &currentCompileStats() { return stats; }

bool compileLogEnabled() {
  const char *v = std::getenv("GRAPHJIT_LOG");
  if (!v) return false;
  std::string s(v);
  return s.find("compile") != std::string::npos || s == "all";
}

std::string CompileStats::str() const {
  std::string s = fmt::format("graphjit compile: {:.1f} ms total", total * 1e3);
  if (functionFromMemory) return s + " (function cached in memory)\n";
  s += fmt::format(", {} nodes, {} steps ({} host), {} kernels ({} distinct): {} from memory, {} from disk, "
                   "{} compiled in {} modules{}\n",
                   nodes, steps, hostSteps, kernels, uniqueKernels, memoryHits, diskHits, compiled, modules,
                   scheduleFromDisk ? "; schedule from disk" : "");
  auto line = [&](const char *name, double t) { s += fmt::format("  {:>9.2f} ms  {}\n", t * 1e3, name); };
  line("rewrite", rewrite);
  line("partition", partition);
  line("lower", lower);
  line("MLIR passes (summed over threads)", mlirPasses);
  line("translate to LLVM IR", translate);
  line("LLVM optimization", llvmOpt);
  line("codegen", codegen);
  line("link", link);
  return s;
}

size_t jitCompileCount() { return compiledCount.load(); }

std::shared_ptr<JitKernel> jitLoadCached(const Hash128 &graphKey) {
  auto disk = DiskCache::fromEnvironment();
  if (!disk) return nullptr;
  auto payload = disk->load("schedule", scheduleKey(graphKey));
  if (!payload) return nullptr;
  auto t0 = Clock::now();
  auto k = decodeSchedule(*payload, disk);
  stats.link += since(t0);
  if (k) stats.scheduleFromDisk = true;
  return k;
}

std::shared_ptr<JitKernel> jitCompile(std::shared_ptr<const FunctionGraph> fg, const Hash128 *graphKey,
                                      const JitOptions &options) {
  auto t0 = Clock::now();
  int maxNodes = options.maxKernelNodes > 0 ? options.maxKernelNodes : envInt("GRAPHJIT_KERNEL_NODES", 32);
  Partition part = partitionGraph(*fg, maxNodes);
  stats.nodes += fg->numNodes();
  stats.partition += since(t0);
  auto disk = DiskCache::fromEnvironment();

  // Lower every kernel; equal IR means one compile.
  t0 = Clock::now();
  struct Unique {
    Hash128 key;
    LoweredFunction lowered;
    std::shared_ptr<const FunctionGraph> graph;
    std::shared_ptr<JitKernel> kernel;
  };
  std::vector<Unique> uniques;
  std::map<Hash128, size_t> uniqueOf;
  std::vector<size_t> uniqueOfStep(part.steps.size()); // kernels only
  std::vector<Hash128> stepKeys(part.steps.size());
  for (size_t s = 0; s < part.steps.size(); ++s) {
    const PartStep &ps = part.steps[s];
    if (ps.host) continue;
    LoweredFunction lowered = lowerFunction(*ps.graph, "kernel");
    Hash128 key = kernelKey(lowered.mlir);
    stepKeys[s] = key;
    auto [it, fresh] = uniqueOf.emplace(key, uniques.size());
    if (fresh) uniques.push_back({key, std::move(lowered), ps.graph, nullptr});
    uniqueOfStep[s] = it->second;
    ++stats.kernels;
  }
  stats.uniqueKernels += uniques.size();
  stats.lower += since(t0);

  // Memory, then disk, then compile what is left.
  t0 = Clock::now();
  std::vector<size_t> toCompile;
  for (size_t u = 0; u < uniques.size(); ++u) {
    Unique &q = uniques[u];
    if ((q.kernel = kernelFromMemory(q.key))) {
      ++stats.memoryHits;
    } else if ((q.kernel = kernelFromDisk(disk, q.key, q.graph))) {
      ++stats.diskHits;
      rememberKernel(q.key, q.kernel);
    } else {
      toCompile.push_back(u);
    }
  }
  stats.link += since(t0);
  if (!toCompile.empty()) {
    // Kernels share modules (one module's fixed costs for several small functions), as many
    // modules as threads at least, so that both cores compile.
    int nThreads = compileThreadCount(options);
    size_t totalNodes = 0;
    for (size_t u : toCompile) totalNodes += uniques[u].graph->numNodes();
    const size_t moduleNodes = 48; // measured: one module per kernel cost 15% more instructions
    size_t nModules = std::max((totalNodes + moduleNodes - 1) / moduleNodes,
                               std::min<size_t>(static_cast<size_t>(nThreads), toCompile.size()));
    struct Module {
      std::vector<size_t> kernels; // indices into uniques
      std::vector<std::string> names;
      std::string text, object;
      Hash128 key;
    };
    std::vector<Module> modules(1);
    size_t perModule = (totalNodes + nModules - 1) / nModules, filled = 0;
    for (size_t u : toCompile) {
      size_t n = uniques[u].graph->numNodes();
      if (!modules.back().kernels.empty() && filled + n > perModule && modules.size() < nModules) {
        modules.emplace_back();
        filled = 0;
      }
      modules.back().kernels.push_back(u);
      filled += n;
    }
    for (Module &m : modules) {
      std::vector<std::string> declarations;
      std::string body;
      for (size_t k = 0; k < m.kernels.size(); ++k) {
        const LoweredFunction &l = uniques[m.kernels[k]].lowered;
        std::string name = "k" + std::to_string(k);
        std::string fn = l.function;
        fn.replace(fn.find("@kernel("), 8, "@" + name + "(");
        body += fn;
        m.names.push_back(name);
        for (const std::string &d : l.declarations)
          if (std::find(declarations.begin(), declarations.end(), d) == declarations.end()) declarations.push_back(d);
      }
      m.text = "module {\n" + body;
      for (const std::string &d : declarations) m.text += d + "\n";
      m.text += "}\n";
      m.key = Hasher().str("module").str(m.text).str(cacheEnvironmentTag()).finish();
    }
    auto started = Clock::now();
    std::atomic<size_t> next{0}, done{0};
    std::atomic<bool> announced{false};
    std::mutex errorMutex, timesMutex;
    std::exception_ptr error;
    StageTimes times;
    auto worker = [&] {
      StageTimes mine;
      for (size_t j; (j = next++) < modules.size();) {
        try {
          modules[j].object = compileToObject(modules[j].text, modules[j].names, &mine);
        } catch (...) {
          std::lock_guard<std::mutex> lock(errorMutex);
          if (!error) error = std::current_exception();
        }
        size_t d = ++done;
        if (since(started) > 1.0 && !announced.exchange(true))
          std::fprintf(stderr, "graphjit: compiling %zu kernels in %zu modules (%zu done after %.1f s)...\n",
                       toCompile.size(), modules.size(), d, since(started));
      }
      std::lock_guard<std::mutex> lock(timesMutex);
      times += mine;
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < std::min<int>(nThreads, static_cast<int>(modules.size())); ++t) pool.emplace_back(worker);
    worker();
    for (std::thread &t : pool) t.join();
    if (error) std::rethrow_exception(error);
    stats.mlirPasses += times.mlirPasses;
    stats.translate += times.translate;
    stats.llvmOpt += times.llvmOpt;
    stats.codegen += times.codegen;
    t0 = Clock::now();
    for (Module &m : modules) {
      auto loaded = loadObject(m.object);
      {
        std::lock_guard<std::mutex> lock(modulesMutex);
        modulesInMemory()[m.key] = loaded;
      }
      if (disk) disk->store("module", m.key, m.object);
      for (size_t k = 0; k < m.kernels.size(); ++k) {
        Unique &q = uniques[m.kernels[k]];
        q.kernel = makeCompiledKernel(q.graph, loaded, m.names[k], q.lowered.checkMessages);
        rememberKernel(q.key, q.kernel);
        if (disk) disk->store("kernel", q.key, encodeKernelEntry(m.key, m.names[k], q.lowered.checkMessages));
        ++compiledCount;
        ++stats.compiled;
      }
    }
    stats.modules += modules.size();
    stats.link += since(t0);
  }

  std::vector<Step> steps;
  std::vector<StoredStep> stored;
  for (size_t s = 0; s < part.steps.size(); ++s) {
    const PartStep &ps = part.steps[s];
    Step step;
    step.inputs = ps.inputs;
    step.outputs = ps.outputs;
    if (ps.host) {
      step.kernel = makeHostKernel(ps.graph);
      ++stats.hostSteps;
    } else {
      step.kernel = uniques[uniqueOfStep[s]].kernel;
    }
    stored.push_back({ps.host, stepKeys[s], &ps});
    steps.push_back(std::move(step));
  }
  stats.steps += steps.size();
  auto schedule = std::make_shared<ScheduleKernel>(part, std::move(steps));
  // Constants that are graph outputs or host inputs have no text form here: such schedules stay in memory.
  if (graphKey && disk && part.constants.empty()) {
    try {
      disk->store("schedule", scheduleKey(*graphKey), encodeSchedule(part, stored));
    } catch (const Error &) {
      // a step that does not print (never expected): the schedule stays in memory only
    }
  }
  if (disk && (!toCompile.empty() || graphKey)) disk->evictIfNeeded(); // once per compile, after its writes
  return schedule;
}

} // namespace graphjit

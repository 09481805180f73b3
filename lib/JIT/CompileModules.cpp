// Packing kernels into modules and compiling them to linked machine code in parallel.
#include "CompileModules.h"

#include "KernelCache.h"
#include "Kernels.h"
#include "ObjectCode.h"
#include "ScheduleCodec.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <thread>

namespace graphjit::jit {

namespace {
using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::atomic<size_t> compiledCount{0};

struct Module {
  std::vector<size_t> kernels; // indices into the unique kernels
  std::vector<std::string> names;
  std::string text, object;
  Hash128 key;
};

/// Kernels share modules (one module's fixed costs for several small functions), as many
/// modules as threads at least, so that every core compiles.
std::vector<Module> packModules(const std::vector<UniqueKernel> &kernels,
                                const std::vector<size_t> &which, int threads) {
  size_t totalNodes = 0;
  for (size_t u : which)
    totalNodes += kernels[u].graph->numNodes();
  const size_t moduleNodes = 48; // measured: one module per kernel cost 15% more instructions
  size_t nModules = std::max((totalNodes + moduleNodes - 1) / moduleNodes,
                             std::min<size_t>(static_cast<size_t>(threads), which.size()));
  std::vector<Module> modules(1);
  size_t perModule = (totalNodes + nModules - 1) / nModules, filled = 0;
  for (size_t u : which) {
    size_t n = kernels[u].graph->numNodes();
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
      const LoweredFunction &l = kernels[m.kernels[k]].lowered;
      std::string name = "k" + std::to_string(k);
      std::string fn = l.function;
      fn.replace(fn.find("@kernel("), 8, "@" + name + "(");
      body += fn;
      m.names.push_back(name);
      for (const std::string &d : l.declarations)
        if (std::find(declarations.begin(), declarations.end(), d) == declarations.end())
          declarations.push_back(d);
    }
    m.text = "module {\n" + body;
    for (const std::string &d : declarations)
      m.text += d + "\n";
    m.text += "}\n";
    m.key = Hasher().str("module").str(m.text).str(cacheEnvironmentTag()).finish();
  }
  return modules;
}

/// Compiles every module to an object, `threads` at a time; says so on stderr when it takes over a
/// second.
void compileObjects(std::vector<Module> &modules, size_t kernelCount, int threads,
                    CompileStats &stats) {
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
        std::fprintf(stderr,
                     "graphjit: compiling %zu kernels in %zu modules (%zu done after %.1f s)...\n",
                     kernelCount, modules.size(), d, since(started));
    }
    std::lock_guard<std::mutex> lock(timesMutex);
    times += mine;
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::min<int>(threads, static_cast<int>(modules.size())); ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();
  if (error) std::rethrow_exception(error);
  stats.mlirPasses += times.mlirPasses;
  stats.translate += times.translate;
  stats.llvmOpt += times.llvmOpt;
  stats.codegen += times.codegen;
}
} // namespace

void compileModules(std::vector<UniqueKernel> &kernels, const std::vector<size_t> &which,
                    int threads, const std::optional<DiskCache> &disk, CompileStats &stats) {
  if (which.empty()) return;
  std::vector<Module> modules = packModules(kernels, which, threads);
  compileObjects(modules, which.size(), threads, stats);
  auto t0 = Clock::now();
  for (Module &m : modules) {
    auto loaded = loadObject(m.object);
    rememberModule(m.key, loaded);
    if (disk) disk->store("module", m.key, m.object);
    for (size_t k = 0; k < m.kernels.size(); ++k) {
      UniqueKernel &q = kernels[m.kernels[k]];
      q.kernel = makeCompiledKernel(q.graph, loaded, m.names[k], q.lowered.checkMessages);
      rememberKernel(q.key, q.kernel);
      if (disk)
        disk->store("kernel", q.key,
                    encodeKernelEntry({m.key, m.names[k], q.lowered.checkMessages}));
      ++compiledCount;
      ++stats.compiled;
    }
  }
  stats.modules += modules.size();
  stats.link += since(t0);
}

size_t compiledKernelCount() { return compiledCount.load(); }

} // namespace graphjit::jit

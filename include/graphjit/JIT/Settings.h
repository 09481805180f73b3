// The JIT's settings from the environment: every GRAPHJIT_* variable is read
// here and nowhere else, parsed strictly, once per process. They are the
// defaults that CompileOptions / JitOptions fields take when left at 0 or
// unset; docs/compiling.md lists every variable.
#pragma once

#include <cstdint>
#include <string>

namespace graphjit {

struct JitSettings {
  /// GRAPHJIT_NUM_THREADS: threads compiling kernels and running one large kernel (default: cores).
  int numThreads = 1;
  /// GRAPHJIT_KERNEL_NODES: most nodes in one kernel (default 32).
  int kernelNodes = 32;
  /// GRAPHJIT_PARALLEL_MIN: elements a kernel call touches before it is split across threads
  /// (65536).
  int64_t parallelMinElements = int64_t{1} << 16;
  /// GRAPHJIT_CACHE (on|off): whether the disk cache is used.
  bool cacheEnabled = true;
  /// GRAPHJIT_CACHE_DIR, else $XDG_CACHE_HOME/graphjit, else ~/.cache/graphjit ("" when none is
  /// known).
  std::string cacheDir;
  /// GRAPHJIT_CACHE_MAX_BYTES: bound of the disk cache (default 1 GiB).
  uint64_t cacheMaxBytes = uint64_t{1} << 30;
  /// GRAPHJIT_LOG contains "compile" or "all": each compile prints its CompileStats to stderr.
  bool logCompile = false;
};

/// The settings of this process, read from the environment on first use. A bad
/// value (GRAPHJIT_NUM_THREADS=abc, GRAPHJIT_KERNEL_NODES=1e9) throws ValueError
/// naming the variable, what it expects and what it got: a setting that is
/// silently ignored costs more than one that fails at the first compile.
const JitSettings &jitSettings();

/// Reads the environment again (for programs and tests that setenv() at run time).
/// Settings returned before stay valid; later calls see the new values.
void reloadJitSettings();

} // namespace graphjit

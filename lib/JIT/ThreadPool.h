// A persistent pool of worker threads for splitting large kernels (internal to
// lib/JIT). The caller runs chunk 0 itself; workers sleep between jobs.
#pragma once

#include <cstdint>
#include <functional>

namespace graphjit::jit {

/// Runs fn(0..n-1), each exactly once, on up to n threads (the caller's included);
/// returns when all are done. Calls from several threads at once are serialized.
void parallelFor(int n, const std::function<void(int)> &fn);

/// Threads a kernel call may use: GRAPHJIT_NUM_THREADS, else the machine's cores,
/// unless a JitThreadsScope (a Function's CompileOptions::numThreads) sets it on this thread.
int callThreads();

/// Elements a kernel call touches before it is split across threads: GRAPHJIT_PARALLEL_MIN
/// unless a JitThreadsScope (CompileOptions::parallelMinElements) sets it on this thread.
int64_t callParallelMin();
} // namespace graphjit::jit

// The persistent worker pool that runs large kernels split by rows, and the per-thread call
// settings.
#include "ThreadPool.h"

#include "graphjit/JIT/JIT.h"
#include "graphjit/Ops/Random.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace graphjit::jit {

namespace {
thread_local int threadOverride = 0;
thread_local int64_t parallelMinOverride = 0;

/// One parallelFor call: workers that wake late find its counter exhausted.
struct Job {
  const std::function<void(int)> *fn;
  int total;
  std::atomic<int> next{1};
  int pending;
  std::mutex m;
  std::condition_variable done;
  void runChunks() {
    for (int i; (i = next.fetch_add(1)) < total;) {
      (*fn)(i);
      std::lock_guard<std::mutex> lock(m);
      if (--pending == 0) done.notify_one();
    }
  }
};

class Pool {
public:
  void run(int n, const std::function<void(int)> &fn) {
    std::lock_guard<std::mutex> serial(callMutex_);
    ensureWorkers(n - 1);
    auto job = std::make_shared<Job>();
    job->fn = &fn;
    job->total = n;
    job->pending = n - 1;
    {
      std::lock_guard<std::mutex> lock(m_);
      job_ = job;
      ++generation_;
    }
    wake_.notify_all();
    fn(0);
    job->runChunks();
    std::unique_lock<std::mutex> lock(job->m);
    job->done.wait(lock, [&] { return job->pending == 0; });
  }

private:
  void ensureWorkers(int wanted) {
    while (static_cast<int>(workers_.size()) < wanted) {
      workers_.emplace_back([this] { loop(); });
      workers_.back().detach(); // the pool lives as long as the process
    }
  }
  void loop() {
    uint64_t seen = 0;
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(m_);
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        job = job_;
      }
      job->runChunks();
    }
  }

  std::mutex callMutex_, m_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
  std::shared_ptr<Job> job_;
  uint64_t generation_ = 0;
};

Pool &pool() {
  static Pool *p = new Pool(); // never destroyed: detached workers may still wait on it at exit
  return *p;
}
} // namespace

void parallelFor(int n, const std::function<void(int)> &fn) {
  if (n <= 1) {
    if (n == 1) fn(0);
    return;
  }
  pool().run(n, fn);
}

namespace {
// Large host draws (rv_* host steps) split their element ranges on this pool too.
const bool randomDrawsOnPool = (setRandomParallelFor(&parallelFor), true);
} // namespace

int callThreads() { return threadOverride > 0 ? threadOverride : jitSettings().numThreads; }

int64_t callParallelMin() {
  return parallelMinOverride > 0 ? parallelMinOverride : jitSettings().parallelMinElements;
}

} // namespace graphjit::jit

namespace graphjit {
JitThreadsScope::JitThreadsScope(int n, int64_t parallelMinElements)
    : previous_(jit::threadOverride), previousMin_(jit::parallelMinOverride) {
  if (n > 0) jit::threadOverride = n;
  if (parallelMinElements > 0) jit::parallelMinOverride = parallelMinElements;
}
JitThreadsScope::~JitThreadsScope() {
  jit::threadOverride = previous_;
  jit::parallelMinOverride = previousMin_;
}
} // namespace graphjit

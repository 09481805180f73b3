// Test helpers for code that reads the process environment or must run in a
// fresh process: a scoped environment variable and a forked child.
#pragma once

#include "graphjit/JIT/JIT.h"

#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace graphjit::testing {

/// Sets an environment variable for the life of the object. The JIT's settings
/// are read again on both ends (at construction only when `reload`, so a test
/// can provoke the parse error itself).
class ScopedEnv {
public:
  ScopedEnv(const char *name, const std::string &value, bool reload = true) : name_(name) {
    if (const char *old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
    if (reload) reloadJitSettings();
  }
  ~ScopedEnv() {
    if (old_)
      setenv(name_, old_->c_str(), 1);
    else
      unsetenv(name_);
    reloadJitSettings();
  }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
  const char *name_;
  std::optional<std::string> old_;
};

/// Runs `body` in a child process; returns its exit status (0 = every check
/// held, 3 = it threw, 100 + n = killed by signal n).
inline int inChild(const std::function<int()> &body) {
  pid_t pid = fork();
  if (pid == 0) {
    int code = 1;
    try {
      code = body();
    } catch (...) {
      code = 3;
    }
    std::_Exit(code);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

} // namespace graphjit::testing

// The disk formats of the JIT cache (internal to lib/JIT): a schedule (its slots
// and each step's text IR and kernel key) and a kernel entry (which module and
// function hold a kernel, and its run-time check messages). Decoding checks
// every count and slot and returns nullopt on anything malformed.
#pragma once

#include "Partition.h"

#include "graphjit/Support/Hash.h"

#include <optional>
#include <string>
#include <vector>

namespace graphjit::jit {

struct StoredStep {
  bool host = false;
  Hash128 key; // kernels only
  std::vector<Slot> inputs, outputs;
  std::string text; // the step's graph as text IR
};

struct StoredSchedule {
  Partition layout; // slots only: no constants, no steps
  std::vector<StoredStep> steps;
};

/// `p` with `stepKeys[s]` the kernel key of step s. Throws Error if a step does not print as text
/// IR.
std::string encodeSchedule(const Partition &p, const std::vector<Hash128> &stepKeys);
std::optional<StoredSchedule> decodeSchedule(const std::string &payload);

struct KernelEntry {
  Hash128 module;
  std::string symbol;
  std::vector<std::string> checkMessages;
};

std::string encodeKernelEntry(const KernelEntry &e);
std::optional<KernelEntry> decodeKernelEntry(const std::string &entry);

} // namespace graphjit::jit

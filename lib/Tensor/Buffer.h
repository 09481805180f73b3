// Tensor storage: 64-byte aligned buffers, reused when released (private to lib/Tensor).
#pragma once

#include <cstddef>
#include <memory>

namespace graphjit {

/// A buffer of at least `bytes` bytes, 64-byte aligned (2 MiB aligned from 4 MiB, for huge
/// pages); throws Error when memory runs out.
std::shared_ptr<void> allocateBuffer(size_t bytes);

} // namespace graphjit

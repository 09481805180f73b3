// Feeds arbitrary bytes to the .npy reader (through an in-memory file); only a
// graphjit::Error may come out. What loads must save and load back equal.
#include "graphjit/Support/Error.h"
#include "graphjit/Tensor/Tensor.h"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const std::string roundTrip =
      "/tmp/graphjit-fuzz-npy-" + std::to_string(getpid()) + ".npy";
  int fd = memfd_create("fuzz.npy", 0);
  if (fd < 0) std::abort();
  if (size > 0 && write(fd, data, size) != static_cast<ssize_t>(size)) std::abort();
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    graphjit::Tensor t = graphjit::loadNpy(path);
    graphjit::saveNpy(t, roundTrip);
    graphjit::Tensor back = graphjit::loadNpy(roundTrip);
    if (back.shape() != t.shape() || back.dtype() != t.dtype() ||
        !graphjit::allclose(back, t, 0, 0))
      std::abort();
  } catch (const graphjit::Error &) {
  }
  close(fd);
  return 0;
}

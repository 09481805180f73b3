// Encoding and decoding the schedule and kernel entries the disk cache stores.
#include "ScheduleCodec.h"

#include "graphjit/Text/TextIR.h"

#include <sstream>

namespace graphjit::jit {

namespace {
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

bool readSlots(std::istream &is, int numSlots, std::vector<Slot> &out) {
  size_t n = 0;
  if (!(is >> n) || n > static_cast<size_t>(numSlots) + 1) return false;
  out.resize(n);
  for (Slot &s : out)
    if (!(is >> s) || s < 0 || s >= numSlots) return false;
  return true;
}
} // namespace

std::string encodeSchedule(const Partition &p, const std::vector<Hash128> &stepKeys) {
  std::ostringstream os;
  os << "GJS1 " << p.numSlots << " " << p.inputSlots.size();
  for (Slot s : p.inputSlots)
    os << " " << s;
  os << " " << p.outputSlots.size();
  for (Slot s : p.outputSlots)
    os << " " << s;
  os << " " << p.steps.size() << "\n";
  for (size_t k = 0; k < p.steps.size(); ++k) {
    const PartStep &st = p.steps[k];
    std::string text = printFunction(TextFunction{"step", st.graph->inputs(), st.graph->outputs()});
    os << (st.host ? "h " : "k ") << (st.host ? std::string(32, '0') : stepKeys[k].hex()) << " "
       << st.inputs.size();
    for (Slot s : st.inputs)
      os << " " << s;
    os << " " << st.outputs.size();
    for (Slot s : st.outputs)
      os << " " << s;
    os << " " << text.size() << "\n" << text;
  }
  return os.str();
}

std::optional<StoredSchedule> decodeSchedule(const std::string &payload) {
  std::istringstream is(payload);
  std::string magic;
  StoredSchedule r;
  Partition &p = r.layout;
  size_t nSteps = 0;
  if (!(is >> magic) || magic != "GJS1" || !(is >> p.numSlots) || p.numSlots < 0 ||
      p.numSlots > 100'000'000)
    return std::nullopt;
  if (!readSlots(is, p.numSlots, p.inputSlots) || !readSlots(is, p.numSlots, p.outputSlots) ||
      !(is >> nSteps) || nSteps > payload.size())
    return std::nullopt;
  for (size_t k = 0; k < nSteps; ++k) {
    std::string kind, hex;
    StoredStep step;
    size_t len = 0;
    if (!(is >> kind >> hex) || (kind != "k" && kind != "h") || !parseHex(hex, step.key) ||
        !readSlots(is, p.numSlots, step.inputs) || !readSlots(is, p.numSlots, step.outputs) ||
        !(is >> len) || is.get() != '\n' || len > payload.size())
      return std::nullopt;
    step.host = kind == "h";
    step.text.assign(len, '\0');
    if (!is.read(step.text.data(), static_cast<std::streamsize>(len))) return std::nullopt;
    r.steps.push_back(std::move(step));
  }
  return r;
}

std::string encodeKernelEntry(const KernelEntry &e) {
  std::ostringstream os;
  os << e.module.hex() << " " << e.symbol << " " << e.checkMessages.size() << "\n";
  for (const std::string &c : e.checkMessages)
    os << c.size() << "\n" << c;
  return os.str();
}

std::optional<KernelEntry> decodeKernelEntry(const std::string &entry) {
  std::istringstream is(entry);
  KernelEntry e;
  std::string hex;
  size_t n = 0;
  if (!(is >> hex >> e.symbol >> n) || !parseHex(hex, e.module) || is.get() != '\n' ||
      n > 1'000'000)
    return std::nullopt;
  for (size_t i = 0; i < n; ++i) {
    size_t len = 0;
    if (!(is >> len) || is.get() != '\n' || len > entry.size()) return std::nullopt;
    std::string c(len, '\0');
    if (!is.read(c.data(), static_cast<std::streamsize>(len))) return std::nullopt;
    e.checkMessages.push_back(std::move(c));
  }
  return e;
}

} // namespace graphjit::jit

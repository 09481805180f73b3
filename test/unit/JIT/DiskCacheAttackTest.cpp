// The disk cache against a hostile folder (issue 25): entries swapped between
// keys, truncated, oversized, replaced by symlinks and FIFOs, planted temporary
// links, dead writers' temporaries, read-only and foreign-writable folders.
// Whatever is found on disk, a compile gives the interpreter's answer.
#include "graphjit/JIT/JIT.h"
#include "graphjit/graphjit.h"

#include "ProcessEnv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace graphjit;
namespace fs = std::filesystem;
using graphjit::testing::inChild;
using graphjit::testing::ScopedEnv;

namespace {
std::string freshDir(const std::string &name) {
  fs::path dir =
      fs::temp_directory_path() / ("graphjit-attack-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  return dir.string();
}

std::vector<fs::path> filesOf(const std::string &dir, const std::string &prefix) {
  std::vector<fs::path> r;
  if (!fs::exists(dir)) return r;
  for (auto &e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) r.push_back(e.path());
  std::sort(r.begin(), r.end());
  return r;
}

std::string slurp(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void spit(const fs::path &p, const std::string &bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

/// exp(x) (`negate` false) or -x, compiled in this process with the cache in `dir`; 0 when the
/// result is right, 10 + k when element k is wrong.
int compileAndCheck(const std::string &dir, bool negate) {
  ScopedEnv d("GRAPHJIT_CACHE_DIR", dir);
  ScopedEnv on("GRAPHJIT_CACHE", "on");
  Var x = vector("x");
  Var y = negate ? -x : exp(x);
  Function f = compile({x}, {y});
  Tensor got = f({Tensor::fromVector(std::vector<double>{1.0, 2.0})})[0];
  for (int64_t k = 0; k < 2; ++k) {
    double v = static_cast<double>(k + 1);
    if (got.getAsDouble(k) != (negate ? -v : std::exp(v))) return 10 + static_cast<int>(k);
  }
  return 0;
}

/// Populates `dir` with the entries of one graph (in a child, so this process keeps no kernel in
/// memory), then runs `body` in another child with a watchdog: a hang fails the test, not the run.
int populated(const std::string &dir, bool negate) {
  return inChild([&] { return compileAndCheck(dir, negate); });
}
int guarded(const std::function<int()> &body) {
  return inChild([&] {
    alarm(120);
    return body();
  });
}
} // namespace

// Item 5: an entry copied over another key's file is a miss, never run.
TEST(DiskCacheAttack, SwappedEntriesAreMisses) {
  std::string a = freshDir("swap-a"), b = freshDir("swap-b");
  ASSERT_EQ(populated(a, false), 0);
  ASSERT_EQ(populated(b, true), 0);
  for (const char *kind : {"schedule", "kernel", "module"}) {
    auto fromA = filesOf(a, kind), fromB = filesOf(b, kind);
    ASSERT_FALSE(fromA.empty());
    ASSERT_FALSE(fromB.empty());
    for (const fs::path &target : fromB)
      spit(target, slurp(fromA[0])); // every entry of -x now holds one of exp(x)
  }
  EXPECT_EQ(guarded([&] { return compileAndCheck(b, true); }), 0);
  fs::remove_all(a);
  fs::remove_all(b);
}

// Item 6: symlinks (to /dev/zero, to a valid entry elsewhere), FIFOs, oversized and lying headers.
TEST(DiskCacheAttack, OnlyBoundedRegularFilesAreRead) {
  std::string dir = freshDir("types"), other = freshDir("types-other");
  ASSERT_EQ(populated(dir, false), 0);
  ASSERT_EQ(populated(other, false), 0);
  auto schedules = filesOf(dir, "schedule"), kernels = filesOf(dir, "kernel"),
       modules = filesOf(dir, "module");
  ASSERT_EQ(schedules.size(), 1u);
  ASSERT_FALSE(kernels.empty());
  ASSERT_FALSE(modules.empty());
  // The schedule a link to an endless file, a kernel entry a FIFO, a module entry with trailing
  // bytes beyond what its header declares.
  fs::remove(schedules[0]);
  fs::create_symlink("/dev/zero", schedules[0]);
  fs::remove(kernels[0]);
  ASSERT_EQ(mkfifo(kernels[0].c_str(), 0600), 0);
  spit(modules[0], slurp(modules[0]) + std::string(4096, 'x'));
  EXPECT_EQ(guarded([&] { return compileAndCheck(dir, false); }), 0);
  // What was planted is gone, replaced by regular entries.
  for (const fs::path &p : filesOf(dir, ""))
    EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(p))) << p;

  // A symlink to another folder's entry of the same name is not followed either.
  auto valid = filesOf(other, "schedule");
  ASSERT_EQ(valid.size(), 1u);
  fs::path mine = fs::path(dir) / valid[0].filename();
  fs::remove(mine);
  fs::create_symlink(valid[0], mine);
  EXPECT_EQ(guarded([&] { return compileAndCheck(dir, false); }), 0);
  EXPECT_TRUE(fs::is_regular_file(fs::symlink_status(mine)));

  // A header that declares far more than the file holds, and one that declares 2^63 bytes.
  for (uint64_t declared : {uint64_t{1} << 20, uint64_t{1} << 63}) {
    std::string bytes = slurp(mine);
    ASSERT_GE(bytes.size(), 24u);
    std::memcpy(bytes.data() + 16, &declared, 8);
    spit(mine, bytes);
    EXPECT_EQ(guarded([&] { return compileAndCheck(dir, false); }), 0);
  }
  fs::remove_all(dir);
  fs::remove_all(other);
}

// Item 7: links planted at every name the old scheme would have used for a temporary (pid, the
// writing thread's hash, a counter) are never written through; the folder is private.
TEST(DiskCacheAttack, PlantedTemporaryLinksAreNotFollowed) {
  std::string dir = freshDir("plant");
  fs::path victim = fs::path(freshDir("victim"));
  spit(victim, "precious");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  int code = guarded([&] {
    // In the child: its pid and main thread are the writer's.
    size_t thread = std::hash<std::thread::id>()(std::this_thread::get_id());
    for (int k = 0; k < 400; ++k)
      fs::create_symlink(victim,
                         fs::path(dir) / (".tmp-" + std::to_string(getpid()) + "-" +
                                          std::to_string(thread) + "-" + std::to_string(k)));
    return compileAndCheck(dir, true);
  });
  EXPECT_EQ(code, 0);
  EXPECT_EQ(slurp(victim), "precious");
  EXPECT_FALSE(filesOf(dir, "schedule").empty()); // the cache still works
  struct stat st;
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  for (const fs::path &p : filesOf(dir, "module")) {
    ASSERT_EQ(stat(p.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << p;
  }
  fs::remove_all(dir);
  fs::remove(victim);
}

// Item 7: a folder others may write (who could plant code we load) is not used.
TEST(DiskCacheAttack, FolderWritableByOthersIsNotUsed) {
  std::string dir = freshDir("shared");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(dir.c_str(), 0777), 0);
  EXPECT_EQ(guarded([&] { return compileAndCheck(dir, false); }), 0);
  EXPECT_TRUE(filesOf(dir, "").empty());
  fs::remove_all(dir);
}

// Item 8: temporaries of writers that died are removed by the next compile; a live one is kept.
TEST(DiskCacheAttack, DeadWritersTemporariesAreCleaned) {
  std::string dir = freshDir("stale");
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  pid_t dead = fork();
  if (dead == 0) std::_Exit(0);
  waitpid(dead, nullptr, 0);
  fs::path stale = fs::path(dir) / (".tmp-" + std::to_string(dead) + "-00000000deadbeef");
  fs::path old = fs::path(dir) / (".tmp-1-0000000000000001"); // pid 1 lives, but a day is too old
  fs::path live = fs::path(dir) / (".tmp-" + std::to_string(getpid()) + "-0000000000000002");
  for (const fs::path &p : {stale, old, live}) {
    spit(p, std::string(100000, 'x'));
    fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::hours(2));
  }
  fs::last_write_time(live, fs::file_time_type::clock::now());
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::minutes(1));
  EXPECT_EQ(guarded([&] { return compileAndCheck(dir, false); }), 0);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(live));
  fs::remove_all(dir);
}

// A read-only folder: entries are read, nothing is written, no error.
TEST(DiskCacheAttack, ReadOnlyFolderStillWorks) {
  std::string dir = freshDir("ro");
  ASSERT_EQ(populated(dir, true), 0);
  ASSERT_EQ(chmod(dir.c_str(), 0500), 0);
  EXPECT_EQ(guarded([&] { return compileAndCheck(dir, true); }), 0);
  EXPECT_EQ(guarded([&] { return compileAndCheck(dir, false); }), 0);
  chmod(dir.c_str(), 0700);
  fs::remove_all(dir);
}

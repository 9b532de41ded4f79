// gostack_fatalf and gostack_print_backtrace: message, exit status, frame-pointer walk (real and
// synthetic chains, deep recursion elision, broken chains), symbolization and its fallbacks.
#include "internal.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

// Named helpers (not in an anonymous namespace) so the expected symbol names are simple.
namespace gostack_test {

__attribute__((noinline)) void FatalFromNamedHelper() {
  gostack_fatalf(0, 0, "helper says %s", "bye");
}

// Reports on behalf of its caller: (pc, fp) of OuterHelper's frame, as the runtime does for the
// task frame that overflowed.
__attribute__((noinline)) void InnerHelper() {
  gostack_fatalf(reinterpret_cast<uintptr_t>(__builtin_return_address(0)),
                 *reinterpret_cast<uintptr_t *>(__builtin_frame_address(0)), "explicit frame");
}

__attribute__((noinline)) void OuterHelper() {
  InnerHelper();
  asm volatile("" ::: "memory"); // keep the call a call
}

__attribute__((noinline)) void Recurse(long n) {
  if (n == 0)
    gostack_fatalf(0, 0, "deep recursion");
  Recurse(n - 1);
  asm volatile("" ::: "memory"); // no tail call: every level keeps its frame
}

void *RecurseMillion(void *) {
  Recurse(1000000);
  return nullptr;
}

// Runs the million-frame recursion on a thread with a stack big enough for it.
void DieInDeepRecursion() {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, size_t{512} << 20);
  pthread_t t;
  if (pthread_create(&t, &attr, RecurseMillion, nullptr) != 0)
    abort();
  pthread_join(t, nullptr);
}

__attribute__((noinline)) void PrintFromHelper(int fd) {
  gostack_print_backtrace(fd, 0, 0);
  asm volatile("" ::: "memory");
}

} // namespace gostack_test

namespace {

using testing::ExitedWithCode;

bool SymbolizerInstalled() {
  if (access("/usr/lib/llvm-19/bin/llvm-symbolizer", X_OK) == 0)
    return true;
  std::stringstream path(getenv("PATH") ? getenv("PATH") : "");
  for (std::string dir; std::getline(path, dir, ':');)
    for (const char *tool : {"/llvm-symbolizer-19", "/llvm-symbolizer"})
      if (access((dir + tool).c_str(), X_OK) == 0)
        return true;
  return false;
}

void UseSymbolizer() {
  unsetenv("GOSTACK_SYMBOLIZE");
  unsetenv("GOSTACK_SYMBOLIZER");
}

void NoSymbolizer() { setenv("GOSTACK_SYMBOLIZE", "0", 1); }

// Captures what gostack_print_backtrace writes.
template <typename F> std::string Capture(F print) {
  FILE *f = tmpfile();
  print(fileno(f));
  std::string out;
  rewind(f);
  for (int c; (c = fgetc(f)) != EOF;)
    out.push_back(static_cast<char>(c));
  fclose(f);
  return out;
}

std::vector<std::string> Lines(const std::string &s) {
  std::vector<std::string> v;
  std::stringstream in(s);
  for (std::string l; std::getline(in, l);)
    v.push_back(l);
  return v;
}

// Writes an executable shell script into a fresh temporary directory.
std::string Script(const char *body) {
  char dir[] = "/tmp/gostack-fatal-test-XXXXXX";
  if (!mkdtemp(dir))
    return "/nonexistent";
  std::string path = std::string(dir) + "/fake-symbolizer";
  FILE *f = fopen(path.c_str(), "w");
  fprintf(f, "#!/bin/sh\n%s\n", body);
  fclose(f);
  chmod(path.c_str(), 0755);
  return path;
}

TEST(FatalDeathTest, MessageBacktraceAndExitStatus2) {
  NoSymbolizer();
  EXPECT_EXIT(gostack_fatalf(0, 0, "boom %d %s", 42, "now"), ExitedWithCode(2),
              "gostack: fatal: boom 42 now\nbacktrace:\n  #0 0x[0-9a-f]+ in ");
}

TEST(FatalDeathTest, WithoutSymbolizerFramesShowModuleAndOffset) {
  NoSymbolizer();
  // The test binary exports no symbols, so dladdr finds no name: module+offset it is.
  EXPECT_EXIT(gostack_test::FatalFromNamedHelper(), ExitedWithCode(2),
              "gostack: fatal: helper says bye\nbacktrace:\n  #0 0x[0-9a-f]+ in \\?\\? "
              "\\([^)]*gostack_unit_fatal\\+0x[0-9a-f]+\\)\n");
}

TEST(FatalDeathTest, SymbolizedBacktraceNamesTheCallers) {
  if (!SymbolizerInstalled())
    GTEST_SKIP() << "no llvm-symbolizer";
  UseSymbolizer();
  EXPECT_EXIT(gostack_test::FatalFromNamedHelper(), ExitedWithCode(2),
              "gostack: fatal: helper says bye\nbacktrace:\n"
              "  #0 0x[0-9a-f]+ in gostack_test::FatalFromNamedHelper\\(\\)\\+0x[0-9a-f]+ "
              "\\([^)]*gostack_unit_fatal\\) [^ ]*fatal_test\\.cpp:[0-9]+\n"
              "  #1 0x[0-9a-f]+ in .*FatalDeathTest_SymbolizedBacktraceNamesTheCallers_Test::"
              "TestBody\\(\\)\\+0x[0-9a-f]+ \\([^)]*\\) [^ ]*fatal_test\\.cpp:[0-9]+\n");
}

TEST(FatalDeathTest, ExplicitFrameThenRuntimeBacktrace) {
  if (!SymbolizerInstalled())
    GTEST_SKIP() << "no llvm-symbolizer";
  UseSymbolizer();
  EXPECT_EXIT(gostack_test::OuterHelper(), ExitedWithCode(2),
              "gostack: fatal: explicit frame\nbacktrace:\n"
              "  #0 0x[0-9a-f]+ in gostack_test::OuterHelper\\(\\).*\n"
              "  #1 0x[0-9a-f]+ in .*TestBody.*"
              "runtime backtrace:\n"
              "  #0 0x[0-9a-f]+ in gostack_test::InnerHelper\\(\\).*\n"
              "  #1 0x[0-9a-f]+ in gostack_test::OuterHelper\\(\\)");
}

TEST(FatalDeathTest, RuntimeBacktraceOnlyWhenAFrameIsGiven) {
  NoSymbolizer();
  EXPECT_EXIT(gostack_fatalf(0, 0, "no frame"), ExitedWithCode(2),
              "gostack: fatal: no frame\nbacktrace:\n(  #[^\n]*\n)*$");
  EXPECT_EXIT(gostack_test::OuterHelper(), ExitedWithCode(2),
              "backtrace:\n(  #[^\n]*\n)+runtime backtrace:\n(  #[^\n]*\n)+$");
}

TEST(FatalDeathTest, MillionFrameRecursionIsElided) {
  if (!SymbolizerInstalled())
    GTEST_SKIP() << "no llvm-symbolizer";
  UseSymbolizer();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EXIT(gostack_test::DieInDeepRecursion(), ExitedWithCode(2),
              "gostack: fatal: deep recursion\nbacktrace:\n"
              "  #0 0x[0-9a-f]+ in gostack_test::Recurse\\(long\\).*"
              "  #39 0x[0-9a-f]+ in gostack_test::Recurse\\(long\\)[^\n]*\n"
              "  \\.\\.\\. (9999[5-9][0-9]|100[0-9][0-9][0-9][0-9]) frames elided \\.\\.\\.\n"
              "  #(100000[0-9]|99999[0-9]) 0x[0-9a-f]+ in gostack_test::Recurse\\(long\\).*"
              "RecurseMillion");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
}

TEST(FatalDeathTest, MissingSymbolizerFallsBack) {
  UseSymbolizer();
  setenv("GOSTACK_SYMBOLIZER", "/nonexistent/llvm-symbolizer", 1);
  EXPECT_EXIT(gostack_test::FatalFromNamedHelper(), ExitedWithCode(2),
              "helper says bye\nbacktrace:\n  #0 0x[0-9a-f]+ in \\?\\? "
              "\\([^)]*gostack_unit_fatal\\+0x[0-9a-f]+\\)\n");
}

TEST(FatalDeathTest, BrokenSymbolizersNeitherHangNorKill) {
  UseSymbolizer();
  const char *bodies[] = {
      "exit 0",               // exits before reading: our writes must not raise SIGPIPE
      "echo garbage; exit 1", // answers nonsense
      "exec sleep 100",       // never answers: killed after the timeout
  };
  for (const char *body : bodies) {
    SCOPED_TRACE(body);
    setenv("GOSTACK_SYMBOLIZER", Script(body).c_str(), 1);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EXIT(gostack_test::FatalFromNamedHelper(), ExitedWithCode(2),
                "helper says bye\nbacktrace:\n  #0 0x[0-9a-f]+ in \\?\\? \\(");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
  }
}

TEST(FatalDeathTest, LongMessagesAreTruncatedNotOverflowed) {
  NoSymbolizer();
  std::string huge(10000, 'x');
  EXPECT_EXIT(gostack_fatalf(0, 0, "%s", huge.c_str()), ExitedWithCode(2),
              "gostack: fatal: xxxxxxxxxx+\nbacktrace:\n");
}

// ---- gostack_print_backtrace on synthetic chains ------------------------------------------------

// Frame records laid out like a stack: rec i at increasing addresses, [0] = next fp, [1] = ret.
struct FakeChain {
  std::vector<uintptr_t> mem;
  explicit FakeChain(size_t n) : mem(4 * n + 2, 0) {
    for (size_t i = 0; i < n; i++) {
      mem[4 * i] = i + 1 < n ? reinterpret_cast<uintptr_t>(&mem[4 * (i + 1)]) : 0;
      mem[4 * i + 1] = 0x1000 + i; // fake return addresses, in no module
    }
  }
  uintptr_t fp() { return reinterpret_cast<uintptr_t>(mem.data()); }
};

TEST(PrintBacktrace, DeepChainPrintsHeadElisionAndTail) {
  NoSymbolizer();
  FakeChain chain(1000);
  auto lines = Lines(Capture([&](int fd) { gostack_print_backtrace(fd, 0x999, chain.fp()); }));
  // Frame 0 is pc; frames 1..1000 the return addresses: 40 + elision + 10 lines.
  ASSERT_EQ(lines.size(), 51u);
  EXPECT_EQ(lines[0], "  #0 0x999 in ??");
  EXPECT_EQ(lines[1], "  #1 0x1000 in ??");
  EXPECT_EQ(lines[39], "  #39 0x1026 in ??");
  EXPECT_EQ(lines[40], "  ... 951 frames elided ...");
  EXPECT_EQ(lines[41], "  #991 0x13de in ??");
  EXPECT_EQ(lines[50], "  #1000 0x13e7 in ??");
}

TEST(PrintBacktrace, ShortChainIsPrintedWhole) {
  NoSymbolizer();
  FakeChain chain(49); // 50 frames with pc: exactly the limit, nothing elided
  auto lines = Lines(Capture([&](int fd) { gostack_print_backtrace(fd, 0x999, chain.fp()); }));
  ASSERT_EQ(lines.size(), 50u);
  EXPECT_EQ(lines[49], "  #49 0x1030 in ??");
}

TEST(PrintBacktrace, StopsAtBrokenLinks) {
  NoSymbolizer();
  // Two good records on a page followed by an inaccessible one.
  long page = sysconf(_SC_PAGESIZE);
  auto *m = static_cast<char *>(mmap(nullptr, 2 * page, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ASSERT_NE(m, MAP_FAILED);
  ASSERT_EQ(mprotect(m + page, page, PROT_NONE), 0);
  auto *r = reinterpret_cast<uintptr_t *>(m);
  auto print = [&] {
    return Lines(Capture([&](int fd) {
      gostack_print_backtrace(fd, 0x999, reinterpret_cast<uintptr_t>(r));
    }));
  };
  r[0] = reinterpret_cast<uintptr_t>(&r[4]);
  r[1] = 0x2000;
  r[5] = 0x2001;
  struct Case {
    const char *what;
    uintptr_t next_of_second, ret_of_second;
    size_t frames;
  } cases[] = {
      {"next fp 0", 0, 0x2001, 3},
      {"misaligned", reinterpret_cast<uintptr_t>(&r[8]) + 4, 0x2001, 3},
      {"not increasing", reinterpret_cast<uintptr_t>(&r[0]), 0x2001, 3},
      {"equal", reinterpret_cast<uintptr_t>(&r[4]), 0x2001, 3},
      {"unreadable", reinterpret_cast<uintptr_t>(m + page), 0x2001, 3},
      {"return address 0", reinterpret_cast<uintptr_t>(&r[8]), 0, 2},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    r[4] = c.next_of_second;
    r[5] = c.ret_of_second;
    r[8] = 0;
    r[9] = 0x3000;
    EXPECT_EQ(print().size(), c.frames);
  }
  EXPECT_EQ(Lines(Capture([&](int fd) { gostack_print_backtrace(fd, 0x999, 0x10); })).size(),
            1u); // unreadable start
  munmap(m, 2 * page);
}

volatile sig_atomic_t sigchld_count;

TEST(PrintBacktrace, SymbolizesCallerWithoutSigchldOrZombies) {
  if (!SymbolizerInstalled())
    GTEST_SKIP() << "no llvm-symbolizer";
  UseSymbolizer();
  struct sigaction sa = {}, old = {};
  sa.sa_handler = [](int) { sigchld_count++; };
  sigaction(SIGCHLD, &sa, &old);
  sigchld_count = 0;
  auto lines = Lines(Capture([](int fd) { gostack_test::PrintFromHelper(fd); }));
  sigaction(SIGCHLD, &old, nullptr);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_TRUE(std::regex_match(
      lines[0], std::regex("  #0 0x[0-9a-f]+ in gostack_test::PrintFromHelper\\(int\\)\\+0x[0-9a-f]+ "
                           "\\([^)]*gostack_unit_fatal\\) [^ ]*fatal_test\\.cpp:[0-9]+")))
      << lines[0];
  bool caller_found = false; // the lambda and Capture come first, then the test body
  for (auto &l : lines)
    caller_found |= l.find("SymbolizesCallerWithoutSigchldOrZombies_Test::TestBody()") !=
                    std::string::npos;
  EXPECT_TRUE(caller_found);
  EXPECT_EQ(sigchld_count, 0);
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG | __WALL), -1); // the symbolizer was reaped
  EXPECT_EQ(errno, ECHILD);
}

} // namespace

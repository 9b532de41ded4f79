// signals.c: the interposed sigaction/signal (what queries return, SIG_IGN/SIG_DFL, SA_RESETHAND,
// what the kernel really gets), the state a wrapped handler runs with, alternate stacks, the
// SIGSEGV handler's chaining and its quarantine report (stackalloc.c).
extern "C" {
#include "signals.h"
#include "task.h"
}

#include <gtest/gtest.h>

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

// The kernel's struct sigaction (x86-64), to see what sigaction really installed.
struct KernelSigaction {
  void *handler;
  unsigned long flags;
  void *restorer;
  uint64_t mask;
};

KernelSigaction KernelAction(int sig) {
  KernelSigaction k{};
  EXPECT_EQ(syscall(SYS_rt_sigaction, sig, nullptr, &k, sizeof k.mask), 0);
  return k;
}

uintptr_t ReadGuard() {
  uintptr_t g;
  asm volatile("movq %%fs:0x70, %0" : "=r"(g));
  return g;
}

volatile sig_atomic_t calls;
volatile uintptr_t seen_guard, seen_on_system_stack, seen_frame;
volatile int seen_value;

void CountingHandler(int) {
  calls = calls + 1;
  seen_guard = ReadGuard();
  seen_on_system_stack = gostack_m_tls.on_system_stack;
  seen_frame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
}

void OtherHandler(int) {}

void InfoHandler(int, siginfo_t *si, void *) { seen_value = si->si_value.sival_int; }

void Restore(int sig) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
}

class Signals : public ::testing::Test {
protected:
  void SetUp() override {
    gostack_signals_init();
    calls = 0;
  }
  void TearDown() override {
    Restore(SIGUSR1);
    Restore(SIGUSR2);
  }
};

TEST_F(Signals, QueryReturnsTheProgramsHandlerNotTheTrampoline) {
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = CountingHandler;
  act.sa_flags = SA_RESTART;
  sigemptyset(&act.sa_mask);
  sigaddset(&act.sa_mask, SIGUSR2);
  ASSERT_EQ(sigaction(SIGUSR1, &act, nullptr), 0);
  ASSERT_EQ(sigaction(SIGUSR1, nullptr, &old), 0);
  EXPECT_EQ(old.sa_handler, CountingHandler);
  EXPECT_EQ(old.sa_flags, SA_RESTART);
  EXPECT_TRUE(sigismember(&old.sa_mask, SIGUSR2));
  EXPECT_FALSE(sigismember(&old.sa_mask, SIGINT));
  // The kernel has the trampoline, always on the alternate stack and with siginfo.
  KernelSigaction k = KernelAction(SIGUSR1);
  EXPECT_NE(k.handler, reinterpret_cast<void *>(CountingHandler));
  EXPECT_TRUE(k.flags & SA_ONSTACK);
  EXPECT_TRUE(k.flags & SA_SIGINFO);
  EXPECT_TRUE(k.flags & SA_RESTART);
  EXPECT_TRUE(k.mask & (uint64_t{1} << (SIGUSR2 - 1)));
  // Installing again returns the previous action in oact.
  act.sa_handler = OtherHandler;
  ASSERT_EQ(sigaction(SIGUSR1, &act, &old), 0);
  EXPECT_EQ(old.sa_handler, CountingHandler);
}

TEST_F(Signals, HandlerRunsWithGuardZeroOnTheAltStackAndStateIsRestored) {
  ASSERT_EQ(signal(SIGUSR1, CountingHandler), SIG_DFL);
  stack_t ss;
  ASSERT_EQ(sigaltstack(nullptr, &ss), 0);
  ASSERT_FALSE(ss.ss_flags & SS_DISABLE) << "gostack_signals_init installs an alternate stack";
  EXPECT_GE(ss.ss_size, size_t{64} << 10);
  uintptr_t lo, hi;
  ASSERT_TRUE(gostack_signals_altstack(&lo, &hi));
  EXPECT_EQ(lo, reinterpret_cast<uintptr_t>(ss.ss_sp));
  EXPECT_EQ(hi - lo, ss.ss_size);

  // What a task's state looks like when a signal interrupts it.
  const uintptr_t task_guard = 0x7000deadbeef;
  gostack_set_guard(task_guard);
  gostack_m_tls.on_system_stack = 0;
  raise(SIGUSR1);
  uintptr_t guard_after = ReadGuard();
  uintptr_t on_system_stack_after = gostack_m_tls.on_system_stack;
  gostack_set_guard(0);

  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen_guard, 0u) << "instrumented handler code must never grow the interrupted stack";
  EXPECT_EQ(seen_on_system_stack, 1u) << "foreign calls from a handler must run in place";
  EXPECT_GE(seen_frame, lo);
  EXPECT_LT(seen_frame, hi);
  EXPECT_EQ(guard_after, task_guard);
  EXPECT_EQ(on_system_stack_after, 0u);
}

TEST_F(Signals, IgnoreAndDefaultRoundTrip) {
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGUSR2, &act, &old), 0);
  EXPECT_EQ(old.sa_handler, SIG_DFL);
  EXPECT_EQ(KernelAction(SIGUSR2).handler, reinterpret_cast<void *>(SIG_IGN))
      << "SIG_IGN goes to the kernel as it is";
  raise(SIGUSR2); // ignored: the test goes on
  act.sa_handler = SIG_DFL;
  ASSERT_EQ(sigaction(SIGUSR2, &act, &old), 0);
  EXPECT_EQ(old.sa_handler, SIG_IGN);
  ASSERT_EQ(sigaction(SIGUSR2, nullptr, &old), 0);
  EXPECT_EQ(old.sa_handler, SIG_DFL);
  EXPECT_EQ(KernelAction(SIGUSR2).handler, reinterpret_cast<void *>(SIG_DFL));
  // signal() goes through the same table.
  EXPECT_EQ(signal(SIGUSR2, SIG_IGN), SIG_DFL);
  EXPECT_EQ(signal(SIGUSR2, SIG_DFL), SIG_IGN);
}

TEST_F(Signals, ResetHandRunsOnceThenDefault) {
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = CountingHandler;
  act.sa_flags = SA_RESETHAND;
  ASSERT_EQ(sigaction(SIGUSR1, &act, nullptr), 0);
  raise(SIGUSR1);
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(sigaction(SIGUSR1, nullptr, &old), 0);
  EXPECT_EQ(old.sa_handler, SIG_DFL);
  EXPECT_EQ(KernelAction(SIGUSR1).handler, reinterpret_cast<void *>(SIG_DFL));
  // The one-shot System V signal(): the same.
  EXPECT_EQ(sysv_signal(SIGUSR2, CountingHandler), SIG_DFL);
  raise(SIGUSR2);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(signal(SIGUSR2, SIG_DFL), SIG_DFL);
}

TEST_F(Signals, SigInfoHandlerGetsItsArguments) {
  struct sigaction act;
  memset(&act, 0, sizeof act);
  act.sa_sigaction = InfoHandler;
  act.sa_flags = SA_SIGINFO;
  ASSERT_EQ(sigaction(SIGUSR2, &act, nullptr), 0);
  union sigval v;
  v.sival_int = 4242;
  ASSERT_EQ(sigqueue(getpid(), SIGUSR2, v), 0);
  EXPECT_EQ(seen_value, 4242);
}

TEST_F(Signals, InvalidSignalsAreRefusedAsByLibc) {
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_handler = CountingHandler;
  errno = 0;
  EXPECT_EQ(sigaction(SIGKILL, &act, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(sigaction(0, &act, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  // glibc reserves SIGRTMIN-2 and -1 (32, 33) for itself: refused, and nothing recorded.
  errno = 0;
  EXPECT_EQ(sigaction(32, &act, nullptr), -1);
  EXPECT_EQ(errno, EINVAL);
  EXPECT_EQ(signal(SIGKILL, CountingHandler), SIG_ERR);
  ASSERT_EQ(sigaction(SIGUSR1, nullptr, &old), 0);
  EXPECT_EQ(old.sa_handler, SIG_DFL);
}

TEST_F(Signals, ProgramsOwnAltStackIsKept) {
  std::thread th([] {
    static char mine[1 << 16];
    stack_t ss;
    ss.ss_sp = mine;
    ss.ss_size = sizeof mine;
    ss.ss_flags = 0;
    ASSERT_EQ(sigaltstack(&ss, nullptr), 0);
    gostack_signals_init();
    stack_t now;
    ASSERT_EQ(sigaltstack(nullptr, &now), 0);
    EXPECT_EQ(now.ss_sp, static_cast<void *>(mine));
    uintptr_t lo, hi;
    ASSERT_TRUE(gostack_signals_altstack(&lo, &hi));
    EXPECT_EQ(lo, reinterpret_cast<uintptr_t>(mine));
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, nullptr);
  });
  th.join();
  // A thread that gets ours has it released at exit (no way to observe the unmap except that
  // repeating it many times does not exhaust anything).
  for (int i = 0; i < 200; i++)
    std::thread([] { gostack_signals_init(); }).join();
}

sigjmp_buf fault_env;
volatile uintptr_t fault_addr;

void FaultHandler(int, siginfo_t *si, void *) {
  fault_addr = reinterpret_cast<uintptr_t>(si->si_addr);
  siglongjmp(fault_env, 1);
}

TEST_F(Signals, SegvIsPassedToTheProgramsHandler) {
  void *page = mmap(nullptr, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  struct sigaction act, old;
  memset(&act, 0, sizeof act);
  act.sa_sigaction = FaultHandler;
  act.sa_flags = SA_SIGINFO;
  ASSERT_EQ(sigaction(SIGSEGV, &act, &old), 0);
  if (sigsetjmp(fault_env, 1) == 0) {
    *static_cast<volatile char *>(page) = 1;
    ADD_FAILURE() << "no fault";
  }
  EXPECT_EQ(fault_addr, reinterpret_cast<uintptr_t>(page));
  struct sigaction now;
  ASSERT_EQ(sigaction(SIGSEGV, &old, &now), 0);
  EXPECT_EQ(now.sa_sigaction, FaultHandler);
  munmap(page, 4096);
}

// A stale pointer into a moved stack: quarantine turns its use into a fatal report. Quarantine
// mode is fixed at the first allocation, so this runs in a fresh process (threadsafe style).
void UseMovedStack() {
  setenv("GOSTACK_DEBUG", "verifymove", 1);
  gostack_signals_init();
  ASSERT_TRUE(gostack_stack_quarantine_enabled());
  gostack_stack s = gostack_stackalloc(8192);
  gostack_stack_quarantine_owner(s.lo, s.hi, 77);
  gostack_stackfree(s);
  *reinterpret_cast<volatile char *>(s.hi - 100) = 1;
}

TEST(SignalsDeathTest, AccessToQuarantinedStackIsFatal) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("GOSTACK_SYMBOLIZE", "0", 1);
  EXPECT_EXIT(UseMovedStack(), ::testing::ExitedWithCode(2),
              "gostack: fatal: verifymove: access to task 77's old stack \\[0x[0-9a-f]+, "
              "0x[0-9a-f]+\\) \\(8192 bytes\\) at 0x[0-9a-f]+ after it moved");
}

// Quarantine mode: a freed stack's range stays mapped, inaccessible, and is never handed out
// again. Exits 0 when all holds (a fresh process: the mode is fixed at the first allocation).
void QuarantineKeepsAddressesOut() {
  setenv("GOSTACK_DEBUG", "verifymove", 1);
  if (!gostack_stack_quarantine_enabled())
    _exit(10);
  gostack_stackalloc_stats before;
  gostack_stackalloc_get_stats(&before);
  gostack_stack a = gostack_stackalloc(2048);
  if ((a.hi & 4095) != 0)
    _exit(11); // hi is the end of the stack's own mapping
  gostack_stackfree(a);
  gostack_quarantined q;
  if (!gostack_stack_quarantine_find(a.lo, &q) || q.lo != a.lo || q.hi != a.hi || q.task_id)
    _exit(12);
  for (int i = 0; i < 64; i++) {
    gostack_stack b = gostack_stackalloc(2048);
    if (b.lo < a.hi && a.lo < b.hi)
      _exit(13); // reused
    gostack_stackfree(b);
  }
  unsigned char vec;
  // mincore on a PROT_NONE anonymous page: mapped (no ENOMEM), not resident.
  if (mincore(reinterpret_cast<void *>(a.hi - 4096), 4096, &vec) != 0 || (vec & 1))
    _exit(14);
  gostack_stackalloc_stats after;
  gostack_stackalloc_get_stats(&after);
  if (after.mapped_bytes != before.mapped_bytes || after.inuse_bytes != before.inuse_bytes)
    _exit(15); // quarantined memory is no longer counted as mapped stack memory
  _exit(0);
}

TEST(SignalsDeathTest, QuarantineNeverReusesAStack) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(QuarantineKeepsAddressesOut(), ::testing::ExitedWithCode(0), "");
}

// Overflowing the alternate stack in a handler: reported, not a silent death.
__attribute__((noinline)) int Bottomless(int n) {
  volatile char pad[512];
  pad[0] = static_cast<char>(n);
  return Bottomless(n + 1) + pad[0];
}

void OverflowInHandler(int) { Bottomless(0); }

TEST(SignalsDeathTest, AltStackOverflowIsReported) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  setenv("GOSTACK_SYMBOLIZE", "0", 1);
  EXPECT_EXIT(
      {
        gostack_signals_init();
        signal(SIGUSR1, OverflowInHandler);
        raise(SIGUSR1);
      },
      ::testing::ExitedWithCode(2),
      "gostack: fatal: stack overflow in uninstrumented code / signal handler: the alternate "
      "signal stack");
}

} // namespace

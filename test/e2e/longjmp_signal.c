// Leaving a signal handler, and a callback on the system stack, with a jump back into a task
// frame. The gostack runtime runs a handler with the guard at 0 and the on-system-stack flag
// set (its checks must not grow the interrupted stack), and a callback from uninstrumented code
// (qsort's comparator) on the system stack; the jump skips the code that would restore both.
// __gostack_longjmp (the plugin routes every longjmp there) restores them for the task it
// jumps into: the deep recursion after each jump must grow the task's 2 KB stack again, which
// it could not do (and would overrun it) with the guard left at 0.
//
// The -O2 builds are fortified, so their longjmp is __longjmp_chk, which on its own refuses to
// jump from the system stack to a task stack mapped below it.
//
// RUN: %plain-cc -O0 %s -o %t.p0 -lpthread
// RUN: %plain-cc -O2 -D_FORTIFY_SOURCE=2 %s -o %t.p2 -lpthread
// RUN: %gostack-cc -O0 %s -o %t.g0 -lpthread
// RUN: %gostack-cc -O2 -D_FORTIFY_SOURCE=2 %s -o %t.g2 -lpthread
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: %t.p2 %depth_mid > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// Signal masks and thread-directed timers belong to threads, and tasks move between threads:
// one processor keeps the task that unblocks SIGALRM, arms the timer and is interrupted on one
// thread (nothing else is runnable, so no other thread takes its processor meanwhile).
// RUN: env GOSTACK_PROCS=1 %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: env GOSTACK_PROCS=1 %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p2.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: signal 0: jumped=1 handler_depth=3 deep={{[0-9a-f]+}} bad=0
// OUT-NEXT: signal 1: jumped=1 handler_depth=3 deep={{[0-9a-f]+}} bad=0
// OUT-NEXT: signal 2: jumped=1 handler_depth=3 deep={{[0-9a-f]+}} bad=0
// OUT-NEXT: callback 0: jumped=1 deep={{[0-9a-f]+}} bad=0
// OUT-NEXT: callback 1: jumped=1 deep={{[0-9a-f]+}} bad=0
// OUT-NEXT: longjmp_signal: ok
// STATS: signal 0: task={{[0-9]+}} initial=2048
// STATS: signal 0: grew=1
// STATS: signal 2: grew=1
// STATS: callback 0: grew=1
// STATS: callback 1: grew=1

#define _GNU_SOURCE // gettid, SIGEV_THREAD_ID
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "Inputs/e2e.h"

static long depth;
static sigjmp_buf sjb;
static jmp_buf cjb;
static volatile sig_atomic_t armed, handler_depth;

// One-shot SIGALRM in 0.5 ms, sent to this thread: under gostack, tasks run on the runtime's
// threads and a process-directed signal (setitimer's) may land on another one, whose handler
// would then jump into this task's frames from the wrong thread. The spin loop makes no call,
// so the task cannot move to another thread while it waits.
static timer_t timer;
static int timer_made;

static void arm_timer(void) {
  if (timer_made)
    timer_delete(timer);
  struct sigevent sev;
  memset(&sev, 0, sizeof sev);
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGALRM;
  sev._sigev_un._tid = gettid();
  timer_made = timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0;
  struct itimerspec it = {{0, 0}, {0, 500000}};
  if (timer_made)
    timer_settime(timer, 0, &it, NULL);
}

E2E_NOINLINE static int in_handler(int n) {
  long pad[4]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 4, 1, n);
  int r = n == 0 ? 0 : in_handler(n - 1) + 1;
  long bad = 0;
  E2E_BALLAST_CHECK(pad, 4, 1, n, bad);
  return r + (int)bad;
}

static void on_alarm(int sig) {
  (void)sig;
  handler_depth = in_handler(3);
  if (!armed) { // not in the spin loop yet (still arming): a safe point comes later
    arm_timer();
    return;
  }
  armed = 0;
  siglongjmp(sjb, 1);
}

// The functions that call setjmp keep no locals they use after the jump: a stack pointer that
// is live into setjmp's second return is not relocated by a move (docs/design.md, "Precise
// relocation", the known issues; setjmp_longjmp.c covers it). Round number and results travel
// in globals instead.
static int round_no;
static volatile int jumped;

E2E_NOINLINE static void after_jump(const char *what) {
  long bad = 0;
  uint64_t r = e2e_grow(depth, (uint64_t)round_no + (what[0] == 'c' ? 100 : 0), &bad);
  if (what[0] == 's')
    printf("signal %d: jumped=%d handler_depth=%d deep=%llx bad=%ld\n", round_no, jumped,
           (int)handler_depth, (unsigned long long)r, bad);
  else
    printf("callback %d: jumped=%d deep=%llx bad=%ld\n", round_no, jumped,
           (unsigned long long)r, bad);
  char tag[32];
  snprintf(tag, sizeof tag, "%s %d", what, round_no);
  e2e_report_growth(tag);
  E2E_CHECK(jumped && bad == 0);
}

E2E_NOINLINE static void unblock_alarm(void) {
  // Only this thread takes SIGALRM (the plain build runs the task on a thread of its own).
  sigset_t alrm;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  pthread_sigmask(SIG_UNBLOCK, &alrm, NULL);
}

static void *signal_task(void *unused) {
  (void)unused;
  jumped = 0;
  unblock_alarm();
  if (sigsetjmp(sjb, 1) == 0) {
    arm_timer();
    // The handler jumps out of this loop (task code, on the task's stack: a safe point).
    armed = 1;
    while (armed) {
    }
  } else {
    jumped = 1;
  }
  after_jump("signal");
  return NULL;
}

static int compare_and_leave(const void *a, const void *b) {
  (void)a;
  (void)b;
  longjmp(cjb, 1); // from the comparator: qsort's frames (on the system stack) are abandoned
}

static int values[8] = {5, 3, 8, 1, 9, 2, 7, 4};

static void *callback_task(void *unused) {
  (void)unused;
  jumped = 0;
  if (setjmp(cjb) == 0)
    qsort(values, 8, sizeof values[0], compare_and_leave);
  else
    jumped = 1;
  after_jump("callback");
  return NULL;
}

int main(int argc, char **argv) {
  depth = e2e_arg(argc, argv, 1, 100000) / 4;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  sigset_t alrm;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &alrm, NULL); // inherited by the plain build's task threads
  // Each in a fresh task (2 KB stack): the recursion after the jump must grow it.
  for (round_no = 0; round_no < 3; round_no++)
    e2e_join(e2e_spawn(signal_task, NULL));
  for (round_no = 0; round_no < 2; round_no++)
    e2e_join(e2e_spawn(callback_task, NULL));
  return e2e_finish("longjmp_signal");
}

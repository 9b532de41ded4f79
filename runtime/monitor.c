// The monitor (Go's sysmon): a runtime thread that preempts tasks running too long and fires
// the timers of sleeping tasks.
//
// It is created with a bare clone (clone.S) on a stack from stackalloc, not with
// pthread_create: it never calls into libc, so it needs no TLS, and it must not hold a libc
// lock (malloc's, stdio's) that a task could need. Everything it calls is written for that:
// raw system calls (futex.h), the runtime's own locks, and scheduler functions that do not
// read the thread's gostack_m (sched.c marks them). It runs with every signal blocked, so no
// handler ever runs on a thread without TLS.
//
// Preemption (Go's stackPreempt): a task that has run for more than PREEMPT_NS without its P
// scheduling anything else gets its guard poisoned; its next prologue check fails, __morestack
// calls newstack, which sees the request and makes the task yield (newstack.c,
// morestack.S). A loop that calls no instrumented function is not preempted
// (docs/design.md, "Preemption").

#include "scheduler.h"

#include "futex.h"
#include "gostack/gostack.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

// Go's forcePreemptNS.
#define PREEMPT_NS 10000000u
// How often the monitor looks at the Ps: a task is preempted after PREEMPT_NS to
// PREEMPT_NS + TICK_NS of running, and a P blocked in a foreign call with work waiting is
// handed to another M after one to two ticks. When every P has been idle for IDLE_TICKS
// looks, the monitor backs off to IDLE_TICK_NS (Go's sysmon starts at 20 us and backs off to
// 10 ms), so an idle program costs next to nothing; a P that gets busy is looked at within
// IDLE_TICK_NS.
#define TICK_NS 1000000u
#define IDLE_TICK_NS 10000000u
#define IDLE_TICKS 50

#define MONITOR_STACK_SIZE ((size_t)64 << 10)

// Sleeping tasks, in a binary min-heap on their deadline. Pushed by the commit step of
// gostack_sleep_ns (on an M's g0 stack, where realloc is fine), popped by the monitor.
static struct {
  gostack_lock lock;
  gostack_task **heap;
  size_t n, cap;
  uint32_t wake; // bumped to wake the monitor early (an earlier deadline)
} timers;

static bool earlier(const gostack_task *a, const gostack_task *b) { return a->when < b->when; }

static void heap_push(gostack_task *t) {
  size_t i = timers.n++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!earlier(t, timers.heap[parent]))
      break;
    timers.heap[i] = timers.heap[parent];
    i = parent;
  }
  timers.heap[i] = t;
}

static gostack_task *heap_pop(void) {
  gostack_task *top = timers.heap[0], *last = timers.heap[--timers.n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= timers.n)
      break;
    if (c + 1 < timers.n && earlier(timers.heap[c + 1], timers.heap[c]))
      c++;
    if (!earlier(timers.heap[c], last))
      break;
    timers.heap[i] = timers.heap[c];
    i = c;
  }
  if (timers.n)
    timers.heap[i] = last;
  return top;
}

// Commit step of a sleep: the task's context is saved, so the monitor may ready it at once.
static void sleep_commit(void *arg) {
  gostack_task *t = arg;
  gostack_lock_acquire(&timers.lock);
  if (timers.n == timers.cap) {
    size_t cap = timers.cap ? 2 * timers.cap : 256;
    gostack_task **heap = realloc(timers.heap, cap * sizeof *heap);
    if (!heap)
      gostack_fatalf(0, 0, "out of memory growing the timer heap to %zu sleeping tasks", cap);
    timers.heap = heap;
    timers.cap = cap;
  }
  heap_push(t);
  bool first = timers.heap[0] == t;
  gostack_lock_release(&timers.lock);
  if (first) {
    __atomic_add_fetch(&timers.wake, 1, __ATOMIC_RELEASE);
    gostack_futex_wake(&timers.wake, 1);
  }
}

void gostack_sleep_ns(uint64_t ns) {
  gostack_m *m = gostack_getm();
  gostack_task *t = m->curtask;
  if (!t || m->on_system_stack) {
    // A thread, or a task tied to its thread by a callback: the thread sleeps.
    struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR) {
    }
    return;
  }
  if (ns == 0) {
    gostack_yield();
    return;
  }
  t->when = gostack_nanotime() + ns;
  gostack_park_commit(sleep_commit, t);
}

// Readies the tasks whose deadline passed; returns the next deadline (0: none).
static uint64_t fire_timers(uint64_t now) {
  gostack_lock_acquire(&timers.lock);
  while (timers.n && timers.heap[0]->when <= now)
    gostack_sched_ready_global(heap_pop());
  uint64_t next = timers.n ? timers.heap[0]->when : 0;
  gostack_lock_release(&timers.lock);
  return next;
}

static int monitor_main(void *unused) {
  (void)unused;
  int nprocs = gostack_sched_nprocs();
  int idle_looks = 0;
  for (;;) {
    uint32_t wake = __atomic_load_n(&timers.wake, __ATOMIC_ACQUIRE);
    uint64_t now = gostack_raw_nanotime();
    uint64_t next = fire_timers(now);
    bool busy = false;
    for (int i = 0; i < nprocs; i++)
      busy |= gostack_sched_monitor_p(i, now, PREEMPT_NS);
    idle_looks = busy ? 0 : idle_looks + 1;
    uint64_t sleep = idle_looks > IDLE_TICKS ? IDLE_TICK_NS : TICK_NS;
    if (next && next - now < sleep)
      sleep = next > now ? next - now : 1;
    gostack_futex_wait(&timers.wake, wake, sleep);
  }
  return 0;
}

void gostack_monitor_start(void) {
  gostack_stack stack = gostack_stackalloc(MONITOR_STACK_SIZE);
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old); // inherited by the child: it never takes a signal
  long tid = gostack_clone_thread(monitor_main, (void *)(stack.hi - GOSTACK_STACK_TOP_PAD), NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (tid < 0)
    gostack_fatalf(0, 0, "cannot create the monitor thread: %s", strerror((int)-tid));
}

// The scheduler's internal interface (sched.c): what channels, WaitGroup and Mutex (chan.c,
// sync.c) build on. docs/design.md, "Scheduler", has the model: Ps with local run queues, Ms
// (threads) that run a P's tasks, parking with a commit step.
//
// Stack budget: every function here and in chan.c/sync.c that user code calls runs on the
// calling task's stack inside its guard reserve (about 600 bytes below the caller's frame;
// internal.h, GOSTACK_STACK_GUARD), because the runtime is not instrumented. Keep frames small;
// do anything that needs more (malloc, free, formatting) through __gostack_systemstack_call.
#ifndef GOSTACK_RUNTIME_SCHED_H
#define GOSTACK_RUNTIME_SCHED_H

#include "task.h"

#include <stdbool.h>
#include <stdint.h>

// A futex-based lock for the runtime's own short critical sections. Usable from tasks, from
// the system stack, from threads that are not tasks and from the monitor (no libc, no TLS).
// A task holding one is never preempted (runtime code has no prologue checks); it must not
// park while holding one except through gostack_park_commit's commit step.
typedef struct gostack_lock {
  uint32_t state; // 0 free, 1 held, 2 held with waiters
} gostack_lock;
void gostack_lock_acquire(gostack_lock *l);
void gostack_lock_release(gostack_lock *l);

// The calling task, or, when the caller is not a task, this thread's stand-in (a gostack_task
// with is_thread set, in TLS): parking it blocks the thread on a futex. Either can be put on a
// wait queue and passed to gostack_ready.
gostack_task *gostack_waiter_self(void);

// Parks the caller. commit(arg) runs once the caller is marked as parking, on the M's system
// stack; it typically releases the locks of the wait queues the caller put itself on.
// Whoever takes it off such a queue calls gostack_ready exactly once, possibly before the
// caller's registers are saved: the scheduler resumes a task only once its switch is complete.
// Returns when readied. For a thread stand-in, commit runs and then the thread waits.
void gostack_park_commit(void (*commit)(void *arg), void *arg);

// Makes a parked waiter runnable: a task goes on the current P's run queue (or the global one),
// a thread stand-in is woken. Callable from tasks, the system stack and foreign threads.
void gostack_ready(gostack_task *w);

// Per-thread pseudo-random numbers (xorshift), for select's case order.
uint32_t gostack_fastrand(void);

// CLOCK_MONOTONIC in nanoseconds (vDSO; no system call in the common case).
uint64_t gostack_nanotime(void);

// This thread's gostack_m, through the thread pointer on every use, never a cached address:
// runtime code called by a task may return on another thread than it was called on, and the
// compiler would otherwise reuse a TLS address computed before the call.
static inline gostack_m *gostack_getm(void) {
  gostack_m *m;
  __asm__ volatile("movq %%fs:0, %0\n\taddq gostack_m_tls@gottpoff(%%rip), %0" : "=r"(m));
  return m;
}

// Initializes the scheduler if needed (GOSTACK_PROCS, Ps, Ms, the monitor). Idempotent.
void gostack_sched_init(void);

// Runs fn(arg) as the main task with the calling (main) thread as M0, and never returns: the
// process exits with *status when the task finishes (maintask.c).
_Noreturn void gostack_sched_run_main(void *(*fn)(void *), void *arg, int *status);

// ---- For the monitor (monitor.c): none of these reads the calling thread's TLS ----------------

// Readies w through the global run queue.
void gostack_sched_ready_global(gostack_task *w);
int gostack_sched_nprocs(void);
// Retakes P i from a blocked foreign call, or preempts its task after min_ns. Returns whether
// P i is busy (running a task or in a foreign call).
bool gostack_sched_monitor_p(int i, uint64_t now, uint64_t min_ns);

// monitor.c / clone.S
void gostack_monitor_start(void);
long gostack_clone_thread(int (*fn)(void *), void *stack_top, void *arg);

// Called by __morestack on the task stack after newstack asked for a yield (preemption).
void gostack_preempt_yield(void);
// Exception unwinding out of a foreign call: the exitsyscall step (task.c's personality).
void gostack_exitsyscall_unwind(gostack_m *m);

#endif

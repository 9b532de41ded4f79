// Starting the scheduler and its threads: GOSTACK_PROCS, the Ms (pthreads on runtime g0
// stacks), the main task on M0, and what the monitor does to Ps: hand a P blocked in a foreign
// call to a spare M, preempt a task that ran too long (docs/design.md, "Scheduler").

#include "sched_internal.h"

#include "futex.h"
#include "gostack/gostack.h"
#include "signals.h"

#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern struct gostack_eh_globals *__cxa_get_globals(void) __attribute__((weak));

// ---- Starting the scheduler --------------------------------------------------------------------

static int procs_from_env(void) {
  const char *s = getenv("GOSTACK_PROCS");
  if (s && *s) {
    char *end;
    long v = strtol(s, &end, 10);
    if (*end || v < 1 || v > MAX_PROCS)
      gostack_fatalf(0, 0, "GOSTACK_PROCS=%s: expected a number of processors from 1 to %d", s,
                     MAX_PROCS);
    return (int)v;
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
    return CPU_COUNT(&set) > MAX_PROCS ? MAX_PROCS : CPU_COUNT(&set);
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > MAX_PROCS ? MAX_PROCS : (int)n;
}

// Makes the calling thread the M of p: what every M does before its scheduler loop.
// The signal mask every M runs with: the main thread's when the scheduler started (Go's
// initSigmask). A new M starts with every signal blocked, so no handler runs on it before its
// alternate signal stack is installed, then switches to this.
static sigset_t initial_sigmask;

static void m_init(gostack_m *m, gostack_p *p) {
  m->p = p;
  if (p)
    p->m = m;
  __asm__ volatile("movq %%fs:0, %0" : "=r"(m->tcb));
  m->rand = 0x9e3779b9u * (uint32_t)((uintptr_t)m >> 4 | 1);
  gostack_signals_init();
  gostack_init_system_stack(m);
  gostack_stackcache_enable();
  pthread_sigmask(SIG_SETMASK, &initial_sigmask, NULL);
  if (__cxa_get_globals)
    m->eh = __cxa_get_globals();
}

static void *m_thread_main(void *arg) {
  gostack_p *p = arg;
  gostack_m *m = getm();
  m_init(m, p);
  sched_loop(m);
}

// An M for p on a g0 stack from the runtime's allocator, with a guard page at its bottom.
void sched_start_m(gostack_p *p) {
  gostack_stack g0 = gostack_stackalloc(G0_STACK_SIZE);
  if (mprotect((void *)g0.lo, G0_GUARD_PAGE, PROT_NONE) != 0)
    gostack_fatalf(0, 0, "mprotect of a %zu-byte g0 stack's guard page failed", G0_STACK_SIZE);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, (void *)(g0.lo + G0_GUARD_PAGE), G0_STACK_SIZE - G0_GUARD_PAGE);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  sigset_t all;
  sigfillset(&all);
  pthread_attr_setsigmask_np(&attr, &all); // until m_init has set up signal handling
  pthread_t th;
  int err = pthread_create(&th, &attr, m_thread_main, p);
  pthread_attr_destroy(&attr);
  if (err)
    gostack_fatalf(0, 0, "cannot create the thread for processor %d: %s", p->id, strerror(err));
}

static bool m0_is_caller;

static void init_once(void) {
  gostack_runtime_init();
  pthread_sigmask(SIG_BLOCK, NULL, &initial_sigmask);
  int n = procs_from_env();
  gostack_p *allp = aligned_alloc(64, sizeof(gostack_p) * (size_t)n);
  if (!allp)
    gostack_fatalf(0, 0, "out of memory allocating %d processors", n);
  memset(allp, 0, sizeof(gostack_p) * (size_t)n);
  for (int i = 0; i < n; i++)
    allp[i].id = i;
  gostack_sched.allp = allp;
  gostack_sched.nprocs = n;
  // Ms other than M0 start idle-spinning, find nothing and sleep until sched_wakep. One more waits
  // as a spare for the first hand-off.
  for (int i = m0_is_caller ? 1 : 0; i < n; i++)
    sched_start_m(&allp[i]);
  sched_start_m(NULL);
  gostack_monitor_start();
}

void gostack_sched_init(void) { pthread_once(&gostack_sched.once, init_once); }

_Noreturn void gostack_sched_run_main(void *(*fn)(void *), void *arg, int *status) {
  m0_is_caller = true;
  gostack_sched_init();
  gostack_m *m = getm();
  m_init(m, &gostack_sched.allp[0]);
  gostack_sched.main_status = status;
  struct sched_spawn_req req = {fn, arg, false, NULL};
  sched_spawn_slow(&req);
  req.task->is_main = 1;
  sched_runq_put(m->p, req.task, false);
  sched_loop(m);
}

// ---- For the monitor (monitor.c) and diagnostics -----------------------------------------------

int gostack_sched_nprocs(void) { return gostack_sched.nprocs; }

// Hands p, taken from an M in a foreign call, to a spare M. No TLS (the monitor calls it).
static bool handoff_p(gostack_p *p) {
  gostack_lock_acquire(&gostack_sched.lock);
  gostack_m *m = gostack_sched.spare;
  if (m) {
    gostack_sched.spare = m->spare_link;
    gostack_sched.nspare--;
  }
  gostack_lock_release(&gostack_sched.lock);
  if (!m)
    return false;
  p->m = m;
  m->p = p;
  __atomic_store_n(&p->status, P_RUNNING, __ATOMIC_RELEASE);
  __atomic_store_n(&m->park, 1, __ATOMIC_RELEASE);
  gostack_futex_wake(&m->park, 1);
  return true;
}

// The monitor's look at P i (monitor.c): retake it from a foreign call that has blocked for a
// tick while there is work, or preempt the task it has been running for min_ns.
bool gostack_sched_monitor_p(int i, uint64_t now, uint64_t min_ns) {
  gostack_p *p = &gostack_sched.allp[i];
  uint32_t status = __atomic_load_n(&p->status, __ATOMIC_ACQUIRE);
  if (status == P_SYSCALL) {
    uint32_t tick = __atomic_load_n(&p->syscalltick, __ATOMIC_RELAXED);
    if (tick != p->mon_syscalltick) {
      p->mon_syscalltick = tick; // a new call since the last look: give it a tick
      return true;
    }
    if (sched_runq_empty(p) && !__atomic_load_n(&gostack_sched.runq_size, __ATOMIC_RELAXED))
      return true; // nothing waits for this P
    uint32_t expect = P_SYSCALL;
    if (__atomic_compare_exchange_n(&p->status, &expect, P_HANDOFF, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED) &&
        !handoff_p(p))
      __atomic_store_n(&p->status, P_SYSCALL, __ATOMIC_RELEASE); // no spare yet: next tick
    return true;
  }
  uint32_t tick = __atomic_load_n(&p->schedtick, __ATOMIC_RELAXED);
  gostack_task *t = __atomic_load_n(&p->running, __ATOMIC_ACQUIRE);
  if (tick != p->mon_tick || !t) {
    p->mon_tick = tick;
    p->mon_since = now;
    return t != NULL;
  }
  if (now - p->mon_since < min_ns)
    return true;
  p->mon_since = now; // one request per period
  // Descriptors are never freed, so a stale t is at worst a spurious request (newstack.c
  // ignores a poisoned guard without one).
  __atomic_store_n(&t->preempt, 1, __ATOMIC_RELEASE);
  __atomic_store_n(&t->stackguard0, GOSTACK_GUARD_POISON, __ATOMIC_RELEASE);
  gostack_m *m = p->m;
  if (m && __atomic_load_n(&m->curtask, __ATOMIC_ACQUIRE) == t &&
      !__atomic_load_n(&m->on_system_stack, __ATOMIC_ACQUIRE))
    __atomic_store_n((uintptr_t *)(m->tcb + TCB_STACK_GUARD), GOSTACK_GUARD_POISON,
                     __ATOMIC_RELEASE);
  return true;
}

// __gostack_systemstack_personality (task.c): an exception left a foreign call. If the P was
// handed off meanwhile, the task goes on without one until its next prologue check, which the
// poisoned guard makes a yield through the global queue.
void gostack_exitsyscall_unwind(gostack_m *m) {
  gostack_p *p = m->p;
  if (!p)
    return;
  uint32_t expect = P_SYSCALL;
  if (__atomic_compare_exchange_n(&p->status, &expect, P_RUNNING, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_RELAXED))
    return;
  m->p = NULL;
  gostack_task *t = m->curtask;
  __atomic_store_n(&t->preempt, 1, __ATOMIC_RELEASE);
  __atomic_store_n(&t->stackguard0, GOSTACK_GUARD_POISON, __ATOMIC_RELEASE);
}

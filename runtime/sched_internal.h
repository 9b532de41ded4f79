// Internals shared by the scheduler's files: sched.c (run queues, Ms, switching, parking),
// tasks.c (creating, joining, park/unpark) and threads.c (starting Ms, the monitor's hand-off
// and preemption). Nothing here is API; runtime/scheduler.h is what chan.c and sync.c use.
#ifndef GOSTACK_RUNTIME_SCHED_INTERNAL_H
#define GOSTACK_RUNTIME_SCHED_INTERNAL_H

#include "scheduler.h"

#include "asm_offsets.h"

#include <pthread.h>

// Not exported from a shared object that links the runtime; still global in the archive,
// hence the prefixes.
#define SCHED_HIDDEN __attribute__((visibility("hidden")))

// Local run queue slots: Go's size. A full queue moves half of itself to the global queue.
#define RUNQ_SIZE 256u

// Upper bound on GOSTACK_PROCS (the per-P arrays are sized at init; this only rejects nonsense).
#define MAX_PROCS 1024

// Every 61st schedule of a P takes from the global queue first, so tasks there are not starved
// by a P whose local queue never empties (Go's schedule(): a prime, to avoid patterns).
#define GLOBAL_QUEUE_TICK 61u

// The g0 stack of a runtime-created M. Foreign calls of its tasks run there (docs/design.md,
// "Foreign calls"), so it is as big as a default thread stack; untouched pages cost nothing.
#define G0_STACK_SIZE ((size_t)8 << 20)
#define G0_GUARD_PAGE 4096u

// Room between the scheduler loop's frame and the SP where a task's system-stack work starts
// (m->g0_sp): execute()'s frame and the context gostack_switch saves must fit in it.
#define G0_SCHED_GAP 1024u

// Task descriptors a P keeps for reuse; more go to the global free list in halves.
#define TASK_CACHE_MAX 128u

// How long an M with nothing to run keeps looking (spinning) before it sleeps on its futex.
#define IDLE_SPIN_NS 50000u

// A thief leaves a P's runnext alone this long after seeing it set while the P runs a task: the
// task that readied it is usually about to park (a channel hand-off), and taking it would bounce
// the pair between Ps (Go's runqgrab sleeps 3 us for the same reason).
#define RUNNEXT_GRACE_NS 3000u

// What the scheduler loop does with the task that switched back to it (m->after).
// AFTER_HANDLED: nothing, switch_direct published it already.
enum { AFTER_YIELD = 1, AFTER_PREEMPT, AFTER_LOST_P, AFTER_EXIT, AFTER_HANDLED };

typedef struct gostack_p {
  uint32_t status;         // P_STATUS: P_RUNNING, P_SYSCALL (its M is in a foreign call), P_HANDOFF
  uint32_t syscalltick;    // P_SYSCALLTICK: foreign calls entered (switch.S)
  uint32_t runqhead;       // atomic: taken by the owner and by thieves (CAS)
  uint32_t runqtail;       // atomic: written by the owner only
  gostack_task *runnext;   // atomic
  gostack_task *runq[RUNQ_SIZE];
  int id;
  uint32_t schedtick;      // tasks started (atomic: the monitor reads it)
  gostack_task *running;   // atomic: the task on the CPU, for the monitor
  gostack_m *m;
  uint32_t wake;           // futex word an idle M sleeps on
  uint8_t idle;            // on gostack_sched.idle (under gostack_sched.lock)
  struct gostack_p *idle_link;
  gostack_task *free_tasks; // descriptor cache (owner only)
  uint32_t nfree_tasks;
  uint32_t mon_syscalltick; // monitor.c's last look at syscalltick
  uint32_t mon_tick;        // monitor.c's last look at schedtick
  uint64_t mon_since;       // and when it last changed
} __attribute__((aligned(64))) gostack_p;


typedef struct gostack_sched_state {
  gostack_lock lock;        // the global queue, the idle list, the descriptor free list
  gostack_task *runq_head, *runq_tail;
  uint32_t runq_size;       // atomic, read without the lock as a hint
  gostack_p *idle;
  uint32_t nidle;           // atomic
  uint32_t nspinning;       // atomic: Ms looking for work to steal
  int nprocs;
  gostack_p *allp;
  gostack_task *free_tasks;
  gostack_m *spare;         // Ms without a P, parked until handed one
  uint32_t nspare;
  int *main_status;         // the main task's result slot (maintask.c)
  pthread_once_t once;
} gostack_sched_state;
extern gostack_sched_state gostack_sched SCHED_HIDDEN;


#define getm gostack_getm

// The P whose run queue and caches the caller may use as their owner: none while the M is in a
// foreign call (a callback), whose P the monitor may have handed to another M.
static inline gostack_p *owned_p(gostack_m *m) { return m->on_system_stack ? NULL : m->p; }

// libstdc++'s per-thread exception state (its __cxa_eh_globals on x86-64): the exceptions
// being handled (for `throw;` and std::current_exception) and the count of uncaught ones. A
// task that parks inside a catch handler may resume on another thread, so execute() moves it
// with the task. Referenced weakly: C programs do not link the C++ runtime.
struct gostack_eh_globals {
  void *caught;
  unsigned uncaught;
};


// sched.c
void sched_runq_put(gostack_p *p, gostack_task *t, bool next) SCHED_HIDDEN;
bool sched_runq_empty(gostack_p *p) SCHED_HIDDEN;
void sched_global_put(gostack_task *head, gostack_task *tail, uint32_t n) SCHED_HIDDEN;
void sched_wakep(void) SCHED_HIDDEN;
// Called on the task's stack: saves its context and resumes the scheduler loop, which handles
// m->after. Returns when some M runs the task again.
void sched_switch_out(gostack_m *m, int after) SCHED_HIDDEN;
_Noreturn void sched_loop(gostack_m *m) SCHED_HIDDEN;

// tasks.c
struct sched_spawn_req {
  void *(*fn)(void *);
  void *arg;
  bool detached;
  gostack_task *task;
};
// On the system stack: a descriptor and a stack for req (req->task).
void sched_spawn_slow(void *req) SCHED_HIDDEN;
void sched_free_descriptor(gostack_p *p, gostack_task *t) SCHED_HIDDEN;

// threads.c
void sched_start_m(gostack_p *p) SCHED_HIDDEN;

#endif

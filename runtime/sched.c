// The M:N scheduler: processors (P) with local run queues, threads (M) that run them, a global
// run queue, work stealing, and parking. Go's runtime/proc.go is the model; docs/design.md,
// "Scheduler", describes ours.
//
//   P  a processor: a run queue of RUNQ_SIZE tasks (lock-free: the owner puts at the tail and
//      takes at the head, thieves take half from the head by CAS), a `runnext` slot for the task
//      just readied (so a woken task runs next, on the same P: channel ping-pong stays local),
//      and caches of task descriptors (here) and stacks (stackalloc.c).
//   M  a thread that runs a P. A task's foreign calls run on its M's system stack and may
//      block; while one does, its P is marked P_SYSCALL, and the monitor hands a P that stays
//      so for a tick and has work to a spare M (Go's entersyscall / retake / handoffp). The M
//      that comes back from the call without its P queues the task globally and becomes a
//      spare. Ms are created with pthread_create on stacks the runtime allocates (their g0
//      stacks), so libc has valid TLS on them; the monitor (monitor.c), which never touches
//      libc, uses a bare clone and therefore never creates Ms: one spare always waits, and a
//      spare that is handed a P creates the next one.
//
// A task leaves the CPU only by switching to its M's scheduler context on the g0 stack (yield,
// park, exit, preemption). What happens to it then (back on a run queue, the commit step of a
// park, freeing) runs there, after its registers are saved: no other M can resume a task whose
// context is not complete.

#include "scheduler.h"

#include "asm_offsets.h"
#include "futex.h"
#include "gostack/gostack.h"
#include "signals.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

// A thief leaves a P's runnext alone this long after seeing it set while the P runs a task: the
// task that readied it is usually about to park (a channel hand-off), and taking it would bounce
// the pair between Ps (Go's runqgrab sleeps 3 us for the same reason).
#define RUNNEXT_GRACE_NS 3000u

enum { AFTER_YIELD = 1, AFTER_PREEMPT, AFTER_LOST_P, AFTER_PARK, AFTER_EXIT };

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
  uint8_t idle;            // on sched.idle (under sched.lock)
  struct gostack_p *idle_link;
  gostack_task *free_tasks; // descriptor cache (owner only)
  uint32_t nfree_tasks;
  uint32_t mon_syscalltick; // monitor.c's last look at syscalltick
  uint32_t mon_tick;        // monitor.c's last look at schedtick
  uint64_t mon_since;       // and when it last changed
} __attribute__((aligned(64))) gostack_p;

static struct {
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
} sched = {.once = PTHREAD_ONCE_INIT};

static uint64_t next_task_id = 1; // main is task 1 when it runs as a task

#define getm gostack_getm

// The P whose run queue and caches the caller may use as their owner: none while the M is in a
// foreign call (a callback), whose P the monitor may have handed to another M.
static inline gostack_p *owned_p(gostack_m *m) { return m->on_system_stack ? NULL : m->p; }

// The stand-in a thread that is not a task parks (gostack_waiter_self).
static __thread gostack_task thread_waiter __attribute__((tls_model("initial-exec")));

// ---- Locks ------------------------------------------------------------------------------------

void gostack_lock_acquire(gostack_lock *l) {
  uint32_t c = 0;
  if (__atomic_compare_exchange_n(&l->state, &c, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
    return;
  // Critical sections are a few dozen instructions: spinning briefly beats a futex round trip.
  for (int i = 0; i < 64; i++) {
    __builtin_ia32_pause();
    c = 0;
    if (__atomic_load_n(&l->state, __ATOMIC_RELAXED) == 0 &&
        __atomic_compare_exchange_n(&l->state, &c, 1, false, __ATOMIC_ACQUIRE,
                                    __ATOMIC_RELAXED))
      return;
  }
  while (__atomic_exchange_n(&l->state, 2, __ATOMIC_ACQUIRE) != 0)
    gostack_futex_wait(&l->state, 2, 0);
}

void gostack_lock_release(gostack_lock *l) {
  if (__atomic_exchange_n(&l->state, 0, __ATOMIC_RELEASE) == 2)
    gostack_futex_wake(&l->state, 1);
}

// ---- Small utilities ---------------------------------------------------------------------------

uint32_t gostack_fastrand(void) {
  gostack_m *m = getm();
  uint32_t x = m->rand ? m->rand : (uint32_t)(uintptr_t)m | 1;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  m->rand = x;
  return x;
}

uint64_t gostack_nanotime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int gostack_procs(void) {
  gostack_sched_init();
  return sched.nprocs;
}

gostack_task *gostack_self(void) {
  gostack_m *m = getm();
  return m->curtask;
}

// ---- Run queues (Go's runqput / runqget / runqgrab) --------------------------------------------

static void global_put_list(gostack_task *head, gostack_task *tail, uint32_t n) {
  gostack_lock_acquire(&sched.lock);
  tail->schedlink = NULL;
  if (sched.runq_tail)
    sched.runq_tail->schedlink = head;
  else
    sched.runq_head = head;
  sched.runq_tail = tail;
  __atomic_add_fetch(&sched.runq_size, n, __ATOMIC_SEQ_CST);
  gostack_lock_release(&sched.lock);
}

// Moves the older half of p's full queue, and t, to the global queue. Only the owner writes
// slots, so once the CAS has claimed [h, h + n) they can be read at leisure.
static bool runq_put_slow(gostack_p *p, gostack_task *t, uint32_t h, uint32_t tl) {
  uint32_t n = (tl - h) / 2;
  if (!__atomic_compare_exchange_n(&p->runqhead, &h, h + n, false, __ATOMIC_RELEASE,
                                   __ATOMIC_RELAXED))
    return false;
  gostack_task *head = NULL, **link = &head;
  for (uint32_t i = 0; i < n; i++) {
    gostack_task *x = __atomic_load_n(&p->runq[(h + i) % RUNQ_SIZE], __ATOMIC_RELAXED);
    *link = x;
    link = &x->schedlink;
  }
  *link = t;
  global_put_list(head, t, n + 1);
  return true;
}

static void runq_put(gostack_p *p, gostack_task *t, bool next) {
  if (next) {
    gostack_task *old = __atomic_exchange_n(&p->runnext, t, __ATOMIC_ACQ_REL);
    if (!old)
      return;
    t = old; // the task it displaced goes to the tail
  }
  for (;;) {
    uint32_t h = __atomic_load_n(&p->runqhead, __ATOMIC_ACQUIRE);
    uint32_t tl = p->runqtail;
    if (tl - h < RUNQ_SIZE) {
      __atomic_store_n(&p->runq[tl % RUNQ_SIZE], t, __ATOMIC_RELAXED);
      __atomic_store_n(&p->runqtail, tl + 1, __ATOMIC_RELEASE);
      return;
    }
    if (runq_put_slow(p, t, h, tl))
      return;
  }
}

static gostack_task *runq_get(gostack_p *p) {
  gostack_task *next = __atomic_load_n(&p->runnext, __ATOMIC_ACQUIRE);
  if (next && __atomic_compare_exchange_n(&p->runnext, &next, NULL, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_RELAXED))
    return next;
  for (;;) {
    uint32_t h = __atomic_load_n(&p->runqhead, __ATOMIC_ACQUIRE);
    uint32_t tl = p->runqtail;
    if (h == tl)
      return NULL;
    gostack_task *t = __atomic_load_n(&p->runq[h % RUNQ_SIZE], __ATOMIC_RELAXED);
    if (__atomic_compare_exchange_n(&p->runqhead, &h, h + 1, false, __ATOMIC_RELEASE,
                                    __ATOMIC_RELAXED))
      return t;
  }
}

static bool runq_empty(gostack_p *p) {
  return __atomic_load_n(&p->runqhead, __ATOMIC_ACQUIRE) ==
             __atomic_load_n(&p->runqtail, __ATOMIC_ACQUIRE) &&
         !__atomic_load_n(&p->runnext, __ATOMIC_ACQUIRE);
}

// Copies up to half of victim's queue into p's slots from p's tail on; returns how many.
static uint32_t runq_grab(gostack_p *p, gostack_p *victim, bool take_next) {
  uint32_t tail = p->runqtail;
  for (;;) {
    uint32_t h = __atomic_load_n(&victim->runqhead, __ATOMIC_ACQUIRE);
    uint32_t tl = __atomic_load_n(&victim->runqtail, __ATOMIC_ACQUIRE);
    uint32_t n = tl - h;
    n -= n / 2;
    if (n == 0) {
      gostack_task *next = __atomic_load_n(&victim->runnext, __ATOMIC_ACQUIRE);
      if (!take_next || !next)
        return 0;
      if (__atomic_load_n(&victim->running, __ATOMIC_ACQUIRE)) {
        uint64_t until = gostack_nanotime() + RUNNEXT_GRACE_NS;
        while (gostack_nanotime() < until)
          __builtin_ia32_pause();
      }
      if (!__atomic_compare_exchange_n(&victim->runnext, &next, NULL, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_RELAXED))
        continue;
      __atomic_store_n(&p->runq[tail % RUNQ_SIZE], next, __ATOMIC_RELAXED);
      return 1;
    }
    if (n > RUNQ_SIZE / 2)
      continue; // head and tail read at different times: inconsistent, retry
    for (uint32_t i = 0; i < n; i++)
      __atomic_store_n(&p->runq[(tail + i) % RUNQ_SIZE],
                       __atomic_load_n(&victim->runq[(h + i) % RUNQ_SIZE], __ATOMIC_RELAXED),
                       __ATOMIC_RELAXED);
    if (__atomic_compare_exchange_n(&victim->runqhead, &h, h + n, false, __ATOMIC_RELEASE,
                                    __ATOMIC_RELAXED))
      return n;
  }
}

static gostack_task *runq_steal(gostack_p *p, gostack_p *victim, bool take_next) {
  uint32_t n = runq_grab(p, victim, take_next);
  if (n == 0)
    return NULL;
  uint32_t tail = p->runqtail;
  gostack_task *t = __atomic_load_n(&p->runq[(tail + n - 1) % RUNQ_SIZE], __ATOMIC_RELAXED);
  if (n > 1)
    __atomic_store_n(&p->runqtail, tail + n - 1, __ATOMIC_RELEASE);
  return t;
}

// Takes a share of the global queue (under sched.lock): returns one task, puts the rest on p.
static gostack_task *global_get(gostack_p *p, uint32_t max) {
  uint32_t size = __atomic_load_n(&sched.runq_size, __ATOMIC_RELAXED);
  if (size == 0)
    return NULL;
  uint32_t n = size / (uint32_t)sched.nprocs + 1;
  if (n > size)
    n = size;
  if (max && n > max)
    n = max;
  if (n > RUNQ_SIZE / 2)
    n = RUNQ_SIZE / 2;
  __atomic_sub_fetch(&sched.runq_size, n, __ATOMIC_SEQ_CST);
  gostack_task *t = sched.runq_head;
  sched.runq_head = t->schedlink;
  for (uint32_t i = 1; i < n; i++) {
    gostack_task *x = sched.runq_head;
    sched.runq_head = x->schedlink;
    runq_put(p, x, false);
  }
  if (!sched.runq_head)
    sched.runq_tail = NULL;
  return t;
}

// ---- Idle Ms and waking them -------------------------------------------------------------------

// Wakes an idle M to look for work, unless one is already looking (Go's wakep). No TLS: the
// monitor calls it.
static void wakep(void) {
  if (__atomic_load_n(&sched.nidle, __ATOMIC_SEQ_CST) == 0)
    return;
  uint32_t zero = 0;
  if (!__atomic_compare_exchange_n(&sched.nspinning, &zero, 1, false, __ATOMIC_SEQ_CST,
                                   __ATOMIC_RELAXED))
    return;
  gostack_lock_acquire(&sched.lock);
  gostack_p *p = sched.idle;
  if (p) {
    sched.idle = p->idle_link;
    p->idle = 0;
    __atomic_sub_fetch(&sched.nidle, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->wake, 1, __ATOMIC_RELEASE); // counted in nspinning for it
  }
  gostack_lock_release(&sched.lock);
  if (p)
    gostack_futex_wake(&p->wake, 1);
  else
    __atomic_sub_fetch(&sched.nspinning, 1, __ATOMIC_SEQ_CST);
}

static bool any_work(void) {
  if (__atomic_load_n(&sched.runq_size, __ATOMIC_SEQ_CST))
    return true;
  for (int i = 0; i < sched.nprocs; i++)
    if (!runq_empty(&sched.allp[i]))
      return true;
  return false;
}

// Parks m's thread until wakep picks its P, unless work shows up while it goes idle (the
// re-check after publishing itself idle closes the window in which a producer saw no idle P).
static void idle_wait(gostack_m *m, gostack_p *p) {
  gostack_lock_acquire(&sched.lock);
  __atomic_store_n(&p->wake, 0, __ATOMIC_RELAXED);
  p->idle = 1;
  p->idle_link = sched.idle;
  sched.idle = p;
  __atomic_add_fetch(&sched.nidle, 1, __ATOMIC_SEQ_CST);
  gostack_lock_release(&sched.lock);
  if (m->spinning) {
    m->spinning = 0;
    __atomic_sub_fetch(&sched.nspinning, 1, __ATOMIC_SEQ_CST);
  }
  if (any_work()) {
    gostack_lock_acquire(&sched.lock);
    if (p->idle) { // still listed: take ourselves off and look again
      gostack_p **pp = &sched.idle;
      while (*pp != p)
        pp = &(*pp)->idle_link;
      *pp = p->idle_link;
      p->idle = 0;
      __atomic_sub_fetch(&sched.nidle, 1, __ATOMIC_SEQ_CST);
      gostack_lock_release(&sched.lock);
      return;
    }
    gostack_lock_release(&sched.lock); // a waker took us; its wake is set or about to be
  }
  while (__atomic_load_n(&p->wake, __ATOMIC_ACQUIRE) == 0)
    gostack_futex_wait(&p->wake, 0, 0);
  m->spinning = 1; // the waker counted us in nspinning
}

static gostack_task *steal_work(gostack_m *m, gostack_p *p) {
  int n = sched.nprocs;
  for (int round = 0; round < 4; round++) {
    int start = (int)(gostack_fastrand() % (uint32_t)n);
    for (int i = 0; i < n; i++) {
      gostack_p *victim = &sched.allp[(start + i) % n];
      if (victim == p)
        continue;
      gostack_task *t = runq_steal(p, victim, round == 3);
      if (t)
        return t;
    }
    if (__atomic_load_n(&sched.runq_size, __ATOMIC_RELAXED))
      return NULL; // the caller takes from the global queue first
  }
  return NULL;
}

// The next task for m's P: local queue, global queue, other Ps; sleeps when there is none.
static gostack_task *find_runnable(gostack_m *m) {
  gostack_p *p = m->p;
  for (;;) {
    gostack_task *t = NULL;
    if (p->schedtick % GLOBAL_QUEUE_TICK == 0 && __atomic_load_n(&sched.runq_size,
                                                                 __ATOMIC_RELAXED)) {
      gostack_lock_acquire(&sched.lock);
      t = global_get(p, 1);
      gostack_lock_release(&sched.lock);
    }
    if (!t)
      t = runq_get(p);
    if (!t && __atomic_load_n(&sched.runq_size, __ATOMIC_RELAXED)) {
      gostack_lock_acquire(&sched.lock);
      t = global_get(p, 0);
      gostack_lock_release(&sched.lock);
    }
    if (!t && sched.nprocs > 1) {
      // Go's limit: at most half of the busy Ps' Ms spin, so idle cores do not burn CPU.
      uint32_t busy = (uint32_t)sched.nprocs - __atomic_load_n(&sched.nidle, __ATOMIC_RELAXED);
      if (m->spinning || 2 * __atomic_load_n(&sched.nspinning, __ATOMIC_RELAXED) < busy) {
        if (!m->spinning) {
          m->spinning = 1;
          __atomic_add_fetch(&sched.nspinning, 1, __ATOMIC_SEQ_CST);
        }
        t = steal_work(m, p);
      }
    }
    if (t) {
      if (m->spinning) {
        m->spinning = 0;
        // The last spinner found work: there may be more, so wake another to look.
        if (__atomic_sub_fetch(&sched.nspinning, 1, __ATOMIC_SEQ_CST) == 0)
          wakep();
      }
      return t;
    }
    if (__atomic_load_n(&sched.runq_size, __ATOMIC_RELAXED))
      continue;
    idle_wait(m, p);
  }
}

// ---- Readying ----------------------------------------------------------------------------------

static void thread_wake(gostack_task *w) {
  __atomic_store_n(&w->wake, 1, __ATOMIC_RELEASE);
  gostack_futex_wake(&w->wake, 1);
}

void gostack_ready(gostack_task *w) {
  if (w->is_thread || __atomic_load_n(&w->wait_on_thread, __ATOMIC_ACQUIRE)) {
    thread_wake(w);
    return;
  }
  __atomic_store_n(&w->state, TASK_RUNNABLE, __ATOMIC_RELAXED);
  gostack_p *p = owned_p(getm());
  if (p)
    runq_put(p, w, true);
  else
    global_put_list(w, w, 1);
  wakep();
}

// For the monitor: no TLS, so always the global queue.
void gostack_sched_ready_global(gostack_task *w) {
  if (w->is_thread || __atomic_load_n(&w->wait_on_thread, __ATOMIC_ACQUIRE)) {
    thread_wake(w);
    return;
  }
  __atomic_store_n(&w->state, TASK_RUNNABLE, __ATOMIC_RELAXED);
  global_put_list(w, w, 1);
  wakep();
}

// ---- Switching between a task and its M's scheduler ---------------------------------------------

// Called on the task's stack: saves its context and resumes the scheduler loop, which handles
// m->after. Returns when some M runs the task again.
static void switch_to_scheduler(gostack_m *m, int after) {
  gostack_task *t = m->curtask;
  m->after = after;
  gostack_switch(&t->sched_sp, m->sched_sp);
}

// Called by __morestack on the task's stack when newstack found a preemption request (the
// vector state is saved below the context; runtime/morestack.S).
void gostack_preempt_yield(void) { switch_to_scheduler(getm(), AFTER_PREEMPT); }

// Called by __gostack_systemstack_call on the task stack when the M came back from a foreign
// call and its P had been handed to another M (switch.S).
void gostack_exitsyscall_lost_p(void) {
  gostack_m *m = getm();
  m->p = NULL;
  switch_to_scheduler(m, AFTER_LOST_P);
}

static void release_task_memory(gostack_task *t) {
  gostack_pinned_free_all(t->pinned_root);
  t->pinned_root = NULL;
  free(t->jmpbufs);
  t->jmpbufs = NULL;
  t->njmpbufs = t->jmpbuf_cap = 0;
  gostack_stackfree(t->stack);
  t->stack = (gostack_stack){0, 0};
}

static void free_descriptor(gostack_p *p, gostack_task *t);

// On g0, after t's function returned.
static void finish_task(gostack_m *m, gostack_task *t) {
  if (t->is_main)
    exit(*sched.main_status); // like Go: the program ends when main returns
  release_task_memory(t);
  __atomic_store_n(&t->state, TASK_DONE, __ATOMIC_RELEASE);
  if (t->detached) {
    free_descriptor(m->p, t);
    return;
  }
  uint32_t expect = JOIN_PENDING;
  if (__atomic_compare_exchange_n(&t->join_state, &expect, JOIN_DONE, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE))
    return; // the joiner will find it done (and may free t at once: no access after this)
  gostack_task *joiner = t->joiner;
  __atomic_store_n(&t->join_state, JOIN_DONE, __ATOMIC_RELEASE);
  gostack_ready(joiner);
}

// A task that stops using at least 3/4 of its stack gets it halved at its next prologue check
// (newstack.c), where the frame walk has a stack map to start from; never below the minimum.
static void note_shrink(gostack_task *t) {
  size_t size = t->stack.hi - t->stack.lo;
  if (size > gostack_cfg.stack_min && t->stack.hi - t->sched_sp < size / 4) {
    t->shrink_pending = 1;
    __atomic_store_n(&t->stackguard0, GOSTACK_GUARD_POISON, __ATOMIC_RELAXED);
  }
}

static void execute(gostack_m *m, gostack_task *t) {
  gostack_p *p = m->p, *ran = p;
  __atomic_store_n(&p->schedtick, p->schedtick + 1, __ATOMIC_RELAXED);
  __atomic_store_n(&p->running, t, __ATOMIC_RELEASE);
  __atomic_store_n(&t->state, TASK_RUNNING, __ATOMIC_RELAXED);
  m->curtask = t;
  __gostack_pinned_sp = t->pinned_sp;
  __gostack_pinned_limit = t->pinned_limit;
  gostack_pinned_root = t->pinned_root;
  gostack_set_guard(__atomic_load_n(&t->stackguard0, __ATOMIC_RELAXED));
  gostack_switch(&m->sched_sp, t->sched_sp);
  // t is switched out, its context saved; this is still m's g0 stack.
  gostack_set_guard(0);
  t->pinned_sp = __gostack_pinned_sp;
  t->pinned_limit = __gostack_pinned_limit;
  t->pinned_root = gostack_pinned_root;
  m->curtask = NULL;
  p = m->p; // NULL if the task lost it in a foreign call (then another M owns `ran`)
  if (p == ran)
    __atomic_store_n(&p->running, NULL, __ATOMIC_RELEASE);
  else
    gostack_release_segments(m); // this M becomes a spare; before t can run elsewhere
  switch (m->after) {
  case AFTER_YIELD:
  case AFTER_PREEMPT:
  case AFTER_LOST_P:
    note_shrink(t);
    __atomic_store_n(&t->state, TASK_RUNNABLE, __ATOMIC_RELAXED);
    if (m->after == AFTER_YIELD && p) {
      runq_put(p, t, false);
    } else {
      global_put_list(t, t, 1); // behind everything else, as Go does with preempted tasks
      wakep();
    }
    break;
  case AFTER_PARK:
    note_shrink(t);
    __atomic_store_n(&t->state, TASK_WAITING, __ATOMIC_RELAXED);
    m->commit(m->commit_arg); // may ready t at once; nothing here touches t afterwards
    break;
  case AFTER_EXIT:
    finish_task(m, t);
    break;
  }
}

static void start_m(gostack_p *p);

// Parks an M that has no P among the spares until the monitor hands it one (handoff_p). The
// spare that leaves the list makes sure another one is there for the next hand-off: the
// monitor cannot create threads.
static void stop_m(gostack_m *m) {
  gostack_lock_acquire(&sched.lock);
  __atomic_store_n(&m->park, 0, __ATOMIC_RELAXED);
  m->spare_link = sched.spare;
  sched.spare = m;
  sched.nspare++;
  gostack_lock_release(&sched.lock);
  while (__atomic_load_n(&m->park, __ATOMIC_ACQUIRE) == 0)
    gostack_futex_wait(&m->park, 0, 0);
  gostack_lock_acquire(&sched.lock);
  bool need_spare = sched.nspare == 0;
  gostack_lock_release(&sched.lock);
  if (need_spare)
    start_m(NULL);
}

static _Noreturn void schedule_loop(gostack_m *m) {
  m->g0_sp = ((uintptr_t)__builtin_frame_address(0) - G0_SCHED_GAP) & ~(uintptr_t)15;
  for (;;) {
    if (!m->p)
      stop_m(m);
    execute(m, find_runnable(m));
  }
}

// ---- Parking -----------------------------------------------------------------------------------

gostack_task *gostack_waiter_self(void) {
  gostack_m *m = getm();
  if (m->curtask)
    return m->curtask;
  thread_waiter.is_thread = 1;
  return &thread_waiter;
}

void gostack_park_commit(void (*commit)(void *), void *arg) {
  gostack_m *m = getm();
  gostack_task *t = m->curtask;
  if (t && !m->on_system_stack) {
    m->commit = commit;
    m->commit_arg = arg;
    switch_to_scheduler(m, AFTER_PARK);
    return;
  }
  // A thread that is not a task, or a task in a callback from foreign code, whose frames on
  // the system stack tie it to this thread: block the thread (it keeps its P meanwhile).
  gostack_task *w = t ? t : &thread_waiter;
  __atomic_store_n(&w->wake, 0, __ATOMIC_RELAXED);
  if (t)
    __atomic_store_n(&t->wait_on_thread, 1, __ATOMIC_RELEASE);
  commit(arg);
  while (__atomic_load_n(&w->wake, __ATOMIC_ACQUIRE) == 0)
    gostack_futex_wait(&w->wake, 0, 0);
  if (t)
    __atomic_store_n(&t->wait_on_thread, 0, __ATOMIC_RELEASE);
}

// Permit states of gostack_park / gostack_unpark.
enum { PERMIT_NONE = 0, PERMIT_AVAILABLE = 1, PERMIT_PARKED = 2 };

static void park_commit(void *p) {
  gostack_task *t = p;
  uint32_t expect = PERMIT_NONE;
  if (!__atomic_compare_exchange_n(&t->permit, &expect, PERMIT_PARKED, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    // An unpark came in between: consume it and run again.
    __atomic_store_n(&t->permit, PERMIT_NONE, __ATOMIC_RELEASE);
    gostack_ready(t);
  }
}

struct api_error {
  const char *fn, *what;
  uint64_t task;
};

static void api_error_on_system_stack(void *p) {
  const struct api_error *e = p;
  gostack_fatalf(0, 0, "%s (task %llu): %s", e->fn, (unsigned long long)e->task, e->what);
}

// Fatal errors detected on a task stack are reported from the system stack: formatting and
// symbolizing need more than the guard reserve.
static _Noreturn void api_error(const char *fn, const char *what, const gostack_task *t) {
  struct api_error e = {fn, what, t ? t->id : 0};
  __gostack_systemstack_call(api_error_on_system_stack, &e);
  __builtin_unreachable();
}

void gostack_park(void) {
  gostack_task *t = getm()->curtask;
  if (!t)
    api_error("gostack_park", "called from a thread that is not a task", NULL);
  uint32_t expect = PERMIT_AVAILABLE;
  if (__atomic_compare_exchange_n(&t->permit, &expect, PERMIT_NONE, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE))
    return;
  gostack_park_commit(park_commit, t);
}

void gostack_unpark(gostack_task *t) {
  uint32_t cur = __atomic_load_n(&t->permit, __ATOMIC_ACQUIRE);
  for (;;) {
    if (cur == PERMIT_AVAILABLE)
      return;
    uint32_t want = cur == PERMIT_NONE ? PERMIT_AVAILABLE : PERMIT_NONE;
    if (__atomic_compare_exchange_n(&t->permit, &cur, want, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE))
      break;
  }
  if (cur == PERMIT_PARKED)
    gostack_ready(t);
}

void gostack_yield(void) {
  gostack_m *m = getm();
  gostack_task *t = m->curtask;
  gostack_p *p = owned_p(m);
  if (!t || !p) {
    sched_yield(); // a thread, or a task tied to its thread by a callback
    return;
  }
  // Nothing else could run on this P: going through the scheduler would pick t again. The
  // shrink check a switch would make still applies.
  if (runq_empty(p) && !__atomic_load_n(&sched.runq_size, __ATOMIC_RELAXED)) {
    t->sched_sp = (uintptr_t)__builtin_frame_address(0);
    note_shrink(t);
    if (t->shrink_pending)
      gostack_set_guard(GOSTACK_GUARD_POISON);
    return;
  }
  switch_to_scheduler(m, AFTER_YIELD);
}

// ---- Creating, joining and freeing tasks -------------------------------------------------------

// Descriptors are never returned to malloc: the monitor may still poke a descriptor it read a
// moment ago (a stale preemption request is harmless, a write to freed memory is not).
#define TASK_ALLOC_BATCH 64u

static gostack_task *alloc_descriptor_slow(void) {
  gostack_lock_acquire(&sched.lock);
  gostack_task *t = sched.free_tasks;
  if (t)
    sched.free_tasks = t->schedlink;
  gostack_lock_release(&sched.lock);
  if (t)
    return t;
  gostack_task *batch = calloc(TASK_ALLOC_BATCH, sizeof *batch);
  if (!batch)
    gostack_fatalf(0, 0, "out of memory allocating task descriptors");
  gostack_lock_acquire(&sched.lock);
  for (uint32_t i = 1; i < TASK_ALLOC_BATCH; i++) {
    batch[i].schedlink = sched.free_tasks;
    sched.free_tasks = &batch[i];
  }
  gostack_lock_release(&sched.lock);
  return &batch[0];
}

static void free_descriptor(gostack_p *p, gostack_task *t) {
  if (p && p->nfree_tasks < TASK_CACHE_MAX) {
    t->schedlink = p->free_tasks;
    p->free_tasks = t;
    p->nfree_tasks++;
    return;
  }
  gostack_lock_acquire(&sched.lock);
  t->schedlink = sched.free_tasks;
  sched.free_tasks = t;
  gostack_lock_release(&sched.lock);
}

struct spawn_req {
  void *(*fn)(void *);
  void *arg;
  bool detached;
  gostack_task *task;
};

static void init_task(gostack_task *t, gostack_stack stack, const struct spawn_req *req) {
  memset(t, 0, sizeof *t);
  t->stack = stack;
  t->stackguard0 = gostack_guard_for(t);
  t->id = __atomic_fetch_add(&next_task_id, 1, __ATOMIC_RELAXED);
  t->initial_size = t->max_size = gostack_cfg.stack_min;
  t->fn = req->fn;
  t->arg = req->arg;
  t->detached = req->detached;
  t->state = TASK_RUNNABLE;
  gostack_task_init_frame(t);
}

// Runs on the system stack: malloc and mmap need more than a guard reserve.
static void spawn_slow(void *arg) {
  struct spawn_req *req = arg;
  gostack_runtime_init();
  gostack_sched_init();
  gostack_task *t = NULL;
  // On the system stack: the M's P may be another M's by now (owned_p), so no P cache here
  // unless the caller was the scheduler itself (M0 starting main).
  gostack_m *m = getm();
  gostack_p *p = m->curtask ? NULL : m->p;
  if (p && p->free_tasks) {
    t = p->free_tasks;
    p->free_tasks = t->schedlink;
    p->nfree_tasks--;
  } else {
    t = alloc_descriptor_slow();
  }
  init_task(t, gostack_stackalloc(gostack_cfg.stack_min), req);
  req->task = t;
}

static gostack_task *new_task(struct spawn_req *req) {
  gostack_m *m = getm();
  gostack_p *p = owned_p(m);
  // Fast path, on the caller's stack: a cached descriptor and a cached stack, no lock.
  gostack_stack stack;
  if (p && m->curtask && p->free_tasks &&
      (stack = gostack_stackalloc_cached(gostack_cfg.stack_min)).lo) {
    gostack_task *t = p->free_tasks;
    p->free_tasks = t->schedlink;
    p->nfree_tasks--;
    init_task(t, stack, req);
    req->task = t;
  } else {
    __gostack_systemstack_call(spawn_slow, req);
  }
  gostack_task *t = req->task;
  p = owned_p(getm());
  if (p)
    runq_put(p, t, true); // Go's newproc: the new task runs next on this P
  else
    global_put_list(t, t, 1);
  wakep();
  return t;
}

gostack_task *gostack_spawn(void *(*fn)(void *), void *arg) {
  struct spawn_req req = {fn, arg, false, NULL};
  return new_task(&req);
}

void gostack_go(void (*fn)(void *), void *arg) {
  // The trampoline ignores a detached task's result register, so a void function is fine.
  struct spawn_req req = {(void *(*)(void *))(void *)fn, arg, true, NULL};
  new_task(&req);
}

// Called by gostack_task_trampoline when the task's function returned, on the task's stack.
_Noreturn void gostack_task_exit(gostack_task *t, void *result) {
  t->result = result;
  switch_to_scheduler(getm(), AFTER_EXIT);
  __builtin_unreachable();
}

static void join_commit(void *p) {
  gostack_task *t = p;
  uint32_t expect = JOIN_PENDING;
  if (!__atomic_compare_exchange_n(&t->join_state, &expect, JOIN_WAITING, false,
                                   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    gostack_ready(t->joiner); // finished in between
}

static void free_joined(void *p) { free_descriptor(NULL, p); }

void *gostack_join(gostack_task *t) {
  gostack_task *self = gostack_waiter_self();
  if (t == self)
    api_error("gostack_join", "a task cannot join itself", t);
  if (t->detached)
    api_error("gostack_join", "the task was started with gostack_go and cannot be joined", t);
  if (__atomic_load_n(&t->join_state, __ATOMIC_ACQUIRE) != JOIN_DONE) {
    t->joiner = self;
    // The exiting side sets JOIN_DONE before readying us and touches t no more after that.
    gostack_park_commit(join_commit, t);
  }
  void *result = t->result;
  gostack_m *m = getm();
  if (owned_p(m) && m->curtask)
    free_descriptor(m->p, t); // no lock, no allocation: fine on the task stack
  else
    __gostack_systemstack_call(free_joined, t);
  return result;
}

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
}

static void *m_thread_main(void *arg) {
  gostack_p *p = arg;
  gostack_m *m = getm();
  m_init(m, p);
  schedule_loop(m);
}

// An M for p on a g0 stack from the runtime's allocator, with a guard page at its bottom.
static void start_m(gostack_p *p) {
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
  sched.allp = allp;
  sched.nprocs = n;
  // Ms other than M0 start idle-spinning, find nothing and sleep until wakep. One more waits
  // as a spare for the first hand-off.
  for (int i = m0_is_caller ? 1 : 0; i < n; i++)
    start_m(&allp[i]);
  start_m(NULL);
  gostack_monitor_start();
}

void gostack_sched_init(void) { pthread_once(&sched.once, init_once); }

_Noreturn void gostack_sched_run_main(void *(*fn)(void *), void *arg, int *status) {
  m0_is_caller = true;
  gostack_sched_init();
  gostack_m *m = getm();
  m_init(m, &sched.allp[0]);
  sched.main_status = status;
  struct spawn_req req = {fn, arg, false, NULL};
  spawn_slow(&req);
  req.task->is_main = 1;
  runq_put(m->p, req.task, false);
  schedule_loop(m);
}

// ---- For the monitor (monitor.c) and diagnostics -----------------------------------------------

int gostack_sched_nprocs(void) { return sched.nprocs; }

// Hands p, taken from an M in a foreign call, to a spare M. No TLS (the monitor calls it).
static bool handoff_p(gostack_p *p) {
  gostack_lock_acquire(&sched.lock);
  gostack_m *m = sched.spare;
  if (m) {
    sched.spare = m->spare_link;
    sched.nspare--;
  }
  gostack_lock_release(&sched.lock);
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
void gostack_sched_monitor_p(int i, uint64_t now, uint64_t min_ns) {
  gostack_p *p = &sched.allp[i];
  uint32_t status = __atomic_load_n(&p->status, __ATOMIC_ACQUIRE);
  if (status == P_SYSCALL) {
    uint32_t tick = __atomic_load_n(&p->syscalltick, __ATOMIC_RELAXED);
    if (tick != p->mon_syscalltick) {
      p->mon_syscalltick = tick; // a new call since the last look: give it a tick
      return;
    }
    if (runq_empty(p) && !__atomic_load_n(&sched.runq_size, __ATOMIC_RELAXED))
      return; // nothing waits for this P
    uint32_t expect = P_SYSCALL;
    if (__atomic_compare_exchange_n(&p->status, &expect, P_HANDOFF, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_RELAXED) &&
        !handoff_p(p))
      __atomic_store_n(&p->status, P_SYSCALL, __ATOMIC_RELEASE); // no spare yet: next tick
    return;
  }
  uint32_t tick = __atomic_load_n(&p->schedtick, __ATOMIC_RELAXED);
  gostack_task *t = __atomic_load_n(&p->running, __ATOMIC_ACQUIRE);
  if (tick != p->mon_tick || !t) {
    p->mon_tick = tick;
    p->mon_since = now;
    return;
  }
  if (now - p->mon_since < min_ns)
    return;
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

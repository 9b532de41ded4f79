// The M:N scheduler: processors (P) with local run queues, threads (M) that run them, a global
// run queue, work stealing, and parking. Go's runtime/proc.go is the model; docs/design.md,
// "Scheduler", describes ours. Task creation and joining are in tasks.c, starting the threads
// and the monitor's hand-off and preemption in threads.c.
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
#include "sched_internal.h"

#include "futex.h"
#include "gostack/gostack.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

gostack_sched_state gostack_sched = {.once = PTHREAD_ONCE_INIT};

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
  return gostack_sched.nprocs;
}

gostack_task *gostack_self(void) {
  gostack_m *m = getm();
  return m->curtask;
}

// ---- Run queues (Go's runqput / runqget / runqgrab) --------------------------------------------

void sched_global_put(gostack_task *head, gostack_task *tail, uint32_t n) {
  gostack_lock_acquire(&gostack_sched.lock);
  tail->schedlink = NULL;
  if (gostack_sched.runq_tail)
    gostack_sched.runq_tail->schedlink = head;
  else
    gostack_sched.runq_head = head;
  gostack_sched.runq_tail = tail;
  __atomic_add_fetch(&gostack_sched.runq_size, n, __ATOMIC_SEQ_CST);
  gostack_lock_release(&gostack_sched.lock);
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
  sched_global_put(head, t, n + 1);
  return true;
}

void sched_runq_put(gostack_p *p, gostack_task *t, bool next) {
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

bool sched_runq_empty(gostack_p *p) {
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

// Takes a share of the global queue (under gostack_sched.lock): returns one task, puts the rest on p.
static gostack_task *global_get(gostack_p *p, uint32_t max) {
  uint32_t size = __atomic_load_n(&gostack_sched.runq_size, __ATOMIC_RELAXED);
  if (size == 0)
    return NULL;
  uint32_t n = size / (uint32_t)gostack_sched.nprocs + 1;
  if (n > size)
    n = size;
  if (max && n > max)
    n = max;
  if (n > RUNQ_SIZE / 2)
    n = RUNQ_SIZE / 2;
  __atomic_sub_fetch(&gostack_sched.runq_size, n, __ATOMIC_SEQ_CST);
  gostack_task *t = gostack_sched.runq_head;
  gostack_sched.runq_head = t->schedlink;
  for (uint32_t i = 1; i < n; i++) {
    gostack_task *x = gostack_sched.runq_head;
    gostack_sched.runq_head = x->schedlink;
    sched_runq_put(p, x, false);
  }
  if (!gostack_sched.runq_head)
    gostack_sched.runq_tail = NULL;
  return t;
}

// ---- Idle Ms and waking them -------------------------------------------------------------------

// Wakes an idle M to look for work, unless one is already looking (Go's sched_wakep). No TLS: the
// monitor calls it.
void sched_wakep(void) {
  if (__atomic_load_n(&gostack_sched.nidle, __ATOMIC_SEQ_CST) == 0)
    return;
  uint32_t zero = 0;
  if (!__atomic_compare_exchange_n(&gostack_sched.nspinning, &zero, 1, false, __ATOMIC_SEQ_CST,
                                   __ATOMIC_RELAXED))
    return;
  gostack_lock_acquire(&gostack_sched.lock);
  gostack_p *p = gostack_sched.idle;
  if (p) {
    gostack_sched.idle = p->idle_link;
    p->idle = 0;
    __atomic_sub_fetch(&gostack_sched.nidle, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&p->wake, 1, __ATOMIC_RELEASE); // counted in nspinning for it
  }
  gostack_lock_release(&gostack_sched.lock);
  if (p)
    gostack_futex_wake(&p->wake, 1);
  else
    __atomic_sub_fetch(&gostack_sched.nspinning, 1, __ATOMIC_SEQ_CST);
}

static bool any_work(void) {
  if (__atomic_load_n(&gostack_sched.runq_size, __ATOMIC_SEQ_CST))
    return true;
  for (int i = 0; i < gostack_sched.nprocs; i++)
    if (!sched_runq_empty(&gostack_sched.allp[i]))
      return true;
  return false;
}

// Parks m's thread until sched_wakep picks its P, unless work shows up while it goes idle (the
// re-check after publishing itself idle closes the window in which a producer saw no idle P).
static void idle_wait(gostack_m *m, gostack_p *p) {
  gostack_lock_acquire(&gostack_sched.lock);
  __atomic_store_n(&p->wake, 0, __ATOMIC_RELAXED);
  p->idle = 1;
  p->idle_link = gostack_sched.idle;
  gostack_sched.idle = p;
  __atomic_add_fetch(&gostack_sched.nidle, 1, __ATOMIC_SEQ_CST);
  gostack_lock_release(&gostack_sched.lock);
  if (m->spinning) {
    m->spinning = 0;
    __atomic_sub_fetch(&gostack_sched.nspinning, 1, __ATOMIC_SEQ_CST);
  }
  if (any_work()) {
    gostack_lock_acquire(&gostack_sched.lock);
    if (p->idle) { // still listed: take ourselves off and look again
      gostack_p **pp = &gostack_sched.idle;
      while (*pp != p)
        pp = &(*pp)->idle_link;
      *pp = p->idle_link;
      p->idle = 0;
      __atomic_sub_fetch(&gostack_sched.nidle, 1, __ATOMIC_SEQ_CST);
      gostack_lock_release(&gostack_sched.lock);
      return;
    }
    gostack_lock_release(&gostack_sched.lock); // a waker took us; its wake is set or about to be
  }
  while (__atomic_load_n(&p->wake, __ATOMIC_ACQUIRE) == 0)
    gostack_futex_wait(&p->wake, 0, 0);
  m->spinning = 1; // the waker counted us in nspinning
}

static gostack_task *steal_work(gostack_m *m, gostack_p *p) {
  int n = gostack_sched.nprocs;
  for (int round = 0; round < 4; round++) {
    int start = (int)(gostack_fastrand() % (uint32_t)n);
    for (int i = 0; i < n; i++) {
      gostack_p *victim = &gostack_sched.allp[(start + i) % n];
      if (victim == p)
        continue;
      gostack_task *t = runq_steal(p, victim, round == 3);
      if (t)
        return t;
    }
    if (__atomic_load_n(&gostack_sched.runq_size, __ATOMIC_RELAXED))
      return NULL; // the caller takes from the global queue first
  }
  return NULL;
}

// The next task for m's P: local queue, global queue, other Ps; sleeps when there is none.
static gostack_task *find_runnable(gostack_m *m) {
  gostack_p *p = m->p;
  uint64_t spin_until = 0;
  for (;;) {
    gostack_task *t = NULL;
    if (p->schedtick % GLOBAL_QUEUE_TICK == 0 && __atomic_load_n(&gostack_sched.runq_size,
                                                                 __ATOMIC_RELAXED)) {
      gostack_lock_acquire(&gostack_sched.lock);
      t = global_get(p, 1);
      gostack_lock_release(&gostack_sched.lock);
    }
    if (!t)
      t = runq_get(p);
    if (!t && __atomic_load_n(&gostack_sched.runq_size, __ATOMIC_RELAXED)) {
      gostack_lock_acquire(&gostack_sched.lock);
      t = global_get(p, 0);
      gostack_lock_release(&gostack_sched.lock);
    }
    if (!t && gostack_sched.nprocs > 1) {
      // Go's limit: at most half of the busy Ps' Ms spin, so idle cores do not burn CPU.
      uint32_t busy = (uint32_t)gostack_sched.nprocs - __atomic_load_n(&gostack_sched.nidle, __ATOMIC_RELAXED);
      if (m->spinning || 2 * __atomic_load_n(&gostack_sched.nspinning, __ATOMIC_RELAXED) < busy) {
        if (!m->spinning) {
          m->spinning = 1;
          __atomic_add_fetch(&gostack_sched.nspinning, 1, __ATOMIC_SEQ_CST);
        }
        t = steal_work(m, p);
      }
    }
    if (t) {
      if (m->spinning) {
        m->spinning = 0;
        // The last spinner found work: there may be more, so wake another to look.
        if (__atomic_sub_fetch(&gostack_sched.nspinning, 1, __ATOMIC_SEQ_CST) == 0)
          sched_wakep();
      }
      return t;
    }
    if (__atomic_load_n(&gostack_sched.runq_size, __ATOMIC_RELAXED))
      continue;
    // A spinning M keeps looking for IDLE_SPIN_NS before it sleeps: work usually comes back
    // within microseconds (a hand-off, a spawn), and while it spins, wakep need not make a
    // futex call for it.
    if (m->spinning) {
      uint64_t now = gostack_nanotime();
      if (!spin_until)
        spin_until = now + IDLE_SPIN_NS;
      if (now < spin_until) {
        for (int i = 0; i < 64; i++)
          __builtin_ia32_pause();
        continue;
      }
    }
    spin_until = 0;
    idle_wait(m, p);
  }
}

// ---- Readying ----------------------------------------------------------------------------------

static void thread_wake(gostack_task *w) {
  __atomic_store_n(&w->wake, 1, __ATOMIC_RELEASE);
  gostack_futex_wake(&w->wake, 1);
}

// Readies w onto p's runnext, or the global queue when p is NULL.
static void ready_on(gostack_task *w, gostack_p *p) {
  if (w->is_thread || __atomic_load_n(&w->wait_on_thread, __ATOMIC_ACQUIRE)) {
    thread_wake(w);
    return;
  }
  __atomic_store_n(&w->state, TASK_RUNNABLE, __ATOMIC_RELAXED);
  if (p)
    sched_runq_put(p, w, true);
  else
    sched_global_put(w, w, 1);
  sched_wakep();
}

void gostack_ready(gostack_task *w) { ready_on(w, owned_p(getm())); }

// For the monitor: no TLS, so always the global queue.
void gostack_sched_ready_global(gostack_task *w) { ready_on(w, NULL); }

// ---- Switching between a task and its M's scheduler ---------------------------------------------

void sched_switch_out(gostack_m *m, int after) {
  gostack_task *t = m->curtask;
  m->after = after;
  gostack_switch(&t->sched_sp, m->sched_sp);
}

// Called by __morestack on the task's stack when newstack found a preemption request (the
// vector state is saved below the context; runtime/morestack.S).
void gostack_preempt_yield(void) { sched_switch_out(getm(), AFTER_PREEMPT); }

// Called by __gostack_systemstack_call on the task stack when the M came back from a foreign
// call and its P had been handed to another M (switch.S).
void gostack_exitsyscall_lost_p(void) {
  gostack_m *m = getm();
  m->p = NULL;
  sched_switch_out(m, AFTER_LOST_P);
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

// On g0, after t's function returned.
static void finish_task(gostack_m *m, gostack_task *t) {
  if (t->is_main)
    exit(*gostack_sched.main_status); // like Go: the program ends when main returns
  release_task_memory(t);
  __atomic_store_n(&t->state, TASK_DONE, __ATOMIC_RELEASE);
  if (t->detached) {
    sched_free_descriptor(m->p, t);
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
// Called when a task parks or yields, never when it is preempted.
static void note_shrink(gostack_task *t) {
  size_t size = t->stack.hi - t->stack.lo;
  if (size > gostack_cfg.stack_min && t->stack.hi - t->sched_sp < size / 4) {
    t->shrink_pending = 1;
    __atomic_store_n(&t->stackguard0, GOSTACK_GUARD_POISON, __ATOMIC_RELAXED);
  }
}

// Makes t the task m runs on p; the caller then switches to it. A task that switched out
// directly (switch_direct) was published before its context was saved: wait for that.
static void switch_in(gostack_m *m, gostack_p *p, gostack_task *t) {
  while (__atomic_load_n(&t->switching, __ATOMIC_ACQUIRE))
    __builtin_ia32_pause();
  __atomic_store_n(&p->schedtick, p->schedtick + 1, __ATOMIC_RELAXED);
  __atomic_store_n(&p->running, t, __ATOMIC_RELEASE);
  __atomic_store_n(&t->state, TASK_RUNNING, __ATOMIC_RELAXED);
  m->curtask = t;
  __gostack_pinned_sp = t->pinned_sp;
  __gostack_pinned_limit = t->pinned_limit;
  gostack_pinned_root = t->pinned_root;
  if (m->eh) {
    m->eh->caught = t->eh_caught;
    m->eh->uncaught = t->eh_uncaught;
  }
  gostack_set_guard(__atomic_load_n(&t->stackguard0, __ATOMIC_RELAXED));
}

// The per-thread state that belongs to the task leaving m goes back into it.
static void switch_out_state(gostack_m *m, gostack_task *t) {
  t->pinned_sp = __gostack_pinned_sp;
  t->pinned_limit = __gostack_pinned_limit;
  t->pinned_root = gostack_pinned_root;
  if (m->eh) {
    t->eh_caught = m->eh->caught;
    t->eh_uncaught = m->eh->uncaught;
    m->eh->caught = NULL;
    m->eh->uncaught = 0;
  }
  m->curtask = NULL;
}

static void execute(gostack_m *m, gostack_task *t) {
  gostack_p *p = m->p, *ran = p;
  switch_in(m, p, t);
  gostack_switch(&m->sched_sp, t->sched_sp);
  // Back on g0. The task that switched out is m->curtask, not necessarily t: tasks switch
  // directly to one another (switch_direct) and only the last one comes back here.
  gostack_set_guard(0);
  p = m->p; // NULL if the task lost it in a foreign call (then another M owns `ran`)
  if (p == ran)
    __atomic_store_n(&p->running, NULL, __ATOMIC_RELEASE);
  else
    gostack_release_segments(m); // this M becomes a spare; before t can run elsewhere
  if (m->after == AFTER_HANDLED)
    return; // switch_direct did everything; the task may be running elsewhere already
  t = m->curtask;
  switch_out_state(m, t);
  switch (m->after) {
  case AFTER_YIELD:
  case AFTER_PREEMPT:
  case AFTER_LOST_P:
    // Only a task that gives up the CPU itself is shrunk: one preempted (or whose P was
    // handed off) is in the middle of its work, often at the top of a loop that grows the
    // stack again at once; shrinking it there made a 1M-deep recursion loop regrow its
    // 128 MB stack twice per pass (bench/growth). Go shrinks only at GC, for the same reason.
    if (m->after == AFTER_YIELD)
      note_shrink(t);
    __atomic_store_n(&t->state, TASK_RUNNABLE, __ATOMIC_RELAXED);
    if (m->after == AFTER_YIELD && p) {
      sched_runq_put(p, t, false);
    } else {
      sched_global_put(t, t, 1); // behind everything else, as Go does with preempted tasks
      sched_wakep();
    }
    break;
  case AFTER_EXIT:
    finish_task(m, t);
    break;
  }
}

// Yield or park without going through the scheduler's stack: the hot path of channel
// hand-offs and yields between tasks of one P. a publishes itself first (back on the run
// queue, or parked by the commit step, which runs on g0 and may let another M ready a at
// once) with `switching` set, then switches straight to the next task of its P; the switch
// clears `switching` once a's registers are saved, and switch_in waits for that. Every 61st
// schedule, or when the P has nothing local, the scheduler's loop decides instead (global
// queue, stealing, idling).
static void switch_direct(gostack_m *m, gostack_p *p, gostack_task *a, bool yield,
                          void (*commit)(void *), void *arg) {
  __atomic_store_n(&a->switching, 1, __ATOMIC_RELAXED);
  a->sched_sp = (uintptr_t)__builtin_frame_address(0); // for note_shrink: about right
  note_shrink(a);
  switch_out_state(m, a);
  if (yield) {
    __atomic_store_n(&a->state, TASK_RUNNABLE, __ATOMIC_RELAXED);
    sched_runq_put(p, a, false);
  } else {
    __atomic_store_n(&a->state, TASK_WAITING, __ATOMIC_RELAXED);
    gostack_call_on_g0(commit, arg); // may ready a, here or on another M
  }
  gostack_task *b = NULL;
  if (p->schedtick % GLOBAL_QUEUE_TICK != 0 ||
      !__atomic_load_n(&gostack_sched.runq_size, __ATOMIC_RELAXED))
    b = runq_get(p);
  if (b == a) { // readied by its own commit (or alone on the P): no switch
    __atomic_store_n(&a->switching, 0, __ATOMIC_RELEASE);
    switch_in(m, p, a);
    return;
  }
  if (!b) {
    m->after = AFTER_HANDLED;
    gostack_switch_release(&a->sched_sp, m->sched_sp, &a->switching);
    return;
  }
  switch_in(m, p, b);
  gostack_switch_release(&a->sched_sp, b->sched_sp, &a->switching);
}

// Parks an M that has no P among the spares until the monitor hands it one (handoff_p). The
// spare that leaves the list makes sure another one is there for the next hand-off: the
// monitor cannot create threads.
static void stop_m(gostack_m *m) {
  gostack_lock_acquire(&gostack_sched.lock);
  __atomic_store_n(&m->park, 0, __ATOMIC_RELAXED);
  m->spare_link = gostack_sched.spare;
  gostack_sched.spare = m;
  gostack_sched.nspare++;
  gostack_lock_release(&gostack_sched.lock);
  while (__atomic_load_n(&m->park, __ATOMIC_ACQUIRE) == 0)
    gostack_futex_wait(&m->park, 0, 0);
  gostack_lock_acquire(&gostack_sched.lock);
  bool need_spare = gostack_sched.nspare == 0;
  gostack_lock_release(&gostack_sched.lock);
  if (need_spare)
    sched_start_m(NULL);
}

_Noreturn void sched_loop(gostack_m *m) {
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
  gostack_p *p = owned_p(m);
  if (t && p) {
    switch_direct(m, p, t, false, commit, arg);
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
  if (sched_runq_empty(p) && !__atomic_load_n(&gostack_sched.runq_size, __ATOMIC_RELAXED)) {
    t->sched_sp = (uintptr_t)__builtin_frame_address(0);
    note_shrink(t);
    if (t->shrink_pending)
      gostack_set_guard(GOSTACK_GUARD_POISON);
    return;
  }
  switch_direct(m, p, t, true, NULL, NULL);
}

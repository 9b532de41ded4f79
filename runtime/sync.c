// WaitGroup and Mutex (include/gostack/gostack.h), after Go's sync.WaitGroup and sync.Mutex.
// docs/design.md, "Channels and select", has the model.
//
// Both live in the caller's zero-initialized opaque words; waiters (a task or a thread
// stand-in, from gostack_waiter_self) wait on lists of nodes on their own stacks, which do not
// move while they are parked (runtime/chan.c explains why). As everywhere in the runtime's
// C API, these functions run in the calling task's guard reserve: small frames, fatal errors
// through __gostack_systemstack_call.

#include "scheduler.h"

#include "gostack/gostack.h"

#include <stdalign.h>

// ---- Fatal errors -----------------------------------------------------------------------------

enum sync_error { ERR_WG_NEGATIVE, ERR_MUTEX_UNLOCKED };

struct sync_error_args {
  uintptr_t pc, fp; // where the public function was called from (the user's frames)
  enum sync_error kind;
  const void *p;
  int64_t v;
};

static void sync_error_on_system_stack(void *arg) {
  const struct sync_error_args *e = arg;
  if (e->kind == ERR_WG_NEGATIVE)
    gostack_fatalf(e->pc, e->fp, "negative WaitGroup counter (WaitGroup %p, counter %lld)", e->p,
                   (long long)e->v);
  gostack_fatalf(e->pc, e->fp, "unlock of unlocked mutex (gostack_mutex %p)", e->p);
}

__attribute__((noinline, cold, noreturn)) static void sync_error(enum sync_error kind,
                                                                 const void *p, int64_t v) {
  // The backtrace starts in the public function that called us (runtime/chan.c, chan_error).
  uintptr_t *frame = __builtin_frame_address(0);
  struct sync_error_args e = {frame[1], frame[0], kind, p, v};
  __gostack_systemstack_call(sync_error_on_system_stack, &e);
  __builtin_unreachable();
}

static void release_lock_commit(void *lock) { gostack_lock_release(lock); }

// ---- WaitGroup --------------------------------------------------------------------------------

typedef struct wg_waiter {
  struct wg_waiter *next;
  gostack_task *task;
} wg_waiter;

// The opaque words, accessed through this type only (may_alias: they are declared uint64_t).
typedef struct __attribute__((may_alias)) wg_impl {
  gostack_lock lock; // guards count and waiters
  uint32_t unused;
  int64_t count;      // also read without the lock (acquire) by wait's fast path
  wg_waiter *waiters; // released all at once when count reaches zero
} wg_impl;

_Static_assert(sizeof(wg_impl) <= sizeof(gostack_waitgroup), "gostack_waitgroup too small");
_Static_assert(alignof(wg_impl) <= alignof(gostack_waitgroup), "gostack_waitgroup alignment");

void gostack_waitgroup_add(gostack_waitgroup *wg, int64_t delta) {
  wg_impl *w = (wg_impl *)wg;
  gostack_lock_acquire(&w->lock);
  int64_t v = w->count + delta;
  if (v < 0) {
    gostack_lock_release(&w->lock);
    sync_error(ERR_WG_NEGATIVE, wg, v);
  }
  __atomic_store_n(&w->count, v, __ATOMIC_RELEASE);
  wg_waiter *list = NULL;
  if (v == 0) {
    list = w->waiters;
    w->waiters = NULL;
  }
  gostack_lock_release(&w->lock);
  while (list) {
    wg_waiter *n = list;
    list = n->next;
    gostack_ready(n->task); // n is gone after this
  }
}

void gostack_waitgroup_done(gostack_waitgroup *wg) { gostack_waitgroup_add(wg, -1); }

void gostack_waitgroup_wait(gostack_waitgroup *wg) {
  wg_impl *w = (wg_impl *)wg;
  // Returning lets the caller free the WaitGroup, so it must come after the last access of the
  // add that brought the counter to zero: that add stores the zero under the lock and then
  // releases it, so a zero counter seen together with a free lock is safe (the futex wake an
  // adder may still make touches no memory).
  if (__atomic_load_n(&w->count, __ATOMIC_ACQUIRE) == 0 &&
      __atomic_load_n(&w->lock.state, __ATOMIC_ACQUIRE) == 0)
    return;
  gostack_lock_acquire(&w->lock);
  if (w->count == 0) {
    gostack_lock_release(&w->lock);
    return;
  }
  wg_waiter me = {w->waiters, gostack_waiter_self()};
  w->waiters = &me;
  gostack_park_commit(release_lock_commit, &w->lock);
}

// ---- Mutex ------------------------------------------------------------------------------------
//
// Go's sync.Mutex in two modes. Normal mode: an unlock releases the lock and wakes the first
// waiter (unless one is already awake: MU_WOKEN), which then competes with newly arriving
// lockers; those win often (they are running), which is what makes the mode fast, and a woken
// waiter that loses goes back to the FRONT of the queue. A waiter that has waited more than
// 1 ms when it loses switches the mutex to starvation mode: every unlock then hands the lock
// directly to the first waiter (the lock stays held across the handoff) and arrivals queue at
// the back, strict FIFO, so no waiter waits forever. The mode ends when the queue empties or a
// waiter that got the lock by handoff had waited less than 1 ms.
//
// The fast paths (lock 0 -> LOCKED, unlock LOCKED -> 0, trylock) are single CASes on `state`.
// The queue and the WAITERS/WOKEN/STARVING bits change only under `qlock` (WOKEN is also
// cleared with LOCKED set by a woken waiter's winning CAS, under qlock too); LOCKED alone is
// set and cleared outside it. WAITERS is set exactly when the queue is not empty.

enum {
  MU_LOCKED = 1,
  MU_WOKEN = 2,    // a waiter was woken in normal mode and has not retried yet
  MU_STARVING = 4, // unlock hands off; set only with LOCKED and WAITERS
  MU_WAITERS = 8,
  // An unlock cleared LOCKED but still has to release qlock. Another task may take the mutex
  // meanwhile, but no unlock returns until this clears: a task that locks, unlocks and frees
  // the mutex (POSIX allows destroying a mutex right after unlocking it) must not free it
  // under the first unlocker's feet.
  MU_UNLOCKING = 16,
};

#define MU_STARVE_NS 1000000u // Go's starvationThresholdNs
#define MU_SPINS 4            // Go's active_spin
#define MU_SPIN_PAUSES 30     // Go's active_spin_cnt

typedef struct mu_waiter {
  struct mu_waiter *next;
  gostack_task *task;
  uint64_t since;   // gostack_nanotime() when it first queued
  uint32_t handoff; // set by the unlocker: the lock is ours
} mu_waiter;

typedef struct __attribute__((may_alias)) mu_impl {
  uint32_t state;
  gostack_lock qlock;     // guards the queue
  mu_waiter *head, *tail; // FIFO; woken waiters that lost go back to the head
} mu_impl;

_Static_assert(sizeof(mu_impl) <= sizeof(gostack_mutex), "gostack_mutex too small");
_Static_assert(alignof(mu_impl) <= alignof(gostack_mutex), "gostack_mutex alignment");

static inline bool mu_cas(mu_impl *m, uint32_t *expected, uint32_t desired, int order) {
  return __atomic_compare_exchange_n(&m->state, expected, desired, false, order, __ATOMIC_RELAXED);
}

// Changes the bits under qlock (LOCKED may still change concurrently: a CAS loop).
static inline void mu_update(mu_impl *m, uint32_t clear, uint32_t set, int order) {
  uint32_t s = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
  while (!mu_cas(m, &s, (s & ~clear) | set, order)) {
  }
}

// A short spin while the holder may be running on another thread (Go's sync_runtime_canSpin,
// without its run-queue test).
static bool mu_spin(mu_impl *m) {
  bool multi = gostack_procs() > 1;
  for (int i = 0; i <= MU_SPINS; i++) {
    uint32_t s = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
    if (s & MU_STARVING)
      return false;
    // Unlocked with waiters queued (normal mode): barge in, as Go's arrivals do.
    if (!(s & MU_LOCKED) && mu_cas(m, &s, s | MU_LOCKED, __ATOMIC_ACQUIRE))
      return true;
    if (!multi || i == MU_SPINS)
      return false;
    for (int k = 0; k < MU_SPIN_PAUSES; k++)
      __builtin_ia32_pause();
  }
  return false;
}

__attribute__((noinline)) static void mutex_lock_slow(mu_impl *m) {
  if (mu_spin(m))
    return;
  mu_waiter me = {NULL, gostack_waiter_self(), 0, 0};
  bool woken = false; // woken by an unlock in normal mode: we hold MU_WOKEN
  for (;;) {
    gostack_lock_acquire(&m->qlock);
    uint32_t s = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
    uint32_t clear = woken ? MU_WOKEN : 0;
    for (;;) {
      if (!(s & (MU_LOCKED | MU_STARVING))) {
        if (mu_cas(m, &s, (s & ~clear) | MU_LOCKED, __ATOMIC_ACQUIRE)) {
          gostack_lock_release(&m->qlock);
          return;
        }
        continue;
      }
      uint32_t set = MU_WAITERS;
      if (woken && gostack_nanotime() - me.since > MU_STARVE_NS)
        set |= MU_STARVING; // s has LOCKED here
      if (mu_cas(m, &s, (s & ~clear) | set, __ATOMIC_RELAXED))
        break;
    }
    if (!woken) {
      me.since = gostack_nanotime();
      me.next = NULL;
      if (m->tail)
        m->tail->next = &me;
      else
        m->head = &me;
      m->tail = &me;
    } else {
      me.next = m->head;
      m->head = &me;
      if (!m->tail)
        m->tail = &me;
    }
    gostack_park_commit(release_lock_commit, &m->qlock);
    if (__atomic_load_n(&me.handoff, __ATOMIC_ACQUIRE))
      return; // the unlocker kept the lock held for us
    woken = true;
  }
}

void gostack_mutex_lock(gostack_mutex *mu) {
  mu_impl *m = (mu_impl *)mu;
  uint32_t s = 0;
  if (mu_cas(m, &s, MU_LOCKED, __ATOMIC_ACQUIRE))
    return;
  mutex_lock_slow(m);
}

bool gostack_mutex_trylock(gostack_mutex *mu) {
  mu_impl *m = (mu_impl *)mu;
  uint32_t s = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
  while (!(s & (MU_LOCKED | MU_STARVING)))
    if (mu_cas(m, &s, s | MU_LOCKED, __ATOMIC_ACQUIRE))
      return true;
  return false;
}

__attribute__((noinline)) static void mutex_unlock_slow(mu_impl *m, uint32_t s) {
  for (;;) {
    if (s & MU_UNLOCKING) {
      __builtin_ia32_pause();
      s = __atomic_load_n(&m->state, __ATOMIC_ACQUIRE);
      continue;
    }
    if (!(s & MU_LOCKED))
      sync_error(ERR_MUTEX_UNLOCKED, m, 0);
    if ((s & MU_STARVING) || ((s & MU_WAITERS) && !(s & MU_WOKEN)))
      break; // someone to wake or hand off to
    if (mu_cas(m, &s, s & ~MU_LOCKED, __ATOMIC_RELEASE))
      return;
  }
  gostack_lock_acquire(&m->qlock);
  s = __atomic_load_n(&m->state, __ATOMIC_RELAXED);
  mu_waiter *w = m->head;
  if (!w || (!(s & MU_STARVING) && (s & MU_WOKEN))) {
    mu_update(m, MU_LOCKED, MU_UNLOCKING, __ATOMIC_RELEASE);
    gostack_lock_release(&m->qlock);
    mu_update(m, MU_UNLOCKING, 0, __ATOMIC_RELEASE); // the last access
    return;
  }
  m->head = w->next;
  if (!m->head)
    m->tail = NULL;
  uint32_t clear = m->head ? 0 : MU_WAITERS | MU_STARVING;
  if (s & MU_STARVING) {
    // Hand off: LOCKED stays set, for w.
    if (gostack_nanotime() - w->since < MU_STARVE_NS)
      clear |= MU_STARVING;
    mu_update(m, clear, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&w->handoff, 1, __ATOMIC_RELEASE);
    // w owns the mutex from here (LOCKED stays set): nobody else may unlock or free it.
    gostack_task *t = w->task;
    gostack_lock_release(&m->qlock);
    gostack_ready(t); // w is gone after this
    return;
  }
  mu_update(m, clear | MU_LOCKED, MU_WOKEN | MU_UNLOCKING, __ATOMIC_RELEASE);
  gostack_task *t = w->task;
  gostack_lock_release(&m->qlock);
  mu_update(m, MU_UNLOCKING, 0, __ATOMIC_RELEASE); // the last access
  gostack_ready(t); // w is gone after this
}

void gostack_mutex_unlock(gostack_mutex *mu) {
  mu_impl *m = (mu_impl *)mu;
  uint32_t s = MU_LOCKED;
  if (mu_cas(m, &s, 0, __ATOMIC_RELEASE))
    return;
  mutex_unlock_slow(m, s);
}

// Tasks as the API sees them: creating (gostack_spawn, gostack_go), finishing, joining, and the
// park/unpark permit. Descriptors come from per-P caches; the scheduler proper is sched.c.

#include "sched_internal.h"

#include "gostack/gostack.h"

#include <stdlib.h>
#include <string.h>

static uint64_t next_task_id = 1; // main is task 1 when it runs as a task

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

// ---- Creating, joining and freeing tasks -------------------------------------------------------

// Descriptors are never returned to malloc: the monitor may still poke a descriptor it read a
// moment ago (a stale preemption request is harmless, a write to freed memory is not).
#define TASK_ALLOC_BATCH 64u

static gostack_task *alloc_descriptor_slow(void) {
  gostack_lock_acquire(&gostack_sched.lock);
  gostack_task *t = gostack_sched.free_tasks;
  if (t)
    gostack_sched.free_tasks = t->schedlink;
  gostack_lock_release(&gostack_sched.lock);
  if (t)
    return t;
  gostack_task *batch = calloc(TASK_ALLOC_BATCH, sizeof *batch);
  if (!batch)
    gostack_fatalf(0, 0, "out of memory allocating task descriptors");
  gostack_lock_acquire(&gostack_sched.lock);
  for (uint32_t i = 1; i < TASK_ALLOC_BATCH; i++) {
    batch[i].schedlink = gostack_sched.free_tasks;
    gostack_sched.free_tasks = &batch[i];
  }
  gostack_lock_release(&gostack_sched.lock);
  return &batch[0];
}

void sched_free_descriptor(gostack_p *p, gostack_task *t) {
  if (p && p->nfree_tasks < TASK_CACHE_MAX) {
    t->schedlink = p->free_tasks;
    p->free_tasks = t;
    p->nfree_tasks++;
    return;
  }
  gostack_lock_acquire(&gostack_sched.lock);
  t->schedlink = gostack_sched.free_tasks;
  gostack_sched.free_tasks = t;
  gostack_lock_release(&gostack_sched.lock);
}

static void init_task(gostack_task *t, gostack_stack stack, const struct sched_spawn_req *req) {
  memset(t, 0, sizeof *t);
  t->stack = stack;
  t->stackguard0 = gostack_guard_for(t);
  t->id = __atomic_fetch_add(&next_task_id, 1, __ATOMIC_RELAXED);
  t->max_size = gostack_cfg.stack_min;
  t->fn = req->fn;
  t->arg = req->arg;
  t->detached = req->detached;
  t->state = TASK_RUNNABLE;
  gostack_task_init_frame(t);
}

// Runs on the system stack: malloc and mmap need more than a guard reserve.
void sched_spawn_slow(void *arg) {
  struct sched_spawn_req *req = arg;
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

static gostack_task *new_task(struct sched_spawn_req *req) {
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
    __gostack_systemstack_call(sched_spawn_slow, req);
  }
  gostack_task *t = req->task;
  p = owned_p(getm());
  if (p)
    sched_runq_put(p, t, true); // Go's newproc: the new task runs next on this P
  else
    sched_global_put(t, t, 1);
  sched_wakep();
  return t;
}

gostack_task *gostack_spawn(void *(*fn)(void *), void *arg) {
  struct sched_spawn_req req = {fn, arg, false, NULL};
  return new_task(&req);
}

void gostack_go(void (*fn)(void *), void *arg) {
  // The trampoline ignores a detached task's result register, so a void function is fine.
  struct sched_spawn_req req = {(void *(*)(void *))(void *)fn, arg, true, NULL};
  new_task(&req);
}

// Called by gostack_task_trampoline when the task's function returned, on the task's stack.
_Noreturn void gostack_task_exit(gostack_task *t, void *result) {
  t->result = result;
  sched_switch_out(getm(), AFTER_EXIT);
  __builtin_unreachable();
}

static void join_commit(void *p) {
  gostack_task *t = p;
  uint32_t expect = JOIN_PENDING;
  if (!__atomic_compare_exchange_n(&t->join_state, &expect, JOIN_WAITING, false,
                                   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    gostack_ready(t->joiner); // finished in between
}

static void free_joined(void *p) { sched_free_descriptor(NULL, p); }

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
    sched_free_descriptor(m->p, t); // no lock, no allocation: fine on the task stack
  else
    __gostack_systemstack_call(free_joined, t);
  return result;
}

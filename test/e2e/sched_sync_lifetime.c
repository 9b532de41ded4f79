// A WaitGroup or Mutex may be destroyed as soon as the call that ends its use returns: after
// gostack_waitgroup_wait returns (the counter reached zero), and after the unlock of a task
// that locked it last (POSIX allows destroying a mutex right after unlocking it). The runtime
// must not touch either afterwards. Each round here "destroys" the object by filling it with
// 0xff the moment that call returns, on one processor while the other side runs on another,
// and checks later that no byte changed (a late lock release or counter store would write
// zeros). A stress test: it catches such a write only when the timing lines up, which many
// rounds on two processors make likely.
//
// RUN: %gostack-cc -O2 %s -o %t
// RUN: env GOSTACK_PROCS=2 %t > %t.out
// RUN: FileCheck %s --input-file=%t.out
// RUN: env GOSTACK_PROCS=1 %t > %t.1.out
// RUN: FileCheck %s --input-file=%t.1.out
//
// CHECK: waitgroup: destroyed objects untouched
// CHECK-NEXT: mutex: destroyed objects untouched
// CHECK-NEXT: sched_sync_lifetime: ok

#include "Inputs/e2e.h"

#define ROUNDS 10000

static unsigned char wg_mem[ROUNDS][sizeof(gostack_waitgroup)] __attribute__((aligned(16)));
static unsigned char mu_mem[ROUNDS][sizeof(gostack_mutex)] __attribute__((aligned(16)));

static void done_later(void *arg) { gostack_waitgroup_done(arg); }

static int untouched(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0xff)
      return 0;
  return 1;
}

struct mu_round {
  gostack_mutex *mu;
  int phase;
};

// Locks behind main, unlocks, destroys.
static void *last_locker(void *arg) {
  struct mu_round *r = arg;
  __atomic_store_n(&r->phase, 1, __ATOMIC_RELEASE);
  gostack_mutex_lock(r->mu);
  gostack_mutex_unlock(r->mu);
  memset(r->mu, 0xff, sizeof *r->mu);
  return NULL;
}

// Barges in while main's unlock is handing over.
static void *barger(void *arg) {
  struct mu_round *r = arg;
  for (int k = 0; k < 4 && __atomic_load_n(&r->phase, __ATOMIC_ACQUIRE) < 3; k++) {
    if (gostack_mutex_trylock(r->mu))
      gostack_mutex_unlock(r->mu);
    gostack_yield();
  }
  return NULL;
}

int main(void) {
  long rounds = e2e_movestack() ? 500 : ROUNDS;
  long bad = 0;
  for (long i = 0; i < rounds; i++) {
    gostack_waitgroup *wg = (gostack_waitgroup *)wg_mem[i];
    memset(wg, 0, sizeof *wg);
    gostack_waitgroup_add(wg, 1);
    gostack_go(done_later, wg);
    gostack_waitgroup_wait(wg);
    memset(wg, 0xff, sizeof *wg);
  }
  gostack_sleep_ns(10 * 1000 * 1000);
  for (long i = 0; i < rounds; i++)
    bad += !untouched(wg_mem[i], sizeof wg_mem[i]);
  printf("waitgroup: %s\n", bad ? "DESTROYED OBJECT WRITTEN" : "destroyed objects untouched");
  E2E_CHECK(bad == 0);

  bad = 0;
  for (long i = 0; i < rounds; i++) {
    gostack_mutex *mu = (gostack_mutex *)mu_mem[i];
    memset(mu, 0, sizeof *mu);
    struct mu_round r = {mu, 0};
    gostack_mutex_lock(mu);
    gostack_task *t = gostack_spawn(last_locker, &r);
    gostack_task *b = gostack_spawn(barger, &r);
    while (__atomic_load_n(&r.phase, __ATOMIC_ACQUIRE) < 1)
      gostack_yield();
    gostack_yield(); // usually lets last_locker queue up
    gostack_mutex_unlock(mu);
    __atomic_store_n(&r.phase, 3, __ATOMIC_RELEASE);
    gostack_join(t);
    gostack_join(b);
  }
  gostack_sleep_ns(10 * 1000 * 1000);
  for (long i = 0; i < rounds; i++)
    bad += !untouched(mu_mem[i], sizeof mu_mem[i]);
  printf("mutex: %s\n", bad ? "DESTROYED OBJECT WRITTEN" : "destroyed objects untouched");
  E2E_CHECK(bad == 0);
  return e2e_finish("sched_sync_lifetime");
}

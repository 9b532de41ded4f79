// gostack_mutex and gostack_waitgroup on the M:N scheduler. Mutex: 64 tasks x 10,000
// increments of a plain (non-atomic) counter, two plain pthreads (not tasks: they block their
// thread) joining in, an atomic "inside" flag proving that no two holders ever overlap, and a
// gostack_yield() inside the critical section now and then so that waiters really park (and,
// with one processor, the queue of parked waiters builds up); trylock, uncontended and against
// a holder in another task; a mutex unlocked by another task than the one that locked it.
// WaitGroup: 1000 tasks done -> wait returns; wait with the counter already 0 returns at once;
// 8 waiters released together by one done; a WaitGroup reused for 50 rounds; add with a delta
// other than +-1.
//
// Each binary runs with the default number of processors and with one.
//
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.g0 > %t.g0.out
// RUN: FileCheck %s --input-file=%t.g0.out
// RUN: env GOSTACK_PROCS=1 %t.g0 > %t.g0p1.out
// RUN: FileCheck %s --input-file=%t.g0p1.out
// RUN: %t.g2 > %t.g2.out
// RUN: FileCheck %s --input-file=%t.g2.out
// RUN: env GOSTACK_PROCS=1 %t.g2 > %t.g2p1.out
// RUN: FileCheck %s --input-file=%t.g2p1.out
//
// 64 * 10000 + 2 * 10000 = 660000
// CHECK: mutex: tasks=64 threads=2 counter=660000 overlaps=0 yields-inside=6600
// CHECK-NEXT: trylock: free=1 held=0 again=1 while-other-holds=0 after=1
// CHECK-NEXT: handover: unlocked-by-other=1 relocked=1
// sum(range(1000)) = 499500
// CHECK-NEXT: waitgroup: tasks=1000 done=1000 sum=499500
// CHECK-NEXT: waitgroup: zero-wait=ok
// CHECK-NEXT: waitgroup: waiters=8 early=0 released=8
// 50 rounds * 10 tasks: 500; sum over rounds r of 10*r = 10*1275 = 12750
// CHECK-NEXT: waitgroup: rounds=50 total=500 weighted=12750 bad-rounds=0
// CHECK-NEXT: waitgroup: add5=released
// CHECK-NEXT: sched_mutex: ok

#include "Inputs/e2e.h"

#include <pthread.h>
#include <sched.h>

static void sleep_ms(int ms) { gostack_sleep_ns((uint64_t)ms * 1000000u); }

/* ---- Mutex under contention ------------------------------------------------------------------ */

#define MU_TASKS 64
#define MU_ITERS 10000
#define MU_THREADS 2

static gostack_mutex mu = GOSTACK_MUTEX_INIT;
static long counter; /* protected by mu; deliberately not atomic */
static int inside;
static long overlaps, yields_inside;

E2E_INLINE void critical(long i, int may_yield) {
  if (__atomic_exchange_n(&inside, 1, __ATOMIC_RELAXED) != 0)
    __atomic_fetch_add(&overlaps, 1, __ATOMIC_RELAXED);
  long c = counter;
  if (i % 100 == 0) {
    yields_inside++; /* protected by mu too */
    if (may_yield)
      gostack_yield();
    else
      sched_yield();
  }
  counter = c + 1;
  __atomic_store_n(&inside, 0, __ATOMIC_RELAXED);
}

static void *mu_task(void *p) {
  (void)p;
  for (long i = 0; i < MU_ITERS; i++) {
    gostack_mutex_lock(&mu);
    critical(i, 1);
    gostack_mutex_unlock(&mu);
  }
  return NULL;
}

static void *mu_thread(void *p) {
  (void)p;
  for (long i = 0; i < MU_ITERS; i++) {
    if (i % 3 == 0) {
      while (!gostack_mutex_trylock(&mu))
        sched_yield();
    } else {
      gostack_mutex_lock(&mu);
    }
    critical(i, 0);
    gostack_mutex_unlock(&mu);
  }
  return NULL;
}

static void mutex_contention(void) {
  gostack_task *t[MU_TASKS];
  pthread_t th[MU_THREADS];
  for (int i = 0; i < MU_THREADS; i++)
    E2E_CHECK(pthread_create(&th[i], NULL, mu_thread, NULL) == 0);
  for (int i = 0; i < MU_TASKS; i++)
    t[i] = gostack_spawn(mu_task, NULL);
  for (int i = 0; i < MU_TASKS; i++)
    gostack_join(t[i]);
  for (int i = 0; i < MU_THREADS; i++)
    pthread_join(th[i], NULL);
  printf("mutex: tasks=%d threads=%d counter=%ld overlaps=%ld yields-inside=%ld\n", MU_TASKS,
         MU_THREADS, counter, overlaps, yields_inside);
}

/* ---- trylock and unlocking from another task ------------------------------------------------- */

static gostack_mutex mu2 = GOSTACK_MUTEX_INIT;
static gostack_chan *held, *release;

static void *holder(void *p) {
  (void)p;
  gostack_mutex_lock(&mu2);
  E2E_CHECK(gostack_chan_send(held, NULL));
  E2E_CHECK(gostack_chan_recv(release, NULL));
  gostack_mutex_unlock(&mu2);
  return NULL;
}

static void *unlocker(void *p) {
  gostack_mutex_unlock((gostack_mutex *)p);
  return NULL;
}

static void trylock_tests(void) {
  int free_ = gostack_mutex_trylock(&mu2);
  int held_ = gostack_mutex_trylock(&mu2);
  gostack_mutex_unlock(&mu2);
  int again = gostack_mutex_trylock(&mu2);
  gostack_mutex_unlock(&mu2);
  held = gostack_chan_make(0, 0);
  release = gostack_chan_make(0, 0);
  gostack_task *t = gostack_spawn(holder, NULL);
  E2E_CHECK(gostack_chan_recv(held, NULL));
  int other = gostack_mutex_trylock(&mu2);
  E2E_CHECK(gostack_chan_send(release, NULL));
  gostack_join(t);
  int after = gostack_mutex_trylock(&mu2);
  gostack_mutex_unlock(&mu2);
  printf("trylock: free=%d held=%d again=%d while-other-holds=%d after=%d\n", free_, held_, again,
         other, after);
  gostack_chan_free(held);
  gostack_chan_free(release);

  /* Locked here, unlocked by another task; then lockable again. */
  gostack_mutex m3 = GOSTACK_MUTEX_INIT;
  gostack_mutex_lock(&m3);
  gostack_join(gostack_spawn(unlocker, &m3));
  int by_other = gostack_mutex_trylock(&m3);
  gostack_mutex_unlock(&m3);
  gostack_mutex_lock(&m3);
  int relocked = !gostack_mutex_trylock(&m3);
  gostack_mutex_unlock(&m3);
  printf("handover: unlocked-by-other=%d relocked=%d\n", by_other, relocked);
}

/* ---- WaitGroup ------------------------------------------------------------------------------- */

static gostack_waitgroup wg = GOSTACK_WAITGROUP_INIT;
static long wg_sum, wg_done;

static void wg_worker(void *p) {
  if ((intptr_t)p % 10 == 0)
    gostack_yield();
  __atomic_fetch_add(&wg_sum, (long)(intptr_t)p, __ATOMIC_RELAXED);
  __atomic_fetch_add(&wg_done, 1, __ATOMIC_RELAXED);
  gostack_waitgroup_done(&wg);
}

static gostack_waitgroup gate = GOSTACK_WAITGROUP_INIT, finished = GOSTACK_WAITGROUP_INIT;
static long released;

static void gate_waiter(void *p) {
  (void)p;
  gostack_waitgroup_wait(&gate);
  __atomic_fetch_add(&released, 1, __ATOMIC_RELAXED);
  gostack_waitgroup_done(&finished);
}

static gostack_waitgroup round_wg = GOSTACK_WAITGROUP_INIT;
static long round_count;

static void round_worker(void *p) {
  __atomic_fetch_add(&round_count, (long)(intptr_t)p, __ATOMIC_RELAXED);
  gostack_waitgroup_done(&round_wg);
}

static void waitgroup_tests(void) {
  gostack_waitgroup_add(&wg, 1000);
  for (long i = 0; i < 1000; i++)
    gostack_go(wg_worker, (void *)(intptr_t)i);
  gostack_waitgroup_wait(&wg);
  printf("waitgroup: tasks=1000 done=%ld sum=%ld\n", __atomic_load_n(&wg_done, __ATOMIC_RELAXED),
         __atomic_load_n(&wg_sum, __ATOMIC_RELAXED));

  gostack_waitgroup zero = GOSTACK_WAITGROUP_INIT;
  gostack_waitgroup_wait(&zero);
  gostack_waitgroup_wait(&wg); /* back at 0 */
  printf("waitgroup: zero-wait=ok\n");

  gostack_waitgroup_add(&gate, 1);
  gostack_waitgroup_add(&finished, 8);
  for (int i = 0; i < 8; i++)
    gostack_go(gate_waiter, NULL);
  sleep_ms(5);
  long early = __atomic_load_n(&released, __ATOMIC_RELAXED);
  gostack_waitgroup_done(&gate);
  gostack_waitgroup_wait(&finished);
  printf("waitgroup: waiters=8 early=%ld released=%ld\n", early,
         __atomic_load_n(&released, __ATOMIC_RELAXED));

  long total = 0, bad_rounds = 0;
  for (long r = 1; r <= 50; r++) {
    long before = __atomic_load_n(&round_count, __ATOMIC_RELAXED);
    gostack_waitgroup_add(&round_wg, 10);
    for (int i = 0; i < 10; i++)
      gostack_go(round_worker, (void *)(intptr_t)r);
    gostack_waitgroup_wait(&round_wg);
    long after = __atomic_load_n(&round_count, __ATOMIC_RELAXED);
    bad_rounds += after - before != 10 * r;
    total += 10;
  }
  printf("waitgroup: rounds=50 total=%ld weighted=%ld bad-rounds=%ld\n", total,
         __atomic_load_n(&round_count, __ATOMIC_RELAXED) / 1, bad_rounds);

  gostack_waitgroup five = GOSTACK_WAITGROUP_INIT;
  gostack_waitgroup_add(&five, 5);
  gostack_waitgroup_add(&five, -2);
  gostack_waitgroup_add(&five, -3);
  gostack_waitgroup_wait(&five);
  printf("waitgroup: add5=released\n");
}

int main(void) {
  mutex_contention();
  E2E_CHECK(counter == MU_TASKS * MU_ITERS + MU_THREADS * MU_ITERS && overlaps == 0);
  trylock_tests();
  waitgroup_tests();
  return e2e_finish("sched_mutex");
}

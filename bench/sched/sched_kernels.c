/* bench/sched/sched_kernels.c: the measured code of the scheduler benchmarks.
 *
 * Compiled with gostack-clang -O2 and linked with the Google Benchmark harness
 * (sched_bench.cpp, plain clang++-19, which owns main). go/sched.go is the same code in Go,
 * line for line where the languages allow; sched_kernels.h has the batch sizes both use.
 *
 * Each sk_* entry point runs on the harness's thread (not a task): it spawns a driver task, the
 * driver runs one batch and times it from inside, and the harness thread blocks in gostack_join
 * until the driver is done. */
#define _POSIX_C_SOURCE 200809L
#include <gostack/gostack.h>

#include <stdint.h>
#include <time.h>

#include "sched_kernels.h"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Runs fn(b) as a fresh driver task and waits for it (the harness thread blocks). */
struct batch {
  long n;       /* operations (or rounds) */
  long m;       /* second size: tasks per round, recursion depth */
  uint64_t ns;  /* filled in by the driver */
  uint64_t sum; /* results the optimizer must keep */
};

static uint64_t run_driver(void *(*fn)(void *), struct batch *b) {
  gostack_join(gostack_spawn(fn, b));
  return b->ns;
}

/* --- 1a. spawn + join of a task doing trivial work ---------------------------------------- */
static void *trivial(void *p) {
  uint64_t *x = p;
  *x += 1;
  return NULL;
}

static void *spawn_join_driver(void *p) {
  struct batch *b = p;
  uint64_t slot = 0;
  uint64_t t0 = now_ns();
  for (long i = 0; i < b->n; i++)
    gostack_join(gostack_spawn(trivial, &slot));
  b->ns = now_ns() - t0;
  b->sum = slot;
  return NULL;
}

uint64_t sk_spawn_join(long n) {
  struct batch b = {n, 0, 0, 0};
  return run_driver(spawn_join_driver, &b);
}

/* --- 1b. gostack_go x tasks, then one WaitGroup wait (Go's usual fan-out) ------------------- */
struct slot {
  uint64_t x;
  gostack_waitgroup *wg;
};

static struct slot slots[SK_GO_WAIT_TASKS];

static void trivial_done(void *p) {
  struct slot *s = p;
  s->x += 1;
  gostack_waitgroup_done(s->wg);
}

static void *go_wait_driver(void *p) {
  struct batch *b = p;
  gostack_waitgroup wg = GOSTACK_WAITGROUP_INIT;
  long tasks = b->m > SK_GO_WAIT_TASKS ? SK_GO_WAIT_TASKS : b->m;
  for (long i = 0; i < tasks; i++)
    slots[i].wg = &wg;
  uint64_t t0 = now_ns();
  for (long r = 0; r < b->n; r++) {
    gostack_waitgroup_add(&wg, tasks);
    for (long i = 0; i < tasks; i++)
      gostack_go(trivial_done, &slots[i]);
    gostack_waitgroup_wait(&wg);
  }
  b->ns = now_ns() - t0;
  return NULL;
}

uint64_t sk_go_wait(long rounds, long tasks) {
  struct batch b = {rounds, tasks, 0, 0};
  return run_driver(go_wait_driver, &b);
}

/* --- 2. yield -------------------------------------------------------------------------------- */
static void *yield_alone_driver(void *p) {
  struct batch *b = p;
  uint64_t t0 = now_ns();
  for (long i = 0; i < b->n; i++)
    gostack_yield();
  b->ns = now_ns() - t0;
  return NULL;
}

uint64_t sk_yield_alone(long n) {
  struct batch b = {n, 0, 0, 0};
  return run_driver(yield_alone_driver, &b);
}

static void *yielder(void *p) {
  long n = *(long *)p;
  for (long i = 0; i < n; i++)
    gostack_yield();
  return NULL;
}

static void *yield_pair_driver(void *p) {
  struct batch *b = p;
  long each = b->n / 2;
  uint64_t t0 = now_ns();
  gostack_task *t1 = gostack_spawn(yielder, &each);
  gostack_task *t2 = gostack_spawn(yielder, &each);
  gostack_join(t1);
  gostack_join(t2);
  b->ns = now_ns() - t0;
  return NULL;
}

uint64_t sk_yield_pair(long n) {
  struct batch b = {n, 0, 0, 0};
  return run_driver(yield_pair_driver, &b);
}

/* --- 3. unbuffered channel ping-pong --------------------------------------------------------- */
struct pingpong {
  gostack_chan *ping, *pong;
};

static void *ponger(void *p) {
  struct pingpong *pp = p;
  int64_t v;
  while (gostack_chan_recv(pp->ping, &v)) {
    v += 1;
    gostack_chan_send(pp->pong, &v);
  }
  return NULL;
}

static void *pingpong_driver(void *p) {
  struct batch *b = p;
  struct pingpong pp = {gostack_chan_make(sizeof(int64_t), 0),
                        gostack_chan_make(sizeof(int64_t), 0)};
  gostack_task *t = gostack_spawn(ponger, &pp);
  int64_t v = 0;
  uint64_t t0 = now_ns();
  for (long i = 0; i < b->n; i++) {
    gostack_chan_send(pp.ping, &v);
    gostack_chan_recv(pp.pong, &v);
  }
  b->ns = now_ns() - t0;
  b->sum = (uint64_t)v;
  gostack_chan_close(pp.ping);
  gostack_join(t);
  gostack_chan_free(pp.ping);
  gostack_chan_free(pp.pong);
  return NULL;
}

uint64_t sk_pingpong(long n) {
  struct batch b = {n, 0, 0, 0};
  return run_driver(pingpong_driver, &b);
}

/* --- facts for the report ---------------------------------------------------------------------- */
int sk_procs(void) { return gostack_procs(); }

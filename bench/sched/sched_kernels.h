/* bench/sched/sched_kernels.h: the scheduler benchmarks' kernels (sched_kernels.c, compiled with
 * gostack-clang -O2) as seen from the Google Benchmark harness (sched_bench.cpp, plain clang++).
 *
 * Every sk_* function is called on the harness's thread, which is not a task. It spawns one
 * fresh "driver" task, which runs the batch (n operations) and measures it with
 * CLOCK_MONOTONIC from inside, joins it (the harness thread blocks in gostack_join) and returns
 * the nanoseconds the batch took. The time to start the driver and to wake the harness thread
 * is outside the measurement.
 *
 * The Go mirror (go/sched.go) runs the same batches with the same sizes: keep SK_* below and the
 * constants there equal (the summarizer checks ops per batch). The Boost.Fiber/Boost.Context
 * mirror (boost_bench.cpp) includes this header and uses SK_* directly. */
#ifndef GOSTACK_BENCH_SCHED_KERNELS_H
#define GOSTACK_BENCH_SCHED_KERNELS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* Operations per batch, and batches per repetition, of each benchmark. */
enum {
  SK_SPAWN_JOIN_OPS = 10000, /* gostack_spawn + gostack_join of a trivial task */
  SK_SPAWN_JOIN_BATCHES = 15,
  SK_GO_WAIT_TASKS = 1000,   /* gostack_go x 1000, then one WaitGroup wait ... */
  SK_GO_WAIT_ROUNDS = 10,    /* ... 10 times per batch: 10,000 tasks */
  SK_GO_WAIT_BATCHES = 15,
  SK_YIELD_OPS = 200000,     /* gostack_yield calls per batch (pair: 100,000 per task) */
  SK_YIELD_BATCHES = 15,
  SK_PINGPONG_OPS = 20000,   /* round trips per batch */
  SK_PINGPONG_BATCHES = 15,
};

uint64_t sk_spawn_join(long n);             /* n x (spawn a trivial task, join it) */
uint64_t sk_go_wait(long rounds, long tasks); /* rounds x (tasks x gostack_go, WaitGroup wait) */
uint64_t sk_yield_alone(long n);            /* n yields by the driver, alone on its P */
uint64_t sk_yield_pair(long n);             /* two tasks, n / 2 yields each, alternating */
uint64_t sk_pingpong(long n);               /* n round trips over two unbuffered channels */

/* gostack_procs(), for the report. */
int sk_procs(void);

#ifdef __cplusplus
}
#endif
#endif

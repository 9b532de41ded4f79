/* bench/growth/growth.h: the growth and hot-split kernels (kernels.c) as seen from the Google
 * Benchmark harness (growth_bench.cpp), and the per-system glue they use (sys_*.c).
 *
 * kernels.c is one source compiled three ways: gostack-clang -O2 (gostack), gcc -O2
 * -fsplit-stack (libgcc's segmented stacks) and clang-19 -O2 (plain, the reference). Each
 * binary links exactly one sys_*.c, which says what a "fresh context" is for that system. */
#ifndef GOSTACK_BENCH_GROWTH_H
#define GOSTACK_BENCH_GROWTH_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* Growth: `ops` recursions of `depth` levels, each in a fresh context (fresh = 1; spawned,
 * run, joined, freed) or all on the driver's already grown stack (fresh = 0, after one untimed
 * recursion). Every batch runs in a new driver context, which times it from inside; the
 * nanoseconds for the whole batch are returned, and for warm batches the growths (gostack) or new
 * segments (gcc) during the timed recursions in *regrowths. */
uint64_t gr_grow(int fresh, long ops, int depth, uint64_t *regrowths);

/* Facts for the report: deep(depth, seed) run once in a fresh context, and that context's
 * stack afterwards (gostack: size and growths; gcc: segments and their bytes). */
typedef struct gr_stats {
  uint64_t result;
  uint64_t stack_bytes; /* gostack: stack size; gcc: sum of segment sizes; plain: 0 */
  uint64_t growths;     /* gostack: moves that grew the stack; gcc: segments beyond the first */
  uint64_t segments;    /* gcc: segments in the context's list; gostack: 1 */
} gr_stats;
void gr_check(int depth, uint64_t seed, gr_stats *out);

/* Hot split: in a fresh context, place SP so that the frame of gr_hot (whose prologue asks for
 * `check` bytes) reaches x bytes below the context's current stack guard, then call it 1 + k
 * times in a loop (k a multiple of GR_HOT_CHUNK). x > 0: the frame does not fit. */
enum { GR_HOT_CHUNK = 1000 };
typedef struct gr_hot_run {
  long x;               /* the offset reached (the requested one, or up to 15 bytes more) */
  uint64_t ns;          /* wall time of all 1 + k calls (CLOCK_MONOTONIC) */
  uint64_t first_ticks; /* TSC ticks of the first call alone */
  uint64_t chunk_ticks; /* TSC ticks of the fastest chunk of GR_HOT_CHUNK calls after it */
  uint64_t sum;         /* result of the loop, checked by the harness */
  int placed;           /* 0 if the context had no room for this x */
} gr_hot_run;
void gr_hot_split(long x, long k, long check, gr_hot_run *out);

/* Which system this binary is ("gostack", "gcc-split", "gcc-split-nosig", "plain"). */
const char *gr_system(void);

/* --- Glue, one implementation per system (sys_gostack.c, sys_gcc.c, sys_plain.c) ------------ */

/* A fresh context's entry for the thread-style systems (gostack tasks, plain pthreads): the
 * function and argument travel in one struct, unpacked by gr_fresh_entry. */
struct gr_fresh {
  void (*fn)(void *);
  void *arg;
};
static inline __attribute__((unused)) void *gr_fresh_entry(void *p) {
  struct gr_fresh *f = (struct gr_fresh *)p;
  f->fn(f->arg);
  return 0;
}

/* Runs fn(arg) in a new context that starts with the system's minimum stack (at least
 * `min_bytes`, where the system lets the caller choose) and returns once fn has returned and
 * the context is freed. */
void sys_run_fresh(void (*fn)(void *), void *arg, size_t min_bytes);
/* The running context's stack, after the fact (see gr_stats). */
void sys_stack_stats(gr_stats *out);
/* Makes sure the running context has at least `bytes` above its guard for the hot-split
 * placement (gostack: grows by recursion; gcc: nothing to do, see sys_gcc.c). */
void sys_hot_prepare(size_t bytes);
const char *sys_name(void);

/* The recursion kernel (kernels.c): exported so the runner can read its frame from objdump. */
uint64_t gr_deep(int depth, uint64_t acc);
uint64_t gr_hot(uint64_t a);

#ifdef __cplusplus
}
#endif
#endif

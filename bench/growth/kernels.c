/* bench/growth/kernels.c: the measured code of the growth and hot-split benchmarks.
 *
 * One source for every system: bench/growth/run compiles it with gostack-clang -O2, with gcc -O2
 * -fsplit-stack and with plain clang-19 -O2, and links each with its glue (sys_*.c) and the same
 * Google Benchmark harness (growth_bench.cpp). go/growth.go is gr_deep in Go, line for line.
 * Everything here runs in contexts made by sys_run_fresh and times itself from inside. */
#define _POSIX_C_SOURCE 200809L
#include "growth.h"

#include <alloca.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))

volatile uint64_t gr_sink; /* results the optimizer must keep */

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* --- The recursion kernel ------------------------------------------------------------------- */
/* A 64-byte local array indexed at run time stays in memory (no SROA) without escaping, so under
 * gostack it lives in the moving frame, not the pinned area. The result is used after the call,
 * so neither compiler can turn the recursion into a loop; noinline keeps one frame per level.
 * bench/sched uses the same function; go/growth.go's deep() is the same code in Go. */
NOINLINE uint64_t gr_deep(int depth, uint64_t acc) {
  uint64_t pad[8];
  for (int i = 0; i < 8; i++)
    pad[i] = acc + (uint64_t)i * (uint64_t)depth;
  if (depth == 0)
    return pad[acc & 7];
  uint64_t r = gr_deep(depth - 1, acc + pad[depth & 7]);
  return r + pad[r & 7];
}

struct grow_batch {
  long ops;
  int depth;
  uint64_t ns;
  uint64_t sum;
  uint64_t regrowths; /* warm: growths during the timed recursions (0 if the stack was kept) */
};

static void deep_child(void *p) {
  struct grow_batch *b = p;
  b->sum += gr_deep(b->depth, b->sum);
}

/* Fresh: every recursion in a new context that starts at the system's minimum stack. */
static void fresh_driver(void *p) {
  struct grow_batch *b = p;
  uint64_t t0 = now_ns();
  for (long i = 0; i < b->ops; i++)
    sys_run_fresh(deep_child, b, 0);
  b->ns = now_ns() - t0;
}

/* Warm: one untimed recursion grows the driver's own stack, then the timed ones reuse it. */
static void warm_driver(void *p) {
  struct grow_batch *b = p;
  b->sum = gr_deep(b->depth, 0);
  gr_stats before, after;
  sys_stack_stats(&before);
  uint64_t t0 = now_ns();
  for (long i = 0; i < b->ops; i++)
    b->sum += gr_deep(b->depth, b->sum);
  b->ns = now_ns() - t0;
  sys_stack_stats(&after);
  b->regrowths = after.growths - before.growths;
}

uint64_t gr_grow(int fresh, long ops, int depth, uint64_t *regrowths) {
  struct grow_batch b = {ops, depth, 0, 0, 0};
  sys_run_fresh(fresh ? fresh_driver : warm_driver, &b, 0);
  gr_sink = b.sum;
  *regrowths = b.regrowths;
  return b.ns;
}

struct check_arg {
  int depth;
  uint64_t seed;
  gr_stats *out;
};

static void check_task(void *p) {
  struct check_arg *a = p;
  uint64_t r = gr_deep(a->depth, a->seed);
  sys_stack_stats(a->out);
  a->out->result = r;
}

void gr_check(int depth, uint64_t seed, gr_stats *out) {
  struct check_arg a = {depth, seed, out};
  sys_run_fresh(check_task, &a, 0);
}

/* --- Hot split ------------------------------------------------------------------------------ */
/* A function with a 256-byte local buffer: eight stores at a run-time offset and one load of a
 * slot one of them wrote (so the result is defined: a + 4 * ((a >> 2) & 7)). Both compilers make
 * the same eight scalar stores of it (a zeroed buffer would not do: gcc zeroes with rep stos,
 * clang with vector stores, and the bodies would differ more than the calls). Not volatile:
 * under gostack a volatile access counts as an escape, and an escaping local is pinned off the
 * stack. Kernels are compiled with -mno-red-zone, so the whole buffer is in the frame each
 * compiler's prologue checks (gcc otherwise checks only the part below the red zone). */
NOINLINE uint64_t gr_hot(uint64_t a) {
  uint64_t buf[32];
  unsigned j = a & 3; /* written out: gcc -O2 would keep a loop of 8, clang unrolls it */
  buf[j] = a;
  buf[j + 4] = a + 4;
  buf[j + 8] = a + 8;
  buf[j + 12] = a + 12;
  buf[j + 16] = a + 16;
  buf[j + 20] = a + 20;
  buf[j + 24] = a + 24;
  buf[j + 28] = a + 28;
  return buf[((a >> 2) & 7) * 4 + j];
}

/* gostack and libgcc both keep the running stack's guard in the TCB at %fs:0x70 (glibc's
 * tcbhead_t.__private_ss); a plain thread has 0 there. */
static inline uintptr_t read_guard(void) {
  uintptr_t g;
  __asm__ volatile("movq %%fs:0x70, %0" : "=r"(g));
  return g;
}

static inline uintptr_t read_sp(void) {
  uintptr_t sp;
  __asm__ volatile("movq %%rsp, %0" : "=r"(sp));
  return sp;
}

/* 0 at run time, but the compiler cannot tell (volatile: two of them are never merged). */
static inline long opaque_zero(void) {
  long v = 0;
  __asm__ volatile("" : "+r"(v));
  return v;
}

/* Time stamps that need no call: the loop must call nothing but gr_hot (under gcc a call to a
 * non-split function would make gold enlarge the caller's own check). */
static inline uint64_t ticks(void) {
  uint32_t lo, hi;
  __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
  return ((uint64_t)hi << 32) | lo;
}

/* The loop. Its 1 KB frame (a buffer used through indexes the compiler cannot prove equal, so
 * it stays, in the frame, not pinned) carries SP from where the alloca in hot_at may put it
 * down to the guard: under gostack an alloca must leave 256 bytes plus the guard reserve free
 * (__gostack_ensure_stack grows the stack otherwise), so no alloca can place a call site at the
 * guard itself. k = 0 only reports this frame's SP, in o->sum (calibration).
 *
 * The first call is timed alone (it is where gostack grows and gcc links a new segment); the
 * other k calls run in chunks of GR_HOT_CHUNK, each timed, and the fastest chunk is kept: the
 * machine is shared, and a chunk that lost the CPU says nothing about the call. */
NOINLINE static void hot_loop(long k, long check, uintptr_t g, gr_hot_run *o) {
  char room[1024];
  room[opaque_zero()] = 0;
  uintptr_t sp = read_sp(); /* the SP of every call below; gr_hot's entry SP is sp - 8 */
  o->x = (long)(g + (uintptr_t)check - (sp - 8));
  if (k == 0) {
    o->sum = sp + (uint64_t)room[opaque_zero()];
    return;
  }
  uint64_t s = (uint64_t)o->x;
  uint64_t t0 = ticks();
  s += gr_hot(s);
  uint64_t t1 = ticks();
  uint64_t best = UINT64_MAX;
  for (long c = 0; c < k / GR_HOT_CHUNK; c++) {
    uint64_t c0 = ticks();
    for (long i = 1; i <= GR_HOT_CHUNK; i++)
      s += gr_hot(s + (uint64_t)(c * GR_HOT_CHUNK + i));
    uint64_t c1 = ticks();
    if (c1 - c0 < best)
      best = c1 - c0;
  }
  o->first_ticks = t1 - t0;
  o->chunk_ticks = best;
  o->sum = s + (uint64_t)room[opaque_zero()];
}

/* Places hot_loop so that gr_hot's entry SP minus `check` (what its prologue compares with the
 * guard) lies x bytes below the running stack's guard, then runs the loop. The padding is an
 * alloca, part of this frame (it moves with a gostack stack; under gcc it stays on the segment,
 * as it never reaches the guard); the SP actually reached is read back, not assumed. */
NOINLINE static void hot_at(long x, long k, long check, gr_hot_run *o) {
  uintptr_t sp0 = read_sp();
  uintptr_t g = read_guard();
  if (g == 0)
    g = sp0 - 16384; /* plain: no guard; a made-up one keeps the code path the same */
  hot_loop(0, check, g, o); /* calibration: hot_loop's SP when called from sp0 */
  uintptr_t below = sp0 - (uintptr_t)o->sum;
  uintptr_t want = (g + (uintptr_t)check - (uintptr_t)x + 8) & ~(uintptr_t)15; /* loop's SP */
  if (want <= g || want + below + 1024 > sp0) { /* beyond the frame, or no room in the context */
    o->placed = 0;
    return;
  }
  /* Stored and loaded at indexes the compiler cannot prove equal: kept, yet not escaping. */
  size_t bytes = sp0 - below - want; /* a multiple of 16, at least 1024 */
#if !defined(__clang__)
  bytes -= 16; /* gcc's alloca lowers SP by (bytes + 23) & ~15 */
#endif
  char *pad = alloca(bytes);
  pad[opaque_zero()] = 0;
  hot_loop(k, check, g, o);
  o->placed = 1;
  o->sum += (uint64_t)pad[opaque_zero()];
}

struct hot_arg {
  long x, k, check;
  gr_hot_run *out;
};

#define HOT_ROOM 16384 /* bytes above the guard hot_at may need (far positions: x = -4096) */

static void hot_task(void *p) {
  struct hot_arg *a = p;
  sys_hot_prepare(HOT_ROOM);
  uint64_t t0 = now_ns();
  hot_at(a->x, a->k, a->check, a->out);
  a->out->ns = now_ns() - t0;
}

void gr_hot_split(long x, long k, long check, gr_hot_run *out) {
  struct hot_arg a = {x, k, check, out};
  sys_run_fresh(hot_task, &a, 2 * HOT_ROOM);
}

const char *gr_system(void) { return sys_name(); }

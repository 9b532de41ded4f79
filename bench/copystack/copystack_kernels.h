/* bench/copystack/copystack_kernels.h: the stack-move kernels (copystack_kernels.c, compiled with
 * gostack-clang -O2) as seen from the Google Benchmark harness (copystack_bench.cpp, plain
 * clang++-19, which owns main).
 *
 * Every ck_* function runs on the harness's thread, which is not a task: it spawns a fresh
 * driver task and joins it. The driver recurses until its stack of `stack_size` bytes is full
 * (filled up to what a growth would leave: the stack minus the guard reserve and the frame that
 * asks), then moves that stack `moves` times and times the moves from inside (the thread's CPU
 * time, CLOCK_THREAD_CPUTIME_ID). Filling the stack (and its growths up to stack_size) is not
 * timed. */
#ifndef GOSTACK_BENCH_COPYSTACK_KERNELS_H
#define GOSTACK_BENCH_COPYSTACK_KERNELS_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  CK_WARM, /* move to a new stack of the same size: the stack the previous move freed */
  CK_COLD, /* growth to twice the size, into a stack whose pages are not resident */
} ck_kind;

typedef struct ck_result {
  uint64_t ns;     /* time of the `moves` moves, in all */
  size_t bytes;    /* bytes each move copied: the used stack, __morestack's context included */
  size_t frames;   /* frames on the moved stack, from the driver down */
  size_t size;     /* the stack's size before each move */
  size_t end_size; /* its size after the last one (a warm move must not have grown it) */
  uint64_t discarded;   /* timed runs thrown away: a preemption hit them (a loaded machine) */
  uint64_t preemptions; /* the driver's preemptions in all */
  uint64_t moves;  /* moves the runtime counted for the driver (timed and untimed) */
  uint64_t sum;    /* the kernel's result, kept so the optimizer keeps the work */
} ck_result;

/* Fills a stack of stack_size bytes (a power of two >= 4096), then `moves` moves of `kind`. */
void ck_move(size_t stack_size, long moves, ck_kind kind, ck_result *out);

/* Provided by the harness (plain clang, so this is a foreign call: it runs on the thread's
 * system stack): makes the stack of `size` bytes the next allocation of that size will return
 * non-resident, as a fresh mapping would be. */
void ck_make_next_stack_cold(size_t size);

#ifdef __cplusplus
}
#endif
#endif

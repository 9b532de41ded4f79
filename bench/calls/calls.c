/* bench/calls/calls.c: the measured code of the instrumentation-overhead micro-benchmark.
 *
 * This one source is compiled three ways (plain clang-19; gostack-clang; gostack-clang with
 * GOSTACK_STACK_MAPS=1), all at -O2, and linked against the same Google Benchmark harness
 * (bench/calls/calls_bench.cpp, compiled with plain clang++-19). Only k_grow differs by variant:
 * under gostack it runs its recursion in a fresh task (2 KB stack that grows by copying); plain,
 * it simply calls the recursion on the thread stack. Everything else runs on the thread's own
 * stack in every variant (the harness's main is not a gostack task, so the guard is 0 and every
 * prologue check passes): that measures the cost of the checks, forced frame pointers and
 * statepoints, not of growth. */
#include <stdint.h>
#include <stdlib.h>

#ifdef __GOSTACK__
#include <gostack/gostack.h>
#endif

#include "calls.h"

/* --- fib: two calls per frame, tiny frames ------------------------------------------------ */
uint64_t k_fib(int n) {
  if (n < 2)
    return (uint64_t)n;
  return k_fib(n - 1) + k_fib(n - 2);
}

/* --- tree walk: recursive sum over a heap-allocated complete binary tree ------------------- */
struct node {
  struct node *left, *right;
  uint64_t value;
};

static struct node *build(int depth, uint64_t *next) {
  if (depth == 0)
    return NULL;
  struct node *n = malloc(sizeof *n);
  if (!n)
    abort();
  n->value = (*next)++;
  n->left = build(depth - 1, next);
  n->right = build(depth - 1, next);
  return n;
}

struct node *k_tree_build(int depth) {
  uint64_t next = 1;
  return build(depth, &next);
}

uint64_t k_tree_sum(const struct node *n) {
  if (!n)
    return 0;
  return n->value + k_tree_sum(n->left) + k_tree_sum(n->right);
}

void k_tree_free(struct node *n) {
  if (!n)
    return;
  k_tree_free(n->left);
  k_tree_free(n->right);
  free(n);
}

/* --- loop calling a small non-inlined function --------------------------------------------- */
__attribute__((noinline)) uint64_t k_step(uint64_t x) { return x * 6364136223846793005u + 1442695040888963407u; }

uint64_t k_loop(uint64_t seed, int iters) {
  uint64_t x = seed;
  for (int i = 0; i < iters; i++)
    x = k_step(x);
  return x;
}

/* --- the same loop through function pointers ---------------------------------------------- */
/* Read once per kernel call from a volatile, so every call in the loop is indirect. Under
 * gostack each such call site tests its per-site caches (docs/design.md, "Foreign calls"):
 * k_step is gostack-compiled, so the first cache hits and the call is direct; labs is the C
 * library's, so the second cache hits and the call goes through the system-stack trampoline
 * (already on the thread's own stack here: the trampoline calls the thunk directly). */
static uint64_t (*volatile step_ptr)(uint64_t) = k_step;
static long (*volatile labs_ptr)(long) = labs;

uint64_t k_indirect_loop(uint64_t seed, int iters) {
  uint64_t (*step)(uint64_t) = step_ptr;
  uint64_t x = seed;
  for (int i = 0; i < iters; i++)
    x = step(x);
  return x;
}

uint64_t k_indirect_foreign_loop(uint64_t seed, int iters) {
  long (*f)(long) = labs_ptr;
  uint64_t x = seed;
  for (int i = 0; i < iters; i++)
    x += (uint64_t)f((long)x ^ i);
  return x;
}

/* --- deep recursion in a fresh task (grows the stack under gostack) ------------------------ */
/* A frame with a little local state the optimizer cannot drop, so every level costs stack. */
__attribute__((noinline)) static uint64_t deep(int depth, uint64_t acc) {
  volatile uint64_t pad[4];
  pad[0] = acc;
  pad[1] = (uint64_t)depth;
  if (depth == 0)
    return pad[0];
  uint64_t r = deep(depth - 1, acc + (uint64_t)depth);
  return r + pad[1];
}

struct grow_arg {
  int depth;
  uint64_t result;
};

static void *grow_entry(void *p) {
  struct grow_arg *a = p;
  a->result = deep(a->depth, 0);
  return NULL;
}

/* `batch` fresh tasks per call: under gostack one driver task spawns and joins them, so the
 * harness thread (not a task: its gostack_join blocks on a futex while a scheduler thread runs
 * the driver) pays one cross-thread hand-off (tens of microseconds) per batch, not per task. */
struct grow_batch {
  int depth, batch;
  uint64_t result;
};

static void *grow_driver(void *p) {
  struct grow_batch *b = p;
  for (int i = 0; i < b->batch; i++) {
    struct grow_arg a = {b->depth, 0};
#ifdef __GOSTACK__
    gostack_join(gostack_spawn(grow_entry, &a));
#else
    grow_entry(&a);
#endif
    b->result += a.result;
  }
  return NULL;
}

uint64_t k_grow(int depth, int batch) {
  struct grow_batch b = {depth, batch, 0};
#ifdef __GOSTACK__
  gostack_join(gostack_spawn(grow_driver, &b));
#else
  grow_driver(&b);
#endif
  return b.result;
}

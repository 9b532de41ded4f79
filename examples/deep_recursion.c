/* deep_recursion: main recurses a million frames deep on a stack that starts at 2 KB.
 *
 *   build/bin/gostack-clang -O2 examples/deep_recursion.c -o deep_recursion
 *   ./deep_recursion [DEPTH]          (default 1000000)
 *
 * Under gostack, main runs as the first task on a GOSTACK_STACK_MIN (2048-byte) stack. Every
 * function entry checks the stack; when a frame does not fit, the runtime moves the whole stack
 * to one twice as large and carries on. This program records the stack size at depths 0, 1, 10,
 * ..., 1000000, and checks that every frame's locals survived the moves by comparing the result
 * with the same computation done in a loop.
 *
 * Samples go to a static array and are printed at the end. (printf is not compiled by gostack;
 * calls to it run on the thread's own stack, so it could be called at any depth.)
 */
#include <gostack/gostack.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_DEPTH 1000000u
#define PAD 24 /* bytes of locals per frame: the recursion cannot become a loop */

struct sample {
  uint64_t depth;
  int is_task;
  gostack_stack_info info;
};

static struct sample samples[32];
static unsigned nsamples;
static uint64_t next_sample; /* 0, 1, 10, 100, ... */

static void record(uint64_t depth) {
  if (nsamples < sizeof samples / sizeof samples[0]) {
    struct sample *s = &samples[nsamples++];
    s->depth = depth;
    s->is_task = gostack_stack_info_get(&s->info);
  }
}

static uint64_t leaf_value(uint64_t depth) { return depth ^ 0x9e3779b97f4a7c15ull; }
static unsigned char pad_byte(uint64_t depth, unsigned i) { return (unsigned char)(depth * 7 + i); }

__attribute__((noinline)) static uint64_t descend(uint64_t depth, uint64_t max_depth) {
  volatile unsigned char pad[PAD];
  for (unsigned i = 0; i < PAD; i++)
    pad[i] = pad_byte(depth, i);
  if (depth == next_sample || depth == max_depth) {
    record(depth);
    if (depth == next_sample)
      next_sample = next_sample ? next_sample * 10 : 1;
  }
  if (depth == max_depth)
    return leaf_value(depth);
  uint64_t r = descend(depth + 1, max_depth);
  /* Read this frame's locals after the callee returned, i.e. after the stack has moved. */
  return r * 31 + pad[depth % PAD];
}

/* The same value without recursion. */
static uint64_t expected(uint64_t max_depth) {
  uint64_t r = leaf_value(max_depth);
  for (uint64_t d = max_depth; d-- > 0;)
    r = r * 31 + pad_byte(d, (unsigned)(d % PAD));
  return r;
}

int main(int argc, char **argv) {
  uint64_t max_depth = DEFAULT_DEPTH;
  if (argc > 1) {
    char *end;
    max_depth = strtoull(argv[1], &end, 10);
    if (*end || max_depth == 0) {
      fprintf(stderr, "usage: deep_recursion [DEPTH]   (DEPTH > 0, default 1000000)\n");
      return 2;
    }
  }

  uint64_t result = descend(0, max_depth);

  gostack_stack_info now;
  int is_task = gostack_stack_info_get(&now);
  printf("gostack deep recursion: %llu frames\n", (unsigned long long)max_depth);
  if (!is_task)
    printf("(main is not running as a task, e.g. GOSTACK_MAIN_TASK=0: no stack sizes)\n");
  printf("%9s %14s %9s\n", "depth", "stack bytes", "growths");
  for (unsigned i = 0; i < nsamples; i++)
    printf("%9llu %14zu %9llu\n", (unsigned long long)samples[i].depth, samples[i].info.size,
           (unsigned long long)samples[i].info.growths);
  if (is_task)
    printf("back in main: stack %zu bytes (initial %zu, largest %zu), %llu growths, %llu moves\n",
           now.size, now.initial_size, now.max_size, (unsigned long long)now.growths,
           (unsigned long long)now.moves);

  uint64_t want = expected(max_depth);
  if (result != want) {
    printf("checksum %#llx MISMATCH: the iterative computation gives %#llx\n",
           (unsigned long long)result, (unsigned long long)want);
    return 1;
  }
  printf("checksum %#llx (matches the iterative computation)\n", (unsigned long long)result);
  return 0;
}

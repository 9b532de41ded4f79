// Recursion %depth_big frames deep straight from main, which starts on a 2 KB stack: the stack
// must grow (many times) and every frame's contents must survive the moves.
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.p0 %depth_big > %t.p0.out
// RUN: %t.p2 %depth_big > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_big > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 %depth_big > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p2.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: deep {{[0-9]+}}: result={{[0-9a-f]+}} expected=[[R:[0-9a-f]+]] bad_frames=0
// OUT: again: result=[[R]]
// OUT: half: ok
// OUT: shallow: ok
// OUT: deep_recursion: ok
//
// The numbers are printed for humans; the 0/1 flags are computed by the program, so the
// patterns do not depend on frame sizes. size_ok: the stack at the deepest point is at least
// 32 bytes per frame (each frame holds a 32-byte ballast array plus a return address).
// STATS: deep-at-depth: task=1 initial=2048 size={{[0-9]+}} max={{[0-9]+}} growths={{[1-9][0-9]*}} moves={{[1-9][0-9]*}}
// STATS: deep: grew=1 initial_ok=1 size_ok=1 max_ok=1 moves_ok=1
// STATS: main-after: task=1 initial=2048

#include "Inputs/e2e.h"

static long bad_frames;
#ifdef __GOSTACK__
static gostack_stack_info at_depth;
/* Separate, so that rec itself has no address-taken local (which would be pinned). */
E2E_NOINLINE static void note_depth(void) { at_depth = e2e_info(); }
#endif

E2E_NOINLINE static uint64_t rec(long n, uint64_t h) {
  uint64_t pad[4]; /* frame ballast: 32 bytes that stay on the moving stack (e2e.h) */
  E2E_BALLAST_SET(pad, 4, 1, h ^ (uint64_t)n);
  uint64_t r;
  if (n == 0) {
#ifdef __GOSTACK__
    note_depth();
#endif
    r = h;
  } else {
    r = rec(n - 1, e2e_mix(h, (uint64_t)n));
  }
  E2E_BALLAST_CHECK(pad, 4, 1, h ^ (uint64_t)n, bad_frames);
  return r + ((uint64_t)n & 3);
}

/* The same computation as a loop. */
static uint64_t model(long depth, uint64_t h) {
  uint64_t sum = 0;
  for (long n = depth; n > 0; n--) {
    h = e2e_mix(h, (uint64_t)n);
    sum += (uint64_t)(n & 3);
  }
  return h + sum;
}

static long depth;

static void *body(void *unused) {
  uint64_t expect = model(depth, 17);
  uint64_t r = rec(depth, 17);
  printf("deep %ld: result=%llx expected=%llx bad_frames=%ld\n", depth, (unsigned long long)r,
         (unsigned long long)expect, bad_frames);
  E2E_CHECK(r == expect);
  E2E_CHECK(bad_frames == 0);
#ifdef __GOSTACK__
  {
    gostack_stack_info after = e2e_info();
    int movestack = e2e_movestack();
    e2e_print_info("deep-at-depth", at_depth);
    fprintf(stderr, "deep: grew=%d initial_ok=%d size_ok=%d max_ok=%d moves_ok=%d\n",
            at_depth.growths > 0, at_depth.initial_size == 2048,
            at_depth.size >= (size_t)depth * 32, after.max_size >= at_depth.size,
            at_depth.moves >= at_depth.growths &&
                (!movestack || at_depth.moves >= (uint64_t)depth));
  }
#endif

  /* The grown (or shrunk) stack serves a second run just as well. */
  uint64_t r2 = rec(depth, 17);
  printf("again: result=%llx\n", (unsigned long long)r2);
  E2E_CHECK(r2 == expect);
  uint64_t r3 = rec(depth / 2, 99);
  E2E_CHECK(r3 == model(depth / 2, 99));
  printf("half: %s\n", r3 == model(depth / 2, 99) ? "ok" : "bad");
  int shallow_ok = 1;
  for (long d = 0; d < 200; d += 7)
    shallow_ok &= rec(d, (uint64_t)d) == model(d, (uint64_t)d);
  E2E_CHECK(shallow_ok);
  printf("shallow: %s\n", shallow_ok ? "ok" : "bad");
  E2E_CHECK(bad_frames == 0);
#ifdef __GOSTACK__
  e2e_print_info("main-after", e2e_info());
#endif
  return (void *)(intptr_t)e2e_finish("deep_recursion");
}

int main(int argc, char **argv) {
  depth = e2e_arg(argc, argv, 1, 1000000);
  /* gostack: runs right here, on main's task; plain clang: on a big pthread stack. */
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

// Adversarial: a pointer to a local array, computed once before a loop (at -O1..-O3 it lives in a
// callee-saved register across the calls), while every iteration calls a noinline function that
// recurses (deeper and deeper, so the stack grows -- and under movestack moves -- many times
// while the pointer is live). After each call the loop writes through the pointer. A model of
// the array's final contents is computed separately, without pointers or recursion.
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O1 %s -o %t.g1
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %gostack-cc -O3 %s -o %t.g3
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: %t.p2 %depth_mid > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g1 %depth_mid > %t.g1.out 2> %t.g1.err
// RUN: diff %t.p0.out %t.g1.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g1.err
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p0.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
// RUN: %t.g3 %depth_mid > %t.g3.out 2> %t.g3.err
// RUN: diff %t.p0.out %t.g3.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g3.err
//
// OUT: loop 1000 x max depth {{[0-9]+}} k=[[K:[0-9]+]]: buf=[[B:[0-9a-f]+]] expected=[[B]]
// OUT-NEXT: grow=[[G:[0-9a-f]+]] expected=[[G]]
// OUT-NEXT: bad=0
// OUT-NEXT: adv_csr_loop: ok
//
// STATS: csr: task=1 initial=2048
// STATS: csr: grew=1 moved_during_loop=1

#include "Inputs/e2e.h"

#define ITERS 1000
#define N 64

static long maxdepth;
static long bad;

/* e2e_grow(n, h) without recursion: h is mixed with n, n-1, ..., 1 on the way down, then
 * every level (0..n) xors its own n on the way up. */
static uint64_t grow_model(long n, uint64_t h) {
  uint64_t x = 0;
  for (long i = n; i >= 1; i--)
    h = e2e_mix(h, (uint64_t)i);
  for (long i = 0; i <= n; i++)
    x ^= (uint64_t)i;
  return h ^ x;
}

static long depth_at(long it) { return 1 + it * maxdepth / ITERS; }

static uint64_t grow_sum;

E2E_NOINLINE static uint64_t loop(int k) {
  int buf[N], decoy[N];
  for (int i = 0; i < N; i++) {
    buf[i] = i * 3 + 1;
    decoy[i] = -1;
  }
  /* A select between two arrays: p is a real pointer value (not "frame pointer + constant"
   * that the backend can re-form after each call), kept in a callee-saved register at -O1+. */
  int *p = (E2E_ZERO ? decoy : buf) + k; /* live across every call below */
  uint64_t g = 0;
  for (long it = 0; it < ITERS; it++) {
    g = e2e_mix(g, e2e_grow(depth_at(it), (uint64_t)it, &bad));
    p[0] += 1;
    p[1] ^= (int)it;
    p[-1] = p[-1] * 3 + (int)(it & 7);
  }
  grow_sum = g;
  for (int i = 0; i < N; i++)
    if (decoy[i] != -1)
      bad++;
  uint64_t h = 0;
  for (int i = 0; i < N; i++)
    h = e2e_mix(h, (uint64_t)(uint32_t)buf[i]);
  return h;
}

static uint64_t loop_model(int k) {
  int m[N];
  for (int i = 0; i < N; i++)
    m[i] = i * 3 + 1;
  for (long it = 0; it < ITERS; it++) {
    m[k] += 1;
    m[k + 1] ^= (int)it;
    m[k - 1] = m[k - 1] * 3 + (int)(it & 7);
  }
  uint64_t h = 0;
  for (int i = 0; i < N; i++)
    h = e2e_mix(h, (uint64_t)(uint32_t)m[i]);
  return h;
}

static void *body(void *unused) {
  (void)unused;
  int k = 17 + (int)E2E_ZERO;
#ifdef __GOSTACK__
  uint64_t moves_before = e2e_info().moves;
#endif
  uint64_t h = loop(k);
#ifdef __GOSTACK__
  uint64_t moves_after = e2e_info().moves;
#endif
  uint64_t expect = loop_model(k);
  uint64_t g = 0;
  for (long it = 0; it < ITERS; it++)
    g = e2e_mix(g, grow_model(depth_at(it), (uint64_t)it));
  printf("loop %d x max depth %ld k=%d: buf=%llx expected=%llx\n", ITERS, maxdepth, k,
         (unsigned long long)h, (unsigned long long)expect);
  E2E_CHECK(h == expect);
  printf("grow=%llx expected=%llx\n", (unsigned long long)grow_sum, (unsigned long long)g);
  E2E_CHECK(grow_sum == g);
  printf("bad=%ld\n", bad);
  E2E_CHECK(bad == 0);
#ifdef __GOSTACK__
  {
    gostack_stack_info i = e2e_info();
    e2e_print_info("csr", i);
    fprintf(stderr, "csr: grew=%d moved_during_loop=%d\n", i.growths > 0,
            moves_after > moves_before);
  }
#endif
  return (void *)(intptr_t)e2e_finish("adv_csr_loop");
}

int main(int argc, char **argv) {
  /* 100000 -> up to 5000 levels per call; movestack (2000) -> 100. */
  maxdepth = e2e_max(e2e_arg(argc, argv, 1, 100000) / 20, 20);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

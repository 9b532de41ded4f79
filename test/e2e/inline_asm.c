// Inline asm in code whose stack grows and moves: a deep recursion whose frames run asm before
// and after the recursive call (a move point), on values live across it. Register operands
// ("+r"), memory operands on local arrays ("+m", "m"), a "+m" operand through a pointer to a
// local that is live across the call, a "memory" clobber, asm goto (with and without a pointer
// output used after the call) and asm in a loop that calls. Each level's result is checked
// against a model computed without recursion or asm. With stack maps (the default) the
// compiler used to crash on any inline asm after a call (docs/design.md, "Precise relocation").
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: %t.p2 %depth_mid > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p2.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: rec x {{[0-9]+}}: [[R:[0-9a-f]+]] expected [[R]]
// OUT-NEXT: loop x {{[0-9]+}}: [[L:[0-9a-f]+]] expected [[L]]
// OUT-NEXT: bad=0
// OUT-NEXT: inline_asm: ok
//
// STATS: inline_asm: task=1 initial=2048
// STATS: inline_asm: grew=1

#include "Inputs/e2e.h"

static long depth;
static long bad;

/* One level of rec, as a model (r: what the level below returned, 0 at the bottom). */
static uint64_t level_model(long n, uint64_t h, uint64_t r) {
  uint64_t arr[3] = {h, (uint64_t)n, h ^ (uint64_t)n};
  uint64_t x = (h & 0xffff) + 2 * (uint64_t)n;
  arr[0] += 7;
  arr[2] += x;
  arr[1] ^= r;
  uint64_t sum = arr[0] + arr[1] + arr[2];
  r = (n & 1) ? e2e_mix(r ^ 1, sum) : e2e_mix(r, sum);
  return r ^ x;
}

static uint64_t rec_model(long n, uint64_t h) {
  uint64_t *hs = malloc((size_t)(n + 1) * sizeof *hs);
  for (long k = n; k >= 0; k--) {
    hs[k] = h;
    h = e2e_mix(h, (h & 0xffff) + (uint64_t)k);
  }
  uint64_t r = 0;
  for (long k = 0; k <= n; k++)
    r = level_model(k, hs[k], r);
  free(hs);
  return r;
}

E2E_NOINLINE static uint64_t rec(long n, uint64_t h) {
  uint64_t pad[4]; /* frame ballast, on the moving stack */
  uint64_t arr[3] = {h, (uint64_t)n, h ^ (uint64_t)n};
  uint64_t *p = &arr[1];
  uint64_t x = h & 0xffff, y = (uint64_t)n, r, *q;
  E2E_BALLAST_SET(pad, 4, 1, h + (uint64_t)n);
  __asm__("addq %1, %0" : "+r"(x) : "r"(y)); /* x += n */
  __asm__ volatile("" ::: "memory");
  /* q = &arr[0]; the bottom level jumps to leaf. q is read on the fallthrough path only: clang
   * 19 at -O0 miscompiles asm goto outputs read on the indirect path (LLVM issue 110251, a
   * RegAllocFast bug fixed in LLVM 21), with or without gostack. */
  __asm__ goto("leaq %1, %0\n\ttestq %2, %2\n\tjz %l[leaf]"
               : "=&r"(q)
               : "m"(arr[0]), "r"(n)
               : "cc"
               : leaf);
  r = rec(n - 1, e2e_mix(h, x));
  *q += 7; /* after the call: the stack may have moved */
  goto after;
leaf:
  r = 0;
  arr[0] += 7;
after:
  __asm__("addq %1, %0" : "+r"(x) : "r"(y));                /* x += n */
  __asm__ volatile("addq %1, %0" : "+m"(arr[2]) : "r"(x)); /* arr[2] += x */
  __asm__ volatile("xorq %1, %0" : "+m"(*p) : "r"(r));     /* arr[1] ^= r */
  __asm__ volatile("" ::: "memory");
  uint64_t sum = arr[0] + arr[1] + arr[2];
  __asm__ goto("testq $1, %0\n\tjnz %l[odd]" : : "r"(n) : "cc" : odd);
  r = e2e_mix(r, sum);
  goto done;
odd:
  r = e2e_mix(r ^ 1, sum);
done:
  E2E_BALLAST_CHECK(pad, 4, 1, h + (uint64_t)n, bad);
  return r ^ x;
}

/* A call in a loop with asm around it: t is live across every call. */
E2E_NOINLINE static uint64_t step(uint64_t t, long n) {
  uint64_t pad[2]; /* frame ballast */
  E2E_BALLAST_SET(pad, 2, 1, t);
  uint64_t r = n ? step(e2e_mix(t, (uint64_t)n), n - 1) : t;
  E2E_BALLAST_CHECK(pad, 2, 1, t, bad);
  return r;
}

static uint64_t step_model(uint64_t t, long n) {
  for (; n; n--)
    t = e2e_mix(t, (uint64_t)n);
  return t;
}

E2E_NOINLINE static uint64_t loop(long iters, long n, int model) {
  uint64_t t = 1, acc[2] = {0, 0};
  for (long i = 0; i < iters; i++) {
    long d = 1 + i * n / iters; /* deeper and deeper: the stack grows while t is live */
    if (model) {
      t = step_model(t, d) + (uint64_t)i;
      acc[i & 1] += t;
      continue;
    }
    t = step(t, d);
    __asm__("addq %1, %0" : "+r"(t) : "r"((uint64_t)i));
    __asm__ volatile("addq %1, %0" : "+m"(acc[i & 1]) : "r"(t) : "memory");
  }
  return e2e_mix(t, acc[0] ^ acc[1]);
}

static void *body(void *unused) {
  (void)unused;
  uint64_t r = rec(depth, 5), er = rec_model(depth, 5);
  printf("rec x %ld: %llx expected %llx\n", depth, (unsigned long long)r,
         (unsigned long long)er);
  E2E_CHECK(r == er);
  long iters = 200, n = depth / 4;
  uint64_t l = loop(iters, n, 0), el = loop(iters, n, 1);
  printf("loop x %ld: %llx expected %llx\n", n, (unsigned long long)l, (unsigned long long)el);
  E2E_CHECK(l == el);
  printf("bad=%ld\n", bad);
  E2E_CHECK(bad == 0);
  e2e_report_growth("inline_asm");
  return (void *)(intptr_t)e2e_finish("inline_asm");
}

int main(int argc, char **argv) {
  /* 100000 -> 10000 levels; movestack (2000) -> 200. */
  depth = e2e_max(e2e_arg(argc, argv, 1, 100000) / 10, 50);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

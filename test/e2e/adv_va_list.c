// Adversarial va_list cases (the list's register-save-area and overflow-area pointers point into
// the variadic function's frame, which moves):
//  - pass_down: a variadic function va_copy's its list and passes the copy down (as `va_list`)
//    through a chain of non-variadic helpers; the deepest helper grows the stack, then consumes
//    every argument; afterwards the variadic function consumes the original too.
//  - half: a variadic function consumes half of its arguments, recurses deeply, then consumes
//    the rest with the same va_list; each recursion level is itself a variadic call.
// The arguments mix ints, doubles, longs and pointers to the caller's locals (more than fit in
// registers, so some come from the stack); expected sums are computed from the argument values.
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %gostack-cc -O1 %s -o %t.g1
// RUN: %gostack-cc -O3 %s -o %t.g3
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
// RUN: %t.g1 %depth_mid > %t.g1.out 2> %t.g1.err
// RUN: diff %t.p2.out %t.g1.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g1.err
// RUN: %t.g3 %depth_mid > %t.g3.out 2> %t.g3.err
// RUN: diff %t.p2.out %t.g3.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g3.err
//
// OUT: pass_down: copy=[[A:-?[0-9]+]] orig=[[A]] expected=[[A]]
// OUT-NEXT: half x {{[0-9]+}}: sum=[[B:-?[0-9]+]] expected=[[B]]
// OUT-NEXT: bad=0
// OUT-NEXT: adv_va_list: ok
//
// STATS: valist: task=1 initial=2048
// STATS: valist: grew=1

#include <stdarg.h>

#include "Inputs/e2e.h"

static long depth;
static long bad;

/* Argument i (0-based) has type: 0 int, 1 double, 2 long, 3 long* (cycle of 4). */
static long take(int i, va_list ap) {
  switch (i % 4) {
  case 0:
    return va_arg(ap, int);
  case 1:
    return (long)(va_arg(ap, double) * 2.0);
  case 2:
    return va_arg(ap, long);
  default:
    return *va_arg(ap, long *);
  }
}

/* Consumes n arguments from ap after growing the stack: the va_list arrived by value (as a
 * pointer to the caller's va_list object, on x86-64) through `levels` helper frames. */
E2E_NOINLINE static long consume_at_depth(int n, int levels, va_list ap) {
  if (levels > 0)
    return consume_at_depth(n, levels - 1, ap) + 0;
  e2e_grow(depth, 7, &bad);
  long s = 0;
  for (int i = 0; i < n; i++)
    s += take(i, ap) * (i + 1);
  return s;
}

static long orig_sum;

E2E_NOINLINE static long pass_down(int n, ...) {
  va_list ap, cp;
  va_start(ap, n);
  va_copy(cp, ap);
  long s = consume_at_depth(n, 50, cp);
  va_end(cp);
  e2e_grow(depth / 2, 8, &bad); /* move again before the original is read */
  long o = 0;
  for (int i = 0; i < n; i++)
    o += take(i, ap) * (i + 1);
  va_end(ap);
  orig_sum = o;
  return s;
}

/* half: level-th call takes 12 arguments of the cycle. */
#define HN 12
static long levels;

E2E_NOINLINE static long half(long level, ...) {
  va_list ap;
  va_start(ap, level);
  long s = 0;
  for (int i = 0; i < HN / 2; i++)
    s += take(i, ap) * (i + 1);
  long below = 0;
  if (level < levels) {
    long x = level * 3, y = -level;
    below = half(level + 1, (int)level, 1.5, level * 100, &x, 2, 0.25, 7L, &y, -3, -2.0, 11L,
                 &x);
    E2E_CHECK(x == level * 3 && y == -level);
  } else {
    e2e_grow(depth, 9, &bad);
  }
  e2e_grow(depth / 20, (uint64_t)level, &bad); /* keeps moving after each return */
  for (int i = HN / 2; i < HN; i++)
    s += take(i, ap) * (i + 1);
  va_end(ap);
  return s + below;
}

static long half_model(void) {
  /* level 0 gets fixed values (see body); level L+1 gets the values built at level L. */
  long total = 0;
  {
    long v[HN] = {10, 2 * 2, 30, 40, 50, 3, 70, 80, -1, -1, 0, 5};
    for (int i = 0; i < HN; i++)
      total += v[i] * (i + 1);
  }
  for (long L = 0; L < levels; L++) {
    long v[HN] = {L, 3, L * 100, L * 3, 2, 0, 7, -L, -3, -4, 11, L * 3};
    for (int i = 0; i < HN; i++)
      total += v[i] * (i + 1);
  }
  return total;
}

static void *body(void *unused) {
  (void)unused;
  long a = 1234, b = -99, c = 5;
  /* 15 arguments: int, double, long, long*, ... */
  long s = pass_down(15, 1, 0.5, 100L, &a, 2, 1.5, 200L, &b, 3, -2.5, 300L, &c, 4, 10.0, 400L);
  long e = 0;
  {
    long v[15] = {1, 1, 100, 1234, 2, 3, 200, -99, 3, -5, 300, 5, 4, 20, 400};
    for (int i = 0; i < 15; i++)
      e += v[i] * (i + 1);
  }
  printf("pass_down: copy=%ld orig=%ld expected=%ld\n", s, orig_sum, e);
  E2E_CHECK(s == e && orig_sum == e);

  long x0 = 40, x1 = 80, x2 = 5;
  long h = half(0, 10, 2.0, 30L, &x0, 50, 1.5, 70L, &x1, -1, -0.5, 0L, &x2);
  long he = half_model();
  printf("half x %ld: sum=%ld expected=%ld\n", levels, h, he);
  E2E_CHECK(h == he);
  printf("bad=%ld\n", bad);
  E2E_CHECK(bad == 0);
  e2e_report_growth("valist");
  return (void *)(intptr_t)e2e_finish("adv_va_list");
}

int main(int argc, char **argv) {
  long d = e2e_arg(argc, argv, 1, 100000);
  /* 100000 -> 10000-level growth, 500 variadic levels; movestack (2000) -> 200, 20. */
  depth = e2e_max(d / 10, 200);
  levels = e2e_max(d / 200, 10);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

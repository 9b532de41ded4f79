// Variadic functions at depth. (LLVM's split-stack lowering refuses variadic functions, so the
// product protects them some other way; the va_list's register-save-area and overflow-area
// pointers point into the variadic frame, which moves.)
//  - vrec: a variadic function that recurses; each level takes 27 variadic arguments (ints,
//    doubles, pointers to the caller's locals: more than fit in registers, so some arrive on the
//    stack), reads half of them, recurses, then reads the rest with the same va_list.
//  - my_format/my_vformat: vsnprintf-style forwarding of a va_list to a non-variadic consumer,
//    which recurses in the middle of consuming it; and a va_copy consumed after the original.
//  - libc_format: forwards its va_list to vsnprintf after the stack moved.
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
// OUT: vrec x {{[0-9]+}}: [[V:[0-9a-f]+]] expected [[V]]
// OUT-NEXT: my_format: [d=-42 f=2.5 s=hello p=1234 d=7 f=-0.125 s=world p=5678 d=2147483647 f=1e+100 s=! p=-1] ok
// OUT-NEXT: va_copy: ok
// OUT-NEXT: libc_format: [x=-42 2.50 hello 1234 %] ok
// OUT-NEXT: at depth: ok
// OUT-NEXT: bad=0
// OUT-NEXT: variadic: ok
//
// STATS: variadic: task=1 initial=2048
// STATS: variadic: grew=1

#include <stdarg.h>

#include "Inputs/e2e.h"

#define NARGS 27

static long depth;
static long bad;

E2E_NOINLINE static uint64_t filler(long n, uint64_t h) {
  uint64_t pad[2]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 2, 1, h ^ (uint64_t)n);
  uint64_t r = n ? filler(n - 1, e2e_mix(h, (uint64_t)n)) : h;
  E2E_BALLAST_CHECK(pad, 2, 1, h ^ (uint64_t)n, bad);
  return r;
}

static uint64_t take(uint64_t h, int i, va_list *ap) {
  switch (i % 3) {
  case 0:
    return e2e_mix(h, (uint64_t)(int64_t)va_arg(*ap, int));
  case 1:
    return e2e_mix(h, (uint64_t)(va_arg(*ap, double) * 4.0));
  default:
    return e2e_mix(h, (uint64_t)*va_arg(*ap, long *));
  }
}

/* The arguments level n passes: int n*7+i, double n+i/4, pointer to a local holding n*5+i%3. */
#define A(i) (int)(m * 7 + (i))
#define D(i) (m + (i) / 4.0)
#define P(i) (&loc[(i) % 3])

E2E_NOINLINE static uint64_t vrec(long n, int count, ...) {
  va_list ap;
  va_start(ap, count);
  uint64_t h = (uint64_t)n;
  int i = 0;
  for (; i < count / 2; i++)
    h = take(h, i, &ap);
  uint64_t below = 0;
  if (n > 0) {
    long m = n - 1;
    long loc[3] = {m * 5, m * 5 + 1, m * 5 + 2};
    below = vrec(m, NARGS, A(0), D(1), P(2), A(3), D(4), P(5), A(6), D(7), P(8), A(9), D(10),
                 P(11), A(12), D(13), P(14), A(15), D(16), P(17), A(18), D(19), P(20), A(21),
                 D(22), P(23), A(24), D(25), P(26));
    if (loc[0] != m * 5 || loc[2] != m * 5 + 2)
      bad++;
  }
  /* The same va_list, after the stack moved under the recursion. */
  for (; i < count; i++)
    h = take(h, i, &ap);
  va_end(ap);
  return below * 3 + h;
}

static uint64_t model_vrec(long top, long m_top) {
  /* Level n was called by level n+1 with m = n, except the top level (arguments from main). */
  uint64_t r = 0;
  for (long n = 0; n <= top; n++) {
    long m = n == top ? m_top : n;
    uint64_t h = (uint64_t)n;
    for (int i = 0; i < NARGS; i++) {
      switch (i % 3) {
      case 0:
        h = e2e_mix(h, (uint64_t)(int64_t)(int)(m * 7 + i));
        break;
      case 1:
        h = e2e_mix(h, (uint64_t)((m + i / 4.0) * 4.0));
        break;
      default:
        h = e2e_mix(h, (uint64_t)(m * 5 + i % 3));
      }
    }
    r = r * 3 + h;
  }
  return r;
}

/* Consumes a va_list per a format string: d=int f=double s=string p=long*. Recurses `gap`
 * frames deep in the middle, with the va_list half consumed. */
E2E_NOINLINE static int my_vformat(char *out, size_t cap, long gap, const char *fmt, va_list ap) {
  size_t len = 0;
  int k = 0;
  out[0] = 0;
  for (const char *c = fmt; *c; c++, k++) {
    char piece[64];
    switch (*c) {
    case 'd':
      snprintf(piece, sizeof piece, "d=%d", va_arg(ap, int));
      break;
    case 'f':
      snprintf(piece, sizeof piece, "f=%.4g", va_arg(ap, double));
      break;
    case 's':
      snprintf(piece, sizeof piece, "s=%s", va_arg(ap, const char *));
      break;
    default:
      snprintf(piece, sizeof piece, "p=%ld", *va_arg(ap, long *));
    }
    len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? " " : "", piece);
    if (k == (int)strlen(fmt) / 2)
      filler(gap, (uint64_t)k);
  }
  return (int)len;
}

E2E_NOINLINE static int my_format(char *out, size_t cap, long gap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  filler(gap, 3); /* moves before the first va_arg */
  int r = my_vformat(out, cap, gap, fmt, ap);
  va_end(ap);
  return r;
}

/* Consumes a va_copy after the original was consumed (and the stack moved in between). */
E2E_NOINLINE static int twice(char *out1, char *out2, size_t cap, long gap, const char *fmt, ...) {
  va_list ap, cp;
  va_start(ap, fmt);
  va_copy(cp, ap);
  int r1 = my_vformat(out1, cap, gap, fmt, ap);
  filler(gap, 4);
  int r2 = my_vformat(out2, cap, gap, fmt, cp);
  va_end(cp);
  va_end(ap);
  return r1 == r2 && strcmp(out1, out2) == 0;
}

E2E_NOINLINE static int libc_format(char *out, size_t cap, long gap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  filler(gap, 5);
  int r = vsnprintf(out, cap, fmt, ap);
  va_end(ap);
  return r;
}

static const char expect_fmt[] = "d=-42 f=2.5 s=hello p=1234 d=7 f=-0.125 s=world p=5678 "
                                 "d=2147483647 f=1e+100 s=! p=-1";

static int format_all(long gap, int print) {
  long p1 = 1234, p2 = 5678, p3 = -1;
  char buf[256], buf2[256];
  int ok = 1;
  int n = my_format(buf, sizeof buf, gap, "dfspdfspdfsp", -42, 2.5, "hello", &p1, 7, -0.125,
                    "world", &p2, 2147483647, 1e100, "!", &p3);
  ok &= n == (int)strlen(expect_fmt) && strcmp(buf, expect_fmt) == 0;
  if (print)
    printf("my_format: [%s] %s\n", buf, ok ? "ok" : "bad");
  int same = twice(buf, buf2, sizeof buf, gap, "dfspdfspdfsp", -42, 2.5, "hello", &p1, 7, -0.125,
                   "world", &p2, 2147483647, 1e100, "!", &p3);
  same &= strcmp(buf, expect_fmt) == 0;
  if (print)
    printf("va_copy: %s\n", same ? "ok" : "bad");
  ok &= same;
  n = libc_format(buf, sizeof buf, gap, "x=%d %.2f %s %ld %%", -42, 2.5, "hello", p1);
  static const char expect_libc[] = "x=-42 2.50 hello 1234 %";
  int lok = n == (int)strlen(expect_libc) && strcmp(buf, expect_libc) == 0;
  if (print)
    printf("libc_format: [%s] %s\n", buf, lok ? "ok" : "bad");
  return ok & lok;
}

/* The formatting functions called at several depths of an ordinary recursion. */
E2E_NOINLINE static int at_depth(long n, long gap) {
  long pad[1]; /* frame ballast (e2e.h) */
  long badl = 0;
  E2E_BALLAST_SET(pad, 1, 1, n);
  int ok = 1;
  if (n % 97 == 0 || n == 0)
    ok &= format_all(gap, 0);
  if (n > 0)
    ok &= at_depth(n - 1, gap);
  E2E_BALLAST_CHECK(pad, 1, 1, n, badl);
  return ok & (badl == 0);
}

static void *body(void *unused) {
  long top = depth, m_top = depth + 1000;
  long m = m_top;
  long loc[3] = {m * 5, m * 5 + 1, m * 5 + 2};
  uint64_t r = vrec(top, NARGS, A(0), D(1), P(2), A(3), D(4), P(5), A(6), D(7), P(8), A(9),
                    D(10), P(11), A(12), D(13), P(14), A(15), D(16), P(17), A(18), D(19), P(20),
                    A(21), D(22), P(23), A(24), D(25), P(26));
  uint64_t e = model_vrec(top, m_top);
  printf("vrec x %ld: %llx expected %llx\n", top, (unsigned long long)r, (unsigned long long)e);
  E2E_CHECK(r == e);
  E2E_CHECK(format_all(depth * 10, 1));
  int ok = at_depth(depth * 2, depth);
  printf("at depth: %s\n", ok ? "ok" : "bad");
  E2E_CHECK(ok);
  printf("bad=%ld\n", bad);
  E2E_CHECK(bad == 0);
  e2e_report_growth("variadic");
  return (void *)(intptr_t)e2e_finish("variadic");
}

int main(int argc, char **argv) {
  /* 100000 -> 1000 variadic levels; movestack (2000) -> 100. */
  depth = e2e_max(e2e_arg(argc, argv, 1, 100000) / 100, 100);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

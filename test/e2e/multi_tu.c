// A program of two translation units compiled separately with -c and linked by gostack-clang:
// recursion crosses the TU boundary in both directions (the library calls back into this TU,
// which calls the library again), an 80-byte struct is returned through sret from the other
// TU, a variadic function in the other TU recurses, and a local of this TU is updated through a
// pointer at the bottom of a recursion in the other TU. Also: objects of different -O levels
// linked together, and `-S -emit-llvm` through the driver produces split-stack functions.
// (mixed_objects.test links this TU with a library compiled by plain clang.)
//
// RUN: %plain-cc -O0 -c %s -o %t.p0.main.o
// RUN: %plain-cc -O0 -c %S/Inputs/multi_tu_lib.c -o %t.p0.lib.o
// RUN: %plain-cc %t.p0.main.o %t.p0.lib.o -o %t.p0
// RUN: %gostack-cc -O0 -c %s -o %t.g0.main.o
// RUN: %gostack-cc -O0 -c %S/Inputs/multi_tu_lib.c -o %t.g0.lib.o
// RUN: %gostack-cc %t.g0.main.o %t.g0.lib.o -o %t.g0
// RUN: %gostack-cc -O2 -c %s -o %t.g2.main.o
// RUN: %gostack-cc -O2 -c %S/Inputs/multi_tu_lib.c -o %t.g2.lib.o
// RUN: %gostack-cc -O2 %t.g2.main.o %t.g2.lib.o -o %t.g2
// RUN: %gostack-cc %t.g2.main.o %t.g0.lib.o -o %t.gmix
//
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p0.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
// RUN: %t.gmix %depth_mid > %t.gmix.out 2> %t.gmix.err
// RUN: diff %t.p0.out %t.gmix.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.gmix.err
//
// The driver in IR mode: the library's functions carry "split-stack" (the variadic one must
// compile too, whatever protects it).
// RUN: %gostack-cc -O2 -S -emit-llvm %S/Inputs/multi_tu_lib.c -o %t.lib.ll
// RUN: FileCheck %s --check-prefix=IR --input-file=%t.lib.ll
// RUN: %gostack-cc -O0 -S %S/Inputs/multi_tu_lib.c -o %t.lib.s
//
// OUT: walk: {{[0-9a-f]+}} ok
// OUT-NEXT: make: ok
// OUT-NEXT: vsum: ok
// OUT-NEXT: bump: 1 ok
// OUT-NEXT: calls: ok
// OUT-NEXT: multi_tu: ok
//
// STATS: multi: task=1 initial=2048
// STATS: multi: grew=1
//
// IR: define {{.*}}@mt_walk({{.*}}) {{.*}}#[[ATTR:[0-9]+]]
// IR: attributes #[[ATTR]] = { {{.*}}"split-stack"

#include <stdarg.h>

#include "Inputs/e2e.h"
#include "Inputs/multi_tu.h"

static long depth, every, libdepth;

E2E_INLINE uint64_t mix(uint64_t h, uint64_t v) { /* the library's mix */
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

/* Called back from the library; calls the library again. Has a 1 KB frame of its own. */
E2E_NOINLINE static uint64_t cb(long n, uint64_t h) {
  unsigned char buf[1024]; /* frame ballast (e2e.h) */
  long bad = 0;
  E2E_BALLAST_SET(buf, 1024, 17, h ^ (uint64_t)n);
  uint64_t r = mt_walk(n, mix(h, 7), every, cb) * 5 + 1;
  E2E_BALLAST_CHECK(buf, 1024, 17, h ^ (uint64_t)n, bad);
  return r ^ (bad ? 0xbad : 0);
}

static uint64_t model_walk(long top, uint64_t h) {
  /* Going down: level n (n > 0) hands mix(mix(h,1),7) through cb when n % every == 0, else
   * mix(h,2). Coming back up: mt_walk returns 3 * x, where x is h at the bottom, or
   * 5 * R + 1 (through cb), or R. */
  for (long n = top; n > 0; n--)
    h = n % every == 0 ? mix(mix(h, 1), 7) : mix(h, 2);
  uint64_t r = 3 * h;
  for (long n = 1; n <= top; n++)
    r = 3 * (n % every == 0 ? 5 * r + 1 : r);
  return r;
}

static void *body(void *unused) {
  mt_calls = 0;
  uint64_t w = mt_walk(depth, 42, every, cb);
  int wok = w == model_walk(depth, 42);
  printf("walk: %llx %s\n", (unsigned long long)w, wok ? "ok" : "BAD");
  E2E_CHECK(wok);

  struct mt_pair p = mt_make(libdepth, 9);
  uint64_t seed = 9;
  for (long n = 0; n < libdepth; n++)
    seed = mix(seed, 3);
  int mok = 1;
  for (int i = 0; i < 10; i++)
    mok &= p.v[i] == seed + (uint64_t)i + (uint64_t)(libdepth * (libdepth + 1) / 2) * (uint64_t)(i + 1);
  printf("make: %s\n", mok ? "ok" : "BAD");
  E2E_CHECK(mok);

  uint64_t vs = mt_vsum(libdepth, 8, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
  uint64_t ve = 0;
  for (long d = libdepth; d >= 0; d--) {
    uint64_t s = 0;
    for (long i = 0; i < 8; i++)
      s = mix(s, (uint64_t)(d == libdepth ? i + 1 : d + 1 + i));
    ve += s;
  }
  printf("vsum: %s\n", vs == ve ? "ok" : "BAD");
  E2E_CHECK(vs == ve);

  long local = 0, other = 5;
  long *lp = &local;
  mt_bump_at_depth(libdepth, lp);
  int bok = local == 1 && lp == &local && other == 5;
  printf("bump: %ld %s\n", local, bok ? "ok" : "BAD");
  E2E_CHECK(bok);

  /* mt_walk ran once per level (cb calls it for the level below). */
  printf("calls: %s\n", mt_calls == depth + 1 ? "ok" : "BAD");
  E2E_CHECK(mt_calls == depth + 1);
  e2e_report_growth("multi");
  return (void *)(intptr_t)e2e_finish("multi_tu");
}

int main(int argc, char **argv) {
  /* argv: [depth (cross-TU levels)] [every: cb every n levels] [libdepth: library-only levels] */
  depth = e2e_arg(argc, argv, 1, 100000);
  every = e2e_arg(argc, argv, 2, 10);
  libdepth = e2e_arg(argc, argv, 3, depth / 10);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

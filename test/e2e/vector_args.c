// Vector registers across stack growth at a function's entry: __morestack runs C code (memcpy
// with AVX, vzeroupper) while the function's arguments are live, so it must preserve all of
// them (runtime/vectorstate.c), and the plugin must classify vector parameters for the entry
// relocation (plugin/StatepointRewriting.cpp, pointerArgumentMasks):
// - __m256d arguments in ymm registers (upper halves), more than eight vector arguments (the
//   rest on the stack, 32-byte aligned), __m128 and _Float16 and __float128 arguments;
// - a regcall function taking 12 doubles (xmm0-11) and pointers;
// - an ms_abi (Win64) function, whose callers keep values in xmm6-15 across the call.
// Each recursion is deep enough to grow (and under movestack, moves at every level).
//
// RUN: %plain-cc -O0 -mavx %s -o %t.p0 -lpthread
// RUN: %plain-cc -O2 -mavx %s -o %t.p2 -lpthread
// RUN: %gostack-cc -O0 -mavx %s -o %t.g0
// RUN: %gostack-cc -O2 -mavx %s -o %t.g2
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
// REQUIRES: avx
//
// OUT: ymm: {{[0-9]+}} ok
// OUT-NEXT: m128: {{[0-9.]+}} {{[0-9.]+}}
// OUT-NEXT: regcall: {{[0-9]+}} count={{[0-9]+}}
// OUT-NEXT: ms_abi: {{.*}} count={{[0-9]+}}
// OUT: vector_args: ok
// STATS: vectors: grew=1

#include "Inputs/e2e.h"

#include <immintrin.h>

static long depth;

// Nine __m256d arguments: eight in ymm0-7, the ninth on the stack. The ballast and the pointer
// argument make it a frame that moves.
E2E_NOINLINE static double ymm_rec(long n, __m256d a, __m256d b, __m256d c, __m256d d,
                                   __m256d e, __m256d f, __m256d g, __m256d h, __m256d i,
                                   const double *scale) {
  uint64_t pad[4];
  E2E_BALLAST_SET(pad, 4, 1, (uint64_t)n);
  double r;
  if (n == 0) {
    __m256d s = _mm256_add_pd(_mm256_add_pd(_mm256_add_pd(a, b), _mm256_add_pd(c, d)),
                              _mm256_add_pd(_mm256_add_pd(e, f), _mm256_add_pd(g, h)));
    s = _mm256_add_pd(s, i);
    double o[4];
    _mm256_storeu_pd(o, s);
    r = (o[0] + 2 * o[1] + 3 * o[2] + 4 * o[3]) * *scale;
  } else {
    __m256d one = _mm256_set1_pd(1.0);
    r = ymm_rec(n - 1, _mm256_add_pd(a, one), b, c, d, e, f, g, h, _mm256_add_pd(i, one),
                scale);
  }
  long bad = 0;
  E2E_BALLAST_CHECK(pad, 4, 1, (uint64_t)n, bad);
  return r + (double)bad * 1e9;
}

E2E_NOINLINE static double m128_rec(long n, __m128 a, _Float16 h, __float128 q, float *acc) {
  uint64_t pad[2];
  E2E_BALLAST_SET(pad, 2, 1, (uint64_t)n);
  *acc += (float)h;
  double r = n == 0 ? (double)(a[0] + a[1] + a[2] + a[3]) + (double)q
                    : m128_rec(n - 1, _mm_add_ps(a, _mm_set1_ps(0.5f)), h, q + 1, acc);
  long bad = 0;
  E2E_BALLAST_CHECK(pad, 2, 1, (uint64_t)n, bad);
  return r + (double)bad * 1e9;
}

static long regcall_count;

// regcall takes its integer arguments in other registers than the C convention; the plugin
// classifies only integer (not pointer) ones for it (docs/design.md).
E2E_NOINLINE __attribute__((regcall)) static double
regcall_rec(long n, double x0, double x1, double x2, double x3, double x4, double x5, double x6,
            double x7, double x8, double x9, double x10, double x11) {
  uint64_t pad[2];
  E2E_BALLAST_SET(pad, 2, 1, (uint64_t)n);
  ++regcall_count;
  double r = n == 0 ? x0 + 2 * x1 + 3 * x2 + 4 * x3 + 5 * x4 + 6 * x5 + 7 * x6 + 8 * x7 +
                          9 * x8 + 10 * x9 + 11 * x10 + 12 * x11
                    : regcall_rec(n - 1, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11, x0 + 1);
  long bad = 0;
  E2E_BALLAST_CHECK(pad, 2, 1, (uint64_t)n, bad);
  return r + (double)bad * 1e9;
}

// Win64 convention: xmm6-15 are callee-saved, so the sum loop in the caller may keep its
// accumulators there across each call.
E2E_NOINLINE __attribute__((ms_abi)) static double ms_rec(long n, double x, long *count) {
  uint64_t pad[2];
  E2E_BALLAST_SET(pad, 2, 1, (uint64_t)n);
  ++*count;
  double r = n == 0 ? x : ms_rec(n - 1, x * 1.000001, count) + 1;
  long bad = 0;
  E2E_BALLAST_CHECK(pad, 2, 1, (uint64_t)n, bad);
  return r + (double)bad * 1e9;
}

static void *run(void *arg) {
  (void)arg;
  double scale = 0.5;
  __m256d v = _mm256_set_pd(4, 3, 2, 1);
  double y = ymm_rec(depth, v, _mm256_set1_pd(10), _mm256_set1_pd(100), v, v, v, v, v, v, &scale);
  printf("ymm: %.0f ok\n", y);

  float acc = 0;
  double m = m128_rec(depth, _mm_set_ps(4, 3, 2, 1), (_Float16)1.5, (__float128)0.25, &acc);
  printf("m128: %.3f %.1f\n", m, (double)acc);

  double rc = regcall_rec(depth, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
  printf("regcall: %.0f count=%ld\n", rc, regcall_count);

  // Accumulators live across the calls: in xmm6-15 at -O2 (callee-saved for ms_abi).
  double s0 = 0, s1 = 1, s2 = 2, s3 = 3, s4 = 4, s5 = 5;
  long count = 0;
  for (int k = 0; k < 4; k++) {
    double r = ms_rec(depth / 4 + k, (double)k, &count);
    s0 += r, s1 *= 1.5, s2 += s1, s3 -= r / 2, s4 += s0 * 0.25, s5 += s3;
  }
  printf("ms_abi: %.3f %.3f %.3f %.3f %.3f %.3f count=%ld\n", s0, s1, s2, s3, s4, s5, count);
  e2e_report_growth("vectors");
  return NULL;
}

int main(int argc, char **argv) {
  depth = e2e_arg(argc, argv, 1, 2000);
  e2e_run_deep(run, NULL);
  return e2e_finish("vector_args");
}

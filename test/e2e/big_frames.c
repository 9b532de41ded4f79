// Frames of 4 KB and of 1 MB (a local array of that size, touched at both ends and at every
// 61st / 4093rd byte in between) at depth. Every frame re-checks its array after the deeper calls returned, so
// a move that copied too little, or to the wrong place, shows up.
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
// OUT: 4k x {{[0-9]+}}: result=[[R4:[0-9a-f]+]] expected=[[R4]]
// OUT: 1m x 6 then 4k x {{[0-9]+}}: result=[[R1:[0-9a-f]+]] expected=[[R1]]
// OUT: 1m leaf x 12: result=[[R2:[0-9a-f]+]] expected=[[R2]]
// OUT: bad_frames=0
// OUT: big_frames: ok
//
// STATS: after-4k: task=1 initial=2048
// STATS: 4k: grew=1 size_ok=1
// STATS: after-1m: task=1 initial=2048
// STATS: 1m: grew=1 size_ok=1

#include "Inputs/e2e.h"

#define K4 4096
#define M1 (1 << 20)

static long bad_frames;
static long depth4k;
#ifdef __GOSTACK__
static size_t deepest_4k, deepest_1m;
#endif

E2E_NOINLINE static uint64_t chain4k(long n, uint64_t h) {
  unsigned char buf[K4]; /* frame ballast (e2e.h): stays on the moving stack */
  E2E_BALLAST_SET(buf, K4, 61, h);
  uint64_t r;
  if (n == 0) {
#ifdef __GOSTACK__
    deepest_4k = gostack_stack_size();
#endif
    r = h;
  } else {
    r = chain4k(n - 1, e2e_mix(h, 4));
  }
  E2E_BALLAST_CHECK(buf, K4, 61, h, bad_frames);
  return r * 3 + (unsigned char)(h >> 8);
}

static uint64_t model4k(long n, uint64_t h) {
  /* r(n, h) = 3 * r(n-1, mix(h, 4)) + byte1(h); r(0, h) = 3 * h + byte1(h). */
  uint64_t *hs = malloc((size_t)(n + 1) * sizeof *hs);
  for (long i = n; i >= 0; i--) {
    hs[i] = h;
    h = e2e_mix(h, 4);
  }
  uint64_t r = hs[0];
  for (long i = 0; i <= n; i++)
    r = r * 3 + (unsigned char)(hs[i] >> 8);
  free(hs);
  return r;
}

/* A 1 MB frame: both ends and every 4093rd byte are written, then checked after the callee
 * returned. */
E2E_NOINLINE static uint64_t chain1m(long n, uint64_t h, long below4k) {
  unsigned char big[M1]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(big, M1, 4093, h);
  uint64_t r;
  if (n == 0) {
    r = below4k ? chain4k(below4k, h) : h;
#ifdef __GOSTACK__
    deepest_1m = gostack_stack_size();
#endif
  } else {
    r = chain1m(n - 1, e2e_mix(h, 1), below4k);
  }
  E2E_BALLAST_CHECK(big, M1, 4093, h, bad_frames);
  return r * 5 + (unsigned char)(h >> 8) + (unsigned char)h;
}

static uint64_t model1m(long n, uint64_t h, long below4k) {
  uint64_t hs[64];
  for (long i = n; i >= 0; i--) {
    hs[i] = h;
    h = e2e_mix(h, 1);
  }
  uint64_t r = below4k ? model4k(below4k, hs[0]) : hs[0];
  for (long i = 0; i <= n; i++)
    r = r * 5 + (unsigned char)(hs[i] >> 8) + (unsigned char)hs[i];
  return r;
}

static void *body(void *unused) {
  uint64_t r = chain4k(depth4k, 11), e = model4k(depth4k, 11);
  printf("4k x %ld: result=%llx expected=%llx\n", depth4k, (unsigned long long)r,
         (unsigned long long)e);
  E2E_CHECK(r == e);
#ifdef __GOSTACK__
  {
    gostack_stack_info i = e2e_info();
    e2e_print_info("after-4k", i);
    fprintf(stderr, "4k: grew=%d size_ok=%d\n", i.growths > 0,
            deepest_4k >= (size_t)depth4k * K4);
  }
#endif
  long below = depth4k / 4;
  r = chain1m(5, 12, below);
  e = model1m(5, 12, below);
  printf("1m x 6 then 4k x %ld: result=%llx expected=%llx\n", below, (unsigned long long)r,
         (unsigned long long)e);
  E2E_CHECK(r == e);
  r = chain1m(11, 13, 0);
  e = model1m(11, 13, 0);
  printf("1m leaf x 12: result=%llx expected=%llx\n", (unsigned long long)r,
         (unsigned long long)e);
  E2E_CHECK(r == e);
#ifdef __GOSTACK__
  {
    gostack_stack_info i = e2e_info();
    e2e_print_info("after-1m", i);
    fprintf(stderr, "1m: grew=%d size_ok=%d\n", i.growths > 0,
            deepest_1m >= (size_t)12 * M1 && i.max_size >= (size_t)12 * M1);
  }
#endif
  printf("bad_frames=%ld\n", bad_frames);
  E2E_CHECK(bad_frames == 0);
  return (void *)(intptr_t)e2e_finish("big_frames");
}

int main(int argc, char **argv) {
  /* 100000 -> 2000 frames of 4 KB (8 MB); under movestack (2000) -> 64 frames. */
  depth4k = e2e_max(e2e_arg(argc, argv, 1, 100000) / 50, 64);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

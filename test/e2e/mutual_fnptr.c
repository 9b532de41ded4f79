// Mutual recursion through a table of function pointers, with mixed frame sizes: no locals,
// 200 B, 3 KB and 20 KB. Which function comes next depends on the running hash, so every kind of
// frame sits below every other kind, and growth happens inside each of them.
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
// OUT: mutual x {{[0-9]+}}: result=[[R:[0-9a-f]+]] expected=[[R]]
// OUT-NEXT: calls: small={{[1-9][0-9]*}} b200={{[1-9][0-9]*}} k3={{[1-9][0-9]*}} k20={{[1-9][0-9]*}}
// OUT: seeds: ok
// OUT: bad_frames=0
// OUT: mutual_fnptr: ok
//
// STATS: mutual: task=1 initial=2048
// STATS: mutual: grew=1 size_ok=1

#include "Inputs/e2e.h"

typedef uint64_t (*step_fn)(long n, uint64_t h);
static step_fn table[4];
static long bad_frames;
static long calls[4];
#ifdef __GOSTACK__
static size_t deepest;
#endif

static const unsigned sizes[4] = {0, 200, 3 * 1024, 20 * 1024};

static uint64_t leaf(uint64_t h) {
#ifdef __GOSTACK__
  size_t s = gostack_stack_size();
  if (s > deepest)
    deepest = s;
#endif
  return h;
}

#define NEXT(h) table[((h) >> 7) & 3]

E2E_NOINLINE static uint64_t f_small(long n, uint64_t h) {
  calls[0]++;
  uint64_t r = n == 0 ? leaf(h) : NEXT(h)(n - 1, e2e_mix(h, 0));
  return r * 3 + 0;
}

#define SIZED(NAME, IDX, SIZE)                                                                  \
  E2E_NOINLINE static uint64_t NAME(long n, uint64_t h) {                                      \
    unsigned char buf[SIZE]; /* frame ballast (e2e.h): stays on the moving stack */            \
    calls[IDX]++;                                                                               \
    E2E_BALLAST_SET(buf, SIZE, 31, h);                                                          \
    uint64_t r = n == 0 ? leaf(h) : NEXT(h)(n - 1, e2e_mix(h, IDX));                            \
    E2E_BALLAST_CHECK(buf, SIZE, 31, h, bad_frames);                                            \
    return r * 3 + IDX + (unsigned char)(h >> 8);                                               \
  }

SIZED(f_200, 1, 200)
SIZED(f_3k, 2, 3 * 1024)
SIZED(f_20k, 3, 20 * 1024)

/* The same computation without recursion. */
static uint64_t model(long n, uint64_t h, int first, long *k20) {
  uint64_t *hs = malloc((size_t)(n + 1) * sizeof *hs);
  int *fs = malloc((size_t)(n + 1) * sizeof *fs);
  int f = first;
  for (long i = 0; i <= n; i++) { /* i = distance from the top */
    hs[i] = h;
    fs[i] = f;
    if (k20)
      *k20 += f == 3;
    f = (int)((h >> 7) & 3);
    h = e2e_mix(h, (uint64_t)fs[i]);
  }
  uint64_t r = hs[n];
  for (long i = n; i >= 0; i--)
    r = r * 3 + (uint64_t)fs[i] + (fs[i] ? (unsigned char)(hs[i] >> 8) : 0);
  free(hs);
  free(fs);
  return r;
}

static long depth;

static void *body(void *unused) {
  table[0] = f_small;
  table[1] = f_200;
  table[2] = f_3k;
  table[3] = f_20k;
  uint64_t r = table[3](depth, 1234), e = model(depth, 1234, 3, NULL);
  printf("mutual x %ld: result=%llx expected=%llx\n", depth, (unsigned long long)r,
         (unsigned long long)e);
  printf("calls: small=%ld b200=%ld k3=%ld k20=%ld\n", calls[0], calls[1], calls[2], calls[3]);
  E2E_CHECK(r == e);
  /* Many shorter chains with different seeds: different interleavings of the sizes. */
  int ok = 1;
  for (uint64_t seed = 1; seed <= 40; seed++) {
    long n = (long)(seed * 7) % (depth / 2 + 1);
    ok &= table[seed & 3](n, seed * 0x9e37) == model(n, seed * 0x9e37, (int)(seed & 3), NULL);
  }
  E2E_CHECK(ok);
  printf("seeds: %s\n", ok ? "ok" : "bad");
  printf("bad_frames=%ld\n", bad_frames);
  E2E_CHECK(bad_frames == 0);
#ifdef __GOSTACK__
  {
    gostack_stack_info i = e2e_info();
    long k20 = 0;
    model(depth, 1234, 3, &k20);
    e2e_print_info("mutual", i);
    /* The first chain needs at least its 20 KB frames at once. */
    fprintf(stderr, "mutual: grew=%d size_ok=%d\n", i.growths > 0,
            deepest >= (size_t)k20 * 20480);
  }
#endif
  return (void *)(intptr_t)e2e_finish("mutual_fnptr");
}

int main(int argc, char **argv) {
  /* 100000 -> 1000 levels (~6 MB); under movestack (2000) -> 200. */
  depth = e2e_max(e2e_arg(argc, argv, 1, 100000) / 100, 200);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

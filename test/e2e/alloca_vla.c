// alloca() and VLAs at depth: every level allocates one of each (sizes cycle from 1 byte to
// 64 KB), fills them with a level-specific pattern, recurses, and verifies every byte afterwards
// through the pointer it held across the moves. Dynamic allocations move the stack pointer after
// the prologue check, so they need checks of their own. Also alloca() in a loop, with moves
// between the iterations.
//
// The VLAs are only ever indexed directly (never through a pointer variable), so their address
// is not captured and they stay on the moving stack: size_ok asserts the stack held all of them
// at the deepest point. The alloca() blocks are held in pointer variables (at -O0 those live in
// memory, which counts as capturing), so they may legitimately be pinned instead.
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
// OUT: alloca+vla x {{[0-9]+}}: sum=[[S:[0-9a-f]+]] expected=[[S]]
// OUT-NEXT: loop: ok
// OUT-NEXT: bad_bytes=0
// OUT-NEXT: alloca_vla: ok
//
// STATS: alloca: task=1 initial=2048
// STATS: alloca: grew=1 size_ok=1

#include <alloca.h>

#include "Inputs/e2e.h"

static const size_t sizes[] = {1, 16, 100, 1000, 4096, 20000, 65536};
#define NSIZES (sizeof sizes / sizeof sizes[0])

static long depth;
static long bad_bytes;
static size_t vla_total; /* VLA bytes live at the deepest point */
#ifdef __GOSTACK__
static size_t deepest;
#endif

E2E_INLINE unsigned char pat(long level, size_t i, int which) {
  return (unsigned char)(level * 31 + (long)i * 7 + which * 101);
}

E2E_NOINLINE static uint64_t rec(long level) {
  size_t as = sizes[level % NSIZES];
  size_t vs = sizes[(level + 3) % NSIZES];
  unsigned char *a = alloca(as);
  unsigned char v[vs];
  for (size_t i = 0; i < as; i++)
    a[i] = pat(level, i, 0);
  for (size_t i = 0; i < vs; i++)
    v[i] = pat(level, i, 1);
  vla_total += vs;
  uint64_t r;
  if (level == depth) {
#ifdef __GOSTACK__
    deepest = gostack_stack_size();
#endif
    r = 1;
  } else {
    r = rec(level + 1);
  }
  /* `a` was live across the moves; it must still reach our own block. */
  uint64_t h = r;
  for (size_t i = 0; i < as; i++)
    if (a[i] != pat(level, i, 0))
      bad_bytes++;
  for (size_t i = 0; i < vs; i++)
    if (v[i] != pat(level, i, 1))
      bad_bytes++;
  h = e2e_mix(h, a[as - 1]);
  h = e2e_mix(h, v[vs / 2]);
  return h;
}

static uint64_t model(void) {
  uint64_t h = 1;
  for (long level = depth; level >= 0; level--) {
    size_t as = sizes[level % NSIZES], vs = sizes[(level + 3) % NSIZES];
    h = e2e_mix(h, pat(level, as - 1, 0));
    h = e2e_mix(h, pat(level, vs / 2, 1));
  }
  return h;
}

/* alloca in a loop: the frame keeps growing inside one function while deeper calls move the
 * stack between iterations. */
E2E_NOINLINE static uint64_t filler(long n, uint64_t h) {
  uint64_t pad[2]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 2, 1, h ^ (uint64_t)n);
  uint64_t r = n ? filler(n - 1, e2e_mix(h, (uint64_t)n)) : h;
  E2E_BALLAST_CHECK(pad, 2, 1, h ^ (uint64_t)n, bad_bytes);
  return r;
}

E2E_NOINLINE static int loop_allocas(long iters, long gap) {
  unsigned char *blocks[16];
  size_t lens[16];
  for (long k = 0; k < iters; k++) {
    lens[k] = sizes[(size_t)k % NSIZES] + (size_t)k;
    blocks[k] = alloca(lens[k]);
    memset(blocks[k], (int)(k + 1), lens[k]);
    filler(gap, (uint64_t)k);
  }
  int ok = 1;
  for (long k = 0; k < iters; k++)
    for (size_t i = 0; i < lens[k]; i++)
      ok &= blocks[k][i] == (unsigned char)(k + 1);
  return ok;
}

static void *body(void *unused) {
  uint64_t r = rec(0), e = model();
  printf("alloca+vla x %ld: sum=%llx expected=%llx\n", depth + 1, (unsigned long long)r,
         (unsigned long long)e);
  E2E_CHECK(r == e);
  int ok = loop_allocas(16, depth * 10);
  printf("loop: %s\n", ok ? "ok" : "bad");
  E2E_CHECK(ok);
  printf("bad_bytes=%ld\n", bad_bytes);
  E2E_CHECK(bad_bytes == 0);
#ifdef __GOSTACK__
  {
    gostack_stack_info i = e2e_info();
    e2e_print_info("alloca", i);
    fprintf(stderr, "alloca: grew=%d size_ok=%d\n", i.growths > 0, deepest >= vla_total);
  }
#endif
  return (void *)(intptr_t)e2e_finish("alloca_vla");
}

int main(int argc, char **argv) {
  /* 100000 -> 400 levels (~10 MB of dynamic allocations); movestack (2000) -> 60. */
  depth = e2e_max(e2e_arg(argc, argv, 1, 100000) / 250, 60);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

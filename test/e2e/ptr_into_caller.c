// Pointers to a caller's locals, passed deep into the recursion: each level owns a `cell` and an
// array; its child writes through a pointer to the cell, its grandchild through a pointer into
// the array, and both writes happen only after a long filler recursion below them (so the stack
// has moved several times since the pointers were taken). Afterwards each level checks the
// values, and that its own pointers still point at its own locals (p == &arr[3], p - arr == 3,
// r - p == 4, q == &cell). A linked list of nodes living in the frames (each node points to the
// caller's node) is walked at every level.
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
// OUT: chain 20 x gap {{[0-9]+}}: sum=[[S:[0-9]+]] expected=[[S]]
// OUT-NEXT: top: cell=1 arr3=13 other=77 same=1
// OUT-NEXT: list walks ok=21
// OUT-NEXT: bad_frames=0
// OUT-NEXT: ptr_into_caller: ok
//
// STATS: ptr: task=1 initial=2048
// STATS: ptr: grew=1 moved_during_chain=1

#include "Inputs/e2e.h"

#define LEVELS 20

struct node {
  struct node *up;
  long v;
};

static long gap;
static long bad_frames;
static long list_ok;

E2E_NOINLINE static uint64_t filler(long n, uint64_t h) {
  uint64_t pad[2]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 2, 1, h ^ (uint64_t)n);
  uint64_t r = n ? filler(n - 1, e2e_mix(h, (uint64_t)n)) : h;
  E2E_BALLAST_CHECK(pad, 2, 1, h ^ (uint64_t)n, bad_frames);
  return r ^ (uint64_t)n;
}

/* parent_cell: &cell of level-1; parent_arr: &arr[3] of level-1; grand_arr: &arr[3] of level-2. */
E2E_NOINLINE static long chain(int level, long *parent_cell, long *parent_arr, long *grand_arr,
                               struct node *up) {
  long cell = 1000L * level;
  long arr[8];
  for (int i = 0; i < 8; i++)
    arr[i] = level * 10L + i;
  long *p = &arr[3];
  long *r = &arr[7];
  long *q = &cell;
  struct node me = {up, level};

  /* Moves happen down here, while p, r, q, parent_cell, grand_arr are live in this frame. */
  uint64_t f = filler(gap, (uint64_t)level);

  /* Written at depth, long after the pointers were taken. */
  if (parent_cell)
    *parent_cell += 1;
  if (grand_arr)
    *grand_arr += 10;

  long sum = 0, count = 0;
  for (struct node *n = &me; n; n = n->up) {
    sum += n->v;
    count++;
  }
  if (sum == (long)level * (level + 1) / 2 && count == level + 1)
    list_ok++;

  long below = level < LEVELS ? chain(level + 1, q, p, parent_arr, &me) : 0;
  f ^= filler(gap / 2, f);

  E2E_CHECK(p == &arr[3]);
  E2E_CHECK(p - arr == 3);
  E2E_CHECK(r - p == 4);
  E2E_CHECK(q == &cell);
  E2E_CHECK(me.up == up && me.v == level);
  E2E_CHECK(cell == 1000L * level + (level < LEVELS ? 1 : 0));
  E2E_CHECK(arr[3] == level * 10L + 3 + (level + 2 <= LEVELS ? 10 : 0));
  for (int i = 0; i < 8; i++)
    if (i != 3)
      E2E_CHECK(arr[i] == level * 10L + i);
  return below + cell + *p + (long)(f & 1);
}

static long model(void) {
  /* What chain(0, ...) returns, up to the filler bit (computed separately below). */
  long total = 0;
  for (int level = 0; level <= LEVELS; level++)
    total += 1000L * level + (level < LEVELS ? 1 : 0) + level * 10L + 3 +
             (level + 2 <= LEVELS ? 10 : 0);
  return total;
}

static void *body(void *unused) {
  /* The top-level caller's own locals, written from levels 0 and 1. */
  long cell = 0, arr[4] = {0, 0, 0, 3}, other = 77;
  long *pc = &cell, *pa = &arr[3], *po = &other;
#ifdef __GOSTACK__
  uint64_t moves_before = e2e_info().moves;
#endif
  /* First thing on main's fresh 2 KB stack: all growth happens inside the chain. */
  long sum = chain(0, pc, pa, NULL, NULL);
#ifdef __GOSTACK__
  uint64_t moves_after = e2e_info().moves;
#endif
  uint64_t fbits = 0;
  for (int level = 0; level <= LEVELS; level++) {
    uint64_t f = filler(gap, (uint64_t)level);
    f ^= filler(gap / 2, f);
    fbits += f & 1;
  }
  long expect = model() + (long)fbits;
  printf("chain %d x gap %ld: sum=%ld expected=%ld\n", LEVELS, gap, sum, expect);
  E2E_CHECK(sum == expect);
  /* Level 0 added 1 to cell through pc; level 1 added 10 to arr[3] through pa. */
  int same = pc == &cell && pa == &arr[3] && po == &other && pa - arr == 3;
  printf("top: cell=%ld arr3=%ld other=%ld same=%d\n", cell, arr[3], other, same);
  E2E_CHECK(cell == 1 && arr[3] == 13 && other == 77 && same);
  printf("list walks ok=%ld\n", list_ok);
  E2E_CHECK(list_ok == LEVELS + 1);
  printf("bad_frames=%ld\n", bad_frames);
  E2E_CHECK(bad_frames == 0);
#ifdef __GOSTACK__
  {
    gostack_stack_info i = e2e_info();
    e2e_print_info("ptr", i);
    fprintf(stderr, "ptr: grew=%d moved_during_chain=%d\n", i.growths > 0,
            moves_after > moves_before);
  }
#endif
  return (void *)(intptr_t)e2e_finish("ptr_into_caller");
}

int main(int argc, char **argv) {
  /* 100000 -> 5000 filler frames below each of the 21 levels; under movestack (2000) -> 100. */
  gap = e2e_max(e2e_arg(argc, argv, 1, 100000) / 20, 50);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

// Adversarial: integers whose values equal addresses in the live part of the moving stack (the
// task's top minus 64, minus 256, and the address of a local of the checking frame) must not be
// changed by a move: they are integers, not pointers. They sit in a local (register or spill slot
// at -O2), in a uintptr_t array on the stack and in a struct field, across deep recursion.
//
// The conservative relocation DOES change them (docs/design.md, "Limits of the conservative
// strategy"), so the check is skipped with GOSTACK_RELOCATE=conservative in the environment
// (lit --param conservative=1); both builds then print the same "skipped" line.
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %gostack-cc -O1 %s -o %t.g1
// RUN: %gostack-cc -O3 %s -o %t.g3
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p0.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
// RUN: %t.g1 %depth_mid > %t.g1.out 2> %t.g1.err
// RUN: diff %t.p0.out %t.g1.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g1.err
// RUN: %t.g3 %depth_mid > %t.g3.out 2> %t.g3.err
// RUN: diff %t.p0.out %t.g3.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g3.err
//
// OUT: lookalike: {{unchanged=1|skipped-conservative}}
// OUT-NEXT: bad=0
// OUT-NEXT: adv_int_lookalike: ok
//
// STATS: lookalike: task=1 initial=2048
// STATS: lookalike: grew=1

#include "Inputs/e2e.h"

static long depth;
static long bad;

static volatile uintptr_t saved[4];

struct holder {
  uintptr_t a;
  long tag;
};

/* The stack's top now (gostack), or any number (plain: nothing moves there). */
E2E_NOINLINE static uintptr_t stack_top(void) {
#ifdef __GOSTACK__
  gostack_stack_info i;
  memset(&i, 0, sizeof i);
  gostack_stack_info_get(&i);
  return i.hi;
#else
  long x = 0;
  return (uintptr_t)&x + 4096;
#endif
}

/* Returns the number of lookalikes that changed. */
E2E_NOINLINE static int check(void) {
  uintptr_t top = stack_top();
  uintptr_t a = top - 64;  /* in the live stack: main's frames are below top */
  uintptr_t b = top - 256;
  long local = 5;
  uintptr_t c = (uintptr_t)&local ^ (uintptr_t)E2E_ZERO; /* an address turned integer */
  uintptr_t arr[4];
  struct holder hd;
  arr[E2E_ZERO + 0] = a;
  arr[E2E_ZERO + 1] = b;
  arr[E2E_ZERO + 2] = c;
  arr[E2E_ZERO + 3] = top - 8;
  hd.a = a;
  hd.tag = 9;
  /* Independent copies, off the stack (a volatile global: never scanned, never folded). */
  saved[0] = a;
  saved[1] = b;
  saved[2] = c;
  saved[3] = top;

  uint64_t g = e2e_grow(depth, 1, &bad);
  g ^= e2e_grow(depth / 2, g, &bad); /* the stack moves again (movestack: at every entry) */

  int changed = 0;
  changed += a != saved[0];
  changed += b != saved[1];
  changed += c != saved[2];
  changed += arr[E2E_ZERO + 0] != saved[0];
  changed += arr[E2E_ZERO + 1] != saved[1];
  changed += arr[E2E_ZERO + 2] != saved[2];
  changed += arr[E2E_ZERO + 3] != saved[3] - 8;
  changed += hd.a != saved[0] || hd.tag != 9;
  changed += local != 5;
  changed += (int)(g & 0); /* keep g */
  return changed;
}

static void *body(void *unused) {
  (void)unused;
  const char *r = getenv("GOSTACK_RELOCATE");
  if (!(r && strcmp(r, "conservative") == 0)) {
    int changed = check();
    printf("lookalike: unchanged=%d\n", changed == 0);
    if (changed)
      printf("lookalike: %d values changed\n", changed);
    E2E_CHECK(changed == 0);
  } else {
    e2e_grow(depth, 1, &bad); /* same growth statistics in both modes */
    printf("lookalike: skipped-conservative\n");
  }
  printf("bad=%ld\n", bad);
  E2E_CHECK(bad == 0);
  e2e_report_growth("lookalike");
  return (void *)(intptr_t)e2e_finish("adv_int_lookalike");
}

int main(int argc, char **argv) {
  /* 100000 -> 10000 levels; movestack (2000) -> 200. */
  depth = e2e_max(e2e_arg(argc, argv, 1, 100000) / 10, 200);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

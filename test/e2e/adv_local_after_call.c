// Adversarial: a local array that stays on the moving stack (indexed at run time, never escaping)
// is read after a recursive call that grows -- and under movestack moves -- the stack. The
// array's address must be recomputed from the frame after the call, never kept in a register
// from before it: an early version of the per-use address definitions let the backend keep one
// `lea` of the array in a callee-saved register across the call, which then read the old stack
// (bench/growth's kernel; silently wrong while the old stack is cached, a crash once it is
// unmapped). The result is checked against an iterative model of the same recursion.
//
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %gostack-cc -O3 %s -o %t.g3
// RUN: %t.p2 %depth_mid > %t.p2.out
// RUN: FileCheck %s --input-file=%t.p2.out
// RUN: %t.g0 %depth_mid > %t.g0.out
// RUN: diff %t.p2.out %t.g0.out
// RUN: %t.g2 %depth_mid > %t.g2.out
// RUN: diff %t.p2.out %t.g2.out
// RUN: %t.g3 %depth_mid > %t.g3.out
// RUN: diff %t.p2.out %t.g3.out
//
// CHECK: deep: result=[[R:[0-9a-f]+]] model=[[R]]
// CHECK-NEXT: adv_local_after_call: ok

#include "Inputs/e2e.h"

static E2E_NOINLINE uint64_t deep(long depth, uint64_t acc) {
  uint64_t pad[8];
  for (int i = 0; i < 8; i++)
    pad[i] = acc + (uint64_t)i * (uint64_t)depth;
  if (depth == 0)
    return pad[acc & 7];
  uint64_t r = deep(depth - 1, acc + pad[depth & 7]);
  return r + pad[r & 7]; // pad is read through its address after the call
}

// deep() without recursion: the accumulators on the way down, then the results on the way up.
static uint64_t model(long depth, uint64_t acc) {
  uint64_t *accs = malloc(((size_t)depth + 1) * sizeof *accs);
  for (long d = depth; d >= 0; d--) {
    accs[d] = acc;
    acc += acc + (uint64_t)(d & 7) * (uint64_t)d;
  }
  uint64_t r = accs[0]; // depth 0 returns pad[acc & 7] = acc + (acc & 7) * 0
  for (long d = 1; d <= depth; d++)
    r = r + accs[d] + (r & 7) * (uint64_t)d;
  free(accs);
  return r;
}

int main(int argc, char **argv) {
  long depth = argc > 1 ? atol(argv[1]) : 100000;
  if (depth > 50000)
    depth = 50000; // the plain build runs on the 8 MB main thread stack: ~96 B per level
  uint64_t r = deep(depth + E2E_ZERO, 12345);
  uint64_t m = model(depth, 12345);
  printf("deep: result=%llx model=%llx\n", (unsigned long long)r, (unsigned long long)m);
  E2E_CHECK(r == m);
  return e2e_finish("adv_local_after_call");
}

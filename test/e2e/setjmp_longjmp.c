// setjmp at a shallow frame, recursion that moves the stack many times, longjmp from the deepest
// frame back to it. The jmp_buf holds the mangled SP and RBP of the setjmp caller; the runtime
// updates it on every move (plugin/JmpBufRecords.cpp, runtime/jmpbuf.c). Then the same again
// with sigsetjmp/siglongjmp, a setjmp in a loop (re-registration), and growth after the jump.
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
// OUT: setjmp: jumped=1 local=1234 depth_reached=1
// OUT: sigsetjmp: jumped=1 local=5678 depth_reached=1
// OUT: loop: jumps=20 sum=
// OUT: after: ok
// OUT: setjmp_longjmp: ok
// STATS: setjmp: task=1 initial=2048
// STATS: setjmp: grew=1

#include <setjmp.h>

#include "Inputs/e2e.h"

static long depth;
static long reached;
static jmp_buf env;
static sigjmp_buf senv;

E2E_NOINLINE static void dive(long n, int sig) {
  unsigned char pad[64]; /* frame ballast (e2e.h): the stack grows */
  E2E_BALLAST_SET(pad, 64, 7, n);
  if (n == 0) {
    reached = 1;
    if (sig)
      siglongjmp(senv, 2);
    longjmp(env, 1);
  }
  dive(n - 1, sig);
  long bad = 0;
  E2E_BALLAST_CHECK(pad, 64, 7, n, bad); /* never reached */
  reached += bad;
}

E2E_NOINLINE static int jump_once(int sig, long value) {
  volatile long local = value; /* must survive the longjmp (volatile: C rules) */
  reached = 0;
  int r = sig ? sigsetjmp(senv, 1) : setjmp(env);
  if (r == 0) {
    dive(depth, sig);
    return -1; /* not reached */
  }
  printf("%s: jumped=%d local=%ld depth_reached=%ld\n", sig ? "sigsetjmp" : "setjmp",
         r == (sig ? 2 : 1), (long)local, reached);
  return (int)local;
}

static void *body(void *unused) {
  (void)unused;
  E2E_CHECK(jump_once(0, 1234) == 1234);
  E2E_CHECK(jump_once(1, 5678) == 5678);
  /* setjmp in a loop: the same buffer is registered again after every jump. */
  volatile int jumps = 0;
  volatile long sum = 0;
  jmp_buf loop_env;
  if (setjmp(loop_env) < 20) {
    sum += jumps;
    if (jumps < 20) {
      jumps++;
      long d = depth / 4 + jumps;
      reached = 0;
      /* recurse (moving the stack) then jump back into this frame */
      if (setjmp(env) == 0)
        dive(d, 0);
      longjmp(loop_env, jumps);
    }
  }
  printf("loop: jumps=%d sum=%ld\n", jumps, (long)sum);
  /* The stack still grows after all the jumps. */
  reached = 0;
  if (setjmp(env) == 0)
    dive(depth, 0);
  printf("after: %s\n", reached == 1 ? "ok" : "bad");
  E2E_CHECK(reached == 1);
  e2e_report_growth("setjmp");
  return (void *)(intptr_t)e2e_finish("setjmp_longjmp");
}

int main(int argc, char **argv) {
  depth = e2e_arg(argc, argv, 1, 100000) / 10;
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

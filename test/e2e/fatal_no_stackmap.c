// Precise relocation meets a frame without a stack map: one translation unit (PART 1, the
// caller) is compiled with GOSTACK_STACK_MAPS=0 in the compiler's environment, the other
// (PART 2, a recursion that must grow the stack) with maps, and the program runs with the
// precise strategy. The move cannot relocate the map-less frame's pointers, so it must stop
// with a fatal error that names the task, its stack and the return address without a map, and
// says how to fix it (compile with maps, or GOSTACK_RELOCATE=conservative) -- and the same
// program must run correctly with GOSTACK_RELOCATE=conservative. The environment is set on
// every command: lit --param conservative=1 sets both variables for the whole suite.
//
// RUN: env GOSTACK_STACK_MAPS=0 %gostack-cc -O2 -g -DPART=1 -c %s -o %t.nomap.o
// RUN: env GOSTACK_STACK_MAPS=1 %gostack-cc -O2 -g -DPART=2 -c %s -o %t.map.o
// RUN: %gostack-cc %t.nomap.o %t.map.o -o %t
// RUN: env GOSTACK_RELOCATE=precise not %t > %t.out 2> %t.err
// RUN: FileCheck %s --check-prefix=FATAL --input-file=%t.err
// RUN: env GOSTACK_RELOCATE=precise sh -c '"$0" >/dev/null 2>&1; test $? -eq 2' %t
// RUN: env GOSTACK_RELOCATE=precise GOSTACK_SYMBOLIZE=1 not %t 2> %t.sym.err
// RUN: FileCheck %s --check-prefix=SYM --input-file=%t.sym.err
// RUN: env GOSTACK_RELOCATE=conservative %t > %t.cons.out
// RUN: FileCheck %s --check-prefix=CONS --input-file=%t.cons.out
//
// FATAL: gostack: fatal: stack move of task 2 (stack [0x{{[0-9a-f]+}}, 0x{{[0-9a-f]+}}) of {{[0-9]+}} bytes): {{.*}} at return address 0x{{[0-9a-f]+}}; code on a moving stack must be compiled by gostack with stack maps (or run with GOSTACK_RELOCATE=conservative)
// FATAL: backtrace:
// FATAL-NEXT: {{^ *}}#0 {{(0x)?[0-9a-f]+}}
//
// SYM: gostack: fatal: stack move of task 2
// SYM: backtrace:
// SYM: {{^ *}}#{{[0-9]+}} {{.*}}nomap_caller
//
// CONS: no_stackmap: {{[0-9]+}} ok

#include "Inputs/e2e.h"

long mapped_grow(long n, long *out);
long nomap_caller(long n);

#if PART == 1
// No stack maps here: its frame holds a pointer into the moving stack (`local`, passed down)
// while the callee grows the stack.
E2E_NOINLINE long nomap_caller(long n) {
  long local = n;
  long r = mapped_grow(n, &local);
  return r + local;
}

static void *task(void *arg) { return (void *)(intptr_t)nomap_caller((long)(intptr_t)arg); }

int main(void) {
  long r = (long)(intptr_t)e2e_join(e2e_spawn(task, (void *)(intptr_t)200));
  printf("no_stackmap: %ld %s\n", r, r > 0 ? "ok" : "BAD");
  return 0;
}
#else
E2E_NOINLINE long mapped_grow(long n, long *out) {
  long pad[16]; /* frame ballast (e2e.h) */
  long bad = 0;
  E2E_BALLAST_SET(pad, 16, 1, n);
  long r = n ? mapped_grow(n - 1, out) + 1 : (*out += 1);
  E2E_BALLAST_CHECK(pad, 16, 1, n, bad);
  return r + bad;
}
#endif

// A task stack that would exceed GOSTACK_MAXSTACK is a fatal error: the runtime prints
// "gostack: fatal: task stack exceeds <N>-byte limit" and a backtrace, and exits with status 2.
// Both from main (task 1) and from a spawned task. No plain-clang comparison: plain clang has no
// limit to hit (the same recursion would run to completion or crash on the system stack).
//
// RUN: %gostack-cc -O0 -g %s -o %t.g0
// RUN: %gostack-cc -O2 -g %s -o %t.g2
//
// Main task, -O0 and -O2; the exit status must be exactly 2.
// RUN: env GOSTACK_MAXSTACK=1M not %t.g0 main > %t.g0.out 2> %t.g0.err
// RUN: FileCheck %s --check-prefix=FATAL --input-file=%t.g0.err
// RUN: FileCheck %s --check-prefix=STDOUT --input-file=%t.g0.out
// RUN: env GOSTACK_MAXSTACK=1M sh -c '"$0" main >/dev/null 2>&1; test $? -eq 2' %t.g0
// RUN: env GOSTACK_MAXSTACK=1M not %t.g2 main > %t.g2.out 2> %t.g2.err
// RUN: FileCheck %s --check-prefix=FATAL --input-file=%t.g2.err
// RUN: env GOSTACK_MAXSTACK=1M sh -c '"$0" main >/dev/null 2>&1; test $? -eq 2' %t.g2
//
// A spawned task over the limit, and a different limit spelling.
// RUN: env GOSTACK_MAXSTACK=512k not %t.g2 task > %t.task.out 2> %t.task.err
// RUN: FileCheck %s --check-prefix=FATAL512 --input-file=%t.task.err
// RUN: env GOSTACK_MAXSTACK=512k sh -c '"$0" task >/dev/null 2>&1; test $? -eq 2' %t.g2
//
// Under the limit, the same program runs to completion (the limit is not hit by accident).
// RUN: env GOSTACK_MAXSTACK=64M %t.g2 main 8 > %t.ok.out
// RUN: FileCheck %s --check-prefix=UNDER --input-file=%t.ok.out
//
// With symbolization on, the backtrace names the recursing function.
// RUN: env GOSTACK_MAXSTACK=1M GOSTACK_SYMBOLIZE=1 not %t.g0 main 2> %t.sym.err
// RUN: FileCheck %s --check-prefix=SYM --input-file=%t.sym.err
//
// STDOUT: limit: start
// STDOUT-NOT: limit: survived
//
// FATAL: gostack: fatal: task stack exceeds 1048576-byte limit
// FATAL: {{^ *}}#0 {{(0x)?[0-9a-f]+}}
// FATAL: {{^ *}}#1 {{(0x)?[0-9a-f]+}}
//
// FATAL512: gostack: fatal: task stack exceeds 524288-byte limit
// FATAL512: {{^ *}}#0 {{(0x)?[0-9a-f]+}}
//
// UNDER: limit: start
// UNDER-NEXT: limit: survived 8 levels
//
// SYM: gostack: fatal: task stack exceeds 1048576-byte limit
// SYM: {{^ *}}#{{[0-9]+}} {{.*}}eat_stack

#include "Inputs/e2e.h"

static long levels = 100000;

/* 16 KB per frame, on the moving stack (frame ballast, e2e.h): 1 MB is exceeded after ~64
 * levels (a short backtrace). */
E2E_NOINLINE long eat_stack(long n) {
  unsigned char buf[16384];
  long bad = 0;
  E2E_BALLAST_SET(buf, sizeof buf, 509, n);
  long r = n + 1 < levels ? eat_stack(n + 1) : n;
  E2E_BALLAST_CHECK(buf, sizeof buf, 509, n, bad);
  return r + bad;
}

static void *run(void *unused) { return (void *)(intptr_t)eat_stack(0); }

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "main";
  levels = e2e_arg(argc, argv, 2, 100000); /* 100000 x 16 KB: far beyond any limit used here */
  printf("limit: start\n");
  fflush(stdout);
  long r;
  if (strcmp(mode, "task") == 0)
    r = (long)(intptr_t)e2e_join(e2e_spawn(run, NULL));
  else
    r = (long)(intptr_t)run(NULL);
  printf("limit: survived %ld levels\n", r + 1);
  return 0;
}

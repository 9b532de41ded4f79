// The stack limit's fatal error in full (limit.c covers the limit itself): the message names
// the task, what it needed, its stack bounds and how to raise the limit; the backtrace walks
// the task's frames (symbolized: the recursing function, down to the task's entry); the exit
// status is 2 and nothing after the fatal error runs. Tasks are numbered from 1 (main): the third spawned task is task 4.
//
// RUN: %gostack-cc -O0 -g %s -o %t.g0
// RUN: %gostack-cc -O2 -g %s -o %t.g2
// RUN: env GOSTACK_MAXSTACK=256k not %t.g0 > %t.g0.out 2> %t.g0.err
// RUN: FileCheck %s --check-prefix=FATAL --input-file=%t.g0.err
// RUN: FileCheck %s --check-prefix=STDOUT --input-file=%t.g0.out
// RUN: env GOSTACK_MAXSTACK=256k sh -c '"$0" >/dev/null 2>&1; test $? -eq 2' %t.g0
// RUN: env GOSTACK_MAXSTACK=256k GOSTACK_SYMBOLIZE=1 not %t.g2 > %t.g2.out 2> %t.g2.err
// RUN: FileCheck %s --check-prefixes=FATAL,SYM --input-file=%t.g2.err
// RUN: env GOSTACK_MAXSTACK=256k sh -c '"$0" >/dev/null 2>&1; test $? -eq 2' %t.g2
//
// STDOUT: fatal_limit: task 2 ok
// STDOUT-NEXT: fatal_limit: task 3 ok
// STDOUT-NOT: task 4 ok
//
// FATAL: gostack: fatal: task stack exceeds 262144-byte limit: task 4 needs {{[0-9]+}} more bytes with {{[0-9]+}} in use (stack [0x{{[0-9a-f]+}}, 0x{{[0-9a-f]+}}) of 262144 bytes); GOSTACK_MAXSTACK raises the limit
// FATAL: backtrace:
// FATAL-NEXT: {{^ *}}#0 {{(0x)?[0-9a-f]+}}
// FATAL-NEXT: {{^ *}}#1 {{(0x)?[0-9a-f]+}}
// SYM: {{^ *}}#{{[0-9]+}} {{.*}}recurse
// SYM: {{^ *}}#{{[0-9]+}} {{.*}} in task+
// SYM-NEXT: {{^ *}}#{{[0-9]+}} {{.*}}gostack_task_trampoline
// SYM: runtime backtrace:

#include "Inputs/e2e.h"

/* 4 KB per frame: 256 KB are exceeded after ~60 levels. */
E2E_NOINLINE static long recurse(long n, long limit) {
  unsigned char buf[4096];
  long bad = 0;
  E2E_BALLAST_SET(buf, sizeof buf, 251, n);
  long r = n < limit ? recurse(n + 1, limit) : n;
  E2E_BALLAST_CHECK(buf, sizeof buf, 251, n, bad);
  return r + bad;
}

static void *task(void *arg) {
  long limit = (long)(intptr_t)arg;
  long r = recurse(0, limit);
  printf("fatal_limit: task %llu %s\n", (unsigned long long)gostack_task_id(),
         r == limit ? "ok" : "BAD");
  fflush(stdout);
  return NULL;
}

int main(void) {
  e2e_join(e2e_spawn(task, (void *)(intptr_t)20)); /* 80 KB: fits */
  e2e_join(e2e_spawn(task, (void *)(intptr_t)40)); /* 160 KB: fits */
  e2e_join(e2e_spawn(task, (void *)(intptr_t)100000));
  printf("fatal_limit: survived\n");
  return 0;
}

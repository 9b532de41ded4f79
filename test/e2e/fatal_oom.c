// Out of memory while growing a stack: the address space is capped (RLIMIT_AS, set by the
// program itself once it is running, 192 MB above what it already uses) and a task recurses
// with 16 KB frames under a 1 GB GOSTACK_MAXSTACK, so a doubling fails to map its new stack
// before the limit is reached. That is a fatal error with exit status 2, not a crash and not
// the limit message. No plain-clang comparison: the plain build has no stacks to allocate.
//
// RUN: %gostack-cc -O0 -g %s -o %t.g0
// RUN: %gostack-cc -O2 -g %s -o %t.g2
// RUN: env GOSTACK_MAXSTACK=1G not %t.g0 > %t.g0.out 2> %t.g0.err
// RUN: FileCheck %s --check-prefix=FATAL --input-file=%t.g0.err
// RUN: FileCheck %s --check-prefix=STDOUT --input-file=%t.g0.out
// RUN: env GOSTACK_MAXSTACK=1G sh -c '"$0" >/dev/null 2>&1; test $? -eq 2' %t.g0
// RUN: env GOSTACK_MAXSTACK=1G not %t.g2 > %t.g2.out 2> %t.g2.err
// RUN: FileCheck %s --check-prefix=FATAL --input-file=%t.g2.err
// RUN: env GOSTACK_MAXSTACK=1G sh -c '"$0" >/dev/null 2>&1; test $? -eq 2' %t.g2
// The report shows the task's frames, symbolized, then the runtime's.
// RUN: env GOSTACK_MAXSTACK=1G GOSTACK_SYMBOLIZE=1 not %t.g2 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=SYM
//
// SYM: out of memory allocating
// SYM: backtrace:
// SYM-NEXT: #0 {{.*}} in eat_stack
// SYM: runtime backtrace:
// SYM: in gostack_newstack
//
// STDOUT: oom: address space capped
// STDOUT-NOT: survived
//
// FATAL-NOT: exceeds
// FATAL: gostack: fatal: {{.*}}out of memory allocating a {{[0-9]+}}-byte stack for task {{[0-9]+}} (its stack [0x{{[0-9a-f]+}}, 0x{{[0-9a-f]+}}) of {{[0-9]+}} bytes) (errno 12, ENOMEM)
// FATAL: backtrace:
// FATAL-NEXT: {{^ *}}#0 {{(0x)?[0-9a-f]+}}

#include "Inputs/e2e.h"

#include <sys/resource.h>

/* 16 KB per frame, on the moving stack (frame ballast, e2e.h). */
E2E_NOINLINE static long eat_stack(long n) {
  unsigned char buf[16384];
  long bad = 0;
  E2E_BALLAST_SET(buf, sizeof buf, 509, n);
  long r = n < 100000 ? eat_stack(n + 1) : n; /* 1.6 GB: beyond the cap, below no limit */
  E2E_BALLAST_CHECK(buf, sizeof buf, 509, n, bad);
  return r + bad;
}

static void *run(void *unused) { return (void *)(intptr_t)eat_stack(0); }

/* Virtual memory in use now, from /proc/self/statm (pages). */
static size_t vm_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long pages = 0;
  if (f) {
    if (fscanf(f, "%lu", &pages) != 1)
      pages = 0;
    fclose(f);
  }
  return (size_t)pages * 4096u;
}

int main(void) {
  size_t used = vm_bytes();
  E2E_CHECK(used > 0);
  // Soft limit only: the fatal report's symbolizer (a child process) lifts it again.
  struct rlimit rl;
  E2E_CHECK(getrlimit(RLIMIT_AS, &rl) == 0);
  rl.rlim_cur = used + ((size_t)192 << 20);
  E2E_CHECK(setrlimit(RLIMIT_AS, &rl) == 0);
  printf("oom: address space capped\n");
  fflush(stdout);
  long r = (long)(intptr_t)e2e_join(e2e_spawn(run, NULL));
  printf("oom: survived %ld\n", r);
  return 0;
}

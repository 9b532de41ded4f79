// A task whose stack was overrun below its lower end: code the prologue checks cannot see (here
// an __attribute__((no_split_stack)) function that clears more stack below its SP than the task
// has, as uninstrumented code with a big frame would) destroys the canary word at stack.lo.
// The next growth must not copy a corrupt stack: it is a fatal error naming the task and its
// stack bounds, with a backtrace through the frames that asked for more stack, and exit status
// 2. No plain-clang comparison: the plain build has no canary to check.
//
// RUN: %gostack-cc -O0 -g %s -o %t.g0
// RUN: %gostack-cc -O2 -g %s -o %t.g2
// RUN: not %t.g0 > %t.g0.out 2> %t.g0.err
// RUN: FileCheck %s --check-prefix=FATAL --input-file=%t.g0.err
// RUN: FileCheck %s --check-prefix=STDOUT --input-file=%t.g0.out
// RUN: sh -c '"$0" >/dev/null 2>&1; test $? -eq 2' %t.g0
// RUN: not %t.g2 > %t.g2.out 2> %t.g2.err
// RUN: FileCheck %s --check-prefix=FATAL --input-file=%t.g2.err
// RUN: sh -c '"$0" >/dev/null 2>&1; test $? -eq 2' %t.g2
// Symbolized: the backtrace names the function whose growth found the damage.
// RUN: env GOSTACK_SYMBOLIZE=1 not %t.g0 2> %t.sym.err
// RUN: FileCheck %s --check-prefix=SYM --input-file=%t.sym.err
//
// STDOUT: canary: task 2 overran
// STDOUT-NOT: survived
//
// FATAL: gostack: fatal: stack guard corrupted: task 2 overran its stack [0x{{[0-9a-f]+}}, 0x{{[0-9a-f]+}}) of {{[0-9]+}} bytes
// FATAL: backtrace:
// FATAL-NEXT: {{^ *}}#0 {{(0x)?[0-9a-f]+}}
// FATAL-NEXT: {{^ *}}#1 {{(0x)?[0-9a-f]+}}
//
// SYM: gostack: fatal: stack guard corrupted: task 2
// SYM: backtrace:
// SYM: {{^ *}}#{{[0-9]+}} {{.*}}grow_after_overrun

#include "Inputs/e2e.h"

// Clears `bytes` bytes just below this function's SP: a frame the prologue check never saw.
__attribute__((no_split_stack, noinline)) static void overrun(size_t bytes) {
  void *dst;
  size_t n = bytes;
  __asm__ volatile("movq %%rsp, %%rdi\n\t"
                   "subq %%rcx, %%rdi\n\t"
                   "xorl %%eax, %%eax\n\t"
                   "rep stosb"
                   : "=&D"(dst), "+c"(n)
                   :
                   : "rax", "memory");
  (void)dst;
}

// Needs more stack than a 2 KB task has left: the growth that finds the damage.
E2E_NOINLINE static long grow_after_overrun(long n) {
  long pad[64]; /* frame ballast (e2e.h) */
  long bad = 0;
  E2E_BALLAST_SET(pad, 64, 8, n);
  long r = n ? grow_after_overrun(n - 1) : 0;
  E2E_BALLAST_CHECK(pad, 64, 8, n, bad);
  return r + bad;
}

static void *task(void *unused) {
  gostack_stack_info i = e2e_info();
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  // Everything down to 64 bytes past the stack's lower end, canary included.
  overrun(sp - i.lo + 64);
  printf("canary: task %llu overran\n", (unsigned long long)i.task_id);
  fflush(stdout);
  long r = grow_after_overrun(100);
  printf("canary: survived %ld\n", r);
  return unused;
}

int main(void) {
  e2e_join(e2e_spawn(task, NULL));
  return 0;
}

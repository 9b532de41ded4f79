// A thread the runtime did not create may start with a stale split-stack guard in %fs:0x70:
// glibc recycles thread descriptors (and stacks) of exited threads, and leaves whatever the
// previous thread stored in tcbhead_t.__private_ss. Here thread A stores a bogus guard and exits;
// thread B, created next with the same attributes, gets A's descriptor (the program checks that
// it really saw the stale value, so the scenario is not silently skipped) and then runs
// instrumented code: a 100000-frame recursion on its own stack and libc calls. Nothing the
// runtime can know about B stops its prologue checks from reading A's value.
//   above: a guard above every stack address, so B's very first check fails;
//   below: a guard 256 KB below A's stack pointer; B runs on the same recycled stack, so its
//          checks pass until the recursion goes below that address, and then fail.
// Either way B must run to completion with the same output as plain clang's build.
//
// RUN: %plain-cc -O0 %s -lpthread -o %t.p0
// RUN: %plain-cc -O2 %s -lpthread -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.p0 above > %t.p0.above
// RUN: FileCheck %s --check-prefix=ABOVE --input-file=%t.p0.above
// RUN: %t.p2 above > %t.p2.above
// RUN: diff %t.p0.above %t.p2.above
// RUN: %t.g0 above > %t.g0.above
// RUN: diff %t.p0.above %t.g0.above
// RUN: %t.g2 above > %t.g2.above
// RUN: diff %t.p0.above %t.g2.above
// RUN: %t.p0 below > %t.p0.below
// RUN: FileCheck %s --check-prefix=BELOW --input-file=%t.p0.below
// RUN: %t.g0 below > %t.g0.below
// RUN: diff %t.p0.below %t.g0.below
// RUN: %t.g2 below > %t.g2.below
// RUN: diff %t.p0.below %t.g2.below
//
// ABOVE: A: stored 7ffffffffff00000
// ABOVE-NEXT: B: started with A's guard: yes
// ABOVE-NEXT: B: deep {{[0-9a-f]+}} ok [snprintf 0.333 x=42] [qsort ok]
// ABOVE-NEXT: foreign_thread_stale_guard: ok
//
// BELOW: A: stored SP-256K
// BELOW-NEXT: B: started with A's guard: yes
// BELOW-NEXT: B: deep {{[0-9a-f]+}} ok [snprintf 0.333 x=42] [qsort ok]
// BELOW-NEXT: foreign_thread_stale_guard: ok

#include "Inputs/e2e.h"

#include <pthread.h>

#define DEPTH 100000
#define BOGUS_ABOVE 0x7ffffffffff00000ull

static int below_mode;
static uint64_t stored_guard, seen_guard;

// A macro, not a function: at -O0 a helper function would be instrumented, and its own
// prologue check would act on the stale guard before it could be read.
#define READ_GUARD(g) __asm__ volatile("movq %%fs:0x70, %0" : "=r"(g))

// Thread A: leaves a guard behind and exits. It calls nothing after the store (any
// instrumented callee would check against it), so it is exempt from the check itself.
__attribute__((no_split_stack)) static void *thread_a(void *unused) {
  uint64_t g = below_mode ? (((uint64_t)(uintptr_t)__builtin_frame_address(0) - (256u << 10)) &
                             ~(uint64_t)15)
                          : BOGUS_ABOVE;
  stored_guard = g;
  __asm__ volatile("movq %0, %%fs:0x70" : : "r"(g) : "memory");
  return unused;
}

// 100000 small frames (`r * 3 + n` keeps the recursion from becoming a loop): about 11 MB at
// -O0 with gostack's frames, so B gets a 16 MB stack (A too: the same size is what lets glibc
// hand A's cached stack and descriptor to B).
E2E_NOINLINE static uint64_t down(long n, uint64_t acc) {
  if (n == 0)
    return acc;
  uint64_t r = down(n - 1, acc * 31 + (uint64_t)n);
  return r * 3 + (uint64_t)n;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  if (((x ^ y) & 31) == 0)
    down(40, 1); /* instrumented frames above qsort's */
  return (x > y) - (x < y);
}

static char report[200];

E2E_NOINLINE static void run_b(void) {
  uint64_t r = down(DEPTH, 7), want = 7;
  for (long k = DEPTH; k > 0; k--)
    want = want * 31 + (uint64_t)k;
  for (long k = 1; k <= DEPTH; k++)
    want = want * 3 + (uint64_t)k;
  char s[40];
  snprintf(s, sizeof s, "%.3f x=%d", 1.0 / 3.0, 42);
  int arr[256];
  for (int i = 0; i < 256; i++)
    arr[i] = (i * 7919) % 509;
  qsort(arr, 256, sizeof arr[0], cmp_int);
  int sorted = 1;
  for (int i = 1; i < 256; i++)
    sorted &= arr[i - 1] <= arr[i];
  snprintf(report, sizeof report, "B: deep %llx %s [snprintf %s] [qsort %s]",
           (unsigned long long)r, r == want ? "ok" : "BAD", s, sorted ? "ok" : "BAD");
}

// Thread B: records the guard it started with before any check can act on it, then runs
// instrumented code.
__attribute__((no_split_stack)) static void *thread_b(void *unused) {
  uint64_t g;
  READ_GUARD(g);
  seen_guard = g;
  run_b();
  return unused;
}

int main(int argc, char **argv) {
  below_mode = argc > 1 && strcmp(argv[1], "below") == 0;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  E2E_CHECK(pthread_attr_setstacksize(&attr, (size_t)16 << 20) == 0);
  pthread_t a, b;
  E2E_CHECK(pthread_create(&a, &attr, thread_a, NULL) == 0);
  E2E_CHECK(pthread_join(a, NULL) == 0);
  if (below_mode)
    printf("A: stored SP-256K\n");
  else
    printf("A: stored %llx\n", (unsigned long long)stored_guard);
  E2E_CHECK(pthread_create(&b, &attr, thread_b, NULL) == 0);
  E2E_CHECK(pthread_join(b, NULL) == 0);
  pthread_attr_destroy(&attr);
  printf("B: started with A's guard: %s\n", seen_guard == stored_guard ? "yes" : "no");
  printf("%s\n", report);
  return e2e_finish("foreign_thread_stale_guard");
}

// Callbacks from uninstrumented code that recurse far deeper than the thread's system stack:
// qsort's and bsearch's comparators recursing 100,000 frames of ~250 bytes (about 25 MB; the
// main thread's stack is 8 MB), nested qsort inside a comparator, and foreign calls (snprintf, strtod) made
// at the bottom of that recursion. glibc's qsort frames sit below the comparator, so the stack
// it runs on cannot be copied: the runtime links segments (docs/design.md, "Foreign calls").
// A backtrace taken at the bottom reaches the task frame that called qsort. A longjmp from the
// bottom of such a recursion back into the task leaves the segments (and the
// system stack) behind; later callbacks link them again. Afterwards the task's own stack still
// grows by copying.
//
// The depth is fixed (not %depth_big): the comparator runs on the system stack, where
// GOSTACK_MOVESTACK forces nothing, so it costs the same in every mode.
//
// RUN: %plain-cc -O0 %s -o %t.p0 -lpthread
// RUN: %plain-cc -O2 %s -o %t.p2 -lpthread
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.p0 100000 %depth_mid > %t.p0.out
// RUN: %t.p2 100000 %depth_mid > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 100000 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 100000 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p2.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: qsort: sorted=1 deep-calls=3 bad=0 backtrace-crosses=1
// OUT-NEXT: bsearch: found=8 bad=0
// OUT-NEXT: nested qsort: sorted=1 inner-sorted=3 bad=0
// OUT-NEXT: longjmp out of a callback: escaped=1 sorted=1 bad=0
// OUT-NEXT: longjmp out of a callback: escaped=2 sorted=1 bad=0
// OUT-NEXT: after callbacks: bad=0 checksum={{[0-9a-f]+}}
// OUT-NEXT: callback_segments: ok
//
// STATS: callbacks: segment_links_positive=1
// STATS: after callbacks: task=1
// STATS: after callbacks: grew=1

#include "Inputs/e2e.h"

#include <execinfo.h>
#include <setjmp.h>

#define N 64
#define BALLAST 24 // uint64_t words per frame: ~250-byte frames

static long deep_depth;
static long bad;
static uint64_t sum;

// Backtraces cross the links: from the bottom of the first deep recursion, the unwinder (CFI)
// must get through every segment link, qsort's frames and the system-stack switch back to the
// task frame that called qsort, whose return address run() records.
static uintptr_t run_ra;
static int backtrace_crosses = -1;

E2E_NOINLINE static void check_backtrace(void) {
  static void *frames[150000];
  int n = backtrace(frames, 150000);
  backtrace_crosses = 0;
  for (int i = 0; i < n; i++)
    if ((uintptr_t)frames[i] == run_ra)
      backtrace_crosses = 1;
}

// Recursion whose frames stay on the stack it runs on (ballast checked on the way back); its
// bottom calls into the C library, in place, on whatever segment it reached.
E2E_NOINLINE static uint64_t deep(long n, uint64_t h) {
  uint64_t pad[BALLAST];
  E2E_BALLAST_SET(pad, BALLAST, 5, h);
  uint64_t r;
  if (n == 0) {
    if (backtrace_crosses < 0)
      check_backtrace();
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f/%llu", 1.5 + (double)(h % 1000), (unsigned long long)h);
    r = (uint64_t)(strtod(buf, NULL) * 1000) ^ strlen(buf);
  } else {
    r = deep(n - 1, e2e_mix(h, (uint64_t)n));
  }
  E2E_BALLAST_CHECK(pad, BALLAST, 5, h, bad);
  return e2e_mix(r, (uint64_t)n);
}

static int deep_calls;

// Recurses deep on three comparisons, so segments are linked, unlinked and reused.
static int cmp_deep(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  if (x == 5 || x == 40 || x == 63) {
    if (deep_calls < 3) {
      deep_calls++;
      sum = e2e_mix(sum, deep(deep_depth, (uint64_t)x));
    }
  }
  return (x > y) - (x < y);
}

static int inner_sorted;

static int cmp_plain(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

// A comparator that calls qsort itself: foreign frames, callback, foreign frames, callback.
static int cmp_nested(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  if (x == 7 && inner_sorted < 3) {
    int inner[N];
    for (int i = 0; i < N; i++)
      inner[i] = (i * 29 + 3) % N;
    deep_calls = 0;
    qsort(inner, N, sizeof inner[0], cmp_deep);
    int ok = 1;
    for (int i = 0; i < N; i++)
      ok &= inner[i] == i;
    inner_sorted += ok;
  }
  return (x > y) - (x < y);
}

static jmp_buf escape;
static int escaped;

E2E_NOINLINE static void deep_then_jump(long n) {
  uint64_t pad[BALLAST];
  E2E_BALLAST_SET(pad, BALLAST, 5, (uint64_t)n);
  if (n == 0)
    longjmp(escape, 1);
  deep_then_jump(n - 1);
  E2E_BALLAST_CHECK(pad, BALLAST, 5, (uint64_t)n, bad);
}

static int cmp_escape(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  if (x == 20)
    deep_then_jump(deep_depth);
  return (x > y) - (x < y);
}

// Nothing of this frame is live after the second return but globals (a stack move between
// setjmp and longjmp does not relocate values the IR does not see live across setjmp).
E2E_NOINLINE static void escape_qsort(int *v) {
  if (setjmp(escape) == 0)
    qsort(v, N, sizeof v[0], cmp_escape);
  else
    escaped++;
}

static int sorted(const int *v) {
  for (int i = 0; i < N; i++)
    if (v[i] != i)
      return 0;
  return 1;
}

E2E_NOINLINE static void *run(void *arg) {
  (void)arg;
  run_ra = (uintptr_t)__builtin_return_address(0);
  int v[N];
  for (int i = 0; i < N; i++)
    v[i] = (i * 37 + 11) % N;
  qsort(v, N, sizeof v[0], cmp_deep);
  printf("qsort: sorted=%d deep-calls=%d bad=%ld backtrace-crosses=%d\n", sorted(v), deep_calls,
         bad, backtrace_crosses);

  // Through a pointer: at -O2 <stdlib.h> inlines its own bsearch, whose comparator calls would
  // then run on the task stack; the C library's runs them under its frame.
  void *(*volatile lib_bsearch)(const void *, const void *, size_t, size_t,
                                int (*)(const void *, const void *)) = bsearch;
  int found = 0;
  for (int key = 0; key < N; key += 9) {
    deep_calls = 0;
    const int *hit = lib_bsearch(&key, v, N, sizeof v[0], cmp_deep);
    found += hit && *hit == key;
  }
  printf("bsearch: found=%d bad=%ld\n", found, bad);

  for (int i = 0; i < N; i++)
    v[i] = (i * 13 + 5) % N;
  qsort(v, N, sizeof v[0], cmp_nested);
  printf("nested qsort: sorted=%d inner-sorted=%d bad=%ld\n", sorted(v), inner_sorted, bad);

  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < N; i++)
      v[i] = (i * 37 + 11) % N;
    escape_qsort(v);
    deep_calls = 0;
    qsort(v, N, sizeof v[0], cmp_deep); // links segments again after the jump
    printf("longjmp out of a callback: escaped=%d sorted=%d bad=%ld\n", escaped, sorted(v), bad);
  }
#ifdef __GOSTACK__
  fprintf(stderr, "callbacks: segment_links_positive=%d\n", e2e_info().segment_links > 0);
#endif
  return NULL;
}

static long task_depth;

static void *after(void *arg) {
  (void)arg;
  // With the foreign frames gone, the task's own stack grows by copying again.
  long b = 0;
  e2e_grow(task_depth, 1, &b);
  qsort((int[]){3, 1, 2}, 3, sizeof(int), cmp_plain);
  bad += b;
  printf("after callbacks: bad=%ld checksum=%016llx\n", bad, (unsigned long long)sum);
  e2e_report_growth("after callbacks");
  return NULL;
}

int main(int argc, char **argv) {
  deep_depth = e2e_arg(argc, argv, 1, 100000);
  task_depth = e2e_arg(argc, argv, 2, 2000);
  e2e_run_deep(run, NULL);
  e2e_run_deep(after, NULL);
  return e2e_finish("callback_segments");
}

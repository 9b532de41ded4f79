// C++ exceptions thrown inside callbacks running on linked segments: a qsort comparator that
// recurses 100,000 frames (~25 MB, beyond the 8 MB system stack, so across several segments)
// throws from the bottom; the exception crosses every segment link, glibc's qsort frames and
// the system-stack switch, and is caught in the task above qsort. Destructors of the frames it
// unwinds must all run. A second exception is caught halfway down, inside the callback, crossing
// only some links. Afterwards callbacks and the task's own (copying) growth still work.
//
// RUN: %plain-cxx -O0 %s -o %t.p0 -lpthread
// RUN: %plain-cxx -O2 %s -o %t.p2 -lpthread
// RUN: %gostack-cxx -O0 %s -o %t.g0
// RUN: %gostack-cxx -O2 %s -o %t.g2
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
// OUT: round 0: caught 'bottom {{[0-9]+}}' live=0 bad=0
// OUT-NEXT: round 1: caught 'bottom {{[0-9]+}}' live=0 bad=0
// OUT-NEXT: round 2: caught 'bottom {{[0-9]+}}' live=0 bad=0
// OUT-NEXT: inner catch: caught=1 sorted=1 live=0 bad=0
// OUT-NEXT: after: sorted=1 bad=0
// OUT-NEXT: callback_segments_cxx: ok
//
// STATS: callbacks: segment_links_positive=1
// STATS: after: grew=1

#include "Inputs/e2e.h"

#include <stdexcept>
#include <string>

#define N 32
#define BALLAST 24

static long deep_depth;
static long bad;
static long live; // Guard objects constructed and not yet destroyed

struct Guard {
  long n;
  explicit Guard(long n) : n(n) { live++; }
  ~Guard() { live--; }
};

struct Bottom : std::runtime_error {
  using std::runtime_error::runtime_error;
};

E2E_NOINLINE static uint64_t deep(long n, uint64_t h, long catch_at) {
  uint64_t pad[BALLAST];
  E2E_BALLAST_SET(pad, BALLAST, 5, h);
  Guard g(n);
  uint64_t r;
  if (n == 0)
    throw Bottom("bottom " + std::to_string(h % 100000));
  if (n == catch_at) {
    try {
      r = deep(n - 1, e2e_mix(h, (uint64_t)n), catch_at);
    } catch (const Bottom &) {
      r = 7; // caught inside the callback, halfway down
    }
  } else {
    r = deep(n - 1, e2e_mix(h, (uint64_t)n), catch_at);
  }
  E2E_BALLAST_CHECK(pad, BALLAST, 5, h, bad);
  return r ^ (uint64_t)n;
}

static int calls;
static long catch_at;

extern "C" int cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  if (++calls == 9)
    deep(deep_depth, (uint64_t)x, catch_at);
  return (x > y) - (x < y);
}

extern "C" int cmp_plain(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int sorted(const int *v) {
  for (int i = 0; i < N; i++)
    if (v[i] != i)
      return 0;
  return 1;
}

static void fill(int *v) {
  for (int i = 0; i < N; i++)
    v[i] = (i * 7 + 3) % N;
}

static long task_depth;

static void *run(void *) {
  int v[N];
  catch_at = -1;
  for (int round = 0; round < 3; round++) {
    fill(v);
    calls = 0;
    try {
      qsort(v, N, sizeof v[0], cmp);
      printf("round %d: no exception\n", round);
    } catch (const Bottom &e) {
      printf("round %d: caught '%s' live=%ld bad=%ld\n", round, e.what(), live, bad);
    }
  }
  catch_at = deep_depth / 2;
  fill(v);
  calls = 0;
  int caught = 0;
  try {
    qsort(v, N, sizeof v[0], cmp);
  } catch (const Bottom &) {
    caught = 1; // must not happen: caught inside
  }
  printf("inner catch: caught=%d sorted=%d live=%ld bad=%ld\n", !caught, sorted(v), live, bad);
#ifdef __GOSTACK__
  fprintf(stderr, "callbacks: segment_links_positive=%d\n", e2e_info().segment_links > 0);
#endif
  return nullptr;
}

static void *after(void *) {
  long b = 0;
  e2e_grow(task_depth, 1, &b);
  int v[N];
  fill(v);
  qsort(v, N, sizeof v[0], cmp_plain);
  bad += b;
  printf("after: sorted=%d bad=%ld\n", sorted(v), bad);
  e2e_report_growth("after");
  return nullptr;
}

int main(int argc, char **argv) {
  deep_depth = e2e_arg(argc, argv, 1, 100000);
  task_depth = e2e_arg(argc, argv, 2, 2000);
  e2e_run_deep(run, nullptr);
  e2e_run_deep(after, nullptr);
  return e2e_finish("callback_segments_cxx");
}

// C++ exceptions across a stack that grew (and moved) below the catching frame: thrown at depth,
// caught near the top; caught and rethrown every 1000 levels; destructors of the unwound frames
// run exactly once each. The unwinder walks the moved frames with their CFI, so return addresses
// and saved registers must be where it expects them.
//
// (C++ compiles are slow: one plain -O0 reference build for both gostack builds.)
// RUN: %plain-cxx -O0 %s -o %t.p0
// RUN: %gostack-cxx -O0 %s -o %t.g0
// RUN: %gostack-cxx -O2 %s -o %t.g2
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p0.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: throw from [[D:[0-9]+]]: caught "bottom reached at 0" value=[[D]] dtors=[[N:[0-9]+]] expected=[[N]]
// OUT-NEXT: rethrow chain: caught=[[C:[0-9]+]] expected=[[C]] dtors ok
// OUT-NEXT: after: again ok
// OUT-NEXT: bad=0
// OUT-NEXT: cxx_exceptions: ok
//
// STATS: exceptions: task=1 initial=2048
// STATS: exceptions: grew=1

#include <stdexcept>
#include <string>

#include "Inputs/e2e.h"

static long depth;
static long bad;
static long dtors;

struct Guard {
  long n;
  long pad[3];
  explicit Guard(long n) : n(n) { E2E_BALLAST_SET(pad, 3, 1, n); }
  ~Guard() {
    E2E_BALLAST_CHECK(pad, 3, 1, n, bad);
    dtors++;
  }
};

struct Bottom : std::runtime_error {
  long value;
  Bottom(const std::string &m, long v) : std::runtime_error(m), value(v) {}
};

E2E_NOINLINE static long dive(long n, long top) {
  Guard g(n);
  if (n == 0)
    throw Bottom("bottom reached at " + std::to_string(n), top);
  return dive(n - 1, top) + 1; /* never returns normally */
}

/* Every 1000 levels: catch, count, rethrow. */
static long caught;
E2E_NOINLINE static long dive_rethrow(long n) {
  Guard g(n);
  if (n == 0)
    throw std::runtime_error("deep");
  if (n % 1000 == 0) {
    try {
      return dive_rethrow(n - 1) + 1;
    } catch (const std::runtime_error &) {
      caught++;
      throw;
    }
  }
  return dive_rethrow(n - 1) + 1;
}

E2E_NOINLINE static long plain_rec(long n) {
  long pad[1]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 1, 1, n);
  long r = n ? plain_rec(n - 1) + 1 : 0;
  E2E_BALLAST_CHECK(pad, 1, 1, n, bad);
  return r;
}

static void *body(void *) {
  dtors = 0;
  try {
    dive(depth, depth);
    printf("no exception\n");
    E2E_CHECK(0);
  } catch (const Bottom &b) {
    printf("throw from %ld: caught \"%s\" value=%ld dtors=%ld expected=%ld\n", depth, b.what(),
           b.value, dtors, depth + 1);
    E2E_CHECK(b.value == depth && dtors == depth + 1);
  }
  dtors = 0;
  long expect_caught = depth / 1000;
  try {
    dive_rethrow(depth);
    E2E_CHECK(0);
  } catch (const std::exception &e) {
    E2E_CHECK(std::string(e.what()) == "deep");
  }
  printf("rethrow chain: caught=%ld expected=%ld dtors %s\n", caught, expect_caught,
         dtors == depth + 1 ? "ok" : "bad");
  E2E_CHECK(caught == expect_caught && dtors == depth + 1);
  /* The stack is usable after all that unwinding. */
  bool again = plain_rec(depth) == depth;
  printf("after: again %s\n", again ? "ok" : "bad");
  E2E_CHECK(again);
  printf("bad=%ld\n", bad);
  E2E_CHECK(bad == 0);
  e2e_report_growth("exceptions");
  return (void *)(intptr_t)e2e_finish("cxx_exceptions");
}

int main(int argc, char **argv) {
  /* 100000 -> 10000 levels; movestack (2000) -> 2000. */
  depth = e2e_max(e2e_arg(argc, argv, 1, 100000) / 10, 2000);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

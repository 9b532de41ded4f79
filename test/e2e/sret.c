// Struct returns (sret: the caller passes a pointer to a slot in its own frame) and by-value
// struct arguments (copied into the caller's outgoing-argument area) at depth, while the stack
// grows under them. `wide` also takes more arguments than fit in registers (incoming stack
// arguments: the ARGBYTES that __morestack is told about).
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
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
//
// OUT: big72 x {{[0-9]+}}: [[B:[0-9a-f]+]] expected [[B]]
// OUT-NEXT: huge200 x {{[0-9]+}}: [[H:[0-9a-f]+]] expected [[H]]
// OUT-NEXT: wide x {{[0-9]+}}: [[W:[0-9a-f]+]] expected [[W]]
// OUT-NEXT: bad_args=0
// OUT-NEXT: sret: ok
//
// STATS: sret: task=1 initial=2048
// STATS: sret: grew=1

#include "Inputs/e2e.h"

struct big72 {
  uint64_t a[9];
};

struct huge200 {
  double d[16];
  uint64_t tag[8];
  char name[8];
};

static long depth;
static long bad_args;

E2E_NOINLINE static struct big72 mkbig(long n, uint64_t seed) {
  struct big72 b;
  if (n == 0) {
    for (int i = 0; i < 9; i++)
      b.a[i] = seed + (uint64_t)i;
    return b;
  }
  b = mkbig(n - 1, e2e_mix(seed, 72));
  for (int i = 0; i < 9; i++)
    b.a[i] = b.a[i] * 7 + (uint64_t)i + (uint64_t)n;
  return b;
}

static uint64_t sum72(struct big72 b) {
  uint64_t h = 0;
  for (int i = 0; i < 9; i++)
    h = e2e_mix(h, b.a[i]);
  return h;
}

static struct big72 model_big(long n, uint64_t seed) {
  uint64_t *seeds = malloc((size_t)(n + 1) * sizeof *seeds);
  for (long k = n; k >= 0; k--) {
    seeds[k] = seed;
    seed = e2e_mix(seed, 72);
  }
  struct big72 b;
  for (int i = 0; i < 9; i++)
    b.a[i] = seeds[0] + (uint64_t)i;
  for (long k = 1; k <= n; k++)
    for (int i = 0; i < 9; i++)
      b.a[i] = b.a[i] * 7 + (uint64_t)i + (uint64_t)k;
  free(seeds);
  return b;
}

/* Returns a 200-byte struct built from the one the callee returned; the callee also gets a
 * by-value copy of a 200-byte struct. */
E2E_NOINLINE static struct huge200 mkhuge(long n, struct huge200 in) {
  struct huge200 out;
  if (n == 0) {
    out = in;
    memcpy(out.name, "leaf!!!", 8);
    return out;
  }
  uint64_t tag7 = in.tag[7];
  double d3 = in.d[3];
  struct huge200 next = in;
  next.d[n % 16] += 1.0;
  next.tag[n % 8] ^= (uint64_t)n;
  out = mkhuge(n - 1, next);
  /* `in` is ours (a by-value copy); the callee must not have changed it. */
  if (in.tag[7] != tag7 || in.d[3] != d3 || memcmp(in.name, next.name, 8) != 0)
    bad_args++;
  for (int i = 0; i < 16; i++)
    out.d[i] = out.d[i] * 0.5 + in.d[i];
  return out;
}

static uint64_t sum_huge(const struct huge200 *h) {
  uint64_t s = 0;
  for (int i = 0; i < 16; i++)
    s = e2e_mix(s, (uint64_t)(h->d[i] * 1024.0));
  for (int i = 0; i < 8; i++)
    s = e2e_mix(s, h->tag[i]);
  for (int i = 0; i < 8; i++)
    s = e2e_mix(s, (uint64_t)(unsigned char)h->name[i]);
  return s;
}

/* Independent computation of mkhuge. */
static struct huge200 model_huge(long n, struct huge200 in) {
  struct huge200 *ins = malloc((size_t)(n + 1) * sizeof *ins);
  ins[n] = in;
  for (long k = n; k > 0; k--) {
    ins[k - 1] = ins[k];
    ins[k - 1].d[k % 16] += 1.0;
    ins[k - 1].tag[k % 8] ^= (uint64_t)k;
  }
  struct huge200 out = ins[0];
  memcpy(out.name, "leaf!!!", 8);
  for (long k = 1; k <= n; k++)
    for (int i = 0; i < 16; i++)
      out.d[i] = out.d[i] * 0.5 + ins[k].d[i];
  free(ins);
  return out;
}

static struct big72 wide_args1(long n) {
  struct big72 t;
  for (int i = 0; i < 9; i++)
    t.a[i] = (uint64_t)n * (uint64_t)i;
  return t;
}

static struct big72 wide_args2(long n) {
  struct big72 t;
  for (int i = 0; i < 9; i++)
    t.a[i] = ~(uint64_t)n + (uint64_t)i;
  t.a[0] = ~(uint64_t)n;
  t.a[8] = (uint64_t)n * 3;
  return t;
}

/* 8 integer + 10 double + 2 by-value struct arguments: several go on the stack. */
E2E_NOINLINE static struct big72 wide(long n, long a1, long a2, long a3, long a4, long a5,
                                      long a6, long a7, double d1, double d2, double d3,
                                      double d4, double d5, double d6, double d7, double d8,
                                      double d9, double d10, struct big72 s1, struct big72 s2) {
  if (a1 != n + 1 || a2 != n + 2 || a3 != n + 3 || a4 != n + 4 || a5 != n + 5 ||
      a6 != n + 6 || a7 != n + 7 || d1 != n + 0.5 || d2 != n + 1.5 || d3 != n + 2.5 ||
      d4 != n + 3.5 || d5 != n + 4.5 || d6 != n + 5.5 || d7 != n + 6.5 || d8 != n + 7.5 ||
      d9 != n + 8.5 || d10 != n + 9.5 || s1.a[1] != (uint64_t)n || s1.a[8] != (uint64_t)n * 8 ||
      s2.a[0] != ~(uint64_t)n || s2.a[8] != (uint64_t)n * 3)
    bad_args++;
  struct big72 r;
  if (n == 0) {
    for (int i = 0; i < 9; i++)
      r.a[i] = s1.a[i] ^ s2.a[i];
    return r;
  }
  long m = n - 1;
  r = wide(m, m + 1, m + 2, m + 3, m + 4, m + 5, m + 6, m + 7, m + 0.5, m + 1.5, m + 2.5,
           m + 3.5, m + 4.5, m + 5.5, m + 6.5, m + 7.5, m + 8.5, m + 9.5, wide_args1(m),
           wide_args2(m));
  /* Our own by-value arguments are intact after the callee returned (they live in our
   * caller's frame, which moved). */
  if (s1.a[8] != (uint64_t)n * 8 || s2.a[0] != ~(uint64_t)n || d10 != n + 9.5 || a7 != n + 7)
    bad_args++;
  for (int i = 0; i < 9; i++)
    r.a[i] = r.a[i] * 3 + s1.a[i] + (uint64_t)a1;
  return r;
}

static struct big72 model_wide(long n) {
  struct big72 r, s1 = wide_args1(0), s2 = wide_args2(0);
  for (int i = 0; i < 9; i++)
    r.a[i] = s1.a[i] ^ s2.a[i];
  for (long k = 1; k <= n; k++) {
    s1 = wide_args1(k);
    for (int i = 0; i < 9; i++)
      r.a[i] = r.a[i] * 3 + s1.a[i] + (uint64_t)(k + 1);
  }
  return r;
}

static void *body(void *unused) {
  struct big72 b = mkbig(depth, 5), eb = model_big(depth, 5);
  printf("big72 x %ld: %llx expected %llx\n", depth, (unsigned long long)sum72(b),
         (unsigned long long)sum72(eb));
  E2E_CHECK(memcmp(&b, &eb, sizeof b) == 0);

  struct huge200 in;
  memset(&in, 0, sizeof in);
  for (int i = 0; i < 16; i++)
    in.d[i] = i * 0.25;
  for (int i = 0; i < 8; i++)
    in.tag[i] = 70 + (uint64_t)i;
  long hd = depth / 4;
  struct huge200 h = mkhuge(hd, in), eh = model_huge(hd, in);
  printf("huge200 x %ld: %llx expected %llx\n", hd, (unsigned long long)sum_huge(&h),
         (unsigned long long)sum_huge(&eh));
  E2E_CHECK(sum_huge(&h) == sum_huge(&eh));

  long wd = depth / 4;
  struct big72 w = wide(wd, wd + 1, wd + 2, wd + 3, wd + 4, wd + 5, wd + 6, wd + 7, wd + 0.5,
                        wd + 1.5, wd + 2.5, wd + 3.5, wd + 4.5, wd + 5.5, wd + 6.5, wd + 7.5,
                        wd + 8.5, wd + 9.5, wide_args1(wd), wide_args2(wd));
  struct big72 ew = model_wide(wd);
  printf("wide x %ld: %llx expected %llx\n", wd, (unsigned long long)sum72(w),
         (unsigned long long)sum72(ew));
  E2E_CHECK(memcmp(&w, &ew, sizeof w) == 0);
  printf("bad_args=%ld\n", bad_args);
  E2E_CHECK(bad_args == 0);
  e2e_report_growth("sret");
  return (void *)(intptr_t)e2e_finish("sret");
}

int main(int argc, char **argv) {
  /* 100000 -> 10000 levels (2500 for the 200-byte structs); movestack (2000) -> 400 / 100. */
  depth = e2e_max(e2e_arg(argc, argv, 1, 100000) / 10, 200);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

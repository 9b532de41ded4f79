/* Second translation unit of multi_tu.c (and of mixed_objects.c, where it is compiled by plain
 * clang). */
#include <stdarg.h>

#include "e2e.h" /* frame ballast */
#include "multi_tu.h"

long mt_calls;

E2E_INLINE uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

__attribute__((noinline)) uint64_t mt_walk(long n, uint64_t h, long every, mt_callback cb) {
  uint64_t pad[2]; /* frame ballast (e2e.h) */
  long bad = 0;
  E2E_BALLAST_SET(pad, 2, 1, h ^ (uint64_t)n);
  mt_calls++;
  uint64_t r;
  if (n == 0)
    r = h;
  else if (n % every == 0)
    r = cb(n - 1, mix(h, 1));
  else
    r = mt_walk(n - 1, mix(h, 2), every, cb);
  E2E_BALLAST_CHECK(pad, 2, 1, h ^ (uint64_t)n, bad);
  return r * 3 + (bad ? 1000000007u : 0);
}

__attribute__((noinline)) struct mt_pair mt_make(long n, uint64_t seed) {
  struct mt_pair p;
  if (n == 0) {
    for (int i = 0; i < 10; i++)
      p.v[i] = seed + (uint64_t)i;
    return p;
  }
  p = mt_make(n - 1, mix(seed, 3));
  for (int i = 0; i < 10; i++)
    p.v[i] += (uint64_t)n * (uint64_t)(i + 1);
  return p;
}

__attribute__((noinline)) uint64_t mt_vsum(long depth, int count, ...) {
  va_list ap;
  va_start(ap, count);
  uint64_t s = 0;
  for (int i = 0; i < count; i++)
    s = mix(s, (uint64_t)va_arg(ap, long));
  va_end(ap);
  if (depth == 0)
    return s;
  return s + mt_vsum(depth - 1, 8, depth, depth + 1, depth + 2, depth + 3, depth + 4, depth + 5,
                     depth + 6, depth + 7);
}

__attribute__((noinline)) void mt_bump_at_depth(long n, long *target) {
  long pad[1], bad = 0; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 1, 1, n);
  if (n == 0) {
    *target += 1;
    return;
  }
  mt_bump_at_depth(n - 1, target);
  E2E_BALLAST_CHECK(pad, 1, 1, n, bad);
  if (bad)
    *target += 1000;
}

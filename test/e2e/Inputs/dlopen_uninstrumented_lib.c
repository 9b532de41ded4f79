/* An uninstrumented shared library (built by plain clang in dlopen_uninstrumented.test, never by
 * gostack-clang): no prologue checks, no stack maps, frames of the sizes real library code has.
 * It calls back into its caller, which is instrumented, from inside its own recursion and from
 * inside qsort. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef long (*plain_cb)(long level, long x, void *ctx);

/* Recurses `levels` deep in the library; each level formats into a 256-byte buffer and, on the
 * way back up, hands its value to cb. */
__attribute__((noinline)) long plain_walk(long levels, long x, plain_cb cb, void *ctx) {
  char buf[256];
  int n = snprintf(buf, sizeof buf, "level %ld x %ld", levels, x);
  long r = levels > 0 ? plain_walk(levels - 1, x * 7 + levels, cb, ctx) : x;
  r += (long)(unsigned char)buf[n - 1];
  return cb(levels, r, ctx);
}

/* qsort with the caller's comparator: instrumented code called from libc called from here. */
void plain_sort(int *a, size_t n, int (*cmp)(const void *, const void *)) {
  qsort(a, n, sizeof *a, cmp);
}

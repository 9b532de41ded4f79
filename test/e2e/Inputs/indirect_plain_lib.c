/* The uninstrumented shared library of indirect_dlsym.test: compiled by plain clang, so it has
 * no prologue checks and no function table. The program opens it with dlopen and reaches these
 * functions only through dlsym pointers: indirect calls whose targets the runtime does not
 * know, which must therefore run on the system stack. */
#include <stdio.h>
#include <stdlib.h>

typedef long (*indirect_cb)(long);

/* A real frame on whatever stack runs it (the pad is read after the recursive call, so the
 * recursion is not a tail call at any -O level). Every 1000th level calls back into the
 * program, through a pointer. */
__attribute__((noinline)) static long down(long n, indirect_cb cb) {
  volatile char pad[96];
  pad[n % 96] = (char)n;
  long r = n == 0 ? cb(0) : down(n - 1, cb);
  if (n % 1000 == 0)
    r += cb(n);
  return r + pad[n % 96];
}

long plain_recurse(long n, indirect_cb cb) { return down(n, cb); }

/* Formatting and parsing inside the C library: a few KB of stack in glibc. */
long plain_format(char *buf, size_t len, double x) {
  int n = snprintf(buf, len, "%.6f|%e|%g", x, x * 1e10, x / 3);
  char *end;
  double back = strtod(buf, &end);
  return n + (long)(back * 1000);
}

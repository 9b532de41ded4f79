/* A library compiled as a shared object, by gostack-clang -fPIC -shared (or plain clang for the
 * reference): shared_lib.test links an executable against it, dlopen.test loads it at run time.
 * Its recursion runs on the calling task's stack (the library is gostack-compiled: calls into
 * it are direct), so the stack grows and moves while its frames, and its pointers into the
 * executable's frames and into its own, are on it. */
#include <stdint.h>
#include <string.h>

#include "e2e.h"
#include "gs_lib.h"

static long levels;

long gs_lib_levels(void) { return levels; }

E2E_NOINLINE static long walk(long depth, long *acc, long (*cb)(long), long *parent) {
  unsigned char buf[256]; /* frame ballast (e2e.h) */
  long bad = 0;
  levels++;
  *parent += 1; /* the caller's local, one frame up (or the entry's, for the top level) */
  if (depth == 0)
    return *acc;
  E2E_BALLAST_SET(buf, 256, 13, (uint64_t)depth);
  *acc = (long)e2e_mix((uint64_t)*acc, (uint64_t)depth);
  long here = depth; /* updated by the level below through a pointer */
  uint64_t r = (uint64_t)walk(depth - 1, acc, cb, &here);
  r = r * 3 + (uint64_t)here;
  if (depth % 8 == 0)
    r += (uint64_t)cb(depth);
  E2E_BALLAST_CHECK(buf, 256, 13, (uint64_t)depth, bad);
  return (long)(r ^ (bad ? 0xbad : 0));
}

long gs_lib_walk(long depth, long *acc, long (*cb)(long)) {
  long top = 0;
  long r = walk(depth, acc, cb, &top);
  return top == 1 ? r : r ^ 0x7e57;
}

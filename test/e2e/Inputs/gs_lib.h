/* The interface of gs_lib.c, a library built as a shared object (shared_lib.test, dlopen.test).
 * Both builds of it (gostack-clang and plain clang) export the same functions. */
#ifndef GS_LIB_H
#define GS_LIB_H

#include <stdint.h>

/* Recurses depth levels. Each level has a 256-byte frame ballast, folds its level into *acc (a
 * pointer into the caller's frame, handed down unchanged) and keeps a local of its own that the
 * level below reads and updates through a pointer (a pointer into a library frame further up
 * the stack). Every 8th level calls cb(level) (an executable's function, which has frames of
 * its own) on the way back up. Returns a checksum; gs_lib_model() computes the same value
 * without recursion. */
long gs_lib_walk(long depth, long *acc, long (*cb)(long));

/* The number of gs_lib_walk levels run since the library was loaded (a library global). */
long gs_lib_levels(void);

typedef long (*gs_lib_walk_fn)(long, long *, long (*)(long));

/* The value gs_lib_walk(depth, &acc, cb) returns, and acc after it (acc0 before), given
 * cb_model(n) == cb(n). Inline: each executable computes it itself. */
static inline __attribute__((unused)) long gs_lib_model(long depth, long acc0, long *acc_out,
                                                        long (*cb_model)(long)) {
  uint64_t acc = (uint64_t)acc0;
  for (long n = depth; n > 0; n--) {
    acc ^= (uint64_t)n + 0x9e3779b97f4a7c15ull + (acc << 6) + (acc >> 2);
    acc *= 0xff51afd7ed558ccdull;
  }
  /* At the bottom: r = acc. Coming back up, level n (from 1): its local starts at n, the level
   * below added 1 to it through the pointer (level 0 too); r = r * 3 + local, plus cb(n) every
   * 8th level. */
  uint64_t r = acc;
  for (long n = 1; n <= depth; n++) {
    r = r * 3 + (uint64_t)(n + 1);
    if (n % 8 == 0)
      r += (uint64_t)cb_model(n);
  }
  *acc_out = (long)acc;
  return (long)r;
}

#endif /* GS_LIB_H */

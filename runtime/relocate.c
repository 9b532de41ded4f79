// Conservative relocation of a moved stack range. The invariant that makes adjusting every
// word that looks like a pointer into the old stack sufficient is in docs/design.md,
// "Relocation"; this is the hot loop of a stack move, so it stays a plain scan.
#include "adjustframes.h"
#include "internal.h"

#include <stdbool.h>
#include <string.h>

// One word per step, without a branch: whether a word points into the stack is as
// unpredictable as the stack's contents. The count is the test's result summed, so the loop
// vectorizes where the target allows (see relocate_avx2).
static inline __attribute__((always_inline)) size_t relocate_words(uintptr_t *p, uintptr_t *e,
                                                                   uintptr_t old_lo,
                                                                   uintptr_t span, uintptr_t d) {
  size_t changed = 0;
  for (; p < e; p++) {
    uintptr_t w = *p;
    uintptr_t in = w - old_lo < span;
    *p = w + (d & -in);
    changed += in;
  }
  return changed;
}

// The same loop built for AVX2, four words per step. The runtime may use AVX here: __morestack
// saved the task's vector state before calling into C (runtime/vectorstate.c).
__attribute__((target("avx2"))) static size_t relocate_avx2(uintptr_t *p, uintptr_t *e,
                                                            uintptr_t old_lo, uintptr_t span,
                                                            uintptr_t d) {
  return relocate_words(p, e, old_lo, span, d);
}

static size_t relocate_baseline(uintptr_t *p, uintptr_t *e, uintptr_t old_lo, uintptr_t span,
                                uintptr_t d) {
  return relocate_words(p, e, old_lo, span, d);
}

// The copy and the scan in one pass (copystack's conservative move): each word is read once,
// from the old stack, and written once, relocated, to the new one.
static inline __attribute__((always_inline)) size_t copy_relocate_words(
    uintptr_t *restrict dst, const uintptr_t *restrict src, size_t n, uintptr_t old_lo,
    uintptr_t span, uintptr_t d) {
  size_t changed = 0;
  for (size_t i = 0; i < n; i++) {
    uintptr_t w = src[i];
    uintptr_t in = w - old_lo < span;
    dst[i] = w + (d & -in);
    changed += in;
  }
  return changed;
}

__attribute__((target("avx2"))) static size_t copy_relocate_avx2(uintptr_t *restrict dst,
                                                                 const uintptr_t *restrict src,
                                                                 size_t n, uintptr_t old_lo,
                                                                 uintptr_t span, uintptr_t d) {
  return copy_relocate_words(dst, src, n, old_lo, span, d);
}

static size_t copy_relocate_baseline(uintptr_t *restrict dst, const uintptr_t *restrict src,
                                     size_t n, uintptr_t old_lo, uintptr_t span, uintptr_t d) {
  return copy_relocate_words(dst, src, n, old_lo, span, d);
}

size_t gostack_copy_relocate_conservative(uintptr_t *dst, const uintptr_t *src, size_t nwords,
                                          uintptr_t old_lo, uintptr_t old_hi, intptr_t delta) {
  if (old_hi <= old_lo) {
    memcpy(dst, src, nwords * sizeof *dst);
    return 0;
  }
  if (__builtin_cpu_supports("avx2"))
    return copy_relocate_avx2(dst, src, nwords, old_lo, old_hi - old_lo, (uintptr_t)delta);
  return copy_relocate_baseline(dst, src, nwords, old_lo, old_hi - old_lo, (uintptr_t)delta);
}

size_t gostack_relocate_conservative(uintptr_t *begin, uintptr_t *end, uintptr_t old_lo,
                                     uintptr_t old_hi, intptr_t delta) {
  // Only whole aligned words inside [begin, end): round begin up and end down to 8 bytes.
  uintptr_t *p = (uintptr_t *)(((uintptr_t)begin + 7) & ~(uintptr_t)7);
  uintptr_t *e = (uintptr_t *)((uintptr_t)end & ~(uintptr_t)7);
  if (old_hi <= old_lo || p >= e)
    return 0; // empty range (and keeps the unsigned compare below from wrapping)
  // One unsigned compare: w in [old_lo, old_hi) <=> w - old_lo < old_hi - old_lo. old_hi itself
  // is never an object address (GOSTACK_STACK_TOP_PAD), so it is left alone like old_lo - 1.
  // The modular add handles both directions of delta.
  if (__builtin_cpu_supports("avx2"))
    return relocate_avx2(p, e, old_lo, old_hi - old_lo, (uintptr_t)delta);
  return relocate_baseline(p, e, old_lo, old_hi - old_lo, (uintptr_t)delta);
}

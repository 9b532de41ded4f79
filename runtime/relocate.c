// Conservative relocation of a moved stack range. The invariant that makes adjusting every
// word that looks like a pointer into the old stack sufficient is in docs/design.md,
// "Relocation"; this is the hot loop of a stack move, so it stays a plain scan.
#include "internal.h"

size_t gostack_relocate_conservative(uintptr_t *begin, uintptr_t *end, uintptr_t old_lo,
                                     uintptr_t old_hi, intptr_t delta) {
  // Only whole aligned words inside [begin, end): round begin up and end down to 8 bytes.
  uintptr_t *p = (uintptr_t *)(((uintptr_t)begin + 7) & ~(uintptr_t)7);
  uintptr_t *e = (uintptr_t *)((uintptr_t)end & ~(uintptr_t)7);
  if (old_hi <= old_lo)
    return 0; // empty range (and keeps the unsigned compare below from wrapping)
  // One unsigned compare: w in [old_lo, old_hi) <=> w - old_lo < old_hi - old_lo. old_hi itself
  // is never an object address (GOSTACK_STACK_TOP_PAD), so it is left alone like old_lo - 1.
  const uintptr_t span = old_hi - old_lo;
  const uintptr_t d = (uintptr_t)delta; // modular add handles both directions
  size_t changed = 0;
  for (; p < e; p++) {
    uintptr_t w = *p;
    if (w - old_lo < span) {
      *p = w + d;
      changed++;
    }
  }
  return changed;
}

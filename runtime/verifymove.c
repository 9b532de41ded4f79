// GOSTACK_DEBUG=verifymove: the debug check run after every precise move (newstack.c).

#include "adjustframes.h"

// GOSTACK_DEBUG=verifymove: after a precise move, no word of the new stack may still point
// into the old one. Dead spill slots and integers can legitimately hold such values, so the
// check is for debugging the runtime and the plugin, not a property of every program. The
// report names the frame that holds the word (its function's pc and frame pointer).
void gostack_verify_move(const gostack_move *mv, uintptr_t newsp, entry_kind kind) {
  for (uintptr_t *w = (uintptr_t *)newsp; w < (uintptr_t *)mv->new_hi; w++) {
    if (*w - mv->old_lo >= mv->old_hi - mv->old_lo)
      continue;
    uintptr_t ra, sp, fp;
    if (kind == ENTRY_MORESTACK) {
      gostack_morestack_ctx *c = (gostack_morestack_ctx *)newsp;
      ra = c->f_ret, sp = (uintptr_t)(&c->f_ret + 1), fp = c->rbp;
    } else {
      gostack_allocstack_ctx *c = (gostack_allocstack_ctx *)newsp;
      ra = c->ret, sp = (uintptr_t)(&c->ret + 1), fp = c->rbp;
    }
    // Find the frame [sp, fp + 16) holding w, following the chain as adjustframes.c does.
    while ((uintptr_t)w >= fp + 16 && fp - mv->new_lo < mv->new_hi - mv->new_lo) {
      uintptr_t *record = (uintptr_t *)fp;
      sp = fp + 16;
      ra = record[1];
      fp = record[0];
    }
    gostack_fatalf(ra, fp,
                   "verifymove: after moving task %llu from [%#lx, %#lx) to [%#lx, %#lx), the "
                   "word at %#lx (%s, %ld bytes above its SP) still points into the old stack: "
                   "%#lx",
                   (unsigned long long)mv->task_id, (unsigned long)mv->old_lo,
                   (unsigned long)mv->old_hi, (unsigned long)mv->new_lo,
                   (unsigned long)mv->new_hi, (unsigned long)w,
                   (uintptr_t)w < sp ? "in the runtime's saved context" : "in the frame below",
                   (long)((uintptr_t)w - sp), (unsigned long)*w);
  }
}

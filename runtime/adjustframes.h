// Relocation of a moved stack: the precise walk (adjustframes.c), the conservative strategy's
// one-pass copy (relocate.c), and the move a benchmark can ask for (newstack.c).
#ifndef GOSTACK_RUNTIME_ADJUSTFRAMES_H
#define GOSTACK_RUNTIME_ADJUSTFRAMES_H

#include "task.h"

typedef struct gostack_move_stats {
  size_t frames;   // not counted (kept for the layout verifymove.c initializes)
  size_t slots;    // not counted
  size_t adjusted; // words that pointed into the old stack and were moved
} gostack_move_stats;

typedef struct gostack_move {
  uintptr_t old_lo, old_hi; // the stack being left
  uintptr_t new_lo, new_hi; // the copy (all addresses below refer to it)
  intptr_t delta;           // new - old
  uint64_t task_id;
  gostack_move_stats *stats; // NULL: count nothing (the move's hot loop then has no counter)
} gostack_move;

// How the runtime was entered: what sits at the bottom of the used stack.
typedef enum {
  ENTRY_MORESTACK, // a gostack_morestack_ctx: a function at its entry
  ENTRY_CALL,      // a gostack_allocstack_ctx: an ordinary call from a move point
} entry_kind;

// relocate.c: copies nwords 8-byte words from src to dst (which do not overlap), adding delta to
// each that lies in [old_lo, old_hi), in one pass: the conservative strategy's copy and scan
// (docs/design.md, "The conservative strategy"). Returns how many it changed.
size_t gostack_copy_relocate_conservative(uintptr_t *dst, const uintptr_t *src, size_t nwords,
                                          uintptr_t old_lo, uintptr_t old_hi, intptr_t delta);

// newstack.c: the calling task's next prologue check moves its stack to a stack of `size` bytes
// (0: its current size; a size that cannot hold the used part and the frame becomes the
// smallest class that can), relocating as any growth does. For bench/copystack, which times
// one move; instrumented code calls it directly (a runtime function: no move point itself).
void gostack_request_move(size_t size);

// GOSTACK_DEBUG=verifymove, after a precise move of the context at newsp (verifymove.c).
void gostack_verify_move(const gostack_move *mv, uintptr_t newsp, entry_kind kind);

// The function that called __morestack, at its entry: its pointer arguments.
void gostack_adjust_entry(const gostack_move *mv, gostack_morestack_ctx *ctx);

// Every frame from the one that returns to `ra` (with SP `sp` at its call and frame pointer
// `fp`, all on the new stack) up to the task's base, plus the frame-pointer chain.
void gostack_adjust_frames(const gostack_move *mv, uintptr_t ra, uintptr_t sp, uintptr_t fp);

#endif

// Precise relocation of a moved stack (adjustframes.c).
#ifndef GOSTACK_RUNTIME_ADJUSTFRAMES_H
#define GOSTACK_RUNTIME_ADJUSTFRAMES_H

#include "task.h"

typedef struct gostack_move_stats {
  size_t frames;   // frames described by a stack map
  size_t slots;    // spill slots listed as holding pointers
  size_t adjusted; // words that pointed into the old stack and were moved
} gostack_move_stats;

typedef struct gostack_move {
  uintptr_t old_lo, old_hi; // the stack being left
  uintptr_t new_lo, new_hi; // the copy (all addresses below refer to it)
  intptr_t delta;           // new - old
  uint64_t task_id;
  gostack_move_stats *stats;
} gostack_move;

// How the runtime was entered: what sits at the bottom of the used stack.
typedef enum {
  ENTRY_MORESTACK, // a gostack_morestack_ctx: a function at its entry
  ENTRY_CALL,      // a gostack_allocstack_ctx: an ordinary call from a move point
} entry_kind;

// GOSTACK_DEBUG=verifymove, after a precise move of the context at newsp (verifymove.c).
void gostack_verify_move(const gostack_move *mv, uintptr_t newsp, entry_kind kind);

// The function that called __morestack, at its entry: its pointer arguments.
void gostack_adjust_entry(const gostack_move *mv, gostack_morestack_ctx *ctx);

// Every frame from the one that returns to `ra` (with SP `sp` at its call and frame pointer
// `fp`, all on the new stack) up to the task's base, plus the frame-pointer chain.
void gostack_adjust_frames(const gostack_move *mv, uintptr_t ra, uintptr_t sp, uintptr_t fp);

#endif

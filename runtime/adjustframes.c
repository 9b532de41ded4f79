// Precise relocation: after copystack has copied a task's used stack, adjust exactly the words
// that the compiler says may point into it (docs/design.md, "Precise relocation"). Go's
// adjustframe/adjustpointers, with LLVM stack maps (runtime/stackmap.c) in place of Go's
// pointer bitmaps:
//
//  * the function that called __morestack is at its entry: its pointer arguments are in the
//    saved argument registers and its stack argument slots (the per-function entry table);
//  * every frame above it is suspended at a call site with a stack map: the recorded spill
//    slots (Indirect locations) and va_list records are adjusted;
//  * the saved frame-pointer chain is adjusted;
//  * the walk ends at the task's base (__gostack_task_fn_ret); a frame without a map is fatal.
//
// Every adjustment tests "value in [old.lo, old.hi)" first: a slot may hold a heap or global
// pointer, and a slot listed twice (a base and its derived pointer in one slot) is adjusted
// once, because the new stack never overlaps the old one.

#include "adjustframes.h"

#include "stackmap.h"

// LLVM stack map location kinds and DWARF register numbers (x86-64).
enum { LOC_REGISTER = 1, LOC_DIRECT = 2, LOC_INDIRECT = 3, LOC_CONSTANT = 4, LOC_CONST_INDEX = 5 };
enum { DWARF_RBP = 6, DWARF_RSP = 7 };

// Tags of (tag, object) deopt pairs (plugin/StatepointRewriting.cpp, DeoptVaListTag and
// DeoptSlotTag): a va_list, or a pointer slot an exception path reloads.
#define GOSTACK_DEOPT_VALIST 1
#define GOSTACK_DEOPT_SLOT 2
// Entry-table flag bit: the function's parameters could not be classified.
#define FNINFO_UNKNOWN_LAYOUT (1u << 31)

// Return addresses into the runtime's first frame of a task: the walk ends there.
extern char __gostack_task_fn_ret[];
extern char __gostack_main_fn_ret[] __attribute__((weak)); // only with the main task

static bool is_task_base(uintptr_t ra) {
  return ra == (uintptr_t)__gostack_task_fn_ret ||
         (__gostack_main_fn_ret && ra == (uintptr_t)__gostack_main_fn_ret);
}

static void adjust_word(const gostack_move *mv, uintptr_t *slot) {
  uintptr_t v = *slot;
  if (v - mv->old_lo < mv->old_hi - mv->old_lo) {
    *slot = v + mv->delta;
    mv->stats->adjusted++;
  }
}

static _Noreturn void no_map(const gostack_move *mv, uintptr_t ra, uintptr_t fp, const char *what) {
  gostack_fatalf(ra, fp,
                 "stack move of task %llu (stack [%#lx, %#lx) of %zu bytes): %s at return "
                 "address %#lx; code on a moving stack must be compiled by gostack with stack "
                 "maps (or run with GOSTACK_RELOCATE=conservative)",
                 (unsigned long long)mv->task_id, (unsigned long)mv->old_lo,
                 (unsigned long)mv->old_hi, (size_t)(mv->old_hi - mv->old_lo), what,
                 (unsigned long)ra);
}

static uint64_t constant_of(const gostack_sm_callsite *cs, const gostack_sm_location *l) {
  if (l->type == LOC_CONSTANT)
    return (uint64_t)(int64_t)l->offset;
  if (l->type == LOC_CONST_INDEX)
    return cs->constants[l->offset];
  return UINT64_MAX;
}

// Address a Direct or Indirect location refers to, in a frame whose SP at the call is `sp`
// and whose frame pointer is `fp`.
static uintptr_t location_base(const gostack_move *mv, const gostack_sm_location *l, uintptr_t sp,
                               uintptr_t fp, uintptr_t ra) {
  if (l->dwarf_reg == DWARF_RSP)
    return sp + l->offset;
  if (l->dwarf_reg == DWARF_RBP)
    return fp + l->offset;
  no_map(mv, ra, fp, "stack map location relative to a register other than RSP/RBP");
}

// One frame suspended at call site `cs`.
static void adjust_callsite(const gostack_move *mv, const gostack_sm_callsite *cs, uintptr_t sp,
                            uintptr_t fp, uintptr_t ra) {
  const gostack_sm_location *loc = cs->locations;
  uint32_t n = cs->num_locations;
  // A statepoint record: calling convention, flags, deopt count, deopt values, gc pairs.
  if (n < 3)
    no_map(mv, ra, fp, "stack map record is not a statepoint");
  uint64_t ndeopt = constant_of(cs, &loc[2]);
  if (ndeopt > n - 3)
    no_map(mv, ra, fp, "malformed statepoint record (deopt count)");
  for (uint64_t i = 0; i + 1 < ndeopt; i += 2) {
    const gostack_sm_location *tag = &loc[3 + i], *obj = &loc[3 + i + 1];
    uint64_t kind = constant_of(cs, tag);
    if (obj->type != LOC_DIRECT)
      no_map(mv, ra, fp, "runtime record that is not a frame object");
    uintptr_t *object = (uintptr_t *)location_base(mv, obj, sp, fp, ra);
    if (kind == GOSTACK_DEOPT_VALIST) {
      // x86-64 va_list: { u32 gp_offset, u32 fp_offset, void *overflow_arg_area,
      //                   void *reg_save_area }
      adjust_word(mv, &object[1]);
      adjust_word(mv, &object[2]);
    } else if (kind == GOSTACK_DEOPT_SLOT) {
      adjust_word(mv, &object[0]); // a pointer the landing pad reloads
    } else {
      no_map(mv, ra, fp, "unknown runtime record in stack map");
    }
  }
  for (uint32_t i = 3 + (uint32_t)ndeopt; i < n; i++) {
    const gostack_sm_location *l = &loc[i];
    switch (l->type) {
    case LOC_INDIRECT: {
      // A spill slot holding a live pointer (or a vector of them).
      uintptr_t *slot = (uintptr_t *)location_base(mv, l, sp, fp, ra);
      for (unsigned w = 0; w < l->size / 8u; w++)
        adjust_word(mv, &slot[w]);
      mv->stats->slots++;
      break;
    }
    case LOC_DIRECT:   // an alloca: frame-relative, recomputed after the call
    case LOC_CONSTANT: // a null or constant pointer
    case LOC_CONST_INDEX:
      break;
    default:
      no_map(mv, ra, fp, "live pointer kept in a register across a call");
    }
  }
}

void gostack_adjust_frames(const gostack_move *mv, uintptr_t ra, uintptr_t sp, uintptr_t fp) {
  // Recursion puts the same return address in frame after frame: one lookup serves them all.
  uintptr_t last_ra = 0;
  const gostack_sm_callsite *cs = NULL;
  while (!is_task_base(ra)) {
    if (fp - mv->new_lo >= mv->new_hi - mv->new_lo || (fp & 7))
      no_map(mv, ra, fp, "broken frame-pointer chain");
    if (ra != last_ra || !cs) {
      cs = gostack_stackmap_find(ra);
      last_ra = ra;
    }
    if (!cs)
      no_map(mv, ra, fp, "no stack map for this frame");
    adjust_callsite(mv, cs, sp, fp, ra);
    mv->stats->frames++;
    // The frame record of the function we just described: [fp] = its caller's RBP,
    // [fp + 8] = the return address into its caller.
    uintptr_t *record = (uintptr_t *)fp;
    adjust_word(mv, &record[0]);
    sp = fp + 16;
    ra = record[1];
    fp = record[0];
  }
}

void gostack_adjust_entry(const gostack_move *mv, gostack_morestack_ctx *ctx) {
  uint32_t regs, slots;
  if (!gostack_fninfo_find(ctx->ret_in_f, &regs, &slots))
    no_map(mv, ctx->ret_in_f, ctx->rbp, "function entry without an entry table record");
  if (slots & FNINFO_UNKNOWN_LAYOUT)
    no_map(mv, ctx->ret_in_f, ctx->rbp, "function whose parameters the plugin could not classify");
  uint64_t *args[6] = {&ctx->rdi, &ctx->rsi, &ctx->rdx, &ctx->rcx, &ctx->r8, &ctx->r9};
  for (int i = 0; i < 6; i++)
    if (regs & (1u << i))
      adjust_word(mv, (uintptr_t *)args[i]);
  uintptr_t *stack_args = (uintptr_t *)(&ctx->f_ret + 1);
  for (int i = 0; i < 31; i++)
    if (slots & (1u << i))
      adjust_word(mv, &stack_args[i]);
}

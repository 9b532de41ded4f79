// Precise relocation: after copystack has copied a task's used stack, adjust exactly the words
// that the compiler says may point into it (docs/design.md, "Precise relocation"). Go's
// adjustframe/adjustpointers, with LLVM stack maps (runtime/stackmap.c) in place of Go's
// pointer bitmaps:
//
//  * the function that called __morestack is at its entry: its pointer arguments are in the
//    saved argument registers and its stack argument slots (the per-function entry table);
//  * every frame above it is suspended at a call site with a stack map: the recorded spill
//    slots (Indirect locations) and va_list records are adjusted, from the slot list each
//    call site's record was decoded into at registration;
//  * the saved frame-pointer chain is adjusted;
//  * the walk ends at the task's base (__gostack_task_fn_ret); a frame without a map is fatal.
//
// Every adjustment tests "value in [old.lo, old.hi)" first: a slot may hold a heap or global
// pointer, and a slot listed twice (a base and its derived pointer in one slot) is adjusted
// once, because the new stack never overlaps the old one.

#include "adjustframes.h"

#include "stackmap.h"

// Entry-table flag bit: the function's parameters could not be classified.
#define FNINFO_UNKNOWN_LAYOUT (1u << 31)

// Return addresses into the runtime's first frame of a task: the walk ends there.
extern char __gostack_task_fn_ret[];
extern char __gostack_main_fn_ret[] __attribute__((weak)); // only with the main task

static void adjust_word(const gostack_move *mv, uintptr_t *slot) {
  uintptr_t v = *slot;
  if (v - mv->old_lo < mv->old_hi - mv->old_lo) {
    *slot = v + mv->delta;
    if (mv->stats)
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

// Why the walk found no usable map for the frame returning to ra (the lookup's slow path).
static const char *no_frame_reason(uintptr_t ra) {
  const gostack_sm_callsite *cs = gostack_stackmap_find(ra);
  if (cs && cs->frame && cs->frame->error)
    return gostack_sm_frame_error_string(cs->frame->error);
  return "no stack map for this frame";
}

// The hot loop of a precise move, per frame: a lookup when the return address differs from the
// previous frame's (recursion repeats it), the offsets the call site was decoded into at
// registration (stackmap_parse.c, gostack_sm_decode_frame), the saved frame pointer. Everything
// it needs is in locals (the stack words it writes could alias *mv). A described word is
// adjusted as delta & -(in range), which the compiler may turn into a store of the unchanged
// value: slots hold heap and stack pointers in no predictable order, so a branch would be
// mispredicted. The lookup fails only at the task's base or on an error, so neither is tested
// in the frames between. Counting the adjusted words (verifymove) is compiled in only when
// `count`.
static inline __attribute__((always_inline)) const char *
walk_frames(const gostack_move *mv, uintptr_t *rap, uintptr_t sp, uintptr_t *fpp, size_t *adj,
            bool count) {
  const uintptr_t old_lo = mv->old_lo, old_span = mv->old_hi - mv->old_lo;
  const uintptr_t last_fp = mv->new_hi - 16, delta = (uintptr_t)mv->delta;
  uintptr_t ra = *rap, fp = *fpp;
  size_t adjusted = 0;
  const char *why = NULL;
  gostack_sm_walk walk;
  gostack_stackmap_walk_begin(&walk);
  uintptr_t last_ra = ~ra; // no frame yet
  const gostack_sm_frame *f = NULL;
#define RELOCATE(addr)                                                                           \
  do {                                                                                           \
    uintptr_t *w_ = (uintptr_t *)(addr), v_ = *w_;                                               \
    uintptr_t in_ = v_ - old_lo < old_span;                                                      \
    *w_ = v_ + (delta & -in_);                                                                   \
    if (count)                                                                                   \
      adjusted += in_;                                                                           \
  } while (0)
  for (;;) {
    if (ra != last_ra) {
      f = gostack_stackmap_walk_find(&walk, ra);
      if (__builtin_expect(!f, 0)) {
        if (ra == (uintptr_t)__gostack_task_fn_ret ||
            (__gostack_main_fn_ret && ra == (uintptr_t)__gostack_main_fn_ret))
          break; // the task's first frame: done
        why = no_frame_reason(ra);
        break;
      }
      last_ra = ra;
    }
    // A frame record lies above its callee's (fp >= sp: fp may equal sp when nothing is between
    // the caller's record and its call) and within the new stack, aligned; so the walk also
    // always ends.
    if (__builtin_expect(fp < sp || fp > last_fp || (fp & 7), 0)) {
      why = "broken frame-pointer chain";
      break;
    }
    // The walk waits on each frame's words (the copy left them in L2 at best) and learns the
    // next frame only from this one's record: ask for the lines a few frames up now.
    __builtin_prefetch((const void *)(fp + 512), 1);
    const int32_t *off = gostack_sm_frame_offsets(f), *mid = off + f->num_sp,
                  *end = mid + f->num_fp;
#pragma clang loop unroll(disable)
    for (; off < mid; off++)
      RELOCATE(sp + *off);
#pragma clang loop unroll(disable)
    for (; off < end; off++)
      RELOCATE(fp + *off);
    // The frame record of the function just described: [fp] = its caller's RBP, [fp + 8] = the
    // return address into its caller. The next fp comes from a register, not back from memory.
    uintptr_t *record = (uintptr_t *)fp, next = record[0];
    uintptr_t in = next - old_lo < old_span;
    next += delta & -in;
    record[0] = next;
    if (count)
      adjusted += in;
    ra = record[1];
    sp = fp + 16;
    fp = next;
  }
#undef RELOCATE
  gostack_stackmap_walk_end(&walk);
  *rap = ra;
  *fpp = fp;
  *adj = adjusted;
  return why;
}

void gostack_adjust_frames(const gostack_move *mv, uintptr_t ra, uintptr_t sp, uintptr_t fp) {
  size_t adjusted;
  const char *why = mv->stats ? walk_frames(mv, &ra, sp, &fp, &adjusted, true)
                              : walk_frames(mv, &ra, sp, &fp, &adjusted, false);
  if (mv->stats)
    mv->stats->adjusted += adjusted;
  if (why)
    no_map(mv, ra, fp, why);
}

void gostack_adjust_entry(const gostack_move *mv, gostack_morestack_ctx *ctx) {
  uint32_t regs, slots;
  if (!gostack_fninfo_find(ctx->ret_in_f, &regs, &slots))
    no_map(mv, ctx->ret_in_f, ctx->rbp, "function entry without an entry table record");
  if (slots & FNINFO_UNKNOWN_LAYOUT)
    no_map(mv, ctx->ret_in_f, ctx->rbp, "function whose parameters the plugin could not classify");
  uint64_t *args[6] = {&ctx->rdi, &ctx->rsi, &ctx->rdx, &ctx->rcx, &ctx->r8, &ctx->r9};
  for (regs &= 0x3f; regs; regs &= regs - 1) // the set bits only: usually none or one
    adjust_word(mv, (uintptr_t *)args[__builtin_ctz(regs)]);
  uintptr_t *stack_args = (uintptr_t *)(&ctx->f_ret + 1);
  for (; slots; slots &= slots - 1)
    adjust_word(mv, &stack_args[__builtin_ctz(slots)]);
}

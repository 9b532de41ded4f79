// Growing a task's stack: newstack decides the new size, copystack moves the used part and
// relocates the pointers into it. Go's runtime/stack.go is the model (newstack → copystack →
// adjustframe → adjustpointers); what may point into a stack, and so what must be relocated,
// is the invariant in docs/design.md, "The relocation invariant".
//
// Both entry points run on the thread's system stack, called from runtime/morestack.S with a
// pointer to the registers it saved at the bottom of the task's used stack.

#include "adjustframes.h"
#include "asm_offsets.h"
#include "task.h"

#include <string.h>

// Growth leaves this much beyond the frame that asked, so the next small frame does not
// immediately come back (Go instead relies on doubling; the slack only matters near a class
// boundary).
#define GROWTH_SLACK 256u

static size_t stack_size(gostack_stack s) { return s.hi - s.lo; }

// A stack whose lowest word changed was overrun: something ran below its guard reserve.
static void check_canary(const gostack_task *t, uintptr_t pc, uintptr_t fp) {
  if (*(const uintptr_t *)t->stack.lo != GOSTACK_STACK_CANARY)
    gostack_fatalf(pc, fp,
                   "stack guard corrupted: task %llu overran its stack [%#lx, %#lx) of %zu bytes "
                   "(uninstrumented code or a frame below the %u-byte guard reserve)",
                   (unsigned long long)t->id, (unsigned long)t->stack.lo,
                   (unsigned long)t->stack.hi, stack_size(t->stack), GOSTACK_STACK_GUARD);
}

// Smallest size, doubling from the current one, that leaves `need` bytes below the `used`
// ones plus the guard reserve. Fatal past the limit, like Go's "stack exceeds limit".
static size_t grown_size(const gostack_task *t, size_t used, size_t need, uintptr_t pc,
                         uintptr_t fp) {
  size_t size = stack_size(t->stack);
  while (size - used < need + GOSTACK_STACK_GUARD + GROWTH_SLACK) {
    if (size > gostack_cfg.max_stack / 2)
      gostack_fatalf(pc, fp,
                     "task stack exceeds %zu-byte limit: task %llu needs %zu more bytes with "
                     "%zu in use (stack [%#lx, %#lx) of %zu bytes); GOSTACK_MAXSTACK raises "
                     "the limit",
                     gostack_cfg.max_stack, (unsigned long long)t->id, need, used,
                     (unsigned long)t->stack.lo, (unsigned long)t->stack.hi,
                     stack_size(t->stack));
    size *= 2;
  }
  return size;
}


static void adjust_saved_word(const gostack_move *mv, uint64_t *slot) {
  if (*slot - mv->old_lo < mv->old_hi - mv->old_lo)
    *slot += mv->delta;
}

// Precise relocation of the copy starting at newsp (adjustframes.c does the frames).
static void relocate_precise(const gostack_move *mv, uintptr_t newsp, entry_kind kind) {
  if (kind == ENTRY_MORESTACK) {
    gostack_morestack_ctx *c = (gostack_morestack_ctx *)newsp;
    adjust_saved_word(mv, &c->rbp);
    gostack_adjust_entry(mv, c);
    gostack_adjust_frames(mv, c->f_ret, (uintptr_t)(&c->f_ret + 1), c->rbp);
  } else {
    gostack_allocstack_ctx *c = (gostack_allocstack_ctx *)newsp;
    adjust_saved_word(mv, &c->rbp);
    gostack_adjust_frames(mv, c->ret, (uintptr_t)(&c->ret + 1), c->rbp);
  }
}

// Moves the used part [sp, old.hi) of t's stack to a new stack of `newsize` bytes, keeping
// its distance from the top, and relocates the pointers into the old stack: precisely from
// the stack maps by default, or conservatively (every word of the copy that looks like such a
// pointer) with GOSTACK_RELOCATE=conservative. Returns new address - old address.
static intptr_t copystack(gostack_task *t, size_t newsize, uintptr_t sp, entry_kind kind) {
  gostack_stack old = t->stack;
  gostack_stack new = gostack_stackalloc(newsize);
  size_t used = old.hi - sp;
  intptr_t delta = (intptr_t)(new.hi - old.hi);
  uintptr_t newsp = new.hi - used;
  if (gostack_cfg.relocate == GOSTACK_RELOCATE_CONSERVATIVE) {
    // Only [sp, old.hi) is live: a value below sp can only be a stale address left by a frame
    // that has returned (uninitialized bytes, padding), never a pointer the program may use,
    // so the narrower range avoids most false positives of the conservative scan. The copy
    // and the scan are one pass when the used part is whole words, as the saved context
    // makes it.
    if (((sp | used) & 7) == 0) {
      gostack_copy_relocate_conservative((uintptr_t *)newsp, (const uintptr_t *)sp, used / 8, sp,
                                         old.hi, delta);
    } else {
      memcpy((void *)newsp, (const void *)sp, used);
      gostack_relocate_conservative((uintptr_t *)newsp, (uintptr_t *)new.hi, sp, old.hi, delta);
    }
  } else {
    memcpy((void *)newsp, (const void *)sp, used);
    gostack_move mv = {old.lo, old.hi, new.lo, new.hi, delta, t->id, NULL}; // no counters
    relocate_precise(&mv, newsp, kind);
    if (gostack_cfg.verifymove)
      gostack_verify_move(&mv, newsp, kind);
  }

  gostack_adjust_jmpbufs(t, sp, old.hi, delta);
  t->stack = new;
  t->stackguard0 = gostack_guard_for(t);
  t->moves++;
  if (newsize > stack_size(old))
    t->growths++;
  if (newsize > t->max_size)
    t->max_size = newsize;
  gostack_stackfree(old);
  return delta;
}

// A move asked for with gostack_request_move: the size to move to at the next check on this
// thread, 0 when none is pending.
static __thread size_t requested_move __attribute__((tls_model("initial-exec")));

void gostack_request_move(size_t size) {
  // Runs on the task stack inside the guard reserve: a TLS store and the guard, nothing else.
  requested_move = size ? size : SIZE_MAX;
  gostack_set_guard(GOSTACK_GUARD_POISON);
}

// Common part of the entry points: grow (or, under GOSTACK_MOVESTACK or a requested move, move)
// so that `need` bytes fit below `sp`; returns the relocation delta (0 when nothing moved).
// `request`: a gostack_request_move size (SIZE_MAX: the current one), or 0.
static intptr_t ensure_stack(gostack_task *t, uintptr_t ctx, uintptr_t sp, size_t need,
                             entry_kind kind, uintptr_t pc, uintptr_t fp, size_t request) {
  check_canary(t, pc, fp);
  if (sp <= t->stack.lo || sp > t->stack.hi)
    gostack_fatalf(pc, fp, "task %llu: SP %#lx is outside its stack [%#lx, %#lx)",
                   (unsigned long long)t->id, (unsigned long)sp, (unsigned long)t->stack.lo,
                   (unsigned long)t->stack.hi);
  size_t used = t->stack.hi - ctx;
  size_t newsize = grown_size(t, used, need, pc, fp);
  if (request && request != SIZE_MAX) {
    // Any size class from the minimum to the limit that still holds the used part, the frame
    // and the reserve (newsize, the smallest doubling that does, bounds the search).
    size_t size = gostack_stack_class(request);
    if (size < gostack_cfg.stack_min)
      size = gostack_cfg.stack_min;
    while (size < newsize && (size < used || size - used < need + GOSTACK_STACK_GUARD +
                                                               GROWTH_SLACK))
      size *= 2;
    if (size <= gostack_cfg.max_stack)
      newsize = size;
  }
  if (newsize == stack_size(t->stack) && !gostack_cfg.movestack && !request)
    return 0; // enough room already (the guard was stale)
  return copystack(t, newsize, ctx, kind);
}

// Halves t's stack when a park or yield found it using less than a quarter (sched.c,
// note_shrink) and the frame that is starting still fits with the guard reserve; never below
// the minimum. Returns the relocation delta (0: kept).
static intptr_t maybe_shrink(gostack_task *t, gostack_morestack_ctx *ctx, size_t need) {
  size_t size = stack_size(t->stack), half = size / 2;
  size_t used = t->stack.hi - (uintptr_t)ctx;
  if (half < gostack_cfg.stack_min || used >= size / 4 ||
      half - used < need + GOSTACK_STACK_GUARD + GROWTH_SLACK)
    return 0;
  t->shrinks++;
  return copystack(t, half, (uintptr_t)ctx, ENTRY_MORESTACK);
}

// Bytes a preempted task needs below the context for __morestack's yield: the vector state it
// saves there (it no longer runs on this thread's system stack once it yields) and the
// runtime frames of the switch.
#define PREEMPT_YIELD_FRAMES 512u

gostack_morestack_ctx *gostack_newstack(gostack_morestack_ctx *ctx) {
  gostack_m *m = &gostack_m_tls;
  gostack_task *t = m->curtask;
  size_t request = requested_move; // for this check only, whatever it turns out to be
  requested_move = 0;
  // A check failed on a thread that runs no task: the guard slot held a stale value (glibc
  // recycles thread descriptors with whatever the last thread left in it). Not ours to grow.
  if (!t) {
    gostack_set_guard(0);
    return ctx;
  }
  // A callback from foreign code, on the system stack or a segment: foreign frames below it
  // cannot be moved, so link a segment (segments.c).
  if (m->on_system_stack) {
    // The monitor poisoned the guard just as the task entered the system stack (it only
    // preempts tasks on their own stack): restore the guard and check the frame against it.
    uintptr_t guard = gostack_system_stack_guard(m);
    if (gostack_get_guard() == GOSTACK_GUARD_POISON) {
      gostack_set_guard(guard);
      if (!guard || (uintptr_t)&ctx->f_ret - ctx->r10 >= guard)
        return ctx;
    }
    gostack_fatal_set_entry(ctx->ret_in_f, ctx->f_ret, ctx->rbp);
    gostack_link_segment(m, ctx);
    gostack_fatal_set_entry(0, 0, 0);
    return ctx;
  }
  gostack_fatal_set_entry(ctx->ret_in_f, ctx->f_ret, ctx->rbp);
  // A poisoned guard may also mean a request: preemption (the monitor) or a shrink (sched.c).
  // Clear them first; a request that races in after this is seen at the next check.
  bool preempt = __atomic_exchange_n(&t->preempt, 0, __ATOMIC_ACQ_REL);
  __atomic_store_n(&t->stackguard0, gostack_guard_for(t), __ATOMIC_RELAXED);
  size_t need = ctx->r10;
  if (preempt)
    need += gostack_vector_save_size + 64 + PREEMPT_YIELD_FRAMES;
  intptr_t delta = 0;
  if (t->shrink_pending) {
    t->shrink_pending = 0;
    delta = maybe_shrink(t, ctx, need);
    ctx = (gostack_morestack_ctx *)((uintptr_t)ctx + delta);
  }
  uintptr_t sp = (uintptr_t)&ctx->f_ret; // the checked function's SP at entry
  intptr_t grown = ensure_stack(t, (uintptr_t)ctx, sp, need, ENTRY_MORESTACK, ctx->ret_in_f,
                                ctx->rbp, request);
  gostack_fatal_set_entry(0, 0, 0);
  if (preempt) {
    t->preemptions++;
    m->preempt_yield = 1; // __morestack yields once it is back on the task stack
  }
  gostack_set_guard(t->stackguard0);
  return (gostack_morestack_ctx *)((uintptr_t)ctx + grown);
}

gostack_allocstack_ctx *gostack_allocstack(gostack_allocstack_ctx *ctx) {
  gostack_m *m = &gostack_m_tls;
  gostack_task *t = m->curtask;
  uintptr_t sp = (uintptr_t)(&ctx->ret + 1); // SP after the call returns
  if (!t) {
    gostack_set_guard(0); // as above; the alloca then simply uses this stack
    return ctx;
  }
  if (m->on_system_stack) {
    // A dynamic alloca in a callback: it cannot move to a segment mid-function, so it uses
    // the foreign reserve, as long as that leaves the guard reserve intact.
    uintptr_t lo = gostack_system_stack_lo(m);
    if (lo && (sp - ctx->size < lo + GOSTACK_STACK_GUARD || sp - ctx->size > sp))
      gostack_fatalf(ctx->ret, ctx->rbp,
                     "task %llu: dynamic alloca of %zu bytes in a callback from uninstrumented "
                     "code overflows the system stack (SP %#lx, stack bottom %#lx)",
                     (unsigned long long)t->id, (size_t)ctx->size, (unsigned long)sp,
                     (unsigned long)lo);
    return ctx;
  }
  if (gostack_cfg.relocate == GOSTACK_RELOCATE_PRECISE) {
    // No stack map describes this mid-function call: the plugin put a move point
    // (__gostack_ensure_stack) before the alloca, so there must be room already.
    if (sp - ctx->size < t->stack.lo + GOSTACK_STACK_GUARD / 2 || sp - ctx->size > sp)
      gostack_fatalf(ctx->ret, ctx->rbp,
                     "task %llu: dynamic alloca of %zu bytes without room (stack [%#lx, %#lx)); "
                     "was this code compiled with gostack stack maps?",
                     (unsigned long long)t->id, (size_t)ctx->size,
                     (unsigned long)t->stack.lo, (unsigned long)t->stack.hi);
    gostack_set_guard(t->stackguard0);
    return ctx;
  }
  gostack_fatal_set_entry(ctx->ret, 0, ctx->rbp);
  intptr_t delta = ensure_stack(t, (uintptr_t)ctx, sp, ctx->size, ENTRY_CALL, ctx->ret, ctx->rbp,
                                0);
  gostack_fatal_set_entry(0, 0, 0);
  gostack_set_guard(t->stackguard0);
  return (gostack_allocstack_ctx *)((uintptr_t)ctx + delta);
}

gostack_allocstack_ctx *gostack_ensurestack(gostack_allocstack_ctx *ctx) {
  gostack_m *m = &gostack_m_tls;
  gostack_task *t = m->curtask;
  if (!t || m->on_system_stack)
    return ctx; // not a task stack: nothing to grow (the alloca is unchecked there)
  uintptr_t sp = (uintptr_t)(&ctx->ret + 1);
  gostack_fatal_set_entry(ctx->ret, 0, ctx->rbp);
  intptr_t delta = ensure_stack(t, (uintptr_t)ctx, sp, ctx->size, ENTRY_CALL, ctx->ret, ctx->rbp,
                                0);
  gostack_fatal_set_entry(0, 0, 0);
  gostack_set_guard(t->stackguard0);
  return (gostack_allocstack_ctx *)((uintptr_t)ctx + delta);
}

// Growing a task's stack: newstack decides the new size, copystack moves the used part and
// relocates the pointers into it. Go's runtime/stack.go is the model (newstack → copystack →
// adjustframe → adjustpointers); what may point into a stack, and so what must be relocated,
// is the invariant in docs/design.md, "Relocation".
//
// Both entry points run on the thread's system stack, called from runtime/morestack.S with a
// pointer to the registers it saved at the bottom of the task's used stack.

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

// Moves the used part [sp, old.hi) of t's stack to a new stack of `newsize` bytes, keeping
// its distance from the top, and relocates every word that pointed into the old stack.
// Conservative strategy: every word of the copied region is a candidate; this covers the
// frames, the saved frame-pointer chain and the registers __morestack saved below them.
// Returns new address - old address for everything that moved.
static intptr_t copystack(gostack_task *t, size_t newsize, uintptr_t sp) {
  gostack_stack old = t->stack;
  gostack_stack new = gostack_stackalloc(newsize);
  size_t used = old.hi - sp;
  intptr_t delta = (intptr_t)(new.hi - old.hi);
  uintptr_t newsp = new.hi - used;
  memcpy((void *)newsp, (const void *)sp, used);
  gostack_relocate_conservative((uintptr_t *)newsp, (uintptr_t *)new.hi, old.lo, old.hi, delta);

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

// Common part of both entry points: grow (or, under GOSTACK_MOVESTACK, move) so that `need`
// bytes fit below `sp`; returns the relocation delta (0 when nothing moved).
static intptr_t ensure_stack(gostack_task *t, uintptr_t ctx, uintptr_t sp, size_t need,
                             uintptr_t pc, uintptr_t fp) {
  check_canary(t, pc, fp);
  if (sp <= t->stack.lo || sp > t->stack.hi)
    gostack_fatalf(pc, fp, "task %llu: SP %#lx is outside its stack [%#lx, %#lx)",
                   (unsigned long long)t->id, (unsigned long)sp, (unsigned long)t->stack.lo,
                   (unsigned long)t->stack.hi);
  size_t used = t->stack.hi - ctx;
  size_t newsize = grown_size(t, used, need, pc, fp);
  if (newsize == stack_size(t->stack) && !gostack_cfg.movestack)
    return 0; // enough room already (the guard was stale)
  return copystack(t, newsize, ctx);
}

gostack_morestack_ctx *gostack_newstack(gostack_morestack_ctx *ctx) {
  gostack_m *m = &gostack_m_tls;
  gostack_task *t = m->curtask;
  // A check failed on a thread (or a system stack) that runs no task: the guard slot held a
  // stale value, e.g. from a recycled thread descriptor. Such stacks are not ours to grow.
  if (!t || m->on_system_stack) {
    gostack_set_guard(0);
    return ctx;
  }
  uintptr_t sp = (uintptr_t)&ctx->f_ret; // the checked function's SP at entry
  intptr_t delta = ensure_stack(t, (uintptr_t)ctx, sp, ctx->r10, ctx->ret_in_f, ctx->rbp);
  gostack_set_guard(t->stackguard0);
  return (gostack_morestack_ctx *)((uintptr_t)ctx + delta);
}

gostack_allocstack_ctx *gostack_allocstack(gostack_allocstack_ctx *ctx) {
  gostack_m *m = &gostack_m_tls;
  gostack_task *t = m->curtask;
  if (!t || m->on_system_stack) {
    gostack_set_guard(0); // as above; the alloca then simply uses this stack
    return ctx;
  }
  uintptr_t sp = (uintptr_t)(&ctx->ret + 1); // SP after the call returns
  intptr_t delta = ensure_stack(t, (uintptr_t)ctx, sp, ctx->size, ctx->ret, ctx->rbp);
  gostack_set_guard(t->stackguard0);
  return (gostack_allocstack_ctx *)((uintptr_t)ctx + delta);
}

gostack_allocstack_ctx *gostack_ensurestack(gostack_allocstack_ctx *ctx) {
  gostack_m *m = &gostack_m_tls;
  gostack_task *t = m->curtask;
  if (!t || m->on_system_stack)
    return ctx; // not a task stack: nothing to grow (the alloca is unchecked there)
  uintptr_t sp = (uintptr_t)(&ctx->ret + 1);
  intptr_t delta = ensure_stack(t, (uintptr_t)ctx, sp, ctx->size, ctx->ret, ctx->rbp);
  gostack_set_guard(t->stackguard0);
  return (gostack_allocstack_ctx *)((uintptr_t)ctx + delta);
}

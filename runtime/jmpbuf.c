// jmp_buf records: setjmp saved SP and RBP (and callee-saved registers) of a frame on the task's
// moving stack; a move must update them or a later longjmp returns to the old stack. The
// plugin registers each buffer after every setjmp-family call and unregisters it when the
// calling function returns (plugin/JmpBufRecords.cpp). docs/design.md, "The relocation
// invariant", item 4.
//
// glibc's x86-64 jmp_buf: rbx, rbp, r12, r13, r14, r15, rsp, pc; rbp, rsp and pc are mangled:
// xor with the thread's pointer guard (%fs:0x30), then rotate left by 17 (PTR_MANGLE).

// The runtime's own jump must be the plain one: with _FORTIFY_SOURCE, <setjmp.h> redirects
// siglongjmp to __longjmp_chk, which refuses a jump from the system stack up to a task stack
// mapped below it.
#undef _FORTIFY_SOURCE

#include "task.h"

#include <setjmp.h>
#include <stdlib.h>

enum { JB_RBX, JB_RBP, JB_R12, JB_R13, JB_R14, JB_R15, JB_RSP, JB_PC };
#define PTR_MANGLE_ROTATE 17

static uintptr_t pointer_guard(void) {
  uintptr_t g;
  __asm__("movq %%fs:0x30, %0" : "=r"(g));
  return g;
}

static uintptr_t demangle(uintptr_t v) {
  v = (v >> PTR_MANGLE_ROTATE) | (v << (64 - PTR_MANGLE_ROTATE));
  return v ^ pointer_guard();
}

static uintptr_t mangle(uintptr_t v) {
  v ^= pointer_guard();
  return (v << PTR_MANGLE_ROTATE) | (v >> (64 - PTR_MANGLE_ROTATE));
}

struct grow_req {
  gostack_task *t;
};

// Runs on the system stack: realloc needs more than the guard reserve.
static void grow_on_system_stack(void *p) {
  gostack_task *t = ((struct grow_req *)p)->t;
  size_t cap = t->jmpbuf_cap ? t->jmpbuf_cap * 2 : 8;
  void **bufs = realloc(t->jmpbufs, cap * sizeof *bufs);
  if (!bufs)
    gostack_fatalf(0, 0, "task %llu: out of memory recording %zu jmp_bufs",
                   (unsigned long long)t->id, cap);
  t->jmpbufs = bufs;
  t->jmpbuf_cap = cap;
}

void __gostack_jmpbuf_register(void *buf) {
  gostack_task *t = gostack_m_tls.curtask;
  if (!t || gostack_m_tls.on_system_stack)
    return; // not on a moving stack
  for (size_t i = 0; i < t->njmpbufs; i++)
    if (t->jmpbufs[i] == buf)
      return; // setjmp returned again (after a longjmp), or a loop
  if (t->njmpbufs == t->jmpbuf_cap) {
    struct grow_req r = {t};
    __gostack_systemstack_call(grow_on_system_stack, &r);
  }
  t->jmpbufs[t->njmpbufs++] = buf;
}

void __gostack_jmpbuf_unregister(void *buf) {
  gostack_task *t = gostack_m_tls.curtask;
  if (!t)
    return;
  for (size_t i = 0; i < t->njmpbufs; i++)
    if (t->jmpbufs[i] == buf) {
      t->jmpbufs[i] = t->jmpbufs[--t->njmpbufs];
      return;
    }
}

static void adjust(uintptr_t *w, uintptr_t live_lo, uintptr_t old_hi, intptr_t delta) {
  if (*w - live_lo < old_hi - live_lo)
    *w += delta;
}

void gostack_adjust_jmpbufs(gostack_task *t, uintptr_t live_lo, uintptr_t old_hi,
                            intptr_t delta) {
  for (size_t i = 0; i < t->njmpbufs;) {
    uintptr_t *jb = t->jmpbufs[i];
    uintptr_t sp = demangle(jb[JB_RSP]);
    if (sp - live_lo >= old_hi - live_lo) {
      // Its frame has returned (or it belongs to another stack): drop the record.
      t->jmpbufs[i] = t->jmpbufs[--t->njmpbufs];
      continue;
    }
    jb[JB_RSP] = mangle(sp + delta);
    uintptr_t bp = demangle(jb[JB_RBP]);
    adjust(&bp, live_lo, old_hi, delta);
    jb[JB_RBP] = mangle(bp);
    // The setjmp caller's frame, conservatively. After the second return its code uses values
    // computed before setjmp -- addresses of locals, pointers in spill slots -- that the IR
    // does not see live across the call, so no stack map describes them at the move points
    // between setjmp and longjmp (docs/design.md, "setjmp and longjmp").
    if (bp > sp + delta && bp - (sp + delta) <= old_hi - live_lo)
      for (uintptr_t *w = (uintptr_t *)(sp + delta); w < (uintptr_t *)(bp + 16); w++)
        adjust(w, live_lo, old_hi, delta);
    // Callee-saved registers at the setjmp: no map describes them.
    adjust(&jb[JB_RBX], live_lo, old_hi, delta);
    for (int r = JB_R12; r <= JB_R15; r++)
      adjust(&jb[r], live_lo, old_hi, delta);
    i++;
  }
}

// ---- longjmp ----------------------------------------------------------------------------------

// glibc's fortified longjmp (<setjmp.h> redirects to it at _FORTIFY_SOURCE >= 1).
extern _Noreturn void __longjmp_chk(struct __jmp_buf_tag env[1], int val);

// A jump to a frame on the running task's stack returns to task code: whatever it leaves -- a
// signal handler (guard 0, on_system_stack set: signals.c), a callback on the system stack --
// the task must run with its own guard again, or its prologue checks would all pass and it
// would overrun its stack. Returns whether the jump crosses from another stack.
static bool enter_task_for_jump(struct __jmp_buf_tag *env) {
  gostack_m *m = &gostack_m_tls;
  gostack_task *t = m->curtask;
  if (!t)
    return false;
  uintptr_t sp = demangle(((uintptr_t *)env)[JB_RSP]);
  if (sp - t->stack.lo >= t->stack.hi - t->stack.lo) {
    // A jump within the system stack, a segment or a signal stack: the linked segments above
    // the target are left for good (segments.c).
    gostack_unlink_segments_above(m, sp);
    return false;
  }
  uintptr_t here = (uintptr_t)__builtin_frame_address(0);
  m->curseg = NULL; // every linked segment is left behind (they stay cached)
  m->on_system_stack = 0;
  gostack_set_guard(t->stackguard0);
  return here - t->stack.lo >= t->stack.hi - t->stack.lo;
}

// longjmp, _longjmp and siglongjmp (one function in glibc: it restores the signal mask when the
// buffer saved one). The plugin calls these instead (plugin/JmpBufRecords.cpp).
_Noreturn void __gostack_longjmp(struct __jmp_buf_tag env[1], int val) {
  enter_task_for_jump(env);
  siglongjmp(env, val);
}

// __longjmp_chk checks that the jump goes up the current stack (or leaves a signal stack); a
// jump from the system stack or a segment into a task crosses stacks legitimately, so only that
// one bypasses the check.
_Noreturn void __gostack_longjmp_chk(struct __jmp_buf_tag env[1], int val) {
  if (enter_task_for_jump(env))
    siglongjmp(env, val);
  __longjmp_chk(env, val);
}

// jmp_buf records: setjmp saved SP and RBP (and callee-saved registers) of a frame on the task's
// moving stack; a move must update them or a later longjmp returns to the old stack. The
// plugin registers each buffer after every setjmp-family call and unregisters it when the
// calling function returns (plugin/JmpBufRecords.cpp). docs/design.md, "The relocation
// invariant", item 4.
//
// glibc's x86-64 jmp_buf: rbx, rbp, r12, r13, r14, r15, rsp, pc; rbp, rsp and pc are mangled:
// xor with the thread's pointer guard (%fs:0x30), then rotate left by 17 (PTR_MANGLE).

#include "task.h"

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
    // Callee-saved registers at the setjmp: no map describes them.
    adjust(&jb[JB_RBX], live_lo, old_hi, delta);
    for (int r = JB_R12; r <= JB_R15; r++)
      adjust(&jb[r], live_lo, old_hi, delta);
    i++;
  }
}

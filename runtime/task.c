// Tasks: the initial frame of a new task, the per-thread state the assembly reads,
// configuration, unwinding across the system-stack switch, and the stack-information part of
// the C API (include/gostack/gostack.h). Scheduling is sched.c.
//
// Runtime functions that user code calls directly (gostack_*) run on the task's stack, inside
// its guard reserve, because the plugin exempts them from system-stack routing. They therefore
// do their real work (malloc, mmap) through __gostack_systemstack_call and keep their own
// frames small.

#include "scheduler.h"

#include "asm_offsets.h"
#include "gostack/gostack.h"
#include "signals.h"

#include <elf.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unwind.h>

_Static_assert(offsetof(gostack_m, curtask) == M_CURTASK, "asm_offsets.h");
_Static_assert(offsetof(gostack_m, g0_sp) == M_G0_SP, "asm_offsets.h");
_Static_assert(offsetof(gostack_m, on_system_stack) == M_ON_SYSTEM_STACK, "asm_offsets.h");
_Static_assert(offsetof(gostack_m, g0_guard) == M_G0_GUARD, "asm_offsets.h");
_Static_assert(offsetof(gostack_m, curseg) == M_CURSEG, "asm_offsets.h");
_Static_assert(offsetof(gostack_m, link_sp) == M_LINK_SP, "asm_offsets.h");
_Static_assert(offsetof(gostack_m, preempt_yield) == M_PREEMPT_YIELD, "asm_offsets.h");
_Static_assert(offsetof(gostack_m, p) == M_P, "asm_offsets.h");
_Static_assert(offsetof(gostack_segment, prev) == SEG_PREV, "asm_offsets.h");
_Static_assert(offsetof(gostack_segment, saved_guard) == SEG_SAVED_GUARD, "asm_offsets.h");
_Static_assert(offsetof(struct gostack_task, stackguard0) == TASK_STACKGUARD0, "asm_offsets.h");
_Static_assert(offsetof(struct gostack_task, fn) == TASK_FN, "asm_offsets.h");
_Static_assert(offsetof(struct gostack_task, arg) == TASK_ARG, "asm_offsets.h");
_Static_assert(offsetof(gostack_morestack_ctx, rbp) == MORESTACK_CTX_RBP, "asm_offsets.h");
_Static_assert(offsetof(gostack_allocstack_ctx, rbp) == ALLOCSTACK_CTX_RBP, "asm_offsets.h");
// __morestack's pushes plus its return address: the 256 bytes GOSTACK_STACK_GUARD budgets.
_Static_assert(offsetof(gostack_morestack_ctx, f_ret) == 256, "morestack frame size changed");

__thread gostack_m gostack_m_tls __attribute__((tls_model("initial-exec")));

// Instrumented code refers to these weakly (plugin/GostackPass.cpp); this strong reference
// links them into every program that uses the runtime.
extern void __morestack(void);
extern void __morestack_allocate_stack_space(void);
extern void __morestack_non_split(void);
__attribute__((used)) static void (*const keep_morestack[])(void) = {
    __morestack, __morestack_allocate_stack_space, __morestack_non_split};

gostack_config gostack_cfg = {
    .stack_min = GOSTACK_STACK_MIN,
    .max_stack = GOSTACK_MAXSTACK_DEFAULT,
    .movestack = false,
    .main_task = true,
    .relocate = GOSTACK_RELOCATE_PRECISE,
    .verifymove = false,
    .foreign_reserve = GOSTACK_FOREIGN_RESERVE_DEFAULT,
};

static int runtime_ready;

static size_t env_size(const char *name, size_t fallback) {
  const char *s = getenv(name);
  size_t v;
  if (!s || !*s)
    return fallback;
  if (!gostack_parse_size(s, &v))
    gostack_fatalf(0, 0, "%s=%s is not a size (examples: 2048, 64k, 1M, 1G)", name, s);
  return v;
}

static bool env_flag(const char *name, bool fallback) {
  const char *s = getenv(name);
  if (!s || !*s)
    return fallback;
  return !(s[0] == '0' && s[1] == 0);
}

// The executable's dynamic section (linker-defined; absent in a static link).
extern ElfW(Dyn) _DYNAMIC[] __attribute__((weak));

// Lazy PLT binding runs the dynamic linker's resolver (1-3 KB of stack for its xsave area) on
// whatever stack makes a library call first; from a task that can be a 2 KB stack. gostack-clang
// links with -z now; say so when something else linked this program.
static void warn_if_lazy_binding(void) {
  const char *env = getenv("LD_BIND_NOW");
  if (!_DYNAMIC || (env && *env))
    return;
  for (const ElfW(Dyn) *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_BIND_NOW || (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_BIND_NOW)) ||
        (d->d_tag == DT_FLAGS_1 && (d->d_un.d_val & DF_1_NOW)))
      return;
  }
  fputs("gostack: warning: this program was linked with lazy binding; link with -Wl,-z,now "
        "(gostack-clang does), or the first call of a library function may overrun a task "
        "stack\n", stderr);
}

void gostack_runtime_init(void) {
  if (__atomic_load_n(&runtime_ready, __ATOMIC_ACQUIRE))
    return;
  size_t min = env_size("GOSTACK_STACK_MIN", GOSTACK_STACK_MIN);
  size_t cls = gostack_stack_class(min < GOSTACK_STACK_MIN ? GOSTACK_STACK_MIN : min);
  if (!cls)
    gostack_fatalf(0, 0, "GOSTACK_STACK_MIN=%zu is too large", min);
  gostack_cfg.stack_min = cls;
  gostack_cfg.max_stack = env_size("GOSTACK_MAXSTACK", GOSTACK_MAXSTACK_DEFAULT);
  if (gostack_cfg.max_stack < gostack_cfg.stack_min)
    gostack_fatalf(0, 0, "GOSTACK_MAXSTACK=%zu is below the initial stack size %zu",
                   gostack_cfg.max_stack, gostack_cfg.stack_min);
  gostack_cfg.foreign_reserve =
      env_size("GOSTACK_FOREIGN_RESERVE", GOSTACK_FOREIGN_RESERVE_DEFAULT);
  gostack_cfg.movestack = env_flag("GOSTACK_MOVESTACK", false);
  gostack_cfg.main_task = env_flag("GOSTACK_MAIN_TASK", true);
  const char *reloc = getenv("GOSTACK_RELOCATE");
  if (reloc && *reloc) {
    if (!strcmp(reloc, "precise"))
      gostack_cfg.relocate = GOSTACK_RELOCATE_PRECISE;
    else if (!strcmp(reloc, "conservative"))
      gostack_cfg.relocate = GOSTACK_RELOCATE_CONSERVATIVE;
    else
      gostack_fatalf(0, 0, "GOSTACK_RELOCATE=%s: expected precise or conservative", reloc);
  }
  const char *debug = getenv("GOSTACK_DEBUG");
  gostack_cfg.verifymove = debug && strstr(debug, "verifymove");
  warn_if_lazy_binding();
  gostack_signals_init();
  __atomic_store_n(&runtime_ready, 1, __ATOMIC_RELEASE);
}

uintptr_t gostack_guard_for(const gostack_task *t) {
  // GOSTACK_MOVESTACK: a guard no SP is above, so every instrumented entry calls __morestack,
  // which moves the stack even when the frame fits (Go's mayMoreStackMove).
  return gostack_cfg.movestack ? GOSTACK_GUARD_POISON : t->stack.lo + GOSTACK_STACK_GUARD;
}

void gostack_set_guard(uintptr_t guard) {
  __asm__ volatile("movq %0, %%fs:%c1" ::"r"(guard), "i"(TCB_STACK_GUARD) : "memory");
}

// ---- Creating and running tasks -----------------------------------------------------------

// The context gostack_switch pops for a task that has not run yet (switch.S): MXCSR + x87
// control word, r15..r12, rbx = the task, rbp = 0, then the trampoline as return address.
enum { INITIAL_FRAME_WORDS = 8 };

void gostack_task_init_frame(gostack_task *t) {
  uintptr_t top = t->stack.hi - GOSTACK_STACK_TOP_PAD; // 16-byte aligned
  // After the trampoline's "return", RSP = top: 16-byte aligned for its call.
  uintptr_t *sp = (uintptr_t *)(top - INITIAL_FRAME_WORDS * sizeof(uintptr_t));
  sp[0] = 0x1f80 | ((uintptr_t)0x037f << 32); // default MXCSR, x87 control word
  sp[1] = sp[2] = sp[3] = sp[4] = 0;          // r15, r14, r13, r12
  sp[5] = (uintptr_t)t;                       // rbx
  sp[6] = 0;                                  // rbp: end of the frame-pointer chain
  sp[7] = (uintptr_t)gostack_task_trampoline;
  t->sched_sp = (uintptr_t)sp;
}

// ---- Unwinding across the system-stack switch -------------------------------------------------

extern char __gostack_systemstack_switched_ret[];

// Personality of __gostack_systemstack_call: when an exception (or a forced unwind) leaves
// the system stack through a switched call, restore what the normal return path would have.
_Unwind_Reason_Code __gostack_systemstack_personality(int version, _Unwind_Action actions,
                                                      _Unwind_Exception_Class cls,
                                                      struct _Unwind_Exception *exc,
                                                      struct _Unwind_Context *ctx) {
  if ((actions & _UA_CLEANUP_PHASE) &&
      _Unwind_GetIP(ctx) == (uintptr_t)__gostack_systemstack_switched_ret) {
    gostack_m *m = &gostack_m_tls;
    m->on_system_stack = 0;
    if (m->curtask)
      gostack_exitsyscall_unwind(m);
    gostack_set_guard(m->curtask ? m->curtask->stackguard0 : 0);
  }
  return _URC_CONTINUE_UNWIND;
}

// ---- C API: stack information ---------------------------------------------------------------

int gostack_stack_info_get(gostack_stack_info *out) {
  gostack_task *t = gostack_m_tls.curtask;
  memset(out, 0, sizeof *out);
  if (!t)
    return 0;
  out->task_id = t->id;
  out->lo = t->stack.lo;
  out->hi = t->stack.hi;
  out->size = t->stack.hi - t->stack.lo;
  out->initial_size = gostack_cfg.stack_min;
  out->max_size = t->max_size;
  out->growths = t->growths;
  out->moves = t->moves;
  out->segment_links = t->segment_links;
  out->shrinks = t->shrinks;
  out->preemptions = t->preemptions;
  return 1;
}

// For fatal messages from code that does not know tasks (stackalloc.c).
void gostack_describe_current_task(char *buf, size_t n) {
  const gostack_task *t = gostack_m_tls.curtask;
  if (t)
    snprintf(buf, n, "task %llu (its stack [%#lx, %#lx) of %zu bytes)", (unsigned long long)t->id,
             (unsigned long)t->stack.lo, (unsigned long)t->stack.hi,
             (size_t)(t->stack.hi - t->stack.lo));
}

size_t gostack_stack_size(void) {
  gostack_task *t = gostack_m_tls.curtask;
  return t ? t->stack.hi - t->stack.lo : 0;
}

uint64_t gostack_stack_growths(void) {
  gostack_task *t = gostack_m_tls.curtask;
  return t ? t->growths : 0;
}

uint64_t gostack_task_id(void) {
  gostack_task *t = gostack_m_tls.curtask;
  return t ? t->id : 0;
}

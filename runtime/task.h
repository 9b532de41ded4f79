// Tasks, the per-thread runtime state, and the stack-move entry points.
#ifndef GOSTACK_RUNTIME_TASK_H
#define GOSTACK_RUNTIME_TASK_H

#include "asm_offsets.h"
#include "internal.h"

#include <stdbool.h>
#include <stdint.h>

// Scheduling states (sched.c). A task is RUNNABLE on exactly one run queue, RUNNING on exactly
// one M, or WAITING on whatever wait queue parked it; DONE once its function returned.
typedef enum { TASK_RUNNABLE, TASK_RUNNING, TASK_WAITING, TASK_DONE } gostack_task_state;

// join_state (sched.c): whether a joinable task finished before its joiner waited.
enum { JOIN_PENDING = 0, JOIN_DONE = 1, JOIN_WAITING = 2 };

struct gostack_task {
  uintptr_t stackguard0;   // TASK_STACKGUARD0: guard or GOSTACK_GUARD_POISON
  gostack_stack stack;     // current stack; moves on growth
  uintptr_t sched_sp;      // SP of the saved context while switched out
  struct gostack_task *schedlink; // run queue, free list or timer list link
  struct gostack_task *joiner;    // the waiter (task or thread stand-in) in gostack_join
  uint64_t id;
  size_t max_size;         // largest size it has had (it starts at gostack_cfg.stack_min)
  uint64_t moves;
  void *(*fn)(void *);     // TASK_FN
  void *arg;               // TASK_ARG
  void *result;
  uint32_t state;          // gostack_task_state (atomic: the monitor reads it)
  uint32_t join_state;     // JOIN_* (atomic)
  uint8_t detached;        // gostack_go: freed when it finishes, never joined
  uint8_t is_thread;       // a thread's stand-in for parking (gostack_waiter_self), not a task
  uint8_t is_main;         // the program's main: the process exits when it returns
  uint8_t preempt;         // set by the monitor: yield at the next prologue check (atomic)
  uint8_t shrink_pending;  // parked using < 1/4 of its stack: halve at the next check
  uint8_t wait_on_thread;  // parked where it cannot switch (a callback): blocks its thread
  uint8_t switching;       // published (queued) before its context is saved (sched.c)
  uint32_t permit;         // gostack_park/gostack_unpark (atomic)
  uint32_t wake;           // futex word of a thread-style wait (is_thread, wait_on_thread)
  uint64_t when;           // sleep deadline (timers)
  // Counters for gostack_stack_info.
  uint32_t growths, shrinks, preemptions;
  uint32_t segment_links;  // segments linked while the task ran callbacks (segments.c)
  // The C++ runtime's per-thread exception state (__cxa_get_globals) while the task is
  // switched out: the exceptions being handled belong to the task, not to the thread (sched.c).
  void *eh_caught;
  uint32_t eh_uncaught;
  // The pinned area (pinned.c) while the task is switched out.
  void *pinned_sp, *pinned_limit;
  struct gostack_pinned_chunk *pinned_root;
  // jmp_bufs registered by setjmp callers on this task (jmpbuf.c).
  void **jmpbufs;
  size_t njmpbufs, jmpbuf_cap;
};
typedef struct gostack_task gostack_task;

// A linked segment (segments.c): more system stack for callbacks that run under foreign
// frames, which cannot be moved. The header sits at the top of the segment's own memory.
typedef struct gostack_segment {
  struct gostack_segment *prev; // SEG_PREV: the segment below, NULL for the system stack
  uintptr_t saved_guard;        // SEG_SAVED_GUARD: the guard to restore when unlinked
  struct gostack_segment *next; // the next one up, kept linked (cached) after unlinking
  gostack_stack stack;          // [lo, hi): hi is this header's address
} gostack_segment;

typedef struct gostack_m {
  gostack_task *curtask;      // M_CURTASK
  uintptr_t g0_sp;            // M_G0_SP
  uintptr_t on_system_stack;  // M_ON_SYSTEM_STACK
  uintptr_t g0_guard;         // M_G0_GUARD: guard while on the system stack (0: bounds unknown)
  gostack_segment *curseg;    // M_CURSEG: the innermost segment in use, NULL on the system stack
  uintptr_t link_sp;          // M_LINK_SP: set by newstack: run the body on a segment at this SP
  uintptr_t preempt_yield;    // M_PREEMPT_YIELD: set by newstack: __morestack yields the task
  // M_P: the processor this M runs (sched.c), NULL on threads that are not Ms and on spare Ms.
  // __gostack_systemstack_call marks it P_SYSCALL around a foreign call (switch.S).
  struct gostack_p *p;
  gostack_segment *segments;  // the first segment above the system stack (in use or cached)
  uintptr_t g0_lo;            // lowest usable byte of the system stack, 0 until known
  // Scheduler (sched.c); only on the threads the runtime created (and the main thread as M0).
  uintptr_t sched_sp;         // the scheduler loop's saved context while a task runs
  int after;                  // what the scheduler does with the task that switched back
  uintptr_t tcb;              // the thread pointer: the monitor pokes TCB_STACK_GUARD there
  struct gostack_m *spare_link; // on sched.spare while it has no P
  uint32_t park;              // futex word a spare M sleeps on until handed a P
  uint32_t rand;              // gostack_fastrand state
  uint8_t spinning;           // looking for work to steal (counted in sched.nspinning)
  struct gostack_eh_globals *eh; // this thread's C++ exception state, NULL in C programs
} gostack_m;

// Initial-exec: __morestack reads it with one %fs-relative load.
extern __thread gostack_m gostack_m_tls __attribute__((tls_model("initial-exec")));

// Registers __morestack saves, lowest address first (runtime/morestack.S pushes them).
typedef struct gostack_morestack_ctx {
  uint8_t xmm[8][16];
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t rbp;      // the checked function's caller's RBP (the check runs before its prologue)
  uint64_t ret_in_f; // return address of the call to __morestack; the body starts one byte on
  uint64_t f_ret;    // the checked function's own return address; &f_ret is its entry SP
} gostack_morestack_ctx;

// What __morestack_allocate_stack_space saves, lowest address first.
typedef struct gostack_allocstack_ctx {
  uint64_t size;     // bytes the dynamic alloca wants (16-byte multiple)
  uint64_t r15, r14, r13, r12, rbx;
  uint64_t rbp;
  uint64_t ret;      // return address into the allocating function
} gostack_allocstack_ctx;

// pinned.c: the running task's pinned area (TLS words instrumented code uses directly).
extern __thread void *__gostack_pinned_sp __attribute__((tls_model("initial-exec")));
extern __thread void *__gostack_pinned_limit __attribute__((tls_model("initial-exec")));
extern __thread struct gostack_pinned_chunk *gostack_pinned_root
    __attribute__((tls_model("initial-exec")));
void gostack_pinned_free_all(struct gostack_pinned_chunk *root);

// A pinned area of the caller's own for a while (a signal handler's, on its alternate stack):
// enter makes [area, area + size) the current chunk, 16-byte aligned, size > the header;
// leave frees what was chained after it and restores the saved state.
#define GOSTACK_PINNED_CHUNK_HEADER 32u
typedef struct gostack_pinned_state {
  void *sp, *limit;
} gostack_pinned_state;
gostack_pinned_state gostack_pinned_enter(void *area, size_t size);
void gostack_pinned_leave(void *area, gostack_pinned_state saved);

// jmpbuf.c: updates the registered jmp_bufs whose saved SP lies in [live_lo, old_hi).
void gostack_adjust_jmpbufs(gostack_task *t, uintptr_t live_lo, uintptr_t old_hi,
                            intptr_t delta);

// vectorstate.c: bytes SAVE_VECTOR_STATE needs (XSAVE area or FXSAVE's 512).
extern uint64_t gostack_vector_save_size;

// Runtime configuration read from the environment once (task.c).
typedef enum { GOSTACK_RELOCATE_PRECISE, GOSTACK_RELOCATE_CONSERVATIVE } gostack_relocate_mode;

typedef struct gostack_config {
  size_t stack_min;  // GOSTACK_STACK_MIN, rounded to a class
  size_t max_stack;  // GOSTACK_MAXSTACK
  bool movestack;    // GOSTACK_MOVESTACK=1
  bool main_task;    // GOSTACK_MAIN_TASK (default 1)
  gostack_relocate_mode relocate; // GOSTACK_RELOCATE=precise|conservative
  bool verifymove;   // GOSTACK_DEBUG=verifymove
  size_t foreign_reserve; // GOSTACK_FOREIGN_RESERVE: system stack kept free for foreign code
} gostack_config;
extern gostack_config gostack_cfg;

void gostack_runtime_init(void);
uintptr_t gostack_guard_for(const gostack_task *t);
void gostack_set_guard(uintptr_t guard);
// The guard the calling thread's prologue checks compare with now (%fs:0x70).
static inline uintptr_t gostack_get_guard(void) {
  uintptr_t g;
  __asm__ volatile("movq %%fs:%c1, %0" : "=r"(g) : "i"(TCB_STACK_GUARD));
  return g;
}

// newstack.c, called by the assembly on the system stack.
gostack_morestack_ctx *gostack_newstack(gostack_morestack_ctx *ctx);
gostack_allocstack_ctx *gostack_allocstack(gostack_allocstack_ctx *ctx);
gostack_allocstack_ctx *gostack_ensurestack(gostack_allocstack_ctx *ctx);

// segments.c: callbacks under foreign frames get more stack by linking, not copying.
void gostack_init_system_stack(gostack_m *m);
void gostack_link_segment(gostack_m *m, gostack_morestack_ctx *ctx);
uintptr_t gostack_system_stack_lo(const gostack_m *m);
// The guard callbacks run with on the system stack or on m's innermost segment (0: unchecked).
uintptr_t gostack_system_stack_guard(const gostack_m *m);
// Frees the segments m keeps cached (none may be in use): when m exits or becomes a spare.
void gostack_release_segments(gostack_m *m);
// Frees the calling thread's segments and own pinned chunks when it exits (once per thread).
void gostack_release_at_thread_exit(void);
// A longjmp to `sp` on the system stack or a segment: unlinks the segments it leaves.
void gostack_unlink_segments_above(gostack_m *m, uintptr_t sp);

// switch.S
void gostack_switch(uintptr_t *save_sp, uintptr_t new_sp);
// gostack_switch that also clears *done (a byte) once the context is saved.
void gostack_switch_release(uintptr_t *save_sp, uintptr_t new_sp, uint8_t *done);
// fn(arg) on the M's system stack (at g0_sp), for runtime code that needs more room than a
// task's guard reserve but is no foreign call (no on-system-stack flag, no P hand-off).
void gostack_call_on_g0(void (*fn)(void *), void *arg);
void gostack_task_trampoline(void);
// Builds the context gostack_switch resumes a new task from (task.c).
void gostack_task_init_frame(gostack_task *t);
void __gostack_systemstack_call(void (*fn)(void *), void *arg);

#endif

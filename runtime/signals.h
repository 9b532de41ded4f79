// Signals (signals.c) and the stack quarantine of GOSTACK_DEBUG=verifymove (stackalloc.c).
// docs/design.md, "Signals".
#ifndef GOSTACK_RUNTIME_SIGNALS_H
#define GOSTACK_RUNTIME_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// ---- signals.c ---------------------------------------------------------------------------------

// Makes the calling thread ready to run tasks under signals: an alternate signal stack (unless
// the program installed one) and the bounds of its system stack for overflow reports. The first
// call in the process also installs the SIGSEGV/SIGBUS handler. Cheap after the first call on a
// thread; called by gostack_runtime_init and gostack_join.
void gostack_signals_init(void);

// Bounds of the calling thread's alternate signal stack, or false when it has none.
bool gostack_signals_altstack(uintptr_t *lo, uintptr_t *hi);

// ---- stackalloc.c: quarantine --------------------------------------------------------------------

// Whether freed stacks are quarantined: decided once, at the first allocation, from
// GOSTACK_DEBUG (contains "verifymove"). Each stack then has its own mapping whose end is the
// stack's hi, and gostack_stackfree replaces it with an inaccessible PROT_NONE mapping that is
// never reused: any later access through a stale pointer faults.
bool gostack_stack_quarantine_enabled(void);

// Names the task whose old stack [lo, hi) the next gostack_stackfree of exactly that range
// quarantines (verifymove.c calls it before copystack frees the old stack), for the report.
void gostack_stack_quarantine_owner(uintptr_t lo, uintptr_t hi, uint64_t task_id);

typedef struct gostack_quarantined {
  uintptr_t lo, hi; // the stack as it was handed out
  uint64_t task_id; // the task it belonged to when it moved, 0 if not a move (unknown owner)
} gostack_quarantined;

// Finds the quarantined stack whose mapping holds addr. Lock-free: called by the fault handler.
bool gostack_stack_quarantine_find(uintptr_t addr, gostack_quarantined *out);

#ifdef __cplusplus
}
#endif

#endif

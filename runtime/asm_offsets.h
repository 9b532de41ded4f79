// Field offsets shared by the runtime's C and assembly. task.c checks each one with
// _Static_assert against the C structures in task.h.
#ifndef GOSTACK_RUNTIME_ASM_OFFSETS_H
#define GOSTACK_RUNTIME_ASM_OFFSETS_H

// glibc's tcbhead_t.__private_ss: the split-stack guard the prologue check reads.
#define TCB_STACK_GUARD 0x70

// struct gostack_m (per thread)
#define M_CURTASK 0         // running task, or 0
#define M_G0_SP 8           // SP at which system-stack work (newstack, foreign calls) starts
#define M_ON_SYSTEM_STACK 16 // nonzero while foreign code runs on the system stack
#define M_G0_GUARD 24       // guard while on the system stack
#define M_CURSEG 32         // innermost linked segment in use
#define M_LINK_SP 40        // newstack's request to run the body on a segment
#define M_PREEMPT_YIELD 48  // newstack's request to yield the task (preemption)
#define M_P 56              // the M's processor (sched.c), or 0

// struct gostack_p (sched.c)
#define P_STATUS 0          // P_RUNNING, P_SYSCALL, P_HANDOFF (32 bits)
#define P_SYSCALLTICK 4     // foreign calls entered (32 bits; the monitor compares)
#define P_RUNNING 0
#define P_SYSCALL 1
#define P_HANDOFF 2

// struct gostack_segment
#define SEG_PREV 0
#define SEG_SAVED_GUARD 8

// struct gostack_task
#define TASK_STACKGUARD0 0  // what TCB_STACK_GUARD holds while the task runs
#define TASK_FN 72          // void *(*fn)(void *)
#define TASK_ARG 80         // its argument

// struct gostack_morestack_ctx: what __morestack pushes (see task.h)
#define MORESTACK_CTX_RBP 240 // offset of the saved RBP from the context's start

// struct gostack_allocstack_ctx: what __morestack_allocate_stack_space pushes
#define ALLOCSTACK_CTX_RBP 48

#endif

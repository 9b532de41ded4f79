// Context switches between tasks, the first frame of a task, and the system-stack trampoline
// for calls into code the plugin did not compile.

#include "asm_macros.h"
#include "asm_offsets.h"

        .text

// void gostack_switch(uintptr_t *save_sp, uintptr_t new_sp)
// Saves the callee-saved state on the current stack, stores SP in *save_sp, and resumes the
// context whose SP is new_sp (saved the same way, or built by task.c for a new task).
// void gostack_switch_release(uintptr_t *save_sp, uintptr_t new_sp, uint8_t *done)
// The same, and clears *done once *save_sp is stored: the task being left may already be on a
// run queue, and whoever resumes it waits for that (sched.c, switch_direct).
        .globl  gostack_switch
        .hidden gostack_switch
        .type   gostack_switch,@function
        .globl  gostack_switch_release
        .hidden gostack_switch_release
        .type   gostack_switch_release,@function
        .p2align 4
gostack_switch:
        .cfi_startproc
        leaq    -72(%rsp), %rdx                 // a dummy byte below the saved context
gostack_switch_release:
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        pushq   %rbx
        .cfi_def_cfa_offset 24
        pushq   %r12
        .cfi_def_cfa_offset 32
        pushq   %r13
        .cfi_def_cfa_offset 40
        pushq   %r14
        .cfi_def_cfa_offset 48
        pushq   %r15
        .cfi_def_cfa_offset 56
        subq    $8, %rsp
        .cfi_def_cfa_offset 64
        stmxcsr (%rsp)                          // MXCSR and the x87 control word are callee-saved
        fnstcw  4(%rsp)
        movq    %rsp, (%rdi)
        // Our own control words, read before the release: once released, this task may be
        // resumed by another M and move its stack, and these words with it.
        movl    (%rsp), %r8d
        movzwl  4(%rsp), %r9d
        movb    $0, (%rdx)                      // release: x86 stores are not reordered
        movq    %rsi, %rsp
        // Load them only when they differ (almost never): LDMXCSR and FLDCW are slow.
        movl    (%rsp), %eax
        cmpl    %r8d, %eax
        jne     1f
        movzwl  4(%rsp), %eax
        cmpw    %r9w, %ax
        je      2f
1:      ldmxcsr (%rsp)
        fldcw   4(%rsp)
2:      addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        .cfi_def_cfa_offset 8
        ret
        .cfi_endproc
        .size   gostack_switch, .-gostack_switch
        .size   gostack_switch_release, .-gostack_switch_release

// void gostack_call_on_g0(void (*fn)(void *), void *arg): see task.h.
        .globl  gostack_call_on_g0
        .hidden gostack_call_on_g0
        .type   gostack_call_on_g0,@function
        .p2align 4
gostack_call_on_g0:
        .cfi_startproc
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        movq    gostack_m_tls@gottpoff(%rip), %rax
        movq    %fs:M_G0_SP(%rax), %rsp
        movq    %rdi, %rax
        movq    %rsi, %rdi
        call    *%rax
        movq    %rbp, %rsp
        popq    %rbp
        .cfi_def_cfa %rsp, 8
        ret
        .cfi_endproc
        .size   gostack_call_on_g0, .-gostack_call_on_g0

// First code a new task runs: gostack_switch "returns" here with rbx = the task and RSP
// 16-byte aligned. It calls the task's function directly, so the outermost user frame returns
// to __gostack_task_fn_ret, where frame walks (precise relocation) stop. RBP = 0 ends
// frame-pointer chains; the undefined RIP ends unwinding.
        .globl  gostack_task_trampoline
        .hidden gostack_task_trampoline
        .type   gostack_task_trampoline,@function
        .p2align 4
gostack_task_trampoline:
        .cfi_startproc
        .cfi_undefined %rip
        xorl    %ebp, %ebp
        movq    TASK_ARG(%rbx), %rdi
        call    *TASK_FN(%rbx)
        .globl  __gostack_task_fn_ret
        .hidden __gostack_task_fn_ret
__gostack_task_fn_ret:
        movq    %rbx, %rdi                      // rbx is callee-saved: still the task
        movq    %rax, %rsi
        call    gostack_task_exit               // never returns
        ud2
        .cfi_endproc
        .size   gostack_task_trampoline, .-gostack_task_trampoline

// __gostack_vcall(callee in R10, the callee's arguments...): variadic calls that are stack-map
// move points come here (plugin/StatepointRewriting.cpp). A variadic callee reads AL, an upper
// bound on the vector registers carrying arguments, to decide whether to save XMM0-7;
// gc.statepoint lowering does not set it. 8 is always a valid bound.
        .globl  __gostack_vcall
        .type   __gostack_vcall,@function
        .p2align 4
__gostack_vcall:
        .cfi_startproc
        movl    $8, %eax
        jmp     *%r10
        .cfi_endproc
        .size   __gostack_vcall, .-__gostack_vcall

// void __gostack_systemstack_call(void (*fn)(void *), void *arg)
// Runs fn(arg) on the thread's system stack when called from a task, with the system stack's
// guard (segments.c): instrumented callbacks that exhaust it link segments rather than try to
// copy a stack under foreign frames. Otherwise (not a task, or already on the system stack)
// calls fn directly.
// The CFA is RBP-based, so unwinding from the system stack continues into the task frames;
// the personality routine undoes the switch when an exception unwinds through it.
        .globl  __gostack_systemstack_call
        .type   __gostack_systemstack_call,@function
        .p2align 4
__gostack_systemstack_call:
        .cfi_startproc
        .cfi_personality 0x9b, DW.ref.__gostack_systemstack_personality
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        pushq   %rbx
        .cfi_offset %rbx, -24
        pushq   %r12
        .cfi_offset %r12, -32
        movq    %rdi, %rbx
        movq    %rsi, %r12
        movq    gostack_m_tls@gottpoff(%rip), %rax
        cmpq    $0, %fs:M_ON_SYSTEM_STACK(%rax)
        jne     .Ldirect
        cmpq    $0, %fs:M_CURTASK(%rax)
        je      .Ldirect
        movq    $1, %fs:M_ON_SYSTEM_STACK(%rax)
        movq    %fs:M_G0_GUARD(%rax), %rcx      // callbacks link segments below this
        movq    %rcx, %fs:TCB_STACK_GUARD
        // The M's P may be handed to another M while the foreign call blocks (Go's
        // entersyscall; the monitor retakes it, sched.c).
        movq    %fs:M_P(%rax), %rcx
        testq   %rcx, %rcx
        jz      1f
        incl    P_SYSCALLTICK(%rcx)
        movl    $P_SYSCALL, P_STATUS(%rcx)
1:      movq    %fs:M_G0_SP(%rax), %rsp
        movq    %r12, %rdi
        call    *%rbx
        .globl  __gostack_systemstack_switched_ret
        .hidden __gostack_systemstack_switched_ret
__gostack_systemstack_switched_ret:
        movq    gostack_m_tls@gottpoff(%rip), %rdx
        movq    %fs:M_P(%rdx), %rcx
        testq   %rcx, %rcx
        jz      2f
        movl    $P_SYSCALL, %eax                // Go's exitsyscall fast path: P still ours
        movl    $P_RUNNING, %esi
        lock cmpxchgl %esi, P_STATUS(%rcx)
        jne     .Llost_p
2:      movq    $0, %fs:M_ON_SYSTEM_STACK(%rdx)
        movq    %fs:M_CURTASK(%rdx), %rcx
        movq    TASK_STACKGUARD0(%rcx), %rcx
        movq    %rcx, %fs:TCB_STACK_GUARD
        jmp     .Lout
        // The P went to another M meanwhile: back on the task stack (nothing on the system
        // stack is live any more), give the task to the scheduler, which runs it again on an
        // M with a P; this M becomes a spare (sched.c).
.Llost_p:
        movq    $0, %fs:M_ON_SYSTEM_STACK(%rdx)
        leaq    -16(%rbp), %rsp
        call    gostack_exitsyscall_lost_p
        movq    gostack_m_tls@gottpoff(%rip), %rdx
        jmp     2b
.Ldirect:
        movq    %r12, %rdi
        call    *%rbx
.Lout:
        leaq    -16(%rbp), %rsp
        popq    %r12
        popq    %rbx
        popq    %rbp
        .cfi_def_cfa %rsp, 8
        ret
        .cfi_endproc
        .size   __gostack_systemstack_call, .-__gostack_systemstack_call

        PERSONALITY_REF __gostack_systemstack_personality

        .section .note.GNU-stack,"",@progbits

// __morestack and __morestack_allocate_stack_space: the two ways instrumented code asks the
// runtime for stack. Both save the registers ON THE TASK STACK (in the guard reserve), switch
// to the thread's system stack, let C grow the stack by copying (newstack.c), and come back on
// the new stack. Because the saved registers are part of the copied region, relocation fixes
// any of them that point into the old stack (docs/design.md, "The relocation invariant").

#include "asm_offsets.h"

        .text

// Entered from the split-stack check at the top of a function F, before F's prologue:
//   [rsp]   = return address of this call: the `ret` byte in F; F's body starts one byte later
//   [rsp+8] = F's own return address; F's stack arguments follow
//   r10 = bytes F's frame needs, r11 = bytes of F's stack arguments
// Every other register holds F's arguments or its caller's values and is preserved.
// The frame pushed here (256 bytes with the return address) is budgeted in
// GOSTACK_STACK_GUARD (runtime/internal.h).
        .globl  __morestack
        .type   __morestack,@function
        .p2align 4
__morestack:
        .cfi_startproc
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        pushq   %rax
        pushq   %rbx
        pushq   %rcx
        pushq   %rdx
        pushq   %rsi
        pushq   %rdi
        pushq   %r8
        pushq   %r9
        pushq   %r10
        pushq   %r11
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        subq    $128, %rsp
        movdqu  %xmm0, 0(%rsp)
        movdqu  %xmm1, 16(%rsp)
        movdqu  %xmm2, 32(%rsp)
        movdqu  %xmm3, 48(%rsp)
        movdqu  %xmm4, 64(%rsp)
        movdqu  %xmm5, 80(%rsp)
        movdqu  %xmm6, 96(%rsp)
        movdqu  %xmm7, 112(%rsp)

        movq    %rsp, %rdi                      // struct gostack_morestack_ctx *
        movq    gostack_m_tls@gottpoff(%rip), %rax
        movq    %fs:M_G0_SP(%rax), %rsp         // onto the system stack
        call    gostack_newstack                // returns the context's (new) address
        movq    %rax, %rsp                      // onto the (new) task stack
        leaq    MORESTACK_CTX_RBP(%rsp), %rbp   // keep the CFA rule valid

        movdqu  0(%rsp), %xmm0
        movdqu  16(%rsp), %xmm1
        movdqu  32(%rsp), %xmm2
        movdqu  48(%rsp), %xmm3
        movdqu  64(%rsp), %xmm4
        movdqu  80(%rsp), %xmm5
        movdqu  96(%rsp), %xmm6
        movdqu  112(%rsp), %xmm7
        addq    $128, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %r11
        popq    %r10
        popq    %r9
        popq    %r8
        popq    %rdi
        popq    %rsi
        popq    %rdx
        popq    %rcx
        popq    %rbx
        popq    %rax
        popq    %rbp
        .cfi_def_cfa %rsp, 8
        // Resume F's body (one byte past the `ret` after the call) with F's entry SP.
        incq    (%rsp)
        ret
        .cfi_endproc
        .size   __morestack, .-__morestack

// The two entries below are ordinary calls. Each saves RBP and the callee-saved registers, then
// the byte count from rdi, as a struct gostack_allocstack_ctx on the task stack, runs `handler`
// (newstack.c) on the system stack, and continues on the (possibly new) task stack with the
// registers restored (relocated) and the byte count in rcx. CFI stays RBP-based throughout.
.macro CALL_ON_SYSTEM_STACK handler
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushq   %rdi
        movq    %rsp, %rdi                      // struct gostack_allocstack_ctx *
        movq    gostack_m_tls@gottpoff(%rip), %rax
        movq    %fs:M_G0_SP(%rax), %rsp
        call    \handler
        movq    %rax, %rsp
        leaq    ALLOCSTACK_CTX_RBP(%rsp), %rbp
        popq    %rcx                            // byte count
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        .cfi_def_cfa %rsp, 8
.endm

// Called from a function's body when a dynamic alloca (VLA, alloca()) of rdi bytes would go
// below the guard (X86 SEG_ALLOCA lowering). Grows the stack so it fits, then allocates it the
// way the fast path would have: lowers RSP by rdi and returns the new RSP in rax. The caller
// addresses its frame through RBP, so the lowered RSP is consistent with its code.
        .globl  __morestack_allocate_stack_space
        .type   __morestack_allocate_stack_space,@function
        .p2align 4
__morestack_allocate_stack_space:
        .cfi_startproc
        CALL_ON_SYSTEM_STACK gostack_allocstack
        popq    %r11                            // return address
        .cfi_def_cfa_offset 0
        subq    %rcx, %rsp
        movq    %rsp, %rax
        jmp     *%r11
        .cfi_endproc
        .size   __morestack_allocate_stack_space, .-__morestack_allocate_stack_space

// void __gostack_ensure_stack(size_t bytes): called by instrumented code before a dynamic alloca
// (plugin/StatepointRewriting.cpp). An ordinary call and a move point with a stack map: grows
// the stack (moving it) until `bytes` more fit below the caller's SP plus the guard reserve,
// then returns on the new stack.
        .globl  __gostack_ensure_stack
        .type   __gostack_ensure_stack,@function
        .p2align 4
__gostack_ensure_stack:
        .cfi_startproc
        CALL_ON_SYSTEM_STACK gostack_ensurestack
        ret
        .cfi_endproc
        .size   __gostack_ensure_stack, .-__gostack_ensure_stack

// -mcmodel=large calls __morestack through this pointer.
        .section .data.rel.ro,"aw",@progbits
        .p2align 3
        .globl  __morestack_addr
        .type   __morestack_addr,@object
__morestack_addr:
        .quad   __morestack
        .size   __morestack_addr, 8

        .section .note.GNU-stack,"",@progbits

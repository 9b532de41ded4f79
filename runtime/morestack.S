// __morestack and __morestack_allocate_stack_space: the two ways instrumented code asks the
// runtime for stack. Both save the registers ON THE TASK STACK (in the guard reserve), switch
// to the thread's system stack, let C grow the stack by copying (newstack.c), and come back on
// the new stack. Because the saved registers are part of the copied region, relocation fixes
// any of them that point into the old stack (docs/design.md, "The relocation invariant").
// A callback from uninstrumented code runs on the system stack, which cannot be copied: there
// __morestack links a segment instead (segments.c).

#include "asm_macros.h"
#include "asm_offsets.h"

        .text

// XSAVE components: SSE (xmm0-15, MXCSR), AVX (upper ymm), AVX-512 (k0-7, upper zmm0-15,
// zmm16-31). The CPU saves only those enabled in XCR0. No x87: arguments never use it.
#define VECTOR_STATE_MASK 0xe6

// Saves every vector register on the current (system) stack, 64-byte aligned, before the
// runtime's C code runs (runtime/vectorstate.c says why). Clobbers rax, rdx, rbx (the callee's
// registers are all in the context already); leaves RSP 16-byte aligned.
.macro SAVE_VECTOR_STATE
        movq    %rsp, %rbx
        subq    gostack_vector_save_size(%rip), %rsp
        andq    $-64, %rsp
        cmpl    $0, gostack_vector_save_xsave(%rip)
        je      1f
        xorl    %eax, %eax                      // XRSTOR faults on a dirty XSAVE header
        movq    %rax, 512(%rsp)
        movq    %rax, 520(%rsp)
        movq    %rax, 528(%rsp)
        movq    %rax, 536(%rsp)
        movq    %rax, 544(%rsp)
        movq    %rax, 552(%rsp)
        movq    %rax, 560(%rsp)
        movq    %rax, 568(%rsp)
        movl    $VECTOR_STATE_MASK, %eax
        xorl    %edx, %edx
        xsave   (%rsp)
        jmp     2f
1:      fxsave  (%rsp)
2:
.endm

// Undoes SAVE_VECTOR_STATE, keeping rax (the C code's result). Clobbers rdx, rcx.
.macro RESTORE_VECTOR_STATE
        movq    %rax, %rcx
        cmpl    $0, gostack_vector_save_xsave(%rip)
        je      1f
        movl    $VECTOR_STATE_MASK, %eax
        xorl    %edx, %edx
        xrstor  (%rsp)
        jmp     2f
1:      fxrstor (%rsp)
2:      movq    %rcx, %rax
        movq    %rbx, %rsp
.endm

// The function's vector argument registers from the context at RSP (legacy SSE loads: the upper
// halves RESTORE_VECTOR_STATE put back stay as they are).
.macro LOAD_ARGUMENT_XMM
        movdqu  0(%rsp), %xmm0
        movdqu  16(%rsp), %xmm1
        movdqu  32(%rsp), %xmm2
        movdqu  48(%rsp), %xmm3
        movdqu  64(%rsp), %xmm4
        movdqu  80(%rsp), %xmm5
        movdqu  96(%rsp), %xmm6
        movdqu  112(%rsp), %xmm7
.endm



// Switches RSP to the thread's system stack for a call into the runtime's C code, unless it is
// there already (a callback from foreign code) or the thread has none (a thread the runtime
// does not know, whose guard slot held a stale value): then the C code runs in place, below
// the registers just saved. Clobbers rax; leaves RSP 16-byte aligned.
.macro ENTER_SYSTEM_STACK
        movq    gostack_m_tls@gottpoff(%rip), %rax
        cmpq    $0, %fs:M_ON_SYSTEM_STACK(%rax)
        jne     1f
        movq    %fs:M_G0_SP(%rax), %rax
        testq   %rax, %rax
        jz      1f
        movq    %rax, %rsp
        jmp     2f
1:      andq    $-16, %rsp
2:
.endm

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
        .cfi_personality 0x9b, DW.ref.__gostack_morestack_personality
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
        ENTER_SYSTEM_STACK
        SAVE_VECTOR_STATE
        call    gostack_newstack                // returns the context's (new) address
        RESTORE_VECTOR_STATE
        movq    %rax, %rsp                      // onto the (new) task stack
        leaq    MORESTACK_CTX_RBP(%rsp), %rbp   // keep the CFA rule valid
        movq    gostack_m_tls@gottpoff(%rip), %rax
        movq    %fs:M_LINK_SP(%rax), %r11
        testq   %r11, %r11
        jnz     .Llink_segment
        cmpq    $0, %fs:M_PREEMPT_YIELD(%rax)
        jne     .Lpreempt

.Lresume:
        LOAD_ARGUMENT_XMM
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
        .cfi_remember_state
        popq    %rbp
        .cfi_def_cfa %rsp, 8
        // Resume F's body (one byte past the `ret` after the call) with F's entry SP.
        incq    (%rsp)
        ret

        // newstack found a preemption request (sched.c, monitor.c) and left room below the
        // context: yield here, on the task stack. The task may resume on another thread, so
        // its vector state goes below the context first (the system stack's copy stays with
        // this thread); the context itself holds every other register.
        .cfi_restore_state
        .cfi_remember_state
.Lpreempt:
        movq    $0, %fs:M_PREEMPT_YIELD(%rax)
        SAVE_VECTOR_STATE
        call    gostack_preempt_yield
        RESTORE_VECTOR_STATE
        jmp     .Lresume

        // newstack linked a segment (segments.c) with F's stack arguments copied to r11: call
        // F's body there with F's registers, keeping this frame (RBP) on the stack below, then
        // unlink and return to F's caller. The body's saved RBP is this frame, so frame-pointer
        // walks and the CFI (RBP-based) cross the link; so do exceptions, which the
        // personality routine unlinks for (segments.c).
        .cfi_restore_state
.Llink_segment:
        movq    $0, %fs:M_LINK_SP(%rax)
        LOAD_ARGUMENT_XMM
        movq    128(%rsp), %r15
        movq    136(%rsp), %r14
        movq    144(%rsp), %r13
        movq    152(%rsp), %r12
        movq    176(%rsp), %r9
        movq    184(%rsp), %r8
        movq    192(%rsp), %rdi
        movq    200(%rsp), %rsi
        movq    208(%rsp), %rdx
        movq    216(%rsp), %rcx
        movq    224(%rsp), %rbx
        movq    232(%rsp), %rax
        movq    %r11, %rsp
        movq    8(%rbp), %r11                   // the `ret` byte in F
        incq    %r11
        call    *%r11
        .globl  __gostack_morestack_linked_ret
        .hidden __gostack_morestack_linked_ret
__gostack_morestack_linked_ret:
        // F's results are in rax, rdx, xmm0, xmm1 (and x87): only r10, r11 and rcx are used.
        movq    gostack_m_tls@gottpoff(%rip), %rcx
        movq    %fs:M_CURSEG(%rcx), %r11
        movq    SEG_SAVED_GUARD(%r11), %r10
        movq    %r10, %fs:TCB_STACK_GUARD
        movq    SEG_PREV(%r11), %r11
        movq    %r11, %fs:M_CURSEG(%rcx)
        movq    %rbp, %rsp
        popq    %rbp
        .cfi_def_cfa %rsp, 8
        addq    $8, %rsp                        // F's `ret` byte: F's caller is next
        ret
        .cfi_endproc
        .size   __morestack, .-__morestack

        PERSONALITY_REF __gostack_morestack_personality

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
        ENTER_SYSTEM_STACK
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

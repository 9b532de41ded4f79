// A bare clone(2) for runtime threads that never touch libc (the monitor, monitor.c).
//
// The child shares the address space, files and signal handlers, and is a thread of this
// process, but gets no TLS of its own: its %fs still points at its creator's thread block. The
// code it runs must therefore use no thread-local variable, no errno and no libc function that
// might; it may use only raw system calls (futex.h).

        .text

// long gostack_clone_thread(int (*fn)(void *), void *stack_top, void *arg)
// Returns the child's thread id, or -errno. The child calls fn(arg) on [.., stack_top) and exits
// (the thread, not the process) with fn's result. stack_top must be 16-byte aligned.
        .globl  gostack_clone_thread
        .hidden gostack_clone_thread
        .type   gostack_clone_thread,@function
        .p2align 4
gostack_clone_thread:
        .cfi_startproc
        subq    $16, %rsi                       // the child pops fn and arg from its stack
        movq    %rdi, 0(%rsi)
        movq    %rdx, 8(%rsi)
        // CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM
        movl    $0x50f00, %edi
        xorl    %edx, %edx                      // parent_tid
        xorl    %r10d, %r10d                    // child_tid
        xorl    %r8d, %r8d                      // tls: none (see above)
        movl    $56, %eax                       // SYS_clone
        syscall
        testq   %rax, %rax
        jz      1f
        ret
1:      // The child, on the new stack: the outermost frame.
        .cfi_undefined %rip
        xorl    %ebp, %ebp
        popq    %rax
        popq    %rdi
        call    *%rax
        movl    %eax, %edi
        movl    $60, %eax                       // SYS_exit: this thread only
        syscall
        ud2
        .cfi_endproc
        .size   gostack_clone_thread, .-gostack_clone_thread

        .section .note.GNU-stack,"",@progbits

// First frame of the main task (maintask.c): calls the user's main, renamed __gostack_main by
// the plugin. Written in assembly so that the return address of that call is a known label:
// precise relocation (adjustframes.c) stops its frame walk there, as at __gostack_task_fn_ret.
// Kept out of switch.S so that only programs whose main gostack compiled reference
// __gostack_main.

        .text

// void *gostack_main_task_entry(struct main_args *a)
//   a: { int argc; char **argv; char **envp; int status; } at offsets 0, 8, 16, 24
        .globl  gostack_main_task_entry
        .hidden gostack_main_task_entry
        .type   gostack_main_task_entry,@function
        .p2align 4
gostack_main_task_entry:
        .cfi_startproc
        pushq   %rbp
        .cfi_def_cfa_offset 16
        .cfi_offset %rbp, -16
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        pushq   %rbx
        .cfi_offset %rbx, -24
        subq    $8, %rsp                        // keep RSP 16-byte aligned at the call
        movq    %rdi, %rbx                      // the arguments live on the system stack
        movl    0(%rbx), %edi
        movq    8(%rbx), %rsi
        movq    16(%rbx), %rdx
        call    __gostack_main
        .globl  __gostack_main_fn_ret
        .hidden __gostack_main_fn_ret
__gostack_main_fn_ret:
        movl    %eax, 24(%rbx)
        xorl    %eax, %eax
        movq    -8(%rbp), %rbx
        leave
        .cfi_def_cfa %rsp, 8
        ret
        .cfi_endproc
        .size   gostack_main_task_entry, .-gostack_main_task_entry

        .section .note.GNU-stack,"",@progbits

// __morestack_non_split: the entry that lld and gold route a split-stack prologue to when the
// function calls code without a .note.GNU-split-stack section (docs/design.md, "Linkers").
//
// Such a linker rewrites the prologue's check before calling us:
//   frame < 256 B:  "cmpq %fs:0x70, %rsp" becomes "stc; nopl": the check always fails;
//   otherwise:      "leaq -FRAME(%rsp), %r11" asks for 16 KB (lld) or 1 MB (gold) more;
// and changes its "callq __morestack" into "callq __morestack_non_split". libgcc's version
// then makes sure the non-split callee gets that much room on a fresh segment. gostack never
// needs the extra room: the plugin already routes every call into uninstrumented code onto
// the thread's system stack (docs/design.md, "Foreign calls"), and the few left on the task
// stack (leaf string functions, the runtime's own entry points) fit in the guard reserve. So
// this entry makes exactly the decision the unmodified prologue would have made, from the frame
// size in r10, and either resumes the function's body or enters __morestack with the very same
// stack and registers (same protocol, runtime/morestack.S). Taking libgcc's version instead is
// not an option: it comes with libgcc's own __morestack, whose protocol is not ours.
//
// Entered like __morestack: [rsp] = the address of the `ret` byte after the call in F (F's body
// starts one byte later), [rsp+8] = F's return address, r10 = F's frame size, r11 = F's stack
// argument bytes; every other register holds F's arguments or its caller's values. Only the
// flags are clobbered (they are dead at a function's entry).

#include "asm_offsets.h"

// LLVM's kSplitStackAvailable (X86FrameLowering::adjustForSegmentedStacks): frames smaller
// than this compare the entry SP itself with the guard; larger ones compare SP - frame.
#define SMALL_FRAME 256

        .text
        .globl  __morestack_non_split
        .type   __morestack_non_split,@function
        .p2align 4
__morestack_non_split:
        .cfi_startproc
        pushq   %rax                            // the only scratch register we take
        .cfi_adjust_cfa_offset 8
        leaq    16(%rsp), %rax                  // F's SP at its entry
        cmpq    $SMALL_FRAME, %r10
        jb      1f
        subq    %r10, %rax                      // large frame: where F's frame would end
1:      cmpq    %fs:TCB_STACK_GUARD, %rax
        jbe     2f                              // the prologue's own condition: more stack
        incq    8(%rsp)                         // fits: resume F's body, past the `ret`
        popq    %rax
        .cfi_adjust_cfa_offset -8
        ret
2:      .cfi_adjust_cfa_offset 8
        popq    %rax
        .cfi_adjust_cfa_offset -8
        // Exactly the stack and registers F's call to __morestack would have produced.
        jmp     __morestack
        .cfi_endproc
        .size   __morestack_non_split, .-__morestack_non_split

        .section .note.GNU-stack,"",@progbits

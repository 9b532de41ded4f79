// Assembler macros shared by the runtime's .S files (not for C: included only from assembly).
#ifndef GOSTACK_RUNTIME_ASM_MACROS_H
#define GOSTACK_RUNTIME_ASM_MACROS_H

// The pointer `.cfi_personality 0x9b, DW.ref.<fn>` refers to (indirect, pc-relative, as the
// compilers emit it): one weak hidden comdat copy per link. Leaves the assembler in .text.
.macro PERSONALITY_REF fn
        .hidden DW.ref.\fn
        .weak   DW.ref.\fn
        .section .data.rel.local.DW.ref.\fn,"awG",@progbits,DW.ref.\fn,comdat
        .p2align 3
        .type   DW.ref.\fn,@object
        .size   DW.ref.\fn, 8
DW.ref.\fn:
        .quad   \fn
        .text
.endm

#endif

// An x86 interrupt handler through clang: warning, no check; it compiles.
//
// RUN: %clang-plugin -mgeneral-regs-only -O0 -c %s -o %t.o -fno-crash-diagnostics \
// RUN:   -Xclang -llvm-verify-each 2>&1 | FileCheck %s
// RUN: %clang-plugin -mgeneral-regs-only -O2 -c %s -o %t.o -fno-crash-diagnostics \
// RUN:   -Xclang -llvm-verify-each 2>&1 | FileCheck %s
// RUN: %clang-plugin -mgeneral-regs-only -O2 -S %s -o - 2>/dev/null | FileCheck %s --check-prefix=ASM

struct interrupt_frame {
  unsigned long ip, cs, flags, sp, ss;
};
volatile int ticks;

// CHECK: robust-x86-interrupt.c:[[@LINE+1]]:{{[0-9]+}}: warning: gostack: function 'isr' uses the x86 interrupt calling convention and is not instrumented
__attribute__((interrupt)) void isr(struct interrupt_frame *frame) {
  ticks++;
}
// CHECK-NOT: warning:
// CHECK-NOT: error

// ASM-LABEL: isr:
// ASM-NOT:     %fs:112
// ASM-NOT:     __morestack
// ASM:         iretq

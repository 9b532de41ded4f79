// A naked function: warning, no check, no marker; its neighbour is checked as usual. Compiles at
// -O0 and -O2 with the IR verified after every pass.
//
// RUN: %clang-plugin -O0 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -S %s -o - 2>/dev/null | FileCheck %s --check-prefix=ASM

// CHECK: robust-naked.c:[[@LINE+1]]:{{[0-9]+}}: warning: gostack: naked function 'naked_zero' is not instrumented; it must fit in the stack guard reserve (docs/design.md)
__attribute__((naked)) int naked_zero(void) {
  __asm__ volatile("xorl %eax, %eax\n\tret");
}
// CHECK-NOT: warning:
// CHECK-NOT: error

int normal(void) { return naked_zero() + 1; }

// ASM-LABEL: naked_zero:
// ASM-NOT:     %fs:112
// ASM-NOT:     pushq %rbp
// ASM:         xorl %eax, %eax
// ASM-NEXT:    ret
// ASM-LABEL: normal:
// ASM:         cmpq %fs:112, %rsp
// ASM-NOT:     __gostack_fn.naked_zero
// ASM:         __gostack_fn.normal
// ASM-NOT:     __gostack_fn.naked_zero

// A function with a VLA (that does not escape, so it stays on the task stack): besides the
// prologue check, the dynamic allocation compares the new SP with the guard (signed: jg) and, when
// it would cross it, gets the space from __morestack_allocate_stack_space instead of moving SP.
//
// RUN: %clang-plugin -O0 -S %s -o - | FileCheck %s --check-prefixes=CHECK,O0
// RUN: %clang-plugin -O2 -S %s -o - | FileCheck %s --check-prefixes=CHECK,O2

// CHECK-LABEL: vla:
// CHECK:         cmpq %fs:112, %rsp
// O0-NEXT:       ja [[BODY:\.LBB0_[0-9]+]]
// O2-NEXT:       jbe
// CHECK:         subq [[SIZE:%r[a-z0-9]+]], [[NEWSP:%r[a-z0-9]+]]
// CHECK:         cmpq [[NEWSP]], %fs:112
// CHECK-NEXT:    jg [[SLOW:\.LBB0_[0-9]+]]
// CHECK:       [[SLOW]]:
// CHECK:         callq __morestack_allocate_stack_space
// CHECK-NOT:     __gostack_pinned
// CHECK:       .Lfunc_end0:
int vla(int n, int i) {
  char buf[n];
  for (int j = 0; j < n; j++)
    buf[j] = (char)(j * 3);
  return buf[i];
}

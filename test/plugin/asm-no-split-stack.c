// __attribute__((no_split_stack)) through clang with -fsplit-stack: that function gets no
// prologue check (and no marker symbol), but keeps its frame pointer; its neighbour is checked.
// At -O0 and -O2, C and C++.
//
// RUN: %clang-plugin -O0 -S %s -o - | FileCheck %s
// RUN: %clang-plugin -O2 -S %s -o - | FileCheck %s
// RUN: %clang-plugin -O0 -S -x c++ %s -o - | FileCheck %s
// RUN: %clang-plugin -O2 -S -x c++ %s -o - | FileCheck %s
// RUN: %clang-plugin -O2 -c %s -o %t.o -Rpass-missed=gostack 2>&1 | FileCheck %s --check-prefix=REMARK

#ifdef __cplusplus
extern "C" {
#endif
void sink(const char *);

// CHECK-LABEL: unchecked:
// CHECK-NOT:     %fs:112
// CHECK-NOT:     __morestack
// CHECK:         pushq %rbp
// CHECK:         movq %rsp, %rbp
// CHECK-NOT:     %fs:112
// CHECK-NOT:     __morestack
// CHECK:       .Lfunc_end0:
// REMARK: asm-no-split-stack.c:[[@LINE+1]]:{{[0-9]+}}: remark: not instrumented: no_split_stack [-Rpass-missed=gostack]
__attribute__((no_split_stack)) int unchecked(int x) {
  char buf[32];
  for (int i = 0; i < 32; i++)
    buf[i] = (char)(x + i);
  return buf[x & 31];
}

// CHECK-LABEL: checked:
// CHECK:         cmpq %fs:112, %rsp
// CHECK:         callq __morestack
// CHECK:       .Lfunc_end1:
int checked(int x) {
  sink("x");
  return x + 1;
}
#ifdef __cplusplus
}
#endif

// CHECK-NOT:   __gostack_fn.unchecked
// CHECK:       __gostack_fn.checked
// CHECK-NOT:   __gostack_fn.unchecked

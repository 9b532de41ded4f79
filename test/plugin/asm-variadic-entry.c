// The split variadic function in assembly: the entry (the symbol callers use) has no stack check,
// a frame of at most 288 bytes with its saved RBP and return address (so `subq` of at most 256
// here: the register save area and the va_list), and calls the body; the body starts with the
// check. C and C++, -O0 and -O2.
//
// RUN: %clang-plugin -O0 -S %s -o - | FileCheck %s
// RUN: %clang-plugin -O2 -S %s -o - | FileCheck %s
// RUN: %clang-plugin -O0 -S -x c++ %s -o - | FileCheck %s
// RUN: %clang-plugin -O2 -S -x c++ %s -o - | FileCheck %s

#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

// CHECK-LABEL: vsum:
// CHECK-NOT:     %fs:112
// CHECK-NOT:     __morestack
// CHECK:         subq {{\$(1[0-9][0-9]|2[0-4][0-9]|25[0-6]|[0-9]{1,2})}}, %rsp
// CHECK-NOT:     %fs:112
// CHECK-NOT:     __morestack
// CHECK-NOT:     subq
// CHECK:         callq vsum.gostack.body
// CHECK-NOT:     %fs:112
// CHECK-NOT:     __morestack
// CHECK:         retq
// CHECK-NEXT:  .Lfunc_end[[#VSUM:]]:
int vsum(int n, ...) {
  va_list ap;
  va_start(ap, n);
  int s = 0;
  for (int i = 0; i < n; i++)
    s += va_arg(ap, int);
  va_end(ap);
  return s;
}

// CHECK-LABEL: logf_:
// CHECK-NOT:     %fs:112
// CHECK:         subq {{\$(1[0-9][0-9]|2[0-4][0-9]|25[0-6]|[0-9]{1,2})}}, %rsp
// CHECK-NOT:     %fs:112
// CHECK:         callq logf_.gostack.body
// CHECK-NOT:     %fs:112
// CHECK:       .Lfunc_end
int logf_(FILE *f, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int r = vfprintf(f, fmt, ap);
  va_end(ap);
  return r;
}

#ifdef __cplusplus
}
#endif

// CHECK-LABEL: vsum.gostack.body:
// CHECK-NEXT:    .cfi_startproc
// CHECK-NEXT:  # %bb.{{[0-9]+}}:
// CHECK-NEXT:    cmpq %fs:112, %rsp
// CHECK:         callq __morestack
// CHECK:       .Lfunc_end
// CHECK-LABEL: logf_.gostack.body:
// CHECK-NEXT:    .cfi_startproc
// CHECK-NEXT:  # %bb.{{[0-9]+}}:
// CHECK-NEXT:    cmpq %fs:112, %rsp
// CHECK-DAG:     callq __gostack_systemstack_call
// CHECK-DAG:     callq __morestack

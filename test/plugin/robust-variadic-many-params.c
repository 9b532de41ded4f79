// Variadic functions through clang: one with a few fixed parameters is split (remarks for the split
// and for the body's check); one with too many fixed parameters for the unchecked entry's budget
// gets the warning and compiles unsplit. Both compile at -O0 and -O2, with the IR verified after
// every pass.
//
// RUN: %clang-plugin -O0 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s

#include <stdarg.h>

// CHECK-DAG: robust-variadic-many-params.c:[[@LINE+2]]:{{[0-9]+}}: remark: variadic function split into an unchecked entry and a checked body
// CHECK-DAG: robust-variadic-many-params.c:[[@LINE+1]]:{{[0-9]+}}: remark: stack check inserted
int few(int n, ...) {
  va_list ap;
  va_start(ap, n);
  int s = 0;
  for (int i = 0; i < n; i++)
    s += va_arg(ap, int);
  va_end(ap);
  return s;
}

// CHECK-DAG: robust-variadic-many-params.c:{{[0-9]+}}:{{[0-9]+}}: warning: gostack: variadic function 'many' has too many fixed parameters for its unchecked entry frame to fit the stack guard reserve; not instrumented
long many(long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8, long a9, long a10,
          long a11, long a12, long a13, long a14, long a15, long a16, long a17, long a18, long a19,
          long a20, ...) {
  va_list ap;
  va_start(ap, a20);
  long r = va_arg(ap, long) + a1 + a20;
  va_end(ap);
  return r;
}

// CHECK-NOT: error

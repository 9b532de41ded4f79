// A variadic function that also uses alloca and a VLA (dynamic allocas move into the checked body,
// the entry stays minimal) and calls external functions with its locals. Compiles at -O0 and
// -O2 with the IR verified after every pass; the entry has no check, the body has one.
//
// RUN: %clang-plugin -O0 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: %clang-plugin -O2 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: %clang-plugin -O0 -S %s -o - 2>/dev/null | FileCheck %s
// RUN: %clang-plugin -O2 -S %s -o - 2>/dev/null | FileCheck %s

#include <alloca.h>
#include <stdarg.h>
#include <string.h>

void sink(char *, int);

// REMARK-DAG: robust-variadic-vla-alloca.c:[[@LINE+3]]:{{[0-9]+}}: remark: variadic function split into an unchecked entry and a checked body
// REMARK-DAG: robust-variadic-vla-alloca.c:[[@LINE+2]]:{{[0-9]+}}: remark: stack check inserted
// REMARK-DAG: remark: call to 'sink' runs on the system stack unless the callee is gostack-compiled
int vla_va(int n, ...) {
  va_list ap;
  va_start(ap, n);
  char vla[n + 1];
  char *a = alloca(2 * n + 1);
  for (int i = 0; i < n; i++) {
    vla[i] = (char)va_arg(ap, int);
    a[i] = vla[i];
  }
  va_end(ap);
  vla[n] = a[n] = 0;
  sink(vla, n);
  sink(a, (int)strlen(a));
  return vla[0] + a[0];
}
// REMARK-NOT: error

// CHECK-LABEL: vla_va:
// CHECK-NOT:     %fs:112
// CHECK:         callq vla_va.gostack.body
// CHECK-NOT:     %fs:112
// CHECK:       .Lfunc_end0:
// CHECK-LABEL: vla_va.gostack.body:
// CHECK:         cmpq %fs:112, {{%rsp|%r11}}
// CHECK:       .Lfunc_end1:

// Computed goto in a *variadic* function: the split moves the labels into the body, so the label
// addresses must follow (or the function must stay unsplit). The bitcode clang writes (-flto,
// -emit-llvm -c) must read back, and the object code must compile.
//
// RUN: %clang-plugin -O0 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each
// RUN: %clang-plugin -O2 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each
// RUN: %clang-plugin -O0 -c -emit-llvm %s -o %t0.bc -fno-crash-diagnostics
// RUN: %opt -passes=verify -disable-output %t0.bc
// RUN: %clang-plugin -O2 -flto -c %s -o %t2.bc -fno-crash-diagnostics
// RUN: %opt -passes=verify -disable-output %t2.bc

#include <stdarg.h>

int vgoto(int n, ...) {
  static void *table[] = {&&a, &&b};
  va_list ap;
  va_start(ap, n);
  int x = va_arg(ap, int);
  va_end(ap);
  goto *table[n & 1];
a:
  return x + 1;
b:
  return x + 2;
}

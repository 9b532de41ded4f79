// Calls through an unprototyped (K&R) declaration or an implicit declaration are direct calls to
// an external function, but their call type differs from the declaration's (`declare i32
// @f(...)`, `call i32 (i32, double, ...) @f(...)`). They must still run on the system stack like
// any other call to code the plugin did not compile (an uninstrumented puts() on a 2 KB task stack
// overflows it). Compiles with the IR verified after every pass.
//
// RUN: %clang-plugin -std=gnu89 -Wno-implicit-function-declaration -Wno-deprecated-non-prototype \
// RUN:   -O0 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each -Rpass=gostack 2>&1 \
// RUN:   | FileCheck %s
// RUN: %clang-plugin -std=gnu89 -Wno-implicit-function-declaration -Wno-deprecated-non-prototype \
// RUN:   -O2 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each -Rpass=gostack 2>&1 \
// RUN:   | FileCheck %s
// RUN: %clang-plugin -std=gnu89 -Wno-implicit-function-declaration -Wno-deprecated-non-prototype \
// RUN:   -O2 -S %s -o - 2>/dev/null | FileCheck %s --check-prefix=ASM

int knr_ext();
int puts();

// CHECK-DAG: robust-knr-call.c:[[@LINE+1]]:1: remark: stack check inserted
int f(void) {
  // CHECK-DAG: robust-knr-call.c:[[@LINE+1]]:{{[0-9]+}}: remark: call to 'puts' runs on the system stack
  puts("hi");
  // CHECK-DAG: robust-knr-call.c:[[@LINE+1]]:{{[0-9]+}}: remark: call to 'knr_ext' runs on the system stack
  return knr_ext(1, 2.0);
}

// CHECK-DAG: robust-knr-call.c:[[@LINE+1]]:1: remark: stack check inserted
int g(void) {
  // CHECK-DAG: robust-knr-call.c:[[@LINE+1]]:{{[0-9]+}}: remark: call to 'implicit_ext' runs on the system stack
  return implicit_ext(3);
}
// CHECK-NOT: error

// ASM-LABEL: f:
// ASM:         callq __gostack_systemstack_call
// ASM:       .Lfunc_end0:
// ASM-LABEL: g:
// ASM:         callq __gostack_systemstack_call
// ASM:       .Lfunc_end1:

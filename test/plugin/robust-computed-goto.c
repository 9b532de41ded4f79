// Computed goto (blockaddress + indirectbr) in an instrumented function that also makes a foreign
// call: compiles at -O0 and -O2 with the IR verified after every pass, and as bitcode that reads
// back.
//
// RUN: %clang-plugin -O0 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -c -emit-llvm %s -o %t.bc -fno-crash-diagnostics
// RUN: %opt -passes=verify -disable-output %t.bc

int ext(int);

// CHECK: robust-computed-goto.c:[[@LINE+1]]:1: remark: stack check inserted
int dispatch(const unsigned char *code, int acc) {
  static void *table[] = {&&op_inc, &&op_call, &&op_end};
  const unsigned char *pc = code;
  goto *table[*pc++];
op_inc:
  acc++;
  goto *table[*pc++];
op_call:
  acc = ext(acc);
  goto *table[*pc++];
op_end:
  return acc;
}
// CHECK: remark: call to 'ext' runs on the system stack unless the callee is gostack-compiled
// CHECK-NOT: error

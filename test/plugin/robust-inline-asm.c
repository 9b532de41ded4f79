// Inline asm, including asm goto (a callbr, which the plugin leaves alone) and an asm that calls
// a function itself: the functions are instrumented, the asm is untouched, nothing is routed.
// Compiles at -O0 and -O2 with the IR verified after every pass.
//
// RUN: %clang-plugin -O0 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -S %s -o - 2>/dev/null | FileCheck %s --check-prefix=ASM
// RUN: %clang-plugin -O2 -c %s -o %t.o 2>&1 | FileCheck %s --check-prefix=WARN

// CHECK-NOT: runs on the system stack
// CHECK: robust-inline-asm.c:[[@LINE+1]]:1: remark: stack check inserted
int add1(int x) {
  int y;
  __asm__ volatile("movl %1, %0\n\taddl $1, %0" : "=r"(y) : "r"(x));
  return y;
}

// CHECK: robust-inline-asm.c:[[@LINE+1]]:1: remark: stack check inserted
int asm_goto(int x) {
  __asm__ goto("testl %0, %0\n\tjne %l[nonzero]" : : "r"(x) : "cc" : nonzero);
  return 0;
nonzero:
  return 1;
}

// CHECK: robust-inline-asm.c:[[@LINE+1]]:1: remark: stack check inserted
int asm_goto_out(int x) {
  int y = x;
  __asm__ goto("addl $1, %0\n\tjc %l[carry]" : "+r"(y) : : "cc" : carry);
  return y;
carry:
  return -1;
}

void asm_callee(void);
// CHECK: robust-inline-asm.c:[[@LINE+1]]:1: remark: stack check inserted
void asm_calls(void) {
  __asm__ volatile("call asm_callee" ::: "memory", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9",
                   "r10", "r11");
}
// CHECK-NOT: runs on the system stack
// CHECK-NOT: error

// ASM-LABEL: asm_goto:
// ASM:         cmpq %fs:112, %rsp
// ASM-LABEL: asm_calls:
// ASM:         cmpq %fs:112, %rsp
// ASM:         callq asm_callee
// ASM-NOT:     __gostack_systemstack_call
// ASM:       .Lfunc_end

// Diagnosed, not refused: a stack switch in asm, and (above) a call made from inside asm.
// WARN-DAG: robust-inline-asm.c:[[@LINE+1]]:{{[0-9]+}}: warning: gostack: inline asm in 'asm_switches_stack' clobbers the stack pointer
void asm_switches_stack(void *new_sp) {
  __asm__ volatile("xchgq %0, %%rsp\n\txchgq %0, %%rsp" : "+r"(new_sp) : : "rsp", "memory");
}
// WARN-DAG: warning: gostack: inline asm in 'asm_calls' makes a call

// Inline asm after calls that may move the stack, with stack maps (the default): the compiler
// crashed in RewriteStatepointsForGC on any of these (even a lone "nop" after a call). Every
// shape compiles at -O0 and -O2 with the IR verified after every pass; each function gets its
// stack maps, and the asm stays where it was, after the call, not a move point itself.
//
// RUN: %clang-plugin -O0 -c %s -o %t0.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: %clang-plugin -O2 -c %s -o %t2.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: %clang-plugin -O0 -S %s -o - | FileCheck %s --check-prefix=ASM --implicit-check-not=__gostack.asm
// RUN: %clang-plugin -O2 -S %s -o - | FileCheck %s --check-prefix=ASM --implicit-check-not=__gostack.asm
// RUN: %clang-plugin -O2 -S -emit-llvm %s -o - | FileCheck %s --check-prefix=IR

void g(void);
void h(void *);

// REMARK-NOT: error
// REMARK: robust-inline-asm-maps.c:[[@LINE+5]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: after_call:
// ASM:         callq g
// ASM:         {{^}}	nop{{$}}
// ASM-NEXT:    #NO_APP
void after_call(void) {
  g();
  __asm__ volatile("nop");
}

// Register operands, a value live across both calls.
// REMARK: robust-inline-asm-maps.c:[[@LINE+4]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: inout:
// ASM:         callq g
// ASM:         addl %{{.*}}, %{{.*}}
int inout(int x, int y) {
  g();
  __asm__("addl %1, %0" : "+r"(x) : "r"(y));
  g();
  return x;
}

// A memory operand on a local array, and a pointer to another local live across the calls.
// REMARK: robust-inline-asm-maps.c:[[@LINE+4]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: memory_operands:
// ASM:         callq g
// ASM:         addq $1,
long memory_operands(void) {
  long arr[4] = {1, 2, 3, 4};
  long v = 5, *p = &v;
  g();
  __asm__ volatile("addq $1, %0" : "+m"(arr[1]));
  __asm__ volatile("addq %1, %0" : "+m"(*p) : "r"(arr[1]));
  g();
  return arr[1] + *p;
}

// Pointer outputs (one, and two at once) used after a call.
// REMARK: robust-inline-asm-maps.c:[[@LINE+4]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: outputs:
// ASM:         #APP
// ASM:         callq g
char *outputs(char *p) {
  char *q, *r, *s;
  __asm__("movq %1, %0" : "=r"(s) : "r"(p));
  __asm__("movq %2, %0\n\tmovq %2, %1" : "=&r"(q), "=&r"(r) : "r"(p));
  g();
  h(q);
  h(s);
  return r;
}

// Asm in a loop that calls, with a "memory" clobber.
// REMARK: robust-inline-asm-maps.c:[[@LINE+4]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: in_loop:
// ASM-DAG:     callq g
// ASM-DAG:     addl %
int in_loop(int n, int *out) {
  int s = 0;
  for (int i = 0; i < n; i++) {
    g();
    __asm__("addl %1, %0" : "+r"(s) : "r"(i));
    __asm__ volatile("" ::: "memory");
    *out = s;
  }
  return s;
}

// asm goto after a call, without and with a (pointer) output used after another call.
// REMARK: robust-inline-asm-maps.c:[[@LINE+6]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: asm_goto:
// ASM:         callq g
// ASM:         # asm_goto
// ASM-NEXT:    testl
// ASM-NEXT:    jne
int asm_goto(int x) {
  char buf[8];
  g();
  __asm__ goto("# asm_goto\n\ttestl %0, %0\n\tjne %l[nz]" : : "r"(x) : "cc" : nz);
  h(buf);
  return 0;
nz:
  h(buf);
  return 1;
}

// REMARK: robust-inline-asm-maps.c:[[@LINE+6]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: asm_goto_output:
// ASM:         callq g
// ASM:         # asm_goto_output
// ASM-NEXT:    leaq
// ASM-NEXT:    testl
char *asm_goto_output(int x) {
  char buf[8], *q;
  g();
  __asm__ goto("# asm_goto_output\n\tleaq %1, %0\n\ttestl %2, %2\n\tjne %l[nz]"
               : "=&r"(q)
               : "m"(buf[0]), "r"(x)
               : "cc"
               : nz);
  g();
  h(q);
  return q;
nz:
  return 0;
}

// The asm is never wrapped in a statepoint.
// IR-NOT: gc.statepoint{{.*}} asm
// IR-NOT: __gostack.asm

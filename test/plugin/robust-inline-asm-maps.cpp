// C++: inline asm next to invokes, landing pads and destructors, with stack maps (the default).
// The compiler crashed in RewriteStatepointsForGC on asm after any call that may move the
// stack. Compiles at -O0 and -O2 with the IR verified after every pass; the asm is not a move
// point and nothing of the plugin's stand-ins is left.
//
// RUN: %clang-plugin -O0 -c %s -o %t0.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: %clang-plugin -O2 -c %s -o %t2.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: %clang-plugin -O0 -S %s -o - | FileCheck %s --check-prefix=ASM --implicit-check-not=__gostack.asm
// RUN: %clang-plugin -O2 -S %s -o - | FileCheck %s --check-prefix=ASM --implicit-check-not=__gostack.asm

void ext();
void use(void *);
struct D {
  ~D();
};

// REMARK-NOT: error
// REMARK: robust-inline-asm-maps.cpp:[[@LINE+4]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: _Z10after_callii:
// ASM:         # after_call
// ASM-NEXT:    addl
int after_call(int x, int y) {
  D d;
  ext();
  __asm__("# after_call\n\taddl %1, %0" : "+r"(x) : "r"(y));
  ext();
  return x;
}

// In a try block and in the handler.
// REMARK: robust-inline-asm-maps.cpp:[[@LINE+4]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: _Z6in_tryi:
// ASM:         # in_try
// ASM:         # in_catch
int in_try(int x) {
  long buf[2] = {1, 2};
  try {
    ext();
    __asm__ volatile("# in_try\n\taddq $1, %0" : "+m"(buf[0]) : : "memory");
    ext();
  } catch (...) {
    __asm__ volatile("# in_catch" ::: "memory");
    use(buf);
  }
  return x + (int)buf[0];
}

// asm goto between calls, with a destructor to run on both paths.
// REMARK: robust-inline-asm-maps.cpp:[[@LINE+4]]:1: remark: stack maps at {{[1-9]}} call site(s)
// ASM-LABEL: _Z8asm_gotoi:
// ASM:         # asm_goto
// ASM-NEXT:    testl
int asm_goto(int x) {
  D d;
  char b[4];
  ext();
  asm goto("# asm_goto\n\ttestl %0, %0\n\tjne %l1" : : "r"(x) : : lbl);
  use(b);
  return 0;
lbl:
  use(b);
  return 1;
}

// The prologue check through clang (the way gostack-clang compiles), C and C++, -O0 and -O2: a
// small frame compares SP with the guard (`cmpq %fs:112, %rsp`, then `jbe` to the out-of-line slow
// path at -O2 or `ja` over the inline one at -O0); 4 KB and 1 MB frames compare SP - frame
// (`leaq -N(%rsp), %r11`, `cmpq %fs:112, %r11`); the slow path is `movl $N, %r10d`,
// `movl $0, %r11d`, `callq __morestack`, `retq` (and at -O2 `jmp` back to the body). The check is
// the first instruction of each function. (The locals do not escape, so they stay in the frame.)
//
// RUN: %clang-plugin -O0 -S %s -o - | FileCheck %s --check-prefixes=CHECK,O0
// RUN: %clang-plugin -O2 -S %s -o - | FileCheck %s --check-prefixes=CHECK,O2
// RUN: %clang-plugin -O0 -S -x c++ %s -o - | FileCheck %s --check-prefixes=CHECK,O0
// RUN: %clang-plugin -O2 -S -x c++ %s -o - | FileCheck %s --check-prefixes=CHECK,O2

#ifdef __cplusplus
extern "C" {
#endif

// CHECK-LABEL: small:
// CHECK-NEXT:    .cfi_startproc
// CHECK-NEXT:  # %bb.{{[0-9]+}}:
// CHECK-NEXT:    cmpq %fs:112, %rsp
// O2-NEXT:       jbe [[SLOW:\.LBB0_[0-9]+]]
// O0-NEXT:       ja [[BODY:\.LBB0_[0-9]+]]
// O0-NEXT:     # %bb.{{[0-9]+}}:
// O0-NEXT:       movl ${{[0-9]+}}, %r10d
// O0-NEXT:       movl $0, %r11d
// O0-NEXT:       callq __morestack
// O0-NEXT:       retq
// O0-NEXT:     [[BODY]]:
// O0-NEXT:       pushq %rbp
// O2:          [[SLOW]]:
// O2-NEXT:       .cfi_restore %rbp
// O2-NEXT:       movl ${{[0-9]+}}, %r10d
// O2-NEXT:       movl $0, %r11d
// O2-NEXT:       callq __morestack
// O2-NEXT:       retq
// O2-NEXT:       jmp
// CHECK:       .Lfunc_end0:
int small(int x) {
  int a[8];
  for (int j = 0; j < 8; j++)
    a[j] = x * j + (x >> j);
  return a[x & 7] + a[(x >> 3) & 7];
}

// CHECK-LABEL: big4k:
// CHECK-NEXT:    .cfi_startproc
// CHECK-NEXT:  # %bb.{{[0-9]+}}:
// CHECK-NEXT:    leaq -[[FRAME:4[0-9][0-9][0-9]]](%rsp), %r11
// CHECK-NEXT:    cmpq %fs:112, %r11
// O2-NEXT:       jbe [[SLOW:\.LBB1_[0-9]+]]
// O0-NEXT:       ja
// O0-NEXT:     # %bb.{{[0-9]+}}:
// O2:          [[SLOW]]:
// O2-NEXT:       .cfi_restore %rbp
// CHECK-NEXT:    movl $[[FRAME]], %r10d
// CHECK-NEXT:    movl $0, %r11d
// CHECK-NEXT:    callq __morestack
// CHECK-NEXT:    retq
// CHECK:       .Lfunc_end1:
int big4k(int i) {
  char a[4096];
  for (int j = 0; j < 4096; j++)
    a[j] = (char)(i * j + (i >> (j & 7)));
  return a[i & 4095] + a[(i >> 12) & 4095];
}

// CHECK-LABEL: big1m:
// CHECK-NEXT:    .cfi_startproc
// CHECK-NEXT:  # %bb.{{[0-9]+}}:
// CHECK-NEXT:    leaq -[[FRAME:104[89][0-9][0-9][0-9]]](%rsp), %r11
// CHECK-NEXT:    cmpq %fs:112, %r11
// O2-NEXT:       jbe [[SLOW:\.LBB2_[0-9]+]]
// O0-NEXT:       ja
// O0-NEXT:     # %bb.{{[0-9]+}}:
// O2:          [[SLOW]]:
// O2-NEXT:       .cfi_restore %rbp
// CHECK-NEXT:    movl $[[FRAME]], %r10d
// CHECK-NEXT:    movl $0, %r11d
// CHECK-NEXT:    callq __morestack
// CHECK-NEXT:    retq
// CHECK:       .Lfunc_end2:
int big1m(int i) {
  char a[1 << 20];
  for (int j = 0; j < (1 << 20); j++)
    a[j] = (char)(i * j + (i >> (j & 7)));
  return a[i & 0xfffff] + a[(i >> 20) & 0xfffff];
}

#ifdef __cplusplus
}
#endif

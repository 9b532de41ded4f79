// setjmp and friends through clang: setjmp (glibc's macro for _setjmp), sigsetjmp (__sigsetjmp),
// __builtin_setjmp/__builtin_longjmp (intrinsics), longjmp, siglongjmp and vfork all stay direct
// calls on the task stack (a system-stack thunk frame would be gone when setjmp returns again);
// only the ordinary external call is routed. Compiles at -O0 and -O2 with the IR verified after
// every pass.
//
// RUN: %clang-plugin -O0 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s
// RUN: %clang-plugin -O0 -S %s -o - 2>/dev/null | FileCheck %s --check-prefix=ASM
// RUN: %clang-plugin -O2 -S %s -o - 2>/dev/null | FileCheck %s --check-prefix=ASM

#include <setjmp.h>
#include <unistd.h>

jmp_buf jb;
sigjmp_buf sjb;
void *bjb[5];
void g(int);

// CHECK-NOT: call to '{{_?setjmp|__sigsetjmp|longjmp|_longjmp|siglongjmp|vfork}}'
// CHECK: remark: call to 'g' runs on the system stack unless the callee is gostack-compiled
// CHECK-NOT: call to '{{_?setjmp|__sigsetjmp|longjmp|_longjmp|siglongjmp|vfork}}'
// CHECK-NOT: error
int f(int x) {
  if (setjmp(jb))
    return 1;
  if (sigsetjmp(sjb, 1))
    return 2;
  if (__builtin_setjmp(bjb))
    return 3;
  g(x);
  if (x == 1)
    longjmp(jb, 1);
  if (x == 2)
    siglongjmp(sjb, 1);
  if (x == 3)
    __builtin_longjmp(bjb, 1);
  return 0;
}

int child(void) { return vfork(); }

// ASM-LABEL: f:
// ASM:         cmpq %fs:112, %rsp
// ASM-DAG:     callq _setjmp
// ASM-DAG:     callq __sigsetjmp
// ASM-DAG:     callq __gostack_longjmp
// ASM-DAG:     callq __gostack_longjmp
// ASM-NOT:     __gostack_thunk.{{_?setjmp|__sigsetjmp|longjmp|siglongjmp}}
// ASM:       .Lfunc_end0:
// ASM-LABEL: child:
// ASM:         callq vfork
// ASM-NOT:     __gostack_thunk.vfork
// ASM:       .Lfunc_end1:

// C++ with exceptions: a try/catch around calls to an external function (invokes). Both the
// direct invoke and the trampoline invoke unwind to the same landing pad; the function is checked;
// it compiles to an object file at -O0 and -O2 with the IR verified after every pass.
//
// RUN: %clang-plugin -O0 -c %s -o %t0.o -fno-crash-diagnostics -Xclang -llvm-verify-each
// RUN: %clang-plugin -O2 -c %s -o %t2.o -fno-crash-diagnostics -Xclang -llvm-verify-each
// RUN: %clang-plugin -O0 -S %s -o - | FileCheck %s --check-prefix=ASM
// RUN: %clang-plugin -O2 -S %s -o - | FileCheck %s --check-prefix=ASM
// RUN: env GOSTACK_STACK_MAPS=0 %clang-plugin -O0 -S -emit-llvm %s -o - | FileCheck %s --check-prefix=IR
// RUN: env GOSTACK_STACK_MAPS=0 %clang-plugin -O2 -S -emit-llvm %s -o - | FileCheck %s --check-prefix=IR

extern int ext(int);
struct D {
  ~D();
};

int tc(int x) {
  int state = 0;
  try {
    D d;
    state = ext(x);
    state += ext(state);
  } catch (int e) {
    return e + state;
  } catch (...) {
    return -1;
  }
  return state;
}

// ASM-LABEL: _Z2tci:
// ASM:         .cfi_personality
// ASM:         .cfi_lsda
// ASM:         cmpq %fs:112, {{%rsp|%r11}}
// ASM-DAG:     callq _Z3exti@PLT
// ASM-DAG:     callq __gostack_systemstack_call@PLT
// ASM-DAG:     callq __morestack
// ASM:       .Lfunc_end0:
// ASM:       GCC_except_table0:

// Each of the two calls: the direct invoke and the trampoline invoke, same landing pad.
// IR-LABEL: define {{.*}} @_Z2tci(
// IR:         invoke noundef i32 @_Z3exti(
// IR-NEXT:            to label %{{[0-9]+}} unwind label %[[LP:[0-9]+]]
// IR:         invoke void @__gostack_systemstack_call(ptr @__gostack_thunk._Z3exti,
// IR-NEXT:            to label %{{[0-9]+}} unwind label %[[LP]]
// IR:         invoke noundef i32 @_Z3exti(
// IR-NEXT:            to label %{{[0-9]+}} unwind label %[[LP]]
// IR:         invoke void @__gostack_systemstack_call(ptr @__gostack_thunk._Z3exti,
// IR-NEXT:            to label %{{[0-9]+}} unwind label %[[LP]]
// IR:       {{^}}[[LP]]:
// IR-NOT:   {{^[0-9]+:}}
// IR:         landingpad { ptr, i32 }

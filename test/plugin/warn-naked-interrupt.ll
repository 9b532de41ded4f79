; Naked functions (no prologue to put a check in), x86 interrupt handlers (they run on whatever
; stack the CPU gave them) and GHC-convention functions (an argument in RBP) are not instrumented: a warning each, no "split-stack", no marker, their
; calls are not routed. They still get "frame-pointer"="all". Other functions are unaffected.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s 2>%t.err | FileCheck %s
; RUN: FileCheck %s --check-prefix=WARN --input-file=%t.err
; The backend accepts the result.
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s 2>/dev/null | %llc -O2 -o /dev/null

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

%frame = type { i64, i64, i64, i64, i64 }

declare void @ext()

; WARN:      warning: <unknown>:0:0: in function nk void (): gostack: naked function 'nk' is not instrumented; it must fit in the stack guard reserve (docs/design.md)
; WARN-EMPTY:
; WARN-NEXT: warning: <unknown>:0:0: in function isr void (ptr): gostack: function 'isr' uses the x86 interrupt calling convention and is not instrumented; it must fit in the stack guard reserve (docs/design.md)
; WARN-EMPTY:
; WARN-NEXT: warning: <unknown>:0:0: in function ghc void (i64): gostack: function 'ghc' uses the GHC calling convention and is not instrumented; it must fit in the stack guard reserve (docs/design.md)
; WARN-NOT:  warning

; CHECK-NOT:   @__gostack_fn.nk
; CHECK-NOT:   @__gostack_fn.isr
; CHECK:       @__gostack_fn.normal = alias
; CHECK-NOT:   @__gostack_fn.nk
; CHECK-NOT:   @__gostack_fn.isr

; CHECK-LABEL: define void @nk(
; CHECK-SAME:    ) #[[NAKED:[0-9]+]] {
; CHECK-NEXT:    call void asm sideeffect "call ext; ret", ""()
; CHECK-NEXT:    unreachable
define void @nk() naked noinline {
  call void asm sideeffect "call ext; ret", ""()
  unreachable
}

; CHECK-LABEL: define x86_intrcc void @isr(
; CHECK-SAME:    ptr byval(%frame) %f) #[[ISR:[0-9]+]] {
; CHECK-NEXT:    call void @ext()
; CHECK-NEXT:    ret void
define x86_intrcc void @isr(ptr byval(%frame) %f) {
  call void @ext()
  ret void
}

; CHECK-LABEL: define void @normal(
; CHECK-SAME:    ) #[[INSTR:[0-9]+]] {
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk.ext,
define void @normal() {
  call void @ext()
  ret void
}

; CHECK-LABEL: define ghccc void @ghc(
; CHECK-SAME:    ) #[[ISR]] {
define ghccc void @ghc(i64 %a) {
  call void @ext()
  ret void
}

; CHECK-DAG:   attributes #[[NAKED]] = { naked noinline "frame-pointer"="all" }
; CHECK-DAG:   attributes #[[ISR]] = { "frame-pointer"="all" }
; CHECK-DAG:   attributes #[[INSTR]] = { "frame-pointer"="all" "split-stack" }

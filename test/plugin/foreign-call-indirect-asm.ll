; The fast path of a routed indirect call (ForeignCalls.cpp) is the cache load and compare and
; the call itself: nothing is stored for the system-stack path before the branch, and the
; run-time question is out of line. With stack maps the call is still a plain `callq *%reg`
; (a statepoint lowers to the call plus a map record).
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s | %llc -O2 -o - | FileCheck %s
; RUN: %clang-plugin -Wno-override-module -O2 -S %s -o - | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: call_fp:
; CHECK:         cmpq %fs:112, %rsp
; CHECK:         movq %rdi, %[[FP:r[a-z0-9]+]]
; CHECK-NEXT:    movq gostack.icache.instrumented(%rip), %rax
; CHECK-NEXT:    cmpq %rax, %rdi
; CHECK-NEXT:    jne .LBB0_[[MISS:[0-9]+]]
; CHECK-NEXT:  {{^(\.LBB0_[0-9]+|# %bb\.[0-9]+):}}{{.*}}# %gostack.direct
; CHECK-NOT:     {{^\.LBB|__gostack}}
; CHECK:         callq *%[[FP]]
; CHECK:       .LBB0_[[MISS]]:
; CHECK-SAME:    # %gostack.icache.miss
; CHECK:         gostack.icache.foreign(%rip)
; CHECK:         callq __gostack_systemstack_call
; CHECK:         callq __gostack_is_instrumented
define i32 @call_fp(ptr %fp, i32 %x) {
  %r = call i32 %fp(i32 %x)
  ret i32 %r
}

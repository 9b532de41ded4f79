; The user's main becomes __gostack_main (the runtime's main runs it as task 1); it is instrumented
; like any function, its calls and uses follow the rename, and it gets no marker alias (neither
; under the old nor the new name).
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@main_ptr = global ptr @main

; CHECK:       @main_ptr = global ptr @__gostack_main
; CHECK-NOT:   @__gostack_fn.main
; CHECK-NOT:   @__gostack_fn.__gostack_main
; CHECK:       @__gostack_fn.helper = alias i8, ptr @helper
; CHECK-NOT:   @__gostack_fn.main
; CHECK-NOT:   @__gostack_fn.__gostack_main

; CHECK-NOT:   define {{.*}} @main(
; CHECK-LABEL: define i32 @helper(
; CHECK-NEXT:    %r = call i32 @__gostack_main(i32 0, ptr null)
define i32 @helper() {
  %r = call i32 @main(i32 0, ptr null)
  ret i32 %r
}

; CHECK-LABEL: define i32 @__gostack_main(
; CHECK-SAME:    i32 %argc, ptr %argv) #[[INSTR:[0-9]+]] {
; CHECK-NEXT:    ret i32 %argc
define i32 @main(i32 %argc, ptr %argv) {
  ret i32 %argc
}

; CHECK-NOT:   define {{.*}} @main(
; CHECK:       attributes #[[INSTR]] = { "frame-pointer"="all" "split-stack" }

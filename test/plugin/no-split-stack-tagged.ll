; A module the front end tagged (clang -Xclang -fsplit-stack puts "split-stack" on every function
; except __attribute__((no_split_stack)) ones): only the tagged definitions get the check. An
; untagged one gets no "split-stack" and no marker alias (callers in other units must not think it
; checks itself), but still gets "frame-pointer"="all", and since it still runs on task stacks its
; foreign calls are routed like everyone else's. A tagged *declaration* alone does not make a
; module tagged (see untagged-module.ll).
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s 2>%t.remarks -pass-remarks=gostack -pass-remarks-missed=gostack \
; RUN:   | FileCheck %s
; RUN: FileCheck %s --check-prefix=REMARK --input-file=%t.remarks

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @ext(i32)

; Markers: only for the tagged external definition.
; CHECK-NOT:   @__gostack_fn.unchecked = alias
; CHECK-DAG:   @__gostack_fn.checked = alias i8, ptr @checked
; CHECK-DAG:   @__gostack_fn.ext = extern_weak constant i8
; CHECK-NOT:   @__gostack_fn.unchecked = alias

; CHECK-LABEL: define void @checked(
; CHECK-SAME:    ) #[[CHECKED:[0-9]+]] {
; CHECK:         icmp ne ptr @__gostack_fn.ext, null
; CHECK:         call void @ext(i32 1)
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk.ext,
define void @checked() "split-stack" {
  call void @ext(i32 1)
  ret void
}

; CHECK-LABEL: define void @unchecked(
; CHECK-SAME:    ) #[[UNCHECKED:[0-9]+]] {
; CHECK:         icmp ne ptr @__gostack_fn.ext, null
; CHECK:         call void @ext(i32 2)
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk.ext,
define void @unchecked() "frame-pointer"="none" {
  call void @ext(i32 2)
  ret void
}

; CHECK-LABEL: define internal void @unchecked_internal(
; CHECK-SAME:    ) #[[UNCHECKED]] {
define internal void @unchecked_internal() {
  ret void
}

; CHECK-DAG:   attributes #[[CHECKED]] = { "frame-pointer"="all" "split-stack" }
; CHECK-DAG:   attributes #[[UNCHECKED]] = { "frame-pointer"="all" }

; One check inserted (in @checked), two functions reported as no_split_stack.
; REMARK-DAG:  remark: <unknown>:0:0: not instrumented: no_split_stack
; REMARK-DAG:  remark: <unknown>:0:0: not instrumented: no_split_stack
; REMARK-DAG:  remark: <unknown>:0:0: stack check inserted
; REMARK-NOT:  stack check inserted
; REMARK-NOT:  no_split_stack

; A module without any "split-stack" definition (plain opt, clang without -fsplit-stack): every
; definition is instrumented. Each one gets "split-stack" and "frame-pointer"="all" (an existing
; "frame-pointer"="none" is overridden, other attributes are kept); declarations get neither.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define i32 @plain(
; CHECK-SAME:    i32 %x) #[[INSTR:[0-9]+]] {
; CHECK-NEXT:    %y = add i32 %x, 1
; CHECK-NEXT:    ret i32 %y
; CHECK-NEXT:  }
define i32 @plain(i32 %x) {
  %y = add i32 %x, 1
  ret i32 %y
}

; "frame-pointer"="none" becomes "all": same attribute group as @plain.
; CHECK-LABEL: define internal void @leaf_nofp(
; CHECK-SAME:    ) #[[INSTR]] {
define internal void @leaf_nofp() "frame-pointer"="none" {
  ret void
}

; CHECK-LABEL: define void @uses_leaf(
; CHECK-SAME:    ) #[[NOUNWIND:[0-9]+]] {
; CHECK-NEXT:    call void @leaf_nofp()
; CHECK-NEXT:    ret void
define void @uses_leaf() nounwind "frame-pointer"="non-leaf" {
  call void @leaf_nofp()
  ret void
}

; A declaration gets nothing.
; CHECK-LABEL: declare void @unused_decl(){{$}}
declare void @unused_decl()

; CHECK-NOT:   "frame-pointer"="none"
; CHECK-NOT:   "frame-pointer"="non-leaf"
; CHECK-DAG:   attributes #[[INSTR]] = { "frame-pointer"="all" "split-stack" }
; CHECK-DAG:   attributes #[[NOUNWIND]] = { nounwind "frame-pointer"="all" "split-stack" }
; CHECK-NOT:   "frame-pointer"="none"
; CHECK-NOT:   "frame-pointer"="non-leaf"

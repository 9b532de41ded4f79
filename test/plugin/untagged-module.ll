; No *definition* carries "split-stack" (only a declaration does): the module counts as untagged
; and every definition is instrumented, whatever its linkage.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: declare void @tagged_decl()
; CHECK-SAME:    #[[DECL:[0-9]+]]
declare void @tagged_decl() "split-stack"

; CHECK-LABEL: define void @ext_def(
; CHECK-SAME:    ) #[[INSTR:[0-9]+]] {
define void @ext_def() {
  ret void
}

; CHECK-LABEL: define internal void @internal_def(
; CHECK-SAME:    ) #[[INSTR]] {
define internal void @internal_def() {
  ret void
}

; CHECK-LABEL: define linkonce_odr void @inline_def(
; CHECK-SAME:    ) #[[INSTR]] {
define linkonce_odr void @inline_def() {
  ret void
}

; CHECK-LABEL: define weak void @weak_def(
; CHECK-SAME:    ) #[[INSTR]] {
define weak void @weak_def() {
  ret void
}

; CHECK-DAG:   attributes #[[DECL]] = { "split-stack" }
; CHECK-DAG:   attributes #[[INSTR]] = { "frame-pointer"="all" "split-stack" }

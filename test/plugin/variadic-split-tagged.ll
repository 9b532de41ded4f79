; In a front-end-tagged module, a tagged variadic function is split the same way: "split-stack"
; leaves the entry (the backend would abort on a variadic split-stack function) and lands on the
; body. An untagged (no_split_stack) variadic function is left alone: not split, no check.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s
; The result must also go through the backend (which aborts on a split-stack variadic function).
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s | %llc -O0 -o /dev/null

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @llvm.va_start.p0(ptr)
declare void @llvm.va_end.p0(ptr)

; CHECK-LABEL: define i32 @tagged(
; CHECK-SAME:    i32 %0, ...) #[[ENTRY:[0-9]+]] {
; CHECK:         call i32 @tagged.gostack.body(i32 %0, ptr %ap)
define i32 @tagged(i32 %n, ...) "split-stack" {
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %v = va_arg ptr %ap, i32
  call void @llvm.va_end.p0(ptr %ap)
  ret i32 %v
}

; CHECK-LABEL: define i32 @untagged(
; CHECK-SAME:    i32 %n, ...) #[[PLAIN:[0-9]+]] {
; CHECK-NEXT:    %ap = alloca [24 x i8], align 16
; CHECK-NEXT:    call void @llvm.va_start.p0(ptr %ap)
; CHECK-NEXT:    %v = va_arg ptr %ap, i32
define i32 @untagged(i32 %n, ...) {
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %v = va_arg ptr %ap, i32
  call void @llvm.va_end.p0(ptr %ap)
  ret i32 %v
}

; CHECK-LABEL: define internal i32 @tagged.gostack.body(
; CHECK-SAME:    i32 %n, ptr %gostack.va_list) unnamed_addr #[[BODY:[0-9]+]] {
; CHECK-NOT:     llvm.va_start
; CHECK:         call void @llvm.va_copy.p0(ptr %ap, ptr %gostack.va_list)
; CHECK-NOT:     llvm.va_start
; CHECK:         ret i32 %v

; CHECK-NOT:   @untagged.gostack.body
; CHECK-DAG:   attributes #[[ENTRY]] = { noinline "frame-pointer"="all" "gostack-variadic-entry" }
; CHECK-DAG:   attributes #[[BODY]] = { noinline "frame-pointer"="all" "split-stack" }
; CHECK-DAG:   attributes #[[PLAIN]] = { "frame-pointer"="all" }

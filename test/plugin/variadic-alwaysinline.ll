; A variadic always_inline function that uses va_start cannot be inlined, so it survives to the
; pass (clang: `static inline __attribute__((always_inline)) int sum(int n, ...)`). The split
; makes the entry noinline; it must then drop alwaysinline, or the module is invalid
; ("Attributes 'noinline and alwaysinline' are incompatible!"). The body drops it too.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @llvm.va_start.p0(ptr)
declare void @llvm.va_end.p0(ptr)

; CHECK-LABEL: define internal i32 @sum(
; CHECK-SAME:    i32 %0, ...) #[[ENTRY:[0-9]+]] {
; CHECK:         call i32 @sum.gostack.body(i32 %0, ptr %ap)
define internal i32 @sum(i32 %n, ...) alwaysinline {
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %v = va_arg ptr %ap, i32
  call void @llvm.va_end.p0(ptr %ap)
  ret i32 %v
}

define i32 @use() {
  %r = call i32 (i32, ...) @sum(i32 1, i32 2)
  ret i32 %r
}

; CHECK-LABEL: define internal i32 @sum.gostack.body(
; CHECK-SAME:    i32 %n, ptr %gostack.va_list) unnamed_addr #[[BODY:[0-9]+]] {

; CHECK-NOT:   alwaysinline
; CHECK-DAG:   attributes #[[ENTRY]] = { noinline "frame-pointer"="all" "gostack-variadic-entry" }
; CHECK-DAG:   attributes #[[BODY]] = { noinline "frame-pointer"="all" "split-stack" }
; CHECK-NOT:   alwaysinline

; Splitting a variadic function whose fixed parameters are byval / sret (what clang emits for large
; structs): the entry keeps its ABI (byval, sret stay on the entry's parameters); the body gets the
; entry's pointers: byval does not stay byval on the body (a second copy would grow the unchecked
; entry frame), neither on its parameters nor at the entry's call; sret is kept.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s | %llc -O2 -o /dev/null

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

%struct.Big = type { [8 x i64] }

declare void @llvm.va_start.p0(ptr)
declare void @llvm.va_end.p0(ptr)

; CHECK-LABEL: define i64 @vbig(
; CHECK-SAME:    ptr noundef byval(%struct.Big) align 8 %0, i32 noundef %1, ...)
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %ap = alloca [24 x i8], align 16
; CHECK-NEXT:    call void @llvm.va_start.p0(ptr %ap)
; CHECK-NEXT:    %[[R:[0-9]+]] = call i64 @vbig.gostack.body(ptr noundef align 8 %0, i32 noundef %1, ptr %ap)
; CHECK-NEXT:    call void @llvm.va_end.p0(ptr %ap)
; CHECK-NEXT:    ret i64 %[[R]]
define i64 @vbig(ptr noundef byval(%struct.Big) align 8 %b, i32 noundef %n, ...) {
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %x = load i64, ptr %b, align 8
  %v = va_arg ptr %ap, i64
  call void @llvm.va_end.p0(ptr %ap)
  %r = add i64 %x, %v
  ret i64 %r
}

; CHECK-LABEL: define void @vret(
; CHECK-SAME:    ptr noalias sret(%struct.Big) align 8 %0, ptr byval(%struct.Big) align 8 %1, ...)
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %ap = alloca [24 x i8], align 16
; CHECK-NEXT:    call void @llvm.va_start.p0(ptr %ap)
; CHECK-NEXT:    call void @vret.gostack.body(ptr noalias sret(%struct.Big) align 8 %0, ptr align 8 %1, ptr %ap)
; CHECK-NEXT:    call void @llvm.va_end.p0(ptr %ap)
; CHECK-NEXT:    ret void
define void @vret(ptr noalias sret(%struct.Big) align 8 %out, ptr byval(%struct.Big) align 8 %in, ...) {
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %v = va_arg ptr %ap, i64
  call void @llvm.va_end.p0(ptr %ap)
  store i64 %v, ptr %out, align 8
  ret void
}

; CHECK-LABEL: define internal i64 @vbig.gostack.body(
; CHECK-SAME:    ptr noundef align 8 %b, i32 noundef %n, ptr %gostack.va_list) unnamed_addr
; CHECK:         %x = load i64, ptr %b, align 8

; CHECK-LABEL: define internal void @vret.gostack.body(
; CHECK-SAME:    ptr noalias sret(%struct.Big) align 8 %out, ptr align 8 %in, ptr %gostack.va_list) unnamed_addr
; CHECK:         store i64 %v, ptr %out, align 8

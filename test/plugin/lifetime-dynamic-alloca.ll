; Lifetime markers keep naming the alloca itself after RS4GC, also for a dynamic alloca whose
; address is relocated at two calls in a row (the marker after them would otherwise name a
; relocate of a relocate, keeping the address live across the second call for nothing).
;
; RUN: %opt -passes=gostack %s -S -o - | FileCheck %s

; CHECK-LABEL: define void @f(
; CHECK:         %d = alloca i8, i64 %n, align 16
; CHECK:         call void @llvm.lifetime.start.p0(i64 -1, ptr %d)
; CHECK:         @llvm.experimental.gc.statepoint.p0({{.*}} @g, {{.*}}) [ "gc-live"(ptr %d.addr) ]
; CHECK:         @llvm.experimental.gc.statepoint.p0({{.*}} @g, {{.*}}){{$}}
; CHECK-NEXT:    call void @llvm.lifetime.end.p0(i64 -1, ptr %d)
target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"
define void @g(ptr nocapture %p) {
  store i8 0, ptr %p
  ret void
}
define void @f(i64 %n) {
entry:
  br label %b
b:
  %d = alloca i8, i64 %n, align 16
  call void @llvm.lifetime.start.p0(i64 -1, ptr %d)
  call void @g(ptr %d)
  call void @g(ptr %d)
  call void @llvm.lifetime.end.p0(i64 -1, ptr %d)
  ret void
}

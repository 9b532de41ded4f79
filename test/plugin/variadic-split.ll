; A variadic function is split: the entry keeps the symbol and does only
; va_start / call body / va_end / ret (unchecked, "gostack-variadic-entry", noinline); the user's
; code moves to the internal, checked `<name>.gostack.body`, which takes an extra va_list pointer,
; starts its list with llvm.va_copy from it and has no va_start left. Calls in the body are then
; routed like in any instrumented function. The marker alias names the entry.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @llvm.va_start.p0(ptr)
declare void @llvm.va_end.p0(ptr)
declare void @ext(i64)

; CHECK:       @__gostack_fn.vsum = alias i8, ptr @vsum
; CHECK:       @__gostack_fn.vvoid = alias i8, ptr @vvoid
; CHECK-NOT:   @__gostack_fn.vsum.gostack.body

; CHECK-LABEL: define i64 @vsum(
; CHECK-SAME:    i32 noundef %0, i64 %1, ...) #[[ENTRY:[0-9]+]] {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %ap = alloca [24 x i8], align 16
; CHECK-NEXT:    call void @llvm.va_start.p0(ptr %ap)
; CHECK-NEXT:    %[[R:[0-9]+]] = call i64 @vsum.gostack.body(i32 noundef %0, i64 %1, ptr %ap)
; CHECK-NEXT:    call void @llvm.va_end.p0(ptr %ap)
; CHECK-NEXT:    ret i64 %[[R]]
; CHECK-NEXT:  }
define i64 @vsum(i32 noundef %n, i64 %bias, ...) nounwind {
entry:
  %ap = alloca [1 x { i32, i32, ptr, ptr }], align 16
  %local = alloca [64 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %v = va_arg ptr %ap, i64
  call void @llvm.va_end.p0(ptr %ap)
  %r = add i64 %v, %bias
  call void @ext(i64 %r)
  ret i64 %r
}

; CHECK-LABEL: define void @vvoid(
; CHECK-SAME:    ptr %0, ...) #[[ENTRY_THROWS:[0-9]+]] {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %ap = alloca [24 x i8], align 16
; CHECK-NEXT:    call void @llvm.va_start.p0(ptr %ap)
; CHECK-NEXT:    call void @vvoid.gostack.body(ptr %0, ptr %ap)
; CHECK-NEXT:    call void @llvm.va_end.p0(ptr %ap)
; CHECK-NEXT:    ret void
; CHECK-NEXT:  }
define void @vvoid(ptr %fmt, ...) {
  ret void
}

; The body: the original parameters plus the va_list pointer; the user's code, with va_copy in
; place of va_start; the call to @ext routed.
; CHECK-LABEL: define internal i64 @vsum.gostack.body(
; CHECK-SAME:    i32 noundef %n, i64 %bias, ptr %gostack.va_list) unnamed_addr #[[BODY:[0-9]+]] {
; CHECK-NEXT:  entry:
; CHECK:         %ap = alloca [1 x { i32, i32, ptr, ptr }], align 16
; CHECK-NEXT:    %local = alloca [64 x i8], align 16
; CHECK-NOT:     llvm.va_start
; CHECK-NEXT:    call void @llvm.va_copy.p0(ptr %ap, ptr %gostack.va_list)
; CHECK-NEXT:    %v = va_arg ptr %ap, i64
; CHECK-NEXT:    call void @llvm.va_end.p0(ptr %ap)
; CHECK-NEXT:    %r = add i64 %v, %bias
; CHECK-NOT:     llvm.va_start
; CHECK:         icmp ne ptr @__gostack_fn.ext, null
; CHECK:         call void @ext(i64 %r)
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk.ext,
; CHECK-NOT:     llvm.va_start
; CHECK:         ret i64 %r
; CHECK-NEXT:  }

; CHECK-LABEL: define internal void @vvoid.gostack.body(
; CHECK-SAME:    ptr %fmt, ptr %gostack.va_list) unnamed_addr #[[BODY_THROWS:[0-9]+]] {
; CHECK-NEXT:    ret void
; CHECK-NEXT:  }

; Entries: unchecked, noinline. Bodies: checked, noinline.
; CHECK-DAG:   attributes #[[ENTRY]] = { noinline nounwind "frame-pointer"="all" "gostack-variadic-entry" }
; CHECK-DAG:   attributes #[[ENTRY_THROWS]] = { noinline "frame-pointer"="all" "gostack-variadic-entry" }
; CHECK-DAG:   attributes #[[BODY]] = { noinline nounwind "frame-pointer"="all" "split-stack" }
; CHECK-DAG:   attributes #[[BODY_THROWS]] = { noinline "frame-pointer"="all" "split-stack" }

; Calls to known C library / C++ runtime functions (printf, malloc, operator new, __cxa_*) always
; run on the system stack: the call becomes `__gostack_systemstack_call(thunk, frame)` with no
; marker test and no direct path; the frame is a static alloca holding the arguments and the
; result; the thunk unpacks the frame, makes the original call (same type, attributes) and stores
; the result. One thunk per callee and call signature.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@.fmt = private constant [4 x i8] c"%d\0A\00"

declare noundef i32 @printf(ptr noundef, ...)
declare noalias ptr @malloc(i64 noundef)
declare noalias ptr @_Znwm(i64 noundef)
declare ptr @__cxa_allocate_exception(i64)

; CHECK-NOT:   @__gostack_fn.printf
; CHECK-NOT:   @__gostack_fn.malloc
; CHECK-NOT:   @__gostack_fn._Znwm
; CHECK-NOT:   @__gostack_fn.__cxa_allocate_exception

; CHECK-LABEL: define i32 @f(
; CHECK-SAME:    i32 %x)
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %[[PF:gostack.callframe[0-9]*]] = alloca { ptr, i32, i32 }, align 8
; CHECK-NEXT:    %[[MF:gostack.callframe[0-9]*]] = alloca { i64, ptr }, align 8
; CHECK-NEXT:    %[[A0:[0-9]+]] = getelementptr inbounds { i64, ptr }, ptr %[[MF]], i32 0, i32 0
; CHECK-NEXT:    store i64 16, ptr %[[A0]], align 8
; CHECK-NEXT:    br label %[[SYS1:gostack.sys[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[SYS1]]:
; CHECK-NEXT:    call void @__gostack_systemstack_call(ptr @__gostack_thunk.malloc, ptr %[[MF]])
; CHECK-NEXT:    %[[G:[0-9]+]] = getelementptr inbounds { i64, ptr }, ptr %[[MF]], i32 0, i32 1
; CHECK-NEXT:    %[[P:gostack.result[0-9]*]] = load ptr, ptr %[[G]], align 8
; CHECK-NEXT:    br label %[[AFTER1:gostack.after[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[AFTER1]]:
; CHECK-NEXT:    store i32 %x, ptr %[[P]], align 4
; CHECK-NEXT:    %[[B0:[0-9]+]] = getelementptr inbounds { ptr, i32, i32 }, ptr %[[PF]], i32 0, i32 0
; CHECK-NEXT:    store ptr @.fmt, ptr %[[B0]], align 8
; CHECK-NEXT:    %[[B1:[0-9]+]] = getelementptr inbounds { ptr, i32, i32 }, ptr %[[PF]], i32 0, i32 1
; CHECK-NEXT:    store i32 %x, ptr %[[B1]], align 4
; CHECK-NEXT:    br label %[[SYS2:gostack.sys[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[SYS2]]:
; CHECK-NEXT:    call void @__gostack_systemstack_call(ptr @__gostack_thunk.printf, ptr %[[PF]])
; CHECK-NEXT:    %[[G2:[0-9]+]] = getelementptr inbounds { ptr, i32, i32 }, ptr %[[PF]], i32 0, i32 2
; CHECK-NEXT:    %[[C:gostack.result[0-9]*]] = load i32, ptr %[[G2]], align 4
; CHECK-NEXT:    br label %[[AFTER2:gostack.after[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[AFTER2]]:
; CHECK-NEXT:    ret i32 %[[C]]
; CHECK-NEXT:  }
define i32 @f(i32 %x) {
entry:
  %p = call ptr @malloc(i64 16)
  store i32 %x, ptr %p, align 4
  %c = call i32 (ptr, ...) @printf(ptr @.fmt, i32 %x)
  ret i32 %c
}

; C++ runtime functions: no marker test either; a second call with the same signature reuses the
; thunk.
; CHECK-LABEL: define ptr @g(
; CHECK-NOT:     icmp
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk._Znwm,
; CHECK-NOT:     icmp
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk.__cxa_allocate_exception,
; CHECK-NOT:     icmp
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk._Znwm,
; CHECK-NOT:     icmp
; CHECK:         ret ptr
define ptr @g() {
  %a = call ptr @_Znwm(i64 8)
  %b = call ptr @__cxa_allocate_exception(i64 8)
  %c = call ptr @_Znwm(i64 24)
  ret ptr %c
}

; No direct call to a libc function is left outside the thunks.
; CHECK-NOT:   call {{.*}}@malloc(
; CHECK-NOT:   call {{.*}}@printf(

; CHECK-LABEL: define internal void @__gostack_thunk.malloc(
; CHECK-SAME:    ptr %0) #[[THUNK:[0-9]+]] {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %1 = getelementptr inbounds { i64, ptr }, ptr %0, i32 0, i32 0
; CHECK-NEXT:    %2 = load i64, ptr %1, align 8
; CHECK-NEXT:    %3 = call ptr @malloc(i64 %2)
; CHECK-NEXT:    %4 = getelementptr inbounds { i64, ptr }, ptr %0, i32 0, i32 1
; CHECK-NEXT:    store ptr %3, ptr %4, align 8
; CHECK-NEXT:    ret void
; CHECK-NEXT:  }

; CHECK-LABEL: declare void @__gostack_systemstack_call(ptr, ptr)

; The variadic call keeps its call type.
; CHECK-LABEL: define internal void @__gostack_thunk.printf(
; CHECK-SAME:    ptr %0) #[[THUNK]] {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %1 = getelementptr inbounds { ptr, i32, i32 }, ptr %0, i32 0, i32 0
; CHECK-NEXT:    %2 = load ptr, ptr %1, align 8
; CHECK-NEXT:    %3 = getelementptr inbounds { ptr, i32, i32 }, ptr %0, i32 0, i32 1
; CHECK-NEXT:    %4 = load i32, ptr %3, align 4
; CHECK-NEXT:    %5 = call i32 (ptr, ...) @printf(ptr %2, i32 %4)
; CHECK-NEXT:    %6 = getelementptr inbounds { ptr, i32, i32 }, ptr %0, i32 0, i32 2
; CHECK-NEXT:    store i32 %5, ptr %6, align 4
; CHECK-NEXT:    ret void
; CHECK-NEXT:  }

; CHECK-LABEL: define internal void @__gostack_thunk._Znwm(
; CHECK:         call ptr @_Znwm(
; CHECK-LABEL: define internal void @__gostack_thunk.__cxa_allocate_exception(
; CHECK:         call ptr @__cxa_allocate_exception(
; CHECK-NOT:   define internal void @__gostack_thunk._Znwm
; CHECK-NOT:   @__gostack_fn.

; Thunks are not checked (they run on the system stack) but keep frame pointers.
; CHECK:       attributes #[[THUNK]] = { noinline "frame-pointer"="all" "gostack-thunk" }

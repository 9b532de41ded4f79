; A call to an external function the plugin does not know (it may or may not be gostack-compiled)
; gets the link-time marker test: `icmp ne ptr @__gostack_fn.<callee>, null` (an extern_weak
; marker) choosing between the original direct call and the system-stack path, merged with a PHI
; for the result. Thunks are shared by call sites with the same callee, signature and attributes;
; a nounwind call site gets its own nounwind thunk and a nounwind trampoline call.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare i32 @ext(i32)
declare void @ext_void(ptr)

; CHECK-DAG:   @__gostack_fn.ext = extern_weak constant i8
; CHECK-DAG:   @__gostack_fn.ext_void = extern_weak constant i8

; CHECK-LABEL: define i32 @f(
; CHECK-SAME:    i32 %x) #[[INSTR:[0-9]+]] {
; CHECK-NEXT:  entry:
; CHECK:         %[[F1:gostack.callframe]] = alloca { i32, i32 }, align 8
; CHECK-NOT:     alloca
; CHECK:         %[[A:[0-9]+]] = getelementptr inbounds { i32, i32 }, ptr %[[F1]], i32 0, i32 0
; CHECK-NEXT:    store i32 %x, ptr %[[A]], align 4
; CHECK-NEXT:    %[[T:gostack.callee.instrumented[0-9]*]] = icmp ne ptr @__gostack_fn.ext, null
; CHECK-NEXT:    br i1 %[[T]], label %[[DIRECT:gostack.direct[0-9]*]], label %[[SYS:gostack.sys[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[DIRECT]]:
; CHECK-NEXT:    %r = call i32 @ext(i32 %x)
; CHECK-NEXT:    br label %[[MERGE:gostack.merge[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[SYS]]:
; CHECK-NEXT:    call void @__gostack_systemstack_call(ptr @__gostack_thunk.ext, ptr %[[F1]]){{$}}
; CHECK-NEXT:    %[[G:[0-9]+]] = getelementptr inbounds { i32, i32 }, ptr %[[F1]], i32 0, i32 1
; CHECK-NEXT:    %[[RES:gostack.result[0-9]*]] = load i32, ptr %[[G]], align 4
; CHECK-NEXT:    br label %[[MERGE]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[MERGE]]:
; CHECK-NEXT:    %[[PHI:gostack.call[0-9]*]] = phi i32 [ %r, %[[DIRECT]] ], [ %[[RES]], %[[SYS]] ]
; CHECK-NEXT:    br label %[[AFTER:gostack.after[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[AFTER]]:
;   The result feeds the next call, which is nounwind: own thunk, nounwind trampoline call.
; CHECK:         icmp ne ptr @__gostack_fn.ext, null
; CHECK:         %s = call i32 @ext(i32 %[[PHI]]) #[[NOUNWIND:[0-9]+]]
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk.ext.1, ptr %{{.*}}) #[[NOUNWIND]]
;   A void call: both paths, no PHI.
; CHECK:         icmp ne ptr @__gostack_fn.ext_void, null
; CHECK:         call void @ext_void(ptr null)
; CHECK-NEXT:    br label %[[MERGE3:gostack.merge[0-9]*]]
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk.ext_void, ptr %{{.*}}){{$}}
; CHECK-NEXT:    br label %[[MERGE3]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[MERGE3]]:
; CHECK-NEXT:    br label
;   Same callee, signature and attributes as the first call: the first thunk again.
; CHECK:         %t = call i32 @ext(
; CHECK:         call void @__gostack_systemstack_call(ptr @__gostack_thunk.ext, ptr
; CHECK:         %[[LAST:gostack.call[0-9]*]] = phi i32 [ %t,
; CHECK:         ret i32 %[[LAST]]
; CHECK-NEXT:  }
define i32 @f(i32 %x) {
entry:
  %r = call i32 @ext(i32 %x)
  %s = call i32 @ext(i32 %r) nounwind
  call void @ext_void(ptr null)
  %t = call i32 @ext(i32 %s)
  ret i32 %t
}

; CHECK-LABEL: define internal void @__gostack_thunk.ext(
; CHECK-SAME:    ptr %0) #[[THUNK:[0-9]+]] {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %1 = getelementptr inbounds { i32, i32 }, ptr %0, i32 0, i32 0
; CHECK-NEXT:    %2 = load i32, ptr %1, align 4
; CHECK-NEXT:    %3 = call i32 @ext(i32 %2){{$}}
; CHECK-NEXT:    %4 = getelementptr inbounds { i32, i32 }, ptr %0, i32 0, i32 1
; CHECK-NEXT:    store i32 %3, ptr %4, align 4
; CHECK-NEXT:    ret void
; CHECK-NEXT:  }

; CHECK-LABEL: define internal void @__gostack_thunk.ext.1(
; CHECK-SAME:    ptr %0) #[[THUNK_NOUNWIND:[0-9]+]] {
; CHECK:         call i32 @ext(i32 %2) #[[NOUNWIND]]

; CHECK-LABEL: define internal void @__gostack_thunk.ext_void(
; CHECK-SAME:    ptr %0) #[[THUNK]] {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %1 = getelementptr inbounds { ptr }, ptr %0, i32 0, i32 0
; CHECK-NEXT:    %2 = load ptr, ptr %1, align 8
; CHECK-NEXT:    call void @ext_void(ptr %2)
; CHECK-NEXT:    ret void
; CHECK-NEXT:  }

; CHECK-NOT:   @__gostack_thunk.ext.2
; CHECK-DAG:   attributes #[[INSTR]] = { "frame-pointer"="all" "split-stack" }
; CHECK-DAG:   attributes #[[THUNK]] = { noinline "frame-pointer"="all" "gostack-thunk" }
; CHECK-DAG:   attributes #[[THUNK_NOUNWIND]] = { noinline nounwind "frame-pointer"="all" "gostack-thunk" }
; CHECK-DAG:   attributes #[[NOUNWIND]] = { nounwind }

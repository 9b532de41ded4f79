; Calls that stay direct, on the task stack: returns_twice functions (setjmp & co., the attribute
; on the declaration or only on the call site), longjmp and friends, the small leaf string/memory
; functions (memcpy, strlen, ...) and libm's exact ones (sqrt, floor, ...), the gostack runtime (gostack_*, __gostack*), intrinsics,
; inline asm, calls to functions defined in the module, musttail calls and calls with operand
; bundles (the last two with a missed remark), and, with -gostack-indirect-calls=
; assume-instrumented, indirect calls (foreign-call-indirect.ll has the default). The function
; body is unchanged.
;
; RUN: %opt -gostack-stack-maps=false -gostack-indirect-calls=assume-instrumented -passes=gostack -S %s -pass-remarks=gostack -pass-remarks-missed=gostack 2>%t.remarks \
; RUN:   | FileCheck %s
; RUN: FileCheck %s --check-prefix=REMARK --input-file=%t.remarks

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare i32 @setjmp(ptr) returns_twice
declare i32 @_setjmp(ptr)
declare i32 @my_checkpoint(ptr) returns_twice
declare void @longjmp(ptr, i32) noreturn
declare void @siglongjmp(ptr, i32) noreturn
declare ptr @memcpy(ptr, ptr, i64)
declare ptr @memset(ptr, i32, i64)
declare i64 @strlen(ptr)
declare i32 @strcmp(ptr, ptr)
declare ptr @__errno_location()
declare double @sqrt(double)
declare double @floor(double)
declare ptr @gostack_spawn(ptr, ptr)
declare ptr @gostack_join(ptr)
declare i64 @gostack_stack_size()
declare void @__gostack_internal_hook()
declare void @llvm.memcpy.p0.p0.i64(ptr, ptr, i64, i1)
declare ptr @llvm.stacksave.p0()
declare void @ext(i32)
declare i32 @ext_tail(i32)

define internal void @defined_here(i32 %x) {
  ret void
}

; No marker is referenced (markers are declared before the functions).
; CHECK-NOT:   @__gostack_fn.{{[a-z_]+}} = extern_weak
; CHECK-LABEL: define i32 @stays(
; CHECK-SAME:    ptr %buf, ptr %dst, ptr %fp) #[[INSTR:[0-9]+]] {
; CHECK-NEXT:    %a = call i32 @setjmp(ptr %buf)
; setjmp-family calls register their buffer with the runtime (JmpBufRecords.cpp).
; CHECK-NEXT:    call void @__gostack_jmpbuf_register(ptr %buf)
; CHECK-NEXT:    %b = call i32 @_setjmp(ptr %buf) #[[RT:[0-9]+]]
; CHECK-NEXT:    call void @__gostack_jmpbuf_register(ptr %buf)
; CHECK-NEXT:    %c = call i32 @my_checkpoint(ptr %buf)
; CHECK-NEXT:    %d = call ptr @memcpy(ptr %dst, ptr %buf, i64 16)
; CHECK-NEXT:    %e = call ptr @memset(ptr %dst, i32 0, i64 16)
; CHECK-NEXT:    %f = call i64 @strlen(ptr %buf)
; CHECK-NEXT:    %g = call i32 @strcmp(ptr %buf, ptr %dst)
; CHECK-NEXT:    %h = call ptr @__errno_location()
; CHECK-NEXT:    %sq = call double @sqrt(double 2.000000e+00)
; CHECK-NEXT:    %fl = call double @floor(double %sq)
; CHECK-NEXT:    %t = call ptr @gostack_spawn(ptr %fp, ptr null)
; CHECK-NEXT:    %j = call ptr @gostack_join(ptr %t)
; CHECK-NEXT:    %k = call i64 @gostack_stack_size()
; CHECK-NEXT:    call void @__gostack_internal_hook()
; CHECK-NEXT:    call void @llvm.memcpy.p0.p0.i64(ptr %dst, ptr %buf, i64 8, i1 false)
; CHECK-NEXT:    %ss = call ptr @llvm.stacksave.p0()
; CHECK-NEXT:    call void %fp(i32 1)
; CHECK-NEXT:    call void asm sideeffect "nop", ""()
; CHECK-NEXT:    call void @defined_here(i32 2)
; CHECK-NEXT:    call void @ext(i32 3) [ "deopt"() ]
; CHECK-NEXT:    %cond = icmp eq i32 %a, 0
; CHECK-NEXT:    br i1 %cond, label %jump, label %done
; CHECK-EMPTY:
; CHECK-NEXT:  jump:
; CHECK-NEXT:    call void @__gostack_longjmp(ptr %buf, i32 1)
; CHECK-NEXT:    unreachable
; CHECK-EMPTY:
; CHECK-NEXT:  done:
; CHECK-NEXT:    call void @__gostack_jmpbuf_unregister(ptr %buf)
; CHECK-NEXT:    ret i32 %a
; CHECK-NEXT:  }
define i32 @stays(ptr %buf, ptr %dst, ptr %fp) {
  %a = call i32 @setjmp(ptr %buf)
  %b = call i32 @_setjmp(ptr %buf) returns_twice
  %c = call i32 @my_checkpoint(ptr %buf)
  %d = call ptr @memcpy(ptr %dst, ptr %buf, i64 16)
  %e = call ptr @memset(ptr %dst, i32 0, i64 16)
  %f = call i64 @strlen(ptr %buf)
  %g = call i32 @strcmp(ptr %buf, ptr %dst)
  %h = call ptr @__errno_location()
  %sq = call double @sqrt(double 2.0)
  %fl = call double @floor(double %sq)
  %t = call ptr @gostack_spawn(ptr %fp, ptr null)
  %j = call ptr @gostack_join(ptr %t)
  %k = call i64 @gostack_stack_size()
  call void @__gostack_internal_hook()
  call void @llvm.memcpy.p0.p0.i64(ptr %dst, ptr %buf, i64 8, i1 false)
  %ss = call ptr @llvm.stacksave.p0()
  call void %fp(i32 1)
  call void asm sideeffect "nop", ""()
  call void @defined_here(i32 2)
  call void @ext(i32 3) [ "deopt"() ]
  %cond = icmp eq i32 %a, 0
  br i1 %cond, label %jump, label %done
jump:
  call void @longjmp(ptr %buf, i32 1)
  unreachable
done:
  ret i32 %a
}

; CHECK-LABEL: define void @sigjump(
; CHECK-NEXT:    call void @__gostack_longjmp(ptr %buf, i32 1)
; CHECK-NEXT:    unreachable
define void @sigjump(ptr %buf) {
  call void @siglongjmp(ptr %buf, i32 1)
  unreachable
}

; CHECK-LABEL: define i32 @tail(
; CHECK-NEXT:    %r = musttail call i32 @ext_tail(i32 %x)
; CHECK-NEXT:    ret i32 %r
define i32 @tail(i32 %x) {
  %r = musttail call i32 @ext_tail(i32 %x)
  ret i32 %r
}

; Nothing was routed anywhere in the module.
; CHECK-NOT:   __gostack_systemstack_call
; CHECK-NOT:   __gostack_thunk
; CHECK-NOT:   @__gostack_fn.{{[a-z_]+}} = extern_weak
; CHECK-DAG:   attributes #[[INSTR]] = { "frame-pointer"="all" "split-stack" }
; CHECK-DAG:   attributes #[[RT]] = { returns_twice }

; REMARK-NOT:  runs on the system stack
; REMARK:      remark: <unknown>:0:0: call to 'ext' stays on the task stack
; REMARK-NOT:  runs on the system stack
; REMARK:      remark: <unknown>:0:0: musttail call to 'ext_tail' stays on the task stack
; REMARK-NOT:  runs on the system stack

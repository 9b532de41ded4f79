; A variadic function whose fixed parameters would make the entry pass more than the budget's worth
; of stack arguments to its body is not split (warning, no check, no marker); one with a few fixed
; parameters is split. (asm-variadic-entry-budget.c checks the resulting frame sizes.)
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s 2>%t.err | FileCheck %s
; RUN: FileCheck %s --check-prefix=WARN --input-file=%t.err
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s 2>/dev/null | %llc -O2 -o /dev/null

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @llvm.va_start.p0(ptr)
declare void @llvm.va_end.p0(ptr)

; WARN-NOT: 'few'
; WARN: warning: <unknown>:0:0: in function many {{.*}}: gostack: variadic function 'many' has too many fixed parameters for its unchecked entry frame to fit the stack guard reserve; not instrumented
; WARN-NOT: warning

; CHECK:       @__gostack_fn.few = alias i8, ptr @few
; CHECK-NOT:   @__gostack_fn.many

; CHECK-LABEL: define i64 @few(
; CHECK:         call i64 @few.gostack.body(
define i64 @few(i64 %a0, i64 %a1, i64 %a2, i64 %a3, i64 %a4, ...) {
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %v = va_arg ptr %ap, i64
  call void @llvm.va_end.p0(ptr %ap)
  %r = add i64 %v, %a4
  ret i64 %r
}

; 20 fixed integer parameters: 15 of them (with the va_list pointer) would go on the stack.
; CHECK-LABEL: define i64 @many(
; CHECK-SAME:    #[[MANY:[0-9]+]] {
; CHECK-NEXT:    %ap = alloca [24 x i8], align 16
; CHECK-NEXT:    call void @llvm.va_start.p0(ptr %ap)
; CHECK-NEXT:    %v = va_arg ptr %ap, i64
define i64 @many(i64 %a0, i64 %a1, i64 %a2, i64 %a3, i64 %a4, i64 %a5, i64 %a6, i64 %a7, i64 %a8, i64 %a9, i64 %a10, i64 %a11, i64 %a12, i64 %a13, i64 %a14, i64 %a15, i64 %a16, i64 %a17, i64 %a18, i64 %a19, ...) {
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %v = va_arg ptr %ap, i64
  call void @llvm.va_end.p0(ptr %ap)
  %r = add i64 %v, %a19
  ret i64 %r
}

; CHECK:       define internal i64 @few.gostack.body(
; CHECK-NOT:   @many.gostack.body
; CHECK:       attributes #[[MANY]] = { "frame-pointer"="all" }

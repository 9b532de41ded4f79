; An escaping dynamic alloca among the entry block's leading allocas (what `char buf[n]` with a
; size_t n becomes at -O2, without stacksave/stackrestore): the pinned prologue must save the
; area's state BEFORE it, so that the function's exit releases it. Saved after it, every call
; leaked the VLA until some caller returned (a 2M-call loop grew to 220 MB). The static alloca
; that followed the dynamic one moves up into the leading run.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s -S -o - | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @use(ptr)

; CHECK-LABEL: define i8 @leading_vla(i64 %n)
; CHECK-NOT:     call ptr @__gostack_pinned_alloca
; CHECK:         %pinned.sp = load ptr
; CHECK:       pinned.join:
; CHECK:         %fixed.pinned = getelementptr i8, ptr %pinned.base, i64 0
; CHECK:         %buf.pinned = call ptr @__gostack_pinned_alloca(i64 {{%[0-9]+}}, i64 16)
; CHECK:         store ptr %pinned.sp, ptr {{%[0-9]+}}, align 8
; CHECK-NEXT:    call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_limit)
; CHECK-NEXT:    store ptr %pinned.limit, ptr {{%[0-9]+}}, align 8
; CHECK-NEXT:    ret i8
define i8 @leading_vla(i64 %n) {
  %buf = alloca i8, i64 %n, align 16
  %fixed = alloca [32 x i8], align 16
  call void @use(ptr %buf)
  call void @use(ptr %fixed)
  %v = load i8, ptr %buf
  ret i8 %v
}

; A static alloca after the dynamic one that does not escape stays an alloca, in the entry
; block's leading run (so it stays static), above the prologue.
; CHECK-LABEL: define i8 @leading_vla_local(i64 %n)
; CHECK:         %local = alloca [8 x i8], align 1
; CHECK-NEXT:    call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp)
; CHECK:         %buf.pinned = call ptr @__gostack_pinned_alloca
define i8 @leading_vla_local(i64 %n) {
  %buf = alloca i8, i64 %n, align 16
  %local = alloca [8 x i8], align 1
  store i8 1, ptr %local
  call void @use(ptr %buf)
  %v = load i8, ptr %local
  ret i8 %v
}

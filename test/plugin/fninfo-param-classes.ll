; The per-function table (emitFunctionInfo) classifies parameters by calling convention, so
; that a move at a function's entry relocates exactly its pointer arguments:
; - @vec (C convention, AVX): nine <4 x double> (eight in ymm0-7, the ninth on the stack),
;   then a pointer in rdi (bit 0), half and fp128 in the SSE class: regs = 1, slots = 0.
; - @win (Win64): arguments by position in rcx, rdx, r8, r9, then stack slot 4 (after the
;   home area): the pointers are the third (r8, bit 4 of rdi..r9) and the fifth (slot 4).
; - @rc (regcall, another register sequence): no pointer parameters, so nothing to relocate.
; - @rcp (regcall with a pointer): flagged unknown (bit 31) and warned about.
;
; RUN: %opt -passes=gostack %s -S -o - 2> %t.err | FileCheck %s
; RUN: FileCheck %s --check-prefix=WARN < %t.err

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @use(ptr)

; CHECK: @__gostack_fninfo = internal global [4 x { ptr, i32, i32 }] [{ ptr, i32, i32 } { ptr @vec, i32 1, i32 0 }, { ptr, i32, i32 } { ptr @win, i32 16, i32 16 }, { ptr, i32, i32 } { ptr @rc, i32 0, i32 0 }, { ptr, i32, i32 } { ptr @rcp, i32 0, i32 -2147483648 }]
; WARN: warning: {{.*}}in function rcp {{.*}}gostack: cannot classify the parameters of 'rcp'
; WARN-NOT: cannot classify

define void @vec(<4 x double> %a, <4 x double> %b, <4 x double> %c, <4 x double> %d, <4 x double> %e, <4 x double> %f, <4 x double> %g, <4 x double> %h, <4 x double> %i, ptr %p, half %x, fp128 %q) #0 {
  call void @use(ptr %p)
  ret void
}

define win64cc void @win(i64 %a, double %b, ptr %c, i64 %d, ptr %e) {
  call void @use(ptr %c)
  call void @use(ptr %e)
  ret void
}

define x86_regcallcc void @rc(i64 %a, double %b) {
  call void @use(ptr null)
  ret void
}

define x86_regcallcc void @rcp(i64 %a, ptr %b) {
  call void @use(ptr %b)
  ret void
}

attributes #0 = { "target-features"="+avx" }

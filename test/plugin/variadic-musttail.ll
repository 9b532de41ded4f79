; A variadic function that forwards its `...` with a musttail call cannot be split (the forwarded
; arguments live in its own variadic frame): it gets a warning, no body, no "split-stack", no
; marker alias; it still gets "frame-pointer"="all" and its code is untouched (the musttail call to
; a foreign function is not routed either).
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s 2>%t.err | FileCheck %s
; RUN: FileCheck %s --check-prefix=WARN --input-file=%t.err
; And the backend accepts it (it would abort on a split-stack variadic function).
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s 2>/dev/null | %llc -O0 -o /dev/null

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare i32 @vtarget(i32, ...)

; WARN: warning: <unknown>:0:0: in function fwd i32 (i32, ...): gostack: variadic function 'fwd' forwards its arguments with musttail and is not instrumented; it must fit in the stack guard reserve
; WARN-NOT: warning

; CHECK-NOT:   @__gostack_fn.fwd
; CHECK-LABEL: define i32 @fwd(
; CHECK-SAME:    i32 %n, ...) #[[ATTR:[0-9]+]] {
; CHECK-NEXT:    %r = musttail call i32 (i32, ...) @vtarget(i32 %n, ...)
; CHECK-NEXT:    ret i32 %r
; CHECK-NEXT:  }
define i32 @fwd(i32 %n, ...) {
  %r = musttail call i32 (i32, ...) @vtarget(i32 %n, ...)
  ret i32 %r
}

; CHECK-NOT:   gostack.body
; CHECK-NOT:   __gostack_systemstack_call
; CHECK:       attributes #[[ATTR]] = { "frame-pointer"="all" }

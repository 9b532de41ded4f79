; Every direct longjmp-family call becomes a call to the runtime's __gostack_longjmp (longjmp,
; _longjmp and siglongjmp are one function in glibc) or __gostack_longjmp_chk (the fortified
; __longjmp_chk), which restore the task's guard when the jump returns into a task frame from a
; signal handler or a system-stack callback (runtime/jmpbuf.c). The runtime functions are
; noreturn and, with stack maps, stay plain calls (no move can happen in them), not statepoints
; (the checks below require the call to be the first instruction of its block, where a
; statepoint would be).
; A call through a different function type (K&R) is left alone.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s
; RUN: %opt -passes=gostack -S %s | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @longjmp(ptr, i32) noreturn nounwind
declare void @_longjmp(ptr, i32) noreturn nounwind
declare void @siglongjmp(ptr, i32) noreturn nounwind
declare void @__longjmp_chk(ptr, i32) noreturn nounwind
declare void @g()

; CHECK-LABEL: define void @jumps(
; CHECK:       a:
; CHECK-NEXT:    call void @__gostack_longjmp(ptr %{{[a-z.0-9]+}}, i32 1)
; CHECK-NEXT:    unreachable
; CHECK:       b:
; CHECK-NEXT:    call void @__gostack_longjmp(ptr %{{[a-z.0-9]+}}, i32 2)
; CHECK:       c:
; CHECK-NEXT:    call void @__gostack_longjmp(ptr %{{[a-z.0-9]+}}, i32 3)
; CHECK:       d:
; CHECK-NEXT:    call void @__gostack_longjmp_chk(ptr %{{[a-z.0-9]+}}, i32 4)
; CHECK:       e:
; CHECK-NEXT:    call void @longjmp(ptr %{{[a-z.0-9]+}})
define void @jumps(ptr %buf, i32 %k) {
entry:
  call void @g()
  switch i32 %k, label %e [i32 1, label %a
                           i32 2, label %b
                           i32 3, label %c
                           i32 4, label %d]
a:
  call void @longjmp(ptr %buf, i32 1)
  unreachable
b:
  call void @_longjmp(ptr %buf, i32 2)
  unreachable
c:
  call void @siglongjmp(ptr %buf, i32 3)
  unreachable
d:
  call void @__longjmp_chk(ptr %buf, i32 4)
  unreachable
e:
  call void @longjmp(ptr %buf)
  unreachable
}

; CHECK-DAG: declare void @__gostack_longjmp(ptr, i32) #[[NR:[0-9]+]]
; CHECK-DAG: declare void @__gostack_longjmp_chk(ptr, i32) #[[NR]]
; CHECK-DAG: attributes #[[NR]] = { noreturn }

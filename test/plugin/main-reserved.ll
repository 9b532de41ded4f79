; A module that defines both main and __gostack_main: an error (the name is the runtime's); main
; keeps its name.
;
; RUN: not %opt -gostack-stack-maps=false -passes=gostack -S %s -o %t.ll 2>&1 | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK: error: <unknown>:0:0: in function __gostack_main i32 (): gostack: '__gostack_main' is reserved by the gostack runtime; main will not run as a task

define i32 @__gostack_main() {
  ret i32 0
}

define i32 @main() {
  ret i32 1
}

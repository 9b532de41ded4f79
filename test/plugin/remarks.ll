; Optimization remarks under the name "gostack": -pass-remarks=gostack reports instrumented
; functions, variadic splits and routed calls (known libc: no "unless" clause);
; -pass-remarks-missed=gostack reports no_split_stack functions and calls that stay on the task
; stack. Without the flags: no remark.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -disable-output %s -pass-remarks=gostack 2>&1 | FileCheck %s --check-prefix=PASS
; RUN: %opt -gostack-stack-maps=false -passes=gostack -disable-output %s -pass-remarks-missed=gostack 2>&1 | FileCheck %s --check-prefix=MISSED
; RUN: %opt -gostack-stack-maps=false -passes=gostack -disable-output %s 2>&1 | count 0
; RUN: %opt -gostack-stack-maps=false -passes=gostack -disable-output %s -pass-remarks-output=%t.yaml
; RUN: FileCheck %s --check-prefix=YAML --input-file=%t.yaml

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @llvm.va_start.p0(ptr)
declare void @llvm.va_end.p0(ptr)
declare i32 @puts(ptr)
declare void @ext()
declare i32 @ext_tail()

; The order of the remarks is not part of the interface.
; PASS-DAG:  remark: <unknown>:0:0: call to 'puts' runs on the system stack{{$}}
; PASS-DAG:  remark: <unknown>:0:0: call to 'ext' runs on the system stack unless the callee is gostack-compiled
; PASS-DAG:  remark: <unknown>:0:0: variadic function split into an unchecked entry and a checked body
; PASS-DAG:  remark: <unknown>:0:0: stack check inserted
; PASS-DAG:  remark: <unknown>:0:0: stack check inserted
; PASS-DAG:  remark: <unknown>:0:0: stack check inserted
; PASS-NOT:  stack check inserted
; PASS-NOT:  missed
; PASS-NOT:  no_split_stack
; PASS-NOT:  stays on the task stack

; MISSED-DAG:  remark: <unknown>:0:0: not instrumented: no_split_stack
; MISSED-DAG:  remark: <unknown>:0:0: musttail call to 'ext_tail' stays on the task stack
; MISSED-NOT:  remark

; The YAML records name the function each remark is about (remark names are the interface).
; RUN: FileCheck %s --check-prefix=Y-NOSPLIT --input-file=%t.yaml
; RUN: FileCheck %s --check-prefix=Y-CALLS --input-file=%t.yaml
; RUN: FileCheck %s --check-prefix=Y-SPLIT --input-file=%t.yaml
; RUN: FileCheck %s --check-prefix=Y-TAIL --input-file=%t.yaml
; YAML-DAG:  Name:            Instrumented
; YAML-DAG:  Name:            ForeignCall
; YAML-DAG:  Name:            VariadicSplit
; YAML-DAG:  Name:            NoSplitStack
; YAML-DAG:  Name:            MustTailForeign
; Y-NOSPLIT:      Name:            NoSplitStack
; Y-NOSPLIT-NEXT: Function:        unchecked
; Y-CALLS:      Name:            ForeignCall
; Y-CALLS-NEXT: Function:        calls
; Y-CALLS:      Name:            ForeignCall
; Y-CALLS-NEXT: Function:        calls
; Y-SPLIT:      Name:            VariadicSplit
; Y-SPLIT-NEXT: Function:        vfn
; Y-SPLIT:      Name:            Instrumented
; Y-SPLIT-NEXT: Function:        vfn.gostack.body
; Y-TAIL:      Name:            MustTailForeign
; Y-TAIL-NEXT: Function:        tail

define void @calls(ptr %s) "split-stack" {
  %r = call i32 @puts(ptr %s)
  call void @ext()
  ret void
}

define void @unchecked() {
  ret void
}

define i32 @vfn(i32 %n, ...) "split-stack" {
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %v = va_arg ptr %ap, i32
  call void @llvm.va_end.p0(ptr %ap)
  ret i32 %v
}

define i32 @tail() "split-stack" {
  %r = musttail call i32 @ext_tail()
  ret i32 %r
}

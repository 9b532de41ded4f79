; Frames of 256 bytes or more: the check compares SP - frame (computed into %r11) with the guard,
; so a big frame cannot jump over the guard reserve; the slow path passes the same frame size to
; __morestack in %r10d. At -O0 and -O2.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s -o %t.bc
; RUN: %llc -O2 %t.bc -o - | FileCheck %s --check-prefixes=CHECK,O2
; RUN: %llc -O0 %t.bc -o - | FileCheck %s --check-prefixes=CHECK,O0

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; 4 KB of locals (not escaping: they stay in the frame).
; CHECK-LABEL: big4k:
; CHECK-NEXT:  # %bb.{{[0-9]+}}:
; CHECK-NEXT:    leaq -[[FRAME:4[01][0-9][0-9]]](%rsp), %r11
; CHECK-NEXT:    cmpq %fs:112, %r11
; O2-NEXT:       jbe [[SLOW:\.LBB0_[0-9]+]]
; O0-NEXT:       ja [[BODY:\.LBB0_[0-9]+]]
; O0-NEXT:     # %bb.{{[0-9]+}}:
; O0-NEXT:       movl $[[FRAME]], %r10d
; O0-NEXT:       movl $0, %r11d
; O0-NEXT:       callq __morestack
; O0-NEXT:       retq
; O0-NEXT:     [[BODY]]:
; CHECK:         subq ${{4[01][0-9][0-9]}}, %rsp
; O2:          [[SLOW]]:
; O2-NEXT:       movl $[[FRAME]], %r10d
; O2-NEXT:       movl $0, %r11d
; O2-NEXT:       callq __morestack
; O2-NEXT:       retq
; O2-NEXT:       jmp
; CHECK:       .Lfunc_end0:
define i8 @big4k(i64 %i) nounwind {
  %a = alloca [4096 x i8], align 16
  %p = getelementptr inbounds [4096 x i8], ptr %a, i64 0, i64 %i
  store i8 1, ptr %p
  %v = load i8, ptr %a
  ret i8 %v
}

; 1 MB of locals.
; CHECK-LABEL: big1m:
; CHECK-NEXT:  # %bb.{{[0-9]+}}:
; CHECK-NEXT:    leaq -[[FRAME:1048[56][0-9][0-9]]](%rsp), %r11
; CHECK-NEXT:    cmpq %fs:112, %r11
; O2-NEXT:       jbe [[SLOW:\.LBB1_[0-9]+]]
; O0-NEXT:       ja [[BODY:\.LBB1_[0-9]+]]
; O0-NEXT:     # %bb.{{[0-9]+}}:
; O0-NEXT:       movl $[[FRAME]], %r10d
; O0-NEXT:       movl $0, %r11d
; O0-NEXT:       callq __morestack
; O0-NEXT:       retq
; O0-NEXT:     [[BODY]]:
; CHECK:         subq ${{1048[56][0-9][0-9]}}, %rsp
; O2:          [[SLOW]]:
; O2-NEXT:       movl $[[FRAME]], %r10d
; O2-NEXT:       movl $0, %r11d
; O2-NEXT:       callq __morestack
; O2-NEXT:       retq
; O2-NEXT:       jmp
; CHECK:       .Lfunc_end1:
define i8 @big1m(i64 %i) nounwind {
  %a = alloca [1048576 x i8], align 16
  %p = getelementptr inbounds [1048576 x i8], ptr %a, i64 0, i64 %i
  store i8 1, ptr %p
  %v = load i8, ptr %a
  ret i8 %v
}

; Just under the small-frame limit: still the SP compare.
; CHECK-LABEL: mid:
; CHECK-NEXT:  # %bb.{{[0-9]+}}:
; CHECK-NEXT:    cmpq %fs:112, %rsp
define i8 @mid(i64 %i) nounwind {
  %a = alloca [128 x i8], align 16
  %p = getelementptr inbounds [128 x i8], ptr %a, i64 0, i64 %i
  store i8 1, ptr %p
  %v = load i8, ptr %a
  ret i8 %v
}

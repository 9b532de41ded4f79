; The prologue check of an instrumented function with a small frame (< 256 bytes), as
; X86FrameLowering emits it for "split-stack": compare SP itself with the guard at %fs:0x70, and
; on the slow path call __morestack with the frame size in %r10d and the stack-argument size in
; %r11d, then return (__morestack ran the function on the new stack), then jump back to the body.
; -O2 puts the slow path out of line (jbe); -O0 keeps it inline (ja over it). The thunk has no
; check. (The locals do not escape, so they stay in the frame; nounwind keeps CFI directives out.)
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s -o %t.bc
; RUN: %llc -O2 %t.bc -o - | FileCheck %s --check-prefix=O2
; RUN: %llc -O0 %t.bc -o - | FileCheck %s --check-prefix=O0

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @sink(ptr) nounwind

; O2-LABEL: small:
; O2-NEXT:  # %bb.0:
; O2-NEXT:    cmpq %fs:112, %rsp
; O2-NEXT:    jbe [[SLOW:\.LBB0_[0-9]+]]
; O2-NEXT:  [[BODY:\.LBB0_[0-9]+]]:
; O2-NEXT:    pushq %rbp
; O2-NEXT:    movq %rsp, %rbp
; O2-NEXT:    subq $32, %rsp
; O2:         retq
; O2-NEXT:  [[SLOW]]:
; O2-NEXT:    movl $40, %r10d
; O2-NEXT:    movl $0, %r11d
; O2-NEXT:    callq __morestack
; O2-NEXT:    retq
; O2-NEXT:    jmp [[BODY]]
; O2-NEXT:  .Lfunc_end0:

; O0-LABEL: small:
; O0-NEXT:  # %bb.{{[0-9]+}}:
; O0-NEXT:    cmpq %fs:112, %rsp
; O0-NEXT:    ja [[BODY:\.LBB0_[0-9]+]]
; O0-NEXT:  # %bb.{{[0-9]+}}:
; O0-NEXT:    movl $40, %r10d
; O0-NEXT:    movl $0, %r11d
; O0-NEXT:    callq __morestack
; O0-NEXT:    retq
; O0-NEXT:  [[BODY]]:
; O0-NEXT:    pushq %rbp
; O0-NEXT:    movq %rsp, %rbp
; O0-NEXT:    subq $32, %rsp
define void @small() nounwind {
  %a = alloca [16 x i8]
  store i8 1, ptr %a
  call void @sink(ptr null)
  ret void
}

; Eight integer arguments: two arrive on the stack, so __morestack copies 16 bytes (%r11d).
; O2-LABEL: stackargs:
; O2-NEXT:  # %bb.0:
; O2-NEXT:    cmpq %fs:112, %rsp
; O2-NEXT:    jbe [[SLOW:\.LBB1_[0-9]+]]
; O2:       [[SLOW]]:
; O2-NEXT:    movl ${{[0-9]+}}, %r10d
; O2-NEXT:    movl $16, %r11d
; O2-NEXT:    callq __morestack
; O2-NEXT:    retq
; O2-NEXT:    jmp

; O0-LABEL: stackargs:
; O0-NEXT:  # %bb.{{[0-9]+}}:
; O0-NEXT:    cmpq %fs:112, %rsp
; O0-NEXT:    ja
; O0-NEXT:  # %bb.{{[0-9]+}}:
; O0-NEXT:    movl ${{[0-9]+}}, %r10d
; O0-NEXT:    movl $16, %r11d
; O0-NEXT:    callq __morestack
; O0-NEXT:    retq
define i64 @stackargs(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e, i64 %f, i64 %g, i64 %h) nounwind {
  %x = alloca [16 x i8]
  store i8 1, ptr %x
  call void @sink(ptr null)
  %s = add i64 %a, %h
  ret i64 %s
}

; An empty function has a frame too (frame pointers are forced), so it is checked as well.
; O2-LABEL: empty:
; O2-NEXT:  # %bb.0:
; O2-NEXT:    cmpq %fs:112, %rsp
; O2-NEXT:    jbe
; O0-LABEL: empty:
; O0-NEXT:  # %bb.{{[0-9]+}}:
; O0-NEXT:    cmpq %fs:112, %rsp
; O0-NEXT:    ja
define void @empty() nounwind {
  ret void
}

; O2-LABEL: __gostack_thunk.sink:
; O2-NOT:     %fs:112
; O2-NOT:     __morestack
; O2:         .Lfunc_end
; O0-LABEL: __gostack_thunk.sink:
; O0-NOT:     %fs:112
; O0-NOT:     __morestack
; O0:         .Lfunc_end

; C++-style invokes of external functions. With the marker test, the original invoke moves to the
; direct block and the system-stack path invokes the trampoline; both unwind to the same landing
; pad, whose PHIs get an entry for each (the same incoming value), and the normal destination's
; PHIs now come from the merge block. A known runtime function (operator new) only has the
; system-stack invoke. opt's verifier runs on the output; llc must accept it too.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s | FileCheck %s
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s | %llc -O0 -o /dev/null
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s | %llc -O2 -o /dev/null

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare i32 @ext(i32)
declare ptr @_Znwm(i64)
declare void @use(i32)
declare i32 @__gxx_personality_v0(...)

; CHECK-LABEL: define i32 @f(
; CHECK-SAME:    personality ptr @__gxx_personality_v0 {
; CHECK:       a:
; CHECK:         %[[T:gostack.callee.instrumented[0-9]*]] = icmp ne ptr @__gostack_fn.ext, null
; CHECK-NEXT:    br i1 %[[T]], label %[[DIRECT:gostack.direct[0-9]*]], label %[[SYS:gostack.sys[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  b:
; CHECK-NOT:     icmp
; CHECK:         br label %[[SYS2:gostack.sys[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[DIRECT]]:
; CHECK-NEXT:    %r = invoke i32 @ext(i32 %x)
; CHECK-NEXT:            to label %[[MERGE:gostack.merge[0-9]*]] unwind label %lpad
; CHECK-EMPTY:
; CHECK-NEXT:  [[SYS]]:
; CHECK-NEXT:    invoke void @__gostack_systemstack_call(ptr @__gostack_thunk.ext, ptr %[[F1:gostack.callframe[0-9]*]])
; CHECK-NEXT:            to label %[[OK:gostack.sys.ok[0-9]*]] unwind label %lpad
; CHECK-EMPTY:
; CHECK-NEXT:  [[MERGE]]:
; CHECK-NEXT:    %[[PHI:gostack.call[0-9]*]] = phi i32 [ %r, %[[DIRECT]] ], [ %[[RES:gostack.result[0-9]*]], %[[OK]] ]
; CHECK-NEXT:    br label %cont
; CHECK-EMPTY:
; CHECK-NEXT:  cont:
; CHECK-NEXT:    %v = phi i32 [ %[[PHI]], %[[MERGE]] ]
; CHECK-NEXT:    ret i32 %v
; CHECK-EMPTY:
; CHECK-NEXT:  [[SYS2]]:
; CHECK-NEXT:    invoke void @__gostack_systemstack_call(ptr @__gostack_thunk._Znwm, ptr %{{.*}})
; CHECK-NEXT:            to label %[[OK2:gostack.sys.ok[0-9]*]] unwind label %lpad
; CHECK-NOT:     invoke ptr @_Znwm
; CHECK:       lpad:
; CHECK-NEXT:    %w = phi i32 [ 1, %[[DIRECT]] ], [ 2, %[[SYS2]] ], [ 1, %[[SYS]] ]
; CHECK-NEXT:    %lp = landingpad { ptr, i32 }
; CHECK-NEXT:            cleanup
; CHECK:       [[OK]]:
; CHECK-NEXT:    %[[G:[0-9]+]] = getelementptr inbounds { i32, i32 }, ptr %[[F1]], i32 0, i32 1
; CHECK-NEXT:    %[[RES]] = load i32, ptr %[[G]], align 4
; CHECK-NEXT:    br label %[[MERGE]]
; CHECK:       [[OK2]]:
; CHECK:         br label %cont2
; CHECK-NEXT:  }
define i32 @f(i32 %x, i1 %c) personality ptr @__gxx_personality_v0 {
entry:
  br i1 %c, label %a, label %b
a:
  %r = invoke i32 @ext(i32 %x) to label %cont unwind label %lpad
b:
  %p = invoke ptr @_Znwm(i64 8) to label %cont2 unwind label %lpad
cont:
  %v = phi i32 [ %r, %a ]
  ret i32 %v
cont2:
  ret i32 7
lpad:
  %w = phi i32 [ 1, %a ], [ 2, %b ]
  %lp = landingpad { ptr, i32 } cleanup
  call void @use(i32 %w)
  resume { ptr, i32 } %lp
}

; Two invokes in a row sharing a landing pad that has a PHI over both.
; CHECK-LABEL: define void @g(
; CHECK:         br i1 %{{.*}}, label %[[D1:gostack.direct[0-9]*]], label %[[S1:gostack.sys[0-9]*]]
; CHECK:       [[D1]]:
; CHECK-NEXT:    invoke void @use(i32 1)
; CHECK-NEXT:            to label %{{.*}} unwind label %lpad
; CHECK:       [[S1]]:
; CHECK-NEXT:    invoke void @__gostack_systemstack_call(ptr @__gostack_thunk.use,
; CHECK-NEXT:            to label %{{.*}} unwind label %lpad
; CHECK:         br i1 %{{.*}}, label %[[D2:gostack.direct[0-9]*]], label %[[S2:gostack.sys[0-9]*]]
; CHECK:       [[D2]]:
; CHECK-NEXT:    invoke void @use(i32 2)
; CHECK-NEXT:            to label %{{.*}} unwind label %lpad
; CHECK:       [[S2]]:
; CHECK-NEXT:    invoke void @__gostack_systemstack_call(ptr @__gostack_thunk.use,
; CHECK-NEXT:            to label %{{.*}} unwind label %lpad
; CHECK:       lpad:
; CHECK-NEXT:    %k = phi i32 [ 10, %[[D1]] ], [ 20, %[[D2]] ], [ 10, %[[S1]] ], [ 20, %[[S2]] ]
; CHECK-NEXT:    landingpad
define void @g() personality ptr @__gxx_personality_v0 {
entry:
  invoke void @use(i32 1) to label %next unwind label %lpad
next:
  invoke void @use(i32 2) to label %done unwind label %lpad
done:
  ret void
lpad:
  %k = phi i32 [ 10, %entry ], [ 20, %next ]
  %lp = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %lp
}

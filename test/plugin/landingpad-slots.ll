; A pointer live into a C++-style landing pad travels through an unwind.slot (tag 2 record);
; opt's verifier accepts the result.
;
; RUN: %opt -passes=gostack %s -S -o - | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-LABEL: define void @h(ptr %p) #{{[0-9]+}} gc "gostack" personality ptr @__gxx_personality_v0 {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %unwind.slot = alloca ptr, align 8
; CHECK-NEXT:    store ptr %p, ptr %unwind.slot, align 8
; CHECK-NEXT:    %statepoint_token = invoke token {{.*}} @llvm.experimental.gc.statepoint.p0({{.*}} @thrower, i32 1, i32 0, ptr null, i32 0, i32 0) [ "gc-live"(ptr %p), "deopt"(i64 2, ptr %unwind.slot) ]
; CHECK-NEXT:            to label %ok unwind label %lp
; CHECK:       lp:
; CHECK-NEXT:    %e = landingpad { ptr, i32 }
; CHECK-NEXT:            cleanup
; CHECK-NEXT:    [[P:%[0-9]+]] = load ptr, ptr %unwind.slot, align 8
; CHECK-NEXT:    %statepoint_token{{[0-9]+}} = call token {{.*}} @llvm.experimental.gc.statepoint.p0({{.*}} @user, i32 1, i32 0, ptr [[P]], i32 0, i32 0)
; CHECK-NOT:     landingpad
; CHECK:         resume { ptr, i32 } %e

declare i32 @__gxx_personality_v0(...)
define void @thrower(ptr %p) {
  ret void
}
define void @user(ptr %p) {
  ret void
}
define void @h(ptr %p) personality ptr @__gxx_personality_v0 {
entry:
  invoke void @thrower(ptr null) to label %ok unwind label %lp
ok:
  ret void
lp:
  %e = landingpad { ptr, i32 } cleanup
  call void @user(ptr %p)
  resume { ptr, i32 } %e
}

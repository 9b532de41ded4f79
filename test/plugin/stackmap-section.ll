; The stack maps go to a writable gostack_stackmaps section (no .llvm_stackmaps); renamed back,
; llvm-readobj parses them: the invoke's record has 3 header constants, the unwind slot record
; (Constant 2 + its Direct slot) and the gc-live spill slots, each once (Direct and constant
; gc entries, which a move does not update, and the second name of a (base, derived) pair are
; left out: plugin/StackMapPrinter.cpp, compactLocations). %p is read after the second call, so
; it is live there; a pointer argument nothing reads after its call is not (dropUnreadGCLive).
;
; RUN: %clang-plugin -Wno-override-module -c %s -o %t.o
; RUN: llvm-readelf -S %t.o | FileCheck %s --check-prefix=SECT
; RUN: llvm-objcopy --rename-section gostack_stackmaps=.llvm_stackmaps %t.o %t.renamed.o
; RUN: llvm-readobj --stackmap %t.renamed.o | FileCheck %s --check-prefix=MAP
; RUN: env GOSTACK_STACK_MAPS=0 %clang-plugin -Wno-override-module -c %s -o %t.off.o
; RUN: llvm-readelf -S %t.off.o | FileCheck %s --check-prefix=OFF

; SECT-NOT: .llvm_stackmaps
; SECT:     gostack_fninfo PROGBITS {{.*}} WA
; SECT-NOT: .llvm_stackmaps
; SECT:     gostack_stackmaps PROGBITS {{.*}} WAL
; SECT-NOT: .llvm_stackmaps

; MAP:      Num Functions: 1
; MAP:      Num Records: 2
; MAP:      Record ID: 2882400000, instruction offset: {{[0-9]+}}
; MAP-NEXT:   6 locations:
; MAP-NEXT:     #1: Constant 0, size: 8
; MAP-NEXT:     #2: Constant 0, size: 8
; MAP-NEXT:     #3: Constant 2, size: 8
; MAP-NEXT:     #4: Constant 2, size: 8
; MAP-NEXT:     #5: Direct R#7 + {{[0-9]+}}, size: 8
; MAP-NEXT:     #6: Indirect [R#7 + {{[0-9]+}}], size: 8
; MAP:      Record ID: 2882400000, instruction offset: {{[0-9]+}}
; MAP-NEXT:   4 locations:
; MAP-NEXT:     #1: Constant 0, size: 8
; MAP-NEXT:     #2: Constant 0, size: 8
; MAP-NEXT:     #3: Constant 0, size: 8
; MAP-NEXT:     #4: Indirect [R#7 + {{[0-9]+}}], size: 8

; OFF-NOT: gostack_stackmaps
; OFF-NOT: stackmaps

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

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
  store i8 0, ptr %p
  resume { ptr, i32 } %e
}

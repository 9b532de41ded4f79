; Inline asm in functions with move points (stack maps on, the default). RewriteStatepointsForGC
; takes every non-constant pointer operand for a value that may be live at a statepoint, and an
; InlineAsm callee is one: it crashed looking for the asm's base pointer. The plugin hides every
; asm callee from it (a declared stand-in, `__gostack.asm`, while it runs) and puts the asm back.
; The asm is never a statepoint itself; its pointer operands are the relocated values; its
; pointer results are relocated like any call's. A pointer result of an asm goto (callbr, a
; terminator, which RS4GC cannot spill after) is copied at the top of each successor, each on
; an edge of its own. The result passes opt's verifier, and compiles at -O0 and -O2 with the IR
; verified after every pass.
;
; RUN: %opt -passes=gostack %s -S -o - | FileCheck %s --implicit-check-not=__gostack.asm
; RUN: %clang-plugin -Wno-override-module -O0 -c %s -o %t0.o -fno-crash-diagnostics \
; RUN:   -Xclang -llvm-verify-each
; RUN: %clang-plugin -Wno-override-module -O2 -c %s -o %t2.o -fno-crash-diagnostics \
; RUN:   -Xclang -llvm-verify-each
; RUN: %clang-plugin -Wno-override-module -O2 -S %s -o - | FileCheck %s --check-prefix=ASM

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; Not inlined at -O2: every call below stays a move point.
define void @callee() noinline {
  call void asm sideeffect "", "~{memory}"()
  ret void
}

; The reproducer: any asm after a move point.
; CHECK-LABEL: define void @after_call()
; CHECK-NEXT:    %statepoint_token = call token {{.*}} @llvm.experimental.gc.statepoint.p0({{.*}} @callee,
; CHECK-NEXT:    call void asm sideeffect "nop", ""() #[[LEAF:[0-9]+]]
; CHECK-NEXT:    ret void
; ASM-LABEL: after_call:
; ASM:         callq callee
; ASM-NEXT:  .Ltmp{{[0-9]+}}:
; ASM-NEXT:    #APP
; ASM-NEXT:    nop
; ASM-NEXT:    #NO_APP
define void @after_call() {
  call void @callee()
  call void asm sideeffect "nop", ""()
  ret void
}

; A pointer input live across statepoints: the asm gets the relocated value.
; CHECK-LABEL: define i64 @ptr_input(ptr %p)
; CHECK:         %statepoint_token = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr %p) ]
; CHECK-NEXT:    %p.relocated = call coldcc ptr @llvm.experimental.gc.relocate.p0(token %statepoint_token, i32 0, i32 0)
; CHECK-NEXT:    call void asm sideeffect "# $0", "r,~{dirflag},~{fpsr},~{flags}"(ptr %p.relocated) #[[LEAF]]
; CHECK-NEXT:    %statepoint_token1 = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr %p.relocated) ]
define i64 @ptr_input(ptr %p) {
  call void @callee()
  call void asm sideeffect "# $0", "r,~{dirflag},~{fpsr},~{flags}"(ptr %p)
  call void @callee()
  %v = load i64, ptr %p
  ret i64 %v
}

; Memory operands on a local that stays on the moving stack (nocapture: not pinned): its
; address is defined afresh (a lea from the frame slot, an asm with side effects) right before
; each use, so it is never live across a statepoint, and the asm keeps its attributes.
; CHECK-LABEL: define i64 @local_memory_operand()
; CHECK:         %statepoint_token = call token {{.*}} @callee, i32 0, i32 0, i32 0, i32 0){{$}}
; CHECK-NEXT:    [[X1:%.*]] = call ptr asm sideeffect "leaq $1, $0", "=r,*m"(ptr elementtype([4 x i64]) %x)
; CHECK-NEXT:    [[X2:%.*]] = call ptr asm sideeffect "leaq $1, $0", "=r,*m"(ptr elementtype([4 x i64]) %x)
; CHECK-NEXT:    call void asm sideeffect "addq $$1, $0", "=*m,*m,~{dirflag},~{fpsr},~{flags}"(ptr nocapture elementtype(i64) [[X2]], ptr nocapture elementtype(i64) [[X1]]) #[[LEAF]]
; CHECK-NEXT:    %statepoint_token{{[0-9]+}} = call token {{.*}} @callee, i32 0, i32 0, i32 0, i32 0){{$}}
define i64 @local_memory_operand() {
  %x = alloca [4 x i64], align 16
  store i64 1, ptr %x
  call void @callee()
  call void asm sideeffect "addq $$1, $0", "=*m,*m,~{dirflag},~{fpsr},~{flags}"(ptr nocapture elementtype(i64) %x, ptr nocapture elementtype(i64) %x)
  call void @callee()
  %v = load i64, ptr %x
  ret i64 %v
}

; Outputs: a pointer result is a base like any call's; a pointer extracted from a multi-output
; result is extracted right after the asm (RS4GC does not relocate aggregates).
; CHECK-LABEL: define i64 @outputs(ptr %p, i64 %n)
; CHECK-NEXT:    %q = call ptr asm "movq $1, $0", "=r,r,~{dirflag},~{fpsr},~{flags}"(ptr %p) #[[LEAF]]
; CHECK-NEXT:    %s = call { ptr, i64 } asm
; CHECK-NEXT:    %r = extractvalue { ptr, i64 } %s, 0
; CHECK-NEXT:    %statepoint_token = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr %r, ptr %q) ]
; CHECK-NEXT:    %r.relocated = call coldcc ptr @llvm.experimental.gc.relocate.p0(token %statepoint_token, i32 0, i32 0)
; CHECK-NEXT:    %q.relocated = call coldcc ptr @llvm.experimental.gc.relocate.p0(token %statepoint_token, i32 1, i32 1)
; CHECK-NEXT:    %m = extractvalue { ptr, i64 } %s, 1
; CHECK-NEXT:    %a = load i64, ptr %q.relocated
; CHECK-NEXT:    %b = load i64, ptr %r.relocated
define i64 @outputs(ptr %p, i64 %n) {
  %q = call ptr asm "movq $1, $0", "=r,r,~{dirflag},~{fpsr},~{flags}"(ptr %p)
  %s = call { ptr, i64 } asm "movq $2, $0\0A\09movq $3, $1", "=&r,=&r,r,r,~{dirflag},~{fpsr},~{flags}"(ptr %p, i64 %n)
  call void @callee()
  %r = extractvalue { ptr, i64 } %s, 0
  %m = extractvalue { ptr, i64 } %s, 1
  %a = load i64, ptr %q
  %b = load i64, ptr %r
  %c = add i64 %a, %b
  %d = add i64 %c, %m
  ret i64 %d
}

; Asm in a loop with a call: the loop-carried pointer is relocated, the asm reads it.
; CHECK-LABEL: define i64 @loop(ptr %p, i64 %n)
; CHECK:       body:
; CHECK-NEXT:    [[P:%.*]] = phi ptr [ %p, %entry ], [ %p.relocated, %body ]
; CHECK:         %statepoint_token = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr [[P]]) ]
; CHECK-NEXT:    %p.relocated = call coldcc ptr @llvm.experimental.gc.relocate.p0(
; CHECK-NEXT:    %acc1 = call i64 asm "addq ($2), $0", "=r,0,r,~{dirflag},~{fpsr},~{flags}"(i64 %acc, ptr %p.relocated) #[[LEAF]]
; CHECK-NEXT:    call void asm sideeffect "", "~{memory},~{dirflag},~{fpsr},~{flags}"() #[[LEAF]]
define i64 @loop(ptr %p, i64 %n) {
entry:
  br label %body
body:
  %i = phi i64 [ 0, %entry ], [ %i1, %body ]
  %acc = phi i64 [ 0, %entry ], [ %acc1, %body ]
  call void @callee()
  %acc1 = call i64 asm "addq ($2), $0", "=r,0,r,~{dirflag},~{fpsr},~{flags}"(i64 %acc, ptr %p)
  call void asm sideeffect "", "~{memory},~{dirflag},~{fpsr},~{flags}"()
  %i1 = add i64 %i, 1
  %done = icmp eq i64 %i1, %n
  br i1 %done, label %exit, label %body
exit:
  ret i64 %acc1
}

; asm goto between move points, without outputs: a leaf, left as it is.
; CHECK-LABEL: define i64 @asm_goto(ptr %p, i64 %n)
; CHECK:         %p.relocated = call coldcc ptr @llvm.experimental.gc.relocate.p0(
; CHECK-NEXT:    callbr void asm "testq $0, $0\0A\09jne ${1:l}", "r,!i,~{dirflag},~{fpsr},~{flags}"(i64 %n) #[[LEAF]]
; CHECK-NEXT:            to label %ft [label %ind]
; CHECK:       ft:
; CHECK-NEXT:    %statepoint_token1 = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr %p.relocated) ]
define i64 @asm_goto(ptr %p, i64 %n) {
entry:
  call void @callee()
  callbr void asm "testq $0, $0\0A\09jne ${1:l}", "r,!i,~{dirflag},~{fpsr},~{flags}"(i64 %n)
          to label %ft [label %ind]
ft:
  call void @callee()
  %a = load i64, ptr %p
  ret i64 %a
ind:
  ret i64 0
}

; A pointer output of an asm goto live across a later statepoint. The fallthrough edge is
; critical: it gets a block of its own.
; CHECK-LABEL: define i64 @asm_goto_out(ptr %p, i64 %n)
; CHECK:         %q = callbr ptr asm "movq $1, $0\0A\09testq $2, $2\0A\09jne ${3:l}", "=&r,r,r,!i,~{dirflag},~{fpsr},~{flags}"(ptr %p.relocated, i64 %n) #[[LEAF]]
; CHECK-NEXT:            to label %entry.asm.edge [label %ind]
; CHECK:       ind:
; CHECK-NEXT:    [[QI:%.*]] = call ptr asm sideeffect "", "=r,0"(ptr %q)
; CHECK-NEXT:    br label %join
; CHECK:       entry.asm.edge:
; CHECK-NEXT:    [[QF:%.*]] = call ptr asm sideeffect "", "=r,0"(ptr %q)
; CHECK-NEXT:    br label %join
; CHECK:       join:
; CHECK-NEXT:    [[Q:%.*]] = phi ptr [ [[QI]], %ind ], [ [[QF]], %entry.asm.edge ]
; CHECK-NEXT:    %sel = phi ptr [ [[QI]], %ind ], [ null, %entry.asm.edge ]
; CHECK-NEXT:    %statepoint_token{{[0-9]+}} = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr %sel, ptr [[Q]]) ]
; CHECK-NOT:     ptr %q)
; CHECK:         ret i64
define i64 @asm_goto_out(ptr %p, i64 %n) {
entry:
  call void @callee()
  %q = callbr ptr asm "movq $1, $0\0A\09testq $2, $2\0A\09jne ${3:l}", "=&r,r,r,!i,~{dirflag},~{fpsr},~{flags}"(ptr %p, i64 %n)
          to label %join [label %ind]
ind:
  br label %join
join:
  %sel = phi ptr [ %q, %ind ], [ null, %entry ]
  call void @callee()
  %a = load i64, ptr %q
  %b = icmp eq ptr %sel, null
  %c = select i1 %b, i64 0, i64 %a
  ret i64 %c
}

; Multiple outputs: each pointer is extracted at the top of the successors that use it.
; CHECK-LABEL: define i64 @asm_goto_outs(ptr %p, i64 %n)
; CHECK:       ft:
; CHECK-NEXT:    [[Q:%.*]] = extractvalue { ptr, i64 } %s, 0
; CHECK-NEXT:    %statepoint_token{{[0-9]+}} = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr [[Q]]) ]
; CHECK:       ind:
; CHECK-NEXT:    [[R:%.*]] = extractvalue { ptr, i64 } %s, 0
; CHECK-NEXT:    %m = extractvalue { ptr, i64 } %s, 1
; CHECK-NEXT:    %statepoint_token{{[0-9]+}} = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr [[R]]) ]
define i64 @asm_goto_outs(ptr %p, i64 %n) {
entry:
  call void @callee()
  %s = callbr { ptr, i64 } asm "movq $2, $0\0A\09movq $3, $1\0A\09testq $3, $3\0A\09jne ${4:l}", "=&r,=&r,r,r,!i,~{dirflag},~{fpsr},~{flags}"(ptr %p, i64 %n)
          to label %ft [label %ind]
ft:
  %q = extractvalue { ptr, i64 } %s, 0
  call void @callee()
  %a = load i64, ptr %q
  ret i64 %a
ind:
  %r = extractvalue { ptr, i64 } %s, 0
  %m = extractvalue { ptr, i64 } %s, 1
  call void @callee()
  %b = load i64, ptr %r
  %c = add i64 %b, %m
  ret i64 %c
}

; An asm goto that jumps back to its own block (a loop through the indirect edge).
; CHECK-LABEL: define i64 @asm_goto_loop(ptr %p, i64 %n)
; CHECK:       retry.asm.edge:
; CHECK-NEXT:    [[QL:%.*]] = call ptr asm sideeffect "", "=r,0"(ptr %q)
; CHECK-NEXT:    br label %retry
; CHECK:       retry:
; CHECK-NEXT:    %prev = phi ptr [ %p, %entry ], [ [[QL]], %retry.asm.edge ]
; CHECK:         %q = callbr ptr asm {{.*}}(ptr %prev.relocated, i64 %n) #[[LEAF]]
; CHECK-NEXT:            to label %done [label %retry.asm.edge]
; CHECK:       done:
; CHECK-NEXT:    [[QD:%.*]] = call ptr asm sideeffect "", "=r,0"(ptr %q)
; CHECK-NEXT:    %statepoint_token{{[0-9]+}} = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr [[QD]]) ]
define i64 @asm_goto_loop(ptr %p, i64 %n) {
entry:
  br label %retry
retry:
  %prev = phi ptr [ %p, %entry ], [ %q, %retry ]
  call void @callee()
  %q = callbr ptr asm "movq $1, $0\0A\09decq $2\0A\09jne ${3:l}", "=&r,r,r,!i,~{dirflag},~{fpsr},~{flags}"(ptr %prev, i64 %n)
          to label %done [label %retry]
done:
  call void @callee()
  %a = load i64, ptr %q
  ret i64 %a
}

; An asm that may unwind (invoke): a leaf like the others.
; CHECK-LABEL: define i64 @asm_unwind(ptr %p)
; CHECK:         %q = invoke ptr asm sideeffect unwind "movq $1, $0", "=r,r,~{dirflag},~{fpsr},~{flags}"(ptr %p.relocated) #[[LEAF]]
; CHECK-NEXT:            to label %ok unwind label %lp
; CHECK:       ok:
; CHECK-NEXT:    %statepoint_token{{[0-9]+}} = call token {{.*}} @callee, {{.*}} [ "gc-live"(ptr %q) ]
declare i32 @__gxx_personality_v0(...)
define i64 @asm_unwind(ptr %p) personality ptr @__gxx_personality_v0 {
entry:
  call void @callee()
  %q = invoke ptr asm sideeffect unwind "movq $1, $0", "=r,r,~{dirflag},~{fpsr},~{flags}"(ptr %p)
          to label %ok unwind label %lp
ok:
  call void @callee()
  %a = load i64, ptr %q
  ret i64 %a
lp:
  %e = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %e
}

; CHECK: attributes #[[LEAF]] = { "gc-leaf-function" }

; Indirect calls are decided at run time (docs/design.md, "Foreign calls"): each call site gets
; two internal caches, the last target found instrumented and the last found foreign. A hit in
; the first calls the target directly (the original call, marked !gostack.routed, a move point
; with stack maps); a hit in the second runs it on the system stack through a thunk that finds
; the target in the first field of its frame; a miss asks __gostack_is_instrumented and stores
; the answer (relaxed atomic stores). The frame is filled on the system-stack path only, in one
; buffer per function shared by all its indirect sites (sized and aligned for the largest). Invokes
; unwind to the same landing pad from both paths. Thunks are shared per signature + attributes.
; A musttail indirect call cannot switch stacks: warned, left alone. With stack maps, a
; value-returning variadic indirect call cannot be a move point, so it always takes the system
; stack. -gostack-indirect-calls=assume-instrumented leaves indirect calls alone. Running the
; pass twice changes nothing more. opt's verifier and llc accept every output.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s -pass-remarks=gostack \
; RUN:   -pass-remarks-missed=gostack 2>%t.remarks | FileCheck %s
; RUN: FileCheck %s --check-prefix=REMARK --input-file=%t.remarks
; RUN: %opt -passes=gostack -S %s 2>/dev/null | FileCheck %s --check-prefix=MAPS
; RUN: %opt -gostack-indirect-calls=assume-instrumented -passes=gostack -S %s 2>/dev/null \
; RUN:   | FileCheck %s --check-prefix=ASSUME
; RUN: env GOSTACK_INDIRECT_CALLS=assume-instrumented %opt -passes=gostack -S %s 2>/dev/null \
; RUN:   | FileCheck %s --check-prefix=ASSUME
; RUN: %opt -passes=gostack,gostack -S %s 2>/dev/null | grep -c '^@gostack.icache' \
; RUN:   | FileCheck %s --check-prefix=TWICE
; RUN: %clang-plugin -Wno-override-module -O0 -c %s -o /dev/null 2>/dev/null
; RUN: %clang-plugin -Wno-override-module -O2 -c %s -o /dev/null 2>/dev/null
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s 2>/dev/null | %llc -O0 -o /dev/null
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s 2>/dev/null | %llc -O2 -o /dev/null

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

%struct.big = type { [8 x i64] }

declare i32 @__gxx_personality_v0(...)
declare void @use(i32)
declare void @llvm.memset.p0.i64(ptr, i8, i64, i1)

; CHECK-DAG:   @[[CI:gostack.icache.instrumented]] = internal global ptr null, align 8
; CHECK-DAG:   @[[CF:gostack.icache.foreign]] = internal global ptr null, align 8

; CHECK-LABEL: define i32 @call(
; CHECK-SAME:    ptr %fp, i32 %x) #[[INSTR:[0-9]+]] {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %[[FR:gostack.icallframe]] = alloca [16 x i8], align 8
; CHECK-NEXT:    %[[LI:[0-9]+]] = load atomic ptr, ptr @[[CI]] monotonic, align 8
; CHECK-NEXT:    %[[HI:gostack.target.instrumented[0-9]*]] = icmp eq ptr %fp, %[[LI]]
; CHECK-NEXT:    br i1 %[[HI]], label %[[DIRECT:gostack.direct[0-9]*]], label %[[MISS:gostack.icache.miss[0-9]*]], !prof ![[LIKELY:[0-9]+]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[DIRECT]]:
; CHECK-NEXT:    %r = call i32 %fp(i32 %x), !gostack.routed
; CHECK-NEXT:    br label %[[MERGE:gostack.merge[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[MISS]]:
; CHECK-NEXT:    %[[LF:[0-9]+]] = load atomic ptr, ptr @[[CF]] monotonic, align 8
; CHECK-NEXT:    %[[HF:gostack.target.foreign[0-9]*]] = icmp eq ptr %fp, %[[LF]]
; CHECK-NEXT:    br i1 %[[HF]], label %[[SYS:gostack.sys[0-9]*]], label %[[ASK:gostack.ask[0-9]*]], !prof ![[LIKELY]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[ASK]]:
; CHECK-NEXT:    %[[Q:[0-9]+]] = call i32 @__gostack_is_instrumented(ptr %fp) #[[NOUNWIND:[0-9]+]]
; CHECK-NEXT:    %[[ISI:gostack.is.instrumented[0-9]*]] = icmp ne i32 %[[Q]], 0
; CHECK-NEXT:    br i1 %[[ISI]], label %[[NEWI:gostack.new.instrumented[0-9]*]], label %[[NEWF:gostack.new.foreign[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[NEWI]]:
; CHECK-NEXT:    store atomic ptr %fp, ptr @[[CI]] monotonic, align 8
; CHECK-NEXT:    br label %[[DIRECT]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[NEWF]]:
; CHECK-NEXT:    store atomic ptr %fp, ptr @[[CF]] monotonic, align 8
; CHECK-NEXT:    br label %[[SYS]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[SYS]]:
; CHECK-NEXT:    %[[G0:[0-9]+]] = getelementptr inbounds { ptr, i32, i32 }, ptr %[[FR]], i32 0, i32 0
; CHECK-NEXT:    store ptr %fp, ptr %[[G0]], align 8
; CHECK-NEXT:    %[[G1:[0-9]+]] = getelementptr inbounds { ptr, i32, i32 }, ptr %[[FR]], i32 0, i32 1
; CHECK-NEXT:    store i32 %x, ptr %[[G1]], align 4
; CHECK-NEXT:    call void @__gostack_systemstack_call(ptr @[[THUNK:__gostack_thunk.indirect]], ptr %[[FR]]){{$}}
; CHECK-NEXT:    %[[G2:[0-9]+]] = getelementptr inbounds { ptr, i32, i32 }, ptr %[[FR]], i32 0, i32 2
; CHECK-NEXT:    %[[RES:gostack.result[0-9]*]] = load i32, ptr %[[G2]], align 4
; CHECK-NEXT:    br label %[[MERGE]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[MERGE]]:
; CHECK-NEXT:    %[[PHI:gostack.call[0-9]*]] = phi i32 [ %r, %[[DIRECT]] ], [ %[[RES]], %[[SYS]] ]
; CHECK-NEXT:    br label %[[AFTER:gostack.after[0-9]*]]
; CHECK-EMPTY:
; CHECK-NEXT:  [[AFTER]]:
;   The second site has caches of its own and shares the thunk.
; CHECK-NEXT:    load atomic ptr, ptr @gostack.icache.instrumented.{{[0-9]+}} monotonic
; CHECK-NOT:     @[[CI]]
; CHECK:         %s = call i32 %fp(i32 %[[PHI]]), !gostack.routed
; CHECK:         call void @__gostack_systemstack_call(ptr @[[THUNK]], ptr %[[FR]]){{$}}
; CHECK:         ret i32
define i32 @call(ptr %fp, i32 %x) {
entry:
  %r = call i32 %fp(i32 %x)
  %s = call i32 %fp(i32 %r)
  ret i32 %s
}

; A nounwind void call: own (nounwind) thunk, no PHI.
; CHECK-LABEL: define void @call_void(
; CHECK:         call void %fp(ptr null) #[[NOUNWIND]], !gostack.routed
; CHECK:         call void @__gostack_systemstack_call(ptr @[[THUNK_NU:__gostack_thunk.indirect.[0-9]+]], ptr %gostack.icallframe) #[[NOUNWIND]]
; CHECK-NOT:     phi
; CHECK:         ret void
define void @call_void(ptr %fp) {
  call void %fp(ptr null) nounwind
  ret void
}

; invoke: the original invoke is the direct path, the trampoline is invoked on the other; the
; landing pad's PHI gets an entry for each, the normal destination's PHI comes from the merge.
; CHECK-LABEL: define i32 @inv(
; CHECK:         br i1 %gostack.target.instrumented, label %[[IDIRECT:gostack.direct[0-9]*]], label
; CHECK:       [[IDIRECT]]:
; CHECK-NEXT:    %r = invoke i32 %fp(i32 %x)
; CHECK-NEXT:            to label %[[IMERGE:gostack.merge[0-9]*]] unwind label %lpad, !gostack.routed
; CHECK:       [[ISYS:gostack.sys[0-9]*]]:
; CHECK:         invoke void @__gostack_systemstack_call(ptr @[[THUNK]], ptr %{{.*}})
; CHECK-NEXT:            to label %[[IOK:gostack.sys.ok[0-9]*]] unwind label %lpad
; CHECK:       [[IMERGE]]:
; CHECK-NEXT:    %[[IPHI:gostack.call[0-9]*]] = phi i32 [ %r, %[[IDIRECT]] ], [ %{{gostack.result[0-9]*}}, %[[IOK]] ]
; CHECK-NEXT:    br label %cont
; CHECK:       cont:
; CHECK-NEXT:    %v = phi i32 [ %[[IPHI]], %[[IMERGE]] ]
; CHECK:       lpad:
; CHECK-NEXT:    %w = phi i32 [ 1, %[[IDIRECT]] ], [ 1, %[[ISYS]] ]
define i32 @inv(ptr %fp, i32 %x) personality ptr @__gxx_personality_v0 {
entry:
  %r = invoke i32 %fp(i32 %x)
          to label %cont unwind label %lpad
cont:
  %v = phi i32 [ %r, %entry ]
  ret i32 %v
lpad:
  %w = phi i32 [ 1, %entry ]
  %lp = landingpad { ptr, i32 } cleanup
  call void @use(i32 %w)
  resume { ptr, i32 } %lp
}

; Variadic: the thunk makes the same variadic call (the backend sets AL there). The frame buffer
; takes the largest frame: { ptr, ptr, i32, double, i32 }.
; CHECK-LABEL: define i32 @vcall(
; CHECK-NEXT:    %gostack.icallframe = alloca [40 x i8], align 8
; CHECK:         %r = call i32 (ptr, ...) %fp(ptr %fmt, i32 7, double 2.500000e+00), !gostack.routed
; CHECK:         call void @__gostack_systemstack_call(ptr @[[THUNK_V:__gostack_thunk.indirect.[0-9]+]], ptr
define i32 @vcall(ptr %fp, ptr %fmt) {
  %r = call i32 (ptr, ...) %fp(ptr %fmt, i32 7, double 2.5)
  ret i32 %r
}

; CHECK-LABEL: define void @vcall_void(
; CHECK:         call void (ptr, ...) %fp(ptr %fmt, i32 7), !gostack.routed
define void @vcall_void(ptr %fp, ptr %fmt) {
  call void (ptr, ...) %fp(ptr %fmt, i32 7)
  ret void
}

; sret and byval stay on the call in the thunk: the byval copy is made on the system stack.
; CHECK-LABEL: define void @sret_byval(
; CHECK:         call void %fp(ptr sret(%struct.big) align 8 %out, ptr byval(%struct.big) align 8 %in), !gostack.routed
; CHECK:         call void @__gostack_systemstack_call(ptr @[[THUNK_SB:__gostack_thunk.indirect.[0-9]+]], ptr
define void @sret_byval(ptr %fp, ptr %out, ptr %in) {
  call void %fp(ptr sret(%struct.big) align 8 %out, ptr byval(%struct.big) align 8 %in)
  ret void
}

; CHECK-LABEL: define i32 @tail(
; CHECK-NEXT:    %r = musttail call i32 %fp(i32 %x, ptr %fp)
; CHECK-NEXT:    ret i32 %r
define i32 @tail(i32 %x, ptr %fp) {
  %r = musttail call i32 %fp(i32 %x, ptr %fp)
  ret i32 %r
}

; Inline asm and intrinsics are not indirect calls.
; CHECK-LABEL: define void @stays(
; CHECK-NEXT:    call void asm sideeffect "nop", ""()
; CHECK-NEXT:    call void @llvm.memset.p0.i64(
; CHECK-NEXT:    ret void
define void @stays(ptr %p) {
  call void asm sideeffect "nop", ""()
  call void @llvm.memset.p0.i64(ptr %p, i8 0, i64 8, i1 false)
  ret void
}

; CHECK:       define internal void @[[THUNK]](
; CHECK-SAME:    ptr %0) #[[THUNK_ATTRS:[0-9]+]] {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %1 = getelementptr inbounds { ptr, i32, i32 }, ptr %0, i32 0, i32 0
; CHECK-NEXT:    %target = load ptr, ptr %1, align 8
; CHECK-NEXT:    %2 = getelementptr inbounds { ptr, i32, i32 }, ptr %0, i32 0, i32 1
; CHECK-NEXT:    %3 = load i32, ptr %2, align 4
; CHECK-NEXT:    %4 = call i32 %target(i32 %3){{$}}
; CHECK-NEXT:    %5 = getelementptr inbounds { ptr, i32, i32 }, ptr %0, i32 0, i32 2
; CHECK-NEXT:    store i32 %4, ptr %5, align 4
; CHECK-NEXT:    ret void
; CHECK-NEXT:  }
; CHECK:       define internal void @[[THUNK_NU]](
; CHECK:         call void %target(ptr %3) #[[NOUNWIND]]
; CHECK:       define internal void @[[THUNK_V]](
; CHECK:         %8 = call i32 (ptr, ...) %target(ptr %3, i32 %5, double %7)
; CHECK:       define internal void @[[THUNK_SB]](
; CHECK:         call void %target(ptr sret(%struct.big) align 8 %3, ptr byval(%struct.big) align 8 %5)

; CHECK-DAG:   attributes #[[INSTR]] = { "frame-pointer"="all" "split-stack" }
; CHECK-DAG:   attributes #[[THUNK_ATTRS]] = { noinline "frame-pointer"="all" "gostack-thunk" }
; CHECK-DAG:   attributes #[[NOUNWIND]] = { nounwind }
; CHECK-DAG:   ![[LIKELY]] = !{!"branch_weights", i32 {{[0-9]+}}, i32 1}

; REMARK-COUNT-6: remark: <unknown>:0:0: indirect call: the target runs on the system stack unless it is gostack-compiled (decided at run time, cached per call site)
; REMARK:      warning: <unknown>:0:0: in function tail i32 (i32, ptr): gostack: indirect call in 'tail' stays on the task stack (a musttail call cannot switch stacks); its target must be gostack-compiled or fit in the stack guard reserve
; REMARK:      remark: <unknown>:0:0: indirect call stays on the task stack

; With stack maps the direct path is a statepoint, the run-time question a leaf call, and the
; value-returning variadic call goes to the system stack only.
; MAPS-LABEL:  define i32 @call(
; MAPS:          gostack.direct:
; MAPS-NEXT:     @llvm.experimental.gc.statepoint.p0(i64 {{[0-9]+}}, i32 0, ptr elementtype(i32 (i32)) %fp,
; MAPS:          call i32 @__gostack_is_instrumented(ptr %fp) #[[LEAF_NU:[0-9]+]]
; MAPS-LABEL:  define i32 @vcall(
; MAPS-NOT:      icache
; MAPS-NOT:      statepoint
; MAPS:          call void @__gostack_systemstack_call(
; MAPS-NOT:      statepoint
; MAPS:          ret i32 %gostack.result
; MAPS-LABEL:  define void @vcall_void(
; MAPS:          @llvm.experimental.gc.statepoint.p0({{.*}}@__gostack_vcall
; MAPS-DAG:    attributes #[[LEAF_NU]] = { nounwind "gc-leaf-function" }

; ASSUME-NOT:  icache
; ASSUME-NOT:  __gostack_is_instrumented
; ASSUME-NOT:  __gostack_thunk.indirect

; 6 routed sites (vcall has no cache with stack maps), two caches each, after two runs.
; TWICE: 12

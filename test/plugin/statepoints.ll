; Precise relocation (docs/design.md, "Precise relocation"; stack maps are on by default): move
; points become gc.statepoints with the live pointers, leaf calls stay plain, dynamic allocas get
; a move point before them, variadic move points go through __gostack_vcall, va_lists are deopt
; records, and the module gets its __gostack_fninfo table and registration constructor.
;
; RUN: %opt -passes=gostack %s -S -o - | FileCheck %s
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s -S -o - | FileCheck %s --check-prefix=OFF

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; One record per checked function, in order; f(ptr, i64, ptr) has pointers in rdi and rdx: 5.
; The variadic bodies take (i32, ptr va_list): 2. Then the unchecked variadic entries (and the
; value-returning twin), flagged GOSTACK_FNINFO_UNCHECKED_ENTRY (bit 31 of the register mask)
; so that indirect calls may enter them on a task stack.
; CHECK: @__gostack_fninfo = internal global [9 x { ptr, i32, i32 }] [{ ptr, i32, i32 } { ptr @callee, i32 1, i32 0 }, { ptr, i32, i32 } { ptr @f, i32 5, i32 0 }, { ptr, i32, i32 } { ptr @vsum.gostack.body, i32 2, i32 0 }, { ptr, i32, i32 } { ptr @vvoid.gostack.body, i32 2, i32 0 }, { ptr, i32, i32 } { ptr @calls_var, i32 1, i32 0 }, { ptr, i32, i32 } { ptr @dyn, i32 0, i32 0 }, { ptr, i32, i32 } { ptr @vsum, i32 -2147483648, i32 0 }, { ptr, i32, i32 } { ptr @__gostack_vret.vsum, i32 -2147483648, i32 0 }, { ptr, i32, i32 } { ptr @vvoid, i32 -2147483648, i32 0 }], section "gostack_fninfo", align 8
; CHECK: @llvm.used = appending global [1 x ptr] [ptr @__gostack_fninfo], section "llvm.metadata"
; CHECK: @llvm.global_ctors = appending global [1 x { i32, ptr, ptr }] [{ i32, ptr, ptr } { i32 100, ptr @gostack.stackmaps.register, ptr null }]

; Without stack maps the function table and its registration stay: indirect calls of every
; module ask it whether a target is instrumented.
; OFF: @__gostack_fninfo = internal global [9 x { ptr, i32, i32 }]
; OFF: @llvm.global_ctors = {{.*}} @gostack.stackmaps.register
; OFF-NOT: gc.statepoint
; OFF-NOT: gc "gostack"

declare void @llvm.va_start(ptr)
declare void @llvm.va_end(ptr)
declare ptr @memcpy(ptr, ptr, i64)
declare void @ext(ptr)

; CHECK-LABEL: define void @callee(ptr %p) #{{[0-9]+}} gc "gostack" {
define void @callee(ptr %p) {
  store i8 0, ptr %p
  ret void
}

; %a and %b are live across the call to @callee; memcpy (leaf library function) and the
; system-stack trampoline are not move points. The call frame's address is defined right before
; each use, so it is never live across a move point; and a pointer argument nothing reads after
; its call (%b at @ext) is not gc-live there.
; CHECK-LABEL: define i64 @f(ptr %a, i64 %n, ptr %b) #{{[0-9]+}} gc "gostack" {
; CHECK:         %statepoint_token = call token (i64, i32, ptr, i32, i32, ...) @llvm.experimental.gc.statepoint.p0(i64 2882400000, i32 0, ptr elementtype(void (ptr)) @callee, i32 1, i32 0, ptr %a, i32 0, i32 0) [ "gc-live"(ptr %b, ptr %a) ]
; CHECK-NEXT:    %b.relocated = call coldcc ptr @llvm.experimental.gc.relocate.p0(token %statepoint_token, i32 0, i32 0)
; CHECK-NEXT:    %a.relocated = call coldcc ptr @llvm.experimental.gc.relocate.p0(token %statepoint_token, i32 1, i32 1)
; CHECK-NEXT:    %v = load i64, ptr %a.relocated, align 8
; CHECK-NEXT:    %m = call ptr @memcpy(ptr %b.relocated, ptr %a.relocated, i64 %n) #[[LEAF:[0-9]+]]
; CHECK-NEXT:    {{%.*}} = call ptr asm sideeffect "leaq $1, $0", "=r,*m"(ptr elementtype({{.*}}) %gostack.callframe)
; CHECK:       gostack.direct:
; CHECK-NEXT:    %statepoint_token{{[0-9]+}} = call token {{.*}} @llvm.experimental.gc.statepoint.p0({{.*}} @ext, i32 1, i32 0, ptr %b.relocated, i32 0, i32 0){{$}}
; CHECK:       gostack.sys:
; CHECK-NEXT:    [[FRAME:%.*]] = call ptr asm sideeffect "leaq $1, $0", "=r,*m"(ptr elementtype({{.*}}) %gostack.callframe)
; CHECK-NEXT:    call void @__gostack_systemstack_call(ptr @__gostack_thunk.ext, ptr [[FRAME]]) #[[LEAF]]
; CHECK-NEXT:    br label %gostack.merge
define i64 @f(ptr %a, i64 %n, ptr %b) {
entry:
  call void @callee(ptr %a)
  %v = load i64, ptr %a
  %m = call ptr @memcpy(ptr %b, ptr %a, i64 %n)
  call void @ext(ptr %b)
  ret i64 %v
}

; The variadic entry passes its (zeroed) va_list to the body as a runtime record, tag 1.
; CHECK-LABEL: define i32 @vsum(i32 %0, ...) #{{[0-9]+}} gc "gostack" {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %ap = alloca [24 x i8], align 16
; CHECK-NEXT:    %ap.addr = call ptr asm sideeffect "leaq $1, $0", "=r,*m"(ptr elementtype({{.*}}) %ap)
; CHECK-NEXT:    call void @llvm.memset.p0.i64(ptr align 16 %ap.addr, i8 0, i64 24, i1 false)
; CHECK-NEXT:    [[AP1:%.*]] = call ptr asm sideeffect "leaq $1, $0", "=r,*m"(ptr elementtype({{.*}}) %ap)
; CHECK-NEXT:    call void @llvm.va_start.p0(ptr [[AP1]])
; CHECK-NEXT:    [[AP2:%.*]] = call ptr asm sideeffect "leaq $1, $0", "=r,*m"(ptr elementtype({{.*}}) %ap)
; CHECK-NEXT:    %statepoint_token = call token {{.*}} @llvm.experimental.gc.statepoint.p0({{.*}} @vsum.gostack.body, i32 2, i32 0, i32 %0, ptr [[AP2]], i32 0, i32 0) [ "deopt"(i64 1, ptr %ap) ]
; CHECK-NEXT:    %1 = call i32 @llvm.experimental.gc.result.i32(token %statepoint_token)
define i32 @vsum(i32 %n, ...) {
entry:
  %ap = alloca [1 x { i32, i32, ptr, ptr }], align 16
  call void @llvm.va_start(ptr %ap)
  call void @callee(ptr null)
  call void @llvm.va_end(ptr %ap)
  ret i32 %n
}

define void @vvoid(i32 %n, ...) {
  ret void
}

; A void variadic move point: through __gostack_vcall, the callee as its nest argument. A
; value-returning one: the callee's __gostack_vret entry, the result through a slot.
; CHECK-LABEL: define i32 @calls_var(ptr %q) #{{[0-9]+}} gc "gostack" {
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %vret = alloca i32, align 4
; CHECK-NEXT:    %statepoint_token = call token {{.*}} @llvm.experimental.gc.statepoint.p0(i64 2882400000, i32 0, ptr elementtype(void (ptr, i32, ...)) @__gostack_vcall, i32 3, i32 0, ptr nest @vvoid, i32 1, i32 2, i32 0, i32 0) [ "gc-live"(ptr %q) ]
; CHECK-NEXT:    %q.relocated = call coldcc ptr @llvm.experimental.gc.relocate.p0(token %statepoint_token, i32 0, i32 0)
; CHECK-NEXT:    %vret.addr = call ptr asm sideeffect "leaq $1, $0", "=r,*m"(ptr elementtype({{.*}}) %vret)
; CHECK-NEXT:    %statepoint_token{{[0-9]+}} = call token {{.*}} @llvm.experimental.gc.statepoint.p0(i64 2882400000, i32 0, ptr elementtype(void (ptr, ptr, i32, ...)) @__gostack_vcall, i32 4, i32 0, ptr nest @__gostack_vret.vsum, ptr %vret.addr, i32 1, ptr %q.relocated, i32 0, i32 0){{$}}
; CHECK-NEXT:    [[VRET:%.*]] = call ptr asm sideeffect "leaq $1, $0", "=r,*m"(ptr elementtype({{.*}}) %vret)
; CHECK-NEXT:    [[R:%[0-9]+]] = load i32, ptr [[VRET]], align 4
; CHECK-NEXT:    ret i32 [[R]]
define i32 @calls_var(ptr %q) {
entry:
  call void (i32, ...) @vvoid(i32 1, i32 2)
  %r = call i32 (i32, ...) @vsum(i32 1, ptr %q)
  ret i32 %r
}

; A dynamic alloca on the moving stack: a move point making room (size + alignment) first.
; CHECK-LABEL: define void @dyn(i64 %n) #{{[0-9]+}} gc "gostack" {
; CHECK:       b:
; CHECK-NEXT:    [[N:%[0-9]+]] = mul i64 %n, 1
; CHECK-NEXT:    [[BYTES:%[0-9]+]] = add i64 [[N]], 16
; CHECK-NEXT:    %statepoint_token = call token {{.*}} @llvm.experimental.gc.statepoint.p0(i64 2882400000, i32 0, ptr elementtype(void (i64)) @__gostack_ensure_stack, i32 1, i32 0, i64 [[BYTES]], i32 0, i32 0)
; CHECK-NEXT:    %d = alloca i8, i64 %n, align 16
define void @dyn(i64 %n) {
entry:
  br label %b
b:
  %d = alloca i8, i64 %n, align 16
  store i8 1, ptr %d
  call void @callee(ptr null)
  ret void
}

; The body's va_list (va_copy) is a record too; its address is not live across the call (each
; use has its own definition).
; CHECK-LABEL: define internal i32 @vsum.gostack.body(i32 %n, ptr %gostack.va_list)
; CHECK:         @llvm.experimental.gc.statepoint.p0({{.*}} @callee, {{.*}}) [ "deopt"(i64 1, ptr %ap) ]

; The value-returning entry of a split variadic function.
; CHECK-LABEL: define void @__gostack_vret.vsum(ptr %0, i32 %1, ...)

; CHECK-LABEL: define internal void @gostack.stackmaps.register()
; CHECK-NEXT:  entry:
; CHECK-NEXT:    call void @__gostack_register_module(ptr @__start_gostack_stackmaps, ptr @__stop_gostack_stackmaps, ptr @__start_gostack_fninfo, ptr @__stop_gostack_fninfo)
; CHECK-NEXT:    ret void

; CHECK: attributes #[[LEAF]] = { "gc-leaf-function" }

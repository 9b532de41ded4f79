; Pinning (docs/design.md, "Pinning"): a local whose address may be captured moves into the
; task's pinned area; locals that provably do not escape, and va_list objects, stay allocas.
; Stack maps off: only the pinning shape is checked here.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s -S -o %t.ll
; RUN: FileCheck %s < %t.ll
; RUN: FileCheck %s --check-prefix=VA < %t.ll
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s -disable-output -pass-remarks=gostack 2>&1 \
; RUN:   | FileCheck %s --check-prefix=REMARK

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@g = global ptr null

declare void @use(ptr nocapture)
declare void @may_throw()
declare i32 @setjmp(ptr) returns_twice
declare void @llvm.va_start(ptr)
declare void @llvm.va_end(ptr)
declare i32 @__gxx_personality_v0(...)

; REMARK-DAG: remark: <unknown>:0:0: pinned 1 escaping local(s), 16 bytes of them fixed-size: 'esc'{{$}}
; REMARK-DAG: remark: <unknown>:0:0: pinned 1 escaping local(s), 0 bytes of them fixed-size: 'dyn'{{$}}
; REMARK-NOT: 'loc'
; REMARK-NOT: 'nc'
; REMARK-NOT: 'ap'

; %esc is stored to a global: pinned. %loc (local loads/stores) and %nc (nocapture callee) stay.
; CHECK-LABEL: define i32 @escapes()
; CHECK-NEXT:  entry:
; CHECK-NOT:     %esc = alloca
; CHECK:         %loc = alloca i32, align 4
; CHECK-NEXT:    %nc = alloca [8 x i8], align 1
; CHECK-NEXT:    [[SPA:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp)
; CHECK-NEXT:    %pinned.sp = load ptr, ptr [[SPA]], align 8
; CHECK-NEXT:    [[LIMA:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_limit)
; CHECK-NEXT:    %pinned.limit = load ptr, ptr [[LIMA]], align 8
; CHECK-NEXT:    [[SPI:%[0-9]+]] = ptrtoint ptr %pinned.sp to i64
; CHECK-NEXT:    [[LIMI:%[0-9]+]] = ptrtoint ptr %pinned.limit to i64
; CHECK-NEXT:    [[AVAIL:%[0-9]+]] = sub i64 [[SPI]], [[LIMI]]
; CHECK-NEXT:    [[FITS:%[0-9]+]] = icmp uge i64 [[AVAIL]], 32
; CHECK-NEXT:    br i1 [[FITS]], label %pinned.fast, label %pinned.slow
; CHECK:       pinned.fast:
; CHECK-NEXT:    [[TOP:%[0-9]+]] = getelementptr i8, ptr %pinned.sp, i64 -16
; CHECK-NEXT:    [[FASTBASE:%[0-9]+]] = call ptr @llvm.ptrmask.p0.i64(ptr [[TOP]], i64 -16)
; CHECK-NEXT:    [[SPA2:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp)
; CHECK-NEXT:    store ptr [[FASTBASE]], ptr [[SPA2]], align 8
; CHECK-NEXT:    br label %pinned.join
; CHECK:       pinned.slow:
; CHECK-NEXT:    [[SLOWBASE:%[0-9]+]] = call ptr @__gostack_pinned_grow(i64 16, i64 16)
; CHECK-NEXT:    br label %pinned.join
; CHECK:       pinned.join:
; CHECK-NEXT:    %pinned.base = phi ptr [ [[FASTBASE]], %pinned.fast ], [ [[SLOWBASE]], %pinned.slow ]
; CHECK:         %esc.pinned = getelementptr i8, ptr %pinned.base, i64 0
; CHECK-NEXT:    store ptr %esc.pinned, ptr @g, align 8
; CHECK-NEXT:    store i32 1, ptr %loc, align 4
; CHECK-NEXT:    %v = load i32, ptr %loc, align 4
; CHECK:         store ptr %nc,
; CHECK:         call void @use(ptr %nc)
; CHECK:         [[RSP:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp)
; CHECK-NEXT:    store ptr %pinned.sp, ptr [[RSP]], align 8
; CHECK-NEXT:    [[RLIM:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_limit)
; CHECK-NEXT:    store ptr %pinned.limit, ptr [[RLIM]], align 8
; CHECK-NEXT:    ret i32 %v
; CHECK-NEXT:  }
define i32 @escapes() {
entry:
  %esc = alloca i32, align 4
  %loc = alloca i32, align 4
  %nc = alloca [8 x i8], align 1
  store ptr %esc, ptr @g
  store i32 1, ptr %loc
  %v = load i32, ptr %loc
  call void @use(ptr %nc)
  ret i32 %v
}

; Nothing escapes: no pinned frame at all.
; CHECK-LABEL: define i32 @local_only()
; CHECK-NEXT:  entry:
; CHECK-NEXT:    %l = alloca i32, align 4
; CHECK-NEXT:    store i32 7, ptr %l, align 4
; CHECK-NEXT:    %v = load i32, ptr %l, align 4
; CHECK-NEXT:    ret i32 %v
; CHECK-NEXT:  }
define i32 @local_only() {
entry:
  %l = alloca i32, align 4
  store i32 7, ptr %l
  %v = load i32, ptr %l
  ret i32 %v
}

; The va_list escapes to a global but stays on the moving stack (its contents point into it).
; VA-LABEL: define internal void @varargs.gostack.body(
; VA-NEXT:  entry:
; VA-NEXT:    %ap = alloca [1 x { i32, i32, ptr, ptr }], align 16
; VA-NEXT:    call void @llvm.va_copy.p0(ptr %ap, ptr %gostack.va_list)
; VA-NEXT:    store ptr %ap, ptr @g, align 8
; VA-NEXT:    call void @llvm.va_end.p0(ptr %ap)
; VA-NEXT:    ret void
; VA-NEXT:  }
define void @varargs(i32 %n, ...) {
entry:
  %ap = alloca [1 x { i32, i32, ptr, ptr }], align 16
  call void @llvm.va_start(ptr %ap)
  store ptr %ap, ptr @g
  call void @llvm.va_end(ptr %ap)
  ret void
}

; The landing pad restores the post-prologue state (%pinned.sp1/%pinned.limit2), the resume
; the caller's.
; CHECK-LABEL: define void @lpad()
; CHECK:       pinned.join:
; CHECK:         [[A1:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp)
; CHECK-NEXT:    %pinned.sp1 = load ptr, ptr [[A1]], align 8
; CHECK-NEXT:    [[A2:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_limit)
; CHECK-NEXT:    %pinned.limit2 = load ptr, ptr [[A2]], align 8
; CHECK-NEXT:    %x.pinned = getelementptr i8, ptr %pinned.base, i64 0
; CHECK:       lp:
; CHECK-NEXT:    %e = landingpad { ptr, i32 }
; CHECK-NEXT:            cleanup
; CHECK-NEXT:    [[L1:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp)
; CHECK-NEXT:    store ptr %pinned.sp1, ptr [[L1]], align 8
; CHECK-NEXT:    [[L2:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_limit)
; CHECK-NEXT:    store ptr %pinned.limit2, ptr [[L2]], align 8
; CHECK-NEXT:    [[L3:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp)
; CHECK-NEXT:    store ptr %pinned.sp, ptr [[L3]], align 8
; CHECK-NEXT:    [[L4:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_limit)
; CHECK-NEXT:    store ptr %pinned.limit, ptr [[L4]], align 8
; CHECK-NEXT:    resume { ptr, i32 } %e
define void @lpad() personality ptr @__gxx_personality_v0 {
entry:
  %x = alloca i64, align 8
  store ptr %x, ptr @g
  invoke void @may_throw() to label %ok unwind label %lp
ok:
  ret void
lp:
  %e = landingpad { ptr, i32 } cleanup
  resume { ptr, i32 } %e
}

; setjmp returns again after a longjmp: restore the post-prologue state right after it.
; CHECK-LABEL: define i32 @sj(ptr %buf)
; CHECK-NOT:     alloca
; CHECK:         %pinned.sp1 = load ptr
; CHECK:         %pinned.limit2 = load ptr
; (Other runtime calls, e.g. jmp_buf bookkeeping, may sit between; no store to the state may.)
; CHECK:         %r = call i32 @setjmp(ptr %buf)
; CHECK-NOT:     store ptr
; CHECK-NOT:     ret
; CHECK:         [[J1:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp)
; CHECK-NEXT:    store ptr %pinned.sp1, ptr [[J1]], align 8
; CHECK-NEXT:    [[J2:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_limit)
; CHECK-NEXT:    store ptr %pinned.limit2, ptr [[J2]], align 8
; CHECK-NEXT:    [[J3:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp)
; CHECK-NEXT:    store ptr %pinned.sp, ptr [[J3]], align 8
; CHECK-NEXT:    [[J4:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_limit)
; CHECK-NEXT:    store ptr %pinned.limit, ptr [[J4]], align 8
; CHECK-NOT:     store
; CHECK:         ret i32 %r
define i32 @sj(ptr %buf) {
entry:
  %x = alloca i64, align 8
  store ptr %x, ptr @g
  %r = call i32 @setjmp(ptr %buf)
  ret i32 %r
}

; An escaping dynamic alloca comes from __gostack_pinned_alloca (alignment at least 16).
; CHECK-LABEL: define void @dynamic(i64 %n)
; CHECK:       body:
; CHECK-NEXT:    [[BYTES:%[0-9]+]] = mul i64 %n, 4
; CHECK-NEXT:    %dyn.pinned = call ptr @__gostack_pinned_alloca(i64 [[BYTES]], i64 16)
; CHECK-NEXT:    store ptr %dyn.pinned, ptr @g, align 8
; CHECK-NOT:     alloca
; CHECK:         ret void
define void @dynamic(i64 %n) {
entry:
  br label %body
body:
  %dyn = alloca i32, i64 %n, align 4
  store ptr %dyn, ptr @g
  ret void
}

; The pinned-area state is in initial-exec TLS, and a task may park inside any call and resume
; on another thread. Each access must therefore take the address from the thread pointer at
; that access. An exit that restores the state after a call must not reuse an address computed
; before the call. The plugin uses a volatile asm, `movq %fs:0, R; addq sym@GOTTPOFF(%rip), R`,
; followed by a plain load or store. It does not use llvm.threadlocal.address. That intrinsic
; is readnone, so CSE and GVN merge the exit's address with the entry's. With indirect segment
; references (-mno-tls-direct-seg-refs), the backend also reads %fs:0 once before the call and
; stores through that copy after the call.
;
; CSE and GVN run after the pass (as in every -O2 pipeline), and the exit still has its own
; asm after the call. The asm has no memory attributes, so nothing may merge or hoist it.
; RUN: %opt -gostack-stack-maps=false -passes='gostack,function(early-cse<memssa>,gvn)' %s -S \
; RUN:   | FileCheck %s --check-prefix=IR
; With clang and the plugin (stack maps on), at -O0 and -O2, with direct and indirect segment
; references, %fs:0 is read again after the call.
; RUN: %clang-plugin -Wno-override-module -O2 -S %s -o - | FileCheck %s --check-prefix=ASM
; RUN: %clang-plugin -Wno-override-module -O0 -S %s -o - | FileCheck %s --check-prefix=ASM
; A PIC object gets initial-exec relocations against the TLS symbols. The same code is
; valid in PIE, non-PIE and shared objects.
; RUN: %clang-plugin -Wno-override-module -O2 -fPIC -c %s -o %t.o
; RUN: llvm-objdump -dr %t.o | FileCheck %s --check-prefix=OBJ
; RUN: llvm-readelf -s %t.o | FileCheck %s --check-prefix=SYM

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@g = global ptr null

declare void @ext()

; May park. Defined here, so the call stays direct, in the block of the exit.
define void @park() noinline {
  call void @ext()
  ret void
}

; IR-LABEL: define void @pinned_call()
; IR:         [[E:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp) #[[ATTR:[0-9]+]]
; IR-NEXT:    %pinned.sp = load ptr, ptr [[E]], align 8
; IR:         call void @park()
; IR-NEXT:    [[A:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_sp) #[[ATTR]]
; IR-NEXT:    store ptr %pinned.sp, ptr [[A]], align 8
; IR-NEXT:    [[B:%[0-9]+]] = call ptr asm sideeffect "movq %fs:0, $0\0A\09addq ${1:p}@GOTTPOFF(%rip), $0", "=r,s,~{dirflag},~{fpsr},~{flags}"(ptr @__gostack_pinned_limit) #[[ATTR]]
; IR-NEXT:    store ptr %pinned.limit, ptr [[B]], align 8
; IR-NEXT:    ret void
; IR-NOT:     threadlocal.address
; IR-NOT:     __gostack.thread_address
; IR:         attributes #[[ATTR]] = { nounwind }

; ASM-LABEL: pinned_call:
; ASM:         movq %fs:0, [[E:%r[a-z0-9]+]]
; ASM-NEXT:    addq __gostack_pinned_sp@GOTTPOFF(%rip), [[E]]
; ASM-NEXT:    #NO_APP
; ASM-NEXT:    movq ([[E]]), %r{{[a-z0-9]+}}
; ASM:         callq park@PLT
; ASM-NOT:     callq
; ASM:         movq %fs:0, [[A:%r[a-z0-9]+]]
; ASM-NEXT:    addq __gostack_pinned_sp@GOTTPOFF(%rip), [[A]]
; ASM-NEXT:    #NO_APP
; ASM-NEXT:    movq %r{{[a-z0-9]+}}, ([[A]])
; ASM-NEXT:    #APP
; ASM-NEXT:    movq %fs:0, [[B:%r[a-z0-9]+]]
; ASM-NEXT:    addq __gostack_pinned_limit@GOTTPOFF(%rip), [[B]]
; ASM-NEXT:    #NO_APP
; ASM-NEXT:    movq %r{{[a-z0-9]+}}, ([[B]])
; ASM-NOT:     callq
; ASM:         retq

; OBJ-LABEL: <pinned_call>:
; OBJ:         movq %fs:0x0, %r{{[a-z0-9]+}}
; OBJ-NEXT:    addq (%rip), %r{{[a-z0-9]+}}
; OBJ-NEXT:    R_X86_64_GOTTPOFF __gostack_pinned_sp-0x4
; SYM-DAG:     TLS GLOBAL DEFAULT UND __gostack_pinned_sp{{$}}
; SYM-DAG:     TLS GLOBAL DEFAULT UND __gostack_pinned_limit{{$}}
define void @pinned_call() {
  %x = alloca i64, align 8
  store ptr %x, ptr @g
  call void @park()
  ret void
}

; With llvm.threadlocal.address, this function read %fs:0 into a callee-saved register before
; the call and stored through it after the call.
; ASM-LABEL: pinned_call_indirect_seg:
; ASM:         callq park@PLT
; ASM-NOT:     callq
; ASM:         movq %fs:0, [[A:%r[a-z0-9]+]]
; ASM-NEXT:    addq __gostack_pinned_sp@GOTTPOFF(%rip), [[A]]
; ASM-NEXT:    #NO_APP
; ASM-NEXT:    movq %r{{[a-z0-9]+}}, ([[A]])
; ASM-NEXT:    #APP
; ASM-NEXT:    movq %fs:0, [[B:%r[a-z0-9]+]]
; ASM-NEXT:    addq __gostack_pinned_limit@GOTTPOFF(%rip), [[B]]
; ASM-NEXT:    #NO_APP
; ASM-NEXT:    movq %r{{[a-z0-9]+}}, ([[B]])
; ASM-NOT:     callq
; ASM:         retq
define void @pinned_call_indirect_seg() "indirect-tls-seg-refs" {
  %x = alloca i64, align 8
  store ptr %x, ptr @g
  call void @park()
  ret void
}

; An asm goto (callbr) with a vector-of-pointers output live across a move point cannot be
; described in a stack map (its pointer results are copied at the top of each successor, and
; there is no such copy for vectors): an error naming the function and the source location,
; not a crash. Without stack maps it compiles.
;
; RUN: not %opt -passes=gostack %s -S -o /dev/null 2>&1 | FileCheck %s
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s -S -o /dev/null
;
; CHECK: error: vec.c:7:3: in function vec_out ptr (ptr): gostack: asm goto in 'vec_out' has a vector-of-pointers output, which cannot be described in a stack map; not supported with stack maps (GOSTACK_STACK_MAPS=0 compiles it)

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

declare void @callee()

define ptr @vec_out(ptr %p) !dbg !5 {
entry:
  call void @callee()
  %v = insertelement <2 x ptr> poison, ptr %p, i32 0
  %q = callbr <2 x ptr> asm "movaps $1, $0\0A\09jmp ${2:l}", "=x,x,!i,~{dirflag},~{fpsr},~{flags}"(<2 x ptr> %v)
          to label %ft [label %ft], !dbg !8
ft:
  call void @callee()
  %e = extractelement <2 x ptr> %q, i32 0
  ret ptr %e
}

!llvm.dbg.cu = !{!0}
!llvm.module.flags = !{!3, !4}
!0 = distinct !DICompileUnit(language: DW_LANG_C11, file: !1, producer: "clang", isOptimized: false, runtimeVersion: 0, emissionKind: FullDebug)
!1 = !DIFile(filename: "vec.c", directory: "/tmp")
!3 = !{i32 2, !"Debug Info Version", i32 3}
!4 = !{i32 7, !"Dwarf Version", i32 5}
!5 = distinct !DISubprogram(name: "vec_out", scope: !1, file: !1, line: 5, type: !6, scopeLine: 5, spFlags: DISPFlagDefinition, unit: !0)
!6 = !DISubroutineType(types: !7)
!7 = !{null}
!8 = !DILocation(line: 7, column: 3, scope: !5)

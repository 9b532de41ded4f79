; A variadic function with computed goto (`static void *tab[] = {&&a, &&b}; goto *tab[i];`): its
; blocks move into the body, so the blockaddress constants that name them must follow (or the
; function must be left unsplit). The output must stay valid IR: printable and parsable again,
; and writable and readable as bitcode (-flto, -emit-llvm -c).
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s -o %t.ll
; RUN: %opt -passes=verify -S %t.ll | FileCheck %s
; RUN: %opt -gostack-stack-maps=false -passes=gostack %s -o %t.bc
; RUN: %opt -passes=verify -disable-output %t.bc

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

@tab = internal constant [2 x ptr] [ptr blockaddress(@vgoto, %a), ptr blockaddress(@vgoto, %b)]

declare void @llvm.va_start.p0(ptr)
declare void @llvm.va_end.p0(ptr)

; Whichever function holds the indirectbr is the one the blockaddresses name.
; CHECK:       @tab = internal constant [2 x ptr] [ptr blockaddress(@[[FN:vgoto(\.gostack\.body)?]], %a), ptr blockaddress(@[[FN]], %b)]
; CHECK:       define {{.*}} @[[FN]](
; CHECK:         indirectbr ptr %{{.*}}, [label %a, label %b]
; CHECK:       a:
; CHECK:       b:
define i32 @vgoto(i32 %n, ...) {
entry:
  %ap = alloca [24 x i8], align 16
  call void @llvm.va_start.p0(ptr %ap)
  %x = va_arg ptr %ap, i32
  call void @llvm.va_end.p0(ptr %ap)
  %i = and i32 %n, 1
  %iz = zext i32 %i to i64
  %slot = getelementptr inbounds [2 x ptr], ptr @tab, i64 0, i64 %iz
  %dest = load ptr, ptr %slot, align 8
  indirectbr ptr %dest, [label %a, label %b]
a:
  %ra = add i32 %x, 1
  ret i32 %ra
b:
  %rb = add i32 %x, 2
  ret i32 %rb
}

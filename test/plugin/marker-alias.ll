; Every instrumented definition with external linkage gets the marker alias
; `__gostack_fn.<name> = alias i8, ptr @<name>` with the function's visibility and dso_local-ness,
; so other translation units can tell at link time that it checks itself. Internal/private,
; linkonce_odr, weak and available_externally definitions, declarations and uninstrumented
; (naked) functions get none.
;
; RUN: %opt -gostack-stack-maps=false -passes=gostack -S %s 2>/dev/null | FileCheck %s

target datalayout = "e-m:e-p270:32:32-p271:32:32-p272:64:64-i64:64-i128:128-f80:128-n8:16:32:64-S128"
target triple = "x86_64-unknown-linux-gnu"

; CHECK-NOT:   @__gostack_fn.{{(internal_fn|private_fn|odr_fn|weak_fn|avail_fn|decl_fn|naked_fn)}}
; CHECK-DAG:   @__gostack_fn.ext_fn = alias i8, ptr @ext_fn
; CHECK-DAG:   @__gostack_fn.local_fn = dso_local alias i8, ptr @local_fn
; CHECK-DAG:   @__gostack_fn.hidden_fn = hidden alias i8, ptr @hidden_fn
; CHECK-DAG:   @__gostack_fn.protected_fn = protected alias i8, ptr @protected_fn
; CHECK-NOT:   @__gostack_fn.{{(internal_fn|private_fn|odr_fn|weak_fn|avail_fn|decl_fn|naked_fn)}}
; CHECK-LABEL: define void @ext_fn(

define void @ext_fn() {
  ret void
}
define dso_local void @local_fn() {
  ret void
}
define hidden void @hidden_fn() {
  ret void
}
define protected void @protected_fn() {
  ret void
}
define internal void @internal_fn() {
  ret void
}
define private void @private_fn() {
  ret void
}
define linkonce_odr void @odr_fn() {
  ret void
}
define weak void @weak_fn() {
  ret void
}
define available_externally void @avail_fn() {
  ret void
}
declare void @decl_fn()
define void @naked_fn() naked {
  unreachable
}

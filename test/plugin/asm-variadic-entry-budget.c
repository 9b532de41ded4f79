// The unchecked variadic entry must fit its budget (VariadicEntryBudget = 288 bytes with the saved
// RBP and the return address, so `subq` of at most 272) for every variadic function the plugin
// splits: when the fixed parameters would push it over, the plugin must leave the function unsplit
// (with the "too many fixed parameters" warning) instead. At the edge of the plugin's estimate:
//  - 14 integer fixed parameters: 9 stack slots for the body call, plus alignment padding;
//  - 6 long double fixed parameters: x86_fp80 goes on the stack (16 bytes each), not in SSE
//    registers;
//  - 17 double fixed parameters: 9 of them on the stack.
// Whatever the plugin decides, no entry frame may exceed the budget.
//
// RUN: %clang-plugin -O2 -S %s -o - 2>/dev/null | FileCheck %s
//
// The entries are the first three functions; a frame over the budget shows as a larger subq.

#include <stdarg.h>

// CHECK-LABEL: v14:
// CHECK-NOT:     subq {{\$(27[3-9]|2[89][0-9]|[3-9][0-9][0-9]|[0-9]{4,})}}, %rsp
// CHECK:       .Lfunc_end
long v14(long a1, long a2, long a3, long a4, long a5, long a6, long a7, long a8, long a9,
         long a10, long a11, long a12, long a13, long a14, ...) {
  va_list ap;
  va_start(ap, a14);
  long r = va_arg(ap, long) + a1 + a14;
  va_end(ap);
  return r;
}

// CHECK-LABEL: vld6:
// CHECK-NOT:     subq {{\$(27[3-9]|2[89][0-9]|[3-9][0-9][0-9]|[0-9]{4,})}}, %rsp
// CHECK:       .Lfunc_end
long vld6(long double a1, long double a2, long double a3, long double a4, long double a5,
          long double a6, ...) {
  va_list ap;
  va_start(ap, a6);
  long r = va_arg(ap, long) + (long)(a1 + a6);
  va_end(ap);
  return r;
}

// CHECK-LABEL: vd17:
// CHECK-NOT:     subq {{\$(27[3-9]|2[89][0-9]|[3-9][0-9][0-9]|[0-9]{4,})}}, %rsp
// CHECK:       .Lfunc_end
long vd17(double a1, double a2, double a3, double a4, double a5, double a6, double a7, double a8,
          double a9, double a10, double a11, double a12, double a13, double a14, double a15,
          double a16, double a17, ...) {
  va_list ap;
  va_start(ap, a17);
  long r = va_arg(ap, long) + (long)(a1 + a17);
  va_end(ap);
  return r;
}

// Large structs by value and by sret, in both directions: an instrumented function that takes and
// returns big structs calls external functions that take/return them (byval and sret arguments go
// through the thunk frame as pointers; the thunk redoes the ABI) and a variadic external function
// with many arguments of mixed int/double/long double/struct types (more than fit in registers).
// Compiles at -O0 and -O2 with the IR verified after every pass; every call is routed.
//
// RUN: %clang-plugin -O0 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -c %s -o %t.o -fno-crash-diagnostics -Xclang -llvm-verify-each \
// RUN:   -Rpass=gostack 2>&1 | FileCheck %s
// RUN: %clang-plugin -O2 -S -emit-llvm %s -o - 2>/dev/null | FileCheck %s --check-prefix=IR

struct Big {
  long a[16];
  double d;
};
struct Small {
  int x;
  float y;
};

struct Big mkbig(struct Big, int, double, struct Big);
int vext(int, ...);
void takes_small(struct Small, struct Small, struct Small, struct Small, struct Small, struct Small,
                 struct Small, struct Small);

// CHECK: robust-byval-sret-calls.c:[[@LINE+1]]:1: remark: stack check inserted
struct Big passbig(struct Big b, int k) {
  // CHECK: robust-byval-sret-calls.c:[[@LINE+1]]:{{[0-9]+}}: remark: call to 'mkbig' runs on the system stack unless the callee is gostack-compiled
  struct Big r = mkbig(b, k, 1.5, b);
  struct Small s = {1, 2.0f};
  // CHECK: robust-byval-sret-calls.c:[[@LINE+1]]:{{[0-9]+}}: remark: call to 'vext' runs on the system stack unless the callee is gostack-compiled
  r.a[1] += vext(20, 1, 2.0, b, 3L, 4.0f, (char)5, r, s, 6, 7.0, 8, 9.0, 10, 11.0, 12, 13.0, 14,
                 15.0, (long double)16.0, s, 17);
  // CHECK: robust-byval-sret-calls.c:[[@LINE+1]]:{{[0-9]+}}: remark: call to 'takes_small' runs on the system stack unless the callee is gostack-compiled
  takes_small(s, s, s, s, s, s, s, s);
  return r;
}
// CHECK-NOT: error

// The calls left in the function are the direct paths; the thunks keep sret/byval.
// IR-LABEL: define {{.*}} @passbig(
// IR-DAG:     call void @__gostack_systemstack_call(ptr {{(nonnull )?}}@__gostack_thunk.mkbig,
// IR-DAG:     call void @__gostack_systemstack_call(ptr {{(nonnull )?}}@__gostack_thunk.vext,
// IR-DAG:     call void @__gostack_systemstack_call(ptr {{(nonnull )?}}@__gostack_thunk.takes_small,
// IR-LABEL: define internal void @__gostack_thunk.mkbig(
// IR:         call void @mkbig(ptr {{.*}}sret(%struct.Big) {{.*}}, ptr {{.*}}byval(%struct.Big) {{.*}}, i32 {{.*}}, double {{.*}}, ptr {{.*}}byval(%struct.Big)
// IR-LABEL: define internal void @__gostack_thunk.vext(
// IR:         call i32 (i32, ...) @vext(i32 {{.*}}, ptr {{.*}}byval(%struct.Big)

// examples/workers.c (the README's C worker pool) builds at -O0 and -O2 and computes the right
// total, on the default number of processors and on one. With a stack move at every call
// (movestack, quadratic in the recursion depth) only 200 jobs run.
//
// RUN: %gostack-cc -O0 %src_root/examples/workers.c -o %t.g0
// RUN: %gostack-cc -O2 %src_root/examples/workers.c -o %t.g2
// RUN: %t.g0 %if movestack %{ 200 | FileCheck %s --check-prefix=SMALL %} \
// RUN:   %else %{ | FileCheck %s %}
// RUN: %t.g2 %if movestack %{ 200 | FileCheck %s --check-prefix=SMALL %} \
// RUN:   %else %{ | FileCheck %s %}
// RUN: env GOSTACK_PROCS=1 %t.g2 %if movestack %{ 200 | FileCheck %s --check-prefix=SMALL %} \
// RUN:   %else %{ | FileCheck %s %}
// RUN: %t.g2 200 | FileCheck %s --check-prefix=SMALL
//
// CHECK: 10000 jobs on 8 workers ({{[0-9]+}} processors): total 41666665000, correct
// SMALL: 200 jobs on 8 workers ({{[0-9]+}} processors): total 1333300, correct

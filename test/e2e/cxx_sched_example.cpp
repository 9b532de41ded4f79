// examples/channels.cpp (the concurrent prime sieve of gostack/gostack.hpp) builds at -O0 and
// -O2 and prints the right primes, with the default number of processors and with one. The
// count and the last prime are known: 168 primes up to 1000 (the last is 997), 25 up to 100.
// With a stack move at every call (movestack), the -O0 build sieves only up to 100.
//
// RUN: %gostack-cxx -O0 %src_root/examples/channels.cpp -o %t.g0
// RUN: %gostack-cxx -O2 %src_root/examples/channels.cpp -o %t.g2
// RUN: %t.g0 %if movestack %{ 100 | FileCheck %s --check-prefix=SMALL %} \
// RUN:   %else %{ | FileCheck %s %}
// RUN: env GOSTACK_PROCS=1 %t.g0 %if movestack %{ 100 | FileCheck %s --check-prefix=SMALL %} \
// RUN:   %else %{ | FileCheck %s %}
// RUN: %t.g2 | FileCheck %s
// RUN: env GOSTACK_PROCS=1 %t.g2 | FileCheck %s
// RUN: %t.g2 100 | FileCheck %s --check-prefix=SMALL
//
// CHECK: {{^}}2{{$}}
// CHECK-NEXT: {{^}}3{{$}}
// CHECK-NEXT: {{^}}5{{$}}
// CHECK-NEXT: {{^}}7{{$}}
// CHECK-NEXT: {{^}}11{{$}}
// CHECK-NEXT: {{^}}13{{$}}
// CHECK-NEXT: {{^}}17{{$}}
// CHECK-NEXT: {{^}}19{{$}}
// CHECK-NEXT: {{^}}23{{$}}
// CHECK-NEXT: {{^}}29{{$}}
// CHECK-NEXT: ...
// CHECK-NEXT: {{^}}953{{$}}
// CHECK-NEXT: {{^}}967{{$}}
// CHECK-NEXT: {{^}}971{{$}}
// CHECK-NEXT: {{^}}977{{$}}
// CHECK-NEXT: {{^}}983{{$}}
// CHECK-NEXT: {{^}}991{{$}}
// CHECK-NEXT: {{^}}997{{$}}
// CHECK-NEXT: 168 primes up to 1000 (the last: 997), found by 169 tasks on {{[0-9]+}} processors
//
// SMALL: 25 primes up to 100 (the last: 97), found by 26 tasks

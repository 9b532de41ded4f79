// A million tasks alive at once: each parks (gostack_park) after recording itself, main waits
// until every one is parked, then unparks and joins them all and checks every result. Under
// movestack (every stack its own quarantined mapping) the count drops to stay below
// vm.max_map_count. A second phase spawns and joins the same number one at a time, so every
// descriptor and stack is recycled through the per-P caches.
//
// RUN: %gostack-cc -O2 %s -o %t
// RUN: %t > %t.out 2> %t.err
// RUN: FileCheck %s --input-file=%t.out
// RUN: env GOSTACK_PROCS=1 %t > %t.1.out 2> %t.1.err
// RUN: FileCheck %s --input-file=%t.1.out
// RUN: %gostack-cc -O0 %s -o %t.o0
// RUN: env GOSTACK_PROCS=2 %t.o0 > %t.o0.out
// RUN: FileCheck %s --input-file=%t.o0.out
//
// CHECK: parked: all
// CHECK-NEXT: joined: all results ok, ids distinct
// CHECK-NEXT: serial: all results ok
// CHECK-NEXT: sched_million: ok

#include "Inputs/e2e.h"

static long n_tasks;
static gostack_task **selves;
static uint64_t *ids;
static long parked;

static void *parker(void *arg) {
  long i = (long)(intptr_t)arg;
  selves[i] = gostack_self();
  ids[i] = gostack_task_id();
  __atomic_add_fetch(&parked, 1, __ATOMIC_RELEASE);
  gostack_park();
  return (void *)(intptr_t)(i * 3 + 1);
}

static void *small(void *arg) {
  long i = (long)(intptr_t)arg;
  return (void *)(intptr_t)(i ^ 0x5a5a);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

int main(void) {
  n_tasks = e2e_movestack() ? 5000 : 1000000;
  gostack_task **tasks = malloc(sizeof *tasks * (size_t)n_tasks);
  selves = calloc((size_t)n_tasks, sizeof *selves);
  ids = calloc((size_t)n_tasks, sizeof *ids);
  for (long i = 0; i < n_tasks; i++)
    tasks[i] = gostack_spawn(parker, (void *)(intptr_t)i);
  while (__atomic_load_n(&parked, __ATOMIC_ACQUIRE) < n_tasks)
    gostack_sleep_ns(1000000);
  printf("parked: %s\n", parked == n_tasks ? "all" : "some");
  long bad = 0;
  for (long i = 0; i < n_tasks; i++) {
    bad += selves[i] != tasks[i];
    gostack_unpark(tasks[i]);
  }
  for (long i = 0; i < n_tasks; i++)
    bad += (long)(intptr_t)gostack_join(tasks[i]) != i * 3 + 1;
  qsort(ids, (size_t)n_tasks, sizeof ids[0], cmp_u64);
  for (long i = 1; i < n_tasks; i++)
    bad += ids[i] == ids[i - 1] || ids[i] == 1;
  printf("joined: %s\n", bad ? "MISMATCH" : "all results ok, ids distinct");
  E2E_CHECK(bad == 0);

  long sbad = 0;
  for (long i = 0; i < n_tasks; i++)
    sbad += (long)(intptr_t)gostack_join(gostack_spawn(small, (void *)(intptr_t)i)) != (i ^ 0x5a5a);
  printf("serial: %s\n", sbad ? "MISMATCH" : "all results ok");
  E2E_CHECK(sbad == 0);
  free(tasks);
  free(selves);
  free(ids);
  return e2e_finish("sched_million");
}

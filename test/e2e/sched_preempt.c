// A task spinning in a loop cannot starve the others: with one processor, a spinner that waits
// for a flag only another task sets, and a sleeper whose timer must fire while the spinner
// runs, both finish, because the monitor poisons the spinner's guard after 10 ms and its next
// prologue check yields (Go's stackPreempt). The spinner's loop calls an instrumented function
// (a loop without calls has no check to catch; docs/design.md, "Preemption"). Also with two
// processors and two spinners, and with several spinners on every processor.
//
// RUN: %gostack-cc -O2 %s -o %t
// RUN: env GOSTACK_PROCS=1 %t 1 > %t.1.out 2> %t.1.err
// RUN: FileCheck %s --input-file=%t.1.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.1.err
// RUN: env GOSTACK_PROCS=2 %t 2 > %t.2.out 2> %t.2.err
// RUN: FileCheck %s --input-file=%t.2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.2.err
// RUN: %gostack-cc -O0 %s -o %t.o0
// RUN: env GOSTACK_PROCS=1 %t.o0 1 > %t.o0.out 2> %t.o0.err
// RUN: FileCheck %s --input-file=%t.o0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.o0.err
//
// CHECK: spinners stopped: all
// CHECK-NEXT: sleeper woke while spinners ran: yes
// CHECK-NEXT: sched_preempt: ok
// STATS: spinners preempted: yes

#include "Inputs/e2e.h"

static int stop;
static int sleeper_done;

E2E_NOINLINE static uint64_t spin_step(uint64_t h) { return e2e_mix(h, 1); }

struct spinner {
  uint64_t h;
  uint64_t preemptions;
};

static void *spin(void *arg) {
  struct spinner *s = arg;
  while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE))
    s->h = spin_step(s->h);
  gostack_stack_info info;
  gostack_stack_info_get(&info);
  s->preemptions = info.preemptions;
  return NULL;
}

static void *sleeper(void *arg) {
  (void)arg;
  gostack_sleep_ns(20 * 1000 * 1000);
  __atomic_store_n(&sleeper_done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void *stopper(void *arg) {
  (void)arg;
  // Runs only once some spinner was preempted (each P has one spinning when procs <= spinners).
  while (!__atomic_load_n(&sleeper_done, __ATOMIC_ACQUIRE))
    gostack_yield();
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  return NULL;
}

int main(int argc, char **argv) {
  long nspin = e2e_arg(argc, argv, 1, 1) + 1; // more spinners than processors
  struct spinner sp[8] = {{0, 0}};
  gostack_task *spinners[8];
  for (long i = 0; i < nspin; i++)
    spinners[i] = gostack_spawn(spin, &sp[i]);
  gostack_task *sl = gostack_spawn(sleeper, NULL);
  gostack_task *st = gostack_spawn(stopper, NULL);
  gostack_join(sl);
  gostack_join(st);
  for (long i = 0; i < nspin; i++)
    gostack_join(spinners[i]);
  long preempted = 0;
  for (long i = 0; i < nspin; i++)
    preempted += sp[i].preemptions > 0;
  printf("spinners stopped: all\n");
  printf("sleeper woke while spinners ran: %s\n", sleeper_done ? "yes" : "no");
  fprintf(stderr, "spinners preempted: %s (%ld of %ld)\n", preempted ? "yes" : "no", preempted,
          nspin);
  return e2e_finish("sched_preempt");
}

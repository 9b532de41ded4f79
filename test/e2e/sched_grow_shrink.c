// 100,000 tasks on all processors, each recursing to its own pseudo-random depth (most shallow,
// one in 16 thousands of frames deep), so stacks grow on every P at once; after its recursion
// each task yields and then calls a few functions: a task that used under a quarter of its grown
// stack is halved at its next prologue check, while the others keep growing. Twelve rounds of
// yields and calls give a shrunk task at least two halvings, down to about 8 KB (below that,
// whether a halved stack still leaves the guard reserve free depends on the frames at the -O
// level). Every result is
// checked against the same recursion run in main; no frame ballast may change.
//
// RUN: %gostack-cc -O2 %s -o %t
// RUN: %t > %t.out 2> %t.err
// RUN: FileCheck %s --input-file=%t.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.err
// RUN: env GOSTACK_PROCS=1 %t > %t.1.out 2> %t.1.err
// RUN: FileCheck %s --input-file=%t.1.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.1.err
// RUN: %gostack-cc -O0 %s -o %t.o0
// RUN: %t.o0 > %t.o0.out 2> %t.o0.err
// RUN: FileCheck %s --input-file=%t.o0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.o0.err
//
// CHECK: grow_shrink: results ok, ballast ok
// CHECK-NEXT: sched_grow_shrink: ok
// STATS: grew: yes
// STATS-NEXT: shrank: yes
// STATS-NEXT: every task that shrank ended at a quarter of its peak (or 8 KB) or less: yes

#include "Inputs/e2e.h"

struct job {
  long depth;
  uint64_t seed, result;
  long bad;
  uint64_t growths, shrinks;
  size_t size_before, size_after, peak;
};

E2E_NOINLINE static uint64_t tail_work(uint64_t h, int n) {
  long pad[2];
  long bad = 0;
  E2E_BALLAST_SET(pad, 2, 1, h);
  uint64_t r = n ? tail_work(e2e_mix(h, (uint64_t)n), n - 1) : h;
  E2E_BALLAST_CHECK(pad, 2, 1, h, bad);
  return r + (uint64_t)bad;
}

static void *job_main(void *arg) {
  struct job *j = arg;
  j->result = e2e_grow(j->depth, j->seed, &j->bad);
  j->size_before = gostack_stack_size();
  // Park-like switch: the scheduler notes a stack using under a quarter of its size ...
  gostack_yield();
  gostack_sleep_ns(1000);
  // ... and the next prologue checks halve it, once per park.
  for (int round = 0; round < 12; round++) {
    j->result ^= tail_work(j->result, 3);
    gostack_yield();
    gostack_sleep_ns(0);
    j->result = e2e_mix(j->result, tail_work((uint64_t)round, 2));
  }
  gostack_stack_info info;
  gostack_stack_info_get(&info);
  j->growths = info.growths;
  j->shrinks = info.shrinks;
  j->size_after = info.size;
  j->peak = info.max_size;
  return NULL;
}

static uint64_t rnd(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

int main(void) {
  long n = e2e_movestack() ? 1000 : 100000;
  long deep_max = e2e_movestack() ? 300 : 4000;
  struct job *jobs = calloc((size_t)n, sizeof *jobs);
  gostack_task **tasks = malloc(sizeof *tasks * (size_t)n);
  uint64_t s = 88172645463325252ull;
  for (long i = 0; i < n; i++) {
    uint64_t r = rnd(&s);
    jobs[i].depth = (r & 15) == 0 ? (long)((r >> 8) % (uint64_t)deep_max) : (long)((r >> 8) % 20);
    jobs[i].seed = r;
    tasks[i] = gostack_spawn(job_main, &jobs[i]);
  }
  for (long i = 0; i < n; i++)
    gostack_join(tasks[i]);
  long bad = 0, ballast = 0, grew = 0, shrank = 0, min_ok = 1;
  for (long i = 0; i < n; i++) {
    struct job ref = jobs[i];
    long rb = 0;
    uint64_t r = e2e_grow(ref.depth, ref.seed, &rb);
    for (int round = 0; round < 12; round++) {
      r ^= tail_work(r, 3);
      r = e2e_mix(r, tail_work((uint64_t)round, 2));
    }
    bad += r != jobs[i].result;
    ballast += jobs[i].bad + rb;
    grew += jobs[i].growths > 0;
    shrank += jobs[i].shrinks > 0;
    if (jobs[i].shrinks && jobs[i].size_after > e2e_max((long)jobs[i].peak / 4, 8192))
      min_ok = 0;
  }
  printf("grow_shrink: results %s, ballast %s\n", bad ? "BAD" : "ok", ballast ? "BAD" : "ok");
  fprintf(stderr,
          "grew: %s\nshrank: %s\n"
          "every task that shrank ended at a quarter of its peak (or 8 KB) or less: %s\n",
          grew ? "yes" : "no", shrank ? "yes" : "no", min_ok ? "yes" : "no");
  E2E_CHECK(bad == 0 && ballast == 0);
  free(jobs);
  free(tasks);
  return e2e_finish("sched_grow_shrink");
}

// Tasks: several tasks spawned with gostack_spawn, each recursing to a different depth (each
// starts on its own 2 KB stack and grows it), joined in a different order than spawned; tasks
// that spawn and join a task of their own (nested, while their own stack is grown); a task
// writing its result through a pointer to a local of the spawner; 100 tasks alive at once.
// (The plain build runs each "task" on a big pthread when it is joined: same order.)
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: %t.p2 %depth_mid > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p2.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: job 0: depth={{[0-9]+}} ok nested=ok
// OUT-NEXT: job 1: depth={{[0-9]+}} ok nested=-
// OUT-NEXT: job 2: depth={{[0-9]+}} ok nested=ok
// OUT-NEXT: job 3: depth={{[0-9]+}} ok nested=-
// OUT-NEXT: job 4: depth=0 ok nested=ok
// OUT-NEXT: job 5: depth={{[0-9]+}} ok nested=-
// OUT-NEXT: job 6: depth={{[0-9]+}} ok nested=ok
// OUT-NEXT: job 7: depth={{[0-9]+}} ok nested=-
// OUT-NEXT: slot: 4242
// OUT-NEXT: many: 100 ok
// OUT-NEXT: tasks: ok
//
// Per job: a fresh 2 KB stack, and growth exactly when the job went deep.
// STATS: main: task=1 initial=2048
// STATS: job 0: own_id=1 initial=2048 grew_if_deep=1 nested_own_id=1 nested_initial=2048
// STATS: job 1: own_id=1 initial=2048 grew_if_deep=1
// STATS: job 2: own_id=1 initial=2048 grew_if_deep=1 nested_own_id=1 nested_initial=2048
// STATS: job 3: own_id=1 initial=2048 grew_if_deep=1
// STATS: job 4: own_id=1 initial=2048 grew_if_deep=1 nested_own_id=1 nested_initial=2048
// STATS: job 5: own_id=1 initial=2048 grew_if_deep=1
// STATS: job 6: own_id=1 initial=2048 grew_if_deep=1 nested_own_id=1 nested_initial=2048
// STATS: job 7: own_id=1 initial=2048 grew_if_deep=1
// STATS: ids: distinct=1 main_is_1=1 back_in_main=1

#include "Inputs/e2e.h"

#define NJOBS 8

struct job {
  int index;
  long depth;
  uint64_t seed;
  uint64_t result;
  int nested;
  uint64_t nested_result;
  long nested_depth;
#ifdef __GOSTACK__
  gostack_stack_info info, nested_info;
#endif
};

static long bad_frames;

E2E_NOINLINE static uint64_t rec(long n, uint64_t h) {
  uint64_t pad[3]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 3, 1, h ^ (uint64_t)n);
  uint64_t r = n ? rec(n - 1, e2e_mix(h, (uint64_t)n)) : h;
  E2E_BALLAST_CHECK(pad, 3, 1, h ^ (uint64_t)n, bad_frames);
  return r * 3 + (uint64_t)n;
}

static uint64_t model(long depth, uint64_t h) {
  uint64_t *hs = malloc((size_t)(depth + 1) * sizeof *hs);
  for (long n = depth; n >= 0; n--) {
    hs[n] = h;
    h = e2e_mix(h, (uint64_t)n);
  }
  uint64_t r = hs[0];
  for (long n = 0; n <= depth; n++)
    r = r * 3 + (uint64_t)n;
  free(hs);
  return r;
}

static void *job_fn(void *p) {
  struct job *j = p;
  j->result = rec(j->depth, j->seed);
#ifdef __GOSTACK__
  j->info = e2e_info();
#endif
  if (j->nested) {
    /* A task spawned from inside a task, after this task's stack grew; its job struct is a
     * local of this task. */
    struct job sub;
    memset(&sub, 0, sizeof sub);
    sub.index = 100 + j->index;
    sub.depth = j->nested_depth;
    sub.seed = j->seed ^ 0xabc;
    e2e_task_t *t = e2e_spawn(job_fn, &sub);
    void *r = e2e_join(t);
    E2E_CHECK(r == &sub);
    j->nested_result = sub.result;
#ifdef __GOSTACK__
    j->nested_info = sub.info;
#endif
    /* And our own recursion still works afterwards. */
    E2E_CHECK(rec(j->depth / 2, 5) == model(j->depth / 2, 5));
  }
  return p;
}

static void *write_slot(void *p) {
  long *slot = p;
  E2E_CHECK(rec(200, 1) == model(200, 1));
  *slot = 4242;
  return NULL;
}

static void *small_task(void *p) {
  intptr_t i = (intptr_t)p;
  return (void *)(intptr_t)(rec(i % 50, (uint64_t)i) == model(i % 50, (uint64_t)i) ? i : -1);
}

static long depth_mid;

static void *body(void *unused) {
  struct job jobs[NJOBS];
  e2e_task_t *tasks[NJOBS];
  static const int eighths[NJOBS] = {8, 4, 2, 1, 0, 8, 3, 6};
#ifdef __GOSTACK__
  gostack_stack_info main_info = e2e_info();
  e2e_print_info("main", main_info);
#endif
  for (int i = 0; i < NJOBS; i++) {
    memset(&jobs[i], 0, sizeof jobs[i]);
    jobs[i].index = i;
    jobs[i].depth = depth_mid * eighths[i] / 8;
    jobs[i].seed = (uint64_t)i * 1000 + 1;
    jobs[i].nested = i % 2 == 0;
    jobs[i].nested_depth = depth_mid / (i + 1);
    tasks[i] = e2e_spawn(job_fn, &jobs[i]);
  }
  /* Join order: odd ones first, then even ones backwards. */
  int order[NJOBS] = {1, 3, 5, 7, 6, 4, 2, 0};
  for (int k = 0; k < NJOBS; k++) {
    int i = order[k];
    void *r = e2e_join(tasks[i]);
    E2E_CHECK(r == &jobs[i]);
  }
  for (int i = 0; i < NJOBS; i++) {
    struct job *j = &jobs[i];
    int ok = j->result == model(j->depth, j->seed);
    int nok = !j->nested || j->nested_result == model(j->nested_depth, j->seed ^ 0xabc);
    printf("job %d: depth=%ld %s nested=%s\n", i, j->depth, ok ? "ok" : "BAD",
           j->nested ? (nok ? "ok" : "BAD") : "-");
    E2E_CHECK(ok && nok);
  }

  long slot = 0;
  e2e_task_t *t = e2e_spawn(write_slot, &slot);
  e2e_join(t);
  printf("slot: %ld\n", slot);
  E2E_CHECK(slot == 4242);

  e2e_task_t *many[100];
  for (intptr_t i = 0; i < 100; i++)
    many[i] = e2e_spawn(small_task, (void *)i);
  int mok = 1;
  for (intptr_t i = 99; i >= 0; i--)
    mok &= e2e_join(many[i]) == (void *)i;
  printf("many: 100 %s\n", mok ? "ok" : "BAD");
  E2E_CHECK(mok && bad_frames == 0);

#ifdef __GOSTACK__
  {
    int distinct = 1;
    for (int i = 0; i < NJOBS; i++) {
      struct job *j = &jobs[i];
      /* A task that recursed 100+ frames deep cannot have stayed on 2 KB. */
      int grew_if_deep = j->depth < 100 || j->info.growths > 0;
      fprintf(stderr, "job %d: own_id=%d initial=%zu grew_if_deep=%d", i,
              j->info.task_id > 1 && j->info.task_id != main_info.task_id, j->info.initial_size,
              grew_if_deep);
      if (j->nested)
        fprintf(stderr, " nested_own_id=%d nested_initial=%zu",
                j->nested_info.task_id > 1 && j->nested_info.task_id != j->info.task_id,
                j->nested_info.initial_size);
      fprintf(stderr, "\n");
      for (int k = 0; k < i; k++)
        distinct &= jobs[k].info.task_id != j->info.task_id;
    }
    fprintf(stderr, "ids: distinct=%d main_is_1=%d back_in_main=%d\n", distinct,
            main_info.task_id == 1, gostack_task_id() == 1);
  }
#endif
  return (void *)(intptr_t)e2e_finish("tasks");
}

int main(int argc, char **argv) {
  depth_mid = e2e_arg(argc, argv, 1, 100000);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

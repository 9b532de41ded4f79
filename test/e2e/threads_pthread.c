// Threads the runtime did not create (pthread_create) running instrumented code at the same
// time as tasks on the main thread (docs/design.md, "Threads the runtime did not create").
// Such a thread runs no task: its guard is 0, every prologue check passes, and its code runs
// on the thread's own stack, calling libc directly. Each of NTHREADS threads
//   - recurses 100000 frames deep (far more than any task stack's first 2 KB: only the thread's
//     own stack can hold it),
//   - calls libc (snprintf with floating point, strtod, malloc/free, qsort with an instrumented
//     comparator that itself recurses),
//   - and thread 0 also spawns and joins tasks of its own (gostack_spawn/gostack_join from a
//     foreign thread), which start at 2 KB and grow on that thread while main's tasks grow on
//     the main thread.
// Meanwhile main (task 1) runs tasks that grow and move. Every result is printed after all
// threads are joined, in a fixed order, so stdout must match plain clang's at -O0 and -O2.
//
// RUN: %plain-cc -O0 %s -lpthread -o %t.p0
// RUN: %plain-cc -O2 %s -lpthread -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.p2 %depth_mid > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: env LC_ALL=C sort %t.g0.err | uniq -c | FileCheck %s --check-prefix=STATS
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p0.out %t.g2.out
// RUN: env LC_ALL=C sort %t.g2.err | uniq -c | FileCheck %s --check-prefix=STATS
//
// OUT: thread 0: deep {{[0-9a-f]+}} [snprintf 2.718 -1.5e-07 x=7] [strtod 0.125] [qsort ok] [malloc ok]
// OUT-NEXT: thread 0: tasks {{[0-9a-f]+}} {{[0-9a-f]+}} {{[0-9a-f]+}} bad=0
// OUT-NEXT: thread 1: deep {{[0-9a-f]+}} [snprintf 2.718 -1.5e-07 x=7] [strtod 0.125] [qsort ok] [malloc ok]
// OUT: thread 3: deep
// OUT-NEXT: main: tasks {{[0-9a-f]+}} {{[0-9a-f]+}} {{[0-9a-f]+}} {{[0-9a-f]+}} bad=0
// OUT-NEXT: threads_pthread: ok
//
// Threads and tasks report on stderr as they finish, in any order: the lines are counted.
// Every task (main's 4, thread 0's 3) started at 2 KB and grew; the 4 threads run no task.
// STATS: {{^ *}}4 main-task: initial=2048 grew=1
// STATS-NEXT: {{^ *}}3 thread-task: initial=2048 grew=1
// STATS-NEXT: {{^ *}}4 thread: task_id=0
// STATS-NOT: {{.}}

#include "Inputs/e2e.h"

#include <pthread.h>

#define NTHREADS 4
#define THREAD_DEPTH 100000
#define NTASKS_MAIN 4
#define NTASKS_THREAD 3

// A small frame on purpose: 100000 of them must fit on the thread's 16 MB stack at -O0.
// `r * 3 + n` after the call keeps the recursion a recursion (no accumulator loop).
E2E_NOINLINE static uint64_t down(long n, uint64_t acc) {
  if (n == 0)
    return acc;
  uint64_t r = down(n - 1, acc * 31 + (uint64_t)n);
  return r * 3 + (uint64_t)n;
}

// What down() computes, as loops: the recursion's result is checked, not just compared.
static uint64_t down_loop(long n, uint64_t acc) {
  for (long k = n; k > 0; k--)
    acc = acc * 31 + (uint64_t)k;
  for (long k = 1; k <= n; k++)
    acc = acc * 3 + (uint64_t)k;
  return acc;
}

static int cmp_calls_bad;

// The comparator recurses a little: instrumented frames above qsort's own.
static int cmp_long(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  if (((x ^ y) & 15) == 0 && down(50, 1) != down(50, 1))
    __atomic_add_fetch(&cmp_calls_bad, 1, __ATOMIC_RELAXED);
  return (x > y) - (x < y);
}

typedef struct {
  int idx;
  uint64_t deep;
  char libc[160];
  uint64_t task_sums[NTASKS_THREAD];
  long task_bad;
} thread_result;

static long task_depth;

// A task's work: a growing recursion with ballast (e2e_grow) and a libc call at the bottom.
static void *task_fn(void *p) {
  uint64_t seed = (uint64_t)(uintptr_t)p;
  long bad = 0;
  uint64_t h = e2e_grow(task_depth + (long)(seed % 7) * 100, seed, &bad);
  char buf[32];
  snprintf(buf, sizeof buf, "%llx", (unsigned long long)h);
  h = e2e_mix(h, strtoull(buf, NULL, 16) == h);
#ifdef __GOSTACK__
  gostack_stack_info i = e2e_info();
  fprintf(stderr, "%s: initial=%zu grew=%d\n", seed >= 100 ? "thread-task" : "main-task",
          i.initial_size, i.growths > 0);
#endif
  return (void *)(uintptr_t)(bad ? 0 : h);
}

static void *thread_fn(void *p) {
  thread_result *r = p;
  r->deep = down(THREAD_DEPTH, (uint64_t)r->idx + 1);

  char s[64];
  snprintf(s, sizeof s, "%.3f %.2g x=%d", 2.718281828, -1.5e-7, 7);
  double d = strtod("1.25e-1", NULL);
  long arr[300];
  for (int i = 0; i < 300; i++)
    arr[i] = (i * 7919L + r->idx * 131L) % 1000;
  qsort(arr, 300, sizeof arr[0], cmp_long);
  int sorted = cmp_calls_bad == 0;
  for (int i = 1; i < 300; i++)
    sorted &= arr[i - 1] <= arr[i];
  int mok = 1;
  for (int i = 0; i < 16; i++) {
    size_t sz = (size_t)64 << i;
    char *m = malloc(sz);
    mok &= m != NULL;
    if (m) {
      m[0] = (char)i;
      m[sz - 1] = (char)i;
      mok &= m[0] == m[sz - 1];
      free(m);
    }
  }
  snprintf(r->libc, sizeof r->libc, "[snprintf %s] [strtod %g] [qsort %s] [malloc %s]", s, d,
           sorted ? "ok" : "BAD", mok ? "ok" : "BAD");

  if (r->idx == 0) {
    // Tasks created and joined by a thread the runtime did not create.
    e2e_task_t *t[NTASKS_THREAD];
    for (int i = 0; i < NTASKS_THREAD; i++)
      t[i] = e2e_spawn(task_fn, (void *)(uintptr_t)(100 + i));
    for (int i = 0; i < NTASKS_THREAD; i++) {
      r->task_sums[i] = (uint64_t)(uintptr_t)e2e_join(t[i]);
      r->task_bad += r->task_sums[i] == 0;
    }
  }
#ifdef __GOSTACK__
  fprintf(stderr, "thread: task_id=%llu\n", (unsigned long long)gostack_task_id());
#endif
  return NULL;
}

int main(int argc, char **argv) {
  task_depth = e2e_arg(argc, argv, 1, 100000);
  thread_result res[NTHREADS];
  pthread_t th[NTHREADS];
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  // The default size follows `ulimit -s`. 100000 instrumented -O0 frames of down() take about
  // 11 MB (the -O0 statepoint spills roughly double plain clang's 48-byte frame).
  E2E_CHECK(pthread_attr_setstacksize(&attr, (size_t)16 << 20) == 0);
  memset(res, 0, sizeof res);
  for (int i = 0; i < NTHREADS; i++) {
    res[i].idx = i;
    if (pthread_create(&th[i], &attr, thread_fn, &res[i]) != 0) {
      printf("pthread_create failed\n");
      return 1;
    }
  }
  pthread_attr_destroy(&attr);

  // Main's tasks run while the threads do.
  uint64_t main_sums[NTASKS_MAIN];
  long main_bad = 0;
  for (int i = 0; i < NTASKS_MAIN; i++) {
    e2e_task_t *t = e2e_spawn(task_fn, (void *)(uintptr_t)(1 + i));
    main_sums[i] = (uint64_t)(uintptr_t)e2e_join(t);
    main_bad += main_sums[i] == 0;
  }

  for (int i = 0; i < NTHREADS; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < NTHREADS; i++) {
    printf("thread %d: deep %llx %s\n", i, (unsigned long long)res[i].deep, res[i].libc);
    if (i == 0)
      printf("thread 0: tasks %llx %llx %llx bad=%ld\n", (unsigned long long)res[0].task_sums[0],
             (unsigned long long)res[0].task_sums[1], (unsigned long long)res[0].task_sums[2],
             res[0].task_bad);
    E2E_CHECK(res[i].deep == down_loop(THREAD_DEPTH, (uint64_t)i + 1));
  }
  printf("main: tasks %llx %llx %llx %llx bad=%ld\n", (unsigned long long)main_sums[0],
         (unsigned long long)main_sums[1], (unsigned long long)main_sums[2],
         (unsigned long long)main_sums[3], main_bad);
  E2E_CHECK(main_bad == 0 && res[0].task_bad == 0);
  return e2e_finish("threads_pthread");
}

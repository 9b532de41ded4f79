// Memory a thread owns goes back to the stack allocator when the thread exits: the pinned
// chunks it used outside any task (an escaping local in the thread function, which also sorts
// through it with qsort and an instrumented comparator, on the thread's own stack). 24 threads
// one after another: the bytes in use after the last must equal those after the fourth, not
// grow with every thread. (Segments that callbacks link belong to the runtime's threads, which
// release them when they become spares: callback_segments.c.)
//
// RUN: %plain-cc -O0 %s -o %t.p0 -lpthread
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %t.p0 > %t.p0.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: env GOSTACK_PROCS=1 %t.g2 > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p0.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: threads: 24 sorted=24 bad=0
// OUT-NEXT: threads_exit_release: ok
// STATS: in use after 4 threads == after 24: yes

#include "Inputs/e2e.h"

#include <pthread.h>

#define N 32
#define THREADS 24

static long bad;

E2E_NOINLINE static uint64_t deep(long n, uint64_t h) {
  uint64_t pad[24];
  E2E_BALLAST_SET(pad, 24, 5, h);
  uint64_t r = n ? deep(n - 1, e2e_mix(h, (uint64_t)n)) : h;
  E2E_BALLAST_CHECK(pad, 24, 5, h, bad);
  return r;
}

static int cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  if (x == 3 || y == 3)
    deep(2000, (uint64_t)x);
  return (x > y) - (x < y);
}

static void *sort_task(void *arg) {
  int *v = arg;
  qsort(v, N, sizeof v[0], cmp);
  return NULL;
}

static int sorted_count;
#ifdef __GOSTACK__
typedef struct {
  size_t allocs, frees, pool_hits, mapped_bytes, inuse_bytes;
} stackalloc_stats; // runtime/internal.h: gostack_stackalloc_stats
extern void gostack_stackalloc_get_stats(stackalloc_stats *out);
#endif

static void *thread_main(void *unused) {
  (void)unused;
  int v[N];
  int *volatile escape = v; // pinned: an escaping local of a thread outside any task
  for (int i = 0; i < N; i++)
    escape[i] = (i * 13 + 7) % N;
  sort_task(escape);
  int ok = 1;
  for (int i = 0; i < N; i++)
    ok &= escape[i] == i;
  __atomic_add_fetch(&sorted_count, ok, __ATOMIC_RELAXED);
  return NULL;
}

static void run_thread(void) {
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (size_t)8 << 20); // room for the comparator's recursion
  pthread_t th;
  if (pthread_create(&th, &attr, thread_main, NULL) != 0)
    exit(99);
  pthread_join(th, NULL);
  pthread_attr_destroy(&attr);
}

int main(void) {
#ifdef __GOSTACK__
  stackalloc_stats first, last;
  for (int i = 0; i < 4; i++)
    run_thread();
  gostack_stackalloc_get_stats(&first);
  for (int i = 4; i < THREADS; i++)
    run_thread();
  gostack_stackalloc_get_stats(&last);
  fprintf(stderr, "in use after 4 threads == after %d: %s (%zu, %zu)\n", THREADS,
          first.inuse_bytes == last.inuse_bytes ? "yes" : "no", first.inuse_bytes,
          last.inuse_bytes);
#else
  for (int i = 0; i < THREADS; i++)
    run_thread();
#endif
  printf("threads: %d sorted=%d bad=%ld\n", THREADS, sorted_count, bad);
  return e2e_finish("threads_exit_release");
}

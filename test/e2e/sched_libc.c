// Tasks calling libc concurrently, and blocking in it:
//  - 64 tasks on all processors format, parse, sort (with a callback that grows), allocate and
//    free in loops, each checking its own results;
//  - a reader task blocked in read(2) on a pipe that only a later task writes: with one
//    processor that needs the monitor to hand the blocked task's processor to another thread
//    (Go's syscall hand-off), and the reader to resume on whichever thread has a processor;
//  - a qsort comparator (running on the system stack, under qsort's frames) that joins a task:
//    the task waits on its thread, and again only the hand-off lets the joined task run;
//  - sleeps of 30, 10 and 20 ms wake in deadline order, none early; park/unpark keep one permit.
//
// RUN: %gostack-cc -O2 %s -o %t
// RUN: %t > %t.out
// RUN: FileCheck %s --input-file=%t.out
// RUN: env GOSTACK_PROCS=1 %t > %t.1.out
// RUN: FileCheck %s --input-file=%t.1.out
// RUN: %gostack-cc -O0 %s -o %t.o0
// RUN: env GOSTACK_PROCS=1 %t.o0 > %t.o0.out
// RUN: FileCheck %s --input-file=%t.o0.out
//
// CHECK: workers: 64 ok
// CHECK-NEXT: pipe: reader got 4096 bytes, checksum ok
// CHECK-NEXT: join in comparator: sorted ok, joined 42
// CHECK-NEXT: sleep order: deadline order, none early
// CHECK-NEXT: permit: early unpark kept, late unpark woke
// CHECK-NEXT: sched_libc: ok

#include "Inputs/e2e.h"

#include <time.h>
#include <unistd.h>

#define WORKERS 64

static void *worker(void *arg) {
  long id = (long)(intptr_t)arg, bad = 0;
  for (int round = 0; round < 50; round++) {
    char buf[64];
    double v = (double)(id * 1000 + round) / 8.0;
    snprintf(buf, sizeof buf, "%.3f|%ld", v, id);
    char *end;
    double back = strtod(buf, &end);
    bad += back != v || *end != '|' || strtol(end + 1, NULL, 10) != id;
    int *arr = malloc(64 * sizeof *arr);
    for (int i = 0; i < 64; i++)
      arr[i] = (int)((i * 37 + id + round) % 64);
    qsort(arr, 64, sizeof *arr, e2e_cmp_int_growing);
    for (int i = 0; i < 64; i++)
      bad += arr[i] != i;
    free(arr);
    if (round % 8 == 0)
      gostack_yield();
  }
  return (void *)(intptr_t)bad;
}

static int pipefd[2];
static uint64_t pipe_sum_written;

static void *reader(void *arg) {
  (void)arg;
  unsigned char buf[512];
  long got = 0;
  uint64_t sum = 0;
  while (got < 4096) {
    ssize_t n = read(pipefd[0], buf, sizeof buf); // blocks until the writer runs
    if (n <= 0)
      break;
    for (ssize_t i = 0; i < n; i++)
      sum = sum * 31 + buf[i];
    got += n;
  }
  printf("pipe: reader got %ld bytes, checksum %s\n", got, sum == pipe_sum_written ? "ok" : "BAD");
  return NULL;
}

static void *writer(void *arg) {
  (void)arg;
  unsigned char buf[4096];
  uint64_t sum = 0;
  for (int i = 0; i < 4096; i++) {
    buf[i] = (unsigned char)(i * 7 + 3);
    sum = sum * 31 + buf[i];
  }
  pipe_sum_written = sum;
  for (int off = 0; off < 4096; off += 1024)
    if (write(pipefd[1], buf + off, 1024) != 1024)
      return (void *)1;
  return NULL;
}

static void *answer(void *arg) {
  (void)arg;
  gostack_sleep_ns(2 * 1000 * 1000);
  return (void *)42;
}

static gostack_task *to_join;
static long joined_value;

static int cmp_joining(const void *a, const void *b) {
  if (to_join) {
    joined_value = (long)(intptr_t)gostack_join(to_join);
    to_join = NULL;
  }
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int order[3], norder;
static uint64_t deadline[3]; // by duration index: when each sleeper asked to wake

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *sleeper(void *arg) {
  long ms = (long)(intptr_t)arg;
  deadline[ms / 10 - 1] = now_ns() + (uint64_t)ms * 1000 * 1000;
  gostack_sleep_ns((uint64_t)ms * 1000 * 1000);
  uint64_t woke_at = now_ns();
  if (woke_at < deadline[ms / 10 - 1])
    order[0] = -1; // woke early
  order[__atomic_fetch_add(&norder, 1, __ATOMIC_RELAXED)] = (int)ms;
  return NULL;
}

static int woke;

static void *park_twice(void *arg) {
  (void)arg;
  gostack_park(); // the permit from the early unpark: returns at once
  gostack_park(); // waits for the late unpark
  __atomic_store_n(&woke, 1, __ATOMIC_RELEASE);
  return NULL;
}

int main(void) {
  gostack_task *w[WORKERS];
  for (long i = 0; i < WORKERS; i++)
    w[i] = gostack_spawn(worker, (void *)(intptr_t)i);
  long bad = 0;
  for (long i = 0; i < WORKERS; i++)
    bad += (long)(intptr_t)gostack_join(w[i]);
  printf("workers: %d %s\n", WORKERS, bad || e2e_helper_bad ? "BAD" : "ok");
  E2E_CHECK(bad == 0 && e2e_helper_bad == 0);

  if (pipe(pipefd) != 0)
    return 1;
  gostack_task *r = gostack_spawn(reader, NULL);
  gostack_sleep_ns(5 * 1000 * 1000); // the reader is blocked in read by now
  gostack_task *wr = gostack_spawn(writer, NULL);
  E2E_CHECK(gostack_join(wr) == NULL);
  gostack_join(r);

  int vals[16];
  for (int i = 0; i < 16; i++)
    vals[i] = 15 - i;
  to_join = gostack_spawn(answer, NULL);
  qsort(vals, 16, sizeof vals[0], cmp_joining);
  int sorted = 1;
  for (int i = 0; i < 16; i++)
    sorted &= vals[i] == i;
  printf("join in comparator: sorted %s, joined %ld\n", sorted ? "ok" : "BAD", joined_value);

  gostack_task *s[3] = {gostack_spawn(sleeper, (void *)30), gostack_spawn(sleeper, (void *)10),
                        gostack_spawn(sleeper, (void *)20)};
  for (int i = 0; i < 3; i++)
    gostack_join(s[i]);
  // Wake order must follow the deadlines (10, 20, 30 ms after each sleeper started; on a slow
  // run the starts may be far apart, so compare with the deadlines, not the durations).
  int by_deadline[3] = {10, 20, 30};
  for (int i = 0; i < 3; i++)
    for (int j = i + 1; j < 3; j++)
      if (deadline[by_deadline[j] / 10 - 1] < deadline[by_deadline[i] / 10 - 1]) {
        int x = by_deadline[i];
        by_deadline[i] = by_deadline[j];
        by_deadline[j] = x;
      }
  int in_order = order[0] == by_deadline[0] && order[1] == by_deadline[1] &&
                 order[2] == by_deadline[2];
  printf("sleep order: %s\n", in_order ? "deadline order, none early" : "WRONG");

  gostack_task *p = gostack_spawn(park_twice, NULL);
  gostack_unpark(p); // before it parks (it has not run yet): the permit is kept
  gostack_sleep_ns(5 * 1000 * 1000);
  int early = !__atomic_load_n(&woke, __ATOMIC_ACQUIRE); // still parked the second time
  gostack_unpark(p);
  gostack_join(p);
  printf("permit: %s\n", early && woke ? "early unpark kept, late unpark woke" : "BAD");
  return e2e_finish("sched_libc");
}

/* workers: a worker pool over a buffered channel, in C (gostack/gostack.h).
 *
 *   build/bin/gostack-clang -O2 examples/workers.c -o workers && ./workers [jobs]
 *   (or: tools/demo workers [jobs])
 *
 * main starts eight detached worker tasks (gostack_go), sends job numbers into a channel of 64
 * buffered ints and closes it; each worker receives jobs until the channel is closed and
 * drained, computes a recursive sum whose depth depends on the job (its 2 KB stack grows as
 * needed), and adds the result under a Mutex. A WaitGroup tells main when every worker is
 * done; main then checks the total against a loop.
 */
#include <gostack/gostack.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define WORKERS 8

static gostack_waitgroup wg = GOSTACK_WAITGROUP_INIT;
static gostack_mutex mu = GOSTACK_MUTEX_INIT;
static uint64_t total;

/* Sum of 1..n, n frames deep. */
__attribute__((noinline)) static uint64_t sum_to(uint64_t n) {
  volatile char pad[32]; /* a real frame on the task's stack */
  pad[n % 32] = (char)n;
  return n == 0 ? 0 : n + sum_to(n - 1) + (uint64_t)(pad[n % 32] - (char)n);
}

static void worker(void *arg) {
  gostack_chan *jobs = arg;
  int job;
  while (gostack_chan_recv(jobs, &job)) { /* parks until a job arrives; false once closed */
    uint64_t r = sum_to((uint64_t)(job % 5000));
    gostack_mutex_lock(&mu);
    total += r;
    gostack_mutex_unlock(&mu);
  }
  gostack_waitgroup_done(&wg);
}

int main(int argc, char **argv) {
  int njobs = argc > 1 ? atoi(argv[1]) : 10000;
  gostack_chan *jobs = gostack_chan_make(sizeof(int), 64);
  for (int i = 0; i < WORKERS; i++) {
    gostack_waitgroup_add(&wg, 1);
    gostack_go(worker, jobs);
  }
  for (int i = 0; i < njobs; i++)
    gostack_chan_send(jobs, &i);
  gostack_chan_close(jobs);
  gostack_waitgroup_wait(&wg);
  gostack_chan_free(jobs);

  uint64_t expect = 0;
  for (int i = 0; i < njobs; i++) {
    uint64_t n = (uint64_t)(i % 5000);
    expect += n * (n + 1) / 2;
  }
  printf("%d jobs on %d workers (%d processors): total %llu, %s\n", njobs, WORKERS,
         gostack_procs(), (unsigned long long)total, total == expect ? "correct" : "WRONG");
  return total == expect ? 0 : 1;
}

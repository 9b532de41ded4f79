/* bench/sched/parked_memory.c: resident memory per parked task.
 *
 * Compiled with gostack-clang -O2; main is task 1. Starts N tasks (default 1,000,000) with
 * gostack_go; each marks a WaitGroup and parks in a receive on one unbuffered channel. Once all
 * have marked it (and a 20 ms sleep has let the last ones park), reads the resident set size from
 * /proc/self/statm and compares it with the size before the first spawn. Then closes the
 * channel, which releases every task, and waits until all have finished.
 *
 * Prints one JSON line (bench/sched/summarize_sched.py reads it); go/sched.go -bench=parked_memory
 * is the same program in Go and boost_parked_memory.cpp the same on Boost, with the same fields. */
#define _POSIX_C_SOURCE 200809L
#include <gostack/gostack.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2) {
    perror("parked_memory: /proc/self/statm");
    exit(1);
  }
  fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}

static gostack_waitgroup started = GOSTACK_WAITGROUP_INIT;
static gostack_waitgroup finished = GOSTACK_WAITGROUP_INIT;
static gostack_chan *release;

static void parked(void *arg) {
  (void)arg;
  gostack_waitgroup_done(&started);
  gostack_chan_recv(release, NULL); /* false once closed */
  gostack_waitgroup_done(&finished);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 1000000;
  release = gostack_chan_make(0, 0);
  long before = rss_bytes();
  uint64_t t0 = now_ns();
  gostack_waitgroup_add(&started, n);
  gostack_waitgroup_add(&finished, n);
  for (long i = 0; i < n; i++)
    gostack_go(parked, NULL);
  gostack_waitgroup_wait(&started);
  uint64_t t1 = now_ns();
  gostack_sleep_ns(20 * 1000 * 1000);
  long after = rss_bytes();
  uint64_t t2 = now_ns();
  gostack_chan_close(release);
  gostack_waitgroup_wait(&finished);
  uint64_t t3 = now_ns();
  long done = rss_bytes();
  printf("{\"bench\": \"parked_memory\", \"impl\": \"gostack\", \"procs\": %d, \"tasks\": %ld, "
         "\"rss_before\": %ld, \"rss_parked\": %ld, \"rss_after\": %ld, "
         "\"bytes_per_task\": %.1f, \"start_ns_per_task\": %.1f, \"release_ns_per_task\": %.1f}\n",
         gostack_procs(), n, before, after, done, (double)(after - before) / (double)n,
         (double)(t1 - t0) / (double)n, (double)(t3 - t2) / (double)n);
  gostack_chan_free(release);
  return 0;
}

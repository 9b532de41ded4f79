/* bench/growth/sys_plain.c: kernels.c's contexts without any stack checking (plain clang-19
 * -O2), the reference. A context is a pthread with a 256 MB stack (glibc maps it lazily), so the
 * depth-1,000,000 recursion fits; only the warm growth rows and the hot-split loop are
 * reported for it (a new thread with a fixed stack is not what "fresh" compares). */
#include "growth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

void sys_run_fresh(void (*fn)(void *), void *arg, size_t min_bytes) {
  (void)min_bytes;
  struct gr_fresh f = {fn, arg};
  pthread_attr_t attr;
  pthread_t t;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, (size_t)256 << 20);
  if (pthread_create(&t, &attr, gr_fresh_entry, &f) != 0) {
    perror("pthread_create");
    exit(1);
  }
  pthread_join(t, NULL);
  pthread_attr_destroy(&attr);
}

void sys_stack_stats(gr_stats *out) {
  out->stack_bytes = 0;
  out->growths = 0;
  out->segments = 0;
}

void sys_hot_prepare(size_t bytes) { (void)bytes; }

const char *sys_name(void) { return "plain"; }

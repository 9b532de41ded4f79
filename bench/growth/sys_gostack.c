/* bench/growth/sys_gostack.c: kernels.c's contexts under gostack (compiled with gostack-clang).
 * A fresh context is a task: gostack_spawn + gostack_join. Every task starts at
 * GOSTACK_STACK_MIN (2 KB by default; the size cannot be chosen per task, so min_bytes is
 * ignored) and grows by copying to twice the size. */
#include "growth.h"

#include <gostack/gostack.h>

void sys_run_fresh(void (*fn)(void *), void *arg, size_t min_bytes) {
  (void)min_bytes;
  struct gr_fresh f = {fn, arg};
  gostack_join(gostack_spawn(gr_fresh_entry, &f));
}

void sys_stack_stats(gr_stats *out) {
  gostack_stack_info info;
  gostack_stack_info_get(&info);
  out->stack_bytes = info.size;
  out->growths = info.growths;
  out->segments = 1;
}

/* Grows this task's stack (it keeps the size: no park follows) so the hot-split placement has
 * `bytes` above the guard; about 96 bytes per level of gr_deep. */
void sys_hot_prepare(size_t bytes) {
  volatile uint64_t r = gr_deep((int)(bytes / 64), 0);
  (void)r;
}

const char *sys_name(void) { return "gostack"; }

/* bench/growth/sys_gcc.c: kernels.c's contexts under GCC -fsplit-stack (compiled with gcc -O2
 * -fsplit-stack, linked with gold, which fixes up split-stack calls into non-split code).
 *
 * A fresh context is what gccgo makes for a goroutine: a split-stack context from libgcc
 * (__splitstack_makecontext: one mmap'd segment of libgcc's minimum, a page or MINSIGSTKSZ plus
 * its header rounded up to pages, 12 KB on this machine; when a frame does not fit, __morestack
 * links another segment of max(that minimum, frame + 1,536 bytes)) entered with ucontext
 * (makecontext/swapcontext), and freed afterwards with __splitstack_releasecontext (munmap of
 * every segment). Segments are never moved or merged: returning across a segment end goes
 * back through __morestack, and a context keeps its segments for reuse while it lives.
 *
 * GROWTH_GCC_SIGNALS=noblock makes every context skip libgcc's default signal blocking around
 * each segment switch (two rt_sigprocmask calls on the way in, two on the way out), as gccgo
 * does (__splitstack_block_signals_context). The default is libgcc's own: block. */
#define _GNU_SOURCE
#include "growth.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

/* libgcc's split-stack API (generic-morestack.c; there is no header). */
void *__splitstack_makecontext(size_t, void *context[10], size_t *);
void __splitstack_releasecontext(void *context[10]);
void __splitstack_getcontext(void *context[10]);
void __splitstack_setcontext(void *context[10]);
void __splitstack_block_signals(int *, int *);
void __splitstack_block_signals_context(void *context[10], int *, int *);

/* The head of every libgcc segment (generic-morestack.c, struct stack_segment; the layout has
 * been the same since 2009). Read only, to count the segments of a context. */
struct stack_segment {
  struct stack_segment *prev, *next;
  size_t size;
  void *old_stack, *dynamic_allocation, *free_dynamic_allocation, *extra;
};

static int block_signals = 1;

__attribute__((constructor)) static void read_env(void) {
  const char *s = getenv("GROWTH_GCC_SIGNALS");
  block_signals = !(s && strcmp(s, "noblock") == 0);
  __splitstack_block_signals(&block_signals, NULL); /* this thread's own (initial) context */
}

struct fresh {
  void (*fn)(void *);
  void *arg;
  void *split[10];   /* the new context's split-stack state */
  ucontext_t uc;     /* its registers */
  ucontext_t back;   /* the caller's, resumed (uc_link) when fn returns */
};

/* makecontext passes int arguments: the struct's address in two halves. */
static void entry(unsigned hi, unsigned lo) {
  struct fresh *f = (struct fresh *)(((uintptr_t)hi << 32) | lo);
  f->fn(f->arg);
}

void sys_run_fresh(void (*fn)(void *), void *arg, size_t min_bytes) {
  struct fresh *f = malloc(sizeof *f); /* two ucontext_t: keep them off the small stacks */
  f->fn = fn;
  f->arg = arg;
  size_t size;
  void *stack = __splitstack_makecontext(min_bytes, f->split, &size);
  __splitstack_block_signals_context(f->split, &block_signals, NULL);
  getcontext(&f->uc);
  f->uc.uc_stack.ss_sp = stack;
  f->uc.uc_stack.ss_size = size;
  f->uc.uc_link = &f->back;
  uintptr_t p = (uintptr_t)f;
  makecontext(&f->uc, (void (*)(void))entry, 2, (unsigned)(p >> 32), (unsigned)p);
  /* gccgo's order: save ours, install the new split-stack state, switch; nothing between the
   * two libgcc calls and the switch has a prologue check. */
  void *mine[10];
  __splitstack_getcontext(mine);
  __splitstack_setcontext(f->split);
  swapcontext(&f->back, &f->uc);
  __splitstack_setcontext(mine);
  __splitstack_releasecontext(f->split);
  free(f);
}

/* The running context's segments: libgcc's thread-local list head, read directly. Calling
 * __splitstack_getcontext (non-split code) would make gold route this function's prologue
 * through __morestack_non_split, which wants 1 MB free and, short of it, releases the retained
 * segments after the current one before linking a 1 MB segment: the very list being counted. */
extern __thread struct stack_segment *__morestack_segments;

void sys_stack_stats(gr_stats *out) {
  out->segments = 0;
  out->stack_bytes = 0;
  for (struct stack_segment *s = __morestack_segments; s; s = s->next) {
    out->segments++;
    out->stack_bytes += s->size + sizeof *s;
  }
  out->growths = out->segments ? out->segments - 1 : 0;
}

/* Nothing to grow: the hot-split task calls libc (clock_gettime), so gold's
 * __morestack_non_split fix-up has already put it on a segment with 1 MB free. */
void sys_hot_prepare(size_t bytes) { (void)bytes; }

const char *sys_name(void) { return block_signals ? "gcc-split" : "gcc-split-nosig"; }

/* The program of indirect_dlsym.test. argv: <library> <depth>.
 *
 * From tasks that have used almost all of their 2 KB, calls functions of an uninstrumented
 * shared library (Inputs/indirect_plain_lib.c) through dlsym pointers: a recursion `depth`
 * levels deep (about 100 bytes a level, far beyond any task stack's 2 KB) that calls back into
 * this program through a pointer, and a formatting function. Both must run on the system stack
 * (the run-time test of docs/design.md, "Foreign calls"); the callbacks, instrumented, run
 * there too. Then an instrumented recursion through a pointer grows a fresh task's stack: the
 * same kind of call site stays direct when the target is ours. */
#include "e2e.h"

#include <dlfcn.h>

typedef long (*indirect_cb)(long);
typedef long (*recurse_fn)(long, indirect_cb);
typedef long (*format_fn)(char *, size_t, double);

static recurse_fn volatile lib_recurse;
static format_fn volatile lib_format;
static long depth;
static long cb_calls, helper_bad;

E2E_NOINLINE static long helper(long n) {
  long pad[6]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 6, 1, n);
  long r = n ? helper(n - 1) + 1 : 0;
  E2E_BALLAST_CHECK(pad, 6, 1, n, helper_bad);
  return r;
}

/* Called by the library, through the pointer it was given. */
static long cb(long n) {
  cb_calls++;
  return (long)(e2e_mix((uint64_t)n, 11) >> 20) + helper(30);
}

#ifdef __GOSTACK__
static int all_initial = 1;
#endif

E2E_NOINLINE static long batch(long d) {
  char buf[96];
  E2E_NOTE_LEFT();
  long r = lib_recurse(depth, cb);
  E2E_NOTE_LEFT();
  long f = lib_format(buf, sizeof buf, 1.0 + (double)d / 8);
  printf("task d=%ld: recurse %ld format %ld [%s]\n", d, r, f, buf);
  return r ^ f;
}

static void *task_fn(void *p) {
  long d = (long)(intptr_t)p;
  long r = e2e_descend(d, batch, d);
#ifdef __GOSTACK__
  all_initial &= e2e_info().initial_size == 2048;
#endif
  return (void *)(intptr_t)(r != 0);
}

/* Instrumented recursion through a pointer: direct calls, on the task stack. */
static uint64_t (*volatile ours)(long, uint64_t, long *);
static uint64_t ours_step(long n, uint64_t h, long *bad) {
  uint64_t pad[4]; /* frame ballast */
  E2E_BALLAST_SET(pad, 4, 1, h ^ (uint64_t)n);
  uint64_t r = n ? ours(n - 1, e2e_mix(h, (uint64_t)n), bad) : h;
  E2E_BALLAST_CHECK(pad, 4, 1, h ^ (uint64_t)n, *bad);
  return r ^ (uint64_t)n;
}

static void *ours_task(void *p) {
  long *bad = p;
  uint64_t h = ours(e2e_movestack() ? 200 : 2000, 3, bad);
  printf("ours: %llx bad=%ld\n", (unsigned long long)h, *bad);
  e2e_report_growth("ours");
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s <library> <depth>\n", argv[0]);
    return 2;
  }
  depth = e2e_arg(argc, argv, 2, 10000);
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    fprintf(stderr, "dlopen: %s\n", dlerror());
    return 2;
  }
  lib_recurse = (recurse_fn)dlsym(lib, "plain_recurse");
  lib_format = (format_fn)dlsym(lib, "plain_format");
  E2E_CHECK(lib_recurse && lib_format);
  ours = ours_step;

  int all = 1;
  for (long d = 0; d < 24; d++)
    all &= (int)(intptr_t)e2e_join(e2e_spawn(task_fn, (void *)(intptr_t)d));
  printf("all tasks %s, callbacks %ld\n", all ? "ok" : "BAD", cb_calls);
  E2E_CHECK(all && helper_bad == 0);

  long bad = 0;
  e2e_join(e2e_spawn(ours_task, &bad));
  E2E_CHECK(bad == 0);
  E2E_CHECK(dlclose(lib) == 0);
#ifdef __GOSTACK__
  fprintf(stderr, "dlsym: min_left_small=%d all_initial_2048=%d\n",
          e2e_min_left < (e2e_movestack() ? 4096u : 2048u), all_initial);
#endif
  return e2e_finish("indirect_dlsym");
}

/* The instrumented side of dlopen_uninstrumented.test: loads a library plain clang compiled
 * (Inputs/dlopen_uninstrumented_lib.c), calls it through dlsym pointers (calls the plugin cannot
 * decide at link time) from main and from spawned tasks, and gives it callbacks that recurse,
 * call libc and call back into the library: instrumented frames above uninstrumented ones above
 * instrumented ones, several times over. argv[1] = callback recursion depth, argv[2] = the
 * library. */
#include "e2e.h"

#include <dlfcn.h>

typedef long (*plain_cb)(long level, long x, void *ctx);
typedef long (*walk_fn)(long levels, long x, plain_cb cb, void *ctx);
typedef void (*sort_fn)(int *a, size_t n, int (*cmp)(const void *, const void *));

static walk_fn walk;
static sort_fn sort_with;
static long cb_depth;

typedef struct {
  long calls;  /* callbacks made */
  long nested; /* callbacks that called back into the library */
  long bad;    /* ballast damaged across a callback */
} cb_ctx;

/* Instrumented recursion with ballast, inside a callback: deeper than any 2 KB stack. */
E2E_NOINLINE static long cb_recurse(long n, long x) {
  long pad[8]; /* frame ballast (e2e.h) */
  long bad = 0;
  E2E_BALLAST_SET(pad, 8, 1, x + n);
  long r = n > 0 ? cb_recurse(n - 1, x * 3 + n) : x;
  E2E_BALLAST_CHECK(pad, 8, 1, x + n, bad);
  return r + bad * 1000003;
}

static long callback(long level, long x, void *p) {
  cb_ctx *c = p;
  c->calls++;
  char buf[64];
  snprintf(buf, sizeof buf, "%ld", x % 100000);
  long v = strtol(buf, NULL, 10);
  long r = cb_recurse(cb_depth, v);
  /* Every 8th level goes back into the library: plain frames above instrumented ones above
   * plain ones. */
  if (level % 8 == 0 && level > 0) {
    c->nested++;
    r += walk(3, r & 0xfff, callback, c);
  }
  return (r ^ x) & 0xffffffffffffl;
}

static long sort_calls;

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  sort_calls++;
  if (((x ^ y) & 63) == 0 && cb_recurse(cb_depth / 4, x) == -1)
    return 0; /* never: cb_recurse's result is never -1 for these inputs; keeps the call */
  return (x > y) - (x < y);
}

static void *work(void *arg) {
  long seed = (long)(intptr_t)arg;
  cb_ctx c = {0, 0, 0};
  long r = walk(40, seed, callback, &c);
  int a[300];
  for (int i = 0; i < 300; i++)
    a[i] = (int)((i * 7919L + seed * 31) % 1000);
  sort_with(a, 300, cmp_int);
  int sorted = 1;
  for (int i = 1; i < 300; i++)
    sorted &= a[i - 1] <= a[i];
  printf("work %ld: walk %lx calls=%ld nested=%ld sorted=%d\n", seed, r, c.calls, c.nested,
         sorted);
  return (void *)(intptr_t)(sorted && c.calls > 0);
}

int main(int argc, char **argv) {
  cb_depth = e2e_arg(argc, argv, 1, 2000);
  if (argc < 3) {
    fprintf(stderr, "usage: %s DEPTH LIBRARY\n", argv[0]);
    return 2;
  }
  void *h = dlopen(argv[2], RTLD_NOW);
  if (!h) {
    printf("dlopen: %s\n", dlerror());
    return 1;
  }
  walk = (walk_fn)(uintptr_t)dlsym(h, "plain_walk");
  sort_with = (sort_fn)(uintptr_t)dlsym(h, "plain_sort");
  E2E_CHECK(walk && sort_with);
  if (!walk || !sort_with)
    return e2e_finish("dlopen_uninstrumented");

  /* From main (task 1), then from tasks whose stacks start at 2 KB. */
  E2E_CHECK(work((void *)1) != NULL);
  for (long i = 2; i < 6; i++)
    E2E_CHECK(e2e_join(e2e_spawn(work, (void *)(intptr_t)i)) != NULL);
  printf("sort calls %s\n", sort_calls > 0 ? "made" : "MISSING");
  E2E_CHECK(dlclose(h) == 0);
#ifdef __GOSTACK__
  e2e_report_growth("dlopen_uninstrumented");
#endif
  return e2e_finish("dlopen_uninstrumented");
}

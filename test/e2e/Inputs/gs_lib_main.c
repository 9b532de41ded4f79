/* The executable of shared_lib.test and dlopen.test: calls gs_lib_walk (Inputs/gs_lib.c, a
 * shared object) deeply, with a pointer to a local of its own and a callback that has frames
 * of its own, so the task stack grows and moves while library frames are on it; then recurses
 * deeply in the executable alone.
 *
 * Built without GS_DLOPEN: linked against the library. With GS_DLOPEN: the library (argv[2])
 * is loaded with dlopen, gs_lib_walk called through the dlsym pointer, and the library closed
 * (its stack maps unregistered); then it is loaded, called and closed a second time, and the
 * executable recurses deeply after each close (moves with the library gone).
 *
 * argv: [depth] [library path, GS_DLOPEN only]. */
#include "e2e.h"
#include "gs_lib.h"

#ifdef GS_DLOPEN
#include <dlfcn.h>
#endif

static long depth;
static const char *lib_path;

E2E_INLINE long cb_value(long n) { return (long)e2e_mix((uint64_t)n, 5) >> 8; }

/* The callback's own recursion: 6 levels of 512-byte frames. */
E2E_NOINLINE static long cb_rec(long k, long n) {
  unsigned char buf[512]; /* frame ballast (e2e.h) */
  long bad = 0;
  E2E_BALLAST_SET(buf, 512, 29, (uint64_t)(n + k));
  long r = k == 0 ? cb_value(n) : cb_rec(k - 1, n);
  E2E_BALLAST_CHECK(buf, 512, 29, (uint64_t)(n + k), bad);
  return bad ? r ^ 0xbad : r;
}

static long cb_calls;

static long cb(long n) {
  cb_calls++;
  return cb_rec(6, n);
}

static long cb_model(long n) { return cb_value(n); }

/* The executable alone: depth levels, each with a 256-byte frame and a pointer to its caller's
 * local. */
E2E_NOINLINE static uint64_t exe_deep(long n, long *parent) {
  unsigned char buf[256]; /* frame ballast (e2e.h) */
  long bad = 0;
  *parent += 2;
  if (n == 0)
    return 1;
  E2E_BALLAST_SET(buf, 256, 11, (uint64_t)n * 7);
  long here = n;
  uint64_t r = exe_deep(n - 1, &here) * 5 + (uint64_t)here;
  E2E_BALLAST_CHECK(buf, 256, 11, (uint64_t)n * 7, bad);
  return r ^ (bad ? 0xbad : 0);
}

static uint64_t exe_model(long top) {
  uint64_t r = 1;
  for (long n = 1; n <= top; n++)
    r = r * 5 + (uint64_t)(n + 2);
  return r;
}

static void run_exe(const char *tag) {
  long top = 0;
  uint64_t r = exe_deep(depth, &top);
  int ok = r == exe_model(depth) && top == 2;
  printf("%s: %llx %s\n", tag, (unsigned long long)r, ok ? "ok" : "BAD");
  E2E_CHECK(ok);
}

static void run_lib(const char *tag, gs_lib_walk_fn walk, long (*levels)(void)) {
  long acc = 17, acc_model = 0;
  long before = levels();
  cb_calls = 0;
  long r = walk(depth, &acc, cb);
  long want = gs_lib_model(depth, 17, &acc_model, cb_model);
  int ok = r == want && acc == acc_model && levels() - before == depth + 1 &&
           cb_calls == depth / 8;
  printf("%s: %lx %lx %s\n", tag, (unsigned long)r, (unsigned long)acc, ok ? "ok" : "BAD");
  E2E_CHECK(ok);
}

#ifdef __GOSTACK__
static void stats(const char *tag) {
  gostack_stack_info i = e2e_info();
  e2e_print_info(tag, i);
  fprintf(stderr, "%s: grew=%d\n", tag, i.growths > 0);
}
#else
static void stats(const char *tag) { (void)tag; }
#endif

#ifdef GS_DLOPEN
static void run_dlopen(const char *tag) {
  void *h = dlopen(lib_path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    printf("%s: dlopen failed: %s\n", tag, dlerror());
    E2E_CHECK(h != NULL);
    return;
  }
  gs_lib_walk_fn walk = (gs_lib_walk_fn)dlsym(h, "gs_lib_walk");
  long (*levels)(void) = (long (*)(void))dlsym(h, "gs_lib_levels");
  E2E_CHECK(walk != NULL && levels != NULL);
  if (walk && levels)
    run_lib(tag, walk, levels);
  int rc = dlclose(h);
  printf("%s: dlclose %d\n", tag, rc);
  E2E_CHECK(rc == 0);
}
#endif

static void *body(void *unused) {
  (void)unused;
#ifdef GS_DLOPEN
  run_dlopen("dlopen1");
  stats("dlopen1");
  run_exe("exe1");
  run_dlopen("dlopen2");
  run_exe("exe2");
  stats("exe2");
  return (void *)(intptr_t)e2e_finish("dlopen");
#else
  run_lib("lib", gs_lib_walk, gs_lib_levels);
  stats("lib");
  run_exe("exe");
  return (void *)(intptr_t)e2e_finish("shared_lib");
#endif
}

int main(int argc, char **argv) {
  depth = e2e_arg(argc, argv, 1, 10000);
  lib_path = argc > 2 ? argv[2] : "";
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

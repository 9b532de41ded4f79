/* Shared helpers for the gostack end-to-end tests.
 *
 * Every e2e program is built twice: with plain clang (the reference) and with gostack-clang.
 * Both builds must print the same thing on STDOUT. gostack-only information (stack statistics)
 * goes to STDERR, under #ifdef __GOSTACK__, and is checked with FileCheck.
 *
 * - The plain build runs deep work on a pthread with a large stack (the default 8 MB would
 *   overflow); the gostack build runs it directly on the calling task (main is task 1 and
 *   starts with a 2 KB stack).
 * - e2e_spawn/e2e_join map to gostack_spawn/gostack_join, and to "run on a big pthread when
 *   joined" in the plain build (the same order of execution: a task runs when it is joined).
 * - E2E_CHECK prints a FAIL line on stdout (so the diff against plain clang fails too) and
 *   makes e2e_finish() return 1.
 */
#ifndef GOSTACK_E2E_H
#define GOSTACK_E2E_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __GOSTACK__
#include <gostack/gostack.h>
#else
#include <pthread.h>
#endif

#ifdef __cplusplus
#define E2E_EXTERN_C extern "C"
#else
#define E2E_EXTERN_C
#endif

#define E2E_NOINLINE __attribute__((noinline))
/* For helpers called in hot loops (checksums, patterns, models): no call, so no function entry
 * and no stack move per call under GOSTACK_MOVESTACK=1, even at -O0. */
#define E2E_INLINE static inline __attribute__((always_inline, unused))
#define E2E_UNUSED __attribute__((unused))

static int e2e_failures;

#define E2E_CHECK(cond)                                                                         \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      e2e_failures++;                                                                           \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                                    \
      fflush(stdout);                                                                           \
    }                                                                                           \
  } while (0)

static E2E_UNUSED int e2e_finish(const char *name) {
  printf("%s: %s\n", name, e2e_failures ? "FAILED" : "ok");
  fflush(stdout);
  return e2e_failures ? 1 : 0;
}

/* An opaque 0 (a volatile global: reading it is not a local's capture). */
static volatile long e2e_zero_v;
#define E2E_ZERO (e2e_zero_v)

/* ---- Frame ballast ---------------------------------------------------------------------------
 * Local arrays that must stay IN THE FRAME, on the task's moving stack, at every -O level, so
 * that moves really copy them and the tests' size assertions hold. The plugin pins (moves off
 * the moving stack) every local whose address may be captured, as LLVM's CaptureTracking sees it:
 * that includes VOLATILE accesses, pointer comparisons, storing the address in a pointer
 * variable (at -O0 every pointer variable lives in memory) and passing it to a call. With
 * constant indices, on the other hand, SROA/GVN dissolve the array at -O2. So a ballast array is
 * only ever touched through these macros: plain stores and loads, at indices offset by an opaque
 * 0, in loops whose trip count the optimizer cannot know.
 *
 * E2E_BALLAST_SET(arr, n, stride, seed): writes every stride-th element of arr[0..n) and the
 * last one, from seed. E2E_BALLAST_CHECK(arr, n, stride, seed, bad): bad += mismatches. */
#define E2E_BALLAST_VAL(arr, i, seed)                                                           \
  ((__typeof__((arr)[0]))((uint64_t)(seed) + (uint64_t)(i) * 0x9e3779b97f4a7c15ull))
/* The whole array is cleared first: under the conservative relocation strategy, stale
 * stack addresses left in uninitialized bytes would make the words around a checked element
 * look like pointers (docs/design.md, "The conservative strategy"). */
#define E2E_BALLAST_SET(arr, n, stride, seed)                                                   \
  do {                                                                                          \
    long z_ = E2E_ZERO, n_ = (long)(n) + z_;                                                    \
    memset(&(arr)[z_], 0, (size_t)n_ * sizeof((arr)[0]));                                      \
    for (long i_ = 0; i_ < n_; i_ += (stride))                                                  \
      (arr)[z_ + i_] = E2E_BALLAST_VAL(arr, i_, seed);                                          \
    (arr)[z_ + n_ - 1] = E2E_BALLAST_VAL(arr, n_ - 1, seed);                                    \
  } while (0)
#define E2E_BALLAST_CHECK(arr, n, stride, seed, bad)                                            \
  do {                                                                                          \
    long z_ = E2E_ZERO, n_ = (long)(n) + z_;                                                    \
    for (long i_ = 0; i_ < n_; i_ += (stride))                                                  \
      if ((arr)[z_ + i_] != E2E_BALLAST_VAL(arr, i_, seed))                                     \
        (bad)++;                                                                                \
    if ((arr)[z_ + n_ - 1] != E2E_BALLAST_VAL(arr, n_ - 1, seed))                               \
      (bad)++;                                                                                  \
  } while (0)

/* argv[i] as a positive long, or dflt. */
static E2E_UNUSED long e2e_arg(int argc, char **argv, int i, long dflt) {
  if (i < argc) {
    long v = strtol(argv[i], NULL, 10);
    if (v > 0)
      return v;
  }
  return dflt;
}

static E2E_UNUSED long e2e_max(long a, long b) { return a > b ? a : b; }

/* 1 when the run forces a stack move at every instrumented entry (lit --param movestack=1). */
static E2E_UNUSED int e2e_movestack(void) {
  const char *s = getenv("GOSTACK_MOVESTACK");
  return s && s[0] == '1';
}

/* Cheap deterministic mixing for checksums. */
E2E_INLINE uint64_t e2e_mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  return h * 0xff51afd7ed558ccdull;
}

/* Recursion n frames deep with a little ballast in each frame: grows the stack (and under
 * movestack moves it at every level). Ballast that changed under a move adds to *bad. */
E2E_NOINLINE static E2E_UNUSED uint64_t e2e_grow(long n, uint64_t h, long *bad) {
  uint64_t pad[2]; /* frame ballast */
  E2E_BALLAST_SET(pad, 2, 1, h ^ (uint64_t)n);
  uint64_t r = n ? e2e_grow(n - 1, e2e_mix(h, (uint64_t)n), bad) : h;
  E2E_BALLAST_CHECK(pad, 2, 1, h ^ (uint64_t)n, *bad);
  return r ^ (uint64_t)n;
}

/* ---- Running deep work ---------------------------------------------------------------------- */

#define E2E_PLAIN_STACK ((size_t)1 << 30) /* 1 GB reserved (lazily committed) for plain runs */

#ifndef __GOSTACK__
typedef struct e2e_task {
  void *(*fn)(void *);
  void *arg;
} e2e_task;

static E2E_UNUSED void *e2e_on_big_pthread(void *(*fn)(void *), void *arg) {
  pthread_attr_t attr;
  pthread_t th;
  void *res = NULL;
  pthread_attr_init(&attr);
  if (pthread_attr_setstacksize(&attr, E2E_PLAIN_STACK) != 0 ||
      pthread_create(&th, &attr, fn, arg) != 0) {
    fprintf(stderr, "e2e: cannot create a big-stack thread\n");
    exit(99);
  }
  pthread_join(th, &res);
  pthread_attr_destroy(&attr);
  return res;
}
#endif

/* Runs fn(arg) where deep recursion is allowed: on the current task (gostack) or on a
 * big-stack thread (plain). */
static E2E_UNUSED void *e2e_run_deep(void *(*fn)(void *), void *arg) {
#ifdef __GOSTACK__
  return fn(arg);
#else
  return e2e_on_big_pthread(fn, arg);
#endif
}

#ifdef __GOSTACK__
typedef gostack_task e2e_task_t;
static E2E_UNUSED e2e_task_t *e2e_spawn(void *(*fn)(void *), void *arg) {
  return gostack_spawn(fn, arg);
}
static E2E_UNUSED void *e2e_join(e2e_task_t *t) { return gostack_join(t); }
#else
typedef e2e_task e2e_task_t;
static E2E_UNUSED e2e_task_t *e2e_spawn(void *(*fn)(void *), void *arg) {
  e2e_task_t *t = (e2e_task_t *)malloc(sizeof *t);
  t->fn = fn;
  t->arg = arg;
  return t;
}
static E2E_UNUSED void *e2e_join(e2e_task_t *t) {
  void *r = e2e_on_big_pthread(t->fn, t->arg);
  free(t);
  return r;
}
#endif

/* ---- gostack statistics (stderr only) ------------------------------------------------------- */

#ifdef __GOSTACK__
static E2E_UNUSED gostack_stack_info e2e_info(void) {
  gostack_stack_info i;
  memset(&i, 0, sizeof i);
  gostack_stack_info_get(&i);
  return i;
}

/* One line, "<tag>: task=<id> initial=<n> size=<n> max=<n> growths=<n> moves=<n> links=<n>"
 * (links: segments linked for callbacks from uninstrumented code). */
static E2E_UNUSED void e2e_print_info(const char *tag, gostack_stack_info i) {
  fprintf(stderr,
          "%s: task=%llu initial=%zu size=%zu max=%zu growths=%llu moves=%llu links=%llu\n", tag,
          (unsigned long long)i.task_id, i.initial_size, i.size, i.max_size,
          (unsigned long long)i.growths, (unsigned long long)i.moves,
          (unsigned long long)i.segment_links);
}
#endif

/* Recursion n frames deep (one ballast word each) that runs bottom(arg) in its deepest frame:
 * puts a task's work at a chosen distance from the end of its stack. Returns what bottom
 * returned, or 0 if a frame's ballast changed. */
E2E_NOINLINE static E2E_UNUSED long e2e_descend(long n, long (*bottom)(long), long arg) {
  long pad[1]; /* frame ballast */
  long bad = 0;
  E2E_BALLAST_SET(pad, 1, 1, n);
  long r = n == 0 ? bottom(arg) : e2e_descend(n - 1, bottom, arg);
  E2E_BALLAST_CHECK(pad, 1, 1, n, bad);
  return bad ? 0 : r;
}

/* How close to the end of its stack a task makes its calls: E2E_NOTE_LEFT() records the distance
 * from its frame to the low end of the task's stack (about what a call made right there has
 * left); e2e_min_left is the smallest seen. Nothing in the plain build. */
#ifdef __GOSTACK__
static E2E_UNUSED size_t e2e_min_left = (size_t)-1;
E2E_NOINLINE static E2E_UNUSED void e2e_note_left(void) {
  gostack_stack_info i = e2e_info();
  uintptr_t fa = (uintptr_t)__builtin_frame_address(0);
  if (fa > i.lo && fa - i.lo < e2e_min_left)
    e2e_min_left = fa - i.lo;
}
#define E2E_NOTE_LEFT() e2e_note_left()
#else
#define E2E_NOTE_LEFT() ((void)0)
#endif

/* A qsort/bsearch comparator for ints that now and then needs much more stack than a task has
 * (a 40-deep recursion with frame ballast), so it grows from inside the C library's frames.
 * e2e_cmp_calls counts its calls, e2e_helper_bad ballast that changed. */
static E2E_UNUSED long e2e_cmp_calls, e2e_helper_bad;
E2E_NOINLINE static E2E_UNUSED long e2e_helper(long n) {
  long pad[6]; /* frame ballast */
  E2E_BALLAST_SET(pad, 6, 1, n);
  long r = n ? e2e_helper(n - 1) + 1 : 0;
  E2E_BALLAST_CHECK(pad, 6, 1, n, e2e_helper_bad);
  return r;
}
static E2E_UNUSED int e2e_cmp_int_growing(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  e2e_cmp_calls++;
  if (((x ^ y) & 63) == 0 && e2e_helper(40) != 40)
    e2e_helper_bad++;
  return (x > y) - (x < y);
}

/* Prints the task's stack statistics and whether it grew, on stderr (gostack builds only:
 * stdout stays comparable with plain clang). */
static E2E_UNUSED void e2e_report_growth(const char *tag) {
#ifdef __GOSTACK__
  gostack_stack_info i = e2e_info();
  e2e_print_info(tag, i);
  fprintf(stderr, "%s: grew=%d\n", tag, i.growths > 0);
#else
  (void)tag;
#endif
}

#endif /* GOSTACK_E2E_H */

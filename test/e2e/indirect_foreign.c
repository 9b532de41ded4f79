// Indirect calls decided at run time (docs/design.md, "Foreign calls"). Every call below goes
// through a function pointer the optimizer cannot see through, at every -O level:
//  - C library functions (printf and snprintf, variadic; qsort with an instrumented comparator;
//    strtod; getenv; puts) from tasks that have used almost all of their 2 KB: they must run on
//    the system stack (printf alone needs more than the whole task stack);
//  - instrumented functions, also a variadic one (its unchecked entry is in the function table):
//    they must be called directly, on the task stack, which starts at 2 KB and grows under them
//    (if they ran on the system stack, nothing would grow);
//  - one call site whose target alternates between foreign and instrumented functions (both
//    per-site caches and the run-time question, over and over);
//  - a value-returning variadic instrumented function (with stack maps it always takes the
//    system stack: correct, just not on the task stack).
// Output must match plain clang at -O0 and -O2; growth statistics go to stderr.
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: env GOSTACK_E2E_VAR=indirect %t.p0 > %t.p0.out
// RUN: env GOSTACK_E2E_VAR=indirect %t.p2 > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: env GOSTACK_E2E_VAR=indirect %t.g0 > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: env GOSTACK_E2E_VAR=indirect %t.g2 > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p2.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: main: printf through a pointer 3.14159 [indirect]
// OUT: task d=0: printf 42 -7 3.142 1.000000e+100 2.5000000000 ff [  left] %
// OUT-NEXT: task d=0: puts
// OUT-NEXT: task d=0: [snprintf 1234567.891 x=17] [strtod 6.25e-05] [getenv indirect] [qsort ok] [mixed 4938604] [vret 28]
// OUT: task d=39: printf 42 -7 3.142 1.000000e+100 2.5000000000 ff [  left] %
// OUT-NEXT: task d=39: puts
// OUT-NEXT: task d=39: [snprintf 1234567.891 x=17] [strtod 6.25e-05] [getenv indirect] [qsort ok] [mixed 4938604] [vret 28]
// OUT-NEXT: all 40 tasks ok
// OUT-NEXT: pointer recursion: [[H:[0-9a-f]+]] bad=0
// OUT-NEXT: variadic pointer recursion: [[V:[0-9a-f]+]]
// OUT-NEXT: indirect_foreign: ok
//
// The foreign calls were made with less than 2 KB left in some task (4 KB under
// GOSTACK_MOVESTACK=1, see libc_little_stack.c); every task started with 2 KB. The recursions
// through pointers ran on a task that started with 2 KB and grew while they ran.
// STATS: ptr: task={{[0-9]+}} initial=2048 {{.*}}
// STATS-NEXT: ptr: grew=1
// STATS: vptr: task={{[0-9]+}} initial=2048 {{.*}}
// STATS-NEXT: vptr: grew=1
// STATS: indirect: min_left_small=1 all_initial_2048=1

#include "Inputs/e2e.h"

#include <stdarg.h>

#define NTASKS 40

typedef struct fn_table {
  int (*printf_)(const char *, ...);
  int (*snprintf_)(char *, size_t, const char *, ...);
  void (*qsort_)(void *, size_t, size_t, int (*)(const void *, const void *));
  double (*strtod_)(const char *, char **);
  char *(*getenv_)(const char *);
  int (*puts_)(const char *);
  int (*mixed[3])(const char *);
  uint64_t (*step)(long, uint64_t, long *);
  void (*vstep)(uint64_t *, int, ...);
  long (*vret)(int, ...);
} fn_table;

static fn_table table;
/* Read through a volatile pointer: the optimizer cannot know any target. */
static fn_table *volatile T = &table;



/* Instrumented targets of the mixed call site: digit sums, one of them recursive. */
static int digits_rec(const char *s) { return *s ? (*s - '0') + digits_rec(s + 1) : 0; }
static int digits_twice(const char *s) { return 2 * digits_rec(s); }

/* Instrumented recursion through the table: every level is an indirect call. */
static uint64_t ptr_step(long n, uint64_t h, long *bad) {
  uint64_t pad[4]; /* frame ballast */
  E2E_BALLAST_SET(pad, 4, 1, h ^ (uint64_t)n);
  uint64_t r = n ? T->step(n - 1, e2e_mix(h, (uint64_t)n), bad) : h;
  E2E_BALLAST_CHECK(pad, 4, 1, h ^ (uint64_t)n, *bad);
  return r ^ (uint64_t)n;
}

/* The same through a variadic function: the pointer is its unchecked entry. */
static void vstep(uint64_t *acc, int n, ...) {
  va_list ap;
  va_start(ap, n);
  long a = va_arg(ap, long);
  double b = va_arg(ap, double);
  va_end(ap);
  uint64_t pad[8]; /* frame ballast */
  long bad = 0;
  E2E_BALLAST_SET(pad, 8, 1, (uint64_t)a);
  *acc = e2e_mix(*acc, (uint64_t)a + (uint64_t)(b * 8));
  if (n)
    T->vstep(acc, n - 1, a + 3, b * 0.5 + 1);
  E2E_BALLAST_CHECK(pad, 8, 1, (uint64_t)a, bad);
  if (bad)
    *acc = 0;
}

static long vret(int n, ...) {
  va_list ap;
  va_start(ap, n);
  long s = 0;
  for (int i = 0; i < n; i++)
    s += va_arg(ap, long);
  va_end(ap);
  return s;
}

#ifdef __GOSTACK__
static int all_initial = 1;
#endif

E2E_NOINLINE static long batch(long d) {
  int ok = 1;
  E2E_NOTE_LEFT();
  T->printf_("task d=%ld: printf %d %ld %.3f %e %.10Lf %x [%6s] %%\n", d, 42, -7L, 3.14159265,
             1e100, 2.5L, 255, "left");
  E2E_NOTE_LEFT();
  char line[64];
  T->snprintf_(line, sizeof line, "task d=%ld: puts", d);
  T->puts_(line);

  char buf[64];
  E2E_NOTE_LEFT();
  int n = T->snprintf_(buf, sizeof buf, "%.3f x=%d", 1234567.891, 17);
  ok &= n == (int)strlen("1234567.891 x=17");

  E2E_NOTE_LEFT();
  double v = T->strtod_("6.25e-5", NULL);
  ok &= v == 6.25e-5;

  E2E_NOTE_LEFT();
  const char *env = T->getenv_("GOSTACK_E2E_VAR");

  int arr[100];
  for (int i = 0; i < 100; i++)
    arr[i] = (int)((i * 7919 + d * 31) % 1000);
  E2E_NOTE_LEFT();
  T->qsort_(arr, 100, sizeof arr[0], e2e_cmp_int_growing);
  int sorted = 1;
  for (int i = 1; i < 100; i++)
    sorted &= arr[i - 1] <= arr[i];

  /* One call site, three targets in turn: atoi (foreign), then two instrumented ones. */
  long mixed = 0;
  for (int i = 0; i < 12; i++) {
    E2E_NOTE_LEFT();
    mixed += T->mixed[i % 3]("1234567");
  }

  E2E_NOTE_LEFT();
  long vr = T->vret(7, 1L, 2L, 3L, 4L, 5L, 6L, 7L);

  T->printf_("task d=%ld: [snprintf %s] [strtod %g] [getenv %s] [qsort %s] [mixed %ld] [vret %ld]\n",
             d, buf, v, env ? env : "(null)", sorted ? "ok" : "BAD", mixed, vr);
  return ok && sorted && e2e_helper_bad == 0;
}

static void *task_fn(void *p) {
  long d = (long)(intptr_t)p;
  int ok = e2e_descend(d, batch, d) != 0;
#ifdef __GOSTACK__
  all_initial &= e2e_info().initial_size == 2048;
#endif
  return (void *)(intptr_t)ok;
}

typedef struct rec_result {
  uint64_t h, v;
  long bad;
} rec_result;

/* Each recursion on a fresh task: the stack grows from 2 KB under indirect calls. */
static void *rec_task(void *p) {
  rec_result *r = p;
  r->h = T->step(e2e_movestack() ? 300 : 3000, 1, &r->bad);
  e2e_report_growth("ptr"); /* a fresh task: any growth happened here */
  return NULL;
}

static void *vrec_task(void *p) {
  rec_result *r = p;
  r->v = 7;
  T->vstep(&r->v, e2e_movestack() ? 100 : 600, 5L, 1.5);
  e2e_report_growth("vptr"); /* a fresh task: any growth happened here */
  return NULL;
}

int main(void) {
  table = (fn_table){printf, snprintf, qsort, strtod, getenv, puts, {atoi, digits_rec, digits_twice},
                     ptr_step, vstep, vret};
  T->printf_("main: printf through a pointer %.5f [%s]\n", 3.14159265, T->getenv_("GOSTACK_E2E_VAR"));
  int all = 1;
  for (long d = 0; d < NTASKS; d++) {
    e2e_task_t *t = e2e_spawn(task_fn, (void *)(intptr_t)d);
    all &= (int)(intptr_t)e2e_join(t);
  }
  printf("all %d tasks %s\n", NTASKS, all ? "ok" : "BAD");
  E2E_CHECK(all);
  E2E_CHECK(e2e_helper_bad == 0 && e2e_cmp_calls > 0);

  /* The recursions get tasks of their own: each starts at 2 KB. */
  rec_result r = {0, 0, 0};
  e2e_join(e2e_spawn(rec_task, &r));
  e2e_join(e2e_spawn(vrec_task, &r));
  printf("pointer recursion: %llx bad=%ld\n", (unsigned long long)r.h, r.bad);
  printf("variadic pointer recursion: %llx\n", (unsigned long long)r.v);
  E2E_CHECK(r.bad == 0 && r.v != 0);
#ifdef __GOSTACK__
  fprintf(stderr, "indirect: min_left=%zu\n", e2e_min_left);
  fprintf(stderr, "indirect: min_left_small=%d all_initial_2048=%d\n",
          e2e_min_left < (e2e_movestack() ? 4096u : 2048u), all_initial);
#endif
  return e2e_finish("indirect_foreign");
}

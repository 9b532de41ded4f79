// C library calls made from a task with little stack left: printf (with floating point, which
// needs a lot of stack inside glibc), puts, snprintf, strtod, getenv, malloc/calloc/realloc/free, and
// qsort/bsearch with comparators in instrumented code (so the comparator runs - and sometimes
// has to grow the stack - while glibc's own, uninstrumented frames sit below it).
// Each of 48 tasks first recurses d = 0..47 small frames, so across the tasks the calls happen
// at every distance from the guard, including just above it.
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: env E2E_LITTLE_STACK_VAR=little %t.p0 > %t.p0.out
// RUN: env E2E_LITTLE_STACK_VAR=little %t.p2 > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: env E2E_LITTLE_STACK_VAR=little %t.g0 > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: env E2E_LITTLE_STACK_VAR=little %t.g2 > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p2.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
//
// OUT: main: hello from a 2 KB stack 3.14159 2.718281828459045
// OUT: task d=0: printf 42 -7 3.142 1.000000e+100 2.5000000000 ff 0755 [  left] [right  ] %
// OUT-NEXT: task d=0: puts
// OUT-NEXT: task d=0: [snprintf 1234567.891 -0.000001 x=17] [strtod 6.25e-05] [malloc ok] [qsort ok] [bsearch ok] [getenv ok]
// OUT: task d=47: printf 42 -7 3.142 1.000000e+100 2.5000000000 ff 0755 [  left] [right  ] %
// OUT-NEXT: task d=47: puts
// OUT-NEXT: task d=47: [snprintf 1234567.891 -0.000001 x=17] [strtod 6.25e-05] [malloc ok] [qsort ok] [bsearch ok] [getenv ok]
// OUT-NEXT: all 48 tasks ok
// OUT-NEXT: libc_little_stack: ok
//
// In at least one task the calls were made with less than 2 KB between the caller's frame and
// the stack's lower end (the guard reserve is 928 B; glibc's printf alone needs more than the
// rest); every task started with 2 KB; some task had to grow its stack. (Under
// GOSTACK_MOVESTACK=1 every entry re-decides the stack size, with growth slack, so tasks never
// get as close to the guard: there the bound is 4 KB.)
// STATS: little: min_left_small=1 all_initial_2048=1 some_grew=1

#include "Inputs/e2e.h"

#define NTASKS 48



#ifdef __GOSTACK__
static int all_initial = 1;
static uint64_t max_growths;
#endif

E2E_NOINLINE static long batch(long d) {
  int ok = 1;
  E2E_NOTE_LEFT();
  printf("task d=%ld: printf %d %ld %.3f %e %.10Lf %x %04o [%6s] [%-7s] %%\n", d, 42, -7L,
         3.14159265, 1e100, 2.5L, 255, 0755, "left", "right");
  E2E_NOTE_LEFT();
  char line[64];
  snprintf(line, sizeof line, "task d=%ld: puts", d);
  puts(line);

  char buf[128];
  E2E_NOTE_LEFT();
  int n = snprintf(buf, sizeof buf, "%.3f %f x=%d", 1234567.891, -0.000001, 17);
  ok &= n == (int)strlen("1234567.891 -0.000001 x=17") &&
        strcmp(buf, "1234567.891 -0.000001 x=17") == 0;

  E2E_NOTE_LEFT();
  double v = strtod("6.25e-5", NULL);
  ok &= v == 6.25e-5;

  E2E_NOTE_LEFT();
  int mok = 1;
  char *blocks[8];
  for (int i = 0; i < 8; i++) {
    size_t sz = (size_t)16 << (i * 2); /* 16 B .. 256 KB */
    blocks[i] = i % 2 ? calloc(1, sz) : malloc(sz);
    mok &= blocks[i] != NULL;
    if (!blocks[i])
      break;
    blocks[i][0] = (char)i;
    blocks[i][sz - 1] = (char)(i + 1);
  }
  if (mok) {
    blocks[3] = realloc(blocks[3], 100000);
    mok &= blocks[3] != NULL && blocks[3][0] == 3;
    for (int i = 0; i < 8; i++)
      free(blocks[i]);
  }
  ok &= mok;

  int arr[200];
  for (int i = 0; i < 200; i++)
    arr[i] = (int)((i * 7919 + d * 31) % 1000);
  E2E_NOTE_LEFT();
  qsort(arr, 200, sizeof arr[0], e2e_cmp_int_growing);
  int sorted = 1;
  for (int i = 1; i < 200; i++)
    sorted &= arr[i - 1] <= arr[i];
  int key = arr[123];
  E2E_NOTE_LEFT();
  int *found = bsearch(&key, arr, 200, sizeof arr[0], e2e_cmp_int_growing);
  int bok = found && *found == key;
  E2E_NOTE_LEFT();
  const char *env = getenv("E2E_LITTLE_STACK_VAR"); // set by the RUN lines
  int eok = env && strcmp(env, "little") == 0 && getenv("E2E_LITTLE_STACK_UNSET") == NULL;

  printf("task d=%ld: [snprintf %s] [strtod %g] [malloc %s] [qsort %s] [bsearch %s] [getenv %s]\n",
         d, buf, v, mok ? "ok" : "BAD", sorted ? "ok" : "BAD", bok ? "ok" : "BAD",
         eok ? "ok" : "BAD");
  return ok && sorted && bok && eok && e2e_helper_bad == 0;
}

static void *task_fn(void *p) {
  long d = (long)(intptr_t)p;
  int ok = e2e_descend(d, batch, d) != 0;
#ifdef __GOSTACK__
  gostack_stack_info i = e2e_info();
  all_initial &= i.initial_size == 2048;
  if (i.growths > max_growths)
    max_growths = i.growths;
#endif
  return (void *)(intptr_t)ok;
}

int main(void) {
  /* The very first calls of main: on main's fresh 2 KB stack. */
  printf("main: hello from a 2 KB stack %.5f %.15f\n", 3.14159265, 2.718281828459045);
  int all = 1;
  for (long d = 0; d < NTASKS; d++) {
    e2e_task_t *t = e2e_spawn(task_fn, (void *)(intptr_t)d);
    all &= (int)(intptr_t)e2e_join(t);
  }
  printf("all %d tasks %s\n", NTASKS, all ? "ok" : "BAD");
  E2E_CHECK(all);
  E2E_CHECK(e2e_helper_bad == 0 && e2e_cmp_calls > 0);
#ifdef __GOSTACK__
  fprintf(stderr, "little: min_left=%zu max_growths=%llu\n", e2e_min_left,
          (unsigned long long)max_growths);
  fprintf(stderr, "little: min_left_small=%d all_initial_2048=%d some_grew=%d\n",
          e2e_min_left < (e2e_movestack() ? 4096u : 2048u), all_initial, max_growths > 0);
#endif
  return e2e_finish("libc_little_stack");
}

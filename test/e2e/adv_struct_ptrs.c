// Adversarial: pointers to locals stored INSIDE other locals -- a struct on the stack whose fields
// point at other locals of the same frame, an array of pointers to locals -- used after a deep
// recursion below the frame (the stack grew and moved); and a linked list of nodes living in the
// frames of a recursion (each node points at its caller's node, and at a local array of its own
// frame) walked from the deepest point, after further growth, and again on the way back up.
// Expected values come from closed-form models.
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
// RUN: %gostack-cc -O1 %s -o %t.g1
// RUN: %gostack-cc -O3 %s -o %t.g3
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: %t.p2 %depth_mid > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g0.err
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p2.out %t.g2.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g2.err
// RUN: %t.g1 %depth_mid > %t.g1.out 2> %t.g1.err
// RUN: diff %t.p2.out %t.g1.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g1.err
// RUN: %t.g3 %depth_mid > %t.g3.out 2> %t.g3.err
// RUN: diff %t.p2.out %t.g3.out
// RUN: FileCheck %s --check-prefix=STATS --input-file=%t.g3.err
//
// OUT: struct: sum=[[A:[0-9]+]] expected=[[A]]
// OUT-NEXT: ptrarray: sum=[[B:[0-9]+]] expected=[[B]]
// OUT-NEXT: list {{[0-9]+}} nodes: deepest walk=[[C:[0-9]+]] expected=[[C]]
// OUT-NEXT: list: walks ok=[[W:[0-9]+]] expected=[[W]]
// OUT-NEXT: bad=0
// OUT-NEXT: adv_struct_ptrs: ok
//
// STATS: structs: task=1 initial=2048
// STATS: structs: grew=1

#include "Inputs/e2e.h"

static long depth;
static long bad;

/* ---- a struct of pointers to other locals ---- */
struct view {
  long *count;
  int *items;
  int nitems;
  struct view *self;
  const char *name;
};

E2E_NOINLINE static long struct_case(void) {
  long count = 0;
  int items[16];
  char name[8];
  memcpy(name, "frame", 6);
  struct view v = {&count, items, 16, NULL, name};
  v.self = &v;
  for (int i = 0; i < 16; i++)
    items[i] = i * i;
  e2e_grow(depth, 3, &bad); /* moves below */
  long sum = 0;
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < v.self->nitems; i++) {
      v.self->items[i] += round;
      sum += v.items[i];
      (*v.count)++;
    }
    e2e_grow(depth / 4, (uint64_t)round, &bad); /* and again, between rounds */
  }
  E2E_CHECK(v.self == &v && v.count == &count && v.items == items && v.name == name);
  E2E_CHECK(strcmp(v.name, "frame") == 0);
  E2E_CHECK(count == 48);
  return sum + count;
}

static long struct_model(void) {
  long sum = 0;
  for (int round = 0; round < 3; round++)
    for (int i = 0; i < 16; i++) {
      /* items[i] = i*i + 0 + 1 + ... + round */
      sum += (long)i * i + (long)round * (round + 1) / 2;
    }
  return sum + 48;
}

/* ---- an array of pointers to locals ---- */
E2E_NOINLINE static long ptrarray_case(void) {
  long a = 1, b = 20, c = 300;
  long arr[4] = {4000, 50000, 600000, 7000000};
  long *ptrs[7] = {&a, &b, &c, &arr[0], &arr[1], &arr[2], &arr[3]};
  long **pp = &ptrs[3];
  e2e_grow(depth, 5, &bad);
  for (int i = 0; i < 7; i++)
    *ptrs[i] += i + 1;
  e2e_grow(depth / 2, 6, &bad);
  **pp += 8; /* arr[0] */
  pp[3][0] += 9; /* arr[3] */
  E2E_CHECK(ptrs[0] == &a && ptrs[2] == &c && ptrs[6] == &arr[3] && pp == &ptrs[3]);
  E2E_CHECK(ptrs[5] - ptrs[3] == 2);
  return a + b + c + arr[0] + arr[1] + arr[2] + arr[3];
}

static long ptrarray_model(void) {
  return 1 + 20 + 300 + 4000 + 50000 + 600000 + 7000000 + (1 + 2 + 3 + 4 + 5 + 6 + 7) + 8 + 9;
}

/* ---- a linked list of frame-resident nodes ---- */
struct node {
  struct node *up;
  long *vals; /* points at this frame's local array */
  long level;
};

static long levels;
static long gap;
static long deepest_walk = -1;
static long walks_ok;

static long walk(struct node *n) {
  long s = 0;
  for (; n; n = n->up)
    s += n->level * 7 + n->vals[0] + n->vals[2];
  return s;
}

static long walk_model(long top_level) {
  long s = 0;
  for (long l = 0; l <= top_level; l++)
    s += l * 7 + l + (l + 2);
  return s;
}

E2E_NOINLINE static void list_rec(long level, struct node *up) {
  long vals[3] = {level, level + 1, level + 2};
  struct node me = {up, vals, level};
  e2e_grow(gap, (uint64_t)level, &bad); /* moves while the list above is live */
  if (walk(&me) == walk_model(level))
    walks_ok++;
  if (level < levels)
    list_rec(level + 1, &me);
  else {
    e2e_grow(gap * 4, 1, &bad); /* deepest point: grow more, then walk the whole list */
    deepest_walk = walk(&me);
  }
  if (walk(&me) == walk_model(level)) /* on the way up, after all the moves below */
    walks_ok++;
  E2E_CHECK(me.vals == vals && me.up == up);
}

static void *body(void *unused) {
  (void)unused;
  long s = struct_case();
  long se = struct_model();
  printf("struct: sum=%ld expected=%ld\n", s, se);
  E2E_CHECK(s == se);
  long p = ptrarray_case();
  long pe = ptrarray_model();
  printf("ptrarray: sum=%ld expected=%ld\n", p, pe);
  E2E_CHECK(p == pe);
  list_rec(0, NULL);
  printf("list %ld nodes: deepest walk=%ld expected=%ld\n", levels + 1, deepest_walk,
         walk_model(levels));
  E2E_CHECK(deepest_walk == walk_model(levels));
  printf("list: walks ok=%ld expected=%ld\n", walks_ok, 2 * (levels + 1));
  E2E_CHECK(walks_ok == 2 * (levels + 1));
  printf("bad=%ld\n", bad);
  E2E_CHECK(bad == 0);
  e2e_report_growth("structs");
  return (void *)(intptr_t)e2e_finish("adv_struct_ptrs");
}

int main(int argc, char **argv) {
  long d = e2e_arg(argc, argv, 1, 100000);
  /* 100000 -> 10000-level recursions, a 200-node list with 100 levels between nodes;
   * movestack (2000) -> 200, 40 nodes x 20. */
  depth = e2e_max(d / 10, 200);
  levels = e2e_max(d / 500, 40);
  gap = e2e_max(d / 1000, 20);
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

// The process boundary of a program whose main runs as a task: argc/argv/envp arrive intact;
// main's return value becomes the exit status; exit() called deep in a recursion (on a grown
// stack) exits with its status, flushes stdio and runs the atexit handlers (registered at
// different depths, run in reverse order, themselves recursing).
//
// RUN: %plain-cc -O0 %s -o %t.p0
// RUN: %plain-cc -O2 %s -o %t.p2
// RUN: %gostack-cc -O0 %s -o %t.g0
// RUN: %gostack-cc -O2 %s -o %t.g2
//
// `return` from main after deep recursion: status 7.
// RUN: env E2E_ONE=1 "E2E_TWO=two words" sh -c '"$0" return %depth_mid "a b" "" c; echo "status=$?"' %t.p0 > %t.ret.p0
// RUN: env E2E_ONE=1 "E2E_TWO=two words" sh -c '"$0" return %depth_mid "a b" "" c; echo "status=$?"' %t.p2 > %t.ret.p2
// RUN: env E2E_ONE=1 "E2E_TWO=two words" sh -c '"$0" return %depth_mid "a b" "" c; echo "status=$?"' %t.g0 > %t.ret.g0
// RUN: env E2E_ONE=1 "E2E_TWO=two words" sh -c '"$0" return %depth_mid "a b" "" c; echo "status=$?"' %t.g2 > %t.ret.g2
// RUN: FileCheck %s --check-prefixes=COMMON,RET --input-file=%t.ret.p0
// RUN: diff %t.ret.p0 %t.ret.p2
// RUN: diff %t.ret.p0 %t.ret.g0
// RUN: diff %t.ret.p0 %t.ret.g2
//
// exit(42) at depth.
// RUN: env E2E_ONE=1 "E2E_TWO=two words" sh -c '"$0" exit %depth_mid "a b" "" c; echo "status=$?"' %t.p0 > %t.exit.p0
// RUN: env E2E_ONE=1 "E2E_TWO=two words" sh -c '"$0" exit %depth_mid "a b" "" c; echo "status=$?"' %t.p2 > %t.exit.p2
// RUN: env E2E_ONE=1 "E2E_TWO=two words" sh -c '"$0" exit %depth_mid "a b" "" c; echo "status=$?"' %t.g0 > %t.exit.g0
// RUN: env E2E_ONE=1 "E2E_TWO=two words" sh -c '"$0" exit %depth_mid "a b" "" c; echo "status=$?"' %t.g2 > %t.exit.g2
// RUN: FileCheck %s --check-prefixes=COMMON,EXIT --input-file=%t.exit.p0
// RUN: diff %t.exit.p0 %t.exit.p2
// RUN: diff %t.exit.p0 %t.exit.g0
// RUN: diff %t.exit.p0 %t.exit.g2
//
// No arguments at all (argc == 1), status 0.
// RUN: %t.p0 > %t.none.p0
// RUN: %t.g2 > %t.none.g2
// RUN: diff %t.none.p0 %t.none.g2
// RUN: FileCheck %s --check-prefix=NONE --input-file=%t.none.p0
//
// COMMON: argc=6
// COMMON-NEXT: argv[1]=[{{return|exit}}]
// COMMON-NEXT: argv[2]=[{{[0-9]+}}]
// COMMON-NEXT: argv[3]=[a b]
// COMMON-NEXT: argv[4]=[]
// COMMON-NEXT: argv[5]=[c]
// COMMON-NEXT: argv[6]=NULL
// COMMON-NEXT: env E2E_ONE=1
// COMMON-NEXT: env E2E_TWO=two words
// COMMON-NEXT: envp==environ: 1
// COMMON-NEXT: recursion: ok
// RET-NEXT: returning 7
// RET-NEXT: atexit 3 (depth {{[0-9]+}}) ok
// RET-NEXT: atexit 2 (depth {{[0-9]+}}) ok
// RET-NEXT: atexit 1 (depth {{[0-9]+}}) ok
// RET-NEXT: status=7
// EXIT-NEXT: exiting with 42 from depth {{[0-9]+}} (unflushed)
// EXIT-NEXT: atexit 3 (depth {{[0-9]+}}) ok
// EXIT-NEXT: atexit 2 (depth {{[0-9]+}}) ok
// EXIT-NEXT: atexit 1 (depth {{[0-9]+}}) ok
// EXIT-NEXT: status=42
//
// NONE: argc=1
// NONE-NEXT: argv[1]=NULL
// NONE-NEXT: recursion: ok
// NONE-NEXT: returning 0

#include <unistd.h>

#include "Inputs/e2e.h"

extern char **environ;

static long depth = 1000;
static const char *mode = "";

E2E_NOINLINE static uint64_t rec(long n, uint64_t h) {
  uint64_t pad[2]; /* frame ballast (e2e.h) */
  long bad = 0;
  E2E_BALLAST_SET(pad, 2, 1, h ^ (uint64_t)n);
  uint64_t r = n ? rec(n - 1, e2e_mix(h, (uint64_t)n)) : h;
  E2E_BALLAST_CHECK(pad, 2, 1, h ^ (uint64_t)n, bad);
  return r ^ h ^ ((uint64_t)n & 1) ^ (uint64_t)bad;
}

static uint64_t model(long depth, uint64_t h) {
  uint64_t acc = 0;
  for (long n = depth; n >= 0; n--) {
    acc ^= h ^ ((uint64_t)n & 1);
    if (n)
      h = e2e_mix(h, (uint64_t)n);
  }
  return acc ^ h;
}

static void handler_body(int k) {
  int ok = rec(depth / 10, (uint64_t)k) == model(depth / 10, (uint64_t)k);
  printf("atexit %d (depth %ld) %s\n", k, depth / 10, ok ? "ok" : "BAD");
}
static void h1(void) { handler_body(1); }
static void h2(void) { handler_body(2); }
static void h3(void) { handler_body(3); }

/* Registers handlers at different depths, exits from the deepest point in "exit" mode. */
E2E_NOINLINE static long dive(long n) {
  long pad[1]; /* frame ballast (e2e.h) */
  long bad = 0;
  E2E_BALLAST_SET(pad, 1, 1, n);
  if (n == depth / 2)
    atexit(h2);
  if (n == depth) {
    atexit(h3);
    if (strcmp(mode, "exit") == 0) {
      /* stdout is a file here, so fully buffered, and nothing flushes it: exit() must. */
      printf("exiting with 42 from depth %ld (unflushed)", n);
      printf("\n");
      exit(42);
    }
    return n;
  }
  long r = dive(n + 1);
  E2E_BALLAST_CHECK(pad, 1, 1, n, bad);
  return r + bad;
}

int main(int argc, char **argv, char **envp) {
  atexit(h1);
  printf("argc=%d\n", argc);
  for (int i = 1; i <= argc; i++) {
    if (argv[i])
      printf("argv[%d]=[%s]\n", i, argv[i]);
    else
      printf("argv[%d]=NULL\n", i);
  }
  if (argc > 1) {
    mode = argv[1];
    /* main runs on the plain build's 8 MB system stack: 100000 -> 10000 levels. */
    depth = e2e_arg(argc, argv, 2, 10000) / 10;
    for (char **e = envp; *e; e++)
      if (strncmp(*e, "E2E_", 4) == 0)
        printf("env %s\n", *e);
    printf("envp==environ: %d\n", envp == environ);
  }
  int ok = rec(depth, 3) == model(depth, 3) && argv[0] != NULL && argv[argc] == NULL;
  printf("recursion: %s\n", ok ? "ok" : "BAD");
  if (argc > 1)
    dive(0);
  int status = argc > 1 ? 7 : 0;
  if (strcmp(mode, "exit") == 0)
    status = 99; /* not reached */
  printf("returning %d\n", status);
  return status;
}

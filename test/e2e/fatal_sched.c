// Misuse of the task API is a gostack fatal error with the task named: a task joining itself,
// joining a task started with gostack_go (detached: it frees itself), and gostack_park from a
// thread that is not a task (main with GOSTACK_MAIN_TASK=0). Exit status 2; nothing after the
// error runs. argv[1] picks the error.
//
// RUN: %gostack-cc -O2 -g %s -o %t
// RUN: not %t self > %t.self.out 2> %t.self.err
// RUN: FileCheck %s --check-prefix=SELF --input-file=%t.self.err
// RUN: FileCheck %s --check-prefix=STDOUT --input-file=%t.self.out
// RUN: sh -c '"$0" self >/dev/null 2>&1; test $? -eq 2' %t
// RUN: not %t detached 2> %t.det.err
// RUN: FileCheck %s --check-prefix=DETACHED --input-file=%t.det.err
// RUN: env GOSTACK_MAIN_TASK=0 not %t park 2> %t.park.err
// RUN: FileCheck %s --check-prefix=PARK --input-file=%t.park.err
// RUN: sh -c 'GOSTACK_MAIN_TASK=0 "$0" park >/dev/null 2>&1; test $? -eq 2' %t
//
// STDOUT: fatal_sched: about to fail
// STDOUT-NOT: survived
// SELF: gostack: fatal: gostack_join (task {{[0-9]+}}): a task cannot join itself
// SELF: backtrace:
// DETACHED: gostack: fatal: gostack_join (task {{[0-9]+}}): the task was started with gostack_go and cannot be joined
// PARK: gostack: fatal: gostack_park (task 0): called from a thread that is not a task

#include <gostack/gostack.h>

#include <stdio.h>
#include <string.h>

static void *join_self(void *arg) {
  (void)arg;
  gostack_join(gostack_self());
  return NULL;
}

static gostack_task *detached_self;

static void park_forever(void *arg) {
  (void)arg;
  __atomic_store_n(&detached_self, gostack_self(), __ATOMIC_RELEASE);
  gostack_park(); // alive (parked) while main misuses its handle
}

int main(int argc, char **argv) {
  const char *what = argc > 1 ? argv[1] : "";
  printf("fatal_sched: about to fail\n");
  fflush(stdout);
  if (!strcmp(what, "self")) {
    gostack_join(gostack_spawn(join_self, NULL));
  } else if (!strcmp(what, "detached")) {
    gostack_go(park_forever, NULL);
    while (!__atomic_load_n(&detached_self, __ATOMIC_ACQUIRE))
      gostack_yield();
    gostack_join(detached_self);
  } else if (!strcmp(what, "park")) {
    gostack_park();
  }
  printf("survived\n");
  return 0;
}

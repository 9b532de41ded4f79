// Misuse of channels, select, WaitGroup and Mutex is a gostack fatal error (as Go panics or
// throws): closing a closed channel (the message names the channel), a blocking select with no
// usable case (Go would block forever), a negative WaitGroup counter, unlocking an unlocked
// mutex. Each is reported from a task other than main, with the exit status 2; nothing after it
// runs. argv[1] picks the error.
//
// RUN: %gostack-cc -O0 -g %s -o %t.g0
// RUN: %gostack-cc -O2 -g %s -o %t.g2
// RUN: not %t.g0 close > %t.close.out 2> %t.close.err
// RUN: FileCheck %s --check-prefix=CLOSE --input-file=%t.close.err
// RUN: FileCheck %s --check-prefix=STDOUT --input-file=%t.close.out
// RUN: sh -c '"$0" close >/dev/null 2>&1; test $? -eq 2' %t.g0
// RUN: not %t.g2 close 2> %t.close2.err
// RUN: FileCheck %s --check-prefix=CLOSE --input-file=%t.close2.err
// RUN: sh -c '"$0" close >/dev/null 2>&1; test $? -eq 2' %t.g2
// RUN: env GOSTACK_SYMBOLIZE=1 not %t.g0 close 2> %t.sym.err
// RUN: FileCheck %s --check-prefix=SYM --input-file=%t.sym.err
// RUN: not %t.g2 select > %t.select.out 2> %t.select.err
// RUN: FileCheck %s --check-prefix=SELECT --input-file=%t.select.err
// RUN: FileCheck %s --check-prefix=STDOUT --input-file=%t.select.out
// RUN: not %t.g0 select-nil 2> %t.selnil.err
// RUN: FileCheck %s --check-prefix=SELECT --input-file=%t.selnil.err
// RUN: not %t.g2 waitgroup 2> %t.wg.err
// RUN: FileCheck %s --check-prefix=WG --input-file=%t.wg.err
// RUN: sh -c '"$0" waitgroup >/dev/null 2>&1; test $? -eq 2' %t.g2
// RUN: not %t.g0 unlock 2> %t.unlock.err
// RUN: FileCheck %s --check-prefix=UNLOCK --input-file=%t.unlock.err
// RUN: sh -c '"$0" unlock >/dev/null 2>&1; test $? -eq 2' %t.g0
//
// STDOUT: fatal_chan: about to fail
// STDOUT-NOT: survived
//
// CLOSE: gostack: fatal: close of closed channel 0x{{[0-9a-f]+}} (elem_size 8, cap 2)
// CLOSE: backtrace:
// CLOSE-NEXT: {{^ *}}#0 {{(0x)?[0-9a-f]+}}
// CLOSE-NOT: survived
// The backtrace reaches the user's frames through the runtime's.
// SYM: gostack: fatal: close of closed channel
// SYM: backtrace:
// SYM: {{^ *}}#{{[0-9]+}} {{.*}}gostack_chan_close
// SYM: {{^ *}}#{{[0-9]+}} {{.*}}close_twice
//
// SELECT: gostack: fatal: select with no cases would block forever
// WG: gostack: fatal: negative WaitGroup counter (WaitGroup 0x{{[0-9a-f]+}}, counter -1)
// UNLOCK: gostack: fatal: unlock of unlocked mutex (gostack_mutex 0x{{[0-9a-f]+}})

#include "Inputs/e2e.h"

E2E_NOINLINE static void close_twice(void) {
  gostack_chan *c = gostack_chan_make(sizeof(uint64_t), 2);
  gostack_chan_close(c);
  gostack_chan_close(c);
}

static void *fail(void *p) {
  const char *what = p;
  printf("fatal_chan: about to fail\n");
  fflush(stdout);
  if (!strcmp(what, "close")) {
    close_twice();
  } else if (!strcmp(what, "select")) {
    gostack_select(NULL, 0, true);
  } else if (!strcmp(what, "select-nil")) {
    uint64_t v;
    gostack_select_case cs[2] = {{NULL, GOSTACK_SELECT_RECV, &v, false},
                                 {NULL, GOSTACK_SELECT_SEND, &v, false}};
    gostack_select(cs, 2, true);
  } else if (!strcmp(what, "waitgroup")) {
    gostack_waitgroup wg = GOSTACK_WAITGROUP_INIT;
    gostack_waitgroup_add(&wg, 2);
    gostack_waitgroup_done(&wg);
    gostack_waitgroup_done(&wg);
    gostack_waitgroup_done(&wg);
  } else if (!strcmp(what, "unlock")) {
    gostack_mutex mu = GOSTACK_MUTEX_INIT;
    gostack_mutex_lock(&mu);
    gostack_mutex_unlock(&mu);
    gostack_mutex_unlock(&mu);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2)
    return 1;
  gostack_join(gostack_spawn(fail, argv[1]));
  printf("fatal_chan: survived\n");
  return 0;
}

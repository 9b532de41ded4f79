// Signals during growth storms: SIGALRM from an interval timer (every 80 us) and SIGUSR1 sent
// with pthread_kill from a plain pthread keep interrupting tasks that recurse deep over and
// over (their stacks grow, and under movestack move at every call), so handlers interrupt
// prologues, __morestack and copystack on the system stack. The handlers are instrumented:
// they recurse a few levels, call snprintf (a foreign call) and count. They must run on the
// thread's alternate signal stack, which the runtime installs (the gostack build neither calls
// sigaltstack nor asks for SA_ONSTACK; the plain build does both, so the output is the same),
// their foreign calls must run in place there (sigaltstack reports SS_ONSTACK), and the
// recursion checksums must be unaffected.
//
// RUN: %plain-cc -O0 %s -o %t.p0 -lpthread
// RUN: %plain-cc -O2 %s -o %t.p2 -lpthread
// RUN: %gostack-cc -O0 %s -o %t.g0 -lpthread
// RUN: %gostack-cc -O2 %s -o %t.g2 -lpthread
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
//
// OUT: storm: checksum={{[0-9a-f]+}} bad=0
// OUT-NEXT: alarms: ran=1 on_altstack=1
// OUT-NEXT: usr1: ran=1 on_altstack=1
// OUT-NEXT: signal_storm: ok
// STATS: storm: task={{[0-9]+}} initial=2048
// STATS: storm: grew=1

#define _GNU_SOURCE // pthread_attr_setsigmask_np
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "Inputs/e2e.h"

#define NTASKS 6
#define ROUNDS 12
// The storm goes on until each handler ran this often (or the deadline passes: then FAIL).
#define MIN_ALARMS 20
#define MIN_USR1 10
#define DEADLINE_S 60

static long depth;
static volatile sig_atomic_t alarms, usr1s, off_altstack, handler_bad;
static volatile sig_atomic_t stop_sender;
static char sbuf[64];
static pthread_t target; // the thread that runs the tasks

// A handler frame must be on the alternate stack, and so must the foreign call it makes:
// sigaltstack's SS_ONSTACK is the kernel's view of the SP at the system call.
E2E_NOINLINE static void check_on_altstack(void) {
  stack_t ss;
  uintptr_t fa = (uintptr_t)__builtin_frame_address(0);
  if (sigaltstack(NULL, &ss) != 0 || !(ss.ss_flags & SS_ONSTACK) ||
      fa - (uintptr_t)ss.ss_sp >= ss.ss_size)
    off_altstack++;
}

E2E_NOINLINE static long handler_work(int n, int sig) {
  long pad[4]; /* frame ballast (e2e.h) */
  E2E_BALLAST_SET(pad, 4, 1, n + sig);
  long r;
  if (n == 0) {
    check_on_altstack();
    r = snprintf(sbuf, sizeof sbuf, "signal %d after %d alarms", sig, (int)alarms);
  } else {
    r = handler_work(n - 1, sig) + n;
  }
  long bad = 0;
  E2E_BALLAST_CHECK(pad, 4, 1, n + sig, bad);
  if (bad)
    handler_bad++;
  return r;
}

static void on_signal(int sig) {
  int saved = errno;
  if (handler_work(4, sig) < 10)
    handler_bad++;
  if (sig == SIGALRM)
    alarms++;
  else
    usr1s++;
  errno = saved;
}

static void install(int sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sa.sa_flags = SA_RESTART;
#ifndef __GOSTACK__
  sa.sa_flags |= SA_ONSTACK; // the gostack runtime forces it
#endif
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL) != 0) {
    perror("sigaction");
    exit(99);
  }
}

static void block_signals(int how) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGALRM);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(how, &set, NULL);
}

// Plain build: every thread that may take a signal gets an alternate stack of its own (the
// gostack runtime does this for the threads that run tasks). Threads start with the signals
// blocked (plain_join) and take them once the stack is there.
static void plain_altstack(void) {
#ifndef __GOSTACK__
  stack_t ss;
  ss.ss_sp = malloc(1 << 16);
  ss.ss_size = 1 << 16;
  ss.ss_flags = 0;
  if (!ss.ss_sp || sigaltstack(&ss, NULL) != 0) {
    perror("sigaltstack");
    exit(99);
  }
  block_signals(SIG_UNBLOCK);
#endif
}

// e2e_join, with the signals blocked in the plain build's new thread until plain_altstack.
static void *plain_join(e2e_task_t *t) {
#ifndef __GOSTACK__
  block_signals(SIG_BLOCK);
  void *r = e2e_join(t);
  block_signals(SIG_UNBLOCK);
  return r;
#else
  return e2e_join(t);
#endif
}

// Plain build, before a thread exits: its alternate stack is freed (signals blocked first, so
// none arrives between the two steps).
static void plain_altstack_release(void) {
#ifndef __GOSTACK__
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  stack_t off, cur;
  memset(&off, 0, sizeof off);
  off.ss_flags = SS_DISABLE;
  if (sigaltstack(&off, &cur) == 0)
    free(cur.ss_sp);
#endif
}

static void *sender(void *unused) {
  (void)unused;
  while (!stop_sender) {
    pthread_kill(target, SIGUSR1);
    struct timespec ts = {0, 300000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

struct job {
  long depth;
  uint64_t seed, sum;
  long bad;
};

static void *storm(void *p) {
  struct job *j = p;
  plain_altstack();
  for (int r = 0; r < ROUNDS; r++)
    j->sum = e2e_mix(j->sum, e2e_grow(j->depth + r % 5, j->seed + (uint64_t)r, &j->bad));
  e2e_report_growth("storm");
  plain_altstack_release();
  return NULL;
}

static void *body(void *unused) {
  (void)unused;
  plain_altstack();
  target = pthread_self();
  pthread_t s;
  // The sender starts with both signals blocked (it has no alternate stack). Set in its
  // attributes, not inherited from this thread's mask: a task may be preempted and resume on
  // another thread between any two calls, and signal masks belong to threads.
  pthread_attr_t attr;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGALRM);
  sigaddset(&set, SIGUSR1);
  pthread_attr_init(&attr);
  pthread_attr_setsigmask_np(&attr, &set);
  if (pthread_create(&s, &attr, sender, NULL) != 0)
    exit(99);
  pthread_attr_destroy(&attr);
  struct itimerval it = {{0, 80}, {0, 80}};
  setitimer(ITIMER_REAL, &it, NULL);

  uint64_t checksum = 0;
  long bad = 0;
  time_t start = time(NULL);
  int storms = 0;
  // Fixed work first (the checksum), then more until both handlers ran often enough.
  while (storms < 2 || alarms < MIN_ALARMS || usr1s < MIN_USR1) {
    if (time(NULL) - start > DEADLINE_S)
      break;
    struct job jobs[NTASKS];
    e2e_task_t *tasks[NTASKS];
    for (int i = 0; i < NTASKS; i++) {
      jobs[i] = (struct job){depth / (i + 1), (uint64_t)i * 7919u, 0, 0};
      tasks[i] = e2e_spawn(storm, &jobs[i]);
    }
    for (int i = NTASKS; i-- > 0;) // joined in reverse order
      plain_join(tasks[i]);
    for (int i = 0; i < NTASKS; i++) {
      if (storms < 2)
        checksum = e2e_mix(checksum, jobs[i].sum);
      bad += jobs[i].bad;
    }
    storms++;
  }
  struct itimerval off = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &off, NULL);
  stop_sender = 1;
  pthread_join(s, NULL);

  printf("storm: checksum=%llx bad=%ld\n", (unsigned long long)checksum, bad);
  printf("alarms: ran=%d on_altstack=%d\n", alarms >= MIN_ALARMS, off_altstack == 0);
  printf("usr1: ran=%d on_altstack=%d\n", usr1s >= MIN_USR1, off_altstack == 0);
  E2E_CHECK(bad == 0);
  E2E_CHECK(handler_bad == 0);
  E2E_CHECK(alarms >= MIN_ALARMS && usr1s >= MIN_USR1);
  E2E_CHECK(off_altstack == 0);
  return (void *)(intptr_t)e2e_finish("signal_storm");
}

int main(int argc, char **argv) {
  depth = e2e_arg(argc, argv, 1, 100000) / 10;
  install(SIGALRM);
  install(SIGUSR1);
#ifndef __GOSTACK__
  // The main thread only waits: the body's thread, which inherits this, unblocks them.
  block_signals(SIG_BLOCK);
#endif
  return (int)(intptr_t)e2e_run_deep(body, NULL);
}

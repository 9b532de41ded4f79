// Raw system calls for the scheduler: futexes and the monotonic clock.
//
// Raw, not through libc: the monitor thread (monitor.c) is created with a bare clone(2) and has
// no TLS of its own (its %fs is its creator's), so it must not call anything that may write
// errno or other thread-local state. The same helpers serve the other threads, where a
// failure needs no errno either: every caller re-checks its condition.
#ifndef GOSTACK_RUNTIME_FUTEX_H
#define GOSTACK_RUNTIME_FUTEX_H

#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

static inline long gostack_raw_syscall4(long nr, long a, long b, long c, long d) {
  long ret;
  register long r10 __asm__("r10") = d;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                   : "rcx", "r11", "memory");
  return ret;
}

// Sleeps while *word == expect, at most timeout_ns (0: no limit). Spurious returns happen.
static inline void gostack_futex_wait(uint32_t *word, uint32_t expect, uint64_t timeout_ns) {
  struct timespec ts = {(time_t)(timeout_ns / 1000000000u), (long)(timeout_ns % 1000000000u)};
  gostack_raw_syscall4(SYS_futex, (long)word, FUTEX_WAIT_PRIVATE, expect,
                       timeout_ns ? (long)&ts : 0);
}

static inline void gostack_futex_wake(uint32_t *word, int n) {
  gostack_raw_syscall4(SYS_futex, (long)word, FUTEX_WAKE_PRIVATE, n, 0);
}

// CLOCK_MONOTONIC by system call: for the monitor, which must not enter the vDSO through libc.
static inline uint64_t gostack_raw_nanotime(void) {
  struct timespec ts;
  gostack_raw_syscall4(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&ts, 0, 0);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif

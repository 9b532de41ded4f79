// C++ exception state belongs to the task: a task that parks inside a catch handler (or in a
// destructor run by unwinding) resumes, possibly on another thread, with its own exception
// still being handled: `throw;` rethrows it, std::current_exception() returns it, and
// std::uncaught_exceptions() counts the exception whose unwinding is in progress. 64 tasks at
// once, on 4 processors, 2 and 1.
//
// RUN: %gostack-cxx -O2 %s -o %t
// RUN: env GOSTACK_PROCS=4 %t > %t.4.out
// RUN: FileCheck %s --input-file=%t.4.out
// RUN: env GOSTACK_PROCS=1 %t > %t.1.out
// RUN: FileCheck %s --input-file=%t.1.out
// RUN: %gostack-cxx -O0 %s -o %t.o0
// RUN: env GOSTACK_PROCS=2 %t.o0 > %t.o0.out
// RUN: FileCheck %s --input-file=%t.o0.out
//
// CHECK: rethrown after parking: 64 of 64
// CHECK-NEXT: current_exception after parking: 64 of 64
// CHECK-NEXT: uncaught_exceptions in an unwinding destructor, around a park: 64 of 64
// CHECK-NEXT: cxx_sched_catch: ok

#include <gostack/gostack.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>

static std::atomic<int> rethrown{0}, current_ok{0}, uncaught_ok{0};

static void park_a_while(int i) {
  gostack_sleep_ns(1000000u + (unsigned)(i % 7) * 100000u);
  gostack_yield();
}

struct ParksInDestructor {
  int i;
  ~ParksInDestructor() {
    int before = std::uncaught_exceptions();
    park_a_while(i);
    int after = std::uncaught_exceptions();
    if (before == 1 && after == 1)
      uncaught_ok++;
  }
};

static void *task_main(void *arg) {
  int i = (int)(intptr_t)arg;
  std::string want = "task " + std::to_string(i);
  try {
    try {
      throw std::runtime_error(want);
    } catch (const std::exception &) {
      park_a_while(i);
      std::exception_ptr e = std::current_exception();
      try {
        if (e)
          std::rethrow_exception(e);
      } catch (const std::runtime_error &r) {
        if (want == r.what())
          current_ok++;
      }
      throw; // the exception this handler is handling, after the park
    }
  } catch (const std::runtime_error &r) {
    if (want == r.what())
      rethrown++;
  }
  try {
    ParksInDestructor d{i};
    throw std::logic_error("unwinding");
  } catch (const std::logic_error &) {
  }
  return nullptr;
}

int main() {
  gostack_task *tasks[64];
  for (int i = 0; i < 64; i++)
    tasks[i] = gostack_spawn(task_main, (void *)(intptr_t)i);
  for (int i = 0; i < 64; i++)
    gostack_join(tasks[i]);
  std::printf("rethrown after parking: %d of 64\n", rethrown.load());
  std::printf("current_exception after parking: %d of 64\n", current_ok.load());
  std::printf("uncaught_exceptions in an unwinding destructor, around a park: %d of 64\n",
              uncaught_ok.load());
  bool ok = rethrown == 64 && current_ok == 64 && uncaught_ok == 64;
  std::printf("cxx_sched_catch: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

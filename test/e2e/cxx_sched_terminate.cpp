// Exceptions that the C++ layer (gostack/gostack.hpp) cannot hand to anyone end the program with
// std::terminate, as std::thread and std::jthread do, and never unwind into the C runtime:
//   go:        an exception escaping a go()'d callable;
//   dtor:      a spawn()'d task that threw, destroyed without join() (the destructor joins it
//              and would have to drop the exception);
//   join:      the same task joined explicitly: join() rethrows, main catches, exit status 0.
// The terminate handler names the exception; stdout shows how far main got.
//
// RUN: %gostack-cxx -O0 %s -o %t.g0
// RUN: %gostack-cxx -O2 %s -o %t.g2
// RUN: not --crash %t.g0 go > %t.go0.out 2> %t.go0.err
// RUN: FileCheck %s --check-prefix=GO-OUT --input-file=%t.go0.out
// RUN: FileCheck %s --check-prefix=GO-ERR --input-file=%t.go0.err
// RUN: not --crash env GOSTACK_PROCS=1 %t.g2 go > %t.go2.out 2> %t.go2.err
// RUN: FileCheck %s --check-prefix=GO-OUT --input-file=%t.go2.out
// RUN: FileCheck %s --check-prefix=GO-ERR --input-file=%t.go2.err
// RUN: not --crash %t.g0 dtor > %t.dtor0.out 2> %t.dtor0.err
// RUN: FileCheck %s --check-prefix=DTOR-OUT --input-file=%t.dtor0.out
// RUN: FileCheck %s --check-prefix=DTOR-ERR --input-file=%t.dtor0.err
// RUN: not --crash env GOSTACK_PROCS=1 %t.g2 dtor > %t.dtor2.out 2> %t.dtor2.err
// RUN: FileCheck %s --check-prefix=DTOR-OUT --input-file=%t.dtor2.out
// RUN: FileCheck %s --check-prefix=DTOR-ERR --input-file=%t.dtor2.err
// RUN: %t.g0 join | FileCheck %s --check-prefix=JOIN
// RUN: env GOSTACK_PROCS=1 %t.g2 join | FileCheck %s --check-prefix=JOIN
//
// GO-OUT: go: started
// GO-OUT-NOT: go: not reached
// GO-ERR: terminate called after throwing an instance of 'std::runtime_error'
// GO-ERR-NEXT: what(): escaped from a go task at depth 300
//
// DTOR-OUT: dtor: task threw, dropping the handle
// DTOR-OUT-NOT: dtor: not reached
// DTOR-ERR: terminate called after throwing an instance of 'std::logic_error'
// DTOR-ERR-NEXT: what(): never joined
//
// JOIN: join: caught "never joined"
// JOIN-NEXT: join: ok

#include <gostack/gostack.hpp>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

__attribute__((noinline)) static int throw_at(int n, int depth) {
  std::string frame = std::to_string(n);
  if (n == 0)
    throw std::runtime_error("escaped from a go task at depth " + std::to_string(depth));
  return throw_at(n - 1, depth) + static_cast<int>(frame.size());
}

static void thrower() { throw std::logic_error("never joined"); }

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "";
  if (!std::strcmp(mode, "go")) {
    gostack::Channel<int> never;
    std::printf("go: started\n"); // before go(): the task may end the program at once
    std::fflush(stdout);
    gostack::go(throw_at, 300, 300);
    never.recv(); // blocks until the go task terminates the program
    std::printf("go: not reached\n");
  } else if (!std::strcmp(mode, "dtor")) {
    {
      gostack::Task<void> t = gostack::spawn(thrower);
      std::printf("dtor: task threw, dropping the handle\n");
      std::fflush(stdout);
    }
    std::printf("dtor: not reached\n");
  } else if (!std::strcmp(mode, "join")) {
    gostack::Task<void> t = gostack::spawn(thrower);
    std::string msg;
    try {
      t.join();
    } catch (const std::logic_error &e) {
      msg = e.what();
    }
    std::printf("join: caught \"%s\"\n", msg.c_str());
    std::printf("join: %s\n", msg == "never joined" && !t.joinable() ? "ok" : "FAILED");
  }
  return 0;
}

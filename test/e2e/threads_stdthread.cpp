// std::thread threads (threads the runtime did not create) running instrumented C++ while main
// (task 1) runs tasks: deep recursion on the thread's own stack, C++ exceptions thrown from deep
// inside and caught far above (destructors run on the way: the unwinder walks instrumented
// frames on a thread that runs no task), std::string / std::vector / std::map (libstdc++ calls
// made directly on the thread), and one thread that spawns and joins tasks of its own, whose
// exceptions are thrown and caught while their stacks grow. Results are printed after every
// thread is joined, in a fixed order: stdout must match plain clang's at -O0 and -O2.
//
// RUN: %plain-cxx -O0 %s -lpthread -o %t.p0
// RUN: %plain-cxx -O2 %s -lpthread -o %t.p2
// RUN: %gostack-cxx -O0 %s -o %t.g0
// RUN: %gostack-cxx -O2 %s -o %t.g2
// RUN: %t.p0 %depth_mid > %t.p0.out
// RUN: FileCheck %s --check-prefix=OUT --input-file=%t.p0.out
// RUN: %t.p2 %depth_mid > %t.p2.out
// RUN: diff %t.p0.out %t.p2.out
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: diff %t.p0.out %t.g0.out
// RUN: env LC_ALL=C sort %t.g0.err | uniq -c | FileCheck %s --check-prefix=STATS
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: diff %t.p0.out %t.g2.out
// RUN: env LC_ALL=C sort %t.g2.err | uniq -c | FileCheck %s --check-prefix=STATS
//
// OUT: thread 0: deep {{[0-9a-f]+}} {{[0-9a-f]+}} caught 5000 dtors=5001 strings {{[0-9a-f]+}} map 1000
// OUT-NEXT: thread 0: tasks {{[0-9a-f]+}} {{[0-9a-f]+}} caught 2 bad=0
// OUT-NEXT: thread 1: deep {{[0-9a-f]+}} {{[0-9a-f]+}} caught 5000 dtors=5001 strings {{[0-9a-f]+}} map 1000
// OUT-NEXT: thread 2: deep {{[0-9a-f]+}} {{[0-9a-f]+}} caught 5000 dtors=5001 strings {{[0-9a-f]+}} map 1000
// OUT-NEXT: main: tasks {{[0-9a-f]+}} {{[0-9a-f]+}} {{[0-9a-f]+}} caught 3 bad=0
// OUT-NEXT: threads_stdthread: ok
//
// Lines come from several threads in any order: they are counted. Every task (main's 3,
// thread 0's 2) started at 2 KB and grew; the 3 threads run no task.
// STATS: {{^ *}}3 main-task: initial=2048 grew=1
// STATS-NEXT: {{^ *}}2 thread-task: initial=2048 grew=1
// STATS-NEXT: {{^ *}}3 thread: task_id=0
// STATS-NOT: {{.}}

#include "Inputs/e2e.h"

#include <atomic>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int kThreads = 3;
// The default std::thread stack follows `ulimit -s` (8 MB in CI). At -O0 an instrumented
// frame of deep() (a destructor to run, a landing pad, statepoint spills) takes 936 bytes and
// one of down() about 112, so the two recursions go 5000 and 40000 frames deep.
constexpr long kThreadDepth = 5000;
constexpr long kPlainDepth = 40000;
constexpr int kMainTasks = 3;
constexpr int kThreadTasks = 2;

struct Depth : std::runtime_error {
  long n;
  explicit Depth(long n) : std::runtime_error("bottom"), n(n) {}
};

// Counts destructor runs: unwinding must destroy every frame's object exactly once.
struct Guard {
  long *count;
  explicit Guard(long *c) : count(c) {}
  ~Guard() { ++*count; }
};

E2E_NOINLINE uint64_t deep(long n, uint64_t acc, long *dtors) {
  Guard g(dtors);
  if (n == 0)
    throw Depth(static_cast<long>(acc & 0xffff));
  uint64_t r = deep(n - 1, acc * 31 + static_cast<uint64_t>(n), dtors);
  return r * 3 + static_cast<uint64_t>(n); // never reached: the bottom throws
}

// No objects to destroy: a plain deep recursion (`r * 3 + n` keeps it from becoming a loop).
E2E_NOINLINE uint64_t down(long n, uint64_t acc) {
  if (n == 0)
    return acc;
  uint64_t r = down(n - 1, acc * 31 + static_cast<uint64_t>(n));
  return r * 3 + static_cast<uint64_t>(n);
}

long task_depth;

struct TaskArg {
  uint64_t seed;
  uint64_t sum;
  int caught;
};

// A task: grows its stack, then throws from deep inside it and catches at its top.
void *task_fn(void *p) {
  TaskArg *a = static_cast<TaskArg *>(p);
  long bad = 0;
  a->sum = e2e_grow(task_depth + static_cast<long>(a->seed % 5) * 100, a->seed, &bad);
  long dtors = 0;
  try {
    deep(500, a->seed, &dtors);
  } catch (const Depth &) {
    a->caught = dtors == 501;
  }
  if (bad)
    a->sum = 0;
#ifdef __GOSTACK__
  gostack_stack_info i = e2e_info();
  fprintf(stderr, "%s: initial=%zu grew=%d\n", a->seed >= 100 ? "thread-task" : "main-task",
          i.initial_size, i.growths > 0);
#endif
  return nullptr;
}

struct ThreadResult {
  std::string line, tasks;
  bool bottom_ok = false;
};

void thread_main(int idx, ThreadResult *out) {
  long dtors = 0, caught = -1, bottom = -1;
  try {
    deep(kThreadDepth, static_cast<uint64_t>(idx) + 1, &dtors);
  } catch (const Depth &d) {
    caught = kThreadDepth; // thrown from the bottom, kThreadDepth frames below
    bottom = d.n;
  }
  // What the bottom frame saw: the accumulator passed down through every frame.
  uint64_t acc = static_cast<uint64_t>(idx) + 1;
  for (long k = kThreadDepth; k > 0; k--)
    acc = acc * 31 + static_cast<uint64_t>(k);
  out->bottom_ok = bottom == static_cast<long>(acc & 0xffff);
  uint64_t plain = down(kPlainDepth, acc);
  for (long k = kPlainDepth; k > 0; k--)
    acc = acc * 31 + static_cast<uint64_t>(k);
  for (long k = 1; k <= kPlainDepth; k++)
    acc = acc * 3 + static_cast<uint64_t>(k);
  out->bottom_ok &= plain == acc;
  std::vector<std::string> words;
  for (int i = 0; i < 500; i++)
    words.push_back("w" + std::to_string(i * 7 + idx));
  uint64_t h = 0;
  for (const std::string &w : words)
    for (char c : w)
      h = e2e_mix(h, static_cast<uint64_t>(c));
  std::map<int, std::string> m;
  for (int i = 0; i < 1000; i++)
    m[(i * 7919) % 1000] = words[static_cast<size_t>(i) % words.size()];
  char buf[200];
  snprintf(buf, sizeof buf, "deep %lx %llx caught %ld dtors=%ld strings %llx map %zu", bottom,
           static_cast<unsigned long long>(plain), caught, dtors,
           static_cast<unsigned long long>(h), m.size());
  out->line = buf;

  if (idx == 0) {
    TaskArg args[kThreadTasks];
    e2e_task_t *t[kThreadTasks];
    for (int i = 0; i < kThreadTasks; i++) {
      args[i] = TaskArg{static_cast<uint64_t>(100 + i), 0, 0};
      t[i] = e2e_spawn(task_fn, &args[i]);
    }
    int ok = 0, bad = 0;
    for (int i = 0; i < kThreadTasks; i++) {
      e2e_join(t[i]);
      ok += args[i].caught;
      bad += args[i].sum == 0;
    }
    snprintf(buf, sizeof buf, "tasks %llx %llx caught %d bad=%d",
             static_cast<unsigned long long>(args[0].sum),
             static_cast<unsigned long long>(args[1].sum), ok, bad);
    out->tasks = buf;
  }
#ifdef __GOSTACK__
  fprintf(stderr, "thread: task_id=%llu\n", static_cast<unsigned long long>(gostack_task_id()));
#endif
}

} // namespace

int main(int argc, char **argv) {
  task_depth = e2e_arg(argc, argv, 1, 100000);
  ThreadResult res[kThreads];
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; i++)
    threads.emplace_back(thread_main, i, &res[i]);

  // Main's tasks run while the threads do.
  TaskArg margs[kMainTasks];
  int caught = 0, bad = 0;
  for (int i = 0; i < kMainTasks; i++) {
    margs[i] = TaskArg{static_cast<uint64_t>(1 + i), 0, 0};
    e2e_join(e2e_spawn(task_fn, &margs[i]));
    caught += margs[i].caught;
    bad += margs[i].sum == 0;
  }

  for (std::thread &t : threads)
    t.join();
  for (int i = 0; i < kThreads; i++) {
    printf("thread %d: %s\n", i, res[i].line.c_str());
    if (i == 0)
      printf("thread 0: %s\n", res[0].tasks.c_str());
    E2E_CHECK(res[i].bottom_ok);
  }
  printf("main: tasks %llx %llx %llx caught %d bad=%d\n",
         static_cast<unsigned long long>(margs[0].sum),
         static_cast<unsigned long long>(margs[1].sum),
         static_cast<unsigned long long>(margs[2].sum), caught, bad);
  E2E_CHECK(caught == kMainTasks && bad == 0);
  return e2e_finish("threads_stdthread");
}

// bench/sched/boost_bench.cpp: the scheduler kernels of sched_kernels.c on Boost.Fiber and
// Boost.Context, with their own Google Benchmark harness (plain clang++-19 -O2, linked with
// -lboost_fiber -lboost_context; Debian's Boost 1.74).
//
// Same batches as gostack and Go (the SK_* sizes of sched_kernels.h), same reporting as
// sched_bench.cpp: a benchmark iteration is one batch, timed from inside, and the manual time
// is that batch's time divided by its operations, so "time" is nanoseconds per operation.
//
// Boost.Fiber (names as in sched_bench.cpp): every batch runs in a fresh driver fiber that the
// benchmark's thread (its main fiber) joins, as gostack's harness thread joins a driver task.
//   spawn_join   fiber(trivial).join()                      <- gostack_spawn + gostack_join
//   go_wait1000  1000 x fiber(trivial_done).detach(), then WaitGroup::wait, 10 rounds
//                (Boost.Fiber has no WaitGroup; boost_waitgroup.h has Go's, from a fiber mutex,
//                condition variable and counter: the tasks finish rather than meet at a barrier)
//   yield_alone  this_fiber::yield() with nothing else ready  <- gostack_yield alone
//   yield_pair   two fibers yielding n/2 times each           <- gostack_yield, two tasks
//   pingpong     round trips over two unbuffered_channel<int64_t> <- gostack unbuffered chans
// Stacks come from Boost's default allocator (fixedsize_stack, stack_traits::default_size(),
// 128 KB from malloc), which is what a user who writes fiber(fn) gets.
//
// Boost.Context (the layer under Boost.Fiber: boost::context::fiber, callcc-style, on its
// default fixedsize_stack; no scheduler, so no driver and one thread only):
//   ctx_spawn_join  create a context, resume it, it returns at once: stack allocation, first
//                   entry and the final switch back (the analogue of spawn_join)
//   ctx_yield_pair  resume back and forth with a context that loops; one op = one resume, a
//                   one-way switch (the analogue of one yield of yield_pair)
//
// SCHED_BOOST_THREADS=N (default 1) runs the fibers on N threads with
// boost::fibers::algo::work_stealing (Boost.Fiber's multi-thread scheduler): this thread plus
// N-1 helper threads whose main fibers just wait. Idle threads sleep on a condition variable
// (work_stealing's suspend = true), as gostack's and Go's idle threads park after a short spin.
// Its default, spinning, collapses on a shared machine: with three other busy processes on the
// 2 cores, a repetition of the 2-thread ping-pong took over 25 s instead of 0.3 s. With 1 the
// default round_robin scheduler runs everything on this thread. bench/sched/run runs the
// Boost.Context benchmarks at 1 only.
#include <benchmark/benchmark.h>
#include <boost/context/fiber.hpp>
#include <boost/fiber/all.hpp>
#include <boost/version.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include "boost_waitgroup.h"
#include "sched_kernels.h"

namespace bf = boost::fibers;
namespace bc = boost::context;

namespace {

uint64_t now_ns() { // steady_clock is CLOCK_MONOTONIC, as in sched_kernels.c
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}


uint64_t sink; // results the optimizer must keep

// Runs batch() in a fresh driver fiber and joins it; batch returns its own duration.
template <typename Batch>
uint64_t run_driver(Batch batch) {
  uint64_t ns = 0;
  bf::fiber driver([&] { ns = batch(); });
  driver.join();
  return ns;
}

// --- Boost.Fiber kernels --------------------------------------------------------------------
__attribute__((noinline)) void trivial(uint64_t *x) { *x += 1; }

uint64_t spawn_join(long n) {
  uint64_t slot = 0;
  uint64_t t0 = now_ns();
  for (long i = 0; i < n; i++)
    bf::fiber(trivial, &slot).join();
  uint64_t ns = now_ns() - t0;
  sink += slot;
  return ns;
}

struct Slot {
  uint64_t x;
  WaitGroup *wg;
};
Slot slots[SK_GO_WAIT_TASKS];

__attribute__((noinline)) void trivial_done(Slot *s) {
  s->x += 1;
  s->wg->done();
}

uint64_t go_wait(long rounds, long tasks) {
  WaitGroup wg;
  for (long i = 0; i < tasks; i++)
    slots[i].wg = &wg;
  uint64_t t0 = now_ns();
  for (long r = 0; r < rounds; r++) {
    wg.add(tasks);
    for (long i = 0; i < tasks; i++)
      bf::fiber(trivial_done, &slots[i]).detach();
    wg.wait();
  }
  return now_ns() - t0;
}

uint64_t yield_alone(long n) {
  uint64_t t0 = now_ns();
  for (long i = 0; i < n; i++)
    boost::this_fiber::yield();
  return now_ns() - t0;
}

void yielder(long n) {
  for (long i = 0; i < n; i++)
    boost::this_fiber::yield();
}

uint64_t yield_pair(long n) {
  long each = n / 2;
  uint64_t t0 = now_ns();
  bf::fiber t1(yielder, each), t2(yielder, each);
  t1.join();
  t2.join();
  return now_ns() - t0;
}

uint64_t pingpong(long n) {
  bf::unbuffered_channel<int64_t> ping, pong;
  bf::fiber ponger([&] {
    int64_t v;
    while (ping.pop(v) == bf::channel_op_status::success)
      pong.push(v + 1);
  });
  int64_t v = 0;
  uint64_t t0 = now_ns();
  for (long i = 0; i < n; i++) {
    ping.push(v);
    pong.pop(v);
  }
  uint64_t ns = now_ns() - t0;
  sink += static_cast<uint64_t>(v);
  ping.close();
  ponger.join();
  return ns;
}

// --- Boost.Context kernels ------------------------------------------------------------------
uint64_t ctx_spawn_join(long n) {
  uint64_t slot = 0;
  uint64_t t0 = now_ns();
  for (long i = 0; i < n; i++) {
    bc::fiber f([&slot](bc::fiber &&caller) {
      slot += 1;
      return std::move(caller);
    });
    std::move(f).resume(); // runs it to completion; its stack is freed on the way back
  }
  uint64_t ns = now_ns() - t0;
  sink += slot;
  return ns;
}

uint64_t ctx_yield_pair(long n) {
  bool stop = false;
  uint64_t count = 0;
  bc::fiber f([&](bc::fiber &&c) {
    while (!stop) {
      count++;
      c = std::move(c).resume();
    }
    return std::move(c);
  });
  f = std::move(f).resume(); // first entry, untimed
  uint64_t t0 = now_ns();
  for (long i = 0; i < n / 2; i++) // each round trip is two switches, two ops
    f = std::move(f).resume();
  uint64_t ns = now_ns() - t0;
  stop = true;
  std::move(f).resume();
  sink += count;
  return ns;
}

// --- harness --------------------------------------------------------------------------------
int threads = 1;

template <typename Kernel>
void batches(benchmark::State &state, long ops, Kernel kernel) {
  for (auto _ : state) {
    uint64_t ns = kernel();
    state.SetIterationTime(static_cast<double>(ns) * 1e-9 / static_cast<double>(ops));
  }
  state.counters["ops_per_batch"] = static_cast<double>(ops);
  state.counters["procs"] = threads;
  state.counters["stack_bytes"] = static_cast<double>(bc::stack_traits::default_size());
  state.counters["boost_version"] = BOOST_VERSION;
}

void reg(int iters, benchmark::internal::Benchmark *b) {
  b->UseManualTime()->Iterations(iters)->Unit(benchmark::kNanosecond);
}

// Helper threads for work_stealing: each registers its scheduler, then parks its main fiber
// until main is done; meanwhile its dispatcher runs (steals) the benchmark's fibers.
bf::mutex done_mu;
bf::condition_variable done_cv;
bool done = false;

constexpr bool suspend_idle = true;

void helper() {
  bf::use_scheduling_algorithm<bf::algo::work_stealing>(threads, suspend_idle);
  std::unique_lock<bf::mutex> l(done_mu);
  done_cv.wait(l, [] { return done; });
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  if (const char *t = std::getenv("SCHED_BOOST_THREADS"))
    threads = std::atoi(t) > 1 ? std::atoi(t) : 1;

  std::vector<std::thread> helpers;
  if (threads > 1) {
    // work_stealing's constructor waits (a barrier) until all `threads` schedulers exist.
    for (int i = 1; i < threads; i++)
      helpers.emplace_back(helper);
    bf::use_scheduling_algorithm<bf::algo::work_stealing>(threads, suspend_idle);
  }

  reg(SK_SPAWN_JOIN_BATCHES, benchmark::RegisterBenchmark("spawn_join", [](benchmark::State &s) {
        batches(s, SK_SPAWN_JOIN_OPS,
                [] { return run_driver([] { return spawn_join(SK_SPAWN_JOIN_OPS); }); });
      }));
  reg(SK_GO_WAIT_BATCHES, benchmark::RegisterBenchmark("go_wait1000", [](benchmark::State &s) {
        batches(s, long{SK_GO_WAIT_TASKS} * SK_GO_WAIT_ROUNDS, [] {
          return run_driver([] { return go_wait(SK_GO_WAIT_ROUNDS, SK_GO_WAIT_TASKS); });
        });
      }));
  reg(SK_YIELD_BATCHES, benchmark::RegisterBenchmark("yield_alone", [](benchmark::State &s) {
        batches(s, SK_YIELD_OPS, [] { return run_driver([] { return yield_alone(SK_YIELD_OPS); }); });
      }));
  reg(SK_YIELD_BATCHES, benchmark::RegisterBenchmark("yield_pair", [](benchmark::State &s) {
        batches(s, SK_YIELD_OPS, [] { return run_driver([] { return yield_pair(SK_YIELD_OPS); }); });
      }));
  reg(SK_PINGPONG_BATCHES, benchmark::RegisterBenchmark("pingpong", [](benchmark::State &s) {
        batches(s, SK_PINGPONG_OPS,
                [] { return run_driver([] { return pingpong(SK_PINGPONG_OPS); }); });
      }));
  reg(SK_SPAWN_JOIN_BATCHES,
      benchmark::RegisterBenchmark("ctx_spawn_join", [](benchmark::State &s) {
        batches(s, SK_SPAWN_JOIN_OPS, [] { return ctx_spawn_join(SK_SPAWN_JOIN_OPS); });
      }));
  reg(SK_YIELD_BATCHES, benchmark::RegisterBenchmark("ctx_yield_pair", [](benchmark::State &s) {
        batches(s, SK_YIELD_OPS, [] { return ctx_yield_pair(SK_YIELD_OPS); });
      }));

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  {
    std::lock_guard<bf::mutex> l(done_mu);
    done = true;
  }
  done_cv.notify_all();
  for (auto &h : helpers)
    h.join();
  return 0;
}

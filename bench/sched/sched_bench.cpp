// bench/sched/sched_bench.cpp: Google Benchmark harness for the scheduler kernels
// (sched_kernels.c).
//
// Compiled with plain clang++-19, so this main is the program's main and the harness thread is
// not a task: every kernel call spawns a driver task and blocks this thread in gostack_join until
// it is done (sched_kernels.h). A benchmark iteration is one batch of operations, timed inside
// the driver; the iteration time reported to Google Benchmark (manual time) is that batch's time
// divided by its operations, so every benchmark's "time" is nanoseconds per operation. The
// number of iterations (batches) is fixed, the same as go/sched.go uses, instead of being chosen
// by --benchmark_min_time: with per-operation manual time that would run far too long.
//
// Run with GOSTACK_PROCS set (bench/sched/run runs it at 1 and 2); --benchmark_filter selects.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "sched_kernels.h"

namespace {

template <typename Kernel>
void batches(benchmark::State &state, long ops, Kernel kernel) {
  for (auto _ : state) {
    uint64_t ns = kernel();
    state.SetIterationTime(static_cast<double>(ns) * 1e-9 / static_cast<double>(ops));
  }
  state.counters["ops_per_batch"] = static_cast<double>(ops);
  state.counters["procs"] = sk_procs();
}

void reg(int iters, benchmark::internal::Benchmark *b) {
  b->UseManualTime()->Iterations(iters)->Unit(benchmark::kNanosecond);
}

}  // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;

  reg(SK_SPAWN_JOIN_BATCHES,
      benchmark::RegisterBenchmark("spawn_join", [](benchmark::State &s) {
        batches(s, SK_SPAWN_JOIN_OPS, [] { return sk_spawn_join(SK_SPAWN_JOIN_OPS); });
      }));
  reg(SK_GO_WAIT_BATCHES,
      benchmark::RegisterBenchmark("go_wait1000", [](benchmark::State &s) {
        batches(s, long{SK_GO_WAIT_TASKS} * SK_GO_WAIT_ROUNDS,
                [] { return sk_go_wait(SK_GO_WAIT_ROUNDS, SK_GO_WAIT_TASKS); });
      }));
  reg(SK_YIELD_BATCHES,
      benchmark::RegisterBenchmark("yield_alone", [](benchmark::State &s) {
        batches(s, SK_YIELD_OPS, [] { return sk_yield_alone(SK_YIELD_OPS); });
      }));
  reg(SK_YIELD_BATCHES,
      benchmark::RegisterBenchmark("yield_pair", [](benchmark::State &s) {
        batches(s, SK_YIELD_OPS, [] { return sk_yield_pair(SK_YIELD_OPS); });
      }));
  reg(SK_PINGPONG_BATCHES,
      benchmark::RegisterBenchmark("pingpong", [](benchmark::State &s) {
        batches(s, SK_PINGPONG_OPS, [] { return sk_pingpong(SK_PINGPONG_OPS); });
      }));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

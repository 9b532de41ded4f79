// bench/calls/calls_bench.cpp: Google Benchmark harness for bench/calls/calls.c.
//
// Compiled with plain clang++-19 (no gostack plugin) so that this file's main is the program's
// main; the kernels it calls are compiled per variant. Times are per kernel call; the "calls"
// counter says how many function calls one kernel call makes, so the per-call cost is
// time / calls.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "calls.h"

namespace {

// Calls made by k_fib(n): c(n) = 1 + c(n-1) + c(n-2), c(0) = c(1) = 1.
double fib_calls(int n) {
  double a = 1, b = 1;
  for (int i = 2; i <= n; i++) {
    double c = 1 + a + b;
    a = b;
    b = c;
  }
  return b;
}

void BM_fib(benchmark::State &state) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    int arg = n;
    benchmark::DoNotOptimize(arg);
    benchmark::DoNotOptimize(k_fib(arg));
  }
  state.counters["calls"] = fib_calls(n);
}
BENCHMARK(BM_fib)->Arg(25);

void BM_tree_sum(benchmark::State &state) {
  const int depth = static_cast<int>(state.range(0));
  node *tree = k_tree_build(depth);
  for (auto _ : state) {
    benchmark::DoNotOptimize(tree);
    benchmark::DoNotOptimize(k_tree_sum(tree));
  }
  k_tree_free(tree);
  // 2^depth - 1 nodes plus 2^depth NULL children.
  state.counters["calls"] = static_cast<double>((uint64_t{1} << (depth + 1)) - 1);
}
BENCHMARK(BM_tree_sum)->Arg(16);

void BM_loop(benchmark::State &state) {
  const int iters = static_cast<int>(state.range(0));
  for (auto _ : state) {
    uint64_t seed = 42;
    benchmark::DoNotOptimize(seed);
    benchmark::DoNotOptimize(k_loop(seed, iters));
  }
  state.counters["calls"] = iters;
}
BENCHMARK(BM_loop)->Arg(10000);

// Indirect calls (bench/calls/calls.c): to a gostack-compiled function (the per-call-site cache hits,
// the call is direct) and to a C library function (it goes through the system-stack thunk).
// Declared here: calls.h is shared with the other kernels' users.
extern "C" uint64_t k_indirect_loop(uint64_t seed, int iters);
extern "C" uint64_t k_indirect_foreign_loop(uint64_t seed, int iters);

void BM_indirect(benchmark::State &state) {
  const int iters = static_cast<int>(state.range(0));
  for (auto _ : state) {
    uint64_t seed = 42;
    benchmark::DoNotOptimize(seed);
    benchmark::DoNotOptimize(k_indirect_loop(seed, iters));
  }
  state.counters["calls"] = iters;
}
BENCHMARK(BM_indirect)->Arg(10000);

void BM_indirect_foreign(benchmark::State &state) {
  const int iters = static_cast<int>(state.range(0));
  for (auto _ : state) {
    uint64_t seed = 42;
    benchmark::DoNotOptimize(seed);
    benchmark::DoNotOptimize(k_indirect_foreign_loop(seed, iters));
  }
  state.counters["calls"] = iters;
}
BENCHMARK(BM_indirect_foreign)->Arg(10000);

// Enough fresh tasks per iteration that the harness's one cross-thread hand-off per batch
// (k_grow) is noise next to them.
int GrowBatch(int depth) { return depth <= 100 ? 1024 : depth <= 1000 ? 64 : 4; }

void BM_grow(benchmark::State &state) {
  const int depth = static_cast<int>(state.range(0));
  const int batch = GrowBatch(depth);
  for (auto _ : state) {
    int arg = depth;
    benchmark::DoNotOptimize(arg);
    benchmark::DoNotOptimize(k_grow(arg, batch));
  }
  state.counters["calls"] = (depth + 1) * batch;
  state.counters["tasks"] = batch;
}
BENCHMARK(BM_grow)->Arg(10)->Arg(1000)->Arg(20000);

}  // namespace

BENCHMARK_MAIN();

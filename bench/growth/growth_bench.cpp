// bench/growth/growth_bench.cpp: Google Benchmark harness for the growth and hot-split kernels
// (kernels.c), linked unchanged into each system's binary (gostack, gcc -fsplit-stack, plain).
//
// Compiled with plain clang++-19 and never instrumented, so this main is the program's main and
// its thread is not a task or split-stack context: every kernel call makes a fresh context for
// the batch and waits for it. Each benchmark has a fixed number of iterations (batches); the
// manual time of an iteration is the batch's own time divided by its operations, so "time" is
// nanoseconds per recursion (growth) or per call (hot split: the fastest chunk of 1,000 calls).
// --benchmark_repetitions gives the repetitions, whose median bench/growth/summarize.py reports.
//
// Benchmarks (select with --benchmark_filter):
//   grow_fresh/N, grow_warm/N   N = 1,000 ... 1,000,000 levels of gr_deep
//   hot/X                       X = the requested offset below the guard, in bytes
// Environment: GROWTH_HOT_CHECK (the bytes gr_hot's prologue checks, from objdump; default 264),
// GROWTH_HOT_CALLS (calls per position after the first, a multiple of 1,000; default 100,000).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <x86intrin.h>

#include "growth.h"

namespace {

const int kDepths[] = {1000, 10000, 100000, 1000000};

// Recursions per batch and batches per repetition: about the same work per batch at every depth,
// and at least one recursion.
long ops_for(int depth) { return depth >= 100000 ? 1 : 100000 / depth; }
int batches_for(int depth) { return depth >= 1000000 ? 1 : depth >= 100000 ? 2 : 4; }

// gr_deep without recursion: acc going down, then the result coming back up.
uint64_t deep_expected(int depth, uint64_t seed) {
  std::vector<uint64_t> acc(static_cast<size_t>(depth) + 1);
  acc[depth] = seed;
  for (int d = depth; d > 0; d--)
    acc[d - 1] = 2 * acc[d] + static_cast<uint64_t>(d & 7) * static_cast<uint64_t>(d);
  uint64_t r = acc[0];
  for (int d = 1; d <= depth; d++)
    r = r + acc[d] + (r & 7) * static_cast<uint64_t>(d);
  return r;
}

// The hot loop's result: gr_hot(a) = a + 4 * ((a >> 2) & 7), once, then k more times.
uint64_t hot_expected(long x, long k) {
  auto hot = [](uint64_t a) { return a + 4 * ((a >> 2) & 7); };
  uint64_t s = static_cast<uint64_t>(x);
  s += hot(s);
  for (long i = 1; i <= k; i++)
    s += hot(s + static_cast<uint64_t>(i));
  return s;
}

long env_long(const char *name, long dflt) {
  const char *s = std::getenv(name);
  return s && *s ? std::strtol(s, nullptr, 0) : dflt;
}

// TSC ticks per nanosecond, for the first-call times measured with rdtsc inside the kernel.
double tsc_per_ns() {
  using clk = std::chrono::steady_clock;
  auto t0 = clk::now();
  uint64_t c0 = __rdtsc();
  while (clk::now() - t0 < std::chrono::milliseconds(20)) {
  }
  uint64_t c1 = __rdtsc();
  double ns = std::chrono::duration<double, std::nano>(clk::now() - t0).count();
  return static_cast<double>(c1 - c0) / ns;
}

// The check (gr_check: result and stack facts) runs once per benchmark and process, after the
// first repetition; every repetition reports its numbers as counters.
std::map<std::pair<bool, int>, gr_stats> checked;

void grow(benchmark::State &state, bool fresh, int depth) {
  long ops = ops_for(depth);
  uint64_t regrowths = 0;
  for (auto _ : state) {
    uint64_t r = 0;
    uint64_t ns = gr_grow(fresh ? 1 : 0, ops, depth, &r);
    regrowths += r;
    state.SetIterationTime(static_cast<double>(ns) * 1e-9 / static_cast<double>(ops));
  }
  const uint64_t seed = 12345;
  auto it = checked.find({fresh, depth});
  if (it == checked.end()) {
    gr_stats st{};
    gr_check(depth, seed, &st);
    if (st.result != deep_expected(depth, seed)) {
      state.SkipWithError("gr_deep computed a wrong result");
      return;
    }
    it = checked.emplace(std::make_pair(fresh, depth), st).first;
  }
  const gr_stats &st = it->second;
  state.counters["depth"] = depth;
  state.counters["ops_per_batch"] = static_cast<double>(ops);
  state.counters["stack_bytes"] = static_cast<double>(st.stack_bytes);
  state.counters["growths"] = static_cast<double>(st.growths);
  state.counters["segments"] = static_cast<double>(st.segments);
  // Warm: growths (gostack) or new segments (gcc) during the timed recursions, per batch.
  state.counters["warm_regrowths"] =
      static_cast<double>(regrowths) / static_cast<double>(state.iterations());
}

// One iteration: a fresh context, the placement at x, the first call, then `calls` more in
// chunks. The iteration's time is the fastest chunk's per call (see kernels.c); the first call
// and the plain wall-clock average over all calls are counters.
void hot(benchmark::State &state, long x, long calls, long check, double tpn) {
  gr_hot_run r{};
  double first_ns = 0, wall_ns = 0;
  for (auto _ : state) {
    r = gr_hot_run{};
    gr_hot_split(x, calls, check, &r);
    if (!r.placed) {
      state.SkipWithError("no room in the context for this offset");
      return;
    }
    double per_call = static_cast<double>(r.chunk_ticks) / tpn / GR_HOT_CHUNK;
    state.SetIterationTime(per_call * 1e-9);
    first_ns += static_cast<double>(r.first_ticks) / tpn;
    wall_ns += static_cast<double>(r.ns) / static_cast<double>(calls + 1);
  }
  if (r.sum != hot_expected(r.x, calls)) {
    state.SkipWithError("gr_hot loop computed a wrong result");
    return;
  }
  double n = static_cast<double>(state.iterations());
  state.counters["x"] = static_cast<double>(r.x);
  state.counters["x_requested"] = static_cast<double>(x);
  state.counters["calls"] = static_cast<double>(calls + 1);
  state.counters["check_bytes"] = static_cast<double>(check);
  state.counters["first_call_ns"] = first_ns / n;
  state.counters["wall_ns_per_call"] = wall_ns / n;
}

}  // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::AddCustomContext("system", gr_system());

  for (int depth : kDepths) {
    for (bool fresh : {true, false}) {
      std::string name = std::string(fresh ? "grow_fresh/" : "grow_warm/") + std::to_string(depth);
      benchmark::RegisterBenchmark(name.c_str(), [fresh, depth](benchmark::State &s) {
        grow(s, fresh, depth);
      })->UseManualTime()->Iterations(batches_for(depth))->Unit(benchmark::kMicrosecond);
    }
  }

  // Hot split: every 16 bytes from a whole frame above the guard to a whole frame below it,
  // and two positions far from it (the frame fits with room to spare).
  const long check = env_long("GROWTH_HOT_CHECK", 264);
  const long calls = env_long("GROWTH_HOT_CALLS", 100000) / GR_HOT_CHUNK * GR_HOT_CHUNK;
  const double tpn = tsc_per_ns();
  std::vector<long> xs = {-4096, -1024};
  long lim = (check + 15) / 16 * 16;
  for (long x = -lim; x <= check - 8; x += 16)
    xs.push_back(x);
  for (long x : xs) {
    std::string name = "hot/" + std::to_string(x);
    benchmark::RegisterBenchmark(name.c_str(), [x, calls, check, tpn](benchmark::State &s) {
      hot(s, x, calls, check, tpn);
    })->UseManualTime()->Iterations(1)->Unit(benchmark::kNanosecond);
  }

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

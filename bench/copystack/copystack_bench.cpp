// bench/copystack/copystack_bench.cpp: Google Benchmark harness for one stack move against
// memcpy of the same bytes (bench/copystack/run builds and runs it).
//
// Compiled with plain clang++-19, so this main is the program's main and this thread is not a
// task. Rows, for each stack size S (4 KB ... 4 MB, the stack full as a growth finds it):
//
//   move_warm/S    ck_move(CK_WARM): a move of the full S-byte stack to a new S-byte stack, the
//                  one the previous move freed (warm: pooled or cached, pages resident); the
//                  time includes __morestack, allocation, copy, relocation and the free
//   memcpy_warm/S  memcpy of the same number of bytes between two resident S-byte buffers,
//                  back and forth as the moves alternate between two stacks
//   move_cold/S    ck_move(CK_COLD): a growth S -> 2S into a stack whose pages are not resident
//                  (madvise(MADV_DONTNEED) before, untimed), so every page the copy writes
//                  faults, as in a fresh mapping
//   memcpy_cold/S  memcpy into a buffer made non-resident the same way (untimed)
//
// The relocation mode is the process's (GOSTACK_RELOCATE); bench/copystack/run runs this once
// per mode. Every row's time is per move or per memcpy (manual time: the thread's CPU time,
// measured by the kernel from inside for the moves; the machine is shared); the counters carry
// the bytes copied and the frames on the moved stack.
#include <benchmark/benchmark.h>

#include <sys/mman.h>

#include <ctime>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "copystack_kernels.h"
#include "internal.h" // runtime/: gostack_stackalloc, gostack_stackfree

extern "C" void ck_make_next_stack_cold(size_t size) {
  // Both allocators hand out the stack freed last first (the per-thread cache and the pools are
  // LIFO, the large cache takes its newest stack of the size), so the stack taken and returned
  // here is the one the next allocation of `size` gets.
  gostack_stack s = gostack_stackalloc(size);
  madvise(reinterpret_cast<void *>(s.lo), size, MADV_DONTNEED);
  gostack_stackfree(s);
}

namespace {

constexpr size_t kSizes[] = {4u << 10, 16u << 10, 64u << 10, 256u << 10, 1u << 20, 4u << 20};

// Moves (or copies) per benchmark iteration: about 16 MB of copying for the warm rows, 4 MB for
// the cold ones (each also has an untimed move back), at least a few; the iteration count is
// fixed, so the run's length does not depend on the machine's load.
long warm_batch(size_t size) {
  long n = static_cast<long>((16u << 20) / size);
  return n < 8 ? 8 : n;
}
long cold_batch(size_t size) {
  long n = static_cast<long>((4u << 20) / size);
  return n < 4 ? 4 : n;
}
constexpr int kIterations = 10;

struct Shape {
  size_t bytes, frames;
};

// The bytes a move of a full stack of `size` copies, and its frames (one untimed move).
Shape shape_of(size_t size) {
  ck_result r{};
  ck_move(size, 1, CK_WARM, &r);
  if (r.size != size || r.end_size != size) {
    std::fprintf(stderr,
                 "copystack_bench: filled a %zu-byte stack (%zu after a move), expected %zu\n",
                 r.size, r.end_size, size);
    std::exit(1);
  }
  return {r.bytes, r.frames};
}

void counters(benchmark::State &state, Shape s, size_t size) {
  state.counters["bytes"] = static_cast<double>(s.bytes);
  state.counters["frames"] = static_cast<double>(s.frames);
  state.counters["stack_size"] = static_cast<double>(size);
}

void move_row(benchmark::State &state, size_t size, ck_kind kind, Shape shape) {
  long batch = kind == CK_WARM ? warm_batch(size) : cold_batch(size);
  double discarded = 0;
  for (auto _ : state) {
    ck_result r{};
    ck_move(size, batch, kind, &r);
    // A move of another size (a growth, or no move at all) would measure something else.
    uint64_t expect = kind == CK_WARM ? static_cast<uint64_t>(batch) : 2u * batch;
    if (r.size != size || r.end_size != size || r.bytes != shape.bytes || r.moves < expect ||
        r.discarded > 1000) {
      static char why[256];
      std::snprintf(why, sizeof why,
                    "the kernel did not move the stack as expected: size %zu -> %zu, %zu bytes "
                    "(expected %zu), %llu moves (at least %llu), %llu runs discarded",
                    r.size, r.end_size, r.bytes, shape.bytes, (unsigned long long)r.moves,
                    (unsigned long long)expect, (unsigned long long)r.discarded);
      state.SkipWithError(why);
      return;
    }
    discarded += static_cast<double>(r.discarded);
    state.SetIterationTime(static_cast<double>(r.ns) * 1e-9 / static_cast<double>(batch));
  }
  counters(state, shape, size);
  state.counters["discarded"] = discarded; // timed runs a preemption hit, run again
}

// The thread's CPU time, as the kernels measure the moves (copystack_kernels.c, now_ns).
double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Resident, page-aligned buffer of `size` bytes.
char *buffer(size_t size) {
  void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("mmap");
    std::exit(1);
  }
  std::memset(p, 0x5a, size);
  return static_cast<char *>(p);
}

void memcpy_row(benchmark::State &state, size_t size, bool cold, Shape shape) {
  // The used part sits at the top of a stack: copy the top `bytes` of one buffer to the top of
  // the other, as copystack copies [sp, old.hi) to the same distance from new.hi.
  char *a = buffer(size), *b = buffer(size);
  size_t off = size - shape.bytes;
  long batch = cold ? cold_batch(size) : warm_batch(size);
  for (auto _ : state) {
    double seconds = 0;
    if (!cold) {
      double t0 = cpu_seconds();
      for (long i = 0; i < batch; i++) {
        char *dst = i & 1 ? a : b, *src = i & 1 ? b : a;
        std::memcpy(dst + off, src + off, shape.bytes);
        benchmark::ClobberMemory();
      }
      seconds = cpu_seconds() - t0;
    } else {
      for (long i = 0; i < batch; i++) {
        madvise(b, size, MADV_DONTNEED);
        double t0 = cpu_seconds();
        std::memcpy(b + off, a + off, shape.bytes);
        benchmark::ClobberMemory();
        seconds += cpu_seconds() - t0;
      }
    }
    state.SetIterationTime(seconds / static_cast<double>(batch));
  }
  munmap(a, size);
  munmap(b, size);
  counters(state, shape, size);
}

void reg(benchmark::internal::Benchmark *b) {
  b->UseManualTime()->Iterations(kIterations)->Unit(benchmark::kNanosecond);
}

} // namespace

int main(int argc, char **argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  // Memcpy and move rows of one size run next to each other, so both see the same load.
  for (size_t size : kSizes) {
    Shape shape = shape_of(size);
    std::string s = std::to_string(size);
    auto add = [](const std::string &name, auto fn) {
      reg(benchmark::RegisterBenchmark(name.c_str(), fn));
    };
    add("memcpy_warm/" + s, [=](benchmark::State &st) { memcpy_row(st, size, false, shape); });
    add("move_warm/" + s, [=](benchmark::State &st) { move_row(st, size, CK_WARM, shape); });
    add("memcpy_cold/" + s, [=](benchmark::State &st) { memcpy_row(st, size, true, shape); });
    add("move_cold/" + s, [=](benchmark::State &st) { move_row(st, size, CK_COLD, shape); });
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

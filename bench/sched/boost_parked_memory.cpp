// bench/sched/boost_parked_memory.cpp: resident memory per parked fiber (Boost.Fiber) or
// suspended context (Boost.Context), the same measurement as parked_memory.c.
//
// Usage: boost_parked_memory fiber|context [STACK [N]]
//   STACK  default          Boost's default allocator (fixedsize_stack of
//                           stack_traits::default_size(), 128 KB from malloc): what a user gets
//          pooled:BYTES     pooled_fixedsize_stack of BYTES (stacks carved from large blocks,
//                           no guard page)
//          protected:BYTES  protected_fixedsize_stack (mmap with a guard page per stack: for
//                           checking that BYTES is enough, at small N; one mapping per stack
//                           runs into vm.max_map_count long before 1M)
//   N      fibers or contexts (default 1,000,000)
//
// fiber: N detached fibers on this thread's default round_robin scheduler; each marks a
// WaitGroup and parks in pop() on one unbuffered_channel, which is closed to release them all
// (parked_memory.c's gostack_chan_recv on a channel that is closed).
// context: N boost::context::fiber, each resumed once; each increments a counter and switches
// back, staying suspended; the handles (8 bytes each) live in a vector. Resuming each once more
// lets it return, which frees its stack.
// Both read the RSS from /proc/self/statm before the first start and after a 20 ms pause once
// all are parked, and print one JSON line with parked_memory.c's fields plus "stack" and
// "stack_bytes".
#include <boost/context/fiber.hpp>
#include <boost/context/pooled_fixedsize_stack.hpp>
#include <boost/context/protected_fixedsize_stack.hpp>
#include <boost/fiber/all.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "boost_waitgroup.h"

namespace bf = boost::fibers;
namespace bc = boost::context;

namespace {

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

long rss_bytes() {
  FILE *f = std::fopen("/proc/self/statm", "r");
  long size = 0, resident = 0;
  if (!f || std::fscanf(f, "%ld %ld", &size, &resident) != 2) {
    std::perror("boost_parked_memory: /proc/self/statm");
    std::exit(1);
  }
  std::fclose(f);
  return resident * sysconf(_SC_PAGESIZE);
}


struct Result {
  long before, parked, after;
  uint64_t start_ns, release_ns;
};

template <typename Salloc>
Result run_fibers(long n, Salloc salloc) {
  WaitGroup started, finished;
  bf::unbuffered_channel<int> release;
  Result r;
  r.before = rss_bytes();
  uint64_t t0 = now_ns();
  started.add(n);
  finished.add(n);
  for (long i = 0; i < n; i++)
    bf::fiber(std::allocator_arg, salloc, [&] {
      started.done();
      int v;
      release.pop(v); // returns channel_op_status::closed once closed
      finished.done();
    }).detach();
  started.wait();
  uint64_t t1 = now_ns();
  boost::this_fiber::sleep_for(std::chrono::milliseconds(20));
  r.parked = rss_bytes();
  uint64_t t2 = now_ns();
  release.close();
  finished.wait();
  uint64_t t3 = now_ns();
  r.after = rss_bytes();
  r.start_ns = t1 - t0;
  r.release_ns = t3 - t2;
  return r;
}

template <typename Salloc>
Result run_contexts(long n, Salloc salloc) {
  std::vector<bc::fiber> parked;
  parked.reserve(static_cast<size_t>(n));
  uint64_t started = 0;
  Result r;
  r.before = rss_bytes();
  uint64_t t0 = now_ns();
  for (long i = 0; i < n; i++) {
    bc::fiber f(std::allocator_arg, salloc, [&started](bc::fiber &&c) {
      started++;
      c = std::move(c).resume(); // parked here until released
      return std::move(c);
    });
    parked.push_back(std::move(f).resume());
  }
  uint64_t t1 = now_ns();
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  r.parked = rss_bytes();
  uint64_t t2 = now_ns();
  for (auto &f : parked)
    f = std::move(f).resume(); // returns: the context ends, its stack is freed
  uint64_t t3 = now_ns();
  r.after = rss_bytes();
  r.start_ns = t1 - t0;
  r.release_ns = t3 - t2;
  if (started != static_cast<uint64_t>(n))
    std::abort();
  return r;
}

template <typename Salloc>
Result run(bool fibers, long n, Salloc salloc) {
  return fibers ? run_fibers(n, salloc) : run_contexts(n, salloc);
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2 || (std::strcmp(argv[1], "fiber") && std::strcmp(argv[1], "context"))) {
    std::fprintf(stderr, "usage: %s fiber|context [default|pooled:BYTES|protected:BYTES [N]]\n",
                 argv[0]);
    return 2;
  }
  bool fibers = !std::strcmp(argv[1], "fiber");
  std::string stack = argc > 2 ? argv[2] : "default";
  long n = argc > 3 ? std::atol(argv[3]) : 1000000;
  std::string kind = stack.substr(0, stack.find(':'));
  size_t bytes = stack.find(':') == std::string::npos
                     ? bc::stack_traits::default_size()
                     : std::strtoul(stack.c_str() + stack.find(':') + 1, nullptr, 0);
  Result r;
  if (kind == "default")
    r = fibers ? run_fibers(n, bf::default_stack()) : run_contexts(n, bc::default_stack());
  else if (kind == "pooled")
    r = run(fibers, n, bc::pooled_fixedsize_stack(bytes));
  else if (kind == "protected")
    r = run(fibers, n, bc::protected_fixedsize_stack(bytes));
  else {
    std::fprintf(stderr, "boost_parked_memory: unknown stack %s\n", stack.c_str());
    return 2;
  }
  std::printf("{\"bench\": \"parked_memory\", \"impl\": \"%s\", \"procs\": 1, \"tasks\": %ld, "
              "\"stack\": \"%s\", \"stack_bytes\": %zu, "
              "\"rss_before\": %ld, \"rss_parked\": %ld, \"rss_after\": %ld, "
              "\"bytes_per_task\": %.1f, \"start_ns_per_task\": %.1f, "
              "\"release_ns_per_task\": %.1f}\n",
              fibers ? "boost.fiber" : "boost.context", n, kind.c_str(), bytes, r.before,
              r.parked, r.after, static_cast<double>(r.parked - r.before) / static_cast<double>(n),
              static_cast<double>(r.start_ns) / static_cast<double>(n),
              static_cast<double>(r.release_ns) / static_cast<double>(n));
  return 0;
}

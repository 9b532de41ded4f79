// Tasks of the C++ layer (gostack/gostack.hpp) that grow their stacks between channel
// operations, and block on channels while deep: every frame of the recursions holds a
// std::string (a pinned local whose buffer pointer points into itself) that is used again after
// the deeper calls return, so a stack that moved while its task was parked must still be right.
//
//   ping-pong: two tasks each recurse D frames, exchange std::string messages over unbuffered
//              channels at the bottom (both parked at depth, in turn), unwind, and do it again at
//              other depths (the stacks grow, and may shrink while parked, between rounds);
//   pool:      4 workers take jobs (std::string name, depth) from a Channel<Job>, recurse, send
//              a Result back; each result is checked against an iterative computation.
//
// D is 5000 frames (40 under movestack, where every call copies the stack).
//
// RUN: %gostack-cxx -O0 %s -o %t.g0
// RUN: %gostack-cxx -O2 %s -o %t.g2
// RUN: %t.g0 %depth_mid > %t.g0.out 2> %t.g0.err
// RUN: FileCheck %s --input-file=%t.g0.out
// RUN: env LC_ALL=C sort %t.g0.err | uniq -c | FileCheck %s --check-prefix=STATS
// RUN: env GOSTACK_PROCS=1 %t.g0 %depth_mid > %t.g0p1.out 2> %t.g0p1.err
// RUN: FileCheck %s --input-file=%t.g0p1.out
// RUN: env LC_ALL=C sort %t.g0p1.err | uniq -c | FileCheck %s --check-prefix=STATS
// RUN: %t.g2 %depth_mid > %t.g2.out 2> %t.g2.err
// RUN: FileCheck %s --input-file=%t.g2.out
// RUN: env LC_ALL=C sort %t.g2.err | uniq -c | FileCheck %s --check-prefix=STATS
// RUN: env GOSTACK_PROCS=1 %t.g2 %depth_mid > %t.g2p1.out 2> %t.g2p1.err
// RUN: FileCheck %s --input-file=%t.g2p1.out
// RUN: env LC_ALL=C sort %t.g2p1.err | uniq -c | FileCheck %s --check-prefix=STATS
//
// CHECK: pingpong: rounds=4 messages=200 acc=[[A:[0-9a-f]+]] expected=[[A]]
// CHECK-SAME: frames=[[F:[0-9]+]] expected=[[F]]
// CHECK-NEXT: pool: jobs=40 match=40 xor=[[X:[0-9a-f]+]] expected=[[X]]
// CHECK-NEXT: cxx_sched_grow: ok
//
// Every ping-pong task and every worker started at 2 KB and grew.
// STATS: {{^ *}}2 pingpong-task: initial=2048 grew=1
// STATS-NEXT: {{^ *}}4 pool-worker: initial=2048 grew=1
// STATS-NOT: {{.}}

#include "Inputs/e2e.h"

#include <gostack/gostack.hpp>

#include <map>
#include <string>
#include <vector>

namespace {

long depth;

// The depth-n recursion: a std::string per frame, used after the deeper call returns.
E2E_NOINLINE uint64_t deep(long n, uint64_t h) {
  std::string s = "frame-" + std::to_string(n);
  uint64_t r = n == 0 ? h : deep(n - 1, e2e_mix(h, s.size()));
  return e2e_mix(r, static_cast<uint64_t>(s[s.size() - 1]));
}

// The same value, iteratively.
uint64_t deep_ref(long n, uint64_t h) {
  for (long k = n; k > 0; k--)
    h = e2e_mix(h, ("frame-" + std::to_string(k)).size());
  for (long k = 0; k <= n; k++) {
    std::string s = "frame-" + std::to_string(k);
    h = e2e_mix(h, static_cast<uint64_t>(s[s.size() - 1]));
  }
  return h;
}

// Recurses n frames (a std::string each), runs at_bottom() there; returns its result plus the
// sizes of all the frames' strings.
template <class F> E2E_NOINLINE uint64_t descend(long n, F &at_bottom) {
  std::string s = "d" + std::to_string(n);
  uint64_t r = n == 0 ? at_bottom() : descend(n - 1, at_bottom);
  return r + s.size();
}
uint64_t descend_frames(long n) { // sum of the string sizes, iteratively
  uint64_t t = 0;
  for (long k = 0; k <= n; k++)
    t += 1 + std::to_string(k).size();
  return t;
}

void report(const char *tag) {
#ifdef __GOSTACK__
  gostack_stack_info i = e2e_info();
  fprintf(stderr, "%s: initial=%zu grew=%d\n", tag, i.initial_size, i.growths > 0);
#else
  (void)tag;
#endif
}

void pingpong() {
  constexpr int kRounds = 4, kMessages = 50;
  const long depths[kRounds] = {depth, depth / 4, depth, depth / 2};
  gostack::Channel<std::string> ping, pong;

  // Pinger: at the bottom of each round's recursion, sends k and receives f(k) = 3k + 1.
  gostack::Task<std::pair<uint64_t, uint64_t>> pinger = gostack::spawn([&] {
    uint64_t acc = 0, frames = 0;
    for (int round = 0; round < kRounds; round++) {
      auto bottom = [&]() -> uint64_t {
        for (int m = 0; m < kMessages; m++) {
          ping.send("p" + std::to_string(round * kMessages + m));
          std::optional<std::string> reply = pong.recv();
          acc = e2e_mix(acc, std::stoull(reply->substr(1)));
        }
        return 0;
      };
      frames += descend(depths[round], bottom);
    }
    ping.close();
    report("pingpong-task");
    return std::make_pair(acc, frames);
  });
  // Ponger: recurses to other depths; replies at the bottom.
  gostack::Task<void> ponger = gostack::spawn([&] {
    for (int round = 0; round < kRounds; round++) {
      auto bottom = [&]() -> uint64_t {
        for (int m = 0; m < kMessages; m++) {
          std::optional<std::string> req = ping.recv();
          pong.send("q" + std::to_string(std::stoull(req->substr(1)) * 3 + 1));
        }
        return 0;
      };
      descend(depths[kRounds - 1 - round] + 7, bottom);
    }
    E2E_CHECK(!ping.recv()); // closed after the last round
    report("pingpong-task");
  });
  auto [acc, frames] = pinger.join();
  ponger.join();

  uint64_t acc_ref = 0, frames_ref = 0;
  for (int k = 0; k < kRounds * kMessages; k++)
    acc_ref = e2e_mix(acc_ref, static_cast<uint64_t>(k) * 3 + 1);
  for (int round = 0; round < kRounds; round++)
    frames_ref += descend_frames(depths[round]);
  printf("pingpong: rounds=%d messages=%d acc=%llx expected=%llx frames=%llu expected=%llu\n",
         kRounds, kRounds * kMessages, static_cast<unsigned long long>(acc),
         static_cast<unsigned long long>(acc_ref), static_cast<unsigned long long>(frames),
         static_cast<unsigned long long>(frames_ref));
  E2E_CHECK(acc == acc_ref && frames == frames_ref);
}

struct Job {
  std::string name;
  long depth;
  uint64_t seed;
};
struct Result {
  std::string name;
  uint64_t value;
};

void pool() {
  constexpr int kJobs = 40, kWorkers = 4;
  gostack::Channel<Job> jobs(4);
  gostack::Channel<Result> results;
  std::vector<gostack::Task<void>> workers;
  for (int w = 0; w < kWorkers; w++)
    workers.push_back(gostack::spawn([&jobs, &results] {
      for (Job j : jobs.range()) {
        uint64_t v = deep(j.depth, j.seed);
        results.send(Result{std::move(j.name), v});
      }
      // Every worker grows at least once: one deep run of its own after the jobs.
      E2E_CHECK(deep(depth, 1) == deep_ref(depth, 1));
      report("pool-worker");
    }));
  gostack::Task<void> feeder = gostack::spawn([&jobs] {
    for (int i = 0; i < kJobs; i++)
      jobs.send(Job{"job-" + std::to_string(i), depth * (1 + i % 4) / 4, 1000u + i});
    jobs.close();
  });
  std::map<std::string, uint64_t> got;
  for (int i = 0; i < kJobs; i++) {
    std::optional<Result> r = results.recv();
    got[r->name] = r->value;
  }
  feeder.join();
  for (auto &w : workers)
    w.join();
  int match = 0;
  uint64_t x = 0, x_ref = 0;
  for (int i = 0; i < kJobs; i++) {
    uint64_t ref = deep_ref(depth * (1 + i % 4) / 4, 1000u + i);
    auto it = got.find("job-" + std::to_string(i));
    match += it != got.end() && it->second == ref;
    if (it != got.end())
      x ^= it->second;
    x_ref ^= ref;
  }
  printf("pool: jobs=%d match=%d xor=%llx expected=%llx\n", kJobs, match,
         static_cast<unsigned long long>(x), static_cast<unsigned long long>(x_ref));
  E2E_CHECK(match == kJobs && x == x_ref);
}

} // namespace

int main(int argc, char **argv) {
  // 100000 -> 5000 frames; movestack (2000) -> 40.
  long arg = e2e_arg(argc, argv, 1, 100000);
  depth = arg >= 100000 ? 5000 : arg / 50;
  pingpong();
  pool();
  return e2e_finish("cxx_sched_grow");
}

// bench/sched/boost_waitgroup.h: Go's sync.WaitGroup on Boost.Fiber primitives, for
// boost_bench.cpp and boost_parked_memory.cpp (Boost.Fiber has none; a barrier would make the
// tasks block instead of finish).
#ifndef GOSTACK_BENCH_SCHED_BOOST_WAITGROUP_H
#define GOSTACK_BENCH_SCHED_BOOST_WAITGROUP_H

#include <boost/fiber/all.hpp>

#include <mutex>

class WaitGroup {
  boost::fibers::mutex mu_;
  boost::fibers::condition_variable cv_;
  long n_ = 0;

public:
  void add(long k) {
    std::lock_guard<boost::fibers::mutex> l(mu_);
    n_ += k;
  }
  void done() {
    std::lock_guard<boost::fibers::mutex> l(mu_);
    if (--n_ == 0)
      cv_.notify_all();
  }
  void wait() {
    std::unique_lock<boost::fibers::mutex> l(mu_);
    cv_.wait(l, [this] { return n_ == 0; });
  }
};

#endif

// Stack allocator: size classes, pooling, large mappings, canary, counters, bad input.
#include "internal.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

namespace {

constexpr size_t KB = 1024, MB = 1024 * KB;

gostack_stackalloc_stats Stats() {
  gostack_stackalloc_stats s;
  gostack_stackalloc_get_stats(&s);
  return s;
}

TEST(StackClass, RoundsUpToPowersOfTwoFromTheMinimum) {
  EXPECT_EQ(gostack_stack_class(0), 2048u);
  EXPECT_EQ(gostack_stack_class(1), 2048u);
  EXPECT_EQ(gostack_stack_class(2047), 2048u);
  EXPECT_EQ(gostack_stack_class(2048), 2048u);
  EXPECT_EQ(gostack_stack_class(2049), 4096u);
  EXPECT_EQ(gostack_stack_class(4096), 4096u);
  EXPECT_EQ(gostack_stack_class(4097), 8192u);
  EXPECT_EQ(gostack_stack_class(1000000), 1048576u);
  EXPECT_EQ(gostack_stack_class(size_t{1} << 30), size_t{1} << 30);
  EXPECT_EQ(gostack_stack_class((size_t{1} << 30) + 1), size_t{1} << 31);
}

TEST(StackClass, HugeRequestsHaveNoClass) {
  EXPECT_EQ(gostack_stack_class(size_t{1} << 63), size_t{1} << 63);
  EXPECT_EQ(gostack_stack_class((size_t{1} << 63) + 1), 0u);
  EXPECT_EQ(gostack_stack_class(SIZE_MAX), 0u);
}

TEST(StackAlloc, SizeAlignmentCanaryAndWritableForEveryClass) {
  for (size_t size = GOSTACK_STACK_MIN; size <= 4 * MB; size *= 2) {
    SCOPED_TRACE(size);
    gostack_stack s = gostack_stackalloc(size);
    EXPECT_EQ(s.hi - s.lo, size);
    EXPECT_EQ(s.lo % std::min<size_t>(size, 4096), 0u);
    EXPECT_EQ(*reinterpret_cast<uintptr_t *>(s.lo), GOSTACK_STACK_CANARY);
    // The whole range is ours: fill it (the last word is where a new task's frames go).
    memset(reinterpret_cast<void *>(s.lo + 8), 0xab, size - 8);
    EXPECT_EQ(*reinterpret_cast<unsigned char *>(s.hi - 1), 0xab);
    gostack_stackfree(s);
  }
}

TEST(StackAlloc, PoolIsLifoAndCountsHits) {
  for (size_t size : {2 * KB, 4 * KB, 8 * KB, 16 * KB, 32 * KB}) {
    SCOPED_TRACE(size);
    gostack_stack a = gostack_stackalloc(size);
    gostack_stack b = gostack_stackalloc(size);
    gostack_stackfree(a);
    gostack_stackfree(b);
    gostack_stackalloc_stats before = Stats();
    gostack_stack c = gostack_stackalloc(size);
    gostack_stack d = gostack_stackalloc(size);
    gostack_stackalloc_stats after = Stats();
    EXPECT_EQ(c.lo, b.lo); // last freed, first reused
    EXPECT_EQ(d.lo, a.lo);
    EXPECT_EQ(after.pool_hits - before.pool_hits, 2u);
    EXPECT_EQ(after.mapped_bytes, before.mapped_bytes); // no new mapping
    // The free-list link overwrote the canary; handing the stack out again restores it.
    EXPECT_EQ(*reinterpret_cast<uintptr_t *>(c.lo), GOSTACK_STACK_CANARY);
    gostack_stackfree(c);
    gostack_stackfree(d);
  }
}

TEST(StackAlloc, PoolMapsWholeChunksOnlyAsNeeded) {
  constexpr size_t kChunk = 256 * KB, kCount = 200, kSize = 8 * KB; // 1600 KB: 7 chunks at most
  gostack_stackalloc_stats before = Stats();
  std::vector<gostack_stack> v;
  for (size_t i = 0; i < kCount; i++)
    v.push_back(gostack_stackalloc(kSize));
  size_t grown = Stats().mapped_bytes - before.mapped_bytes;
  EXPECT_EQ(grown % kChunk, 0u);
  EXPECT_LE(grown, (kCount * kSize + kChunk - 1) / kChunk * kChunk);
  for (auto &s : v)
    gostack_stackfree(s);
  EXPECT_EQ(Stats().mapped_bytes - before.mapped_bytes, grown); // pools are never unmapped
}

TEST(StackAlloc, StacksOfAllClassesNeverOverlap) {
  std::vector<gostack_stack> live;
  // 300 of each small class crosses several 256 KB chunks; add a few large ones.
  for (size_t size = 2 * KB; size <= 32 * KB; size *= 2)
    for (int i = 0; i < 300; i++)
      live.push_back(gostack_stackalloc(size));
  for (size_t size : {64 * KB, 128 * KB, 1 * MB, 2 * MB})
    for (int i = 0; i < 3; i++)
      live.push_back(gostack_stackalloc(size));
  std::vector<std::pair<uintptr_t, uintptr_t>> r;
  for (auto &s : live)
    r.emplace_back(s.lo, s.hi);
  std::sort(r.begin(), r.end());
  for (size_t i = 1; i < r.size(); i++)
    ASSERT_LE(r[i - 1].second, r[i].first) << "stack " << i << " overlaps its predecessor";
  for (auto &s : live)
    gostack_stackfree(s);
}

TEST(StackAlloc, LargeStacksAreUnmappedOnFree) {
  // Above the large cache's per-stack limit (4 MB), so free must munmap.
  for (size_t size : {8 * MB, 64 * MB}) {
    SCOPED_TRACE(size);
    gostack_stackalloc_stats before = Stats();
    gostack_stack s = gostack_stackalloc(size);
    EXPECT_EQ(Stats().mapped_bytes, before.mapped_bytes + size);
    EXPECT_EQ(Stats().inuse_bytes, before.inuse_bytes + size);
    gostack_stackfree(s);
    EXPECT_EQ(Stats().mapped_bytes, before.mapped_bytes);
    EXPECT_EQ(Stats().inuse_bytes, before.inuse_bytes);
  }
}

TEST(StackAlloc, SmallLargeStacksAreCachedBriefly) {
  gostack_stack a = gostack_stackalloc(64 * KB);
  gostack_stackfree(a);
  gostack_stackalloc_stats before = Stats();
  gostack_stack b = gostack_stackalloc(64 * KB);
  EXPECT_EQ(b.lo, a.lo);
  EXPECT_EQ(Stats().pool_hits, before.pool_hits + 1);
  EXPECT_EQ(Stats().mapped_bytes, before.mapped_bytes);
  EXPECT_EQ(*reinterpret_cast<uintptr_t *>(b.lo), GOSTACK_STACK_CANARY);
  gostack_stackfree(b);
  // The cache is bounded (16 MB in all): freeing 48 MB of 1 MB stacks leaves at least 32 MB of
  // them unmapped (and may evict what earlier tests left cached, at most 16 MB more).
  std::vector<gostack_stack> many;
  for (int i = 0; i < 48; i++)
    many.push_back(gostack_stackalloc(1 * MB));
  size_t mapped_all = Stats().mapped_bytes;
  for (auto &s : many)
    gostack_stackfree(s);
  EXPECT_GE(mapped_all - Stats().mapped_bytes, 32 * MB);
  EXPECT_LE(mapped_all - Stats().mapped_bytes, 48 * MB + 16 * MB);
  // The newest ones stay: the next 1 MB stack is one of them.
  gostack_stackalloc_stats hits = Stats();
  gostack_stack again = gostack_stackalloc(1 * MB);
  EXPECT_EQ(Stats().pool_hits, hits.pool_hits + 1);
  EXPECT_EQ(Stats().mapped_bytes, hits.mapped_bytes);
  gostack_stackfree(again);
}

TEST(StackAlloc, CountersTrackAllocsFreesAndBytesInUse) {
  gostack_stackalloc_stats before = Stats();
  gostack_stack a = gostack_stackalloc(2 * KB);
  gostack_stack b = gostack_stackalloc(16 * KB);
  gostack_stack c = gostack_stackalloc(4 * MB);
  gostack_stackalloc_stats mid = Stats();
  EXPECT_EQ(mid.allocs - before.allocs, 3u);
  EXPECT_EQ(mid.frees, before.frees);
  EXPECT_EQ(mid.inuse_bytes - before.inuse_bytes, 2 * KB + 16 * KB + 4 * MB);
  EXPECT_GE(mid.mapped_bytes, mid.inuse_bytes);
  gostack_stackfree(a);
  gostack_stackfree(b);
  gostack_stackfree(c);
  gostack_stackalloc_stats after = Stats();
  EXPECT_EQ(after.frees - before.frees, 3u);
  EXPECT_EQ(after.inuse_bytes, before.inuse_bytes);
  EXPECT_EQ(after.allocs, mid.allocs);
}

TEST(StackAlloc, ConcurrentAllocFreeKeepsStacksPrivate) {
  constexpr int kThreads = 4, kIters = 5000;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  gostack_stackalloc_stats before = Stats();
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([t, &errors] {
      std::vector<gostack_stack> mine;
      for (int i = 0; i < kIters; i++) {
        size_t size = size_t{2048} << ((i * 7 + t) % 7); // 2K .. 128K
        gostack_stack s = gostack_stackalloc(size);
        auto *w = reinterpret_cast<uintptr_t *>(s.lo);
        w[1] = s.lo ^ t;
        w[size / 8 - 1] = s.lo ^ t;
        mine.push_back(s);
        if (i % 3 == 2) { // free some, oldest first, after checking nobody else wrote them
          for (auto &m : mine) {
            auto *mw = reinterpret_cast<uintptr_t *>(m.lo);
            if (mw[1] != (m.lo ^ t) || mw[(m.hi - m.lo) / 8 - 1] != (m.lo ^ t))
              errors++;
            gostack_stackfree(m);
          }
          mine.clear();
        }
      }
      for (auto &m : mine)
        gostack_stackfree(m);
    });
  }
  for (auto &th : threads)
    th.join();
  EXPECT_EQ(errors.load(), 0);
  gostack_stackalloc_stats after = Stats();
  EXPECT_EQ(after.allocs - before.allocs, size_t{kThreads} * kIters);
  EXPECT_EQ(after.frees - before.frees, size_t{kThreads} * kIters);
  EXPECT_EQ(after.inuse_bytes, before.inuse_bytes);
}

TEST(StackAllocDeathTest, RejectsSizesThatAreNotAClass) {
  setenv("GOSTACK_SYMBOLIZE", "0", 1); // the message matters here, not the symbols
  EXPECT_EXIT(gostack_stackalloc(3000), testing::ExitedWithCode(2),
              "gostack: fatal: stackalloc: invalid stack size 3000 \\(must be a power of two "
              ">= 2048\\)");
  EXPECT_EXIT(gostack_stackalloc(1024), testing::ExitedWithCode(2),
              "gostack: fatal: stackalloc: invalid stack size 1024");
  EXPECT_EXIT(gostack_stackalloc(0), testing::ExitedWithCode(2), "invalid stack size 0");
}

TEST(StackAllocDeathTest, OutOfAddressSpaceIsFatalWithTheSize) {
  setenv("GOSTACK_SYMBOLIZE", "0", 1);
  // 2^50 bytes exceeds the 47-bit user address space: mmap must fail.
  EXPECT_EXIT(gostack_stackalloc(size_t{1} << 50), testing::ExitedWithCode(2),
              "gostack: fatal: stackalloc: out of memory allocating a 1125899906842624-byte "
              "stack for no task running \\(errno [0-9]+, ENOMEM\\)");
}

TEST(StackAllocDeathTest, RejectsBogusFrees) {
  setenv("GOSTACK_SYMBOLIZE", "0", 1);
  EXPECT_EXIT(gostack_stackfree(gostack_stack{0x10000, 0x10000 + 3000}),
              testing::ExitedWithCode(2), "gostack: fatal: stackfree: invalid stack");
  EXPECT_EXIT(gostack_stackfree(gostack_stack{0x10100, 0x10100 + 8192}),
              testing::ExitedWithCode(2), "stackfree: invalid stack \\[0x10100, 0x12100\\)");
  EXPECT_EXIT(gostack_stackfree(gostack_stack{0, 2048}), testing::ExitedWithCode(2),
              "stackfree: invalid stack");
}

} // namespace

// ---- Per-thread caches (scheduler threads) --------------------------------------------------

// Runs fn on a thread of its own, so the cache it enables dies with it.
template <typename F> void OnCachingThread(F fn) {
  std::thread([&] {
    gostack_stackcache_enable();
    fn();
  }).join();
}

TEST(StackCache, EmptyUntilEnabledAndOnlyForPooledClasses) {
  // This thread never enabled a cache.
  EXPECT_EQ(gostack_stackalloc_cached(2 * KB).lo, 0u);
  OnCachingThread([] {
    EXPECT_EQ(gostack_stackalloc_cached(2 * KB).lo, 0u); // enabled but empty
    gostack_stack s = gostack_stackalloc(2 * KB);         // refills a batch
    gostack_stack c = gostack_stackalloc_cached(2 * KB);  // now served from the cache
    EXPECT_NE(c.lo, 0u);
    EXPECT_EQ(c.hi - c.lo, 2 * KB);
    EXPECT_EQ(*reinterpret_cast<uintptr_t *>(c.lo), GOSTACK_STACK_CANARY);
    EXPECT_EQ(gostack_stackalloc_cached(64 * KB).lo, 0u); // large classes are never cached
    EXPECT_EQ(gostack_stackalloc_cached(3000).lo, 0u);    // not a class
    gostack_stackfree(c);
    gostack_stackfree(s);
  });
}

TEST(StackCache, FreeThenAllocIsLifoWithoutTheSharedPool) {
  OnCachingThread([] {
    gostack_stack a = gostack_stackalloc(4 * KB);
    gostack_stackfree(a);
    gostack_stackalloc_stats before = Stats();
    gostack_stack b = gostack_stackalloc_cached(4 * KB);
    EXPECT_EQ(b.lo, a.lo); // the stack just freed, from this thread's cache
    gostack_stackalloc_stats after = Stats();
    EXPECT_EQ(after.allocs, before.allocs + 1);
    EXPECT_EQ(after.inuse_bytes, before.inuse_bytes + 4 * KB);
    EXPECT_EQ(after.mapped_bytes, before.mapped_bytes);
    gostack_stackfree(b);
  });
}

TEST(StackCache, CachedStacksCountAsFreeAndOverflowGoesBackToThePool) {
  gostack_stackalloc_stats start = Stats();
  OnCachingThread([&] {
    std::vector<gostack_stack> held;
    for (int i = 0; i < 100; i++) // more than the cache holds
      held.push_back(gostack_stackalloc(8 * KB));
    EXPECT_EQ(Stats().inuse_bytes, start.inuse_bytes + 100 * 8 * KB);
    for (gostack_stack s : held)
      gostack_stackfree(s);
    // Everything freed counts as free, cached or flushed to the shared pool.
    EXPECT_EQ(Stats().inuse_bytes, start.inuse_bytes);
    // And the stacks flushed to the pool are handed out again from there.
    gostack_stack again = gostack_stackalloc(8 * KB);
    EXPECT_TRUE(std::any_of(held.begin(), held.end(),
                            [&](gostack_stack s) { return s.lo == again.lo; }));
    gostack_stackfree(again);
  });
  EXPECT_EQ(Stats().allocs - start.allocs, Stats().frees - start.frees);
}

// The conservative strategy's one-pass copy (relocate.c, gostack_copy_relocate_conservative)
// against the two-pass reference it replaces in copystack: memcpy, then
// gostack_relocate_conservative over the copy. Lengths around the vector loop's steps, both
// directions of delta, the range's boundaries.
extern "C" {
#include "adjustframes.h"
}

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace {

TEST(CopyRelocate, MatchesMemcpyThenScan) {
  std::mt19937_64 rng(42);
  const uintptr_t lo = 0x7f0000010000, hi = lo + 0x8000;
  for (intptr_t delta : {intptr_t{0x123450}, intptr_t{-0x9000}}) {
    for (size_t n = 0; n < 70; n++) {
      std::vector<uintptr_t> src(n), dst(n + 2, 0xfeed), ref(n);
      for (size_t i = 0; i < n; i++) {
        switch (rng() % 5) {
        case 0: src[i] = lo + rng() % (hi - lo); break;       // into the stack
        case 1: src[i] = rng() % 2 ? lo : hi - 1; break;       // its first and last byte
        case 2: src[i] = rng() % 2 ? hi : lo - 1; break;       // just outside
        case 3: src[i] = rng(); break;                         // anything
        default: src[i] = rng() % 4096; break;                 // small integers
        }
      }
      memcpy(ref.data(), src.data(), n * sizeof(uintptr_t));
      size_t want = gostack_relocate_conservative(ref.data(), ref.data() + n, lo, hi, delta);
      size_t got =
          gostack_copy_relocate_conservative(dst.data() + 1, src.data(), n, lo, hi, delta);
      EXPECT_EQ(got, want) << n;
      EXPECT_EQ(0, memcmp(dst.data() + 1, ref.data(), n * sizeof(uintptr_t))) << n;
      EXPECT_EQ(dst[0], 0xfeedu);
      EXPECT_EQ(dst[n + 1], 0xfeedu) << "wrote past the end, n = " << n;
    }
  }
}

TEST(CopyRelocate, EmptyRangeIsAPlainCopy) {
  uintptr_t src[3] = {0x20000, 0x2fff8, 7}, dst[3] = {};
  EXPECT_EQ(gostack_copy_relocate_conservative(dst, src, 3, 0x30000, 0x20000, 16), 0u);
  EXPECT_EQ(0, memcmp(dst, src, sizeof src));
  EXPECT_EQ(gostack_copy_relocate_conservative(dst, src, 3, 0x20000, 0x20000, 16), 0u);
  EXPECT_EQ(0, memcmp(dst, src, sizeof src));
}

} // namespace

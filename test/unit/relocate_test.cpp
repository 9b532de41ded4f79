// Conservative relocation on synthetic stacks: frame-pointer chains, pointers into the stack,
// the boundary values, alignment of the range, the returned count.
#include "internal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

namespace {

constexpr size_t kWords = 512; // a 4 KB fake stack

// A fake stack and where it moved: same layout, new address range (old and new do not overlap,
// like a real copy to a freshly allocated stack).
struct Move {
  alignas(16) uintptr_t old_stack[kWords] = {};
  alignas(16) uintptr_t new_stack[kWords] = {};
  uintptr_t old_lo() const { return reinterpret_cast<uintptr_t>(old_stack); }
  uintptr_t old_hi() const { return old_lo() + sizeof old_stack; }
  uintptr_t at(size_t word) const { return old_lo() + word * 8; } // old address of a slot
  intptr_t delta() const {
    return static_cast<intptr_t>(reinterpret_cast<uintptr_t>(new_stack) - old_lo());
  }
  uintptr_t new_at(size_t word) const { return reinterpret_cast<uintptr_t>(&new_stack[word]); }
  size_t Relocate(size_t from_word, size_t to_word) {
    return gostack_relocate_conservative(&new_stack[from_word], &new_stack[to_word], old_lo(),
                                         old_hi(), delta());
  }
};

TEST(Relocate, FramePointerChainAndPointersFollowTheStack) {
  Move m;
  // Three frames at the top of the stack, as a descending x86-64 stack lays them out:
  // [fp] = caller's fp, [fp+8] = return address (code, outside the stack).
  const size_t fp0 = 400, fp1 = 440, fp2 = 480;
  m.old_stack[fp0] = m.at(fp1);
  m.old_stack[fp0 + 1] = 0x401000;
  m.old_stack[fp1] = m.at(fp2);
  m.old_stack[fp1 + 1] = 0x401100;
  m.old_stack[fp2] = 0; // outermost frame
  m.old_stack[fp2 + 1] = 0x401200;
  // Locals: pointers into the stack (including to its first and last byte) and non-pointers.
  m.old_stack[402] = m.at(450);               // &local in a caller's frame
  m.old_stack[403] = m.old_lo();              // lowest byte: must move
  m.old_stack[404] = m.old_hi() - 1;          // highest byte: must move
  m.old_stack[405] = m.old_hi();              // one past the end: never an object, unchanged
  m.old_stack[406] = m.old_lo() - 1;          // just below: unchanged
  m.old_stack[407] = 42;                      // integers
  m.old_stack[408] = static_cast<uintptr_t>(-1);
  m.old_stack[409] = m.at(460) + 3;           // interior, unaligned pointer: moves
  memcpy(m.new_stack, m.old_stack, sizeof m.old_stack);

  size_t changed = m.Relocate(fp0, kWords); // the used part: from the innermost fp to hi
  EXPECT_EQ(changed, 2u /* fp links */ + 4u /* 402, 403, 404, 409 */);

  // The chain now runs through the new stack, with the return addresses untouched.
  EXPECT_EQ(m.new_stack[fp0], m.new_at(fp1));
  EXPECT_EQ(m.new_stack[fp1], m.new_at(fp2));
  EXPECT_EQ(m.new_stack[fp2], 0u);
  EXPECT_EQ(m.new_stack[fp0 + 1], 0x401000u);
  EXPECT_EQ(m.new_stack[fp1 + 1], 0x401100u);
  EXPECT_EQ(m.new_stack[fp2 + 1], 0x401200u);
  EXPECT_EQ(m.new_stack[402], m.new_at(450));
  EXPECT_EQ(m.new_stack[403], m.new_at(0));
  EXPECT_EQ(m.new_stack[404], m.new_at(kWords) - 1);
  EXPECT_EQ(m.new_stack[405], m.old_hi());
  EXPECT_EQ(m.new_stack[406], m.old_lo() - 1);
  EXPECT_EQ(m.new_stack[407], 42u);
  EXPECT_EQ(m.new_stack[408], static_cast<uintptr_t>(-1));
  EXPECT_EQ(m.new_stack[409], m.new_at(460) + 3);
}

TEST(Relocate, OnlyTheGivenRangeIsTouched) {
  Move m;
  for (size_t i = 0; i < kWords; i++)
    m.new_stack[i] = m.at(i);
  EXPECT_EQ(m.Relocate(100, 200), 100u);
  EXPECT_EQ(m.new_stack[99], m.at(99));
  EXPECT_EQ(m.new_stack[100], m.new_at(100));
  EXPECT_EQ(m.new_stack[199], m.new_at(199));
  EXPECT_EQ(m.new_stack[200], m.at(200));
  EXPECT_EQ(m.Relocate(300, 300), 0u); // empty range
}

TEST(Relocate, PartialWordsAtUnalignedEndsAreSkipped) {
  Move m;
  for (size_t i = 0; i < kWords; i++)
    m.new_stack[i] = m.at(i);
  auto base = reinterpret_cast<uintptr_t>(m.new_stack);
  // [base + 4, base + 8*10 + 4): word 0 starts before begin, word 10 ends after end.
  auto *begin = reinterpret_cast<uintptr_t *>(base + 4);
  auto *end = reinterpret_cast<uintptr_t *>(base + 8 * 10 + 4);
  EXPECT_EQ(gostack_relocate_conservative(begin, end, m.old_lo(), m.old_hi(), m.delta()), 9u);
  EXPECT_EQ(m.new_stack[0], m.at(0));
  for (size_t i = 1; i < 10; i++)
    EXPECT_EQ(m.new_stack[i], m.new_at(i)) << i;
  EXPECT_EQ(m.new_stack[10], m.at(10));
}

TEST(Relocate, NegativeDeltaAndEmptyOldRange) {
  // Moving to a lower address (e.g. a shrink into a stack below the old one).
  alignas(8) uintptr_t words[4] = {0x20000, 0x2fff8, 0x30000, 0x1ffff};
  EXPECT_EQ(gostack_relocate_conservative(words, words + 4, 0x20000, 0x30000, -0x8000), 2u);
  EXPECT_EQ(words[0], 0x18000u);
  EXPECT_EQ(words[1], 0x27ff8u);
  EXPECT_EQ(words[2], 0x30000u);
  EXPECT_EQ(words[3], 0x1ffffu);
  // old_hi <= old_lo: nothing is in the range (and the unsigned compare must not wrap).
  EXPECT_EQ(gostack_relocate_conservative(words, words + 4, 0x30000, 0x20000, 16), 0u);
  EXPECT_EQ(gostack_relocate_conservative(words, words + 4, 0x20000, 0x20000, 16), 0u);
}

TEST(Relocate, MatchesAReferenceOnRandomWords) {
  std::mt19937_64 rng(12345);
  const uintptr_t lo = 0x7f0000001000, hi = lo + 0x10000;
  const intptr_t delta = 0x123450;
  std::vector<uintptr_t> words(4096), expect(4096);
  size_t expect_changed = 0;
  for (size_t i = 0; i < words.size(); i++) {
    switch (rng() % 4) { // a mix of in-range, boundary and arbitrary values
    case 0: words[i] = lo + rng() % (hi - lo); break;
    case 1: words[i] = (rng() & 1) ? hi : lo - 1; break;
    case 2: words[i] = (rng() & 1) ? lo : hi - 1; break;
    default: words[i] = rng(); break;
    }
    bool in = words[i] >= lo && words[i] < hi;
    expect[i] = in ? words[i] + delta : words[i];
    expect_changed += in;
  }
  EXPECT_EQ(gostack_relocate_conservative(words.data(), words.data() + words.size(), lo, hi,
                                          delta),
            expect_changed);
  EXPECT_EQ(words, expect);
}

} // namespace

// gostack_parse_size: the grammar of GOSTACK_STACK_MIN / GOSTACK_MAXSTACK values.
#include "internal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace {

size_t Parse(const char *s) {
  size_t v = 0xdeadbeef;
  EXPECT_EQ(gostack_parse_size(s, &v), 1) << '"' << s << '"';
  return v;
}

void Rejects(const char *s) {
  size_t v = 0xdeadbeef;
  EXPECT_EQ(gostack_parse_size(s, &v), 0) << '"' << (s ? s : "(null)") << '"';
  EXPECT_EQ(v, 0xdeadbeefu) << "output written on failure for \"" << (s ? s : "(null)") << '"';
}

TEST(ParseSize, PlainDecimal) {
  EXPECT_EQ(Parse("0"), 0u);
  EXPECT_EQ(Parse("2048"), 2048u);
  EXPECT_EQ(Parse("007"), 7u);
  EXPECT_EQ(Parse("18446744073709551615"), SIZE_MAX);
}

TEST(ParseSize, BinarySuffixesAnyCaseWithOptionalB) {
  EXPECT_EQ(Parse("64k"), 64u << 10);
  EXPECT_EQ(Parse("64K"), 64u << 10);
  EXPECT_EQ(Parse("64kb"), 64u << 10);
  EXPECT_EQ(Parse("64KB"), 64u << 10);
  EXPECT_EQ(Parse("1m"), 1u << 20);
  EXPECT_EQ(Parse("1MB"), 1u << 20);
  EXPECT_EQ(Parse("1G"), size_t{1} << 30);
  EXPECT_EQ(Parse("1gB"), size_t{1} << 30);
  EXPECT_EQ(Parse("2048B"), 2048u);
  EXPECT_EQ(Parse("2048b"), 2048u);
  EXPECT_EQ(Parse("17179869183G"), size_t{17179869183} << 30); // largest that fits
}

TEST(ParseSize, RejectsMalformed) {
  Rejects(nullptr);
  Rejects("");
  Rejects("k");
  Rejects("B");
  Rejects("-1");
  Rejects("+1");
  Rejects(" 1");
  Rejects("1 ");
  Rejects("1 k");
  Rejects("1kk");
  Rejects("1kbb");
  Rejects("1bk");
  Rejects("1t");
  Rejects("1kib");
  Rejects("0x10");
  Rejects("1.5M");
  Rejects("12abc");
}

TEST(ParseSize, RejectsOverflow) {
  Rejects("18446744073709551616");        // SIZE_MAX + 1
  Rejects("99999999999999999999999");
  Rejects("17179869184G");                // 2^34 * 2^30 = 2^64
  Rejects("18014398509481984K");          // 2^54 * 2^10
  Rejects("18446744073709551615k");
}

} // namespace

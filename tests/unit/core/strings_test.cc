#include "scopereg/core/strings.h"

#include <gtest/gtest.h>

#include <set>

namespace scopereg {
namespace {

TEST(StringsTest, SplitKeepsEmptyPieces) {
  auto parts = Split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(SplitWhitespace("  repository:a:pull   repository:b:push ").size(), 2u);
}

TEST(StringsTest, TrimLowerAndNumbers) {
  EXPECT_EQ(TrimSpace(" \tx y\r\n"), "x y");
  EXPECT_EQ(ToLower("Content/READ"), "content/read");
  EXPECT_EQ(ParseUint64("42"), 42u);
  EXPECT_FALSE(ParseUint64("-1").has_value());
  EXPECT_FALSE(ParseUint64("4x").has_value());
  EXPECT_FALSE(ParseUint64("").has_value());
  EXPECT_EQ(ParseInt64("-7"), -7);
}

TEST(StringsTest, UuidsAreVersion4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string u = NewUuid();
    ASSERT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '4');
    EXPECT_TRUE(seen.insert(u).second);
  }
}

}  // namespace
}  // namespace scopereg

#include "scopereg/core/clock.h"

#include <gtest/gtest.h>

#include "testing/fake_clock.h"

namespace scopereg {
namespace {

TEST(ClockTest, FormatsRfc3339InUtc) {
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(FromUnixSeconds(1798761599)), "2026-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(FromUnixMillis(1798761599123), true), "2026-12-31T23:59:59.123Z");
}

TEST(ClockTest, ParsesTheFormsOperatorsWrite) {
  EXPECT_EQ(ParseRfc3339("2026-12-31T23:59:59Z"), FromUnixSeconds(1798761599));
  EXPECT_EQ(ParseRfc3339("2026-12-31T23:59:59.5Z"), FromUnixMillis(1798761599500));
  EXPECT_EQ(ParseRfc3339("2026-12-31T23:59:59.123456Z"), FromUnixMillis(1798761599123));
  EXPECT_EQ(ParseRfc3339("2027-01-01T01:59:59+02:00"), FromUnixSeconds(1798761599));
  EXPECT_EQ(ParseRfc3339("2026-12-31T23:59:59+00:00"), FromUnixSeconds(1798761599));
  EXPECT_EQ(ParseRfc3339("2026-12-31"), FromUnixSeconds(1798675200));
  EXPECT_EQ(ParseRfc3339("2024-02-29T00:00:00Z"), FromUnixSeconds(1709164800));
}

TEST(ClockTest, RejectsMalformedDates) {
  for (const char* bad : {"", "2026", "2026-13-01", "2026-02-30", "2025-02-29T00:00:00Z",
                          "2026-12-31T23:59:59", "2026-12-31T24:00:00Z", "2026-12-31T23:59:59Zjunk",
                          "2026-12-31T23:59Z", "tomorrow", "2026-12-31T23:59:59.Z"}) {
    EXPECT_FALSE(ParseRfc3339(bad).has_value()) << bad;
  }
}

TEST(ClockTest, RoundTripsMillis) {
  Time t = FromUnixMillis(1'800'000'123'456);
  EXPECT_EQ(ParseRfc3339(FormatRfc3339(t, true)), t);
}

TEST(FakeClockTest, MovesOnlyWhenTold) {
  testing::FakeClock clock(FromUnixSeconds(100));
  EXPECT_EQ(clock.Now(), FromUnixSeconds(100));
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(clock.Now(), FromUnixSeconds(105));
}

}  // namespace
}  // namespace scopereg

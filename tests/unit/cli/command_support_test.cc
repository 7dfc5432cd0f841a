#include "scopereg/cli/command_support.h"

#include <gtest/gtest.h>

#include <sstream>

#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace scopereg::cli {
namespace {

using nlohmann::json;

struct Streams {
  std::istringstream in;
  std::ostringstream out, err;
  CliContext ctx;
  explicit Streams(std::string input, bool interactive) : in(std::move(input)) {
    ctx.in = &in;
    ctx.out = &out;
    ctx.err = &err;
    ctx.interactive = interactive;
  }
};

TEST(CommandSupportTest, ConfirmNeedsYesOrATerminal) {
  Streams yes_flag("", false);
  EXPECT_OK(Confirm(yes_flag.ctx, "Delete?", true));
  Streams no_tty("y\n", false);
  Status refused = Confirm(no_tty.ctx, "Delete?", false);
  EXPECT_EQ(refused.code(), StatusCode::kAborted);
  EXPECT_NE(refused.message().find("pass --yes"), std::string_view::npos);
  EXPECT_EQ(no_tty.err.str(), "");  // nobody was asked
  Streams answered_yes(" YES \n", true);
  EXPECT_OK(Confirm(answered_yes.ctx, "Delete?", false));
  EXPECT_EQ(answered_yes.err.str(), "Delete? (y/N): ");
  for (const char* answer : {"n\n", "\n", "", "yep\n"}) {
    Streams s(answer, true);
    EXPECT_EQ(Confirm(s.ctx, "Delete?", false).code(), StatusCode::kAborted) << answer;
  }
}

TEST(CommandSupportTest, ExpiryFlags) {
  testing::FakeClock clock;  // 2027-01-15T08:00:00Z
  ASSERT_OK_AND_ASSIGN(auto none, ExpiryFromFlags({}, clock));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(auto days, ExpiryFromFlags({"", "30"}, clock));
  EXPECT_EQ(days, "2027-02-14T08:00:00Z");
  ASSERT_OK_AND_ASSIGN(auto at, ExpiryFromFlags({"2027-12-31T12:59:59+02:00", ""}, clock));
  EXPECT_EQ(at, "2027-12-31T10:59:59Z");
  ASSERT_OK_AND_ASSIGN(auto date, ExpiryFromFlags({"2027-12-31", ""}, clock));
  EXPECT_EQ(date, "2027-12-31T00:00:00Z");
  auto both = ExpiryFromFlags({"2027-12-31", "3"}, clock);
  EXPECT_EQ(both.status().message(), "usage error: --expiration and --expiration-in-days are mutually exclusive.");
  EXPECT_STATUS(ExpiryFromFlags({"", "0"}, clock), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ExpiryFromFlags({"", "-3"}, clock), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ExpiryFromFlags({"next week", ""}, clock), StatusCode::kInvalidArgument);
}

TEST(CommandSupportTest, LastUse) {
  const Time now = *ParseRfc3339("2027-01-15T08:00:00Z");
  EXPECT_EQ(Ago(now - std::chrono::seconds(20), now), "just now");
  EXPECT_EQ(Ago(now - std::chrono::minutes(1), now), "1 minute ago");
  EXPECT_EQ(Ago(now - std::chrono::hours(5), now), "5 hours ago");
  EXPECT_EQ(Ago(now - std::chrono::hours(24 * 40), now), "40 days ago");
  EXPECT_EQ(LastUseText(json::parse(R"({"name":"password1","lastUsed":null})"), now), "never used");
  EXPECT_EQ(LastUseText(json::parse(R"({"lastUsed":"2027-01-15T07:00:00Z","lastUsedFrom":"192.0.2.1"})"), now),
            "last used 2027-01-15T07:00:00Z (1 hour ago) from 192.0.2.1");
}

TEST(CommandSupportTest, OutputSpecFollowsFlagsThenEnvironment) {
  Streams s("", false);
  ASSERT_OK_AND_ASSIGN(OutputSpec spec, MakeOutputSpec(s.ctx, {}));
  EXPECT_EQ(spec.format, OutputFormat::kJson);
  s.ctx.env["SCOPEREG_OUTPUT"] = "table";
  ASSERT_OK_AND_ASSIGN(spec, MakeOutputSpec(s.ctx, {}));
  EXPECT_EQ(spec.format, OutputFormat::kTable);
  CommonFlags f;
  f.output = "tsv";
  f.query = "passwords[0].value";
  ASSERT_OK_AND_ASSIGN(spec, MakeOutputSpec(s.ctx, f));
  EXPECT_EQ(spec.format, OutputFormat::kTsv);
  ASSERT_TRUE(spec.query.has_value());
  f.query = "passwords[";
  EXPECT_STATUS(MakeOutputSpec(s.ctx, f), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace scopereg::cli

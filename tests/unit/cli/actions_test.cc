#include "scopereg/cli/actions.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::cli {
namespace {

using Strings = std::vector<std::string>;

TEST(ActionsTest, RepositoryArgsBecomeLowerCasedActions) {
  ASSERT_OK_AND_ASSIGN(auto actions, ActionsFromRepositoryArgs({{"Team/App", "content/read", "METADATA/read"},
                                                                 {"other", "content/write"}}));
  EXPECT_EQ(actions, (Strings{"repositories/team/app/content/read", "repositories/team/app/metadata/read",
                              "repositories/other/content/write"}));
}

TEST(ActionsTest, AzMessagesForMissingAndInvalidActions) {
  auto missing = ActionsFromRepositoryArgs({{"hello-world"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "At least one action must be specified with \"hello-world\".");
  auto invalid = ActionsFromRepositoryArgs({{"hello-world", "content/raed"}});
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().message(),
            "Invalid action \"content/raed\" provided. Valid actions are {content/delete, content/read, "
            "content/write, metadata/read, metadata/write}.");
}

TEST(ActionsTest, AddAndRemoveAreComputedClientSide) {
  const Strings current{"repositories/a/content/read", "repositories/a/content/write"};
  ASSERT_OK_AND_ASSIGN(auto out, ApplyActionChanges(current, {"repositories/b/content/read"},
                                                    {"repositories/a/content/write"}));
  EXPECT_EQ(out, (Strings{"repositories/a/content/read", "repositories/b/content/read"}));
  // Adding what is there, and removing what is not, change nothing.
  ASSERT_OK_AND_ASSIGN(out, ApplyActionChanges(current, {"repositories/a/content/read"}, {"repositories/z/content/read"}));
  EXPECT_EQ(out, current);
  // Removal is case-insensitive (the server lower-cases what it stores).
  ASSERT_OK_AND_ASSIGN(out, ApplyActionChanges(current, {}, {"repositories/A/CONTENT/WRITE"}));
  EXPECT_EQ(out, (Strings{"repositories/a/content/read"}));
}

TEST(ActionsTest, SameActionInAddAndRemoveIsAmbiguous) {
  auto r = ApplyActionChanges({}, {"repositories/a/content/read"}, {"repositories/A/content/read"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "Update ambiguity. Duplicate actions were provided with --add and --remove arguments.");
}

TEST(ActionsTest, SplitActionParsesFromTheEnd) {
  EXPECT_EQ(SplitAction("repositories/team/app/content/read"), std::make_pair(std::string("team/app"),
                                                                              std::string("content/read")));
  EXPECT_EQ(SplitAction("repositories/*/metadata/write").first, "*");
  EXPECT_EQ(SplitAction("gateway/x/config/read").first, "");
  EXPECT_EQ(SplitAction("repositories/content/read").first, "");
}

}  // namespace
}  // namespace scopereg::cli

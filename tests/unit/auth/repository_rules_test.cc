#include "scopereg/auth/repository_rules.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

RepositoryRule Rule(std::string_view pattern, ActionSet actions) {
  return RepositoryRule{RepositoryPattern::Parse(pattern).value(), actions};
}

TEST(RepositoryPatternTest, Kinds) {
  ASSERT_OK_AND_ASSIGN(auto root, RepositoryPattern::Parse("*"));
  EXPECT_EQ(root.kind(), RepositoryPattern::Kind::kRoot);
  ASSERT_OK_AND_ASSIGN(auto prefix, RepositoryPattern::Parse("team-a/*"));
  EXPECT_EQ(prefix.kind(), RepositoryPattern::Kind::kPrefix);
  EXPECT_EQ(prefix.base(), "team-a");
  ASSERT_OK_AND_ASSIGN(auto exact, RepositoryPattern::Parse("team-a/app"));
  EXPECT_EQ(exact.kind(), RepositoryPattern::Kind::kExact);
  EXPECT_EQ(exact.base(), "team-a/app");
}

TEST(RepositoryPatternTest, InvalidPatternsFromTheSpec) {
  for (const char* bad : {"a/*/b", "a/b*", "a/*/b/*", "sample/*/teamA", "sample/teamA*", "sample/teamA/*/projectB/*",
                          "", "*/a", "a/**", "/*", "a//*", "A/b", "a/*b", "**", "a b/*"}) {
    auto p = RepositoryPattern::Parse(bad);
    EXPECT_FALSE(p.ok()) << bad;
    if (!p.ok()) {
      EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    }
  }
  auto p = RepositoryPattern::Parse("a/*/b");
  EXPECT_NE(p.status().message().find("\"a/*/b\""), std::string_view::npos) << p.status().ToString();
}

TEST(RepositoryPatternTest, PrefixMatchesBelowButNotItself) {
  auto p = RepositoryPattern::Parse("team-a/*").value();
  EXPECT_TRUE(p.Matches("team-a/x"));
  EXPECT_TRUE(p.Matches("team-a/x/y"));
  EXPECT_FALSE(p.Matches("team-a"));
  EXPECT_FALSE(p.Matches("team-ab/x"));
  EXPECT_FALSE(p.Matches("team-a/"));
  EXPECT_TRUE(RepositoryPattern::Parse("*").value().Matches("anything/at/all"));
  EXPECT_TRUE(RepositoryPattern::Parse("a/b").value().Matches("a/b"));
  EXPECT_FALSE(RepositoryPattern::Parse("a/b").value().Matches("a/b/c"));
}

TEST(CompiledRulesTest, UnionSemanticsWorkedExample) {
  const ActionSet read{Action::kContentRead};
  const ActionSet write{Action::kContentWrite};
  const ActionSet del{Action::kContentDelete};
  CompiledRules rules({Rule("sample/*", read), Rule("sample/teama/*", write), Rule("sample/teama/projectb", del)});
  EXPECT_EQ(rules.Allowed("sample/teama/projectb"), read | write | del);
  EXPECT_EQ(rules.Allowed("sample/teama/projectc"), read | write);
  EXPECT_EQ(rules.Allowed("sample/teama"), read);
  EXPECT_EQ(rules.Allowed("sample/teama/projectb/sub"), read | write);
  EXPECT_EQ(rules.Allowed("sample"), ActionSet());
  EXPECT_EQ(rules.Allowed("other/x"), ActionSet());
  EXPECT_EQ(rules.AnyAllowed(), read | write | del);
}

TEST(CompiledRulesTest, RootAndExactCombine) {
  CompiledRules rules({Rule("*", {Action::kContentRead}), Rule("app", {Action::kContentWrite}),
                       Rule("app", {Action::kMetadataRead})});
  EXPECT_EQ(rules.Allowed("app"), (ActionSet{Action::kContentRead, Action::kContentWrite, Action::kMetadataRead}));
  EXPECT_EQ(rules.Allowed("x/y/z"), ActionSet{Action::kContentRead});
  EXPECT_EQ(rules.rule_count(), 2u);
  EXPECT_EQ(CompiledRules().Allowed("x"), ActionSet());
  EXPECT_TRUE(CompiledRules().empty());
}

TEST(CompiledRulesTest, AgreesWithPatternMatchesOnManyNames) {
  std::vector<RepositoryRule> list;
  list.push_back(Rule("a/*", {Action::kContentRead}));
  list.push_back(Rule("a/b/*", {Action::kContentWrite}));
  list.push_back(Rule("a/b/c", {Action::kContentDelete}));
  list.push_back(Rule("x", {Action::kMetadataRead}));
  list.push_back(Rule("x/y/*", {Action::kMetadataWrite}));
  CompiledRules compiled(list);
  for (const char* repo : {"a", "a/b", "a/b/c", "a/b/c/d", "a/bc", "ab/c", "x", "x/y", "x/y/z", "x/y/z/w", "y"}) {
    ActionSet expected;
    for (const auto& r : list) {
      if (r.pattern.Matches(repo)) expected |= r.actions;
    }
    EXPECT_EQ(compiled.Allowed(repo), expected) << repo;
  }
}

TEST(NormalizeRulesTest, MergesSortsAndDropsEmpty) {
  auto rules = NormalizeRules({Rule("b", {Action::kContentRead}), Rule("a/*", {Action::kContentWrite}),
                               Rule("b", {Action::kMetadataRead}), Rule("c", ActionSet())});
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].pattern.text(), "a/*");
  EXPECT_EQ(rules[1].pattern.text(), "b");
  EXPECT_EQ(rules[1].actions, (ActionSet{Action::kContentRead, Action::kMetadataRead}));
}

}  // namespace
}  // namespace scopereg::auth

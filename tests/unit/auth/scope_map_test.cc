#include "scopereg/auth/scope_map.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

using ::testing::HasSubstr;

std::string Message(const Status& s) { return std::string(s.message()); }

TEST(ScopeMapNameTest, Edges) {
  EXPECT_OK(ValidateScopeMapName("abcde"));
  EXPECT_OK(ValidateScopeMapName(std::string(50, 'a')));
  EXPECT_OK(ValidateScopeMapName("My_Scope-Map1"));
  EXPECT_STATUS(ValidateScopeMapName("abcd"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ValidateScopeMapName(std::string(51, 'a')), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ValidateScopeMapName("abc.de"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ValidateScopeMapName("abc de"), StatusCode::kInvalidArgument);
  Status reserved = ValidateScopeMapName("_mine_");
  EXPECT_EQ(reserved.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(reserved), HasSubstr("name: \"_mine_\""));
  EXPECT_THAT(Message(reserved), HasSubstr("reserved"));
  EXPECT_THAT(Message(ValidateScopeMapName("ab")), HasSubstr("name: \"ab\" must be 5 to 50 characters"));
}

TEST(ScopeMapDescriptionTest, Edges) {
  EXPECT_OK(ValidateScopeMapDescription(""));
  EXPECT_OK(ValidateScopeMapDescription(std::string(256, 'x')));
  // 256 characters, more bytes: counted in characters.
  std::string umlauts;
  for (int i = 0; i < 256; ++i) umlauts += "\xc3\xa4";
  EXPECT_OK(ValidateScopeMapDescription(umlauts));
  EXPECT_STATUS(ValidateScopeMapDescription(std::string(257, 'x')), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ValidateScopeMapDescription("bad\nline"), StatusCode::kInvalidArgument);
  EXPECT_STATUS(ValidateScopeMapDescription("\xff\xfe"), StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(ValidateScopeMapDescription(std::string(300, 'x'))), HasSubstr("description: "));
}

TEST(ScopeMapActionTest, ParsesBySuffixAndLowerCases) {
  ASSERT_OK_AND_ASSIGN(RepositoryRule r, ParseScopeMapAction("repositories/Team-A/App/content/read"));
  EXPECT_EQ(r.pattern.text(), "team-a/app");
  EXPECT_EQ(r.actions, ActionSet{Action::kContentRead});
  ASSERT_OK_AND_ASSIGN(RepositoryRule w, ParseScopeMapAction("REPOSITORIES/team/*/METADATA/WRITE"));
  EXPECT_EQ(w.pattern.text(), "team/*");
  EXPECT_EQ(w.actions, ActionSet{Action::kMetadataWrite});
  ASSERT_OK_AND_ASSIGN(RepositoryRule root, ParseScopeMapAction("repositories/*/content/delete"));
  EXPECT_EQ(root.pattern.kind(), RepositoryPattern::Kind::kRoot);
  // A repository whose last component looks like an action word.
  ASSERT_OK_AND_ASSIGN(RepositoryRule odd, ParseScopeMapAction("repositories/content/read/content/read"));
  EXPECT_EQ(odd.pattern.text(), "content/read");
}

TEST(ScopeMapActionTest, Errors) {
  auto unknown = ParseScopeMapAction("repositories/app/content/reed", "actions[2]");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(unknown.status()), HasSubstr("actions[2]: Invalid action \"content/reed\" provided"));
  EXPECT_THAT(Message(unknown.status()), HasSubstr("Valid actions are {content/delete, content/read, content/write, "
                                                   "metadata/read, metadata/write}."));

  auto form = ParseScopeMapAction("app/content/read");
  EXPECT_THAT(Message(form.status()), HasSubstr("must have the form repositories/"));
  auto gateway = ParseScopeMapAction("gateway/edge/config/read");
  EXPECT_THAT(Message(gateway.status()), HasSubstr("gateway actions"));
  auto no_repo = ParseScopeMapAction("repositories/content/read");
  EXPECT_FALSE(no_repo.ok());
  auto wildcard = ParseScopeMapAction("repositories/a/*/b/content/read", "actions[0]");
  EXPECT_THAT(Message(wildcard.status()), HasSubstr("actions[0]: invalid repository pattern \"a/*/b\""));
  auto name = ParseScopeMapAction("repositories/a..b/content/read");
  EXPECT_THAT(Message(name.status()), HasSubstr("\"a..b\""));
}

TEST(ScopeMapActionsTest, CollapsesDuplicatesAndFormatsCanonically) {
  std::vector<std::string> actions = {"repositories/b/content/read", "repositories/a/*/content/write",
                                      "repositories/B/CONTENT/READ", "repositories/b/metadata/read"};
  ASSERT_OK_AND_ASSIGN(auto rules, ParseScopeMapActions(actions, ScopeMapLimits{}));
  ScopeMap m;
  m.rules = rules;
  EXPECT_EQ(m.ActionStrings(), (std::vector<std::string>{"repositories/a/*/content/write",
                                                         "repositories/b/content/read",
                                                         "repositories/b/metadata/read"}));
  EXPECT_EQ(m.action_count(), 3u);
}

TEST(ScopeMapActionsTest, Limits) {
  ScopeMapLimits limits{.max_repositories = 3, .max_actions = 4};
  std::vector<std::string> three_repos = {"repositories/a/content/read", "repositories/b/content/read",
                                          "repositories/c/content/read", "repositories/c/content/write"};
  EXPECT_OK(ParseScopeMapActions(three_repos, limits));
  auto four_repos = three_repos;
  four_repos.push_back("repositories/d/content/read");
  auto r = ParseScopeMapActions(four_repos, limits);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(Message(r.status()), HasSubstr("actions: 4 repositories exceed the limit of 3"));
  auto five_actions = three_repos;
  five_actions.push_back("repositories/c/content/delete");
  auto a = ParseScopeMapActions(five_actions, limits);
  EXPECT_THAT(Message(a.status()), HasSubstr("actions: 5 actions exceed the limit of 4"));
  // Duplicates do not count twice.
  auto dup = three_repos;
  dup.push_back("repositories/A/content/read");
  EXPECT_OK(ParseScopeMapActions(dup, limits));
  EXPECT_THAT(Message(ParseScopeMapActions({}, limits).status()), HasSubstr("at least one action"));
}

TEST(ScopeMapActionsTest, DefaultLimitsAre500) {
  std::vector<std::string> actions;
  for (int i = 0; i < 500; ++i) actions.push_back("repositories/repo" + std::to_string(i) + "/content/read");
  EXPECT_OK(ParseScopeMapActions(actions, ScopeMapLimits{}));
  actions.push_back("repositories/one-more/content/read");
  EXPECT_STATUS(ParseScopeMapActions(actions, ScopeMapLimits{}), StatusCode::kInvalidArgument);
}

TEST(SystemScopeMapsTest, TheFive) {
  const auto& maps = SystemScopeMaps();
  ASSERT_EQ(maps.size(), 5u);
  auto actions_on_root = [](std::string_view name) {
    const ScopeMap* m = FindSystemScopeMap(name);
    EXPECT_NE(m, nullptr) << name;
    if (m == nullptr) return ActionSet();
    EXPECT_TRUE(m->is_system());
    EXPECT_EQ(m->rules.size(), 1u);
    EXPECT_EQ(m->rules[0].pattern.text(), "*");
    return m->rules[0].actions;
  };
  using A = Action;
  EXPECT_EQ(actions_on_root("_repositories_pull"), ActionSet{A::kContentRead});
  EXPECT_EQ(actions_on_root("_repositories_pull_metadata_read"), (ActionSet{A::kContentRead, A::kMetadataRead}));
  EXPECT_EQ(actions_on_root("_repositories_push"), (ActionSet{A::kContentRead, A::kContentWrite}));
  EXPECT_EQ(actions_on_root("_repositories_push_metadata_write"),
            (ActionSet{A::kContentRead, A::kContentWrite, A::kMetadataRead, A::kMetadataWrite}));
  EXPECT_EQ(actions_on_root("_repositories_admin"), ActionSet::All());
  EXPECT_FALSE(IsSystemScopeMapName("_repositories_other"));
  EXPECT_FALSE(IsSystemScopeMapName("repositories_pull"));
  for (const ScopeMap& m : maps) EXPECT_FALSE(ValidateScopeMapName(m.name).ok()) << m.name;
}

}  // namespace
}  // namespace scopereg::auth

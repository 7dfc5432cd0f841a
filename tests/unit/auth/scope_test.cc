#include "scopereg/auth/scope.h"

#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

TEST(ResourceScopeTest, ParsesTheCommonForms) {
  ASSERT_OK_AND_ASSIGN(ResourceScope s, ParseResourceScope("repository:team-a/app:pull,push"));
  EXPECT_EQ(s.type, "repository");
  EXPECT_EQ(s.name, "team-a/app");
  EXPECT_EQ(s.actions, (std::vector<std::string>{"pull", "push"}));
  EXPECT_EQ(s.resource_class, "");

  ASSERT_OK_AND_ASSIGN(ResourceScope catalog, ParseResourceScope(kCatalogScope));
  EXPECT_EQ(catalog.type, "registry");
  EXPECT_EQ(catalog.name, "catalog");
  EXPECT_EQ(catalog.actions, std::vector<std::string>{"*"});
}

TEST(ResourceScopeTest, NameMayContainAPort) {
  ASSERT_OK_AND_ASSIGN(ResourceScope s, ParseResourceScope("repository:localhost:5000/foo/bar:pull"));
  EXPECT_EQ(s.name, "localhost:5000/foo/bar");
  EXPECT_EQ(s.actions, std::vector<std::string>{"pull"});
}

TEST(ResourceScopeTest, ClassEmptyActionsAndUnknownVerbs) {
  ASSERT_OK_AND_ASSIGN(ResourceScope plugin, ParseResourceScope("repository(plugin):vieux/sshfs:pull"));
  EXPECT_EQ(plugin.type, "repository");
  EXPECT_EQ(plugin.resource_class, "plugin");
  EXPECT_EQ(FormatResourceScope(plugin), "repository(plugin):vieux/sshfs:pull");
  ASSERT_OK_AND_ASSIGN(ResourceScope none, ParseResourceScope("repository:x:"));
  EXPECT_TRUE(none.actions.empty());
  ASSERT_OK_AND_ASSIGN(ResourceScope gaps, ParseResourceScope("repository:x:pull,,bogus"));
  EXPECT_EQ(gaps.actions, (std::vector<std::string>{"pull", "bogus"}));
  ASSERT_OK_AND_ASSIGN(ResourceScope helm, ParseResourceScope("artifact-repository:chart:pull"));
  EXPECT_EQ(helm.type, "artifact-repository");
}

TEST(ResourceScopeTest, Malformed) {
  for (const char* bad : {"repository", "repository:x", ":x:pull", "repository::pull", "Repo:x:pull",
                          "repository(:x:pull", "repository(plugin:x:pull", "repository():x:pull", ""}) {
    auto r = ParseResourceScope(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(ParseResourceScope("repository:" + std::string(kMaxScopeLength, 'a') + ":pull").ok());
}

TEST(ScopesTest, RepeatedAndSpaceSeparated) {
  std::vector<std::string> params = {"repository:a:pull", "repository:b:push registry:catalog:*", "", "  "};
  ASSERT_OK_AND_ASSIGN(auto scopes, ParseScopes(params));
  ASSERT_EQ(scopes.size(), 3u);
  EXPECT_EQ(scopes[0].name, "a");
  EXPECT_EQ(scopes[1].name, "b");
  EXPECT_EQ(scopes[2].type, "registry");
  EXPECT_STATUS(ParseScopes(std::vector<std::string>{"repository:a:pull bad"}), StatusCode::kInvalidArgument);
}

TEST(ScopesTest, Limit) {
  std::string many;
  for (std::size_t i = 0; i < kMaxScopesPerRequest; ++i) many += "repository:r" + std::to_string(i) + ":pull ";
  EXPECT_OK(ParseScopes(std::vector<std::string>{many}));
  many += "repository:one-more:pull";
  EXPECT_STATUS(ParseScopes(std::vector<std::string>{many}), StatusCode::kInvalidArgument);
}

TEST(ChallengeTest, Format) {
  EXPECT_EQ(FormatBearerChallenge({"https://reg.example/oauth2/token", "reg.example",
                                   {RepositoryScope("team/app", {Action::kContentRead})}, ""}),
            R"(Bearer realm="https://reg.example/oauth2/token",service="reg.example",scope="repository:team/app:pull")");
  EXPECT_EQ(FormatBearerChallenge({"https://r/t", "r",
                                   {RepositoryScope("a", {Action::kContentRead, Action::kContentWrite}),
                                    std::string(kCatalogScope)},
                                   "insufficient_scope"}),
            R"(Bearer realm="https://r/t",service="r",scope="repository:a:pull,push registry:catalog:*",error="insufficient_scope")");
  EXPECT_EQ(FormatBearerChallenge({"https://r/t", "", {}, ""}), R"(Bearer realm="https://r/t")");
}

TEST(ChallengeTest, QuotingCannotBreakTheHeader) {
  const std::string header = FormatBearerChallenge({"https://r/t\"x\\y", "evil\r\nSet-Cookie: a=b", {}, ""});
  EXPECT_EQ(header, R"(Bearer realm="https://r/t\"x\\y",service="evilSet-Cookie: a=b")");
  EXPECT_EQ(header.find('\r'), std::string::npos);
  EXPECT_EQ(header.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace scopereg::auth

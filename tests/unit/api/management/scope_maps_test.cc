// /api/v1/scopeMaps over loopback HTTP.
#include <set>

#include "management_fixture.h"

namespace scopereg::api::management::testing {
namespace {

TEST_F(ManagementApiTest, ListsSystemAndUserScopeMapsSorted) {
  CreateScopeMap("team-a-read", {"repositories/team-a/*/content/read"});
  Reply r = Send("GET", "/api/v1/scopeMaps", auditor_);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  std::vector<std::string> names;
  for (const Json& m : r.body["value"]) names.push_back(m["name"].get<std::string>());
  EXPECT_EQ(names, (std::vector<std::string>{"_repositories_admin", "_repositories_pull",
                                             "_repositories_pull_metadata_read", "_repositories_push",
                                             "_repositories_push_metadata_write", "team-a-read"}));
  EXPECT_EQ(r.body["value"][1]["type"], "SystemDefined");
  EXPECT_EQ(r.body["value"][1]["actions"], (Json{"repositories/*/content/read"}));
  EXPECT_EQ(r.body["value"][5]["type"], "UserDefined");
  EXPECT_TRUE(r.header("Link").empty());
}

TEST_F(ManagementApiTest, PaginatesWithLinkHeaders) {
  for (int i = 0; i < 7; ++i) CreateScopeMap("map-" + std::to_string(i), {"repositories/x/content/read"});
  std::vector<std::string> seen;
  std::string next = "/api/v1/scopeMaps?n=3";
  int pages = 0;
  while (!next.empty() && pages < 10) {
    Reply r = AsOwner("GET", next);
    ASSERT_EQ(r.status, 200) << r.raw.body;
    EXPECT_LE(r.body["value"].size(), 3u);
    for (const Json& m : r.body["value"]) seen.push_back(m["name"].get<std::string>());
    next.clear();
    if (std::string link = r.header("Link"); !link.empty()) {
      ASSERT_EQ(link.front(), '<');
      next = link.substr(1, link.find('>') - 1);
      EXPECT_NE(link.find("rel=\"next\""), std::string::npos);
    }
    ++pages;
  }
  EXPECT_EQ(pages, 4);  // 12 maps (5 system + 7) in pages of 3
  EXPECT_EQ(seen.size(), 12u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 12u);

  for (const char* bad : {"n=0", "n=-1", "n=abc"}) {
    Reply r = AsOwner("GET", std::string("/api/v1/scopeMaps?") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_NE(r.error_message().find("n: "), std::string::npos);
  }
  // Larger n is clamped to the maximum (1000), not refused.
  EXPECT_EQ(AsOwner("GET", "/api/v1/scopeMaps?n=100000").body["value"].size(), 12u);
}

TEST_F(ManagementApiTest, CreateGetUpdateDeleteScopeMap) {
  Reply r = AsOwner("PUT", "/api/v1/scopeMaps/hello-read",
                    R"({"description":"Sample","actions":["repositories/Hello-World/content/read",
                        "repositories/hello-world/metadata/read"]})");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.header("Location"), "/api/v1/scopeMaps/hello-read");
  EXPECT_EQ(r.body["name"], "hello-read");
  EXPECT_EQ(r.body["description"], "Sample");
  EXPECT_EQ(r.body["type"], "UserDefined");
  EXPECT_EQ(r.body["creationDate"], FormatRfc3339(clock_.Now()));
  // Lower-cased and sorted, as az lists them.
  EXPECT_EQ(r.body["actions"],
            (Json{"repositories/hello-world/content/read", "repositories/hello-world/metadata/read"}));
  const std::string etag = r.body["etag"].get<std::string>();
  EXPECT_EQ(r.header("ETag"), "\"" + etag + "\"");

  r = Send("GET", "/api/v1/scopeMaps/hello-read", auditor_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["etag"], etag);

  // Update replaces the whole action list.
  r = AsOwner("PATCH", "/api/v1/scopeMaps/hello-read", R"({"actions":["repositories/other/content/write"]})",
              {{"If-Match", "\"" + etag + "\""}});
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["actions"], (Json{"repositories/other/content/write"}));
  EXPECT_EQ(r.body["description"], "Sample");
  EXPECT_NE(r.body["etag"], etag);

  // The old etag no longer matches.
  r = AsOwner("PATCH", "/api/v1/scopeMaps/hello-read", R"({"description":"x"})", {{"If-Match", etag}});
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(r.error_code(), "PreconditionFailed");
  r = AsOwner("PATCH", "/api/v1/scopeMaps/hello-read", R"({"description":"x"})", {{"If-Match", "yesterday"}});
  EXPECT_EQ(r.status, 400);
  r = AsOwner("PATCH", "/api/v1/scopeMaps/hello-read", "{}");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("no scope map properties to update"), std::string::npos);

  r = AsOwner("DELETE", "/api/v1/scopeMaps/hello-read", "", {{"If-Match", etag}});
  EXPECT_EQ(r.status, 412);
  r = AsOwner("DELETE", "/api/v1/scopeMaps/hello-read");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(AsOwner("GET", "/api/v1/scopeMaps/hello-read").status, 404);
  r = AsOwner("DELETE", "/api/v1/scopeMaps/hello-read");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "NotFound");
}

TEST_F(ManagementApiTest, ScopeMapErrorsMapToStatuses) {
  CreateScopeMap("existing", {"repositories/a/content/read"});
  Reply r = AsOwner("PUT", "/api/v1/scopeMaps/existing", R"({"actions":["repositories/a/content/read"]})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "AlreadyExists");

  r = AsOwner("PUT", "/api/v1/scopeMaps/badmap", R"({"actions":["repositories/a/content/read","repos/b"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("actions[1]"), std::string::npos);
  r = AsOwner("PUT", "/api/v1/scopeMaps/badmap", R"({"description":"no actions"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("actions: required"), std::string::npos);
  r = AsOwner("PUT", "/api/v1/scopeMaps/_mine", R"({"actions":["repositories/a/content/read"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("name"), std::string::npos);

  // System maps are read-only.
  r = AsOwner("PATCH", "/api/v1/scopeMaps/_repositories_pull", R"({"description":"mine now"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "FailedPrecondition");
  r = AsOwner("DELETE", "/api/v1/scopeMaps/_repositories_admin");
  EXPECT_EQ(r.status, 409);
}

TEST_F(ManagementApiTest, ScopeMapInUseCannotBeDeletedAndListsItsTokens) {
  CreateScopeMap("shared-map", {"repositories/a/content/read"});
  CreateToken("token-one", Json{{"scopeMap", "shared-map"}, {"passwords", Json::array()}});
  CreateToken("token-two", Json{{"scopeMap", "shared-map"}, {"passwords", Json::array()}});
  Reply r = AsOwner("DELETE", "/api/v1/scopeMaps/shared-map");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "FailedPrecondition");
  EXPECT_NE(r.error_message().find("token-one"), std::string::npos) << r.error_message();
  EXPECT_NE(r.error_message().find("token-two"), std::string::npos);

  r = Send("GET", "/api/v1/scopeMaps/shared-map/tokens", auditor_);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, (Json{{"scopeMap", "shared-map"}, {"tokens", {"token-one", "token-two"}}}));
  EXPECT_EQ(AsOwner("GET", "/api/v1/scopeMaps/_repositories_push/tokens").body["tokens"], Json::array());
  EXPECT_EQ(AsOwner("GET", "/api/v1/scopeMaps/nothing/tokens").status, 404);
}

}  // namespace
}  // namespace scopereg::api::management::testing

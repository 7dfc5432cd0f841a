// /api/v1/adminUser, /api/v1/operators and /api/v1/export over loopback HTTP.
#include "management_fixture.h"

namespace scopereg::api::management::testing {
namespace {

TEST_F(ManagementApiTest, AdminUserLifecycle) {
  Reply r = Send("GET", "/api/v1/adminUser", auditor_);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["enabled"], false);
  EXPECT_EQ(r.body["username"], kRegistryName);
  EXPECT_EQ(r.body["passwords"], Json::array());

  r = AsOwner("POST", "/api/v1/adminUser/enable");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  EXPECT_EQ(r.body["enabled"], true);
  ASSERT_EQ(r.body["passwords"].size(), 2u);
  EXPECT_EQ(r.body["passwords"][0]["name"], "password");
  EXPECT_EQ(r.body["passwords"][1]["name"], "password2");
  const std::string first = r.body["passwords"][0]["value"].get<std::string>();
  EXPECT_EQ(first.size(), auth::kPasswordLength);

  // Enabling again generates nothing new: no values.
  r = AsOwner("POST", "/api/v1/adminUser/enable", "{}");
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.body["passwords"][0].contains("value"));

  r = AsOwner("GET", "/api/v1/adminUser");
  EXPECT_EQ(r.body["enabled"], true);
  EXPECT_EQ(r.raw.body.find(first), std::string::npos);
  EXPECT_EQ(r.body["passwords"][0]["creationTime"], FormatRfc3339(clock_.Now()));

  r = AsOwner("POST", "/api/v1/adminUser/regenerateCredential", R"({"name":"password2"})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["username"], kRegistryName);
  ASSERT_EQ(r.body["passwords"].size(), 1u);
  EXPECT_EQ(r.body["passwords"][0]["name"], "password2");
  EXPECT_EQ(r.body["passwords"][0]["value"].get<std::string>().size(), auth::kPasswordLength);
  for (const char* bad :
       {"{}", R"({"name":"password1"})", R"({"name":"password3"})", R"({"slot":"password"})"}) {
    EXPECT_EQ(AsOwner("POST", "/api/v1/adminUser/regenerateCredential", bad).status, 400) << bad;
  }

  r = AsOwner("POST", "/api/v1/adminUser/disable");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["enabled"], false);
  EXPECT_EQ(r.body["passwords"].size(), 2u);  // kept for re-enabling

  EXPECT_EQ(Send("POST", "/api/v1/adminUser/enable", token_admin_).status, 403);
}

TEST_F(ManagementApiTest, OperatorsSecretShownOnceAndUsable) {
  Reply r =
      AsOwner("POST", "/api/v1/operators", R"({"id":"ci-bot","role":"token-admin","description":"CI"})");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  EXPECT_EQ(r.header("Location"), "/api/v1/operators/ci-bot");
  EXPECT_EQ(r.body["id"], "ci-bot");
  EXPECT_EQ(r.body["role"], "token-admin");
  EXPECT_EQ(r.body["description"], "CI");
  const std::string secret = r.body["secret"].get<std::string>();
  EXPECT_TRUE(secret.starts_with("srop_ci-bot."));

  Reply who = Send("GET", "/api/v1/whoami", secret);
  ASSERT_EQ(who.status, 200);
  EXPECT_EQ(who.body["id"], "ci-bot");

  r = Send("GET", "/api/v1/operators", auditor_);
  ASSERT_EQ(r.status, 200);
  std::vector<std::string> ids;
  for (const Json& op : r.body["value"]) {
    ids.push_back(op["id"].get<std::string>());
    EXPECT_FALSE(op.contains("secret"));
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"audit", "ci-bot", "root", "tadmin"}));
  EXPECT_EQ(r.raw.body.find(secret.substr(secret.find('.') + 1)), std::string::npos);
  r = AsOwner("GET", "/api/v1/operators/ci-bot");
  ASSERT_EQ(r.status, 200);
  EXPECT_FALSE(r.body.contains("secret"));
  EXPECT_EQ(AsOwner("GET", "/api/v1/operators/nobody").status, 404);

  EXPECT_EQ(AsOwner("POST", "/api/v1/operators", R"({"id":"ci-bot","role":"auditor"})").status, 409);
  EXPECT_EQ(AsOwner("POST", "/api/v1/operators", R"({"id":"x","role":"auditor"})").status, 400);
  EXPECT_EQ(AsOwner("POST", "/api/v1/operators", R"({"id":"valid-id","role":"admin"})").status, 400);
  EXPECT_EQ(AsOwner("POST", "/api/v1/operators", R"({"role":"auditor"})").status, 400);
  EXPECT_EQ(Send("POST", "/api/v1/operators", secret, R"({"id":"escalate","role":"owner"})").status, 403);

  EXPECT_EQ(AsOwner("DELETE", "/api/v1/operators/ci-bot").status, 204);
  EXPECT_EQ(Send("GET", "/api/v1/whoami", secret).status, 401);
  // The last owner stays.
  r = AsOwner("DELETE", "/api/v1/operators/root");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.error_message().find("last owner"), std::string::npos);
}

TEST_F(ManagementApiTest, ExportIsSanitizedSortedAndStable) {
  CreateScopeMap("zz-map", {"repositories/z/*/content/read"});
  CreateToken("export-b", Json{{"scopeMap", "zz-map"}, {"labels", {{"env", "prod"}}}});
  CreateToken("export-a", Json{{"scopeMap", "_repositories_pull"}, {"owner", "me"}});
  ASSERT_EQ(AsOwner("POST", "/api/v1/adminUser/enable").status, 200);

  Reply first = Send("GET", "/api/v1/export", auditor_);
  ASSERT_EQ(first.status, 200) << first.raw.body;
  const Json& e = first.body;
  EXPECT_EQ(e["registry"], kRegistryName);
  EXPECT_EQ(e["exportedAt"], FormatRfc3339(clock_.Now()));
  ASSERT_EQ(e["scopeMaps"].size(), 6u);
  EXPECT_EQ(e["scopeMaps"][5]["name"], "zz-map");
  ASSERT_EQ(e["tokens"].size(), 2u);
  EXPECT_EQ(e["tokens"][0]["name"], "export-a");
  EXPECT_EQ(e["tokens"][1]["labels"], (Json{{"env", "prod"}}));
  EXPECT_EQ(e["tokens"][1]["credentials"]["passwords"].size(), 2u);
  EXPECT_EQ(e["adminUser"]["enabled"], true);
  EXPECT_EQ(e["operators"].size(), 3u);
  // No etags, values, digests or secrets.
  for (const char* field : {"\"etag\"", "\"value\"", "\"secret\"", "digest"}) {
    EXPECT_EQ(first.raw.body.find(field), std::string::npos) << field;
  }

  clock_.Advance(std::chrono::minutes(5));
  Reply second = AsOwner("GET", "/api/v1/export");
  Json a = first.body, b = second.body;
  a.erase("exportedAt");
  b.erase("exportedAt");
  EXPECT_EQ(a, b);
  // Byte-identical apart from the timestamp.
  auto without_timestamp = [](std::string text, Time t) {
    const std::string line = "\"exportedAt\": \"" + FormatRfc3339(t) + "\"";
    const auto at = text.find(line);
    EXPECT_NE(at, std::string::npos);
    if (at != std::string::npos) text.erase(at, line.size());
    return text;
  };
  const std::string text_a = without_timestamp(first.raw.body, clock_.Now() - std::chrono::minutes(5));
  const std::string text_b = without_timestamp(second.raw.body, clock_.Now());
  EXPECT_EQ(text_a, text_b);
}

}  // namespace
}  // namespace scopereg::api::management::testing

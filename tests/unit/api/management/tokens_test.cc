// /api/v1/tokens over loopback HTTP: create, show, update, delete,
// passwords shown once, last-used data, If-Match and concurrent updates.
#include <thread>

#include "management_fixture.h"
#include "scopereg/core/encoding.h"

namespace scopereg::api::management::testing {
namespace {

// Every "value" anywhere in `j`.
void CollectValues(const Json& j, std::vector<std::string>& out) {
  if (j.is_object()) {
    for (const auto& item : j.items()) {
      if (item.key() == "value" && item.value().is_string()) out.push_back(item.value().get<std::string>());
      CollectValues(item.value(), out);
    }
  } else if (j.is_array()) {
    for (const Json& v : j) CollectValues(v, out);
  }
}

TEST_F(ManagementApiTest, CreateWithRepositoryActionsShowsPasswordsExactlyOnce) {
  Reply r = Send("PUT", "/api/v1/tokens/ci-puller", token_admin_,
                 Json{{"repositoryActions",
                       {"repositories/hello-world/content/read", "repositories/hello-world/metadata/read"}},
                      {"owner", "team-a@example.com"},
                      {"description", "CI pulls"},
                      {"labels", {{"team", "a"}}}}
                     .dump());
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  EXPECT_EQ(r.header("Location"), "/api/v1/tokens/ci-puller");
  EXPECT_EQ(r.body["scopeMap"], "ci-puller-scope-map");
  EXPECT_EQ(r.body["scopeMapCreated"], true);
  EXPECT_EQ(r.body["status"], "enabled");
  EXPECT_EQ(r.body["owner"], "team-a@example.com");
  EXPECT_EQ(r.body["labels"], (Json{{"team", "a"}}));
  EXPECT_EQ(r.body["expiresOn"], nullptr);
  EXPECT_EQ(r.body["credentials"]["username"], "ci-puller");
  const Json& passwords = r.body["credentials"]["passwords"];
  ASSERT_EQ(passwords.size(), 2u);
  EXPECT_EQ(passwords[0]["name"], "password1");
  EXPECT_EQ(passwords[1]["name"], "password2");
  std::vector<std::string> values;
  CollectValues(r.body, values);
  ASSERT_EQ(values.size(), 2u);
  for (const std::string& v : values) EXPECT_EQ(v.size(), auth::kPasswordLength);
  EXPECT_NE(values[0], values[1]);

  // The map was created the az way.
  Reply m = AsOwner("GET", "/api/v1/scopeMaps/ci-puller-scope-map");
  EXPECT_EQ(m.body["description"], "Created by token: ci-puller");

  // Every later read shows dates, never the values or their digests.
  const std::vector<std::string> reads = {"/api/v1/tokens/ci-puller", "/api/v1/tokens", "/api/v1/export",
                                          "/api/v1/scopeMaps/ci-puller-scope-map"};
  for (const std::string& path : reads) {
    Reply g = AsOwner("GET", path);
    ASSERT_EQ(g.status, 200) << path;
    for (const std::string& v : values) {
      EXPECT_EQ(g.raw.body.find(v), std::string::npos) << path;
      const std::string digest = hasher_->Digest(v);
      EXPECT_EQ(g.raw.body.find(HexEncode(digest)), std::string::npos) << path;
      EXPECT_EQ(g.raw.body.find(Base64Encode(digest)), std::string::npos) << path;
      EXPECT_EQ(g.raw.body.find(Base64UrlEncode(digest)), std::string::npos) << path;
    }
    std::vector<std::string> none;
    CollectValues(g.body, none);
    EXPECT_TRUE(none.empty()) << path;
  }
  Reply g = AsOwner("GET", "/api/v1/tokens/ci-puller");
  EXPECT_EQ(g.body["credentials"]["passwords"][0]["creationTime"], FormatRfc3339(clock_.Now()));
  EXPECT_EQ(g.body["credentials"]["passwords"][0]["expiry"], nullptr);
  EXPECT_EQ(g.body["credentials"]["passwords"][0]["lastUsed"], nullptr);
}

TEST_F(ManagementApiTest, CreateWithScopeMapPasswordChoicesAndErrors) {
  Json t =
      CreateToken("no-passwords", Json{{"scopeMap", "_repositories_pull"}, {"passwords", Json::array()}});
  EXPECT_EQ(t["credentials"]["passwords"], Json::array());
  EXPECT_EQ(t["scopeMapCreated"], false);

  const std::string expiry = InDays(30);
  t = CreateToken("only-two", Json{{"scopeMap", "_repositories_push"},
                                   {"status", "disabled"},
                                   {"expiresOn", InDays(90)},
                                   {"passwords", {{{"name", "password2"}, {"expiry", expiry}}}}});
  ASSERT_EQ(t["credentials"]["passwords"].size(), 1u);
  EXPECT_EQ(t["credentials"]["passwords"][0]["name"], "password2");
  EXPECT_EQ(t["credentials"]["passwords"][0]["expiry"], expiry);
  EXPECT_TRUE(t["credentials"]["passwords"][0].contains("value"));
  EXPECT_EQ(t["status"], "disabled");
  EXPECT_EQ(t["expiresOn"], InDays(90));

  Reply r = AsOwner("PUT", "/api/v1/tokens/only-two", R"({"scopeMap":"_repositories_pull"})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "AlreadyExists");
  r = AsOwner("PUT", "/api/v1/tokens/missing-map", R"({"scopeMap":"nothing-here"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.error_message().find("scopeMap"), std::string::npos);
  r = AsOwner("PUT", "/api/v1/tokens/bad_name", R"({"scopeMap":"_repositories_pull"})");
  EXPECT_EQ(r.status, 400);
  r = AsOwner("PUT", "/api/v1/tokens/MyRegistry", R"({"scopeMap":"_repositories_pull"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("admin user"), std::string::npos);
  r = AsOwner("PUT", "/api/v1/tokens/past-expiry",
              Json{{"scopeMap", "_repositories_pull"}, {"expiresOn", InDays(-1)}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("expiresOn"), std::string::npos);
  // az: the default scope map exists with other permissions.
  CreateToken("reuse",
              Json{{"repositoryActions", {"repositories/a/content/read"}}, {"passwords", Json::array()}});
  AsOwner("DELETE", "/api/v1/tokens/reuse");
  r = AsOwner("PUT", "/api/v1/tokens/reuse", R"({"repositoryActions":["repositories/b/content/read"]})");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.error_code(), "FailedPrecondition");
}

TEST_F(ManagementApiTest, GenerateAndDeleteCredentials) {
  CreateToken("rotating", Json{{"scopeMap", "_repositories_pull"}, {"passwords", {{{"name", "password1"}}}}});
  const std::string expiry = InDays(7);
  Reply r = AsOwner("POST", "/api/v1/tokens/rotating/generateCredentials",
                    Json{{"name", "password2"}, {"expiry", expiry}}.dump());
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  ASSERT_EQ(r.body["passwords"].size(), 1u);
  EXPECT_EQ(r.body["username"], "rotating");
  EXPECT_EQ(r.body["passwords"][0]["name"], "password2");
  EXPECT_EQ(r.body["passwords"][0]["expiry"], expiry);
  EXPECT_EQ(r.body["passwords"][0]["creationTime"], FormatRfc3339(clock_.Now()));
  const std::string value = r.body["passwords"][0]["value"].get<std::string>();
  EXPECT_EQ(value.size(), auth::kPasswordLength);

  Reply g = AsOwner("GET", "/api/v1/tokens/rotating");
  ASSERT_EQ(g.body["credentials"]["passwords"].size(), 2u);
  EXPECT_EQ(g.body["credentials"]["passwords"][1]["expiry"], expiry);
  EXPECT_FALSE(g.body["credentials"]["passwords"][1].contains("value"));
  EXPECT_EQ(g.raw.body.find(value), std::string::npos);

  // No body: both, no expiry.
  r = AsOwner("POST", "/api/v1/tokens/rotating/generateCredentials");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["passwords"].size(), 2u);
  EXPECT_EQ(r.body["passwords"][1]["expiry"], nullptr);
  r = AsOwner("POST", "/api/v1/tokens/rotating/generateCredentials", R"({"name":"password"})");
  EXPECT_EQ(r.status, 400);
  r = AsOwner("POST", "/api/v1/tokens/rotating/generateCredentials", Json{{"expiry", InDays(-2)}}.dump());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(AsOwner("POST", "/api/v1/tokens/nobody/generateCredentials").status, 404);

  r = AsOwner("DELETE", "/api/v1/tokens/rotating/credentials/password1");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  ASSERT_EQ(r.body["credentials"]["passwords"].size(), 1u);
  EXPECT_EQ(r.body["credentials"]["passwords"][0]["name"], "password2");
  r = AsOwner("DELETE", "/api/v1/tokens/rotating/credentials/password1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_message(), "Unable to perform operation. Password1 credential doesn't exist.");
  r = AsOwner("DELETE", "/api/v1/tokens/rotating/credentials/password3");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(AsOwner("DELETE", "/api/v1/tokens/nobody/credentials/password2").status, 404);
}

TEST_F(ManagementApiTest, UpdateTokenFieldsAndLabels) {
  CreateScopeMap("other-map", {"repositories/x/content/read"});
  CreateToken("patched", Json{{"scopeMap", "_repositories_pull"},
                              {"labels", {{"keep", "1"}, {"drop", "2"}}},
                              {"expiresOn", InDays(10)},
                              {"passwords", Json::array()}});
  Reply r = AsOwner("PATCH", "/api/v1/tokens/patched",
                    Json{{"scopeMap", "other-map"},
                         {"status", "disabled"},
                         {"owner", "ops"},
                         {"description", "d"},
                         {"labels", {{"drop", nullptr}, {"new", "3"}}}}
                        .dump());
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.body["scopeMap"], "other-map");
  EXPECT_EQ(r.body["status"], "disabled");
  EXPECT_EQ(r.body["owner"], "ops");
  EXPECT_EQ(r.body["description"], "d");
  EXPECT_EQ(r.body["labels"], (Json{{"keep", "1"}, {"new", "3"}}));
  EXPECT_EQ(r.body["expiresOn"], InDays(10));  // untouched

  r = AsOwner("PATCH", "/api/v1/tokens/patched", R"({"expiresOn":null})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["expiresOn"], nullptr);
  r = AsOwner("PATCH", "/api/v1/tokens/patched", Json{{"expiresOn", InDays(5)}}.dump());
  EXPECT_EQ(r.body["expiresOn"], InDays(5));

  r = AsOwner("PATCH", "/api/v1/tokens/patched", "{}");
  EXPECT_EQ(r.status, 400);
  r = AsOwner("PATCH", "/api/v1/tokens/patched", R"({"labels":{"x":5}})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("labels.x"), std::string::npos);
  r = AsOwner("PATCH", "/api/v1/tokens/patched", R"({"scopeMap":"nope-map"})");
  EXPECT_EQ(r.status, 404);
  r = AsOwner("PATCH", "/api/v1/tokens/patched", R"({"passwords":[]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.error_message().find("passwords: unknown field"), std::string::npos);
  EXPECT_EQ(AsOwner("PATCH", "/api/v1/tokens/nobody", R"({"status":"enabled"})").status, 404);

  r = Send("DELETE", "/api/v1/tokens/patched", token_admin_);
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(AsOwner("GET", "/api/v1/tokens/patched").status, 404);
  EXPECT_EQ(AsOwner("DELETE", "/api/v1/tokens/patched").status, 404);
}

TEST_F(ManagementApiTest, IfMatchDetectsConcurrentChanges) {
  Json t = CreateToken("etagged", Json{{"scopeMap", "_repositories_pull"}, {"passwords", Json::array()}});
  const std::string etag = "\"" + t["etag"].get<std::string>() + "\"";
  Reply first = AsOwner("PATCH", "/api/v1/tokens/etagged", R"({"owner":"a"})", {{"If-Match", etag}});
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.header("ETag"), "\"" + first.body["etag"].get<std::string>() + "\"");
  Reply second = AsOwner("PATCH", "/api/v1/tokens/etagged", R"({"owner":"b"})", {{"If-Match", etag}});
  EXPECT_EQ(second.status, 412);
  EXPECT_EQ(second.error_code(), "PreconditionFailed");
  EXPECT_EQ(AsOwner("GET", "/api/v1/tokens/etagged").body["owner"], "a");
  EXPECT_EQ(AsOwner("DELETE", "/api/v1/tokens/etagged", "", {{"If-Match", etag}}).status, 412);
  EXPECT_EQ(AsOwner("PATCH", "/api/v1/tokens/etagged", R"({"owner":"c"})", {{"If-Match", "*"}}).status, 200);
  // Endpoints that cannot honour If-Match refuse it rather than ignore it.
  Reply refused = AsOwner("POST", "/api/v1/tokens/etagged/generateCredentials", "", {{"If-Match", etag}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.error_message(), "If-Match: not supported on this endpoint");
  Reply current = AsOwner("GET", "/api/v1/tokens/etagged");
  EXPECT_EQ(AsOwner("DELETE", "/api/v1/tokens/etagged", "", {{"If-Match", current.header("ETag")}}).status,
            204);
}

TEST_F(ManagementApiTest, ConcurrentPatchesOfOneTokenLoseNothing) {
  CreateToken("busy-token", Json{{"scopeMap", "_repositories_pull"}, {"passwords", Json::array()}});
  constexpr int kThreads = 6, kEach = 6;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < kEach; ++k) {
        const std::string key = "t" + std::to_string(i) + "-" + std::to_string(k);
        Reply r = AsOwner("PATCH", "/api/v1/tokens/busy-token", Json{{"labels", {{key, "v"}}}}.dump());
        if (r.status != 200) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  Reply r = AsOwner("GET", "/api/v1/tokens/busy-token");
  EXPECT_EQ(r.body["labels"].size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST_F(ManagementApiTest, ListsTokensWithPerSlotLastUse) {
  for (const char* name : {"token-c", "token-a", "token-b"}) {
    CreateToken(name, Json{{"scopeMap", "_repositories_pull"}});
  }
  const Time used = clock_.Now() + std::chrono::hours(1);
  const auth::PasswordUse uses[] = {{"token-b", auth::PasswordSlot::kPassword2, used, "10.0.0.7"}};
  ASSERT_TRUE(store_.RecordPasswordUses(uses).ok());

  Reply r = Send("GET", "/api/v1/tokens?n=2", auditor_);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  ASSERT_EQ(r.body["value"].size(), 2u);
  EXPECT_EQ(r.body["value"][0]["name"], "token-a");
  EXPECT_EQ(r.body["value"][1]["name"], "token-b");
  const Json& slots = r.body["value"][1]["credentials"]["passwords"];
  EXPECT_EQ(slots[0]["lastUsed"], nullptr);
  EXPECT_EQ(slots[0]["lastUsedFrom"], nullptr);
  EXPECT_EQ(slots[1]["lastUsed"], FormatRfc3339(used));
  EXPECT_EQ(slots[1]["lastUsedFrom"], "10.0.0.7");
  EXPECT_EQ(r.header("Link"), "</api/v1/tokens?last=token-b&n=2>; rel=\"next\"");

  r = Send("GET", "/api/v1/tokens?last=token-b&n=2", auditor_);
  ASSERT_EQ(r.body["value"].size(), 1u);
  EXPECT_EQ(r.body["value"][0]["name"], "token-c");
  EXPECT_TRUE(r.header("Link").empty());

  r = AsOwner("GET", "/api/v1/tokens/token-b");
  EXPECT_EQ(r.body["credentials"]["passwords"][1]["lastUsedFrom"], "10.0.0.7");
}

}  // namespace
}  // namespace scopereg::api::management::testing

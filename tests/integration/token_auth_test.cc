// Docker token auth over real HTTP (access-model.md section 3): challenges,
// the token endpoint, Basic on /v2/, the permission matrix, and revocation
// that applies to the very next request, also for tokens issued earlier.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "registry_fixture.h"
#include "scopereg/core/encoding.h"
#include "scopereg/core/strings.h"

namespace scopereg::testing {
namespace {

using nlohmann::json;
using auth::PasswordSlot;

class TokenAuthTest : public RegistryFixture {
 protected:
  void Configure(server::Config& config) override {
    config.auth_mode = "token";
    config.registry_name = "scopereg";
  }
  auth::AccessAdmin& Admin() { return *app_->AccessAdminForTest(); }
  const auth::Caller owner_ = auth::Caller::System();

  void CreateScopeMap(const std::string& name, std::vector<std::string> actions) {
    auth::ScopeMapSpec spec;
    spec.name = name;
    spec.actions = std::move(actions);
    ASSERT_OK(Admin().CreateScopeMap(owner_, spec));
  }
  // Creates a token with both passwords; returns {password1, password2}.
  std::pair<std::string, std::string> CreateToken(const std::string& name, const std::string& scope_map,
                                                  std::optional<Time> p1_expiry = std::nullopt,
                                                  std::optional<Time> p2_expiry = std::nullopt) {
    auth::TokenSpec spec;
    spec.name = name;
    spec.scope_map = scope_map;
    spec.passwords[0] = auth::PasswordRequest{p1_expiry};
    spec.passwords[1] = auth::PasswordRequest{p2_expiry};
    auto created = Admin().CreateToken(owner_, spec);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (!created.ok()) return {};
    return {created->credentials.passwords[0].value, created->credentials.passwords[1].value};
  }
  static std::string Basic(const std::string& user, const std::string& pass) {
    return "Basic " + Base64Encode(user + ":" + pass);
  }
  // GET /oauth2/token with Basic credentials; returns the parsed body.
  json FetchToken(const std::string& user, const std::string& pass, const std::vector<std::string>& scopes,
                  int expect_status = 200, const std::string& extra = "") {
    std::string q = "/oauth2/token?service=scopereg" + extra;
    for (const auto& s : scopes) q += "&scope=" + UrlEncode(s);
    auto res = Send("GET", q, "", {{"Authorization", Basic(user, pass)}});
    EXPECT_EQ(res.status, expect_status) << res.body;
    return json::parse(res.body, nullptr, false);
  }
  std::string AccessToken(const std::string& user, const std::string& pass, const std::vector<std::string>& scopes) {
    json j = FetchToken(user, pass, scopes);
    return j.is_object() && j.contains("token") ? j["token"].get<std::string>() : "";
  }
  http::ClientResponse WithBearer(const std::string& method, const std::string& path, const std::string& jwt,
                                  std::string body = "", std::vector<std::pair<std::string, std::string>> h = {}) {
    h.emplace_back("Authorization", "Bearer " + jwt);
    return Send(method, path, std::move(body), std::move(h));
  }
  http::ClientResponse WithBasic(const std::string& method, const std::string& path, const std::string& user,
                                 const std::string& pass, std::string body = "") {
    return Send(method, path, std::move(body), {{"Authorization", Basic(user, pass)}});
  }
  // Pushes a small image with the given credentials (Basic).
  void SeedImage(const std::string& repo, const std::string& tag) {
    auto [p1, p2] = CreateToken("seed-" + std::to_string(seed_++), "_repositories_admin");
    (void)p2;
    const std::string user = "seed-" + std::to_string(seed_ - 1);
    const std::string config = "{\"seed\":\"" + repo + "\"}";
    for (const std::string& blob : {config, std::string("layer of ") + repo}) {
      auto r = WithBasic("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + oci::Digest::Sha256Of(blob).str(), user,
                         p1, blob);
      ASSERT_EQ(r.status, 201) << r.body;
    }
    std::string manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                           "\"config\":" + DescriptorJson("application/vnd.oci.image.config.v1+json", config) +
                           ",\"layers\":[" + DescriptorJson("application/vnd.oci.image.layer.v1.tar+gzip",
                                                            "layer of " + repo) + "]}";
    auto put = Send("PUT", "/v2/" + repo + "/manifests/" + tag, manifest,
                    {{"Authorization", Basic(user, p1)}, {"Content-Type", "application/vnd.oci.image.manifest.v1+json"}});
    ASSERT_EQ(put.status, 201) << put.body;
  }
  int seed_ = 0;
};

TEST_F(TokenAuthTest, AnonymousRequestsGetAChallengeWithTheScope) {
  auto base = Send("GET", "/v2/");
  EXPECT_EQ(base.status, 401);
  EXPECT_EQ(base.header("WWW-Authenticate"),
            "Bearer realm=\"" + base_ + "/oauth2/token\",service=\"scopereg\"");
  auto j = json::parse(base.body);
  EXPECT_EQ(j["errors"][0]["code"], "UNAUTHORIZED");
  EXPECT_EQ(j["errors"][0]["message"], "authentication required");

  auto pull = Send("GET", "/v2/team/app/manifests/latest");
  EXPECT_EQ(pull.status, 401);
  EXPECT_NE(pull.header("WWW-Authenticate").find("scope=\"repository:team/app:pull\""), std::string::npos)
      << pull.header("WWW-Authenticate");
  EXPECT_EQ(json::parse(pull.body)["errors"][0]["detail"][0]["Action"], "pull");
  // HEAD too, with no body.
  auto head = Send("HEAD", "/v2/team/app/blobs/" + oci::Digest::Sha256Of("x").str());
  EXPECT_EQ(head.status, 401);
  EXPECT_FALSE(head.header("WWW-Authenticate").empty());
  auto push = Send("POST", "/v2/team/app/blobs/uploads/");
  EXPECT_NE(push.header("WWW-Authenticate").find("scope=\"repository:team/app:pull,push\""), std::string::npos);
  auto del = Send("DELETE", "/v2/team/app/manifests/" + oci::Digest::Sha256Of("x").str());
  EXPECT_NE(del.header("WWW-Authenticate").find("scope=\"repository:team/app:delete\""), std::string::npos);
  auto tags = Send("GET", "/v2/team/app/tags/list");
  EXPECT_NE(tags.header("WWW-Authenticate").find("scope=\"repository:team/app:metadata_read\""), std::string::npos);
  auto catalog = Send("GET", "/v2/_catalog");
  EXPECT_NE(catalog.header("WWW-Authenticate").find("scope=\"registry:catalog:*\""), std::string::npos);
}

TEST_F(TokenAuthTest, TokenFlowGrantsTheIntersection) {
  CreateScopeMap("pull-team-app", {"repositories/team/app/content/read"});
  auto [p1, p2] = CreateToken("puller", "pull-team-app");
  (void)p2;
  SeedImage("team/app", "v1");
  json t = FetchToken("puller", p1, {"repository:team/app:pull,push", "repository:other:pull"});
  ASSERT_TRUE(t.contains("token"));
  EXPECT_EQ(t["access_token"], t["token"]);
  EXPECT_GT(t["expires_in"].get<int>(), 0);
  EXPECT_TRUE(t.contains("issued_at"));
  EXPECT_FALSE(t.contains("refresh_token"));
  const std::string jwt = t["token"];
  // The claim holds only what the scope map allows: pull on team/app.
  auto parts = Split(jwt, '.');
  ASSERT_EQ(parts.size(), 3u);
  json claims = json::parse(*Base64Decode(parts[1]));
  ASSERT_EQ(claims["access"].size(), 1u);
  EXPECT_EQ(claims["access"][0]["name"], "team/app");
  EXPECT_EQ(claims["access"][0]["actions"], json({"pull"}));
  EXPECT_EQ(claims["aud"], "scopereg");
  EXPECT_EQ(claims["sub"], "puller");

  EXPECT_EQ(WithBearer("GET", "/v2/team/app/manifests/v1", jwt).status, 200);
  EXPECT_EQ(WithBearer("GET", "/v2/", jwt).status, 200);
  auto push = WithBearer("POST", "/v2/team/app/blobs/uploads/", jwt);
  EXPECT_EQ(push.status, 401);
  EXPECT_NE(push.header("WWW-Authenticate").find("error=\"insufficient_scope\""), std::string::npos);
  EXPECT_NE(push.header("WWW-Authenticate").find("scope=\"repository:team/app:pull,push\""), std::string::npos);
  // Basic with the same credentials: DENIED, not a challenge.
  auto basic_push = WithBasic("POST", "/v2/team/app/blobs/uploads/", "puller", p1);
  EXPECT_EQ(basic_push.status, 403);
  EXPECT_EQ(json::parse(basic_push.body)["errors"][0]["code"], "DENIED");
  EXPECT_EQ(WithBasic("GET", "/v2/team/app/manifests/v1", "puller", p1).status, 200);
}

TEST_F(TokenAuthTest, EveryFailureLooksTheSameToTheClient) {
  CreateScopeMap("pulls", {"repositories/a/content/read"});
  auto [p1, p2] = CreateToken("disabled-one", "pulls");
  (void)p2;
  auth::TokenUpdate off;
  off.status = auth::TokenStatus::kDisabled;
  ASSERT_OK(Admin().UpdateToken(owner_, "disabled-one", off));
  auto [q1, q2] = CreateToken("good-one", "pulls");
  (void)q2;
  std::vector<http::ClientResponse> failures = {
      Send("GET", "/oauth2/token?service=scopereg", "", {{"Authorization", Basic("nobody-here", "x")}}),
      Send("GET", "/oauth2/token?service=scopereg", "", {{"Authorization", Basic("good-one", "wrong")}}),
      Send("GET", "/oauth2/token?service=scopereg", "", {{"Authorization", Basic("disabled-one", p1)}}),
      WithBasic("GET", "/v2/", "disabled-one", p1),
      WithBasic("GET", "/v2/", "good-one", "wrong"),
  };
  for (const auto& f : failures) {
    EXPECT_EQ(f.status, 401);
    EXPECT_EQ(json::parse(f.body)["errors"][0]["message"], "authentication required") << f.body;
  }
  EXPECT_EQ(WithBasic("GET", "/v2/", "good-one", q1).status, 200);
}

// Each action x exact / wildcard / root / non-matching pattern, through the
// real token flow: allowed where the scope map says so, denied elsewhere.
TEST_F(TokenAuthTest, PermissionMatrix) {
  SeedImage("exact/repo", "v1");
  SeedImage("wild/sub/repo", "v1");
  SeedImage("elsewhere", "v1");
  struct Case {
    std::string action;       // scope-map action
    std::string verb;         // docker verb to ask for
    std::string method, path_suffix;
    int ok_status;
  };
  const std::vector<Case> cases = {
      {"content/read", "pull", "GET", "/manifests/v1", 200},
      {"metadata/read", "metadata_read", "GET", "/tags/list", 200},
      {"content/write", "push", "POST", "/blobs/uploads/", 202},
      {"content/delete", "delete", "DELETE", "/blobs/" + oci::Digest::Sha256Of("never").str(), 404},
  };
  const std::vector<std::pair<std::string, std::string>> patterns = {
      {"exact", "exact/repo"}, {"wild", "wild/*"}, {"root", "*"}};
  int n = 0;
  for (const auto& c : cases) {
    for (const auto& [kind, pattern] : patterns) {
      const std::string map = "matrix-map-" + std::to_string(n);
      const std::string token = "matrix-" + std::to_string(n) + "-" + kind;
      ++n;
      std::vector<std::string> actions = {"repositories/" + pattern + "/" + c.action};
      if (c.action == "content/write") actions.push_back("repositories/" + pattern + "/content/read");
      CreateScopeMap(map, actions);
      auto [pw, unused] = CreateToken(token, map);
      (void)unused;
      const std::string target = kind == "wild" ? "wild/sub/repo" : "exact/repo";
      const std::string verbs = c.verb == "push" ? "pull,push" : c.verb;
      std::string jwt = AccessToken(token, pw, {"repository:" + target + ":" + verbs,
                                               "repository:elsewhere:" + verbs});
      auto allowed = WithBearer(c.method, "/v2/" + target + c.path_suffix, jwt);
      EXPECT_EQ(allowed.status, c.ok_status) << token << " " << c.method << " " << target << allowed.body;
      if (kind != "root") {
        auto denied = WithBearer(c.method, "/v2/elsewhere" + c.path_suffix, jwt);
        EXPECT_EQ(denied.status, 401) << token << " on elsewhere";
        auto basic_denied = WithBasic(c.method, "/v2/elsewhere" + c.path_suffix, token, pw);
        EXPECT_EQ(basic_denied.status, 403) << token << " basic on elsewhere";
      } else {
        EXPECT_EQ(WithBearer(c.method, "/v2/elsewhere" + c.path_suffix, jwt).status, c.ok_status);
      }
      // A wildcard never covers its own prefix.
      if (kind == "wild") {
        EXPECT_EQ(WithBasic(c.method, "/v2/wild" + c.path_suffix, token, pw).status, 403);
      }
    }
  }
}

// Distribution clients list tags with a `pull` JWT; the scope map decides.
TEST_F(TokenAuthTest, PullJwtListsTagsOnlyWithMetadataReadInTheScopeMap) {
  SeedImage("lister/app", "v1");
  CreateScopeMap("read-and-list", {"repositories/lister/app/content/read", "repositories/lister/app/metadata/read"});
  CreateScopeMap("read-only", {"repositories/lister/app/content/read"});
  auto [lister_pw, unused1] = CreateToken("lister", "read-and-list");
  auto [reader_pw, unused2] = CreateToken("reader", "read-only");
  (void)unused1;
  (void)unused2;
  const std::string list_jwt = AccessToken("lister", lister_pw, {"repository:lister/app:pull"});
  auto listed = WithBearer("GET", "/v2/lister/app/tags/list", list_jwt);
  EXPECT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(WithBearer("GET", "/v2/lister/app/manifests/v1", list_jwt).status, 200);

  const std::string read_jwt = AccessToken("reader", reader_pw, {"repository:lister/app:pull"});
  EXPECT_EQ(WithBearer("GET", "/v2/lister/app/manifests/v1", read_jwt).status, 200);
  auto refused = WithBearer("GET", "/v2/lister/app/tags/list", read_jwt);
  EXPECT_EQ(refused.status, 401);
  EXPECT_NE(refused.header("WWW-Authenticate").find("insufficient_scope"), std::string::npos);
  EXPECT_EQ(WithBasic("GET", "/v2/lister/app/tags/list", "reader", reader_pw).status, 403);
  // A JWT without pull (push only) does not list either, whatever the map.
  const std::string other_jwt = AccessToken("lister", lister_pw, {"repository:lister/app:metadata_write"});
  EXPECT_EQ(WithBearer("GET", "/v2/lister/app/tags/list", other_jwt).status, 401);
}

TEST_F(TokenAuthTest, DisableAndRegenerateApplyToTheNextRequestWithAnOldAccessToken) {
  SeedImage("rev/app", "v1");
  CreateScopeMap("rev-pull", {"repositories/rev/app/content/read"});
  auto [p1, p2] = CreateToken("rev-token", "rev-pull");
  std::string jwt1 = AccessToken("rev-token", p1, {"repository:rev/app:pull"});
  std::string jwt2 = AccessToken("rev-token", p2, {"repository:rev/app:pull"});
  EXPECT_EQ(WithBearer("GET", "/v2/rev/app/manifests/v1", jwt1).status, 200);

  // Regenerating password1 stops jwt1 and password1; password2 and jwt2 go on.
  auto regenerated = Admin().GenerateCredentials(owner_, "rev-token", {PasswordSlot::kPassword1});
  ASSERT_TRUE(regenerated.ok());
  EXPECT_EQ(WithBearer("GET", "/v2/rev/app/manifests/v1", jwt1).status, 401);
  EXPECT_EQ(WithBasic("GET", "/v2/rev/app/manifests/v1", "rev-token", p1).status, 401);
  EXPECT_EQ(WithBearer("GET", "/v2/rev/app/manifests/v1", jwt2).status, 200);
  const std::string new_p1 = regenerated->passwords[0].value;
  EXPECT_EQ(WithBasic("GET", "/v2/rev/app/manifests/v1", "rev-token", new_p1).status, 200);

  // Deleting password2 stops it and its JWTs.
  ASSERT_OK(Admin().DeleteCredentials(owner_, "rev-token", {PasswordSlot::kPassword2}));
  EXPECT_EQ(WithBearer("GET", "/v2/rev/app/manifests/v1", jwt2).status, 401);

  // Disabling stops everything at once; enabling again does not revive old JWTs.
  std::string jwt3 = AccessToken("rev-token", new_p1, {"repository:rev/app:pull"});
  auth::TokenUpdate off;
  off.status = auth::TokenStatus::kDisabled;
  ASSERT_OK(Admin().UpdateToken(owner_, "rev-token", off));
  EXPECT_EQ(WithBearer("GET", "/v2/rev/app/manifests/v1", jwt3).status, 401);
  EXPECT_EQ(WithBasic("GET", "/v2/", "rev-token", new_p1).status, 401);
  auth::TokenUpdate on;
  on.status = auth::TokenStatus::kEnabled;
  ASSERT_OK(Admin().UpdateToken(owner_, "rev-token", on));
  EXPECT_EQ(WithBearer("GET", "/v2/rev/app/manifests/v1", jwt3).status, 401);
  EXPECT_EQ(WithBasic("GET", "/v2/rev/app/manifests/v1", "rev-token", new_p1).status, 200);

  // Deleting the token.
  std::string jwt4 = AccessToken("rev-token", new_p1, {"repository:rev/app:pull"});
  ASSERT_OK(Admin().DeleteToken(owner_, "rev-token"));
  EXPECT_EQ(WithBearer("GET", "/v2/rev/app/manifests/v1", jwt4).status, 401);
}

TEST_F(TokenAuthTest, EachPasswordSlotExpiresOnItsOwn) {
  SeedImage("exp/app", "v1");
  CreateScopeMap("exp-pull", {"repositories/exp/app/content/read"});
  const Time now = clock_.Now();
  auto [p1, p2] = CreateToken("exp-token", "exp-pull", now + std::chrono::hours(1), now + std::chrono::hours(3));
  std::string jwt1 = AccessToken("exp-token", p1, {"repository:exp/app:pull"});
  clock_.Advance(std::chrono::hours(2));
  EXPECT_EQ(WithBasic("GET", "/v2/", "exp-token", p1).status, 401);
  EXPECT_EQ(WithBearer("GET", "/v2/exp/app/manifests/v1", jwt1).status, 401);
  EXPECT_EQ(WithBasic("GET", "/v2/exp/app/manifests/v1", "exp-token", p2).status, 200);
  FetchToken("exp-token", p1, {}, 401);
  clock_.Advance(std::chrono::hours(2));
  EXPECT_EQ(WithBasic("GET", "/v2/", "exp-token", p2).status, 401);
}

TEST_F(TokenAuthTest, TokenExpiresOnStopsTheWholeToken) {
  CreateScopeMap("eo-pull", {"repositories/eo/content/read"});
  auth::TokenSpec spec;
  spec.name = "eo-token";
  spec.scope_map = "eo-pull";
  spec.expires_on = clock_.Now() + std::chrono::minutes(30);
  spec.passwords[0] = auth::PasswordRequest{};
  auto created = Admin().CreateToken(owner_, spec);
  ASSERT_TRUE(created.ok());
  const std::string pw = created->credentials.passwords[0].value;
  EXPECT_EQ(WithBasic("GET", "/v2/", "eo-token", pw).status, 200);
  clock_.Advance(std::chrono::minutes(31));
  EXPECT_EQ(WithBasic("GET", "/v2/", "eo-token", pw).status, 401);
}

TEST_F(TokenAuthTest, ScopeMapEditsApplyToEarlierJwts) {
  SeedImage("edit/app", "v1");
  CreateScopeMap("editable", {"repositories/edit/app/content/read"});
  auto [p1, unused] = CreateToken("editor", "editable");
  (void)unused;
  std::string jwt = AccessToken("editor", p1, {"repository:edit/app:pull"});
  EXPECT_EQ(WithBearer("GET", "/v2/edit/app/manifests/v1", jwt).status, 200);
  auth::ScopeMapUpdate update;
  update.actions = std::vector<std::string>{"repositories/other/content/read"};
  ASSERT_OK(Admin().UpdateScopeMap(owner_, "editable", update));
  EXPECT_EQ(WithBearer("GET", "/v2/edit/app/manifests/v1", jwt).status, 401);
}

TEST_F(TokenAuthTest, PostGrantsAndRefreshTokens) {
  SeedImage("post/app", "v1");
  CreateScopeMap("post-pull", {"repositories/post/app/content/read"});
  auto [p1, unused] = CreateToken("poster", "post-pull");
  (void)unused;
  // containerd: one scope parameter with space-separated scopes, chunked body.
  std::string form = "grant_type=password&username=poster&password=" + UrlEncode(p1) +
                     "&client_id=containerd-client&service=scopereg&scope=" +
                     UrlEncode("repository:post/app:pull repository:post/app:pull,push");
  auto res = SendChunked("POST", "/oauth2/token", form, 16,
                         {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}});
  ASSERT_EQ(res.status, 200) << res.body;
  json j = json::parse(res.body);
  ASSERT_TRUE(j.contains("refresh_token"));
  EXPECT_EQ(WithBearer("GET", "/v2/post/app/manifests/v1", j["token"]).status, 200);

  // docker: refresh_token grant.
  const std::string refresh = j["refresh_token"];
  auto r2 = Send("POST", "/oauth2/token",
                 "grant_type=refresh_token&service=scopereg&client_id=docker&scope=" +
                     UrlEncode("repository:post/app:pull") + "&refresh_token=" + refresh,
                 {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r2.status, 200) << r2.body;
  EXPECT_EQ(WithBearer("GET", "/v2/post/app/manifests/v1", json::parse(r2.body)["token"]).status, 200);
  // An access token is no refresh token.
  auto wrong = Send("POST", "/oauth2/token", "grant_type=refresh_token&refresh_token=" + j["token"].get<std::string>(),
                    {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(wrong.status, 401);
  // Disabling the token kills its refresh token.
  auth::TokenUpdate off_update;
  off_update.status = auth::TokenStatus::kDisabled;
  ASSERT_OK(Admin().UpdateToken(owner_, "poster", off_update));
  auto r3 = Send("POST", "/oauth2/token", "grant_type=refresh_token&refresh_token=" + refresh,
                 {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r3.status, 401);
  auto bad_grant = Send("POST", "/oauth2/token", "grant_type=client_credentials",
                        {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(bad_grant.status, 400);
}

TEST_F(TokenAuthTest, DockerLoginGetsARefreshTokenAndFailsAtLoginWhenDisabled) {
  CreateScopeMap("login-map", {"repositories/x/content/read"});
  auto [p1, unused] = CreateToken("login-token", "login-map");
  (void)unused;
  json ok = FetchToken("login-token", p1, {}, 200, "&account=login-token&client_id=docker&offline_token=true");
  EXPECT_TRUE(ok.contains("refresh_token"));
  auth::TokenUpdate off;
  off.status = auth::TokenStatus::kDisabled;
  ASSERT_OK(Admin().UpdateToken(owner_, "login-token", off));
  FetchToken("login-token", p1, {}, 401, "&account=login-token&client_id=docker&offline_token=true");
}

TEST_F(TokenAuthTest, CatalogIsFilteredToWhatTheCallerMayList) {
  SeedImage("team-a/one", "v1");
  SeedImage("team-a/two", "v1");
  SeedImage("team-b/one", "v1");
  CreateScopeMap("team-a-reader", {"repositories/team-a/*/metadata/read"});
  auto [p1, unused] = CreateToken("lister", "team-a-reader");
  (void)unused;
  std::string jwt = AccessToken("lister", p1, {"registry:catalog:*"});
  auto res = WithBearer("GET", "/v2/_catalog", jwt);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::parse(res.body)["repositories"], json({"team-a/one", "team-a/two"}));
  auto basic = WithBasic("GET", "/v2/_catalog", "lister", p1);
  EXPECT_EQ(json::parse(basic.body)["repositories"], json({"team-a/one", "team-a/two"}));
  // A bearer token without the catalog scope is challenged for it.
  std::string no_catalog = AccessToken("lister", p1, {});
  auto challenged = WithBearer("GET", "/v2/_catalog", no_catalog);
  EXPECT_EQ(challenged.status, 401);
  EXPECT_NE(challenged.header("WWW-Authenticate").find("registry:catalog:*"), std::string::npos);
  // The admin user sees everything.
  auto admin_creds = Admin().EnableAdminUser(owner_);
  ASSERT_TRUE(admin_creds.ok());
  auto all = WithBasic("GET", "/v2/_catalog", "scopereg", admin_creds->passwords[0].value);
  EXPECT_EQ(json::parse(all.body)["repositories"].size(), 3u);
}

TEST_F(TokenAuthTest, AdminUserIsDisabledByDefault) {
  auto admin = Admin().GetAdminUser(owner_);
  ASSERT_TRUE(admin.ok());
  EXPECT_FALSE(admin->enabled);
  EXPECT_EQ(WithBasic("GET", "/v2/", "scopereg", "anything").status, 401);
  auto creds = Admin().EnableAdminUser(owner_);
  ASSERT_TRUE(creds.ok());
  EXPECT_EQ(WithBasic("POST", "/v2/any/thing/blobs/uploads/", "scopereg", creds->passwords[1].value).status, 202);
  ASSERT_OK(Admin().DisableAdminUser(owner_));
  EXPECT_EQ(WithBasic("GET", "/v2/", "scopereg", creds->passwords[1].value).status, 401);
}

TEST_F(TokenAuthTest, MountNeedsReadOnTheSource) {
  SeedImage("secret/src", "v1");
  const oci::Digest layer = oci::Digest::Sha256Of("layer of secret/src");
  CreateScopeMap("writer-only", {"repositories/dst/content/read", "repositories/dst/content/write"});
  auto [p1, unused] = CreateToken("mounter", "writer-only");
  (void)unused;
  auto res = WithBasic("POST", "/v2/dst/blobs/uploads/?mount=" + layer.str() + "&from=secret/src", "mounter", p1);
  EXPECT_EQ(res.status, 202);  // not mounted: a normal upload instead
  auto automatic = WithBasic("POST", "/v2/dst/blobs/uploads/?mount=" + layer.str(), "mounter", p1);
  EXPECT_EQ(automatic.status, 202);
  EXPECT_EQ(WithBasic("HEAD", "/v2/dst/blobs/" + layer.str(), "mounter", p1).status, 404);
}

TEST_F(TokenAuthTest, InitialOwnerCredentialIsWrittenPrivately) {
  struct stat st{};
  ASSERT_EQ(::stat(config_.InitialOwnerCredentialFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  struct stat keys{};
  ASSERT_EQ(::stat((config_.data_dir + "/keys").c_str(), &keys), 0);
  EXPECT_EQ(keys.st_mode & 0777, 0700u);
}

class AnonymousPullTest : public TokenAuthTest {
 protected:
  void Configure(server::Config& config) override {
    TokenAuthTest::Configure(config);
    config.anonymous = {server::AnonymousRule{"public/*", {"content/read", "metadata/read"}}};
  }
};

TEST_F(AnonymousPullTest, AnonymousMayPullOnlyWhereConfigured) {
  SeedImage("public/app", "v1");
  SeedImage("private/app", "v1");
  EXPECT_EQ(Send("GET", "/v2/public/app/manifests/v1").status, 200);
  EXPECT_EQ(Send("GET", "/v2/public/app/tags/list").status, 200);
  EXPECT_EQ(Send("GET", "/v2/private/app/manifests/v1").status, 401);
  EXPECT_EQ(Send("POST", "/v2/public/app/blobs/uploads/").status, 401);
  // The anonymous token grant follows the same rules.
  auto t = Send("GET", "/oauth2/token?service=scopereg&scope=repository:public/app:pull,push");
  ASSERT_EQ(t.status, 200) << t.body;
  json claims = json::parse(*Base64Decode(Split(json::parse(t.body)["token"].get<std::string>(), '.')[1]));
  EXPECT_EQ(claims["access"][0]["actions"], json({"pull"}));
}

}  // namespace
}  // namespace scopereg::testing

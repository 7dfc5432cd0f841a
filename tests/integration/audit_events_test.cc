// Audit events over real HTTP (access-model.md section 4): each repository
// operation and each login outcome produces an event with who, what, from
// where and the correlation id of its request log line; management changes
// reach the store and the JSON-lines copy with the operator; retention
// deletes old events.
#include <fstream>
#include <sstream>

#include "audit_fixture.h"
#include "scopereg/core/log.h"

namespace scopereg::testing {
namespace {

using nlohmann::json;

std::vector<json> ReadJsonLines(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class AuditEventsTest : public AuditFixture {};

TEST_F(AuditEventsTest, RepositoryOperationsAreAuditedWithWhoAndFromWhere) {
  const std::string pass = CreateToken("pusher-one");
  const std::string manifest = PushImageAs("pusher-one", pass, "team/app", "v1", "layer-bytes");
  const std::string digest = oci::Digest::Sha256Of(manifest).str();
  const std::string layer = oci::Digest::Sha256Of("layer-bytes").str();

  auto pull = As("pusher-one", pass, "GET", "/v2/team/app/manifests/v1", "",
                 {{"Accept", "application/vnd.oci.image.manifest.v1+json"}});
  ASSERT_EQ(pull.status, 200);
  ASSERT_EQ(As("pusher-one", pass, "GET", "/v2/team/app/manifests/nope").status, 404);
  auto mount = As("pusher-one", pass, "POST", "/v2/team/other/blobs/uploads/?mount=" + layer + "&from=team/app");
  ASSERT_EQ(mount.status, 201) << mount.body;
  ASSERT_EQ(As("pusher-one", pass, "DELETE", "/v2/team/app/manifests/v1").status, 202);
  ASSERT_EQ(As("pusher-one", pass, "DELETE", "/v2/team/app/manifests/" + digest).status, 202);

  auto pushes = EventsOf("push", "pusher-one");
  ASSERT_EQ(pushes.size(), 3u);  // config, layer, manifest
  const auto& mp = pushes[2];
  EXPECT_EQ(mp.category, audit::Category::kRepository);
  EXPECT_EQ(mp.repository, "team/app");
  EXPECT_EQ(mp.tag, "v1");
  EXPECT_EQ(mp.digest, digest);
  EXPECT_EQ(mp.media_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(mp.size, static_cast<std::int64_t>(manifest.size()));
  EXPECT_EQ(pushes[1].digest, layer);
  EXPECT_EQ(pushes[1].size, static_cast<std::int64_t>(std::string("layer-bytes").size()));

  auto pulls = EventsOf("pull", "pusher-one");
  ASSERT_EQ(pulls.size(), 2u);
  const auto& p = pulls[0];
  EXPECT_TRUE(p.success);
  EXPECT_EQ(p.http_status, 200);
  EXPECT_EQ(p.identity_kind, "token");
  EXPECT_EQ(p.repository, "team/app");
  EXPECT_EQ(p.tag, "v1");
  EXPECT_EQ(p.digest, digest);
  EXPECT_EQ(p.media_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_EQ(p.size, static_cast<std::int64_t>(manifest.size()));
  EXPECT_EQ(p.client_address, "127.0.0.1");
  EXPECT_EQ(p.user_agent, "audit-test/1.0");
  EXPECT_FALSE(p.correlation_id.empty());
  EXPECT_EQ(p.time, clock_.Now());
  // A failed pull is audited with the OCI error.
  EXPECT_FALSE(pulls[1].success);
  EXPECT_EQ(pulls[1].http_status, 404);
  EXPECT_EQ(pulls[1].reason, "MANIFEST_UNKNOWN");
  EXPECT_EQ(pulls[1].tag, "nope");

  auto mounts = EventsOf("mount", "pusher-one");
  ASSERT_EQ(mounts.size(), 1u);
  EXPECT_EQ(mounts[0].repository, "team/other");
  EXPECT_EQ(mounts[0].digest, layer);

  auto untags = EventsOf("untag", "pusher-one");
  ASSERT_EQ(untags.size(), 1u);
  EXPECT_EQ(untags[0].tag, "v1");
  EXPECT_TRUE(untags[0].success);
  auto deletes = EventsOf("delete", "pusher-one");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].digest, digest);
  EXPECT_EQ(deletes[0].http_status, 202);

  // Correlation ids are per request.
  EXPECT_NE(pulls[0].correlation_id, pulls[1].correlation_id);
}

TEST_F(AuditEventsTest, RefusedOperationsAreAuditedAsFailures) {
  const std::string reader = CreateToken("reader-one", "_repositories_pull");
  const std::string pusher = CreateToken("pusher-two");
  const std::string manifest = PushImageAs("pusher-two", pusher, "team/app", "v1", "x");
  // Allowed to pull, not to delete: the access controller refuses before
  // the handler, so this is a denial (metrics), not a repository event.
  ASSERT_EQ(As("reader-one", reader, "DELETE", "/v2/team/app/manifests/v1").status, 403);
  EXPECT_TRUE(EventsOf("untag", "reader-one").empty());
  // A delete of something absent reaches the handler: a failed event.
  ASSERT_EQ(As("pusher-two", pusher, "DELETE", "/v2/team/app/manifests/absent").status, 404);
  auto untags = EventsOf("untag", "pusher-two");
  ASSERT_EQ(untags.size(), 1u);
  EXPECT_FALSE(untags[0].success);
  EXPECT_EQ(untags[0].reason, "MANIFEST_UNKNOWN");
}

TEST_F(AuditEventsTest, LoginEventsRecordTheRealReasonTheClientNeverSees) {
  const std::string pass = CreateToken("login-tok");
  auto token = [&](const std::string& user, const std::string& pw) {
    return As(user, pw, "GET", "/oauth2/token?service=scopereg&scope=repository:team/app:pull");
  };
  ASSERT_EQ(token("login-tok", pass).status, 200);
  auto wrong = token("login-tok", "not-the-password");
  auto unknown = token("no-such-token", "x");
  ASSERT_EQ(wrong.status, 401);
  ASSERT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body) << "the client must not learn the reason";
  // docker login: GET /v2/ with Basic.
  ASSERT_EQ(As("login-tok", pass, "GET", "/v2/").status, 200);
  ASSERT_EQ(As("login-tok", "bad", "GET", "/v2/").status, 401);
  ASSERT_EQ(Send("GET", "/v2/", "", {{"Authorization", "Bearer not-a-jwt"}}).status, 401);
  auth::TokenUpdate disable;
  disable.status = auth::TokenStatus::kDisabled;
  ASSERT_OK(Admin().UpdateToken(auth::Caller::System(), "login-tok", disable));
  ASSERT_EQ(token("login-tok", pass).status, 401);

  audit::AuditFilter f;
  f.category = audit::Category::kLogin;
  auto logins = Events(f);
  ASSERT_EQ(logins.size(), 7u);
  EXPECT_EQ(logins[0].operation, "token_endpoint");
  EXPECT_TRUE(logins[0].success);
  EXPECT_EQ(logins[0].identity, "login-tok");
  EXPECT_EQ(logins[0].identity_kind, "token");
  EXPECT_EQ(logins[0].slot, "password1");
  EXPECT_EQ(logins[0].detail, "repository:team/app:pull");
  EXPECT_EQ(logins[0].http_status, 200);
  EXPECT_EQ(logins[1].reason, "wrong_password");
  EXPECT_FALSE(logins[1].success);
  EXPECT_EQ(logins[1].http_status, 401);
  EXPECT_EQ(logins[2].reason, "unknown_token");
  EXPECT_EQ(logins[2].identity, "no-such-token");
  EXPECT_EQ(logins[3].operation, "basic");
  EXPECT_TRUE(logins[3].success);
  EXPECT_EQ(logins[3].slot, "password1");
  EXPECT_EQ(logins[4].operation, "basic");
  EXPECT_EQ(logins[4].reason, "wrong_password");
  EXPECT_EQ(logins[5].operation, "bearer");
  EXPECT_EQ(logins[5].reason, "invalid_token");
  EXPECT_EQ(logins[5].identity_kind, "unknown");
  EXPECT_EQ(logins[6].reason, "token_disabled");
  for (const auto& e : logins) {
    EXPECT_EQ(e.client_address, "127.0.0.1");
    EXPECT_FALSE(e.correlation_id.empty());
    EXPECT_EQ(e.detail.find(pass), std::string::npos);
    EXPECT_EQ(e.identity.find(pass), std::string::npos);
  }

  EXPECT_EQ(Metric("scopereg_logins_total{method=\"token_endpoint\",result=\"failure\",reason=\"wrong_password\"}"),
            1);
  EXPECT_EQ(Metric("scopereg_logins_total{method=\"basic\",result=\"success\",reason=\"none\"}"), 1);
}

TEST_F(AuditEventsTest, FailedAdminLoginIsAuditedAsAdmin) {
  ASSERT_OK(Admin().EnableAdminUser(auth::Caller::System()));
  // The admin's username is the registry name; the audit trail says "admin".
  auto r = As("scopereg", "guess", "GET", "/v2/");
  ASSERT_EQ(r.status, 401);
  auto logins = EventsOf("basic");
  ASSERT_EQ(logins.size(), 1u);
  EXPECT_EQ(logins[0].identity, "admin");
  EXPECT_EQ(logins[0].identity_kind, "admin");
  EXPECT_EQ(logins[0].reason, "wrong_password");
}

class AuditLogFilesTest : public AuditFixture {
 protected:
  void ConfigureAudit(server::Config& config) override {
    config.audit_file = dir_->str() + "/audit.jsonl";
    config.access_log = true;
    log_path_ = dir_->str() + "/server.log";
    log::Init(log_path_, log::Level::kInfo);
  }
  void TearDown() override {
    AuditFixture::TearDown();
    log::Flush();
    log::Init("", log::Level::kInfo);
  }
  std::string log_path_;
};

TEST_F(AuditLogFilesTest, CorrelationIdLinksTheEventToItsRequestLogLineAndNoSecretIsLogged) {
  const std::string pass = CreateToken("corr-token");
  PushImageAs("corr-token", pass, "team/app", "v1", "y");
  ASSERT_EQ(As("corr-token", pass, "GET", "/v2/team/app/manifests/v1").status, 200);
  ASSERT_EQ(As("corr-token", pass, "GET", "/oauth2/token?service=scopereg&scope=repository:team/app:pull").status,
            200);
  auto pulls = EventsOf("pull", "corr-token");
  ASSERT_EQ(pulls.size(), 1u);
  log::Flush();

  bool found = false;
  const std::string log_text = ReadFile(log_path_);
  for (const auto& line : ReadJsonLines(log_path_)) {
    if (line.value("msg", "") != "request" || line.value("correlation_id", "") != pulls[0].correlation_id) continue;
    found = true;
    EXPECT_EQ(line["method"], "GET");
    EXPECT_EQ(line["route"], "manifest");
    EXPECT_EQ(line["identity"], "corr-token");
    EXPECT_EQ(line["status"], 200);
  }
  EXPECT_TRUE(found) << "no request log line with correlation id " << pulls[0].correlation_id;
  // Neither the password nor the Authorization header value appears in the
  // request log or in the audit copy.
  const std::string basic = Base64Encode("corr-token:" + pass);
  EXPECT_EQ(log_text.find(pass), std::string::npos);
  EXPECT_EQ(log_text.find(basic), std::string::npos);
  EXPECT_EQ(log_text.find("Authorization"), std::string::npos);
  app_->FlushAuditForTest();
  const std::string audit_text = ReadFile(config_.audit_file);
  EXPECT_EQ(audit_text.find(pass), std::string::npos);
  EXPECT_EQ(audit_text.find(basic), std::string::npos);
  EXPECT_NE(audit_text.find(pulls[0].correlation_id), std::string::npos);
}

TEST_F(AuditLogFilesTest, ManagementChangesReachTheFileWithTheOperatorAndNoPassword) {
  auth::Caller alice{"alice", auth::OperatorRole::kOwner, "10.1.2.3", "corr-mgmt-1"};
  auth::ScopeMapSpec sm;
  sm.name = "team-reader";
  sm.actions = {"repositories/team/*/content/read"};
  ASSERT_OK(Admin().CreateScopeMap(alice, sm));
  auth::TokenSpec spec;
  spec.name = "vendor-x";
  spec.scope_map = "team-reader";
  spec.passwords[0] = auth::PasswordRequest{};
  ASSERT_OK_AND_ASSIGN(auth::CreatedToken created, Admin().CreateToken(alice, spec));
  ASSERT_OK_AND_ASSIGN(auth::GeneratedCredentials regenerated,
                       Admin().GenerateCredentials(alice, "vendor-x", {auth::PasswordSlot::kPassword2}));
  ASSERT_OK(Admin().DeleteToken(alice, "vendor-x"));
  app_->FlushAuditForTest();

  std::vector<json> management;
  bool bootstrap_seen = false;
  for (auto& j : ReadJsonLines(config_.audit_file)) {
    if (j["category"] != "management") continue;
    if (j["identity"] == "system") {
      // The first start creates the initial owner operator.
      EXPECT_EQ(j["operation"], "operator.create");
      EXPECT_EQ(j["identityKind"], "system");
      bootstrap_seen = true;
      continue;
    }
    management.push_back(std::move(j));
  }
  EXPECT_TRUE(bootstrap_seen);
  std::vector<std::string> ops;
  for (const auto& j : management) {
    ops.push_back(j["operation"]);
    EXPECT_EQ(j["identity"], "alice");
    EXPECT_EQ(j["identityKind"], "operator");
    EXPECT_EQ(j["clientAddress"], "10.1.2.3");
    EXPECT_EQ(j["correlationId"], "corr-mgmt-1");
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"scope_map.create", "token.create", "token.password.generate",
                                           "token.delete"}));
  EXPECT_EQ(management[1]["target"], "vendor-x");
  // The store wrote each of them in the change's own transaction; the file
  // has the same events (without the store's id).
  audit::AuditFilter f;
  f.category = audit::Category::kManagement;
  f.identity = "alice";
  std::vector<audit::AuditEvent> stored = Events(f);
  ASSERT_EQ(stored.size(), management.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    std::string line;
    audit::AuditEvent copy = stored[i];
    copy.id = 0;
    audit::AppendAuditEventJson(line, copy);
    EXPECT_EQ(json::parse(line), management[i]) << i;
  }

  const std::string text = ReadFile(config_.audit_file);
  EXPECT_EQ(text.find(created.credentials.passwords[0].value), std::string::npos);
  EXPECT_EQ(text.find(regenerated.passwords[0].value), std::string::npos);
}

TEST_F(AuditEventsTest, RetentionDeletesOnlyEventsOlderThanTheSetting) {
  const std::string pass = CreateToken("ret-token");
  PushImageAs("ret-token", pass, "team/app", "old", "old");
  ASSERT_EQ(EventsOf("push").size(), 3u);
  // Also old: the bootstrap owner's and the token's management events.
  const std::size_t old_events = Events().size();
  ASSERT_EQ(old_events, 5u);
  clock_.Advance(std::chrono::hours(24 * 91));
  ASSERT_EQ(As("ret-token", pass, "GET", "/v2/team/app/manifests/old").status, 200);
  ASSERT_EQ(EventsOf("pull").size(), 1u);
  ASSERT_OK_AND_ASSIGN(std::size_t deleted, app_->ApplyAuditRetentionForTest());
  EXPECT_EQ(deleted, old_events);
  EXPECT_TRUE(EventsOf("push").empty());
  EXPECT_TRUE(EventsOf("token.create").empty());
  EXPECT_EQ(EventsOf("pull").size(), 1u);
  EXPECT_EQ(Events().size(), 1u);
}

class AuditKeepForeverTest : public AuditFixture {
 protected:
  void ConfigureAudit(server::Config& config) override { config.audit_retention = std::chrono::seconds(0); }
};

TEST_F(AuditKeepForeverTest, RetentionZeroKeepsEverything) {
  const std::string pass = CreateToken("keep-token");
  PushImageAs("keep-token", pass, "team/app", "old", "old");
  clock_.Advance(std::chrono::hours(24 * 3650));
  ASSERT_OK_AND_ASSIGN(std::size_t deleted, app_->ApplyAuditRetentionForTest());
  EXPECT_EQ(deleted, 0u);
  EXPECT_EQ(EventsOf("push").size(), 3u);
}

class AuditOffTest : public AuditFixture {
 protected:
  void ConfigureAudit(server::Config& config) override { config.audit_enabled = false; }
};

TEST_F(AuditOffTest, NoDataPlaneEventsButManagementEventsAndLoginCounts) {
  const std::string pass = CreateToken("off-token");
  PushImageAs("off-token", pass, "team/app", "v1", "z");
  ASSERT_EQ(As("off-token", pass, "GET", "/v2/").status, 200);
  audit::AuditFilter f;
  f.category = audit::Category::kRepository;
  EXPECT_TRUE(Events(f).empty());
  f.category = audit::Category::kLogin;
  EXPECT_TRUE(Events(f).empty());
  // Management changes are audited whatever audit.enabled says: they are
  // written with the change.
  EXPECT_EQ(EventsOf("token.create").size(), 1u);
  EXPECT_EQ(Metric("scopereg_logins_total{method=\"basic\",result=\"success\",reason=\"none\"}"), 1);
  EXPECT_FALSE(Metric("scopereg_audit_queue_depth"));
}

}  // namespace
}  // namespace scopereg::testing

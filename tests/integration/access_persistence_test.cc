// The access model lives in the metadata database (SqliteAccessStore):
// tokens, scope maps, operators (with the initial owner credential), the
// admin user and last-used data survive a restart, and every management
// change is in the audit log with who made it, written with the change
// (access-model.md section 4).
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "registry_fixture.h"
#include "scopereg/core/encoding.h"

namespace scopereg::testing {
namespace {

using auth::PasswordSlot;

class AccessPersistenceTest : public RegistryFixture {
 protected:
  void Configure(server::Config& config) override {
    config.auth_mode = "token";
    config.registry_name = "scopereg";
  }
  auth::AccessAdmin& Admin() { return *app_->AccessAdminForTest(); }

  // The secret line the first start wrote to initial-owner-credential.
  std::string OwnerLine() {
    std::ifstream file(config_.InitialOwnerCredentialFile());
    std::string line;
    std::getline(file, line);
    return line;
  }

  // The owner operator of the first start, authenticated with its line, as
  // an operator would.
  auth::Caller Owner(std::string correlation_id) {
    auto owner = Admin().AuthenticateOperator(OwnerLine());
    EXPECT_TRUE(owner.ok()) << owner.status().ToString();
    if (!owner.ok()) return {};
    return auth::Caller{owner->id, owner->role, "203.0.113.7", std::move(correlation_id)};
  }

  // A management API call as the owner; the reply's JSON body (null if none).
  std::pair<int, nlohmann::json> AsOwner(const std::string& method, const std::string& path,
                                         const std::string& body = "") {
    std::vector<std::pair<std::string, std::string>> headers = {{"Authorization", "Bearer " + OwnerLine()}};
    if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
    http::ClientResponse res = Send(method, path, body, std::move(headers));
    return {res.status, nlohmann::json::parse(res.body, nullptr, /*allow_exceptions=*/false)};
  }

  int Get(const std::string& path, const std::string& user, const std::string& password) {
    return Send("GET", path, "", {{"Authorization", "Basic " + Base64Encode(user + ":" + password)}}).status;
  }

  // Every event of the audit log matching `filter`, oldest first.
  std::vector<audit::AuditEvent> AuditEvents(const audit::AuditFilter& filter) {
    std::vector<audit::AuditEvent> out;
    std::int64_t after = 0;
    while (true) {
      auto page = app_->AuditLogForTest()->Query(filter, after, 100);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return out;
      out.insert(out.end(), page->events.begin(), page->events.end());
      if (!page->next_after_id) return out;
      after = *page->next_after_id;
    }
  }
  std::vector<audit::AuditEvent> ManagementEvents() {
    audit::AuditFilter management;
    management.category = audit::Category::kManagement;
    return AuditEvents(management);
  }
};

TEST_F(AccessPersistenceTest, TheAccessModelSurvivesARestart) {
  const auth::Caller owner = Owner("corr-setup");
  ASSERT_OK(Admin().CreateScopeMap(
      owner,
      {"team-map", "team a", {"repositories/team/app/content/read", "repositories/team/*/metadata/read"}}));
  auth::TokenSpec spec;
  spec.name = "ci-token";
  spec.scope_map = "team-map";
  spec.owner = "team-a";
  spec.labels = {{"env", "prod"}};
  spec.expires_on = clock_.Now() + std::chrono::hours(24 * 90);
  spec.passwords[0] = auth::PasswordRequest{clock_.Now() + std::chrono::hours(24 * 30)};
  ASSERT_OK_AND_ASSIGN(auth::CreatedToken created, Admin().CreateToken(owner, spec));
  const std::string password = created.credentials.passwords[0].value;
  ASSERT_OK_AND_ASSIGN(
      auth::CreatedOperator auditor,
      Admin().CreateOperator(owner, "auditor-1", auth::OperatorRole::kAuditor, "access review"));
  ASSERT_OK(Admin().EnableAdminUser(owner));

  // The token's scope map applies: read on team/app (no such manifest yet),
  // nothing on another repository.
  clock_.Advance(std::chrono::minutes(5));
  const Time used_at = clock_.Now();
  ASSERT_EQ(Get("/v2/team/app/manifests/v1", "ci-token", password), 404);
  ASSERT_EQ(Get("/v2/other/app/manifests/v1", "ci-token", password), 403);

  ASSERT_OK_AND_ASSIGN(auth::ScopeMap map, Admin().GetScopeMap(owner, "team-map"));
  ASSERT_OK_AND_ASSIGN(auto operators, Admin().ListOperators(owner));
  ASSERT_OK_AND_ASSIGN(auth::AdminUser admin_user, Admin().GetAdminUser(owner));

  // No explicit flush: stopping writes the last-used data it has collected.
  Restart();
  clock_.Advance(std::chrono::minutes(5));

  ASSERT_OK_AND_ASSIGN(auth::Token token, Admin().GetToken(owner, "ci-token"));
  EXPECT_EQ(token, created.token);
  ASSERT_OK_AND_ASSIGN(auth::ScopeMap map_after, Admin().GetScopeMap(owner, "team-map"));
  EXPECT_EQ(map_after, map);
  ASSERT_OK_AND_ASSIGN(auto operators_after, Admin().ListOperators(owner));
  EXPECT_EQ(operators_after, operators);
  EXPECT_EQ(operators_after.size(), 2u);  // the first start's owner was not made again
  ASSERT_OK_AND_ASSIGN(auth::AdminUser admin_after, Admin().GetAdminUser(owner));
  EXPECT_EQ(admin_after, admin_user);
  EXPECT_TRUE(admin_after.enabled);
  ASSERT_OK_AND_ASSIGN(auth::TokenUsage usage, Admin().GetTokenUsage(owner, "ci-token"));
  EXPECT_EQ(usage.slots[0].last_used, used_at);
  EXPECT_EQ(usage.slots[0].last_used_from, "127.0.0.1");
  EXPECT_FALSE(usage.slots[1].last_used.has_value());

  // Both operator credentials still work, and the restarted AuthState
  // enforces the same password and the same scope map.
  EXPECT_OK(Admin().AuthenticateOperator(auditor.secret_line));
  EXPECT_EQ(Owner("corr-after").id, owner.id);
  EXPECT_EQ(Get("/v2/", "ci-token", password), 200);
  EXPECT_EQ(Get("/v2/", "ci-token", password + "x"), 401);
  EXPECT_EQ(Get("/v2/team/app/manifests/v1", "ci-token", password), 404);
  EXPECT_EQ(Get("/v2/team/app/tags/list", "ci-token", password), 404);
  EXPECT_EQ(Get("/v2/other/app/manifests/v1", "ci-token", password), 403);

  // A change made after a restart sticks across the next one.
  auth::TokenUpdate disable;
  disable.status = auth::TokenStatus::kDisabled;
  ASSERT_OK(Admin().UpdateToken(owner, "ci-token", disable));
  EXPECT_EQ(Get("/v2/", "ci-token", password), 401);
  Restart();
  EXPECT_EQ(Get("/v2/", "ci-token", password), 401);
  ASSERT_OK_AND_ASSIGN(token, Admin().GetToken(owner, "ci-token"));
  EXPECT_EQ(token.status, auth::TokenStatus::kDisabled);
}

TEST_F(AccessPersistenceTest, EveryManagementChangeIsAuditedWithItsCaller) {
  // One call per kind of change, each with its own correlation id.
  std::vector<std::pair<std::string, std::string>> want;  // operation, target
  std::vector<std::string> secrets;
  auto caller = [&](const char* operation, std::string target) {
    want.emplace_back(operation, std::move(target));
    clock_.Advance(std::chrono::seconds(1));
    return Owner("corr-" + std::to_string(want.size()));
  };
  auto keep = [&](const auth::GeneratedCredentials& c) {
    for (const auth::GeneratedPassword& p : c.passwords) secrets.push_back(p.value);
  };

  ASSERT_OK(Admin().CreateScopeMap(caller("scope_map.create", "team-map"),
                                   {"team-map", "", {"repositories/team/app/content/read"}}));
  auth::ScopeMapUpdate describe;
  describe.description = "team a";
  ASSERT_OK(Admin().UpdateScopeMap(caller("scope_map.update", "team-map"), "team-map", describe));
  auth::TokenSpec spec;
  spec.name = "ci-token";
  spec.scope_map = "team-map";
  spec.passwords[0] = auth::PasswordRequest{};
  ASSERT_OK_AND_ASSIGN(auth::CreatedToken created,
                       Admin().CreateToken(caller("token.create", "ci-token"), spec));
  keep(created.credentials);
  auth::TokenUpdate update;
  update.owner = "team-a";
  ASSERT_OK(Admin().UpdateToken(caller("token.update", "ci-token"), "ci-token", update));
  ASSERT_OK_AND_ASSIGN(auth::GeneratedCredentials generated,
                       Admin().GenerateCredentials(caller("token.password.generate", "ci-token"), "ci-token",
                                                   {PasswordSlot::kPassword2}));
  keep(generated);
  ASSERT_OK(Admin().DeleteCredentials(caller("token.password.delete", "ci-token"), "ci-token",
                                      {PasswordSlot::kPassword1}));
  ASSERT_OK(Admin().DeleteToken(caller("token.delete", "ci-token"), "ci-token"));
  ASSERT_OK(Admin().DeleteScopeMap(caller("scope_map.delete", "team-map"), "team-map"));
  ASSERT_OK_AND_ASSIGN(generated, Admin().EnableAdminUser(caller("admin_user.enable", "")));
  keep(generated);
  ASSERT_OK_AND_ASSIGN(generated, Admin().RegenerateAdminPasswords(caller("admin_user.password.generate", ""),
                                                                   {PasswordSlot::kPassword2}));
  keep(generated);
  ASSERT_OK(Admin().DisableAdminUser(caller("admin_user.disable", "")));
  ASSERT_OK_AND_ASSIGN(auth::CreatedOperator op,
                       Admin().CreateOperator(caller("operator.create", "auditor-1"), "auditor-1",
                                              auth::OperatorRole::kAuditor, ""));
  secrets.push_back(op.secret_line);
  ASSERT_OK(Admin().DeleteOperator(caller("operator.delete", "auditor-1"), "auditor-1"));
  ASSERT_EQ(secrets.size(), 6u);  // enabling the admin user generated both of its passwords

  // A change that is refused is not in the trail.
  const Status refused = Admin().DeleteScopeMap(Owner("corr-refused"), "_repositories_pull");
  EXPECT_FALSE(refused.ok());

  // The list above covers every kind of management change there is.
  std::set<std::string> kinds;
  for (int i = 0; i <= static_cast<int>(auth::ChangeOperation::kOperatorDelete); ++i) {
    kinds.emplace(auth::ChangeOperationName(static_cast<auth::ChangeOperation>(i)));
  }
  std::set<std::string> made;
  for (const auto& [operation, target] : want) made.insert(operation);
  EXPECT_EQ(made, kinds);

  auto check = [&](const std::vector<audit::AuditEvent>& events) {
    // The first event is the first start's: the system created the owner.
    ASSERT_EQ(events.size(), want.size() + 1);
    EXPECT_EQ(events[0].operation, "operator.create");
    EXPECT_EQ(events[0].identity, "system");
    EXPECT_EQ(events[0].identity_kind, "system");
    EXPECT_EQ(events[0].target, "owner");
    for (std::size_t i = 0; i < want.size(); ++i) {
      const audit::AuditEvent& e = events[i + 1];
      SCOPED_TRACE("change " + std::to_string(i + 1) + ": " + want[i].first);
      EXPECT_EQ(e.category, audit::Category::kManagement);
      EXPECT_EQ(e.operation, want[i].first);
      EXPECT_EQ(e.target, want[i].second);
      EXPECT_EQ(e.identity, "owner");
      EXPECT_EQ(e.identity_kind, "operator");
      EXPECT_TRUE(e.success);
      EXPECT_EQ(e.client_address, "203.0.113.7");
      EXPECT_EQ(e.correlation_id, "corr-" + std::to_string(i + 1));
      EXPECT_EQ(e.time, FromUnixSeconds(1'800'000'000 + static_cast<std::int64_t>(i) + 1));
      EXPECT_GT(e.id, events[i].id);
      // Never a password or an operator secret, in any field.
      for (const std::string& secret : secrets) {
        for (const std::string* field : {&e.detail, &e.target, &e.reason}) {
          EXPECT_EQ(field->find(secret), std::string::npos) << *field;
        }
      }
    }
  };
  const std::vector<audit::AuditEvent> before = ManagementEvents();
  check(before);

  // The trail is in the database: the next process reads the same events.
  Restart();
  const std::vector<audit::AuditEvent> after = ManagementEvents();
  check(after);
  ASSERT_EQ(after.size(), before.size());
  for (std::size_t i = 0; i < after.size(); ++i) EXPECT_EQ(after[i].id, before[i].id);
  audit::AuditFilter by_correlation;
  by_correlation.correlation_id = "corr-7";
  ASSERT_EQ(AuditEvents(by_correlation).size(), 1u);
  EXPECT_EQ(AuditEvents(by_correlation)[0].operation, "token.delete");
}

// The same through the HTTP management API that operators and the CLI use:
// the caller, its address and the request's correlation id reach the trail,
// refused requests leave nothing, and what was made survives a restart.
TEST_F(AccessPersistenceTest, ManagementApiChangesAreAuditedAndSurviveARestart) {
  auto [status, created] = AsOwner(
      "PUT", "/api/v1/tokens/ci-puller",
      R"({"repositoryActions":["repositories/team/app/content/read"],"passwords":[{"name":"password1"}]})");
  ASSERT_EQ(status, 201) << created.dump();
  const std::string password = created["credentials"]["passwords"][0]["value"].get<std::string>();
  const std::string etag = created["etag"].get<std::string>();
  EXPECT_TRUE(created["scopeMapCreated"].get<bool>());
  EXPECT_EQ(AsOwner("DELETE", "/api/v1/scopeMaps/_repositories_pull").first, 409);  // refused: read-only
  EXPECT_EQ(Send("DELETE", "/api/v1/tokens/ci-puller").status, 401);                // refused: no credential

  auto check = [&] {
    std::vector<audit::AuditEvent> events = ManagementEvents();
    ASSERT_EQ(events.size(), 3u);  // the first start's owner, the token's scope map, the token
    EXPECT_EQ(events[1].operation, "scope_map.create");
    EXPECT_EQ(events[1].target, "ci-puller-scope-map");
    EXPECT_EQ(events[2].operation, "token.create");
    EXPECT_EQ(events[2].target, "ci-puller");
    for (std::size_t i = 1; i < events.size(); ++i) {
      EXPECT_EQ(events[i].identity, "owner");
      EXPECT_EQ(events[i].identity_kind, "operator");
      EXPECT_EQ(events[i].client_address, "127.0.0.1");
      EXPECT_EQ(events[i].time, clock_.Now());
      EXPECT_EQ(events[i].detail.find(password), std::string::npos);
    }
    // One request made both changes.
    EXPECT_FALSE(events[2].correlation_id.empty());
    EXPECT_EQ(events[1].correlation_id, events[2].correlation_id);
  };
  check();

  Restart();
  check();
  auto [got_status, token] = AsOwner("GET", "/api/v1/tokens/ci-puller");
  ASSERT_EQ(got_status, 200) << token.dump();
  EXPECT_EQ(token["etag"].get<std::string>(), etag);
  EXPECT_EQ(token["scopeMap"].get<std::string>(), "ci-puller-scope-map");
  EXPECT_EQ(Get("/v2/team/app/manifests/v1", "ci-puller", password), 404);
  EXPECT_EQ(Get("/v2/other/app/manifests/v1", "ci-puller", password), 403);
}

}  // namespace
}  // namespace scopereg::testing

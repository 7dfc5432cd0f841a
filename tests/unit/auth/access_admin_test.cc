#include "scopereg/auth/access_admin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "scopereg/auth/auth_state.h"
#include "scopereg/auth/memory/memory_access_store.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

using std::chrono::hours;
using ::testing::HasSubstr;
using ::testing::Not;

class RecordingObserver : public AccessChangeObserver {
 public:
  void OnAccessChange(const AccessChange& change) override {
    std::lock_guard<std::mutex> lock(mu_);
    changes_.push_back(change);
  }
  std::vector<AccessChange> changes() {
    std::lock_guard<std::mutex> lock(mu_);
    return changes_;
  }
  std::string All() {
    std::string out;
    for (const AccessChange& c : changes()) {
      out += std::string(ChangeOperationName(c.operation)) + " " + c.target + " " + c.detail + "\n";
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<AccessChange> changes_;
};

std::string Msg(const Status& s) { return std::string(s.message()); }

// A write made behind AccessAdmin's back (a concurrent writer).
AccessChange IntruderChange() {
  return AccessChange{{}, ChangeOperation::kTokenUpdate, Caller{"intruder", OperatorRole::kOwner, "", ""}, "ci-token",
                      "intrusion", 0};
}

class AccessAdminTest : public ::testing::Test {
 protected:
  AccessAdminTest() { Reset(AccessAdminOptions{"myregistry"}); }

  void Reset(AccessAdminOptions options) {
    subscription_.reset();
    state_ = AuthState::Create(AuthStateOptions{"myregistry", hasher_, {}}).value();
    subscription_ = store_.Subscribe(*state_).value();
    admin_ = std::make_unique<AccessAdmin>(store_, clock_, hasher_, std::move(options), &observer_);
  }

  ScopeMap MustCreateMap(std::string name, std::vector<std::string> actions) {
    auto m = admin_->CreateScopeMap(owner_, ScopeMapSpec{std::move(name), "", std::move(actions)});
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : ScopeMap{};
  }

  CreatedToken MustCreateToken(std::string name, std::string scope_map, bool passwords = true) {
    TokenSpec spec;
    spec.name = std::move(name);
    spec.scope_map = std::move(scope_map);
    if (passwords) spec.passwords = {PasswordRequest{}, PasswordRequest{}};
    auto t = admin_->CreateToken(owner_, spec);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : CreatedToken{};
  }

  Principal Login(std::string_view user, std::string_view password) {
    AuthOutcome out = state_->Authenticate(user, password, clock_.Now());
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : AuthFailureName(out.failure()));
    return out.ok() ? out.principal() : Principal{};
  }

  testing::FakeClock clock_;
  std::shared_ptr<const PasswordHasher> hasher_ =
      std::make_shared<const PasswordHasher>(PasswordHasher::Create(std::string(32, 'k')).value());
  MemoryAccessStore store_;
  RecordingObserver observer_;
  std::unique_ptr<AuthState> state_;
  std::unique_ptr<AccessSubscription> subscription_;
  std::unique_ptr<AccessAdmin> admin_;
  const Caller owner_ = Caller::System();
};

// ---- scope maps -------------------------------------------------------------------------

TEST_F(AccessAdminTest, CreateScopeMapValidates) {
  auto bad = [&](ScopeMapSpec spec) { return admin_->CreateScopeMap(owner_, spec).status(); };
  EXPECT_THAT(Msg(bad({"abc", "", {"repositories/a/content/read"}})), HasSubstr("name: \"abc\""));
  EXPECT_THAT(Msg(bad({"_mine_", "", {"repositories/a/content/read"}})), HasSubstr("reserved"));
  EXPECT_THAT(Msg(bad({"valid-map", std::string(257, 'd'), {"repositories/a/content/read"}})),
              HasSubstr("description: "));
  EXPECT_THAT(Msg(bad({"valid-map", "", {"repositories/a/content/read", "repositories/b/pull"}})),
              HasSubstr("actions[1]: Invalid action"));
  EXPECT_THAT(Msg(bad({"valid-map", "", {"repositories/a/*/b/content/read"}})), HasSubstr("actions[0]"));
  EXPECT_THAT(Msg(bad({"valid-map", "", {}})), HasSubstr("at least one action"));
  EXPECT_EQ(bad({"abc", "", {}}).code(), StatusCode::kInvalidArgument);

  ScopeMap m = MustCreateMap("valid-map", {"repositories/B/CONTENT/READ", "repositories/a/*/content/write",
                                           "repositories/b/content/read"});
  EXPECT_EQ(m.ActionStrings(),
            (std::vector<std::string>{"repositories/a/*/content/write", "repositories/b/content/read"}));
  EXPECT_EQ(m.type, ScopeMapType::kUserDefined);
  EXPECT_EQ(m.creation_date, clock_.Now());
  EXPECT_GT(m.revision, 0u);
  EXPECT_STATUS(admin_->CreateScopeMap(owner_, {"valid-map", "", {"repositories/a/content/read"}}),
                StatusCode::kAlreadyExists);
  EXPECT_THAT(observer_.All(), HasSubstr("scope_map.create valid-map"));
}

TEST_F(AccessAdminTest, ScopeMapLimitsAreConfigurable) {
  AccessAdminOptions options{"myregistry"};
  options.scope_map_limits = {.max_repositories = 1, .max_actions = 2};
  options.max_scope_maps = 1;
  Reset(options);
  EXPECT_STATUS(admin_->CreateScopeMap(owner_, {"two-repos", "", {"repositories/a/content/read",
                                                                  "repositories/b/content/read"}}),
                StatusCode::kInvalidArgument);
  MustCreateMap("one-repo", {"repositories/a/content/read", "repositories/a/content/write"});
  EXPECT_STATUS(admin_->CreateScopeMap(owner_, {"another", "", {"repositories/a/content/read"}}),
                StatusCode::kResourceExhausted);
}

TEST_F(AccessAdminTest, UpdateScopeMapReplacesTheListAndAppliesAtOnce) {
  MustCreateMap("team-map", {"repositories/team/*/content/read"});
  CreatedToken t = MustCreateToken("ci-token", "team-map");
  Principal p = Login("ci-token", t.credentials.passwords[0].value);
  EXPECT_EQ(state_->Allowed(p, "team/app"), ActionSet{Action::kContentRead});

  ScopeMapUpdate u;
  u.actions = std::vector<std::string>{"repositories/team/app/content/write"};
  ASSERT_OK_AND_ASSIGN(ScopeMap updated, admin_->UpdateScopeMap(owner_, "team-map", u));
  EXPECT_EQ(updated.ActionStrings(), std::vector<std::string>{"repositories/team/app/content/write"});
  EXPECT_EQ(state_->Allowed(p, "team/app"), ActionSet{Action::kContentWrite});
  EXPECT_EQ(state_->Allowed(p, "team/other"), ActionSet());
  EXPECT_EQ(state_->Validate(p, clock_.Now()), std::nullopt);

  ScopeMapUpdate d;
  d.description = "new words";
  ASSERT_OK_AND_ASSIGN(ScopeMap described, admin_->UpdateScopeMap(owner_, "team-map", d));
  EXPECT_EQ(described.description, "new words");
  EXPECT_EQ(described.rules, updated.rules);  // untouched

  EXPECT_STATUS(admin_->UpdateScopeMap(owner_, "team-map", ScopeMapUpdate{}), StatusCode::kInvalidArgument);
  EXPECT_STATUS(admin_->UpdateScopeMap(owner_, "no-such-map", d), StatusCode::kNotFound);
  Status system = admin_->UpdateScopeMap(owner_, "_repositories_pull", d).status();
  EXPECT_EQ(system.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(Msg(system), HasSubstr("read-only"));
  ScopeMapUpdate stale = d;
  stale.if_revision = updated.revision;  // the description update moved it on
  EXPECT_STATUS(admin_->UpdateScopeMap(owner_, "team-map", stale), StatusCode::kAborted);
}

TEST_F(AccessAdminTest, DeleteScopeMapInUseNamesTheTokens) {
  MustCreateMap("shared-map", {"repositories/a/content/read"});
  MustCreateToken("token-one", "shared-map", false);
  MustCreateToken("token-two", "shared-map", false);
  Status in_use = admin_->DeleteScopeMap(owner_, "shared-map");
  EXPECT_EQ(in_use.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(Msg(in_use), HasSubstr("token-one, token-two"));
  ASSERT_OK_AND_ASSIGN(auto users, admin_->TokensUsingScopeMap(owner_, "shared-map"));
  EXPECT_EQ(users, (std::vector<std::string>{"token-one", "token-two"}));
  EXPECT_STATUS(admin_->DeleteScopeMap(owner_, "_repositories_admin"), StatusCode::kFailedPrecondition);
  ASSERT_OK(admin_->DeleteToken(owner_, "token-one"));
  ASSERT_OK(admin_->DeleteToken(owner_, "token-two"));
  ASSERT_OK(admin_->DeleteScopeMap(owner_, "shared-map"));
  EXPECT_STATUS(admin_->DeleteScopeMap(owner_, "shared-map"), StatusCode::kNotFound);
  EXPECT_STATUS(admin_->TokensUsingScopeMap(owner_, "shared-map"), StatusCode::kNotFound);
}

TEST_F(AccessAdminTest, ListScopeMapsIncludesSystemMaps) {
  MustCreateMap("Zeta-map", {"repositories/a/content/read"});
  MustCreateMap("alpha-map", {"repositories/a/content/read"});
  ASSERT_OK_AND_ASSIGN(auto all, admin_->ListScopeMaps(owner_, "", 100));
  std::vector<std::string> names;
  for (const auto& m : all) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"Zeta-map", "_repositories_admin", "_repositories_pull",
                                             "_repositories_pull_metadata_read", "_repositories_push",
                                             "_repositories_push_metadata_write", "alpha-map"}));
  ASSERT_OK_AND_ASSIGN(auto page, admin_->ListScopeMaps(owner_, "_repositories_push", 2));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].name, "_repositories_push_metadata_write");
  EXPECT_EQ(page[1].name, "alpha-map");
  ASSERT_OK_AND_ASSIGN(ScopeMap sys, admin_->GetScopeMap(owner_, "_repositories_pull"));
  EXPECT_TRUE(sys.is_system());
}

// ---- tokens ------------------------------------------------------------------------------

TEST_F(AccessAdminTest, CreateTokenWithPasswordsWorksForDockerLogin) {
  MustCreateMap("pull-map", {"repositories/app/content/read"});
  TokenSpec spec;
  spec.name = "ci-token";
  spec.scope_map = "pull-map";
  spec.owner = "team-a";
  spec.labels = {{"env", "prod"}};
  spec.passwords[0] = PasswordRequest{clock_.Now() + hours(24)};
  ASSERT_OK_AND_ASSIGN(CreatedToken created, admin_->CreateToken(owner_, spec));
  ASSERT_EQ(created.credentials.passwords.size(), 1u);
  const GeneratedPassword& pw = created.credentials.passwords[0];
  EXPECT_EQ(pw.name, "password1");
  EXPECT_EQ(pw.value.size(), kPasswordLength);
  EXPECT_EQ(pw.expiry, clock_.Now() + hours(24));
  EXPECT_EQ(created.credentials.username, "ci-token");
  EXPECT_FALSE(created.token.password(PasswordSlot::kPassword2).has_value());
  EXPECT_NE(created.token.version, 0u);
  EXPECT_EQ(created.token.password(PasswordSlot::kPassword1)->digest, hasher_->Digest(pw.value));

  Principal p = Login("ci-token", pw.value);
  EXPECT_EQ(state_->Allowed(p, "app"), ActionSet{Action::kContentRead});
  clock_.Advance(hours(24));
  EXPECT_EQ(state_->Validate(p, clock_.Now()), AuthFailure::kPasswordExpired);

  // The plaintext appears nowhere but in the one response.
  EXPECT_THAT(observer_.All(), Not(HasSubstr(pw.value)));
  ASSERT_OK_AND_ASSIGN(Token stored, admin_->GetToken(owner_, "ci-token"));
  EXPECT_EQ(stored.password(PasswordSlot::kPassword1)->digest.find(pw.value), std::string::npos);
}

TEST_F(AccessAdminTest, CreateTokenValidates) {
  MustCreateMap("pull-map", {"repositories/app/content/read"});
  auto status_of = [&](auto mutate) {
    TokenSpec spec;
    spec.name = "good-token";
    spec.scope_map = "pull-map";
    mutate(spec);
    return admin_->CreateToken(owner_, spec).status();
  };
  EXPECT_THAT(Msg(status_of([](TokenSpec& s) { s.name = "bad_name"; })), HasSubstr("name: \"bad_name\""));
  EXPECT_THAT(Msg(status_of([](TokenSpec& s) { s.name = "MyRegistry"; })), HasSubstr("reserved for the admin user"));
  EXPECT_EQ(status_of([](TokenSpec& s) { s.scope_map = "missing-map"; }).code(), StatusCode::kNotFound);
  EXPECT_THAT(Msg(status_of([](TokenSpec& s) { s.scope_map = "missing-map"; })), HasSubstr("scopeMap: "));
  EXPECT_THAT(Msg(status_of([](TokenSpec& s) { s.scope_map.clear(); })), HasSubstr("either a scope map"));
  EXPECT_THAT(Msg(status_of([](TokenSpec& s) { s.repository_actions = {"repositories/x/content/read"}; })),
              HasSubstr("not both"));
  EXPECT_THAT(Msg(status_of([&](TokenSpec& s) { s.expires_on = clock_.Now(); })), HasSubstr("expiresOn: "));
  EXPECT_THAT(Msg(status_of([&](TokenSpec& s) { s.passwords[1] = PasswordRequest{clock_.Now() - hours(1)}; })),
              HasSubstr("password2.expiry: "));
  EXPECT_THAT(Msg(status_of([](TokenSpec& s) { s.labels = {{"-bad", "v"}}; })), HasSubstr("labels: "));
  EXPECT_THAT(Msg(status_of([](TokenSpec& s) { s.owner = std::string(129, 'o'); })), HasSubstr("owner: "));
  EXPECT_OK(status_of([](TokenSpec&) {}));
  EXPECT_EQ(status_of([](TokenSpec&) {}).code(), StatusCode::kAlreadyExists);
  EXPECT_OK(status_of([](TokenSpec& s) {
    s.name = "system-user";
    s.scope_map = "_repositories_pull";
  }));
}

TEST_F(AccessAdminTest, CreateTokenWithRepositoryActionsMakesOrReusesTheDefaultMap) {
  TokenSpec spec;
  spec.name = "puller";
  spec.repository_actions = {"repositories/hello-world/content/read", "repositories/hello-world/metadata/read"};
  ASSERT_OK_AND_ASSIGN(CreatedToken first, admin_->CreateToken(owner_, spec));
  EXPECT_TRUE(first.scope_map_created);
  EXPECT_EQ(first.token.scope_map, "puller-scope-map");
  ASSERT_OK_AND_ASSIGN(ScopeMap m, admin_->GetScopeMap(owner_, "puller-scope-map"));
  EXPECT_EQ(m.description, "Created by token: puller");
  ASSERT_OK(admin_->DeleteToken(owner_, "puller"));
  // Same actions (any order/case): reused.
  spec.repository_actions = {"repositories/Hello-World/metadata/read", "repositories/hello-world/content/read"};
  ASSERT_OK_AND_ASSIGN(CreatedToken again, admin_->CreateToken(owner_, spec));
  EXPECT_FALSE(again.scope_map_created);
  ASSERT_OK(admin_->DeleteToken(owner_, "puller"));
  spec.repository_actions = {"repositories/hello-world/content/write"};
  Status different = admin_->CreateToken(owner_, spec).status();
  EXPECT_EQ(different.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(Msg(different), HasSubstr("different repository permissions"));
  spec.name = std::string(45, 'n');  // "<45>-scope-map" is longer than 50
  EXPECT_STATUS(admin_->CreateToken(owner_, spec), StatusCode::kInvalidArgument);
}

TEST_F(AccessAdminTest, GenerateCredentialsForOneSlotLeavesTheOtherAlone) {
  MustCreateMap("pull-map", {"repositories/app/content/read"});
  CreatedToken created = MustCreateToken("ci-token", "pull-map");
  const std::string pw1 = created.credentials.passwords[0].value;
  const std::string pw2 = created.credentials.passwords[1].value;
  Principal p1 = Login("ci-token", pw1);
  Principal p2 = Login("ci-token", pw2);

  ASSERT_OK_AND_ASSIGN(GeneratedCredentials gen,
                       admin_->GenerateCredentials(owner_, "ci-token", {PasswordSlot::kPassword2},
                                                   clock_.Now() + hours(1)));
  ASSERT_EQ(gen.passwords.size(), 1u);
  EXPECT_EQ(gen.passwords[0].name, "password2");
  EXPECT_NE(gen.passwords[0].value, pw2);
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), std::nullopt);
  EXPECT_EQ(state_->Validate(p2, clock_.Now()), AuthFailure::kCredentialsChanged);
  EXPECT_FALSE(state_->Authenticate("ci-token", pw2, clock_.Now()).ok());
  Principal p2b = Login("ci-token", gen.passwords[0].value);
  EXPECT_EQ(p2b.version, p1.version);  // the token's version did not move

  ASSERT_OK_AND_ASSIGN(GeneratedCredentials both, admin_->GenerateCredentials(owner_, "ci-token", {}));
  EXPECT_EQ(both.passwords.size(), 2u);
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), AuthFailure::kCredentialsChanged);
  EXPECT_STATUS(admin_->GenerateCredentials(owner_, "ci-token", {}, clock_.Now()), StatusCode::kInvalidArgument);
  EXPECT_STATUS(admin_->GenerateCredentials(owner_, "no-token", {}), StatusCode::kNotFound);
  EXPECT_THAT(observer_.All(), HasSubstr("token.password.generate ci-token password2 (expiry"));
  EXPECT_THAT(observer_.All(), Not(HasSubstr(gen.passwords[0].value)));
}

TEST_F(AccessAdminTest, DeleteCredentials) {
  MustCreateMap("pull-map", {"repositories/app/content/read"});
  CreatedToken created = MustCreateToken("ci-token", "pull-map");
  Principal p1 = Login("ci-token", created.credentials.passwords[0].value);
  EXPECT_THAT(Msg(admin_->DeleteCredentials(owner_, "ci-token", {}).status()), HasSubstr("no credentials"));
  ASSERT_OK(admin_->DeleteCredentials(owner_, "ci-token", {PasswordSlot::kPassword1}));
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), AuthFailure::kSlotEmpty);
  Status missing = admin_->DeleteCredentials(owner_, "ci-token", {PasswordSlot::kPassword1, PasswordSlot::kPassword2})
                       .status();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_THAT(Msg(missing), HasSubstr("password1: token 'ci-token' has no password1"));
  ASSERT_OK_AND_ASSIGN(Token t, admin_->GetToken(owner_, "ci-token"));
  EXPECT_TRUE(t.password(PasswordSlot::kPassword2).has_value());  // nothing deleted by the failed call
}

TEST_F(AccessAdminTest, UpdateTokenBumpsVersionOnStatusAndExpiry) {
  MustCreateMap("pull-map", {"repositories/app/content/read"});
  MustCreateMap("push-map", {"repositories/app/content/write"});
  CreatedToken created = MustCreateToken("ci-token", "pull-map");
  Principal p = Login("ci-token", created.credentials.passwords[0].value);

  TokenUpdate move;
  move.scope_map = "push-map";
  move.labels = {{"team", "a"}};
  ASSERT_OK_AND_ASSIGN(Token moved, admin_->UpdateToken(owner_, "ci-token", move));
  EXPECT_EQ(moved.version, created.token.version);  // no credential change
  EXPECT_EQ(state_->Validate(p, clock_.Now()), std::nullopt);
  EXPECT_EQ(state_->Allowed(p, "app"), ActionSet{Action::kContentWrite});

  TokenUpdate disable;
  disable.status = TokenStatus::kDisabled;
  ASSERT_OK_AND_ASSIGN(Token disabled, admin_->UpdateToken(owner_, "ci-token", disable));
  EXPECT_NE(disabled.version, created.token.version);
  EXPECT_EQ(state_->Validate(p, clock_.Now()), AuthFailure::kTokenDisabled);
  TokenUpdate enable;
  enable.status = TokenStatus::kEnabled;
  ASSERT_OK(admin_->UpdateToken(owner_, "ci-token", enable));
  EXPECT_EQ(state_->Validate(p, clock_.Now()), AuthFailure::kCredentialsChanged);

  TokenUpdate expire;
  expire.expires_on = clock_.Now() + hours(2);
  expire.labels = {{"team", std::nullopt}, {"env", "dev"}};
  ASSERT_OK_AND_ASSIGN(Token expiring, admin_->UpdateToken(owner_, "ci-token", expire));
  EXPECT_EQ(expiring.labels, (std::map<std::string, std::string>{{"env", "dev"}}));
  EXPECT_EQ(expiring.expires_on, clock_.Now() + hours(2));
  TokenUpdate clear;
  clear.clear_expires_on = true;
  ASSERT_OK_AND_ASSIGN(Token cleared, admin_->UpdateToken(owner_, "ci-token", clear));
  EXPECT_FALSE(cleared.expires_on.has_value());
  EXPECT_NE(cleared.version, expiring.version);

  EXPECT_STATUS(admin_->UpdateToken(owner_, "ci-token", TokenUpdate{}), StatusCode::kInvalidArgument);
  TokenUpdate bad_map;
  bad_map.scope_map = "missing-map";
  EXPECT_STATUS(admin_->UpdateToken(owner_, "ci-token", bad_map), StatusCode::kNotFound);
  TokenUpdate stale = enable;
  stale.if_revision = created.token.revision;
  EXPECT_STATUS(admin_->UpdateToken(owner_, "ci-token", stale), StatusCode::kAborted);
  EXPECT_STATUS(admin_->UpdateToken(owner_, "no-such-token", enable), StatusCode::kNotFound);
  EXPECT_THAT(observer_.All(), HasSubstr("status: enabled -> disabled"));
}

TEST_F(AccessAdminTest, ConcurrentUpdatesOfOneTokenLoseNoWrite) {
  MustCreateMap("pull-map", {"repositories/app/content/read"});
  MustCreateToken("ci-token", "pull-map", false);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kPerThread; ++j) {
        TokenUpdate u;
        u.labels = {{"k" + std::to_string(i) + "-" + std::to_string(j), "v"}};
        if (!admin_->UpdateToken(owner_, "ci-token", u).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_OK_AND_ASSIGN(Token t, admin_->GetToken(owner_, "ci-token"));
  EXPECT_EQ(t.labels.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST_F(AccessAdminTest, ConflictIsRetriedThenReported) {
  MustCreateMap("pull-map", {"repositories/app/content/read"});
  MustCreateToken("ci-token", "pull-map", false);
  // Slip a concurrent write in before the admin's conditional write, once.
  int intrusions = 0;
  thread_local bool in_hook = false;
  store_.SetBeforeWriteHookForTest([&] {
    if (in_hook || intrusions > 0) return;
    in_hook = true;
    ++intrusions;
    Token t = store_.GetToken("ci-token").value();
    t.labels["intruder"] = "yes";
    (void)store_.PutToken(t, Precondition::RevisionIs(t.revision), IntruderChange());
    in_hook = false;
  });
  TokenUpdate u;
  u.labels = {{"mine", "yes"}};
  ASSERT_OK_AND_ASSIGN(Token t, admin_->UpdateToken(owner_, "ci-token", u));
  EXPECT_EQ(intrusions, 1);
  EXPECT_EQ(t.labels, (std::map<std::string, std::string>{{"intruder", "yes"}, {"mine", "yes"}}));

  // With If-Match semantics the conflict is reported, not retried.
  intrusions = 0;
  TokenUpdate guarded;
  guarded.labels = {{"other", "x"}};
  guarded.if_revision = t.revision;
  EXPECT_STATUS(admin_->UpdateToken(owner_, "ci-token", guarded), StatusCode::kAborted);

  // A writer that always wins exhausts the retries.
  store_.SetBeforeWriteHookForTest([&] {
    if (in_hook) return;
    in_hook = true;
    Token cur = store_.GetToken("ci-token").value();
    (void)store_.PutToken(cur, Precondition::RevisionIs(cur.revision), IntruderChange());
    in_hook = false;
  });
  EXPECT_STATUS(admin_->UpdateToken(owner_, "ci-token", u), StatusCode::kAborted);
  store_.SetBeforeWriteHookForTest(nullptr);
}

TEST_F(AccessAdminTest, TokenLimit) {
  AccessAdminOptions options{"myregistry"};
  options.max_tokens = 1;
  Reset(options);
  MustCreateToken("token-one", "_repositories_pull", false);
  TokenSpec spec;
  spec.name = "token-two";
  spec.scope_map = "_repositories_pull";
  EXPECT_STATUS(admin_->CreateToken(owner_, spec), StatusCode::kResourceExhausted);
}

// ---- permissions ----------------------------------------------------------------------------

TEST_F(AccessAdminTest, RolesAreEnforced) {
  MustCreateMap("pull-map", {"repositories/app/content/read"});
  const Caller auditor{"alice", OperatorRole::kAuditor, "", ""};
  const Caller token_admin{"bob", OperatorRole::kTokenAdmin, "", ""};
  EXPECT_OK(admin_->GetScopeMap(auditor, "pull-map"));
  Status denied = admin_->CreateScopeMap(auditor, {"other-map", "", {"repositories/a/content/read"}}).status();
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(Msg(denied), HasSubstr("operator 'alice' (role auditor) may not write-scope-maps"));
  TokenSpec spec;
  spec.name = "ci-token";
  spec.scope_map = "pull-map";
  EXPECT_STATUS(admin_->CreateToken(auditor, spec), StatusCode::kPermissionDenied);
  EXPECT_OK(admin_->CreateToken(token_admin, spec));
  EXPECT_STATUS(admin_->EnableAdminUser(token_admin), StatusCode::kPermissionDenied);
  EXPECT_STATUS(admin_->CreateOperator(token_admin, "eve", OperatorRole::kOwner, ""), StatusCode::kPermissionDenied);
  EXPECT_OK(admin_->ListOperators(auditor));
}

// ---- admin user ---------------------------------------------------------------------------------

TEST_F(AccessAdminTest, AdminUserLifecycle) {
  ASSERT_OK_AND_ASSIGN(AdminUser initial, admin_->GetAdminUser(owner_));
  EXPECT_FALSE(initial.enabled);
  ASSERT_OK_AND_ASSIGN(GeneratedCredentials creds, admin_->EnableAdminUser(owner_));
  EXPECT_EQ(creds.username, "myregistry");
  ASSERT_EQ(creds.passwords.size(), 2u);
  EXPECT_EQ(creds.passwords[0].name, "password");
  EXPECT_EQ(creds.passwords[1].name, "password2");
  Principal p = Login("myregistry", creds.passwords[0].value);
  EXPECT_EQ(p.kind, PrincipalKind::kAdmin);
  EXPECT_EQ(state_->Allowed(p, "x"), ActionSet::All());
  // Enabling again changes nothing and reveals nothing.
  ASSERT_OK_AND_ASSIGN(GeneratedCredentials again, admin_->EnableAdminUser(owner_));
  EXPECT_TRUE(again.passwords.empty());
  EXPECT_EQ(state_->Validate(p, clock_.Now()), std::nullopt);

  Principal p2 = Login("myregistry", creds.passwords[1].value);
  ASSERT_OK_AND_ASSIGN(GeneratedCredentials regen,
                       admin_->RegenerateAdminPasswords(owner_, {PasswordSlot::kPassword2}));
  ASSERT_EQ(regen.passwords.size(), 1u);
  EXPECT_EQ(state_->Validate(p, clock_.Now()), std::nullopt);
  EXPECT_EQ(state_->Validate(p2, clock_.Now()), AuthFailure::kCredentialsChanged);

  ASSERT_OK(admin_->DisableAdminUser(owner_));
  EXPECT_EQ(state_->Validate(p, clock_.Now()), AuthFailure::kAdminDisabled);
  EXPECT_FALSE(state_->Authenticate("myregistry", creds.passwords[0].value, clock_.Now()).ok());
  ASSERT_OK_AND_ASSIGN(GeneratedCredentials re_enabled, admin_->EnableAdminUser(owner_));
  EXPECT_TRUE(re_enabled.passwords.empty());  // passwords survived the disable
  EXPECT_EQ(state_->Validate(p, clock_.Now()), AuthFailure::kCredentialsChanged);
  EXPECT_TRUE(state_->Authenticate("myregistry", creds.passwords[0].value, clock_.Now()).ok());

  std::string all = observer_.All();
  EXPECT_THAT(all, HasSubstr("admin_user.enable"));
  EXPECT_THAT(all, HasSubstr("admin_user.disable"));
  EXPECT_THAT(all, Not(HasSubstr(creds.passwords[0].value)));

  Reset(AccessAdminOptions{""});
  EXPECT_STATUS(admin_->EnableAdminUser(owner_), StatusCode::kFailedPrecondition);
}

// ---- operators ------------------------------------------------------------------------------------

TEST_F(AccessAdminTest, OperatorsAuthenticateAndTheLastOwnerStays) {
  ASSERT_OK_AND_ASSIGN(CreatedOperator root, admin_->CreateOperator(owner_, "root-op", OperatorRole::kOwner, "first"));
  ASSERT_OK_AND_ASSIGN(OperatorCredential who, admin_->AuthenticateOperator(root.secret_line + "\n"));
  EXPECT_EQ(who.id, "root-op");
  EXPECT_EQ(who.role, OperatorRole::kOwner);
  EXPECT_EQ(root.credential.secret_digest.find(root.secret_line.substr(root.secret_line.find('.') + 1)),
            std::string::npos);

  std::string wrong = root.secret_line;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  Status bad = admin_->AuthenticateOperator(wrong).status();
  EXPECT_EQ(bad.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(bad.message(), "authentication required");
  std::string unknown = "srop_nobody." + root.secret_line.substr(root.secret_line.find('.') + 1);
  EXPECT_STATUS(admin_->AuthenticateOperator(unknown), StatusCode::kUnauthenticated);
  EXPECT_STATUS(admin_->AuthenticateOperator("garbage"), StatusCode::kUnauthenticated);

  EXPECT_STATUS(admin_->CreateOperator(owner_, "root-op", OperatorRole::kAuditor, ""), StatusCode::kAlreadyExists);
  EXPECT_STATUS(admin_->CreateOperator(owner_, "Bad Id", OperatorRole::kAuditor, ""), StatusCode::kInvalidArgument);
  EXPECT_STATUS(admin_->DeleteOperator(owner_, "root-op"), StatusCode::kFailedPrecondition);
  ASSERT_OK(admin_->CreateOperator(owner_, "second-op", OperatorRole::kOwner, ""));
  ASSERT_OK(admin_->DeleteOperator(owner_, "root-op"));
  EXPECT_STATUS(admin_->AuthenticateOperator(root.secret_line), StatusCode::kUnauthenticated);
  EXPECT_STATUS(admin_->DeleteOperator(owner_, "root-op"), StatusCode::kNotFound);
  EXPECT_THAT(observer_.All(), Not(HasSubstr(root.secret_line)));
}

// ---- the management audit trail ----------------------------------------------------------------

// Every operation hands the store the change it reports, so the audit trail
// (what the store recorded in the write's transaction) and the observer's
// copies agree one for one, and neither holds a password or a digest.
TEST_F(AccessAdminTest, TheStoreRecordsExactlyWhatTheObserverIsTold) {
  Caller alice{"alice-op", OperatorRole::kOwner, "192.0.2.10", "req-1"};
  ASSERT_OK(admin_->CreateScopeMap(alice, {"team-map", "", {"repositories/team/*/content/read"}}));
  ASSERT_OK(admin_->UpdateScopeMap(alice, "team-map", ScopeMapUpdate{"new description", std::nullopt, std::nullopt}));
  TokenSpec spec;
  spec.name = "ci-token";
  spec.repository_actions = {"repositories/app/content/read"};
  spec.passwords = {PasswordRequest{}, std::nullopt};
  ASSERT_OK_AND_ASSIGN(CreatedToken created, admin_->CreateToken(alice, spec));
  TokenUpdate disable;
  disable.status = TokenStatus::kDisabled;
  ASSERT_OK(admin_->UpdateToken(alice, "ci-token", disable));
  ASSERT_OK_AND_ASSIGN(GeneratedCredentials generated,
                       admin_->GenerateCredentials(alice, "ci-token", {PasswordSlot::kPassword2}));
  ASSERT_OK(admin_->DeleteCredentials(alice, "ci-token", {PasswordSlot::kPassword1}));
  ASSERT_OK_AND_ASSIGN(GeneratedCredentials admin_passwords, admin_->EnableAdminUser(alice));
  ASSERT_OK(admin_->RegenerateAdminPasswords(alice, {PasswordSlot::kPassword2}));
  ASSERT_OK(admin_->DisableAdminUser(alice));
  ASSERT_OK_AND_ASSIGN(CreatedOperator op, admin_->CreateOperator(alice, "bob-op", OperatorRole::kTokenAdmin, ""));
  ASSERT_OK(admin_->DeleteOperator(alice, "bob-op"));
  ASSERT_OK(admin_->DeleteToken(alice, "ci-token"));
  ASSERT_OK(admin_->DeleteScopeMap(alice, "ci-token-scope-map"));
  ASSERT_OK(admin_->DeleteScopeMap(alice, "team-map"));

  const std::vector<AccessChange> recorded = store_.RecordedChanges();
  EXPECT_EQ(recorded, observer_.changes());
  std::vector<std::string> ops;
  for (const AccessChange& c : recorded) {
    ops.push_back(std::string(ChangeOperationName(c.operation)) + " " + c.target);
    EXPECT_EQ(c.caller.id, "alice-op");
    EXPECT_EQ(c.caller.client_address, "192.0.2.10");
    EXPECT_EQ(c.caller.correlation_id, "req-1");
    EXPECT_EQ(c.time, clock_.Now());
    std::vector<std::string> secrets = {op.secret_line, created.credentials.passwords[0].value,
                                        generated.passwords[0].value};
    for (const GeneratedPassword& p : admin_passwords.passwords) secrets.push_back(p.value);
    for (const std::string& secret : secrets) EXPECT_THAT(c.detail, Not(HasSubstr(secret)));
    EXPECT_THAT(c.detail, Not(HasSubstr(created.token.password(PasswordSlot::kPassword1)->digest)));
  }
  EXPECT_EQ(ops, (std::vector<std::string>{
                     "scope_map.create team-map", "scope_map.update team-map", "scope_map.create ci-token-scope-map",
                     "token.create ci-token", "token.update ci-token", "token.password.generate ci-token",
                     "token.password.delete ci-token", "admin_user.enable ", "admin_user.password.generate ",
                     "admin_user.disable ", "operator.create bob-op", "operator.delete bob-op",
                     "token.delete ci-token", "scope_map.delete ci-token-scope-map", "scope_map.delete team-map"}));
  EXPECT_EQ(recorded[4].detail, "status: enabled -> disabled");
  // Revisions are the ones the writes produced (0 after a delete).
  EXPECT_EQ(recorded[3].revision, created.token.revision);
  EXPECT_EQ(recorded.back().revision, 0u);
}

TEST_F(AccessAdminTest, FailedOperationsLeaveNoTrail) {
  MustCreateMap("team-map", {"repositories/team/*/content/read"});
  MustCreateToken("ci-token", "team-map");
  const std::size_t before = store_.RecordedChanges().size();
  EXPECT_STATUS(admin_->CreateToken(owner_, TokenSpec{.name = "ci-token", .scope_map = "team-map"}),
                StatusCode::kAlreadyExists);
  EXPECT_STATUS(admin_->DeleteScopeMap(owner_, "team-map"), StatusCode::kFailedPrecondition);
  TokenUpdate stale;
  stale.description = "x";
  stale.if_revision = 1;
  EXPECT_STATUS(admin_->UpdateToken(owner_, "ci-token", stale), StatusCode::kAborted);
  EXPECT_STATUS(admin_->DeleteToken(owner_, "nope-token"), StatusCode::kNotFound);
  EXPECT_EQ(store_.RecordedChanges().size(), before);
  EXPECT_EQ(observer_.changes().size(), before);
}

// Fail-closed: a change the store cannot audit is not made, is not reported
// to the observer, and the caller gets the store's error.
TEST_F(AccessAdminTest, AChangeThatCannotBeAuditedFails) {
  CreatedToken t = MustCreateToken("ci-token", "_repositories_pull");
  const std::size_t before = observer_.changes().size();
  store_.SetRecordFailureForTest(Status::Unavailable("audit trail unavailable"));
  TokenUpdate disable;
  disable.status = TokenStatus::kDisabled;
  EXPECT_STATUS(admin_->UpdateToken(owner_, "ci-token", disable), StatusCode::kUnavailable);
  EXPECT_STATUS(admin_->DeleteToken(owner_, "ci-token"), StatusCode::kUnavailable);
  EXPECT_STATUS(admin_->CreateScopeMap(owner_, {"team-map", "", {"repositories/team/content/read"}}),
                StatusCode::kUnavailable);
  EXPECT_STATUS(admin_->EnableAdminUser(owner_), StatusCode::kUnavailable);
  EXPECT_EQ(observer_.changes().size(), before);
  // The token still works exactly as before.
  Login("ci-token", t.credentials.passwords[0].value);
  ASSERT_OK_AND_ASSIGN(Token still, store_.GetToken("ci-token"));
  EXPECT_EQ(still, t.token);
  store_.SetRecordFailureForTest(Status::Ok());
  EXPECT_OK(admin_->UpdateToken(owner_, "ci-token", disable));
}

// The scope map a token create made for itself is removed again when the
// token cannot be written, and that removal is a change like any other.
TEST_F(AccessAdminTest, UndoingAnAutoCreatedScopeMapIsAudited) {
  TokenSpec spec;
  spec.name = "ci-token";
  spec.repository_actions = {"repositories/app/content/read"};
  // The token write fails (a concurrent create of the same name).
  bool raced = false;
  store_.SetBeforeWriteHookForTest([&] {
    if (raced) return;
    auto map = store_.GetScopeMap("ci-token-scope-map");
    if (!map.ok()) return;  // not yet: this is the map's own write
    raced = true;
    Token other;
    other.name = "ci-token";
    other.scope_map = "_repositories_pull";
    (void)store_.PutToken(other, Precondition::None(), IntruderChange());
  });
  EXPECT_STATUS(admin_->CreateToken(owner_, spec), StatusCode::kAlreadyExists);
  store_.SetBeforeWriteHookForTest(nullptr);
  EXPECT_STATUS(store_.GetScopeMap("ci-token-scope-map"), StatusCode::kNotFound);
  std::vector<std::string> ops;
  for (const AccessChange& c : store_.RecordedChanges()) {
    ops.push_back(std::string(ChangeOperationName(c.operation)) + " " + c.target + " [" + c.detail + "]");
  }
  EXPECT_EQ(ops, (std::vector<std::string>{"scope_map.create ci-token-scope-map [1 actions, for token ci-token]",
                                           "token.update ci-token [intrusion]",
                                           "scope_map.delete ci-token-scope-map [token ci-token was not created]"}));
  EXPECT_THAT(observer_.All(), HasSubstr("scope_map.delete ci-token-scope-map token ci-token was not created"));
}

}  // namespace
}  // namespace scopereg::auth

#include "scopereg/auth/auth_state.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "scopereg/auth/memory/memory_access_store.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"

namespace scopereg::auth {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeClock;

constexpr ActionSet kRead{Action::kContentRead};
constexpr ActionSet kWrite{Action::kContentWrite};
constexpr ActionSet kDelete{Action::kContentDelete};
constexpr ActionSet kMetaRead{Action::kMetadataRead};

RepositoryRule Rule(std::string_view pattern, ActionSet actions) {
  return RepositoryRule{RepositoryPattern::Parse(pattern).value(), actions};
}

class AuthStateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hasher_ = std::make_shared<const PasswordHasher>(PasswordHasher::Create(std::string(32, 'k')).value());
    state_ = AuthState::Create(AuthStateOptions{"MyRegistry", hasher_, {}}).value();
    state_->OnScopeMapPut(Map("sample-map", {Rule("sample/*", kRead), Rule("sample/teama/*", kWrite),
                                            Rule("sample/teama/projectb", kDelete)}));
  }

  ScopeMap Map(std::string name, std::vector<RepositoryRule> rules, std::uint64_t revision = 0) {
    ScopeMap m;
    m.name = std::move(name);
    m.rules = NormalizeRules(std::move(rules));
    m.revision = revision;
    return m;
  }

  PasswordCredential Cred(std::string_view password, std::uint64_t epoch,
                          std::optional<Time> expiry = std::nullopt) {
    PasswordCredential c;
    c.digest = hasher_->Digest(password);
    c.epoch = epoch;
    c.expiry = expiry;
    c.creation_time = clock_.Now();
    return c;
  }

  // A token "ci-token" on "sample-map" with password1 = "pw-one" (epoch 11)
  // and password2 = "pw-two" (epoch 22), version 7.
  Token CiToken() {
    Token t;
    t.name = "ci-token";
    t.scope_map = "sample-map";
    t.version = 7;
    t.password(PasswordSlot::kPassword1) = Cred("pw-one", 11);
    t.password(PasswordSlot::kPassword2) = Cred("pw-two", 22);
    return t;
  }

  Principal MustAuthenticate(std::string_view user, std::string_view password) {
    AuthOutcome out = state_->Authenticate(user, password, clock_.Now());
    EXPECT_TRUE(out.ok()) << (out.ok() ? "" : AuthFailureName(out.failure()));
    return out.ok() ? out.principal() : Principal();
  }

  std::optional<AuthFailure> FailureOf(std::string_view user, std::string_view password) {
    AuthOutcome out = state_->Authenticate(user, password, clock_.Now());
    if (out.ok()) return std::nullopt;
    return out.failure();
  }

  FakeClock clock_;
  std::shared_ptr<const PasswordHasher> hasher_;
  std::unique_ptr<AuthState> state_;
};

TEST_F(AuthStateTest, AuthenticateRecordsSlotAndEpochs) {
  state_->OnTokenPut(CiToken());
  Principal p1 = MustAuthenticate("ci-token", "pw-one");
  EXPECT_EQ(p1.kind, PrincipalKind::kToken);
  EXPECT_EQ(p1.name, "ci-token");
  EXPECT_EQ(p1.slot, PasswordSlot::kPassword1);
  EXPECT_EQ(p1.version, 7u);
  EXPECT_EQ(p1.slot_epoch, 11u);
  Principal p2 = MustAuthenticate("ci-token", "pw-two");
  EXPECT_EQ(p2.slot, PasswordSlot::kPassword2);
  EXPECT_EQ(p2.slot_epoch, 22u);
}

TEST_F(AuthStateTest, EachFailureReason) {
  state_->OnTokenPut(CiToken());
  EXPECT_EQ(FailureOf("nobody-here", "pw-one"), AuthFailure::kUnknownToken);
  EXPECT_EQ(FailureOf("CI-TOKEN", "pw-one"), AuthFailure::kUnknownToken);  // token names are case-sensitive
  EXPECT_EQ(FailureOf("ci-token", "pw-three"), AuthFailure::kWrongPassword);
  EXPECT_EQ(FailureOf("ci-token", ""), AuthFailure::kWrongPassword);

  Token empty = CiToken();
  empty.name = "no-passwords";
  empty.passwords = {};
  state_->OnTokenPut(empty);
  EXPECT_EQ(FailureOf("no-passwords", "anything"), AuthFailure::kSlotEmpty);

  Token disabled = CiToken();
  disabled.status = TokenStatus::kDisabled;
  state_->OnTokenPut(disabled);
  EXPECT_EQ(FailureOf("ci-token", "pw-one"), AuthFailure::kTokenDisabled);
  // A wrong password on a disabled token is reported as the wrong password:
  // the caller has not shown it holds the token.
  EXPECT_EQ(FailureOf("ci-token", "nope"), AuthFailure::kWrongPassword);
}

TEST_F(AuthStateTest, TokenExpiresOnBoundaryIsExclusive) {
  Token t = CiToken();
  t.expires_on = clock_.Now() + hours(1);
  state_->OnTokenPut(t);
  clock_.Advance(hours(1) - milliseconds(1));
  Principal p = MustAuthenticate("ci-token", "pw-one");
  EXPECT_EQ(state_->Validate(p, clock_.Now()), std::nullopt);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(FailureOf("ci-token", "pw-one"), AuthFailure::kTokenExpired);
  EXPECT_EQ(state_->Validate(p, clock_.Now()), AuthFailure::kTokenExpired);
}

TEST_F(AuthStateTest, PasswordExpiryBoundaryIsPerSlot) {
  Token t = CiToken();
  t.password(PasswordSlot::kPassword1)->expiry = clock_.Now() + seconds(30);
  state_->OnTokenPut(t);
  Principal p1 = MustAuthenticate("ci-token", "pw-one");
  Principal p2 = MustAuthenticate("ci-token", "pw-two");
  clock_.Advance(seconds(30) - milliseconds(1));
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), std::nullopt);
  clock_.Advance(milliseconds(1));
  EXPECT_EQ(FailureOf("ci-token", "pw-one"), AuthFailure::kPasswordExpired);
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), AuthFailure::kPasswordExpired);
  EXPECT_EQ(state_->Validate(p2, clock_.Now()), std::nullopt);
  EXPECT_TRUE(state_->Authenticate("ci-token", "pw-two", clock_.Now()).ok());
}

TEST_F(AuthStateTest, VersionBumpInvalidatesEarlierPrincipals) {
  state_->OnTokenPut(CiToken());
  Principal p1 = MustAuthenticate("ci-token", "pw-one");
  Principal p2 = MustAuthenticate("ci-token", "pw-two");
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), std::nullopt);
  // Disable, then enable again (each bumps the version): earlier principals
  // stay invalid, a fresh login works.
  Token t = CiToken();
  t.status = TokenStatus::kDisabled;
  t.version = 8;
  state_->OnTokenPut(t);
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), AuthFailure::kTokenDisabled);
  t.status = TokenStatus::kEnabled;
  t.version = 9;
  state_->OnTokenPut(t);
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), AuthFailure::kCredentialsChanged);
  EXPECT_EQ(state_->Validate(p2, clock_.Now()), AuthFailure::kCredentialsChanged);
  Principal fresh = MustAuthenticate("ci-token", "pw-one");
  EXPECT_EQ(fresh.version, 9u);
  EXPECT_EQ(state_->Validate(fresh, clock_.Now()), std::nullopt);
}

TEST_F(AuthStateTest, SlotRegenerationInvalidatesOnlyThatSlot) {
  state_->OnTokenPut(CiToken());
  Principal p1 = MustAuthenticate("ci-token", "pw-one");
  Principal p2 = MustAuthenticate("ci-token", "pw-two");
  Token t = CiToken();
  t.password(PasswordSlot::kPassword2) = Cred("pw-two-new", 23);
  state_->OnTokenPut(t);
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), std::nullopt);
  EXPECT_EQ(state_->Validate(p2, clock_.Now()), AuthFailure::kCredentialsChanged);
  EXPECT_EQ(FailureOf("ci-token", "pw-two"), AuthFailure::kWrongPassword);
  EXPECT_TRUE(state_->Authenticate("ci-token", "pw-two-new", clock_.Now()).ok());
}

TEST_F(AuthStateTest, SlotAndTokenDeletion) {
  state_->OnTokenPut(CiToken());
  Principal p1 = MustAuthenticate("ci-token", "pw-one");
  Principal p2 = MustAuthenticate("ci-token", "pw-two");
  Token t = CiToken();
  t.password(PasswordSlot::kPassword1).reset();
  state_->OnTokenPut(t);
  EXPECT_EQ(state_->Validate(p1, clock_.Now()), AuthFailure::kSlotEmpty);
  EXPECT_EQ(state_->Validate(p2, clock_.Now()), std::nullopt);
  state_->OnTokenDeleted("ci-token");
  EXPECT_EQ(state_->Validate(p2, clock_.Now()), AuthFailure::kUnknownToken);
  EXPECT_EQ(state_->Allowed(p2, "sample/x"), ActionSet());
  EXPECT_EQ(state_->token_count(), 0u);
}

TEST_F(AuthStateTest, AllowedFollowsTheWorkedExample) {
  state_->OnTokenPut(CiToken());
  Principal p = MustAuthenticate("ci-token", "pw-one");
  EXPECT_EQ(state_->Allowed(p, "sample/teama/projectb"), kRead | kWrite | kDelete);
  EXPECT_EQ(state_->Allowed(p, "sample/teama/projectc"), kRead | kWrite);
  EXPECT_EQ(state_->Allowed(p, "sample"), ActionSet());
  EXPECT_EQ(state_->Allowed(p, "other"), ActionSet());
  EXPECT_FALSE(state_->CanListCatalog(p));
}

TEST_F(AuthStateTest, ScopeMapEditAppliesAtOnceToEarlierPrincipals) {
  state_->OnTokenPut(CiToken());
  Principal p = MustAuthenticate("ci-token", "pw-one");
  EXPECT_EQ(state_->Allowed(p, "sample/a"), kRead);
  state_->OnScopeMapPut(Map("sample-map", {Rule("sample/a", kRead | kMetaRead | kWrite)}));
  EXPECT_EQ(state_->Allowed(p, "sample/a"), kRead | kMetaRead | kWrite);
  EXPECT_EQ(state_->Allowed(p, "sample/b"), ActionSet());
  EXPECT_TRUE(state_->CanListCatalog(p));
  // Switching the token to a system scope map applies at once too, and does
  // not invalidate the principal (no credential changed).
  Token t = CiToken();
  t.scope_map = "_repositories_pull";
  state_->OnTokenPut(t);
  EXPECT_EQ(state_->Validate(p, clock_.Now()), std::nullopt);
  EXPECT_EQ(state_->Allowed(p, "anything/at/all"), kRead);
}

TEST_F(AuthStateTest, DisabledTokenGetsNothingFromAllowed) {
  Token t = CiToken();
  state_->OnTokenPut(t);
  Principal p = MustAuthenticate("ci-token", "pw-one");
  t.status = TokenStatus::kDisabled;
  state_->OnTokenPut(t);
  EXPECT_EQ(state_->Allowed(p, "sample/a"), ActionSet());
}

TEST_F(AuthStateTest, AdminUser) {
  AdminUser admin;
  admin.enabled = false;
  admin.version = 5;
  admin.password(PasswordSlot::kPassword1) = Cred("admin-pw", 1);
  state_->OnAdminUserPut(admin);
  EXPECT_EQ(FailureOf("myregistry", "admin-pw"), AuthFailure::kAdminDisabled);
  EXPECT_EQ(FailureOf("myregistry", "wrong"), AuthFailure::kWrongPassword);
  admin.enabled = true;
  admin.version = 6;
  state_->OnAdminUserPut(admin);
  Principal p = MustAuthenticate("MYREGISTRY", "admin-pw");  // case-insensitive, like the registry name
  EXPECT_EQ(p.kind, PrincipalKind::kAdmin);
  EXPECT_EQ(p.AuditIdentity(), "admin");
  EXPECT_EQ(state_->Allowed(p, "any/repo"), ActionSet::All());
  EXPECT_TRUE(state_->CanListCatalog(p));
  EXPECT_EQ(state_->Validate(p, clock_.Now()), std::nullopt);
  admin.enabled = false;
  admin.version = 7;
  state_->OnAdminUserPut(admin);
  EXPECT_EQ(state_->Validate(p, clock_.Now()), AuthFailure::kAdminDisabled);
  EXPECT_EQ(state_->Allowed(p, "any/repo"), ActionSet());
  EXPECT_FALSE(state_->CanListCatalog(p));
}

TEST_F(AuthStateTest, NoAdminWithoutRegistryName) {
  auto state = AuthState::Create(AuthStateOptions{"", hasher_, {}}).value();
  AdminUser admin;
  admin.enabled = true;
  admin.password(PasswordSlot::kPassword1) = Cred("admin-pw", 1);
  state->OnAdminUserPut(admin);
  EXPECT_FALSE(state->Authenticate("", "admin-pw", clock_.Now()).ok());
}

TEST_F(AuthStateTest, AnonymousRules) {
  const Principal anon = Principal::Anonymous();
  EXPECT_EQ(state_->Allowed(anon, "public/x"), ActionSet());  // off by default
  EXPECT_EQ(state_->Validate(anon, clock_.Now()), std::nullopt);
  EXPECT_FALSE(state_->CanListCatalog(anon));
  ASSERT_OK(state_->SetAnonymousRules({Rule("public/*", kRead | kMetaRead)}));
  EXPECT_EQ(state_->Allowed(anon, "public/x"), kRead | kMetaRead);
  EXPECT_EQ(state_->Allowed(anon, "private/x"), ActionSet());
  EXPECT_TRUE(state_->CanListCatalog(anon));
  EXPECT_STATUS(state_->SetAnonymousRules({Rule("*", kWrite)}), StatusCode::kInvalidArgument);
  EXPECT_EQ(state_->Allowed(anon, "public/x"), kRead | kMetaRead);  // unchanged after a rejected update
  EXPECT_STATUS(AuthState::Create(AuthStateOptions{"r", hasher_, {Rule("*", kDelete)}}), StatusCode::kInvalidArgument);
  EXPECT_STATUS(AuthState::Create(AuthStateOptions{"r", nullptr, {}}), StatusCode::kInvalidArgument);
}

TEST_F(AuthStateTest, GrantIsTheIntersection) {
  state_->OnTokenPut(CiToken());
  Principal p = MustAuthenticate("ci-token", "pw-one");
  std::vector<ResourceScope> requested = {
      {"repository", "", "sample/teama/projectb", {"pull", "push"}},
      {"repository", "", "sample/teama/projectc", {"*"}},
      {"repository", "", "sample/other", {"push"}},          // nothing granted: left out
      {"repository", "", "sample/teama/projectb", {"delete", "bogus"}},  // merges
      {"repository", "", "Not/Valid", {"pull"}},
      {"registry", "", "catalog", {"*"}},                     // no metadata/read anywhere
      {"weird", "", "x", {"pull"}},
  };
  auto granted = state_->Grant(p, requested);
  ASSERT_EQ(granted.size(), 2u);
  EXPECT_EQ(granted[0], AccessEntry::Repository("sample/teama/projectb", kRead | kWrite | kDelete));
  EXPECT_EQ(granted[1], AccessEntry::Repository("sample/teama/projectc", kRead | kWrite));

  state_->OnScopeMapPut(Map("sample-map", {Rule("sample/*", kRead | kMetaRead)}));
  auto with_catalog = state_->Grant(p, std::vector<ResourceScope>{{"registry", "", "catalog", {"*"}},
                                                                  {"registry", "", "catalog", {"*"}}});
  ASSERT_EQ(with_catalog.size(), 1u);
  EXPECT_EQ(with_catalog[0], AccessEntry::Catalog());
  EXPECT_TRUE(state_->Grant(p, std::vector<ResourceScope>{{"registry", "", "catalog", {"pull"}}}).empty());
}

TEST_F(AuthStateTest, StaleNotificationsAreIgnored) {
  Token newer = CiToken();
  newer.revision = 10;
  newer.status = TokenStatus::kDisabled;
  state_->OnTokenPut(newer);
  Token older = CiToken();
  older.revision = 9;
  state_->OnTokenPut(older);
  EXPECT_EQ(FailureOf("ci-token", "pw-one"), AuthFailure::kTokenDisabled);

  state_->OnScopeMapPut(Map("other-map", {Rule("a", kRead)}, 20));
  state_->OnScopeMapPut(Map("other-map", {Rule("a", kWrite)}, 19));
  Token t = CiToken();
  t.scope_map = "other-map";
  t.revision = 30;
  state_->OnTokenPut(t);
  EXPECT_EQ(state_->Allowed(MustAuthenticate("ci-token", "pw-one"), "a"), kRead);
}

TEST_F(AuthStateTest, SnapshotReplacesEverything) {
  state_->OnTokenPut(CiToken());
  AccessSnapshot snap;
  Token other = CiToken();
  other.name = "other-token";
  other.scope_map = "new-map";
  snap.tokens.push_back(other);
  snap.scope_maps.push_back(Map("new-map", {Rule("x/*", kRead)}));
  snap.scope_maps.push_back(Map("_repositories_pull", {Rule("*", ActionSet::All())}));  // ignored: system
  state_->OnSnapshot(snap);
  EXPECT_EQ(FailureOf("ci-token", "pw-one"), AuthFailure::kUnknownToken);
  Principal p = MustAuthenticate("other-token", "pw-one");
  EXPECT_EQ(state_->Allowed(p, "x/y"), kRead);
  EXPECT_EQ(state_->token_count(), 1u);
  EXPECT_EQ(state_->scope_map_count(), 1u);
  Token sys = other;
  sys.scope_map = "_repositories_pull";
  state_->OnTokenPut(sys);
  EXPECT_EQ(state_->Allowed(p, "x/y"), kRead);  // the built-in map, not the snapshot's fake
  EXPECT_EQ(state_->Allowed(p, "z"), kRead);
}

TEST_F(AuthStateTest, FedByAStoreSubscription) {
  MemoryAccessStore store;
  const AccessChange change{clock_.Now(), ChangeOperation::kTokenUpdate, Caller::System(), "ci-token", "", 0};
  ASSERT_OK(store.PutScopeMap(Map("sample-map", {Rule("team/*", kRead)}), Precondition::None(), change));
  ASSERT_OK(store.PutToken(CiToken(), Precondition::None(), change));
  auto state = AuthState::Create(AuthStateOptions{"myregistry", hasher_, {}}).value();
  ASSERT_OK_AND_ASSIGN(auto subscription, store.Subscribe(*state));
  AuthOutcome out = state->Authenticate("ci-token", "pw-one", clock_.Now());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(state->Allowed(out.principal(), "team/a"), kRead);
  ASSERT_OK(store.PutScopeMap(Map("sample-map", {Rule("team/*", kRead | kWrite)}), Precondition::None(), change));
  EXPECT_EQ(state->Allowed(out.principal(), "team/a"), kRead | kWrite);
  ASSERT_OK(store.DeleteToken("ci-token", Precondition::None(), change));
  EXPECT_EQ(state->Validate(out.principal(), clock_.Now()), AuthFailure::kUnknownToken);
  subscription.reset();
  ASSERT_OK(store.PutToken(CiToken(), Precondition::None(), change));
  EXPECT_EQ(state->Validate(out.principal(), clock_.Now()), AuthFailure::kUnknownToken);  // unsubscribed
}

TEST_F(AuthStateTest, ReadersSeeWritesWhileRunningConcurrently) {
  Token t = CiToken();
  state_->OnTokenPut(t);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        AuthOutcome out = state_->Authenticate("ci-token", "pw-one", clock_.Now());
        if (!out.ok() && out.failure() != AuthFailure::kTokenDisabled) bad.fetch_add(1);
        if (out.ok()) {
          const ActionSet allowed = state_->Allowed(out.principal(), "sample/a");
          if (allowed != kRead && allowed != ActionSet()) bad.fetch_add(1);
        }
      }
    });
  }
  for (int i = 0; i < 2000; ++i) {
    t.status = i % 2 == 0 ? TokenStatus::kDisabled : TokenStatus::kEnabled;
    state_->OnTokenPut(t);
    Token filler = CiToken();
    filler.name = "filler-" + std::to_string(i);
    state_->OnTokenPut(filler);
  }
  t.status = TokenStatus::kDisabled;
  state_->OnTokenPut(t);
  stop = true;
  for (auto& r : readers) r.join();
  EXPECT_EQ(bad.load(), 0);
  // After the writer is done every thread sees the final state.
  std::thread late([&] { EXPECT_EQ(FailureOf("ci-token", "pw-one"), AuthFailure::kTokenDisabled); });
  late.join();
  EXPECT_EQ(state_->token_count(), 2001u);
}

TEST_F(AuthStateTest, ScalesTo50000TokensAnd50000ScopeMaps) {
  AccessSnapshot snap;
  for (int i = 0; i < 50'000; ++i) {
    const std::string n = std::to_string(i);
    snap.scope_maps.push_back(Map("map-" + n, {Rule("team" + n + "/*", kRead), Rule("shared", kMetaRead)}));
    Token t;
    t.name = "token-" + n;
    t.scope_map = "map-" + n;
    t.version = 1;
    PasswordCredential c;
    c.digest = std::string(kDigestLength, static_cast<char>(i));  // not a real password: fast to build
    c.epoch = 1;
    t.password(PasswordSlot::kPassword1) = c;
    snap.tokens.push_back(std::move(t));
  }
  snap.tokens[12'345].password(PasswordSlot::kPassword1) = Cred("the-password", 1);
  state_->OnSnapshot(snap);
  EXPECT_EQ(state_->token_count(), 50'000u);
  EXPECT_EQ(state_->scope_map_count(), 50'000u);
  Principal p = MustAuthenticate("token-12345", "the-password");
  EXPECT_EQ(state_->Allowed(p, "team12345/app"), kRead);
  EXPECT_EQ(state_->Allowed(p, "team12346/app"), ActionSet());
  EXPECT_EQ(state_->Allowed(p, "shared"), kMetaRead);
  // A single change after the bulk load is cheap and visible.
  state_->OnScopeMapPut(Map("map-12345", {Rule("*", kWrite)}));
  EXPECT_EQ(state_->Allowed(p, "anything"), kWrite);
}

}  // namespace
}  // namespace scopereg::auth

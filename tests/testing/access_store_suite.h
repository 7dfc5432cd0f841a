// Conformance suite for auth::AccessStore (src/scopereg/auth/access_store.h).
// Every implementation runs it; hooking one up takes a factory and one line:
//
//   #include "testing/access_store_suite.h"
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AccessStoreSuite,
//                            ::testing::Values(AccessStoreFactory([] { return MakeSqliteStore(); })));
//
// Include this header in exactly one test source per test binary (it defines
// the TEST_P bodies). Each test gets a fresh, empty store from the factory.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "scopereg/auth/access_store.h"
#include "testing/status_matchers.h"

namespace scopereg::auth {

using AccessStoreFactory = std::function<std::unique_ptr<AccessStore>()>;

class AccessStoreSuite : public ::testing::TestWithParam<AccessStoreFactory> {
 protected:
  void SetUp() override { store_ = GetParam()(); }

  static ScopeMap Map(std::string name, std::string_view pattern = "app") {
    ScopeMap m;
    m.name = std::move(name);
    m.description = "d";
    m.creation_date = FromUnixSeconds(1'700'000'000);
    m.rules = {RepositoryRule{RepositoryPattern::Parse(pattern).value(), ActionSet{Action::kContentRead}}};
    return m;
  }

  static Token MakeToken(std::string name, std::string scope_map) {
    Token t;
    t.name = std::move(name);
    t.scope_map = std::move(scope_map);
    t.creation_date = FromUnixSeconds(1'700'000'000);
    t.version = 7;
    t.owner = "team";
    t.labels = {{"env", "prod"}};
    t.expires_on = FromUnixSeconds(1'900'000'000);
    PasswordCredential c;
    c.creation_time = FromUnixSeconds(1'700'000'001);
    c.expiry = FromUnixSeconds(1'800'000'000);
    c.digest = std::string(kDigestLength, '\x01');
    c.epoch = 99;
    t.password(PasswordSlot::kPassword2) = c;
    return t;
  }

  std::unique_ptr<AccessStore> store_;
};

// Records the change feed.
class RecordingAccessObserver : public AccessObserver {
 public:
  void OnSnapshot(const AccessSnapshot& s) override {
    events.push_back("snapshot:" + std::to_string(s.tokens.size()) + "t" + std::to_string(s.scope_maps.size()) + "m");
  }
  void OnScopeMapPut(const ScopeMap& m) override { events.push_back("map+" + m.name); }
  void OnScopeMapDeleted(std::string_view name) override { events.push_back("map-" + std::string(name)); }
  void OnTokenPut(const Token& t) override { events.push_back("token+" + t.name); }
  void OnTokenDeleted(std::string_view name) override { events.push_back("token-" + std::string(name)); }
  void OnAdminUserPut(const AdminUser&) override { events.push_back("admin"); }
  std::vector<std::string> events;
};

TEST_P(AccessStoreSuite, ScopeMapRoundTripAndRevisions) {
  ASSERT_OK_AND_ASSIGN(ScopeMap a, store_->PutScopeMap(Map("map-a"), Precondition::MustNotExist()));
  EXPECT_GT(a.revision, 0u);
  ASSERT_OK_AND_ASSIGN(ScopeMap got, store_->GetScopeMap("map-a"));
  EXPECT_EQ(got, a);
  ScopeMap changed = a;
  changed.description = "changed";
  ASSERT_OK_AND_ASSIGN(ScopeMap a2, store_->PutScopeMap(changed, Precondition::RevisionIs(a.revision)));
  EXPECT_GT(a2.revision, a.revision);
  EXPECT_EQ(a2.description, "changed");
  EXPECT_STATUS(store_->PutScopeMap(changed, Precondition::RevisionIs(a.revision)), StatusCode::kAborted);
  EXPECT_STATUS(store_->PutScopeMap(changed, Precondition::MustNotExist()), StatusCode::kAlreadyExists);
  EXPECT_STATUS(store_->PutScopeMap(Map("map-b"), Precondition::RevisionIs(1)), StatusCode::kNotFound);
  EXPECT_STATUS(store_->GetScopeMap("map-b"), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::size_t n, store_->CountScopeMaps());
  EXPECT_EQ(n, 1u);
}

TEST_P(AccessStoreSuite, RevisionsAreUniqueAcrossRecordsAndDeletes) {
  std::set<std::uint64_t> seen;
  ASSERT_OK_AND_ASSIGN(ScopeMap m, store_->PutScopeMap(Map("map-a"), Precondition::None()));
  seen.insert(m.revision);
  ASSERT_OK_AND_ASSIGN(Token t, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None()));
  seen.insert(t.revision);
  ASSERT_OK(store_->DeleteToken("tok-a", Precondition::None()));
  ASSERT_OK_AND_ASSIGN(Token again, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::MustNotExist()));
  seen.insert(again.revision);
  ASSERT_OK_AND_ASSIGN(AdminUser admin, store_->PutAdminUser(AdminUser{}, Precondition::None()));
  seen.insert(admin.revision);
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_GT(again.revision, t.revision);
}

TEST_P(AccessStoreSuite, SystemScopeMapsAreReadOnly) {
  EXPECT_STATUS(store_->PutScopeMap(Map("_repositories_pull"), Precondition::None()), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->PutScopeMap(Map("_anything"), Precondition::None()), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->DeleteScopeMap("_repositories_pull", Precondition::None()), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->GetScopeMap("_repositories_pull"), StatusCode::kNotFound);
  // Tokens may point at system maps.
  EXPECT_OK(store_->PutToken(MakeToken("tok-a", "_repositories_pull"), Precondition::None()));
}

TEST_P(AccessStoreSuite, TokenRoundTripKeepsEveryField) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None()));
  const Token want = MakeToken("tok-a", "map-a");
  ASSERT_OK_AND_ASSIGN(Token stored, store_->PutToken(want, Precondition::MustNotExist()));
  ASSERT_OK_AND_ASSIGN(Token got, store_->GetToken("tok-a"));
  Token expected = want;
  expected.revision = stored.revision;
  EXPECT_EQ(got, expected);
  EXPECT_STATUS(store_->GetToken("TOK-A"), StatusCode::kNotFound);  // case-sensitive
}

TEST_P(AccessStoreSuite, ReferentialIntegrity) {
  EXPECT_STATUS(store_->PutToken(MakeToken("tok-a", "missing-map"), Precondition::None()),
                StatusCode::kFailedPrecondition);
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None()));
  ASSERT_OK(store_->PutToken(MakeToken("tok-b", "map-a"), Precondition::None()));
  ASSERT_OK(store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None()));
  Status in_use = store_->DeleteScopeMap("map-a", Precondition::None());
  EXPECT_EQ(in_use.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(in_use.message().find("tok-a, tok-b"), std::string_view::npos) << in_use.ToString();
  ASSERT_OK_AND_ASSIGN(auto users, store_->ListTokensUsingScopeMap("map-a"));
  EXPECT_EQ(users, (std::vector<std::string>{"tok-a", "tok-b"}));
  ASSERT_OK_AND_ASSIGN(auto none, store_->ListTokensUsingScopeMap("other"));
  EXPECT_TRUE(none.empty());
  ASSERT_OK(store_->DeleteToken("tok-a", Precondition::None()));
  ASSERT_OK(store_->DeleteToken("tok-b", Precondition::None()));
  EXPECT_OK(store_->DeleteScopeMap("map-a", Precondition::None()));
}

TEST_P(AccessStoreSuite, DeletePreconditions) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None()));
  ASSERT_OK_AND_ASSIGN(Token t, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None()));
  EXPECT_STATUS(store_->DeleteToken("tok-a", Precondition::RevisionIs(t.revision + 1000)), StatusCode::kAborted);
  EXPECT_STATUS(store_->DeleteToken("tok-a", Precondition::MustNotExist()), StatusCode::kInvalidArgument);
  EXPECT_OK(store_->DeleteToken("tok-a", Precondition::RevisionIs(t.revision)));
  EXPECT_STATUS(store_->DeleteToken("tok-a", Precondition::None()), StatusCode::kNotFound);
  EXPECT_STATUS(store_->DeleteScopeMap("nope-map", Precondition::None()), StatusCode::kNotFound);
}

TEST_P(AccessStoreSuite, ListingIsSortedAndPaged) {
  for (const char* name : {"map-c", "map-a", "map-b"}) ASSERT_OK(store_->PutScopeMap(Map(name), Precondition::None()));
  for (const char* name : {"tok-c", "tok-a", "tok-b", "tok-d"}) {
    ASSERT_OK(store_->PutToken(MakeToken(name, "map-a"), Precondition::None()));
  }
  ASSERT_OK_AND_ASSIGN(auto first, store_->ListTokens("", 3));
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0].name, "tok-a");
  EXPECT_EQ(first[2].name, "tok-c");
  ASSERT_OK_AND_ASSIGN(auto rest, store_->ListTokens(first.back().name, 3));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].name, "tok-d");
  ASSERT_OK_AND_ASSIGN(auto maps, store_->ListScopeMaps("map-a", 10));
  ASSERT_EQ(maps.size(), 2u);
  EXPECT_EQ(maps[0].name, "map-b");
  ASSERT_OK_AND_ASSIGN(std::size_t n, store_->CountTokens());
  EXPECT_EQ(n, 4u);
}

TEST_P(AccessStoreSuite, AdminUserDefaultsAndPreconditions) {
  ASSERT_OK_AND_ASSIGN(AdminUser initial, store_->GetAdminUser());
  EXPECT_FALSE(initial.enabled);
  EXPECT_EQ(initial.revision, 0u);
  AdminUser a;
  a.enabled = true;
  a.version = 3;
  ASSERT_OK_AND_ASSIGN(AdminUser stored, store_->PutAdminUser(a, Precondition::RevisionIs(0)));
  EXPECT_GT(stored.revision, 0u);
  EXPECT_STATUS(store_->PutAdminUser(a, Precondition::RevisionIs(0)), StatusCode::kAborted);
  EXPECT_STATUS(store_->PutAdminUser(a, Precondition::MustNotExist()), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(AdminUser got, store_->GetAdminUser());
  EXPECT_EQ(got, stored);
}

TEST_P(AccessStoreSuite, Operators) {
  OperatorCredential op;
  op.id = "root-op";
  op.role = OperatorRole::kOwner;
  op.secret_digest = std::string(kDigestLength, '\x02');
  op.created = FromUnixSeconds(1'700'000'000);
  ASSERT_OK_AND_ASSIGN(OperatorCredential stored, store_->PutOperator(op, Precondition::MustNotExist()));
  EXPECT_STATUS(store_->PutOperator(op, Precondition::MustNotExist()), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(OperatorCredential got, store_->GetOperator("root-op"));
  EXPECT_EQ(got, stored);
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListOperators());
  EXPECT_EQ(all.size(), 1u);
  ASSERT_OK(store_->DeleteOperator("root-op", Precondition::RevisionIs(stored.revision)));
  EXPECT_STATUS(store_->GetOperator("root-op"), StatusCode::kNotFound);
}

TEST_P(AccessStoreSuite, PasswordUsageKeepsTheLatestAndClearsOnRegeneration) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None()));
  ASSERT_OK_AND_ASSIGN(Token t, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None()));
  std::vector<PasswordUse> uses = {
      {"tok-a", PasswordSlot::kPassword2, FromUnixSeconds(200), "10.0.0.2"},
      {"tok-a", PasswordSlot::kPassword2, FromUnixSeconds(100), "10.0.0.1"},  // older: ignored
      {"gone-token", PasswordSlot::kPassword1, FromUnixSeconds(300), "10.0.0.3"},
  };
  ASSERT_OK(store_->RecordPasswordUses(uses));
  ASSERT_OK_AND_ASSIGN(TokenUsage u, store_->GetTokenUsage("tok-a"));
  EXPECT_EQ(u.slots[1].last_used, FromUnixSeconds(200));
  EXPECT_EQ(u.slots[1].last_used_from, "10.0.0.2");
  EXPECT_FALSE(u.slots[0].last_used.has_value());
  EXPECT_STATUS(store_->GetTokenUsage("gone-token"), StatusCode::kNotFound);

  // An edit that keeps the slot keeps its usage; a regeneration clears it.
  t.description = "edited";
  ASSERT_OK_AND_ASSIGN(t, store_->PutToken(t, Precondition::RevisionIs(t.revision)));
  ASSERT_OK_AND_ASSIGN(u, store_->GetTokenUsage("tok-a"));
  EXPECT_TRUE(u.slots[1].last_used.has_value());
  t.password(PasswordSlot::kPassword2)->epoch = 100;
  ASSERT_OK(store_->PutToken(t, Precondition::RevisionIs(t.revision)));
  ASSERT_OK_AND_ASSIGN(u, store_->GetTokenUsage("tok-a"));
  EXPECT_FALSE(u.slots[1].last_used.has_value());

  // The admin user's usage lives under "".
  ASSERT_OK(store_->RecordPasswordUses(std::vector<PasswordUse>{{"", PasswordSlot::kPassword1, FromUnixSeconds(5), "h"}}));
  ASSERT_OK_AND_ASSIGN(TokenUsage admin, store_->GetTokenUsage(""));
  EXPECT_EQ(admin.slots[0].last_used, FromUnixSeconds(5));

  // Deleting the token deletes its usage.
  ASSERT_OK(store_->RecordPasswordUses(uses));
  ASSERT_OK(store_->DeleteToken("tok-a", Precondition::None()));
  ASSERT_OK(store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None()));
  ASSERT_OK_AND_ASSIGN(u, store_->GetTokenUsage("tok-a"));
  EXPECT_FALSE(u.slots[1].last_used.has_value());
}

TEST_P(AccessStoreSuite, ChangeFeedIsOrderedAndStopsOnUnsubscribe) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None()));
  ASSERT_OK(store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None()));
  RecordingAccessObserver observer;
  ASSERT_OK_AND_ASSIGN(auto subscription, store_->Subscribe(observer));
  ASSERT_OK(store_->PutScopeMap(Map("map-b"), Precondition::None()));
  ASSERT_OK(store_->PutToken(MakeToken("tok-b", "map-b"), Precondition::None()));
  ASSERT_OK(store_->DeleteToken("tok-a", Precondition::None()));
  ASSERT_OK(store_->PutAdminUser(AdminUser{}, Precondition::None()));
  EXPECT_STATUS(store_->PutToken(MakeToken("tok-c", "missing"), Precondition::None()),
                StatusCode::kFailedPrecondition);  // failed writes are not announced
  ASSERT_OK(store_->RecordPasswordUses(
      std::vector<PasswordUse>{{"tok-b", PasswordSlot::kPassword2, FromUnixSeconds(1), ""}}));  // nor usage
  ASSERT_OK(store_->DeleteScopeMap("map-a", Precondition::None()));
  EXPECT_EQ(observer.events, (std::vector<std::string>{"snapshot:1t1m", "map+map-b", "token+tok-b", "token-tok-a",
                                                       "admin", "map-map-a"}));
  subscription.reset();
  ASSERT_OK(store_->PutScopeMap(Map("map-c"), Precondition::None()));
  EXPECT_EQ(observer.events.size(), 6u);
  ASSERT_OK_AND_ASSIGN(AccessSnapshot snap, store_->LoadSnapshot());
  EXPECT_EQ(snap.tokens.size(), 1u);
  EXPECT_EQ(snap.scope_maps.size(), 2u);
  EXPECT_GT(snap.revision, 0u);
}

}  // namespace scopereg::auth

// Conformance suite for auth::AccessStore (src/scopereg/auth/access_store.h).
// Every implementation runs it; hooking one up takes a factory and one line:
//
//   #include "testing/access_store_suite.h"
//   INSTANTIATE_TEST_SUITE_P(Sqlite, AccessStoreSuite, ::testing::Values(AccessStoreSuiteParam{"Sqlite", [] {
//     AccessStoreBackend b;
//     ...  // b.store, b.recorded_changes, b.break_recording
//     return b;
//   }}), AccessStoreSuiteName);
//
// Include this header in exactly one test source per test binary (it defines
// the TEST_P bodies). Each test gets a fresh, empty store from the factory.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <ostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "scopereg/auth/access_store.h"
#include "testing/status_matchers.h"

namespace scopereg::auth {

// What a backend supplies for one test.
struct AccessStoreBackend {
  // Whatever the store needs kept alive (a temporary directory, a database);
  // destroyed after the store.
  std::shared_ptr<void> resources;
  std::unique_ptr<AccessStore> store;
  // The changes the store has recorded, oldest first, read back the way the
  // backend keeps them (its audit trail). The suite compares time,
  // operation, caller id, client address and correlation id, target and
  // detail; a backend may leave caller.role and revision at their defaults.
  std::function<std::vector<AccessChange>()> recorded_changes;
  // Makes every later attempt to record a change fail, as when the audit
  // trail cannot be written.
  std::function<void()> break_recording;
};

struct AccessStoreSuiteParam {
  std::string name;  // the instantiation's test-name suffix, e.g. "Sqlite"
  std::function<AccessStoreBackend()> make_backend;
};

// The backend's name where gtest shows the parameter and in test names,
// instead of the bytes of the std::function (which change with every build).
inline void PrintTo(const AccessStoreSuiteParam& param, std::ostream* os) { *os << param.name; }
inline std::string AccessStoreSuiteName(const ::testing::TestParamInfo<AccessStoreSuiteParam>& info) {
  return info.param.name;
}

class AccessStoreSuite : public ::testing::TestWithParam<AccessStoreSuiteParam> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make_backend();
    store_ = backend_.store.get();
  }

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

  static OperatorCredential Operator(std::string id) {
    OperatorCredential op;
    op.id = std::move(id);
    op.role = OperatorRole::kOwner;
    op.secret_digest = std::string(kDigestLength, '\x02');
    op.created = FromUnixSeconds(1'700'000'000);
    return op;
  }

  // A change as AccessAdmin would pass it: a distinct time and correlation
  // id each, from an operator at a client address.
  AccessChange Change(ChangeOperation op, std::string target, std::string detail = "") {
    ++changes_made_;
    AccessChange c;
    c.time = FromUnixSeconds(1'750'000'000 + changes_made_);
    c.operation = op;
    c.caller = Caller{"op-alice", OperatorRole::kOwner, "192.0.2.7", "corr-" + std::to_string(changes_made_)};
    c.target = std::move(target);
    c.detail = std::move(detail);
    return c;
  }

  // The fields every backend keeps, one line per change.
  static std::vector<std::string> Describe(const std::vector<AccessChange>& changes) {
    std::vector<std::string> out;
    for (const AccessChange& c : changes) {
      out.push_back(std::to_string(ToUnixMillis(c.time)) + " " + std::string(ChangeOperationName(c.operation)) + " " +
                    c.target + " [" + c.detail + "] by " + c.caller.id + " from " + c.caller.client_address + " " +
                    c.caller.correlation_id);
    }
    return out;
  }

  std::vector<AccessChange> Recorded() { return backend_.recorded_changes(); }

  AccessStoreBackend backend_;
  AccessStore* store_ = nullptr;
  int changes_made_ = 0;
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
  ScopeMap want = Map("map-a", "*");
  want.rules.push_back(RepositoryRule{RepositoryPattern::Parse("team/*").value(),
                                      ActionSet{Action::kContentRead, Action::kContentWrite, Action::kMetadataRead}});
  want.rules.push_back(RepositoryRule{RepositoryPattern::Parse("team/app").value(), ActionSet::All()});
  ASSERT_OK_AND_ASSIGN(ScopeMap a, store_->PutScopeMap(want, Precondition::MustNotExist(),
                                                       Change(ChangeOperation::kScopeMapCreate, "map-a")));
  EXPECT_GT(a.revision, 0u);
  ASSERT_OK_AND_ASSIGN(ScopeMap got, store_->GetScopeMap("map-a"));
  EXPECT_EQ(got, a);
  want.revision = a.revision;
  EXPECT_EQ(got, want);
  ScopeMap changed = a;
  changed.description = "changed";
  const AccessChange update = Change(ChangeOperation::kScopeMapUpdate, "map-a");
  ASSERT_OK_AND_ASSIGN(ScopeMap a2, store_->PutScopeMap(changed, Precondition::RevisionIs(a.revision), update));
  EXPECT_GT(a2.revision, a.revision);
  EXPECT_EQ(a2.description, "changed");
  EXPECT_STATUS(store_->PutScopeMap(changed, Precondition::RevisionIs(a.revision), update), StatusCode::kAborted);
  EXPECT_STATUS(store_->PutScopeMap(changed, Precondition::MustNotExist(), update), StatusCode::kAlreadyExists);
  EXPECT_STATUS(store_->PutScopeMap(Map("map-b"), Precondition::RevisionIs(1), update), StatusCode::kNotFound);
  EXPECT_STATUS(store_->GetScopeMap("map-b"), StatusCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(std::size_t n, store_->CountScopeMaps());
  EXPECT_EQ(n, 1u);
}

TEST_P(AccessStoreSuite, RevisionsAreUniqueAcrossRecordsAndDeletes) {
  std::set<std::uint64_t> seen;
  ASSERT_OK_AND_ASSIGN(ScopeMap m, store_->PutScopeMap(Map("map-a"), Precondition::None(),
                                                       Change(ChangeOperation::kScopeMapCreate, "map-a")));
  seen.insert(m.revision);
  ASSERT_OK_AND_ASSIGN(Token t, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                                                 Change(ChangeOperation::kTokenCreate, "tok-a")));
  seen.insert(t.revision);
  ASSERT_OK(store_->DeleteToken("tok-a", Precondition::None(), Change(ChangeOperation::kTokenDelete, "tok-a")));
  ASSERT_OK_AND_ASSIGN(Token again, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::MustNotExist(),
                                                     Change(ChangeOperation::kTokenCreate, "tok-a")));
  seen.insert(again.revision);
  ASSERT_OK_AND_ASSIGN(AdminUser admin, store_->PutAdminUser(AdminUser{}, Precondition::None(),
                                                             Change(ChangeOperation::kAdminUserDisable, "")));
  seen.insert(admin.revision);
  EXPECT_EQ(seen.size(), 4u);
  EXPECT_GT(again.revision, t.revision);
}

TEST_P(AccessStoreSuite, SystemScopeMapsAreReadOnly) {
  const AccessChange change = Change(ChangeOperation::kScopeMapCreate, "_repositories_pull");
  EXPECT_STATUS(store_->PutScopeMap(Map("_repositories_pull"), Precondition::None(), change),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->PutScopeMap(Map("_anything"), Precondition::None(), change), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->DeleteScopeMap("_repositories_pull", Precondition::None(), change),
                StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->GetScopeMap("_repositories_pull"), StatusCode::kNotFound);
  // Tokens may point at system maps.
  EXPECT_OK(store_->PutToken(MakeToken("tok-a", "_repositories_pull"), Precondition::None(),
                             Change(ChangeOperation::kTokenCreate, "tok-a")));
}

TEST_P(AccessStoreSuite, TokenRoundTripKeepsEveryField) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-a")));
  Token want = MakeToken("tok-a", "map-a");
  want.status = TokenStatus::kDisabled;
  want.description = "CI of team a";
  want.labels["cost-center"] = "42";
  want.version = 0xfedcba9876543210;  // epochs are random 64-bit values
  PasswordCredential p1;
  p1.creation_time = FromUnixMillis(1'700'000'000'123);
  p1.digest = std::string(kDigestLength, '\0');  // binary, with NULs
  p1.epoch = 0x8000000000000001;
  want.password(PasswordSlot::kPassword1) = p1;  // never expires
  ASSERT_OK_AND_ASSIGN(Token stored, store_->PutToken(want, Precondition::MustNotExist(),
                                                      Change(ChangeOperation::kTokenCreate, "tok-a")));
  ASSERT_OK_AND_ASSIGN(Token got, store_->GetToken("tok-a"));
  Token expected = want;
  expected.revision = stored.revision;
  EXPECT_EQ(got, expected);
  EXPECT_EQ(stored, expected);
  EXPECT_STATUS(store_->GetToken("TOK-A"), StatusCode::kNotFound);  // case-sensitive

  // A token with no optional fields at all.
  Token bare;
  bare.name = "tok-bare";
  bare.scope_map = "_repositories_pull";
  ASSERT_OK_AND_ASSIGN(stored, store_->PutToken(bare, Precondition::MustNotExist(),
                                                Change(ChangeOperation::kTokenCreate, "tok-bare")));
  ASSERT_OK_AND_ASSIGN(got, store_->GetToken("tok-bare"));
  EXPECT_EQ(got, stored);
}

TEST_P(AccessStoreSuite, ReferentialIntegrity) {
  EXPECT_STATUS(store_->PutToken(MakeToken("tok-a", "missing-map"), Precondition::None(),
                                 Change(ChangeOperation::kTokenCreate, "tok-a")),
                StatusCode::kFailedPrecondition);
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-a")));
  ASSERT_OK(store_->PutToken(MakeToken("tok-b", "map-a"), Precondition::None(),
                             Change(ChangeOperation::kTokenCreate, "tok-b")));
  ASSERT_OK(store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                             Change(ChangeOperation::kTokenCreate, "tok-a")));
  Status in_use = store_->DeleteScopeMap("map-a", Precondition::None(), Change(ChangeOperation::kScopeMapDelete, "map-a"));
  EXPECT_EQ(in_use.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(in_use.message().find("tok-a, tok-b"), std::string_view::npos) << in_use.ToString();
  ASSERT_OK_AND_ASSIGN(auto users, store_->ListTokensUsingScopeMap("map-a"));
  EXPECT_EQ(users, (std::vector<std::string>{"tok-a", "tok-b"}));
  ASSERT_OK_AND_ASSIGN(auto none, store_->ListTokensUsingScopeMap("other"));
  EXPECT_TRUE(none.empty());
  ASSERT_OK(store_->DeleteToken("tok-a", Precondition::None(), Change(ChangeOperation::kTokenDelete, "tok-a")));
  ASSERT_OK(store_->DeleteToken("tok-b", Precondition::None(), Change(ChangeOperation::kTokenDelete, "tok-b")));
  EXPECT_OK(store_->DeleteScopeMap("map-a", Precondition::None(), Change(ChangeOperation::kScopeMapDelete, "map-a")));
}

TEST_P(AccessStoreSuite, InUseMessageNamesTenTokensAndTheTotal) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-a")));
  for (int i = 0; i < 12; ++i) {
    const std::string name = "tok-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    ASSERT_OK(store_->PutToken(MakeToken(name, "map-a"), Precondition::None(),
                               Change(ChangeOperation::kTokenCreate, name)));
  }
  Status in_use = store_->DeleteScopeMap("map-a", Precondition::None(), Change(ChangeOperation::kScopeMapDelete, "map-a"));
  EXPECT_EQ(in_use.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(in_use.message(),
            "scope map 'map-a' is used by tokens: tok-00, tok-01, tok-02, tok-03, tok-04, tok-05, tok-06, tok-07, "
            "tok-08, tok-09, ... (12 in total)");
}

TEST_P(AccessStoreSuite, DeletePreconditions) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-a")));
  ASSERT_OK_AND_ASSIGN(Token t, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                                                 Change(ChangeOperation::kTokenCreate, "tok-a")));
  const AccessChange del = Change(ChangeOperation::kTokenDelete, "tok-a");
  EXPECT_STATUS(store_->DeleteToken("tok-a", Precondition::RevisionIs(t.revision + 1000), del), StatusCode::kAborted);
  EXPECT_STATUS(store_->DeleteToken("tok-a", Precondition::MustNotExist(), del), StatusCode::kInvalidArgument);
  EXPECT_OK(store_->DeleteToken("tok-a", Precondition::RevisionIs(t.revision), del));
  EXPECT_STATUS(store_->DeleteToken("tok-a", Precondition::None(), del), StatusCode::kNotFound);
  EXPECT_STATUS(store_->DeleteScopeMap("nope-map", Precondition::None(), Change(ChangeOperation::kScopeMapDelete, "x")),
                StatusCode::kNotFound);
}

TEST_P(AccessStoreSuite, ListingIsSortedAndPaged) {
  for (const char* name : {"map-c", "map-a", "map-b"}) {
    ASSERT_OK(store_->PutScopeMap(Map(name), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, name)));
  }
  for (const char* name : {"tok-c", "tok-a", "tok-b", "tok-d"}) {
    ASSERT_OK(store_->PutToken(MakeToken(name, "map-a"), Precondition::None(),
                               Change(ChangeOperation::kTokenCreate, name)));
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
  PasswordCredential p;
  p.creation_time = FromUnixSeconds(1'700'000'000);
  p.digest = std::string(kDigestLength, '\x03');
  p.epoch = 5;
  a.password(PasswordSlot::kPassword1) = p;
  const AccessChange enable = Change(ChangeOperation::kAdminUserEnable, "");
  ASSERT_OK_AND_ASSIGN(AdminUser stored, store_->PutAdminUser(a, Precondition::RevisionIs(0), enable));
  EXPECT_GT(stored.revision, 0u);
  EXPECT_STATUS(store_->PutAdminUser(a, Precondition::RevisionIs(0), enable), StatusCode::kAborted);
  EXPECT_STATUS(store_->PutAdminUser(a, Precondition::MustNotExist(), enable), StatusCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(AdminUser got, store_->GetAdminUser());
  EXPECT_EQ(got, stored);
}

TEST_P(AccessStoreSuite, Operators) {
  const OperatorCredential op = Operator("root-op");
  const AccessChange create = Change(ChangeOperation::kOperatorCreate, "root-op");
  ASSERT_OK_AND_ASSIGN(OperatorCredential stored, store_->PutOperator(op, Precondition::MustNotExist(), create));
  EXPECT_STATUS(store_->PutOperator(op, Precondition::MustNotExist(), create), StatusCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(OperatorCredential got, store_->GetOperator("root-op"));
  EXPECT_EQ(got, stored);
  ASSERT_OK(store_->PutOperator(Operator("aaa-op"), Precondition::MustNotExist(),
                                Change(ChangeOperation::kOperatorCreate, "aaa-op")));
  ASSERT_OK_AND_ASSIGN(auto all, store_->ListOperators());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "aaa-op");
  const AccessChange del = Change(ChangeOperation::kOperatorDelete, "root-op");
  EXPECT_STATUS(store_->DeleteOperator("root-op", Precondition::RevisionIs(stored.revision + 1), del),
                StatusCode::kAborted);
  ASSERT_OK(store_->DeleteOperator("root-op", Precondition::RevisionIs(stored.revision), del));
  EXPECT_STATUS(store_->GetOperator("root-op"), StatusCode::kNotFound);
  EXPECT_STATUS(store_->DeleteOperator("root-op", Precondition::None(), del), StatusCode::kNotFound);
}

TEST_P(AccessStoreSuite, PasswordUsageKeepsTheLatestAndClearsOnRegeneration) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-a")));
  ASSERT_OK_AND_ASSIGN(Token t, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                                                 Change(ChangeOperation::kTokenCreate, "tok-a")));
  std::vector<PasswordUse> uses = {
      {"tok-a", PasswordSlot::kPassword2, FromUnixSeconds(200), "10.0.0.2"},
      {"tok-a", PasswordSlot::kPassword2, FromUnixSeconds(100), "10.0.0.1"},  // older: ignored
      {"gone-token", PasswordSlot::kPassword1, FromUnixSeconds(300), "10.0.0.3"},
  };
  ASSERT_OK(store_->RecordPasswordUses(uses));
  ASSERT_OK_AND_ASSIGN(TokenUsage u, store_->GetTokenUsage("tok-a"));
  EXPECT_EQ(u.token, "tok-a");
  EXPECT_EQ(u.slots[1].last_used, FromUnixSeconds(200));
  EXPECT_EQ(u.slots[1].last_used_from, "10.0.0.2");
  EXPECT_FALSE(u.slots[0].last_used.has_value());
  EXPECT_STATUS(store_->GetTokenUsage("gone-token"), StatusCode::kNotFound);

  // An edit that keeps the slot keeps its usage; a regeneration clears it.
  t.description = "edited";
  ASSERT_OK_AND_ASSIGN(t, store_->PutToken(t, Precondition::RevisionIs(t.revision),
                                           Change(ChangeOperation::kTokenUpdate, "tok-a")));
  ASSERT_OK_AND_ASSIGN(u, store_->GetTokenUsage("tok-a"));
  EXPECT_TRUE(u.slots[1].last_used.has_value());
  t.password(PasswordSlot::kPassword2)->epoch = 100;
  ASSERT_OK_AND_ASSIGN(t, store_->PutToken(t, Precondition::RevisionIs(t.revision),
                                           Change(ChangeOperation::kPasswordGenerate, "tok-a")));
  ASSERT_OK_AND_ASSIGN(u, store_->GetTokenUsage("tok-a"));
  EXPECT_FALSE(u.slots[1].last_used.has_value());

  // A slot that becomes empty loses its usage too.
  ASSERT_OK(store_->RecordPasswordUses(uses));
  t.password(PasswordSlot::kPassword2).reset();
  ASSERT_OK(store_->PutToken(t, Precondition::RevisionIs(t.revision), Change(ChangeOperation::kPasswordDelete, "tok-a")));
  ASSERT_OK_AND_ASSIGN(u, store_->GetTokenUsage("tok-a"));
  EXPECT_FALSE(u.slots[1].last_used.has_value());

  // The admin user's usage lives under "".
  ASSERT_OK(store_->RecordPasswordUses(std::vector<PasswordUse>{{"", PasswordSlot::kPassword1, FromUnixSeconds(5), "h"}}));
  ASSERT_OK_AND_ASSIGN(TokenUsage admin, store_->GetTokenUsage(""));
  EXPECT_EQ(admin.slots[0].last_used, FromUnixSeconds(5));
  EXPECT_EQ(admin.slots[0].last_used_from, "h");

  // Deleting the token deletes its usage.
  ASSERT_OK(store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                             Change(ChangeOperation::kTokenUpdate, "tok-a")));
  ASSERT_OK(store_->RecordPasswordUses(uses));
  ASSERT_OK(store_->DeleteToken("tok-a", Precondition::None(), Change(ChangeOperation::kTokenDelete, "tok-a")));
  ASSERT_OK(store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                             Change(ChangeOperation::kTokenCreate, "tok-a")));
  ASSERT_OK_AND_ASSIGN(u, store_->GetTokenUsage("tok-a"));
  EXPECT_FALSE(u.slots[1].last_used.has_value());
}

TEST_P(AccessStoreSuite, ChangeFeedIsOrderedAndStopsOnUnsubscribe) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-a")));
  ASSERT_OK(store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                             Change(ChangeOperation::kTokenCreate, "tok-a")));
  RecordingAccessObserver observer;
  ASSERT_OK_AND_ASSIGN(auto subscription, store_->Subscribe(observer));
  ASSERT_OK(store_->PutScopeMap(Map("map-b"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-b")));
  ASSERT_OK(store_->PutToken(MakeToken("tok-b", "map-b"), Precondition::None(),
                             Change(ChangeOperation::kTokenCreate, "tok-b")));
  ASSERT_OK(store_->DeleteToken("tok-a", Precondition::None(), Change(ChangeOperation::kTokenDelete, "tok-a")));
  ASSERT_OK(store_->PutAdminUser(AdminUser{}, Precondition::None(), Change(ChangeOperation::kAdminUserDisable, "")));
  EXPECT_STATUS(store_->PutToken(MakeToken("tok-c", "missing"), Precondition::None(),
                                 Change(ChangeOperation::kTokenCreate, "tok-c")),
                StatusCode::kFailedPrecondition);  // failed writes are not announced
  ASSERT_OK(store_->RecordPasswordUses(
      std::vector<PasswordUse>{{"tok-b", PasswordSlot::kPassword2, FromUnixSeconds(1), ""}}));  // nor usage
  ASSERT_OK(store_->PutOperator(Operator("root-op"), Precondition::None(),
                                Change(ChangeOperation::kOperatorCreate, "root-op")));  // nor operators
  ASSERT_OK(store_->DeleteScopeMap("map-a", Precondition::None(), Change(ChangeOperation::kScopeMapDelete, "map-a")));
  EXPECT_EQ(observer.events, (std::vector<std::string>{"snapshot:1t1m", "map+map-b", "token+tok-b", "token-tok-a",
                                                       "admin", "map-map-a"}));
  subscription.reset();
  ASSERT_OK(store_->PutScopeMap(Map("map-c"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-c")));
  EXPECT_EQ(observer.events.size(), 6u);
  ASSERT_OK_AND_ASSIGN(AccessSnapshot snap, store_->LoadSnapshot());
  EXPECT_EQ(snap.tokens.size(), 1u);
  EXPECT_EQ(snap.scope_maps.size(), 2u);
  EXPECT_GT(snap.revision, 0u);
}

TEST_P(AccessStoreSuite, SnapshotHoldsEveryRecordAsStored) {
  ScopeMap map_b = Map("map-b", "*");
  map_b.rules.push_back(RepositoryRule{RepositoryPattern::Parse("team/*").value(), ActionSet::All()});
  ASSERT_OK_AND_ASSIGN(ScopeMap a, store_->PutScopeMap(Map("map-a"), Precondition::None(),
                                                       Change(ChangeOperation::kScopeMapCreate, "map-a")));
  ASSERT_OK_AND_ASSIGN(ScopeMap b, store_->PutScopeMap(map_b, Precondition::None(),
                                                       Change(ChangeOperation::kScopeMapCreate, "map-b")));
  ASSERT_OK_AND_ASSIGN(Token t1, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                                                  Change(ChangeOperation::kTokenCreate, "tok-a")));
  ASSERT_OK_AND_ASSIGN(Token t2, store_->PutToken(MakeToken("tok-b", "_repositories_admin"), Precondition::None(),
                                                  Change(ChangeOperation::kTokenCreate, "tok-b")));
  AdminUser admin;
  admin.enabled = true;
  admin.version = 11;
  ASSERT_OK_AND_ASSIGN(AdminUser stored_admin, store_->PutAdminUser(admin, Precondition::None(),
                                                                    Change(ChangeOperation::kAdminUserEnable, "")));
  ASSERT_OK_AND_ASSIGN(AccessSnapshot snap, store_->LoadSnapshot());
  auto by_name = [](const auto& x, const auto& y) { return x.name < y.name; };
  std::sort(snap.scope_maps.begin(), snap.scope_maps.end(), by_name);
  std::sort(snap.tokens.begin(), snap.tokens.end(), by_name);
  EXPECT_EQ(snap.scope_maps, (std::vector<ScopeMap>{a, b}));
  EXPECT_EQ(snap.tokens, (std::vector<Token>{t1, t2}));
  EXPECT_EQ(snap.admin, stored_admin);
  EXPECT_GE(snap.revision, stored_admin.revision);
}

TEST_P(AccessStoreSuite, ConcurrentWritersAreAnnouncedInCommitOrder) {
  struct RevisionObserver : RecordingAccessObserver {
    void OnScopeMapPut(const ScopeMap& m) override { revisions.push_back(m.revision); }
    std::vector<std::uint64_t> revisions;  // calls never overlap (the contract)
  } observer;
  ASSERT_OK_AND_ASSIGN(auto subscription, store_->Subscribe(observer));
  constexpr int kThreads = 4;
  constexpr int kWrites = 25;
  std::vector<std::thread> threads;
  std::mutex mu;
  std::vector<Status> failures;
  std::vector<AccessChange> changes;
  for (int i = 0; i < kThreads * kWrites; ++i) {
    changes.push_back(Change(ChangeOperation::kScopeMapCreate, "map-" + std::to_string(i)));
  }
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t * kWrites; i < (t + 1) * kWrites; ++i) {
        auto r = store_->PutScopeMap(Map(changes[i].target), Precondition::None(), changes[i]);
        if (!r.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          failures.push_back(r.status());
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(failures.empty()) << failures.front().ToString();
  ASSERT_EQ(observer.revisions.size(), static_cast<std::size_t>(kThreads * kWrites));
  EXPECT_TRUE(std::is_sorted(observer.revisions.begin(), observer.revisions.end()));
  EXPECT_EQ(std::set<std::uint64_t>(observer.revisions.begin(), observer.revisions.end()).size(),
            observer.revisions.size());
  EXPECT_EQ(Recorded().size(), static_cast<std::size_t>(kThreads * kWrites));
}

// ---- management audit ----------------------------------------------------------------------

TEST_P(AccessStoreSuite, EveryWriteRecordsExactlyOneChange) {
  std::vector<AccessChange> want;
  auto check = [&](const AccessChange& change) {
    want.push_back(change);
    EXPECT_EQ(Describe(Recorded()), Describe(want));
  };
  AccessChange c = Change(ChangeOperation::kScopeMapCreate, "map-a", "1 actions on 1 repositories");
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::MustNotExist(), c));
  check(c);
  c = Change(ChangeOperation::kScopeMapUpdate, "map-a", "description changed");
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), c));
  check(c);
  c = Change(ChangeOperation::kTokenCreate, "tok-a", "scopeMap map-a, status enabled");
  ASSERT_OK_AND_ASSIGN(Token t, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::MustNotExist(), c));
  check(c);
  c = Change(ChangeOperation::kPasswordGenerate, "tok-a", "password2 (expiry never)");
  c.caller = Caller::System();  // no client address, no correlation id
  ASSERT_OK(store_->PutToken(t, Precondition::RevisionIs(t.revision), c));
  check(c);
  c = Change(ChangeOperation::kTokenDelete, "tok-a");
  ASSERT_OK(store_->DeleteToken("tok-a", Precondition::None(), c));
  check(c);
  c = Change(ChangeOperation::kScopeMapDelete, "map-a");
  ASSERT_OK(store_->DeleteScopeMap("map-a", Precondition::None(), c));
  check(c);
  c = Change(ChangeOperation::kAdminUserEnable, "", "passwords password (expiry never)");
  ASSERT_OK(store_->PutAdminUser(AdminUser{}, Precondition::RevisionIs(0), c));
  check(c);
  c = Change(ChangeOperation::kOperatorCreate, "root-op", "role owner");
  ASSERT_OK(store_->PutOperator(Operator("root-op"), Precondition::MustNotExist(), c));
  check(c);
  c = Change(ChangeOperation::kOperatorDelete, "root-op", "role owner");
  ASSERT_OK(store_->DeleteOperator("root-op", Precondition::None(), c));
  check(c);
  // Recorded as given: an empty detail and a system caller stay so.
  const std::vector<AccessChange> recorded = Recorded();
  ASSERT_EQ(recorded.size(), 9u);
  EXPECT_EQ(recorded[3].caller.id, "system");
  EXPECT_EQ(recorded[3].caller.client_address, "");
  EXPECT_EQ(recorded[4].detail, "");
}

TEST_P(AccessStoreSuite, FailedWritesRecordNothing) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-a")));
  ASSERT_OK_AND_ASSIGN(Token t, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                                                 Change(ChangeOperation::kTokenCreate, "tok-a")));
  ASSERT_OK(store_->PutOperator(Operator("root-op"), Precondition::None(),
                                Change(ChangeOperation::kOperatorCreate, "root-op")));
  const std::size_t before = Recorded().size();
  ASSERT_EQ(before, 3u);

  const AccessChange c = Change(ChangeOperation::kTokenUpdate, "any", "must not be recorded");
  EXPECT_STATUS(store_->PutScopeMap(Map("map-a"), Precondition::MustNotExist(), c), StatusCode::kAlreadyExists);
  EXPECT_STATUS(store_->PutScopeMap(Map("map-a"), Precondition::RevisionIs(12345), c), StatusCode::kAborted);
  EXPECT_STATUS(store_->PutScopeMap(Map("map-new"), Precondition::RevisionIs(1), c), StatusCode::kNotFound);
  EXPECT_STATUS(store_->PutScopeMap(Map("_system"), Precondition::None(), c), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->DeleteScopeMap("map-a", Precondition::None(), c), StatusCode::kFailedPrecondition);
  EXPECT_STATUS(store_->DeleteScopeMap("map-nope", Precondition::None(), c), StatusCode::kNotFound);
  EXPECT_STATUS(store_->DeleteScopeMap("_repositories_pull", Precondition::None(), c), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->PutToken(MakeToken("tok-b", "map-nope"), Precondition::None(), c),
                StatusCode::kFailedPrecondition);
  EXPECT_STATUS(store_->PutToken(t, Precondition::RevisionIs(t.revision + 1), c), StatusCode::kAborted);
  EXPECT_STATUS(store_->PutToken(t, Precondition::MustNotExist(), c), StatusCode::kAlreadyExists);
  EXPECT_STATUS(store_->DeleteToken("tok-a", Precondition::MustNotExist(), c), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->DeleteToken("tok-nope", Precondition::None(), c), StatusCode::kNotFound);
  EXPECT_STATUS(store_->PutAdminUser(AdminUser{}, Precondition::RevisionIs(77), c), StatusCode::kAborted);
  EXPECT_STATUS(store_->PutAdminUser(AdminUser{}, Precondition::MustNotExist(), c), StatusCode::kInvalidArgument);
  EXPECT_STATUS(store_->PutOperator(Operator("root-op"), Precondition::MustNotExist(), c), StatusCode::kAlreadyExists);
  EXPECT_STATUS(store_->DeleteOperator("nobody", Precondition::None(), c), StatusCode::kNotFound);
  EXPECT_EQ(Recorded().size(), before);
}

TEST_P(AccessStoreSuite, AChangeThatCannotBeRecordedIsNotMade) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-a")));
  ASSERT_OK_AND_ASSIGN(Token t, store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                                                 Change(ChangeOperation::kTokenCreate, "tok-a")));
  ASSERT_OK_AND_ASSIGN(OperatorCredential op, store_->PutOperator(Operator("root-op"), Precondition::None(),
                                                                  Change(ChangeOperation::kOperatorCreate, "root-op")));
  ASSERT_OK(store_->PutScopeMap(Map("map-free"), Precondition::None(),
                                Change(ChangeOperation::kScopeMapCreate, "map-free")));
  ASSERT_OK_AND_ASSIGN(AccessSnapshot before, store_->LoadSnapshot());
  RecordingAccessObserver observer;
  ASSERT_OK_AND_ASSIGN(auto subscription, store_->Subscribe(observer));
  backend_.break_recording();

  Token edited = t;
  edited.status = TokenStatus::kDisabled;
  EXPECT_FALSE(store_->PutToken(edited, Precondition::RevisionIs(t.revision),
                                Change(ChangeOperation::kTokenUpdate, "tok-a")).ok());
  EXPECT_FALSE(store_->PutToken(MakeToken("tok-b", "map-a"), Precondition::None(),
                                Change(ChangeOperation::kTokenCreate, "tok-b")).ok());
  EXPECT_FALSE(store_->DeleteToken("tok-a", Precondition::None(), Change(ChangeOperation::kTokenDelete, "tok-a")).ok());
  EXPECT_FALSE(store_->PutScopeMap(Map("map-b"), Precondition::None(),
                                   Change(ChangeOperation::kScopeMapCreate, "map-b")).ok());
  EXPECT_FALSE(store_->DeleteScopeMap("map-free", Precondition::None(),
                                      Change(ChangeOperation::kScopeMapDelete, "map-free")).ok());
  AdminUser enabled;
  enabled.enabled = true;
  EXPECT_FALSE(store_->PutAdminUser(enabled, Precondition::None(), Change(ChangeOperation::kAdminUserEnable, "")).ok());
  EXPECT_FALSE(store_->PutOperator(Operator("new-op"), Precondition::None(),
                                   Change(ChangeOperation::kOperatorCreate, "new-op")).ok());
  EXPECT_FALSE(store_->DeleteOperator("root-op", Precondition::None(),
                                      Change(ChangeOperation::kOperatorDelete, "root-op")).ok());

  // Nothing changed, nothing was announced, and the next revision is still
  // the one after the last real write.
  ASSERT_OK_AND_ASSIGN(AccessSnapshot after, store_->LoadSnapshot());
  EXPECT_EQ(after.tokens, before.tokens);
  EXPECT_EQ(after.scope_maps, before.scope_maps);
  EXPECT_EQ(after.admin, before.admin);
  EXPECT_EQ(after.revision, before.revision);
  ASSERT_OK_AND_ASSIGN(OperatorCredential still, store_->GetOperator("root-op"));
  EXPECT_EQ(still, op);
  EXPECT_STATUS(store_->GetOperator("new-op"), StatusCode::kNotFound);
  EXPECT_EQ(observer.events, (std::vector<std::string>{"snapshot:1t2m"}));
  EXPECT_EQ(Recorded().size(), 4u);
}

TEST_P(AccessStoreSuite, RecordedChangesHoldNoSecret) {
  ASSERT_OK(store_->PutScopeMap(Map("map-a"), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, "map-a")));
  ASSERT_OK(store_->PutToken(MakeToken("tok-a", "map-a"), Precondition::None(),
                             Change(ChangeOperation::kTokenCreate, "tok-a", "passwords password2")));
  ASSERT_OK(store_->PutOperator(Operator("root-op"), Precondition::None(),
                                Change(ChangeOperation::kOperatorCreate, "root-op")));
  const std::vector<std::string> lines = Describe(Recorded());
  ASSERT_EQ(lines.size(), 3u);
  for (const std::string& line : lines) {
    EXPECT_EQ(line.find(std::string(kDigestLength, '\x01')), std::string::npos) << line;  // the token's digest
    EXPECT_EQ(line.find(std::string(kDigestLength, '\x02')), std::string::npos) << line;  // the operator's
  }
}

}  // namespace scopereg::auth

// SQLite-specific behaviour of SqliteAccessStore: persistence across
// reopening, one transaction per usage batch, the management events as rows
// of the audit log, consistent snapshots under concurrent writes, and the
// database shared with the metadata store. The interface contract is
// checked by the conformance suite (tests/testing/access_store_suite.h).
#include "scopereg/metadata/sqlite/sqlite_access_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <set>
#include <thread>

#include "scopereg/auth/access_admin.h"
#include "scopereg/auth/auth_state.h"
#include "scopereg/metadata/sqlite/database.h"
#include "scopereg/metadata/sqlite/schema.h"
#include "scopereg/metadata/sqlite/sqlite_audit_log.h"
#include "scopereg/metadata/sqlite/sqlite_metadata_store.h"
#include "testing/fake_clock.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::metadata {
namespace {

using ::testing::HasSubstr;
using namespace auth;  // NOLINT: the records under test

// A user-defined scope map with two rules.
ScopeMap TeamMap(std::string name) {
  ScopeMap m;
  m.name = std::move(name);
  m.creation_date = FromUnixSeconds(1'700'000'000);
  m.rules = ParseScopeMapActions(std::vector<std::string>{"repositories/team/*/content/read",
                                                          "repositories/team/app/content/write"},
                                 {})
                .value();
  return m;
}

class SqliteAccessStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  // (Re)opens the file: a new Database, as a restarted process would.
  void Open() {
    store_.reset();
    audit_.reset();
    db_.reset();
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<sqlite::Database> db, sqlite::Database::Open(path(), {}));
    db_ = std::move(db);
    ASSERT_OK(db_->Migrate(sqlite::SchemaMigrations(), clock_.Now()));
    ASSERT_OK_AND_ASSIGN(store_, SqliteAccessStore::Create(db_));
    ASSERT_OK_AND_ASSIGN(audit_, SqliteAuditLog::Create(db_));
  }

  std::string path() const { return (dir_.path() / "metadata.db").string(); }

  sqlite3* Handle() {
    Result<sqlite::Connection*> c = db_->ThreadConnection();
    EXPECT_TRUE(c.ok());
    return c.ok() ? (*c)->handle() : nullptr;
  }

  AccessChange Change(ChangeOperation op, std::string target, std::string detail = "") {
    return AccessChange{clock_.Now(), op, caller_, std::move(target), std::move(detail), 0};
  }

  static ScopeMap Map(std::string name) { return TeamMap(std::move(name)); }

  static Token MakeToken(std::string name, std::string scope_map) {
    Token t;
    t.name = std::move(name);
    t.scope_map = std::move(scope_map);
    t.creation_date = FromUnixSeconds(1'700'000'000);
    PasswordCredential p;
    p.creation_time = FromUnixSeconds(1'700'000'000);
    p.digest = std::string(kDigestLength, 'd');
    p.epoch = 1;
    t.password(PasswordSlot::kPassword1) = p;
    return t;
  }

  testing::TempDir dir_;
  testing::FakeClock clock_;
  const Caller caller_{"alice-op", OperatorRole::kOwner, "192.0.2.10", "req-7"};
  std::shared_ptr<sqlite::Database> db_;
  std::unique_ptr<SqliteAccessStore> store_;
  std::unique_ptr<SqliteAuditLog> audit_;
};

TEST_F(SqliteAccessStoreTest, RefusesAnUnmigratedDatabase) {
  testing::TempDir other;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<sqlite::Database> db,
                       sqlite::Database::Open((other.path() / "x.db").string(), {}));
  std::shared_ptr<sqlite::Database> shared = std::move(db);
  Status store = SqliteAccessStore::Create(shared).status();
  EXPECT_EQ(store.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(store.message(), HasSubstr("access store needs schema version 2"));
}

TEST_F(SqliteAccessStoreTest, EverythingSurvivesReopening) {
  ASSERT_OK_AND_ASSIGN(ScopeMap map,
                       store_->PutScopeMap(Map("team-map"), Precondition::None(),
                                           Change(ChangeOperation::kScopeMapCreate, "team-map")));
  Token t = MakeToken("ci-token", "team-map");
  t.labels = {{"env", "prod"}, {"team", "a"}};
  t.expires_on = FromUnixMillis(1'900'000'000'123);
  ASSERT_OK_AND_ASSIGN(Token token, store_->PutToken(t, Precondition::None(),
                                                     Change(ChangeOperation::kTokenCreate, "ci-token")));
  AdminUser a;
  a.enabled = true;
  a.version = 42;
  ASSERT_OK_AND_ASSIGN(AdminUser admin, store_->PutAdminUser(a, Precondition::None(),
                                                             Change(ChangeOperation::kAdminUserEnable, "")));
  OperatorCredential op;
  op.id = "owner";
  op.role = OperatorRole::kOwner;
  op.secret_digest = std::string(kDigestLength, '\xff');
  op.created = clock_.Now();
  ASSERT_OK_AND_ASSIGN(
      OperatorCredential stored_op,
      store_->PutOperator(op, Precondition::None(), Change(ChangeOperation::kOperatorCreate, "owner")));
  ASSERT_OK(store_->RecordPasswordUses(std::vector<PasswordUse>{
      {"ci-token", PasswordSlot::kPassword1, FromUnixMillis(1'800'000'000'456), "10.1.1.1"}}));
  ASSERT_OK_AND_ASSIGN(AccessSnapshot before, store_->LoadSnapshot());

  Open();
  ASSERT_OK_AND_ASSIGN(AccessSnapshot after, store_->LoadSnapshot());
  EXPECT_EQ(after.scope_maps, (std::vector<ScopeMap>{map}));
  EXPECT_EQ(after.tokens, (std::vector<Token>{token}));
  EXPECT_EQ(after.admin, admin);
  EXPECT_EQ(after.revision, before.revision);
  ASSERT_OK_AND_ASSIGN(OperatorCredential got_op, store_->GetOperator("owner"));
  EXPECT_EQ(got_op, stored_op);
  ASSERT_OK_AND_ASSIGN(TokenUsage usage, store_->GetTokenUsage("ci-token"));
  EXPECT_EQ(usage.slots[0].last_used, FromUnixMillis(1'800'000'000'456));
  EXPECT_EQ(usage.slots[0].last_used_from, "10.1.1.1");
  // The revision sequence continues where it was.
  ASSERT_OK_AND_ASSIGN(ScopeMap next,
                       store_->PutScopeMap(Map("next-map"), Precondition::None(),
                                           Change(ChangeOperation::kScopeMapCreate, "next-map")));
  EXPECT_EQ(next.revision, before.revision + 1);
}

TEST_F(SqliteAccessStoreTest, TimesAreKeptToTheMillisecondAndReturnedAsStored) {
  Token t = MakeToken("ci-token", "_repositories_pull");
  t.creation_date = FromUnixSeconds(1'700'000'000) + std::chrono::microseconds(1'234'567);
  ASSERT_OK_AND_ASSIGN(Token stored, store_->PutToken(t, Precondition::None(),
                                                      Change(ChangeOperation::kTokenCreate, "ci-token")));
  EXPECT_EQ(stored.creation_date, FromUnixMillis(1'700'000'001'234));
  ASSERT_OK_AND_ASSIGN(Token got, store_->GetToken("ci-token"));
  EXPECT_EQ(got, stored);
}

TEST_F(SqliteAccessStoreTest, ManagementEventsAreAuditRows) {
  ASSERT_OK(store_->PutScopeMap(
      Map("team-map"), Precondition::None(),
      Change(ChangeOperation::kScopeMapCreate, "team-map", "2 actions on 2 repositories")));
  AccessChange system = Change(ChangeOperation::kTokenCreate, "ci-token", "scopeMap team-map");
  system.caller = Caller::System();
  ASSERT_OK(store_->PutToken(MakeToken("ci-token", "team-map"), Precondition::None(), system));
  // A data-plane event in the same table, appended by the audit log.
  audit::AuditEvent login;
  login.category = audit::Category::kLogin;
  login.operation = "basic";
  login.identity = "ci-token";
  ASSERT_OK(audit_->Append(std::vector<audit::AuditEvent>{login}));

  ASSERT_OK_AND_ASSIGN(audit::AuditPage page, audit_->Query({}, 0, 100));
  ASSERT_EQ(page.events.size(), 3u);
  const audit::AuditEvent& e = page.events[0];
  EXPECT_EQ(e.category, audit::Category::kManagement);
  EXPECT_EQ(e.operation, "scope_map.create");
  EXPECT_EQ(e.identity, "alice-op");
  EXPECT_EQ(e.identity_kind, "operator");
  EXPECT_TRUE(e.success);
  EXPECT_EQ(e.target, "team-map");
  EXPECT_EQ(e.detail, "2 actions on 2 repositories");
  EXPECT_EQ(e.client_address, "192.0.2.10");
  EXPECT_EQ(e.correlation_id, "req-7");
  EXPECT_EQ(e.time, clock_.Now());
  EXPECT_EQ(page.events[1].identity, "system");
  EXPECT_EQ(page.events[1].identity_kind, "system");
  EXPECT_EQ(page.events[2].category, audit::Category::kLogin);
  EXPECT_GT(page.events[2].id, page.events[1].id);
}

TEST_F(SqliteAccessStoreTest, RecordPasswordUsesIsOneTransactionPerBatch) {
  ASSERT_OK(store_->PutToken(MakeToken("ci-token", "_repositories_pull"), Precondition::None(),
                             Change(ChangeOperation::kTokenCreate, "ci-token")));
  std::vector<PasswordUse> uses;
  for (int i = 0; i < 1000; ++i) {
    uses.push_back({i % 3 == 0 ? "" : "ci-token",
                    i % 2 == 0 ? PasswordSlot::kPassword1 : PasswordSlot::kPassword2,
                    FromUnixSeconds(1'800'000'000 + i), "10.0.0." + std::to_string(i % 250)});
  }
  int commits = 0;
  sqlite3_commit_hook(
      Handle(), [](void* n) { return ++*static_cast<int*>(n), 0; }, &commits);
  ASSERT_OK(store_->RecordPasswordUses(uses));
  sqlite3_commit_hook(Handle(), nullptr, nullptr);
  EXPECT_EQ(commits, 1);
  ASSERT_OK_AND_ASSIGN(TokenUsage usage, store_->GetTokenUsage("ci-token"));
  EXPECT_EQ(usage.slots[1].last_used,
            FromUnixSeconds(1'800'000'000 + 997));  // the latest odd i not divisible by 3
  EXPECT_EQ(usage.slots[0].last_used, FromUnixSeconds(1'800'000'000 + 998));
}

// LoadSnapshot is one read transaction: while a writer keeps replacing
// (map, token) pairs, every snapshot holds whole pairs and no record newer
// than its revision.
TEST_F(SqliteAccessStoreTest, SnapshotsAreConsistentUnderConcurrentWrites) {
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    for (int i = 0; !stop.load() && i < 2000; ++i) {
      const std::string map = "map-" + std::to_string(i);
      const std::string token = "token-" + std::to_string(i);
      EXPECT_OK(
          store_->PutScopeMap(Map(map), Precondition::None(), Change(ChangeOperation::kScopeMapCreate, map)));
      EXPECT_OK(store_->PutToken(MakeToken(token, map), Precondition::None(),
                                 Change(ChangeOperation::kTokenCreate, token)));
      if (i > 0) {
        const std::string old = std::to_string(i - 1);
        EXPECT_OK(store_->DeleteToken("token-" + old, Precondition::None(),
                                      Change(ChangeOperation::kTokenDelete, "token-" + old)));
        EXPECT_OK(store_->DeleteScopeMap("map-" + old, Precondition::None(),
                                         Change(ChangeOperation::kScopeMapDelete, "map-" + old)));
      }
      ++written;
    }
  });
  int checked = 0;
  while (checked < 200 && written.load() < 2000) {
    ASSERT_OK_AND_ASSIGN(AccessSnapshot s, store_->LoadSnapshot());
    std::set<std::string> maps;
    for (const ScopeMap& m : s.scope_maps) {
      maps.insert(m.name);
      EXPECT_LE(m.revision, s.revision);
    }
    for (const Token& t : s.tokens) {
      EXPECT_EQ(maps.count(t.scope_map), 1u) << t.name << " points at a map missing from the snapshot";
      EXPECT_LE(t.revision, s.revision);
    }
    ++checked;
  }
  stop = true;
  writer.join();
  EXPECT_GT(checked, 0);
}

// The AuthState a store feeds answers logins from memory: no statement runs
// on the database while it authenticates.
TEST_F(SqliteAccessStoreTest, AuthenticationNeverReadsTheStore) {
  auto hasher = std::make_shared<const PasswordHasher>(PasswordHasher::Create(std::string(32, 'k')).value());
  auto state = AuthState::Create(AuthStateOptions{"myregistry", hasher, {}}).value();
  ASSERT_OK_AND_ASSIGN(auto subscription, store_->Subscribe(*state));
  AccessAdmin admin(*store_, clock_, hasher, AccessAdminOptions{"myregistry"});
  TokenSpec spec;
  spec.name = "ci-token";
  spec.scope_map = "_repositories_pull";
  spec.passwords[0] = PasswordRequest{};
  ASSERT_OK_AND_ASSIGN(CreatedToken created, admin.CreateToken(caller_, spec));

  int statements = 0;
  auto count = [](unsigned, void* n, void*, void*) { return ++*static_cast<int*>(n), 0; };
  sqlite3_trace_v2(Handle(), SQLITE_TRACE_STMT, count, &statements);
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(state->Authenticate("ci-token", created.credentials.passwords[0].value, clock_.Now()).ok());
  }
  sqlite3_trace_v2(Handle(), 0, nullptr, nullptr);
  EXPECT_EQ(statements, 0);
}

// The metadata store hands its database to the other stores: one file, one
// set of connections.
TEST(SqliteSharedDatabaseTest, TheMetadataStoreSharesItsDatabase) {
  testing::TempDir dir;
  testing::FakeClock clock;
  ASSERT_OK_AND_ASSIGN(auto metadata,
                       SqliteMetadataStore::Open((dir.path() / "metadata.db").string(), clock));
  ASSERT_OK(metadata->Migrate());
  ASSERT_OK_AND_ASSIGN(auto access, SqliteAccessStore::Create(metadata->database()));
  ASSERT_OK_AND_ASSIGN(auto log, SqliteAuditLog::Create(metadata->database()));
  ASSERT_OK(access->PutScopeMap(
      TeamMap("team-map"), Precondition::None(),
      AccessChange{clock.Now(), ChangeOperation::kScopeMapCreate, Caller::System(), "team-map", "", 0}));
  ASSERT_OK(metadata->RecordBlob(oci::Digest::Sha256Of("x"), 1));
  ASSERT_OK_AND_ASSIGN(audit::AuditPage page, log->Query({}, 0, 10));
  EXPECT_EQ(page.events.size(), 1u);
  EXPECT_EQ(metadata->database()->connection_count(), 1u);  // this thread's, used by all three
}

}  // namespace
}  // namespace scopereg::metadata

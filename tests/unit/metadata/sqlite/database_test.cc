#include "scopereg/metadata/sqlite/database.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::metadata::sqlite {
namespace {

using ::testing::HasSubstr;

constexpr char kCreateItems[] = "CREATE TABLE items (name TEXT PRIMARY KEY)";
constexpr char kInsertItem[] = "INSERT INTO items (name) VALUES (?1)";
constexpr char kCountItems[] = "SELECT count(*) FROM items";
constexpr char kSelectName[] = "SELECT ?1";

int PreparedStatementCount(sqlite3* db) {
  int n = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db, nullptr); s != nullptr; s = sqlite3_next_stmt(db, s)) ++n;
  return n;
}

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(db_, Database::Open(path(), {})); }
  std::string path() const { return (dir_.path() / "test.db").string(); }

  Result<std::int64_t> CountItems() {
    SCOPEREG_ASSIGN_OR_RETURN(Connection * c, db_->ThreadConnection());
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c->Prepare(kCountItems));
    SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return Status::Internal("no row");
    return s.Int(0);
  }

  scopereg::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(DatabaseTest, OpensTheFileInWalMode) {
  ASSERT_OK_AND_ASSIGN(Connection * c, db_->ThreadConnection());
  ASSERT_OK_AND_ASSIGN(Statement s, c->Prepare("PRAGMA journal_mode"));
  ASSERT_OK_AND_ASSIGN(bool row, s.Step());
  ASSERT_TRUE(row);
  EXPECT_EQ(s.Text(0), "wal");
}

TEST_F(DatabaseTest, AppliesSynchronousAndForeignKeysPerConnection) {
  for (bool full : {false, true}) {
    scopereg::testing::TempDir dir;
    ASSERT_OK_AND_ASSIGN(auto db, Database::Open((dir.path() / "x.db").string(), {.full_sync = full}));
    ASSERT_OK_AND_ASSIGN(Connection * c, db->ThreadConnection());
    ASSERT_OK_AND_ASSIGN(Statement sync, c->Prepare("PRAGMA synchronous"));
    ASSERT_OK_AND_ASSIGN(bool row, sync.Step());
    ASSERT_TRUE(row);
    EXPECT_EQ(sync.Int(0), full ? 2 : 1);  // FULL = 2, NORMAL = 1
    ASSERT_OK_AND_ASSIGN(Statement fk, c->Prepare("PRAGMA foreign_keys"));
    ASSERT_OK_AND_ASSIGN(row, fk.Step());
    EXPECT_EQ(fk.Int(0), 1);
  }
}

TEST_F(DatabaseTest, RefusesInMemoryDatabases) {
  EXPECT_STATUS(Database::Open(":memory:", {}), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Database::Open("", {}), StatusCode::kInvalidArgument);
  EXPECT_STATUS(Database::Open("file::memory:?cache=shared", {}), StatusCode::kInvalidArgument);
}

TEST_F(DatabaseTest, PreparesEachStatementOncePerConnection) {
  ASSERT_OK_AND_ASSIGN(Connection * c, db_->ThreadConnection());
  const int before = PreparedStatementCount(c->handle());
  for (int i = 0; i < 100; ++i) {
    ASSERT_OK_AND_ASSIGN(Statement s, c->Prepare(kSelectName));
    std::string name = "n" + std::to_string(i);
    s.BindText(1, name);
    ASSERT_OK_AND_ASSIGN(bool row, s.Step());
    ASSERT_TRUE(row);
    EXPECT_EQ(s.Text(0), name) << "bindings of one use do not leak into the next";
  }
  EXPECT_EQ(PreparedStatementCount(c->handle()), before + 1);
}

TEST_F(DatabaseTest, BadSqlIsInternal) {
  ASSERT_OK_AND_ASSIGN(Connection * c, db_->ThreadConnection());
  Result<Statement> s = c->Prepare("SELEC nonsense");
  EXPECT_STATUS(s, StatusCode::kInternal);
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("syntax error"));
}

TEST_F(DatabaseTest, EmptyTextAndBlobBindAsEmptyNotNull) {
  ASSERT_OK_AND_ASSIGN(Connection * c, db_->ThreadConnection());
  ASSERT_OK_AND_ASSIGN(Statement s, c->Prepare("SELECT ?1 IS NULL, ?2 IS NULL, length(?2)"));
  s.BindText(1, std::string_view()).BindBlob(2, std::string_view());
  ASSERT_OK_AND_ASSIGN(bool row, s.Step());
  ASSERT_TRUE(row);
  EXPECT_FALSE(s.Bool(0));
  EXPECT_FALSE(s.Bool(1));
  EXPECT_EQ(s.Int(2), 0);
}

TEST_F(DatabaseTest, EachThreadGetsItsOwnConnectionAndHandsItOnWhenItExits) {
  ASSERT_OK_AND_ASSIGN(Connection * mine, db_->ThreadConnection());
  ASSERT_OK_AND_ASSIGN(Connection * again, db_->ThreadConnection());
  EXPECT_EQ(mine, again);

  Connection* first_thread = nullptr;
  std::thread([&] { first_thread = db_->ThreadConnection().value_or(nullptr); }).join();
  ASSERT_NE(first_thread, nullptr);
  EXPECT_NE(first_thread, mine);
  EXPECT_EQ(db_->connection_count(), 2u);

  Connection* second_thread = nullptr;
  std::thread([&] { second_thread = db_->ThreadConnection().value_or(nullptr); }).join();
  EXPECT_EQ(second_thread, first_thread) << "the exited thread's connection is reused";
  EXPECT_EQ(db_->connection_count(), 2u);
}

TEST_F(DatabaseTest, ADatabaseOpenedAfterAnotherWasClosedGetsFreshConnections) {
  ASSERT_OK(db_->ThreadConnection());
  db_.reset();
  // A new Database may be allocated where the old one was; this thread's
  // slot for the old one must not be mistaken for it.
  ASSERT_OK_AND_ASSIGN(db_, Database::Open(path(), {}));
  ASSERT_OK_AND_ASSIGN(Connection * c, db_->ThreadConnection());
  EXPECT_OK(c->Execute("SELECT 1"));
  EXPECT_EQ(db_->connection_count(), 1u);
}

TEST_F(DatabaseTest, TransactionCommitsOnOkAndRollsBackOnError) {
  ASSERT_OK_AND_ASSIGN(Connection * c, db_->ThreadConnection());
  ASSERT_OK(c->Execute(kCreateItems));
  auto insert = [](Connection& conn, std::string_view name) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, conn.Prepare(kInsertItem));
    return s.BindText(1, name).Run();
  };

  ASSERT_OK(db_->Transaction(Database::TransactionMode::kWrite,
                             [&](Connection& conn) { return insert(conn, "a"); }));
  Status failed = db_->Transaction(Database::TransactionMode::kWrite, [&](Connection& conn) -> Status {
    SCOPEREG_RETURN_IF_ERROR(insert(conn, "b"));
    return Status::Aborted("changed my mind");
  });
  EXPECT_STATUS(failed, StatusCode::kAborted);
  ASSERT_OK_AND_ASSIGN(std::int64_t n, CountItems());
  EXPECT_EQ(n, 1);

  // A constraint violation is a bug of the caller's SQL: kInternal.
  EXPECT_STATUS(db_->Transaction(Database::TransactionMode::kWrite,
                                 [&](Connection& conn) { return insert(conn, "a"); }),
                StatusCode::kInternal);
  EXPECT_EQ(sqlite3_get_autocommit(c->handle()), 1) << "no transaction left open";
}

TEST_F(DatabaseTest, WriteWaitsForTheLockThenFailsUnavailable) {
  ASSERT_OK_AND_ASSIGN(Connection * c, db_->ThreadConnection());
  ASSERT_OK(c->Execute(kCreateItems));
  ASSERT_OK_AND_ASSIGN(auto other, Database::Open(path(), {.busy_timeout = std::chrono::milliseconds(100)}));

  ASSERT_OK(c->Execute("BEGIN IMMEDIATE"));
  const auto start = std::chrono::steady_clock::now();
  Status busy = other->Transaction(Database::TransactionMode::kWrite, [](Connection& conn) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, conn.Prepare(kInsertItem));
    return s.BindText(1, "x").Run();
  });
  EXPECT_STATUS(busy, StatusCode::kUnavailable);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(100));

  // Released within the timeout, the write goes through.
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    (void)c->Execute("COMMIT");  // the lock holder's connection, used by one thread at a time
  });
  ASSERT_OK_AND_ASSIGN(auto patient, Database::Open(path(), {.busy_timeout = std::chrono::seconds(5)}));
  EXPECT_OK(patient->Transaction(Database::TransactionMode::kWrite, [](Connection& conn) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, conn.Prepare(kInsertItem));
    return s.BindText(1, "y").Run();
  }));
  release.join();
  ASSERT_OK_AND_ASSIGN(std::int64_t n, CountItems());
  EXPECT_EQ(n, 1);
}

// Commits `n` transactions of one 4 KiB row each: about a WAL page apiece.
Status CommitPages(Database& db, int n) {
  SCOPEREG_ASSIGN_OR_RETURN(Connection * c, db.ThreadConnection());
  SCOPEREG_RETURN_IF_ERROR(c->Execute("CREATE TABLE IF NOT EXISTS pages (body BLOB)"));
  const std::string body(4096, 'x');
  for (int i = 0; i < n; ++i) {
    SCOPEREG_RETURN_IF_ERROR(
        db.Transaction(Database::TransactionMode::kWrite, [&](Connection& conn) -> Status {
          SCOPEREG_ASSIGN_OR_RETURN(Statement s, conn.Prepare("INSERT INTO pages (body) VALUES (?1)"));
          return s.BindBlob(1, body).Run();
        }));
  }
  return Status::Ok();
}

TEST_F(DatabaseTest, CheckpointsInTheBackgroundWhenTheWalGrows) {
  ASSERT_OK(CommitPages(*db_, 1200));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (db_->checkpoint_count() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GT(db_->checkpoint_count(), 0u);
}

TEST_F(DatabaseTest, CheckpointsInlineWhenBackgroundCheckpointsAreOff) {
  db_.reset();
  ASSERT_OK_AND_ASSIGN(db_, Database::Open(path(), {.background_checkpoint = false}));
  ASSERT_OK(CommitPages(*db_, 1200));
  EXPECT_EQ(db_->checkpoint_count(), 0u);
  // SQLite's own auto-checkpoint kept the WAL from holding all 1200 pages.
  EXPECT_LT(std::filesystem::file_size(path() + "-wal"), 1100u * 4096u);
}

TEST_F(DatabaseTest, MigrateAppliesEachVersionOnce) {
  const Migration v1[] = {{1, "items", kCreateItems}};
  ASSERT_OK_AND_ASSIGN(int fresh, db_->SchemaVersion());
  EXPECT_EQ(fresh, 0);
  ASSERT_OK(db_->Migrate(v1, FromUnixSeconds(1)));
  ASSERT_OK(db_->Migrate(v1, FromUnixSeconds(2)));  // would fail if CREATE TABLE ran again
  ASSERT_OK_AND_ASSIGN(int version, db_->SchemaVersion());
  EXPECT_EQ(version, 1);

  const Migration v2[] = {{1, "items", kCreateItems}, {2, "more", "CREATE TABLE more (x INTEGER)"}};
  ASSERT_OK(db_->Migrate(v2, FromUnixSeconds(3)));
  ASSERT_OK_AND_ASSIGN(version, db_->SchemaVersion());
  EXPECT_EQ(version, 2);
  ASSERT_OK_AND_ASSIGN(Connection * c, db_->ThreadConnection());
  EXPECT_OK(c->Execute("SELECT x FROM more"));

  // The older binary refuses the newer file.
  Status older = db_->Migrate(v1, FromUnixSeconds(4));
  EXPECT_STATUS(older, StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(older.message()), HasSubstr("newer"));
}

TEST_F(DatabaseTest, AFailingMigrationChangesNothing) {
  const Migration broken[] = {
      {1, "items", kCreateItems},
      {2, "half done", "CREATE TABLE half (x INTEGER); CREATE TABLE items (oops TEXT)"},
  };
  Status status = db_->Migrate(broken, FromUnixSeconds(1));
  EXPECT_STATUS(status, StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), HasSubstr("migration 2 (half done)"));
  ASSERT_OK_AND_ASSIGN(int version, db_->SchemaVersion());
  EXPECT_EQ(version, 1);
  ASSERT_OK_AND_ASSIGN(Connection * c, db_->ThreadConnection());
  EXPECT_FALSE(c->Execute("SELECT x FROM half").ok()) << "the half-applied migration was rolled back";
}

TEST_F(DatabaseTest, MigrationsMustBeNumberedFromOne) {
  const Migration gap[] = {{1, "a", kCreateItems}, {3, "c", "SELECT 1"}};
  EXPECT_STATUS(db_->Migrate(gap, FromUnixSeconds(1)), StatusCode::kInternal);
  ASSERT_OK_AND_ASSIGN(int version, db_->SchemaVersion());
  EXPECT_EQ(version, 0) << "nothing is applied from a malformed list";
}

TEST(StatusCodeForSqliteTest, MapsResultCodeFamilies) {
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_OK), StatusCode::kOk);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_BUSY), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_BUSY_SNAPSHOT), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_IOERR_FSYNC), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_FULL), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_CANTOPEN), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_READONLY), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_CORRUPT), StatusCode::kDataLoss);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_NOTADB), StatusCode::kDataLoss);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_NOMEM), StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_MISUSE), StatusCode::kInternal);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_ERROR), StatusCode::kInternal);
  EXPECT_EQ(StatusCodeForSqlite(SQLITE_CONSTRAINT_PRIMARYKEY), StatusCode::kInternal);
}

}  // namespace
}  // namespace scopereg::metadata::sqlite

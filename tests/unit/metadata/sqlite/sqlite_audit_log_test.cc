// SQLite-specific behaviour of SqliteAuditLog: batches are all or nothing,
// and queries walk an index instead of the whole table. The interface
// contract is checked by tests/conformance/audit_log_suite.h; management
// events written by the access store are covered in
// sqlite_access_store_test.cc.
#include "scopereg/metadata/sqlite/sqlite_audit_log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "scopereg/metadata/sqlite/database.h"
#include "scopereg/metadata/sqlite/schema.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace scopereg::metadata {
namespace {

using ::testing::HasSubstr;

class SqliteAuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<sqlite::Database> db,
                         sqlite::Database::Open((dir_.path() / "metadata.db").string(), {}));
    db_ = std::move(db);
    ASSERT_OK(db_->Migrate(sqlite::SchemaMigrations(), FromUnixSeconds(1'700'000'000)));
    ASSERT_OK_AND_ASSIGN(audit_, SqliteAuditLog::Create(db_));
  }

  // This thread's connection: the one Query used.
  sqlite3* Handle() {
    Result<sqlite::Connection*> c = db_->ThreadConnection();
    EXPECT_TRUE(c.ok());
    return c.ok() ? (*c)->handle() : nullptr;
  }

  testing::TempDir dir_;
  std::shared_ptr<sqlite::Database> db_;
  std::unique_ptr<SqliteAuditLog> audit_;
};

TEST(SqliteAuditLogCreateTest, RefusesAnUnmigratedDatabase) {
  testing::TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<sqlite::Database> db,
                       sqlite::Database::Open((dir.path() / "x.db").string(), {}));
  Status status = SqliteAuditLog::Create(std::move(db)).status();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("audit log needs schema version 2"));
}

TEST_F(SqliteAuditLogTest, AnAppendIsAllOrNothing) {
  Result<sqlite::Connection*> c = db_->ThreadConnection();
  ASSERT_TRUE(c.ok());
  ASSERT_OK(
      (*c)->Execute("CREATE TRIGGER poison BEFORE INSERT ON audit_events WHEN NEW.detail = 'poison'"
                    " BEGIN SELECT RAISE(ABORT, 'poisoned'); END"));
  std::vector<audit::AuditEvent> batch(3);
  batch[2].detail = "poison";
  EXPECT_FALSE(audit_->Append(batch).ok());
  ASSERT_OK_AND_ASSIGN(audit::AuditPage page, audit_->Query({}, 0, 10));
  EXPECT_TRUE(page.events.empty());
}

// Each filter with an index is served by it in id order: no full scan and
// no sort, whatever the size of the table.
TEST_F(SqliteAuditLogTest, SelectiveAuditFiltersUseTheirIndex) {
  std::vector<audit::AuditEvent> events(500);
  for (std::size_t i = 0; i < events.size(); ++i) {
    events[i].identity = "id-" + std::to_string(i % 50);
    events[i].repository = "repo-" + std::to_string(i % 25);
    events[i].operation = i % 2 == 0 ? "pull" : "push";
    events[i].correlation_id = "corr-" + std::to_string(i);
  }
  ASSERT_OK(audit_->Append(events));  // no ANALYZE: as in the field
  auto check = [&](const audit::AuditFilter& filter, const char* column) {
    ASSERT_OK(audit_->Query(filter, 0, 5));
    sqlite3* h = Handle();
    bool found = false;
    for (sqlite3_stmt* s = sqlite3_next_stmt(h, nullptr); s != nullptr; s = sqlite3_next_stmt(h, s)) {
      const std::string sql = sqlite3_sql(s);
      const std::string where = "FROM audit_events WHERE id > ?1 AND " + std::string(column) + " = ";
      const std::size_t at = sql.find(where);
      if (at == std::string::npos || sql.find(" AND ", at + where.size()) != std::string::npos) continue;
      found = true;
      EXPECT_EQ(sqlite3_stmt_status(s, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0), 0) << sql;
      EXPECT_EQ(sqlite3_stmt_status(s, SQLITE_STMTSTATUS_SORT, 0), 0) << sql;
    }
    EXPECT_TRUE(found) << column;
  };
  audit::AuditFilter f;
  f.identity = "id-3";
  check(f, "identity");
  f = {};
  f.repository = "repo-4";
  check(f, "repository");
  f = {};
  f.correlation_id = "corr-77";
  check(f, "correlation_id");
}

// A first page with `since` starts at the window, not at the oldest event:
// the work done does not grow with the events before the window.
TEST_F(SqliteAuditLogTest, ARecentTimeWindowSkipsOlderEvents) {
  constexpr int kEvents = 5000;
  std::vector<audit::AuditEvent> events(kEvents);
  for (int i = 0; i < kEvents; ++i) events[i].time = FromUnixSeconds(1'800'000'000 + i);
  ASSERT_OK(audit_->Append(events));
  audit::AuditFilter last_ten;
  last_ten.since = events[kEvents - 10].time;
  ASSERT_OK_AND_ASSIGN(audit::AuditPage page, audit_->Query(last_ten, 0, 5));
  ASSERT_EQ(page.events.size(), 5u);
  EXPECT_EQ(page.events[0].time, events[kEvents - 10].time);
  sqlite3* h = Handle();
  bool found = false;
  for (sqlite3_stmt* s = sqlite3_next_stmt(h, nullptr); s != nullptr; s = sqlite3_next_stmt(h, s)) {
    const std::string sql = sqlite3_sql(s);
    if (sql.find("FROM audit_events WHERE") == std::string::npos ||
        sql.find("time >= ?3") == std::string::npos) {
      continue;
    }
    found = true;
    // A scan from the oldest event takes several VM steps per skipped row.
    EXPECT_LT(sqlite3_stmt_status(s, SQLITE_STMTSTATUS_VM_STEP, 0), kEvents) << sql;
  }
  EXPECT_TRUE(found);
  // The next page continues from the cursor.
  ASSERT_TRUE(page.next_after_id.has_value());
  ASSERT_OK_AND_ASSIGN(audit::AuditPage next, audit_->Query(last_ten, *page.next_after_id, 10));
  EXPECT_EQ(next.events.size(), 5u);
  EXPECT_FALSE(next.next_after_id.has_value());
}

}  // namespace
}  // namespace scopereg::metadata

// Runs AuditLogSuite against SqliteAuditLog (one fresh database file per
// test) and against the in-memory fake that other tests use.
#include <memory>

#include "conformance/audit_log_suite.h"
#include "scopereg/metadata/sqlite/database.h"
#include "scopereg/metadata/sqlite/schema.h"
#include "scopereg/metadata/sqlite/sqlite_audit_log.h"
#include "testing/memory_audit_log.h"
#include "testing/temp_dir.h"

namespace scopereg::audit {
namespace {

AuditLogBackend SqliteBackend() {
  auto dir = std::make_shared<scopereg::testing::TempDir>();
  AuditLogBackend backend;
  backend.resources = dir;
  auto db = metadata::sqlite::Database::Open((dir->path() / "metadata.db").string(), {});
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return backend;
  std::shared_ptr<metadata::sqlite::Database> shared = std::move(db).value();
  EXPECT_OK(shared->Migrate(metadata::sqlite::SchemaMigrations(), FromUnixSeconds(1'700'000'000)));
  auto log = metadata::SqliteAuditLog::Create(shared);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  if (log.ok()) backend.log = std::move(log).value();
  return backend;
}

AuditLogBackend MemoryBackend() {
  AuditLogBackend backend;
  backend.log = std::make_unique<scopereg::testing::MemoryAuditLog>();
  return backend;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AuditLogSuite,
                         ::testing::Values(AuditLogSuiteParam{"Sqlite", SqliteBackend}), AuditLogSuiteName);
INSTANTIATE_TEST_SUITE_P(Memory, AuditLogSuite,
                         ::testing::Values(AuditLogSuiteParam{"Memory", MemoryBackend}), AuditLogSuiteName);

}  // namespace
}  // namespace scopereg::audit

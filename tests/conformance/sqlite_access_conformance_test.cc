// Runs AccessStoreSuite against SqliteAccessStore, one fresh database file
// per test. The suite reads the recorded changes back from the audit log in
// the same file, and breaks recording with a trigger that makes every
// insert into audit_events fail.
#include <memory>

#include "scopereg/metadata/sqlite/database.h"
#include "scopereg/metadata/sqlite/schema.h"
#include "scopereg/metadata/sqlite/sqlite_access_store.h"
#include "scopereg/metadata/sqlite/sqlite_audit_log.h"
#include "testing/access_store_suite.h"
#include "testing/temp_dir.h"

namespace scopereg::auth {
namespace {

using metadata::SqliteAccessStore;
using metadata::SqliteAuditLog;
namespace sqlite = metadata::sqlite;

struct SqliteResources {
  scopereg::testing::TempDir dir;
  std::shared_ptr<sqlite::Database> db;
  std::unique_ptr<SqliteAuditLog> audit;
};

// A management event read back as the change it records (caller.role and
// revision are not kept in the audit log).
AccessChange ChangeOf(const audit::AuditEvent& e) {
  AccessChange c;
  c.time = e.time;
  c.operation = ParseChangeOperation(e.operation).value_or(ChangeOperation::kTokenUpdate);
  c.caller.id = e.identity;
  c.caller.client_address = e.client_address;
  c.caller.correlation_id = e.correlation_id;
  c.target = e.target;
  c.detail = e.detail;
  return c;
}

AccessStoreBackend SqliteBackend() {
  auto resources = std::make_shared<SqliteResources>();
  AccessStoreBackend backend;
  backend.resources = resources;
  auto db = sqlite::Database::Open((resources->dir.path() / "metadata.db").string(), {});
  EXPECT_TRUE(db.ok()) << db.status().ToString();
  if (!db.ok()) return backend;
  resources->db = std::move(db).value();
  EXPECT_OK(resources->db->Migrate(sqlite::SchemaMigrations(), FromUnixSeconds(1'700'000'000)));
  auto store = SqliteAccessStore::Create(resources->db);
  auto log = SqliteAuditLog::Create(resources->db);
  EXPECT_TRUE(store.ok() && log.ok());
  if (!store.ok() || !log.ok()) return backend;
  backend.store = std::move(store).value();
  resources->audit = std::move(log).value();
  SqliteResources* r = resources.get();
  backend.recorded_changes = [r] {
    std::vector<AccessChange> out;
    audit::AuditFilter management;
    management.category = audit::Category::kManagement;
    std::int64_t after = 0;
    while (true) {
      auto page = r->audit->Query(management, after, 1000);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) return out;
      for (const audit::AuditEvent& e : page->events) out.push_back(ChangeOf(e));
      if (!page->next_after_id) return out;
      after = *page->next_after_id;
    }
  };
  backend.break_recording = [r] {
    auto c = r->db->ThreadConnection();
    ASSERT_TRUE(c.ok());
    ASSERT_OK(
        (*c)->Execute("CREATE TRIGGER audit_down BEFORE INSERT ON audit_events"
                      " BEGIN SELECT RAISE(ABORT, 'audit down'); END"));
  };
  return backend;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AccessStoreSuite,
                         ::testing::Values(AccessStoreSuiteParam{"Sqlite", SqliteBackend}),
                         AccessStoreSuiteName);

}  // namespace
}  // namespace scopereg::auth

// SqliteAuditLog: the embedded audit::AuditLog (audit/audit_log.h), the
// audit_events table of the SQLite database that also holds the metadata
// and the access model. tests/conformance/audit_log_suite.h checks it.
//
// Usage (the database of a migrated SqliteMetadataStore):
//   SCOPEREG_ASSIGN_OR_RETURN(auto log, SqliteAuditLog::Create(metadata->database()));
//
// Management events reach the same table another way: SqliteAccessStore
// inserts them in the transaction of the change they record. Both writers
// take ids from the table's AUTOINCREMENT sequence, so ids follow commit
// order and are never reused, even after retention deleted every row.
//
// Query picks one statement per combination of filters (prepared on first
// use per connection), so that each walks the index of a selective filter
// (identity, repository, operation, correlation id) in id order from the
// cursor. A first page with `since` starts at the first id of the time
// window, which it finds by reading the window's entries of the time index
// once. Other filters (category, success, client address, until) are
// checked row by row in id order from there. On 1,000,000 events a first
// page of 100 took (CPU time, 2-core VM) 0.4 ms by identity, 0.3 ms by
// repository and operation, 1.4 ms for the last 1% by time, and 60 ms for
// the last 50%: a wide window costs in proportion to its size
// (bench/access_store_bench.cc).
//
// Thread safety: all methods are safe for concurrent use (one SQLite
// connection per thread, database.h). Append and DeleteBefore are write
// transactions: they wait up to SqliteOptions::busy_timeout for the write
// lock and fail with kUnavailable after it.
//
// Errors beyond audit_log.h's: kDataLoss for a corrupt file or an
// undecodable row, kInternal for a bug (SQL misuse).
#pragma once

#include <memory>

#include "scopereg/audit/audit_log.h"

namespace scopereg::metadata {

namespace sqlite {
class Database;
}

class SqliteAuditLog final : public audit::AuditLog {
 public:
  // The audit log in `db`, which must have been migrated to the current
  // schema (sqlite/schema.h; SqliteMetadataStore::Migrate does it).
  // kFailedPrecondition if it was not.
  static Result<std::unique_ptr<SqliteAuditLog>> Create(std::shared_ptr<sqlite::Database> db);
  ~SqliteAuditLog() override;

  // One transaction for the whole batch; an empty batch writes nothing.
  Status Append(std::span<const audit::AuditEvent> events) override;
  Result<audit::AuditPage> Query(const audit::AuditFilter& filter, std::int64_t after_id,
                                 std::size_t limit) override;
  // Deletes the oldest events (by time) first. max_events 0 deletes nothing.
  Result<std::size_t> DeleteBefore(Time cutoff, std::size_t max_events) override;

 private:
  explicit SqliteAuditLog(std::shared_ptr<sqlite::Database> db);

  std::shared_ptr<sqlite::Database> db_;
};

}  // namespace scopereg::metadata

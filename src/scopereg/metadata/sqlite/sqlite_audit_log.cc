#include "scopereg/metadata/sqlite/sqlite_audit_log.h"

#include <array>
#include <mutex>
#include <string>

#include "scopereg/metadata/sqlite/audit_rows.h"
#include "scopereg/metadata/sqlite/database.h"
#include "scopereg/metadata/sqlite/queries.h"
#include "scopereg/metadata/sqlite/schema.h"

namespace scopereg::metadata {
namespace {

using sqlite::Connection;
using sqlite::Database;
using sqlite::Statement;
using TransactionMode = sqlite::Database::TransactionMode;

constexpr std::size_t kMaxQueryLimit = 10'000;

// One bit per AuditFilter member; the SQL of a query is chosen by the set
// of filters given. Each filter has a fixed parameter number: ?1 is the id
// cursor and ?2 the row limit.
enum FilterBit : unsigned {
  kSince = 1u << 0,
  kUntil = 1u << 1,
  kCategory = 1u << 2,
  kIdentity = 1u << 3,
  kRepository = 1u << 4,
  kOperation = 1u << 5,
  kSuccess = 1u << 6,
  kClientAddress = 1u << 7,
  kCorrelationId = 1u << 8,
  // Not a filter: on a first page (cursor <= 0) with `since`, the scan
  // starts at the smallest id in the time window instead of at the oldest
  // event. Without it, "the last hour" of a large log reads every older row
  // in id order; with it, it reads the window's entries in
  // audit_events_by_time once (a time index has no cheaper way to the
  // smallest id). Later pages need no bound: their cursor is already inside
  // the window.
  kSinceBound = 1u << 9,
};
constexpr unsigned kQueryVariants = 1u << 10;

struct FilterTerm {
  FilterBit bit;
  const char* sql;
};
constexpr std::array<FilterTerm, 9> kFilterTerms = {{
    {kSince, " AND time >= ?3"},
    {kUntil, " AND time < ?4"},
    {kCategory, " AND category = ?5"},
    {kIdentity, " AND identity = ?6"},
    {kRepository, " AND repository = ?7"},
    {kOperation, " AND operation = ?8"},
    {kSuccess, " AND success = ?9"},
    {kClientAddress, " AND client_address = ?10"},
    {kCorrelationId, " AND correlation_id = ?11"},
}};

unsigned QueryBits(const audit::AuditFilter& f, std::int64_t after_id) {
  unsigned bits = 0;
  if (f.since) bits |= kSince;
  if (f.since && after_id <= 0) bits |= kSinceBound;
  if (f.until) bits |= kUntil;
  if (f.category) bits |= kCategory;
  if (!f.identity.empty()) bits |= kIdentity;
  if (!f.repository.empty()) bits |= kRepository;
  if (!f.operation.empty()) bits |= kOperation;
  if (f.success) bits |= kSuccess;
  if (!f.client_address.empty()) bits |= kClientAddress;
  if (!f.correlation_id.empty()) bits |= kCorrelationId;
  return bits;
}

// The statement for a set of QueryBits, built on first use. The strings
// live as long as the process: Connection::Prepare caches statements by
// their address.
const char* QuerySql(unsigned bits) {
  static std::array<std::once_flag, kQueryVariants> built;
  static std::array<std::string, kQueryVariants> queries;
  std::call_once(built[bits], [bits] {
    // The bound replaces the cursor term (every id is above a cursor <= 0):
    // SQLite starts a rowid range at one lower bound only. "+id" keeps it
    // from answering min(id) by walking the primary key from the oldest row
    // until one is in the window, the very scan the bound avoids.
    std::string sql = "SELECT " SCOPEREG_AUDIT_EVENT_COLUMNS " FROM audit_events WHERE ";
    sql +=
        (bits & kSinceBound) != 0 ? "id >= (SELECT min(+id) FROM audit_events WHERE time >= ?3)" : "id > ?1";
    for (const FilterTerm& term : kFilterTerms) {
      if ((bits & term.bit) == 0) continue;
      // An operation ("pull") matches a large share of all events; next to
      // an identity, repository or correlation id its index is the wrong
      // one to walk, and without statistics SQLite cannot tell. "+" keeps
      // it to checking rows.
      if (term.bit == kOperation && (bits & (kIdentity | kRepository | kCorrelationId)) != 0) {
        sql += " AND +operation = ?8";
        continue;
      }
      sql += term.sql;
    }
    sql += " ORDER BY id LIMIT ?2";
    queries[bits] = std::move(sql);
  });
  return queries[bits].c_str();
}

// Binds the filters of `bits` (only those: the others are not in the SQL).
void BindFilters(Statement& s, const audit::AuditFilter& f, unsigned bits) {
  if ((bits & kSince) != 0) s.BindInt(3, sqlite::TimeColumn(*f.since));
  if ((bits & kUntil) != 0) s.BindInt(4, sqlite::TimeColumn(*f.until));
  if ((bits & kCategory) != 0) s.BindText(5, audit::CategoryName(*f.category));
  if ((bits & kIdentity) != 0) s.BindText(6, f.identity);
  if ((bits & kRepository) != 0) s.BindText(7, f.repository);
  if ((bits & kOperation) != 0) s.BindText(8, f.operation);
  if ((bits & kSuccess) != 0) s.BindBool(9, *f.success);
  if ((bits & kClientAddress) != 0) s.BindText(10, f.client_address);
  if ((bits & kCorrelationId) != 0) s.BindText(11, f.correlation_id);
}

// Oldest by time first, through audit_events_by_time; bounded so that a
// large backlog never holds the write lock for long.
constexpr char kDeleteBefore[] =
    "DELETE FROM audit_events WHERE id IN"
    " (SELECT id FROM audit_events WHERE time < ?1 ORDER BY time LIMIT ?2)";

}  // namespace

SqliteAuditLog::SqliteAuditLog(std::shared_ptr<Database> db) : db_(std::move(db)) {}

SqliteAuditLog::~SqliteAuditLog() = default;

Result<std::unique_ptr<SqliteAuditLog>> SqliteAuditLog::Create(std::shared_ptr<Database> db) {
  SCOPEREG_RETURN_IF_ERROR(sqlite::RequireSchemaVersion(*db, sqlite::kAccessSchemaVersion, "audit log"));
  return std::unique_ptr<SqliteAuditLog>(new SqliteAuditLog(std::move(db)));
}

Status SqliteAuditLog::Append(std::span<const audit::AuditEvent> events) {
  if (events.empty()) return Status::Ok();
  return db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    for (const audit::AuditEvent& e : events) SCOPEREG_RETURN_IF_ERROR(sqlite::InsertAuditEvent(c, e));
    return Status::Ok();
  });
}

Result<audit::AuditPage> SqliteAuditLog::Query(const audit::AuditFilter& filter, std::int64_t after_id,
                                               std::size_t limit) {
  if (limit < 1 || limit > kMaxQueryLimit) {
    return Status::InvalidArgument("limit: " + std::to_string(limit) + " is not between 1 and " +
                                   std::to_string(kMaxQueryLimit));
  }
  const unsigned bits = QueryBits(filter, after_id);
  SCOPEREG_ASSIGN_OR_RETURN(Connection * c, db_->ThreadConnection());
  SCOPEREG_ASSIGN_OR_RETURN(Statement s, c->Prepare(QuerySql(bits)));
  // One row more than asked says whether another page follows.
  s.BindInt(1, after_id).BindInt(2, static_cast<std::int64_t>(limit) + 1);
  BindFilters(s, filter, bits);
  audit::AuditPage page;
  while (true) {
    SCOPEREG_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    if (page.events.size() == limit) {
      page.next_after_id = page.events.back().id;
      break;
    }
    SCOPEREG_ASSIGN_OR_RETURN(audit::AuditEvent e, sqlite::ReadAuditEvent(s));
    page.events.push_back(std::move(e));
  }
  return page;
}

Result<std::size_t> SqliteAuditLog::DeleteBefore(Time cutoff, std::size_t max_events) {
  if (max_events == 0) return std::size_t{0};
  std::size_t deleted = 0;
  SCOPEREG_RETURN_IF_ERROR(db_->Transaction(TransactionMode::kWrite, [&](Connection& c) -> Status {
    SCOPEREG_ASSIGN_OR_RETURN(Statement s, c.Prepare(kDeleteBefore));
    SCOPEREG_RETURN_IF_ERROR(
        s.BindInt(1, sqlite::TimeColumn(cutoff)).BindInt(2, sqlite::Limit(max_events)).Run());
    deleted = static_cast<std::size_t>(s.changes());
    return Status::Ok();
  }));
  return deleted;
}

}  // namespace scopereg::metadata

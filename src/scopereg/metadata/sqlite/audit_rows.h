// How audit events are kept in the audit_events table (schema.cc,
// migration 2). Shared by the two writers of that table: SqliteAuditLog
// (every kind of event) and SqliteAccessStore (management events, inserted
// in the transaction of the change they describe). Internal to
// metadata/sqlite, like database.h.
#pragma once

#include <cstdint>

#include "scopereg/audit/audit_event.h"
#include "scopereg/auth/access_store.h"
#include "scopereg/core/status.h"
#include "scopereg/metadata/sqlite/database.h"

namespace scopereg::metadata::sqlite {

// The columns of audit_events, id first, in AuditEvent's field order; what
// ReadAuditEvent expects from column 0.
#define SCOPEREG_AUDIT_EVENT_COLUMNS                                                                         \
  "id, time, category, operation, identity, identity_kind, slot, success, reason, http_status, repository, " \
  "tag, digest, media_type, size, target, detail, client_address, user_agent, correlation_id"

// Inserts `event` (its `id` is ignored; the table assigns the next one).
// REQUIRES: a write transaction is open on `c`.
Status InsertAuditEvent(Connection& c, const audit::AuditEvent& event);

// A row of SCOPEREG_AUDIT_EVENT_COLUMNS from column 0. kDataLoss for an
// unknown category.
Result<audit::AuditEvent> ReadAuditEvent(const Statement& s);

// Unix milliseconds, the unit of every time column, and the inverse.
inline std::int64_t TimeColumn(Time t) { return ToUnixMillis(t); }
inline Time TimeFromColumn(std::int64_t millis) { return FromUnixMillis(millis); }
// `t` as it reads back from a time column.
inline Time StoredTime(Time t) { return TimeFromColumn(TimeColumn(t)); }

}  // namespace scopereg::metadata::sqlite

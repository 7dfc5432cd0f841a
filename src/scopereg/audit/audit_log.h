// AuditLog: the durable audit trail, queryable by time range, identity,
// repository, operation, result and client address (access-model.md
// section 4). Implemented by the metadata backends (metadata/sqlite);
// tests/conformance/audit_log_suite.h is the contract every backend runs.
//
// Append-only through this interface: there is no update, and the only
// deletion is retention (DeleteBefore), so nobody can edit or delete events
// through the API.
//
// Thread safety: all methods are safe for concurrent use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "scopereg/audit/audit_event.h"
#include "scopereg/core/status.h"

namespace scopereg::audit {

struct AuditFilter {
  std::optional<Time> since;   // time >= since
  std::optional<Time> until;   // time < until
  std::optional<Category> category;
  std::string identity;        // exact; "" = any
  std::string repository;      // exact; "" = any
  std::string operation;       // exact; "" = any
  std::optional<bool> success;
  std::string client_address;  // exact; "" = any
  std::string correlation_id;  // exact; "" = any
};

struct AuditPage {
  std::vector<AuditEvent> events;
  // Pass as `after_id` to get the next page; nullopt when there is no more.
  std::optional<std::int64_t> next_after_id;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;

  // Appends `events` in one transaction (all or none), assigning ids in
  // order. kUnavailable when the store cannot be written (the caller counts
  // and logs the loss; see audit/audit_writer.h).
  virtual Status Append(std::span<const AuditEvent> events) = 0;

  // Events matching `filter` with id > `after_id`, oldest first, at most
  // `limit` (1..10000; kInvalidArgument otherwise).
  virtual Result<AuditPage> Query(const AuditFilter& filter, std::int64_t after_id, std::size_t limit) = 0;

  // Retention: deletes events with time < `cutoff`, at most `max_events`
  // per call (so a large backlog does not hold a long transaction). Returns
  // how many were deleted.
  virtual Result<std::size_t> DeleteBefore(Time cutoff, std::size_t max_events) = 0;
};

}  // namespace scopereg::audit

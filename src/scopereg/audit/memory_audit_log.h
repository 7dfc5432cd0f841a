// MemoryAuditLog: an AuditLog in memory, for tests, and the fallback the
// server uses when its metadata backend has no durable audit log yet.
// Not durable: everything is lost with the process.
//
// Thread safety: all methods are safe for concurrent use (one mutex).
#pragma once

#include <mutex>
#include <vector>

#include "scopereg/audit/audit_log.h"

namespace scopereg::audit {

// True if `e` passes every condition set in `f` (the AuditFilter contract,
// audit_log.h); backends that filter in memory share it.
bool Matches(const AuditFilter& f, const AuditEvent& e);

class MemoryAuditLog final : public AuditLog {
 public:
  Status Append(std::span<const AuditEvent> events) override;
  Result<AuditPage> Query(const AuditFilter& filter, std::int64_t after_id, std::size_t limit) override;
  Result<std::size_t> DeleteBefore(Time cutoff, std::size_t max_events) override;

  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::vector<AuditEvent> events_;  // ascending id
  std::int64_t next_id_ = 1;
};

}  // namespace scopereg::audit
